/* Unit tests: index.yaml loading (tolerant and strict cases), metadata
 * normalization and validation, version lookup against a table recorded
 * from helm, timestamps and URLs. Run from the source root (fixtures in
 * testdata/repo). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/core.h"
#include "repo-index/repo.h"

struct warns {
    int n;
    char last[512];
};

static void
collect(void *payload, const char *msg)
{
    struct warns *w = payload;
    w->n++;
    snprintf(w->last, sizeof(w->last), "%s", msg);
}

static struct repo_index *
load_ok(const char *doc, struct warns *w)
{
    struct repo_warn warn = {collect, w};
    struct repo_index *idx = NULL;
    struct pkg_err *err = NULL;
    int rc = repo_index_load(&idx, doc, strlen(doc), "test-index", &warn, &err);
    if (rc)
        fail_msg("load failed: %s", err->msg);
    return idx;
}

static int
load_fail(const char *doc, const char *want, int code)
{
    struct repo_index *idx = NULL;
    struct pkg_err *err = NULL;
    int rc = repo_index_load(&idx, doc, strlen(doc), "test-index", NULL, &err);
    assert_int_not_equal(rc, 0);
    assert_null(idx);
    if (code)
        assert_int_equal(rc, code);
    if (!strstr(err->msg, want))
        fail_msg("error \"%s\" lacks \"%s\"", err->msg, want);
    pkg_err_free(err);
    return rc;
}

static void
test_time(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"2016-10-06T16:23:20.499814565-06:00", "2016-10-06T16:23:20.499814565-06:00"},
        {"2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"},
        {"2024-01-02T03:04:05.500Z", "2024-01-02T03:04:05.5Z"},
        {"2024-01-02T03:04:05.000000000Z", "2024-01-02T03:04:05Z"},
        {"2024-01-02T03:04:05+00:00", "2024-01-02T03:04:05Z"},
        {"2024-01-02T03:04:05.1234567891234Z", "2024-01-02T03:04:05.123456789Z"},
        {"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"},
        {"2023-02-29T00:00:00Z", NULL},
        {"2024-01-02 03:04:05Z", NULL},
        {"2024-01-02T03:04:05", NULL},
        {"2024-13-02T03:04:05Z", NULL},
        {"yesterday", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[REPO_TIME_MAX];
        int rc = repo_time_normalize(out, cases[i].in);
        if (!cases[i].out) {
            assert_int_equal(rc, -1);
        } else {
            assert_int_equal(rc, 0);
            assert_string_equal(out, cases[i].out);
        }
    }
    char now[REPO_TIME_MAX], again[REPO_TIME_MAX];
    repo_time_now(now);
    assert_int_equal(repo_time_normalize(again, now), 0);
    assert_string_equal(now, again);
}

static void
test_urls(void **state)
{
    (void)state;
    static const struct {
        const char *base, *elem, *want;
    } joins[] = {
        {"", "", ""},
        {"", "sub", "sub"},
        {"sub", "a-1.0.0.tgz", "sub/a-1.0.0.tgz"},
        {"https://x.io/charts", "a.tgz", "https://x.io/charts/a.tgz"},
        {"https://x.io/charts/", "a.tgz", "https://x.io/charts/a.tgz"},
        {"https://x.io", "a.tgz", "https://x.io/a.tgz"},
        {"https://x.io/charts?t=1", "a.tgz", "https://x.io/charts/a.tgz?t=1"},
        {"https://x.io/c", "a b.tgz", "https://x.io/c/a%20b.tgz"},
        {"https://x.io/c", "a+1.tgz", "https://x.io/c/a+1.tgz"},
    };
    for (size_t i = 0; i < sizeof(joins) / sizeof(joins[0]); i++) {
        char *got = repo_url_join(joins[i].base, joins[i].elem);
        assert_string_equal(got, joins[i].want);
        free(got);
    }
    static const struct {
        const char *base, *ref, *want;
    } res[] = {
        {"http://h:1", "index.yaml", "http://h:1/index.yaml"},
        {"http://h:1/charts", "index.yaml", "http://h:1/charts/index.yaml"},
        {"http://h:1/charts/", "a.tgz", "http://h:1/charts/a.tgz"},
        {"http://h:1/charts?k=v", "a.tgz", "http://h:1/charts/a.tgz?k=v"},
        {"http://h:1/charts", "sub/a.tgz", "http://h:1/charts/sub/a.tgz"},
        {"http://h:1/charts", "../../etc/passwd", "http://h:1/etc/passwd"},
        {"http://h:1/charts", "/abs/a.tgz", "http://h:1/abs/a.tgz"},
        {"http://h:1/charts", "https://cdn/a.tgz", "https://cdn/a.tgz"},
        {"http://h:1/charts", "//other/a.tgz", "http://other/a.tgz"},
    };
    for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
        char *got = repo_url_resolve(res[i].base, res[i].ref);
        assert_non_null(got);
        assert_string_equal(got, res[i].want);
        free(got);
    }
    assert_true(repo_url_under("http://h:1/charts", "http://h:1/charts/a.tgz"));
    assert_true(repo_url_under("http://h:1/charts/", "http://h:1/charts/sub/a.tgz"));
    assert_true(repo_url_under("http://h:1", "http://h:1/a.tgz"));
    assert_false(repo_url_under("http://h:1/charts", "http://h:1/etc/passwd"));
    assert_false(repo_url_under("http://h:1/charts", "http://h:1/charts-evil/a.tgz"));
    assert_false(repo_url_under("http://h:1/charts", "http://h:1/charts/%2e%2e/x"));
    assert_false(repo_url_under("http://h:1/charts", "http://other:1/charts/a.tgz"));
    assert_false(repo_url_under("http://h:1/charts", "https://h:1/charts/a.tgz"));
    assert_true(repo_url_equal("http://h/charts", "http://h/charts/"));
    assert_true(repo_url_equal("http://h", "http://h/"));
    assert_false(repo_url_equal("http://h/a", "http://h/b"));
    char *b = repo_url_basename("http://h/c/alpha-1.0.0.tgz?x=1");
    assert_string_equal(b, "alpha-1.0.0.tgz");
    free(b);
    b = repo_url_basename("http://h/c/a%2B1.tgz");
    assert_string_equal(b, "a+1.tgz");
    free(b);
    assert_null(repo_url_basename("http://h/c/.."));
    assert_null(repo_url_basename("http://h/c/%2e%2e"));
    assert_null(repo_url_basename("http://h/"));
    /* An encoded slash splits like Go's filepath.Base of the decoded path. */
    b = repo_url_basename("http://h/c/a%2fb");
    assert_string_equal(b, "b");
    free(b);
}

