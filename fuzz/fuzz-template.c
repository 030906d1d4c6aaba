/* Fuzz target: the template parser and executor must never crash, hang or
 * leak. The input is a template, optionally followed by a line "%%%" and
 * YAML for .Values; a second template after another "%%%" is parsed as a
 * partial. Execution is bounded (steps, output, depth). */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "core/core.h"
#include "render/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *
split(const char *p, size_t n, size_t *first_len)
{
    const char *sep = memmem(p, n, "\n%%%\n", 5);
    if (!sep) {
        *first_len = n;
        return NULL;
    }
    *first_len = (size_t)(sep - p);
    return sep + 5;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    size_t tlen;
    const char *rest = split(p, size, &tlen);
    const char *vals = NULL, *partial = NULL;
    size_t vlen = 0, plen = 0;
    if (rest) {
        size_t rn = size - (size_t)(rest - p);
        const char *rest2 = split(rest, rn, &vlen);
        vals = rest;
        if (rest2) {
            partial = rest2;
            plen = size - (size_t)(rest2 - p);
        }
    }
    struct arena *a = arena_new();
    struct val *values = val_map(a);
    if (vals) {
        struct val_yaml_opts o = {
            .dialect = VAL_YAML_HELM, .json_compat = true, .max_nodes = 10000};
        struct val *v = NULL;
        struct pkg_err *err = NULL;
        if (val_yaml_load(&v, a, vals, vlen, "values.yaml", &o, &err) == 0 && v &&
            v->kind == VAL_MAP)
            values = v;
        pkg_err_free(err);
    }
    values->gotype = VAL_GO_VALUES;
    struct val *root = val_map(a);
    val_map_setz(a, root, "Values", values);

    struct tmpl_set_opts so = {.missingkey = TMPL_MISSINGKEY_ZERO,
                               .funcs = TMPL_FUNCS_HELM,
                               .max_output = 1 << 20,
                               .max_depth = 200,
                               .max_steps = 20000};
    struct tmpl_set *set = tmpl_set_new(&so);
    struct pkg_err *err = NULL;
    if (partial && tmpl_set_parse(set, "t/templates/_p.tpl", partial, plen, &err) < 0)
        pkg_err_clear(&err);
    if (tmpl_set_parse(set, "t/templates/main.yaml", p, tlen, &err) == 0) {
        struct sb out = SB_INIT;
        if (tmpl_set_execute(set, "t/templates/main.yaml", root, &out, &err) < 0)
            pkg_err_clear(&err);
        sb_release(&out);
    }
    pkg_err_free(err);
    tmpl_set_free(set);
    arena_free(a);
    return 0;
}
