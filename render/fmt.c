/* Go's fmt for template values: Sprint, Sprintln and Sprintf with every
 * verb, flag, width and precision, the %!verb(type=value) error forms, and
 * strconv.Quote — a port of fmt/print.go and fmt/format.go over core value
 * trees, with Go's types taken from val.gotype. */
#include "render/exec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gofmt.h"
#include "core/text.h"

static const char ldigits[] = "0123456789abcdefx";
static const char udigits[] = "0123456789ABCDEFX";

struct pp {
    struct sb *buf;
    bool minus, plus, sharp, space, zero, plus_v, sharp_v, wid_present, prec_present;
    int wid, prec;
    const struct val *arg; /* the current operand, for badVerb */
    bool erroring;
    bool reordered, good_arg_num;
};

_Thread_local bool tmpl_fmt_overflow;

#define FMT_MAX_DEPTH 10000
#define FMT_MAX_BYTES ((size_t)256 << 20)

static void print_arg(struct pp *p, const struct val *arg, int verb);
static void print_value(struct pp *p, const struct val *v, int verb, int depth);

static void
clearflags(struct pp *p)
{
    p->minus = p->plus = p->sharp = p->space = p->zero = false;
    p->plus_v = p->sharp_v = p->wid_present = p->prec_present = false;
    p->wid = p->prec = 0;
}

/* ---- strconv quoting ---- */

static void
append_escaped_rune(struct sb *sb, uint32_t r, char quote, bool ascii_only)
{
    static const char hex[] = "0123456789abcdef";
    if (r == (uint32_t)quote || r == '\\') {
        sb_addch(sb, '\\');
        utf8_append(sb, r);
        return;
    }
    if (ascii_only) {
        if (r < 0x80 && tmpl_uni_is_print(r)) {
            sb_addch(sb, (int)r);
            return;
        }
    } else if (tmpl_uni_is_print(r)) {
        utf8_append(sb, r);
        return;
    }
    switch (r) {
    case '\a':
        sb_addstr(sb, "\\a");
        return;
    case '\b':
        sb_addstr(sb, "\\b");
        return;
    case '\f':
        sb_addstr(sb, "\\f");
        return;
    case '\n':
        sb_addstr(sb, "\\n");
        return;
    case '\r':
        sb_addstr(sb, "\\r");
        return;
    case '\t':
        sb_addstr(sb, "\\t");
        return;
    case '\v':
        sb_addstr(sb, "\\v");
        return;
    }
    if (r < ' ' || r == 0x7f) {
        sb_addstr(sb, "\\x");
        sb_addch(sb, hex[(r >> 4) & 0xF]);
        sb_addch(sb, hex[r & 0xF]);
        return;
    }
    if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
        r = 0xFFFD;
    if (r < 0x10000) {
        sb_addstr(sb, "\\u");
        for (int s = 12; s >= 0; s -= 4)
            sb_addch(sb, hex[(r >> s) & 0xF]);
    } else {
        sb_addstr(sb, "\\U");
        for (int s = 28; s >= 0; s -= 4)
            sb_addch(sb, hex[(r >> s) & 0xF]);
    }
}

static void
append_quoted(struct sb *sb, const char *s, size_t n, char quote, bool ascii_only)
{
    static const char hex[] = "0123456789abcdef";
    sb_grow(sb, n + 2);
    sb_addch(sb, quote);
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (c >= 0x20 && c < 0x7F && c != (unsigned char)quote && c != '\\') {
                /* fast path for printable ASCII */
                size_t j = i + 1;
                while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] < 0x7F &&
                       s[j] != quote && s[j] != '\\')
                    j++;
                sb_add(sb, s + i, j - i);
                i = j;
                continue;
            }
            append_escaped_rune(sb, c, quote, ascii_only);
            i++;
            continue;
        }
        size_t w;
        uint32_t r = utf8_rune(s + i, n - i, &w);
        if (w == 1 && r == 0xFFFD) {
            sb_addstr(sb, "\\x");
            sb_addch(sb, hex[c >> 4]);
            sb_addch(sb, hex[c & 0xF]);
            i++;
            continue;
        }
        append_escaped_rune(sb, r, quote, ascii_only);
        i += w;
    }
    sb_addch(sb, quote);
}

void
tmpl_quote(struct sb *out, const char *s, size_t n)
{
    append_quoted(out, s, n, '"', false);
}

static bool
can_backquote(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t w;
        uint32_t r = utf8_rune(s + i, n - i, &w);
        i += w;
        if (w > 1) {
            if (r == 0xFEFF)
                return false;
            continue;
        }
        if (r == 0xFFFD)
            return false;
        if ((r < ' ' && r != '\t') || r == '`' || r == 0x7F)
            return false;
    }
    return true;
}

/* ---- padding ---- */

static void
write_padding(struct pp *p, int n)
{
    if (n <= 0)
        return;
    sb_addchn(p->buf, p->zero && !p->minus ? '0' : ' ', (size_t)n);
}

static void
pad(struct pp *p, const char *s, size_t n)
{
    if (!p->wid_present || p->wid == 0) {
        sb_add(p->buf, s, n);
        return;
    }
    int width = p->wid - (int)tmpl_utf8_count(s, n);
    if (!p->minus) {
        write_padding(p, width);
        sb_add(p->buf, s, n);
    } else {
        sb_add(p->buf, s, n);
        write_padding(p, width);
    }
}

