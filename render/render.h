/* render: Go's text/template with Helm's configuration, byte for byte.
 *
 * Two layers:
 *
 *  - A template set (struct tmpl_set): Go's *template.Template with its
 *    associated templates. Parse named texts into it, execute any of them
 *    with a data value. Errors read exactly as Go's do
 *    ("template: NAME:LINE: ..." for parse errors, "template: NAME:LINE:COL:
 *    executing \"NAME\" at <NODE>: ..." for execution errors).
 *
 *  - Helm's engine (tmpl_helm_render): the files of a chart and its
 *    subcharts parsed in Helm's order into one namespace, every non-partial
 *    executed with its own .Template, "<no value>" removed, and errors
 *    rewrapped as Helm does ("parse error at (NAME:LINE): ...",
 *    "execution error at (NAME:LINE:COL): ...").
 *
 * Template data are value trees (core/value.h). Numbers keep Go's types
 * through val.gotype: a VAL_INT with VAL_GO_AUTO is Go's int, a VAL_FLOAT is
 * float64 (what YAML values files give), and so on. Helm's objects (.Files,
 * .Capabilities, .Chart) are VAL_OBJ nodes whose type is a struct
 * tmpl_objtype below: fields, methods and printing as Go's reflection would
 * show them.
 *
 * Ownership: a set owns its parsed trees and an arena for everything made
 * while executing; results handed out (output text, error messages) are
 * the caller's. Data passed to execute are borrowed and never changed
 * (except by template functions that mutate maps, as Sprig's `set` does in
 * Go). */
#ifndef PKG_RENDER_RENDER_H
#define PKG_RENDER_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/sb.h"
#include "core/value.h"

struct tmpl_set;
struct tmpl_call;

/* ---- Objects with fields and methods (VAL_OBJ) ---- */

/* What reflection would say the object is; decides truthiness, printing,
 * range and len. */
enum tmpl_objkind {
    TMPL_OBJ_STRUCT,  /* a struct value: always true, prints {f1 f2 ...} */
    TMPL_OBJ_POINTER, /* a pointer to a struct: true, printed as the struct */
    TMPL_OBJ_MAP,     /* a map type with methods (chart.Files): base.to_val gives the map */
    TMPL_OBJ_SLICE,   /* a slice type with methods (VersionSet): base.to_val gives the list */
};

/* A method: called for `.Obj.Name arg...`. The signature is Go's, written
 * as in the source ("func(string) string", "func(string) bool",
 * "func() string"); the executor checks the arguments against it exactly
 * as it does for functions (see render/funcs.h). */
struct tmpl_method {
    const char *name;
    int (*fn)(struct tmpl_call *c, const struct val *recv, struct val **out);
    const char *sig;
};

/* An object type. Embed `base` first: VAL_OBJ nodes point at it. */
struct tmpl_objtype {
    struct val_objtype
        base; /* base.name: Go type for %T and messages ("*chartutil.Capabilities") */
    enum tmpl_objkind kind;
    /* Field access `.Obj.Name`. Returns 0 with *out set when the object
     * has the field (for TMPL_OBJ_MAP: the key, or the element type's zero
     * value when missing), PKG_ENOENT when not (the executor then reports
     * "can't evaluate field Name in type T"). May be NULL. */
    int (*field)(struct val **out, struct arena *a, const struct val *obj, const char *name);
    /* Methods, ended by a row with a NULL name; may be NULL. A method
     * shadows a field of the same name, as in Go. */
    const struct tmpl_method *methods;
    /* fmt.Stringer: when set, %v %s %q %x %X print what it appends. */
    void (*string)(struct sb *out, const struct val *obj);
    /* String has a pointer receiver on a struct type (KubeVersion): Go
     * calls it only where the value is addressable, i.e. when a template
     * prints the field directly ({{ .Capabilities.KubeVersion }} gives
     * "v1.32.0"), not in printf/print or inside collections ("{v1.32.0 1
     * 32}"). */
    bool string_needs_addr;
    /* Struct printing without a Stringer: the field values in declaration
     * order (a VAL_SEQ; nested structs as VAL_OBJ), printed "{v1 v2 ...}"
     * as fmt does. May be NULL (prints "{}"). */
    struct val *(*fields)(struct arena *a, const struct val *obj);
    /* fmt.GoStringer: when set, %#v prints what it appends (time.Time's
     * "time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)"). */
    void (*gostring)(struct sb *out, const struct val *obj);
    /* The fields' names in the same order, for %+v and %#v
     * ({Name:t Version:1}); NULL when the type has none to show. */
    const char *const *field_names;
};

