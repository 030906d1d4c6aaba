/* pkg image pull: the OCI distribution API over libcurl.
 *
 * GET /v2/<name>/manifests/<ref> with the OCI and Docker media types in
 * Accept; an index or manifest list is resolved to linux/amd64; the config
 * and every layer are fetched by digest and verified before they are
 * unpacked. A 401 answer's WWW-Authenticate challenge is followed: Bearer
 * (anonymous token, or basic credentials from PKG_REGISTRY_AUTH=user:pass
 * sent to the token service) or Basic with those credentials. */
#include "engine/node/node-int.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define ACCEPT_MANIFESTS                                                                           \
    "Accept: " MT_OCI_MANIFEST ", " MT_OCI_INDEX ", " MT_DOCKER_MANIFEST ", " MT_DOCKER_LIST

struct reg {
    struct arena *a;
    const char *home;
    const char *base; /* "https://host" */
    const char *repo;
    char *auth; /* "Authorization: ..." or NULL */
    const struct node_pull_opts *o;
};

struct xfer {
    struct sb *body; /* or fd */
    int fd;
    struct node_sha256 *h;
    uint64_t got, limit;
    bool over;
    bool werr;
    char *challenge, *ctype, *digest;
};

static size_t
on_body(char *p, size_t size, size_t n, void *data)
{
    struct xfer *x = data;
    size_t len = size * n;
    x->got += len;
    if (x->limit && x->got > x->limit) {
        x->over = true;
        return 0;
    }
    if (x->h)
        node_sha256_update(x->h, p, len);
    if (x->body) {
        sb_add(x->body, p, len);
    } else if (x->fd >= 0) {
        const char *q = p;
        size_t left = len;
        while (left) {
            ssize_t w = write(x->fd, q, left);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                x->werr = true;
                return 0;
            }
            q += w;
            left -= (size_t)w;
        }
    }
    return len;
}

static char *
header_value(const char *line, size_t n, const char *name)
{
    size_t k = strlen(name);
    if (n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return NULL;
    const char *v = line + k + 1;
    const char *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    return xstrndup(v, (size_t)(end - v));
}

static size_t
on_header(char *p, size_t size, size_t n, void *data)
{
    struct xfer *x = data;
    size_t len = size * n;
    char *v;
    if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
        /* A new response (after a redirect): forget the previous one's. */
        free(x->ctype);
        free(x->digest);
        x->ctype = x->digest = NULL;
    }
    if ((v = header_value(p, len, "www-authenticate"))) {
        free(x->challenge);
        x->challenge = v;
    } else if ((v = header_value(p, len, "content-type"))) {
        free(x->ctype);
        x->ctype = v;
    } else if ((v = header_value(p, len, "docker-content-digest"))) {
        free(x->digest);
        x->digest = v;
    }
    return len;
}

static void
xfer_release(struct xfer *x)
{
    free(x->challenge);
    free(x->ctype);
    free(x->digest);
    x->challenge = x->ctype = x->digest = NULL;
}

/* One GET; *status gets the HTTP status. */
static int
http_get(struct reg *r, const char *url, const char *accept, const char *auth, struct xfer *x,
         long *status, struct pkg_err **errp)
{
    CURL *c = curl_easy_init();
    if (!c)
        return pkg_err_set(errp, PKG_ENET, "curl_easy_init failed");
    struct curl_slist *hdrs = NULL;
    if (accept)
        hdrs = curl_slist_append(hdrs, accept);
    if (auth)
        hdrs = curl_slist_append(hdrs, auth);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "pkg-node/0.1");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, r->o->insecure ? "http,https" : "https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, r->o->insecure ? "http,https" : "https");
    if (r->o->cafile)
        curl_easy_setopt(c, CURLOPT_CAINFO, r->o->cafile);
    CURLcode cc = curl_easy_perform(c);
    int rc = 0;
    if (x->over) {
        rc = pkg_err_set(errp, PKG_ELIMIT, "GET %s: response larger than %llu bytes", url,
                         (unsigned long long)x->limit);
    } else if (x->werr) {
        rc = pkg_err_sys(errp, "GET %s: write", url);
    } else if (cc != CURLE_OK) {
        rc = pkg_err_set(errp, PKG_ENET, "GET %s: %s", url,
                         *errbuf ? errbuf : curl_easy_strerror(cc));
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return rc;
}

