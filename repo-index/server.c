/* `pkg repo serve`: a chart repository over HTTP with libmicrohttpd.
 *
 * index.yaml is served from an immutable in-memory snapshot (swapped under
 * a mutex on re-index, reference-counted so requests in flight keep theirs);
 * archives and .prov files stream from their file descriptors
 * (MHD_create_response_from_fd_at_offset64: sendfile, nothing held in
 * memory). Conditional requests (ETag, Last-Modified), HEAD and single
 * byte ranges are supported; paths are confined to the repository root;
 * request headers, bodies and connection counts are bounded. Uploads
 * (ChartMuseum's POST /api/charts, PUT /api/charts/NAME.tgz) stream to a
 * temporary file, are validated as charts, named NAME-VERSION.tgz and
 * trigger a re-index. */
#include "repo-index/repo.h"
#include "repo-index/repo-int.h"

#include "core/fsutil.h"
#include "core/xalloc.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if MHD_VERSION >= 0x00097002
typedef enum MHD_Result mhd_result;
#else
typedef int mhd_result;
#endif

/* What index.yaml looks like right now. */
struct snapshot {
    atomic_int refs;
    char *buf;
    size_t len;
    char etag[48];
    time_t mtime;
    size_t charts, versions;
    char generated[REPO_TIME_MAX];
};

struct repo_server {
    struct repo_server_opts o;
    char *root;      /* the repository directory as given */
    char *root_real; /* its realpath, for confinement checks */
    char *index_path;
    struct MHD_Daemon *d;
    unsigned port;
    char *tls_key, *tls_cert;

    pthread_mutex_t snap_lock;
    struct snapshot *snap;

    pthread_mutex_t reindex_lock;
    struct repo_index *prev;
    struct repo_scan_cache *cache;
    atomic_int reindex_wanted;

    int inotify_fd;
    atomic_ullong requests;
};

/* ---- snapshots ---------------------------------------------------------- */

static void
snap_unref(void *p)
{
    struct snapshot *s = p;
    if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
        free(s->buf);
        free(s);
    }
}

static struct snapshot *
snap_get(struct repo_server *s)
{
    pthread_mutex_lock(&s->snap_lock);
    struct snapshot *sn = s->snap;
    if (sn)
        atomic_fetch_add(&sn->refs, 1);
    pthread_mutex_unlock(&s->snap_lock);
    return sn;
}

static void
snap_set(struct repo_server *s, struct snapshot *sn)
{
    pthread_mutex_lock(&s->snap_lock);
    struct snapshot *old = s->snap;
    s->snap = sn;
    pthread_mutex_unlock(&s->snap_lock);
    snap_unref(old);
}

static struct snapshot *
snap_new(const char *buf, size_t len, const struct repo_index *idx)
{
    struct snapshot *sn = xcalloc(1, sizeof(*sn));
    atomic_init(&sn->refs, 1);
    sn->buf = xmalloc(len + 1);
    memcpy(sn->buf, buf, len);
    sn->buf[len] = 0;
    sn->len = len;
    char hex[65];
    repo_sha256_hex(hex, buf, len);
    snprintf(sn->etag, sizeof(sn->etag), "\"%.32s\"", hex);
    sn->mtime = time(NULL);
    for (size_t i = 0; i < idx->n; i++)
        sn->versions += idx->charts[i].n;
    sn->charts = idx->n;
    memcpy(sn->generated, idx->generated, sizeof(sn->generated));
    return sn;
}

/* ---- indexing ----------------------------------------------------------- */

static const struct repo_entry *
find_same(const struct repo_index *idx, const struct repo_entry *e)
{
    const struct repo_chart *c = idx ? repo_index_chart(idx, e->name) : NULL;
    for (size_t i = 0; c && i < c->n; i++)
        if (!strcmp(c->v[i]->version, e->version) && !strcmp(c->v[i]->digest, e->digest))
            return c->v[i];
    return NULL;
}

/* Same entries (ignoring `generated`)? */
static bool
index_same(const struct repo_index *a, const struct repo_index *b)
{
    if (!a || !b || a->n != b->n)
        return false;
    struct arena *ar = arena_new();
    struct val *va = repo_index_to_val(ar, a), *vb = repo_index_to_val(ar, b);
    val_map_setz(ar, va, "generated", val_strz(ar, ""));
    val_map_setz(ar, vb, "generated", val_strz(ar, ""));
    bool same = val_equal(va, vb);
    arena_free(ar);
    return same;
}

