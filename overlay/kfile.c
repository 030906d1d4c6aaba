/* The kustomization file: found under its three names, read as
 * sigs.k8s.io/yaml reads it (go-yaml v2, then JSON), and checked like
 * encoding/json with DisallowUnknownFields decodes it into kustomize's
 * types.Kustomization: unknown fields and wrong types are errors with Go's
 * wording, field names match case-insensitively. The result is a value
 * tree with canonical field names and legacy fields folded in
 * (FixKustomization). */
#include "overlay/kust.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kt_kind {
    KT_STRING,
    KT_BOOL,
    KT_INT64,
    KT_INT,
    KT_ANY,    /* interface{} */
    KT_STRUCT, /* sub */
    KT_LIST,   /* of elem */
    KT_MAP,    /* string keys, of elem */
};

struct kt_type;

struct kt_field {
    const char *name; /* JSON name; NULL marks an embedded (inline) struct */
    const struct kt_type *type;
};

struct kt_type {
    enum kt_kind kind;
    const char *goname;            /* as Go prints the type */
    const struct kt_field *fields; /* KT_STRUCT, NULL-terminated by type == NULL */
    const struct kt_type *elem;    /* KT_LIST, KT_MAP */
    const char *structname;        /* KT_STRUCT: for "Go struct field X.path" */
};

#define T_SCALAR(id, k, go) static const struct kt_type id = {k, go, NULL, NULL, NULL}
T_SCALAR(t_string, KT_STRING, "string");
T_SCALAR(t_bool, KT_BOOL, "bool");
T_SCALAR(t_int64, KT_INT64, "int64");
T_SCALAR(t_int, KT_INT, "int");
T_SCALAR(t_any, KT_ANY, "interface {}");
T_SCALAR(t_sortorder, KT_STRING, "types.SortOrder");
T_SCALAR(t_psm, KT_STRING, "types.PatchStrategicMerge");
static const struct kt_type t_strlist = {KT_LIST, "[]string", NULL, &t_string, NULL};
static const struct kt_type t_strmap = {KT_MAP, "map[string]string", NULL, &t_string, NULL};
static const struct kt_type t_boolmap = {KT_MAP, "map[string]bool", NULL, &t_bool, NULL};
static const struct kt_type t_anymap = {KT_MAP, "map[string]interface {}", NULL, &t_any, NULL};
static const struct kt_type t_psmlist = {KT_LIST, "[]types.PatchStrategicMerge", NULL, &t_psm,
                                         NULL};

