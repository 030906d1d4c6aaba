/* pkg package CHART... [-d DIR] [--version V] [--app-version V]: helm
 * package's command line; archives are deterministic (chart/package.c). */
#include "chart/chart.h"
#include "cmd/pkg/cli.h"
#include "cmd/pkg/cmds.h"
#include "core/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *dest = ".", *version, *app_version, *key, *keyring, *passphrase_file;
static bool sign, dependency_update;

const struct opt *
cmd_package_opts(void)
{
    static const struct opt opts[] = {
        {"destination", 'd', OPT_STRING, &dest, "DIR",
         "location to write the chart (default \".\")", NULL},
        {"version", 0, OPT_STRING, &version, "VERSION",
         "set the version on the chart to this semver version", NULL},
        {"app-version", 0, OPT_STRING, &app_version, "VERSION",
         "set the appVersion on the chart to this version", NULL},
        {"dependency-update", 'u', OPT_BOOL, &dependency_update, NULL,
         "update dependencies before packaging (not supported: no repositories)", NULL},
        {"sign", 0, OPT_BOOL, &sign, NULL, "sign the package (not supported)", NULL},
        {"key", 0, OPT_STRING, &key, "NAME", "accepted for compatibility", NULL},
        {"keyring", 0, OPT_STRING, &keyring, "FILE", "accepted for compatibility", NULL},
        {"passphrase-file", 0, OPT_STRING, &passphrase_file, "FILE", "accepted for compatibility",
         NULL},
        OPT_END,
    };
    return opts;
}

static int
cmd_package_inner(const struct cmd *cmd, int argc, char **argv, struct global_opts *g,
                  struct strv *posp)
{
    struct strv pos = {0};
    bool help;
    int rc = cli_parse(cmd, cmd_package_opts(), argc, argv, g, &pos, &help);
    *posp = pos;
    if (rc || help)
        return rc;
    struct pkg_err *err = NULL;
    if (pos.n == 0) {
        pkg_err_set(&err, PKG_EUSAGE, "need at least one argument, the path to the chart");
        return cli_fail(err);
    }
    if (sign) {
        pkg_err_set(&err, PKG_ENOTSUP, "--sign is not supported");
        return cli_fail(err);
    }
    if (dependency_update) {
        pkg_err_set(&err, PKG_ENOTSUP,
                    "--dependency-update is not supported: vendor dependencies under charts/");
        return cli_fail(err);
    }
    for (size_t i = 0; i < pos.n; i++) {
        struct stat st;
        if (stat(pos.v[i], &st) < 0) {
            pkg_err_sys(&err, "stat %s", pos.v[i]);
            return cli_fail(err);
        }
        struct arena *a = arena_new();
        const char *path;
        struct chart_package_opts po = {
            .dest_dir = dest, .version = version, .app_version = app_version};
        rc = chart_package(&path, a, pos.v[i], &po, &err);
        if (rc) {
            arena_free(a);
            return cli_fail(err);
        }
        printf("Successfully packaged chart and saved it to: %s\n", path);
        arena_free(a);
    }
    return EXIT_OK;
}

int
cmd_package(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    int rc = cmd_package_inner(cmd, argc, argv, g, &pos);
    free(pos.v);
    return rc;
}
