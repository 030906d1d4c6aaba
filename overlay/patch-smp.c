/* Strategic merge patches as kustomize applies them: kyaml's merge2
 * (walk + Merger visitor) with new list items prepended. Lists merge by
 * the key the OpenAPI schema names (containers by name, ports by
 * containerPort and protocol, ...); lists without a merge strategy are
 * replaced. `$patch: delete|replace|merge` directives are honoured; other
 * `$...` keys are copied like any field, as kustomize does. The element
 * bookkeeping (ElementSetter, ElementMatcher, appendListNode) follows
 * kyaml's exactly, because list order is visible in the output. */
#include "overlay/kust.h"

#include <stdlib.h>
#include <string.h>

enum { DIR_UNKNOWN, DIR_REPLACE, DIR_DELETE, DIR_MERGE };

struct smp {
    struct kbuild *b;
    int depth;
};

/* A walk result: the node (NULL clears the field) and whether a null is a
 * "persistent" one that stays (MakePersistentNullNode). */
struct wres {
    struct val *v;
    bool keep;
};

static bool
missing_or_null(const struct val *v)
{
    return !v || v->kind == VAL_NULL;
}

static const char *
text(struct smp *s, const struct val *v)
{
    return kn_text(s->b->a, v);
}

/* GetValue: "" for missing or null. */
static const char *
get_value(struct smp *s, const struct val *v)
{
    if (missing_or_null(v))
        return "";
    return text(s, v);
}

static bool
is_empty_map(const struct val *v)
{
    return missing_or_null(v) || (v->kind == VAL_MAP && val_map_len(v) == 0);
}

static const char *
kind_name(const struct val *v)
{
    switch (v->kind) {
    case VAL_MAP:
        return "MappingNode";
    case VAL_SEQ:
        return "SequenceNode";
    default:
        return "ScalarNode";
    }
}

static int
invalid_kind(const struct val *v, int want, struct pkg_err **errp)
{
    const char *w = want == VAL_MAP   ? "MappingNode"
                    : want == VAL_SEQ ? "SequenceNode"
                                      : "ScalarNode";
    return pkg_err_set(errp, PKG_ETYPE, "wrong node kind: expected %s but got %s", w, kind_name(v));
}

/* ErrorIfInvalid: null passes. want is VAL_MAP, VAL_SEQ or VAL_STRING (scalar). */
static int
check_kind(const struct val *v, int want, struct pkg_err **errp)
{
    if (missing_or_null(v))
        return 0;
    bool scalar = v->kind != VAL_MAP && v->kind != VAL_SEQ;
    if (want == VAL_STRING ? !scalar : (int)v->kind != want)
        return invalid_kind(v, want, errp);
    return 0;
}

/* FieldMatcher{Name: name, StringValue: value}: the field's value node when
 * present (and equal to value when value is not ""). */
static int
field_match(struct smp *s, struct val *rn, const char *name, const char *value, struct val **out,
            struct pkg_err **errp)
{
    *out = NULL;
    if (missing_or_null(rn))
        return 0;
    if (!*name) {
        int rc = check_kind(rn, VAL_STRING, errp);
        if (rc)
            return rc;
        if (!strcmp(get_value(s, rn), value))
            *out = rn;
        return 0;
    }
    int rc = check_kind(rn, VAL_MAP, errp);
    if (rc)
        return rc;
    for (size_t i = 0; i < val_map_len(rn); i++) {
        if (strcmp(rn->u.map.ents[i].key->u.s.ptr, name))
            continue;
        struct val *v = rn->u.map.ents[i].v;
        if (!*value || !strcmp(text(s, v), value))
            *out = v;
    }
    return 0;
}

