/* The patch plugins: PatchTransformer (`patches:`), the legacy
 * PatchStrategicMergeTransformer (`patchesStrategicMerge:`) and
 * PatchJson6902Transformer (`patchesJson6902:`), with kustomize's target
 * rules: a strategic merge patch without a target applies to the object
 * it names (by any of its previous ids), one with a target to every
 * selected object after taking the target's group/version/kind. */
#include "overlay/plugins.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *
cfg_str(const struct val *cfg, const char *k)
{
    const char *s = val_cstr(kn_get(cfg, k));
    return s ? s : "";
}

static const char *
trim_space(struct arena *a, const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return arena_strndup(a, s, n);
}

/* Resource.ApplySmPatch */
static int
res_apply_smp(struct kbuild *b, struct kres *r, struct kres *patch, struct pkg_err **errp)
{
    struct arena *a = b->a;
    const char *n = kn_name(a, r->node), *ns = kn_namespace(a, r->node), *k = kn_kind(a, r->node);
    bool allow_name = kres_enabled(b, patch, KA_ALLOW_NAME_CHANGE);
    bool allow_kind = kres_enabled(b, patch, KA_ALLOW_KIND_CHANGE);
    if (allow_name || allow_kind)
        kres_store_previd(b, r);
    struct val *out;
    int rc = ksmp_merge(b, &out, r->node, patch->node, errp);
    if (rc)
        return rc;
    r->node = out;
    if (kres_empty(r))
        return 0;
    if (!allow_kind)
        kn_set_kind(a, r->node, k);
    if (!allow_name)
        kn_set_name(a, r->node, n);
    kn_set_namespace(a, r->node, ns);
    return 0;
}

/* ResMap.ApplySmPatch over a selected set of ids. */
static int
map_apply_smp(struct kbuild *b, struct kresmap *m, const struct kresid *ids, size_t nids,
              const struct kres *patch, struct pkg_err **errp)
{
    struct kresmap keep = {0};
    int rc = 0;
    for (size_t i = 0; i < m->n && !rc; i++) {
        struct kres *res = m->v[i];
        struct kresid cur = kres_curid(b, res);
        bool sel = false;
        for (size_t j = 0; j < nids && !sel; j++)
            sel = kresid_same(&cur, &ids[j]);
        if (sel) {
            struct kres *pc = kres_copy(b, patch);
            kres_copy_merge_meta(b, pc, patch);
            kn_set_kind(b->a, pc->node, kn_kind(b->a, res->node));
            kn_set_apiversion(b->a, pc->node, kgvk_apiversion(b->a, &cur.gvk));
            kn_set_kind(b->a, pc->node, kn_kind(b->a, patch->node));
            rc = res_apply_smp(b, res, pc, errp);
        }
        if (!kres_empty(res))
            kresmap_push(&keep, res);
    }
    if (!rc) {
        m->n = 0;
        rc = kresmap_append_all(b, m, &keep, errp);
    }
    kresmap_free(&keep);
    return rc;
}

/* SliceFromBytes for patches: resources or an error. */
static int
sm_patches(struct kbuild *b, const char *text, struct kresmap *out, struct pkg_err **errp)
{
    return kread_resources(b, out, text, strlen(text), "<patch>", errp);
}

static int
json_patch(struct kbuild *b, const char *text, const struct val **ops, struct pkg_err **errp)
{
    if (!*text)
        return pkg_err_set(errp, PKG_EINVAL, "empty json patch operations");
    return kjson6902_parse(b, ops, text, strlen(text), "<patch>", errp);
}

/* GetInternalAnnotations / SetAnnotations after a JSON patch. */
static int
apply_json_to(struct kbuild *b, struct kres *r, const struct val *ops, struct pkg_err **errp)
{
    struct kstrmap before = {0}, internal = {0};
    kn_meta_map(b->a, r->node, "annotations", &before);
    for (size_t i = 0; i < before.n; i++)
        if (!strncmp(before.k[i], "internal.config.kubernetes.io/", 30) ||
            !strcmp(before.k[i], "config.kubernetes.io/path") ||
            !strcmp(before.k[i], "config.kubernetes.io/index") ||
            !strcmp(before.k[i], "config.k8s.io/id"))
            kstrmap_set(&internal, before.k[i], before.v[i]);
    int rc = kjson6902_apply(b, &r->node, ops, errp);
    if (!rc) {
        struct kstrmap after = {0};
        kn_meta_map(b->a, r->node, "annotations", &after);
        for (size_t i = 0; i < internal.n; i++)
            kstrmap_set(&after, internal.k[i], internal.v[i]);
        kn_set_meta_map(b->a, r->node, "annotations", &after);
        kstrmap_free(&after);
    }
    kstrmap_free(&before);
    kstrmap_free(&internal);
    return rc;
}

