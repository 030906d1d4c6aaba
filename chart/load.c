/* Loading charts: a directory (Helm's LoadDir with .helmignore and its
 * symlink-following walk) or a gzipped tar archive (LoadArchiveFiles, read
 * with libarchive), then LoadFiles, which sorts the files into Chart.yaml,
 * values, schema, templates, other files and subcharts.
 *
 * Archives are untrusted: besides Helm's own path checks we refuse links
 * that leave the chart, device files and FIFOs, and stop at the limits of
 * struct chart_load_opts before reading past them, so a decompression bomb
 * costs neither the time nor the memory of its decompressed size. */
#include "chart/chart-int.h"
#include "core/fsutil.h"
#include "core/sb.h"
#include "core/xalloc.h"
#include "core/yaml.h"
#include "render/render.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEF_MAX_TOTAL ((size_t)100 << 20)
#define DEF_MAX_FILE ((size_t)5 << 20)
#define DEF_MAX_FILES 10000
#define DEF_MAX_DEPTH 16

static void
budget_init(struct chart_budget *b, const struct chart_load_opts *o)
{
    memset(b, 0, sizeof(*b));
    if (o)
        b->lim = *o;
    if (!b->lim.max_total_bytes)
        b->lim.max_total_bytes = DEF_MAX_TOTAL;
    if (!b->lim.max_file_bytes)
        b->lim.max_file_bytes = DEF_MAX_FILE;
    if (!b->lim.max_files)
        b->lim.max_files = DEF_MAX_FILES;
    if (!b->lim.max_depth)
        b->lim.max_depth = DEF_MAX_DEPTH;
}

struct filelist {
    struct chart_buffered *v;
    size_t n, cap;
};

/* The entries' names and data live in the load's arena (or in file
 * mappings); only the vector is ours. */
static void
filelist_free(struct filelist *fl)
{
    free(fl->v);
    memset(fl, 0, sizeof(*fl));
}

/* Helm drops a leading UTF-8 byte order mark. */
static void
drop_bom(const char **data, size_t *len)
{
    if (*len >= 3 && !memcmp(*data, "\xEF\xBB\xBF", 3)) {
        *data += 3;
        *len -= 3;
    }
}

/* A file read (data) or to be read on first use (lazy, data NULL). */
static void
filelist_add(struct filelist *fl, const char *name, const char *data, size_t len,
             struct chart_lazy *lazy)
{
    fl->v = xgrow(fl->v, &fl->cap, fl->n + 1, sizeof(*fl->v));
    if (data)
        drop_bom(&data, &len);
    fl->v[fl->n++] = (struct chart_buffered){(char *)name, (char *)data, len, lazy};
}

/* Reads a file into memory the chart keeps: large files as a private
 * read-only mapping when they do not end on a page boundary (the kernel's
 * zero fill gives the NUL terminator, and pages never read cost no memory:
 * charts carry megabytes of CRDs and dashboards templates never touch),
 * small files as a copy in the heap (cheaper than mapping and unmapping).
 * Files that are rarely read at all (read_eagerly() false: READMEs,
 * CHANGELOGs, images, files/ that only .Files may ask for) are not read
 * by a directory's load (walk_lazy); reached through a symbolic link they
 * are, and mapped from a page up, reading them left to the first access. */
#define MAP_MIN ((size_t)64 << 10)
#define MAP_MIN_LAZY ((size_t)4 << 10)

/* Files every render reads: templates, what LoadFiles parses, and
 * subchart archives. */
static bool
read_eagerly(const char *rel)
{
    size_t rl = strlen(rel);
    if (rl > 4 && !strcmp(rel + rl - 4, ".tgz"))
        return true;
    const char *slash = strrchr(rel, '/');
    const char *base = slash ? slash + 1 : rel;
    if (!strcmp(base, "Chart.yaml") || !strcmp(base, "values.yaml") ||
        !strcmp(base, "Chart.lock") || !strcmp(base, "values.schema.json") ||
        !strcmp(base, "requirements.yaml") || !strcmp(base, "requirements.lock"))
        return true;
    return !strncmp(rel, "templates/", 10) || strstr(rel, "/templates/") != NULL;
}

/* Reads fd (size bytes; closed here) into memory recorded in cm, which
 * the chart's release frees; on failure cm is left as it was. */
static int
read_fd(const char **out, size_t *out_len, struct chart_map *cm, int fd, size_t size,
        const char *path, size_t limit, bool eager, struct pkg_err **errp)
{
    if (size > limit) {
        close(fd);
        return pkg_err_set(errp, PKG_ELIMIT, "%s: larger than the limit of %zu bytes", path, limit);
    }
    long page = sysconf(_SC_PAGESIZE);
    if (size >= (eager ? MAP_MIN : MAP_MIN_LAZY) && page > 0 && size % (size_t)page != 0) {
        void *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            close(fd);
            cm->addr = m;
            cm->len = size;
            *out = m;
            *out_len = size;
            return 0;
        }
    }
    /* Not from the arena: it would zero the bytes we are about to read.
     * A heap block the chart's release frees (len 0: free, not munmap). */
    char *buf = xmalloc(size + 1);
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            free(buf);
            errno = e;
            return pkg_err_sys(errp, "read %s", path);
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = 0;
    cm->addr = buf;
    cm->len = 0;
    *out = buf;
    *out_len = got;
    return 0;
}

