/* Chart metadata in the shape Helm's chart.Metadata gives it: decoding a
 * loaded YAML/JSON map the way sigs.k8s.io/yaml + encoding/json decode into
 * the Go struct (field names matched exactly, then case-insensitively;
 * scalars converted to strings only where that library converts them),
 * and Metadata.Validate (sanitizing strings, required fields). The
 * normalized map holds exactly what json.Marshal of the struct would print,
 * in the struct's field order. */
#include "repo-index/repo.h"
#include "repo-index/repo-int.h"

#include "core/gofmt.h"
#include "core/text.h"
#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Field types of Helm's structs. */
enum ftype {
    F_STR,
    F_BOOL,
    F_STRS,   /* []string */
    F_STRMAP, /* map[string]string */
    F_MAINT,  /* []*Maintainer */
    F_DEPS,   /* []*Dependency */
    F_ANYS,   /* []interface{} */
};

struct field {
    const char *name;
    enum ftype t;
    bool omitempty;
};

/* chart.Metadata, in struct order. */
static const struct field md_fields[] = {
    {"name", F_STR, true},          {"home", F_STR, true},           {"sources", F_STRS, true},
    {"version", F_STR, true},       {"description", F_STR, true},    {"keywords", F_STRS, true},
    {"maintainers", F_MAINT, true}, {"icon", F_STR, true},           {"apiVersion", F_STR, true},
    {"condition", F_STR, true},     {"tags", F_STR, true},           {"appVersion", F_STR, true},
    {"deprecated", F_BOOL, true},   {"annotations", F_STRMAP, true}, {"kubeVersion", F_STR, true},
    {"dependencies", F_DEPS, true}, {"type", F_STR, true},           {NULL, 0, false},
};

static const struct field maint_fields[] = {
    {"name", F_STR, true},
    {"email", F_STR, true},
    {"url", F_STR, true},
    {NULL, 0, false},
};

/* chart.Dependency, in struct order (json tags). */
static const struct field dep_fields[] = {
    {"name", F_STR, false},          {"version", F_STR, true}, {"repository", F_STR, false},
    {"condition", F_STR, true},      {"tags", F_STRS, true},   {"enabled", F_BOOL, true},
    {"import-values", F_ANYS, true}, {"alias", F_STR, true},   {NULL, 0, false},
};

const char *
repo_json_kind(const struct val *v)
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

/* sigs.k8s.io/yaml's conversion of a scalar for a string-typed target. */
static struct val *
scalar_to_string(struct arena *a, const struct val *v)
{
    struct sb sb = SB_INIT;
    switch (v->kind) {
    case VAL_INT:
        gofmt_int(&sb, v->u.i);
        break;
    case VAL_FLOAT:
        gofmt_float32(&sb, v->u.f, 'g', -1);
        break;
    case VAL_BOOL:
        sb_addstr(&sb, v->u.b ? "true" : "false");
        break;
    default:
        return NULL;
    }
    struct val *s = val_str(a, sb.buf, sb.len);
    sb_release(&sb);
    return s;
}

static int
type_error(struct pkg_err **errp, const char *what, const char *field, const struct val *v,
           const char *gotype)
{
    if (v->line)
        return pkg_err_set(errp, PKG_ETYPE,
                           "%s:%u:%u: cannot unmarshal %s into field \"%s\" of type %s", what,
                           v->line, v->col, repo_json_kind(v), field, gotype);
    return pkg_err_set(errp, PKG_ETYPE, "%s: cannot unmarshal %s into field \"%s\" of type %s",
                       what, repo_json_kind(v), field, gotype);
}

/* A string field. *out NULL for null (Go leaves the zero value). */
int
repo_decode_string(struct val **out, struct arena *a, const struct val *v, bool conv,
                   const char *what, const char *field, struct pkg_err **errp)
{
    *out = NULL;
    if (v->kind == VAL_NULL)
        return 0;
    if (v->kind == VAL_STRING) {
        *out = (struct val *)v;
        return 0;
    }
    if (conv) {
        struct val *s = scalar_to_string(a, v);
        if (s) {
            *out = s;
            return 0;
        }
    }
    return type_error(errp, what, field, v, "string");
}

