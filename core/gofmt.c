/* Go's number formatting: strconv.FormatFloat, fmt's %v and encoding/json's
 * float encoding, byte for byte.
 *
 * Digits come from glibc's printf, which converts exactly and rounds half to
 * even, as Go does for a fixed number of digits. For the shortest form
 * (precision -1) Go's Ryu picks the fewest digits that parse back to the same
 * float64 and, among those, the one nearest the exact binary value. We find
 * the same string by asking printf for the correctly rounded 1, 2, ... 17
 * digit forms and checking each with strtod (which rounds half to even, the
 * IEEE rule that decides which decimals belong to a float); when the nearest
 * n-digit decimal falls just outside the float's rounding interval (only
 * possible where the interval is lopsided, at powers of two) its neighbour
 * one unit away may still be inside, and then it is the answer. The layout
 * rules (formatDigits, fmtE, fmtF in strconv/ftoa.go) are followed exactly. */
#include "core/gofmt.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal: digits d[0..nd) (no leading or trailing zeros) with the decimal
 * point dp places from the left: value = 0.d * 10^dp. nd == 0 is zero. */
struct gdec {
    char *d; /* points at small[] or at a caller's buffer */
    int nd;
    int dp;
    char small[40];
};

/* Reads printf's "%.Ne" output "D.DDDDe+XX" into dec, trimming zeros. */
static void
dec_from_e(struct gdec *dec, const char *s)
{
    int nd = 0;
    for (; *s && *s != 'e'; s++) {
        if (*s >= '0' && *s <= '9')
            dec->d[nd++] = *s;
    }
    int e = *s == 'e' ? atoi(s + 1) : 0;
    dec->dp = e + 1;
    while (nd > 0 && dec->d[nd - 1] == '0')
        nd--;
    if (nd > 0 && dec->d[0] == '0') /* only for zero */
        nd = 0;
    dec->nd = nd;
    if (nd == 0)
        dec->dp = 0;
}

/* Does the decimal digits[0..n) * 10^(exp - n + 1) parse back to a, as a
 * float64 (bits 64) or a float32? */
static bool
roundtrips(const char *digits, int n, int exp, double a, int bits)
{
    char buf[64];
    int k = 0;
    buf[k++] = digits[0];
    if (n > 1) {
        buf[k++] = '.';
        memcpy(buf + k, digits + 1, (size_t)n - 1);
        k += n - 1;
    }
    snprintf(buf + k, sizeof(buf) - (size_t)k, "e%d", exp);
    if (bits == 32)
        return strtof(buf, NULL) == (float)a;
    return strtod(buf, NULL) == a;
}

/* Is there a p-digit decimal that parses back to a? The nearest one (what
 * printf gives) or, where the rounding interval is lopsided, its neighbour
 * one unit away; when dec is not NULL it receives the digits. */
static bool
try_digits(struct gdec *dec, double a, int p, int bits)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%.*e", p - 1, a);
    if (bits == 32 ? strtof(buf, NULL) == (float)a : strtod(buf, NULL) == a) {
        if (dec)
            dec_from_e(dec, buf);
        return true;
    }
    char digs[24];
    int n = 0;
    const char *s = buf;
    for (; *s != 'e'; s++) {
        if (*s != '.')
            digs[n++] = *s;
    }
    int exp = atoi(s + 1);
    char up[24], down[24];
    int upexp = exp, downexp = exp;
    memcpy(up, digs, (size_t)n);
    memcpy(down, digs, (size_t)n);
    int i = n - 1;
    while (i >= 0 && up[i] == '9')
        up[i--] = '0';
    if (i < 0) {
        up[0] = '1';
        upexp++;
    } else {
        up[i]++;
    }
    i = n - 1;
    while (i >= 0 && down[i] == '0')
        down[i--] = '9';
    down[i]--; /* i >= 0: the first digit is never 0 */
    if (down[0] == '0') {
        /* Below 1.0..0eX the p-digit grid is finer: 9.9..9e(X-1). */
        memset(down, '9', (size_t)n);
        downexp--;
    }
    const char *hit = NULL;
    int hitexp = 0;
    if (roundtrips(up, n, upexp, a, bits)) {
        hit = up;
        hitexp = upexp;
    } else if (roundtrips(down, n, downexp, a, bits)) {
        hit = down;
        hitexp = downexp;
    }
    if (!hit)
        return false;
    if (dec) {
        int nd = n;
        memcpy(dec->d, hit, (size_t)n);
        while (nd > 0 && dec->d[nd - 1] == '0')
            nd--;
        dec->nd = nd;
        dec->dp = hitexp + 1;
    }
    return true;
}

