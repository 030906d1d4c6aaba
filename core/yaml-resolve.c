/* Plain-scalar resolution exactly as go-yaml does it: v2 (YAML 1.1 booleans
 * and the rest, used by Helm through sigs.k8s.io/yaml) and v3 (used by
 * kustomize's kyaml). Both parse numbers with Go's strconv rules, base
 * prefixes and all, after removing every underscore. */
#include "core/yaml.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct word {
    const char *s;
    enum val_yaml_rtag tag;
    int v; /* bool value; float: 1 = +inf, -1 = -inf, 2 = nan */
};

static const struct word v2_words[] = {
    {"y", VAL_YTAG_BOOL, 1},       {"Y", VAL_YTAG_BOOL, 1},       {"yes", VAL_YTAG_BOOL, 1},
    {"Yes", VAL_YTAG_BOOL, 1},     {"YES", VAL_YTAG_BOOL, 1},     {"true", VAL_YTAG_BOOL, 1},
    {"True", VAL_YTAG_BOOL, 1},    {"TRUE", VAL_YTAG_BOOL, 1},    {"on", VAL_YTAG_BOOL, 1},
    {"On", VAL_YTAG_BOOL, 1},      {"ON", VAL_YTAG_BOOL, 1},      {"n", VAL_YTAG_BOOL, 0},
    {"N", VAL_YTAG_BOOL, 0},       {"no", VAL_YTAG_BOOL, 0},      {"No", VAL_YTAG_BOOL, 0},
    {"NO", VAL_YTAG_BOOL, 0},      {"false", VAL_YTAG_BOOL, 0},   {"False", VAL_YTAG_BOOL, 0},
    {"FALSE", VAL_YTAG_BOOL, 0},   {"off", VAL_YTAG_BOOL, 0},     {"Off", VAL_YTAG_BOOL, 0},
    {"OFF", VAL_YTAG_BOOL, 0},     {"", VAL_YTAG_NULL, 0},        {"~", VAL_YTAG_NULL, 0},
    {"null", VAL_YTAG_NULL, 0},    {"Null", VAL_YTAG_NULL, 0},    {"NULL", VAL_YTAG_NULL, 0},
    {".nan", VAL_YTAG_FLOAT, 2},   {".NaN", VAL_YTAG_FLOAT, 2},   {".NAN", VAL_YTAG_FLOAT, 2},
    {".inf", VAL_YTAG_FLOAT, 1},   {".Inf", VAL_YTAG_FLOAT, 1},   {".INF", VAL_YTAG_FLOAT, 1},
    {"+.inf", VAL_YTAG_FLOAT, 1},  {"+.Inf", VAL_YTAG_FLOAT, 1},  {"+.INF", VAL_YTAG_FLOAT, 1},
    {"-.inf", VAL_YTAG_FLOAT, -1}, {"-.Inf", VAL_YTAG_FLOAT, -1}, {"-.INF", VAL_YTAG_FLOAT, -1},
    {"<<", VAL_YTAG_MERGE, 0},     {NULL, VAL_YTAG_STR, 0},
};

/* v3 keeps only the YAML 1.2 core words. */
static const struct word v3_words[] = {
    {"true", VAL_YTAG_BOOL, 1},    {"True", VAL_YTAG_BOOL, 1},    {"TRUE", VAL_YTAG_BOOL, 1},
    {"false", VAL_YTAG_BOOL, 0},   {"False", VAL_YTAG_BOOL, 0},   {"FALSE", VAL_YTAG_BOOL, 0},
    {"", VAL_YTAG_NULL, 0},        {"~", VAL_YTAG_NULL, 0},       {"null", VAL_YTAG_NULL, 0},
    {"Null", VAL_YTAG_NULL, 0},    {"NULL", VAL_YTAG_NULL, 0},    {".nan", VAL_YTAG_FLOAT, 2},
    {".NaN", VAL_YTAG_FLOAT, 2},   {".NAN", VAL_YTAG_FLOAT, 2},   {".inf", VAL_YTAG_FLOAT, 1},
    {".Inf", VAL_YTAG_FLOAT, 1},   {".INF", VAL_YTAG_FLOAT, 1},   {"+.inf", VAL_YTAG_FLOAT, 1},
    {"+.Inf", VAL_YTAG_FLOAT, 1},  {"+.INF", VAL_YTAG_FLOAT, 1},  {"-.inf", VAL_YTAG_FLOAT, -1},
    {"-.Inf", VAL_YTAG_FLOAT, -1}, {"-.INF", VAL_YTAG_FLOAT, -1}, {"<<", VAL_YTAG_MERGE, 0},
    {NULL, VAL_YTAG_STR, 0},
};