int
repo_server_reindex(struct repo_server *s, struct pkg_err **errp)
{
    pthread_mutex_lock(&s->reindex_lock);
    struct repo_index *idx = NULL;
    int rc = repo_index_directory_cached(&idx, s->root, s->o.url, &s->cache, &s->o.warn, errp);
    if (rc)
        goto out;
    /* Keep `created` of archives that did not change, so that a re-index
     * does not make every entry look new. */
    for (size_t i = 0; i < idx->n; i++)
        for (size_t j = 0; j < idx->charts[i].n; j++) {
            struct repo_entry *e = idx->charts[i].v[j];
            const struct repo_entry *old = find_same(s->prev, e);
            if (old)
                memcpy(e->created, old->created, sizeof(e->created));
        }
    repo_index_sort(idx);
    struct snapshot *cur = snap_get(s);
    if (cur && index_same(idx, s->prev)) {
        snap_unref(cur);
        repo_index_free(idx);
        goto out;
    }
    snap_unref(cur);
    struct sb sb = SB_INIT;
    rc = repo_index_serialize(&sb, idx, false, errp);
    if (rc) {
        sb_release(&sb);
        repo_index_free(idx);
        goto out;
    }
    struct pkg_err *werr = NULL;
    if (fs_write_atomic(s->index_path, sb.buf, sb.len, 0644, &werr) < 0) {
        /* A read-only repository is still served from memory. */
        repo_warnf(&s->o.warn, "cannot write %s: %s", s->index_path, werr->msg);
        pkg_err_free(werr);
    }
    snap_set(s, snap_new(sb.buf, sb.len, idx));
    sb_release(&sb);
    repo_index_free(s->prev);
    s->prev = idx;
out:
    pthread_mutex_unlock(&s->reindex_lock);
    return rc;
}

/* ---- HTTP helpers ------------------------------------------------------- */

