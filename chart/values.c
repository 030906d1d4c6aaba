/* Values: the user's values from files and --set flags (Helm's
 * values.Options.MergeValues) and chartutil's coalescing of chart defaults,
 * subchart sections and globals.
 *
 * Helm works on Go maps, which are references: a map stored in two places
 * is one map, and coalescing writes through such sharing (a subchart's
 * global tables can reach its parent's). Our value trees have the same
 * reference semantics, so the port keeps each copy Helm makes (deep with
 * copystructure, shallow with copyMap) and no others. A deep copy makes
 * new map, sequence and scalar nodes but shares the string bytes and map
 * keys (val_copy_shared): nothing changes those in place. */
#include "chart/chart-int.h"
#include "core/sb.h"
#include "core/xalloc.h"
#include "lazy/lazy.h"
#include "render/funcs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool
is_table(const struct val *v)
{
    return v && v->kind == VAL_MAP;
}

/* ---- user values ---- */

/* readFile: "-" is stdin; URLs are not fetched. */
static int
read_input(struct sb *sb, const char *path, struct pkg_err **errp)
{
    const char *t = path;
    while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
        t++;
    size_t n = strlen(t);
    while (n && (t[n - 1] == ' ' || t[n - 1] == '\t' || t[n - 1] == '\n' || t[n - 1] == '\r'))
        n--;
    if (n == 1 && t[0] == '-') {
        size_t before = sb->len;
        int rc = sb_read_fd(sb, 0, "stdin", (size_t)256 << 20, errp);
        if (!rc)
            lazy_keep_stdin(sb->buf + before, sb->len - before);
        return rc;
    }
    if (!strncmp(path, "http://", 7) || !strncmp(path, "https://", 8) ||
        !strncmp(path, "oci://", 6))
        return pkg_err_set(errp, PKG_ENOTSUP, "reading values from %s: URLs are not supported",
                           path);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return pkg_err_set(errp, PKG_EIO, "read %s: is a directory", path);
    errno = 0;
    int rc = sb_read_file(sb, path, (size_t)256 << 20, NULL);
    if (rc) {
        /* os.ReadFile's message, with Go's lower-case errno texts. */
        int e = errno ? errno : EIO;
        if (rc == PKG_ELIMIT)
            return pkg_err_set(errp, PKG_ELIMIT, "%s: file too large", path);
        char msg[128];
        snprintf(msg, sizeof(msg), "%s", strerror(e));
        if (msg[0] >= 'A' && msg[0] <= 'Z' && !(msg[1] >= 'A' && msg[1] <= 'Z'))
            msg[0] = (char)(msg[0] + 32);
        return pkg_err_set(errp, e == ENOENT ? PKG_ENOENT : PKG_EIO, "%s %s: %s",
                           e == EISDIR ? "read" : "open", path, msg);
    }
    return 0;
}

/* mergeMaps: a new map with a's entries, b's merged in (maps recursively). */
static struct val *
merge_maps(struct arena *a, struct val *x, struct val *y)
{
    struct val *out = val_map(a);
    for (size_t i = 0; i < val_map_len(x); i++)
        val_map_append(a, out, x->u.map.ents[i].key, x->u.map.ents[i].v);
    for (size_t i = 0; i < val_map_len(y); i++) {
        struct val_mapent *e = &y->u.map.ents[i];
        if (is_table(e->v)) {
            struct val *bv = val_map_get(out, e->key->u.s.ptr, e->key->u.s.len);
            if (is_table(bv)) {
                val_map_set(a, out, e->key->u.s.ptr, e->key->u.s.len, merge_maps(a, bv, e->v));
                continue;
            }
        }
        val_map_set(a, out, e->key->u.s.ptr, e->key->u.s.len, e->v);
    }
    return out;
}

static int
file_reader(struct val **out, struct arena *a, const char *path, void *payload,
            struct pkg_err **errp)
{
    (void)payload;
    struct sb sb = SB_INIT;
    int rc = read_input(&sb, path, errp);
    if (!rc)
        *out = val_str(a, sb.buf, sb.len);
    sb_release(&sb);
    return rc;
}

