/* Built-in plugins kustomize runs for a kustomization's fields and for
 * `generators:` / `transformers:` configs with apiVersion "builtin":
 * namespace, prefix and suffix, labels, annotations, images, replicas,
 * hash suffixes, sorting; patches and replacements dispatch to their own
 * files. Each follows the api/internal/builtins plugin and the
 * api/filters filter it uses. */
#include "overlay/plugins.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

static const char *
cfg_str(const struct val *cfg, const char *k)
{
    const char *s = val_cstr(kn_get(cfg, k));
    return s ? s : "";
}

static bool
cfg_bool(const struct val *cfg, const char *k)
{
    const struct val *v = kn_get(cfg, k);
    return v && v->kind == VAL_BOOL && v->u.b;
}

static void
strmap_from(struct arena *a, const struct val *m, struct kstrmap *out)
{
    for (size_t i = 0; m && m->kind == VAL_MAP && i < val_map_len(m); i++)
        kstrmap_set(out, m->u.map.ents[i].key->u.s.ptr, kn_text(a, m->u.map.ents[i].v));
}

int
kplug_check_builtin(struct kbuild *b, const struct kres *r, struct pkg_err **errp)
{
    const char *av = kn_apiversion(b->a, r->node);
    if (!strcmp(av, "builtin"))
        return 0;
    struct kresid id = kres_orgid(b, (struct kres *)r);
    return pkg_err_set(errp, PKG_ENOTSUP,
                       "external plugins disabled; unable to load external plugin '%s'",
                       id.gvk.kind);
}

/* ---- namespace ---- */

struct ns_set {
    const char *ns;
    bool unset_only;
};

static int
ns_setter(struct kbuild *b, struct val *node, void *payload, struct pkg_err **errp)
{
    (void)errp;
    struct ns_set *s = payload;
    if (s->unset_only) {
        /* hasExistingValue */
        if (!kn_nil_or_empty(node) && node->kind != VAL_MAP && node->kind != VAL_SEQ &&
            *kn_text(b->a, node))
            return 0;
    }
    kn_set_scalar(b->a, node, s->ns, KN_TAG_STR);
    return 0;
}

static int
namespace_one(struct kbuild *b, struct kres *r, const struct kfsslice *all, struct ns_set *s,
              const char *subjects_mode, struct pkg_err **errp)
{
    struct arena *a = b->a;
    const char *av = kn_apiversion(a, r->node);
    struct kfsslice fs = {0};
    for (size_t i = 0; i < all->n; i++) {
        if (!strcmp(all->v[i].path, "metadata/namespace"))
            continue;
        if (strcmp(av, "v1") && !strcmp(all->v[i].path, "metadata/name"))
            continue;
        kfsslice_merge_one(&fs, &all->v[i], NULL);
    }
    struct kresid id = kres_curid(b, r);
    int rc = 0;
    if (!id.gvk.cluster_scoped) {
        struct kfieldspec md = {{"", "", "", false}, "metadata/namespace", true};
        rc = kfs_apply_one(b, r->node, &md, VAL_STRING, ns_setter, s, errp);
    }
    const char *kind = id.gvk.kind;
    bool rb = !strcmp(kind, "RoleBinding") || !strcmp(kind, "ClusterRoleBinding");
    if (!rc && rb) {
        size_t w = 0;
        for (size_t i = 0; i < fs.n; i++) {
            bool rbk = !strcmp(fs.v[i].gvk.kind, "RoleBinding") ||
                       !strcmp(fs.v[i].gvk.kind, "ClusterRoleBinding");
            if (rbk && !strcmp(fs.v[i].path, "subjects/namespace"))
                continue;
            fs.v[w++] = fs.v[i];
        }
        fs.n = w;
        if (strcmp(subjects_mode, "none")) {
            bool all_sa = !strcmp(subjects_mode, "allServiceAccounts");
            struct val *subj = kn_get(r->node, "subjects");
            for (size_t i = 0; subj && subj->kind == VAL_SEQ && i < val_seq_len(subj); i++) {
                struct val *e = val_seq_at(subj, i);
                const char *match = all_sa ? "kind" : "name";
                const char *want = all_sa ? "ServiceAccount" : "default";
                struct val *f = kn_get(e, match);
                if (!f || f->kind == VAL_NULL || strcmp(kn_text(a, f), want))
                    continue;
                struct val *nsf = kn_get(e, "namespace");
                if (!nsf || nsf->kind == VAL_NULL) {
                    nsf = val_new(a, VAL_STRING);
                    nsf->u.s.ptr = "";
                    nsf->src = "";
                    val_map_setz(a, e, "namespace", nsf);
                }
                rc = ns_setter(b, nsf, s, errp);
                if (rc)
                    break;
            }
        }
    }
    if (!rc)
        rc = kfs_apply(b, r->node, &fs, VAL_STRING, ns_setter, s, errp);
    free(fs.v);
    if (rc)
        pkg_err_wrap(errp, "namespace transformation failed");
    return rc;
}

