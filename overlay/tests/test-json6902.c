/* Unit tests: JSON 6902 patches (evanphx/json-patch v4 as kustomize uses
 * it) against outputs and errors recorded from kubectl kustomize. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "overlay/kust.h"

struct json_case {
    const char *name, *ops, *want, *want_err;
};

#include "overlay/tests/json6902-cases.h"

static void
test_recorded(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
        const struct json_case *c = &json_cases[i];
        struct arena *a = arena_new();
        struct kust_opts opts = {0};
        struct kbuild b = {.a = a, .opts = &opts, .warnings = SB_INIT};
        struct val *doc = NULL;
        struct val_yaml_opts yo = {.dialect = VAL_YAML_KYAML};
        struct pkg_err *err = NULL;
        assert_int_equal(
            val_yaml_load(&doc, a, json6902_doc, strlen(json6902_doc), "doc", &yo, &err), 0);
        const struct val *ops = NULL;
        assert_int_equal(kjson6902_parse(&b, &ops, c->ops, strlen(c->ops), "ops", &err), 0);
        int rc = kjson6902_apply(&b, &doc, ops, &err);
        struct sb out = SB_INIT;
        if (!rc)
            rc = val_yaml_emit(&out, doc, VAL_YAML_KYAML, &err);
        if (c->want) {
            if (rc || strcmp(out.buf, c->want))
                fprintf(stderr, "# %s:\n%s\n# want:\n%s\n", c->name, rc ? err->msg : out.buf,
                        c->want);
            assert_int_equal(rc, 0);
            assert_string_equal(out.buf, c->want);
        } else {
            if (!rc || !strstr(err->msg, c->want_err))
                fprintf(stderr, "# %s: %s\n# want error: %s\n", c->name, rc ? err->msg : "none",
                        c->want_err);
            assert_int_not_equal(rc, 0);
            assert_non_null(strstr(err->msg, c->want_err));
        }
        pkg_err_free(err);
        sb_release(&out);
        arena_free(a);
    }
}

static void
test_parse_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {"{\"op\": \"add\"}", "[1, 2]", "[{\"op\": \"add\"", "x: ["};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct arena *a = arena_new();
        struct kust_opts opts = {0};
        struct kbuild b = {.a = a, .opts = &opts, .warnings = SB_INIT};
        const struct val *ops = NULL;
        struct pkg_err *err = NULL;
        assert_int_not_equal(kjson6902_parse(&b, &ops, bad[i], strlen(bad[i]), "ops", &err), 0);
        pkg_err_free(err);
        arena_free(a);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recorded),
        cmocka_unit_test(test_parse_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
