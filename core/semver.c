/* Semantic versions and constraints with the exact behaviour of
 * github.com/Masterminds/semver v3.3 (the version Helm 3.17 vendors).
 *
 * Masterminds defines its grammar by Go regular expressions and several of
 * its quirks come from how those expressions match (a `|` inside a character
 * class, an empty operator alternative, unanchored "find all" passes over
 * an already validated string). Rather than re-derive those quirks by hand
 * we run the same expressions through PCRE2, which matches them exactly like
 * RE2's leftmost-first semantics for expressions without back-references.
 * Two translations keep it exact: Go's `\s` is [\t\n\f\r ] (PCRE2's also
 * takes \v), and Go's `$` is the end of the text (PCRE2's also matches
 * before a final newline), so we write `\z`. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/semver.h"
#include "core/xalloc.h"

#include <errno.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/semver-re.h"
/* The same patterns compiled when pkg was built (scripts/semver-re-blob.c,
 * pcre2_serialize_encode): decoding them costs microseconds where
 * compiling them costs ~100 us in a fresh process, and most charts ask
 * about a Kubernetes or chart version once. */
#include "semver-re-blob.h"

static pcre2_code *re_code[RE_COUNT];
static bool re_loaded;

static pcre2_code *
re_get(int which)
{
    if (!re_loaded) {
        re_loaded = true;
        if (pcre2_serialize_decode(re_code, RE_COUNT, semver_re_blob, NULL) != RE_COUNT)
            memset(re_code, 0, sizeof(re_code)); /* another PCRE2 at run time: compile */
    }
    if (!re_code[which]) {
        int errc;
        PCRE2_SIZE erroff;
        re_code[which] = pcre2_compile((PCRE2_SPTR)semver_re_src[which], PCRE2_ZERO_TERMINATED, 0,
                                       &errc, &erroff, NULL);
        if (!re_code[which]) {
            fprintf(stderr, "pkg: internal error: semver regex %d does not compile\n", which);
            abort();
        }
    }
    return re_code[which];
}

/* One match: group offsets (start, end) with -1 for unset groups. */
#define MAXG 32
struct rematch {
    long off[2 * MAXG];
    int n;
};

static bool
re_match(int which, const char *s, size_t len, size_t start, struct rematch *m)
{
    pcre2_code *code = re_get(which);
    pcre2_match_data *md = pcre2_match_data_create(MAXG, NULL);
    int rc = pcre2_match(code, (PCRE2_SPTR)s, len, start, 0, md, NULL);
    if (rc < 0) {
        pcre2_match_data_free(md);
        return false;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    uint32_t cnt = pcre2_get_ovector_count(md);
    for (int i = 0; i < MAXG; i++) {
        if ((uint32_t)i < cnt && (i < rc || rc == 0) && ov[2 * i] != PCRE2_UNSET) {
            m->off[2 * i] = (long)ov[2 * i];
            m->off[2 * i + 1] = (long)ov[2 * i + 1];
        } else {
            m->off[2 * i] = m->off[2 * i + 1] = -1;
        }
    }
    m->n = rc;
    pcre2_match_data_free(md);
    return true;
}

/* Group g of a match as a heap string ("" when unset). */
static char *
re_group(const struct rematch *m, const char *s, int g)
{
    if (m->off[2 * g] < 0)
        return xstrdup("");
    return xstrndup(s + m->off[2 * g], (size_t)(m->off[2 * g + 1] - m->off[2 * g]));
}

static size_t
re_glen(const struct rematch *m, int g)
{
    return m->off[2 * g] < 0 ? 0 : (size_t)(m->off[2 * g + 1] - m->off[2 * g]);
}

/* strconv.ParseUint(s, 10, 64) over n bytes. */
static bool
parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static bool
only_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool
only_allowed(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '-'))
            return false;
    }
    return true;
}

/* validatePrerelease: dot-separated parts; numeric ones without leading 0. */
static int
check_pre(const char *p, struct pkg_err **errp)
{
    const char *s = p;
    for (;;) {
        const char *dot = strchr(s, '.');
        size_t n = dot ? (size_t)(dot - s) : strlen(s);
        if (only_digits(s, n)) {
            if (n > 1 && s[0] == '0')
                return pkg_err_set(errp, PKG_EINVAL, "Version segment starts with 0");
        } else if (!only_allowed(s, n)) {
            return pkg_err_set(errp, PKG_EINVAL, "Invalid Prerelease string");
        }
        if (!dot)
            return 0;
        s = dot + 1;
    }
}

