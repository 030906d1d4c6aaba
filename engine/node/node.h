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

/* ---- pod manifests ---- */

enum node_restart { NODE_RESTART_ALWAYS, NODE_RESTART_ONFAILURE, NODE_RESTART_NEVER };

enum node_handler_kind { NODE_H_NONE, NODE_H_EXEC, NODE_H_HTTP, NODE_H_TCP, NODE_H_SLEEP };

/* A probe or lifecycle hook. */
struct node_handler {
    enum node_handler_kind kind;
    const char *const *argv; /* exec */
    size_t argc;
    const char *path, *host, *scheme; /* httpGet */
    const char *port_name;            /* a named port, resolved at use */
    int port;                         /* httpGet, tcpSocket */
    const char *const *headers;       /* "Name: value" */
    size_t n_headers;
    int seconds; /* sleep */
    /* Probe timing (seconds), defaults filled in. */
    int initial_delay, timeout, period, success_threshold, failure_threshold;
};

struct node_mount {
    const char *name, *path, *sub_path;
    bool read_only;
};

struct node_port {
    const char *name, *protocol, *host_ip;
    int container_port, host_port;
};

enum node_ctr_kind { NODE_CTR_INIT, NODE_CTR_SIDECAR, NODE_CTR_APP };

struct node_container {
    const char *name, *image, *pull_policy, *workdir;
    enum node_ctr_kind kind;
    const char *const *command; /* NULL: the image's Entrypoint */
    size_t n_command;
    const char *const *args; /* NULL: the image's Cmd (when command is NULL too) */
    size_t n_args;
    const struct val *env;      /* the manifest's env list (validated), may be NULL */
    const struct val *env_from; /* envFrom, may be NULL */
    struct node_port *ports;
    size_t n_ports;
    struct node_mount *mounts;
    size_t n_mounts;
    struct node_handler liveness, readiness, startup, post_start, pre_stop;
    /* resources: 0 = unset */
    int64_t cpu_limit_milli, cpu_request_milli, mem_limit, mem_request, pids_limit;
    /* securityContext (pod-level values merged in); -1 = unset */
    int64_t run_as_user, run_as_group;
    bool run_as_non_root, read_only_root, privileged, no_new_privs;
    bool seccomp_unconfined;
    const char *const *cap_add, *const *cap_drop;
    size_t n_cap_add, n_cap_drop;
    const char *termination_message_path;
};

enum node_vol_kind {
    NODE_VOL_EMPTYDIR,
    NODE_VOL_HOSTPATH,
    NODE_VOL_CONFIGMAP,
    NODE_VOL_SECRET,
    NODE_VOL_PVC,
    NODE_VOL_DOWNWARD,
};

struct node_volume {
    const char *name;
    enum node_vol_kind kind;
    bool memory;        /* emptyDir medium: Memory */
    int64_t size_limit; /* emptyDir sizeLimit, bytes, 0 = none */
    const char *source; /* hostPath path, configMap/secret name, claimName */
    const char *hostpath_type;
    bool optional, read_only;
    int default_mode;        /* -1 = 0644 */
    const struct val *items; /* configMap/secret/downwardAPI items, may be NULL */
};

struct node_pod_spec {
    const char *ns, *name, *uid;
    const struct val *labels, *annotations; /* maps, may be NULL */
    enum node_restart restart;
    int64_t grace_seconds;
    bool share_pid, host_network;
    const char *hostname, *subdomain;
    struct node_container *ctrs; /* init containers first, in order, then apps */
    size_t n_ctrs;
    struct node_volume *vols;
    size_t n_vols;
    int64_t fs_group; /* -1 = unset */
    const int64_t *supplemental_groups;
    size_t n_supplemental_groups;
    const struct val *host_aliases;
    /* ConfigMaps and Secrets given beside the pod: name -> data map (secret
     * values decoded). */
    struct val *configmaps, *secrets;
    struct val *pod;    /* the Pod object as given (workloads: built from the template) */
    const char *source; /* file the pod came from */
};

/* Loads the pod manifest documents of `files` (YAML, several documents
 * each): a Pod, or the pod template of a Deployment, StatefulSet,
 * DaemonSet, ReplicaSet, Job or CronJob (the first one found), plus any
 * ConfigMap and Secret documents, which the pod may reference. Strict: an
 * unknown field or a value of the wrong type is an error naming
 * file:line:col and the field path. Documents of other kinds are skipped
 * and named in *skipped (may be NULL; a sequence of "Kind/name" strings). */
int node_pod_load(struct node_pod_spec **out, struct val **skipped, struct arena *a,
                  const char *const *files, size_t n_files, struct pkg_err **errp);

/* Parses a Kubernetes quantity ("100m", "1.5", "128Mi", "1e3"): *out gets
 * the value times `scale` (1000 for millicores, 1 for bytes), rounded up. */
int node_quantity(int64_t *out, const struct val *q, int64_t scale, struct pkg_err **errp);

/* ---- pods: creation and the supervisor ---- */

