/* pkg search repo: search the cached indexes of the configured
 * repositories, with helm's scoring, ordering, constraint filter and table
 * layout. */
#include "cmd/pkg/cli.h"
#include "cmd/pkg/cmds.h"
#include "cmd/pkg/repo-cli.h"
#include "core/core.h"
#include "repo-index/repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
    bool regexp, versions, devel, fail_on_none;
    const char *version, *output;
    long max_col_width;
} so = {.max_col_width = 50};

const struct opt *
cmd_search_opts(void)
{
    static const struct opt opts[] = {
        {"regexp", 'r', OPT_BOOL, &so.regexp, NULL,
         "use regular expressions for searching repositories you have added", NULL},
        {"versions", 'l', OPT_BOOL, &so.versions, NULL,
         "show the long listing, with each version of each chart on its own line", NULL},
        {"devel", 0, OPT_BOOL, &so.devel, NULL,
         "use development versions (alpha, beta, and release candidate releases), too. "
         "Equivalent to version '>0.0.0-0'. If --version is set, this is ignored",
         NULL},
        {"version", 0, OPT_STRING, &so.version, "CONSTRAINT",
         "search using semantic versioning constraints on repositories you have added", NULL},
        {"max-col-width", 0, OPT_INT, &so.max_col_width, "N",
         "maximum column width for output table (default 50)", NULL},
        {"fail-on-no-result", 0, OPT_BOOL, &so.fail_on_none, NULL,
         "search fails if no results are found", NULL},
        {"output", 'o', OPT_STRING, &so.output, "FORMAT",
         "prints the output in the specified format. Allowed values: table, json, yaml", NULL},
        OPT_END,
    };
    return opts;
}

int
cmd_search(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    bool help;
    int rc = cli_parse(cmd, cmd_search_opts(), argc, argv, g, &pos, &help);
    cleanup_free const char **pos_owned = pos.v;
    if (rc || help)
        return rc;
    if (pos.n < 1 || strcmp(pos.v[0], "repo"))
        return cli_usage_error(cmd,
                               pos.n ? "unknown search source \"%s\" (only \"repo\")"
                                     : "missing subcommand: pkg search repo [KEYWORD]%s",
                               pos.n ? pos.v[0] : "");
    int fmt;
    if ((rc = repo_cli_output_format(cmd, so.output, &fmt)))
        return rc;
    if (so.max_col_width < 0)
        return cli_usage_error(cmd, "--max-col-width must not be negative");
    struct sb term = SB_INIT;
    for (size_t i = 1; i < pos.n; i++) {
        if (i > 1)
            sb_addch(&term, ' ');
        sb_addstr(&term, pos.v[i]);
    }
    struct repo_config cfg;
    struct pkg_err *err = NULL;
    if (repo_config_load(&cfg, &err) < 0)
        return cli_fail(err);
    struct repo_search s;
    struct repo_search_opts o = {
        .term = term.buf,
        .regexp = so.regexp,
        .versions = so.versions,
        .version = so.version,
        .devel = so.devel,
    };
    rc = repo_search_run(&s, &cfg, &o, &repo_cli_warner, &err);
    repo_config_release(&cfg);
    sb_release(&term);
    if (rc) {
        repo_search_release(&s);
        return cli_fail(err);
    }
    if (s.nhits == 0 && so.fail_on_none) {
        repo_search_release(&s);
        return repo_cli_failf("no results found");
    }
    if (fmt == 0) {
        if (s.nhits == 0) {
            printf("No results found\n");
        } else {
            const char **cells = calloc(4 * (s.nhits + 1), sizeof(char *));
            cells[0] = "NAME";
            cells[1] = "CHART VERSION";
            cells[2] = "APP VERSION";
            cells[3] = "DESCRIPTION";
            for (size_t i = 0; i < s.nhits; i++) {
                const struct repo_entry *e = s.hits[i].e;
                cells[4 * (i + 1)] = s.hits[i].name;
                cells[4 * (i + 1) + 1] = e->version;
                cells[4 * (i + 1) + 2] = val_cstr(val_map_getz(e->md, "appVersion"));
                cells[4 * (i + 1) + 3] = val_cstr(val_map_getz(e->md, "description"));
            }
            struct sb out = SB_INIT;
            repo_table(&out, cells, s.nhits + 1, 4, (size_t)so.max_col_width);
            fwrite(out.buf, 1, out.len, stdout);
            sb_release(&out);
            free(cells);
        }
    } else {
        struct arena *a = arena_new();
        struct val *list = val_seq(a);
        for (size_t i = 0; i < s.nhits; i++) {
            const struct repo_entry *e = s.hits[i].e;
            const char *app = val_cstr(val_map_getz(e->md, "appVersion"));
            const char *desc = val_cstr(val_map_getz(e->md, "description"));
            struct val *m = val_map(a);
            val_map_setz(a, m, "name", val_strz(a, s.hits[i].name));
            val_map_setz(a, m, "version", val_strz(a, e->version));
            val_map_setz(a, m, "app_version", val_strz(a, app ? app : ""));
            val_map_setz(a, m, "description", val_strz(a, desc ? desc : ""));
            val_seq_push(a, list, m);
        }
        rc = repo_cli_print_val(list, fmt);
        arena_free(a);
    }
    repo_search_release(&s);
    return rc;
}
