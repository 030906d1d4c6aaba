/* Sprig's regex functions (regex.go) with Go's regexp on PCRE2.
 *
 * A pattern is parsed by a port of Go's regexp/syntax parser (Perl flags:
 * leftmost-first, (?imsU) flags, (?P<name>) and (?<name>) captures, \Q..\E,
 * \pN and \p{Greek}, POSIX classes, octal and hex escapes, counted
 * repetition up to 1000) which reports Go's errors word for word
 * ("error parsing regexp: missing closing ): `(a`"), and the parse tree is
 * written out as a PCRE2 pattern whose every construct has Go's meaning
 * regardless of PCRE2's defaults: `.` is [^\n] (or any character with
 * (?s)), `^`/`$` are \A/\z (line anchors only with (?m)), \d \s \w and the
 * POSIX classes are their ASCII sets (Go's \s has no \v), captures are
 * numbered and named by pkg, not PCRE2 (Go accepts names like "1x"),
 * backreferences, lookarounds, possessive and atomic constructs are
 * rejected as Go rejects them. Match iteration (FindAll, ReplaceAll,
 * Split), the handling of empty matches, and the expansion of $1, ${1},
 * $name and $$ in replacements follow Go's regexp package.
 *
 * Subjects with invalid UTF-8 are matched as Go reads them (each bad byte
 * a U+FFFD). Compiled patterns are cached per thread: charts call
 * regexReplaceAll with the same pattern in loops. Go's engine is
 * linear-time and PCRE2 backtracks: deep matches get a growing JIT stack
 * or the heap-based interpreter, regexMatch falls back to PCRE2's DFA
 * matcher when backtracking explodes, and the other functions then fail
 * with PKG_ELIMIT ("regular expression too complex for the input"). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "render/sprig.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/xalloc.h"

#define MAX_REPEAT 1000
#define MAX_PATTERN (1u << 20)
#define MAX_NEST 1000
#define MATCH_LIMIT 50000000u

/* ---- parse tree ---- */

enum rop {
    R_LIT,
    R_CLASS,
    R_ANY,
    R_ANYNL,
    R_BOL,
    R_EOL,
    R_BOT,
    R_EOT,
    R_WB,
    R_NWB,
    R_FAIL,
    R_EMPTY,
    R_CAP,
    R_CONCAT,
    R_ALT,
    R_STAR,
    R_PLUS,
    R_QUEST,
    R_REPEAT,
    R_PSEUDO, /* markers below: never in a finished tree */
    R_LPAREN,
    R_VBAR,
};

enum { F_FOLD = 1, F_ONELINE = 2, F_DOTNL = 4, F_NONGREEDY = 8 };

struct rnode {
    uint8_t op;
    uint8_t flags;
    bool lazy;
    int min, max;
    int cap;
    uint32_t rune;       /* R_LIT */
    char *text;          /* R_CLASS: PCRE2 class text */
    struct rnode **subs; /* R_CAP, R_CONCAT, R_ALT, repeats */
    size_t nsubs;
    int height; /* of the tree below: Go refuses more than 1000 */
};

struct rparser {
    struct arena *a;
    struct rnode **stack;
    size_t n, cap;
    int flags;
    int ncap;
    const char *whole;
    size_t wholelen;
    const char **names; /* names[i] for capture i (NULL: unnamed) */
    size_t namescap;
    struct sb *err;
    bool too_deep;
};

/* Go's syntax.Error: "error parsing regexp: CODE: `EXPR`" */
static int
rx_error(struct rparser *p, const char *code, const char *expr, size_t n)
{
    sb_addstr(p->err, "error parsing regexp: ");
    sb_addstr(p->err, code);
    sb_addstr(p->err, ": `");
    sb_add(p->err, expr, n);
    sb_addch(p->err, '`');
    return -1;
}

#define E_CHAR_RANGE "invalid character class range"
#define E_ESCAPE "invalid escape sequence"
#define E_NAMED "invalid named capture"
#define E_PERL_OP "invalid or unsupported Perl syntax"
#define E_REPEAT_OP "invalid nested repetition operator"
#define E_REPEAT_SIZE "invalid repeat count"
#define E_UTF8 "invalid UTF-8"
#define E_BRACKET "missing closing ]"
#define E_PAREN "missing closing )"
#define E_REPEAT_ARG "missing argument to repetition operator"
#define E_BACKSLASH "trailing backslash at end of expression"
#define E_UNEXPECTED "unexpected )"
#define E_NEST "expression nests too deeply"
#define E_LARGE "expression too large"

static struct rnode *
new_node(struct rparser *p, enum rop op)
{
    struct rnode *r = arena_alloc(p->a, sizeof(*r));
    r->op = (uint8_t)op;
    r->flags = (uint8_t)p->flags;
    return r;
}

static void
set_height(struct rparser *p, struct rnode *r)
{
    int h = 1;
    for (size_t i = 0; i < r->nsubs; i++)
        if (r->subs[i]->height + 1 > h)
            h = r->subs[i]->height + 1;
    r->height = h;
    if (h > MAX_NEST)
        p->too_deep = true;
}

static void
push(struct rparser *p, struct rnode *r)
{
    set_height(p, r);
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 32;
        p->stack =
            arena_realloc(p->a, p->stack, p->cap * sizeof(*p->stack), nc * sizeof(*p->stack));
        p->cap = nc;
    }
    p->stack[p->n++] = r;
}

/* nextRune: the rune at s, or an invalid UTF-8 error naming the rest */
static int
next_rune(struct rparser *p, const char *s, size_t n, uint32_t *r, size_t *w)
{
    *r = utf8_rune(s, n, w);
    if (*r == 0xFFFD && *w == 1)
        return rx_error(p, E_UTF8, s, n);
    return 0;
}

static int
check_utf8(struct rparser *p, const char *s, size_t n)
{
    size_t w;
    for (size_t i = 0; i < n; i += w) {
        uint32_t r = utf8_rune(s + i, n - i, &w);
        if (r == 0xFFFD && w == 1)
            return rx_error(p, E_UTF8, s + i, n - i);
    }
    return 0;
}

