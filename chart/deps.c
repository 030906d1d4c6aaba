/* Chart dependencies as Helm's chartutil processes them before rendering:
 * matching Chart.yaml `dependencies` to the loaded subcharts by name and
 * version range, aliases (a renamed shallow copy of the subchart),
 * `condition` and `tags`, and `import-values` in both forms.
 *
 * Helm mutates the Dependency records in place and shares them between
 * copies of a chart; so do we (the records are reached through pointers
 * that chart copies share). */
#include "chart/chart-int.h"
#include "core/sb.h"
#include "core/semver.h"
#include "core/xalloc.h"
#include "render/funcs.h"

#include <stdlib.h>
#include <string.h>

int
chart_deps_check(const struct chart *c, struct pkg_err **errp)
{
    struct sb missing = SB_INIT;
    for (size_t i = 0; i < c->meta->ndeps; i++) {
        const struct chart_dep *r = c->meta->deps[i];
        if (!r)
            continue;
        bool found = false;
        for (size_t j = 0; j < c->ndeps && !found; j++)
            found = !strcmp(c->deps[j]->meta->name, r->name);
        if (!found) {
            if (missing.len)
                sb_addstr(&missing, ", ");
            sb_addstr(&missing, r->name);
        }
    }
    int rc = 0;
    if (missing.len)
        rc = pkg_err_set(errp, PKG_ENOENT,
                         "found in Chart.yaml, but missing in charts/ directory: %s", missing.buf);
    sb_release(&missing);
    return rc;
}

/* chartutil.IsCompatibleRange. */
static bool
compatible(const char *constraint, const char *version)
{
    bool ok = false;
    if (semver_check_str(constraint, version, &ok, NULL))
        return false;
    return ok;
}

static void
set_deps(struct arena *a, struct chart *c, struct chart **list, size_t n)
{
    c->deps = NULL;
    c->ndeps = 0;
    for (size_t i = 0; i < n; i++)
        chart_add_dep(a, c, list[i]);
}

static struct chart *
alias_dependency(struct arena *a, struct chart **charts, size_t n, const struct chart_dep *dep)
{
    for (size_t i = 0; i < n; i++) {
        struct chart *c = charts[i];
        if (!c || strcmp(c->meta->name, dep->name))
            continue;
        if (!compatible(dep->version, c->meta->version))
            continue;
        struct chart *out = arena_alloc(a, sizeof(*out));
        *out = *c;
        struct chart_meta *md = arena_alloc(a, sizeof(*md));
        *md = *c->meta;
        out->meta = md;
        if (*dep->alias)
            md->name = dep->alias;
        return out;
    }
    return NULL;
}

static struct val *
table(const struct val *v, const char *name)
{
    return chart_values_table(v, name, NULL, NULL);
}

/* Values.Table for import-values: the table, or NULL after helm's log
 * line with ErrNoTable's message for the part that is missing or not a
 * table ("\"x\" is not a table"). chart names the chart in the line for
 * a child/parent entry (dependencies.go:269); NULL for an exports name
 * (:286). */
static struct val *
import_table(const struct val *v, const char *name, const char *chart)
{
    const char *miss;
    size_t n;
    struct val *t = chart_values_table(v, name, &miss, &n);
    if (!t && chart_helm_log_enabled()) {
        struct sb m = SB_INIT;
        tmpl_quote(&m, miss, n);
        if (chart)
            chart_helm_log("dependencies.go", 269,
                           "Warning: ImportValues missing table from chart %s: %s is not a table",
                           chart, m.buf);
        else
            chart_helm_log("dependencies.go", 286,
                           "Warning: ImportValues missing table: %s is not a table", m.buf);
        sb_release(&m);
    }
    return t;
}

/* Values.PathValue: the non-table value at a dotted path, or NULL. */
static struct val *
path_value(const struct val *v, const char *path)
{
    if (!*path)
        return NULL;
    const char *last = strrchr(path, '.');
    const struct val *t = v;
    const char *key = path;
    if (last) {
        char *prefix = xstrndup(path, (size_t)(last - path));
        t = table(v, prefix);
        free(prefix);
        if (!t)
            return NULL;
        key = last + 1;
    }
    struct val *x = val_map_getz(t, key);
    if (!x || x->kind == VAL_MAP)
        return NULL;
    return x;
}

