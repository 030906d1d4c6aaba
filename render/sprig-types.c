/* Sprig's reflection functions (reflect.go): typeOf, typeIs, typeIsLike,
 * kindOf, kindIs and deepEqual, with the names Go's %T and reflect.Kind
 * print. */
#include "render/sprig.h"

#include <string.h>

static int
fn_type_of(struct tmpl_call *c, struct val **out)
{
    *out = tmpl_mkstrz(c, tmpl_typename(c->argv[0]));
    return 0;
}

static bool
str_is(const struct val *s, const char *t)
{
    size_t n = strlen(t);
    return s->u.s.len == n && !memcmp(s->u.s.ptr, t, n);
}

static int
fn_type_is(struct tmpl_call *c, struct val **out)
{
    *out = tmpl_mkbool(c, str_is(c->argv[0], tmpl_typename(c->argv[1])));
    return 0;
}

static int
fn_type_is_like(struct tmpl_call *c, struct val **out)
{
    const struct val *target = c->argv[0];
    const char *t = tmpl_typename(c->argv[1]);
    bool like = str_is(target, t) || (t[0] == '*' && target->u.s.len == strlen(t) - 1 &&
                                      !memcmp(target->u.s.ptr, t + 1, target->u.s.len));
    *out = tmpl_mkbool(c, like);
    return 0;
}

static int
fn_kind_of(struct tmpl_call *c, struct val **out)
{
    *out = tmpl_mkstrz(c, tmpl_kindname(c->argv[0]));
    return 0;
}

static int
fn_kind_is(struct tmpl_call *c, struct val **out)
{
    *out = tmpl_mkbool(c, str_is(c->argv[0], tmpl_kindname(c->argv[1])));
    return 0;
}

static int
fn_deep_equal(struct tmpl_call *c, struct val **out)
{
    *out = tmpl_mkbool(c, sprig_deep_equal(c->argv[0], c->argv[1]));
    return 0;
}

const struct tmpl_func tmpl_funcs_sprig_types[] = {
    {"typeOf", fn_type_of, "func(interface {}) string"},
    {"typeIs", fn_type_is, "func(string, interface {}) bool"},
    {"typeIsLike", fn_type_is_like, "func(string, interface {}) bool"},
    {"kindOf", fn_kind_of, "func(interface {}) string"},
    {"kindIs", fn_kind_is, "func(string, interface {}) bool"},
    {"deepEqual", fn_deep_equal, "func(interface {}, interface {}) bool"},
    {NULL, NULL, NULL},
};
