/* Unit tests: YAML emit (core/yaml-emit.c), which must print what
 * sigs.k8s.io/yaml.Marshal prints (Helm's toYaml, kustomize's output).
 *
 *  - fixtures: testdata/yaml-emit/NAME.in.yaml -> NAME.out, outputs made by
 *    the real helm (see the README there);
 *  - a table of small cases (value -> bytes), checked the same way;
 *  - values only code can build (float32, []byte, objects) and the errors
 *    the JSON round trip raises;
 *  - the conformance corpus: every expected output of both suites loads,
 *    emits and loads back to an equal tree in both dialects, and every
 *    kustomize expected output is reproduced byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/core.h"

static char *
emit_str(const struct val *v, int *rc, struct pkg_err **err)
{
    struct sb sb = SB_INIT;
    *rc = val_yaml_emit(&sb, v, VAL_YAML_HELM, err);
    return sb_detach(&sb, NULL);
}

/* Loads one document as Helm loads values (JSON numbers) or as plain
 * YAML, emits it, compares. */
static bool
check_emit(const char *name, const char *in, size_t inlen, bool json_compat, const char *want,
           size_t wantlen)
{
    struct arena *a = arena_new();
    struct pkg_err *err = NULL;
    struct val *v;
    struct val_yaml_opts o = {.dialect = VAL_YAML_HELM, .json_compat = json_compat};
    bool ok = false;
    if (val_yaml_load(&v, a, in, inlen, name, &o, &err) != 0) {
        print_message("%s: load: %s\n", name, err->msg);
        goto out;
    }
    struct sb sb = SB_INIT;
    if (val_yaml_emit(&sb, v, VAL_YAML_HELM, &err) != 0) {
        print_message("%s: emit: %s\n", name, err->msg);
    } else if (sb.len != wantlen || memcmp(sb.buf, want, wantlen) != 0) {
        print_message("%s: got\n%s\n--- want\n%.*s\n", name, sb.buf, (int)wantlen, want);
    } else {
        ok = true;
    }
    sb_release(&sb);
out:
    pkg_err_free(err);
    arena_free(a);
    return ok;
}

static void
test_fixtures(void **state)
{
    (void)state;
    const char *dir = "testdata/yaml-emit";
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    int n = 0, bad = 0;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 9 || strcmp(de->d_name + l - 8, ".in.yaml") != 0)
            continue;
        char path[512], outp[512];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        snprintf(outp, sizeof(outp), "%s/%.*s.out", dir, (int)(l - 8), de->d_name);
        struct sb in = SB_INIT, want = SB_INIT;
        assert_int_equal(sb_read_file(&in, path, 0, NULL), 0);
        assert_int_equal(sb_read_file(&want, outp, 0, NULL), 0);
        if (!check_emit(path, in.buf, in.len, true, want.buf, want.len))
            bad++;
        n++;
        sb_release(&in);
        sb_release(&want);
    }
    closedir(d);
    assert_true(n >= 5);
    assert_int_equal(bad, 0);
}

struct ecase {
    const char *in;   /* YAML, loaded with go-yaml v2 rules */
    const char *want; /* what yaml.Marshal prints */
};

