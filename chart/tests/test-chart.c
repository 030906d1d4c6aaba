/* Unit tests for chart/: filepath.Match, .helmignore rules, gobwas globs,
 * manifest splitting and ordering, value coalescing, schema messages and
 * archive safety. Expectations restate Helm's own tests (ignore/rules_test,
 * releaseutil tests, chartutil coalesce_test) and cases checked against
 * helm v3.17.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "chart/chart-int.h"
#include "chart/chart.h"
#include "chart/tests/test-util.h"

static void
test_path_match(void **state)
{
    (void)state;
    static const struct {
        const char *pat, *name;
        int want;
    } t[] = {
        {"abc", "abc", 1},
        {"*", "abc", 1},
        {"*c", "abc", 1},
        {"a*", "a", 1},
        {"a*", "abc", 1},
        {"a*", "ab/c", 0},
        {"a*/b", "abc/b", 1},
        {"a*/b", "a/c/b", 0},
        {"a*b*c*d*e*/f", "axbxcxdxe/f", 1},
        {"a*b*c*d*e*/f", "axbxcxdxexxx/f", 1},
        {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", 0},
        {"a*b?c*x", "abxbbxdbxebxczzx", 1},
        {"a*b?c*x", "abxbbxdbxebxczzy", 0},
        {"ab[c]", "abc", 1},
        {"ab[b-d]", "abc", 1},
        {"ab[e-g]", "abc", 0},
        {"ab[^c]", "abc", 0},
        {"ab[^b-d]", "abc", 0},
        {"ab[^e-g]", "abc", 1},
        {"a\\*b", "a*b", 1},
        {"a\\*b", "ab", 0},
        {"a?b", "a☺b", 1},
        {"a[^a]b", "a☺b", 1},
        {"a???b", "a☺b", 0},
        {"[a-ζ]*", "α", 1},
        {"*[a-ζ]", "A", 0},
        {"a?b", "a/b", 0},
        {"a*b", "a/b", 0},
        {"[\\]a]", "]", 1},
        {"[\\-]", "-", 1},
        {"[x\\-]", "x", 1},
        {"[", "a", PKG_EINVAL},
        {"[^", "a", PKG_EINVAL},
        {"[^bc", "a", PKG_EINVAL},
        {"a[", "a", PKG_EINVAL},
        {"a[", "ab", PKG_EINVAL},
        {"a[", "x", PKG_EINVAL},
        {"a/b[", "x", PKG_EINVAL},
        {"*x", "xxx", 1},
        {"[]a]", "]", PKG_EINVAL},
        {"[-]", "-", PKG_EINVAL},
        {"[x-]", "x", PKG_EINVAL},
        {"\\", "a", PKG_EINVAL},
        {"templates/subdir/role*", "templates/subdir/role.yaml", 1},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int got = chart_path_match(t[i].pat, t[i].name);
        if (got != t[i].want)
            fail_msg("Match(%s, %s) = %d, want %d", t[i].pat, t[i].name, got, t[i].want);
    }
}

static void
test_ignore(void **state)
{
    (void)state;
    /* pkg/ignore rules_test.go: patterns against the files of its testdata. */
    static const struct {
        const char *pattern, *name;
        bool dir, want;
    } t[] = {
        {"helm.txt", "helm.txt", false, true},
        {"kube-*.tgz", "charts/kube-x.tgz", false, true},
        {"kube-*.tgz", "kube.tgz", false, false},
        {"ab*ba", "aba", false, false},
        {"ab*ba", "abba", false, true},
        {"*~", "values.yaml~", false, true},
        {"/a*", "a/b", false, false},
        {"/a*", "abc", false, true},
        {"*", "x/y", false, true},
        {"helm.*", "helm.txt", false, true},
        {"helm.*", "rudder.txt", false, false},
        {"*.txt", "tiller.txt", false, true},
        {"*.txt", "cargo/a.txt", false, true},
        {"cargo/*.txt", "cargo/a.txt", false, true},
        {"cargo/*.*", "cargo/a.txt", false, true},
        {"cargo/*.txt", "mast/a.txt", false, false},
        {"ru[c-e]?er.txt", "rudder.txt", false, true},
        {"templates/.?*", "templates/.dotfile", false, true},
        {".*", ".helmignore", false, true},
        {".*", "helm.txt", false, false},
        {"helm.txt/", "helm.txt", false, false},
        {"mast/", "mast", true, true},
        {"/rudder.txt", "rudder.txt", false, true},
        {"/rudder.txt", "cargo/rudder.txt", false, false},
        {"!helm.txt", "helm.txt", false, false},
        {"!helm.txt", "tiller.txt", false, true},
        {"!mast/", "mast", true, false},
        {"!mast/", "helm.txt", false, true},
        {"*.txt\n!helm.txt", "helm.txt", false, true},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct chart_ignore *r;
        assert_int_equal(chart_ignore_parse(&r, t[i].pattern, strlen(t[i].pattern), NULL), 0);
        bool got = chart_ignore_match(r, t[i].name, t[i].dir);
        if (got != t[i].want)
            fail_msg("ignore %s on %s: %d", t[i].pattern, t[i].name, got);
        chart_ignore_free(r);
    }
    struct pkg_err *err = NULL;
    struct chart_ignore *r = NULL;
    assert_int_equal(chart_ignore_parse(&r, "**/foo", 6, &err), PKG_EINVAL);
    assert_string_equal(err->msg, "double-star (**) syntax is not supported");
    pkg_err_free(err);
    err = NULL;
    assert_int_equal(chart_ignore_parse(&r, "a[", 2, &err), PKG_EINVAL);
    pkg_err_free(err);
    /* The default rule hides dotfiles under templates/. */
    r = chart_ignore_new();
    chart_ignore_add_defaults(r);
    assert_true(chart_ignore_match(r, "templates/.swp", false));
    assert_false(chart_ignore_match(r, "templates/x.yaml", false));
    chart_ignore_free(r);
}

