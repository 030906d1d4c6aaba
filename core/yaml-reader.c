/* libyaml's reader, with a fast path for ASCII text.
 *
 * libyaml's scanner asks its reader, yaml_parser_update_buffer(), for
 * characters: the reader decodes the raw input (UTF-8 or UTF-16, after an
 * optional BOM) into the parser's UTF-8 buffer, checking every character
 * (the leading and trailing octets, overlong forms, surrogates, and the
 * YAML printable set). libyaml does this one character at a time through
 * the general decoder, about 2 ns a byte: 7% of a kube-prometheus-stack
 * render, which reads 0.3 MB of values files and reads back 0.6 MB of
 * manifests. Almost all of that text is printable ASCII, which decodes to
 * itself; this reader copies such runs in a tight loop and hands every
 * other byte to the same checks as libyaml, in the same order, so the
 * buffer, the offsets and the errors (problem, offset, value) are
 * libyaml's, chunk for chunk.
 *
 * The function is libyaml's own extern symbol (yaml_private.h); pkg links
 * libyaml from its static archive, and core/yaml-load.c refers to this
 * definition, so libyaml's reader.o is never linked. Where libyaml is a
 * shared library (the sanitizer and test builds), the executable's
 * definition takes the place of the library's (its calls go through the
 * PLT). core/tests/test-yaml-reader.c compares the two, call for call,
 * with the library's own loaded apart. The parser's fields are those of
 * the public yaml.h, and the buffer sizes are libyaml's (the decoded
 * buffer has room for three bytes per raw byte). */
#include "core/yaml-reader.h"
#include "core/yaml-chars.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* yaml_private.h: the largest input offset */
#define READER_MAX_OFFSET (~(size_t)0 / 2)

static int
reader_error(yaml_parser_t *parser, const char *problem, size_t offset, int value)
{
    parser->error = YAML_READER_ERROR;
    parser->problem = problem;
    parser->problem_offset = offset;
    parser->problem_value = value;
    return 0;
}

/* Moves what is left of the raw buffer to its start and reads more after
 * it; sets eof when the handler gives nothing. */
static int
fill_raw(yaml_parser_t *parser)
{
    if (parser->raw_buffer.start == parser->raw_buffer.pointer &&
        parser->raw_buffer.last == parser->raw_buffer.end)
        return 1;
    if (parser->eof)
        return 1;
    size_t left = (size_t)(parser->raw_buffer.last - parser->raw_buffer.pointer);
    if (parser->raw_buffer.start < parser->raw_buffer.pointer && left > 0)
        memmove(parser->raw_buffer.start, parser->raw_buffer.pointer, left);
    parser->raw_buffer.last -= parser->raw_buffer.pointer - parser->raw_buffer.start;
    parser->raw_buffer.pointer = parser->raw_buffer.start;
    size_t got = 0;
    if (!parser->read_handler(parser->read_handler_data, parser->raw_buffer.last,
                              (size_t)(parser->raw_buffer.end - parser->raw_buffer.last), &got))
        return reader_error(parser, "input error", parser->offset, -1);
    parser->raw_buffer.last += got;
    if (got == 0)
        parser->eof = 1;
    return 1;
}

/* The encoding from a BOM (skipped), UTF-8 without one. */
static int
detect_encoding(yaml_parser_t *parser)
{
    while (!parser->eof && parser->raw_buffer.last - parser->raw_buffer.pointer < 3)
        if (!fill_raw(parser))
            return 0;
    const unsigned char *p = parser->raw_buffer.pointer;
    size_t have = (size_t)(parser->raw_buffer.last - p);
    size_t skip = 0;
    if (have >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
        parser->encoding = YAML_UTF16LE_ENCODING;
        skip = 2;
    } else if (have >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
        parser->encoding = YAML_UTF16BE_ENCODING;
        skip = 2;
    } else if (have >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        parser->encoding = YAML_UTF8_ENCODING;
        skip = 3;
    } else {
        parser->encoding = YAML_UTF8_ENCODING;
    }
    parser->raw_buffer.pointer += skip;
    parser->offset += skip;
    return 1;
}

/* Bytes that are whole printable characters: tab, LF, CR, 0x20-0x7E. */
static const bool plain_ascii[256] = {
    ['\t'] = true, ['\n'] = true, ['\r'] = true,
#define R4(c) [c] = true, [c + 1] = true, [c + 2] = true, [c + 3] = true
#define R16(c) R4(c), R4(c + 4), R4(c + 8), R4(c + 12)
    R16(0x20),     R16(0x30),     R16(0x40),     R16(0x50),     R16(0x60),     R4(0x70),
    R4(0x74),      R4(0x78),      [0x7C] = true, [0x7D] = true, [0x7E] = true,
#undef R16
#undef R4
};

/* Decodes one character at the raw pointer into *value and *width.
 * Returns 1, 0 on an error (set), or 2 when the raw buffer ends inside
 * the character and more input may follow. */
