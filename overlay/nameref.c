/* Name references (api/internal/accumulator/namereferencetransformer.go and
 * api/filters/nameref): after prefixes, suffixes, namespaces and hash
 * suffixes changed names, every field that refers to an object by name
 * (volumes' configMap names, roleRef, serviceAccountName, ...: the
 * nameReference table) is pointed at the object's new name. Candidates
 * are the objects whose previous names match, of the referenced kind, in
 * a namespace the referrer can see, preferring the same prefixes and
 * suffixes. */
#include "overlay/kust.h"

#include <stdlib.h>
#include <string.h>

struct rinfo {
    struct kres *r;
    struct kresid cur, org;
    struct kresid *prev;
    size_t nprev;
    struct kstrv prefixes, suffixes;
    bool has_prefixes, has_suffixes;
};

/* A previous name of a candidate and its position in the list. */
struct npos {
    const char *name;
    size_t pos;
};

/* The candidates of every referrer in one namespace (or of cluster-scoped
 * referrers, key NULL): SubsetThatCouldBeReferencedByResource depends on
 * nothing else for referrers other than RoleBindings. */
struct clist {
    const char *key;
    struct rinfo **v;
    size_t n;
    struct npos *idx;
    size_t nidx;
};

struct nctx {
    struct kbuild *b;
    struct rinfo *all;
    size_t n;
    struct rinfo *referrer;
    const struct kfieldspec *spec;
    struct kgvk target;
    struct rinfo **cand; /* candidates for the referrer */
    size_t ncand;
    bool have_cand; /* cand is the referrer's (computed on its first field) */
    /* cand's previous names, sorted, when cand is a cached list: */
    const struct npos *cidx;
    size_t ncidx;
    struct rinfo **own; /* the list candidates_for fills when not cached */
    struct clist *cache;
    size_t ncache, ccache;
};

static void
info_fill(struct kbuild *b, struct rinfo *ri, struct kres *r)
{
    memset(ri, 0, sizeof(*ri));
    ri->r = r;
    ri->cur = kres_curid(b, r);
    ri->nprev = kres_previds(b, r, &ri->prev);
    ri->org = ri->nprev ? ri->prev[0] : ri->cur;
    ri->has_prefixes = kn_annotation(b->a, r->node, KA_PREFIXES) != NULL;
    ri->has_suffixes = kn_annotation(b->a, r->node, KA_SUFFIXES) != NULL;
    kres_csv_get(b, r, KA_PREFIXES, &ri->prefixes);
    kres_csv_get(b, r, KA_SUFFIXES, &ri->suffixes);
}

static bool
same_ending(const struct kstrv *x, const struct kstrv *y)
{
    const struct kstrv *s = x, *l = y;
    if (s->n > l->n) {
        s = y;
        l = x;
    }
    size_t diff = l->n - s->n;
    if (s->n == 0)
        return diff == 0;
    for (size_t i = s->n; i-- > 0;)
        if (strcmp(l->v[i + diff], s->v[i]))
            return false;
    return true;
}

static bool
affixes_equal(const struct rinfo *r, const struct rinfo *o, bool allow_empty)
{
    if (allow_empty) {
        bool pe = r->prefixes.n == 0 || o->prefixes.n == 0;
        bool se = r->suffixes.n == 0 || o->suffixes.n == 0;
        return (pe || same_ending(&r->prefixes, &o->prefixes)) &&
               (se || same_ending(&r->suffixes, &o->suffixes));
    }
    return same_ending(&r->prefixes, &o->prefixes) && same_ending(&r->suffixes, &o->suffixes);
}

/* roleRef/name: the referenced kind and group come from roleRef. */
static bool
roleref_gvk(struct nctx *c, struct kgvk *out)
{
    size_t pl = strlen(c->spec->path);
    if (pl < 12 || strcmp(c->spec->path + pl - 12, "roleRef/name"))
        return false;
    struct val *rr = kn_get(c->referrer->r->node, "roleRef");
    if (!rr)
        return false;
    struct val *g = kn_get(rr, "apiGroup"), *k = kn_get(rr, "kind");
    if (!g || !k)
        return false;
    *out = (struct kgvk){kn_text(c->b->a, g), "", kn_text(c->b->a, k), false};
    return true;
}

static bool
prev_selected(const struct rinfo *r, const struct kgvk *g)
{
    for (size_t i = 0; i < r->nprev; i++)
        if (kgvk_is_selected(&r->prev[i].gvk, g))
            return true;
    return false;
}