int
chart_values_merge(struct val **out, struct arena *a, const struct chart_value_opts *o,
                   struct pkg_err **errp)
{
    struct val *base = val_map(a);
    int rc;
    for (size_t i = 0; i < o->nfiles; i++) {
        struct sb sb = SB_INIT;
        rc = read_input(&sb, o->files[i], errp);
        if (rc) {
            sb_release(&sb);
            return rc;
        }
        struct val *cur = NULL;
        rc = chart_yaml_values(&cur, a, sb.buf, sb.len, o->files[i], errp);
        sb_release(&sb);
        if (rc)
            return pkg_err_wrap(errp, "failed to parse %s", o->files[i]);
        base = merge_maps(a, base, cur ? cur : val_map(a));
    }
    if (o->inline_values && o->inline_values->kind == VAL_MAP)
        base = merge_maps(a, base, (struct val *)o->inline_values);
    for (size_t i = 0; i < o->nset_json; i++) {
        if (chart_strvals_parse(a, base, o->set_json[i], CHART_SET_JSON, NULL, NULL, NULL))
            return pkg_err_set(errp, PKG_EINVAL, "failed parsing --set-json data %s",
                               o->set_json[i]);
    }
    for (size_t i = 0; i < o->nset; i++) {
        rc = chart_strvals_parse(a, base, o->set[i], CHART_SET, NULL, NULL, errp);
        if (rc)
            return pkg_err_wrap(errp, "failed parsing --set data");
    }
    for (size_t i = 0; i < o->nset_string; i++) {
        rc = chart_strvals_parse(a, base, o->set_string[i], CHART_SET_STRING, NULL, NULL, errp);
        if (rc)
            return pkg_err_wrap(errp, "failed parsing --set-string data");
    }
    for (size_t i = 0; i < o->nset_file; i++) {
        rc = chart_strvals_parse(a, base, o->set_file[i], CHART_SET_FILE, file_reader, NULL, errp);
        if (rc)
            return pkg_err_wrap(errp, "failed parsing --set-file data");
    }
    for (size_t i = 0; i < o->nset_literal; i++) {
        rc = chart_strvals_parse(a, base, o->set_literal[i], CHART_SET_LITERAL, NULL, NULL, errp);
        if (rc)
            return pkg_err_wrap(errp, "failed parsing --set-literal data");
    }
    *out = base;
    return 0;
}

struct val *
chart_values_table(const struct val *v, const char *name, const char **miss, size_t *misslen)
{
    const struct val *t = v;
    const char *p = name;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        struct val *x = val_map_get(t, p, n);
        if (!x || x->kind != VAL_MAP) {
            if (miss) {
                *miss = p;
                *misslen = n;
            }
            return NULL;
        }
        if (!dot)
            return x;
        t = x;
        p = dot + 1;
    }
}

/* ---- coalescing ---- */

/* A key path for helm's warnings ("c.sub.x"): segments on the stack,
 * joined (concatPrefix) only when a warning is printed. */
struct kpath {
    const struct kpath *up;
    const char *k;
    size_t kl;
};

static void
kpath_add(struct sb *sb, const struct kpath *p)
{
    if (!p)
        return;
    kpath_add(sb, p->up);
    if (sb->len)
        sb_addch(sb, '.');
    sb_add(sb, p->k, p->kl);
}

/* coalesce.go's warnings: BEFORE, the key path, AFTER, and " (%v)" of v
 * when given. */
static void
coalesce_warn(int line, const char *before, const struct kpath *p, const char *after,
              const struct val *v)
{
    if (!chart_helm_log_enabled())
        return;
    struct sb m = SB_INIT;
    sb_addstr(&m, before);
    struct sb path = SB_INIT;
    kpath_add(&path, p);
    sb_add(&m, path.buf, path.len);
    sb_release(&path);
    sb_addstr(&m, after);
    if (v) {
        sb_addstr(&m, " (");
        tmpl_fmt_v(&m, v);
        sb_addch(&m, ')');
    }
    chart_helm_log("coalesce.go", line, "%s", m.buf);
    sb_release(&m);
}

