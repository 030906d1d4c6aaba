/* Splitting and ordering rendered manifests as Helm's releaseutil does:
 * SplitManifests on the `(?:^|\s*\n)---\s*` separator, SortManifests with
 * partials and blank files skipped, hooks (the helm.sh/hook annotation)
 * set apart, unknown hook events dropped, and a stable sort by
 * InstallOrder kind (unknown kinds after, alphabetically). */
#include "chart/chart-int.h"
#include "core/xalloc.h"
#include "core/yaml.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    struct val_yaml_opts yo = {.dialect = VAL_YAML_HELM, .allow_duplicate_keys = true};
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

int
chart_manifests_sort(struct chart_manifests *out, struct arena *a,
                     const struct chart_rendered *files, size_t n, struct pkg_err **errp)
{
    memset(out, 0, sizeof(*out));
    struct chart_rendered *sorted = xmalloc((n + 1) * sizeof(*sorted));
    if (n) {
        memcpy(sorted, files, n * sizeof(*sorted));
        qsort(sorted, n, sizeof(*sorted), cmp_rendered);
    }
    size_t capg = 0, caph = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const char *path = sorted[i].path;
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        if (base[0] == '_')
            continue;
        const char *t = sorted[i].text;
        size_t tl = sorted[i].len;
        trim(&t, &tl);
        if (tl == 0)
            continue;
        const char **docs;
        size_t *dl;
        size_t nd = chart_split_manifests(&docs, &dl, a, sorted[i].text, sorted[i].len);
        for (size_t d = 0; d < nd; d++) {
            /* The document's tree is only needed for its head: parse it in
             * a scratch arena so that peak memory stays one document. */
            struct head h;
            struct arena *sa = arena_new();
            rc = parse_head(&h, sa, docs[d], dl[d], path, errp);
            if (rc) {
                arena_free(sa);
                goto out;
            }
            struct chart_manifest m = {
                .path = path,
                .content = docs[d],
                .len = dl[d],
                .kind = arena_strdup(a, h.kind),
                .name = arena_strdup(a, h.name),
            };
            const struct val *hv = h.annotations && val_map_len(h.annotations)
                                       ? val_map_getz(h.annotations, "helm.sh/hook")
                                       : NULL;
            if (!hv) {
                arena_free(sa);
                push(a, &out->generic, &out->ngeneric, &capg, &m);
                continue;
            }
            /* Events: comma separated, trimmed, lower-cased. */
            const char *hs = hv->u.s.ptr;
            bool unknown = false, test = false;
            while (1) {
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
                                test = true;
                        }
                }
                if (!found) {
                    unknown = true;
                    break;
                }
                if (!comma)
                    break;
                hs = comma + 1;
            }
            if (unknown) {
                arena_free(sa);
                continue; /* "info: skipping unknown hook" */
            }
            m.hook = true;
            m.test_hook = test;
            const struct val *w = val_map_getz(h.annotations, "helm.sh/hook-weight");
            m.weight = w ? atoi(w->u.s.ptr) : 0;
            arena_free(sa);
            push(a, &out->hooks, &out->nhooks, &caph, &m);
        }
    }
    stable_sort(out->hooks, out->nhooks);
    stable_sort(out->generic, out->ngeneric);
out:
    free(sorted);
    return rc;
}
