/* The template lexer: Go's text/template/parse/lex.go state machine, item
 * for item (trim markers, comments, numbers, quotes, keywords), pulled one
 * item at a time by the parser. */
#include "core/text.h"
#include "render/tree.h"

#include <stdio.h>
#include <string.h>

#define EOF_RUNE (-1)

enum lex_state {
    ST_TEXT,
    ST_LEFT_DELIM,
    ST_COMMENT,
    ST_RIGHT_DELIM,
    ST_INSIDE,
    ST_SPACE,
    ST_IDENTIFIER,
    ST_FIELD,
    ST_VARIABLE,
    ST_CHAR,
    ST_NUMBER,
    ST_QUOTE,
    ST_RAW_QUOTE,
    ST_DONE, /* an item is ready */
};

void
tmpl_lex_init(struct tmpl_lexer *l, struct arena *a, const char *input, size_t len)
{
    memset(l, 0, sizeof(*l));
    l->input = input;
    l->len = len;
    l->a = a;
    l->break_ok = true;
    l->continue_ok = true;
}

/* ASCII classes: Go's isAlphaNumeric, isSpace and atTerminator's set. */
enum { C_ALNUM = 1, C_SPACE = 2, C_TERM = 4 };
static const unsigned char cls[256] = {
    ['0' ... '9'] = C_ALNUM,
    ['a' ... 'z'] = C_ALNUM,
    ['A' ... 'Z'] = C_ALNUM,
    ['_'] = C_ALNUM,
    [' '] = C_SPACE | C_TERM,
    ['\t'] = C_SPACE | C_TERM,
    ['\r'] = C_SPACE | C_TERM,
    ['\n'] = C_SPACE | C_TERM,
    ['.'] = C_TERM,
    [','] = C_TERM,
    ['|'] = C_TERM,
    [':'] = C_TERM,
    [')'] = C_TERM,
    ['('] = C_TERM,
};

static __attribute__((noinline)) int
lnext_slow(struct tmpl_lexer *l)
{
    size_t w;
    uint32_t r = utf8_rune(l->input + l->pos, l->len - l->pos, &w);
    l->pos += w;
    return (int)r;
}

static inline int
lnext(struct tmpl_lexer *l)
{
    if (l->pos >= l->len) {
        l->at_eof = true;
        return EOF_RUNE;
    }
    unsigned char c = (unsigned char)l->input[l->pos];
    if (c < 0x80) {
        l->pos++;
        return c;
    }
    return lnext_slow(l);
}

/* Steps back over one rune (utf8.DecodeLastRuneInString) ending in a
 * non-ASCII byte. */
static __attribute__((noinline)) void
lbackup_slow(struct tmpl_lexer *l)
{
    size_t p = l->pos - 1;
    size_t start = p;
    size_t lim = l->pos >= 4 ? l->pos - 4 : 0;
    while (start > lim && ((unsigned char)l->input[start] & 0xC0) == 0x80)
        start--;
    size_t w;
    utf8_rune(l->input + start, l->pos - start, &w);
    if (start + w == l->pos)
        p = start;
    l->pos = p;
}

static inline void
lbackup(struct tmpl_lexer *l)
{
    if (l->at_eof || l->pos == 0)
        return;
    unsigned char c = (unsigned char)l->input[l->pos - 1];
    if (c >= 0x80) {
        lbackup_slow(l);
        return;
    }
    l->pos--;
}

static inline int
lpeek(struct tmpl_lexer *l)
{
    int r = lnext(l);
    lbackup(l);
    return r;
}

static inline bool
has_prefix(const struct tmpl_lexer *l, size_t at, const char *p)
{
    size_t n = strlen(p);
    return at <= l->len && l->len - at >= n && memcmp(l->input + at, p, n) == 0;
}

/* Is "}}" at `at`? */
static inline bool
has_right_delim(const struct tmpl_lexer *l, size_t at)
{
    return at <= l->len && l->len - at >= 2 && l->input[at] == '}' && l->input[at + 1] == '}';
}

