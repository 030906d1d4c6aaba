/* Data-driven tests of the template engine: every case of
 * testdata/render/NAME.test is rendered with Helm's engine (tmpl_helm_render)
 * and its output or error compared byte for byte. The expectations were
 * recorded from helm v3.17.1 (testdata/render/helm-check.py re-checks them
 * against a real helm).
 *
 * File format, one case after another:
 *
 *     === NAME                 starts a case
 *     --- values               YAML for .Values (optional)
 *     --- template [FILE]      a template file (first one is rendered;
 *                              FILE defaults to main.yaml, others are parsed)
 *     --- output               the expected output (final newline dropped;
 *                              end with an empty line to expect one)
 *     --- error                or the expected error message
 *
 * Lines starting with "#" before the first case are comments. */
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
#include "render/render.h"

#define MAX_FILES 16

struct tcase {
    char *name;
    char *where; /* file:line */
    char *values;
    char *tnames[MAX_FILES];
    char *texts[MAX_FILES];
    size_t ntexts;
    char *output; /* NULL when an error is expected */
    char *error;
};

static struct tcase *cases;
static size_t ncases, capcases;

static char *
dup_section(const char *start, const char *end)
{
    size_t n = (size_t)(end - start);
    if (n > 0 && start[n - 1] == '\n')
        n--;
    char *s = malloc(n + 1);
    memcpy(s, start, n);
    s[n] = 0;
    return s;
}

static void
load_file(const char *path)
{
    struct sb sb = SB_INIT;
    struct pkg_err *err = NULL;
    if (sb_read_file(&sb, path, 0, &err) < 0) {
        fprintf(stderr, "%s\n", err->msg);
        exit(1);
    }
    const char *p = sb.buf, *end = sb.buf + sb.len;
    struct tcase *c = NULL;
    char **target = NULL;
    const char *sec_start = NULL;
    int line = 1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        bool is_case = le - p >= 4 && !memcmp(p, "=== ", 4);
        bool is_sec = le - p >= 4 && !memcmp(p, "--- ", 4) && c;
        if (is_case || is_sec) {
            if (target && sec_start)
                *target = dup_section(sec_start, p);
            target = NULL;
            sec_start = NULL;
        }
        if (is_case) {
            if (ncases == capcases) {
                capcases = capcases ? capcases * 2 : 64;
                cases = realloc(cases, capcases * sizeof(*cases));
            }
            c = &cases[ncases++];
            memset(c, 0, sizeof(*c));
            c->name = strndup(p + 4, (size_t)(le - p - 4));
            char w[2048];
            snprintf(w, sizeof(w), "%s:%d", path, line);
            c->where = strdup(w);
        } else if (is_sec) {
            const char *kw = p + 4;
            size_t kl = (size_t)(le - kw);
            if (kl >= 6 && !memcmp(kw, "values", 6)) {
                target = &c->values;
            } else if (kl >= 8 && !memcmp(kw, "template", 8)) {
                const char *fn = kw + 8;
                while (fn < le && *fn == ' ')
                    fn++;
                c->tnames[c->ntexts] =
                    fn < le ? strndup(fn, (size_t)(le - fn)) : strdup("main.yaml");
                target = &c->texts[c->ntexts++];
            } else if (kl >= 6 && !memcmp(kw, "output", 6)) {
                target = &c->output;
            } else if (kl >= 5 && !memcmp(kw, "error", 5)) {
                target = &c->error;
            } else {
                fprintf(stderr, "%s:%d: unknown section\n", path, line);
                exit(1);
            }
            sec_start = nl ? nl + 1 : end;
        }
        p = nl ? nl + 1 : end;
        line++;
    }
    if (target && sec_start)
        *target = dup_section(sec_start, end);
    sb_release(&sb);
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
load_all(void)
{
    const char *dir = "testdata/render";
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        exit(1);
    }
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        size_t l = strlen(e->d_name);
        if (l > 5 && !strcmp(e->d_name + l - 5, ".test"))
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        load_file(path);
        free(names[i]);
    }
}

