/* JSON load and emit, compatible with Go's encoding/json.
 *
 * Load is strict RFC 8259 as Go's scanner is (no comments, no trailing
 * commas, no BOM, no NaN), with Go's decoding choices: invalid UTF-8 and
 * lone surrogate escapes become U+FFFD, duplicate keys let the last one win.
 * Error messages are Go's scanner messages with a file:line:col prefix.
 *
 * Emit follows encodeState: map keys sorted by bytes, strings escaped as
 * appendString does (\b \f \n \r \t short forms, other control bytes as
 * \u00XX, <>& as \u003c... unless asked not to, U+2028/2029 escaped, each
 * invalid UTF-8 byte as \ufffd), floats in the format of floatEncoder, and
 * MarshalIndent's layout. */
#include "core/json.h"
#include "core/gofmt.h"
#include "core/text.h"
#include "core/xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_DEPTH 1000
#define DEFAULT_MAX_BYTES (256u << 20)

/* ---- load ---- */

struct jload {
    struct arena *a;
    const char *file;
    const unsigned char *s;
    size_t n;
    size_t i;
    struct val_json_opts o;
    size_t depth;
    /* Position bookkeeping: line of offset `at`, and that line's start. */
    uint32_t line;
    size_t line_start;
    /* Column cache: the column (in characters) of offset col_at. */
    size_t col_at;
    uint32_t col;
    struct sb tmp; /* string unescaping scratch */
    struct pkg_err **errp;
};

static uint32_t
col_of(struct jload *l, size_t off)
{
    if (l->col_at < l->line_start || l->col_at > off) {
        l->col_at = l->line_start;
        l->col = 1;
    }
    for (size_t i = l->col_at; i < off; i++)
        if ((l->s[i] & 0xC0) != 0x80)
            l->col++;
    l->col_at = off;
    return l->col;
}

/* Go's quoteChar: how the scanner names an offending byte. */
static const char *
quote_char(char *buf, size_t cap, unsigned char c)
{
    if (c == '\'')
        return "'\\''";
    if (c == '"')
        return "'\"'";
    switch (c) {
    case '\a':
        return "'\\a'";
    case '\b':
        return "'\\b'";
    case '\f':
        return "'\\f'";
    case '\n':
        return "'\\n'";
    case '\r':
        return "'\\r'";
    case '\t':
        return "'\\t'";
    case '\v':
        return "'\\v'";
    case '\\':
        return "'\\\\'";
    }
    if (c < 0x20 || c == 0x7F) {
        snprintf(buf, cap, "'\\x%02x'", c);
    } else if (c < 0x80) {
        snprintf(buf, cap, "'%c'", c);
    } else if (c < 0xA0 || c == 0xAD) {
        /* Go's strconv.Quote escapes these non-printable runes. */
        snprintf(buf, cap, "'\\u%04x'", c);
    } else {
        /* string(byte) in Go is the rune U+00XX. */
        char u[4];
        size_t k = utf8_encode(u, c);
        snprintf(buf, cap, "'%.*s'", (int)k, u);
    }
    return buf;
}

static int jfail(struct jload *l, size_t off, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
jfail(struct jload *l, size_t off, int code, const char *fmt, ...)
{
    /* The line of off: count from the last known line start. */
    uint32_t line = l->line;
    size_t ls = l->line_start;
    for (size_t i = ls; i < off && i < l->n; i++) {
        if (l->s[i] == '\n') {
            line++;
            ls = i + 1;
        }
    }
    l->line = line;
    l->line_start = ls;
    uint32_t col = col_of(l, off);
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0)
        xalloc_die();
    va_end(ap);
    pkg_err_setloc(l->errp, code, l->file, line, col, "%s", m);
    free(m);
    return code;
}

static int
fail_char(struct jload *l, const char *context)
{
    char qb[16];
    if (l->i >= l->n)
        return jfail(l, l->i, PKG_ESYNTAX, "unexpected end of JSON input");
    return jfail(l, l->i, PKG_ESYNTAX, "invalid character %s %s",
                 quote_char(qb, sizeof(qb), l->s[l->i]), context);
}

