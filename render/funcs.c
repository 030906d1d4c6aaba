/* The function table and Go's builtin functions: the registry of every
 * row of render/func-tables.h with parsed signatures, the helpers
 * implementations use (arguments, results, Go's type names, Sprig's cast
 * conversions), and the rows of Go's builtins: and, or, not, len, index,
 * slice, call, print, printf, println, html, js, urlquery, eq, ne, lt, le,
 * gt, ge — with Go's messages. */
#include "render/exec.h"

#include "core/hash.h"
#include "core/text.h"
#include "core/xalloc.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- signatures ---- */

static const struct {
    const char *name;
    enum tmpl_type type;
} type_names[] = {
    {"interface {}", TMPL_T_ANY},
    {"interface{}", TMPL_T_ANY},
    {"any", TMPL_T_ANY},
    {"reflect.Value", TMPL_T_VALUE},
    {"string", TMPL_T_STRING},
    {"bool", TMPL_T_BOOL},
    {"int", TMPL_T_INT},
    {"int64", TMPL_T_INT64},
    {"uint32", TMPL_T_UINT32},
    {"float64", TMPL_T_FLOAT64},
    {"[]interface {}", TMPL_T_LIST},
    {"[]interface{}", TMPL_T_LIST},
    {"[]string", TMPL_T_STRINGS},
    {"[]int", TMPL_T_INTS},
    {"[]uint8", TMPL_T_BYTES},
    {"[]byte", TMPL_T_BYTES},
    {"map[string]interface {}", TMPL_T_MAP},
    {"map[string]interface{}", TMPL_T_MAP},
    {"map[string]string", TMPL_T_STRMAP},
    {"time.Time", TMPL_T_TIME},
    {"time.Duration", TMPL_T_DURATION},
    {"error", TMPL_T_ERROR},
};

/* Object types that functions and methods take as parameters. */
static const char *const obj_param_types[] = {
    "sprig.certificate",                /* genSignedCert's CA */
    "*semver.Version",                  /* Version.Compare, LessThan, ... */
    "semver.Version", "*time.Location", /* Time.In */
};

const char *
tmpl_obj_param_name(int t)
{
    size_t k = (size_t)(t - TMPL_T_OBJ);
    if (t < TMPL_T_OBJ || k >= sizeof(obj_param_types) / sizeof(obj_param_types[0]))
        return "?";
    return obj_param_types[k];
}

static int
type_lookup(const char *s, size_t n, bool result)
{
    for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
        if (strlen(type_names[i].name) == n && !memcmp(type_names[i].name, s, n))
            return (int)type_names[i].type;
    for (size_t i = 0; !result && i < sizeof(obj_param_types) / sizeof(obj_param_types[0]); i++)
        if (strlen(obj_param_types[i]) == n && !memcmp(obj_param_types[i], s, n))
            return TMPL_T_OBJ + (int)i;
    if (result)
        return TMPL_T_OTHER;
    fprintf(stderr, "render: unknown parameter type \"%.*s\"\n", (int)n, s);
    abort();
}

/* Splits a comma-separated type list, ignoring commas inside brackets. */
static const char *
next_type(const char *p, const char *end, const char **ts, size_t *tn)
{
    while (p < end && *p == ' ')
        p++;
    const char *s = p;
    int depth = 0;
    while (p < end && (depth > 0 || *p != ',')) {
        if (*p == '[' || *p == '(' || *p == '{')
            depth++;
        else if (*p == ']' || *p == ')' || *p == '}')
            depth--;
        p++;
    }
    const char *e = p;
    while (e > s && e[-1] == ' ')
        e--;
    *ts = s;
    *tn = (size_t)(e - s);
    if (p < end)
        p++;
    return p;
}

void
tmpl_sig_parse(struct tmpl_sig *sig, const char *text)
{
    memset(sig, 0, sizeof(*sig));
    if (strncmp(text, "func(", 5) != 0)
        goto bad;
    const char *p = text + 5;
    const char *close = p;
    int depth = 1;
    while (*close && depth > 0) {
        if (*close == '(')
            depth++;
        else if (*close == ')')
            depth--;
        if (depth > 0)
            close++;
    }
    if (!*close)
        goto bad;
    while (p < close) {
        const char *ts;
        size_t tn;
        p = next_type(p, close, &ts, &tn);
        if (tn == 0)
            continue;
        if (sig->nin >= TMPL_MAX_PARAMS)
            goto bad;
        if (tn > 3 && !memcmp(ts, "...", 3)) {
            sig->variadic = true;
            ts += 3;
            tn -= 3;
        }
        sig->in[sig->nin++] = (uint8_t)type_lookup(ts, tn, false);
    }
    const char *r = close + 1;
    while (*r == ' ')
        r++;
    if (*r == '(') {
        const char *re = strrchr(r, ')');
        if (!re)
            goto bad;
        const char *ts;
        size_t tn;
        const char *q = next_type(r + 1, re, &ts, &tn);
        sig->out = (uint8_t)type_lookup(ts, tn, true);
        sig->nout = 1;
        q = next_type(q, re, &ts, &tn);
        if (tn) {
            sig->returns_error = true;
            sig->nout = 2;
            if (tn != 5 || memcmp(ts, "error", 5) != 0) {
                sig->bad_results = true;
                snprintf(sig->bad2, sizeof(sig->bad2), "%.*s", (int)tn, ts);
            }
            while (q < re) {
                q = next_type(q, re, &ts, &tn);
                if (tn) {
                    sig->nout++;
                    sig->bad_results = true;
                }
            }
        }
    } else {
        sig->out = (uint8_t)type_lookup(r, strlen(r), true);
    }
    return;
bad:
    fprintf(stderr, "render: bad signature \"%s\"\n", text);
    abort();
}

