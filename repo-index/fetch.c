/* The HTTP client (libcurl): GETs of indexes and archives with Helm's
 * credential rules (sent to the repository's host only unless
 * pass_credentials_all), TLS options, conditional requests, bounded bodies,
 * stall and connect timeouts so that a hanging server cannot hang pkg, a
 * progress bar on a terminal, and uploads for `pkg push`. */
#include "repo-index/repo.h"

#include "core/xalloc.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void
repo_fetch_result_release(struct repo_fetch_result *r)
{
    if (!r)
        return;
    free(r->etag);
    free(r->last_modified);
    free(r->content_type);
    memset(r, 0, sizeof(*r));
}

void
repo_fetch_opts_from_cfg(struct repo_fetch_opts *o, const struct repo_entry_cfg *e)
{
    memset(o, 0, sizeof(*o));
    o->username = e->username;
    o->password = e->password;
    o->pass_credentials_all = e->pass_credentials_all;
    o->auth_url = e->url;
    o->ca_file = e->ca_file;
    o->cert_file = e->cert_file;
    o->key_file = e->key_file;
    o->insecure_skip_tls_verify = e->insecure_skip_tls_verify;
}

static long
env_ms(const char *name, long def)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return def;
    char *end;
    long v = strtol(s, &end, 10);
    return *end || v <= 0 ? def : v;
}

static uint64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Per-transfer state shared by the callbacks. */
struct xfer {
    /* body */
    struct sb *body;
    int fd;
    EVP_MD_CTX *md;
    size_t max_bytes;
    bool over_limit;
    bool write_failed;
    uint64_t bytes;
    /* headers of the last response */
    long status;
    char status_text[128];
    char *etag, *last_modified, *content_type;
    /* stall detection and progress */
    long stall_ms;
    uint64_t last_progress_ms;
    curl_off_t last_now;
    bool stalled;
    bool progress;
    const char *label;
    uint64_t last_draw_ms;
    bool drawn;
};

static char *
header_value(const char *line, size_t n, const char *name)
{
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(line, name, nl) || line[nl] != ':')
        return NULL;
    const char *v = line + nl + 1;
    const char *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    return xstrndup(v, (size_t)(end - v));
}

static size_t
on_header(char *buf, size_t size, size_t n, void *p)
{
    struct xfer *x = p;
    size_t len = size * n;
    if (len >= 5 && !strncmp(buf, "HTTP/", 5)) {
        /* A new response (redirects, 100 Continue): reset. */
        free(x->etag);
        free(x->last_modified);
        free(x->content_type);
        x->etag = x->last_modified = x->content_type = NULL;
        const char *sp = memchr(buf, ' ', len);
        x->status_text[0] = 0;
        if (sp) {
            size_t tl = len - (size_t)(sp + 1 - buf);
            while (tl && (sp[tl] == '\r' || sp[tl] == '\n'))
                tl--;
            if (tl >= sizeof(x->status_text))
                tl = sizeof(x->status_text) - 1;
            memcpy(x->status_text, sp + 1, tl);
            x->status_text[tl] = 0;
            char *cr = strpbrk(x->status_text, "\r\n");
            if (cr)
                *cr = 0;
        }
        return len;
    }
    char *v;
    if ((v = header_value(buf, len, "ETag"))) {
        free(x->etag);
        x->etag = v;
    } else if ((v = header_value(buf, len, "Last-Modified"))) {
        free(x->last_modified);
        x->last_modified = v;
    } else if ((v = header_value(buf, len, "Content-Type"))) {
        free(x->content_type);
        x->content_type = v;
    }
    return len;
}

static size_t
on_body(char *buf, size_t size, size_t n, void *p)
{
    struct xfer *x = p;
    size_t len = size * n;
    if (x->max_bytes && x->bytes + len > x->max_bytes) {
        x->over_limit = true;
        return 0;
    }
    x->bytes += len;
    if (x->body) {
        sb_add(x->body, buf, len);
    } else if (x->fd >= 0) {
        size_t off = 0;
        while (off < len) {
            ssize_t w = write(x->fd, buf + off, len - off);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                x->write_failed = true;
                return 0;
            }
            off += (size_t)w;
        }
    }
    if (x->md)
        EVP_DigestUpdate(x->md, buf, len);
    return len;
}

