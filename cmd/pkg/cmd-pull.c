/* pkg pull: download a chart from a configured repository (REPO/CHART) or
 * a URL, checking the archive's SHA-256 against the repository index;
 * optionally verify its provenance and unpack it. */
#include "cmd/pkg/cli.h"
#include "cmd/pkg/cmds.h"
#include "cmd/pkg/repo-cli.h"
#include "core/core.h"
#include "repo-index/repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
    const char *version, *dest, *untardir, *keyring, *repo, *username, *password, *ca, *cert, *key;
    bool untar, verify, prov, insecure, devel, pass_all;
} po = {.dest = "."};

const struct opt *
cmd_pull_opts(void)
{
    static const struct opt opts[] = {
        {"version", 0, OPT_STRING, &po.version, "CONSTRAINT",
         "specify a version constraint for the chart version to use", NULL},
        {"devel", 0, OPT_BOOL, &po.devel, NULL,
         "use development versions, too (equivalent to version '>0.0.0-0')", NULL},
        {"destination", 'd', OPT_STRING, &po.dest, "DIR",
         "location to write the chart (default \".\")", NULL},
        {"untar", 0, OPT_BOOL, &po.untar, NULL, "unpack the chart after downloading it", NULL},
        {"untardir", 0, OPT_STRING, &po.untardir, "DIR",
         "with --untar, the directory (under --destination) to unpack into (default \".\")", NULL},
        {"verify", 0, OPT_BOOL, &po.verify, NULL, "verify the package before using it", NULL},
        {"prov", 0, OPT_BOOL, &po.prov, NULL, "fetch the provenance file, but don't verify it",
         NULL},
        {"keyring", 0, OPT_STRING, &po.keyring, "FILE",
         "location of public keys used for verification (default ~/.gnupg/pubring.gpg)", NULL},
        {"repo", 0, OPT_STRING, &po.repo, "URL", "chart repository url where to locate the chart",
         NULL},
        {"username", 0, OPT_STRING, &po.username, "USER", "chart repository username", NULL},
        {"password", 0, OPT_STRING, &po.password, "PASS", "chart repository password", NULL},
        {"ca-file", 0, OPT_STRING, &po.ca, "FILE", "verify certificates using this CA bundle",
         NULL},
        {"cert-file", 0, OPT_STRING, &po.cert, "FILE", "client certificate", NULL},
        {"key-file", 0, OPT_STRING, &po.key, "FILE", "client key", NULL},
        {"insecure-skip-tls-verify", 0, OPT_BOOL, &po.insecure, NULL,
         "skip tls certificate checks for the chart download", NULL},
        {"pass-credentials", 0, OPT_BOOL, &po.pass_all, NULL, "pass credentials to all domains",
         NULL},
        OPT_END,
    };
    return opts;
}

char *
repo_cli_default_keyring(void)
{
    const char *gh = getenv("GNUPGHOME");
    if (gh && *gh)
        return xasprintf("%s/pubring.gpg", gh);
    const char *h = getenv("HOME");
    return xasprintf("%s/.gnupg/pubring.gpg", h ? h : "");
}

int
cmd_pull(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    bool help;
    int rc = cli_parse(cmd, cmd_pull_opts(), argc, argv, g, &pos, &help);
    cleanup_free const char **pos_owned = pos.v;
    if (rc || help)
        return rc;
    if (pos.n != 1)
        return cli_usage_error(cmd, "\"pkg pull\" requires 1 argument");
    const char *ref = pos.v[0];
    const char *version = po.version;
    if ((!version || !*version) && po.devel)
        version = ">0.0.0-0";
    struct pkg_err *err = NULL;
    struct repo_config cfg;
    if (repo_config_load(&cfg, &err) < 0)
        return cli_fail(err);
    struct repo_resolved r;
    if (po.repo) {
        /* --repo URL: a one-off repository, not added to the configuration. */
        struct repo_entry_cfg creds = {
            .username = (char *)(po.username ? po.username : ""),
            .password = (char *)(po.password ? po.password : ""),
            .ca_file = (char *)(po.ca ? po.ca : ""),
            .cert_file = (char *)(po.cert ? po.cert : ""),
            .key_file = (char *)(po.key ? po.key : ""),
            .insecure_skip_tls_verify = po.insecure,
            .pass_credentials_all = po.pass_all,
        };
        rc = repo_resolve_in_url(&r, po.repo, &creds, ref, version, &repo_cli_warner, &err);
    } else {
        rc = repo_resolve(&r, &cfg, ref, version, &repo_cli_warner, &err);
    }
    char *path = NULL;
    if (rc == 0)
        rc = repo_download(&path, &r, po.dest, isatty(2), &err);
    if (rc == 0 && (po.verify || po.prov)) {
        char *prov_url = xasprintf("%s.prov", r.url);
        char *prov_path = xasprintf("%s.prov", path);
        struct repo_fetch_opts o = {0};
        if (r.repo)
            repo_fetch_opts_from_cfg(&o, r.repo);
        o.max_bytes = 1 << 20;
        struct repo_fetch_result fr;
        rc = repo_fetch_file(&fr, prov_url, prov_path, NULL, &o, &err);
        repo_fetch_result_release(&fr);
        if (rc)
            pkg_err_wrap(&err, "failed to fetch provenance \"%s\"", prov_url);
        if (rc == 0 && po.verify) {
            char *kr = po.keyring ? xstrdup(po.keyring) : repo_cli_default_keyring();
            struct repo_prov_result pr;
            rc = repo_prov_verify(&pr, path, prov_path, kr, &err);
            free(kr);
            if (rc == 0)
                printf("Signed by: %s\nUsing Key With Fingerprint: %s\nChart Hash Verified: %s\n",
                       pr.signer, pr.fingerprint, pr.file_hash);
            else
                unlink(path);
        }
        free(prov_url);
        free(prov_path);
    }
    if (rc == 0 && po.untar) {
        char *dir = po.untardir ? xasprintf("%s/%s", po.dest, po.untardir) : xstrdup(po.dest);
        rc = repo_untar(path, dir, &err);
        if (rc == 0)
            unlink(path);
        free(dir);
    }
    free(path);
    repo_resolved_release(&r);
    repo_config_release(&cfg);
    return rc ? cli_fail(err) : EXIT_OK;
}