static const struct ecase ecases[] = {
    /* Top-level scalars and empty collections. */
    {"foo", "foo\n"},
    {"", "null\n"},
    {"~", "null\n"},
    {"{}", "{}\n"},
    {"[]", "[]\n"},
    {"3", "3\n"},
    {"'3'", "\"3\"\n"},
    {"''", "\"\"\n"},
    {"true", "true\n"},
    {"'- x'", "'- x'\n"},
    {"\"a\\nb\"", "|-\n  a\n  b\n"},
    {"\"aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq "
     "rrrr\"",
     "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq\n"
     "  rrrr\n"},
    /* Sequences at the root and under keys. */
    {"[a, b]", "- a\n- b\n"},
    {"[[a, b], [c]]", "- - a\n  - b\n- - c\n"},
    {"[{a: 1, b: 2}]", "- a: 1\n  b: 2\n"},
    {"k: [a, b]", "k:\n- a\n- b\n"},
    {"k: {j: [x]}", "k:\n  j:\n  - x\n"},
    {"k: [[]]", "k:\n- []\n"},
    /* Keys: sorted by go-yaml v2's rules, quoted when needed. */
    {"{b: 1, a: 2, B: 3, a10: 4, a2: 5}", "B: 3\na: 2\na2: 5\na10: 4\nb: 1\n"},
    {"{'on': 1, 'null': 2, '': 3}", "\"\": 3\n\"null\": 2\n\"on\": 1\n"},
    {"{\"a\\nb\": 1}", "? |-\n  a\n  b\n: 1\n"},
    {"{\"a\\nb\\n\": [1]}", "? |\n  a\n  b\n: - 1\n"},
    {"k: [[\"a\\nb\"], {\"x\\ny\": {p: 1}}]",
     "k:\n- - |-\n    a\n    b\n- ? |-\n    x\n    y\n  : p: 1\n"},
    {"[[], {}, '']", "- []\n- {}\n- \"\"\n"},
    /* Block scalars: chomping and indentation hints. */
    {"k: \"a\\n\"", "k: |\n  a\n"},
    {"k: \"a\\n\\n\"", "k: |+\n  a\n\n"},
    {"k: \"\\n\"", "k: |2+\n\n"},
    {"k: \" a\\nb\"", "k: |2-\n   a\n  b\n"},
    {"k: \"a \\nb\"", "k: \"a \\nb\"\n"},
    {"k: \"a\\tb\\nc\"", "k: \"a\\tb\\nc\"\n"},
    {"- \"x\\ny\"", "- |-\n  x\n  y\n"},
    /* Double quotes: escapes. */
    {"\"\\0\\a\\b\\v\\f\\r\\e\\x01\\u00a0\\u2028 \\U0001F680\"",
     "\"\\0\\a\\b\\v\\f\\r\\e\\x01\xc2\xa0\\L \\U0001F680\"\n"},
    {"\"\\ufeffab\"", "\"\\uFEFF\\x61\\x62\"\n"},
    /* Numbers as JSON and go-yaml see them. */
    {"[3.0, 1e6, 1.5e-7, 0.000001, -0.0, 1e20, 1e21, 12345678901234567890]",
     "- 3\n- 1000000\n- 1.5e-07\n- 1e-06\n- 0\n- 1e+20\n- 1e+21\n- 12345678901234567000\n"},
    {"[0x10, 0o17, 017, 1_000, +5]", "- 16\n- 15\n- 15\n- 1000\n- 5\n"},
    /* Indicators, spaces, breaks and non-ASCII past the first eight bytes
     * (the analysis and the literal writer scan ASCII in bulk). */
    {"k: \"abcdefghijklmnop: qrstuvwxyz\"", "k: 'abcdefghijklmnop: qrstuvwxyz'\n"},
    {"k: \"abcdefghijklmnop:qrstuvwxyz\"", "k: abcdefghijklmnop:qrstuvwxyz\n"},
    {"k: \"abcdefghijklmnop #qrstuvwxyz\"", "k: 'abcdefghijklmnop #qrstuvwxyz'\n"},
    {"k: \"abcdefghijklmnop#qrstuvwxyz\"", "k: abcdefghijklmnop#qrstuvwxyz\n"},
    {"k: \"abcdefghijklmnop{q}[r],s?t\"", "k: abcdefghijklmnop{q}[r],s?t\n"},
    {"k: \"abcdefghijklmnop \\nqrstuvwxyz\"", "k: \"abcdefghijklmnop \\nqrstuvwxyz\"\n"},
    {"k: \"abcdefghijklmnop\\n qrstuvwxyz\"", "k: |-\n  abcdefghijklmnop\n   qrstuvwxyz\n"},
    {"k: \"abcdefghijklmnop\\nqrstuvwxyz \xc3\xa9 abcdefghijklmnop\\nabcdefghijklmnop\\r\\n\"",
     "k: \"abcdefghijklmnop\\nqrstuvwxyz \xc3\xa9 abcdefghijklmnop\\nabcdefghijklmnop\\r\\n\"\n"},
    {"k: \"abcdefghijklmnop\\nqrstuvwxyz \xc3\xa9 abcdefghijklmnop\\nabcdefghijklmnop\\n\"",
     "k: |\n  abcdefghijklmnop\n  qrstuvwxyz \xc3\xa9 abcdefghijklmnop\n  abcdefghijklmnop\n"},
    {"k: \"abcdefghijklmnopqrstuvwxyz\\n\\u2028abcdefghijk\\u0085lmnopqrstuvwxyz\\n\"",
     "k: |\n  abcdefghijklmnopqrstuvwxyz\n\xe2\x80\xa8  abcdefghijk lmnopqrstuvwxyz\n"},
    {"k: \"abcdefghijklmnopqrstu\\twxyz\"", "k: \"abcdefghijklmnopqrstu\\twxyz\"\n"},
    {"k: \"abcdefghijklmnopqrstuvwxy \"", "k: 'abcdefghijklmnopqrstuvwxy '\n"},
    {"\"abcdefghijklmnop: qrstuvwxyz\": 1", "'abcdefghijklmnop: qrstuvwxyz': 1\n"},
    /* Strings that would read back as something else are quoted. */
    {"['yes', 'No', '0x10', '1e3', '.5', '1:20', '2001-12-14', '+1', '<<', '=']",
     "- \"yes\"\n- \"No\"\n- \"0x10\"\n- \"1e3\"\n- \".5\"\n- \"1:20\"\n- \"2001-12-14\"\n"
     "- \"+1\"\n- <<\n- =\n"},
};

