/* Module-private declarations of overlay/: the build context, resources and
 * resource maps, kyaml-like helpers on value trees, transformer
 * configuration, and the entry points of each generator and transformer.
 *
 * Every value lives in the build's arena (struct kbuild.a) and dies with it.
 * Resources are value trees shaped like kustomize's RNodes: kustomize keeps
 * its bookkeeping (previous names, prefixes, generator options) in
 * "internal.config.kubernetes.io/..." annotations on the objects and strips
 * them before printing; so does this module, which keeps every rule that
 * depends on them identical. */
#ifndef PKG_OVERLAY_KUST_H
#define PKG_OVERLAY_KUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "overlay/overlay.h"
#include "overlay/schema.h"

/* Build annotations (kustomize's utils and kioutil constants). */
#define KA_PREV_KINDS "internal.config.kubernetes.io/previousKinds"
#define KA_PREV_NAMES "internal.config.kubernetes.io/previousNames"
#define KA_PREFIXES "internal.config.kubernetes.io/prefixes"
#define KA_SUFFIXES "internal.config.kubernetes.io/suffixes"
#define KA_PREV_NAMESPACES "internal.config.kubernetes.io/previousNamespaces"
#define KA_ALLOW_NAME_CHANGE "internal.config.kubernetes.io/allowNameChange"
#define KA_ALLOW_KIND_CHANGE "internal.config.kubernetes.io/allowKindChange"
#define KA_REFBY "internal.config.kubernetes.io/refBy"
#define KA_GEN_BEHAVIOR "internal.config.kubernetes.io/generatorBehavior"
#define KA_NEEDS_HASH "internal.config.kubernetes.io/needsHashSuffix"
#define KA_ORIGIN "config.kubernetes.io/origin"
#define KA_TRANSFORMATIONS "alpha.config.kubernetes.io/transformations"

/* Hard limits for untrusted input. */
#define KUST_MAX_DEPTH 64         /* kustomization nesting */
#define KUST_MAX_FILE (64u << 20) /* one file */
#define KUST_MAX_RESOURCES 200000

struct kgit; /* git.c */

/* One build: `pkg render DIR`. */
struct kbuild {
    struct arena *a;
    const struct kust_opts *opts;
    /* The OpenAPI schema in use: NULL is the built-in one; set once per
     * build as kustomize's global openapi.SetSchema. */
    const struct ksch_set *custom_schema;
    bool schema_set;
    struct sb warnings; /* lines for stderr (deprecations) */
    struct kgit *git;
    int depth;
    bool err_located;       /* the error already names its kustomization file */
    struct ktconfig **cfgs; /* every transformer config made, freed at the end */
    size_t ncfgs, ccfgs;
    struct arena **arenas; /* parser threads' arenas, freed with the build */
    size_t narenas, carenas;
};

/* ---- strings ---- */

struct kstrv {
    const char **v;
    size_t n, cap;
};
void kstrv_push(struct kstrv *sv, const char *s);
void kstrv_free(struct kstrv *sv);
/* strings.Split: always at least one element. Pieces in the arena. */
void kstr_split(struct arena *a, struct kstrv *out, const char *s, char sep);
void kstr_split_str(struct arena *a, struct kstrv *out, const char *s, const char *sep);

/* An insertion-ordered string map (Go map[string]string where order does
 * not matter, but keeps it deterministic). */
struct kstrmap {
    const char **k, **v;
    size_t n, cap;
};
void kstrmap_set(struct kstrmap *m, const char *k, const char *v);
const char *kstrmap_get(const struct kstrmap *m, const char *k);
bool kstrmap_del(struct kstrmap *m, const char *k);
void kstrmap_free(struct kstrmap *m);
/* Keys sorted (Go sort.Strings). */
void kstrmap_sort(struct kstrmap *m);

/* ---- value helpers mirroring kyaml's RNode (node.c) ---- */

/* yaml.Node.Value: a string's bytes, a scalar's source text (or its
 * formatted value when made in memory), "" for collections and NULL. */
const char *kn_text(struct arena *a, const struct val *v);
/* The scalar's JSON-ish type as go-yaml v3 resolves an untagged plain
 * scalar (NewScalarRNode). */
struct val *kn_scalar(struct arena *a, const char *s);
/* A !!str node (NewStringRNode). */
/* val flag: a string made in memory whose kyaml node has style 0 on
 * purpose (kept from the node it replaced): no YAML 1.1 quoting. */
