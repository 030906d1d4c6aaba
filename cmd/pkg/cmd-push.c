/* pkg push CHART.tgz URL|REPO: upload a chart archive (and its .prov when
 * there is one) to a chart repository that accepts uploads the way
 * ChartMuseum does: POST /api/charts with a multipart form, or PUT
 * /api/charts/NAME.tgz with --put. `pkg repo serve` accepts both. */
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
    const char *username, *password, *ca, *cert, *key, *context_path;
    bool insecure, put, force;
} pu;

const struct opt *
cmd_push_opts(void)
{
    static const struct opt opts[] = {
        {"username", 'u', OPT_STRING, &pu.username, "USER", "repository username", NULL},
        {"password", 'p', OPT_STRING, &pu.password, "PASS", "repository password", NULL},
        {"ca-file", 0, OPT_STRING, &pu.ca, "FILE", "verify the server with this CA bundle", NULL},
        {"cert-file", 0, OPT_STRING, &pu.cert, "FILE", "client certificate", NULL},
        {"key-file", 0, OPT_STRING, &pu.key, "FILE", "client key", NULL},
        {"insecure-skip-tls-verify", 0, OPT_BOOL, &pu.insecure, NULL, "skip tls certificate checks",
         NULL},
        {"put", 0, OPT_BOOL, &pu.put, NULL, "PUT the archive to /api/charts/NAME.tgz instead",
         NULL},
        {"force", 'f', OPT_BOOL, &pu.force, NULL, "replace a chart version that exists", NULL},
        {"context-path", 0, OPT_STRING, &pu.context_path, "PATH",
         "API prefix on the server (default /api)", NULL},
        OPT_END,
    };
    return opts;
}

int
cmd_push(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    bool help;
    int rc = cli_parse(cmd, cmd_push_opts(), argc, argv, g, &pos, &help);
    cleanup_free const char **pos_owned = pos.v;
    if (rc || help)
        return rc;
    if (pos.n != 2)
        return cli_usage_error(cmd, "\"pkg push\" requires 2 arguments");
    const char *chart = pos.v[0], *target = pos.v[1];
    if (!fs_exists(chart) || fs_is_dir(chart))
        return repo_cli_failf("%s: not a chart archive (package it first with pkg package)", chart);
    struct pkg_err *err = NULL;
    struct repo_config cfg;
    if (repo_config_load(&cfg, &err) < 0)
        return cli_fail(err);
    struct repo_fetch_opts o = {0};
    const char *base = target;
    struct repo_entry_cfg *e = strstr(target, "://") ? NULL : repo_config_get(&cfg, target);
    if (e) {
        repo_fetch_opts_from_cfg(&o, e);
        base = e->url;
    } else if (!strstr(target, "://")) {
        repo_config_release(&cfg);
        return repo_cli_failf("\"%s\" is neither a URL nor a configured repository", target);
    }
    if (pu.username)
        o.username = pu.username;
    if (pu.password)
        o.password = pu.password;
    if (pu.ca)
        o.ca_file = pu.ca;
    if (pu.cert)
        o.cert_file = pu.cert;
    if (pu.key)
        o.key_file = pu.key;
    if (pu.insecure)
        o.insecure_skip_tls_verify = true;
    o.auth_url = NULL; /* the upload goes to the host named; send credentials */
    o.progress = isatty(2);
    const char *api = pu.context_path ? pu.context_path : "/api";
    const char *slash = strrchr(chart, '/');
    const char *fname = slash ? slash + 1 : chart;
    char *rel = pu.put ? xasprintf("%s/charts/%s", api, fname) : xasprintf("%s/charts", api);
    char *url = repo_url_join(base, rel);
    if (pu.force) {
        char *u2 = xasprintf("%s%cforce=true", url, strchr(url, '?') ? '&' : '?');
        free(url);
        url = u2;
    }
    struct sb resp = SB_INIT;
    long status = 0;
    char *prov = xasprintf("%s.prov", chart);
    bool has_prov = fs_exists(prov);
    rc = repo_upload(&resp, &status, url, chart, has_prov && !pu.put ? prov : NULL, !pu.put, &o,
                     &err);
    if (rc == 0 && has_prov && pu.put) {
        /* With PUT the provenance file goes up on its own. */
        char *base_url = repo_url_join(base, api);
        char *purl =
            xasprintf("%s/charts/%s.prov%s", base_url, fname, pu.force ? "?force=true" : "");
        struct sb r2 = SB_INIT;
        long s2;
        rc = repo_upload(&r2, &s2, purl, prov, NULL, false, &o, &err);
        sb_release(&r2);
        free(purl);
        free(base_url);
    }
    free(prov);
    if (rc == 0)
        printf("Pushed %s to %s\n", fname, base);
    else if (status == 409)
        pkg_err_wrap(&err, "%s already exists (use --force to replace it)", fname);
    sb_release(&resp);
    free(url);
    free(rel);
    repo_config_release(&cfg);
    return rc ? cli_fail(err) : EXIT_OK;
}