static void
test_table(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof(ecases) / sizeof(ecases[0]); i++) {
        char name[32];
        snprintf(name, sizeof(name), "case %zu", i);
        if (!check_emit(name, ecases[i].in, strlen(ecases[i].in), false, ecases[i].want,
                        strlen(ecases[i].want)))
            bad++;
    }
    assert_int_equal(bad, 0);
}

static struct val *
obj_to_val(struct arena *a, const struct val *obj)
{
    struct val *m = val_map(a);
    val_map_setz(a, m, "name", val_strz(a, (const char *)obj->u.obj.ptr));
    return m;
}

static void
test_code_values(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *m = val_map(a);
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
    struct val *u = val_int(a, -1);
    u->gotype = VAL_GO_UINT64;
    val_map_setz(a, m, "u", u);
    val_map_setz(a, m, "bad\xffutf8", val_str(a, "x\xfe", 2));
    /* Two keys that are one after the round trip: the later in byte order
     * wins. */
    val_map_setz(a, m, "k\xfe", val_int(a, 1));
    val_map_setz(a, m, "k\xff", val_int(a, 2));
    val_map_setz(a, m, "k\xfd", val_int(a, 0));
    int rc;
    char *s = emit_str(m, &rc, NULL);
    assert_int_equal(rc, 0);
    assert_string_equal(s, "bad\xef\xbf\xbdutf8: x\xef\xbf\xbd\n"
                           "bytes: aGVsbG//\n"
                           "f32: 0.1\n"
                           "k\xef\xbf\xbd: 2\n"
                           "obj:\n"
                           "  name: README\n"
                           "opaque: null\n"
                           "u: 18446744073709551615\n");
    free(s);
    arena_free(a);
}

/* VAL_F_NIL: Go's nil slices and maps marshal as null; the flag means
 * nothing on a collection with items. */
static void
test_nil_collections(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *m = val_map(a);
    struct val *ns = val_seq(a), *nm = val_map(a), *full = val_seq(a);
    ns->flags |= VAL_F_NIL;
    nm->flags |= VAL_F_NIL;
    full->flags |= VAL_F_NIL;
    val_seq_push(a, full, val_int(a, 1));
    val_map_setz(a, m, "ns", ns);
    val_map_setz(a, m, "nm", nm);
    val_map_setz(a, m, "es", val_seq(a));
    val_map_setz(a, m, "em", val_map(a));
    val_map_setz(a, m, "full", full);
    int rc;
    char *s = emit_str(m, &rc, NULL);
    assert_int_equal(rc, 0);
    assert_string_equal(s, "em: {}\n"
                           "es: []\n"
                           "full:\n"
                           "- 1\n"
                           "nm: null\n"
                           "ns: null\n");
    free(s);
    s = emit_str(ns, &rc, NULL);
    assert_string_equal(s, "null\n");
    free(s);
    arena_free(a);
}

/* val_yaml_emit_v3 (go-yaml v3's Encoder, SetIndent(2)): values loaded as
 * Helm loads them; expectations printed by helm's toYamlPretty (see also
 * testdata/render/toyamlpretty.test). */
