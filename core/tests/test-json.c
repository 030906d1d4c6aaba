/* Unit tests: JSON load and emit (core/json.c) against encoding/json's
 * behaviour. Table rows: input text, then what json.Marshal prints for the
 * value json.Unmarshal gives (compact), or the error expected. */
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

struct rt {
    const char *in;
    const char *out; /* compact Marshal, or NULL when err is set */
    const char *err; /* expected error message (exact), or NULL */
};

static const struct rt rts[] = {
    /* Scalars. Numbers are float64 by default, printed as Go does. */
    {"null", "null", NULL},
    {" true ", "true", NULL},
    {"false", "false", NULL},
    {"0", "0", NULL},
    {"-0", "-0", NULL},
    {"3", "3", NULL},
    {"1e6", "1000000", NULL},
    {"1E+21", "1e+21", NULL},
    {"0.0000001", "1e-7", NULL},
    {"0.000001", "0.000001", NULL},
    {"123456789012345678901", "123456789012345680000", NULL},
    {"9007199254740993", "9007199254740992", NULL},
    {"1.5e-300", "1.5e-300", NULL},
    {"-12.50", "-12.5", NULL},
    {"1e400", NULL,
     "t.json:1:1: json: cannot unmarshal number 1e400 into Go value of type float64"},
    /* Strings: escapes in, Go's escapes out. */
    {"\"a\\\"b\\\\c\\/d\"", "\"a\\\"b\\\\c/d\"", NULL},
    {"\"\\b\\f\\n\\r\\t\"", "\"\\b\\f\\n\\r\\t\"", NULL},
    {"\"\\u0001\\u001f\\u007f\"", "\"\\u0001\\u001f\x7f\"", NULL},
    {"\"<a href=x&y>\"", "\"\\u003ca href=x\\u0026y\\u003e\"", NULL},
    {"\"\\u00e9\\u20ac\"", "\"\xc3\xa9\xe2\x82\xac\"", NULL},
    {"\"\\ud83d\\ude80\"", "\"\xf0\x9f\x9a\x80\"", NULL},
    {"\"\\uD83D\\uDE80\"", "\"\xf0\x9f\x9a\x80\"", NULL},
    /* Lone or misordered surrogates become U+FFFD, one per escape. */
    {"\"\\ud800x\"", "\"\xef\xbf\xbdx\"", NULL},
    {"\"\\udc00\\ud800\"", "\"\xef\xbf\xbd\xef\xbf\xbd\"", NULL},
    {"\"\\ud800\\u0041\"",
     "\"\xef\xbf\xbd"
     "A\"",
     NULL},
    {"\"\\ud800\\ud800\\udc00\"", "\"\xef\xbf\xbd\xf0\x90\x80\x80\"", NULL},
    /* Invalid UTF-8: each bad byte is U+FFFD. */
    {"\"a\xff"
     "b\"",
     "\"a\xef\xbf\xbd"
     "b\"",
     NULL},
    {"\"\xed\xa0\x80\"", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", NULL},
    {"\"\xc0\x80\"", "\"\xef\xbf\xbd\xef\xbf\xbd\"", NULL},
    {"\"\xe2\x82\"", "\"\xef\xbf\xbd\xef\xbf\xbd\"", NULL},
    {"\"\xe2\x80\xa8\xe2\x80\xa9\"", "\"\\u2028\\u2029\"", NULL},
    {"\"\\u0000\"", "\"\\u0000\"", NULL},
    /* Containers: keys sorted by bytes, duplicates last-wins. */
    {"{\"b\":1,\"a\":2,\"B\":3,\"\":4,\"a0\":5}", "{\"\":4,\"B\":3,\"a\":2,\"a0\":5,\"b\":1}",
     NULL},
    {"{\"a\":1,\"a\":2}", "{\"a\":2}", NULL},
    {"[ ]", "[]", NULL},
    {"{ }", "{}", NULL},
    {"[1,[2,[3,{}]],{\"x\":[]}]", "[1,[2,[3,{}]],{\"x\":[]}]", NULL},
    {"\n\t{\r\n\"k\" : [ true , null ] }\n", "{\"k\":[true,null]}", NULL},
    /* Errors: Go's scanner messages with positions. */
    {"", NULL, "t.json:1:1: unexpected end of JSON input"},
    {"   ", NULL, "t.json:1:4: unexpected end of JSON input"},
    {"[1,2", NULL, "t.json:1:5: unexpected end of JSON input"},
    {"[1,]", NULL, "t.json:1:4: invalid character ']' looking for beginning of value"},
    {"{\"a\":1,}", NULL,
     "t.json:1:8: invalid character '}' looking for beginning of object key string"},
    {"{\"a\" 1}", NULL, "t.json:1:6: invalid character '1' after object key"},
    {"{\"a\":1 \"b\":2}", NULL, "t.json:1:8: invalid character '\"' after object key:value pair"},
    {"[1 2]", NULL, "t.json:1:4: invalid character '2' after array element"},
    {"{1:2}", NULL, "t.json:1:2: invalid character '1' looking for beginning of object key string"},
    {"1 2", NULL, "t.json:1:3: invalid character '2' after top-level value"},
    {"01", NULL, "t.json:1:2: invalid character '1' after top-level value"},
    {"-", NULL, "t.json:1:2: unexpected end of JSON input"},
    {"-x", NULL, "t.json:1:2: invalid character 'x' in numeric literal"},
    {"1.", NULL, "t.json:1:3: unexpected end of JSON input"},
    {"1.e3", NULL, "t.json:1:3: invalid character 'e' after decimal point in numeric literal"},
    {"1e+", NULL, "t.json:1:4: unexpected end of JSON input"},
    {"[1ex]", NULL, "t.json:1:4: invalid character 'x' in exponent of numeric literal"},
    {"tru", NULL, "t.json:1:4: unexpected end of JSON input"},
    {"trUe", NULL, "t.json:1:3: invalid character 'U' in literal true (expecting 'u')"},
    {"nul1", NULL, "t.json:1:4: invalid character '1' in literal null (expecting 'l')"},
    {"NaN", NULL, "t.json:1:1: invalid character 'N' looking for beginning of value"},
    {"'a'", NULL, "t.json:1:1: invalid character '\\'' looking for beginning of value"},
    {"\"a\nb\"", NULL, "t.json:1:3: invalid character '\\n' in string literal"},
    {"\"a\tb\"", NULL, "t.json:1:3: invalid character '\\t' in string literal"},
    {"\"\\x\"", NULL, "t.json:1:3: invalid character 'x' in string escape code"},
    {"\"\\u12g4\"", NULL, "t.json:1:6: invalid character 'g' in \\u hexadecimal character escape"},
    {"\"abc", NULL, "t.json:1:5: unexpected end of JSON input"},
    {"\xef\xbb\xbf{}", NULL,
     "t.json:1:1: invalid character '\xc3\xaf' looking for beginning of value"},
    {"{\n  \"a\": [\n    1,\n    x\n  ]\n}", NULL,
     "t.json:4:5: invalid character 'x' looking for beginning of value"},
    {"{\"\xc3\xa9\xc3\xa9\": x}", NULL,
     "t.json:1:8: invalid character 'x' looking for beginning of value"},
    {"// c\n{}", NULL, "t.json:1:1: invalid character '/' looking for beginning of value"},
};

static void
test_roundtrip_table(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof(rts) / sizeof(rts[0]); i++) {
        const struct rt *c = &rts[i];
        struct arena *a = arena_new();
        struct pkg_err *err = NULL;
        struct val *v = NULL;
        struct sb sb = SB_INIT;
        int rc = val_json_load(&v, a, c->in, strlen(c->in), "t.json", NULL, &err);
        if (c->err) {
            if (rc == 0 || strcmp(err->msg, c->err) != 0) {
                print_message("case %zu (%s): got %s, want error %s\n", i, c->in,
                              rc ? err->msg : "success", c->err);
                bad++;
            }
        } else if (rc) {
            print_message("case %zu (%s): unexpected error %s\n", i, c->in, err->msg);
            bad++;
        } else {
            rc = val_json_emit(&sb, v, VAL_JSON_COMPACT, &err);
            if (rc || strcmp(sb.buf, c->out) != 0) {
                print_message("case %zu (%s): got %s, want %s\n", i, c->in, rc ? err->msg : sb.buf,
                              c->out);
                bad++;
            }
        }
        sb_release(&sb);
        pkg_err_free(err);
        arena_free(a);
    }
    assert_int_equal(bad, 0);
}

