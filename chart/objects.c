/* The Helm objects templates see, as render objects (VAL_OBJ with a
 * struct tmpl_objtype): .Files (engine.files: a map type with methods),
 * .Capabilities (*chartutil.Capabilities with KubeVersion, the VersionSet
 * APIVersions and HelmVersion), and .Chart (struct { chart.Metadata;
 * IsRoot bool }, with the Maintainer and Dependency pointers it holds).
 *
 * Each type answers field access, method calls, printing the way fmt
 * prints the Go value, and to_val for toYaml/toJson (encoding/json of the
 * Go value: JSON tags, omitempty, []byte as base64). */
#include "chart/chart-int.h"
#include "core/xalloc.h"
#include "core/yaml.h"
#include "render/funcs.h"
#include "render/render.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* ---- .Files ---- */

struct files {
    size_t n;
    const char **names; /* sorted */
    /* VAL_STRING, gotype []byte; NULL until first use for a file the load
     * only stat'ed (src[i] says where it is) */
    struct val **data;
    const struct chart_file **src;
    struct arena *a;
};

static const struct tmpl_objtype files_type;

static struct val *
bytes_val(struct arena *a, const char *p, size_t n)
{
    struct val *v = val_str_nocopy(a, p, n);
    v->gotype = VAL_GO_BYTES;
    return v;
}

static struct val *
files_obj(struct arena *a, struct files *f)
{
    return val_obj(a, &files_type.base, f);
}

static const struct files *
files_of(const struct val *v)
{
    return v->u.obj.ptr;
}

/* File i's bytes, read on first use. A file that could be read when the
 * chart loaded and cannot now (removed or changed under a running pkg)
 * leaves no sane way on: an error and exit 1, as a load failure would. */
static struct val *
file_at(const struct files *f, size_t i)
{
    if (f->data[i])
        return f->data[i];
    struct pkg_err *err = NULL;
    size_t n;
    const char *d = chart_file_data(f->src[i], &n, &err);
    if (!d) {
        fprintf(stderr, "Error: %s\n", err ? err->msg : "cannot read a chart file");
        exit(1);
    }
    /* the cache is the object's own, whatever the caller's view of it */
    struct val **slot = (struct val **)&f->data[i];
    *slot = bytes_val(f->a, d, n);
    return *slot;
}

