/* Fuzz target: JSON load and emit. Loading any input must not crash, hang
 * or leak; whatever loads must emit (compact and indented) and load back to
 * an equal tree, and emitting that tree again must give the same bytes. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_roundtrip(struct arena *a, const struct val *v, int flags, const struct val_json_opts *o)
{
    struct sb s1 = SB_INIT, s2 = SB_INIT;
    struct val *back = NULL;
    if (val_json_emit(&s1, v, flags, NULL) != 0)
        abort(); /* loaded values are always encodable */
    if (val_json_load(&back, a, s1.buf, s1.len, "re", o, NULL) != 0)
        abort();
    if (!val_equal(v, back))
        abort();
    /* With ints, "-0e0" loads as a float that prints as "-0", which loads
     * back as the int 0: equal, but printed differently. */
    if (val_json_emit(&s2, back, flags, NULL) != 0)
        abort();
    if (!o->ints && (s1.len != s2.len || memcmp(s1.buf, s2.buf, s1.len) != 0))
        abort();
    sb_release(&s1);
    sb_release(&s2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int ints = 0; ints < 2; ints++) {
        struct arena *a = arena_new();
        struct pkg_err *err = NULL;
        struct val *v;
        struct val_json_opts o = {.ints = ints, .max_depth = 200};
        if (val_json_load(&v, a, (const char *)data, size, "fuzz", &o, &err) == 0) {
            check_roundtrip(a, v, VAL_JSON_COMPACT, &o);
            check_roundtrip(a, v, VAL_JSON_INDENT | VAL_JSON_NO_ESCAPE_HTML, &o);
        }
        pkg_err_free(err);
        arena_free(a);
    }
    return 0;
}
