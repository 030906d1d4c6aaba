/* Unit tests: tmpl_parse_borrowed_files (a chart's files parsed on two
 * threads) against one tmpl_parse_borrowed per file in order: the same
 * trees win in the namespace (later definitions replace earlier ones, empty
 * ones do not), and the same first error, whichever thread met it. The
 * same with the files parsed ahead under other names (tmpl_parse_ahead),
 * with files the final set does not have. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/xalloc.h"
#include "render/tree.h"

#define NFILES 300

struct corpus {
    struct tmpl_parse_file f[NFILES];
    char *text[NFILES];
};

/* File i defines "own<i>", redefines "common" (empty in every fifth
 * file), and carries ~4 KiB of text and actions, so that the set (1.2 MiB)
 * is large enough for two threads. bad[] lists files with a syntax error. */
static void
corpus_make(struct corpus *c, const size_t *bad, size_t nbad)
{
    for (size_t i = 0; i < NFILES; i++) {
        struct sb sb = SB_INIT;
        sb_addf(&sb, "{{- define \"own%zu\" }}own {{ .x }} {{ end }}\n", i);
        if (i == 10) /* a definition named like the file: parsed again when renamed */
            sb_addstr(&sb, "{{ define \"chart/templates/f010.yaml\" }}mine{{ end }}\n");
        if (i % 5 == 0)
            sb_addstr(&sb, "{{ define \"common\" }}{{ end }}\n");
        else
            sb_addf(&sb, "{{ define \"common\" }}common from %zu{{ end }}\n", i);
        for (int k = 0; k < 60; k++)
            sb_addf(&sb,
                    "line %d: {{ if .a }}{{ .b | quote }}{{ else }}{{ printf \"%%d\" %d }}"
                    "{{ end }}\n",
                    k, k);
        for (size_t b = 0; b < nbad; b++)
            if (bad[b] == i)
                sb_addf(&sb, "{{ if }}broken in %zu\n", i);
        c->text[i] = sb_detach(&sb, NULL);
        char *name = xmalloc(32);
        snprintf(name, 32, "chart/templates/f%03zu.yaml", i);
        c->f[i] = (struct tmpl_parse_file){name, c->text[i], strlen(c->text[i])};
    }
}

static void
corpus_free(struct corpus *c)
{
    for (size_t i = 0; i < NFILES; i++) {
        free(c->text[i]);
        free((char *)c->f[i].name);
    }
}

/* The corpus parsed ahead under other names ("early/NNN"), with files
 * of its own in front and behind (one of them broken). */
static struct tmpl_parse_ahead *
ahead_of(const struct corpus *c, char **names)
{
    static const char *const extra[] = {"{{ define \"extra\" }}x{{ end }}", "{{ end }}",
                                        "plain text"};
    struct tmpl_parse_file pf[NFILES + 3];
    size_t n = 0;
    pf[n++] = (struct tmpl_parse_file){"early/x0", extra[0], strlen(extra[0])};
    for (size_t i = 0; i < NFILES; i++) {
        names[i] = xmalloc(32);
        snprintf(names[i], 32, "early/%03zu", i);
        pf[n++] = (struct tmpl_parse_file){names[i], c->f[i].text, c->f[i].len};
    }
    pf[n++] = (struct tmpl_parse_file){"early/x1", extra[1], strlen(extra[1])};
    pf[n++] = (struct tmpl_parse_file){"early/x2", extra[2], strlen(extra[2])};
    return tmpl_parse_ahead_start(pf, n, TMPL_FUNCS_HELM, 8 << 20);
}

