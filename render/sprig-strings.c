/* Sprig's string functions (strings.go and the string rows of
 * functions.go): Go's strings package (ToUpper, Title, TrimSpace, Trim,
 * Replace, Split, Repeat...), goutils (abbrev, initials, wrap, swapcase,
 * nospace, untitle) and xstrings v1.5.0 (camelcase, snakecase, kebabcase,
 * shuffle) with their exact treatment of Unicode and of invalid UTF-8,
 * quote/squote/cat, indent/nindent, split/splitn/splitList, join and
 * toStrings.
 *
 * These run in the hot loops of big charts (nindent, quote, trim, indent):
 * results are built in place in the render arena, and a function that
 * would return its argument unchanged returns the argument's value. */
#include "core/text.h"
#include "render/sprig.h"

#include <stdio.h>
#include <string.h>

/* ---- small helpers ---- */

static bool
all_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

static int
too_long(struct tmpl_call *c)
{
    return tmpl_fail_code(c, PKG_ELIMIT, "result longer than %zu bytes", SPRIG_MAX_STRING);
}

/* strings.Map(f, s): runes f changes are replaced (invalid bytes count as
 * U+FFFD and are always rewritten); returns the argument itself when
 * nothing changes. */
typedef uint32_t (*rune_fn)(uint32_t r, void *st);

static struct val *
map_runes(struct tmpl_call *c, struct val *sv, rune_fn f, void *st)
{
    const char *s = sv->u.s.ptr;
    size_t n = sv->u.s.len;
    size_t i = 0, w;
    uint32_t r = 0, m = 0;
    for (; i < n; i += w) {
        r = utf8_rune(s + i, n - i, &w);
        m = f(r, st);
        if (m != r || (r == 0xFFFD && w == 1))
            break;
    }
    if (i >= n)
        return sv;
    struct sb sb = SB_INIT;
    sb_grow(&sb, n + 4);
    sb_add(&sb, s, i);
    utf8_append(&sb, m);
    for (i += w; i < n; i += w) {
        r = utf8_rune(s + i, n - i, &w);
        utf8_append(&sb, f(r, st));
    }
    struct val *v = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return v;
}

static uint32_t
rune_upper(uint32_t r, void *st)
{
    (void)st;
    return sprig_uni_to_upper(r);
}

static uint32_t
rune_lower(uint32_t r, void *st)
{
    (void)st;
    return sprig_uni_to_lower(r);
}

/* []rune(s) then string(runes): invalid bytes become U+FFFD. */
static uint32_t *
to_runes(struct tmpl_call *c, const char *s, size_t n, size_t *count)
{
    uint32_t *rs = arena_alloc(c->a, (n + 1) * sizeof(*rs));
    size_t k = 0, w;
    for (size_t i = 0; i < n; i += w)
        rs[k++] = utf8_rune(s + i, n - i, &w);
    *count = k;
    return rs;
}

static struct val *
from_runes(struct tmpl_call *c, const uint32_t *rs, size_t k)
{
    size_t len = 0;
    for (size_t i = 0; i < k; i++)
        len += sprig_utf8_len(rs[i]);
    char *p;
    struct val *v = sprig_str_alloc(c, len, &p);
    for (size_t i = 0; i < k; i++)
        p += utf8_encode(p, rs[i]);
    return v;
}

/* ---- case ---- */

static int
fn_hello(struct tmpl_call *c, struct val **out)
{
    *out = tmpl_mkstrz(c, "Hello!");
    return 0;
}

static int
fn_upper(struct tmpl_call *c, struct val **out)
{
    struct val *sv = c->argv[0];
    const char *s = sv->u.s.ptr;
    size_t n = sv->u.s.len;
    if (all_ascii(s, n)) {
        size_t i = 0;
        while (i < n && !(s[i] >= 'a' && s[i] <= 'z'))
            i++;
        if (i == n) {
            *out = sv;
            return 0;
        }
        char *p;
        *out = sprig_str_alloc(c, n, &p);
        for (size_t k = 0; k < n; k++)
            p[k] = (char)(s[k] >= 'a' && s[k] <= 'z' ? s[k] - 32 : s[k]);
        return 0;
    }
    *out = map_runes(c, sv, rune_upper, NULL);
    return 0;
}

static int
fn_lower(struct tmpl_call *c, struct val **out)
{
    struct val *sv = c->argv[0];
    const char *s = sv->u.s.ptr;
    size_t n = sv->u.s.len;
    if (all_ascii(s, n)) {
        size_t i = 0;
        while (i < n && !(s[i] >= 'A' && s[i] <= 'Z'))
            i++;
        if (i == n) {
            *out = sv;
            return 0;
        }
        char *p;
        *out = sprig_str_alloc(c, n, &p);
        for (size_t k = 0; k < n; k++)
            p[k] = (char)(s[k] >= 'A' && s[k] <= 'Z' ? s[k] + 32 : s[k]);
        return 0;
    }
    *out = map_runes(c, sv, rune_lower, NULL);
    return 0;
}