/* val_yaml_emit_v3_compact (kyaml's Marshal: SetIndent(2) and
 * CompactSeqIndent): a mapping's sequences start at the key's column,
 * sequences in sequences and at the top as in val_yaml_emit_v3. The
 * columns reach kustomize's content hashes (json6902-hash-* overlay cases
 * check them against kubectl kustomize). */
static void
test_v3_compact(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"a: [1, 2]\nb: {c: [x, {d: e}]}\n", "a:\n- 1\n- 2\nb:\n  c:\n  - x\n  - d: e\n"},
        {"[[1, [2, 3]], [], {}]\n", "- - 1\n  - - 2\n    - 3\n- []\n- {}\n"},
        {"a: [{b: [1], c: 2}, [3, {d: [4]}]]\n",
         "a:\n- b:\n  - 1\n  c: 2\n- - 3\n  - d:\n    - 4\n"},
        {"a: {b: []}\nc: [\"multi\\nline\"]\n", "a:\n  b: []\nc:\n- |-\n  multi\n  line\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct arena *a = arena_new();
        struct val *v;
        struct val_yaml_opts o = {.dialect = VAL_YAML_KYAML};
        assert_int_equal(val_yaml_load(&v, a, cases[i].in, strlen(cases[i].in), "t", &o, NULL), 0);
        struct sb sb = SB_INIT;
        assert_int_equal(val_yaml_emit_v3_compact(&sb, v, NULL), 0);
        if (strcmp(sb.buf, cases[i].want))
            fail_msg("case %zu: got\n%s--- want\n%s", i, sb.buf, cases[i].want);
        sb_release(&sb);
        arena_free(a);
    }
}

static void
test_v3(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"a: [1, 2]\nb: {c: [x, {d: e}]}\n", "a:\n  - 1\n  - 2\nb:\n  c:\n    - x\n    - d: e\n"},
        {"[[1, [2, 3]], [], {}]\n", "- - 1\n  - - 2\n    - 3\n- []\n- {}\n"},
        {"[1000000, 3.0, 0.1, 1e21, 1e-7, 123456789]\n",
         "- 1e+06\n- 3\n- 0.1\n- 1e+21\n- 1e-07\n- 1.23456789e+08\n"},
        {"['yes', 'on', 'y', '1:20', '2024-01-01', '0x10', '', 'null', 'a: b', '#x', x]\n",
         "- \"yes\"\n- \"on\"\n- \"y\"\n- \"1:20\"\n- \"2024-01-01\"\n- \"0x10\"\n- \"\"\n"
         "- \"null\"\n- 'a: b'\n- '#x'\n- x\n"},
        {"[\"tab\\there\", \"a\\tb\\nc\", \"multi\\nline\\n\", \"trailing \\nx\"]\n",
         "- \"tab\\there\"\n- |-\n  a\tb\n  c\n- |\n  multi\n  line\n- \"trailing \\nx\"\n"},
        {"{a1: 1, a10: 2, a2: 3, a_1: 4, a1b: 5, a01: 6, z9z: 7, z10z: 8, z9y: 9}\n",
         "a_1: 4\na1: 1\na1b: 5\na01: 6\na2: 3\na10: 2\nz9y: 9\nz9z: 7\nz10z: 8\n"},
        {"long: 'long long long long long long long long long long long long long long long long "
         "long long long long'\n",
         "long: long long long long long long long long long long long long long long long long "
         "long long long long\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct arena *a = arena_new();
        struct val *v;
        struct val_yaml_opts o = {.dialect = VAL_YAML_HELM, .json_compat = true};
        assert_int_equal(val_yaml_load(&v, a, cases[i].in, strlen(cases[i].in), "t", &o, NULL), 0);
        struct sb sb = SB_INIT;
        assert_int_equal(val_yaml_emit_v3(&sb, v, NULL), 0);
        if (strcmp(sb.buf, cases[i].want))
            fail_msg("case %zu: got\n%s--- want\n%s", i, sb.buf, cases[i].want);
        sb_release(&sb);
        arena_free(a);
    }
    /* values only code builds: NaN, int64, []byte, invalid UTF-8, nil */
    struct arena *a = arena_new();
    struct val *m = val_map(a);
    val_map_setz(a, m, "nan", val_float(a, NAN));
    val_map_setz(a, m, "inf", val_float(a, -INFINITY));
    struct val *bytes = val_str(a, "\x01\xff", 2);
    bytes->gotype = VAL_GO_BYTES;
    val_map_setz(a, m, "bytes", bytes);
    val_map_setz(a, m, "bad", val_str(a, "\xff\xfe", 2));
    struct val *nil = val_seq(a);
    nil->flags |= VAL_F_NIL;
    val_map_setz(a, m, "nil", nil);
    struct sb sb = SB_INIT;
    assert_int_equal(val_yaml_emit_v3(&sb, m, NULL), 0);
    assert_string_equal(sb.buf, "bad: !!binary //4=\n"
                                "bytes:\n  - 1\n  - 255\n"
                                "inf: -.inf\n"
                                "nan: .nan\n"
                                "nil: []\n");
    sb_release(&sb);
    arena_free(a);
}