static int
npos_cmp(const void *x, const void *y)
{
    const struct npos *a = x, *b = y;
    int d = strcmp(a->name, b->name);
    return d ? d : (a->pos > b->pos) - (a->pos < b->pos);
}

/* selectReferral; *out is NULL when nothing matches. With idx (the
 * candidates' previous names) only candidates that once had the name old
 * are looked at, in list order: the ones the name test keeps anyway. */
static int
select_referral(struct nctx *c, const char *old, struct rinfo **cands, size_t ncands,
                const struct npos *idx, size_t nidx, bool match_ns, struct rinfo **out,
                struct pkg_err **errp)
{
    *out = NULL;
    size_t lo = 0, hi = ncands;
    if (idx) {
        /* first entry not below (old, 0) */
        size_t l = 0, h = nidx;
        while (l < h) {
            size_t mid = l + (h - l) / 2;
            if (strcmp(idx[mid].name, old) < 0)
                l = mid + 1;
            else
                h = mid;
        }
        lo = l;
        hi = l;
        while (hi < nidx && !strcmp(idx[hi].name, old))
            hi++;
    }
    struct rinfo **v = xcalloc((idx ? hi - lo : ncands) + 1, sizeof(*v));
    size_t n = 0;
    struct kgvk rgvk;
    bool use_roleref = roleref_gvk(c, &rgvk);
    const struct kresid *rcur = &c->referrer->cur;
    for (size_t i = lo; i < hi; i++) {
        struct rinfo *r = idx ? cands[idx[i].pos] : cands[i];
        bool name_ok = false;
        for (size_t j = 0; j < r->nprev && !name_ok; j++)
            name_ok = !strcmp(r->prev[j].name, old);
        if (!name_ok || !prev_selected(r, &c->target))
            continue;
        if (use_roleref && !prev_selected(r, &rgvk))
            continue;
        if (!rcur->gvk.cluster_scoped && !r->cur.gvk.cluster_scoped &&
            strcmp(r->cur.gvk.kind, "ServiceAccount") && !kresid_ns_equals(rcur, &r->cur))
            continue;
        v[n++] = r;
    }
    if (n > 1) {
        size_t w = 0;
        for (size_t i = 0; i < n; i++)
            if (affixes_equal(v[i], c->referrer, true))
                v[w++] = v[i];
        n = w;
        if (n > 1) {
            w = 0;
            for (size_t i = 0; i < n; i++)
                if (affixes_equal(v[i], c->referrer, false))
                    v[w++] = v[i];
            n = w;
        }
    }
    int rc = 0;
    if (n == 1) {
        *out = v[0];
    } else if (n > 1) {
        bool same = true;
        for (size_t i = 1; i < n && same; i++)
            same = !strcmp(v[i]->cur.name, v[0]->cur.name) &&
                   (!match_ns || !strcmp(v[i]->cur.ns, v[0]->cur.ns));
        if (same) {
            *out = v[0];
        } else {
            struct sb ids = SB_INIT;
            for (size_t i = 0; i < n; i++) {
                if (i)
                    sb_addstr(&ids, ", ");
                sb_addstr(&ids, kresid_string(c->b->a, &v[i]->cur));
            }
            rc = pkg_err_set(errp, PKG_ECONFLICT, "found multiple possible referrals: %s", ids.buf);
            sb_release(&ids);
        }
    }
    free(v);
    return rc;
}

static void
record(struct nctx *c, struct rinfo *referral)
{
    kres_csv_append(c->b, referral->r, KA_REFBY, kresid_string(c->b->a, &c->referrer->cur));
}

static int
set_scalar(struct nctx *c, struct val *node, struct pkg_err **errp)
{
    struct arena *a = c->b->a;
    const char *old = kn_text(a, node);
    struct rinfo *ref;
    int rc = select_referral(c, old, c->cand, c->ncand, c->cidx, c->ncidx, false, &ref, errp);
    if (rc || !ref)
        return rc;
    record(c, ref);
    if (!strcmp(ref->cur.name, old))
        return 0;
    kn_set_scalar(a, node, ref->cur.name, KN_TAG_EMPTY); /* FieldSetter{StringValue} */
    return 0;
}

