/* Helpers on value trees that mirror kyaml's RNode methods (GetName,
 * SetAnnotations, LookupCreate, ...) so that each transformer reads like
 * the kustomize code whose behaviour it reproduces. Also small string
 * lists and maps used across the module. */
#include "overlay/kust.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
kstrv_push(struct kstrv *sv, const char *s)
{
    sv->v = xgrow(sv->v, &sv->cap, sv->n + 1, sizeof(*sv->v));
    sv->v[sv->n++] = s;
}

void
kstrv_free(struct kstrv *sv)
{
    free(sv->v);
    memset(sv, 0, sizeof(*sv));
}

void
kstr_split(struct arena *a, struct kstrv *out, const char *s, char sep)
{
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, sep);
        if (!e) {
            kstrv_push(out, arena_strdup(a, p));
            return;
        }
        kstrv_push(out, arena_strndup(a, p, (size_t)(e - p)));
        p = e + 1;
    }
}

void
kstr_split_str(struct arena *a, struct kstrv *out, const char *s, const char *sep)
{
    size_t sl = strlen(sep);
    if (!sl) {
        /* strings.Split with "": one piece per UTF-8 sequence */
        for (const char *p = s; *p;) {
            size_t n = 1;
            while (p[n] && ((unsigned char)p[n] & 0xc0) == 0x80)
                n++;
            kstrv_push(out, arena_strndup(a, p, n));
            p += n;
        }
        return;
    }
    const char *p = s;
    for (;;) {
        const char *e = strstr(p, sep);
        if (!e) {
            kstrv_push(out, arena_strdup(a, p));
            return;
        }
        kstrv_push(out, arena_strndup(a, p, (size_t)(e - p)));
        p = e + sl;
    }
}

void
kstrmap_set(struct kstrmap *m, const char *k, const char *v)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->k[i], k)) {
            m->v[i] = v;
            return;
        }
    size_t cap = m->cap;
    m->k = xgrow(m->k, &cap, m->n + 1, sizeof(*m->k));
    cap = m->cap;
    m->v = xgrow(m->v, &cap, m->n + 1, sizeof(*m->v));
    m->cap = cap;
    m->k[m->n] = k;
    m->v[m->n++] = v;
}

const char *
kstrmap_get(const struct kstrmap *m, const char *k)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->k[i], k))
            return m->v[i];
    return NULL;
}

bool
kstrmap_del(struct kstrmap *m, const char *k)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->k[i], k)) {
            memmove(m->k + i, m->k + i + 1, (m->n - i - 1) * sizeof(*m->k));
            memmove(m->v + i, m->v + i + 1, (m->n - i - 1) * sizeof(*m->v));
            m->n--;
            return true;
        }
    return false;
}

void
kstrmap_free(struct kstrmap *m)
{
    free(m->k);
    free(m->v);
    memset(m, 0, sizeof(*m));
}

void
kstrmap_sort(struct kstrmap *m)
{
    /* insertion sort keeps it simple; maps here are small */
    for (size_t i = 1; i < m->n; i++) {
        const char *k = m->k[i], *v = m->v[i];
        size_t j = i;
        while (j > 0 && strcmp(m->k[j - 1], k) > 0) {
            m->k[j] = m->k[j - 1];
            m->v[j] = m->v[j - 1];
            j--;
        }
        m->k[j] = k;
        m->v[j] = v;
    }
}

const char *
kn_text(struct arena *a, const struct val *v)
{
    if (!v)
        return "";
    switch (v->kind) {
    case VAL_STRING:
        return v->u.s.ptr;
    case VAL_NULL:
        return v->src ? v->src : "";
    case VAL_BOOL:
        return v->src ? v->src : (v->u.b ? "true" : "false");
    case VAL_INT:
        return v->src ? v->src : arena_sprintf(a, "%lld", (long long)v->u.i);
    case VAL_FLOAT: {
        if (v->src)
            return v->src;
        struct sb sb = SB_INIT;
        gofmt_float(&sb, v->u.f, 'g', -1);
        const char *r = arena_strdup(a, sb.buf);
        sb_release(&sb);
        return r;
    }
    default:
        return "";
    }
}

struct val *
kn_scalar(struct arena *a, const char *s)
{
    size_t n = strlen(s);
    char *copy = arena_strndup(a, s, n);
    struct val r = {0};
    val_yaml_resolve(VAL_YAML_KYAML, copy, n, &r);
    struct val *v = val_new(a, (enum val_kind)r.kind);
    v->u = r.u;
    v->gotype = r.gotype;
    if (v->kind == VAL_STRING) {
        v->u.s.ptr = copy;
        v->u.s.len = n;
    }
    v->src = copy;
    v->style = VAL_STYLE_PLAIN;
    return v;
}