static long
files_find(const struct files *f, const char *name)
{
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(f->names[mid], name);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static struct val *
files_to_val(struct arena *a, const struct val *obj)
{
    const struct files *f = files_of(obj);
    struct val *m = val_map(a);
    for (size_t i = 0; i < f->n; i++)
        val_map_setz(a, m, f->names[i], file_at(f, i));
    return m;
}

static int
files_field(struct val **out, struct arena *a, const struct val *obj, const char *name)
{
    const struct files *f = files_of(obj);
    long i = files_find(f, name);
    /* A missing key of map[string][]byte gives the zero value: nil []byte. */
    *out = i >= 0 ? file_at(f, (size_t)i) : bytes_val(a, "", 0);
    return 0;
}

static int
m_get(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const struct files *f = files_of(recv);
    long i = files_find(f, tmpl_arg_str(c, 0, NULL));
    if (i < 0) {
        *out = tmpl_mkstr(c, "", 0);
        return 0;
    }
    const struct val *d = file_at(f, (size_t)i);
    *out = tmpl_mkstr(c, d->u.s.ptr, d->u.s.len);
    return 0;
}

static int
m_get_bytes(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const struct files *f = files_of(recv);
    long i = files_find(f, tmpl_arg_str(c, 0, NULL));
    *out = i >= 0 ? file_at(f, (size_t)i) : bytes_val(c->a, "", 0);
    return 0;
}

static int
m_glob(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const struct files *f = files_of(recv);
    const char *pat = tmpl_arg_str(c, 0, NULL);
    struct files *nf = arena_alloc(c->a, sizeof(*nf));
    nf->names = arena_alloc(c->a, (f->n + 1) * sizeof(*nf->names));
    nf->data = arena_alloc(c->a, (f->n + 1) * sizeof(*nf->data));
    nf->src = arena_alloc(c->a, (f->n + 1) * sizeof(*nf->src));
    nf->a = f->a;
    struct chart_glob *g = chart_glob_compile(pat);
    for (size_t i = 0; i < f->n; i++) {
        if (chart_glob_matches(g, f->names[i])) {
            nf->names[nf->n] = f->names[i];
            nf->src[nf->n] = f->src[i];
            nf->data[nf->n++] = f->data[i];
        }
    }
    chart_glob_free(g);
    *out = files_obj(c->a, nf);
    return 0;
}

/* Helm's toYAML: yaml.Marshal, the final newline dropped, "" on error. */
static struct val *
to_yaml(struct tmpl_call *c, const struct val *m)
{
    struct sb sb = SB_INIT;
    if (val_yaml_emit(&sb, m, VAL_YAML_HELM, NULL) < 0)
        sb_reset(&sb);
    if (sb.len && sb.buf[sb.len - 1] == '\n')
        sb_setlen(&sb, sb.len - 1);
    struct val *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return out;
}

static const char *
base_name(const char *p)
{
    /* path.Base */
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    const char *s = p + n;
    while (s > p && s[-1] != '/')
        s--;
    return s;
}

static int
m_as_config(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const struct files *f = files_of(recv);
    struct val *m = val_map(c->a);
    m->gotype = VAL_GO_STRMAP;
    for (size_t i = 0; i < f->n; i++) {
        const struct val *d = file_at(f, i);
        val_map_setz(c->a, m, base_name(f->names[i]), tmpl_mkstr(c, d->u.s.ptr, d->u.s.len));
    }
    *out = to_yaml(c, m);
    return 0;
}

static void
base64_std(struct sb *sb, const unsigned char *p, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        sb_addch(sb, tbl[v >> 18]);
        sb_addch(sb, tbl[(v >> 12) & 63]);
        sb_addch(sb, tbl[(v >> 6) & 63]);
        sb_addch(sb, tbl[v & 63]);
    }
    if (i < n) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
        sb_addch(sb, tbl[v >> 18]);
        sb_addch(sb, tbl[(v >> 12) & 63]);
        sb_addch(sb, i + 1 < n ? tbl[(v >> 6) & 63] : '=');
        sb_addch(sb, '=');
    }
}

static int
m_as_secrets(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const struct files *f = files_of(recv);
    struct val *m = val_map(c->a);
    m->gotype = VAL_GO_STRMAP;
    for (size_t i = 0; i < f->n; i++) {
        const struct val *d = file_at(f, i);
        struct sb sb = SB_INIT;
        base64_std(&sb, (const unsigned char *)d->u.s.ptr, d->u.s.len);
        val_map_setz(c->a, m, base_name(f->names[i]), tmpl_mkstr(c, sb.buf, sb.len));
        sb_release(&sb);
    }
    *out = to_yaml(c, m);
    return 0;
}

static int
m_lines(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const struct files *f = files_of(recv);
    long i = files_find(f, tmpl_arg_str(c, 0, NULL));
    struct val *list = tmpl_mkstrings(c);
    if (i < 0) {
        *out = list;
        return 0;
    }
    const struct val *d = file_at(f, (size_t)i);
    const char *s = d->u.s.ptr;
    size_t n = d->u.s.len;
    if (n == 0)
        return tmpl_fail(c, "runtime error: index out of range [-1]");
    if (s[n - 1] == '\n')
        n--;
    size_t st = 0;
    for (size_t k = 0; k <= n; k++) {
        if (k == n || s[k] == '\n') {
            val_seq_push(c->a, list, tmpl_mkstr(c, s + st, k - st));
            st = k + 1;
        }
    }
    *out = list;
    return 0;
}

static const struct tmpl_method files_methods[] = {
    {"AsConfig", m_as_config, "func() string"},
    {"AsSecrets", m_as_secrets, "func() string"},
    {"Get", m_get, "func(string) string"},
    {"GetBytes", m_get_bytes, "func(string) []uint8"},
    {"Glob", m_glob, "func(string) engine.files"},
    {"Lines", m_lines, "func(string) []string"},
    {NULL, NULL, NULL},
};

