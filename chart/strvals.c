/* The --set family's grammar, a faithful port of Helm's pkg/strvals
 * (parser.go and literal_parser.go): keys with `.` nesting and `[i]`
 * indexes, backslash escapes, `{a,b}` lists, values typed like Helm's
 * typedVal (int64, bool, null), --set-json values decoded with
 * encoding/json's rules, and Helm's error texts — including the ones Go
 * produces when a type assertion panics and Helm recovers it ("unable to
 * parse key: interface conversion: ..."). */
#include "chart/chart-int.h"
#include "core/sb.h"
#include "core/text.h"
#include "core/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INDEX 65536
#define MAX_NESTED 30

/* Sentinel results besides 0 and PKG_E*: io.EOF and ErrNotList. */
#define SV_EOF 1
#define SV_NOTLIST 2

struct parser {
    struct arena *a;
    const char *s;
    size_t n, pos, last_w; /* last_w: width of the last rune read (UnreadRune) */
    enum chart_strvals_mode mode;
    chart_file_reader reader;
    void *payload;
    struct pkg_err **errp;
    bool panicked; /* a Go panic is being unwound to the nearest key() */
};

/* ReadRune: -1 at EOF. */
static int32_t
read_rune(struct parser *p)
{
    if (p->pos >= p->n) {
        p->last_w = 0;
        return -1;
    }
    size_t w;
    int32_t r = utf8_rune(p->s + p->pos, p->n - p->pos, &w);
    p->pos += w;
    p->last_w = w;
    return r;
}

static void
unread_rune(struct parser *p)
{
    p->pos -= p->last_w;
    p->last_w = 0;
}

/* runesUntil: collects into sb until a stop rune; backslash escapes the
 * next rune unless literal. Returns 0 (stop rune in *last) or SV_EOF. */
static int
runes_until(struct parser *p, struct sb *sb, const char *stop, int32_t *last, bool literal)
{
    sb_reset(sb);
    for (;;) {
        int32_t r = read_rune(p);
        if (r < 0) {
            *last = 0;
            return SV_EOF;
        }
        if (r < 0x80 && r && strchr(stop, (int)r)) {
            *last = r;
            return 0;
        }
        if (r == '\\' && !literal) {
            int32_t nx = read_rune(p);
            if (nx < 0) {
                *last = 0;
                return SV_EOF;
            }
            utf8_append(sb, nx);
            continue;
        }
        utf8_append(sb, r);
    }
}

/* Go's strconv.Quote for messages. */
static void
go_quote(struct sb *out, const char *s, size_t n)
{
    sb_addch(out, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            sb_addch(out, '\\');
            sb_addch(out, c);
            i++;
        } else if (c >= 0x20 && c < 0x7F) {
            sb_addch(out, c);
            i++;
        } else if (c < 0x80) {
            static const char esc[] = "abtnvfr";
            if (c >= 7 && c <= 13) {
                sb_addch(out, '\\');
                sb_addch(out, esc[c - 7]);
            } else {
                sb_addf(out, "\\x%02x", c);
            }
            i++;
        } else {
            size_t w;
            int32_t r = utf8_rune(s + i, n - i, &w);
            if (r == 0xFFFD && w == 1)
                sb_addf(out, "\\x%02x", c);
            else
                sb_add(out, s + i, w);
            i += w;
        }
    }
    sb_addch(out, '"');
}