static void
expect_error(struct val *v, int code, const char *msg)
{
    struct sb sb = SB_INIT;
    sb_addstr(&sb, "keep");
    struct pkg_err *err = NULL;
    assert_int_equal(val_yaml_emit(&sb, v, VAL_YAML_HELM, &err), code);
    if (strstr(err->msg, msg) == NULL)
        fail_msg("error \"%s\" lacks \"%s\"", err->msg, msg);
    /* nothing half-written */
    assert_string_equal(sb.buf, "keep");
    pkg_err_free(err);
    sb_release(&sb);
}

static void
test_errors(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    /* json.Marshal refuses NaN and infinities. */
    struct val *s = val_seq(a);
    val_seq_push(a, s, val_strz(a, "fine"));
    val_seq_push(a, s, val_float(a, NAN));
    expect_error(s, PKG_EINVAL, "error marshaling into JSON: json: unsupported value: NaN");
    expect_error(val_float(a, -INFINITY), PKG_EINVAL, "unsupported value: -Inf");
    /* Characters go-yaml's reader refuses, which JSON leaves raw. */
    expect_error(val_strz(a, "a\x7f"), PKG_EINVAL, "yaml: control characters are not allowed");
    expect_error(val_strz(a, "a\xc2\x80"), PKG_EINVAL, "control characters are not allowed");
    expect_error(val_strz(a, "a\xef\xbf\xbf"), PKG_EINVAL, "control characters are not allowed");
    /* A NEL is a line break to the YAML scanner: folded in values, fatal
     * in keys, and a document marker may follow it. */
    struct val *m = val_map(a);
    val_map_setz(a, m, "k\xc2\x85x", val_int(a, 1));
    expect_error(m, PKG_EINVAL, "did not find expected");
    expect_error(val_strz(a, "x\xc2\x85--- y"), PKG_EINVAL, "document indicator");
    int rc;
    char *out = emit_str(val_strz(a, "a  \xc2\x85 b\xc2\x85\xc2\x85"
                                     "c\xc2\x85"),
                         &rc, NULL);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "\"a b\\nc \"\n");
    free(out);
    /* Keys past the scanner's 1024-character simple key window. */
    struct sb k = SB_INIT;
    sb_addchn(&k, 'x', 1022);
    m = val_map(a);
    val_map_set(a, m, k.buf, k.len, val_int(a, 1));
    out = emit_str(m, &rc, NULL);
    assert_int_equal(rc, 0);
    assert_true(strncmp(out, "? xxx", 5) == 0);
    free(out);
    sb_reset(&k);
    sb_addchn(&k, 'x', 1017);
    sb_addch(&k, '<'); /* \u003c in JSON: 6 characters */
    m = val_map(a);
    val_map_set(a, m, k.buf, k.len, val_int(a, 1));
    expect_error(m, PKG_EINVAL, "1024-character");
    sb_release(&k);
    /* go-yaml's scanner stops at 10000 nested flow levels. */
    struct val *root = val_seq(a), *cur = root;
    for (int i = 1; i < 10000; i++) {
        struct val *n = val_seq(a);
        val_seq_push(a, cur, n);
        cur = n;
    }
    out = emit_str(root, &rc, NULL);
    assert_int_equal(rc, 0);
    free(out);
    val_seq_push(a, cur, val_seq(a));
    expect_error(root, PKG_ELIMIT, "exceeded max depth of 10000");
    /* The same with maps (each level sorts its keys). */
    root = val_map(a);
    cur = root;
    for (int i = 1; i < 10000; i++) {
        struct val *n = val_map(a);
        val_map_setz(a, cur, "b", val_int(a, i));
        val_map_setz(a, cur, "a", n);
        cur = n;
    }
    out = emit_str(root, &rc, NULL);
    assert_int_equal(rc, 0);
    assert_true(strncmp(out, "a:\n  a:\n    a:\n", 15) == 0);
    free(out);
    val_map_setz(a, cur, "a", val_map(a));
    expect_error(root, PKG_ELIMIT, "exceeded max depth of 10000");
    arena_free(a);
}

