/* Fuzz target: the --set grammar in every mode must never crash, hang or
 * leak. The first byte picks the mode; the rest is the expression. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chart/chart.h"
#include "core/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
reader(struct val **out, struct arena *a, const char *path, void *payload, struct pkg_err **errp)
{
    (void)payload;
    (void)errp;
    *out = val_strz(a, path);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 65536)
        return 0;
    char *s = malloc(size);
    memcpy(s, data + 1, size - 1);
    s[size - 1] = 0;
    static const enum chart_strvals_mode modes[] = {CHART_SET, CHART_SET_STRING, CHART_SET_JSON,
                                                    CHART_SET_LITERAL, CHART_SET_FILE};
    struct arena *a = arena_new();
    struct val *m = val_map(a);
    struct pkg_err *err = NULL;
    /* Parse twice into the same map: parsing into existing values is
     * where type assertions fail. */
    for (int k = 0; k < 2; k++) {
        chart_strvals_parse(a, m, s, modes[data[0] % 5], reader, NULL, &err);
        pkg_err_clear(&err);
    }
    arena_free(a);
    free(s);
    return 0;
}