static void
check_same(const size_t *bad, size_t nbad, bool ahead)
{
    struct corpus c;
    corpus_make(&c, bad, nbad);
    struct arena *a1 = arena_new(), *a2 = arena_new();
    struct tmpl_ns ns1 = {0}, ns2 = {0};
    struct pkg_err *e1 = NULL, *e2 = NULL;
    size_t failed1 = NFILES, failed2 = NFILES;
    int rc1 = 0;
    for (size_t i = 0; i < NFILES && !rc1; i++) {
        rc1 = tmpl_parse_borrowed(&ns1, a1, TMPL_FUNCS_HELM, false, c.f[i].name, c.f[i].text,
                                  c.f[i].len, &e1);
        if (rc1)
            failed1 = i;
    }
    char *early[NFILES];
    struct tmpl_parse_ahead *pa = ahead ? ahead_of(&c, early) : NULL;
    int rc2 = tmpl_parse_borrowed_files(&ns2, a2, TMPL_FUNCS_HELM, false, c.f, NFILES, 8 << 20, pa,
                                        &failed2, &e2);
    tmpl_parse_ahead_free(pa); /* the trees taken stay, in a2 */
    for (size_t i = 0; ahead && i < NFILES; i++)
        free(early[i]);
    assert_int_equal(rc1, rc2);
    assert_int_equal(failed1, failed2);
    if (rc1) {
        assert_non_null(e1);
        assert_non_null(e2);
        assert_string_equal(e1->msg, e2->msg);
    }
    assert_int_equal(ns1.n, ns2.n);
    static const char *names[] = {"common",
                                  "own0",
                                  "own10",
                                  "chart/templates/f010.yaml",
                                  "own7",
                                  "own150",
                                  "own299",
                                  "chart/templates/f000.yaml",
                                  "chart/templates/f299.yaml"};
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        struct tmpl_tree *t1 = tmpl_ns_lookup(&ns1, names[k]);
        struct tmpl_tree *t2 = tmpl_ns_lookup(&ns2, names[k]);
        assert_true((t1 == NULL) == (t2 == NULL));
        if (t1) {
            assert_string_equal(t1->src->name, t2->src->name);
            struct sb s1 = SB_INIT, s2 = SB_INIT;
            tmpl_node_string(&s1, t1->root);
            tmpl_node_string(&s2, t2->root);
            assert_string_equal(s1.buf, s2.buf);
            sb_release(&s1);
            sb_release(&s2);
        }
    }
    pkg_err_free(e1);
    pkg_err_free(e2);
    tmpl_ns_release(&ns1);
    tmpl_ns_release(&ns2);
    arena_free(a1);
    arena_free(a2);
    corpus_free(&c);
}

static void
test_all_parse(void **state)
{
    (void)state;
    check_same(NULL, 0, false);
    check_same(NULL, 0, true);
}

static void
test_first_error_in_file_order(void **state)
{
    (void)state;
    static const size_t cases[][3] = {{0, 1, 2}, {150, 151, 299}, {299, 299, 299}, {7, 200, 201}};
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
        for (int rep = 0; rep < 5; rep++) { /* the threads race differently */
            check_same(cases[k], 3, false);
            check_same(cases[k], 3, true);
        }
}

static void
test_few_files(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct tmpl_ns ns = {0};
    size_t failed = 99;
    assert_int_equal(tmpl_parse_borrowed_files(&ns, a, TMPL_FUNCS_HELM, false, NULL, 0, 8 << 20,
                                               NULL, &failed, NULL),
                     0);
    assert_int_equal(failed, 99);
    struct tmpl_parse_file f = {"one", "{{ .x }}", 8};
    assert_int_equal(tmpl_parse_borrowed_files(&ns, a, TMPL_FUNCS_HELM, false, &f, 1, 8 << 20, NULL,
                                               &failed, NULL),
                     0);
    assert_non_null(tmpl_ns_lookup(&ns, "one"));
    tmpl_ns_release(&ns);
    arena_free(a);
}

/* Freed before anything is taken: the thread stops. */
static void
test_ahead_unused(void **state)
{
    (void)state;
    struct corpus c;
    corpus_make(&c, NULL, 0);
    char *early[NFILES];
    tmpl_parse_ahead_free(ahead_of(&c, early));
    for (size_t i = 0; i < NFILES; i++)
        free(early[i]);
    corpus_free(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_parse),
        cmocka_unit_test(test_first_error_in_file_order),
        cmocka_unit_test(test_ahead_unused),
        cmocka_unit_test(test_few_files),
    };
    return cmocka_run_group_tests_name("render/parse-files", tests, NULL, NULL);
}