static void
pad_string(struct pp *p, const char *s)
{
    pad(p, s, strlen(s));
}

/* ---- basic formatters (format.go) ---- */

static void
fmt_boolean(struct pp *p, bool v)
{
    pad_string(p, v ? "true" : "false");
}

static void
fmt_unicode(struct pp *p, uint64_t u)
{
    char buf[96];
    int prec = 4;
    if (p->prec_present && p->prec > 4) {
        prec = p->prec;
        if (prec > 60)
            prec = 60;
    }
    int i = (int)sizeof(buf);
    if (p->sharp && u <= 0x10FFFF && tmpl_uni_is_print((uint32_t)u)) {
        struct sb r = SB_INIT;
        utf8_append(&r, (uint32_t)u);
        buf[--i] = '\'';
        i -= (int)r.len;
        memcpy(buf + i, r.buf, r.len);
        buf[--i] = '\'';
        buf[--i] = ' ';
        sb_release(&r);
    }
    while (u >= 16) {
        buf[--i] = udigits[u & 0xF];
        prec--;
        u >>= 4;
    }
    buf[--i] = udigits[u];
    prec--;
    while (prec > 0) {
        buf[--i] = '0';
        prec--;
    }
    buf[--i] = '+';
    buf[--i] = 'U';
    bool oz = p->zero;
    p->zero = false;
    pad(p, buf + i, sizeof(buf) - (size_t)i);
    p->zero = oz;
}

static void
fmt_integer(struct pp *p, uint64_t u, int base, bool is_signed, int verb, const char *digits)
{
    bool negative = is_signed && (int64_t)u < 0;
    if (negative)
        u = -u;
    char sbuf[68];
    char *buf = sbuf;
    size_t blen = sizeof(sbuf);
    char *heap = NULL;
    if (p->wid_present || p->prec_present) {
        size_t width = 3 + (size_t)p->wid + (size_t)p->prec;
        if (width > blen) {
            heap = malloc(width);
            if (!heap)
                abort();
            buf = heap;
            blen = width;
        }
    }
    int prec = 0;
    if (p->prec_present) {
        prec = p->prec;
        if (prec == 0 && u == 0) {
            bool oz = p->zero;
            p->zero = false;
            write_padding(p, p->wid);
            p->zero = oz;
            free(heap);
            return;
        }
    } else if (p->zero && !p->minus && p->wid_present) {
        prec = p->wid;
        if (negative || p->plus || p->space)
            prec--;
    }
    size_t i = blen;
    switch (base) {
    case 10:
        while (u >= 10) {
            buf[--i] = (char)('0' + u % 10);
            u /= 10;
        }
        break;
    case 16:
        while (u >= 16) {
            buf[--i] = digits[u & 0xF];
            u >>= 4;
        }
        break;
    case 8:
        while (u >= 8) {
            buf[--i] = (char)('0' + (u & 7));
            u >>= 3;
        }
        break;
    case 2:
        while (u >= 2) {
            buf[--i] = (char)('0' + (u & 1));
            u >>= 1;
        }
        break;
    }
    buf[--i] = digits[u];
    while (i > 0 && prec > (int)(blen - i))
        buf[--i] = '0';
    if (p->sharp) {
        switch (base) {
        case 2:
            buf[--i] = 'b';
            buf[--i] = '0';
            break;
        case 8:
            if (buf[i] != '0')
                buf[--i] = '0';
            break;
        case 16:
            buf[--i] = digits[16];
            buf[--i] = '0';
            break;
        }
    }
    if (verb == 'O') {
        buf[--i] = 'o';
        buf[--i] = '0';
    }
    if (negative)
        buf[--i] = '-';
    else if (p->plus)
        buf[--i] = '+';
    else if (p->space)
        buf[--i] = ' ';
    bool oz = p->zero;
    p->zero = false;
    pad(p, buf + i, blen - i);
    p->zero = oz;
    free(heap);
}

/* truncate to precision runes */
static size_t
truncate_len(const struct pp *p, const char *s, size_t n)
{
    if (!p->prec_present)
        return n;
    int k = p->prec;
    size_t i = 0, w;
    while (i < n) {
        if (k-- <= 0)
            return i;
        utf8_rune(s + i, n - i, &w);
        i += w;
    }
    return n;
}

static void
fmt_s(struct pp *p, const char *s, size_t n)
{
    pad(p, s, truncate_len(p, s, n));
}