#define KN_F_STYLE0 0x40
/* val flag: its kyaml node has no tag (SetScalar, NewScalarRNode). */
#define KN_F_TAGEMPTY 0x20
enum kn_tag { KN_TAG_EMPTY, KN_TAG_STR, KN_TAG_INT };
/* filtersutil.SetEntry("", text, tag) on a scalar: the node replaced by
 * one with the old style; KN_TAG_EMPTY (SetScalar) keeps a quoted old
 * value a string and resolves a plain one. */
void kn_set_scalar(struct arena *a, struct val *node, const char *text, enum kn_tag tag);
/* FieldSetter{Name: key} with such a value: an existing scalar as above, a
 * new field double-quoted when YAML 1.1 would not read it as a string. */
void kn_set_field(struct arena *a, struct val *map, const char *key, const char *text,
                  enum kn_tag tag);
/* kyaml's IsValueNonString: go-yaml v2 reads s as something else than a
 * string (kyaml then double-quotes the new node). */
bool kn_yaml11_nonstring(const char *s);
struct val *kn_str(struct arena *a, const char *s);
/* A field of a map, NULL when absent or when m is not a map. */
struct val *kn_get(const struct val *m, const char *k);
/* IsMissingOrNull / IsNilOrEmpty-like checks. */
bool kn_missing_or_null(const struct val *v);
bool kn_nil_or_empty(const struct val *v);
/* LookupCreate: walks map fields, creating maps on the way (and the last
 * one of kind `kind`). NULL when a step is not a map. */
struct val *kn_lookup_create(struct arena *a, struct val *root, enum val_kind kind,
                             const char *const *path, size_t n);
void kn_set(struct arena *a, struct val *m, const char *k, struct val *v);
/* getMapFromMeta: metadata.<field> as strings (values by kn_text). */
void kn_meta_map(struct arena *a, const struct val *obj, const char *field, struct kstrmap *out);
/* setMapInMetadata: replaces metadata.<field> with string values sorted by
 * key; removes it when m is empty; creates metadata. */
void kn_set_meta_map(struct arena *a, struct val *obj, const char *field, const struct kstrmap *m);
/* One annotation's text, or NULL. */
const char *kn_annotation(struct arena *a, const struct val *obj, const char *key);
/* yaml.SetAnnotation / SetLabel. */
void kn_set_annotation(struct arena *a, struct val *obj, const char *key, const char *value);
void kn_set_label(struct arena *a, struct val *obj, const char *key, const char *value);
/* metadata accessors (kyaml GetName etc.: "" when absent). */
const char *kn_kind(struct arena *a, const struct val *obj);
const char *kn_apiversion(struct arena *a, const struct val *obj);
const char *kn_name(struct arena *a, const struct val *obj);
const char *kn_namespace(struct arena *a, const struct val *obj);
void kn_set_name(struct arena *a, struct val *obj, const char *name);
void kn_set_kind(struct arena *a, struct val *obj, const char *kind);
void kn_set_apiversion(struct arena *a, struct val *obj, const char *av);
/* SetNamespace: "" drops the field. */
void kn_set_namespace(struct arena *a, struct val *obj, const char *ns);

/* ---- resource ids (res.c) ---- */

struct kgvk {
    const char *group, *version, *kind;
    bool cluster_scoped;
};

struct kresid {
    struct kgvk gvk;
    const char *name, *ns;
};

/* NewGvk: looks the scope up in the schema. */
struct kgvk kgvk_make(struct kbuild *b, const char *group, const char *version, const char *kind);
void kgvk_parse_apiversion(struct arena *a, const char *av, const char **group,
                           const char **version);
const char *kgvk_apiversion(struct arena *a, const struct kgvk *g);
bool kgvk_equals(const struct kgvk *x, const struct kgvk *y);
bool kgvk_is_selected(const struct kgvk *x, const struct kgvk *selector);
/* Gvk.IsLessThan (legacy kind order, then group_version_kind). */
bool kgvk_less(const struct kgvk *x, const struct kgvk *y);
/* Sorts n elements of `size` bytes, each holding a struct kgvk at byte
 * offset gvk_off, by kgvk_less and stably (the order an insertion sort by
 * kgvk_less gives), computing each element's key once. */
void kgvk_sort(void *base, size_t n, size_t size, size_t gvk_off);
/* "Kind.version.group" with [noKind] etc. */
const char *kgvk_string(struct arena *a, const struct kgvk *g);
const char *kresid_string(struct arena *a, const struct kresid *id);
struct kresid kresid_from_string(struct kbuild *b, const char *s);
const char *kresid_effective_ns(const struct kresid *id);
bool kresid_equals(const struct kresid *x, const struct kresid *y);
bool kresid_gvkn_equals(const struct kresid *x, const struct kresid *y);
bool kresid_ns_equals(const struct kresid *x, const struct kresid *y);
/* Go's == on ResId (isClusterScoped included). */
bool kresid_same(const struct kresid *x, const struct kresid *y);

