/* render's function interface (module-private): what a template function
 * implementation sees, how arguments arrive converted the way Go converts
 * them, how results and errors go back, and how a file registers a table
 * of function rows.
 *
 * A function is a row: its name, its implementation and its Go signature
 * written as in the Go source, e.g.
 *
 *     static int fn_trunc(struct tmpl_call *c, struct val **out);
 *     const struct tmpl_func tmpl_funcs_sprig_strings[] = {
 *         {"trunc", fn_trunc, "func(int, string) string"},
 *         {"upper", fn_upper, "func(string) string"},
 *         {"default", fn_default, "func(interface {}, ...interface {}) interface {}"},
 *         {NULL, NULL, NULL},
 *     };
 *
 * and the table is listed once in render/func-tables.h. The executor does
 * what Go's reflection does before calling: it checks the number of
 * arguments ("wrong number of args for trunc: want 2 got 1"), converts each
 * argument to its parameter type ("wrong type for value; expected int; got
 * float64", literals: "expected integer; found \"x\""), and after a failed
 * call wraps the message as "error calling trunc: MESSAGE". So an
 * implementation can rely on its arguments' kinds: a `string` parameter is
 * a VAL_STRING, an `int` a VAL_INT, `map[string]interface {}` a VAL_MAP,
 * `[]interface {}` a VAL_SEQ, `bool` a VAL_BOOL, `float64` a VAL_FLOAT;
 * `interface {}` is anything, with Go's nil as a VAL_NULL node.
 *
 * Signature types understood (parameters and results): interface {} (any),
 * string, bool, int, int64, uint32, float64, []interface {}, []string,
 * []int, []uint8 ([]byte), map[string]interface {}, map[string]string,
 * time.Time, reflect.Value (builtins only), error (second result), and
 * variadic ...T for the last parameter. Object types listed in funcs.c's
 * obj_param_types (sprig.certificate, *semver.Version) may be parameters:
 * the executor accepts only objects of that type name (a *T also for a T
 * parameter, as Go dereferences once) and reports others at the argument
 * as Go does ("wrong type for value; expected sprig.certificate; got
 * string"). A result type not in the list is accepted: the implementation
 * sets the value's type itself.
 *
 * Results live in c->a (the render arena). Never keep pointers to
 * arguments beyond the call unless they are arena values (they are). Go's
 * maps are references: a function that changes a map argument (Sprig's
 * `set`, `unset`, `merge`) changes it for every holder, as in Go. */
#ifndef PKG_RENDER_FUNCS_H
#define PKG_RENDER_FUNCS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/sb.h"
#include "core/value.h"
#include "render/render.h"

/* Go types render adds to core's enum val_gotype (which leaves the values
 * from VAL_GO_OTHER on to render). */
enum {
    TMPL_GO_LISTS = VAL_GO_OTHER, /* [][]interface {} (a VAL_SEQ of lists): chunk's result */
    TMPL_GO_MAPS,                 /* []map[string]interface {}: fromToml's arrays of tables */
    TMPL_GO_MAINTAINERS,          /* []*chart.Maintainer (VAL_OBJs or nulls): .Chart.Maintainers */
    TMPL_GO_DEPENDENCIES,         /* []*chart.Dependency: .Chart.Dependencies */
    /* named integer types of package time (VAL_INT): fmt prints their
     * String() for %v %s %q %x %X; cast.ToInt64 takes Month and Weekday
     * (its toInt) but gives 0 for a Duration */
    TMPL_GO_DURATION, /* time.Duration (int64): "1h0m0s" */
    TMPL_GO_MONTH,    /* time.Month (int): "March" */
    TMPL_GO_WEEKDAY,  /* time.Weekday (int): "Sunday" */
};

/* Parameter and result types. */
enum tmpl_type {
    TMPL_T_ANY,      /* interface {} */
    TMPL_T_VALUE,    /* reflect.Value: the argument as the executor has it (builtins) */
    TMPL_T_STRING,   /* string */
    TMPL_T_BOOL,     /* bool */
    TMPL_T_INT,      /* int */
    TMPL_T_INT64,    /* int64 */
    TMPL_T_UINT32,   /* uint32 */
    TMPL_T_FLOAT64,  /* float64 */
    TMPL_T_LIST,     /* []interface {} */
    TMPL_T_STRINGS,  /* []string */
    TMPL_T_INTS,     /* []int */
    TMPL_T_BYTES,    /* []uint8 */
    TMPL_T_MAP,      /* map[string]interface {} */
    TMPL_T_STRMAP,   /* map[string]string */
    TMPL_T_TIME,     /* time.Time */
    TMPL_T_DURATION, /* time.Duration: an integer constant, or a Duration value */
    TMPL_T_ERROR,    /* error (only as the second result) */
    TMPL_T_OTHER,    /* results only: a type the function sets on its value */
    /* From here on: a named object type (a VAL_OBJ whose type name is
     * tmpl_obj_param_name(t)), checked as Go's reflection checks it. */
    TMPL_T_OBJ = 32,
};

