/* repo-index internals shared by the module's files. Not a public header. */
#ifndef PKG_REPO_INDEX_REPO_INT_H
#define PKG_REPO_INDEX_REPO_INT_H

#include "repo-index/repo.h"

/* JSON kind name of a value for type errors ("number", "object", ...). */
const char *repo_json_kind(const struct val *v);
/* Helm's sanitizeString on a string value (v itself when unchanged). */
struct val *repo_sanitize(struct arena *a, struct val *v);

/* Decoders for Go struct fields (see metadata.c): *out NULL for null. conv:
 * convert scalars to strings as sigs.k8s.io/yaml does for string targets. */
int repo_decode_string(struct val **out, struct arena *a, const struct val *v, bool conv,
                       const char *what, const char *field, struct pkg_err **errp);
int repo_decode_strings(struct val **out, struct arena *a, const struct val *v, bool conv,
                        const char *what, const char *field, struct pkg_err **errp);
int repo_decode_strmap(struct val **out, struct arena *a, const struct val *v, bool conv,
                       const char *what, const char *field, struct pkg_err **errp);

/* ChartVersion's own JSON fields beside the embedded metadata. */
extern const char *const repo_entry_own_fields[];

/* Whether bytes are one valid JSON text (Go's json.Valid). */
bool repo_json_valid(const char *buf, size_t len);

/* Incremental directory scans for the server: archives whose identity is
 * unchanged since the last scan are not read or hashed again. *cache may
 * point at NULL; it is replaced by the cache of this scan. */
struct repo_scan_cache;
struct repo_scan_cache *repo_scan_cache_new(void);
void repo_scan_cache_free(struct repo_scan_cache *c);
int repo_index_directory_cached(struct repo_index **out, const char *dir, const char *base_url,
                                struct repo_scan_cache **cache, const struct repo_warn *warn,
                                struct pkg_err **errp);

#endif
