/* Resource ids (group/version/kind, name, namespace) with kustomize's
 * equality rules, resources with their build annotations, and resource
 * maps: ordered lists with kustomize's append, absorb (generator
 * behaviors) and select (patch targets) rules. */
#include "overlay/kust.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- gvk and ids ---- */

struct kgvk
kgvk_make(struct kbuild *b, const char *group, const char *version, const char *kind)
{
    struct kgvk g = {group ? group : "", version ? version : "", kind ? kind : "", false};
    const char *av = kgvk_apiversion(b->a, &g);
    bool found = false;
    bool ns = ksch_namespaced(b->custom_schema, av, g.kind, &found);
    g.cluster_scoped = found && !ns;
    return g;
}

void
kgvk_parse_apiversion(struct arena *a, const char *av, const char **group, const char **version)
{
    const char *slash = strchr(av, '/');
    if (slash) {
        *group = arena_strndup(a, av, (size_t)(slash - av));
        *version = slash + 1;
    } else {
        *group = "";
        *version = av;
    }
}

const char *
kgvk_apiversion(struct arena *a, const struct kgvk *g)
{
    if (*g->group)
        return arena_sprintf(a, "%s/%s", g->group, g->version);
    return g->version;
}

bool
kgvk_equals(const struct kgvk *x, const struct kgvk *y)
{
    return !strcmp(x->group, y->group) && !strcmp(x->version, y->version) &&
           !strcmp(x->kind, y->kind);
}

bool
kgvk_is_selected(const struct kgvk *x, const struct kgvk *sel)
{
    if (!sel)
        return true;
    if (*sel->group && strcmp(x->group, sel->group))
        return false;
    if (*sel->version && strcmp(x->version, sel->version))
        return false;
    if (*sel->kind && strcmp(x->kind, sel->kind))
        return false;
    return true;
}

