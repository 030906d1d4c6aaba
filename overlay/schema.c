/* Schema lookups over the flat schema tables (built-in or loaded from a
 * kustomization's openapi file), following kyaml/openapi's Field, Elements
 * and PatchStrategyAndKeyList. */
#include "overlay/schema.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* Follows $ref links (a ref node's own fields are ignored, as go-openapi
 * replaces the schema with its target). */
static struct ksch
resolve(struct ksch s)
{
    int guard = 0;
    while (!ksch_nil(s) && s.set->nodes[s.node].ref >= 0 && guard++ < 64)
        s.node = s.set->nodes[s.node].ref;
    if (guard >= 64)
        s.node = -1;
    return s;
}

static int
type_cmp(const struct ksch_set *set, uint32_t av, uint32_t kind, const char *apiversion,
         const char *k)
{
    int c = strcmp(set->strs[av], apiversion);
    return c ? c : strcmp(set->strs[kind], k);
}

struct ksch
ksch_for_type(const struct ksch_set *set, const char *apiversion, const char *kind)
{
    struct ksch r = {set, -1};
    if (!set)
        return r;
    size_t lo = 0, hi = set->ntypes;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = type_cmp(set, set->types[mid].apiversion, set->types[mid].kind, apiversion, kind);
        if (c == 0) {
            r.node = set->types[mid].node;
            return resolve(r);
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return r;
}

struct ksch
ksch_field(struct ksch s, const char *name)
{
    struct ksch r = {s.set, -1};
    if (ksch_nil(s))
        return r;
    const struct ksch_node *n = &s.set->nodes[s.node];
    size_t lo = n->prop0, hi = n->prop0 + n->nprops;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(s.set->strs[s.set->props[mid].name], name);
        if (c == 0) {
            r.node = s.set->props[mid].node;
            return resolve(r);
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (n->addl >= 0) {
        r.node = n->addl;
        return resolve(r);
    }
    return r;
}

struct ksch
ksch_elements(struct ksch s)
{
    struct ksch r = {s.set, -1};
    if (ksch_nil(s))
        return r;
    const struct ksch_node *n = &s.set->nodes[s.node];
    if (n->type != KSCH_T_ARRAY || n->items < 0)
        return r;
    r.node = n->items;
    return resolve(r);
}

const char *
ksch_strategy(struct ksch s)
{
    if (ksch_nil(s))
        return "";
    return s.set->strs[s.set->nodes[s.node].strategy];
}

const char *
ksch_merge_key(struct ksch s)
{
    if (ksch_nil(s))
        return "";
    return s.set->strs[s.set->nodes[s.node].mergekey];
}

size_t
ksch_merge_keys(struct ksch s, const char **keys, size_t max)
{
    if (ksch_nil(s))
        return 0;
    const struct ksch_node *n = &s.set->nodes[s.node];
    if (!n->strategy)
        return 0; /* no strategy: no keys (PatchStrategyAndKeyList) */
    size_t k = 0;
    if (n->keylist) {
        for (const int32_t *p = s.set->keylists + s.set->keylist_starts[n->keylist];
             *p >= 0 && k < max; p++)
            keys[k++] = s.set->strs[*p];
        return k;
    }
    if (n->mergekey && max > 0)
        keys[k++] = s.set->strs[n->mergekey];
    return k;
}

static bool
scope_lookup(const struct ksch_set *set, const char *apiversion, const char *kind, bool *ns)
{
    if (!set)
        return false;
    size_t lo = 0, hi = set->nscopes;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = type_cmp(set, set->scopes[mid].apiversion, set->scopes[mid].kind, apiversion, kind);
        if (c == 0) {
            *ns = set->scopes[mid].namespaced;
            return true;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool
ksch_namespaced(const struct ksch_set *custom, const char *apiversion, const char *kind,
                bool *found)
{
    bool ns = false;
    *found = scope_lookup(ksch_builtin(), apiversion, kind, &ns) ||
             scope_lookup(custom, apiversion, kind, &ns);
    return ns;
}

/* ---- loading a custom schema document ---- */

struct builder {
    struct arena *a;
    struct ksch_node *nodes;
    size_t nnodes, cnodes;
    struct ksch_prop *props;
    size_t nprops, cprops;
    const char **strs;
    size_t nstrs, cstrs;
    int32_t *keylists;
    size_t nkl, ckl;
    uint32_t *klstarts;
    size_t nkls, ckls;
    /* definitions: name -> node, and refs to patch afterwards */
    const struct val *defs;
    int32_t *defnode; /* per definition entry */
    struct fixup {
        int32_t node;
        const char *ref;
    } * fix;
    size_t nfix, cfix;
};

static uint32_t
b_str(struct builder *b, const char *s)
{
    if (!s || !*s)
        return 0;
    b->strs = xgrow(b->strs, &b->cstrs, b->nstrs + 1, sizeof(*b->strs));
    b->strs[b->nstrs] = arena_strdup(b->a, s);
    return (uint32_t)b->nstrs++;
}

static int32_t b_schema(struct builder *b, const struct val *v, int depth);

static int32_t
b_new(struct builder *b)
{
    b->nodes = xgrow(b->nodes, &b->cnodes, b->nnodes + 1, sizeof(*b->nodes));
    struct ksch_node *n = &b->nodes[b->nnodes];
    memset(n, 0, sizeof(*n));
    n->ref = n->items = n->addl = -1;
    return (int32_t)b->nnodes++;
}

static int
prop_cmp(const void *x, const void *y, void *strs)
{
    const struct ksch_prop *p = x, *q = y;
    const char **s = strs;
    return strcmp(s[p->name], s[q->name]);
}

static int32_t
b_schema(struct builder *b, const struct val *v, int depth)
{
    int32_t idx = b_new(b);
    if (!v || v->kind != VAL_MAP || depth > 200)
        return idx;
    const char *ref = val_cstr(val_map_getz(v, "$ref"));
    if (ref) {
        b->fix = xgrow(b->fix, &b->cfix, b->nfix + 1, sizeof(*b->fix));
        b->fix[b->nfix++] = (struct fixup){idx, ref};
    }
    const struct val *t = val_map_getz(v, "type");
    const char *ts = val_cstr(t);
    if (!ts && t && t->kind == VAL_SEQ && val_seq_len(t) == 1)
        ts = val_cstr(val_seq_at(t, 0));
    uint8_t type = KSCH_T_NONE;
    if (ts)
        type = !strcmp(ts, "object")  ? KSCH_T_OBJECT
               : !strcmp(ts, "array") ? KSCH_T_ARRAY
                                      : KSCH_T_SCALAR;
    b->nodes[idx].type = type;
    const struct val *items = val_map_getz(v, "items");
    if (items && items->kind == VAL_SEQ && val_seq_len(items) > 0)
        items = val_seq_at(items, 0);
    if (items && items->kind == VAL_MAP) {
        int32_t it = b_schema(b, items, depth + 1);
        b->nodes[idx].items = it;
    }
    const struct val *ap = val_map_getz(v, "additionalProperties");
    if (ap && ap->kind == VAL_MAP) {
        int32_t x = b_schema(b, ap, depth + 1);
        b->nodes[idx].addl = x;
    }
    const struct val *pr = val_map_getz(v, "properties");
    if (pr && pr->kind == VAL_MAP) {
        size_t n = val_map_len(pr);
        struct ksch_prop *tmp = xcalloc(n ? n : 1, sizeof(*tmp));
        for (size_t i = 0; i < n; i++) {
            tmp[i].name = b_str(b, pr->u.map.ents[i].key->u.s.ptr);
            tmp[i].node = b_schema(b, pr->u.map.ents[i].v, depth + 1);
        }
        qsort_r(tmp, n, sizeof(*tmp), prop_cmp, b->strs);
        b->props = xgrow(b->props, &b->cprops, b->nprops + n, sizeof(*b->props));
        b->nodes[idx].prop0 = (uint32_t)b->nprops;
        b->nodes[idx].nprops = (uint32_t)n;
        memcpy(b->props + b->nprops, tmp, n * sizeof(*tmp));
        b->nprops += n;
        free(tmp);
    }
    b->nodes[idx].strategy = b_str(b, val_cstr(val_map_getz(v, "x-kubernetes-patch-strategy")));
    b->nodes[idx].mergekey = b_str(b, val_cstr(val_map_getz(v, "x-kubernetes-patch-merge-key")));
    const struct val *lk = val_map_getz(v, "x-kubernetes-list-map-keys");
    if (lk && lk->kind == VAL_SEQ) {
        b->klstarts = xgrow(b->klstarts, &b->ckls, b->nkls + 1, sizeof(*b->klstarts));
        b->nodes[idx].keylist = (uint32_t)b->nkls;
        b->klstarts[b->nkls++] = (uint32_t)b->nkl;
        for (size_t i = 0; i < val_seq_len(lk); i++) {
            const char *k = val_cstr(val_seq_at(lk, i));
            if (!k)
                continue;
            b->keylists = xgrow(b->keylists, &b->ckl, b->nkl + 1, sizeof(*b->keylists));
            b->keylists[b->nkl++] = (int32_t)b_str(b, k);
        }
        b->keylists = xgrow(b->keylists, &b->ckl, b->nkl + 1, sizeof(*b->keylists));
        b->keylists[b->nkl++] = -1;
    }
    return idx;
}

struct tmptype {
    const char *av, *kind;
    int32_t node;
    bool ns;
};

static int
tmptype_cmp(const void *x, const void *y)
{
    const struct tmptype *p = x, *q = y;
    int c = strcmp(p->av, q->av);
    return c ? c : strcmp(p->kind, q->kind);
}

static bool
gvk_of(const struct val *g, struct arena *a, const char **av, const char **kind)
{
    if (!g || g->kind != VAL_MAP)
        return false;
    const char *grp = val_cstr(val_map_getz(g, "group"));
    const char *ver = val_cstr(val_map_getz(g, "version"));
    const char *k = val_cstr(val_map_getz(g, "kind"));
    if (!ver || !k)
        return false;
    *av = grp && *grp ? arena_sprintf(a, "%s/%s", grp, ver) : ver;
    *kind = k;
    return true;
}

int
ksch_set_load(const struct ksch_set **out, struct arena *a, const struct val *doc, const char *file,
              struct pkg_err **errp)
{
    struct builder b = {.a = a};
    struct tmptype *types = NULL, *scopes = NULL;
    size_t ntypes = 0, ctypes = 0, nscopes = 0, cscopes = 0;
    b_str(&b, "x"); /* index 0 is "" */
    b.strs[0] = "";
    b.klstarts = xgrow(b.klstarts, &b.ckls, 1, sizeof(*b.klstarts));
    b.klstarts[b.nkls++] = 0;
    b.keylists = xgrow(b.keylists, &b.ckl, 1, sizeof(*b.keylists));
    b.keylists[b.nkl++] = -1;
    if (!doc || doc->kind != VAL_MAP) {
        pkg_err_set(errp, PKG_EINVAL, "%s: invalid schema file: not an OpenAPI document", file);
        return PKG_EINVAL;
    }
    const struct val *defs = val_map_getz(doc, "definitions");
    size_t ndefs = defs && defs->kind == VAL_MAP ? val_map_len(defs) : 0;
    int32_t *defnode = xcalloc(ndefs + 1, sizeof(*defnode));
    for (size_t i = 0; i < ndefs; i++) {
        const struct val *d = defs->u.map.ents[i].v;
        defnode[i] = b_schema(&b, d, 0);
        const struct val *g =
            d && d->kind == VAL_MAP ? val_map_getz(d, "x-kubernetes-group-version-kind") : NULL;
        for (size_t j = 0; g && g->kind == VAL_SEQ && j < val_seq_len(g); j++) {
            const char *av, *k;
            if (!gvk_of(val_seq_at(g, j), a, &av, &k))
                continue;
            types = xgrow(types, &ctypes, ntypes + 1, sizeof(*types));
            types[ntypes++] = (struct tmptype){av, k, defnode[i], false};
        }
    }
    for (size_t i = 0; i < b.nfix; i++) {
        const char *r = b.fix[i].ref;
        const char *pfx = "#/definitions/";
        if (strncmp(r, pfx, strlen(pfx)) != 0)
            continue;
        r += strlen(pfx);
        long at = defs ? val_map_find(defs, r, strlen(r)) : -1;
        if (at >= 0)
            b.nodes[b.fix[i].node].ref = defnode[at];
    }
    const struct val *paths = val_map_getz(doc, "paths");
    for (size_t i = 0; paths && paths->kind == VAL_MAP && i < val_map_len(paths); i++) {
        const char *p = paths->u.map.ents[i].key->u.s.ptr;
        const struct val *get = val_map_getz(paths->u.map.ents[i].v, "get");
        if (!get || get->kind != VAL_MAP)
            continue;
        const char *av, *k;
        if (!gvk_of(val_map_getz(get, "x-kubernetes-group-version-kind"), a, &av, &k))
            continue;
        bool ns = strstr(p, "namespaces/{namespace}") != NULL;
        size_t j;
        for (j = 0; j < nscopes; j++)
            if (!strcmp(scopes[j].av, av) && !strcmp(scopes[j].kind, k))
                break;
        if (j == nscopes) {
            scopes = xgrow(scopes, &cscopes, nscopes + 1, sizeof(*scopes));
            scopes[nscopes++] = (struct tmptype){av, k, -1, ns};
        } else if (ns) {
            scopes[j].ns = true;
        }
    }
    if (ntypes) /* a schema without paths has no scopes (and NULL arrays) */
        qsort(types, ntypes, sizeof(*types), tmptype_cmp);
    if (nscopes)
        qsort(scopes, nscopes, sizeof(*scopes), tmptype_cmp);
    struct ksch_set *set = arena_alloc(a, sizeof(*set));
    struct ksch_type *tt = arena_alloc(a, (ntypes + 1) * sizeof(*tt));
    for (size_t i = 0; i < ntypes; i++)
        tt[i] = (struct ksch_type){b_str(&b, types[i].av), b_str(&b, types[i].kind), types[i].node};
    struct ksch_scope *ss = arena_alloc(a, (nscopes + 1) * sizeof(*ss));
    for (size_t i = 0; i < nscopes; i++)
        ss[i] =
            (struct ksch_scope){b_str(&b, scopes[i].av), b_str(&b, scopes[i].kind), scopes[i].ns};
    set->nodes = arena_memdup(a, b.nodes, b.nnodes * sizeof(*b.nodes));
    set->nnodes = b.nnodes;
    set->props = arena_memdup(a, b.props, (b.nprops + 1) * sizeof(*b.props));
    set->keylists = arena_memdup(a, b.keylists, b.nkl * sizeof(*b.keylists));
    set->keylist_starts = arena_memdup(a, b.klstarts, b.nkls * sizeof(*b.klstarts));
    set->types = tt;
    set->ntypes = ntypes;
    set->scopes = ss;
    set->nscopes = nscopes;
    set->strs = arena_memdup(a, b.strs, b.nstrs * sizeof(*b.strs));
    free(b.nodes);
    free(b.props);
    free(b.keylists);
    free(b.klstarts);
    free(b.strs);
    free(b.fix);
    free(defnode);
    free(types);
    free(scopes);
    *out = set;
    return 0;
}