static void
http_date(char *out, size_t n, time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mons[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             mons[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static time_t
parse_http_date(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end)
        return (time_t)-1;
    return timegm(&tm);
}

/* If-None-Match matching (weak comparison). */
static bool
etag_matches(const char *header, const char *etag)
{
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '*')
            return true;
        if (!strncmp(p, "W/", 2))
            p += 2;
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && p[n - 1] == ' ')
            n--;
        if (n == strlen(etag) && !strncmp(p, etag, n))
            return true;
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

/* Per-request state, from the first call of the handler to the
 * completion callback. */
struct req {
    uint64_t start_ns;
    int status;
    uint64_t bytes;
    char method[12];
    char *url;
    const char *version;
    bool upload;
    bool responded;
    /* upload */
    int fd;
    char *tmp;
    uint64_t size;
    bool too_large;
    bool io_error;
    struct MHD_PostProcessor *pp;
    bool multipart;
    int prov_fd;
    char *prov_tmp;
    struct repo_server *srv;
};

static uint64_t
mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static mhd_result
queue(struct MHD_Connection *c, struct req *r, int status, struct MHD_Response *resp,
      uint64_t bytes)
{
    r->status = status;
    r->bytes = bytes;
    r->responded = true;
    MHD_add_response_header(resp, "Server", "pkg");
    mhd_result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static mhd_result
send_text(struct MHD_Connection *c, struct req *r, int status, const char *type, const char *msg)
{
    size_t n = strlen(msg);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(n, (void *)msg, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(resp, "Content-Type", type);
    return queue(c, r, status, resp, n);
}

static mhd_result
send_error(struct MHD_Connection *c, struct req *r, int status, const char *msg)
{
    char buf[512];
    /* ChartMuseum's error shape. */
    snprintf(buf, sizeof(buf), "{\"error\":\"%s\"}\n", msg);
    return send_text(c, r, status, "application/json", buf);
}

static bool
auth_ok(struct repo_server *s, struct MHD_Connection *c)
{
    if (!s->o.username || !*s->o.username || !s->o.password)
        return true;
    char *pass = NULL;
    char *user = MHD_basic_auth_get_username_password(c, &pass);
    bool ok = false;
    if (user && pass) {
        /* Constant-time comparison of both parts. */
        size_t ul = strlen(s->o.username), pl = strlen(s->o.password);
        size_t gu = strlen(user), gp = strlen(pass);
        unsigned diff = (unsigned)(ul != gu) | (unsigned)(pl != gp);
        for (size_t i = 0; i < gu; i++)
            diff |= (unsigned char)user[i] ^ (unsigned char)s->o.username[i % (ul ? ul : 1)];
        for (size_t i = 0; i < gp; i++)
            diff |= (unsigned char)pass[i] ^ (unsigned char)s->o.password[i % (pl ? pl : 1)];
        ok = diff == 0;
    }
    MHD_free(user);
    MHD_free(pass);
    return ok;
}

static const char *
content_type(const char *path)
{
    size_t n = strlen(path);
    if (n >= 4 && !strcmp(path + n - 4, ".tgz"))
        return "application/gzip";
    if (n >= 5 && !strcmp(path + n - 5, ".prov"))
        return "application/pgp-signature";
    if (n >= 5 && !strcmp(path + n - 5, ".yaml"))
        return "application/x-yaml";
    if (n >= 5 && !strcmp(path + n - 5, ".json"))
        return "application/json";
    return "application/octet-stream";
}

/* Served files: archives, provenance files and the index. */
static bool
servable(const char *path)
{
    size_t n = strlen(path);
    return (n >= 4 && !strcmp(path + n - 4, ".tgz")) ||
           (n >= 5 && !strcmp(path + n - 5, ".prov")) || !strcmp(path, "index.yaml");
}

/* A request path confined to the root: no "..", no hidden segments, no NUL
 * or backslash. Returns the relative path (heap) or NULL. */
static char *
confine(const char *url)
{
    if (url[0] != '/')
        return NULL;
    const char *p = url + 1;
    if (!*p)
        return NULL;
    for (const char *q = p; *q; q++)
        if (*q == '\\' || (unsigned char)*q < 0x20)
            return NULL;
    /* Every segment must be a plain name. */
    const char *seg = p;
    for (;;) {
        const char *e = strchr(seg, '/');
        size_t n = e ? (size_t)(e - seg) : strlen(seg);
        if (n == 0 || seg[0] == '.')
            return NULL;
        if (!e)
            break;
        seg = e + 1;
    }
    return xstrdup(p);
}

/* Parses a single "bytes=" range against size. 0: no usable range (serve
 * all), 1: range set, -1: unsatisfiable. */
static int
parse_range(const char *h, uint64_t size, uint64_t *start, uint64_t *len)
{
    if (strncmp(h, "bytes=", 6) || strchr(h, ','))
        return 0;
    const char *p = h + 6;
    char *end;
    if (*p == '-') {
        unsigned long long suffix = strtoull(p + 1, &end, 10);
        if (end == p + 1 || *end)
            return 0;
        if (suffix == 0)
            return -1;
        if (suffix > size)
            suffix = size;
        *start = size - suffix;
        *len = suffix;
        return size ? 1 : -1;
    }
    unsigned long long a = strtoull(p, &end, 10);
    if (end == p || *end != '-')
        return 0;
    const char *q = end + 1;
    unsigned long long b;
    if (!*q) {
        b = size ? size - 1 : 0;
    } else {
        b = strtoull(q, &end, 10);
        if (end == q || *end)
            return 0;
        if (b < a)
            return 0;
        if (b >= size)
            b = size - 1;
    }
    if (a >= size)
        return -1;
    *start = a;
    *len = b - a + 1;
    return 1;
}

static mhd_result
serve_index(struct repo_server *s, struct MHD_Connection *c, struct req *r)
{
    struct snapshot *sn = snap_get(s);
    if (!sn)
        return send_error(c, r, 503, "index not ready");
    char lm[64];
    http_date(lm, sizeof(lm), sn->mtime);
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    const char *ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Modified-Since");
    bool not_modified = false;
    if (inm)
        not_modified = etag_matches(inm, sn->etag);
    else if (ims) {
        time_t t = parse_http_date(ims);
        not_modified = t != (time_t)-1 && sn->mtime <= t;
    }
    struct MHD_Response *resp;
    int status = 200;
    uint64_t bytes = 0;
    if (not_modified) {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        status = 304;
    } else {
        /* The snapshot's buffer lives until the response is destroyed. */
        atomic_fetch_add(&sn->refs, 1);
        resp = MHD_create_response_from_buffer_with_free_callback_cls(sn->len, sn->buf, snap_unref,
                                                                      sn);
        MHD_add_response_header(resp, "Content-Type", "application/x-yaml");
        bytes = sn->len;
    }
    MHD_add_response_header(resp, "ETag", sn->etag);
    MHD_add_response_header(resp, "Last-Modified", lm);
    snap_unref(sn);
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    return queue(c, r, status, resp, bytes);
}

static mhd_result
serve_file(struct repo_server *s, struct MHD_Connection *c, struct req *r, const char *rel)
{
    char *path = xasprintf("%s/%s", s->root, rel);
    char real[PATH_MAX];
    int fd = -1;
    mhd_result ret;
    if (!realpath(path, real)) {
        ret = send_error(c, r, 404, "not found");
        goto out;
    }
    size_t rl = strlen(s->root_real);
    if (strncmp(real, s->root_real, rl) || real[rl] != '/') {
        ret = send_error(c, r, 403, "path escapes the repository");
        goto out;
    }
    fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        ret = send_error(c, r, 404, "not found");
        goto out;
    }
    char etag[96], lm[64];
    snprintf(etag, sizeof(etag), "\"%llx-%llx-%llx\"", (unsigned long long)st.st_ino,
             (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
                 (unsigned long long)st.st_mtim.tv_nsec);
    http_date(lm, sizeof(lm), st.st_mtim.tv_sec);
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    const char *ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Modified-Since");
    bool not_modified = false;
    if (inm)
        not_modified = etag_matches(inm, etag);
    else if (ims) {
        time_t t = parse_http_date(ims);
        not_modified = t != (time_t)-1 && st.st_mtim.tv_sec <= t;
    }
    struct MHD_Response *resp;
    if (not_modified) {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(resp, "ETag", etag);
        MHD_add_response_header(resp, "Last-Modified", lm);
        ret = queue(c, r, 304, resp, 0);
        goto out;
    }
    uint64_t size = (uint64_t)st.st_size, start = 0, len = size;
    int status = 200;
    const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
    const char *if_range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Range");
    if (range && (!if_range || !strcmp(if_range, etag) || !strcmp(if_range, lm))) {
        int pr = parse_range(range, size, &start, &len);
        if (pr < 0) {
            char cr[64];
            snprintf(cr, sizeof(cr), "bytes */%llu", (unsigned long long)size);
            resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
            MHD_add_response_header(resp, "Content-Range", cr);
            ret = queue(c, r, 416, resp, 0);
            goto out;
        }
        if (pr > 0)
            status = 206;
        else {
            start = 0;
            len = size;
        }
    }
    /* The fd belongs to the response from here on (MHD closes it). */
    resp = MHD_create_response_from_fd_at_offset64(len, fd, start);
    if (!resp) {
        ret = send_error(c, r, 500, "cannot create response");
        goto out;
    }
    fd = -1;
    MHD_add_response_header(resp, "Content-Type", content_type(rel));
    MHD_add_response_header(resp, "ETag", etag);
    MHD_add_response_header(resp, "Last-Modified", lm);
    MHD_add_response_header(resp, "Accept-Ranges", "bytes");
    if (status == 206) {
        char cr[96];
        snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu", (unsigned long long)start,
                 (unsigned long long)(start + len - 1), (unsigned long long)size);
        MHD_add_response_header(resp, "Content-Range", cr);
    }
    ret = queue(c, r, status, resp, len);
out:
    if (fd >= 0)
        close(fd);
    free(path);
    return ret;
}

static mhd_result
serve_health(struct repo_server *s, struct MHD_Connection *c, struct req *r)
{
    struct snapshot *sn = snap_get(s);
    char buf[512];
    snprintf(buf, sizeof(buf),
             "{\"status\":\"%s\",\"charts\":%zu,\"versions\":%zu,\"generated\":\"%s\","
             "\"requests\":%llu}\n",
             sn ? "ok" : "starting", sn ? sn->charts : 0, sn ? sn->versions : 0,
             sn ? sn->generated : "", (unsigned long long)atomic_load(&s->requests));
    snap_unref(sn);
    return send_text(c, r, 200, "application/json", buf);
}

/* ---- uploads ------------------------------------------------------------ */

static int
upload_open(struct repo_server *s, int *fd, char **tmp)
{
    *tmp = xasprintf("%s/.upload-XXXXXX", s->root);
    *fd = mkostemp(*tmp, O_CLOEXEC);
    if (*fd < 0) {
        free(*tmp);
        *tmp = NULL;
        return -1;
    }
    return 0;
}

static void
upload_write(struct repo_server *s, struct req *r, int fd, const char *data, size_t n)
{
    size_t max = s->o.max_upload ? s->o.max_upload : REPO_MAX_CHART_BYTES;
    if (r->too_large || r->io_error)
        return;
    if (r->size + n > max) {
        r->too_large = true;
        return;
    }
    r->size += n;
    while (n) {
        ssize_t w = write(fd, data, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            r->io_error = true;
            return;
        }
        data += w;
        n -= (size_t)w;
    }
}

static mhd_result
post_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
          const char *ctype, const char *enc, const char *data, uint64_t off, size_t size)
{
    (void)kind;
    (void)filename;
    (void)ctype;
    (void)enc;
    (void)off;
    struct req *r = cls;
    struct repo_server *s = r->srv;
    if (!strcmp(key, "chart")) {
        if (r->fd < 0 && upload_open(s, &r->fd, &r->tmp) < 0) {
            r->io_error = true;
            return MHD_NO;
        }
        upload_write(s, r, r->fd, data, size);
    } else if (!strcmp(key, "prov")) {
        if (r->prov_fd < 0 && upload_open(s, &r->prov_fd, &r->prov_tmp) < 0) {
            r->io_error = true;
            return MHD_NO;
        }
        upload_write(s, r, r->prov_fd, data, size);
    }
    return r->too_large || r->io_error ? MHD_NO : MHD_YES;
}

static void
upload_cleanup(struct req *r)
{
    if (r->fd >= 0)
        close(r->fd);
    if (r->prov_fd >= 0)
        close(r->prov_fd);
    r->fd = r->prov_fd = -1;
    if (r->tmp)
        unlink(r->tmp);
    if (r->prov_tmp)
        unlink(r->prov_tmp);
    free(r->tmp);
    free(r->prov_tmp);
    r->tmp = r->prov_tmp = NULL;
    if (r->pp)
        MHD_destroy_post_processor(r->pp);
    r->pp = NULL;
}

/* PUT /api/charts/NAME.tgz.prov: a provenance file for an archive that is
 * already there. */
static mhd_result
upload_prov_finish(struct repo_server *s, struct MHD_Connection *c, struct req *r)
{
    const char *name = r->url + 12; /* after "/api/charts/" */
    char *rel = confine(r->url + 11);
    if (!rel || strchr(rel, '/')) {
        free(rel);
        return send_error(c, r, 400, "bad provenance file name");
    }
    free(rel);
    char *dest = xasprintf("%s/%s", s->root, name);
    char *chart = xstrndup(dest, strlen(dest) - 5);
    mhd_result ret;
    struct sb head = SB_INIT;
    struct pkg_err *err = NULL;
    if (!fs_exists(chart)) {
        ret = send_error(c, r, 404, "no such chart archive");
    } else if (sb_read_file(&head, r->tmp, 1 << 20, &err) < 0 ||
               !strstr(head.buf, "-----BEGIN PGP SIGNED MESSAGE-----")) {
        pkg_err_free(err);
        ret = send_error(c, r, 400, "not a provenance file");
    } else if (!MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "force") && fs_exists(dest)) {
        ret = send_error(c, r, 409, "file already exists");
    } else if (chmod(r->tmp, 0644) < 0 || rename(r->tmp, dest) < 0) {
        ret = send_error(c, r, 500, "cannot store the provenance file");
    } else {
        free(r->tmp);
        r->tmp = NULL;
        ret = send_text(c, r, 201, "application/json", "{\"saved\":true}\n");
    }
    sb_release(&head);
    free(chart);
    free(dest);
    return ret;
}

