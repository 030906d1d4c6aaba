/* The lazy-binding tables the generated stubs file defines (see lazy.h and
 * lazy/lazy-asm.inc, which lays these out in assembler). Module-private. */
#ifndef PKG_LAZY_INT_H
#define PKG_LAZY_INT_H

#include <stddef.h>

/* One lazily linked library. The layout is fixed: 8-byte fields in this
 * order (lazy-asm.inc writes them; lazy.c checks the offsets). */
struct lazy_lib {
    const char *soname; /* what dlopen() is given: "libcurl.so.4" */
    const char *names;  /* the n function names, each followed by a NUL */
    void **slots;       /* stub i jumps through slots[i]; at first its thunk */
    unsigned long n;
    void *handle; /* dlopen()'s handle once loaded and bound; atomic */
};

/* All lazily linked libraries, NULL-terminated; weak, so that a program
 * linked without stubs (LAZY=no) has none. */
extern struct lazy_lib *const lazy_libs[] __attribute__((weak, visibility("hidden")));

/* Called by lazy_trampoline with the library and the index of the function
 * whose stub was called: loads and binds the library (once), returns the
 * function's address. Does not return when that fails (see lazy.h). */
void *lazy_resolve(struct lazy_lib *lib, unsigned long idx) __attribute__((visibility("hidden")));

/* lazy-common.c. The name of lib's function idx. */
const char *lazy_func_name(const struct lazy_lib *lib, unsigned long idx);
/* This process's command line as /proc/self/cmdline has it (words each
 * ended by a NUL), a malloc'd copy with one more NUL after it; NULL when it
 * cannot be read. */
char *lazy_cmdline(size_t *len);
/* "pkg pull repo/app": the program and the words of the command line up
 * to the first flag after the command, for messages. */
void lazy_command_words(char *out, size_t cap);
/* The lazy library whose soname is `name` and ".so..." ("libcurl"), or
 * NULL. */
struct lazy_lib *lazy_find_lib(const char *name);

#endif
