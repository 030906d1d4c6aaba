/* Arenas: bump allocation for everything that lives and dies together (a
 * document's value tree, one render, one controller iteration). Nothing
 * allocated from an arena is freed on its own; arena_free() releases all.
 *
 * Built with ARENA_DEBUG (make BUILD=asan), every allocation is a separate
 * malloc() so that AddressSanitizer and valgrind see overflows. */
#ifndef PKG_CORE_ARENA_H
#define PKG_CORE_ARENA_H

#include <stddef.h>

struct arena;

/* A new empty arena. Never NULL (aborts on out-of-memory). */
struct arena *arena_new(void);

/* Releases the arena and everything allocated from it; NULL is a no-op. */
void arena_free(struct arena *a);

/* n bytes, zero-filled, aligned to 8 bytes: enough for pointers, 64-bit
 * integers and doubles (not for long double or 16-byte vector types). */
void *arena_alloc(struct arena *a, size_t n);

/* Grows an allocation made from this arena from old_n to new_n bytes (the
 * old block stays allocated until the arena dies). */
void *arena_realloc(struct arena *a, void *old, size_t old_n, size_t new_n);

/* NUL-terminated copies. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_sprintf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void *arena_memdup(struct arena *a, const void *p, size_t n);

/* Moves everything allocated from child into a (it lives until a is freed)
 * and frees child's handle: another thread's arena joins the one its
 * results belong to. a keeps allocating from its own current chunk. */
void arena_adopt(struct arena *a, struct arena *child);

/* Hands a malloc'd block p to the arena: it is freed (free(p)) with the
 * arena, and with the arena that adopts it. A big buffer built on the heap
 * joins the arena without being copied. NULL is a no-op. */
void arena_own(struct arena *a, void *p);

/* Bytes handed out so far (for limits and statistics). */
size_t arena_used(const struct arena *a);

#endif
