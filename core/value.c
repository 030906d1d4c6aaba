/* The value tree: constructors, sequences, insertion-ordered maps with a
 * hash index, copy, equality, Helm-style merge and paths. */
#include "core/value.h"
#include "core/hash.h"
#include "core/sb.h"
#include "core/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Maps up to this many entries are searched linearly. */
#define MAP_LINEAR_MAX 8

struct val *
val_new(struct arena *a, enum val_kind kind)
{
    struct val *v = arena_alloc(a, sizeof(*v));
    v->kind = (uint8_t)kind;
    return v;
}

struct val *
val_null(struct arena *a)
{
    return val_new(a, VAL_NULL);
}

struct val *
val_bool(struct arena *a, bool b)
{
    struct val *v = val_new(a, VAL_BOOL);
    v->u.b = b;
    return v;
}

struct val *
val_int(struct arena *a, int64_t i)
{
    struct val *v = val_new(a, VAL_INT);
    v->u.i = i;
    return v;
}

struct val *
val_float(struct arena *a, double f)
{
    struct val *v = val_new(a, VAL_FLOAT);
    v->u.f = f;
    return v;
}

struct val *
val_str_nocopy(struct arena *a, const char *p, size_t n)
{
    struct val *v = val_new(a, VAL_STRING);
    v->u.s.ptr = p;
    v->u.s.len = n;
    return v;
}

struct val *
val_str(struct arena *a, const char *p, size_t n)
{
    /* node and bytes in one block */
    if (n > SIZE_MAX - sizeof(struct val) - 1)
        xalloc_die();
    struct val *v = arena_alloc(a, sizeof(*v) + n + 1);
    v->kind = VAL_STRING;
    char *s = (char *)(v + 1);
    if (n)
        memcpy(s, p, n);
    s[n] = 0;
    v->u.s.ptr = s;
    v->u.s.len = n;
    return v;
}

struct val *
val_strz(struct arena *a, const char *s)
{
    return val_str(a, s, strlen(s));
}

struct val *
val_strf(struct arena *a, const char *fmt, ...)
{
    struct sb sb = SB_INIT;
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(&sb, fmt, ap);
    va_end(ap);
    struct val *v = val_str(a, sb.buf, sb.len);
    sb_release(&sb);
    return v;
}

struct val *
val_seq(struct arena *a)
{
    return val_new(a, VAL_SEQ);
}

struct val *
val_map(struct arena *a)
{
    return val_new(a, VAL_MAP);
}

struct val *
val_obj(struct arena *a, const struct val_objtype *type, void *ptr)
{
    struct val *v = val_new(a, VAL_OBJ);
    v->u.obj.type = type;
    v->u.obj.ptr = ptr;
    return v;
}

const char *
val_kind_name(enum val_kind kind)
{
    switch (kind) {
    case VAL_NULL:
        return "null";
    case VAL_BOOL:
        return "bool";
    case VAL_INT:
        return "int";
    case VAL_FLOAT:
        return "float";
    case VAL_STRING:
        return "string";
    case VAL_SEQ:
        return "sequence";
    case VAL_MAP:
        return "map";
    case VAL_OBJ:
        return "object";
    }
    return "unknown";
}

/* Sequences */

static void
seq_reserve(struct arena *a, struct val *seq, size_t need)
{
    if (need <= seq->u.seq.cap)
        return;
    size_t cap = seq->u.seq.cap ? (size_t)seq->u.seq.cap * 2 : 4;
    while (cap < need)
        cap *= 2;
    if (cap > UINT32_MAX)
        xalloc_die();
    seq->u.seq.items = arena_realloc(a, seq->u.seq.items, seq->u.seq.cap * sizeof(struct val *),
                                     cap * sizeof(struct val *));
    seq->u.seq.cap = (uint32_t)cap;
}

void
val_seq_push(struct arena *a, struct val *seq, struct val *item)
{
    seq_reserve(a, seq, (size_t)seq->u.seq.len + 1);
    seq->u.seq.items[seq->u.seq.len++] = item;
}

void
val_seq_insert(struct arena *a, struct val *seq, size_t at, struct val *item)
{
    size_t n = seq->u.seq.len;
    if (at > n)
        at = n;
    seq_reserve(a, seq, n + 1);
    memmove(seq->u.seq.items + at + 1, seq->u.seq.items + at, (n - at) * sizeof(struct val *));
    seq->u.seq.items[at] = item;
    seq->u.seq.len++;
}