bool
kn_yaml11_nonstring(const char *s)
{
    if (!*s || strchr(s, '\n'))
        return false;
    struct arena *a = arena_new();
    struct val *v = NULL;
    struct val_yaml_opts yo = {.dialect = VAL_YAML_HELM};
    bool r = val_yaml_load(&v, a, s, strlen(s), "value", &yo, NULL) == 0 &&
             (!v || v->kind != VAL_STRING);
    arena_free(a);
    return r;
}

void
kn_set_scalar(struct arena *a, struct val *node, const char *text, enum kn_tag tag)
{
    uint8_t style = VAL_STYLE_ANY;
    if (node->kind != VAL_MAP && node->kind != VAL_SEQ && node->style != VAL_STYLE_FLOW)
        style = node->style;
    bool quoted = style == VAL_STYLE_SINGLE || style == VAL_STYLE_DOUBLE ||
                  style == VAL_STYLE_LITERAL || style == VAL_STYLE_FOLDED;
    struct val *v;
    if (tag == KN_TAG_STR || (tag == KN_TAG_EMPTY && quoted)) {
        v = kn_str(a, text);
        v->style = style == VAL_STYLE_PLAIN ? VAL_STYLE_ANY : style;
    } else {
        v = kn_scalar(a, text); /* plain: resolved */
    }
    v->flags |= KN_F_STYLE0;
    if (tag == KN_TAG_EMPTY)
        v->flags |= KN_F_TAGEMPTY;
    *node = *v;
}

void
kn_set_field(struct arena *a, struct val *map, const char *key, const char *text, enum kn_tag tag)
{
    struct val *old = val_map_getz(map, key);
    if (old && old->kind != VAL_MAP && old->kind != VAL_SEQ) {
        kn_set_scalar(a, old, text, tag);
        return;
    }
    struct val *v;
    if (tag != KN_TAG_INT && kn_yaml11_nonstring(text)) {
        v = kn_str(a, text);
        v->style = VAL_STYLE_DOUBLE;
    } else if (tag == KN_TAG_STR) {
        v = kn_str(a, text);
    } else {
        v = kn_scalar(a, text);
    }
    v->flags |= KN_F_STYLE0;
    if (tag == KN_TAG_EMPTY)
        v->flags |= KN_F_TAGEMPTY;
    val_map_setz(a, map, key, v);
}

struct val *
kn_str(struct arena *a, const char *s)
{
    struct val *v = val_strz(a, s);
    v->src = v->u.s.ptr;
    return v;
}

struct val *
kn_get(const struct val *m, const char *k)
{
    if (!m || m->kind != VAL_MAP)
        return NULL;
    return val_map_getz(m, k);
}

bool
kn_missing_or_null(const struct val *v)
{
    return !v || v->kind == VAL_NULL;
}

bool
kn_nil_or_empty(const struct val *v)
{
    if (!v || v->kind == VAL_NULL)
        return true;
    if ((v->kind == VAL_MAP || v->kind == VAL_SEQ) && val_len(v) == 0)
        return true;
    return false;
}

void
kn_set(struct arena *a, struct val *m, const char *k, struct val *v)
{
    val_map_setz(a, m, k, v);
}

struct val *
kn_lookup_create(struct arena *a, struct val *root, enum val_kind kind, const char *const *path,
                 size_t n)
{
    struct val *cur = root;
    for (size_t i = 0; i < n; i++) {
        if (!cur || cur->kind != VAL_MAP)
            return NULL;
        struct val *next = val_map_getz(cur, path[i]);
        if (!next || next->kind == VAL_NULL) {
            next = val_new(a, i + 1 == n ? kind : VAL_MAP);
            val_map_setz(a, cur, path[i], next);
        }
        cur = next;
    }
    return cur;
}

static struct val *
meta_of(const struct val *obj)
{
    struct val *md = kn_get(obj, "metadata");
    if (kn_nil_or_empty(md))
        return NULL;
    return md;
}

void
kn_meta_map(struct arena *a, const struct val *obj, const char *field, struct kstrmap *out)
{
    struct val *md = meta_of(obj);
    struct val *m = kn_get(md, field);
    if (!m || m->kind != VAL_MAP)
        return;
    for (size_t i = 0; i < val_map_len(m); i++)
        kstrmap_set(out, m->u.map.ents[i].key->u.s.ptr, kn_text(a, m->u.map.ents[i].v));
}

