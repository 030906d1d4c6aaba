/* values.schema.json validation with the behaviour of
 * github.com/xeipuuv/gojsonschema v1.2.0, the validator Helm 3.17 uses:
 * draft detection from "$schema" (draft 4, 6, 7, or the hybrid of all three
 * when absent), the same keywords and parse rules, local "$ref" (JSON
 * pointers and ids), the same error texts ("age: Must be greater than or
 * equal to 0", "(root): employmentInfo is required") in the same order, and
 * the same scoring that picks which failed anyOf/oneOf branch is reported.
 *
 * Where gojsonschema iterates a Go map (the order of `properties`, of a
 * value's keys) its order is random; we use the schema's order for
 * properties and sorted keys for values. Regular expressions run on PCRE2. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "chart/chart-int.h"
#include "core/json.h"
#include "core/text.h"
#include "core/xalloc.h"

#include <arpa/inet.h>
#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum draft { DRAFT4 = 4, DRAFT6 = 6, DRAFT7 = 7, HYBRID = 1000 };

enum {
    T_ARRAY = 1,
    T_BOOLEAN = 2,
    T_INTEGER = 4,
    T_NULL = 8,
    T_NUMBER = 16,
    T_OBJECT = 32,
    T_STRING = 64
};

struct sub;

struct prop {
    const char *name;
    struct sub *s;
};

struct pattern_prop {
    const char *pat;
    pcre2_code *re;
    struct sub *s;
};

struct dep {
    const char *key;
    const char **names; /* a list of property names, or NULL */
    size_t nnames;
    struct sub *s; /* or a schema */
};

enum add_kind { ADD_NONE, ADD_BOOL, ADD_SCHEMA };

struct sub {
    enum draft draft;
    const struct val *node; /* the schema document node (for $ref resolution) */
    bool has_pass, pass;
    struct sub *ref_schema;
    const char *ref; /* unresolved $ref text until linked */
    /* types in declaration order, for "Expected: [a,b]" */
    const char *types[8];
    int ntypes;
    unsigned type_mask;
    struct prop *props;
    size_t nprops;
    const struct val *props_map; /* "properties", for lookups by name */
    enum add_kind add_props_kind;
    bool add_props_bool;
    struct sub *add_props;
    struct pattern_prop *pprops;
    size_t npprops;
    struct sub *property_names;
    struct dep *deps;
    size_t ndeps;
    struct sub **items;
    size_t nitems;
    bool items_single;
    enum add_kind add_items_kind;
    bool add_items_bool;
    struct sub *add_items;
    bool has_multiple_of, has_max, has_xmax, has_min, has_xmin;
    double multiple_of, max, xmax, min, xmin;
    long min_length, max_length; /* -1: absent */
    pcre2_code *pattern;
    const char *pattern_src;
    const char *format;
    long min_props, max_props, min_items, max_items;
    const char **required;
    size_t nrequired;
    bool unique_items;
    struct sub *contains;
    const char *const_json; /* canonical JSON, or NULL */
    const char **enum_json;
    size_t nenum;
    struct sub **one_of, **any_of, **all_of;
    size_t none_of, nany_of, nall_of;
    struct sub *not_;
    struct sub *if_, *then_, *else_;
};

struct schema {
    struct arena *a;
    const struct val *root_doc;
    struct sub *root;
    /* $ref targets already parsed, by reference text */
    struct refent {
        const char *ref;
        struct sub *s;
    } * refs;
    size_t nrefs, caprefs;
    /* every compiled regex, to free */
    pcre2_code **res;
    size_t nres, capres;
    unsigned depth;
};

static void
schema_free(struct schema *sc)
{
    for (size_t i = 0; i < sc->nres; i++)
        pcre2_code_free(sc->res[i]);
    free(sc->res);
    free(sc->refs);
}

static pcre2_code *
compile_re(struct schema *sc, const char *pat)
{
    int errc;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_MATCH_INVALID_UTF,
                                   &errc, &off, NULL);
    if (re) {
        sc->res = xgrow(sc->res, &sc->capres, sc->nres + 1, sizeof(*sc->res));
        sc->res[sc->nres++] = re;
    }
    return re;
}

static bool
re_search(pcre2_code *re, const char *s, size_t n)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int rc = pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

/* ---- canonical JSON (marshalWithoutNumber) ---- */

static struct val *
to_floats(struct arena *a, const struct val *v)
{
    switch (v->kind) {
    case VAL_INT:
        return val_float(a, (double)v->u.i);
    case VAL_SEQ: {
        struct val *s = val_seq(a);
        for (size_t i = 0; i < val_seq_len(v); i++)
            val_seq_push(a, s, to_floats(a, val_seq_at(v, i)));
        return s;
    }
    case VAL_MAP: {
        struct val *m = val_map(a);
        for (size_t i = 0; i < val_map_len(v); i++)
            val_map_set(a, m, v->u.map.ents[i].key->u.s.ptr, v->u.map.ents[i].key->u.s.len,
                        to_floats(a, v->u.map.ents[i].v));
        return m;
    }
    default:
        return (struct val *)v;
    }
}

static const char *
canon(struct arena *a, const struct val *v)
{
    struct sb sb = SB_INIT;
    struct val *f = to_floats(a, v);
    if (val_json_emit(&sb, f, VAL_JSON_COMPACT, NULL))
        sb_addstr(&sb, "null");
    const char *s = arena_strdup(a, sb.buf);
    sb_release(&sb);
    return s;
}

/* ---- parsing ---- */

static bool
is_num(const struct val *v)
{
    return v->kind == VAL_INT || v->kind == VAL_FLOAT;
}

static double
num(const struct val *v)
{
    return v->kind == VAL_INT ? (double)v->u.i : v->u.f;
}

static bool
is_integer(const struct val *v)
{
    if (v->kind == VAL_INT)
        return true;
    return v->kind == VAL_FLOAT && isfinite(v->u.f) && floor(v->u.f) == v->u.f;
}

