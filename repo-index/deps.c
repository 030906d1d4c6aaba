/* Chart dependencies from repositories: `dependency update`, `build` and
 * `list`, after Helm's downloader.Manager, internal/resolver and
 * action.Dependency. The lock file (Chart.lock) and its digest are what
 * Helm writes, so helm and pkg accept each other's locks. */
#include "repo-index/repo.h"
#include "repo-index/repo-int.h"

#include "chart/chart.h"
#include "core/fsutil.h"
#include "core/json.h"
#include "core/xalloc.h"
#include "core/yaml.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(const struct repo_dep_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(const struct repo_dep_opts *o, const char *fmt, ...)
{
    if (!o->out)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        xalloc_die();
    va_end(ap);
    o->out(o->out_payload, s);
    free(s);
}

static const char *
str_of(const struct val *m, const char *k)
{
    const struct val *v = m && m->kind == VAL_MAP ? val_map_getz(m, k) : NULL;
    return v && v->kind == VAL_STRING ? v->u.s.ptr : "";
}

/* ---- loading the chart's metadata and lock ------------------------------- */

static int
load_yaml_file(struct val **out, struct arena *a, const char *path, struct pkg_err **errp)
{
    struct val_yaml_opts yo = {.dialect = VAL_YAML_HELM, .allow_duplicate_keys = true};
    struct sb sb = SB_INIT;
    int rc = sb_read_file(&sb, path, 5u << 20, errp);
    if (rc == 0) {
        size_t skip = sb.len >= 3 && !memcmp(sb.buf, "\xef\xbb\xbf", 3) ? 3 : 0;
        rc = val_yaml_load(out, a, sb.buf + skip, sb.len - skip, arena_strdup(a, path), &yo, errp);
    }
    sb_release(&sb);
    return rc;
}

/* Chart.lock (or requirements.lock): *out NULL when there is none. */
static int
load_lock(struct val **out, struct arena *a, const char *dir, struct pkg_err **errp)
{
    *out = NULL;
    const char *names[] = {"Chart.lock", "requirements.lock"};
    for (int i = 0; i < 2; i++) {
        char *p = xasprintf("%s/%s", dir, names[i]);
        int rc = 0;
        if (fs_exists(p)) {
            struct val *doc;
            rc = load_yaml_file(&doc, a, p, errp);
            if (rc == 0 && doc->kind == VAL_MAP) {
                struct val *lock = val_map(a);
                val_map_setz(a, lock, "digest", val_strz(a, str_of(doc, "digest")));
                struct val *deps = val_seq(a);
                const struct val *dl = val_map_getz(doc, "dependencies");
                for (size_t j = 0; dl && dl->kind == VAL_SEQ && j < val_seq_len(dl); j++) {
                    const struct val *d = val_seq_at(dl, j);
                    if (d->kind != VAL_MAP)
                        continue;
                    struct val *m = val_map(a);
                    val_map_setz(a, m, "name", val_strz(a, str_of(d, "name")));
                    if (*str_of(d, "version"))
                        val_map_setz(a, m, "version", val_strz(a, str_of(d, "version")));
                    val_map_setz(a, m, "repository", val_strz(a, str_of(d, "repository")));
                    val_seq_push(a, deps, m);
                }
                val_map_setz(a, lock, "dependencies", deps);
                *out = lock;
            }
            free(p);
            return rc;
        }
        free(p);
    }
    return 0;
}

/* ---- hashes ---------------------------------------------------------------- */

/* A dependency as encoding/json marshals chart.Dependency (struct order,
 * import-values maps sorted). */
static struct val *
dep_json(struct arena *a, const struct val *d)
{
    static const char *const order[] = {"name",          "version", "repository",
                                        "condition",     "tags",    "enabled",
                                        "import-values", "alias",   NULL};
    struct val *m = val_map(a);
    for (const char *const *k = order; *k; k++) {
        const struct val *v = val_map_getz(d, *k);
        if (!v) {
            if (!strcmp(*k, "name") || !strcmp(*k, "repository"))
                val_map_setz(a, m, *k, val_strz(a, ""));
            continue;
        }
        if (!strcmp(*k, "import-values")) {
            /* Sort the keys of maps inside (Go maps). */
            struct sb sb = SB_INIT;
            struct val *copy = val_seq(a);
            for (size_t i = 0; i < val_seq_len(v); i++) {
                const struct val *it = val_seq_at(v, i);
                if (it->kind == VAL_MAP) {
                    struct val_mapent *ents = val_map_sorted(a, it);
                    struct val *sm = val_map(a);
                    for (size_t j = 0; j < val_map_len(it); j++)
                        val_map_set(a, sm, ents[j].key->u.s.ptr, ents[j].key->u.s.len, ents[j].v);
                    val_seq_push(a, copy, sm);
                } else {
                    val_seq_push(a, copy, (struct val *)it);
                }
            }
            sb_release(&sb);
            val_map_setz(a, m, *k, copy);
            continue;
        }
        val_map_setz(a, m, *k, (struct val *)v);
    }
    return m;
}

