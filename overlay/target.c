/* A kustomization target (api/internal/target/kusttarget.go and
 * api/krusty/kustomizer.go): resources, bases and components accumulated
 * depth first, transformer configuration merged, generators run, then the
 * built-in transformers in kustomize's order; at the top, generated names
 * get their hash suffix, name references and vars are resolved, local
 * config dropped, resources sorted and build annotations stripped. */
#include "overlay/kust.h"
#include "overlay/git.h"
#include "overlay/plugins.h"

#include <stdlib.h>
#include <string.h>

struct korigin {
    const char *path, *repo, *ref, *configured_in;
    const char *by_av, *by_kind, *by_name, *by_ns;
};

struct ktarget {
    struct kbuild *b;
    struct kloader *ldr;
    struct val *k;
    const char *kfile;  /* path of the kustomization file */
    const char *kfname; /* its base name */
    struct korigin *origin;
    const struct val *buildmeta;
};

struct kaccum {
    struct kresmap rm;
    struct ktconfig *tc;
    struct kvarset vars;
};

static int accumulate_target(struct ktarget *kt, struct kaccum *ra, struct pkg_err **errp);

/* A resource file read and parsed ahead of time by a worker thread. */
struct kparsed {
    const char *path;
    struct arena *arena;
    struct val *docs;
    size_t ndocs;
    const char *real;
    bool ok;
};

/* ---- small helpers ---- */

const char *
kgo_quote(struct arena *a, const char *s)
{
    struct sb sb = SB_INIT;
    sb_addch(&sb, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            sb_addstr(&sb, "\\\"");
            break;
        case '\\':
            sb_addstr(&sb, "\\\\");
            break;
        case '\n':
            sb_addstr(&sb, "\\n");
            break;
        case '\t':
            sb_addstr(&sb, "\\t");
            break;
        case '\r':
            sb_addstr(&sb, "\\r");
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                sb_addf(&sb, "\\x%02x", *p);
            else
                sb_addch(&sb, *p);
        }
    }
    sb_addch(&sb, '"');
    const char *r = arena_strdup(a, sb.buf);
    sb_release(&sb);
    return r;
}

static bool
has_build_meta(const struct val *bm, const char *opt)
{
    for (size_t i = 0; bm && bm->kind == VAL_SEQ && i < val_seq_len(bm); i++)
        if (val_is_str(val_seq_at(bm, i), opt))
            return true;
    return false;
}

static const struct val *
kfield(const struct ktarget *kt, const char *name)
{
    const struct val *v = val_map_getz(kt->k, name);
    return v && v->kind != VAL_NULL ? v : NULL;
}

static size_t
list_len(const struct val *v)
{
    return v && v->kind == VAL_SEQ ? val_seq_len(v) : 0;
}

/* ---- origins (buildMetadata) ---- */

/* filepath.Join */
static const char *
path_join(struct arena *a, const char *x, const char *y)
{
    if (!*x)
        x = ".";
    char *j = xasprintf("%s/%s", x, y);
    char *c = fs_clean(j);
    const char *r = arena_strdup(a, c);
    free(j);
    free(c);
    if (!*x && !*y)
        return "";
    return r;
}

static struct korigin *
origin_append(struct kbuild *b, const struct korigin *o, const char *path)
{
    struct korigin *c = arena_alloc(b->a, sizeof(*c));
    if (o)
        *c = *o;
    struct krepospec rs;
    if (kgit_parse(b->a, &rs, path, NULL) == 0) {
        c->repo = rs.clone_url;
        c->ref = rs.ref;
        c->path = "";
        path = rs.path;
    }
    c->path = path_join(b->a, c->path ? c->path : "", path);
    return c;
}

/* kyaml.Marshal of an Origin: plain scalars where YAML allows them. */
static void
yaml_scalar(struct sb *sb, const char *s)
{
    struct val tmp = {0};
    enum val_yaml_rtag t = val_yaml_resolve(VAL_YAML_KYAML, s, strlen(s), &tmp);
    bool plain = *s && t == VAL_YTAG_STR && !strchr(":#{}[],&*!|>'\"%@`", s[0]) &&
                 !strstr(s, ": ") && !strstr(s, " #") && s[0] != ' ' && s[0] != '-' &&
                 s[strlen(s) - 1] != ' ' && !strchr(s, '\n');
    if (plain) {
        sb_addstr(sb, s);
        return;
    }
    sb_addch(sb, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            sb_addch(sb, '\\');
        sb_addch(sb, *s);
    }
    sb_addch(sb, '"');
}

static void
origin_yaml(struct sb *sb, const struct korigin *o, const char *indent, bool first_dash)
{
    bool first = true;
#define LINE(key)                                                                                  \
    do {                                                                                           \
        if (first && first_dash)                                                                   \
            sb_addstr(sb, "- ");                                                                   \
        else                                                                                       \
            sb_addstr(sb, indent);                                                                 \
        first = false;                                                                             \
        sb_addstr(sb, key);                                                                        \
    } while (0)
    if (o->path && *o->path) {
        LINE("path: ");
        yaml_scalar(sb, o->path);
        sb_addch(sb, '\n');
    }
    if (o->repo && *o->repo) {
        LINE("repo: ");
        yaml_scalar(sb, o->repo);
        sb_addch(sb, '\n');
    }
    if (o->ref && *o->ref) {
        LINE("ref: ");
        yaml_scalar(sb, o->ref);
        sb_addch(sb, '\n');
    }
    if (o->configured_in && *o->configured_in) {
        LINE("configuredIn: ");
        yaml_scalar(sb, o->configured_in);
        sb_addch(sb, '\n');
    }
    if (o->by_kind) {
        LINE("configuredBy:\n");
        sb_addf(sb, "%s  apiVersion: ", indent);
        yaml_scalar(sb, o->by_av);
        sb_addf(sb, "\n%s  kind: ", indent);
        yaml_scalar(sb, o->by_kind);
        sb_addch(sb, '\n');
        if (o->by_name && *o->by_name) {
            sb_addf(sb, "%s  name: ", indent);
            yaml_scalar(sb, o->by_name);
            sb_addch(sb, '\n');
        }
        if (o->by_ns && *o->by_ns) {
            sb_addf(sb, "%s  namespace: ", indent);
            yaml_scalar(sb, o->by_ns);
            sb_addch(sb, '\n');
        }
    }
    if (first)
        sb_addstr(sb, first_dash ? "- {}\n" : "{}\n");
#undef LINE
}