/* Go's %q of a []rune: each rune as strconv.QuoteRune, in brackets. */
static void
go_quote_runes(struct sb *out, const char *s, size_t n)
{
    sb_addch(out, '[');
    for (size_t i = 0; i < n;) {
        if (i)
            sb_addch(out, ' ');
        size_t w;
        int32_t r = utf8_rune(s + i, n - i, &w);
        sb_addch(out, '\'');
        if (r == '\'' || r == '\\') {
            sb_addch(out, '\\');
            sb_addch(out, (int)r);
        } else if (r >= 0x20 && r < 0x7F) {
            sb_addch(out, (int)r);
        } else if (r < 0x20 || r == 0x7F) {
            static const char esc[] = "abtnvfr";
            if (r >= 7 && r <= 13) {
                sb_addch(out, '\\');
                sb_addch(out, esc[r - 7]);
            } else {
                sb_addf(out, "\\x%02x", (unsigned)r);
            }
        } else if (r == 0xFFFD && w == 1) {
            sb_addstr(out, "\xEF\xBF\xBD");
        } else {
            sb_add(out, s + i, w);
        }
        sb_addch(out, '\'');
        i += w;
    }
    sb_addch(out, ']');
}

static int
errf_key(struct parser *p, const char *fmt, const struct sb *k)
{
    struct sb q = SB_INIT;
    go_quote(&q, k->buf, k->len);
    pkg_err_set(p->errp, PKG_EINVAL, fmt, q.buf);
    sb_release(&q);
    return PKG_EINVAL;
}

/* A type assertion that fails panics in Go; Helm's key() recovers it. */
static int
panic_conv(struct parser *p, const struct val *have, const char *want)
{
    p->panicked = true;
    return pkg_err_set(p->errp, PKG_EINVAL,
                       "unable to parse key: interface conversion: interface {} is %s, not %s",
                       chart_go_type(have), want);
}

/* strings.EqualFold against an ASCII lowercase word; also folds the long
 * s (U+017F) and the Kelvin sign (U+212A) as Unicode does. */
static bool
equal_fold(const char *s, size_t n, const char *word)
{
    size_t i = 0;
    for (const char *w = word; *w; w++) {
        if (i >= n)
            return false;
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            char lc = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            if (lc != *w)
                return false;
            i++;
            continue;
        }
        size_t wd;
        int32_t r = utf8_rune(s + i, n - i, &wd);
        if (!((r == 0x17F && *w == 's') || (r == 0x212A && *w == 'k')))
            return false;
        i += wd;
    }
    return i == n;
}

/* strconv.ParseInt(s, 10, 64). */
static bool
parse_int64(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    if (i == n)
        return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return false;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)v;
    }
    return true;
}

static struct val *
typed_val(struct parser *p, const char *s, size_t n, bool st)
{
    struct arena *a = p->a;
    if (st)
        return val_str(a, s, n);
    if (equal_fold(s, n, "true"))
        return val_bool(a, true);
    if (equal_fold(s, n, "false"))
        return val_bool(a, false);
    if (equal_fold(s, n, "null"))
        return val_null(a);
    if (n == 1 && s[0] == '0') {
        struct val *v = val_int(a, 0);
        v->gotype = VAL_GO_INT64;
        return v;
    }
    int64_t iv;
    if (n && s[0] != '0' && parse_int64(s, n, &iv)) {
        struct val *v = val_int(a, iv);
        v->gotype = VAL_GO_INT64;
        return v;
    }
    return val_str(a, s, n);
}

/* The parser's value reader (typedVal, string, or file contents). */
static int
read_value(struct parser *p, const struct sb *rs, struct val **out)
{
    switch (p->mode) {
    case CHART_SET:
        *out = typed_val(p, rs->buf, rs->len, false);
        return 0;
    case CHART_SET_STRING:
    case CHART_SET_LITERAL:
        *out = val_str(p->a, rs->buf, rs->len);
        return 0;
    case CHART_SET_FILE:
        *out = NULL;
        if (!p->reader)
            return pkg_err_set(p->errp, PKG_EINVAL, "no file reader for --set-file");
        return p->reader(out, p->a, rs->buf, p->payload, p->errp);
    case CHART_SET_JSON:
        break;
    }
    return PKG_EINVAL;
}

static void
set_key(struct parser *p, struct val *data, const struct sb *k, struct val *v)
{
    if (k->len == 0)
        return;
    val_map_set(p->a, data, k->buf, k->len, v ? v : val_null(p->a));
}

