/* The fast path of YAML loading: block-style YAML read in one pass, with the
 * events libyaml's parser gives for it (see core/yaml-fast.h for the
 * subset). Each rule below is libyaml 0.2.5's scanner (scanner.c) and
 * parser (parser.c) for the forms kept; whatever the subset leaves out
 * returns BAIL, and the caller loads the input again with libyaml.
 *
 * The structure follows libyaml's indentation: a block collection's
 * entries sit at its column; a scalar continues onto a later line that is
 * indented past the enclosing collection's column (a multi-line scalar:
 * BAIL), so after every scalar the next line with content must be at or
 * left of that column. */
#include "core/yaml-fast.h"
#include "core/sb.h"
#include "core/text.h"
#include "core/yaml-chars.h"

#include <string.h>
#include <yaml.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define BAIL (-2)
#define AT_EOF (-1)
/* A "---" line: the document ends, another starts. As a column it is left
 * of every collection, so each one ends there. */
#define AT_DOC (-3)
/* Deeper documents are rare; libyaml reads them with its own limits. */
#define MAX_DEPTH 256
/* libyaml drops a simple key (and fails) 1024 characters after its start;
 * keys this long go to libyaml. */
#define MAX_KEY 1000

static bool fast_enabled = true;

void
yaml_fast_set_enabled(bool on)
{
    fast_enabled = on;
}

bool
yaml_fast_enabled(void)
{
    return fast_enabled;
}

struct fp {
    const char *p, *end;
    const char *ls; /* the start of p's line */
    uint32_t line;  /* p's line, 0-based */
    bool ascii;     /* the whole input is ASCII: a column is a byte offset */
    unsigned depth;
    const struct yaml_fast_sink *s;
    struct sb tmp; /* scalars that differ from their source text */
    /* An anchor ("&name") waiting for its node: the next scalar or
     * collection takes it, and its mark (libyaml marks an anchored node
     * at the '&'). */
    bool anchored;
    char anchor[128];
    uint32_t anchor_line, anchor_col;
};

/* The reader's and scanner's rules on characters, for the whole input:
 * false for what the fast path leaves to libyaml: CR, control characters,
 * DEL, malformed or non-printable UTF-8, and the characters libyaml's
 * scanner gives a meaning (NEL, LS and PS break lines; a BOM may start
 * any line). */
static bool
prescan(const unsigned char *p, size_t n, bool *ascii)
{
    bool all_ascii = true;
    size_t i = 0;
#ifdef __SSE2__
    const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7F);
    const __m128i nl = _mm_set1_epi8('\n'), tab = _mm_set1_epi8('\t');
#endif
    while (i < n) {
#ifdef __SSE2__
        /* 16 bytes at a time up to the first one that is not printable
         * ASCII, '\n' or '\t' (a signed compare takes bytes >= 0x80 as
         * below the space). */
        if (n - i >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            __m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, del));
            bad =
                _mm_andnot_si128(_mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(v, tab)), bad);
            unsigned mask = (unsigned)_mm_movemask_epi8(bad);
            if (!mask) {
                i += 16;
                continue;
            }
            i += (size_t)__builtin_ctz(mask);
        }
#endif
        unsigned c = p[i];
        if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t') {
            i++;
            continue;
        }
        if (c < 0x80)
            return false;
        all_ascii = false;
        /* libyaml's reader rejects the sequences Go's decoder does */
        uint32_t v;
        size_t w = utf8_decode(p + i, n - i, &v);
        if (!w || !yaml_printable(v) || v == 0x85 || v == 0x2028 || v == 0x2029 || v == 0xFEFF)
            return false;
        i += w;
    }
    *ascii = all_ascii;
    return true;
}

static inline bool
is_eol(const struct fp *f, const char *q)
{
    return q >= f->end || *q == '\n';
}

/* libyaml's IS_BLANKZ, for input without CR, NEL, LS or PS. */
static inline bool
is_blankz(const struct fp *f, const char *q)
{
    return q >= f->end || *q == ' ' || *q == '\t' || *q == '\n';
}

static const char *
skip_blanks(const struct fp *f, const char *q)
{
    while (q < f->end && (*q == ' ' || *q == '\t'))
        q++;
    return q;
}

