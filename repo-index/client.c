/* The repository client: updating the cached index of a repository with
 * conditional GETs, resolving REPO/CHART and a version constraint to an
 * archive URL (Helm's ChartDownloader.ResolveChartVersion), and downloading
 * archives with the index digest checked. */
#include "repo-index/repo.h"
#include "repo-index/repo-int.h"

#include "core/fsutil.h"
#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The validators saved beside a cached index: "etag\nlast-modified\n". */
static void
read_meta(const char *path, char **etag, char **lm)
{
    *etag = *lm = NULL;
    struct sb sb = SB_INIT;
    struct pkg_err *err = NULL;
    if (sb_read_file(&sb, path, 8192, &err) < 0) {
        pkg_err_free(err);
        sb_release(&sb);
        return;
    }
    char *nl = strchr(sb.buf, '\n');
    if (nl) {
        *etag = xstrndup(sb.buf, (size_t)(nl - sb.buf));
        char *nl2 = strchr(nl + 1, '\n');
        *lm = nl2 ? xstrndup(nl + 1, (size_t)(nl2 - nl - 1)) : xstrdup(nl + 1);
    }
    sb_release(&sb);
}

int
repo_update_one(struct repo_update_result *res, const struct repo_entry_cfg *e,
                const char *cache_dir, bool progress, const struct repo_warn *warn,
                struct pkg_err **errp)
{
    memset(res, 0, sizeof(*res));
    char *index_url = repo_url_resolve(e->url, "index.yaml");
    if (!index_url)
        return pkg_err_set(errp, PKG_EINVAL, "invalid chart URL format: %s", e->url);
    char *idx_path = xasprintf("%s/%s-index.yaml", cache_dir, e->name);
    char *meta_path = xasprintf("%s/%s-index.meta", cache_dir, e->name);
    char *charts_path = xasprintf("%s/%s-charts.txt", cache_dir, e->name);
    char *etag = NULL, *lm = NULL;
    if (fs_exists(idx_path))
        read_meta(meta_path, &etag, &lm);
    struct repo_fetch_opts o;
    repo_fetch_opts_from_cfg(&o, e);
    o.if_none_match = etag;
    o.if_modified_since = lm;
    o.max_bytes = repo_limit("PKG_REPO_MAX_INDEX_BYTES", REPO_MAX_INDEX_BYTES);
    o.progress = progress;
    o.label = e->name;
    struct sb body = SB_INIT;
    struct repo_fetch_result fr;
    struct repo_index *idx = NULL;
    int rc = fs_mkdir_p(cache_dir, 0755, errp);
    if (rc == 0)
        rc = repo_fetch(&body, &fr, index_url, &o, errp);
    if (rc)
        goto out;
    res->body_bytes = fr.body_bytes;
    if (fr.not_modified) {
        res->not_modified = true;
        goto out;
    }
    rc = repo_index_load(&idx, body.buf, body.len, e->url, warn, errp);
    if (rc)
        goto out;
    res->charts = idx->n;
    struct sb names = SB_INIT;
    for (size_t i = 0; i < idx->n; i++) {
        sb_addstr(&names, idx->charts[i].name);
        sb_addch(&names, '\n');
    }
    rc = fs_write_atomic(charts_path, names.buf, names.len, 0644, errp);
    sb_release(&names);
    if (rc == 0)
        rc = fs_write_atomic(idx_path, body.buf, body.len, 0644, errp);
    if (rc == 0) {
        char *m =
            xasprintf("%s\n%s\n", fr.etag ? fr.etag : "", fr.last_modified ? fr.last_modified : "");
        rc = fs_write_atomic(meta_path, m, strlen(m), 0644, errp);
        free(m);
    }
out:
    repo_fetch_result_release(&fr);
    repo_index_free(idx);
    sb_release(&body);
    free(etag);
    free(lm);
    free(index_url);
    free(idx_path);
    free(meta_path);
    free(charts_path);
    return rc;
}

int
repo_load_cached(struct repo_index **out, const char *name, const struct repo_warn *warn,
                 struct pkg_err **errp)
{
    char *path = repo_cache_index_path(name);
    if (!path) {
        char *dir = repo_cache_dir();
        int rc = pkg_err_set(errp, PKG_ENOENT, "open %s/%s-index.yaml: no such file or directory",
                             dir, name);
        free(dir);
        return rc;
    }
    int rc = repo_index_load_file(out, path, 0, warn, errp);
    free(path);
    return rc;
}

void
repo_resolved_release(struct repo_resolved *r)
{
    if (r->owned) {
        struct repo_entry_cfg *e = r->owned;
        free(e->name);
        free(e->url);
        free(e->username);
        free(e->password);
        free(e->cert_file);
        free(e->key_file);
        free(e->ca_file);
        free(e);
    }
    free(r->url);
    free(r->digest);
    free(r->name);
    free(r->version);
    memset(r, 0, sizeof(*r));
}