static const char *
origin_string(struct arena *a, const struct korigin *o)
{
    struct sb sb = SB_INIT;
    origin_yaml(&sb, o, "", false);
    const char *r = arena_strdup(a, sb.buf);
    sb_release(&sb);
    return r;
}

static struct korigin *
builtin_origin(struct ktarget *kt, const char *kind)
{
    if (!kt->origin)
        return NULL;
    struct korigin *o = arena_alloc(kt->b->a, sizeof(*o));
    o->repo = kt->origin->repo;
    o->ref = kt->origin->ref;
    o->configured_in = path_join(kt->b->a, kt->origin->path ? kt->origin->path : "", kt->kfname);
    o->by_av = "builtin";
    o->by_kind = kind;
    return o;
}

/* AddOriginAnnotation: resources without one get it. */
static void
add_origin(struct kbuild *b, struct kresmap *m, const struct korigin *o)
{
    if (!o)
        return;
    const char *s = origin_string(b->a, o);
    for (size_t i = 0; i < m->n; i++)
        if (!kn_annotation(b->a, m->v[i]->node, KA_ORIGIN)) {
            struct kstrmap am = {0};
            kn_meta_map(b->a, m->v[i]->node, "annotations", &am);
            kstrmap_set(&am, KA_ORIGIN, s);
            kn_set_meta_map(b->a, m->v[i]->node, "annotations", &am);
            kstrmap_free(&am);
        }
}

/* AddTransformerAnnotation */
static void
add_transformer_annotation(struct kbuild *b, struct kresmap *m, const struct korigin *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < m->n; i++) {
        struct val *n = m->v[i]->node;
        struct kstrmap am = {0};
        kn_meta_map(b->a, n, "annotations", &am);
        if (!kstrmap_get(&am, KA_ORIGIN)) {
            kstrmap_set(&am, KA_ORIGIN, origin_string(b->a, o));
        } else {
            const char *cur = kstrmap_get(&am, KA_TRANSFORMATIONS);
            struct sb sb = SB_INIT;
            if (cur)
                sb_addstr(&sb, cur);
            origin_yaml(&sb, o, "  ", true);
            kstrmap_set(&am, KA_TRANSFORMATIONS, arena_strdup(b->a, sb.buf));
            sb_release(&sb);
        }
        kn_set_meta_map(b->a, n, "annotations", &am);
        kstrmap_free(&am);
    }
}

/* ---- accumulation ---- */

static int
merge_config(struct kbuild *b, struct kaccum *ra, const struct ktconfig *tc, struct pkg_err **errp)
{
    struct ktconfig *m;
    int rc = ktconfig_merge(b, &m, ra->tc, tc, errp);
    if (rc)
        return rc;
    ra->tc = m;
    return 0;
}

static int
merge_accumulator(struct kbuild *b, struct kaccum *ra, struct kaccum *o, struct pkg_err **errp)
{
    int rc = kresmap_append_all(b, &ra->rm, &o->rm, errp);
    if (!rc)
        rc = merge_config(b, ra, o->tc, errp);
    if (!rc)
        rc = kvarset_merge(b, &ra->vars, o->vars.v, o->vars.n, errp);
    return rc;
}

static int
accumulate_file(struct ktarget *kt, struct kaccum *ra, const char *path, const struct kparsed *pre,
                struct pkg_err **errp)
{
    struct kbuild *b = kt->b;
    struct sb content = SB_INIT;
    struct kresmap rm = {0};
    const char *real = NULL;
    int rc;
    if (pre && pre->ok) {
        rc = kread_build(b, &rm, pre->docs, pre->ndocs, errp);
    } else {
        rc = kloader_load(b, kt->ldr, path, &content, &real, errp);
        if (!rc)
            rc = kread_resources(b, &rm, content.buf, content.len, real, errp);
    }
    sb_release(&content);
    if (rc) {
        if (rc == PKG_ESYNTAX) {
            /* MalformedYamlError: "<msg> in File: <path>" */
            char *m = xasprintf("%s in File: %s", (*errp)->msg, path);
            free((*errp)->msg);
            (*errp)->msg = m;
        }
        pkg_err_wrap(errp, "accumulating resources from '%s'", path);
        kresmap_free(&rm);
        return rc;
    }
    if (kt->origin) {
        struct korigin *o = origin_append(b, kt->origin, path);
        const char *s = origin_string(b->a, o);
        for (size_t i = 0; i < rm.n; i++)
            kn_set_annotation(b->a, rm.v[i]->node, KA_ORIGIN, s);
    }
    rc = kresmap_append_all(b, &ra->rm, &rm, errp);
    kresmap_free(&rm);
    if (rc)
        pkg_err_wrap(errp, "merging resources from '%s'", path);
    return rc;
}

static int load_target(struct kbuild *b, struct ktarget *kt, struct kloader *ldr,
                       struct pkg_err **errp);