/* setIndex: grows the list with nils. */
static int
set_index(struct parser *p, struct val **list, long index, struct val *v)
{
    if (index < 0)
        return pkg_err_set(p->errp, PKG_EINVAL, "negative %ld index not allowed", index);
    if (index > MAX_INDEX)
        return pkg_err_set(p->errp, PKG_EINVAL,
                           "index of %ld is greater than maximum supported index of %d", index,
                           MAX_INDEX);
    if (!*list)
        *list = val_seq(p->a);
    while (val_seq_len(*list) <= (size_t)index)
        val_seq_push(p->a, *list, val_null(p->a));
    (*list)->u.seq.items[index] = v ? v : val_null(p->a);
    return 0;
}

/* ---- --set-json values: encoding/json's Decoder reading one value ---- */

struct jdec {
    struct arena *a;
    const char *s;
    size_t n, pos;
    unsigned depth;
};

static bool
jspace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int j_value(struct jdec *j, struct val **out);

static int
j_hex4(struct jdec *j, int32_t *r)
{
    if (j->pos + 4 > j->n)
        return -1;
    int32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_digit(j->s[j->pos++]);
        if (h < 0)
            return -1;
        v = v << 4 | h;
    }
    *r = v;
    return 0;
}

static int
j_string(struct jdec *j, struct sb *sb)
{
    j->pos++; /* opening quote */
    for (;;) {
        if (j->pos >= j->n)
            return -1;
        unsigned char c = (unsigned char)j->s[j->pos];
        if (c == '"') {
            j->pos++;
            return 0;
        }
        if (c < 0x20)
            return -1;
        if (c == '\\') {
            j->pos++;
            if (j->pos >= j->n)
                return -1;
            char e = j->s[j->pos++];
            switch (e) {
            case '"':
            case '\\':
            case '/':
                sb_addch(sb, e);
                break;
            case 'b':
                sb_addch(sb, '\b');
                break;
            case 'f':
                sb_addch(sb, '\f');
                break;
            case 'n':
                sb_addch(sb, '\n');
                break;
            case 'r':
                sb_addch(sb, '\r');
                break;
            case 't':
                sb_addch(sb, '\t');
                break;
            case 'u': {
                int32_t r;
                if (j_hex4(j, &r))
                    return -1;
                if (r >= 0xD800 && r < 0xDC00) {
                    /* A surrogate pair, or U+FFFD for a lone half. */
                    size_t save = j->pos;
                    int32_t r2;
                    if (j->pos + 6 <= j->n && j->s[j->pos] == '\\' && j->s[j->pos + 1] == 'u') {
                        j->pos += 2;
                        if (!j_hex4(j, &r2) && r2 >= 0xDC00 && r2 < 0xE000) {
                            utf8_append(sb, 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00));
                            break;
                        }
                    }
                    j->pos = save;
                    utf8_append(sb, 0xFFFD);
                } else if (r >= 0xDC00 && r < 0xE000) {
                    utf8_append(sb, 0xFFFD);
                } else {
                    utf8_append(sb, r);
                }
                break;
            }
            default:
                return -1;
            }
            continue;
        }
        if (c < 0x80) {
            sb_addch(sb, c);
            j->pos++;
            continue;
        }
        size_t w;
        int32_t r = utf8_rune(j->s + j->pos, j->n - j->pos, &w);
        if (r == 0xFFFD && w == 1)
            sb_addstr(sb, "\xEF\xBF\xBD");
        else
            sb_add(sb, j->s + j->pos, w);
        j->pos += w;
    }
}

static void
j_skip(struct jdec *j)
{
    while (j->pos < j->n && jspace(j->s[j->pos]))
        j->pos++;
}