static const struct tmpl_objtype files_type = {
    .base = {.name = "engine.files", .to_val = files_to_val},
    .kind = TMPL_OBJ_MAP,
    .field = files_field,
    .methods = files_methods,
};

static int
cmp_file(const void *x, const void *y)
{
    return strcmp(((const struct chart_file *)x)->name, ((const struct chart_file *)y)->name);
}

struct val *
chart_files_object(struct arena *a, const struct chart *c)
{
    struct files *f = arena_alloc(a, sizeof(*f));
    struct chart_file *sorted = arena_alloc(a, (c->nfiles + 1) * sizeof(*sorted));
    if (c->nfiles) {
        memcpy(sorted, c->files, c->nfiles * sizeof(*sorted));
        qsort(sorted, c->nfiles, sizeof(*sorted), cmp_file);
    }
    f->names = arena_alloc(a, (c->nfiles + 1) * sizeof(*f->names));
    f->data = arena_alloc(a, (c->nfiles + 1) * sizeof(*f->data));
    f->src = arena_alloc(a, (c->nfiles + 1) * sizeof(*f->src));
    f->a = a;
    for (size_t i = 0; i < c->nfiles; i++) {
        /* Later files of the same name win, as in the Go map. */
        if (f->n && !strcmp(f->names[f->n - 1], sorted[i].name))
            f->n--;
        f->names[f->n] = sorted[i].name;
        f->src[f->n] = &sorted[i];
        f->data[f->n++] = sorted[i].lazy ? NULL : bytes_val(a, sorted[i].data, sorted[i].len);
    }
    return files_obj(a, f);
}

/* ---- .Capabilities ---- */

struct caps {
    const char *version, *major, *minor;
    struct val *api_versions; /* VAL_SEQ of strings */
};

static const struct tmpl_objtype caps_type, kv_type, kv_value_type, vs_type, bi_type;

static const struct caps *
caps_of(const struct val *v)
{
    return v->u.obj.ptr;
}

static struct val *
kv_val(struct arena *a, const struct caps *c)
{
    struct val *m = val_map(a);
    m->flags |= VAL_F_STRUCT;
    val_map_setz(a, m, "Version", val_strz(a, c->version));
    val_map_setz(a, m, "Major", val_strz(a, c->major));
    val_map_setz(a, m, "Minor", val_strz(a, c->minor));
    return m;
}

static const char *const build_info[4][2] = {
    {"version", "v3.17.1"},
    {"git_commit", "980d8ac1939e39138101364400756af2bdee1da5"},
    {"git_tree_state", "clean"},
    {"go_version", "go1.23.5"},
};

static struct val *
bi_to_val(struct arena *a, const struct val *obj)
{
    (void)obj;
    struct val *m = val_map(a);
    m->flags |= VAL_F_STRUCT;
    for (int i = 0; i < 4; i++)
        val_map_setz(a, m, build_info[i][0], val_strz(a, build_info[i][1]));
    return m;
}

static int
bi_field(struct val **out, struct arena *a, const struct val *obj, const char *name)
{
    (void)obj;
    static const char *const names[4] = {"Version", "GitCommit", "GitTreeState", "GoVersion"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, names[i])) {
            *out = val_strz(a, build_info[i][1]);
            return 0;
        }
    return PKG_ENOENT;
}

static struct val *
bi_fields(struct arena *a, const struct val *obj)
{
    (void)obj;
    struct val *s = val_seq(a);
    for (int i = 0; i < 4; i++)
        val_seq_push(a, s, val_strz(a, build_info[i][1]));
    return s;
}

static const char *const bi_names[] = {"Version", "GitCommit", "GitTreeState", "GoVersion"};

static const struct tmpl_objtype bi_type = {
    .base = {.name = "version.BuildInfo", .to_val = bi_to_val},
    .kind = TMPL_OBJ_STRUCT,
    .field = bi_field,
    .fields = bi_fields,
    .field_names = bi_names,
};