/* Shortest digits of a finite a > 0. */
static void
dec_shortest(struct gdec *dec, double a, int bits)
{
    if (a < (bits == 32 ? 16777216.0 : 9007199254740992.0) && a == floor(a)) {
        /* An exact integer below 2^53 (2^24): its own digits, nothing
         * shorter round-trips (the neighbours are at most 1 apart). */
        char buf[24];
        int n = snprintf(buf, sizeof(buf), "%" PRIu64, (uint64_t)a);
        memcpy(dec->d, buf, (size_t)n);
        dec->dp = n;
        while (n > 0 && dec->d[n - 1] == '0')
            n--;
        dec->nd = n;
        return;
    }
    /* The common case first. Any decimal of at most DIG (15; 6 for
     * float32) significant digits comes back from the nearest normal float
     * when printed with DIG digits. So if some decimal that short
     * round-trips, it is unique and it is the DIG-digit form with its
     * trailing zeros dropped: one conversion instead of a search. */
    int dig = bits == 32 ? 6 : 15;
    if (a >= (bits == 32 ? 1.1754943508222875e-38 : 2.2250738585072014e-308)) {
        char buf[64];
        snprintf(buf, sizeof(buf), "%.*e", dig - 1, a);
        if (bits == 32 ? strtof(buf, NULL) == (float)a : strtod(buf, NULL) == a) {
            dec_from_e(dec, buf);
            return;
        }
        for (int p = dig + 1; p < (bits == 32 ? 9 : 17); p++)
            if (try_digits(dec, a, p, bits))
                return;
        if (try_digits(dec, a, bits == 32 ? 9 : 17, bits))
            return;
    }
    /* Subnormals: whether some p-digit decimal round-trips is monotone in p
     * (a p-digit decimal is also a p+1-digit one): binary search. */
    int lo = 1, hi = bits == 32 ? 9 : 17;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (try_digits(NULL, a, mid, bits))
            hi = mid;
        else
            lo = mid + 1;
    }
    if (!try_digits(dec, a, lo, bits)) {
        /* Not reached: 17 (9) correctly rounded digits always round-trip. */
        char buf[64];
        snprintf(buf, sizeof(buf), "%.*e", lo - 1, a);
        dec_from_e(dec, buf);
    }
}

/* Go's fmtE: -d.ddddde±dd with prec digits after the point. */
static void
fmt_e(struct sb *sb, bool neg, const struct gdec *dec, int prec, char e)
{
    if (neg)
        sb_addch(sb, '-');
    sb_addch(sb, dec->nd ? dec->d[0] : '0');
    if (prec > 0) {
        sb_addch(sb, '.');
        int i = 1;
        int m = dec->nd < prec + 1 ? dec->nd : prec + 1;
        if (i < m) {
            sb_add(sb, dec->d + i, (size_t)(m - i));
            i = m;
        }
        for (; i <= prec; i++)
            sb_addch(sb, '0');
    }
    sb_addch(sb, e);
    int exp = dec->nd ? dec->dp - 1 : 0;
    sb_addch(sb, exp < 0 ? '-' : '+');
    if (exp < 0)
        exp = -exp;
    if (exp < 10) {
        sb_addch(sb, '0');
        sb_addch(sb, '0' + exp);
    } else if (exp < 100) {
        sb_addch(sb, '0' + exp / 10);
        sb_addch(sb, '0' + exp % 10);
    } else {
        sb_addch(sb, '0' + exp / 100);
        sb_addch(sb, '0' + exp / 10 % 10);
        sb_addch(sb, '0' + exp % 10);
    }
}

/* Go's fmtF: -ddddddd.ddddd with prec digits after the point. */
static void
fmt_f(struct sb *sb, bool neg, const struct gdec *dec, int prec)
{
    if (neg)
        sb_addch(sb, '-');
    if (dec->dp > 0) {
        int m = dec->nd < dec->dp ? dec->nd : dec->dp;
        sb_add(sb, dec->d, (size_t)m);
        sb_addchn(sb, '0', (size_t)(dec->dp - m));
    } else {
        sb_addch(sb, '0');
    }
    if (prec > 0) {
        sb_addch(sb, '.');
        sb_grow(sb, (size_t)prec);
        for (int i = 0; i < prec; i++) {
            int j = dec->dp + i;
            sb_addch(sb, j >= 0 && j < dec->nd ? dec->d[j] : '0');
        }
    }
}