/* ElementSetter */
static int
element_set(struct smp *s, struct val *seq, struct val *element, const char *const *keys,
            const char *const *values, size_t nkeys, size_t nvalues, struct val **out,
            struct pkg_err **errp)
{
    static const char *const empty_key[] = {""};
    if (nkeys == 0) {
        keys = empty_key;
        nkeys = 1;
    }
    if (out)
        *out = NULL;
    int rc = check_kind(seq, VAL_SEQ, errp);
    if (rc)
        return rc;
    if (missing_or_null(seq))
        return 0;
    bool mapping_setter = *keys[0] && nvalues > 0 && *values[0];
    struct val **nc = arena_alloc(s->b->a, (val_seq_len(seq) + 1) * sizeof(*nc));
    size_t n = 0;
    bool found_any = false;
    for (size_t i = 0; i < val_seq_len(seq); i++) {
        struct val *elem = val_seq_at(seq, i);
        if (is_empty_map(elem))
            continue;
        if (elem->kind != VAL_MAP && mapping_setter) {
            nc[n++] = elem;
            continue;
        }
        struct val *v = NULL;
        bool found = true;
        for (size_t j = 0; j < nkeys; j++) {
            if (j < nvalues) {
                rc = field_match(s, elem, keys[j], values[j], &v, errp);
                if (rc)
                    return rc;
            }
            if (!v) {
                found = false;
                break;
            }
        }
        if (!found) {
            if (nvalues > 0)
                nc[n++] = elem;
            continue;
        }
        found_any = true;
        if (!element)
            continue;
        nc[n++] = element;
    }
    seq->u.seq.items = nc;
    seq->u.seq.len = seq->u.seq.cap = (uint32_t)n;
    if (missing_or_null(element))
        return 0;
    if (!found_any)
        val_seq_push(s->b->a, seq, element);
    if (out)
        *out = element;
    return 0;
}

/* ElementMatcher{Keys, Values} (MatchElementList): the first map element
 * whose fields match. */
static struct val *
element_list(struct smp *s, struct val *seq, const char *const *keys, const char *const *values,
             size_t n)
{
    if (!seq || seq->kind != VAL_SEQ)
        return NULL;
    if (n == 0 || !*keys[0]) {
        const char *want = n ? values[0] : "";
        for (size_t i = 0; i < val_seq_len(seq); i++) {
            struct val *e = val_seq_at(seq, i);
            if (!strcmp(e->kind == VAL_MAP || e->kind == VAL_SEQ ? "" : text(s, e), want))
                return e;
        }
        return NULL;
    }
    for (size_t i = 0; i < val_seq_len(seq); i++) {
        struct val *e = val_seq_at(seq, i);
        if (!missing_or_null(e) && e->kind != VAL_MAP)
            continue;
        bool match = true;
        for (size_t k = 0; k < n && match; k++) {
            struct val *f = NULL;
            struct pkg_err *ignore = NULL;
            if (field_match(s, e, keys[k], values[k], &f, &ignore) != 0)
                pkg_err_free(ignore);
            match = f != NULL;
        }
        if (match)
            return e;
    }
    return NULL;
}

/* determineSmpDirective (and the elision of the directive). */
static int
smp_directive(struct smp *s, struct val *patch, int *dir, struct pkg_err **errp)
{
    *dir = DIR_MERGE;
    if (!patch)
        return 0;
    if (patch->kind == VAL_SEQ) {
        struct val *node = NULL;
        for (size_t i = 0; i < val_seq_len(patch); i++) {
            struct val *e = val_seq_at(patch, i);
            if (e->kind == VAL_MAP && kn_get(e, "$patch")) {
                node = e;
                break;
            }
        }
        if (!node || val_map_len(node) > 1)
            return 0;
        struct val *value = kn_get(node, "$patch");
        if (!value)
            return 0;
        const char *v = text(s, value);
        if (!strcmp(v, "delete"))
            *dir = DIR_DELETE;
        else if (!strcmp(v, "replace"))
            *dir = DIR_REPLACE;
        else if (!strcmp(v, "merge"))
            *dir = DIR_MERGE;
        else {
            *dir = DIR_UNKNOWN;
            return pkg_err_set(errp, PKG_EINVAL, "unknown patch strategy '%s'", v);
        }
        static const char *const k[] = {"$patch"};
        const char *vals[] = {v};
        return element_set(s, patch, NULL, k, vals, 1, 1, NULL, errp);
    }
    if (patch->kind == VAL_MAP) {
        struct val *value = kn_get(patch, "$patch");
        if (!value)
            return 0;
        const char *v = text(s, value);
        if (!strcmp(v, "delete"))
            *dir = DIR_DELETE;
        else if (!strcmp(v, "replace"))
            *dir = DIR_REPLACE;
        else if (!strcmp(v, "merge"))
            *dir = DIR_MERGE;
        else {
            *dir = DIR_UNKNOWN;
            return pkg_err_set(errp, PKG_EINVAL, "unknown patch strategy '%s'", v);
        }
        val_map_del(patch, "$patch", 6);
        return 0;
    }
    *dir = DIR_UNKNOWN;
    return pkg_err_set(errp, PKG_EINVAL,
                       "no implemented strategic merge patch strategy for '%s' ('%s')",
                       patch->kind == VAL_NULL ? "!!null" : "!!str", text(s, patch));
}

