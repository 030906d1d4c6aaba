/* Unit tests: the function tables. Signatures are parsed on a function's
 * first lookup (render/funcs.c), so a row whose Go signature does not parse
 * would only abort when a template calls it: this parses every row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "render/exec.h"

#define TMPL_FUNC_TABLE(sym, ns) extern const struct tmpl_func sym[];
#include "render/func-tables.h"
#undef TMPL_FUNC_TABLE

static const struct tmpl_func *const tables[] = {
#define TMPL_FUNC_TABLE(sym, ns) sym,
#include "render/func-tables.h"
#undef TMPL_FUNC_TABLE
};

static void
test_every_signature_parses(void **state)
{
    (void)state;
    size_t rows = 0;
    for (size_t k = 0; k < sizeof(tables) / sizeof(tables[0]); k++)
        for (const struct tmpl_func *f = tables[k]; f->name; f++, rows++) {
            struct tmpl_sig sig;
            tmpl_sig_parse(&sig, f->sig); /* aborts on a bad one, naming it */
            const struct tmpl_sig *found;
            bool builtin;
            /* Rows of the same name in a later table override earlier ones;
             * the lookup's signature is that of the row it returns. */
            const struct tmpl_func *g =
                tmpl_func_find(TMPL_FUNCS_HELM, f->name, strlen(f->name), &found, &builtin);
            assert_non_null(g);
            struct tmpl_sig want;
            tmpl_sig_parse(&want, g->sig);
            assert_memory_equal(found, &want, sizeof(want));
        }
    assert_true(rows > 200);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_signature_parses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