/* read_fd into a new mapping record on *maps. */
static int
read_chart_fd(const char **out, size_t *out_len, struct arena *a, struct chart_map **maps, int fd,
              size_t size, const char *path, size_t limit, bool eager, struct pkg_err **errp)
{
    struct chart_map *cm = arena_alloc(a, sizeof(*cm));
    cm->next = *maps;
    *maps = cm;
    return read_fd(out, out_len, cm, fd, size, path, limit, eager, errp);
}

/* A file of a chart directory stat'ed by the load and read on first use
 * (chart_file_data). Its memory is the chart's: map is already on the
 * chart's list of mappings, filled in by the read. */
struct chart_lazy {
    const char *path; /* absolute */
    size_t limit;     /* the load's limit on one file */
    struct chart_map *map;
    bool done;
    const char *data;
    size_t len;
};

static pthread_mutex_t lazy_lock = PTHREAD_MUTEX_INITIALIZER;

const char *
chart_file_data(const struct chart_file *f, size_t *len, struct pkg_err **errp)
{
    if (!f->lazy) {
        *len = f->len;
        return f->data ? f->data : "";
    }
    struct chart_lazy *z = f->lazy;
    pthread_mutex_lock(&lazy_lock);
    int rc = 0;
    if (!z->done) {
        int fd = open(z->path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
            rc = pkg_err_sys(errp, "open %s", z->path);
            if (fd >= 0)
                close(fd);
        } else {
            const char *d;
            size_t n;
            rc = read_fd(&d, &n, z->map, fd, (size_t)st.st_size, z->path, z->limit, true, errp);
            if (!rc) {
                drop_bom(&d, &n);
                z->data = d;
                z->len = n;
                z->done = true;
            }
        }
        if (rc)
            pkg_err_wrap(errp, "error reading %s", z->path);
    }
    pthread_mutex_unlock(&lazy_lock);
    if (rc)
        return NULL;
    *len = z->len;
    return z->data;
}

void
chart_release(struct chart *c)
{
    if (!c)
        return;
    tmpl_parse_ahead_free(c->ahead);
    c->ahead = NULL;
    for (struct chart_map *m = c->maps; m; m = m->next) {
        if (m->len)
            munmap(m->addr, m->len);
        else
            free(m->addr);
    }
    c->maps = NULL;
}

/* ---- directories ---- */

struct walk {
    struct arena *a;
    const char *top; /* absolute, with a trailing slash */
    size_t toplen;
    const char *dir; /* the chart's directory as given, for helm's log line */
    struct chart_ignore *rules;
    struct filelist files;
    struct chart_budget *b;
    dev_t *devs;
    ino_t *inos;
    size_t ndirs, capdirs;
    bool root; /* reads any file: no access check */
    struct pkg_err **errp;
};

static int
cmp_names(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static int walk_path(struct walk *w, const char *path, struct stat *st);
static int check_file(struct walk *w, const char *rel, const char *path, const struct stat *st);

/* Directories deeper than this are read by absolute path rather than
 * through an open descriptor each. */
#define DIRFD_DEPTH 32

/* A directory entry the directory says is a regular file: opened relative
 * to the directory (no lstat, no walk of the whole path), stat'ed through
 * the descriptor. The checks and messages are walk_path's. */
/* Reads a file the walk keeps (fd is consumed) and adds it to the list. */
static int
walk_keep(struct walk *w, const char *rel, const char *path, int fd, size_t size)
{
    const char *data = NULL;
    size_t len = 0;
    int rc = read_chart_fd(&data, &len, w->a, &w->b->maps, fd, size, path, w->b->lim.max_file_bytes,
                           read_eagerly(rel), w->errp);
    if (rc)
        return pkg_err_wrap(w->errp, "error reading %s", rel);
    w->b->used_bytes += len;
    filelist_add(&w->files, arena_strdup(w->a, rel), data, len, NULL);
    return 0;
}

/* A file no render reads by itself (read_eagerly false): stat'ed, checked
 * as walk_file checks files, and left to be read on first use
 * (chart_file_data): charts carry READMEs, examples/ and ci/ directories
 * that cost an open, a read and a close each. Readability is checked now,
 * as Helm's load reads the file (root reads any). */
static int
walk_lazy(struct walk *w, int dfd, const char *name, const char *path)
{
    const char *rel = path + w->toplen;
    const char *at = dfd == AT_FDCWD ? path : name;
    struct stat st;
    if (fstatat(dfd, at, &st, 0) < 0 || (!w->root && faccessat(dfd, at, R_OK, AT_EACCESS) < 0)) {
        pkg_err_sys(w->errp, "open %s", path);
        return pkg_err_wrap(w->errp, "error reading %s", rel);
    }
    int rc = check_file(w, rel, path, &st);
    if (rc)
        return rc;
    struct chart_lazy *z = arena_alloc(w->a, sizeof(*z));
    z->path = arena_strdup(w->a, path);
    z->limit = w->b->lim.max_file_bytes;
    z->map = arena_alloc(w->a, sizeof(*z->map));
    z->map->next = w->b->maps;
    w->b->maps = z->map;
    w->b->used_bytes += (size_t)st.st_size;
    filelist_add(&w->files, arena_strdup(w->a, rel), NULL, (size_t)st.st_size, z);
    return 0;
}

static int
walk_file(struct walk *w, int dfd, const char *name, const char *path)
{
    const char *rel = path + w->toplen;
    if (chart_ignore_match(w->rules, rel, false))
        return 0;
    if (!read_eagerly(rel))
        return walk_lazy(w, dfd, name, path);
    int fd = openat(dfd, dfd == AT_FDCWD ? path : name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        pkg_err_sys(w->errp, "open %s", path);
        return pkg_err_wrap(w->errp, "error reading %s", rel);
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        pkg_err_sys(w->errp, "stat %s", path);
        return pkg_err_wrap(w->errp, "error reading %s", rel);
    }
    int rc = check_file(w, rel, path, &st);
    if (rc) {
        close(fd);
        return rc;
    }
    return walk_keep(w, rel, path, fd, (size_t)st.st_size);
}

/* The entries of the directory open at fd (not "." or ".."), each name
 * with its d_type in the byte before it, sorted. Read with getdents64
 * into a stack buffer: opendir would fstat the directory and allocate
 * 32 KiB for each one. */
static int
read_entries(int fd, char ***out, size_t *nout)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    char buf[8192] __attribute__((aligned(8)));
    for (;;) {
        ssize_t got = getdents64(fd, buf, sizeof(buf));
        if (got < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            for (size_t i = 0; i < n; i++)
                free(names[i] - 1);
            free(names);
            errno = e;
            return -1;
        }
        if (got == 0)
            break;
        for (ssize_t off = 0; off < got;) {
            struct dirent64 *de = (struct dirent64 *)(void *)(buf + off);
            off += de->d_reclen;
            const char *dn = de->d_name;
            if (dn[0] == '.' && (!dn[1] || (dn[1] == '.' && !dn[2])))
                continue;
            names = xgrow(names, &cap, n + 1, sizeof(*names));
            size_t nl = strlen(dn);
            char *e = xmalloc(nl + 2);
            e[0] = (char)de->d_type;
            memcpy(e + 1, dn, nl + 1);
            names[n++] = e + 1;
        }
    }
    if (n)
        qsort(names, n, sizeof(*names), cmp_names);
    *out = names;
    *nout = n;
    return 0;
}