static int walk(struct smp *s, struct ksch sch, struct val *src[2], struct wres *out,
                struct pkg_err **errp);

/* Walker.GetSchema: the given one, else the resource type's. */
static struct ksch
get_schema(struct smp *s, struct ksch sch, struct val *src[2])
{
    if (!ksch_nil(sch))
        return sch;
    const struct ksch_set *set = s->b->custom_schema ? s->b->custom_schema : ksch_builtin();
    for (int i = 0; i < 2; i++) {
        struct val *r = src[i];
        if (missing_or_null(r) || r->kind != VAL_MAP)
            continue;
        struct val *k = kn_get(r, "kind"), *av = kn_get(r, "apiVersion");
        const char *ks = kn_nil_or_empty(k) ? "" : text(s, k);
        const char *as = kn_nil_or_empty(av) ? "" : text(s, av);
        if (!*ks || !*as)
            continue;
        struct ksch t = ksch_for_type(set, as, ks);
        if (!ksch_nil(t))
            return t;
    }
    struct ksch none = {set, -1};
    return none;
}

static int
visit_map(struct smp *s, struct val *src[2], struct wres *out, struct pkg_err **errp)
{
    struct val *dest = src[0], *origin = src[1];
    out->keep = false;
    if (missing_or_null(dest)) {
        int dir;
        struct pkg_err *ignore = NULL;
        if (smp_directive(s, origin, &dir, &ignore))
            pkg_err_free(ignore);
        if (dir == DIR_DELETE) {
            out->v = NULL;
            return 0;
        }
        if (!origin && dest && *text(s, dest)) {
            out->v = dest;
            out->keep = true;
            return 0;
        }
        out->v = origin;
        return 0;
    }
    if (origin && origin->kind == VAL_NULL) {
        out->v = NULL;
        return 0;
    }
    int dir;
    int rc = smp_directive(s, origin, &dir, errp);
    if (rc)
        return rc;
    out->v = dir == DIR_DELETE ? NULL : dir == DIR_REPLACE ? origin : dest;
    return 0;
}

static int
key_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* A plain string go-yaml v3 reads as a timestamp: its style decides how it
 * prints (see output.c), so it keeps it. */
static bool
plain_timestamp(const struct val *v)
{
    return v->kind == VAL_STRING && v->style == VAL_STYLE_PLAIN && !(v->flags & VAL_F_TAGGED) &&
           val_yaml_resolve(VAL_YAML_KYAML, v->u.s.ptr, v->u.s.len, NULL) == VAL_YTAG_TIMESTAMP;
}

/* FieldSetter{Name: key, Value: r} on a map. Styles follow kyaml (they
 * reach content hashes): a replaced value takes the old one's style, a new
 * YAML 1.1 look-alike string is double-quoted, a new key keeps the style
 * of the key it came from. */