static mhd_result
upload_finish(struct repo_server *s, struct MHD_Connection *c, struct req *r)
{
    if (r->too_large)
        return send_error(c, r, 413, "chart too large");
    if (r->io_error || r->fd < 0)
        return send_error(c, r, r->io_error ? 500 : 400,
                          r->io_error ? "cannot store the upload" : "no chart in the request");
    fsync(r->fd);
    size_t ul = strlen(r->url);
    if (!r->multipart && ul > 17 && !strcmp(r->url + ul - 5, ".prov"))
        return upload_prov_finish(s, c, r);
    struct arena *a = arena_new();
    struct val *md;
    struct pkg_err *err = NULL;
    mhd_result ret;
    if (repo_archive_metadata(&md, a, r->tmp, &err) < 0) {
        char msg[300];
        /* The message names the temporary file; keep only the reason. */
        const char *why = strrchr(err->msg, ':');
        snprintf(msg, sizeof(msg), "not a valid chart archive%s", why ? why : "");
        for (char *p = msg; *p; p++)
            if (*p == '"' || *p == '\\')
                *p = '\'';
        pkg_err_free(err);
        ret = send_error(c, r, 400, msg);
        goto out;
    }
    const char *name = val_cstr(val_map_getz(md, "name"));
    const char *version = val_cstr(val_map_getz(md, "version"));
    char *fname = xasprintf("%s-%s.tgz", name, version);
    char *dest = xasprintf("%s/%s", s->root, fname);
    bool force = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "force") != NULL;
    if (!force && fs_exists(dest)) {
        ret = send_error(c, r, 409, "file already exists");
    } else if (chmod(r->tmp, 0644) < 0 || rename(r->tmp, dest) < 0) {
        ret = send_error(c, r, 500, "cannot store the chart");
    } else {
        free(r->tmp);
        r->tmp = NULL;
        if (r->prov_tmp) {
            char *pdest = xasprintf("%s.prov", dest);
            if (chmod(r->prov_tmp, 0644) == 0 && rename(r->prov_tmp, pdest) == 0) {
                free(r->prov_tmp);
                r->prov_tmp = NULL;
            }
            free(pdest);
        }
        struct pkg_err *ierr = NULL;
        if (repo_server_reindex(s, &ierr) < 0) {
            repo_warnf(&s->o.warn, "re-index after upload: %s", ierr->msg);
            pkg_err_free(ierr);
        }
        ret = send_text(c, r, 201, "application/json", "{\"saved\":true}\n");
    }
    free(dest);
    free(fname);
