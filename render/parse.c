/* The template parser: Go's text/template/parse/parse.go, with the same
 * three-token lookahead, the same checks (functions and variables are
 * checked at parse time) and the same error messages, building the node
 * tree of render/tree.h in an arena. Errors unwind with longjmp: every node
 * lives in the arena, and parse_trees frees the parser's heap stacks on
 * both ways out, so nothing leaks. */
#include "render/tree.h"

#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/text.h"
#include "core/xalloc.h"

#define MAX_STACK_DEPTH 10000
#define MAX_PIPELINE_CMDS 100000

struct treeset {
    struct tmpl_tree **v;
    size_t n, cap;
};

struct strent {
    const char *lit; /* the literal as written, quotes included */
    uint32_t len;
    uint32_t hash;
    struct val *cval;
};

struct strtab {
    struct strent *v; /* heap memory: strtab_release */
    size_t n, cap;
};

static void
strtab_release(struct strtab *st)
{
    free(st->v);
    st->v = NULL;
    st->n = st->cap = 0;
}

struct parser {
    struct tmpl_lexer lex;
    struct arena *a;
    const struct tmpl_src *src;
    enum tmpl_funcset funcs;
    bool skip_func_check;
    struct treeset set;
    /* Nodes of the lists being built, innermost last: a finished list is
     * copied out at its exact size (stk_pop). Heap memory, freed when the
     * parse ends. */
    struct tmpl_node **stk;
    size_t nstk, capstk;
    /* The variables in scope, of the trees being parsed (a block's or a
     * definition's after its parent's): heap memory, freed with stk. */
    const char **vars;
    size_t nvars, capvars;
    /* The string constants by their literal: a literal that comes again
     * shares the first one's value (read-only). One table for the texts a
     * thread parses into one arena. */
    struct strtab *strs;
    /* {{else}} and {{end}} end a list and never join a tree: one node,
     * rewritten each time (the parser reads it before the next one). */
    struct tmpl_node delim_node;
    jmp_buf jb;
    char *err;
};

/* One Tree's parsing state (Go's per-Tree fields). */
struct ptree {
    struct parser *p;
    struct tmpl_tree *t;
    struct tmpl_item token[3];
    int peek_count;
    size_t vbase; /* this tree's variables are p->vars[vbase, p->nvars) */
    /* Go's actionLine: the {{ of the action being parsed (its line is
     * computed for an error message only); in_action false is line 0. */
    bool in_action;
    struct tmpl_item action_tok;
    int range_depth;
    int stack_depth;
};

/* ---- errors ---- */

static void __attribute__((noreturn, format(printf, 2, 3)))
perrorf(struct ptree *t, const char *fmt, ...)
{
    struct sb sb = SB_INIT;
    sb_addf(&sb, "template: %s:%d: ", t->p->src->name, tmpl_lex_line(&t->p->lex, &t->token[0]));
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(&sb, fmt, ap);
    va_end(ap);
    t->p->err = arena_strndup(t->p->a, sb.buf, sb.len);
    sb_release(&sb);
    longjmp(t->p->jb, 1);
}

/* An item's text. */
static inline const char *
tv(const struct ptree *t, const struct tmpl_item *i)
{
    return i->type == ITEM_ERROR ? t->p->lex.errmsg : t->p->lex.input + i->pos;
}

/* item.String() */
static void
item_string(struct sb *sb, const struct ptree *t, const struct tmpl_item *i)
{
    const char *val = tv(t, i);
    if (i->type == ITEM_EOF) {
        sb_addstr(sb, "EOF");
    } else if (i->type == ITEM_ERROR) {
        sb_add(sb, val, i->len);
    } else if (i->type > ITEM_KEYWORD) {
        sb_addch(sb, '<');
        sb_add(sb, val, i->len);
        sb_addch(sb, '>');
    } else if (tmpl_utf8_count(val, i->len) > 10) {
        /* %.10q: the first ten runes, quoted, then "..." */
        size_t k = 0, w;
        for (int r = 0; r < 10; r++) {
            utf8_rune(val + k, i->len - k, &w);
            k += w;
        }
        tmpl_quote(sb, val, k);
        sb_addstr(sb, "...");
    } else {
        tmpl_quote(sb, val, i->len);
    }
}

static void __attribute__((noreturn))
unexpected(struct ptree *t, const struct tmpl_item *tok, const char *context)
{
    struct sb sb = SB_INIT;
    item_string(&sb, t, tok);
    if (tok->type == ITEM_ERROR) {
        int action_line = t->in_action ? tmpl_lex_line(&t->p->lex, &t->action_tok) : 0;
        if (action_line != 0 && action_line != tmpl_lex_line(&t->p->lex, tok)) {
            bool action = tok->len >= 7 && !memcmp(tv(t, tok) + tok->len - 7, " action", 7);
            sb_addf(&sb, "%s started at %s:%d", action ? "" : " in action", t->p->src->name,
                    action_line);
        }
        char *m = arena_strndup(t->p->a, sb.buf, sb.len);
        sb_release(&sb);
        perrorf(t, "%s", m);
    }
    char *m = arena_strndup(t->p->a, sb.buf, sb.len);
    sb_release(&sb);
    perrorf(t, "unexpected %s in %s", m, context);
}

/* ---- tokens ---- */

static struct tmpl_item
next(struct ptree *t)
{
    if (t->peek_count > 0)
        t->peek_count--;
    else
        t->token[0] = tmpl_lex_next(&t->p->lex);
    return t->token[t->peek_count];
}

static void
backup(struct ptree *t)
{
    t->peek_count++;
}

static void
backup2(struct ptree *t, struct tmpl_item t1)
{
    t->token[1] = t1;
    t->peek_count = 2;
}

static void
backup3(struct ptree *t, struct tmpl_item t2, struct tmpl_item t1)
{
    t->token[1] = t1;
    t->token[2] = t2;
    t->peek_count = 3;
}

static struct tmpl_item
peek(struct ptree *t)
{
    if (t->peek_count > 0)
        return t->token[t->peek_count - 1];
    t->peek_count = 1;
    t->token[0] = tmpl_lex_next(&t->p->lex);
    return t->token[0];
}

static struct tmpl_item
next_non_space(struct ptree *t)
{
    struct tmpl_item tok;
    do
        tok = next(t);
    while (tok.type == ITEM_SPACE);
    return tok;
}

static struct tmpl_item
peek_non_space(struct ptree *t)
{
    struct tmpl_item tok = next_non_space(t);
    backup(t);
    return tok;
}

static struct tmpl_item
expect(struct ptree *t, enum tmpl_item_type type, const char *context)
{
    struct tmpl_item tok = next_non_space(t);
    if (tok.type != type)
        unexpected(t, &tok, context);
    return tok;
}

/* ---- nodes ---- */

/* Where a node's member ends: the bytes a node of its type takes. */
#define NODE_END(m) (offsetof(struct tmpl_node, m) + sizeof(((struct tmpl_node *)0)->m))
#define NODE_HEAD offsetof(struct tmpl_node, u)

/* Every node of a chart's templates is one of these: keep them small. */
_Static_assert(NODE_HEAD == 8, "the node header grew");
_Static_assert(sizeof(struct tmpl_node) <= 48, "struct tmpl_node grew");

static const uint8_t node_size[] = {
    [TMPL_NODE_TEXT] = NODE_END(u.text),
    [TMPL_NODE_ACTION] = NODE_END(u.action),
    [TMPL_NODE_BOOL] = NODE_END(u.b),
    [TMPL_NODE_CHAIN] = NODE_END(u.chain),
    [TMPL_NODE_COMMAND] = NODE_END(u.args),
    [TMPL_NODE_DOT] = NODE_HEAD,
    [TMPL_NODE_ELSE] = sizeof(struct tmpl_node),
    [TMPL_NODE_END] = sizeof(struct tmpl_node),
    [TMPL_NODE_FIELD] = NODE_END(u.field),
    [TMPL_NODE_IDENTIFIER] = NODE_END(u.ident),
    [TMPL_NODE_IF] = NODE_END(u.branch),
    [TMPL_NODE_LIST] = NODE_END(u.list),
    [TMPL_NODE_NIL] = NODE_HEAD,
    [TMPL_NODE_NUMBER] = NODE_END(u.number),
    [TMPL_NODE_PIPE] = NODE_END(u.pipe),
    [TMPL_NODE_RANGE] = NODE_END(u.branch),
    [TMPL_NODE_STRING] = NODE_END(u.str),
    [TMPL_NODE_TEMPLATE] = NODE_END(u.tmpl),
    [TMPL_NODE_VARIABLE] = NODE_END(u.field),
    [TMPL_NODE_WITH] = NODE_END(u.branch),
    [TMPL_NODE_COMMENT] = NODE_HEAD,
    [TMPL_NODE_BREAK] = NODE_HEAD,
    [TMPL_NODE_CONTINUE] = NODE_HEAD,
};