/* The object type of a VAL_OBJ made by render or a module using this
 * header, or NULL for other objects. */
const struct tmpl_objtype *tmpl_objtype_of(const struct val *v);

/* ---- Template sets ---- */

enum tmpl_missingkey {
    TMPL_MISSINGKEY_DEFAULT, /* Go's default ("invalid"): missing map keys give no value */
    TMPL_MISSINGKEY_ZERO,    /* Helm's: the map element type's zero value */
    TMPL_MISSINGKEY_ERROR,   /* helm --strict: "map has no entry for key" */
};

/* Which functions templates may call (checked at parse time, as Go does). */
enum tmpl_funcset {
    TMPL_FUNCS_GO,   /* Go's builtins only */
    TMPL_FUNCS_HELM, /* builtins, Sprig (without env/expandenv), Helm's own */
};

struct tmpl_set_opts {
    enum tmpl_missingkey missingkey;
    enum tmpl_funcset funcs;
    bool lint_mode;     /* Helm's lint mode: `required` and `fail` don't stop */
    size_t max_output;  /* bytes one execution may write; 0: 256 MiB */
    unsigned max_depth; /* template call depth (Go's maxExecDepth); 0: 100000 */
    size_t max_steps;   /* 0: unlimited; a bound on executed nodes (fuzzing) */
    /* Go's parse.SkipFuncCheck: unknown function names parse, and fail
     * only when called ("\"name\" is not a defined function"). */
    bool skip_func_check;
};

/* A new empty set. opts may be NULL (Go's defaults, Go builtins only). */
struct tmpl_set *tmpl_set_new(const struct tmpl_set_opts *opts);
/* Frees the set, its trees and its arena; NULL is a no-op. */
void tmpl_set_free(struct tmpl_set *set);
/* The set's arena: values made while executing live here, and callers may
 * build data values in it. */
struct arena *tmpl_set_arena(struct tmpl_set *set);

/* Go's t.New(name).Parse(text): parses `text` as the template `name` of the
 * set; {{define}} and {{block}} inside add further templates. A name that
 * exists already is replaced unless the new definition is empty (only
 * spaces and comments), as Go's AddParseTree does. The text is copied.
 * Errors (PKG_ESYNTAX) read "template: NAME:LINE: ..." like Go's. On error
 * the set keeps the templates it had. */
int tmpl_set_parse(struct tmpl_set *set, const char *name, const char *text, size_t len,
                   struct pkg_err **errp);

/* True when the set has a template of that name with a body. */
bool tmpl_set_has(const struct tmpl_set *set, const char *name);

/* Go's ExecuteTemplate(out, name, data): appends the output to `out`.
 * `data` may be NULL (Go's nil). Errors read like Go's; output written
 * before an error stays in `out`. Error codes: PKG_EINVAL (execution
 * errors), PKG_EFAIL (Helm's `fail`/`required`), PKG_ELIMIT (limits),
 * PKG_ENOENT (no such template). */
int tmpl_set_execute(struct tmpl_set *set, const char *name, const struct val *data, struct sb *out,
                     struct pkg_err **errp);

/* ---- Helm's engine ---- */