static void
fmt_sbx(struct pp *p, const char *s, size_t n, const char *digits)
{
    int length = (int)n;
    if (p->prec_present && p->prec < length)
        length = p->prec;
    int width = 2 * length;
    if (width > 0) {
        if (p->space) {
            if (p->sharp)
                width *= 2;
            width += length - 1;
        } else if (p->sharp) {
            width += 2;
        }
    } else {
        if (p->wid_present)
            write_padding(p, p->wid);
        return;
    }
    if (p->wid_present && p->wid > width && !p->minus)
        write_padding(p, p->wid - width);
    if (p->sharp) {
        sb_addch(p->buf, '0');
        sb_addch(p->buf, digits[16]);
    }
    for (int i = 0; i < length; i++) {
        if (p->space && i > 0) {
            sb_addch(p->buf, ' ');
            if (p->sharp) {
                sb_addch(p->buf, '0');
                sb_addch(p->buf, digits[16]);
            }
        }
        unsigned char c = (unsigned char)s[i];
        sb_addch(p->buf, digits[c >> 4]);
        sb_addch(p->buf, digits[c & 0xF]);
    }
    if (p->wid_present && p->wid > width && p->minus)
        write_padding(p, p->wid - width);
}

static void
fmt_q(struct pp *p, const char *s, size_t n)
{
    n = truncate_len(p, s, n);
    if (p->sharp && can_backquote(s, n)) {
        struct sb t = SB_INIT;
        sb_addch(&t, '`');
        sb_add(&t, s, n);
        sb_addch(&t, '`');
        pad(p, t.buf, t.len);
        sb_release(&t);
        return;
    }
    struct sb t = SB_INIT;
    append_quoted(&t, s, n, '"', p->plus);
    pad(p, t.buf, t.len);
    sb_release(&t);
}

static void
fmt_c(struct pp *p, uint64_t c)
{
    uint32_t r = c > 0x10FFFF ? 0xFFFD : (uint32_t)c;
    struct sb t = SB_INIT;
    utf8_append(&t, r);
    pad(p, t.buf, t.len);
    sb_release(&t);
}

static void
fmt_qc(struct pp *p, uint64_t c)
{
    uint32_t r = c > 0x10FFFF ? 0xFFFD : (uint32_t)c;
    if (r >= 0xD800 && r <= 0xDFFF)
        r = 0xFFFD;
    struct sb t = SB_INIT;
    sb_addch(&t, '\'');
    append_escaped_rune(&t, r, '\'', p->plus);
    sb_addch(&t, '\'');
    pad(p, t.buf, t.len);
    sb_release(&t);
}

/* strconv.AppendFloat for the verbs fmt passes. */
/* strconv's fmtX: the mantissa normalized to a leading 1 (also for
 * subnormals), rounded to prec hex digits half to even, renormalized when
 * the rounding carries (0x1.8p+01 at %.0x is 0x1p+02, not C's 0x2p+01),
 * and at least two exponent digits. */
static void
append_float_x(struct sb *sb, double v, int verb, int prec)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    bool neg = bits >> 63;
    int exp = (int)((bits >> 52) & 0x7ff);
    uint64_t mant = bits & ((1ull << 52) - 1);
    if (exp == 0)
        exp++;
    else
        mant |= 1ull << 52;
    exp -= 1023;
    if (mant == 0)
        exp = 0;
    mant <<= 60 - 52;
    while (mant != 0 && (mant & (1ull << 60)) == 0) {
        mant <<= 1;
        exp--;
    }
    if (prec >= 0 && prec < 15) {
        unsigned shift = (unsigned)prec * 4;
        uint64_t extra = (mant << shift) & ((1ull << 60) - 1);
        mant >>= 60 - shift;
        if ((extra | (mant & 1)) > (1ull << 59))
            mant++;
        mant <<= 60 - shift;
        if (mant & (1ull << 61)) {
            mant >>= 1;
            exp++;
        }
    }
    const char *hex = verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    if (neg)
        sb_addch(sb, '-');
    sb_addch(sb, '0');
    sb_addch(sb, (char)verb);
    sb_addch(sb, (char)('0' + ((mant >> 60) & 1)));
    mant <<= 4;
    if (prec < 0 && mant != 0) {
        sb_addch(sb, '.');
        while (mant != 0) {
            sb_addch(sb, hex[(mant >> 60) & 15]);
            mant <<= 4;
        }
    } else if (prec > 0) {
        sb_addch(sb, '.');
        for (int i = 0; i < prec; i++) {
            sb_addch(sb, hex[(mant >> 60) & 15]);
            mant <<= 4;
        }
    }
    sb_addch(sb, verb == 'X' ? 'P' : 'p');
    sb_addch(sb, exp < 0 ? '-' : '+');
    if (exp < 0)
        exp = -exp;
    sb_addf(sb, "%02d", exp);
}

static void
append_float(struct sb *sb, double v, int verb, int prec)
{
    switch (verb) {
    case 'e':
    case 'E':
    case 'f':
    case 'g':
    case 'G':
        gofmt_float(sb, v, (char)verb, prec);
        return;
    case 'F':
        gofmt_float(sb, v, 'f', prec);
        return;
    case 'b': {
        /* mantissa "p" exponent, binary exponent */
        if (isnan(v) || isinf(v)) {
            gofmt_float(sb, v, 'g', -1);
            return;
        }
        uint64_t bits;
        memcpy(&bits, &v, 8);
        bool neg = bits >> 63;
        int exp = (int)((bits >> 52) & 0x7FF);
        uint64_t mant = bits & ((1ull << 52) - 1);
        if (exp == 0)
            exp++;
        else
            mant |= 1ull << 52;
        exp += -1023 - 52;
        if (neg)
            sb_addch(sb, '-');
        sb_addf(sb, "%llup%+d", (unsigned long long)mant, exp);
        return;
    }
    default: { /* 'x', 'X': hexadecimal mantissa and binary exponent */
        if (isnan(v) || isinf(v)) {
            gofmt_float(sb, v, 'g', -1);
            return;
        }
        append_float_x(sb, v, verb, prec);
        return;
    }
    }
}