static char *
emit(const struct val *v, int flags, int *rc, struct pkg_err **err)
{
    struct sb sb = SB_INIT;
    *rc = val_json_emit(&sb, v, flags, err);
    return sb_detach(&sb, NULL);
}

static void
test_indent(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *v;
    const char *in = "{\"z\":{},\"y\":[],\"x\":[1,{\"b\":null,\"a\":\"<\"}],\"w\":{\"k\":[[]]}}";
    assert_int_equal(val_json_load(&v, a, in, strlen(in), "t", NULL, NULL), 0);
    int rc;
    char *s = emit(v, VAL_JSON_INDENT, &rc, NULL);
    assert_int_equal(rc, 0);
    assert_string_equal(s, "{\n"
                           "  \"w\": {\n"
                           "    \"k\": [\n"
                           "      []\n"
                           "    ]\n"
                           "  },\n"
                           "  \"x\": [\n"
                           "    1,\n"
                           "    {\n"
                           "      \"a\": \"\\u003c\",\n"
                           "      \"b\": null\n"
                           "    }\n"
                           "  ],\n"
                           "  \"y\": [],\n"
                           "  \"z\": {}\n"
                           "}");
    free(s);
    s = emit(v, VAL_JSON_INDENT | VAL_JSON_NO_ESCAPE_HTML | VAL_JSON_KEEP_ORDER, &rc, NULL);
    assert_string_equal(s, "{\n"
                           "  \"z\": {},\n"
                           "  \"y\": [],\n"
                           "  \"x\": [\n"
                           "    1,\n"
                           "    {\n"
                           "      \"b\": null,\n"
                           "      \"a\": \"<\"\n"
                           "    }\n"
                           "  ],\n"
                           "  \"w\": {\n"
                           "    \"k\": [\n"
                           "      []\n"
                           "    ]\n"
                           "  }\n"
                           "}");
    free(s);
    arena_free(a);
}

