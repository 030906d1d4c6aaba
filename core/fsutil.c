/* File helpers: atomic writes, confined path joins, mkdir -p, rm -rf. */
#include "core/fsutil.h"
#include "core/sb.h"
#include "core/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

int
fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct pkg_err **errp)
{
    char *dir_copy = xstrdup(path);
    char *dir = dirname(dir_copy);
    char *tmp = xasprintf("%s.tmp.XXXXXX", path);
    int rc = 0;
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = pkg_err_sys(errp, "create temporary file for %s", path);
        goto out;
    }
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = pkg_err_sys(errp, "write %s", tmp);
            goto fail;
        }
        p += n;
        left -= (size_t)n;
    }
    if (fchmod(fd, mode) < 0) {
        rc = pkg_err_sys(errp, "chmod %s", tmp);
        goto fail;
    }
    if (fsync(fd) < 0) {
        rc = pkg_err_sys(errp, "fsync %s", tmp);
        goto fail;
    }
    if (close(fd) < 0) {
        fd = -1;
        rc = pkg_err_sys(errp, "close %s", tmp);
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        rc = pkg_err_sys(errp, "rename %s to %s", tmp, path);
        goto fail;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    goto out;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
out:
    free(tmp);
    free(dir_copy);
    return rc;
}

char *
fs_abs(const char *path)
{
    if (path[0] == '/')
        return fs_clean(path);
    char cwd[PATH_MAX];
    const char *wd = getenv("PWD");
    struct stat a, b;
    if (!wd || wd[0] != '/' || stat(wd, &a) != 0 || stat(".", &b) != 0 || a.st_dev != b.st_dev ||
        a.st_ino != b.st_ino)
        wd = getcwd(cwd, sizeof(cwd)) ? cwd : "/";
    char *j = xasprintf("%s/%s", wd, path);
    char *c = fs_clean(j);
    free(j);
    return c;
}

char *
fs_clean(const char *path)
{
    /* Go's filepath.Clean: collapse //, drop ., resolve .. lexically. */
    size_t n = strlen(path);
    if (n == 0)
        return xstrdup(".");
    bool rooted = path[0] == '/';
    char *out = xmalloc(n + 2);
    size_t w = 0, r = 0, dotdot = 0;
    if (rooted) {
        out[w++] = '/';
        r = 1;
        dotdot = 1;
    }
    while (r < n) {
        if (path[r] == '/') {
            r++;
        } else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
            r++;
        } else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && out[w] != '/')
                    w--;
            } else if (!rooted) {
                if (w > 0)
                    out[w++] = '/';
                out[w++] = '.';
                out[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0))
                out[w++] = '/';
            while (r < n && path[r] != '/')
                out[w++] = path[r++];
        }
    }
    if (w == 0)
        out[w++] = '.';
    out[w] = 0;
    return out;
}

int
fs_join_under(char **out, const char *root, const char *rel, struct pkg_err **errp)
{
    *out = NULL;
    if (rel[0] == '/')
        return pkg_err_set(errp, PKG_EPERM, "path \"%s\" is absolute", rel);
    char *c = fs_clean(rel);
    if (strcmp(c, "..") == 0 || strncmp(c, "../", 3) == 0) {
        free(c);
        return pkg_err_set(errp, PKG_EPERM, "path \"%s\" escapes \"%s\"", rel, root);
    }
    if (strcmp(c, ".") == 0)
        *out = xstrdup(root);
    else
        *out = xasprintf("%s%s%s", root, root[0] && root[strlen(root) - 1] == '/' ? "" : "/", c);
    free(c);
    return 0;
}

int
fs_mkdir_p(const char *path, mode_t mode, struct pkg_err **errp)
{
    char *p = xstrdup(path);
    int rc = 0;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        if (mkdir(p, mode) < 0 && errno != EEXIST) {
            rc = pkg_err_sys(errp, "mkdir %s", p);
            goto out;
        }
        *s = '/';
    }
    if (mkdir(p, mode) < 0 && errno != EEXIST)
        rc = pkg_err_sys(errp, "mkdir %s", p);
out:
    free(p);
    return rc;
}

static int
remove_at(int dfd, const char *name, dev_t dev, struct pkg_err **errp)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : pkg_err_sys(errp, "stat %s", name);
    if (S_ISDIR(st.st_mode)) {
        if (st.st_dev != dev)
            return pkg_err_set(errp, PKG_EPERM, "refusing to remove %s: another file system", name);
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return pkg_err_sys(errp, "open %s", name);
        DIR *d = fdopendir(fd);
        if (!d) {
            close(fd);
            return pkg_err_sys(errp, "opendir %s", name);
        }
        struct dirent *de;
        int rc = 0;
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            if ((rc = remove_at(dirfd(d), de->d_name, dev, errp)) < 0)
                break;
        }
        closedir(d);
        if (rc < 0)
            return rc;
        if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
            return pkg_err_sys(errp, "rmdir %s", name);
        return 0;
    }
    if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
        return pkg_err_sys(errp, "unlink %s", name);
    return 0;
}

int
fs_remove_all(const char *path, struct pkg_err **errp)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : pkg_err_sys(errp, "stat %s", path);
    int rc = remove_at(AT_FDCWD, path, st.st_dev, errp);
    if (rc < 0)
        pkg_err_wrap(errp, "remove %s", path);
    return rc;
}

bool
fs_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool
fs_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}