static int
x_namespace(struct kbuild *b, const struct val *cfg, struct kresmap *m, struct pkg_err **errp)
{
    const char *ns = cfg_str(kn_get(cfg, "metadata"), "namespace");
    const char *mode = cfg_str(cfg, "setRoleBindingSubjects");
    if (!*mode)
        mode = "defaultOnly";
    if (strcmp(mode, "defaultOnly") && strcmp(mode, "none") && strcmp(mode, "allServiceAccounts"))
        return pkg_err_set(errp, PKG_EINVAL,
                           "invalid value \"%s\" for setRoleBindingSubjects: must be one of "
                           "\"defaultOnly\", \"none\" or \"allServiceAccounts\"",
                           mode);
    if (!*ns)
        return 0;
    struct kfsslice fs = {0};
    int rc = kfsslice_from_val(b, &fs, kn_get(cfg, "fieldSpecs"), errp);
    struct ns_set s = {ns, cfg_bool(cfg, "unsetOnly")};
    /* after each resource: exactly one resource may hold its new id */
    struct kidcount *ids = rc ? NULL : kidcount_new(b, m);
    for (size_t i = 0; !rc && i < m->n; i++) {
        struct kres *r = m->v[i];
        if (kres_empty(r))
            continue;
        kres_store_previd(b, r);
        struct kresid before = kres_curid(b, r);
        rc = namespace_one(b, r, &fs, &s, mode, errp);
        if (rc)
            break;
        struct kresid id = kres_curid(b, r);
        kidcount_remove(ids, &before);
        kidcount_add(ids, &id);
        if (kidcount_get(ids, &id) != 1)
            rc = pkg_err_set(errp, PKG_ECONFLICT,
                             "namespace transformation produces ID conflict: %s",
                             kresid_string(b->a, &id));
    }
    kidcount_free(ids);
    free(fs.v);
    return rc;
}

/* ---- prefix / suffix ---- */

struct affix {
    const char *prefix, *suffix;
};

static int
affix_setter(struct kbuild *b, struct val *node, void *payload, struct pkg_err **errp)
{
    (void)errp;
    struct affix *x = payload;
    const char *cur = kn_text(b->a, node);
    kn_set_scalar(b->a, node, arena_sprintf(b->a, "%s%s%s", x->prefix, cur, x->suffix),
                  KN_TAG_EMPTY);
    return 0;
}

static bool
affix_skip(const struct kresid *id)
{
    static const struct kgvk skip[] = {{"", "", "CustomResourceDefinition", false},
                                       {"apiregistration.k8s.io", "", "APIService", false},
                                       {"", "", "Namespace", false}};
    for (size_t i = 0; i < 3; i++)
        if (kgvk_is_selected(&id->gvk, &skip[i]))
            return true;
    return false;
}

static int
x_affix(struct kbuild *b, const struct val *cfg, bool prefix, struct kresmap *m,
        struct pkg_err **errp)
{
    const char *v = cfg_str(cfg, prefix ? "prefix" : "suffix");
    const struct val *fsv = kn_get(cfg, "fieldSpecs");
    if (!fsv || fsv->kind == VAL_NULL)
        return pkg_err_set(errp, PKG_EINVAL, "fieldSpecs is not expected to be nil");
    struct kfsslice fs = {0};
    int rc = kfsslice_from_val(b, &fs, fsv, errp);
    struct affix x = {prefix ? v : "", prefix ? "" : v};
    for (size_t i = 0; !rc && i < m->n; i++) {
        struct kres *r = m->v[i];
        struct kresid id = kres_orgid(b, r);
        if (affix_skip(&id))
            continue;
        for (size_t j = 0; !rc && j < fs.n; j++) {
            if (!kgvk_is_selected(&id.gvk, &fs.v[j].gvk))
                continue;
            if (!strcmp(fs.v[j].path, "metadata/name")) {
                kres_csv_append(b, r, prefix ? KA_PREFIXES : KA_SUFFIXES, v);
                if (*v)
                    kres_store_previd(b, r);
            }
            rc = kfs_apply_one(b, r->node, &fs.v[j], VAL_STRING, affix_setter, &x, errp);
        }
    }
    free(fs.v);
    return rc;
}