/* The Go type name of an object parameter type (t >= TMPL_T_OBJ), e.g.
 * "sprig.certificate", "*semver.Version"; names starting with '*' are
 * pointers (nil is accepted and reaches the implementation as a VAL_NULL). */
const char *tmpl_obj_param_name(int t);

#define TMPL_MAX_PARAMS 8

/* A parsed signature. */
struct tmpl_sig {
    uint8_t nin;                 /* parameters, the variadic one included */
    bool variadic;               /* the last parameter is ...in[nin-1] */
    bool returns_error;          /* (T, error) */
    uint8_t in[TMPL_MAX_PARAMS]; /* enum tmpl_type */
    uint8_t out;                 /* enum tmpl_type of the first result */
    /* Go's goodFunc: more than two results, or a second that is not an
     * error; the executor refuses the call (after checking the argument
     * count) with Go's message. nout: the number of results; bad2: the
     * second result's type name (NUL-terminated, truncated) */
    bool bad_results;
    uint8_t nout;
    char bad2[24];
};

/* A value as the executor holds it: Go's reflect.Value as far as templates
 * can tell. v == NULL is the invalid Value ("no value": a missing key with
 * Go's default missingkey, an unset variable). iface marks a value whose
 * static type is interface {} (an element of a map[string]interface {} or
 * []interface {}, the result of a function returning interface {}); with
 * iface, a VAL_NULL node is a nil interface, which is what makes
 * `.a.b` on a missing `a` fail with "nil pointer evaluating interface {}.b". */
struct tmpl_value {
    struct val *v;
    bool iface;
};

struct tmpl_exec; /* the executor's state (render/exec.c) */

/* What an implementation gets. */
struct tmpl_call {
    struct arena *a;                /* results go here */
    const char *name;               /* the function's name as called */
    size_t argc;                    /* arguments, after the variadic ones were gathered */
    struct val *const *argv;        /* converted to the parameter types; never NULL pointers
                                     * except for reflect.Value parameters with no value */
    const struct tmpl_value *xargv; /* the same arguments as executor values */
    struct tmpl_exec *x;            /* for functions that execute templates (include, tpl) */
    const char *errmsg;             /* set by tmpl_fail */
    /* Internal: the call's node, the callee text for `call`, and the
     * result of functions whose result type is reflect.Value. */
    const struct tmpl_node *node;
    const char *callee;
    struct tmpl_value xret;
};

/* An implementation: sets *out (never NULL on success) and returns 0, or
 * returns tmpl_fail(c, ...). */
typedef int (*tmpl_fn)(struct tmpl_call *c, struct val **out);

struct tmpl_func {
    const char *name;
    tmpl_fn fn;
    const char *sig; /* Go signature, e.g. "func(string, ...interface {}) (string, error)" */
};

/* Fails the call: the executor reports "error calling NAME: MESSAGE" at the
 * call's node. Returns PKG_EINVAL. */
