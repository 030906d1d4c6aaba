/* The static pkg's half of lazy linking (see lazy/lazy.h, "The static
 * build"): it replaces lazy.c in the static link. A stub's first call, or
 * lazy_load(), executes the dynamic twin with this process's command line;
 * commands with side effects go there at once (lazy_twin_dispatch).
 *
 * The twin is `pkg-dyn` beside the program (the build tree), else
 * `../libexec/pkg/pkg-dyn` from the program's directory (make install).
 * PKG_TWIN=1 in the twin's environment tells a static pkg that it was
 * started as a twin: a pkg-dyn that is itself static would otherwise run
 * itself for ever. */
#include "lazy/lazy.h"
#include "lazy/lazy-int.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* One hand-over at a time: a second thread wanting a library waits here
 * until the first one's exec ends the process. */
static pthread_mutex_t twin_lock = PTHREAD_MUTEX_INITIALIZER;

/* What the command read from stdin (lazy_keep_stdin), a copy of ours;
 * NULL when it read none. */
static char *kept_stdin;
static size_t kept_stdin_len;

/* stderr's buffer while a command holds its messages back. */
static char held_stderr[64 * 1024];

static void
put_err(const char *msg)
{
    size_t n = strlen(msg);
    while (n > 0) {
        ssize_t w = write(2, msg, n);
        if (w <= 0)
            return;
        msg += w;
        n -= (size_t)w;
    }
}

/* This process's command line, argv-style (the words main() was given,
 * whatever has parsed them since). NULL when it cannot be read. */
static char **
own_argv(void)
{
    size_t len;
    char *buf = lazy_cmdline(&len);
    if (!buf)
        return NULL;
    size_t words = 0;
    for (size_t i = 0; i < len; i++)
        words += buf[i] == '\0';
    if (buf[len - 1] != '\0')
        words++;
    char **argv = calloc(words + 1, sizeof(*argv));
    if (!argv) {
        free(buf);
        return NULL;
    }
    size_t k = 0;
    for (char *w = buf; w < buf + len && k < words; w += strlen(w) + 1)
        argv[k++] = w;
    return argv;
}

/* Gives the twin the stdin this process read, from a memory file. */
static void
restore_stdin(void)
{
    if (!kept_stdin)
        return;
    int fd = memfd_create("pkg-stdin", 0);
    if (fd < 0)
        return;
    size_t off = 0;
    while (off < kept_stdin_len) {
        ssize_t w = write(fd, kept_stdin + off, kept_stdin_len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    if (off == kept_stdin_len && lseek(fd, 0, SEEK_SET) == 0 && dup2(fd, 0) == 0) {
        /* fd 0 now reads the copy */
    }
    close(fd);
}

/* Runs the twin with this process's command line. `need` is the library
 * (and function) that made it necessary, or NULL for a command that runs
 * there from the start; it goes into the message when the twin cannot be
 * run. */
static void __attribute__((noreturn)) twin_exec(const char *need)
{
    pthread_mutex_lock(&twin_lock);
    char cmd[160], why[768], msg[PATH_MAX * 2 + 1024];
    lazy_command_words(cmd, sizeof(cmd));
    if (need)
        snprintf(why, sizeof(why), "`%s` needs %s, which this static pkg does not link", cmd, need);
    else
        snprintf(why, sizeof(why), "`%s` runs in pkg's dynamic twin", cmd);
    if (getenv("PKG_TWIN")) {
        snprintf(msg, sizeof(msg),
                 "Error: %s, but this program was started as that twin and is the static pkg "
                 "(is pkg-dyn a copy of pkg?)\n",
                 why);
        put_err(msg);
        _exit(1);
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        snprintf(msg, sizeof(msg), "Error: %s, and /proc/self/exe cannot be read: %s\n", why,
                 strerror(errno));
        put_err(msg);
        _exit(1);
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        slash[1] = '\0';
    char beside[PATH_MAX + 16], installed[PATH_MAX + 32];
    snprintf(beside, sizeof(beside), "%spkg-dyn", self);
    snprintf(installed, sizeof(installed), "%s../libexec/pkg/pkg-dyn", self);
    char **argv = own_argv();
    if (!argv) {
        snprintf(msg, sizeof(msg), "Error: %s, and /proc/self/cmdline cannot be read\n", why);
        put_err(msg);
        _exit(1);
    }
    /* What was held back is printed again by the twin, and so is whatever
     * stdout still buffers. */
    __fpurge(stderr);
    __fpurge(stdout);
    restore_stdin();
    setenv("PKG_TWIN", "1", 1);
    execv(beside, argv);
    int err1 = errno;
    execv(installed, argv);
    int err2 = errno;
    const char *where = err1 != ENOENT || err2 == ENOENT ? beside : installed;
    int err = err1 != ENOENT || err2 == ENOENT ? err1 : err2;
    snprintf(msg, sizeof(msg), "Error: %s; the twin cannot be run: %s: %s\n", why, where,
             strerror(err));
    put_err(msg);
    _exit(1);
}

void *
lazy_resolve(struct lazy_lib *lib, unsigned long idx)
{
    char need[512];
    snprintf(need, sizeof(need), "%s (%s)", lib->soname, lazy_func_name(lib, idx));
    twin_exec(need);
}

int
lazy_load(const char *name, struct pkg_err **errp)
{
    (void)errp;
    struct lazy_lib *lib = lazy_find_lib(name);
    if (!lib)
        return 0;
    twin_exec(lib->soname);
}

bool
lazy_pending(const char *name)
{
    return lazy_find_lib(name) != NULL;
}

void
lazy_twin_dispatch(bool pure, bool hold_stderr)
{
    if (!pure)
        twin_exec(NULL);
    if (hold_stderr)
        setvbuf(stderr, held_stderr, _IOFBF, sizeof(held_stderr));
}

void
lazy_stderr_release(void)
{
    fflush(stderr);
    setvbuf(stderr, NULL, _IONBF, 0);
}

void
lazy_keep_stdin(const char *data, size_t len)
{
    char *copy = malloc(kept_stdin_len + len + 1);
    if (!copy)
        return;
    if (kept_stdin_len)
        memcpy(copy, kept_stdin, kept_stdin_len);
    if (len)
        memcpy(copy + kept_stdin_len, data, len);
    free(kept_stdin);
    kept_stdin = copy;
    kept_stdin_len += len;
}