static int
set_schema(struct kbuild *b, struct ktarget *kt, bool reset, struct pkg_err **errp)
{
    const struct val *oa = kfield(kt, "openapi");
    const char *path = val_cstr(kn_get(oa, "path"));
    const char *version = val_cstr(kn_get(oa, "version"));
    if (b->schema_set && !reset)
        return 0;
    if (path) {
        struct sb content = SB_INIT;
        const char *real = NULL;
        int rc = kloader_load(b, kt->ldr, path, &content, &real, errp);
        if (rc) {
            sb_release(&content);
            return rc;
        }
        if (version) {
            sb_release(&content);
            return pkg_err_set(errp, PKG_EINVAL,
                               "builtin version and custom schema provided, cannot use both");
        }
        struct val *doc = NULL;
        if (content.len && content.buf[0] == '{') {
            rc = val_json_load(&doc, b->a, content.buf, content.len, real, NULL, errp);
        } else {
            struct val_yaml_opts yo = {.dialect = VAL_YAML_HELM};
            struct val *docs;
            rc = val_yaml_load_all(&docs, b->a, content.buf, content.len, real, &yo, errp);
            if (!rc)
                doc = val_seq_len(docs) ? val_seq_at(docs, 0) : NULL;
        }
        sb_release(&content);
        if (!rc)
            rc = ksch_set_load(&b->custom_schema, b->a, doc, real, errp);
        if (rc)
            return rc;
        b->schema_set = true;
        return 0;
    }
    if (version && *version) {
        if (strcmp(version, "v1.21.2"))
            return pkg_err_set(errp, PKG_EINVAL, "the specified OpenAPI version is not built in");
        b->custom_schema = NULL;
        b->schema_set = true;
        return 0;
    }
    if (reset)
        b->schema_set = false;
    return 0;
}

static int
accumulate_directory(struct ktarget *kt, struct kaccum *ra, struct kloader *ldr, bool component,
                     struct pkg_err **errp)
{
    struct kbuild *b = kt->b;
    if (++b->depth > KUST_MAX_DEPTH) {
        b->depth--;
        return pkg_err_set(errp, PKG_ELIMIT, "kustomizations nested deeper than %d",
                           KUST_MAX_DEPTH);
    }
    struct ktarget sub = {0};
    int rc = load_target(b, &sub, ldr, errp);
    if (rc) {
        pkg_err_wrap(errp, "couldn't make target for path '%s'", ldr->root);
        goto out;
    }
    sub.buildmeta = kt->buildmeta;
    sub.origin = kt->origin;
    rc = set_schema(b, &sub, false, errp);
    if (rc)
        goto out;
    const char *kind = val_cstr(val_map_getz(sub.k, "kind"));
    bool is_comp = kind && !strcmp(kind, "Component");
    if (component && !is_comp) {
        rc = pkg_err_set(errp, PKG_EINVAL, "expected kind 'Component' for path '%s' but got '%s'",
                         ldr->root, kind ? kind : "");
        goto out;
    }
    if (!component && is_comp) {
        rc = pkg_err_set(errp, PKG_EINVAL, "expected kind != 'Component' for path '%s'", ldr->root);
        goto out;
    }
    if (component) {
        rc = accumulate_target(&sub, ra, errp);
        if (rc)
            pkg_err_wrap(errp, "recursed accumulation of path '%s'", ldr->root);
        goto out;
    }
    struct kaccum sra = {0};
    sra.tc = ktconfig_empty(b);
    rc = accumulate_target(&sub, &sra, errp);
    if (rc) {
        pkg_err_wrap(errp, "recursed accumulation of path '%s'", ldr->root);
    } else {
        rc = merge_accumulator(b, ra, &sra, errp);
        if (rc)
            pkg_err_wrap(errp, "recursed merging from path '%s'", ldr->root);
    }
    kresmap_free(&sra.rm);
    free(sra.vars.v);
out:
    b->depth--;
    return rc;
}

struct parse_jobs {
    const struct kloader *ldr;
    struct kparsed *v;
};

static void
parse_job(size_t i, void *payload)
{
    struct parse_jobs *j = payload;
    struct kparsed *p = &j->v[i];
    struct sb content = SB_INIT;
    struct pkg_err *err = NULL;
    p->arena = arena_new();
    if (kloader_load_local(p->arena, j->ldr, p->path, &content, &p->real, &err) == 0 &&
        kread_parse(p->arena, &p->docs, &p->ndocs, content.buf, content.len, p->real, &err) == 0)
        p->ok = true;
    pkg_err_free(err);
    sb_release(&content);
}

/* The local files among paths, read and parsed on all CPUs. Failures are
 * left to the sequential pass, which reports them in kustomize's order. */
static struct kparsed *
preparse(struct ktarget *kt, const struct val *paths)
{
    struct kbuild *b = kt->b;
    size_t n = list_len(paths);
    if (n < 2)
        return NULL;
    struct kparsed *v = xcalloc(n, sizeof(*v));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = kn_text(b->a, val_seq_at(paths, i));
        if (!strncmp(p, "http://", 7) || !strncmp(p, "https://", 8) || kgit_is_repo_url(p))
            continue;
        v[i].path = p;
        k++;
    }
    if (k < 2) {
        free(v);
        return NULL;
    }
    /* jobs for the listed files only: a compact index */
    struct kparsed *jobs = xcalloc(k, sizeof(*jobs));
    size_t *slot = xcalloc(k, sizeof(*slot));
    for (size_t i = 0, j = 0; i < n; i++)
        if (v[i].path) {
            jobs[j].path = v[i].path;
            slot[j++] = i;
        }
    struct parse_jobs pj = {kt->ldr, jobs};
    kpar_run(k, parse_job, &pj);
    for (size_t j = 0; j < k; j++) {
        v[slot[j]] = jobs[j];
        b->arenas = xgrow(b->arenas, &b->carenas, b->narenas + 1, sizeof(*b->arenas));
        b->arenas[b->narenas++] = jobs[j].arena;
    }
    free(jobs);
    free(slot);
    return v;
}