static struct val *
obj_to_val(struct arena *a, const struct val *obj)
{
    struct val *m = val_map(a);
    val_map_setz(a, m, "name", val_strz(a, (const char *)obj->u.obj.ptr));
    return m;
}

static void
test_emit_kinds(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *m = val_map(a);
    val_map_setz(a, m, "i", val_int(a, INT64_MIN));
    val_map_setz(a, m, "f", val_float(a, 1e21));
    val_map_setz(a, m, "g", val_float(a, 3));
    struct val *f32 = val_float(a, 0.1f);
    f32->gotype = VAL_GO_FLOAT32;
    val_map_setz(a, m, "f32", f32);
    struct val *bytes = val_str(a, "hello\xff", 6);
    bytes->gotype = VAL_GO_BYTES;
    val_map_setz(a, m, "bytes", bytes);
    static const struct val_objtype files = {"chartutil.Files", obj_to_val};
    static const struct val_objtype opaque = {"x.Opaque", NULL};
    val_map_setz(a, m, "obj", val_obj(a, &files, "README"));
    val_map_setz(a, m, "opaque", val_obj(a, &opaque, NULL));
    int rc;
    char *s = emit(m, 0, &rc, NULL);
    assert_int_equal(rc, 0);
    assert_string_equal(s, "{\"bytes\":\"aGVsbG//\",\"f\":1e+21,\"f32\":0.1,\"g\":3,"
                           "\"i\":-9223372036854775808,\"obj\":{\"name\":\"README\"},"
                           "\"opaque\":null}");
    free(s);
    arena_free(a);
}

