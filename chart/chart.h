/* Helm charts: loading (directories and .tgz archives), Chart.yaml,
 * values (files, --set and friends, coalescing, schema validation),
 * dependencies (conditions, tags, aliases, import-values), the manifest
 * order `helm template` prints, and packaging.
 *
 * Everything mirrors Helm v3.17 (pkg/chart, pkg/chartutil, pkg/strvals,
 * pkg/releaseutil, pkg/action) so that `pkg template` prints the same bytes.
 *
 * Ownership: a loaded chart and every value tree it hands out live in the
 * arena passed to the loader; nothing is freed on its own. Errors come back
 * through `struct pkg_err **errp` with Helm's wording where users see it. */
#ifndef PKG_CHART_CHART_H
#define PKG_CHART_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/sb.h"
#include "core/value.h"

struct chart_map;
struct chart_lazy;

/* ---- the chart ---- */

struct chart_file {
    const char *name; /* slash-separated, relative to the chart root */
    /* NUL-terminated, a UTF-8 BOM removed; in the arena or a mapping. NULL
     * for a file a chart directory's load only stat'ed (one no render
     * reads by itself: README, examples/, ci/...): chart_file_data(). */
    const char *data;
    size_t len;              /* data's length; for a file not read yet, its size */
    struct chart_lazy *lazy; /* where such a file is read from */
};

/* f's bytes and their length: f->data, or for a file the load only
 * stat'ed, read now (once; the chart's release frees them). NULL with
 * *errp set when that read fails. */
const char *chart_file_data(const struct chart_file *f, size_t *len, struct pkg_err **errp);

struct chart_maintainer {
    const char *name, *email, *url;
};

/* One entry of Chart.yaml `dependencies` (chart.Dependency). */
struct chart_dep {
    const char *name, *version, *repository, *condition, *alias;
    const char **tags;
    size_t ntags;
    bool enabled;
    struct val *import_values; /* VAL_SEQ as written, or NULL */
};

/* Chart.yaml (chart.Metadata). Absent strings are "" (never NULL). */
struct chart_meta {
    const char *name, *home, *version, *description, *icon, *api_version, *condition, *tags,
        *app_version, *kube_version, *type;
    const char **sources;
    size_t nsources;
    const char **keywords;
    size_t nkeywords;
    struct chart_maintainer **maintainers; /* entries may be NULL (a null node) */
    size_t nmaintainers;
    bool deprecated;
    struct val *annotations; /* VAL_MAP of strings, or NULL */
    struct chart_dep **deps; /* entries may be NULL (a null node) */
    size_t ndeps;
    bool has_deps; /* the `dependencies` key held a list (Go's non-nil slice) */
};

struct tmpl_parse_ahead;

struct chart {
    struct chart_meta *meta;
    struct chart_file *templates; /* templates/..., in load order */
    size_t ntemplates;
    struct chart_file *files; /* everything .Files serves (and crds/) */
    size_t nfiles;
    struct chart_file *raw; /* every file of the chart as loaded */
    size_t nraw;
    struct val *values; /* values.yaml as a map, or NULL when absent or null */
    const char *schema; /* values.schema.json bytes, or NULL */
    size_t schema_len;
    struct val *lock;       /* Chart.lock (v1: requirements.lock) as Helm re-marshals it */
    struct chart_map *maps; /* the root's file mappings: chart_release() */
    struct chart *parent;   /* NULL for the root */
    struct chart **deps;    /* subcharts (Helm's Dependencies()) */
    size_t ndeps;
    struct tmpl_parse_ahead *ahead; /* the root's templates parsed ahead: chart_release() */
};

/* Limits for untrusted charts. Zero fields take the defaults (Helm v3.18's
 * limits, which v3.17 lacks: 100 MiB in all, 5 MiB per file) and 10000
 * files, subcharts nested 16 deep. The totals span nested archives. */
struct chart_load_opts {
    size_t max_total_bytes;
    size_t max_file_bytes;
    size_t max_files;
    unsigned max_depth;
    /* Start parsing the templates of the chart and of its unpacked
     * subcharts on a thread while the chart loads (for a render that
     * follows: chart_template takes the trees). */
    bool parse_ahead;
};

/* Loads a chart from a directory (honouring .helmignore, following symlinks
 * as Helm does) or a gzipped tar archive. Archives are refused when an
 * entry is absolute, leaves the chart (`..`), is a link pointing outside, a
 * device or FIFO, or when a limit is exceeded; the message names the entry.
 * Chart.yaml is validated as Helm does ("validation: chart.metadata.version
 * is required", ...). The chart lives in arena a. */
int chart_load(struct chart **out, struct arena *a, const char *path,
               const struct chart_load_opts *opts, struct pkg_err **errp);

/* Unmaps the files a directory chart's data point into and stops and frees
 * its parse-ahead. Call it before freeing the arena of a chart from
 * chart_load (until then the files' bytes stay readable); NULL is a
 * no-op. */
void chart_release(struct chart *c);

/* The same for an archive already in memory; `name` is used in messages. */
int chart_load_archive(struct chart **out, struct arena *a, const void *data, size_t len,
                       const char *name, const struct chart_load_opts *opts, struct pkg_err **errp);