static int
check_meta(const char *p, struct pkg_err **errp)
{
    const char *s = p;
    for (;;) {
        const char *dot = strchr(s, '.');
        size_t n = dot ? (size_t)(dot - s) : strlen(s);
        if (!only_allowed(s, n))
            return pkg_err_set(errp, PKG_EINVAL, "Invalid Metadata string");
        if (!dot)
            return 0;
        s = dot + 1;
    }
}

static int
parse_strict(struct semver *out, const char *s, struct pkg_err **errp)
{
    size_t len = strlen(s);
    if (len == 0)
        return pkg_err_set(errp, PKG_EINVAL, "Version string empty");
    const char *d1 = strchr(s, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d2)
        return pkg_err_set(errp, PKG_EINVAL, "Invalid Semantic Version");
    char *rest = xstrdup(d2 + 1);
    char *plus = strchr(rest, '+');
    if (plus) {
        *plus = 0;
        out->metadata = xstrdup(plus + 1);
        if (check_meta(out->metadata, errp))
            goto fail;
    }
    char *dash = strchr(rest, '-');
    if (dash) {
        *dash = 0;
        out->pre = xstrdup(dash + 1);
        if (check_pre(out->pre, errp))
            goto fail;
    }
    const char *parts[3] = {s, d1 + 1, rest};
    size_t lens[3] = {(size_t)(d1 - s), (size_t)(d2 - d1 - 1), strlen(rest)};
    for (int i = 0; i < 3; i++) {
        if (!only_digits(parts[i], lens[i])) {
            pkg_err_set(errp, PKG_EINVAL, "Invalid characters in version");
            goto fail;
        }
        if (lens[i] > 1 && parts[i][0] == '0') {
            pkg_err_set(errp, PKG_EINVAL, "Version segment starts with 0");
            goto fail;
        }
    }
    uint64_t *dst[3] = {&out->major, &out->minor, &out->patch};
    for (int i = 0; i < 3; i++) {
        if (!parse_u64(parts[i], lens[i], dst[i])) {
            pkg_err_set(errp, PKG_EINVAL, "strconv.ParseUint: parsing \"%.*s\": %s", (int)lens[i],
                        parts[i], lens[i] ? "value out of range" : "invalid syntax");
            goto fail;
        }
    }
    free(rest);
    out->original = xstrdup(s);
    return 0;
fail:
    free(rest);
    semver_release(out);
    return PKG_EINVAL;
}

static bool
ident_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
}

/* [0-9A-Za-z-]+(\.[0-9A-Za-z-]+)* from i: sets groups g (the whole) and
 * g + 1 (the last dotted part, unset when there is none). */
static size_t
scan_idents(const char *s, size_t len, size_t i, struct rematch *m, int g)
{
    size_t start = i;
    while (i < len && ident_char(s[i]))
        i++;
    for (;;) {
        size_t j = i + 1;
        if (i >= len || s[i] != '.' || j >= len || !ident_char(s[j]))
            break;
        while (j < len && ident_char(s[j]))
            j++;
        m->off[2 * (g + 1)] = (long)i;
        m->off[2 * (g + 1) + 1] = (long)j;
        i = j;
    }
    m->off[2 * g] = (long)start;
    m->off[2 * g + 1] = (long)i;
    return i;
}

/* A match of "^" SEMVER_RE "\\z" without PCRE2 (every chart's version goes
 * through here; loading and compiling PCRE2 for it was ~8% of a small
 * `pkg template`). The pattern has one way to match at most: each part's
 * characters differ from what may follow it, so a greedy left-to-right
 * scan finds the groups PCRE2 reports, the last repetition's for groups 6
 * and 9. tests/test-semver.c compares the two on generated strings. */