/* coalesceTablesFullKey */
static struct val *
coalesce_tables(struct arena *a, struct val *dst, struct val *src, bool merge,
                const struct kpath *prefix)
{
    if (!src)
        return dst;
    if (!dst)
        return src;
    for (size_t i = 0; i < val_map_len(src); i++) {
        struct val_mapent *e = &src->u.map.ents[i];
        const char *k = e->key->u.s.ptr;
        size_t kl = e->key->u.s.len;
        struct kpath full = {prefix, k, kl};
        long at = val_map_find(dst, k, kl);
        struct val *dv = at >= 0 ? dst->u.map.ents[at].v : NULL;
        if (at >= 0 && !merge && dv->kind == VAL_NULL) {
            val_map_del(dst, k, kl);
        } else if (at < 0) {
            val_map_append(a, dst, e->key, e->v);
        } else if (is_table(e->v)) {
            if (is_table(dv))
                coalesce_tables(a, dv, e->v, merge, &full);
            else
                coalesce_warn(298, "warning: cannot overwrite table with non table for ", &full, "",
                              e->v);
        } else if (is_table(dv) && e->v->kind != VAL_NULL) {
            coalesce_warn(301, "warning: destination for ", &full,
                          " is a table. Ignoring non-table value", e->v);
        }
        /* else: a scalar in dst wins */
    }
    return dst;
}

struct val *
chart_values_coalesce_tables(struct arena *a, struct val *dst, struct val *src, bool merge)
{
    return coalesce_tables(a, dst, src, merge, NULL);
}

static bool
child_merge_true(const struct chart *c, const char *key, size_t kl, bool merge)
{
    for (size_t i = 0; i < c->ndeps; i++) {
        const char *n = c->deps[i]->meta->name;
        if (strlen(n) == kl && !memcmp(n, key, kl))
            return true;
    }
    return merge;
}

static void
coalesce_values(struct arena *a, const struct chart *c, struct val *v, bool merge,
                const struct kpath *prefix)
{
    struct val *vc = c->values ? val_copy_shared(a, c->values) : NULL;
    if (!vc)
        return;
    struct kpath sub = {prefix, c->meta->name, strlen(c->meta->name)};
    for (size_t i = 0; i < val_map_len(vc); i++) {
        struct val_mapent *e = &vc->u.map.ents[i];
        const char *k = e->key->u.s.ptr;
        size_t kl = e->key->u.s.len;
        long at = val_map_find(v, k, kl);
        if (at >= 0) {
            struct val *value = v->u.map.ents[at].v;
            struct kpath full = {&sub, k, kl};
            if (value->kind == VAL_NULL && !merge) {
                val_map_del(v, k, kl);
            } else if (is_table(value)) {
                if (is_table(e->v))
                    coalesce_tables(a, value, e->v, child_merge_true(c, k, kl, merge), &full);
                else if (e->v->kind != VAL_NULL) /* helm: "%s.%s", subPrefix, key */
                    coalesce_warn(237, "warning: skipped value for ", &full, ": Not a table.",
                                  NULL);
            }
        } else {
            val_map_append(a, v, e->key, e->v);
        }
    }
}

/* copyMap: a shallow copy. */
static struct val *
copy_map(struct arena *a, const struct val *m)
{
    struct val *out = val_map(a);
    for (size_t i = 0; i < val_map_len(m); i++)
        val_map_append(a, out, m->u.map.ents[i].key, m->u.map.ents[i].v);
    return out;
}

