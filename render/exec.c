/* The template executor: Go's text/template/exec.go over render's parse
 * trees and core value trees. It keeps reflection's distinctions where a
 * template can see them: a missing value versus a nil interface versus a
 * concrete value (struct tmpl_value), Go's types for assignability and
 * messages, method calls on objects, and Go's error texts with the
 * template name, position and failing node.
 *
 * Errors propagate as negative return codes with the message in the shared
 * state; {{break}} and {{continue}} as positive codes up to their range. */
#include "render/exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

enum { EX_OK = 0, EX_BREAK = 1, EX_CONTINUE = 2 };

/* ---- errors ---- */

/* ErrorContext: "NAME:LINE:COL" (COL is a 0-based byte offset) and the
 * node's text; n is a node of the tree whose text is src. */
static void
error_context(struct sb *loc, struct sb *ctx, const struct tmpl_src *src, const struct tmpl_node *n)
{
    size_t pos = n->pos <= src->len ? n->pos : src->len;
    size_t line = 1, last_nl = (size_t)-1;
    for (size_t i = 0; i < pos; i++) {
        if (src->text[i] == '\n') {
            line++;
            last_nl = i;
        }
    }
    size_t col = last_nl == (size_t)-1 ? pos : pos - (last_nl + 1);
    sb_addf(loc, "%s:%zu:%zu", src->name, line, col);
    tmpl_node_string(ctx, n);
}

int
tmpl_exec_errorf(struct tmpl_exec *x, const char *fmt, ...)
{
    struct sb sb = SB_INIT;
    const char *name = x->tmpl ? x->tmpl->name : "";
    if (!x->node || !x->tmpl) {
        sb_addf(&sb, "template: %s: ", name);
    } else {
        struct sb loc = SB_INIT, ctx = SB_INIT;
        error_context(&loc, &ctx, x->tmpl->src, x->node);
        sb_addf(&sb, "template: %s: executing ", loc.buf);
        tmpl_quote(&sb, name, strlen(name));
        sb_addf(&sb, " at <%s>: ", ctx.buf);
        sb_release(&loc);
        sb_release(&ctx);
    }
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(&sb, fmt, ap);
    va_end(ap);
    x->sh->err = arena_strndup(x->a, sb.buf, sb.len);
    if (!x->sh->errcode)
        x->sh->errcode = PKG_EINVAL;
    sb_release(&sb);
    return x->sh->errcode;
}

/* A node's String() in the arena, for messages. */
static const char *
nstr(struct tmpl_exec *x, const struct tmpl_node *n)
{
    struct sb sb = SB_INIT;
    tmpl_node_string(&sb, n);
    char *s = arena_strndup(x->a, sb.buf, sb.len);
    sb_release(&sb);
    return s;
}

static const char *
qstr(struct tmpl_exec *x, const char *s)
{
    struct sb sb = SB_INIT;
    tmpl_quote(&sb, s, strlen(s));
    char *r = arena_strndup(x->a, sb.buf, sb.len);
    sb_release(&sb);
    return r;
}

/* %v of a value, for messages. */
static const char *
vstr(struct tmpl_exec *x, struct tmpl_value v)
{
    struct sb sb = SB_INIT;
    if (!v.v)
        sb_addstr(&sb, "<invalid reflect.Value>");
    else
        tmpl_fmt_v(&sb, v.v);
    char *r = arena_strndup(x->a, sb.buf, sb.len);
    sb_release(&sb);
    return r;
}

/* reflect's Type().String() of a value as the executor holds it. */
static const char *
xtype(struct tmpl_value v)
{
    if (v.iface)
        return "interface {}";
    return tmpl_typename(v.v);
}

/* ---- variables ---- */

static void
push_var(struct tmpl_exec *x, const char *name, struct tmpl_value v)
{
    struct tmpl_varstack *vs = &x->set->vars;
    if (x->nvars == vs->cap) {
        size_t nc = vs->cap ? vs->cap * 2 : 64;
        vs->v = xrealloc(vs->v, nc * sizeof(*vs->v));
        vs->cap = nc;
    }
    vs->v[x->nvars].name = name;
    vs->v[x->nvars].value = v;
    x->nvars++;
}

static struct tmpl_var *
find_var(struct tmpl_exec *x, const char *name)
{
    struct tmpl_var *v = x->set->vars.v;
    for (size_t i = x->nvars; i-- > x->vbase;)
        if (v[i].name == name || !strcmp(v[i].name, name))
            return &v[i];
    return NULL;
}

static int
set_var(struct tmpl_exec *x, const char *name, struct tmpl_value v)
{
    struct tmpl_var *var = find_var(x, name);
    if (!var)
        return tmpl_exec_errorf(x, "undefined variable: %s", name);
    var->value = v;
    return 0;
}

static int
var_value(struct tmpl_exec *x, const char *name, struct tmpl_value *out)
{
    const struct tmpl_var *var = find_var(x, name);
    if (!var)
        return tmpl_exec_errorf(x, "undefined variable: %s", name);
    *out = var->value;
    return 0;
}

/* ---- values ---- */

static const struct tmpl_value NOVALUE = {NULL, false};

static struct tmpl_value
concrete(struct val *v)
{
    struct tmpl_value r = {v, false};
    return r;
}

/* Drops the interface wrapper (evalPipeline's Elem of an interface{}). */
static struct tmpl_value
unwrap_iface(struct tmpl_value v)
{
    if (v.iface) {
        v.iface = false;
        if (v.v && v.v->kind == VAL_NULL)
            v.v = NULL;
    }
    return v;
}

bool
tmpl_value_truth(struct tmpl_value v)
{
    if (!v.v)
        return false;
    return tmpl_truth(v.v);
}

/* Element type of a map or list value: interface{} (elements are iface)
 * or a concrete type. */
static bool
elems_are_iface(const struct val *c)
{
    switch (c->gotype) {
    case VAL_GO_STRINGS:
    case VAL_GO_INTS:
    case VAL_GO_STRMAP:
    case TMPL_GO_LISTS:
    case TMPL_GO_MAPS:
    case TMPL_GO_MAINTAINERS:
    case TMPL_GO_DEPENDENCIES:
        return false;
    default:
        return true;
    }
}

