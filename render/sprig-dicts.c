/* Sprig's dict functions (dict.go): dict, get, set, unset, hasKey, pluck,
 * keys, pick, omit, values, dig, deepCopy (mitchellh/copystructure) and
 * merge/mergeOverwrite with dario.cat/mergo v1.0.1's exact rules for
 * map[string]interface {}.
 *
 * Go's maps are references: set, unset and merge change the map they are
 * given, and everyone holding it sees the change, as in Go. Go ranges over
 * maps in random order, so keys and values have no defined order there;
 * pkg gives them in the map's insertion order. */
#include "render/sprig.h"

#include <string.h>

static int
fn_dict(struct tmpl_call *c, struct val **out)
{
    struct val *m = tmpl_mkmap(c);
    struct sb sb = SB_INIT;
    for (size_t i = 0; i < c->argc; i += 2) {
        const struct val *k = c->argv[i];
        const char *kp;
        size_t kn;
        if (k->kind == VAL_STRING) {
            kp = k->u.s.ptr;
            kn = k->u.s.len;
        } else {
            sb_reset(&sb);
            tmpl_strval(&sb, k);
            kp = sb.buf;
            kn = sb.len;
        }
        struct val *v = i + 1 < c->argc ? c->argv[i + 1] : val_str_nocopy(c->a, "", 0);
        val_map_set(c->a, m, kp, kn, v);
    }
    sb_release(&sb);
    *out = m;
    return 0;
}

static int
fn_get(struct tmpl_call *c, struct val **out)
{
    size_t kn;
    const char *k = tmpl_arg_str(c, 1, &kn);
    struct val *v = val_map_get(c->argv[0], k, kn);
    *out = v ? v : val_str_nocopy(c->a, "", 0);
    return 0;
}

static int
fn_set(struct tmpl_call *c, struct val **out)
{
    struct val *m = c->argv[0];
    size_t kn;
    const char *k = tmpl_arg_str(c, 1, &kn);
    if (m->flags & (VAL_F_READONLY | VAL_F_NIL))
        return tmpl_fail(c, "assignment to entry in nil map");
    val_map_set(c->a, m, k, kn, c->argv[2]);
    *out = m;
    return 0;
}

static int
fn_unset(struct tmpl_call *c, struct val **out)
{
    struct val *m = c->argv[0];
    size_t kn;
    const char *k = tmpl_arg_str(c, 1, &kn);
    if (!(m->flags & VAL_F_READONLY))
        val_map_del(m, k, kn);
    *out = m;
    return 0;
}

static int
fn_has_key(struct tmpl_call *c, struct val **out)
{
    size_t kn;
    const char *k = tmpl_arg_str(c, 1, &kn);
    *out = tmpl_mkbool(c, val_map_find(c->argv[0], k, kn) >= 0);
    return 0;
}

static int
fn_pluck(struct tmpl_call *c, struct val **out)
{
    size_t kn;
    const char *k = tmpl_arg_str(c, 0, &kn);
    struct val *res = tmpl_mklist(c);
    for (size_t i = 1; i < c->argc; i++) {
        struct val *v = val_map_get(c->argv[i], k, kn);
        if (v)
            val_seq_push(c->a, res, v);
    }
    *out = res;
    return 0;
}

static int
fn_keys(struct tmpl_call *c, struct val **out)
{
    struct val *res = tmpl_mkstrings(c);
    for (size_t i = 0; i < c->argc; i++) {
        const struct val *m = c->argv[i];
        for (uint32_t j = 0; j < m->u.map.len; j++) {
            struct val *k = m->u.map.ents[j].key;
            if (k->gotype != VAL_GO_AUTO)
                k = val_str_nocopy(c->a, k->u.s.ptr, k->u.s.len);
            val_seq_push(c->a, res, k);
        }
    }
    *out = res;
    return 0;
}

static int
fn_values(struct tmpl_call *c, struct val **out)
{
    const struct val *m = c->argv[0];
    struct val *res = tmpl_mklist(c);
    for (uint32_t j = 0; j < m->u.map.len; j++)
        val_seq_push(c->a, res, m->u.map.ents[j].v);
    *out = res;
    return 0;
}