static void
human(char *out, size_t n, double b)
{
    const char *u[] = {"B", "KiB", "MiB", "GiB"};
    int i = 0;
    while (b >= 1024 && i < 3) {
        b /= 1024;
        i++;
    }
    snprintf(out, n, i ? "%.1f %s" : "%.0f %s", b, u[i]);
}

static void
draw(struct xfer *x, curl_off_t now, curl_off_t total, bool final)
{
    char a[32], b[32];
    human(a, sizeof(a), (double)now);
    if (total > 0) {
        int pct = (int)(now * 100 / total);
        int fill = pct / 5;
        char bar[21];
        for (int i = 0; i < 20; i++)
            bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
        bar[20] = 0;
        human(b, sizeof(b), (double)total);
        fprintf(stderr, "\r%s [%s] %3d%% %s/%s", x->label ? x->label : "", bar, pct, a, b);
    } else {
        fprintf(stderr, "\r%s %s", x->label ? x->label : "", a);
    }
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
    x->drawn = true;
}

static int
on_progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    struct xfer *x = p;
    uint64_t t = now_ms();
    curl_off_t now = dlnow + ulnow;
    if (now != x->last_now || !x->last_progress_ms) {
        x->last_now = now;
        x->last_progress_ms = t;
    } else if (x->stall_ms && t - x->last_progress_ms > (uint64_t)x->stall_ms) {
        x->stalled = true;
        return 1;
    }
    if (x->progress && t - x->last_draw_ms >= 100) {
        x->last_draw_ms = t;
        draw(x, now, dltotal ? dltotal : ultotal, false);
    }
    return 0;
}

/* Host part of a URL for the credential rule ("scheme://host:port"). */
static char *
url_origin(const char *url)
{
    CURLU *h = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
    if (curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        curl_url_get(h, CURLUPART_PORT, &port, 0);
        out = xasprintf("%s://%s:%s", scheme, host, port ? port : "");
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(h);
    return out;
}

static int
scheme_ok(const char *url, struct pkg_err **errp)
{
    if (!strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8))
        return 0;
    const char *colon = strstr(url, "://");
    if (!colon)
        return pkg_err_set(errp, PKG_EINVAL, "invalid URL \"%s\": no scheme", url);
    return pkg_err_set(errp, PKG_ENOTSUP, "could not find protocol handler for: %.*s",
                       (int)(colon - url), url);
}

/* Sets the common options; headers list returned for cleanup. */
static struct curl_slist *
setup(CURL *c, const char *url, const struct repo_fetch_opts *o, struct xfer *x)
{
    struct curl_slist *hdrs = NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(c, CURLOPT_USERAGENT, "pkg (helm-compatible)");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     o->connect_timeout_ms ? o->connect_timeout_ms
                                           : env_ms("PKG_REPO_CONNECT_TIMEOUT_MS", 10000));
    if (o->total_timeout_ms)
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->total_timeout_ms);
    x->stall_ms =
        env_ms("PKG_REPO_STALL_TIMEOUT_MS", (o->low_speed_secs ? o->low_speed_secs : 30) * 1000);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    /* Helm disables compression so that digests are of the bytes served. */
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, NULL);
    if (o->max_bytes)
        curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
    if (o->ca_file && *o->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
    if (o->cert_file && *o->cert_file)
        curl_easy_setopt(c, CURLOPT_SSLCERT, o->cert_file);
    if (o->key_file && *o->key_file)
        curl_easy_setopt(c, CURLOPT_SSLKEY, o->key_file);
    if (o->insecure_skip_tls_verify) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (o->username && *o->username && o->password && *o->password) {
        bool send = o->pass_credentials_all || !o->auth_url;
        if (!send) {
            char *a = url_origin(o->auth_url), *b = url_origin(url);
            send = a && b && !strcasecmp(a, b);
            free(a);
            free(b);
        }
        if (send) {
            curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
            curl_easy_setopt(c, CURLOPT_USERNAME, o->username);
            curl_easy_setopt(c, CURLOPT_PASSWORD, o->password);
            if (o->pass_credentials_all)
                curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 1L);
        }
    }
    char *h;
    if (o->accept) {
        h = xasprintf("Accept: %s", o->accept);
        hdrs = curl_slist_append(hdrs, h);
        free(h);
    }
    if (o->if_none_match && *o->if_none_match) {
        h = xasprintf("If-None-Match: %s", o->if_none_match);
        hdrs = curl_slist_append(hdrs, h);
        free(h);
    }
    if (o->if_modified_since && *o->if_modified_since) {
        h = xasprintf("If-Modified-Since: %s", o->if_modified_since);
        hdrs = curl_slist_append(hdrs, h);
        free(h);
    }
    if (hdrs)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    x->progress = o->progress;
    x->label = o->label;
    return hdrs;
}