static bool
is_abs_url(const char *s)
{
    const char *p = strstr(s, "://");
    if (!p || p == s)
        return false;
    for (const char *q = s; q < p; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
              *q == '+' || *q == '-' || *q == '.'))
            return false;
    return p[3] != 0;
}

/* The configured repository whose cached index lists url (Helm's
 * scanReposForURL), to use its credentials for a plain URL. */
static struct repo_entry_cfg *
repo_for_url(const struct repo_config *cfg, const char *url)
{
    for (size_t i = 0; i < cfg->n; i++) {
        struct repo_index *idx;
        struct pkg_err *err = NULL;
        if (repo_load_cached(&idx, cfg->v[i].name, NULL, &err) < 0) {
            pkg_err_free(err);
            continue;
        }
        bool found = false;
        for (size_t c = 0; c < idx->n && !found; c++)
            for (size_t j = 0; j < idx->charts[c].n && !found; j++) {
                const struct val *urls = idx->charts[c].v[j]->urls;
                for (size_t k = 0; urls && k < val_seq_len(urls) && !found; k++)
                    found = repo_url_equal(url, val_seq_at(urls, k)->u.s.ptr);
            }
        repo_index_free(idx);
        if (found)
            return &cfg->v[i];
    }
    return NULL;
}

int
repo_resolve(struct repo_resolved *out, const struct repo_config *cfg, const char *ref,
             const char *version, const struct repo_warn *warn, struct pkg_err **errp)
{
    memset(out, 0, sizeof(*out));
    if (is_abs_url(ref)) {
        out->url = xstrdup(ref);
        out->digest = xstrdup("");
        out->repo = repo_for_url(cfg, ref);
        return 0;
    }
    const char *slash = strchr(ref, '/');
    if (!slash || slash == ref || !slash[1])
        return pkg_err_set(errp, PKG_EINVAL,
                           "non-absolute URLs should be in form of repo_name/path_to_chart, got: "
                           "%s",
                           ref);
    char *rname = xstrndup(ref, (size_t)(slash - ref));
    const char *chart = slash + 1;
    struct repo_entry_cfg *rc_ = repo_config_get(cfg, rname);
    struct repo_index *idx = NULL;
    int rc = 0;
    if (!rc_) {
        rc = pkg_err_set(errp, PKG_ENOENT, "repo %s not found", rname);
        goto out;
    }
    if (!*rc_->url) {
        rc = pkg_err_set(errp, PKG_EINVAL, "no URL found for repository %s", rname);
        goto out;
    }
    rc = repo_load_cached(&idx, rname, warn, errp);
    if (rc) {
        pkg_err_wrap(errp, "no cached repo found. (try 'pkg repo update')");
        goto out;
    }
    struct repo_entry *e;
    rc = repo_index_get(&e, idx, chart, version, errp);
    if (rc) {
        pkg_err_wrap(errp,
                     "chart \"%s\" matching %s not found in %s index. (try 'pkg repo update')",
                     chart, version ? version : "", rname);
        goto out;
    }
    if (!e->urls || val_seq_len(e->urls) == 0) {
        rc = pkg_err_set(errp, PKG_ENOENT, "chart \"%s\" has no downloadable URLs", ref);
        goto out;
    }
    const char *u0 = val_seq_at(e->urls, 0)->u.s.ptr;
    char *abs = repo_url_resolve(rc_->url, u0);
    if (!abs) {
        rc = pkg_err_set(errp, PKG_EINVAL, "invalid chart URL format: %s", u0);
        goto out;
    }
    if (!is_abs_url(u0) && !repo_url_under(rc_->url, abs)) {
        rc = pkg_err_set(errp, PKG_EPERM,
                         "chart URL \"%s\" of %s %s escapes the repository %s (resolves to %s)", u0,
                         chart, e->version, rc_->url, abs);
        free(abs);
        goto out;
    }
    out->url = abs;
    out->digest = xstrdup(e->digest);
    out->name = xstrdup(e->name);
    out->version = xstrdup(e->version);
    out->repo = rc_;
out:
    repo_index_free(idx);
    free(rname);
    return rc;
}

