/* `crds:` files (api/internal/accumulator/loadconfigfromcrds.go): OpenAPI
 * definitions of custom types whose x-kubernetes-* extensions add field
 * specs for annotations, label selectors, name prefixes and name
 * references. */
#include "overlay/plugins.h"

#include <string.h>

static const struct val *
get_fold(const struct val *m, const char *k)
{
    if (!m || m->kind != VAL_MAP)
        return NULL;
    const struct val *v = val_map_getz(m, k);
    if (v)
        return v;
    for (size_t i = 0; i < val_map_len(m); i++)
        if (!strcasecmp(m->u.map.ents[i].key->u.s.ptr, k))
            return m->u.map.ents[i].v;
    return NULL;
}

/* Extensions.GetString: present and a string. */
static const char *
ext_string(const struct val *prop, const char *k)
{
    return val_cstr(kn_get(prop, k));
}

struct crdctx {
    struct kbuild *b;
    struct ktconfig *tc;
    const struct val *defs;
    int depth;
};

static int
add_fs(struct kfsslice *s, const struct kgvk *g, const char *path, struct pkg_err **errp)
{
    struct kfieldspec fs = {*g, path, false};
    return kfsslice_merge_one(s, &fs, errp);
}

static int
load_type(struct crdctx *c, const struct kgvk *g, const char *type, const char *path,
          struct pkg_err **errp)
{
    if (++c->depth > 64) {
        c->depth--;
        return 0;
    }
    const struct val *api = kn_get(c->defs, type);
    const struct val *props = get_fold(get_fold(api, "schema"), "properties");
    int rc = 0;
    for (size_t i = 0; !rc && props && props->kind == VAL_MAP && i < val_map_len(props); i++) {
        const char *pname = props->u.map.ents[i].key->u.s.ptr;
        const struct val *p = props->u.map.ents[i].v;
        const char *fp = *path ? arena_sprintf(c->b->a, "%s/%s", path, pname) : pname;
        if (ext_string(p, "x-kubernetes-annotation"))
            rc = add_fs(&c->tc->commonannotations, g, fp, errp);
        if (!rc && ext_string(p, "x-kubernetes-label-selector"))
            rc = add_fs(&c->tc->commonlabels, g, fp, errp);
        if (!rc && ext_string(p, "x-kubernetes-identity"))
            rc = add_fs(&c->tc->nameprefix, g, fp, errp);
        const char *ver = ext_string(p, "x-kubernetes-object-ref-api-version");
        const char *kind = ext_string(p, "x-kubernetes-object-ref-kind");
        if (!rc && ver && kind) {
            const char *key = ext_string(p, "x-kubernetes-object-ref-name-key");
            struct ktconfig *one = ktconfig_empty(c->b);
            one->nameref = xgrow(NULL, &one->cnameref, 1, sizeof(*one->nameref));
            memset(&one->nameref[0], 0, sizeof(one->nameref[0]));
            one->nameref[0].gvk = (struct kgvk){"", ver, kind, false};
            one->nnameref = 1;
            rc = add_fs(&one->nameref[0].referrers, g,
                        arena_sprintf(c->b->a, "%s/%s", fp, key ? key : "name"), errp);
            if (!rc)
                rc = ktconfig_merge(c->b, &c->tc, c->tc, one, errp);
        }
        const char *ref = val_cstr(kn_get(p, "$ref"));
        if (!rc && ref && *ref)
            rc = load_type(c, g, ref, fp, errp);
    }
    c->depth--;
    return rc;
}

int
kcrd_load_config(struct kbuild *b, struct kloader *ldr, const struct val *paths,
                 struct ktconfig **out, struct pkg_err **errp)
{
    struct ktconfig *tc = ktconfig_empty(b);
    for (size_t i = 0; i < val_seq_len(paths); i++) {
        const char *path = kn_text(b->a, val_seq_at(paths, i));
        struct sb content = SB_INIT;
        const char *real = NULL;
        int rc = kloader_load(b, ldr, path, &content, &real, errp);
        struct val *doc = NULL;
        if (!rc && content.len && content.buf[0] == '{') {
            rc = val_json_load(&doc, b->a, content.buf, content.len, real, NULL, errp);
        } else if (!rc) {
            struct val_yaml_opts yo = {.dialect = VAL_YAML_HELM, .allow_duplicate_keys = true};
            struct val *docs;
            rc = val_yaml_load_all(&docs, b->a, content.buf, content.len, real, &yo, errp);
            if (!rc)
                doc = val_seq_len(docs) ? val_seq_at(docs, 0) : NULL;
        }
        sb_release(&content);
        if (rc) {
            pkg_err_wrap(errp, "unable to parse open API definition from '%s'", path);
            return rc;
        }
        struct crdctx c = {b, ktconfig_empty(b), doc, 0};
        for (size_t j = 0; doc && doc->kind == VAL_MAP && j < val_map_len(doc); j++) {
            const char *name = doc->u.map.ents[j].key->u.s.ptr;
            const struct val *props =
                get_fold(get_fold(doc->u.map.ents[j].v, "schema"), "properties");
            if (!kn_get(props, "kind") || !kn_get(props, "apiVersion") ||
                !kn_get(props, "metadata"))
                continue;
            const char *dot = strrchr(name, '.');
            struct kgvk g = {"", "", dot ? dot + 1 : name, false};
            rc = load_type(&c, &g, name, "", errp);
            if (rc)
                return rc;
        }
        rc = ktconfig_merge(b, &tc, tc, c.tc, errp);
        if (rc)
            return rc;
    }
    *out = tc;
    return 0;
}
