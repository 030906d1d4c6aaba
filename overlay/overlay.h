/* overlay: Kustomize overlays built like `kubectl kustomize` (Kustomize
 * v5.5): kustomization files, resources, bases and components, generators,
 * transformers, strategic-merge and JSON 6902 patches, name references,
 * replacements and vars, remote git bases (libgit2) and helmCharts.
 *
 * Ownership: a build's resources live in the arena passed in and die with
 * it. Errors read like kustomize's, with the kustomization file named. */
#ifndef PKG_OVERLAY_OVERLAY_H
#define PKG_OVERLAY_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/sb.h"
#include "core/value.h"

enum kust_load_restrictor {
    KUST_LOAD_ROOT_ONLY = 0, /* LoadRestrictionsRootOnly (default) */
    KUST_LOAD_NONE,          /* LoadRestrictionsNone */
};

struct kust_opts {
    enum kust_load_restrictor restrictor;
    bool enable_helm; /* helmCharts are inflated only when set (--enable-helm) */
    /* Git clone cache directory; NULL: $PKG_HOME/cache/git (or the default
     * PKG_HOME). */
    const char *git_cache;
    /* Whether a cached clone of a moving ref (a branch, HEAD) is reused
     * without asking the remote again. Tags and commit ids always are. */
    bool git_offline;
};

/* Builds the kustomization at `path` (a directory or a git URL). *out is a
 * VAL_SEQ of the resulting objects in output order (the "JSON view"
 * kustomize prints: annotations as strings, numbers as JSON gives them).
 * Warnings kustomize prints on stderr (deprecated fields) are appended to
 * `warnings` when not NULL. */
int kust_build(struct val **out, struct arena *a, const char *path, const struct kust_opts *opts,
               struct sb *warnings, struct pkg_err **errp);

/* Appends the YAML stream kubectl kustomize prints for the objects:
 * each object as sigs.k8s.io/yaml prints it, joined by "---\n". */
int kust_emit(struct sb *out, const struct val *objs, struct pkg_err **errp);

/* The file name `kustomize build -o DIR` gives an object:
 * "[namespace_]group_version_kind_name.yaml" lowercased as kustomize does.
 * Heap string. */
char *kust_file_name(const struct val *obj);

/* Writes one file per object into dir (created when missing), as
 * `kustomize build -o DIR` does. Nothing is written when any file name
 * collides. */
int kust_write_dir(const char *dir, const struct val *objs, struct pkg_err **errp);

/* True when dir holds a kustomization file. */
bool kust_is_kustomization_dir(const char *dir);

#endif