static int walk_dir_fd(struct walk *w, const char *path, const struct stat *st, int fd);

/* A directory entry the directory says is a directory: unless ignored,
 * opened relative to its parent and walked, with no lstat and no lookup
 * of the whole path. Anything unexpected (it changed since, a permission
 * error) goes the general way, for walk_path's checks and messages. */
static int
walk_subdir(struct walk *w, int dfd, const char *name, const char *path)
{
    if (chart_ignore_match(w->rules, path + w->toplen, true))
        return 0;
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0)
        return walk_dir_fd(w, path, &st, fd);
    if (fd >= 0)
        close(fd);
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return pkg_err_sys(w->errp, "lstat %s", path);
    return walk_path(w, path, &st);
}

static int
walk_dir(struct walk *w, const char *path, const struct stat *st)
{
    return walk_dir_fd(w, path, st, -1);
}

/* Walks the directory at path (st its lstat), open at fd, or opened here
 * when fd < 0. fd is closed. */
static int
walk_dir_fd(struct walk *w, const char *path, const struct stat *st, int fd)
{
    for (size_t i = 0; i < w->ndirs; i++)
        if (w->devs[i] == st->st_dev && w->inos[i] == st->st_ino) {
            if (fd >= 0)
                close(fd);
            return pkg_err_set(w->errp, PKG_ELIMIT, "symbolic link loop at %s", path);
        }
    if (fd < 0)
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char **names = NULL;
    size_t n = 0;
    if (fd < 0 || read_entries(fd, &names, &n) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        errno = e;
        return pkg_err_sys(w->errp, "open %s", path);
    }
    int dfd = fd;
    if (w->ndirs >= DIRFD_DEPTH) {
        close(fd);
        fd = -1;
        dfd = AT_FDCWD;
    }
    size_t *capp = &w->capdirs;
    size_t need = w->ndirs + 1;
    size_t c2 = *capp;
    w->devs = xgrow(w->devs, &c2, need, sizeof(*w->devs));
    w->inos = xgrow(w->inos, capp, need, sizeof(*w->inos));
    w->devs[w->ndirs] = st->st_dev;
    w->inos[w->ndirs] = st->st_ino;
    w->ndirs++;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char *child = xasprintf("%s/%s", path, names[i]);
        struct stat cst;
        unsigned char type = (unsigned char)names[i][-1];
        if (type == DT_REG)
            rc = walk_file(w, dfd, names[i], child);
        else if (type == DT_DIR && dfd != AT_FDCWD)
            rc = walk_subdir(w, dfd, names[i], child);
        else if (fstatat(dfd, dfd == AT_FDCWD ? child : names[i], &cst, AT_SYMLINK_NOFOLLOW) < 0)
            rc = pkg_err_sys(w->errp, "lstat %s", child);
        else
            rc = walk_path(w, child, &cst);
        free(child);
        if (rc)
            break;
    }
    if (fd >= 0)
        close(fd);
    w->ndirs--;
    for (size_t i = 0; i < n; i++)
        free(names[i] - 1);
    free(names);
    return rc;
}

