/* Sprig's list functions (list.go): list/tuple, append/push, prepend,
 * first, rest, last, initial, reverse, uniq, without, has, compact, slice,
 * concat, chunk, sortAlpha and their must* forms. Like Sprig they take any
 * slice through reflection ([]interface {}, []string from splitList,
 * []int from until, []byte), return []interface {} built afresh, and fail
 * with Sprig's messages on other kinds ("Cannot push on type string") and
 * with Go's runtime message on nil. */
#include "render/sprig.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The list argument or the call's error, with the verb of Sprig's message. */
static int
need_list(struct tmpl_call *c, const struct val *v, struct sprig_list *l, const char *fmt)
{
    if (sprig_list_of(c, v, l))
        return 0;
    if (v->kind == VAL_NULL)
        return tmpl_fail(c, SPRIG_NIL_DEREF);
    return tmpl_fail(c, fmt, tmpl_kindname(v));
}

static struct val *
list_copy(struct tmpl_call *c, const struct sprig_list *l, size_t from, size_t to, size_t extra)
{
    struct val *res = tmpl_mklist(c);
    size_t n = to > from ? to - from : 0;
    if (n + extra > 0) {
        res->u.seq.items = arena_alloc(c->a, (n + extra) * sizeof(struct val *));
        res->u.seq.cap = (uint32_t)(n + extra);
    }
    for (size_t i = from; i < to; i++)
        res->u.seq.items[res->u.seq.len++] = sprig_list_at(c, l, i);
    return res;
}

static int
fn_list(struct tmpl_call *c, struct val **out)
{
    struct val *res = tmpl_mklist(c);
    if (c->argc) {
        res->u.seq.items = arena_alloc(c->a, c->argc * sizeof(struct val *));
        res->u.seq.cap = (uint32_t)c->argc;
        memcpy(res->u.seq.items, c->argv, c->argc * sizeof(struct val *));
        res->u.seq.len = (uint32_t)c->argc;
    }
    *out = res;
    return 0;
}

static int
fn_push(struct tmpl_call *c, struct val **out)
{
    struct sprig_list l;
    int rc = need_list(c, c->argv[0], &l, "Cannot push on type %s");
    if (rc)
        return rc;
    struct val *res = list_copy(c, &l, 0, l.n, 1);
    val_seq_push(c->a, res, c->argv[1]);
    *out = res;
    return 0;
}

static int
fn_prepend(struct tmpl_call *c, struct val **out)
{
    struct sprig_list l;
    int rc = need_list(c, c->argv[0], &l, "Cannot prepend on type %s");
    if (rc)
        return rc;
    struct val *res = tmpl_mklist(c);
    res->u.seq.items = arena_alloc(c->a, (l.n + 1) * sizeof(struct val *));
    res->u.seq.cap = (uint32_t)(l.n + 1);
    res->u.seq.items[res->u.seq.len++] = c->argv[1];
    for (size_t i = 0; i < l.n; i++)
        res->u.seq.items[res->u.seq.len++] = sprig_list_at(c, &l, i);
    *out = res;
    return 0;
}

static int
fn_chunk(struct tmpl_call *c, struct val **out)
{
    int64_t size = tmpl_arg_int(c, 0);
    struct sprig_list l;
    int rc = need_list(c, c->argv[1], &l, "Cannot chunk type %s");
    if (rc)
        return rc;
    int64_t n = (int64_t)l.n;
    int64_t cs = sprig_go_int_of_float(floor((double)(n - 1) / (double)size) + 1);
    if (cs < 0 || cs > (int64_t)SPRIG_MAX_STRING)
        return tmpl_fail(c, "runtime error: makeslice: len out of range");
    struct val *res = tmpl_mklist(c);
    res->gotype = TMPL_GO_LISTS;
    for (int64_t i = 0; i < cs; i++) {
        int64_t clen = size;
        if (i == cs - 1) {
            clen = sprig_go_int_of_float(floor(fmod((double)n, (double)size)));
            if (clen == 0)
                clen = size;
        }
        if (clen < 0)
            return tmpl_fail(c, "runtime error: makeslice: len out of range");
        struct val *ch = tmpl_mklist(c);
        for (int64_t j = 0; j < clen; j++) {
            int64_t ix = i * size + j;
            if (ix < 0 || ix >= n)
                return tmpl_fail(c, "reflect: slice index out of range");
            val_seq_push(c->a, ch, sprig_list_at(c, &l, (size_t)ix));
        }
        val_seq_push(c->a, res, ch);
    }
    *out = res;
    return 0;
}

static int
fn_last(struct tmpl_call *c, struct val **out)
{
    struct sprig_list l;
    int rc = need_list(c, c->argv[0], &l, "Cannot find last on type %s");
    if (rc)
        return rc;
    *out = l.n ? sprig_list_at(c, &l, l.n - 1) : tmpl_mknil(c);
    return 0;
}

static int
fn_first(struct tmpl_call *c, struct val **out)
{
    struct sprig_list l;
    int rc = need_list(c, c->argv[0], &l, "Cannot find first on type %s");
    if (rc)
        return rc;
    *out = l.n ? sprig_list_at(c, &l, 0) : tmpl_mknil(c);
    return 0;
}