/* The offset lives in a local: stores through l would otherwise be
 * reloaded at every byte (unsigned char may alias anything). */
static void
skip_ws(struct jload *l)
{
    const unsigned char *s = l->s;
    size_t i = l->i, n = l->n;
    while (i < n) {
        unsigned char c = s[i];
        if (c == ' ' || c == '\t' || c == '\r') {
            i++;
        } else if (c == '\n') {
            l->line++;
            l->line_start = ++i;
            /* indentation, eight spaces at a time */
            uint64_t w;
            while (i + 8 <= n && (memcpy(&w, s + i, 8), w == 0x2020202020202020ull))
                i += 8;
        } else {
            break;
        }
    }
    l->i = i;
}

static struct val *
node_at(struct jload *l, enum val_kind kind, size_t off)
{
    struct val *v = val_new(l->a, kind);
    val_set_pos(v, l->file, l->line, col_of(l, off));
    return v;
}

static int
hex4(const unsigned char *p, uint32_t *out)
{
    uint32_t r = 0;
    for (int k = 0; k < 4; k++) {
        int h = hex_digit(p[k]);
        if (h < 0)
            return k;
        r = r << 4 | (uint32_t)h;
    }
    *out = r;
    return 4;
}

/* Parses a string at l->i (on the opening quote) into (*p, *len), in the
 * arena. */
static int
parse_string(struct jload *l, const char **p, size_t *len)
{
    size_t start = ++l->i;
    bool plain = true;
    /* Scan first: the common string has no escapes and is valid UTF-8.
     * Plain ASCII runs go in a tight loop. */
    {
        const unsigned char *s = l->s;
        size_t i = l->i, n = l->n;
        while (i < n && s[i] != '"' && s[i] != '\\' && s[i] >= 0x20 && s[i] < 0x80)
            i++;
        l->i = i;
    }
    for (;;) {
        if (l->i >= l->n)
            return jfail(l, l->i, PKG_ESYNTAX, "unexpected end of JSON input");
        unsigned char c = l->s[l->i];
        if (c == '"')
            break;
        if (c < 0x20)
            return fail_char(l, "in string literal");
        if (c == '\\') {
            plain = false;
            l->i++;
            if (l->i >= l->n)
                return jfail(l, l->i, PKG_ESYNTAX, "unexpected end of JSON input");
            c = l->s[l->i];
            if (c == 'u') {
                for (int k = 1; k <= 4; k++) {
                    if (l->i + k >= l->n) {
                        l->i += k;
                        return jfail(l, l->i, PKG_ESYNTAX, "unexpected end of JSON input");
                    }
                    unsigned char h = l->s[l->i + k];
                    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') ||
                          (h >= 'A' && h <= 'F'))) {
                        l->i += k;
                        return fail_char(l, "in \\u hexadecimal character escape");
                    }
                }
                l->i += 5;
                continue;
            }
            if (!strchr("\"\\/bfnrt", c) || c == 0)
                return fail_char(l, "in string escape code");
            l->i++;
            continue;
        }
        if (c >= 0x80) {
            uint32_t r;
            size_t k = utf8_decode(l->s + l->i, l->n - l->i, &r);
            if (k == 0) {
                plain = false;
                k = 1;
            }
            l->i += k;
            continue;
        }
        l->i++;
    }
    size_t end = l->i++;
    if (plain) {
        *p = arena_strndup(l->a, (const char *)l->s + start, end - start);
        *len = end - start;
        return 0;
    }
    struct sb *t = &l->tmp;
    sb_reset(t);
    for (size_t i = start; i < end;) {
        unsigned char c = l->s[i];
        if (c == '\\') {
            c = l->s[i + 1];
            i += 2;
            switch (c) {
            case 'b':
                sb_addch(t, '\b');
                break;
            case 'f':
                sb_addch(t, '\f');
                break;
            case 'n':
                sb_addch(t, '\n');
                break;
            case 'r':
                sb_addch(t, '\r');
                break;
            case 't':
                sb_addch(t, '\t');
                break;
            case 'u': {
                uint32_t r = 0, r2 = 0;
                hex4(l->s + i, &r);
                i += 4;
                if (r >= 0xD800 && r < 0xE000) {
                    /* A pair only when a valid low surrogate escape follows;
                     * otherwise this one escape becomes U+FFFD. */
                    if (r < 0xDC00 && i + 6 <= end && l->s[i] == '\\' && l->s[i + 1] == 'u' &&
                        hex4(l->s + i + 2, &r2) == 4 && r2 >= 0xDC00 && r2 < 0xE000) {
                        r = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
                        i += 6;
                    } else {
                        r = 0xFFFD;
                    }
                }
                utf8_append(t, r);
                break;
            }
            default: /* " \ / */
                sb_addch(t, c);
                break;
            }
            continue;
        }
        if (c >= 0x80) {
            uint32_t r;
            size_t k = utf8_decode(l->s + i, end - i, &r);
            if (k == 0) {
                sb_add(t, "\xEF\xBF\xBD", 3);
                i++;
            } else {
                sb_add(t, l->s + i, k);
                i += k;
            }
            continue;
        }
        sb_addch(t, c);
        i++;
    }
    *p = arena_strndup(l->a, t->buf, t->len);
    *len = t->len;
    return 0;
}

