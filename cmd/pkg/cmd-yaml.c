/* pkg yaml fmt: load YAML streams and print them again in one of the
 * reference tools' styles. A developer tool that makes core testable from
 * the command line. */
#include "cmd/pkg/cli.h"
#include "cmd/pkg/cmds.h"
#include "lazy/lazy.h"
#include "core/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *style = "helm";

const struct opt *
cmd_yaml_opts(void)
{
    static const struct opt opts[] = {
        {"style", 0, OPT_STRING, &style, "STYLE",
         "output style: helm (toYaml), kustomize (kubectl kustomize) or json", NULL},
        OPT_END,
    };
    return opts;
}

static int
fmt_one(const char *path, enum val_yaml_dialect dialect, bool json, struct sb *out,
        struct pkg_err **errp)
{
    struct arena *a = arena_new();
    struct sb in = SB_INIT;
    struct val *docs = NULL;
    int rc;
    if (!strcmp(path, "-")) {
        rc = sb_read_fd(&in, 0, "<stdin>", 256u << 20, errp);
        if (!rc)
            lazy_keep_stdin(in.buf, in.len);
    } else
        rc = sb_read_file(&in, path, 256u << 20, errp);
    if (rc)
        goto out;
    struct val_yaml_opts o = {.dialect = dialect};
    rc =
        val_yaml_load_all(&docs, a, in.buf, in.len, strcmp(path, "-") ? path : "<stdin>", &o, errp);
    if (rc)
        goto out;
    for (size_t i = 0; i < val_seq_len(docs); i++) {
        if (i > 0)
            sb_addstr(out, "---\n");
        if (json) {
            rc = val_json_emit(out, val_seq_at(docs, i), VAL_JSON_INDENT, errp);
            sb_addch(out, '\n');
        } else {
            rc = val_yaml_emit(out, val_seq_at(docs, i), dialect, errp);
        }
        if (rc)
            goto out;
    }
out:
    sb_release(&in);
    arena_free(a);
    return rc;
}

int
cmd_yaml(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    bool help;
    int rc = cli_parse(cmd, cmd_yaml_opts(), argc, argv, g, &pos, &help);
    if (rc || help)
        return rc;
    if (pos.n < 1 || strcmp(pos.v[0], "fmt") != 0)
        return cli_usage_error(cmd, pos.n ? "unknown subcommand \"%s\"" : "missing subcommand%s",
                               pos.n ? pos.v[0] : "");
    if (pos.n < 2)
        return cli_usage_error(cmd, "no input files");
    enum val_yaml_dialect dialect;
    bool json = false;
    if (!strcmp(style, "helm"))
        dialect = VAL_YAML_HELM;
    else if (!strcmp(style, "kustomize"))
        dialect = VAL_YAML_KYAML;
    else if (!strcmp(style, "json")) {
        dialect = VAL_YAML_HELM;
        json = true;
    } else
        return cli_usage_error(cmd, "invalid argument \"%s\" for \"--style\" flag", style);
    struct sb out = SB_INIT;
    struct pkg_err *err = NULL;
    for (size_t i = 1; i < pos.n; i++) {
        if (fmt_one(pos.v[i], dialect, json, &out, &err) < 0) {
            sb_release(&out);
            free(pos.v);
            return cli_fail(err);
        }
        if (i + 1 < pos.n)
            sb_addstr(&out, "---\n");
    }
    fwrite(out.buf, 1, out.len, stdout);
    sb_release(&out);
    free(pos.v);
    return EXIT_OK;
}