static int
j_number(struct jdec *j, struct val **out)
{
    size_t st = j->pos;
    const char *s = j->s;
    if (j->pos < j->n && s[j->pos] == '-')
        j->pos++;
    if (j->pos >= j->n)
        return -1;
    if (s[j->pos] == '0') {
        j->pos++;
    } else if (s[j->pos] >= '1' && s[j->pos] <= '9') {
        while (j->pos < j->n && s[j->pos] >= '0' && s[j->pos] <= '9')
            j->pos++;
    } else {
        return -1;
    }
    if (j->pos < j->n && s[j->pos] == '.') {
        j->pos++;
        if (j->pos >= j->n || s[j->pos] < '0' || s[j->pos] > '9')
            return -1;
        while (j->pos < j->n && s[j->pos] >= '0' && s[j->pos] <= '9')
            j->pos++;
    }
    if (j->pos < j->n && (s[j->pos] == 'e' || s[j->pos] == 'E')) {
        j->pos++;
        if (j->pos < j->n && (s[j->pos] == '+' || s[j->pos] == '-'))
            j->pos++;
        if (j->pos >= j->n || s[j->pos] < '0' || s[j->pos] > '9')
            return -1;
        while (j->pos < j->n && s[j->pos] >= '0' && s[j->pos] <= '9')
            j->pos++;
    }
    char *tmp = xstrndup(s + st, j->pos - st);
    errno = 0;
    double d = strtod(tmp, NULL);
    int bad = errno == ERANGE && (d > 1 || d < -1);
    free(tmp);
    if (bad)
        return -1;
    *out = val_float(j->a, d);
    return 0;
}

static int
j_lit(struct jdec *j, const char *lit)
{
    size_t n = strlen(lit);
    if (j->pos + n > j->n || memcmp(j->s + j->pos, lit, n))
        return -1;
    j->pos += n;
    return 0;
}

static int
j_value(struct jdec *j, struct val **out)
{
    j_skip(j);
    if (j->pos >= j->n)
        return -1;
    if (++j->depth > 10000)
        return -1;
    int rc = 0;
    char c = j->s[j->pos];
    if (c == '{') {
        j->pos++;
        struct val *m = val_map(j->a);
        j_skip(j);
        if (j->pos < j->n && j->s[j->pos] == '}') {
            j->pos++;
        } else {
            for (;;) {
                j_skip(j);
                if (j->pos >= j->n || j->s[j->pos] != '"')
                    return -1;
                struct sb k = SB_INIT;
                if (j_string(j, &k)) {
                    sb_release(&k);
                    return -1;
                }
                j_skip(j);
                if (j->pos >= j->n || j->s[j->pos] != ':') {
                    sb_release(&k);
                    return -1;
                }
                j->pos++;
                struct val *v;
                if (j_value(j, &v)) {
                    sb_release(&k);
                    return -1;
                }
                val_map_set(j->a, m, k.buf, k.len, v);
                sb_release(&k);
                j_skip(j);
                if (j->pos >= j->n)
                    return -1;
                if (j->s[j->pos] == ',') {
                    j->pos++;
                    continue;
                }
                if (j->s[j->pos] == '}') {
                    j->pos++;
                    break;
                }
                return -1;
            }
        }
        *out = m;
    } else if (c == '[') {
        j->pos++;
        struct val *s = val_seq(j->a);
        j_skip(j);
        if (j->pos < j->n && j->s[j->pos] == ']') {
            j->pos++;
        } else {
            for (;;) {
                struct val *v;
                if (j_value(j, &v))
                    return -1;
                val_seq_push(j->a, s, v);
                j_skip(j);
                if (j->pos >= j->n)
                    return -1;
                if (j->s[j->pos] == ',') {
                    j->pos++;
                    continue;
                }
                if (j->s[j->pos] == ']') {
                    j->pos++;
                    break;
                }
                return -1;
            }
        }
        *out = s;
    } else if (c == '"') {
        struct sb sb = SB_INIT;
        rc = j_string(j, &sb);
        if (!rc)
            *out = val_str(j->a, sb.buf, sb.len);
        sb_release(&sb);
    } else if (c == 't') {
        rc = j_lit(j, "true");
        *out = val_bool(j->a, true);
    } else if (c == 'f') {
        rc = j_lit(j, "false");
        *out = val_bool(j->a, false);
    } else if (c == 'n') {
        rc = j_lit(j, "null");
        *out = val_null(j->a);
    } else {
        rc = j_number(j, out);
    }
    j->depth--;
    return rc;
}