static int
walk_path(struct walk *w, const char *path, struct stat *st)
{
    if (S_ISLNK(st->st_mode)) {
        /* sympath.Walk: follow the link, keep the link's own path. */
        char *resolved = realpath(path, NULL);
        if (!resolved)
            return pkg_err_sys(w->errp, "error evaluating symlink %s", path);
        if (chart_helm_log_enabled()) {
            /* helm walks filepath.Abs of the directory as given */
            char *shown = fs_abs(w->dir);
            chart_helm_log("walk.go", 75,
                           "found symbolic link in path: %s/%s resolves to %s. Contents of linked "
                           "file included and used",
                           strcmp(shown, "/") ? shown : "", path + w->toplen, resolved);
            free(shown);
        }
        int r = lstat(resolved, st);
        free(resolved);
        if (r < 0)
            return pkg_err_sys(w->errp, "lstat %s", path);
    }
    const char *rel = path + w->toplen;
    bool is_dir = S_ISDIR(st->st_mode);
    if (is_dir) {
        if (chart_ignore_match(w->rules, rel, true))
            return 0;
        return walk_dir(w, path, st);
    }
    if (chart_ignore_match(w->rules, rel, false))
        return 0;
    int rc = check_file(w, rel, path, st);
    if (rc)
        return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        pkg_err_sys(w->errp, "open %s", path);
        return pkg_err_wrap(w->errp, "error reading %s", rel);
    }
    struct stat fst;
    if (fstat(fd, &fst) < 0) {
        pkg_err_sys(w->errp, "stat %s", path);
        close(fd);
        return pkg_err_wrap(w->errp, "error reading %s", rel);
    }
    return walk_keep(w, rel, path, fd, (size_t)fst.st_size);
}

/* A file the walk keeps: regular, within the chart's limits. */
static int
check_file(struct walk *w, const char *rel, const char *path, const struct stat *st)
{
    if (!S_ISREG(st->st_mode))
        return pkg_err_set(w->errp, PKG_EINVAL,
                           "cannot load irregular file %s as it has file mode type bits set", path);
    struct chart_budget *b = w->b;
    if (++b->used_files > b->lim.max_files)
        return pkg_err_set(w->errp, PKG_ELIMIT, "chart has more than %zu files (at %s)",
                           b->lim.max_files, rel);
    if ((size_t)st->st_size > b->lim.max_file_bytes)
        return pkg_err_set(w->errp, PKG_ELIMIT,
                           "chart file \"%s\" is larger than the maximum file size %zu", rel,
                           b->lim.max_file_bytes);
    if ((size_t)st->st_size > b->lim.max_total_bytes - b->used_bytes)
        return pkg_err_set(w->errp, PKG_ELIMIT,
                           "chart is larger than the maximum size %zu (at \"%s\")",
                           b->lim.max_total_bytes, rel);
    return 0;
}

static int
load_dir(struct chart **out, struct arena *a, const char *dir, struct chart_budget *b,
         struct pkg_err **errp)
{
    char *abs = realpath(dir, NULL);
    if (!abs)
        return pkg_err_sys(errp, "%s", dir);
    struct walk w = {.a = a, .b = b, .errp = errp, .dir = dir, .root = geteuid() == 0};
    char *top = xasprintf("%s/", strcmp(abs, "/") ? abs : "");
    w.top = top;
    w.toplen = strlen(top);
    int rc = 0;
    char *ifile = xasprintf("%s.helmignore", top);
    struct stat ist;
    if (stat(ifile, &ist) == 0) {
        struct sb sb = SB_INIT;
        rc = sb_read_file(&sb, ifile, b->lim.max_file_bytes, errp);
        if (!rc)
            rc = chart_ignore_parse(&w.rules, sb.buf, sb.len, errp);
        sb_release(&sb);
    } else {
        w.rules = chart_ignore_new();
    }
    free(ifile);
    if (!rc) {
        chart_ignore_add_defaults(w.rules);
        struct stat st;
        if (stat(abs, &st) < 0)
            rc = pkg_err_sys(errp, "stat %s", abs);
        else
            rc = walk_dir(&w, abs, &st);
    }
    if (!rc)
        rc = chart_load_files(out, a, w.files.v, w.files.n, b, errp);
    chart_ignore_free(w.rules);
    filelist_free(&w.files);
    free(w.devs);
    free(w.inos);
    free(top);
    free(abs);
    return rc;
}

/* ---- archives ---- */

/* path.Clean for slash paths. Heap string. */
static char *
clean_path(const char *p)
{
    return fs_clean(p);
}