/* Remote bases among paths are cloned in parallel first. */
static void
prefetch(struct kbuild *b, const struct val *paths)
{
    size_t n = list_len(paths), k = 0;
    const char **urls = xcalloc(n + 1, sizeof(*urls));
    for (size_t i = 0; i < n; i++) {
        const char *p = kn_text(b->a, val_seq_at(paths, i));
        if (kgit_is_repo_url(p))
            urls[k++] = p;
    }
    if (k > 1)
        kgit_prefetch(b, urls, k);
    free(urls);
}

static int
accumulate_paths(struct ktarget *kt, struct kaccum *ra, const struct val *paths,
                 const struct kparsed *pre, struct pkg_err **errp)
{
    struct kbuild *b = kt->b;
    for (size_t i = 0; i < list_len(paths); i++) {
        const char *path = kn_text(b->a, val_seq_at(paths, i));
        struct pkg_err *errf = NULL;
        int rcf = accumulate_file(kt, ra, path, pre ? &pre[i] : NULL, &errf);
        if (!rcf)
            continue;
        if (rcf == PKG_ENET || rcf == PKG_ELIMIT) {
            *errp = errf;
            return rcf;
        }
        struct kloader *sub;
        int rc = kloader_new(b, &sub, kt->ldr, path, errp);
        if (rc) {
            if (rcf == PKG_ESYNTAX && rc != PKG_ETIMEOUT) {
                pkg_err_clear(errp);
                *errp = errf;
                return rcf;
            }
            pkg_err_wrap(errp, "accumulation err='%s'", errf->msg);
            pkg_err_free(errf);
            return rc;
        }
        struct korigin *saved = kt->origin;
        if (kt->origin)
            kt->origin = origin_append(b, kt->origin, path);
        rc = accumulate_directory(kt, ra, sub, false, errp);
        kt->origin = saved;
        if (rc) {
            if (!b->err_located || rc != PKG_ELIMIT)
                pkg_err_wrap(errp, "accumulation err='%s'", errf->msg);
            pkg_err_free(errf);
            return rc;
        }
        pkg_err_free(errf);
    }
    return 0;
}

static int
accumulate_resources(struct ktarget *kt, struct kaccum *ra, const struct val *paths,
                     struct pkg_err **errp)
{
    prefetch(kt->b, paths);
    struct kparsed *pre = preparse(kt, paths);
    int rc = accumulate_paths(kt, ra, paths, pre, errp);
    free(pre);
    return rc;
}

static int
accumulate_components(struct ktarget *kt, struct kaccum *ra, const struct val *paths,
                      struct pkg_err **errp)
{
    struct kbuild *b = kt->b;
    prefetch(b, paths);
    for (size_t i = 0; i < list_len(paths); i++) {
        const char *path = kn_text(b->a, val_seq_at(paths, i));
        struct kloader *sub;
        int rc = kloader_new(b, &sub, kt->ldr, path, errp);
        if (rc) {
            const char *q = kgo_quote(b->a, (*errp)->msg);
            pkg_err_set(errp, rc, "loader.New %s", q);
            return rc;
        }
        struct korigin *saved = kt->origin;
        if (kt->origin)
            kt->origin = origin_append(b, kt->origin, path);
        rc = accumulate_directory(kt, ra, sub, true, errp);
        kt->origin = saved;
        if (rc) {
            const char *q = kgo_quote(b->a, (*errp)->msg);
            pkg_err_set(errp, rc, "accumulateDirectory: %s", q);
            return rc;
        }
    }
    return 0;
}

/* generators: and transformers: entries: inline plugin configs or paths. */
static int
plugin_configs(struct ktarget *kt, const struct val *list, struct kresmap *out,
               struct pkg_err **errp)
{
    struct kbuild *b = kt->b;
    struct kaccum ra = {0};
    ra.tc = ktconfig_empty(b);
    struct val *paths = val_seq(b->a);
    for (size_t i = 0; i < list_len(list); i++) {
        const char *p = kn_text(b->a, val_seq_at(list, i));
        struct kresmap rm = {0};
        struct pkg_err *e = NULL;
        if (kread_resources(b, &rm, p, strlen(p), "<inline>", &e) == 0 && rm.n > 0) {
            if (kt->origin) {
                struct korigin *o = origin_append(b, kt->origin, kt->kfname);
                const char *s = origin_string(b->a, o);
                for (size_t j = 0; j < rm.n; j++)
                    kn_set_annotation(b->a, rm.v[j]->node, KA_ORIGIN, s);
            }
            int rc = kresmap_append_all(b, &ra.rm, &rm, errp);
            kresmap_free(&rm);
            if (rc) {
                pkg_err_wrap(errp, "configuring external plugin");
                kresmap_free(&ra.rm);
                return rc;
            }
            continue;
        }
        pkg_err_free(e);
        kresmap_free(&rm);
        val_seq_push(b->a, paths, val_strz(b->a, p));
    }
    int rc = accumulate_resources(kt, &ra, paths, errp);
    if (!rc)
        for (size_t i = 0; i < ra.rm.n; i++)
            kresmap_push(out, ra.rm.v[i]);
    kresmap_free(&ra.rm);
    free(ra.vars.v);
    return rc;
}

static struct korigin *
custom_plugin_origin(struct kbuild *b, const struct kres *r)
{
    const char *s = kn_annotation(b->a, r->node, KA_ORIGIN);
    if (!s)
        return NULL;
    struct korigin *o = arena_alloc(b->a, sizeof(*o));
    /* The origin annotation holds path/repo/ref as simple YAML. */
    struct val_yaml_opts yo = {.dialect = VAL_YAML_KYAML};
    struct val *v = NULL;
    if (val_yaml_load(&v, b->a, s, strlen(s), "origin", &yo, NULL) == 0 && v) {
        o->repo = val_cstr(kn_get(v, "repo"));
        o->ref = val_cstr(kn_get(v, "ref"));
        o->configured_in = val_cstr(kn_get(v, "path"));
    }
    o->by_av = kn_apiversion(b->a, r->node);
    o->by_kind = kn_kind(b->a, r->node);
    o->by_name = kn_name(b->a, r->node);
    o->by_ns = kn_namespace(b->a, r->node);
    return o;
}

