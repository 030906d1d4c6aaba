/* Go's path/filepath.Match (on Unix), which Helm uses for .helmignore
 * rules and `--show-only`: `*` and `?` stop at '/', character classes with
 * `^` negation and ranges, backslash escapes, and ErrBadPattern for
 * malformed patterns even when the match already failed. */
#include "core/text.h"
#include "chart/chart.h"
#include "chart/chart-int.h"

#include <string.h>

struct str {
    const char *p;
    size_t n;
};

static void
adv(struct str *s, size_t k)
{
    s->p += k;
    s->n -= k;
}

static void
scan_chunk(struct str *pattern, bool *star, struct str *chunk)
{
    *star = false;
    while (pattern->n > 0 && pattern->p[0] == '*') {
        adv(pattern, 1);
        *star = true;
    }
    bool inrange = false;
    size_t i;
    for (i = 0; i < pattern->n; i++) {
        char c = pattern->p[i];
        if (c == '\\') {
            if (i + 1 < pattern->n)
                i++;
        } else if (c == '[') {
            inrange = true;
        } else if (c == ']') {
            inrange = false;
        } else if (c == '*' && !inrange) {
            break;
        }
    }
    chunk->p = pattern->p;
    chunk->n = i;
    adv(pattern, i);
}

/* getEsc: 0 ok, -1 bad pattern. */
static int
get_esc(struct str *chunk, int32_t *r)
{
    if (chunk->n == 0 || chunk->p[0] == '-' || chunk->p[0] == ']')
        return -1;
    if (chunk->p[0] == '\\') {
        adv(chunk, 1);
        if (chunk->n == 0)
            return -1;
    }
    size_t w;
    *r = utf8_rune(chunk->p, chunk->n, &w);
    int bad = (*r == 0xFFFD && w == 1 && (unsigned char)chunk->p[0] >= 0x80) ? -1 : 0;
    adv(chunk, w);
    if (chunk->n == 0)
        bad = -1;
    return bad;
}

/* matchChunk: 1 matched (rest in *s), 0 not, -1 bad pattern. */
static int
match_chunk(struct str chunk, struct str *s_io)
{
    struct str s = *s_io;
    bool failed = false;
    while (chunk.n > 0) {
        if (!failed && s.n == 0)
            failed = true;
        switch (chunk.p[0]) {
        case '[': {
            int32_t r = 0;
            if (!failed) {
                size_t w;
                r = utf8_rune(s.p, s.n, &w);
                adv(&s, w);
            }
            adv(&chunk, 1);
            bool negated = false;
            if (chunk.n > 0 && chunk.p[0] == '^') {
                negated = true;
                adv(&chunk, 1);
            }
            bool match = false;
            int nrange = 0;
            for (;;) {
                if (chunk.n > 0 && chunk.p[0] == ']' && nrange > 0) {
                    adv(&chunk, 1);
                    break;
                }
                int32_t lo, hi;
                if (get_esc(&chunk, &lo))
                    return -1;
                hi = lo;
                if (chunk.p[0] == '-') {
                    adv(&chunk, 1);
                    if (get_esc(&chunk, &hi))
                        return -1;
                }
                if (lo <= r && r <= hi)
                    match = true;
                nrange++;
            }
            if (match == negated)
                failed = true;
            break;
        }
        case '?':
            if (!failed) {
                if (s.p[0] == '/')
                    failed = true;
                size_t w;
                utf8_rune(s.p, s.n, &w);
                adv(&s, w);
            }
            adv(&chunk, 1);
            break;
        case '\\':
            adv(&chunk, 1);
            if (chunk.n == 0)
                return -1;
            /* fallthrough */
        default:
            if (!failed) {
                if (chunk.p[0] != s.p[0])
                    failed = true;
                adv(&s, 1);
            }
            adv(&chunk, 1);
        }
    }
    if (failed)
        return 0;
    *s_io = s;
    return 1;
}

int
chart_path_match(const char *pattern_s, const char *name_s)
{
    struct str pattern = {pattern_s, strlen(pattern_s)};
    struct str name = {name_s, strlen(name_s)};
    while (pattern.n > 0) {
        bool star;
        struct str chunk;
        scan_chunk(&pattern, &star, &chunk);
        if (star && chunk.n == 0)
            return memchr(name.p, '/', name.n) ? 0 : 1;
        struct str t = name;
        int ok = match_chunk(chunk, &t);
        if (ok == 1 && (t.n == 0 || pattern.n > 0)) {
            name = t;
            continue;
        }
        if (ok < 0)
            return PKG_EINVAL;
        if (star) {
            bool found = false;
            for (size_t i = 0; i < name.n && name.p[i] != '/'; i++) {
                struct str t2 = {name.p + i + 1, name.n - i - 1};
                int ok2 = match_chunk(chunk, &t2);
                if (ok2 == 1) {
                    if (pattern.n == 0 && t2.n > 0)
                        continue;
                    name = t2;
                    found = true;
                    break;
                }
                if (ok2 < 0)
                    return PKG_EINVAL;
            }
            if (found)
                continue;
        }
        while (pattern.n > 0) {
            scan_chunk(&pattern, &star, &chunk);
            struct str empty = {"", 0};
            if (match_chunk(chunk, &empty) < 0)
                return PKG_EINVAL;
        }
        return 0;
    }
    return name.n == 0 ? 1 : 0;
}