static struct val *
kv_to_val(struct arena *a, const struct val *obj)
{
    return kv_val(a, caps_of(obj));
}

static int
kv_field(struct val **out, struct arena *a, const struct val *obj, const char *name)
{
    const struct caps *c = caps_of(obj);
    if (!strcmp(name, "Version"))
        *out = val_strz(a, c->version);
    else if (!strcmp(name, "Major"))
        *out = val_strz(a, c->major);
    else if (!strcmp(name, "Minor"))
        *out = val_strz(a, c->minor);
    else
        return PKG_ENOENT;
    return 0;
}

static struct val *
kv_fields(struct arena *a, const struct val *obj)
{
    const struct caps *c = caps_of(obj);
    struct val *s = val_seq(a);
    val_seq_push(a, s, val_strz(a, c->version));
    val_seq_push(a, s, val_strz(a, c->major));
    val_seq_push(a, s, val_strz(a, c->minor));
    return s;
}

static void
kv_string(struct sb *out, const struct val *obj)
{
    sb_addstr(out, caps_of(obj)->version);
}

static int
m_kv_version(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    *out = tmpl_mkstrz(c, caps_of(recv)->version);
    return 0;
}

static const char *const kv_names[] = {"Version", "Major", "Minor"};

static const struct tmpl_method kv_methods[] = {
    {"GitVersion", m_kv_version, "func() string"},
    {"String", m_kv_version, "func() string"},
    {NULL, NULL, NULL},
};

/* KubeVersion reached through the *Capabilities pointer is addressable, so
 * its pointer-receiver String() prints it where a template prints it
 * ({{ .Capabilities.KubeVersion }} is v1.32.0); handed to a function (print,
 * toString, quote, list) it is a copy and prints as the struct
 * ({v1.32.0 1 32}). */
static const struct tmpl_objtype kv_type = {
    .base = {.name = "chartutil.KubeVersion", .to_val = kv_to_val},
    .kind = TMPL_OBJ_STRUCT,
    .field = kv_field,
    .methods = kv_methods,
    .string = kv_string,
    .string_needs_addr = true,
    .fields = kv_fields,
    .field_names = kv_names,
};

/* The same value printed as a field of the struct: no Stringer. */
static const struct tmpl_objtype kv_value_type = {
    .base = {.name = "chartutil.KubeVersion", .to_val = kv_to_val},
    .kind = TMPL_OBJ_STRUCT,
    .field = kv_field,
    .methods = kv_methods,
    .fields = kv_fields,
    .field_names = kv_names,
};

static struct val *
vs_to_val(struct arena *a, const struct val *obj)
{
    (void)a;
    return caps_of(obj)->api_versions;
}

static int
m_vs_has(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    size_t n;
    const char *s = tmpl_arg_str(c, 0, &n);
    const struct val *l = caps_of(recv)->api_versions;
    bool found = false;
    for (size_t i = 0; i < val_seq_len(l) && !found; i++) {
        const struct val *x = val_seq_at(l, i);
        found = x->u.s.len == n && !memcmp(x->u.s.ptr, s, n);
    }
    *out = tmpl_mkbool(c, found);
    return 0;
}

static const struct tmpl_method vs_methods[] = {
    {"Has", m_vs_has, "func(string) bool"},
    {NULL, NULL, NULL},
};

static const struct tmpl_objtype vs_type = {
    .base = {.name = "chartutil.VersionSet", .to_val = vs_to_val},
    .kind = TMPL_OBJ_SLICE,
    .methods = vs_methods,
};

static struct val *
caps_to_val(struct arena *a, const struct val *obj)
{
    const struct caps *c = caps_of(obj);
    struct val *m = val_map(a);
    m->flags |= VAL_F_STRUCT;
    val_map_setz(a, m, "KubeVersion", kv_val(a, c));
    val_map_setz(a, m, "APIVersions", c->api_versions);
    val_map_setz(a, m, "HelmVersion", bi_to_val(a, obj));
    return m;
}