/* ---- labels and annotations ---- */

struct entry_set {
    const char *k, *v;
};

static int
entry_setter(struct kbuild *b, struct val *node, void *payload, struct pkg_err **errp)
{
    struct entry_set *e = payload;
    if (node->kind != VAL_MAP)
        return pkg_err_set(errp, PKG_ETYPE, "wrong node kind: expected MappingNode but got %s",
                           node->kind == VAL_SEQ ? "SequenceNode" : "ScalarNode");
    kn_set_field(b->a, node, e->k, e->v, KN_TAG_STR);
    return 0;
}

static int
apply_entries(struct kbuild *b, struct kresmap *m, const struct kstrmap *kv,
              const struct kfsslice *fs, struct pkg_err **errp)
{
    if (!kv->n)
        return 0;
    struct kstrmap sorted = {0};
    for (size_t i = 0; i < kv->n; i++)
        kstrmap_set(&sorted, kv->k[i], kv->v[i]);
    kstrmap_sort(&sorted);
    int rc = 0;
    for (size_t i = 0; !rc && i < m->n; i++)
        for (size_t j = 0; !rc && j < sorted.n; j++) {
            struct entry_set e = {sorted.k[j], sorted.v[j]};
            rc = kfs_apply(b, m->v[i]->node, fs, VAL_MAP, entry_setter, &e, errp);
        }
    kstrmap_free(&sorted);
    return rc;
}

int
kx_labels(struct kbuild *b, struct kresmap *m, const struct kstrmap *labels,
          const struct kfsslice *fs, struct pkg_err **errp)
{
    return apply_entries(b, m, labels, fs, errp);
}

static int
x_entries(struct kbuild *b, const struct val *cfg, const char *field, struct kresmap *m,
          struct pkg_err **errp)
{
    struct kstrmap kv = {0};
    strmap_from(b->a, kn_get(cfg, field), &kv);
    struct kfsslice fs = {0};
    int rc = kfsslice_from_val(b, &fs, kn_get(cfg, "fieldSpecs"), errp);
    if (!rc)
        rc = apply_entries(b, m, &kv, &fs, errp);
    kstrmap_free(&kv);
    free(fs.v);
    return rc;
}

/* ---- images ---- */

struct image_set {
    const char *name, *newname, *newtag, *digest, *tagsuffix;
    pcre2_code *re;
    pcre2_match_data *md;
};

static void
image_split(struct arena *a, const char *img, const char **name, const char **tag,
            const char **digest)
{
    const char *search = img;
    size_t slash = 0;
    const char *sl = strchr(img, '/');
    if (sl && sl > img) {
        slash = (size_t)(sl - img);
        search = sl;
    }
    const char *at = strchr(search, '@');
    const char *colon = strchr(search, ':');
    if (!at && !colon) {
        *name = img;
        *tag = *digest = "";
        return;
    }
    if (at && (!colon || at < colon)) {
        size_t id = (size_t)(at - search) + slash;
        *name = arena_strndup(a, img, id);
        *tag = "";
        *digest = img + id + 1;
        return;
    }
    if (at && colon) {
        size_t id = (size_t)(at - search) + slash;
        size_t ic = (size_t)(colon - search) + slash;
        *name = arena_strndup(a, img, ic);
        *tag = arena_strndup(a, img + ic + 1, id - ic - 1);
        *digest = img + id + 1;
        return;
    }
    size_t ic = (size_t)(colon - search) + slash;
    *name = arena_strndup(a, img, ic);
    *tag = img + ic + 1;
    *digest = "";
}

static int
image_update(struct kbuild *b, struct val *node, void *payload, struct pkg_err **errp)
{
    struct image_set *s = payload;
    if (node->kind == VAL_MAP || node->kind == VAL_SEQ)
        return pkg_err_set(errp, PKG_ETYPE, "wrong node kind: expected ScalarNode but got %s",
                           node->kind == VAL_MAP ? "MappingNode" : "SequenceNode");
    const char *value = kn_text(b->a, node);
    if (!s->re || pcre2_match(s->re, (PCRE2_SPTR)value, strlen(value), 0, 0, s->md, NULL) < 0)
        return 0;
    const char *name, *tag, *digest;
    image_split(b->a, value, &name, &tag, &digest);
    if (*s->newname)
        name = s->newname;
    if (*s->newtag && *s->digest) {
        tag = s->newtag;
        digest = s->digest;
    } else if (*s->newtag) {
        tag = s->newtag;
        digest = "";
    } else if (*s->digest) {
        tag = "";
        digest = s->digest;
    } else if (*s->tagsuffix) {
        tag = arena_sprintf(b->a, "%s%s", tag, s->tagsuffix);
        digest = "";
    }
    const char *r = name;
    if (*tag)
        r = arena_sprintf(b->a, "%s:%s", r, tag);
    if (*digest)
        r = arena_sprintf(b->a, "%s@%s", r, digest);
    kn_set_scalar(b->a, node, r, KN_TAG_EMPTY);
    return 0;
}