static void
test_metadata(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *doc, *md;
    struct pkg_err *err = NULL;
    const char *chart = "apiVersion: v2\nName: x\nversion: 1.0\nappVersion: 1.10\n"
                        "deprecated: yes\nunknown: 1\nkeywords: [a, 1, true]\n"
                        "description: \"tab\\there\\u0007bell\\u200bzw\"\n";
    assert_int_equal(val_yaml_load(&doc, a, chart, strlen(chart), "Chart.yaml", NULL, &err), 0);
    assert_int_equal(
        repo_metadata_normalize(&md, a, doc, REPO_DECODE_CHART_YAML, "Chart.yaml", &err), 0);
    /* Case-insensitive field names, scalars converted as sigs.k8s.io/yaml. */
    assert_string_equal(val_cstr(val_map_getz(md, "name")), "x");
    assert_string_equal(val_cstr(val_map_getz(md, "version")), "1");
    assert_string_equal(val_cstr(val_map_getz(md, "appVersion")), "1.1");
    assert_true(val_map_getz(md, "deprecated")->u.b);
    assert_null(val_map_getz(md, "unknown"));
    assert_string_equal(val_cstr(val_seq_at(val_map_getz(md, "keywords"), 1)), "1");
    assert_int_equal(repo_metadata_validate(a, md, &err), 0);
    assert_string_equal(val_cstr(val_map_getz(md, "description")), "tab herebellzw");
    /* Struct order. */
    assert_string_equal(md->u.map.ents[0].key->u.s.ptr, "name");

    /* In an index the embedded metadata does not convert numbers. */
    assert_int_not_equal(
        repo_metadata_normalize(&md, a, doc, REPO_DECODE_INDEX_YAML, "index.yaml", &err), 0);
    assert_non_null(strstr(err->msg, "unknown field \"unknown\""));
    pkg_err_clear(&err);

    static const struct {
        const char *doc, *msg;
    } bad[] = {
        {"name: x\nversion: 1.0.0\n", "apiVersion is required"},
        {"apiVersion: v2\nversion: 1.0.0\n", "name is required"},
        {"apiVersion: v2\nname: a/b\nversion: 1.0.0\n", "name \"a/b\" is invalid"},
        {"apiVersion: v2\nname: x\n", "version is required"},
        {"apiVersion: v2\nname: x\nversion: one\n", "version \"one\" is invalid"},
        {"apiVersion: v2\nname: x\nversion: 1.0.0\ntype: app\n", "type must be application"},
        {"apiVersion: v2\nname: x\nversion: 1.0.0\nmaintainers: [null]\n",
         "maintainers must not contain empty"},
        {"apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies:\n- name: a\n  alias: b.c\n",
         "disallowed characters in the alias"},
        {"apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies:\n- name: a\n- name: a\n",
         "more than one dependency with name or alias \"a\""},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(
            val_yaml_load(&doc, a, bad[i].doc, strlen(bad[i].doc), "Chart.yaml", NULL, &err), 0);
        assert_int_equal(
            repo_metadata_normalize(&md, a, doc, REPO_DECODE_CHART_YAML, "Chart.yaml", &err), 0);
        assert_int_equal(repo_metadata_validate(a, md, &err), PKG_EINVAL);
        if (!strstr(err->msg, bad[i].msg))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err->msg, bad[i].msg);
        pkg_err_clear(&err);
    }
    /* Types that do not fit are errors, not silently dropped. */
    const char *wrong = "apiVersion: v2\nname: x\nversion: 1.0.0\nmaintainers: {a: b}\n";
    assert_int_equal(val_yaml_load(&doc, a, wrong, strlen(wrong), "Chart.yaml", NULL, &err), 0);
    assert_int_equal(
        repo_metadata_normalize(&md, a, doc, REPO_DECODE_CHART_YAML, "Chart.yaml", &err),
        PKG_ETYPE);
    pkg_err_clear(&err);
    arena_free(a);
}