static int
run_generators(struct ktarget *kt, struct kaccum *ra, struct pkg_err **errp)
{
    struct kbuild *b = kt->b;
    const struct val *gopts = kfield(kt, "generatorOptions");
    static const struct {
        const char *field, *kind;
    } gens[] = {{"configMapGenerator", "ConfigMapGenerator"},
                {"secretGenerator", "SecretGenerator"},
                {"helmCharts", "HelmChartInflationGenerator"}};
    for (size_t g = 0; g < 3; g++) {
        const struct val *list = kfield(kt, gens[g].field);
        struct korigin *o = builtin_origin(kt, gens[g].kind);
        for (size_t i = 0; i < list_len(list); i++) {
            const struct val *args = val_seq_at(list, i);
            struct kresmap out = {0};
            int rc;
            if (g == 2) {
                struct val *cfg = val_copy(b->a, args);
                const struct val *globals = kfield(kt, "helmGlobals");
                if (globals && globals->kind == VAL_MAP && cfg && cfg->kind == VAL_MAP)
                    for (size_t j = 0; j < val_map_len(globals); j++)
                        val_map_setz(b->a, cfg, globals->u.map.ents[j].key->u.s.ptr,
                                     globals->u.map.ents[j].v);
                rc = kplug_generate(b, kt->ldr, gens[g].kind, cfg, &out, errp);
            } else {
                struct kres *r = NULL;
                rc = g == 0 ? kgen_configmap(b, kt->ldr, args, gopts, &r, errp)
                            : kgen_secret(b, kt->ldr, args, gopts, &r, errp);
                if (!rc)
                    kresmap_push(&out, r);
            }
            if (!rc) {
                add_origin(b, &out, o);
                rc = kresmap_absorb_all(b, &ra->rm, &out, errp);
                if (rc)
                    pkg_err_wrap(errp, "merging from generator %s", gens[g].kind);
            }
            kresmap_free(&out);
            if (rc)
                return rc;
        }
    }
    /* generators: plugin configs */
    const struct val *ext = kfield(kt, "generators");
    if (list_len(ext)) {
        struct kresmap cfgs = {0};
        int rc = plugin_configs(kt, ext, &cfgs, errp);
        if (rc) {
            pkg_err_wrap(errp, "loading generator plugins");
            kresmap_free(&cfgs);
            return rc;
        }
        for (size_t i = 0; i < cfgs.n && !rc; i++) {
            struct kres *c = cfgs.v[i];
            struct kresmap out = {0};
            rc = kplug_check_builtin(b, c, errp);
            if (rc)
                pkg_err_wrap(errp, "failed to load generator");
            if (!rc)
                rc = kplug_generate(b, kt->ldr, kn_kind(b->a, c->node), c->node, &out, errp);
            if (!rc) {
                add_origin(b, &out, custom_plugin_origin(b, c));
                rc = kresmap_absorb_all(b, &ra->rm, &out, errp);
                if (rc)
                    pkg_err_wrap(errp, "merging from generator %s", kn_kind(b->a, c->node));
            }
            kresmap_free(&out);
        }
        kresmap_free(&cfgs);
        if (rc)
            return rc;
    }
    return 0;
}

static struct val *
fs_val(struct kbuild *b, const struct kfsslice *fs)
{
    struct val *l = val_seq(b->a);
    for (size_t i = 0; i < fs->n; i++) {
        struct val *m = val_map(b->a);
        if (*fs->v[i].gvk.group)
            val_map_setz(b->a, m, "group", val_strz(b->a, fs->v[i].gvk.group));
        if (*fs->v[i].gvk.version)
            val_map_setz(b->a, m, "version", val_strz(b->a, fs->v[i].gvk.version));
        if (*fs->v[i].gvk.kind)
            val_map_setz(b->a, m, "kind", val_strz(b->a, fs->v[i].gvk.kind));
        val_map_setz(b->a, m, "path", val_strz(b->a, fs->v[i].path));
        if (fs->v[i].create)
            val_map_setz(b->a, m, "create", val_bool(b->a, true));
        val_seq_push(b->a, l, m);
    }
    return l;
}

struct xform {
    const char *kind;
    struct val *cfg;
};

struct xforms {
    struct xform *v;
    size_t n, cap;
};

static void
xf_push(struct xforms *x, const char *kind, struct val *cfg)
{
    x->v = xgrow(x->v, &x->cap, x->n + 1, sizeof(*x->v));
    x->v[x->n++] = (struct xform){kind, cfg};
}

static struct val *
cfg_new(struct kbuild *b)
{
    return val_map(b->a);
}

static void
cfg_set(struct kbuild *b, struct val *cfg, const char *k, const struct val *v)
{
    if (v)
        val_map_setz(b->a, cfg, k, (struct val *)v);
}

/* configureBuiltinTransformers: the plugin configs kustomize derives from
 * the kustomization, in its order. */
