/* Remote bases (api/internal/git/repospec.go and the git loader): the URL
 * forms kustomize accepts, cloned with libgit2 into a cache under
 * $PKG_HOME/cache/git keyed by URL and ref. Unlike kustomize, which clones
 * into a temporary directory on every build, a clone is reused: always for
 * tags and commit ids, and for branches after the remote confirms the
 * branch still points at the cached commit. The remote bases a
 * kustomization lists are fetched in parallel. Remote resource files
 * (http/https URLs) are fetched with libcurl. */
#include "overlay/git.h"
#include "lazy/lazy.h"
#include "core/sha256.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <git2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct krepo {
    struct krepospec spec;
    const char *clone_dir; /* the checkout */
};

/* Per-build state: clones already opened or failed (by raw clone key). */
struct kgit_entry {
    char *key;   /* clone url + '\n' + ref */
    char *dir;   /* checkout, NULL on failure */
    char *error; /* message on failure */
    int code;
};

struct kgit {
    struct kgit_entry *v;
    size_t n, cap;
    pthread_mutex_t lock;
};

static pthread_once_t git_once = PTHREAD_ONCE_INIT;

static void
git_init_once(void)
{
    git_libgit2_init();
}

/* ---- URL parsing ---- */

static bool
prefix_fold(const char *s, const char *p, const char **rest)
{
    size_t n = strlen(p);
    if (strlen(s) >= n && !strncasecmp(s, p, n)) {
        *rest = s + n;
        return true;
    }
    return false;
}

/* url.ParseQuery + Get: the first value of key, "" when absent. */
static const char *
query_get(struct arena *a, const char *q, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = q; p && *p;) {
        const char *amp = strpbrk(p, "&;");
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > kl && !strncmp(p, key, kl) && p[kl] == '=') {
            /* percent-decoding */
            struct sb sb = SB_INIT;
            for (size_t i = kl + 1; i < len; i++) {
                char c = p[i];
                if (c == '+') {
                    c = ' ';
                } else if (c == '%' && i + 2 < len + 0 && isxdigit((unsigned char)p[i + 1]) &&
                           isxdigit((unsigned char)p[i + 2])) {
                    char hx[3] = {p[i + 1], p[i + 2], 0};
                    c = (char)strtol(hx, NULL, 16);
                    i += 2;
                }
                sb_addch(&sb, c);
            }
            const char *r = arena_strdup(a, sb.buf);
            sb_release(&sb);
            return r;
        }
        p = amp ? amp + 1 : NULL;
    }
    return "";
}

static const char *
substr(struct arena *a, const char *s, size_t n)
{
    return arena_strndup(a, s, n);
}

static bool
path_exits_repo(const char *p)
{
    while (*p == '/')
        p++;
    char *c = fs_clean(*p ? p : ".");
    bool r = !strcmp(c, "..") || !strncmp(c, "../", 3);
    free(c);
    return r;
}

