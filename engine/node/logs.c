/* Container log rotation, like the kubelet's (containerLogMaxSize,
 * containerLogMaxFiles), for logs the container writes itself.
 *
 * The container holds its log file open (O_APPEND) and writes it directly:
 * that is what lets it outlive a supervisor restart, and it rules out the
 * kubelet's rename and reopen. Instead the live file's data up to its last
 * complete line is copied to <live>.<time> and its blocks are freed with
 * fallocate(FALLOC_FL_PUNCH_HOLE): the file keeps its size and offsets
 * (a reader following it is not disturbed) and its data now starts after
 * a hole (SEEK_DATA; the partial block before the first byte kept reads as
 * zeros, skipped). Nothing written while rotating is lost: the copy and
 * the hole end where the container's appends go on. Read in order, the
 * rotated files and then the live file's data give the stream as written;
 * every rotated file ends with a complete line. */
#include "engine/node/node-int.h"
#include "engine/node/node.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#endif

off_t
node_log_data_start(int fd)
{
    off_t at = lseek(fd, 0, SEEK_DATA);
    if (at < 0) {
        struct stat st;
        return errno == ENXIO && fstat(fd, &st) == 0 ? st.st_size : 0;
    }
    /* The zeroed head of a partly freed block (freeing always starts at 0,
     * so there is one such block at most). */
    char buf[4096];
    for (int k = 0; k < 256; k++) {
        ssize_t n = pread(fd, buf, sizeof(buf), at);
        ssize_t i = 0;
        while (i < n && !buf[i])
            i++;
        at += i;
        if (i < n || n <= 0)
            break;
    }
    return at;
}

static int
cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* A rotated file's suffix: "20060102-150405.000000000" (UTC). */
static bool
rotated_suffix(const char *s)
{
    static const char shape[] = "dddddddd-dddddd.ddddddddd";
    if (strlen(s) != sizeof(shape) - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return false;
    return true;
}

int
node_log_files(char ***out, size_t *n_out, const char *live, struct pkg_err **errp)
{
    cleanup_free char *dir = xstrdup(live);
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : live;
    if (slash)
        *slash = 0;
    size_t bl = strlen(base);
    DIR *d = opendir(slash ? dir : ".");
    if (!d)
        return pkg_err_sys(errp, "open %s", slash ? dir : ".");
    char **v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, base, bl) || de->d_name[bl] != '.' ||
            !rotated_suffix(de->d_name + bl + 1))
            continue;
        v = xgrow(v, &cap, n + 2, sizeof(*v));
        v[n++] = slash ? xasprintf("%s/%s", dir, de->d_name) : xstrdup(de->d_name);
    }
    closedir(d);
    if (n)
        qsort(v, n, sizeof(*v), cmp_str);
    v = xgrow(v, &cap, n + 1, sizeof(*v));
    v[n++] = xstrdup(live);
    *out = v;
    *n_out = n;
    return 0;
}

void
node_log_files_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Removes the oldest rotated files until at most max_files - 1 remain. */
static void
prune(const char *live, int max_files)
{
    char **v;
    size_t n;
    struct pkg_err *e = NULL;
    if (node_log_files(&v, &n, live, &e)) {
        pkg_err_free(e);
        return;
    }
    size_t rotated = n - 1, keep = max_files > 1 ? (size_t)max_files - 1 : 0;
    for (size_t i = 0; rotated > keep && i < n - 1; i++, rotated--)
        unlink(v[i]);
    node_log_files_free(v, n);
}