/* The zero value of a map's element type (missingkey=zero). */
static struct tmpl_value
map_zero(struct tmpl_exec *x, const struct val *m)
{
    struct tmpl_value r;
    if (m->gotype == VAL_GO_STRMAP) {
        r.v = val_str_nocopy(x->a, "", 0);
        r.iface = false;
    } else {
        r.v = &tmpl_nil;
        r.iface = true;
    }
    return r;
}

static int walk(struct tmpl_exec *x, struct tmpl_value dot, const struct tmpl_node *n);
static int eval_pipeline(struct tmpl_exec *x, struct tmpl_value dot, const struct tmpl_node *pipe,
                         struct tmpl_value *out);
static int eval_arg(struct tmpl_exec *x, struct tmpl_value dot, int typ, const struct tmpl_node *n,
                    struct tmpl_value *out);

/* ---- output ---- */

static int
write_out(struct tmpl_exec *x, const char *p, size_t n)
{
    if (x->out->len + n > x->sh->max_output) {
        x->sh->errcode = PKG_ELIMIT;
        return tmpl_exec_errorf(x, "output exceeds the limit of %zu bytes", x->sh->max_output);
    }
    sb_add(x->out, p, n);
    return 0;
}

static int
print_value(struct tmpl_exec *x, const struct tmpl_node *n, struct tmpl_value v)
{
    x->node = n;
    if (!v.v)
        return write_out(x, "<no value>", 10);
    if (v.iface && v.v->kind == VAL_NULL)
        return write_out(x, "<nil>", 5);
    size_t before = x->out->len;
    if (v.v->kind == VAL_STRING && v.v->gotype != VAL_GO_BYTES)
        return write_out(x, v.v->u.s.ptr, v.v->u.s.len);
    tmpl_fmt_overflow = false;
    tmpl_fmt_print_top(x->out, v.v);
    if (tmpl_fmt_overflow) {
        tmpl_fmt_overflow = false;
        sb_setlen(x->out, before);
        x->sh->errcode = PKG_ELIMIT;
        return tmpl_exec_errorf(x, "%s", TMPL_FMT_OVERFLOW_MSG);
    }
    if (x->out->len > x->sh->max_output) {
        sb_setlen(x->out, before);
        return write_out(x, "", x->sh->max_output + 1);
    }
    return 0;
}

/* ---- type checks (validateType) ---- */

const char *
tmpl_type_name(int typ)
{
    switch (typ) {
    case TMPL_T_ANY:
        return "interface {}";
    case TMPL_T_VALUE:
        return "reflect.Value";
    case TMPL_T_STRING:
        return "string";
    case TMPL_T_BOOL:
        return "bool";
    case TMPL_T_INT:
        return "int";
    case TMPL_T_INT64:
        return "int64";
    case TMPL_T_UINT32:
        return "uint32";
    case TMPL_T_FLOAT64:
        return "float64";
    case TMPL_T_LIST:
        return "[]interface {}";
    case TMPL_T_STRINGS:
        return "[]string";
    case TMPL_T_INTS:
        return "[]int";
    case TMPL_T_BYTES:
        return "[]uint8";
    case TMPL_T_MAP:
        return "map[string]interface {}";
    case TMPL_T_STRMAP:
        return "map[string]string";
    case TMPL_T_TIME:
        return "time.Time";
    case TMPL_T_DURATION:
        return "time.Duration";
    case TMPL_T_ERROR:
        return "error";
    default:
        return tmpl_obj_param_name(typ);
    }
}

static bool
can_be_nil(int typ)
{
    switch (typ) {
    case TMPL_T_ANY:
    case TMPL_T_VALUE:
    case TMPL_T_LIST:
    case TMPL_T_STRINGS:
    case TMPL_T_INTS:
    case TMPL_T_BYTES:
    case TMPL_T_MAP:
    case TMPL_T_STRMAP:
    case TMPL_T_ERROR:
        return true;
    default:
        return typ >= TMPL_T_OBJ && tmpl_obj_param_name(typ)[0] == '*';
    }
}

/* Is a concrete value assignable to the type? */
static bool
assignable(const struct val *v, int typ)
{
    switch (typ) {
    case TMPL_T_ANY:
    case TMPL_T_VALUE:
        return true;
    case TMPL_T_STRING:
        return v->kind == VAL_STRING && v->gotype == VAL_GO_AUTO;
    case TMPL_T_BOOL:
        return v->kind == VAL_BOOL;
    case TMPL_T_INT:
        return v->kind == VAL_INT && v->gotype == VAL_GO_AUTO;
    case TMPL_T_INT64:
        return v->kind == VAL_INT && v->gotype == VAL_GO_INT64;
    case TMPL_T_UINT32:
        return false;
    case TMPL_T_FLOAT64:
        return v->kind == VAL_FLOAT && v->gotype == VAL_GO_AUTO;
    case TMPL_T_LIST:
        return v->kind == VAL_SEQ && v->gotype == VAL_GO_AUTO;
    case TMPL_T_STRINGS:
        return v->kind == VAL_SEQ && v->gotype == VAL_GO_STRINGS;
    case TMPL_T_INTS:
        return v->kind == VAL_SEQ && v->gotype == VAL_GO_INTS;
    case TMPL_T_BYTES:
        return v->kind == VAL_STRING && v->gotype == VAL_GO_BYTES;
    case TMPL_T_MAP:
        return v->kind == VAL_MAP && (v->gotype == VAL_GO_AUTO || v->gotype == VAL_GO_VALUES);
    case TMPL_T_STRMAP:
        return v->kind == VAL_MAP && v->gotype == VAL_GO_STRMAP;
    case TMPL_T_TIME:
        return v->kind == VAL_OBJ && !strcmp(v->u.obj.type->name, "time.Time");
    case TMPL_T_DURATION:
        return v->kind == VAL_INT && v->gotype == TMPL_GO_DURATION;
    default:
        if (typ >= TMPL_T_OBJ && v->kind == VAL_OBJ) {
            /* the type itself, or a pointer to it (Go dereferences once) */
            const char *want = tmpl_obj_param_name(typ), *have = v->u.obj.type->name;
            return !strcmp(have, want) || (have[0] == '*' && !strcmp(have + 1, want));
        }
        return false;
    }
}

/* Go's zero value of a nillable type: a nil map or slice is an empty
 * collection of the type marked VAL_F_NIL. */
