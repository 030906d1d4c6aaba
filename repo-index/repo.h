/* repo-index: Helm chart repositories. Builds, reads and writes index.yaml
 * exactly as Helm v3.17 does, hosts a repository over HTTP (libmicrohttpd),
 * consumes repositories as a client (libcurl) with a cache compatible with
 * Helm's, resolves chart dependencies, and signs and verifies provenance
 * (.prov) files.
 *
 * Ownership: an index (struct repo_index) owns an arena holding all of its
 * strings and values; repo_index_free() releases everything. Functions that
 * can fail return 0 or a negative PKG_E* code and take `errp` last. Nothing
 * here prints: warnings go to a callback (struct repo_warn). */
#ifndef PKG_REPO_INDEX_REPO_H
#define PKG_REPO_INDEX_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/sb.h"
#include "core/semver.h"
#include "core/value.h"

/* ---- limits ---------------------------------------------------------- */

/* Default ceilings for untrusted input; each can be lowered for tests with
 * the environment variable named beside it (bytes). */
#define REPO_MAX_INDEX_BYTES (100u << 20)   /* PKG_REPO_MAX_INDEX_BYTES */
#define REPO_MAX_CHART_BYTES (1024ul << 20) /* PKG_REPO_MAX_CHART_BYTES */
#define REPO_MAX_ENTRIES 1000000u           /* chart versions in one index */

/* A limit from the environment variable `env` when set to a positive number
 * smaller than `def`, else def. */
size_t repo_limit(const char *env, size_t def);

/* ---- warnings -------------------------------------------------------- */

/* Where library code reports what Helm logs and goes on (an index entry
 * skipped, an archive that is not a chart). May be NULL: warnings dropped. */