void
val_seq_remove(struct val *seq, size_t at)
{
    size_t n = seq->u.seq.len;
    if (at >= n)
        return;
    memmove(seq->u.seq.items + at, seq->u.seq.items + at + 1, (n - at - 1) * sizeof(struct val *));
    seq->u.seq.len--;
}

/* Maps */

static bool
key_eq(const struct val *key, const char *k, size_t klen)
{
    return key->u.s.len == klen && memcmp(key->u.s.ptr, k, klen) == 0;
}

/* A map's hash index, in the entry slot before its first entry: maps of up
 * to MAP_LINEAR_MAX entries (most of them) have none and are searched
 * linearly; a node without entries (cap 0) has no header either. */
struct map_index {
    uint32_t *slots; /* open-addressed: entry index + 1, 0 = empty */
    uint32_t cap;    /* a power of two */
    uint32_t unused;
};
_Static_assert(sizeof(struct map_index) == sizeof(struct val_mapent),
               "the index header takes one entry slot");

static struct map_index *
map_index(const struct val *map)
{
    return map->u.map.ents ? (struct map_index *)(void *)(map->u.map.ents - 1) : NULL;
}

static void
index_insert(struct val *map, uint32_t ent)
{
    struct map_index *ix = map_index(map);
    const struct val *key = map->u.map.ents[ent].key;
    uint32_t mask = ix->cap - 1;
    uint32_t i = (uint32_t)hash_bytes(key->u.s.ptr, key->u.s.len) & mask;
    while (ix->slots[i])
        i = (i + 1) & mask;
    ix->slots[i] = ent + 1;
}

static void
index_rebuild(struct arena *a, struct val *map)
{
    struct map_index *ix = map_index(map);
    if (!ix)
        return;
    uint32_t len = map->u.map.len;
    if (len <= MAP_LINEAR_MAX) {
        ix->slots = NULL;
        ix->cap = 0;
        return;
    }
    uint32_t icap = 16;
    while (icap < len * 2)
        icap *= 2;
    if (icap != ix->cap || !ix->slots) {
        ix->slots = arena_alloc(a, icap * sizeof(uint32_t));
        ix->cap = icap;
    } else {
        memset(ix->slots, 0, icap * sizeof(uint32_t));
    }
    for (uint32_t e = 0; e < len; e++)
        index_insert(map, e);
}

long
val_map_find(const struct val *map, const char *k, size_t klen)
{
    if (!map || map->kind != VAL_MAP)
        return -1;
    const struct val_mapent *ents = map->u.map.ents;
    const struct map_index *ix = map_index(map);
    if (!ix || !ix->slots) {
        for (uint32_t i = 0; i < map->u.map.len; i++)
            if (key_eq(ents[i].key, k, klen))
                return (long)i;
        return -1;
    }
    uint32_t mask = ix->cap - 1;
    uint32_t i = (uint32_t)hash_bytes(k, klen) & mask;
    for (;;) {
        uint32_t slot = ix->slots[i];
        if (!slot)
            return -1;
        if (key_eq(ents[slot - 1].key, k, klen))
            return (long)(slot - 1);
        i = (i + 1) & mask;
    }
}

struct val *
val_map_get(const struct val *map, const char *k, size_t klen)
{
    long i = val_map_find(map, k, klen);
    return i < 0 ? NULL : map->u.map.ents[i].v;
}

struct val *
val_map_getz(const struct val *map, const char *k)
{
    return val_map_get(map, k, strlen(k));
}

void
val_map_append(struct arena *a, struct val *map, struct val *key, struct val *v)
{
    uint32_t len = map->u.map.len;
    if (len == map->u.map.cap) {
        size_t cap = map->u.map.cap ? (size_t)map->u.map.cap * 2 : 4;
        if (cap > UINT32_MAX / 2)
            xalloc_die();
        /* The block starts with the index header (zeroed when new). */
        struct val_mapent *blk = map->u.map.ents ? map->u.map.ents - 1 : NULL;
        blk = arena_realloc(a, blk, blk ? (len + 1) * sizeof(struct val_mapent) : 0,
                            (cap + 1) * sizeof(struct val_mapent));
        if (!map->u.map.ents)
            memset(blk, 0, sizeof(*blk));
        map->u.map.ents = blk + 1;
        map->u.map.cap = (uint32_t)cap;
    }
    map->u.map.ents[len].key = key;
    map->u.map.ents[len].v = v;
    map->u.map.len = len + 1;
    struct map_index *ix = map_index(map);
    if (ix->slots && (len + 1) * 2 <= ix->cap)
        index_insert(map, len);
    else if (len + 1 > MAP_LINEAR_MAX)
        index_rebuild(a, map);
}