static int perr(struct pkg_err **errp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int
perr(struct pkg_err **errp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pkg_err_vset(errp, PKG_EINVAL, fmt, ap);
    va_end(ap);
    return PKG_EINVAL;
}

#define INVALID_TYPE(EXP, GIVEN) perr(errp, "Invalid type. Expected: %s, given: %s", EXP, GIVEN)

static int parse_sub(struct schema *sc, const struct val *node, struct sub *s, enum draft draft,
                     struct pkg_err **errp);

static struct sub *
new_sub(struct schema *sc)
{
    struct sub *s = arena_alloc(sc->a, sizeof(*s));
    s->min_length = s->max_length = -1;
    s->min_props = s->max_props = s->min_items = s->max_items = -1;
    return s;
}

static int
child(struct schema *sc, const struct val *node, struct sub **out, enum draft draft,
      struct pkg_err **errp)
{
    *out = new_sub(sc);
    return parse_sub(sc, node, *out, draft, errp);
}

/* The keys of a schema object as a 64-bit filter: parse_sub asks for some
 * forty keywords per object, and most objects have a handful of keys, so
 * absent keywords are answered without a search. */
struct kw {
    const struct val *m;
    uint64_t bits;
};

static uint64_t
kw_bit(const char *k, size_t n)
{
    if (!n)
        return 1;
    return (uint64_t)1 << (((unsigned char)k[0] * 7u + (unsigned char)k[n - 1] + (unsigned)n) % 64);
}

static void
kw_init(struct kw *k, const struct val *m)
{
    k->m = m;
    k->bits = 0;
    for (size_t i = 0; i < val_map_len(m); i++) {
        const struct val *key = m->u.map.ents[i].key;
        k->bits |= kw_bit(key->u.s.ptr, key->u.s.len);
    }
}

/* Inlined, so that a literal key's length and bit are constants (some
 * thirty lookups per subschema, a few hundred subschemas per chart). */
static inline __attribute__((always_inline)) const struct val *
kw_get(const struct kw *k, const char *key)
{
    size_t n = strlen(key);
    if (!(k->bits & kw_bit(key, n)))
        return NULL;
    return val_map_get(k->m, key, n);
}

static int
int_kw(const struct kw *m, const char *key, long *out, struct pkg_err **errp)
{
    const struct val *v = kw_get(m, key);
    if (!v)
        return 0;
    if (!is_num(v) || !is_integer(v))
        return perr(errp, "%s must be of an integer", key);
    if (num(v) < 0)
        return perr(errp, "%s must be greater than or equal to 0", key);
    *out = (long)num(v);
    return 0;
}

/* Resolves a JSON pointer fragment ("/definitions/x") in the document. */
static const struct val *
json_pointer(const struct val *doc, const char *ptr)
{
    const struct val *cur = doc;
    if (!*ptr)
        return cur;
    if (*ptr != '/')
        return NULL;
    const char *p = ptr + 1;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        struct sb tok = SB_INIT;
        for (size_t i = 0; i < n; i++) {
            if (p[i] == '~' && i + 1 < n && p[i + 1] == '0') {
                sb_addch(&tok, '~');
                i++;
            } else if (p[i] == '~' && i + 1 < n && p[i + 1] == '1') {
                sb_addch(&tok, '/');
                i++;
            } else if (p[i] == '%' && i + 2 < n + 0 && i + 2 < n) {
                char hex[3] = {p[i + 1], p[i + 2], 0};
                sb_addch(&tok, (int)strtol(hex, NULL, 16));
                i += 2;
            } else {
                sb_addch(&tok, p[i]);
            }
        }
        const struct val *next = NULL;
        if (cur->kind == VAL_MAP) {
            next = val_map_get(cur, tok.buf, tok.len);
        } else if (cur->kind == VAL_SEQ) {
            char *end;
            long idx = strtol(tok.buf, &end, 10);
            if (tok.len && !*end && idx >= 0 && (size_t)idx < val_seq_len(cur))
                next = val_seq_at(cur, (size_t)idx);
        }
        sb_release(&tok);
        if (!next)
            return NULL;
        cur = next;
        if (!slash)
            return cur;
        p = slash + 1;
    }
}

/* Finds a subschema whose id ("$id"/"id") equals the reference. */
static const struct val *
find_id(const struct val *node, const char *ref)
{
    if (node->kind == VAL_MAP) {
        const struct val *id = val_map_getz(node, "$id");
        if (!id)
            id = val_map_getz(node, "id");
        if (id && id->kind == VAL_STRING && !strcmp(id->u.s.ptr, ref))
            return node;
        for (size_t i = 0; i < val_map_len(node); i++) {
            const struct val *r = find_id(node->u.map.ents[i].v, ref);
            if (r)
                return r;
        }
    } else if (node->kind == VAL_SEQ) {
        for (size_t i = 0; i < val_seq_len(node); i++) {
            const struct val *r = find_id(val_seq_at(node, i), ref);
            if (r)
                return r;
        }
    }
    return NULL;
}

static int
parse_ref(struct schema *sc, struct sub *s, const char *ref, enum draft draft,
          struct pkg_err **errp)
{
    for (size_t i = 0; i < sc->nrefs; i++) {
        if (!strcmp(sc->refs[i].ref, ref)) {
            s->ref_schema = sc->refs[i].s;
            return 0;
        }
    }
    const struct val *target = NULL;
    const char *hash = strchr(ref, '#');
    if (hash && hash == ref) {
        target = json_pointer(sc->root_doc, hash + 1);
        if (!target)
            target = find_id(sc->root_doc, ref);
    } else {
        target = find_id(sc->root_doc, ref);
        if (!target && hash) {
            /* "id#/pointer": the pointer inside a document with that id */
            char *base = xstrndup(ref, (size_t)(hash - ref));
            const struct val *doc = find_id(sc->root_doc, base);
            free(base);
            if (doc)
                target = json_pointer(doc, hash + 1);
        }
    }
    if (!target)
        return perr(errp,
                    "Could not resolve the reference %s (only references inside "
                    "values.schema.json are supported)",
                    ref);
    if (target->kind != VAL_MAP && target->kind != VAL_BOOL)
        return perr(errp, "%s must be of type %s", "schema", "object");
    struct sub *ns = new_sub(sc);
    sc->refs = xgrow(sc->refs, &sc->caprefs, sc->nrefs + 1, sizeof(*sc->refs));
    sc->refs[sc->nrefs++] = (struct refent){arena_strdup(sc->a, ref), ns};
    s->ref_schema = ns;
    return parse_sub(sc, target, ns, draft, errp);
}

static int
add_type(struct sub *s, const char *t, struct pkg_err **errp)
{
    static const char *const names[] = {"array",  "boolean", "integer", "null",
                                        "number", "object",  "string"};
    int bit = -1;
    for (int i = 0; i < 7 && bit < 0; i++)
        if (!strcmp(names[i], t))
            bit = i;
    if (bit < 0)
        return perr(errp,
                    "has a primitive type that is NOT VALID -- given: /%s/ Expected valid values "
                    "are:[array boolean integer null number object string]",
                    t);
    if (s->type_mask & (1u << bit))
        return perr(errp, "%s type is duplicated", t);
    s->type_mask |= 1u << bit;
    if (s->ntypes < 8)
        s->types[s->ntypes++] = names[bit];
    return 0;
}

static int
schema_list(struct schema *sc, const struct kw *m, const char *key, struct sub ***out, size_t *n,
            enum draft draft, const char *errkey, struct pkg_err **errp)
{
    const struct val *v = kw_get(m, key);
    if (!v)
        return 0;
    if (v->kind != VAL_SEQ)
        return perr(errp, "%s must be of an array", errkey);
    *n = val_seq_len(v);
    *out = arena_alloc(sc->a, (*n + 1) * sizeof(**out));
    for (size_t i = 0; i < *n; i++) {
        int rc = child(sc, val_seq_at(v, i), &(*out)[i], draft, errp);
        if (rc)
            return rc;
    }
    return 0;
}