static int
fn_pick(struct tmpl_call *c, struct val **out)
{
    const struct val *m = c->argv[0];
    struct val *res = tmpl_mkmap(c);
    for (size_t i = 1; i < c->argc; i++) {
        const struct val *k = c->argv[i];
        struct val *v = val_map_get(m, k->u.s.ptr, k->u.s.len);
        if (v)
            val_map_set(c->a, res, k->u.s.ptr, k->u.s.len, v);
    }
    *out = res;
    return 0;
}

static int
fn_omit(struct tmpl_call *c, struct val **out)
{
    const struct val *m = c->argv[0];
    struct val *res = tmpl_mkmap(c);
    for (uint32_t j = 0; j < m->u.map.len; j++) {
        const struct val *k = m->u.map.ents[j].key;
        bool skip = false;
        for (size_t i = 1; i < c->argc && !skip; i++)
            skip = c->argv[i]->u.s.len == k->u.s.len &&
                   !memcmp(c->argv[i]->u.s.ptr, k->u.s.ptr, k->u.s.len);
        if (!skip)
            val_map_set(c->a, res, k->u.s.ptr, k->u.s.len, m->u.map.ents[j].v);
    }
    *out = res;
    return 0;
}

/* ---- mergo ---- */

#define MERGE_MAX_DEPTH 10000

/* mergo.deepMerge for two map[string]interface {} (per key of src):
 *  - a nil src value is skipped, or set with overwrite;
 *  - a src map into a dst map merges recursively (in place); an empty dst
 *    map that stays empty takes the src map;
 *  - otherwise the src value is set when overwriting, or when dst has no
 *    such key, or dst's value is empty (nil, false, 0, "", empty
 *    collection) — a non-empty dst value stays with Merge. */
static void
mergo_merge(struct arena *a, struct val *dst, const struct val *src, bool overwrite, int depth)
{
    if (depth > MERGE_MAX_DEPTH || dst == src)
        return;
    for (uint32_t i = 0; i < src->u.map.len; i++) {
        const struct val *k = src->u.map.ents[i].key;
        struct val *s = src->u.map.ents[i].v;
        long j = val_map_find(dst, k->u.s.ptr, k->u.s.len);
        struct val *d = j >= 0 ? dst->u.map.ents[j].v : NULL;
        if (s->kind == VAL_NULL) {
            if (overwrite)
                val_map_set(a, dst, k->u.s.ptr, k->u.s.len, s);
            continue;
        }
        if (s->kind == VAL_MAP && d && d->kind == VAL_MAP && !(d->flags & VAL_F_READONLY)) {
            mergo_merge(a, d, s, overwrite, depth + 1);
            if (!sprig_empty(d))
                continue;
        }
        if (overwrite || !d || sprig_empty(d))
            val_map_set(a, dst, k->u.s.ptr, k->u.s.len, s);
    }
}

static int
merge_impl(struct tmpl_call *c, struct val **out, bool overwrite)
{
    struct val *dst = c->argv[0];
    if ((dst->flags & (VAL_F_READONLY | VAL_F_NIL)) && c->argc > 1) {
        /* a nil dst: mergo makes a new map at the first source */
        dst = tmpl_mkmap(c);
    }
    for (size_t i = 1; i < c->argc; i++)
        mergo_merge(c->a, dst, c->argv[i], overwrite, 0);
    *out = dst;
    return 0;
}

static int
fn_merge(struct tmpl_call *c, struct val **out)
{
    return merge_impl(c, out, false);
}

static int
fn_merge_overwrite(struct tmpl_call *c, struct val **out)
{
    return merge_impl(c, out, true);
}

/* ---- deepCopy ---- */

/* copystructure.Copy: new maps and slices all the way down; scalars and
 * strings are immutable and shared */
static struct val *
deep_copy(struct arena *a, struct val *v, int depth)
{
    if (depth > MERGE_MAX_DEPTH)
        return v;
    struct val *c;
    switch (v->kind) {
    case VAL_SEQ:
        c = arena_memdup(a, v, sizeof(*v));
        c->flags &= (uint8_t)~VAL_F_READONLY;
        c->u.seq.cap = v->u.seq.len;
        c->u.seq.items = v->u.seq.len ? arena_alloc(a, v->u.seq.len * sizeof(struct val *)) : NULL;
        for (uint32_t i = 0; i < v->u.seq.len; i++)
            c->u.seq.items[i] = deep_copy(a, v->u.seq.items[i], depth + 1);
        return c;
    case VAL_MAP:
        c = val_map(a);
        c->gotype = v->gotype;
        c->flags = v->flags & VAL_F_NIL; /* a nil map stays nil */
        for (uint32_t i = 0; i < v->u.map.len; i++)
            val_map_append(a, c, v->u.map.ents[i].key, deep_copy(a, v->u.map.ents[i].v, depth + 1));
        return c;
    default:
        return v;
    }
}

