/* Helm's own template functions (pkg/engine/funcs.go and engine.go):
 * include and tpl with Helm's recursion accounting, required and fail with
 * Helm's error markers, the YAML/JSON/TOML converters with Helm's
 * error-swallowing rules, lookup (an empty map: there is no cluster) and
 * getHostByName (DNS lookups are off by default, as in Helm). */
#include "render/exec.h"

#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/xalloc.h"
#include "core/yaml.h"

#define RECURSION_MAX_NUMS 1000

/* includedNames: how deep each template name is being included. The
 * entries live in the set's arena, so a count's address stays valid while
 * the table grows during the nested execution. */
struct count_ent {
    const char *name;
    uint64_t hash;
    int n;
};

struct tmpl_counts {
    struct count_ent **slots;
    size_t cap, used;
};

static uint64_t
hash_s(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int *
count_slot(struct tmpl_set *set, const char *name)
{
    struct tmpl_counts *c = set->counts;
    if (!c) {
        c = xcalloc(1, sizeof(*c));
        set->counts = c;
    }
    if ((c->used + 1) * 2 > c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 64;
        struct count_ent **old = c->slots;
        size_t oc = c->cap;
        c->slots = xcalloc(nc, sizeof(*c->slots));
        c->cap = nc;
        for (size_t i = 0; i < oc; i++) {
            if (!old[i])
                continue;
            size_t k = old[i]->hash & (nc - 1);
            while (c->slots[k])
                k = (k + 1) & (nc - 1);
            c->slots[k] = old[i];
        }
        free(old);
    }
    uint64_t h = hash_s(name);
    size_t k = h & (c->cap - 1);
    while (c->slots[k] && (c->slots[k]->hash != h || strcmp(c->slots[k]->name, name)))
        k = (k + 1) & (c->cap - 1);
    if (!c->slots[k]) {
        struct count_ent *e = arena_alloc(set->a, sizeof(*e));
        e->name = arena_strdup(set->a, name);
        e->hash = h;
        e->n = -1; /* not yet seen */
        c->slots[k] = e;
        c->used++;
    }
    return &c->slots[k]->n;
}

void
tmpl_counts_free(struct tmpl_counts *c)
{
    if (!c)
        return;
    free(c->slots);
    free(c);
}

static int
fn_include(struct tmpl_call *c, struct val **out)
{
    const char *name = tmpl_arg_str(c, 0, NULL);
    int *n = count_slot(c->x->set, name); /* stable across the call */
    if (*n >= 0) {
        if (*n > RECURSION_MAX_NUMS)
            return tmpl_fail(c,
                             "rendering template has a nested reference name: %s: unable to "
                             "execute template",
                             name);
        (*n)++;
    } else {
        *n = 1;
    }
    struct sb sb = SB_INIT;
    int rc = tmpl_call_execute(c, name, c->argv[1], &sb);
    (*n)--;
    if (rc) {
        sb_release(&sb);
        return rc;
    }
    *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

static int
fn_tpl(struct tmpl_call *c, struct val **out)
{
    size_t len;
    const char *text = tmpl_arg_str(c, 0, &len);
    struct sb sb = SB_INIT;
    int rc = tmpl_call_tpl(c, text, len, c->argv[1], &sb);
    if (rc) {
        sb_release(&sb);
        return rc;
    }
    *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

static int
fn_required(struct tmpl_call *c, struct val **out)
{
    const struct val *v = c->argv[1];
    bool missing = v->kind == VAL_NULL ||
                   (v->kind == VAL_STRING && v->gotype == VAL_GO_AUTO && v->u.s.len == 0);
    if (missing) {
        if (tmpl_call_opts(c)->lint_mode) {
            *out = tmpl_mkstr(c, "", 0);
            return 0;
        }
        return tmpl_fail_code(c, PKG_EFAIL, "HELM_ERR_START%sHELM_ERR_END",
                              tmpl_arg_str(c, 0, NULL));
    }
    *out = c->argv[1];
    return 0;
}

static int
fn_fail(struct tmpl_call *c, struct val **out)
{
    if (tmpl_call_opts(c)->lint_mode) {
        *out = tmpl_mkstr(c, "", 0);
        return 0;
    }
    return tmpl_fail_code(c, PKG_EFAIL, "HELM_ERR_START%sHELM_ERR_END", tmpl_arg_str(c, 0, NULL));
}

static int
fn_to_yaml(struct tmpl_call *c, struct val **out)
{
    struct sb sb = SB_INIT;
    struct pkg_err *err = NULL;
    if (val_yaml_emit(&sb, c->argv[0], VAL_YAML_HELM, &err) < 0) {
        pkg_err_free(err);
        *out = tmpl_mkstr(c, "", 0);
        sb_release(&sb);
        return 0;
    }
    if (sb.len > 0 && sb.buf[sb.len - 1] == '\n')
        sb_setlen(&sb, sb.len - 1);
    *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

/* toYAMLPretty: go-yaml v3's Encoder with SetIndent(2); errors give "". */
static int
fn_to_yaml_pretty(struct tmpl_call *c, struct val **out)
{
    struct sb sb = SB_INIT;
    struct pkg_err *err = NULL;
    if (val_yaml_emit_v3(&sb, c->argv[0], &err) < 0) {
        pkg_err_free(err);
        sb_reset(&sb);
    }
    if (sb.len > 0 && sb.buf[sb.len - 1] == '\n')
        sb_setlen(&sb, sb.len - 1);
    *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

static int
fn_to_json(struct tmpl_call *c, struct val **out)
{
    struct sb sb = SB_INIT;
    struct pkg_err *err = NULL;
    if (val_json_emit(&sb, c->argv[0], VAL_JSON_COMPACT, &err) < 0) {
        pkg_err_free(err);
        sb_reset(&sb);
    }
    *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

/* go-yaml v2's message for a libyaml error, from core's "FILE:L:C:
 * PROBLEM[ CONTEXT (line CL)]": "line N: PROBLEM", where N is the problem
 * problem line (0-based, plus one for scanner errors) or else the 0-based
 * context line, and none when both are 0, as go-yaml's parser.fail()
 * computes it. */
static void
goyaml_message(struct sb *sb, const char *msg, size_t prefix_len)
{
    const char *p = msg + prefix_len;
    unsigned long line = strtoul(p, NULL, 10);
    const char *rest = strstr(p, ": ");
    rest = rest ? rest + 2 : p;
    const char *ctx = strstr(rest, " while ");
    size_t plen = ctx ? (size_t)(ctx - rest) : strlen(rest);
    bool scanner = ctx && !strncmp(ctx, " while scanning", 15);
    unsigned long n = 0;
    if (line > 1) {
        n = scanner ? line : line - 1;
    } else if (ctx) {
        const char *cl = strstr(ctx, "(line ");
        unsigned long c = cl ? strtoul(cl + 6, NULL, 10) : 0;
        n = c > 1 ? c - 1 : 0;
    }
    sb_addstr(sb, "error converting YAML to JSON: yaml: ");
    if (n)
        sb_addf(sb, "line %lu: ", n);
    sb_add(sb, rest, plen);
}

/* The first document of a YAML text as sigs.k8s.io/yaml.Unmarshal gives it
 * (JSON-compatible: float64 numbers, string keys, duplicate keys allowed). */
static int
load_yaml_doc(struct tmpl_call *c, struct val **doc, const char **errmsg)
{
    size_t len;
    const char *s = tmpl_arg_str(c, 0, &len);
    struct val_yaml_opts o = {0};
    o.dialect = VAL_YAML_HELM;
    o.json_compat = true;
    o.allow_duplicate_keys = true;
    o.first_doc_only = true;
    o.goyaml_errors = true;
    struct val *all = NULL;
    struct pkg_err *err = NULL;
    static const char name[] = "<fromYaml>";
    if (val_yaml_load_all(&all, c->a, s, len, name, &o, &err) < 0) {
        struct sb sb = SB_INIT;
        if (!strncmp(err->msg, "yaml: ", 6))
            sb_addf(&sb, "error converting YAML to JSON: %s", err->msg);
        else if (!strncmp(err->msg, name, sizeof(name) - 1) && err->msg[sizeof(name) - 1] == ':')
            goyaml_message(&sb, err->msg, sizeof(name));
        else
            sb_addf(&sb, "error converting YAML to JSON: yaml: %s", err->msg);
        *errmsg = arena_strndup(c->a, sb.buf, sb.len);
        sb_release(&sb);
        pkg_err_free(err);
        return -1;
    }
    *doc = all && all->u.seq.len > 0 ? all->u.seq.items[0] : NULL;
    return 0;
}

static const char *
json_kind_word(const struct val *v)
{
    switch (v->kind) {
    case VAL_SEQ:
        return "array";
    case VAL_MAP:
        return "object";
    case VAL_STRING:
        return "string";
    case VAL_BOOL:
        return "bool";
    default:
        return "number";
    }
}

static int
fn_from_yaml(struct tmpl_call *c, struct val **out)
{
    struct val *m = tmpl_mkmap(c);
    struct val *doc = NULL;
    const char *errmsg = NULL;
    if (load_yaml_doc(c, &doc, &errmsg) < 0) {
        val_map_setz(c->a, m, "Error", val_strz(c->a, errmsg));
    } else if (doc && doc->kind == VAL_MAP) {
        *out = doc;
        return 0;
    } else if (doc && doc->kind != VAL_NULL) {
        struct sb sb = SB_INIT;
        sb_addf(&sb,
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal %s into "
                "Go value of type map[string]interface {}",
                json_kind_word(doc));
        val_map_setz(c->a, m, "Error", tmpl_mkstr_sb(c, &sb));
        sb_release(&sb);
    }
    *out = m;
    return 0;
}

static int
fn_from_yaml_array(struct tmpl_call *c, struct val **out)
{
    struct val *doc = NULL;
    const char *errmsg = NULL;
    if (load_yaml_doc(c, &doc, &errmsg) < 0) {
        struct val *l = tmpl_mklist(c);
        val_seq_push(c->a, l, val_strz(c->a, errmsg));
        *out = l;
        return 0;
    }
    if (doc && doc->kind == VAL_SEQ) {
        *out = doc;
        return 0;
    }
    struct val *l = tmpl_mklist(c);
    if (doc && doc->kind != VAL_NULL) {
        struct sb sb = SB_INIT;
        sb_addf(&sb,
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal %s into "
                "Go value of type []interface {}",
                json_kind_word(doc));
        val_seq_push(c->a, l, tmpl_mkstr_sb(c, &sb));
        sb_release(&sb);
    }
    *out = l;
    return 0;
}

static int
load_json_doc(struct tmpl_call *c, struct val **doc, const char **errmsg)
{
    size_t len;
    const char *s = tmpl_arg_str(c, 0, &len);
    struct pkg_err *err = NULL;
    static const char name[] = "<fromJson>";
    if (val_json_load(doc, c->a, s, len, name, NULL, &err) < 0) {
        /* encoding/json's messages carry no position: drop core's. */
        const char *m = err->msg;
        if (!strncmp(m, name, sizeof(name) - 1)) {
            const char *r = strstr(m, ": ");
            if (r)
                m = r + 2;
        }
        *errmsg = arena_strdup(c->a, m);
        pkg_err_free(err);
        return -1;
    }
    return 0;
}

static int
fn_from_json(struct tmpl_call *c, struct val **out)
{
    struct val *doc = NULL;
    const char *errmsg = NULL;
    struct val *m = tmpl_mkmap(c);
    if (load_json_doc(c, &doc, &errmsg) < 0) {
        val_map_setz(c->a, m, "Error", val_strz(c->a, errmsg));
    } else if (doc && doc->kind == VAL_MAP) {
        *out = doc;
        return 0;
    } else if (doc && doc->kind != VAL_NULL) {
        struct sb sb = SB_INIT;
        sb_addf(&sb, "json: cannot unmarshal %s into Go value of type map[string]interface {}",
                json_kind_word(doc));
        val_map_setz(c->a, m, "Error", tmpl_mkstr_sb(c, &sb));
        sb_release(&sb);
    } else {
        tmpl_mark_nil(m); /* json.Unmarshal of null sets the map to nil */
    }
    *out = m;
    return 0;
}

static int
fn_from_json_array(struct tmpl_call *c, struct val **out)
{
    struct val *doc = NULL;
    const char *errmsg = NULL;
    struct val *l = tmpl_mklist(c);
    if (load_json_doc(c, &doc, &errmsg) < 0) {
        val_seq_push(c->a, l, val_strz(c->a, errmsg));
    } else if (doc && doc->kind == VAL_SEQ) {
        *out = doc;
        return 0;
    } else if (doc && doc->kind != VAL_NULL) {
        struct sb sb = SB_INIT;
        sb_addf(&sb, "json: cannot unmarshal %s into Go value of type []interface {}",
                json_kind_word(doc));
        val_seq_push(c->a, l, tmpl_mkstr_sb(c, &sb));
        sb_release(&sb);
    } else {
        tmpl_mark_nil(l); /* json.Unmarshal of null sets the slice to nil */
    }
    *out = l;
    return 0;
}

static int
fn_to_toml(struct tmpl_call *c, struct val **out)
{
    const struct val *v = c->argv[0];
    if (v->kind == VAL_NULL)
        return tmpl_fail(c, "reflect: call of reflect.Value.Type on zero Value");
    struct sb sb = SB_INIT;
    const char *err = NULL;
    if (tmpl_toml_encode(&sb, c->a, v, &err) < 0)
        *out = tmpl_mkstrz(c, err);
    else
        *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

/* fromTOML: toml.Unmarshal into a fresh map; a parse error goes into its
 * "Error" key. */
static int
fn_from_toml(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const char *s = tmpl_arg_str(c, 0, &n);
    struct val *errmsg = NULL;
    struct val *m = NULL;
    int rc = tmpl_toml_decode(&m, c->a, s, n, &errmsg);
    if (rc == -1) {
        m = tmpl_mkmap(c);
        val_map_setz(c->a, m, "Error", errmsg);
    } else if (rc < 0) {
        return tmpl_fail_code(c, rc, "%s", errmsg->u.s.ptr);
    }
    *out = m;
    return 0;
}

static int
fn_lookup(struct tmpl_call *c, struct val **out)
{
    *out = tmpl_mkmap(c);
    return 0;
}

static int
fn_get_host_by_name(struct tmpl_call *c, struct val **out)
{
    *out = tmpl_mkstr(c, "", 0);
    return 0;
}

/* ---- chartutil.Values's methods (the top-level data and .Values) ---- */

static bool
is_plain_table(const struct val *v)
{
    /* istable: v.(map[string]interface{}) */
    return v && v->kind == VAL_MAP && v->gotype == VAL_GO_AUTO;
}

/* tableLookup: NULL with *err set when `name` is no table. */
static const struct val *
table_lookup(const struct val *v, const char *name, size_t n)
{
    const struct val *v2 = val_map_get(v, name, n);
    if (v2 && v2->kind == VAL_MAP && (v2->gotype == VAL_GO_AUTO || v2->gotype == VAL_GO_VALUES))
        return v2;
    return NULL;
}

static const struct val *
values_table(struct tmpl_call *c, const struct val *v, const char *path, const char **bad)
{
    const struct val *t = v;
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        const struct val *nt = table_lookup(t, p, n);
        if (!nt) {
            *bad = arena_strndup(c->a, p, n);
            return NULL;
        }
        t = nt;
        if (!dot)
            return t;
        p = dot + 1;
    }
}

static struct val *
as_values(struct tmpl_call *c, const struct val *m)
{
    struct val *r = arena_alloc(c->a, sizeof(*r));
    *r = *m; /* the same entries, seen as chartutil.Values */
    r->gotype = VAL_GO_VALUES;
    return r;
}

static int
m_values_yaml(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    struct sb sb = SB_INIT;
    struct pkg_err *err = NULL;
    if (val_yaml_emit(&sb, recv, VAL_YAML_HELM, &err) < 0) {
        int rc = tmpl_fail(c, "%s", err->msg);
        pkg_err_free(err);
        sb_release(&sb);
        return rc;
    }
    *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

static int
quoted_fail(struct tmpl_call *c, const char *key, const char *what)
{
    struct sb q = SB_INIT;
    tmpl_quote(&q, key, strlen(key));
    int rc = tmpl_fail(c, "%s is not a %s", q.buf, what);
    sb_release(&q);
    return rc;
}

static int
m_values_table(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const char *bad = NULL;
    const struct val *t = values_table(c, recv, tmpl_arg_str(c, 0, NULL), &bad);
    if (!t)
        return quoted_fail(c, bad, "table");
    *out = as_values(c, t);
    return 0;
}

static int
m_values_as_map(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    struct val *r = arena_alloc(c->a, sizeof(*r));
    *r = *recv;
    r->gotype = VAL_GO_AUTO;
    *out = r;
    return 0;
}

static int
m_values_path_value(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const char *path = tmpl_arg_str(c, 0, NULL);
    if (!*path)
        return tmpl_fail(c, "YAML path cannot be empty");
    const char *last = strrchr(path, '.');
    const char *key = last ? last + 1 : path;
    const struct val *t = recv;
    if (last) {
        const char *bad = NULL;
        char *prefix = arena_strndup(c->a, path, (size_t)(last - path));
        t = values_table(c, recv, prefix, &bad);
        if (!t)
            return quoted_fail(c, key, "value");
    }
    const struct val *v = val_map_getz(t, key);
    if (!v || is_plain_table(v))
        return quoted_fail(c, key, "value");
    *out = (struct val *)v;
    return 0;
}

const struct tmpl_method tmpl_values_methods[] = {
    {"AsMap", m_values_as_map, "func() map[string]interface {}"},
    {"PathValue", m_values_path_value, "func(string) (interface {}, error)"},
    {"Table", m_values_table, "func(string) (chartutil.Values, error)"},
    {"YAML", m_values_yaml, "func() (string, error)"},
    {NULL, NULL, NULL},
};

const struct tmpl_func tmpl_funcs_helm[] = {
    {"include", fn_include, "func(string, interface {}) (string, error)"},
    {"tpl", fn_tpl, "func(string, interface {}) (string, error)"},
    {"required", fn_required, "func(string, interface {}) (interface {}, error)"},
    {"fail", fn_fail, "func(string) (string, error)"},
    {"toYaml", fn_to_yaml, "func(interface {}) string"},
    {"toYamlPretty", fn_to_yaml_pretty, "func(interface {}) string"},
    {"fromYaml", fn_from_yaml, "func(string) map[string]interface {}"},
    {"fromYamlArray", fn_from_yaml_array, "func(string) []interface {}"},
    {"toJson", fn_to_json, "func(interface {}) string"},
    {"fromJson", fn_from_json, "func(string) map[string]interface {}"},
    {"fromJsonArray", fn_from_json_array, "func(string) []interface {}"},
    {"toToml", fn_to_toml, "func(interface {}) string"},
    {"fromToml", fn_from_toml, "func(string) map[string]interface {}"},
    {"lookup", fn_lookup, "func(string, string, string, string) (map[string]interface {}, error)"},
    {"getHostByName", fn_get_host_by_name, "func(string) string"},
    {NULL, NULL, NULL},
};
