/* Module-private declarations of engine/node: the replaceable system call
 * table, digests, JSON documents, store paths. Nothing here is public. */
#ifndef PKG_ENGINE_NODE_INT_H
#define PKG_ENGINE_NODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/core.h"
#include "engine/node/node.h"

/* ---- the system call table (after sqlite's aSyscall in os_unix.c) ----
 *
 * Calls whose failure paths tests must reach go through this table; a test
 * replaces an entry with node_sys_override() and puts it back with
 * node_sys_reset(). X(name, return type, parameter list). */
#define NODE_SYSCALLS(X)                                                                           \
    X(mount, int,                                                                                  \
      (const char *src, const char *target, const char *fstype, unsigned long flags,               \
       const void *data))                                                                          \
    X(umount2, int, (const char *target, int flags))                                               \
    X(mkdir, int, (const char *path, mode_t mode))                                                 \
    X(rmdir, int, (const char *path))                                                              \
    X(open, int, (const char *path, int flags, mode_t mode))                                       \
    X(write, ssize_t, (int fd, const void *buf, size_t n))                                         \
    X(read, ssize_t, (int fd, void *buf, size_t n))                                                \
    X(unlink, int, (const char *path))                                                             \
    X(kill, int, (pid_t pid, int sig))

struct node_syscalls {
#define X(name, ret, params) ret(*name) params;
    NODE_SYSCALLS(X)
#undef X
};

/* The table in force. */
extern struct node_syscalls node_sys;

/* Replaces one entry by name; returns 0, or PKG_ENOENT for an unknown name. */
int node_sys_override(const char *name, void *fn);
/* Puts every entry back to the real call. */
void node_sys_reset(void);

/* Whole-file helpers on the table: write (O_WRONLY|O_TRUNC, no create
 * unless `create`) and read (up to limit bytes, trailing newline kept). */
int node_write_file(const char *path, const char *data, size_t len, bool create,
                    struct pkg_err **errp);
int node_write_filef(const char *path, struct pkg_err **errp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int node_read_file(struct sb *sb, const char *path, size_t limit, struct pkg_err **errp);
/* A process's start time (field 22 of /proc/PID/stat), 0 when gone: with
 * the pid it names a process across pid reuse. */
uint64_t node_proc_start_time(pid_t pid);
/* The wait status of a process that is not our child and has exited
 * (pidfd readable): from the kernel's record for pidfd holders (Linux
 * 6.15) or, while it is a zombie, from /proc/PID/stat when it is still
 * the process that started at `start`. 0, or -1 when it is not known. */
int node_exit_status_of(int pidfd, pid_t pid, uint64_t start, int *status);
/* mkdir -p that tries the last component first (pod start makes many
 * directories whose parents exist). */
int node_mkdir_p(const char *path, mode_t mode, struct pkg_err **errp);
/* Replaces a file through a temporary one and rename, without fsync: for
 * files rebuilt from other state after a crash (pod runtime files). */
int node_write_replace(const char *path, const void *data, size_t len, mode_t mode,
                       struct pkg_err **errp);
/* Replaces a state file that is rewritten often (a pod's state.json):
 * the new content goes to a sibling ".<name>.next" that is reused, and
 * renameat2(RENAME_EXCHANGE) swaps the two names, so a reader opening
 * `path` sees the old or the new content, never a mix, and no write
 * allocates or frees an inode (on some file systems inode allocation
 * amid deletions costs more than the rest of a pod start). Readers that
 * race a write can see the content being replaced change under them:
 * they retry on a parse error (node_state_file_read). No fsync. */
int node_state_file_write(const char *path, const void *data, size_t len, struct pkg_err **errp);
/* A container instance's log file: <poddir>/<ctr>.<restart>.log. */
char *node_log_path(const char *poddir, const char *ctr, int restart);
/* Asks the file system to spread the directories made in `dir` over the
 * disk (ext2/3/4's TOPDIR flag, chattr +T; best effort, a no-op where
 * unsupported). For $PKG_HOME/pods: ext4 without a journal will not
 * reuse an inode freed in the last minute (five while its table block
 * is dirty) and scans past every such inode of the group on each
 * allocation; a pod's directory and writable layer made in the group
 * where all of /tmp's churn lands cost more than the rest of its start.
 * Spread, each pod's files go to a quiet group of their own. */
void node_dir_spread(const char *dir);
/* n-1 random hex digits and a NUL (n <= 65). */
void node_rand_hex(char *out, size_t n);
/* Reads and parses a state file, retrying a read that raced a write. */
int node_state_file_read(struct val **out, struct arena *a, const char *path,
                         struct pkg_err **errp);

/* ---- digests ---- */

struct node_sha256; /* opaque streaming state */
struct node_sha256 *node_sha256_new(void);
void node_sha256_update(struct node_sha256 *h, const void *p, size_t n);
/* "sha256:<64 hex>" into out (72 bytes); frees h. */
void node_sha256_final(struct node_sha256 *h, char out[72]);
void node_sha256_free(struct node_sha256 *h);
void node_sha256_buf(const void *p, size_t n, char out[72]);
/* True when d is "sha256:" and 64 lowercase hex digits. */
bool node_digest_valid(const char *d);

/* ---- JSON documents (manifests, configs, indexes) ---- */

/* Parses a JSON object into the arena (integers stay VAL_INT), with
 * positions for messages. */
int node_json_parse(struct val **out, struct arena *a, const char *buf, size_t len,
                    const char *name, struct pkg_err **errp);
/* Typed getters that tolerate a missing key (NULL / 0). */
const char *node_jstr(const struct val *m, const char *key);
int64_t node_jint(const struct val *m, const char *key);
struct val *node_jget(const struct val *m, const char *key, enum val_kind kind);

/* ---- the image store ---- */

/* Commits a verified blob (manifest or config) to images/blobs. */
int node_store_put_blob(const char *home, const char *digest, const void *p, size_t n,
                        struct pkg_err **errp);
/* Reads a blob and verifies its digest. */
int node_store_get_blob(struct sb *out, const char *home, const char *digest, size_t limit,
                        struct pkg_err **errp);
/* The unpacked directory of a layer (by diff ID), heap string; *exists
 * tells whether it is there. */
char *node_store_layer_dir(const char *home, const char *diff_id, bool *exists);
/* Unpacks a layer from fd into the store unless present; verifies the
 * compressed digest (when want_digest is not NULL) and the diff ID. */
int node_store_add_layer(const char *home, int fd, const char *want_digest, const char *diff_id,
                         struct pkg_err **errp);
/* Registers an image: checks every layer of the config is unpacked, then
 * points ref at it. */
int node_store_tag(struct node_image *out, struct arena *a, const char *home, const char *ref,
                   const char *config_digest, const char *manifest_digest, uint64_t size,
                   struct pkg_err **errp);
/* Checks a manifest (OCI or Docker v2 schema 2) and returns its config
 * digest and the layer descriptors (digests), in arena a. */
int node_manifest_parse(const char **config, const char ***layers, size_t *n_layers,
                        struct arena *a, const char *buf, size_t len, const char *name,
                        struct pkg_err **errp);
/* The diff IDs of a config, in arena a. */
int node_config_diff_ids(const char ***out, size_t *n, struct arena *a, const char *buf, size_t len,
                         const char *name, struct pkg_err **errp);

/* Media types. */
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

/* Size caps for documents we parse. */
#define NODE_MAX_MANIFEST (4u << 20)
#define NODE_MAX_CONFIG (16u << 20)

#endif