/* ---- resources and resource maps (res.c) ---- */

struct kres {
    struct val *node;     /* the object; NULL once deleted */
    const char **refvars; /* names of the vars that refer to it (arena) */
    size_t nrefvars;
};

struct kresmap {
    struct kres **v;
    size_t n, cap;
};

struct kres *kres_new(struct kbuild *b, struct val *node);
struct kres *kres_copy(struct kbuild *b, const struct kres *r);
void kres_add_refvar(struct kbuild *b, struct kres *r, const char *name);
struct kresid kres_curid(struct kbuild *b, const struct kres *r);
/* How many resources of a map hold each current id, kept up to date by
 * the caller as resources change (GetMatchingResourcesByCurrentId in a
 * loop without its O(n^2)). */
struct kidcount;
struct kidcount *kidcount_new(struct kbuild *b, const struct kresmap *m);
void kidcount_add(struct kidcount *c, const struct kresid *id);
void kidcount_remove(struct kidcount *c, const struct kresid *id);
size_t kidcount_get(const struct kidcount *c, const struct kresid *id);
void kidcount_free(struct kidcount *c);
/* Previous ids from the build annotations, oldest first. */
size_t kres_previds(struct kbuild *b, const struct kres *r, struct kresid **out);
struct kresid kres_orgid(struct kbuild *b, const struct kres *r);
void kres_store_previd(struct kbuild *b, struct kres *r);
/* csv annotations */
void kres_csv_append(struct kbuild *b, struct kres *r, const char *key, const char *value);
void kres_csv_get(struct kbuild *b, const struct kres *r, const char *key, struct kstrv *out);
bool kres_enabled(struct kbuild *b, const struct kres *r, const char *key);
void kres_enable(struct kbuild *b, struct kres *r, const char *key);
bool kres_empty(const struct kres *r);
/* One of kustomize's BuildAnnotations (stripped before printing). */
bool kres_is_build_annotation(const char *key);
/* CopyMergeMetaDataFieldsFrom (patch copies) */
void kres_copy_merge_meta(struct kbuild *b, struct kres *r, const struct kres *other);

void kresmap_push(struct kresmap *m, struct kres *r);
void kresmap_free(struct kresmap *m);
/* Append: fails on an id already present (CurId). */
int kresmap_append(struct kbuild *b, struct kresmap *m, struct kres *r, struct pkg_err **errp);
int kresmap_append_all(struct kbuild *b, struct kresmap *m, const struct kresmap *o,
                       struct pkg_err **errp);
/* AbsorbAll: generator output, merged per behavior. */
int kresmap_absorb_all(struct kbuild *b, struct kresmap *m, const struct kresmap *o,
                       struct pkg_err **errp);
void kresmap_drop_empties(struct kresmap *m);
/* Resources whose any id (previous or current) matches id.Equals. */
void kresmap_by_any_id(struct kbuild *b, const struct kresmap *m, const struct kresid *id,
                       bool gvkn_only, struct kresmap *out);
void kresmap_by_cur_id(struct kbuild *b, const struct kresmap *m, const struct kresid *id,
                       struct kresmap *out);
/* GetById: exactly one match by any id, or an error like kustomize's. */
struct kres *kresmap_get_by_id(struct kbuild *b, const struct kresmap *m, const struct kresid *id,
                               struct pkg_err **errp);

/* Patch and transformer targets (types.Selector). */
struct kselector {
    const char *group, *version, *kind, *name, *ns;
    const char *label_selector, *annotation_selector;
};
int kselector_from_val(struct kbuild *b, struct kselector *out, const struct val *v,
                       struct pkg_err **errp);
/* ResMap.Select: regex on name/namespace/kind..., label/annotation selectors. */
int kresmap_select(struct kbuild *b, const struct kresmap *m, const struct kselector *s,
                   struct kresmap *out, struct pkg_err **errp);
const char *kselector_string(struct arena *a, const struct kselector *s);
/* labels.Parse + Matches on a string map. */
int klabels_match(const char *selector, const struct kstrmap *set, bool *match,
                  struct pkg_err **errp);

/* ---- field specs and transformer configuration (config.c) ---- */

struct kfieldspec {
    struct kgvk gvk;
    const char *path;
    bool create;
};

struct kfsslice {
    struct kfieldspec *v;
    size_t n, cap;
};

struct knbr { /* NameBackReferences */
    struct kgvk gvk;
    struct kfsslice referrers;
};