/* NEEDSWORK: Sprig returns a nil slice for rest/initial of an empty list,
 * which toJson prints as null; pkg's value model has no nil slices. */
static int
fn_rest(struct tmpl_call *c, struct val **out)
{
    struct sprig_list l;
    int rc = need_list(c, c->argv[0], &l, "Cannot find rest on type %s");
    if (rc)
        return rc;
    /* Sprig returns nil for an empty list, a fresh slice otherwise. */
    *out = list_copy(c, &l, 1, l.n, 0);
    if (l.n == 0)
        tmpl_mark_nil(*out);
    return 0;
}

static int
fn_initial(struct tmpl_call *c, struct val **out)
{
    struct sprig_list l;
    int rc = need_list(c, c->argv[0], &l, "Cannot find initial on type %s");
    if (rc)
        return rc;
    *out = list_copy(c, &l, 0, l.n ? l.n - 1 : 0, 0);
    if (l.n == 0)
        tmpl_mark_nil(*out);
    return 0;
}

static int
fn_reverse(struct tmpl_call *c, struct val **out)
{
    struct sprig_list l;
    int rc = need_list(c, c->argv[0], &l, "Cannot find reverse on type %s");
    if (rc)
        return rc;
    struct val *res = list_copy(c, &l, 0, l.n, 0);
    for (size_t i = 0, j = l.n; i + 1 < j; i++, j--) {
        struct val *t = res->u.seq.items[i];
        res->u.seq.items[i] = res->u.seq.items[j - 1];
        res->u.seq.items[j - 1] = t;
    }
    *out = res;
    return 0;
}

static int
fn_compact(struct tmpl_call *c, struct val **out)
{
    struct sprig_list l;
    int rc = need_list(c, c->argv[0], &l, "Cannot compact on type %s");
    if (rc)
        return rc;
    struct val *res = tmpl_mklist(c);
    for (size_t i = 0; i < l.n; i++) {
        struct val *e = sprig_list_at(c, &l, i);
        if (!sprig_empty(e))
            val_seq_push(c->a, res, e);
    }
    *out = res;
    return 0;
}

static bool
in_list(struct val *const *hay, size_t n, const struct val *needle)
{
    for (size_t i = 0; i < n; i++)
        if (sprig_deep_equal(needle, hay[i]))
            return true;
    return false;
}

static int
fn_uniq(struct tmpl_call *c, struct val **out)
{
    struct sprig_list l;
    int rc = need_list(c, c->argv[0], &l, "Cannot find uniq on type %s");
    if (rc)
        return rc;
    struct val *res = tmpl_mklist(c);
    for (size_t i = 0; i < l.n; i++) {
        struct val *e = sprig_list_at(c, &l, i);
        if (!in_list(res->u.seq.items, res->u.seq.len, e))
            val_seq_push(c->a, res, e);
    }
    *out = res;
    return 0;
}

static int
fn_without(struct tmpl_call *c, struct val **out)
{
    struct sprig_list l;
    int rc = need_list(c, c->argv[0], &l, "Cannot find without on type %s");
    if (rc)
        return rc;
    struct val *res = tmpl_mklist(c);
    for (size_t i = 0; i < l.n; i++) {
        struct val *e = sprig_list_at(c, &l, i);
        if (!in_list(c->argv + 1, c->argc - 1, e))
            val_seq_push(c->a, res, e);
    }
    *out = res;
    return 0;
}

static int
fn_has(struct tmpl_call *c, struct val **out)
{
    const struct val *hay = c->argv[1];
    if (hay->kind == VAL_NULL) {
        *out = tmpl_mkbool(c, false);
        return 0;
    }
    struct sprig_list l;
    int rc = need_list(c, hay, &l, "Cannot find has on type %s");
    if (rc)
        return rc;
    bool found = false;
    for (size_t i = 0; i < l.n && !found; i++)
        found = sprig_deep_equal(c->argv[0], sprig_list_at(c, &l, i));
    *out = tmpl_mkbool(c, found);
    return 0;
}

static int
fn_slice(struct tmpl_call *c, struct val **out)
{
    struct val *v = c->argv[0];
    struct sprig_list l;
    int rc = need_list(c, v, &l, "list should be type of slice or array but %s");
    if (rc)
        return rc;
    if (l.n == 0) {
        *out = tmpl_mknil(c);
        return 0;
    }
    int64_t start = 0, end = (int64_t)l.n;
    if (c->argc > 1)
        start = tmpl_cast_int64(c->argv[1]);
    if (c->argc > 2)
        end = tmpl_cast_int64(c->argv[2]);
    if (start < 0 || end < start || end > (int64_t)l.n)
        return tmpl_fail(c, "reflect.Value.Slice: slice index out of bounds");
    if (l.bytes) {
        struct val *r = val_str(c->a, (const char *)l.bytes + start, (size_t)(end - start));
        r->gotype = VAL_GO_BYTES;
        *out = r;
        return 0;
    }
    struct val *r = list_copy(c, &l, (size_t)start, (size_t)end, 0);
    r->gotype = v->kind == VAL_SEQ ? v->gotype : VAL_GO_AUTO;
    *out = r;
    return 0;
}