static int
parse_number(struct jload *l, struct val **out)
{
    size_t start = l->i;
    bool integral = true;
    if (l->s[l->i] == '-')
        l->i++;
    if (l->i >= l->n)
        return jfail(l, l->i, PKG_ESYNTAX, "unexpected end of JSON input");
    if (l->s[l->i] == '0') {
        l->i++;
    } else if (l->s[l->i] >= '1' && l->s[l->i] <= '9') {
        while (l->i < l->n && l->s[l->i] >= '0' && l->s[l->i] <= '9')
            l->i++;
    } else {
        return fail_char(l, "in numeric literal");
    }
    if (l->i < l->n && l->s[l->i] == '.') {
        integral = false;
        l->i++;
        if (l->i >= l->n)
            return jfail(l, l->i, PKG_ESYNTAX, "unexpected end of JSON input");
        if (!(l->s[l->i] >= '0' && l->s[l->i] <= '9'))
            return fail_char(l, "after decimal point in numeric literal");
        while (l->i < l->n && l->s[l->i] >= '0' && l->s[l->i] <= '9')
            l->i++;
    }
    if (l->i < l->n && (l->s[l->i] == 'e' || l->s[l->i] == 'E')) {
        integral = false;
        l->i++;
        if (l->i < l->n && (l->s[l->i] == '+' || l->s[l->i] == '-'))
            l->i++;
        if (l->i >= l->n)
            return jfail(l, l->i, PKG_ESYNTAX, "unexpected end of JSON input");
        if (!(l->s[l->i] >= '0' && l->s[l->i] <= '9'))
            return fail_char(l, "in exponent of numeric literal");
        while (l->i < l->n && l->s[l->i] >= '0' && l->s[l->i] <= '9')
            l->i++;
    }
    size_t len = l->i - start;
    char sbuf[64];
    char *txt = len < sizeof(sbuf) ? sbuf : xmalloc(len + 1);
    memcpy(txt, l->s + start, len);
    txt[len] = 0;
    struct val *v = NULL;
    if (integral && l->o.ints) {
        errno = 0;
        long long i = strtoll(txt, NULL, 10);
        if (errno == 0) {
            v = node_at(l, VAL_INT, start);
            v->u.i = i;
        }
    }
    if (!v) {
        errno = 0;
        double d = strtod(txt, NULL);
        if (errno == ERANGE && isinf(d)) {
            int rc = jfail(l, start, PKG_EINVAL,
                           "json: cannot unmarshal number %s into Go value of type float64", txt);
            if (txt != sbuf)
                free(txt);
            return rc;
        }
        v = node_at(l, VAL_FLOAT, start);
        v->u.f = d;
    }
    v->src = arena_strndup(l->a, txt, len);
    if (txt != sbuf)
        free(txt);
    *out = v;
    return 0;
}