static bool
is_alnum(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* parseEscape: a single-character escape at s (s[0] == '\\') */
static int
parse_escape(struct rparser *p, const char *s, size_t n, uint32_t *out, size_t *used)
{
    if (n < 2)
        return rx_error(p, E_BACKSLASH, "", 0);
    uint32_t c;
    size_t w;
    if (next_rune(p, s + 1, n - 1, &c, &w) < 0)
        return -1;
    size_t t = 1 + w; /* consumed so far */
    switch (c) {
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
        /* a single non-zero digit would be a backreference */
        if (t >= n || s[t] < '0' || s[t] > '7')
            break;
        /* fallthrough */
    case '0': {
        uint32_t r = c - '0';
        for (int i = 1; i < 3; i++) {
            if (t >= n || s[t] < '0' || s[t] > '7')
                break;
            r = r * 8 + (uint32_t)(s[t] - '0');
            t++;
        }
        *out = r;
        *used = t;
        return 0;
    }
    case 'x': {
        if (t >= n)
            break;
        if (next_rune(p, s + t, n - t, &c, &w) < 0)
            return -1;
        t += w;
        if (c == '{') {
            int nhex = 0;
            uint32_t r = 0;
            for (;;) {
                if (t >= n)
                    goto bad;
                if (next_rune(p, s + t, n - t, &c, &w) < 0)
                    return -1;
                t += w;
                if (c == '}')
                    break;
                int v = hex_digit((int)c);
                if (v < 0)
                    goto bad;
                r = r * 16 + (uint32_t)v;
                if (r > 0x10FFFF)
                    goto bad;
                nhex++;
            }
            if (nhex == 0)
                goto bad;
            *out = r;
            *used = t;
            return 0;
        }
        int x = hex_digit((int)c);
        if (t >= n) {
            /* Go's nextRune on "" gives RuneError and no error: then the
             * escape is invalid */
            goto bad;
        }
        if (next_rune(p, s + t, n - t, &c, &w) < 0)
            return -1;
        t += w;
        int y = hex_digit((int)c);
        if (x < 0 || y < 0)
            break;
        *out = (uint32_t)(x * 16 + y);
        *used = t;
        return 0;
    }
    case 'a':
        *out = 7;
        *used = t;
        return 0;
    case 'f':
        *out = '\f';
        *used = t;
        return 0;
    case 'n':
        *out = '\n';
        *used = t;
        return 0;
    case 'r':
        *out = '\r';
        *used = t;
        return 0;
    case 't':
        *out = '\t';
        *used = t;
        return 0;
    case 'v':
        *out = '\v';
        *used = t;
        return 0;
    default:
        if (c < 0x80 && !is_alnum(c)) {
            *out = c;
            *used = t;
            return 0;
        }
        break;
    }
bad:
    return rx_error(p, E_ESCAPE, s, t);
}

/* ---- classes, written as PCRE2 class items ---- */

static void
put_cp(struct sb *sb, uint32_t r)
{
    if (is_alnum(r))
        sb_addch(sb, (int)r);
    else
        sb_addf(sb, "\\x{%x}", r);
}

/* a range lo-hi without the surrogates PCRE2 refuses in UTF mode */
static void
put_range(struct sb *sb, uint32_t lo, uint32_t hi)
{
    if (lo > hi)
        return;
    if (lo <= 0xDFFF && hi >= 0xD800) {
        if (lo < 0xD800)
            put_range(sb, lo, 0xD7FF);
        if (hi > 0xDFFF)
            put_range(sb, 0xE000, hi);
        return;
    }
    put_cp(sb, lo);
    if (hi != lo) {
        sb_addch(sb, '-');
        put_cp(sb, hi);
    }
}

struct crange {
    uint32_t lo, hi;
};

/* unicode.SimpleFold (Go 1.23, Unicode 15.0): the next rune of r's case
 * orbit. */
static const struct {
    uint16_t from, to;
} case_orbit[] = {
    {0x004B, 0x006B}, {0x0053, 0x0073}, {0x006B, 0x212A}, {0x0073, 0x017F}, {0x00B5, 0x039C},
    {0x00C5, 0x00E5}, {0x00DF, 0x1E9E}, {0x00E5, 0x212B}, {0x0130, 0x0130}, {0x0131, 0x0131},
    {0x017F, 0x0053}, {0x01C4, 0x01C5}, {0x01C5, 0x01C6}, {0x01C6, 0x01C4}, {0x01C7, 0x01C8},
    {0x01C8, 0x01C9}, {0x01C9, 0x01C7}, {0x01CA, 0x01CB}, {0x01CB, 0x01CC}, {0x01CC, 0x01CA},
    {0x01F1, 0x01F2}, {0x01F2, 0x01F3}, {0x01F3, 0x01F1}, {0x0345, 0x0399}, {0x0392, 0x03B2},
    {0x0395, 0x03B5}, {0x0398, 0x03B8}, {0x0399, 0x03B9}, {0x039A, 0x03BA}, {0x039C, 0x03BC},
    {0x03A0, 0x03C0}, {0x03A1, 0x03C1}, {0x03A3, 0x03C2}, {0x03A6, 0x03C6}, {0x03A9, 0x03C9},
    {0x03B2, 0x03D0}, {0x03B5, 0x03F5}, {0x03B8, 0x03D1}, {0x03B9, 0x1FBE}, {0x03BA, 0x03F0},
    {0x03BC, 0x00B5}, {0x03C0, 0x03D6}, {0x03C1, 0x03F1}, {0x03C2, 0x03C3}, {0x03C3, 0x03A3},
    {0x03C6, 0x03D5}, {0x03C9, 0x2126}, {0x03D0, 0x0392}, {0x03D1, 0x03F4}, {0x03D5, 0x03A6},
    {0x03D6, 0x03A0}, {0x03F0, 0x039A}, {0x03F1, 0x03A1}, {0x03F4, 0x0398}, {0x03F5, 0x0395},
    {0x0412, 0x0432}, {0x0414, 0x0434}, {0x041E, 0x043E}, {0x0421, 0x0441}, {0x0422, 0x0442},
    {0x042A, 0x044A}, {0x0432, 0x1C80}, {0x0434, 0x1C81}, {0x043E, 0x1C82}, {0x0441, 0x1C83},
    {0x0442, 0x1C84}, {0x044A, 0x1C86}, {0x0462, 0x0463}, {0x0463, 0x1C87}, {0x1C80, 0x0412},
    {0x1C81, 0x0414}, {0x1C82, 0x041E}, {0x1C83, 0x0421}, {0x1C84, 0x1C85}, {0x1C85, 0x0422},
    {0x1C86, 0x042A}, {0x1C87, 0x0462}, {0x1C88, 0xA64A}, {0x1E60, 0x1E61}, {0x1E61, 0x1E9B},
    {0x1E9B, 0x1E60}, {0x1E9E, 0x00DF}, {0x1FBE, 0x0345}, {0x2126, 0x03A9}, {0x212A, 0x004B},
    {0x212B, 0x00C5}, {0xA64A, 0xA64B}, {0xA64B, 0x1C88},
};

#define MIN_FOLD 0x0041
#define MAX_FOLD 0x1E943

static uint32_t
simple_fold(uint32_t r)
{
    if (r > 0x10FFFF)
        return r;
    if (r < 0x80) {
        if (r == 'k')
            return 0x212A;
        if (r == 's')
            return 0x017F;
        if (r >= 'A' && r <= 'Z')
            return r + 32;
        if (r >= 'a' && r <= 'z')
            return r - 32;
        return r;
    }
    size_t lo = 0, hi = sizeof(case_orbit) / sizeof(case_orbit[0]);
    while (lo < hi) {
        size_t m = (lo + hi) / 2;
        if (case_orbit[m].from < r)
            lo = m + 1;
        else
            hi = m;
    }
    if (lo < sizeof(case_orbit) / sizeof(case_orbit[0]) && case_orbit[lo].from == r)
        return case_orbit[lo].to;
    uint32_t l = sprig_uni_to_lower(r);
    if (l != r)
        return l;
    return sprig_uni_to_upper(r);
}

/* A character class being built, the way Go's parser builds one: with
 * (?i) every item is case-folded as it is added (appendFoldedRange,
 * appendFoldedClass, and FoldCategory/FoldScript for \p), so the class
 * is written without PCRE2's caseless mode. Items PCRE2 must look up
 * (\p{Greek}) stay as properties; a folded \P{X} is the complement of
 * "\p{X} and its fold table", which a bracket cannot hold, so it is
 * written as a lookahead. */
struct cbuild {
    struct crange *r;
    size_t n, cap;
    struct sb props; /* \p{..} and \P{..} items */
    struct sb alt;   /* "|(?![S])(?s:.)" for each folded \P{X} with set S */
    struct sb ahead; /* "(?=[S])" for each */
    bool fold;
};

static void
cb_release(struct cbuild *cb)
{
    free(cb->r);
    sb_release(&cb->props);
    sb_release(&cb->alt);
    sb_release(&cb->ahead);
}

static void
cb_add(struct cbuild *cb, uint32_t lo, uint32_t hi)
{
    if (lo > hi)
        return;
    if (cb->n && cb->r[cb->n - 1].lo <= lo && lo <= cb->r[cb->n - 1].hi + 1) {
        if (hi > cb->r[cb->n - 1].hi)
            cb->r[cb->n - 1].hi = hi; /* coalesce on the fly, as appendRange */
        return;
    }
    cb->r = xgrow(cb->r, &cb->cap, cb->n + 1, sizeof(*cb->r));
    cb->r[cb->n].lo = lo;
    cb->r[cb->n].hi = hi;
    cb->n++;
}

/* appendFoldedRange */
static void
cb_add_folded(struct cbuild *cb, uint32_t lo, uint32_t hi)
{
    if ((lo <= MIN_FOLD && hi >= MAX_FOLD) || hi < MIN_FOLD || lo > MAX_FOLD) {
        cb_add(cb, lo, hi);
        return;
    }
    if (lo < MIN_FOLD) {
        cb_add(cb, lo, MIN_FOLD - 1);
        lo = MIN_FOLD;
    }
    if (hi > MAX_FOLD) {
        cb_add(cb, MAX_FOLD + 1, hi);
        hi = MAX_FOLD;
    }
    for (uint32_t c = lo; c <= hi; c++) {
        cb_add(cb, c, c);
        for (uint32_t f = simple_fold(c); f != c; f = simple_fold(f))
            cb_add(cb, f, f);
    }
}

static int
cmp_crange(const void *x, const void *y)
{
    const struct crange *a = x, *b = y;
    return a->lo < b->lo ? -1 : a->lo > b->lo ? 1 : 0;
}

/* cleanClass: sorted, merged */
static void
cb_clean(struct cbuild *cb)
{
    if (cb->n < 2)
        return;
    qsort(cb->r, cb->n, sizeof(*cb->r), cmp_crange);
    size_t w = 0;
    for (size_t i = 1; i < cb->n; i++) {
        if (cb->r[i].lo <= cb->r[w].hi + 1) {
            if (cb->r[i].hi > cb->r[w].hi)
                cb->r[w].hi = cb->r[i].hi;
        } else {
            cb->r[++w] = cb->r[i];
        }
    }
    cb->n = w + 1;
}

/* A character or range of a bracket class. */
static void
cb_range(struct cbuild *cb, uint32_t lo, uint32_t hi)
{
    if (cb->fold)
        cb_add_folded(cb, lo, hi);
    else
        cb_add(cb, lo, hi);
}

/* appendGroup: a Perl or POSIX class, folded with (?i), maybe negated. */
static void
cb_group(struct cbuild *cb, const struct crange *g, size_t gn, bool neg)
{
    struct cbuild t = {0};
    for (size_t i = 0; i < gn; i++) {
        if (cb->fold)
            cb_add_folded(&t, g[i].lo, g[i].hi);
        else
            cb_add(&t, g[i].lo, g[i].hi);
    }
    cb_clean(&t);
    if (neg) {
        uint32_t next = 0;
        for (size_t i = 0; i < t.n; i++) {
            if (t.r[i].lo > next)
                cb_add(cb, next, t.r[i].lo - 1);
            next = t.r[i].hi + 1;
        }
        if (next <= 0x10FFFF)
            cb_add(cb, next, 0x10FFFF);
    } else {
        for (size_t i = 0; i < t.n; i++)
            cb_add(cb, t.r[i].lo, t.r[i].hi);
    }
    cb_release(&t);
}

/* unicode.FoldCategory and unicode.FoldScript of Go 1.23 (Unicode 15.0):
 * the runes outside a category or script that fold into it. Rows are
 * {lo, hi, stride}. */
struct fold_row {
    uint32_t lo, hi, stride;
};

static const struct fold_row fold_l[] = {{0x0345, 0x0345, 1}};
static const struct fold_row fold_ll[] = {
    {0x0041, 0x005a, 1},    {0x00c0, 0x00d6, 1},   {0x00d8, 0x00de, 1},     {0x0100, 0x012e, 2},
    {0x0132, 0x0136, 2},    {0x0139, 0x0147, 2},   {0x014a, 0x0178, 2},     {0x0179, 0x017d, 2},
    {0x0181, 0x0182, 1},    {0x0184, 0x0186, 2},   {0x0187, 0x0189, 2},     {0x018a, 0x018b, 1},
    {0x018e, 0x0191, 1},    {0x0193, 0x0194, 1},   {0x0196, 0x0198, 1},     {0x019c, 0x019d, 1},
    {0x019f, 0x01a0, 1},    {0x01a2, 0x01a6, 2},   {0x01a7, 0x01a9, 2},     {0x01ac, 0x01ae, 2},
    {0x01af, 0x01b1, 2},    {0x01b2, 0x01b3, 1},   {0x01b5, 0x01b7, 2},     {0x01b8, 0x01bc, 4},
    {0x01c4, 0x01c5, 1},    {0x01c7, 0x01c8, 1},   {0x01ca, 0x01cb, 1},     {0x01cd, 0x01db, 2},
    {0x01de, 0x01ee, 2},    {0x01f1, 0x01f2, 1},   {0x01f4, 0x01f6, 2},     {0x01f7, 0x01f8, 1},
    {0x01fa, 0x0232, 2},    {0x023a, 0x023b, 1},   {0x023d, 0x023e, 1},     {0x0241, 0x0243, 2},
    {0x0244, 0x0246, 1},    {0x0248, 0x024e, 2},   {0x0345, 0x0370, 43},    {0x0372, 0x0376, 4},
    {0x037f, 0x0386, 7},    {0x0388, 0x038a, 1},   {0x038c, 0x038e, 2},     {0x038f, 0x0391, 2},
    {0x0392, 0x03a1, 1},    {0x03a3, 0x03ab, 1},   {0x03cf, 0x03d8, 9},     {0x03da, 0x03ee, 2},
    {0x03f4, 0x03f7, 3},    {0x03f9, 0x03fa, 1},   {0x03fd, 0x042f, 1},     {0x0460, 0x0480, 2},
    {0x048a, 0x04c0, 2},    {0x04c1, 0x04cd, 2},   {0x04d0, 0x052e, 2},     {0x0531, 0x0556, 1},
    {0x10a0, 0x10c5, 1},    {0x10c7, 0x10cd, 6},   {0x13a0, 0x13f5, 1},     {0x1c90, 0x1cba, 1},
    {0x1cbd, 0x1cbf, 1},    {0x1e00, 0x1e94, 2},   {0x1e9e, 0x1efe, 2},     {0x1f08, 0x1f0f, 1},
    {0x1f18, 0x1f1d, 1},    {0x1f28, 0x1f2f, 1},   {0x1f38, 0x1f3f, 1},     {0x1f48, 0x1f4d, 1},
    {0x1f59, 0x1f5f, 2},    {0x1f68, 0x1f6f, 1},   {0x1f88, 0x1f8f, 1},     {0x1f98, 0x1f9f, 1},
    {0x1fa8, 0x1faf, 1},    {0x1fb8, 0x1fbc, 1},   {0x1fc8, 0x1fcc, 1},     {0x1fd8, 0x1fdb, 1},
    {0x1fe8, 0x1fec, 1},    {0x1ff8, 0x1ffc, 1},   {0x2126, 0x212a, 4},     {0x212b, 0x2132, 7},
    {0x2183, 0x2c00, 2685}, {0x2c01, 0x2c2f, 1},   {0x2c60, 0x2c62, 2},     {0x2c63, 0x2c64, 1},
    {0x2c67, 0x2c6d, 2},    {0x2c6e, 0x2c70, 1},   {0x2c72, 0x2c75, 3},     {0x2c7e, 0x2c80, 1},
    {0x2c82, 0x2ce2, 2},    {0x2ceb, 0x2ced, 2},   {0x2cf2, 0xa640, 31054}, {0xa642, 0xa66c, 2},
    {0xa680, 0xa69a, 2},    {0xa722, 0xa72e, 2},   {0xa732, 0xa76e, 2},     {0xa779, 0xa77d, 2},
    {0xa77e, 0xa786, 2},    {0xa78b, 0xa78d, 2},   {0xa790, 0xa792, 2},     {0xa796, 0xa7aa, 2},
    {0xa7ab, 0xa7ae, 1},    {0xa7b0, 0xa7b4, 1},   {0xa7b6, 0xa7c4, 2},     {0xa7c5, 0xa7c7, 1},
    {0xa7c9, 0xa7d0, 7},    {0xa7d6, 0xa7d8, 2},   {0xa7f5, 0xff21, 22316}, {0xff22, 0xff3a, 1},
    {0x10400, 0x10427, 1},  {0x104b0, 0x104d3, 1}, {0x10570, 0x1057a, 1},   {0x1057c, 0x1058a, 1},
    {0x1058c, 0x10592, 1},  {0x10594, 0x10595, 1}, {0x10c80, 0x10cb2, 1},   {0x118a0, 0x118bf, 1},
    {0x16e40, 0x16e5f, 1},  {0x1e900, 0x1e921, 1},
};
static const struct fold_row fold_lt[] = {
    {0x01c4, 0x01c6, 2}, {0x01c7, 0x01c9, 2},  {0x01ca, 0x01cc, 2},
    {0x01f1, 0x01f3, 2}, {0x1f80, 0x1f87, 1},  {0x1f90, 0x1f97, 1},
    {0x1fa0, 0x1fa7, 1}, {0x1fb3, 0x1fc3, 16}, {0x1ff3, 0x1ff3, 1},
};
static const struct fold_row fold_lu[] = {
    {0x0061, 0x007a, 1},   {0x00b5, 0x00df, 42},  {0x00e0, 0x00f6, 1},   {0x00f8, 0x00ff, 1},
    {0x0101, 0x012f, 2},   {0x0133, 0x0137, 2},   {0x013a, 0x0148, 2},   {0x014b, 0x0177, 2},
    {0x017a, 0x017e, 2},   {0x017f, 0x0180, 1},   {0x0183, 0x0185, 2},   {0x0188, 0x018c, 4},
    {0x0192, 0x0195, 3},   {0x0199, 0x019a, 1},   {0x019e, 0x01a1, 3},   {0x01a3, 0x01a5, 2},
    {0x01a8, 0x01ad, 5},   {0x01b0, 0x01b4, 4},   {0x01b6, 0x01b9, 3},   {0x01bd, 0x01bf, 2},
    {0x01c5, 0x01c6, 1},   {0x01c8, 0x01c9, 1},   {0x01cb, 0x01cc, 1},   {0x01ce, 0x01dc, 2},
    {0x01dd, 0x01ef, 2},   {0x01f2, 0x01f3, 1},   {0x01f5, 0x01f9, 4},   {0x01fb, 0x021f, 2},
    {0x0223, 0x0233, 2},   {0x023c, 0x023f, 3},   {0x0240, 0x0242, 2},   {0x0247, 0x024f, 2},
    {0x0250, 0x0254, 1},   {0x0256, 0x0257, 1},   {0x0259, 0x025b, 2},   {0x025c, 0x0260, 4},
    {0x0261, 0x0265, 2},   {0x0266, 0x0268, 2},   {0x0269, 0x026c, 1},   {0x026f, 0x0271, 2},
    {0x0272, 0x0275, 3},   {0x027d, 0x0280, 3},   {0x0282, 0x0283, 1},   {0x0287, 0x028c, 1},
    {0x0292, 0x029d, 11},  {0x029e, 0x0345, 167}, {0x0371, 0x0373, 2},   {0x0377, 0x037b, 4},
    {0x037c, 0x037d, 1},   {0x03ac, 0x03af, 1},   {0x03b1, 0x03ce, 1},   {0x03d0, 0x03d1, 1},
    {0x03d5, 0x03d7, 1},   {0x03d9, 0x03ef, 2},   {0x03f0, 0x03f3, 1},   {0x03f5, 0x03fb, 3},
    {0x0430, 0x045f, 1},   {0x0461, 0x0481, 2},   {0x048b, 0x04bf, 2},   {0x04c2, 0x04ce, 2},
    {0x04cf, 0x052f, 2},   {0x0561, 0x0586, 1},   {0x10d0, 0x10fa, 1},   {0x10fd, 0x10ff, 1},
    {0x13f8, 0x13fd, 1},   {0x1c80, 0x1c88, 1},   {0x1d79, 0x1d7d, 4},   {0x1d8e, 0x1e01, 115},
    {0x1e03, 0x1e95, 2},   {0x1e9b, 0x1ea1, 6},   {0x1ea3, 0x1eff, 2},   {0x1f00, 0x1f07, 1},
    {0x1f10, 0x1f15, 1},   {0x1f20, 0x1f27, 1},   {0x1f30, 0x1f37, 1},   {0x1f40, 0x1f45, 1},
    {0x1f51, 0x1f57, 2},   {0x1f60, 0x1f67, 1},   {0x1f70, 0x1f7d, 1},   {0x1fb0, 0x1fb1, 1},
    {0x1fbe, 0x1fd0, 18},  {0x1fd1, 0x1fe0, 15},  {0x1fe1, 0x1fe5, 4},   {0x214e, 0x2184, 54},
    {0x2c30, 0x2c5f, 1},   {0x2c61, 0x2c65, 4},   {0x2c66, 0x2c6c, 2},   {0x2c73, 0x2c76, 3},
    {0x2c81, 0x2ce3, 2},   {0x2cec, 0x2cee, 2},   {0x2cf3, 0x2d00, 13},  {0x2d01, 0x2d25, 1},
    {0x2d27, 0x2d2d, 6},   {0xa641, 0xa66d, 2},   {0xa681, 0xa69b, 2},   {0xa723, 0xa72f, 2},
    {0xa733, 0xa76f, 2},   {0xa77a, 0xa77c, 2},   {0xa77f, 0xa787, 2},   {0xa78c, 0xa791, 5},
    {0xa793, 0xa794, 1},   {0xa797, 0xa7a9, 2},   {0xa7b5, 0xa7c3, 2},   {0xa7c8, 0xa7ca, 2},
    {0xa7d1, 0xa7d7, 6},   {0xa7d9, 0xa7f6, 29},  {0xab53, 0xab70, 29},  {0xab71, 0xabbf, 1},
    {0xff41, 0xff5a, 1},   {0x10428, 0x1044f, 1}, {0x104d8, 0x104fb, 1}, {0x10597, 0x105a1, 1},
    {0x105a3, 0x105b1, 1}, {0x105b3, 0x105b9, 1}, {0x105bb, 0x105bc, 1}, {0x10cc0, 0x10cf2, 1},
    {0x118c0, 0x118df, 1}, {0x16e60, 0x16e7f, 1}, {0x1e922, 0x1e943, 1},
};
static const struct fold_row fold_m[] = {{0x0399, 0x03b9, 32}, {0x1fbe, 0x1fbe, 1}};
static const struct fold_row fold_common[] = {{0x039c, 0x03bc, 32}};
static const struct fold_row fold_greek[] = {{0x00b5, 0x0345, 656}};

static const struct {
    const char *name;
    const struct fold_row *rows;
    size_t n;
} fold_tables[] = {
    {"L", fold_l, sizeof(fold_l) / sizeof(fold_l[0])},
    {"Ll", fold_ll, sizeof(fold_ll) / sizeof(fold_ll[0])},
    {"Lt", fold_lt, sizeof(fold_lt) / sizeof(fold_lt[0])},
    {"Lu", fold_lu, sizeof(fold_lu) / sizeof(fold_lu[0])},
    {"M", fold_m, sizeof(fold_m) / sizeof(fold_m[0])},
    {"Mn", fold_m, sizeof(fold_m) / sizeof(fold_m[0])}, /* foldMn is foldM */
    {"Common", fold_common, sizeof(fold_common) / sizeof(fold_common[0])},
    {"Greek", fold_greek, sizeof(fold_greek) / sizeof(fold_greek[0])},
    {"Inherited", fold_m, sizeof(fold_m) / sizeof(fold_m[0])}, /* foldInherited too */
};

static void
put_fold_rows(struct sb *sb, const struct fold_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (rows[i].stride == 1) {
            put_range(sb, rows[i].lo, rows[i].hi);
            continue;
        }
        for (uint32_t c = rows[i].lo; c <= rows[i].hi; c += rows[i].stride)
            put_cp(sb, c);
    }
}