static void
fmt_float(struct pp *p, double v, int size, int verb, int prec)
{
    (void)size;
    if (p->prec_present)
        prec = p->prec;
    struct sb t = SB_INIT;
    sb_addch(&t, '+');
    append_float(&t, v, verb, prec);
    char *num = t.buf;
    size_t nl = t.len;
    if (num[1] == '-' || num[1] == '+') {
        num++;
        nl--;
    }
    if (p->space && num[0] == '+' && !p->plus)
        num[0] = ' ';
    if (num[1] == 'I' || num[1] == 'N') {
        bool oz = p->zero;
        p->zero = false;
        if (num[1] == 'N' && !p->space && !p->plus) {
            num++;
            nl--;
        }
        pad(p, num, nl);
        p->zero = oz;
        sb_release(&t);
        return;
    }
    struct sb res = SB_INIT;
    sb_add(&res, num, nl);
    if (p->sharp && verb != 'b') {
        int digits = 0;
        switch (verb) {
        case 'v':
        case 'g':
        case 'G':
        case 'x':
            digits = prec;
            if (digits == -1)
                digits = 6;
        }
        char tail[16];
        size_t tl = 0;
        bool has_dot = false, saw_nonzero = false;
        size_t len = res.len;
        for (size_t i = 1; i < len; i++) {
            char c = res.buf[i];
            if (c == '.') {
                has_dot = true;
            } else if (c == 'p' || c == 'P' ||
                       ((c == 'e' || c == 'E') && verb != 'x' && verb != 'X')) {
                tl = len - i < sizeof(tail) ? len - i : sizeof(tail) - 1;
                memcpy(tail, res.buf + i, tl);
                sb_setlen(&res, i);
                break;
            } else {
                if (c != '0')
                    saw_nonzero = true;
                if (saw_nonzero)
                    digits--;
            }
        }
        if (!has_dot) {
            if (res.len == 2 && res.buf[1] == '0')
                digits--;
            sb_addch(&res, '.');
        }
        while (digits > 0) {
            sb_addch(&res, '0');
            digits--;
        }
        sb_add(&res, tail, tl);
    }
    if (p->plus || res.buf[0] != '+') {
        if (p->zero && !p->minus && p->wid_present && p->wid > (int)res.len) {
            sb_addch(p->buf, res.buf[0]);
            write_padding(p, p->wid - (int)res.len);
            sb_add(p->buf, res.buf + 1, res.len - 1);
        } else {
            pad(p, res.buf, res.len);
        }
    } else {
        pad(p, res.buf + 1, res.len - 1);
    }
    sb_release(&res);
    sb_release(&t);
}

/* ---- print.go ---- */

static void
bad_verb(struct pp *p, int verb)
{
    p->erroring = true;
    sb_addstr(p->buf, "%!");
    utf8_append(p->buf, (uint32_t)verb);
    sb_addch(p->buf, '(');
    if (p->arg && p->arg->kind != VAL_NULL) {
        sb_addstr(p->buf, tmpl_typename(p->arg));
        sb_addch(p->buf, '=');
        const struct val *a = p->arg;
        print_arg(p, a, 'v');
    } else {
        sb_addstr(p->buf, "<nil>");
    }
    sb_addch(p->buf, ')');
    p->erroring = false;
}

static void
fmt_bool(struct pp *p, bool v, int verb)
{
    if (verb == 't' || verb == 'v')
        fmt_boolean(p, v);
    else
        bad_verb(p, verb);
}

static void
fmt0x64(struct pp *p, uint64_t v, bool leading0x)
{
    bool sharp = p->sharp;
    p->sharp = leading0x;
    fmt_integer(p, v, 16, false, 'v', ldigits);
    p->sharp = sharp;
}

static void
fmt_int(struct pp *p, uint64_t v, bool is_signed, int verb)
{
    switch (verb) {
    case 'v':
        if (p->sharp_v && !is_signed)
            fmt0x64(p, v, true);
        else
            fmt_integer(p, v, 10, is_signed, verb, ldigits);
        break;
    case 'd':
        fmt_integer(p, v, 10, is_signed, verb, ldigits);
        break;
    case 'b':
        fmt_integer(p, v, 2, is_signed, verb, ldigits);
        break;
    case 'o':
    case 'O':
        fmt_integer(p, v, 8, is_signed, verb, ldigits);
        break;
    case 'x':
        fmt_integer(p, v, 16, is_signed, verb, ldigits);
        break;
    case 'X':
        fmt_integer(p, v, 16, is_signed, verb, udigits);
        break;
    case 'c':
        fmt_c(p, v);
        break;
    case 'q':
        fmt_qc(p, v);
        break;
    case 'U':
        fmt_unicode(p, v);
        break;
    default:
        bad_verb(p, verb);
    }
}