static void
field_set(struct smp *s, struct val *dest, const char *key, const struct wres *r,
          struct val *const src[2])
{
    struct arena *a = s->b->a;
    struct val *v = r->v;
    if (!v || (v->kind == VAL_NULL && !r->keep)) {
        val_map_del(dest, key, strlen(key));
        return;
    }
    long at = val_map_find(dest, key, strlen(key));
    if (at >= 0) {
        struct val *old = dest->u.map.ents[at].v;
        if (old != v && !plain_timestamp(v))
            v->style = old->style;
        dest->u.map.ents[at].v = v;
        return;
    }
    if (v->kind == VAL_STRING && !(v->flags & VAL_F_TAGGED) &&
        (v->style == VAL_STYLE_PLAIN || v->style == VAL_STYLE_ANY) && !(v->flags & KN_F_STYLE0) &&
        kn_yaml11_nonstring(v->u.s.ptr))
        v->style = VAL_STYLE_DOUBLE;
    struct val *k = kn_str(a, key);
    for (int j = 1; j >= 0; j--) {
        long i = src[j] && src[j]->kind == VAL_MAP ? val_map_find(src[j], key, strlen(key)) : -1;
        if (i >= 0 && src[j]->u.map.ents[i].v == v) {
            k->style = src[j]->u.map.ents[i].key->style;
            break;
        }
    }
    val_map_append(a, dest, k, v);
}

static int
walk_map(struct smp *s, struct ksch sch, struct val *src[2], struct wres *out,
         struct pkg_err **errp)
{
    struct wres d;
    int rc = visit_map(s, src, &d, errp);
    if (rc)
        return rc;
    src[0] = d.v;
    *out = d;
    if (!d.v)
        return 0;
    /* the sorted union of field names */
    size_t cap = 0, n = 0;
    for (int i = 0; i < 2; i++)
        if (src[i] && src[i]->kind == VAL_MAP)
            cap += val_map_len(src[i]);
    const char **names = xcalloc(cap + 1, sizeof(*names));
    for (int i = 0; i < 2; i++)
        if (src[i] && src[i]->kind == VAL_MAP)
            for (size_t j = 0; j < val_map_len(src[i]); j++)
                names[n++] = src[i]->u.map.ents[j].key->u.s.ptr;
    qsort(names, n, sizeof(*names), key_cmp);
    for (size_t i = 0; i < n && !rc; i++) {
        if (i > 0 && !strcmp(names[i], names[i - 1]))
            continue;
        const char *key = names[i];
        struct ksch fs = ksch_nil(sch) ? sch : ksch_field(sch, key);
        struct val *fv[2];
        for (int j = 0; j < 2; j++)
            fv[j] = src[j] && src[j]->kind == VAL_MAP ? val_map_getz(src[j], key) : NULL;
        struct wres r;
        struct val *ks[2] = {src[0], src[1]};
        rc = walk(s, fs, fv, &r, errp);
        if (!rc && d.v->kind == VAL_MAP)
            field_set(s, d.v, key, &r, ks);
    }
    free(names);
    return rc;
}

static bool
has_merge_strategy(struct ksch sch)
{
    const char *st = ksch_strategy(sch);
    const char *p = st;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == 5 && !strncmp(p, "merge", 5))
            return true;
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

/* A list of string lists (the key values of elements). */
struct vlist {
    const char ***v; /* each an array of nkeys strings */
    size_t n, cap;
};

static bool
values_equal(const char **x, const char **y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(x[i], y[i]))
            return false;
    return true;
}

/* ElementValuesList */
static const char ***
element_values(struct smp *s, struct val *seq, const char *const *keys, size_t nkeys, size_t *count)
{
    *count = 0;
    if (!seq || seq->kind != VAL_SEQ)
        return NULL;
    size_t n = val_seq_len(seq);
    const char ***r = arena_alloc(s->b->a, (n + 1) * sizeof(*r));
    for (size_t i = 0; i < n; i++) {
        struct val *e = val_seq_at(seq, i);
        r[i] = arena_alloc(s->b->a, (nkeys + 1) * sizeof(**r));
        for (size_t k = 0; k < nkeys; k++) {
            struct val *f = kn_get(e, keys[k]);
            r[i][k] = kn_nil_or_empty(f) ? "" : text(s, f);
        }
    }
    *count = n;
    return r;
}

static void
vlist_push(struct vlist *l, const char **v)
{
    l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
    l->v[l->n++] = v;
}