static int
set_mapping(struct nctx *c, struct val *node, struct pkg_err **errp)
{
    struct arena *a = c->b->a;
    struct val *name = kn_get(node, "name");
    if (!name)
        return pkg_err_set(errp, PKG_EINVAL, "path config error; no 'name' field in node");
    struct val *nsn = kn_get(node, "namespace");
    struct rinfo **cands = c->cand;
    size_t ncands = c->ncand;
    struct rinfo **filtered = NULL;
    if (nsn) {
        const char *ns = kn_text(a, nsn);
        filtered = xcalloc(c->ncand + 1, sizeof(*filtered));
        size_t n = 0;
        /* GroupedByOriginalNamespace, else by current namespace */
        for (size_t i = 0; i < c->ncand; i++) {
            const struct kresid *o = &c->cand[i]->org;
            if (!o->gvk.cluster_scoped && !strcmp(kresid_effective_ns(o), ns))
                filtered[n++] = c->cand[i];
        }
        if (n == 0)
            for (size_t i = 0; i < c->ncand; i++) {
                const struct kresid *o = &c->cand[i]->cur;
                if (!o->gvk.cluster_scoped && !strcmp(kresid_effective_ns(o), ns))
                    filtered[n++] = c->cand[i];
            }
        cands = filtered;
        ncands = n;
    }
    const char *old = kn_text(a, name);
    struct rinfo *ref;
    int rc = select_referral(c, old, cands, ncands, NULL, 0, true, &ref, errp);
    free(filtered);
    if (rc || !ref)
        return rc;
    record(c, ref);
    if (!strcmp(ref->cur.name, old) && !*ref->cur.ns)
        return 0;
    kn_set_field(a, node, "name", ref->cur.name, KN_TAG_EMPTY);
    if (!*ref->cur.ns)
        return 0;
    kn_set_field(a, node, "namespace", ref->cur.ns, KN_TAG_EMPTY);
    return 0;
}

static int candidates_for(struct nctx *c, struct rinfo *ref, struct pkg_err **errp);

static int
nameref_set(struct kbuild *b, struct val *node, void *payload, struct pkg_err **errp)
{
    (void)b;
    struct nctx *c = payload;
    if (node->kind == VAL_NULL)
        return 0;
    if (!c->have_cand) {
        int rc = candidates_for(c, c->referrer, errp);
        if (rc)
            return rc;
        c->have_cand = true;
    }
    if (node->kind == VAL_MAP)
        return set_mapping(c, node, errp);
    if (node->kind == VAL_SEQ) {
        for (size_t i = 0; i < val_seq_len(node); i++) {
            struct val *e = val_seq_at(node, i);
            int rc = 0;
            if (e->kind == VAL_NULL)
                continue;
            if (e->kind == VAL_MAP)
                rc = set_mapping(c, e, errp);
            else if (e->kind == VAL_SEQ)
                rc = pkg_err_set(errp, PKG_ETYPE,
                                 "element is expected to be either a string or a map of string");
            else
                rc = set_scalar(c, e, errp);
            if (rc)
                return rc;
        }
        return 0;
    }
    return set_scalar(c, node, errp);
}