static int
expect_word(struct jload *l, const char *w)
{
    size_t k = strlen(w);
    for (size_t j = 0; j < k; j++, l->i++) {
        if (l->i >= l->n)
            return jfail(l, l->i, PKG_ESYNTAX, "unexpected end of JSON input");
        if (l->s[l->i] != (unsigned char)w[j]) {
            char ctx[32];
            snprintf(ctx, sizeof(ctx), "in literal %s (expecting '%c')", w, w[j]);
            return fail_char(l, ctx);
        }
    }
    return 0;
}

static int parse_value(struct jload *l, struct val **out, const char *context);

static int
parse_object(struct jload *l, struct val **out)
{
    struct val *m = node_at(l, VAL_MAP, l->i);
    l->i++;
    skip_ws(l);
    if (l->i < l->n && l->s[l->i] == '}') {
        l->i++;
        *out = m;
        return 0;
    }
    for (;;) {
        if (l->i >= l->n)
            return jfail(l, l->i, PKG_ESYNTAX, "unexpected end of JSON input");
        if (l->s[l->i] != '"')
            return fail_char(l, "looking for beginning of object key string");
        size_t koff = l->i;
        const char *kp;
        size_t klen;
        int rc = parse_string(l, &kp, &klen);
        if (rc)
            return rc;
        /* Positioned now: strings hold no newlines, the line is still the
         * key's. */
        struct val *k = val_str_nocopy(l->a, kp, klen);
        val_set_pos(k, l->file, l->line, col_of(l, koff));
        skip_ws(l);
        if (l->i >= l->n || l->s[l->i] != ':')
            return fail_char(l, "after object key");
        l->i++;
        skip_ws(l);
        struct val *v;
        rc = parse_value(l, &v, "looking for beginning of value");
        if (rc)
            return rc;
        long at = val_map_find(m, kp, klen);
        if (at >= 0) {
            m->u.map.ents[at].v = v; /* the last one wins, as in Go */
        } else {
            val_map_append(l->a, m, k, v);
        }
        skip_ws(l);
        if (l->i < l->n && l->s[l->i] == ',') {
            l->i++;
            skip_ws(l);
            continue;
        }
        if (l->i < l->n && l->s[l->i] == '}') {
            l->i++;
            break;
        }
        return fail_char(l, "after object key:value pair");
    }
    *out = m;
    return 0;
}

static int
parse_array(struct jload *l, struct val **out)
{
    struct val *s = node_at(l, VAL_SEQ, l->i);
    l->i++;
    skip_ws(l);
    if (l->i < l->n && l->s[l->i] == ']') {
        l->i++;
        *out = s;
        return 0;
    }
    for (;;) {
        struct val *v;
        int rc = parse_value(l, &v, "looking for beginning of value");
        if (rc)
            return rc;
        val_seq_push(l->a, s, v);
        skip_ws(l);
        if (l->i < l->n && l->s[l->i] == ',') {
            l->i++;
            skip_ws(l);
            continue;
        }
        if (l->i < l->n && l->s[l->i] == ']') {
            l->i++;
            break;
        }
        return fail_char(l, "after array element");
    }
    *out = s;
    return 0;
}

