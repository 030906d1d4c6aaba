/* pkg: the command table and the dispatcher. Each command lives in its own
 * cmd-<group>.c; this file only routes argv to it. */
#include "cmd/pkg/cli.h"
#include "cmd/pkg/cmds.h"
#include "lazy/lazy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PKG_VERSION
#define PKG_VERSION "v0.1.0"
#endif
const char *pkg_version = PKG_VERSION;

/* The table: name, entry point, summary, usage, long help, flags. Keep it in
 * the order `pkg --help` shows. */
const struct cmd cli_commands[] = {
    {"version", cmd_version, "print the version of pkg", "pkg version [--short]", NULL, NULL,
     false},
    {"help", cmd_help, "help about any command", "pkg help [COMMAND]", NULL, NULL, false},
    {"yaml", cmd_yaml, "load and re-emit YAML (developer tool)",
     "pkg yaml fmt [--style helm|kustomize|json] FILE...",
     "Loads each FILE (or - for stdin) as a YAML stream and prints it again in the style\n"
     "of helm's toYaml (default), kustomize's output, or Go's encoding/json.",
     cmd_yaml_opts, false},
    {"tmpl", cmd_tmpl, "render template files with Helm's engine (developer tool)",
     "pkg tmpl exec FILE... [-f VALUES]...\n       pkg tmpl parse [--skip-func-check] FILE...",
     "Renders the first FILE as Helm renders a chart template (the other FILEs are parsed\n"
     "too, for their {{define}}s), with .Values from the -f files and .Release as\n"
     "`helm template` sets it. Prints the output, or helm's error.",
     cmd_tmpl_opts, true},
    {"image", cmd_image, "manage images of the node runtime (import, pull, ls, rm)",
     "pkg image import PATH [--name REF] | pull REF [--insecure] | ls [-q] | rm REF...",
     "Images live in a content-addressed store under $PKG_HOME/images; each layer is\n"
     "unpacked once and shared. `import` reads an OCI image layout directory, an OCI\n"
     "archive or a `docker save` tarball; `pull` talks to an OCI registry (token auth,\n"
     "linux/amd64 from indexes, every blob's digest verified).",
     cmd_image_opts, false},
    {"render", cmd_render, "build a kustomization like kubectl kustomize",
     "pkg render [DIR] [flags]\n  pkg render -k DIR [flags]",
     "Builds the kustomization in DIR (default \".\"; a directory or a git URL) and prints\n"
     "the resources exactly as `kubectl kustomize DIR` (Kustomize v5.5) does: bases,\n"
     "components, generators, patches, transformers, name references, remote git bases\n"
     "(cached under $PKG_HOME/cache/git) and, with --enable-helm, helmCharts rendered by\n"
     "pkg's own chart engine.",
     cmd_render_opts, false},
    {"build", cmd_render, "build a kustomization (alias of render, as `kustomize build`)",
     "pkg build [DIR] [flags]", "Same as `pkg render`.", cmd_render_opts, false},
    {"template", cmd_template, "render a Helm chart's templates like helm template",
     "pkg template [NAME] CHART [flags]",
     "Renders CHART (a chart directory or .tgz archive) with its values and prints the\n"
     "manifests exactly as `helm template` (v3.17) does: documents sorted by kind, hooks\n"
     "last, `# Source:` headers. Values come from values.yaml, -f files (\"-\" is stdin)\n"
     "and --set/--set-string/--set-file/--set-json/--set-literal, applied in Helm's order.",
     cmd_template_opts, false},
    {"package", cmd_package, "package a chart directory into a chart archive",
     "pkg package CHART... [-d DIR] [--version V] [--app-version V]",
     "Writes NAME-VERSION.tgz as `helm package` does (the layout and file modes helm\n"
     "writes); the same chart always gives the same bytes (entry times are\n"
     "SOURCE_DATE_EPOCH, or 0).",
     cmd_package_opts, false},
    {"show", cmd_show, "show a chart's metadata, values, README or CRDs",
     "pkg show chart|values|readme|crds|all CHART",
     "Prints what `helm show` prints for a chart directory or archive.", cmd_show_opts, false},
    {"pod", cmd_pod, "run Kubernetes pods on this machine (run, ls, get, logs, exec, stop, rm)",
     "pkg pod run -f POD.yaml [-d] [--rm] | ls [-A] | get NAME [-o yaml|json] | logs NAME [-c C] "
     "[-f] [-p] | exec NAME [-c C] -- CMD... | stop|rm NAME...",
     "Runs a v1 Pod (or the pod template of a Deployment, StatefulSet, DaemonSet, Job...)\n"
     "with Linux namespaces, overlayfs and cgroups: no Docker, containerd or kubelet.\n"
     "`run` stays in the foreground until the pod ends (Ctrl-C stops it gracefully);\n"
     "`run -d` hands it to the `pkg node` supervisor. Status, logs and exec work as\n"
     "kubectl's do. PKG_NODE_CGROUP_PARENT names the parent cgroup (default \"pkg\",\n"
     "under pkg's own cgroup); PKG_NODE_BACKOFF_SCALE scales restart back-off.",
     cmd_pod_opts, false},
    {"node", cmd_node, "run the node supervisor (started by `pkg pod run -d`)", "pkg node",
     "Runs the supervisor in the foreground: adopts every pod under $PKG_HOME no other\n"
     "supervisor holds, serves $PKG_HOME/node.sock. SIGTERM leaves the pods running for\n"
     "the next supervisor.",
     cmd_node_opts, false},
    {"repo", cmd_repo, "add, list, remove, update, index and serve chart repositories",
     "pkg repo add|list|remove|update|index|serve ...",
     "Manages chart repositories the way `helm repo` does (pkg reads helm's\n"
     "repositories.yaml too), builds index.yaml files and serves a directory of charts.",
     NULL, false},
    {"search", cmd_search, "search repositories for a keyword in charts",
     "pkg search repo [KEYWORD] [--version C] [--versions] [--devel] [-r] [-o table|json|yaml]",
     "Searches the cached indexes of the configured repositories (run `pkg repo update`\n"
     "first). Shows the newest stable version of each matching chart, or every version\n"
     "with --versions, filtered by --version.",
     cmd_search_opts, false},
    {"pull", cmd_pull, "download a chart from a repository",
     "pkg pull REPO/CHART|URL [--version C] [--untar] [-d DIR] [--verify] [--repo URL]",
     "Downloads the chart archive the repository index names for the version (or the\n"
     "newest stable one) and checks its sha256 against the index's digest: on a\n"
     "mismatch the file is removed and pull fails. --verify also checks the .prov file.",
     cmd_pull_opts, false},
    {"push", cmd_push, "upload a chart archive to a chart repository",
     "pkg push CHART.tgz URL|REPO [--username U --password P] [--put] [--force]",
     "Uploads CHART.tgz (and CHART.tgz.prov when present) to a repository that accepts\n"
     "ChartMuseum-style uploads: POST URL/api/charts (multipart field \"chart\"), or PUT\n"
     "URL/api/charts/CHART.tgz with --put. `pkg repo serve` accepts both.",
     cmd_push_opts, false},
    {"dependency", cmd_dependency, "manage a chart's dependencies",
     "pkg dependency update|build|list [CHART] [--skip-refresh] [--verify] [--keyring F]",
     "update: resolves Chart.yaml's dependencies (repository URLs, \"@name\" repository\n"
     "aliases, version constraints) against the repositories' indexes, downloads the\n"
     "archives into CHART/charts (sha256 checked against the index) and writes\n"
     "Chart.lock. build: installs what Chart.lock names (update without a lock).\n"
     "list: shows each dependency and its status.",
     cmd_dependency_opts, false},
    {"dep", cmd_dependency, "alias of dependency", "pkg dep update|build|list [CHART]", NULL,
     cmd_dependency_opts, true},
    {"dependencies", cmd_dependency, "alias of dependency",
     "pkg dependencies update|build|list [CHART]", NULL, cmd_dependency_opts, true},
    {"sign", cmd_sign, "sign a packaged chart (write CHART.tgz.prov)",
     "pkg sign CHART.tgz --key NAME [--keyring FILE] [--passphrase-file FILE]",
     "Writes the provenance file helm package --sign writes: the chart's metadata and\n"
     "the archive's sha256, clear-signed with an RSA OpenPGP key from the keyring\n"
     "(export it with gpg --export-secret-keys). pkg verify and helm verify check it.",
     cmd_sign_opts, false},
    {"verify", cmd_verify, "verify that a chart archive is signed and intact",
     "pkg verify CHART.tgz [--keyring FILE]",
     "Checks CHART.tgz.prov: its OpenPGP signature must be made by a key of the keyring\n"
     "and the sha256 it lists must be the archive's (helm verify).",
     cmd_verify_opts, false},
    {NULL, NULL, NULL, NULL, NULL, NULL, false},
};

