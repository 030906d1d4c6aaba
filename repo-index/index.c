/* index.yaml documents: Helm's repo.IndexFile — loading (JSON or strict
 * YAML, invalid entries dropped with a warning), sorting, lookup by
 * version constraint, merging, and writing exactly what yaml.Marshal
 * writes. */
#include "repo-index/repo.h"
#include "repo-index/repo-int.h"

#include "core/fsutil.h"
#include "core/json.h"
#include "core/xalloc.h"
#include "core/yaml.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
repo_warnf(const struct repo_warn *w, const char *fmt, ...)
{
    if (!w || !w->fn)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        xalloc_die();
    va_end(ap);
    w->fn(w->payload, msg);
    free(msg);
}

size_t
repo_limit(const char *env, size_t def)
{
    const char *s = getenv(env);
    if (!s || !*s)
        return def;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v == 0 || v >= def)
        return def;
    return (size_t)v;
}

struct repo_index *
repo_index_new(void)
{
    struct repo_index *idx = xcalloc(1, sizeof(*idx));
    idx->arena = arena_new();
    idx->api_version = "v1";
    repo_time_now(idx->generated);
    idx->public_keys = val_seq(idx->arena);
    return idx;
}

static void
entry_release(struct repo_entry *e)
{
    if (e && e->sv_ok)
        semver_release(&e->sv);
}

void
repo_index_free(struct repo_index *idx)
{
    if (!idx)
        return;
    for (size_t i = 0; i < idx->n; i++) {
        for (size_t j = 0; j < idx->charts[i].n; j++)
            entry_release(idx->charts[i].v[j]);
        free(idx->charts[i].v);
    }
    free(idx->charts);
    arena_free(idx->arena);
    free(idx);
}

/* The chart slot for a name, created in sorted position when missing. */
static struct repo_chart *
chart_slot(struct repo_index *idx, const char *name, bool create)
{
    size_t lo = 0, hi = idx->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(idx->charts[mid].name, name);
        if (c == 0)
            return &idx->charts[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!create)
        return NULL;
    idx->charts = xgrow(idx->charts, &idx->cap, idx->n + 1, sizeof(*idx->charts));
    memmove(&idx->charts[lo + 1], &idx->charts[lo], (idx->n - lo) * sizeof(*idx->charts));
    idx->n++;
    memset(&idx->charts[lo], 0, sizeof(*idx->charts));
    idx->charts[lo].name = arena_strdup(idx->arena, name);
    return &idx->charts[lo];
}

struct repo_chart *
repo_index_chart(const struct repo_index *idx, const char *name)
{
    return chart_slot((struct repo_index *)idx, name, false);
}

static void
chart_push(struct repo_chart *c, struct repo_entry *e)
{
    c->v = xgrow(c->v, &c->cap, c->n + 1, sizeof(*c->v));
    c->v[c->n++] = e;
}

static const char *
md_str(const struct val *md, const char *k)
{
    const struct val *v = val_map_getz(md, k);
    return v && v->kind == VAL_STRING ? v->u.s.ptr : "";
}

static void
entry_parse_version(struct repo_entry *e)
{
    struct pkg_err *err = NULL;
    e->name = md_str(e->md, "name");
    e->version = md_str(e->md, "version");
    e->sv_ok = semver_parse(&e->sv, e->version, false, &err) == 0;
    pkg_err_free(err);
}

/* ---- loading ------------------------------------------------------------ */