int
kx_patch_plugin(struct kbuild *b, struct kloader *ldr, const struct val *cfg, struct kresmap *m,
                struct pkg_err **errp)
{
    struct arena *a = b->a;
    const char *patch = trim_space(a, cfg_str(cfg, "patch"));
    const char *path = cfg_str(cfg, "path");
    const struct val *target = kn_get(cfg, "target");
    if (target && target->kind == VAL_NULL)
        target = NULL;
    const char *text, *source;
    if (!*patch && !*path)
        return pkg_err_set(errp, PKG_EINVAL, "must specify one of patch and path in\n%s",
                           "patches entry");
    if (*patch && *path)
        return pkg_err_set(errp, PKG_EINVAL, "patch and path can't be set at the same time\n%s",
                           path);
    if (*patch) {
        text = patch;
        source = arena_sprintf(a, "[patch: %s]", kgo_quote(a, patch));
    } else {
        struct sb content = SB_INIT;
        int rc = kloader_load(b, ldr, path, &content, NULL, errp);
        if (rc) {
            sb_release(&content);
            pkg_err_wrap(errp, "failed to get the patch file from path(%s)", path);
            return rc;
        }
        text = arena_strndup(a, content.buf, content.len);
        sb_release(&content);
        source = arena_sprintf(a, "[path: %s]", kgo_quote(a, path));
    }
    struct kresmap sm = {0};
    struct pkg_err *esm = NULL, *ejs = NULL;
    const struct val *ops = NULL;
    int rsm = sm_patches(b, text, &sm, &esm);
    int rjs = json_patch(b, text, &ops, &ejs);
    pkg_err_free(esm);
    pkg_err_free(ejs);
    bool have_sm = !rsm && sm.n > 0, have_js = !rjs && ops;
    if ((!rsm && !rjs) || (have_sm && have_js)) {
        kresmap_free(&sm);
        return pkg_err_set(errp, PKG_EINVAL, "illegally qualifies as both an SM and JSON patch: %s",
                           source);
    }
    if (rsm && rjs)
        return pkg_err_set(errp, PKG_EINVAL, "unable to parse SM or JSON patch from %s", source);
    const struct val *opts = kn_get(cfg, "options");
    int rc = 0;
    if (!rsm) {
        for (size_t i = 0; i < sm.n; i++) {
            const struct val *o;
            if ((o = kn_get(opts, "allowNameChange")) && o->kind == VAL_BOOL && o->u.b)
                kres_enable(b, sm.v[i], KA_ALLOW_NAME_CHANGE);
            if ((o = kn_get(opts, "allowKindChange")) && o->kind == VAL_BOOL && o->u.b)
                kres_enable(b, sm.v[i], KA_ALLOW_KIND_CHANGE);
        }
        if (target) {
            if (sm.n > 1) {
                kresmap_free(&sm);
                return pkg_err_set(errp, PKG_EINVAL,
                                   "Multiple Strategic-Merge Patches in one `patches` entry is not "
                                   "allowed to set `patches.target` field: %s",
                                   source);
            }
            struct kselector sel;
            kselector_from_val(b, &sel, target, NULL);
            struct kresmap hits = {0};
            rc = kresmap_select(b, m, &sel, &hits, errp);
            if (rc) {
                pkg_err_wrap(errp, "unable to find patch target %s in `resources`",
                             kgo_quote(a, kselector_string(a, &sel)));
            } else if (sm.n == 1) {
                struct kresid *ids = arena_alloc(a, (hits.n + 1) * sizeof(*ids));
                for (size_t i = 0; i < hits.n; i++)
                    ids[i] = kres_curid(b, hits.v[i]);
                rc = map_apply_smp(b, m, ids, hits.n, sm.v[0], errp);
            }
            kresmap_free(&hits);
        } else {
            for (size_t i = 0; i < sm.n && !rc; i++) {
                struct kresid org = kres_orgid(b, sm.v[i]);
                struct kres *t = kresmap_get_by_id(b, m, &org, errp);
                if (!t) {
                    rc = (*errp)->code;
                    pkg_err_wrap(errp, "no resource matches strategic merge patch %s",
                                 kgo_quote(a, kresid_string(a, &org)));
                    break;
                }
                rc = res_apply_smp(b, t, sm.v[i], errp);
            }
        }
        kresmap_free(&sm);
        return rc;
    }
    kresmap_free(&sm);
    if (!target)
        return pkg_err_set(errp, PKG_EINVAL, "must specify a target for JSON patch %s", source);
    struct kselector sel;
    kselector_from_val(b, &sel, target, NULL);
    struct kresmap hits = {0};
    rc = kresmap_select(b, m, &sel, &hits, errp);
    for (size_t i = 0; !rc && i < hits.n; i++) {
        kres_store_previd(b, hits.v[i]);
        rc = apply_json_to(b, hits.v[i], ops, errp);
    }
    kresmap_free(&hits);
    return rc;
}