static struct tmpl_node *
new_node(struct ptree *t, enum tmpl_node_type type, uint32_t pos)
{
    struct tmpl_node *n = arena_alloc(t->p->a, node_size[type]);
    n->type = (uint8_t)type;
    n->pos = pos;
    return n;
}

static struct tmpl_node *
delim_node(struct ptree *t, enum tmpl_node_type type, uint32_t pos)
{
    struct tmpl_node *n = &t->p->delim_node;
    memset(n, 0, sizeof(*n));
    n->type = (uint8_t)type;
    n->pos = pos;
    return n;
}

static void
stk_push(struct parser *p, struct tmpl_node *n)
{
    if (p->nstk == p->capstk)
        p->stk = xgrow(p->stk, &p->capstk, p->nstk + 1, sizeof(*p->stk));
    p->stk[p->nstk++] = n;
}

/* Moves the nodes pushed since mark into l. */
static void
stk_pop(struct parser *p, size_t mark, struct tmpl_nodelist *l)
{
    size_t n = p->nstk - mark;
    l->n = (uint32_t)n;
    l->v = NULL;
    if (n) {
        l->v = arena_alloc(p->a, n * sizeof(*l->v));
        memcpy(l->v, p->stk + mark, n * sizeof(*l->v));
    }
    p->nstk = mark;
}

static const char *
dupn(struct ptree *t, const char *s, size_t n)
{
    return arena_strndup(t->p->a, s, n);
}

/* Splits "a.b" or "$x.a.b" (parts identifiers: the dots plus one) into
 * identifiers (Go's strings.Split(ident, ".")): one allocation holds the
 * array and a copy of s with the dots turned into NULs, which the array
 * points into. */
static void
split_ident(struct ptree *t, const char *s, size_t n, size_t parts, const char ***out,
            uint32_t *cnt)
{
    const char **v = arena_alloc(t->p->a, parts * sizeof(*v) + n + 1);
    char *copy = (char *)(v + parts);
    memcpy(copy, s, n);
    uint32_t k = 0;
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (copy[i] == '.' && k + 1 < parts) {
            copy[i] = 0;
            v[k++] = copy + start;
            start = i + 1;
        }
    }
    v[k++] = copy + start;
    *out = v;
    *cnt = k;
}

static struct tmpl_node *
new_variable(struct ptree *t, uint32_t pos, const char *s, size_t n, size_t parts)
{
    struct tmpl_node *v = new_node(t, TMPL_NODE_VARIABLE, pos);
    split_ident(t, s, n, parts, &v->u.field.ident, &v->u.field.n);
    return v;
}

/* ---- numbers: strconv's ParseUint/ParseInt (base 0) and ParseFloat ---- */

static int
lower(int c)
{
    return c | 0x20;
}

static bool
underscore_ok(const char *s, size_t n)
{
    char saw = '^';
    size_t i = 0;
    if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
        s++;
        n--;
    }
    bool hex = false;
    if (n >= 2 && s[0] == '0' && (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
        i = 2;
        saw = '0';
        hex = lower(s[1]) == 'x';
    }
    for (; i < n; i++) {
        if ((s[i] >= '0' && s[i] <= '9') || (hex && lower(s[i]) >= 'a' && lower(s[i]) <= 'f')) {
            saw = '0';
            continue;
        }
        if (s[i] == '_') {
            if (saw != '0')
                return false;
            saw = '_';
            continue;
        }
        if (saw == '_')
            return false;
        saw = '!';
    }
    return saw != '_';
}

static bool
parse_uint0(const char *s0, size_t n0, uint64_t *out)
{
    const char *s = s0;
    size_t n = n0;
    if (n == 0)
        return false;
    unsigned base = 10;
    if (s[0] == '0') {
        if (n >= 3 && lower(s[1]) == 'b') {
            base = 2;
            s += 2;
            n -= 2;
        } else if (n >= 3 && lower(s[1]) == 'o') {
            base = 8;
            s += 2;
            n -= 2;
        } else if (n >= 3 && lower(s[1]) == 'x') {
            base = 16;
            s += 2;
            n -= 2;
        } else {
            base = 8;
            s++;
            n--;
        }
    }
    uint64_t v = 0;
    bool underscores = false, overflow = false;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        unsigned d;
        if (c == '_') {
            underscores = true;
            continue;
        } else if (c >= '0' && c <= '9') {
            d = (unsigned)(c - '0');
        } else if (lower(c) >= 'a' && lower(c) <= 'z') {
            d = (unsigned)(lower(c) - 'a' + 10);
        } else {
            return false;
        }
        if (d >= base)
            return false;
        if (v > (UINT64_MAX - d) / base)
            overflow = true;
        v = v * base + d;
    }
    if (underscores && !underscore_ok(s0, n0))
        return false;
    if (overflow)
        return false;
    *out = v;
    return true;
}

static bool
parse_int0(const char *s, size_t n, int64_t *out)
{
    if (n == 0)
        return false;
    bool neg = false;
    const char *p = s;
    size_t k = n;
    if (p[0] == '+' || p[0] == '-') {
        neg = p[0] == '-';
        p++;
        k--;
    }
    uint64_t u;
    if (!parse_uint0(p, k, &u))
        return false;
    if (!neg && u > (uint64_t)INT64_MAX)
        return false;
    if (neg && u > (uint64_t)INT64_MAX + 1)
        return false;
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return true;
}

/* strconv.ParseFloat(s, 64) for what the lexer can produce: decimal and
 * hexadecimal (with a p exponent) floats with underscores. */
static bool
parse_float(const char *s, size_t n, double *out)
{
    char buf[128];
    size_t k = 0;
    size_t i = 0;
    if (n == 0 || n >= sizeof(buf))
        return false;
    bool underscores = false;
    if (s[i] == '+' || s[i] == '-')
        buf[k++] = s[i++];
    bool hex = n - i >= 2 && s[i] == '0' && lower(s[i + 1]) == 'x';
    bool digits = false, dot = false, exp = false;
    if (hex) {
        buf[k++] = '0';
        buf[k++] = 'x';
        i += 2;
    }
    for (; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '_') {
            underscores = true;
            continue;
        }
        if ((c >= '0' && c <= '9') || (hex && !exp && lower(c) >= 'a' && lower(c) <= 'f')) {
            if (!exp)
                digits = true;
            buf[k++] = (char)c;
        } else if (c == '.' && !dot && !exp) {
            dot = true;
            buf[k++] = '.';
        } else if (!exp && ((hex && lower(c) == 'p') || (!hex && lower(c) == 'e'))) {
            if (!digits)
                return false;
            exp = true;
            buf[k++] = (char)c;
            if (i + 1 < n && (s[i + 1] == '+' || s[i + 1] == '-'))
                buf[k++] = s[++i];
            if (i + 1 >= n)
                return false;
            bool ed = false;
            for (size_t j = i + 1; j < n; j++) {
                if (s[j] >= '0' && s[j] <= '9')
                    ed = true;
                else if (s[j] != '_')
                    return false;
            }
            if (!ed)
                return false;
        } else {
            return false;
        }
    }
    if (!digits || (hex && !exp))
        return false;
    if (underscores && !underscore_ok(s, n))
        return false;
    buf[k] = 0;
    errno = 0;
    char *end;
    double f = strtod(buf, &end);
    if (*end != 0)
        return false;
    if (errno == ERANGE && isinf(f))
        return false;
    *out = f;
    return true;
}

static bool
contains_any(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (strchr(set, s[i]) && s[i])
            return true;
    return false;
}