/* Helm's ChartFullPath ("top/charts/sub") as an arena string. */
const char *chart_full_path(struct arena *a, const struct chart *c);

/* True for `type: library` (case-insensitive, as Helm's engine checks). */
bool chart_is_library(const struct chart *c);

/* ---- values ---- */

/* Values given on the command line, in the order given per flag. Helm
 * applies them by kind: files, then --set-json, --set, --set-string,
 * --set-file, --set-literal. */
struct chart_value_opts {
    const char **files; /* -f/--values; "-" reads stdin */
    size_t nfiles;
    const char **set, **set_string, **set_file, **set_json, **set_literal;
    size_t nset, nset_string, nset_file, nset_json, nset_literal;
    /* Merged over the files' values before the --set flags, as one more
     * values file would be (kustomize's valuesInline); may be NULL. */
    const struct val *inline_values;
};

/* Builds the user-supplied values map (Helm's values.Options.MergeValues). */
int chart_values_merge(struct val **out, struct arena *a, const struct chart_value_opts *o,
                       struct pkg_err **errp);

/* The --set grammar (Helm's pkg/strvals), parsing s into the map dest. */
enum chart_strvals_mode {
    CHART_SET,         /* --set: typed values (int64, bool, null) */
    CHART_SET_STRING,  /* --set-string */
    CHART_SET_JSON,    /* --set-json */
    CHART_SET_LITERAL, /* --set-literal */
    CHART_SET_FILE,    /* --set-file: values are paths, read by the loader */
};
/* For CHART_SET_FILE: reads a path into a string value. */
typedef int (*chart_file_reader)(struct val **out, struct arena *a, const char *path, void *payload,
                                 struct pkg_err **errp);
int chart_strvals_parse(struct arena *a, struct val *dest, const char *s,
                        enum chart_strvals_mode mode, chart_file_reader reader, void *payload,
                        struct pkg_err **errp);

/* Helm's chartutil coalescing (CoalesceValues when merge is false,
 * MergeValues when true): a deep copy of vals with the chart's and its
 * subcharts' defaults filled in, globals copied down. The copy shares
 * string bytes and map keys with vals and the chart (val_copy_shared), so
 * those must outlive it. */
int chart_values_coalesce(struct val **out, struct arena *a, const struct chart *c,
                          const struct val *vals, bool merge, struct pkg_err **errp);

/* Helm's CoalesceTables / MergeTables: fills dst from src (dst wins). */
struct val *chart_values_coalesce_tables(struct arena *a, struct val *dst, struct val *src,
                                         bool merge);

/* Validates coalesced values against the chart's values.schema.json and
 * its subcharts' (Helm's ValidateAgainstSchema, gojsonschema semantics).
 * The error lists every violation under the chart's name. */
int chart_values_validate(struct arena *a, const struct chart *c, const struct val *vals,
                          struct pkg_err **errp);

/* Validates values against one JSON schema document. On violation returns
 * PKG_EINVAL with one "- path: message\n" line per error. */
int chart_schema_validate(struct arena *a, const char *schema, size_t schema_len,
                          const struct val *vals, struct pkg_err **errp);

/* ---- dependencies ---- */

/* action.CheckDependencies: every Chart.yaml dependency is present. */
int chart_deps_check(const struct chart *c, struct pkg_err **errp);

/* chartutil.ProcessDependenciesWithMerge: resolves aliases and versions,
 * drops subcharts disabled by `condition`/`tags`, applies import-values.
 * Changes the chart in place (allocating in a). */
int chart_deps_process(struct arena *a, struct chart *c, const struct val *vals,
                       struct pkg_err **errp);

/* ---- manifests ---- */

/* One rendered document after Helm's split and sort. */
struct chart_manifest {
    const char *path;    /* "chart/templates/x.yaml" */
    const char *content; /* trimmed document text */
    size_t len;
    const char *kind;
    const char *name;
    bool hook;
    bool test_hook; /* a hook with the `test` (or test-success) event */
    int weight;
};

struct chart_manifests {
    struct chart_manifest *generic, *hooks;
    size_t ngeneric, nhooks;
};

/* One rendered template: its path and output. */
struct chart_rendered {
    const char *path;
    const char *text;
    size_t len;
};

/* releaseutil.SortManifests with InstallOrder: partials and blank files
 * dropped, documents split on `---`, hooks separated, each list sorted
 * stably by kind then by file path. Fails like Helm on a document whose
 * head does not parse ("YAML parse error on chart/templates/x.yaml: ..."). */
int chart_manifests_sort(struct chart_manifests *out, struct arena *a,
                         const struct chart_rendered *files, size_t n, struct pkg_err **errp);

/* The heads of rendered files parsed while the rest render, on a thread
 * of their own: chart_heads_add each file as its output is final, then
 * chart_manifests_sort_heads, which parses what is left and sorts as
 * chart_manifests_sort does (same documents, same first error). NULL when
 * there is no second CPU. chart_heads_free after the sort, or instead of
 * it (it stops the thread); NULL is a no-op. The texts must outlive it. */
