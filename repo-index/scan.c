/* Building an index from a directory of chart archives (Helm's
 * IndexDirectory and `helm repo index`), and the SHA-256 digests that go
 * into it. */
#include "repo-index/repo.h"
#include "repo-index/repo-int.h"

#include "core/fsutil.h"
#include "core/xalloc.h"
#include "core/yaml.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
repo_sha256_hex(char out[65], const void *data, size_t len)
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int
repo_sha256_file(char out[65], const char *path, struct pkg_err **errp)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pkg_err_sys(errp, "open %s", path);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    char *buf = xmalloc(1 << 16);
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, 1 << 16);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = pkg_err_sys(errp, "read %s", path);
            break;
        }
        if (n == 0)
            break;
        EVP_DigestUpdate(ctx, buf, (size_t)n);
    }
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    free(buf);
    close(fd);
    if (rc == 0)
        for (unsigned i = 0; i < 32; i++)
            snprintf(out + 2 * i, 3, "%02x", md[i]);
    return rc;
}

/* ---- reading Chart.yaml from an archive ------------------------------------ */

#define MAX_META_FILE (5u << 20)       /* Helm's MaxDecompressedFileSize */
#define MAX_ARCHIVE_TOTAL (100u << 20) /* Helm's MaxDecompressedChartSize */

static int
read_entry(struct sb *sb, struct archive *ar, const char *path, const char *name,
           struct pkg_err **errp)
{
    sb_reset(sb);
    char buf[16384];
    for (;;) {
        la_ssize_t n = archive_read_data(ar, buf, sizeof(buf));
        if (n < 0)
            return pkg_err_set(errp, PKG_EINVAL, "%s: %s: %s", path, name,
                               archive_error_string(ar));
        if (n == 0)
            break;
        if (sb->len + (size_t)n > MAX_META_FILE)
            return pkg_err_set(errp, PKG_ELIMIT, "%s: %s is larger than %u bytes", path, name,
                               MAX_META_FILE);
        sb_add(sb, buf, (size_t)n);
    }
    /* Helm drops a UTF-8 byte order mark. */
    if (sb->len >= 3 && !memcmp(sb->buf, "\xef\xbb\xbf", 3)) {
        memmove(sb->buf, sb->buf + 3, sb->len - 3);
        sb_setlen(sb, sb->len - 3);
    }
    return 0;
}

/* Overlays the keys of a decoded map onto dst (json.Unmarshal into a struct
 * that already holds values: present fields replace, maps merge). */
static void
overlay_map(struct arena *a, struct val *dst, const struct val *src)
{
    for (size_t i = 0; i < val_map_len(src); i++) {
        const struct val_mapent *e = &src->u.map.ents[i];
        val_map_set(a, dst, e->key->u.s.ptr, e->key->u.s.len, e->v);
    }
}