static bool
drive_path(const char *n)
{
    return ((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z')) && n[1] == ':' &&
           n[2] == '/';
}

/* Whether a link target stays inside the chart, resolved from the link's
 * directory (chart-relative, slash separated). */
static bool
link_inside(const char *linkname, const char *target)
{
    if (!target || !*target || target[0] == '/' || target[0] == '\\' || drive_path(target))
        return false;
    char *dir = xstrdup(linkname);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        dir[0] = 0;
    char *joined = xasprintf("%s%s%s", dir, *dir ? "/" : "", target);
    char *c = clean_path(joined);
    bool ok = strcmp(c, "..") && strncmp(c, "../", 3) && c[0] != '/';
    free(c);
    free(joined);
    free(dir);
    return ok;
}

static int
archive_files(struct filelist *fl, struct arena *a, struct archive *ar, const char *name,
              struct chart_budget *b, struct pkg_err **errp)
{
    struct archive_entry *e;
    int r;
    int rc = 0;
    while ((r = archive_read_next_header(ar, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *hn = archive_entry_pathname(e);
        if (!hn)
            hn = "";
        mode_t type = archive_entry_filetype(e);
        la_int64_t size = archive_entry_size(e);
        if (size < 0)
            size = 0;
        /* Every entry counts, also those we skip: skipping data still
         * means decompressing it. */
        if (++b->used_files > b->lim.max_files)
            return pkg_err_set(errp, PKG_ELIMIT,
                               "chart archive %s has more than %zu entries (at \"%s\")", name,
                               b->lim.max_files, hn);
        if ((uint64_t)size > b->lim.max_file_bytes)
            return pkg_err_set(errp, PKG_ELIMIT,
                               "decompressed chart file \"%s\" is larger than the maximum file "
                               "size %zu",
                               hn, b->lim.max_file_bytes);
        if ((uint64_t)size > b->lim.max_total_bytes - b->used_bytes)
            return pkg_err_set(errp, PKG_ELIMIT,
                               "decompressed chart is larger than the maximum size %zu (at \"%s\")",
                               b->lim.max_total_bytes, hn);
        if (type == AE_IFDIR)
            continue;
        /* Helm's path rules. */
        char delim = strchr(hn, '\\') ? '\\' : '/';
        const char *first = strchr(hn, delim);
        char *n = xstrdup(first ? first + 1 : "");
        bool top_chart_yaml = first ? (size_t)(first - hn) == 10 && !strncmp(hn, "Chart.yaml", 10)
                                    : !strcmp(hn, "Chart.yaml");
        for (char *p = n; *p; p++)
            if (*p == delim)
                *p = '/';
        if (n[0] == '/') {
            free(n);
            return pkg_err_set(errp, PKG_EPERM, "chart illegally contains absolute paths (\"%s\")",
                               hn);
        }
        char *cn = clean_path(n);
        free(n);
        n = cn;
        if (!strcmp(n, ".")) {
            free(n);
            return pkg_err_set(errp, PKG_EPERM,
                               "chart illegally contains content outside the base directory: "
                               "\"%s\"",
                               hn);
        }
        if (!strncmp(n, "..", 2)) {
            free(n);
            return pkg_err_set(errp, PKG_EPERM,
                               "chart illegally references parent directory (\"%s\")", hn);
        }
        if (drive_path(n)) {
            free(n);
            return pkg_err_set(errp, PKG_EPERM, "chart contains illegally named files (\"%s\")",
                               hn);
        }
        if (top_chart_yaml) {
            free(n);
            return pkg_err_set(errp, PKG_EINVAL, "chart yaml not in base directory");
        }
        if (type == AE_IFLNK || archive_entry_hardlink(e)) {
            const char *target = type == AE_IFLNK ? archive_entry_symlink(e) : NULL;
            bool ok;
            if (type == AE_IFLNK) {
                ok = link_inside(n, target);
            } else {
                /* A hard link names another entry of the archive. */
                const char *hl = archive_entry_hardlink(e);
                const char *hs = strchr(hl, '/');
                char *hc = clean_path(hs ? hs + 1 : "");
                ok = hs && hl[0] != '/' && strcmp(hc, ".") && strncmp(hc, "..", 2);
                free(hc);
                target = hl;
            }
            if (!ok) {
                rc = pkg_err_set(errp, PKG_EPERM,
                                 "chart archive entry \"%s\" is a link pointing outside the "
                                 "chart (to \"%s\")",
                                 hn, target ? target : "");
                free(n);
                return rc;
            }
            /* Go's tar reader hands Helm a link as an empty file. */
        } else if (type != AE_IFREG) {
            free(n);
            return pkg_err_set(errp, PKG_EPERM,
                               "chart archive entry \"%s\" is a device, socket or FIFO", hn);
        }
        char *data = arena_alloc(a, (size_t)size + 1);
        size_t len = 0;
        if (type == AE_IFREG && !archive_entry_hardlink(e) && size > 0) {
            for (;;) {
                la_ssize_t got = archive_read_data(ar, data + len, (size_t)size - len);
                if (got < 0) {
                    rc = pkg_err_set(errp, PKG_EINVAL, "%s: %s", name, archive_error_string(ar));
                    break;
                }
                if (got == 0)
                    break;
                len += (size_t)got;
                if (len == (size_t)size) {
                    /* libarchive stops at the size the header gives. */
                    char extra;
                    if (archive_read_data(ar, &extra, 1) > 0)
                        rc = pkg_err_set(errp, PKG_ELIMIT,
                                         "decompressed chart file \"%s\" is larger than its "
                                         "header says",
                                         hn);
                    break;
                }
            }
            if (rc) {
                free(n);
                return rc;
            }
        }
        data[len] = 0;
        b->used_bytes += len;
        filelist_add(fl, arena_strdup(a, n), data, len, NULL);
        free(n);
    }
    if (r != ARCHIVE_EOF)
        return pkg_err_set(errp, PKG_EINVAL, "%s: %s", name,
                           archive_error_string(ar) ? archive_error_string(ar)
                                                    : "cannot read archive");
    if (fl->n == 0)
        return pkg_err_set(errp, PKG_EINVAL, "no files in chart archive");
    return 0;
}

static struct archive *
archive_new(void)
{
    struct archive *ar = archive_read_new();
    archive_read_support_filter_gzip(ar);
    archive_read_support_format_tar(ar);
    archive_read_support_format_gnutar(ar);
    return ar;
}

static int
load_archive_mem(struct chart **out, struct arena *a, const void *data, size_t len,
                 const char *name, struct chart_budget *b, struct pkg_err **errp)
{
    if (len < 3 || memcmp(data, "\x1F\x8B\x08", 3))
        return pkg_err_set(errp, PKG_EINVAL, "gzip: invalid header");
    if (++b->depth > b->lim.max_depth)
        return pkg_err_set(errp, PKG_ELIMIT, "subcharts nested deeper than %u levels",
                           b->lim.max_depth);
    struct archive *ar = archive_new();
    struct filelist fl = {0};
    int rc;
    if (archive_read_open_memory(ar, data, len) != ARCHIVE_OK)
        rc = pkg_err_set(errp, PKG_EINVAL, "%s: %s", name, archive_error_string(ar));
    else
        rc = archive_files(&fl, a, ar, name, b, errp);
    archive_read_free(ar);
    if (!rc)
        rc = chart_load_files(out, a, fl.v, fl.n, b, errp);
    filelist_free(&fl);
    b->depth--;
    return rc;
}

/* http.DetectContentType, as far as the messages need it. */
static const char *
content_type(const unsigned char *p, size_t n)
{
    if (n >= 4 && !memcmp(p, "PK\x03\x04", 4))
        return "application/zip";
    if (n >= 5 && !memcmp(p, "%PDF-", 5))
        return "application/pdf";
    if (n >= 3 && !memcmp(p, "BZh", 3))
        return "application/x-bzip2";
    for (size_t i = 0; i < n && i < 512; i++) {
        unsigned char c = p[i];
        if (c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1A) || (c >= 0x1C && c <= 0x1F))
            return "application/octet-stream";
    }
    return "text/plain; charset=utf-8";
}

static bool
has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && !strcmp(s + n - m, suf);
}

static int
load_archive_file(struct chart **out, struct arena *a, const char *path, struct chart_budget *b,
                  struct pkg_err **errp)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pkg_err_sys(errp, "open %s", path);
    unsigned char head[512];
    ssize_t got = read(fd, head, sizeof(head));
    if (got < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return pkg_err_sys(errp, "file '%s' cannot be read", path);
    }
    if (got < 3 || memcmp(head, "\x1F\x8B\x08", 3)) {
        close(fd);
        if (has_suffix(path, ".yml") || has_suffix(path, ".yaml"))
            return pkg_err_set(errp, PKG_EINVAL,
                               "file '%s' seems to be a YAML file, but expected a gzipped archive",
                               path);
        return pkg_err_set(errp, PKG_EINVAL,
                           "file '%s' does not appear to be a gzipped archive; got '%s'", path,
                           content_type(head, (size_t)got));
    }
    lseek(fd, 0, SEEK_SET);
    struct archive *ar = archive_new();
    struct filelist fl = {0};
    int rc;
    b->depth++;
    if (archive_read_open_fd(ar, fd, 65536) != ARCHIVE_OK)
        rc = pkg_err_set(errp, PKG_EINVAL, "%s: %s", path, archive_error_string(ar));
    else
        rc = archive_files(&fl, a, ar, path, b, errp);
    archive_read_free(ar);
    close(fd);
    if (!rc)
        rc = chart_load_files(out, a, fl.v, fl.n, b, errp);
    filelist_free(&fl);
    b->depth--;
    return rc;
}

int
chart_load(struct chart **out, struct arena *a, const char *path,
           const struct chart_load_opts *opts, struct pkg_err **errp)
{
    *out = NULL;
    struct chart_budget b;
    budget_init(&b, opts);
    struct stat st;
    if (stat(path, &st) < 0)
        return pkg_err_sys(errp, "stat %s", path);
    int rc = S_ISDIR(st.st_mode) ? load_dir(out, a, path, &b, errp)
                                 : load_archive_file(out, a, path, &b, errp);
    if (rc) {
        struct chart tmp = {.maps = b.maps, .ahead = b.ahead};
        chart_release(&tmp);
        *out = NULL;
        return rc;
    }
    (*out)->maps = b.maps;
    (*out)->ahead = b.ahead;
    return 0;
}

int
chart_load_archive(struct chart **out, struct arena *a, const void *data, size_t len,
                   const char *name, const struct chart_load_opts *opts, struct pkg_err **errp)
{
    *out = NULL;
    struct chart_budget b;
    budget_init(&b, opts);
    return load_archive_mem(out, a, data, len, name, &b, errp);
}

/* ---- LoadFiles ---- */

struct sublist {
    char *name;
    struct filelist files; /* borrowed name/data pointers: not freed here */
};

/* Adds a file of the chart: names and data already live as long as the
 * chart (arena or mapping). */
static void
push_file(struct arena *a, struct chart_file **v, size_t *n, size_t *cap,
          const struct chart_buffered *src)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        *v = arena_realloc(a, *v, *cap * sizeof(**v), nc * sizeof(**v));
        *cap = nc;
    }
    (*v)[(*n)++] = (struct chart_file){src->name, src->data, src->len, src->lazy};
}

