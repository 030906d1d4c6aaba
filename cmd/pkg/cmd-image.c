/* pkg image: import, pull, list and remove images in the node runtime's
 * store ($PKG_HOME/images). */
#include "cmd/pkg/cli.h"
#include "cmd/pkg/cmds.h"
#include "core/core.h"
#include "engine/node/node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *opt_name;
static bool opt_insecure, opt_quiet;
static const char *opt_cafile;

const struct opt *
cmd_image_opts(void)
{
    static const struct opt opts[] = {
        {"name", 0, OPT_STRING, &opt_name, "REF",
         "import: name for images the input leaves unnamed (or a bare tag's repository)", NULL},
        {"insecure", 0, OPT_BOOL, &opt_insecure, NULL,
         "pull: plain HTTP (for registries on loopback)", NULL},
        {"cafile", 0, OPT_STRING, &opt_cafile, "FILE", "pull: extra CA certificates", NULL},
        {"quiet", 'q', OPT_BOOL, &opt_quiet, NULL, "ls: print image IDs only", NULL},
        OPT_END,
    };
    return opts;
}

/* docker's units.HumanSize: decimal units, 3 significant digits. */
static void
human_size(char *buf, size_t n, uint64_t size)
{
    static const char *units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    double v = (double)size;
    int u = 0;
    while (v >= 1000 && u < 5) {
        v /= 1000;
        u++;
    }
    snprintf(buf, n, "%.3g%s", v, units[u]);
}

static void
split_ref(const char *ref, char *repo, size_t rn, char *tag, size_t tn)
{
    const char *at = strchr(ref, '@');
    const char *slash = strrchr(ref, '/');
    const char *colon = strrchr(slash ? slash : ref, ':');
    if (colon && (!at || colon < at)) {
        snprintf(repo, rn, "%.*s", (int)(colon - ref), ref);
        snprintf(tag, tn, "%.*s", (int)(at ? at - colon - 1 : (long)strlen(colon + 1)), colon + 1);
    } else {
        snprintf(repo, rn, "%.*s", (int)(at ? at - ref : (long)strlen(ref)), ref);
        snprintf(tag, tn, "<none>");
    }
}

static void
progress(const char *line, void *payload)
{
    (void)payload;
    fprintf(stderr, "%s\n", line);
}

int
cmd_image(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    bool help = false;
    int rc = cli_parse(cmd, cmd_image_opts(), argc, argv, g, &pos, &help);
    if (rc || help)
        return rc;
    if (pos.n < 1)
        return cli_usage_error(cmd, "missing subcommand (import, pull, ls, rm)");
    const char *sub = pos.v[0];
    cleanup_free char *home = node_home_default();
    struct arena *a = arena_new();
    struct pkg_err *err = NULL;
    int status = EXIT_OK;
    if (!strcmp(sub, "import")) {
        if (pos.n != 2) {
            status = cli_usage_error(cmd, "import takes one PATH");
            goto out;
        }
        struct node_image *imgs;
        size_t n;
        if (node_image_import(&imgs, &n, a, home, pos.v[1], opt_name, &err))
            goto fail;
        for (size_t i = 0; i < n; i++)
            printf("imported %s %s\n", imgs[i].ref, imgs[i].id);
    } else if (!strcmp(sub, "pull")) {
        if (pos.n != 2) {
            status = cli_usage_error(cmd, "pull takes one REF");
            goto out;
        }
        struct node_pull_opts o = {
            .insecure = opt_insecure, .cafile = opt_cafile, .progress = g->debug ? progress : NULL};
        struct node_image img;
        if (node_image_pull(&img, a, home, pos.v[1], &o, &err))
            goto fail;
        printf("pulled %s %s\n", img.ref, img.id);
    } else if (!strcmp(sub, "ls") || !strcmp(sub, "list")) {
        if (pos.n != 1) {
            status = cli_usage_error(cmd, "ls takes no arguments");
            goto out;
        }
        struct node_image *imgs;
        size_t n;
        if (node_image_list(&imgs, &n, a, home, &err))
            goto fail;
        if (!opt_quiet)
            printf("%-40s %-12s %-14s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "SIZE");
        for (size_t i = 0; i < n; i++) {
            if (opt_quiet) {
                printf("%.12s\n", imgs[i].id + 7);
                continue;
            }
            char repo[512], tag[160], size[32];
            split_ref(imgs[i].ref, repo, sizeof(repo), tag, sizeof(tag));
            human_size(size, sizeof(size), imgs[i].size);
            printf("%-40s %-12s %-14.12s %s\n", repo, tag, imgs[i].id + 7, size);
        }
    } else if (!strcmp(sub, "rm") || !strcmp(sub, "remove")) {
        if (pos.n < 2) {
            status = cli_usage_error(cmd, "rm takes one or more REF");
            goto out;
        }
        for (size_t i = 1; i < pos.n; i++) {
            if (node_image_remove(home, pos.v[i], &err))
                goto fail;
            printf("removed %s\n", pos.v[i]);
        }
    } else {
        status = cli_usage_error(cmd, "unknown subcommand \"%s\"", sub);
    }
    goto out;
fail:
    status = cli_fail(err);
out:
    arena_free(a);
    free(pos.v);
    return status;
}