static bool
version_match(const char *s, size_t len, struct rematch *m)
{
    for (int g = 0; g < MAXG; g++)
        m->off[2 * g] = m->off[2 * g + 1] = -1;
    size_t i = 0;
    if (i < len && s[i] == 'v')
        i++;
    size_t d = i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == d)
        return false;
    m->off[2] = (long)d;
    m->off[3] = (long)i;
    int top = 1;
    for (int g = 2; g <= 3; g++) {
        size_t j = i + 1;
        if (i >= len || s[i] != '.' || j >= len || !(s[j] >= '0' && s[j] <= '9'))
            break;
        while (j < len && s[j] >= '0' && s[j] <= '9')
            j++;
        m->off[2 * g] = (long)i;
        m->off[2 * g + 1] = (long)j;
        top = g;
        i = j;
    }
    if (i + 1 < len && s[i] == '-' && ident_char(s[i + 1])) {
        size_t st = i;
        i = scan_idents(s, len, i + 1, m, 5);
        m->off[8] = (long)st;
        m->off[9] = (long)i;
        top = m->off[12] >= 0 ? 6 : 5;
    }
    if (i + 1 < len && s[i] == '+' && ident_char(s[i + 1])) {
        size_t st = i;
        i = scan_idents(s, len, i + 1, m, 8);
        m->off[14] = (long)st;
        m->off[15] = (long)i;
        top = m->off[18] >= 0 ? 9 : 8;
    }
    if (i != len)
        return false;
    m->off[0] = 0;
    m->off[1] = (long)len;
    m->n = top + 1;
    return true;
}

static int
parse_lenient(struct semver *out, const char *s, struct pkg_err **errp)
{
    struct rematch m;
    size_t len = strlen(s);
    if (!version_match(s, len, &m))
        return pkg_err_set(errp, PKG_EINVAL, "Invalid Semantic Version");
    uint64_t *dst[3] = {&out->major, &out->minor, &out->patch};
    for (int g = 1; g <= 3; g++) {
        size_t n = re_glen(&m, g);
        if (n == 0) {
            *dst[g - 1] = 0;
            continue;
        }
        const char *p = s + m.off[2 * g];
        if (g > 1)
            p++, n--;
        if (!parse_u64(p, n, dst[g - 1]))
            return pkg_err_set(errp, PKG_EINVAL,
                               "Error parsing version segment: strconv.ParseUint: parsing "
                               "\"%.*s\": value out of range",
                               (int)n, p);
    }
    if (re_glen(&m, 5)) {
        out->pre = re_group(&m, s, 5);
        if (check_pre(out->pre, errp))
            goto fail;
    }
    if (re_glen(&m, 8)) {
        out->metadata = re_group(&m, s, 8);
        if (check_meta(out->metadata, errp))
            goto fail;
    }
    out->original = xstrdup(s);
    return 0;
fail:
    semver_release(out);
    return PKG_EINVAL;
}

int
semver_parse(struct semver *out, const char *s, bool strict, struct pkg_err **errp)
{
    memset(out, 0, sizeof(*out));
    return strict ? parse_strict(out, s, errp) : parse_lenient(out, s, errp);
}

void
semver_release(struct semver *v)
{
    if (!v)
        return;
    free(v->pre);
    free(v->metadata);
    free(v->original);
    v->pre = v->metadata = v->original = NULL;
}

void
semver_format(struct sb *sb, const struct semver *v)
{
    sb_addf(sb, "%llu.%llu.%llu", (unsigned long long)v->major, (unsigned long long)v->minor,
            (unsigned long long)v->patch);
    if (v->pre && *v->pre)
        sb_addf(sb, "-%s", v->pre);
    if (v->metadata && *v->metadata)
        sb_addf(sb, "+%s", v->metadata);
}

static int
cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

/* comparePrePart, including its handling of empty parts. */
static int
cmp_pre_part(const char *s, size_t sn, const char *o, size_t on)
{
    if (sn == on && !memcmp(s, o, sn))
        return 0;
    if (sn == 0)
        return -1;
    if (on == 0)
        return 1;
    uint64_t si = 0, oi = 0;
    bool sok = parse_u64(s, sn, &si), ook = parse_u64(o, on, &oi);
    if (!sok && !ook) {
        size_t n = sn < on ? sn : on;
        int c = memcmp(s, o, n);
        if (c == 0)
            c = sn < on ? -1 : 1;
        return c > 0 ? 1 : -1;
    }
    if (!ook)
        return -1; /* o is a string, s a number */
    if (!sok)
        return 1;
    return si > oi ? 1 : -1;
}