/* Decodes one JSON value at the parser's position and consumes it. */
static int
json_value(struct parser *p, struct val **out)
{
    struct jdec j = {.a = p->a, .s = p->s, .n = p->n, .pos = p->pos};
    if (j_value(&j, out))
        return pkg_err_set(p->errp, PKG_EINVAL, "invalid JSON value");
    p->pos = j.pos;
    return 0;
}

/* emptyVal: true at EOF or ','; whitespace skipped; else the rune is put
 * back. */
static bool
empty_val(struct parser *p)
{
    for (;;) {
        int32_t r = read_rune(p);
        if (r < 0)
            return true;
        if (r == ',')
            return true;
        bool space = r == ' ' || (r >= '\t' && r <= '\r') || r == 0x85 || r == 0xA0 ||
                     r == 0x1680 || (r >= 0x2000 && r <= 0x200A) || r == 0x2028 || r == 0x2029 ||
                     r == 0x202F || r == 0x205F || r == 0x3000;
        if (!space) {
            unread_rune(p);
            return false;
        }
    }
}

/* valList: 0 with *out, SV_EOF, SV_NOTLIST, or an error. */
static int
val_list(struct parser *p, struct val **out)
{
    int32_t r = read_rune(p);
    if (r < 0)
        return SV_EOF;
    if (r != '{') {
        unread_rune(p);
        return SV_NOTLIST;
    }
    struct val *list = val_seq(p->a);
    struct sb rs = SB_INIT;
    int rc;
    for (;;) {
        int32_t last;
        if (runes_until(p, &rs, ",}", &last, false) == SV_EOF) {
            rc = pkg_err_set(p->errp, PKG_EINVAL, "list must terminate with '}'");
            break;
        }
        struct val *v = NULL;
        if (last == '}') {
            int32_t r2 = read_rune(p);
            if (r2 >= 0 && r2 != ',')
                unread_rune(p);
            rc = read_value(p, &rs, &v);
            if (!rc) {
                val_seq_push(p->a, list, v);
                *out = list;
            }
            break;
        }
        rc = read_value(p, &rs, &v);
        if (rc)
            break;
        val_seq_push(p->a, list, v);
    }
    sb_release(&rs);
    return rc;
}

/* keyIndex: strconv.Atoi of the text up to ']'. */
static int
key_index(struct parser *p, long *out, bool literal)
{
    struct sb v = SB_INIT;
    int32_t last;
    if (runes_until(p, &v, "]", &last, literal) == SV_EOF) {
        sb_release(&v);
        return pkg_err_set(p->errp, PKG_EINVAL, "error parsing index: EOF");
    }
    int64_t i;
    bool ok = parse_int64(v.buf, v.len, &i);
    if (!ok) {
        /* Distinguish a number out of range from bad syntax. */
        bool digits = v.len > 0;
        size_t k = (v.len && (v.buf[0] == '+' || v.buf[0] == '-')) ? 1 : 0;
        if (k == v.len)
            digits = false;
        for (; k < v.len; k++)
            if (v.buf[k] < '0' || v.buf[k] > '9')
                digits = false;
        struct sb q = SB_INIT;
        go_quote(&q, v.buf, v.len);
        pkg_err_set(p->errp, PKG_EINVAL, "error parsing index: strconv.Atoi: parsing %s: %s", q.buf,
                    digits ? "value out of range" : "invalid syntax");
        sb_release(&q);
        sb_release(&v);
        return PKG_EINVAL;
    }
    sb_release(&v);
    *out = (long)i;
    return 0;
}

