/* JSON load and emit compatible with Go's encoding/json. */
#ifndef PKG_CORE_JSON_H
#define PKG_CORE_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "core/sb.h"
#include "core/value.h"

struct val_json_opts {
    /* Numbers: false (default) gives VAL_FLOAT for every number, as
     * json.Unmarshal into interface{} does; true keeps integers that fit
     * int64 as VAL_INT (json.Number-like use). */
    bool ints;
    size_t max_depth; /* 0: 1000 */
    size_t max_bytes; /* 0: 256 MiB */
};

/* Parses one JSON text (RFC 8259; trailing whitespace only). Duplicate keys:
 * the last wins, as in Go. Errors carry file:line:col. */
int val_json_load(struct val **out, struct arena *a, const char *buf, size_t len, const char *file,
                  const struct val_json_opts *opts, struct pkg_err **errp);

enum val_json_flags {
    VAL_JSON_COMPACT = 0,
    VAL_JSON_INDENT = 1,         /* json.MarshalIndent(v, "", "  ") */
    VAL_JSON_NO_ESCAPE_HTML = 2, /* SetEscapeHTML(false): <, >, & as is */
    VAL_JSON_KEEP_ORDER = 4,     /* keys in map order instead of sorted */
};

/* Emits v as encoding/json.Marshal does: sorted keys, `<`, `>`, `&`,
 * U+2028 and U+2029 escaped, invalid UTF-8 replaced by U+FFFD, floats in
 * Go's format (see gofmt.h). NaN and infinities are errors (PKG_EINVAL), as
 * in Go. No trailing newline. */
int val_json_emit(struct sb *sb, const struct val *v, int flags, struct pkg_err **errp);

/* Appends s[0..n) as a JSON string literal, escaped as encoding/json does
 * (flags: VAL_JSON_NO_ESCAPE_HTML). */
void val_json_quote(struct sb *sb, const char *s, size_t n, int flags);

#endif