static int
parse_value(struct jload *l, struct val **out, const char *context)
{
    if (l->i >= l->n)
        return jfail(l, l->i, PKG_ESYNTAX, "unexpected end of JSON input");
    unsigned char c = l->s[l->i];
    int rc;
    switch (c) {
    case '{':
    case '[':
        if (l->depth >= l->o.max_depth)
            return jfail(l, l->i, PKG_ELIMIT, "document nested deeper than the limit of %zu levels",
                         l->o.max_depth);
        l->depth++;
        rc = c == '{' ? parse_object(l, out) : parse_array(l, out);
        l->depth--;
        return rc;
    case '"': {
        size_t off = l->i;
        const char *p;
        size_t len;
        rc = parse_string(l, &p, &len);
        if (rc)
            return rc;
        struct val *v = val_str_nocopy(l->a, p, len);
        val_set_pos(v, l->file, l->line, col_of(l, off));
        *out = v;
        return 0;
    }
    case 't':
    case 'f': {
        struct val *v = node_at(l, VAL_BOOL, l->i);
        v->u.b = c == 't';
        *out = v;
        return expect_word(l, c == 't' ? "true" : "false");
    }
    case 'n':
        *out = node_at(l, VAL_NULL, l->i);
        return expect_word(l, "null");
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return parse_number(l, out);
        return fail_char(l, context);
    }
}

int
val_json_load(struct val **out, struct arena *a, const char *buf, size_t len, const char *file,
              const struct val_json_opts *opts, struct pkg_err **errp)
{
    struct jload l = {.a = a,
                      .file = file ? file : "<json>",
                      .s = (const unsigned char *)buf,
                      .n = len,
                      .line = 1,
                      .col = 1,
                      .tmp = SB_INIT,
                      .errp = errp};
    if (opts)
        l.o = *opts;
    if (!l.o.max_depth)
        l.o.max_depth = DEFAULT_MAX_DEPTH;
    if (!l.o.max_bytes)
        l.o.max_bytes = DEFAULT_MAX_BYTES;
    *out = NULL;
    if (len > l.o.max_bytes)
        return pkg_err_set(errp, PKG_ELIMIT, "%s: %zu bytes exceeds the JSON size limit of %zu",
                           l.file, len, l.o.max_bytes);
    skip_ws(&l);
    struct val *v;
    int rc = parse_value(&l, &v, "looking for beginning of value");
    if (!rc) {
        skip_ws(&l);
        if (l.i < l.n)
            rc = fail_char(&l, "after top-level value");
    }
    sb_release(&l.tmp);
    if (rc)
        return rc;
    *out = v;
    return 0;
}

/* ---- emit ---- */

struct jemit {
    struct sb *sb;
    int flags;
    size_t depth;
    struct arena *scratch; /* for objects' to_val, made on first use */
    const struct val **stack;
    size_t nstack, cstack;
    struct pkg_err **errp;
};

#define EMIT_MAX_DEPTH 10000
/* Go starts looking for cycles past this depth. */
#define EMIT_CYCLE_CHECK 1000

static const char hexdig[] = "0123456789abcdef";

/* Bytes that pass through unescaped: ASCII from ' ' except '"' and '\\',
 * and (when escaping HTML) except '<', '>' and '&'. */
static bool
json_safe(unsigned char c, bool html)
{
    if (c < 0x20 || c == '"' || c == '\\')
        return false;
    if (html && (c == '<' || c == '>' || c == '&'))
        return false;
    return true;
}

