/* pkg show chart|values|readme|crds|all CHART: helm show's output (the
 * metadata re-marshaled, the raw values.yaml, the README, the CRDs). */
#include "chart/chart.h"
#include "cmd/pkg/cli.h"
#include "cmd/pkg/cmds.h"
#include "core/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *version, *repo, *jsonpath;
static bool devel;

const struct opt *
cmd_show_opts(void)
{
    static const struct opt opts[] = {
        {"version", 0, OPT_STRING, &version, "VERSION",
         "chart version constraint (for repository charts)", NULL},
        {"repo", 0, OPT_STRING, &repo, "URL", "chart repository url (not supported)", NULL},
        {"jsonpath", 0, OPT_STRING, &jsonpath, "EXPR", "not supported", NULL},
        {"devel", 0, OPT_BOOL, &devel, NULL, "use development versions, too", NULL},
        OPT_END,
    };
    return opts;
}

static int
cmd_show_inner(const struct cmd *cmd, int argc, char **argv, struct global_opts *g,
               struct strv *posp)
{
    struct strv pos = {0};
    bool help;
    int rc = cli_parse(cmd, cmd_show_opts(), argc, argv, g, &pos, &help);
    *posp = pos;
    if (rc || help)
        return rc;
    if (pos.n < 1)
        return cli_usage_error(cmd, "missing subcommand: chart, values, readme, crds or all");
    const char *what = pos.v[0];
    bool all = !strcmp(what, "all"), chart = !strcmp(what, "chart"),
         values = !strcmp(what, "values"), readme = !strcmp(what, "readme"),
         crd = !strcmp(what, "crds");
    if (!(all || chart || values || readme || crd))
        return cli_usage_error(cmd, "unknown subcommand \"%s\"", what);
    if (pos.n != 2)
        return cli_usage_error(cmd, "\"pkg show %s\" requires 1 argument, received %zu", what,
                               pos.n - 1);
    struct pkg_err *err = NULL;
    if ((repo && *repo) || (jsonpath && *jsonpath)) {
        pkg_err_set(&err, PKG_ENOTSUP, "%s is not supported",
                    repo && *repo ? "--repo" : "--jsonpath");
        return cli_fail(err);
    }
    struct arena *a = arena_new();
    struct chart *c;
    rc = chart_load(&c, a, pos.v[1], NULL, &err);
    if (rc) {
        arena_free(a);
        return cli_fail(err);
    }
    struct sb out = SB_INIT;
    enum chart_show_what w = all      ? CHART_SHOW_ALL
                             : chart  ? CHART_SHOW_CHART
                             : values ? CHART_SHOW_VALUES
                             : readme ? CHART_SHOW_README
                                      : CHART_SHOW_CRDS;
    rc = chart_show(&out, a, c, w, &err);
    chart_release(c);
    arena_free(a);
    if (rc) {
        sb_release(&out);
        return cli_fail(err);
    }
    fwrite(out.buf, 1, out.len, stdout);
    sb_release(&out);
    return EXIT_OK;
}

int
cmd_show(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    int rc = cmd_show_inner(cmd, argc, argv, g, &pos);
    free(pos.v);
    return rc;
}