/* One template file of a chart or subchart. */
struct tmpl_helm_file {
    const char *name; /* "mychart/templates/deploy.yaml", "mychart/charts/sub/templates/_h.tpl" */
    const char *text;
    size_t len;
    /* The top-level data for this file: a VAL_MAP with Chart, Files,
     * Release, Capabilities, Values, Subcharts (shared by the files of one
     * chart, as in Helm). render sets its "Template" key ({Name, BasePath})
     * before executing the file, and its Go type to chartutil.Values
     * (VAL_GO_VALUES). NULL for partials that are never executed. */
    struct val *data;
    const char *base_path; /* "mychart/templates" (for .Template.BasePath) */
    bool render; /* false: parse only (Helm skips files whose base name starts with "_") */
    /* Output, set by tmpl_helm_render for files with render: the text
     * with "<no value>" removed, in the arena passed to it. */
    const char *out;
    size_t out_len;
};

struct tmpl_parse_ahead;
struct tmpl_helm_opts {
    bool strict;    /* helm --strict: missingkey=error */
    bool lint_mode; /* helm lint: required/fail only log */
    size_t max_output;
    /* Trees parsed ahead (tmpl_helm_parse_ahead), or NULL: the parse takes
     * those of files with the same text instead of parsing them again. */
    struct tmpl_parse_ahead *ahead;
    /* Called on the executing thread as soon as a file's output is final
     * (f->out), in execution order; NULL for none. */
    void (*rendered)(void *ctx, const struct tmpl_helm_file *f);
    void *rendered_ctx;
};

/* Helm's Engine.render: parses every file into one template set in Helm's
 * order (deepest paths first, then reverse lexical order, so that a parent
 * chart's definitions override its subcharts'), then executes every file
 * with `render` set. Outputs go to files[i].out in arena `a`, and so does
 * everything execution adds to the data (the "Template" maps, maps that
 * Sprig's `set` stores), so the data stay valid as long as `a`. Errors are
 * Helm's: "parse error at (NAME:LINE): MSG", "execution error at
 * (NAME:LINE:COL): MSG" for `fail`/`required`, and Go's execution error
 * text otherwise. Stops at the first error, as Helm does, with the files
 * in Helm's execution order. */
int tmpl_helm_render(struct tmpl_helm_file *files, size_t n, const struct tmpl_helm_opts *opts,
                     struct arena *a, struct pkg_err **errp);

/* tmpl_helm_render in two steps, so that parsing overlaps the caller's
 * other work. tmpl_helm_parse_start parses the files (their names and
 * texts; data, base_path and render may be filled in later) on a thread of
 * its own and returns at once; names and texts must stay valid and
 * unchanged until the parse is rendered or discarded. A parse error is
 * reported only by tmpl_helm_render_parsed, which waits for the parse and
 * then executes exactly as tmpl_helm_render would (same files, same
 * errors, trees and outputs in arena a). tmpl_helm_parse_discard waits
 * and frees a parse that is not rendered (e.g. an earlier error won).
 * Both free p. */
struct tmpl_helm_parse;
struct tmpl_helm_parse *tmpl_helm_parse_start(const struct tmpl_helm_file *files, size_t n,
                                              const struct tmpl_helm_opts *opts);
int tmpl_helm_render_parsed(struct tmpl_helm_parse *p, struct tmpl_helm_file *files, size_t n,
                            struct arena *a, struct pkg_err **errp);
void tmpl_helm_parse_discard(struct tmpl_helm_parse *p);

/* Starts parsing files (their names and texts) on a thread of their own
 * before it is known which will be rendered, and under which names: a
 * chart's templates while the rest of the chart loads. Free it with
 * tmpl_parse_ahead_free (render/tree.h; it stops the thread), after the
 * parses it was given to are rendered or discarded. The texts must outlive
 * it, and the trees taken from it. */
struct tmpl_parse_ahead *tmpl_helm_parse_ahead(const struct tmpl_helm_file *files, size_t n);
void tmpl_parse_ahead_free(struct tmpl_parse_ahead *pa);

/* The order Helm parses and executes files in (engine.go sortTemplates):
 * fills idx[0..n) with indices into names. */
void tmpl_helm_order(size_t *idx, const char *const *names, size_t n);

#endif