/* Newlines in s[0..n), eight bytes at a time. */
static size_t
count_nl(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, low7 = 0x7F7F7F7F7F7F7F7Full;
    size_t c = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t x = w ^ (ones * '\n');
        /* High bit set in each byte of x that is zero. */
        uint64_t z = ~(((x & low7) + low7) | x | low7);
        c += (size_t)(((z >> 7) * ones) >> 56);
    }
    for (; i < n; i++)
        c += s[i] == '\n';
    return c;
}

static inline bool
is_space(int r)
{
    return r >= 0 && r < 0x80 && (cls[r] & C_SPACE);
}

static inline bool
is_alnum(int r)
{
    if (r < 0)
        return false;
    if (r < 0x80)
        return cls[r] & C_ALNUM;
    return tmpl_uni_is_letter((uint32_t)r) || tmpl_uni_is_digit((uint32_t)r);
}

/* Go's `for { r = next(); if !isAlphaNumeric(r) { backup(); break } }`:
 * returns the rune that ended the run, not consumed. */
static int
scan_alnum(struct tmpl_lexer *l)
{
    for (;;) {
        if (l->pos < l->len) {
            unsigned char c = (unsigned char)l->input[l->pos];
            if (c < 0x80) {
                if (cls[c] & C_ALNUM) {
                    l->pos++;
                    continue;
                }
                return c;
            }
        }
        int r = lnext(l);
        if (!is_alnum(r)) {
            lbackup(l);
            return r;
        }
    }
}

static inline bool
has_left_trim(const struct tmpl_lexer *l, size_t at)
{
    return l->len - at >= 2 && l->input[at] == '-' && is_space((unsigned char)l->input[at + 1]);
}

static inline bool
has_right_trim(const struct tmpl_lexer *l, size_t at)
{
    return at <= l->len && l->len - at >= 2 && is_space((unsigned char)l->input[at]) &&
           l->input[at + 1] == '-';
}

/* An item, made in registers: GCC builds a struct of 32- and 8-bit
 * members in memory a member at a time and returns it with wider loads,
 * which cannot be forwarded from those stores (a stall of ~15 cycles an
 * item). Two 64- and 32-bit words copied in are returned as they are. */
static inline struct tmpl_item
mk_item(size_t pos, size_t len, unsigned type, unsigned plain, unsigned after_err)
{
    struct tmpl_item i;
    uint64_t w = (uint32_t)pos | (uint64_t)(uint32_t)len << 32;
    uint32_t m = (type & 0xFF) | (plain & 0xFF) << 8 | (after_err & 0xFF) << 16;
    _Static_assert(sizeof(i) == 12 && offsetof(struct tmpl_item, type) == 8,
                   "struct tmpl_item: pos, len, then four bytes");
    memcpy(&i, &w, 8);
    memcpy((char *)&i + 8, &m, 4);
    return i;
}

static struct tmpl_item
this_item(struct tmpl_lexer *l, enum tmpl_item_type t)
{
    struct tmpl_item i = mk_item(l->start, l->pos - l->start, t, 0, l->failed);
    l->start = l->pos;
    return i;
}

static enum lex_state
emit_item(struct tmpl_lexer *l, struct tmpl_item i)
{
    l->item = i;
    return ST_DONE;
}

static enum lex_state
emit(struct tmpl_lexer *l, enum tmpl_item_type t)
{
    return emit_item(l, this_item(l, t));
}

static void
ignore(struct tmpl_lexer *l)
{
    l->start = l->pos;
}

/* The character sets of Go's number lexer (accept, acceptRun), one bit
 * each. */