/* newNumber */
static struct tmpl_node *
new_number(struct ptree *t, const struct tmpl_item *tok)
{
    struct tmpl_node *nn = new_node(t, TMPL_NODE_NUMBER, tok->pos);
    nn->u.number = arena_alloc(t->p->a, sizeof(*nn->u.number));
    struct tmpl_number *n = &nn->u.number->num;
    const char *text = tv(t, tok);
    size_t len = tok->len;
    nn->u.number->text = dupn(t, text, len);
    nn->u.number->len = len;
    if (tok->type == ITEM_CHAR_CONSTANT) {
        const char *u;
        size_t ul;
        /* strconv.UnquoteChar(text[1:], text[0]) then the tail must be "'" */
        struct sb one = SB_INIT;
        int rc = tmpl_unquote(t->p->a, text, len, &u, &ul);
        sb_release(&one);
        if (rc == -2) {
            perrorf(t, "malformed character constant: %.*s", (int)len, text);
        } else if (rc < 0) {
            perrorf(t, "invalid syntax");
        }
        size_t w;
        uint32_t r = utf8_rune(u, ul, &w);
        if (ul == 1)
            r = (unsigned char)u[0];
        n->is_int = n->is_uint = n->is_float = true;
        n->i = r;
        n->u = r;
        n->f = r;
        return nn;
    }
    if (tok->type == ITEM_COMPLEX || (len > 0 && text[len - 1] == 'i')) {
        /* NEEDSWORK: complex constants are not supported (Helm charts do
         * not use them); Go would accept them. */
        if (tok->type == ITEM_COMPLEX) {
            n->is_complex = true;
            return nn;
        }
        double f;
        if (parse_float(text, len - 1, &f)) {
            n->is_complex = true;
            if (f == 0) {
                n->is_float = true;
                n->f = 0;
                n->is_int = n->is_uint = true;
            }
            return nn;
        }
    }
    uint64_t u;
    if (parse_uint0(text, len, &u)) {
        n->is_uint = true;
        n->u = u;
    }
    int64_t i;
    if (parse_int0(text, len, &i)) {
        n->is_int = true;
        n->i = i;
        if (i == 0) {
            n->is_uint = true;
            n->u = 0;
        }
    }
    if (n->is_int) {
        n->is_float = true;
        n->f = (double)n->i;
    } else if (n->is_uint) {
        n->is_float = true;
        n->f = (double)n->u;
    } else {
        double f;
        if (parse_float(text, len, &f)) {
            if (!contains_any(text, len, ".eEpP")) {
                struct sb q = SB_INIT;
                tmpl_quote(&q, text, len);
                char *m = arena_strndup(t->p->a, q.buf, q.len);
                sb_release(&q);
                perrorf(t, "integer overflow: %s", m);
            }
            n->is_float = true;
            n->f = f;
            if (!n->is_int && f >= -9223372036854775808.0 && f < 9223372036854775808.0 &&
                (double)(int64_t)f == f) {
                n->is_int = true;
                n->i = (int64_t)f;
            }
            if (!n->is_uint && f >= 0 && f < 18446744073709551616.0 && (double)(uint64_t)f == f) {
                n->is_uint = true;
                n->u = (uint64_t)f;
            }
        }
    }
    if (!n->is_int && !n->is_uint && !n->is_float) {
        struct sb q = SB_INIT;
        tmpl_quote(&q, text, len);
        char *m = arena_strndup(t->p->a, q.buf, q.len);
        sb_release(&q);
        perrorf(t, "illegal number syntax: %s", m);
    }
    return nn;
}

/* idealConstant's value (exec.go): a float64 when the text has a
 * fraction or exponent (and is not a hex int or a char), else an int;
 * NULL for what execution must report (complex, uint overflow). */
static struct val *
ideal_value(struct arena *a, const struct tmpl_node *c)
{
    const struct tmpl_number *n = &c->u.number->num;
    const char *t = c->u.number->text;
    size_t len = c->u.number->len;
    if (n->is_complex)
        return NULL;
    bool hex_int = len > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') && !memchr(t, 'p', len) &&
                   !memchr(t, 'P', len);
    bool fexp = false;
    for (size_t i = 0; i < len; i++)
        if (strchr(".eEpP", t[i]))
            fexp = true;
    struct val *v = NULL;
    if (n->is_float && !hex_int && !(len > 0 && t[0] == '\'') && fexp)
        v = val_float(a, n->f);
    else if (n->is_int)
        v = val_int(a, n->i);
    if (v)
        v->flags |= VAL_F_READONLY;
    return v;
}

/* ---- strconv.Unquote ---- */

static int
unhex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (lower(c) >= 'a' && lower(c) <= 'f')
        return lower(c) - 'a' + 10;
    return -1;
}

/* strconv.UnquoteChar: one (possibly escaped) character of s; appends it to
 * sb. Returns the bytes consumed, or 0 on a syntax error. */
static size_t
unquote_char(struct sb *sb, const char *s, size_t n, char quote)
{
    if (n == 0)
        return 0;
    unsigned char c = (unsigned char)s[0];
    if (c == (unsigned char)quote && (quote == '\'' || quote == '"'))
        return 0;
    if (c >= 0x80) {
        size_t w;
        uint32_t r = utf8_rune(s, n, &w);
        utf8_append(sb, r);
        return w;
    }
    if (c != '\\') {
        sb_addch(sb, c);
        return 1;
    }
    if (n <= 1)
        return 0;
    c = (unsigned char)s[1];
    size_t used = 2;
    switch (c) {
    case 'a':
        sb_addch(sb, '\a');
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
    case 'v':
        sb_addch(sb, '\v');
        break;
    case 'x':
    case 'u':
    case 'U': {
        size_t k = c == 'x' ? 2 : c == 'u' ? 4 : 8;
        if (n - 2 < k)
            return 0;
        uint32_t v = 0;
        for (size_t j = 0; j < k; j++) {
            int x = unhex((unsigned char)s[2 + j]);
            if (x < 0)
                return 0;
            v = v << 4 | (uint32_t)x;
        }
        used += k;
        if (c == 'x') {
            sb_addch(sb, (int)v);
            break;
        }
        if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            return 0;
        utf8_append(sb, v);
        break;
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
        uint32_t v = (uint32_t)(c - '0');
        if (n - 2 < 2)
            return 0;
        for (size_t j = 0; j < 2; j++) {
            int x = (unsigned char)s[2 + j] - '0';
            if (x < 0 || x > 7)
                return 0;
            v = (v << 3) | (uint32_t)x;
        }
        if (v > 255)
            return 0;
        used += 2;
        sb_addch(sb, (int)v);
        break;
    }
    case '\\':
        sb_addch(sb, '\\');
        break;
    case '\'':
    case '"':
        if (c != (unsigned char)quote)
            return 0;
        sb_addch(sb, c);
        break;
    default:
        return 0;
    }
    return used;
}

int
tmpl_unquote(struct arena *a, const char *s, size_t n, const char **out, size_t *outlen)
{
    if (n < 2)
        return -1;
    char quote = s[0];
    if (quote != s[n - 1])
        return -1;
    const char *in = s + 1;
    size_t m = n - 2;
    if (quote == '`') {
        if (memchr(in, '`', m))
            return -1;
        if (memchr(in, '\r', m)) {
            char *b = arena_alloc(a, m + 1);
            size_t k = 0;
            for (size_t i = 0; i < m; i++)
                if (in[i] != '\r')
                    b[k++] = in[i];
            *out = b;
            *outlen = k;
            return 0;
        }
        *out = arena_strndup(a, in, m);
        *outlen = m;
        return 0;
    }
    if (quote != '"' && quote != '\'')
        return -1;
    if (quote == '"') {
        /* Go's fast path: no escapes, no newline, valid UTF-8 (here: ASCII)
         * is the text itself. */
        size_t i = 0;
        while (i < m && in[i] != '\\' && in[i] != '\n' && in[i] != '"' &&
               (unsigned char)in[i] < 0x80)
            i++;
        if (i == m) {
            *out = arena_strndup(a, in, m);
            *outlen = m;
            return 0;
        }
    }
    struct sb sb = SB_INIT;
    size_t i = 0;
    int rc = 0;
    while (i < m) {
        if (in[i] == '\n') {
            rc = -1;
            break;
        }
        size_t used = unquote_char(&sb, in + i, m - i, quote);
        if (used == 0) {
            rc = -1;
            break;
        }
        i += used;
        if (quote == '\'') {
            if (i != m)
                rc = -2; /* more than one character */
            break;
        }
    }
    if (quote == '\'' && m == 0)
        rc = -1;
    if (rc == 0) {
        *out = arena_strndup(a, sb.buf, sb.len);
        *outlen = sb.len;
    }
    sb_release(&sb);
    return rc;
}

/* ---- the grammar ---- */

static struct tmpl_node *pipeline(struct ptree *t, const char *context, enum tmpl_item_type end);
static struct tmpl_node *text_or_action(struct ptree *t);
static struct tmpl_node *if_control(struct ptree *t);
static struct tmpl_node *with_control(struct ptree *t);

static void
push_var(struct ptree *t, const char *name)
{
    struct parser *p = t->p;
    if (p->nvars == p->capvars)
        p->vars = xgrow(p->vars, &p->capvars, p->nvars + 1, sizeof(*p->vars));
    p->vars[p->nvars++] = name;
}

static void
start_parse(struct ptree *t, struct parser *p, struct tmpl_tree *tree)
{
    memset(t, 0, sizeof(*t));
    t->p = p;
    t->t = tree;
    t->vbase = p->nvars;
    push_var(t, "$");
}

/* add(): installs the tree in this parse's tree set. */
static void
tree_add(struct ptree *t)
{
    struct treeset *s = &t->p->set;
    for (size_t i = 0; i < s->n; i++) {
        if (!strcmp(s->v[i]->name, t->t->name)) {
            if (tmpl_tree_is_empty(s->v[i]->root)) {
                s->v[i] = t->t;
                return;
            }
            if (!tmpl_tree_is_empty(t->t->root)) {
                struct sb q = SB_INIT;
                tmpl_quote(&q, t->t->name, strlen(t->t->name));
                char *m = arena_strndup(t->p->a, q.buf, q.len);
                sb_release(&q);
                perrorf(t, "template: multiple definition of template %s", m);
            }
            return;
        }
    }
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 8;
        s->v = arena_realloc(t->p->a, s->v, s->cap * sizeof(*s->v), nc * sizeof(*s->v));
        s->cap = nc;
    }
    s->v[s->n++] = t->t;
}

