/* pkg template [NAME] CHART [flags]: helm template's command line (the
 * flags of helm v3.17's `template`, values flags in Helm's order of
 * application), printing what helm prints. Also the chart half of
 * `pkg render` (cmd_template_render_chart). */
#include "chart/chart.h"
#include "cmd/pkg/cli.h"
#include "cmd/pkg/cmds.h"
#include "lazy/lazy.h"
#include "core/core.h"
#include "repo-index/repo.h"
#include "cmd/pkg/repo-cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tflags {
    struct strv values, set, set_string, set_file, set_json, set_literal;
    struct strv show_only, api_versions, post_renderer_args, labels;
    struct strv files_split, apis_split; /* heap strings, freed after the run */
    const char *kube_version, *output_dir, *name_template, *post_renderer, *version, *repo;
    const char *description, *dry_run, *timeout, *keyring, *username, *password, *ca_file,
        *cert_file, *key_file;
    bool include_crds, skip_crds, no_hooks, skip_tests, is_upgrade, release_name, generate_name,
        skip_schema_validation, validate, dependency_update, devel, verify, atomic, wait,
        wait_for_jobs, create_namespace, force, replace, disable_openapi, render_subchart_notes,
        enable_dns, hide_notes, take_ownership, insecure, plain_http, pass_credentials;
};

static struct tflags F;

#define S(n, sh, dst, mv, help)                                                                    \
    {                                                                                              \
        n, sh, OPT_STRING, &F.dst, mv, help, NULL                                                  \
    }
#define SS(n, sh, dst, mv, help)                                                                   \
    {                                                                                              \
        n, sh, OPT_STRINGS, &F.dst, mv, help, NULL                                                 \
    }
#define B(n, sh, dst, help)                                                                        \
    {                                                                                              \
        n, sh, OPT_BOOL, &F.dst, NULL, help, NULL                                                  \
    }