/* Decodes one ChartVersion map. */
static int
decode_entry(struct repo_entry **out, struct arena *a, const struct val *in, enum repo_decode mode,
             const char *what, struct pkg_err **errp)
{
    struct repo_entry *e = arena_alloc(a, sizeof(*e));
    int rc = repo_metadata_normalize(&e->md, a, in, mode, what, errp);
    if (rc)
        return rc;
    /* The entry's own fields convert scalars in YAML (they are direct
     * fields of ChartVersion), never in JSON. */
    bool conv = mode != REPO_DECODE_INDEX_JSON;
    const struct val *v;
    e->digest = "";
    strcpy(e->created, REPO_TIME_ZERO);
    e->deprecated = val_map(a);
    if ((v = val_map_getz(in, "urls"))) {
        rc = repo_decode_strings(&e->urls, a, v, conv, what, "urls", errp);
        if (rc)
            return rc;
    }
    if ((v = val_map_getz(in, "created")) && v->kind != VAL_NULL) {
        if (v->kind != VAL_STRING)
            return pkg_err_set(errp, PKG_ETYPE,
                               "%s: cannot unmarshal %s into field \"created\" of type time.Time",
                               what, repo_json_kind(v));
        if (repo_time_normalize(e->created, v->u.s.ptr) < 0)
            return pkg_err_set(errp, PKG_EINVAL,
                               "%s: parsing time \"%s\" as \"2006-01-02T15:04:05Z07:00\": not an "
                               "RFC 3339 time",
                               what, v->u.s.ptr);
    }
    if ((v = val_map_getz(in, "removed")) && v->kind != VAL_NULL) {
        if (v->kind != VAL_BOOL)
            return pkg_err_set(errp, PKG_ETYPE,
                               "%s: cannot unmarshal %s into field \"removed\" of type bool", what,
                               repo_json_kind(v));
        e->removed = v->u.b;
    }
    static const char *const strs[] = {"digest",        "checksum", "engine",
                                       "tillerVersion", "url",      NULL};
    for (const char *const *k = strs; *k; k++) {
        struct val *s;
        if (!(v = val_map_getz(in, *k)))
            continue;
        rc = repo_decode_string(&s, a, v, conv, what, *k, errp);
        if (rc)
            return rc;
        if (!s)
            continue;
        if (!strcmp(*k, "digest"))
            e->digest = s->u.s.ptr;
        else if (s->u.s.len)
            val_map_setz(a, e->deprecated, *k, s);
    }
    *out = e;
    return 0;
}

bool
repo_json_valid(const char *buf, size_t len)
{
    /* Only a document that starts like JSON can be JSON; Helm's json.Valid
     * would accept a bare scalar too, but a scalar index fails either way. */
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
        i++;
    if (i == len || (buf[i] != '{' && buf[i] != '['))
        return false;
    struct arena *a = arena_new();
    struct val *v;
    struct pkg_err *err = NULL;
    struct val_json_opts o = {.ints = true};
    bool ok = val_json_load(&v, a, buf, len, "index", &o, &err) == 0;
    pkg_err_free(err);
    arena_free(a);
    return ok;
}