/* ---- the registry ---- */

enum { NS_BUILTIN, NS_HELM };

#define TMPL_FUNC_TABLE(sym, ns) extern const struct tmpl_func sym[];
#include "render/func-tables.h"
#undef TMPL_FUNC_TABLE

static const struct {
    const struct tmpl_func *rows;
    int ns;
} tables[] = {
#define TMPL_FUNC_TABLE(sym, ns) {sym, NS_##ns},
#include "render/func-tables.h"
#undef TMPL_FUNC_TABLE
};

/* A row and its signature, parsed on the first lookup of the row (a
 * template uses a few dozen of the ~250 functions; parsing them all cost a
 * tenth of a small chart's render). The parsed signature is published
 * atomically: parses run on several threads, and a thread that loses the
 * race frees its own copy. Slots stay small (the table is touched by every
 * render: a page is ~2.5 us to fault in here). */
struct fentry {
    const struct tmpl_func *fn;
    uint32_t hash, len; /* of fn->name: probes compare these before the name */
    struct tmpl_sig *sig;
};

static const struct tmpl_sig *
fentry_sig(struct fentry *e)
{
    struct tmpl_sig *s = __atomic_load_n(&e->sig, __ATOMIC_ACQUIRE);
    if (s)
        return s;
    struct tmpl_sig *mine = xmalloc(sizeof(*mine));
    tmpl_sig_parse(mine, e->fn->sig);
    if (__atomic_compare_exchange_n(&e->sig, &s, mine, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return mine;
    free(mine);
    return s;
}

struct ftable {
    struct fentry *slots;
    size_t cap;
};

static struct ftable registry[2];
static pthread_once_t registry_once = PTHREAD_ONCE_INIT;

static struct fentry *
ft_slot(const struct ftable *t, const char *name, size_t n)
{
    uint64_t h = hash_bytes(name, n);
    size_t i = h & (t->cap - 1);
    for (;;) {
        struct fentry *e = &t->slots[i];
        if (!e->fn || (e->hash == (uint32_t)h && e->len == n && !memcmp(e->fn->name, name, n)))
            return e;
        i = (i + 1) & (t->cap - 1);
    }
}

static void
registry_init(void)
{
    for (int ns = 0; ns < 2; ns++) {
        size_t count = 0;
        for (size_t k = 0; k < sizeof(tables) / sizeof(tables[0]); k++)
            if (tables[k].ns == ns)
                for (const struct tmpl_func *f = tables[k].rows; f->name; f++)
                    count++;
        size_t cap = 16;
        while (cap < count * 2 + 2)
            cap *= 2;
        registry[ns].cap = cap;
        registry[ns].slots = calloc(cap, sizeof(struct fentry));
        if (!registry[ns].slots)
            abort();
        for (size_t k = 0; k < sizeof(tables) / sizeof(tables[0]); k++) {
            if (tables[k].ns != ns)
                continue;
            for (const struct tmpl_func *f = tables[k].rows; f->name; f++) {
                size_t n = strlen(f->name);
                struct fentry *e = ft_slot(&registry[ns], f->name, n);
                e->fn = f; /* later rows override earlier ones */
                e->hash = (uint32_t)hash_bytes(f->name, n);
                e->len = (uint32_t)n;
            }
        }
    }
}

const struct tmpl_func *
tmpl_func_find(enum tmpl_funcset set, const char *name, size_t len, const struct tmpl_sig **sig,
               bool *builtin)
{
    pthread_once(&registry_once, registry_init);
    if (set == TMPL_FUNCS_HELM) {
        struct fentry *e = ft_slot(&registry[NS_HELM], name, len);
        if (e->fn) {
            if (sig)
                *sig = fentry_sig(e);
            if (builtin)
                *builtin = false;
            return e->fn;
        }
    }
    struct fentry *e = ft_slot(&registry[NS_BUILTIN], name, len);
    if (e->fn) {
        if (sig)
            *sig = fentry_sig(e);
        if (builtin)
            *builtin = true;
        return e->fn;
    }
    return NULL;
}

/* Methods' signatures, parsed once per method row. */
static pthread_mutex_t msig_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    const struct tmpl_method *m;
    struct tmpl_sig *sig; /* stable: callers keep the pointer */
} * msig_slots;
static size_t msig_cap, msig_used;

const struct tmpl_sig *
tmpl_method_sig(const struct tmpl_method *m)
{
    pthread_mutex_lock(&msig_lock);
    if ((msig_used + 1) * 2 > msig_cap) {
        size_t nc = msig_cap ? msig_cap * 2 : 64;
        __typeof__(msig_slots) ns = calloc(nc, sizeof(*ns));
        if (!ns)
            abort();
        for (size_t i = 0; i < msig_cap; i++) {
            if (!msig_slots[i].m)
                continue;
            size_t k = ((uintptr_t)msig_slots[i].m >> 4) & (nc - 1);
            while (ns[k].m)
                k = (k + 1) & (nc - 1);
            ns[k] = msig_slots[i];
        }
        free(msig_slots);
        msig_slots = ns;
        msig_cap = nc;
    }
    size_t k = ((uintptr_t)m >> 4) & (msig_cap - 1);
    while (msig_slots[k].m && msig_slots[k].m != m)
        k = (k + 1) & (msig_cap - 1);
    if (!msig_slots[k].m) {
        msig_slots[k].m = m;
        msig_slots[k].sig = malloc(sizeof(struct tmpl_sig));
        if (!msig_slots[k].sig)
            abort();
        tmpl_sig_parse(msig_slots[k].sig, m->sig);
        msig_used++;
    }
    const struct tmpl_sig *r = msig_slots[k].sig;
    pthread_mutex_unlock(&msig_lock);
    return r;
}

/* ---- helpers for implementations ---- */

int
tmpl_vfail(struct tmpl_call *c, const char *fmt, va_list ap)
{
    struct sb sb = SB_INIT;
    sb_vaddf(&sb, fmt, ap);
    c->errmsg = arena_strndup(c->a, sb.buf, sb.len);
    sb_release(&sb);
    return PKG_EINVAL;
}

int
tmpl_fail(struct tmpl_call *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = tmpl_vfail(c, fmt, ap);
    va_end(ap);
    return rc;
}

int
tmpl_fail_code(struct tmpl_call *c, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tmpl_vfail(c, fmt, ap);
    va_end(ap);
    return code;
}

const char *
tmpl_arg_str(const struct tmpl_call *c, size_t i, size_t *len)
{
    const struct val *v = c->argv[i];
    if (len)
        *len = v->u.s.len;
    return v->u.s.ptr;
}

int64_t
tmpl_arg_int(const struct tmpl_call *c, size_t i)
{
    return c->argv[i]->u.i;
}

double
tmpl_arg_float(const struct tmpl_call *c, size_t i)
{
    return c->argv[i]->u.f;
}

bool
tmpl_arg_bool(const struct tmpl_call *c, size_t i)
{
    return c->argv[i]->u.b;
}

struct val *
tmpl_mkstr(struct tmpl_call *c, const char *p, size_t n)
{
    return val_str(c->a, p, n);
}

struct val *
tmpl_mkstrz(struct tmpl_call *c, const char *s)
{
    return val_str(c->a, s, strlen(s));
}

struct val *
tmpl_mkstr_sb(struct tmpl_call *c, struct sb *sb)
{
    struct val *v = val_str(c->a, sb->buf, sb->len);
    sb_reset(sb);
    return v;
}

/* Booleans are immutable: every result shares one of two read-only nodes. */
static struct val bool_true = {.kind = VAL_BOOL, .flags = VAL_F_READONLY, .u.b = true};
static struct val bool_false = {.kind = VAL_BOOL, .flags = VAL_F_READONLY, .u.b = false};

struct val *
tmpl_mkbool(struct tmpl_call *c, bool b)
{
    (void)c;
    return b ? &bool_true : &bool_false;
}

struct val *
tmpl_mkint(struct tmpl_call *c, int64_t i)
{
    return val_int(c->a, i);
}

struct val *
tmpl_mkint64(struct tmpl_call *c, int64_t i)
{
    struct val *v = val_int(c->a, i);
    v->gotype = VAL_GO_INT64;
    return v;
}

struct val *
tmpl_mkfloat(struct tmpl_call *c, double f)
{
    return val_float(c->a, f);
}

struct val *
tmpl_mklist(struct tmpl_call *c)
{
    return val_seq(c->a);
}

struct val *
tmpl_mkstrings(struct tmpl_call *c)
{
    struct val *v = val_seq(c->a);
    v->gotype = VAL_GO_STRINGS;
    return v;
}

struct val *
tmpl_mkmap(struct tmpl_call *c)
{
    return val_map(c->a);
}

struct val *
tmpl_mkstrmap(struct tmpl_call *c)
{
    struct val *v = val_map(c->a);
    v->gotype = VAL_GO_STRMAP;
    return v;
}

struct val *
tmpl_mark_nil(struct val *v)
{
    if ((v->kind == VAL_SEQ || v->kind == VAL_MAP) && val_len(v) == 0 &&
        !(v->flags & VAL_F_READONLY))
        v->flags |= VAL_F_NIL;
    return v;
}

struct val *
tmpl_mknil(struct tmpl_call *c)
{
    (void)c;
    return &tmpl_nil;
}

/* ---- Go's types ---- */

const struct tmpl_objtype *
tmpl_objtype_of(const struct val *v)
{
    if (!v || v->kind != VAL_OBJ)
        return NULL;
    /* Every VAL_OBJ that reaches templates is made with a tmpl_objtype. */
    return (const struct tmpl_objtype *)v->u.obj.type;
}

const char *
tmpl_typename(const struct val *v)
{
    if (!v)
        return "<nil>";
    switch (v->kind) {
    case VAL_NULL:
        return "<nil>";
    case VAL_BOOL:
        return "bool";
    case VAL_INT:
        switch (v->gotype) {
        case TMPL_GO_DURATION:
            return "time.Duration";
        case TMPL_GO_MONTH:
            return "time.Month";
        case TMPL_GO_WEEKDAY:
            return "time.Weekday";
        case VAL_GO_INT64:
            return "int64";
        case VAL_GO_INT32:
        case VAL_GO_RUNE:
            return "int32";
        case VAL_GO_UINT:
            return "uint";
        case VAL_GO_UINT64:
            return "uint64";
        case VAL_GO_UINT8:
            return "uint8";
        default:
            return "int";
        }
    case VAL_FLOAT:
        return v->gotype == VAL_GO_FLOAT32 ? "float32" : "float64";
    case VAL_STRING:
        return v->gotype == VAL_GO_BYTES ? "[]uint8" : "string";
    case VAL_SEQ:
        return v->gotype == VAL_GO_STRINGS         ? "[]string"
               : v->gotype == VAL_GO_INTS          ? "[]int"
               : v->gotype == TMPL_GO_LISTS        ? "[][]interface {}"
               : v->gotype == TMPL_GO_MAPS         ? "[]map[string]interface {}"
               : v->gotype == TMPL_GO_MAINTAINERS  ? "[]*chart.Maintainer"
               : v->gotype == TMPL_GO_DEPENDENCIES ? "[]*chart.Dependency"
                                                   : "[]interface {}";
    case VAL_MAP:
        return v->gotype == VAL_GO_STRMAP   ? "map[string]string"
               : v->gotype == VAL_GO_VALUES ? "chartutil.Values"
                                            : "map[string]interface {}";
    case VAL_OBJ:
        return v->u.obj.type->name;
    }
    return "<nil>";
}

const char *
tmpl_kindname(const struct val *v)
{
    if (!v)
        return "invalid";
    switch (v->kind) {
    case VAL_NULL:
        return "invalid";
    case VAL_INT:
        switch (v->gotype) {
        case VAL_GO_INT64:
        case TMPL_GO_DURATION:
            return "int64";
        case VAL_GO_INT32:
        case VAL_GO_RUNE:
            return "int32";
        case VAL_GO_UINT:
            return "uint";
        case VAL_GO_UINT64:
            return "uint64";
        case VAL_GO_UINT8:
            return "uint8";
        default:
            return "int";
        }
    case VAL_FLOAT:
        return v->gotype == VAL_GO_FLOAT32 ? "float32" : "float64";
    case VAL_STRING:
        return v->gotype == VAL_GO_BYTES ? "slice" : "string";
    case VAL_BOOL:
        return "bool";
    case VAL_SEQ:
        return "slice";
    case VAL_MAP:
        return "map";
    case VAL_OBJ: {
        const struct tmpl_objtype *ot = tmpl_objtype_of(v);
        switch (ot->kind) {
        case TMPL_OBJ_POINTER:
            return "ptr";
        case TMPL_OBJ_MAP:
            return "map";
        case TMPL_OBJ_SLICE:
            return "slice";
        default:
            return "struct";
        }
    }
    }
    return "invalid";
}

bool
tmpl_truth(const struct val *v)
{
    if (!v)
        return false;
    switch (v->kind) {
    case VAL_NULL:
        return false;
    case VAL_BOOL:
        return v->u.b;
    case VAL_INT:
        return v->u.i != 0;
    case VAL_FLOAT:
        return v->u.f != 0;
    case VAL_STRING:
        return v->u.s.len > 0;
    case VAL_SEQ:
        return v->u.seq.len > 0;
    case VAL_MAP:
        return v->u.map.len > 0;
    case VAL_OBJ: {
        const struct tmpl_objtype *ot = tmpl_objtype_of(v);
        if (ot->kind == TMPL_OBJ_MAP || ot->kind == TMPL_OBJ_SLICE) {
            struct arena *a = arena_new();
            struct val *c = ot->base.to_val ? ot->base.to_val(a, v) : NULL;
            bool t = c && val_len(c) > 0;
            arena_free(a);
            return t;
        }
        return true;
    }
    }
    return false;
}

/* ---- Sprig's conversions ---- */

void
tmpl_strval(struct sb *out, const struct val *v)
{
    if (v && v->kind == VAL_STRING) {
        sb_add(out, v->u.s.ptr, v->u.s.len);
        return;
    }
    tmpl_fmt_v(out, v);
}

/* tmpl_cast_int64, tmpl_cast_int and tmpl_cast_float64 are in
 * render/sprig-util.c, beside the strconv parsers they use. */

/* ---- Go's builtins ---- */

static struct tmpl_value
xv_concrete(struct val *v)
{
    struct tmpl_value r = {v, false};
    return r;
}

/* indirectInterface */
static struct tmpl_value
indirect_iface(struct tmpl_value v)
{
    if (v.iface) {
        v.iface = false;
        if (v.v && v.v->kind == VAL_NULL)
            v.v = NULL;
    }
    return v;
}

static int
fn_unreachable(struct tmpl_call *c, struct val **out)
{
    (void)out;
    return tmpl_fail(c, "unreachable");
}

static int
fn_not(struct tmpl_call *c, struct val **out)
{
    struct tmpl_value v = indirect_iface(c->xargv[0]);
    *out = tmpl_mkbool(c, !tmpl_value_truth(v));
    return 0;
}

static int
fn_call(struct tmpl_call *c, struct val **out)
{
    (void)out;
    struct tmpl_value fnv = indirect_iface(c->xargv[0]);
    if (!fnv.v)
        return tmpl_fail(c, "call of nil");
    /* Template data never hold Go functions. */
    return tmpl_fail(c, "non-function %s of type %s", c->callee ? c->callee : "",
                     tmpl_typename(fnv.v));
}

/* The type reflect shows after text/template's indirect(): a pointer
 * object's element type. */
static const char *
indirect_typename(const struct val *v)
{
    const char *n = tmpl_typename(v);
    const struct tmpl_objtype *ot = tmpl_objtype_of(v);
    if (ot && ot->kind == TMPL_OBJ_POINTER && n[0] == '*')
        return n + 1;
    return n;
}

static int
fn_len(struct tmpl_call *c, struct val **out)
{
    struct tmpl_value item = c->xargv[0];
    if (item.iface && item.v && item.v->kind == VAL_NULL)
        return tmpl_fail(c, "len of nil pointer");
    if (!item.v)
        return tmpl_fail(c, "reflect: call of reflect.Value.Type on zero Value");
    struct val *v = item.v;
    switch (v->kind) {
    case VAL_STRING:
        *out = val_int(c->a, (int64_t)v->u.s.len);
        return 0;
    case VAL_SEQ:
    case VAL_MAP:
        *out = val_int(c->a, (int64_t)val_len(v));
        return 0;
    case VAL_OBJ: {
        const struct tmpl_objtype *ot = tmpl_objtype_of(v);
        if (ot->kind == TMPL_OBJ_MAP || ot->kind == TMPL_OBJ_SLICE) {
            struct val *cv = ot->base.to_val ? ot->base.to_val(c->a, v) : NULL;
            *out = val_int(c->a, cv ? (int64_t)val_len(cv) : 0);
            return 0;
        }
        break;
    }
    default:
        break;
    }
    return tmpl_fail(c, "len of type %s", indirect_typename(v));
}

static bool
is_int_kind(const struct val *v)
{
    return v && v->kind == VAL_INT;
}

/* indexArg */
static int
index_arg(struct tmpl_call *c, struct tmpl_value index, size_t cap, int64_t *out)
{
    index = indirect_iface(index);
    if (!index.v)
        return tmpl_fail(c, "cannot index slice/array with nil");
    if (!is_int_kind(index.v))
        return tmpl_fail(c, "cannot index slice/array with type %s", tmpl_typename(index.v));
    int64_t x = index.v->u.i;
    bool uns = index.v->gotype == VAL_GO_UINT || index.v->gotype == VAL_GO_UINT64;
    if ((uns && x < 0) || x < 0 || (uint64_t)x > cap)
        return tmpl_fail(c, uns ? "index out of range: %llu" : "index out of range: %lld",
                         (long long)x);
    *out = x;
    return 0;
}

/* The collection behind a value (objects of map/slice kinds). */
static struct val *
collection(struct tmpl_call *c, struct val *v)
{
    if (v->kind == VAL_OBJ) {
        const struct tmpl_objtype *ot = tmpl_objtype_of(v);
        if ((ot->kind == TMPL_OBJ_MAP || ot->kind == TMPL_OBJ_SLICE) && ot->base.to_val)
            return ot->base.to_val(c->a, v);
    }
    return v;
}

static int
fn_index(struct tmpl_call *c, struct val **out)
{
    (void)out;
    struct tmpl_value item = indirect_iface(c->xargv[0]);
    if (!item.v)
        return tmpl_fail(c, "index of untyped nil");
    for (size_t k = 1; k < c->argc; k++) {
        struct tmpl_value index = indirect_iface(c->xargv[k]);
        if (item.v->kind == VAL_NULL)
            return tmpl_fail(c, "index of nil pointer");
        struct val *col = collection(c, item.v);
        if (col->kind == VAL_SEQ || col->kind == VAL_STRING) {
            size_t len = col->kind == VAL_SEQ ? col->u.seq.len : col->u.s.len;
            int64_t x;
            int rc = index_arg(c, index, len, &x);
            if (rc)
                return rc;
            if ((size_t)x == len)
                return tmpl_fail(c, col->kind == VAL_SEQ ? "reflect: slice index out of range"
                                                         : "reflect: string index out of range");
            if (col->kind == VAL_SEQ) {
                item.v = col->u.seq.items[x];
                item.iface = col->gotype == VAL_GO_AUTO;
            } else {
                struct val *b = val_int(c->a, (unsigned char)col->u.s.ptr[x]);
                b->gotype = VAL_GO_UINT8;
                item = xv_concrete(b);
            }
        } else if (col->kind == VAL_MAP) {
            if (!index.v)
                return tmpl_fail(c, "value is nil; should be of type string");
            if (index.v->kind != VAL_STRING || index.v->gotype != VAL_GO_AUTO)
                return tmpl_fail(c, "value has type %s; should be string", tmpl_typename(index.v));
            struct val *e = val_map_get(col, index.v->u.s.ptr, index.v->u.s.len);
            bool ifc = col->gotype != VAL_GO_STRMAP;
            if (e) {
                item.v = e;
                item.iface = ifc;
            } else if (ifc) {
                item.v = &tmpl_nil;
                item.iface = true;
            } else {
                item = xv_concrete(val_str_nocopy(c->a, "", 0));
            }
        } else {
            return tmpl_fail(c, "can't index item of type %s", indirect_typename(item.v));
        }
    }
    c->xret = item;
    return 0;
}

static int
fn_slice(struct tmpl_call *c, struct val **out)
{
    (void)out;
    struct tmpl_value item = indirect_iface(c->xargv[0]);
    if (!item.v)
        return tmpl_fail(c, "slice of untyped nil");
    size_t nidx = c->argc - 1;
    if (nidx > 3)
        return tmpl_fail(c, "too many slice indexes: %zu", nidx);
    struct val *v = item.v;
    size_t len;
    if (v->kind == VAL_STRING && v->gotype != VAL_GO_BYTES) {
        if (nidx == 3)
            return tmpl_fail(c, "cannot 3-index slice a string");
        len = v->u.s.len;
    } else if (v->kind == VAL_SEQ) {
        len = v->u.seq.len;
    } else if (v->kind == VAL_STRING) {
        len = v->u.s.len;
    } else {
        return tmpl_fail(c, "can't slice item of type %s", indirect_typename(v));
    }
    int64_t idx[3] = {0, (int64_t)len, 0};
    for (size_t k = 0; k < nidx; k++) {
        int rc = index_arg(c, c->xargv[k + 1], len, &idx[k]);
        if (rc)
            return rc;
    }
    if (idx[0] > idx[1])
        return tmpl_fail(c, "invalid slice index: %lld > %lld", (long long)idx[0],
                         (long long)idx[1]);
    if (nidx == 3 && idx[1] > idx[2])
        return tmpl_fail(c, "invalid slice index: %lld > %lld", (long long)idx[1],
                         (long long)idx[2]);
    struct val *r;
    if (v->kind == VAL_STRING) {
        r = val_str_nocopy(c->a, v->u.s.ptr + idx[0], (size_t)(idx[1] - idx[0]));
        r->gotype = v->gotype;
    } else {
        r = val_seq(c->a);
        r->gotype = v->gotype;
        for (int64_t i = idx[0]; i < idx[1]; i++)
            val_seq_push(c->a, r, v->u.seq.items[i]);
    }
    c->xret = xv_concrete(r);
    return 0;
}

/* evalArgs: the arguments as fmt.Sprint sees them after printableValue. */
static void
eval_args(struct tmpl_call *c, struct sb *sb)
{
    if (c->argc == 1 && c->argv[0]->kind == VAL_STRING && c->argv[0]->gotype == VAL_GO_AUTO) {
        sb_add(sb, c->argv[0]->u.s.ptr, c->argv[0]->u.s.len);
        return;
    }
    struct val *nv = NULL;
    struct val *buf[16];
    struct val **a = c->argc <= 16 ? buf : arena_alloc(c->a, c->argc * sizeof(*a));
    for (size_t i = 0; i < c->argc; i++) {
        a[i] = c->argv[i];
        if (a[i]->kind == VAL_NULL) {
            if (!nv)
                nv = val_str_nocopy(c->a, "<no value>", 10);
            a[i] = nv;
        }
    }
    tmpl_fmt_sprint(sb, a, c->argc);
}

static int
fn_html(struct tmpl_call *c, struct val **out)
{
    struct sb s = SB_INIT, r = SB_INIT;
    eval_args(c, &s);
    for (size_t i = 0; i < s.len; i++) {
        switch (s.buf[i]) {
        case 0:
            sb_addstr(&r, "\xEF\xBF\xBD");
            break;
        case '"':
            sb_addstr(&r, "&#34;");
            break;
        case '\'':
            sb_addstr(&r, "&#39;");
            break;
        case '&':
            sb_addstr(&r, "&amp;");
            break;
        case '<':
            sb_addstr(&r, "&lt;");
            break;
        case '>':
            sb_addstr(&r, "&gt;");
            break;
        default:
            sb_addch(&r, s.buf[i]);
        }
    }
    *out = tmpl_mkstr(c, r.buf, r.len);
    sb_release(&s);
    sb_release(&r);
    return 0;
}

static int
fn_js(struct tmpl_call *c, struct val **out)
{
    static const char hex[] = "0123456789ABCDEF";
    struct sb s = SB_INIT, r = SB_INIT;
    eval_args(c, &s);
    for (size_t i = 0; i < s.len;) {
        unsigned char ch = (unsigned char)s.buf[i];
        if (ch < 0x80) {
            switch (ch) {
            case '\\':
                sb_addstr(&r, "\\\\");
                break;
            case '\'':
                sb_addstr(&r, "\\'");
                break;
            case '"':
                sb_addstr(&r, "\\\"");
                break;
            case '<':
                sb_addstr(&r, "\\u003C");
                break;
            case '>':
                sb_addstr(&r, "\\u003E");
                break;
            case '&':
                sb_addstr(&r, "\\u0026");
                break;
            case '=':
                sb_addstr(&r, "\\u003D");
                break;
            default:
                if (ch < ' ') {
                    sb_addstr(&r, "\\u00");
                    sb_addch(&r, hex[ch >> 4]);
                    sb_addch(&r, hex[ch & 0xF]);
                } else {
                    sb_addch(&r, ch);
                }
            }
            i++;
            continue;
        }
        size_t w;
        uint32_t rr = utf8_rune(s.buf + i, s.len - i, &w);
        if (tmpl_uni_is_print(rr))
            sb_add(&r, s.buf + i, w);
        else
            sb_addf(&r, "\\u%04X", rr);
        i += w;
    }
    *out = tmpl_mkstr(c, r.buf, r.len);
    sb_release(&s);
    sb_release(&r);
    return 0;
}

static int
fn_urlquery(struct tmpl_call *c, struct val **out)
{
    static const char hex[] = "0123456789ABCDEF";
    struct sb s = SB_INIT, r = SB_INIT;
    eval_args(c, &s);
    for (size_t i = 0; i < s.len; i++) {
        unsigned char ch = (unsigned char)s.buf[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            sb_addch(&r, ch);
        } else if (ch == ' ') {
            sb_addch(&r, '+');
        } else {
            sb_addch(&r, '%');
            sb_addch(&r, hex[ch >> 4]);
            sb_addch(&r, hex[ch & 0xF]);
        }
    }
    *out = tmpl_mkstr(c, r.buf, r.len);
    sb_release(&s);
    sb_release(&r);
    return 0;
}

static int
fn_print(struct tmpl_call *c, struct val **out)
{
    struct sb s = SB_INIT;
    tmpl_fmt_sprint(&s, c->argv, c->argc);
    *out = tmpl_mkstr(c, s.buf, s.len);
    sb_release(&s);
    return 0;
}

static int
fn_println(struct tmpl_call *c, struct val **out)
{
    struct sb s = SB_INIT;
    tmpl_fmt_sprintln(&s, c->argv, c->argc);
    *out = tmpl_mkstr(c, s.buf, s.len);
    sb_release(&s);
    return 0;
}

static int
fn_printf(struct tmpl_call *c, struct val **out)
{
    struct sb s = SB_INIT;
    size_t flen;
    const char *f = tmpl_arg_str(c, 0, &flen);
    tmpl_fmt_sprintf(&s, f, flen, c->argv + 1, c->argc - 1);
    *out = tmpl_mkstr(c, s.buf, s.len);
    sb_release(&s);
    return 0;
}

/* ---- comparisons ---- */

enum bkind { K_INVALID, K_BOOL, K_COMPLEX, K_INT, K_FLOAT, K_STRING, K_UINT };

static enum bkind
basic_kind(const struct val *v)
{
    if (!v)
        return K_INVALID;
    switch (v->kind) {
    case VAL_BOOL:
        return K_BOOL;
    case VAL_INT:
        return (v->gotype == VAL_GO_UINT || v->gotype == VAL_GO_UINT64 || v->gotype == VAL_GO_UINT8)
                   ? K_UINT
                   : K_INT;
    case VAL_FLOAT:
        return K_FLOAT;
    case VAL_STRING:
        return v->gotype == VAL_GO_BYTES ? K_INVALID : K_STRING;
    default:
        return K_INVALID;
    }
}

static bool
str_eq(const struct val *a, const struct val *b)
{
    return a->u.s.len == b->u.s.len && !memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len);
}