static struct val *
zero_of(struct tmpl_exec *x, int typ)
{
    struct val *v;
    switch (typ) {
    case TMPL_T_LIST:
    case TMPL_T_STRINGS:
    case TMPL_T_INTS:
        v = val_seq(x->a);
        v->gotype = typ == TMPL_T_STRINGS ? VAL_GO_STRINGS
                    : typ == TMPL_T_INTS  ? VAL_GO_INTS
                                          : VAL_GO_AUTO;
        return tmpl_mark_nil(v);
    case TMPL_T_MAP:
    case TMPL_T_STRMAP:
        v = val_map(x->a);
        v->gotype = typ == TMPL_T_STRMAP ? VAL_GO_STRMAP : VAL_GO_AUTO;
        return tmpl_mark_nil(v);
    case TMPL_T_BYTES:
        v = val_str_nocopy(x->a, "", 0);
        v->gotype = VAL_GO_BYTES;
        return v;
    default:
        return &tmpl_nil;
    }
}

static int
validate_type(struct tmpl_exec *x, struct tmpl_value value, int typ, struct tmpl_value *out)
{
    if (typ < 0) { /* no type: as is */
        *out = value;
        return 0;
    }
    if (!value.v) {
        if (can_be_nil(typ)) {
            if (typ == TMPL_T_VALUE) {
                *out = NOVALUE;
            } else {
                out->v = zero_of(x, typ);
                out->iface = typ == TMPL_T_ANY;
            }
            return 0;
        }
        return tmpl_exec_errorf(x, "invalid value; expected %s", tmpl_type_name(typ));
    }
    if (typ == TMPL_T_VALUE) {
        *out = value;
        return 0;
    }
    if (value.iface) {
        if (typ == TMPL_T_ANY) {
            *out = value;
            return 0;
        }
        if (value.v->kind != VAL_NULL) {
            value.iface = false;
            if (assignable(value.v, typ)) {
                *out = value;
                return 0;
            }
        } else {
            return tmpl_exec_errorf(x, "wrong type for value; expected %s; got interface {}",
                                    tmpl_type_name(typ));
        }
    }
    if (!assignable(value.v, typ))
        return tmpl_exec_errorf(x, "wrong type for value; expected %s; got %s", tmpl_type_name(typ),
                                tmpl_typename(value.v));
    *out = value;
    return 0;
}

/* ---- constants ---- */

static bool
is_hex_int(const char *s, size_t n)
{
    if (n <= 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == 'p' || s[i] == 'P')
            return false;
    return true;
}

static int
ideal_constant(struct tmpl_exec *x, const struct tmpl_node *c, struct tmpl_value *out)
{
    x->node = c;
    if (c->u.cval) {
        *out = concrete(c->u.cval);
        return 0;
    }
    const struct tmpl_number *n = &c->u.number->num;
    const char *t = c->u.number->text;
    size_t len = c->u.number->len;
    if (n->is_complex)
        return tmpl_exec_errorf(x, "complex constants are not supported: %s", t);
    bool has_fexp = false;
    for (size_t i = 0; i < len; i++)
        if (strchr(".eEpP", t[i]))
            has_fexp = true;
    if (n->is_float && !is_hex_int(t, len) && !(len > 0 && t[0] == '\'') && has_fexp) {
        *out = concrete(val_float(x->a, n->f));
        return 0;
    }
    if (n->is_int) {
        *out = concrete(val_int(x->a, n->i));
        return 0;
    }
    if (n->is_uint)
        return tmpl_exec_errorf(x, "%s overflows int", t);
    *out = NOVALUE;
    return 0;
}

/* ---- fields and methods ---- */

static int eval_call(struct tmpl_exec *x, struct tmpl_value dot, const struct tmpl_func *fn,
                     const struct tmpl_method *method, const struct val *recv,
                     const struct tmpl_sig *sig, bool builtin, const struct tmpl_node *node,
                     const char *name, const struct tmpl_nodelist *args, uint32_t argoff,
                     const struct tmpl_value *final, struct tmpl_value *out);

static const struct tmpl_method *
find_method(const struct val *v, const char *name)
{
    const struct tmpl_method *ms = NULL;
    if (v->kind == VAL_MAP) {
        if (v->gotype != VAL_GO_VALUES)
            return NULL; /* plain maps have no methods */
        ms = tmpl_values_methods;
    } else if (v->kind == VAL_OBJ) {
        const struct tmpl_objtype *ot = tmpl_objtype_of(v);
        if (ot)
            ms = ot->methods;
    }
    if (!ms)
        return NULL;
    for (const struct tmpl_method *m = ms; m->name; m++)
        if (m->name[0] == name[0] && !strcmp(m->name, name))
            return m;
    return NULL;
}

static int
eval_field(struct tmpl_exec *x, struct tmpl_value dot, const char *field,
           const struct tmpl_node *node, const struct tmpl_nodelist *args,
           const struct tmpl_value *final, struct tmpl_value receiver, struct tmpl_value *out)
{
    if (!receiver.v) {
        if (x->set->opts.missingkey == TMPL_MISSINGKEY_ERROR)
            return tmpl_exec_errorf(x, "nil data; no entry for key %s", qstr(x, field));
        *out = NOVALUE;
        return 0;
    }
    struct val *r = receiver.v;
    if (r->kind == VAL_NULL)
        return tmpl_exec_errorf(x, "nil pointer evaluating %s.%s", xtype(receiver), field);

    const struct tmpl_method *m = find_method(r, field);
    if (m) {
        return eval_call(x, dot, NULL, m, r, tmpl_method_sig(m), false, node, field, args, 0, final,
                         out);
    }
    bool has_args = (args && args->n > 1) || final;
    if (r->kind == VAL_MAP) {
        if (has_args)
            return tmpl_exec_errorf(x, "%s is not a method but has arguments", field);
        struct val *e = val_map_getz(r, field);
        if (!e) {
            switch (x->set->opts.missingkey) {
            case TMPL_MISSINGKEY_DEFAULT:
                *out = NOVALUE;
                return 0;
            case TMPL_MISSINGKEY_ZERO:
                *out = map_zero(x, r);
                return 0;
            case TMPL_MISSINGKEY_ERROR:
                return tmpl_exec_errorf(x, "map has no entry for key %s", qstr(x, field));
            }
        }
        out->v = e;
        out->iface = elems_are_iface(r);
        return 0;
    }
    const struct tmpl_objtype *ot = tmpl_objtype_of(r);
    if (ot && ot->field) {
        struct val *fv = NULL;
        int rc = ot->field(&fv, x->a, r, field);
        if (rc == 0) {
            if (ot->kind == TMPL_OBJ_MAP) {
                if (has_args)
                    return tmpl_exec_errorf(x, "%s is not a method but has arguments", field);
            } else if (has_args) {
                return tmpl_exec_errorf(x, "%s has arguments but cannot be invoked as function",
                                        field);
            }
            out->v = fv ? fv : &tmpl_nil;
            out->iface = false;
            return 0;
        }
    }
    return tmpl_exec_errorf(x, "can't evaluate field %s in type %s", field, xtype(receiver));
}

