/* A fast loader for the YAML most files are written in, beside libyaml.
 *
 * libyaml reads ~15 ns a byte here: most of a mid-size chart's values.yaml
 * load, and a fifth of a bitnami chart's render. Nearly all the YAML pkg
 * reads is block style: mappings, sequences, one-line plain and quoted
 * scalars, literal and folded block scalars, comments. yaml_fast_load
 * reads that subset in one pass and hands the same events libyaml would
 * give (the same scalar text, styles and start marks) to a sink. Anything
 * else (tags, anchors and aliases in flow collections or before keys, flow
 * collections over several lines,
 * quoted scalars over several lines, explicit keys, empty documents,
 * "..." and directives, tabs where indentation is read, CR line breaks,
 * control or non-printable characters, input libyaml rejects) makes it
 * stop and return 0: the
 * caller then loads the whole input again with libyaml, so errors and
 * rare forms keep libyaml's exact behaviour. A sink callback failing also
 * returns 0; the caller's libyaml pass gives the error as before.
 *
 * The equivalence is checked by core/tests/test-yaml-fast.c and by the
 * fuzz-yaml-fast target, which load the same input both ways. */
#ifndef PKG_CORE_YAML_FAST_H
#define PKG_CORE_YAML_FAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Events, as libyaml's parser would emit them for the input. Marks are
 * 0-based lines and columns (columns count characters). Every callback
 * returns 0 to go on; anything else stops the load (yaml_fast_load then
 * returns 0). */
struct yaml_fast_sink {
    void *ctx;
    int (*doc_start)(void *ctx);
    /* 0 to go on, 1 to stop after this document (the load succeeds and the
     * rest of the input is not read), -1 to fail. */
    int (*doc_end)(void *ctx);
    /* style is libyaml's yaml_scalar_style_t; text is not NUL-terminated
     * and lives only for the call. anchor: the node's anchor name, or
     * NULL. */
    int (*scalar)(void *ctx, const char *text, size_t len, int style, const char *anchor,
                  uint32_t line, uint32_t col);
    int (*start)(void *ctx, bool seq, bool flow, const char *anchor, uint32_t line, uint32_t col);
    int (*end)(void *ctx);
    int (*alias)(void *ctx, const char *name, uint32_t line, uint32_t col);
};

/* 1: the input was read completely and every event went to the sink (a
 * stream of comments and blank lines has no document). 0: not read; events
 * may have gone to the sink before the stop. */
int yaml_fast_load(const char *buf, size_t len, const struct yaml_fast_sink *sink);

/* For tests: false makes every load take libyaml's path. */
void yaml_fast_set_enabled(bool on);
bool yaml_fast_enabled(void);

#endif