int tmpl_fail(struct tmpl_call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int tmpl_vfail(struct tmpl_call *c, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Same with another code (PKG_ELIMIT for limits, PKG_EFAIL for Helm's fail). */
int tmpl_fail_code(struct tmpl_call *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- Arguments (already converted to the parameter type) ---- */

/* A string parameter's bytes (NUL-terminated) and length. */
const char *tmpl_arg_str(const struct tmpl_call *c, size_t i, size_t *len);
/* An int, int64 or uint32 parameter. */
int64_t tmpl_arg_int(const struct tmpl_call *c, size_t i);
double tmpl_arg_float(const struct tmpl_call *c, size_t i);
bool tmpl_arg_bool(const struct tmpl_call *c, size_t i);

/* ---- Results, in c->a ---- */

struct val *tmpl_mkstr(struct tmpl_call *c, const char *p, size_t n); /* copies */
struct val *tmpl_mkstrz(struct tmpl_call *c, const char *s);
/* Takes the buffer's bytes into the arena and resets the buffer. */
struct val *tmpl_mkstr_sb(struct tmpl_call *c, struct sb *sb);
/* A shared read-only node (never mutate a result of tmpl_mkbool). */
struct val *tmpl_mkbool(struct tmpl_call *c, bool b);
struct val *tmpl_mkint(struct tmpl_call *c, int64_t i);   /* Go int */
struct val *tmpl_mkint64(struct tmpl_call *c, int64_t i); /* Go int64 */
struct val *tmpl_mkfloat(struct tmpl_call *c, double f);  /* Go float64 */
struct val *tmpl_mklist(struct tmpl_call *c);             /* []interface {} */
struct val *tmpl_mkstrings(struct tmpl_call *c);          /* []string (push VAL_STRINGs) */
struct val *tmpl_mkmap(struct tmpl_call *c);              /* map[string]interface {} */
struct val *tmpl_mkstrmap(struct tmpl_call *c);           /* map[string]string */
struct val *tmpl_mknil(struct tmpl_call *c);              /* Go nil */
/* Marks an empty list or map as Go's nil slice or map (VAL_F_NIL), for
 * results Go leaves nil: toJson and toYaml print them as null, %#v as
 * "[]interface {}(nil)", reflect.DeepEqual tells them from empty ones.
 * Returns v. */
struct val *tmpl_mark_nil(struct val *v);

/* ---- Go's conversions and printing, for implementations ---- */

/* Set (per thread) when fmt met a value nested deeper than 10000 levels
 * or printing to more than 256 MiB: a map made to contain itself with
 * `set` prints forever in Go (until its stack overflows); here the printing
 * stops and the executor, which clears and checks the flag around every
 * call and print, reports a limit error. */
extern _Thread_local bool tmpl_fmt_overflow;
#define TMPL_FMT_OVERFLOW_MSG "value nested too deeply or too large to print"

/* The String() of a value of one of time's named integer types
 * (TMPL_GO_DURATION, _MONTH, _WEEKDAY): appends it and returns true, or
 * returns false for other values. */
bool tmpl_int_stringer(struct sb *out, const struct val *v);

/* fmt.Sprint(v) (Go's %v): 3, 1e+06, map[a:1 b:2], [a b], <nil>. */
void tmpl_fmt_v(struct sb *out, const struct val *v);
/* fmt.Sprint(args...): spaces between operands when neither is a string. */
void tmpl_fmt_sprint(struct sb *out, struct val *const *argv, size_t argc);
/* fmt.Sprintln(args...). */
void tmpl_fmt_sprintln(struct sb *out, struct val *const *argv, size_t argc);
/* fmt.Sprintf(format, args...) with every verb, flag, width and precision
 * and Go's error forms (%!d(string=x), %!s(MISSING), %!(EXTRA ...)). */
void tmpl_fmt_sprintf(struct sb *out, const char *format, size_t flen, struct val *const *argv,
                      size_t argc);
/* strconv.Quote(s) (fmt's %q of a string). */
void tmpl_quote(struct sb *out, const char *s, size_t n);

/* Sprig's strval: a string as is, []byte as text, a Stringer's String(),
 * anything else fmt.Sprintf("%v"). Appends. */
void tmpl_strval(struct sb *out, const struct val *v);
/* spf13/cast v1.7.0 (what Sprig uses): ToInt64, ToInt (Go's int is 64
 * bits) and ToFloat64. Strings go through cast's trimZeroDecimal ("12.00",
 * also "1.0." -> "1") and strconv.ParseInt(s, 0, 64) (base prefixes 0x 0o
 * 0b and 0, underscores only where Go allows them) for ints, through
 * strconv.ParseFloat(s, 64) for floats (hex floats need a p exponent, so
 * "0x10" is 0); floats truncate toward zero (NaN and out-of-range values
 * give Go's amd64 result, the minimum int64), bools are 0/1, uint64s
 * convert unsigned; nil, []byte, collections and failures give 0. The one
 * implementation for Sprig and the rest of render (render/sprig-util.c). */
int64_t tmpl_cast_int64(const struct val *v);
int64_t tmpl_cast_int(const struct val *v);
double tmpl_cast_float64(const struct val *v);

/* reflect's names: the type ("string", "float64", "[]interface {}",
 * "map[string]interface {}", "chartutil.Values", "<nil>" for nil) and the
 * kind ("string", "float64", "slice", "map", "struct", "ptr", "invalid"). */
const char *tmpl_typename(const struct val *v);
const char *tmpl_kindname(const struct val *v);
/* Go's template truth (if/with/and/or/not): false for nil, false, 0, "",
 * and empty maps and lists. */
bool tmpl_truth(const struct val *v);

/* Go's nil, a shared read-only VAL_NULL node. */
extern struct val tmpl_nil;

/* ---- Internal: the executor's side of calls (render/exec.c) ---- */

/* Executes template `name` of the namespace the call runs in with `dot`,
 * appending to out (Go's t.ExecuteTemplate for include). Errors set
 * c->errmsg. */
int tmpl_call_execute(struct tmpl_call *c, const char *name, const struct val *dot, struct sb *out);
/* Parses and executes `text` as Helm's tpl does. Helm does not bound tpl
 * running inside tpl (a value that tpl-renders itself runs Go out of
 * stack); here the nesting stops at TMPL_TPL_MAX_DEPTH with a limit error. */
#define TMPL_TPL_MAX_DEPTH 1000
/* Parses and executes `text` as Helm's tpl does. */
int tmpl_call_tpl(struct tmpl_call *c, const char *text, size_t len, const struct val *dot,
                  struct sb *out);
/* The options of the set the call runs in. */
const struct tmpl_set_opts *tmpl_call_opts(const struct tmpl_call *c);

/* Function lookup (render/funcs.c). builtin is set for Go's builtins. */
const struct tmpl_func *tmpl_func_find(enum tmpl_funcset set, const char *name, size_t len,
                                       const struct tmpl_sig **sig, bool *builtin);
/* A method row's parsed signature (cached). */
const struct tmpl_sig *tmpl_method_sig(const struct tmpl_method *m);
/* Parses a Go signature; aborts on a type it does not know (a table bug,
 * caught by the unit tests, which parse every row). */
void tmpl_sig_parse(struct tmpl_sig *sig, const char *text);

#endif