int
chart_yaml_values(struct val **out, struct arena *a, const char *data, size_t len, const char *file,
                  struct pkg_err **errp)
{
    struct val *doc = NULL;
    /* sigs.k8s.io/yaml.Unmarshal: the first document only */
    struct val_yaml_opts yo = {.dialect = VAL_YAML_HELM,
                               .json_compat = true,
                               .allow_duplicate_keys = true,
                               .first_doc_only = true,
                               .goyaml_errors = true};
    int rc = val_yaml_load(&doc, a, data, len, arena_strdup(a, file), &yo, errp);
    if (rc)
        return pkg_err_wrap(errp, "error converting YAML to JSON");
    if (doc->kind == VAL_NULL) {
        *out = NULL;
        return 0;
    }
    if (doc->kind != VAL_MAP) {
        const char *k = doc->kind == VAL_SEQ      ? "array"
                        : doc->kind == VAL_STRING ? "string"
                        : doc->kind == VAL_BOOL   ? "bool"
                                                  : "number";
        return pkg_err_set(errp, PKG_EINVAL,
                           "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
                           "%s into Go value of type map[string]interface {}",
                           k);
    }
    *out = doc;
    return 0;
}

static int
sub_cmp(const void *x, const void *y)
{
    return strcmp(((const struct sublist *)x)->name, ((const struct sublist *)y)->name);
}

