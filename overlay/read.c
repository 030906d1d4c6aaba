/* Resources from bytes, as kustomize's resource factory reads them
 * (kio.FromBytes, dropBadNodes, inlineAnyEmbeddedLists): documents split on
 * `---` lines, empty documents dropped, kind and metadata.name required,
 * `List` kinds expanded into their items. */
#include "overlay/kust.h"

#include <stdlib.h>
#include <string.h>

/* Checks the `\n---...\n` separators kyaml accepts and counts documents;
 * seps (when not NULL) gets each separator's 1-based line. */
static int
check_separators(const char *buf, size_t len, size_t *ndocs, struct arena *a, uint32_t **seps,
                 struct pkg_err **errp)
{
    size_t n = 1, cap = 0;
    uint32_t line = 1;
    const char *counted = buf;
    const char *end = buf + len;
    for (const char *p = buf; p + 4 <= end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl || nl + 4 > end)
            break;
        if (memcmp(nl + 1, "---", 3) != 0) {
            p = nl + 1;
            continue;
        }
        const char *ls = nl + 4;
        const char *eol = memchr(ls, '\n', (size_t)(end - ls));
        if (!eol)
            break; /* the regexp needs the closing newline */
        const char *q = ls;
        while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\v' || *q == '\f'))
            q++;
        if (q < eol && *q != '#') {
            const char *e = eol;
            while (e > nl + 1 && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
                e--;
            return pkg_err_set(errp, PKG_ESYNTAX, "invalid document separator: %.*s",
                               (int)(e - (nl + 1)), nl + 1);
        }
        if (seps) {
            for (; counted <= nl; counted++)
                line += *counted == '\n';
            if (n >= cap) {
                uint32_t *g = arena_alloc(a, (cap ? cap * 2 : 8) * sizeof(*g));
                if (cap)
                    memcpy(g, *seps, (n - 1) * sizeof(*g));
                cap = cap ? cap * 2 : 8;
                *seps = g;
            }
            (*seps)[n - 1] = line;
        }
        n++;
        p = eol; /* the separator consumed its newline: the next match needs another */
        p++;
    }
    *ndocs = n;
    return 0;
}

static void
reline(struct val *v, uint32_t base)
{
    if (v->line > base)
        v->line -= base;
    if (v->kind == VAL_SEQ) {
        for (size_t i = 0; i < val_seq_len(v); i++)
            reline(val_seq_at(v, i), base);
    } else if (v->kind == VAL_MAP) {
        for (size_t i = 0; i < val_map_len(v); i++) {
            reline(v->u.map.ents[i].key, base);
            reline(v->u.map.ents[i].v, base);
        }
    }
}

/* A v3-style %v of the metadata for messages. */
static const char *
meta_string(struct arena *a, const struct val *obj)
{
    return arena_sprintf(a, "{{%s %s} {{%s %s} map[] map[]}}", kn_apiversion(a, obj),
                         kn_kind(a, obj), kn_name(a, obj), kn_namespace(a, obj));
}

static int
validate(struct kbuild *b, const struct val *obj, struct pkg_err **errp)
{
    struct arena *a = b->a;
    if (obj->kind != VAL_MAP)
        return pkg_err_set(errp, PKG_EINVAL, "missing Resource metadata");
    bool any = !kn_nil_or_empty(kn_get(obj, "apiVersion")) ||
               !kn_nil_or_empty(kn_get(obj, "kind")) || !kn_nil_or_empty(kn_get(obj, "metadata"));
    if (!any)
        return pkg_err_set(errp, PKG_EINVAL, "missing Resource metadata");
    const char *kind = kn_kind(a, obj);
    if (kn_nil_or_empty(kn_get(obj, "kind")) || !*kind)
        return pkg_err_set(errp, PKG_EINVAL, "missing kind in object %s", meta_string(a, obj));
    size_t kl = strlen(kind);
    if (kl >= 4 && !strcmp(kind + kl - 4, "List"))
        return 0;
    if (!*kn_name(a, obj))
        return pkg_err_set(errp, PKG_EINVAL, "missing metadata.name in object %s",
                           meta_string(a, obj));
    return 0;
}