/* parseUnicodeClass's item: \p{name} or \P{name} (neg). */
static void
cb_prop(struct cbuild *cb, const char *name, size_t nn, bool neg)
{
    if (nn == 3 && !memcmp(name, "Any", 3)) {
        if (!neg)
            cb_add(cb, 0, 0x10FFFF);
        return;
    }
    for (size_t i = 0; cb->fold && i < sizeof(fold_tables) / sizeof(fold_tables[0]); i++) {
        if (strlen(fold_tables[i].name) != nn || memcmp(fold_tables[i].name, name, nn))
            continue;
        /* the table and the runes that fold into it */
        struct sb set = SB_INIT;
        sb_addstr(&set, "[\\p{");
        sb_add(&set, name, nn);
        sb_addch(&set, '}');
        put_fold_rows(&set, fold_tables[i].rows, fold_tables[i].n);
        sb_addch(&set, ']');
        if (neg) {
            sb_addf(&cb->alt, "|(?!%s)(?s:.)", set.buf);
            sb_addf(&cb->ahead, "(?=%s)", set.buf);
        } else {
            sb_add(&cb->props, set.buf + 1, set.len - 2);
        }
        sb_release(&set);
        return;
    }
    sb_addstr(&cb->props, neg ? "\\P{" : "\\p{");
    sb_add(&cb->props, name, nn);
    sb_addch(&cb->props, '}');
}

/* The class as PCRE2 text: a bracket, or with folded \P items the
 * lookahead form. */
static void
cb_text(struct cbuild *cb, bool neg, struct sb *out)
{
    struct sb br = SB_INIT;
    for (size_t i = 0; i < cb->n; i++)
        put_range(&br, cb->r[i].lo, cb->r[i].hi);
    sb_add(&br, cb->props.buf, cb->props.len);
    if (!cb->alt.len) {
        if (br.len == 0)
            sb_addstr(out, neg ? "(?s:.)" : "(*FAIL)");
        else
            sb_addf(out, "[%s%s]", neg ? "^" : "", br.buf);
    } else if (!neg) {
        sb_addstr(out, "(?:");
        if (br.len)
            sb_addf(out, "[%s]", br.buf);
        else
            sb_addstr(out, "(*FAIL)");
        sb_add(out, cb->alt.buf, cb->alt.len);
        sb_addch(out, ')');
    } else {
        /* in none of the items: in every folded \P item's set, not in the
         * bracket */
        sb_add(out, cb->ahead.buf, cb->ahead.len);
        if (br.len)
            sb_addf(out, "(?![%s])", br.buf);
        sb_addstr(out, "(?s:.)");
    }
    sb_release(&br);
}