static struct tmpl_node *
new_list(struct ptree *t, uint32_t pos)
{
    return new_node(t, TMPL_NODE_LIST, pos);
}

/* itemList: textOrAction* up to {{end}} or {{else}}, returned in *nextp. */
static struct tmpl_node *
item_list(struct ptree *t, struct tmpl_node **nextp)
{
    struct tmpl_node *list = new_list(t, peek_non_space(t).pos);
    size_t mark = t->p->nstk;
    while (peek_non_space(t).type != ITEM_EOF) {
        struct tmpl_node *n = text_or_action(t);
        if (n->type == TMPL_NODE_END || n->type == TMPL_NODE_ELSE) {
            *nextp = n;
            stk_pop(t->p, mark, &list->u.list);
            return list;
        }
        stk_push(t->p, n);
    }
    perrorf(t, "unexpected EOF");
}

static void
node_string_quoted(struct ptree *t, const struct tmpl_node *n, char **out)
{
    struct sb sb = SB_INIT;
    tmpl_node_string(&sb, n);
    *out = arena_strndup(t->p->a, sb.buf, sb.len);
    sb_release(&sb);
}

static void
check_pipeline(struct ptree *t, struct tmpl_node *pipe, const char *context)
{
    if (pipe->u.pipe.cmds.n == 0)
        perrorf(t, "missing value for %s", context);
    for (uint32_t i = 1; i < pipe->u.pipe.cmds.n; i++) {
        struct tmpl_node *c = pipe->u.pipe.cmds.v[i];
        switch (c->u.args.v[0]->type) {
        case TMPL_NODE_BOOL:
        case TMPL_NODE_DOT:
        case TMPL_NODE_NIL:
        case TMPL_NODE_NUMBER:
        case TMPL_NODE_STRING:
            perrorf(t, "non executable command in pipeline stage %u", i + 1);
        default:
            break;
        }
    }
}

/* useVar's check: is the variable token $x declared? */
static void
check_var(struct ptree *t, const char *name, size_t n)
{
    const char **vars = t->p->vars;
    for (size_t i = t->vbase; i < t->p->nvars; i++)
        if (!strncmp(vars[i], name, n) && vars[i][n] == 0)
            return;
    struct sb q = SB_INIT;
    tmpl_quote(&q, name, n);
    char *m = arena_strndup(t->p->a, q.buf, q.len);
    sb_release(&q);
    perrorf(t, "undefined variable %s", m);
}

/* A FIELD or VARIABLE token and the FIELD tokens right after it (".a.b.c",
 * "$x.a.b": the lexer splits them at the dots) as one node. Go builds a
 * Chain node of them and re-splits its String() into a new Field or
 * Variable node at the chain's position; no identifier holds a dot, so
 * that is one split of the whole text, at the second token's position.
 * The tokens are adjacent in the text: inside an action every byte is in
 * some item (spaces too), so nothing can come between them. */
static struct tmpl_node *
field_or_variable(struct ptree *t, const struct tmpl_item *tok)
{
    uint32_t pos = tok->pos;
    size_t end = (size_t)tok->pos + tok->len;
    /* The tokens' lengths: each holds one identifier (a field's after its
     * dot), so their boundaries are where the dots are. */
    uint32_t lens[16];
    size_t parts = 1;
    lens[0] = tok->len;
    for (;;) {
        struct tmpl_item f = peek(t);
        if (f.type != ITEM_FIELD)
            break;
        next(t);
        if (parts == 1)
            pos = f.pos;
        if (parts < 16)
            lens[parts] = f.len;
        parts++;
        end = (size_t)f.pos + f.len;
    }
    bool field = tok->type == ITEM_FIELD;
    struct tmpl_node *nd = new_node(t, field ? TMPL_NODE_FIELD : TMPL_NODE_VARIABLE, pos);
    const char *s = t->p->lex.input + tok->pos;
    size_t n = end - tok->pos;
    if (field) {
        /* A field's identifiers start after its first dot. */
        s++;
        n--;
        lens[0]--;
    }
    if (parts > 16) {
        split_ident(t, s, n, parts, &nd->u.field.ident, &nd->u.field.n);
        return nd;
    }
    const char **v = arena_alloc(t->p->a, parts * sizeof(*v) + n + 1);
    char *copy = (char *)(v + parts);
    memcpy(copy, s, n);
    copy[n] = 0;
    v[0] = copy;
    size_t off = lens[0];
    for (size_t k = 1; k < parts; k++) {
        copy[off] = 0; /* the dot */
        v[k] = copy + off + 1;
        off += lens[k];
    }
    nd->u.field.ident = v;
    nd->u.field.n = (uint32_t)parts;
    return nd;
}

/* strconv.Unquote of a string token, or the text between its quotes when
 * the lexer saw no escape and no high bit (tmpl_unquote's fast path). */
static const char *
unquote_token(struct ptree *t, const struct tmpl_item *tok, size_t *n)
{
    const char *lit = tv(t, tok);
    if (tok->plain) {
        *n = tok->len - 2;
        return dupn(t, lit + 1, *n);
    }
    const char *s;
    if (tmpl_unquote(t->p->a, lit, tok->len, &s, n) < 0)
        perrorf(t, "invalid syntax");
    return s;
}

/* A literal's hash from its length and its first and last eight bytes
 * (equal hashes are compared in full). */
static uint32_t
hash_lit(const char *s, size_t n)
{
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
    } else {
        memcpy(&a, s, n);
    }
    uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ull) ^ n) * 0xFF51AFD7ED558CCDull;
    return (uint32_t)(h >> 32);
}

/* The slot of literal lit in the parser's table: its entry, or the empty
 * slot it goes in. */
static struct strent *
str_slot(struct strtab *st, const char *lit, size_t n, uint32_t h)
{
    size_t i = h & (st->cap - 1);
    for (;;) {
        struct strent *e = &st->v[i];
        if (!e->lit || (e->hash == h && e->len == n && !memcmp(e->lit, lit, n)))
            return e;
        i = (i + 1) & (st->cap - 1);
    }
}

/* A string literal's value: made once per text and literal. */
static struct val *
string_constant(struct ptree *t, const struct tmpl_item *tok)
{
    struct parser *p = t->p;
    const char *lit = tv(t, tok);
    size_t len = tok->len;
    struct strtab *st = p->strs;
    if ((st->n + 1) * 2 > st->cap) {
        size_t nc = st->cap ? st->cap * 2 : 64;
        struct strent *old = st->v;
        size_t oldcap = st->cap;
        st->v = calloc(nc, sizeof(*st->v));
        if (!st->v)
            abort();
        st->cap = nc;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].lit)
                *str_slot(st, old[i].lit, old[i].len, old[i].hash) = old[i];
        free(old);
    }
    uint32_t h = hash_lit(lit, len);
    struct strent *e = str_slot(st, lit, len, h);
    if (e->lit)
        return e->cval;
    size_t n;
    const char *s = unquote_token(t, tok, &n);
    struct val *v = val_str_nocopy(p->a, s, n);
    v->flags |= VAL_F_READONLY;
    e->lit = lit;
    e->len = (uint32_t)len;
    e->hash = h;
    e->cval = v;
    st->n++;
    return v;
}

static struct tmpl_node *
term(struct ptree *t)
{
    struct tmpl_item tok = next_non_space(t);
    switch (tok.type) {
    case ITEM_IDENTIFIER: {
        /* left as they are when the name is unknown (--skip-func-check) */
        const struct tmpl_sig *sig = NULL;
        bool builtin = false;
        const struct tmpl_func *fn =
            tmpl_func_find(t->p->funcs, tv(t, &tok), tok.len, &sig, &builtin);
        if (!fn && !t->p->skip_func_check) {
            struct sb q = SB_INIT;
            tmpl_quote(&q, tv(t, &tok), tok.len);
            char *m = arena_strndup(t->p->a, q.buf, q.len);
            sb_release(&q);
            perrorf(t, "function %s not defined", m);
        }
        struct tmpl_node *n = new_node(t, TMPL_NODE_IDENTIFIER, tok.pos);
        /* The function table's row names the function (no copy). */
        n->u.ident.name = fn ? fn->name : dupn(t, tv(t, &tok), tok.len);
        n->u.ident.fn = fn;
        n->u.ident.sig = sig;
        n->builtin = builtin;
        return n;
    }
    case ITEM_DOT:
        return new_node(t, TMPL_NODE_DOT, tok.pos);
    case ITEM_NIL:
        return new_node(t, TMPL_NODE_NIL, tok.pos);
    case ITEM_VARIABLE:
        check_var(t, tv(t, &tok), tok.len);
        return field_or_variable(t, &tok);
    case ITEM_FIELD:
        return field_or_variable(t, &tok);
    case ITEM_BOOL: {
        struct tmpl_node *n = new_node(t, TMPL_NODE_BOOL, tok.pos);
        n->u.b = tok.len == 4;
        n->u.cval = val_bool(t->p->a, n->u.b);
        n->u.cval->flags |= VAL_F_READONLY;
        return n;
    }
    case ITEM_CHAR_CONSTANT:
    case ITEM_COMPLEX:
    case ITEM_NUMBER: {
        struct tmpl_node *n = new_number(t, &tok);
        n->u.cval = ideal_value(t->p->a, n);
        return n;
    }
    case ITEM_LEFT_PAREN: {
        if (t->stack_depth >= MAX_STACK_DEPTH)
            perrorf(t, "max expression depth exceeded");
        t->stack_depth++;
        struct tmpl_node *n = pipeline(t, "parenthesized pipeline", ITEM_RIGHT_PAREN);
        t->stack_depth--;
        return n;
    }
    case ITEM_STRING:
    case ITEM_RAW_STRING: {
        struct val *cv = string_constant(t, &tok);
        struct tmpl_node *nd = new_node(t, TMPL_NODE_STRING, tok.pos);
        nd->u.str.quoted = tv(t, &tok); /* into the source text, which the trees keep */
        nd->u.str.qlen = (uint32_t)tok.len;
        nd->u.cval = cv;
        return nd;
    }
    default:
        break;
    }
    backup(t);
    return NULL;
}

