/* Transformer configuration (api/internal/plugins/builtinconfig): the
 * field specs each built-in transformer visits and the name-reference
 * table, from the defaults, `configurations:` files and CRDs; merged and
 * sorted as kustomize does. */
#include "overlay/kust.h"
#include "overlay/config-default.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void
kfsslice_copy(struct kfsslice *dst, const struct kfsslice *src)
{
    memset(dst, 0, sizeof(*dst));
    if (!src->n)
        return;
    dst->v = xgrow(NULL, &dst->cap, src->n, sizeof(*dst->v));
    memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
    dst->n = src->n;
}

static void
fs_push(struct kfsslice *s, const struct kfieldspec *fs)
{
    s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
    s->v[s->n++] = *fs;
}

/* effectivelyEquals: x is selected by other's gvk and has the same path. */
static bool
effectively_equals(const struct kfieldspec *x, const struct kfieldspec *other)
{
    return kgvk_is_selected(&x->gvk, &other->gvk) && !strcmp(x->path, other->path);
}

int
kfsslice_merge_one(struct kfsslice *s, const struct kfieldspec *fs, struct pkg_err **errp)
{
    for (size_t i = 0; i < s->n; i++)
        if (effectively_equals(&s->v[i], fs)) {
            if (s->v[i].create != fs->create)
                return pkg_err_set(errp, PKG_ECONFLICT, "conflicting fieldspecs");
            return 0;
        }
    fs_push(s, fs);
    return 0;
}

int
kfsslice_merge_all(struct kfsslice *s, const struct kfsslice *in, struct pkg_err **errp)
{
    for (size_t i = 0; i < in->n; i++) {
        int rc = kfsslice_merge_one(s, &in->v[i], errp);
        if (rc)
            return rc;
    }
    return 0;
}

bool
kfieldspec_applies(const struct kfieldspec *fs, const struct kgvk *gvk)
{
    return kgvk_is_selected(gvk, &fs->gvk);
}

/* sort.Sort by Gvk.IsLessThan. Stable: Go's sort is unstable in
 * principle, but equal elements keep their order for the slice sizes
 * kustomize's tables have in practice. kgvk_sort computes each row's key
 * once: the default tables (hundreds of rows, sorted at every start) took
 * an eighth of a small `pkg render` with a comparison that formats two
 * strings. */
static void
fs_sort(struct kfsslice *s)
{
    kgvk_sort(s->v, s->n, sizeof(*s->v), offsetof(struct kfieldspec, gvk));
}

static void
nbr_sort(struct ktconfig *c)
{
    kgvk_sort(c->nameref, c->nnameref, sizeof(*c->nameref), offsetof(struct knbr, gvk));
}

static struct kfsslice *
section(struct ktconfig *c, const char *name)
{
    if (!strcmp(name, "namePrefix"))
        return &c->nameprefix;
    if (!strcmp(name, "nameSuffix"))
        return &c->namesuffix;
    if (!strcmp(name, "namespace"))
        return &c->namespace;
    if (!strcmp(name, "commonLabels"))
        return &c->commonlabels;
    if (!strcmp(name, "labels"))
        return &c->labels;
    if (!strcmp(name, "templateLabels"))
        return &c->templatelabels;
    if (!strcmp(name, "commonAnnotations"))
        return &c->commonannotations;
    if (!strcmp(name, "varReference"))
        return &c->varreference;
    if (!strcmp(name, "images"))
        return &c->images;
    if (!strcmp(name, "replicas"))
        return &c->replicas;
    return NULL;
}

static void
sort_fields(struct ktconfig *c)
{
    fs_sort(&c->nameprefix);
    fs_sort(&c->namesuffix);
    fs_sort(&c->namespace);
    fs_sort(&c->commonlabels);
    fs_sort(&c->labels);
    fs_sort(&c->templatelabels);
    fs_sort(&c->commonannotations);
    nbr_sort(c);
    fs_sort(&c->varreference);
    fs_sort(&c->images);
    fs_sort(&c->replicas);
}