static int
eval_field_chain(struct tmpl_exec *x, struct tmpl_value dot, struct tmpl_value receiver,
                 const struct tmpl_node *node, const char **ident, uint32_t n,
                 const struct tmpl_nodelist *args, const struct tmpl_value *final,
                 struct tmpl_value *out)
{
    for (uint32_t i = 0; i + 1 < n; i++) {
        int rc = eval_field(x, dot, ident[i], node, NULL, NULL, receiver, &receiver);
        if (rc)
            return rc;
    }
    return eval_field(x, dot, ident[n - 1], node, args, final, receiver, out);
}

static int
not_a_function(struct tmpl_exec *x, const struct tmpl_nodelist *args,
               const struct tmpl_value *final)
{
    if ((args && args->n > 1) || final)
        return tmpl_exec_errorf(x, "can't give argument to non-function %s", nstr(x, args->v[0]));
    return 0;
}

static int
eval_field_node(struct tmpl_exec *x, struct tmpl_value dot, const struct tmpl_node *field,
                const struct tmpl_nodelist *args, const struct tmpl_value *final,
                struct tmpl_value *out)
{
    x->node = field;
    return eval_field_chain(x, dot, dot, field, field->u.field.ident, field->u.field.n, args, final,
                            out);
}

static int
eval_variable_node(struct tmpl_exec *x, struct tmpl_value dot, const struct tmpl_node *var,
                   const struct tmpl_nodelist *args, const struct tmpl_value *final,
                   struct tmpl_value *out)
{
    x->node = var;
    struct tmpl_value value;
    int rc = var_value(x, var->u.field.ident[0], &value);
    if (rc)
        return rc;
    if (var->u.field.n == 1) {
        rc = not_a_function(x, args, final);
        if (rc)
            return rc;
        *out = value;
        return 0;
    }
    return eval_field_chain(x, dot, value, var, var->u.field.ident + 1, var->u.field.n - 1, args,
                            final, out);
}

static int
eval_function(struct tmpl_exec *x, struct tmpl_value dot, const struct tmpl_node *ident,
              const struct tmpl_node *cmd, const struct tmpl_nodelist *args,
              const struct tmpl_value *final, struct tmpl_value *out)
{
    x->node = ident;
    if (!ident->u.ident.fn)
        return tmpl_exec_errorf(x, "%s is not a defined function", qstr(x, ident->u.ident.name));
    return eval_call(x, dot, ident->u.ident.fn, NULL, NULL, ident->u.ident.sig, ident->builtin, cmd,
                     ident->u.ident.name, args, 1, final, out);
}

static int
eval_chain_node(struct tmpl_exec *x, struct tmpl_value dot, const struct tmpl_node *chain,
                const struct tmpl_nodelist *args, const struct tmpl_value *final,
                struct tmpl_value *out)
{
    x->node = chain;
    if (chain->u.chain.nfield == 0)
        return tmpl_exec_errorf(x, "internal error: no fields in evalChainNode");
    if (chain->u.chain.node->type == TMPL_NODE_NIL)
        return tmpl_exec_errorf(x, "indirection through explicit nil in %s", nstr(x, chain));
    struct tmpl_value pipe;
    int rc = eval_arg(x, dot, -1, chain->u.chain.node, &pipe);
    if (rc)
        return rc;
    return eval_field_chain(x, dot, pipe, chain, chain->u.chain.field, chain->u.chain.nfield, args,
                            final, out);
}

/* ---- arguments ---- */

static int
eval_empty_interface(struct tmpl_exec *x, struct tmpl_value dot, const struct tmpl_node *n,
                     struct tmpl_value *out)
{
    x->node = n;
    switch (n->type) {
    case TMPL_NODE_BOOL:
        *out = concrete(n->u.cval);
        return 0;
    case TMPL_NODE_DOT:
        *out = dot;
        return 0;
    case TMPL_NODE_FIELD:
        return eval_field_node(x, dot, n, NULL, NULL, out);
    case TMPL_NODE_IDENTIFIER:
        return eval_function(x, dot, n, n, NULL, NULL, out);
    case TMPL_NODE_NIL:
        return tmpl_exec_errorf(x, "evalEmptyInterface: nil (can't happen)");
    case TMPL_NODE_NUMBER:
        return ideal_constant(x, n, out);
    case TMPL_NODE_STRING:
        *out = concrete(n->u.cval);
        return 0;
    case TMPL_NODE_VARIABLE:
        return eval_variable_node(x, dot, n, NULL, NULL, out);
    case TMPL_NODE_PIPE:
        return eval_pipeline(x, dot, n, out);
    default:
        return tmpl_exec_errorf(x, "can't handle assignment of %s to empty interface argument",
                                nstr(x, n));
    }
}

