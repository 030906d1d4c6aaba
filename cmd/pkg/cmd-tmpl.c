/* pkg tmpl exec: render template files with Helm's engine (developer tool
 * for render/, hidden from `pkg --help`). The first FILE is rendered; the
 * others are parsed too, so their {{define}}s can be included. Data:
 * .Values from --values files (merged in order), .Release as `helm
 * template` sets it for release "release-name". */
#include "cmd/pkg/cli.h"
#include "cmd/pkg/cmds.h"
#include "core/core.h"
#include "render/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct strv values_files;
static const char *chart_name = "chart";
static bool skip_func_check;

const struct opt *
cmd_tmpl_opts(void)
{
    static const struct opt opts[] = {
        {"values", 'f', OPT_STRINGS, &values_files, "FILE",
         "values YAML for .Values (repeatable, merged in order)", NULL},
        {"chart-name", 0, OPT_STRING, &chart_name, "NAME",
         "name prefix of the template files (default \"chart\")", NULL},
        {"skip-func-check", 0, OPT_BOOL, &skip_func_check, NULL,
         "parse: accept unknown function names (Go's SkipFuncCheck)", NULL},
        OPT_END,
    };
    return opts;
}

static int
load_values(struct arena *a, struct val *values, struct pkg_err **errp)
{
    for (size_t i = 0; i < values_files.n; i++) {
        struct val_yaml_opts o = {.dialect = VAL_YAML_HELM, .json_compat = true};
        struct val *docs = NULL;
        int rc = val_yaml_load_file(&docs, a, values_files.v[i], &o, errp);
        if (rc)
            return rc;
        struct val *doc = val_seq_len(docs) ? val_seq_at(docs, 0) : NULL;
        if (!doc || doc->kind == VAL_NULL)
            continue;
        if (doc->kind != VAL_MAP)
            return pkg_err_set(errp, PKG_EINVAL, "%s: values must be a map", values_files.v[i]);
        val_merge(a, values, doc);
    }
    return 0;
}

/* pkg tmpl parse FILE...: parses every file into one set, as Helm does,
 * and reports the first error. */
static int
tmpl_parse_files(struct strv *pos)
{
    struct tmpl_set_opts o = {.funcs = TMPL_FUNCS_HELM, .skip_func_check = skip_func_check};
    struct tmpl_set *set = tmpl_set_new(&o);
    struct pkg_err *err = NULL;
    int rc = 0;
    for (size_t i = 1; i < pos->n && rc == 0; i++) {
        struct sb text = SB_INIT;
        rc = sb_read_file(&text, pos->v[i], 64u << 20, &err);
        if (rc == 0)
            rc = tmpl_set_parse(set, pos->v[i], text.buf, text.len, &err);
        sb_release(&text);
    }
    tmpl_set_free(set);
    free(pos->v);
    return rc ? cli_fail(err) : EXIT_OK;
}

int
cmd_tmpl(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    bool help;
    int rc = cli_parse(cmd, cmd_tmpl_opts(), argc, argv, g, &pos, &help);
    if (rc || help)
        return rc;
    if (pos.n >= 1 && !strcmp(pos.v[0], "parse"))
        return tmpl_parse_files(&pos);
    if (pos.n < 1 || strcmp(pos.v[0], "exec") != 0)
        return cli_usage_error(cmd, pos.n ? "unknown subcommand \"%s\"" : "missing subcommand%s",
                               pos.n ? pos.v[0] : "");
    if (pos.n < 2)
        return cli_usage_error(cmd, "no template files");
    struct arena *a = arena_new();
    struct pkg_err *err = NULL;
    size_t n = pos.n - 1;
    struct tmpl_helm_file *files = calloc(n, sizeof(*files));
    struct sb *texts = calloc(n, sizeof(*texts));
    struct val *values = val_map(a);
    values->gotype = VAL_GO_VALUES;
    struct val *data = val_map(a);
    data->gotype = VAL_GO_VALUES; /* Helm's top-level data is a chartutil.Values */
    struct val *rel = val_map(a);
    val_map_setz(a, rel, "Name", val_strz(a, "release-name"));
    val_map_setz(a, rel, "Namespace", val_strz(a, g->ns ? g->ns : "default"));
    val_map_setz(a, rel, "Revision", val_int(a, 1));
    val_map_setz(a, rel, "IsUpgrade", val_bool(a, false));
    val_map_setz(a, rel, "IsInstall", val_bool(a, true));
    val_map_setz(a, rel, "Service", val_strz(a, "Helm"));
    val_map_setz(a, data, "Release", rel);
    val_map_setz(a, data, "Values", values);
    rc = load_values(a, values, &err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *path = pos.v[i + 1];
        sb_init(&texts[i]);
        rc = sb_read_file(&texts[i], path, 64u << 20, &err);
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        files[i].name = arena_sprintf(a, "%s/templates/%s", chart_name, base);
        files[i].text = texts[i].buf;
        files[i].len = texts[i].len;
        files[i].data = data;
        files[i].base_path = arena_sprintf(a, "%s/templates", chart_name);
        files[i].render = i == 0;
    }
    if (rc == 0)
        rc = tmpl_helm_render(files, n, NULL, a, &err);
    if (rc == 0)
        fwrite(files[0].out, 1, files[0].out_len, stdout);
    for (size_t i = 0; i < n; i++)
        sb_release(&texts[i]);
    free(texts);
    free(files);
    free(pos.v);
    arena_free(a);
    return rc ? cli_fail(err) : EXIT_OK;
}
