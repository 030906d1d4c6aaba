/* Layer unpacking: one image layer (a tar, optionally gzip/zstd/xz
 * compressed) into a directory that overlayfs uses as a lower layer.
 *
 * The archive is untrusted. Every entry is created relative to the layer's
 * root with openat2(RESOLVE_IN_ROOT), so neither `..` nor a symlink made by
 * an earlier entry can lead outside (containerd's rule); entries with `..`
 * components are refused outright. OCI whiteouts become overlayfs ones: a
 * `.wh.NAME` entry a 0:0 character device, `.wh..wh..opq` the
 * trusted.overlay.opaque xattr. Device nodes are created nowhere (the
 * runtime gives every container its own /dev): under dev/ they are skipped,
 * elsewhere refused. Size and entry count are capped.
 *
 * Two libarchive readers are chained so one pass yields both digests: the
 * outer reads the file (hashing the compressed bytes) and decompresses; the
 * inner parses the tar from the outer's output (hashing the diff ID). */
#include "engine/node/node-int.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define DEFAULT_MAX_BYTES (16ull << 30)
#define DEFAULT_MAX_ENTRIES 1000000ull

struct outer {
    int fd;
    struct node_sha256 *h;
    char buf[65536];
};

struct inner {
    struct archive *outer;
    struct node_sha256 *h;
    uint64_t total;
    uint64_t max;
    bool over;
    bool eof;
};

struct dirtime {
    char *path;
    struct timespec ts[2];
};

struct unpack {
    int rootfd;
    const char *dir;
    uint64_t entries, max_entries;
    struct dirtime *dirs;
    size_t n_dirs, cap_dirs;
    bool root; /* running as root: set owners and trusted xattrs */
};