int
repo_archive_metadata(struct val **out, struct arena *a, const char *path, struct pkg_err **errp)
{
    *out = NULL;
    struct archive *ar = archive_read_new();
    archive_read_support_filter_gzip(ar);
    archive_read_support_format_tar(ar);
    struct sb chart = SB_INIT, req = SB_INIT, cur = SB_INIT;
    bool have_chart = false, have_req = false;
    size_t total = 0, files = 0;
    int rc = 0;

    /* Helm sniffs the first bytes: a chart must be gzip. */
    unsigned char magic[3] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = pkg_err_sys(errp, "open %s", path);
        goto out;
    }
    ssize_t got = read(fd, magic, 3);
    close(fd);
    if (got < 3 || magic[0] != 0x1f || magic[1] != 0x8b || magic[2] != 0x08) {
        rc = pkg_err_set(errp, PKG_EINVAL, "file '%s' does not appear to be a gzipped archive",
                         path);
        goto out;
    }
    if (archive_read_open_filename(ar, path, 1 << 16) != ARCHIVE_OK) {
        rc = pkg_err_set(errp, PKG_EINVAL, "%s: %s", path, archive_error_string(ar));
        goto out;
    }
    struct archive_entry *ent;
    for (;;) {
        int r = archive_read_next_header(ar, &ent);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            rc = pkg_err_set(errp, PKG_EINVAL, "%s: %s", path, archive_error_string(ar));
            goto out;
        }
        if (archive_entry_filetype(ent) == AE_IFDIR)
            continue;
        const char *name = archive_entry_pathname(ent);
        if (!name)
            continue;
        files++;
        const char *slash = strchr(name, '/');
        if (!slash) {
            if (!strcmp(name, "Chart.yaml")) {
                rc = pkg_err_set(errp, PKG_EINVAL, "%s: chart yaml not in base directory", path);
                goto out;
            }
            continue;
        }
        const char *rel = slash + 1;
        int64_t sz = archive_entry_size(ent);
        if (sz > 0)
            total += (size_t)sz;
        if (total > MAX_ARCHIVE_TOTAL) {
            rc = pkg_err_set(errp, PKG_ELIMIT,
                             "%s: chart exceeds the maximum decompressed size of %u bytes", path,
                             MAX_ARCHIVE_TOTAL);
            goto out;
        }
        if (rel[0] == '/' || !strncmp(rel, "../", 3) || !strcmp(rel, "..")) {
            rc = pkg_err_set(errp, PKG_EPERM, "%s: chart illegally references parent directory",
                             path);
            goto out;
        }
        if (!strcmp(rel, "Chart.yaml") || !strcmp(rel, "requirements.yaml")) {
            rc = read_entry(&cur, ar, path, rel, errp);
            if (rc)
                goto out;
            struct sb *dst = rel[0] == 'C' ? &chart : &req;
            sb_reset(dst);
            sb_add(dst, cur.buf, cur.len);
            if (rel[0] == 'C')
                have_chart = true;
            else
                have_req = true;
        }
    }
    if (files == 0) {
        rc = pkg_err_set(errp, PKG_EINVAL, "%s: no files in chart archive", path);
        goto out;
    }
    if (!have_chart) {
        rc = pkg_err_set(errp, PKG_EINVAL, "%s: Chart.yaml file is missing", path);
        goto out;
    }
    struct val_yaml_opts yo = {.dialect = VAL_YAML_HELM, .allow_duplicate_keys = true};
    struct val *doc, *raw;
    const char *fname = arena_sprintf(a, "%s: Chart.yaml", path);
    rc = val_yaml_load(&doc, a, chart.buf, chart.len, fname, &yo, errp);
    if (rc)
        goto out;
    if (doc->kind != VAL_MAP && doc->kind != VAL_NULL) {
        rc = pkg_err_set(errp, PKG_ETYPE, "%s: cannot load Chart.yaml: not a map", path);
        goto out;
    }
    raw = doc->kind == VAL_MAP ? doc : val_map(a);
    if (have_req) {
        const char *rname = arena_sprintf(a, "%s: requirements.yaml", path);
        struct val *rdoc;
        rc = val_yaml_load(&rdoc, a, req.buf, req.len, rname, &yo, errp);
        if (rc)
            goto out;
        if (rdoc->kind == VAL_MAP)
            overlay_map(a, raw, rdoc);
    }
    struct val *md;
    rc = repo_metadata_normalize(&md, a, raw, REPO_DECODE_CHART_YAML, fname, errp);
    if (rc)
        goto out;
    const struct val *api = val_map_getz(md, "apiVersion");
    if (!api || api->kind != VAL_STRING || !api->u.s.len)
        val_map_setz(a, md, "apiVersion", val_strz(a, "v1"));
    rc = repo_metadata_validate(a, md, errp);
    if (rc)
        goto out;
    *out = md;
out:
    archive_read_free(ar);
    sb_release(&chart);
    sb_release(&req);
    sb_release(&cur);
    return rc;
}