/* VAL_F_NIL: Go's nil slices and maps marshal as null. */
static void
test_emit_nil(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *m = val_map(a);
    struct val *ns = val_seq(a), *nm = val_map(a), *full = val_map(a);
    ns->flags |= VAL_F_NIL;
    nm->flags |= VAL_F_NIL;
    full->flags |= VAL_F_NIL;
    val_map_setz(a, full, "k", val_seq(a));
    val_map_setz(a, m, "ns", ns);
    val_map_setz(a, m, "nm", nm);
    val_map_setz(a, m, "es", val_seq(a));
    val_map_setz(a, m, "full", full);
    int rc;
    char *s = emit(m, 0, &rc, NULL);
    assert_int_equal(rc, 0);
    assert_string_equal(s, "{\"es\":[],\"full\":{\"k\":[]},\"nm\":null,\"ns\":null}");
    free(s);
    s = emit(ns, VAL_JSON_INDENT, &rc, NULL);
    assert_string_equal(s, "null");
    free(s);
    arena_free(a);
}

static void
test_emit_errors(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    double bad[] = {NAN, INFINITY, -INFINITY};
    const char *msg[] = {"json: unsupported value: NaN", "json: unsupported value: +Inf",
                         "json: unsupported value: -Inf"};
    for (int i = 0; i < 3; i++) {
        struct val *s = val_seq(a);
        val_seq_push(a, s, val_int(a, 1));
        val_seq_push(a, s, val_float(a, bad[i]));
        struct sb sb = SB_INIT;
        sb_addstr(&sb, "keep");
        struct pkg_err *err = NULL;
        assert_int_equal(val_json_emit(&sb, s, 0, &err), PKG_EINVAL);
        assert_string_equal(err->msg, msg[i]);
        /* Nothing half-written. */
        assert_string_equal(sb.buf, "keep");
        pkg_err_free(err);
        sb_release(&sb);
    }
    /* A cycle is refused, not a stack overflow. */
    struct val *m = val_map(a);
    val_map_setz(a, m, "self", m);
    struct pkg_err *err = NULL;
    int rc;
    char *s = emit(m, 0, &rc, &err);
    assert_int_equal(rc, PKG_EINVAL);
    assert_string_equal(err->msg,
                        "json: unsupported value: encountered a cycle via map[string]interface {}");
    free(s);
    pkg_err_free(err);
    arena_free(a);
}