static void
fmt_flt(struct pp *p, double v, int size, int verb)
{
    switch (verb) {
    case 'v':
        fmt_float(p, v, size, 'g', -1);
        break;
    case 'b':
    case 'g':
    case 'G':
    case 'x':
    case 'X':
        fmt_float(p, v, size, verb, -1);
        break;
    case 'f':
    case 'e':
    case 'E':
        fmt_float(p, v, size, verb, 6);
        break;
    case 'F':
        fmt_float(p, v, size, 'f', 6);
        break;
    default:
        bad_verb(p, verb);
    }
}

static void
fmt_string(struct pp *p, const char *s, size_t n, int verb)
{
    switch (verb) {
    case 'v':
        if (p->sharp_v)
            fmt_q(p, s, n);
        else
            fmt_s(p, s, n);
        break;
    case 's':
        fmt_s(p, s, n);
        break;
    case 'x':
        fmt_sbx(p, s, n, ldigits);
        break;
    case 'X':
        fmt_sbx(p, s, n, udigits);
        break;
    case 'q':
        fmt_q(p, s, n);
        break;
    default:
        bad_verb(p, verb);
    }
}

static void
fmt_bytes(struct pp *p, const char *b, size_t n, int verb, const char *type_string)
{
    switch (verb) {
    case 'v':
    case 'd':
        if (p->sharp_v) {
            sb_addstr(p->buf, type_string);
            sb_addch(p->buf, '{');
            for (size_t i = 0; i < n; i++) {
                if (i > 0)
                    sb_addstr(p->buf, ", ");
                fmt0x64(p, (unsigned char)b[i], true);
            }
            sb_addch(p->buf, '}');
        } else {
            sb_addch(p->buf, '[');
            for (size_t i = 0; i < n; i++) {
                if (i > 0)
                    sb_addch(p->buf, ' ');
                fmt_integer(p, (unsigned char)b[i], 10, false, verb, ldigits);
            }
            sb_addch(p->buf, ']');
        }
        break;
    case 's':
        pad(p, b, truncate_len(p, b, n));
        break;
    case 'x':
        fmt_sbx(p, b, n, ldigits);
        break;
    case 'X':
        fmt_sbx(p, b, n, udigits);
        break;
    case 'q':
        fmt_q(p, b, n);
        break;
    default: {
        /* printValue of the []byte: each element with the verb */
        if (p->sharp_v) {
            sb_addstr(p->buf, type_string);
            sb_addch(p->buf, '{');
        } else {
            sb_addch(p->buf, '[');
        }
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                sb_addstr(p->buf, p->sharp_v ? ", " : " ");
            struct val e = {.kind = VAL_INT, .gotype = VAL_GO_UINT8};
            e.u.i = (unsigned char)b[i];
            const struct val *saved = p->arg;
            p->arg = &e;
            fmt_int(p, (unsigned char)b[i], false, verb);
            p->arg = saved;
        }
        sb_addch(p->buf, p->sharp_v ? '}' : ']');
    }
    }
}

static bool
is_unsigned(const struct val *v)
{
    return v->gotype == VAL_GO_UINT || v->gotype == VAL_GO_UINT64 || v->gotype == VAL_GO_UINT8;
}

/* handleMethods: Stringers for v s x X q. */
static bool
handle_methods(struct pp *p, const struct val *v, int verb)
{
    if (p->erroring)
        return false;
    const struct tmpl_objtype *ot = tmpl_objtype_of(v);
    if (p->sharp_v) {
        if (!ot || !ot->gostring)
            return false;
        struct sb t = SB_INIT;
        ot->gostring(&t, v);
        fmt_s(p, t.buf, t.len);
        sb_release(&t);
        return true;
    }
    bool int_stringer =
        v->kind == VAL_INT && v->gotype >= TMPL_GO_DURATION && v->gotype <= TMPL_GO_WEEKDAY;
    if (!int_stringer && (!ot || !ot->string || ot->string_needs_addr))
        return false;
    switch (verb) {
    case 'v':
    case 's':
    case 'x':
    case 'X':
    case 'q': {
        struct sb t = SB_INIT;
        if (int_stringer)
            tmpl_int_stringer(&t, v);
        else
            ot->string(&t, v);
        fmt_string(p, t.buf, t.len, verb);
        sb_release(&t);
        return true;
    }
    default:
        return false;
    }
}

static void
fake_pointer(struct pp *p, int verb)
{
    /* fmtPointer: Go prints a heap address; there is none to show, so a
     * plausible one, in the verb's base. */
    const uint64_t addr = 0xc000010000ull;
    if (verb == 'v' || verb == 'p')
        fmt0x64(p, addr, !p->sharp);
    else if (verb == 'b' || verb == 'o' || verb == 'd' || verb == 'x' || verb == 'X')
        fmt_int(p, addr, false, verb);
    else
        bad_verb(p, verb);
}