int
kgit_parse(struct arena *a, struct krepospec *out, const char *url, struct pkg_err **errp)
{
    memset(out, 0, sizeof(*out));
    out->raw = url;
    out->submodules = true;
    out->timeout = 27;
    if (url[0] == '/')
        return pkg_err_set(errp, PKG_EINVAL, "uri looks like abs path: %s", url);
    const char *q = strchr(url, '?');
    const char *n = q ? substr(a, url, (size_t)(q - url)) : url;
    if (q) {
        const char *ref = query_get(a, q + 1, "version");
        const char *r2 = query_get(a, q + 1, "ref");
        out->ref = *r2 ? r2 : ref;
        const char *t = query_get(a, q + 1, "timeout");
        if (*t) {
            char *end;
            long v = strtol(t, &end, 10);
            if (!*end && v > 0) {
                out->timeout = (int)v;
            } else {
                double d = strtod(t, &end);
                if (d > 0 && (!strcmp(end, "s") || !strcmp(end, "m") || !strcmp(end, "h")))
                    out->timeout = (int)(d * (*end == 's' ? 1 : *end == 'm' ? 60 : 3600));
            }
        }
        const char *sm = query_get(a, q + 1, "submodules");
        if (!strcmp(sm, "true") || !strcmp(sm, "1") || !strcmp(sm, "t") || !strcmp(sm, "T") ||
            !strcmp(sm, "TRUE") || !strcmp(sm, "True"))
            out->submodules = true;
        else if (!strcmp(sm, "false") || !strcmp(sm, "0") || !strcmp(sm, "f") || !strcmp(sm, "F") ||
                 !strcmp(sm, "FALSE") || !strcmp(sm, "False"))
            out->submodules = false;
    } else {
        out->ref = "";
    }
    /* extractHost */
    const char *rest;
    if (prefix_fold(n, "git::", &rest))
        n = rest;
    const char *scheme = "";
    static const char *const schemes[] = {"ssh://", "https://", "http://", "file://"};
    for (int i = 0; i < 4; i++)
        if (prefix_fold(n, schemes[i], &rest)) {
            scheme = schemes[i];
            n = rest;
            break;
        }
    const char *user = "";
    if (isalpha((unsigned char)n[0])) {
        const char *p = n + 1;
        while (isalnum((unsigned char)*p) || *p == '-')
            p++;
        if (*p == '@') {
            user = substr(a, n, (size_t)(p - n) + 1);
            n = p + 1;
        }
    }
    bool github = !strncasecmp(n, "github.com/", 11) || !strncasecmp(n, "github.com:", 11);
    bool scp = !*scheme && (*user || github);
    if (!*scheme && !scp)
        return pkg_err_set(errp, PKG_EINVAL, "failed to parse scheme");
    const char *host, *path;
    if (!strcmp(scheme, "file://")) {
        host = scheme;
        path = arena_sprintf(a, "%s%s", user, n);
    } else {
        const char *slash = strchr(n, '/');
        long sep = slash ? (long)(slash - n) : -1;
        if (scp) {
            const char *colon = strchr(n, ':');
            long ci = colon ? (long)(colon - n) : -1;
            if (sep == -1 || (ci > 0 && ci < sep))
                sep = ci;
        }
        const char *h = n;
        path = "";
        if (sep >= 0) {
            h = substr(a, n, (size_t)sep + 1);
            path = n + sep + 1;
        }
        if (github) {
            if (!strncmp(scheme, "ssh://", 6) || *user) {
                scheme = "";
                h = "github.com:";
            } else {
                scheme = "https://";
                user = "";
                h = "github.com/";
            }
        }
        if (!*h)
            return pkg_err_set(errp, PKG_EINVAL, "failed to parse host segment");
        host = arena_sprintf(a, "%s%s%s", scheme, user, h);
    }
    /* parsePathParts */
    const char *repo = NULL, *root = NULL;
    const char *g = strstr(path, "_git/");
    const char *dbl = strstr(path, "//");
    const char *suf = strstr(path, ".git");
    if (g) {
        const char *after = g + 5;
        const char *sl = strchr(after, '/');
        repo = sl ? substr(a, path, (size_t)(sl - path)) : path;
        root = sl ? sl + 1 : "";
    } else if (dbl) {
        repo = substr(a, path, (size_t)(dbl - path));
        root = dbl + 2;
    } else if (suf) {
        repo = substr(a, path, (size_t)(suf - path) + 4);
        root = suf + 4;
    } else if (!strcmp(host, "file://")) {
        repo = path;
        root = "";
    } else {
        /* the first two segments */
        const char *s1 = strchr(path, '/');
        if (s1) {
            const char *s2 = strchr(s1 + 1, '/');
            repo = s2 ? substr(a, path, (size_t)(s2 - path)) : path;
            root = s2 ? s2 + 1 : "";
        }
    }
    if (!repo || !*repo)
        return pkg_err_set(errp, PKG_EINVAL, "failed to parse repo path segment");
    if (path_exits_repo(root))
        return pkg_err_set(errp, PKG_EINVAL, "url path exits repo: %s", path);
    while (*root == '/')
        root++;
    out->host = host;
    out->org_repo = repo;
    out->path = root;
    out->clone_url = arena_sprintf(a, "%s%s", host, repo);
    return 0;
}