static int
cmp_pre(const char *s, const char *o)
{
    for (;;) {
        const char *sd = s ? strchr(s, '.') : NULL;
        const char *od = o ? strchr(o, '.') : NULL;
        size_t sn = s ? (sd ? (size_t)(sd - s) : strlen(s)) : 0;
        size_t on = o ? (od ? (size_t)(od - o) : strlen(o)) : 0;
        int d = cmp_pre_part(s ? s : "", sn, o ? o : "", on);
        if (d)
            return d;
        s = sd ? sd + 1 : NULL;
        o = od ? od + 1 : NULL;
        if (!s && !o)
            return 0;
    }
}

static bool
has_pre(const struct semver *v)
{
    return v->pre && *v->pre;
}

int
semver_cmp(const struct semver *a, const struct semver *b)
{
    int d;
    if ((d = cmp_u64(a->major, b->major)) || (d = cmp_u64(a->minor, b->minor)) ||
        (d = cmp_u64(a->patch, b->patch)))
        return d;
    bool pa = has_pre(a), pb = has_pre(b);
    if (!pa && !pb)
        return 0;
    if (!pa)
        return 1;
    if (!pb)
        return -1;
    return cmp_pre(a->pre, b->pre);
}

/* ---- constraints ---- */

enum op {
    OP_TILDE_OR_EQ,
    OP_NE,
    OP_GT,
    OP_LT,
    OP_GE,
    OP_LE,
    OP_TILDE,
    OP_CARET,
};

struct one {
    enum op op;
    struct semver con;
    bool dirty, minor_dirty, patch_dirty;
};

struct group {
    struct one *c;
    size_t n;
};

struct semver_constraint {
    struct group *g;
    size_t n;
};

/* The operator spelled s[0..n) (SEMVER_OPS_RE's alternatives); false for
 * any other spelling. */
static bool
op_lookup(const char *s, size_t n, enum op *op)
{
    static const struct {
        const char *s;
        enum op op;
    } t[] = {{"", OP_TILDE_OR_EQ}, {"=", OP_TILDE_OR_EQ}, {"!=", OP_NE},    {">", OP_GT},
             {"<", OP_LT},         {">=", OP_GE},         {"=>", OP_GE},    {"<=", OP_LE},
             {"=<", OP_LE},        {"~", OP_TILDE},       {"~>", OP_TILDE}, {"^", OP_CARET}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (strlen(t[i].s) == n && !memcmp(t[i].s, s, n)) {
            *op = t[i].op;
            return true;
        }
    }
    return false;
}

static enum op
op_from(const char *s, size_t n)
{
    enum op op = OP_TILDE_OR_EQ;
    op_lookup(s, n, &op);
    return op;
}

static bool
is_x(const char *s, size_t n)
{
    return n == 1 && (*s == 'x' || *s == 'X' || *s == '*');
}

static int
parse_one(struct one *out, const char *s, struct pkg_err **errp)
{
    memset(out, 0, sizeof(*out));
    if (!*s) {
        /* The empty constraint is `*`. */
        out->op = OP_TILDE_OR_EQ;
        out->dirty = true;
        return semver_parse(&out->con, "0.0.0", true, errp);
    }
    struct rematch m;
    size_t len = strlen(s);
    if (!re_match(RE_CONSTRAINT, s, len, 0, &m))
        return pkg_err_set(errp, PKG_EINVAL, "improper constraint: %s", s);
    out->op = op_from(s + (m.off[2] < 0 ? 0 : m.off[2]), re_glen(&m, 1));
    const char *g3 = s + m.off[6];
    size_t n3 = re_glen(&m, 3), n4 = re_glen(&m, 4), n5 = re_glen(&m, 5);
    const char *g4 = n4 ? s + m.off[8] : "";
    const char *g5 = n5 ? s + m.off[10] : "";
    const char *g6 = re_glen(&m, 6) ? s + m.off[12] : "";
    int n6 = (int)re_glen(&m, 6);
    char *ver;
    if (is_x(g3, n3)) {
        ver = xasprintf("0.0.0%.*s", n6, g6);
        out->dirty = true;
    } else if (n4 == 0 || is_x(g4 + 1, n4 - 1)) {
        out->dirty = out->minor_dirty = true;
        ver = xasprintf("%.*s.0.0%.*s", (int)n3, g3, n6, g6);
    } else if (n5 == 0 || is_x(g5 + 1, n5 - 1)) {
        out->dirty = out->patch_dirty = true;
        ver = xasprintf("%.*s%.*s.0%.*s", (int)n3, g3, (int)n4, g4, n6, g6);
    } else {
        ver = re_group(&m, s, 2);
    }
    int rc = semver_parse(&out->con, ver, false, NULL);
    free(ver);
    if (rc)
        return pkg_err_set(errp, PKG_EINVAL, "constraint Parser Error");
    return 0;
}