static bool
is_nil_value(const struct val *v)
{
    return !v || v->kind == VAL_NULL;
}

/* reflect Kind equality for canCompare */
static int
rkind(const struct val *v)
{
    if (!v)
        return -1;
    if (v->kind == VAL_OBJ) {
        const struct tmpl_objtype *ot = tmpl_objtype_of(v);
        return 100 + (int)ot->kind;
    }
    if (v->kind == VAL_STRING && v->gotype == VAL_GO_BYTES)
        return VAL_SEQ;
    return v->kind;
}

static int
do_eq(struct tmpl_call *c, struct tmpl_value a1x, const struct tmpl_value *rest, size_t nrest,
      bool *truth_out)
{
    const struct val *arg1 = indirect_iface(a1x).v;
    if (nrest == 0)
        return tmpl_fail(c, "missing argument for comparison");
    enum bkind k1 = basic_kind(arg1);
    for (size_t i = 0; i < nrest; i++) {
        const struct val *arg = indirect_iface(rest[i]).v;
        enum bkind k2 = basic_kind(arg);
        bool truth = false;
        if (k1 != k2) {
            if (k1 == K_INT && k2 == K_UINT)
                truth = arg1->u.i >= 0 && arg1->u.i == arg->u.i;
            else if (k1 == K_UINT && k2 == K_INT)
                truth = arg->u.i >= 0 && arg1->u.i == arg->u.i;
            else if (arg1 && arg)
                return tmpl_fail(c, "incompatible types for comparison");
        } else {
            switch (k1) {
            case K_BOOL:
                truth = arg1->u.b == arg->u.b;
                break;
            case K_FLOAT:
                truth = arg1->u.f == arg->u.f;
                break;
            case K_INT:
            case K_UINT:
                truth = arg1->u.i == arg->u.i;
                break;
            case K_STRING:
                truth = str_eq(arg1, arg);
                break;
            default: {
                int r1 = rkind(arg1), r2 = rkind(arg);
                if (!(r1 == r2 || r1 == -1 || r2 == -1)) {
                    struct sb m = SB_INIT;
                    struct val *fa[4] = {(struct val *)arg1, val_strz(c->a, tmpl_typename(arg1)),
                                         val_strz(c->a, tmpl_typename(arg)), (struct val *)arg};
                    const char *f = "non-comparable types %s: %v, %s: %v";
                    tmpl_fmt_sprintf(&m, f, strlen(f), fa, 4);
                    int rc = tmpl_fail(c, "%s", m.buf);
                    sb_release(&m);
                    return rc;
                }
                if (is_nil_value(arg1) || is_nil_value(arg)) {
                    truth = is_nil_value(arg) == is_nil_value(arg1);
                } else if (arg->kind == VAL_MAP || arg->kind == VAL_SEQ ||
                           (arg->kind == VAL_STRING) ||
                           (arg->kind == VAL_OBJ &&
                            (tmpl_objtype_of(arg)->kind == TMPL_OBJ_MAP ||
                             tmpl_objtype_of(arg)->kind == TMPL_OBJ_SLICE))) {
                    struct sb m = SB_INIT;
                    struct val *fa[2] = {(struct val *)arg, val_strz(c->a, tmpl_typename(arg))};
                    const char *f = "non-comparable type %s: %v";
                    tmpl_fmt_sprintf(&m, f, strlen(f), fa, 2);
                    int rc = tmpl_fail(c, "%s", m.buf);
                    sb_release(&m);
                    return rc;
                } else {
                    truth = arg1 == arg || (arg1->kind == VAL_OBJ && arg->kind == VAL_OBJ &&
                                            arg1->u.obj.ptr == arg->u.obj.ptr &&
                                            arg1->u.obj.type == arg->u.obj.type);
                }
            }
            }
        }
        if (truth) {
            *truth_out = true;
            return 0;
        }
    }
    *truth_out = false;
    return 0;
}

