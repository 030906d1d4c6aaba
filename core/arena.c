/* Arena allocator: a list of chunks, bump allocation, one free for all.
 *
 * Chunks start small and double (an arena per YAML document or per scratch
 * computation stays small; a render's arena reaches megabytes in a few
 * chunks). Every chunk is zero-filled when it is made, so allocations need
 * no memset: small chunks come from malloc and are cleared, big ones are
 * anonymous mappings, which the kernel hands out zeroed and only when
 * touched (populated a window ahead of use, see POPULATE_STEP). */
#include "core/arena.h"
#include "core/xalloc.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ARENA_ALIGN 8
#define CHUNK_FIRST (4 * 1024)
#define CHUNK_MAX (1024 * 1024)
/* Chunks of this size and above are mappings of their own. */
#define CHUNK_MMAP (128 * 1024)
/* Mapped chunks are populated ahead of the bump pointer, this much at a
 * time (MADV_POPULATE_WRITE): one call maps and zeroes a window of pages,
 * far cheaper than a page fault per page (a fault costs ~5 us on a VM), and
 * a chunk's unused tail is never touched. Where the kernel lacks it (before
 * 5.14) pages fault in one by one. */
#define POPULATE_STEP (64 * 1024)

struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    size_t mapped; /* the mapping's length, 0 for malloc'd chunks */
    size_t ready;  /* data bytes known to be mapped in (all, for malloc'd ones) */
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

/* A heap block the arena frees (arena_own); the records live in the arena. */
struct owned {
    struct owned *next;
    void *p;
};

struct arena {
    struct chunk *head;
    size_t total;
    size_t next_size; /* the next regular chunk's size */
    struct owned *owned;
};

struct arena *
arena_new(void)
{
    struct arena *a = xcalloc(1, sizeof(struct arena));
    a->next_size = CHUNK_FIRST;
    return a;
}

static void
chunk_release(struct chunk *c)
{
    if (c->mapped)
        munmap(c, c->mapped);
    else
        free(c);
}

void
arena_free(struct arena *a)
{
    if (!a)
        return;
    for (struct owned *o = a->owned; o; o = o->next) /* before the chunks holding the records */
        free(o->p);
    struct chunk *c = a->head;
    while (c) {
        struct chunk *n = c->next;
        chunk_release(c);
        c = n;
    }
    free(a);
}

void
arena_adopt(struct arena *a, struct arena *child)
{
    if (!child)
        return;
    struct chunk *first = child->head;
    if (first) {
        struct chunk *last = first;
        while (last->next)
            last = last->next;
        if (a->head) {
            last->next = a->head->next;
            a->head->next = first;
        } else {
            a->head = first;
        }
    }
    a->total += child->total;
    if (child->owned) {
        struct owned *last = child->owned;
        while (last->next)
            last = last->next;
        last->next = a->owned;
        a->owned = child->owned;
    }
    free(child);
}

void
arena_own(struct arena *a, void *p)
{
    if (!p)
        return;
    struct owned *o = arena_alloc(a, sizeof(*o));
    o->p = p;
    o->next = a->owned;
    a->owned = o;
}

#ifdef ARENA_DEBUG
void *
arena_alloc(struct arena *a, size_t n)
{
    struct chunk *c = xmalloc(sizeof(*c) + (n ? n : 1));
    c->size = c->used = n;
    c->mapped = 0;
    c->next = a->head;
    a->head = c;
    a->total += n;
    memset(c->data, 0, n);
    return c->data;
}
#else
static bool no_populate;

/* Makes sure c->data[0..end) is populated, a window at a time. */
static void
chunk_populate(struct chunk *c, size_t end)
{
    size_t to = end + POPULATE_STEP;
    if (to > c->size)
        to = c->size;
    if (!no_populate) {
        /* Page-aligned start: ready + header is a page multiple or the
         * chunk's start. */
        unsigned char *from = c->data + c->ready;
        uintptr_t base = (uintptr_t)from & ~(uintptr_t)4095;
        if (madvise((void *)base, (uintptr_t)(c->data + to) - base, MADV_POPULATE_WRITE) != 0)
            no_populate = true;
    }
    c->ready = to;
}

/* A zero-filled chunk with at least `size` usable bytes. */
static struct chunk *
chunk_new(size_t size)
{
    size_t bytes = sizeof(struct chunk) + size;
    if (bytes < size)
        xalloc_die();
    struct chunk *c;
    if (bytes >= CHUNK_MMAP) {
        size_t len = (bytes + 4095) & ~(size_t)4095;
        void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            xalloc_die();
        c = p;
        c->mapped = len;
        c->size = len - sizeof(struct chunk);
        c->ready = 0;
    } else {
        c = xmalloc(bytes);
        memset(c->data, 0, size);
        c->mapped = 0;
        c->size = size;
        c->ready = size;
    }
    c->used = 0;
    return c;
}

void *
arena_alloc(struct arena *a, size_t n)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n)
        xalloc_die();
    struct chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        if (need > a->next_size / 4) {
            /* Big blocks get a chunk of their own, behind the current one,
             * so the current chunk keeps serving small requests. */
            struct chunk *big = chunk_new(need);
            big->used = need;
            if (big->ready < need)
                chunk_populate(big, need);
            if (c) {
                big->next = c->next;
                c->next = big;
            } else {
                big->next = NULL;
                a->head = big;
            }
            a->total += need;
            return big->data;
        }
        c = chunk_new(a->next_size);
        if (a->next_size < CHUNK_MAX)
            a->next_size *= 2;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    if (c->used > c->ready)
        chunk_populate(c, c->used);
    a->total += need;
    return p;
}
#endif

void *
arena_realloc(struct arena *a, void *old, size_t old_n, size_t new_n)
{
    if (new_n <= old_n && old)
        return old;
    void *p = arena_alloc(a, new_n);
    if (old && old_n)
        memcpy(p, old, old_n);
    return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

void *
arena_memdup(struct arena *a, const void *p, size_t n)
{
    void *q = arena_alloc(a, n);
    if (n)
        memcpy(q, p, n);
    return q;
}

char *
arena_sprintf(struct arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        xalloc_die();
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

size_t
arena_used(const struct arena *a)
{
    return a->total;
}
