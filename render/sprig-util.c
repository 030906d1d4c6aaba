/* Helpers the Sprig function files share: arena strings, reflect-like
 * views of slices, Sprig's empty(), reflect.DeepEqual and random numbers
 * (see render/sprig.h). */
#include "render/sprig.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
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
        /* both nil or both non-nil */
        if (!a->u.seq.len && (a->flags & VAL_F_NIL) != (b->flags & VAL_F_NIL))
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
        if (!a->u.map.len && (a->flags & VAL_F_NIL) != (b->flags & VAL_F_NIL))
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

static void
getrandom_all(void *buf, size_t n)
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

/* Small requests come from a per-thread pool filled by one getrandom:
 * randAlphaNum asks for 8 bytes a character, and a syscall each cost a
 * chart with a few generated passwords dozens of them. */
#define POOL_SIZE 256

void
sprig_random_bytes(void *buf, size_t n)
{
    static _Thread_local unsigned char pool[POOL_SIZE];
    static _Thread_local size_t left;
    if (n > POOL_SIZE / 4) {
        getrandom_all(buf, n);
        return;
    }
    if (n > left) {
        getrandom_all(pool, POOL_SIZE);
        left = POOL_SIZE;
    }
    /* bytes handed out are wiped from the pool */
    memcpy(buf, pool + POOL_SIZE - left, n);
    memset(pool + POOL_SIZE - left, 0, n);
    left -= n;
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

/* ---- strconv and spf13/cast v1.7.0 ---- */

static int
lower_c(int c)
{
    return c | 0x20;
}

/* strconv's underscoreOK: underscores only between digits, or between a
 * base prefix and a digit */
static bool
underscore_ok(const char *s, size_t n)
{
    char saw = '^';
    size_t i = 0;
    if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
        s++;
        n--;
    }
    bool hex = false;
    if (n >= 2 && s[0] == '0' &&
        (lower_c(s[1]) == 'b' || lower_c(s[1]) == 'o' || lower_c(s[1]) == 'x')) {
        i = 2;
        saw = '0';
        hex = lower_c(s[1]) == 'x';
    }
    for (; i < n; i++) {
        char c = s[i];
        if ((c >= '0' && c <= '9') || (hex && lower_c(c) >= 'a' && lower_c(c) <= 'f')) {
            saw = '0';
            continue;
        }
        if (c == '_') {
            if (saw != '0')
                return false;
            saw = '_';
            continue;
        }
        if (saw == '_')
            return false;
        saw = '!';
    }
    return saw != '_';
}

int
sprig_strconv_uint(const char *s, size_t n, int base, uint64_t *out)
{
    *out = 0;
    if (n == 0)
        return SPRIG_ESYNTAX;
    bool base0 = base == 0;
    const char *s0 = s;
    size_t n0 = n;
    if (base == 0) {
        base = 10;
        if (s[0] == '0') {
            if (n >= 3 && lower_c(s[1]) == 'b') {
                base = 2;
                s += 2;
                n -= 2;
            } else if (n >= 3 && lower_c(s[1]) == 'o') {
                base = 8;
                s += 2;
                n -= 2;
            } else if (n >= 3 && lower_c(s[1]) == 'x') {
                base = 16;
                s += 2;
                n -= 2;
            } else {
                base = 8;
                s += 1;
                n -= 1;
            }
        }
    }
    bool underscores = false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        unsigned d;
        if (c == '_' && base0) {
            underscores = true;
            continue;
        } else if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (lower_c((int)c) >= 'a' && lower_c((int)c) <= 'z') {
            d = (unsigned)lower_c((int)c) - 'a' + 10;
        } else {
            return SPRIG_ESYNTAX;
        }
        if (d >= (unsigned)base)
            return SPRIG_ESYNTAX;
        /* Go returns at the first overflow, before looking further */
        if (v > (UINT64_MAX - d) / (unsigned)base) {
            *out = UINT64_MAX;
            return SPRIG_ERANGE;
        }
        v = v * (unsigned)base + d;
    }
    if (underscores && !underscore_ok(s0, n0))
        return SPRIG_ESYNTAX;
    *out = v;
    return 0;
}

int
sprig_strconv_int(const char *s, size_t n, int base, int64_t *out)
{
    *out = 0;
    if (n == 0)
        return SPRIG_ESYNTAX;
    bool neg = false;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        s++;
        n--;
    }
    uint64_t u;
    int rc = sprig_strconv_uint(s, n, base, &u);
    if (rc == SPRIG_ESYNTAX)
        return rc;
    if (!neg && u >= (uint64_t)1 << 63) {
        *out = INT64_MAX;
        return SPRIG_ERANGE;
    }
    if (neg && u > (uint64_t)1 << 63) {
        *out = INT64_MIN;
        return SPRIG_ERANGE;
    }
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return rc;
}

bool
sprig_parse_int(const char *s, size_t n, int base, int64_t *out)
{
    int64_t v;
    if (sprig_strconv_int(s, n, base, &v))
        return false;
    *out = v;
    return true;
}