static const char *const order_first[] = {
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
static const char *const order_last[] = {"MutatingWebhookConfiguration",
                                         "ValidatingWebhookConfiguration"};

static int
type_order(const char *kind)
{
    size_t nf = sizeof(order_first) / sizeof(order_first[0]);
    for (size_t i = 0; i < nf; i++)
        if (!strcmp(order_first[i], kind))
            return -(int)nf + (int)i;
    for (size_t i = 0; i < 2; i++)
        if (!strcmp(order_last[i], kind))
            return 1 + (int)i;
    return 0;
}

/* stableSortString: group_version_kind with ~G/~V/~K for empties. */
static int
stable_cmp(const struct kgvk *x, const struct kgvk *y)
{
    char bx[512], by[512];
    snprintf(bx, sizeof(bx), "%s_%s_%s", *x->group ? x->group : "~G",
             *x->version ? x->version : "~V", *x->kind ? x->kind : "~K");
    snprintf(by, sizeof(by), "%s_%s_%s", *y->group ? y->group : "~G",
             *y->version ? y->version : "~V", *y->kind ? y->kind : "~K");
    return strcmp(bx, by);
}

bool
kgvk_less(const struct kgvk *x, const struct kgvk *y)
{
    int i = type_order(x->kind), j = type_order(y->kind);
    if (i != j)
        return i < j;
    return stable_cmp(x, y) < 0;
}

/* kgvk_less's two parts, computed once per element by kgvk_sort. */
struct gvk_key {
    int order;
    char *s; /* stable_cmp's string */
    size_t i;
};

static int
gvk_key_cmp(const void *pa, const void *pb)
{
    const struct gvk_key *a = pa, *b = pb;
    if (a->order != b->order)
        return a->order < b->order ? -1 : 1;
    int c = strcmp(a->s, b->s);
    if (c)
        return c;
    return a->i < b->i ? -1 : a->i > b->i;
}

void
kgvk_sort(void *base, size_t n, size_t size, size_t gvk_off)
{
    if (n < 2)
        return;
    struct gvk_key *k = xcalloc(n, sizeof(*k));
    char *tmp = xmalloc(n * size);
    for (size_t i = 0; i < n; i++) {
        const struct kgvk *g = (const struct kgvk *)((char *)base + i * size + gvk_off);
        char buf[512];
        snprintf(buf, sizeof(buf), "%s_%s_%s", *g->group ? g->group : "~G",
                 *g->version ? g->version : "~V", *g->kind ? g->kind : "~K");
        k[i] = (struct gvk_key){type_order(g->kind), xstrdup(buf), i};
    }
    qsort(k, n, sizeof(*k), gvk_key_cmp);
    for (size_t i = 0; i < n; i++) {
        memcpy(tmp + i * size, (char *)base + k[i].i * size, size);
        free(k[i].s);
    }
    memcpy(base, tmp, n * size);
    free(tmp);
    free(k);
}

const char *
kgvk_string(struct arena *a, const struct kgvk *g)
{
    return arena_sprintf(a, "%s.%s.%s", *g->kind ? g->kind : "[noKind]",
                         *g->version ? g->version : "[noVer]", *g->group ? g->group : "[noGrp]");
}

const char *
kresid_string(struct arena *a, const struct kresid *id)
{
    return arena_sprintf(a, "%s/%s.%s", kgvk_string(a, &id->gvk), *id->name ? id->name : "[noName]",
                         *id->ns ? id->ns : "[noNs]");
}

struct kresid
kresid_from_string(struct kbuild *b, const char *s)
{
    struct kresid id = {0};
    const char *slash = strchr(s, '/');
    const char *gvks = slash ? arena_strndup(b->a, s, (size_t)(slash - s)) : s;
    const char *rest = slash ? slash + 1 : "";
    struct kstrv parts = {0};
    kstr_split(b->a, &parts, gvks, '.');
    if (parts.n < 3) {
        id.gvk = (struct kgvk){"[noGrp]", "[noVer]", "[noKind]", false};
    } else {
        const char *k = parts.v[0], *v = parts.v[1];
        struct sb g = SB_INIT;
        for (size_t i = 2; i < parts.n; i++) {
            if (i > 2)
                sb_addch(&g, '.');
            sb_addstr(&g, parts.v[i]);
        }
        const char *gs = arena_strdup(b->a, g.buf);
        sb_release(&g);
        id.gvk = kgvk_make(b, strcmp(gs, "[noGrp]") ? gs : "", strcmp(v, "[noVer]") ? v : "",
                           strcmp(k, "[noKind]") ? k : "");
    }
    kstrv_free(&parts);
    const char *dot = strrchr(rest, '.');
    const char *ns = dot ? dot + 1 : rest;
    const char *nm = dot ? arena_strndup(b->a, rest, (size_t)(dot - rest)) : "";
    id.ns = strcmp(ns, "[noNs]") ? ns : "";
    id.name = strcmp(nm, "[noName]") ? nm : "";
    return id;
}

const char *
kresid_effective_ns(const struct kresid *id)
{
    if (id->gvk.cluster_scoped)
        return "_non_namespaceable_";
    if (!*id->ns || !strcmp(id->ns, "default"))
        return "default";
    return id->ns;
}

bool
kresid_ns_equals(const struct kresid *x, const struct kresid *y)
{
    return !strcmp(kresid_effective_ns(x), kresid_effective_ns(y));
}

bool
kresid_gvkn_equals(const struct kresid *x, const struct kresid *y)
{
    return !strcmp(x->name, y->name) && kgvk_equals(&x->gvk, &y->gvk);
}

bool
kresid_equals(const struct kresid *x, const struct kresid *y)
{
    return kresid_ns_equals(x, y) && kresid_gvkn_equals(x, y);
}

bool
kresid_same(const struct kresid *x, const struct kresid *y)
{
    return kgvk_equals(&x->gvk, &y->gvk) && x->gvk.cluster_scoped == y->gvk.cluster_scoped &&
           !strcmp(x->name, y->name) && !strcmp(x->ns, y->ns);
}

/* ---- resources ---- */

struct kres *
kres_new(struct kbuild *b, struct val *node)
{
    struct kres *r = arena_alloc(b->a, sizeof(*r));
    r->node = node;
    return r;
}

void
kres_add_refvar(struct kbuild *b, struct kres *r, const char *name)
{
    r->refvars = arena_realloc(b->a, r->refvars, r->nrefvars * sizeof(*r->refvars),
                               (r->nrefvars + 1) * sizeof(*r->refvars));
    r->refvars[r->nrefvars++] = name;
}

struct kres *
kres_copy(struct kbuild *b, const struct kres *r)
{
    struct kres *c = kres_new(b, val_copy(b->a, r->node));
    for (size_t i = 0; i < r->nrefvars; i++)
        kres_add_refvar(b, c, r->refvars[i]);
    return c;
}

struct kresid
kres_curid(struct kbuild *b, const struct kres *r)
{
    struct kresid id;
    const char *g, *v;
    kgvk_parse_apiversion(b->a, kn_apiversion(b->a, r->node), &g, &v);
    id.gvk = kgvk_make(b, g, v, kn_kind(b->a, r->node));
    id.name = kn_name(b->a, r->node);
    id.ns = kn_namespace(b->a, r->node);
    return id;
}

size_t
kres_previds(struct kbuild *b, const struct kres *r, struct kresid **out)
{
    *out = NULL;
    const char *names = kn_annotation(b->a, r->node, KA_PREV_NAMES);
    if (!names)
        return 0;
    const char *nss = kn_annotation(b->a, r->node, KA_PREV_NAMESPACES);
    const char *kinds = kn_annotation(b->a, r->node, KA_PREV_KINDS);
    struct kstrv n = {0}, s = {0}, k = {0};
    kstr_split(b->a, &n, names, ',');
    kstr_split(b->a, &s, nss ? nss : "", ',');
    kstr_split(b->a, &k, kinds ? kinds : "", ',');
    size_t cnt = 0;
    if (n.n == s.n && n.n == k.n) {
        const char *g, *v;
        kgvk_parse_apiversion(b->a, kn_apiversion(b->a, r->node), &g, &v);
        *out = arena_alloc(b->a, n.n * sizeof(**out));
        for (size_t i = 0; i < n.n; i++) {
            /* PrevIds builds its Gvk literally: never cluster-scoped. */
            (*out)[i].gvk = (struct kgvk){g, v, k.v[i], false};
            (*out)[i].name = n.v[i];
            (*out)[i].ns = s.v[i];
        }
        cnt = n.n;
    }
    kstrv_free(&n);
    kstrv_free(&s);
    kstrv_free(&k);
    return cnt;
}

struct kresid
kres_orgid(struct kbuild *b, const struct kres *r)
{
    struct kresid *ids;
    if (kres_previds(b, r, &ids) > 0)
        return ids[0];
    return kres_curid(b, r);
}

void
kres_csv_get(struct kbuild *b, const struct kres *r, const char *key, struct kstrv *out)
{
    const char *v = kn_annotation(b->a, r->node, key);
    if (v)
        kstr_split(b->a, out, v, ',');
}

void
kres_csv_append(struct kbuild *b, struct kres *r, const char *key, const char *value)
{
    if (!*value)
        return;
    const char *cur = kn_annotation(b->a, r->node, key);
    const char *nv = cur ? arena_sprintf(b->a, "%s,%s", cur, value) : value;
    kn_set_annotation(b->a, r->node, key, nv);
}

void
kres_store_previd(struct kbuild *b, struct kres *r)
{
    struct kresid id = kres_curid(b, r);
    kres_csv_append(b, r, KA_PREV_NAMES, id.name);
    kres_csv_append(b, r, KA_PREV_NAMESPACES, kresid_effective_ns(&id));
    kres_csv_append(b, r, KA_PREV_KINDS, id.gvk.kind);
}

bool
kres_enabled(struct kbuild *b, const struct kres *r, const char *key)
{
    const char *v = kn_annotation(b->a, r->node, key);
    return v && !strcmp(v, "enabled");
}

void
kres_enable(struct kbuild *b, struct kres *r, const char *key)
{
    struct kstrmap m = {0};
    kn_meta_map(b->a, r->node, "annotations", &m);
    kstrmap_set(&m, key, "enabled");
    kn_set_meta_map(b->a, r->node, "annotations", &m);
    kstrmap_free(&m);
}

bool
kres_empty(const struct kres *r)
{
    return kn_nil_or_empty(r->node);
}

/* mergeStringMaps: later maps win. */
static void
merge_into(struct kstrmap *dst, const struct kstrmap *src)
{
    for (size_t i = 0; i < src->n; i++)
        kstrmap_set(dst, src->k[i], src->v[i]);
}

bool
kres_is_build_annotation(const char *k)
{
    static const char *const keys[] = {
        KA_PREV_KINDS,
        KA_PREV_NAMES,
        KA_PREFIXES,
        KA_SUFFIXES,
        KA_PREV_NAMESPACES,
        KA_ALLOW_NAME_CHANGE,
        KA_ALLOW_KIND_CHANGE,
        KA_REFBY,
        KA_GEN_BEHAVIOR,
        KA_NEEDS_HASH,
        "internal.config.kubernetes.io/path",
        "internal.config.kubernetes.io/index",
        "internal.config.kubernetes.io/seqindent",
        "internal.config.kubernetes.io/id",
        "internal.config.kubernetes.io/annotations-migration-resource-id",
        "config.kubernetes.io/path",
        "config.kubernetes.io/index",
        "config.k8s.io/id",
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (!strcmp(keys[i], k))
            return true;
    return false;
}

void
kres_copy_merge_meta(struct kbuild *b, struct kres *r, const struct kres *other)
{
    struct kstrmap ol = {0}, rl = {0}, merged = {0};
    kn_meta_map(b->a, other->node, "labels", &ol);
    kn_meta_map(b->a, r->node, "labels", &rl);
    merge_into(&merged, &ol);
    merge_into(&merged, &rl);
    kn_set_meta_map(b->a, r->node, "labels", &merged);
    kstrmap_free(&ol);
    kstrmap_free(&rl);
    kstrmap_free(&merged);

    struct kstrmap oa = {0}, ra = {0}, ma = {0};
    kn_meta_map(b->a, other->node, "annotations", &oa);
    kn_meta_map(b->a, r->node, "annotations", &ra);
    bool hash = kstrmap_get(&ra, KA_NEEDS_HASH) != NULL;
    /* mergeStringMapsWithBuildAnnotations: r's annotations win, except
     * build annotations, which come from `other` only. */
    merge_into(&ma, &oa);
    merge_into(&ma, &ra);
    for (size_t i = 0; i < ma.n;) {
        if (kres_is_build_annotation(ma.k[i])) {
            const char *ov = kstrmap_get(&oa, ma.k[i]);
            if (!ov) {
                kstrmap_del(&ma, ma.k[i]);
                continue;
            }
            ma.v[i] = ov;
        }
        i++;
    }
    if (!hash)
        kstrmap_del(&ma, KA_NEEDS_HASH);
    kn_set_meta_map(b->a, r->node, "annotations", &ma);
    kstrmap_free(&oa);
    kstrmap_free(&ra);
    kstrmap_free(&ma);

    kn_set_name(b->a, r->node, kn_name(b->a, other->node));
    kn_set_namespace(b->a, r->node, kn_namespace(b->a, other->node));
    r->refvars = NULL;
    r->nrefvars = 0;
    for (size_t i = 0; i < other->nrefvars; i++)
        kres_add_refvar(b, r, other->refvars[i]);
}

/* ---- resource maps ---- */

void
kresmap_push(struct kresmap *m, struct kres *r)
{
    m->v = xgrow(m->v, &m->cap, m->n + 1, sizeof(*m->v));
    m->v[m->n++] = r;
}

void
kresmap_free(struct kresmap *m)
{
    free(m->v);
    memset(m, 0, sizeof(*m));
}

void
kresmap_by_cur_id(struct kbuild *b, const struct kresmap *m, const struct kresid *id,
                  struct kresmap *out)
{
    for (size_t i = 0; i < m->n; i++) {
        struct kresid c = kres_curid(b, m->v[i]);
        if (kresid_equals(id, &c))
            kresmap_push(out, m->v[i]);
    }
}

void
kresmap_by_any_id(struct kbuild *b, const struct kresmap *m, const struct kresid *id,
                  bool gvkn_only, struct kresmap *out)
{
    for (size_t i = 0; i < m->n; i++) {
        struct kresid *prev;
        size_t np = kres_previds(b, m->v[i], &prev);
        struct kresid cur = kres_curid(b, m->v[i]);
        bool hit = false;
        for (size_t j = 0; j <= np && !hit; j++) {
            const struct kresid *x = j < np ? &prev[j] : &cur;
            hit = gvkn_only ? kresid_gvkn_equals(id, x) : kresid_equals(id, x);
        }
        if (hit)
            kresmap_push(out, m->v[i]);
    }
}

struct kres *
kresmap_get_by_id(struct kbuild *b, const struct kresmap *m, const struct kresid *id,
                  struct pkg_err **errp)
{
    struct kresmap hits = {0};
    kresmap_by_any_id(b, m, id, false, &hits);
    struct kres *r = hits.n == 1 ? hits.v[0] : NULL;
    if (!r) {
        const char *s = kresid_string(b->a, id);
        pkg_err_set(errp, PKG_ENOENT, "%s for Id %s; failed to find unique target for patch %s",
                    hits.n > 1 ? "multiple matches" : "no matches", s, s);
    }
    kresmap_free(&hits);
    return r;
}

/* resWrangler.Append's duplicate check for a batch: the ids of m are
 * computed once and hashed on everything kresid_equals compares (group,
 * version, kind, name, effective namespace), so appending n resources costs
 * O(n), not O(n^2) (a file of 2000 objects spent most of its build here). */
static uint64_t
id_hash(const struct kresid *id)
{
    const char *parts[] = {id->gvk.group, id->gvk.version, id->gvk.kind, id->name,
                           kresid_effective_ns(id)};
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        for (const unsigned char *c = (const unsigned char *)parts[i]; *c; c++)
            h = (h ^ *c) * 1099511628211ULL;
        h = (h ^ 0xff) * 1099511628211ULL; /* separator */
    }
    return h;
}

struct idset {
    struct kresid *ids;
    size_t *counts; /* kidcount: how many resources hold each id */
    size_t n, cap, ccap;
    uint32_t *slots; /* index + 1, 0 = empty */
    size_t nslots;
};

static void
idset_rehash(struct idset *s, size_t want)
{
    size_t ns = 16;
    while (ns < 2 * want)
        ns *= 2;
    free(s->slots);
    s->slots = xcalloc(ns, sizeof(*s->slots));
    s->nslots = ns;
    for (size_t i = 0; i < s->n; i++) {
        size_t j = id_hash(&s->ids[i]) & (ns - 1);
        while (s->slots[j])
            j = (j + 1) & (ns - 1);
        s->slots[j] = (uint32_t)(i + 1);
    }
}

/* Adds id unless an equal one is there: returns false for a duplicate. */
static bool
idset_add(struct idset *s, const struct kresid *id)
{
    if (2 * (s->n + 1) > s->nslots)
        idset_rehash(s, s->n + 1 > 2 * s->n ? s->n + 1 : 2 * s->n);
    size_t j = id_hash(id) & (s->nslots - 1);
    for (; s->slots[j]; j = (j + 1) & (s->nslots - 1))
        if (kresid_equals(&s->ids[s->slots[j] - 1], id))
            return false;
    s->ids = xgrow(s->ids, &s->cap, s->n + 1, sizeof(*s->ids));
    s->ids[s->n] = *id;
    s->slots[j] = (uint32_t)(++s->n);
    return true;
}

static void
idset_free(struct idset *s)
{
    free(s->ids);
    free(s->counts);
    free(s->slots);
}

/* The entry equal to id, or -1. */
static ptrdiff_t
idset_find(const struct idset *s, const struct kresid *id)
{
    if (!s->nslots)
        return -1;
    for (size_t j = id_hash(id) & (s->nslots - 1); s->slots[j]; j = (j + 1) & (s->nslots - 1))
        if (kresid_equals(&s->ids[s->slots[j] - 1], id))
            return (ptrdiff_t)s->slots[j] - 1;
    return -1;
}

struct kidcount {
    struct idset set;
};

static void
kidcount_bump(struct kidcount *c, const struct kresid *id, bool up)
{
    ptrdiff_t e = idset_find(&c->set, id);
    if (e < 0) {
        if (!up)
            return;
        idset_add(&c->set, id);
        e = (ptrdiff_t)c->set.n - 1;
        c->set.counts = xgrow(c->set.counts, &c->set.ccap, c->set.n, sizeof(*c->set.counts));
        c->set.counts[e] = 0;
    }
    if (up)
        c->set.counts[e]++;
    else if (c->set.counts[e])
        c->set.counts[e]--;
}

struct kidcount *
kidcount_new(struct kbuild *b, const struct kresmap *m)
{
    struct kidcount *c = xcalloc(1, sizeof(*c));
    for (size_t i = 0; i < m->n; i++) {
        struct kresid id = kres_curid(b, m->v[i]);
        kidcount_bump(c, &id, true);
    }
    return c;
}

void
kidcount_add(struct kidcount *c, const struct kresid *id)
{
    kidcount_bump(c, id, true);
}

void
kidcount_remove(struct kidcount *c, const struct kresid *id)
{
    kidcount_bump(c, id, false);
}

size_t
kidcount_get(const struct kidcount *c, const struct kresid *id)
{
    ptrdiff_t e = idset_find(&c->set, id);
    return e < 0 ? 0 : c->set.counts[e];
}

void
kidcount_free(struct kidcount *c)
{
    if (!c)
        return;
    idset_free(&c->set);
    free(c);
}

static int
append_batch(struct kbuild *b, struct kresmap *m, struct kres *const *rs, size_t nr,
             struct pkg_err **errp)
{
    struct idset set = {0};
    int rc = 0;
    for (size_t i = 0; i < m->n; i++) {
        struct kresid c = kres_curid(b, m->v[i]);
        idset_add(&set, &c); /* m has no duplicates of its own */
    }
    for (size_t i = 0; i < nr && !rc; i++) {
        if (m->n >= KUST_MAX_RESOURCES) {
            rc = pkg_err_set(errp, PKG_ELIMIT, "too many resources (limit %d)", KUST_MAX_RESOURCES);
            break;
        }
        struct kresid id = kres_curid(b, rs[i]);
        if (!idset_add(&set, &id))
            rc = pkg_err_set(errp, PKG_EEXIST,
                             "may not add resource with an already registered id: %s",
                             kresid_string(b->a, &id));
        else
            kresmap_push(m, rs[i]);
    }
    idset_free(&set);
    return rc;
}

int
kresmap_append(struct kbuild *b, struct kresmap *m, struct kres *r, struct pkg_err **errp)
{
    return append_batch(b, m, &r, 1, errp);
}

int
kresmap_append_all(struct kbuild *b, struct kresmap *m, const struct kresmap *o,
                   struct pkg_err **errp)
{
    return append_batch(b, m, o->v, o->n, errp);
}

void
kresmap_drop_empties(struct kresmap *m)
{
    size_t w = 0;
    for (size_t i = 0; i < m->n; i++)
        if (!kres_empty(m->v[i]))
            m->v[w++] = m->v[i];
    m->n = w;
}

/* GetDataMap / SetDataMap for behavior: merge. */
static void
merge_data_field(struct kbuild *b, struct kres *r, const struct kres *old, const char *field)
{
    struct val *od = kn_get(old->node, field);
    struct val *rd = kn_get(r->node, field);
    struct kstrmap m = {0};
    if (od && od->kind == VAL_MAP)
        for (size_t i = 0; i < val_map_len(od); i++)
            kstrmap_set(&m, od->u.map.ents[i].key->u.s.ptr, kn_text(b->a, od->u.map.ents[i].v));
    if (rd && rd->kind == VAL_MAP)
        for (size_t i = 0; i < val_map_len(rd); i++)
            kstrmap_set(&m, rd->u.map.ents[i].key->u.s.ptr, kn_text(b->a, rd->u.map.ents[i].v));
    val_map_del(r->node, field, strlen(field));
    if (m.n) {
        kstrmap_sort(&m);
        struct val *nm = val_map(b->a);
        for (size_t i = 0; i < m.n; i++)
            val_map_setz(b->a, nm, m.k[i], kn_str(b->a, m.v[i]));
        val_map_setz(b->a, r->node, field, nm);
    }
    kstrmap_free(&m);
}

static const char *
behavior_of(struct kbuild *b, const struct kres *r)
{
    const char *v = kn_annotation(b->a, r->node, KA_GEN_BEHAVIOR);
    if (v && (!strcmp(v, "create") || !strcmp(v, "replace") || !strcmp(v, "merge")))
        return v;
    return "unspecified";
}

/* Go's %#v of a ResId, as kustomize's messages print it. */
static const char *
resid_gostring(struct arena *a, const struct kresid *id)
{
    return arena_sprintf(a,
                         "resid.ResId{Gvk:resid.Gvk{Group:\"%s\", Version:\"%s\", Kind:\"%s\", "
                         "isClusterScoped:%s}, Name:\"%s\", Namespace:\"%s\"}",
                         id->gvk.group, id->gvk.version, id->gvk.kind,
                         id->gvk.cluster_scoped ? "true" : "false", id->name, id->ns);
}

int
kresmap_absorb_all(struct kbuild *b, struct kresmap *m, const struct kresmap *o,
                   struct pkg_err **errp)
{
    for (size_t i = 0; i < o->n; i++) {
        struct kres *r = o->v[i];
        struct kresid id = kres_curid(b, r);
        struct kresmap hits = {0};
        kresmap_by_any_id(b, m, &id, false, &hits);
        const char *beh = behavior_of(b, r);
        int rc = 0;
        if (hits.n == 0) {
            if (!strcmp(beh, "merge") || !strcmp(beh, "replace"))
                rc = pkg_err_set(errp, PKG_ENOENT, "id %s does not exist; cannot merge or replace",
                                 resid_gostring(b->a, &id));
            else
                rc = kresmap_append(b, m, r, errp);
        } else if (hits.n == 1) {
            struct kres *old = hits.v[0];
            size_t at = 0;
            while (at < m->n && m->v[at] != old)
                at++;
            if (!strcmp(beh, "replace")) {
                kres_copy_merge_meta(b, r, old);
            } else if (!strcmp(beh, "merge")) {
                const char *orig = kn_annotation(b->a, old->node, KA_ORIGIN);
                kres_copy_merge_meta(b, r, old);
                merge_data_field(b, r, old, "data");
                merge_data_field(b, r, old, "binaryData");
                if (orig)
                    kn_set_annotation(b->a, r->node, KA_ORIGIN, orig);
            } else {
                rc =
                    pkg_err_set(errp, PKG_EEXIST, "id %s exists; behavior must be merge or replace",
                                resid_gostring(b->a, &id));
            }
            if (!rc) {
                /* Replace: by the (possibly new) current id. */
                struct kresid nid = kres_curid(b, r);
                size_t cnt = 0, idx = 0;
                for (size_t j = 0; j < m->n; j++) {
                    struct kresid c = kres_curid(b, m->v[j]);
                    if (kresid_equals(&nid, &c)) {
                        cnt++;
                        idx = j;
                    }
                }
                if (cnt != 1 || idx != at)
                    rc = pkg_err_set(errp, PKG_EINVAL, "cannot find resource with id %s to replace",
                                     kresid_string(b->a, &nid));
                else
                    m->v[idx] = r;
            }
        } else {
            rc = pkg_err_set(errp, PKG_ECONFLICT,
                             "found multiple objects that could accept merge of %s",
                             kresid_string(b->a, &id));
        }
        kresmap_free(&hits);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- selectors ---- */

static const char *
sel_str(const struct val *v, const char *k)
{
    const char *s = val_cstr(kn_get(v, k));
    return s ? s : "";
}

int
kselector_from_val(struct kbuild *b, struct kselector *out, const struct val *v,
                   struct pkg_err **errp)
{
    (void)b;
    (void)errp;
    memset(out, 0, sizeof(*out));
    out->group = sel_str(v, "group");
    out->version = sel_str(v, "version");
    out->kind = sel_str(v, "kind");
    out->name = sel_str(v, "name");
    out->ns = sel_str(v, "namespace");
    out->label_selector = sel_str(v, "labelSelector");
    out->annotation_selector = sel_str(v, "annotationSelector");
    return 0;
}

const char *
kselector_string(struct arena *a, const struct kselector *s)
{
    struct kresid id = {{s->group, s->version, s->kind, false}, s->name, s->ns};
    return arena_sprintf(a, "%s:a=%s:l=%s", kresid_string(a, &id), s->annotation_selector,
                         s->label_selector);
}

struct kregex {
    pcre2_code *re;
    pcre2_match_data *md;
};

static int
regex_compile(struct kregex *r, const char *pattern, struct pkg_err **errp)
{
    r->re = NULL;
    r->md = NULL;
    if (!*pattern)
        return 0;
    char *anch = xasprintf("^(?:%s)$", pattern);
    int ec;
    PCRE2_SIZE off;
    r->re = pcre2_compile((PCRE2_SPTR)anch, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_DOLLAR_ENDONLY,
                          &ec, &off, NULL);
    free(anch);
    if (!r->re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof(msg));
        return pkg_err_set(errp, PKG_EINVAL, "error parsing regexp: %s: `%s`", (char *)msg,
                           pattern);
    }
    r->md = pcre2_match_data_create_from_pattern(r->re, NULL);
    return 0;
}

static bool
regex_match(struct kregex *r, const char *s)
{
    if (!r->re)
        return true;
    return pcre2_match(r->re, (PCRE2_SPTR)s, strlen(s), 0, 0, r->md, NULL) >= 0;
}

static void
regex_free(struct kregex *r)
{
    pcre2_match_data_free(r->md);
    pcre2_code_free(r->re);
}

int
kresmap_select(struct kbuild *b, const struct kresmap *m, const struct kselector *s,
               struct kresmap *out, struct pkg_err **errp)
{
    struct kregex rg = {0}, rv = {0}, rk = {0}, rn = {0}, rns = {0};
    int rc = regex_compile(&rg, s->group, errp);
    if (!rc)
        rc = regex_compile(&rv, s->version, errp);
    if (!rc)
        rc = regex_compile(&rk, s->kind, errp);
    if (!rc)
        rc = regex_compile(&rn, s->name, errp);
    if (!rc)
        rc = regex_compile(&rns, s->ns, errp);
    for (size_t i = 0; !rc && i < m->n; i++) {
        struct kres *r = m->v[i];
        struct kresid cur = kres_curid(b, r);
        struct kresid org = kres_orgid(b, r);
        if (!regex_match(&rns, kresid_effective_ns(&org)) &&
            !regex_match(&rns, kresid_effective_ns(&cur)))
            continue;
        if (!regex_match(&rn, org.name) && !regex_match(&rn, cur.name))
            continue;
        if (!regex_match(&rg, cur.gvk.group) || !regex_match(&rv, cur.gvk.version) ||
            !regex_match(&rk, cur.gvk.kind))
            continue;
        bool ok = true;
        if (*s->label_selector) {
            struct kstrmap lm = {0};
            kn_meta_map(b->a, r->node, "labels", &lm);
            rc = klabels_match(s->label_selector, &lm, &ok, errp);
            kstrmap_free(&lm);
        }
        if (!rc && ok && *s->annotation_selector) {
            struct kstrmap am = {0};
            kn_meta_map(b->a, r->node, "annotations", &am);
            rc = klabels_match(s->annotation_selector, &am, &ok, errp);
            kstrmap_free(&am);
        }
        if (!rc && ok)
            kresmap_push(out, r);
    }
    regex_free(&rg);
    regex_free(&rv);
    regex_free(&rk);
    regex_free(&rn);
    regex_free(&rns);
    return rc;
}
