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
TMPL_FUNC_TABLE(tmpl_funcs_sprig_strings, HELM)
TMPL_FUNC_TABLE(tmpl_funcs_sprig_types, HELM)
TMPL_FUNC_TABLE(tmpl_funcs_sprig_defaults, HELM)
TMPL_FUNC_TABLE(tmpl_funcs_sprig_lists, HELM)
TMPL_FUNC_TABLE(tmpl_funcs_sprig_dicts, HELM)
TMPL_FUNC_TABLE(tmpl_funcs_sprig_math, HELM)
TMPL_FUNC_TABLE(tmpl_funcs_sprig_encoding, HELM)
TMPL_FUNC_TABLE(tmpl_funcs_sprig_paths, HELM)
TMPL_FUNC_TABLE(tmpl_funcs_sprig_url, HELM)
TMPL_FUNC_TABLE(tmpl_funcs_sprig_regex, HELM)
TMPL_FUNC_TABLE(tmpl_funcs_sprig_date, HELM)
TMPL_FUNC_TABLE(tmpl_funcs_sprig_crypto, HELM)
TMPL_FUNC_TABLE(tmpl_funcs_sprig_semver, HELM)
TMPL_FUNC_TABLE(tmpl_funcs_helm, HELM)