bool
kgit_is_repo_url(const char *path)
{
    struct arena *a = arena_new();
    struct krepospec rs;
    bool ok = kgit_parse(a, &rs, path, NULL) == 0;
    arena_free(a);
    return ok;
}

const char *
kgit_clone_dir(const struct krepo *repo)
{
    return repo->clone_dir;
}

const char *
kgit_raw(const struct krepo *repo)
{
    return repo->spec.raw;
}

/* ---- the cache ---- */

static const char *
cache_root(struct kbuild *b)
{
    if (b->opts->git_cache)
        return b->opts->git_cache;
    const char *h = getenv("PKG_HOME");
    if (h && *h)
        return arena_sprintf(b->a, "%s/cache/git", h);
    if (geteuid() == 0)
        return "/var/lib/pkg/cache/git";
    const char *x = getenv("XDG_DATA_HOME");
    if (x && *x)
        return arena_sprintf(b->a, "%s/pkg/cache/git", x);
    const char *home = getenv("HOME");
    return arena_sprintf(b->a, "%s/.local/share/pkg/cache/git", home ? home : "/tmp");
}

static char *
cache_key(const char *url, const char *ref)
{
    char *k = xasprintf("%s\n%s", url, ref);
    unsigned char d[SHA256_LEN];
    sha256_digest(d, k, strlen(k));
    free(k);
    char *hex = xmalloc(2 * 20 + 1);
    for (int i = 0; i < 20; i++)
        sprintf(hex + 2 * i, "%02x", d[i]);
    return hex;
}

struct meta {
    char commit[GIT_OID_HEXSZ + 1];
    bool immutable;
};

static bool
meta_read(const char *dir, struct meta *m)
{
    char *p = xasprintf("%s/meta", dir);
    FILE *f = fopen(p, "r");
    free(p);
    if (!f)
        return false;
    char line[256];
    bool ok = false;
    memset(m, 0, sizeof(*m));
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = 0;
        if (!strncmp(line, "commit ", 7) && strlen(line + 7) == GIT_OID_HEXSZ) {
            strcpy(m->commit, line + 7);
            ok = true;
        } else if (!strcmp(line, "immutable")) {
            m->immutable = true;
        }
    }
    fclose(f);
    return ok;
}

static const char *
git_errmsg(void)
{
    const git_error *e = git_error_last();
    return e && e->message ? e->message : "unknown libgit2 error";
}

struct fetchctx {
    time_t deadline;
};

static int
progress_cb(const git_indexer_progress *stats, void *payload)
{
    (void)stats;
    struct fetchctx *c = payload;
    return time(NULL) > c->deadline ? -1 : 0;
}

static int
sideband_cb(const char *str, int len, void *payload)
{
    (void)str;
    (void)len;
    struct fetchctx *c = payload;
    return time(NULL) > c->deadline ? -1 : 0;
}

static bool
is_hex(const char *s)
{
    size_t n = strlen(s);
    if (n < 4 || n > 40)
        return false;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s))
            return false;
    return true;
}

/* Resolves ref against the remote's advertised refs: the oid (peeled for
 * annotated tags) and the full name, or false. */
static bool
resolve_remote(git_remote *remote, const char *ref, git_oid *oid, char **full, bool *immutable)
{
    const git_remote_head **heads;
    size_t n;
    if (git_remote_ls(&heads, &n, remote) != 0)
        return false;
    const char *want[4];
    char *c1 = NULL, *c2 = NULL;
    size_t nw = 0;
    if (!*ref) {
        want[nw++] = "HEAD";
    } else {
        c1 = xasprintf("refs/heads/%s", ref);
        c2 = xasprintf("refs/tags/%s", ref);
        want[nw++] = c2;
        want[nw++] = c1;
        want[nw++] = ref;
    }
    bool found = false;
    for (size_t w = 0; w < nw && !found; w++) {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(heads[i]->name, want[w]))
                continue;
            *oid = heads[i]->oid;
            *full = xstrdup(heads[i]->name);
            *immutable = !strncmp(heads[i]->name, "refs/tags/", 10);
            found = true;
            /* an annotated tag: the peeled entry */
            char *peeled = xasprintf("%s^{}", heads[i]->name);
            for (size_t j = 0; j < n; j++)
                if (!strcmp(heads[j]->name, peeled))
                    *oid = heads[j]->oid;
            free(peeled);
            break;
        }
    }
    free(c1);
    free(c2);
    return found;
}