/* evalArg; typ -1 means no type (evalChainNode's nil type). */
static int
eval_arg(struct tmpl_exec *x, struct tmpl_value dot, int typ, const struct tmpl_node *n,
         struct tmpl_value *out)
{
    x->node = n;
    struct tmpl_value v;
    int rc;
    switch (n->type) {
    case TMPL_NODE_DOT:
        return validate_type(x, dot, typ, out);
    case TMPL_NODE_NIL:
        if (typ >= 0 && can_be_nil(typ)) {
            if (typ == TMPL_T_VALUE) {
                *out = NOVALUE;
            } else {
                out->v = zero_of(x, typ);
                out->iface = typ == TMPL_T_ANY;
            }
            return 0;
        }
        return tmpl_exec_errorf(x, "cannot assign nil to %s",
                                typ < 0 ? "<nil>" : tmpl_type_name(typ));
    case TMPL_NODE_FIELD: {
        struct tmpl_nodelist one = {(struct tmpl_node **)&n, 1};
        rc = eval_field_node(x, dot, n, &one, NULL, &v);
        return rc ? rc : validate_type(x, v, typ, out);
    }
    case TMPL_NODE_VARIABLE:
        rc = eval_variable_node(x, dot, n, NULL, NULL, &v);
        return rc ? rc : validate_type(x, v, typ, out);
    case TMPL_NODE_PIPE:
        rc = eval_pipeline(x, dot, n, &v);
        return rc ? rc : validate_type(x, v, typ, out);
    case TMPL_NODE_IDENTIFIER:
        rc = eval_function(x, dot, n, n, NULL, NULL, &v);
        return rc ? rc : validate_type(x, v, typ, out);
    case TMPL_NODE_CHAIN:
        rc = eval_chain_node(x, dot, n, NULL, NULL, &v);
        return rc ? rc : validate_type(x, v, typ, out);
    default:
        break;
    }
    const struct tmpl_number *num = n->type == TMPL_NODE_NUMBER ? &n->u.number->num : NULL;
    switch (typ) {
    case TMPL_T_BOOL:
        if (n->type == TMPL_NODE_BOOL) {
            *out = concrete(n->u.cval);
            return 0;
        }
        return tmpl_exec_errorf(x, "expected bool; found %s", nstr(x, n));
    case TMPL_T_FLOAT64:
        if (num && num->is_float) {
            /* the node's constant when it is this float64 (read-only, shared) */
            if (n->u.cval && n->u.cval->kind == VAL_FLOAT) {
                *out = concrete(n->u.cval);
                return 0;
            }
            *out = concrete(val_float(x->a, num->f));
            return 0;
        }
        return tmpl_exec_errorf(x, "expected float; found %s", nstr(x, n));
    case TMPL_T_INT:
    case TMPL_T_INT64:
    case TMPL_T_DURATION:
        if (num && num->is_int) {
            if (typ == TMPL_T_INT && n->u.cval && n->u.cval->kind == VAL_INT) {
                *out = concrete(n->u.cval); /* the same int, made at parse time */
                return 0;
            }
            struct val *iv = val_int(x->a, num->i);
            if (typ == TMPL_T_INT64)
                iv->gotype = VAL_GO_INT64;
            else if (typ == TMPL_T_DURATION)
                iv->gotype = TMPL_GO_DURATION;
            *out = concrete(iv);
            return 0;
        }
        return tmpl_exec_errorf(x, "expected integer; found %s", nstr(x, n));
    case TMPL_T_UINT32:
        if (num && num->is_uint) {
            struct val *iv = val_int(x->a, (int64_t)(uint32_t)num->u);
            iv->gotype = VAL_GO_UINT;
            *out = concrete(iv);
            return 0;
        }
        return tmpl_exec_errorf(x, "expected unsigned integer; found %s", nstr(x, n));
    case TMPL_T_ANY:
        rc = eval_empty_interface(x, dot, n, &v);
        if (rc)
            return rc;
        *out = v;
        return 0;
    case TMPL_T_VALUE:
        return eval_empty_interface(x, dot, n, out);
    case TMPL_T_STRING:
        if (n->type == TMPL_NODE_STRING) {
            *out = concrete(n->u.cval);
            return 0;
        }
        return tmpl_exec_errorf(x, "expected string; found %s", nstr(x, n));
    default:
        break;
    }
    return tmpl_exec_errorf(x, "can't handle %s for arg of type %s", nstr(x, n),
                            typ < 0 ? "<nil>" : tmpl_type_name(typ));
}

/* ---- calls ---- */

struct val tmpl_nil = {.kind = VAL_NULL, .flags = VAL_F_READONLY};

static int
eval_call(struct tmpl_exec *x, struct tmpl_value dot, const struct tmpl_func *fn,
          const struct tmpl_method *method, const struct val *recv, const struct tmpl_sig *sig,
          bool builtin, const struct tmpl_node *node, const char *name,
          const struct tmpl_nodelist *args, uint32_t argoff, const struct tmpl_value *final,
          struct tmpl_value *out)
{
    /* args->v[0] is the function or field node itself. */
    size_t nargs = args && args->n > 0 ? args->n - 1 : 0;
    (void)argoff;
    const struct tmpl_node *const *argn =
        nargs ? (const struct tmpl_node *const *)args->v + 1 : NULL;
    size_t num_in = nargs + (final ? 1 : 0);
    size_t num_fixed = nargs;
    if (sig->variadic) {
        num_fixed = sig->nin - 1u;
        if (num_in < num_fixed)
            return tmpl_exec_errorf(x, "wrong number of args for %s: want at least %d got %zu",
                                    name, sig->nin - 1, nargs);
    } else if (num_in != sig->nin) {
        return tmpl_exec_errorf(x, "wrong number of args for %s: want %d got %zu", name, sig->nin,
                                num_in);
    }
    if (sig->bad_results) {
        if (sig->nout > 2)
            return tmpl_exec_errorf(x, "function %s has %d return values; should be 1 or 2", name,
                                    sig->nout);
        return tmpl_exec_errorf(
            x, "invalid function signature for %s: second return value should be error; is %s",
            name, sig->bad2);
    }

    if (builtin &&
        ((name[0] == 'a' && !strcmp(name, "and")) || (name[0] == 'o' && !strcmp(name, "or")))) {
        bool is_or = name[0] == 'o';
        struct tmpl_value v = NOVALUE;
        for (size_t i = 0; i < nargs; i++) {
            int rc = eval_arg(x, dot, TMPL_T_VALUE, argn[i], &v);
            if (rc)
                return rc;
            if (tmpl_value_truth(v) == is_or) {
                *out = v;
                return 0;
            }
        }
        if (final)
            v = *final;
        *out = v;
        return 0;
    }

    struct tmpl_value xbuf[16];
    struct val *vbuf[16];
    struct tmpl_value *xargv = xbuf;
    struct val **argv = vbuf;
    size_t total = num_in + 1;
    if (total > 16) {
        xargv = arena_alloc(x->a, total * sizeof(*xargv));
        argv = arena_alloc(x->a, total * sizeof(*argv));
    }
    size_t i = 0;
    for (; i < num_fixed && i < nargs; i++) {
        int rc = eval_arg(x, dot, sig->in[i], argn[i], &xargv[i]);
        if (rc)
            return rc;
    }
    if (sig->variadic) {
        int et = sig->in[sig->nin - 1];
        for (; i < nargs; i++) {
            int rc = eval_arg(x, dot, et, argn[i], &xargv[i]);
            if (rc)
                return rc;
        }
    }
    if (final) {
        int t = sig->nin ? sig->in[sig->nin - 1] : TMPL_T_ANY;
        if (sig->variadic && num_in - 1 < num_fixed)
            t = sig->in[num_in - 1];
        int rc = validate_type(x, *final, t, &xargv[i]);
        if (rc)
            return rc;
        i++;
    }
    for (size_t k = 0; k < num_in; k++) {
        struct val *v = xargv[k].v;
        if (!v && sig->in[k < sig->nin ? k : (size_t)sig->nin - 1] != TMPL_T_VALUE)
            v = &tmpl_nil;
        argv[k] = v;
    }

