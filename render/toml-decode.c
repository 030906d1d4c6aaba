/* Helm's fromToml: BurntSushi/toml v1.4's Unmarshal into a
 * map[string]interface {}, ported state for state (lex.go, parse.go) so
 * that what it accepts, the values it makes and its error texts
 * ("toml: line 3 (last key \"a.b\"): ...") are the same.
 *
 * The lexer is Rob Pike's state machine: each state function consumes
 * input, may queue items and returns the next state; the parser pulls
 * items and runs states only while the queue is empty, so the first error
 * item queued is the one reported, as in Go. Values: strings, int64,
 * float64, bool, time.Time (offset date-times in time.Local, local ones
 * in the fixed zones "datetime-local", "date-local", "time-local"),
 * []interface {} for arrays, maps for tables and []map[string]interface
 * {} for arrays of tables. TOML 1.1 features (BURNTSUSHI_TOML_110) are
 * off, as in Helm. */
#include "render/exec.h"
#include "render/sprig.h"

#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/xalloc.h"

/* Go has no limits but its stack and memory. Nesting of arrays and inline
 * tables, and the pieces of one key (a dotted key inside table headers
 * and inline tables), are bounded so that the work per key, quadratic in
 * its length as in Go, stays small. */
#define TOML_MAX_DEPTH 1000
#define TOML_MAX_KEY 128

enum titype {
    IT_ERROR,
    IT_NIL,
    IT_EOF,
    IT_TEXT,
    IT_STRING,
    IT_STRING_ESC,
    IT_RAW_STRING,
    IT_ML_STRING,
    IT_RAW_ML_STRING,
    IT_BOOL,
    IT_INTEGER,
    IT_FLOAT,
    IT_DATETIME,
    IT_ARRAY,
    IT_ARRAY_END,
    IT_TABLE_START,
    IT_TABLE_END,
    IT_ARRAY_TABLE_START,
    IT_ARRAY_TABLE_END,
    IT_KEY_START,
    IT_KEY_END,
    IT_COMMENT_START,
    IT_INLINE_TABLE_START,
    IT_INLINE_TABLE_END,
};

struct titem {
    enum titype typ;
    const char *val; /* into the input, or an arena copy for trimmed values */
    size_t len;
    int line;
    struct val *err; /* IT_ERROR: the message */
};

struct tlex;
struct lst {
    struct lst (*fn)(struct tlex *lx);
};
#define ST(f) ((struct lst){f})
#define STOP ((struct lst){NULL})

#define QCAP 16

struct tlex {
    const char *in;
    size_t n;
    size_t start, pos;
    int line;
    struct lst state;
    bool esc;
    size_t prev_widths[4];
    int nprev;
    bool at_eof;
    struct lst *stack;
    size_t nstack, cstack;
    struct titem q[QCAP];
    size_t qhead, qlen;
    struct arena *a;
    bool too_deep;
};

#define EOF_RUNE 0
#define RUNE_ERROR 0xFFFD

/* ---- Go formatting for messages ---- */

/* Messages are string values: %c of EOF writes a NUL byte, as in Go. */
static struct val *
go_sprintf(struct arena *a, const char *fmt, struct val *const *argv, size_t argc)
{
    struct sb sb = SB_INIT;
    tmpl_fmt_sprintf(&sb, fmt, strlen(fmt), argv, argc);
    struct val *s = val_str(a, sb.buf ? sb.buf : "", sb.len);
    sb_release(&sb);
    return s;
}

static struct val *
rune_val(struct arena *a, uint32_t r)
{
    struct val *v = val_int(a, (int64_t)r);
    v->gotype = VAL_GO_RUNE;
    return v;
}

/* ---- the lexer ---- */

static void
lx_push_item(struct tlex *lx, struct titem it)
{
    if (lx->qlen == QCAP)
        return; /* not reached: states queue at most a few items per step */
    lx->q[(lx->qhead + lx->qlen) % QCAP] = it;
    lx->qlen++;
}

static void
lx_push(struct tlex *lx, struct lst s)
{
    if (lx->nstack >= TOML_MAX_DEPTH * 2 + 16) {
        lx->too_deep = true;
        return;
    }
    lx->stack = xgrow(lx->stack, &lx->cstack, lx->nstack + 1, sizeof(*lx->stack));
    lx->stack[lx->nstack++] = s;
}

static struct lst lx_errorf_s(struct tlex *lx, const char *msg);

static struct lst
lx_pop(struct tlex *lx)
{
    if (lx->nstack == 0)
        return lx_errorf_s(lx, "BUG in lexer: no states to pop");
    return lx->stack[--lx->nstack];
}

static int
lx_item_line(const struct tlex *lx)
{
    return lx->line;
}

static void
lx_emit_val(struct tlex *lx, enum titype typ, const char *val, size_t len)
{
    struct titem it = {typ, val, len, lx_item_line(lx), NULL};
    lx_push_item(lx, it);
    lx->start = lx->pos;
}

static struct lst lx_error(struct tlex *lx, struct val *msg);

static void
lx_emit(struct tlex *lx, enum titype typ)
{
    if (lx->start > lx->pos) {
        /* a multiline string ending in an incomplete UTF-8 sequence */
        struct val *b = val_int(lx->a, (unsigned char)lx->in[lx->pos]);
        struct val *argv[1] = {b};
        lx_error(lx, go_sprintf(lx->a, "invalid UTF-8 byte: 0x%02x", argv, 1));
        return;
    }
    lx_emit_val(lx, typ, lx->in + lx->start, lx->pos - lx->start);
}

static bool
is_go_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static void
lx_emit_trim(struct tlex *lx, enum titype typ)
{
    /* strings.TrimSpace; the datetime lexer only lets ASCII through */
    const char *s = lx->in + lx->start;
    size_t n = lx->pos - lx->start;
    while (n && is_go_space((unsigned char)s[0])) {
        s++;
        n--;
    }
    while (n && is_go_space((unsigned char)s[n - 1]))
        n--;
    lx_emit_val(lx, typ, s, n);
}

/* An error item at the current line (or the previous one at EOF, so that
 * unexpected EOF or NL errors don't show on a new blank line). */
static struct lst
lx_error(struct tlex *lx, struct val *msg)
{
    struct titem it = {IT_ERROR, NULL, 0, lx->line, msg};
    if (lx->at_eof)
        it.line--;
    lx_push_item(lx, it);
    return STOP;
}

static struct lst
lx_error_prev_line(struct tlex *lx, const char *msg)
{
    struct titem it = {IT_ERROR, NULL, 0, lx->line - 1, val_strz(lx->a, msg)};
    lx_push_item(lx, it);
    return STOP;
}

static struct lst
lx_errorf_s(struct tlex *lx, const char *msg)
{
    return lx_error(lx, val_strz(lx->a, msg));
}

/* errorf with one argument formatted as Go would. */
static struct lst
lx_errorf1(struct tlex *lx, const char *fmt, struct val *arg)
{
    struct val *argv[1] = {arg};
    return lx_error(lx, go_sprintf(lx->a, fmt, argv, 1));
}

static struct lst
lx_errorf_rune(struct tlex *lx, const char *fmt, uint32_t r)
{
    return lx_errorf1(lx, fmt, rune_val(lx->a, r));
}

static struct lst
lx_errorf_cur(struct tlex *lx, const char *fmt)
{
    return lx_errorf1(lx, fmt, val_str(lx->a, lx->in + lx->start, lx->pos - lx->start));
}

static bool
is_control(uint32_t r)
{
    if (r == '\t' || r == '\r' || r == '\n')
        return false;
    return r <= 0x1f || r == 0x7f;
}

static uint32_t
lx_next(struct tlex *lx)
{
    if (lx->at_eof) {
        /* Go panics ("BUG in lexer: next called after EOF"); the states
         * never get here */
        return EOF_RUNE;
    }
    if (lx->pos >= lx->n) {
        lx->at_eof = true;
        return EOF_RUNE;
    }
    if (lx->in[lx->pos] == '\n')
        lx->line++;
    lx->prev_widths[3] = lx->prev_widths[2];
    lx->prev_widths[2] = lx->prev_widths[1];
    lx->prev_widths[1] = lx->prev_widths[0];
    if (lx->nprev < 4)
        lx->nprev++;
    size_t w;
    uint32_t r = utf8_rune(lx->in + lx->pos, lx->n - lx->pos, &w);
    if (r == RUNE_ERROR && w == 1) {
        struct val *b = val_int(lx->a, (unsigned char)lx->in[lx->pos]);
        struct val *argv[1] = {b};
        lx_error(lx, go_sprintf(lx->a, "invalid UTF-8 byte: 0x%02x", argv, 1));
        return RUNE_ERROR;
    }
    if (is_control(r) || (r == '\r' && (lx->n - 1 == lx->pos || lx->in[lx->pos + 1] != '\n'))) {
        struct val *argv[1] = {val_int(lx->a, (int64_t)r)};
        argv[0]->gotype = VAL_GO_RUNE;
        struct titem it = {
            IT_ERROR, NULL, 0, lx->line,
            go_sprintf(lx->a, "TOML files cannot contain control characters: '0x%02x'", argv, 1)};
        lx_push_item(lx, it);
        return RUNE_ERROR;
    }
    lx->prev_widths[0] = w;
    lx->pos += w;
    return r;
}