static int
load_top(struct repo_index *idx, const struct val *doc, enum repo_decode mode, const char *src,
         const struct repo_warn *warn, struct pkg_err **errp)
{
    struct arena *a = idx->arena;
    bool conv = mode != REPO_DECODE_INDEX_JSON;
    if (doc->kind != VAL_MAP)
        return pkg_err_set(errp, PKG_ETYPE, "%s: cannot unmarshal %s into an index", src,
                           repo_json_kind(doc));
    static const char *const known[] = {"serverInfo", "apiVersion",  "generated", "entries",
                                        "publicKeys", "annotations", NULL};
    if (mode == REPO_DECODE_INDEX_YAML) {
        for (size_t i = 0; i < val_map_len(doc); i++) {
            const struct val *k = doc->u.map.ents[i].key;
            bool ok = false;
            for (const char *const *n = known; *n; n++)
                if (strlen(*n) == k->u.s.len && !strncasecmp(*n, k->u.s.ptr, k->u.s.len))
                    ok = true;
            if (!ok)
                return pkg_err_set(errp, PKG_EINVAL, "%s:%u:%u: unknown field \"%s\"", src, k->line,
                                   k->col, k->u.s.ptr);
        }
    }
    const struct val *v;
    idx->api_version = "";
    if ((v = val_map_getz(doc, "apiVersion"))) {
        struct val *s;
        int rc = repo_decode_string(&s, a, v, conv, src, "apiVersion", errp);
        if (rc)
            return rc;
        idx->api_version = s ? s->u.s.ptr : "";
    }
    strcpy(idx->generated, REPO_TIME_ZERO);
    if ((v = val_map_getz(doc, "generated")) && v->kind != VAL_NULL) {
        if (v->kind != VAL_STRING || repo_time_normalize(idx->generated, v->u.s.ptr) < 0)
            return pkg_err_set(errp, PKG_EINVAL, "%s: \"generated\" is not an RFC 3339 time", src);
    }
    idx->public_keys = NULL;
    if ((v = val_map_getz(doc, "publicKeys"))) {
        int rc = repo_decode_strings(&idx->public_keys, a, v, conv, src, "publicKeys", errp);
        if (rc)
            return rc;
    }
    if ((v = val_map_getz(doc, "annotations"))) {
        int rc = repo_decode_strmap(&idx->annotations, a, v, conv, src, "annotations", errp);
        if (rc)
            return rc;
    }
    if ((v = val_map_getz(doc, "serverInfo")) && v->kind != VAL_NULL) {
        if (v->kind != VAL_MAP)
            return pkg_err_set(errp, PKG_ETYPE, "%s: \"serverInfo\" must be a map", src);
        idx->server_info = (struct val *)v;
    }
    const struct val *entries = val_map_getz(doc, "entries");
    if (entries && entries->kind != VAL_NULL && entries->kind != VAL_MAP)
        return pkg_err_set(errp, PKG_ETYPE, "%s: cannot unmarshal %s into field \"entries\"", src,
                           repo_json_kind(entries));
    size_t total = 0;
    for (size_t i = 0; entries && entries->kind == VAL_MAP && i < val_map_len(entries); i++) {
        const struct val *name = entries->u.map.ents[i].key;
        const struct val *list = entries->u.map.ents[i].v;
        if (list->kind != VAL_SEQ && list->kind != VAL_NULL)
            return pkg_err_set(errp, PKG_ETYPE,
                               "%s: cannot unmarshal %s into field \"entries.%s\" of type "
                               "repo.ChartVersions",
                               src, repo_json_kind(list), name->u.s.ptr);
        struct repo_chart *c = chart_slot(idx, name->u.s.ptr, true);
        size_t n = list->kind == VAL_SEQ ? val_seq_len(list) : 0;
        total += n;
        if (total > REPO_MAX_ENTRIES)
            return pkg_err_set(errp, PKG_ELIMIT, "%s: more than %u chart versions", src,
                               REPO_MAX_ENTRIES);
        for (size_t j = 0; j < n; j++) {
            const struct val *item = val_seq_at(list, j);
            if (item->kind == VAL_NULL) {
                repo_warnf(warn,
                           "skipping loading invalid entry for chart \"%s\" from %s: empty "
                           "entry",
                           name->u.s.ptr, src);
                continue;
            }
            if (item->kind != VAL_MAP)
                return pkg_err_set(errp, PKG_ETYPE,
                                   "%s: cannot unmarshal %s into an entry of chart \"%s\"", src,
                                   repo_json_kind(item), name->u.s.ptr);
            struct repo_entry *e = NULL;
            int rc = decode_entry(&e, a, item, mode, src, errp);
            if (rc)
                return rc;
            if (!*md_str(e->md, "apiVersion"))
                val_map_setz(a, e->md, "apiVersion", val_strz(a, "v1"));
            struct pkg_err *verr = NULL;
            if (repo_metadata_validate(a, e->md, &verr) < 0) {
                /* Helm tolerates duplicate dependency aliases in indexes
                 * (some servers strip the alias field). */
                bool skippable = !strncmp(verr->msg,
                                          "validation: more than one dependency with name or "
                                          "alias",
                                          53);
                if (!skippable) {
                    repo_warnf(warn,
                               "skipping loading invalid entry for chart \"%s\" \"%s\" from "
                               "%s: %s",
                               name->u.s.ptr, md_str(e->md, "version"), src, verr->msg);
                    pkg_err_free(verr);
                    continue;
                }
                pkg_err_free(verr);
            }
            entry_parse_version(e);
            chart_push(c, e);
        }
    }
    return 0;
}