static bool
ext_is(const char *name, const char *ext)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;
    const char *dot = strrchr(base, '.');
    return dot && !strcmp(dot, ext);
}

void
chart_add_dep(struct arena *a, struct chart *c, struct chart *sub)
{
    struct chart **nd = arena_alloc(a, (c->ndeps + 1) * sizeof(*nd));
    if (c->ndeps)
        memcpy(nd, c->deps, c->ndeps * sizeof(*nd));
    nd[c->ndeps++] = sub;
    c->deps = nd;
    sub->parent = c;
}

/* Below this much template text the early parse does not gain back its
 * thread's cost (see chart/template.c, PARSE_THREAD_MIN); kube-prometheus-
 * stack has 1.6 MB. */
#define AHEAD_MIN_BYTES ((size_t)1 << 20)

/* A template of the chart or of a subchart unpacked beside it: the path
 * is (charts/NAME/)*templates/... */
static bool
is_template_path(const char *p)
{
    while (!strncmp(p, "charts/", 7)) {
        const char *slash = strchr(p + 7, '/');
        if (!slash)
            return false;
        p = slash + 1;
    }
    return !strncmp(p, "templates/", 10);
}

/* Starts parsing the templates among the root chart's files (LoadFiles
 * has every file of the tree but archived subcharts). Their final names
 * depend on Chart.yaml names and aliases: the paths serve until then. */
static void
start_parse_ahead(struct chart_budget *b, const struct chart_buffered *files, size_t n)
{
    b->ahead_tried = true;
    struct tmpl_helm_file *tf = xcalloc(n ? n : 1, sizeof(*tf));
    size_t m = 0, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_template_path(files[i].name))
            continue;
        tf[m].name = files[i].name;
        tf[m].text = files[i].data;
        tf[m].len = files[i].len;
        bytes += files[i].len;
        m++;
    }
    if (bytes >= AHEAD_MIN_BYTES)
        b->ahead = tmpl_helm_parse_ahead(tf, m);
    free(tf);
}

