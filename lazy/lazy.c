/* Loading and binding of lazily linked libraries (see lazy.h): the C half
 * of the stubs' first call, and lazy_load() for code that wants an error
 * it can return. */
#include "lazy/lazy.h"
#include "lazy/lazy-int.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Static_assert(offsetof(struct lazy_lib, soname) == 0 && offsetof(struct lazy_lib, names) == 8 &&
                   offsetof(struct lazy_lib, slots) == 16 && offsetof(struct lazy_lib, n) == 24 &&
                   offsetof(struct lazy_lib, handle) == 32,
               "struct lazy_lib must match lazy/lazy-asm.inc");

/* Serialises loading. Held across fork() so that no child starts with a
 * load half done in some other thread (only the forking thread survives). */
static pthread_mutex_t lazy_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t lazy_atfork_once = PTHREAD_ONCE_INIT;

static void
fork_prepare(void)
{
    pthread_mutex_lock(&lazy_lock);
}

static void
fork_release(void)
{
    pthread_mutex_unlock(&lazy_lock);
}

static void
register_atfork(void)
{
    pthread_atfork(fork_prepare, fork_release, fork_release);
}

/* Opens the library and points every slot it can at the real function
 * (a function the library lacks keeps its thunk, which reports it when
 * called). Called with lazy_lock held. Returns the handle, stored in
 * lib->handle last so that a thread seeing it sees the slots; or NULL with
 * *why set to dlerror()'s text. */
static void *
bind_lib(struct lazy_lib *lib, const char **why)
{
    void *h = __atomic_load_n(&lib->handle, __ATOMIC_ACQUIRE);
    if (h)
        return h;
    dlerror();
    h = dlopen(lib->soname, RTLD_LAZY | RTLD_LOCAL);
    if (!h) {
        *why = dlerror();
        return NULL;
    }
    const char *name = lib->names;
    for (unsigned long i = 0; i < lib->n; i++, name += strlen(name) + 1) {
        void *p = dlsym(h, name);
        if (p)
            __atomic_store_n(&lib->slots[i], p, __ATOMIC_RELEASE);
    }
    __atomic_store_n(&lib->handle, h, __ATOMIC_RELEASE);
    return h;
}

static void __attribute__((noreturn))
die(const struct lazy_lib *lib, unsigned long idx, const char *why)
{
    char cmd[160], msg[1024];
    lazy_command_words(cmd, sizeof(cmd));
    int len;
    if (why)
        len = snprintf(msg, sizeof(msg), "Error: cannot load %s, which `%s` needs (%s): %s\n",
                       lib->soname, cmd, lazy_func_name(lib, idx), why);
    else
        len = snprintf(msg, sizeof(msg),
                       "Error: %s lacks %s, which `%s` needs (pkg was built against another "
                       "version of it)\n",
                       lib->soname, lazy_func_name(lib, idx), cmd);
    if (len > (int)sizeof(msg) - 1)
        len = (int)sizeof(msg) - 1;
    if (write(2, msg, (size_t)len) < 0) {
        /* nothing left to tell */
    }
    _exit(1);
}

void *
lazy_resolve(struct lazy_lib *lib, unsigned long idx)
{
    void *h = __atomic_load_n(&lib->handle, __ATOMIC_ACQUIRE);
    if (!h) {
        const char *why = NULL;
        pthread_once(&lazy_atfork_once, register_atfork);
        pthread_mutex_lock(&lazy_lock);
        h = bind_lib(lib, &why);
        if (!h)
            die(lib, idx, why ? why : "unknown dlopen error");
        pthread_mutex_unlock(&lazy_lock);
    }
    void *p = dlsym(h, lazy_func_name(lib, idx));
    if (!p)
        die(lib, idx, NULL);
    return p;
}

int
lazy_load(const char *name, struct pkg_err **errp)
{
    struct lazy_lib *lib = lazy_find_lib(name);
    if (!lib || __atomic_load_n(&lib->handle, __ATOMIC_ACQUIRE))
        return 0;
    const char *why = NULL;
    pthread_once(&lazy_atfork_once, register_atfork);
    pthread_mutex_lock(&lazy_lock);
    void *h = bind_lib(lib, &why);
    pthread_mutex_unlock(&lazy_lock);
    if (!h)
        return pkg_err_set(errp, PKG_ENOENT, "cannot load %s: %s", lib->soname,
                           why ? why : "unknown dlopen error");
    const char *fn = lib->names;
    for (unsigned long i = 0; i < lib->n; i++, fn += strlen(fn) + 1)
        if (!dlsym(h, fn))
            return pkg_err_set(errp, PKG_ENOTSUP, "%s lacks %s", lib->soname, fn);
    return 0;
}

bool
lazy_pending(const char *name)
{
    struct lazy_lib *lib = lazy_find_lib(name);
    return lib && !__atomic_load_n(&lib->handle, __ATOMIC_ACQUIRE);
}

/* The dynamic program runs every command itself. A static pkg that handed
 * a command over marked the environment (twin.c); the mark is dropped here
 * so that a pkg this process starts (the node supervisor, a post-renderer
 * calling pkg) is not taken for a second hand-over. */
void
lazy_twin_dispatch(bool pure, bool hold_stderr)
{
    (void)pure;
    (void)hold_stderr;
    unsetenv("PKG_TWIN");
}

void
lazy_stderr_release(void)
{
}

void
lazy_keep_stdin(const char *data, size_t len)
{
    (void)data;
    (void)len;
}