static int
caps_field(struct val **out, struct arena *a, const struct val *obj, const char *name)
{
    void *p = obj->u.obj.ptr;
    if (!strcmp(name, "KubeVersion"))
        *out = val_obj(a, &kv_type.base, p);
    else if (!strcmp(name, "APIVersions"))
        *out = val_obj(a, &vs_type.base, p);
    else if (!strcmp(name, "HelmVersion"))
        *out = val_obj(a, &bi_type.base, p);
    else
        return PKG_ENOENT;
    return 0;
}

static struct val *
caps_fields(struct arena *a, const struct val *obj)
{
    void *p = obj->u.obj.ptr;
    struct val *s = val_seq(a);
    val_seq_push(a, s, val_obj(a, &kv_value_type.base, p));
    val_seq_push(a, s, val_obj(a, &vs_type.base, p));
    val_seq_push(a, s, val_obj(a, &bi_type.base, p));
    return s;
}

static const char *const caps_names[] = {"KubeVersion", "APIVersions", "HelmVersion"};

static const struct tmpl_objtype caps_type = {
    .base = {.name = "*chartutil.Capabilities", .to_val = caps_to_val},
    .kind = TMPL_OBJ_POINTER,
    .field = caps_field,
    .fields = caps_fields,
    .field_names = caps_names,
};

/* The API versions client-go's scheme registers in Helm v3.17.1, in its
 * order (chartutil.DefaultVersionSet). */
static const char *const default_api_versions[] = {
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1alpha1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha1",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1alpha1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
};

struct val *
chart_capabilities_object(struct arena *a, const char *kube_version, const char *kube_major,
                          const char *kube_minor, const char *const *extra, size_t nextra)
{
    struct caps *c = arena_alloc(a, sizeof(*c));
    c->version = arena_strdup(a, kube_version);
    c->major = arena_strdup(a, kube_major);
    c->minor = arena_strdup(a, kube_minor);
    c->api_versions = val_seq(a);
    c->api_versions->gotype = VAL_GO_STRINGS;
    for (size_t i = 0; i < sizeof(default_api_versions) / sizeof(default_api_versions[0]); i++)
        val_seq_push(a, c->api_versions, val_strz(a, default_api_versions[i]));
    for (size_t i = 0; i < nextra; i++)
        val_seq_push(a, c->api_versions, val_strz(a, extra[i]));
    return val_obj(a, &caps_type.base, c);
}

/* ---- .Chart ---- */

struct chartobj {
    const struct chart_meta *md;
    bool is_root;
};

static const struct tmpl_objtype chart_type, meta_type, maint_type, dep_type;

static struct val *
strings_val(struct arena *a, const char *const *v, size_t n)
{
    struct val *s = val_seq(a);
    s->gotype = VAL_GO_STRINGS;
    for (size_t i = 0; i < n; i++)
        val_seq_push(a, s, val_strz(a, v[i]));
    /* a field Chart.yaml left out is Go's nil slice (toJson: null) */
    return v ? s : tmpl_mark_nil(s);
}

static struct val *
maint_to_val(struct arena *a, const struct val *obj)
{
    const struct chart_maintainer *m = obj->u.obj.ptr;
    struct val *x = val_map(a);
    x->flags |= VAL_F_STRUCT;
    if (*m->name)
        val_map_setz(a, x, "name", val_strz(a, m->name));
    if (*m->email)
        val_map_setz(a, x, "email", val_strz(a, m->email));
    if (*m->url)
        val_map_setz(a, x, "url", val_strz(a, m->url));
    return x;
}

static int
maint_field(struct val **out, struct arena *a, const struct val *obj, const char *name)
{
    const struct chart_maintainer *m = obj->u.obj.ptr;
    if (!strcmp(name, "Name"))
        *out = val_strz(a, m->name);
    else if (!strcmp(name, "Email"))
        *out = val_strz(a, m->email);
    else if (!strcmp(name, "URL"))
        *out = val_strz(a, m->url);
    else
        return PKG_ENOENT;
    return 0;
}

static struct val *
maint_fields(struct arena *a, const struct val *obj)
{
    const struct chart_maintainer *m = obj->u.obj.ptr;
    struct val *s = val_seq(a);
    val_seq_push(a, s, val_strz(a, m->name));
    val_seq_push(a, s, val_strz(a, m->email));
    val_seq_push(a, s, val_strz(a, m->url));
    return s;
}

