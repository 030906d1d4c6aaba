/* Chart.yaml: decoding into chart.Metadata the way Helm does it through
 * sigs.k8s.io/yaml (YAML -> JSON -> encoding/json into the struct), and
 * Metadata.Validate.
 *
 * sigs.k8s.io/yaml knows the target struct while converting, so a number
 * or boolean written where Go expects a string becomes a string: ints in
 * decimal, floats with strconv.FormatFloat(f, 'g', -1, 32) — that is why
 * `version: 1.10` reads as "1.1". Field names match case-insensitively as
 * encoding/json does, applying the JSON object's keys in sorted order. Type
 * mismatches give encoding/json's first UnmarshalTypeError. */
#include "chart/chart-int.h"
#include "core/semver.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "core/yaml.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
chart_format_float32(struct sb *sb, double d)
{
    float f = (float)d;
    if (isnan(f)) {
        sb_addstr(sb, "NaN");
        return;
    }
    if (isinf(f)) {
        sb_addstr(sb, f > 0 ? "+Inf" : "-Inf");
        return;
    }
    if (f == 0) {
        sb_addstr(sb, signbit(f) ? "-0" : "0");
        return;
    }
    char buf[64];
    int prec;
    for (prec = 1; prec <= 9; prec++) {
        snprintf(buf, sizeof(buf), "%.*e", prec - 1, (double)f);
        if (strtof(buf, NULL) == f)
            break;
    }
    /* buf: [-]d[.ddd]e[+-]XX */
    bool neg = buf[0] == '-';
    const char *p = buf + neg;
    char digs[16];
    int nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digs[nd++] = *p;
    int exp = atoi(p + 1);
    while (nd > 1 && digs[nd - 1] == '0')
        nd--;
    if (neg)
        sb_addch(sb, '-');
    if (exp < -4 || exp >= 6) {
        sb_addch(sb, digs[0]);
        if (nd > 1) {
            sb_addch(sb, '.');
            sb_add(sb, digs + 1, (size_t)nd - 1);
        }
        sb_addf(sb, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
        return;
    }
    int dp = exp + 1; /* digits before the point */
    if (dp <= 0) {
        sb_addstr(sb, "0.");
        sb_addchn(sb, '0', (size_t)-dp);
        sb_add(sb, digs, (size_t)nd);
    } else if (dp >= nd) {
        sb_add(sb, digs, (size_t)nd);
        sb_addchn(sb, '0', (size_t)(dp - nd));
    } else {
        sb_add(sb, digs, (size_t)dp);
        sb_addch(sb, '.');
        sb_add(sb, digs + dp, (size_t)(nd - dp));
    }
}

const char *
chart_go_type(const struct val *v)
{
    if (!v)
        return "nil";
    switch (v->kind) {
    case VAL_NULL:
        return "nil";
    case VAL_BOOL:
        return "bool";
    case VAL_INT:
        return "int64";
    case VAL_FLOAT:
        return "float64";
    case VAL_STRING:
        return "string";
    case VAL_SEQ:
        return "[]interface {}";
    case VAL_MAP:
        return "map[string]interface {}";
    default:
        return "interface {}";
    }
}

/* The JSON type name encoding/json reports. */
static const char *
json_kind(const struct val *v)
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

struct dec {
    struct arena *a;
    struct pkg_err *first; /* encoding/json keeps the first type error */
};

static void
type_error(struct dec *d, const struct val *v, const char *strct, const char *field,
           const char *gotype)
{
    if (d->first)
        return;
    pkg_err_set(&d->first, PKG_EINVAL,
                "json: cannot unmarshal %s into Go struct field %s.%s of type %s", json_kind(v),
                strct, field, gotype);
}

/* A scalar converted for a string target, or NULL with a type error. */
static const char *
dec_string(struct dec *d, const struct val *v, const char *strct, const char *field)
{
    struct sb sb = SB_INIT;
    const char *out = NULL;
    switch (v->kind) {
    case VAL_STRING:
        return arena_strndup(d->a, v->u.s.ptr, v->u.s.len);
    case VAL_INT:
        return arena_sprintf(d->a, "%lld", (long long)v->u.i);
    case VAL_FLOAT:
        chart_format_float32(&sb, v->u.f);
        out = arena_strdup(d->a, sb.buf);
        sb_release(&sb);
        return out;
    case VAL_BOOL:
        return v->u.b ? "true" : "false";
    default:
        type_error(d, v, strct, field, "string");
        return NULL;
    }
}

/* Sets *dst from v unless v is null (JSON null leaves the field alone). */
static void
set_string(struct dec *d, const char **dst, const struct val *v, const char *strct,
           const char *field)
{
    if (v->kind == VAL_NULL)
        return;
    const char *s = dec_string(d, v, strct, field);
    if (s)
        *dst = s;
}

static void
set_strings(struct dec *d, const char ***dst, size_t *n, const struct val *v, const char *strct,
            const char *field)
{
    if (v->kind == VAL_NULL) {
        *dst = NULL;
        *n = 0;
        return;
    }
    if (v->kind != VAL_SEQ) {
        type_error(d, v, strct, field, "[]string");
        return;
    }
    size_t len = val_seq_len(v);
    const char **out = arena_alloc(d->a, (len + 1) * sizeof(*out));
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        const struct val *it = val_seq_at(v, i);
        if (it->kind == VAL_NULL) {
            out[k++] = "";
            continue;
        }
        const char *s = dec_string(d, it, strct, field);
        out[k++] = s ? s : "";
    }
    *dst = out;
    *n = k;
}

