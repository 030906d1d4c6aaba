/* Field specs applied to objects (api/filters/fieldspec, fsslice): a gvk
 * filter and a path of map fields, `name[]` marking sequences whose items
 * are each visited. Transformers pass a setter that changes the reached
 * node in place. */
#include "overlay/kust.h"

#include <string.h>

void
kn_replace(struct val *node, const struct val *v)
{
    *node = *v;
}

void
kfs_split_path(struct arena *a, const char *path, struct kstrv *out)
{
    struct kstrv ps = {0};
    kstr_split(a, &ps, path, '/');
    size_t start = ps.n > 1 && !*ps.v[0] ? 1 : 0;
    for (size_t i = start; i < ps.n; i++) {
        if (out->n > 0 && i > start) {
            const char *last = out->v[out->n - 1];
            size_t ll = strlen(last);
            if (ll > 0 && last[ll - 1] == '\\') {
                out->v[out->n - 1] = arena_sprintf(a, "%.*s/%s", (int)(ll - 1), last, ps.v[i]);
                continue;
            }
        }
        kstrv_push(out, ps.v[i]);
    }
    kstrv_free(&ps);
}

bool
kfs_matches(struct kbuild *b, const struct kfieldspec *fs, const struct val *obj)
{
    if (*fs->gvk.kind && strcmp(fs->gvk.kind, kn_kind(b->a, obj)))
        return false;
    const char *g, *v;
    kgvk_parse_apiversion(b->a, kn_apiversion(b->a, obj), &g, &v);
    if (*fs->gvk.group && strcmp(fs->gvk.group, g))
        return false;
    if (*fs->gvk.version && strcmp(fs->gvk.version, v))
        return false;
    return true;
}

struct walk {
    struct kbuild *b;
    const struct kfieldspec *fs;
    int create_kind;
    kfs_setter set;
    void *payload;
};

static int
walk(struct walk *w, struct val *obj, const char *const *path, size_t n, struct pkg_err **errp)
{
    struct arena *a = w->b->a;
    if (n == 0)
        return w->set(w->b, obj, w->payload, errp);
    if (obj->kind == VAL_NULL)
        return 0;
    if (obj->kind == VAL_SEQ) {
        for (size_t i = 0; i < val_seq_len(obj); i++) {
            int rc = walk(w, val_seq_at(obj, i), path, n, errp);
            if (rc) {
                struct sb p = SB_INIT;
                sb_addch(&p, '[');
                for (size_t j = 0; j < n; j++) {
                    if (j)
                        sb_addch(&p, ' ');
                    sb_addstr(&p, path[j]);
                }
                sb_addch(&p, ']');
                pkg_err_wrap(errp, "visit traversal on path: %s", p.buf);
                sb_release(&p);
                return rc;
            }
        }
        return 0;
    }
    if (obj->kind != VAL_MAP)
        return pkg_err_set(errp, PKG_ETYPE, "expected sequence or mapping node");
    const char *name = path[0];
    size_t nl = strlen(name);
    bool is_seq = nl >= 2 && !strcmp(name + nl - 2, "[]");
    const char *field = is_seq ? arena_strndup(a, name, nl - 2) : name;
    if (!*field)
        return pkg_err_set(errp, PKG_EINVAL, "cannot set or create an empty field name");
    struct val *f = val_map_getz(obj, field);
    int kind = -1;
    if (!w->fs->create || w->create_kind < 0 || is_seq) {
        if (is_seq)
            kind = VAL_SEQ;
    } else if (n <= 1) {
        kind = w->create_kind;
        if (!f) {
            f = val_new(a, (enum val_kind)kind);
            if (kind == VAL_STRING) {
                f->u.s.ptr = "";
                f->src = "";
            }
            val_map_setz(a, obj, field, f);
        }
    } else {
        kind = VAL_MAP;
        if (!f) {
            f = val_map(a);
            val_map_setz(a, obj, field, f);
        }
    }
    if (!f)
        return 0;
    if (f->kind == VAL_NULL && kind >= 0) {
        struct val *nv = val_new(a, (enum val_kind)kind);
        if (kind == VAL_STRING) {
            nv->u.s.ptr = "";
            nv->src = "";
        }
        kn_replace(f, nv);
    }
    return walk(w, f, path + 1, n - 1, errp);
}

int
kfs_apply_one(struct kbuild *b, struct val *obj, const struct kfieldspec *fs, int create_kind,
              kfs_setter set, void *payload, struct pkg_err **errp)
{
    if (!kfs_matches(b, fs, obj))
        return 0;
    struct kstrv path = {0};
    kfs_split_path(b->a, fs->path, &path);
    struct walk w = {b, fs, create_kind, set, payload};
    int rc = walk(&w, obj, path.v, path.n, errp);
    kstrv_free(&path);
    if (rc) {
        struct kres tmp = {.node = obj};
        struct kresid id = kres_curid(b, &tmp);
        pkg_err_wrap(errp, "considering field '%s' of object %s", fs->path,
                     kresid_string(b->a, &id));
    }
    return rc;
}

int
kfs_apply(struct kbuild *b, struct val *obj, const struct kfsslice *specs, int create_kind,
          kfs_setter set, void *payload, struct pkg_err **errp)
{
    for (size_t i = 0; i < specs->n; i++) {
        int rc = kfs_apply_one(b, obj, &specs->v[i], create_kind, set, payload, errp);
        if (rc)
            return rc;
    }
    return 0;
}