/* validateKeys */
static void
validate_keys(struct smp *s, const struct vlist *all, const char **values, const char *const *keys,
              size_t nkeys, const char ***vkeys, const char ***vvalues, size_t *nvk, size_t *nvv)
{
    bool *valid = arena_alloc(s->b->a, (nkeys + 1) * sizeof(*valid));
    size_t nvalid = 0;
    for (size_t i = 0; i < all->n; i++)
        for (size_t k = 0; k < nkeys; k++)
            if (*all->v[i][k] && !valid[k]) {
                valid[k] = true;
                nvalid++;
            }
    *vkeys = arena_alloc(s->b->a, (nkeys + 1) * sizeof(**vkeys));
    *vvalues = arena_alloc(s->b->a, (nkeys + 1) * sizeof(**vvalues));
    if (nvalid == 0) {
        for (size_t k = 0; k < nkeys; k++) {
            (*vkeys)[k] = keys[k];
            (*vvalues)[k] = values[k];
        }
        *nvk = *nvv = nkeys;
        return;
    }
    *nvk = *nvv = 0;
    for (size_t k = 0; k < nkeys; k++)
        if (valid[k])
            (*vkeys)[(*nvk)++] = keys[k];
    for (size_t k = 0; k < nkeys; k++)
        if (*values[k] || valid[k])
            (*vvalues)[(*nvv)++] = values[k];
}

/* appendListNode(dst, src, keys) */
static int
append_list_node(struct smp *s, struct val *dst, struct val *src, const char *const *keys,
                 size_t nkeys, struct pkg_err **errp)
{
    for (size_t i = 0; src && src->kind == VAL_SEQ && i < val_seq_len(src); i++) {
        struct val *elem = val_seq_at(src, i);
        int rc;
        if (nkeys == 0 || !*keys[0]) {
            const char *v = elem->kind == VAL_MAP || elem->kind == VAL_SEQ ? "" : text(s, elem);
            static const char *const ek[] = {""};
            rc = element_set(s, dst, elem, ek, &v, 1, 1, NULL, errp);
            if (rc)
                return rc;
            continue;
        }
        const char **v = arena_alloc(s->b->a, (nkeys + 1) * sizeof(*v));
        size_t nv = 0;
        for (size_t k = 0; k < nkeys; k++) {
            struct val *vn = NULL;
            rc = field_match(s, elem, keys[k], "", &vn, errp);
            if (rc)
                return rc;
            if (!vn) {
                val_seq_push(s->b->a, dst, elem);
                continue;
            }
            v[nv++] = text(s, vn);
        }
        if (nkeys > 1) {
            rc = element_set(s, dst, NULL, keys, v, nkeys, nv, NULL, errp);
            if (rc)
                return rc;
        }
        rc = element_set(s, dst, elem, keys, v, nkeys, nv, NULL, errp);
        if (rc)
            return rc;
    }
    return 0;
}