static int
fn_concat(struct tmpl_call *c, struct val **out)
{
    struct val *res = tmpl_mklist(c);
    for (size_t k = 0; k < c->argc; k++) {
        struct sprig_list l;
        int rc = need_list(c, c->argv[k], &l, "Cannot concat type %s as list");
        if (rc)
            return rc;
        for (size_t i = 0; i < l.n; i++)
            val_seq_push(c->a, res, sprig_list_at(c, &l, i));
    }
    /* `var res []interface{}` stays nil when nothing was appended. */
    *out = tmpl_mark_nil(res);
    return 0;
}

static int
cmp_str_vals(const void *a, const void *b)
{
    const struct val *x = *(struct val *const *)a, *y = *(struct val *const *)b;
    size_t n = x->u.s.len < y->u.s.len ? x->u.s.len : y->u.s.len;
    int r = memcmp(x->u.s.ptr, y->u.s.ptr, n);
    if (r)
        return r;
    return x->u.s.len < y->u.s.len ? -1 : x->u.s.len > y->u.s.len;
}

static int
fn_sort_alpha(struct tmpl_call *c, struct val **out)
{
    struct val *v = c->argv[0];
    struct sprig_list l;
    if (!sprig_list_of(c, v, &l)) {
        struct sb sb = SB_INIT;
        tmpl_strval(&sb, v);
        struct val *res = tmpl_mkstrings(c);
        val_seq_push(c->a, res, tmpl_mkstr(c, sb.buf, sb.len));
        sb_release(&sb);
        *out = res;
        return 0;
    }
    struct val *s = sprig_strslice(c, v);
    struct val *res = tmpl_mkstrings(c);
    for (uint32_t i = 0; i < s->u.seq.len; i++)
        val_seq_push(c->a, res, s->u.seq.items[i]);
    if (res->u.seq.len > 1)
        qsort(res->u.seq.items, res->u.seq.len, sizeof(struct val *), cmp_str_vals);
    *out = res;
    return 0;
}

const struct tmpl_func tmpl_funcs_sprig_lists[] = {
    {"list", fn_list, "func(...interface {}) []interface {}"},
    {"tuple", fn_list, "func(...interface {}) []interface {}"},
    {"append", fn_push, "func(interface {}, interface {}) []interface {}"},
    {"push", fn_push, "func(interface {}, interface {}) []interface {}"},
    {"mustAppend", fn_push, "func(interface {}, interface {}) ([]interface {}, error)"},
    {"mustPush", fn_push, "func(interface {}, interface {}) ([]interface {}, error)"},
    {"prepend", fn_prepend, "func(interface {}, interface {}) []interface {}"},
    {"mustPrepend", fn_prepend, "func(interface {}, interface {}) ([]interface {}, error)"},
    {"first", fn_first, "func(interface {}) interface {}"},
    {"mustFirst", fn_first, "func(interface {}) (interface {}, error)"},
    {"rest", fn_rest, "func(interface {}) []interface {}"},
    {"mustRest", fn_rest, "func(interface {}) ([]interface {}, error)"},
    {"last", fn_last, "func(interface {}) interface {}"},
    {"mustLast", fn_last, "func(interface {}) (interface {}, error)"},
    {"initial", fn_initial, "func(interface {}) []interface {}"},
    {"mustInitial", fn_initial, "func(interface {}) ([]interface {}, error)"},
    {"reverse", fn_reverse, "func(interface {}) []interface {}"},
    {"mustReverse", fn_reverse, "func(interface {}) ([]interface {}, error)"},
    {"uniq", fn_uniq, "func(interface {}) []interface {}"},
    {"mustUniq", fn_uniq, "func(interface {}) ([]interface {}, error)"},
    {"without", fn_without, "func(interface {}, ...interface {}) []interface {}"},
    {"mustWithout", fn_without, "func(interface {}, ...interface {}) ([]interface {}, error)"},
    {"has", fn_has, "func(interface {}, interface {}) bool"},
    {"mustHas", fn_has, "func(interface {}, interface {}) (bool, error)"},
    {"slice", fn_slice, "func(interface {}, ...interface {}) interface {}"},
    {"mustSlice", fn_slice, "func(interface {}, ...interface {}) (interface {}, error)"},
    {"concat", fn_concat, "func(...interface {}) interface {}"},
    {"chunk", fn_chunk, "func(int, interface {}) [][]interface {}"},
    {"mustChunk", fn_chunk, "func(int, interface {}) ([][]interface {}, error)"},
    {"compact", fn_compact, "func(interface {}) []interface {}"},
    {"mustCompact", fn_compact, "func(interface {}) ([]interface {}, error)"},
    {"sortAlpha", fn_sort_alpha, "func(interface {}) []string"},
    {NULL, NULL, NULL},
};
