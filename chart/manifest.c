/* Splitting and ordering rendered manifests as Helm's releaseutil does:
 * SplitManifests on the `(?:^|\s*\n)---\s*` separator, SortManifests with
 * partials and blank files skipped, hooks (the helm.sh/hook annotation)
 * set apart, unknown hook events dropped, and a stable sort by
 * InstallOrder kind (unknown kinds after, alphabetically). */
#include "chart/chart-int.h"
#include "core/xalloc.h"
#include "core/yaml.h"
#include "render/funcs.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const install_order[] = {
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
};

static bool
go_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* strings.TrimSpace also trims \v and Unicode spaces; manifests only have
 * ASCII ones in practice, but \v counts. */
static bool
trim_space(char c)
{
    return go_space(c) || c == '\v';
}

static void
trim(const char **p, size_t *n)
{
    while (*n && trim_space((*p)[0]))
        (*p)++, (*n)--;
    while (*n && trim_space((*p)[*n - 1]))
        (*n)--;
}

/* The next separator match in s[from..n): start and end, or false. */
static bool
next_sep(const char *s, size_t n, size_t from, size_t *ms, size_t *me)
{
    size_t k;
    if (from == 0 && n >= 3 && !memcmp(s, "---", 3)) {
        k = 3;
        while (k < n && go_space(s[k]))
            k++;
        *ms = 0;
        *me = k;
        return true;
    }
    for (size_t i = from; i + 4 <= n; i++) {
        const char *nl = memchr(s + i, '\n', n - i);
        if (!nl)
            return false;
        k = (size_t)(nl - s);
        if (k + 4 > n)
            return false;
        if (memcmp(s + k + 1, "---", 3)) {
            i = k;
            continue;
        }
        size_t p = k;
        while (p > from && go_space(s[p - 1]))
            p--;
        size_t e = k + 4;
        while (e < n && go_space(s[e]))
            e++;
        *ms = p;
        *me = e;
        return true;
    }
    return false;
}

size_t
chart_split_manifests(const char ***out, size_t **lens, struct arena *a, const char *text,
                      size_t len)
{
    const char *s = text;
    size_t n = len;
    trim(&s, &n);
    size_t cap = 8, cnt = 0;
    const char **docs = arena_alloc(a, cap * sizeof(*docs));
    size_t *dl = arena_alloc(a, cap * sizeof(*dl));
#define PUSH(P, L)                                                                                 \
    do {                                                                                           \
        const char *pp_ = (P);                                                                     \
        size_t ll_ = (L);                                                                          \
        if (ll_ != 0) {                                                                            \
            trim(&pp_, &ll_);                                                                      \
            if (cnt == cap) {                                                                      \
                docs = arena_realloc(a, docs, cap * sizeof(*docs), 2 * cap * sizeof(*docs));       \
                dl = arena_realloc(a, dl, cap * sizeof(*dl), 2 * cap * sizeof(*dl));               \
                cap *= 2;                                                                          \
            }                                                                                      \
            docs[cnt] = pp_;                                                                       \
            dl[cnt++] = ll_;                                                                       \
        }                                                                                          \
    } while (0)
    if (n == 0) {
        *out = docs;
        *lens = dl;
        return 0;
    }
    /* regexp.Split(s, -1) */
    size_t beg = 0, end = 0, from = 0, ms, me;
    while (from <= n && next_sep(s, n, from, &ms, &me)) {
        end = ms;
        if (me != 0)
            PUSH(s + beg, end - beg);
        beg = me;
        from = me > ms ? me : me + 1;
    }
    if (end != n)
        PUSH(s + beg, n - beg);
#undef PUSH
    *out = docs;
    *lens = dl;
    return cnt;
}

static const char *const hook_events[] = {
    "pre-install",  "post-install", "pre-delete",    "post-delete", "pre-upgrade",
    "post-upgrade", "pre-rollback", "post-rollback", "test",        "test-success",
};

static int
kind_rank(const char *kind)
{
    for (size_t i = 0; i < sizeof(install_order) / sizeof(install_order[0]); i++)
        if (!strcmp(kind, install_order[i]))
            return (int)i;
    return -1;
}

/* lessByKind */
static bool
less_by_kind(const struct chart_manifest *x, const struct chart_manifest *y)
{
    int a = kind_rank(x->kind), b = kind_rank(y->kind);
    if (a < 0 && b < 0)
        return strcmp(x->kind, y->kind) < 0;
    if (a < 0)
        return false;
    if (b < 0)
        return true;
    return a < b;
}