    struct tmpl_call c;
    memset(&c, 0, sizeof(c));
    c.a = x->a;
    c.name = name;
    c.argc = num_in;
    c.argv = argv;
    c.xargv = xargv;
    c.x = x;
    c.node = node;
    if (builtin && name[0] == 'c' && !strcmp(name, "call")) {
        /* call's first argument names the callee by its node text. */
        c.callee = nargs ? nstr(x, argn[0]) : "";
    }
    struct val *res = NULL;
    tmpl_fmt_overflow = false;
    int rc = method ? method->fn(&c, recv, &res) : fn->fn(&c, &res);
    if (tmpl_fmt_overflow && !rc) {
        tmpl_fmt_overflow = false;
        rc = tmpl_fail_code(&c, PKG_ELIMIT, "%s", TMPL_FMT_OVERFLOW_MSG);
    }
    if (rc) {
        if (x->sh->err && x->sh->errcode == PKG_ELIMIT && !c.errmsg)
            return rc;
        x->node = node;
        int code = rc;
        const char *msg = c.errmsg ? c.errmsg : "failed";
        x->sh->errcode = code == PKG_EFAIL || code == PKG_ELIMIT ? code : PKG_EINVAL;
        return tmpl_exec_errorf(x, "error calling %s: %s", name, msg);
    }
    if (sig->out == TMPL_T_VALUE) {
        *out = c.xret;
    } else {
        out->v = res ? res : &tmpl_nil;
        out->iface = sig->out == TMPL_T_ANY;
    }
    return 0;
}

/* ---- commands and pipelines ---- */

static int
eval_command(struct tmpl_exec *x, struct tmpl_value dot, const struct tmpl_node *cmd,
             const struct tmpl_value *final, struct tmpl_value *out)
{
    const struct tmpl_node *first = cmd->u.args.v[0];
    switch (first->type) {
    case TMPL_NODE_FIELD:
        return eval_field_node(x, dot, first, &cmd->u.args, final, out);
    case TMPL_NODE_CHAIN:
        return eval_chain_node(x, dot, first, &cmd->u.args, final, out);
    case TMPL_NODE_IDENTIFIER:
        return eval_function(x, dot, first, cmd, &cmd->u.args, final, out);
    case TMPL_NODE_PIPE: {
        int rc = not_a_function(x, &cmd->u.args, final);
        return rc ? rc : eval_pipeline(x, dot, first, out);
    }
    case TMPL_NODE_VARIABLE:
        return eval_variable_node(x, dot, first, &cmd->u.args, final, out);
    default:
        break;
    }
    x->node = first;
    int rc = not_a_function(x, &cmd->u.args, final);
    if (rc)
        return rc;
    switch (first->type) {
    case TMPL_NODE_BOOL:
        *out = concrete(first->u.cval);
        return 0;
    case TMPL_NODE_DOT:
        *out = dot;
        return 0;
    case TMPL_NODE_NIL:
        return tmpl_exec_errorf(x, "nil is not a command");
    case TMPL_NODE_NUMBER:
        return ideal_constant(x, first, out);
    case TMPL_NODE_STRING:
        *out = concrete(first->u.cval);
        return 0;
    default:
        return tmpl_exec_errorf(x, "can't evaluate command %s", qstr(x, nstr(x, first)));
    }
}

static int
eval_pipeline(struct tmpl_exec *x, struct tmpl_value dot, const struct tmpl_node *pipe,
              struct tmpl_value *out)
{
    if (!pipe) {
        *out = NOVALUE;
        return 0;
    }
    x->node = pipe;
    struct tmpl_value value = NOVALUE;
    bool have = false;
    for (uint32_t i = 0; i < pipe->u.pipe.cmds.n; i++) {
        struct tmpl_value prev = value;
        int rc = eval_command(x, dot, pipe->u.pipe.cmds.v[i], have ? &prev : NULL, &value);
        if (rc)
            return rc;
        have = true;
        value = unwrap_iface(value);
    }
    for (uint32_t i = 0; i < pipe->u.pipe.decl.n; i++) {
        const char *name = pipe->u.pipe.decl.v[i]->u.field.ident[0];
        if (pipe->is_assign) {
            int rc = set_var(x, name, value);
            if (rc)
                return rc;
        } else {
            push_var(x, name, value);
        }
    }
    *out = value;
    return 0;
}

/* ---- control structures ---- */

static int
step(struct tmpl_exec *x)
{
    if (x->sh->max_steps && ++x->sh->steps > x->sh->max_steps) {
        x->sh->errcode = PKG_ELIMIT;
        return tmpl_exec_errorf(x, "execution exceeds the limit of %zu steps", x->sh->max_steps);
    }
    if (tmpl_stack_low(x->sh)) {
        x->sh->errcode = PKG_ELIMIT;
        return tmpl_exec_errorf(x, "exceeded maximum template depth (%u)", x->sh->max_depth);
    }
    return 0;
}

static int
walk_if_or_with(struct tmpl_exec *x, bool is_with, struct tmpl_value dot, const struct tmpl_node *n)
{
    size_t mark = x->nvars;
    struct tmpl_value val;
    int rc = eval_pipeline(x, dot, n->u.branch.pipe, &val);
    if (rc)
        return rc;
    struct tmpl_value iv = unwrap_iface(val);
    if (tmpl_value_truth(iv))
        rc = walk(x, is_with ? val : dot, n->u.branch.list);
    else if (n->u.branch.elselist)
        rc = walk(x, dot, n->u.branch.elselist);
    x->nvars = mark;
    return rc;
}

