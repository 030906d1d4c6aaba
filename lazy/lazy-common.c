/* What both halves of lazy linking share: the dynamic build's loader
 * (lazy.c) and the static build's hand-over to its dynamic twin
 * (lazy/static/twin.c). */
#include "lazy/lazy-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *
lazy_func_name(const struct lazy_lib *lib, unsigned long idx)
{
    const char *s = lib->names;
    for (unsigned long i = 0; i < idx; i++)
        s += strlen(s) + 1;
    return s;
}

char *
lazy_cmdline(size_t *len)
{
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    if (buf && n == 0) {
        free(buf);
        buf = NULL;
    }
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

/* "pkg pull repo/app": the program and the words of its command line up
 * to the first flag after the command (flags before it are skipped), read
 * from /proc/self/cmdline, only when there is an error to report. */
void
lazy_command_words(char *out, size_t cap)
{
    snprintf(out, cap, "pkg");
    size_t n;
    char *buf = lazy_cmdline(&n);
    if (!buf)
        return;
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
    free(buf);
}

struct lazy_lib *
lazy_find_lib(const char *name)
{
    if (!lazy_libs)
        return NULL;
    size_t len = strlen(name);
    for (struct lazy_lib *const *l = lazy_libs; *l; l++)
        if (!strncmp((*l)->soname, name, len) && !strncmp((*l)->soname + len, ".so", 3))
            return *l;
    return NULL;
}