out:
    arena_free(a);
    return ret;
}

/* ---- the handler -------------------------------------------------------- */

static mhd_result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
        const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    struct repo_server *s = cls;
    struct req *r = *con_cls;
    if (!r) {
        r = xcalloc(1, sizeof(*r));
        r->start_ns = mono_ns();
        snprintf(r->method, sizeof(r->method), "%s", method);
        r->url = xstrdup(url);
        r->version = version;
        r->fd = r->prov_fd = -1;
        r->srv = s;
        *con_cls = r;
        atomic_fetch_add(&s->requests, 1);
        bool is_get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
        bool upload_path = !strcmp(url, "/api/charts") || !strncmp(url, "/api/charts/", 12);
        if (!strcmp(url, "/healthz") && is_get)
            return serve_health(s, c, r);
        if (!auth_ok(s, c)) {
            struct MHD_Response *resp = MHD_create_response_from_buffer(
                13, (void *)"Unauthorized\n", MHD_RESPMEM_PERSISTENT);
            r->status = 401;
            r->bytes = 13;
            r->responded = true;
            mhd_result ret = MHD_queue_basic_auth_fail_response(c, "pkg chart repository", resp);
            MHD_destroy_response(resp);
            return ret;
        }
        if (upload_path && s->o.allow_upload &&
            ((!strcmp(method, "POST") && !strcmp(url, "/api/charts")) ||
             (!strcmp(method, "PUT") && strlen(url) > 12))) {
            r->upload = true;
            const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
            if (!strcmp(method, "POST") && ct && !strncasecmp(ct, "multipart/form-data", 19)) {
                r->multipart = true;
                r->pp = MHD_create_post_processor(c, 64 * 1024, post_iter, r);
                if (!r->pp)
                    return send_error(c, r, 400, "bad multipart request");
            }
            const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
            size_t max = s->o.max_upload ? s->o.max_upload : REPO_MAX_CHART_BYTES;
            if (cl && strtoull(cl, NULL, 10) > (unsigned long long)max + 65536)
                return send_error(c, r, 413, "chart too large");
            return MHD_YES;
        }
        if (upload_path && (strcmp(method, "GET") && strcmp(method, "HEAD")))
            return send_error(c, r, s->o.allow_upload ? 405 : 403,
                              s->o.allow_upload ? "method not allowed" : "uploads are disabled");
        if (!is_get)
            return send_error(c, r, 405, "method not allowed");
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > 0)
            return send_error(c, r, 413, "request body not allowed");
        if (!strcmp(url, "/index.yaml"))
            return serve_index(s, c, r);
        char *rel = confine(url);
        if (!rel)
            return send_error(c, r, strstr(url, "..") ? 403 : 404,
                              strstr(url, "..") ? "path escapes the repository" : "not found");
        mhd_result ret =
            servable(rel) ? serve_file(s, c, r, rel) : send_error(c, r, 404, "not found");
        free(rel);
        return ret;
    }
    if (r->responded) {
        /* A body after the answer (refused early): close the connection
         * rather than read an unbounded stream. */
        return MHD_NO;
    }
    if (r->upload) {
        if (*upload_size) {
            if (r->multipart) {
                if (MHD_post_process(r->pp, upload_data, *upload_size) != MHD_YES &&
                    !r->too_large && !r->io_error)
                    r->io_error = true;
            } else {
                if (r->fd < 0 && upload_open(s, &r->fd, &r->tmp) < 0)
                    r->io_error = true;
                else
                    upload_write(s, r, r->fd, upload_data, *upload_size);
            }
            *upload_size = 0;
            if (r->too_large || r->io_error) {
                /* Answer now; the rest of the body is not read. */
                mhd_result ret = r->too_large ? send_error(c, r, 413, "chart too large")
                                              : send_error(c, r, 500, "cannot store the upload");
                upload_cleanup(r);
                return ret;
            }
            return MHD_YES;
        }
        mhd_result ret = upload_finish(s, c, r);
        upload_cleanup(r);
        return ret;
    }
    *upload_size = 0;
    return MHD_YES;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode tc)
{
    struct repo_server *s = cls;
    struct req *r = *con_cls;
    if (!r)
        return;
    upload_cleanup(r);
    if (s->o.log) {
        char addr[INET6_ADDRSTRLEN] = "-";
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr) {
            const struct sockaddr *sa = ci->client_addr;
            if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, addr,
                          sizeof(addr));
            else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                          addr, sizeof(addr));
        }
        char when[64];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
        double ms = (double)(mono_ns() - r->start_ns) / 1e6;
        char line[1024];
        snprintf(line, sizeof(line), "%s - - [%s] \"%s %s %s\" %d %llu %.3fms%s", addr, when,
                 r->method, r->url, r->version ? r->version : "HTTP/1.1",
                 r->status ? r->status : 500, (unsigned long long)r->bytes, ms,
                 tc == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
        s->o.log(s->o.log_payload, line);
    }
    free(r->url);
    free(r);
    *con_cls = NULL;
}