static void
set_bool(struct dec *d, bool *dst, const struct val *v, const char *strct, const char *field)
{
    if (v->kind == VAL_NULL)
        return;
    if (v->kind != VAL_BOOL) {
        type_error(d, v, strct, field, "bool");
        return;
    }
    *dst = v->u.b;
}

/* Keys of a map in sorted order (encoding/json sees the object sigs.k8s.io
 * made from a Go map, which json.Marshal sorts). */
static struct val_mapent *
sorted(struct dec *d, const struct val *m)
{
    return val_map_sorted(d->a, m);
}

static bool
key_is(const struct val *k, const char *name)
{
    return k->u.s.len == strlen(name) && !strncasecmp(k->u.s.ptr, name, k->u.s.len);
}

static struct chart_maintainer *
dec_maintainer(struct dec *d, const struct val *v)
{
    if (v->kind == VAL_NULL)
        return NULL;
    struct chart_maintainer *m = arena_alloc(d->a, sizeof(*m));
    m->name = m->email = m->url = "";
    if (v->kind != VAL_MAP) {
        type_error(d, v, "Metadata", "maintainers", "chart.Maintainer");
        return m;
    }
    struct val_mapent *e = sorted(d, v);
    for (size_t i = 0; i < val_map_len(v); i++) {
        if (key_is(e[i].key, "name"))
            set_string(d, &m->name, e[i].v, "Maintainer", "maintainers.name");
        else if (key_is(e[i].key, "email"))
            set_string(d, &m->email, e[i].v, "Maintainer", "maintainers.email");
        else if (key_is(e[i].key, "url"))
            set_string(d, &m->url, e[i].v, "Maintainer", "maintainers.url");
    }
    return m;
}