const struct opt *
cmd_template_opts(void)
{
    static const struct opt opts[] = {
        SS("values", 'f', values, "FILE",
           "specify values in a YAML file (can specify multiple; \"-\" reads stdin)"),
        SS("set", 0, set, "KEY=VAL", "set values on the command line (key1=val1,key2=val2)"),
        SS("set-string", 0, set_string, "KEY=VAL", "set STRING values on the command line"),
        SS("set-file", 0, set_file, "KEY=PATH", "set values from the files given"),
        SS("set-json", 0, set_json, "KEY=JSON", "set JSON values on the command line"),
        SS("set-literal", 0, set_literal, "KEY=VAL", "set a literal STRING value"),
        SS("show-only", 's', show_only, "TEMPLATE",
           "only show manifests rendered from the given templates"),
        S("output-dir", 0, output_dir, "DIR",
          "write the executed templates to files in DIR instead of stdout"),
        B("include-crds", 0, include_crds, "include CRDs in the templated output"),
        B("skip-crds", 0, skip_crds, "accepted for compatibility (no effect on template output)"),
        B("skip-tests", 0, skip_tests, "skip tests from templated output"),
        B("no-hooks", 0, no_hooks, "leave hooks out of the output"),
        B("is-upgrade", 0, is_upgrade, "set .Release.IsUpgrade instead of .Release.IsInstall"),
        S("kube-version", 0, kube_version, "VERSION",
          "Kubernetes version used for Capabilities.KubeVersion"),
        SS("api-versions", 'a', api_versions, "VERSIONS",
           "Kubernetes api versions used for Capabilities.APIVersions (comma separated)"),
        B("release-name", 0, release_name, "use the release name in the output-dir path"),
        B("generate-name", 'g', generate_name, "generate the name (and omit the NAME parameter)"),
        S("name-template", 0, name_template, "TEMPLATE",
          "specify the template used to name the release"),
        S("post-renderer", 0, post_renderer, "PATH",
          "an executable the rendered manifests are piped through"),
        SS("post-renderer-args", 0, post_renderer_args, "ARG",
           "an argument to the post-renderer (can specify multiple)"),
        B("skip-schema-validation", 0, skip_schema_validation,
          "disable JSON schema validation of values"),
        B("render-subchart-notes", 0, render_subchart_notes,
          "render subchart notes along with the parent (no effect on output)"),
        B("validate", 0, validate, "validate against a cluster (not supported)"),
        B("dependency-update", 0, dependency_update,
          "update dependencies if they are missing (not supported: no repositories)"),
        S("version", 0, version, "VERSION", "chart version constraint (for repository charts)"),
        S("repo", 0, repo, "URL", "chart repository url (not supported)"),
        B("devel", 0, devel, "use development versions, too"),
        B("verify", 0, verify, "verify the package before using it (not supported)"),
        S("description", 0, description, "TEXT", "accepted for compatibility"),
        S("dry-run", 0, dry_run, "MODE", "accepted for compatibility"),
        S("timeout", 0, timeout, "DURATION", "accepted for compatibility"),
        SS("labels", 'l', labels, "K=V", "accepted for compatibility"),
        B("atomic", 0, atomic, "accepted for compatibility"),
        B("wait", 0, wait, "accepted for compatibility"),
        B("wait-for-jobs", 0, wait_for_jobs, "accepted for compatibility"),
        B("create-namespace", 0, create_namespace, "accepted for compatibility"),
        B("force", 0, force, "accepted for compatibility"),
        B("replace", 0, replace, "accepted for compatibility"),
        B("disable-openapi-validation", 0, disable_openapi, "accepted for compatibility"),
        B("enable-dns", 0, enable_dns, "accepted for compatibility (DNS lookups stay off)"),
        B("hide-notes", 0, hide_notes, "accepted for compatibility"),
        B("take-ownership", 0, take_ownership, "accepted for compatibility"),
        S("keyring", 0, keyring, "FILE", "accepted for compatibility"),
        S("username", 0, username, "USER", "accepted for compatibility"),
        S("password", 0, password, "PASS", "accepted for compatibility"),
        S("ca-file", 0, ca_file, "FILE", "accepted for compatibility"),
        S("cert-file", 0, cert_file, "FILE", "accepted for compatibility"),
        S("key-file", 0, key_file, "FILE", "accepted for compatibility"),
        B("insecure-skip-tls-verify", 0, insecure, "accepted for compatibility"),
        B("plain-http", 0, plain_http, "accepted for compatibility"),
        B("pass-credentials", 0, pass_credentials, "accepted for compatibility"),
        OPT_END,
    };
    return opts;
}

/* pflag StringSlice: each value is a CSV record. */
static void
split_csv(struct strv *out, const struct strv *in)
{
    for (size_t i = 0; i < in->n; i++) {
        const char *s = in->v[i];
        if (!*s)
            continue;
        struct sb field = SB_INIT;
        bool quoted = false;
        for (const char *p = s;; p++) {
            if (quoted) {
                if (*p == '"' && p[1] == '"') {
                    sb_addch(&field, '"');
                    p++;
                } else if (*p == '"') {
                    quoted = false;
                } else if (*p) {
                    sb_addch(&field, *p);
                } else {
                    break;
                }
                continue;
            }
            if (*p == '"' && field.len == 0) {
                quoted = true;
            } else if (*p == ',' || *p == 0) {
                strv_push(out, xstrdup(field.buf));
                sb_reset(&field);
                if (!*p)
                    break;
            } else {
                sb_addch(&field, *p);
            }
        }
        sb_release(&field);
    }
}

static void
print_out(const struct sb *out)
{
    lazy_stderr_release();
    if (out->len)
        fwrite(out->buf, 1, out->len, stdout);
    fflush(stdout);
}