static int
update_submodule(git_submodule *sm, const char *name, void *payload)
{
    (void)name;
    struct fetchctx *c = payload;
    git_submodule_update_options o;
    git_submodule_update_options_init(&o, GIT_SUBMODULE_UPDATE_OPTIONS_VERSION);
    o.fetch_opts.callbacks.transfer_progress = progress_cb;
    o.fetch_opts.callbacks.payload = c;
    if (git_submodule_update(sm, 1, &o) != 0)
        return -1;
    git_repository *sub = NULL;
    if (git_submodule_open(&sub, sm) != 0)
        return -1;
    int rc = git_submodule_foreach(sub, update_submodule, c);
    git_repository_free(sub);
    return rc;
}

/* Clones url at ref into dir (a fresh directory). */
static int
clone_into(const char *dir, const struct krepospec *rs, struct meta *m, char **errmsg)
{
    git_repository *repo = NULL;
    git_remote *remote = NULL;
    git_object *target = NULL;
    char *full = NULL;
    int rc = -1;
    struct fetchctx fc = {time(NULL) + rs->timeout};
    git_remote_callbacks cb;
    git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
    cb.transfer_progress = progress_cb;
    cb.sideband_progress = sideband_cb;
    cb.payload = &fc;
    if (git_repository_init(&repo, dir, 0) != 0 ||
        git_remote_create(&remote, repo, "origin", rs->clone_url) != 0 ||
        git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, NULL, NULL) != 0) {
        *errmsg = xasprintf("git: unable to reach '%s': %s", rs->clone_url, git_errmsg());
        goto out;
    }
    git_oid oid;
    bool immutable = false;
    git_fetch_options fo;
    git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
    fo.callbacks = cb;
    fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    if (resolve_remote(remote, rs->ref, &oid, &full, &immutable)) {
        char *spec = xasprintf("+%s:refs/pkg/target", full);
        char *specs[] = {spec};
        git_strarray sa = {specs, 1};
        int frc = git_remote_fetch(remote, &sa, &fo, NULL);
        free(spec);
        if (frc != 0) {
            *errmsg = xasprintf("git: failed to fetch '%s' from '%s': %s",
                                *rs->ref ? rs->ref : "HEAD", rs->clone_url, git_errmsg());
            goto out;
        }
    } else if (is_hex(rs->ref)) {
        char *specs[] = {"+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"};
        git_strarray sa = {specs, 2};
        if (git_remote_fetch(remote, &sa, &fo, NULL) != 0) {
            *errmsg = xasprintf("git: failed to fetch from '%s': %s", rs->clone_url, git_errmsg());
            goto out;
        }
        git_object *o = NULL;
        if (git_revparse_single(&o, repo, rs->ref) != 0) {
            *errmsg = xasprintf("git: couldn't find remote ref %s in '%s'", rs->ref, rs->clone_url);
            goto out;
        }
        oid = *git_object_id(o);
        git_object_free(o);
        immutable = strlen(rs->ref) == GIT_OID_HEXSZ;
    } else {
        *errmsg = xasprintf("git: couldn't find remote ref %s in '%s'", *rs->ref ? rs->ref : "HEAD",
                            rs->clone_url);
        goto out;
    }
    if (git_object_lookup(&target, repo, &oid, GIT_OBJECT_ANY) != 0) {
        *errmsg = xasprintf("git: missing object for '%s': %s", rs->ref, git_errmsg());
        goto out;
    }
    git_object *commit = NULL;
    if (git_object_peel(&commit, target, GIT_OBJECT_COMMIT) != 0) {
        *errmsg = xasprintf("git: '%s' is not a commit: %s", rs->ref, git_errmsg());
        goto out;
    }
    git_checkout_options co;
    git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
    co.checkout_strategy = GIT_CHECKOUT_FORCE;
    if (git_checkout_tree(repo, commit, &co) != 0 ||
        git_repository_set_head_detached(repo, git_object_id(commit)) != 0) {
        *errmsg = xasprintf("git: checkout of '%s' failed: %s", rs->ref, git_errmsg());
        git_object_free(commit);
        goto out;
    }
    git_oid_tostr(m->commit, sizeof(m->commit), git_object_id(commit));
    git_object_free(commit);
    m->immutable = immutable;
    if (rs->submodules && git_submodule_foreach(repo, update_submodule, &fc) != 0) {
        *errmsg = xasprintf("git: submodule update failed: %s", git_errmsg());
        goto out;
    }
    rc = 0;
