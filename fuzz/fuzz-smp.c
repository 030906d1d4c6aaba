/* Fuzz target: strategic merge patches. The input is two YAML documents,
 * the object and the patch; any input must merge or fail cleanly, never
 * crash, hang or leak. */
#include <stdint.h>
#include <stddef.h>

#include "core/core.h"
#include "overlay/kust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    struct kust_opts opts = {0};
    struct kbuild b = {.a = a, .opts = &opts, .warnings = SB_INIT};
    struct val_yaml_opts yo = {.dialect = VAL_YAML_KYAML, .max_nodes = 100000};
    struct val *docs = NULL;
    struct pkg_err *err = NULL;
    if (val_yaml_load_all(&docs, a, (const char *)data, size, "fuzz", &yo, &err) == 0 &&
        val_seq_len(docs) >= 2) {
        struct val *out = NULL;
        if (ksmp_merge(&b, &out, val_seq_at(docs, 0), val_seq_at(docs, 1), &err) == 0 && out) {
            struct sb sb = SB_INIT;
            struct val *j = kjson_roundtrip(a, out);
            pkg_err_clear(&err);
            (void)val_yaml_emit(&sb, j, VAL_YAML_KYAML, &err);
            sb_release(&sb);
        }
    }
    pkg_err_free(err);
    arena_free(a);
    return 0;
}