int
repo_download(char **out_path, const struct repo_resolved *r, const char *dest_dir, bool progress,
              struct pkg_err **errp)
{
    *out_path = NULL;
    char *base = repo_url_basename(r->url);
    if (!base)
        return pkg_err_set(errp, PKG_EINVAL, "cannot name a file after the URL %s", r->url);
    int rc = fs_mkdir_p(dest_dir, 0755, errp);
    if (rc) {
        free(base);
        return rc;
    }
    char *dest = xasprintf("%s/%s", dest_dir, base);
    struct repo_fetch_opts o = {0};
    if (r->repo)
        repo_fetch_opts_from_cfg(&o, r->repo);
    o.accept = "application/gzip,application/octet-stream";
    o.max_bytes = repo_limit("PKG_REPO_MAX_CHART_BYTES", REPO_MAX_CHART_BYTES);
    o.progress = progress;
    o.label = base;
    struct repo_fetch_result fr;
    rc = repo_fetch_file(&fr, r->url, dest, r->digest && *r->digest ? r->digest : NULL, &o, errp);
    repo_fetch_result_release(&fr);
    free(base);
    if (rc) {
        free(dest);
        return rc;
    }
    *out_path = dest;
    return 0;
}

int
repo_resolve_in_url(struct repo_resolved *out, const char *repo_url,
                    const struct repo_entry_cfg *creds, const char *chart, const char *version,
                    const struct repo_warn *warn, struct pkg_err **errp)
{
    memset(out, 0, sizeof(*out));
    /* A random name, as Helm uses, so that concurrent runs do not meet. */
    unsigned char rnd[12];
    FILE *ur = fopen("/dev/urandom", "rb");
    if (!ur || fread(rnd, 1, sizeof(rnd), ur) != sizeof(rnd)) {
        if (ur)
            fclose(ur);
        return pkg_err_sys(errp, "read /dev/urandom");
    }
    fclose(ur);
    char name[40] = "pkg-adhoc-";
    for (size_t i = 0; i < sizeof(rnd); i++)
        snprintf(name + 10 + 2 * i, 3, "%02x", rnd[i]);
    struct repo_entry_cfg e = {0};
    if (creds)
        e = *creds;
    e.name = name;
    e.url = (char *)repo_url;
    static char empty[] = "";
    char **fields[] = {&e.username, &e.password, &e.cert_file, &e.key_file, &e.ca_file};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (!*fields[i])
            *fields[i] = empty;
    struct repo_config cfg = {0};
    char *cache = repo_cache_dir();
    struct repo_update_result res;
    int rc = repo_update_one(&res, &e, cache, false, warn, errp);
    if (rc) {
        pkg_err_wrap(errp, "looks like \"%s\" is not a valid chart repository or cannot be reached",
                     repo_url);
    } else {
        repo_config_set(&cfg, &e);
        char *ref = xasprintf("%s/%s", name, chart);
        rc = repo_resolve(out, &cfg, ref, version, warn, errp);
        free(ref);
        if (rc == 0) {
            /* The entry dies with cfg: the result keeps its own copy (the
             * download needs the credentials and TLS options). */
            struct repo_entry_cfg *o = xcalloc(1, sizeof(*o));
            *o = e;
            o->name = xstrdup(e.name);
            o->url = xstrdup(e.url);
            o->username = xstrdup(e.username);
            o->password = xstrdup(e.password);
            o->cert_file = xstrdup(e.cert_file);
            o->key_file = xstrdup(e.key_file);
            o->ca_file = xstrdup(e.ca_file);
            out->owned = out->repo = o;
        }
    }
    const char *suffix[] = {"-index.yaml", "-charts.txt", "-index.meta"};
    for (int k = 0; k < 3; k++) {
        char *p = xasprintf("%s/%s%s", cache, name, suffix[k]);
        unlink(p);
        free(p);
    }
    free(cache);
    repo_config_release(&cfg);
    return rc;
}

int
repo_chart_fetch_cached(char **out_path, const char *ref, const char *version, const char *repo_url,
                        const struct repo_warn *warn, struct pkg_err **errp)
{
    *out_path = NULL;
    struct repo_config cfg;
    int rc = repo_config_load(&cfg, errp);
    if (rc)
        return rc;
    struct repo_resolved r;
    if (repo_url && *repo_url)
        rc = repo_resolve_in_url(&r, repo_url, NULL, ref, version, warn, errp);
    else
        rc = repo_resolve(&r, &cfg, ref, version, warn, errp);
    if (rc == 0) {
        char *home = repo_pkg_home();
        char *dir = xasprintf("%s/cache/charts", home);
        free(home);
        char *base = repo_url_basename(r.url);
        char *cached = base ? xasprintf("%s/%s", dir, base) : NULL;
        char hex[65];
        struct pkg_err *e = NULL;
        /* A cached archive is reused only when the index names its digest. */
        if (cached && *r.digest && fs_exists(cached) && repo_sha256_file(hex, cached, &e) == 0 &&
            !strcmp(hex, r.digest)) {
            *out_path = cached;
            cached = NULL;
        } else {
            pkg_err_free(e);
            rc = repo_download(out_path, &r, dir, false, errp);
        }
        free(cached);
        free(base);
        free(dir);
    }
    repo_resolved_release(&r);
    repo_config_release(&cfg);
    return rc;
}