int
kx_patch_sm_plugin(struct kbuild *b, struct kloader *ldr, const struct val *cfg, struct kresmap *m,
                   struct pkg_err **errp)
{
    struct kresmap patches = {0};
    const struct val *paths = kn_get(cfg, "paths");
    int rc = 0;
    for (size_t i = 0; paths && paths->kind == VAL_SEQ && i < val_seq_len(paths) && !rc; i++) {
        const char *p = kn_text(b->a, val_seq_at(paths, i));
        struct pkg_err *e = NULL;
        struct kresmap one = {0};
        if (sm_patches(b, p, &one, &e) == 0) {
            for (size_t j = 0; j < one.n; j++)
                kresmap_push(&patches, one.v[j]);
            kresmap_free(&one);
            continue;
        }
        pkg_err_free(e);
        kresmap_free(&one);
        struct sb content = SB_INIT;
        const char *real = NULL;
        rc = kloader_load(b, ldr, p, &content, &real, errp);
        if (!rc) {
            rc = kread_resources(b, &one, content.buf, content.len, real, errp);
            if (rc == PKG_ESYNTAX)
                pkg_err_wrap(errp, "%s", p);
            for (size_t j = 0; !rc && j < one.n; j++)
                kresmap_push(&patches, one.v[j]);
            kresmap_free(&one);
        }
        sb_release(&content);
    }
    const char *inl = val_cstr(kn_get(cfg, "patches"));
    if (!rc && inl && *inl) {
        struct kresmap one = {0};
        rc = sm_patches(b, inl, &one, errp);
        for (size_t j = 0; !rc && j < one.n; j++)
            kresmap_push(&patches, one.v[j]);
        kresmap_free(&one);
    }
    if (!rc && patches.n == 0)
        rc = pkg_err_set(errp, PKG_EINVAL, "patch appears to be empty");
    for (size_t i = 0; !rc && i < patches.n; i++) {
        struct kresid org = kres_orgid(b, patches.v[i]);
        struct kres *t = kresmap_get_by_id(b, m, &org, errp);
        if (!t) {
            rc = (*errp)->code;
            break;
        }
        struct kresid cur = kres_curid(b, t);
        rc = map_apply_smp(b, m, &cur, 1, patches.v[i], errp);
    }
    kresmap_free(&patches);
    return rc;
}

int
kx_patch_json_plugin(struct kbuild *b, struct kloader *ldr, const struct val *cfg,
                     struct kresmap *m, struct pkg_err **errp)
{
    struct arena *a = b->a;
    const struct val *target = kn_get(cfg, "target");
    const char *path = cfg_str(cfg, "path");
    const char *op = cfg_str(cfg, "jsonOp");
    if (!*cfg_str(target, "name"))
        return pkg_err_set(errp, PKG_EINVAL, "must specify the target name");
    if (!*path && !*op)
        return pkg_err_set(errp, PKG_EINVAL, "empty file path and empty jsonOp");
    if (*path) {
        if (*op)
            return pkg_err_set(errp, PKG_EINVAL, "must specify a file path or jsonOp, not both");
        struct sb content = SB_INIT;
        int rc = kloader_load(b, ldr, path, &content, NULL, errp);
        if (rc) {
            sb_release(&content);
            return rc;
        }
        op = arena_strndup(a, content.buf, content.len);
        sb_release(&content);
        if (!*op)
            return pkg_err_set(errp, PKG_EINVAL, "patch file '%s' empty seems to be empty", path);
    }
    const struct val *ops = NULL;
    int rc = kjson6902_parse(b, &ops, op, strlen(op), *path ? path : "<jsonOp>", errp);
    if (rc) {
        pkg_err_wrap(errp, "decoding %s", op);
        return rc;
    }
    if (val_seq_len(ops) == 0)
        return pkg_err_set(errp, PKG_EINVAL, "patch appears to be empty; file=%s, JsonOp=%s", path,
                           op);
    struct kselector sel;
    kselector_from_val(b, &sel, target, NULL);
    struct kresmap hits = {0};
    rc = kresmap_select(b, m, &sel, &hits, errp);
    for (size_t i = 0; !rc && i < hits.n; i++)
        rc = apply_json_to(b, hits.v[i], ops, errp);
    kresmap_free(&hits);
    return rc;
}
