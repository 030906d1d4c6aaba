/* Building an index from a directory of chart archives (Helm's
 * IndexDirectory and `helm repo index`), and the SHA-256 digests that go
 * into it. */
#include "repo-index/repo.h"
#include "repo-index/repo-int.h"

#include "core/fsutil.h"
#include "core/xalloc.h"
#include "core/yaml.h"
#include "chart/chart.h"

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

/* ---- chart metadata through chart/chart.h --------------------------------- */

static const char *
nz(const char *s)
{
    return s ? s : "";
}

static void
put_str(struct arena *a, struct val *m, const char *k, const char *v, bool omitempty)
{
    if (!omitempty || (v && *v))
        val_map_setz(a, m, k, val_strz(a, nz(v)));
}

static void
put_strs(struct arena *a, struct val *m, const char *k, const char *const *v, size_t n)
{
    if (!n)
        return;
    struct val *seq = val_seq(a);
    for (size_t i = 0; i < n; i++)
        val_seq_push(a, seq, val_strz(a, nz(v[i])));
    val_map_setz(a, m, k, seq);
}

/* chart.Metadata as encoding/json marshals it, from the loader's struct. */
static struct val *
metadata_from_chart(struct arena *a, const struct chart_meta *c)
{
    struct val *m = val_map(a);
    put_str(a, m, "name", c->name, true);
    put_str(a, m, "home", c->home, true);
    put_strs(a, m, "sources", c->sources, c->nsources);
    put_str(a, m, "version", c->version, true);
    put_str(a, m, "description", c->description, true);
    put_strs(a, m, "keywords", c->keywords, c->nkeywords);
    if (c->nmaintainers) {
        struct val *seq = val_seq(a);
        for (size_t i = 0; i < c->nmaintainers; i++) {
            const struct chart_maintainer *mt = c->maintainers[i];
            if (!mt) {
                val_seq_push(a, seq, val_null(a));
                continue;
            }
            struct val *e = val_map(a);
            put_str(a, e, "name", mt->name, true);
            put_str(a, e, "email", mt->email, true);
            put_str(a, e, "url", mt->url, true);
            val_seq_push(a, seq, e);
        }
        val_map_setz(a, m, "maintainers", seq);
    }
    put_str(a, m, "icon", c->icon, true);
    put_str(a, m, "apiVersion", c->api_version, true);
    put_str(a, m, "condition", c->condition, true);
    put_str(a, m, "tags", c->tags, true);
    put_str(a, m, "appVersion", c->app_version, true);
    if (c->deprecated)
        val_map_setz(a, m, "deprecated", val_bool(a, true));
    if (c->annotations && val_map_len(c->annotations))
        val_map_setz(a, m, "annotations", val_copy(a, c->annotations));
    put_str(a, m, "kubeVersion", c->kube_version, true);
    if (c->ndeps) {
        struct val *seq = val_seq(a);
        for (size_t i = 0; i < c->ndeps; i++) {
            const struct chart_dep *d = c->deps[i];
            if (!d) {
                val_seq_push(a, seq, val_null(a));
                continue;
            }
            struct val *e = val_map(a);
            put_str(a, e, "name", d->name, false);
            put_str(a, e, "version", d->version, true);
            put_str(a, e, "repository", d->repository, false);
            put_str(a, e, "condition", d->condition, true);
            put_strs(a, e, "tags", d->tags, d->ntags);
            if (d->enabled)
                val_map_setz(a, e, "enabled", val_bool(a, true));
            if (d->import_values && val_len(d->import_values))
                val_map_setz(a, e, "import-values", val_copy(a, d->import_values));
            put_str(a, e, "alias", d->alias, true);
            val_seq_push(a, seq, e);
        }
        val_map_setz(a, m, "dependencies", seq);
    }
    put_str(a, m, "type", c->type, true);
    return m;
}

/* Loads a chart (archive or directory) with Helm's loader and returns its
 * metadata, normalized and validated. */
static int
chart_metadata(struct val **out, struct arena *a, const char *path, struct pkg_err **errp)
{
    *out = NULL;
    struct arena *ca = arena_new();
    struct chart *c = NULL;
    /* Helm 3.17's loader has no per-file limit (3.18 added 5 MiB); keep
     * only the total bound, so that what helm 3.17 indexes, pkg indexes. */
    struct chart_load_opts lo = {.max_file_bytes = 100u << 20};
    int rc = chart_load(&c, ca, path, &lo, errp);
    if (rc == 0) {
        struct val *md = metadata_from_chart(a, c->meta);
        const struct val *api = val_map_getz(md, "apiVersion");
        if (!api || !api->u.s.len)
            val_map_setz(a, md, "apiVersion", val_strz(a, "v1"));
        rc = repo_metadata_validate(a, md, errp);
        if (rc == 0)
            *out = md;
    }
    chart_release(c);
    arena_free(ca);
    return rc;
}

int
repo_archive_metadata(struct val **out, struct arena *a, const char *path, struct pkg_err **errp)
{
    if (fs_is_dir(path))
        return pkg_err_set(errp, PKG_EINVAL, "%s: a directory, not a chart archive", path);
    return chart_metadata(out, a, path, errp);
}

int
repo_dir_metadata(struct val **out, struct arena *a, const char *dir, struct pkg_err **errp)
{
    if (!fs_is_dir(dir))
        return pkg_err_set(errp, PKG_ENOENT, "%s: not a chart directory", dir);
    return chart_metadata(out, a, dir, errp);
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