static void
test_glob(void **state)
{
    (void)state;
    static const struct {
        const char *pat, *name;
        bool want;
    } t[] = {
        {"files/*.conf", "files/a.conf", true},
        {"files/*.conf", "files/x/a.conf", false},
        {"files/**.conf", "files/x/a.conf", true},
        {"files/**", "files/x/y", true},
        {"*.{yaml,json}", "a.json", true},
        {"*.{yaml,json}", "a.txt", false},
        {"?.txt", "a.txt", true},
        {"?.txt", "/.txt", false},
        {"[ab].txt", "b.txt", true},
        {"[!ab].txt", "b.txt", false},
        {"[a-c].txt", "c.txt", true},
        {"[a-cx-z].txt", "q", true},
        {"{a,b", "b", true},
        {"a\\*", "a*", true},
        {"x/{a,{b,c}}/y", "x/c/y", true},
        {"**", "", true},
        {"config/*", "config/a/b", false},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (chart_glob_match(t[i].pat, t[i].name) != t[i].want)
            fail_msg("glob %s on %s", t[i].pat, t[i].name);
}

static void
test_split(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *want; /* docs joined with | */
    } t[] = {
        {"a: 1", "a: 1"},
        {"---\na: 1\n---\nb: 2\n", "a: 1|b: 2"},
        {"a: 1\n---\n\n---\nb: 2", "a: 1|---\nb: 2"},
        {"  \n---  \na: 1\n  ---  \n", "a: 1\n  ---"},
        {"a: 1\n---foo: 2\n", "a: 1|foo: 2"},
        {"a: |\n  x\n  ---\n  y\n", "a: |\n  x\n  ---\n  y"},
        {"# only a comment\n", "# only a comment"},
        {"", ""},
        {"\n\n", ""},
        {"a\n---", "a"},
        {"---", ""},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct arena *a = arena_new();
        const char **docs;
        size_t *lens;
        size_t n = chart_split_manifests(&docs, &lens, a, t[i].in, strlen(t[i].in));
        struct sb sb = SB_INIT;
        for (size_t k = 0; k < n; k++) {
            if (k)
                sb_addch(&sb, '|');
            sb_add(&sb, docs[k], lens[k]);
        }
        if (strcmp(sb.buf, t[i].want))
            fail_msg("split %zu: got [%s] want [%s]", i, sb.buf, t[i].want);
        sb_release(&sb);
        arena_free(a);
    }
}