/* Creates pods/<ns>_<name> for a loaded spec: copies the manifest files,
 * records each container's image (which must be in the store: callers
 * pull first), writes the initial state. PKG_EEXIST when the pod exists.
 * *key gets "<ns>_<name>" (arena a). */
int node_pod_create(const char **key, struct arena *a, const char *home,
                    const struct node_pod_spec *spec, const char *const *files, size_t n_files,
                    struct pkg_err **errp);

/* The supervisor: one process that starts, watches and restarts every
 * container of the pods it owns (subreaper, signalfd, pidfds, epoll; no
 * process per container). `daemon`: serve $PKG_HOME/node.sock and adopt
 * every pod no other supervisor holds; otherwise serve the pods added with
 * node_super_add() and return from node_super_run() when they are done. */
struct node_super;
int node_super_new(struct node_super **out, const char *home, bool daemon, struct pkg_err **errp);
int node_super_add(struct node_super *s, const char *key, struct pkg_err **errp);
/* Foreground: the pod `key` (added) is removed when it is done, by the
 * supervisor itself (`pod run --rm`). */
void node_super_remove_when_done(struct node_super *s, const char *key);
/* Runs until: (daemon) SIGTERM/SIGINT or a shutdown request; (foreground)
 * every pod finished, or SIGTERM/SIGINT, which stop the pods gracefully.
 * *failed (may be NULL) tells whether a pod ended Failed; *phase (may be
 * NULL) gets the phase the last finished pod ended in ("Succeeded",
 * "Failed"; a string constant). Fails when removing a pod failed. */
int node_super_run(struct node_super *s, bool *failed, const char **phase, struct pkg_err **errp);
void node_super_free(struct node_super *s);

/* ---- pods: what the CLI asks ---- */

/* The pod as `kubectl get pod -o yaml` shows it (metadata, spec, status),
 * in arena a. PKG_ENOENT when there is no such pod. */
int node_pod_get(struct val **out, struct arena *a, const char *home, const char *ns,
                 const char *name, struct pkg_err **errp);
/* Every pod (all namespaces when ns is NULL), sorted by namespace/name. */
int node_pod_list(struct val **out, struct arena *a, const char *home, const char *ns,
                  struct pkg_err **errp);
/* Stops a pod's containers (grace < 0: the pod's own period); the pod and
 * its logs stay. */
int node_pod_stop(const char *home, const char *ns, const char *name, int grace,
                  struct pkg_err **errp);
/* Stops and removes a pod: processes, cgroups, mounts, namespaces, files.
 * PVC directories stay. */
int node_pod_remove(const char *home, const char *ns, const char *name, int grace,
                    struct pkg_err **errp);
/* Container log rotation (the kubelet's containerLogMaxSize and
 * containerLogMaxFiles): when `live` holds more than max_size, its data up
 * to the last complete line goes to <live>.<YYYYmmdd-HHMMSS.nanoseconds>
 * and is freed in the live file (fallocate PUNCH_HOLE: offsets and size
 * stay, the container keeps appending, nothing is lost); the oldest
 * rotated files go until max_files remain with the live one. PKG_EIO
 * where the file system cannot free a range. */
int node_log_rotate(const char *live, int64_t max_size, int max_files, struct pkg_err **errp);
/* The rotated files of `live`, oldest first, then `live`: read in order
 * they give the whole stream. Free with node_log_files_free. */
int node_log_files(char ***out, size_t *n, const char *live, struct pkg_err **errp);
void node_log_files_free(char **v, size_t n);
/* Where a live log file's data starts (after the freed head). */
off_t node_log_data_start(int fd);
/* The rotation settings from the environment, the kubelet's defaults
 * otherwise: PKG_NODE_CONTAINER_LOG_MAX_SIZE (a quantity, 10Mi; 0: no
 * rotation), PKG_NODE_CONTAINER_LOG_MAX_FILES (5, at least 2) and
 * PKG_NODE_CONTAINER_LOG_MONITOR_INTERVAL (seconds between checks, 10). */
int node_log_settings(int64_t *max_size, int *max_files, double *every, struct pkg_err **errp);
/* The log file of a container (NULL: the pod's only or first app
 * container); previous: the instance before the last restart. Heap string. */
int node_pod_log_path(char **out, const char *home, const char *ns, const char *name,
                      const char *container, bool previous, struct pkg_err **errp);
/* Whether a container still runs (for logs -f). */
bool node_pod_container_running(const char *home, const char *ns, const char *name,
                                const char *container);
/* Runs argv in a running container with the caller's stdio; *status gets
 * the exit status (128+signal when killed). */
int node_pod_exec(int *status, const char *home, const char *ns, const char *name,
                  const char *container, const char *const *argv, struct pkg_err **errp);
/* Asks the daemon ($PKG_HOME/node.sock) to run a created pod, starting the
 * daemon (`exe node`) when none answers. */
int node_daemon_run_pod(const char *home, const char *exe, const char *key, struct pkg_err **errp);

#endif
