/* Helm's toToml: BurntSushi/toml v1.4's Encoder over a value tree, byte for
 * byte — keys sorted with plain values before tables, two-space
 * indentation per table level, floats always with a decimal point, inline
 * tables for maps inside arrays, [[arrays of tables]], and its error texts
 * (which Helm's toToml returns as the output). */
#include "render/exec.h"

#include <math.h>
#include <setjmp.h>
#include <string.h>

#include "core/gofmt.h"

struct tenc {
    struct sb *out;
    bool written;
    jmp_buf jb;
    const char *err;
    struct arena *a;
    const char **key; /* the key path */
    size_t depth, cap;
};

static void __attribute__((noreturn)) enc_fail(struct tenc *e, const char *msg)
{
    e->err = msg;
    longjmp(e->jb, 1);
}

static void
wf(struct tenc *e, const char *s, size_t n)
{
    sb_add(e->out, s, n);
    e->written = true;
}

static void
wfz(struct tenc *e, const char *s)
{
    wf(e, s, strlen(s));
}

static void
newline(struct tenc *e)
{
    if (e->written)
        wfz(e, "\n");
}

void
tmpl_toml_quote_body(struct sb *sb, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            sb_addstr(sb, "\\\"");
            break;
        case '\\':
            sb_addstr(sb, "\\\\");
            break;
        case '\b':
            sb_addstr(sb, "\\b");
            break;
        case '\t':
            sb_addstr(sb, "\\t");
            break;
        case '\n':
            sb_addstr(sb, "\\n");
            break;
        case '\f':
            sb_addstr(sb, "\\f");
            break;
        case '\r':
            sb_addstr(sb, "\\r");
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                sb_addstr(sb, "\\u00");
                sb_addch(sb, hex[c >> 4]);
                sb_addch(sb, hex[c & 0xF]);
            } else {
                sb_addch(sb, c);
            }
        }
    }
}

static void
write_quoted(struct tenc *e, const char *s, size_t n)
{
    sb_addch(e->out, '"');
    tmpl_toml_quote_body(e->out, s, n);
    sb_addch(e->out, '"');
    e->written = true;
}

