/* The OpenAPI schema kustomize consults: patch strategies and merge keys for
 * strategic merge patches, and which kinds are cluster-scoped.
 *
 * A schema set is a flat table of schema nodes. The built-in set is generated
 * from the Kubernetes v1.21.2 document kustomize v5.5 embeds
 * (overlay/gen/gen-schema.py); a kustomization's `openapi: {path: ...}` file
 * is loaded into the same shape at run time. Module-private. */
#ifndef PKG_OVERLAY_SCHEMA_H
#define PKG_OVERLAY_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/value.h"

enum { KSCH_T_NONE, KSCH_T_OBJECT, KSCH_T_ARRAY, KSCH_T_SCALAR };

struct ksch_node {
    uint8_t type;   /* KSCH_T_* (NONE: no single type given) */
    int32_t ref;    /* node of the $ref target, -1 */
    int32_t items;  /* node, -1 */
    int32_t addl;   /* additionalProperties node, -1 */
    uint32_t prop0; /* first property (sorted by name) */
    uint32_t nprops;
    uint32_t strategy; /* string index, 0 = "" */
    uint32_t mergekey; /* string index */
    uint32_t keylist;  /* x-kubernetes-list-map-keys: index into keylist_starts, 0 = none */
};

struct ksch_prop {
    uint32_t name; /* string index */
    int32_t node;
};

struct ksch_type {
    uint32_t apiversion, kind; /* string indexes */
    int32_t node;
};

struct ksch_scope {
    uint32_t apiversion, kind;
    bool namespaced;
};

struct ksch_set {
    const struct ksch_node *nodes;
    size_t nnodes;
    const struct ksch_prop *props;
    const int32_t *keylists; /* string indexes, each list ends with -1 */
    const uint32_t *keylist_starts;
    const struct ksch_type *types; /* sorted by apiVersion, then kind */
    size_t ntypes;
    const struct ksch_scope *scopes; /* sorted likewise */
    size_t nscopes;
    const char *const *strs;
};

/* Kubernetes v1.21.2's schema as kustomize v5.5 embeds it. */
const struct ksch_set *ksch_builtin(void);

/* A schema: a node of a set; node < 0 is "no schema" (Go's nil). */
struct ksch {
    const struct ksch_set *set;
    int32_t node;
};

static inline bool
ksch_nil(struct ksch s)
{
    return s.set == NULL || s.node < 0;
}

/* SchemaForResourceType: the schema of a top-level type, or nil. */
struct ksch ksch_for_type(const struct ksch_set *set, const char *apiversion, const char *kind);
/* Field(): a property's schema (or additionalProperties'), $refs resolved. */
struct ksch ksch_field(struct ksch s, const char *name);
/* Elements(): the items' schema of an array schema, $refs resolved. */
struct ksch ksch_elements(struct ksch s);
/* The patch strategy ("" when none) and merge keys: list-map-keys when
 * given, else the merge key (none when absent). Returns the key count
 * (at most max). Keys point into the set's strings. */
const char *ksch_strategy(struct ksch s);
size_t ksch_merge_keys(struct ksch s, const char **keys, size_t max);
/* x-kubernetes-patch-merge-key alone ("" when absent). */
const char *ksch_merge_key(struct ksch s);

/* IsNamespaceScoped: *found says whether the type is known. Consults the
 * built-in table, then `custom` (may be NULL). */
bool ksch_namespaced(const struct ksch_set *custom, const char *apiversion, const char *kind,
                     bool *found);

/* Builds a set from a parsed OpenAPI v2 document (JSON or YAML value):
 * its definitions and paths. Everything lives in arena a. */
int ksch_set_load(const struct ksch_set **out, struct arena *a, const struct val *doc,
                  const char *file, struct pkg_err **errp);

#endif