/* Parses key="value" pairs of a challenge into a map. */
static struct val *
parse_challenge(struct arena *a, const char *ch, const char **scheme)
{
    struct val *m = val_map(a);
    const char *sp = strchr(ch, ' ');
    *scheme = arena_strndup(a, ch, sp ? (size_t)(sp - ch) : strlen(ch));
    const char *p = sp ? sp + 1 : "";
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *eq = strchr(p, '=');
        if (!eq)
            break;
        const char *k = p;
        size_t kl = (size_t)(eq - p);
        p = eq + 1;
        struct sb v = SB_INIT;
        if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                    p++;
                sb_addch(&v, *p++);
            }
            if (*p == '"')
                p++;
        } else {
            while (*p && *p != ',')
                sb_addch(&v, *p++);
        }
        char *lk = arena_strndup(a, k, kl);
        for (char *q = lk; *q; q++)
            if (*q >= 'A' && *q <= 'Z')
                *q = (char)(*q - 'A' + 'a');
        val_map_setz(a, m, lk, val_strz(a, v.buf));
        sb_release(&v);
    }
    return m;
}

static char *
b64(const char *s)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    struct sb sb = SB_INIT;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)s[i + 2];
        sb_addch(&sb, tbl[(v >> 18) & 63]);
        sb_addch(&sb, tbl[(v >> 12) & 63]);
        sb_addch(&sb, i + 1 < n ? tbl[(v >> 6) & 63] : '=');
        sb_addch(&sb, i + 2 < n ? tbl[v & 63] : '=');
    }
    return sb_detach(&sb, NULL);
}

/* Answers a 401 challenge: sets r->auth. */
static int
authenticate(struct reg *r, const char *challenge, struct pkg_err **errp)
{
    const char *scheme;
    struct val *params = parse_challenge(r->a, challenge, &scheme);
    const char *creds = getenv("PKG_REGISTRY_AUTH");
    cleanup_free char *basic = creds && *creds ? b64(creds) : NULL;
    free(r->auth);
    r->auth = NULL;
    if (!strcasecmp(scheme, "basic")) {
        if (!basic)
            return pkg_err_set(errp, PKG_EPERM,
                               "%s requires credentials (set PKG_REGISTRY_AUTH=user:password)",
                               r->base);
        r->auth = xasprintf("Authorization: Basic %s", basic);
        return 0;
    }
    if (strcasecmp(scheme, "bearer") != 0)
        return pkg_err_set(errp, PKG_ENOTSUP, "%s: unsupported auth scheme \"%s\"", r->base,
                           scheme);
    const char *realm = node_jstr(params, "realm");
    if (!realm || !*realm)
        return pkg_err_set(errp, PKG_EINVAL, "%s: bearer challenge without realm", r->base);
    CURL *c = curl_easy_init();
    struct sb url = SB_INIT;
    sb_addstr(&url, realm);
    char sep = strchr(realm, '?') ? '&' : '?';
    const char *keys[] = {"service", "scope"};
    for (int i = 0; i < 2; i++) {
        const char *v = node_jstr(params, keys[i]);
        if (i == 1 && !v)
            v = arena_sprintf(r->a, "repository:%s:pull", r->repo);
        if (!v)
            continue;
        char *e = curl_easy_escape(c, v, 0);
        sb_addf(&url, "%c%s=%s", sep, keys[i], e);
        curl_free(e);
        sep = '&';
    }
    curl_easy_cleanup(c);
    struct sb body = SB_INIT;
    struct xfer x = {.body = &body, .fd = -1, .limit = 1 << 20};
    long status = 0;
    cleanup_free char *hdr = basic ? xasprintf("Authorization: Basic %s", basic) : NULL;
    int rc = http_get(r, url.buf, NULL, hdr, &x, &status, errp);
    struct val *tok = NULL;
    if (!rc && status != 200)
        rc = pkg_err_set(errp, PKG_EPERM, "token request to %s: HTTP %ld", realm, status);
    if (!rc)
        rc = node_json_parse(&tok, r->a, body.buf, body.len, "token response", errp);
    if (!rc) {
        const char *t = node_jstr(tok, "token");
        if (!t)
            t = node_jstr(tok, "access_token");
        if (!t)
            rc = pkg_err_set(errp, PKG_EPERM, "token response from %s has no token", realm);
        else
            r->auth = xasprintf("Authorization: Bearer %s", t);
    }
    xfer_release(&x);
    sb_release(&body);
    sb_release(&url);
    return rc;
}