static const char good_entry[] = "  - apiVersion: v2\n"
                                 "    name: %s\n"
                                 "    version: %s\n"
                                 "    urls: [%s-%s.tgz]\n"
                                 "    created: \"2020-01-01T00:00:00.5+00:00\"\n"
                                 "    digest: abc\n";

static void
test_load_tolerant(void **state)
{
    (void)state;
    struct warns w = {0};
    /* A malformed entry (bad version) is skipped with a warning; an entry
     * without apiVersion gets v1; the rest load and sort newest first. */
    char doc[4096];
    int n = snprintf(doc, sizeof(doc), "apiVersion: v1\nentries:\n  a:\n");
    n += snprintf(doc + n, sizeof(doc) - (size_t)n, good_entry, "a", "1.0.0", "a", "1.0.0");
    n += snprintf(doc + n, sizeof(doc) - (size_t)n, good_entry, "a", "not.a.version", "a", "x");
    n += snprintf(doc + n, sizeof(doc) - (size_t)n, good_entry, "a", "2.0.0", "a", "2.0.0");
    n += snprintf(doc + n, sizeof(doc) - (size_t)n,
                  "  - name: a\n    version: 1.5.0\n  b:\n  - null\n"
                  "generated: \"2020-01-01T00:00:00Z\"\n");
    struct repo_index *idx = load_ok(doc, &w);
    assert_int_equal(w.n, 2);
    struct repo_chart *c = repo_index_chart(idx, "a");
    assert_non_null(c);
    assert_int_equal(c->n, 3);
    assert_string_equal(c->v[0]->version, "2.0.0");
    assert_string_equal(c->v[1]->version, "1.5.0");
    assert_string_equal(c->v[2]->version, "1.0.0");
    assert_string_equal(val_cstr(val_map_getz(c->v[1]->md, "apiVersion")), "v1");
    assert_string_equal(c->v[2]->created, "2020-01-01T00:00:00.5Z");
    assert_null(c->v[1]->urls);
    assert_string_equal(c->v[1]->created, REPO_TIME_ZERO);
    repo_index_free(idx);

    /* JSON is accepted (and unknown fields ignored there). */
    const char *json = "{\"apiVersion\":\"v1\",\"entries\":{\"j\":[{\"name\":\"j\","
                       "\"version\":\"0.1.0\",\"apiVersion\":\"v2\",\"whatever\":1}]}}";
    idx = load_ok(json, &w);
    assert_non_null(repo_index_chart(idx, "j"));
    repo_index_free(idx);
}