int
node_log_rotate(const char *live, int64_t max_size, int max_files, struct pkg_err **errp)
{
    if (max_size <= 0 || max_files < 2)
        return 0; /* the kubelet's minimum is 2 files; below it, no rotation */
    int fd = open(live, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? 0 : pkg_err_sys(errp, "open %s", live);
    struct stat st;
    int rc = 0;
    char *dst = NULL; /* not cleanup_free: the gotos below jump past its setting */
    if (fstat(fd, &st) < 0) {
        rc = pkg_err_sys(errp, "stat %s", live);
        goto out;
    }
    off_t from = node_log_data_start(fd);
    if (st.st_size - from <= max_size)
        goto out;
    /* Up to the last complete line (a line longer than the limit is split
     * at a block). */
    off_t cut = 0;
    char buf[65536];
    for (off_t end = st.st_size; end > from && !cut;) {
        off_t beg = end - (off_t)sizeof(buf) > from ? end - (off_t)sizeof(buf) : from;
        ssize_t k = pread(fd, buf, (size_t)(end - beg), beg);
        if (k <= 0)
            break;
        for (ssize_t j = k; j-- > 0;)
            if (buf[j] == '\n') {
                cut = beg + j + 1;
                break;
            }
        end = beg;
    }
    if (!cut) {
        off_t blk = st.st_blksize > 0 ? st.st_blksize : 4096;
        cut = st.st_size / blk * blk;
    }
    if (cut <= from)
        goto out;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char stamp[32];
    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    dst = xasprintf("%s.%s.%09ld", live, stamp, (long)ts.tv_nsec);
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 0777);
    if (out < 0) {
        rc = pkg_err_sys(errp, "create %s", dst);
        goto out;
    }
    loff_t in_off = from;
    while (in_off < cut) {
        ssize_t k = copy_file_range(fd, &in_off, out, NULL, (size_t)(cut - in_off), 0);
        if (k <= 0) {
            rc = k < 0 ? pkg_err_sys(errp, "copy %s to %s", live, dst)
                       : pkg_err_set(errp, PKG_EIO, "copy %s to %s: short copy", live, dst);
            break;
        }
    }
    close(out);
    /* From 0, not from `from`: a block left partly zeroed by the last
     * rotation is freed now rather than kept as zeros that look like data. */
    if (!rc && fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, cut) < 0)
        rc = pkg_err_sys(errp, "free the rotated part of %s (fallocate PUNCH_HOLE)", live);
    if (rc) {
        unlink(dst); /* the live file is whole */
        goto out;
    }
    prune(live, max_files);
out:
    free(dst);
    close(fd);
    return rc;
}

int
node_log_settings(int64_t *max_size, int *max_files, double *every, struct pkg_err **errp)
{
    *max_size = 10 << 20;
    *max_files = 5;
    *every = 10;
    const char *v = getenv("PKG_NODE_CONTAINER_LOG_MAX_SIZE");
    if (v && *v) {
        struct arena *a = arena_new();
        int rc = node_quantity(max_size, val_strz(a, v), 1, errp);
        arena_free(a);
        if (rc || *max_size < 0)
            return pkg_err_set(errp, PKG_EINVAL,
                               "PKG_NODE_CONTAINER_LOG_MAX_SIZE: \"%s\" is not a size (10Mi)", v);
    }
    v = getenv("PKG_NODE_CONTAINER_LOG_MAX_FILES");
    if (v && *v) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*end || n < 2 || n > 1000)
            return pkg_err_set(errp, PKG_EINVAL,
                               "PKG_NODE_CONTAINER_LOG_MAX_FILES: \"%s\" is not a count from 2 to "
                               "1000",
                               v);
        *max_files = (int)n;
    }
    v = getenv("PKG_NODE_CONTAINER_LOG_MONITOR_INTERVAL");
    if (v && *v) {
        char *end;
        double d = strtod(v, &end);
        if (*end == 's')
            end++;
        if (*end || !(d >= 0.1) || d > 86400)
            return pkg_err_set(errp, PKG_EINVAL,
                               "PKG_NODE_CONTAINER_LOG_MONITOR_INTERVAL: \"%s\" is not a "
                               "duration in seconds (10s)",
                               v);
        *every = d;
    }
    return 0;
}
