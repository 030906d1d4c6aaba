/* pkg's definition of libyaml's reader (core/yaml-reader.c): libyaml's
 * scanner calls it to decode input into the parser's buffer. */
#ifndef PKG_CORE_YAML_READER_H
#define PKG_CORE_YAML_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

/* Makes sure the parser's buffer holds at least `length` decoded
 * characters (fewer only at the end of the input, which is marked by a
 * NUL); 1, or 0 with a reader error set in the parser. libyaml's
 * contract, declared in its private header. */
int yaml_parser_update_buffer(yaml_parser_t *parser, size_t length);

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

#endif
