/* Repository configuration: pkg's repositories.yaml (the same format as
 * Helm's, so either tool can read the other's), Helm's own file read beside
 * it, and the directories everything lives in. */
#include "repo-index/repo.h"
#include "repo-index/repo-int.h"

#include "core/fsutil.h"
#include "core/xalloc.h"
#include "core/yaml.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static char *
home_dir(void)
{
    const char *h = getenv("HOME");
    return xstrdup(h && *h ? h : "/");
}

char *
repo_pkg_home(void)
{
    const char *h = getenv("PKG_HOME");
    if (h && *h)
        return xstrdup(h);
    if (geteuid() == 0)
        return xstrdup("/var/lib/pkg");
    const char *x = getenv("XDG_DATA_HOME");
    if (x && *x)
        return xasprintf("%s/pkg", x);
    char *home = home_dir();
    char *p = xasprintf("%s/.local/share/pkg", home);
    free(home);
    return p;
}

static char *
under_home(const char *rel)
{
    char *h = repo_pkg_home();
    char *p = xasprintf("%s/%s", h, rel);
    free(h);
    return p;
}

char *
repo_config_path(void)
{
    return under_home("repositories.yaml");
}

char *
repo_cache_dir(void)
{
    return under_home("cache/repository");
}

char *
repo_charts_dir(void)
{
    return under_home("charts");
}

/* Helm's helmpath with $XDG_* fallbacks. */
static char *
helm_dir(const char *env_home, const char *xdg, const char *fallback)
{
    const char *h = getenv(env_home);
    if (h && *h)
        return xstrdup(h);
    const char *x = getenv(xdg);
    if (x && *x)
        return xasprintf("%s/helm", x);
    char *home = home_dir();
    char *p = xasprintf("%s/%s/helm", home, fallback);
    free(home);
    return p;
}

char *
repo_helm_config(void)
{
    const char *f = getenv("HELM_REPOSITORY_CONFIG");
    if (f && *f)
        return xstrdup(f);
    char *d = helm_dir("HELM_CONFIG_HOME", "XDG_CONFIG_HOME", ".config");
    char *p = xasprintf("%s/repositories.yaml", d);
    free(d);
    return p;
}

char *
repo_helm_cache_dir(void)
{
    const char *f = getenv("HELM_REPOSITORY_CACHE");
    if (f && *f)
        return xstrdup(f);
    char *d = helm_dir("HELM_CACHE_HOME", "XDG_CACHE_HOME", ".cache");
    char *p = xasprintf("%s/repository", d);
    free(d);
    return p;
}

static void
cfg_entry_release(struct repo_entry_cfg *e)
{
    free(e->name);
    free(e->url);
    free(e->username);
    free(e->password);
    free(e->cert_file);
    free(e->key_file);
    free(e->ca_file);
    memset(e, 0, sizeof(*e));
}

void
repo_config_release(struct repo_config *cfg)
{
    for (size_t i = 0; i < cfg->n; i++)
        cfg_entry_release(&cfg->v[i]);
    free(cfg->v);
    free(cfg->path);
    memset(cfg, 0, sizeof(*cfg));
}

struct repo_entry_cfg *
repo_config_get(const struct repo_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n; i++)
        if (!strcmp(cfg->v[i].name, name))
            return &cfg->v[i];
    return NULL;
}

static char *
dup_or_empty(const char *s)
{
    return xstrdup(s ? s : "");
}

static void
entry_copy_into(struct repo_entry_cfg *dst, const struct repo_entry_cfg *src)
{
    dst->name = dup_or_empty(src->name);
    dst->url = dup_or_empty(src->url);
    dst->username = dup_or_empty(src->username);
    dst->password = dup_or_empty(src->password);
    dst->cert_file = dup_or_empty(src->cert_file);
    dst->key_file = dup_or_empty(src->key_file);
    dst->ca_file = dup_or_empty(src->ca_file);
    dst->insecure_skip_tls_verify = src->insecure_skip_tls_verify;
    dst->pass_credentials_all = src->pass_credentials_all;
    dst->from_helm = src->from_helm;
}

