/* Fuzz target: YAML loaded with the fast path (core/yaml-fast.c) must come
 * out exactly as libyaml alone loads it (every node's value, style, flags
 * and position, or the same error), in both dialects and with Helm's
 * options. Any difference aborts, printing both outcomes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/tests/yaml-dual.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct val_yaml_opts opts[] = {
        {.dialect = VAL_YAML_HELM,
         .json_compat = true,
         .allow_duplicate_keys = true,
         .first_doc_only = true,
         .goyaml_errors = true,
         .max_nodes = 100000},
        {.dialect = VAL_YAML_KYAML, .max_nodes = 100000},
    };
    struct sb fast = SB_INIT, slow = SB_INIT;
    for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
        bool took;
        if (!dual_load((const char *)data, size, &opts[k], &fast, &slow, &took)) {
            fprintf(stderr,
                    "fuzz-yaml-fast: the loads differ (options %zu)\n-- fast:\n%.*s\n-- "
                    "libyaml:\n%.*s\n",
                    k, (int)fast.len, fast.buf, (int)slow.len, slow.buf);
            abort();
        }
    }
    sb_release(&fast);
    sb_release(&slow);
    return 0;
}
