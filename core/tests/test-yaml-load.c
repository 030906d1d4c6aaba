/* Unit tests: YAML loading in both dialects (go-yaml v2 and v3 scalar
 * resolution), anchors, merge keys, tags, positions, limits, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/core.h"

struct rcase {
    const char *in;
    enum val_yaml_rtag v2, v3;
    const char *v2val; /* printed value for v2: "i:511", "f:1.5", "b:1", "s", "n" */
};

/* What go-yaml v2 and v3 make of plain scalars. */
static const struct rcase rcases[] = {
    {"yes", VAL_YTAG_BOOL, VAL_YTAG_STR, "b:1"},
    {"Yes", VAL_YTAG_BOOL, VAL_YTAG_STR, "b:1"},
    {"on", VAL_YTAG_BOOL, VAL_YTAG_STR, "b:1"},
    {"OFF", VAL_YTAG_BOOL, VAL_YTAG_STR, "b:0"},
    {"y", VAL_YTAG_BOOL, VAL_YTAG_STR, "b:1"},
    {"n", VAL_YTAG_BOOL, VAL_YTAG_STR, "b:0"},
    {"true", VAL_YTAG_BOOL, VAL_YTAG_BOOL, "b:1"},
    {"False", VAL_YTAG_BOOL, VAL_YTAG_BOOL, "b:0"},
    {"tRue", VAL_YTAG_STR, VAL_YTAG_STR, "s"},
    {"~", VAL_YTAG_NULL, VAL_YTAG_NULL, "n"},
    {"null", VAL_YTAG_NULL, VAL_YTAG_NULL, "n"},
    {"", VAL_YTAG_NULL, VAL_YTAG_NULL, "n"},
    {"0777", VAL_YTAG_INT, VAL_YTAG_INT, "i:511"},
    {"0o17", VAL_YTAG_INT, VAL_YTAG_INT, "i:15"},
    {"0x1F", VAL_YTAG_INT, VAL_YTAG_INT, "i:31"},
    {"0b101", VAL_YTAG_INT, VAL_YTAG_INT, "i:5"},
    {"-0b101", VAL_YTAG_INT, VAL_YTAG_INT, "i:-5"},
    {"1_000", VAL_YTAG_INT, VAL_YTAG_INT, "i:1000"},
    {"+12", VAL_YTAG_INT, VAL_YTAG_INT, "i:12"},
    {"-7", VAL_YTAG_INT, VAL_YTAG_INT, "i:-7"},
    {"09", VAL_YTAG_FLOAT, VAL_YTAG_FLOAT, "f:9"},
    {"1.5", VAL_YTAG_FLOAT, VAL_YTAG_FLOAT, "f:1.5"},
    {"1e3", VAL_YTAG_FLOAT, VAL_YTAG_FLOAT, "f:1000"},
    {"1.", VAL_YTAG_FLOAT, VAL_YTAG_FLOAT, "f:1"},
    {".5", VAL_YTAG_FLOAT, VAL_YTAG_FLOAT, "f:0.5"},
    {"1e400", VAL_YTAG_STR, VAL_YTAG_STR, "s"},
    {".inf", VAL_YTAG_FLOAT, VAL_YTAG_FLOAT, "f:inf"},
    {"-.Inf", VAL_YTAG_FLOAT, VAL_YTAG_FLOAT, "f:-inf"},
    {".NaN", VAL_YTAG_FLOAT, VAL_YTAG_FLOAT, "f:nan"},
    {"9223372036854775807", VAL_YTAG_INT, VAL_YTAG_INT, "i:9223372036854775807"},
    {"-9223372036854775808", VAL_YTAG_INT, VAL_YTAG_INT, "i:-9223372036854775808"},
    {"18446744073709551615", VAL_YTAG_INT, VAL_YTAG_INT, "f:1.8446744073709552e+19"},
    {"99999999999999999999", VAL_YTAG_FLOAT, VAL_YTAG_FLOAT, "f:1e+20"},
    {"2024-01-02", VAL_YTAG_TIMESTAMP, VAL_YTAG_TIMESTAMP, "s"},
    {"2001-12-14t21:59:43.10-05:00", VAL_YTAG_TIMESTAMP, VAL_YTAG_TIMESTAMP, "s"},
    {"2001-12-14 21:59:43.10", VAL_YTAG_TIMESTAMP, VAL_YTAG_TIMESTAMP, "s"},
    {"2024-13-02", VAL_YTAG_STR, VAL_YTAG_STR, "s"},
    {"1.20", VAL_YTAG_FLOAT, VAL_YTAG_FLOAT, "f:1.2"},
    {"1.2.3", VAL_YTAG_STR, VAL_YTAG_STR, "s"},
    {"0x", VAL_YTAG_STR, VAL_YTAG_STR, "s"},
    {"_1", VAL_YTAG_STR, VAL_YTAG_STR, "s"},
    {"<<", VAL_YTAG_STR, VAL_YTAG_STR, "s"},
    {"-", VAL_YTAG_STR, VAL_YTAG_STR, "s"},
    {"+.5", VAL_YTAG_FLOAT, VAL_YTAG_FLOAT, "f:0.5"},
    {"12:30", VAL_YTAG_STR, VAL_YTAG_STR, "s"},
    {"0x1p-2", VAL_YTAG_STR, VAL_YTAG_STR, "s"},
    {".e5", VAL_YTAG_STR, VAL_YTAG_STR, "s"},
};