static int
builtin_transformers(struct ktarget *kt, const struct ktconfig *tc, struct xforms *out,
                     struct pkg_err **errp)
{
    struct kbuild *b = kt->b;
    struct arena *a = b->a;
    const struct val *psm = kfield(kt, "patchesStrategicMerge");
    if (list_len(psm)) {
        struct val *c = cfg_new(b);
        cfg_set(b, c, "paths", psm);
        xf_push(out, "PatchStrategicMergeTransformer", c);
    }
    const struct val *patches = kfield(kt, "patches");
    for (size_t i = 0; i < list_len(patches); i++) {
        const struct val *p = val_seq_at(patches, i);
        struct val *c = cfg_new(b);
        cfg_set(b, c, "path", kn_get(p, "path"));
        cfg_set(b, c, "patch", kn_get(p, "patch"));
        cfg_set(b, c, "target", kn_get(p, "target"));
        cfg_set(b, c, "options", kn_get(p, "options"));
        xf_push(out, "PatchTransformer", c);
    }
    const char *ns = val_cstr(kfield(kt, "namespace"));
    if (ns && *ns) {
        struct val *c = cfg_new(b);
        struct val *md = val_map(a);
        val_map_setz(a, md, "namespace", val_strz(a, ns));
        cfg_set(b, c, "metadata", md);
        cfg_set(b, c, "fieldSpecs", fs_val(b, &tc->namespace));
        xf_push(out, "NamespaceTransformer", c);
    }
    const char *prefix = val_cstr(kfield(kt, "namePrefix"));
    if (prefix && *prefix) {
        struct val *c = cfg_new(b);
        cfg_set(b, c, "prefix", val_strz(a, prefix));
        cfg_set(b, c, "fieldSpecs", fs_val(b, &tc->nameprefix));
        xf_push(out, "PrefixTransformer", c);
    }
    const char *suffix = val_cstr(kfield(kt, "nameSuffix"));
    if (suffix && *suffix) {
        struct val *c = cfg_new(b);
        cfg_set(b, c, "suffix", val_strz(a, suffix));
        cfg_set(b, c, "fieldSpecs", fs_val(b, &tc->namesuffix));
        xf_push(out, "SuffixTransformer", c);
    }
    const struct val *labels = kfield(kt, "labels");
    const struct val *common = kfield(kt, "commonLabels");
    if (list_len(labels) || (common && common->kind == VAL_MAP && val_map_len(common))) {
        for (size_t i = 0; i < list_len(labels); i++) {
            const struct val *l = val_seq_at(labels, i);
            struct kfsslice fss = {0};
            int rc = kfsslice_from_val(b, &fss, kn_get(l, "fields"), errp);
            if (!rc)
                rc = kfsslice_merge_all(&fss, &tc->labels, errp);
            const struct val *is = kn_get(l, "includeSelectors");
            const struct val *it = kn_get(l, "includeTemplates");
            if (!rc && is && is->kind == VAL_BOOL && is->u.b) {
                rc = kfsslice_merge_all(&fss, &tc->commonlabels, errp);
            } else if (!rc) {
                if (it && it->kind == VAL_BOOL && it->u.b) {
                    rc = kfsslice_merge_all(&fss, &tc->templatelabels, errp);
                    if (rc)
                        pkg_err_wrap(errp, "failed to merge template fieldSpec");
                }
                if (!rc) {
                    struct kfieldspec ml = {{"", "", "", false}, "metadata/labels", true};
                    rc = kfsslice_merge_one(&fss, &ml, errp);
                }
            }
            if (rc) {
                free(fss.v);
                pkg_err_wrap(errp, "failed to merge labels");
                return rc;
            }
            struct val *c = cfg_new(b);
            cfg_set(b, c, "labels", kn_get(l, "pairs"));
            cfg_set(b, c, "fieldSpecs", fs_val(b, &fss));
            free(fss.v);
            xf_push(out, "LabelTransformer", c);
        }
        struct val *c = cfg_new(b);
        cfg_set(b, c, "labels", common);
        cfg_set(b, c, "fieldSpecs", fs_val(b, &tc->commonlabels));
        xf_push(out, "LabelTransformer", c);
    }
    const struct val *ann = kfield(kt, "commonAnnotations");
    if (ann && ann->kind == VAL_MAP && val_map_len(ann)) {
        struct val *c = cfg_new(b);
        cfg_set(b, c, "annotations", ann);
        cfg_set(b, c, "fieldSpecs", fs_val(b, &tc->commonannotations));
        xf_push(out, "AnnotationsTransformer", c);
    }
    const struct val *pj = kfield(kt, "patchesJson6902");
    for (size_t i = 0; i < list_len(pj); i++) {
        const struct val *p = val_seq_at(pj, i);
        struct val *c = cfg_new(b);
        cfg_set(b, c, "target", kn_get(p, "target"));
        cfg_set(b, c, "path", kn_get(p, "path"));
        cfg_set(b, c, "jsonOp", kn_get(p, "patch"));
        xf_push(out, "PatchJson6902Transformer", c);
    }
    const struct val *reps = kfield(kt, "replicas");
    for (size_t i = 0; i < list_len(reps); i++) {
        struct val *c = cfg_new(b);
        cfg_set(b, c, "replica", val_seq_at(reps, i));
        cfg_set(b, c, "fieldSpecs", fs_val(b, &tc->replicas));
        xf_push(out, "ReplicaCountTransformer", c);
    }
    const struct val *imgs = kfield(kt, "images");
    for (size_t i = 0; i < list_len(imgs); i++) {
        struct val *c = cfg_new(b);
        cfg_set(b, c, "imageTag", val_seq_at(imgs, i));
        cfg_set(b, c, "fieldSpecs", fs_val(b, &tc->images));
        xf_push(out, "ImageTagTransformer", c);
    }
    const struct val *repl = kfield(kt, "replacements");
    if (list_len(repl)) {
        struct val *c = cfg_new(b);
        cfg_set(b, c, "replacements", repl);
        xf_push(out, "ReplacementTransformer", c);
    }
    return 0;
}