static int
parse_sub(struct schema *sc, const struct val *node, struct sub *s, enum draft draft,
          struct pkg_err **errp)
{
    if (++sc->depth > 500) {
        sc->depth--;
        return pkg_err_set(errp, PKG_ELIMIT, "schema nested too deeply");
    }
    int rc = 0;
    s->draft = draft;
    s->node = node;
    if (draft >= DRAFT6 && node->kind == VAL_BOOL) {
        s->has_pass = true;
        s->pass = node->u.b;
        goto out;
    }
    if (node->kind != VAL_MAP) {
        rc = perr(errp, "Expected: valid schema, given: Invalid JSON");
        goto out;
    }
    struct kw kw;
    kw_init(&kw, node);
    const char *idkey = draft == DRAFT4 ? "id" : "$id";
    if (draft == HYBRID && kw_get(&kw, "id"))
        idkey = "id";
    const struct val *v = kw_get(&kw, idkey);
    if (v && v->kind != VAL_STRING) {
        rc = INVALID_TYPE("string", idkey);
        goto out;
    }
    if ((v = kw_get(&kw, "definitions"))) {
        if (v->kind != VAL_MAP) {
            rc = INVALID_TYPE("array of schemas", "definitions");
            goto out;
        }
        for (size_t i = 0; i < val_map_len(v); i++) {
            const struct val *dv = v->u.map.ents[i].v;
            if (dv->kind != VAL_MAP && dv->kind != VAL_BOOL) {
                rc = INVALID_TYPE("array of schemas", "definitions");
                goto out;
            }
        }
        /* Definitions are parsed when referenced. */
    }
    if ((v = kw_get(&kw, "title")) && v->kind != VAL_STRING) {
        rc = INVALID_TYPE("string", "title");
        goto out;
    }
    if ((v = kw_get(&kw, "description")) && v->kind != VAL_STRING) {
        rc = INVALID_TYPE("string", "description");
        goto out;
    }
    if ((v = kw_get(&kw, "$ref"))) {
        if (v->kind != VAL_STRING) {
            rc = INVALID_TYPE("string", "$ref");
            goto out;
        }
        rc = parse_ref(sc, s, v->u.s.ptr, draft, errp);
        goto out; /* siblings of $ref are not used */
    }
    if ((v = kw_get(&kw, "type"))) {
        if (v->kind == VAL_STRING) {
            rc = add_type(s, v->u.s.ptr, errp);
        } else if (v->kind == VAL_SEQ) {
            for (size_t i = 0; i < val_seq_len(v) && !rc; i++) {
                const struct val *t = val_seq_at(v, i);
                if (t->kind != VAL_STRING)
                    rc = INVALID_TYPE("string/array of strings", "type");
                else
                    rc = add_type(s, t->u.s.ptr, errp);
            }
        } else {
            rc = INVALID_TYPE("string/array of strings", "type");
        }
        if (rc)
            goto out;
    }
    if ((v = kw_get(&kw, "properties"))) {
        if (v->kind != VAL_MAP) {
            rc = perr(errp, "%s must be of type %s", "properties", "object");
            goto out;
        }
        s->nprops = val_map_len(v);
        s->props_map = v;
        s->props = arena_alloc(sc->a, (s->nprops + 1) * sizeof(*s->props));
        for (size_t i = 0; i < s->nprops; i++) {
            s->props[i].name = v->u.map.ents[i].key->u.s.ptr;
            if ((rc = child(sc, v->u.map.ents[i].v, &s->props[i].s, draft, errp)))
                goto out;
        }
    }
    if ((v = kw_get(&kw, "additionalProperties"))) {
        if (v->kind == VAL_BOOL) {
            s->add_props_kind = ADD_BOOL;
            s->add_props_bool = v->u.b;
        } else if (v->kind == VAL_MAP) {
            s->add_props_kind = ADD_SCHEMA;
            if ((rc = child(sc, v, &s->add_props, draft, errp)))
                goto out;
        } else {
            rc = INVALID_TYPE("boolean/valid schema", "additionalProperties");
            goto out;
        }
    }
    if ((v = kw_get(&kw, "patternProperties"))) {
        if (v->kind != VAL_MAP) {
            rc = INVALID_TYPE("valid schema", "patternProperties");
            goto out;
        }
        s->npprops = val_map_len(v);
        s->pprops = arena_alloc(sc->a, (s->npprops + 1) * sizeof(*s->pprops));
        for (size_t i = 0; i < s->npprops; i++) {
            const char *pat = v->u.map.ents[i].key->u.s.ptr;
            s->pprops[i].pat = pat;
            s->pprops[i].re = compile_re(sc, pat);
            if (!s->pprops[i].re) {
                rc = perr(errp, "Invalid regex pattern '%s'", pat);
                goto out;
            }
            if ((rc = child(sc, v->u.map.ents[i].v, &s->pprops[i].s, draft, errp)))
                goto out;
        }
    }
    if ((v = kw_get(&kw, "propertyNames")) && draft >= DRAFT6) {
        if (v->kind != VAL_MAP && v->kind != VAL_BOOL) {
            rc = INVALID_TYPE("valid schema", "propertyNames");
            goto out;
        }
        if ((rc = child(sc, v, &s->property_names, draft, errp)))
            goto out;
    }
    if ((v = kw_get(&kw, "dependencies"))) {
        if (v->kind != VAL_MAP) {
            rc = perr(errp, "%s must be of type %s", "dependencies", "object");
            goto out;
        }
        s->ndeps = val_map_len(v);
        s->deps = arena_alloc(sc->a, (s->ndeps + 1) * sizeof(*s->deps));
        for (size_t i = 0; i < s->ndeps; i++) {
            const struct val *dv = v->u.map.ents[i].v;
            struct dep *d = &s->deps[i];
            d->key = v->u.map.ents[i].key->u.s.ptr;
            if (dv->kind == VAL_SEQ) {
                d->nnames = val_seq_len(dv);
                d->names = arena_alloc(sc->a, (d->nnames + 1) * sizeof(*d->names));
                for (size_t k = 0; k < d->nnames; k++) {
                    const struct val *x = val_seq_at(dv, k);
                    if (x->kind != VAL_STRING) {
                        rc = perr(errp, "%s must be of type %s", "dependency",
                                  "schema or array of strings");
                        goto out;
                    }
                    d->names[k] = x->u.s.ptr;
                }
            } else if (dv->kind == VAL_MAP || dv->kind == VAL_BOOL) {
                if ((rc = child(sc, dv, &d->s, draft, errp)))
                    goto out;
            } else {
                rc =
                    perr(errp, "%s must be of type %s", "dependency", "schema or array of strings");
                goto out;
            }
        }
    }
    if ((v = kw_get(&kw, "items"))) {
        if (v->kind == VAL_SEQ) {
            s->nitems = val_seq_len(v);
            s->items = arena_alloc(sc->a, (s->nitems + 1) * sizeof(*s->items));
            for (size_t i = 0; i < s->nitems; i++) {
                const struct val *it = val_seq_at(v, i);
                if (it->kind != VAL_MAP && it->kind != VAL_BOOL) {
                    rc = INVALID_TYPE("valid schema/array of schemas", "items");
                    goto out;
                }
                if ((rc = child(sc, it, &s->items[i], draft, errp)))
                    goto out;
            }
            s->items_single = false;
        } else if (v->kind == VAL_MAP || v->kind == VAL_BOOL) {
            s->nitems = 1;
            s->items = arena_alloc(sc->a, 2 * sizeof(*s->items));
            if ((rc = child(sc, v, &s->items[0], draft, errp)))
                goto out;
            s->items_single = true;
        } else {
            rc = INVALID_TYPE("valid schema/array of schemas", "items");
            goto out;
        }
    }
    if ((v = kw_get(&kw, "additionalItems"))) {
        if (v->kind == VAL_BOOL) {
            s->add_items_kind = ADD_BOOL;
            s->add_items_bool = v->u.b;
        } else if (v->kind == VAL_MAP) {
            s->add_items_kind = ADD_SCHEMA;
            if ((rc = child(sc, v, &s->add_items, draft, errp)))
                goto out;
        } else {
            rc = INVALID_TYPE("boolean/valid schema", "additionalItems");
            goto out;
        }
    }
    if ((v = kw_get(&kw, "multipleOf"))) {
        if (!is_num(v)) {
            rc = perr(errp, "%s must be of a %s", "multipleOf", "number");
            goto out;
        }
        if (num(v) <= 0) {
            rc = perr(errp, "%s must be strictly greater than 0", "multipleOf");
            goto out;
        }
        s->has_multiple_of = true;
        s->multiple_of = num(v);
    }
    if ((v = kw_get(&kw, "minimum"))) {
        if (!is_num(v)) {
            rc = perr(errp, "%s must be of a %s", "minimum", "number");
            goto out;
        }
        s->has_min = true;
        s->min = num(v);
    }
    if ((v = kw_get(&kw, "exclusiveMinimum"))) {
        if (v->kind == VAL_BOOL && (draft == DRAFT4 || draft == HYBRID)) {
            if (!s->has_min) {
                rc = perr(errp, "%s cannot be used without %s", "exclusiveMinimum", "minimum");
                goto out;
            }
            if (v->u.b) {
                s->has_xmin = true;
                s->xmin = s->min;
                s->has_min = false;
            }
        } else if (is_num(v) && draft != DRAFT4) {
            s->has_xmin = true;
            s->xmin = num(v);
        } else {
            rc = perr(errp, "%s must be of a %s", "exclusiveMinimum",
                      draft == DRAFT4 ? "boolean" : "number");
            goto out;
        }
    }
    if ((v = kw_get(&kw, "maximum"))) {
        if (!is_num(v)) {
            rc = perr(errp, "%s must be of a %s", "maximum", "number");
            goto out;
        }
        s->has_max = true;
        s->max = num(v);
    }
    if ((v = kw_get(&kw, "exclusiveMaximum"))) {
        if (v->kind == VAL_BOOL && (draft == DRAFT4 || draft == HYBRID)) {
            if (!s->has_max) {
                rc = perr(errp, "%s cannot be used without %s", "exclusiveMaximum", "maximum");
                goto out;
            }
            if (v->u.b) {
                s->has_xmax = true;
                s->xmax = s->max;
                s->has_max = false;
            }
        } else if (is_num(v) && draft != DRAFT4) {
            s->has_xmax = true;
            s->xmax = num(v);
        } else {
            rc = perr(errp, "%s must be of a %s", "exclusiveMaximum",
                      draft == DRAFT4 ? "boolean" : "number");
            goto out;
        }
    }
    if ((rc = int_kw(&kw, "minLength", &s->min_length, errp)) ||
        (rc = int_kw(&kw, "maxLength", &s->max_length, errp)))
        goto out;
    if (s->min_length >= 0 && s->max_length >= 0 && s->min_length > s->max_length) {
        rc = perr(errp, "%s cannot be greater than %s", "minLength", "maxLength");
        goto out;
    }
    if ((v = kw_get(&kw, "pattern"))) {
        if (v->kind != VAL_STRING) {
            rc = perr(errp, "%s must be of a %s", "pattern", "string");
            goto out;
        }
        s->pattern_src = v->u.s.ptr;
        s->pattern = compile_re(sc, v->u.s.ptr);
        if (!s->pattern) {
            rc = perr(errp, "Invalid regex pattern '%s'", v->u.s.ptr);
            goto out;
        }
    }
    if ((v = kw_get(&kw, "format"))) {
        if (v->kind != VAL_STRING) {
            rc = perr(errp, "%s must be of type %s", "format", "string");
            goto out;
        }
        s->format = v->u.s.ptr;
    }
    if ((rc = int_kw(&kw, "minProperties", &s->min_props, errp)) ||
        (rc = int_kw(&kw, "maxProperties", &s->max_props, errp)))
        goto out;
    if (s->min_props >= 0 && s->max_props >= 0 && s->min_props > s->max_props) {
        rc = perr(errp, "%s cannot be greater than %s", "minProperties", "maxProperties");
        goto out;
    }
    if ((v = kw_get(&kw, "required"))) {
        if (v->kind != VAL_SEQ) {
            rc = perr(errp, "%s must be of an %s", "required", "array");
            goto out;
        }
        s->required = arena_alloc(sc->a, (val_seq_len(v) + 1) * sizeof(*s->required));
        for (size_t i = 0; i < val_seq_len(v); i++) {
            const struct val *x = val_seq_at(v, i);
            if (x->kind != VAL_STRING) {
                rc = perr(errp, "%s items must be %s", "required", "string");
                goto out;
            }
            for (size_t k = 0; k < s->nrequired; k++)
                if (!strcmp(s->required[k], x->u.s.ptr)) {
                    rc = perr(errp, "%s items must be unique", "required");
                    goto out;
                }
            s->required[s->nrequired++] = x->u.s.ptr;
        }
    }
    if ((rc = int_kw(&kw, "minItems", &s->min_items, errp)) ||
        (rc = int_kw(&kw, "maxItems", &s->max_items, errp)))
        goto out;
    if ((v = kw_get(&kw, "uniqueItems"))) {
        if (v->kind != VAL_BOOL) {
            rc = perr(errp, "%s must be of a %s", "uniqueItems", "boolean");
            goto out;
        }
        s->unique_items = v->u.b;
    }
    if ((v = kw_get(&kw, "contains")) && draft >= DRAFT6) {
        if ((rc = child(sc, v, &s->contains, draft, errp)))
            goto out;
    }
    if ((v = kw_get(&kw, "const")) && draft >= DRAFT6)
        s->const_json = canon(sc->a, v);
    if ((v = kw_get(&kw, "enum"))) {
        if (v->kind != VAL_SEQ) {
            rc = perr(errp, "%s must be of an %s", "enum", "array");
            goto out;
        }
        s->enum_json = arena_alloc(sc->a, (val_seq_len(v) + 1) * sizeof(*s->enum_json));
        for (size_t i = 0; i < val_seq_len(v); i++) {
            const char *c = canon(sc->a, val_seq_at(v, i));
            for (size_t k = 0; k < s->nenum; k++)
                if (!strcmp(s->enum_json[k], c)) {
                    rc = perr(errp, "%s items must be unique", "enum");
                    goto out;
                }
            s->enum_json[s->nenum++] = c;
        }
    }
    if ((rc = schema_list(sc, &kw, "oneOf", &s->one_of, &s->none_of, draft, "oneOf", errp)) ||
        (rc = schema_list(sc, &kw, "anyOf", &s->any_of, &s->nany_of, draft, "anyOf", errp)) ||
        (rc = schema_list(sc, &kw, "allOf", &s->all_of, &s->nall_of, draft, "anyOf", errp)))
        goto out;
    if ((v = kw_get(&kw, "not"))) {
        if (v->kind != VAL_MAP && v->kind != VAL_BOOL) {
            rc = perr(errp, "%s must be of an %s", "not", "object");
            goto out;
        }
        if ((rc = child(sc, v, &s->not_, draft, errp)))
            goto out;
    }
    if (draft >= DRAFT7) {
        static const char *const kws[] = {"if", "then", "else"};
        struct sub **dst[] = {&s->if_, &s->then_, &s->else_};
        for (int i = 0; i < 3; i++) {
            if ((v = kw_get(&kw, kws[i]))) {
                if (v->kind != VAL_MAP && v->kind != VAL_BOOL) {
                    rc = perr(errp, "%s must be of an %s", kws[i], "object");
                    goto out;
                }
                if ((rc = child(sc, v, dst[i], draft, errp)))
                    goto out;
            }
        }
    }
out:
    sc->depth--;
    return rc;
}