static void
test_load_strict(void **state)
{
    (void)state;
    load_fail("", "empty index.yaml", PKG_EINVAL);
    load_fail("entries: {}\n", "no API version specified", PKG_EINVAL);
    load_fail("apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    bogus: 1\n",
              "unknown field \"bogus\"", PKG_EINVAL);
    load_fail("apiVersion: v1\nextra: 1\n", "unknown field \"extra\"", PKG_EINVAL);
    load_fail("apiVersion: v1\napiVersion: v1\n", "", 0);
    load_fail("apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0\n",
              "cannot unmarshal number", PKG_ETYPE);
    load_fail("apiVersion: v1\nentries:\n  a: {name: a}\n", "cannot unmarshal object", PKG_ETYPE);
    load_fail("apiVersion: v1\nentries:\n  a:\n  - name: a\n    created: yesterday\n",
              "parsing time", PKG_EINVAL);
    load_fail("- a\n- b\n", "cannot unmarshal array", PKG_ETYPE);
    load_fail("apiVersion: v1\nentries: [\n", "", 0);
}

static void
test_file_limit(void **state)
{
    (void)state;
    char path[] = "/tmp/pkg-test-index-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *doc = "apiVersion: v1\nentries: {}\n# padding padding padding padding\n";
    assert_int_equal(write(fd, doc, strlen(doc)), (int)strlen(doc));
    close(fd);
    struct repo_index *idx = NULL;
    struct pkg_err *err = NULL;
    assert_int_equal(repo_index_load_file(&idx, path, 20, NULL, &err), PKG_ELIMIT);
    pkg_err_clear(&err);
    assert_int_equal(repo_index_load_file(&idx, path, 0, NULL, &err), 0);
    repo_index_free(idx);
    unlink(path);
}

/* The table testdata/repo/constraints/expected.tsv was recorded from helm
 * (gen.sh runs `helm pull --version C` for each case). */
static void
test_constraints_match_helm(void **state)
{
    (void)state;
    struct repo_index *idx = NULL;
    struct pkg_err *err = NULL;
    assert_int_equal(
        repo_index_load_file(&idx, "testdata/repo/constraints/index.yaml", 0, NULL, &err), 0);
    FILE *f = fopen("testdata/repo/constraints/expected.tsv", "r");
    assert_non_null(f);
    char line[512];
    int cases = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = 0;
        char *chart = line, *c = strchr(line, '\t');
        assert_non_null(c);
        *c++ = 0;
        char *want = strchr(c, '\t');
        assert_non_null(want);
        *want++ = 0;
        struct repo_entry *e = NULL;
        int rc = repo_index_get(&e, idx, chart, c, &err);
        const char *got = rc ? "-" : e->version;
        pkg_err_clear(&err);
        if (strcmp(got, want))
            fail_msg("%s --version '%s': helm picks %s, pkg %s", chart, c, want, got);
        cases++;
    }
    fclose(f);
    assert_true(cases >= 30);
    repo_index_free(idx);
}