struct ktconfig {
    struct kfsslice nameprefix, namesuffix, namespace, commonlabels, labels, templatelabels,
        commonannotations, varreference, images, replicas;
    struct knbr *nameref;
    size_t nnameref, cnameref;
};

/* MakeDefaultConfig (a fresh copy). */
struct ktconfig *ktconfig_default(struct kbuild *b);
struct ktconfig *ktconfig_empty(struct kbuild *b);
void ktconfig_release_all(struct kbuild *b);
/* Merge: a new config (sorted as kustomize sorts). */
int ktconfig_merge(struct kbuild *b, struct ktconfig **out, const struct ktconfig *x,
                   const struct ktconfig *y, struct pkg_err **errp);
/* Parses a transformer configuration document (configurations: files). */
int ktconfig_parse(struct kbuild *b, struct ktconfig **out, const char *buf, size_t len,
                   const char *file, struct pkg_err **errp);
int kfsslice_merge_one(struct kfsslice *s, const struct kfieldspec *fs, struct pkg_err **errp);
int kfsslice_merge_all(struct kfsslice *s, const struct kfsslice *in, struct pkg_err **errp);
void kfsslice_copy(struct kfsslice *dst, const struct kfsslice *src);
bool kfieldspec_applies(const struct kfieldspec *fs, const struct kgvk *gvk);
/* Parses field specs from a value (a sequence of {group,version,kind,path,create}). */
int kfsslice_from_val(struct kbuild *b, struct kfsslice *out, const struct val *v,
                      struct pkg_err **errp);

/* ---- applying field specs (fieldspec.c) ---- */

/* The setter called on each node a field spec reaches; it changes the node
 * in place (kyaml's SetFn on an RNode). */
typedef int (*kfs_setter)(struct kbuild *b, struct val *node, void *payload, struct pkg_err **errp);
/* fieldspec.Filter: when the spec's gvk matches obj, walks its path
 * (`a/b[]/c`, `\/` escapes) and calls set on what it reaches. With
 * spec->create, missing fields are created: maps on the way, the last of
 * `create_kind` (VAL_MAP, VAL_STRING for a scalar; -1: never create). */
int kfs_apply_one(struct kbuild *b, struct val *obj, const struct kfieldspec *fs, int create_kind,
                  kfs_setter set, void *payload, struct pkg_err **errp);
/* fsslice.Filter: every spec in order. */
int kfs_apply(struct kbuild *b, struct val *obj, const struct kfsslice *specs, int create_kind,
              kfs_setter set, void *payload, struct pkg_err **errp);
/* PathSplitter: splits on '/' except after a backslash; a leading '/' is
 * dropped. */
void kfs_split_path(struct arena *a, const char *path, struct kstrv *out);
/* isMatchGVK */
bool kfs_matches(struct kbuild *b, const struct kfieldspec *fs, const struct val *obj);
/* Replaces node's contents with v's (kyaml's SetYNode). */
void kn_replace(struct val *node, const struct val *v);

/* ---- loading (loader.c) ---- */

struct krepo; /* a cloned git repository (git.c) */

struct kloader {
    struct kloader *referrer;
    const char *root; /* absolute, symlinks resolved */
    bool root_only;
    struct krepo *repo; /* set when root is inside a clone */
};

int kloader_new_root(struct kbuild *b, struct kloader **out, const char *path,
                     struct pkg_err **errp);
/* FileLoader.New: a directory or a git URL relative to ldr. */
int kloader_new(struct kbuild *b, struct kloader **out, struct kloader *ldr, const char *path,
                struct pkg_err **errp);
/* FileLoader.Load: file contents (restricted). *real gets the resolved
 * path when not NULL. */
int kloader_load(struct kbuild *b, struct kloader *ldr, const char *path, struct sb *out,
                 const char **real, struct pkg_err **errp);
/* kloader_load for a local path with strings in arena a: safe to call from
 * several threads at once. */
int kloader_load_local(struct arena *a, const struct kloader *ldr, const char *path, struct sb *out,
                       const char **real, struct pkg_err **errp);
/* True when path parses as a remote git URL (git.c). */
bool kgit_is_repo_url(const char *path);

/* The JSON view of a tree (what kustomize's MarshalJSON round trip leaves):
 * kjson_roundtrip shares strings with v, kjson_view copies them (output.c). */
struct val *kjson_roundtrip(struct arena *a, const struct val *v);
struct val *kjson_view(struct arena *a, const struct val *v);
/* Fails as Resource.MarshalJSON does on a nested mapping whose key (as
 * written in a file) go-yaml v3 reads as another type than a string. */
