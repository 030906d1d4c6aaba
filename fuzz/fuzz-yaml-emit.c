/* Fuzz target: YAML emit. Whatever loads must either emit or fail with an
 * error (never crash); what is emitted, when it loads back in the same
 * dialect, must print the same bytes again: the first emit already applies
 * the JSON round trip, so a second one changes nothing. (go-yaml's output
 * does not always load back: a key "<<" is printed plain and then reads as
 * a merge key, in Go as here.) */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int d = 0; d < 2; d++) {
        struct arena *a = arena_new();
        struct pkg_err *err = NULL;
        struct val *docs, *back;
        struct val_yaml_opts o = {.dialect = d ? VAL_YAML_KYAML : VAL_YAML_HELM,
                                  .max_nodes = 100000,
                                  .allow_duplicate_keys = true};
        if (val_yaml_load_all(&docs, a, (const char *)data, size, "fuzz", &o, &err) == 0) {
            for (size_t i = 0; i < val_seq_len(docs); i++) {
                struct sb s1 = SB_INIT, s2 = SB_INIT;
                if (val_yaml_emit(&s1, val_seq_at(docs, i), o.dialect, &err) == 0) {
                    if (val_yaml_load(&back, a, s1.buf, s1.len, "emitted", &o, &err) == 0) {
                        if (val_yaml_emit(&s2, back, o.dialect, &err) != 0)
                            abort();
                        if (s1.len != s2.len || memcmp(s1.buf, s2.buf, s1.len) != 0)
                            abort();
                    }
                }
                pkg_err_clear(&err);
                sb_release(&s1);
                sb_release(&s2);
            }
        }
        pkg_err_free(err);
        arena_free(a);
    }
    return 0;
}