static int
decode_bool(struct val **out, struct arena *a, const struct val *v, const char *what,
            const char *field, struct pkg_err **errp)
{
    *out = NULL;
    if (v->kind == VAL_NULL)
        return 0;
    if (v->kind == VAL_BOOL) {
        *out = val_bool(a, v->u.b);
        return 0;
    }
    return type_error(errp, what, field, v, "bool");
}

/* []string. *out NULL for null. */
int
repo_decode_strings(struct val **out, struct arena *a, const struct val *v, bool conv,
                    const char *what, const char *field, struct pkg_err **errp)
{
    *out = NULL;
    if (v->kind == VAL_NULL)
        return 0;
    if (v->kind != VAL_SEQ)
        return type_error(errp, what, field, v, "[]string");
    struct val *seq = val_seq(a);
    for (size_t i = 0; i < val_seq_len(v); i++) {
        struct val *s;
        int rc = repo_decode_string(&s, a, val_seq_at(v, i), conv, what, field, errp);
        if (rc)
            return rc;
        val_seq_push(a, seq, s ? s : val_strz(a, ""));
    }
    *out = seq;
    return 0;
}

/* map[string]string. */
int
repo_decode_strmap(struct val **out, struct arena *a, const struct val *v, bool conv,
                   const char *what, const char *field, struct pkg_err **errp)
{
    *out = NULL;
    if (v->kind == VAL_NULL)
        return 0;
    if (v->kind != VAL_MAP)
        return type_error(errp, what, field, v, "map[string]string");
    struct val *m = val_map(a);
    for (size_t i = 0; i < val_map_len(v); i++) {
        const struct val_mapent *e = &v->u.map.ents[i];
        struct val *s;
        int rc = repo_decode_string(&s, a, e->v, conv, what, field, errp);
        if (rc)
            return rc;
        val_map_set(a, m, e->key->u.s.ptr, e->key->u.s.len, s ? s : val_strz(a, ""));
    }
    *out = m;
    return 0;
}

/* The value of map m for a struct field: the exact key, else a key equal
 * under ASCII case folding (encoding/json's rule). With several folded
 * matches the last in the map wins, as the decoder overwrites. */
static const struct val *
field_value(const struct val *m, const char *name)
{
    const struct val *exact = val_map_getz(m, name);
    if (exact)
        return exact;
    const struct val *found = NULL;
    for (size_t i = 0; i < val_map_len(m); i++) {
        const struct val *k = m->u.map.ents[i].key;
        if (k->u.s.len == strlen(name) && !strncasecmp(k->u.s.ptr, name, k->u.s.len))
            found = m->u.map.ents[i].v;
    }
    return found;
}

static bool
field_known(const struct field *fields, const char *k, size_t klen)
{
    for (const struct field *f = fields; f->name; f++)
        if (strlen(f->name) == klen && !strncasecmp(f->name, k, klen))
            return true;
    return false;
}

/* Known names beside a field table (ChartVersion's own fields). */
static bool
name_in(const char *const *names, const char *k, size_t klen)
{
    for (; names && *names; names++)
        if (strlen(*names) == klen && !strncasecmp(*names, k, klen))
            return true;
    return false;
}

static int decode_struct(struct val **out, struct arena *a, const struct val *in,
                         const struct field *fields, const char *const *also_known, bool conv,
                         bool strict, const char *what, struct pkg_err **errp);

/* A list of pointers to structs: null items stay as VAL_NULL (Validate
 * reports them). */