int kjson_check_keys(struct arena *a, const struct val *v, struct pkg_err **errp);
/* The tree kyaml holds after a JSON round trip (see output.c); retext works
 * in place on a kjson_roundtrip result. */
struct val *kjson_reparse(struct arena *a, const struct val *v, bool floats);
struct val *kjson_retext(struct arena *a, struct val *v, bool floats);
/* sigs.k8s.io/yaml's string for a non-string map key (go-yaml v2 loads). */
const char *kjson_v2_key(struct arena *a, const struct val *k);
/* Go's error text for an errno ("no such file or directory"). */
const char *kerrno_str(int e);

/* ---- the kustomization file (kfile.c) ---- */

/* Loads and validates kustomization.yaml/.yml/Kustomization in the loader's
 * root: the strict field check kustomize does, legacy fields folded in.
 * *file gets the file's path. */
int kfile_load(struct kbuild *b, struct kloader *ldr, struct val **out, const char **file,
               struct pkg_err **errp);

/* ---- resources from bytes (read.c) ---- */

/* SliceFromBytes: splits documents, drops empty ones, validates kind and
 * metadata.name, expands *List kinds. */
int kread_resources(struct kbuild *b, struct kresmap *out, const char *buf, size_t len,
                    const char *file, struct pkg_err **errp);
/* The two halves of kread_resources: parsing (thread-safe, everything in
 * arena a; *ndocs counts the `---` separated pieces) and building the
 * resources from the parsed documents. */
int kread_parse(struct arena *a, struct val **docs, size_t *ndocs, const char *buf, size_t len,
                const char *file, struct pkg_err **errp);
int kread_build(struct kbuild *b, struct kresmap *out, struct val *docs, size_t ndocs,
                struct pkg_err **errp);

/* Runs fn(i, payload) for i in [0, n) on up to the machine's CPU count of
 * threads (inline when n or the CPU count is 1). */
void kpar_run(size_t n, void (*fn)(size_t i, void *payload), void *payload);

/* ---- generators (gen.c) ---- */

int kgen_configmap(struct kbuild *b, struct kloader *ldr, const struct val *args,
                   const struct val *globalopts, struct kres **out, struct pkg_err **errp);
int kgen_secret(struct kbuild *b, struct kloader *ldr, const struct val *args,
                const struct val *globalopts, struct kres **out, struct pkg_err **errp);
/* The content hash suffix of a ConfigMap or Secret (api/hasher). */
int khash_resource(struct kbuild *b, const struct val *obj, char out[11], struct pkg_err **errp);

/* ---- transformers ---- */

/* patch-smp.c: merge2.Merge(patch, dest) with prepend for lists; *out is
 * NULL when the object is deleted. Both trees may be modified. */
int ksmp_merge(struct kbuild *b, struct val **out, struct val *dest, struct val *patch,
               struct pkg_err **errp);
/* patch-json6902.c: applies a JSON patch (ops as a value: a sequence of
 * op maps) to obj in place (*obj may be replaced). */
int kjson6902_apply(struct kbuild *b, struct val **obj, const struct val *ops,
                    struct pkg_err **errp);
/* Parses JSON or YAML patch text into ops. */
int kjson6902_parse(struct kbuild *b, const struct val **ops, const char *text, size_t len,
                    const char *file, struct pkg_err **errp);

int kx_labels(struct kbuild *b, struct kresmap *m, const struct kstrmap *labels,
              const struct kfsslice *fs, struct pkg_err **errp);
int kx_replacements(struct kbuild *b, struct kloader *ldr, struct kresmap *m,
                    const struct val *list, struct pkg_err **errp);
int kx_hash_names(struct kbuild *b, struct kresmap *m, struct pkg_err **errp);
int kx_namerefs(struct kbuild *b, struct kresmap *m, const struct ktconfig *tc,
                struct pkg_err **errp);
/* Legacy vars: resolved and substituted into $(VAR) references. */
struct kvar {
    const char *name;
    struct kresid objref;
    const char *fieldpath;
};
struct kvarset {
    struct kvar *v;
    size_t n, cap;
};
int kvarset_merge(struct kbuild *b, struct kvarset *s, const struct kvar *in, size_t n,
                  struct pkg_err **errp);
int kx_vars(struct kbuild *b, struct kresmap *m, const struct kvarset *vars,
            const struct kfsslice *fs, struct pkg_err **errp);
int kx_sort(struct kbuild *b, struct kresmap *m, const struct val *sortopts, struct pkg_err **errp);
/* helm.c: helmCharts inflated by pkg's chart renderer. */
int kx_helm(struct kbuild *b, struct kloader *ldr, const struct val *k, struct kresmap *out,
            struct pkg_err **errp);

#endif