/* Turns the transfer's outcome into a code and message. */
static int
finish(CURL *c, CURLcode cc, struct xfer *x, const char *url, struct repo_fetch_result *res,
       bool accept_304, struct pkg_err **errp)
{
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    x->status = status;
    if (x->progress && x->drawn) {
        if (cc == CURLE_OK && status == 200)
            draw(x, (curl_off_t)x->bytes, (curl_off_t)x->bytes, true); /* the final 100% */
        else
            fputc('\n', stderr);
    }
    if (res) {
        res->status = status;
        res->etag = x->etag;
        res->last_modified = x->last_modified;
        res->content_type = x->content_type;
        res->body_bytes = x->bytes;
        x->etag = x->last_modified = x->content_type = NULL;
    }
    if (x->over_limit || cc == CURLE_FILESIZE_EXCEEDED)
        return pkg_err_set(errp, PKG_ELIMIT, "%s: response larger than the limit of %zu bytes", url,
                           x->max_bytes);
    if (x->stalled)
        return pkg_err_set(errp, PKG_ETIMEOUT,
                           "%s: timed out: no data received for %ld ms (server not responding)",
                           url, x->stall_ms);
    if (x->write_failed)
        return pkg_err_set(errp, PKG_EIO, "%s: writing the download failed: %s", url,
                           strerror(errno));
    if (cc == CURLE_OPERATION_TIMEDOUT)
        return pkg_err_set(errp, PKG_ETIMEOUT, "%s: timed out: %s", url, curl_easy_strerror(cc));
    if (cc != CURLE_OK)
        return pkg_err_set(errp, PKG_ENET, "%s: %s", url, curl_easy_strerror(cc));
    if (status == 304 && accept_304) {
        if (res)
            res->not_modified = true;
        return 0;
    }
    if (status == 401 || status == 403)
        return pkg_err_set(errp, PKG_EPERM, "failed to fetch %s : %s", url,
                           x->status_text[0] ? x->status_text : "unauthorized");
    if (status != 200)
        return pkg_err_set(errp, PKG_ENET, "failed to fetch %s : %s", url,
                           x->status_text[0] ? x->status_text : "unexpected status");
    return 0;
}

static void
xfer_release(struct xfer *x)
{
    free(x->etag);
    free(x->last_modified);
    free(x->content_type);
    if (x->md)
        EVP_MD_CTX_free(x->md);
}

int
repo_fetch(struct sb *body, struct repo_fetch_result *res, const char *url,
           const struct repo_fetch_opts *o, struct pkg_err **errp)
{
    if (res)
        memset(res, 0, sizeof(*res));
    int rc = scheme_ok(url, errp);
    if (rc)
        return rc;
    pthread_once(&curl_once, curl_init_once);
    struct xfer x = {.body = body, .fd = -1, .max_bytes = o->max_bytes};
    CURL *c = curl_easy_init();
    if (!c)
        return pkg_err_set(errp, PKG_EIO, "curl_easy_init failed");
    struct curl_slist *h = setup(c, url, o, &x);
    CURLcode cc = curl_easy_perform(c);
    bool conditional =
        (o->if_none_match && *o->if_none_match) || (o->if_modified_since && *o->if_modified_since);
    rc = finish(c, cc, &x, url, res, conditional, errp);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    xfer_release(&x);
    return rc;
}

static char *
dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