static struct tmpl_node *
operand(struct ptree *t)
{
    struct tmpl_node *node = term(t);
    if (!node)
        return NULL;
    if (peek(t).type == ITEM_FIELD) {
        struct tmpl_node *chain = new_node(t, TMPL_NODE_CHAIN, peek(t).pos);
        chain->u.chain.node = node;
        size_t cap = 0;
        while (peek(t).type == ITEM_FIELD) {
            struct tmpl_item f = next(t);
            if (chain->u.chain.nfield == cap) {
                size_t nc = cap ? cap * 2 : 4;
                chain->u.chain.field = arena_realloc(t->p->a, chain->u.chain.field,
                                                     cap * sizeof(char *), nc * sizeof(char *));
                cap = nc;
            }
            chain->u.chain.field[chain->u.chain.nfield++] = dupn(t, tv(t, &f) + 1, f.len - 1);
        }
        switch (node->type) {
        case TMPL_NODE_BOOL:
        case TMPL_NODE_STRING:
        case TMPL_NODE_NUMBER:
        case TMPL_NODE_NIL:
        case TMPL_NODE_DOT: {
            struct sb sb = SB_INIT, q = SB_INIT;
            tmpl_node_string(&sb, node);
            tmpl_quote(&q, sb.buf, sb.len);
            char *m = arena_strndup(t->p->a, q.buf, q.len);
            sb_release(&sb);
            sb_release(&q);
            perrorf(t, "unexpected . after term %s", m);
        }
        default:
            return chain;
        }
    }
    return node;
}

static struct tmpl_node *
command(struct ptree *t)
{
    struct tmpl_node *cmd = new_node(t, TMPL_NODE_COMMAND, peek_non_space(t).pos);
    size_t mark = t->p->nstk;
    for (;;) {
        peek_non_space(t);
        struct tmpl_node *op = operand(t);
        if (op)
            stk_push(t->p, op);
        struct tmpl_item tok = next(t);
        if (tok.type == ITEM_SPACE)
            continue;
        if (tok.type == ITEM_RIGHT_DELIM || tok.type == ITEM_RIGHT_PAREN)
            backup(t);
        else if (tok.type != ITEM_PIPE)
            unexpected(t, &tok, "operand");
        break;
    }
    stk_pop(t->p, mark, &cmd->u.args);
    if (cmd->u.args.n == 0)
        perrorf(t, "empty command");
    return cmd;
}

static struct tmpl_node *
pipeline(struct ptree *t, const char *context, enum tmpl_item_type end)
{
    struct tmpl_item tok = peek_non_space(t);
    struct tmpl_node *pipe = new_node(t, TMPL_NODE_PIPE, tok.pos);
    /* Declarations are few: at most two. */
    struct tmpl_node *decl[2];
    uint32_t ndecl = 0;
decls:;
    struct tmpl_item v = peek_non_space(t);
    if (v.type == ITEM_VARIABLE) {
        next(t);
        struct tmpl_item after = peek(t);
        struct tmpl_item nx = peek_non_space(t);
        if (nx.type == ITEM_ASSIGN || nx.type == ITEM_DECLARE) {
            pipe->is_assign = nx.type == ITEM_ASSIGN;
            next_non_space(t);
            struct tmpl_node *var = new_variable(t, v.pos, tv(t, &v), v.len, 1);
            decl[ndecl++] = var;
            push_var(t, var->u.field.ident[0]);
        } else if (nx.type == ITEM_CHAR && nx.len == 1 && tv(t, &nx)[0] == ',') {
            next_non_space(t);
            struct tmpl_node *var = new_variable(t, v.pos, tv(t, &v), v.len, 1);
            decl[ndecl++] = var;
            push_var(t, var->u.field.ident[0]);
            if (!strcmp(context, "range") && ndecl < 2) {
                switch (peek_non_space(t).type) {
                case ITEM_VARIABLE:
                case ITEM_RIGHT_DELIM:
                case ITEM_RIGHT_PAREN:
                    goto decls;
                default:
                    perrorf(t, "range can only initialize variables");
                }
            }
            perrorf(t, "too many declarations in %s", context);
        } else if (after.type == ITEM_SPACE) {
            backup3(t, v, after);
        } else {
            backup2(t, v);
        }
    }
    if (ndecl) {
        pipe->u.pipe.decl.v = arena_alloc(t->p->a, ndecl * sizeof(*decl));
        memcpy(pipe->u.pipe.decl.v, decl, ndecl * sizeof(*decl));
        pipe->u.pipe.decl.n = ndecl;
    }
    size_t mark = t->p->nstk;
    for (;;) {
        struct tmpl_item tk = next_non_space(t);
        if (tk.type == end) {
            stk_pop(t->p, mark, &pipe->u.pipe.cmds);
            check_pipeline(t, pipe, context);
            return pipe;
        }
        switch (tk.type) {
        case ITEM_BOOL:
        case ITEM_CHAR_CONSTANT:
        case ITEM_COMPLEX:
        case ITEM_DOT:
        case ITEM_FIELD:
        case ITEM_IDENTIFIER:
        case ITEM_NUMBER:
        case ITEM_NIL:
        case ITEM_RAW_STRING:
        case ITEM_STRING:
        case ITEM_VARIABLE:
        case ITEM_LEFT_PAREN:
            backup(t);
            stk_push(t->p, command(t));
            if (t->p->nstk - mark > MAX_PIPELINE_CMDS)
                perrorf(t, "pipeline too long");
            break;
        default:
            unexpected(t, &tk, context);
        }
    }
}

static struct tmpl_node *
parse_control(struct ptree *t, enum tmpl_node_type type, const char *context)
{
    size_t saved_vars = t->p->nvars;
    struct tmpl_node *pipe = pipeline(t, context, ITEM_RIGHT_DELIM);
    if (type == TMPL_NODE_RANGE)
        t->range_depth++;
    struct tmpl_node *nx = NULL;
    struct tmpl_node *list = item_list(t, &nx);
    if (type == TMPL_NODE_RANGE)
        t->range_depth--;
    struct tmpl_node *elselist = NULL;
    if (nx->type == TMPL_NODE_ELSE) {
        if (type == TMPL_NODE_IF && peek(t).type == ITEM_IF) {
            next(t);
            elselist = new_list(t, nx->pos);
            size_t mark = t->p->nstk;
            stk_push(t->p, if_control(t));
            stk_pop(t->p, mark, &elselist->u.list);
        } else if (type == TMPL_NODE_WITH && peek(t).type == ITEM_WITH) {
            next(t);
            elselist = new_list(t, nx->pos);
            size_t mark = t->p->nstk;
            stk_push(t->p, with_control(t));
            stk_pop(t->p, mark, &elselist->u.list);
        } else {
            elselist = item_list(t, &nx);
            if (nx->type != TMPL_NODE_END) {
                char *m;
                node_string_quoted(t, nx, &m);
                perrorf(t, "expected end; found %s", m);
            }
        }
    }
    t->p->nvars = saved_vars;
    struct tmpl_node *n = new_node(t, type, pipe->pos);
    n->u.branch.pipe = pipe;
    n->u.branch.list = list;
    n->u.branch.elselist = elselist;
    return n;
}

static struct tmpl_node *
if_control(struct ptree *t)
{
    return parse_control(t, TMPL_NODE_IF, "if");
}

static struct tmpl_node *
with_control(struct ptree *t)
{
    return parse_control(t, TMPL_NODE_WITH, "with");
}

