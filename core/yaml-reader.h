/* pkg's definition of libyaml's reader (core/yaml-reader.c): libyaml's
 * scanner calls it to decode input into the parser's buffer. */
#ifndef PKG_CORE_YAML_READER_H
#define PKG_CORE_YAML_READER_H

#include <stddef.h>

#include <yaml.h>

/* Makes sure the parser's buffer holds at least `length` decoded
 * characters (fewer only at the end of the input, which is marked by a
 * NUL); 1, or 0 with a reader error set in the parser. libyaml's
 * contract, declared in its private header. */
int yaml_parser_update_buffer(yaml_parser_t *parser, size_t length);

#endif
