/* The node runtime: images, pods, containers, cgroups, volumes, probes and
 * logs on one Linux machine, with namespaces and cgroups (no Docker, no
 * containerd, no kubelet). Depends on core only.
 *
 * Everything lives under one home directory (PKG_HOME): the image store in
 * images/, pods in pods/, persistent volumes in volumes/. Functions take the
 * home as their first input; ownership of outputs is written on each one.
 * Failures return a negative PKG_E* code and set *errp; a failed system call
 * names the call and the path ("mount overlay on /x: Invalid argument"). */
#ifndef PKG_ENGINE_NODE_NODE_H
#define PKG_ENGINE_NODE_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/value.h"

/* The default home: $PKG_HOME, else /var/lib/pkg for root and
 * $XDG_DATA_HOME/pkg (or ~/.local/share/pkg) otherwise. Heap string. */
char *node_home_default(void);

/* ---- images ---- */

/* An image in the store. Strings live in the arena the call was given. */
struct node_image {
    const char *ref;      /* normalized reference, "docker.io/library/busybox:1.36" */
    const char *id;       /* config digest, "sha256:..." (the image ID) */
    const char *manifest; /* manifest digest or NULL (docker-save imports have none) */
    uint64_t size;        /* bytes of the unpacked layers */
    /* From the image config (may be NULL / empty): */
    const char *const *entrypoint;
    size_t n_entrypoint;
    const char *const *cmd;
    size_t n_cmd;
    const char *const *env; /* "K=V" */
    size_t n_env;
    const char *workdir;
    const char *user;
    /* Unpacked layer directories, bottom first (overlayfs lowerdir order is
     * the reverse). */
    const char *const *layers;
    size_t n_layers;
};

/* Limits for untrusted layers; zero fields take the defaults (16 GiB per
 * layer uncompressed, 1,000,000 entries). The environment variables
 * PKG_IMAGE_MAX_LAYER_BYTES and PKG_IMAGE_MAX_LAYER_ENTRIES override the
 * defaults (tests use them to exercise the limits). */
struct node_layer_limits {
    uint64_t max_bytes;
    uint64_t max_entries;
};

/* Normalizes an image reference the way docker and containerd do:
 * "busybox" -> "docker.io/library/busybox:latest"; a digest reference keeps
 * its digest ("repo@sha256:..."). Returns an arena string, or NULL with
 * *errp set (PKG_EINVAL) when the reference does not parse. */
const char *node_ref_normalize(struct arena *a, const char *ref, struct pkg_err **errp);

/* Imports every image of an OCI image layout directory, an OCI archive
 * (tar, optionally compressed) or a `docker save` tarball. Images without a
 * name in the input are named `name` (may be NULL: then they are an error).
 * Every blob's digest is verified and every layer unpacked once. *out gets
 * the imported images (arena a), *n their count. */
int node_image_import(struct node_image **out, size_t *n, struct arena *a, const char *home,
                      const char *path, const char *name, struct pkg_err **errp);

struct node_pull_opts {
    bool insecure;        /* plain HTTP (for loopback registries) */
    const char *cafile;   /* extra CA bundle, may be NULL */
    const char *platform; /* "linux/amd64" when NULL */
    /* Progress lines ("pulling layer sha256:..."), may be NULL. */
    void (*progress)(const char *line, void *payload);
    void *payload;
};

/* Pulls an image from its registry (OCI distribution API): token or basic
 * auth challenges, indexes and manifest lists resolved to the platform,
 * OCI and Docker media types, every blob's digest verified. */
int node_image_pull(struct node_image *out, struct arena *a, const char *home, const char *ref,
                    const struct node_pull_opts *opts, struct pkg_err **errp);

/* Looks an image up by reference, or by ID (full "sha256:..." or a unique
 * hex prefix of at least 6 digits). PKG_ENOENT when absent. */
int node_image_get(struct node_image *out, struct arena *a, const char *home, const char *ref,
                   struct pkg_err **errp);

/* All tagged images, sorted by reference. */
int node_image_list(struct node_image **out, size_t *n, struct arena *a, const char *home,
                    struct pkg_err **errp);

/* Removes a reference (or every reference of an ID) and then every blob
 * and layer no remaining image uses. Refuses (PKG_ESTATE) while a pod uses
 * the image. */
int node_image_remove(const char *home, const char *ref, struct pkg_err **errp);

/* Unpacks one layer (a tar, optionally compressed) into dir, which must
 * exist and be empty: whiteouts become overlayfs whiteouts, entries that
 * would escape the root, device nodes outside /dev and layers over the
 * limits are refused. *diff_id (may be NULL) receives "sha256:<hex>" of the
 * uncompressed stream (heap string); *digest (may be NULL) that of the
 * bytes read. lim may be NULL. */
int node_layer_unpack(char **diff_id, char **digest, int fd, const char *dir,
                      const struct node_layer_limits *lim, struct pkg_err **errp);

#endif