static const struct crange g_digit[] = {{'0', '9'}};
static const struct crange g_space[] = {{'\t', '\n'}, {'\f', '\r'}, {' ', ' '}};
static const struct crange g_word[] = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};

/* parsePerlClassEscape: \d \D \s \S \w \W */
static bool
perl_class(const char *s, size_t n, struct cbuild *out)
{
    if (n < 2 || s[0] != '\\')
        return false;
    const struct crange *g;
    size_t gn;
    switch (s[1] | 0x20) {
    case 'd':
        g = g_digit;
        gn = 1;
        break;
    case 's':
        g = g_space;
        gn = 3;
        break;
    case 'w':
        g = g_word;
        gn = 4;
        break;
    default:
        return false;
    }
    cb_group(out, g, gn, s[1] >= 'A' && s[1] <= 'Z');
    return true;
}

static const struct {
    const char *name;
    struct crange r[4];
    size_t n;
} posix_groups[] = {
    {"alnum", {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}}, 3},
    {"alpha", {{'A', 'Z'}, {'a', 'z'}}, 2},
    {"ascii", {{0, 0x7F}}, 1},
    {"blank", {{'\t', '\t'}, {' ', ' '}}, 2},
    {"cntrl", {{0, 0x1F}, {0x7F, 0x7F}}, 2},
    {"digit", {{'0', '9'}}, 1},
    {"graph", {{'!', '~'}}, 1},
    {"lower", {{'a', 'z'}}, 1},
    {"print", {{' ', '~'}}, 1},
    {"punct", {{'!', '/'}, {':', '@'}, {'[', '`'}, {'{', '~'}}, 4},
    {"space", {{'\t', '\r'}, {' ', ' '}}, 2},
    {"upper", {{'A', 'Z'}}, 1},
    {"word", {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}, 4},
    {"xdigit", {{'0', '9'}, {'A', 'F'}, {'a', 'f'}}, 3},
};

/* parseNamedClass: 1 parsed, 0 not a named class, -1 error */
static int
named_class(struct rparser *p, const char *s, size_t n, struct cbuild *out, size_t *used)
{
    if (n < 2 || s[0] != '[' || s[1] != ':')
        return 0;
    const char *end = memmem(s + 2, n - 2, ":]", 2);
    if (!end)
        return 0;
    size_t len = (size_t)(end - s) + 2; /* "[:name:]" */
    const char *name = s + 2;
    size_t nn = (size_t)(end - name);
    bool neg = nn > 0 && name[0] == '^';
    if (neg) {
        name++;
        nn--;
    }
    for (size_t i = 0; i < sizeof(posix_groups) / sizeof(posix_groups[0]); i++) {
        if (strlen(posix_groups[i].name) == nn && !memcmp(posix_groups[i].name, name, nn)) {
            cb_group(out, posix_groups[i].r, posix_groups[i].n, neg);
            *used = len;
            return 1;
        }
    }
    return rx_error(p, E_CHAR_RANGE, s, len);
}

/* unicode.Categories and unicode.Scripts keys of Go 1.23 (Unicode 15) */
static const char *const uni_names[] = {
    "Any",
    "C",
    "Cc",
    "Cf",
    "Co",
    "Cs",
    "L",
    "Ll",
    "Lm",
    "Lo",
    "Lt",
    "Lu",
    "M",
    "Mc",
    "Me",
    "Mn",
    "N",
    "Nd",
    "Nl",
    "No",
    "P",
    "Pc",
    "Pd",
    "Pe",
    "Pf",
    "Pi",
    "Po",
    "Ps",
    "S",
    "Sc",
    "Sk",
    "Sm",
    "So",
    "Z",
    "Zl",
    "Zp",
    "Zs",
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Common",
    "Coptic",
    "Cuneiform",
    "Cypriot",
    "Cypro_Minoan",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kawi",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Lycian",
    "Lydian",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "Nabataean",
    "Nag_Mundari",
    "Nandinagari",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Old_Uyghur",
    "Oriya",
    "Osage",
    "Osmanya",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Phags_Pa",
    "Phoenician",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "Samaritan",
    "Saurashtra",
    "Sharada",
    "Shavian",
    "Siddham",
    "SignWriting",
    "Sinhala",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Takri",
    "Tamil",
    "Tangsa",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Toto",
    "Ugaritic",
    "Vai",
    "Vithkuqi",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Zanabazar_Square",
};

static bool
uni_name_known(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof(uni_names) / sizeof(uni_names[0]); i++)
        if (strlen(uni_names[i]) == n && !memcmp(uni_names[i], s, n))
            return true;
    return false;
}

/* parseUnicodeClass: 1 parsed (item written), 0 not one, -1 error */
static int
unicode_class(struct rparser *p, const char *s, size_t n, struct cbuild *out, size_t *used)
{
    if (n < 2 || s[0] != '\\' || (s[1] != 'p' && s[1] != 'P'))
        return 0;
    bool neg = s[1] == 'P';
    uint32_t c = 0xFFFD;
    size_t w = 0;
    if (n > 2 && next_rune(p, s + 2, n - 2, &c, &w) < 0)
        return -1;
    const char *name;
    size_t nn, seq;
    if (c != '{') {
        seq = 2 + w;
        name = s + 2;
        nn = w;
    } else {
        const char *end = memchr(s, '}', n);
        if (!end) {
            if (check_utf8(p, s, n) < 0)
                return -1;
            return rx_error(p, E_CHAR_RANGE, s, n);
        }
        seq = (size_t)(end - s) + 1;
        name = s + 3;
        nn = (size_t)(end - name);
        if (check_utf8(p, name, nn) < 0)
            return -1;
    }
    if (nn > 0 && name[0] == '^') {
        neg = !neg;
        name++;
        nn--;
    }
    if (!uni_name_known(name, nn))
        return rx_error(p, E_CHAR_RANGE, s, seq);
    cb_prop(out, name, nn, neg);
    *used = seq;
    return 1;
}

/* parseClass: s[0] == '['; pushes an R_CLASS */
static int
parse_class(struct rparser *p, const char *s, size_t n, size_t *used)
{
    size_t t = 1;
    struct cbuild cls = {.fold = (p->flags & F_FOLD) != 0};
    bool neg = false;
    if (t < n && s[t] == '^') {
        neg = true;
        t++;
    }
    bool first = true;
    int rc = -1;
    while (t >= n || s[t] != ']' || first) {
        first = false;
        size_t u = 0;
        if (n - t > 2 && s[t] == '[' && s[t + 1] == ':') {
            int r = named_class(p, s + t, n - t, &cls, &u);
            if (r < 0)
                goto out;
            if (r > 0) {
                t += u;
                continue;
            }
        }
        int r = unicode_class(p, s + t, n - t, &cls, &u);
        if (r < 0)
            goto out;
        if (r > 0) {
            t += u;
            continue;
        }
        if (perl_class(s + t, n - t, &cls)) {
            t += 2;
            continue;
        }
        /* a character or a range */
        size_t rng = t;
        uint32_t lo, hi;
        if (t >= n) {
            rx_error(p, E_BRACKET, s, n);
            goto out;
        }
        if (s[t] == '\\') {
            if (parse_escape(p, s + t, n - t, &lo, &u) < 0)
                goto out;
        } else if (next_rune(p, s + t, n - t, &lo, &u) < 0) {
            goto out;
        }
        t += u;
        hi = lo;
        if (n - t >= 2 && s[t] == '-' && s[t + 1] != ']') {
            t++;
            if (t >= n) {
                rx_error(p, E_BRACKET, s, n);
                goto out;
            }
            if (s[t] == '\\') {
                if (parse_escape(p, s + t, n - t, &hi, &u) < 0)
                    goto out;
            } else if (next_rune(p, s + t, n - t, &hi, &u) < 0) {
                goto out;
            }
            t += u;
            if (hi < lo) {
                rx_error(p, E_CHAR_RANGE, s + rng, t - rng);
                goto out;
            }
        }
        cb_range(&cls, lo, hi);
    }
    t++; /* ] */
    struct rnode *r = new_node(p, R_CLASS);
    struct sb txt = SB_INIT;
    cb_text(&cls, neg, &txt);
    r->text = arena_strndup(p->a, txt.buf, txt.len);
    sb_release(&txt);
    push(p, r);
    *used = t;
    rc = 0;
out:
    cb_release(&cls);
    return rc;
}

/* ---- the operator stack (Go's parser) ---- */

static bool
is_pseudo(const struct rnode *r)
{
    return r->op > R_PSEUDO;
}

static void
collapse_to(struct rparser *p, size_t from, enum rop op)
{
    size_t k = p->n - from;
    struct rnode *r;
    if (k == 1) {
        r = p->stack[from];
    } else {
        r = new_node(p, op);
        r->subs = arena_alloc(p->a, k * sizeof(*r->subs));
        memcpy(r->subs, p->stack + from, k * sizeof(*r->subs));
        r->nsubs = k;
    }
    p->n = from;
    push(p, r);
}

static void
concat(struct rparser *p)
{
    size_t i = p->n;
    while (i > 0 && !is_pseudo(p->stack[i - 1]))
        i--;
    if (i == p->n)
        push(p, new_node(p, R_EMPTY));
    else
        collapse_to(p, i, R_CONCAT);
}

static void
alternate(struct rparser *p)
{
    size_t i = p->n;
    while (i > 0 && !is_pseudo(p->stack[i - 1]))
        i--;
    if (i == p->n)
        push(p, new_node(p, R_FAIL));
    else
        collapse_to(p, i, R_ALT);
}

static bool
swap_vertical_bar(struct rparser *p)
{
    if (p->n >= 2 && p->stack[p->n - 2]->op == R_VBAR) {
        struct rnode *t = p->stack[p->n - 1];
        p->stack[p->n - 1] = p->stack[p->n - 2];
        p->stack[p->n - 2] = t;
        return true;
    }
    return false;
}

static void
vertical_bar(struct rparser *p)
{
    concat(p);
    if (!swap_vertical_bar(p))
        push(p, new_node(p, R_VBAR));
}

static int
right_paren(struct rparser *p)
{
    concat(p);
    if (swap_vertical_bar(p))
        p->n--;
    alternate(p);
    if (p->n < 2)
        return rx_error(p, E_UNEXPECTED, p->whole, p->wholelen);
    struct rnode *re1 = p->stack[p->n - 1], *re2 = p->stack[p->n - 2];
    p->n -= 2;
    if (re2->op != R_LPAREN)
        return rx_error(p, E_UNEXPECTED, p->whole, p->wholelen);
    p->flags = re2->flags;
    if (re2->cap == 0) {
        push(p, re1);
    } else {
        re2->op = R_CAP;
        re2->subs = arena_alloc(p->a, sizeof(*re2->subs));
        re2->subs[0] = re1;
        re2->nsubs = 1;
        push(p, re2);
    }
    return 0;
}