/* nbrSlice.mergeOne */
static int
nbr_merge_one(struct ktconfig *c, const struct knbr *other, struct pkg_err **errp)
{
    bool found = false;
    for (size_t i = 0; i < c->nnameref; i++)
        if (kgvk_equals(&c->nameref[i].gvk, &other->gvk)) {
            int rc = kfsslice_merge_all(&c->nameref[i].referrers, &other->referrers, errp);
            if (rc)
                return rc;
            found = true;
        }
    if (!found) {
        c->nameref = xgrow(c->nameref, &c->cnameref, c->nnameref + 1, sizeof(*c->nameref));
        struct knbr *n = &c->nameref[c->nnameref++];
        n->gvk = other->gvk;
        kfsslice_copy(&n->referrers, &other->referrers);
    }
    return 0;
}

static struct ktconfig *default_config;

static struct ktconfig *
make_default(void)
{
    struct ktconfig *c = xcalloc(1, sizeof(*c));
    for (const struct kfs_row *r = kust_default_fieldspecs; r->section[0]; r++) {
        struct kfsslice *s = section(c, r->section);
        struct kfieldspec fs = {{r->group, r->version, r->kind, false}, r->path, r->create};
        if (s)
            fs_push(s, &fs);
    }
    for (const struct knbr_row *r = kust_default_namerefs; r->kind[0]; r++) {
        struct kgvk g = {r->group, r->version, r->kind, false};
        size_t i;
        for (i = 0; i < c->nnameref; i++)
            if (kgvk_equals(&c->nameref[i].gvk, &g))
                break;
        if (i == c->nnameref) {
            c->nameref = xgrow(c->nameref, &c->cnameref, c->nnameref + 1, sizeof(*c->nameref));
            memset(&c->nameref[i], 0, sizeof(c->nameref[i]));
            c->nameref[i].gvk = g;
            c->nnameref++;
        }
        struct kfieldspec fs = {{r->rgroup, r->rversion, r->rkind, false}, r->path, r->create};
        fs_push(&c->nameref[i].referrers, &fs);
    }
    sort_fields(c);
    return c;
}

static void
config_copy(struct kbuild *b, struct ktconfig *dst, const struct ktconfig *src)
{
    (void)b;
    kfsslice_copy(&dst->nameprefix, &src->nameprefix);
    kfsslice_copy(&dst->namesuffix, &src->namesuffix);
    kfsslice_copy(&dst->namespace, &src->namespace);
    kfsslice_copy(&dst->commonlabels, &src->commonlabels);
    kfsslice_copy(&dst->labels, &src->labels);
    kfsslice_copy(&dst->templatelabels, &src->templatelabels);
    kfsslice_copy(&dst->commonannotations, &src->commonannotations);
    kfsslice_copy(&dst->varreference, &src->varreference);
    kfsslice_copy(&dst->images, &src->images);
    kfsslice_copy(&dst->replicas, &src->replicas);
    dst->nameref = NULL;
    dst->nnameref = dst->cnameref = 0;
    if (src->nnameref) {
        dst->nameref = xgrow(NULL, &dst->cnameref, src->nnameref, sizeof(*dst->nameref));
        for (size_t i = 0; i < src->nnameref; i++) {
            dst->nameref[i].gvk = src->nameref[i].gvk;
            kfsslice_copy(&dst->nameref[i].referrers, &src->nameref[i].referrers);
        }
        dst->nnameref = src->nnameref;
    }
}

/* Configs are owned by the build (freed by ktconfig_release_all). */
static struct ktconfig *
config_new(struct kbuild *b)
{
    struct ktconfig *c = xcalloc(1, sizeof(*c));
    b->cfgs = xgrow(b->cfgs, &b->ccfgs, b->ncfgs + 1, sizeof(*b->cfgs));
    b->cfgs[b->ncfgs++] = c;
    return c;
}