#define STRUCT(id, go, sname, ...)                                                                 \
    static const struct kt_field id##_fields[] = {__VA_ARGS__, {NULL, NULL}};                      \
    static const struct kt_type id = {KT_STRUCT, go, id##_fields, NULL, sname}
#define LIST(id, go, elem) static const struct kt_type id = {KT_LIST, go, NULL, &elem, NULL}
#define INLINE(t)                                                                                  \
    {                                                                                              \
        NULL, &t                                                                                   \
    }

STRUCT(t_typemeta, "types.TypeMeta", "TypeMeta", {"kind", &t_string}, {"apiVersion", &t_string});
STRUCT(t_gvk, "resid.Gvk", "Gvk", {"group", &t_string}, {"version", &t_string},
       {"kind", &t_string});
STRUCT(t_resid, "resid.ResId", "ResId", INLINE(t_gvk), {"name", &t_string},
       {"namespace", &t_string});
STRUCT(t_objectmeta, "types.ObjectMeta", "ObjectMeta", {"name", &t_string},
       {"namespace", &t_string}, {"labels", &t_strmap}, {"annotations", &t_strmap});
STRUCT(t_selector, "types.Selector", "Selector", INLINE(t_resid), {"annotationSelector", &t_string},
       {"labelSelector", &t_string});
LIST(t_selectorlist, "[]*types.Selector", t_selector);
STRUCT(t_patch, "types.Patch", "Patch", {"path", &t_string}, {"patch", &t_string},
       {"target", &t_selector}, {"options", &t_boolmap});
LIST(t_patchlist, "[]types.Patch", t_patch);
STRUCT(t_fieldspec, "types.FieldSpec", "FieldSpec", INLINE(t_gvk), {"path", &t_string},
       {"create", &t_bool});
LIST(t_fieldspeclist, "[]types.FieldSpec", t_fieldspec);
STRUCT(t_label, "types.Label", "Label", {"pairs", &t_strmap}, {"includeSelectors", &t_bool},
       {"includeTemplates", &t_bool}, {"fields", &t_fieldspeclist});
LIST(t_labellist, "[]types.Label", t_label);
STRUCT(t_image, "types.Image", "Image", {"name", &t_string}, {"newName", &t_string},
       {"tagSuffix", &t_string}, {"newTag", &t_string}, {"digest", &t_string});
LIST(t_imagelist, "[]types.Image", t_image);
STRUCT(t_fieldoptions, "types.FieldOptions", "FieldOptions", {"delimiter", &t_string},
       {"index", &t_int}, {"encoding", &t_string}, {"create", &t_bool});
STRUCT(t_sourcesel, "types.SourceSelector", "SourceSelector", INLINE(t_resid),
       {"fieldPath", &t_string}, {"options", &t_fieldoptions});
STRUCT(t_targetsel, "types.TargetSelector", "TargetSelector", {"select", &t_selector},
       {"reject", &t_selectorlist}, {"fieldPaths", &t_strlist}, {"options", &t_fieldoptions});
LIST(t_targetsellist, "[]*types.TargetSelector", t_targetsel);
STRUCT(t_replacement, "types.Replacement", "Replacement", {"source", &t_sourcesel},
       {"targets", &t_targetsellist});
STRUCT(t_replfield, "types.ReplacementField", "ReplacementField", INLINE(t_replacement),
       {"path", &t_string});
LIST(t_replfieldlist, "[]types.ReplacementField", t_replfield);
STRUCT(t_replica, "types.Replica", "Replica", {"name", &t_string}, {"count", &t_int64});
LIST(t_replicalist, "[]types.Replica", t_replica);
STRUCT(t_target, "types.Target", "Target", {"apiVersion", &t_string}, INLINE(t_gvk),
       {"name", &t_string}, {"namespace", &t_string});
STRUCT(t_fieldsel, "types.FieldSelector", "FieldSelector", {"fieldPath", &t_string});
STRUCT(t_var, "types.Var", "Var", {"name", &t_string}, {"objref", &t_target},
       {"fieldref", &t_fieldsel});
LIST(t_varlist, "[]types.Var", t_var);
STRUCT(t_legacysort, "types.LegacySortOptions", "LegacySortOptions", {"orderFirst", &t_strlist},
       {"orderLast", &t_strlist});
STRUCT(t_sortoptions, "types.SortOptions", "SortOptions", {"order", &t_sortorder},
       {"legacySortOptions", &t_legacysort});
STRUCT(t_genoptions, "types.GeneratorOptions", "GeneratorOptions", {"labels", &t_strmap},
       {"annotations", &t_strmap}, {"disableNameSuffixHash", &t_bool}, {"immutable", &t_bool});
STRUCT(t_kvsources, "types.KvPairSources", "KvPairSources", {"literals", &t_strlist},
       {"files", &t_strlist}, {"envs", &t_strlist}, {"env", &t_string});
STRUCT(t_genargs, "types.GeneratorArgs", "GeneratorArgs", {"namespace", &t_string},
       {"name", &t_string}, {"behavior", &t_string}, INLINE(t_kvsources),
       {"options", &t_genoptions});
STRUCT(t_cmargs, "types.ConfigMapArgs", "ConfigMapArgs", INLINE(t_genargs));
LIST(t_cmargslist, "[]types.ConfigMapArgs", t_cmargs);
STRUCT(t_secretargs, "types.SecretArgs", "SecretArgs", INLINE(t_genargs), {"type", &t_string});
LIST(t_secretargslist, "[]types.SecretArgs", t_secretargs);
STRUCT(t_helmglobals, "types.HelmGlobals", "HelmGlobals", {"chartHome", &t_string},
       {"configHome", &t_string});
STRUCT(t_helmchart, "types.HelmChart", "HelmChart", {"name", &t_string}, {"version", &t_string},
       {"repo", &t_string}, {"releaseName", &t_string}, {"namespace", &t_string},
       {"additionalValuesFiles", &t_strlist}, {"valuesFile", &t_string},
       {"valuesInline", &t_anymap}, {"valuesMerge", &t_string}, {"includeCRDs", &t_bool},
       {"skipHooks", &t_bool}, {"apiVersions", &t_strlist}, {"kubeVersion", &t_string},
       {"nameTemplate", &t_string}, {"skipTests", &t_bool}, {"debug", &t_bool});
LIST(t_helmchartlist, "[]types.HelmChart", t_helmchart);
STRUCT(t_helmargs, "types.HelmChartArgs", "HelmChartArgs", {"chartName", &t_string},
       {"chartVersion", &t_string}, {"chartRepoUrl", &t_string}, {"chartHome", &t_string},
       {"chartRepoName", &t_string}, {"helmBin", &t_string}, {"helmHome", &t_string},
       {"values", &t_string}, {"valuesLocal", &t_anymap}, {"valuesMerge", &t_string},
       {"releaseName", &t_string}, {"releaseNamespace", &t_string}, {"extraArgs", &t_strlist});
LIST(t_helmargslist, "[]types.HelmChartArgs", t_helmargs);

STRUCT(t_kustomization, "types.Kustomization", "Kustomization", INLINE(t_typemeta),
       {"metadata", &t_objectmeta}, {"openapi", &t_strmap}, {"namePrefix", &t_string},
       {"nameSuffix", &t_string}, {"namespace", &t_string}, {"commonLabels", &t_strmap},
       {"labels", &t_labellist}, {"commonAnnotations", &t_strmap},
       {"patchesStrategicMerge", &t_psmlist}, {"patchesJson6902", &t_patchlist},
       {"patches", &t_patchlist}, {"images", &t_imagelist}, {"imageTags", &t_imagelist},
       {"replacements", &t_replfieldlist}, {"replicas", &t_replicalist}, {"vars", &t_varlist},
       {"sortOptions", &t_sortoptions}, {"resources", &t_strlist}, {"components", &t_strlist},
       {"crds", &t_strlist}, {"bases", &t_strlist}, {"configMapGenerator", &t_cmargslist},
       {"secretGenerator", &t_secretargslist}, {"helmGlobals", &t_helmglobals},
       {"helmCharts", &t_helmchartlist}, {"helmChartInflationGenerator", &t_helmargslist},
       {"generatorOptions", &t_genoptions}, {"configurations", &t_strlist},
       {"generators", &t_strlist}, {"transformers", &t_strlist}, {"validators", &t_strlist},
       {"buildMetadata", &t_strlist});

/* Kinds exported for other parts of the module (replacement files). */
const void *kfile_type_replacement = &t_replacement;

struct check {
    struct kbuild *b;
    struct sb stack; /* field names joined by '.' */
    const char *sname;
    bool lax; /* unknown fields ignored (yaml.Unmarshal, not UnmarshalStrict) */
};

static const char *
json_kind(const struct val *v)
{
    switch (v->kind) {
    case VAL_STRING:
        return "string";
    case VAL_INT:
    case VAL_FLOAT:
        return "number";
    case VAL_BOOL:
        return "bool";
    case VAL_SEQ:
        return "array";
    case VAL_MAP:
        return "object";
    default:
        return "null";
    }
}

static int
type_error(struct check *c, const struct val *v, const char *valdesc, const struct kt_type *t,
           struct pkg_err **errp)
{
    (void)v;
    if (c->stack.len)
        return pkg_err_set(errp, PKG_ETYPE,
                           "json: cannot unmarshal %s into Go struct field %s.%s of type %s",
                           valdesc, c->sname, c->stack.buf, t->goname);
    return pkg_err_set(errp, PKG_ETYPE, "json: cannot unmarshal %s into Go value of type %s",
                       valdesc, t->goname);
}

/* Finds the field a JSON key decodes into: exact match first, then ASCII
 * case-insensitive (encoding/json's rule), through inline structs. */
static const struct kt_field *
find_field(const struct kt_type *t, const char *key, bool fold)
{
    for (const struct kt_field *f = t->fields; f->type; f++) {
        if (!f->name) {
            const struct kt_field *g = find_field(f->type, key, fold);
            if (g)
                return g;
            continue;
        }
        if (fold ? !strcasecmp(f->name, key) : !strcmp(f->name, key))
            return f;
    }
    return NULL;
}

/* Go's float formatting of a YAML float as sigs.k8s.io/yaml hands it to
 * encoding/json ("1.5", "1e+21"). */
static const char *
number_text(struct arena *a, const struct val *v)
{
    if (v->kind == VAL_INT)
        return arena_sprintf(a, "%lld", (long long)v->u.i);
    struct sb sb = SB_INIT;
    gofmt_float_json(&sb, v->u.f);
    const char *r = arena_strdup(a, sb.buf);
    sb_release(&sb);
    return r;
}

static int check_value(struct check *c, struct val **vp, const struct kt_type *t,
                       struct pkg_err **errp);

static int
check_struct(struct check *c, struct val *v, const struct kt_type *t, struct pkg_err **errp)
{
    const char *saved = c->sname;
    c->sname = t->structname;
    for (size_t i = 0; i < val_map_len(v); i++) {
        struct val *key = v->u.map.ents[i].key;
        const char *k = key->u.s.ptr;
        const struct kt_field *f = find_field(t, k, false);
        if (!f)
            f = find_field(t, k, true);
        if (!f && c->lax)
            continue;
        if (!f) {
            c->sname = saved;
            return pkg_err_set(errp, PKG_EINVAL, "json: unknown field \"%s\"", k);
        }
        if (strcmp(k, f->name)) {
            /* canonical spelling */
            struct val *nk = val_strz(c->b->a, f->name);
            val_set_pos(nk, key->file, key->line, key->col);
            val_map_set_key(c->b->a, v, i, nk);
        }
        size_t mark = c->stack.len;
        if (mark)
            sb_addch(&c->stack, '.');
        sb_addstr(&c->stack, f->name);
        int rc = check_value(c, &v->u.map.ents[i].v, f->type, errp);
        sb_setlen(&c->stack, mark);
        c->sname = t->structname;
        if (rc) {
            c->sname = saved;
            return rc;
        }
    }
    /* A key may now appear twice (case variants): the last wins, as in Go. */
    for (size_t i = 0; i < val_map_len(v); i++)
        for (size_t j = i + 1; j < val_map_len(v); j++)
            if (!strcmp(v->u.map.ents[i].key->u.s.ptr, v->u.map.ents[j].key->u.s.ptr)) {
                val_map_del(v, v->u.map.ents[i].key->u.s.ptr, v->u.map.ents[i].key->u.s.len);
                i--;
                break;
            }
    c->sname = saved;
    return 0;
}

static int
check_value(struct check *c, struct val **vp, const struct kt_type *t, struct pkg_err **errp)
{
    struct val *v = *vp;
    if (v->kind == VAL_NULL)
        return 0;
    switch (t->kind) {
    case KT_ANY:
        return 0;
    case KT_STRING:
        if (v->kind != VAL_STRING)
            return type_error(c, v, json_kind(v), t, errp);
        return 0;
    case KT_BOOL:
        if (v->kind != VAL_BOOL)
            return type_error(c, v, json_kind(v), t, errp);
        return 0;
    case KT_INT64:
    case KT_INT:
        if (v->kind == VAL_INT)
            return 0;
        if (v->kind == VAL_FLOAT) {
            double f = v->u.f;
            if (f == floor(f) && fabs(f) < 9.2e18) {
                const char *txt = number_text(c->b->a, v);
                if (!strchr(txt, 'e') && !strchr(txt, '.')) {
                    struct val *iv = val_int(c->b->a, (int64_t)f);
                    iv->line = v->line;
                    iv->col = v->col;
                    iv->file = v->file;
                    *vp = iv;
                    return 0;
                }
            }
            return type_error(c, v, arena_sprintf(c->b->a, "number %s", number_text(c->b->a, v)), t,
                              errp);
        }
        return type_error(c, v, json_kind(v), t, errp);
    case KT_STRUCT:
        if (v->kind != VAL_MAP)
            return type_error(c, v, json_kind(v), t, errp);
        return check_struct(c, v, t, errp);
    case KT_LIST:
        if (v->kind != VAL_SEQ)
            return type_error(c, v, json_kind(v), t, errp);
        for (size_t i = 0; i < val_seq_len(v); i++) {
            int rc = check_value(c, &v->u.seq.items[i], t->elem, errp);
            if (rc)
                return rc;
        }
        return 0;
    case KT_MAP:
        if (v->kind != VAL_MAP)
            return type_error(c, v, json_kind(v), t, errp);
        for (size_t i = 0; i < val_map_len(v); i++) {
            int rc = check_value(c, &v->u.map.ents[i].v, t->elem, errp);
            if (rc)
                return rc;
        }
        return 0;
    }
    return 0;
}

/* sigs.k8s.io/yaml's key conversion after a go-yaml v2 load: bools as
 * "true"/"false", ints in decimal, floats with FormatFloat(f, 'g', -1, 32). */
const char *
kjson_v2_key(struct arena *a, const struct val *k)
{
    struct val r;
    if (k->kind == VAL_STRING && k->style == VAL_STYLE_PLAIN && !(k->flags & VAL_F_TAGGED)) {
        /* keys load as strings: resolve them as go-yaml v2 would */
        r = *k;
        val_yaml_resolve(VAL_YAML_HELM, k->u.s.ptr, k->u.s.len, &r);
        if (r.kind == VAL_STRING)
            return k->u.s.ptr;
        r.style = VAL_STYLE_ANY;
        return kjson_v2_key(a, &r);
    }
    switch (k->kind) {
    case VAL_BOOL:
        return k->u.b ? "true" : "false";
    case VAL_INT:
        return arena_sprintf(a, "%lld", (long long)k->u.i);
    case VAL_FLOAT: {
        struct sb sb = SB_INIT;
        gofmt_float(&sb, (double)(float)k->u.f, 'g', -1);
        const char *f = arena_strdup(a, sb.buf);
        sb_release(&sb);
        if (!strcmp(f, "+Inf"))
            return ".inf";
        if (!strcmp(f, "-Inf"))
            return "-.inf";
        if (!strcmp(f, "NaN"))
            return ".nan";
        return f;
    }
    case VAL_NULL:
        return "null";
    default:
        return kn_text(a, k);
    }
}

/* sigs.k8s.io/yaml turns non-string keys into strings. */
static void
stringify_keys(struct arena *a, struct val *v, int depth)
{
    if (!v || depth > 200)
        return;
    if (v->kind == VAL_SEQ) {
        for (size_t i = 0; i < val_seq_len(v); i++)
            stringify_keys(a, val_seq_at(v, i), depth + 1);
    } else if (v->kind == VAL_MAP) {
        for (size_t i = 0; i < val_map_len(v); i++) {
            struct val *k = v->u.map.ents[i].key;
            const char *ks = kjson_v2_key(a, k);
            if (k->kind != VAL_STRING || strcmp(ks, k->u.s.ptr)) {
                struct val *nk = val_strz(a, ks);
                val_set_pos(nk, k->file, k->line, k->col);
                val_map_set_key(a, v, i, nk);
            }
            stringify_keys(a, v->u.map.ents[i].v, depth + 1);
        }
    }
}

int kfile_check_type(struct kbuild *b, struct val *v, const void *type, const char *what,
                     struct pkg_err **errp);

/* Checks v against one of the types above (used for replacement files). */
int
kfile_check_type(struct kbuild *b, struct val *v, const void *type, const char *what,
                 struct pkg_err **errp)
{
    (void)what;
    struct check c = {.b = b, .stack = SB_INIT, .sname = "", .lax = true};
    stringify_keys(b->a, v, 0);
    int rc = check_value(&c, &v, type, errp);
    sb_release(&c.stack);
    return rc;
}

static struct val *
append_lists(struct arena *a, struct val *k, const char *to, const char *from)
{
    struct val *src = val_map_getz(k, from);
    if (!src)
        return k;
    struct val *dst = val_map_getz(k, to);
    if (src->kind == VAL_SEQ && val_seq_len(src) > 0) {
        if (!dst || dst->kind != VAL_SEQ) {
            dst = val_seq(a);
            val_map_setz(a, k, to, dst);
        }
        for (size_t i = 0; i < val_seq_len(src); i++)
            val_seq_push(a, dst, val_seq_at(src, i));
    }
    val_map_del(k, from, strlen(from));
    return k;
}

/* FixKustomization: legacy fields folded into their successors. */
static void
fix_kustomization(struct kbuild *b, struct val *k)
{
    struct arena *a = b->a;
    append_lists(a, k, "resources", "bases");
    append_lists(a, k, "images", "imageTags");
    const char *gens[] = {"configMapGenerator", "secretGenerator"};
    for (int g = 0; g < 2; g++) {
        struct val *l = val_map_getz(k, gens[g]);
        for (size_t i = 0; l && l->kind == VAL_SEQ && i < val_seq_len(l); i++) {
            struct val *e = val_seq_at(l, i);
            const char *env = val_cstr(kn_get(e, "env"));
            if (env && *env) {
                struct val *envs = kn_get(e, "envs");
                if (!envs || envs->kind != VAL_SEQ) {
                    envs = val_seq(a);
                    val_map_setz(a, e, "envs", envs);
                }
                val_seq_push(a, envs, val_strz(a, env));
            }
            if (e && e->kind == VAL_MAP)
                val_map_del(e, "env", 3);
        }
    }
    /* helmChartInflationGenerator -> helmCharts (SplitHelmParameters) */
    struct val *old = val_map_getz(k, "helmChartInflationGenerator");
    if (old && old->kind == VAL_SEQ && val_seq_len(old) > 0) {
        struct val *charts = val_map_getz(k, "helmCharts");
        if (!charts || charts->kind != VAL_SEQ) {
            charts = val_seq(a);
            val_map_setz(a, k, "helmCharts", charts);
        }
        const char *chart_home = "";
        const char *config_home = "";
        for (size_t i = 0; i < val_seq_len(old); i++) {
            struct val *o = val_seq_at(old, i);
            if (!o || o->kind != VAL_MAP)
                continue;
            struct val *c = val_map(a);
            const struct {
                const char *from, *to;
            } m[] = {{"chartName", "name"},
                     {"chartVersion", "version"},
                     {"chartRepoUrl", "repo"},
                     {"releaseName", "releaseName"},
                     {"releaseNamespace", "namespace"},
                     {"values", "valuesFile"},
                     {"valuesLocal", "valuesInline"},
                     {"valuesMerge", "valuesMerge"}};
            for (size_t j = 0; j < sizeof(m) / sizeof(m[0]); j++) {
                struct val *x = val_map_getz(o, m[j].from);
                if (x && x->kind != VAL_NULL)
                    val_map_setz(a, c, m[j].to, x);
            }
            const char *ch = val_cstr(val_map_getz(o, "chartHome"));
            const char *hh = val_cstr(val_map_getz(o, "helmHome"));
            if (ch && *ch)
                chart_home = ch;
            if (hh && *hh)
                config_home = hh;
            val_seq_push(a, charts, c);
        }
        if (!val_map_getz(k, "helmGlobals") && (*chart_home || *config_home)) {
            struct val *g = val_map(a);
            if (*chart_home)
                val_map_setz(a, g, "chartHome", val_strz(a, chart_home));
            if (*config_home)
                val_map_setz(a, g, "configHome", val_strz(a, config_home));
            val_map_setz(a, k, "helmGlobals", g);
        }
    }
    val_map_del(k, "helmChartInflationGenerator", strlen("helmChartInflationGenerator"));
}

static void
warn_deprecated(struct kbuild *b, const struct val *k)
{
    static const struct {
        const char *field, *msg;
    } w[] = {
        {"bases", "# Warning: 'bases' is deprecated. Please use 'resources' instead. Run "
                  "'kustomize edit fix' to update your Kustomization automatically."},
        {"commonLabels", "# Warning: 'commonLabels' is deprecated. Please use 'labels' instead. "
                         "Run 'kustomize edit fix' to update your Kustomization automatically."},
        {"imageTags", "# Warning: 'imageTags' is deprecated. Please use 'images' instead. Run "
                      "'kustomize edit fix' to update your Kustomization automatically."},
        {"patchesJson6902", "# Warning: 'patchesJson6902' is deprecated. Please use 'patches' "
                            "instead. Run 'kustomize edit fix' to update your Kustomization "
                            "automatically."},
        {"patchesStrategicMerge", "# Warning: 'patchesStrategicMerge' is deprecated. Please use "
                                  "'patches' instead. Run 'kustomize edit fix' to update your "
                                  "Kustomization automatically."},
        {"vars", "# Warning: 'vars' is deprecated. Please use 'replacements' instead. "
                 "[EXPERIMENTAL] Run 'kustomize edit fix' to update your Kustomization "
                 "automatically."},
    };
    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
        const struct val *f = val_map_getz(k, w[i].field);
        if (f && f->kind != VAL_NULL) {
            sb_addstr(&b->warnings, w[i].msg);
            sb_addch(&b->warnings, '\n');
        }
    }
}