/* repeatIsValid */
static bool
repeat_valid(const struct rnode *r, int n)
{
    if (r->op == R_REPEAT) {
        int m = r->max;
        if (m == 0)
            return true;
        if (m < 0)
            m = r->min;
        if (m > n)
            return false;
        if (m > 0)
            n /= m;
    }
    for (size_t i = 0; i < r->nsubs; i++)
        if (!repeat_valid(r->subs[i], n))
            return false;
    return true;
}

/* p.repeat: before is the text from the operator on, op_len the
 * operator's length; last_repeat the previous operator's text (or NULL).
 * Returns the bytes consumed (the operator and an optional '?'). */
static long
repeat(struct rparser *p, enum rop op, int min, int max, const char *before, size_t blen,
       size_t op_len, const char *last_repeat)
{
    int flags = p->flags;
    size_t used = op_len;
    if (used < blen && before[used] == '?') {
        used++;
        flags ^= F_NONGREEDY;
    }
    if (last_repeat)
        return rx_error(p, E_REPEAT_OP, last_repeat, (size_t)(before + used - last_repeat));
    if (p->n == 0 || is_pseudo(p->stack[p->n - 1]))
        return rx_error(p, E_REPEAT_ARG, before, used);
    struct rnode *r = new_node(p, op);
    r->min = min;
    r->max = max;
    r->lazy = (flags & F_NONGREEDY) != 0;
    r->subs = arena_alloc(p->a, sizeof(*r->subs));
    r->subs[0] = p->stack[p->n - 1];
    r->nsubs = 1;
    p->stack[p->n - 1] = r;
    set_height(p, r);
    if (p->too_deep)
        return rx_error(p, E_NEST, p->whole, p->wholelen);
    if (op == R_REPEAT && (min >= 2 || max >= 2) && !repeat_valid(r, MAX_REPEAT))
        return rx_error(p, E_REPEAT_SIZE, before, used);
    return (long)used;
}

/* parseInt: digits without leading zeros; -1 value when too big */
static bool
parse_int(const char *s, size_t n, size_t *i, int *out)
{
    size_t k = *i;
    if (k >= n || s[k] < '0' || s[k] > '9')
        return false;
    if (n - k >= 2 && s[k] == '0' && s[k + 1] >= '0' && s[k + 1] <= '9')
        return false;
    int v = 0;
    bool big = false;
    while (k < n && s[k] >= '0' && s[k] <= '9') {
        if (v >= 100000000)
            big = true;
        else
            v = v * 10 + (s[k] - '0');
        k++;
    }
    *out = big ? -1 : v;
    *i = k;
    return true;
}

/* parseRepeat: {n}, {n,}, {n,m}; false when s is not one (then { is a
 * literal) */
static bool
parse_repeat(const char *s, size_t n, int *min, int *max, size_t *used)
{
    size_t i = 1;
    if (!parse_int(s, n, &i, min))
        return false;
    if (i >= n)
        return false;
    if (s[i] != ',') {
        *max = *min;
    } else {
        i++;
        if (i >= n)
            return false;
        if (s[i] == '}') {
            *max = -1;
        } else {
            if (!parse_int(s, n, &i, max))
                return false;
            if (*max < 0)
                *min = -1;
        }
    }
    if (i >= n || s[i] != '}')
        return false;
    *used = i + 1;
    return true;
}

static void
add_name(struct rparser *p, int cap, const char *name, size_t n)
{
    if ((size_t)cap >= p->namescap) {
        size_t nc = p->namescap ? p->namescap * 2 : 16;
        while (nc <= (size_t)cap)
            nc *= 2;
        p->names =
            arena_realloc(p->a, p->names, p->namescap * sizeof(*p->names), nc * sizeof(*p->names));
        p->namescap = nc;
    }
    p->names[cap] = arena_strndup(p->a, name, n);
}

/* parsePerlFlags: s starts with "(?" */
static long
perl_flags(struct rparser *p, const char *s, size_t n)
{
    bool with_p = n > 4 && s[2] == 'P' && s[3] == '<';
    bool with_name = n > 3 && s[2] == '<';
    if (with_p || with_name) {
        size_t start = with_p ? 4 : 3;
        const char *gt = memchr(s, '>', n);
        if (!gt) {
            if (check_utf8(p, s, n) < 0)
                return -1;
            return rx_error(p, E_NAMED, s, n);
        }
        size_t end = (size_t)(gt - s);
        const char *name = s + start;
        size_t nn = end - start;
        if (check_utf8(p, name, nn) < 0)
            return -1;
        bool ok = nn > 0;
        for (size_t i = 0; i < nn && ok; i++)
            ok = name[i] == '_' || is_alnum((unsigned char)name[i]);
        if (!ok)
            return rx_error(p, E_NAMED, s, end + 1);
        p->ncap++;
        struct rnode *r = new_node(p, R_LPAREN);
        r->cap = p->ncap;
        push(p, r);
        add_name(p, p->ncap, name, nn);
        return (long)(end + 1);
    }
    size_t t = 2;
    int flags = p->flags;
    int sign = 1;
    bool saw = false;
    while (t < n) {
        uint32_t c;
        size_t w;
        if (next_rune(p, s + t, n - t, &c, &w) < 0)
            return -1;
        t += w;
        switch (c) {
        case 'i':
            flags |= F_FOLD;
            saw = true;
            continue;
        case 'm':
            flags &= ~F_ONELINE;
            saw = true;
            continue;
        case 's':
            flags |= F_DOTNL;
            saw = true;
            continue;
        case 'U':
            flags |= F_NONGREEDY;
            saw = true;
            continue;
        case '-':
            if (sign < 0)
                break;
            sign = -1;
            flags = ~flags;
            saw = false;
            continue;
        case ':':
        case ')':
            if (sign < 0) {
                if (!saw)
                    break;
                flags = ~flags;
            }
            if (c == ':') {
                struct rnode *r = new_node(p, R_LPAREN); /* keeps the old flags */
                push(p, r);
            }
            p->flags = flags & 0xF;
            return (long)t;
        default:
            break;
        }
        break;
    }
    return rx_error(p, E_PERL_OP, s, t);
}

static void
push_op(struct rparser *p, enum rop op)
{
    push(p, new_node(p, op));
}

static void
push_literal(struct rparser *p, uint32_t r)
{
    struct rnode *n = new_node(p, R_LIT);
    n->rune = r;
    push(p, n);
}

/* Go's syntax.Parse(s, syntax.Perl) */
static struct rnode *
rx_parse(struct rparser *p, const char *s, size_t n)
{
    size_t t = 0;
    const char *last_repeat = NULL;
    while (t < n) {
        const char *repeat_at = NULL;
        const char *cur = s + t;
        size_t rest = n - t;
        switch (*cur) {
        case '(':
            if (rest >= 2 && cur[1] == '?') {
                long u = perl_flags(p, cur, rest);
                if (u < 0)
                    return NULL;
                t += (size_t)u;
                break;
            }
            {
                p->ncap++;
                struct rnode *r = new_node(p, R_LPAREN);
                r->cap = p->ncap;
                push(p, r);
                t++;
            }
            break;
        case '|':
            vertical_bar(p);
            t++;
            break;
        case ')':
            if (right_paren(p) < 0)
                return NULL;
            t++;
            break;
        case '^':
            push_op(p, (p->flags & F_ONELINE) ? R_BOT : R_BOL);
            t++;
            break;
        case '$':
            push_op(p, (p->flags & F_ONELINE) ? R_EOT : R_EOL);
            t++;
            break;
        case '.':
            push_op(p, (p->flags & F_DOTNL) ? R_ANY : R_ANYNL);
            t++;
            break;
        case '[': {
            size_t u;
            if (parse_class(p, cur, rest, &u) < 0)
                return NULL;
            t += u;
            break;
        }
        case '*':
        case '+':
        case '?': {
            enum rop op = *cur == '*' ? R_STAR : *cur == '+' ? R_PLUS : R_QUEST;
            long u = repeat(p, op, 0, 0, cur, rest, 1, last_repeat);
            if (u < 0)
                return NULL;
            repeat_at = cur;
            t += (size_t)u;
            break;
        }
        case '{': {
            int min, max;
            size_t u;
            if (!parse_repeat(cur, rest, &min, &max, &u)) {
                push_literal(p, '{');
                t++;
                break;
            }
            if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max))
                return rx_error(p, E_REPEAT_SIZE, cur, u), NULL;
            long k = repeat(p, R_REPEAT, min, max, cur, rest, u, last_repeat);
            if (k < 0)
                return NULL;
            repeat_at = cur;
            t += (size_t)k;
            break;
        }
        case '\\': {
            if (rest >= 2) {
                switch (cur[1]) {
                case 'A':
                    push_op(p, R_BOT);
                    t += 2;
                    goto next;
                case 'b':
                    push_op(p, R_WB);
                    t += 2;
                    goto next;
                case 'B':
                    push_op(p, R_NWB);
                    t += 2;
                    goto next;
                case 'C':
                    return rx_error(p, E_ESCAPE, cur, 2), NULL;
                case 'Q': {
                    const char *lit = cur + 2;
                    size_t ln = rest - 2;
                    const char *e = memmem(lit, ln, "\\E", 2);
                    size_t litn = e ? (size_t)(e - lit) : ln;
                    for (size_t i = 0; i < litn;) {
                        uint32_t c;
                        size_t w;
                        if (next_rune(p, lit + i, litn - i, &c, &w) < 0)
                            return NULL;
                        push_literal(p, c);
                        i += w;
                    }
                    t += 2 + litn + (e ? 2 : 0);
                    goto next;
                }
                case 'z':
                    push_op(p, R_EOT);
                    t += 2;
                    goto next;
                default:
                    break;
                }
            }
            struct cbuild cls = {.fold = (p->flags & F_FOLD) != 0};
            size_t u = 0;
            int r = unicode_class(p, cur, rest, &cls, &u);
            if (r == 0 && perl_class(cur, rest, &cls)) {
                r = 1;
                u = 2;
            }
            if (r != 0) {
                if (r > 0) {
                    struct rnode *nd = new_node(p, R_CLASS);
                    struct sb txt = SB_INIT;
                    cb_text(&cls, false, &txt);
                    nd->text = arena_strndup(p->a, txt.buf, txt.len);
                    sb_release(&txt);
                    push(p, nd);
                    t += u;
                }
                cb_release(&cls);
                if (r < 0)
                    return NULL;
                break;
            }
            cb_release(&cls);
            uint32_t c;
            if (parse_escape(p, cur, rest, &c, &u) < 0)
                return NULL;
            push_literal(p, c);
            t += u;
            break;
        }
        default: {
            uint32_t c;
            size_t w;
            if (next_rune(p, cur, rest, &c, &w) < 0)
                return NULL;
            push_literal(p, c);
            t += w;
            break;
        }
        }
    next:
        last_repeat = repeat_at;
        if (p->too_deep)
            return rx_error(p, E_NEST, s, n), NULL;
    }
    concat(p);
    if (swap_vertical_bar(p))
        p->n--;
    alternate(p);
    if (p->too_deep)
        return rx_error(p, E_NEST, s, n), NULL;
    if (p->n != 1)
        return rx_error(p, E_PAREN, s, n), NULL;
    return p->stack[0];
}

/* ---- writing PCRE2 ---- */