static int
set_assoc_elements(struct smp *s, struct ksch sch, struct val *src[2], struct vlist *values,
                   const char *const *keys, size_t nkeys, struct val *dest, struct wres *out,
                   struct pkg_err **errp)
{
    struct arena *a = s->b->a;
    struct val *items = val_seq(a);
    struct ksch esch = ksch_nil(sch) ? sch : ksch_elements(sch);
    /* mergeValues for several keys */
    if (nkeys > 1) {
        for (size_t i = 0; i < values->n; i++)
            for (size_t j = 0; j < values->n; j++) {
                const char **x = values->v[i], **y = values->v[j];
                bool common = false, ok = true;
                const char **res = arena_alloc(a, (nkeys + 1) * sizeof(*res));
                for (size_t k = 0; k < nkeys && ok; k++) {
                    if (!strcmp(x[k], y[k])) {
                        common = true;
                        res[k] = x[k];
                    } else if (*x[k] && *y[k]) {
                        ok = false;
                    } else {
                        res[k] = *x[k] ? x[k] : y[k];
                    }
                }
                if (ok && common) {
                    values->v[i] = res;
                    values->v[j] = res;
                }
            }
    }
    const char **vkeys = NULL, **vvalues = NULL;
    size_t nvk = 0, nvv = 0;
    for (size_t vi = 0; vi < values->n; vi++) {
        const char **vals = values->v[vi];
        if (nkeys == 0)
            continue;
        validate_keys(s, values, vals, keys, nkeys, &vkeys, &vvalues, &nvk, &nvv);
        /* elementValueList: validateKeys over this one list, then each
         * source's matching element */
        struct vlist single = {0};
        vlist_push(&single, vvalues);
        const char **k2, **v2;
        size_t nk2, nv2;
        validate_keys(s, &single, vvalues, vkeys, nvk, &k2, &v2, &nk2, &nv2);
        free(single.v);
        struct val *fv[2];
        for (int j = 0; j < 2; j++)
            fv[j] = nk2 == nv2 && src[j] ? element_list(s, src[j], k2, v2, nk2) : NULL;
        struct wres r;
        int rc = walk(s, esch, fv, &r, errp);
        if (rc)
            return rc;
        bool exit = false;
        for (size_t k = 0; k < nvk; k++) {
            if (missing_or_null(r.v) || is_empty_map(r.v)) {
                rc = element_set(s, dest, NULL, vkeys, vvalues, nvk, nvv, NULL, errp);
                if (rc)
                    return rc;
                exit = true;
            } else if (!kn_get(r.v, vkeys[k]) && k < nvv && *vvalues[k]) {
                if (r.v->kind == VAL_MAP)
                    val_map_setz(a, r.v, vkeys[k], kn_scalar(a, vvalues[k]));
            }
        }
        if (exit)
            continue;
        rc = element_set(s, items, r.v, vkeys, vvalues, nvk, nvv, NULL, errp);
        if (rc)
            return rc;
    }
    if (values->n > 0) {
        int rc = append_list_node(s, items, dest, vkeys, nvk, errp);
        if (rc)
            return rc;
        dest = items;
    }
    out->keep = false;
    out->v = missing_or_null(dest) ? NULL : dest;
    return 0;
}

/* VisitList for associative lists. */
static int
visit_list(struct smp *s, struct val *src[2], struct wres *out, struct pkg_err **errp)
{
    struct val *dest = src[0], *origin = src[1];
    out->keep = false;
    if (missing_or_null(dest)) {
        out->v = origin;
        return 0;
    }
    if (origin && origin->kind == VAL_NULL) {
        out->v = NULL;
        return 0;
    }
    int dir;
    int rc = smp_directive(s, origin, &dir, errp);
    if (rc)
        return rc;
    out->v = dir == DIR_DELETE ? NULL : dir == DIR_REPLACE ? origin : dest;
    return 0;
}

/* elementKey: "name" when every element of a source has it. */
static int
element_key(struct smp *s, struct val *src[2], const char *path, const char **key,
            struct pkg_err **errp)
{
    (void)s;
    const char *k = "";
    for (int i = 0; i < 2; i++) {
        struct val *l = src[i];
        if (!l || l->kind != VAL_SEQ || val_seq_len(l) == 0)
            continue;
        bool all = true;
        for (size_t j = 0; j < val_seq_len(l) && all; j++)
            all = kn_get(val_seq_at(l, j), "name") != NULL;
        const char *nk = all ? "name" : "";
        if (*k && strcmp(k, nk))
            return pkg_err_set(errp, PKG_EINVAL, "conflicting merge keys [%s,%s] for field %s", k,
                               nk, path);
        k = nk;
    }
    if (!*k)
        return pkg_err_set(errp, PKG_EINVAL, "no merge key found for field %s", path);
    *key = k;
    return 0;
}