static void
lx_ignore(struct tlex *lx)
{
    lx->start = lx->pos;
}

static void
lx_backup(struct tlex *lx)
{
    if (lx->at_eof) {
        lx->at_eof = false;
        return;
    }
    if (lx->nprev < 1)
        return; /* Go panics: "backed up too far"; not reached */
    size_t w = lx->prev_widths[0];
    lx->prev_widths[0] = lx->prev_widths[1];
    lx->prev_widths[1] = lx->prev_widths[2];
    lx->prev_widths[2] = lx->prev_widths[3];
    lx->nprev--;
    lx->pos -= w;
    if (lx->pos < lx->n && lx->in[lx->pos] == '\n')
        lx->line--;
}

static bool
lx_accept(struct tlex *lx, uint32_t valid)
{
    if (lx_next(lx) == valid)
        return true;
    lx_backup(lx);
    return false;
}

static uint32_t
lx_peek(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    lx_backup(lx);
    return r;
}

static bool
is_whitespace(uint32_t r)
{
    return r == '\t' || r == ' ';
}

static bool
is_nl(uint32_t r)
{
    return r == '\n' || r == '\r';
}

static bool
is_digit(uint32_t r)
{
    return r >= '0' && r <= '9';
}

static bool
is_binary(uint32_t r)
{
    return r == '0' || r == '1';
}

static bool
is_octal(uint32_t r)
{
    return r >= '0' && r <= '7';
}

static bool
is_hex(uint32_t r)
{
    return (r >= '0' && r <= '9') || ((r | 0x20) >= 'a' && (r | 0x20) <= 'f');
}