const struct cmd *
cli_find(const char *name)
{
    for (const struct cmd *c = cli_commands; c->name; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

static void
print_main_help(void)
{
    printf("pkg renders Helm charts and Kustomize overlays byte-for-byte like helm and\n"
           "kubectl kustomize, runs them on one machine, and hosts chart repositories.\n\n"
           "Usage:\n  pkg COMMAND [ARGS] [flags]\n\nCommands:\n");
    for (const struct cmd *c = cli_commands; c->name; c++)
        if (!c->hidden)
            printf("  %-12s %s\n", c->name, c->summary);
    printf("\nGlobal Flags:\n"
           "      --debug              enable verbose output\n"
           "  -h, --help               help for pkg\n"
           "  -n, --namespace NS       namespace scope for this request\n"
           "      --version            print the version\n\n"
           "Use \"pkg help COMMAND\" or \"pkg COMMAND --help\" for more about a command.\n");
}

static int
unknown_command(const char *name)
{
    const char *names[64];
    size_t n = 0;
    for (const struct cmd *c = cli_commands; c->name && n < 64; c++)
        if (!c->hidden)
            names[n++] = c->name;
    fprintf(stderr, "Error: unknown command \"%s\" for \"pkg\"\n", name);
    const char *s = cli_suggest(name, names, n);
    if (s)
        fprintf(stderr, "\nDid you mean this?\n\t%s\n", s);
    fprintf(stderr, "\nRun 'pkg --help' for usage.\n");
    return EXIT_USAGE;
}

int
cmd_help(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    (void)cmd;
    (void)g;
    if (argc < 2) {
        print_main_help();
        return EXIT_OK;
    }
    const struct cmd *c = cli_find(argv[1]);
    if (!c)
        return unknown_command(argv[1]);
    cli_print_help(c);
    return EXIT_OK;
}

int
cmd_version(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    bool short_ = false, help = false;
    struct opt opts[] = {{"short", 0, OPT_BOOL, &short_, NULL, "print only the version", NULL},
                         OPT_END};
    struct strv pos = {0};
    int rc = cli_parse(cmd, opts, argc, argv, g, &pos, &help);
    if (rc || help)
        return rc;
    if (pos.n)
        return cli_usage_error(cmd, "unexpected argument \"%s\"", pos.v[0]);
    if (short_)
        printf("%s\n", pkg_version);
    else
        printf("pkg %s (C17; helm v3.17 and kustomize v5.5 compatible)\n", pkg_version);
    free(pos.v);
    return EXIT_OK;
}

/* The commands a static pkg runs itself (lazy/lazy.h, "The static build"):
 * until they need a lazy library they change nothing, so that the dynamic
 * twin can run them again from the start. The others (pods, the node,
 * repositories, package's signing) run in the twin from the start. */
static bool
is_pure(const char *name)
{
    static const char *const pure[] = {"version", "help",  "yaml",     "tmpl",
                                       "render",  "build", "template", "show"};
    for (size_t k = 0; k < sizeof(pure) / sizeof(pure[0]); k++)
        if (!strcmp(name, pure[k]))
            return true;
    return false;
}

/* Of those, the ones that write their output at their end: what they print
 * to stderr before it is held back until then (lazy_stderr_release). */
static bool
holds_stderr(const char *name)
{
    return !strcmp(name, "template") || !strcmp(name, "render") || !strcmp(name, "build");
}

int
main(int argc, char **argv)
{
    struct global_opts g = {0};
    int i = 1;
    /* Global flags before the command. */
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            print_main_help();
            return EXIT_OK;
        } else if (!strcmp(a, "--version")) {
            printf("%s\n", pkg_version);
            return EXIT_OK;
        } else if (!strcmp(a, "--debug")) {
            g.debug = true;
        } else {
            fprintf(stderr, "Error: unknown flag: %s\nRun 'pkg --help' for usage.\n", a);
            return EXIT_USAGE;
        }
    }
    if (i >= argc) {
        print_main_help();
        return EXIT_OK;
    }
    const struct cmd *c = cli_find(argv[i]);
    if (!c)
        return unknown_command(argv[i]);
    lazy_twin_dispatch(is_pure(c->name), holds_stderr(c->name));
    return c->run(c, argc - i, argv + i, &g);
}