/* ---- validation ---- */

struct ctx {
    const char *head;
    const struct ctx *tail;
};

struct verr {
    char *msg; /* "field: description" */
};

struct result {
    struct verr *v;
    size_t n, cap;
    long score;
};

struct vstate {
    struct arena *a;
    unsigned depth;
    bool too_deep;
};

static void
ctx_str(struct sb *sb, const struct ctx *c)
{
    if (c->tail) {
        ctx_str(sb, c->tail);
        sb_addch(sb, '.');
    }
    sb_addstr(sb, c->head);
}

static void add_err(struct vstate *st, struct result *r, const struct ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
add_err(struct vstate *st, struct result *r, const struct ctx *c, const char *fmt, ...)
{
    struct sb sb = SB_INIT;
    struct sb field = SB_INIT;
    ctx_str(&field, c);
    const char *f = field.buf;
    if (!strncmp(f, "(root).", 7))
        f += 7;
    sb_addstr(&sb, f);
    sb_addstr(&sb, ": ");
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(&sb, fmt, ap);
    va_end(ap);
    r->v = xgrow(r->v, &r->cap, r->n + 1, sizeof(*r->v));
    r->v[r->n++].msg = arena_strdup(st->a, sb.buf);
    r->score -= 2;
    sb_release(&sb);
    sb_release(&field);
}

static void
merge_res(struct result *dst, struct result *src)
{
    for (size_t i = 0; i < src->n; i++) {
        dst->v = xgrow(dst->v, &dst->cap, dst->n + 1, sizeof(*dst->v));
        dst->v[dst->n++] = src->v[i];
    }
    dst->score += src->score;
    free(src->v);
    src->v = NULL;
    src->n = src->cap = 0;
}

static void
res_free(struct result *r)
{
    free(r->v);
    memset(r, 0, sizeof(*r));
}

/* big.Float.Text('g', 10) of a double. */
static const char *
gnum(struct arena *a, double d)
{
    return arena_sprintf(a, "%.10g", d);
}

static const char *
types_str(struct arena *a, const struct sub *s)
{
    if (s->ntypes == 1)
        return s->types[0];
    struct sb sb = SB_INIT;
    sb_addch(&sb, '[');
    for (int i = 0; i < s->ntypes; i++) {
        if (i)
            sb_addch(&sb, ',');
        sb_addstr(&sb, s->types[i]);
    }
    sb_addch(&sb, ']');
    const char *out = arena_strdup(a, sb.buf);
    sb_release(&sb);
    return out;
}

static void validate(struct vstate *st, const struct sub *s, const struct val *v, struct result *r,
                     const struct ctx *c);

static void
sub_validate(struct vstate *st, const struct sub *s, const struct val *v, const struct ctx *c,
             struct result *out)
{
    memset(out, 0, sizeof(*out));
    validate(st, s, v, out, c);
}

static size_t
rune_count(const char *s, size_t n)
{
    size_t cnt = 0;
    for (size_t i = 0; i < n;) {
        size_t w;
        utf8_rune(s + i, n - i, &w);
        i += w;
        cnt++;
    }
    return cnt;
}

/* ---- formats ---- */

static bool
digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int
num2(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Go time.Parse of "2006-01-02" at s; returns bytes used or -1. */
static int
parse_date(const char *s, size_t n)
{
    if (n < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2))
        return -1;
    int y = atoi(s), mo = num2(s + 5), d = num2(s + 8);
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
        return -1;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return -1;
    return 10;
}

/* "15:04:05" with optional fraction; returns bytes used or -1. */
static int
parse_clock(const char *s, size_t n)
{
    if (n < 8 || !digits(s, 2) || s[2] != ':' || !digits(s + 3, 2) || s[5] != ':' ||
        !digits(s + 6, 2))
        return -1;
    if (num2(s) > 23 || num2(s + 3) > 59 || num2(s + 6) > 59)
        return -1;
    size_t i = 8;
    if (i < n && (s[i] == '.' || s[i] == ',') && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    return (int)i;
}

/* "Z07:00" */
static int
parse_zone(const char *s, size_t n)
{
    if (n >= 1 && s[0] == 'Z')
        return 1;
    if (n >= 6 && (s[0] == '+' || s[0] == '-') && digits(s + 1, 2) && s[3] == ':' &&
        digits(s + 4, 2) && num2(s + 1) <= 23 && num2(s + 4) <= 59)
        return 6;
    return -1;
}

static bool
is_time(const char *s, size_t n, bool zone_required)
{
    int c = parse_clock(s, n);
    if (c < 0)
        return false;
    if ((size_t)c == n)
        return !zone_required;
    int z = parse_zone(s + c, n - (size_t)c);
    return z > 0 && (size_t)(c + z) == n;
}

static bool
is_date_time(const char *s, size_t n)
{
    if (is_time(s, n, false))
        return true;
    int d = parse_date(s, n);
    if (d < 0)
        return false;
    if ((size_t)d == n)
        return true;
    if (s[d] != 'T')
        return false;
    return is_time(s + d + 1, n - (size_t)d - 1, true);
}

static bool
is_ip(const char *s, bool v6)
{
    unsigned char buf[16];
    bool ok = inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
    return ok && strchr(s, v6 ? ':' : '.');
}

/* net/url.Parse, roughly: no control characters, valid escapes, a scheme
 * when one is written. *has_scheme reports it. */
static bool
url_ok(const char *s, size_t n, bool *has_scheme)
{
    *has_scheme = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F)
            return false;
        if (c == '%') {
            if (i + 2 >= n + 0 && i + 2 > n - 1)
                return false;
            if (!strchr("0123456789abcdefABCDEF", s[i + 1]) || !s[i + 1] ||
                !strchr("0123456789abcdefABCDEF", s[i + 2]) || !s[i + 2])
                return false;
        }
    }
    size_t i = 0;
    if (n && ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) {
        i = 1;
        while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                         (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' || s[i] == '.'))
            i++;
        if (i < n && s[i] == ':')
            *has_scheme = true;
    }
    if (!*has_scheme) {
        /* "first path segment in URL cannot contain colon" */
        const char *colon = memchr(s, ':', n);
        const char *slash = memchr(s, '/', n);
        if (colon && (!slash || colon < slash) && s[0] != '/')
            return false;
    }
    return true;
}

static bool format_ok(struct vstate *st, const char *fmt, const struct val *v);

static bool
match_static(const char *pat, const char *s, size_t n)
{
    int errc;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_MATCH_INVALID_UTF,
                                   &errc, &off, NULL);
    if (!re)
        return false;
    bool ok = re_search(re, s, n);
    pcre2_code_free(re);
    return ok;
}