out:
    free(full);
    git_object_free(target);
    if (remote)
        git_remote_disconnect(remote);
    git_remote_free(remote);
    git_repository_free(repo);
    return rc;
}

/* For a moving ref: the remote's current commit, or false. */
static bool
remote_commit(const struct krepospec *rs, char out[GIT_OID_HEXSZ + 1])
{
    git_remote *remote = NULL;
    bool ok = false;
    if (git_remote_create_detached(&remote, rs->clone_url) != 0)
        return false;
    struct fetchctx fc = {time(NULL) + rs->timeout};
    git_remote_callbacks cb;
    git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
    cb.transfer_progress = progress_cb;
    cb.payload = &fc;
    if (git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, NULL, NULL) == 0) {
        git_oid oid;
        char *full = NULL;
        bool imm;
        if (resolve_remote(remote, rs->ref, &oid, &full, &imm)) {
            git_oid_tostr(out, GIT_OID_HEXSZ + 1, &oid);
            ok = true;
        }
        free(full);
        git_remote_disconnect(remote);
    }
    git_remote_free(remote);
    return ok;
}

/* The checkout for a spec: cached, or cloned now. Heap strings. */
static int
ensure_clone(const char *root, bool offline, const struct krepospec *rs, char **dir_out,
             char **errmsg)
{
    struct pkg_err *e = NULL;
    if (fs_mkdir_p(root, 0755, &e)) {
        *errmsg = xstrdup(e->msg);
        pkg_err_free(e);
        return PKG_EIO;
    }
    char *key = cache_key(rs->clone_url, rs->ref);
    char *dir = xasprintf("%s/%s", root, key);
    struct meta m;
    bool cached = meta_read(dir, &m);
    if (!(cached && (m.immutable || offline))) {
        /* libgit2 only when talking to a remote */
        if (lazy_load("libgit2", &e)) {
            *errmsg = xstrdup(e->msg);
            pkg_err_free(e);
            free(key);
            free(dir);
            return PKG_ENOTSUP;
        }
        pthread_once(&git_once, git_init_once);
    }
    if (cached) {
        bool reuse = m.immutable || offline;
        if (!reuse) {
            /* a moving ref: the cached commit must still be current; an
             * unreachable remote keeps the cached copy */
            char cur[GIT_OID_HEXSZ + 1];
            reuse = !remote_commit(rs, cur) || !strcmp(cur, m.commit);
        }
        if (reuse) {
            *dir_out = xasprintf("%s/repo", dir);
            free(key);
            free(dir);
            return 0;
        }
    }
    char *tmp =
        xasprintf("%s/.tmp-%s-%d-%lx", root, key, (int)getpid(), (unsigned long)pthread_self());
    fs_remove_all(tmp, NULL);
    char *work = xasprintf("%s/repo", tmp);
    int rc = 0;
    if (fs_mkdir_p(work, 0755, &e)) {
        *errmsg = xstrdup(e->msg);
        pkg_err_free(e);
        rc = PKG_EIO;
    } else if (clone_into(work, rs, &m, errmsg) != 0) {
        rc = PKG_ENET;
    } else {
        char *mp = xasprintf("%s/meta", tmp);
        char *body = xasprintf("url %s\nref %s\ncommit %s\n%s", rs->clone_url, rs->ref, m.commit,
                               m.immutable ? "immutable\n" : "");
        if (fs_write_atomic(mp, body, strlen(body), 0644, &e)) {
            *errmsg = xstrdup(e->msg);
            pkg_err_free(e);
            rc = PKG_EIO;
        }
        free(mp);
        free(body);
        if (!rc) {
            char *old = xasprintf("%s/.old-%s-%d-%lx", root, key, (int)getpid(),
                                  (unsigned long)pthread_self());
            bool had = rename(dir, old) == 0;
            if (rename(tmp, dir) != 0) {
                *errmsg = xasprintf("rename %s: %s", dir, kerrno_str(errno));
                rc = PKG_EIO;
            }
            if (had)
                fs_remove_all(old, NULL);
            free(old);
        }
    }
    if (rc)
        fs_remove_all(tmp, NULL);
    free(tmp);
    free(work);
    if (!rc)
        *dir_out = xasprintf("%s/repo", dir);
    free(key);
    free(dir);
    return rc;
}