enum {
    N_SIGN = 1 << 0, /* +- */
    N_ZERO = 1 << 1, /* 0 */
    N_X = 1 << 2,    /* xX */
    N_O = 1 << 3,    /* oO */
    N_B = 1 << 4,    /* bB */
    N_DOT = 1 << 5,  /* . */
    N_E = 1 << 6,    /* eE */
    N_P = 1 << 7,    /* pP */
    N_I = 1 << 8,    /* i */
    N_D10 = 1 << 9,  /* 0123456789_ */
    N_D16 = 1 << 10, /* 0123456789abcdefABCDEF_ */
    N_D8 = 1 << 11,  /* 01234567_ */
    N_D2 = 1 << 12,  /* 01_ */
};
static const uint16_t numcls[128] = {
    ['+'] = N_SIGN,
    ['-'] = N_SIGN,
    ['0'] = N_ZERO | N_D10 | N_D16 | N_D8 | N_D2,
    ['1'] = N_D10 | N_D16 | N_D8 | N_D2,
    ['2' ... '7'] = N_D10 | N_D16 | N_D8,
    ['8' ... '9'] = N_D10 | N_D16,
    ['_'] = N_D10 | N_D16 | N_D8 | N_D2,
    ['a'] = N_D16,
    ['b'] = N_D16 | N_B,
    ['c' ... 'd'] = N_D16,
    ['e'] = N_D16 | N_E,
    ['f'] = N_D16,
    ['A'] = N_D16,
    ['B'] = N_D16 | N_B,
    ['C' ... 'D'] = N_D16,
    ['E'] = N_D16 | N_E,
    ['F'] = N_D16,
    ['x'] = N_X,
    ['X'] = N_X,
    ['o'] = N_O,
    ['O'] = N_O,
    ['p'] = N_P,
    ['P'] = N_P,
    ['.'] = N_DOT,
    ['i'] = N_I,
};

/* Go's accept: consumes the next rune when it is in the set. Every set is
 * ASCII: another ASCII byte is simply not taken; the end and non-ASCII
 * runes go through next and backup as in Go (at_eof). */
static bool
accept(struct tmpl_lexer *l, unsigned set)
{
    if (l->pos < l->len) {
        unsigned char c = (unsigned char)l->input[l->pos];
        if (c < 0x80) {
            if (!(numcls[c] & set))
                return false;
            l->pos++;
            return true;
        }
    }
    lnext(l);
    lbackup(l);
    return false;
}

static void
accept_run(struct tmpl_lexer *l, unsigned set)
{
    while (accept(l, set))
        ;
}

/* %#U of a rune, as fmt writes it. */
static void
fmt_sharp_u(char *buf, size_t n, int r)
{
    int k = snprintf(buf, n, "U+%04X", (unsigned)r);
    if (r >= 0 && tmpl_uni_is_print((uint32_t)r) && (size_t)k + 8 < n) {
        struct sb sb = SB_INIT;
        utf8_append(&sb, (uint32_t)r);
        snprintf(buf + k, n - (size_t)k, " '%s'", sb.buf);
        sb_release(&sb);
    }
}

static enum lex_state __attribute__((format(printf, 2, 3)))
errorf(struct tmpl_lexer *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct sb sb = SB_INIT;
    sb_vaddf(&sb, fmt, ap);
    va_end(ap);
    l->errmsg = arena_strndup(l->a, sb.buf, sb.len);
    struct tmpl_item i = mk_item(l->start, sb.len, ITEM_ERROR, 0, l->failed);
    if (!l->failed) {
        l->failed = true;
        l->err_pos = (uint32_t)l->start;
    }
    sb_release(&sb);
    l->item = i;
    l->start = 0;
    l->pos = 0;
    l->len = 0;
    return ST_DONE;
}

/* Is the lexer at a right delimiter, possibly preceded by a trim marker? */
static inline bool
at_right_delim(struct tmpl_lexer *l, bool *trim)
{
    if (has_right_trim(l, l->pos) && has_right_delim(l, l->pos + 2)) {
        *trim = true;
        return true;
    }
    *trim = false;
    return has_right_delim(l, l->pos);
}

static size_t
right_trim_len(const char *s, size_t n)
{
    size_t k = n;
    while (k > 0 && is_space((unsigned char)s[k - 1]))
        k--;
    return n - k;
}

static size_t
left_trim_len(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && is_space((unsigned char)s[k]))
        k++;
    return k;
}

/* The first "{{" in s[0..n): memchr finds candidates far faster than
 * memmem looks for a two-byte needle. */