/* Stable insertion-merge sort (sort.SliceStable). */
static void
stable_sort(struct chart_manifest *v, size_t n)
{
    if (n < 2)
        return;
    struct chart_manifest *tmp = xmalloc(n * sizeof(*tmp));
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                if (less_by_kind(&v[j], &v[i]))
                    tmp[k++] = v[j++];
                else
                    tmp[k++] = v[i++];
            }
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
        }
        memcpy(v, tmp, n * sizeof(*v));
    }
    free(tmp);
}

static const char *
json_kind_name(const struct val *v)
{
    switch (v->kind) {
    case VAL_BOOL:
        return "bool";
    case VAL_INT:
    case VAL_FLOAT:
        return "number";
    case VAL_STRING:
        return "string";
    case VAL_SEQ:
        return "array";
    case VAL_MAP:
        return "object";
    default:
        return "null";
    }
}

/* A scalar as sigs.k8s.io/yaml converts it for a string field; NULL for
 * collections. */
static const char *
as_string(struct arena *a, const struct val *v)
{
    struct sb sb = SB_INIT;
    const char *s;
    switch (v->kind) {
    case VAL_STRING:
        return v->u.s.ptr;
    case VAL_INT:
        return arena_sprintf(a, "%lld", (long long)v->u.i);
    case VAL_FLOAT:
        chart_format_float32(&sb, v->u.f);
        s = arena_strdup(a, sb.buf);
        sb_release(&sb);
        return s;
    case VAL_BOOL:
        return v->u.b ? "true" : "false";
    case VAL_NULL:
        return "";
    default:
        return NULL;
    }
}

struct head {
    const char *kind, *name;
    struct val *annotations; /* NULL when absent */
};

static int
parse_head(struct head *h, struct arena *a, const char *doc, size_t len, const char *path,
           struct pkg_err **errp)
{
    memset(h, 0, sizeof(*h));
    h->kind = h->name = "";
    struct val *all;
    struct val_yaml_opts yo = {
        .dialect = VAL_YAML_HELM, .allow_duplicate_keys = true, .goyaml_errors = true};
    int rc = val_yaml_load_all(&all, a, doc, len, path, &yo, errp);
    if (rc)
        return pkg_err_wrap(errp, "YAML parse error on %s: error converting YAML to JSON", path);
    struct val *v = val_seq_len(all) ? val_seq_at(all, 0) : NULL;
    if (!v || v->kind == VAL_NULL)
        return 0;
    if (v->kind != VAL_MAP)
        return pkg_err_set(errp, PKG_EINVAL,
                           "YAML parse error on %s: error unmarshaling JSON: while decoding JSON: "
                           "json: cannot unmarshal %s into Go value of type releaseutil.SimpleHead",
                           path, json_kind_name(v));
#define TYPE_ERR(X, FIELD, TYPE)                                                                   \
    pkg_err_set(errp, PKG_EINVAL,                                                                  \
                "YAML parse error on %s: error unmarshaling JSON: while decoding JSON: json: "     \
                "cannot unmarshal %s into Go struct field %s of type %s",                          \
                path, json_kind_name(X), FIELD, TYPE)
    struct val_mapent *e = val_map_sorted(a, v);
    for (size_t i = 0; i < val_map_len(v); i++) {
        const char *k = e[i].key->u.s.ptr;
        struct val *x = e[i].v;
        if (!strcasecmp(k, "kind")) {
            const char *s = as_string(a, x);
            if (!s)
                return TYPE_ERR(x, "SimpleHead.kind", "string");
            if (x->kind != VAL_NULL)
                h->kind = s;
        } else if (!strcasecmp(k, "apiVersion")) {
            if (!as_string(a, x))
                return TYPE_ERR(x, "SimpleHead.apiVersion", "string");
        } else if (!strcasecmp(k, "metadata")) {
            if (x->kind == VAL_NULL) {
                h->annotations = NULL;
                continue;
            }
            if (x->kind != VAL_MAP)
                return TYPE_ERR(x, "SimpleHead.metadata",
                                "struct { Name string \"json:\\\"name\\\"\"; Annotations "
                                "map[string]string \"json:\\\"annotations\\\"\" }");
            struct val_mapent *me = val_map_sorted(a, x);
            for (size_t j = 0; j < val_map_len(x); j++) {
                const char *mk = me[j].key->u.s.ptr;
                struct val *mv = me[j].v;
                if (!strcasecmp(mk, "name")) {
                    const char *s = as_string(a, mv);
                    if (!s)
                        return TYPE_ERR(mv, ".metadata.name", "string");
                    if (mv->kind != VAL_NULL)
                        h->name = s;
                } else if (!strcasecmp(mk, "annotations")) {
                    if (mv->kind == VAL_NULL) {
                        h->annotations = NULL;
                        continue;
                    }
                    if (mv->kind != VAL_MAP)
                        return TYPE_ERR(mv, ".metadata.annotations", "map[string]string");
                    if (!h->annotations)
                        h->annotations = val_map(a);
                    for (size_t k2 = 0; k2 < val_map_len(mv); k2++) {
                        struct val *av = mv->u.map.ents[k2].v;
                        const char *s = as_string(a, av);
                        if (!s)
                            return TYPE_ERR(av, ".metadata.annotations", "string");
                        val_map_set(a, h->annotations, mv->u.map.ents[k2].key->u.s.ptr,
                                    mv->u.map.ents[k2].key->u.s.len, val_strz(a, s));
                    }
                }
            }
        }
    }
#undef TYPE_ERR
    return 0;
}