static bool
format_ok(struct vstate *st, const char *fmt, const struct val *v)
{
    (void)st;
    static const char *const known[] = {"date",
                                        "time",
                                        "date-time",
                                        "hostname",
                                        "email",
                                        "idn-email",
                                        "ipv4",
                                        "ipv6",
                                        "uri",
                                        "uri-reference",
                                        "iri",
                                        "iri-reference",
                                        "uri-template",
                                        "uuid",
                                        "regex",
                                        "json-pointer",
                                        "relative-json-pointer"};
    bool is_known = false;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (!strcmp(known[i], fmt))
            is_known = true;
    if (!is_known)
        return true;
    if (v->kind != VAL_STRING)
        return false;
    const char *s = v->u.s.ptr;
    size_t n = v->u.s.len;
    bool sch;
    if (!strcmp(fmt, "date"))
        return parse_date(s, n) == 10 && n == 10;
    if (!strcmp(fmt, "time"))
        return is_time(s, n, false);
    if (!strcmp(fmt, "date-time"))
        return is_date_time(s, n);
    if (!strcmp(fmt, "hostname"))
        return n < 256 && match_static("^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]{0,61}[a-zA-Z0-9])"
                                       "(\\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]{0,61}[a-zA-Z0-"
                                       "9]))*$",
                                       s, n);
    if (!strcmp(fmt, "email") || !strcmp(fmt, "idn-email")) {
        const char *lt = memchr(s, '<', n);
        const char *at;
        if (lt) {
            const char *gt = memchr(lt, '>', n - (size_t)(lt - s));
            if (!gt)
                return false;
            at = memchr(lt, '@', (size_t)(gt - lt));
            return at && at > lt + 1 && at + 1 < gt;
        }
        at = memchr(s, '@', n);
        return at && at > s && at + 1 < s + n && !memchr(s, ' ', n);
    }
    if (!strcmp(fmt, "ipv4") || !strcmp(fmt, "ipv6")) {
        char *z = xstrndup(s, n);
        bool ok = strlen(z) == n && is_ip(z, fmt[3] == '6');
        free(z);
        return ok;
    }
    if (!strcmp(fmt, "uri") || !strcmp(fmt, "iri"))
        return url_ok(s, n, &sch) && sch && !memchr(s, '\\', n);
    if (!strcmp(fmt, "uri-reference") || !strcmp(fmt, "iri-reference"))
        return url_ok(s, n, &sch) && !memchr(s, '\\', n);
    if (!strcmp(fmt, "uri-template"))
        return url_ok(s, n, &sch) && !memchr(s, '\\', n) &&
               match_static("^([^{]*({[^}]*})?)*$", s, n);
    if (!strcmp(fmt, "uuid"))
        return match_static("^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$", s, n);
    if (!strcmp(fmt, "regex")) {
        if (n == 0)
            return true;
        char *z = xstrndup(s, n);
        int errc;
        PCRE2_SIZE off;
        pcre2_code *re =
            pcre2_compile((PCRE2_SPTR)z, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &errc, &off, NULL);
        free(z);
        if (re)
            pcre2_code_free(re);
        return re != NULL;
    }
    if (!strcmp(fmt, "json-pointer"))
        return match_static("^(?:/(?:[^~/]|~0|~1)*)*$", s, n);
    if (!strcmp(fmt, "relative-json-pointer"))
        return match_static("^(?:0|[1-9][0-9]*)(?:#|(?:/(?:[^~/]|~0|~1)*)*)$", s, n);
    return true;
}