static void
test_merge_and_output(void **state)
{
    (void)state;
    struct warns w = {0};
    char doc[2048];
    int n = snprintf(doc, sizeof(doc), "apiVersion: v1\nentries:\n  a:\n");
    n += snprintf(doc + n, sizeof(doc) - (size_t)n, good_entry, "a", "1.0.0", "a", "1.0.0");
    snprintf(doc + n, sizeof(doc) - (size_t)n, "generated: \"2020-01-01T00:00:00Z\"\n");
    struct repo_index *old = load_ok(doc, &w);
    struct repo_index *idx = repo_index_new();
    struct arena *a = arena_new();
    struct val *md = val_map(a);
    val_map_setz(a, md, "name", val_strz(a, "a"));
    val_map_setz(a, md, "version", val_strz(a, "1.1.0"));
    struct pkg_err *err = NULL;
    assert_int_equal(repo_index_add(idx, md, "a-1.1.0.tgz", "https://x.io/c", "d1", &err), 0);
    repo_index_merge(idx, old);
    repo_index_sort(idx);
    struct repo_chart *c = repo_index_chart(idx, "a");
    assert_int_equal(c->n, 2);
    assert_string_equal(c->v[0]->version, "1.1.0");
    assert_string_equal(val_cstr(val_seq_at(c->v[0]->urls, 0)), "https://x.io/c/a-1.1.0.tgz");
    /* The merged entry keeps its created time. */
    assert_string_equal(c->v[1]->created, "2020-01-01T00:00:00.5Z");
    struct sb out = SB_INIT;
    assert_int_equal(repo_index_serialize(&out, idx, false, &err), 0);
    assert_non_null(strstr(out.buf, "apiVersion: v1\nentries:\n  a:\n  - apiVersion: v1\n"));
    assert_non_null(strstr(out.buf, "created: \"2020-01-01T00:00:00.5Z\"\n"));
    /* And it reads back the same. */
    struct repo_index *back = NULL;
    assert_int_equal(repo_index_load(&back, out.buf, out.len, "back", NULL, &err), 0);
    struct sb again = SB_INIT;
    assert_int_equal(repo_index_serialize(&again, back, false, &err), 0);
    assert_string_equal(out.buf, again.buf);
    sb_release(&again);
    sb_release(&out);
    repo_index_free(back);
    /* An invalid chart is refused by add. */
    val_map_setz(a, md, "version", val_strz(a, "x.y"));
    assert_int_equal(repo_index_add(idx, md, "a-x.tgz", "", "d", &err), PKG_EINVAL);
    assert_non_null(strstr(err->msg, "validate failed for a-x.tgz"));
    pkg_err_clear(&err);
    arena_free(a);
    repo_index_free(idx);
    repo_index_free(old);
}

static void
test_table(void **state)
{
    (void)state;
    const char *cells[] = {"NAME",  "DESCRIPTION", "a",
                           "short", "bb",          "0123456789012345678901234567890123456789"};
    struct sb out = SB_INIT;
    repo_table(&out, cells, 3, 2, 10);
    /* uitable truncates the header too. */
    assert_string_equal(out.buf, "NAME\tDESCRIP...\n"
                                 "a   \tshort     \n"
                                 "bb  \t0123456...\n");
    sb_release(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_load_tolerant),
        cmocka_unit_test(test_load_strict),
        cmocka_unit_test(test_file_limit),
        cmocka_unit_test(test_constraints_match_helm),
        cmocka_unit_test(test_merge_and_output),
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests_name("repo-index/index", tests, NULL, NULL);
}