/* ---- lifecycle ---------------------------------------------------------- */

static int
parse_addr(struct sockaddr_storage *ss, socklen_t *len, const char *addr, struct pkg_err **errp)
{
    memset(ss, 0, sizeof(*ss));
    char host[256];
    const char *port;
    if (addr[0] == '[') {
        const char *e = strchr(addr, ']');
        if (!e || e[1] != ':' || (size_t)(e - addr - 1) >= sizeof(host))
            return pkg_err_set(errp, PKG_EUSAGE, "invalid address \"%s\"", addr);
        memcpy(host, addr + 1, (size_t)(e - addr - 1));
        host[e - addr - 1] = 0;
        port = e + 2;
    } else {
        const char *colon = strrchr(addr, ':');
        if (!colon || (size_t)(colon - addr) >= sizeof(host))
            return pkg_err_set(errp, PKG_EUSAGE, "invalid address \"%s\": want HOST:PORT", addr);
        memcpy(host, addr, (size_t)(colon - addr));
        host[colon - addr] = 0;
        port = colon + 1;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 0 || p > 65535)
        return pkg_err_set(errp, PKG_EUSAGE, "invalid port in \"%s\"", addr);
    if (!*host)
        strcpy(host, "0.0.0.0");
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)p);
        *len = sizeof(*in4);
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)p);
        *len = sizeof(*in6);
    } else if (!strcmp(host, "localhost")) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)p);
        in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        *len = sizeof(*in4);
    } else {
        return pkg_err_set(errp, PKG_EUSAGE, "invalid address \"%s\": not an IP address", addr);
    }
    return 0;
}

