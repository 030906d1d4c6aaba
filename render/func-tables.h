/* Every table of template functions, one line each:
 *
 *     TMPL_FUNC_TABLE(symbol, NAMESPACE)
 *
 * where symbol is a `const struct tmpl_func symbol[]` ended by a NULL row
 * (see render/funcs.h) and NAMESPACE is BUILTIN (Go's builtins: and, or,
 * index, ...) or HELM (Sprig's and Helm's functions, the set's FuncMap).
 * In HELM, a later table's row overrides an earlier row of the same name,
 * as Helm's own functions override Sprig's: keep tmpl_funcs_helm last.
 * Included by render/funcs.c with TMPL_FUNC_TABLE defined. */
TMPL_FUNC_TABLE(tmpl_funcs_builtin, BUILTIN)
TMPL_FUNC_TABLE(tmpl_funcs_helm, HELM)
