/* Fuzz target: JSON 6902 patches. The input is a YAML object, a line
 * "---", and the operations (JSON or YAML); any input must apply or fail
 * cleanly. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "core/core.h"
#include "overlay/kust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *sep = NULL;
    for (size_t i = 0; i + 5 <= size; i++)
        if (!memcmp(s + i, "\n---\n", 5)) {
            sep = s + i;
            break;
        }
    if (!sep)
        return 0;
    struct arena *a = arena_new();
    struct kust_opts opts = {0};
    struct kbuild b = {.a = a, .opts = &opts, .warnings = SB_INIT};
    struct val_yaml_opts yo = {.dialect = VAL_YAML_KYAML, .max_nodes = 100000};
    struct val *doc = NULL;
    const struct val *ops = NULL;
    struct pkg_err *err = NULL;
    size_t dl = (size_t)(sep - s) + 1;
    if (val_yaml_load(&doc, a, s, dl, "doc", &yo, &err) == 0 && doc &&
        kjson6902_parse(&b, &ops, sep + 5, size - dl - 4, "ops", &err) == 0) {
        if (kjson6902_apply(&b, &doc, ops, &err) == 0) {
            struct sb sb = SB_INIT;
            (void)val_yaml_emit(&sb, doc, VAL_YAML_KYAML, &err);
            sb_release(&sb);
        }
    }
    pkg_err_free(err);
    arena_free(a);
    return 0;
}