void
val_map_set(struct arena *a, struct val *map, const char *k, size_t klen, struct val *v)
{
    long i = val_map_find(map, k, klen);
    if (i >= 0) {
        map->u.map.ents[i].v = v;
        return;
    }
    val_map_append(a, map, val_str(a, k, klen), v);
}

void
val_map_setz(struct arena *a, struct val *map, const char *k, struct val *v)
{
    val_map_set(a, map, k, strlen(k), v);
}

bool
val_map_del(struct val *map, const char *k, size_t klen)
{
    long i = val_map_find(map, k, klen);
    if (i < 0)
        return false;
    uint32_t len = map->u.map.len;
    memmove(map->u.map.ents + i, map->u.map.ents + i + 1,
            (len - (uint32_t)i - 1) * sizeof(struct val_mapent));
    map->u.map.len = len - 1;
    struct map_index *ix = map_index(map);
    if (ix->slots) {
        /* Entry indices shifted: rebuild in place (same capacity). */
        if (map->u.map.len <= MAP_LINEAR_MAX) {
            ix->slots = NULL;
            ix->cap = 0;
        } else {
            memset(ix->slots, 0, ix->cap * sizeof(uint32_t));
            for (uint32_t e = 0; e < map->u.map.len; e++)
                index_insert(map, e);
        }
    }
    return true;
}

void
val_map_set_key(struct arena *a, struct val *map, size_t i, struct val *key)
{
    map->u.map.ents[i].key = key;
    struct map_index *ix = map_index(map);
    if (ix && ix->slots)
        index_rebuild(a, map);
}

static int
ent_cmp(const void *x, const void *y)
{
    const struct val *a = ((const struct val_mapent *)x)->key;
    const struct val *b = ((const struct val_mapent *)y)->key;
    size_t n = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
    int c = memcmp(a->u.s.ptr, b->u.s.ptr, n);
    if (c)
        return c;
    return a->u.s.len < b->u.s.len ? -1 : a->u.s.len > b->u.s.len;
}

struct val_mapent *
val_map_sorted(struct arena *a, const struct val *map)
{
    size_t n = map->u.map.len;
    struct val_mapent *ents = arena_memdup(a, map->u.map.ents, n * sizeof(*ents));
    if (n > 1)
        qsort(ents, n, sizeof(*ents), ent_cmp);
    return ents;
}

size_t
val_len(const struct val *v)
{
    if (!v)
        return 0;
    switch (v->kind) {
    case VAL_STRING:
        return v->u.s.len;
    case VAL_SEQ:
        return v->u.seq.len;
    case VAL_MAP:
        return v->u.map.len;
    default:
        return 0;
    }
}

/* A copy of a string node: node and bytes in one block. */
static struct val *
copy_str(struct arena *a, const struct val *v)
{
    size_t n = v->u.s.len;
    struct val *c = arena_alloc(a, sizeof(*c) + n + 1);
    *c = *v;
    c->flags &= (uint8_t)~VAL_F_READONLY;
    char *p = (char *)(c + 1);
    memcpy(p, v->u.s.ptr, n);
    c->u.s.ptr = p;
    return c;
}

struct val *
val_copy(struct arena *a, const struct val *v)
{
    if (!v)
        return NULL;
    if (v->kind == VAL_STRING)
        return copy_str(a, v);
    struct val *c = arena_memdup(a, v, sizeof(*v));
    c->flags &= (uint8_t)~VAL_F_READONLY;
    switch (v->kind) {
    case VAL_SEQ: {
        /* exactly as many slots as items; appending later grows as usual */
        uint32_t n = v->u.seq.len;
        c->u.seq.items = n ? arena_alloc(a, n * sizeof(struct val *)) : NULL;
        c->u.seq.len = c->u.seq.cap = n;
        for (uint32_t i = 0; i < n; i++)
            c->u.seq.items[i] = val_copy(a, v->u.seq.items[i]);
        break;
    }
    case VAL_MAP: {
        /* entries copied in order into a block sized exactly (with the
         * index header slot before them), the index (if any) built once */
        uint32_t n = v->u.map.len;
        c->u.map.ents = NULL;
        if (n) {
            struct val_mapent *blk = arena_alloc(a, (n + 1) * sizeof(struct val_mapent));
            c->u.map.ents = blk + 1; /* blk[0], the index header, is zero */
        }
        c->u.map.len = c->u.map.cap = n;
        for (uint32_t i = 0; i < n; i++) {
            const struct val *k = v->u.map.ents[i].key;
            c->u.map.ents[i].key = k->kind == VAL_STRING ? copy_str(a, k) : val_copy(a, k);
            c->u.map.ents[i].v = val_copy(a, v->u.map.ents[i].v);
        }
        if (n > MAP_LINEAR_MAX)
            index_rebuild(a, c);
        break;
    }
    default:
        break;
    }
    return c;
}

