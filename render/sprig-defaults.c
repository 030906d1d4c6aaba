/* Sprig's defaults.go: default, empty, coalesce, all, any, ternary and the
 * JSON functions Helm leaves to Sprig (toPrettyJson, toRawJson and the
 * must* forms; Helm's own toJson and fromJson are in helm-funcs.c). JSON
 * goes through core's encoding/json-compatible emitter and loader. */
#include "render/sprig.h"

#include <string.h>

#include "core/json.h"

static int
fn_default(struct tmpl_call *c, struct val **out)
{
    if (c->argc < 2 || sprig_empty(c->argv[1]))
        *out = c->argv[0];
    else
        *out = c->argv[1];
    return 0;
}

static int
fn_empty(struct tmpl_call *c, struct val **out)
{
    *out = tmpl_mkbool(c, sprig_empty(c->argv[0]));
    return 0;
}

static int
fn_coalesce(struct tmpl_call *c, struct val **out)
{
    for (size_t i = 0; i < c->argc; i++) {
        if (!sprig_empty(c->argv[i])) {
            *out = c->argv[i];
            return 0;
        }
    }
    *out = tmpl_mknil(c);
    return 0;
}

static int
fn_all(struct tmpl_call *c, struct val **out)
{
    bool r = true;
    for (size_t i = 0; i < c->argc && r; i++)
        r = !sprig_empty(c->argv[i]);
    *out = tmpl_mkbool(c, r);
    return 0;
}

static int
fn_any(struct tmpl_call *c, struct val **out)
{
    bool r = false;
    for (size_t i = 0; i < c->argc && !r; i++)
        r = !sprig_empty(c->argv[i]);
    *out = tmpl_mkbool(c, r);
    return 0;
}

static int
fn_ternary(struct tmpl_call *c, struct val **out)
{
    *out = tmpl_arg_bool(c, 2) ? c->argv[0] : c->argv[1];
    return 0;
}

/* json.Marshal and friends; returns 0 or the error message in *err */
static int
to_json(struct tmpl_call *c, int flags, struct val **out, const char **err)
{
    struct sb sb = SB_INIT;
    struct pkg_err *e = NULL;
    int rc = val_json_emit(&sb, c->argv[0], flags, &e);
    if (rc < 0) {
        *err = arena_strdup(c->a, e->msg);
        pkg_err_free(e);
        sb_release(&sb);
        return rc;
    }
    *out = tmpl_mkstr(c, sb.buf, sb.len);
    sb_release(&sb);
    return 0;
}

static int
fn_to_pretty_json(struct tmpl_call *c, struct val **out)
{
    const char *err;
    if (to_json(c, VAL_JSON_INDENT, out, &err) < 0)
        *out = tmpl_mkstr(c, "", 0);
    return 0;
}

static int
fn_to_raw_json(struct tmpl_call *c, struct val **out)
{
    /* Sprig panics here instead of swallowing the error */
    const char *err;
    if (to_json(c, VAL_JSON_NO_ESCAPE_HTML, out, &err) < 0)
        return tmpl_fail(c, "%s", err);
    return 0;
}

static int
must_json(struct tmpl_call *c, struct val **out, int flags)
{
    const char *err;
    if (to_json(c, flags, out, &err) < 0)
        return tmpl_fail(c, "%s", err);
    return 0;
}

static int
fn_must_to_json(struct tmpl_call *c, struct val **out)
{
    return must_json(c, out, VAL_JSON_COMPACT);
}

static int
fn_must_to_pretty_json(struct tmpl_call *c, struct val **out)
{
    return must_json(c, out, VAL_JSON_INDENT);
}

static int
fn_must_to_raw_json(struct tmpl_call *c, struct val **out)
{
    return must_json(c, out, VAL_JSON_NO_ESCAPE_HTML);
}

/* json.Unmarshal into interface{}: any JSON value, numbers as float64;
 * encoding/json's messages carry no position, so core's is dropped */
static int
fn_must_from_json(struct tmpl_call *c, struct val **out)
{
    size_t len;
    const char *s = tmpl_arg_str(c, 0, &len);
    static const char name[] = "<fromJson>";
    struct pkg_err *err = NULL;
    struct val *doc = NULL;
    if (val_json_load(&doc, c->a, s, len, name, NULL, &err) < 0) {
        const char *m = err->msg;
        if (!strncmp(m, name, sizeof(name) - 1)) {
            const char *r = strstr(m, ": ");
            if (r)
                m = r + 2;
        }
        int rc = tmpl_fail(c, "%s", m);
        pkg_err_free(err);
        return rc;
    }
    *out = doc ? doc : tmpl_mknil(c);
    return 0;
}

const struct tmpl_func tmpl_funcs_sprig_defaults[] = {
    {"default", fn_default, "func(interface {}, ...interface {}) interface {}"},
    {"empty", fn_empty, "func(interface {}) bool"},
    {"coalesce", fn_coalesce, "func(...interface {}) interface {}"},
    {"all", fn_all, "func(...interface {}) bool"},
    {"any", fn_any, "func(...interface {}) bool"},
    {"ternary", fn_ternary, "func(interface {}, interface {}, bool) interface {}"},
    {"toPrettyJson", fn_to_pretty_json, "func(interface {}) string"},
    {"toRawJson", fn_to_raw_json, "func(interface {}) string"},
    {"mustToJson", fn_must_to_json, "func(interface {}) (string, error)"},
    {"mustToPrettyJson", fn_must_to_pretty_json, "func(interface {}) (string, error)"},
    {"mustToRawJson", fn_must_to_raw_json, "func(interface {}) (string, error)"},
    {"mustFromJson", fn_must_from_json, "func(string) (interface {}, error)"},
    {NULL, NULL, NULL},
};