/* Where Go's semantics need help beyond a plain translation:
 *
 *  - Capture numbering: PCRE2 numbers every group, pkg adds hidden ones
 *    (below), so capmap[i] is the PCRE2 group of Go's capture i.
 *  - Empty iterations: Go's engines never revisit a loop instruction at
 *    the same input position, so an iteration of x* (or of x+ after the
 *    first) that matches empty is dropped, with the captures it set;
 *    PCRE2 keeps one such iteration. Where it matters (a body that can
 *    match empty and holds captures), the body is written as
 *    "()BODY(?Cn)": the empty group records where the iteration began and
 *    callout n fails an iteration that ends there (for x+ unless it is
 *    the first, whose start an empty group before the loop records). */
struct loopcheck {
    int g; /* PCRE2 group: where the iteration began */
    int h; /* PCRE2 group: where an x+ loop began, or -1 for x* */
};

#define MAX_LOOPCHECKS 255

struct emitter {
    struct sb *out;
    int npcre;   /* PCRE2 groups written so far */
    int *capmap; /* [ncap + 1] */
    struct loopcheck loops[MAX_LOOPCHECKS];
    int nloops;
};

static void emit(struct emitter *e, const struct rnode *r);

static bool
is_atom(const struct rnode *r)
{
    return r->op == R_CAP || r->op == R_LIT || (r->op == R_CLASS && r->text[0] == '[') ||
           r->op == R_ANYNL;
}

static void
emit_lit(struct sb *out, uint32_t r)
{
    if (r >= 0xD800 && r <= 0xDFFF)
        sb_addstr(out, "(*FAIL)"); /* Go never sees a surrogate in its input */
    else
        put_cp(out, r);
}

/* A case-folded literal: its whole orbit, as Go's FoldCase literal
 * matches (PCRE2's caseless sets are of another Unicode version). */
static void
emit_fold_lit(struct sb *out, uint32_t r)
{
    uint32_t f = simple_fold(r);
    if (f == r || r >= 0xD800) {
        emit_lit(out, r);
        return;
    }
    sb_addch(out, '[');
    put_cp(out, r);
    for (int guard = 0; f != r && guard < 8; f = simple_fold(f), guard++)
        put_cp(out, f);
    sb_addch(out, ']');
}

/* Can the node match the empty string? */
static bool
nullable(const struct rnode *r)
{
    switch (r->op) {
    case R_LIT:
    case R_CLASS:
    case R_ANY:
    case R_ANYNL:
    case R_FAIL:
        return false;
    case R_CAP:
    case R_PLUS:
        return nullable(r->subs[0]);
    case R_REPEAT:
        return r->min == 0 || nullable(r->subs[0]);
    case R_CONCAT:
        for (size_t i = 0; i < r->nsubs; i++)
            if (!nullable(r->subs[i]))
                return false;
        return true;
    case R_ALT:
        for (size_t i = 0; i < r->nsubs; i++)
            if (nullable(r->subs[i]))
                return true;
        return false;
    default: /* assertions, empty, x*, x? */
        return true;
    }
}

static bool
has_cap(const struct rnode *r)
{
    if (r->op == R_CAP)
        return true;
    for (size_t i = 0; i < r->nsubs; i++)
        if (has_cap(r->subs[i]))
            return true;
    return false;
}

/* x*, x+ (and x{0,}, x{1,}) whose empty iterations Go drops, with
 * captures that would show it */
static bool
needs_loopcheck(const struct emitter *e, const struct rnode *r)
{
    bool star = r->op == R_STAR || (r->op == R_REPEAT && r->max < 0 && r->min == 0);
    bool plus = r->op == R_PLUS || (r->op == R_REPEAT && r->max < 0 && r->min == 1);
    return (star || plus) && e->nloops < MAX_LOOPCHECKS && nullable(r->subs[0]) &&
           has_cap(r->subs[0]);
}

static void
emit(struct emitter *e, const struct rnode *r)
{
    struct sb *out = e->out;
    switch (r->op) {
    case R_LIT:
        if (r->flags & F_FOLD)
            emit_fold_lit(out, r->rune);
        else
            emit_lit(out, r->rune);
        break;
    case R_CLASS:
        sb_addstr(out, r->text); /* case folding is in the class already */
        break;
    case R_ANY:
        sb_addstr(out, "(?s:.)");
        break;
    case R_ANYNL:
        sb_addstr(out, "[^\\n]");
        break;
    case R_BOL:
        sb_addstr(out, "(?m:^)");
        break;
    case R_EOL:
        sb_addstr(out, "(?m:$)");
        break;
    case R_BOT:
        sb_addstr(out, "\\A");
        break;
    case R_EOT:
        sb_addstr(out, "\\z");
        break;
    case R_WB:
        sb_addstr(out, "\\b");
        break;
    case R_NWB:
        sb_addstr(out, "\\B");
        break;
    case R_FAIL:
        sb_addstr(out, "(*FAIL)");
        break;
    case R_EMPTY:
        break;
    case R_CAP:
        sb_addch(out, '(');
        e->capmap[r->cap] = ++e->npcre;
        emit(e, r->subs[0]);
        sb_addch(out, ')');
        break;
    case R_CONCAT:
        for (size_t i = 0; i < r->nsubs; i++)
            emit(e, r->subs[i]);
        break;
    case R_ALT:
        sb_addstr(out, "(?:");
        for (size_t i = 0; i < r->nsubs; i++) {
            if (i)
                sb_addch(out, '|');
            emit(e, r->subs[i]);
        }
        sb_addch(out, ')');
        break;
    case R_STAR:
    case R_PLUS:
    case R_QUEST:
    case R_REPEAT: {
        const struct rnode *s = r->subs[0];
        if (needs_loopcheck(e, r)) {
            bool plus = r->op == R_PLUS || (r->op == R_REPEAT && r->min == 1);
            struct loopcheck *lc = &e->loops[e->nloops++];
            int n = e->nloops;
            lc->h = -1;
            if (plus) {
                sb_addstr(out, "()");
                lc->h = ++e->npcre;
            }
            sb_addstr(out, "(?:()");
            lc->g = ++e->npcre;
            emit(e, s);
            sb_addf(out, "(?C%d))%c", n, plus ? '+' : '*');
            if (r->lazy)
                sb_addch(out, '?');
            break;
        }
        if (is_atom(s)) {
            emit(e, s);
        } else {
            sb_addstr(out, "(?:");
            emit(e, s);
            sb_addch(out, ')');
        }
        if (r->op == R_STAR)
            sb_addch(out, '*');
        else if (r->op == R_PLUS)
            sb_addch(out, '+');
        else if (r->op == R_QUEST)
            sb_addch(out, '?');
        else if (r->max == r->min)
            sb_addf(out, "{%d}", r->min);
        else if (r->max < 0)
            sb_addf(out, "{%d,}", r->min);
        else
            sb_addf(out, "{%d,%d}", r->min, r->max);
        if (r->lazy)
            sb_addch(out, '?');
        break;
    }
    default:
        break;
    }
}

/* ---- compiled patterns and their cache ---- */

struct sprig_re {
    char *expr;
    size_t exprlen;
    pcre2_code *code;
    int ncap;
    char **names;            /* [ncap + 1], NULL for unnamed */
    int *capmap;             /* [ncap + 1]: Go's capture i is PCRE2 group capmap[i] */
    struct loopcheck *loops; /* callout n checks loops[n - 1] */
    int nloops;
};

static void
re_free(struct sprig_re *re)
{
    if (!re)
        return;
    pcre2_code_free(re->code);
    for (int i = 0; re->names && i <= re->ncap; i++)
        free(re->names[i]);
    free(re->names);
    free(re->capmap);
    free(re->loops);
    free(re->expr);
    free(re);
}

/* Compiles Go pattern expr; on error writes Go's message to err. */
static struct sprig_re *
re_compile(const char *expr, size_t n, struct sb *err)
{
    if (n > MAX_PATTERN) {
        sb_addf(err, "error parsing regexp: %s: `%.*s...`", E_LARGE, 32, expr);
        return NULL;
    }
    struct rparser p;
    memset(&p, 0, sizeof(p));
    p.a = arena_new();
    p.flags = F_ONELINE;
    p.whole = expr;
    p.wholelen = n;
    p.err = err;
    struct sprig_re *re = NULL;
    struct rnode *tree = rx_parse(&p, expr, n);
    if (!tree)
        goto out;
    struct sb pat = SB_INIT;
    struct emitter *em = xcalloc(1, sizeof(*em));
    em->out = &pat;
    em->capmap = xcalloc((size_t)p.ncap + 1, sizeof(int));
    emit(em, tree);
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
    pcre2_set_bsr(cc, PCRE2_BSR_ANYCRLF);
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *code =
        pcre2_compile((PCRE2_SPTR)pat.buf, pat.len,
                      PCRE2_UTF | PCRE2_ALT_CIRCUMFLEX | PCRE2_NEVER_BACKSLASH_C, &ec, &eo, cc);
    pcre2_compile_context_free(cc);
    if (!code) {
        /* Go accepted the pattern; PCRE2 did not (a construct it cannot
         * express, e.g. a script newer than its Unicode tables) */
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof(msg));
        sb_addf(err, "error parsing regexp: %s: `%.*s`", (const char *)msg, (int)n, expr);
        sb_release(&pat);
        free(em->capmap);
        free(em);
        goto out;
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* optional: falls back to the interpreter */
    sb_release(&pat);
    re = xcalloc(1, sizeof(*re));
    re->expr = xmalloc(n + 1);
    memcpy(re->expr, expr, n);
    re->expr[n] = 0;
    re->exprlen = n;
    re->code = code;
    re->ncap = p.ncap;
    re->capmap = em->capmap;
    if (em->nloops) {
        re->loops = xmalloc((size_t)em->nloops * sizeof(*re->loops));
        memcpy(re->loops, em->loops, (size_t)em->nloops * sizeof(*re->loops));
        re->nloops = em->nloops;
    }
    free(em);
    re->names = xcalloc((size_t)p.ncap + 1, sizeof(char *));
    for (int i = 0; i <= p.ncap && (size_t)i < p.namescap; i++)
        if (p.names[i])
            re->names[i] = xstrdup(p.names[i]);
out:
    arena_free(p.a);
    return re;
}

#define CACHE_SIZE 32

struct re_cache {
    struct sprig_re *slots[CACHE_SIZE];
    unsigned next;
    pcre2_jit_stack *jit_stack; /* grows to JIT_STACK_MAX for deep matches */
};

#define JIT_STACK_MAX (64u << 20)

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void
cache_destroy(void *ptr)
{
    struct re_cache *c = ptr;
    for (int i = 0; i < CACHE_SIZE; i++)
        re_free(c->slots[i]);
    pcre2_jit_stack_free(c->jit_stack);
    free(c);
}

static void
cache_init(void)
{
    pthread_key_create(&cache_key, cache_destroy);
}

static struct re_cache *
thread_cache(void)
{
    pthread_once(&cache_once, cache_init);
    struct re_cache *c = pthread_getspecific(cache_key);
    if (!c) {
        c = xcalloc(1, sizeof(*c));
        pthread_setspecific(cache_key, c);
    }
    return c;
}