/* rewriteRange: "a - b" becomes ">= a, <= b ". */
static char *
rewrite_range(const char *in)
{
    char *o = xstrdup(in);
    size_t len = strlen(in), pos = 0;
    struct rematch m;
    while (pos <= len && re_match(RE_RANGE, in, len, pos, &m)) {
        size_t a = (size_t)m.off[0], b = (size_t)m.off[1];
        char *whole = xstrndup(in + a, b - a);
        char *t = xasprintf(">= %.*s, <= %.*s ", (int)re_glen(&m, 1), in + m.off[2],
                            (int)re_glen(&m, 11), in + m.off[22]);
        char *at = strstr(o, whole);
        if (at) {
            char *n = xasprintf("%.*s%s%s", (int)(at - o), o, t, at + strlen(whole));
            free(o);
            o = n;
        }
        free(whole);
        free(t);
        pos = b > a ? b : b + 1;
    }
    return o;
}

void
semver_constraint_free(struct semver_constraint *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        for (size_t j = 0; j < c->g[i].n; j++)
            semver_release(&c->g[i].c[j].con);
        free(c->g[i].c);
    }
    free(c->g);
    free(c);
}

static bool simple_enabled = true;

void
semver_simple_set_enabled(bool on)
{
    simple_enabled = on;
}

static bool
is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static bool
is_ident_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* The common constraint, one operator and one version ("  >= 1.23.0-0",
 * "^1.2", "<1.14-0"), read without the regexes: decoding and first running
 * them costs a process ~50 us, and most charts ask one such question. It
 * gives what the regex path gives (rewrite_range finds no range, one
 * group, RE_FIND's one match, parse_one); anything else (several
 * constraints, "||", wildcards, build metadata, stray characters, a
 * version semver_parse refuses) returns false and the regexes decide. */
static bool
parse_simple(struct one *out, const char *s)
{
    const char *p = s;
    while (is_ws(*p))
        p++;
    const char *op = p;
    while (*p && strchr("=!<>~^", *p))
        p++;
    enum op kind;
    if (!op_lookup(op, (size_t)(p - op), &kind))
        return false;
    while (is_ws(*p))
        p++;
    const char *cv = p;
    if (*p == 'v')
        p++;
    const char *major = p;
    size_t parts = 0;
    const char *part_end[3];
    for (;;) {
        const char *d = p;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p == d)
            return false;
        part_end[parts++] = p;
        if (parts == 3 || *p != '.')
            break;
        p++;
    }
    const char *pre = p;
    if (*p == '-') {
        p++;
        for (;;) {
            const char *d = p;
            while (is_ident_char(*p))
                p++;
            if (p == d)
                return false;
            if (*p != '.')
                break;
            p++;
        }
    }
    const char *cv_end = p;
    while (is_ws(*p))
        p++;
    if (*p)
        return false;
    memset(out, 0, sizeof(*out));
    out->op = kind;
    char *ver;
    if (parts == 1) {
        out->dirty = out->minor_dirty = true;
        ver =
            xasprintf("%.*s.0.0%.*s", (int)(part_end[0] - major), major, (int)(cv_end - pre), pre);
    } else if (parts == 2) {
        out->dirty = out->patch_dirty = true;
        ver = xasprintf("%.*s.0%.*s", (int)(part_end[1] - major), major, (int)(cv_end - pre), pre);
    } else {
        ver = xstrndup(cv, (size_t)(cv_end - cv));
    }
    int rc = semver_parse(&out->con, ver, false, NULL);
    free(ver);
    if (rc) {
        semver_release(&out->con);
        return false;
    }
    return true;
}