/* ---- IndexDirectory ---------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
has_tgz_suffix(const char *n)
{
    size_t l = strlen(n);
    return l >= 4 && !strcmp(n + l - 4, ".tgz");
}

/* Sorted names of dir's entries matching a filter. */
static void
list_dir(const char *dir, bool want_dirs, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *p = xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        bool ok = stat(p, &st) == 0;
        free(p);
        if (!ok)
            continue;
        if (want_dirs ? !S_ISDIR(st.st_mode)
                      : (!S_ISREG(st.st_mode) || !has_tgz_suffix(de->d_name)))
            continue;
        *out = xgrow(*out, &cap, *n + 1, sizeof(char *));
        (*out)[(*n)++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (*n)
        qsort(*out, *n, sizeof(char *), cmp_str);
}

static void
free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* What a previous scan learned about one archive, reused while the file's
 * identity (device, inode, size, mtime) is unchanged. */
struct scan_item {
    char *rel; /* path under the root, e.g. "sub/foo-1.0.0.tgz" */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    struct val *md; /* NULL: not a chart (warned once) */
    char digest[65];
};

struct repo_scan_cache {
    struct arena *arena;
    struct scan_item *v;
    size_t n, cap;
};

struct repo_scan_cache *
repo_scan_cache_new(void)
{
    struct repo_scan_cache *c = xcalloc(1, sizeof(*c));
    c->arena = arena_new();
    return c;
}

void
repo_scan_cache_free(struct repo_scan_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].rel);
    free(c->v);
    arena_free(c->arena);
    free(c);
}

static int
cmp_item(const void *a, const void *b)
{
    return strcmp(((const struct scan_item *)a)->rel, ((const struct scan_item *)b)->rel);
}

/* The cache is sorted by rel once a scan completes. */
static struct scan_item *
cache_find(struct repo_scan_cache *c, const char *rel, const struct stat *st)
{
    if (!c || !c->n)
        return NULL;
    struct scan_item key = {.rel = (char *)rel};
    struct scan_item *it = bsearch(&key, c->v, c->n, sizeof(*c->v), cmp_item);
    if (it && it->dev == st->st_dev && it->ino == st->st_ino && it->size == st->st_size &&
        it->mtime.tv_sec == st->st_mtim.tv_sec && it->mtime.tv_nsec == st->st_mtim.tv_nsec)
        return it;
    return NULL;
}

static int
index_one(struct repo_index *idx, const char *dir, const char *sub, const char *file,
          const char *base_url, struct repo_scan_cache *old, struct repo_scan_cache *fresh,
          const struct repo_warn *warn, struct pkg_err **errp)
{
    char *rel = sub ? xasprintf("%s/%s", sub, file) : xstrdup(file);
    char *path = xasprintf("%s/%s", dir, rel);
    char *parent_url = repo_url_join(base_url ? base_url : "", sub ? sub : "");
    struct arena *a = arena_new();
    struct val *md = NULL;
    char digest[65] = "";
    int rc = 0;
    struct stat st;
    if (stat(path, &st) < 0)
        goto out; /* gone since the listing */
    struct scan_item *hit = cache_find(old, rel, &st);
    if (hit) {
        md = hit->md ? val_copy(a, hit->md) : NULL;
        memcpy(digest, hit->digest, sizeof(digest));
    } else {
        struct pkg_err *lerr = NULL;
        if (repo_archive_metadata(&md, a, path, &lerr) < 0) {
            /* Helm assumes it is not a chart and goes on. */
            repo_warnf(warn, "skipping %s: %s", path, lerr->msg);
            pkg_err_free(lerr);
            md = NULL;
        } else {
            rc = repo_sha256_file(digest, path, errp);
            if (rc)
                goto out;
        }
    }
    if (fresh) {
        fresh->v = xgrow(fresh->v, &fresh->cap, fresh->n + 1, sizeof(*fresh->v));
        struct scan_item *it = &fresh->v[fresh->n++];
        memset(it, 0, sizeof(*it));
        it->rel = xstrdup(rel);
        it->dev = st.st_dev;
        it->ino = st.st_ino;
        it->size = st.st_size;
        it->mtime = st.st_mtim;
        it->md = md ? val_copy(fresh->arena, md) : NULL;
        memcpy(it->digest, digest, sizeof(digest));
    }
    if (!md)
        goto out;
    rc = repo_index_add(idx, md, file, parent_url, digest, errp);
    if (rc)
        pkg_err_wrap(errp, "failed adding to %s to index", file);
out:
    arena_free(a);
    free(parent_url);
    free(path);
    free(rel);
    return rc;
}