/* GET with one retry after authenticating. Non-2xx statuses are errors
 * naming what was fetched. */
static int
reg_get(struct reg *r, const char *what, const char *path, const char *accept, struct xfer *x,
        struct pkg_err **errp)
{
    cleanup_free char *url = xasprintf("%s/v2/%s/%s", r->base, r->repo, path);
    for (int attempt = 0; attempt < 2; attempt++) {
        long status = 0;
        int rc = http_get(r, url, accept, r->auth, x, &status, errp);
        if (rc)
            return rc;
        if (status == 401 && attempt == 0 && x->challenge) {
            cleanup_free char *ch = xstrdup(x->challenge);
            rc = authenticate(r, ch, errp);
            if (rc)
                return rc;
            /* Start the body over. */
            if (x->body)
                sb_reset(x->body);
            if (x->fd >= 0 && (ftruncate(x->fd, 0) < 0 || lseek(x->fd, 0, SEEK_SET) < 0))
                return pkg_err_sys(errp, "truncate download");
            if (x->h) {
                node_sha256_free(x->h);
                x->h = node_sha256_new();
            }
            x->got = 0;
            continue;
        }
        if (status == 404)
            return pkg_err_set(errp, PKG_ENOENT, "%s not found: %s", what, url);
        if (status == 401 || status == 403)
            return pkg_err_set(errp, PKG_EPERM, "%s: access denied (HTTP %ld): %s", what, status,
                               url);
        if (status < 200 || status > 299)
            return pkg_err_set(errp, PKG_ENET, "%s: HTTP %ld from %s", what, status, url);
        return 0;
    }
    return pkg_err_set(errp, PKG_EPERM, "%s: still unauthorized after authenticating", what);
}

static int
get_manifest(struct reg *r, struct sb *body, char **ctype, const char *ref, bool by_digest,
             char digest_out[72], struct pkg_err **errp)
{
    struct xfer x = {.body = body, .fd = -1, .limit = NODE_MAX_MANIFEST};
    cleanup_free char *path = xasprintf("manifests/%s", ref);
    cleanup_free char *what = xasprintf("manifest %s:%s", r->repo, ref);
    int rc = reg_get(r, what, path, ACCEPT_MANIFESTS, &x, errp);
    if (!rc) {
        node_sha256_buf(body->buf, body->len, digest_out);
        if (by_digest && strcmp(digest_out, ref) != 0)
            rc = pkg_err_set(errp, PKG_EDIGEST, "manifest %s: digest mismatch (got %s)", ref,
                             digest_out);
        else if (!by_digest && x.digest && node_digest_valid(x.digest) &&
                 strcmp(x.digest, digest_out) != 0)
            rc = pkg_err_set(errp, PKG_EDIGEST,
                             "manifest %s:%s: registry says digest %s, content is %s", r->repo, ref,
                             x.digest, digest_out);
        if (!rc && ctype)
            *ctype = x.ctype ? xstrdup(x.ctype) : NULL;
    }
    xfer_release(&x);
    return rc;
}