/* strings.Title's isSeparator */
static bool
is_separator(uint32_t r)
{
    if (r <= 0x7F) {
        if ((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == '_')
            return false;
        return true;
    }
    if (tmpl_uni_is_letter(r) || tmpl_uni_is_digit(r))
        return false;
    return tmpl_uni_is_space(r);
}

static uint32_t
rune_title(uint32_t r, void *st)
{
    uint32_t *prev = st;
    bool sep = is_separator(*prev);
    *prev = r;
    return sep ? sprig_uni_to_title(r) : r;
}

static int
fn_title(struct tmpl_call *c, struct val **out)
{
    uint32_t prev = ' ';
    *out = map_runes(c, c->argv[0], rune_title, &prev);
    return 0;
}

/* goutils.Uncapitalize: the first rune of each space-separated word lowered */
static int
fn_untitle(struct tmpl_call *c, struct val **out)
{
    size_t n, k;
    const char *s = tmpl_arg_str(c, 0, &n);
    if (n == 0) {
        *out = c->argv[0];
        return 0;
    }
    uint32_t *rs = to_runes(c, s, n, &k);
    bool next = true;
    for (size_t i = 0; i < k; i++) {
        if (tmpl_uni_is_space(rs[i])) {
            next = true;
        } else if (next) {
            rs[i] = sprig_uni_to_lower(rs[i]);
            next = false;
        }
    }
    *out = from_runes(c, rs, k);
    return 0;
}

/* goutils.SwapCase */
static int
fn_swapcase(struct tmpl_call *c, struct val **out)
{
    size_t n, k;
    const char *s = tmpl_arg_str(c, 0, &n);
    if (n == 0) {
        *out = c->argv[0];
        return 0;
    }
    uint32_t *rs = to_runes(c, s, n, &k);
    bool ws = true;
    for (size_t i = 0; i < k; i++) {
        uint32_t ch = rs[i];
        if (sprig_uni_is_upper(ch) || sprig_uni_is_title(ch)) {
            rs[i] = sprig_uni_to_lower(ch);
            ws = false;
        } else if (sprig_uni_is_lower(ch)) {
            rs[i] = ws ? sprig_uni_to_title(ch) : sprig_uni_to_upper(ch);
            ws = false;
        } else {
            ws = tmpl_uni_is_space(ch);
        }
    }
    *out = from_runes(c, rs, k);
    return 0;
}

/* xstrings.Shuffle (math/rand: any uniform source will do) */
static int
fn_shuffle(struct tmpl_call *c, struct val **out)
{
    size_t n, k;
    const char *s = tmpl_arg_str(c, 0, &n);
    if (n == 0) {
        *out = c->argv[0];
        return 0;
    }
    uint32_t *rs = to_runes(c, s, n, &k);
    for (size_t i = k; i-- > 1;) {
        size_t j = (size_t)sprig_random_below(i + 1);
        uint32_t t = rs[i];
        rs[i] = rs[j];
        rs[j] = t;
    }
    *out = from_runes(c, rs, k);
    return 0;
}

/* ---- xstrings v1.5.0 case conversions ---- */

static bool
is_connector(uint32_t r)
{
    return r == '-' || r == '_' || tmpl_uni_is_space(r);
}

/* xstrings' isAlphabet: a letter that is not a CJK ideograph */
static bool
is_alphabet(uint32_t r)
{
    if (!tmpl_uni_is_letter(r))
        return false;
    if (r < 0x3400)
        return true;
    if ((r >= 0x4E00 && r <= 0x9FCC) || (r >= 0x3400 && r <= 0x4D85) ||
        (r >= 0x20000 && r <= 0x2B81D))
        return false;
    return true;
}

static void
put_rune(struct sb *sb, uint32_t r)
{
    utf8_append(sb, r);
}

/* ToPascalCase (toCamelCase(str, true)) */
static int
fn_camelcase(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const char *s = tmpl_arg_str(c, 0, &n);
    if (n == 0) {
        *out = c->argv[0];
        return 0;
    }
    struct sb sb = SB_INIT;
    size_t i = 0, size = 0;
    uint32_t r0 = 0, r1;
    bool first_upper = false;
    while (i < n) {
        r0 = utf8_rune(s + i, n - i, &size);
        i += size;
        if (!is_connector(r0)) {
            first_upper = sprig_uni_is_upper(r0);
            r0 = sprig_uni_to_upper(r0);
            break;
        }
        put_rune(&sb, r0);
    }
    if (i >= n) {
        if (size != 0)
            put_rune(&sb, r0);
        goto done;
    }
    while (i < n) {
        r1 = r0;
        r0 = utf8_rune(s + i, n - i, &size);
        i += size;
        if (is_connector(r0) && is_connector(r1)) {
            put_rune(&sb, r1);
            continue;
        }
        if (is_connector(r1)) {
            first_upper = sprig_uni_is_upper(r0);
            r0 = sprig_uni_to_upper(r0);
        } else {
            if (first_upper) {
                if (sprig_uni_is_upper(r0))
                    r0 = sprig_uni_to_lower(r0);
                else
                    first_upper = false;
            }
            put_rune(&sb, r1);
        }
    }
    put_rune(&sb, r0);
done:
    *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

enum word_type { W_INVALID, W_NUMBER, W_UPPER, W_ALPHA, W_CONNECTOR, W_PUNCT, W_OTHER };

/* nextValidRune: skips invalid runes (their bytes count in size) */
static uint32_t
next_valid_rune(const char *s, size_t n, uint32_t prev, size_t *size)
{
    size_t total = 0, w;
    while (n > 0) {
        uint32_t r = utf8_rune(s, n, &w);
        total += w;
        if (r != 0xFFFD) {
            *size = total;
            return r;
        }
        s += w;
        n -= w;
    }
    *size = total;
    return prev;
}

/* nextWord: the type and byte length of the word at the start of s */
static enum word_type
next_word(const char *s, size_t n, size_t *wlen)
{
    *wlen = 0;
    if (n == 0)
        return W_INVALID;
    size_t off = 0, size;
    uint32_t r = next_valid_rune(s, n, 0xFFFD, &size);
    off += size;
    if (r == 0xFFFD) {
        *wlen = off;
        return W_INVALID;
    }
    enum word_type wt;
    size_t rem = size; /* start of the remaining text */
    if (is_connector(r)) {
        wt = W_CONNECTOR;
        while (rem < n) {
            r = next_valid_rune(s + rem, n - rem, r, &size);
            if (!is_connector(r))
                break;
            off += size;
            rem += size;
        }
    } else if (sprig_uni_is_punct(r)) {
        wt = W_PUNCT;
        while (rem < n) {
            r = next_valid_rune(s + rem, n - rem, r, &size);
            if (!sprig_uni_is_punct(r))
                break;
            off += size;
            rem += size;
        }
    } else if (sprig_uni_is_upper(r)) {
        wt = W_UPPER;
        if (rem < n) {
            r = next_valid_rune(s + rem, n - rem, r, &size);
            if (sprig_uni_is_upper(r)) {
                size_t prev_size = size;
                off += size;
                rem += size;
                while (rem < n) {
                    r = next_valid_rune(s + rem, n - rem, r, &size);
                    if (!sprig_uni_is_upper(r))
                        break;
                    prev_size = size;
                    off += size;
                    rem += size;
                }
                /* "HTTPStatus": the S belongs to the next word */
                if (rem < n && is_alphabet(r)) {
                    off -= prev_size;
                    rem = off;
                }
            } else if (is_alphabet(r)) {
                off += size;
                rem += size;
                while (rem < n) {
                    r = next_valid_rune(s + rem, n - rem, r, &size);
                    if (!is_alphabet(r) || sprig_uni_is_upper(r))
                        break;
                    off += size;
                    rem += size;
                }
            }
        }
    } else if (is_alphabet(r)) {
        wt = W_ALPHA;
        while (rem < n) {
            r = next_valid_rune(s + rem, n - rem, r, &size);
            if (!is_alphabet(r) || sprig_uni_is_upper(r))
                break;
            off += size;
            rem += size;
        }
    } else if (sprig_uni_is_number(r)) {
        wt = W_NUMBER;
        while (rem < n) {
            r = next_valid_rune(s + rem, n - rem, r, &size);
            if (!sprig_uni_is_number(r))
                break;
            off += size;
            rem += size;
        }
    } else {
        wt = W_OTHER;
        while (rem < n) {
            r = next_valid_rune(s + rem, n - rem, r, &size);
            if (size == 0 || is_connector(r) || is_alphabet(r) || sprig_uni_is_number(r) ||
                sprig_uni_is_punct(r))
                break;
            off += size;
            rem += size;
        }
    }
    *wlen = off;
    return wt;
}

static void
word_lower(struct sb *sb, enum word_type wt, const char *s, size_t n, char conn)
{
    if (wt != W_UPPER && wt != W_CONNECTOR) {
        sb_add(sb, s, n);
        return;
    }
    size_t w;
    for (size_t i = 0; i < n; i += w) {
        uint32_t r = utf8_rune(s + i, n - i, &w);
        if (is_connector(r))
            sb_addch(sb, conn);
        else if (sprig_uni_is_upper(r))
            put_rune(sb, sprig_uni_to_lower(r));
        else
            put_rune(sb, r);
    }
}

/* camelCaseToLowerCase(str, connector) */
static void
to_lower_case(struct sb *sb, const char *s, size_t n, char conn)
{
    size_t wl;
    enum word_type wt = next_word(s, n, &wl);
    const char *word = s, *rem = s + wl;
    size_t remn = n - wl;
#define NEXT()                                                                                     \
    do {                                                                                           \
        word = rem;                                                                                \
        wt = next_word(rem, remn, &wl);                                                            \
        rem += wl;                                                                                 \
        remn -= wl;                                                                                \
    } while (0)
    while (remn > 0) {
        if (wt != W_CONNECTOR)
            word_lower(sb, wt, word, wl, conn);
        enum word_type prev = wt;
        const char *last = word;
        size_t lastl = wl;
        NEXT();
        switch (prev) {
        case W_NUMBER:
            while (wt == W_ALPHA || wt == W_NUMBER) {
                word_lower(sb, wt, word, wl, conn);
                NEXT();
            }
            if (wt != W_INVALID && wt != W_PUNCT && wt != W_CONNECTOR)
                sb_addch(sb, conn);
            break;
        case W_CONNECTOR:
            word_lower(sb, prev, last, lastl, conn);
            break;
        case W_PUNCT:
            break;
        default:
            if (wt != W_NUMBER) {
                if (wt != W_CONNECTOR && wt != W_PUNCT)
                    sb_addch(sb, conn);
                break;
            }
            if (remn == 0)
                break;
            last = word;
            lastl = wl;
            NEXT();
            /* "Bld4Floor": the number belongs to the word before it */
            if (wt != W_ALPHA) {
                word_lower(sb, W_NUMBER, last, lastl, conn);
                if (wt != W_CONNECTOR && wt != W_PUNCT)
                    sb_addch(sb, conn);
                break;
            }
            /* "HTTP2xx": the number starts a word */
            sb_addch(sb, conn);
            word_lower(sb, W_NUMBER, last, lastl, conn);
            while (wt == W_ALPHA || wt == W_NUMBER) {
                word_lower(sb, wt, word, wl, conn);
                NEXT();
            }
            if (wt != W_INVALID && wt != W_CONNECTOR && wt != W_PUNCT)
                sb_addch(sb, conn);
        }
    }
#undef NEXT
    word_lower(sb, wt, word, wl, conn);
}

static int
to_lower_case_fn(struct tmpl_call *c, struct val **out, char conn)
{
    size_t n;
    const char *s = tmpl_arg_str(c, 0, &n);
    if (n == 0) {
        *out = c->argv[0];
        return 0;
    }
    struct sb sb = SB_INIT;
    to_lower_case(&sb, s, n, conn);
    *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

static int
fn_snakecase(struct tmpl_call *c, struct val **out)
{
    return to_lower_case_fn(c, out, '_');
}

static int
fn_kebabcase(struct tmpl_call *c, struct val **out)
{
    return to_lower_case_fn(c, out, '-');
}

/* ---- trimming and slicing ---- */

static bool
is_ascii_space(unsigned char b)
{
    return b == ' ' || b == '\t' || b == '\n' || b == '\v' || b == '\f' || b == '\r';
}

/* strings.TrimSpace */
static int
fn_trim(struct tmpl_call *c, struct val **out)
{
    struct val *sv = c->argv[0];
    const char *s = sv->u.s.ptr;
    size_t n = sv->u.s.len;
    size_t start = 0, stop = n, w;
    while (start < n) {
        unsigned char b = (unsigned char)s[start];
        if (b < 0x80) {
            if (!is_ascii_space(b))
                break;
            start++;
            continue;
        }
        uint32_t r = utf8_rune(s + start, n - start, &w);
        if (!tmpl_uni_is_space(r) || (r == 0xFFFD && w == 1))
            break;
        start += w;
    }
    while (stop > start) {
        unsigned char b = (unsigned char)s[stop - 1];
        if (b < 0x80) {
            if (!is_ascii_space(b))
                break;
            stop--;
            continue;
        }
        uint32_t r = sprig_utf8_decode_last(s + start, stop - start, &w);
        if (!tmpl_uni_is_space(r) || (r == 0xFFFD && w == 1))
            break;
        stop -= w;
    }
    if (start == 0 && stop == n)
        *out = sv;
    else
        *out = sprig_str_sub(c, sv, s + start, stop - start);
    return 0;
}

/* Does cutset hold rune r? (strings.ContainsRune: an invalid byte in either
 * counts as U+FFFD) */
static bool
cutset_has(const char *cs, size_t cn, uint32_t r)
{
    size_t w;
    for (size_t i = 0; i < cn; i += w)
        if (utf8_rune(cs + i, cn - i, &w) == r)
            return true;
    return false;
}

/* strings.Trim(s, cutset) */
static int
fn_trim_all(struct tmpl_call *c, struct val **out)
{
    size_t cn;
    const char *cs = tmpl_arg_str(c, 0, &cn);
    struct val *sv = c->argv[1];
    const char *s = sv->u.s.ptr;
    size_t n = sv->u.s.len;
    if (n == 0 || cn == 0) {
        *out = sv;
        return 0;
    }
    size_t start = 0, stop = n, w;
    if (all_ascii(cs, cn)) {
        bool set[128] = {0};
        for (size_t i = 0; i < cn; i++)
            set[(unsigned char)cs[i]] = true;
        while (start < n && (unsigned char)s[start] < 0x80 && set[(unsigned char)s[start]])
            start++;
        while (stop > start && (unsigned char)s[stop - 1] < 0x80 && set[(unsigned char)s[stop - 1]])
            stop--;
    } else {
        while (start < n) {
            uint32_t r = utf8_rune(s + start, n - start, &w);
            if (!cutset_has(cs, cn, r))
                break;
            start += w;
        }
        while (stop > start) {
            uint32_t r = sprig_utf8_decode_last(s + start, stop - start, &w);
            if (!cutset_has(cs, cn, r))
                break;
            stop -= w;
        }
    }
    if (start == 0 && stop == n)
        *out = sv;
    else
        *out = sprig_str_sub(c, sv, s + start, stop - start);
    return 0;
}

static int
fn_trim_suffix(struct tmpl_call *c, struct val **out)
{
    size_t an, n;
    const char *a = tmpl_arg_str(c, 0, &an);
    const char *s = tmpl_arg_str(c, 1, &n);
    if (an <= n && !memcmp(s + n - an, a, an) && an > 0)
        *out = val_str(c->a, s, n - an);
    else
        *out = c->argv[1];
    return 0;
}

static int
fn_trim_prefix(struct tmpl_call *c, struct val **out)
{
    size_t an, n;
    const char *a = tmpl_arg_str(c, 0, &an);
    const char *s = tmpl_arg_str(c, 1, &n);
    if (an <= n && !memcmp(s, a, an) && an > 0)
        *out = val_str_nocopy(c->a, s + an, n - an);
    else
        *out = c->argv[1];
    return 0;
}

static int
fn_trunc(struct tmpl_call *c, struct val **out)
{
    int64_t k = tmpl_arg_int(c, 0);
    struct val *sv = c->argv[1];
    int64_t n = (int64_t)sv->u.s.len;
    if (k < 0 && n + k > 0)
        *out = val_str_nocopy(c->a, sv->u.s.ptr + n + k, (size_t)-k);
    else if (k >= 0 && n > k)
        *out = val_str(c->a, sv->u.s.ptr, (size_t)k);
    else
        *out = sv;
    return 0;
}

static int
fn_substr(struct tmpl_call *c, struct val **out)
{
    int64_t start = tmpl_arg_int(c, 0), end = tmpl_arg_int(c, 1);
    struct val *sv = c->argv[2];
    int64_t n = (int64_t)sv->u.s.len;
    const char *s = sv->u.s.ptr;
    if (start < 0) {
        if (end < 0)
            return tmpl_fail(c, "runtime error: slice bounds out of range [:%lld]", (long long)end);
        if (end > n)
            return tmpl_fail(c, "runtime error: slice bounds out of range [:%lld] with length %lld",
                             (long long)end, (long long)n);
        *out = val_str(c->a, s, (size_t)end);
        return 0;
    }
    if (end < 0 || end > n) {
        if (start > n)
            return tmpl_fail(c, "runtime error: slice bounds out of range [%lld:%lld]",
                             (long long)start, (long long)n);
        *out = val_str_nocopy(c->a, s + start, (size_t)(n - start));
        return 0;
    }
    if (start > end)
        return tmpl_fail(c, "runtime error: slice bounds out of range [%lld:%lld]",
                         (long long)start, (long long)end);
    *out = sprig_str_sub(c, sv, s + start, (size_t)(end - start));
    return 0;
}

/* goutils.AbbreviateFull (byte-based) */
static struct val *
abbreviate(struct tmpl_call *c, struct val *sv, int64_t offset, int64_t max)
{
    const char *s = sv->u.s.ptr;
    int64_t n = (int64_t)sv->u.s.len;
    if (n == 0)
        return sv;
    if (max < 4)
        return val_str(c->a, "", 0);
    if (n <= max)
        return sv;
    if (offset > n)
        offset = n;
    if (n - offset < max - 3)
        offset = n - (max - 3);
    if (offset <= 4) {
        char *p;
        struct val *v = sprig_str_alloc(c, (size_t)(max - 3 + 3), &p);
        memcpy(p, s, (size_t)(max - 3));
        memcpy(p + max - 3, "...", 3);
        return v;
    }
    if (max < 7)
        return val_str(c->a, "", 0);
    if (offset + max - 3 < n) {
        struct val tail = *sv;
        tail.u.s.ptr = s + offset;
        tail.u.s.len = (size_t)(n - offset);
        struct val *inner = abbreviate(c, &tail, 0, max - 3);
        char *p;
        struct val *v = sprig_str_alloc(c, 3 + inner->u.s.len, &p);
        memcpy(p, "...", 3);
        memcpy(p + 3, inner->u.s.ptr, inner->u.s.len);
        return v;
    }
    char *p;
    struct val *v = sprig_str_alloc(c, (size_t)(3 + max - 3), &p);
    memcpy(p, "...", 3);
    memcpy(p + 3, s + n - (max - 3), (size_t)(max - 3));
    return v;
}

static int
fn_abbrev(struct tmpl_call *c, struct val **out)
{
    int64_t width = tmpl_arg_int(c, 0);
    if (width < 4) {
        *out = c->argv[1];
        return 0;
    }
    *out = abbreviate(c, c->argv[1], 0, width);
    return 0;
}

static int
fn_abbrevboth(struct tmpl_call *c, struct val **out)
{
    int64_t left = tmpl_arg_int(c, 0), right = tmpl_arg_int(c, 1);
    if (right < 4 || (left > 0 && right < 7)) {
        *out = c->argv[2];
        return 0;
    }
    *out = abbreviate(c, c->argv[2], left, right);
    return 0;
}

/* goutils.DeleteWhiteSpace: goes byte by byte, each byte taken as a
 * Latin-1 rune; when anything is deleted, bytes >= 0x80 come out
 * re-encoded as two-byte UTF-8 (that is what Go does). */
static int
fn_nospace(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const char *s = tmpl_arg_str(c, 0, &n);
    size_t keep = 0, len = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        if (!tmpl_uni_is_space(b)) {
            keep++;
            len += b < 0x80 ? 1 : 2;
        }
    }
    if (keep == n) {
        *out = c->argv[0];
        return 0;
    }
    char *p;
    *out = sprig_str_alloc(c, len, &p);
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        if (!tmpl_uni_is_space(b))
            p += utf8_encode(p, b);
    }
    return 0;
}

/* goutils.Initials: also byte by byte */
static int
fn_initials(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const char *s = tmpl_arg_str(c, 0, &n);
    struct sb sb = SB_INIT;
    bool gap = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        if (tmpl_uni_is_space(b)) {
            gap = true;
        } else if (gap) {
            utf8_append(&sb, b);
            gap = false;
        }
    }
    *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

/* goutils.WrapCustom */
static int
wrap_custom(struct tmpl_call *c, struct val **out, struct val *sv, int64_t wl, const char *nl,
            size_t nll, bool long_words)
{
    const char *s = sv->u.s.ptr;
    size_t n = sv->u.s.len;
    if (n == 0) {
        *out = sv;
        return 0;
    }
    if (nll == 0) {
        nl = "\n";
        nll = 1;
    }
    if (wl < 1)
        wl = 1;
    size_t w = (size_t)wl > n ? n + 1 : (size_t)wl;
    size_t off = 0;
    struct sb sb = SB_INIT;
    while (n - off > w) {
        if (sb.len > SPRIG_MAX_STRING) {
            sb_release(&sb);
            return too_long(c);
        }
        if (s[off] == ' ') {
            off++;
            continue;
        }
        size_t end = w + off + 1;
        /* strings.LastIndex(str[offset:end], " ") */
        size_t at = (size_t)-1;
        for (size_t k = end; k > off; k--)
            if (s[k - 1] == ' ') {
                at = k - 1;
                break;
            }
        if (at != (size_t)-1) {
            sb_add(&sb, s + off, at - off);
            sb_add(&sb, nl, nll);
            off = at + 1;
        } else if (long_words) {
            sb_add(&sb, s + off, w);
            sb_add(&sb, nl, nll);
            off += w;
        } else {
            size_t e = w + off;
            const char *sp = memchr(s + e, ' ', n - e);
            if (!sp) {
                sb_add(&sb, s + off, n - off);
                off = n;
            } else {
                at = (size_t)(sp - s);
                sb_add(&sb, s + off, at - off);
                sb_add(&sb, nl, nll);
                off = at + 1;
            }
        }
    }
    sb_add(&sb, s + off, n - off);
    *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

static int
fn_wrap(struct tmpl_call *c, struct val **out)
{
    return wrap_custom(c, out, c->argv[1], tmpl_arg_int(c, 0), "", 0, false);
}

static int
fn_wrap_with(struct tmpl_call *c, struct val **out)
{
    size_t nll;
    const char *nl = tmpl_arg_str(c, 1, &nll);
    return wrap_custom(c, out, c->argv[2], tmpl_arg_int(c, 0), nl, nll, true);
}

/* ---- searching ---- */

static bool
has_sub(const char *s, size_t n, const char *sub, size_t sn)
{
    if (sn == 0)
        return true;
    return sn <= n && memmem(s, n, sub, sn) != NULL;
}

static int
fn_contains(struct tmpl_call *c, struct val **out)
{
    size_t sn, n;
    const char *sub = tmpl_arg_str(c, 0, &sn);
    const char *s = tmpl_arg_str(c, 1, &n);
    *out = tmpl_mkbool(c, has_sub(s, n, sub, sn));
    return 0;
}

static int
fn_has_prefix(struct tmpl_call *c, struct val **out)
{
    size_t sn, n;
    const char *sub = tmpl_arg_str(c, 0, &sn);
    const char *s = tmpl_arg_str(c, 1, &n);
    *out = tmpl_mkbool(c, sn <= n && !memcmp(s, sub, sn));
    return 0;
}

static int
fn_has_suffix(struct tmpl_call *c, struct val **out)
{
    size_t sn, n;
    const char *sub = tmpl_arg_str(c, 0, &sn);
    const char *s = tmpl_arg_str(c, 1, &n);
    *out = tmpl_mkbool(c, sn <= n && !memcmp(s + n - sn, sub, sn));
    return 0;
}

/* ---- quoting and joining ---- */

/* Does %q print s as "s"? (printable ASCII without quotes or backslashes) */
static bool
quote_plain(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x20 || b >= 0x7F || b == '"' || b == '\\')
            return false;
    }
    return true;
}