static void
push(struct arena *a, struct chart_manifest **v, size_t *n, size_t *cap,
     const struct chart_manifest *m)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        *v = arena_realloc(a, *v, *cap * sizeof(**v), nc * sizeof(**v));
        *cap = nc;
    }
    (*v)[(*n)++] = *m;
}

static int
cmp_rendered(const void *x, const void *y)
{
    return strcmp(((const struct chart_rendered *)x)->path,
                  ((const struct chart_rendered *)y)->path);
}

/* One document of the sort, with what its head says. */
struct doc {
    const char *path;
    const char *text;
    size_t len;
    /* results */
    int rc;
    struct pkg_err *err;
    const char *kind, *name; /* in the parsing thread's result arena */
    const char *hook_raw;    /* an unknown hook's annotation, for helm's log line */
    bool parsed;
    bool hook, unknown_hook, test_hook;
    int weight;
};

/* The hook events of a helm.sh/hook value; false when one is unknown. */
static bool
hook_events_ok(const char *hs, bool *test)
{
    *test = false;
    for (;;) {
        const char *comma = strchr(hs, ',');
        size_t len = comma ? (size_t)(comma - hs) : strlen(hs);
        const char *p = hs;
        size_t l = len;
        trim(&p, &l);
        char ev[32];
        bool found = false;
        if (l < sizeof(ev)) {
            for (size_t k = 0; k < l; k++)
                ev[k] = (char)(p[k] >= 'A' && p[k] <= 'Z' ? p[k] + 32 : p[k]);
            ev[l] = 0;
            for (size_t k = 0; k < sizeof(hook_events) / sizeof(hook_events[0]); k++)
                if (!strcmp(ev, hook_events[k])) {
                    found = true;
                    if (!strncmp(ev, "test", 4))
                        *test = true;
                }
        }
        if (!found)
            return false;
        if (!comma)
            return true;
        hs = comma + 1;
    }
}

/* Parses one document's head. The tree lives in a scratch arena only as
 * long as this takes; the strings kept go to ra. */
static void
doc_parse(struct doc *d, struct arena *ra)
{
    struct head h;
    struct arena *sa = arena_new();
    d->parsed = true;
    d->rc = parse_head(&h, sa, d->text, d->len, d->path, &d->err);
    if (d->rc) {
        arena_free(sa);
        return;
    }
    d->kind = arena_strdup(ra, h.kind);
    d->name = arena_strdup(ra, h.name);
    const struct val *hv = h.annotations && val_map_len(h.annotations)
                               ? val_map_getz(h.annotations, "helm.sh/hook")
                               : NULL;
    if (hv) {
        d->hook = true;
        d->unknown_hook = !hook_events_ok(hv->u.s.ptr, &d->test_hook);
        if (d->unknown_hook)
            d->hook_raw = arena_strdup(ra, hv->u.s.ptr);
        const struct val *w = val_map_getz(h.annotations, "helm.sh/hook-weight");
        d->weight = w ? atoi(w->u.s.ptr) : 0;
    }
    arena_free(sa);
}

struct worker {
    struct doc *docs;
    size_t n, first, stride;
    struct arena *ra;
};

static void *
worker_run(void *arg)
{
    struct worker *w = arg;
    for (size_t i = w->first; i < w->n; i += w->stride) {
        if (!w->docs[i].parsed)
            doc_parse(&w->docs[i], w->ra);
        if (w->docs[i].rc)
            break; /* later documents do not matter after an error */
    }
    return NULL;
}

