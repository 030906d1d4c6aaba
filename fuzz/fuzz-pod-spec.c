/* Fuzz target: pod manifests (strict schema validation and extraction in
 * engine/node/pod-spec.c) must never crash, hang or leak on any input;
 * bad input is an error with a position. */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/core.h"
#include "engine/node/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* node_pod_load reads files: hand it an anonymous one. */
    int fd = memfd_create("pod.yaml", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    const char *files[] = {path};
    struct arena *a = arena_new();
    struct pkg_err *err = NULL;
    struct node_pod_spec *spec;
    struct val *skipped;
    if (node_pod_load(&spec, &skipped, a, files, 1, &err) == 0) {
        for (size_t i = 0; i < spec->n_ctrs; i++)
            (void)spec->ctrs[i].name;
    }
    pkg_err_free(err);
    arena_free(a);
    close(fd);
    return 0;
}