static int
get_blob_mem(struct reg *r, struct sb *body, const char *digest, size_t limit,
             struct pkg_err **errp)
{
    struct xfer x = {.body = body, .fd = -1, .limit = limit};
    cleanup_free char *path = xasprintf("blobs/%s", digest);
    cleanup_free char *what = xasprintf("blob %s", digest);
    int rc = reg_get(r, what, path, NULL, &x, errp);
    xfer_release(&x);
    if (rc)
        return rc;
    char got[72];
    node_sha256_buf(body->buf, body->len, got);
    if (strcmp(got, digest) != 0)
        return pkg_err_set(errp, PKG_EDIGEST, "blob %s: digest mismatch (got %s)", digest, got);
    return 0;
}

static int
get_layer(struct reg *r, const char *digest, const char *diff_id, struct pkg_err **errp)
{
    bool exists;
    free(node_store_layer_dir(r->home, diff_id, &exists));
    if (exists)
        return 0;
    if (r->o->progress) {
        cleanup_free char *line = xasprintf("pulling layer %s", digest);
        r->o->progress(line, r->o->payload);
    }
    cleanup_free char *tmpdir = xasprintf("%s/images/tmp", r->home);
    int rc = fs_mkdir_p(tmpdir, 0700, errp);
    if (rc)
        return rc;
    cleanup_free char *tmp = xasprintf("%s/blob.XXXXXX", tmpdir);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return pkg_err_sys(errp, "create %s", tmp);
    unlink(tmp);
    const char *env = getenv("PKG_IMAGE_MAX_LAYER_BYTES");
    struct xfer x = {.fd = fd,
                     .h = node_sha256_new(),
                     .limit = env && *env ? strtoull(env, NULL, 10) : (16ull << 30)};
    cleanup_free char *path = xasprintf("blobs/%s", digest);
    cleanup_free char *what = xasprintf("blob %s", digest);
    rc = reg_get(r, what, path, NULL, &x, errp);
    char got[72];
    node_sha256_final(x.h, got);
    x.h = NULL;
    xfer_release(&x);
    if (!rc && strcmp(got, digest) != 0)
        rc = pkg_err_set(errp, PKG_EDIGEST, "blob %s: digest mismatch (got %s)", digest, got);
    if (!rc && lseek(fd, 0, SEEK_SET) < 0)
        rc = pkg_err_sys(errp, "seek %s", tmp);
    if (!rc)
        rc = node_store_add_layer(r->home, fd, digest, diff_id, errp);
    close(fd);
    return rc;
}

static bool
is_index(const char *ctype, const struct val *doc)
{
    const char *mt = node_jstr(doc, "mediaType");
    if (!mt)
        mt = ctype;
    if (mt && (!strncmp(mt, MT_OCI_INDEX, strlen(MT_OCI_INDEX)) ||
               !strncmp(mt, MT_DOCKER_LIST, strlen(MT_DOCKER_LIST))))
        return true;
    return !mt && node_jget(doc, "manifests", VAL_SEQ) && !node_jget(doc, "layers", VAL_SEQ);
}

static const char *
pick_platform(const struct val *index, const char *platform, struct arena *a)
{
    char os[32] = "linux", arch[32] = "amd64";
    if (platform)
        sscanf(platform, "%31[^/]/%31[^/]", os, arch);
    struct val *ms = node_jget(index, "manifests", VAL_SEQ);
    for (size_t i = 0; ms && i < val_seq_len(ms); i++) {
        struct val *d = val_seq_at(ms, i);
        struct val *p = node_jget(d, "platform", VAL_MAP);
        const char *o = node_jstr(p, "os"), *ar = node_jstr(p, "architecture");
        if (o && ar && !strcmp(o, os) && !strcmp(ar, arch) &&
            node_digest_valid(node_jstr(d, "digest")))
            return arena_strdup(a, node_jstr(d, "digest"));
    }
    return NULL;
}

