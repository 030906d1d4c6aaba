/* Unit tests: strategic merge patches (kyaml merge2 as kustomize applies
 * it) against outputs recorded from kubectl kustomize, and directive
 * errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "overlay/kust.h"

struct smp_case {
    const char *name, *dest, *patch, *want;
};

#include "overlay/tests/smp-cases.h"

static struct val *
load1(struct arena *a, const char *s)
{
    struct val *v = NULL;
    struct val_yaml_opts o = {.dialect = VAL_YAML_KYAML};
    struct pkg_err *err = NULL;
    assert_int_equal(val_yaml_load(&v, a, s, strlen(s), "test", &o, &err), 0);
    return v;
}

/* Resource.ApplySmPatch for an untargeted patch, then AsYAML. */
static int
apply(struct arena *a, const char *dest, const char *patch, struct sb *out, struct pkg_err **errp)
{
    struct kust_opts opts = {0};
    struct kbuild b = {.a = a, .opts = &opts, .warnings = SB_INIT};
    struct val *d = load1(a, dest), *p = load1(a, patch);
    const char *name = kn_name(a, d), *kind = kn_kind(a, d), *ns = kn_namespace(a, d);
    struct val *r;
    int rc = ksmp_merge(&b, &r, d, p, errp);
    if (rc)
        return rc;
    if (kn_nil_or_empty(r))
        return 0;
    kn_set_kind(a, r, kind);
    kn_set_name(a, r, name);
    kn_set_namespace(a, r, ns);
    return val_yaml_emit(out, kjson_roundtrip(a, r), VAL_YAML_KYAML, errp);
}

static void
test_recorded(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(smp_cases) / sizeof(smp_cases[0]); i++) {
        const struct smp_case *c = &smp_cases[i];
        struct arena *a = arena_new();
        struct sb out = SB_INIT;
        struct pkg_err *err = NULL;
        int rc = apply(a, c->dest, c->patch, &out, &err);
        if (rc || strcmp(out.buf, c->want))
            fprintf(stderr, "# %s:\n%s\n# want:\n%s\n", c->name, rc ? err->msg : out.buf, c->want);
        assert_int_equal(rc, 0);
        assert_string_equal(out.buf, c->want);
        sb_release(&out);
        arena_free(a);
    }
}

static void
test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *patch, *want;
    } cases[] = {
        {"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {$patch: bogus}\n",
         "unknown patch strategy 'bogus'"},
        {"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a}, "
         "{$patch: nope}]}\n",
         "unknown patch strategy 'nope'"},
        {"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: [a]\n",
         "wrong node kind: expected MappingNode but got SequenceNode"},
    };
    const char *dest = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: "
                       "[{name: a, image: a}]\n";
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct arena *a = arena_new();
        struct sb out = SB_INIT;
        struct pkg_err *err = NULL;
        assert_int_not_equal(apply(a, dest, cases[i].patch, &out, &err), 0);
        assert_non_null(strstr(err->msg, cases[i].want));
        pkg_err_free(err);
        sb_release(&out);
        arena_free(a);
    }
}

static void
test_deep_nesting_is_bounded(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct sb d = SB_INIT, p = SB_INIT;
    sb_addstr(&d, "apiVersion: v1\nkind: X\nmetadata: {name: x}\nspec: ");
    sb_addstr(&p, "apiVersion: v1\nkind: X\nmetadata: {name: x}\nspec: ");
    for (int i = 0; i < 600; i++) {
        sb_addstr(&d, "{a: ");
        sb_addstr(&p, "{a: ");
    }
    sb_addstr(&d, "1");
    sb_addstr(&p, "2");
    for (int i = 0; i < 600; i++) {
        sb_addch(&d, '}');
        sb_addch(&p, '}');
    }
    sb_addch(&d, '\n');
    sb_addch(&p, '\n');
    struct sb out = SB_INIT;
    struct pkg_err *err = NULL;
    assert_int_equal(apply(a, d.buf, p.buf, &out, &err), PKG_ELIMIT);
    pkg_err_free(err);
    sb_release(&out);
    sb_release(&d);
    sb_release(&p);
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recorded),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_deep_nesting_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
