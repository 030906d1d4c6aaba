/* Fuzz target: the YAML loader in both dialects must never crash, hang or
 * leak on any input. */
#include <stdint.h>
#include <stddef.h>

#include "core/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int d = 0; d < 2; d++) {
        struct arena *a = arena_new();
        struct pkg_err *err = NULL;
        struct val *docs;
        struct val_yaml_opts o = {.dialect = d ? VAL_YAML_KYAML : VAL_YAML_HELM,
                                  .max_nodes = 100000};
        if (val_yaml_load_all(&docs, a, (const char *)data, size, "fuzz", &o, &err) == 0) {
            for (size_t i = 0; i < val_seq_len(docs); i++)
                (void)val_copy(a, val_seq_at(docs, i));
        }
        pkg_err_free(err);
        arena_free(a);
    }
    return 0;
}