static int parse_key(struct parser *p, struct val *data, int level);

/* listItem: *list may be NULL (Go's nil slice). */
static int
list_item(struct parser *p, struct val **list, long i, int level)
{
    bool literal = p->mode == CHART_SET_LITERAL;
    if (i < 0)
        return pkg_err_set(p->errp, PKG_EINVAL, "negative %ld index not allowed", i);
    struct sb k = SB_INIT;
    int32_t last;
    int e = runes_until(p, &k, "[.=", &last, literal);
    int rc = 0;
    if (k.len > 0) {
        /* Helm formats this key, a []rune, with %q. */
        struct sb q = SB_INIT;
        go_quote_runes(&q, k.buf, k.len);
        rc = pkg_err_set(p->errp, PKG_EINVAL, "unexpected data at end of array index: %s", q.buf);
        sb_release(&q);
        goto out;
    }
    if (e == SV_EOF) {
        rc = SV_EOF;
        goto out;
    }
    if (last == '=') {
        if (literal) {
            struct sb v = SB_INIT;
            runes_until(p, &v, "", &last, true);
            rc = set_index(p, list, i, val_str(p->a, v.buf, v.len));
            sb_release(&v);
            goto out;
        }
        if (p->mode == CHART_SET_JSON) {
            if (empty_val(p)) {
                rc = set_index(p, list, i, NULL);
                goto out;
            }
            struct val *jv;
            rc = json_value(p, &jv);
            if (rc)
                goto out;
            rc = set_index(p, list, i, jv);
            if (rc)
                goto out;
            empty_val(p);
            goto out;
        }
        struct val *vl = NULL;
        int le = val_list(p, &vl);
        if (le == 0) {
            rc = set_index(p, list, i, vl);
        } else if (le == SV_EOF) {
            rc = set_index(p, list, i, val_strz(p->a, ""));
        } else if (le == SV_NOTLIST) {
            struct sb rs = SB_INIT;
            runes_until(p, &rs, ",", &last, false);
            struct val *v = NULL;
            rc = read_value(p, &rs, &v);
            sb_release(&rs);
            if (!rc)
                rc = set_index(p, list, i, v);
        } else {
            rc = le;
        }
        goto out;
    }
    if (last == '[') {
        long next;
        rc = key_index(p, &next, literal);
        if (rc)
            goto out;
        struct val *crt = NULL;
        if (*list && val_seq_len(*list) > (size_t)i) {
            struct val *existed = val_seq_at(*list, (size_t)i);
            if (existed->kind != VAL_NULL) {
                if (existed->kind != VAL_SEQ) {
                    rc = panic_conv(p, existed, "[]interface {}");
                    goto out;
                }
                crt = existed;
            }
        }
        rc = list_item(p, &crt, next, level);
        if (rc)
            goto out;
        rc = set_index(p, list, i, crt ? crt : val_seq(p->a));
        goto out;
    }
    if (last == '.') {
        struct val *inner = val_map(p->a);
        if (*list && val_seq_len(*list) > (size_t)i) {
            struct val *cur = val_seq_at(*list, (size_t)i);
            if (cur->kind == VAL_MAP) {
                inner = cur;
            } else {
                (*list)->u.seq.items[i] = inner;
            }
        }
        rc = parse_key(p, inner, level);
        if (rc)
            goto out;
        rc = set_index(p, list, i, inner);
        goto out;
    }
    rc = pkg_err_set(p->errp, PKG_EINVAL, "parse error: unexpected token %d", (int)last);
out:
    sb_release(&k);
    return rc;
}