void
repo_config_set(struct repo_config *cfg, const struct repo_entry_cfg *e)
{
    struct repo_entry_cfg *old = repo_config_get(cfg, e->name);
    struct repo_entry_cfg copy;
    entry_copy_into(&copy, e);
    if (old) {
        cfg_entry_release(old);
        *old = copy;
        return;
    }
    cfg->v = xgrow(cfg->v, &cfg->cap, cfg->n + 1, sizeof(*cfg->v));
    cfg->v[cfg->n++] = copy;
}

bool
repo_config_remove(struct repo_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n; i++) {
        if (!strcmp(cfg->v[i].name, name)) {
            cfg_entry_release(&cfg->v[i]);
            memmove(&cfg->v[i], &cfg->v[i + 1], (cfg->n - i - 1) * sizeof(*cfg->v));
            cfg->n--;
            return true;
        }
    }
    return false;
}

/* Decodes a repositories.yaml (sigs.k8s.io/yaml.Unmarshal into repo.File)
 * and adds entries not already present by name. */
static int
load_into(struct repo_config *cfg, const char *path, bool from_helm, bool set_generated,
          struct pkg_err **errp)
{
    if (!fs_exists(path))
        return 0;
    struct arena *a = arena_new();
    struct val *doc;
    struct val_yaml_opts o = {.dialect = VAL_YAML_HELM, .allow_duplicate_keys = true};
    struct sb sb = SB_INIT;
    int rc = sb_read_file(&sb, path, 16u << 20, errp);
    if (rc == 0)
        rc = val_yaml_load(&doc, a, sb.buf, sb.len, arena_strdup(a, path), &o, errp);
    sb_release(&sb);
    if (rc)
        goto out;
    if (doc->kind == VAL_NULL)
        goto out;
    if (doc->kind != VAL_MAP) {
        rc = pkg_err_set(errp, PKG_ETYPE, "%s: not a repositories file", path);
        goto out;
    }
    const struct val *g = val_map_getz(doc, "generated");
    if (set_generated && g && g->kind == VAL_STRING)
        repo_time_normalize(cfg->generated, g->u.s.ptr);
    const struct val *av = val_map_getz(doc, "apiVersion");
    if (set_generated && av && av->kind == VAL_STRING)
        snprintf(cfg->api_version, sizeof(cfg->api_version), "%s", av->u.s.ptr);
    const struct val *list = val_map_getz(doc, "repositories");
    if (!list || list->kind == VAL_NULL)
        goto out;
    if (list->kind != VAL_SEQ) {
        rc = pkg_err_set(errp, PKG_ETYPE, "%s: \"repositories\" must be a list", path);
        goto out;
    }
    for (size_t i = 0; i < val_seq_len(list); i++) {
        const struct val *m = val_seq_at(list, i);
        if (m->kind != VAL_MAP)
            continue;
        static const char *const keys[] = {"name",     "url",     "username", "password",
                                           "certFile", "keyFile", "caFile",   NULL};
        char *vals[7] = {0};
        for (int k = 0; keys[k]; k++) {
            const struct val *v = val_map_getz(m, keys[k]);
            struct val *s = NULL;
            if (v) {
                rc = repo_decode_string(&s, a, v, true, path, keys[k], errp);
                if (rc) {
                    for (int j = 0; j < k; j++)
                        free(vals[j]);
                    goto out;
                }
            }
            vals[k] = xstrdup(s ? s->u.s.ptr : "");
        }
        struct repo_entry_cfg e = {
            .name = vals[0],
            .url = vals[1],
            .username = vals[2],
            .password = vals[3],
            .cert_file = vals[4],
            .key_file = vals[5],
            .ca_file = vals[6],
            .from_helm = from_helm,
        };
        const struct val *b;
        if ((b = val_map_getz(m, "insecure_skip_tls_verify")) && b->kind == VAL_BOOL)
            e.insecure_skip_tls_verify = b->u.b;
        if ((b = val_map_getz(m, "pass_credentials_all")) && b->kind == VAL_BOOL)
            e.pass_credentials_all = b->u.b;
        if (*e.name && !repo_config_get(cfg, e.name)) {
            cfg->v = xgrow(cfg->v, &cfg->cap, cfg->n + 1, sizeof(*cfg->v));
            cfg->v[cfg->n++] = e;
        } else {
            cfg_entry_release(&e);
        }
    }
out:
    arena_free(a);
    return rc;
}