static struct chart_dep *
dec_dep(struct dec *d, const struct val *v, const char *field)
{
    if (v->kind == VAL_NULL)
        return NULL;
    struct chart_dep *dep = arena_alloc(d->a, sizeof(*dep));
    dep->name = dep->version = dep->repository = dep->condition = dep->alias = "";
    if (v->kind != VAL_MAP) {
        type_error(d, v, "Metadata", field, "chart.Dependency");
        return dep;
    }
    struct val_mapent *e = sorted(d, v);
    char f[64];
    for (size_t i = 0; i < val_map_len(v); i++) {
        const struct val *x = e[i].v;
        const struct val *k = e[i].key;
#define FLD(n) (snprintf(f, sizeof(f), "%s.%s", field, n), f)
        if (key_is(k, "name"))
            set_string(d, &dep->name, x, "Dependency", FLD("name"));
        else if (key_is(k, "version"))
            set_string(d, &dep->version, x, "Dependency", FLD("version"));
        else if (key_is(k, "repository"))
            set_string(d, &dep->repository, x, "Dependency", FLD("repository"));
        else if (key_is(k, "condition"))
            set_string(d, &dep->condition, x, "Dependency", FLD("condition"));
        else if (key_is(k, "alias"))
            set_string(d, &dep->alias, x, "Dependency", FLD("alias"));
        else if (key_is(k, "tags"))
            set_strings(d, &dep->tags, &dep->ntags, x, "Dependency", FLD("tags"));
        else if (key_is(k, "enabled"))
            set_bool(d, &dep->enabled, x, "Dependency", FLD("enabled"));
        else if (key_is(k, "import-values")) {
            if (x->kind == VAL_NULL)
                dep->import_values = NULL;
            else if (x->kind != VAL_SEQ)
                type_error(d, x, "Dependency", FLD("import-values"), "[]interface {}");
            else
                dep->import_values = val_copy(d->a, x);
        }
#undef FLD
    }
    return dep;
}

void
chart_meta_init(struct chart_meta *md)
{
    memset(md, 0, sizeof(*md));
    md->name = md->home = md->version = md->description = md->icon = md->api_version =
        md->condition = md->tags = md->app_version = md->kube_version = md->type = "";
}

static void
dec_meta(struct dec *d, struct chart_meta *md, const struct val *v)
{
    struct val_mapent *e = sorted(d, v);
    for (size_t i = 0; i < val_map_len(v); i++) {
        const struct val *k = e[i].key;
        const struct val *x = e[i].v;
        static const struct {
            const char *key;
            size_t off;
        } strs[] = {
            {"name", offsetof(struct chart_meta, name)},
            {"home", offsetof(struct chart_meta, home)},
            {"version", offsetof(struct chart_meta, version)},
            {"description", offsetof(struct chart_meta, description)},
            {"icon", offsetof(struct chart_meta, icon)},
            {"apiVersion", offsetof(struct chart_meta, api_version)},
            {"condition", offsetof(struct chart_meta, condition)},
            {"tags", offsetof(struct chart_meta, tags)},
            {"appVersion", offsetof(struct chart_meta, app_version)},
            {"kubeVersion", offsetof(struct chart_meta, kube_version)},
            {"type", offsetof(struct chart_meta, type)},
        };
        bool done = false;
        for (size_t j = 0; j < sizeof(strs) / sizeof(strs[0]); j++) {
            if (key_is(k, strs[j].key)) {
                set_string(d, (const char **)((char *)md + strs[j].off), x, "Metadata",
                           strs[j].key);
                done = true;
                break;
            }
        }
        if (done)
            continue;
        if (key_is(k, "sources")) {
            set_strings(d, &md->sources, &md->nsources, x, "Metadata", "sources");
        } else if (key_is(k, "keywords")) {
            set_strings(d, &md->keywords, &md->nkeywords, x, "Metadata", "keywords");
        } else if (key_is(k, "deprecated")) {
            set_bool(d, &md->deprecated, x, "Metadata", "deprecated");
        } else if (key_is(k, "maintainers")) {
            if (x->kind == VAL_NULL) {
                md->maintainers = NULL;
                md->nmaintainers = 0;
            } else if (x->kind != VAL_SEQ) {
                type_error(d, x, "Metadata", "maintainers", "[]*chart.Maintainer");
            } else {
                size_t n = val_seq_len(x);
                md->maintainers = arena_alloc(d->a, (n + 1) * sizeof(*md->maintainers));
                for (size_t j = 0; j < n; j++)
                    md->maintainers[j] = dec_maintainer(d, val_seq_at(x, j));
                md->nmaintainers = n;
            }
        } else if (key_is(k, "dependencies")) {
            if (x->kind == VAL_NULL) {
                md->deps = NULL;
                md->ndeps = 0;
                md->has_deps = false;
            } else if (x->kind != VAL_SEQ) {
                type_error(d, x, "Metadata", "dependencies", "[]*chart.Dependency");
            } else {
                size_t n = val_seq_len(x);
                md->deps = arena_alloc(d->a, (n + 1) * sizeof(*md->deps));
                for (size_t j = 0; j < n; j++)
                    md->deps[j] = dec_dep(d, val_seq_at(x, j), "dependencies");
                md->ndeps = n;
                md->has_deps = true;
            }
        } else if (key_is(k, "annotations")) {
            if (x->kind == VAL_NULL) {
                md->annotations = NULL;
            } else if (x->kind != VAL_MAP) {
                type_error(d, x, "Metadata", "annotations", "map[string]string");
            } else {
                /* Decoding into an existing map adds to it, as Go does. */
                if (!md->annotations)
                    md->annotations = val_map(d->a);
                for (size_t j = 0; j < val_map_len(x); j++) {
                    const struct val *av = x->u.map.ents[j].v;
                    const struct val *ak = x->u.map.ents[j].key;
                    if (av->kind == VAL_NULL) {
                        val_map_set(d->a, md->annotations, ak->u.s.ptr, ak->u.s.len,
                                    val_strz(d->a, ""));
                        continue;
                    }
                    const char *s = dec_string(d, av, "Metadata", "annotations");
                    if (s)
                        val_map_set(d->a, md->annotations, ak->u.s.ptr, ak->u.s.len,
                                    val_strz(d->a, s));
                }
            }
        }
    }
}