/* A block sequence entry's '-' at p. */
static inline bool
is_entry(const struct fp *f, const char *p)
{
    return *p == '-' && is_blankz(f, p + 1);
}

/* After a scalar ending at q: the ':' that makes it a mapping key (blanks,
 * then ':' before a blank), or NULL. */
static const char *
key_colon(const struct fp *f, const char *q)
{
    q = skip_blanks(f, q);
    return q < f->end && *q == ':' && is_blankz(f, q + 1) ? q : NULL;
}

static int
quote_style(char quote)
{
    return quote == '"' ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_SINGLE_QUOTED_SCALAR_STYLE;
}

/* A character column, as libyaml's marks count them. */
static uint32_t
col_at(const struct fp *f, const char *q)
{
    if (f->ascii)
        return (uint32_t)(q - f->ls);
    uint32_t c = 0;
    for (const char *x = f->ls; x < q; x++)
        c += ((unsigned char)*x & 0xC0) != 0x80;
    return c;
}

static inline void
new_line(struct fp *f, const char *start)
{
    f->line++;
    f->ls = start;
    f->p = start;
}

static const char *
line_end(const struct fp *f, const char *q)
{
    const char *nl = memchr(q, '\n', (size_t)(f->end - q));
    return nl ? nl : f->end;
}

/* "---" or "..." and a blank at a line's start. */
static bool
doc_marker(const struct fp *f, const char *q)
{
    if (f->end - q < 3 || !((q[0] == '-' && q[1] == '-' && q[2] == '-') ||
                            (q[0] == '.' && q[1] == '.' && q[2] == '.')))
        return false;
    return is_blankz(f, q + 3);
}

/* What a line's first non-space character q starts at column 0: AT_DOC
 * for "---", BAIL for "..." or a directive, 0 for anything else. */
static int
line_start_marker(struct fp *f, const char *q)
{
    if (q != f->ls)
        return 0;
    if (*q == '%')
        return BAIL;
    if (!doc_marker(f, q))
        return 0;
    f->p = q;
    return *q == '-' ? AT_DOC : BAIL;
}

/* From a line's start: past blank and comment lines to the next content.
 * Returns its column with p on it, AT_EOF, AT_DOC, or BAIL (a tab in the
 * indentation, "..." or a directive). */
static int
content_from_line_start(struct fp *f)
{
    for (;;) {
        const char *q = f->p;
        while (q < f->end && *q == ' ')
            q++;
        if (q >= f->end) {
            f->p = q;
            return AT_EOF;
        }
        if (*q == '\n') {
            new_line(f, q + 1);
            continue;
        }
        if (*q == '#') {
            const char *e = line_end(f, q);
            if (e >= f->end) {
                f->p = e;
                return AT_EOF;
            }
            new_line(f, e + 1);
            continue;
        }
        if (*q == '\t')
            return BAIL;
        int mk = line_start_marker(f, q);
        if (mk)
            return mk;
        f->p = q;
        return (int)(q - f->ls);
    }
}

/* From the end of a line (p on its '\n' or at the end) to the next content. */
static int
next_content(struct fp *f)
{
    if (f->p >= f->end)
        return AT_EOF;
    new_line(f, f->p + 1);
    return content_from_line_start(f);
}

/* p at a line's first non-space character or at the end (after a block
 * scalar): that line's content, or the next one's. */
static int
content_here(struct fp *f)
{
    const char *q = f->p;
    if (q >= f->end)
        return AT_EOF;
    if (*q == '#') {
        f->p = line_end(f, q);
        return next_content(f);
    }
    if (*q == '\n')
        return next_content(f);
    if (*q == '\t')
        return BAIL;
    int mk = line_start_marker(f, q);
    return mk ? mk : (int)(q - f->ls);
}

/* The rest of a line after a token: blanks (tabs too when `tabs`: libyaml
 * eats them where no simple key may start), then a comment or the line's
 * end. p ends on the line's end. */
static int
rest_of_line(struct fp *f, const char *q, bool tabs)
{
    while (q < f->end && (*q == ' ' || (tabs && *q == '\t')))
        q++;
    if (q < f->end && *q == '#')
        q = line_end(f, q);
    if (!is_eol(f, q))
        return BAIL;
    f->p = q;
    return 0;
}