static int
decode_struct_list(struct val **out, struct arena *a, const struct val *v,
                   const struct field *fields, bool conv, bool strict, const char *what,
                   const char *field, const char *gotype, struct pkg_err **errp)
{
    *out = NULL;
    if (v->kind == VAL_NULL)
        return 0;
    if (v->kind != VAL_SEQ)
        return type_error(errp, what, field, v, gotype);
    struct val *seq = val_seq(a);
    for (size_t i = 0; i < val_seq_len(v); i++) {
        const struct val *item = val_seq_at(v, i);
        struct val *m;
        if (item->kind == VAL_NULL) {
            val_seq_push(a, seq, val_null(a));
            continue;
        }
        if (item->kind != VAL_MAP)
            return type_error(errp, what, field, item, gotype + 3);
        int rc = decode_struct(&m, a, item, fields, NULL, conv, strict, what, errp);
        if (rc)
            return rc;
        val_seq_push(a, seq, m);
    }
    *out = seq;
    return 0;
}

static int
decode_field(struct val **out, struct arena *a, const struct field *f, const struct val *v,
             bool conv, bool strict, const char *what, struct pkg_err **errp)
{
    switch (f->t) {
    case F_STR:
        return repo_decode_string(out, a, v, conv, what, f->name, errp);
    case F_BOOL:
        return decode_bool(out, a, v, what, f->name, errp);
    case F_STRS:
        return repo_decode_strings(out, a, v, conv, what, f->name, errp);
    case F_STRMAP:
        return repo_decode_strmap(out, a, v, conv, what, f->name, errp);
    case F_MAINT:
        return decode_struct_list(out, a, v, maint_fields, conv, strict, what, f->name,
                                  "[]*chart.Maintainer", errp);
    case F_DEPS:
        return decode_struct_list(out, a, v, dep_fields, conv, strict, what, f->name,
                                  "[]*chart.Dependency", errp);
    case F_ANYS:
        *out = NULL;
        if (v->kind == VAL_NULL)
            return 0;
        if (v->kind != VAL_SEQ)
            return type_error(errp, what, f->name, v, "[]interface {}");
        *out = val_copy(a, v);
        return 0;
    }
    return 0;
}

static bool
is_empty(const struct val *v)
{
    if (!v)
        return true;
    switch (v->kind) {
    case VAL_NULL:
        return true;
    case VAL_BOOL:
        return !v->u.b;
    case VAL_STRING:
        return v->u.s.len == 0;
    case VAL_SEQ:
    case VAL_MAP:
        return val_len(v) == 0;
    default:
        return false;
    }
}

static int
decode_struct(struct val **out, struct arena *a, const struct val *in, const struct field *fields,
              const char *const *also_known, bool conv, bool strict, const char *what,
              struct pkg_err **errp)
{
    if (strict) {
        for (size_t i = 0; i < val_map_len(in); i++) {
            const struct val *k = in->u.map.ents[i].key;
            if (!field_known(fields, k->u.s.ptr, k->u.s.len) &&
                !name_in(also_known, k->u.s.ptr, k->u.s.len)) {
                if (k->line)
                    return pkg_err_set(errp, PKG_EINVAL, "%s:%u:%u: unknown field \"%s\"", what,
                                       k->line, k->col, k->u.s.ptr);
                return pkg_err_set(errp, PKG_EINVAL, "%s: unknown field \"%s\"", what, k->u.s.ptr);
            }
        }
    }
    struct val *m = val_map(a);
    for (const struct field *f = fields; f->name; f++) {
        const struct val *v = field_value(in, f->name);
        struct val *d = NULL;
        if (v) {
            int rc = decode_field(&d, a, f, v, conv, strict, what, errp);
            if (rc)
                return rc;
        }
        if (f->omitempty && is_empty(d))
            continue;
        if (!d) {
            /* Not omitempty: Go prints the zero value. */
            d = f->t == F_STR ? val_strz(a, "") : val_null(a);
        }
        val_map_setz(a, m, f->name, d);
    }
    *out = m;
    return 0;
}

const char *const repo_entry_own_fields[] = {
    "urls", "created", "removed", "digest", "checksum", "engine", "tillerVersion", "url", NULL,
};