/* CheckEmpty: nothing but kind and apiVersion. */
static bool
is_empty(const struct val *k)
{
    for (size_t i = 0; i < val_map_len(k); i++) {
        const char *key = k->u.map.ents[i].key->u.s.ptr;
        if (!strcmp(key, "kind") || !strcmp(key, "apiVersion"))
            continue;
        const struct val *v = k->u.map.ents[i].v;
        if (v->kind == VAL_NULL)
            continue;
        if (v->kind == VAL_STRING && v->u.s.len == 0)
            continue;
        if (v->kind == VAL_BOOL && !v->u.b)
            continue;
        return false;
    }
    return true;
}

int
kfile_load(struct kbuild *b, struct kloader *ldr, struct val **out, const char **file,
           struct pkg_err **errp)
{
    static const char *const names[] = {"kustomization.yaml", "kustomization.yml", "Kustomization"};
    struct sb content = SB_INIT;
    const char *found = NULL;
    int matches = 0;
    for (int i = 0; i < 3; i++) {
        struct sb tmp = SB_INIT;
        const char *real = NULL;
        struct pkg_err *e = NULL;
        if (kloader_load(b, ldr, names[i], &tmp, &real, &e) == 0) {
            matches++;
            sb_release(&content);
            content = tmp;
            found = arena_sprintf(b->a, "%s/%s", ldr->root, names[i]);
        } else {
            sb_release(&tmp);
            if (e && e->code == PKG_ELIMIT) {
                sb_release(&content);
                if (errp)
                    *errp = e;
                return PKG_ELIMIT;
            }
            pkg_err_free(e);
        }
    }
    if (matches == 0) {
        sb_release(&content);
        return pkg_err_set(errp, PKG_ENOENT,
                           "unable to find one of 'kustomization.yaml', 'kustomization.yml' or "
                           "'Kustomization' in directory '%s'",
                           ldr->root);
    }
    if (matches > 1) {
        sb_release(&content);
        return pkg_err_set(errp, PKG_EINVAL, "Found multiple kustomization files under: %s\n",
                           ldr->root);
    }
    struct val_yaml_opts yo = {.dialect = VAL_YAML_HELM, .allow_duplicate_keys = true};
    struct val *docs = NULL;
    int rc = val_yaml_load_all(&docs, b->a, content.buf, content.len, found, &yo, errp);
    sb_release(&content);
    if (rc) {
        pkg_err_wrap(errp, "invalid Kustomization");
        b->err_located = true;
        return rc;
    }
    struct val *k = val_seq_len(docs) ? val_seq_at(docs, 0) : NULL;
    if (!k || k->kind == VAL_NULL)
        k = val_map(b->a);
    stringify_keys(b->a, k, 0);
    struct check c = {.b = b, .stack = SB_INIT, .sname = "Kustomization"};
    if (k->kind != VAL_MAP)
        rc = pkg_err_set(errp, PKG_ETYPE,
                         "json: cannot unmarshal %s into Go value of type types.Kustomization",
                         json_kind(k));
    else
        rc = check_struct(&c, k, &t_kustomization, errp);
    sb_release(&c.stack);
    if (rc) {
        pkg_err_wrap(errp, "invalid Kustomization");
        pkg_err_wrap(errp, "%s", found);
        b->err_located = true;
        return rc;
    }
    warn_deprecated(b, k);
    /* FixKustomization defaults kind and apiVersion. */
    const char *kind = val_cstr(val_map_getz(k, "kind"));
    const char *av = val_cstr(val_map_getz(k, "apiVersion"));
    if (!kind || !*kind) {
        kind = "Kustomization";
        val_map_setz(b->a, k, "kind", val_strz(b->a, kind));
    }
    if (!av || !*av) {
        av = !strcmp(kind, "Component") ? "kustomize.config.k8s.io/v1alpha1"
                                        : "kustomize.config.k8s.io/v1beta1";
        val_map_setz(b->a, k, "apiVersion", val_strz(b->a, av));
    }
    fix_kustomization(b, k);
    if (is_empty(k)) {
        pkg_err_set(errp, PKG_EINVAL, "kustomization.yaml is empty");
        pkg_err_wrap(errp, "%s", found);
        b->err_located = true;
        return PKG_EINVAL;
    }
    struct sb errs = SB_INIT;
    if (strcmp(kind, "Kustomization") && strcmp(kind, "Component"))
        sb_addstr(&errs, "\nkind should be Kustomization or Component");
    const char *want = !strcmp(kind, "Component") ? "kustomize.config.k8s.io/v1alpha1"
                                                  : "kustomize.config.k8s.io/v1beta1";
    if (strcmp(av, want))
        sb_addf(&errs, "\napiVersion for %s should be %s", kind, want);
    if (errs.len) {
        pkg_err_set(errp, PKG_EINVAL, "Failed to read kustomization file under %s:%s", ldr->root,
                    errs.buf);
        sb_release(&errs);
        return PKG_EINVAL;
    }
    sb_release(&errs);
    *out = k;
    *file = found;
    return 0;
}

bool
kust_is_kustomization_dir(const char *dir)
{
    static const char *const names[] = {"kustomization.yaml", "kustomization.yml", "Kustomization"};
    for (int i = 0; i < 3; i++) {
        char *p = xasprintf("%s/%s", dir, names[i]);
        bool ok = fs_exists(p) && !fs_is_dir(p);
        free(p);
        if (ok)
            return true;
    }
    return false;
}
