/* Fuzz target: index.yaml loading. Any input either loads or fails with an
 * error (never crashes); an index that loads serializes, and what it
 * serializes loads back and serializes to the same bytes (the writer's
 * output is a fixed point of load + write, as helm's is). Lookups with a
 * few constraints must not crash either. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "repo-index/repo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct repo_index *idx = NULL, *back = NULL;
    struct pkg_err *err = NULL;
    if (repo_index_load(&idx, (const char *)data, size, "fuzz", NULL, &err) < 0) {
        pkg_err_free(err);
        return 0;
    }
    static const char *const cons[] = {"", "*", "^1", "~1.2 || >=3", "1.2.3", ">0.0.0-0"};
    for (size_t i = 0; i < idx->n; i++)
        for (size_t k = 0; k < sizeof(cons) / sizeof(cons[0]); k++) {
            struct repo_entry *e;
            repo_index_get(&e, idx, idx->charts[i].name, cons[k], &err);
            pkg_err_clear(&err);
        }
    struct sb s1 = SB_INIT, s2 = SB_INIT;
    if (repo_index_serialize(&s1, idx, false, &err) < 0) {
        /* Only values the emitter refuses (none expected) end here. */
        pkg_err_clear(&err);
    } else if (repo_index_load(&back, s1.buf, s1.len, "written", NULL, &err) < 0) {
        abort(); /* what we write must load */
    } else {
        if (repo_index_serialize(&s2, back, false, &err) < 0 || s1.len != s2.len ||
            memcmp(s1.buf, s2.buf, s1.len))
            abort();
    }
    pkg_err_free(err);
    sb_release(&s1);
    sb_release(&s2);
    repo_index_free(back);
    repo_index_free(idx);
    return 0;
}
