/* Small text helpers shared by the parsers and printers: hex digits and
 * UTF-8 as Go's unicode/utf8 reads and writes it. Inline: they sit in the
 * inner loops of the JSON, YAML and template code. */
#ifndef PKG_CORE_TEXT_H
#define PKG_CORE_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "core/sb.h"

/* The value of a hex digit, -1 for any other character. */
static inline int
hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes one rune at s (n > 0 bytes available). Returns its length, or 0
 * for an invalid or truncated sequence (Go's RuneError with size 1).
 * Overlong forms, surrogates and values past U+10FFFF are invalid. */
static inline size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *r)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *r = c;
        return 1;
    }
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    if (len == 2)
        *r = (c & 0x1Fu) << 6 | (s[1] & 0x3Fu);
    else if (len == 3)
        *r = (c & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
    else
        *r = (c & 0x07u) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 | (s[3] & 0x3Fu);
    return len;
}

/* utf8.DecodeRuneInString: the rune at s and its width; U+FFFD with
 * width 1 for an invalid or truncated sequence, width 0 when n is 0. */
static inline uint32_t
utf8_rune(const char *s, size_t n, size_t *width)
{
    uint32_t r;
    if (n == 0) {
        *width = 0;
        return 0xFFFD;
    }
    size_t len = utf8_decode((const unsigned char *)s, n, &r);
    *width = len ? len : 1;
    return len ? r : 0xFFFD;
}

/* utf8.EncodeRune: writes r as UTF-8 into out (room for 4) and returns
 * the length; a surrogate or a value past U+10FFFF is written as
 * U+FFFD. */
static inline size_t
utf8_encode(char *out, uint32_t r)
{
    if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
        r = 0xFFFD;
    if (r < 0x80) {
        out[0] = (char)r;
        return 1;
    }
    if (r < 0x800) {
        out[0] = (char)(0xC0 | r >> 6);
        out[1] = (char)(0x80 | (r & 0x3F));
        return 2;
    }
    if (r < 0x10000) {
        out[0] = (char)(0xE0 | r >> 12);
        out[1] = (char)(0x80 | (r >> 6 & 0x3F));
        out[2] = (char)(0x80 | (r & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | r >> 18);
    out[1] = (char)(0x80 | (r >> 12 & 0x3F));
    out[2] = (char)(0x80 | (r >> 6 & 0x3F));
    out[3] = (char)(0x80 | (r & 0x3F));
    return 4;
}

/* utf8.AppendRune. */
static inline void
utf8_append(struct sb *sb, uint32_t r)
{
    if (r < 0x80) {
        sb_addch(sb, (int)r);
        return;
    }
    char b[4];
    sb_add(sb, b, utf8_encode(b, r));
}

#endif
