/* Fuzz target: fromToml's decoder (render/toml-decode.c, BurntSushi/toml's
 * lexer and parser) must never crash, hang or leak, whatever the input;
 * it either gives a map or an error text. The nesting limit keeps deep
 * inputs bounded. */
#include <stdint.h>
#include <stddef.h>

#include "core/core.h"
#include "render/exec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    struct val *out = NULL, *err = NULL;
    int rc = tmpl_toml_decode(&out, a, (const char *)data, size, &err);
    if (rc == 0 && (!out || out->kind != VAL_MAP))
        __builtin_trap();
    if (rc != 0 && (!err || err->kind != VAL_STRING))
        __builtin_trap();
    arena_free(a);
    return 0;
}
