/* `helm show`: the chart's metadata re-marshaled, the raw values.yaml, the
 * README and the CRDs, separated as Helm separates them for `all`. */
#include "chart/chart-int.h"
#include "core/xalloc.h"
#include "core/yaml.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct chart_file *
find_readme(const struct chart *c)
{
    static const char *const names[] = {"readme.md", "readme.txt", "readme"};
    for (size_t i = 0; i < c->nfiles; i++)
        for (size_t k = 0; k < 3; k++)
            if (!strcasecmp(c->files[i].name, names[k]))
                return &c->files[i];
    return NULL;
}

static void
crds(const struct chart *c, const struct chart_file ***v, size_t *n)
{
    for (size_t i = 0; i < c->nfiles; i++) {
        const char *name = c->files[i].name;
        const char *dot = strrchr(name, '.');
        if (strncmp(name, "crds/", 5) || !dot || strchr(dot, '/') ||
            (strcasecmp(dot, ".yaml") && strcasecmp(dot, ".yml") && strcasecmp(dot, ".json")))
            continue;
        *v = xrealloc(*v, (*n + 1) * sizeof(**v));
        (*v)[(*n)++] = &c->files[i];
    }
    for (size_t i = 0; i < c->ndeps; i++)
        crds(c->deps[i], v, n);
}

int
chart_show(struct sb *out, struct arena *a, const struct chart *c, enum chart_show_what w,
           struct pkg_err **errp)
{
    bool all = w == CHART_SHOW_ALL;
    if (w == CHART_SHOW_CHART || all) {
        int rc = val_yaml_emit(out, chart_meta_to_val(a, c->meta, true), VAL_YAML_HELM, errp);
        if (rc)
            return rc;
        sb_addch(out, '\n');
    }
    if ((w == CHART_SHOW_VALUES || all) && c->values) {
        if (all)
            sb_addstr(out, "---\n");
        for (size_t i = 0; i < c->nraw; i++)
            if (!strcmp(c->raw[i].name, "values.yaml")) {
                sb_add(out, c->raw[i].data, c->raw[i].len);
                sb_addch(out, '\n');
            }
    }
    if (w == CHART_SHOW_README || all) {
        const struct chart_file *f = find_readme(c);
        if (f) {
            size_t len;
            const char *d = chart_file_data(f, &len, errp);
            if (!d)
                return PKG_EIO;
            if (all)
                sb_addstr(out, "---\n");
            sb_add(out, d, len);
            sb_addch(out, '\n');
        }
    }
    if (w == CHART_SHOW_CRDS || all) {
        const struct chart_file **v = NULL;
        size_t n = 0;
        crds(c, &v, &n);
        for (size_t i = 0; i < n; i++) {
            size_t len;
            const char *d = chart_file_data(v[i], &len, errp);
            if (!d) {
                free(v);
                return PKG_EIO;
            }
            if (i == 0 && all && strncmp(d, "---", 3))
                sb_addstr(out, "---\n");
            sb_add(out, d, len);
            sb_addch(out, '\n');
        }
        free(v);
    }
    return 0;
}