void
val_json_quote(struct sb *sb, const char *p, size_t n, int flags)
{
    const unsigned char *s = (const unsigned char *)p;
    bool html = !(flags & VAL_JSON_NO_ESCAPE_HTML);
    sb_grow(sb, n + 2);
    sb_addch(sb, '"');
    size_t start = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (json_safe(c, html)) {
                i++;
                continue;
            }
            sb_add(sb, s + start, i - start);
            switch (c) {
            case '\\':
            case '"':
                sb_addch(sb, '\\');
                sb_addch(sb, c);
                break;
            case '\b':
                sb_add(sb, "\\b", 2);
                break;
            case '\f':
                sb_add(sb, "\\f", 2);
                break;
            case '\n':
                sb_add(sb, "\\n", 2);
                break;
            case '\r':
                sb_add(sb, "\\r", 2);
                break;
            case '\t':
                sb_add(sb, "\\t", 2);
                break;
            default: {
                char u[6] = {'\\', 'u', '0', '0', hexdig[c >> 4], hexdig[c & 0xF]};
                sb_add(sb, u, 6);
                break;
            }
            }
            start = ++i;
            continue;
        }
        uint32_t r;
        size_t k = utf8_decode(s + i, n - i, &r);
        if (k == 0) {
            sb_add(sb, s + start, i - start);
            sb_add(sb, "\\ufffd", 6);
            start = ++i;
            continue;
        }
        if (r == 0x2028 || r == 0x2029) {
            sb_add(sb, s + start, i - start);
            sb_add(sb, r == 0x2028 ? "\\u2028" : "\\u2029", 6);
            i += k;
            start = i;
            continue;
        }
        i += k;
    }
    sb_add(sb, s + start, n - start);
    sb_addch(sb, '"');
}

static void
newline_indent(struct jemit *e)
{
    if (e->flags & VAL_JSON_INDENT) {
        sb_addch(e->sb, '\n');
        sb_addchn(e->sb, ' ', 2 * e->depth);
    }
}

static void
base64_std(struct sb *sb, const unsigned char *s, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    sb_grow(sb, (n + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        char q[4] = {tab[v >> 18], tab[v >> 12 & 63], tab[v >> 6 & 63], tab[v & 63]};
        sb_add(sb, q, 4);
    }
    if (i < n) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
        char q[4] = {tab[v >> 18], tab[v >> 12 & 63], i + 1 < n ? tab[v >> 6 & 63] : '=', '='};
        sb_add(sb, q, 4);
    }
}

static int
cmp_ent(const void *x, const void *y)
{
    const struct val_mapent *a = *(const struct val_mapent *const *)x;
    const struct val_mapent *b = *(const struct val_mapent *const *)y;
    size_t n = a->key->u.s.len < b->key->u.s.len ? a->key->u.s.len : b->key->u.s.len;
    int c = memcmp(a->key->u.s.ptr, b->key->u.s.ptr, n);
    if (c)
        return c;
    return a->key->u.s.len < b->key->u.s.len ? -1 : a->key->u.s.len > b->key->u.s.len;
}

static const char *
go_type_name(const struct val *v)
{
    switch (v->kind) {
    case VAL_SEQ:
        return "[]interface {}";
    case VAL_MAP:
        return "map[string]interface {}";
    default:
        return "interface {}";
    }
}

static int emit_value(struct jemit *e, const struct val *v);

static int
emit_float(struct jemit *e, const struct val *v)
{
    double f = v->u.f;
    if (isnan(f) || isinf(f))
        return pkg_err_set(e->errp, PKG_EINVAL, "json: unsupported value: %s",
                           isnan(f) ? "NaN"
                           : f < 0  ? "-Inf"
                                    : "+Inf");
    if (v->gotype == VAL_GO_FLOAT32)
        gofmt_float32_json(e->sb, f);
    else
        gofmt_float_json(e->sb, f);
    return 0;
}