static int
run_transformers(struct ktarget *kt, struct kaccum *ra, struct pkg_err **errp)
{
    struct kbuild *b = kt->b;
    struct xforms xf = {0};
    int rc = builtin_transformers(kt, ra->tc, &xf, errp);
    for (size_t i = 0; !rc && i < xf.n; i++) {
        rc = kplug_transform(b, kt->ldr, xf.v[i].kind, xf.v[i].cfg, &ra->rm, errp);
        if (!rc) {
            add_transformer_annotation(b, &ra->rm, builtin_origin(kt, xf.v[i].kind));
            kresmap_drop_empties(&ra->rm);
        }
    }
    free(xf.v);
    if (rc)
        return rc;
    const struct val *ext = kfield(kt, "transformers");
    if (list_len(ext)) {
        struct kresmap cfgs = {0};
        rc = plugin_configs(kt, ext, &cfgs, errp);
        for (size_t i = 0; !rc && i < cfgs.n; i++)
            rc = kplug_check_builtin(b, cfgs.v[i], errp);
        for (size_t i = 0; !rc && i < cfgs.n; i++) {
            struct kres *c = cfgs.v[i];
            rc = kplug_transform(b, kt->ldr, kn_kind(b->a, c->node), c->node, &ra->rm, errp);
            if (!rc) {
                add_transformer_annotation(b, &ra->rm, custom_plugin_origin(b, c));
                kresmap_drop_empties(&ra->rm);
            }
        }
        kresmap_free(&cfgs);
    }
    return rc;
}

static int
merge_vars(struct kbuild *b, struct kaccum *ra, const struct val *vars, struct pkg_err **errp)
{
    struct kvar *vs = NULL;
    size_t n = list_len(vars);
    if (!n)
        return 0;
    vs = arena_alloc(b->a, n * sizeof(*vs));
    for (size_t i = 0; i < n; i++) {
        const struct val *v = val_seq_at(vars, i);
        const struct val *o = kn_get(v, "objref");
        const char *name = val_cstr(kn_get(v, "name"));
        const char *av = val_cstr(kn_get(o, "apiVersion"));
        const char *g = val_cstr(kn_get(o, "group"));
        const char *ver = val_cstr(kn_get(o, "version"));
        const char *kind = val_cstr(kn_get(o, "kind"));
        const char *fp = val_cstr(kn_get(kn_get(v, "fieldref"), "fieldPath"));
        /* Target.GVK(): apiVersion wins over group/version */
        if (av && *av)
            kgvk_parse_apiversion(b->a, av, &g, &ver);
        vs[i].name = name ? name : "";
        vs[i].objref.gvk = kgvk_make(b, g, ver, kind);
        vs[i].objref.name = val_cstr(kn_get(o, "name"));
        if (!vs[i].objref.name)
            vs[i].objref.name = "";
        vs[i].objref.ns = val_cstr(kn_get(o, "namespace"));
        if (!vs[i].objref.ns)
            vs[i].objref.ns = "";
        vs[i].fieldpath = fp && *fp ? fp : "metadata.name";
        struct kresid *tid = &vs[i].objref;
        struct kresmap hits = {0};
        bool full = *tid->ns || tid->gvk.cluster_scoped;
        kresmap_by_any_id(b, &ra->rm, tid, !full, &hits);
        if (hits.n > 1) {
            kresmap_free(&hits);
            return pkg_err_set(errp, PKG_ECONFLICT,
                               "found %zu resId matches for var %s (unable to disambiguate)",
                               hits.n, vs[i].name);
        }
        if (hits.n == 1)
            kres_add_refvar(b, hits.v[0], vs[i].name);
        kresmap_free(&hits);
    }
    int rc = kvarset_merge(b, &ra->vars, vs, n, errp);
    if (rc)
        pkg_err_wrap(errp, "merging vars");
    return rc;
}

static int
load_crds(struct ktarget *kt, struct kaccum *ra, struct pkg_err **errp)
{
    const struct val *crds = kfield(kt, "crds");
    if (!list_len(crds))
        return 0;
    struct ktconfig *tc = NULL;
    int rc = kcrd_load_config(kt->b, kt->ldr, crds, &tc, errp);
    if (rc) {
        pkg_err_wrap(errp, "loading CRDs");
        return rc;
    }
    rc = merge_config(kt->b, ra, tc, errp);
    if (rc)
        pkg_err_wrap(errp, "merging CRDs");
    return rc;
}

static int
accumulate_target(struct ktarget *kt, struct kaccum *ra, struct pkg_err **errp)
{
    struct kbuild *b = kt->b;
    int rc = accumulate_resources(kt, ra, kfield(kt, "resources"), errp);
    if (rc) {
        pkg_err_wrap(errp, "accumulating resources");
        return rc;
    }
    struct ktconfig *tc = ktconfig_default(b);
    const struct val *confs = kfield(kt, "configurations");
    if (list_len(confs)) {
        struct ktconfig *t2 = ktconfig_empty(b);
        for (size_t i = 0; i < list_len(confs); i++) {
            const char *p = kn_text(b->a, val_seq_at(confs, i));
            struct sb content = SB_INIT;
            const char *real = NULL;
            struct ktconfig *t;
            rc = kloader_load(b, kt->ldr, p, &content, &real, errp);
            if (!rc)
                rc = ktconfig_parse(b, &t, content.buf, content.len, real, errp);
            sb_release(&content);
            if (!rc)
                rc = ktconfig_merge(b, &t2, t2, t, errp);
            if (rc)
                return rc;
        }
        rc = ktconfig_merge(b, &tc, tc, t2, errp);
        if (rc)
            return rc;
    }
    rc = merge_config(b, ra, tc, errp);
    if (rc) {
        pkg_err_wrap(errp, "merging config");
        return rc;
    }
    rc = load_crds(kt, ra, errp);
    if (!rc)
        rc = run_generators(kt, ra, errp);
    if (rc)
        return rc;
    rc = accumulate_components(kt, ra, kfield(kt, "components"), errp);
    if (rc) {
        pkg_err_wrap(errp, "accumulating components");
        return rc;
    }
    rc = run_transformers(kt, ra, errp);
    if (rc)
        return rc;
    const struct val *validators = kfield(kt, "validators");
    if (list_len(validators)) {
        struct kresmap cfgs = {0};
        rc = plugin_configs(kt, validators, &cfgs, errp);
        for (size_t i = 0; !rc && i < cfgs.n; i++)
            rc = kplug_check_builtin(b, cfgs.v[i], errp);
        if (!rc && cfgs.n)
            rc = pkg_err_set(errp, PKG_ENOTSUP, "builtin plugins cannot be validators");
        kresmap_free(&cfgs);
        if (rc)
            return rc;
    }
    return merge_vars(b, ra, kfield(kt, "vars"), errp);
}