int
repo_index_load(struct repo_index **out, const char *buf, size_t len, const char *source,
                const struct repo_warn *warn, struct pkg_err **errp)
{
    *out = NULL;
    if (len == 0)
        return pkg_err_set(errp, PKG_EINVAL, "%s: empty index.yaml file", source);
    struct repo_index *idx = xcalloc(1, sizeof(*idx));
    idx->arena = arena_new();
    const char *src = arena_strdup(idx->arena, source);
    struct val *doc = NULL;
    enum repo_decode mode;
    int rc;
    if (repo_json_valid(buf, len)) {
        mode = REPO_DECODE_INDEX_JSON;
        struct val_json_opts o = {.ints = true, .max_bytes = len + 1};
        rc = val_json_load(&doc, idx->arena, buf, len, src, &o, errp);
    } else {
        mode = REPO_DECODE_INDEX_YAML;
        struct val_yaml_opts o = {.dialect = VAL_YAML_HELM, .max_bytes = len + 1};
        rc = val_yaml_load(&doc, idx->arena, buf, len, src, &o, errp);
    }
    if (rc)
        goto fail;
    rc = load_top(idx, doc, mode, src, warn, errp);
    if (rc)
        goto fail;
    repo_index_sort(idx);
    if (!*idx->api_version) {
        rc = pkg_err_set(errp, PKG_EINVAL, "%s: no API version specified", src);
        goto fail;
    }
    *out = idx;
    return 0;
fail:
    repo_index_free(idx);
    return rc;
}

int
repo_index_load_file(struct repo_index **out, const char *path, size_t limit,
                     const struct repo_warn *warn, struct pkg_err **errp)
{
    struct sb sb = SB_INIT;
    if (!limit)
        limit = repo_limit("PKG_REPO_MAX_INDEX_BYTES", REPO_MAX_INDEX_BYTES);
    int rc = sb_read_file(&sb, path, limit, errp);
    if (rc == 0)
        rc = repo_index_load(out, sb.buf, sb.len, path, warn, errp);
    sb_release(&sb);
    return rc;
}

/* ---- sorting and lookup --------------------------------------------------- */

/* Helm's ChartVersions.Less: unparsable versions sort before everything. */
static bool
entry_less(const struct repo_entry *a, const struct repo_entry *b)
{
    if (!a->sv_ok)
        return true;
    if (!b->sv_ok)
        return false;
    return semver_cmp(&a->sv, &b->sv) < 0;
}

void
repo_index_sort(struct repo_index *idx)
{
    /* sort.Reverse(versions): newest first. Insertion sort keeps equal
     * versions in their order, as Go's sort does for short lists. */
    for (size_t i = 0; i < idx->n; i++) {
        struct repo_chart *c = &idx->charts[i];
        for (size_t j = 1; j < c->n; j++) {
            struct repo_entry *e = c->v[j];
            size_t k = j;
            while (k > 0 && entry_less(c->v[k - 1], e)) {
                c->v[k] = c->v[k - 1];
                k--;
            }
            c->v[k] = e;
        }
    }
}

int
repo_index_get(struct repo_entry **out, const struct repo_index *idx, const char *name,
               const char *version, struct pkg_err **errp)
{
    *out = NULL;
    struct repo_chart *c = repo_index_chart(idx, name);
    if (!c)
        return pkg_err_set(errp, PKG_ENOENT, "no chart name found");
    if (c->n == 0)
        return pkg_err_set(errp, PKG_ENOENT, "no chart version found");
    struct semver_constraint *con = NULL;
    int rc = semver_constraint_parse(&con, version && *version ? version : "*", errp);
    if (rc)
        return rc;
    if (version && *version) {
        for (size_t i = 0; i < c->n; i++)
            if (!strcmp(c->v[i]->version, version)) {
                *out = c->v[i];
                semver_constraint_free(con);
                return 0;
            }
    }
    for (size_t i = 0; i < c->n; i++) {
        if (c->v[i]->sv_ok && semver_constraint_check(con, &c->v[i]->sv)) {
            *out = c->v[i];
            semver_constraint_free(con);
            return 0;
        }
    }
    semver_constraint_free(con);
    return pkg_err_set(errp, PKG_ENOENT, "no chart version found for %s-%s", name,
                       version ? version : "");
}