static void
print_value(struct pp *p, const struct val *v, int verb, int depth)
{
    if (tmpl_fmt_overflow)
        return;
    if (depth > FMT_MAX_DEPTH || p->buf->len > FMT_MAX_BYTES) {
        tmpl_fmt_overflow = true;
        return;
    }
    if (depth > 0 && v && (v->kind == VAL_OBJ || v->kind == VAL_INT) && handle_methods(p, v, verb))
        return;
    const struct val *saved = p->arg;
    p->arg = v;
    if (!v || v->kind == VAL_NULL) {
        /* a nil interface element: printValue writes "<nil>" whatever the
         * verb, unpadded */
        if (p->sharp_v)
            sb_addstr(p->buf, "interface {}(nil)");
        else
            sb_addstr(p->buf, "<nil>");
        p->arg = saved;
        return;
    }
    switch (v->kind) {
    case VAL_BOOL:
        fmt_bool(p, v->u.b, verb);
        break;
    case VAL_INT:
        fmt_int(p, (uint64_t)v->u.i, !is_unsigned(v), verb);
        break;
    case VAL_FLOAT:
        fmt_flt(p, v->u.f, v->gotype == VAL_GO_FLOAT32 ? 32 : 64, verb);
        break;
    case VAL_STRING:
        if (v->gotype == VAL_GO_BYTES)
            fmt_bytes(p, v->u.s.ptr, v->u.s.len, verb, "[]uint8");
        else
            fmt_string(p, v->u.s.ptr, v->u.s.len, verb);
        break;
    case VAL_MAP: {
        if (p->sharp_v && (v->flags & VAL_F_NIL) && v->u.map.len == 0) {
            sb_addstr(p->buf, tmpl_typename(v));
            sb_addstr(p->buf, "(nil)");
            break;
        }
        if (p->sharp_v) {
            sb_addstr(p->buf, tmpl_typename(v));
            sb_addch(p->buf, '{');
        } else {
            sb_addstr(p->buf, "map[");
        }
        uint32_t n = v->u.map.len;
        struct val_mapent *e = NULL;
        struct val_mapent stack_e[16];
        if (n <= 16) {
            if (n)
                memcpy(stack_e, v->u.map.ents, n * sizeof(*e));
            e = stack_e;
            /* insertion sort by key bytes */
            for (uint32_t i = 1; i < n; i++) {
                struct val_mapent t = e[i];
                uint32_t j = i;
                while (j > 0) {
                    const struct val *a = e[j - 1].key, *b = t.key;
                    size_t ml = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
                    int c = memcmp(a->u.s.ptr, b->u.s.ptr, ml);
                    if (c < 0 || (c == 0 && a->u.s.len <= b->u.s.len))
                        break;
                    e[j] = e[j - 1];
                    j--;
                }
                e[j] = t;
            }
        } else {
            struct arena *a = arena_new();
            struct val_mapent *s = val_map_sorted(a, v);
            for (uint32_t i = 0; i < n; i++) {
                if (i > 0)
                    sb_addstr(p->buf, p->sharp_v ? ", " : " ");
                print_value(p, s[i].key, verb, depth + 1);
                sb_addch(p->buf, ':');
                print_value(p, s[i].v, verb, depth + 1);
            }
            arena_free(a);
            sb_addch(p->buf, p->sharp_v ? '}' : ']');
            break;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (i > 0)
                sb_addstr(p->buf, p->sharp_v ? ", " : " ");
            print_value(p, e[i].key, verb, depth + 1);
            sb_addch(p->buf, ':');
            print_value(p, e[i].v, verb, depth + 1);
        }
        sb_addch(p->buf, p->sharp_v ? '}' : ']');
        break;
    }
    case VAL_SEQ:
        if (p->sharp_v && (v->flags & VAL_F_NIL) && v->u.seq.len == 0) {
            sb_addstr(p->buf, tmpl_typename(v));
            sb_addstr(p->buf, "(nil)");
            break;
        }
        if (p->sharp_v) {
            sb_addstr(p->buf, tmpl_typename(v));
            sb_addch(p->buf, '{');
        } else {
            sb_addch(p->buf, '[');
        }
        for (uint32_t i = 0; i < v->u.seq.len; i++) {
            if (i > 0)
                sb_addstr(p->buf, p->sharp_v ? ", " : " ");
            print_value(p, v->u.seq.items[i], verb, depth + 1);
        }
        sb_addch(p->buf, p->sharp_v ? '}' : ']');
        break;
    case VAL_OBJ: {
        const struct tmpl_objtype *ot = tmpl_objtype_of(v);
        if (!ot) {
            sb_addch(p->buf, '?');
            sb_addstr(p->buf, v->u.obj.type->name);
            sb_addch(p->buf, '?');
            break;
        }
        if (ot->kind == TMPL_OBJ_MAP || ot->kind == TMPL_OBJ_SLICE) {
            struct arena *a = arena_new();
            struct val *c = ot->base.to_val ? ot->base.to_val(a, v) : NULL;
            if (c)
                print_value(p, c, verb, depth);
            else
                sb_addstr(p->buf, ot->kind == TMPL_OBJ_MAP ? "map[]" : "[]");
            arena_free(a);
            break;
        }
        if (ot->kind == TMPL_OBJ_POINTER && depth > 0) {
            fake_pointer(p, verb);
            break;
        }
        if (ot->kind == TMPL_OBJ_POINTER)
            sb_addch(p->buf, '&');
        if (p->sharp_v) {
            const char *tn = ot->base.name;
            sb_addstr(p->buf, tn[0] == '*' ? tn + 1 : tn);
        }
        sb_addch(p->buf, '{');
        if (ot->fields) {
            struct arena *a = arena_new();
            struct val *f = ot->fields(a, v);
            for (uint32_t i = 0; f && i < f->u.seq.len; i++) {
                if (i > 0)
                    sb_addstr(p->buf, p->sharp_v ? ", " : " ");
                if ((p->plus_v || p->sharp_v) && ot->field_names) {
                    sb_addstr(p->buf, ot->field_names[i]);
                    sb_addch(p->buf, ':');
                }
                print_value(p, f->u.seq.items[i], verb, depth + 1);
            }
            arena_free(a);
        }
        sb_addch(p->buf, '}');
        break;
    }
    default:
        sb_addstr(p->buf, "<nil>");
    }
    p->arg = saved;
}