struct chart_heads;
struct chart_heads *chart_heads_start(void);
void chart_heads_add(struct chart_heads *h, const char *path, const char *text, size_t len);
int chart_manifests_sort_heads(struct chart_manifests *out, struct arena *a,
                               const struct chart_rendered *files, size_t n, struct chart_heads *h,
                               struct pkg_err **errp);
void chart_heads_free(struct chart_heads *h);

/* Helm's SplitManifests: documents of a stream, trimmed, empty ones
 * dropped. *out is an arena array of n strings. */
size_t chart_split_manifests(const char ***out, size_t **lens, struct arena *a, const char *text,
                             size_t len);

/* ---- helm template ---- */

/* Print helm's log lines (coalesce warnings, non-boolean conditions and
 * tags, missing import-values tables, unknown hooks) to stderr as helm
 * template does, "coalesce.go:298: warning: ...". Off by default. */
void chart_helm_log_enable(bool on);

struct chart_template_opts {
    const char *release_name; /* validated as Helm does; NULL: the chart's name */
    const char *namespace;    /* NULL: "default" */
    bool is_upgrade;
    const char *kube_version;        /* NULL: v1.32.0, Helm v3.17.1's default */
    const char *const *api_versions; /* added to the default set */
    size_t napi_versions;
    bool include_crds;
    bool no_hooks;
    bool skip_tests;
    bool skip_schema_validation;
    const char *const *show_only; /* --show-only patterns */
    size_t nshow_only;
    const char *output_dir;    /* write files there instead of printing */
    bool use_release_name;     /* --release-name: output_dir/RELEASE/... */
    const char *post_renderer; /* an executable (looked up in $PATH), or NULL */
    const char *const *post_renderer_args;
    size_t npost_renderer_args;
    bool debug; /* on a YAML parse error, print the rendered files too */
    /* helm template's "WARNING: This chart is deprecated" on stderr for a
     * chart whose Chart.yaml says deprecated: true (not for kustomize's
     * helmCharts, which show helm's stderr only when it fails) */
    bool warn_deprecated;
};

/* Go's exec.LookPath for the post-renderer: an absolute path (heap
 * string) to an executable, searching $PATH for a bare name; NULL when none. */
char *chart_look_path(const char *file);

/* Helm's ParseKubeVersion: "1.28" -> Version "v1.28.0", Major "1", Minor
 * "28". Arena strings. */
int chart_kube_version_parse(const char **version, const char **major, const char **minor,
                             struct arena *a, const char *s, struct pkg_err **errp);

/* action.TemplateName: a --name-template text (Helm's functions, no data)
 * rendered to the release name, an arena string. */
int chart_name_from_template(const char **out, struct arena *a, const char *text,
                             struct pkg_err **errp);

/* chartutil.ValidateReleaseName, with Helm's wording. */
int chart_release_name_validate(const char *name, struct pkg_err **errp);

/* `helm template` on a loaded chart with the user's values (from
 * chart_values_merge): checks installability and dependencies, processes
 * dependencies, coalesces and validates values, renders every template,
 * sorts the manifests and appends to `out` exactly what helm prints on
 * stdout (with --output-dir, the "wrote FILE" lines). On failure nothing
 * useful is in `out`; *render_error (may be NULL) tells whether Helm adds
 * "Use --debug flag to render out invalid YAML" to this error. With
 * o->debug, `out` may hold what Helm prints before such an error. */
int chart_template(struct sb *out, bool *render_error, struct arena *a, struct chart *c,
                   const struct val *vals, const struct chart_template_opts *o,
                   struct pkg_err **errp);

/* The whole command for a chart directory or archive, in Helm's order:
 * values (chart_values_merge), loading, then chart_template. This is the
 * call for kustomize's helmCharts inflation too. */
int chart_template_path(struct sb *out, bool *render_error, const char *chart_path,
                        const struct chart_value_opts *vo, const struct chart_template_opts *o,
                        struct pkg_err **errp);

/* ---- packaging ---- */

struct chart_package_opts {
    const char *dest_dir;    /* default "." */
    const char *version;     /* override Chart.yaml version, or NULL */
    const char *app_version; /* override appVersion, or NULL */
};

/* Writes NAME-VERSION.tgz of the chart directory at path (helm package):
 * the layout and modes helm writes, deterministic bytes. *out_path gets
 * the archive path (arena string). */
int chart_package(const char **out_path, struct arena *a, const char *path,
                  const struct chart_package_opts *o, struct pkg_err **errp);

/* ---- helm show ---- */

enum chart_show_what {
    CHART_SHOW_CHART,
    CHART_SHOW_VALUES,
    CHART_SHOW_README,
    CHART_SHOW_CRDS,
    CHART_SHOW_ALL,
};

/* Appends what `helm show WHAT` prints for the chart. */
int chart_show(struct sb *out, struct arena *a, const struct chart *c, enum chart_show_what w,
               struct pkg_err **errp);

/* Go's path/filepath.Match (used by .helmignore and --show-only). Returns
 * 1 on match, 0 on no match, PKG_EINVAL for a malformed pattern. */
int chart_path_match(const char *pattern, const char *name);

#endif