int
node_image_pull(struct node_image *out, struct arena *a, const char *home, const char *ref,
                const struct node_pull_opts *opts, struct pkg_err **errp)
{
    static const struct node_pull_opts defaults = {0};
    const struct node_pull_opts *o = opts ? opts : &defaults;
    const char *norm = node_ref_normalize(a, ref, errp);
    if (!norm)
        return PKG_EINVAL;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* Split "domain/path[:tag][@digest]". */
    const char *slash = strchr(norm, '/');
    char *domain = arena_strndup(a, norm, (size_t)(slash - norm));
    char *rest = arena_strdup(a, slash + 1);
    char *digest = strchr(rest, '@');
    if (digest)
        *digest++ = 0;
    char *tag = strrchr(rest, ':');
    if (tag)
        *tag++ = 0;
    const char *host = !strcmp(domain, "docker.io") ? "registry-1.docker.io" : domain;
    struct reg r = {.a = a,
                    .home = home,
                    .repo = rest,
                    .o = o,
                    .base = arena_sprintf(a, "%s://%s", o->insecure ? "http" : "https", host)};
    struct sb body = SB_INIT, cfg = SB_INIT;
    char *ctype = NULL;
    char mdigest[72];
    const char *config, **layers, **ids;
    size_t n_layers, n_ids;
    struct val *doc;
    int rc = get_manifest(&r, &body, &ctype, digest ? digest : tag, digest != NULL, mdigest, errp);
    if (rc)
        goto out;
    rc = node_json_parse(&doc, a, body.buf, body.len, arena_sprintf(a, "manifest %s", norm), errp);
    if (rc)
        goto out;
    if (is_index(ctype, doc)) {
        const char *pd = pick_platform(doc, o->platform, a);
        if (!pd) {
            rc = pkg_err_set(errp, PKG_ENOENT, "%s: no manifest for %s", norm,
                             o->platform ? o->platform : "linux/amd64");
            goto out;
        }
        sb_reset(&body);
        free(ctype);
        ctype = NULL;
        rc = get_manifest(&r, &body, &ctype, pd, true, mdigest, errp);
        if (rc)
            goto out;
    }
    rc = node_manifest_parse(&config, &layers, &n_layers, a, body.buf, body.len, mdigest, errp);
    if (!rc)
        rc = get_blob_mem(&r, &cfg, config, NODE_MAX_CONFIG, errp);
    if (!rc)
        rc = node_config_diff_ids(&ids, &n_ids, a, cfg.buf, cfg.len, config, errp);
    if (!rc && n_ids != n_layers)
        rc = pkg_err_set(errp, PKG_EINVAL, "%s: manifest has %zu layers, config %zu", norm,
                         n_layers, n_ids);
    uint64_t size = 0;
    if (!rc) {
        struct val *m;
        node_json_parse(&m, a, body.buf, body.len, "manifest", NULL);
        struct val *ls = node_jget(m, "layers", VAL_SEQ);
        for (size_t i = 0; ls && i < val_seq_len(ls); i++)
            size += (uint64_t)node_jint(val_seq_at(ls, i), "size");
    }
    for (size_t i = 0; !rc && i < n_layers; i++)
        rc = get_layer(&r, layers[i], ids[i], errp);
    if (!rc)
        rc = node_store_put_blob(home, mdigest, body.buf, body.len, errp);
    if (!rc)
        rc = node_store_put_blob(home, config, cfg.buf, cfg.len, errp);
    if (!rc)
        rc = node_store_tag(out, a, home, norm, config, mdigest, size, errp);
out:
    if (rc)
        pkg_err_wrap(errp, "pull %s", ref);
    free(ctype);
    free(r.auth);
    sb_release(&body);
    sb_release(&cfg);
    return rc;
}
