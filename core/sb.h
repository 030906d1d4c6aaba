/* String buffers, after git's strbuf: a growable byte buffer that is always
 * NUL-terminated.
 *
 * Invariants: buf is never NULL (it points at a static "" until the first
 * write); buf[len] == 0; len < cap unless cap is 0. A buffer fed by
 * untrusted input gets a limit with sb_set_limit(); appends past it set
 * `overflow` and are dropped, and sb_check() turns that into PKG_ELIMIT. */
#ifndef PKG_CORE_SB_H
#define PKG_CORE_SB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct sb {
    char *buf;
    size_t len;
    size_t cap;
    size_t limit; /* 0: none */
    bool overflow;
};

#define SB_INIT                                                                                    \
    {                                                                                              \
        .buf = sb_empty_, .len = 0, .cap = 0, .limit = 0, .overflow = false                        \
    }
extern char sb_empty_[1];

void sb_init(struct sb *sb);
/* Releases the memory and re-initializes; the buffer can be reused. */
void sb_release(struct sb *sb);
/* Empties the buffer, keeping its memory. */
void sb_reset(struct sb *sb);
void sb_set_limit(struct sb *sb, size_t limit);
/* PKG_ELIMIT (with a message naming `what`) if an append was dropped. */
int sb_check(const struct sb *sb, const char *what, struct pkg_err **errp);

void sb_grow(struct sb *sb, size_t extra);
void sb_add(struct sb *sb, const void *p, size_t n);
void sb_addstr(struct sb *sb, const char *s);
void sb_addch(struct sb *sb, int c);
void sb_addf(struct sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct sb *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends n copies of c. */
void sb_addchn(struct sb *sb, int c, size_t n);
void sb_setlen(struct sb *sb, size_t len);

/* Hands the heap buffer to the caller (free() it) and re-initializes. */
char *sb_detach(struct sb *sb, size_t *len);

/* Reads a whole file into the buffer (appending). Refuses files over
 * `limit` bytes (0: no limit) with PKG_ELIMIT. */
int sb_read_file(struct sb *sb, const char *path, size_t limit, struct pkg_err **errp);
/* Reads a file descriptor to EOF (appending), with the same limit rule. */
int sb_read_fd(struct sb *sb, int fd, const char *name, size_t limit, struct pkg_err **errp);

#endif