static const char *
parse_template_name(struct ptree *t, const struct tmpl_item *tok, const char *context)
{
    if (tok->type == ITEM_STRING || tok->type == ITEM_RAW_STRING) {
        size_t n;
        return unquote_token(t, tok, &n);
    }
    unexpected(t, tok, context);
}

static struct tmpl_node *
template_control(struct ptree *t)
{
    const char *context = "template clause";
    struct tmpl_item tok = next_non_space(t);
    const char *name = parse_template_name(t, &tok, context);
    struct tmpl_node *pipe = NULL;
    if (next_non_space(t).type != ITEM_RIGHT_DELIM) {
        backup(t);
        pipe = pipeline(t, context, ITEM_RIGHT_DELIM);
    }
    struct tmpl_node *n = new_node(t, TMPL_NODE_TEMPLATE, tok.pos);
    n->u.tmpl.name = name;
    n->u.tmpl.pipe = pipe;
    return n;
}

static struct tmpl_node *
block_control(struct ptree *t)
{
    const char *context = "block clause";
    struct tmpl_item tok = next_non_space(t);
    const char *name = parse_template_name(t, &tok, context);
    struct tmpl_node *pipe = pipeline(t, context, ITEM_RIGHT_DELIM);

    struct tmpl_tree *bt = arena_alloc(t->p->a, sizeof(*bt));
    bt->name = name;
    bt->src = t->p->src;
    struct ptree block;
    start_parse(&block, t->p, bt);
    size_t saved_vars = block.vbase;
    struct tmpl_node *end = NULL;
    bt->root = item_list(&block, &end);
    if (end->type != TMPL_NODE_END) {
        char *m;
        node_string_quoted(t, end, &m);
        perrorf(t, "unexpected %s in %s", m, context);
    }
    tree_add(&block);
    t->p->nvars = saved_vars;

    struct tmpl_node *n = new_node(t, TMPL_NODE_TEMPLATE, tok.pos);
    n->u.tmpl.name = name;
    n->u.tmpl.pipe = pipe;
    return n;
}

static struct tmpl_node *
action(struct ptree *t)
{
    struct tmpl_item tok = next_non_space(t);
    switch (tok.type) {
    case ITEM_BLOCK:
        return block_control(t);
    case ITEM_BREAK:
    case ITEM_CONTINUE: {
        bool brk = tok.type == ITEM_BREAK;
        struct tmpl_item nx = next_non_space(t);
        if (nx.type != ITEM_RIGHT_DELIM)
            unexpected(t, &nx, brk ? "{{break}}" : "{{continue}}");
        if (t->range_depth == 0)
            perrorf(t, "%s outside {{range}}", brk ? "{{break}}" : "{{continue}}");
        return new_node(t, brk ? TMPL_NODE_BREAK : TMPL_NODE_CONTINUE, tok.pos);
    }
    case ITEM_ELSE: {
        struct tmpl_item pk = peek_non_space(t);
        if (pk.type == ITEM_IF || pk.type == ITEM_WITH)
            return delim_node(t, TMPL_NODE_ELSE, pk.pos);
        struct tmpl_item e = expect(t, ITEM_RIGHT_DELIM, "else");
        return delim_node(t, TMPL_NODE_ELSE, e.pos);
    }
    case ITEM_END: {
        struct tmpl_item e = expect(t, ITEM_RIGHT_DELIM, "end");
        return delim_node(t, TMPL_NODE_END, e.pos);
    }
    case ITEM_IF:
        return if_control(t);
    case ITEM_RANGE:
        return parse_control(t, TMPL_NODE_RANGE, "range");
    case ITEM_TEMPLATE:
        return template_control(t);
    case ITEM_WITH:
        return with_control(t);
    default:
        break;
    }
    backup(t);
    struct tmpl_item pk = peek(t);
    struct tmpl_node *n = new_node(t, TMPL_NODE_ACTION, pk.pos);
    n->u.action = pipeline(t, "command", ITEM_RIGHT_DELIM);
    return n;
}

static struct tmpl_node *
text_or_action(struct ptree *t)
{
    struct tmpl_item tok = next_non_space(t);
    switch (tok.type) {
    case ITEM_TEXT: {
        struct tmpl_node *n = new_node(t, TMPL_NODE_TEXT, tok.pos);
        n->u.text.p = tv(t, &tok); /* points into the source text, which the set keeps */
        n->u.text.n = (uint32_t)tok.len;
        return n;
    }
    case ITEM_LEFT_DELIM: {
        t->in_action = true;
        t->action_tok = tok;
        struct tmpl_node *n = action(t);
        t->in_action = false;
        return n;
    }
    case ITEM_COMMENT:
        return new_node(t, TMPL_NODE_COMMENT, tok.pos);
    default:
        unexpected(t, &tok, "input");
    }
}

static void
parse_definition(struct ptree *t)
{
    const char *context = "define clause";
    struct tmpl_item name = next_non_space(t);
    if (name.type != ITEM_STRING && name.type != ITEM_RAW_STRING)
        unexpected(t, &name, context);
    size_t n;
    t->t->name = unquote_token(t, &name, &n);
    expect(t, ITEM_RIGHT_DELIM, context);
    struct tmpl_node *end = NULL;
    t->t->root = item_list(t, &end);
    if (end->type != TMPL_NODE_END) {
        char *m;
        node_string_quoted(t, end, &m);
        perrorf(t, "unexpected %s in %s", m, context);
    }
    tree_add(t);
}

static void
parse_top(struct ptree *t)
{
    t->t->root = new_list(t, peek(t).pos);
    size_t mark = t->p->nstk;
    while (peek(t).type != ITEM_EOF) {
        if (peek(t).type == ITEM_LEFT_DELIM) {
            struct tmpl_item delim = next(t);
            if (next_non_space(t).type == ITEM_DEFINE) {
                struct tmpl_tree *nt = arena_alloc(t->p->a, sizeof(*nt));
                nt->name = "definition";
                nt->src = t->p->src;
                struct ptree def;
                start_parse(&def, t->p, nt);
                parse_definition(&def);
                t->p->nvars = def.vbase;
                continue;
            }
            backup2(t, delim);
        }
        struct tmpl_node *n = text_or_action(t);
        if (n->type == TMPL_NODE_END || n->type == TMPL_NODE_ELSE) {
            char *m;
            node_string_quoted(t, n, &m);
            perrorf(t, "unexpected %s", m);
        }
        stk_push(t->p, n);
    }
    stk_pop(t->p, mark, &t->t->root->u.list);
}

/* parse_trees' setjmp, in a function of its own: the parser is the
 * caller's, so what the parse changed in it is still there after a
 * longjmp. */
static int
parse_run(struct parser *p, struct ptree *t, struct pkg_err **errp)
{
    if (setjmp(p->jb))
        return pkg_err_set(errp, PKG_ESYNTAX, "%s", p->err);
    parse_top(t);
    tree_add(t);
    return 0;
}

/* Parses one text into its trees (the top one and its definitions, in the
 * order Go adds them), without touching any namespace: files can be parsed
 * on several threads and added in order afterwards. */
static int
parse_trees(struct treeset *out, struct arena *a, struct strtab *strs, enum tmpl_funcset funcs,
            bool skip_func_check, const char *name, const char *text, size_t len, bool borrow,
            struct pkg_err **errp)
{
    if (len >= UINT32_MAX)
        return pkg_err_set(errp, PKG_ELIMIT, "template: %s: text of %zu bytes is too long (4 GiB)",
                           name, len);
    /* The parser's state lives on the stack, its scratch stacks on the
     * heap: only the trees and their strings go to the arena. */
    struct parser p;
    memset(&p, 0, sizeof(p));
    struct tmpl_src *src = arena_alloc(a, sizeof(*src));
    src->name = arena_strdup(a, name);
    src->text = borrow ? text : arena_strndup(a, text, len);
    src->len = len;
    p.a = a;
    p.strs = strs;
    p.src = src;
    p.funcs = funcs;
    p.skip_func_check = skip_func_check;
    tmpl_lex_init(&p.lex, a, src->text, len);
    p.lex.break_ok = !tmpl_func_find(funcs, "break", 5, NULL, NULL);
    p.lex.continue_ok = !tmpl_func_find(funcs, "continue", 8, NULL, NULL);

    struct tmpl_tree *top = arena_alloc(a, sizeof(*top));
    top->name = src->name;
    top->src = src;
    struct ptree t;
    start_parse(&t, &p, top);
    int rc = parse_run(&p, &t, errp);
    free(p.stk);
    free(p.vars);
    if (rc == 0)
        *out = p.set;
    return rc;
}

static int
parse(struct tmpl_ns *ns, struct arena *a, enum tmpl_funcset funcs, bool skip_func_check,
      const char *name, const char *text, size_t len, bool borrow, struct pkg_err **errp)
{
    struct treeset set;
    struct strtab strs = {0};
    int rc = parse_trees(&set, a, &strs, funcs, skip_func_check, name, text, len, borrow, errp);
    strtab_release(&strs);
    if (rc)
        return rc;
    for (size_t i = 0; i < set.n; i++)
        tmpl_ns_add(ns, set.v[i]);
    return 0;
}