static const char *
find_left_delim(const char *s, size_t n)
{
    const char *e = s + n;
    while ((s = memchr(s, '{', (size_t)(e - s))) != NULL) {
        if (s + 1 < e && s[1] == '{')
            return s;
        s++;
    }
    return NULL;
}

static enum lex_state
lex_text(struct tmpl_lexer *l)
{
    const char *p = l->pos < l->len ? find_left_delim(l->input + l->pos, l->len - l->pos) : NULL;
    if (p) {
        size_t x = (size_t)(p - (l->input + l->pos));
        if (x > 0) {
            l->pos += x;
            size_t trim = 0;
            size_t delim_end = l->pos + 2;
            if (has_left_trim(l, delim_end))
                trim = right_trim_len(l->input + l->start, l->pos - l->start);
            l->pos -= trim;
            struct tmpl_item i = this_item(l, ITEM_TEXT);
            l->pos += trim;
            ignore(l);
            if (i.len > 0)
                return emit_item(l, i);
        }
        return ST_LEFT_DELIM;
    }
    l->pos = l->len;
    if (l->pos > l->start) {
        return emit(l, ITEM_TEXT);
    }
    return emit(l, ITEM_EOF);
}

static enum lex_state
lex_left_delim(struct tmpl_lexer *l)
{
    l->pos += 2;
    bool trim = has_left_trim(l, l->pos);
    size_t after = trim ? 2 : 0;
    if (has_prefix(l, l->pos + after, "/*")) {
        l->pos += after;
        ignore(l);
        return ST_COMMENT;
    }
    struct tmpl_item i = this_item(l, ITEM_LEFT_DELIM);
    l->inside_action = true;
    l->pos += after;
    ignore(l);
    l->paren_depth = 0;
    return emit_item(l, i);
}

static enum lex_state
lex_comment(struct tmpl_lexer *l)
{
    l->pos += 2;
    /* The comment's end: memchr from '*' to '*' (memmem is slow on the
     * long comments of chart libraries). */
    const char *p = l->input + l->pos, *e = l->input + l->len;
    while ((p = memchr(p, '*', (size_t)(e - p))) != NULL && !(p + 1 < e && p[1] == '/'))
        p++;
    if (!p)
        return errorf(l, "unclosed comment");
    l->pos = (size_t)(p - l->input) + 2;
    bool trim;
    if (!at_right_delim(l, &trim))
        return errorf(l, "comment ends before closing delimiter");
    struct tmpl_item i = this_item(l, ITEM_COMMENT);
    (void)i;
    if (trim)
        l->pos += 2;
    l->pos += 2;
    if (trim)
        l->pos += left_trim_len(l->input + l->pos, l->len - l->pos);
    ignore(l);
    return ST_TEXT;
}

static enum lex_state
lex_right_delim(struct tmpl_lexer *l)
{
    bool trim;
    at_right_delim(l, &trim);
    if (trim) {
        l->pos += 2;
        ignore(l);
    }
    l->pos += 2;
    struct tmpl_item i = this_item(l, ITEM_RIGHT_DELIM);
    if (trim) {
        l->pos += left_trim_len(l->input + l->pos, l->len - l->pos);
        ignore(l);
    }
    l->inside_action = false;
    return emit_item(l, i);
}