static void
config_free(struct ktconfig *c)
{
    free(c->nameprefix.v);
    free(c->namesuffix.v);
    free(c->namespace.v);
    free(c->commonlabels.v);
    free(c->labels.v);
    free(c->templatelabels.v);
    free(c->commonannotations.v);
    free(c->varreference.v);
    free(c->images.v);
    free(c->replicas.v);
    for (size_t i = 0; i < c->nnameref; i++)
        free(c->nameref[i].referrers.v);
    free(c->nameref);
    free(c);
}

struct ktconfig *
ktconfig_empty(struct kbuild *b)
{
    return config_new(b);
}

void
ktconfig_release_all(struct kbuild *b)
{
    for (size_t i = 0; i < b->ncfgs; i++)
        config_free(b->cfgs[i]);
    free(b->cfgs);
    b->cfgs = NULL;
    b->ncfgs = b->ccfgs = 0;
}

struct ktconfig *
ktconfig_default(struct kbuild *b)
{
    if (!default_config) /* process-wide, built once, never freed: a constant */
        default_config = make_default();
    struct ktconfig *c = config_new(b);
    config_copy(b, c, default_config);
    return c;
}

int
ktconfig_merge(struct kbuild *b, struct ktconfig **out, const struct ktconfig *x,
               const struct ktconfig *y, struct pkg_err **errp)
{
    struct ktconfig *m = config_new(b);
    config_copy(b, m, x);
    if (!y) {
        *out = m;
        return 0;
    }
    static const struct {
        size_t off;
        const char *name;
    } f[] = {
        {offsetof(struct ktconfig, nameprefix), "NamePrefix"},
        {offsetof(struct ktconfig, namesuffix), "NameSuffix"},
        {offsetof(struct ktconfig, namespace), "NameSpace"},
        {offsetof(struct ktconfig, commonannotations), "CommonAnnotations"},
        {offsetof(struct ktconfig, commonlabels), "CommonLabels"},
        {offsetof(struct ktconfig, labels), "Labels"},
        {offsetof(struct ktconfig, templatelabels), "TemplateLabels"},
        {offsetof(struct ktconfig, varreference), "VarReference"},
        {offsetof(struct ktconfig, images), "Images"},
        {offsetof(struct ktconfig, replicas), "Replicas"},
    };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        struct kfsslice *d = (struct kfsslice *)((char *)m + f[i].off);
        const struct kfsslice *s = (const struct kfsslice *)((const char *)y + f[i].off);
        int rc = kfsslice_merge_all(d, s, errp);
        if (rc) {
            pkg_err_wrap(errp, "failed to merge %s fieldSpec", f[i].name);
            return rc;
        }
    }
    for (size_t i = 0; i < y->nnameref; i++) {
        int rc = nbr_merge_one(m, &y->nameref[i], errp);
        if (rc) {
            pkg_err_wrap(errp, "failed to merge NameReference fieldSpec");
            return rc;
        }
    }
    sort_fields(m);
    *out = m;
    return 0;
}

static int
fs_from_val(struct kbuild *b, struct kfieldspec *fs, const struct val *v, bool strict,
            struct pkg_err **errp)
{
    memset(fs, 0, sizeof(*fs));
    if (!v || v->kind != VAL_MAP)
        return pkg_err_set(errp, PKG_ETYPE, "field spec must be a map");
    static const char *const known[] = {"group", "version", "kind", "path", "create"};
    for (size_t i = 0; strict && i < val_map_len(v); i++) {
        const char *k = v->u.map.ents[i].key->u.s.ptr;
        bool ok = false;
        for (size_t j = 0; j < 5; j++)
            ok |= !strcasecmp(k, known[j]);
        if (!ok)
            return pkg_err_set(errp, PKG_EINVAL, "json: unknown field \"%s\"", k);
    }
    const char *g = val_cstr(kn_get(v, "group"));
    const char *ver = val_cstr(kn_get(v, "version"));
    const char *k = val_cstr(kn_get(v, "kind"));
    const char *p = val_cstr(kn_get(v, "path"));
    const struct val *c = kn_get(v, "create");
    fs->gvk = (struct kgvk){g ? g : "", ver ? ver : "", k ? k : "", false};
    fs->path = p ? p : "";
    fs->create = c && c->kind == VAL_BOOL && c->u.b;
    (void)b;
    return 0;
}