static int
fn_quote(struct tmpl_call *c, struct val **out)
{
    if (c->argc == 1 && c->argv[0]->kind == VAL_STRING &&
        quote_plain(c->argv[0]->u.s.ptr, c->argv[0]->u.s.len)) {
        size_t n = c->argv[0]->u.s.len;
        char *p;
        *out = sprig_str_alloc(c, n + 2, &p);
        p[0] = '"';
        memcpy(p + 1, c->argv[0]->u.s.ptr, n);
        p[n + 1] = '"';
        return 0;
    }
    struct sb sb = SB_INIT, tmp = SB_INIT;
    bool first = true;
    for (size_t i = 0; i < c->argc; i++) {
        const struct val *v = c->argv[i];
        if (v->kind == VAL_NULL)
            continue;
        if (!first)
            sb_addch(&sb, ' ');
        first = false;
        if (v->kind == VAL_STRING) {
            tmpl_quote(&sb, v->u.s.ptr, v->u.s.len);
        } else {
            sb_reset(&tmp);
            tmpl_strval(&tmp, v);
            tmpl_quote(&sb, tmp.buf, tmp.len);
        }
    }
    *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    sb_release(&tmp);
    return 0;
}

static int
fn_squote(struct tmpl_call *c, struct val **out)
{
    struct sb sb = SB_INIT;
    bool first = true;
    for (size_t i = 0; i < c->argc; i++) {
        const struct val *v = c->argv[i];
        if (v->kind == VAL_NULL)
            continue;
        if (!first)
            sb_addch(&sb, ' ');
        first = false;
        sb_addch(&sb, '\'');
        tmpl_fmt_v(&sb, v);
        sb_addch(&sb, '\'');
    }
    *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

static int
fn_cat(struct tmpl_call *c, struct val **out)
{
    struct sb sb = SB_INIT;
    bool first = true;
    for (size_t i = 0; i < c->argc; i++) {
        const struct val *v = c->argv[i];
        if (v->kind == VAL_NULL)
            continue;
        if (!first)
            sb_addch(&sb, ' ');
        first = false;
        tmpl_fmt_v(&sb, v);
    }
    *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

/* pad + strings.Replace(v, "\n", "\n"+pad, -1), with a leading newline for
 * nindent; built once in the arena */
static int
indent_impl(struct tmpl_call *c, struct val **out, bool leading_nl)
{
    int64_t spaces = tmpl_arg_int(c, 0);
    if (spaces < 0)
        return tmpl_fail(c, "strings: negative Repeat count");
    size_t n;
    const char *s = tmpl_arg_str(c, 1, &n);
    size_t lines = 1;
    for (const char *p = s; (p = memchr(p, '\n', (size_t)(s + n - p))); p++)
        lines++;
    if ((uint64_t)spaces > SPRIG_MAX_STRING || lines * (size_t)spaces > SPRIG_MAX_STRING - n)
        return too_long(c);
    size_t total = n + lines * (size_t)spaces + (leading_nl ? 1 : 0);
    char *p;
    *out = sprig_str_alloc(c, total, &p);
    if (leading_nl)
        *p++ = '\n';
    memset(p, ' ', (size_t)spaces);
    p += spaces;
    const char *q = s, *end = s + n;
    for (;;) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        if (!nl) {
            memcpy(p, q, (size_t)(end - q));
            break;
        }
        size_t k = (size_t)(nl - q) + 1;
        memcpy(p, q, k);
        p += k;
        memset(p, ' ', (size_t)spaces);
        p += spaces;
        q = nl + 1;
    }
    return 0;
}

static int
fn_indent(struct tmpl_call *c, struct val **out)
{
    return indent_impl(c, out, false);
}

static int
fn_nindent(struct tmpl_call *c, struct val **out)
{
    return indent_impl(c, out, true);
}

/* strings.Replace(src, old, new, -1) */
static int
fn_replace(struct tmpl_call *c, struct val **out)
{
    size_t on, nn, n;
    const char *old = tmpl_arg_str(c, 0, &on);
    const char *new = tmpl_arg_str(c, 1, &nn);
    const char *s = tmpl_arg_str(c, 2, &n);
    if (on == nn && !memcmp(old, new, on)) {
        *out = c->argv[2];
        return 0;
    }
    struct sb sb = SB_INIT;
    if (on == 0) {
        /* an empty old matches before every rune and at the end */
        size_t w;
        sb_add(&sb, new, nn);
        for (size_t i = 0; i < n; i += w) {
            utf8_rune(s + i, n - i, &w);
            sb_add(&sb, s + i, w);
            sb_add(&sb, new, nn);
            if (sb.len > SPRIG_MAX_STRING) {
                sb_release(&sb);
                return too_long(c);
            }
        }
    } else {
        const char *p = s, *end = s + n;
        bool any = false;
        while ((size_t)(end - p) >= on) {
            const char *m = memmem(p, (size_t)(end - p), old, on);
            if (!m)
                break;
            any = true;
            sb_add(&sb, p, (size_t)(m - p));
            sb_add(&sb, new, nn);
            p = m + on;
            if (sb.len > SPRIG_MAX_STRING) {
                sb_release(&sb);
                return too_long(c);
            }
        }
        if (!any) {
            *out = c->argv[2];
            return 0;
        }
        sb_add(&sb, p, (size_t)(end - p));
    }
    *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

static int
fn_repeat(struct tmpl_call *c, struct val **out)
{
    int64_t count = tmpl_arg_int(c, 0);
    size_t n;
    const char *s = tmpl_arg_str(c, 1, &n);
    if (count < 0)
        return tmpl_fail(c, "strings: negative Repeat count");
    if (count == 0 || n == 0) {
        *out = val_str(c->a, "", 0);
        return 0;
    }
    if ((uint64_t)count > SPRIG_MAX_STRING / n)
        return too_long(c);
    char *p;
    *out = sprig_str_alloc(c, n * (size_t)count, &p);
    for (int64_t i = 0; i < count; i++, p += n)
        memcpy(p, s, n);
    return 0;
}

static int
fn_plural(struct tmpl_call *c, struct val **out)
{
    *out = tmpl_arg_int(c, 2) == 1 ? c->argv[0] : c->argv[1];
    return 0;
}

static int
fn_to_string(struct tmpl_call *c, struct val **out)
{
    struct val *v = c->argv[0];
    if (v->kind == VAL_STRING && v->gotype == VAL_GO_AUTO) {
        *out = v;
        return 0;
    }
    if (v->kind == VAL_STRING) {
        *out = val_str_nocopy(c->a, v->u.s.ptr, v->u.s.len);
        return 0;
    }
    struct sb sb = SB_INIT;
    tmpl_strval(&sb, v);
    *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

/* Sprig's strslice */
struct val *
sprig_strslice(struct tmpl_call *c, struct val *v)
{
    if (v->kind == VAL_SEQ && v->gotype == VAL_GO_STRINGS)
        return v;
    struct val *res = tmpl_mkstrings(c);
    struct sprig_list l;
    if (sprig_list_of(c, v, &l)) {
        struct sb sb = SB_INIT;
        for (size_t i = 0; i < l.n; i++) {
            struct val *e = sprig_list_at(c, &l, i);
            if (e->kind == VAL_NULL)
                continue;
            if (e->kind == VAL_STRING && e->gotype == VAL_GO_AUTO) {
                val_seq_push(c->a, res, e);
                continue;
            }
            sb_reset(&sb);
            tmpl_strval(&sb, e);
            val_seq_push(c->a, res, tmpl_mkstr(c, sb.buf, sb.len));
        }
        sb_release(&sb);
        return res;
    }
    if (v->kind == VAL_NULL)
        return res;
    struct sb sb = SB_INIT;
    tmpl_strval(&sb, v);
    val_seq_push(c->a, res, tmpl_mkstr(c, sb.buf, sb.len));
    sb_release(&sb);
    return res;
}

static int
fn_to_strings(struct tmpl_call *c, struct val **out)
{
    *out = sprig_strslice(c, c->argv[0]);
    return 0;
}

static int
fn_join(struct tmpl_call *c, struct val **out)
{
    size_t sepn;
    const char *sep = tmpl_arg_str(c, 0, &sepn);
    struct val *l = sprig_strslice(c, c->argv[1]);
    size_t n = l->u.seq.len;
    if (n == 1) {
        *out = l->u.seq.items[0];
        return 0;
    }
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += l->u.seq.items[i]->u.s.len + (i ? sepn : 0);
    if (total > SPRIG_MAX_STRING)
        return too_long(c);
    char *p;
    *out = sprig_str_alloc(c, total, &p);
    for (size_t i = 0; i < n; i++) {
        if (i) {
            memcpy(p, sep, sepn);
            p += sepn;
        }
        memcpy(p, l->u.seq.items[i]->u.s.ptr, l->u.seq.items[i]->u.s.len);
        p += l->u.seq.items[i]->u.s.len;
    }
    return 0;
}

/* strings.SplitN(s, sep, n) calling emit(part) for each part */
typedef void (*part_fn)(struct tmpl_call *c, struct val *res, size_t idx, struct val *part);

static void
split_n(struct tmpl_call *c, struct val *sv, const char *sep, size_t sepn, int64_t lim,
        struct val *res, part_fn emit)
{
    const char *s = sv->u.s.ptr;
    size_t n = sv->u.s.len;
    if (lim == 0)
        return;
    size_t idx = 0;
    if (sepn == 0) {
        /* explode: one part per rune (invalid bytes alone), the last part
         * takes the rest */
        size_t runes = tmpl_utf8_count(s, n);
        if (lim < 0 || (uint64_t)lim > runes)
            lim = (int64_t)runes;
        size_t i = 0, w;
        for (int64_t k = 0; k < lim - 1; k++) {
            utf8_rune(s + i, n - i, &w);
            emit(c, res, idx++, val_str(c->a, s + i, w));
            i += w;
        }
        if (lim > 0)
            emit(c, res, idx++, sprig_str_sub(c, sv, s + i, n - i));
        return;
    }
    const char *p = s, *end = s + n;
    while (lim < 0 || (int64_t)idx < lim - 1) {
        const char *m = (size_t)(end - p) >= sepn ? memmem(p, (size_t)(end - p), sep, sepn) : NULL;
        if (!m)
            break;
        emit(c, res, idx++, val_str(c->a, p, (size_t)(m - p)));
        p = m + sepn;
    }
    emit(c, res, idx++, sprig_str_sub(c, sv, p, (size_t)(end - p)));
}

static void
emit_list(struct tmpl_call *c, struct val *res, size_t idx, struct val *part)
{
    (void)idx;
    val_seq_push(c->a, res, part);
}

static void
emit_map(struct tmpl_call *c, struct val *res, size_t idx, struct val *part)
{
    char key[32];
    int kn = snprintf(key, sizeof(key), "_%zu", idx);
    val_map_set(c->a, res, key, (size_t)kn, part);
}

static int
fn_split(struct tmpl_call *c, struct val **out)
{
    size_t sepn;
    const char *sep = tmpl_arg_str(c, 0, &sepn);
    struct val *res = tmpl_mkstrmap(c);
    split_n(c, c->argv[1], sep, sepn, -1, res, emit_map);
    *out = res;
    return 0;
}

static int
fn_splitn(struct tmpl_call *c, struct val **out)
{
    size_t sepn;
    const char *sep = tmpl_arg_str(c, 0, &sepn);
    struct val *res = tmpl_mkstrmap(c);
    split_n(c, c->argv[2], sep, sepn, tmpl_arg_int(c, 1), res, emit_map);
    *out = res;
    return 0;
}

static int
fn_split_list(struct tmpl_call *c, struct val **out)
{
    size_t sepn;
    const char *sep = tmpl_arg_str(c, 0, &sepn);
    struct val *res = tmpl_mkstrings(c);
    split_n(c, c->argv[1], sep, sepn, -1, res, emit_list);
    *out = res;
    return 0;
}

const struct tmpl_func tmpl_funcs_sprig_strings[] = {
    {"hello", fn_hello, "func() string"},
    {"abbrev", fn_abbrev, "func(int, string) string"},
    {"abbrevboth", fn_abbrevboth, "func(int, int, string) string"},
    {"trunc", fn_trunc, "func(int, string) string"},
    {"trim", fn_trim, "func(string) string"},
    {"upper", fn_upper, "func(string) string"},
    {"lower", fn_lower, "func(string) string"},
    {"title", fn_title, "func(string) string"},
    {"untitle", fn_untitle, "func(string) string"},
    {"substr", fn_substr, "func(int, int, string) string"},
    {"repeat", fn_repeat, "func(int, string) string"},
    {"trimall", fn_trim_all, "func(string, string) string"},
    {"trimAll", fn_trim_all, "func(string, string) string"},
    {"trimSuffix", fn_trim_suffix, "func(string, string) string"},
    {"trimPrefix", fn_trim_prefix, "func(string, string) string"},
    {"nospace", fn_nospace, "func(string) string"},
    {"initials", fn_initials, "func(string) string"},
    {"swapcase", fn_swapcase, "func(string) string"},
    {"shuffle", fn_shuffle, "func(string) string"},
    {"snakecase", fn_snakecase, "func(string) string"},
    {"camelcase", fn_camelcase, "func(string) string"},
    {"kebabcase", fn_kebabcase, "func(string) string"},
    {"wrap", fn_wrap, "func(int, string) string"},
    {"wrapWith", fn_wrap_with, "func(int, string, string) string"},
    {"contains", fn_contains, "func(string, string) bool"},
    {"hasPrefix", fn_has_prefix, "func(string, string) bool"},
    {"hasSuffix", fn_has_suffix, "func(string, string) bool"},
    {"quote", fn_quote, "func(...interface {}) string"},
    {"squote", fn_squote, "func(...interface {}) string"},
    {"cat", fn_cat, "func(...interface {}) string"},
    {"indent", fn_indent, "func(int, string) string"},
    {"nindent", fn_nindent, "func(int, string) string"},
    {"replace", fn_replace, "func(string, string, string) string"},
    {"plural", fn_plural, "func(string, string, int) string"},
    {"toString", fn_to_string, "func(interface {}) string"},
    {"toStrings", fn_to_strings, "func(interface {}) []string"},
    {"join", fn_join, "func(string, interface {}) string"},
    {"split", fn_split, "func(string, string) map[string]string"},
    {"splitList", fn_split_list, "func(string, string) []string"},
    {"splitn", fn_splitn, "func(string, int, string) map[string]string"},
    {NULL, NULL, NULL},
};