static void
test_load_options_and_limits(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *v;
    struct val_json_opts o = {.ints = true};
    const char *in = "[1, -9223372036854775808, 9223372036854775808, 1.0, 2e3]";
    assert_int_equal(val_json_load(&v, a, in, strlen(in), "t", &o, NULL), 0);
    assert_int_equal(val_seq_at(v, 0)->kind, VAL_INT);
    assert_int_equal(val_seq_at(v, 1)->kind, VAL_INT);
    assert_true(val_seq_at(v, 1)->u.i == INT64_MIN);
    assert_int_equal(val_seq_at(v, 2)->kind, VAL_FLOAT);
    assert_int_equal(val_seq_at(v, 3)->kind, VAL_FLOAT);
    assert_int_equal(val_seq_at(v, 4)->kind, VAL_FLOAT);
    /* Positions: line and column (in characters) of every node. */
    in = "{\n  \"\xc3\xa9\": [true,\n    \"x\"]}";
    assert_int_equal(val_json_load(&v, a, in, strlen(in), "p.json", NULL, NULL), 0);
    struct val_mapent *e = &v->u.map.ents[0];
    assert_int_equal(e->key->line, 2);
    assert_int_equal(e->key->col, 3);
    assert_int_equal(e->v->line, 2);
    assert_int_equal(e->v->col, 8);
    assert_int_equal(val_seq_at(e->v, 1)->line, 3);
    assert_int_equal(val_seq_at(e->v, 1)->col, 5);
    assert_string_equal(e->v->file, "p.json");
    /* Long indentation (skipped eight spaces at a time), tabs, CRLF, and a
     * string with escapes and UTF-8 after a plain ASCII run. */
    in = "{\r\n                  \"k\":\n\t        \t  [1,\n                \n"
         "                   \"plain text \\u00e9 \xc3\xa9\\n\", \"\xc3\xa9x\"]}";
    assert_int_equal(val_json_load(&v, a, in, strlen(in), "q.json", NULL, NULL), 0);
    e = &v->u.map.ents[0];
    assert_int_equal(e->key->line, 2);
    assert_int_equal(e->key->col, 19);
    assert_int_equal(e->v->line, 3);
    assert_int_equal(e->v->col, 13);
    assert_int_equal(val_seq_at(e->v, 1)->line, 5);
    assert_int_equal(val_seq_at(e->v, 1)->col, 20);
    assert_string_equal(val_seq_at(e->v, 1)->u.s.ptr, "plain text \xc3\xa9 \xc3\xa9\n");
    assert_int_equal(val_seq_at(e->v, 2)->col, 45);
    assert_string_equal(val_seq_at(e->v, 2)->u.s.ptr, "\xc3\xa9x");
    /* Depth limit. */
    struct sb deep = SB_INIT;
    sb_addchn(&deep, '[', 100000);
    struct pkg_err *err = NULL;
    assert_int_equal(val_json_load(&v, a, deep.buf, deep.len, "d.json", NULL, &err), PKG_ELIMIT);
    assert_string_equal(err->msg,
                        "d.json:1:1001: document nested deeper than the limit of 1000 levels");
    pkg_err_clear(&err);
    o = (struct val_json_opts){.max_depth = 3};
    assert_int_equal(val_json_load(&v, a, "[[[1]]]", 7, "d", &o, NULL), 0);
    assert_int_equal(val_json_load(&v, a, "[[[[1]]]]", 9, "d", &o, NULL), PKG_ELIMIT);
    /* Size limit. */
    o = (struct val_json_opts){.max_bytes = 4};
    assert_int_equal(val_json_load(&v, a, "[1,2]", 5, "s", &o, &err), PKG_ELIMIT);
    pkg_err_clear(&err);
    sb_release(&deep);
    /* Deep but legal nesting emits fine (no recursion limit below Go's). */
    o = (struct val_json_opts){.max_depth = 5000};
    struct sb in2 = SB_INIT;
    sb_addchn(&in2, '[', 4000);
    sb_addchn(&in2, ']', 4000);
    assert_int_equal(val_json_load(&v, a, in2.buf, in2.len, "d", &o, NULL), 0);
    struct sb out = SB_INIT;
    assert_int_equal(val_json_emit(&out, v, 0, NULL), 0);
    assert_string_equal(out.buf, in2.buf);
    sb_release(&out);
    sb_release(&in2);
    arena_free(a);
}

static void
test_quote(void **state)
{
    (void)state;
    struct sb sb = SB_INIT;
    val_json_quote(&sb, "a<b>&\"\x01", 7, VAL_JSON_NO_ESCAPE_HTML);
    assert_string_equal(sb.buf, "\"a<b>&\\\"\\u0001\"");
    sb_reset(&sb);
    val_json_quote(&sb, "\xf0\x9f\x9a\x80 \xef\xbf\xbd", 8, 0);
    assert_string_equal(sb.buf, "\"\xf0\x9f\x9a\x80 \xef\xbf\xbd\"");
    sb_release(&sb);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_table), cmocka_unit_test(test_indent),
        cmocka_unit_test(test_emit_kinds),      cmocka_unit_test(test_emit_nil),
        cmocka_unit_test(test_emit_errors),     cmocka_unit_test(test_load_options_and_limits),
        cmocka_unit_test(test_quote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