static int
fsslice_from_val(struct kbuild *b, struct kfsslice *out, const struct val *v, bool strict,
                 struct pkg_err **errp)
{
    if (!v || v->kind == VAL_NULL)
        return 0;
    if (v->kind != VAL_SEQ)
        return pkg_err_set(errp, PKG_ETYPE, "field specs must be a list");
    for (size_t i = 0; i < val_seq_len(v); i++) {
        struct kfieldspec fs;
        int rc = fs_from_val(b, &fs, val_seq_at(v, i), strict, errp);
        if (rc)
            return rc;
        fs_push(out, &fs);
    }
    return 0;
}

/* Plugin configs are read with yaml.Unmarshal: unknown fields are ignored. */
int
kfsslice_from_val(struct kbuild *b, struct kfsslice *out, const struct val *v,
                  struct pkg_err **errp)
{
    return fsslice_from_val(b, out, v, false, errp);
}

int
ktconfig_parse(struct kbuild *b, struct ktconfig **out, const char *buf, size_t len,
               const char *file, struct pkg_err **errp)
{
    struct val_yaml_opts yo = {.dialect = VAL_YAML_HELM};
    struct val *docs = NULL;
    int rc = val_yaml_load_all(&docs, b->a, buf, len, arena_strdup(b->a, file), &yo, errp);
    if (rc)
        return rc;
    struct ktconfig *c = config_new(b);
    struct val *d = val_seq_len(docs) ? val_seq_at(docs, 0) : NULL;
    if (d && d->kind != VAL_NULL && d->kind != VAL_MAP)
        return pkg_err_set(errp, PKG_ETYPE,
                           "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
                           "%s into Go value of type builtinconfig.TransformerConfig",
                           d->kind == VAL_SEQ ? "array" : "string");
    for (size_t i = 0; d && d->kind == VAL_MAP && i < val_map_len(d); i++) {
        const char *k = d->u.map.ents[i].key->u.s.ptr;
        const struct val *v = d->u.map.ents[i].v;
        if (!strcasecmp(k, "nameReference")) {
            for (size_t j = 0; v && v->kind == VAL_SEQ && j < val_seq_len(v); j++) {
                const struct val *e = val_seq_at(v, j);
                struct knbr n = {0};
                const char *g = val_cstr(kn_get(e, "group"));
                const char *ver = val_cstr(kn_get(e, "version"));
                const char *kd = val_cstr(kn_get(e, "kind"));
                n.gvk = (struct kgvk){g ? g : "", ver ? ver : "", kd ? kd : "", false};
                rc = fsslice_from_val(b, &n.referrers, kn_get(e, "fieldSpecs"), true, errp);
                if (!rc)
                    rc = nbr_merge_one(c, &n, errp);
                free(n.referrers.v);
                if (rc)
                    return rc;
            }
            continue;
        }
        struct kfsslice *s = NULL;
        static const char *const names[] = {
            "namePrefix",     "nameSuffix",        "namespace",    "commonLabels", "labels",
            "templateLabels", "commonAnnotations", "varReference", "images",       "replicas"};
        for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++)
            if (!strcasecmp(k, names[j]))
                s = section(c, names[j]);
        if (!s)
            return pkg_err_set(errp, PKG_EINVAL,
                               "error unmarshaling JSON: while decoding JSON: json: unknown field "
                               "\"%s\"",
                               k);
        rc = fsslice_from_val(b, s, v, true, errp);
        if (rc)
            return rc;
    }
    sort_fields(c);
    *out = c;
    return 0;
}