static enum lex_state
lex_inside(struct tmpl_lexer *l)
{
    bool trim;
    if (at_right_delim(l, &trim)) {
        if (l->paren_depth == 0)
            return ST_RIGHT_DELIM;
        return errorf(l, "unclosed left paren");
    }
    int r = lnext(l);
    if (r == EOF_RUNE)
        return errorf(l, "unclosed action");
    if (is_space(r)) {
        lbackup(l);
        return ST_SPACE;
    }
    switch (r) {
    case '=':
        return emit(l, ITEM_ASSIGN);
    case ':':
        if (lnext(l) != '=')
            return errorf(l, "expected :=");
        return emit(l, ITEM_DECLARE);
    case '|':
        return emit(l, ITEM_PIPE);
    case '"':
        return ST_QUOTE;
    case '`':
        return ST_RAW_QUOTE;
    case '$':
        return ST_VARIABLE;
    case '\'':
        return ST_CHAR;
    case '.':
        if (l->pos < l->len) {
            char c = l->input[l->pos];
            if (c < '0' || c > '9')
                return ST_FIELD;
        }
        lbackup(l);
        return ST_NUMBER;
    case '(':
        l->paren_depth++;
        return emit(l, ITEM_LEFT_PAREN);
    case ')':
        l->paren_depth--;
        if (l->paren_depth < 0)
            return errorf(l, "unexpected right paren");
        return emit(l, ITEM_RIGHT_PAREN);
    }
    if (r == '+' || r == '-' || (r >= '0' && r <= '9')) {
        lbackup(l);
        return ST_NUMBER;
    }
    if (is_alnum(r)) {
        lbackup(l);
        return ST_IDENTIFIER;
    }
    if (r < 0x80 && r >= 0x20 && r < 0x7F)
        return emit(l, ITEM_CHAR);
    char u[32];
    fmt_sharp_u(u, sizeof(u), r);
    return errorf(l, "unrecognized character in action: %s", u);
}

static enum lex_state
lex_space(struct tmpl_lexer *l)
{
    int num = 0;
    size_t p = l->pos;
    while (p < l->len && (cls[(unsigned char)l->input[p]] & C_SPACE)) {
        p++;
        num++;
    }
    l->pos = p;
    if (p == l->len)
        l->at_eof = true; /* Go's peek ran into the end */
    if (has_right_trim(l, l->pos - 1) && has_right_delim(l, l->pos - 1 + 2)) {
        lbackup(l);
        if (num == 1)
            return ST_RIGHT_DELIM;
    }
    return emit(l, ITEM_SPACE);
}

static inline bool
at_terminator(struct tmpl_lexer *l)
{
    if (l->pos >= l->len) {
        l->at_eof = true; /* Go's peek ran into the end */
        return true;
    }
    unsigned char c = (unsigned char)l->input[l->pos];
    if (c >= 0x80)
        return false; /* not a space, not in the set, not "}}" */
    return (cls[c] & C_TERM) || has_right_delim(l, l->pos);
}

/* key[word] for words of the identifier lexer ("." cannot reach it). */
static enum tmpl_item_type
keyword(const char *w, size_t n)
{
#define KW(s, t)                                                                                   \
    if (n == sizeof(s) - 1 && !memcmp(w, s, n))                                                    \
    return t
    switch (w[0]) {
    case 'b':
        KW("block", ITEM_BLOCK);
        KW("break", ITEM_BREAK);
        break;
    case 'c':
        KW("continue", ITEM_CONTINUE);
        break;
    case 'd':
        KW("define", ITEM_DEFINE);
        break;
    case 'e':
        KW("else", ITEM_ELSE);
        KW("end", ITEM_END);
        break;
    case 'i':
        KW("if", ITEM_IF);
        break;
    case 'n':
        KW("nil", ITEM_NIL);
        break;
    case 'r':
        KW("range", ITEM_RANGE);
        break;
    case 't':
        KW("template", ITEM_TEMPLATE);
        break;
    case 'w':
        KW("with", ITEM_WITH);
        break;
    }
#undef KW
    return ITEM_ERROR;
}

static enum lex_state
lex_identifier(struct tmpl_lexer *l)
{
    int r = scan_alnum(l);
    const char *w = l->input + l->start;
    size_t n = l->pos - l->start;
    if (!at_terminator(l)) {
        char u[32];
        fmt_sharp_u(u, sizeof(u), r);
        return errorf(l, "bad character %s", u);
    }
    enum tmpl_item_type t = keyword(w, n);
    if (t != ITEM_ERROR) {
        if ((t == ITEM_BREAK && !l->break_ok) || (t == ITEM_CONTINUE && !l->continue_ok))
            return emit(l, ITEM_IDENTIFIER);
        return emit(l, t);
    }
    if (w[0] == '.')
        return emit(l, ITEM_FIELD);
    if ((n == 4 && !memcmp(w, "true", 4)) || (n == 5 && !memcmp(w, "false", 5)))
        return emit(l, ITEM_BOOL);
    return emit(l, ITEM_IDENTIFIER);
}