int
repo_fetch_file(struct repo_fetch_result *res, const char *url, const char *dest_path,
                const char *sha256_hex, const struct repo_fetch_opts *o, struct pkg_err **errp)
{
    if (res)
        memset(res, 0, sizeof(*res));
    int rc = scheme_ok(url, errp);
    if (rc)
        return rc;
    pthread_once(&curl_once, curl_init_once);
    char *dir = dir_of(dest_path);
    char *tmp = xasprintf("%s/.pkg-download-XXXXXX", dir);
    free(dir);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = pkg_err_sys(errp, "create a temporary file for %s", dest_path);
        free(tmp);
        return rc;
    }
    struct xfer x = {.fd = fd, .max_bytes = o->max_bytes};
    x.md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(x.md, EVP_sha256(), NULL);
    CURL *c = curl_easy_init();
    struct curl_slist *h = setup(c, url, o, &x);
    CURLcode cc = curl_easy_perform(c);
    rc = finish(c, cc, &x, url, res, false, errp);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (rc == 0 && sha256_hex && *sha256_hex) {
        unsigned char md[32];
        unsigned int mdlen = 0;
        char hex[65];
        EVP_DigestFinal_ex(x.md, md, &mdlen);
        for (unsigned i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", md[i]);
        if (strcasecmp(hex, sha256_hex))
            rc = pkg_err_set(errp, PKG_EDIGEST,
                             "digest mismatch for %s: the index says sha256 %s, the download "
                             "has %s",
                             url, sha256_hex, hex);
    }
    if (rc == 0 && fsync(fd) < 0)
        rc = pkg_err_sys(errp, "fsync %s", tmp);
    if (close(fd) < 0 && rc == 0)
        rc = pkg_err_sys(errp, "close %s", tmp);
    if (rc == 0) {
        if (chmod(tmp, 0644) < 0 || rename(tmp, dest_path) < 0)
            rc = pkg_err_sys(errp, "rename %s to %s", tmp, dest_path);
    }
    if (rc)
        unlink(tmp);
    free(tmp);
    xfer_release(&x);
    return rc;
}

int
repo_upload(struct sb *resp, long *status, const char *url, const char *path, const char *prov_path,
            bool post, const struct repo_fetch_opts *o, struct pkg_err **errp)
{
    *status = 0;
    int rc = scheme_ok(url, errp);
    if (rc)
        return rc;
    pthread_once(&curl_once, curl_init_once);
    FILE *f = fopen(path, "rb");
    if (!f)
        return pkg_err_sys(errp, "open %s", path);
    struct stat st;
    fstat(fileno(f), &st);
    struct xfer x = {.body = resp, .fd = -1, .max_bytes = 1 << 20};
    CURL *c = curl_easy_init();
    struct curl_slist *h = setup(c, url, o, &x);
    curl_mime *mime = NULL;
    if (post) {
        mime = curl_mime_init(c);
        curl_mimepart *part = curl_mime_addpart(mime);
        curl_mime_name(part, "chart");
        curl_mime_filedata(part, path);
        if (prov_path) {
            part = curl_mime_addpart(mime);
            curl_mime_name(part, "prov");
            curl_mime_filedata(part, prov_path);
        }
        curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    } else {
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READDATA, f);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)st.st_size);
    }
    /* An upload must not be sent to a redirect target. */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    CURLcode cc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    *status = code;
    if (x.over_limit)
        rc = pkg_err_set(errp, PKG_ELIMIT, "%s: response too large", url);
    else if (x.stalled)
        rc = pkg_err_set(errp, PKG_ETIMEOUT, "%s: timed out: server not responding", url);
    else if (cc != CURLE_OK)
        rc = pkg_err_set(errp, cc == CURLE_OPERATION_TIMEDOUT ? PKG_ETIMEOUT : PKG_ENET, "%s: %s",
                         url, curl_easy_strerror(cc));
    else if (code == 401 || code == 403)
        rc = pkg_err_set(errp, PKG_EPERM, "upload to %s refused: %s", url, x.status_text);
    else if (code < 200 || code >= 300) {
        /* The server's explanation, ChartMuseum style {"error":"..."}. */
        const char *why = resp->len ? resp->buf : "";
        const char *e = strstr(why, "\"error\":\"");
        int wl = (int)strlen(why);
        if (e) {
            why = e + 9;
            const char *q = strchr(why, '"');
            wl = q ? (int)(q - why) : (int)strlen(why);
        }
        while (wl > 0 && (why[wl - 1] == '\n' || why[wl - 1] == '\r'))
            wl--;
        if (wl > 300)
            wl = 300;
        rc = pkg_err_set(errp, code == 409 ? PKG_EEXIST : PKG_ENET, "upload to %s failed: %s%s%.*s",
                         url, x.status_text, wl ? ": " : "", wl, why);
    }
    if (x.progress && x.drawn)
        fputc('\n', stderr);
    curl_mime_free(mime);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    xfer_release(&x);
    fclose(f);
    return rc;
}