void
kn_set_meta_map(struct arena *a, struct val *obj, const char *field, const struct kstrmap *m)
{
    if (!obj || obj->kind != VAL_MAP)
        return;
    static const char *const mp[] = {"metadata"};
    struct val *md = kn_lookup_create(a, obj, VAL_MAP, mp, 1);
    if (!md || md->kind != VAL_MAP)
        return;
    val_map_del(md, field, strlen(field));
    if (m->n == 0)
        return;
    struct kstrmap sorted = {0};
    for (size_t i = 0; i < m->n; i++)
        kstrmap_set(&sorted, m->k[i], m->v[i]);
    kstrmap_sort(&sorted);
    struct val *nm = val_map(a);
    for (size_t i = 0; i < sorted.n; i++) {
        /* NewStringRNode: multi-line strings are literal */
        struct val *v = kn_str(a, sorted.v[i]);
        if (strchr(sorted.v[i], '\n'))
            v->style = VAL_STYLE_LITERAL;
        val_map_setz(a, nm, sorted.k[i], v);
    }
    val_map_setz(a, md, field, nm);
    kstrmap_free(&sorted);
}

const char *
kn_annotation(struct arena *a, const struct val *obj, const char *key)
{
    struct val *m = kn_get(meta_of(obj), "annotations");
    struct val *v = kn_get(m, key);
    return v ? kn_text(a, v) : NULL;
}

static void
set_meta_entry(struct arena *a, struct val *obj, const char *field, const char *key,
               const char *value)
{
    if (!obj || obj->kind != VAL_MAP)
        return;
    const char *path[] = {"metadata", field};
    struct val *m = kn_lookup_create(a, obj, VAL_MAP, path, 2);
    if (m && m->kind == VAL_MAP) {
        /* kyaml's AnnotationSetter/LabelSetter: a new value is single-quoted,
         * a replaced one keeps the old node's style (content hashes see it) */
        struct val *nv = kn_str(a, value);
        struct val *old = val_map_getz(m, key);
        nv->style = old ? old->style : VAL_STYLE_SINGLE;
        if (nv->style == VAL_STYLE_FLOW || nv->style == VAL_STYLE_PLAIN) {
            nv->style = VAL_STYLE_ANY;
            nv->flags |= KN_F_STYLE0;
        }
        val_map_setz(a, m, key, nv);
    }
}

void
kn_set_annotation(struct arena *a, struct val *obj, const char *key, const char *value)
{
    set_meta_entry(a, obj, "annotations", key, value);
}

void
kn_set_label(struct arena *a, struct val *obj, const char *key, const char *value)
{
    set_meta_entry(a, obj, "labels", key, value);
}

const char *
kn_kind(struct arena *a, const struct val *obj)
{
    return kn_text(a, kn_get(obj, "kind"));
}

const char *
kn_apiversion(struct arena *a, const struct val *obj)
{
    return kn_text(a, kn_get(obj, "apiVersion"));
}

static const char *
meta_string(struct arena *a, const struct val *obj, const char *field)
{
    struct val *v = kn_get(meta_of(obj), field);
    if (kn_nil_or_empty(v))
        return "";
    return kn_text(a, v);
}

const char *
kn_name(struct arena *a, const struct val *obj)
{
    return meta_string(a, obj, "name");
}

const char *
kn_namespace(struct arena *a, const struct val *obj)
{
    return meta_string(a, obj, "namespace");
}

void
kn_set_name(struct arena *a, struct val *obj, const char *name)
{
    static const char *const mp[] = {"metadata"};
    struct val *md = kn_lookup_create(a, obj, VAL_MAP, mp, 1);
    if (md && md->kind == VAL_MAP)
        kn_set_field(a, md, "name", name, KN_TAG_EMPTY);
}

void
kn_set_kind(struct arena *a, struct val *obj, const char *kind)
{
    if (obj && obj->kind == VAL_MAP)
        kn_set_field(a, obj, "kind", kind, KN_TAG_EMPTY);
}

void
kn_set_apiversion(struct arena *a, struct val *obj, const char *av)
{
    if (obj && obj->kind == VAL_MAP)
        kn_set_field(a, obj, "apiVersion", av, KN_TAG_EMPTY);
}

void
kn_set_namespace(struct arena *a, struct val *obj, const char *ns)
{
    if (!obj || obj->kind != VAL_MAP)
        return;
    if (!*ns) {
        struct val *md = kn_get(obj, "metadata");
        if (md && md->kind == VAL_MAP)
            val_map_del(md, "namespace", 9);
        return;
    }
    static const char *const mp[] = {"metadata"};
    struct val *md = kn_lookup_create(a, obj, VAL_MAP, mp, 1);
    if (md && md->kind == VAL_MAP)
        kn_set_field(a, md, "namespace", ns, KN_TAG_EMPTY);
}