struct repo_warn {
    void (*fn)(void *payload, const char *msg);
    void *payload;
};
void repo_warnf(const struct repo_warn *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- timestamps ------------------------------------------------------ */

/* Go's time.Time JSON form: 2006-01-02T15:04:05.999999999Z07:00. */
#define REPO_TIME_MAX 40
#define REPO_TIME_ZERO "0001-01-01T00:00:00Z"
/* The current local time as Go's time.Now() marshals. */
void repo_time_now(char out[REPO_TIME_MAX]);
/* Parses an RFC 3339 time as Go's Time.UnmarshalJSON does and writes it
 * back as MarshalJSON would (fraction trimmed, +00:00 as Z). -1 when s is
 * not a valid RFC 3339 time. */
int repo_time_normalize(char out[REPO_TIME_MAX], const char *s);

/* ---- chart metadata -------------------------------------------------- */

/* How a document is decoded, after the three ways Helm decodes the same
 * struct: Chart.yaml through sigs.k8s.io/yaml.Unmarshal (unknown fields
 * ignored, scalars converted to strings where the field is a string), an
 * index.yaml through UnmarshalStrict (unknown fields and duplicate keys are
 * errors; scalars are converted only for the entry's own fields, not the
 * embedded metadata), and an index in JSON through encoding/json (unknown
 * fields ignored, no conversion). */
enum repo_decode {
    REPO_DECODE_CHART_YAML,
    REPO_DECODE_INDEX_YAML,
    REPO_DECODE_INDEX_JSON,
};

/* Normalizes a decoded map into the shape of Helm's chart.Metadata as
 * encoding/json marshals it: only known fields, in the struct's order,
 * empty ones left out (omitempty), strings, bools and lists typed as the
 * struct types them. `what` names the document in messages. Type errors
 * (a map where a string belongs) fail with PKG_ETYPE; with
 * REPO_DECODE_INDEX_YAML unknown fields fail with PKG_EINVAL. */
int repo_metadata_normalize(struct val **out, struct arena *a, const struct val *in,
                            enum repo_decode mode, const char *what, struct pkg_err **errp);

/* Helm's Metadata.Validate on a normalized map: sanitizes the free-text
 * fields in place (whitespace to spaces, non-printable runes dropped) and
 * checks apiVersion, name, version (semver), type, maintainers and
 * dependency aliases. Fails with PKG_EINVAL and Helm's message
 * ("validation: chart.metadata.version \"x\" is invalid"). */
int repo_metadata_validate(struct arena *a, struct val *md, struct pkg_err **errp);

/* The metadata of a chart archive or directory as Helm's loader gives it
 * (chart/chart.h's chart_load: the whole chart is loaded and checked, so
 * an archive Helm would not load fails here too), normalized as above and
 * validated. */
int repo_archive_metadata(struct val **out, struct arena *a, const char *path,
                          struct pkg_err **errp);
int repo_dir_metadata(struct val **out, struct arena *a, const char *dir, struct pkg_err **errp);

/* ---- index documents ------------------------------------------------- */

/* One chart version of an index (Helm's repo.ChartVersion). */
struct repo_entry {
    struct val *md;      /* normalized chart.Metadata (repo_metadata_normalize) */
    const char *name;    /* md's name ("" when missing) */
    const char *version; /* md's version ("" when missing) */
    struct val *urls;    /* VAL_SEQ of strings, or NULL (Go's nil slice) */
    char created[REPO_TIME_MAX];
    const char *digest; /* "" when missing */
    bool removed;
    /* Deprecated fields Helm still round-trips: checksum, engine,
     * tillerVersion, url (VAL_MAP of strings, possibly empty). */
    struct val *deprecated;
    struct semver sv; /* parsed version when sv_ok */
    bool sv_ok;
};

/* All versions of one chart name, newest first once sorted. */
struct repo_chart {
    const char *name;
    struct repo_entry **v;
    size_t n, cap;
};

struct repo_index {
    struct arena *arena;
    const char *api_version;
    char generated[REPO_TIME_MAX];
    struct repo_chart *charts; /* sorted by name */
    size_t n, cap;
    struct val *public_keys; /* VAL_SEQ of strings or NULL */
    struct val *annotations; /* VAL_MAP of strings or NULL */
    struct val *server_info; /* VAL_MAP or NULL (read, never written back) */
};

/* A new empty index: apiVersion v1, generated now. */
struct repo_index *repo_index_new(void);
void repo_index_free(struct repo_index *idx);

/* Loads an index (Helm's loadIndex): JSON when the bytes are valid JSON,
 * otherwise strict YAML. Entries that fail validation are dropped with a
 * warning; type errors, unknown fields, duplicate keys, a missing
 * apiVersion, an empty document or more than REPO_MAX_ENTRIES versions fail
 * the whole load. `source` names the document in messages. Entries come out
 * sorted newest first. */
int repo_index_load(struct repo_index **out, const char *buf, size_t len, const char *source,
                    const struct repo_warn *warn, struct pkg_err **errp);
/* Reads and loads a file, refusing files over `limit` bytes (0: the
 * REPO_MAX_INDEX_BYTES default). */
int repo_index_load_file(struct repo_index **out, const char *path, size_t limit,
                         const struct repo_warn *warn, struct pkg_err **errp);

/* The versions of a chart, or NULL. */
struct repo_chart *repo_index_chart(const struct repo_index *idx, const char *name);

/* Helm's IndexFile.MustAdd: validates md (defaulting apiVersion to v1),
 * sets urls to base_url joined with filename's base name (or filename
 * when base_url is empty), created to now. md is copied into the index. */
int repo_index_add(struct repo_index *idx, const struct val *md, const char *filename,
                   const char *base_url, const char *digest, struct pkg_err **errp);

/* Sorts every chart's versions newest first (Helm's SortEntries; stable
 * for equal versions, unparsable versions last). */
void repo_index_sort(struct repo_index *idx);

/* Helm's Merge: adds the versions of `from` that idx lacks (by name and
 * exact version string); idx's own entries win. Copies into idx's arena. */
void repo_index_merge(struct repo_index *idx, const struct repo_index *from);

/* Helm's IndexFile.Get: an empty version means the newest version that is
 * not a prerelease; otherwise an exact version string match first, then the
 * newest version satisfying the constraint. PKG_ENOENT when there is no
 * such chart or version; PKG_EINVAL for a bad constraint. */
int repo_index_get(struct repo_entry **out, const struct repo_index *idx, const char *name,
                   const char *version, struct pkg_err **errp);

/* The index as the value tree Helm's yaml.Marshal(IndexFile) sees (keys
 * sorted on output by the emitter). */
struct val *repo_index_to_val(struct arena *a, const struct repo_index *idx);
/* One entry as a value tree (metadata fields plus urls, created, ...). */
struct val *repo_entry_to_val(struct arena *a, const struct repo_entry *e);

/* Serializes as Helm writes index.yaml (or, with json, `helm repo index
 * --json`: json.MarshalIndent with two spaces, no trailing newline). */
int repo_index_serialize(struct sb *out, const struct repo_index *idx, bool json,
                         struct pkg_err **errp);
/* Serializes and writes the file atomically (mode 0644). */
int repo_index_write(const struct repo_index *idx, const char *path, bool json,
                     struct pkg_err **errp);

/* Helm's IndexDirectory: every *.tgz in dir and in its direct
 * subdirectories (Go's Glob of "**" + "/" + "*.tgz" goes one level deep),
 * loaded and digested. Archives that do not load as charts are skipped
 * (with a warning); an invalid chart fails. URLs are base_url joined with
 * the archive's folder and name, or the relative path when base_url is "".
 * The result is unsorted; call repo_index_sort(). */
int repo_index_directory(struct repo_index **out, const char *dir, const char *base_url,
                         const struct repo_warn *warn, struct pkg_err **errp);

/* `helm repo index DIR [--url] [--merge] [--json]`: index the directory,
 * merge an existing index when merge_path is not NULL (a missing file is
 * created empty first, as Helm does), sort, write DIR/index.yaml
 * atomically. */
int repo_index_build(const char *dir, const char *base_url, const char *merge_path, bool json,
                     const struct repo_warn *warn, struct pkg_err **errp);

/* ---- digests and URLs ------------------------------------------------ */

/* Lowercase hex SHA-256 of a file (65 bytes with the NUL). */
int repo_sha256_file(char out[65], const char *path, struct pkg_err **errp);
void repo_sha256_hex(char out[65], const void *data, size_t len);

/* Helm's urlutil.URLJoin: base URL with path elements appended ("/"-joined,
 * cleaned), query kept. Heap string. */
char *repo_url_join(const char *base, const char *elem);
/* Helm's repo.ResolveReferenceURL: ref resolved against base treated as a
 * directory (a trailing slash added); an absolute ref is returned as is;
 * base's query string is kept. Heap string, or NULL when either does not
 * parse. */
char *repo_url_resolve(const char *base, const char *ref);
/* True when url (absolute) lies under base (same scheme, host and port,
 * path below base's path). Used to refuse relative chart URLs in an index
 * that climb out of the repository. */
bool repo_url_under(const char *base, const char *url);
/* Helm's urlutil.Equal: equal after cleaning paths and dropping a trailing
 * slash. */
bool repo_url_equal(const char *a, const char *b);
/* The last path segment of a URL, percent-decoded; NULL when empty, "."
 * or "..", or when it contains a slash or NUL after decoding. Heap. */
char *repo_url_basename(const char *url);

/* ---- repositories configuration and cache ---------------------------- */

/* One configured repository (Helm's repo.Entry). All strings heap-owned by
 * the repo_config they belong to. */
struct repo_entry_cfg {
    char *name, *url, *username, *password;
    char *cert_file, *key_file, *ca_file;
    bool insecure_skip_tls_verify;
    bool pass_credentials_all;
    bool from_helm; /* read from Helm's repositories.yaml, not pkg's own */
};

struct repo_config {
    char *path; /* pkg's repositories.yaml */
    /* As read back and written again (helm writes "" for a new file). */
    char api_version[16];
    char generated[REPO_TIME_MAX];
    struct repo_entry_cfg *v;
    size_t n, cap;
};

/* Where things live. PKG_HOME defaults to /var/lib/pkg for root and
 * $XDG_DATA_HOME/pkg (~/.local/share/pkg) otherwise. Heap strings. */
char *repo_pkg_home(void);
char *repo_config_path(void); /* $PKG_HOME/repositories.yaml */
char *repo_cache_dir(void);   /* $PKG_HOME/cache/repository */
char *repo_charts_dir(void);  /* $PKG_HOME/charts (what `repo serve` hosts) */
char *repo_helm_config(void); /* $HELM_REPOSITORY_CONFIG or $HELM_CONFIG_HOME/repositories.yaml */
char *repo_helm_cache_dir(void); /* $HELM_REPOSITORY_CACHE or $HELM_CACHE_HOME/repository */

/* Loads pkg's repositories.yaml (missing: empty) and then Helm's, adding
 * Helm's entries whose names pkg does not have (marked from_helm). */
int repo_config_load(struct repo_config *cfg, struct pkg_err **errp);
/* Loads one repositories.yaml file only (missing: empty). */
int repo_config_load_file(struct repo_config *cfg, const char *path, struct pkg_err **errp);
void repo_config_release(struct repo_config *cfg);
struct repo_entry_cfg *repo_config_get(const struct repo_config *cfg, const char *name);
/* Adds or replaces (by name) a copy of e. */
void repo_config_set(struct repo_config *cfg, const struct repo_entry_cfg *e);
bool repo_config_remove(struct repo_config *cfg, const char *name);
/* Writes pkg's entries (not the ones read from Helm) to cfg->path as Helm's
 * repositories.yaml (mode 0600, atomically). */
int repo_config_save(const struct repo_config *cfg, struct pkg_err **errp);

/* Serializes read-modify-write cycles of the configuration (flock on
 * $PKG_HOME/repositories.lock). */
int repo_config_lock(int *fd, struct pkg_err **errp);
void repo_config_unlock(int fd);

/* The cached index of a repository: pkg's cache, else Helm's. Heap path of
 * the file, or NULL when neither exists. */
char *repo_cache_index_path(const char *name);

/* ---- HTTP client ----------------------------------------------------- */

struct repo_progress; /* terminal progress display, see repo_fetch_opts */

/* Transfer options; all strings borrowed. */
struct repo_fetch_opts {
    const char *username, *password;
    bool pass_credentials_all; /* send credentials to other hosts too */
    const char *auth_url;      /* credentials go only to this URL's host (repo URL) */
    const char *ca_file, *cert_file, *key_file;
    bool insecure_skip_tls_verify;
    const char *accept;
    /* Conditional GET validators; on 304 the result says not_modified. */
    const char *if_none_match;
    const char *if_modified_since;
    long connect_timeout_ms; /* 0: 10 s (PKG_REPO_CONNECT_TIMEOUT_MS) */
    long low_speed_secs;     /* abort when under 1 byte/s this long; 0: 30 s
                                (PKG_REPO_STALL_TIMEOUT_MS overrides, ms) */
    long total_timeout_ms;   /* 0: none */
    size_t max_bytes;        /* body limit; 0: unlimited */
    bool progress;           /* draw a progress bar on stderr */
    const char *label;       /* name shown by the progress bar */
};

struct repo_fetch_result {
    long status;
    bool not_modified;
    char *etag;          /* heap or NULL */
    char *last_modified; /* heap or NULL */
    char *content_type;  /* heap or NULL */
    uint64_t body_bytes; /* bytes of body received */
};
void repo_fetch_result_release(struct repo_fetch_result *r);

/* GETs url into memory (sb, with the limit) or into a file (path written
 * atomically only on a 200 and when `verify` accepts it; see below).
 * Non-2xx/304 statuses fail with PKG_ENET ("failed to fetch URL : 404 Not
 * Found"), 401/403 with PKG_EPERM, stalls and timeouts with PKG_ETIMEOUT,
 * a body over max_bytes with PKG_ELIMIT. */
int repo_fetch(struct sb *body, struct repo_fetch_result *res, const char *url,
               const struct repo_fetch_opts *o, struct pkg_err **errp);
/* Streams to dest_path through a temporary file in the same directory;
 * when sha256_hex is not NULL the body's SHA-256 must equal it or the file
 * is removed and PKG_EDIGEST returned. */
int repo_fetch_file(struct repo_fetch_result *res, const char *url, const char *dest_path,
                    const char *sha256_hex, const struct repo_fetch_opts *o, struct pkg_err **errp);
/* PUT or POST a file (multipart form fields "chart" and, when prov_path
 * is not NULL, "prov" for POST, as ChartMuseum's /api/charts accepts). The
 * response body goes to resp; *status is the HTTP status. */
int repo_upload(struct sb *resp, long *status, const char *url, const char *path,
                const char *prov_path, bool post, const struct repo_fetch_opts *o,
                struct pkg_err **errp);

/* Options from a configured repository. */
void repo_fetch_opts_from_cfg(struct repo_fetch_opts *o, const struct repo_entry_cfg *e);

/* ---- repository operations ------------------------------------------- */

struct repo_update_result {
    bool not_modified;   /* the server said 304: the cached index is current */
    uint64_t body_bytes; /* index bytes transferred */
    size_t charts;       /* chart names in the index */
};

/* Downloads a repository's index into the cache (Helm's
 * DownloadIndexFile): validates it, writes NAME-index.yaml and
 * NAME-charts.txt atomically, and keeps the ETag/Last-Modified in
 * NAME-index.meta for a conditional GET next time (a 304 leaves the cache
 * as is). */
int repo_update_one(struct repo_update_result *res, const struct repo_entry_cfg *e,
                    const char *cache_dir, bool progress, const struct repo_warn *warn,
                    struct pkg_err **errp);

/* Loads the cached index of a configured repository. */
int repo_load_cached(struct repo_index **out, const char *name, const struct repo_warn *warn,
                     struct pkg_err **errp);

/* A resolved chart: where to get it. */
struct repo_resolved {
    char *url;    /* absolute archive URL (heap) */
    char *digest; /* from the index, heap, may be "" */
    char *name, *version;
    struct repo_entry_cfg *repo;  /* borrowed from the config (or owned), NULL for a plain URL */
    struct repo_entry_cfg *owned; /* heap copy for repositories not in a config */
};
void repo_resolved_release(struct repo_resolved *r);

/* Resolves "REPO/CHART" and a version or constraint against the cached
 * index of REPO (Helm's ResolveChartVersion); refuses relative URLs that
 * leave the repository. */
int repo_resolve(struct repo_resolved *out, const struct repo_config *cfg, const char *ref,
                 const char *version, const struct repo_warn *warn, struct pkg_err **errp);

/* Downloads a resolved chart into dest_dir (file named after the URL's
 * last segment), verifying the index digest when there is one: a mismatch
 * removes the file and fails with PKG_EDIGEST. *out_path: heap path. */
int repo_download(char **out_path, const struct repo_resolved *r, const char *dest_dir,
                  bool progress, struct pkg_err **errp);

/* Unpacks a chart archive into dest/<chart name> (`helm pull --untar`):
 * regular files only, paths confined, sizes bounded; fails when the target
 * folder exists. */
int repo_untar(const char *archive, const char *dest, struct pkg_err **errp);

/* Resolves CHART in the repository at repo_url without adding it (`pull
 * --repo URL`, Helm's FindChartInAuthAndTLSAndPassRepoURL): its index is
 * fetched to a temporary cache entry that is removed again. creds may be
 * NULL; its url field is ignored. */
int repo_resolve_in_url(struct repo_resolved *out, const char *repo_url,
                        const struct repo_entry_cfg *creds, const char *chart, const char *version,
                        const struct repo_warn *warn, struct pkg_err **errp);

/* The library call behind `pkg template|install REPO/CHART --version C`
 * (Helm's LocateChart for a name that is not a local path): resolves ref
 * ("REPO/CHART" of a configured repository, an http(s) URL, or CHART with
 * repo_url) and returns in *out_path an archive in $PKG_HOME/cache/charts,
 * downloaded and digest-checked unless an archive with the index's digest
 * is already there. version may be NULL (newest stable). Errors read as
 * Helm's ("repo NAME not found", "chart \"x\" matching 1.2 not found in
 * NAME index"). */
int repo_chart_fetch_cached(char **out_path, const char *ref, const char *version,
                            const char *repo_url, const struct repo_warn *warn,
                            struct pkg_err **errp);

/* ---- search ---------------------------------------------------------- */

struct repo_search_hit {
    char *name; /* REPO/CHART */
    int score;
    const struct repo_entry *e; /* borrowed from the index set */
};

struct repo_search_opts {
    const char *term;    /* NULL or "": everything */
    bool regexp;         /* PCRE2 (Go RE2 syntax subset) */
    bool versions;       /* every version, not only the newest */
    const char *version; /* constraint; NULL: ">0.0.0" (or ">0.0.0-0" with devel) */
    bool devel;
};

struct repo_search {
    struct repo_index **idx; /* loaded indexes (owned) */
    const char **names;      /* their repository names (owned copies) */
    size_t n, cap;
    struct repo_search_hit *hits;
    size_t nhits, hcap;
};

/* Searches the cached indexes of every configured repository (Helm's
 * `search repo`): literal or regexp term over name, repo/name, description
 * and keywords, scored and sorted like Helm, filtered by the constraint.
 * Repositories without a readable cache are skipped with a warning. */
int repo_search_run(struct repo_search *s, const struct repo_config *cfg,
                    const struct repo_search_opts *o, const struct repo_warn *warn,
                    struct pkg_err **errp);
void repo_search_release(struct repo_search *s);

/* Helm's uitable layout (tab-separated padded columns, cells over
 * max_width truncated with "..."). rows[r][c]; appends to out. */
void repo_table(struct sb *out, const char *const *cells, size_t nrows, size_t ncols,
                size_t max_width);

/* ---- dependencies ---------------------------------------------------- */

struct repo_dep_opts {
    bool skip_refresh; /* --skip-refresh: do not update repository indexes */
    bool verify;       /* --verify: check provenance */
    const char *keyring;
    struct repo_warn warn;
    /* Progress messages ("Saving 2 charts"), Helm's wording. */
    void (*out)(void *payload, const char *line);
    void *out_payload;
};

/* `helm dependency update CHART_DIR`: resolves Chart.yaml's dependencies
 * (repository URLs, "@name"/"alias:name" repository names, file://,
 * constraints) against the repositories' indexes, downloads the archives
 * (digest-checked) into charts/, removes outdated ones and writes
 * Chart.lock (requirements.lock for apiVersion v1) when it changed. */
int repo_dep_update(const char *chart_dir, const struct repo_dep_opts *o, struct pkg_err **errp);
/* `helm dependency build`: installs what Chart.lock names; without a lock
 * it is update. Fails when the lock is out of sync with Chart.yaml. */
int repo_dep_build(const char *chart_dir, const struct repo_dep_opts *o, struct pkg_err **errp);

struct repo_dep_status {
    char *name, *version, *repository, *status;
};
/* `helm dependency list`: one row per dependency with its status ("ok",
 * "missing", "wrong version", "unpacked", "misnamed", ...). Returns 1 (and
 * no rows) when Chart.yaml declares no dependencies. */
int repo_dep_list(struct repo_dep_status **out, size_t *n, const char *chart_dir,
                  struct pkg_err **errp);
void repo_dep_status_free(struct repo_dep_status *v, size_t n);

/* ---- provenance ------------------------------------------------------ */

/* Signs a chart archive: writes ARCHIVE.prov, the clear-signed document
 * Helm's `package --sign` makes (the chart metadata as YAML, "...", the
 * archive's sha256 under `files:`), signed with the secret key in keyring
 * (a binary or armored OpenPGP key file) whose user ID is or contains
 * key_name. passphrase may be NULL for an unprotected key. RSA keys only. */
int repo_prov_sign(const char *archive, const char *keyring, const char *key_name,
                   const char *passphrase, struct pkg_err **errp);

struct repo_prov_result {
    char signer[256];     /* the signing key's primary user ID */
    char fingerprint[41]; /* hex fingerprint of the signing key */
    char file_hash[80];   /* "sha256:..." */
    char file_name[256];
};

/* Verifies ARCHIVE against ARCHIVE.prov (or prov_path) with the public keys
 * in keyring (Helm's `verify`): the signature must be made by a key of the
 * keyring and the archive's sha256 must be the one listed. Fails with
 * PKG_EDIGEST and Helm's message otherwise. */
int repo_prov_verify(struct repo_prov_result *res, const char *archive, const char *prov_path,
                     const char *keyring, struct pkg_err **errp);

/* ---- server ---------------------------------------------------------- */

struct repo_server_opts {
    const char *dir;                 /* the repository root */
    const char *addr;                /* "127.0.0.1:8879"; port 0 picks a free one */
    const char *url;                 /* base URL written into the index (default: none, relative) */
    const char *username, *password; /* basic auth when both set */
    const char *tls_cert, *tls_key;  /* PEM files: HTTPS when both set */
    bool watch;                      /* re-index on inotify events */
    bool allow_upload;               /* PUT /api/charts/NAME.tgz, POST /api/charts */
    unsigned max_connections;        /* 0: 256 */
    unsigned threads;                /* 0: 4 */
    size_t max_upload;               /* 0: REPO_MAX_CHART_BYTES */
    unsigned timeout_secs;           /* idle connection timeout, 0: 30 */
    /* One line per request (Apache-like). May be NULL. */
    void (*log)(void *payload, const char *line);
    void *log_payload;
    struct repo_warn warn;
};

struct repo_server;

/* Indexes dir (writing index.yaml when charts changed or it is missing)
 * and starts serving. *out: the running server. */
int repo_server_start(struct repo_server **out, const struct repo_server_opts *o,
                      struct pkg_err **errp);
/* The bound port (useful with port 0). */
unsigned repo_server_port(const struct repo_server *s);
/* Re-indexes now (SIGHUP, an upload, or a watch event); thread-safe. */
int repo_server_reindex(struct repo_server *s, struct pkg_err **errp);
/* Runs until *stop becomes true: handles watch events and reindex
 * requests; *hup set to true asks for a re-index and is cleared. */
int repo_server_run(struct repo_server *s, volatile int *stop, volatile int *hup,
                    struct pkg_err **errp);
void repo_server_stop(struct repo_server *s);

#endif