static void
validate_schema(struct vstate *st, const struct sub *s, const struct val *v, struct result *r,
                const struct ctx *c)
{
    if (s->nany_of) {
        bool ok = false;
        struct result best = {0};
        bool have_best = false;
        for (size_t i = 0; i < s->nany_of && !ok; i++) {
            struct result vr;
            sub_validate(st, s->any_of[i], v, c, &vr);
            ok = vr.n == 0;
            if (!ok && (!have_best || vr.score > best.score)) {
                res_free(&best);
                best = vr;
                have_best = true;
            } else {
                res_free(&vr);
            }
        }
        if (!ok) {
            add_err(st, r, c, "Must validate at least one schema (anyOf)");
            if (have_best)
                merge_res(r, &best);
        }
        res_free(&best);
    }
    if (s->none_of) {
        int nvalid = 0;
        struct result best = {0};
        bool have_best = false;
        for (size_t i = 0; i < s->none_of; i++) {
            struct result vr;
            sub_validate(st, s->one_of[i], v, c, &vr);
            if (vr.n == 0) {
                nvalid++;
                res_free(&vr);
            } else if (nvalid == 0 && (!have_best || vr.score > best.score)) {
                res_free(&best);
                best = vr;
                have_best = true;
            } else {
                res_free(&vr);
            }
        }
        if (nvalid != 1) {
            add_err(st, r, c, "Must validate one and only one schema (oneOf)");
            if (nvalid == 0 && have_best)
                merge_res(r, &best);
        }
        res_free(&best);
    }
    if (s->nall_of) {
        size_t nvalid = 0;
        for (size_t i = 0; i < s->nall_of; i++) {
            struct result vr;
            sub_validate(st, s->all_of[i], v, c, &vr);
            if (vr.n == 0)
                nvalid++;
            merge_res(r, &vr);
        }
        if (nvalid != s->nall_of)
            add_err(st, r, c, "Must validate all the schemas (allOf)");
    }
    if (s->not_) {
        struct result vr;
        sub_validate(st, s->not_, v, c, &vr);
        if (vr.n == 0)
            add_err(st, r, c, "Must not validate the schema (not)");
        res_free(&vr);
    }
    if (s->ndeps && v->kind == VAL_MAP) {
        struct val_mapent *e = val_map_sorted(st->a, v);
        for (size_t i = 0; i < val_map_len(v); i++) {
            for (size_t k = 0; k < s->ndeps; k++) {
                const struct dep *d = &s->deps[k];
                if (strcmp(d->key, e[i].key->u.s.ptr))
                    continue;
                if (d->names) {
                    for (size_t j = 0; j < d->nnames; j++)
                        if (!val_map_getz(v, d->names[j]))
                            add_err(st, r, c, "Has a dependency on %s", d->names[j]);
                } else if (d->s) {
                    validate(st, d->s, v, r, c);
                }
            }
        }
    }
    if (s->if_) {
        struct result ir;
        sub_validate(st, s->if_, v, c, &ir);
        if (s->then_ && ir.n == 0) {
            struct result tr;
            sub_validate(st, s->then_, v, c, &tr);
            if (tr.n) {
                add_err(st, r, c, "Must validate \"then\" as \"if\" was valid");
                merge_res(r, &tr);
            }
            res_free(&tr);
        }
        if (s->else_ && ir.n != 0) {
            struct result er;
            sub_validate(st, s->else_, v, c, &er);
            if (er.n) {
                add_err(st, r, c, "Must validate \"else\" as \"if\" was not valid");
                merge_res(r, &er);
            }
            res_free(&er);
        }
        res_free(&ir);
    }
    r->score++;
}

static void
validate_common(struct vstate *st, const struct sub *s, const struct val *v, struct result *r,
                const struct ctx *c)
{
    if (s->const_json || s->nenum) {
        const char *vs = canon(st->a, v);
        if (s->const_json && strcmp(vs, s->const_json)) {
            struct sb f = SB_INIT;
            ctx_str(&f, c);
            const char *field = !strncmp(f.buf, "(root).", 7) ? f.buf + 7 : f.buf;
            add_err(st, r, c, "%s does not match: %s", field, s->const_json);
            sb_release(&f);
        }
        if (s->nenum) {
            bool found = false;
            for (size_t i = 0; i < s->nenum && !found; i++)
                found = !strcmp(s->enum_json[i], vs);
            if (!found) {
                struct sb allowed = SB_INIT;
                for (size_t i = 0; i < s->nenum; i++) {
                    if (i)
                        sb_addstr(&allowed, ", ");
                    sb_addstr(&allowed, s->enum_json[i]);
                }
                struct sb f = SB_INIT;
                ctx_str(&f, c);
                const char *field = !strncmp(f.buf, "(root).", 7) ? f.buf + 7 : f.buf;
                add_err(st, r, c, "%s must be one of the following: %s", field, allowed.buf);
                sb_release(&f);
                sb_release(&allowed);
            }
        }
    }
    r->score++;
}