static int
fn_deep_copy(struct tmpl_call *c, struct val **out)
{
    const struct val *v = c->argv[0];
    if (v->kind == VAL_NULL)
        return tmpl_fail(c, "reflect: call of reflect.Value.Type on zero Value");
    *out = deep_copy(c->a, c->argv[0], 0);
    return 0;
}

/* ---- dig ---- */

/* A type assertion's panic: "interface conversion: interface {} is T, not W" */
static int
conversion_error(struct tmpl_call *c, const struct val *v, const char *want)
{
    return tmpl_fail(c, "interface conversion: interface {} is %s, not %s",
                     v->kind == VAL_NULL ? "nil" : tmpl_typename(v), want);
}

static bool
is_plain_map(const struct val *v)
{
    return v->kind == VAL_MAP && v->gotype == VAL_GO_AUTO;
}

static int
fn_dig(struct tmpl_call *c, struct val **out)
{
    if (c->argc < 3)
        return tmpl_fail(c, "dig needs at least three arguments");
    const struct val *dict = c->argv[c->argc - 1];
    if (!is_plain_map(dict))
        return conversion_error(c, dict, "map[string]interface {}");
    struct val *def = c->argv[c->argc - 2];
    size_t nk = c->argc - 2;
    for (size_t i = 0; i < nk; i++)
        if (c->argv[i]->kind != VAL_STRING || c->argv[i]->gotype != VAL_GO_AUTO)
            return conversion_error(c, c->argv[i], "string");
    for (size_t i = 0; i < nk; i++) {
        const struct val *k = c->argv[i];
        struct val *step = val_map_get(dict, k->u.s.ptr, k->u.s.len);
        if (!step) {
            *out = def;
            return 0;
        }
        if (i + 1 == nk) {
            *out = step;
            return 0;
        }
        if (!is_plain_map(step))
            return conversion_error(c, step, "map[string]interface {}");
        dict = step;
    }
    *out = def;
    return 0;
}

const struct tmpl_func tmpl_funcs_sprig_dicts[] = {
    {"dict", fn_dict, "func(...interface {}) map[string]interface {}"},
    {"get", fn_get, "func(map[string]interface {}, string) interface {}"},
    {"set", fn_set, "func(map[string]interface {}, string, interface {}) map[string]interface {}"},
    {"unset", fn_unset, "func(map[string]interface {}, string) map[string]interface {}"},
    {"hasKey", fn_has_key, "func(map[string]interface {}, string) bool"},
    {"pluck", fn_pluck, "func(string, ...map[string]interface {}) []interface {}"},
    {"keys", fn_keys, "func(...map[string]interface {}) []string"},
    {"pick", fn_pick, "func(map[string]interface {}, ...string) map[string]interface {}"},
    {"omit", fn_omit, "func(map[string]interface {}, ...string) map[string]interface {}"},
    {"values", fn_values, "func(map[string]interface {}) []interface {}"},
    {"merge", fn_merge, "func(map[string]interface {}, ...map[string]interface {}) interface {}"},
    {"mustMerge", fn_merge,
     "func(map[string]interface {}, ...map[string]interface {}) (interface {}, error)"},
    {"mergeOverwrite", fn_merge_overwrite,
     "func(map[string]interface {}, ...map[string]interface {}) interface {}"},
    {"mustMergeOverwrite", fn_merge_overwrite,
     "func(map[string]interface {}, ...map[string]interface {}) (interface {}, error)"},
    {"deepCopy", fn_deep_copy, "func(interface {}) interface {}"},
    {"mustDeepCopy", fn_deep_copy, "func(interface {}) (interface {}, error)"},
    {"dig", fn_dig, "func(...interface {}) (interface {}, error)"},
    {NULL, NULL, NULL},
};