static void
process_tags(struct chart_dep **reqs, size_t n, const struct val *cvals)
{
    const struct val *vt = table(cvals, "tags");
    if (!vt)
        return;
    for (size_t i = 0; i < n; i++) {
        struct chart_dep *r = reqs[i];
        if (!r)
            continue;
        bool has_true = false, has_false = false;
        for (size_t k = 0; k < r->ntags; k++) {
            const struct val *b = val_map_getz(vt, r->tags[k]);
            if (b && b->kind == VAL_BOOL) {
                if (b->u.b)
                    has_true = true;
                else
                    has_false = true;
            } else if (b) {
                chart_helm_log("dependencies.go", 94,
                               "Warning: Tag '%s' for chart %s returned non-bool value", r->tags[k],
                               r->name);
            }
        }
        if (!has_true && has_false)
            r->enabled = false;
        else if (has_true || (!has_true && !has_false))
            r->enabled = true;
    }
}

static void
process_conditions(struct arena *a, struct chart_dep **reqs, size_t n, const struct val *cvals,
                   const char *cpath)
{
    for (size_t i = 0; i < n; i++) {
        struct chart_dep *r = reqs[i];
        if (!r)
            continue;
        /* strings.Split(strings.TrimSpace(r.Condition), ",") */
        const char *s = r->condition;
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
            s++;
        size_t len = strlen(s);
        while (len && strchr(" \t\n\r\v\f", s[len - 1]))
            len--;
        size_t i0 = 0;
        while (i0 <= len) {
            const char *comma = memchr(s + i0, ',', len - i0);
            size_t end = comma ? (size_t)(comma - s) : len;
            if (end > i0) {
                char *p = arena_sprintf(a, "%s%.*s", cpath, (int)(end - i0), s + i0);
                struct val *vv = path_value(cvals, p);
                if (vv && vv->kind == VAL_BOOL) {
                    r->enabled = vv->u.b;
                    break;
                }
                if (vv)
                    chart_helm_log("dependencies.go", 63,
                                   "Warning: Condition path '%.*s' for chart %s returned non-bool "
                                   "value",
                                   (int)(end - i0), s + i0, r->name);
            }
            if (!comma)
                break;
            i0 = end + 1;
        }
    }
}

static int
deps_enabled(struct arena *a, struct chart *c, const struct val *v, const char *path,
             struct pkg_err **errp)
{
    struct chart_meta *md = c->meta;
    if (!md->has_deps)
        return 0;
    struct chart **orig = c->deps;
    size_t norig = c->ndeps;
    struct chart **list = arena_alloc(a, (norig + md->ndeps + 1) * sizeof(*list));
    size_t n = 0;
    for (size_t i = 0; i < norig; i++) {
        struct chart *ex = orig[i];
        bool matched = false;
        for (size_t j = 0; j < md->ndeps && !matched; j++) {
            struct chart_dep *req = md->deps[j];
            matched = req && !strcmp(ex->meta->name, req->name) &&
                      compatible(req->version, ex->meta->version);
        }
        if (!matched)
            list[n++] = ex;
    }
    for (size_t j = 0; j < md->ndeps; j++) {
        struct chart_dep *req = md->deps[j];
        if (!req)
            continue;
        struct chart *cd = alias_dependency(a, orig, norig, req);
        if (cd)
            list[n++] = cd;
        if (*req->alias)
            req->name = req->alias;
    }
    set_deps(a, c, list, n);
    for (size_t j = 0; j < md->ndeps; j++)
        if (md->deps[j])
            md->deps[j]->enabled = true;
    /* The coalesced values only decide conditions and tags here and in the
     * subcharts below: a scratch arena keeps them from piling up. */
    struct arena *sa = arena_new();
    struct val *cvals;
    int rc = chart_values_coalesce(&cvals, sa, c, v, false, errp);
    if (rc) {
        arena_free(sa);
        return rc;
    }
    process_tags(md->deps, md->ndeps, cvals);
    process_conditions(sa, md->deps, md->ndeps, cvals, path);

    struct chart **cd = arena_alloc(a, (c->ndeps + 1) * sizeof(*cd));
    size_t ncd = 0;
    for (size_t i = 0; i < c->ndeps; i++) {
        bool removed = false;
        for (size_t j = 0; j < md->ndeps && !removed; j++)
            removed = md->deps[j] && !md->deps[j]->enabled &&
                      !strcmp(md->deps[j]->name, c->deps[i]->meta->name);
        if (!removed)
            cd[ncd++] = c->deps[i];
    }
    struct chart_dep **cdm = arena_alloc(a, (md->ndeps + 1) * sizeof(*cdm));
    size_t ncdm = 0;
    for (size_t j = 0; j < md->ndeps; j++) {
        struct chart_dep *r = md->deps[j];
        bool removed = false;
        if (r)
            for (size_t k = 0; k < md->ndeps && !removed; k++)
                removed =
                    md->deps[k] && !md->deps[k]->enabled && !strcmp(md->deps[k]->name, r->name);
        if (!removed)
            cdm[ncdm++] = r;
    }
    for (size_t i = 0; i < ncd; i++) {
        const char *sub = arena_sprintf(sa, "%s%s.", path, cd[i]->meta->name);
        rc = deps_enabled(a, cd[i], cvals, sub, errp);
        if (rc) {
            arena_free(sa);
            return rc;
        }
    }
    arena_free(sa);
    md->deps = cdm;
    md->ndeps = ncdm;
    md->has_deps = ncdm > 0; /* append(nil, nothing...) stays nil */
    set_deps(a, c, cd, ncd);
    return 0;
}

