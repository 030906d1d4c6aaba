/* Allocation that cannot fail: out of memory aborts with a message (as git,
 * crun and jq do). Everything else in pkg may assume these return memory. */
#ifndef PKG_CORE_XALLOC_H
#define PKG_CORE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array to hold at least `need` items of `size`, doubling. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void xalloc_die(void);

/* Scratch pointers freed at scope exit: `cleanup_free char *p = ...`. */
void cleanup_freep(void *p);
#define cleanup_free __attribute__((cleanup(cleanup_freep)))

#endif