static int
fn_eq(struct tmpl_call *c, struct val **out)
{
    bool t;
    int rc = do_eq(c, c->xargv[0], c->xargv + 1, c->argc - 1, &t);
    if (rc)
        return rc;
    *out = tmpl_mkbool(c, t);
    return 0;
}

static int
fn_ne(struct tmpl_call *c, struct val **out)
{
    bool t;
    int rc = do_eq(c, c->xargv[0], c->xargv + 1, 1, &t);
    if (rc)
        return rc;
    *out = tmpl_mkbool(c, !t);
    return 0;
}

static int
do_lt(struct tmpl_call *c, struct tmpl_value a1, struct tmpl_value a2, bool *out)
{
    const struct val *arg1 = indirect_iface(a1).v;
    enum bkind k1 = basic_kind(arg1);
    if (k1 == K_INVALID)
        return tmpl_fail(c, "invalid type for comparison");
    const struct val *arg2 = indirect_iface(a2).v;
    enum bkind k2 = basic_kind(arg2);
    if (k2 == K_INVALID)
        return tmpl_fail(c, "invalid type for comparison");
    if (k1 != k2) {
        if (k1 == K_INT && k2 == K_UINT)
            *out = arg1->u.i < 0 || (uint64_t)arg1->u.i < (uint64_t)arg2->u.i;
        else if (k1 == K_UINT && k2 == K_INT)
            *out = arg2->u.i >= 0 && (uint64_t)arg1->u.i < (uint64_t)arg2->u.i;
        else
            return tmpl_fail(c, "incompatible types for comparison");
        return 0;
    }
    switch (k1) {
    case K_BOOL:
    case K_COMPLEX:
        return tmpl_fail(c, "invalid type for comparison");
    case K_FLOAT:
        *out = arg1->u.f < arg2->u.f;
        break;
    case K_INT:
        *out = arg1->u.i < arg2->u.i;
        break;
    case K_UINT:
        *out = (uint64_t)arg1->u.i < (uint64_t)arg2->u.i;
        break;
    case K_STRING: {
        size_t n = arg1->u.s.len < arg2->u.s.len ? arg1->u.s.len : arg2->u.s.len;
        int r = memcmp(arg1->u.s.ptr, arg2->u.s.ptr, n);
        *out = r < 0 || (r == 0 && arg1->u.s.len < arg2->u.s.len);
        break;
    }
    default:
        return tmpl_fail(c, "invalid type for comparison");
    }
    return 0;
}