/* strconv.ParseFloat(s, 64) without error: Go's syntax (readFloat and
 * special), the value correctly rounded (strtod does that too); overflow
 * is an error as in Go. */
bool
sprig_parse_float(const char *s, size_t n, double *out)
{
    if (n == 0 || n > 4096)
        return false;
    /* inf, infinity, nan */
    {
        size_t i = 0;
        int sign = 1;
        if (s[0] == '+' || s[0] == '-') {
            sign = s[0] == '-' ? -1 : 1;
            i = 1;
        }
        if (i < n && lower_c(s[i]) == 'i') {
            static const char inf[] = "infinity";
            size_t k = 0;
            while (k < 8 && i + k < n && lower_c(s[i + k]) == inf[k])
                k++;
            if (k > 3 && k < 8)
                k = 3;
            if ((k == 3 || k == 8) && i + k == n) {
                *out = sign * (double)INFINITY;
                return true;
            }
            return false;
        }
        if (i == 0 && lower_c(s[0]) == 'n') {
            if (n == 3 && lower_c(s[1]) == 'a' && lower_c(s[2]) == 'n') {
                *out = NAN;
                return true;
            }
            return false;
        }
    }
    size_t i = 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    bool hex = false;
    if (i + 2 < n && s[i] == '0' && lower_c(s[i + 1]) == 'x') {
        hex = true;
        i += 2;
    }
    bool underscores = false, sawdot = false, sawdigits = false;
    for (; i < n; i++) {
        char ch = s[i];
        if (ch == '_') {
            underscores = true;
        } else if (ch == '.') {
            if (sawdot)
                break;
            sawdot = true;
        } else if ((ch >= '0' && ch <= '9') || (hex && lower_c(ch) >= 'a' && lower_c(ch) <= 'f')) {
            sawdigits = true;
        } else {
            break;
        }
    }
    if (!sawdigits)
        return false;
    if (i < n && lower_c(s[i]) == (hex ? 'p' : 'e')) {
        i++;
        if (i >= n)
            return false;
        if (s[i] == '+' || s[i] == '-')
            i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return false;
        for (; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++)
            if (s[i] == '_')
                underscores = true;
    } else if (hex) {
        return false;
    }
    if (i != n)
        return false;
    if (underscores && !underscore_ok(s, n))
        return false;
    char buf[4100];
    size_t k = 0;
    for (size_t j = 0; j < n; j++)
        if (s[j] != '_')
            buf[k++] = s[j];
    buf[k] = 0;
    errno = 0;
    char *end;
    double f = strtod(buf, &end);
    if (*end)
        return false;
    if (errno == ERANGE && isinf(f))
        return false;
    *out = f;
    return true;
}

/* cast's trimZeroDecimal: "12.00" -> "12" */
static size_t
trim_zero_decimal(const char *s, size_t n)
{
    bool found_zero = false;
    for (size_t i = n; i > 0; i--) {
        switch (s[i - 1]) {
        case '.':
            if (found_zero)
                return i - 1;
            break;
        case '0':
            found_zero = true;
            break;
        default:
            return n;
        }
    }
    return n;
}

int64_t
sprig_go_int_of_float(double f)
{
    if (isnan(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)f;
}

int64_t
tmpl_cast_int64(const struct val *v)
{
    if (!v)
        return 0;
    switch (v->kind) {
    case VAL_INT:
        /* cast has no case for time.Duration */
        return v->gotype == TMPL_GO_DURATION ? 0 : v->u.i;
    case VAL_FLOAT:
        return sprig_go_int_of_float(v->u.f);
    case VAL_BOOL:
        return v->u.b ? 1 : 0;
    case VAL_STRING: {
        int64_t r;
        if (v->gotype == VAL_GO_BYTES)
            return 0;
        if (sprig_parse_int(v->u.s.ptr, trim_zero_decimal(v->u.s.ptr, v->u.s.len), 0, &r))
            return r;
        return 0;
    }
    default:
        return 0;
    }
}

int64_t
tmpl_cast_int(const struct val *v)
{
    return tmpl_cast_int64(v); /* Go's int is 64 bits wide here */
}

double
tmpl_cast_float64(const struct val *v)
{
    if (!v)
        return 0;
    switch (v->kind) {
    case VAL_INT:
        if (v->gotype == TMPL_GO_DURATION)
            return 0;
        if (v->gotype == VAL_GO_UINT || v->gotype == VAL_GO_UINT64)
            return (double)(uint64_t)v->u.i;
        return (double)v->u.i;
    case VAL_FLOAT:
        return v->u.f;
    case VAL_BOOL:
        return v->u.b ? 1 : 0;
    case VAL_STRING: {
        double f;
        if (v->gotype != VAL_GO_BYTES && sprig_parse_float(v->u.s.ptr, v->u.s.len, &f))
            return f;
        return 0;
    }
    default:
        return 0;
    }
}
