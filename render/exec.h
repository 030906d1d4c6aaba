/* render's executor state (module-private): the set, one execution's
 * state and what nested executions (include, tpl) share. */
#ifndef PKG_RENDER_EXEC_H
#define PKG_RENDER_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render/funcs.h"
#include "render/render.h"
#include "render/tree.h"

struct tmpl_var {
    const char *name;
    struct tmpl_value value;
};

/* The variables of every execution running on a set, one stack: a
 * template call or include starts its scope at the caller's top (Go gives
 * each template a fresh variable list) and drops it on return. Heap
 * memory, reused across executions and freed with the set. */
struct tmpl_varstack {
    struct tmpl_var *v;
    size_t cap;
};

struct tmpl_set {
    struct tmpl_set_opts opts;
    struct tmpl_varstack vars;
    struct arena *a;
    bool owns_arena;
    struct tmpl_ns ns;
    const char *root_name; /* the name ExecuteTemplate errors mention ("gotpl" for Helm) */
    /* Helm's include recursion counts, per template name. */
    struct tmpl_counts *counts;
};

/* What every execution started by one top-level execute shares. */
struct tmpl_exec_shared {
    const char *root_name;
    size_t max_output;
    unsigned max_depth;
    size_t max_steps;
    size_t steps;
    const char *stack_base; /* address of a local at the top-level entry */
    size_t stack_budget;    /* bytes of C stack the executor may use */
    char *err;              /* message of the first error (arena) */
    int errcode;
    bool exec_error;    /* an ExecError (vs. a missing template) */
    unsigned tpl_depth; /* tpl calls running inside each other */
    size_t var_base;    /* where the variables of the execution started next begin */
};

struct tmpl_exec {
    struct tmpl_set *set;
    struct tmpl_exec_shared *sh;
    struct tmpl_ns *ns; /* where {{template}} and include look names up */
    struct arena *a;
    struct sb *out;
    const struct tmpl_tree *tmpl; /* the template being executed */
    const struct tmpl_node *node; /* the node being evaluated, for errors */
    /* This execution's variables: set->vars.v[vbase..nvars) (indices, as
     * the stack may move when it grows). */
    size_t vbase, nvars;
    unsigned depth;
};

int tmpl_exec_errorf(struct tmpl_exec *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Runs template `name` of ns with data, appending to out. Errors leave the
 * message in sh->err. */
int tmpl_exec_run(struct tmpl_exec_shared *sh, struct tmpl_set *set, struct tmpl_ns *ns,
                  const char *root_name, const char *name, struct tmpl_value data, struct sb *out);

bool tmpl_value_truth(struct tmpl_value v);
const char *tmpl_type_name(int typ);

void tmpl_counts_free(struct tmpl_counts *c);

/* chartutil.Values's methods (AsMap, PathValue, Table, YAML): maps of
 * gotype VAL_GO_VALUES have them. */
extern const struct tmpl_method tmpl_values_methods[];

/* BurntSushi/toml's encoding of v (render/toml.c); -1 with the error text
 * in *errmsg on failure. */
int tmpl_toml_encode(struct sb *out, struct arena *a, const struct val *v, const char **errmsg);

/* BurntSushi's dblQuotedReplacer: s escaped for a "..." TOML string. */
void tmpl_toml_quote_body(struct sb *sb, const char *s, size_t n);

/* BurntSushi/toml v1.4's Unmarshal of s into a map[string]interface {}
 * (render/toml-decode.c): 0 with *out a VAL_MAP in arena a; -1 with its
 * ParseError text in *errmsg (a string value: it may hold NUL bytes) ("toml: line 2 (last key
 * \"a\"): ..."), which Helm's fromToml stores under "Error"; PKG_ELIMIT (nesting past 10000 levels)
 * or PKG_EINVAL (a panic in Go, "BUG: ...") with the message in *errmsg, for the call to fail.
 * Values: string, int64, float64, bool, time.Time, []interface {}, maps, and
 * []map[string]interface {} (TMPL_GO_MAPS) for arrays of tables. */
int tmpl_toml_decode(struct val **out, struct arena *a, const char *s, size_t n,
                     struct val **errmsg);

/* Removes every "<no value>" from sb at or after start (Helm's ReplaceAll). */
void tmpl_remove_no_value(struct sb *sb, size_t start);

/* fmt.Fprint of one value at the top of a template action. */
void tmpl_fmt_print_top(struct sb *out, const struct val *v);

static inline bool
tmpl_stack_low(const struct tmpl_exec_shared *sh)
{
    char here;
    if (!sh->stack_base)
        return false;
    size_t used = sh->stack_base > &here ? (size_t)(sh->stack_base - &here)
                                         : (size_t)(&here - sh->stack_base);
    return used > sh->stack_budget;
}

#endif