/* fetch_next_token's test for a plain scalar's first character (block
 * context); '-', '?' and ':' before a blank are indicators. */
static bool
plain_start(const struct fp *f, const char *p)
{
    switch (*p) {
    case '-':
    case '?':
    case ':':
        return !is_blankz(f, p + 1);
    case ' ':
    case '\t':
    case '\n':
        return false;
    default:
        return !yaml_indicator((unsigned char)*p);
    }
}

enum plain_stop { PS_EOL, PS_COMMENT, PS_COLON };

/* A plain scalar from p to where it stops on its line: the line's end, a
 * comment (a '#' after blanks) or a ':' before a blank. *text_end is after
 * its last non-blank character; *stop is the line's end, the '#' or the
 * ':'. */
static enum plain_stop
scan_plain(const struct fp *f, const char *p, const char **text_end, const char **stop)
{
    const char *q = p, *last = p;
    for (;;) {
        if (q >= f->end || *q == '\n') {
            *text_end = last;
            *stop = q;
            return PS_EOL;
        }
        char c = *q;
        if (c == ' ' || c == '\t') {
            const char *r = skip_blanks(f, q + 1);
            if (r < f->end && *r == '#') {
                *text_end = last;
                *stop = r;
                return PS_COMMENT;
            }
            q = r;
            continue;
        }
        if (c == ':' && is_blankz(f, q + 1)) {
            *text_end = last;
            *stop = q;
            return PS_COLON;
        }
        last = ++q;
    }
}

/* The escapes of a double-quoted scalar that stand for one character
 * (scan_flow_scalar's table; \x, \u and \U take hex digits). */
static const struct {
    char c;
    uint16_t r;
} yaml_escapes[] = {
    {'0', 0},    {'a', '\a'},  {'b', '\b'}, {'t', '\t'}, {'\t', '\t'},  {'n', '\n'},
    {'v', '\v'}, {'f', '\f'},  {'r', '\r'}, {'e', 0x1B}, {' ', ' '},    {'"', '"'},
    {'/', '/'},  {'\\', '\\'}, {'N', 0x85}, {'_', 0xA0}, {'L', 0x2028}, {'P', 0x2029},
};

/* One escape of a double-quoted scalar, q on the backslash. Returns the
 * position after it, NULL for what libyaml rejects or folds (an escaped
 * line break). */