static const char *const maint_names[] = {"Name", "Email", "URL"};

static const struct tmpl_objtype maint_type = {
    .base = {.name = "*chart.Maintainer", .to_val = maint_to_val},
    .kind = TMPL_OBJ_POINTER,
    .field = maint_field,
    .fields = maint_fields,
    .field_names = maint_names,
};

static struct val *
dep_to_val(struct arena *a, const struct val *obj)
{
    return chart_dep_to_val(a, obj->u.obj.ptr);
}

static struct val *
import_values_val(struct arena *a, const struct chart_dep *d)
{
    if (d->import_values)
        return d->import_values;
    return val_seq(a);
}

static int
dep_field(struct val **out, struct arena *a, const struct val *obj, const char *name)
{
    const struct chart_dep *d = obj->u.obj.ptr;
    if (!strcmp(name, "Name"))
        *out = val_strz(a, d->name);
    else if (!strcmp(name, "Version"))
        *out = val_strz(a, d->version);
    else if (!strcmp(name, "Repository"))
        *out = val_strz(a, d->repository);
    else if (!strcmp(name, "Condition"))
        *out = val_strz(a, d->condition);
    else if (!strcmp(name, "Tags"))
        *out = strings_val(a, d->tags, d->ntags);
    else if (!strcmp(name, "Enabled"))
        *out = val_bool(a, d->enabled);
    else if (!strcmp(name, "ImportValues"))
        *out = import_values_val(a, d);
    else if (!strcmp(name, "Alias"))
        *out = val_strz(a, d->alias);
    else
        return PKG_ENOENT;
    return 0;
}

static const char *const dep_names[] = {"Name", "Version", "Repository",   "Condition",
                                        "Tags", "Enabled", "ImportValues", "Alias"};

static struct val *
dep_fields(struct arena *a, const struct val *obj)
{
    struct val *s = val_seq(a);
    for (size_t i = 0; i < 8; i++) {
        struct val *v;
        dep_field(&v, a, obj, dep_names[i]);
        val_seq_push(a, s, v);
    }
    return s;
}

static const struct tmpl_objtype dep_type = {
    .base = {.name = "*chart.Dependency", .to_val = dep_to_val},
    .kind = TMPL_OBJ_POINTER,
    .field = dep_field,
    .fields = dep_fields,
    .field_names = dep_names,
};

static const struct chartobj *
chartobj_of(const struct val *v)
{
    return v->u.obj.ptr;
}

static int
meta_field(struct val **out, struct arena *a, const struct val *obj, const char *name)
{
    const struct chart_meta *md = chartobj_of(obj)->md;
    static const struct {
        const char *name;
        size_t off;
    } strs[] = {
        {"Name", offsetof(struct chart_meta, name)},
        {"Home", offsetof(struct chart_meta, home)},
        {"Version", offsetof(struct chart_meta, version)},
        {"Description", offsetof(struct chart_meta, description)},
        {"Icon", offsetof(struct chart_meta, icon)},
        {"APIVersion", offsetof(struct chart_meta, api_version)},
        {"Condition", offsetof(struct chart_meta, condition)},
        {"Tags", offsetof(struct chart_meta, tags)},
        {"AppVersion", offsetof(struct chart_meta, app_version)},
        {"KubeVersion", offsetof(struct chart_meta, kube_version)},
        {"Type", offsetof(struct chart_meta, type)},
    };
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        if (!strcmp(name, strs[i].name)) {
            *out = val_strz(a, *(const char *const *)((const char *)md + strs[i].off));
            return 0;
        }
    if (!strcmp(name, "Sources")) {
        *out = strings_val(a, md->sources, md->nsources);
    } else if (!strcmp(name, "Keywords")) {
        *out = strings_val(a, md->keywords, md->nkeywords);
    } else if (!strcmp(name, "Deprecated")) {
        *out = val_bool(a, md->deprecated);
    } else if (!strcmp(name, "Annotations")) {
        struct val *m = md->annotations ? md->annotations : tmpl_mark_nil(val_map(a));
        m->gotype = VAL_GO_STRMAP;
        *out = m;
    } else if (!strcmp(name, "Maintainers")) {
        struct val *s = val_seq(a);
        s->gotype = TMPL_GO_MAINTAINERS;
        if (!md->maintainers)
            tmpl_mark_nil(s);
        for (size_t i = 0; i < md->nmaintainers; i++)
            val_seq_push(a, s,
                         md->maintainers[i]
                             ? val_obj(a, &maint_type.base, (void *)md->maintainers[i])
                             : val_null(a));
        *out = s;
    } else if (!strcmp(name, "Dependencies")) {
        struct val *s = val_seq(a);
        s->gotype = TMPL_GO_DEPENDENCIES;
        if (!md->has_deps)
            tmpl_mark_nil(s);
        for (size_t i = 0; i < md->ndeps; i++)
            val_seq_push(a, s, md->deps[i] ? val_obj(a, &dep_type.base, md->deps[i]) : val_null(a));
        *out = s;
    } else {
        return PKG_ENOENT;
    }
    return 0;
}

