/* Helpers the Sprig function files share: arena strings, reflect-like
 * views of slices, Sprig's empty(), reflect.DeepEqual and random numbers
 * (see render/sprig.h). */
#include "render/sprig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

struct val *
sprig_str_alloc(struct tmpl_call *c, size_t n, char **buf)
{
    char *p = arena_alloc(c->a, n + 1);
    p[n] = 0;
    *buf = p;
    return val_str_nocopy(c->a, p, n);
}

struct val *
sprig_str_sub(struct tmpl_call *c, const struct val *whole, const char *s, size_t n)
{
    if (whole->kind == VAL_STRING && s + n == whole->u.s.ptr + whole->u.s.len)
        return val_str_nocopy(c->a, s, n);
    return val_str(c->a, s, n);
}

bool
sprig_list_of(struct tmpl_call *c, const struct val *v, struct sprig_list *out)
{
    memset(out, 0, sizeof(*out));
    if (!v)
        return false;
    switch (v->kind) {
    case VAL_SEQ:
        out->n = v->u.seq.len;
        out->items = v->u.seq.items;
        return true;
    case VAL_STRING:
        if (v->gotype != VAL_GO_BYTES)
            return false;
        out->n = v->u.s.len;
        out->bytes = (const unsigned char *)v->u.s.ptr;
        return true;
    case VAL_OBJ: {
        const struct tmpl_objtype *ot = tmpl_objtype_of(v);
        if (!ot || ot->kind != TMPL_OBJ_SLICE)
            return false;
        struct val *l = ot->base.to_val ? ot->base.to_val(c->a, v) : NULL;
        if (l && l->kind == VAL_SEQ) {
            out->n = l->u.seq.len;
            out->items = l->u.seq.items;
        }
        return true;
    }
    default:
        return false;
    }
}

struct val *
sprig_list_at(struct tmpl_call *c, const struct sprig_list *l, size_t i)
{
    if (l->items)
        return l->items[i];
    struct val *b = val_int(c->a, l->bytes[i]);
    b->gotype = VAL_GO_UINT8;
    return b;
}

bool
sprig_empty(const struct val *v)
{
    if (!v)
        return true;
    switch (v->kind) {
    case VAL_NULL:
        return true;
    case VAL_BOOL:
        return !v->u.b;
    case VAL_INT:
        return v->u.i == 0;
    case VAL_FLOAT:
        return v->u.f == 0;
    case VAL_STRING:
        return v->u.s.len == 0;
    case VAL_SEQ:
        return v->u.seq.len == 0;
    case VAL_MAP:
        return v->u.map.len == 0;
    case VAL_OBJ: {
        const struct tmpl_objtype *ot = tmpl_objtype_of(v);
        if (ot && (ot->kind == TMPL_OBJ_MAP || ot->kind == TMPL_OBJ_SLICE)) {
            struct arena *a = arena_new();
            struct val *cv = ot->base.to_val ? ot->base.to_val(a, v) : NULL;
            bool e = !cv || val_len(cv) == 0;
            arena_free(a);
            return e;
        }
        return false; /* structs and non-nil pointers */
    }
    }
    return true;
}

static bool
same_type(const struct val *a, const struct val *b)
{
    if (a->kind == VAL_OBJ || b->kind == VAL_OBJ)
        return a->kind == b->kind && a->u.obj.type == b->u.obj.type;
    return !strcmp(tmpl_typename(a), tmpl_typename(b));
}

static bool
deep_equal(const struct val *a, const struct val *b, int depth)
{
    bool an = !a || a->kind == VAL_NULL, bn = !b || b->kind == VAL_NULL;
    if (an || bn)
        return an && bn;
    if (!same_type(a, b) || depth > 10000)
        return false;
    switch (a->kind) {
    case VAL_BOOL:
        return a->u.b == b->u.b;
    case VAL_INT:
        return a->u.i == b->u.i;
    case VAL_FLOAT:
        return a->u.f == b->u.f;
    case VAL_STRING:
        return a->u.s.len == b->u.s.len && !memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len);
    case VAL_SEQ:
        if (a->u.seq.len != b->u.seq.len)
            return false;
        if (a == b)
            return true;
        for (uint32_t i = 0; i < a->u.seq.len; i++)
            if (!deep_equal(a->u.seq.items[i], b->u.seq.items[i], depth + 1))
                return false;
        return true;
    case VAL_MAP:
        if (a->u.map.len != b->u.map.len)
            return false;
        if (a == b)
            return true;
        for (uint32_t i = 0; i < a->u.map.len; i++) {
            const struct val *k = a->u.map.ents[i].key;
            long j = val_map_find(b, k->u.s.ptr, k->u.s.len);
            if (j < 0 || !deep_equal(a->u.map.ents[i].v, b->u.map.ents[j].v, depth + 1))
                return false;
        }
        return true;
    case VAL_OBJ: {
        if (a->u.obj.ptr == b->u.obj.ptr)
            return true;
        const struct val_objtype *t = a->u.obj.type;
        if (!t->to_val)
            return false;
        struct arena *ar = arena_new();
        bool eq = val_equal(t->to_val(ar, a), t->to_val(ar, b));
        arena_free(ar);
        return eq;
    }
    default:
        return false;
    }
}

bool
sprig_deep_equal(const struct val *a, const struct val *b)
{
    return deep_equal(a, b, 0);
}

void
sprig_random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            abort(); /* the kernel has no entropy source: nothing sane to do */
        }
        p += r;
        n -= (size_t)r;
    }
}

uint64_t
sprig_random_below(uint64_t n)
{
    /* rejection sampling: uniform like crypto/rand.Int */
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    for (;;) {
        uint64_t x;
        sprig_random_bytes(&x, sizeof(x));
        if (x < lim)
            return x % n;
    }
}
