/* The glob syntax of github.com/gobwas/glob with '/' as the separator, as
 * Helm's .Files.Glob compiles it: `*` (any run without '/'), `**` (any
 * run), `?` (one rune but '/'), `[abc]`, `[!abc]`, `[a-z]` (one range
 * only), `{a,b}` alternatives (nested, an unclosed `{` closes at the end),
 * backslash escapes. A pattern gobwas cannot compile matches everything,
 * because Helm falls back to "**". */
#include "chart/chart-int.h"
#include "core/text.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

enum gkind { G_TEXT, G_ANY, G_SUPER, G_SINGLE, G_LIST, G_RANGE, G_ANYOF };

struct gnode;

struct gseq {
    struct gnode *v;
    size_t n, cap;
};

struct gnode {
    enum gkind kind;
    char *text; /* G_TEXT, G_LIST (the characters) */
    bool not_;
    int32_t lo, hi;
    struct gseq *alts; /* G_ANYOF */
    size_t nalts;
};

struct chart_glob {
    struct gseq root;
    bool match_all;
};

struct lex {
    const char *s;
    size_t n, pos;
    bool err;
};

static int32_t
peek_rune(struct lex *l, size_t *w)
{
    if (l->pos >= l->n) {
        *w = 0;
        return 0;
    }
    int32_t r = utf8_rune(l->s + l->pos, l->n - l->pos, w);
    if (r == 0xFFFD && *w == 1) {
        l->err = true; /* "could not read rune" */
        *w = 0;
        return 0;
    }
    return r;
}

static void
seq_push(struct gseq *s, struct gnode nd)
{
    s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
    s->v[s->n++] = nd;
}

static void
seq_free(struct gseq *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].text);
        for (size_t k = 0; k < s->v[i].nalts; k++)
            seq_free(&s->v[i].alts[k]);
        free(s->v[i].alts);
    }
    free(s->v);
}

/* fetchText: runes up to a breaker; backslash escapes. */
static char *
fetch_text(struct lex *l, const char *breakers)
{
    struct sb sb = SB_INIT;
    bool escaped = false;
    for (;;) {
        size_t w;
        int32_t r = peek_rune(l, &w);
        if (w == 0)
            break;
        if (!escaped) {
            if (r == '\\') {
                escaped = true;
                l->pos += w;
                continue;
            }
            if (r < 0x80 && strchr(breakers, (int)r))
                break;
        }
        escaped = false;
        l->pos += w;
        utf8_append(&sb, r);
    }
    char *t = sb.len ? sb_detach(&sb, NULL) : NULL;
    sb_release(&sb);
    return t;
}

/* A bracket expression after '['. */
static bool
parse_range(struct lex *l, struct gseq *out)
{
    bool not_ = false, seen_not = false;
    int32_t lo = 0, hi = 0;
    char *chars = NULL;
    bool want_hi = false, want_close = false;
    for (;;) {
        size_t w;
        int32_t r = peek_rune(l, &w);
        if (w == 0)
            goto bad; /* unexpected end of input */
        l->pos += w;
        if (want_close) {
            if (r != ']')
                goto bad;
            break;
        }
        if (want_hi) {
            hi = r;
            want_close = true;
            continue;
        }
        if (!seen_not && r == '!') {
            not_ = true;
            seen_not = true;
            continue;
        }
        size_t w2;
        int32_t n2 = peek_rune(l, &w2);
        if (w2 && n2 == '-') {
            l->pos += w2;
            lo = r;
            want_hi = true;
            continue;
        }
        l->pos -= w;
        free(chars);
        chars = fetch_text(l, "]");
        want_close = true;
    }
    if (hi && hi < lo)
        goto bad;
    bool is_range = lo != 0 && hi != 0, is_chars = chars && *chars;
    if (is_range == is_chars)
        goto bad;
    struct gnode nd = {0};
    nd.not_ = not_;
    if (is_range) {
        nd.kind = G_RANGE;
        nd.lo = lo;
        nd.hi = hi;
        free(chars);
    } else {
        nd.kind = G_LIST;
        nd.text = chars;
    }
    seq_push(out, nd);
    return true;
bad:
    free(chars);
    return false;
}

static bool
parse_seq(struct lex *l, struct gseq *out, int depth)
{
    for (;;) {
        size_t w;
        int32_t r = peek_rune(l, &w);
        if (l->err)
            return false;
        if (w == 0)
            return true;
        if (r == '{') {
            l->pos += w;
            if (depth > 64)
                return false;
            struct gnode nd = {.kind = G_ANYOF};
            size_t cap = 0;
            for (;;) {
                nd.alts = xgrow(nd.alts, &cap, nd.nalts + 1, sizeof(*nd.alts));
                memset(&nd.alts[nd.nalts], 0, sizeof(nd.alts[0]));
                struct gseq *alt = &nd.alts[nd.nalts++];
                if (!parse_seq(l, alt, depth + 1)) {
                    seq_push(out, nd);
                    return false;
                }
                size_t w2;
                int32_t c = peek_rune(l, &w2);
                if (w2 && c == ',') {
                    l->pos += w2;
                    continue;
                }
                if (w2 && c == '}')
                    l->pos += w2;
                break; /* '}' or the end */
            }
            seq_push(out, nd);
            continue;
        }
        if (depth > 0 && (r == ',' || r == '}'))
            return true;
        if (r == '[') {
            l->pos += w;
            if (!parse_range(l, out))
                return false;
            continue;
        }
        if (r == '?') {
            l->pos += w;
            seq_push(out, (struct gnode){.kind = G_SINGLE});
            continue;
        }
        if (r == '*') {
            l->pos += w;
            size_t w2;
            int32_t c = peek_rune(l, &w2);
            if (w2 && c == '*') {
                l->pos += w2;
                seq_push(out, (struct gnode){.kind = G_SUPER});
            } else {
                seq_push(out, (struct gnode){.kind = G_ANY});
            }
            continue;
        }
        char *t = fetch_text(l, depth > 0 ? "?*[{}," : "?*[{");
        if (l->err) {
            free(t);
            return false;
        }
        if (t)
            seq_push(out, (struct gnode){.kind = G_TEXT, .text = t});
    }
}

