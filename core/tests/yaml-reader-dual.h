/* Test helper shared by core/tests/test-yaml-reader.c and
 * fuzz/fuzz-yaml-reader.c: pkg's libyaml reader (core/yaml-reader.c) and
 * libyaml's own (dlsym from the shared library) run on twin parsers fed
 * the same input in pieces; after each request for characters the two
 * parsers must agree on the result, the decoded buffer, the counters and
 * any error field. */
#ifndef PKG_CORE_TESTS_YAML_READER_DUAL_H
#define PKG_CORE_TESTS_YAML_READER_DUAL_H

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#include "core/yaml-reader.h"

typedef int (*reader_update_fn)(yaml_parser_t *, size_t);

/* libyaml's reader, from the library itself (already loaded: pkg's tests
 * link it), not pkg's definition of the same name; NULL when missing. */
static reader_update_fn
libyaml_reader(void)
{
    void *h = dlopen("libyaml-0.so.2", RTLD_NOW | RTLD_LOCAL);
    reader_update_fn f = h ? (reader_update_fn)dlsym(h, "yaml_parser_update_buffer") : NULL;
    return f == yaml_parser_update_buffer ? NULL : f;
}

/* Input given in pieces of the sizes in `chunks` (cycled), as a file
 * read handler may. */
struct pieces {
    const unsigned char *p;
    size_t n, at;
    const size_t *chunks;
    size_t nchunks, k;
};

static int
read_pieces(void *data, unsigned char *buf, size_t size, size_t *got)
{
    struct pieces *s = data;
    size_t want = s->chunks[s->k++ % s->nchunks];
    if (want > size)
        want = size;
    if (want > s->n - s->at)
        want = s->n - s->at;
    memcpy(buf, s->p + s->at, want);
    s->at += want;
    *got = want;
    return 1;
}

/* What differs after both readers returned (ra, rb), NULL when nothing. */
static const char *
readers_differ(const yaml_parser_t *a, const yaml_parser_t *b, int ra, int rb)
{
    if (ra != rb || a->error != b->error)
        return "result";
    if (!ra) {
        if (strcmp(a->problem, b->problem) || a->problem_offset != b->problem_offset ||
            a->problem_value != b->problem_value)
            return a->problem;
        return NULL;
    }
    size_t len = (size_t)(a->buffer.last - a->buffer.pointer);
    if (a->unread != b->unread || a->offset != b->offset || a->eof != b->eof ||
        a->encoding != b->encoding || len != (size_t)(b->buffer.last - b->buffer.pointer) ||
        memcmp(a->buffer.pointer, b->buffer.pointer, len))
        return "buffer";
    return NULL;
}

/* Consumes one decoded character from both (the scanner's SKIP). */
static void
readers_skip(yaml_parser_t *a, yaml_parser_t *b)
{
    unsigned char c = *a->buffer.pointer;
    size_t w = (c & 0x80) == 0 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    a->buffer.pointer += w;
    b->buffer.pointer += w;
    a->unread--;
    b->unread--;
}

#endif