static void
check_value(const struct val *v, const char *want, const char *in)
{
    char got[64];
    switch (v->kind) {
    case VAL_BOOL:
        snprintf(got, sizeof(got), "b:%d", v->u.b);
        break;
    case VAL_INT:
        snprintf(got, sizeof(got), "i:%lld", (long long)v->u.i);
        break;
    case VAL_FLOAT:
        if (isnan(v->u.f))
            snprintf(got, sizeof(got), "f:nan");
        else if (isinf(v->u.f))
            snprintf(got, sizeof(got), "f:%sinf", v->u.f < 0 ? "-" : "");
        else
            snprintf(got, sizeof(got), "f:%.17g", v->u.f);
        break;
    case VAL_NULL:
        snprintf(got, sizeof(got), "n");
        break;
    default:
        snprintf(got, sizeof(got), "s");
    }
    if (!strncmp(want, "f:", 2) && v->kind == VAL_FLOAT && strcmp(want, "f:nan") &&
        !strstr(want, "inf")) {
        double w = strtod(want + 2, NULL);
        if (w == v->u.f)
            return;
    }
    if (strcmp(got, want) != 0)
        fail_msg("%s: got %s, want %s", in, got, want);
}

static void
test_resolve_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
        const struct rcase *c = &rcases[i];
        struct val v = {0};
        enum val_yaml_rtag t2 = val_yaml_resolve(VAL_YAML_HELM, c->in, strlen(c->in), &v);
        if (t2 != c->v2)
            fail_msg("v2 %s: tag %d, want %d", c->in, t2, c->v2);
        check_value(&v, c->v2val, c->in);
        enum val_yaml_rtag t3 = val_yaml_resolve(VAL_YAML_KYAML, c->in, strlen(c->in), NULL);
        if (t3 != c->v3)
            fail_msg("v3 %s: tag %d, want %d", c->in, t3, c->v3);
    }
}

static struct val *
load(struct arena *a, const char *in, enum val_yaml_dialect d, int want_rc, const char *want_msg)
{
    struct pkg_err *err = NULL;
    struct val *out = NULL;
    struct val_yaml_opts o = {.dialect = d};
    int rc = val_yaml_load_all(&out, a, in, strlen(in), "t.yaml", &o, &err);
    if (rc != want_rc)
        fail_msg("load %s: rc %d (%s), want %d", in, rc, err ? err->msg : "", want_rc);
    if (want_msg) {
        assert_non_null(err);
        if (!strstr(err->msg, want_msg))
            fail_msg("message \"%s\" lacks \"%s\"", err->msg, want_msg);
    }
    pkg_err_free(err);
    return out;
}

static void
test_streams_and_positions(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *docs = load(a, "a: 1\n---\n---\n- x\n- 'y'\n", VAL_YAML_HELM, 0, NULL);
    assert_int_equal(val_seq_len(docs), 3);
    assert_int_equal(val_seq_at(docs, 1)->kind, VAL_NULL);
    struct val *seq = val_seq_at(docs, 2);
    assert_int_equal(seq->kind, VAL_SEQ);
    assert_int_equal(val_seq_at(seq, 1)->line, 5);
    assert_int_equal(val_seq_at(seq, 1)->col, 3);
    assert_int_equal(val_seq_at(seq, 1)->style, VAL_STYLE_SINGLE);
    docs = load(a, "", VAL_YAML_HELM, 0, NULL);
    assert_int_equal(val_seq_len(docs), 0);
    docs = load(a, "# only a comment\n", VAL_YAML_HELM, 0, NULL);
    assert_int_equal(val_seq_len(docs), 0);
    arena_free(a);
}

