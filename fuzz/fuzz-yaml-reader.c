/* Fuzz target: pkg's libyaml reader (core/yaml-reader.c) against libyaml's
 * own (dlsym from the shared library), on any input. Both parsers read the
 * input in pieces whose sizes, like the character counts asked for, come
 * from the input's first bytes; any difference in the decoded buffer, the
 * counters or an error field aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/tests/yaml-reader-dual.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
differ(const char *what)
{
    fprintf(stderr, "fuzz-yaml-reader: the readers differ: %s\n", what);
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static reader_update_fn theirs;
    if (!theirs && !(theirs = libyaml_reader()))
        differ("libyaml's own reader is not available");
    uint8_t seed = size ? data[0] : 0;
    size_t piece = seed & 0x80 ? 1 + (seed & 0x7f) : 16384;
    struct pieces fa = {data, size, 0, &piece, 1, 0}, fb = fa;
    yaml_parser_t a, b;
    if (!yaml_parser_initialize(&a) || !yaml_parser_initialize(&b))
        abort();
    yaml_parser_set_input(&a, read_pieces, &fa);
    yaml_parser_set_input(&b, read_pieces, &fb);
    for (size_t step = 0;; step++) {
        size_t want = 1 + (size ? data[step % size] % 5 : 0);
        int ra = yaml_parser_update_buffer(&a, want), rb = theirs(&b, want);
        const char *d = readers_differ(&a, &b, ra, rb);
        if (d)
            differ(d);
        if (!ra || a.unread == 0 || (a.eof && a.unread == 1 && *a.buffer.pointer == '\0'))
            break;
        readers_skip(&a, &b);
    }
    yaml_parser_delete(&a);
    yaml_parser_delete(&b);
    return 0;
}
