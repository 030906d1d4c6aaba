/* Data-driven tests: every directory under testdata/overlays/cases is a
 * kustomization whose expected output was recorded with kubectl kustomize
 * (testdata/overlays/regen.sh); pkg must print the same bytes. A case with
 * an `expected-error-contains` file must fail with a message holding each
 * of its lines. A `flags` file holds the command line flags the case is
 * built with (--enable-helm, --load-restrictor ...). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/core.h"
#include "overlay/overlay.h"

#define CASES "testdata/overlays/cases"

static int
name_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static void
run_case(const char *name, int *failures)
{
    char *dir = xasprintf(CASES "/%s", name);
    char *exp = xasprintf("%s/expected.yaml", dir);
    char *experr = xasprintf("%s/expected-error-contains", dir);
    struct arena *a = arena_new();
    struct val *docs = NULL;
    struct pkg_err *err = NULL;
    struct sb out = SB_INIT, want = SB_INIT, warn = SB_INIT;
    struct kust_opts o = {0};
    char *cache = xasprintf("%s/.git-cache", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    o.git_cache = cache;
    char *flags = xasprintf("%s/flags", dir);
    struct sb fl = SB_INIT;
    if (fs_exists(flags)) {
        struct pkg_err *e2 = NULL;
        assert_int_equal(sb_read_file(&fl, flags, 0, &e2), 0);
        o.enable_helm = strstr(fl.buf, "--enable-helm") != NULL;
        if (strstr(fl.buf, "LoadRestrictionsNone"))
            o.restrictor = KUST_LOAD_NONE;
    }
    sb_release(&fl);
    free(flags);
    int rc = kust_build(&docs, a, dir, &o, &warn, &err);
    if (!rc)
        rc = kust_emit(&out, docs, &err);
    if (fs_exists(exp)) {
        struct pkg_err *e2 = NULL;
        assert_int_equal(sb_read_file(&want, exp, 0, &e2), 0);
        if (rc) {
            fprintf(stderr, "# case %s: %s\n", name, err->msg);
            (*failures)++;
        } else if (out.len != want.len || memcmp(out.buf, want.buf, out.len)) {
            fprintf(stderr, "# case %s: output differs from expected.yaml\n", name);
            (*failures)++;
        }
    } else if (fs_exists(experr)) {
        struct pkg_err *e2 = NULL;
        assert_int_equal(sb_read_file(&want, experr, 0, &e2), 0);
        if (!rc) {
            fprintf(stderr, "# case %s: expected an error\n", name);
            (*failures)++;
        } else {
            char *lines = xstrdup(want.buf), *save = NULL;
            for (char *l = strtok_r(lines, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                if (!strstr(err->msg, l)) {
                    fprintf(stderr, "# case %s: error lacks \"%s\": %s\n", name, l, err->msg);
                    (*failures)++;
                }
            free(lines);
        }
    }
    pkg_err_free(err);
    sb_release(&out);
    sb_release(&want);
    sb_release(&warn);
    arena_free(a);
    free(cache);
    free(dir);
    free(exp);
    free(experr);
}

static void
test_cases(void **state)
{
    (void)state;
    DIR *d = opendir(CASES);
    assert_non_null(d);
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        names = xgrow(names, &cap, n + 1, sizeof(*names));
        names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), name_cmp);
    assert_true(n >= 10);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        run_case(names[i], &failures);
        free(names[i]);
    }
    free(names);
    assert_int_equal(failures, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