int
repo_index_directory_cached(struct repo_index **out, const char *dir, const char *base_url,
                            struct repo_scan_cache **cache, const struct repo_warn *warn,
                            struct pkg_err **errp)
{
    *out = NULL;
    if (!fs_is_dir(dir))
        return pkg_err_set(errp, PKG_ENOENT, "%s: no such directory", dir);
    struct repo_index *idx = repo_index_new();
    struct repo_scan_cache *old = cache ? *cache : NULL;
    struct repo_scan_cache *fresh = cache ? repo_scan_cache_new() : NULL;
    char **files, **dirs;
    size_t nf, nd;
    int rc = 0;
    list_dir(dir, false, &files, &nf);
    for (size_t i = 0; i < nf && rc == 0; i++)
        rc = index_one(idx, dir, NULL, files[i], base_url, old, fresh, warn, errp);
    free_list(files, nf);
    list_dir(dir, true, &dirs, &nd);
    for (size_t i = 0; i < nd && rc == 0; i++) {
        char *sub = xasprintf("%s/%s", dir, dirs[i]);
        list_dir(sub, false, &files, &nf);
        for (size_t j = 0; j < nf && rc == 0; j++)
            rc = index_one(idx, dir, dirs[i], files[j], base_url, old, fresh, warn, errp);
        free_list(files, nf);
        free(sub);
    }
    free_list(dirs, nd);
    if (rc) {
        repo_scan_cache_free(fresh);
        repo_index_free(idx);
        return rc;
    }
    if (cache) {
        if (fresh->n)
            qsort(fresh->v, fresh->n, sizeof(*fresh->v), cmp_item);
        repo_scan_cache_free(old);
        *cache = fresh;
    }
    *out = idx;
    return 0;
}

int
repo_index_directory(struct repo_index **out, const char *dir, const char *base_url,
                     const struct repo_warn *warn, struct pkg_err **errp)
{
    return repo_index_directory_cached(out, dir, base_url, NULL, warn, errp);
}

int
repo_index_build(const char *dir, const char *base_url, const char *merge_path, bool json,
                 const struct repo_warn *warn, struct pkg_err **errp)
{
    struct repo_index *idx = NULL, *old = NULL;
    int rc = repo_index_directory(&idx, dir, base_url, warn, errp);
    if (rc)
        return rc;
    if (merge_path) {
        if (!fs_exists(merge_path)) {
            /* Helm writes an empty index there first. */
            struct repo_index *empty = repo_index_new();
            rc = repo_index_write(empty, merge_path, json, errp);
            repo_index_free(empty);
            if (rc)
                goto out;
        }
        rc = repo_index_load_file(&old, merge_path, 0, warn, errp);
        if (rc) {
            pkg_err_wrap(errp, "merge failed");
            goto out;
        }
        repo_index_merge(idx, old);
    }
    repo_index_sort(idx);
    char *path = xasprintf("%s/index.yaml", dir);
    rc = repo_index_write(idx, path, json, errp);
    free(path);
out:
    repo_index_free(old);
    repo_index_free(idx);
    return rc;
}