int
repo_config_load_file(struct repo_config *cfg, const char *path, struct pkg_err **errp)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->path = xstrdup(path);
    strcpy(cfg->generated, REPO_TIME_ZERO);
    return load_into(cfg, path, false, true, errp);
}

int
repo_config_load(struct repo_config *cfg, struct pkg_err **errp)
{
    char *path = repo_config_path();
    int rc = repo_config_load_file(cfg, path, errp);
    free(path);
    if (rc)
        return rc;
    char *helm = repo_helm_config();
    struct pkg_err *herr = NULL;
    /* Helm's file is a convenience: a broken one does not stop pkg. */
    if (load_into(cfg, helm, true, false, &herr) < 0)
        pkg_err_free(herr);
    free(helm);
    return 0;
}

int
repo_config_save(const struct repo_config *cfg, struct pkg_err **errp)
{
    struct arena *a = arena_new();
    struct val *top = val_map(a);
    val_map_setz(a, top, "apiVersion", val_strz(a, cfg->api_version));
    val_map_setz(a, top, "generated", val_strz(a, cfg->generated));
    struct val *list = val_seq(a);
    for (size_t i = 0; i < cfg->n; i++) {
        const struct repo_entry_cfg *e = &cfg->v[i];
        if (e->from_helm)
            continue;
        struct val *m = val_map(a);
        val_map_setz(a, m, "name", val_strz(a, e->name));
        val_map_setz(a, m, "url", val_strz(a, e->url));
        val_map_setz(a, m, "username", val_strz(a, e->username ? e->username : ""));
        val_map_setz(a, m, "password", val_strz(a, e->password ? e->password : ""));
        val_map_setz(a, m, "certFile", val_strz(a, e->cert_file ? e->cert_file : ""));
        val_map_setz(a, m, "keyFile", val_strz(a, e->key_file ? e->key_file : ""));
        val_map_setz(a, m, "caFile", val_strz(a, e->ca_file ? e->ca_file : ""));
        val_map_setz(a, m, "insecure_skip_tls_verify", val_bool(a, e->insecure_skip_tls_verify));
        val_map_setz(a, m, "pass_credentials_all", val_bool(a, e->pass_credentials_all));
        val_seq_push(a, list, m);
    }
    val_map_setz(a, top, "repositories", list);
    struct sb sb = SB_INIT;
    int rc = val_yaml_emit(&sb, top, VAL_YAML_HELM, errp);
    if (rc == 0) {
        char *dir = xstrdup(cfg->path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
            *slash = 0;
            rc = fs_mkdir_p(dir, 0755, errp);
        }
        free(dir);
    }
    if (rc == 0)
        rc = fs_write_atomic(cfg->path, sb.buf, sb.len, 0600, errp);
    sb_release(&sb);
    arena_free(a);
    return rc;
}

int
repo_config_lock(int *fd, struct pkg_err **errp)
{
    char *home = repo_pkg_home();
    int rc = fs_mkdir_p(home, 0755, errp);
    char *p = xasprintf("%s/repositories.lock", home);
    free(home);
    if (rc) {
        free(p);
        return rc;
    }
    *fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (*fd < 0) {
        rc = pkg_err_sys(errp, "open %s", p);
        free(p);
        return rc;
    }
    free(p);
    if (flock(*fd, LOCK_EX) < 0) {
        rc = pkg_err_sys(errp, "lock the repositories file");
        close(*fd);
        *fd = -1;
    }
    return rc;
}

void
repo_config_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}

char *
repo_cache_index_path(const char *name)
{
    char *dir = repo_cache_dir();
    char *p = xasprintf("%s/%s-index.yaml", dir, name);
    free(dir);
    if (fs_exists(p))
        return p;
    free(p);
    dir = repo_helm_cache_dir();
    p = xasprintf("%s/%s-index.yaml", dir, name);
    free(dir);
    if (fs_exists(p))
        return p;
    free(p);
    return NULL;
}