/* The first byte's hint, as go-yaml's resolveTable: 'S' sign, 'D' digit,
 * 'M' a word from the map, '.' a float or a word, 0 a plain string. */
static char
hint_of(const char *s, size_t n)
{
    if (n == 0)
        return 'N';
    unsigned char c = (unsigned char)s[0];
    if (c == '+' || c == '-')
        return 'S';
    if (c >= '0' && c <= '9')
        return 'D';
    if (c && strchr("yYnNtTfFoO~", c))
        return 'M';
    if (c == '.')
        return '.';
    return 0;
}

/* strconv.ParseUint(s, 0, 64) after the sign: base prefixes 0x 0o 0b, a
 * leading 0 meaning octal. Returns 0 on success. */
static int
parse_uint_base0(const char *s, size_t n, unsigned long long *out)
{
    int base = 10;
    size_t i = 0;
    if (n == 0)
        return -1;
    if (s[0] == '0' && n > 1) {
        char c = s[1];
        if (c == 'x' || c == 'X') {
            base = 16;
            i = 2;
        } else if (c == 'o' || c == 'O') {
            base = 8;
            i = 2;
        } else if (c == 'b' || c == 'B') {
            base = 2;
            i = 2;
        } else {
            base = 8;
            i = 1;
        }
        if (i == n)
            return -1; /* "0x" alone */
    }
    unsigned long long v = 0;
    for (; i < n; i++) {
        int d;
        char c = s[i];
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'z')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'Z')
            d = c - 'A' + 10;
        else
            return -1;
        if (d >= base)
            return -1;
        if (v > (~0ULL - (unsigned)d) / (unsigned)base)
            return -2; /* out of range */
        v = v * (unsigned)base + (unsigned)d;
    }
    *out = v;
    return 0;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool
yaml_style_float(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    if (i < n && s[i] == '.') {
        i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    } else {
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
        if (i < n && s[i] == '.') {
            i++;
            while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
        }
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    return i == n;
}

/* strconv.ParseFloat for the decimal forms reached here (hex floats, inf
 * and nan spelled out are also Go syntax: accepted as Go does). Fails on
 * bad syntax and on overflow, as Go's ErrRange does. */
static int parse_float_go_z(char *buf, size_t n, double *out);

static int
parse_float_go(const char *s, size_t n, double *out)
{
    /* Go parses numbers of any length ("1" * 400 is 1.1e399... or +Inf). */
    char small[128];
    if (n == 0)
        return -1;
    char *buf = n < sizeof(small) ? small : malloc(n + 1);
    if (!buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    int rc = parse_float_go_z(buf, n, out);
    if (buf != small)
        free(buf);
    return rc;
}

static int
parse_float_go_z(char *buf, size_t n, double *out)
{
    /* Go accepts underscores only with a base prefix; refuse them here. */
    if (memchr(buf, '_', n))
        return -1;
    /* strtod accepts forms Go does not: leading spaces, "0x" without 'p'. */
    if (buf[0] == ' ' || buf[0] == '\t')
        return -1;
    const char *p = buf;
    if (*p == '+' || *p == '-')
        p++;
    if ((p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) && !strpbrk(p, "pP"))
        return -1;
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (*end)
        return -1;
    if (errno == ERANGE && isinf(d))
        return -1;
    /* Go spells infinity "inf"/"infinity" and NaN "nan", any case; strtod
     * agrees, and also takes "nan(...)" which Go does not. */
    if (strchr(buf, '('))
        return -1;
    *out = d;
    return 0;
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* go-yaml's parseTimestamp: four digits and a '-', then one of the layouts
 * 2006-1-2T15:4:5.999999999Z07:00, the same with 't', "2006-1-2 15:4:5.999999999"
 * and 2006-1-2. */
static bool
parse_timestamp(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_digit(s[i]))
        i++;
    if (i != 4 || i == n || s[i] != '-')
        return false;
    /* date: YYYY-M(M)-D(D) */
    i = 5;
    size_t d = i;
    while (i < n && is_digit(s[i]) && i - d < 2)
        i++;
    if (i == d || i >= n || s[i] != '-')
        return false;
    int month = atoi(s + d);
    i++;
    d = i;
    while (i < n && is_digit(s[i]) && i - d < 2)
        i++;
    if (i == d)
        return false;
    int day = atoi(s + d);
    if (month < 1 || month > 12 || day < 1 || day > 31)
        return false;
    {
        static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int year = atoi(s);
        bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        if (day > mdays[month - 1] || (month == 2 && day == 29 && !leap))
            return false;
    }
    if (i == n)
        return true;
    char sep = s[i];
    if (sep != 'T' && sep != 't' && sep != ' ')
        return false;
    i++;
    /* 15:4:5 */
    for (int part = 0; part < 3; part++) {
        d = i;
        while (i < n && is_digit(s[i]) && i - d < 2)
            i++;
        if (i == d)
            return false;
        int v = atoi(s + d);
        if ((part == 0 && v > 23) || (part > 0 && v > 59))
            return false;
        if (part < 2) {
            if (i >= n || s[i] != ':')
                return false;
            i++;
        }
    }
    if (i < n && s[i] == '.') {
        i++;
        d = i;
        while (i < n && is_digit(s[i]))
            i++;
        if (i == d || i - d > 9)
            return false;
    }
    if (sep == ' ')
        return i == n;
    /* Z07:00 */
    if (i < n && s[i] == 'Z')
        return i + 1 == n;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        i++;
        if (i + 5 != n || !is_digit(s[i]) || !is_digit(s[i + 1]) || s[i + 2] != ':' ||
            !is_digit(s[i + 3]) || !is_digit(s[i + 4]))
            return false;
        return true;
    }
    return false;
}

static enum val_yaml_rtag resolve_number(const char *plain, size_t pn, struct val *out);

enum val_yaml_rtag
val_yaml_resolve(enum val_yaml_dialect dialect, const char *s, size_t n, struct val *out)
{
    char hint = hint_of(s, n);
    if (out) {
        out->kind = VAL_STRING;
        out->u.s.ptr = s;
        out->u.s.len = n;
    }
    if (!hint)
        return VAL_YTAG_STR;
    const struct word *words = dialect == VAL_YAML_HELM ? v2_words : v3_words;
    for (const struct word *w = words; w->s; w++) {
        if (n && w->s[0] != s[0])
            continue; /* cheap first test: this runs for every plain scalar */
        if (strlen(w->s) == n && memcmp(w->s, s, n) == 0) {
            if (out) {
                switch (w->tag) {
                case VAL_YTAG_BOOL:
                    out->kind = VAL_BOOL;
                    out->u.b = w->v;
                    break;
                case VAL_YTAG_NULL:
                    out->kind = VAL_NULL;
                    break;
                case VAL_YTAG_FLOAT:
                    out->kind = VAL_FLOAT;
                    out->u.f = w->v == 2 ? NAN : w->v > 0 ? INFINITY : -INFINITY;
                    break;
                default:
                    break;
                }
            }
            return w->tag;
        }
    }
    if (hint == '.') {
        double f;
        if (parse_float_go(s, n, &f) == 0) {
            if (out) {
                out->kind = VAL_FLOAT;
                out->u.f = f;
            }
            return VAL_YTAG_FLOAT;
        }
        return VAL_YTAG_STR;
    }
    if (hint != 'D' && hint != 'S')
        return VAL_YTAG_STR;
    if (parse_timestamp(s, n))
        return VAL_YTAG_TIMESTAMP;
    char small[128];
    char *plain = n < sizeof(small) ? small : malloc(n + 1);
    if (!plain)
        return VAL_YTAG_STR;
    size_t pn = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '_')
            continue;
        plain[pn++] = s[i];
    }
    plain[pn] = 0;
    enum val_yaml_rtag tag = resolve_number(plain, pn, out);
    if (plain != small)
        free(plain);
    return tag;
}

/* The number part of v2/v3 resolve, on the scalar without underscores. */
static enum val_yaml_rtag
resolve_number(const char *plain, size_t pn, struct val *out)
{
    /* strconv.ParseInt(plain, 0, 64) */
    bool neg = false;
    size_t off = 0;
    if (pn && (plain[0] == '+' || plain[0] == '-')) {
        neg = plain[0] == '-';
        off = 1;
    }
    unsigned long long u;
    int r = parse_uint_base0(plain + off, pn - off, &u);
    if (r == 0) {
        if (!neg && u <= (unsigned long long)INT64_MAX) {
            if (out) {
                out->kind = VAL_INT;
                out->u.i = (int64_t)u;
            }
            return VAL_YTAG_INT;
        }
        if (neg && u <= (unsigned long long)INT64_MAX + 1) {
            if (out) {
                out->kind = VAL_INT;
                out->u.i = u == (unsigned long long)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
            }
            return VAL_YTAG_INT;
        }
        /* ParseUint takes no sign: only an unsigned value beyond int64
         * remains an int (uint64), kept here as a float. */
        if (off == 0) {
            if (out) {
                out->kind = VAL_FLOAT;
                out->u.f = (double)u;
                out->gotype = VAL_GO_UINT64;
            }
            return VAL_YTAG_INT;
        }
    }
    if (yaml_style_float(plain, pn)) {
        double f;
        if (parse_float_go(plain, pn, &f) == 0) {
            if (out) {
                out->kind = VAL_FLOAT;
                out->u.f = f;
            }
            return VAL_YTAG_FLOAT;
        }
    }
    return VAL_YTAG_STR;
}