int
chart_meta_decode(struct chart_meta *md, struct arena *a, const char *data, size_t len,
                  const char *what, struct pkg_err **errp)
{
    struct val *doc = NULL;
    /* sigs.k8s.io/yaml.Unmarshal: the first document only */
    struct val_yaml_opts yo = {.dialect = VAL_YAML_HELM,
                               .allow_duplicate_keys = true,
                               .first_doc_only = true,
                               .goyaml_errors = true};
    int rc = val_yaml_load(&doc, a, data, len, arena_strdup(a, what), &yo, errp);
    if (rc)
        return pkg_err_wrap(errp, "error converting YAML to JSON");
    if (doc->kind == VAL_NULL)
        return 0;
    if (doc->kind != VAL_MAP)
        return pkg_err_set(errp, PKG_EINVAL,
                           "error unmarshaling JSON: while decoding JSON: json: cannot "
                           "unmarshal %s into Go value of type chart.Metadata",
                           json_kind(doc));
    struct dec d = {.a = a};
    dec_meta(&d, md, doc);
    if (d.first) {
        pkg_err_set(errp, PKG_EINVAL, "error unmarshaling JSON: while decoding JSON: %s",
                    d.first->msg);
        pkg_err_free(d.first);
        return PKG_EINVAL;
    }
    return 0;
}

/* ---- validation ---- */

static bool
is_space_rune(int32_t r)
{
    switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
        return true;
    }
    return r >= 0x2000 && r <= 0x200A;
}

/* unicode.IsPrint, approximated: controls, format characters, surrogates,
 * private use and noncharacters are not printable. */
static bool
is_print_rune(int32_t r)
{
    if (r < 0x20 || (r >= 0x7F && r < 0xA0))
        return false;
    if (r == 0xAD || (r >= 0x600 && r <= 0x605) || r == 0x61C || r == 0x6DD || r == 0x70F ||
        r == 0x180E || (r >= 0x200B && r <= 0x200F) || (r >= 0x202A && r <= 0x202E) ||
        (r >= 0x2060 && r <= 0x206F) || r == 0xFEFF || (r >= 0xFFF9 && r <= 0xFFFB))
        return false;
    if ((r >= 0xD800 && r <= 0xF8FF) || r >= 0xF0000 || (r >= 0xE0000 && r <= 0xE007F))
        return false;
    if ((r & 0xFFFE) == 0xFFFE)
        return false;
    return true;
}