static void
coalesce_globals(struct arena *a, struct val *dest, const struct val *src,
                 const struct kpath *prefix)
{
    struct val *dg, *sg;
    struct val *x = val_map_getz(dest, "global");
    if (!x) {
        dg = val_map(a);
    } else if (is_table(x)) {
        dg = x;
    } else {
        coalesce_warn(138, "warning: skipping globals because destination global is not a table.",
                      NULL, "", NULL);
        return;
    }
    struct val *y = val_map_getz(src, "global");
    if (!y) {
        sg = val_map(a);
    } else if (is_table(y)) {
        sg = y;
    } else {
        coalesce_warn(145, "warning: skipping globals because source global is not a table.", NULL,
                      "", NULL);
        return;
    }
    for (size_t i = 0; i < val_map_len(sg); i++) {
        struct val_mapent *e = &sg->u.map.ents[i];
        const char *k = e->key->u.s.ptr;
        size_t kl = e->key->u.s.len;
        struct val *dv = val_map_get(dg, k, kl);
        if (is_table(e->v)) {
            struct val *vv = copy_map(a, e->v);
            if (!dv) {
                val_map_set(a, dg, k, kl, vv);
            } else if (is_table(dv)) {
                struct kpath full = {prefix, k, kl};
                coalesce_tables(a, vv, dv, true, &full);
                val_map_set(a, dg, k, kl, vv);
            } else if (chart_helm_log_enabled()) {
                struct sb q = SB_INIT;
                tmpl_quote(&q, k, kl);
                chart_helm_log("coalesce.go", 161,
                               "Conflict: cannot merge map onto non-map for %s. Skipping.", q.buf);
                sb_release(&q);
            }
        } else if (dv && is_table(dv)) {
            struct kpath key = {NULL, k, kl};
            coalesce_warn(175, "key ", &key, " is table. Skipping", NULL);
        } else {
            val_map_set(a, dg, k, kl, e->v);
        }
    }
    val_map_setz(a, dest, "global", dg);
}

/* Go's %t of a non-bool operand. */
static char *
go_fmt_t(struct arena *a, const struct val *v)
{
    switch (v->kind) {
    case VAL_BOOL:
        return v->u.b ? "true" : "false";
    case VAL_NULL:
        return "%!t(<nil>)";
    case VAL_STRING:
        return arena_sprintf(a, "%%!t(string=%s)", v->u.s.ptr);
    case VAL_INT:
        return arena_sprintf(a, "%%!t(int64=%lld)", (long long)v->u.i);
    case VAL_FLOAT:
        return arena_sprintf(a, "%%!t(float64=%g)", v->u.f);
    default:
        return arena_sprintf(a, "%%!t(%s=...)", chart_go_type(v));
    }
}

static int coalesce(struct arena *a, const struct chart *c, struct val *dest, bool merge,
                    const struct kpath *prefix, struct pkg_err **errp);

static int
coalesce_deps(struct arena *a, const struct chart *c, struct val *dest, bool merge,
              const struct kpath *prefix, struct pkg_err **errp)
{
    struct kpath sub = {prefix, c->meta->name, strlen(c->meta->name)};
    for (size_t i = 0; i < c->ndeps; i++) {
        const struct chart *dep = c->deps[i];
        const char *name = dep->meta->name;
        struct val *cur = val_map_getz(dest, name);
        if (!cur) {
            cur = val_map(a);
            val_map_setz(a, dest, name, cur);
        } else if (!is_table(cur)) {
            return pkg_err_set(errp, PKG_ETYPE, "type mismatch on %s: %s", name, go_fmt_t(a, cur));
        }
        coalesce_globals(a, cur, dest, &sub);
        int rc = coalesce(a, dep, cur, merge, &sub, errp);
        if (rc)
            return rc;
    }
    return 0;
}

static int
coalesce(struct arena *a, const struct chart *c, struct val *dest, bool merge,
         const struct kpath *prefix, struct pkg_err **errp)
{
    coalesce_values(a, c, dest, merge, prefix);
    return coalesce_deps(a, c, dest, merge, prefix, errp);
}

int
chart_values_coalesce(struct val **out, struct arena *a, const struct chart *c,
                      const struct val *vals, bool merge, struct pkg_err **errp)
{
    struct val *copy = vals ? val_copy_shared(a, vals) : val_map(a);
    if (copy->kind != VAL_MAP)
        copy = val_map(a);
    int rc = coalesce(a, c, copy, merge, NULL, errp);
    if (rc)
        return rc;
    *out = copy;
    return 0;
}