static void
test_anchors_merge(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    const char *in = "base: &b {x: 1, y: 2}\n"
                     "v2order:\n  y: 9\n  <<: *b\n"
                     "m:\n  <<: [*b, {x: 5, z: 3}]\n  x: 7\n"
                     "list: &l [1, 2]\ncopy: *l\n";
    struct val *d2 = val_seq_at(load(a, in, VAL_YAML_HELM, 0, NULL), 0);
    struct val *d3 = val_seq_at(load(a, in, VAL_YAML_KYAML, 0, NULL), 0);
    /* v2 applies a merge in place: it overrides keys before it. */
    assert_int_equal(val_path_get(d2, "v2order.y")->u.i, 2);
    /* v3: explicit keys always win. */
    assert_int_equal(val_path_get(d3, "v2order.y")->u.i, 9);
    for (int i = 0; i < 2; i++) {
        struct val *d = i ? d3 : d2;
        assert_int_equal(val_path_get(d, "m.x")->u.i, 7);
        assert_int_equal(val_path_get(d, "m.y")->u.i, 2);
        assert_int_equal(val_path_get(d, "m.z")->u.i, 3);
        assert_null(val_path_get(d, "m.<<"));
        /* Aliases are copies: changing one leaves the other. */
        val_seq_push(a, val_path_get(d, "copy"), val_int(a, 3));
        assert_int_equal(val_len(val_path_get(d, "list")), 2);
    }
    /* Aliased scalars are copies too. */
    struct val *sc = val_seq_at(load(a, "a: &n web\nb: *n\n", VAL_YAML_KYAML, 0, NULL), 0);
    assert_ptr_not_equal(val_map_getz(sc, "a"), val_map_getz(sc, "b"));
    assert_true(val_is_str(val_map_getz(sc, "b"), "web"));
    /* A quoted "<<" is a plain key. */
    struct val *q = val_seq_at(load(a, "'<<': {a: 1}\n", VAL_YAML_HELM, 0, NULL), 0);
    assert_non_null(val_map_getz(q, "<<"));
    load(a, "a: *nope\n", VAL_YAML_HELM, PKG_EINVAL, "unknown anchor 'nope' referenced");
    load(a, "a:\n  <<: 3\n", VAL_YAML_HELM, PKG_ETYPE, "map merge requires map");
    arena_free(a);
}

static void
test_tags(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    const char *in = "s: !!str 123\ni: !!int \"12\"\nf: !!float 3\nb: !!binary aGVsbG8=\n"
                     "c: !custom 5\nq: \"42\"\nset: !!set {a, b}\n";
    struct val *d = val_seq_at(load(a, in, VAL_YAML_HELM, 0, NULL), 0);
    assert_true(val_is_str(val_map_getz(d, "s"), "123"));
    assert_int_equal(val_map_getz(d, "i")->kind, VAL_INT);
    assert_int_equal(val_map_getz(d, "i")->u.i, 12);
    assert_int_equal(val_map_getz(d, "f")->kind, VAL_FLOAT);
    assert_true(val_is_str(val_map_getz(d, "b"), "hello"));
    assert_true(val_map_getz(d, "b")->flags & VAL_F_BINARY);
    assert_true(val_is_str(val_map_getz(d, "c"), "5"));
    assert_true(val_is_str(val_map_getz(d, "q"), "42"));
    assert_int_equal(val_map_len(val_map_getz(d, "set")), 2);
    load(a, "x: !!int abc\n", VAL_YAML_HELM, PKG_ETYPE, "cannot decode !!str `abc` as a !!int");
    load(a, "x: !!binary '%%%'\n", VAL_YAML_HELM, PKG_EINVAL, "invalid base64");
    arena_free(a);
}