static const char *
escape(struct fp *f, const char *q)
{
    if (q + 1 >= f->end)
        return NULL;
    for (size_t i = 0; i < sizeof(yaml_escapes) / sizeof(yaml_escapes[0]); i++) {
        if (q[1] == yaml_escapes[i].c) {
            utf8_append(&f->tmp, yaml_escapes[i].r);
            return q + 2;
        }
    }
    size_t code = q[1] == 'x' ? 2 : q[1] == 'u' ? 4 : q[1] == 'U' ? 8 : 0;
    q += 2;
    if (!code || (size_t)(f->end - q) < code)
        return NULL;
    uint32_t v = 0;
    for (size_t k = 0; k < code; k++) {
        int h = hex_digit(q[k]);
        if (h < 0)
            return NULL;
        v = v << 4 | (uint32_t)h;
    }
    if ((v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
        return NULL;
    utf8_append(&f->tmp, v);
    return q + code;
}

/* A quoted scalar that closes on its own line, p on the quote. Returns the
 * position after the closing quote, NULL to bail. The value is the source
 * text when nothing in it is escaped, else f->tmp. On its line, blanks
 * between the quotes are kept as they are, as scan_flow_scalar does. */
static const char *
scan_quoted(struct fp *f, const char *p, const char **text, size_t *len)
{
    char qc = *p;
    const char *q = p + 1;
    while (q < f->end && *q != qc && *q != '\n' && !(qc == '"' && *q == '\\'))
        q++;
    if (q >= f->end || *q == '\n')
        return NULL;
    if (*q == qc && !(qc == '\'' && q + 1 < f->end && q[1] == '\'')) {
        *text = p + 1;
        *len = (size_t)(q - (p + 1));
        return q + 1;
    }
    sb_reset(&f->tmp);
    sb_add(&f->tmp, p + 1, (size_t)(q - (p + 1)));
    for (;;) {
        if (q >= f->end || *q == '\n')
            return NULL;
        if (qc == '\'' && *q == '\'') {
            if (q + 1 < f->end && q[1] == '\'') {
                sb_addch(&f->tmp, '\'');
                q += 2;
                continue;
            }
            break;
        }
        if (qc == '"' && *q == '"')
            break;
        if (qc == '"' && *q == '\\') {
            q = escape(f, q);
            if (!q)
                return NULL;
            continue;
        }
        sb_addch(&f->tmp, *q++);
    }
    *text = f->tmp.buf;
    *len = f->tmp.len;
    return q + 1;
}

/* The anchor waiting for the node being emitted, if any: the node takes
 * it and its mark. */
static const char *
take_anchor(struct fp *f, uint32_t *line, uint32_t *col)
{
    if (!f->anchored)
        return NULL;
    f->anchored = false;
    *line = f->anchor_line;
    *col = f->anchor_col;
    return f->anchor;
}

static int
emit_scalar(struct fp *f, const char *text, size_t len, int style, uint32_t line, uint32_t col)
{
    const char *anchor = take_anchor(f, &line, &col);
    return f->s->scalar(f->s->ctx, text, len, style, anchor, line, col) ? BAIL : 0;
}

static int
emit_start(struct fp *f, bool seq, bool flow, uint32_t line, uint32_t col)
{
    const char *anchor = take_anchor(f, &line, &col);
    return f->s->start(f->s->ctx, seq, flow, anchor, line, col) ? BAIL : 0;
}

/* scan_block_scalar_breaks: indentation spaces and empty lines before a
 * block scalar's line; sets the indentation when it is still unknown.
 * `n` is the scanner's indentation (the enclosing collection's column). */
static int
block_breaks(struct fp *f, int *indent, int n, size_t *breaks)
{
    int max_indent = 0;
    for (;;) {
        const char *q = f->p;
        int col = (int)(q - f->ls);
        while ((!*indent || col < *indent) && q < f->end && *q == ' ') {
            q++;
            col++;
        }
        if (col > max_indent)
            max_indent = col;
        if ((!*indent || col < *indent) && q < f->end && *q == '\t')
            return BAIL;
        f->p = q;
        if (q >= f->end || *q != '\n')
            break;
        (*breaks)++;
        new_line(f, q + 1);
    }
    if (!*indent) {
        *indent = max_indent;
        if (*indent < n + 1)
            *indent = n + 1;
        if (*indent < 1)
            *indent = 1;
    }
    return 0;
}

/* A literal or folded block scalar, p on its indicator (scan_block_scalar).
 * Ends with p on the first non-space character of the line that ends it. */
static int
block_scalar(struct fp *f, int n)
{
    const char *p = f->p;
    uint32_t line = f->line, col = col_at(f, p);
    bool literal = *p == '|';
    int chomping = 0, increment = 0;
    p++;
    if (p < f->end && (*p == '+' || *p == '-')) {
        chomping = *p == '+' ? 1 : -1;
        p++;
        if (p < f->end && *p >= '0' && *p <= '9') {
            if (*p == '0')
                return BAIL;
            increment = *p++ - '0';
        }
    } else if (p < f->end && *p >= '0' && *p <= '9') {
        if (*p == '0')
            return BAIL;
        increment = *p++ - '0';
        if (p < f->end && (*p == '+' || *p == '-')) {
            chomping = *p == '+' ? 1 : -1;
            p++;
        }
    }
    p = skip_blanks(f, p);
    if (p < f->end && *p == '#')
        p = line_end(f, p);
    if (!is_eol(f, p))
        return BAIL;
    if (p < f->end)
        new_line(f, p + 1);
    else
        f->p = p;
    int indent = increment ? (n >= 0 ? n + increment : increment) : 0;
    size_t breaks = 0;
    bool leading_break = false, leading_blank = false;
    struct sb *s = &f->tmp;
    sb_reset(s);
    if (block_breaks(f, &indent, n, &breaks))
        return BAIL;
    while (f->p < f->end && (int)(f->p - f->ls) == indent) {
        const char *q = f->p;
        bool trailing_blank = *q == ' ' || *q == '\t';
        if (!literal && leading_break && !leading_blank && !trailing_blank) {
            if (!breaks)
                sb_addch(s, ' ');
        } else if (leading_break) {
            sb_addch(s, '\n');
        }
        leading_break = false;
        for (; breaks; breaks--)
            sb_addch(s, '\n');
        leading_blank = trailing_blank;
        const char *e = line_end(f, q);
        sb_add(s, q, (size_t)(e - q));
        if (e < f->end) {
            leading_break = true;
            new_line(f, e + 1);
        } else {
            f->p = e;
        }
        if (block_breaks(f, &indent, n, &breaks))
            return BAIL;
    }
    if (chomping != -1 && leading_break)
        sb_addch(s, '\n');
    if (chomping == 1)
        for (; breaks; breaks--)
            sb_addch(s, '\n');
    return emit_scalar(f, s->buf ? s->buf : "", s->len,
                       literal ? YAML_LITERAL_SCALAR_STYLE : YAML_FOLDED_SCALAR_STYLE, line, col);
}

/* ---- flow collections, on one line ---- */

/* A plain scalar in a flow collection, from p: it stops at ',', '[', ']',
 * '{', '}' or a ':' before a blank. NULL to bail: the line ends first (the
 * collection goes on over lines), a comment, or libyaml's "found
 * unexpected ':'". */
static const char *
scan_flow_plain(const struct fp *f, const char *p, const char **text_end)
{
    const char *q = p, *last = p;
    for (;;) {
        if (q >= f->end || *q == '\n')
            return NULL;
        char c = *q;
        if (c == ' ' || c == '\t') {
            q = skip_blanks(f, q);
            if (q < f->end && *q == '#')
                return NULL;
            continue;
        }
        if (c == ':') {
            if (q + 1 < f->end && strchr(",?[]{}", q[1]))
                return NULL;
            if (is_blankz(f, q + 1))
                break;
        }
        if (c == ',' || c == '[' || c == ']' || c == '{' || c == '}')
            break;
        last = ++q;
    }
    *text_end = last;
    return q;
}

static const char *flow_collection(struct fp *f, const char *q);

/* A node inside a flow collection at q. Returns the position after it. */
static const char *
flow_node(struct fp *f, const char *q)
{
    if (*q == '[' || *q == '{')
        return flow_collection(f, q);
    uint32_t line = f->line, col = col_at(f, q);
    if (*q == '"' || *q == '\'') {
        const char *text;
        size_t len;
        const char *after = scan_quoted(f, q, &text, &len);
        if (!after || emit_scalar(f, text, len, quote_style(*q), line, col))
            return NULL;
        return after;
    }
    /* fetch_next_token: in a flow collection '?' and ':' are indicators */
    if (*q == '?' || *q == ':' || !plain_start(f, q))
        return NULL;
    const char *text_end;
    const char *stop = scan_flow_plain(f, q, &text_end);
    if (!stop || emit_scalar(f, q, (size_t)(text_end - q), YAML_PLAIN_SCALAR_STYLE, line, col))
        return NULL;
    return stop;
}

/* A flow sequence of nodes or a flow mapping of scalar keys to nodes, q on
 * its bracket, closed on the same line. No empty entries or values, no
 * single-pair mappings in sequences, no explicit keys. */
static const char *
flow_collection(struct fp *f, const char *q)
{
    if (++f->depth > MAX_DEPTH)
        return NULL;
    bool seq = *q == '[';
    char close = seq ? ']' : '}';
    if (emit_start(f, seq, true, f->line, col_at(f, q)))
        return NULL;
    q = skip_blanks(f, q + 1);
    for (bool first = true;; first = false) {
        if (q < f->end && *q == close)
            break;
        if (!first) {
            if (q >= f->end || *q != ',')
                return NULL;
            q = skip_blanks(f, q + 1);
            if (q < f->end && *q == close)
                break;
        }
        if (q >= f->end || *q == '\n' || *q == '#' || *q == ',')
            return NULL;
        if (!seq && (*q == '[' || *q == '{'))
            return NULL;
        q = flow_node(f, q);
        if (!q)
            return NULL;
        q = skip_blanks(f, q);
        if (q < f->end && *q == ':') {
            if (seq)
                return NULL;
            q = skip_blanks(f, q + 1);
            if (q >= f->end || strchr(",]}\n#", *q))
                return NULL;
            q = flow_node(f, q);
            if (!q)
                return NULL;
            q = skip_blanks(f, q);
        } else if (!seq) {
            return NULL;
        }
    }
    f->depth--;
    return f->s->end(f->s->ctx) ? NULL : q + 1;
}

/* ---- block structure ---- */

/* The lines after a plain scalar's first (p at that line's end) that go on
 * with it: content indented past n that is not a comment. Folds them as
 * scan_plain_scalar does: a line break becomes a space, n empty lines
 * between become n line breaks, blanks around breaks go. Returns 1 with the
 * scalar in f->tmp and p at the end of its last line, 0 when the scalar is
 * the first line alone (p unmoved), BAIL. */
static int
plain_more_lines(struct fp *f, int n, const char *first, size_t first_len)
{
    bool more = false;
    while (f->p < f->end) {
        const char *ls = f->p + 1, *q = ls;
        uint32_t lines = 1;
        size_t breaks = 0;
        for (;;) {
            while (q < f->end && *q == ' ')
                q++;
            if (q < f->end && *q == '\t')
                return BAIL;
            if (q >= f->end || *q != '\n')
                break;
            breaks++;
            lines++;
            ls = ++q;
        }
        if (q >= f->end || (int)(q - ls) <= n || *q == '#')
            break;
        if (!more) {
            sb_reset(&f->tmp);
            sb_add(&f->tmp, first, first_len);
            more = true;
        }
        if (breaks)
            sb_addchn(&f->tmp, '\n', breaks);
        else
            sb_addch(&f->tmp, ' ');
        const char *text_end, *stop;
        enum plain_stop ps = scan_plain(f, q, &text_end, &stop);
        if (ps == PS_COLON)
            return BAIL;
        sb_add(&f->tmp, q, (size_t)(text_end - q));
        f->line += lines;
        f->ls = ls;
        f->p = ps == PS_COMMENT ? line_end(f, stop) : stop;
        if (ps == PS_COMMENT)
            break;
    }
    return more;
}

/* After a scalar node: the next content, which must not be indented past
 * the enclosing collection (a multi-line scalar, or an error). */
static int
after_scalar(int n, int m)
{
    if (m == BAIL || m > n)
        return BAIL;
    return m;
}

enum where {
    W_OWN_LINE, /* the first content on its line */
    W_COMPACT,  /* after "- " on the same line */
    W_INLINE,   /* after "key: " on the same line: no block collection */
};

static int parse_map(struct fp *f, int n);
static int parse_seq(struct fp *f, int n, bool indentless);

/* libyaml's anchor and alias names: alphanumerics, '_' and '-'. */
static bool
is_anchor_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == '-';
}

/* An anchor or alias name after p's indicator; NULL to bail (empty, too
 * long, or not followed by a blank, which libyaml may read otherwise). */
static const char *
scan_anchor(const struct fp *f, const char *p)
{
    const char *q = p + 1;
    while (q < f->end && is_anchor_char(*q))
        q++;
    if (q == p + 1 || q - (p + 1) >= 128 || !is_blankz(f, q))
        return NULL;
    return q;
}

/* Does a block mapping start at q, on this line (a key and its ':')? */
static bool
key_here(struct fp *f, const char *q)
{
    if (*q == '"' || *q == '\'') {
        const char *text;
        size_t len;
        const char *after = scan_quoted(f, q, &text, &len);
        return !after || key_colon(f, after); /* unsure: the caller bails */
    }
    const char *te, *stop;
    return plain_start(f, q) && scan_plain(f, q, &te, &stop) == PS_COLON;
}

static int parse_node(struct fp *f, int n, int c, enum where w);

/* "*name": an alias node. */
static int
parse_alias(struct fp *f, int n, enum where w)
{
    const char *p = f->p;
    const char *q = scan_anchor(f, p);
    if (!q || f->anchored)
        return BAIL;
    const char *r = skip_blanks(f, q);
    if (w != W_INLINE && r < f->end && *r == ':')
        return BAIL; /* an alias as a key */
    char name[128];
    memcpy(name, p + 1, (size_t)(q - (p + 1)));
    name[q - (p + 1)] = 0;
    if (f->s->alias(f->s->ctx, name, f->line, col_at(f, p)) || rest_of_line(f, q, true))
        return BAIL;
    return after_scalar(n, next_content(f));
}

/* The node on the lines below q, whose line holds nothing more (blanks, a
 * comment): more indented than n, or a sequence at n itself when
 * `indentless` (a key's value); else an empty scalar marked (line, col). */
static int
node_below(struct fp *f, int n, const char *q, bool indentless, uint32_t line, uint32_t col)
{
    f->p = q < f->end && *q == '#' ? line_end(f, q) : q;
    int m = next_content(f);
    if (m == BAIL)
        return BAIL;
    if (m > n)
        return parse_node(f, n, m, W_OWN_LINE);
    if (indentless && m == n && is_entry(f, f->p))
        return parse_seq(f, n, true);
    if (emit_scalar(f, "", 0, YAML_PLAIN_SCALAR_STYLE, line, col))
        return BAIL;
    return m;
}

/* "&name" before a node: on this line, or on the lines below, or none (an
 * empty scalar). `indentless`: a key's value may be a sequence at the
 * key's column. */
static int
parse_anchored(struct fp *f, int n, bool indentless)
{
    const char *p = f->p;
    const char *q = scan_anchor(f, p);
    if (!q || f->anchored)
        return BAIL;
    f->anchored = true;
    memcpy(f->anchor, p + 1, (size_t)(q - (p + 1)));
    f->anchor[q - (p + 1)] = 0;
    f->anchor_line = f->line;
    f->anchor_col = col_at(f, p);
    q = skip_blanks(f, q);
    if (q < f->end && *q != '\n' && *q != '#') {
        /* the node on the same line: a key there would take the anchor */
        if (*q == '&' || *q == '*' || *q == '!' || is_entry(f, q) || key_here(f, q))
            return BAIL;
        f->p = q;
        return parse_node(f, n, (int)(q - f->ls), W_INLINE);
    }
    /* an empty node takes the anchor's mark */
    return node_below(f, n, q, indentless, 0, 0);
}

/* A node at p (column c); n is the enclosing collection's column. Returns
 * the column of the next content after the node (with p on it), AT_EOF or
 * BAIL. */
static int
parse_node(struct fp *f, int n, int c, enum where w)
{
    const char *p = f->p;
    uint32_t line = f->line, col = col_at(f, p);
    if (*p == '&')
        return parse_anchored(f, n, false);
    if (*p == '*')
        return parse_alias(f, n, w);
    if (is_entry(f, p))
        return w == W_INLINE ? BAIL : parse_seq(f, c, false);
    if (*p == '"' || *p == '\'') {
        const char *text;
        size_t len;
        const char *after = scan_quoted(f, p, &text, &len);
        if (!after)
            return BAIL;
        if (key_colon(f, after))
            return w == W_INLINE ? BAIL : parse_map(f, c);
        if (emit_scalar(f, text, len, quote_style(*p), line, col) || rest_of_line(f, after, true))
            return BAIL;
        return after_scalar(n, next_content(f));
    }
    if (*p == '|' || *p == '>') {
        if (block_scalar(f, n))
            return BAIL;
        return after_scalar(n, content_here(f));
    }
    if (*p == '{' || *p == '[') {
        const char *after = flow_collection(f, p);
        if (!after || rest_of_line(f, after, true))
            return BAIL;
        return after_scalar(n, next_content(f));
    }
    if (!plain_start(f, p))
        return BAIL;
    const char *text_end, *stop;
    enum plain_stop ps = scan_plain(f, p, &text_end, &stop);
    if (ps == PS_COLON)
        return w == W_INLINE ? BAIL : parse_map(f, c);
    f->p = ps == PS_COMMENT ? line_end(f, stop) : stop;
    int more = ps == PS_EOL ? plain_more_lines(f, n, p, (size_t)(text_end - p)) : 0;
    if (more == BAIL)
        return BAIL;
    if (more ? emit_scalar(f, f->tmp.buf, f->tmp.len, YAML_PLAIN_SCALAR_STYLE, line, col)
             : emit_scalar(f, p, (size_t)(text_end - p), YAML_PLAIN_SCALAR_STYLE, line, col))
        return BAIL;
    return after_scalar(n, next_content(f));
}

/* The value after a key's ':' or an entry's '-', q just past it (where an
 * empty value's mark is). A key's value may be a sequence at the key's own
 * column (indentless); an entry's may be a collection on the same line. */
static int
parse_value(struct fp *f, int n, const char *q, bool after_key)
{
    uint32_t line = f->line, col = col_at(f, q);
    while (q < f->end && *q == ' ')
        q++;
    if (q < f->end && *q == '\t')
        return BAIL;
    if (!is_eol(f, q) && *q != '#') {
        f->p = q;
        if (*q == '&')
            return parse_anchored(f, n, after_key);
        return parse_node(f, n, (int)(q - f->ls), after_key ? W_INLINE : W_COMPACT);
    }
    return node_below(f, n, q, after_key, line, col);
}

/* A block mapping at column n, p on its first key. */
static int
parse_map(struct fp *f, int n)
{
    if (++f->depth > MAX_DEPTH)
        return BAIL;
    if (emit_start(f, false, false, f->line, col_at(f, f->p)))
        return BAIL;
    for (;;) {
        const char *p = f->p;
        uint32_t line = f->line, col = col_at(f, p);
        const char *colon;
        if (*p == '"' || *p == '\'') {
            const char *text;
            size_t len;
            const char *after = scan_quoted(f, p, &text, &len);
            if (!after)
                return BAIL;
            colon = key_colon(f, after);
            if (!colon || colon - p > MAX_KEY ||
                emit_scalar(f, text, len, quote_style(*p), line, col))
                return BAIL;
        } else {
            if (!plain_start(f, p))
                return BAIL;
            const char *text_end;
            if (scan_plain(f, p, &text_end, &colon) != PS_COLON || colon - p > MAX_KEY)
                return BAIL;
            if (emit_scalar(f, p, (size_t)(text_end - p), YAML_PLAIN_SCALAR_STYLE, line, col))
                return BAIL;
        }
        int m = parse_value(f, n, colon + 1, true);
        if (m == BAIL)
            return BAIL;
        if (m == n) {
            if (is_entry(f, f->p))
                return BAIL;
            continue;
        }
        if (m > n)
            return BAIL;
        f->depth--;
        return f->s->end(f->s->ctx) ? BAIL : m;
    }
}

/* A block sequence at column n, p on its first '-'. An indentless one is a
 * key's value at the key's column: it ends at a line of that column that is
 * not an entry. */
static int
parse_seq(struct fp *f, int n, bool indentless)
{
    if (++f->depth > MAX_DEPTH)
        return BAIL;
    if (emit_start(f, true, false, f->line, col_at(f, f->p)))
        return BAIL;
    for (;;) {
        int m = parse_value(f, n, f->p + 1, false);
        if (m == BAIL)
            return BAIL;
        if (m == n && is_entry(f, f->p))
            continue;
        if (m > n || (m == n && !indentless))
            return BAIL;
        f->depth--;
        return f->s->end(f->s->ctx) ? BAIL : m;
    }
}

int
yaml_fast_load(const char *buf, size_t len, const struct yaml_fast_sink *sink)
{
    bool ascii;
    if (!fast_enabled || !prescan((const unsigned char *)buf, len, &ascii))
        return 0;
    struct fp f = {.p = buf, .end = buf + len, .ls = buf, .ascii = ascii, .s = sink};
    sb_init(&f.tmp);
    int ok = 0;
    int m = content_from_line_start(&f);
    for (;;) {
        bool explicit_doc = m == AT_DOC;
        if (explicit_doc) {
            /* "---", then at most a comment on its line */
            if (rest_of_line(&f, f.p + 3, true))
                break;
            m = next_content(&f);
        }
        if (m == AT_EOF) {
            ok = !explicit_doc; /* an explicit empty document (null) goes to libyaml */
            break;
        }
        if (m < 0 || sink->doc_start(sink->ctx))
            break;
        m = is_entry(&f, f.p) ? parse_seq(&f, m, false) : parse_map(&f, m);
        if (m != AT_EOF && m != AT_DOC)
            break;
        int end = sink->doc_end(sink->ctx);
        if (end || m == AT_EOF) {
            ok = end >= 0;
            break;
        }
    }
    sb_release(&f.tmp);
    return ok;
}