static bool
bare_key(const char *k)
{
    if (!*k)
        return false;
    for (; *k; k++) {
        char c = *k;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

static void
key_piece(struct sb *sb, const char *k)
{
    if (!*k) {
        sb_addstr(sb, "\"\"");
    } else if (bare_key(k)) {
        sb_addstr(sb, k);
    } else {
        sb_addch(sb, '"');
        tmpl_toml_quote_body(sb, k, strlen(k));
        sb_addch(sb, '"');
    }
}

static void
indent(struct tenc *e)
{
    for (size_t i = 1; i < e->depth; i++)
        wfz(e, "  ");
}

static void
key_string(struct tenc *e)
{
    for (size_t i = 0; i < e->depth; i++) {
        if (i > 0)
            sb_addch(e->out, '.');
        key_piece(e->out, e->key[i]);
    }
    e->written = true;
}

static void
push_key(struct tenc *e, const char *k)
{
    if (e->depth == e->cap) {
        size_t nc = e->cap ? e->cap * 2 : 8;
        e->key = arena_realloc(e->a, e->key, e->cap * sizeof(*e->key), nc * sizeof(*e->key));
        e->cap = nc;
    }
    e->key[e->depth++] = k;
}

/* An object's plain value (objects of other kinds are left as they are). */
static const struct val *
plain(struct tenc *e, const struct val *v)
{
    if (v && v->kind == VAL_OBJ && v->u.obj.type->to_val)
        return v->u.obj.type->to_val(e->a, v);
    return v;
}

/* BurntSushi's isNil: nil interfaces, maps and slices. */
static bool
is_nil(const struct val *v)
{
    return !v || v->kind == VAL_NULL ||
           ((v->kind == VAL_SEQ || v->kind == VAL_MAP) && (v->flags & VAL_F_NIL) && !val_len(v));
}

/* tomlTypeOfGo's table question, with its error for nil array elements. */
static bool
is_table_array(struct tenc *e, const struct val *v)
{
    if (v->kind != VAL_SEQ || v->u.seq.len == 0)
        return false;
    bool ret = true;
    for (uint32_t i = 0; i < v->u.seq.len; i++) {
        const struct val *x = plain(e, v->u.seq.items[i]);
        if (is_nil(x))
            enc_fail(e, "toml: cannot encode array with nil element");
        if (x->kind != VAL_MAP)
            ret = false;
    }
    return ret;
}

static bool
is_table(struct tenc *e, const struct val *v)
{
    v = plain(e, v);
    if (is_nil(v))
        return false;
    return v->kind == VAL_MAP || is_table_array(e, v);
}

static void e_map(struct tenc *e, const struct val *m, bool inl);

static void
e_element(struct tenc *e, const struct val *v)
{
    v = plain(e, v);
    if (!v || v->kind == VAL_NULL)
        enc_fail(e, "reflect: call of reflect.Value.Interface on zero Value");
    switch (v->kind) {
    case VAL_STRING:
        write_quoted(e, v->u.s.ptr, v->u.s.len);
        return;
    case VAL_BOOL:
        wfz(e, v->u.b ? "true" : "false");
        return;
    case VAL_INT: {
        struct sb t = SB_INIT;
        if (v->gotype == VAL_GO_UINT || v->gotype == VAL_GO_UINT64)
            gofmt_uint(&t, (uint64_t)v->u.i);
        else
            gofmt_int(&t, v->u.i);
        wf(e, t.buf, t.len);
        sb_release(&t);
        return;
    }
    case VAL_FLOAT: {
        double f = v->u.f;
        if (isnan(f)) {
            wfz(e, signbit(f) ? "-nan" : "nan");
        } else if (isinf(f)) {
            wfz(e, f < 0 ? "-inf" : "inf");
        } else {
            struct sb t = SB_INIT;
            gofmt_float(&t, f, 'f', -1);
            if (!memchr(t.buf, '.', t.len))
                sb_addstr(&t, ".0");
            wf(e, t.buf, t.len);
            sb_release(&t);
        }
        return;
    }
    case VAL_SEQ:
        wfz(e, "[");
        for (uint32_t i = 0; i < v->u.seq.len; i++) {
            e_element(e, v->u.seq.items[i]);
            if (i + 1 != v->u.seq.len)
                wfz(e, ", ");
        }
        wfz(e, "]");
        return;
    case VAL_MAP: {
        size_t saved = e->depth;
        e->depth = 0;
        e_map(e, v, true);
        e->depth = saved;
        return;
    }
    default:
        enc_fail(e, "toml: unsupported type");
    }
}

static void
write_key_value(struct tenc *e, const char *k, const struct val *v, bool inl)
{
    if (!k) {
        e_element(e, v);
        return;
    }
    if (!inl)
        indent(e);
    key_piece(e->out, k);
    wfz(e, " = ");
    e_element(e, v);
    if (!inl)
        newline(e);
}

static void encode(struct tenc *e, const struct val *v);

static void
e_array_of_tables(struct tenc *e, const struct val *v)
{
    if (e->depth == 0)
        enc_fail(e, "toml: top-level values must be Go maps or structs");
    for (uint32_t i = 0; i < v->u.seq.len; i++) {
        const struct val *t = plain(e, v->u.seq.items[i]);
        if (is_nil(t))
            continue;
        newline(e);
        indent(e);
        wfz(e, "[[");
        key_string(e);
        wfz(e, "]]");
        newline(e);
        e_map(e, t, false);
    }
}

static void
e_table(struct tenc *e, const struct val *m)
{
    if (e->depth == 1)
        newline(e);
    if (e->depth > 0) {
        indent(e);
        wfz(e, "[");
        key_string(e);
        wfz(e, "]");
        newline(e);
    }
    e_map(e, m, false);
}

static void
e_map(struct tenc *e, const struct val *m, bool inl)
{
    struct val_mapent *ents = val_map_sorted(e->a, m);
    uint32_t n = m->u.map.len;
    uint32_t nsub = 0;
    bool *sub = arena_alloc(e->a, (n ? n : 1) * sizeof(bool));
    for (uint32_t i = 0; i < n; i++) {
        sub[i] = is_table(e, ents[i].v);
        if (sub[i])
            nsub++;
    }
    if (inl)
        wfz(e, "{");
    for (int pass = 0; pass < 2; pass++) {
        /* writeMapKeys(direct, len(sub) > 0) then writeMapKeys(sub, false) */
        uint32_t count = 0, total = pass == 0 ? n - nsub : nsub;
        for (uint32_t i = 0; i < n; i++) {
            if (sub[i] != (pass == 1))
                continue;
            count++;
            const struct val *v = plain(e, ents[i].v);
            if (is_nil(v))
                continue;
            const char *k = ents[i].key->u.s.ptr;
            if (inl) {
                write_key_value(e, k, v, true);
                bool trail = pass == 0 && nsub > 0;
                if (trail || count != total)
                    wfz(e, ", ");
            } else {
                push_key(e, k);
                encode(e, v);
                e->depth--;
            }
        }
    }
    if (inl)
        wfz(e, "}");
}

static void
encode(struct tenc *e, const struct val *v)
{
    v = plain(e, v);
    if (is_nil(v))
        return;
    switch (v->kind) {
    case VAL_SEQ:
        if (is_table_array(e, v))
            e_array_of_tables(e, v);
        else
            write_key_value(e, e->depth ? e->key[e->depth - 1] : NULL, v, false);
        return;
    case VAL_MAP:
        e_table(e, v);
        return;
    default:
        write_key_value(e, e->depth ? e->key[e->depth - 1] : NULL, v, false);
        return;
    }
}

/* Appends the TOML of v to out; on an encoding error returns -1 with the
 * error text in *errmsg (output up to the error is left in out). */
int
tmpl_toml_encode(struct sb *out, struct arena *a, const struct val *v, const char **errmsg)
{
    struct tenc e;
    memset(&e, 0, sizeof(e));
    e.out = out;
    e.a = a;
    if (setjmp(e.jb)) {
        *errmsg = e.err;
        return -1;
    }
    encode(&e, v);
    return 0;
}