/* The compiled pattern (cached) or NULL with Go's message in err. */
static struct sprig_re *
re_get(const char *expr, size_t n, struct sb *err)
{
    struct re_cache *c = thread_cache();
    for (int i = 0; i < CACHE_SIZE; i++) {
        struct sprig_re *re = c->slots[i];
        if (re && re->exprlen == n && !memcmp(re->expr, expr, n))
            return re;
    }
    struct sprig_re *re = re_compile(expr, n, err);
    if (!re)
        return NULL;
    unsigned k = c->next++ % CACHE_SIZE;
    re_free(c->slots[k]);
    c->slots[k] = re;
    return re;
}

/* ---- matching ---- */

struct rmatch {
    pcre2_match_data *md;
    pcre2_match_context *mc;
};

/* The callouts of loop checks (see struct loopcheck): fail an iteration
 * that ends where it began, unless it is the first of an x+ loop. */
static int
loop_callout(pcre2_callout_block *cb, void *data)
{
    const struct sprig_re *re = data;
    if (cb->callout_number < 1 || (int)cb->callout_number > re->nloops)
        return 0;
    const struct loopcheck *lc = &re->loops[cb->callout_number - 1];
    if ((uint32_t)lc->g >= cb->capture_top)
        return 0;
    PCRE2_SIZE start = cb->offset_vector[2 * lc->g];
    if (start == PCRE2_UNSET || start != cb->current_position)
        return 0;
    if (lc->h >= 0 && (uint32_t)lc->h < cb->capture_top && cb->offset_vector[2 * lc->h] == start)
        return 0; /* the first iteration of x+ */
    return 1;
}

static void
rmatch_init(struct rmatch *m, const struct sprig_re *re)
{
    m->md = pcre2_match_data_create_from_pattern(re->code, NULL);
    m->mc = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(m->mc, MATCH_LIMIT);
    if (re->nloops)
        pcre2_set_callout(m->mc, loop_callout, (void *)re);
    if (!m->md || !m->mc)
        xalloc_die();
    struct re_cache *tc = thread_cache();
    if (!tc->jit_stack)
        tc->jit_stack = pcre2_jit_stack_create(32u << 10, JIT_STACK_MAX, NULL);
    if (tc->jit_stack)
        pcre2_jit_stack_assign(m->mc, NULL, tc->jit_stack);
}

static void
rmatch_release(struct rmatch *m)
{
    pcre2_match_data_free(m->md);
    pcre2_match_context_free(m->mc);
}

/* The leftmost-first match starting at or after pos: 1 with the
 * offsets in ov (pairs, -1 for groups that did not take part), 0 for
 * none, -1 when the match limit was hit. */
static int
re_exec(const struct sprig_re *re, struct rmatch *m, const char *s, size_t n, size_t pos, long *ov)
{
    /* subjects are valid UTF-8 (see struct subject): no need to check
     * them again at every match of a FindAll loop */
    int rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, pos, PCRE2_NO_UTF_CHECK, m->md, m->mc);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) /* the interpreter keeps its state on the heap */
        rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, pos, PCRE2_NO_JIT | PCRE2_NO_UTF_CHECK, m->md,
                         m->mc);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc < 0)
        return -1;
    PCRE2_SIZE *o = pcre2_get_ovector_pointer(m->md);
    uint32_t count = pcre2_get_ovector_count(m->md);
    for (int i = 0; i <= re->ncap; i++) {
        uint32_t k = (uint32_t)re->capmap[i];
        if (k < count && o[2 * k] != PCRE2_UNSET) {
            ov[2 * i] = (long)o[2 * k];
            ov[2 * i + 1] = (long)o[2 * k + 1];
        } else {
            ov[2 * i] = ov[2 * i + 1] = -1;
        }
    }
    return 1;
}

static int
limit_error(struct tmpl_call *c)
{
    return tmpl_fail_code(c, PKG_ELIMIT, "regular expression too complex for the input");
}

/* Go's regexp.MustCompile panic text for non-must functions */
static int
compile_failed(struct tmpl_call *c, const char *expr, size_t n, const struct sb *err, bool must)
{
    if (must)
        return tmpl_fail(c, "%s", err->buf);
    /* quote(): backquoted when strconv.CanBackquote */
    bool backq = true;
    size_t w;
    for (size_t i = 0; i < n && backq; i += w) {
        uint32_t r = utf8_rune(expr + i, n - i, &w);
        if ((r == 0xFFFD && w == 1) || r == '`' || r == 0xFEFF || (r < ' ' && r != '\t') ||
            r == 0x7F)
            backq = false;
    }
    struct sb q = SB_INIT;
    if (backq) {
        sb_addch(&q, '`');
        sb_add(&q, expr, n);
        sb_addch(&q, '`');
    } else {
        tmpl_quote(&q, expr, n);
    }
    int rc = tmpl_fail(c, "regexp: Compile(%s): %s", q.buf, err->buf);
    sb_release(&q);
    return rc;
}

/* The subject as PCRE2 matches it. Go reads an invalid UTF-8 byte as
 * U+FFFD of width 1 (`.` matches it); PCRE2 never matches such bytes, so
 * they are replaced by U+FFFD's three bytes and offsets are mapped back
 * to the original text for everything the functions return. */
struct subject {
    const char *orig;
    size_t orig_n;
    const char *s; /* what PCRE2 sees */
    size_t n;
    const size_t *map; /* NULL, or n + 1 offsets into orig */
};

static void
subject_init(struct tmpl_call *c, struct subject *sj, const char *s, size_t n)
{
    sj->orig = sj->s = s;
    sj->orig_n = sj->n = n;
    sj->map = NULL;
    size_t bad = 0, w;
    for (size_t i = 0; i < n; i += w) {
        if ((unsigned char)s[i] < 0x80) {
            w = 1;
            continue;
        }
        if (utf8_rune(s + i, n - i, &w) == 0xFFFD && w == 1)
            bad++;
    }
    if (!bad)
        return;
    size_t mn = n + 2 * bad;
    char *m = arena_alloc(c->a, mn + 1);
    size_t *map = arena_alloc(c->a, (mn + 1) * sizeof(*map));
    size_t j = 0;
    for (size_t i = 0; i < n; i += w) {
        uint32_t r = utf8_rune(s + i, n - i, &w);
        if (r == 0xFFFD && w == 1) {
            memcpy(m + j, "\xEF\xBF\xBD", 3);
            map[j] = map[j + 1] = map[j + 2] = i;
            j += 3;
        } else {
            for (size_t k = 0; k < w; k++) {
                m[j] = s[i + k];
                map[j++] = i + k;
            }
        }
    }
    map[mn] = n;
    m[mn] = 0;
    sj->s = m;
    sj->n = mn;
    sj->map = map;
}

/* offsets of a match in the original text (-1 stays -1) */
static void
to_orig(const struct subject *sj, const long *ov, long *oo, int ncap)
{
    for (int i = 0; i < 2 * (ncap + 1); i++)
        oo[i] = ov[i] < 0 || !sj->map ? ov[i] : (long)sj->map[ov[i]];
}

/* allMatches: calls fn for each match Go's FindAll would deliver, at most
 * max (negative: all), with offsets in the original text */
typedef void (*match_fn)(struct tmpl_call *c, void *st, const char *s, const long *oo);

static int
all_matches(struct tmpl_call *c, const struct sprig_re *re, const struct subject *sj, int64_t max,
            match_fn fn, void *st)
{
    const char *s = sj->s;
    size_t n = sj->n;
    if (max < 0)
        max = (int64_t)sj->orig_n + 1;
    struct rmatch m;
    rmatch_init(&m, re);
    long *ov = arena_alloc(c->a, (size_t)(re->ncap + 1) * 2 * sizeof(long));
    long *oo = arena_alloc(c->a, (size_t)(re->ncap + 1) * 2 * sizeof(long));
    size_t pos = 0;
    long prev_end = -1;
    int64_t count = 0;
    int rc = 0;
    while (count < max && pos <= n) {
        int r = re_exec(re, &m, s, n, pos, ov);
        if (r < 0) {
            rc = limit_error(c);
            break;
        }
        if (r == 0)
            break;
        bool accept = true;
        if ((size_t)ov[1] == pos) {
            if (ov[0] == prev_end)
                accept = false;
            size_t w;
            if (pos < n) {
                utf8_rune(s + pos, n - pos, &w);
                pos += w;
            } else {
                pos = n + 1;
            }
        } else {
            pos = (size_t)ov[1];
        }
        prev_end = ov[1];
        if (accept) {
            to_orig(sj, ov, oo, re->ncap);
            fn(c, st, sj->orig, oo);
            count++;
        }
    }
    rmatch_release(&m);
    return rc;
}

/* ---- the functions ---- */

static struct sprig_re *
arg_regex(struct tmpl_call *c, bool must, int *rc)
{
    size_t n;
    const char *expr = tmpl_arg_str(c, 0, &n);
    struct sb err = SB_INIT;
    struct sprig_re *re = re_get(expr, n, &err);
    if (!re)
        *rc = compile_failed(c, expr, n, &err, must);
    sb_release(&err);
    return re;
}

/* Whether there is a match at all, by PCRE2's DFA matcher: it does not
 * backtrack, so patterns whose backtracking explodes ("(a+)+$") still get
 * the answer Go's linear-time engine gives. 1, 0, or -1 on failure. */
static int
dfa_match(const struct sprig_re *re, const struct subject *sj)
{
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    size_t wsn = 1000;
    int rc = -1;
    for (int tries = 0; md && tries < 8; tries++) {
        int *ws = malloc(wsn * sizeof(int));
        if (!ws)
            break;
        rc = pcre2_dfa_match(re->code, (PCRE2_SPTR)sj->s, sj->n, 0,
                             PCRE2_DFA_SHORTEST | PCRE2_NO_UTF_CHECK, md, NULL, ws, wsn);
        free(ws);
        if (rc != PCRE2_ERROR_DFA_WSSIZE)
            break;
        wsn *= 4;
    }
    pcre2_match_data_free(md);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    return rc >= 0 ? 1 : -1;
}

static int
match_impl(struct tmpl_call *c, struct val **out, bool must)
{
    size_t n;
    const char *expr = tmpl_arg_str(c, 0, &n);
    struct sb err = SB_INIT;
    struct sprig_re *re = re_get(expr, n, &err);
    if (!re) {
        int rc = 0;
        if (must)
            rc = tmpl_fail(c, "%s", err.buf);
        else
            *out = tmpl_mkbool(c, false);
        sb_release(&err);
        return rc;
    }
    sb_release(&err);
    size_t sn;
    const char *s = tmpl_arg_str(c, 1, &sn);
    struct subject sj;
    subject_init(c, &sj, s, sn);
    struct rmatch m;
    rmatch_init(&m, re);
    long *ov = arena_alloc(c->a, (size_t)(re->ncap + 1) * 2 * sizeof(long));
    int r = re_exec(re, &m, sj.s, sj.n, 0, ov);
    rmatch_release(&m);
    if (r < 0)
        r = dfa_match(re, &sj);
    if (r < 0)
        return limit_error(c);
    *out = tmpl_mkbool(c, r > 0);
    return 0;
}

static int
fn_regex_match(struct tmpl_call *c, struct val **out)
{
    return match_impl(c, out, false);
}

static int
fn_must_regex_match(struct tmpl_call *c, struct val **out)
{
    return match_impl(c, out, true);
}

