/* YAML emit, byte for byte what sigs.k8s.io/yaml.Marshal prints: Helm's
 * toYaml, and (through kustomize's resource.AsYAML, which is
 * yaml.JSONToYAML(json.Marshal(...))) what `kubectl kustomize` prints.
 *
 * That function marshals the value with encoding/json, parses the JSON text
 * back with go-yaml v2 into interface{} and marshals that with go-yaml v2.
 * We do not build the text twice; we reproduce what the round trip does to
 * a value:
 *
 *  - numbers: the JSON text of a float re-parses as an int when it has no
 *    '.' or exponent and fits (3.0 -> 3, 1e6 -> 1000000), else as a float
 *    printed with 'g' (1e+21, 1e-07);
 *  - strings: invalid UTF-8 becomes U+FFFD; a raw NEL (U+0085, which JSON
 *    leaves alone) is a line break to the YAML parser and folds as in any
 *    double-quoted scalar; DEL, C1 controls, U+FFFE and U+FFFF make the
 *    parser fail ("control characters are not allowed"); a map key whose
 *    JSON form spans lines or exceeds the scanner's 1024-character simple
 *    key window makes it fail too;
 *  - map keys are sorted by go-yaml v2's keyList.Less (runs of digits
 *    compare as numbers, letters after other characters), as encode.go's
 *    mapv does.
 *
 * The output side is a port of the parts of go-yaml v2's emitter
 * (emitterc.go, a translation of libyaml's) that such a document reaches:
 * block mappings and sequences, flow style only for empty collections, the
 * scalar analysis that picks plain, single-quoted, double-quoted or literal
 * style, line folding at 80 columns, simple and complex ("? ") keys. */
#include "core/yaml.h"
#include "core/gofmt.h"
#include "core/json.h"
#include "core/text.h"
#include "core/yaml-chars.h"
#include "core/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>

#define BEST_INDENT 2
#define BEST_WIDTH 80
/* go-yaml v2's scanner refuses flow nesting deeper than this. */
#define MAX_FLOW_LEVEL 10000

enum sstyle {
    S_PLAIN,
    S_SINGLE,
    S_DOUBLE,
    S_LITERAL,
};

struct skey;

struct yem {
    struct sb *out;
    /* emitter state, as in yaml_emitter_t */
    int indent;
    int *indents; /* indents_small, or the heap when deeper */
    size_t nind, cind;
    int indents_small[64];
    int column;
    bool whitespace;
    bool indention;
    int flow_level;
    bool root_ctx, seq_ctx, map_ctx, simple_key_ctx;
    /* the current scalar's analysis */
    bool multiline;
    bool flow_plain_allowed;
    bool block_plain_allowed;
    bool single_quoted_allowed;
    bool block_allowed;
    bool ascii; /* printable ASCII, no breaks: one byte is one column */
    /* go-yaml v3's Encoder (val_yaml_emit_v3) instead of v2's: sequences
     * indented under their key, tabs never plain, no folding */
    bool v3;
    bool compact_seq; /* v3's CompactSeqIndent: a mapping's sequence values
                         start at the key's column */
    int best_width;
    size_t depth;
    struct arena *scratch; /* objects' to_val, fixed-up strings, runes */
    struct skey *kbuf;     /* sorted keys of the maps being emitted (LIFO) */
    size_t kused, kcap;
    struct pkg_err **errp;
};

/* ---- character classes (yamlprivateh.go; b points into a string that
 * holds the whole character) ---- */

static inline int
cwidth(unsigned char b)
{
    if ((b & 0x80) == 0)
        return 1;
    if ((b & 0xE0) == 0xC0)
        return 2;
    if ((b & 0xF0) == 0xE0)
        return 3;
    if ((b & 0xF8) == 0xF0)
        return 4;
    return 0;
}

/* Reads b[i], or 0 past the end (Go would read the terminator the same way
 * only where the string has one; every use below stays in bounds for valid
 * UTF-8, this just keeps C safe). */
static inline unsigned char
at(const unsigned char *b, size_t n, size_t i)
{
    return i < n ? b[i] : 0;
}

static inline bool
is_printable(const unsigned char *b, size_t n, size_t i)
{
    unsigned char c = b[i];
    if (c < 0x80)
        return c == 0x0A || (c >= 0x20 && c <= 0x7E);
    unsigned char c1 = at(b, n, i + 1), c2 = at(b, n, i + 2);
    return c == 0x0A || (c >= 0x20 && c <= 0x7E) || (c == 0xC2 && c1 >= 0xA0) ||
           (c > 0xC2 && c < 0xED) || (c == 0xED && c1 < 0xA0) || c == 0xEE ||
           (c == 0xEF && !(c1 == 0xBB && c2 == 0xBF) &&
            !(c1 == 0xBF && (c2 == 0xBE || c2 == 0xBF)));
}

static inline bool
is_space(const unsigned char *b, size_t n, size_t i)
{
    return at(b, n, i) == ' ';
}

static inline bool
is_blank(const unsigned char *b, size_t n, size_t i)
{
    unsigned char c = at(b, n, i);
    return c == ' ' || c == '\t';
}

static inline bool
is_break(const unsigned char *b, size_t n, size_t i)
{
    unsigned char c = at(b, n, i);
    if (c < 0x80)
        return c == '\r' || c == '\n';
    return c == '\r' || c == '\n' || (c == 0xC2 && at(b, n, i + 1) == 0x85) ||
           (c == 0xE2 && at(b, n, i + 1) == 0x80 &&
            (at(b, n, i + 2) == 0xA8 || at(b, n, i + 2) == 0xA9));
}

static bool
is_blankz(const unsigned char *b, size_t n, size_t i)
{
    return is_blank(b, n, i) || is_break(b, n, i) || at(b, n, i) == 0;
}

/* go-yaml's is_bom looks at the start of the string whatever i is: a string
 * that starts with U+FEFF gets every character escaped in double quotes. */
static inline bool
starts_with_bom(const unsigned char *b, size_t n)
{
    return n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF;
}