int
repo_metadata_normalize(struct val **out, struct arena *a, const struct val *in,
                        enum repo_decode mode, const char *what, struct pkg_err **errp)
{
    if (in->kind == VAL_NULL) {
        *out = val_map(a);
        return 0;
    }
    if (in->kind != VAL_MAP)
        return pkg_err_set(errp, PKG_ETYPE, "%s: cannot unmarshal %s into chart metadata", what,
                           repo_json_kind(in));
    bool conv = mode == REPO_DECODE_CHART_YAML;
    bool strict = mode == REPO_DECODE_INDEX_YAML;
    return decode_struct(out, a, in, md_fields, strict ? repo_entry_own_fields : NULL, conv, strict,
                         what, errp);
}

/* ---- Validate -------------------------------------------------------- */

/* Go's unicode.IsSpace. */
static bool
go_is_space(uint32_t r)
{
    if (r < 0x100)
        return r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r' || r == ' ' ||
               r == 0x85 || r == 0xa0;
    return r == 0x1680 || (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 ||
           r == 0x202f || r == 0x205f || r == 0x3000;
}

/* Go's unicode.IsPrint, approximated without the full Unicode tables:
 * controls, format characters (Cf), surrogates, private use and
 * noncharacters are not printable; everything else is. */
static bool
go_is_print(uint32_t r)
{
    if (r < 0x20 || (r >= 0x7f && r < 0xa0))
        return false;
    if (r == 0xad || (r >= 0x600 && r <= 0x605) || r == 0x61c || r == 0x6dd || r == 0x70f ||
        r == 0x890 || r == 0x891 || r == 0x8e2 || r == 0x180e || (r >= 0x200b && r <= 0x200f) ||
        (r >= 0x202a && r <= 0x202e) || (r >= 0x2060 && r <= 0x2064) ||
        (r >= 0x2066 && r <= 0x206f) || r == 0xfeff || (r >= 0xfff9 && r <= 0xfffb) ||
        r == 0x110bd || r == 0x110cd || (r >= 0x13430 && r <= 0x1343f) ||
        (r >= 0x1bca0 && r <= 0x1bca3) || (r >= 0x1d173 && r <= 0x1d17a) || r == 0xe0001 ||
        (r >= 0xe0020 && r <= 0xe007f))
        return false;
    if ((r >= 0xe000 && r <= 0xf8ff) || r >= 0xf0000)
        return false;
    if ((r & 0xfffe) == 0xfffe || (r >= 0xfdd0 && r <= 0xfdef))
        return false;
    /* Other spaces (not U+0020) are not graphic in Go. */
    if (go_is_space(r))
        return false;
    return true;
}

/* Helm's sanitizeString. Returns v itself when nothing changes. */
struct val *
repo_sanitize(struct arena *a, struct val *v)
{
    if (!v || v->kind != VAL_STRING)
        return v;
    const unsigned char *s = (const unsigned char *)v->u.s.ptr;
    size_t n = v->u.s.len;
    bool clean = true;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] >= 0x7f) {
            clean = false;
            break;
        }
    if (clean)
        return v;
    struct sb sb = SB_INIT;
    for (size_t i = 0; i < n;) {
        size_t adv;
        uint32_t r = utf8_rune((const char *)s + i, n - i, &adv);
        i += adv;
        if (go_is_space(r))
            sb_addch(&sb, ' ');
        else if (go_is_print(r))
            utf8_append(&sb, r);
    }
    struct val *out = val_str(a, sb.buf, sb.len);
    sb_release(&sb);
    return out;
}

static void
sanitize_key(struct arena *a, struct val *m, const char *k)
{
    struct val *v = val_map_getz(m, k);
    if (v && v->kind == VAL_STRING)
        val_map_setz(a, m, k, repo_sanitize(a, v));
}

static void
sanitize_list(struct arena *a, struct val *m, const char *k)
{
    struct val *v = val_map_getz(m, k);
    if (!v || v->kind != VAL_SEQ)
        return;
    for (size_t i = 0; i < val_seq_len(v); i++)
        v->u.seq.items[i] = repo_sanitize(a, v->u.seq.items[i]);
}

