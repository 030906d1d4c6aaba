/* chart/ internals shared between its files. Not part of the public API. */
#ifndef PKG_CHART_CHART_INT_H
#define PKG_CHART_CHART_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "chart/chart.h"

/* .helmignore rules (Helm's pkg/ignore). */
struct chart_ignore;
/* Parses a .helmignore file's bytes; the defaults are added separately. */
int chart_ignore_parse(struct chart_ignore **out, const char *data, size_t len,
                       struct pkg_err **errp);
struct chart_ignore *chart_ignore_new(void);
void chart_ignore_add_defaults(struct chart_ignore *r);
/* True when the slash-separated path (relative to the chart) is ignored. */
bool chart_ignore_match(const struct chart_ignore *r, const char *path, bool is_dir);
void chart_ignore_free(struct chart_ignore *r);

/* A file as the loaders collect it before LoadFiles sorts it out. */
struct chart_buffered {
    char *name;
    char *data; /* NULL when lazy is set */
    size_t len;
    struct chart_lazy *lazy;
};

/* Memory a chart's file data live in: a mapping (len > 0, unmapped by
 * chart_release) or a heap block (len 0, freed). */
struct chart_map {
    void *addr;
    size_t len;
    struct chart_map *next;
};

/* Load budget shared by nested archives. */
struct chart_budget {
    struct chart_load_opts lim;
    struct chart_map *maps;
    size_t used_bytes;
    size_t used_files;
    unsigned depth;
    struct tmpl_parse_ahead *ahead; /* started by the first chart_load_files */
    bool ahead_tried;
};

/* Helm's LoadFiles: builds a chart from its files (subcharts included). */
int chart_load_files(struct chart **out, struct arena *a, struct chart_buffered *files, size_t n,
                     struct chart_budget *b, struct pkg_err **errp);

/* Appends sub to c's subcharts and sets its parent (AddDependency). */
void chart_add_dep(struct arena *a, struct chart *c, struct chart *sub);

/* Chart.yaml decoding with sigs.k8s.io/yaml's rules (scalars converted to
 * strings for string fields, float32 formatting). Into an existing
 * metadata (requirements.yaml merges into it). */
int chart_meta_decode(struct chart_meta *md, struct arena *a, const char *data, size_t len,
                      const char *what, struct pkg_err **errp);
void chart_meta_init(struct chart_meta *md);
/* chart.Lock decoded (generated must be an RFC 3339 time) into the value
 * sigs.k8s.io/yaml.Marshal would print. */
int chart_lock_decode(struct val **out, struct arena *a, const char *data, size_t len,
                      const char *what, struct pkg_err **errp);

/* Metadata and Dependency as the maps encoding/json makes of them. */
struct val *chart_meta_to_val(struct arena *a, const struct chart_meta *md, bool with_deps);
struct val *chart_dep_to_val(struct arena *a, const struct chart_dep *d);

/* Metadata.Validate with Helm's messages. Sanitizes strings in place. */
int chart_meta_validate(struct arena *a, struct chart_meta *md, struct pkg_err **errp);

/* Loads YAML the way sigs.k8s.io/yaml.Unmarshal into map[string]interface{}
 * does (numbers as float64). *out is NULL for an empty or null document;
 * a non-map top level is Helm's json error. */
int chart_yaml_values(struct val **out, struct arena *a, const char *data, size_t len,
                      const char *file, struct pkg_err **errp);

/* Go's fmt %v of a value kind for messages like "interface {} is string". */
const char *chart_go_type(const struct val *v);

/* gobwas/glob with '/' separators, as .Files.Glob uses it (a pattern that
 * does not compile matches everything). */
bool chart_glob_match(const char *pattern, const char *name);
/* The same, compiled once for many names. */
struct chart_glob;
struct chart_glob *chart_glob_compile(const char *pattern);
bool chart_glob_matches(const struct chart_glob *g, const char *name);
void chart_glob_free(struct chart_glob *g);

/* Helm's template objects (chart/objects.c), in arena a. */
struct val *chart_files_object(struct arena *a, const struct chart *c);
struct val *chart_capabilities_object(struct arena *a, const char *kube_version,
                                      const char *kube_major, const char *kube_minor,
                                      const char *const *extra, size_t nextra);
struct val *chart_chart_object(struct arena *a, const struct chart *c);

/* strconv.FormatFloat(f, 'g', -1, 32). */
void chart_format_float32(struct sb *sb, double f);

/* Values.Table: the map at a dotted path of maps, or NULL; then *miss
 * (when given) is the first part that is missing or not a map, *misslen
 * bytes long. */
struct val *chart_values_table(const struct val *v, const char *name, const char **miss,
                               size_t *misslen);

/* One of helm's log lines, "FILE:LINE: message" on stderr, when
 * chart_helm_log_enable(true) was called (chart/log.c). */
void chart_helm_log(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool chart_helm_log_enabled(void);

#endif