static void
test_sort(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct chart_rendered files[] = {
        {"c/templates/b.yaml",
         "kind: Service\nmetadata: {name: b}\n---\nkind: Foo\n---\n"
         "kind: Deployment\n",
         0},
        {"c/templates/a.yaml", "kind: Deployment\n---\nkind: Bar\n---\nkind: Namespace\n", 0},
        {"c/templates/_p.tpl", "kind: Namespace\n", 0},
        {"c/templates/h.yaml",
         "kind: Job\nmetadata:\n  annotations:\n    helm.sh/hook: post-install, Test\n---\n"
         "kind: Pod\nmetadata:\n  annotations:\n    helm.sh/hook: nonsense\n---\n"
         "kind: ConfigMap\nmetadata:\n  annotations:\n    helm.sh/hook: pre-install\n"
         "    helm.sh/hook-weight: \"-3\"\n",
         0},
        {"c/templates/blank.yaml", "  \n\n", 0},
        {"c/templates/comment.yaml", "# just a comment\n", 0},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        files[i].len = strlen(files[i].text);
    struct chart_manifests ms;
    assert_int_equal(chart_manifests_sort(&ms, a, files, 6, NULL), 0);
    struct sb sb = SB_INIT;
    for (size_t i = 0; i < ms.ngeneric; i++)
        sb_addf(&sb, "%s:%s ", ms.generic[i].path + 12, ms.generic[i].kind);
    assert_string_equal(sb.buf, "a.yaml:Namespace b.yaml:Service a.yaml:Deployment "
                                "b.yaml:Deployment comment.yaml: a.yaml:Bar b.yaml:Foo ");
    sb_reset(&sb);
    for (size_t i = 0; i < ms.nhooks; i++)
        sb_addf(&sb, "%s:%s:%d:%d ", ms.hooks[i].path + 12, ms.hooks[i].kind, ms.hooks[i].weight,
                ms.hooks[i].test_hook);
    /* The unknown hook is dropped. */
    assert_string_equal(sb.buf, "h.yaml:ConfigMap:-3:0 h.yaml:Job:0:1 ");
    sb_release(&sb);

    struct pkg_err *err = NULL;
    struct chart_rendered bad = {"c/templates/x.yaml", "a: [\n", 5};
    assert_int_not_equal(chart_manifests_sort(&ms, a, &bad, 1, &err), 0);
    assert_non_null(strstr(err->msg, "YAML parse error on c/templates/x.yaml"));
    pkg_err_free(err);
    err = NULL;
    struct chart_rendered bad2 = {"c/templates/y.yaml", "metadata:\n  annotations:\n    a: [1]\n",
                                  0};
    bad2.len = strlen(bad2.text);
    assert_int_not_equal(chart_manifests_sort(&ms, a, &bad2, 1, &err), 0);
    assert_non_null(strstr(err->msg, "cannot unmarshal array into Go struct field "
                                     ".metadata.annotations of type string"));
    pkg_err_free(err);
    arena_free(a);
}

/* The sort's answer as text: every manifest, or the error. */
static void
sort_text(struct sb *sb, int rc, const struct chart_manifests *ms, struct pkg_err *err)
{
    if (rc) {
        sb_addf(sb, "error: %s", err ? err->msg : "?");
        return;
    }
    for (size_t i = 0; i < ms->ngeneric; i++)
        sb_addf(sb, "%s:%s:%s:%zu ", ms->generic[i].path, ms->generic[i].kind, ms->generic[i].name,
                ms->generic[i].len);
    for (size_t i = 0; i < ms->nhooks; i++)
        sb_addf(sb, "hook %s:%s:%d ", ms->hooks[i].path, ms->hooks[i].kind, ms->hooks[i].weight);
}

/* chart_manifests_sort_heads gives chart_manifests_sort's answer whatever
 * the heads thread was given: every file in another order, some of them,
 * files the sort does not have, and files with bad documents (the first
 * error in Helm's order wins). */
static void
test_sort_heads(void **state)
{
    (void)state;
    enum { N = 90 };
    static const char *const kinds[] = {"Service", "Deployment", "ConfigMap", "Foo", "Namespace"};
    struct arena *a = arena_new();
    struct chart_rendered files[N];
    char *texts[N];
    for (int variant = 0; variant < 12; variant++) {
        for (size_t i = 0; i < N; i++) {
            struct sb t = SB_INIT;
            for (size_t d = 0; d < 1 + (i * 7 + variant) % 3; d++)
                sb_addf(&t, "kind: %s\nmetadata:\n  name: n%zu-%zu\n---\n", kinds[(i + d) % 5], i,
                        d);
            if (i % 17 == 3)
                sb_addstr(&t, "kind: Job\nmetadata:\n  annotations:\n    helm.sh/hook: "
                              "pre-install\n    helm.sh/hook-weight: \"2\"\n");
            if (variant >= 6 && (i == (size_t)variant * 7 || i == (size_t)variant * 7 + 20))
                sb_addstr(&t, "---\nkind: [\n");
            texts[i] = sb_detach(&t, NULL);
            char *path =
                arena_sprintf(a, "c/templates/%s%03zu.yaml", i % 31 == 5 ? "_" : "", (i * 37) % N);
            files[i] = (struct chart_rendered){path, texts[i], strlen(texts[i])};
        }
        struct chart_manifests ms1, ms2;
        struct pkg_err *e1 = NULL, *e2 = NULL;
        int rc1 = chart_manifests_sort(&ms1, a, files, N, &e1);
        struct chart_heads *h = chart_heads_start();
        assert_non_null(h); /* two CPUs on every machine the tests run on */
        chart_heads_add(h, "c/templates/extra.yaml", "kind: Extra\n", 12);
        for (size_t k = 0; k < N; k++) {
            size_t i = (k * 53 + (size_t)variant) % N; /* execution order is not path order */
            if (i % 5 != 1)                            /* some files are never handed over */
                chart_heads_add(h, files[i].path, files[i].text, files[i].len);
        }
        int rc2 = chart_manifests_sort_heads(&ms2, a, files, N, h, &e2);
        chart_heads_free(h);
        struct sb s1 = SB_INIT, s2 = SB_INIT;
        sort_text(&s1, rc1, &ms1, e1);
        sort_text(&s2, rc2, &ms2, e2);
        assert_string_equal(s1.buf, s2.buf);
        assert_int_equal(rc1 != 0, variant >= 6);
        sb_release(&s1);
        sb_release(&s2);
        pkg_err_free(e1);
        pkg_err_free(e2);
        for (size_t i = 0; i < N; i++)
            free(texts[i]);
    }
    /* Stopped before the sort: nothing leaks, the thread ends. */
    struct chart_heads *h = chart_heads_start();
    chart_heads_add(h, "c/templates/a.yaml", "kind: A\n", 8);
    chart_heads_free(h);
    arena_free(a);
}

/* A chart made in memory: name, values (YAML) and subcharts. */
static struct chart *
mkchart(struct arena *a, const char *name, const char *values)
{
    struct chart *c = arena_alloc(a, sizeof(*c));
    c->meta = arena_alloc(a, sizeof(*c->meta));
    chart_meta_init(c->meta);
    c->meta->name = name;
    c->meta->version = "1.0.0";
    c->meta->api_version = "v2";
    if (values)
        assert_int_equal(chart_yaml_values(&c->values, a, values, strlen(values), name, NULL), 0);
    return c;
}

static struct val *
yaml(struct arena *a, const char *s)
{
    struct val *v;
    assert_int_equal(chart_yaml_values(&v, a, s, strlen(s), "t", NULL), 0);
    return v ? v : val_map(a);
}

static void
test_coalesce(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    /* chartutil coalesce_test.go's shape: user values over defaults, null
     * deletes, globals flow down, subchart sections fill in. */
    struct chart *top = mkchart(a, "top",
                                "name: moby\npets: {cat: mittens, dog: ben}\nnested: {a: 1, b: 2}\n"
                                "global: {name: Ishmael, nested: {x: 1}}\nsub: {from: parent}\n"
                                "scalar: 1\n");
    struct chart *sub = mkchart(a, "sub",
                                "from: sub\nsubonly: yes-sir\nglobal: {name: Queequeg, "
                                "subglobal: true, nested: {z: 2}}\n");
    chart_add_dep(a, top, sub);
    struct val *user = yaml(a, "pets: {dog: null}\nnested: {b: 3, c: 4}\nscalar: {a: b}\n"
                               "global: {name: Ahab}\n");
    struct val *out;
    assert_int_equal(chart_values_coalesce(&out, a, top, user, false, NULL), 0);
    assert_string_equal(
        tu_dumps(out, a),
        "{global:{name:\"Ahab\",nested:{x:1f}},name:\"moby\",nested:{a:1f,b:3f,c:4f},"
        "pets:{cat:\"mittens\"},scalar:{a:\"b\"},sub:{from:\"parent\",global:{name:\"Ahab\","
        "nested:{x:1f,z:2f},subglobal:true},subonly:\"yes-sir\"}}");
    /* The user's values are not changed. */
    assert_string_equal(tu_dumps(user, a), "{global:{name:\"Ahab\"},nested:{b:3f,c:4f},"
                                           "pets:{dog:null},scalar:{a:\"b\"}}");
    /* Merge mode keeps the nulls. */
    assert_int_equal(chart_values_coalesce(&out, a, top, user, true, NULL), 0);
    assert_non_null(strstr(tu_dumps(out, a), "dog:null"));
    /* A subchart section that is not a map. */
    struct pkg_err *err = NULL;
    assert_int_equal(chart_values_coalesce(&out, a, top, yaml(a, "sub: text\n"), false, &err),
                     PKG_ETYPE);
    assert_string_equal(err->msg, "type mismatch on sub: %!t(string=text)");
    pkg_err_free(err);
    arena_free(a);
}

static void
test_deps(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct chart *top = mkchart(a, "top", "sub1: {enabled: false}\ntags: {front: true}\n");
    struct chart *s1 = mkchart(a, "sub1", "x: 1\n");
    struct chart *s2 = mkchart(a, "sub2", "exports: {data: {fromExport: 7}}\nchild: {k: v}\n");
    chart_add_dep(a, top, s1);
    chart_add_dep(a, top, s2);
    struct chart_dep d1 = {.name = "sub1",
                           .version = "1.x",
                           .repository = "",
                           .alias = "",
                           .condition = "sub1.enabled,global.nope"};
    struct chart_dep d2 = {
        .name = "sub2", .version = ">=1.0.0", .repository = "", .alias = "twin", .condition = ""};
    struct chart_dep d3 = {.name = "sub2",
                           .version = "^1",
                           .repository = "",
                           .alias = "",
                           .condition = "",
                           .tags = (const char *[]){"front"},
                           .ntags = 1};
    d2.import_values = yaml(a, "l: [data, {child: child, parent: imported}]\n");
    d2.import_values = val_map_getz(d2.import_values, "l");
    struct chart_dep *deps[] = {&d1, &d2, &d3};
    top->meta->deps = deps;
    top->meta->ndeps = 3;
    top->meta->has_deps = true;
    assert_int_equal(chart_deps_check(top, NULL), 0);
    assert_int_equal(chart_deps_process(a, top, val_map(a), NULL), 0);
    assert_int_equal(top->ndeps, 2);
    assert_string_equal(top->deps[0]->meta->name, "twin");
    assert_string_equal(top->deps[1]->meta->name, "sub2");
    const char *v = tu_dumps(top->values, a);
    assert_non_null(strstr(v, "fromExport:7f"));
    assert_non_null(strstr(v, "imported:{k:\"v\"}"));

    struct chart *lonely = mkchart(a, "lonely", NULL);
    struct chart_dep m = {
        .name = "missing", .version = "", .repository = "", .alias = "", .condition = ""};
    struct chart_dep *md[] = {&m};
    lonely->meta->deps = md;
    lonely->meta->ndeps = 1;
    lonely->meta->has_deps = true;
    struct pkg_err *err = NULL;
    assert_int_equal(chart_deps_check(lonely, &err), PKG_ENOENT);
    assert_string_equal(err->msg, "found in Chart.yaml, but missing in charts/ directory: missing");
    pkg_err_free(err);
    arena_free(a);
}

static void
test_schema(void **state)
{
    (void)state;
    static const struct {
        const char *schema, *values, *want; /* want NULL: valid */
    } t[] = {
        {"{\"type\":\"object\",\"required\":[\"a\"]}", "b: 1", "- (root): a is required\n"},
        {"{\"properties\":{\"num\":{\"type\":\"integer\"}}}", "num: 1.5",
         "- num: Invalid type. Expected: integer, given: number\n"},
        {"{\"properties\":{\"num\":{\"type\":\"integer\"}}}", "num: 2", NULL},
        {"{\"properties\":{\"num\":{\"type\":[\"string\",\"null\"]}}}", "num: 2",
         "- num: Invalid type. Expected: [string,null], given: integer\n"},
        {"{\"properties\":{\"s\":{\"minLength\":3,\"pattern\":\"^a\"}}}", "s: bb",
         "- s: String length must be greater than or equal to 3\n- s: Does not match pattern "
         "'^a'\n"},
        {"{\"additionalProperties\":false,\"properties\":{\"a\":{}}}", "a: 1\nz: 2\nw: 3",
         "- (root): Additional property w is not allowed\n- (root): Additional property z is "
         "not allowed\n"},
        {"{\"properties\":{\"l\":{\"items\":{\"type\":\"string\"},\"uniqueItems\":true,"
         "\"maxItems\":2}}}",
         "l: [a, 1, a]",
         "- l.1: Invalid type. Expected: string, given: integer\n- l: Array must have at most 2 "
         "items\n- l: array items[0,2] must be unique\n"},
        {"{\"properties\":{\"e\":{\"enum\":[\"x\",1,null]}}}", "e: y",
         "- e: e must be one of the following: \"x\", 1, null\n"},
        {"{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"properties\":{\"c\":{"
         "\"const\":5}}}",
         "c: 6", "- c: c does not match: 5\n"},
        {"{\"properties\":{\"x\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\","
         "\"minimum\":10}]}}}",
         "x: 3",
         "- x: Must validate at least one schema (anyOf)\n- x: Must be greater than or equal to "
         "10\n"},
        {"{\"definitions\":{\"port\":{\"type\":\"integer\",\"maximum\":65535}},\"properties\":{"
         "\"p\":{\"$ref\":\"#/definitions/port\"}}}",
         "p: 70000", "- p: Must be less than or equal to 65535\n"},
        {"{\"properties\":{\"m\":{\"multipleOf\":0.1}}}", "m: 0.3", NULL},
        {"{\"properties\":{\"m\":{\"exclusiveMinimum\":0}}}", "m: 0",
         "- m: Must be greater than 0\n"},
        {"{\"properties\":{\"d\":{\"format\":\"date-time\"}}}", "d: \"2024-01-02T03:04:05Z\"",
         NULL},
        {"{\"properties\":{\"d\":{\"format\":\"ipv4\"}}}", "d: \"300.1.1.1\"",
         "- d: Does not match format 'ipv4'\n"},
        {"{\"if\":{\"properties\":{\"k\":{\"const\":\"a\"}}},\"then\":{\"required\":[\"v\"]}}",
         "k: a", "- (root): Must validate \"then\" as \"if\" was valid\n- (root): v is required\n"},
        {"false", "a: 1", "- (root): False always fails validation\n"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct arena *a = arena_new();
        struct pkg_err *err = NULL;
        int rc =
            chart_schema_validate(a, t[i].schema, strlen(t[i].schema), yaml(a, t[i].values), &err);
        if (!t[i].want && rc)
            fail_msg("schema %zu: unexpected: %s", i, err->msg);
        if (t[i].want && (!rc || strcmp(err->msg, t[i].want)))
            fail_msg("schema %zu:\n got  %s\n want %s", i, rc ? err->msg : "(valid)", t[i].want);
        pkg_err_free(err);
        arena_free(a);
    }
}

/* Cases recorded from helm v3.17.1 (its stderr after "c:"), lines sorted:
 * gojsonschema reports some errors in Go map order. NULL: valid. */
static const struct {
    const char *schema, *values, *want;
} helm_schema_cases[] = {
    {"{\"type\":\"object\",\"properties\":{\"p\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":"
     "10,\"multipleOf\":2}}}",
     "p: 11", "- p: Must be a multiple of 2\n- p: Must be less than or equal to 10\n"},
    {"{\"properties\":{\"s\":{\"type\":\"string\",\"maxLength\":3,\"minLength\":5,\"pattern\":\"^["
     "a-z]+$\"}}}",
     "s: \"Ab12\"", "minLength cannot be greater than maxLength\n"},
    {"{\"properties\":{\"l\":{\"type\":\"array\",\"items\":[{\"type\":\"string\"},{\"type\":"
     "\"integer\"}],\"additionalItems\":false}}}",
     "l: [1, \"a\", 3]",
     "- l.0: Invalid type. Expected: string, given: integer\n- l.1: Invalid type. Expected: "
     "integer, given: string\n- l: No additional items allowed on array\n"},
    {"{\"properties\":{\"o\":{\"type\":\"object\",\"minProperties\":2,\"maxProperties\":1,"
     "\"propertyNames\":{\"pattern\":\"^a\"}}}}",
     "o: {b: 1}", "minProperties cannot be greater than maxProperties\n"},
    {"{\"$schema\":\"http://json-schema.org/draft-04/"
     "schema#\",\"properties\":{\"n\":{\"minimum\":5,\"exclusiveMinimum\":true}}}",
     "n: 5", NULL},
    {"{\"$schema\":\"http://json-schema.org/draft-04/"
     "schema#\",\"properties\":{\"c\":{\"const\":1}}}",
     "c: 2", NULL},
    {"{\"properties\":{\"e\":{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"string\",\"minLength\":"
     "1}]}}}",
     "e: \"x\"", "- e: Must validate one and only one schema (oneOf)\n"},
    {"{\"properties\":{\"e\":{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"boolean\"}]}}}",
     "e: \"x\"",
     "- e: Invalid type. Expected: integer, given: string\n- e: Must validate one and only one "
     "schema (oneOf)\n"},
    {"{\"properties\":{\"e\":{\"allOf\":[{\"type\":\"string\"},{\"minLength\":3}]}}}", "e: \"x\"",
     "- e: Must validate all the schemas (allOf)\n- e: String length must be greater than or equal "
     "to 3\n"},
    {"{\"properties\":{\"e\":{\"not\":{\"type\":\"string\"}}}}", "e: \"x\"",
     "- e: Must not validate the schema (not)\n"},
    {"{\"dependencies\":{\"a\":[\"b\",\"c\"],\"d\":{\"required\":[\"e\"]}}}", "a: 1\nd: 2",
     "- (root): Has a dependency on b\n- (root): Has a dependency on c\n- (root): e is required\n"},
    {"{\"properties\":{\"f\":{\"format\":\"email\"},\"g\":{\"format\":\"uri\"},\"h\":{\"format\":"
     "\"hostname\"},\"i\":{\"format\":\"uuid\"},\"j\":{\"format\":\"date\"}}}",
     "f: \"nope\"\ng: \"relative/path\"\nh: \"bad_host\"\ni: \"X\"\nj: \"2024-02-30\"",
     "- f: Does not match format 'email'\n- g: Does not match format 'uri'\n- h: Does not match "
     "format 'hostname'\n- i: Does not match format 'uuid'\n- j: Does not match format 'date'\n"},
    {"{\"properties\":{\"n\":{\"type\":\"number\",\"format\":\"ipv4\"}}}", "n: 3", NULL},
    {"{\"properties\":{\"x\":{\"enum\":[{\"a\":1},[1,2],\"s\",1.5,true,null]}}}", "x: {a: 2}",
     "- x: x must be one of the following: {\"a\":1}, [1,2], \"s\", 1.5, true, null\n"},
    {"{\"properties\":{\"x\":{\"type\":[\"integer\",\"null\"]}}}", "x: 1.5",
     "- x: Invalid type. Expected: [integer,null], given: number\n"},
    {"{\"properties\":{\"big\":{\"maximum\":1e10}, \"sm\":{\"minimum\":0.000001}}}",
     "big: 2e10\nsm: 0",
     "- big: Must be less than or equal to 1e+10\n- sm: Must be greater than or equal to 1e-06\n"},
    {"{\"definitions\":{\"a\":{\"$ref\":\"#/definitions/"
     "b\"},\"b\":{\"type\":\"string\"}},\"properties\":{\"x\":{\"$ref\":\"#/definitions/a\"}}}",
     "x: 1", "- x: Invalid type. Expected: string, given: integer\n"},
    {"{\"properties\":{\"x\":{\"contains\":{\"type\":\"string\"}}}}", "x: [1, 2]",
     "- x.0: Invalid type. Expected: string, given: integer\n- x: At least one of the items must "
     "match\n"},
    {"{\"patternProperties\":{\"^a\":{\"type\":\"string\"},\"b$\":{\"type\":\"integer\"}},"
     "\"additionalProperties\":{\"type\":\"boolean\"}}",
     "ab: 1\nzz: 1\naa: x",
     "- ab: Invalid type. Expected: string, given: integer\n- zz: Invalid type. Expected: boolean, "
     "given: integer\n"},
    {"{\"type\":\"object\",\"required\":[\"a\",\"b\"],\"properties\":{\"a\":{\"type\":\"object\","
     "\"required\":[\"c\"]}}}",
     "a: {}", "- (root): b is required\n- a: c is required\n"},
    {"{\"properties\":{\"x\":{\"uniqueItems\":true}}}", "x: [1, 1.0, \"1\", {a: 1}, {a: 1}]",
     "- x: array items[0,1] must be unique\n- x: array items[3,4] must be unique\n"},
    {"{\"items\":{\"type\":\"string\"}}", "a: 1", NULL},
    {"{\"properties\":{\"s\":{\"minLength\":2}}}", "s: \"\u00e9\"",
     "- s: String length must be greater than or equal to 2\n"},
};

static char *
sorted_lines(const char *s)
{
    size_t n = 0, cap = 0;
    char **v = NULL;
    char *copy = strdup(s);
    for (char *save = NULL, *t = strtok_r(copy, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            v = realloc(v, cap * sizeof(*v));
        }
        v[n++] = t;
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    struct sb sb = SB_INIT;
    for (size_t i = 0; i < n; i++) {
        sb_addstr(&sb, v[i]);
        sb_addch(&sb, '\n');
    }
    free(v);
    free(copy);
    return sb_detach(&sb, NULL);
}

static void
test_schema_helm(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(helm_schema_cases) / sizeof(helm_schema_cases[0]); i++) {
        struct arena *a = arena_new();
        struct pkg_err *err = NULL;
        const char *sch = helm_schema_cases[i].schema;
        int rc =
            chart_schema_validate(a, sch, strlen(sch), yaml(a, helm_schema_cases[i].values), &err);
        const char *want = helm_schema_cases[i].want;
        if (!want) {
            if (rc)
                fail_msg("helm schema case %zu: unexpected error: %s", i, err->msg);
        } else {
            if (!rc)
                fail_msg("helm schema case %zu: valid, want %s", i, want);
            char *g = sorted_lines(err->msg), *w = sorted_lines(want);
            if (strcmp(g, w))
                fail_msg("helm schema case %zu:\n got  %s\n want %s", i, g, w);
            free(g);
            free(w);
        }
        pkg_err_free(err);
        arena_free(a);
    }
}

/* A .tgz in memory from (name, type, data-or-target) rows. */
struct ent {
    const char *name;
    int type; /* AE_IFREG, AE_IFLNK, AE_IFCHR, AE_IFDIR */
    const char *data;
    long long size; /* -1: strlen(data) */
};

static void *
mktgz(size_t *len, const struct ent *e, size_t n)
{
    struct archive *ar = archive_write_new();
    archive_write_add_filter_gzip(ar);
    archive_write_set_format_pax_restricted(ar);
    size_t cap = 1 << 20;
    void *buf = malloc(cap);
    archive_write_open_memory(ar, buf, cap, len);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *ae = archive_entry_new();
        archive_entry_set_pathname(ae, e[i].name);
        archive_entry_set_filetype(ae, (unsigned)e[i].type);
        archive_entry_set_perm(ae, 0644);
        if (e[i].type == AE_IFLNK) {
            archive_entry_set_symlink(ae, e[i].data);
        } else if (e[i].type == AE_IFREG) {
            archive_entry_set_size(ae, e[i].size >= 0 ? e[i].size : (long long)strlen(e[i].data));
        }
        archive_write_header(ar, ae);
        if (e[i].type == AE_IFREG && e[i].size < 0)
            archive_write_data(ar, e[i].data, strlen(e[i].data));
        archive_entry_free(ae);
    }
    archive_write_close(ar);
    archive_write_free(ar);
    return buf;
}

static int
load(const struct ent *e, size_t n, const struct chart_load_opts *o, struct pkg_err **errp,
     struct chart **out, struct arena *a)
{
    size_t len;
    void *buf = mktgz(&len, e, n);
    int rc = chart_load_archive(out, a, buf, len, "test.tgz", o, errp);
    free(buf);
    return rc;
}

#define CHART_YAML                                                                                 \
    {                                                                                              \
        "c/Chart.yaml", AE_IFREG, "apiVersion: v2\nname: c\nversion: 1.0.0\n", -1                  \
    }

static void
test_archive(void **state)
{
    (void)state;
    static const struct {
        struct ent e;
        int code;
        const char *msg;
    } bad[] = {
        {{"c/../x.yaml", AE_IFREG, "a", -1},
         PKG_EPERM,
         "chart illegally references parent directory"},
        {{"c//etc/x", AE_IFREG, "a", -1}, PKG_EPERM, "chart illegally contains absolute paths"},
        {{"c/t/l", AE_IFLNK, "../../../etc/passwd", -1}, PKG_EPERM, "link pointing outside"},
        {{"c/t/l", AE_IFLNK, "/etc/passwd", -1}, PKG_EPERM, "link pointing outside"},
        {{"c/t/d", AE_IFCHR, "", 0}, PKG_EPERM, "is a device, socket or FIFO"},
        {{"Chart.yaml/x", AE_IFREG, "x", -1}, PKG_EINVAL, "chart yaml not in base directory"},
        {{"Chart.yaml", AE_IFREG, "x", -1}, PKG_EPERM, "outside the base directory"},
        {{"c", AE_IFREG, "x", -1}, PKG_EPERM, "outside the base directory"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct arena *a = arena_new();
        struct ent e[] = {CHART_YAML, bad[i].e};
        struct pkg_err *err = NULL;
        struct chart *c;
        int rc = load(e, 2, NULL, &err, &c, a);
        if (rc != bad[i].code || !strstr(err->msg, bad[i].msg))
            fail_msg("archive case %zu: rc %d: %s", i, rc, err ? err->msg : "(none)");
        pkg_err_free(err);
        arena_free(a);
    }
    /* A link inside the chart loads as an empty file, as Helm reads it. */
    struct arena *a = arena_new();
    struct ent ok[] = {CHART_YAML,
                       {"c/templates/x.yaml", AE_IFREG, "kind: A\n", -1},
                       {"c/files/link", AE_IFLNK, "../templates/x.yaml", -1},
                       {"c/files/", AE_IFDIR, "", 0}};
    struct chart *c;
    assert_int_equal(load(ok, 4, NULL, NULL, &c, a), 0);
    assert_int_equal(c->ntemplates, 1);
    assert_int_equal(c->nfiles, 1);
    assert_string_equal(c->files[0].name, "files/link");
    assert_int_equal(c->files[0].len, 0);
    /* Limits: per file (by the header, before reading), in all, in count. */
    struct chart_load_opts lim = {.max_file_bytes = 10, .max_total_bytes = 100, .max_files = 5};
    struct pkg_err *err = NULL;
    struct ent big[] = {CHART_YAML, {"c/big", AE_IFREG, "0123456789abc", -1}};
    assert_int_equal(load(big, 2,
                          &(struct chart_load_opts){.max_file_bytes = 100, .max_total_bytes = 50},
                          &err, &c, a),
                     PKG_ELIMIT);
    pkg_err_free(err);
    err = NULL;
    assert_int_equal(load(big, 2, &lim, &err, &c, a), PKG_ELIMIT);
    assert_non_null(strstr(err->msg, "\"c/Chart.yaml\" is larger than the maximum file size 10"));
    pkg_err_free(err);
    err = NULL;
    struct ent many[] = {
        {"c/a", AE_IFREG, "", -1}, {"c/b", AE_IFREG, "", -1}, {"c/c", AE_IFREG, "", -1},
        {"c/d", AE_IFREG, "", -1}, {"c/e", AE_IFREG, "", -1}, {"c/f", AE_IFREG, "", -1},
    };
    assert_int_equal(load(many, 6, &lim, &err, &c, a), PKG_ELIMIT);
    assert_non_null(strstr(err->msg, "more than 5 entries"));
    pkg_err_free(err);
    err = NULL;
    /* Not gzip at all. */
    assert_int_equal(chart_load_archive(&c, a, "hello", 5, "x", NULL, &err), PKG_EINVAL);
    pkg_err_free(err);
    arena_free(a);
}

/* chart_template parses big charts' templates in the background while the
 * values are coalesced and validated: the output is the same as without,
 * and errors keep Helm's order (a schema error wins over a parse error). */
static int
template_case(struct sb *out, struct pkg_err **errp, bool pad, bool bad_tpl, bool bad_values)
{
    struct sb big = SB_INIT;
    if (pad) {
        sb_addstr(&big, "{{/* ");
        for (int i = 0; i < 4000; i++)
            sb_addstr(&big, "padding. ");
        sb_addstr(&big, "*/}}");
    }
    sb_addstr(&big, "kind: A\nx: {{ .Values.x }}\n{{ include \"c.h\" . }}\n");
    struct ent e[] = {
        CHART_YAML,
        {"c/values.yaml", AE_IFREG, bad_values ? "x: 1\n" : "x: one\n", -1},
        {"c/values.schema.json", AE_IFREG, "{\"properties\": {\"x\": {\"type\": \"string\"}}}", -1},
        {"c/templates/a.yaml", AE_IFREG, big.buf, -1},
        {"c/templates/_h.tpl", AE_IFREG, "{{ define \"c.h\" }}h: {{ .Chart.Name }}{{ end }}", -1},
        {"c/templates/bad.yaml", AE_IFREG, "{{ if }}", -1},
    };
    struct arena *a = arena_new();
    struct chart *c = NULL;
    int rc = load(e, bad_tpl ? 6 : 5, NULL, errp, &c, a);
    assert_int_equal(rc, 0);
    struct chart_template_opts o = {.release_name = "r"};
    rc = chart_template(out, NULL, a, c, val_map(a), &o, errp);
    arena_free(a);
    sb_release(&big);
    return rc;
}

static void
test_template_parse_ahead(void **state)
{
    (void)state;
    struct sb small = SB_INIT, big = SB_INIT;
    assert_int_equal(template_case(&small, NULL, false, false, false), 0);
    assert_int_equal(template_case(&big, NULL, true, false, false), 0);
    assert_string_equal(small.buf, "---\n# Source: c/templates/a.yaml\nkind: A\nx: one\nh: c\n");
    assert_string_equal(big.buf, small.buf);
    sb_release(&small);
    sb_release(&big);
    for (int pad = 0; pad < 2; pad++) {
        struct pkg_err *err = NULL;
        struct sb out = SB_INIT;
        assert_int_equal(template_case(&out, &err, pad, true, true), PKG_EINVAL);
        assert_non_null(strstr(err->msg, "values don't meet the specifications"));
        pkg_err_free(err);
        err = NULL;
        assert_int_equal(template_case(&out, &err, pad, true, false), PKG_ESYNTAX);
        assert_string_equal(err->msg,
                            "parse error at (c/templates/bad.yaml:1): missing value for if");
        pkg_err_free(err);
        sb_release(&out);
    }
}

/* A directory chart's files, whichever way they are read (copied, or
 * mapped: large ones, and from a page up those renders rarely read), come
 * back whole and NUL-terminated. */
static void
write_file(const char *dir, const char *name, size_t size, char fill)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    if (!strcmp(name, "Chart.yaml")) {
        fputs("apiVersion: v2\nname: c\nversion: 1.0.0\n", f);
    } else {
        for (size_t i = 0; i < size; i++)
            fputc(i % 61 == 60 ? '\n' : fill, f);
    }
    fclose(f);
}

static void
test_load_dir_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/pkg-test-chart-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[600];
    snprintf(sub, sizeof(sub), "%s/files", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    snprintf(sub, sizeof(sub), "%s/templates", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    static const struct {
        const char *name;
        size_t size;
        char fill;
    } files[] = {
        {"files/small.txt", 100, 'a'},      {"files/page.txt", 4096, 'b'},
        {"files/mapped.txt", 5000, 'c'},    {"files/big.txt", 70000, 'd'},
        {"README.md", 9000, 'e'},           {"templates/t.yaml", 5000, 'f'},
        {"templates/big.yaml", 70001, 'g'},
    };
    size_t n = sizeof(files) / sizeof(files[0]);
    write_file(dir, "Chart.yaml", 0, 0);
    for (size_t i = 0; i < n; i++)
        write_file(dir, files[i].name, files[i].size, files[i].fill);
    struct arena *a = arena_new();
    struct chart *c = NULL;
    assert_int_equal(chart_load(&c, a, dir, NULL, NULL), 0);
    for (size_t i = 0; i < n; i++) {
        const struct chart_file *f = NULL;
        for (size_t k = 0; k < c->nfiles && !f; k++)
            if (!strcmp(c->files[k].name, files[i].name))
                f = &c->files[k];
        for (size_t k = 0; k < c->ntemplates && !f; k++)
            if (!strcmp(c->templates[k].name, files[i].name))
                f = &c->templates[k];
        assert_non_null(f);
        /* files no render reads by itself are read on first use */
        assert_true(!f->data == (strncmp(f->name, "templates/", 10) != 0));
        size_t len;
        const char *d = chart_file_data(f, &len, NULL);
        assert_non_null(d);
        assert_int_equal(len, files[i].size);
        for (size_t k = 0; k < len; k++)
            if (d[k] != (k % 61 == 60 ? '\n' : files[i].fill))
                fail_msg("%s: byte %zu differs", files[i].name, k);
        assert_int_equal(d[len], 0);
        size_t len2;
        assert_ptr_equal(chart_file_data(f, &len2, NULL), d); /* read once */
    }
    chart_release(c);
    arena_free(a);
    /* A file gone between the load and its first use is an error. */
    a = arena_new();
    assert_int_equal(chart_load(&c, a, dir, NULL, NULL), 0);
    char gone[700];
    snprintf(gone, sizeof(gone), "%s/files/small.txt", dir);
    assert_int_equal(unlink(gone), 0);
    for (size_t k = 0; k < c->nfiles; k++) {
        if (strcmp(c->files[k].name, "files/small.txt"))
            continue;
        struct pkg_err *err = NULL;
        size_t len;
        assert_null(chart_file_data(&c->files[k], &len, &err));
        assert_non_null(strstr(err->msg, "error reading"));
        assert_non_null(strstr(err->msg, "small.txt"));
        pkg_err_free(err);
    }
    chart_release(c);
    arena_free(a);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void
test_metadata(void **state)
{
    (void)state;
    static const struct {
        const char *yaml, *err;
    } t[] = {
        {"apiVersion: v2\nname: x\n", "validation: chart.metadata.version is required"},
        {"apiVersion: v2\nversion: 1.0.0\n", "validation: chart.metadata.name is required"},
        {"name: x\nversion: 1.0.0\napiVersion: v2\ntype: app\n",
         "validation: chart.metadata.type must be application or library"},
        {"name: a/b\nversion: 1.0.0\napiVersion: v2\n",
         "validation: chart.metadata.name \"a/b\" is invalid"},
        {"name: x\nversion: one\napiVersion: v2\n",
         "validation: chart.metadata.version \"one\" is invalid"},
        {"name: x\nversion: 1.0.0\napiVersion: v2\nmaintainers: [~]\n",
         "validation: maintainers must not contain empty or null nodes"},
        {"name: x\nversion: 1.0.0\napiVersion: v2\ndependencies: [{name: a}, {name: b, alias: "
         "a}]\n",
         "validation: more than one dependency with name or alias \"a\""},
        {"name: x\nversion: 1.0.0\napiVersion: v2\ndependencies: [{name: a, alias: \"a.b\"}]\n",
         "validation: dependency \"a\" has disallowed characters in the alias"},
        {"name: x\nversion: 1.0.0\napiVersion: v2\nsources: 3\n",
         "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal number into Go "
         "struct field Metadata.sources of type []string"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct arena *a = arena_new();
        struct chart_meta md;
        chart_meta_init(&md);
        struct pkg_err *err = NULL;
        int rc = chart_meta_decode(&md, a, t[i].yaml, strlen(t[i].yaml), "Chart.yaml", &err);
        if (!rc)
            rc = chart_meta_validate(a, &md, &err);
        if (!rc || strcmp(err->msg, t[i].err))
            fail_msg("metadata %zu: got %s", i, rc ? err->msg : "(valid)");
        pkg_err_free(err);
        arena_free(a);
    }
    /* Scalars for string fields become strings as sigs.k8s.io/yaml makes
     * them: floats with 32-bit precision; the last duplicate wins; keys
     * match case-insensitively with "name" applied after "Name". */
    struct arena *a = arena_new();
    struct chart_meta md;
    chart_meta_init(&md);
    const char *y = "apiVersion: v2\nName: zz\nname: nn\nversion: 0.1.0\nversion: 1.10\n"
                    "appVersion: 3.14159265\nkubeVersion: 1e3\ndeprecated: yes\n";
    assert_int_equal(chart_meta_decode(&md, a, y, strlen(y), "Chart.yaml", NULL), 0);
    assert_string_equal(md.name, "nn");
    assert_string_equal(md.version, "1.1");
    assert_string_equal(md.app_version, "3.1415927");
    assert_string_equal(md.kube_version, "1000");
    assert_true(md.deprecated);
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_match),
        cmocka_unit_test(test_ignore),
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_sort_heads),
        cmocka_unit_test(test_coalesce),
        cmocka_unit_test(test_deps),
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_archive),
        cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_schema_helm),
        cmocka_unit_test(test_template_parse_ahead),
        cmocka_unit_test(test_load_dir_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