static int
emit_container(struct jemit *e, const struct val *v)
{
    if (e->depth >= EMIT_MAX_DEPTH)
        return pkg_err_set(e->errp, PKG_ELIMIT,
                           "json: value nested deeper than the limit of %d levels", EMIT_MAX_DEPTH);
    if (e->depth >= EMIT_CYCLE_CHECK) {
        for (size_t i = 0; i < e->nstack; i++)
            if (e->stack[i] == v)
                return pkg_err_set(e->errp, PKG_EINVAL,
                                   "json: unsupported value: encountered a cycle via %s",
                                   go_type_name(v));
    }
    e->stack = xgrow(e->stack, &e->cstack, e->nstack + 1, sizeof(*e->stack));
    e->stack[e->nstack++] = v;
    int rc = 0;
    if (v->kind == VAL_SEQ) {
        size_t n = val_seq_len(v);
        sb_addch(e->sb, '[');
        if (n) {
            e->depth++;
            for (size_t i = 0; i < n && !rc; i++) {
                if (i)
                    sb_addch(e->sb, ',');
                newline_indent(e);
                rc = emit_value(e, val_seq_at(v, i));
            }
            e->depth--;
            if (!rc)
                newline_indent(e);
        }
        sb_addch(e->sb, ']');
    } else {
        size_t n = val_map_len(v);
        sb_addch(e->sb, '{');
        if (n) {
            const struct val_mapent *small[16];
            const struct val_mapent **ents = n <= 16 ? small : xmalloc(n * sizeof(*ents));
            for (size_t i = 0; i < n; i++)
                ents[i] = &v->u.map.ents[i];
            if (!(e->flags & VAL_JSON_KEEP_ORDER) && !(v->flags & VAL_F_STRUCT))
                qsort(ents, n, sizeof(*ents), cmp_ent);
            e->depth++;
            for (size_t i = 0; i < n && !rc; i++) {
                if (i)
                    sb_addch(e->sb, ',');
                newline_indent(e);
                val_json_quote(e->sb, ents[i]->key->u.s.ptr, ents[i]->key->u.s.len, e->flags);
                sb_addch(e->sb, ':');
                if (e->flags & VAL_JSON_INDENT)
                    sb_addch(e->sb, ' ');
                rc = emit_value(e, ents[i]->v);
            }
            e->depth--;
            if (!rc)
                newline_indent(e);
            if (ents != small)
                free(ents);
        }
        sb_addch(e->sb, '}');
    }
    e->nstack--;
    return rc;
}

static int
emit_value(struct jemit *e, const struct val *v)
{
    if (!v) {
        sb_add(e->sb, "null", 4);
        return 0;
    }
    switch (v->kind) {
    case VAL_NULL:
        sb_add(e->sb, "null", 4);
        return 0;
    case VAL_BOOL:
        if (v->u.b)
            sb_add(e->sb, "true", 4);
        else
            sb_add(e->sb, "false", 5);
        return 0;
    case VAL_INT:
        if (v->gotype == VAL_GO_UINT || v->gotype == VAL_GO_UINT64)
            gofmt_uint(e->sb, (uint64_t)v->u.i);
        else
            gofmt_int(e->sb, v->u.i);
        return 0;
    case VAL_FLOAT:
        return emit_float(e, v);
    case VAL_STRING:
        if (v->gotype == VAL_GO_BYTES) {
            /* []byte marshals as base64 text. */
            sb_addch(e->sb, '"');
            base64_std(e->sb, (const unsigned char *)v->u.s.ptr, v->u.s.len);
            sb_addch(e->sb, '"');
            return 0;
        }
        val_json_quote(e->sb, v->u.s.ptr, v->u.s.len, e->flags);
        return 0;
    case VAL_SEQ:
    case VAL_MAP:
        if ((v->flags & VAL_F_NIL) && val_len(v) == 0) {
            sb_add(e->sb, "null", 4); /* Go's nil slice or map */
            return 0;
        }
        return emit_container(e, v);
    case VAL_OBJ: {
        const struct val_objtype *t = v->u.obj.type;
        if (!t || !t->to_val) {
            sb_add(e->sb, "null", 4);
            return 0;
        }
        if (!e->scratch)
            e->scratch = arena_new();
        return emit_value(e, t->to_val(e->scratch, v));
    }
    }
    return pkg_err_set(e->errp, PKG_EINVAL, "json: unsupported value kind %d", v->kind);
}

int
val_json_emit(struct sb *sb, const struct val *v, int flags, struct pkg_err **errp)
{
    struct jemit e = {.sb = sb, .flags = flags, .errp = errp};
    size_t start = sb->len;
    int rc = emit_value(&e, v);
    free(e.stack);
    arena_free(e.scratch);
    if (rc)
        sb_setlen(sb, start); /* nothing half-written */
    return rc;
}