static void
add_watches(struct repo_server *s)
{
    uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE |
                    IN_ATTRIB | IN_ONLYDIR;
    inotify_add_watch(s->inotify_fd, s->root, mask);
    DIR *d = opendir(s->root);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char *p = xasprintf("%s/%s", s->root, de->d_name);
        if (fs_is_dir(p))
            inotify_add_watch(s->inotify_fd, p, mask);
        free(p);
    }
    closedir(d);
}

static void
server_free(struct repo_server *s)
{
    if (!s)
        return;
    if (s->d)
        MHD_stop_daemon(s->d);
    if (s->inotify_fd >= 0)
        close(s->inotify_fd);
    snap_unref(s->snap);
    repo_index_free(s->prev);
    repo_scan_cache_free(s->cache);
    pthread_mutex_destroy(&s->snap_lock);
    pthread_mutex_destroy(&s->reindex_lock);
    free(s->root);
    free(s->root_real);
    free(s->index_path);
    free(s->tls_key);
    free(s->tls_cert);
    free(s);
}

int
repo_server_start(struct repo_server **out, const struct repo_server_opts *o, struct pkg_err **errp)
{
    *out = NULL;
    struct repo_server *s = xcalloc(1, sizeof(*s));
    s->o = *o;
    s->inotify_fd = -1;
    pthread_mutex_init(&s->snap_lock, NULL);
    pthread_mutex_init(&s->reindex_lock, NULL);
    s->root = xstrdup(o->dir);
    s->index_path = xasprintf("%s/index.yaml", o->dir);
    struct sockaddr_storage ss;
    socklen_t sl;
    int rc = parse_addr(&ss, &sl, o->addr ? o->addr : "127.0.0.1:8879", errp);
    if (rc)
        goto fail;
    if (!fs_is_dir(o->dir)) {
        rc = pkg_err_set(errp, PKG_ENOENT, "%s: no such directory", o->dir);
        goto fail;
    }
    char real[PATH_MAX];
    if (!realpath(o->dir, real)) {
        rc = pkg_err_sys(errp, "realpath %s", o->dir);
        goto fail;
    }
    s->root_real = xstrdup(real);
    /* Start from the index on disk so that `created` survives restarts. */
    if (fs_exists(s->index_path)) {
        struct pkg_err *lerr = NULL;
        if (repo_index_load_file(&s->prev, s->index_path, 0, NULL, &lerr) < 0) {
            repo_warnf(&o->warn, "ignoring the existing %s: %s", s->index_path, lerr->msg);
            pkg_err_free(lerr);
            s->prev = NULL;
        }
    }
    rc = repo_server_reindex(s, errp);
    if (rc)
        goto fail;
    if (!s->snap) {
        /* Nothing changed against the index on disk: serve its bytes. */
        struct sb sb = SB_INIT;
        rc = sb_read_file(&sb, s->index_path, 0, errp);
        if (rc) {
            sb_release(&sb);
            goto fail;
        }
        snap_set(s, snap_new(sb.buf, sb.len, s->prev));
        sb_release(&sb);
    }
    if (o->watch) {
        s->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (s->inotify_fd < 0) {
            rc = pkg_err_sys(errp, "inotify_init1");
            goto fail;
        }
        add_watches(s);
    }
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (o->tls_cert && o->tls_key) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            rc = pkg_err_set(errp, PKG_ENOTSUP, "libmicrohttpd was built without TLS support");
            goto fail;
        }
        struct sb k = SB_INIT, c = SB_INIT;
        rc = sb_read_file(&k, o->tls_key, 1 << 20, errp);
        if (rc == 0)
            rc = sb_read_file(&c, o->tls_cert, 1 << 20, errp);
        s->tls_key = sb_detach(&k, NULL);
        s->tls_cert = sb_detach(&c, NULL);
        if (rc)
            goto fail;
        flags |= MHD_USE_TLS;
    }
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem opts[16];
    int n = 0;
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &ss};
    opts[n++] =
        (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, o->threads ? o->threads : 4, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
                                        o->max_connections ? o->max_connections : 256, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
                                        o->timeout_secs ? o->timeout_secs : 30, NULL};
    /* Bounds the request line and headers of one connection. */
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, s};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_BACKLOG_SIZE, 512, NULL};
    if (s->tls_key) {
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key};
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert};
    }
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    uint16_t port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                             : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    s->d = MHD_start_daemon(flags, port, NULL, NULL, handler, s, MHD_OPTION_ARRAY, opts,
                            MHD_OPTION_END);
    if (!s->d) {
        rc = pkg_err_set(errp, PKG_EIO, "cannot listen on %s (address in use, or bad TLS files)",
                         o->addr ? o->addr : "127.0.0.1:8879");
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : port;
    *out = s;
    return 0;
fail:
    server_free(s);
    return rc;
}