static enum lex_state
lex_field_or_variable(struct tmpl_lexer *l, enum tmpl_item_type typ)
{
    if (at_terminator(l)) {
        if (typ == ITEM_VARIABLE)
            return emit(l, ITEM_VARIABLE);
        return emit(l, ITEM_DOT);
    }
    int r = scan_alnum(l);
    if (!at_terminator(l)) {
        char u[32];
        fmt_sharp_u(u, sizeof(u), r);
        return errorf(l, "bad character %s", u);
    }
    return emit(l, typ);
}

static enum lex_state
lex_variable(struct tmpl_lexer *l)
{
    if (at_terminator(l))
        return emit(l, ITEM_VARIABLE);
    return lex_field_or_variable(l, ITEM_VARIABLE);
}

static enum lex_state
lex_char(struct tmpl_lexer *l)
{
    for (;;) {
        int r = lnext(l);
        if (r == '\\') {
            r = lnext(l);
            if (r != EOF_RUNE && r != '\n')
                continue;
            return errorf(l, "unterminated character constant");
        }
        if (r == EOF_RUNE || r == '\n')
            return errorf(l, "unterminated character constant");
        if (r == '\'')
            break;
    }
    return emit(l, ITEM_CHAR_CONSTANT);
}

static bool
scan_number(struct tmpl_lexer *l)
{
    accept(l, N_SIGN);
    unsigned digits = N_D10;
    if (accept(l, N_ZERO)) {
        if (accept(l, N_X))
            digits = N_D16;
        else if (accept(l, N_O))
            digits = N_D8;
        else if (accept(l, N_B))
            digits = N_D2;
    }
    accept_run(l, digits);
    if (accept(l, N_DOT))
        accept_run(l, digits);
    if (digits == N_D10 && accept(l, N_E)) {
        accept(l, N_SIGN);
        accept_run(l, N_D10);
    }
    if (digits == N_D16 && accept(l, N_P)) {
        accept(l, N_SIGN);
        accept_run(l, N_D10);
    }
    accept(l, N_I);
    if (is_alnum(lpeek(l))) {
        lnext(l);
        return false;
    }
    return true;
}

static enum lex_state
bad_number(struct tmpl_lexer *l)
{
    struct sb q = SB_INIT;
    tmpl_quote(&q, l->input + l->start, l->pos - l->start);
    enum lex_state s = errorf(l, "bad number syntax: %s", q.buf);
    sb_release(&q);
    return s;
}

static enum lex_state
lex_number(struct tmpl_lexer *l)
{
    if (!scan_number(l))
        return bad_number(l);
    int sign = lpeek(l);
    if (sign == '+' || sign == '-') {
        if (!scan_number(l) || l->input[l->pos - 1] != 'i')
            return bad_number(l);
        return emit(l, ITEM_COMPLEX);
    }
    return emit(l, ITEM_NUMBER);
}

static enum lex_state
lex_quote(struct tmpl_lexer *l)
{
    /* Byte by byte: the bytes of a multi-byte rune are never '\\', '"' or
     * a newline. */
    unsigned char any = 0; /* every byte or'ed: a backslash or a high bit is not plain */
    for (;;) {
        if (l->pos >= l->len) {
            l->at_eof = true;
            return errorf(l, "unterminated quoted string");
        }
        char c = l->input[l->pos++];
        any |= (unsigned char)c;
        if (c == '\\') {
            any |= 0x80;
            if (l->pos >= l->len) {
                l->at_eof = true;
                return errorf(l, "unterminated quoted string");
            }
            c = l->input[l->pos++];
            if (c != '\n')
                continue;
            return errorf(l, "unterminated quoted string");
        }
        if (c == '\n')
            return errorf(l, "unterminated quoted string");
        if (c == '"')
            break;
    }
    struct tmpl_item i =
        mk_item(l->start, l->pos - l->start, ITEM_STRING, !(any & 0x80), l->failed);
    l->start = l->pos;
    return emit_item(l, i);
}