/* SubsetThatCouldBeReferencedByResource */
static int
candidates_for(struct nctx *c, struct rinfo *ref, struct pkg_err **errp)
{
    struct arena *a = c->b->a;
    c->ncand = 0;
    c->cidx = NULL;
    c->ncidx = 0;
    if (strcmp(kn_kind(a, ref->r->node), "RoleBinding")) {
        const char *key = ref->cur.gvk.cluster_scoped ? NULL : kresid_effective_ns(&ref->cur);
        struct clist *l = NULL;
        for (size_t i = 0; i < c->ncache && !l; i++)
            if (key ? c->cache[i].key && !strcmp(c->cache[i].key, key) : !c->cache[i].key)
                l = &c->cache[i];
        if (!l) {
            c->cache = xgrow(c->cache, &c->ccache, c->ncache + 1, sizeof(*c->cache));
            l = &c->cache[c->ncache++];
            memset(l, 0, sizeof(*l));
            l->key = key;
            l->v = xcalloc(c->n + 1, sizeof(*l->v));
            size_t nidx = 0, cidx = 0;
            for (size_t i = 0; i < c->n; i++) {
                struct rinfo *t = &c->all[i];
                if (key && !t->cur.gvk.cluster_scoped && !kresid_ns_equals(&t->cur, &ref->cur))
                    continue;
                for (size_t j = 0; j < t->nprev; j++) {
                    l->idx = xgrow(l->idx, &cidx, nidx + 1, sizeof(*l->idx));
                    l->idx[nidx++] = (struct npos){t->prev[j].name, l->n};
                }
                l->v[l->n++] = t;
            }
            if (nidx)
                qsort(l->idx, nidx, sizeof(*l->idx), npos_cmp);
            size_t w = 0; /* one entry per candidate and name */
            for (size_t i = 0; i < nidx; i++)
                if (!w || npos_cmp(&l->idx[w - 1], &l->idx[i]))
                    l->idx[w++] = l->idx[i];
            l->nidx = w;
        }
        c->cand = l->v;
        c->ncand = l->n;
        static const struct npos none[1];
        c->cidx = l->idx ? l->idx : none; /* indexed, and no names at all */
        c->ncidx = l->nidx;
        return 0;
    }
    c->cand = c->own;
    struct kstrv rbns = {0};
    {
        struct val *subj = kn_get(ref->r->node, "subjects");
        for (size_t i = 0; subj && subj->kind == VAL_SEQ && i < val_seq_len(subj); i++) {
            struct val *s = val_seq_at(subj, i);
            struct val *ns = kn_get(s, "namespace"), *k = kn_get(s, "kind");
            if (!ns || !k || k->kind != VAL_STRING || strcmp(k->u.s.ptr, "ServiceAccount"))
                continue;
            if (ns->kind != VAL_STRING) {
                kstrv_free(&rbns);
                return pkg_err_set(errp, PKG_EINVAL,
                                   "Invalid Input: namespace is blank for resource \"%s\"\n",
                                   kresid_string(a, &ref->cur));
            }
            kstrv_push(&rbns, ns->u.s.ptr);
        }
    }
    for (size_t i = 0; i < c->n; i++) {
        struct rinfo *t = &c->all[i];
        bool ok = ref->cur.gvk.cluster_scoped || t->cur.gvk.cluster_scoped ||
                  kresid_ns_equals(&t->cur, &ref->cur);
        for (size_t j = 0; !ok && j < rbns.n; j++)
            ok = !strcmp(rbns.v[j], kn_namespace(a, t->r->node));
        if (ok)
            c->cand[c->ncand++] = t;
    }
    kstrv_free(&rbns);
    return 0;
}

int
kx_namerefs(struct kbuild *b, struct kresmap *m, const struct ktconfig *tc, struct pkg_err **errp)
{
    if (!tc || tc->nnameref == 0 || m->n == 0)
        return 0;
    struct nctx c = {.b = b, .n = m->n};
    c.all = xcalloc(m->n, sizeof(*c.all));
    c.own = xcalloc(m->n + 1, sizeof(*c.own));
    for (size_t i = 0; i < m->n; i++)
        info_fill(b, &c.all[i], m->v[i]);
    int rc = 0;
    for (size_t i = 0; i < m->n && !rc; i++) {
        struct rinfo *ref = &c.all[i];
        /* SubsetThatCouldBeReferencedByResource runs for a referrer that a
         * field spec selects; its list (O(n) to make) is made when a field
         * is found, except for RoleBindings, whose subjects can fail it */
        c.have_cand = false;
        bool rolebinding = !strcmp(ref->cur.gvk.kind, "RoleBinding");
        for (size_t j = 0; j < tc->nnameref && !rc; j++) {
            const struct knbr *br = &tc->nameref[j];
            for (size_t k = 0; k < br->referrers.n && !rc; k++) {
                const struct kfieldspec *spec = &br->referrers.v[k];
                if (!kgvk_is_selected(&ref->org.gvk, &spec->gvk))
                    continue;
                if (!c.have_cand && rolebinding) {
                    rc = candidates_for(&c, ref, errp);
                    if (rc)
                        break;
                    c.have_cand = true;
                }
                c.referrer = ref;
                c.spec = spec;
                c.target = br->gvk;
                struct kfieldspec fs = *spec;
                fs.gvk = ref->cur.gvk;
                fs.create = false;
                rc = kfs_apply_one(b, ref->r->node, &fs, -1, nameref_set, &c, errp);
                if (rc)
                    pkg_err_wrap(errp, "updating name reference in '%s' field of '%s'", spec->path,
                                 kresid_string(b->a, &ref->cur));
            }
        }
    }
    for (size_t i = 0; i < m->n; i++) {
        kstrv_free(&c.all[i].prefixes);
        kstrv_free(&c.all[i].suffixes);
    }
    free(c.all);
    free(c.own);
    for (size_t i = 0; i < c.ncache; i++) {
        free(c.cache[i].v);
        free(c.cache[i].idx);
    }
    free(c.cache);
    return rc;
}