int
tmpl_parse(struct tmpl_ns *ns, struct arena *a, enum tmpl_funcset funcs, bool skip_func_check,
           const char *name, const char *text, size_t len, struct pkg_err **errp)
{
    return parse(ns, a, funcs, skip_func_check, name, text, len, false, errp);
}

int
tmpl_parse_borrowed(struct tmpl_ns *ns, struct arena *a, enum tmpl_funcset funcs,
                    bool skip_func_check, const char *name, const char *text, size_t len,
                    struct pkg_err **errp)
{
    return parse(ns, a, funcs, skip_func_check, name, text, len, true, errp);
}

/* ---- many files on two threads ---- */

/* Below this much text a second thread costs more than it saves (see
 * chart/template.c, PARSE_THREAD_MIN). */
#define PARALLEL_MIN_BYTES ((size_t)1 << 20)

struct file_result {
    struct treeset set;
    struct pkg_err *err;
    int rc;
};

struct files_job {
    const struct tmpl_parse_file *files;
    struct file_result *res;
    size_t n;
    enum tmpl_funcset funcs;
    bool skip_func_check;
    bool keep_going; /* parse every file, failed or not (parse-ahead) */
    size_t next;     /* the next file to take (atomic) */
    bool stop;       /* a file failed, or the job was cancelled: take no more (atomic) */
    struct arena *helper_arena;
};

/* Takes files in order until none is left or one has failed. Files are
 * taken in increasing order, so when file k fails every file before it has
 * been taken and is finished once both workers return. */
static void
files_work(struct files_job *j, struct arena *a)
{
    struct strtab strs = {0}; /* this thread's: its values are in a */
    for (;;) {
        if (__atomic_load_n(&j->stop, __ATOMIC_ACQUIRE))
            break;
        size_t i = __atomic_fetch_add(&j->next, 1, __ATOMIC_ACQ_REL);
        if (i >= j->n)
            break;
        struct file_result *r = &j->res[i];
        r->rc = parse_trees(&r->set, a, &strs, j->funcs, j->skip_func_check, j->files[i].name,
                            j->files[i].text, j->files[i].len, true, &r->err);
        if (r->rc && !j->keep_going)
            __atomic_store_n(&j->stop, true, __ATOMIC_RELEASE);
    }
    strtab_release(&strs);
}

static void *
files_helper(void *arg)
{
    struct files_job *j = arg;
    files_work(j, j->helper_arena);
    return NULL;
}

/* Starts a thread that works on j with a stack_size stack and an arena of
 * its own (j->helper_arena). False when no thread could be made. */
static bool
files_thread(struct files_job *j, pthread_t *th, size_t stack_size)
{
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return false;
    j->helper_arena = arena_new();
    bool ok = pthread_attr_setstacksize(&attr, stack_size) == 0 &&
              pthread_create(th, &attr, files_helper, j) == 0;
    pthread_attr_destroy(&attr);
    return ok;
}

/* ---- parsing ahead ---- */

/* Files parsed before the caller knows which of them will be rendered and
 * under which names: a chart's templates, on a thread of their own while
 * the rest of the chart loads. tmpl_parse_borrowed_files takes the trees
 * of the files it is given (same text, same length), renamed; the ones
 * that failed are parsed again under their real names for the message. */
struct tmpl_parse_ahead {
    struct files_job j;
    struct tmpl_parse_file *files; /* j.files, ours */
    size_t *by_text;               /* indices of files by text address */
    pthread_t th;
    bool threaded, joined;
};

struct tmpl_parse_ahead *
tmpl_parse_ahead_start(const struct tmpl_parse_file *files, size_t n, enum tmpl_funcset funcs,
                       size_t stack_size)
{
    struct tmpl_parse_ahead *pa = xcalloc(1, sizeof(*pa));
    pa->files = xcalloc(n ? n : 1, sizeof(*pa->files));
    if (n)
        memcpy(pa->files, files, n * sizeof(*files));
    pa->j.files = pa->files;
    pa->j.res = xcalloc(n ? n : 1, sizeof(*pa->j.res));
    pa->j.n = n;
    pa->j.funcs = funcs;
    pa->j.keep_going = true;
    pa->threaded = files_thread(&pa->j, &pa->th, stack_size);
    return pa;
}

static int
cmp_text(const void *x, const void *y, void *arg)
{
    const struct tmpl_parse_file *f = arg;
    uintptr_t a = (uintptr_t)f[*(const size_t *)x].text, b = (uintptr_t)f[*(const size_t *)y].text;
    return a < b ? -1 : a > b;
}

/* Joins the work (this thread parses what is left, into a) and waits for
 * the thread; the trees' arenas are then adopted by a. */
static void
ahead_finish(struct tmpl_parse_ahead *pa, struct arena *a)
{
    files_work(&pa->j, a);
    if (pa->threaded && !pa->joined)
        pthread_join(pa->th, NULL);
    pa->joined = true;
    arena_adopt(a, pa->j.helper_arena);
    pa->j.helper_arena = NULL;
    if (pa->by_text)
        return; /* finished by an earlier parse */
    pa->by_text = xcalloc(pa->j.n ? pa->j.n : 1, sizeof(*pa->by_text));
    for (size_t i = 0; i < pa->j.n; i++)
        pa->by_text[i] = i;
    qsort_r(pa->by_text, pa->j.n, sizeof(*pa->by_text), cmp_text, pa->files);
}

/* The parsed trees of a file with this text, renamed to name, or false.
 * Each result is handed out once. */
static bool
ahead_take(struct tmpl_parse_ahead *pa, struct arena *a, const struct tmpl_parse_file *f,
           struct file_result *out)
{
    size_t lo = 0, hi = pa->j.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uintptr_t)pa->files[pa->by_text[mid]].text < (uintptr_t)f->text)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == pa->j.n)
        return false;
    size_t k = pa->by_text[lo];
    struct file_result *r = &pa->j.res[k];
    if (pa->files[k].text != f->text || pa->files[k].len != f->len || r->rc || !r->set.v)
        return false;
    /* Every tree of the file shares its source; the file's own tree
     * carries the source's name. A definition named like the file, under
     * either name, would have met it in the parser's checks: parse again. */
    struct tmpl_src *src = (struct tmpl_src *)r->set.v[0]->src;
    const char *old = src->name;
    for (size_t i = 0; i < r->set.n; i++) {
        const char *tn = r->set.v[i]->name;
        if (tn != old && (!strcmp(tn, old) || !strcmp(tn, f->name)))
            return false;
    }
    *out = *r;
    memset(r, 0, sizeof(*r));
    r->rc = -1; /* taken */
    const char *name = arena_strdup(a, f->name);
    for (size_t i = 0; i < out->set.n; i++)
        if (out->set.v[i]->name == old)
            out->set.v[i]->name = name;
    src->name = name;
    return true;
}

void
tmpl_parse_ahead_free(struct tmpl_parse_ahead *pa)
{
    if (!pa)
        return;
    if (pa->threaded && !pa->joined) {
        __atomic_store_n(&pa->j.stop, true, __ATOMIC_RELEASE);
        pthread_join(pa->th, NULL);
    }
    arena_free(pa->j.helper_arena);
    for (size_t i = 0; i < pa->j.n; i++)
        pkg_err_free(pa->j.res[i].err);
    free(pa->j.res);
    free(pa->by_text);
    free(pa->files);
    free(pa);
}

/* Parses files[idx[0..m)] into res[idx[k]], on two threads when the texts
 * are large. */
static void
parse_some(struct file_result *res, struct arena *a, enum tmpl_funcset funcs, bool skip_func_check,
           const struct tmpl_parse_file *files, const size_t *idx, size_t m, size_t stack_size)
{
    struct tmpl_parse_file *sub = xcalloc(m ? m : 1, sizeof(*sub));
    size_t bytes = 0;
    for (size_t k = 0; k < m; k++) {
        sub[k] = files[idx[k]];
        bytes += sub[k].len;
    }
    struct files_job j = {
        sub, xcalloc(m ? m : 1, sizeof(*j.res)), m, funcs, skip_func_check, false, 0, false, NULL};
    pthread_t th;
    bool threaded = m > 1 && bytes >= PARALLEL_MIN_BYTES && sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
                    files_thread(&j, &th, stack_size);
    files_work(&j, a);
    if (threaded)
        pthread_join(th, NULL);
    arena_adopt(a, j.helper_arena);
    for (size_t k = 0; k < m; k++)
        res[idx[k]] = j.res[k];
    free(j.res);
    free(sub);
}