static struct kgit *
git_state(struct kbuild *b)
{
    if (!b->git) {
        b->git = xcalloc(1, sizeof(*b->git));
        pthread_mutex_init(&b->git->lock, NULL);
    }
    return b->git;
}

static struct kgit_entry *
entry_find(struct kgit *g, const char *key)
{
    for (size_t i = 0; i < g->n; i++)
        if (!strcmp(g->v[i].key, key))
            return &g->v[i];
    return NULL;
}

static void
entry_add(struct kgit *g, const char *key, char *dir, char *error, int code)
{
    pthread_mutex_lock(&g->lock);
    if (!entry_find(g, key)) {
        g->v = xgrow(g->v, &g->cap, g->n + 1, sizeof(*g->v));
        g->v[g->n++] = (struct kgit_entry){xstrdup(key), dir, error, code};
    } else {
        free(dir);
        free(error);
    }
    pthread_mutex_unlock(&g->lock);
}

struct job {
    struct kbuild *b;
    const char *root;
    struct krepospec rs;
    const char *key;
};

static void *
job_run(void *arg)
{
    struct job *j = arg;
    char *dir = NULL, *err = NULL;
    int rc = ensure_clone(j->root, j->b->opts->git_offline, &j->rs, &dir, &err);
    entry_add(j->b->git, j->key, dir, err, rc);
    return NULL;
}

int
kgit_prefetch(struct kbuild *b, const char *const *urls, size_t n)
{
    struct kgit *g = git_state(b);
    struct job *jobs = xcalloc(n + 1, sizeof(*jobs));
    pthread_t *th = xcalloc(n + 1, sizeof(*th));
    bool *started = xcalloc(n + 1, sizeof(*started));
    size_t nj = 0;
    const char *root = cache_root(b);
    for (size_t i = 0; i < n; i++) {
        struct krepospec rs;
        if (kgit_parse(b->a, &rs, urls[i], NULL))
            continue;
        const char *key = arena_sprintf(b->a, "%s\n%s", rs.clone_url, rs.ref);
        bool dup = false;
        pthread_mutex_lock(&g->lock);
        dup = entry_find(g, key) != NULL;
        pthread_mutex_unlock(&g->lock);
        for (size_t k = 0; k < nj && !dup; k++)
            dup = !strcmp(jobs[k].key, key);
        if (dup)
            continue;
        jobs[nj++] = (struct job){b, root, rs, key};
    }
    if (nj > 1) {
        for (size_t i = 0; i < nj; i++)
            started[i] = pthread_create(&th[i], NULL, job_run, &jobs[i]) == 0;
        for (size_t i = 0; i < nj; i++)
            if (started[i])
                pthread_join(th[i], NULL);
            else
                job_run(&jobs[i]);
    }
    free(jobs);
    free(th);
    free(started);
    return 0;
}