/* Go's formatDigits for 'g' and 'G'. */
static void
fmt_g(struct sb *sb, bool neg, const struct gdec *dec, int prec, bool shortest, char e)
{
    int eprec = prec;
    if (eprec > dec->nd && dec->nd >= dec->dp)
        eprec = dec->nd;
    if (shortest)
        eprec = 6;
    int exp = dec->dp - 1;
    if (exp < -4 || exp >= eprec) {
        if (prec > dec->nd)
            prec = dec->nd;
        fmt_e(sb, neg, dec, prec - 1, e);
        return;
    }
    if (prec > dec->dp)
        prec = dec->nd;
    fmt_f(sb, neg, dec, prec - dec->dp > 0 ? prec - dec->dp : 0);
}

static void
format_float(struct sb *sb, double f, char fmt, int prec, int bits)
{
    if (isnan(f)) {
        sb_addstr(sb, "NaN");
        return;
    }
    if (isinf(f)) {
        sb_addstr(sb, f < 0 ? "-Inf" : "+Inf");
        return;
    }
    bool neg = signbit(f) != 0;
    double a = fabs(f);
    bool upper = fmt == 'E' || fmt == 'G';
    char e = upper ? 'E' : 'e';
    struct gdec dec;
    dec.d = dec.small;

    if (prec < 0) {
        if (a == 0) {
            dec.nd = 0;
            dec.dp = 0;
        } else {
            dec_shortest(&dec, a, bits);
        }
        switch (fmt) {
        case 'e':
        case 'E':
            fmt_e(sb, neg, &dec, dec.nd - 1 > 0 ? dec.nd - 1 : 0, e);
            return;
        case 'f':
            fmt_f(sb, neg, &dec, dec.nd - dec.dp > 0 ? dec.nd - dec.dp : 0);
            return;
        case 'g':
        case 'G':
            fmt_g(sb, neg, &dec, dec.nd, true, e);
            return;
        }
    } else {
        switch (fmt) {
        case 'e':
        case 'E':
        case 'f':
            /* printf's exact conversion and half-even rounding are Go's,
             * and so is the layout (two-digit minimum exponent, "-0"). */
            sb_addf(sb, fmt == 'e' ? "%.*e" : fmt == 'E' ? "%.*E" : "%.*f", prec, f);
            return;
        case 'g':
        case 'G': {
            if (prec == 0)
                prec = 1;
            if (a == 0) {
                dec.nd = 0;
                dec.dp = 0;
                fmt_g(sb, neg, &dec, prec, false, e);
                return;
            }
            /* The exact value's digits rounded to prec (a double has at
             * most 767 significant ones; printf gives them all). */
            char *buf = NULL;
            if (asprintf(&buf, "%.*e", prec - 1, a) < 0)
                abort();
            dec.d = buf; /* reuses the text: digits only move left */
            dec_from_e(&dec, buf);
            fmt_g(sb, neg, &dec, prec, false, e);
            free(buf);
            return;
        }
        }
    }
    sb_addch(sb, '%');
    sb_addch(sb, fmt);
}

void
gofmt_float(struct sb *sb, double f, char fmt, int prec)
{
    format_float(sb, f, fmt, prec, 64);
}

void
gofmt_float32(struct sb *sb, double f, char fmt, int prec)
{
    format_float(sb, (float)f, fmt, prec, 32);
}

void
gofmt_float_v(struct sb *sb, double f)
{
    format_float(sb, f, 'g', -1, 64);
}

static void
format_json(struct sb *sb, double f, int bits)
{
    double a = fabs(f);
    bool e = bits == 32 ? a != 0 && ((float)a < 1e-6f || (float)a >= 1e21f)
                        : a != 0 && (a < 1e-6 || a >= 1e21);
    if (e) {
        size_t start = sb->len;
        format_float(sb, f, 'e', -1, bits);
        /* e-07 -> e-7 */
        size_t n = sb->len - start;
        char *b = sb->buf + start;
        if (n >= 4 && b[n - 4] == 'e' && b[n - 3] == '-' && b[n - 2] == '0') {
            b[n - 2] = b[n - 1];
            sb_setlen(sb, sb->len - 1);
        }
        return;
    }
    format_float(sb, f, 'f', -1, bits);
}

void
gofmt_float_json(struct sb *sb, double f)
{
    format_json(sb, f, 64);
}

void
gofmt_float32_json(struct sb *sb, double f)
{
    format_json(sb, (float)f, 32);
}

void
gofmt_int(struct sb *sb, int64_t i)
{
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%" PRId64, i);
    sb_add(sb, buf, (size_t)n);
}

void
gofmt_uint(struct sb *sb, uint64_t u)
{
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%" PRIu64, u);
    sb_add(sb, buf, (size_t)n);
}