int
semver_constraint_parse(struct semver_constraint **out, const char *s, struct pkg_err **errp)
{
    *out = NULL;
    struct one simple;
    if (simple_enabled && parse_simple(&simple, s)) {
        struct semver_constraint *c = xcalloc(1, sizeof(*c));
        c->g = xcalloc(1, sizeof(*c->g));
        c->g[0].c = xmalloc(sizeof(*c->g[0].c));
        c->g[0].c[0] = simple;
        c->g[0].n = 1;
        c->n = 1;
        *out = c;
        return 0;
    }
    char *r = rewrite_range(s);
    struct semver_constraint *c = xcalloc(1, sizeof(*c));
    size_t ngroups = 1;
    for (const char *p = r; (p = strstr(p, "||")); p += 2)
        ngroups++;
    c->g = xcalloc(ngroups, sizeof(*c->g));
    int rc = 0;
    char *seg = r;
    for (size_t gi = 0; gi < ngroups; gi++) {
        char *end = strstr(seg, "||");
        if (end)
            *end = 0;
        size_t slen = strlen(seg);
        struct rematch m;
        if (!re_match(RE_VALID, seg, slen, 0, &m)) {
            rc = pkg_err_set(errp, PKG_EINVAL, "improper constraint: %s", seg);
            goto out;
        }
        c->n = gi + 1;
        struct group *g = &c->g[gi];
        size_t pos = 0, cap = 0;
        while (pos <= slen && re_match(RE_FIND, seg, slen, pos, &m)) {
            size_t a = (size_t)m.off[0], b = (size_t)m.off[1];
            char *one = xstrndup(seg + a, b - a);
            g->c = xgrow(g->c, &cap, g->n + 1, sizeof(*g->c));
            rc = parse_one(&g->c[g->n], one, errp);
            free(one);
            if (rc)
                goto out;
            g->n++;
            pos = b > a ? b : b + 1;
        }
        if (g->n == 0) {
            g->c = xcalloc(1, sizeof(*g->c));
            rc = parse_one(&g->c[0], seg, errp);
            if (rc)
                goto out;
            g->n = 1;
        }
        seg = end ? end + 2 : seg + slen;
    }
out:
    free(r);
    if (rc) {
        semver_constraint_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

static bool
check_tilde(const struct semver *v, const struct one *c)
{
    if (has_pre(v) && !has_pre(&c->con))
        return false;
    if (semver_cmp(v, &c->con) < 0)
        return false;
    if (c->con.major == 0 && c->con.minor == 0 && c->con.patch == 0 && !c->minor_dirty &&
        !c->patch_dirty)
        return true;
    if (v->major != c->con.major)
        return false;
    if (v->minor != c->con.minor && !c->minor_dirty)
        return false;
    return true;
}

static bool
check_one(const struct semver *v, const struct one *c)
{
    bool vpre = has_pre(v), cpre = has_pre(&c->con);
    switch (c->op) {
    case OP_NE:
        if (c->dirty) {
            if (vpre && !cpre)
                return false;
            if (c->con.major != v->major)
                return true;
            if (c->con.minor != v->minor && !c->minor_dirty)
                return true;
            else if (c->minor_dirty)
                return false;
            else if (c->con.patch != v->patch && !c->patch_dirty)
                return true;
            else if (c->patch_dirty) {
                if (vpre || cpre)
                    return cmp_pre(v->pre ? v->pre : "", c->con.pre ? c->con.pre : "") != 0;
                return false;
            }
        }
        return semver_cmp(v, &c->con) != 0;
    case OP_GT:
        if (vpre && !cpre)
            return false;
        if (!c->dirty)
            return semver_cmp(v, &c->con) == 1;
        if (v->major > c->con.major)
            return true;
        if (v->major < c->con.major)
            return false;
        if (c->minor_dirty)
            return false;
        if (c->patch_dirty)
            return v->minor > c->con.minor;
        return semver_cmp(v, &c->con) == 1;
    case OP_LT:
        if (vpre && !cpre)
            return false;
        return semver_cmp(v, &c->con) < 0;
    case OP_GE:
        if (vpre && !cpre)
            return false;
        return semver_cmp(v, &c->con) >= 0;
    case OP_LE:
        if (vpre && !cpre)
            return false;
        if (!c->dirty)
            return semver_cmp(v, &c->con) <= 0;
        if (v->major > c->con.major)
            return false;
        if (v->major == c->con.major && v->minor > c->con.minor && !c->minor_dirty)
            return false;
        return true;
    case OP_TILDE:
        return check_tilde(v, c);
    case OP_TILDE_OR_EQ:
        if (vpre && !cpre)
            return false;
        if (c->dirty)
            return check_tilde(v, c);
        return semver_cmp(v, &c->con) == 0;
    case OP_CARET:
        if (vpre && !cpre)
            return false;
        if (semver_cmp(v, &c->con) < 0)
            return false;
        if (c->con.major > 0 || c->minor_dirty)
            return v->major == c->con.major;
        if (c->con.major == 0 && v->major > 0)
            return false;
        if (c->con.minor > 0 || c->patch_dirty)
            return v->minor == c->con.minor;
        if (c->con.minor == 0 && v->minor > 0)
            return false;
        return c->con.patch == v->patch;
    }
    return false;
}

bool
semver_constraint_check(const struct semver_constraint *c, const struct semver *v)
{
    for (size_t i = 0; i < c->n; i++) {
        bool ok = true;
        for (size_t j = 0; j < c->g[i].n && ok; j++)
            ok = check_one(v, &c->g[i].c[j]);
        if (ok)
            return true;
    }
    return false;
}

/* Charts ask the same question over and over (kube-prometheus-stack calls
 * semverCompare ~800 times with a handful of constraint/version pairs), and
 * a constraint costs several regex matches: answers are remembered, a few
 * dozen pairs, the oldest replaced first. Only answers are kept; an error is
 * worked out again each time. */
#define MEMO_MAX 32
static struct memo {
    char *constraint, *version;
    bool ok;
} memo[MEMO_MAX];
static size_t memo_n, memo_next;
static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;

static bool
memo_find(const char *constraint, const char *version, bool *out)
{
    bool found = false;
    pthread_mutex_lock(&memo_lock);
    for (size_t i = 0; i < memo_n && !found; i++)
        if (!strcmp(memo[i].constraint, constraint) && !strcmp(memo[i].version, version)) {
            *out = memo[i].ok;
            found = true;
        }
    pthread_mutex_unlock(&memo_lock);
    return found;
}

static void
memo_add(const char *constraint, const char *version, bool ok)
{
    pthread_mutex_lock(&memo_lock);
    struct memo *m = &memo[memo_next];
    memo_next = (memo_next + 1) % MEMO_MAX;
    if (memo_n < MEMO_MAX)
        memo_n++;
    free(m->constraint);
    free(m->version);
    *m = (struct memo){xstrdup(constraint), xstrdup(version), ok};
    pthread_mutex_unlock(&memo_lock);
}

int
semver_check_str(const char *constraint, const char *version, bool *out, struct pkg_err **errp)
{
    if (memo_find(constraint, version, out))
        return 0;
    struct semver_constraint *c;
    struct semver v;
    int rc = semver_constraint_parse(&c, constraint, errp);
    if (rc)
        return rc;
    rc = semver_parse(&v, version, false, errp);
    if (rc) {
        semver_constraint_free(c);
        return rc;
    }
    *out = semver_constraint_check(c, &v);
    semver_release(&v);
    semver_constraint_free(c);
    memo_add(constraint, version, *out);
    return 0;
}

long
semver_select_newest(const struct semver_constraint *c, const char *const *versions, size_t n)
{
    long best = -1;
    struct semver bestv = {0};
    for (size_t i = 0; i < n; i++) {
        struct semver v;
        if (!versions[i] || semver_parse(&v, versions[i], false, NULL))
            continue;
        if ((!c || semver_constraint_check(c, &v)) && (best < 0 || semver_cmp(&v, &bestv) > 0)) {
            semver_release(&bestv);
            bestv = v;
            best = (long)i;
        } else {
            semver_release(&v);
        }
    }
    semver_release(&bestv);
    return best;
}