static int
walk_assoc_seq(struct smp *s, struct ksch sch, struct val *src[2], struct wres *out,
               struct pkg_err **errp)
{
    struct wres d;
    int rc = visit_list(s, src, &d, errp);
    if (rc)
        return rc;
    src[0] = d.v;
    if (!d.v) {
        *out = d;
        return 0;
    }
    const char *keys[16];
    size_t nkeys = ksch_merge_keys(sch, keys, 16);
    if (!*ksch_strategy(sch) && nkeys == 0) {
        const char *k = "";
        rc = element_key(s, src, "", &k, errp);
        if (rc)
            return rc;
        keys[nkeys++] = k;
    }
    struct vlist values = {0};
    /* elementValues: the patch's first (prepend), then the destination's */
    for (int i = 0; i < 2; i++) {
        struct val *l = src[(i + 1) % 2];
        if (!l)
            continue;
        size_t n;
        const char ***ev = element_values(s, l, keys, nkeys, &n);
        for (size_t j = 0; j < n; j++) {
            if (nkeys == 0)
                continue;
            bool seen = false;
            for (size_t k = 0; k < values.n && !seen; k++)
                seen = values_equal(values.v[k], ev[j], nkeys);
            if (!seen)
                vlist_push(&values, ev[j]);
        }
    }
    if (values.n || nkeys) {
        rc = set_assoc_elements(s, sch, src, &values, keys, nkeys, d.v, out, errp);
        free(values.v);
        return rc;
    }
    /* primitive lists: by value */
    for (int i = 0; i < 2; i++) {
        struct val *l = src[(i + 1) % 2];
        if (!l || l->kind != VAL_SEQ)
            continue;
        for (size_t j = 0; j < val_seq_len(l); j++) {
            struct val *e = val_seq_at(l, j);
            const char *t = e->kind == VAL_MAP || e->kind == VAL_SEQ ? "" : text(s, e);
            bool seen = false;
            for (size_t k = 0; k < values.n && !seen; k++)
                seen = !strcmp(values.v[k][0], t);
            if (!seen) {
                const char **one = arena_alloc(s->b->a, 2 * sizeof(*one));
                one[0] = t;
                vlist_push(&values, one);
            }
        }
    }
    static const char *const ek[] = {""};
    rc = set_assoc_elements(s, sch, src, &values, ek, 1, d.v, out, errp);
    free(values.v);
    return rc;
}

static int
walk(struct smp *s, struct ksch sch, struct val *src[2], struct wres *out, struct pkg_err **errp)
{
    if (++s->depth > 500) {
        s->depth--;
        return pkg_err_set(errp, PKG_ELIMIT, "patch nested too deeply");
    }
    int rc = 0;
    sch = get_schema(s, sch, src);
    int kind = -1;
    for (int i = 0; i < 2 && kind < 0; i++)
        if (!missing_or_null(src[i]))
            kind = src[i]->kind == VAL_MAP || src[i]->kind == VAL_SEQ ? src[i]->kind : VAL_STRING;
    if (kind == VAL_MAP || kind < 0) {
        for (int i = 0; kind >= 0 && i < 2 && !rc; i++)
            rc = check_kind(src[i], VAL_MAP, errp);
        if (!rc)
            rc = walk_map(s, sch, src, out, errp);
    } else if (kind == VAL_SEQ) {
        for (int i = 0; i < 2 && !rc; i++)
            rc = check_kind(src[i], VAL_SEQ, errp);
        if (!rc) {
            if (!ksch_nil(sch) && has_merge_strategy(sch)) {
                rc = walk_assoc_seq(s, sch, src, out, errp);
            } else {
                /* VisitList for a non-associative list: the patch's wins */
                out->keep = false;
                out->v = src[1] ? src[1] : src[0];
            }
        }
    } else {
        for (int i = 0; i < 2 && !rc; i++)
            rc = check_kind(src[i], VAL_STRING, errp);
        if (!rc) {
            out->keep = false;
            out->v = src[1] ? src[1] : src[0];
        }
    }
    s->depth--;
    return rc;
}

int
ksmp_merge(struct kbuild *b, struct val **out, struct val *dest, struct val *patch,
           struct pkg_err **errp)
{
    struct smp s = {b, 0};
    struct val *src[2] = {dest, patch};
    struct ksch none = {NULL, -1};
    struct wres r;
    int rc = walk(&s, none, src, &r, errp);
    if (rc)
        return rc;
    *out = r.v;
    return 0;
}