int
kread_parse(struct arena *a, struct val **docs, size_t *ndocs, const char *buf, size_t len,
            const char *file, struct pkg_err **errp)
{
    *ndocs = 1;
    uint32_t *seps = NULL;
    int rc = check_separators(buf, len, ndocs, a, &seps, errp);
    if (rc)
        return rc;
    struct val_yaml_opts yo = {.dialect = VAL_YAML_KYAML};
    rc = val_yaml_load_all(docs, a, buf, len, arena_strdup(a, file), &yo, errp);
    if (rc) {
        pkg_err_wrap(errp, "MalformedYAMLError");
        return PKG_ESYNTAX;
    }
    /* kio decodes each piece between separators on its own: positions
     * count from the piece's first line (they reach content hashes). */
    for (size_t i = 0; *ndocs > 1 && i < val_seq_len(*docs); i++) {
        struct val *d = val_seq_at(*docs, i);
        uint32_t base = 0;
        for (size_t j = 0; j + 1 < *ndocs && seps[j] < d->line; j++)
            base = seps[j];
        if (base)
            reline(d, base);
    }
    return 0;
}

int
kread_resources(struct kbuild *b, struct kresmap *out, const char *buf, size_t len,
                const char *file, struct pkg_err **errp)
{
    struct val *docs = NULL;
    size_t ndocs;
    int rc = kread_parse(b->a, &docs, &ndocs, buf, len, file, errp);
    if (rc)
        return rc;
    return kread_build(b, out, docs, ndocs, errp);
}

int
kread_build(struct kbuild *b, struct kresmap *out, struct val *docs, size_t ndocs,
            struct pkg_err **errp)
{
    int rc = 0;
    /* kio: the nodes, with a lone List/ResourceList document unwrapped. */
    struct val **queue = NULL;
    size_t nq = 0, cq = 0, qi = 0;
    struct kresmap batch = {0};
    for (size_t i = 0; i < val_seq_len(docs); i++) {
        struct val *d = val_seq_at(docs, i);
        if (kn_missing_or_null(d))
            continue;
        if (ndocs == 1 && d->kind == VAL_MAP) {
            const char *kind = kn_kind(b->a, d);
            struct val *items = kn_get(d, "items");
            if ((!strcmp(kind, "List") || !strcmp(kind, "ResourceList")) &&
                (items || kn_get(d, "functionConfig"))) {
                for (size_t j = 0; items && items->kind == VAL_SEQ && j < val_seq_len(items); j++) {
                    queue = xgrow(queue, &cq, nq + 1, sizeof(*queue));
                    queue[nq++] = val_seq_at(items, j);
                }
                continue;
            }
        }
        queue = xgrow(queue, &cq, nq + 1, sizeof(*queue));
        queue[nq++] = d;
    }
    /* dropBadNodes */
    size_t w = 0;
    for (size_t i = 0; i < nq; i++) {
        if (kn_nil_or_empty(queue[i]))
            continue;
        rc = validate(b, queue[i], errp);
        if (rc)
            goto out;
        queue[w++] = queue[i];
    }
    nq = w;
    /* inlineAnyEmbeddedLists: items go to the end of the queue, through
     * a JSON round trip; then the slice goes into the map (Append's
     * duplicate check) once every node is known good, as kustomize does. */
    for (qi = 0; qi < nq; qi++) {
        struct val *n = queue[qi];
        const char *kind = kn_kind(b->a, n);
        size_t kl = strlen(kind);
        if (kl < 4 || strcmp(kind + kl - 4, "List") != 0) {
            kresmap_push(&batch, kres_new(b, n));
            continue;
        }
        struct val *items = kn_get(n, "items");
        if (!items) {
            kresmap_push(&batch, kres_new(b, n));
            continue;
        }
        if (items->kind == VAL_NULL)
            continue;
        if (items->kind != VAL_SEQ) {
            rc = pkg_err_set(errp, PKG_EINVAL, "expected array in %s/items, but found %s", kind,
                             items->kind == VAL_MAP      ? "map[string]interface {}"
                             : items->kind == VAL_STRING ? "string"
                                                         : val_kind_name(items->kind));
            goto out;
        }
        for (size_t j = 0; j < val_seq_len(items); j++) {
            struct val *it = kjson_reparse(b->a, val_seq_at(items, j), false);
            if (kn_nil_or_empty(it))
                continue;
            rc = validate(b, it, errp);
            if (rc)
                goto out;
            queue = xgrow(queue, &cq, nq + 1, sizeof(*queue));
            queue[nq++] = it;
        }
    }
    rc = kresmap_append_all(b, out, &batch, errp);
out:
    kresmap_free(&batch);
    free(queue);
    return rc;
}
