/* pkg dependency update|build|list CHART: chart dependencies from
 * repositories into CHART/charts, with a Chart.lock like helm's. */
#include "cmd/pkg/cli.h"
#include "cmd/pkg/cmds.h"
#include "cmd/pkg/repo-cli.h"
#include "core/core.h"
#include "repo-index/repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
    bool skip_refresh, verify;
    const char *keyring;
    long max_col_width;
} dopt = {.max_col_width = 80};

const struct opt *
cmd_dependency_opts(void)
{
    static const struct opt opts[] = {
        {"skip-refresh", 0, OPT_BOOL, &dopt.skip_refresh, NULL,
         "update, build: do not refresh the local repository cache", NULL},
        {"verify", 0, OPT_BOOL, &dopt.verify, NULL,
         "update, build: verify the packages against signatures", NULL},
        {"keyring", 0, OPT_STRING, &dopt.keyring, "FILE",
         "keyring containing public keys (default ~/.gnupg/pubring.gpg)", NULL},
        {"max-col-width", 0, OPT_INT, &dopt.max_col_width, "N",
         "list: maximum column width for output table (default 80)", NULL},
        OPT_END,
    };
    return opts;
}

static void
out_line(void *payload, const char *line)
{
    (void)payload;
    printf("%s\n", line);
    fflush(stdout);
}

static int
dep_list(const char *dir)
{
    struct repo_dep_status *rows;
    size_t n;
    struct pkg_err *err = NULL;
    int rc = repo_dep_list(&rows, &n, dir, &err);
    if (rc < 0)
        return cli_fail(err);
    if (rc == 1) {
        printf("WARNING: no dependencies at %s/charts\n", dir);
        return EXIT_OK;
    }
    const char **cells = calloc(4 * (n + 1), sizeof(char *));
    cells[0] = "NAME";
    cells[1] = "VERSION";
    cells[2] = "REPOSITORY";
    cells[3] = "STATUS";
    for (size_t i = 0; i < n; i++) {
        cells[4 * (i + 1)] = rows[i].name;
        cells[4 * (i + 1) + 1] = rows[i].version;
        cells[4 * (i + 1) + 2] = rows[i].repository;
        cells[4 * (i + 1) + 3] = rows[i].status;
    }
    struct sb sb = SB_INIT;
    repo_table(&sb, cells, n + 1, 4, (size_t)dopt.max_col_width);
    /* fmt.Fprintln(out, table) then fmt.Fprintln(out). */
    fwrite(sb.buf, 1, sb.len, stdout);
    putchar('\n');
    sb_release(&sb);
    free(cells);
    repo_dep_status_free(rows, n);
    return EXIT_OK;
}

int
cmd_dependency(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    bool help;
    int rc = cli_parse(cmd, cmd_dependency_opts(), argc, argv, g, &pos, &help);
    cleanup_free const char **pos_owned = pos.v;
    if (rc || help)
        return rc;
    if (pos.n < 1)
        return cli_usage_error(cmd, "missing subcommand (update, build, list)");
    const char *sub = pos.v[0];
    if (pos.n > 2)
        return cli_usage_error(cmd, "accepts at most 1 chart argument");
    const char *dir = pos.n == 2 ? pos.v[1] : ".";
    if (dopt.max_col_width < 0)
        return cli_usage_error(cmd, "--max-col-width must not be negative");
    char *kr = dopt.keyring ? xstrdup(dopt.keyring) : repo_cli_default_keyring();
    struct repo_dep_opts o = {
        .skip_refresh = dopt.skip_refresh,
        .verify = dopt.verify,
        .keyring = kr,
        .warn = repo_cli_warner,
        .out = out_line,
    };
    struct pkg_err *err = NULL;
    if (!strcmp(sub, "update") || !strcmp(sub, "up")) {
        rc = repo_dep_update(dir, &o, &err) ? cli_fail(err) : EXIT_OK;
    } else if (!strcmp(sub, "build")) {
        rc = repo_dep_build(dir, &o, &err) ? cli_fail(err) : EXIT_OK;
    } else if (!strcmp(sub, "list") || !strcmp(sub, "ls")) {
        rc = dep_list(dir);
    } else {
        rc = cli_usage_error(cmd, "unknown subcommand \"%s\" (update, build, list)", sub);
    }
    free(kr);
    return rc;
}