static void
print_arg(struct pp *p, const struct val *arg, int verb)
{
    p->arg = arg;
    if (!arg || arg->kind == VAL_NULL) {
        if (verb == 'T' || verb == 'v')
            pad_string(p, "<nil>");
        else
            bad_verb(p, verb);
        return;
    }
    if (verb == 'T') {
        fmt_s(p, tmpl_typename(arg), strlen(tmpl_typename(arg)));
        return;
    }
    if (verb == 'p') {
        if (arg->kind == VAL_MAP || arg->kind == VAL_SEQ ||
            (arg->kind == VAL_OBJ && tmpl_objtype_of(arg) &&
             tmpl_objtype_of(arg)->kind != TMPL_OBJ_STRUCT))
            fmt0x64(p, 0xc000010000ull, !p->sharp);
        else
            bad_verb(p, verb);
        return;
    }
    if ((arg->kind == VAL_OBJ || arg->kind == VAL_INT) && handle_methods(p, arg, verb))
        return;
    print_value(p, arg, verb, 0);
}

static bool
too_large(int64_t x)
{
    return x > 1000000 || x < -1000000;
}

static int
parsenum(const char *s, size_t start, size_t end, int *num, bool *isnum)
{
    *num = 0;
    *isnum = false;
    if (start >= end)
        return (int)end;
    size_t i = start;
    for (; i < end && s[i] >= '0' && s[i] <= '9'; i++) {
        if (too_large(*num)) {
            *num = 0;
            *isnum = false;
            return (int)end;
        }
        *num = *num * 10 + (s[i] - '0');
        *isnum = true;
    }
    return (int)i;
}

static void
int_from_arg(struct val *const *a, size_t n, size_t *argnum, int *num, bool *is_int)
{
    *num = 0;
    *is_int = false;
    if (*argnum < n) {
        const struct val *v = a[*argnum];
        if (v && v->kind == VAL_INT) {
            int64_t x = v->u.i;
            if (is_unsigned(v) && x < 0) {
                *is_int = false;
            } else {
                *num = (int)x;
                *is_int = (int64_t)*num == x;
            }
        }
        (*argnum)++;
        if (too_large(*num)) {
            *num = 0;
            *is_int = false;
        }
    }
}

static void
arg_number(struct pp *p, size_t *argnum, const char *format, size_t *i, size_t end, size_t numargs,
           bool *found)
{
    *found = false;
    if (*i >= end || format[*i] != '[')
        return;
    p->reordered = true;
    /* parseArgNumber */
    size_t wid = 1;
    bool ok = false;
    int index = 0;
    if (end - *i >= 3) {
        for (size_t k = 1; k < end - *i; k++) {
            if (format[*i + k] == ']') {
                int w;
                bool isnum;
                int newi = parsenum(format + *i, 1, k, &w, &isnum);
                if (!isnum || (size_t)newi != k) {
                    wid = k + 1;
                    ok = false;
                } else {
                    index = w - 1;
                    wid = k + 1;
                    ok = true;
                }
                break;
            }
        }
    }
    if (ok && index >= 0 && (size_t)index < numargs) {
        *argnum = (size_t)index;
        *i += wid;
        *found = true;
        return;
    }
    p->good_arg_num = false;
    *i += wid;
    *found = ok;
}

