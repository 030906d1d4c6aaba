/* Fuzz target: pkg's libyaml reader (core/yaml-reader.c) against libyaml's
 * own (dlsym from the shared library), on any input. Both parsers read the
 * input in pieces whose sizes, like the character counts asked for, come
 * from the input's first bytes; any difference in the decoded buffer, the
 * counters or an error field aborts. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/yaml-reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef int (*update_fn)(yaml_parser_t *, size_t);

struct feed {
    const uint8_t *p;
    size_t n, at, piece;
};

static int
feed_read(void *data, unsigned char *buf, size_t size, size_t *got)
{
    struct feed *f = data;
    size_t want = f->piece < size ? f->piece : size;
    if (want > f->n - f->at)
        want = f->n - f->at;
    memcpy(buf, f->p + f->at, want);
    f->at += want;
    *got = want;
    return 1;
}

static void
differ(const char *what)
{
    fprintf(stderr, "fuzz-yaml-reader: the readers differ: %s\n", what);
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static update_fn theirs;
    if (!theirs) {
        void *h = dlopen("libyaml-0.so.2", RTLD_NOW | RTLD_LOCAL);
        theirs = h ? (update_fn)dlsym(h, "yaml_parser_update_buffer") : NULL;
        if (!theirs || theirs == yaml_parser_update_buffer)
            differ("libyaml's own reader is not available");
    }
    uint8_t seed = size ? data[0] : 0;
    size_t piece = seed & 0x80 ? 1 + (seed & 0x7f) : 16384;
    struct feed fa = {data, size, 0, piece}, fb = fa;
    yaml_parser_t a, b;
    if (!yaml_parser_initialize(&a) || !yaml_parser_initialize(&b))
        abort();
    yaml_parser_set_input(&a, feed_read, &fa);
    yaml_parser_set_input(&b, feed_read, &fb);
    for (size_t step = 0;; step++) {
        size_t want = 1 + (size ? data[step % size] % 5 : 0);
        int ra = yaml_parser_update_buffer(&a, want), rb = theirs(&b, want);
        if (ra != rb || a.error != b.error)
            differ("result");
        if (!ra) {
            if (strcmp(a.problem, b.problem) || a.problem_offset != b.problem_offset ||
                a.problem_value != b.problem_value)
                differ(a.problem);
            break;
        }
        size_t len = (size_t)(a.buffer.last - a.buffer.pointer);
        if (a.unread != b.unread || a.offset != b.offset || a.eof != b.eof ||
            a.encoding != b.encoding || len != (size_t)(b.buffer.last - b.buffer.pointer) ||
            memcmp(a.buffer.pointer, b.buffer.pointer, len))
            differ("buffer");
        if (a.unread == 0 || (a.eof && a.unread == 1 && *a.buffer.pointer == '\0'))
            break;
        /* consume one character (SKIP) */
        unsigned char c = *a.buffer.pointer;
        size_t w = (c & 0x80) == 0 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
        a.buffer.pointer += w;
        b.buffer.pointer += w;
        a.unread--;
        b.unread--;
    }
    yaml_parser_delete(&a);
    yaml_parser_delete(&b);
    return 0;
}