static enum lex_state
lex_raw_quote(struct tmpl_lexer *l)
{
    const char *s = l->input + l->pos;
    const char *q = memchr(s, '`', l->len - l->pos);
    if (!q) {
        l->pos = l->len;
        l->at_eof = true;
        return errorf(l, "unterminated raw quoted string");
    }
    l->pos = (size_t)(q - l->input) + 1;
    return emit(l, ITEM_RAW_STRING);
}

/* ---- The common items inside an action, straight from the bytes ----
 *
 * Spaces, fields, variables, identifiers and keywords, plain strings,
 * pipes, parentheses, "=", ":=" and an untrimmed "}}" are what actions are
 * made of. lex_fast reads them without the state machine, and only when
 * they are ASCII and end at least one byte before the end of the input
 * (so that peeking never reaches the end and at_eof stays as it was);
 * anything else (numbers, chars, raw strings, trim markers, non-ASCII,
 * every error) is left to the state machine, which starts over from the
 * same position. Both produce the same items (the unit tests compare them
 * item for item). */

#define ITEM_NONE 0xFF /* lex_fast: take the state machine */

static inline struct tmpl_item
fast_item(struct tmpl_lexer *l, enum tmpl_item_type t, size_t end, unsigned plain)
{
    struct tmpl_item i = mk_item(l->start, end - l->start, t, plain, 0);
    l->pos = l->start = end;
    return i;
}

/* Does a field, variable or identifier that ends at q end properly (at a
 * terminator, not at the end of the input)? */
static inline bool
fast_term(const char *in, size_t q, size_t n)
{
    if (q + 1 >= n)
        return false;
    unsigned char c = (unsigned char)in[q];
    return (cls[c] & C_TERM) || (c == '}' && in[q + 1] == '}');
}

/* The end of the ASCII alphanumeric run from q, or 0 when it ends at a
 * non-ASCII byte or at the end of the input. */
static inline size_t
fast_alnum(const char *in, size_t q, size_t n)
{
    while (q < n && (cls[(unsigned char)in[q]] & C_ALNUM))
        q++;
    if (q >= n || (unsigned char)in[q] >= 0x80)
        return 0;
    return q;
}