static int
run_inner(const struct cmd *cmd, int argc, char **argv, struct global_opts *g,
          bool chart_name_release, struct strv *posp)
{
    struct strv pos = {0};
    bool help;
    int rc = cli_parse(cmd, cmd_template_opts(), argc, argv, g, &pos, &help);
    *posp = pos;
    if (rc || help)
        return rc;
    struct pkg_err *err = NULL;
    struct arena *a = arena_new();
    const char *kv = NULL, *kmaj, *kmin;
    if (F.kube_version && *F.kube_version &&
        chart_kube_version_parse(&kv, &kmaj, &kmin, a, F.kube_version, &err)) {
        pkg_err_wrap(&err, "invalid kube version '%s'", F.kube_version);
        arena_free(a);
        return cli_fail(err);
    }
    if (F.post_renderer && *F.post_renderer) {
        char *full = chart_look_path(F.post_renderer);
        if (!full) {
            arena_free(a);
            pkg_err_set(&err, PKG_EINVAL,
                        "invalid argument \"%s\" for \"--post-renderer\" flag: unable to find "
                        "binary at %s: exec: \"%s\": executable file not found in $PATH",
                        F.post_renderer, F.post_renderer, F.post_renderer);
            return cli_fail(err);
        }
        free(full);
    }
    if (pos.n < 1) {
        arena_free(a);
        return cli_usage_error(cmd, "\"%s\" requires at least 1 argument", cmd->usage);
    }
    const char *name = NULL, *chart;
    if (chart_name_release) {
        name = NULL; /* the chart's name */
        if (pos.n > 1) {
            arena_free(a);
            return cli_usage_error(cmd, "expected one chart, unexpected arguments: %s", pos.v[1]);
        }
        chart = pos.v[0];
    } else if (pos.n > 2) {
        struct sb extra = SB_INIT;
        for (size_t i = 2; i < pos.n; i++) {
            if (i > 2)
                sb_addstr(&extra, ", ");
            sb_addstr(&extra, pos.v[i]);
        }
        pkg_err_set(&err, PKG_EINVAL, "expected at most two arguments, unexpected arguments: %s",
                    extra.buf);
        sb_release(&extra);
        arena_free(a);
        return cli_fail(err);
    } else if (pos.n == 2) {
        name = pos.v[0];
        chart = pos.v[1];
        if (F.generate_name)
            rc =
                pkg_err_set(&err, PKG_EINVAL, "cannot set --generate-name and also specify a name");
        else if (F.name_template && *F.name_template)
            rc =
                pkg_err_set(&err, PKG_EINVAL, "cannot set --name-template and also specify a name");
    } else {
        chart = pos.v[0];
        if (F.name_template && *F.name_template) {
            rc = chart_name_from_template(&name, a, F.name_template, &err);
        } else {
            name = "release-name"; /* helm template presets this name */
        }
    }
    if (rc) {
        arena_free(a);
        return cli_fail(err);
    }
    if (F.validate) {
        arena_free(a);
        pkg_err_set(&err, PKG_ENOTSUP,
                    "--validate needs a Kubernetes cluster; pkg template renders offline");
        return cli_fail(err);
    }
    /* Helm's LocateChart: a local path first; otherwise REPO/CHART (or a URL,
     * or CHART with --repo) from a chart repository, through repo-index. */
    char *fetched = NULL;
    if (access(chart, F_OK) != 0) {
        if (chart[0] == '/' || chart[0] == '.') {
            arena_free(a);
            pkg_err_set(&err, PKG_ENOENT, "path \"%s\" not found", chart);
            return cli_fail(err);
        }
        const char *want = F.version && *F.version ? F.version : F.devel ? ">0.0.0-0" : NULL;
        if (repo_chart_fetch_cached(&fetched, chart, want, F.repo, &repo_cli_warner, &err) < 0) {
            arena_free(a);
            return cli_fail(err);
        }
        chart = fetched;
    }

    split_csv(&F.files_split, &F.values);
    split_csv(&F.apis_split, &F.api_versions);
    struct strv files = F.files_split, apis = F.apis_split;
    struct chart_value_opts vo = {
        .files = files.v,
        .nfiles = files.n,
        .set = F.set.v,
        .nset = F.set.n,
        .set_string = F.set_string.v,
        .nset_string = F.set_string.n,
        .set_file = F.set_file.v,
        .nset_file = F.set_file.n,
        .set_json = F.set_json.v,
        .nset_json = F.set_json.n,
        .set_literal = F.set_literal.v,
        .nset_literal = F.set_literal.n,
    };
    struct chart_template_opts to = {
        .release_name = name,
        /* helm's settings.Namespace(): the flag, then $HELM_NAMESPACE (no
         * kubeconfig is read), then "default". */
        .namespace = g->ns_set ? g->ns : getenv("HELM_NAMESPACE"),
        .is_upgrade = F.is_upgrade,
        .kube_version = F.kube_version,
        .api_versions = apis.v,
        .napi_versions = apis.n,
        .include_crds = F.include_crds,
        .no_hooks = F.no_hooks,
        .skip_tests = F.skip_tests,
        .skip_schema_validation = F.skip_schema_validation,
        .show_only = F.show_only.v,
        .nshow_only = F.show_only.n,
        .output_dir = F.output_dir && *F.output_dir ? F.output_dir : NULL,
        .use_release_name = F.release_name,
        .post_renderer = F.post_renderer,
        .post_renderer_args = F.post_renderer_args.v,
        .npost_renderer_args = F.post_renderer_args.n,
        .debug = g->debug,
        .warn_deprecated = true,
    };
    struct sb out = SB_INIT;
    bool render_error = false;
    chart_helm_log_enable(true);
    rc = chart_template_path(&out, &render_error, chart, &vo, &to, &err);
    arena_free(a);
    free(fetched);
    if (rc) {
        lazy_stderr_release();
        if (render_error && g->debug) {
            /* helm prints what it has before the error with --debug */
            const char *t = out.buf;
            size_t n = out.len;
            while (n && strchr(" \t\r\n", t[0]))
                t++, n--;
            while (n && strchr(" \t\r\n", t[n - 1]))
                n--;
            fwrite(t, 1, n, stdout);
            fputc('\n', stdout);
            fflush(stdout);
        }
        sb_release(&out);
        if (render_error && !g->debug) {
            /* helm: "%w\n\nUse --debug flag to render out invalid YAML" */
            fprintf(stderr, "Error: %s\n\nUse --debug flag to render out invalid YAML\n", err->msg);
            pkg_err_free(err);
            return EXIT_ERR;
        }
        return cli_fail(err);
    }
    print_out(&out);
    sb_release(&out);
    return EXIT_OK;
}

static void
strv_free_all(struct strv *sv, bool owned)
{
    if (owned)
        for (size_t i = 0; i < sv->n; i++)
            free((char *)sv->v[i]);
    free(sv->v);
}

static int
run(const struct cmd *cmd, int argc, char **argv, struct global_opts *g, bool chart_name_release)
{
    memset(&F, 0, sizeof(F));
    struct strv pos = {0};
    int rc = run_inner(cmd, argc, argv, g, chart_name_release, &pos);
    struct strv *lists[] = {&F.values,
                            &F.set,
                            &F.set_string,
                            &F.set_file,
                            &F.set_json,
                            &F.set_literal,
                            &F.show_only,
                            &F.api_versions,
                            &F.post_renderer_args,
                            &F.labels,
                            &pos};
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        strv_free_all(lists[i], false);
    strv_free_all(&F.files_split, true);
    strv_free_all(&F.apis_split, true);
    return rc;
}

int
cmd_template(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    return run(cmd, argc, argv, g, false);
}

int
cmd_template_render_chart(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    return run(cmd, argc, argv, g, true);
}