static int
one_iteration(struct tmpl_exec *x, const struct tmpl_node *r, size_t mark, struct val *key,
              uint32_t i, struct tmpl_value elem)
{
    const struct tmpl_node *pipe = r->u.branch.pipe;
    uint32_t nd = pipe->u.pipe.decl.n;
    int rc;
    /* The index (a map's key, a list's position) is made only when a
     * variable takes it. */
    struct tmpl_value index = NOVALUE;
    if (nd > 1)
        index = concrete(key ? key : val_int(x->a, i));
    if (nd > 0) {
        if (pipe->is_assign) {
            rc = set_var(x, pipe->u.pipe.decl.v[0]->u.field.ident[0], nd > 1 ? index : elem);
            if (rc)
                return rc;
        } else {
            x->set->vars.v[x->nvars - 1].value = elem;
        }
    }
    if (nd > 1) {
        if (pipe->is_assign) {
            rc = set_var(x, pipe->u.pipe.decl.v[1]->u.field.ident[0], elem);
            if (rc)
                return rc;
        } else {
            x->set->vars.v[x->nvars - 2].value = index;
        }
    }
    rc = walk(x, elem, r->u.branch.list);
    x->nvars = mark;
    if (rc == EX_CONTINUE)
        rc = EX_OK;
    return rc;
}

static int
walk_range(struct tmpl_exec *x, struct tmpl_value dot, const struct tmpl_node *r)
{
    x->node = r;
    size_t mark0 = x->nvars;
    struct tmpl_value val;
    int rc = eval_pipeline(x, dot, r->u.branch.pipe, &val);
    if (rc)
        return rc;
    val = unwrap_iface(val);
    size_t mark = x->nvars;
    struct val *v = val.v;
    bool ran = false;
    if (!v) {
        /* an invalid value acts like an empty map */
    } else if (v->kind == VAL_SEQ ||
               /* Go 1.23 (helm 3.17) cannot range over ints */ v->kind == VAL_MAP ||
               (v->kind == VAL_OBJ && tmpl_objtype_of(v) &&
                (tmpl_objtype_of(v)->kind == TMPL_OBJ_MAP ||
                 tmpl_objtype_of(v)->kind == TMPL_OBJ_SLICE))) {
        struct val *c = v;
        if (v->kind == VAL_OBJ)
            c = v->u.obj.type->to_val ? v->u.obj.type->to_val(x->a, v) : NULL;
        if (c && c->kind == VAL_SEQ) {
            bool ifc = elems_are_iface(c);
            for (uint32_t i = 0; i < c->u.seq.len; i++) {
                ran = true;
                struct tmpl_value e = {c->u.seq.items[i], ifc};
                rc = one_iteration(x, r, mark, NULL, i, e);
                if (rc)
                    break;
            }
        } else if (c && c->kind == VAL_MAP && c->u.map.len > 0) {
            bool ifc = elems_are_iface(c);
            struct val_mapent *ents = val_map_sorted(x->a, c);
            uint32_t n = c->u.map.len;
            for (uint32_t i = 0; i < n; i++) {
                ran = true;
                struct tmpl_value e = {ents[i].v, ifc};
                rc = one_iteration(x, r, mark, ents[i].key, i, e);
                if (rc)
                    break;
            }
        }
    } else if (v->kind == VAL_NULL) {
        /* a nil map or slice */
    } else {
        return tmpl_exec_errorf(x, "range can't iterate over %s", vstr(x, val));
    }
    if (rc == EX_BREAK)
        rc = EX_OK;
    if (rc) {
        x->nvars = mark0;
        return rc;
    }
    if (!ran && r->u.branch.elselist)
        rc = walk(x, dot, r->u.branch.elselist);
    x->nvars = mark0;
    return rc;
}

static int
walk_template(struct tmpl_exec *x, struct tmpl_value dot, const struct tmpl_node *t)
{
    x->node = t;
    struct tmpl_tree *tree = tmpl_ns_lookup(x->ns, t->u.tmpl.name);
    if (!tree)
        return tmpl_exec_errorf(x, "template %s not defined", qstr(x, t->u.tmpl.name));
    if (x->depth >= x->sh->max_depth)
        return tmpl_exec_errorf(x, "exceeded maximum template depth (%u)", x->sh->max_depth);
    struct tmpl_value ndot;
    int rc = eval_pipeline(x, dot, t->u.tmpl.pipe, &ndot);
    if (rc)
        return rc;
    struct tmpl_exec nx = *x;
    nx.depth++;
    nx.tmpl = tree;
    nx.vbase = x->nvars;
    push_var(&nx, "$", ndot);
    rc = walk(&nx, ndot, tree->root);
    return rc;
}

static int
walk(struct tmpl_exec *x, struct tmpl_value dot, const struct tmpl_node *n)
{
    x->node = n;
    int rc;
    switch (n->type) {
    case TMPL_NODE_ACTION: {
        if ((rc = step(x)))
            return rc;
        struct tmpl_value val;
        rc = eval_pipeline(x, dot, n->u.action, &val);
        if (rc)
            return rc;
        if (n->u.action->u.pipe.decl.n == 0)
            return print_value(x, n, val);
        return 0;
    }
    case TMPL_NODE_BREAK:
        return EX_BREAK;
    case TMPL_NODE_CONTINUE:
        return EX_CONTINUE;
    case TMPL_NODE_COMMENT:
        return 0;
    case TMPL_NODE_IF:
    case TMPL_NODE_WITH:
        if ((rc = step(x)))
            return rc;
        return walk_if_or_with(x, n->type == TMPL_NODE_WITH, dot, n);
    case TMPL_NODE_LIST:
        for (uint32_t i = 0; i < n->u.list.n; i++) {
            rc = walk(x, dot, n->u.list.v[i]);
            if (rc)
                return rc;
        }
        return 0;
    case TMPL_NODE_RANGE:
        if ((rc = step(x)))
            return rc;
        return walk_range(x, dot, n);
    case TMPL_NODE_TEMPLATE:
        if ((rc = step(x)))
            return rc;
        return walk_template(x, dot, n);
    case TMPL_NODE_TEXT:
        return write_out(x, n->u.text.p, n->u.text.n);
    default:
        return tmpl_exec_errorf(x, "unknown node: %s", nstr(x, n));
    }
}

/* ---- entry points ---- */

