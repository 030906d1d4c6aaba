/* The replaceable system call table (sqlite's aSyscall idea): the calls
 * whose failures tests must provoke go through node_sys, so a unit test can
 * swap one for a function that fails, and small file helpers built on it. */
#include "engine/node/node-int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int
real_open(const char *path, int flags, mode_t mode)
{
    return open(path, flags, mode);
}

#define real_mount mount
#define real_umount2 umount2
#define real_mkdir mkdir
#define real_rmdir rmdir
#define real_write write
#define real_read read
#define real_unlink unlink
#define real_kill kill

static const struct node_syscalls sys_default = {
#define X(name, ret, params) .name = real_##name,
    NODE_SYSCALLS(X)
#undef X
};

struct node_syscalls node_sys = {
#define X(name, ret, params) .name = real_##name,
    NODE_SYSCALLS(X)
#undef X
};

int
node_sys_override(const char *name, void *fn)
{
#define X(n, ret, params)                                                                          \
    if (!strcmp(name, #n)) {                                                                       \
        node_sys.n = fn ? (ret(*) params)fn : sys_default.n;                                       \
        return 0;                                                                                  \
    }
    NODE_SYSCALLS(X)
#undef X
    return PKG_ENOENT;
}

void
node_sys_reset(void)
{
    node_sys = sys_default;
}

int
node_write_file(const char *path, const char *data, size_t len, bool create, struct pkg_err **errp)
{
    int fd = node_sys.open(path, O_WRONLY | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0644);
    if (fd < 0)
        return pkg_err_sys(errp, "open %s", path);
    while (len > 0) {
        ssize_t n = node_sys.write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            errno = e;
            /* Name what was written: the kernel's refusal of a value
             * (EINVAL, EBUSY) is only readable with it. */
            return pkg_err_sys(errp, "write \"%.*s\" to %s", (int)(len > 64 ? 64 : len), data,
                               path);
        }
        data += n;
        len -= (size_t)n;
    }
    close(fd);
    return 0;
}

int
node_write_filef(const char *path, struct pkg_err **errp, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(buf))
        return pkg_err_set(errp, PKG_ELIMIT, "value for %s too long", path);
    return node_write_file(path, buf, (size_t)n, false, errp);
}

int
node_read_file(struct sb *sb, const char *path, size_t limit, struct pkg_err **errp)
{
    int fd = node_sys.open(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return pkg_err_sys(errp, "open %s", path);
    char buf[4096];
    for (;;) {
        ssize_t n = node_sys.read(fd, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            errno = e;
            return pkg_err_sys(errp, "read %s", path);
        }
        if (n == 0)
            break;
        if (limit && sb->len + (size_t)n > limit) {
            close(fd);
            return pkg_err_set(errp, PKG_ELIMIT, "%s: larger than %zu bytes", path, limit);
        }
        sb_add(sb, buf, (size_t)n);
    }
    close(fd);
    return 0;
}

int
node_write_replace(const char *path, const void *data, size_t len, mode_t mode,
                   struct pkg_err **errp)
{
    cleanup_free char *tmp = xasprintf("%s.tmp", path);
    int rc = node_write_file(tmp, data, len, true, errp);
    if (!rc && chmod(tmp, mode) < 0)
        rc = pkg_err_sys(errp, "chmod %s", tmp);
    if (!rc && rename(tmp, path) < 0)
        rc = pkg_err_sys(errp, "rename %s to %s", tmp, path);
    if (rc)
        unlink(tmp);
    return rc;
}

char *
node_log_path(const char *poddir, const char *ctr, int restart)
{
    return xasprintf("%s/%s.%d.log", poddir, ctr, restart);
}

void
node_dir_spread(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    int flags = 0;
    if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && !(flags & FS_TOPDIR_FL)) {
        flags |= FS_TOPDIR_FL;
        if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0) {
            /* not ext2/3/4: nothing to spread */
        }
    }
    close(fd);
}

void
node_rand_hex(char *out, size_t n)
{
    unsigned char b[32];
    if (getentropy(b, sizeof(b)) < 0)
        memset(b, 7, sizeof(b));
    for (size_t i = 0; i + 1 < n && i < 64; i++)
        out[i] = "0123456789abcdef"[(b[i / 2] >> ((i & 1) ? 0 : 4)) & 15];
    out[n - 1] = 0;
}

