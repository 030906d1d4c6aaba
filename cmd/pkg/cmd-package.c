/* pkg package CHART... [-d DIR] [--version V] [--app-version V]: helm
 * package's command line; archives are deterministic (chart/package.c). */
#include "chart/chart.h"
#include "cmd/pkg/cli.h"
#include "cmd/pkg/cmds.h"
#include "cmd/pkg/repo-cli.h"
#include "core/core.h"
#include "repo-index/repo.h"

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
        {"sign", 0, OPT_BOOL, &sign, NULL, "use a PGP private key to sign this package", NULL},
        {"key", 0, OPT_STRING, &key, "NAME", "name of the key to use when signing", NULL},
        {"keyring", 0, OPT_STRING, &keyring, "FILE",
         "location of a keyring with the secret key (default ~/.gnupg/secring.gpg)", NULL},
        {"passphrase-file", 0, OPT_STRING, &passphrase_file, "FILE",
         "location of a file which contains the passphrase for the signing key (\"-\": stdin)",
         NULL},
        OPT_END,
    };
    return opts;
}

static void
print_line(void *payload, const char *line)
{
    (void)payload;
    printf("%s\n", line);
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
    if (sign && (!key || !*key)) {
        pkg_err_set(&err, PKG_EUSAGE, "--key is required for signing a package");
        return cli_fail(err);
    }
    for (size_t i = 0; i < pos.n; i++) {
        struct stat st;
        if (stat(pos.v[i], &st) < 0) {
            pkg_err_sys(&err, "stat %s", pos.v[i]);
            return cli_fail(err);
        }
        if (dependency_update) {
            /* repo-index's `dependency update` (helm package -u). */
            struct repo_dep_opts dopts = {.warn = repo_cli_warner, .out = print_line};
            if (repo_dep_update(pos.v[i], &dopts, &err) < 0)
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
        if (sign && repo_cli_sign(path, key, keyring, passphrase_file) != EXIT_OK) {
            arena_free(a);
            return EXIT_ERR;
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