void
tmpl_fmt_sprintf(struct sb *out, const char *format, size_t end, struct val *const *a, size_t n)
{
    struct pp p;
    memset(&p, 0, sizeof(p));
    p.buf = out;
    size_t argnum = 0;
    bool after_index = false;
    p.reordered = false;
    for (size_t i = 0; i < end;) {
        p.good_arg_num = true;
        size_t lasti = i;
        while (i < end && format[i] != '%')
            i++;
        if (i > lasti)
            sb_add(out, format + lasti, i - lasti);
        if (i >= end)
            break;
        i++;
        clearflags(&p);
        for (; i < end; i++) {
            char c = format[i];
            if (c == '#')
                p.sharp = true;
            else if (c == '0')
                p.zero = true;
            else if (c == '+')
                p.plus = true;
            else if (c == '-')
                p.minus = true;
            else if (c == ' ')
                p.space = true;
            else
                break;
        }
        arg_number(&p, &argnum, format, &i, end, n, &after_index);
        if (i < end && format[i] == '*') {
            i++;
            int_from_arg(a, n, &argnum, &p.wid, &p.wid_present);
            if (!p.wid_present)
                sb_addstr(out, "%!(BADWIDTH)");
            if (p.wid < 0) {
                p.wid = -p.wid;
                p.minus = true;
                p.zero = false;
            }
            after_index = false;
        } else {
            i = (size_t)parsenum(format, i, end, &p.wid, &p.wid_present);
            if (after_index && p.wid_present)
                p.good_arg_num = false;
        }
        if (i + 1 < end && format[i] == '.') {
            i++;
            if (after_index)
                p.good_arg_num = false;
            arg_number(&p, &argnum, format, &i, end, n, &after_index);
            if (i < end && format[i] == '*') {
                i++;
                int_from_arg(a, n, &argnum, &p.prec, &p.prec_present);
                if (p.prec < 0) {
                    p.prec = 0;
                    p.prec_present = false;
                }
                if (!p.prec_present)
                    sb_addstr(out, "%!(BADPREC)");
                after_index = false;
            } else {
                i = (size_t)parsenum(format, i, end, &p.prec, &p.prec_present);
                if (!p.prec_present) {
                    p.prec = 0;
                    p.prec_present = true;
                }
            }
        }
        if (!after_index)
            arg_number(&p, &argnum, format, &i, end, n, &after_index);
        if (i >= end) {
            sb_addstr(out, "%!(NOVERB)");
            break;
        }
        size_t w;
        uint32_t verb = utf8_rune(format + i, end - i, &w);
        i += w;
        if (verb == '%') {
            sb_addch(out, '%');
        } else if (!p.good_arg_num) {
            sb_addstr(out, "%!");
            utf8_append(out, verb);
            sb_addstr(out, "(BADINDEX)");
        } else if (argnum >= n) {
            sb_addstr(out, "%!");
            utf8_append(out, verb);
            sb_addstr(out, "(MISSING)");
        } else {
            if (verb == 'v' || verb == 'w') {
                p.sharp_v = p.sharp;
                p.sharp = false;
                p.plus_v = p.plus;
                p.plus = false;
            }
            if (verb == 'w') {
                /* %w is only valid in Errorf */
                p.arg = a[argnum];
                bad_verb(&p, 'w');
            } else {
                print_arg(&p, a[argnum], (int)verb);
            }
            argnum++;
        }
    }
    if (!p.reordered && argnum < n) {
        clearflags(&p);
        sb_addstr(out, "%!(EXTRA ");
        for (size_t k = argnum; k < n; k++) {
            if (k > argnum)
                sb_addstr(out, ", ");
            if (!a[k] || a[k]->kind == VAL_NULL) {
                sb_addstr(out, "<nil>");
            } else {
                sb_addstr(out, tmpl_typename(a[k]));
                sb_addch(out, '=');
                print_arg(&p, a[k], 'v');
            }
        }
        sb_addch(out, ')');
    }
}

static bool
is_string_arg(const struct val *v)
{
    return v && v->kind == VAL_STRING && v->gotype != VAL_GO_BYTES;
}

void
tmpl_fmt_sprint(struct sb *out, struct val *const *a, size_t n)
{
    struct pp p;
    memset(&p, 0, sizeof(p));
    p.buf = out;
    bool prev_string = false;
    for (size_t i = 0; i < n; i++) {
        bool is_string = is_string_arg(a[i]);
        if (i > 0 && !is_string && !prev_string)
            sb_addch(out, ' ');
        clearflags(&p);
        print_arg(&p, a[i], 'v');
        prev_string = is_string;
    }
}

void
tmpl_fmt_sprintln(struct sb *out, struct val *const *a, size_t n)
{
    struct pp p;
    memset(&p, 0, sizeof(p));
    p.buf = out;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            sb_addch(out, ' ');
        clearflags(&p);
        print_arg(&p, a[i], 'v');
    }
    sb_addch(out, '\n');
}

void
tmpl_fmt_v(struct sb *out, const struct val *v)
{
    struct val *one = (struct val *)v;
    tmpl_fmt_sprint(out, &one, 1);
}

void
tmpl_fmt_print_top(struct sb *out, const struct val *v)
{
    /* printableValue: pointers are printed as what they point to, and a
     * String method with a pointer receiver applies (the value is
     * addressable). */
    const struct tmpl_objtype *ot = tmpl_objtype_of(v);
    if (ot && ot->string && ot->string_needs_addr) {
        ot->string(out, v);
        return;
    }
    if (ot && ot->kind == TMPL_OBJ_POINTER && !ot->string) {
        struct pp p;
        memset(&p, 0, sizeof(p));
        p.buf = out;
        /* print the struct: depth 1 avoids the & of a top-level pointer */
        sb_addch(out, '{');
        if (ot->fields) {
            struct arena *a = arena_new();
            struct val *f = ot->fields(a, v);
            for (uint32_t i = 0; f && i < f->u.seq.len; i++) {
                if (i > 0)
                    sb_addch(out, ' ');
                print_value(&p, f->u.seq.items[i], 'v', 1);
            }
            arena_free(a);
        }
        sb_addch(out, '}');
        return;
    }
    tmpl_fmt_v(out, v);
}