static const char *
sanitize(struct arena *a, const char *s)
{
    size_t n = strlen(s);
    bool clean = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7F) {
            clean = false;
            break;
        }
    }
    if (clean)
        return s;
    struct sb sb = SB_INIT;
    for (size_t i = 0; i < n;) {
        size_t w;
        int32_t r = utf8_rune(s + i, n - i, &w);
        if (is_space_rune(r)) {
            sb_addch(&sb, ' ');
        } else if (is_print_rune(r)) {
            if (r == 0xFFFD && w == 1)
                sb_addstr(&sb, "\xEF\xBF\xBD");
            else
                sb_add(&sb, s + i, w);
        }
        i += w;
    }
    const char *out = arena_strdup(a, sb.buf);
    sb_release(&sb);
    return out;
}

static bool
alias_ok(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

int
chart_meta_validate(struct arena *a, struct chart_meta *md, struct pkg_err **errp)
{
    md->name = sanitize(a, md->name);
    md->description = sanitize(a, md->description);
    md->home = sanitize(a, md->home);
    md->icon = sanitize(a, md->icon);
    md->condition = sanitize(a, md->condition);
    md->tags = sanitize(a, md->tags);
    md->app_version = sanitize(a, md->app_version);
    md->kube_version = sanitize(a, md->kube_version);
    for (size_t i = 0; i < md->nsources; i++)
        md->sources[i] = sanitize(a, md->sources[i]);
    for (size_t i = 0; i < md->nkeywords; i++)
        md->keywords[i] = sanitize(a, md->keywords[i]);

    if (!*md->api_version)
        return pkg_err_set(errp, PKG_EINVAL, "validation: chart.metadata.apiVersion is required");
    if (!*md->name)
        return pkg_err_set(errp, PKG_EINVAL, "validation: chart.metadata.name is required");
    /* filepath.Base(name) != name exactly when the name holds a slash. */
    if (strchr(md->name, '/'))
        return pkg_err_set(errp, PKG_EINVAL, "validation: chart.metadata.name \"%s\" is invalid",
                           md->name);
    if (!*md->version)
        return pkg_err_set(errp, PKG_EINVAL, "validation: chart.metadata.version is required");
    struct semver sv;
    if (semver_parse(&sv, md->version, false, NULL))
        return pkg_err_set(errp, PKG_EINVAL, "validation: chart.metadata.version \"%s\" is invalid",
                           md->version);
    semver_release(&sv);
    if (*md->type && strcmp(md->type, "application") && strcmp(md->type, "library"))
        return pkg_err_set(errp, PKG_EINVAL,
                           "validation: chart.metadata.type must be application or library");
    for (size_t i = 0; i < md->nmaintainers; i++) {
        struct chart_maintainer *m = md->maintainers[i];
        if (!m)
            return pkg_err_set(errp, PKG_EINVAL,
                               "validation: maintainers must not contain empty or null nodes");
        m->name = sanitize(a, m->name);
        m->email = sanitize(a, m->email);
        m->url = sanitize(a, m->url);
    }
    for (size_t i = 0; i < md->ndeps; i++) {
        struct chart_dep *dep = md->deps[i];
        if (!dep)
            return pkg_err_set(errp, PKG_EINVAL,
                               "validation: dependencies must not contain empty or null nodes");
        dep->name = sanitize(a, dep->name);
        dep->version = sanitize(a, dep->version);
        dep->repository = sanitize(a, dep->repository);
        dep->condition = sanitize(a, dep->condition);
        for (size_t j = 0; j < dep->ntags; j++)
            dep->tags[j] = sanitize(a, dep->tags[j]);
        if (*dep->alias && !alias_ok(dep->alias))
            return pkg_err_set(
                errp, PKG_EINVAL,
                "validation: dependency \"%s\" has disallowed characters in the alias", dep->name);
        const char *key = *dep->alias ? dep->alias : dep->name;
        for (size_t j = 0; j < i; j++) {
            const char *k2 = *md->deps[j]->alias ? md->deps[j]->alias : md->deps[j]->name;
            if (!strcmp(key, k2))
                return pkg_err_set(errp, PKG_EINVAL,
                                   "validation: more than one dependency with name or alias \"%s\"",
                                   key);
        }
    }
    return 0;
}

/* ---- Chart.lock ---- */

/* time.Time's JSON round trip of an RFC 3339 text: the same instant
 * printed RFC3339Nano (trailing zeros of the fraction dropped). */
static const char *
rfc3339_nano(struct arena *a, const char *s)
{
    size_t n = strlen(s);
    if (n < 20)
        return NULL;
    for (int i = 0; i < 19; i++) {
        bool digit = s[i] >= '0' && s[i] <= '9';
        if ((i == 4 || i == 7)     ? s[i] != '-'
            : i == 10              ? s[i] != 'T'
            : (i == 13 || i == 16) ? s[i] != ':'
                                   : !digit)
            return NULL;
    }
    size_t i = 19;
    const char *frac = "";
    size_t fl = 0;
    if (s[i] == '.') {
        frac = s + i + 1;
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, fl++;
        if (fl == 0)
            return NULL;
    }
    const char *zone = s + i;
    if (!(strcmp(zone, "Z") == 0 ||
          (strlen(zone) == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':')))
        return NULL;
    while (fl && frac[fl - 1] == '0')
        fl--;
    if (fl > 9)
        fl = 9;
    if (!strcmp(zone, "+00:00") || !strcmp(zone, "-00:00"))
        zone = "Z";
    if (fl)
        return arena_sprintf(a, "%.19s.%.*s%s", s, (int)fl, frac, zone);
    return arena_sprintf(a, "%.19s%s", s, zone);
}

int
chart_lock_decode(struct val **out, struct arena *a, const char *data, size_t len, const char *what,
                  struct pkg_err **errp)
{
    struct val *doc = NULL;
    /* sigs.k8s.io/yaml.Unmarshal: the first document only */
    struct val_yaml_opts yo = {.dialect = VAL_YAML_HELM,
                               .allow_duplicate_keys = true,
                               .first_doc_only = true,
                               .goyaml_errors = true};
    int rc = val_yaml_load(&doc, a, data, len, arena_strdup(a, what), &yo, errp);
    if (rc)
        return pkg_err_wrap(errp, "error converting YAML to JSON");
    struct val *m = val_map(a);
    const char *generated = "0001-01-01T00:00:00Z", *digest = "";
    struct val *deps = val_null(a);
    if (doc->kind == VAL_MAP) {
        struct dec d = {.a = a};
        struct val_mapent *e = sorted(&d, doc);
        for (size_t i = 0; i < val_map_len(doc); i++) {
            const struct val *x = e[i].v;
            if (key_is(e[i].key, "generated") && x->kind != VAL_NULL) {
                const char *s = x->kind == VAL_STRING ? x->u.s.ptr : NULL;
                const char *norm = s ? rfc3339_nano(a, s) : NULL;
                if (!norm)
                    return pkg_err_set(errp, PKG_EINVAL,
                                       "error unmarshaling JSON: while decoding JSON: parsing "
                                       "time \"%s\" as \"2006-01-02T15:04:05Z07:00\": cannot parse",
                                       s ? s : "");
                generated = norm;
            } else if (key_is(e[i].key, "digest")) {
                set_string(&d, &digest, x, "Lock", "digest");
            } else if (key_is(e[i].key, "dependencies")) {
                if (x->kind == VAL_SEQ) {
                    deps = val_seq(a);
                    for (size_t j = 0; j < val_seq_len(x); j++)
                        val_seq_push(
                            a, deps,
                            chart_dep_to_val(a, dec_dep(&d, val_seq_at(x, j), "dependencies")));
                } else if (x->kind != VAL_NULL) {
                    type_error(&d, x, "Lock", "dependencies", "[]*chart.Dependency");
                }
            }
        }
        if (d.first) {
            pkg_err_set(errp, PKG_EINVAL, "error unmarshaling JSON: while decoding JSON: %s",
                        d.first->msg);
            pkg_err_free(d.first);
            return PKG_EINVAL;
        }
    }
    val_map_setz(a, m, "generated", val_strz(a, generated));
    val_map_setz(a, m, "digest", val_strz(a, digest));
    val_map_setz(a, m, "dependencies", deps);
    *out = m;
    return 0;
}