static int
fn_lt(struct tmpl_call *c, struct val **out)
{
    bool t;
    int rc = do_lt(c, c->xargv[0], c->xargv[1], &t);
    if (rc)
        return rc;
    *out = tmpl_mkbool(c, t);
    return 0;
}

static int
do_le(struct tmpl_call *c, bool *t)
{
    int rc = do_lt(c, c->xargv[0], c->xargv[1], t);
    if (rc || *t)
        return rc;
    return do_eq(c, c->xargv[0], c->xargv + 1, 1, t);
}

static int
fn_le(struct tmpl_call *c, struct val **out)
{
    bool t;
    int rc = do_le(c, &t);
    if (rc)
        return rc;
    *out = tmpl_mkbool(c, t);
    return 0;
}

static int
fn_gt(struct tmpl_call *c, struct val **out)
{
    bool t;
    int rc = do_le(c, &t);
    if (rc)
        return rc;
    *out = tmpl_mkbool(c, !t);
    return 0;
}

static int
fn_ge(struct tmpl_call *c, struct val **out)
{
    bool t;
    int rc = do_lt(c, c->xargv[0], c->xargv[1], &t);
    if (rc)
        return rc;
    *out = tmpl_mkbool(c, !t);
    return 0;
}

const struct tmpl_func tmpl_funcs_builtin[] = {
    {"and", fn_unreachable, "func(reflect.Value, ...reflect.Value) reflect.Value"},
    {"call", fn_call, "func(reflect.Value, ...reflect.Value) (reflect.Value, error)"},
    {"html", fn_html, "func(...interface {}) string"},
    {"index", fn_index, "func(reflect.Value, ...reflect.Value) (reflect.Value, error)"},
    {"slice", fn_slice, "func(reflect.Value, ...reflect.Value) (reflect.Value, error)"},
    {"js", fn_js, "func(...interface {}) string"},
    {"len", fn_len, "func(reflect.Value) (int, error)"},
    {"not", fn_not, "func(reflect.Value) bool"},
    {"or", fn_unreachable, "func(reflect.Value, ...reflect.Value) reflect.Value"},
    {"print", fn_print, "func(...interface {}) string"},
    {"printf", fn_printf, "func(string, ...interface {}) string"},
    {"println", fn_println, "func(...interface {}) string"},
    {"urlquery", fn_urlquery, "func(...interface {}) string"},
    {"eq", fn_eq, "func(reflect.Value, ...reflect.Value) (bool, error)"},
    {"ge", fn_ge, "func(reflect.Value, reflect.Value) (bool, error)"},
    {"gt", fn_gt, "func(reflect.Value, reflect.Value) (bool, error)"},
    {"le", fn_le, "func(reflect.Value, reflect.Value) (bool, error)"},
    {"lt", fn_lt, "func(reflect.Value, reflect.Value) (bool, error)"},
    {"ne", fn_ne, "func(reflect.Value, reflect.Value) (bool, error)"},
    {NULL, NULL, NULL},
};