static void
validate_array(struct vstate *st, const struct sub *s, const struct val *v, struct result *r,
               const struct ctx *c)
{
    size_t nv = val_seq_len(v);
    char ibuf[32];
    if (s->items_single) {
        for (size_t i = 0; i < nv; i++) {
            snprintf(ibuf, sizeof(ibuf), "%zu", i);
            struct ctx sc = {arena_strdup(st->a, ibuf), c};
            struct result vr;
            sub_validate(st, s->items[0], val_seq_at(v, i), &sc, &vr);
            merge_res(r, &vr);
        }
    } else if (s->nitems) {
        for (size_t i = 0; i != s->nitems && i != nv; i++) {
            snprintf(ibuf, sizeof(ibuf), "%zu", i);
            struct ctx sc = {arena_strdup(st->a, ibuf), c};
            struct result vr;
            sub_validate(st, s->items[i], val_seq_at(v, i), &sc, &vr);
            merge_res(r, &vr);
        }
        if (s->nitems < nv) {
            if (s->add_items_kind == ADD_BOOL && !s->add_items_bool) {
                add_err(st, r, c, "No additional items allowed on array");
            } else if (s->add_items_kind == ADD_SCHEMA) {
                for (size_t i = s->nitems; i != nv; i++) {
                    snprintf(ibuf, sizeof(ibuf), "%zu", i);
                    struct ctx sc = {arena_strdup(st->a, ibuf), c};
                    struct result vr;
                    sub_validate(st, s->add_items, val_seq_at(v, i), &sc, &vr);
                    merge_res(r, &vr);
                }
            }
        }
    }
    if (s->min_items >= 0 && (long)nv < s->min_items)
        add_err(st, r, c, "Array must have at least %ld items", s->min_items);
    if (s->max_items >= 0 && (long)nv > s->max_items)
        add_err(st, r, c, "Array must have at most %ld items", s->max_items);
    if (s->unique_items) {
        const char **seen = xcalloc(nv + 1, sizeof(*seen));
        for (size_t j = 0; j < nv; j++) {
            seen[j] = canon(st->a, val_seq_at(v, j));
            /* The last earlier index with the same text (the map keeps the
             * latest index per text). */
            for (size_t i = j; i-- > 0;)
                if (!strcmp(seen[i], seen[j])) {
                    add_err(st, r, c, "array items[%zu,%zu] must be unique", i, j);
                    break;
                }
        }
        free(seen);
    }
    if (s->contains) {
        bool ok = false;
        struct result best = {0};
        bool have_best = false;
        for (size_t i = 0; i < nv; i++) {
            snprintf(ibuf, sizeof(ibuf), "%zu", i);
            struct ctx sc = {arena_strdup(st->a, ibuf), c};
            struct result vr;
            sub_validate(st, s->contains, val_seq_at(v, i), &sc, &vr);
            if (vr.n == 0) {
                ok = true;
                res_free(&vr);
                break;
            }
            if (!have_best || vr.score > best.score) {
                res_free(&best);
                best = vr;
                have_best = true;
            } else {
                res_free(&vr);
            }
        }
        if (!ok) {
            add_err(st, r, c, "At least one of the items must match");
            if (have_best)
                merge_res(r, &best);
        }
        res_free(&best);
    }
    r->score++;
}

static void
validate_object(struct vstate *st, const struct sub *s, const struct val *v, struct result *r,
                const struct ctx *c)
{
    size_t n = val_map_len(v);
    if (s->min_props >= 0 && (long)n < s->min_props)
        add_err(st, r, c, "Must have at least %ld properties", s->min_props);
    if (s->max_props >= 0 && (long)n > s->max_props)
        add_err(st, r, c, "Must have at most %ld properties", s->max_props);
    for (size_t i = 0; i < s->nrequired; i++) {
        if (val_map_getz(v, s->required[i]))
            r->score++;
        else
            add_err(st, r, c, "%s is required", s->required[i]);
    }
    struct val_mapent *e = val_map_sorted(st->a, v);
    for (size_t i = 0; i < n; i++) {
        const char *pk = e[i].key->u.s.ptr;
        bool found = s->nprops && val_map_find(s->props_map, pk, e[i].key->u.s.len) >= 0;
        /* validatePatternProperty */
        bool pp = false;
        for (size_t k = 0; k < s->npprops; k++) {
            if (re_search(s->pprops[k].re, pk, e[i].key->u.s.len)) {
                pp = true;
                struct ctx sc = {pk, c};
                struct result vr;
                sub_validate(st, s->pprops[k].s, e[i].v, &sc, &vr);
                merge_res(r, &vr);
            }
        }
        if (pp)
            r->score++;
        if (!found && !pp) {
            if (s->add_props_kind == ADD_BOOL && !s->add_props_bool) {
                add_err(st, r, c, "Additional property %s is not allowed", pk);
            } else if (s->add_props_kind == ADD_SCHEMA) {
                struct ctx sc = {pk, c};
                struct result vr;
                sub_validate(st, s->add_props, e[i].v, &sc, &vr);
                merge_res(r, &vr);
            }
        }
    }
    if (s->property_names) {
        for (size_t i = 0; i < n; i++) {
            struct val *kv = val_str(st->a, e[i].key->u.s.ptr, e[i].key->u.s.len);
            struct result vr;
            sub_validate(st, s->property_names, kv, c, &vr);
            if (vr.n) {
                add_err(st, r, c, "Property name of \"%s\" does not match", e[i].key->u.s.ptr);
                merge_res(r, &vr);
            }
            res_free(&vr);
        }
    }
    r->score++;
}

static void
validate_string(struct vstate *st, const struct sub *s, const struct val *v, struct result *r,
                const struct ctx *c)
{
    if (v->kind != VAL_STRING)
        return;
    if (s->min_length >= 0 && (long)rune_count(v->u.s.ptr, v->u.s.len) < s->min_length)
        add_err(st, r, c, "String length must be greater than or equal to %ld", s->min_length);
    if (s->max_length >= 0 && (long)rune_count(v->u.s.ptr, v->u.s.len) > s->max_length)
        add_err(st, r, c, "String length must be less than or equal to %ld", s->max_length);
    if (s->pattern && !re_search(s->pattern, v->u.s.ptr, v->u.s.len))
        add_err(st, r, c, "Does not match pattern '%s'", s->pattern_src);
    if (s->format && !format_ok(st, s->format, v))
        add_err(st, r, c, "Does not match format '%s'", s->format);
    r->score++;
}

/* The shortest decimal digits of d: d == m * 10^e. False when d is not
 * finite or has more digits than fit. */
static bool
decimal(double d, long long *m, int *e)
{
    char buf[40];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof(buf), "%.*e", p - 1, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    char *ep = strchr(buf, 'e');
    if (!ep)
        return false;
    long long v = 0;
    int nd = 0;
    bool neg = buf[0] == '-';
    for (char *q = buf + neg; q < ep; q++) {
        if (*q == '.')
            continue;
        v = v * 10 + (*q - '0');
        nd++;
    }
    *m = neg ? -v : v;
    *e = atoi(ep + 1) - (nd - 1);
    return true;
}

/* big.Rat's exact x/m is an integer: decimal texts, as the JSON numbers
 * Helm hands gojsonschema are. */
static bool
multiple_of(double x, double m)
{
    long long mx, mm;
    int ex, em;
    if (!isfinite(x) || !decimal(x, &mx, &ex) || !decimal(m, &mm, &em) || mm == 0)
        return false;
    if (mx == 0)
        return true;
    /* x/m = mx/mm * 10^(ex-em) */
    int k = ex - em;
    __int128 num = mx, den = mm;
    if (k >= 0) {
        if (k > 30) {
            double q = x / m;
            return floor(q) == q;
        }
        for (int i = 0; i < k; i++)
            num *= 10;
    } else {
        if (-k > 30)
            return false;
        for (int i = 0; i < -k; i++)
            den *= 10;
    }
    return num % den == 0;
}

static void
validate_number(struct vstate *st, const struct sub *s, const struct val *v, struct result *r,
                const struct ctx *c)
{
    if (!is_num(v))
        return;
    double x = num(v);
    if (s->has_multiple_of) {
        if (!multiple_of(x, s->multiple_of))
            add_err(st, r, c, "Must be a multiple of %s", gnum(st->a, s->multiple_of));
    }
    if (s->has_max && x > s->max)
        add_err(st, r, c, "Must be less than or equal to %s", gnum(st->a, s->max));
    if (s->has_xmax && x >= s->xmax)
        add_err(st, r, c, "Must be less than %s", gnum(st->a, s->xmax));
    if (s->has_min && x < s->min)
        add_err(st, r, c, "Must be greater than or equal to %s", gnum(st->a, s->min));
    if (s->has_xmin && x <= s->xmin)
        add_err(st, r, c, "Must be greater than %s", gnum(st->a, s->xmin));
    if (s->format && !format_ok(st, s->format, v))
        add_err(st, r, c, "Does not match format '%s'", s->format);
    r->score++;
}

