/* What both halves of lazy linking share: the dynamic build's loader
 * (lazy.c) and the static build's hand-over to its dynamic twin
 * (lazy/static/twin.c). */
#include "lazy/lazy-int.h"

#include <fcntl.h>
#include <stdio.h>
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

/* "pkg pull repo/app": the program and the words of its command line up
 * to the first flag after the command (flags before it are skipped), read
 * from /proc/self/cmdline, only when there is an error to report. */
void
lazy_command_words(char *out, size_t cap)
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