/* resolver.HashReq: "sha256:" + sha256(json.Marshal([req, lock])). */
static int
hash_req(char out[80], struct arena *a, const struct val *req, const struct val *lock,
         struct pkg_err **errp)
{
    struct val *pair = val_seq(a);
    const struct val *lists[2] = {req, lock};
    for (int i = 0; i < 2; i++) {
        struct val *l = val_seq(a);
        for (size_t j = 0; lists[i] && j < val_seq_len(lists[i]); j++)
            val_seq_push(a, l, dep_json(a, val_seq_at(lists[i], j)));
        /* A nil slice marshals as null. */
        val_seq_push(a, pair, lists[i] && val_seq_len(lists[i]) ? l : val_null(a));
    }
    struct sb sb = SB_INIT;
    int rc = val_json_emit(&sb, pair, VAL_JSON_KEEP_ORDER, errp);
    if (rc == 0) {
        char hex[65];
        repo_sha256_hex(hex, sb.buf, sb.len);
        snprintf(out, 80, "sha256:%s", hex);
    }
    sb_release(&sb);
    return rc;
}

/* resolver.HashV2Req: sha256 of {"dependencies": req}. */
static int
hash_v2_req(char out[80], struct arena *a, const struct val *req, struct pkg_err **errp)
{
    struct val *l = val_seq(a);
    for (size_t j = 0; req && j < val_seq_len(req); j++)
        val_seq_push(a, l, dep_json(a, val_seq_at(req, j)));
    struct val *m = val_map(a);
    val_map_setz(a, m, "dependencies", req ? l : val_null(a));
    struct sb sb = SB_INIT;
    int rc = val_json_emit(&sb, m, VAL_JSON_KEEP_ORDER, errp);
    if (rc == 0) {
        char hex[65];
        repo_sha256_hex(hex, sb.buf, sb.len);
        snprintf(out, 80, "sha256:%s", hex);
    }
    sb_release(&sb);
    return rc;
}

/* ---- repositories ---------------------------------------------------------- */

#define MANAGER_PREFIX "helm-manager-"

/* What resolveRepoNames learns: for each dependency (by index) the
 * repository name whose cached index to use ("" for none). */
struct dep_ctx {
    struct arena *a;
    const char *dir;
    const struct repo_dep_opts *o;
    struct repo_config cfg;
    struct val *deps; /* the chart's dependencies (mutated: @name -> URL) */
    const char **repo_names;
    struct repo_entry_cfg *unmanaged; /* temporary repositories */
    size_t nunmanaged;
};

static bool
is_oci(const char *r)
{
    return !strncmp(r, "oci://", 6);
}