/* ---- building ----------------------------------------------------------- */

int
repo_index_add(struct repo_index *idx, const struct val *md, const char *filename,
               const char *base_url, const char *digest, struct pkg_err **errp)
{
    struct arena *a = idx->arena;
    struct repo_entry *e = arena_alloc(a, sizeof(*e));
    e->md = val_copy(a, md);
    if (!*md_str(e->md, "apiVersion"))
        val_map_setz(a, e->md, "apiVersion", val_strz(a, "v1"));
    int rc = repo_metadata_validate(a, e->md, errp);
    if (rc)
        return pkg_err_wrap(errp, "validate failed for %s", filename);
    char *u;
    if (base_url && *base_url) {
        const char *slash = strrchr(filename, '/');
        u = repo_url_join(base_url, slash ? slash + 1 : filename);
    } else {
        u = xstrdup(filename);
    }
    e->urls = val_seq(a);
    val_seq_push(a, e->urls, val_strz(a, u));
    free(u);
    repo_time_now(e->created);
    e->digest = arena_strdup(a, digest ? digest : "");
    e->deprecated = val_map(a);
    entry_parse_version(e);
    chart_push(chart_slot(idx, e->name, true), e);
    return 0;
}

static struct repo_entry *
entry_copy(struct arena *a, const struct repo_entry *src)
{
    struct repo_entry *e = arena_alloc(a, sizeof(*e));
    e->md = val_copy(a, src->md);
    e->urls = src->urls ? val_copy(a, src->urls) : NULL;
    memcpy(e->created, src->created, sizeof(e->created));
    e->digest = arena_strdup(a, src->digest);
    e->removed = src->removed;
    e->deprecated = val_copy(a, src->deprecated);
    entry_parse_version(e);
    return e;
}

static bool
index_has(const struct repo_index *idx, const char *name, const char *version)
{
    /* Helm's Has() goes through Get(), which checks for an exact string
     * first and then the version as a constraint ("1.0" matches 1.0.0). */
    struct repo_entry *e;
    struct pkg_err *err = NULL;
    int rc = repo_index_get(&e, idx, name, version, &err);
    pkg_err_free(err);
    return rc == 0;
}

void
repo_index_merge(struct repo_index *idx, const struct repo_index *from)
{
    for (size_t i = 0; i < from->n; i++) {
        const struct repo_chart *c = &from->charts[i];
        for (size_t j = 0; j < c->n; j++) {
            const struct repo_entry *e = c->v[j];
            if (index_has(idx, e->name, e->version))
                continue;
            /* Helm files the merged entry under its metadata name. */
            chart_push(chart_slot(idx, e->name, true), entry_copy(idx->arena, e));
        }
    }
}

/* ---- output ------------------------------------------------------------- */

/* A deep copy with every map's keys in sorted order: what encoding/json
 * prints for Go maps (map[string]string, map[string]interface{}). */
static struct val *
sorted_copy(struct arena *a, const struct val *v)
{
    if (v->kind == VAL_SEQ) {
        struct val *s = val_seq(a);
        for (size_t i = 0; i < val_seq_len(v); i++)
            val_seq_push(a, s, sorted_copy(a, val_seq_at(v, i)));
        return s;
    }
    if (v->kind != VAL_MAP)
        return val_copy(a, v);
    struct val_mapent *ents = val_map_sorted(a, v);
    struct val *m = val_map(a);
    for (size_t i = 0; i < val_map_len(v); i++)
        val_map_set(a, m, ents[i].key->u.s.ptr, ents[i].key->u.s.len, sorted_copy(a, ents[i].v));
    return m;
}