struct chart_glob *
chart_glob_compile(const char *pattern)
{
    struct chart_glob *g = xcalloc(1, sizeof(*g));
    /* The lexer stops at a NUL rune, like gobwas's eof. */
    struct lex l = {.s = pattern, .n = strlen(pattern)};
    if (!parse_seq(&l, &g->root, 0) || l.err) {
        seq_free(&g->root);
        memset(&g->root, 0, sizeof(g->root));
        g->match_all = true;
    }
    return g;
}

void
chart_glob_free(struct chart_glob *g)
{
    if (!g)
        return;
    seq_free(&g->root);
    free(g);
}

struct mstate {
    const char *s;
    size_t n;
    unsigned long steps;
};

static bool match_seq(struct mstate *m, const struct gseq *q, size_t qi, size_t si,
                      const struct gseq *const *cont, size_t ncont);

/* Matches q[qi..] at s[si..] followed by the continuation stack. */
static bool
match_rest(struct mstate *m, const struct gseq *const *cont, size_t ncont, size_t si)
{
    if (ncont == 0)
        return si == m->n;
    /* The continuation entries are (seq, index) pairs packed as seq pointers
     * with the index stored in the following slot. */
    const struct gseq *q = cont[ncont - 2];
    size_t qi = (size_t)(uintptr_t)cont[ncont - 1];
    return match_seq(m, q, qi, si, cont, ncont - 2);
}

static bool
match_seq(struct mstate *m, const struct gseq *q, size_t qi, size_t si,
          const struct gseq *const *cont, size_t ncont)
{
    if (++m->steps > 2000000)
        return false;
    if (qi == q->n)
        return match_rest(m, cont, ncont, si);
    const struct gnode *nd = &q->v[qi];
    size_t w;
    switch (nd->kind) {
    case G_TEXT: {
        size_t tl = strlen(nd->text);
        if (m->n - si < tl || memcmp(m->s + si, nd->text, tl))
            return false;
        return match_seq(m, q, qi + 1, si + tl, cont, ncont);
    }
    case G_SINGLE:
    case G_LIST:
    case G_RANGE: {
        if (si >= m->n)
            return false;
        int32_t r = utf8_rune(m->s + si, m->n - si, &w);
        bool ok;
        if (nd->kind == G_SINGLE) {
            ok = r != '/';
        } else if (nd->kind == G_RANGE) {
            ok = (r >= nd->lo && r <= nd->hi) != nd->not_;
        } else {
            bool in = false;
            for (const char *p = nd->text; *p;) {
                size_t w2;
                int32_t c = utf8_rune(p, strlen(p), &w2);
                if (c == r)
                    in = true;
                p += w2;
            }
            ok = in != nd->not_;
        }
        return ok && match_seq(m, q, qi + 1, si + w, cont, ncont);
    }
    case G_ANY:
    case G_SUPER:
        for (size_t e = si;;) {
            if (match_seq(m, q, qi + 1, e, cont, ncont))
                return true;
            if (e >= m->n || (nd->kind == G_ANY && m->s[e] == '/'))
                return false;
            utf8_rune(m->s + e, m->n - e, &w);
            e += w;
        }
    case G_ANYOF: {
        /* Each alternative, then the rest of this sequence. */
        const struct gseq **stack = xmalloc((ncont + 2) * sizeof(*stack));
        if (ncont)
            memcpy(stack, cont, ncont * sizeof(*stack));
        stack[ncont] = q;
        stack[ncont + 1] = (const struct gseq *)(uintptr_t)(qi + 1);
        bool ok = false;
        for (size_t k = 0; k < nd->nalts && !ok; k++)
            ok = match_seq(m, &nd->alts[k], 0, si, stack, ncont + 2);
        free(stack);
        return ok;
    }
    }
    return false;
}

bool
chart_glob_matches(const struct chart_glob *g, const char *name)
{
    if (g->match_all)
        return true;
    struct mstate m = {.s = name, .n = strlen(name)};
    return match_seq(&m, &g->root, 0, 0, NULL, 0);
}

bool
chart_glob_match(const char *pattern, const char *name)
{
    struct chart_glob *g = chart_glob_compile(pattern);
    bool ok = chart_glob_matches(g, name);
    chart_glob_free(g);
    return ok;
}