/* releaseutil's "info: skipping unknown hook: %q" of the annotation. */
static void
unknown_hook_log(const char *hs)
{
    if (!chart_helm_log_enabled())
        return;
    struct sb m = SB_INIT;
    tmpl_quote(&m, hs, strlen(hs));
    chart_helm_log("manifest_sorter.go", 190, "info: skipping unknown hook: %s", m.buf);
    sb_release(&m);
}

/* Below this many documents a second thread costs more than it saves. */
#define PARALLEL_MIN_DOCS 48

/* Appends the documents of one rendered file (none for a partial or a
 * blank file), their split arrays in a. */
static void
file_docs(struct doc **docs, size_t *nd, size_t *capd, struct arena *a, const char *path,
          const char *text, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (base[0] == '_')
        return;
    const char *t = text;
    size_t tl = len;
    trim(&t, &tl);
    if (tl == 0)
        return;
    const char **dv;
    size_t *dl;
    size_t k = chart_split_manifests(&dv, &dl, a, text, len);
    for (size_t j = 0; j < k; j++) {
        *docs = xgrow(*docs, capd, *nd + 1, sizeof(**docs));
        memset(&(*docs)[*nd], 0, sizeof((*docs)[*nd]));
        (*docs)[*nd].path = path;
        (*docs)[*nd].text = dv[j];
        (*docs)[*nd].len = dl[j];
        (*nd)++;
    }
}

/* ---- heads parsed while the files render ---- */

struct head_file {
    const char *path, *text;
    size_t len;
    struct doc *docs; /* parsed, heap; their errors are the sort's to free */
    size_t nd, capd;
    bool used;
};

/* A sleeping worker is woken for this much text at a time: a wake-up per
 * small file costs more than parsing it. */
#define HEADS_BATCH ((size_t)16 << 10)

struct chart_heads {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct head_file **v; /* in the order they came */
    size_t n, cap, next;
    size_t unsignalled; /* bytes queued since the worker went to sleep */
    bool closed, sleeping;
    pthread_t th;
    bool threaded;
    struct arena *ra; /* the worker's: split arrays, kinds and names */
};

/* Takes files until none is left and the queue is closed (or, with
 * wait false, until none is left now). */
static void
heads_work(struct chart_heads *h, struct arena *a, bool wait)
{
    for (;;) {
        pthread_mutex_lock(&h->mu);
        while (wait && h->next == h->n && !h->closed) {
            h->sleeping = true;
            h->unsignalled = 0;
            pthread_cond_wait(&h->cv, &h->mu);
            h->sleeping = false;
        }
        struct head_file *f = h->next < h->n ? h->v[h->next++] : NULL;
        pthread_mutex_unlock(&h->mu);
        if (!f)
            return;
        file_docs(&f->docs, &f->nd, &f->capd, a, f->path, f->text, f->len);
        for (size_t i = 0; i < f->nd; i++)
            doc_parse(&f->docs[i], a);
    }
}

static void *
heads_thread(void *arg)
{
    struct chart_heads *h = arg;
    heads_work(h, h->ra, true);
    return NULL;
}

struct chart_heads *
chart_heads_start(void)
{
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
        return NULL;
    struct chart_heads *h = xcalloc(1, sizeof(*h));
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    h->ra = arena_new();
    h->threaded = pthread_create(&h->th, NULL, heads_thread, h) == 0;
    if (!h->threaded) {
        chart_heads_free(h);
        return NULL;
    }
    return h;
}