static inline struct tmpl_item
lex_fast(struct tmpl_lexer *l)
{
    struct tmpl_item none = mk_item(0, 0, ITEM_NONE, 0, 0);
    const char *in = l->input;
    size_t p = l->pos, n = l->len;
    if (p != l->start || n < 4 || p > n - 4)
        return none;
    unsigned char c = (unsigned char)in[p];
    switch (c) {
    case ' ':
    case '\t':
    case '\r':
    case '\n': {
        if (in[p + 1] == '-' && in[p + 2] == '}' && in[p + 3] == '}')
            return none; /* " -}}" */
        size_t q = p;
        while (q < n && (cls[(unsigned char)in[q]] & C_SPACE))
            q++;
        if (q + 2 >= n || (in[q] == '-' && in[q + 1] == '}' && in[q + 2] == '}'))
            return none; /* the end, or a trim marker after the spaces */
        return fast_item(l, ITEM_SPACE, q, 0);
    }
    case '.': {
        if (in[p + 1] >= '0' && in[p + 1] <= '9')
            return none; /* a number */
        if (fast_term(in, p + 1, n))
            return fast_item(l, ITEM_DOT, p + 1, 0);
        size_t q = fast_alnum(in, p + 1, n);
        if (!q || !fast_term(in, q, n))
            return none;
        return fast_item(l, ITEM_FIELD, q, 0);
    }
    case '$': {
        if (fast_term(in, p + 1, n))
            return fast_item(l, ITEM_VARIABLE, p + 1, 0);
        size_t q = fast_alnum(in, p + 1, n);
        if (!q || !fast_term(in, q, n))
            return none;
        return fast_item(l, ITEM_VARIABLE, q, 0);
    }
    case '"': {
        size_t q = p + 1;
        for (;;) {
            if (q >= n - 1)
                return none;
            unsigned char b = (unsigned char)in[q];
            if (b == '"')
                break;
            if (b == '\\' || b == '\n' || b >= 0x80)
                return none;
            q++;
        }
        return fast_item(l, ITEM_STRING, q + 1, 1);
    }
    case '|':
        return fast_item(l, ITEM_PIPE, p + 1, 0);
    case '=':
        return fast_item(l, ITEM_ASSIGN, p + 1, 0);
    case ':':
        if (in[p + 1] != '=')
            return none;
        return fast_item(l, ITEM_DECLARE, p + 2, 0);
    case '(':
        l->paren_depth++;
        return fast_item(l, ITEM_LEFT_PAREN, p + 1, 0);
    case ')':
        if (l->paren_depth == 0)
            return none;
        l->paren_depth--;
        return fast_item(l, ITEM_RIGHT_PAREN, p + 1, 0);
    case '}': {
        if (in[p + 1] != '}' || l->paren_depth != 0)
            return none;
        l->inside_action = false;
        return fast_item(l, ITEM_RIGHT_DELIM, p + 2, 0);
    }
    default:
        break;
    }
    if (!(cls[c] & C_ALNUM) || (c >= '0' && c <= '9'))
        return none;
    size_t q = fast_alnum(in, p, n);
    if (!q || !fast_term(in, q, n))
        return none;
    enum tmpl_item_type t = keyword(in + p, q - p);
    if (t == ITEM_ERROR) {
        size_t w = q - p;
        t = (w == 4 && !memcmp(in + p, "true", 4)) || (w == 5 && !memcmp(in + p, "false", 5))
                ? ITEM_BOOL
                : ITEM_IDENTIFIER;
    } else if ((t == ITEM_BREAK && !l->break_ok) || (t == ITEM_CONTINUE && !l->continue_ok)) {
        t = ITEM_IDENTIFIER;
    }
    return fast_item(l, t, q, 0);
}

static struct tmpl_item __attribute__((noinline)) lex_slow(struct tmpl_lexer *l);

struct tmpl_item
tmpl_lex_next(struct tmpl_lexer *l)
{
    if (l->inside_action && !l->no_fast) {
        struct tmpl_item i = lex_fast(l);
        if (i.type != ITEM_NONE)
            return i;
    }
    return lex_slow(l);
}

static struct tmpl_item __attribute__((noinline)) lex_slow(struct tmpl_lexer *l)
{
    struct tmpl_item eof = mk_item(l->pos, 0, ITEM_EOF, 0, l->failed);
    l->item = eof;
    enum lex_state st = l->inside_action ? ST_INSIDE : ST_TEXT;
    for (;;) {
        switch (st) {
        case ST_TEXT:
            st = lex_text(l);
            break;
        case ST_LEFT_DELIM:
            st = lex_left_delim(l);
            break;
        case ST_COMMENT:
            st = lex_comment(l);
            break;
        case ST_RIGHT_DELIM:
            st = lex_right_delim(l);
            break;
        case ST_INSIDE:
            st = lex_inside(l);
            break;
        case ST_SPACE:
            st = lex_space(l);
            break;
        case ST_IDENTIFIER:
            st = lex_identifier(l);
            break;
        case ST_FIELD:
            st = lex_field_or_variable(l, ITEM_FIELD);
            break;
        case ST_VARIABLE:
            st = lex_variable(l);
            break;
        case ST_CHAR:
            st = lex_char(l);
            break;
        case ST_NUMBER:
            st = lex_number(l);
            break;
        case ST_QUOTE:
            st = lex_quote(l);
            break;
        case ST_RAW_QUOTE:
            st = lex_raw_quote(l);
            break;
        case ST_DONE:
            return l->item;
        }
    }
}

int
tmpl_lex_line(const struct tmpl_lexer *l, const struct tmpl_item *i)
{
    return 1 + (int)count_nl(l->input, i->after_err ? l->err_pos : i->pos);
}