static const char *const meta_names[] = {
    "Name",        "Home",        "Sources",     "Version",      "Description", "Keywords",
    "Maintainers", "Icon",        "APIVersion",  "Condition",    "Tags",        "AppVersion",
    "Deprecated",  "Annotations", "KubeVersion", "Dependencies", "Type"};

static struct val *
meta_fields(struct arena *a, const struct val *obj)
{
    struct val *s = val_seq(a);
    for (size_t i = 0; i < sizeof(meta_names) / sizeof(meta_names[0]); i++) {
        struct val *v;
        meta_field(&v, a, obj, meta_names[i]);
        val_seq_push(a, s, v);
    }
    return s;
}

static struct val *
meta_to_val(struct arena *a, const struct val *obj)
{
    return chart_meta_to_val(a, chartobj_of(obj)->md, true);
}

static const struct tmpl_objtype meta_type = {
    .base = {.name = "chart.Metadata", .to_val = meta_to_val},
    .kind = TMPL_OBJ_STRUCT,
    .field = meta_field,
    .fields = meta_fields,
    .field_names = meta_names,
};

static struct val *
chart_to_val(struct arena *a, const struct val *obj)
{
    struct val *m = chart_meta_to_val(a, chartobj_of(obj)->md, true);
    val_map_setz(a, m, "IsRoot", val_bool(a, chartobj_of(obj)->is_root));
    return m;
}

static int
chart_field(struct val **out, struct arena *a, const struct val *obj, const char *name)
{
    if (!strcmp(name, "IsRoot")) {
        *out = val_bool(a, chartobj_of(obj)->is_root);
        return 0;
    }
    if (!strcmp(name, "Metadata")) {
        *out = val_obj(a, &meta_type.base, obj->u.obj.ptr);
        return 0;
    }
    return meta_field(out, a, obj, name);
}

static struct val *
chart_fields(struct arena *a, const struct val *obj)
{
    struct val *s = val_seq(a);
    val_seq_push(a, s, val_obj(a, &meta_type.base, obj->u.obj.ptr));
    val_seq_push(a, s, val_bool(a, chartobj_of(obj)->is_root));
    return s;
}

static const char *const chart_names[] = {"Metadata", "IsRoot"};

static const struct tmpl_objtype chart_type = {
    .base = {.name = "struct { chart.Metadata; IsRoot bool }", .to_val = chart_to_val},
    .kind = TMPL_OBJ_STRUCT,
    .field = chart_field,
    .fields = chart_fields,
    .field_names = chart_names,
};

struct val *
chart_chart_object(struct arena *a, const struct chart *c)
{
    struct chartobj *o = arena_alloc(a, sizeof(*o));
    /* Helm copies the metadata when it builds the template data. */
    struct chart_meta *md = arena_alloc(a, sizeof(*md));
    *md = *c->meta;
    o->md = md;
    o->is_root = c->parent == NULL;
    return val_obj(a, &chart_type.base, o);
}