void
chart_heads_add(struct chart_heads *h, const char *path, const char *text, size_t len)
{
    if (!h)
        return;
    struct head_file *f = xcalloc(1, sizeof(*f));
    f->path = path;
    f->text = text;
    f->len = len;
    pthread_mutex_lock(&h->mu);
    h->v = xgrow(h->v, &h->cap, h->n + 1, sizeof(*h->v));
    h->v[h->n++] = f;
    h->unsignalled += len;
    if (h->sleeping && h->unsignalled >= HEADS_BATCH)
        pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

/* Closes the queue, parses what is left on this thread too, and waits. */
static void
heads_close(struct chart_heads *h, struct arena *a)
{
    pthread_mutex_lock(&h->mu);
    h->closed = true;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    if (a)
        heads_work(h, a, false);
    if (h->threaded)
        pthread_join(h->th, NULL);
    h->threaded = false;
}

void
chart_heads_free(struct chart_heads *h)
{
    if (!h)
        return;
    if (h->threaded) {
        pthread_mutex_lock(&h->mu);
        h->next = h->n; /* nothing more to take */
        pthread_mutex_unlock(&h->mu);
        heads_close(h, NULL);
    }
    for (size_t i = 0; i < h->n; i++) {
        for (size_t k = 0; k < h->v[i]->nd; k++)
            pkg_err_free(h->v[i]->docs[k].err);
        free(h->v[i]->docs);
        free(h->v[i]);
    }
    free(h->v);
    arena_free(h->ra);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    free(h);
}

/* The parsed file with this output, handed out once, or NULL. */
static struct head_file *
heads_find(struct chart_heads *h, const char *text, size_t len)
{
    for (size_t i = 0; h && i < h->n; i++) {
        struct head_file *f = h->v[i];
        if (f->text == text && f->len == len && !f->used) {
            f->used = true;
            return f;
        }
    }
    return NULL;
}

int
chart_manifests_sort(struct chart_manifests *out, struct arena *a,
                     const struct chart_rendered *files, size_t n, struct pkg_err **errp)
{
    return chart_manifests_sort_heads(out, a, files, n, NULL, errp);
}

int
chart_manifests_sort_heads(struct chart_manifests *out, struct arena *a,
                           const struct chart_rendered *files, size_t n, struct chart_heads *h,
                           struct pkg_err **errp)
{
    memset(out, 0, sizeof(*out));
    if (h) {
        heads_close(h, a);
        arena_adopt(a, h->ra);
        h->ra = NULL;
    }
    struct chart_rendered *sorted = xmalloc((n + 1) * sizeof(*sorted));
    if (n) {
        memcpy(sorted, files, n * sizeof(*sorted));
        qsort(sorted, n, sizeof(*sorted), cmp_rendered);
    }
    /* Every document, in Helm's order: files by path, documents in order.
     * Those parsed while rendering come with their heads; the sort's
     * errors free their errors. */
    struct doc *docs = NULL;
    size_t nd = 0, capd = 0;
    for (size_t i = 0; i < n; i++) {
        struct head_file *f = heads_find(h, sorted[i].text, sorted[i].len);
        if (!f) {
            file_docs(&docs, &nd, &capd, a, sorted[i].path, sorted[i].text, sorted[i].len);
            continue;
        }
        for (size_t k = 0; k < f->nd; k++) {
            docs = xgrow(docs, &capd, nd + 1, sizeof(*docs));
            docs[nd] = f->docs[k];
            docs[nd].path = sorted[i].path;
            nd++;
        }
        free(f->docs);
        f->docs = NULL;
        f->nd = 0;
    }
    free(sorted);

    /* Parse the heads, on two threads when there are many documents. The
     * result is the same: errors are taken in document order below. */
    struct arena *ra2 = NULL;
    pthread_t th;
    bool threaded = false;
    struct worker w2 = {docs, nd, 1, 2, NULL};
    size_t todo = 0;
    for (size_t i = 0; i < nd; i++)
        todo += !docs[i].parsed;
    if (todo >= PARALLEL_MIN_DOCS && sysconf(_SC_NPROCESSORS_ONLN) > 1) {
        ra2 = arena_new();
        w2.ra = ra2;
        threaded = pthread_create(&th, NULL, worker_run, &w2) == 0;
    }
    struct worker w1 = {docs, nd, 0, threaded ? 2 : 1, a};
    worker_run(&w1);
    if (threaded)
        pthread_join(th, NULL);

    size_t capg = 0, caph = 0;
    int rc = 0;
    for (size_t i = 0; i < nd; i++) {
        struct doc *d = &docs[i];
        if (!d->parsed) {
            /* Not parsed: the thread stopped at an earlier error of its
             * own; parse it here to keep Helm's first error. */
            doc_parse(d, a);
        }
        if (d->rc) {
            rc = d->rc;
            if (errp) {
                pkg_err_free(*errp);
                *errp = d->err;
                d->err = NULL;
            }
            break;
        }
        if (d->hook && d->unknown_hook) {
            unknown_hook_log(d->hook_raw);
            continue;
        }
        struct chart_manifest m = {
            .path = d->path,
            .content = d->text,
            .len = d->len,
            .kind = ra2 ? arena_strdup(a, d->kind) : d->kind,
            .name = ra2 ? arena_strdup(a, d->name) : d->name,
            .hook = d->hook,
            .test_hook = d->test_hook,
            .weight = d->weight,
        };
        if (m.hook)
            push(a, &out->hooks, &out->nhooks, &caph, &m);
        else
            push(a, &out->generic, &out->ngeneric, &capg, &m);
    }
    for (size_t i = 0; i < nd; i++)
        pkg_err_free(docs[i].err);
    free(docs);
    arena_free(ra2);
    if (rc)
        return rc;
    stable_sort(out->hooks, out->nhooks);
    stable_sort(out->generic, out->ngeneric);
    return 0;
}