int
tmpl_parse_borrowed_files(struct tmpl_ns *ns, struct arena *a, enum tmpl_funcset funcs,
                          bool skip_func_check, const struct tmpl_parse_file *files, size_t n,
                          size_t stack_size, struct tmpl_parse_ahead *pa, size_t *failed,
                          struct pkg_err **errp)
{
    struct file_result *res = xcalloc(n ? n : 1, sizeof(*res));
    size_t *todo = xcalloc(n ? n : 1, sizeof(*todo));
    size_t m = 0;
    bool use_ahead = pa && pa->j.funcs == funcs && !skip_func_check;
    if (use_ahead)
        ahead_finish(pa, a);
    for (size_t i = 0; i < n; i++)
        if (!use_ahead || !ahead_take(pa, a, &files[i], &res[i]))
            todo[m++] = i;
    if (m)
        parse_some(res, a, funcs, skip_func_check, files, todo, m, stack_size);
    free(todo);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct file_result *r = &res[i];
        if (r->rc) {
            rc = r->rc;
            if (failed)
                *failed = i;
            if (errp) {
                pkg_err_free(*errp);
                *errp = r->err;
                r->err = NULL;
            }
            break;
        }
        for (size_t k = 0; k < r->set.n; k++)
            tmpl_ns_add(ns, r->set.v[k]);
    }
    for (size_t i = 0; i < n; i++)
        pkg_err_free(res[i].err);
    free(res);
    return rc;
}

bool
tmpl_tree_is_empty(const struct tmpl_node *n)
{
    if (!n)
        return true;
    switch (n->type) {
    case TMPL_NODE_COMMENT:
        return true;
    case TMPL_NODE_LIST:
        for (uint32_t i = 0; i < n->u.list.n; i++)
            if (!tmpl_tree_is_empty(n->u.list.v[i]))
                return false;
        return true;
    case TMPL_NODE_TEXT:
        return tmpl_is_space_only(n->u.text.p, n->u.text.n);
    default:
        return false;
    }
}

/* ---- Node.String() ---- */

static void
pipe_string(struct sb *sb, const struct tmpl_node *p)
{
    if (!p) {
        sb_addstr(sb, "<nil>");
        return;
    }
    if (p->u.pipe.decl.n > 0) {
        for (uint32_t i = 0; i < p->u.pipe.decl.n; i++) {
            if (i > 0)
                sb_addstr(sb, ", ");
            tmpl_node_string(sb, p->u.pipe.decl.v[i]);
        }
        sb_addstr(sb, p->is_assign ? " = " : " := ");
    }
    for (uint32_t i = 0; i < p->u.pipe.cmds.n; i++) {
        if (i > 0)
            sb_addstr(sb, " | ");
        tmpl_node_string(sb, p->u.pipe.cmds.v[i]);
    }
}

void
tmpl_node_string(struct sb *sb, const struct tmpl_node *n)
{
    switch (n->type) {
    case TMPL_NODE_TEXT:
        sb_add(sb, n->u.text.p, n->u.text.n);
        break;
    case TMPL_NODE_COMMENT: {
        /* Comments never become nodes (no ParseComments mode). */
        sb_addstr(sb, "{{}}");
        break;
    }
    case TMPL_NODE_ACTION:
        sb_addstr(sb, "{{");
        pipe_string(sb, n->u.action);
        sb_addstr(sb, "}}");
        break;
    case TMPL_NODE_BOOL:
        sb_addstr(sb, n->u.b ? "true" : "false");
        break;
    case TMPL_NODE_CHAIN:
        if (n->u.chain.node->type == TMPL_NODE_PIPE) {
            sb_addch(sb, '(');
            tmpl_node_string(sb, n->u.chain.node);
            sb_addch(sb, ')');
        } else {
            tmpl_node_string(sb, n->u.chain.node);
        }
        for (uint32_t i = 0; i < n->u.chain.nfield; i++) {
            sb_addch(sb, '.');
            sb_addstr(sb, n->u.chain.field[i]);
        }
        break;
    case TMPL_NODE_COMMAND:
        for (uint32_t i = 0; i < n->u.args.n; i++) {
            if (i > 0)
                sb_addch(sb, ' ');
            const struct tmpl_node *arg = n->u.args.v[i];
            if (arg->type == TMPL_NODE_PIPE) {
                sb_addch(sb, '(');
                tmpl_node_string(sb, arg);
                sb_addch(sb, ')');
            } else {
                tmpl_node_string(sb, arg);
            }
        }
        break;
    case TMPL_NODE_DOT:
        sb_addch(sb, '.');
        break;
    case TMPL_NODE_ELSE:
        sb_addstr(sb, "{{else}}");
        break;
    case TMPL_NODE_END:
        sb_addstr(sb, "{{end}}");
        break;
    case TMPL_NODE_FIELD:
        for (uint32_t i = 0; i < n->u.field.n; i++) {
            sb_addch(sb, '.');
            sb_addstr(sb, n->u.field.ident[i]);
        }
        break;
    case TMPL_NODE_VARIABLE:
        for (uint32_t i = 0; i < n->u.field.n; i++) {
            if (i > 0)
                sb_addch(sb, '.');
            sb_addstr(sb, n->u.field.ident[i]);
        }
        break;
    case TMPL_NODE_IDENTIFIER:
        sb_addstr(sb, n->u.ident.name);
        break;
    case TMPL_NODE_IF:
    case TMPL_NODE_RANGE:
    case TMPL_NODE_WITH:
        sb_addstr(sb, n->type == TMPL_NODE_IF      ? "{{if "
                      : n->type == TMPL_NODE_RANGE ? "{{range "
                                                   : "{{with ");
        pipe_string(sb, n->u.branch.pipe);
        sb_addstr(sb, "}}");
        tmpl_node_string(sb, n->u.branch.list);
        if (n->u.branch.elselist) {
            sb_addstr(sb, "{{else}}");
            tmpl_node_string(sb, n->u.branch.elselist);
        }
        sb_addstr(sb, "{{end}}");
        break;
    case TMPL_NODE_LIST:
        for (uint32_t i = 0; i < n->u.list.n; i++)
            tmpl_node_string(sb, n->u.list.v[i]);
        break;
    case TMPL_NODE_NIL:
        sb_addstr(sb, "nil");
        break;
    case TMPL_NODE_NUMBER:
        sb_add(sb, n->u.number->text, n->u.number->len);
        break;
    case TMPL_NODE_PIPE:
        pipe_string(sb, n);
        break;
    case TMPL_NODE_STRING:
        sb_add(sb, n->u.str.quoted, n->u.str.qlen);
        break;
    case TMPL_NODE_TEMPLATE:
        sb_addstr(sb, "{{template ");
        tmpl_quote(sb, n->u.tmpl.name, strlen(n->u.tmpl.name));
        if (n->u.tmpl.pipe) {
            sb_addch(sb, ' ');
            pipe_string(sb, n->u.tmpl.pipe);
        }
        sb_addstr(sb, "}}");
        break;
    case TMPL_NODE_BREAK:
        sb_addstr(sb, "{{break}}");
        break;
    case TMPL_NODE_CONTINUE:
        sb_addstr(sb, "{{continue}}");
        break;
    }
}

/* ---- namespaces ---- */

static uint64_t
hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static struct tmpl_tree **
ns_slot(const struct tmpl_ns *ns, const char *name)
{
    if (!ns->cap)
        return NULL;
    size_t i = hash_str(name) & (ns->cap - 1);
    for (;;) {
        struct tmpl_tree **s = &ns->slots[i];
        if (!*s || !strcmp((*s)->name, name))
            return s;
        i = (i + 1) & (ns->cap - 1);
    }
}

struct tmpl_tree *
tmpl_ns_lookup(const struct tmpl_ns *ns, const char *name)
{
    for (; ns; ns = ns->parent) {
        struct tmpl_tree **s = ns_slot(ns, name);
        if (s && *s)
            return *s;
    }
    return NULL;
}

void
tmpl_ns_add(struct tmpl_ns *ns, struct tmpl_tree *tree)
{
    struct tmpl_tree *old = tmpl_ns_lookup(ns, tree->name);
    if (old && tmpl_tree_is_empty(tree->root) && old->root)
        return;
    if ((ns->n + 1) * 2 > ns->cap) {
        size_t nc = ns->cap ? ns->cap * 2 : 64;
        struct tmpl_tree **old_slots = ns->slots;
        size_t old_cap = ns->cap;
        ns->slots = calloc(nc, sizeof(*ns->slots));
        if (!ns->slots)
            abort();
        ns->cap = nc;
        for (size_t i = 0; i < old_cap; i++)
            if (old_slots[i])
                *ns_slot(ns, old_slots[i]->name) = old_slots[i];
        free(old_slots);
    }
    struct tmpl_tree **s = ns_slot(ns, tree->name);
    if (!*s)
        ns->n++;
    *s = tree;
}

void
tmpl_ns_release(struct tmpl_ns *ns)
{
    free(ns->slots);
    ns->slots = NULL;
    ns->cap = ns->n = 0;
}