struct val *
val_copy_shared(struct arena *a, const struct val *v)
{
    if (!v)
        return NULL;
    /* Scalars are never changed in place (Go copies them by value): the
     * copy shares them too, and only its maps and sequences are new. */
    switch (v->kind) {
    case VAL_NULL:
    case VAL_BOOL:
    case VAL_INT:
    case VAL_FLOAT:
    case VAL_STRING:
        if (!(v->flags & VAL_F_READONLY))
            return (struct val *)v;
        break;
    default:
        break;
    }
    struct val *c = arena_memdup(a, v, sizeof(*v));
    c->flags &= (uint8_t)~VAL_F_READONLY;
    if (v->kind == VAL_SEQ) {
        uint32_t n = v->u.seq.len;
        c->u.seq.items = n ? arena_alloc(a, n * sizeof(struct val *)) : NULL;
        c->u.seq.cap = n;
        for (uint32_t i = 0; i < n; i++)
            c->u.seq.items[i] = val_copy_shared(a, v->u.seq.items[i]);
    } else if (v->kind == VAL_MAP) {
        uint32_t n = v->u.map.len;
        c->u.map.ents = NULL;
        c->u.map.cap = 0;
        if (n) {
            /* The same entry positions: the source's index serves as is. */
            struct val_mapent *blk = arena_alloc(a, ((size_t)n + 1) * sizeof(*blk));
            c->u.map.ents = blk + 1;
            c->u.map.cap = n;
            for (uint32_t i = 0; i < n; i++) {
                c->u.map.ents[i].key = v->u.map.ents[i].key;
                c->u.map.ents[i].v = val_copy_shared(a, v->u.map.ents[i].v);
            }
            const struct map_index *six = map_index(v);
            if (six->slots) {
                struct map_index *ix = map_index(c);
                ix->cap = six->cap;
                ix->slots = arena_memdup(a, six->slots, six->cap * sizeof(uint32_t));
            }
        }
    }
    return c;
}

bool
val_equal(const struct val *x, const struct val *y)
{
    if (x == y)
        return true;
    if (!x || !y)
        return false;
    if (x->kind != y->kind) {
        if (x->kind == VAL_INT && y->kind == VAL_FLOAT)
            return (double)x->u.i == y->u.f;
        if (x->kind == VAL_FLOAT && y->kind == VAL_INT)
            return x->u.f == (double)y->u.i;
        return false;
    }
    switch (x->kind) {
    case VAL_NULL:
        return true;
    case VAL_BOOL:
        return x->u.b == y->u.b;
    case VAL_INT:
        return x->u.i == y->u.i;
    case VAL_FLOAT:
        return x->u.f == y->u.f;
    case VAL_STRING:
        return x->u.s.len == y->u.s.len && memcmp(x->u.s.ptr, y->u.s.ptr, x->u.s.len) == 0;
    case VAL_SEQ:
        if (x->u.seq.len != y->u.seq.len)
            return false;
        for (uint32_t i = 0; i < x->u.seq.len; i++)
            if (!val_equal(x->u.seq.items[i], y->u.seq.items[i]))
                return false;
        return true;
    case VAL_MAP:
        if (x->u.map.len != y->u.map.len)
            return false;
        for (uint32_t i = 0; i < x->u.map.len; i++) {
            const struct val *k = x->u.map.ents[i].key;
            const struct val *yv = val_map_get(y, k->u.s.ptr, k->u.s.len);
            if (!yv || !val_equal(x->u.map.ents[i].v, yv))
                return false;
        }
        return true;
    case VAL_OBJ:
        return x->u.obj.ptr == y->u.obj.ptr && x->u.obj.type == y->u.obj.type;
    }
    return false;
}