/* two_step: through tmpl_helm_parse_start and tmpl_helm_render_parsed,
 * with the data set only after parsing started, which must give
 * tmpl_helm_render's results. */
static void
check_case(const struct tcase *c, bool two_step)
{
    struct arena *a = arena_new();
    struct val *values = val_map(a);
    if (c->values) {
        struct val_yaml_opts o = {.dialect = VAL_YAML_HELM, .json_compat = true};
        struct pkg_err *err = NULL;
        struct val *v = NULL;
        if (val_yaml_load(&v, a, c->values, strlen(c->values), "values.yaml", &o, &err) < 0)
            fail_msg("%s: values: %s", c->where, err->msg);
        if (v && v->kind == VAL_MAP)
            values = v;
    }
    values->gotype = VAL_GO_VALUES;
    struct val *data = val_map(a);
    data->gotype = VAL_GO_VALUES; /* Helm's top-level data is a chartutil.Values */
    val_map_setz(a, data, "Values", values);
    struct val *rel = val_map(a);
    val_map_setz(a, rel, "Name", val_strz(a, "x"));
    val_map_setz(a, rel, "Namespace", val_strz(a, "default"));
    val_map_setz(a, rel, "IsUpgrade", val_bool(a, false));
    val_map_setz(a, rel, "IsInstall", val_bool(a, true));
    val_map_setz(a, rel, "Revision", val_int(a, 1));
    val_map_setz(a, rel, "Service", val_strz(a, "Helm"));
    val_map_setz(a, data, "Release", rel);

    struct tmpl_helm_file files[MAX_FILES];
    memset(files, 0, sizeof(files));
    for (size_t i = 0; i < c->ntexts; i++) {
        files[i].name = arena_sprintf(a, "t/templates/%s", c->tnames[i]);
        files[i].text = c->texts[i] ? c->texts[i] : "";
        files[i].len = strlen(files[i].text);
        files[i].data = two_step ? NULL : data;
        files[i].base_path = "t/templates";
        files[i].render = i == 0;
    }
    struct pkg_err *err = NULL;
    int rc;
    if (two_step) {
        struct tmpl_helm_parse *p = tmpl_helm_parse_start(files, c->ntexts, NULL);
        for (size_t i = 0; i < c->ntexts; i++)
            files[i].data = data;
        rc = tmpl_helm_render_parsed(p, files, c->ntexts, a, &err);
    } else {
        rc = tmpl_helm_render(files, c->ntexts, NULL, a, &err);
    }
    if (c->error) {
        if (rc == 0)
            fail_msg("%s: %s: expected error\n  %s\ngot output\n  %.*s", c->where, c->name,
                     c->error, (int)files[0].out_len, files[0].out);
        if (strcmp(err->msg, c->error) != 0)
            fail_msg("%s: %s: error differs\nwant: %s\ngot:  %s", c->where, c->name, c->error,
                     err->msg);
        pkg_err_free(err);
    } else {
        if (rc != 0)
            fail_msg("%s: %s: unexpected error: %s", c->where, c->name, err->msg);
        const char *want = c->output ? c->output : "";
        if (files[0].out_len != strlen(want) || memcmp(files[0].out, want, files[0].out_len))
            fail_msg("%s: %s: output differs\n--- want\n%s\n--- got\n%.*s\n---", c->where, c->name,
                     want, (int)files[0].out_len, files[0].out);
    }
    arena_free(a);
}

static void
run_case(void **state)
{
    const struct tcase *c = *state;
    check_case(c, false);
    check_case(c, true);
}

int
main(void)
{
    /* The expectations were recorded with TZ=UTC (helm-check.py runs helm
     * so): pin it, as the date functions read time.Local from $TZ. */
    setenv("TZ", "UTC", 1);
    load_all();
    struct CMUnitTest *tests = calloc(ncases + 1, sizeof(*tests));
    for (size_t i = 0; i < ncases; i++) {
        tests[i].name = cases[i].name;
        tests[i].test_func = run_case;
        tests[i].initial_state = &cases[i];
    }
    return _cmocka_run_group_tests("render-exec", tests, ncases, NULL, NULL);
}