static void
collect_match(struct tmpl_call *c, void *st, const char *s, const long *oo)
{
    val_seq_push(c->a, st, val_str(c->a, s + oo[0], (size_t)(oo[1] - oo[0])));
}

/* Go returns a nil []string when nothing matches (toJson prints null). */
static int
find_all_impl(struct tmpl_call *c, struct val **out, bool must)
{
    int rc = 0;
    struct sprig_re *re = arg_regex(c, must, &rc);
    if (!re)
        return rc;
    size_t n;
    const char *s = tmpl_arg_str(c, 1, &n);
    int64_t max = tmpl_arg_int(c, 2);
    struct val *res = tmpl_mark_nil(tmpl_mkstrings(c));
    *out = res;
    if (max == 0)
        return 0;
    struct subject sj;
    subject_init(c, &sj, s, n);
    return all_matches(c, re, &sj, max, collect_match, res);
}

static int
fn_regex_find_all(struct tmpl_call *c, struct val **out)
{
    return find_all_impl(c, out, false);
}

static int
fn_must_regex_find_all(struct tmpl_call *c, struct val **out)
{
    return find_all_impl(c, out, true);
}

static int
find_impl(struct tmpl_call *c, struct val **out, bool must)
{
    int rc = 0;
    struct sprig_re *re = arg_regex(c, must, &rc);
    if (!re)
        return rc;
    size_t n;
    const char *s = tmpl_arg_str(c, 1, &n);
    struct subject sj;
    subject_init(c, &sj, s, n);
    struct rmatch m;
    rmatch_init(&m, re);
    long *ov = arena_alloc(c->a, (size_t)(re->ncap + 1) * 2 * sizeof(long));
    int r = re_exec(re, &m, sj.s, sj.n, 0, ov);
    rmatch_release(&m);
    if (r < 0)
        return limit_error(c);
    if (r > 0) {
        to_orig(&sj, ov, ov, 0);
        *out = val_str(c->a, s + ov[0], (size_t)(ov[1] - ov[0]));
    } else {
        *out = tmpl_mkstr(c, "", 0);
    }
    return 0;
}

static int
fn_regex_find(struct tmpl_call *c, struct val **out)
{
    return find_impl(c, out, false);
}

static int
fn_must_regex_find(struct tmpl_call *c, struct val **out)
{
    return find_impl(c, out, true);
}

/* regexp.expand: $$, $1, ${1}, $name, ${name}; a malformed reference is
 * kept as text */
static void
expand(struct sb *dst, const char *tpl, size_t tn, const struct sprig_re *re, const char *src,
       const long *ov)
{
    size_t i = 0;
    while (i < tn) {
        const char *d = memchr(tpl + i, '$', tn - i);
        if (!d)
            break;
        sb_add(dst, tpl + i, (size_t)(d - tpl - i));
        i = (size_t)(d - tpl) + 1;
        if (i < tn && tpl[i] == '$') {
            sb_addch(dst, '$');
            i++;
            continue;
        }
        /* extract */
        size_t k = i;
        bool brace = false;
        if (k < tn && tpl[k] == '{') {
            brace = true;
            k++;
        }
        size_t ns = k, w;
        while (k < tn) {
            uint32_t r = utf8_rune(tpl + k, tn - k, &w);
            if (!tmpl_uni_is_letter(r) && !tmpl_uni_is_digit(r) && r != '_')
                break;
            k += w;
        }
        size_t nl = k - ns;
        if (nl == 0 || (brace && (k >= tn || tpl[k] != '}'))) {
            sb_addch(dst, '$');
            continue;
        }
        if (brace)
            k++;
        const char *name = tpl + ns;
        long num = 0;
        for (size_t j = 0; j < nl; j++) {
            if (name[j] < '0' || name[j] > '9' || num >= 100000000) {
                num = -1;
                break;
            }
            num = num * 10 + (name[j] - '0');
        }
        if (name[0] == '0' && nl > 1)
            num = -1;
        i = k;
        if (num >= 0) {
            if (num <= re->ncap && ov[2 * num] >= 0)
                sb_add(dst, src + ov[2 * num], (size_t)(ov[2 * num + 1] - ov[2 * num]));
        } else {
            for (int g = 1; g <= re->ncap; g++) {
                const char *gn = re->names[g];
                if (gn && strlen(gn) == nl && !memcmp(gn, name, nl) && ov[2 * g] >= 0) {
                    sb_add(dst, src + ov[2 * g], (size_t)(ov[2 * g + 1] - ov[2 * g]));
                    break;
                }
            }
        }
    }
    sb_add(dst, tpl + i, tn - i);
}

/* Regexp.replaceAll */
static int
replace_impl(struct tmpl_call *c, struct val **out, bool must, bool literal)
{
    int rc = 0;
    struct sprig_re *re = arg_regex(c, must, &rc);
    if (!re)
        return rc;
    size_t on, tn;
    const char *orig = tmpl_arg_str(c, 1, &on);
    const char *tpl = tmpl_arg_str(c, 2, &tn);
    struct subject sj;
    subject_init(c, &sj, orig, on);
    const char *s = sj.s;
    size_t n = sj.n;
    struct rmatch m;
    rmatch_init(&m, re);
    long *ov = arena_alloc(c->a, (size_t)(re->ncap + 1) * 2 * sizeof(long));
    long *oo = arena_alloc(c->a, (size_t)(re->ncap + 1) * 2 * sizeof(long));
    struct sb b = SB_INIT;
    size_t last_end = 0, pos = 0, olast = 0;
    bool any = false;
    while (pos <= n) {
        int r = re_exec(re, &m, s, n, pos, ov);
        if (r < 0) {
            rc = limit_error(c);
            goto out;
        }
        if (r == 0)
            break;
        any = true;
        to_orig(&sj, ov, oo, re->ncap);
        sb_add(&b, orig + olast, (size_t)oo[0] - olast);
        if ((size_t)ov[1] > last_end || ov[0] == 0) {
            if (literal)
                sb_add(&b, tpl, tn);
            else
                expand(&b, tpl, tn, re, orig, oo);
        }
        last_end = (size_t)ov[1];
        olast = (size_t)oo[1];
        size_t w = 0;
        if (pos < n)
            utf8_rune(s + pos, n - pos, &w);
        if (pos + w > (size_t)ov[1])
            pos += w;
        else if (pos + 1 > (size_t)ov[1])
            pos++;
        else
            pos = (size_t)ov[1];
        if (b.len > SPRIG_MAX_STRING) {
            rc = tmpl_fail_code(c, PKG_ELIMIT, "result longer than %zu bytes", SPRIG_MAX_STRING);
            goto out;
        }
    }
    if (!any) {
        *out = c->argv[1];
        goto out;
    }
    sb_add(&b, orig + olast, on - olast);
    *out = tmpl_mkstr(c, b.buf, b.len);
out:
    rmatch_release(&m);
    sb_release(&b);
    return rc;
}

static int
fn_regex_replace_all(struct tmpl_call *c, struct val **out)
{
    return replace_impl(c, out, false, false);
}

static int
fn_must_regex_replace_all(struct tmpl_call *c, struct val **out)
{
    return replace_impl(c, out, true, false);
}

static int
fn_regex_replace_all_literal(struct tmpl_call *c, struct val **out)
{
    return replace_impl(c, out, false, true);
}

static int
fn_must_regex_replace_all_literal(struct tmpl_call *c, struct val **out)
{
    return replace_impl(c, out, true, true);
}

struct split_state {
    struct val *res;
    size_t beg, end; /* original offsets */
    int64_t n;
};

static void
split_match(struct tmpl_call *c, void *st, const char *s, const long *oo)
{
    struct split_state *sp = st;
    if (sp->n > 0 && (int64_t)sp->res->u.seq.len == sp->n - 1)
        return;
    sp->end = (size_t)oo[0];
    if (oo[1] != 0)
        val_seq_push(c->a, sp->res, val_str(c->a, s + sp->beg, sp->end - sp->beg));
    sp->beg = (size_t)oo[1];
}

/* Regexp.Split */
static int
split_impl(struct tmpl_call *c, struct val **out, bool must)
{
    int rc = 0;
    struct sprig_re *re = arg_regex(c, must, &rc);
    if (!re)
        return rc;
    size_t n;
    const char *s = tmpl_arg_str(c, 1, &n);
    int64_t lim = tmpl_arg_int(c, 2);
    struct split_state sp = {tmpl_mkstrings(c), 0, 0, lim};
    *out = sp.res;
    if (lim == 0) {
        tmpl_mark_nil(sp.res); /* Go's Split returns nil for n == 0 */
        return 0;
    }
    if (re->exprlen > 0 && n == 0) {
        val_seq_push(c->a, sp.res, tmpl_mkstr(c, "", 0));
        return 0;
    }
    struct subject sj;
    subject_init(c, &sj, s, n);
    rc = all_matches(c, re, &sj, lim, split_match, &sp);
    if (rc)
        return rc;
    if (sp.end != n)
        val_seq_push(c->a, sp.res, val_str(c->a, s + sp.beg, n - sp.beg));
    return 0;
}

static int
fn_regex_split(struct tmpl_call *c, struct val **out)
{
    return split_impl(c, out, false);
}

static int
fn_must_regex_split(struct tmpl_call *c, struct val **out)
{
    return split_impl(c, out, true);
}

/* regexp.QuoteMeta */
static int
fn_regex_quote_meta(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const char *s = tmpl_arg_str(c, 0, &n);
    size_t extra = 0;
    for (size_t i = 0; i < n; i++)
        if (strchr("\\.+*?()|[]{}^$", s[i]) && s[i])
            extra++;
    if (!extra) {
        *out = c->argv[0];
        return 0;
    }
    char *p;
    *out = sprig_str_alloc(c, n + extra, &p);
    for (size_t i = 0; i < n; i++) {
        if (strchr("\\.+*?()|[]{}^$", s[i]) && s[i])
            *p++ = '\\';
        *p++ = s[i];
    }
    return 0;
}

const struct tmpl_func tmpl_funcs_sprig_regex[] = {
    {"regexMatch", fn_regex_match, "func(string, string) bool"},
    {"mustRegexMatch", fn_must_regex_match, "func(string, string) (bool, error)"},
    {"regexFindAll", fn_regex_find_all, "func(string, string, int) []string"},
    {"mustRegexFindAll", fn_must_regex_find_all, "func(string, string, int) ([]string, error)"},
    {"regexFind", fn_regex_find, "func(string, string) string"},
    {"mustRegexFind", fn_must_regex_find, "func(string, string) (string, error)"},
    {"regexReplaceAll", fn_regex_replace_all, "func(string, string, string) string"},
    {"mustRegexReplaceAll", fn_must_regex_replace_all,
     "func(string, string, string) (string, error)"},
    {"regexReplaceAllLiteral", fn_regex_replace_all_literal, "func(string, string, string) string"},
    {"mustRegexReplaceAllLiteral", fn_must_regex_replace_all_literal,
     "func(string, string, string) (string, error)"},
    {"regexSplit", fn_regex_split, "func(string, string, int) []string"},
    {"mustRegexSplit", fn_must_regex_split, "func(string, string, int) ([]string, error)"},
    {"regexQuoteMeta", fn_regex_quote_meta, "func(string) string"},
    {NULL, NULL, NULL},
};
