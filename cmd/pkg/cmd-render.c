/* pkg render / pkg build: build a kustomization and print what
 * `kubectl kustomize DIR` prints (or write it with -o), through overlay/. */
#include "cmd/pkg/cli.h"
#include "cmd/pkg/cmds.h"
#include "lazy/lazy.h"
#include "core/core.h"
#include "overlay/overlay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *kdir;
static const char *load_restrictor = "LoadRestrictionsRootOnly";
static bool enable_helm;
static const char *helm_command;
static const char *output;
static bool alpha_plugins;
static bool enable_exec;

const struct opt *
cmd_render_opts(void)
{
    static const struct opt opts[] = {
        {"kustomize", 'k', OPT_STRING, &kdir, "DIR", "the kustomization directory to build", NULL},
        {"load-restrictor", 0, OPT_STRING, &load_restrictor, "RESTRICTOR",
         "LoadRestrictionsRootOnly (default: files must be in or below the kustomization) or "
         "LoadRestrictionsNone",
         NULL},
        {"enable-helm", 0, OPT_BOOL, &enable_helm, NULL,
         "inflate helmCharts (rendered by pkg itself, no helm binary)", NULL},
        {"helm-command", 0, OPT_STRING, &helm_command, "CMD",
         "accepted for compatibility and ignored: pkg renders charts itself", NULL},
        {"output", 'o', OPT_STRING, &output, "PATH",
         "write the output to PATH; when PATH is a directory, one file per resource", NULL},
        {"enable-alpha-plugins", 0, OPT_BOOL, &alpha_plugins, NULL,
         "refused: pkg runs only kustomize's built-in plugins", NULL},
        {"enable-exec", 0, OPT_BOOL, &enable_exec, NULL,
         "refused: pkg runs only kustomize's built-in plugins", NULL},
        OPT_END,
    };
    return opts;
}

static int
write_output(const char *path, const struct val *docs, const char *bytes, size_t len)
{
    struct pkg_err *err = NULL;
    if (fs_is_dir(path)) {
        if (kust_write_dir(path, docs, &err))
            return cli_fail(err);
        return EXIT_OK;
    }
    if (fs_write_atomic(path, bytes, len, 0644, &err))
        return cli_fail(err);
    return EXIT_OK;
}

/* The path `pkg render` was given, before its flags are parsed: the first
 * argument that is neither a flag nor the value of one of render's flags
 * taking a value. NULL with -k. */
static const char *
first_path(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--"))
            return i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(s, "-k") || !strcmp(s, "--kustomize") || !strncmp(s, "--kustomize=", 12))
            return NULL;
        if (!strcmp(s, "-o") || !strcmp(s, "--output") || !strcmp(s, "--load-restrictor") ||
            !strcmp(s, "--helm-command")) {
            i++;
            continue;
        }
        if (s[0] == '-')
            continue;
        return s;
    }
    return NULL;
}

/* A Helm chart rather than a kustomization: a directory holding Chart.yaml
 * and no kustomization file, or a chart archive. */
static bool
is_chart(const char *p)
{
    if (!p)
        return false;
    if (fs_is_dir(p)) {
        char *c = xasprintf("%s/Chart.yaml", p);
        bool chart = fs_exists(c) && !kust_is_kustomization_dir(p);
        free(c);
        return chart;
    }
    size_t n = strlen(p);
    return fs_exists(p) &&
           ((n > 4 && !strcmp(p + n - 4, ".tgz")) || (n > 7 && !strcmp(p + n - 7, ".tar.gz")));
}

int
cmd_render(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    if (is_chart(first_path(argc, argv)))
        return cmd_template_render_chart(cmd, argc, argv, g);
    struct strv pos = {0};
    bool help = false;
    int rc = cli_parse(cmd, cmd_render_opts(), argc, argv, g, &pos, &help);
    if (rc || help) {
        free(pos.v);
        return rc;
    }
    const char *dir = kdir;
    if (pos.n > 1 || (kdir && pos.n > 0)) {
        rc = cli_usage_error(cmd, "specify one path to a kustomization directory");
        free(pos.v);
        return rc;
    }
    if (!dir)
        dir = pos.n ? pos.v[0] : ".";
    free(pos.v);
    if (alpha_plugins || enable_exec)
        return cli_usage_error(cmd,
                               "%s is not supported: pkg runs only kustomize's built-in "
                               "generators and transformers",
                               alpha_plugins ? "--enable-alpha-plugins" : "--enable-exec");
    struct kust_opts o = {0};
    if (!strcmp(load_restrictor, "LoadRestrictionsRootOnly") ||
        !strcmp(load_restrictor, "rootOnly"))
        o.restrictor = KUST_LOAD_ROOT_ONLY;
    else if (!strcmp(load_restrictor, "LoadRestrictionsNone") || !strcmp(load_restrictor, "none"))
        o.restrictor = KUST_LOAD_NONE;
    else
        return cli_usage_error(cmd,
                               "invalid argument \"%s\" for \"--load-restrictor\" flag: must be "
                               "one of LoadRestrictionsRootOnly, LoadRestrictionsNone",
                               load_restrictor);
    o.enable_helm = enable_helm;
    struct arena *a = arena_new();
    struct sb warnings = SB_INIT, out = SB_INIT;
    struct val *docs = NULL;
    struct pkg_err *err = NULL;
    rc = kust_build(&docs, a, dir, &o, &warnings, &err);
    lazy_stderr_release();
    if (warnings.len)
        fputs(warnings.buf, stderr);
    if (!rc)
        rc = kust_emit(&out, docs, &err);
    int exit_code;
    if (rc) {
        exit_code = cli_fail(err);
    } else if (output) {
        exit_code = write_output(output, docs, out.buf, out.len);
    } else {
        fwrite(out.buf, 1, out.len, stdout);
        exit_code = fflush(stdout) ? EXIT_ERR : EXIT_OK;
    }
    sb_release(&warnings);
    sb_release(&out);
    arena_free(a);
    return exit_code;
}