/* ---- the conformance corpus ---- */

static const char *
shared_dir(void)
{
    static const char *d = "../shared/conformance";
    struct stat st;
    return stat(d, &st) == 0 ? d : NULL;
}

static int
roundtrip_file(const char *path, enum val_yaml_dialect dialect, bool kustomize, int *bytes_ok)
{
    struct arena *a = arena_new();
    struct pkg_err *err = NULL;
    struct val *docs, *back;
    struct sb in = SB_INIT, out = SB_INIT, one = SB_INIT;
    struct val_yaml_opts o = {.dialect = dialect};
    int bad = 0;
    if (sb_read_file(&in, path, 0, &err) ||
        val_yaml_load_all(&docs, a, in.buf, in.len, path, &o, &err)) {
        print_message("%s: %s\n", path, err->msg);
        bad = 1;
        goto out;
    }
    for (size_t i = 0; i < val_seq_len(docs); i++) {
        sb_reset(&one);
        if (val_yaml_emit(&one, val_seq_at(docs, i), dialect, &err)) {
            print_message("%s: doc %zu: %s\n", path, i, err->msg);
            bad = 1;
            goto out;
        }
        if (val_yaml_load(&back, a, one.buf, one.len, "emitted", &o, &err)) {
            print_message("%s: doc %zu: reload: %s\n%s\n", path, i, err->msg, one.buf);
            bad = 1;
            goto out;
        }
        if (!val_equal(val_seq_at(docs, i), back)) {
            print_message("%s: doc %zu changed in the round trip\n", path, i);
            bad = 1;
        }
        if (i)
            sb_addstr(&out, "---\n");
        sb_add(&out, one.buf, one.len);
    }
    if (kustomize) {
        if (out.len == in.len && memcmp(out.buf, in.buf, in.len) == 0) {
            (*bytes_ok)++;
        } else {
            print_message("%s: not reproduced byte for byte (dialect %d)\n", path, dialect);
            bad = 1;
        }
    }
out:
    pkg_err_free(err);
    sb_release(&in);
    sb_release(&out);
    sb_release(&one);
    arena_free(a);
    return bad;
}

static void
test_conformance(void **state)
{
    (void)state;
    const char *root = shared_dir();
    if (!root)
        skip(); /* ../shared is not there: nothing to check against */
    const char *suites[] = {"helm", "kustomize"};
    int files = 0, bad = 0, bytes_ok = 0;
    for (int s = 0; s < 2; s++) {
        char dir[256];
        snprintf(dir, sizeof(dir), "%s/%s", root, suites[s]);
        DIR *d = opendir(dir);
        assert_non_null(d);
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            char path[1024];
            struct stat st;
            snprintf(path, sizeof(path), "%s/%s/expected.yaml", dir, de->d_name);
            if (stat(path, &st) != 0)
                continue;
            files++;
            bad += roundtrip_file(path, VAL_YAML_HELM, s == 1, &bytes_ok);
            bad += roundtrip_file(path, VAL_YAML_KYAML, s == 1, &bytes_ok);
        }
        closedir(d);
    }
    print_message("# %d expected outputs round-tripped in both dialects; %d kustomize outputs "
                  "reproduced byte for byte (both dialects counted)\n",
                  files, bytes_ok);
    assert_true(files > 50);
    assert_int_equal(bad, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),    cmocka_unit_test(test_table),
        cmocka_unit_test(test_code_values), cmocka_unit_test(test_nil_collections),
        cmocka_unit_test(test_v3),          cmocka_unit_test(test_v3_compact),
        cmocka_unit_test(test_errors),      cmocka_unit_test(test_conformance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