static const char *
str_of(const struct val *m, const char *k)
{
    const struct val *v = val_map_getz(m, k);
    return v && v->kind == VAL_STRING ? v->u.s.ptr : "";
}

/* Go's filepath.Base on Linux. */
static bool
is_base_name(const char *name)
{
    if (!strcmp(name, "/"))
        return true; /* Base("/") is "/" */
    return strchr(name, '/') == NULL;
}

static bool
alias_ok(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return false;
    return true;
}

int
repo_metadata_validate(struct arena *a, struct val *md, struct pkg_err **errp)
{
    static const char *const text[] = {"name", "description", "home",        "icon", "condition",
                                       "tags", "appVersion",  "kubeVersion", NULL};
    for (const char *const *k = text; *k; k++)
        sanitize_key(a, md, *k);
    sanitize_list(a, md, "sources");
    sanitize_list(a, md, "keywords");

    if (!*str_of(md, "apiVersion"))
        return pkg_err_set(errp, PKG_EINVAL, "validation: chart.metadata.apiVersion is required");
    const char *name = str_of(md, "name");
    if (!*name)
        return pkg_err_set(errp, PKG_EINVAL, "validation: chart.metadata.name is required");
    if (!is_base_name(name))
        return pkg_err_set(errp, PKG_EINVAL, "validation: chart.metadata.name \"%s\" is invalid",
                           name);
    const char *version = str_of(md, "version");
    if (!*version)
        return pkg_err_set(errp, PKG_EINVAL, "validation: chart.metadata.version is required");
    struct semver sv;
    struct pkg_err *e = NULL;
    if (semver_parse(&sv, version, false, &e) < 0) {
        pkg_err_free(e);
        return pkg_err_set(errp, PKG_EINVAL, "validation: chart.metadata.version \"%s\" is invalid",
                           version);
    }
    semver_release(&sv);
    const char *type = str_of(md, "type");
    if (*type && strcmp(type, "application") && strcmp(type, "library"))
        return pkg_err_set(errp, PKG_EINVAL,
                           "validation: chart.metadata.type must be application or library");

    struct val *maint = val_map_getz(md, "maintainers");
    for (size_t i = 0; maint && i < val_seq_len(maint); i++) {
        struct val *m = val_seq_at(maint, i);
        if (m->kind != VAL_MAP)
            return pkg_err_set(errp, PKG_EINVAL,
                               "validation: maintainers must not contain empty or null nodes");
        sanitize_key(a, m, "name");
        sanitize_key(a, m, "email");
        sanitize_key(a, m, "url");
    }

    struct val *deps = val_map_getz(md, "dependencies");
    for (size_t i = 0; deps && i < val_seq_len(deps); i++) {
        struct val *d = val_seq_at(deps, i);
        if (d->kind != VAL_MAP)
            return pkg_err_set(errp, PKG_EINVAL,
                               "validation: dependencies must not contain empty or null nodes");
        sanitize_key(a, d, "name");
        sanitize_key(a, d, "version");
        sanitize_key(a, d, "repository");
        sanitize_key(a, d, "condition");
        sanitize_list(a, d, "tags");
        const char *alias = str_of(d, "alias");
        if (*alias && !alias_ok(alias))
            return pkg_err_set(errp, PKG_EINVAL,
                               "validation: dependency \"%s\" has disallowed characters in the "
                               "alias",
                               str_of(d, "name"));
        const char *key = *alias ? alias : str_of(d, "name");
        for (size_t j = 0; j < i; j++) {
            struct val *o = val_seq_at(deps, j);
            const char *ok = *str_of(o, "alias") ? str_of(o, "alias") : str_of(o, "name");
            if (!strcmp(ok, key))
                return pkg_err_set(errp, PKG_EINVAL,
                                   "validation: more than one dependency with name or alias "
                                   "\"%s\"",
                                   key);
        }
    }
    return 0;
}