/* LegacyFilter: every containers/initContainers list anywhere. */
static int
image_legacy_walk(struct kbuild *b, struct val *node, struct image_set *s, int depth,
                  struct pkg_err **errp)
{
    if (depth > 500)
        return 0;
    if (node->kind == VAL_MAP) {
        for (size_t i = 0; i < val_map_len(node); i++) {
            struct val *v = node->u.map.ents[i].v;
            int rc = image_legacy_walk(b, v, s, depth + 1, errp);
            if (rc)
                return rc;
            const char *k = node->u.map.ents[i].key->u.s.ptr;
            if ((!strcmp(k, "containers") || !strcmp(k, "initContainers")) && v->kind == VAL_SEQ) {
                for (size_t j = 0; j < val_seq_len(v); j++) {
                    struct val *img = kn_get(val_seq_at(v, j), "image");
                    if (!img)
                        continue;
                    rc = image_update(b, img, s, errp);
                    if (rc)
                        return rc;
                }
            }
        }
    } else if (node->kind == VAL_SEQ) {
        for (size_t i = 0; i < val_seq_len(node); i++) {
            int rc = image_legacy_walk(b, val_seq_at(node, i), s, depth + 1, errp);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int
x_image(struct kbuild *b, const struct val *cfg, struct kresmap *m, struct pkg_err **errp)
{
    const struct val *it = kn_get(cfg, "imageTag");
    struct image_set s = {cfg_str(it, "name"),
                          cfg_str(it, "newName"),
                          cfg_str(it, "newTag"),
                          cfg_str(it, "digest"),
                          cfg_str(it, "tagSuffix"),
                          NULL,
                          NULL};
    char *pat = xasprintf("^%s(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$", s.name);
    int ec;
    PCRE2_SIZE off;
    s.re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_DOLLAR_ENDONLY,
                         &ec, &off, NULL);
    free(pat);
    if (s.re)
        s.md = pcre2_match_data_create_from_pattern(s.re, NULL);
    struct kfsslice fs = {0};
    int rc = kfsslice_from_val(b, &fs, kn_get(cfg, "fieldSpecs"), errp);
    for (size_t i = 0; !rc && i < m->n; i++)
        if (strcmp(kn_kind(b->a, m->v[i]->node), "CustomResourceDefinition"))
            rc = image_legacy_walk(b, m->v[i]->node, &s, 0, errp);
    for (size_t i = 0; !rc && i < m->n; i++)
        if (strcmp(kn_kind(b->a, m->v[i]->node), "CustomResourceDefinition"))
            rc = kfs_apply(b, m->v[i]->node, &fs, -1, image_update, &s, errp);
    free(fs.v);
    pcre2_match_data_free(s.md);
    pcre2_code_free(s.re);
    return rc;
}

/* ---- replicas ---- */

static int
replica_setter(struct kbuild *b, struct val *node, void *payload, struct pkg_err **errp)
{
    (void)errp;
    const char *count = payload;
    kn_set_scalar(b->a, node, count, KN_TAG_INT);
    return 0;
}

static int
x_replicas(struct kbuild *b, const struct val *cfg, struct kresmap *m, struct pkg_err **errp)
{
    const struct val *rep = kn_get(cfg, "replica");
    const char *name = cfg_str(rep, "name");
    const struct val *cv = kn_get(rep, "count");
    long long count = cv && cv->kind == VAL_INT ? (long long)cv->u.i : 0;
    const char *cs = arena_sprintf(b->a, "%lld", count);
    struct kfsslice fs = {0};
    int rc = kfsslice_from_val(b, &fs, kn_get(cfg, "fieldSpecs"), errp);
    bool found = false;
    for (size_t j = 0; !rc && j < fs.n; j++) {
        for (size_t i = 0; !rc && i < m->n; i++) {
            struct kres *r = m->v[i];
            struct kresid *prev;
            size_t np = kres_previds(b, r, &prev);
            struct kresid cur = kres_curid(b, r);
            bool hit = false;
            for (size_t k = 0; k <= np && !hit; k++) {
                const struct kresid *id = k < np ? &prev[k] : &cur;
                hit = !strcmp(id->name, name) && kgvk_is_selected(&id->gvk, &fs.v[j].gvk);
            }
            if (!hit)
                continue;
            found = true;
            rc = kfs_apply_one(b, r->node, &fs.v[j], VAL_STRING, replica_setter, (void *)cs, errp);
        }
    }
    if (!rc && !found) {
        struct sb g = SB_INIT;
        sb_addch(&g, '[');
        for (size_t j = 0; j < fs.n; j++) {
            if (j)
                sb_addch(&g, ' ');
            sb_addstr(&g, kgvk_string(b->a, &fs.v[j].gvk));
        }
        sb_addch(&g, ']');
        rc = pkg_err_set(errp, PKG_ENOENT,
                         "resource with name %s does not match a config with the following GVK %s",
                         name, g.buf);
        sb_release(&g);
    }
    free(fs.v);
    return rc;
}

/* ---- hash suffixes ---- */

int
kx_hash_names(struct kbuild *b, struct kresmap *m, struct pkg_err **errp)
{
    for (size_t i = 0; i < m->n; i++) {
        struct kres *r = m->v[i];
        if (!kres_enabled(b, r, KA_NEEDS_HASH))
            continue;
        char h[11];
        int rc = khash_resource(b, r->node, h, errp);
        if (rc)
            return rc;
        kres_store_previd(b, r);
        kn_set_name(b->a, r->node, arena_sprintf(b->a, "%s-%s", kn_name(b->a, r->node), h));
    }
    return 0;
}

/* ---- sort ---- */

struct sortent {
    struct kres *r;
    struct kresid id;
};

struct sortctx {
    const char *const *first;
    size_t nfirst;
    const char *const *last;
    size_t nlast;
};

static int
type_order(const struct sortctx *c, const char *kind)
{
    /* Later entries win, as Go's map assignment does. */
    int r = 0;
    for (size_t i = 0; i < c->nfirst; i++)
        if (!strcmp(c->first[i], kind))
            r = -(int)c->nfirst + (int)i;
    for (size_t i = 0; i < c->nlast; i++)
        if (!strcmp(c->last[i], kind))
            r = 1 + (int)i;
    return r;
}

static const char *
gvk_sort_string(struct arena *a, const struct kgvk *g)
{
    return arena_sprintf(a, "%s_%s_%s", *g->group ? g->group : "~G",
                         *g->version ? g->version : "~V", *g->kind ? g->kind : "~K");
}

static bool
sort_less(struct arena *a, const struct sortctx *c, const struct sortent *x,
          const struct sortent *y)
{
    if (!kgvk_equals(&x->id.gvk, &y->id.gvk)) {
        int i = type_order(c, x->id.gvk.kind), j = type_order(c, y->id.gvk.kind);
        if (i != j)
            return i < j;
        int cmp = strcmp(gvk_sort_string(a, &x->id.gvk), gvk_sort_string(a, &y->id.gvk));
        if (!strcmp(x->id.gvk.kind, "Namespace") && !strcmp(y->id.gvk.kind, "Namespace") &&
            (!*x->id.gvk.group || !*y->id.gvk.group))
            return cmp > 0;
        return cmp < 0;
    }
    const char *sx = arena_sprintf(a, "%s|%s|%s", kgvk_string(a, &x->id.gvk),
                                   *x->id.ns ? x->id.ns : "~X", *x->id.name ? x->id.name : "~N");
    const char *sy = arena_sprintf(a, "%s|%s|%s", kgvk_string(a, &y->id.gvk),
                                   *y->id.ns ? y->id.ns : "~X", *y->id.name ? y->id.name : "~N");
    return strcmp(sx, sy) < 0;
}

static const char *const default_first[] = {
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
};
static const char *const default_last[] = {"MutatingWebhookConfiguration",
                                           "ValidatingWebhookConfiguration"};

static void
str_list(struct arena *a, const struct val *l, const char ***out, size_t *n)
{
    *n = l && l->kind == VAL_SEQ ? val_seq_len(l) : 0;
    *out = arena_alloc(a, (*n + 1) * sizeof(**out));
    for (size_t i = 0; i < *n; i++)
        (*out)[i] = kn_text(a, val_seq_at(l, i));
}

int
kx_sort(struct kbuild *b, struct kresmap *m, const struct val *opts, struct pkg_err **errp)
{
    const char *order = "legacy";
    const struct val *legacy = NULL;
    if (opts && opts->kind == VAL_MAP) {
        order = cfg_str(opts, "order");
        legacy = kn_get(opts, "legacySortOptions");
        if (legacy && legacy->kind == VAL_NULL)
            legacy = NULL;
        if (!*order)
            order = "fifo";
    }
    if (strcmp(order, "fifo") && strcmp(order, "legacy"))
        return pkg_err_set(errp, PKG_EINVAL,
                           "the field 'sortOptions.order' must be one of [fifo, legacy]");
    if (!strcmp(order, "fifo")) {
        if (legacy)
            return pkg_err_set(errp, PKG_EINVAL,
                               "the field 'sortOptions.legacySortOptions' is set but the selected "
                               "sort order is 'fifo', not 'legacy'");
        return 0;
    }
    struct sortctx c = {default_first, sizeof(default_first) / sizeof(default_first[0]),
                        default_last, 2};
    if (legacy) {
        const char **f, **l;
        str_list(b->a, kn_get(legacy, "orderFirst"), &f, &c.nfirst);
        str_list(b->a, kn_get(legacy, "orderLast"), &l, &c.nlast);
        c.first = f;
        c.last = l;
    }
    struct sortent *e = xcalloc(m->n ? m->n : 1, sizeof(*e));
    for (size_t i = 0; i < m->n; i++) {
        e[i].r = m->v[i];
        e[i].id = kres_curid(b, m->v[i]);
    }
    /* a total order: any sort gives kustomize's result; merge-insertion
     * keeps it simple and n is small */
    for (size_t i = 1; i < m->n; i++) {
        struct sortent x = e[i];
        size_t lo = 0, hi = i;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (sort_less(b->a, &c, &x, &e[mid]))
                hi = mid;
            else
                lo = mid + 1;
        }
        memmove(e + lo + 1, e + lo, (i - lo) * sizeof(*e));
        e[lo] = x;
    }
    for (size_t i = 0; i < m->n; i++)
        m->v[i] = e[i].r;
    free(e);
    return 0;
}

/* ---- ValueAddTransformer ---- */

/* filesys.InsertPathPart */
static const char *
insert_path_part(struct arena *a, const char *path, long pos, const char *part)
{
    if (!*part)
        return path;
    struct kstrv parts = {0};
    if (*path) {
        /* PathSplit: "/a/b" -> "", "a", "b"; "a//b" keeps Go's quirks out of scope */
        kstr_split(a, &parts, path, '/');
        size_t w = 0;
        for (size_t i = 0; i < parts.n; i++)
            if (i == 0 || *parts.v[i])
                parts.v[w++] = parts.v[i];
        parts.n = w;
    }
    if (pos < 0)
        pos = 0;
    else if ((size_t)pos > parts.n)
        pos = (long)parts.n;
    if (parts.n > 0 && !*parts.v[0] && (size_t)pos < parts.n)
        pos++;
    struct sb sb = SB_INIT;
    bool abs = parts.n > 0 && !*parts.v[0] && pos != 0;
    size_t total = parts.n + 1;
    bool first = true;
    for (size_t i = 0; i < total; i++) {
        const char *x = (long)i == pos ? part : parts.v[(long)i < pos ? i : i - 1];
        if (!*x)
            continue;
        if (!first || abs)
            sb_addch(&sb, '/');
        sb_addstr(&sb, x);
        first = false;
    }
    char *c = fs_clean(sb.buf);
    const char *r = arena_strdup(a, abs && c[0] != '/' ? sb.buf : c);
    free(c);
    sb_release(&sb);
    kstrv_free(&parts);
    return r;
}

static int
x_valueadd(struct kbuild *b, struct kloader *ldr, const struct val *cfg, struct kresmap *m,
           struct pkg_err **errp)
{
    struct arena *a = b->a;
    const char *value = cfg_str(cfg, "value");
    while (*value == ' ' || *value == '\t' || *value == '\n')
        value++;
    if (!*value) {
        const char *slash = strrchr(ldr->root, '/');
        value = slash && slash[1] ? slash + 1 : ldr->root;
    }
    struct val *targets = val_seq(a);
    const struct val *t0 = kn_get(cfg, "targets");
    for (size_t i = 0; t0 && t0->kind == VAL_SEQ && i < val_seq_len(t0); i++)
        val_seq_push(a, targets, val_seq_at(t0, i));
    const char *tfp = cfg_str(cfg, "targetFilePath");
    if (*tfp) {
        struct sb content = SB_INIT;
        const char *real = NULL;
        int rc = kloader_load(b, ldr, tfp, &content, &real, errp);
        struct val *docs = NULL;
        if (!rc) {
            struct val_yaml_opts yo = {.dialect = VAL_YAML_HELM, .allow_duplicate_keys = true};
            rc = val_yaml_load_all(&docs, a, content.buf, content.len, real, &yo, errp);
        }
        sb_release(&content);
        if (rc)
            return rc;
        const struct val *more = kn_get(val_seq_len(docs) ? val_seq_at(docs, 0) : NULL, "targets");
        for (size_t i = 0; more && more->kind == VAL_SEQ && i < val_seq_len(more); i++)
            val_seq_push(a, targets, val_seq_at(more, i));
    }
    if (val_seq_len(targets) == 0)
        return pkg_err_set(errp, PKG_EINVAL, "must specify at least one target");
    for (size_t i = 0; i < val_seq_len(targets); i++) {
        const struct val *t = val_seq_at(targets, i);
        const struct val *pos = kn_get(t, "filePathPosition");
        if (!*cfg_str(t, "fieldPath"))
            return pkg_err_set(errp, PKG_EINVAL, "fieldPath cannot be empty");
        if (pos && pos->kind == VAL_INT && pos->u.i < 0)
            return pkg_err_set(errp, PKG_EINVAL,
                               "value of FilePathPosition (%lld) cannot be negative",
                               (long long)pos->u.i);
    }
    for (size_t i = 0; i < val_seq_len(targets); i++) {
        const struct val *t = val_seq_at(targets, i);
        const struct val *sel = kn_get(t, "selector");
        const char *fp = cfg_str(t, "fieldPath");
        const struct val *pv = kn_get(t, "filePathPosition");
        long pos = pv && pv->kind == VAL_INT ? (long)pv->u.i : 0;
        struct kresmap hits = {0};
        int rc = 0;
        if (!sel || sel->kind == VAL_NULL) {
            for (size_t j = 0; j < m->n; j++)
                kresmap_push(&hits, m->v[j]);
        } else {
            struct kselector ks;
            kselector_from_val(b, &ks, sel, NULL);
            rc = kresmap_select(b, m, &ks, &hits, errp);
        }
        for (size_t j = 0; !rc && j < hits.n; j++) {
            struct kres *r = hits.v[j];
            if (!strcmp(fp, "metadata/namespace")) {
                struct ns_set s = {value, false};
                struct kfsslice none = {0};
                rc = namespace_one(b, r, &none, &s, "defaultOnly", errp);
                continue;
            }
            struct kstrv fields = {0};
            kfs_split_path(a, fp, &fields);
            struct val *cur = r->node;
            for (size_t k = 0; cur && k < fields.n; k++) {
                if (cur->kind != VAL_MAP) {
                    rc = pkg_err_set(errp, PKG_ETYPE,
                                     "wrong node kind: expected MappingNode but got %s",
                                     cur->kind == VAL_SEQ ? "SequenceNode" : "ScalarNode");
                    break;
                }
                struct val *next = kn_get(cur, fields.v[k]);
                if (!next) {
                    if (k + 1 == fields.n) {
                        next = val_new(a, VAL_STRING);
                        next->u.s.ptr = "";
                        next->src = "";
                    } else {
                        next = val_map(a);
                    }
                    val_map_setz(a, cur, fields.v[k], next);
                }
                cur = next;
            }
            kstrv_free(&fields);
            if (rc)
                break;
            if (cur->kind == VAL_MAP || cur->kind == VAL_SEQ) {
                rc = pkg_err_set(errp, PKG_ETYPE, "wrong node kind: expected ScalarNode but got %s",
                                 cur->kind == VAL_MAP ? "MappingNode" : "SequenceNode");
                break;
            }
            const char *nv = value;
            if (pos > 0)
                nv = insert_path_part(a, kn_text(a, cur), pos - 1, value);
            kn_set_scalar(a, cur, nv, KN_TAG_EMPTY);
        }
        kresmap_free(&hits);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- IAMPolicyGenerator (api/filters/iampolicygenerator) ---- */

static int
x_iampolicy(struct kbuild *b, const struct val *cfg, struct kresmap *out, struct pkg_err **errp)
{
    const char *cloud = cfg_str(cfg, "cloud");
    if (strcmp(cloud, "gke"))
        return pkg_err_set(errp, PKG_ENOTSUP, "cloud provider %s not supported yet", cloud);
    const struct val *ks = kn_get(cfg, "kubernetesService");
    const struct val *sa = kn_get(cfg, "serviceAccount");
    /* the generator writes YAML text and parses it: values are YAML */
    struct sb y = SB_INIT;
    sb_addf(&y,
            "\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  annotations:\n"
            "    iam.gke.io/gcp-service-account: %s@%s.iam.gserviceaccount.com\n  name: %s\n",
            cfg_str(sa, "name"), cfg_str(sa, "projectId"), cfg_str(ks, "name"));
    if (*cfg_str(ks, "namespace"))
        sb_addf(&y, "\n  namespace: %s", cfg_str(ks, "namespace"));
    int rc = kread_resources(b, out, y.buf, y.len, "IAMPolicyGenerator", errp);
    sb_release(&y);
    return rc;
}

/* ---- dispatch ---- */

int
kplug_generate(struct kbuild *b, struct kloader *ldr, const char *kind, const struct val *cfg,
               struct kresmap *out, struct pkg_err **errp)
{
    if (!strcmp(kind, "ConfigMapGenerator") || !strcmp(kind, "SecretGenerator")) {
        /* metadata.name/namespace stand in for missing args */
        struct val *args = val_copy(b->a, cfg);
        const struct val *md = kn_get(cfg, "metadata");
        if (!*cfg_str(args, "name") && *cfg_str(md, "name"))
            val_map_setz(b->a, args, "name", val_strz(b->a, cfg_str(md, "name")));
        if (!*cfg_str(args, "namespace") && *cfg_str(md, "namespace"))
            val_map_setz(b->a, args, "namespace", val_strz(b->a, cfg_str(md, "namespace")));
        struct kres *r = NULL;
        int rc = !strcmp(kind, "ConfigMapGenerator") ? kgen_configmap(b, ldr, args, NULL, &r, errp)
                                                     : kgen_secret(b, ldr, args, NULL, &r, errp);
        if (!rc)
            kresmap_push(out, r);
        return rc;
    }
    if (!strcmp(kind, "HelmChartInflationGenerator"))
        return kx_helm(b, ldr, cfg, out, errp);
    if (!strcmp(kind, "IAMPolicyGenerator"))
        return x_iampolicy(b, cfg, out, errp);
    return pkg_err_set(errp, PKG_EINVAL, "plugin %s not a generator", kind);
}

int
kplug_transform(struct kbuild *b, struct kloader *ldr, const char *kind, const struct val *cfg,
                struct kresmap *m, struct pkg_err **errp)
{
    if (!strcmp(kind, "PatchStrategicMergeTransformer"))
        return kx_patch_sm_plugin(b, ldr, cfg, m, errp);
    if (!strcmp(kind, "PatchTransformer"))
        return kx_patch_plugin(b, ldr, cfg, m, errp);
    if (!strcmp(kind, "PatchJson6902Transformer"))
        return kx_patch_json_plugin(b, ldr, cfg, m, errp);
    if (!strcmp(kind, "NamespaceTransformer"))
        return x_namespace(b, cfg, m, errp);
    if (!strcmp(kind, "PrefixTransformer"))
        return x_affix(b, cfg, true, m, errp);
    if (!strcmp(kind, "SuffixTransformer"))
        return x_affix(b, cfg, false, m, errp);
    if (!strcmp(kind, "PrefixSuffixTransformer")) {
        int rc = x_affix(b, cfg, true, m, errp);
        return rc ? rc : x_affix(b, cfg, false, m, errp);
    }
    if (!strcmp(kind, "LabelTransformer"))
        return x_entries(b, cfg, "labels", m, errp);
    if (!strcmp(kind, "AnnotationsTransformer"))
        return x_entries(b, cfg, "annotations", m, errp);
    if (!strcmp(kind, "ImageTagTransformer"))
        return x_image(b, cfg, m, errp);
    if (!strcmp(kind, "ReplicaCountTransformer"))
        return x_replicas(b, cfg, m, errp);
    if (!strcmp(kind, "ReplacementTransformer"))
        return kx_replacements(b, ldr, m, kn_get(cfg, "replacements"), errp);
    if (!strcmp(kind, "HashTransformer"))
        return kx_hash_names(b, m, errp);
    if (!strcmp(kind, "ValueAddTransformer"))
        return x_valueadd(b, ldr, cfg, m, errp);
    if (!strcmp(kind, "ConfigMapGenerator") || !strcmp(kind, "SecretGenerator") ||
        !strcmp(kind, "HelmChartInflationGenerator") || !strcmp(kind, "IAMPolicyGenerator"))
        return pkg_err_set(errp, PKG_EINVAL, "plugin %s not a transformer", kind);
    return pkg_err_set(errp, PKG_EINVAL, "unable to load builtin %s", kind);
}