int
tmpl_exec_run(struct tmpl_exec_shared *sh, struct tmpl_set *set, struct tmpl_ns *ns,
              const char *root_name, const char *name, struct tmpl_value data, struct sb *out)
{
    struct tmpl_tree *tree = tmpl_ns_lookup(ns, name);
    if (!tree) {
        struct sb sb = SB_INIT;
        sb_addstr(&sb, "template: no template ");
        tmpl_quote(&sb, name, strlen(name));
        sb_addstr(&sb, " associated with template ");
        tmpl_quote(&sb, root_name, strlen(root_name));
        sh->err = arena_strndup(set->a, sb.buf, sb.len);
        sh->errcode = PKG_ENOENT;
        sh->exec_error = false;
        sb_release(&sb);
        return PKG_ENOENT;
    }
    struct tmpl_exec x;
    memset(&x, 0, sizeof(x));
    x.set = set;
    x.sh = sh;
    x.ns = ns;
    x.a = set->a;
    x.out = out;
    x.tmpl = tree;
    x.vbase = x.nvars = sh->var_base;
    push_var(&x, "$", data);
    int rc = walk(&x, data, tree->root);
    if (rc > 0)
        rc = 0; /* break/continue cannot escape a range (parse checks) */
    if (rc < 0)
        sh->exec_error = true;
    return rc;
}

/* ---- calls back into the executor ---- */

int
tmpl_call_execute(struct tmpl_call *c, const char *name, const struct val *dot, struct sb *out)
{
    struct tmpl_exec *x = c->x;
    struct tmpl_exec_shared sub = *x->sh;
    sub.err = NULL;
    sub.errcode = 0;
    sub.var_base = x->nvars;
    struct tmpl_value d = {(struct val *)dot, false};
    if (dot && dot->kind == VAL_NULL)
        d.v = NULL;
    int rc = tmpl_exec_run(&sub, x->set, x->ns, x->sh->root_name, name, d, out);
    x->sh->steps = sub.steps;
    if (rc) {
        c->errmsg = sub.err;
        return sub.errcode ? sub.errcode : rc;
    }
    return 0;
}

const struct tmpl_set_opts *
tmpl_call_opts(const struct tmpl_call *c)
{
    return &c->x->set->opts;
}

int
tmpl_call_tpl(struct tmpl_call *c, const char *text, size_t len, const struct val *dot,
              struct sb *out)
{
    struct tmpl_exec *x = c->x;
    if (x->sh->tpl_depth >= TMPL_TPL_MAX_DEPTH) {
        /* unwound unwrapped to the outermost tpl, which reports it */
        x->sh->err = arena_sprintf(x->a, "tpl nested more than %d levels deep", TMPL_TPL_MAX_DEPTH);
        x->sh->errcode = PKG_ELIMIT;
        return PKG_ELIMIT;
    }
    if (!memmem(text, len, "{{", 2) && out->len <= x->sh->max_output &&
        len <= x->sh->max_output - out->len) {
        /* No action (Helm's delimiters are Go's): the template is one text
         * node, which prints itself; no need to parse and execute it. */
        size_t start = out->len;
        sb_add(out, text, len);
        tmpl_remove_no_value(out, start);
        return 0;
    }
    struct tmpl_ns layer;
    memset(&layer, 0, sizeof(layer));
    struct pkg_err *err = NULL;
    const char *root = x->sh->root_name;
    /* Helm executes the template its Parse returned, also when the text is
     * empty and the name's old (non-empty) tree stays in the map: parse
     * with no parent so that the new root is installed in the layer even
     * then (an outer tpl's root would otherwise run again, forever). */
    int rc = tmpl_parse(&layer, x->a, x->set->opts.funcs, x->set->opts.skip_func_check, root, text,
                        len, &err);
    layer.parent = x->ns;
    if (rc) {
        struct sb sb = SB_INIT;
        sb_addstr(&sb, "cannot parse template ");
        tmpl_quote(&sb, text, len);
        sb_addf(&sb, ": %s", err->msg);
        c->errmsg = arena_strndup(x->a, sb.buf, sb.len);
        sb_release(&sb);
        pkg_err_free(err);
        tmpl_ns_release(&layer);
        return PKG_EINVAL;
    }
    struct tmpl_exec_shared sub = *x->sh;
    sub.err = NULL;
    sub.errcode = 0;
    sub.tpl_depth++;
    sub.var_base = x->nvars;
    struct tmpl_value d = {(struct val *)dot, false};
    if (dot && dot->kind == VAL_NULL)
        d.v = NULL;
    size_t start = out->len;
    rc = tmpl_exec_run(&sub, x->set, &layer, root, root, d, out);
    x->sh->steps = sub.steps;
    tmpl_ns_release(&layer);
    if (rc && sub.errcode == PKG_ELIMIT && sub.err) {
        /* A limit (tpl nesting, the C stack, steps, output) passes through
         * the inner tpl calls unwrapped, so that a message does not grow
         * with every level (quadratic in the depth); the outermost tpl
         * call reports it as its error. */
        if (x->sh->tpl_depth == 0) {
            c->errmsg = sub.err;
        } else {
            x->sh->err = sub.err;
            c->errmsg = NULL;
        }
        x->sh->errcode = PKG_ELIMIT;
        return PKG_ELIMIT;
    }
    if (rc) {
        struct sb sb = SB_INIT;
        sb_addstr(&sb, "error during tpl function execution for ");
        tmpl_quote(&sb, text, len);
        sb_addf(&sb, ": %s", sub.err ? sub.err : "failed");
        c->errmsg = arena_strndup(x->a, sb.buf, sb.len);
        sb_release(&sb);
        return sub.errcode == PKG_EFAIL || sub.errcode == PKG_ELIMIT ? sub.errcode : PKG_EINVAL;
    }
    tmpl_remove_no_value(out, start);
    return 0;
}

void
tmpl_remove_no_value(struct sb *sb, size_t start)
{
    static const char nv[] = "<no value>";
    const size_t nvl = sizeof(nv) - 1;
    char *p = sb->buf + start;
    char *end = sb->buf + sb->len;
    char *w = memmem(p, (size_t)(end - p), nv, nvl);
    if (!w)
        return;
    char *dst = w;
    char *src = w;
    while (src < end) {
        char *hit = memmem(src, (size_t)(end - src), nv, nvl);
        if (!hit) {
            memmove(dst, src, (size_t)(end - src));
            dst += end - src;
            break;
        }
        memmove(dst, src, (size_t)(hit - src));
        dst += hit - src;
        src = hit + nvl;
    }
    sb_setlen(sb, (size_t)(dst - sb->buf));
}