static ssize_t
outer_read(struct archive *ar, void *data, const void **buf)
{
    (void)ar;
    struct outer *o = data;
    for (;;) {
        ssize_t n = read(o->fd, o->buf, sizeof(o->buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            archive_set_error(ar, errno, "read layer: %s", strerror(errno));
            return -1;
        }
        if (n > 0)
            node_sha256_update(o->h, o->buf, (size_t)n);
        *buf = o->buf;
        return n;
    }
}

static ssize_t
inner_read(struct archive *ar, void *data, const void **buf)
{
    struct inner *in = data;
    if (in->eof)
        return 0;
    size_t size;
    la_int64_t off;
    int r = archive_read_data_block(in->outer, buf, &size, &off);
    if (r == ARCHIVE_EOF) {
        in->eof = true;
        return 0;
    }
    if (r != ARCHIVE_OK) {
        archive_set_error(ar, EIO, "decompress layer: %s", archive_error_string(in->outer));
        return -1;
    }
    in->total += size;
    if (in->total > in->max) {
        in->over = true;
        archive_set_error(ar, EFBIG, "layer larger than %llu bytes", (unsigned long long)in->max);
        return -1;
    }
    node_sha256_update(in->h, *buf, size);
    return (ssize_t)size;
}

static int
sys_openat2(int dirfd, const char *path, int flags, uint64_t resolve)
{
    struct open_how how = {.flags = (uint64_t)flags, .mode = 0, .resolve = resolve};
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* Cleans an entry name: leading "/" and "./" dropped, "." components
 * dropped; ".." refused. Writes into out (PATH_MAX). Empty means the root. */
static int
clean_name(char *out, size_t cap, const char *name, struct pkg_err **errp)
{
    size_t o = 0;
    const char *p = name;
    while (*p) {
        while (*p == '/')
            p++;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0)
            break;
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return pkg_err_set(errp, PKG_EPERM, "layer entry \"%s\" escapes the root", name);
        if (!(n == 1 && p[0] == '.')) {
            if (o + n + 2 > cap)
                return pkg_err_set(errp, PKG_ELIMIT, "layer entry name too long");
            if (o)
                out[o++] = '/';
            memcpy(out + o, p, n);
            o += n;
        }
        p += n;
    }
    out[o] = 0;
    return 0;
}

/* Opens (creating as needed, mode 0755) the directory `rel` inside the
 * root, resolving symlinks as if the root were "/". */
static int
open_dir_in_root(struct unpack *u, const char *rel, struct pkg_err **errp)
{
    if (!*rel)
        return dup(u->rootfd);
    int fd = sys_openat2(u->rootfd, rel, O_PATH | O_DIRECTORY | O_CLOEXEC,
                         RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (fd >= 0 || errno != ENOENT) {
        if (fd < 0)
            return pkg_err_sys(errp, "open %s/%s", u->dir, rel);
        return fd;
    }
    /* Create the missing components one by one. */
    char buf[PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", rel);
    char *slash = strrchr(buf, '/');
    int parent;
    const char *leaf = buf;
    if (slash) {
        *slash = 0;
        leaf = slash + 1;
        parent = open_dir_in_root(u, buf, errp);
        if (parent < 0)
            return parent;
    } else {
        parent = dup(u->rootfd);
    }
    if (mkdirat(parent, leaf, 0755) < 0 && errno != EEXIST) {
        int e = errno;
        close(parent);
        errno = e;
        return pkg_err_sys(errp, "mkdir %s/%s", u->dir, rel);
    }
    close(parent);
    fd = sys_openat2(u->rootfd, rel, O_PATH | O_DIRECTORY | O_CLOEXEC,
                     RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (fd < 0)
        return pkg_err_sys(errp, "open %s/%s", u->dir, rel);
    return fd;
}

/* Removes whatever is at parent/name (a directory recursively). */
static int
remove_existing(int parent, const char *name, bool keep_dir, bool *was_dir)
{
    struct stat st;
    *was_dir = false;
    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(st.st_mode)) {
        *was_dir = true;
        if (keep_dir)
            return 0;
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", parent);
        char *full = xasprintf("%s/%s", path, name);
        struct pkg_err *err = NULL;
        int rc = fs_remove_all(full, &err);
        free(full);
        pkg_err_free(err);
        return rc ? -1 : 0;
    }
    return unlinkat(parent, name, 0);
}

static void
apply_xattrs(struct unpack *u, struct archive_entry *ae, int fd)
{
    const char *name;
    const void *value;
    size_t size;
    archive_entry_xattr_reset(ae);
    while (archive_entry_xattr_next(ae, &name, &value, &size) == ARCHIVE_OK) {
        /* Overlay's own attributes would let a layer fake whiteouts or
         * redirects; other trusted/security names need root and mean
         * nothing in a container, except file capabilities. */
        if (!strncmp(name, "trusted.", 8))
            continue;
        if (!strncmp(name, "security.", 9) && strcmp(name, "security.capability") != 0)
            continue;
        if (!u->root && strncmp(name, "user.", 5) != 0)
            continue;
        fsetxattr(fd, name, value, size, 0); /* best effort: not every fs has xattrs */
    }
}

static int
set_meta(struct unpack *u, struct archive_entry *ae, int fd, const char *rel, struct pkg_err **errp)
{
    if (u->root && fchown(fd, (uid_t)archive_entry_uid(ae), (gid_t)archive_entry_gid(ae)) < 0)
        return pkg_err_sys(errp, "chown %s/%s", u->dir, rel);
    if (fchmod(fd, archive_entry_perm(ae) & 07777) < 0)
        return pkg_err_sys(errp, "chmod %s/%s", u->dir, rel);
    apply_xattrs(u, ae, fd);
    return 0;
}

static void
entry_times(struct archive_entry *ae, struct timespec ts[2])
{
    ts[0].tv_sec =
        archive_entry_atime_is_set(ae) ? archive_entry_atime(ae) : archive_entry_mtime(ae);
    ts[0].tv_nsec = archive_entry_atime_is_set(ae) ? archive_entry_atime_nsec(ae) : 0;
    ts[1].tv_sec = archive_entry_mtime(ae);
    ts[1].tv_nsec = archive_entry_mtime_nsec(ae);
}

static int
write_data(struct archive *ar, int fd, la_int64_t want, const char *path, struct pkg_err **errp)
{
    const void *buf;
    size_t size;
    la_int64_t off, end = 0;
    for (;;) {
        int r = archive_read_data_block(ar, &buf, &size, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK)
            return pkg_err_set(errp, PKG_EINVAL, "read layer entry %s: %s", path,
                               archive_error_string(ar));
        const char *p = buf;
        while (size > 0) {
            ssize_t n = pwrite(fd, p, size, off);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return pkg_err_sys(errp, "write %s", path);
            }
            p += n;
            off += n;
            size -= (size_t)n;
        }
        end = off;
    }
    /* Sparse files: a trailing hole has no data block. */
    if (want > end)
        end = want;
    if (ftruncate(fd, end) < 0)
        return pkg_err_sys(errp, "truncate %s", path);
    return 0;
}

static int
unpack_entry(struct unpack *u, struct archive *ar, struct archive_entry *ae, struct pkg_err **errp)
{
    char rel[PATH_MAX];
    const char *raw = archive_entry_pathname(ae);
    if (!raw)
        return pkg_err_set(errp, PKG_EINVAL, "layer entry without a name");
    int rc = clean_name(rel, sizeof(rel), raw, errp);
    if (rc)
        return rc;
    if (++u->entries > u->max_entries)
        return pkg_err_set(errp, PKG_ELIMIT, "layer has more than %llu entries",
                           (unsigned long long)u->max_entries);
    mode_t type = archive_entry_filetype(ae);
    if (!*rel) {
        /* The root itself: keep our directory, take its mode. */
        return 0;
    }
    char parent_rel[PATH_MAX];
    snprintf(parent_rel, sizeof(parent_rel), "%s", rel);
    char *slash = strrchr(parent_rel, '/');
    const char *name = rel;
    if (slash) {
        *slash = 0;
        name = rel + (slash - parent_rel) + 1;
    } else {
        parent_rel[0] = 0;
    }

    /* Device nodes: skipped under dev/, refused elsewhere. */
    if (type == AE_IFCHR || type == AE_IFBLK) {
        if (!strcmp(rel, "dev") || !strncmp(rel, "dev/", 4))
            return 0;
        return pkg_err_set(errp, PKG_EPERM, "layer entry \"%s\" is a device node", raw);
    }
    if (type == AE_IFSOCK)
        return 0;

    int pfd = open_dir_in_root(u, parent_rel, errp);
    if (pfd < 0)
        return pfd;

    /* Whiteouts. */
    if (!strcmp(name, ".wh..wh..opq")) {
        int dfd = sys_openat2(u->rootfd, *parent_rel ? parent_rel : ".",
                              O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                              RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
        if (dfd < 0) {
            rc = pkg_err_sys(errp, "open %s/%s", u->dir, parent_rel);
        } else {
            if (fsetxattr(dfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
                rc = pkg_err_sys(errp, "setxattr trusted.overlay.opaque on %s/%s", u->dir,
                                 parent_rel);
            close(dfd);
        }
        close(pfd);
        return rc;
    }
    if (!strncmp(name, ".wh.", 4)) {
        const char *victim = name + 4;
        bool was_dir;
        if (!*victim || remove_existing(pfd, victim, false, &was_dir) < 0 ||
            mknodat(pfd, victim, S_IFCHR | 0, makedev(0, 0)) < 0)
            rc = pkg_err_sys(errp, "mknod whiteout %s/%s%s%s", u->dir, parent_rel,
                             *parent_rel ? "/" : "", victim);
        close(pfd);
        return rc;
    }

    bool was_dir = false;
    if (remove_existing(pfd, name, type == AE_IFDIR, &was_dir) < 0) {
        rc = pkg_err_sys(errp, "remove %s/%s", u->dir, rel);
        goto out;
    }
    const char *hardlink = archive_entry_hardlink(ae);
    struct timespec ts[2];
    entry_times(ae, ts);
    if (hardlink) {
        char target[PATH_MAX];
        rc = clean_name(target, sizeof(target), hardlink, errp);
        if (rc)
            goto out;
        int tfd = sys_openat2(u->rootfd, target, O_PATH | O_NOFOLLOW | O_CLOEXEC,
                              RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
        if (tfd < 0) {
            rc = pkg_err_sys(errp, "hard link %s to %s", rel, target);
            goto out;
        }
        if (linkat(tfd, "", pfd, name, AT_EMPTY_PATH) < 0)
            rc = pkg_err_sys(errp, "link %s/%s", u->dir, rel);
        close(tfd);
        goto out;
    }
    switch (type) {
    case AE_IFREG: {
        int fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            rc = pkg_err_sys(errp, "create %s/%s", u->dir, rel);
            goto out;
        }
        rc = write_data(ar, fd, archive_entry_size(ae), rel, errp);
        if (!rc)
            rc = set_meta(u, ae, fd, rel, errp);
        if (!rc)
            futimens(fd, ts);
        close(fd);
        break;
    }
    case AE_IFDIR: {
        if (!was_dir && mkdirat(pfd, name, 0700) < 0) {
            rc = pkg_err_sys(errp, "mkdir %s/%s", u->dir, rel);
            goto out;
        }
        int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            rc = pkg_err_sys(errp, "open %s/%s", u->dir, rel);
            goto out;
        }
        rc = set_meta(u, ae, fd, rel, errp);
        close(fd);
        if (!rc) {
            u->dirs = xgrow(u->dirs, &u->cap_dirs, u->n_dirs + 1, sizeof(*u->dirs));
            u->dirs[u->n_dirs].path = xstrdup(rel);
            memcpy(u->dirs[u->n_dirs].ts, ts, sizeof(ts));
            u->n_dirs++;
        }
        break;
    }
    case AE_IFLNK: {
        const char *target = archive_entry_symlink(ae);
        if (!target || symlinkat(target, pfd, name) < 0) {
            rc = pkg_err_sys(errp, "symlink %s/%s", u->dir, rel);
            goto out;
        }
        if (u->root && fchownat(pfd, name, (uid_t)archive_entry_uid(ae),
                                (gid_t)archive_entry_gid(ae), AT_SYMLINK_NOFOLLOW) < 0) {
            rc = pkg_err_sys(errp, "chown %s/%s", u->dir, rel);
            goto out;
        }
        utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW);
        break;
    }
    case AE_IFIFO: {
        if (mkfifoat(pfd, name, archive_entry_perm(ae) & 0777) < 0) {
            rc = pkg_err_sys(errp, "mkfifo %s/%s", u->dir, rel);
            goto out;
        }
        if (u->root && fchownat(pfd, name, (uid_t)archive_entry_uid(ae),
                                (gid_t)archive_entry_gid(ae), AT_SYMLINK_NOFOLLOW) < 0) {
            rc = pkg_err_sys(errp, "chown %s/%s", u->dir, rel);
            goto out;
        }
        break;
    }
    default:
        rc = pkg_err_set(errp, PKG_EINVAL, "layer entry \"%s\" has an unknown type", raw);
    }
out:
    close(pfd);
    return rc;
}

int
node_layer_unpack(char **diff_id, char **digest, int fd, const char *dir,
                  const struct node_layer_limits *lim, struct pkg_err **errp)
{
    struct node_layer_limits l = {0};
    if (lim)
        l = *lim;
    const char *env;
    if (!l.max_bytes && (env = getenv("PKG_IMAGE_MAX_LAYER_BYTES")) && *env)
        l.max_bytes = strtoull(env, NULL, 10);
    if (!l.max_entries && (env = getenv("PKG_IMAGE_MAX_LAYER_ENTRIES")) && *env)
        l.max_entries = strtoull(env, NULL, 10);
    if (!l.max_bytes)
        l.max_bytes = DEFAULT_MAX_BYTES;
    if (!l.max_entries)
        l.max_entries = DEFAULT_MAX_ENTRIES;

    struct outer o = {.fd = fd, .h = node_sha256_new()};
    struct inner in = {.h = node_sha256_new(), .max = l.max_bytes};
    struct unpack u = {.dir = dir, .max_entries = l.max_entries, .root = geteuid() == 0};
    struct archive *outer = archive_read_new(), *tar = archive_read_new();
    struct archive_entry *ae;
    int rc = 0;
    u.rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (u.rootfd < 0) {
        rc = pkg_err_sys(errp, "open %s", dir);
        goto out;
    }
    archive_read_support_filter_all(outer);
    archive_read_support_format_raw(outer);
    if (archive_read_open(outer, &o, NULL, outer_read, NULL) != ARCHIVE_OK ||
        archive_read_next_header(outer, &ae) != ARCHIVE_OK) {
        rc = pkg_err_set(errp, PKG_EINVAL, "read layer: %s", archive_error_string(outer));
        goto out;
    }
    in.outer = outer;
    archive_read_support_format_tar(tar);
    archive_read_support_format_gnutar(tar);
    if (archive_read_open(tar, &in, NULL, inner_read, NULL) != ARCHIVE_OK) {
        rc = pkg_err_set(errp, PKG_EINVAL, "read layer: %s", archive_error_string(tar));
        goto out;
    }
    for (;;) {
        int r = archive_read_next_header(tar, &ae);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            if (in.over)
                rc = pkg_err_set(errp, PKG_ELIMIT, "layer larger than %llu bytes",
                                 (unsigned long long)l.max_bytes);
            else
                rc = pkg_err_set(errp, PKG_EINVAL, "read layer: %s", archive_error_string(tar));
            goto out;
        }
        rc = unpack_entry(&u, tar, ae, errp);
        if (rc)
            goto out;
        if (in.over) {
            rc = pkg_err_set(errp, PKG_ELIMIT, "layer larger than %llu bytes",
                             (unsigned long long)l.max_bytes);
            goto out;
        }
    }
    /* Hash the rest of both streams (tar padding, trailing bytes). */
    const void *buf;
    size_t size;
    la_int64_t off;
    while (!in.eof) {
        int r = archive_read_data_block(outer, &buf, &size, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK) {
            rc = pkg_err_set(errp, PKG_EINVAL, "read layer: %s", archive_error_string(outer));
            goto out;
        }
        node_sha256_update(in.h, buf, size);
    }
    char tmp[65536];
    ssize_t n;
    while ((n = read(fd, tmp, sizeof(tmp))) > 0)
        node_sha256_update(o.h, tmp, (size_t)n);
    /* Directory times last: creating their children changed them. */
    for (size_t i = u.n_dirs; i-- > 0;) {
        int dfd =
            sys_openat2(u.rootfd, u.dirs[i].path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
                        RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
        if (dfd >= 0) {
            futimens(dfd, u.dirs[i].ts);
            close(dfd);
        }
    }
    char d[72];
    node_sha256_final(in.h, d);
    in.h = NULL;
    if (diff_id)
        *diff_id = xstrdup(d);
    node_sha256_final(o.h, d);
    o.h = NULL;
    if (digest)
        *digest = xstrdup(d);
out:
    for (size_t i = 0; i < u.n_dirs; i++)
        free(u.dirs[i].path);
    free(u.dirs);
    node_sha256_free(in.h);
    node_sha256_free(o.h);
    archive_read_free(tar);
    archive_read_free(outer);
    if (u.rootfd >= 0)
        close(u.rootfd);
    return rc;
}