/* Eight bytes at a time (unaligned load). */
static inline uint64_t
load8(const unsigned char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Whether every byte of x is printable ASCII, 0x20..0x7E (the bit hacks'
 * hasless(x, 0x20) and hasmore(x, 0x7E), both exact for these bounds). */
static inline bool
all_printable8(uint64_t x)
{
    return (((x - ONES * 0x20) & ~x) | ((x + ONES) | x)) & HIGHS ? false : true;
}

/* Bytes that change nothing in the scalar analysis after the first
 * character: printable ASCII other than the space and the indicators
 * , ? [ ] { } : # (go-yaml's analyze loop only records "not a space, not a
 * break, not whitespace before the next one" for them). */
static const bool quiet_byte[256] = {
    ['!'] = 1, ['"'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['('] = 1,  [')'] = 1,
    ['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['/'] = 1, ['0'] = 1,  ['1'] = 1,  ['2'] = 1,
    ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1,  ['9'] = 1,  [';'] = 1,
    ['<'] = 1, ['='] = 1, ['>'] = 1, ['@'] = 1, ['A'] = 1, ['B'] = 1,  ['C'] = 1,  ['D'] = 1,
    ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1,  ['K'] = 1,  ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,  ['S'] = 1,  ['T'] = 1,
    ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,  ['\\'] = 1, ['^'] = 1,
    ['_'] = 1, ['`'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1,  ['e'] = 1,  ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,  ['m'] = 1,  ['n'] = 1,
    ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,  ['u'] = 1,  ['v'] = 1,
    ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['|'] = 1, ['~'] = 1,
};

/* ---- output primitives (put, put_break, write) ---- */

/* sb_add, inlined for the room-to-spare case (this runs per character). */
static inline void
out_add(struct sb *sb, const void *p, size_t n)
{
    if (sb->len + n < sb->cap && !sb->limit) {
        memcpy(sb->buf + sb->len, p, n);
        sb->len += n;
        sb->buf[sb->len] = 0;
    } else {
        sb_add(sb, p, n);
    }
}

static inline void
put(struct yem *e, char c)
{
    out_add(e->out, &c, 1);
    e->column++;
}

static inline void
put_break(struct yem *e)
{
    out_add(e->out, "\n", 1);
    e->column = 0;
}

/* Copies one character; returns its width. */
static inline size_t
write_ch(struct yem *e, const unsigned char *s, size_t n, size_t i)
{
    size_t w = (size_t)cwidth(s[i]);
    if (w == 0 || i + w > n)
        w = 1;
    out_add(e->out, s + i, w);
    e->column++;
    return w;
}

static size_t
write_break(struct yem *e, const unsigned char *s, size_t n, size_t i)
{
    if (s[i] == '\n') {
        put_break(e);
        return 1;
    }
    size_t w = write_ch(e, s, n, i);
    e->column = 0;
    return w;
}

static void
write_indent(struct yem *e)
{
    int indent = e->indent < 0 ? 0 : e->indent;
    if (!e->indention || e->column > indent || (e->column == indent && !e->whitespace))
        put_break(e);
    if (e->column < indent) {
        sb_addchn(e->out, ' ', (size_t)(indent - e->column));
        e->column = indent;
    }
    e->whitespace = true;
    e->indention = true;
}

static void
write_indicator(struct yem *e, const char *ind, bool need_whitespace, bool is_whitespace,
                bool is_indention)
{
    if (need_whitespace && !e->whitespace)
        put(e, ' ');
    size_t n = strlen(ind);
    for (size_t i = 0; i < n;)
        i += write_ch(e, (const unsigned char *)ind, n, i);
    e->whitespace = is_whitespace;
    e->indention = e->indention && is_indention;
}

static void
increase_indent(struct yem *e, bool flow, bool indentless)
{
    if (e->nind == e->cind) {
        /* Past the inline stack: move to the heap. */
        size_t cap = e->cind;
        int *h = xmalloc(2 * cap * sizeof(*h));
        memcpy(h, e->indents, cap * sizeof(*h));
        if (e->indents != e->indents_small)
            free(e->indents);
        e->indents = h;
        e->cind = 2 * cap;
    }
    e->indents[e->nind++] = e->indent;
    if (e->indent < 0)
        e->indent = flow ? BEST_INDENT : 0;
    else if (!indentless)
        e->indent += BEST_INDENT;
}

static void
pop_indent(struct yem *e)
{
    e->indent = e->indents[--e->nind];
}

/* ---- scalar analysis and style (yaml_emitter_analyze_scalar,
 * yaml_emitter_select_scalar_style) ---- */

/* The analysis below for the common scalar: printable ASCII, no breaks.
 * Returns false to leave any other to the general loop. */
static bool
analyze_ascii(struct yem *e, const unsigned char *v, size_t n)
{
    size_t i0 = 0;
    for (; i0 + 8 <= n; i0 += 8)
        if (!all_printable8(load8(v + i0)))
            return false;
    for (; i0 < n; i0++)
        if (v[i0] < 0x20 || v[i0] > 0x7E)
            return false;
    bool flow_ind = false, block_ind = false;
    if (n >= 3 && ((v[0] == '-' && v[1] == '-' && v[2] == '-') ||
                   (v[0] == '.' && v[1] == '.' && v[2] == '.'))) {
        flow_ind = true;
        block_ind = true;
    }
    bool followed = n == 1 || v[1] == ' ';
    if (yaml_indicator(v[0])) {
        flow_ind = true;
        block_ind = true;
    }
    switch (v[0]) {
    case '?':
    case ':':
        flow_ind = true;
        if (followed)
            block_ind = true;
        break;
    case '-':
        if (followed) {
            flow_ind = true;
            block_ind = true;
        }
        break;
    }
    for (size_t i = 1; i < n; i++) {
        if (quiet_byte[v[i]] || v[i] == ' ')
            continue;
        switch (v[i]) {
        case ',':
        case '?':
        case '[':
        case ']':
        case '{':
        case '}':
            flow_ind = true;
            break;
        case ':':
            flow_ind = true;
            if (i + 1 == n || v[i + 1] == ' ')
                block_ind = true;
            break;
        case '#':
            if (v[i - 1] == ' ') {
                flow_ind = true;
                block_ind = true;
            }
            break;
        }
    }
    bool edge_space = v[0] == ' ' || v[n - 1] == ' ';
    e->multiline = false;
    e->flow_plain_allowed = !edge_space && !flow_ind;
    e->block_plain_allowed = !edge_space && !block_ind;
    e->single_quoted_allowed = true;
    e->block_allowed = v[n - 1] != ' ';
    e->ascii = true;
    return true;
}

static void
analyze_scalar(struct yem *e, const unsigned char *v, size_t n)
{
    e->ascii = false;
    if (n > 0 && analyze_ascii(e, v, n))
        return;
    if (n == 0) {
        e->multiline = false;
        e->flow_plain_allowed = false;
        e->block_plain_allowed = true;
        e->single_quoted_allowed = true;
        e->block_allowed = false;
        return;
    }
    bool block_ind = false, flow_ind = false, line_breaks = false, special = false, tabs = false;
    bool leading_space = false, leading_break = false, trailing_space = false,
         trailing_break = false, break_space = false, space_break = false;
    bool preceded_by_ws = true, followed_by_ws, prev_space = false, prev_break = false;
    if (n >= 3 && ((v[0] == '-' && v[1] == '-' && v[2] == '-') ||
                   (v[0] == '.' && v[1] == '.' && v[2] == '.'))) {
        block_ind = true;
        flow_ind = true;
    }
    for (size_t i = 0, w; i < n; i += w) {
        /* The body below for ASCII after the first and before the last
         * character (no leading or trailing flags to set), one byte each;
         * anything else falls through to it. */
        for (; i > 0 && i + 1 < n; i++) {
            unsigned char c = v[i];
            if (quiet_byte[c]) {
                prev_space = prev_break = preceded_by_ws = false;
            } else if (c == ' ') {
                if (prev_break)
                    break_space = true;
                prev_space = preceded_by_ws = true;
                prev_break = false;
            } else if (c == '\n') {
                line_breaks = true;
                if (prev_space)
                    space_break = true;
                prev_space = false;
                prev_break = preceded_by_ws = true;
            } else if (c == ',' || c == '?' || c == '[' || c == ']' || c == '{' || c == '}') {
                flow_ind = true;
                prev_space = prev_break = preceded_by_ws = false;
            } else if (c == ':') {
                flow_ind = true;
                if (v[i + 1] == ' ' || v[i + 1] == '\t')
                    block_ind = true;
                prev_space = prev_break = preceded_by_ws = false;
            } else if (c == '#') {
                if (preceded_by_ws)
                    flow_ind = block_ind = true;
                prev_space = prev_break = preceded_by_ws = false;
            } else {
                break;
            }
        }
        w = (size_t)cwidth(v[i]);
        if (w == 0)
            w = 1;
        followed_by_ws = i + w >= n || is_blank(v, n, i + w);
        if (i == 0) {
            if (yaml_indicator(v[i])) {
                flow_ind = true;
                block_ind = true;
            }
            switch (v[i]) {
            case '?':
            case ':':
                flow_ind = true;
                if (followed_by_ws)
                    block_ind = true;
                break;
            case '-':
                if (followed_by_ws) {
                    flow_ind = true;
                    block_ind = true;
                }
                break;
            }
        } else {
            switch (v[i]) {
            case ',':
            case '?':
            case '[':
            case ']':
            case '{':
            case '}':
                flow_ind = true;
                break;
            case ':':
                flow_ind = true;
                if (followed_by_ws)
                    block_ind = true;
                break;
            case '#':
                if (preceded_by_ws) {
                    flow_ind = true;
                    block_ind = true;
                }
                break;
            }
        }
        /* unicode output is on: only non-printable characters are special;
         * v3 treats tabs apart (they still allow block scalars) */
        if (e->v3 && v[i] == '\t')
            tabs = true;
        else if (!is_printable(v, n, i))
            special = true;
        if (is_space(v, n, i)) {
            if (i == 0)
                leading_space = true;
            if (i + w == n)
                trailing_space = true;
            if (prev_break)
                break_space = true;
            prev_space = true;
            prev_break = false;
        } else if (is_break(v, n, i)) {
            line_breaks = true;
            if (i == 0)
                leading_break = true;
            if (i + w == n)
                trailing_break = true;
            if (prev_space)
                space_break = true;
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_by_ws = is_blankz(v, n, i);
    }
    e->multiline = line_breaks;
    e->flow_plain_allowed = true;
    e->block_plain_allowed = true;
    e->single_quoted_allowed = true;
    e->block_allowed = true;
    if (leading_space || leading_break || trailing_space || trailing_break) {
        e->flow_plain_allowed = false;
        e->block_plain_allowed = false;
    }
    if (trailing_space)
        e->block_allowed = false;
    if (break_space) {
        e->flow_plain_allowed = false;
        e->block_plain_allowed = false;
        e->single_quoted_allowed = false;
    }
    if (space_break || tabs || special) {
        e->flow_plain_allowed = false;
        e->block_plain_allowed = false;
        e->single_quoted_allowed = false;
    }
    if (space_break || special)
        e->block_allowed = false;
    if (line_breaks) {
        e->flow_plain_allowed = false;
        e->block_plain_allowed = false;
    }
    if (flow_ind)
        e->flow_plain_allowed = false;
    if (block_ind)
        e->block_plain_allowed = false;
}

static enum sstyle
select_style(struct yem *e, enum sstyle style, size_t n)
{
    if (e->simple_key_ctx && e->multiline)
        style = S_DOUBLE;
    if (style == S_PLAIN) {
        if ((e->flow_level > 0 && !e->flow_plain_allowed) ||
            (e->flow_level == 0 && !e->block_plain_allowed))
            style = S_SINGLE;
        if (n == 0 && (e->flow_level > 0 || e->simple_key_ctx))
            style = S_SINGLE;
    }
    if (style == S_SINGLE && !e->single_quoted_allowed)
        style = S_DOUBLE;
    if (style == S_LITERAL && (!e->block_allowed || e->flow_level > 0 || e->simple_key_ctx))
        style = S_DOUBLE;
    return style;
}

/* ---- scalar writers ---- */

static void
write_plain(struct yem *e, const unsigned char *v, size_t n, bool allow_breaks)
{
    if (!e->whitespace)
        put(e, ' ');
    if (e->ascii && (!allow_breaks || (size_t)e->column + n <= (size_t)e->best_width + 1)) {
        /* No space can be past the fold column: one copy. */
        sb_add(e->out, v, n);
        e->column += (int)n;
        e->whitespace = false;
        e->indention = false;
        return;
    }
    bool spaces = false, breaks = false;
    for (size_t i = 0; i < n;) {
        if (is_space(v, n, i)) {
            if (allow_breaks && !spaces && e->column > e->best_width && !is_space(v, n, i + 1)) {
                write_indent(e);
                i++;
            } else {
                i += write_ch(e, v, n, i);
            }
            spaces = true;
        } else if (is_break(v, n, i)) {
            if (!breaks && v[i] == '\n')
                put_break(e);
            i += write_break(e, v, n, i);
            e->indention = true;
            breaks = true;
        } else {
            if (breaks)
                write_indent(e);
            i += write_ch(e, v, n, i);
            e->indention = false;
            spaces = false;
            breaks = false;
        }
    }
    e->whitespace = false;
    e->indention = false;
}

static void
write_single(struct yem *e, const unsigned char *v, size_t n, bool allow_breaks)
{
    write_indicator(e, "'", true, false, false);
    bool spaces = false, breaks = false;
    for (size_t i = 0; i < n;) {
        if (is_space(v, n, i)) {
            if (allow_breaks && !spaces && e->column > e->best_width && i > 0 && i < n - 1 &&
                !is_space(v, n, i + 1)) {
                write_indent(e);
                i++;
            } else {
                i += write_ch(e, v, n, i);
            }
            spaces = true;
        } else if (is_break(v, n, i)) {
            if (!breaks && v[i] == '\n')
                put_break(e);
            i += write_break(e, v, n, i);
            e->indention = true;
            breaks = true;
        } else {
            if (breaks)
                write_indent(e);
            if (v[i] == '\'')
                put(e, '\'');
            i += write_ch(e, v, n, i);
            e->indention = false;
            spaces = false;
            breaks = false;
        }
    }
    write_indicator(e, "'", false, false, false);
    e->whitespace = false;
    e->indention = false;
}

static void
write_double(struct yem *e, const unsigned char *v, size_t n, bool allow_breaks)
{
    static const char hex[] = "0123456789ABCDEF";
    bool spaces = false;
    bool bom = starts_with_bom(v, n);
    write_indicator(e, "\"", true, false, false);
    for (size_t i = 0; i < n;) {
        if (!is_printable(v, n, i) || bom || is_break(v, n, i) || v[i] == '"' || v[i] == '\\') {
            unsigned char o = v[i];
            size_t w;
            uint32_t r;
            if ((o & 0x80) == 0) {
                w = 1;
                r = o & 0x7F;
            } else if ((o & 0xE0) == 0xC0) {
                w = 2;
                r = o & 0x1F;
            } else if ((o & 0xF0) == 0xE0) {
                w = 3;
                r = o & 0x0F;
            } else if ((o & 0xF8) == 0xF0) {
                w = 4;
                r = o & 0x07;
            } else {
                w = 1; /* not reached: strings are valid UTF-8 here */
                r = o;
            }
            for (size_t k = 1; k < w; k++)
                r = (r << 6) + (at(v, n, i + k) & 0x3F);
            i += w;
            put(e, '\\');
            char c = 0;
            switch (r) {
            case 0x00:
                c = '0';
                break;
            case 0x07:
                c = 'a';
                break;
            case 0x08:
                c = 'b';
                break;
            case 0x09:
                c = 't';
                break;
            case 0x0A:
                c = 'n';
                break;
            case 0x0B:
                c = 'v';
                break;
            case 0x0C:
                c = 'f';
                break;
            case 0x0D:
                c = 'r';
                break;
            case 0x1B:
                c = 'e';
                break;
            case 0x22:
                c = '"';
                break;
            case 0x5C:
                c = '\\';
                break;
            case 0x85:
                c = 'N';
                break;
            case 0xA0:
                c = '_';
                break;
            case 0x2028:
                c = 'L';
                break;
            case 0x2029:
                c = 'P';
                break;
            }
            if (c) {
                put(e, c);
            } else {
                int digits;
                if (r <= 0xFF) {
                    put(e, 'x');
                    digits = 2;
                } else if (r <= 0xFFFF) {
                    put(e, 'u');
                    digits = 4;
                } else {
                    put(e, 'U');
                    digits = 8;
                }
                for (int k = (digits - 1) * 4; k >= 0; k -= 4)
                    put(e, hex[(r >> k) & 0x0F]);
            }
            spaces = false;
        } else if (is_space(v, n, i)) {
            if (allow_breaks && !spaces && e->column > e->best_width && i > 0 && i < n - 1) {
                write_indent(e);
                if (is_space(v, n, i + 1))
                    put(e, '\\');
                i++;
            } else {
                i += write_ch(e, v, n, i);
            }
            spaces = true;
        } else {
            i += write_ch(e, v, n, i);
            spaces = false;
        }
    }
    write_indicator(e, "\"", false, false, false);
    e->whitespace = false;
    e->indention = false;
}

/* The last character's start, stepping back over continuation bytes. */
static size_t
char_before(const unsigned char *v, size_t i)
{
    while (i > 0 && (v[i] & 0xC0) == 0x80)
        i--;
    return i;
}

static void
write_block_hints(struct yem *e, const unsigned char *v, size_t n)
{
    if (is_space(v, n, 0) || is_break(v, n, 0)) {
        char hint[2] = {(char)('0' + BEST_INDENT), 0};
        write_indicator(e, hint, false, false, false);
    }
    const char *chomp = NULL;
    if (n == 0) {
        chomp = "-";
    } else {
        size_t i = char_before(v, n - 1);
        if (!is_break(v, n, i)) {
            chomp = "-";
        } else if (i == 0) {
            chomp = "+";
        } else {
            i = char_before(v, i - 1);
            if (is_break(v, n, i))
                chomp = "+";
        }
    }
    if (chomp)
        write_indicator(e, chomp, false, false, false);
}

static void
write_literal(struct yem *e, const unsigned char *v, size_t n)
{
    write_indicator(e, "|", true, false, false);
    write_block_hints(e, v, n);
    put_break(e);
    e->indention = true;
    e->whitespace = true;
    bool breaks = true;
    for (size_t i = 0; i < n;) {
        if (is_break(v, n, i)) {
            i += write_break(e, v, n, i);
            e->indention = true;
            breaks = true;
        } else {
            if (breaks)
                write_indent(e);
            /* The rest of the line as is: up to the next break. ASCII
             * without breaks eight bytes at a time (the test is exact for
             * '\n' and '\r': haszero of x ^ byte; any byte from 0x80 stops it). */
            size_t j = i, chars = 0;
            while (j + 8 <= n) {
                uint64_t x = load8(v + j);
                uint64_t nl = x ^ (ONES * '\n'), cr = x ^ (ONES * '\r');
                if ((((nl - ONES) & ~nl) | ((cr - ONES) & ~cr) | x) & HIGHS)
                    break;
                j += 8;
                chars += 8;
            }
            while (j < n && !is_break(v, n, j)) {
                if ((v[j] & 0xC0) != 0x80)
                    chars++;
                j++;
            }
            out_add(e->out, v + i, j - i);
            e->column += (int)chars;
            i = j;
            e->indention = false;
            breaks = false;
        }
    }
}

/* yaml_emitter_emit_scalar: text is final, `style` is what the encoder
 * asked for. */
static void
emit_scalar(struct yem *e, const char *text, size_t n, enum sstyle style)
{
    const unsigned char *v = (const unsigned char *)text;
    analyze_scalar(e, v, n);
    style = select_style(e, style, n);
    increase_indent(e, true, false);
    switch (style) {
    case S_PLAIN:
        write_plain(e, v, n, !e->simple_key_ctx);
        break;
    case S_SINGLE:
        write_single(e, v, n, !e->simple_key_ctx);
        break;
    case S_DOUBLE:
        write_double(e, v, n, !e->simple_key_ctx);
        break;
    case S_LITERAL:
        write_literal(e, v, n);
        break;
    }
    pop_indent(e);
}

/* ---- what the JSON round trip does to strings ---- */

static struct arena *
scratch(struct yem *e)
{
    if (!e->scratch)
        e->scratch = arena_new();
    return e->scratch;
}

/* The characters of a string's JSON form (what the YAML scanner counts),
 * for the simple key window. */
static size_t
json_chars(const unsigned char *s, size_t n)
{
    size_t c = 2; /* the quotes */
    for (size_t i = 0; i < n;) {
        unsigned char b = s[i];
        if (b < 0x80) {
            if (b == '"' || b == '\\' || b == '\b' || b == '\f' || b == '\n' || b == '\r' ||
                b == '\t')
                c += 2;
            else if (b < 0x20 || b == '<' || b == '>' || b == '&')
                c += 6;
            else
                c += 1;
            i++;
            continue;
        }
        uint32_t r;
        size_t k = utf8_decode(s + i, n - i, &r);
        if (k == 0) {
            c += 6; /* \ufffd */
            i++;
            continue;
        }
        c += (r == 0x2028 || r == 0x2029) ? 6 : 1;
        i += k;
    }
    return c;
}

static inline bool
is_nel(const unsigned char *u, size_t n, size_t i)
{
    return i + 1 < n && u[i] == 0xC2 && u[i + 1] == 0x85;
}

/* Applies the JSON round trip to a string: *out is s itself when nothing
 * changes (the common case), else a copy in the scratch arena. Keys also
 * get the scanner's key checks. */
static int
roundtrip_string(struct yem *e, const char *s, size_t n, bool key, const char **out, size_t *outn)
{
    const unsigned char *u = (const unsigned char *)s;
    if (key && n > 170) {
        /* The ':' must come within 1024 characters of the key's opening
         * quote (the scanner's simple key window): a key longer than 1022
         * characters in JSON leaves the flow mapping unparsable. */
        size_t jc = json_chars(u, n) - 2;
        if (jc > 1022)
            return pkg_err_set(e->errp, PKG_EINVAL,
                               "yaml: did not find expected ',' or '}' (a map key %zu "
                               "characters long in JSON is past the 1024-character limit)",
                               jc);
    }
    bool change = false;
    size_t i0 = 0;
    /* Eight bytes at a time while all are below 0x7F. */
    while (i0 + 8 <= n) {
        uint64_t x = load8(u + i0);
        if ((x | (x + ONES)) & HIGHS)
            break;
        i0 += 8;
    }
    for (size_t i = i0; i < n && !change;) {
        if (u[i] < 0x7F) {
            i++;
            continue;
        }
        uint32_t r = 0;
        size_t k = u[i] == 0x7F ? 1 : utf8_decode(u + i, n - i, &r);
        if (u[i] == 0x7F || k == 0 || (r >= 0x80 && r <= 0x9F) || r == 0xFFFE || r == 0xFFFF)
            change = true; /* includes NEL (0x85) */
        i += k ? k : 1;
    }
    if (!change) {
        *out = s;
        *outn = n;
        return 0;
    }
    /* Decode as encoding/json wrote it, then scan it as go-yaml scans a
     * double-quoted scalar: raw spaces are blanks, a raw NEL is a line
     * break (JSON escapes every other blank and break). */
    struct sb t = SB_INIT;
    bool leading_blanks = false, any_break = false, col0 = false;
    size_t pending_ws = 0, trailing = 0;
    int rc = 0;
    for (size_t i = 0; i < n;) {
        uint32_t r;
        size_t k = utf8_decode(u + i, n - i, &r);
        if (k == 0) {
            r = 0xFFFD;
            k = 1;
        }
        if (r == 0x7F || (r >= 0x80 && r <= 0x9F && r != 0x85) || r == 0xFFFE || r == 0xFFFF) {
            rc = pkg_err_set(e->errp, PKG_EINVAL, "yaml: control characters are not allowed");
            goto out;
        }
        if (r == 0x85) {
            any_break = true;
            if (!leading_blanks) {
                pending_ws = 0; /* blanks before a break are dropped */
                leading_blanks = true;
                trailing = 0;
            } else {
                trailing++;
            }
            col0 = true;
            i += k;
            continue;
        }
        if (r == ' ') {
            if (!leading_blanks)
                pending_ws++;
            col0 = false;
            i += k;
            continue;
        }
        /* Content. At the start of a line a document marker followed by
         * a blank or break ends the scalar with an error. */
        if (col0 && i + 3 < n &&
            ((u[i] == '-' && u[i + 1] == '-' && u[i + 2] == '-') ||
             (u[i] == '.' && u[i + 1] == '.' && u[i + 2] == '.')) &&
            (u[i + 3] == ' ' || is_nel(u, n, i + 3))) {
            rc = pkg_err_set(e->errp, PKG_EINVAL, "yaml: found unexpected document indicator");
            goto out;
        }
        col0 = false;
        if (leading_blanks) {
            /* One break folds to a space; more keep all but the first. */
            if (trailing == 0)
                sb_addch(&t, ' ');
            else
                sb_addchn(&t, '\n', trailing);
            leading_blanks = false;
        } else {
            sb_addchn(&t, ' ', pending_ws);
        }
        pending_ws = 0;
        utf8_append(&t, r);
        i += k;
    }
    if (leading_blanks) {
        if (trailing == 0)
            sb_addch(&t, ' ');
        else
            sb_addchn(&t, '\n', trailing);
    } else {
        sb_addchn(&t, ' ', pending_ws);
    }
    if (key && any_break) {
        /* A key spanning lines is no simple key: the mapping breaks. */
        rc = pkg_err_set(e->errp, PKG_EINVAL, "yaml: did not find expected ',' or '}'");
        goto out;
    }
    *out = arena_strndup(scratch(e), t.buf, t.len);
    *outn = t.len;
out:
    sb_release(&t);
    return rc;
}

/* ---- go-yaml v2's map key order ---- */

struct skey {
    const char *s; /* the key after the round trip */
    size_t n;
    const uint32_t *r; /* its runes, or NULL when ASCII (then the bytes) */
    size_t nr;
    const struct val *v;
    const struct val *okey; /* the original key whose value v is */
};

static inline uint32_t
rune_at(const struct skey *k, size_t i)
{
    return k->r ? k->r[i] : (unsigned char)k->s[i];
}

/* unicode.IsLetter and unicode.IsDigit beyond ASCII: PCRE2's Unicode
 * tables, compiled once. */
static pcre2_code *re_letter, *re_digit;
static pthread_once_t re_once = PTHREAD_ONCE_INIT;

static void
compile_classes(void)
{
    int err;
    PCRE2_SIZE off;
    re_letter =
        pcre2_compile((PCRE2_SPTR) "^\\p{L}$", PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err, &off, NULL);
    re_digit =
        pcre2_compile((PCRE2_SPTR) "^\\p{Nd}$", PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err, &off, NULL);
}

static bool
unicode_class(pcre2_code *const *re, uint32_t r)
{
    pthread_once(&re_once, compile_classes);
    if (!*re)
        return false;
    char buf[4];
    size_t m = utf8_encode(buf, r);
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    int rc = pcre2_match(*re, (PCRE2_SPTR)buf, m, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

/* unicode.IsLetter and unicode.IsDigit */
static bool
is_letter(uint32_t r)
{
    if (r < 0x80)
        return (r | 0x20) >= 'a' && (r | 0x20) <= 'z';
    return unicode_class(&re_letter, r);
}

static bool
is_digit(uint32_t r)
{
    if (r < 0x80)
        return r >= '0' && r <= '9';
    return unicode_class(&re_digit, r);
}

/* keyList.Less for two string keys. */
static bool
key_less(const struct skey *a, const struct skey *b, bool v3)
{
    size_t na = a->nr, nb = b->nr;
    bool digits = false; /* v3: the last equal rune was a digit */
    for (size_t i = 0; i < na && i < nb; i++) {
        uint32_t ai_r = rune_at(a, i), bi_r = rune_at(b, i);
        if (ai_r == bi_r) {
            if (v3)
                digits = is_digit(ai_r);
            continue;
        }
        bool al = is_letter(ai_r), bl = is_letter(bi_r);
        if (al && bl)
            return ai_r < bi_r;
        if (al || bl)
            return digits ? al : bl;
        /* Go's int64 arithmetic wraps; so does this. */
        uint64_t an = 0, bn = 0;
        if (ai_r == '0' || bi_r == '0') {
            for (size_t j = i; j-- > 0 && is_digit(rune_at(a, j));) {
                if (rune_at(a, j) != '0') {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        size_t ai = i, bi = i;
        for (; ai < na && is_digit(rune_at(a, ai)); ai++)
            an = an * 10 + (uint64_t)((int64_t)rune_at(a, ai) - '0');
        for (; bi < nb && is_digit(rune_at(b, bi)); bi++)
            bn = bn * 10 + (uint64_t)((int64_t)rune_at(b, bi) - '0');
        if (an != bn)
            return (int64_t)an < (int64_t)bn;
        if (ai != bi)
            return ai < bi;
        return ai_r < bi_r;
    }
    return na < nb;
}

/* A stable merge sort. keyList.Less is not a strict weak order for some
 * keys with digit runs ("a9" < "a10" < "a1b2" < "a9"); Go sorts
 * in.MapKeys(), which come in random order, so for such keys Go's own
 * output varies from run to run and any order is one of its answers. We
 * start from byte order so that ours depends only on the set of keys, not
 * on the order they were inserted. For other key sets all sorts agree. */
static int
cmp_bytes(const void *x, const void *y)
{
    const struct skey *a = x, *b = y;
    size_t m = a->n < b->n ? a->n : b->n;
    int c = memcmp(a->s, b->s, m);
    return c ? c : (a->n > b->n) - (a->n < b->n);
}

static void
sort_keys(struct skey *d, size_t n, struct skey *tmp, bool v3)
{
    if (n < 2)
        return;
    for (size_t i = 1; i < n && n <= 12; i++) {
        /* insertion sort for the small maps that are the common case */
        for (size_t j = i; j > 0 && key_less(&d[j], &d[j - 1], v3); j--) {
            struct skey t = d[j];
            d[j] = d[j - 1];
            d[j - 1] = t;
        }
    }
    if (n <= 12)
        return;
    size_t h = n / 2;
    sort_keys(d, h, tmp, v3);
    sort_keys(d + h, n - h, tmp, v3);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = key_less(&d[j], &d[i], v3) ? d[j++] : d[i++];
    while (i < h)
        tmp[k++] = d[i++];
    while (j < n)
        tmp[k++] = d[j++];
    memcpy(d, tmp, n * sizeof(*d));
}

/* ---- the value walk ---- */

static int emit_node(struct yem *e, const struct val *v, bool root, bool seq, bool map,
                     bool simple_key);

/* encode.go's isBase60Float:
 * ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static bool
is_base60_float(const char *s, size_t n)
{
    if (n == 0 || !(s[0] == '+' || s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) ||
        !memchr(s, ':', n))
        return false;
    size_t i = 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    if (i >= n || s[i] < '0' || s[i] > '9')
        return false;
    i++;
    while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
        i++;
    int groups = 0;
    while (i < n && s[i] == ':') {
        i++;
        size_t d = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && d < 2) {
            i++;
            d++;
        }
        /* [0-5]?[0-9]: one digit, or two with the first <= 5 */
        if (d == 0 || (d == 2 && s[i - 2] > '5'))
            return false;
        groups++;
    }
    if (groups > 0 && i < n && s[i] == '.') {
        i++;
        while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            i++;
    }
    return groups > 0 && i == n;
}

/* The scalar text and requested style for a string (encode.go stringv). */
static void
string_style(const char *s, size_t n, enum sstyle *style)
{
    if (memchr(s, '\n', n)) {
        *style = S_LITERAL;
        return;
    }
    bool plain =
        val_yaml_resolve(VAL_YAML_HELM, s, n, NULL) == VAL_YTAG_STR && !is_base60_float(s, n);
    *style = plain ? S_PLAIN : S_DOUBLE;
}

static int
emit_string(struct yem *e, const char *s, size_t n, bool key)
{
    const char *t;
    size_t tn;
    int rc = roundtrip_string(e, s, n, key, &t, &tn);
    if (rc)
        return rc;
    enum sstyle style;
    string_style(t, tn, &style);
    emit_scalar(e, t, tn, style);
    return 0;
}

static int
emit_float(struct yem *e, const struct val *v)
{
    double f = v->u.f;
    if (isnan(f) || isinf(f))
        return pkg_err_set(e->errp, PKG_EINVAL,
                           "error marshaling into JSON: json: unsupported value: %s",
                           isnan(f) ? "NaN"
                           : f < 0  ? "-Inf"
                                    : "+Inf");
    struct sb j = SB_INIT;
    if (v->gotype == VAL_GO_FLOAT32)
        gofmt_float32_json(&j, f);
    else
        gofmt_float_json(&j, f);
    /* What go-yaml's resolve makes of the JSON number: an int when it is
     * all digits and fits int64 (or uint64), else a float. */
    bool integral = true;
    for (size_t i = 0; i < j.len; i++)
        if (!((j.buf[i] >= '0' && j.buf[i] <= '9') || (i == 0 && j.buf[i] == '-')))
            integral = false;
    char out[32];
    if (integral) {
        errno = 0;
        long long ll = strtoll(j.buf, NULL, 10);
        if (errno == 0) {
            int m = snprintf(out, sizeof(out), "%lld", ll); /* "-0" is 0 */
            emit_scalar(e, out, (size_t)m, S_PLAIN);
            sb_release(&j);
            return 0;
        }
        errno = 0;
        if (j.buf[0] != '-' && (strtoull(j.buf, NULL, 10), errno == 0)) {
            emit_scalar(e, j.buf, j.len, S_PLAIN);
            sb_release(&j);
            return 0;
        }
    }
    double g = strtod(j.buf, NULL);
    sb_reset(&j);
    gofmt_float(&j, g, 'g', -1);
    emit_scalar(e, j.buf, j.len, S_PLAIN);
    sb_release(&j);
    return 0;
}

static const char *
base64_std(struct arena *a, const unsigned char *s, size_t n, size_t *outn)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t m = (n + 2) / 3 * 4;
    char *o = arena_alloc(a, m + 1);
    size_t k = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        o[k++] = tab[v >> 18];
        o[k++] = tab[v >> 12 & 63];
        o[k++] = tab[v >> 6 & 63];
        o[k++] = tab[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
        o[k++] = tab[v >> 18];
        o[k++] = tab[v >> 12 & 63];
        o[k++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
        o[k++] = '=';
    }
    *outn = k;
    return o;
}

static int
check_depth(struct yem *e)
{
    if (e->depth >= MAX_FLOW_LEVEL)
        return pkg_err_set(e->errp, PKG_ELIMIT,
                           "yaml: exceeded max depth of %d (value nested too deeply)",
                           MAX_FLOW_LEVEL);
    return 0;
}

static int
emit_seq(struct yem *e, const struct val *v)
{
    size_t n = val_seq_len(v);
    int rc = check_depth(e);
    if (rc)
        return rc;
    if (n == 0 || e->flow_level > 0) {
        /* Only empty sequences are in flow style here. */
        write_indicator(e, "[", true, true, false);
        increase_indent(e, true, false);
        e->flow_level++;
        e->flow_level--;
        pop_indent(e);
        write_indicator(e, "]", false, false, false);
        return 0;
    }
    e->depth++;
    increase_indent(e, false, !e->v3 && e->map_ctx && !e->indention);
    for (size_t i = 0; i < n && !rc; i++) {
        write_indent(e);
        write_indicator(e, "-", true, false, true);
        rc = emit_node(e, val_seq_at(v, i), false, true, false, false);
    }
    pop_indent(e);
    e->depth--;
    return rc;
}

/* Can the key (already analyzed as the current scalar) be a simple key? */
static bool
simple_key_ok(struct yem *e, size_t n)
{
    return !e->multiline && n <= 128;
}

static int
emit_map(struct yem *e, const struct val *v)
{
    size_t n = val_map_len(v);
    int rc = check_depth(e);
    if (rc)
        return rc;
    if (n == 0) {
        write_indicator(e, "{", true, true, false);
        increase_indent(e, true, false);
        pop_indent(e);
        write_indicator(e, "}", false, false, false);
        return 0;
    }
    /* Keys live on a LIFO stack of arrays shared by all levels (the
     * buffer may move while children are emitted: index it, keep no
     * pointer across the recursion). */
    size_t base = e->kused;
    e->kbuf = xgrow(e->kbuf, &e->kcap, base + 2 * n, sizeof(*e->kbuf));
    struct skey *keys = e->kbuf + base;
    size_t nk = 0;
    bool fixed = false;
    for (size_t i = 0; i < n; i++) {
        const struct val_mapent *ent = &v->u.map.ents[i];
        const char *ks;
        size_t kn;
        rc = roundtrip_string(e, ent->key->u.s.ptr, ent->key->u.s.len, true, &ks, &kn);
        if (rc)
            return rc;
        if (ks != ent->key->u.s.ptr)
            fixed = true;
        keys[nk].s = ks;
        keys[nk].n = kn;
        keys[nk].v = ent->v;
        keys[nk].okey = ent->key;
        keys[nk].r = NULL;
        keys[nk].nr = kn;
        for (size_t b = 0; b < kn; b++) {
            if ((unsigned char)ks[b] >= 0x80) {
                uint32_t *r = arena_alloc(scratch(e), kn * sizeof(*r));
                size_t m = 0;
                for (size_t q = 0; q < kn;) {
                    size_t w = utf8_decode((const unsigned char *)ks + q, kn - q, &r[m]);
                    q += w ? w : 1;
                    m++;
                }
                keys[nk].r = r;
                keys[nk].nr = m;
                break;
            }
        }
        nk++;
    }
    if (fixed) {
        /* Two keys that became one in the round trip: the JSON object lists
         * them in the original keys' byte order and the last one wins. */
        for (size_t i = 0; i < nk; i++) {
            if (keys[i].n == SIZE_MAX)
                continue;
            for (size_t j = i + 1; j < nk; j++) {
                if (keys[j].n != keys[i].n || memcmp(keys[i].s, keys[j].s, keys[i].n) != 0)
                    continue;
                const struct val *ki = keys[i].okey, *kj = keys[j].okey;
                size_t m = ki->u.s.len < kj->u.s.len ? ki->u.s.len : kj->u.s.len;
                int c = memcmp(ki->u.s.ptr, kj->u.s.ptr, m);
                if (c < 0 || (c == 0 && ki->u.s.len < kj->u.s.len)) {
                    keys[i].v = keys[j].v;
                    keys[i].okey = kj;
                }
                keys[j].n = SIZE_MAX; /* dropped */
            }
        }
        size_t w = 0;
        for (size_t i = 0; i < nk; i++)
            if (keys[i].n != SIZE_MAX)
                keys[w++] = keys[i];
        nk = w;
    }
    if (nk > 1) {
        qsort(keys, nk, sizeof(*keys), cmp_bytes);
        sort_keys(keys, nk, keys + n, false);
    }
    e->kused = base + nk;

    e->depth++;
    increase_indent(e, false, false);
    for (size_t i = 0; i < nk && !rc; i++) {
        const struct skey *k = &e->kbuf[base + i];
        const char *ks = k->s;
        size_t kn = k->n;
        const struct val *kv = k->v;
        write_indent(e);
        enum sstyle style;
        string_style(ks, kn, &style);
        analyze_scalar(e, (const unsigned char *)ks, kn);
        e->root_ctx = false;
        e->seq_ctx = false;
        e->map_ctx = true;
        if (simple_key_ok(e, kn)) {
            e->simple_key_ctx = true;
            emit_scalar(e, ks, kn, style);
            write_indicator(e, ":", false, false, false);
        } else {
            write_indicator(e, "?", true, false, true);
            e->simple_key_ctx = false;
            emit_scalar(e, ks, kn, style);
            write_indent(e);
            write_indicator(e, ":", true, false, true);
        }
        rc = emit_node(e, kv, false, false, true, false);
    }
    pop_indent(e);
    e->depth--;
    e->kused = base;
    return rc;
}

static int
emit_node(struct yem *e, const struct val *v, bool root, bool seq, bool map, bool simple_key)
{
    e->root_ctx = root;
    e->seq_ctx = seq;
    e->map_ctx = map;
    e->simple_key_ctx = simple_key;
    if (!v) {
        emit_scalar(e, "null", 4, S_PLAIN);
        return 0;
    }
    switch (v->kind) {
    case VAL_NULL:
        emit_scalar(e, "null", 4, S_PLAIN);
        return 0;
    case VAL_BOOL:
        if (v->u.b)
            emit_scalar(e, "true", 4, S_PLAIN);
        else
            emit_scalar(e, "false", 5, S_PLAIN);
        return 0;
    case VAL_INT: {
        char buf[24];
        int m;
        if (v->gotype == VAL_GO_UINT || v->gotype == VAL_GO_UINT64)
            m = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(uint64_t)v->u.i);
        else
            m = snprintf(buf, sizeof(buf), "%lld", (long long)v->u.i);
        emit_scalar(e, buf, (size_t)m, S_PLAIN);
        return 0;
    }
    case VAL_FLOAT:
        return emit_float(e, v);
    case VAL_STRING:
        if (v->gotype == VAL_GO_BYTES) {
            size_t bn;
            const char *b64 =
                base64_std(scratch(e), (const unsigned char *)v->u.s.ptr, v->u.s.len, &bn);
            return emit_string(e, b64, bn, false);
        }
        return emit_string(e, v->u.s.ptr, v->u.s.len, false);
    case VAL_SEQ:
    case VAL_MAP:
        if ((v->flags & VAL_F_NIL) && val_len(v) == 0) {
            /* Go's nil slice or map: encoding/json writes null. */
            emit_scalar(e, "null", 4, S_PLAIN);
            return 0;
        }
        return v->kind == VAL_SEQ ? emit_seq(e, v) : emit_map(e, v);
    case VAL_OBJ: {
        const struct val_objtype *t = v->u.obj.type;
        if (!t || !t->to_val) {
            emit_scalar(e, "null", 4, S_PLAIN);
            return 0;
        }
        return emit_node(e, t->to_val(scratch(e), v), root, seq, map, simple_key);
    }
    }
    return pkg_err_set(e->errp, PKG_EINVAL, "cannot emit a value of kind %d", v->kind);
}

int
val_yaml_emit(struct sb *sb, const struct val *v, enum val_yaml_dialect dialect,
              struct pkg_err **errp)
{
    /* Both dialects print through sigs.k8s.io/yaml (see the top). */
    (void)dialect;
    struct yem e = {
        .out = sb,
        .indent = -1,
        .whitespace = true,
        .indention = true,
        .cind = 64,
        .errp = errp,
    };
    e.indents = e.indents_small;
    e.best_width = BEST_WIDTH;
    size_t start = sb->len;
    int rc = emit_node(&e, v, true, false, false, false);
    if (!rc) {
        /* DOCUMENT-END: an implicit end, a final line break. */
        write_indent(&e);
    }
    if (e.indents != e.indents_small)
        free(e.indents);
    free(e.kbuf);
    arena_free(e.scratch);
    if (rc)
        sb_setlen(sb, start); /* nothing half-written */
    return rc;
}

/* ---- go-yaml v3's Encoder (val_yaml_emit_v3) ----
 *
 * encode.go marshals the Go value itself: no JSON round trip, so numbers
 * keep their types and strings their bytes. The emitter is v2's with the
 * differences that reach these documents: sequences are not indentless,
 * tabs make a scalar quoted (but allow a literal block), and the width is
 * unlimited (yaml_emitter_initialize sets best_width -1). */

static int emit_node_v3(struct yem *e, const struct val *v, bool root, bool seq, bool map,
                        bool simple_key);

/* isOldBool */
static bool
is_old_bool(const char *s, size_t n)
{
    static const char *const words[] = {"y", "Y", "yes", "Yes", "YES", "on",  "On",  "ON",
                                        "n", "N", "no",  "No",  "NO",  "off", "Off", "OFF"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strlen(words[i]) == n && !memcmp(words[i], s, n))
            return true;
    return false;
}

static bool
valid_utf8(const char *s, size_t n)
{
    uint32_t r;
    for (size_t i = 0; i < n;) {
        size_t w = utf8_decode((const unsigned char *)s + i, n - i, &r);
        if (!w)
            return false;
        i += w;
    }
    return true;
}

/* encodeBase64: lines of 70 characters, each ending in a break when
 * there is more than one. */
static const char *
base64_lines(struct yem *e, const char *s, size_t n, size_t *outn)
{
    size_t bn;
    const char *b = base64_std(scratch(e), (const unsigned char *)s, n, &bn);
    size_t lines = bn / 70 + 1;
    if (lines == 1) {
        *outn = bn;
        return b;
    }
    char *o = arena_alloc(scratch(e), bn + lines + 1);
    size_t k = 0;
    for (size_t i = 0; i < bn; i += 70) {
        size_t j = i + 70 < bn ? i + 70 : bn;
        memcpy(o + k, b + i, j - i);
        k += j - i;
        o[k++] = '\n';
    }
    *outn = k;
    return o;
}

/* A string as stringv emits it: its text, style and whether it carries
 * the !!binary tag. */
static const char *
string_v3(struct yem *e, const char *s, size_t n, size_t *outn, enum sstyle *style, bool *binary)
{
    bool plain = true;
    *binary = false;
    if (!valid_utf8(s, n)) {
        s = base64_lines(e, s, n, &n);
        *binary = true;
    } else {
        plain = val_yaml_resolve(VAL_YAML_KYAML, s, n, NULL) == VAL_YTAG_STR &&
                !is_base60_float(s, n) && !is_old_bool(s, n);
    }
    if (memchr(s, '\n', n))
        *style = S_LITERAL;
    else
        *style = plain ? S_PLAIN : S_DOUBLE;
    *outn = n;
    return s;
}

/* yaml_emitter_emit_scalar with the tag handle "!!binary" written by
 * process_tag before the scalar. */
static void
emit_scalar_v3(struct yem *e, const char *text, size_t n, enum sstyle style, bool binary)
{
    if (!binary) {
        emit_scalar(e, text, n, style);
        return;
    }
    write_indicator(e, "!!binary", true, false, false);
    emit_scalar(e, text, n, style);
}

static int
emit_string_v3(struct yem *e, const char *s, size_t n)
{
    enum sstyle style;
    bool binary;
    size_t tn;
    const char *t = string_v3(e, s, n, &tn, &style, &binary);
    emit_scalar_v3(e, t, tn, style, binary);
    return 0;
}

static int
emit_seq_v3(struct yem *e, const struct val *v)
{
    if (v->kind == VAL_STRING) {
        /* []byte: a sequence of uint8 */
        size_t n = v->u.s.len;
        int rc = check_depth(e);
        if (rc)
            return rc;
        if (n == 0) {
            write_indicator(e, "[", true, true, false);
            write_indicator(e, "]", false, false, false);
            return 0;
        }
        e->depth++;
        increase_indent(e, false,
                        e->compact_seq && e->map_ctx && (e->column == 0 || !e->indention));
        for (size_t i = 0; i < n; i++) {
            write_indent(e);
            write_indicator(e, "-", true, false, true);
            char buf[4];
            int m = snprintf(buf, sizeof(buf), "%u", (unsigned char)v->u.s.ptr[i]);
            e->root_ctx = e->map_ctx = e->simple_key_ctx = false;
            e->seq_ctx = true;
            emit_scalar(e, buf, (size_t)m, S_PLAIN);
        }
        pop_indent(e);
        e->depth--;
        return 0;
    }
    size_t n = val_seq_len(v);
    int rc = check_depth(e);
    if (rc)
        return rc;
    if (n == 0) {
        write_indicator(e, "[", true, true, false);
        write_indicator(e, "]", false, false, false);
        return 0;
    }
    e->depth++;
    /* yaml_emitter_increase_indent_compact: with indent 2 the compact
     * sequence of a mapping keeps the mapping's indent */
    increase_indent(e, false, e->compact_seq && e->map_ctx && (e->column == 0 || !e->indention));
    for (size_t i = 0; i < n && !rc; i++) {
        write_indent(e);
        write_indicator(e, "-", true, false, true);
        rc = emit_node_v3(e, val_seq_at(v, i), false, true, false, false);
    }
    pop_indent(e);
    e->depth--;
    return rc;
}

static int
emit_map_v3(struct yem *e, const struct val *v)
{
    size_t n = val_map_len(v);
    int rc = check_depth(e);
    if (rc)
        return rc;
    if (n == 0) {
        write_indicator(e, "{", true, true, false);
        write_indicator(e, "}", false, false, false);
        return 0;
    }
    size_t base = e->kused;
    e->kbuf = xgrow(e->kbuf, &e->kcap, base + 2 * n, sizeof(*e->kbuf));
    struct skey *keys = e->kbuf + base;
    for (size_t i = 0; i < n; i++) {
        const struct val_mapent *ent = &v->u.map.ents[i];
        const char *ks = ent->key->u.s.ptr;
        size_t kn = ent->key->u.s.len;
        keys[i].s = ks;
        keys[i].n = kn;
        keys[i].v = ent->v;
        keys[i].okey = ent->key;
        keys[i].r = NULL;
        keys[i].nr = kn;
        for (size_t b = 0; b < kn; b++) {
            if ((unsigned char)ks[b] >= 0x80) {
                /* []rune(s): an invalid byte is one U+FFFD */
                uint32_t *r = arena_alloc(scratch(e), kn * sizeof(*r));
                size_t m = 0;
                for (size_t q = 0; q < kn;) {
                    size_t w = utf8_decode((const unsigned char *)ks + q, kn - q, &r[m]);
                    if (!w) {
                        r[m] = 0xFFFD;
                        w = 1;
                    }
                    q += w;
                    m++;
                }
                keys[i].r = r;
                keys[i].nr = m;
                break;
            }
        }
    }
    if (n > 1) {
        qsort(keys, n, sizeof(*keys), cmp_bytes);
        sort_keys(keys, n, keys + n, true);
    }
    e->kused = base + n;

    e->depth++;
    increase_indent(e, false, false);
    for (size_t i = 0; i < n && !rc; i++) {
        const struct skey *k = &e->kbuf[base + i];
        const struct val *kv = k->v;
        enum sstyle style;
        bool binary;
        size_t kn;
        const char *ks = string_v3(e, k->s, k->n, &kn, &style, &binary);
        write_indent(e);
        analyze_scalar(e, (const unsigned char *)ks, kn);
        e->root_ctx = false;
        e->seq_ctx = false;
        e->map_ctx = true;
        /* check_simple_key counts the tag too */
        if (simple_key_ok(e, kn + (binary ? 8 : 0))) {
            e->simple_key_ctx = true;
            emit_scalar_v3(e, ks, kn, style, binary);
            write_indicator(e, ":", false, false, false);
        } else {
            write_indicator(e, "?", true, false, true);
            e->simple_key_ctx = false;
            emit_scalar_v3(e, ks, kn, style, binary);
            write_indent(e);
            write_indicator(e, ":", true, false, true);
        }
        rc = emit_node_v3(e, kv, false, false, true, false);
    }
    pop_indent(e);
    e->depth--;
    e->kused = base;
    return rc;
}

static int
emit_node_v3(struct yem *e, const struct val *v, bool root, bool seq, bool map, bool simple_key)
{
    e->root_ctx = root;
    e->seq_ctx = seq;
    e->map_ctx = map;
    e->simple_key_ctx = simple_key;
    if (!v || v->kind == VAL_NULL) {
        emit_scalar(e, "null", 4, S_PLAIN);
        return 0;
    }
    char buf[32];
    int m;
    switch (v->kind) {
    case VAL_BOOL:
        emit_scalar(e, v->u.b ? "true" : "false", v->u.b ? 4 : 5, S_PLAIN);
        return 0;
    case VAL_INT:
        if (v->gotype == VAL_GO_UINT || v->gotype == VAL_GO_UINT64 || v->gotype == VAL_GO_UINT8)
            m = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(uint64_t)v->u.i);
        else
            m = snprintf(buf, sizeof(buf), "%lld", (long long)v->u.i);
        emit_scalar(e, buf, (size_t)m, S_PLAIN);
        return 0;
    case VAL_FLOAT: {
        double f = v->u.f;
        if (isnan(f)) {
            emit_scalar(e, ".nan", 4, S_PLAIN);
            return 0;
        }
        if (isinf(f)) {
            emit_scalar(e, f < 0 ? "-.inf" : ".inf", f < 0 ? 5 : 4, S_PLAIN);
            return 0;
        }
        struct sb t = SB_INIT;
        if (v->gotype == VAL_GO_FLOAT32)
            gofmt_float32(&t, f, 'g', -1);
        else
            gofmt_float(&t, f, 'g', -1);
        emit_scalar(e, t.buf, t.len, S_PLAIN);
        sb_release(&t);
        return 0;
    }
    case VAL_STRING:
        if (v->gotype == VAL_GO_BYTES)
            return emit_seq_v3(e, v);
        return emit_string_v3(e, v->u.s.ptr, v->u.s.len);
    case VAL_SEQ:
        return emit_seq_v3(e, v);
    case VAL_MAP:
        return emit_map_v3(e, v);
    case VAL_OBJ: {
        const struct val_objtype *t = v->u.obj.type;
        if (!t || !t->to_val) {
            emit_scalar(e, "null", 4, S_PLAIN);
            return 0;
        }
        const struct val *tv = t->to_val(scratch(e), v);
        if (tv && tv->kind == VAL_STRING && t->name && !strcmp(t->name, "time.Time")) {
            /* timev: the RFC 3339 text, plain */
            emit_scalar(e, tv->u.s.ptr, tv->u.s.len, S_PLAIN);
            return 0;
        }
        return emit_node_v3(e, tv, root, seq, map, simple_key);
    }
    }
    return pkg_err_set(e->errp, PKG_EINVAL, "cannot emit a value of kind %d", v->kind);
}

static int
emit_v3(struct sb *sb, const struct val *v, bool compact_seq, struct pkg_err **errp)
{
    struct yem e = {
        .compact_seq = compact_seq,
        .out = sb,
        .indent = -1,
        .whitespace = true,
        .indention = true,
        .cind = 64,
        .errp = errp,
        .v3 = true,
        .best_width = INT_MAX,
    };
    e.indents = e.indents_small;
    size_t start = sb->len;
    int rc = emit_node_v3(&e, v, true, false, false, false);
    if (!rc)
        write_indent(&e); /* implicit DOCUMENT-END */
    if (e.indents != e.indents_small)
        free(e.indents);
    free(e.kbuf);
    arena_free(e.scratch);
    if (rc)
        sb_setlen(sb, start);
    return rc;
}

int
val_yaml_emit_v3(struct sb *sb, const struct val *v, struct pkg_err **errp)
{
    return emit_v3(sb, v, false, errp);
}

int
val_yaml_emit_v3_compact(struct sb *sb, const struct val *v, struct pkg_err **errp)
{
    return emit_v3(sb, v, true, errp);
}
