/* Unpacking a chart archive the way `helm pull --untar` does (chartutil's
 * Expand): every regular file under the chart's top folder is written to
 * DEST/<chart name>/..., nothing else (no links, devices or absolute or
 * climbing paths), within size limits. */
#include "repo-index/repo.h"

#include "core/fsutil.h"
#include "core/xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_TOTAL (100u << 20)

static int
write_entry(struct archive *ar, const char *path, size_t *total, struct pkg_err **errp)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return pkg_err_sys(errp, "create %s", path);
    char buf[65536];
    int rc = 0;
    for (;;) {
        la_ssize_t n = archive_read_data(ar, buf, sizeof(buf));
        if (n < 0) {
            rc = pkg_err_set(errp, PKG_EINVAL, "%s: %s", path, archive_error_string(ar));
            break;
        }
        if (n == 0)
            break;
        *total += (size_t)n;
        if (*total > MAX_TOTAL) {
            rc = pkg_err_set(errp, PKG_ELIMIT, "chart exceeds the maximum size of %u bytes",
                             MAX_TOTAL);
            break;
        }
        for (la_ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                rc = pkg_err_sys(errp, "write %s", path);
                break;
            }
            off += w;
        }
        if (rc)
            break;
    }
    if (close(fd) < 0 && rc == 0)
        rc = pkg_err_sys(errp, "close %s", path);
    return rc;
}

int
repo_untar(const char *archive, const char *dest, struct pkg_err **errp)
{
    struct arena *a = arena_new();
    struct val *md;
    int rc = repo_archive_metadata(&md, a, archive, errp);
    if (rc) {
        arena_free(a);
        return rc;
    }
    const char *name = val_cstr(val_map_getz(md, "name"));
    char *chartdir = NULL;
    rc = fs_join_under(&chartdir, dest, name, errp);
    if (rc)
        goto out_meta;
    if (fs_exists(chartdir)) {
        rc = pkg_err_set(errp, PKG_EEXIST,
                         "failed to untar: a file or directory with the name %s already exists",
                         chartdir);
        goto out_meta;
    }
    struct archive *ar = archive_read_new();
    archive_read_support_filter_gzip(ar);
    archive_read_support_format_tar(ar);
    size_t total = 0;
    if (archive_read_open_filename(ar, archive, 1 << 16) != ARCHIVE_OK) {
        rc = pkg_err_set(errp, PKG_EINVAL, "%s: %s", archive, archive_error_string(ar));
        goto out;
    }
    struct archive_entry *ent;
    for (;;) {
        int r = archive_read_next_header(ar, &ent);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            rc = pkg_err_set(errp, PKG_EINVAL, "%s: %s", archive, archive_error_string(ar));
            break;
        }
        if (archive_entry_filetype(ent) != AE_IFREG)
            continue;
        const char *p = archive_entry_pathname(ent);
        const char *slash = p ? strchr(p, '/') : NULL;
        if (!slash || !slash[1])
            continue;
        char *out = NULL;
        rc = fs_join_under(&out, chartdir, slash + 1, errp);
        if (rc) {
            pkg_err_wrap(errp, "chart illegally references parent directory");
            break;
        }
        char *dir = xstrdup(out);
        char *ls = strrchr(dir, '/');
        if (ls)
            *ls = 0;
        rc = fs_mkdir_p(dir, 0755, errp);
        free(dir);
        if (rc == 0)
            rc = write_entry(ar, out, &total, errp);
        free(out);
        if (rc)
            break;
    }
out:
    archive_read_free(ar);
    if (rc) {
        struct pkg_err *e = NULL;
        fs_remove_all(chartdir, &e);
        pkg_err_free(e);
    }
out_meta:
    free(chartdir);
    arena_free(a);
    return rc;
}