/* Go's url.ParseRequestURI succeeds for absolute URLs and absolute paths. */
static bool
parse_request_uri_ok(const char *s)
{
    if (s[0] == '/')
        return true;
    const char *c = strstr(s, "://");
    if (!c || c == s)
        return false;
    for (const char *p = s; p < c; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (p > s && ((*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'))))
            return false;
    return true;
}

static int
local_path(char **out, const char *repo, const char *chart_dir, struct pkg_err **errp)
{
    const char *p = !strncmp(repo, "file://", 7) ? repo + 7 : repo;
    char *dep = p[0] == '/' ? fs_clean(p) : xasprintf("%s/%s", chart_dir, p);
    if (!fs_exists(dep)) {
        int rc = pkg_err_set(errp, PKG_ENOENT, "directory %s not found", dep);
        free(dep);
        return rc;
    }
    *out = dep;
    return 0;
}

static int
resolve_repo_names(struct dep_ctx *c, struct pkg_err **errp)
{
    size_t n = val_seq_len(c->deps);
    c->repo_names = arena_alloc(c->a, (n + 1) * sizeof(char *));
    struct sb missing = SB_INIT;
    bool non_url = false;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct val *d = val_seq_at(c->deps, i);
        const char *repo = str_of(d, "repository");
        c->repo_names[i] = "";
        if (!*repo)
            continue;
        if (!strncmp(repo, "file://", 7)) {
            char *p;
            rc = local_path(&p, repo, c->dir, errp);
            if (rc)
                goto out;
            free(p);
            c->repo_names[i] = repo;
            continue;
        }
        if (is_oci(repo)) {
            rc = pkg_err_set(errp, PKG_ENOTSUP,
                             "dependency \"%s\": OCI registries (%s) are not supported by pkg",
                             str_of(d, "name"), repo);
            goto out;
        }
        bool found = false;
        for (size_t k = 0; k < c->cfg.n; k++) {
            const struct repo_entry_cfg *e = &c->cfg.v[k];
            if ((repo[0] == '@' && !strcmp(repo + 1, e->name)) ||
                (!strncmp(repo, "alias:", 6) && !strcmp(repo + 6, e->name))) {
                val_map_setz(c->a, d, "repository", val_strz(c->a, e->url));
                c->repo_names[i] = arena_strdup(c->a, e->name);
                found = true;
                break;
            }
            if (repo_url_equal(e->url, repo)) {
                c->repo_names[i] = arena_strdup(c->a, e->name);
                found = true;
                break;
            }
        }
        if (found)
            continue;
        if (parse_request_uri_ok(repo))
            continue; /* an unmanaged repository, fetched on its own */
        if (missing.len)
            sb_addstr(&missing, ", ");
        sb_addstr(&missing, repo);
        if (!strstr(repo, "//") && repo[0] != '@' && strncmp(repo, "alias:", 6))
            non_url = true;
    }
    if (missing.len) {
        rc = pkg_err_set(errp, PKG_ENOENT,
                         "no repository definition for %s. Please add them via 'pkg repo add'%s",
                         missing.buf,
                         non_url ? "\nNote that repositories must be URLs or aliases. For "
                                   "example, to refer to the \"example\"\nrepository, use "
                                   "\"https://charts.example.com/\" or \"@example\" instead of\n"
                                   "\"example\". Don't forget to add the repo, too ('pkg repo "
                                   "add')."
                                 : "");
    }
out:
    sb_release(&missing);
    return rc;
}

/* Dependencies on repositories nobody added get a temporary one named
 * helm-manager-<sha256 of the URL>, as Helm names them. */
static int
ensure_missing_repos(struct dep_ctx *c, struct pkg_err **errp)
{
    size_t n = val_seq_len(c->deps);
    c->unmanaged = arena_alloc(c->a, (n + 1) * sizeof(*c->unmanaged));
    for (size_t i = 0; i < n; i++) {
        const struct val *d = val_seq_at(c->deps, i);
        const char *repo = str_of(d, "repository");
        if (!*repo || *c->repo_names[i])
            continue;
        char hex[65];
        repo_sha256_hex(hex, repo, strlen(repo));
        const char *rn = arena_sprintf(c->a, MANAGER_PREFIX "%s", hex);
        c->repo_names[i] = rn;
        bool dup = false;
        for (size_t k = 0; k < c->nunmanaged; k++)
            if (!strcmp(c->unmanaged[k].name, rn))
                dup = true;
        if (dup)
            continue;
        struct repo_entry_cfg *e = &c->unmanaged[c->nunmanaged++];
        memset(e, 0, sizeof(*e));
        e->name = (char *)rn;
        e->url = (char *)repo;
        e->username = e->password = e->cert_file = e->key_file = e->ca_file = (char *)"";
    }
    if (c->nunmanaged && !c->o->skip_refresh) {
        say(c->o, "Getting updates for unmanaged Helm repositories...");
        char *cache = repo_cache_dir();
        for (size_t k = 0; k < c->nunmanaged; k++) {
            struct repo_update_result ur;
            struct pkg_err *e = NULL;
            if (repo_update_one(&ur, &c->unmanaged[k], cache, false, &c->o->warn, &e) < 0) {
                say(c->o, "...Unable to get an update from the \"%s\" chart repository:\n\t%s",
                    c->unmanaged[k].url, e->msg);
                pkg_err_free(e);
            } else {
                say(c->o, "...Successfully got an update from the \"%s\" chart repository",
                    c->unmanaged[k].url);
            }
        }
        free(cache);
    }
    (void)errp;
    return 0;
}

static void
update_repositories(struct dep_ctx *c)
{
    if (c->o->skip_refresh || c->cfg.n == 0)
        return;
    say(c->o, "Hang tight while we grab the latest from your chart repositories...");
    char *cache = repo_cache_dir();
    for (size_t k = 0; k < c->cfg.n; k++) {
        struct repo_update_result ur;
        struct pkg_err *e = NULL;
        if (repo_update_one(&ur, &c->cfg.v[k], cache, false, &c->o->warn, &e) < 0) {
            say(c->o, "...Unable to get an update from the \"%s\" chart repository (%s):\n\t%s",
                c->cfg.v[k].name, c->cfg.v[k].url, e->msg);
            pkg_err_free(e);
        } else {
            say(c->o, "...Successfully got an update from the \"%s\" chart repository",
                c->cfg.v[k].name);
        }
    }
    free(cache);
    say(c->o, "Update Complete. \xe2\x8e\x88Happy Helming!\xe2\x8e\x88");
}

/* ---- resolution ------------------------------------------------------------ */

static int
check_constraint(bool *ok, const char *constraint, const char *version, const char *name,
                 struct pkg_err **errp)
{
    struct semver_constraint *con;
    int rc = semver_constraint_parse(&con, constraint, errp);
    if (rc)
        return pkg_err_wrap(errp, "dependency \"%s\" has an invalid version/constraint format",
                            name);
    struct semver v;
    rc = semver_parse(&v, version, false, errp);
    if (rc) {
        semver_constraint_free(con);
        return rc;
    }
    *ok = semver_constraint_check(con, &v);
    semver_release(&v);
    semver_constraint_free(con);
    return 0;
}

/* resolver.Resolve: the lock's dependency list. */
static int
resolve(struct val **out, struct dep_ctx *c, struct pkg_err **errp)
{
    struct arena *a = c->a;
    struct val *locked = val_seq(a);
    struct sb missing = SB_INIT;
    size_t nmissing = 0;
    int rc = 0;
    for (size_t i = 0; i < val_seq_len(c->deps); i++) {
        const struct val *d = val_seq_at(c->deps, i);
        const char *name = str_of(d, "name"), *repo = str_of(d, "repository");
        const char *constraint = str_of(d, "version");
        struct semver_constraint *con = NULL;
        rc = semver_constraint_parse(&con, constraint, errp);
        if (rc) {
            pkg_err_wrap(errp, "dependency \"%s\" has an invalid version/constraint format", name);
            goto out;
        }
        struct val *l = val_map(a);
        val_map_setz(a, l, "name", val_strz(a, name));
        val_seq_push(a, locked, l);
        if (!*repo) {
            char *p;
            char *rel = xasprintf("charts/%s", name);
            rc = local_path(&p, rel, c->dir, errp);
            free(rel);
            semver_constraint_free(con);
            if (rc)
                goto out;
            free(p);
            if (*constraint)
                val_map_setz(a, l, "version", val_strz(a, constraint));
            val_map_setz(a, l, "repository", val_strz(a, ""));
            continue;
        }
        if (!strncmp(repo, "file://", 7)) {
            char *p;
            rc = local_path(&p, repo, c->dir, errp);
            struct val *md = NULL;
            if (rc == 0)
                rc = repo_dir_metadata(&md, a, p, errp);
            free(p);
            if (rc) {
                semver_constraint_free(con);
                goto out;
            }
            struct semver v;
            struct pkg_err *e = NULL;
            if (semver_parse(&v, str_of(md, "version"), false, &e) < 0) {
                pkg_err_free(e);
                semver_constraint_free(con);
                continue;
            }
            bool ok = semver_constraint_check(con, &v);
            semver_release(&v);
            semver_constraint_free(con);
            if (!ok) {
                sb_addf(&missing, "%s\"%s\" (repository \"%s\", version \"%s\")",
                        nmissing++ ? ", " : "", name, repo, constraint);
                continue;
            }
            val_map_setz(a, l, "version", val_strz(a, str_of(md, "version")));
            val_map_setz(a, l, "repository", val_strz(a, repo));
            continue;
        }
        const char *rname = c->repo_names[i];
        val_map_setz(a, l, "repository", val_strz(a, repo));
        struct repo_index *idx = NULL;
        rc = repo_load_cached(&idx, rname, &c->o->warn, errp);
        if (rc) {
            semver_constraint_free(con);
            pkg_err_wrap(errp, "no cached repository for %s found. (try 'pkg repo update')", rname);
            goto out;
        }
        struct repo_chart *ch = repo_index_chart(idx, name);
        if (!ch) {
            rc = pkg_err_set(errp, PKG_ENOENT, "%s chart not found in repo %s", name, repo);
            repo_index_free(idx);
            semver_constraint_free(con);
            goto out;
        }
        bool found = false;
        for (size_t k = 0; k < ch->n; k++) {
            const struct repo_entry *e = ch->v[k];
            if (!e->sv_ok || !e->urls || val_seq_len(e->urls) == 0)
                continue;
            if (semver_constraint_check(con, &e->sv)) {
                val_map_setz(a, l, "version", val_strz(a, e->version));
                found = true;
                break;
            }
        }
        repo_index_free(idx);
        semver_constraint_free(con);
        if (!found)
            sb_addf(&missing, "%s\"%s\" (repository \"%s\", version \"%s\")",
                    nmissing++ ? ", " : "", name, repo, constraint);
        /* Keep the field order of chart.Dependency: name, version, repository. */
        struct val *fixed = val_map(a);
        val_map_setz(a, fixed, "name", val_map_getz(l, "name"));
        if (val_map_getz(l, "version"))
            val_map_setz(a, fixed, "version", val_map_getz(l, "version"));
        val_map_setz(a, fixed, "repository", val_map_getz(l, "repository"));
        locked->u.seq.items[val_seq_len(locked) - 1] = fixed;
    }
    if (nmissing)
        rc = pkg_err_set(errp, PKG_ENOENT,
                         "can't get a valid version for %zu subchart(s): %s. Make sure a matching "
                         "chart version exists in the repo, or change the version constraint in "
                         "Chart.yaml",
                         nmissing, missing.buf);
    else
        *out = locked;
out:
    sb_release(&missing);
    return rc;
}

/* ---- downloading ----------------------------------------------------------- */

/* Helm's normalizeURL (the manager joins paths, it does not resolve). */
static char *
normalize_url(const char *base, const char *u)
{
    if (strstr(u, "://"))
        return xstrdup(u);
    return repo_url_join(base, u);
}

/* Where a locked dependency's archive is: the configured (or temporary)
 * repository whose URL equals the dependency's, the entry of the exact
 * version. */
static int
find_chart_url(struct repo_resolved *r, struct dep_ctx *c, const char *name, const char *version,
               const char *repo_url, struct pkg_err **errp)
{
    memset(r, 0, sizeof(*r));
    struct repo_entry_cfg *cfg = NULL;
    for (size_t k = 0; k < c->cfg.n && !cfg; k++)
        if (repo_url_equal(repo_url, c->cfg.v[k].url))
            cfg = &c->cfg.v[k];
    for (size_t k = 0; k < c->nunmanaged && !cfg; k++)
        if (repo_url_equal(repo_url, c->unmanaged[k].url))
            cfg = &c->unmanaged[k];
    if (!cfg) {
        /* Not added and not fetched yet (dependency build): fetch its index. */
        char hex[65];
        repo_sha256_hex(hex, repo_url, strlen(repo_url));
        struct repo_entry_cfg *e = &c->unmanaged[c->nunmanaged++];
        memset(e, 0, sizeof(*e));
        e->name = (char *)arena_sprintf(c->a, MANAGER_PREFIX "%s", hex);
        e->url = (char *)repo_url;
        e->username = e->password = e->cert_file = e->key_file = e->ca_file = (char *)"";
        char *cache = repo_cache_dir();
        struct repo_update_result ur;
        int rc = repo_update_one(&ur, e, cache, false, &c->o->warn, errp);
        free(cache);
        if (rc)
            return pkg_err_wrap(errp, "chart %s not found in %s", name, repo_url);
        cfg = e;
    }
    struct repo_index *idx;
    int rc = repo_load_cached(&idx, cfg->name, &c->o->warn, errp);
    if (rc)
        return rc;
    struct repo_chart *ch = repo_index_chart(idx, name);
    const struct repo_entry *hit = NULL;
    struct semver want;
    struct pkg_err *e = NULL;
    bool want_ok = semver_parse(&want, version, false, &e) == 0;
    pkg_err_free(e);
    for (size_t k = 0; ch && k < ch->n && !hit; k++) {
        const struct repo_entry *en = ch->v[k];
        if (!en->urls || val_seq_len(en->urls) == 0)
            continue;
        bool eq =
            want_ok ? en->sv_ok && semver_cmp(&en->sv, &want) == 0 : !strcmp(en->version, version);
        if (!*version || eq)
            hit = en;
    }
    if (want_ok)
        semver_release(&want);
    if (!hit) {
        repo_index_free(idx);
        return pkg_err_set(errp, PKG_ENOENT, "%s", ch ? "no matching version" : "entry not found");
    }
    const char *u0 = val_seq_at(hit->urls, 0)->u.s.ptr;
    r->url = normalize_url(cfg->url, u0);
    if (!strstr(u0, "://") && !repo_url_under(cfg->url, r->url)) {
        rc = pkg_err_set(errp, PKG_EPERM, "chart URL \"%s\" of %s %s escapes the repository %s", u0,
                         name, version, cfg->url);
        repo_index_free(idx);
        free(r->url);
        r->url = NULL;
        return rc;
    }
    r->digest = xstrdup(hit->digest);
    r->name = xstrdup(hit->name);
    r->version = xstrdup(hit->version);
    r->repo = cfg;
    repo_index_free(idx);
    return 0;
}

static bool
is_tgz(const char *n)
{
    size_t l = strlen(n);
    return l > 4 && !strcmp(n + l - 4, ".tgz");
}

/* Files of a directory (not dirs), sorted. */
static size_t
list_files(char ***out, const char *dir)
{
    *out = NULL;
    size_t n = 0, cap = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
            continue;
        char *p = xasprintf("%s/%s", dir, de->d_name);
        bool dir_ = fs_is_dir(p);
        free(p);
        if (dir_)
            continue;
        *out = xgrow(*out, &cap, n + 1, sizeof(char *));
        (*out)[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    return n;
}

static void
free_files(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int
safe_move_deps(struct dep_ctx *c, const struct val *deps, const char *src, const char *dest)
{
    char **sf, **df;
    size_t ns = list_files(&sf, src), nd = list_files(&df, dest);
    for (size_t i = 0; i < ns; i++) {
        char *from = xasprintf("%s/%s", src, sf[i]), *to = xasprintf("%s/%s", dest, sf[i]);
        struct arena *a = arena_new();
        struct val *md;
        struct pkg_err *e = NULL;
        if (repo_archive_metadata(&md, a, from, &e) < 0) {
            say(c->o, "Could not verify %s for moving: %s (Skipping)", from, e->msg);
            pkg_err_free(e);
        } else if (rename(from, to) < 0) {
            say(c->o, "Unable to move %s to charts dir %s (Skipping)", from, strerror(errno));
        }
        arena_free(a);
        free(from);
        free(to);
    }
    say(c->o, "Deleting outdated charts");
    for (size_t i = 0; i < nd; i++) {
        bool kept = false;
        for (size_t j = 0; j < ns; j++)
            if (!strcmp(df[i], sf[j]))
                kept = true;
        if (kept)
            continue;
        char *p = xasprintf("%s/%s", dest, df[i]);
        struct arena *a = arena_new();
        struct val *md;
        struct pkg_err *e = NULL;
        if (repo_archive_metadata(&md, a, p, &e) < 0) {
            say(c->o, "Could not verify %s for deletion: %s (Skipping)", p, e->msg);
            pkg_err_free(e);
        } else {
            bool local = false;
            for (size_t k = 0; k < val_seq_len(deps); k++) {
                const struct val *d = val_seq_at(deps, k);
                if (!*str_of(d, "repository") && !strcmp(str_of(d, "name"), str_of(md, "name")))
                    local = true;
            }
            if (!local && unlink(p) < 0)
                say(c->o, "Could not delete %s: %s (Skipping)", p, strerror(errno));
        }
        arena_free(a);
        free(p);
    }
    free_files(sf, ns);
    free_files(df, nd);
    return 0;
}

/* downloadAll: every locked dependency into charts/ (through a temporary
 * folder, so that a failure leaves charts/ as it was). May update the
 * versions of file:// dependencies in deps. */
static int
download_all(struct dep_ctx *c, struct val *deps, struct pkg_err **errp)
{
    char *dest = xasprintf("%s/charts", c->dir);
    char *tmp = xasprintf("%s/tmpcharts-%d", c->dir, (int)getpid());
    int rc = 0;
    struct stat st;
    if (stat(dest, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            rc = pkg_err_set(errp, PKG_EINVAL, "\"%s\" is not a directory", dest);
            goto out;
        }
    } else if ((rc = fs_mkdir_p(dest, 0755, errp))) {
        goto out;
    }
    if ((rc = fs_mkdir_p(tmp, 0755, errp)))
        goto out;
    say(c->o, "Saving %zu charts", val_seq_len(deps));
    struct pkg_err *save = NULL;
    const char **seen = arena_alloc(c->a, (val_seq_len(deps) + 1) * sizeof(char *));
    size_t nseen = 0;
    for (size_t i = 0; i < val_seq_len(deps) && !save; i++) {
        struct val *d = val_seq_at(deps, i);
        const char *name = str_of(d, "name"), *repo = str_of(d, "repository");
        const char *version = str_of(d, "version");
        if (!*repo) {
            say(c->o,
                "Dependency %s did not declare a repository. Assuming it exists in the charts "
                "directory",
                name);
            char *p = xasprintf("%s/%s", dest, name);
            struct val *md;
            if (repo_dir_metadata(&md, c->a, p, &save) < 0) {
                pkg_err_wrap(&save, "unable to load chart '%s'", p);
                free(p);
                break;
            }
            free(p);
            bool ok;
            if (check_constraint(&ok, version, str_of(md, "version"), name, &save) < 0)
                break;
            if (!ok)
                pkg_err_set(&save, PKG_EINVAL,
                            "dependency %s at version %s does not satisfy the constraint %s", name,
                            str_of(md, "version"), version);
            continue;
        }
        if (!strncmp(repo, "file://", 7)) {
            /* tarFromLocalDir: package the local chart if its version fits. */
            char *p;
            struct val *md;
            if (local_path(&p, repo, c->dir, &save) < 0)
                break;
            if (repo_dir_metadata(&md, c->a, p, &save) < 0) {
                free(p);
                break;
            }
            bool ok;
            if (check_constraint(&ok, version, str_of(md, "version"), name, &save) < 0) {
                free(p);
                break;
            }
            if (!ok) {
                pkg_err_set(&save, PKG_ENOENT, "can't get a valid version for dependency %s", name);
                free(p);
                break;
            }
            const char *out = NULL;
            struct chart_package_opts po = {.dest_dir = tmp};
            int pr = chart_package(&out, c->a, p, &po, &save);
            free(p);
            if (pr < 0)
                break;
            val_map_setz(c->a, d, "version", val_strz(c->a, str_of(md, "version")));
            continue;
        }
        struct repo_resolved r;
        if (find_chart_url(&r, c, name, version, repo, &save) < 0) {
            pkg_err_wrap(&save, "could not find %s", repo);
            break;
        }
        bool dup = false;
        for (size_t k = 0; k < nseen; k++)
            if (!strcmp(seen[k], r.url))
                dup = true;
        if (dup) {
            say(c->o, "Already downloaded %s from repo %s", name, repo);
            repo_resolved_release(&r);
            continue;
        }
        say(c->o, "Downloading %s from repo %s", name, repo);
        char *path = NULL;
        if (repo_download(&path, &r, tmp, false, &save) < 0) {
            pkg_err_wrap(&save, "could not download %s", r.url);
            repo_resolved_release(&r);
            break;
        }
        if (c->o->verify) {
            char *prov_url = xasprintf("%s.prov", r.url), *prov = xasprintf("%s.prov", path);
            struct repo_fetch_opts fo = {0};
            repo_fetch_opts_from_cfg(&fo, r.repo);
            fo.max_bytes = 1 << 20;
            struct repo_fetch_result fr;
            int vr = repo_fetch_file(&fr, prov_url, prov, NULL, &fo, &save);
            repo_fetch_result_release(&fr);
            if (vr == 0) {
                struct repo_prov_result pr;
                vr = repo_prov_verify(&pr, path, prov, c->o->keyring, &save);
            } else {
                pkg_err_wrap(&save, "failed to fetch provenance \"%s\"", prov_url);
            }
            unlink(prov);
            free(prov_url);
            free(prov);
            if (vr) {
                free(path);
                repo_resolved_release(&r);
                break;
            }
        }
        seen[nseen++] = arena_strdup(c->a, r.url);
        free(path);
        repo_resolved_release(&r);
    }
    if (!save) {
        safe_move_deps(c, deps, tmp, dest);
    } else {
        say(c->o, "Save error occurred:  %s", save->msg);
        rc = save->code;
        if (errp)
            *errp = save;
        else
            pkg_err_free(save);
    }
    struct pkg_err *e = NULL;
    fs_remove_all(tmp, &e);
    pkg_err_free(e);
out:
    free(dest);
    free(tmp);
    return rc;
}

/* ---- lock file --------------------------------------------------------------- */

static int
write_lock(struct dep_ctx *c, const struct val *locked, const char *digest, bool legacy,
           struct pkg_err **errp)
{
    struct arena *a = c->a;
    struct val *m = val_map(a);
    char now[REPO_TIME_MAX];
    repo_time_now(now);
    val_map_setz(a, m, "generated", val_strz(a, now));
    val_map_setz(a, m, "digest", val_strz(a, digest));
    struct val *l = val_seq(a);
    for (size_t i = 0; i < val_seq_len(locked); i++)
        val_seq_push(a, l, dep_json(a, val_seq_at(locked, i)));
    val_map_setz(a, m, "dependencies", val_seq_len(l) ? l : val_null(a));
    struct sb sb = SB_INIT;
    int rc = val_yaml_emit(&sb, m, VAL_YAML_HELM, errp);
    if (rc == 0) {
        char *p = xasprintf("%s/%s", c->dir, legacy ? "requirements.lock" : "Chart.lock");
        rc = fs_write_atomic(p, sb.buf, sb.len, 0644, errp);
        free(p);
    }
    sb_release(&sb);
    return rc;
}

/* ---- entry points ------------------------------------------------------------ */

static int
ctx_init(struct dep_ctx *c, struct val **md, const char *dir, const struct repo_dep_opts *o,
         struct pkg_err **errp)
{
    memset(c, 0, sizeof(*c));
    c->a = arena_new();
    c->dir = dir;
    c->o = o;
    struct stat st;
    if (stat(dir, &st) < 0) {
        int rc = pkg_err_sys(errp, "could not find %s", dir);
        arena_free(c->a);
        return rc;
    }
    if (!S_ISDIR(st.st_mode)) {
        arena_free(c->a);
        return pkg_err_set(errp, PKG_EINVAL, "only unpacked charts can be updated");
    }
    int rc = repo_dir_metadata(md, c->a, dir, errp);
    if (rc == 0)
        rc = repo_config_load(&c->cfg, errp);
    if (rc) {
        arena_free(c->a);
        return rc;
    }
    struct val *deps = val_map_getz(*md, "dependencies");
    c->deps = deps ? deps : val_seq(c->a);
    return 0;
}

static void
ctx_release(struct dep_ctx *c)
{
    repo_config_release(&c->cfg);
    arena_free(c->a);
}

int
repo_dep_update(const char *chart_dir, const struct repo_dep_opts *o, struct pkg_err **errp)
{
    struct dep_ctx c;
    struct val *md;
    int rc = ctx_init(&c, &md, chart_dir, o, errp);
    if (rc)
        return rc;
    if (!val_map_getz(md, "dependencies"))
        goto out; /* nothing to do, as Helm */
    if ((rc = resolve_repo_names(&c, errp)) || (rc = ensure_missing_repos(&c, errp)))
        goto out;
    update_repositories(&c);
    struct val *locked = NULL;
    if ((rc = resolve(&locked, &c, errp)))
        goto out;
    if ((rc = download_all(&c, locked, errp)))
        goto out;
    char digest[80];
    if ((rc = hash_req(digest, c.a, c.deps, locked, errp)))
        goto out;
    struct val *old;
    if ((rc = load_lock(&old, c.a, chart_dir, errp)))
        goto out;
    if (old && !strcmp(str_of(old, "digest"), digest))
        goto out;
    rc = write_lock(&c, locked, digest, !strcmp(str_of(md, "apiVersion"), "v1"), errp);
out:
    ctx_release(&c);
    return rc;
}

int
repo_dep_build(const char *chart_dir, const struct repo_dep_opts *o, struct pkg_err **errp)
{
    struct dep_ctx c;
    struct val *md, *lock;
    int rc = ctx_init(&c, &md, chart_dir, o, errp);
    if (rc)
        return rc;
    if ((rc = load_lock(&lock, c.a, chart_dir, errp)))
        goto out;
    if (!lock) {
        ctx_release(&c);
        return repo_dep_update(chart_dir, o, errp);
    }
    bool v1 = !strcmp(str_of(md, "apiVersion"), "v1");
    const struct val *req = val_map_getz(md, "dependencies");
    char v2sum[80] = "";
    if (v1 && (rc = hash_v2_req(v2sum, c.a, req, errp)))
        goto out;
    if ((rc = resolve_repo_names(&c, errp)))
        goto out;
    char sum[80];
    const struct val *ldeps = val_map_getz(lock, "dependencies");
    if ((rc = hash_req(sum, c.a, req, ldeps, errp)))
        goto out;
    if (strcmp(sum, str_of(lock, "digest"))) {
        if (!v1 || strcmp(v2sum, str_of(lock, "digest"))) {
            rc = pkg_err_set(errp, PKG_ECONFLICT,
                             v1 ? "the lock file (requirements.lock) is out of sync with the "
                                  "dependencies file (requirements.yaml). Please update the "
                                  "dependencies"
                                : "the lock file (Chart.lock) is out of sync with the "
                                  "dependencies file (Chart.yaml). Please update the "
                                  "dependencies");
            goto out;
        }
    }
    /* hasAllRepos */
    struct sb missing = SB_INIT;
    for (size_t i = 0; ldeps && i < val_seq_len(ldeps); i++) {
        const char *r = str_of(val_seq_at(ldeps, i), "repository");
        if (!*r || !strncmp(r, "file://", 7) || is_oci(r))
            continue;
        char *t = xstrdup(r);
        size_t tl = strlen(t);
        if (tl && t[tl - 1] == '/')
            t[tl - 1] = 0;
        bool found = false;
        for (size_t k = 0; k < c.cfg.n; k++)
            if (repo_url_equal(c.cfg.v[k].url, t))
                found = true;
        free(t);
        if (!found) {
            if (missing.len)
                sb_addstr(&missing, ", ");
            sb_addstr(&missing, r);
        }
    }
    if (missing.len) {
        rc = pkg_err_set(errp, PKG_ENOENT, "no repository definition for %s", missing.buf);
        sb_release(&missing);
        goto out;
    }
    sb_release(&missing);
    update_repositories(&c);
    c.unmanaged = arena_alloc(c.a, (val_seq_len(ldeps) + 1) * sizeof(*c.unmanaged));
    struct val *copy = val_copy(c.a, ldeps ? ldeps : val_seq(c.a));
    rc = download_all(&c, copy, errp);
out:
    ctx_release(&c);
    return rc;
}

void
repo_dep_status_free(struct repo_dep_status *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].version);
        free(v[i].repository);
        free(v[i].status);
    }
    free(v);
}

static const char *
archive_status(struct arena *a, const char *archive, const struct val *dep)
{
    struct val *md;
    struct pkg_err *e = NULL;
    if (repo_archive_metadata(&md, a, archive, &e) < 0) {
        pkg_err_free(e);
        return "corrupt";
    }
    if (strcmp(str_of(md, "name"), str_of(dep, "name")))
        return "misnamed";
    if (strcmp(str_of(md, "version"), str_of(dep, "version"))) {
        bool ok;
        if (check_constraint(&ok, str_of(dep, "version"), str_of(md, "version"), "", &e) < 0) {
            pkg_err_free(e);
            return "invalid version";
        }
        if (!ok)
            return "wrong version";
    }
    return "ok";
}

/* A strict semver (semver.StrictNewVersion): MAJOR.MINOR.PATCH[-pre][+meta]. */
static bool
strict_semver(const char *s)
{
    struct semver v;
    struct pkg_err *e = NULL;
    bool ok = semver_parse(&v, s, true, &e) == 0;
    if (ok)
        semver_release(&v);
    pkg_err_free(e);
    return ok;
}

static const char *
dep_status(struct arena *a, const char *dir, const struct val *dep)
{
    const char *name = str_of(dep, "name");
    char *charts = xasprintf("%s/charts", dir);
    char **files;
    size_t n = list_files(&files, charts);
    const char *found[2] = {0};
    size_t nmatch = 0, nfound = 0;
    size_t nl = strlen(name);
    const char *status = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(files[i], name, nl) || files[i][nl] != '-' || !is_tgz(files[i]))
            continue;
        nmatch++;
        char *ver = xstrndup(files[i] + nl + 1, strlen(files[i]) - nl - 5);
        if (strict_semver(ver) && nfound < 2)
            found[nfound++] = files[i];
        else if (strict_semver(ver))
            nfound++;
        free(ver);
    }
    if (nmatch == 1) {
        for (size_t i = 0; i < n && !status; i++)
            if (!strncmp(files[i], name, nl) && files[i][nl] == '-' && is_tgz(files[i])) {
                char *p = xasprintf("%s/%s", charts, files[i]);
                status = archive_status(a, p, dep);
                free(p);
            }
    } else if (nmatch > 1) {
        if (nfound == 1) {
            char *p = xasprintf("%s/%s", charts, found[0]);
            status = archive_status(a, p, dep);
            free(p);
        } else if (nfound > 1) {
            status = "too many matches";
        }
    }
    free_files(files, n);
    if (!status) {
        /* An unpacked subchart in charts/NAME (Helm's loaded dependencies). */
        char *sub = xasprintf("%s/%s", charts, name);
        struct val *md = NULL;
        struct pkg_err *e = NULL;
        if (!fs_is_dir(sub) || repo_dir_metadata(&md, a, sub, &e) < 0) {
            pkg_err_free(e);
            status = "missing";
        } else if (strcmp(str_of(md, "version"), str_of(dep, "version"))) {
            bool ok;
            if (check_constraint(&ok, str_of(dep, "version"), str_of(md, "version"), "", &e) < 0) {
                pkg_err_free(e);
                status = "invalid version";
            } else {
                status = ok ? "unpacked" : "wrong version";
            }
        } else {
            status = "unpacked";
        }
        free(sub);
    }
    free(charts);
    return status;
}

int
repo_dep_list(struct repo_dep_status **out, size_t *n, const char *chart_dir, struct pkg_err **errp)
{
    *out = NULL;
    *n = 0;
    struct arena *a = arena_new();
    struct val *md;
    int rc = repo_dir_metadata(&md, a, chart_dir, errp);
    if (rc) {
        arena_free(a);
        return rc;
    }
    const struct val *deps = val_map_getz(md, "dependencies");
    if (!deps) {
        arena_free(a);
        return 1; /* no dependencies */
    }
    *out = xcalloc(val_seq_len(deps) + 1, sizeof(**out));
    for (size_t i = 0; i < val_seq_len(deps); i++) {
        const struct val *d = val_seq_at(deps, i);
        struct repo_dep_status *s = &(*out)[(*n)++];
        s->name = xstrdup(str_of(d, "name"));
        s->version = xstrdup(str_of(d, "version"));
        s->repository = xstrdup(str_of(d, "repository"));
        s->status = xstrdup(dep_status(a, chart_dir, d));
    }
    arena_free(a);
    return 0;
}