static int
decode_one(yaml_parser_t *parser, uint32_t *value, size_t *width)
{
    const unsigned char *p = parser->raw_buffer.pointer;
    size_t have = (size_t)(parser->raw_buffer.last - p);
    if (parser->encoding == YAML_UTF8_ENCODING) {
        unsigned char o = p[0];
        size_t w = (o & 0x80) == 0      ? 1
                   : (o & 0xE0) == 0xC0 ? 2
                   : (o & 0xF0) == 0xE0 ? 3
                   : (o & 0xF8) == 0xF0 ? 4
                                        : 0;
        if (!w)
            return reader_error(parser, "invalid leading UTF-8 octet", parser->offset, o);
        if (w > have) {
            if (parser->eof)
                return reader_error(parser, "incomplete UTF-8 octet sequence", parser->offset, -1);
            return 2;
        }
        uint32_t v = w == 1 ? o : w == 2 ? (o & 0x1Fu) : w == 3 ? (o & 0x0Fu) : (o & 0x07u);
        for (size_t k = 1; k < w; k++) {
            if ((p[k] & 0xC0) != 0x80)
                return reader_error(parser, "invalid trailing UTF-8 octet", parser->offset + k,
                                    p[k]);
            v = (v << 6) + (p[k] & 0x3Fu);
        }
        if (!(w == 1 || (w == 2 && v >= 0x80) || (w == 3 && v >= 0x800) ||
              (w == 4 && v >= 0x10000)))
            return reader_error(parser, "invalid length of a UTF-8 sequence", parser->offset, -1);
        if ((v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
            return reader_error(parser, "invalid Unicode character", parser->offset, (int)v);
        *value = v;
        *width = w;
        return 1;
    }
    int lo = parser->encoding == YAML_UTF16LE_ENCODING ? 0 : 1, hi = 1 - lo;
    if (have < 2) {
        if (parser->eof)
            return reader_error(parser, "incomplete UTF-16 character", parser->offset, -1);
        return 2;
    }
    uint32_t v = p[lo] + ((uint32_t)p[hi] << 8);
    if ((v & 0xFC00) == 0xDC00)
        return reader_error(parser, "unexpected low surrogate area", parser->offset, (int)v);
    if ((v & 0xFC00) != 0xD800) {
        *value = v;
        *width = 2;
        return 1;
    }
    if (have < 4) {
        if (parser->eof)
            return reader_error(parser, "incomplete UTF-16 surrogate pair", parser->offset, -1);
        return 2;
    }
    uint32_t v2 = p[lo + 2] + ((uint32_t)p[hi + 2] << 8);
    if ((v2 & 0xFC00) != 0xDC00)
        return reader_error(parser, "expected low surrogate area", parser->offset + 2, (int)v2);
    *value = 0x10000 + ((v & 0x3FF) << 10) + (v2 & 0x3FF);
    *width = 4;
    return 1;
}

static void
put_utf8(yaml_parser_t *parser, uint32_t v)
{
    unsigned char *o = parser->buffer.last;
    if (v <= 0x7F) {
        *o++ = (unsigned char)v;
    } else if (v <= 0x7FF) {
        *o++ = (unsigned char)(0xC0 + (v >> 6));
        *o++ = (unsigned char)(0x80 + (v & 0x3F));
    } else if (v <= 0xFFFF) {
        *o++ = (unsigned char)(0xE0 + (v >> 12));
        *o++ = (unsigned char)(0x80 + ((v >> 6) & 0x3F));
        *o++ = (unsigned char)(0x80 + (v & 0x3F));
    } else {
        *o++ = (unsigned char)(0xF0 + (v >> 18));
        *o++ = (unsigned char)(0x80 + ((v >> 12) & 0x3F));
        *o++ = (unsigned char)(0x80 + ((v >> 6) & 0x3F));
        *o++ = (unsigned char)(0x80 + (v & 0x3F));
    }
    parser->buffer.last = o;
}

/* Decodes the whole raw buffer, or up to an incomplete character at its
 * end. 0 on an error. */
static int
decode_raw(yaml_parser_t *parser)
{
    while (parser->raw_buffer.pointer != parser->raw_buffer.last) {
        if (parser->encoding == YAML_UTF8_ENCODING) {
            const unsigned char *p = parser->raw_buffer.pointer, *e = parser->raw_buffer.last;
            const unsigned char *q = p;
            while (q < e && plain_ascii[*q])
                q++;
            if (q > p) {
                size_t n = (size_t)(q - p);
                memcpy(parser->buffer.last, p, n);
                parser->buffer.last += n;
                parser->raw_buffer.pointer += n;
                parser->offset += n;
                parser->unread += n;
                continue;
            }
        }
        uint32_t v = 0;
        size_t w = 0;
        int r = decode_one(parser, &v, &w);
        if (r == 0)
            return 0;
        if (r == 2)
            break;
        if (!yaml_printable(v))
            return reader_error(parser, "control characters are not allowed", parser->offset,
                                (int)v);
        parser->raw_buffer.pointer += w;
        parser->offset += w;
        put_utf8(parser, v);
        parser->unread++;
    }
    return 1;
}

int
yaml_parser_update_buffer(yaml_parser_t *parser, size_t length)
{
    if (parser->eof && parser->raw_buffer.pointer == parser->raw_buffer.last)
        return 1;
    if (parser->unread >= length)
        return 1;
    if (!parser->encoding && !detect_encoding(parser))
        return 0;
    /* The unread characters go to the start of the buffer. */
    if (parser->buffer.start < parser->buffer.pointer &&
        parser->buffer.pointer < parser->buffer.last) {
        size_t size = (size_t)(parser->buffer.last - parser->buffer.pointer);
        memmove(parser->buffer.start, parser->buffer.pointer, size);
        parser->buffer.pointer = parser->buffer.start;
        parser->buffer.last = parser->buffer.start + size;
    } else if (parser->buffer.pointer == parser->buffer.last) {
        parser->buffer.pointer = parser->buffer.start;
        parser->buffer.last = parser->buffer.start;
    }
    bool first = true;
    while (parser->unread < length) {
        if (!first || parser->raw_buffer.pointer == parser->raw_buffer.last)
            if (!fill_raw(parser))
                return 0;
        first = false;
        if (!decode_raw(parser))
            return 0;
        if (parser->eof) {
            *parser->buffer.last++ = '\0';
            parser->unread++;
            return 1;
        }
    }
    if (parser->offset >= READER_MAX_OFFSET)
        return reader_error(parser, "input is too long", parser->offset, -1);
    return 1;
}