int
kgit_open_root(struct kbuild *b, struct kloader *l, struct kloader *referrer, const char *url,
               struct pkg_err **errp)
{
    struct krepospec rs;
    int rc = kgit_parse(b->a, &rs, url, errp);
    if (rc)
        return rc;
    for (struct kloader *p = referrer; p; p = p->referrer)
        if (p->repo && !strncmp(p->repo->spec.raw, rs.raw, strlen(rs.raw)))
            return pkg_err_set(errp, PKG_EINVAL,
                               "cycle detected: URI '%s' referenced by previous URI '%s'", rs.raw,
                               p->repo->spec.raw);
    struct kgit *g = git_state(b);
    const char *key = arena_sprintf(b->a, "%s\n%s", rs.clone_url, rs.ref);
    pthread_mutex_lock(&g->lock);
    struct kgit_entry *e = entry_find(g, key);
    pthread_mutex_unlock(&g->lock);
    if (!e) {
        char *dir = NULL, *err = NULL;
        int crc = ensure_clone(cache_root(b), b->opts->git_offline, &rs, &dir, &err);
        entry_add(g, key, dir, err, crc);
        pthread_mutex_lock(&g->lock);
        e = entry_find(g, key);
        pthread_mutex_unlock(&g->lock);
    }
    if (!e->dir)
        return pkg_err_set(errp, e->code ? e->code : PKG_ENET, "%s",
                           e->error ? e->error : "git clone failed");
    char *rp = realpath(e->dir, NULL);
    const char *clone = arena_strdup(b->a, rp ? rp : e->dir);
    free(rp);
    const char *abs = *rs.path ? arena_sprintf(b->a, "%s/%s", clone, rs.path) : clone;
    char *real = realpath(abs, NULL);
    if (!real)
        return pkg_err_set(errp, PKG_ENOENT, "evalsymlink failure on '%s' : lstat %s: %s", abs, abs,
                           kerrno_str(errno));
    struct stat st;
    bool isdir = stat(real, &st) == 0 && S_ISDIR(st.st_mode);
    const char *root = arena_strdup(b->a, real);
    free(real);
    if (!isdir)
        return pkg_err_set(errp, PKG_EINVAL, "'%s' refers to file '%s'; expecting directory", abs,
                           root);
    size_t cl = strlen(clone);
    if (strcmp(root, clone) && !(strncmp(root, clone, cl) == 0 && root[cl] == '/'))
        return pkg_err_set(errp, PKG_EPERM, "\"%s\" refers to directory outside of repo \"%s\"",
                           abs, clone);
    struct krepo *repo = arena_alloc(b->a, sizeof(*repo));
    repo->spec = rs;
    repo->clone_dir = clone;
    l->referrer = referrer;
    l->root = root;
    l->root_only = true;
    l->repo = repo;
    return 0;
}

void
kgit_release(struct kbuild *b)
{
    struct kgit *g = b->git;
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++) {
        free(g->v[i].key);
        free(g->v[i].dir);
        free(g->v[i].error);
    }
    free(g->v);
    pthread_mutex_destroy(&g->lock);
    free(g);
    b->git = NULL;
}

/* ---- http ---- */

struct httpbuf {
    struct sb *sb;
    bool over;
};

static size_t
http_write(char *p, size_t size, size_t n, void *payload)
{
    struct httpbuf *h = payload;
    size_t len = size * n;
    if (h->sb->len + len > KUST_MAX_FILE) {
        h->over = true;
        return 0;
    }
    sb_add(h->sb, p, len);
    return len;
}

int
kgit_http_get(struct kbuild *b, struct sb *out, const char *url, struct pkg_err **errp)
{
    (void)b;
    int lrc = lazy_load("libcurl", errp);
    if (lrc)
        return lrc;
    CURL *c = curl_easy_init();
    if (!c)
        return pkg_err_set(errp, PKG_ENET, "curl: cannot initialize");
    struct httpbuf h = {out, false};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &h);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (h.over)
        return pkg_err_set(errp, PKG_ELIMIT, "%s: larger than %u bytes", url, KUST_MAX_FILE);
    if (cc != CURLE_OK)
        return pkg_err_set(errp, PKG_EIO, "Get \"%s\": %s", url, curl_easy_strerror(cc));
    if (status < 200 || status > 299) {
        /* only a plain HTTP failure stops the build (kustomize's ErrHTTP) */
        if (kgit_is_repo_url(url))
            return pkg_err_set(errp, PKG_EINVAL, "URL is a git repository");
        return pkg_err_set(errp, PKG_ENET, "HTTP Error: status code %ld (%s)", status,
                           status == 404   ? "Not Found"
                           : status == 403 ? "Forbidden"
                           : status == 401 ? "Unauthorized"
                                           : "error");
    }
    return 0;
}