static void
validate(struct vstate *st, const struct sub *s, const struct val *v, struct result *r,
         const struct ctx *c)
{
    if (st->depth > 1000) {
        st->too_deep = true;
        return;
    }
    st->depth++;
    if (s->has_pass) {
        if (!s->pass)
            add_err(st, r, c, "False always fails validation");
        goto out_nd;
    }
    if (s->ref_schema) {
        validate(st, s->ref_schema, v, r, c);
        goto out_nd;
    }
    unsigned tm = s->type_mask;
    if (v->kind == VAL_NULL) {
        if (tm && !(tm & T_NULL)) {
            add_err(st, r, c, "Invalid type. Expected: %s, given: null", types_str(st->a, s));
            goto out_nd;
        }
        validate_schema(st, s, v, r, c);
        validate_common(st, s, v, r, c);
    } else if (is_num(v)) {
        bool isint = is_integer(v);
        bool valid = (tm & T_NUMBER) || (isint && (tm & T_INTEGER));
        if (tm && !valid) {
            add_err(st, r, c, "Invalid type. Expected: %s, given: %s", types_str(st->a, s),
                    isint ? "integer" : "number");
            goto out_nd;
        }
        validate_schema(st, s, v, r, c);
        validate_number(st, s, v, r, c);
        validate_common(st, s, v, r, c);
    } else if (v->kind == VAL_SEQ) {
        if (tm && !(tm & T_ARRAY)) {
            add_err(st, r, c, "Invalid type. Expected: %s, given: array", types_str(st->a, s));
            goto out_nd;
        }
        validate_schema(st, s, v, r, c);
        validate_array(st, s, v, r, c);
        validate_common(st, s, v, r, c);
    } else if (v->kind == VAL_MAP) {
        if (tm && !(tm & T_OBJECT)) {
            add_err(st, r, c, "Invalid type. Expected: %s, given: object", types_str(st->a, s));
            goto out_nd;
        }
        validate_schema(st, s, v, r, c);
        validate_object(st, s, v, r, c);
        validate_common(st, s, v, r, c);
        for (size_t i = 0; i < s->nprops; i++) {
            const struct val *next = val_map_getz(v, s->props[i].name);
            if (next) {
                struct ctx sc = {s->props[i].name, c};
                validate(st, s->props[i].s, next, r, &sc);
            }
        }
    } else if (v->kind == VAL_BOOL) {
        if (tm && !(tm & T_BOOLEAN)) {
            add_err(st, r, c, "Invalid type. Expected: %s, given: boolean", types_str(st->a, s));
            goto out_nd;
        }
        validate_schema(st, s, v, r, c);
        validate_common(st, s, v, r, c);
    } else if (v->kind == VAL_STRING) {
        if (tm && !(tm & T_STRING)) {
            add_err(st, r, c, "Invalid type. Expected: %s, given: string", types_str(st->a, s));
            goto out_nd;
        }
        validate_schema(st, s, v, r, c);
        validate_common(st, s, v, r, c);
        validate_string(st, s, v, r, c);
    } else {
        goto out_nd;
    }
    r->score++;
out_nd:
    st->depth--;
}

/* Objects (Helm's .Files) never reach here: values are plain trees. */

static enum draft
detect_draft(const struct val *doc, struct pkg_err **errp, int *rc)
{
    *rc = 0;
    if (doc->kind != VAL_MAP)
        return HYBRID;
    const struct val *s = val_map_getz(doc, "$schema");
    if (!s)
        return HYBRID;
    if (s->kind != VAL_STRING) {
        *rc = perr(errp, "%s must be of type %s", "$schema", "string");
        return HYBRID;
    }
    char *u = xstrdup(s->u.s.ptr);
    size_t n = strlen(u);
    if (n && u[n - 1] == '#')
        u[--n] = 0;
    enum draft d = HYBRID;
    if (!strcmp(u, "http://json-schema.org/draft-04/schema"))
        d = DRAFT4;
    else if (!strcmp(u, "http://json-schema.org/draft-06/schema"))
        d = DRAFT6;
    else if (!strcmp(u, "http://json-schema.org/draft-07/schema"))
        d = DRAFT7;
    free(u);
    return d;
}

int
chart_schema_validate(struct arena *a, const char *schema, size_t schema_len,
                      const struct val *vals, struct pkg_err **errp)
{
    struct val *doc;
    struct val_json_opts jo = {0};
    int rc = val_json_load(&doc, a, schema, schema_len, "values.schema.json", &jo, errp);
    if (rc)
        return rc;
    struct schema sc = {.a = a, .root_doc = doc};
    enum draft draft = detect_draft(doc, errp, &rc);
    if (rc)
        return rc;
    if (doc->kind == VAL_BOOL && draft == HYBRID) {
        /* a boolean root schema */
    } else if (doc->kind != VAL_MAP && doc->kind != VAL_BOOL) {
        return perr(errp, "schema is invalid");
    }
    sc.root = new_sub(&sc);
    rc = parse_sub(&sc, doc, sc.root, draft, errp);
    if (rc) {
        schema_free(&sc);
        return rc;
    }
    struct vstate st = {.a = a};
    struct result r = {0};
    struct ctx root = {"(root)", NULL};
    const struct val *v = vals;
    if (!v || (v->kind == VAL_MAP && val_map_len(v) == 0))
        v = val_map(a); /* Helm validates {} for null values */
    validate(&st, sc.root, v, &r, &root);
    schema_free(&sc);
    if (st.too_deep) {
        res_free(&r);
        return pkg_err_set(errp, PKG_ELIMIT, "values nested too deeply to validate");
    }
    if (r.n == 0) {
        res_free(&r);
        return 0;
    }
    struct sb sb = SB_INIT;
    for (size_t i = 0; i < r.n; i++)
        sb_addf(&sb, "- %s\n", r.v[i].msg);
    pkg_err_set(errp, PKG_EINVAL, "%s", sb.buf);
    sb_release(&sb);
    res_free(&r);
    return PKG_EINVAL;
}

static int
validate_chart(struct arena *a, const struct chart *c, const struct val *vals, struct sb *out,
               struct pkg_err **errp)
{
    if (c->schema) {
        struct pkg_err *e = NULL;
        int rc = chart_schema_validate(a, c->schema, c->schema_len, vals, &e);
        if (rc == PKG_ELIMIT) {
            *errp = e;
            return rc;
        }
        if (rc) {
            sb_addf(out, "%s:\n%s", c->meta->name, e->msg);
            pkg_err_free(e);
        }
    }
    for (size_t i = 0; i < c->ndeps; i++) {
        const struct val *sv = vals ? val_map_getz(vals, c->deps[i]->meta->name) : NULL;
        if (sv && sv->kind != VAL_MAP)
            sv = NULL;
        int rc = validate_chart(a, c->deps[i], sv, out, errp);
        if (rc)
            return rc;
    }
    return 0;
}

int
chart_values_validate(struct arena *a, const struct chart *c, const struct val *vals,
                      struct pkg_err **errp)
{
    struct sb out = SB_INIT;
    int rc = validate_chart(a, c, vals, &out, errp);
    if (!rc && out.len)
        rc = pkg_err_set(errp, PKG_EINVAL,
                         "values don't meet the specifications of the schema(s) in the following "
                         "chart(s):\n%s",
                         out.buf);
    sb_release(&out);
    return rc;
}