void
val_merge(struct arena *a, struct val *dst, const struct val *src)
{
    if (!dst || dst->kind != VAL_MAP || !src || src->kind != VAL_MAP)
        return;
    for (uint32_t i = 0; i < src->u.map.len; i++) {
        const struct val *k = src->u.map.ents[i].key;
        const struct val *sv = src->u.map.ents[i].v;
        if (sv->kind == VAL_NULL) {
            val_map_del(dst, k->u.s.ptr, k->u.s.len);
            continue;
        }
        struct val *dv = val_map_get(dst, k->u.s.ptr, k->u.s.len);
        if (dv && dv->kind == VAL_MAP && sv->kind == VAL_MAP)
            val_merge(a, dv, sv);
        else
            val_map_set(a, dst, k->u.s.ptr, k->u.s.len, val_copy(a, sv));
    }
}

/* Paths */

struct path_step {
    bool is_index;
    size_t index;
    struct sb key;
};

/* Parses the next step of a path at *pp. Returns 1 with a step, 0 at the
 * end, -1 on a malformed path. */
static int
path_next(const char **pp, struct path_step *st)
{
    const char *p = *pp;
    sb_reset(&st->key);
    st->is_index = false;
    if (!*p)
        return 0;
    if (*p == '.')
        p++;
    if (*p == '[') {
        char *end;
        if (p[1] < '0' || p[1] > '9')
            return -1;
        unsigned long long n = strtoull(p + 1, &end, 10);
        if (*end != ']' || n > (1u << 26))
            return -1;
        st->is_index = true;
        st->index = (size_t)n;
        *pp = end + 1;
        return 1;
    }
    while (*p && *p != '.' && *p != '[') {
        if (*p == '\\' && p[1])
            p++;
        sb_addch(&st->key, *p++);
    }
    if (st->key.len == 0)
        return -1;
    *pp = p;
    return 1;
}

struct val *
val_path_get(const struct val *root, const char *path)
{
    struct path_step st = {.key = SB_INIT};
    const struct val *cur = root;
    int r;
    while (cur && (r = path_next(&path, &st)) != 0) {
        if (r < 0) {
            cur = NULL;
            break;
        }
        if (st.is_index) {
            cur = (cur->kind == VAL_SEQ && st.index < cur->u.seq.len) ? cur->u.seq.items[st.index]
                                                                      : NULL;
        } else {
            cur = cur->kind == VAL_MAP ? val_map_get(cur, st.key.buf, st.key.len) : NULL;
        }
    }
    sb_release(&st.key);
    return (struct val *)cur;
}

int
val_path_set(struct arena *a, struct val *root, const char *path, struct val *v,
             struct pkg_err **errp)
{
    struct path_step st = {.key = SB_INIT}, next = {.key = SB_INIT};
    const char *p = path;
    int rc = 0;
    int r = path_next(&p, &st);
    struct val *cur = root;
    if (r <= 0) {
        rc = pkg_err_set(errp, PKG_EINVAL, "malformed path \"%s\"", path);
        goto out;
    }
    for (;;) {
        int rn = path_next(&p, &next);
        if (rn < 0) {
            rc = pkg_err_set(errp, PKG_EINVAL, "malformed path \"%s\"", path);
            goto out;
        }
        struct val *child;
        if (st.is_index) {
            if (cur->kind != VAL_SEQ) {
                rc = pkg_err_set(errp, PKG_ETYPE, "path \"%s\": not a sequence", path);
                goto out;
            }
            while (cur->u.seq.len <= st.index)
                val_seq_push(a, cur, val_null(a));
            child = cur->u.seq.items[st.index];
        } else {
            if (cur->kind != VAL_MAP) {
                rc = pkg_err_set(errp, PKG_ETYPE, "path \"%s\": not a map", path);
                goto out;
            }
            child = val_map_get(cur, st.key.buf, st.key.len);
        }
        if (rn == 0) {
            if (st.is_index)
                cur->u.seq.items[st.index] = v;
            else
                val_map_set(a, cur, st.key.buf, st.key.len, v);
            goto out;
        }
        if (!child || child->kind == VAL_NULL) {
            child = next.is_index ? val_seq(a) : val_map(a);
            if (st.is_index)
                cur->u.seq.items[st.index] = child;
            else
                val_map_set(a, cur, st.key.buf, st.key.len, child);
        }
        cur = child;
        struct path_step tmp = st;
        st = next;
        next = tmp;
    }
out:
    sb_release(&st.key);
    sb_release(&next.key);
    return rc;
}

bool
val_is_str(const struct val *v, const char *s)
{
    return v && v->kind == VAL_STRING && strlen(s) == v->u.s.len &&
           memcmp(v->u.s.ptr, s, v->u.s.len) == 0;
}

const char *
val_cstr(const struct val *v)
{
    return v && v->kind == VAL_STRING ? v->u.s.ptr : NULL;
}