static int
load_target(struct kbuild *b, struct ktarget *kt, struct kloader *ldr, struct pkg_err **errp)
{
    memset(kt, 0, sizeof(*kt));
    kt->b = b;
    kt->ldr = ldr;
    int rc = kfile_load(b, ldr, &kt->k, &kt->kfile, errp);
    if (rc)
        return rc;
    const char *slash = strrchr(kt->kfile, '/');
    kt->kfname = slash ? slash + 1 : kt->kfile;
    kt->buildmeta = kfield(kt, "buildMetadata");
    return 0;
}

/* RemoveBuildAnnotations and the origin/transformer annotations. */
static void
strip_annotations(struct kbuild *b, struct kresmap *m, bool keep_origin, bool keep_transform)
{
    for (size_t i = 0; i < m->n; i++) {
        struct val *n = m->v[i]->node;
        struct kstrmap am = {0};
        kn_meta_map(b->a, n, "annotations", &am);
        if (am.n) {
            for (size_t j = 0; j < am.n;) {
                if (kres_is_build_annotation(am.k[j]))
                    kstrmap_del(&am, am.k[j]);
                else
                    j++;
            }
            kn_set_meta_map(b->a, n, "annotations", &am);
        }
        if (!keep_origin)
            kstrmap_del(&am, KA_ORIGIN);
        if (!keep_origin || !keep_transform) {
            if (!keep_transform)
                kstrmap_del(&am, KA_TRANSFORMATIONS);
            kn_set_meta_map(b->a, n, "annotations", &am);
        }
        kstrmap_free(&am);
    }
}

/* IgnoreLocal: drops config.kubernetes.io/local-config resources. */
static void
drop_local(struct kbuild *b, struct kresmap *m)
{
    size_t w = 0;
    for (size_t i = 0; i < m->n; i++) {
        const char *v = kn_annotation(b->a, m->v[i]->node, "config.kubernetes.io/local-config");
        if (v && strcmp(v, "false"))
            continue;
        m->v[w++] = m->v[i];
    }
    m->n = w;
}

static int
build(struct kbuild *b, const char *path, struct kresmap *out, struct pkg_err **errp)
{
    struct kloader *ldr;
    int rc = kloader_new_root(b, &ldr, path, errp);
    if (rc)
        return rc;
    struct ktarget kt;
    rc = load_target(b, &kt, ldr, errp);
    if (rc)
        return rc;
    rc = set_schema(b, &kt, true, errp);
    if (rc)
        return rc;
    if (list_len(kt.buildmeta))
        kt.origin = arena_alloc(b->a, sizeof(*kt.origin));
    struct kaccum ra = {0};
    ra.tc = ktconfig_empty(b);
    rc = accumulate_target(&kt, &ra, errp);
    if (!rc)
        rc = kx_hash_names(b, &ra.rm, errp);
    if (!rc)
        rc = kx_namerefs(b, &ra.rm, ra.tc, errp);
    if (!rc && ra.vars.n)
        rc = kx_vars(b, &ra.rm, &ra.vars, &ra.tc->varreference, errp);
    if (!rc) {
        drop_local(b, &ra.rm);
        rc = kx_sort(b, &ra.rm, kfield(&kt, "sortOptions"), errp);
    }
    if (!rc && has_build_meta(kt.buildmeta, "managedByLabel")) {
        struct kstrmap l = {0};
        kstrmap_set(&l, "app.kubernetes.io/managed-by", "kustomize-(devel)");
        struct kfsslice fs = {0};
        struct kfieldspec ml = {{"", "", "", false}, "metadata/labels", true};
        kfsslice_merge_one(&fs, &ml, NULL);
        rc = kx_labels(b, &ra.rm, &l, &fs, errp);
        kstrmap_free(&l);
        free(fs.v);
    }
    if (!rc)
        strip_annotations(b, &ra.rm, has_build_meta(kt.buildmeta, "originAnnotations"),
                          has_build_meta(kt.buildmeta, "transformerAnnotations"));
    /* AsYAML: every resource through MarshalJSON */
    for (size_t i = 0; !rc && i < ra.rm.n; i++) {
        rc = kjson_check_keys(b->a, ra.rm.v[i]->node, errp);
        if (rc)
            pkg_err_wrap(errp, "%s/%s", kn_kind(b->a, ra.rm.v[i]->node),
                         kn_name(b->a, ra.rm.v[i]->node));
    }
    if (rc && !b->err_located && kt.kfile)
        pkg_err_wrap(errp, "%s", kt.kfile);
    *out = ra.rm;
    free(ra.vars.v);
    return rc;
}

int
kust_build(struct val **out, struct arena *a, const char *path, const struct kust_opts *opts,
           struct sb *warnings, struct pkg_err **errp)
{
    struct kust_opts defaults = {0};
    struct kbuild b = {.a = a, .opts = opts ? opts : &defaults, .warnings = SB_INIT};
    struct kresmap rm = {0};
    int rc = build(&b, path, &rm, errp);
    if (warnings)
        sb_add(warnings, b.warnings.buf, b.warnings.len);
    if (!rc) {
        /* the view is copied into the caller's arena: the parsers' arenas
         * go with the build */
        struct val *docs = val_seq(a);
        for (size_t i = 0; i < rm.n; i++)
            val_seq_push(a, docs, kjson_view(a, rm.v[i]->node));
        *out = docs;
    }
    for (size_t i = 0; i < b.narenas; i++)
        arena_free(b.arenas[i]);
    free(b.arenas);
    kresmap_free(&rm);
    sb_release(&b.warnings);
    ktconfig_release_all(&b);
    kgit_release(&b);
    return rc;
}