static bool
is_bare_key_char(uint32_t r)
{
    return (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' ||
           r == '-';
}

static void
lx_skip_ws(struct tlex *lx)
{
    for (;;) {
        uint32_t r = lx_next(lx);
        if (is_whitespace(r))
            continue;
        lx_backup(lx);
        lx_ignore(lx);
        return;
    }
}

/* runeOrEOF */
static const char *
rune_or_eof(struct tlex *lx, uint32_t r)
{
    if (r == EOF_RUNE)
        return "end of file";
    char buf[8];
    size_t w = utf8_encode(buf, r);
    buf[w] = 0;
    struct sb sb = SB_INIT;
    sb_addf(&sb, "'%s'", buf);
    const char *s = arena_strdup(lx->a, sb.buf);
    sb_release(&sb);
    return s;
}

static struct lst lex_top(struct tlex *lx);
static struct lst lex_top_end(struct tlex *lx);
static struct lst lex_table_start(struct tlex *lx);
static struct lst lex_table_end(struct tlex *lx);
static struct lst lex_array_table_end(struct tlex *lx);
static struct lst lex_table_name_start(struct tlex *lx);
static struct lst lex_table_name_end(struct tlex *lx);
static struct lst lex_bare_name(struct tlex *lx);
static struct lst lex_quoted_name(struct tlex *lx);
static struct lst lex_key_start(struct tlex *lx);
static struct lst lex_key_name_start(struct tlex *lx);
static struct lst lex_key_end(struct tlex *lx);
static struct lst lex_value(struct tlex *lx);
static struct lst lex_array_value(struct tlex *lx);
static struct lst lex_array_value_end(struct tlex *lx);
static struct lst lex_array_end(struct tlex *lx);
static struct lst lex_inline_table_value(struct tlex *lx);
static struct lst lex_inline_table_value_end(struct tlex *lx);
static struct lst lex_inline_table_end(struct tlex *lx);
static struct lst lex_string(struct tlex *lx);
static struct lst lex_ml_string(struct tlex *lx);
static struct lst lex_raw_string(struct tlex *lx);
static struct lst lex_ml_raw_string(struct tlex *lx);
static struct lst lex_ml_string_escape(struct tlex *lx);
static struct lst lex_string_escape(struct tlex *lx);
static struct lst lex_short_unicode_escape(struct tlex *lx);
static struct lst lex_long_unicode_escape(struct tlex *lx);
static struct lst lex_number_or_date_start(struct tlex *lx);
static struct lst lex_number_or_date(struct tlex *lx);
static struct lst lex_datetime(struct tlex *lx);
static struct lst lex_hex_integer(struct tlex *lx);
static struct lst lex_octal_integer(struct tlex *lx);
static struct lst lex_binary_integer(struct tlex *lx);
static struct lst lex_decimal_number(struct tlex *lx);
static struct lst lex_decimal_number_start(struct tlex *lx);
static struct lst lex_base_number_or_date(struct tlex *lx);
static struct lst lex_float(struct tlex *lx);
static struct lst lex_bool(struct tlex *lx);
static struct lst lex_comment_start(struct tlex *lx);
static struct lst lex_comment(struct tlex *lx);

static struct lst
lex_skip(struct tlex *lx, struct lst next)
{
    lx_ignore(lx);
    return next;
}

static struct lst
lex_top(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (is_whitespace(r) || is_nl(r))
        return lex_skip(lx, ST(lex_top));
    switch (r) {
    case '#':
        lx_push(lx, ST(lex_top));
        return ST(lex_comment_start);
    case '[':
        return ST(lex_table_start);
    case EOF_RUNE:
        if (lx->pos > lx->start)
            return lx_errorf_s(lx, "unexpected EOF");
        lx_emit(lx, IT_EOF);
        return STOP;
    }
    lx_backup(lx);
    lx_push(lx, ST(lex_top_end));
    return ST(lex_key_start);
}

static struct lst
lex_top_end(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (r == '#') {
        lx_push(lx, ST(lex_top));
        return ST(lex_comment_start);
    }
    if (is_whitespace(r))
        return ST(lex_top_end);
    if (is_nl(r)) {
        lx_ignore(lx);
        return ST(lex_top);
    }
    if (r == EOF_RUNE) {
        lx_emit(lx, IT_EOF);
        return STOP;
    }
    return lx_errorf_rune(
        lx, "expected a top-level item to end with a newline, comment, or EOF, but got %q instead",
        r);
}

static struct lst
lex_table_start(struct tlex *lx)
{
    if (lx_peek(lx) == '[') {
        lx_next(lx);
        lx_emit(lx, IT_ARRAY_TABLE_START);
        lx_push(lx, ST(lex_array_table_end));
    } else {
        lx_emit(lx, IT_TABLE_START);
        lx_push(lx, ST(lex_table_end));
    }
    return ST(lex_table_name_start);
}

static struct lst
lex_table_end(struct tlex *lx)
{
    lx_emit(lx, IT_TABLE_END);
    return ST(lex_top_end);
}

static struct lst
lex_array_table_end(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (r != ']')
        return lx_errorf_rune(
            lx, "expected end of table array name delimiter ']', but got %q instead", r);
    lx_emit(lx, IT_ARRAY_TABLE_END);
    return ST(lex_top_end);
}

static struct lst
lex_table_name_start(struct tlex *lx)
{
    lx_skip_ws(lx);
    uint32_t r = lx_peek(lx);
    if (r == ']' || r == EOF_RUNE)
        return lx_errorf_s(lx, "unexpected end of table name (table names cannot be empty)");
    if (r == '.')
        return lx_errorf_s(lx, "unexpected table separator (table names cannot be empty)");
    if (r == '"' || r == '\'') {
        lx_ignore(lx);
        lx_push(lx, ST(lex_table_name_end));
        return ST(lex_quoted_name);
    }
    lx_push(lx, ST(lex_table_name_end));
    return ST(lex_bare_name);
}

static struct lst
lex_table_name_end(struct tlex *lx)
{
    lx_skip_ws(lx);
    uint32_t r = lx_next(lx);
    if (is_whitespace(r))
        return ST(lex_table_name_end);
    if (r == '.') {
        lx_ignore(lx);
        return ST(lex_table_name_start);
    }
    if (r == ']')
        return lx_pop(lx);
    return lx_errorf_rune(lx, "expected '.' or ']' to end table name, but got %q instead", r);
}

static struct lst
lex_bare_name(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (is_bare_key_char(r))
        return ST(lex_bare_name);
    lx_backup(lx);
    lx_emit(lx, IT_TEXT);
    return lx_pop(lx);
}

static struct lst
lex_quoted_name(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (is_whitespace(r))
        return lex_skip(lx, ST(lex_value));
    if (r == '"') {
        lx_ignore(lx);
        return ST(lex_string);
    }
    if (r == '\'') {
        lx_ignore(lx);
        return ST(lex_raw_string);
    }
    if (r == EOF_RUNE)
        return lx_errorf_s(lx, "unexpected EOF; expected value");
    return lx_errorf_rune(lx, "expected value but found %q instead", r);
}

static struct lst
lex_key_start(struct tlex *lx)
{
    lx_skip_ws(lx);
    uint32_t r = lx_peek(lx);
    if (r == '=' || r == EOF_RUNE)
        return lx_errorf_s(lx, "unexpected '=': key name appears blank");
    if (r == '.')
        return lx_errorf_s(lx, "unexpected '.': keys cannot start with a '.'");
    if (r == '"' || r == '\'')
        lx_ignore(lx);
    lx_emit(lx, IT_KEY_START);
    return ST(lex_key_name_start);
}

static struct lst
lex_key_name_start(struct tlex *lx)
{
    lx_skip_ws(lx);
    uint32_t r = lx_peek(lx);
    if (r == '=' || r == EOF_RUNE)
        return lx_errorf_s(lx, "unexpected '='");
    if (r == '.')
        return lx_errorf_s(lx, "unexpected '.'");
    if (r == '"' || r == '\'') {
        lx_ignore(lx);
        lx_push(lx, ST(lex_key_end));
        return ST(lex_quoted_name);
    }
    lx_push(lx, ST(lex_key_end));
    return ST(lex_bare_name);
}

static struct lst
lex_key_end(struct tlex *lx)
{
    lx_skip_ws(lx);
    uint32_t r = lx_next(lx);
    if (is_whitespace(r))
        return lex_skip(lx, ST(lex_key_end));
    if (r == EOF_RUNE)
        return lx_errorf_s(lx, "unexpected EOF; expected key separator '='");
    if (r == '.') {
        lx_ignore(lx);
        return ST(lex_key_name_start);
    }
    if (r == '=') {
        lx_emit(lx, IT_KEY_END);
        return lex_skip(lx, ST(lex_value));
    }
    return lx_errorf_rune(lx, "expected '.' or '=', but got %q instead", r);
}

static struct lst
lex_value(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (is_whitespace(r))
        return lex_skip(lx, ST(lex_value));
    if (is_digit(r)) {
        lx_backup(lx);
        return ST(lex_number_or_date_start);
    }
    switch (r) {
    case '[':
        lx_ignore(lx);
        lx_emit(lx, IT_ARRAY);
        return ST(lex_array_value);
    case '{':
        lx_ignore(lx);
        lx_emit(lx, IT_INLINE_TABLE_START);
        return ST(lex_inline_table_value);
    case '"':
        if (lx_accept(lx, '"')) {
            if (lx_accept(lx, '"')) {
                lx_ignore(lx);
                return ST(lex_ml_string);
            }
            lx_backup(lx);
        }
        lx_ignore(lx);
        return ST(lex_string);
    case '\'':
        if (lx_accept(lx, '\'')) {
            if (lx_accept(lx, '\'')) {
                lx_ignore(lx);
                return ST(lex_ml_raw_string);
            }
            lx_backup(lx);
        }
        lx_ignore(lx);
        return ST(lex_raw_string);
    case '.':
        return lx_errorf_s(lx, "floats must start with a digit, not '.'");
    case 'i':
    case 'n':
        if ((lx_accept(lx, 'n') && lx_accept(lx, 'f')) ||
            (lx_accept(lx, 'a') && lx_accept(lx, 'n'))) {
            lx_emit(lx, IT_FLOAT);
            return lx_pop(lx);
        }
        break;
    case '-':
    case '+':
        return ST(lex_decimal_number_start);
    }
    if (r != EOF_RUNE && tmpl_uni_is_letter(r)) {
        lx_backup(lx);
        return ST(lex_bool);
    }
    if (r == EOF_RUNE)
        return lx_errorf_s(lx, "unexpected EOF; expected value");
    return lx_errorf_rune(lx, "expected value but found %q instead", r);
}

static struct lst
lex_array_value(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (is_whitespace(r) || is_nl(r))
        return lex_skip(lx, ST(lex_array_value));
    if (r == '#') {
        lx_push(lx, ST(lex_array_value));
        return ST(lex_comment_start);
    }
    if (r == ',')
        return lx_errorf_s(lx, "unexpected comma");
    if (r == ']')
        return ST(lex_array_end);
    lx_backup(lx);
    lx_push(lx, ST(lex_array_value_end));
    return ST(lex_value);
}

static struct lst
lex_array_value_end(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (is_whitespace(r) || is_nl(r))
        return lex_skip(lx, ST(lex_array_value_end));
    if (r == '#') {
        lx_push(lx, ST(lex_array_value_end));
        return ST(lex_comment_start);
    }
    if (r == ',') {
        lx_ignore(lx);
        return ST(lex_array_value);
    }
    if (r == ']')
        return ST(lex_array_end);
    struct sb sb = SB_INIT;
    sb_addf(&sb, "expected a comma (',') or array terminator (']'), but got %s",
            rune_or_eof(lx, r));
    struct val *m = val_str(lx->a, sb.buf, sb.len);
    sb_release(&sb);
    return lx_error(lx, m);
}

static struct lst
lex_array_end(struct tlex *lx)
{
    lx_ignore(lx);
    lx_emit(lx, IT_ARRAY_END);
    return lx_pop(lx);
}

static struct lst
lex_inline_table_value(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (is_whitespace(r))
        return lex_skip(lx, ST(lex_inline_table_value));
    if (is_nl(r))
        return lx_error_prev_line(lx, "newlines not allowed within inline tables");
    if (r == '#') {
        lx_push(lx, ST(lex_inline_table_value));
        return ST(lex_comment_start);
    }
    if (r == ',')
        return lx_errorf_s(lx, "unexpected comma");
    if (r == '}')
        return ST(lex_inline_table_end);
    lx_backup(lx);
    lx_push(lx, ST(lex_inline_table_value_end));
    return ST(lex_key_start);
}

static struct lst
lex_inline_table_value_end(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (is_whitespace(r))
        return lex_skip(lx, ST(lex_inline_table_value_end));
    if (is_nl(r))
        return lx_error_prev_line(lx, "newlines not allowed within inline tables");
    if (r == '#') {
        lx_push(lx, ST(lex_inline_table_value_end));
        return ST(lex_comment_start);
    }
    if (r == ',') {
        lx_ignore(lx);
        lx_skip_ws(lx);
        if (lx_peek(lx) == '}')
            return lx_errorf_s(lx, "trailing comma not allowed in inline tables");
        return ST(lex_inline_table_value);
    }
    if (r == '}')
        return ST(lex_inline_table_end);
    struct sb sb = SB_INIT;
    sb_addf(&sb, "expected a comma or an inline table terminator '}', but got %s instead",
            rune_or_eof(lx, r));
    struct val *m = val_str(lx->a, sb.buf, sb.len);
    sb_release(&sb);
    return lx_error(lx, m);
}

static struct lst
lex_inline_table_end(struct tlex *lx)
{
    lx_ignore(lx);
    lx_emit(lx, IT_INLINE_TABLE_END);
    return lx_pop(lx);
}

static struct lst
lex_string(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (r == EOF_RUNE)
        return lx_errorf_s(lx, "unexpected EOF; expected '\"'");
    if (is_nl(r))
        return lx_error_prev_line(lx, "strings cannot contain newlines");
    if (r == '\\') {
        lx_push(lx, ST(lex_string));
        return ST(lex_string_escape);
    }
    if (r == '"') {
        lx_backup(lx);
        if (lx->esc) {
            lx->esc = false;
            lx_emit(lx, IT_STRING_ESC);
        } else {
            lx_emit(lx, IT_STRING);
        }
        lx_next(lx);
        lx_ignore(lx);
        return lx_pop(lx);
    }
    return ST(lex_string);
}

static bool
cur_has_suffix(const struct tlex *lx, const char *suf)
{
    size_t n = strlen(suf), len = lx->pos > lx->start ? lx->pos - lx->start : 0;
    return len >= n && !memcmp(lx->in + lx->pos - n, suf, n);
}

static struct lst
lex_ml_string(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    switch (r) {
    default:
        return ST(lex_ml_string);
    case EOF_RUNE:
        return lx_errorf_s(lx, "unexpected EOF; expected '\"\"\"'");
    case '\\':
        return ST(lex_ml_string_escape);
    case '"':
        if (lx_accept(lx, '"')) {
            if (lx_accept(lx, '"')) {
                if (lx_peek(lx) == '"') {
                    if (cur_has_suffix(lx, "\"\"\"\"\"") && !cur_has_suffix(lx, "\\\"\"\"\"\""))
                        return lx_errorf_s(lx, "unexpected '\"\"\"\"\"\"'");
                    lx_backup(lx);
                    lx_backup(lx);
                    return ST(lex_ml_string);
                }
                lx_backup(lx);
                lx_backup(lx);
                lx_backup(lx);
                lx->esc = false;
                lx_emit(lx, IT_ML_STRING);
                lx_next(lx);
                lx_next(lx);
                lx_next(lx);
                lx_ignore(lx);
                return lx_pop(lx);
            }
            lx_backup(lx);
        }
        return ST(lex_ml_string);
    }
}

static struct lst
lex_raw_string(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (r == EOF_RUNE)
        return lx_errorf_s(lx, "unexpected EOF; expected \"'\"");
    if (is_nl(r))
        return lx_error_prev_line(lx, "strings cannot contain newlines");
    if (r == '\'') {
        lx_backup(lx);
        lx_emit(lx, IT_RAW_STRING);
        lx_next(lx);
        lx_ignore(lx);
        return lx_pop(lx);
    }
    return ST(lex_raw_string);
}

static struct lst
lex_ml_raw_string(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    switch (r) {
    default:
        return ST(lex_ml_raw_string);
    case EOF_RUNE:
        return lx_errorf_s(lx, "unexpected EOF; expected \"'''\"");
    case '\'':
        if (lx_accept(lx, '\'')) {
            if (lx_accept(lx, '\'')) {
                if (lx_peek(lx) == '\'') {
                    if (cur_has_suffix(lx, "'''''"))
                        return lx_errorf_s(lx, "unexpected \"''''''\"");
                    lx_backup(lx);
                    lx_backup(lx);
                    return ST(lex_ml_raw_string);
                }
                lx_backup(lx);
                lx_backup(lx);
                lx_backup(lx);
                lx_emit(lx, IT_RAW_ML_STRING);
                lx_next(lx);
                lx_next(lx);
                lx_next(lx);
                lx_ignore(lx);
                return lx_pop(lx);
            }
            lx_backup(lx);
        }
        return ST(lex_ml_raw_string);
    }
}

static struct lst
lex_ml_string_escape(struct tlex *lx)
{
    if (is_nl(lx_next(lx)))
        return ST(lex_ml_string);
    lx_backup(lx);
    lx_push(lx, ST(lex_ml_string));
    return lex_string_escape(lx);
}

static struct lst
lex_string_escape(struct tlex *lx)
{
    lx->esc = true;
    uint32_t r = lx_next(lx);
    switch (r) {
    case 'b':
    case 't':
    case 'n':
    case 'f':
    case 'r':
    case '"':
    case ' ':
    case '\t':
    case '\\':
        return lx_pop(lx);
    case 'u':
        return ST(lex_short_unicode_escape);
    case 'U':
        return ST(lex_long_unicode_escape);
    }
    /* \e and \x are TOML 1.1 */
    return lx_errorf_rune(lx, "invalid escape in string '\\%c'", r);
}

static struct lst
hex_escape(struct tlex *lx, int digits, const char *fmt)
{
    for (int i = 0; i < digits; i++) {
        uint32_t r = lx_next(lx);
        if (!is_hex(r))
            return lx_errorf_cur(lx, fmt);
    }
    return lx_pop(lx);
}

static struct lst
lex_short_unicode_escape(struct tlex *lx)
{
    return hex_escape(lx, 4, "expected four hexadecimal digits after '\\u', but got %q instead");
}

static struct lst
lex_long_unicode_escape(struct tlex *lx)
{
    return hex_escape(lx, 8, "expected eight hexadecimal digits after '\\U', but got %q instead");
}

static struct lst
lex_number_or_date_start(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (r == '0')
        return ST(lex_base_number_or_date);
    if (!is_digit(r))
        return lx_errorf_rune(lx, "expected a digit but got %q", r);
    return ST(lex_number_or_date);
}

static struct lst
lex_number_or_date(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (is_digit(r))
        return ST(lex_number_or_date);
    switch (r) {
    case '-':
    case ':':
        return ST(lex_datetime);
    case '_':
        return ST(lex_decimal_number);
    case '.':
    case 'e':
    case 'E':
        return ST(lex_float);
    }
    lx_backup(lx);
    lx_emit(lx, IT_INTEGER);
    return lx_pop(lx);
}

static struct lst
lex_datetime(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (is_digit(r))
        return ST(lex_datetime);
    switch (r) {
    case '-':
    case ':':
    case 'T':
    case 't':
    case ' ':
    case '.':
    case 'Z':
    case 'z':
    case '+':
        return ST(lex_datetime);
    }
    lx_backup(lx);
    lx_emit_trim(lx, IT_DATETIME);
    return lx_pop(lx);
}

static struct lst
lex_int_digits(struct tlex *lx, bool (*ok)(uint32_t), struct lst self)
{
    uint32_t r = lx_next(lx);
    if (ok(r) || r == '_')
        return self;
    lx_backup(lx);
    lx_emit(lx, IT_INTEGER);
    return lx_pop(lx);
}

static struct lst
lex_hex_integer(struct tlex *lx)
{
    return lex_int_digits(lx, is_hex, ST(lex_hex_integer));
}

static struct lst
lex_octal_integer(struct tlex *lx)
{
    return lex_int_digits(lx, is_octal, ST(lex_octal_integer));
}

static struct lst
lex_binary_integer(struct tlex *lx)
{
    return lex_int_digits(lx, is_binary, ST(lex_binary_integer));
}

static struct lst
lex_decimal_number(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (is_digit(r))
        return ST(lex_decimal_number);
    switch (r) {
    case '.':
    case 'e':
    case 'E':
        return ST(lex_float);
    case '_':
        return ST(lex_decimal_number);
    }
    lx_backup(lx);
    lx_emit(lx, IT_INTEGER);
    return lx_pop(lx);
}

static struct lst
lex_decimal_number_start(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    switch (r) {
    case 'i':
        if (!lx_accept(lx, 'n') || !lx_accept(lx, 'f'))
            return lx_errorf_cur(lx, "invalid float: '%s'");
        lx_emit(lx, IT_FLOAT);
        return lx_pop(lx);
    case 'n':
        if (!lx_accept(lx, 'a') || !lx_accept(lx, 'n'))
            return lx_errorf_cur(lx, "invalid float: '%s'");
        lx_emit(lx, IT_FLOAT);
        return lx_pop(lx);
    case '0': {
        uint32_t p = lx_peek(lx);
        if (p == 'b' || p == 'o' || p == 'x') {
            struct val *argv[2] = {val_str(lx->a, lx->in + lx->start, lx->pos - lx->start),
                                   rune_val(lx->a, p)};
            return lx_error(
                lx, go_sprintf(lx->a, "cannot use sign with non-decimal numbers: '%s%c'", argv, 2));
        }
        break;
    }
    case '.':
        return lx_errorf_s(lx, "floats must start with a digit, not '.'");
    }
    if (is_digit(r))
        return ST(lex_decimal_number);
    return lx_errorf_rune(lx, "expected a digit but got %q", r);
}

static void
base_check(struct tlex *lx, uint32_t r, bool (*ok)(uint32_t), const char *fmt)
{
    if (ok(r))
        return;
    /* Go queues the error and lexes on; the error comes first */
    struct val *argv[2] = {val_str(lx->a, lx->in + lx->start, lx->pos - lx->start),
                           rune_val(lx->a, r)};
    lx_error(lx, go_sprintf(lx->a, fmt, argv, 2));
}

static struct lst
lex_base_number_or_date(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (is_digit(r))
        return ST(lex_number_or_date);
    switch (r) {
    case '_':
        return ST(lex_decimal_number);
    case '.':
    case 'e':
    case 'E':
        return ST(lex_float);
    case 'b':
        base_check(lx, lx_peek(lx), is_binary, "not a binary number: '%s%c'");
        return ST(lex_binary_integer);
    case 'o':
        base_check(lx, lx_peek(lx), is_octal, "not an octal number: '%s%c'");
        return ST(lex_octal_integer);
    case 'x':
        base_check(lx, lx_peek(lx), is_hex, "not a hexidecimal number: '%s%c'");
        return ST(lex_hex_integer);
    }
    lx_backup(lx);
    lx_emit(lx, IT_INTEGER);
    return lx_pop(lx);
}

static struct lst
lex_float(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (is_digit(r))
        return ST(lex_float);
    switch (r) {
    case '_':
    case '.':
    case '-':
    case '+':
    case 'e':
    case 'E':
        return ST(lex_float);
    }
    lx_backup(lx);
    lx_emit(lx, IT_FLOAT);
    return lx_pop(lx);
}

static struct lst
lex_bool(struct tlex *lx)
{
    struct sb rs = SB_INIT;
    for (;;) {
        uint32_t r = lx_next(lx);
        if (r == EOF_RUNE || !tmpl_uni_is_letter(r)) {
            lx_backup(lx);
            break;
        }
        utf8_append(&rs, r);
    }
    if ((rs.len == 4 && !memcmp(rs.buf, "true", 4)) ||
        (rs.len == 5 && !memcmp(rs.buf, "false", 5))) {
        sb_release(&rs);
        lx_emit(lx, IT_BOOL);
        return lx_pop(lx);
    }
    struct val *s = val_str(lx->a, rs.buf ? rs.buf : "", rs.len);
    sb_release(&rs);
    return lx_errorf1(lx, "expected value but found %q instead", s);
}

static struct lst
lex_comment_start(struct tlex *lx)
{
    lx_ignore(lx);
    lx_emit(lx, IT_COMMENT_START);
    return ST(lex_comment);
}

static struct lst
lex_comment(struct tlex *lx)
{
    uint32_t r = lx_next(lx);
    if (is_nl(r) || r == EOF_RUNE) {
        lx_backup(lx);
        lx_emit(lx, IT_TEXT);
        return lx_pop(lx);
    }
    return ST(lex_comment);
}

/* nextItem: runs states until an item is queued. */
static struct titem
lx_next_item(struct tlex *lx)
{
    while (lx->qlen == 0) {
        if (lx->too_deep) {
            struct titem it = {IT_ERROR, NULL, 0, lx->line, NULL};
            return it; /* err NULL with IT_ERROR: the depth limit */
        }
        if (!lx->state.fn) {
            /* Go blocks forever here; the parser never asks again after
             * EOF or an error */
            struct titem it = {IT_EOF, "", 0, lx->line, NULL};
            return it;
        }
        lx->state = lx->state.fn(lx);
    }
    struct titem it = lx->q[lx->qhead];
    lx->qhead = (lx->qhead + 1) % QCAP;
    lx->qlen--;
    return it;
}

/* ---- the parser ---- */

enum ttype {
    TT_NONE,
    TT_INTEGER,
    TT_FLOAT,
    TT_DATETIME,
    TT_STRING,
    TT_BOOL,
    TT_ARRAY,
    TT_HASH,
    TT_ARRAY_HASH,
};

/* A key: its pieces are string values (keys may hold NUL bytes). */
struct tkey {
    struct val **v;
    size_t n, cap;
};

static struct val empty_key = {.kind = VAL_STRING, .flags = VAL_F_READONLY, .u.s = {"", 0}};

struct tparser {
    struct tlex lx;
    struct arena *a;
    struct tkey context;
    struct val *current_key; /* never NULL; empty: none */
    int pos_line;
    struct val *mapping;
    struct val *key_info;  /* Key.String() -> VAL_INT enum ttype */
    struct val *implicits; /* Key.String() -> true; false once removed */
    struct sb ks;          /* scratch for Key.String() in lookups */
    /* Keys being built (Go's garbage): freed after each top-level item,
     * when the context moves to ctx_store. */
    struct arena *tmp;
    struct val **ctx_store;
    size_t ctx_cap;
    jmp_buf jb;
    struct val *err; /* the full message */
    int errcode;
    int depth;
};

static void
key_add(struct arena *a, struct tkey *k, struct val *piece)
{
    if (k->n == k->cap) {
        size_t nc = k->cap ? k->cap * 2 : 8;
        struct val **nv = arena_alloc(a, nc * sizeof(*nv));
        if (k->n)
            memcpy(nv, k->v, k->n * sizeof(*nv));
        k->v = nv;
        k->cap = nc;
    }
    k->v[k->n++] = piece;
}

static struct tkey
key_copy(struct arena *a, const struct tkey *k, size_t n)
{
    struct tkey c = {0};
    for (size_t i = 0; i < n && i < k->n; i++)
        key_add(a, &c, k->v[i]);
    return c;
}

/* Key.String(), appended to sb */
static void
key_string_sb(struct sb *sb0, const struct tkey *k)
{
    struct sb *sbp = sb0;
#define sb (*sbp)
    for (size_t i = 0; i < k->n; i++) {
        if (i > 0)
            sb_addch(&sb, '.');
        const char *kk = k->v[i]->u.s.ptr;
        size_t kn = k->v[i]->u.s.len;
        if (kn == 0) {
            sb_addstr(&sb, "\"\"");
            continue;
        }
        bool bare = true;
        for (size_t j = 0; j < kn; j++)
            if (!is_bare_key_char((unsigned char)kk[j]))
                bare = false;
        if (bare) {
            sb_add(&sb, kk, kn);
        } else {
            sb_addch(&sb, '"');
            tmpl_toml_quote_body(&sb, kk, kn);
            sb_addch(&sb, '"');
        }
    }
#undef sb
}

/* Key.String() in the arena (for messages) */
static const char *
key_string(struct arena *a, const struct tkey *k)
{
    struct sb sb = SB_INIT;
    key_string_sb(&sb, k);
    const char *s = arena_strndup(a, sb.buf ? sb.buf : "", sb.len);
    sb_release(&sb);
    return s;
}

/* p.current(): a string value */
static struct val *
p_current(struct tparser *p)
{
    if (p->current_key->u.s.len == 0)
        return val_strz(p->a, key_string(p->a, &p->context));
    if (p->context.n == 0)
        return p->current_key; /* as is, unquoted */
    struct sb sb = SB_INIT;
    sb_addstr(&sb, key_string(p->a, &p->context));
    sb_addch(&sb, '.');
    sb_add(&sb, p->current_key->u.s.ptr, p->current_key->u.s.len);
    struct val *s = val_str(p->a, sb.buf, sb.len);
    sb_release(&sb);
    return s;
}

/* Panics with a ParseError: "toml: line N[ (last key "K")]: MSG". */
static void __attribute__((noreturn)) p_fail(struct tparser *p, int line, struct val *msg)
{
    struct val *last = p_current(p);
    struct sb sb = SB_INIT;
    if (!last->u.s.len) {
        sb_addf(&sb, "toml: line %d: ", line);
        sb_add(&sb, msg->u.s.ptr, msg->u.s.len);
    } else {
        sb_addf(&sb, "toml: line %d (last key ", line);
        tmpl_quote(&sb, last->u.s.ptr, last->u.s.len);
        sb_addstr(&sb, "): ");
        sb_add(&sb, msg->u.s.ptr, msg->u.s.len);
    }
    p->err = val_str(p->a, sb.buf, sb.len);
    sb_release(&sb);
    longjmp(p->jb, 1);
}

/* Go's panic(fmt.Sprintf("BUG: ...")), which text/template reports as the
 * call's error. */
static void __attribute__((noreturn)) p_bug(struct tparser *p, const char *msg)
{
    struct sb sb = SB_INIT;
    sb_addf(&sb, "BUG: %s\n\n", msg);
    p->err = val_str(p->a, sb.buf, sb.len);
    p->errcode = PKG_EINVAL;
    sb_release(&sb);
    longjmp(p->jb, 2);
}

static struct titem
p_next(struct tparser *p)
{
    struct titem it = lx_next_item(&p->lx);
    if (it.typ == IT_ERROR) {
        if (!it.err) {
            p->err = val_strz(p->a, "toml: arrays and inline tables nested past the limit of 1000");
            p->errcode = PKG_ELIMIT;
            longjmp(p->jb, 2);
        }
        p_fail(p, it.line, it.err);
    }
    return it;
}

static struct titem
p_next_pos(struct tparser *p)
{
    struct titem it = p_next(p);
    p->pos_line = it.line;
    return it;
}

static void
p_expect(struct tparser *p, enum titype typ)
{
    struct titem it = p_next(p);
    if (it.typ != typ)
        p_bug(p, "unexpected item");
}

static struct val *p_value(struct tparser *p, struct titem it, bool parent_is_array,
                           enum ttype *typ);

static struct val *
p_key_string(struct tparser *p, struct titem it)
{
    switch (it.typ) {
    case IT_TEXT:
        return val_str(p->a, it.val, it.len);
    case IT_STRING:
    case IT_STRING_ESC:
    case IT_ML_STRING:
    case IT_RAW_STRING:
    case IT_RAW_ML_STRING: {
        enum ttype t;
        return p_value(p, it, false, &t);
    }
    default:
        p_bug(p, "Unexpected key type");
    }
}

static struct val *
map_get(const struct val *m, const struct val *k)
{
    return val_map_get(m, k->u.s.ptr, k->u.s.len);
}

static void
map_set(struct arena *a, struct val *m, const struct val *k, struct val *v)
{
    val_map_set(a, m, k->u.s.ptr, k->u.s.len, v);
}

/* Key.String() of k in the scratch buffer (valid until the next call) */
static const char *
kstr(struct tparser *p, const struct tkey *k)
{
    sb_reset(&p->ks);
    key_string_sb(&p->ks, k);
    sb_addch(&p->ks, 0);
    p->ks.len--;
    return p->ks.buf;
}

static struct val true_v = {.kind = VAL_BOOL, .flags = VAL_F_READONLY, .u.b = true};
static struct val false_v = {.kind = VAL_BOOL, .flags = VAL_F_READONLY, .u.b = false};

static void
add_implicit(struct tparser *p, const struct tkey *k)
{
    const char *s = kstr(p, k);
    val_map_set(p->a, p->implicits, s, p->ks.len, &true_v);
}

static void
remove_implicit(struct tparser *p, const struct tkey *k)
{
    /* marked, not deleted: deletion from an ordered map is linear */
    const char *s = kstr(p, k);
    struct val *v = val_map_get(p->implicits, s, p->ks.len);
    if (v)
        val_map_set(p->a, p->implicits, s, p->ks.len, &false_v);
}

static bool
is_implicit(struct tparser *p, const struct tkey *k)
{
    const char *s = kstr(p, k);
    struct val *v = val_map_get(p->implicits, s, p->ks.len);
    return v && v->u.b;
}

static bool
is_array(struct tparser *p, const struct tkey *k)
{
    const char *s = kstr(p, k);
    struct val *t = val_map_get(p->key_info, s, p->ks.len);
    return t && t->u.i == TT_ARRAY;
}

static struct val *
new_hash(struct tparser *p)
{
    return val_map(p->a);
}

static void
p_failf_key(struct tparser *p, const char *fmt, const struct tkey *k)
{
    struct sb sb = SB_INIT;
    sb_addf(&sb, fmt, key_string(p->a, k));
    struct val *m = val_str(p->a, sb.buf, sb.len);
    sb_release(&sb);
    p_fail(p, p->pos_line, m);
}

/* The last table of an array of tables, or the table itself; NULL for
 * anything else. */
static struct val *
as_hash(struct val *v)
{
    if (v->kind == VAL_SEQ && v->gotype == TMPL_GO_MAPS)
        return val_seq_at(v, val_seq_len(v) - 1);
    if (v->kind == VAL_MAP)
        return v;
    return NULL;
}

static void p_set_value(struct tparser *p, struct val *key, struct val *value);

static void
add_context(struct tparser *p, const struct tkey *key, bool array)
{
    struct val *hash_ctx = p->mapping;
    struct tkey key_ctx = {0};
    for (size_t i = 0; i + 1 < key->n; i++) {
        struct val *k = key->v[i];
        bool ok = map_get(hash_ctx, k) != NULL;
        key_add(p->tmp, &key_ctx, k);
        if (!ok) {
            add_implicit(p, &key_ctx);
            map_set(p->a, hash_ctx, k, new_hash(p));
        }
        struct val *h = as_hash(map_get(hash_ctx, k));
        if (!h)
            p_failf_key(p, "Key '%s' was already created as a hash.", &key_ctx);
        hash_ctx = h;
    }
    p->context = key_ctx;
    struct val *last = key->v[key->n - 1];
    if (array) {
        if (!map_get(hash_ctx, last)) {
            struct val *l = val_seq(p->a);
            l->gotype = TMPL_GO_MAPS;
            map_set(p->a, hash_ctx, last, l);
        }
        struct val *l = map_get(hash_ctx, last);
        if (l->kind == VAL_SEQ && l->gotype == TMPL_GO_MAPS)
            val_seq_push(p->a, l, new_hash(p));
        else
            p_failf_key(p, "Key '%s' was already created and cannot be used as an array.", key);
    } else {
        p_set_value(p, last, new_hash(p));
    }
    key_add(p->tmp, &p->context, last);
}

static void
p_set_value(struct tparser *p, struct val *key, struct val *value)
{
    struct val *hash = p->mapping;
    struct tkey key_ctx = {0};
    for (size_t i = 0; i < p->context.n; i++) {
        struct val *k = p->context.v[i];
        key_add(p->tmp, &key_ctx, k);
        struct val *t = map_get(hash, k);
        if (!t)
            p_bug(p, "Context for key has not been established.");
        struct val *h = as_hash(t);
        if (!h)
            p_failf_key(p, "Key '%s' has already been defined.", &key_ctx);
        hash = h;
    }
    key_add(p->tmp, &key_ctx, key);
    if (map_get(hash, key)) {
        if (is_array(p, &key_ctx)) {
            remove_implicit(p, &key_ctx);
            map_set(p->a, hash, key, value);
            return;
        }
        if (is_implicit(p, &key_ctx)) {
            remove_implicit(p, &key_ctx);
            return;
        }
        p_failf_key(p, "Key '%s' has already been defined.", &key_ctx);
    }
    map_set(p->a, hash, key, value);
}

static void
p_set_type(struct tparser *p, struct val *key, enum ttype typ)
{
    struct tkey key_ctx = key_copy(p->tmp, &p->context, p->context.n);
    if (key->u.s.len > 0)
        key_add(p->tmp, &key_ctx, key);
    if (key_ctx.n == 0)
        key_add(p->tmp, &key_ctx, &empty_key);
    const char *ks = kstr(p, &key_ctx);
    val_map_set(p->a, p->key_info, ks, p->ks.len, val_int(p->a, typ));
}

static void
add_implicit_context(struct tparser *p, const struct tkey *k)
{
    add_implicit(p, k);
    add_context(p, k, false);
}

/* ---- values ---- */

static bool
num_underscores_ok(const char *s, size_t n)
{
    static const char *const specials[] = {"nan", "+nan", "-nan", "inf", "-inf", "+inf"};
    for (size_t i = 0; i < 6; i++)
        if (strlen(specials[i]) == n && !memcmp(specials[i], s, n))
            return true;
    bool accept = false;
    for (size_t i = 0; i < n;) {
        size_t w;
        uint32_t r = utf8_rune(s + i, n - i, &w);
        if (r == '_' && !accept)
            return false;
        accept = is_hex(r);
        i += w;
    }
    return accept;
}

static bool
num_has_leading_zero(const char *s, size_t n)
{
    if (n > 1 && s[0] == '0' && !(s[1] == 'b' || s[1] == 'o' || s[1] == 'x'))
        return true;
    if (n > 2 && (s[0] == '-' || s[0] == '+') && s[1] == '0')
        return true;
    return false;
}

static bool
num_periods_ok(const char *s, size_t n)
{
    bool period = false;
    for (size_t i = 0; i < n; i++) {
        if (period && !is_digit((unsigned char)s[i]))
            return false;
        period = s[i] == '.';
    }
    return !period;
}

static void __attribute__((noreturn))
p_fail_item_q(struct tparser *p, const struct titem *it, const char *fmt)
{
    struct val *argv[1] = {val_str(p->a, it->val, it->len)};
    p_fail(p, it->line, go_sprintf(p->a, fmt, argv, 1));
}

static struct val *
value_integer(struct tparser *p, const struct titem *it)
{
    if (!num_underscores_ok(it->val, it->len))
        p_fail_item_q(p, it, "Invalid integer %q: underscores must be surrounded by digits");
    if (num_has_leading_zero(it->val, it->len))
        p_fail_item_q(p, it, "Invalid integer %q: cannot have leading zeroes");
    int64_t num;
    int rc = sprig_strconv_int(it->val, it->len, 0, &num);
    if (rc == SPRIG_ERANGE) {
        struct sb sb = SB_INIT;
        sb_add(&sb, it->val, it->len);
        sb_addstr(&sb, " is out of range for int64");
        struct val *m = val_str(p->a, sb.buf, sb.len);
        sb_release(&sb);
        p_fail(p, it->line, m);
    }
    if (rc) {
        struct sb sb = SB_INIT;
        sb_addf(&sb, "Expected integer value, but got '%.*s'.", (int)it->len, it->val);
        const char *m = arena_strdup(p->a, sb.buf);
        sb_release(&sb);
        p_bug(p, m);
    }
    struct val *v = val_int(p->a, num);
    v->gotype = VAL_GO_INT64;
    return v;
}

static struct val *
value_float(struct tparser *p, const struct titem *it)
{
    /* strings.FieldsFunc on . e E */
    const char *s = it->val;
    size_t n = it->len;
    bool first = true;
    for (size_t i = 0; i < n;) {
        while (i < n && (s[i] == '.' || s[i] == 'e' || s[i] == 'E'))
            i++;
        if (i >= n)
            break;
        size_t j = i;
        while (j < n && !(s[j] == '.' || s[j] == 'e' || s[j] == 'E'))
            j++;
        if (!num_underscores_ok(s + i, j - i))
            p_fail_item_q(p, it, "Invalid float %q: underscores must be surrounded by digits");
        if (first && num_has_leading_zero(s + i, j - i))
            p_fail_item_q(p, it, "Invalid float %q: cannot have leading zeroes");
        first = false;
        i = j;
    }
    if (!num_periods_ok(s, n))
        p_fail_item_q(p, it, "Invalid float %q: '.' must be followed by one or more digits");
    char *val = arena_alloc(p->a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '_')
            val[k++] = s[i];
    val[k] = 0;
    bool signbit = false;
    if (!strcmp(val, "+nan") || !strcmp(val, "-nan")) {
        signbit = val[0] == '-';
        val = "nan";
        k = 3;
    }
    double num;
    if (!sprig_parse_float(val, k, &num)) {
        /* out of range or bad syntax: ParseFloat's range error keeps
         * the item's text */
        double probe;
        bool range = false;
        {
            /* a syntactically valid float that overflows */
            char *end;
            probe = strtod(val, &end);
            range = *end == 0 && isinf(probe) && k > 0;
        }
        struct sb sb = SB_INIT;
        if (range) {
            sb_add(&sb, it->val, it->len);
            sb_addstr(&sb, " is out of range for float64");
        } else {
            struct val *argv[1] = {val_str(p->a, it->val, it->len)};
            tmpl_fmt_sprintf(&sb, "Invalid float value: %q", 23, argv, 1);
        }
        struct val *m = val_str(p->a, sb.buf, sb.len);
        sb_release(&sb);
        p_fail(p, it->line, m);
    }
    if (signbit)
        num = copysign(num, -1);
    return val_float(p->a, num);
}

static bool
missing_leading_zero(const char *d, size_t dn, const char *l)
{
    for (size_t i = 0; l[i]; i++) {
        char c = l[i];
        if (c == '.' || c == 'Z')
            return false;
        if ((c < '0' || c > '9') && (i >= dn || d[i] != c))
            return true;
    }
    return false;
}

static struct val *
value_datetime(struct tparser *p, const struct titem *it)
{
    /* datetimeRepl: z -> Z, t -> T, ' ' -> T */
    char *v = arena_alloc(p->a, it->len + 1);
    for (size_t i = 0; i < it->len; i++) {
        char c = it->val[i];
        v[i] = c == 'z' ? 'Z' : c == 't' || c == ' ' ? 'T' : c;
    }
    v[it->len] = 0;
    static const struct {
        const char *layout;
        const char *zone; /* NULL: time.Local */
    } dt[] = {
        {"2006-01-02T15:04:05.999999999Z07:00", NULL},
        {"2006-01-02T15:04:05.999999999", "datetime-local"},
        {"2006-01-02", "date-local"},
        {"15:04:05.999999999", "time-local"},
    };
    for (size_t i = 0; i < sizeof(dt) / sizeof(dt[0]); i++) {
        struct val *t = sprig_time_parse_in(p->a, dt[i].layout, v, it->len, dt[i].zone);
        if (t) {
            if (missing_leading_zero(v, it->len, dt[i].layout))
                break;
            return t;
        }
    }
    struct val *argv[1] = {val_str(p->a, v, it->len)};
    p_fail(p, it->line, go_sprintf(p->a, "invalid datetime: %q", argv, 1));
}

static struct val *
value_array(struct tparser *p, struct titem it)
{
    p_set_type(p, p->current_key, TT_ARRAY);
    struct val *array = val_seq(p->a);
    if (++p->depth > TOML_MAX_DEPTH) {
        p->err = val_strz(p->a, "toml: arrays and inline tables nested past the limit of 1000");
        p->errcode = PKG_ELIMIT;
        longjmp(p->jb, 2);
    }
    for (it = p_next(p); it.typ != IT_ARRAY_END; it = p_next(p)) {
        if (it.typ == IT_COMMENT_START) {
            p_expect(p, IT_TEXT);
            continue;
        }
        enum ttype t;
        val_seq_push(p->a, array, p_value(p, it, true, &t));
    }
    p->depth--;
    return array;
}

static void __attribute__((noreturn)) p_limit(struct tparser *p, const char *what)
{
    struct sb sb = SB_INIT;
    sb_addf(&sb, "toml: %s past the limit of %d", what, TOML_MAX_KEY);
    p->err = val_str(p->a, sb.buf, sb.len);
    sb_release(&sb);
    p->errcode = PKG_ELIMIT;
    longjmp(p->jb, 2);
}

static void
read_key(struct tparser *p, struct tkey *key)
{
    struct titem k = p_next_pos(p);
    for (; k.typ != IT_KEY_END && k.typ != IT_EOF; k = p_next(p)) {
        key_add(p->tmp, key, p_key_string(p, k));
        if (key->n > TOML_MAX_KEY)
            p_limit(p, "key with more parts");
    }
    if (k.typ != IT_KEY_END)
        p_bug(p, "Expected 'KeyEnd' but got 'EOF'.");
}

static struct val *
value_inline_table(struct tparser *p, struct titem it, bool parent_is_array)
{
    (void)it;
    struct val *top_hash = new_hash(p);
    struct tkey outer_context = p->context;
    struct val *outer_key = p->current_key;
    if (++p->depth > TOML_MAX_DEPTH) {
        p->err = val_strz(p->a, "toml: arrays and inline tables nested past the limit of 1000");
        p->errcode = PKG_ELIMIT;
        longjmp(p->jb, 2);
    }
    p->context = key_copy(p->tmp, &outer_context, outer_context.n);
    key_add(p->tmp, &p->context, p->current_key);
    struct tkey prev_context = key_copy(p->tmp, &p->context, p->context.n);
    p->current_key = &empty_key;
    add_implicit(p, &p->context);
    struct tkey ctx = key_copy(p->tmp, &p->context, p->context.n);
    add_context(p, &ctx, parent_is_array);
    for (struct titem i2 = p_next(p); i2.typ != IT_INLINE_TABLE_END; i2 = p_next(p)) {
        if (i2.typ == IT_COMMENT_START) {
            p_expect(p, IT_TEXT);
            continue;
        }
        struct tkey key = {0};
        read_key(p, &key);
        p->current_key = key.v[key.n - 1];
        for (size_t i = 0; i + 1 < key.n; i++) {
            struct tkey c = key_copy(p->tmp, &p->context, p->context.n);
            key_add(p->tmp, &c, key.v[i]);
            add_implicit_context(p, &c);
        }
        enum ttype typ;
        struct val *val = p_value(p, p_next(p), false, &typ);
        p_set_value(p, p->current_key, val);
        p_set_type(p, p->current_key, typ);
        struct val *hash = top_hash;
        for (size_t i = 0; i + 1 < key.n; i++) {
            struct val *h = map_get(hash, key.v[i]);
            if (!h) {
                h = new_hash(p);
                map_set(p->a, hash, key.v[i], h);
            }
            if (h->kind != VAL_MAP) {
                const char *ks = key_string(p->a, &p->context);
                struct sb sb = SB_INIT;
                tmpl_quote(&sb, ks, strlen(ks));
                sb_addstr(&sb, " is not a table");
                struct val *m = val_str(p->a, sb.buf, sb.len);
                sb_release(&sb);
                p_fail(p, p->pos_line, m);
            }
            hash = h;
        }
        map_set(p->a, hash, p->current_key, val);
        p->context = key_copy(p->tmp, &prev_context, prev_context.n);
    }
    p->context = outer_context;
    p->current_key = outer_key;
    p->depth--;
    return top_hash;
}

/* stripFirstNewline */
static void
strip_first_newline(const char **s, size_t *n)
{
    if (*n > 0 && (*s)[0] == '\n') {
        (*s)++;
        (*n)--;
    } else if (*n > 1 && (*s)[0] == '\r' && (*s)[1] == '\n') {
        *s += 2;
        *n -= 2;
    }
}

/* stripEscapedNewlines */
static void
strip_escaped_newlines(struct arena *a, const char **sp, size_t *np)
{
    const char *s = *sp;
    size_t n = *np;
    struct sb b = SB_INIT;
    size_t i = 0;
    for (;;) {
        const char *bs = i < n ? memchr(s + i, '\\', n - i) : NULL;
        if (!bs) {
            sb_add(&b, s, n);
            break;
        }
        i = (size_t)(bs - s);
        if (n > i + 1 && s[i + 1] == '\\') {
            i += 2;
            continue;
        }
        size_t j = i + 1;
        while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n'))
            j++;
        if (j == i + 1) {
            i++;
            continue;
        }
        if (!memchr(s + i, '\n', j - i)) {
            i++;
            continue;
        }
        sb_add(&b, s, i);
        s += j;
        n -= j;
        i = 0;
    }
    *sp = arena_strndup(a, b.buf ? b.buf : "", b.len);
    *np = b.len;
    sb_release(&b);
}

static uint32_t
hex_rune(const char *s, size_t n)
{
    uint32_t r = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        r = r * 16 + (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return r;
}

static struct val *
replace_escapes(struct tparser *p, const struct titem *it, const char *str, size_t n)
{
    struct sb b = SB_INIT;
    size_t skip = 0;
    for (size_t i = 0; i < n;) {
        size_t w;
        uint32_t c = utf8_rune(str + i, n - i, &w);
        if (skip > 0) {
            skip--;
            i += w;
            continue;
        }
        if (c != '\\') {
            /* WriteRune: an invalid byte is written as U+FFFD */
            utf8_append(&b, c);
            i += w;
            continue;
        }
        char e = i + 1 < n ? str[i + 1] : 0;
        switch (e) {
        case ' ':
        case '\t': {
            sb_release(&b);
            struct val *argv[1] = {rune_val(p->a, (unsigned char)e)};
            p_fail(p, it->line, go_sprintf(p->a, "invalid escape: '\\%c'", argv, 1));
        }
        case 'b':
            sb_addch(&b, 0x08);
            skip = 1;
            break;
        case 't':
            sb_addch(&b, 0x09);
            skip = 1;
            break;
        case 'n':
            sb_addch(&b, 0x0a);
            skip = 1;
            break;
        case 'f':
            sb_addch(&b, 0x0c);
            skip = 1;
            break;
        case 'r':
            sb_addch(&b, 0x0d);
            skip = 1;
            break;
        case '"':
            sb_addch(&b, 0x22);
            skip = 1;
            break;
        case '\\':
            sb_addch(&b, 0x5c);
            skip = 1;
            break;
        case 'u':
        case 'U': {
            size_t digits = e == 'u' ? 4 : 8;
            uint32_t r = hex_rune(str + i + 2, digits);
            if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) {
                sb_release(&b);
                struct val *argv[1] = {val_str(p->a, str + i + 2, digits)};
                p_fail(p, it->line,
                       go_sprintf(p->a, "Escaped character '\\u%s' is not valid UTF-8.", argv, 1));
            }
            utf8_append(&b, r);
            skip = digits + 1;
            break;
        }
        default: {
            sb_release(&b);
            p_bug(p, "Expected valid escape code after \\.");
        }
        }
        i += w;
    }
    struct val *v = val_str(p->a, b.buf ? b.buf : "", b.len);
    sb_release(&b);
    return v;
}

static struct val *
p_value(struct tparser *p, struct titem it, bool parent_is_array, enum ttype *typ)
{
    const char *s = it.val;
    size_t n = it.len;
    switch (it.typ) {
    case IT_STRING:
    case IT_RAW_STRING:
        *typ = TT_STRING;
        return val_str(p->a, s, n);
    case IT_STRING_ESC:
        *typ = TT_STRING;
        return replace_escapes(p, &it, s, n);
    case IT_ML_STRING:
        *typ = TT_STRING;
        strip_first_newline(&s, &n);
        strip_escaped_newlines(p->a, &s, &n);
        return replace_escapes(p, &it, s, n);
    case IT_RAW_ML_STRING:
        *typ = TT_STRING;
        strip_first_newline(&s, &n);
        return val_str(p->a, s, n);
    case IT_INTEGER:
        *typ = TT_INTEGER;
        return value_integer(p, &it);
    case IT_FLOAT:
        *typ = TT_FLOAT;
        return value_float(p, &it);
    case IT_BOOL:
        *typ = TT_BOOL;
        return val_bool(p->a, n == 4);
    case IT_DATETIME:
        *typ = TT_DATETIME;
        return value_datetime(p, &it);
    case IT_ARRAY:
        *typ = TT_ARRAY;
        return value_array(p, it);
    case IT_INLINE_TABLE_START:
        *typ = TT_HASH;
        return value_inline_table(p, it, parent_is_array);
    default:
        p_bug(p, "Unexpected value type");
    }
}

static void
p_top_level(struct tparser *p, struct titem item)
{
    switch (item.typ) {
    case IT_COMMENT_START:
        p_expect(p, IT_TEXT);
        return;
    case IT_TABLE_START:
    case IT_ARRAY_TABLE_START: {
        bool array = item.typ == IT_ARRAY_TABLE_START;
        enum titype end = array ? IT_ARRAY_TABLE_END : IT_TABLE_END;
        struct titem name = p_next_pos(p);
        struct tkey key = {0};
        for (; name.typ != end && name.typ != IT_EOF; name = p_next(p)) {
            key_add(p->tmp, &key, p_key_string(p, name));
            if (key.n > TOML_MAX_KEY)
                p_limit(p, "table name with more parts");
        }
        if (name.typ != end)
            p_bug(p, "Expected table end but got 'EOF'.");
        add_context(p, &key, array);
        p_set_type(p, &empty_key, array ? TT_ARRAY_HASH : TT_HASH);
        return;
    }
    case IT_KEY_START: {
        struct tkey outer_context = p->context;
        struct tkey key = {0};
        read_key(p, &key);
        p->current_key = key.v[key.n - 1];
        for (size_t i = 0; i + 1 < key.n; i++) {
            struct tkey c = key_copy(p->tmp, &p->context, p->context.n);
            key_add(p->tmp, &c, key.v[i]);
            add_implicit_context(p, &c);
        }
        struct titem v_item = p_next(p);
        enum ttype typ;
        struct val *val = p_value(p, v_item, false, &typ);
        p_set_value(p, p->current_key, val);
        p_set_type(p, p->current_key, typ);
        p->context = outer_context;
        p->current_key = &empty_key;
        return;
    }
    default:
        p_bug(p, "Unexpected type at top level");
    }
}

/* Moves the context (what a [table] line set) out of the scratch arena
 * and starts a new one. */
static void
commit_context(struct tparser *p)
{
    size_t n = p->context.n;
    if (n > p->ctx_cap) {
        p->ctx_store = xrealloc(p->ctx_store, n * sizeof(*p->ctx_store));
        p->ctx_cap = n;
    }
    if (n && p->context.v != p->ctx_store)
        memmove(p->ctx_store, p->context.v, n * sizeof(*p->ctx_store));
    p->context.v = p->ctx_store;
    p->context.cap = n; /* the next key_add copies into the scratch arena */
    arena_free(p->tmp);
    p->tmp = arena_new();
}

int
tmpl_toml_decode(struct val **out, struct arena *a, const char *s, size_t n, struct val **errmsg)
{
    /* a BOM (UTF-16's too, as BurntSushi skips it) */
    if (n >= 2 && (((unsigned char)s[0] == 0xff && (unsigned char)s[1] == 0xfe) ||
                   ((unsigned char)s[0] == 0xfe && (unsigned char)s[1] == 0xff))) {
        s += 2;
        n -= 2;
    } else if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
        s += 3;
        n -= 3;
    }
    size_t ex = n < 6 ? n : 6;
    if (memchr(s, 0, ex)) {
        *errmsg = val_strz(a, "toml: line 1: files cannot contain NULL bytes; probably using "
                              "UTF-16; TOML files must be UTF-8");
        return -1;
    }
    struct tparser *p = arena_alloc(a, sizeof(*p));
    memset(p, 0, sizeof(*p));
    p->a = a;
    p->lx.in = s;
    p->lx.n = n;
    p->lx.line = 1;
    p->lx.state = ST(lex_top);
    p->lx.a = a;
    p->mapping = val_map(a);
    p->key_info = val_map(a);
    p->implicits = val_map(a);
    p->current_key = &empty_key;
    p->tmp = arena_new();
    int rc = setjmp(p->jb);
    if (rc == 0) {
        for (;;) {
            struct titem item = p_next(p);
            if (item.typ == IT_EOF)
                break;
            p_top_level(p, item);
            commit_context(p);
        }
        free(p->lx.stack);
        sb_release(&p->ks);
        arena_free(p->tmp);
        free(p->ctx_store);
        *out = p->mapping;
        return 0;
    }
    free(p->lx.stack);
    sb_release(&p->ks);
    arena_free(p->tmp);
    free(p->ctx_store);
    *errmsg = p->err;
    return rc == 1 ? -1 : (p->errcode ? p->errcode : PKG_EINVAL);
}
