/* Loading and binding of lazily linked libraries (see lazy.h): the C half
 * of the stubs' first call, and lazy_load() for code that wants an error
 * it can return. */
#include "lazy/lazy.h"
#include "lazy/lazy-int.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
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

static const char *
func_name(const struct lazy_lib *lib, unsigned long idx)
{
    const char *s = lib->names;
    for (unsigned long i = 0; i < idx; i++)
        s += strlen(s) + 1;
    return s;
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

/* "pkg pull repo/app": the program and the words of its command line up
 * to the first flag after the command (flags before it are skipped), read
 * from /proc/self/cmdline, only when there is an error to report. */
static void
command_words(char *out, size_t cap)
{
    char buf[2048];
    snprintf(out, cap, "pkg");
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    const char *end = buf + n, *w = buf;
    const char *base = strrchr(w, '/');
    size_t len = (size_t)snprintf(out, cap, "%s", base ? base + 1 : w);
    w += strlen(w) + 1;
    while (w < end && w[0] == '-')
        w += strlen(w) + 1;
    for (int words = 0; w < end && w[0] != '-' && words < 3 && len < cap; words++) {
        len += (size_t)snprintf(out + len, cap - len, " %s", w);
        w += strlen(w) + 1;
    }
}

static void __attribute__((noreturn))
die(const struct lazy_lib *lib, unsigned long idx, const char *why)
{
    char cmd[160], msg[1024];
    command_words(cmd, sizeof(cmd));
    int len;
    if (why)
        len = snprintf(msg, sizeof(msg), "Error: cannot load %s, which `%s` needs (%s): %s\n",
                       lib->soname, cmd, func_name(lib, idx), why);
    else
        len = snprintf(msg, sizeof(msg),
                       "Error: %s lacks %s, which `%s` needs (pkg was built against another "
                       "version of it)\n",
                       lib->soname, func_name(lib, idx), cmd);
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
    void *p = dlsym(h, func_name(lib, idx));
    if (!p)
        die(lib, idx, NULL);
    return p;
}

static struct lazy_lib *
find_lib(const char *name)
{
    if (!lazy_libs)
        return NULL;
    size_t len = strlen(name);
    for (struct lazy_lib *const *l = lazy_libs; *l; l++)
        if (!strncmp((*l)->soname, name, len) && !strncmp((*l)->soname + len, ".so", 3))
            return *l;
    return NULL;
}

int
lazy_load(const char *name, struct pkg_err **errp)
{
    struct lazy_lib *lib = find_lib(name);
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
    struct lazy_lib *lib = find_lib(name);
    return lib && !__atomic_load_n(&lib->handle, __ATOMIC_ACQUIRE);
}