int
node_state_file_write(const char *path, const void *data, size_t len, struct pkg_err **errp)
{
    const char *slash = strrchr(path, '/');
    cleanup_free char *next = slash
                                  ? xasprintf("%.*s/.%s.next", (int)(slash - path), path, slash + 1)
                                  : xasprintf(".%s.next", path);
    int fd = node_sys.open(next, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return pkg_err_sys(errp, "open %s", next);
    const char *p = data;
    for (size_t left = len; left > 0;) {
        ssize_t n = node_sys.write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int rc = pkg_err_sys(errp, "write %s", next);
            close(fd);
            return rc;
        }
        p += n;
        left -= (size_t)n;
    }
    close(fd);
    if (renameat2(AT_FDCWD, next, AT_FDCWD, path, RENAME_EXCHANGE) == 0)
        return 0;
    /* The first write (no file to exchange with yet), or a file system
     * without RENAME_EXCHANGE: a plain rename. */
    if ((errno == ENOENT || errno == EINVAL || errno == ENOSYS) && rename(next, path) == 0)
        return 0;
    return pkg_err_sys(errp, "rename %s to %s", next, path);
}

int
node_state_file_read(struct val **out, struct arena *a, const char *path, struct pkg_err **errp)
{
    int rc = 0;
    for (int attempt = 0; attempt < 5; attempt++) {
        struct sb sb = SB_INIT;
        pkg_err_clear(errp);
        rc = node_read_file(&sb, path, 16u << 20, errp);
        if (!rc)
            rc = node_json_parse(out, a, sb.buf, sb.len, path, errp);
        sb_release(&sb);
        if (rc != PKG_ESYNTAX && rc != PKG_EINVAL)
            break;
        /* A read that raced a write: the next one sees a whole file. */
        struct timespec ts = {.tv_nsec = 2000000};
        nanosleep(&ts, NULL);
    }
    return rc;
}

int
node_mkdir_p(const char *path, mode_t mode, struct pkg_err **errp)
{
    if (mkdir(path, mode) == 0 || errno == EEXIST)
        return 0;
    if (errno != ENOENT)
        return pkg_err_sys(errp, "mkdir %s", path);
    return fs_mkdir_p(path, mode, errp);
}

uint64_t
node_proc_start_time(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    /* Field 22 is starttime; after ") " come fields 3.. */
    p += 2;
    for (int f = 3; f < 22 && p; f++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    return p ? strtoull(p, NULL, 10) : 0;
}

/* struct pidfd_info as Linux 6.15 extended it (exit_code where 6.13 had a
 * spare field); the installed kernel headers may predate it. */
struct pidfd_exit_info {
    uint64_t mask;
    uint64_t cgroupid;
    uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
    int32_t exit_code;
    uint32_t coredump_mask;
    uint32_t spare1;
};
#define PIDFD_INFO_EXIT_BIT (1ull << 3)
#define PIDFD_GET_INFO_IOCTL _IOWR(0xFF, 11, struct pidfd_exit_info)

/* The kernel keeps a reaped process's wait status for pidfd holders
 * (Linux 6.15). */
static bool
pidfd_exit_info(int pidfd, int *status)
{
    struct pidfd_exit_info info;
    memset(&info, 0, sizeof(info));
    info.mask = PIDFD_INFO_EXIT_BIT;
    if (ioctl(pidfd, PIDFD_GET_INFO_IOCTL, &info) < 0 || !(info.mask & PIDFD_INFO_EXIT_BIT))
        return false;
    *status = info.exit_code;
    return true;
}

/* A zombie's wait status: field 52 of /proc/PID/stat, when the process
 * there is still the one that started at `start` and is a zombie. */
static bool
zombie_exit_code(pid_t pid, uint64_t start, int *status)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || (p[2] != 'Z' && p[2] != 'X'))
        return false;
    p += 2; /* field 3 */
    uint64_t st = 0;
    for (int f = 3; p; f++) {
        if (f == 22)
            st = strtoull(p, NULL, 10);
        if (f == 52) {
            if (st != start)
                return false;
            *status = (int)strtol(p, NULL, 10);
            return true;
        }
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    return false;
}

int
node_exit_status_of(int pidfd, pid_t pid, uint64_t start, int *status)
{
    /* Not reaped yet: the zombie still holds it. Reaped meanwhile (by
     * whoever is its parent now): the kernel recorded it for our pidfd. */
    if (pidfd_exit_info(pidfd, status) || zombie_exit_code(pid, start, status))
        return 0;
    for (int i = 0; i < 20; i++) {
        if (pidfd_exit_info(pidfd, status) || zombie_exit_code(pid, start, status))
            return 0;
        struct timespec ts = {.tv_nsec = 1000000};
        nanosleep(&ts, NULL);
    }
    return -1;
}