static void
test_keys(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *d =
        val_seq_at(load(a, "1: a\ntrue: b\n~: c\n1.50: d\n", VAL_YAML_HELM, 0, NULL), 0);
    assert_non_null(val_map_getz(d, "1"));
    assert_non_null(val_map_getz(d, "true"));
    assert_non_null(val_map_getz(d, "~"));
    assert_non_null(val_map_getz(d, "1.50"));
    load(a, "a: 1\nb: 2\na: 3\n", VAL_YAML_HELM, PKG_EINVAL,
         "t.yaml:3:1: mapping key \"a\" already defined at line 1, column 1");
    load(a, "? [a, b]\n: c\n", VAL_YAML_HELM, PKG_EINVAL, "invalid map key");
    load(a, "? {a: b}\n: c\n", VAL_YAML_KYAML, PKG_EINVAL, "invalid map key");
    arena_free(a);
}

/* first_doc_only: go-yaml's Unmarshal reads one document; what follows
 * its end is not parsed (no error from a broken second document). */
static void
test_first_doc_only(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct pkg_err *err = NULL;
    struct val *all;
    struct val_yaml_opts o = {.dialect = VAL_YAML_HELM, .first_doc_only = true};
    const char *in = "a: 1\n---\n[";
    assert_int_equal(val_yaml_load_all(&all, a, in, strlen(in), "x", &o, &err), 0);
    assert_int_equal(val_seq_len(all), 1);
    assert_non_null(val_map_getz(val_seq_at(all, 0), "a"));
    in = "[a-c]+";
    assert_int_equal(val_yaml_load_all(&all, a, in, strlen(in), "x", &o, &err), 0);
    assert_int_equal(val_seq_len(all), 1);
    /* without the option the whole stream is parsed */
    o.first_doc_only = false;
    assert_int_not_equal(val_yaml_load_all(&all, a, in, strlen(in), "x", &o, &err), 0);
    pkg_err_free(err);
    arena_free(a);
}

static void
test_json_compat(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct pkg_err *err = NULL;
    struct val *d;
    struct val_yaml_opts o = {.dialect = VAL_YAML_HELM, .json_compat = true};
    const char *in = "num: 3\nbig: 1000000\nlist: [1, 2.5]\n";
    assert_int_equal(val_yaml_load(&d, a, in, strlen(in), "v.yaml", &o, &err), 0);
    assert_int_equal(val_map_getz(d, "num")->kind, VAL_FLOAT);
    assert_true(val_map_getz(d, "num")->u.f == 3.0);
    assert_int_equal(val_seq_at(val_map_getz(d, "list"), 0)->kind, VAL_FLOAT);
    arena_free(a);
}

static void
test_errors_and_limits(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    load(a, "a: b: c\n", VAL_YAML_HELM, PKG_ESYNTAX,
         "t.yaml:1:5: mapping values are not allowed in this context");
    load(a, "a:\n  - x\n  y: 1\n", VAL_YAML_HELM, PKG_ESYNTAX, "t.yaml:3:");
    load(a, "key: \"unterminated\n", VAL_YAML_HELM, PKG_ESYNTAX, "t.yaml:");
    /* A 100,000-level nesting bomb is refused at the depth limit. */
    size_t n = 100000;
    char *deep = malloc(2 * n + 1);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = 0;
    load(a, deep, VAL_YAML_HELM, PKG_ELIMIT, "nested deeper than the limit");
    free(deep);
    /* Billion laughs: refused by the alias budget, quickly. */
    const char *bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
                       "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                       "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                       "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                       "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
                       "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                       "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
                       "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
                       "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    load(a, bomb, VAL_YAML_HELM, PKG_ELIMIT, "excessive aliasing");
    struct pkg_err *err = NULL;
    struct val *out;
    struct val_yaml_opts o = {.max_bytes = 4};
    assert_int_equal(val_yaml_load_all(&out, a, "a: 12345", 8, "big.yaml", &o, &err), PKG_ELIMIT);
    pkg_err_clear(&err);
    assert_int_equal(val_yaml_load(&out, a, "a\n---\nb\n", 8, "two.yaml", NULL, &err), PKG_EINVAL);
    pkg_err_clear(&err);
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve_table),  cmocka_unit_test(test_streams_and_positions),
        cmocka_unit_test(test_anchors_merge),  cmocka_unit_test(test_tags),
        cmocka_unit_test(test_keys),           cmocka_unit_test(test_json_compat),
        cmocka_unit_test(test_first_doc_only), cmocka_unit_test(test_errors_and_limits),
    };
    return cmocka_run_group_tests_name("core/yaml-load", tests, NULL, NULL);
}