/* key(): 0 (continue), SV_EOF (done) or an error. */
static int
parse_key(struct parser *p, struct val *data, int level)
{
    bool literal = p->mode == CHART_SET_LITERAL;
    struct sb k = SB_INIT;
    int32_t last;
    int rc = 0;
    int e = runes_until(p, &k, literal ? "=[." : "=[,.", &last, literal);
    if (e == SV_EOF) {
        rc = k.len == 0 ? SV_EOF : errf_key(p, "key %s has no value", &k);
        goto out;
    }
    if (last == '[') {
        long i;
        rc = key_index(p, &i, literal);
        if (rc)
            goto out;
        struct val *list = NULL;
        long at = val_map_find(data, k.buf, k.len);
        if (at >= 0) {
            struct val *cur = data->u.map.ents[at].v;
            if (cur->kind != VAL_SEQ) {
                rc = panic_conv(p, cur, "[]interface {}");
                goto out;
            }
            list = cur;
        }
        if (!list)
            list = val_seq(p->a);
        rc = list_item(p, &list, i, level);
        if (!p->panicked)
            set_key(p, data, &k, list);
        goto out;
    }
    if (last == '=') {
        if (literal) {
            struct sb v = SB_INIT;
            runes_until(p, &v, "", &last, true);
            set_key(p, data, &k, val_str(p->a, v.buf, v.len));
            sb_release(&v);
            goto out;
        }
        if (p->mode == CHART_SET_JSON) {
            if (empty_val(p)) {
                set_key(p, data, &k, NULL);
                goto out;
            }
            struct val *jv;
            rc = json_value(p, &jv);
            if (rc)
                goto out;
            set_key(p, data, &k, jv);
            empty_val(p);
            goto out;
        }
        struct val *vl = NULL;
        int le = val_list(p, &vl);
        if (le == 0) {
            set_key(p, data, &k, vl);
        } else if (le == SV_EOF) {
            set_key(p, data, &k, val_strz(p->a, ""));
            rc = SV_EOF;
        } else if (le == SV_NOTLIST) {
            struct sb rs = SB_INIT;
            runes_until(p, &rs, ",", &last, false);
            struct val *v = NULL;
            rc = read_value(p, &rs, &v);
            sb_release(&rs);
            set_key(p, data, &k, v);
        } else {
            rc = le;
        }
        goto out;
    }
    if (last == ',') {
        set_key(p, data, &k, val_strz(p->a, ""));
        rc = errf_key(p, "key %s has no value (cannot end with ,)", &k);
        goto out;
    }
    if (last == '.') {
        level++;
        if (level > MAX_NESTED) {
            rc = pkg_err_set(p->errp, PKG_EINVAL,
                             "value name nested level is greater than maximum supported nested "
                             "level of %d",
                             MAX_NESTED);
            goto out;
        }
        struct val *inner = NULL;
        long at = val_map_find(data, k.buf, k.len);
        if (at >= 0) {
            struct val *cur = data->u.map.ents[at].v;
            if (cur->kind != VAL_MAP) {
                rc = panic_conv(p, cur, "map[string]interface {}");
                goto out;
            }
            inner = cur;
        }
        if (!inner)
            inner = val_map(p->a);
        int ie = parse_key(p, inner, level);
        if (ie == 0 && val_map_len(inner) == 0) {
            rc = errf_key(p, "key map %s has no value", &k);
            goto out;
        }
        if (val_map_len(inner) != 0 && !p->panicked)
            set_key(p, data, &k, inner);
        rc = ie;
        goto out;
    }
out:
    sb_release(&k);
    /* Helm's recover() turns the panic into this key's error. */
    p->panicked = false;
    return rc;
}

int
chart_strvals_parse(struct arena *a, struct val *dest, const char *s, enum chart_strvals_mode mode,
                    chart_file_reader reader, void *payload, struct pkg_err **errp)
{
    struct parser p = {
        .a = a,
        .s = s,
        .n = strlen(s),
        .mode = mode,
        .reader = reader,
        .payload = payload,
        .errp = errp,
    };
    for (;;) {
        int rc = parse_key(&p, dest, 0);
        if (rc == 0)
            continue;
        if (rc == SV_EOF)
            return 0;
        return rc < 0 ? rc : PKG_EINVAL;
    }
}