/* pathToMap */
static struct val *
path_to_map(struct arena *a, const char *path, struct val *data)
{
    if (!strcmp(path, "."))
        return data;
    /* set(parsePath(path), data): innermost first. */
    struct val *cur = data;
    const char *end = path + strlen(path);
    while (end >= path) {
        const char *dot = end - 1;
        while (dot >= path && *dot != '.')
            dot--;
        const char *seg = dot + 1;
        struct val *m = val_map(a);
        val_map_set(a, m, seg, (size_t)(end - seg), cur);
        cur = m;
        end = dot;
        if (dot < path)
            break;
    }
    return cur;
}

static struct val *
as_map(struct arena *a, struct val *v)
{
    return val_map_len(v) == 0 ? val_map(a) : v;
}

static int
import_values(struct arena *a, struct chart *c, struct pkg_err **errp)
{
    struct chart_meta *md = c->meta;
    if (!md->has_deps)
        return 0;
    struct val *cvals;
    int rc = chart_values_coalesce(&cvals, a, c, NULL, true, errp);
    if (rc)
        return rc;
    struct val *b = val_map(a);
    for (size_t i = 0; i < md->ndeps; i++) {
        struct chart_dep *r = md->deps[i];
        if (!r || !r->import_values)
            continue;
        struct val *outiv = val_seq(a);
        for (size_t k = 0; k < val_seq_len(r->import_values); k++) {
            struct val *riv = val_seq_at(r->import_values, k);
            if (riv->kind == VAL_MAP) {
                const struct val *ch = val_map_getz(riv, "child");
                const struct val *pa = val_map_getz(riv, "parent");
                if (!ch || ch->kind != VAL_STRING || !pa || pa->kind != VAL_STRING)
                    return pkg_err_set(errp, PKG_EINVAL,
                                       "dependency %s: import-values entries need string "
                                       "\"child\" and \"parent\" keys",
                                       r->name);
                struct val *m = val_map(a);
                val_map_setz(a, m, "child", val_strz(a, ch->u.s.ptr));
                val_map_setz(a, m, "parent", val_strz(a, pa->u.s.ptr));
                val_seq_push(a, outiv, m);
                struct val *vv =
                    import_table(cvals, arena_sprintf(a, "%s.%s", r->name, ch->u.s.ptr), r->name);
                if (!vv)
                    continue;
                b = chart_values_coalesce_tables(a, b, path_to_map(a, pa->u.s.ptr, as_map(a, vv)),
                                                 true);
            } else if (riv->kind == VAL_STRING) {
                const char *child = arena_sprintf(a, "exports.%s", riv->u.s.ptr);
                struct val *m = val_map(a);
                val_map_setz(a, m, "child", val_strz(a, child));
                val_map_setz(a, m, "parent", val_strz(a, "."));
                val_seq_push(a, outiv, m);
                struct val *vm =
                    import_table(cvals, arena_sprintf(a, "%s.%s", r->name, child), NULL);
                if (!vm)
                    continue;
                b = chart_values_coalesce_tables(a, b, as_map(a, vm), true);
            }
        }
        r->import_values = outiv;
    }
    /* deepCopyMap(cvals): b's tables may point into cvals. With nothing
     * imported the copy changes nothing (cvals is fresh, and every later
     * use of c->values copies it again). */
    if (val_map_len(b))
        cvals = val_copy_shared(a, cvals);
    c->values = chart_values_coalesce_tables(a, cvals, b, true);
    return 0;
}

static int
deps_import_values(struct arena *a, struct chart *c, struct pkg_err **errp)
{
    for (size_t i = 0; i < c->ndeps; i++) {
        int rc = deps_import_values(a, c->deps[i], errp);
        if (rc)
            return rc;
    }
    return import_values(a, c, errp);
}

int
chart_deps_process(struct arena *a, struct chart *c, const struct val *vals, struct pkg_err **errp)
{
    int rc = deps_enabled(a, c, vals, "", errp);
    if (rc)
        return rc;
    return deps_import_values(a, c, errp);
}
