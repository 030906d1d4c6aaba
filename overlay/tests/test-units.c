/* Unit tests: git URL forms (RepoSpec), label selectors, the generator
 * hash suffix, field spec paths and the transformer config merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "overlay/git.h"
#include "overlay/kust.h"

static void
test_repospec(void **state)
{
    (void)state;
    static const struct {
        const char *in, *clone, *path, *ref;
    } ok[] = {
        {"https://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo/somedir",
         "https://git-codecommit.us-east-2.amazonaws.com/someorg/somerepo", "somedir", ""},
        {"https://fabrikops2.visualstudio.com/someorg/somerepo?ref=master",
         "https://fabrikops2.visualstudio.com/someorg/somerepo", "", "master"},
        {"http://github.com/someorg/somerepo/somedir", "https://github.com/someorg/somerepo",
         "somedir", ""},
        {"git@github.com:someorg/somerepo/somedir", "git@github.com:someorg/somerepo", "somedir",
         ""},
        {"git@gitlab2.sqtools.ru:infra/kubernetes/thanos-base.git?ref=v0.1.0",
         "git@gitlab2.sqtools.ru:infra/kubernetes/thanos-base.git", "", "v0.1.0"},
        {"git@bitbucket.org/company/project.git//path?ref=branch",
         "git@bitbucket.org/company/project.git", "path", "branch"},
        {"ssh://git@bitbucket.org/company/project.git//path?ref=branch",
         "ssh://git@bitbucket.org/company/project.git", "path", "branch"},
        {"https://itfs.mycompany.com/collection/project/_git/somerepos/somedir?version=v1.0.0",
         "https://itfs.mycompany.com/collection/project/_git/somerepos", "somedir", "v1.0.0"},
        {"git::https://itfs.mycompany.com/collection/project/_git/somerepos",
         "https://itfs.mycompany.com/collection/project/_git/somerepos", "", ""},
        {"git@github.com/someorg/somerepo/somepath", "git@github.com:someorg/somerepo", "somepath",
         ""},
        {"https://github.com/kubernetes-sigs/kustomize//examples/multibases/dev/?ref=v1.0.6",
         "https://github.com/kubernetes-sigs/kustomize", "examples/multibases/dev/", "v1.0.6"},
        {"file://a/b/c/someRepo.git/somepath?ref=someBranch", "file://a/b/c/someRepo.git",
         "somepath", "someBranch"},
        {"file:///a/b/c/someRepo?ref=someBranch", "file:///a/b/c/someRepo", "", "someBranch"},
        {"ssh://git@github.com/kubernetes-sigs/kustomize//examples/multibases/dev?ref=v1.0.6",
         "git@github.com:kubernetes-sigs/kustomize", "examples/multibases/dev", "v1.0.6"},
        {"file:///", "file:///", "", ""},
        {"https://example.org/path/to/repo//examples/multibases/dev",
         "https://example.org/path/to/repo", "examples/multibases/dev", ""},
        {"github.com/org/repo//sub?ref=v2&timeout=90s&submodules=false",
         "https://github.com/org/repo", "sub", "v2"},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct arena *a = arena_new();
        struct krepospec rs;
        struct pkg_err *err = NULL;
        int rc = kgit_parse(a, &rs, ok[i].in, &err);
        if (rc)
            fprintf(stderr, "# %s: %s\n", ok[i].in, err->msg);
        assert_int_equal(rc, 0);
        assert_string_equal(rs.clone_url, ok[i].clone);
        assert_string_equal(rs.path, ok[i].path);
        assert_string_equal(rs.ref, ok[i].ref);
        arena_free(a);
    }
    struct arena *a = arena_new();
    struct krepospec rs;
    assert_int_equal(kgit_parse(a, &rs, "github.com/org/repo?timeout=90s&submodules=false", NULL),
                     0);
    assert_int_equal(rs.timeout, 90);
    assert_false(rs.submodules);
    static const char *const bad[] = {
        "../base", "base", "/abs/path", "ftp://x/y/z", "https://host/a/b//../../x", "https://host"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_not_equal(kgit_parse(a, &rs, bad[i], NULL), 0);
    assert_false(kgit_is_repo_url("overlays/prod"));
    assert_true(kgit_is_repo_url("git@github.com:org/repo"));
    arena_free(a);
}

static void
test_label_selectors(void **state)
{
    (void)state;
    struct kstrmap set = {0};
    kstrmap_set(&set, "app", "web");
    kstrmap_set(&set, "env", "prod");
    kstrmap_set(&set, "n", "5");
    static const struct {
        const char *sel;
        bool match;
    } cases[] = {
        {"", true},
        {"app=web", true},
        {"app==web", true},
        {"app!=web", false},
        {"missing!=x", true},
        {"app", true},
        {"!app", false},
        {"!missing", true},
        {"env in (dev, prod)", true},
        {"env notin (prod)", false},
        {"app=web,env=dev", false},
        {"n>3", true},
        {"n<3", false},
        {" app = web , env in (prod) ", true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool m = !cases[i].match;
        struct pkg_err *err = NULL;
        assert_int_equal(klabels_match(cases[i].sel, &set, &m, &err), 0);
        if (m != cases[i].match)
            fprintf(stderr, "# selector %s\n", cases[i].sel);
        assert_true(m == cases[i].match);
    }
    static const char *const bad[] = {"app in", "app in (a", "=x", "n>x", "a=b c"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        bool m;
        struct pkg_err *err = NULL;
        assert_int_not_equal(klabels_match(bad[i], &set, &m, &err), 0);
        pkg_err_free(err);
    }
    kstrmap_free(&set);
}

static void
test_hash(void **state)
{
    (void)state;
    /* values recorded from kubectl kustomize */
    static const struct {
        const char *obj, *hash;
    } cases[] = {
        {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n", "4h2mbtbbt6"},
        {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {a: b}\n", "4h2mbtbbt6"},
        {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  K: 'v  '\n  L: \"\"\n  "
         "M: a=b\n  a b: \"1\"\n  c: q\n",
         "6fgmbb859t"},
        {"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: Opaque\ndata: {KEY: "
         "dmFsdWU=}\n",
         "9c56bf5695"},
        /* other kinds: the JSON of the go-yaml v3 nodes (kind, style, tag,
         * text, position) */
        {"apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations:\n    "
         "internal.config.kubernetes.io/needsHashSuffix: enabled\nspec:\n  x: 1\n  y: \"s\"\n",
         "b2f4ktmdcm"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct arena *a = arena_new();
        struct kust_opts opts = {0};
        struct kbuild b = {.a = a, .opts = &opts, .warnings = SB_INIT};
        struct val *v;
        struct val_yaml_opts yo = {.dialect = VAL_YAML_KYAML};
        struct pkg_err *err = NULL;
        assert_int_equal(val_yaml_load(&v, a, cases[i].obj, strlen(cases[i].obj), "t", &yo, &err),
                         0);
        char h[11];
        assert_int_equal(khash_resource(&b, v, h, &err), 0);
        assert_string_equal(h, cases[i].hash);
        arena_free(a);
    }
}

static void
test_yaml11_nonstring(void **state)
{
    (void)state;
    static const char *const yes[] = {"true", "yes", "on",   "n",   "1",   "0777",
                                      "1.5",  "~",   "a: b", "[x]", "- x", "#c"};
    static const char *const no[] = {"", "abc", "2001-12-14", "a\nb", "x y", "1.2.3"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        assert_true(kn_yaml11_nonstring(yes[i]));
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_false(kn_yaml11_nonstring(no[i]));
}

static void
test_fieldspec_paths(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct kstrv p = {0};
    kfs_split_path(a, "/metadata/annotations/a.io\\/b", &p);
    assert_int_equal(p.n, 3);
    assert_string_equal(p.v[0], "metadata");
    assert_string_equal(p.v[2], "a.io/b");
    kstrv_free(&p);
    kstr_split_str(a, &p, "a::b::", "::");
    assert_int_equal(p.n, 3);
    assert_string_equal(p.v[2], "");
    kstrv_free(&p);
    arena_free(a);
}

static void
test_config_merge(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct kust_opts opts = {0};
    struct kbuild b = {.a = a, .opts = &opts, .warnings = SB_INIT};
    struct ktconfig *def = ktconfig_default(&b);
    assert_true(def->nnameref > 10);
    assert_true(def->commonlabels.n > 20);
    const char *conf = "namePrefix:\n- path: spec/x\n  kind: Foo\ncommonLabels:\n- path: "
                       "metadata/labels\n  create: false\n";
    struct ktconfig *c = NULL, *m = NULL;
    struct pkg_err *err = NULL;
    assert_int_equal(ktconfig_parse(&b, &c, conf, strlen(conf), "c.yaml", &err), 0);
    /* metadata/labels is create: true in the defaults: a conflict */
    assert_int_not_equal(ktconfig_merge(&b, &m, def, c, &err), 0);
    assert_non_null(strstr(err->msg, "conflicting fieldspecs"));
    pkg_err_clear(&err);
    const char *bad = "prefix: []\n";
    assert_int_not_equal(ktconfig_parse(&b, &c, bad, strlen(bad), "c.yaml", &err), 0);
    assert_non_null(strstr(err->msg, "unknown field"));
    pkg_err_free(err);
    ktconfig_release_all(&b);
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repospec),     cmocka_unit_test(test_label_selectors),
        cmocka_unit_test(test_hash),         cmocka_unit_test(test_fieldspec_paths),
        cmocka_unit_test(test_config_merge), cmocka_unit_test(test_yaml11_nonstring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
