/* Fuzz target: loading a chart archive (gzip, tar, Chart.yaml, values,
 * subcharts) must never crash, hang or exceed its limits, whatever the
 * bytes. Small limits keep each run fast. */
#include <stdint.h>

#include "chart/chart.h"
#include "core/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    struct chart *c = NULL;
    struct pkg_err *err = NULL;
    struct chart_load_opts o = {
        .max_total_bytes = 4 << 20, .max_file_bytes = 1 << 20, .max_files = 500, .max_depth = 4};
    if (chart_load_archive(&c, a, data, size, "fuzz.tgz", &o, &err) == 0) {
        struct val *v = NULL;
        if (chart_values_coalesce(&v, a, c, NULL, false, &err) == 0)
            chart_values_validate(a, c, v, &err);
        pkg_err_clear(&err);
        chart_deps_check(c, &err);
    }
    pkg_err_free(err);
    arena_free(a);
    return 0;
}