unsigned
repo_server_port(const struct repo_server *s)
{
    return s->port;
}

/* Drains inotify events; true when one concerns a chart file or a folder
 * (not index.yaml, not our temporary files). */
static bool
drain_events(struct repo_server *s)
{
    bool relevant = false;
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(s->inotify_fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)(void *)p;
            if (ev->len && ev->name[0] != '.' && strcmp(ev->name, "index.yaml"))
                relevant = true;
            if ((ev->mask & IN_CREATE) && (ev->mask & IN_ISDIR))
                add_watches(s);
            p += sizeof(*ev) + ev->len;
        }
    }
    return relevant;
}

int
repo_server_run(struct repo_server *s, volatile int *stop, volatile int *hup, struct pkg_err **errp)
{
    (void)errp;
    bool pending = false;
    uint64_t pending_since = 0;
    while (!*stop) {
        struct pollfd pfd = {.fd = s->inotify_fd, .events = POLLIN};
        int pr = poll(s->inotify_fd >= 0 ? &pfd : NULL, s->inotify_fd >= 0 ? 1 : 0, 100);
        if (pr > 0 && drain_events(s)) {
            pending = true;
            pending_since = mono_ns();
        }
        bool now = false;
        if (*hup) {
            *hup = 0;
            now = true;
        }
        /* Debounce: let a copy finish before indexing it. */
        if (pending && mono_ns() - pending_since > 300000000ull)
            now = true;
        if (now) {
            pending = false;
            struct pkg_err *err = NULL;
            if (repo_server_reindex(s, &err) < 0) {
                repo_warnf(&s->o.warn, "re-index failed: %s", err->msg);
                pkg_err_free(err);
            } else if (s->o.log) {
                struct snapshot *sn = snap_get(s);
                char line[160];
                snprintf(line, sizeof(line), "re-indexed: %zu charts, %zu versions",
                         sn ? sn->charts : 0, sn ? sn->versions : 0);
                snap_unref(sn);
                s->o.log(s->o.log_payload, line);
            }
        }
    }
    return 0;
}

void
repo_server_stop(struct repo_server *s)
{
    server_free(s);
}
