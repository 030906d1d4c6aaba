/* String buffers. */
#include "core/sb.h"
#include "core/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char sb_empty_[1];

void
sb_init(struct sb *sb)
{
    sb->buf = sb_empty_;
    sb->len = sb->cap = sb->limit = 0;
    sb->overflow = false;
}

void
sb_release(struct sb *sb)
{
    if (sb->cap)
        free(sb->buf);
    size_t limit = sb->limit;
    sb_init(sb);
    sb->limit = limit;
}

void
sb_reset(struct sb *sb)
{
    sb->len = 0;
    if (sb->cap)
        sb->buf[0] = 0;
    sb->overflow = false;
}

void
sb_set_limit(struct sb *sb, size_t limit)
{
    sb->limit = limit;
}

int
sb_check(const struct sb *sb, const char *what, struct pkg_err **errp)
{
    if (sb->overflow)
        return pkg_err_set(errp, PKG_ELIMIT, "%s exceeds the limit of %zu bytes", what, sb->limit);
    return 0;
}

void
sb_grow(struct sb *sb, size_t extra)
{
    size_t need = sb->len + extra + 1;
    if (need < sb->len)
        xalloc_die();
    if (need <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need)
        cap = cap * 3 / 2 + 16;
    if (!sb->cap) {
        sb->buf = xmalloc(cap);
        sb->buf[0] = 0;
    } else {
        sb->buf = xrealloc(sb->buf, cap);
    }
    sb->cap = cap;
}

static bool
sb_room(struct sb *sb, size_t n)
{
    if (sb->limit && (sb->len + n > sb->limit || sb->len + n < sb->len)) {
        sb->overflow = true;
        return false;
    }
    return true;
}

void
sb_add(struct sb *sb, const void *p, size_t n)
{
    if (!n || !sb_room(sb, n))
        return;
    sb_grow(sb, n);
    memcpy(sb->buf + sb->len, p, n);
    sb->len += n;
    sb->buf[sb->len] = 0;
}

void
sb_addstr(struct sb *sb, const char *s)
{
    sb_add(sb, s, strlen(s));
}

void
sb_addch(struct sb *sb, int c)
{
    if (!sb_room(sb, 1))
        return;
    sb_grow(sb, 1);
    sb->buf[sb->len++] = (char)c;
    sb->buf[sb->len] = 0;
}

void
sb_addchn(struct sb *sb, int c, size_t n)
{
    if (!n || !sb_room(sb, n))
        return;
    sb_grow(sb, n);
    memset(sb->buf + sb->len, c, n);
    sb->len += n;
    sb->buf[sb->len] = 0;
}

void
sb_vaddf(struct sb *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    if (n < 0) {
        va_end(ap2);
        return;
    }
    if ((size_t)n < sizeof(tmp)) {
        sb_add(sb, tmp, (size_t)n);
    } else if (sb_room(sb, (size_t)n)) {
        sb_grow(sb, (size_t)n);
        vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap2);
        sb->len += (size_t)n;
    }
    va_end(ap2);
}

void
sb_addf(struct sb *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(sb, fmt, ap);
    va_end(ap);
}

void
sb_setlen(struct sb *sb, size_t len)
{
    if (len > sb->len)
        sb_grow(sb, len - sb->len);
    sb->len = len;
    if (sb->cap)
        sb->buf[len] = 0;
}

char *
sb_detach(struct sb *sb, size_t *len)
{
    char *p;
    if (len)
        *len = sb->len;
    if (sb->cap)
        p = sb->buf;
    else
        p = xstrdup("");
    size_t limit = sb->limit;
    sb_init(sb);
    sb->limit = limit;
    return p;
}

int
sb_read_fd(struct sb *sb, int fd, const char *name, size_t limit, struct pkg_err **errp)
{
    size_t start = sb->len;
    for (;;) {
        sb_grow(sb, 65536);
        ssize_t n = read(fd, sb->buf + sb->len, sb->cap - sb->len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return pkg_err_sys(errp, "read %s", name);
        }
        if (n == 0)
            break;
        sb->len += (size_t)n;
        sb->buf[sb->len] = 0;
        if (limit && sb->len - start > limit)
            return pkg_err_set(errp, PKG_ELIMIT, "%s: larger than the limit of %zu bytes", name,
                               limit);
    }
    return 0;
}

int
sb_read_file(struct sb *sb, const char *path, size_t limit, struct pkg_err **errp)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pkg_err_sys(errp, "open %s", path);
    struct stat st;
    if (fstat(fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            close(fd);
            return pkg_err_set(errp, PKG_EINVAL, "%s: is a directory", path);
        }
        if (limit && S_ISREG(st.st_mode) && (size_t)st.st_size > limit) {
            close(fd);
            return pkg_err_set(errp, PKG_ELIMIT, "%s: larger than the limit of %zu bytes", path,
                               limit);
        }
        if (S_ISREG(st.st_mode))
            sb_grow(sb, (size_t)st.st_size + 1);
    }
    int rc = sb_read_fd(sb, fd, path, limit, errp);
    close(fd);
    return rc;
}