/* The metadata with its Go-map fields sorted (struct fields keep their
 * order). */
static struct val *
md_for_output(struct arena *a, const struct val *md)
{
    struct val *m = val_copy(a, md);
    struct val *ann = val_map_getz(m, "annotations");
    if (ann)
        val_map_setz(a, m, "annotations", sorted_copy(a, ann));
    struct val *deps = val_map_getz(m, "dependencies");
    for (size_t i = 0; deps && deps->kind == VAL_SEQ && i < val_seq_len(deps); i++) {
        struct val *d = val_seq_at(deps, i);
        struct val *iv = d->kind == VAL_MAP ? val_map_getz(d, "import-values") : NULL;
        if (iv)
            val_map_setz(a, d, "import-values", sorted_copy(a, iv));
    }
    return m;
}

struct val *
repo_entry_to_val(struct arena *a, const struct repo_entry *e)
{
    struct val *m = md_for_output(a, e->md);
    if (e->urls) {
        val_map_setz(a, m, "urls", val_copy(a, e->urls));
    } else {
        val_map_setz(a, m, "urls", val_null(a));
    }
    val_map_setz(a, m, "created", val_strz(a, e->created));
    if (e->removed)
        val_map_setz(a, m, "removed", val_bool(a, true));
    if (e->digest && *e->digest)
        val_map_setz(a, m, "digest", val_strz(a, e->digest));
    for (size_t i = 0; e->deprecated && i < val_map_len(e->deprecated); i++)
        val_map_set(a, m, e->deprecated->u.map.ents[i].key->u.s.ptr,
                    e->deprecated->u.map.ents[i].key->u.s.len,
                    val_copy(a, e->deprecated->u.map.ents[i].v));
    return m;
}

/* In the order of Helm's IndexFile struct, so that JSON output with kept
 * order matches json.Marshal; YAML output sorts keys anyway. */
struct val *
repo_index_to_val(struct arena *a, const struct repo_index *idx)
{
    struct val *top = val_map(a);
    /* serverInfo is read for validation only; Helm marshals it when set. */
    if (idx->server_info && val_map_len(idx->server_info))
        val_map_setz(a, top, "serverInfo", sorted_copy(a, idx->server_info));
    val_map_setz(a, top, "apiVersion", val_strz(a, idx->api_version));
    val_map_setz(a, top, "generated", val_strz(a, idx->generated));
    struct val *entries = val_map(a);
    for (size_t i = 0; i < idx->n; i++) {
        const struct repo_chart *c = &idx->charts[i];
        struct val *list = val_seq(a);
        for (size_t j = 0; j < c->n; j++)
            val_seq_push(a, list, repo_entry_to_val(a, c->v[j]));
        val_map_setz(a, entries, c->name, list);
    }
    val_map_setz(a, top, "entries", entries);
    if (idx->public_keys && val_seq_len(idx->public_keys))
        val_map_setz(a, top, "publicKeys", val_copy(a, idx->public_keys));
    if (idx->annotations && val_map_len(idx->annotations))
        val_map_setz(a, top, "annotations", sorted_copy(a, idx->annotations));
    return top;
}

int
repo_index_serialize(struct sb *out, const struct repo_index *idx, bool json, struct pkg_err **errp)
{
    struct arena *a = arena_new();
    struct val *v = repo_index_to_val(a, idx);
    int rc = json ? val_json_emit(out, v, VAL_JSON_INDENT | VAL_JSON_KEEP_ORDER, errp)
                  : val_yaml_emit(out, v, VAL_YAML_HELM, errp);
    arena_free(a);
    return rc;
}

int
repo_index_write(const struct repo_index *idx, const char *path, bool json, struct pkg_err **errp)
{
    struct sb sb = SB_INIT;
    int rc = repo_index_serialize(&sb, idx, json, errp);
    if (rc == 0)
        rc = fs_write_atomic(path, sb.buf, sb.len, 0644, errp);
    sb_release(&sb);
    return rc;
}
