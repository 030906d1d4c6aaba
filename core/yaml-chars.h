/* YAML's character classes, shared by the reader (core/yaml-reader.c),
 * the fast parser (core/yaml-fast.c) and the emitter's choice of style
 * (core/yaml-emit.c). */
#ifndef PKG_CORE_YAML_CHARS_H
#define PKG_CORE_YAML_CHARS_H

#include <stdbool.h>
#include <stdint.h>

/* The YAML character set the reader accepts: #x9 | #xA | #xD |
 * [#x20-#x7E] | #x85 | [#xA0-#xD7FF] | [#xE000-#xFFFD] |
 * [#x10000-#x10FFFF]. */
static inline bool
yaml_printable(uint32_t v)
{
    return v == 0x09 || v == 0x0A || v == 0x0D || (v >= 0x20 && v <= 0x7E) || v == 0x85 ||
           (v >= 0xA0 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) ||
           (v >= 0x10000 && v <= 0x10FFFF);
}

/* A c-indicator that no plain scalar may start with ('-', '?' and ':'
 * are the others: indicators only before a blank). */
static inline bool
yaml_indicator(unsigned char c)
{
    switch (c) {
    case ',':
    case '[':
    case ']':
    case '{':
    case '}':
    case '#':
    case '&':
    case '*':
    case '!':
    case '|':
    case '>':
    case '\'':
    case '"':
    case '%':
    case '@':
    case '`':
        return true;
    default:
        return false;
    }
}

#endif