int
chart_load_files(struct chart **out, struct arena *a, struct chart_buffered *files, size_t n,
                 struct chart_budget *b, struct pkg_err **errp)
{
    if (b->lim.parse_ahead && !b->ahead_tried)
        start_parse_ahead(b, files, n);
    struct chart *c = arena_alloc(a, sizeof(*c));
    size_t cap_raw = 0, cap_t = 0, cap_f = 0;
    struct sublist *subs = NULL;
    size_t nsubs = 0, capsubs = 0;
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        push_file(a, &c->raw, &c->nraw, &cap_raw, &files[i]);
        if (!strcmp(files[i].name, "Chart.yaml")) {
            if (!c->meta) {
                c->meta = arena_alloc(a, sizeof(*c->meta));
                chart_meta_init(c->meta);
            }
            rc = chart_meta_decode(c->meta, a, files[i].data, files[i].len, "Chart.yaml", errp);
            if (rc) {
                pkg_err_wrap(errp, "cannot load Chart.yaml");
                goto out;
            }
            if (!*c->meta->api_version)
                c->meta->api_version = "v1";
        }
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = files[i].name;
        const char *data = files[i].data;
        size_t len = files[i].len;
        if (!strcmp(name, "Chart.yaml")) {
            continue;
        } else if (!strcmp(name, "Chart.lock")) {
            rc = chart_lock_decode(&c->lock, a, data, len, "Chart.lock", errp);
            if (rc) {
                pkg_err_wrap(errp, "cannot load Chart.lock");
                goto out;
            }
        } else if (!strcmp(name, "values.yaml")) {
            rc = chart_yaml_values(&c->values, a, data, len, "values.yaml", errp);
            if (rc) {
                pkg_err_wrap(errp, "cannot load values.yaml");
                goto out;
            }
            /* An empty or null document unmarshals to a nil map. */
        } else if (!strcmp(name, "values.schema.json")) {
            c->schema = arena_memdup(a, data, len + 1);
            c->schema_len = len;
        } else if (!strcmp(name, "requirements.yaml")) {
            if (!c->meta) {
                c->meta = arena_alloc(a, sizeof(*c->meta));
                chart_meta_init(c->meta);
            }
            if (strcmp(c->meta->api_version, "v1"))
                chart_helm_log("load.go", 120,
                               "Warning: Dependencies are handled in Chart.yaml since apiVersion "
                               "\"v2\". We recommend migrating dependencies to Chart.yaml.");
            rc = chart_meta_decode(c->meta, a, data, len, "requirements.yaml", errp);
            if (rc) {
                pkg_err_wrap(errp, "cannot load requirements.yaml");
                goto out;
            }
            if (!strcmp(c->meta->api_version, "v1"))
                push_file(a, &c->files, &c->nfiles, &cap_f, &files[i]);
        } else if (!strcmp(name, "requirements.lock")) {
            rc = chart_lock_decode(&c->lock, a, data, len, "requirements.lock", errp);
            if (rc) {
                pkg_err_wrap(errp, "cannot load requirements.lock");
                goto out;
            }
            if (!c->meta) {
                c->meta = arena_alloc(a, sizeof(*c->meta));
                chart_meta_init(c->meta);
            }
            if (!strcmp(c->meta->api_version, "v1"))
                push_file(a, &c->files, &c->nfiles, &cap_f, &files[i]);
            else
                chart_helm_log("load.go", 138,
                               "Warning: Dependency locking is handled in Chart.lock since "
                               "apiVersion \"v2\". We recommend migrating to Chart.lock.");
        } else if (!strncmp(name, "templates/", 10)) {
            push_file(a, &c->templates, &c->ntemplates, &cap_t, &files[i]);
        } else if (!strncmp(name, "charts/", 7)) {
            if (ext_is(name, ".prov")) {
                push_file(a, &c->files, &c->nfiles, &cap_f, &files[i]);
                continue;
            }
            const char *fname = name + 7;
            const char *slash = strchr(fname, '/');
            size_t cl = slash ? (size_t)(slash - fname) : strlen(fname);
            size_t k;
            for (k = 0; k < nsubs; k++)
                if (strlen(subs[k].name) == cl && !strncmp(subs[k].name, fname, cl))
                    break;
            if (k == nsubs) {
                subs = xgrow(subs, &capsubs, nsubs + 1, sizeof(*subs));
                memset(&subs[nsubs], 0, sizeof(subs[nsubs]));
                subs[nsubs].name = xstrndup(fname, cl);
                nsubs++;
            }
            struct filelist *fl = &subs[k].files;
            fl->v = xgrow(fl->v, &fl->cap, fl->n + 1, sizeof(*fl->v));
            fl->v[fl->n++] =
                (struct chart_buffered){(char *)fname, (char *)data, len, files[i].lazy};
        } else {
            push_file(a, &c->files, &c->nfiles, &cap_f, &files[i]);
        }
    }
    if (!c->meta) {
        rc = pkg_err_set(errp, PKG_EINVAL, "Chart.yaml file is missing");
        goto out;
    }
    rc = chart_meta_validate(a, c->meta, errp);
    if (rc)
        goto out;

    if (nsubs)
        qsort(subs, nsubs, sizeof(*subs), sub_cmp);
    for (size_t k = 0; k < nsubs; k++) {
        const char *sn = subs[k].name;
        struct chart *sc = NULL;
        if (sn[0] == '_' || sn[0] == '.')
            continue;
        if (ext_is(sn, ".tgz")) {
            struct chart_buffered *f = &subs[k].files.v[0];
            if (strcmp(f->name, sn)) {
                rc = pkg_err_set(errp, PKG_EINVAL,
                                 "error unpacking subchart tar in %s: expected %s, got %s",
                                 c->meta->name, sn, f->name);
                goto out;
            }
            rc = load_archive_mem(&sc, a, f->data, f->len, sn, b, errp);
        } else {
            struct filelist *fl = &subs[k].files;
            struct chart_buffered *buff = xcalloc(fl->n + 1, sizeof(*buff));
            size_t nb = 0;
            for (size_t j = 0; j < fl->n; j++) {
                const char *slash = strchr(fl->v[j].name, '/');
                if (!slash)
                    continue;
                buff[nb] = fl->v[j];
                buff[nb++].name = (char *)slash + 1;
            }
            if (++b->depth > b->lim.max_depth)
                rc = pkg_err_set(errp, PKG_ELIMIT, "subcharts nested deeper than %u levels",
                                 b->lim.max_depth);
            else
                rc = chart_load_files(&sc, a, buff, nb, b, errp);
            b->depth--;
            free(buff);
        }
        if (rc) {
            pkg_err_wrap(errp, "error unpacking subchart %s in %s", sn, c->meta->name);
            goto out;
        }
        chart_add_dep(a, c, sc);
    }
    *out = c;
out:
    for (size_t k = 0; k < nsubs; k++) {
        free(subs[k].name);
        free(subs[k].files.v);
    }
    free(subs);
    return rc;
}

const char *
chart_full_path(struct arena *a, const struct chart *c)
{
    if (!c->parent)
        return c->meta->name;
    return arena_sprintf(a, "%s/charts/%s", chart_full_path(a, c->parent), c->meta->name);
}

bool
chart_is_library(const struct chart *c)
{
    return !strcasecmp(c->meta->type, "library");
}
