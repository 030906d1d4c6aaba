/* Module-private declarations of the runtime half of engine/node: cgroups
 * behind one interface (cg_), security, container launch. */
#ifndef PKG_ENGINE_NODE_RUNTIME_H
#define PKG_ENGINE_NODE_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/core.h"
#include "engine/node/node.h"

/* ---- cgroups ---- */

enum cg_mode { CG_NONE, CG_V1, CG_V2 };

struct cg_limits {
    int64_t cpu_limit_milli; /* 0: none */
    int64_t cpu_request_milli;
    int64_t mem_limit;  /* bytes, 0: none */
    int64_t pids_limit; /* 0: none */
    bool devices;       /* restrict devices to the container default set (v1) */
};

struct cg_stats {
    uint64_t cpu_usage_ns;
    uint64_t mem_usage;
    uint64_t oom_kills;
};

struct cg;

/* One implementation per cgroup version (cgroup-v1.c, cgroup-v2.c). Paths
 * are relative to the manager's base ("pod-<uid>/<ctr>"). */
struct cg_ops {
    const char *name;
    int (*create)(struct cg *cg, const char *rel, struct pkg_err **errp);
    int (*set_limits)(struct cg *cg, const char *rel, const struct cg_limits *l,
                      struct pkg_err **errp);
    int (*attach)(struct cg *cg, const char *rel, pid_t pid, struct pkg_err **errp);
    /* An O_DIRECTORY fd for clone3(CLONE_INTO_CGROUP), or -1 (v1). */
    int (*open_dir)(struct cg *cg, const char *rel);
    /* v1: opens, in fds (at most max), one file per hierarchy through
     * which a single-threaded process moves itself by writing "0"
     * (`tasks`: moving the calling thread skips the global threadgroup
     * lock whose RCU grace period makes a cgroup.procs write of another
     * process cost ~10 ms). Returns how many (0: not supported, v2) or a
     * negative code. */
    int (*open_self)(struct cg *cg, const char *rel, int *fds, size_t max, struct pkg_err **errp);
    int (*stats)(struct cg *cg, const char *rel, struct cg_stats *out);
    /* Kills every process in the cgroup and its children. */
    int (*kill)(struct cg *cg, const char *rel, struct pkg_err **errp);
    /* Removes the cgroup (and its children), killing what is left. */
    int (*destroy)(struct cg *cg, const char *rel, struct pkg_err **errp);
};

#define CG_MAX_HIER 16

struct cg {
    enum cg_mode mode;
    const struct cg_ops *ops;
    /* v2: the mount point and the base below it. */
    char *mount;
    char *base; /* absolute directory of the base cgroup (v2) */
    /* v1: one entry per mounted hierarchy we use. */
    struct {
        char *controllers; /* "cpu,cpuacct" */
        char *base;        /* absolute base directory in this hierarchy */
    } h[CG_MAX_HIER];
    size_t n_h;
    char *available; /* v2: controllers the base can give its children */
};

/* Detects the cgroup setup once (from /proc/self/mountinfo and
 * /proc/self/cgroup, both under `proc`, normally "/proc"), choosing v1 when
 * the resource controllers are mounted as v1 hierarchies (hybrid hosts) and
 * v2 otherwise. PKG_NODE_CGROUP=v1|v2 forces a version; `parent` names the
 * base cgroup: relative to the caller's own cgroup, or absolute from the
 * hierarchy's root when it starts with '/'. `fsroot` prefixes every cgroup
 * path (tests point it at a fake tree; normally ""). Fails with PKG_ENOTSUP
 * and a clear message when no usable cgroup file system is mounted. */
int cg_open(struct cg **out, const char *proc, const char *fsroot, const char *parent,
            struct pkg_err **errp);
void cg_free(struct cg *cg);

extern const struct cg_ops cg_v1_ops;
extern const struct cg_ops cg_v2_ops;

/* Shared helpers for the two implementations. */
int cg_read_u64(const char *path, const char *key, uint64_t *out);
int cg_mkdir_p(const char *path, struct pkg_err **errp);
int cg_kill_procs(const char *dir, struct pkg_err **errp);
int cg_rmdir_tree(const char *dir, struct pkg_err **errp);
/* cgroup v2 device filter (cgroup-devices.c): attaches the container
 * default device rules as an eBPF program to the cgroup open at fd. */
int cg_devices_attach(int cgroup_fd, struct pkg_err **errp);
/* kubelet's conversions. */
uint64_t cg_shares(int64_t milli);
uint64_t cg_weight(int64_t milli);

/* ---- security (security.c) ---- */

int node_caps_compute(uint64_t *out, const struct node_container *c, struct pkg_err **errp);
int node_caps_drop_bounding(uint64_t caps, const char **what);
int node_caps_apply(uint64_t caps, bool ambient, const char **what);
/* The default seccomp profile for a capability set, compiled to BPF once
 * per process and cached (the program stays valid until the next call).
 * Called by the parent before clone; the child installs it with
 * node_seccomp_install (seccomp(2), no library code after the clone). */
struct sock_fprog;
/* Where compiled programs are kept across processes ($home/cache/seccomp);
 * NULL: in memory only. */
void node_seccomp_set_cache(const char *home);
int node_seccomp_prepare(const struct sock_fprog **out, uint64_t caps, struct pkg_err **errp);
int node_seccomp_install(const struct sock_fprog *prog);

/* ---- container launch (container.c) ---- */

struct launch_mount {
    const char *src;    /* host path (bind) or NULL */
    const char *dst;    /* path inside the container */
    const char *fstype; /* NULL: bind */
    const char *data;   /* fs options */
    bool read_only;
    bool file; /* the target is a file, not a directory */
};

/* Everything the child needs, prepared by the parent before clone so the
 * child only makes system calls. */
struct launch {
    const char *ctr_name;
    const char *rootfs;   /* mount point for the overlay */
    const char *lowerdir; /* "top:...:bottom" */
    const char *upperdir, *workdir;
    int ns_net, ns_ipc, ns_uts; /* fds of the pod's namespaces, -1 none */
    struct launch_mount *mounts;
    size_t n_mounts;
    const char *const *argv; /* argv[0] resolved in the container's PATH */
    const char *const *envp;
    const char *cwd;       /* NULL: "/" */
    const char *user;      /* the image's User when runAsUser is unset */
    int64_t uid, gid;      /* -1: from `user` / root */
    const int64_t *groups; /* supplemental */
    size_t n_groups;
    bool run_as_non_root;
    uint64_t caps;
    bool no_new_privs, seccomp, read_only_root, privileged;
    int log_fd;       /* stdout and stderr */
    int err_fd;       /* write end of the error pipe (CLOEXEC) */
    int sync_fd;      /* read end: the parent's go-ahead */
    int close_fds[2]; /* the parent's ends, closed in the child (-1: none) */
    int cgroup_fd;    /* v2: CLONE_INTO_CGROUP, else -1 */
    /* v1: the child writes "0" to each of these first (open_self). */
    int cg_self[CG_MAX_HIER];
    size_t n_cg_self;
    int pidns_fd; /* shared pid namespace of the pod, or -1 (a new one) */
    bool new_pidns;
};

/* The error a child reports before exec. */
struct launch_error {
    int err;    /* errno */
    int config; /* 1: a configuration problem (CreateContainerConfigError) */
    char msg[496];
};

/* Starts a container: clone3 into new mount (and pid) namespaces, the
 * child sets up the root file system and process and execs. Returns the
 * child's pid (and a pidfd in *pidfd) once it waits for the go-ahead; the
 * caller attaches it to cgroups, then writes one byte to the sync pipe.
 * Errors of the child arrive on the error pipe. */
pid_t node_launch(const struct launch *l, int *pidfd, struct pkg_err **errp);

/* Runs argv inside a running container (its namespaces, cgroup, root,
 * user and capabilities), for exec, probes and hooks. stdio: fds for
 * stdin/stdout/stderr (-1: /dev/null). Returns the pid of the helper whose
 * exit status is the command's. */
struct enter_opts {
    pid_t target;             /* the container's init */
    const char *cgroup_procs; /* cgroup.procs file(s) to join, '\n'-separated, or NULL */
    const char *const *argv;
    const char *const *envp;
    const char *cwd;
    const char *user; /* the image's User, when uid is -1 */
    int64_t uid, gid;
    const int64_t *groups;
    size_t n_groups;
    uint64_t caps;
    bool no_new_privs, seccomp;
    int fd_in, fd_out, fd_err;
};
pid_t node_enter(const struct enter_opts *o, struct pkg_err **errp);
/* A process's environment (/proc/PID/environ) as a NULL-terminated array
 * in arena a; NULL when unreadable. */
const char **node_proc_environ(struct arena *a, pid_t pid);

/* ---- pods in the supervisor (supervisor.c, sandbox.c, status.c) ---- */

enum ctr_state { CS_NONE, CS_WAITING, CS_STARTING, CS_RUNNING, CS_TERMINATED };

struct term_info {
    int exit_code, signal;
    char reason[32];
    char *message;
    int64_t started_at, finished_at; /* unix seconds */
    char id[65];
};

enum helper_kind { H_NONE, H_LIVENESS, H_READINESS, H_STARTUP, H_POSTSTART, H_PRESTOP };

struct probe_run {
    double next; /* monotonic time of the next run, 0: not scheduled */
    int successes, failures;
    pid_t pid;       /* a running exec/http/tcp check */
    double deadline; /* its timeout */
};

struct pod;

struct ctr {
    struct pod *pod;
    struct node_container *spec;
    enum ctr_state state;
    char reason[48];
    char *message;
    int64_t started_at;
    struct term_info term, last;
    bool has_last;
    int restart_count;
    pid_t pid;
    int pidfd, errfd, syncfd;
    uint64_t pid_start;
    bool adopted;
    uint64_t oom_base;
    char id[65];
    struct launch_error start_err;
    bool start_failed;
    /* back-off */
    double backoff, backoff_at, restart_at;
    bool ready, started, started_once;
    struct probe_run probes[3]; /* liveness, readiness, startup */
    pid_t hook_pid;
    double hook_deadline;
    enum helper_kind hook_kind;
    bool killing;   /* liveness failure or stop: SIGTERM sent */
    double kill_at; /* SIGKILL deadline */
    char kill_reason[64];
    const struct node_image *image;
    char *log_path;
};

struct node_super;

struct pod {
    struct node_super *sup;
    struct arena *a;
    struct node_pod_spec *spec;
    char *key, *dir, *uid;
    struct ctr *ctrs;
    size_t n;
    int64_t created, start_time;
    const char *phase;
    int64_t t_scheduled, t_initialized, t_ready, t_cready, t_sandbox;
    bool initialized, ready, cready;
    bool sandbox_ready;
    char *sandbox_err;
    double sandbox_retry;
    bool stopping, removing, done, finishing;
    int lockfd;
    char ip[64];
    bool dirty; /* state to write */
    /* hostPort listeners (bridge mode): fd and the container port. */
    struct hostport {
        int fd, port;
    } * hostports;
    size_t n_hostports;
};

/* sandbox.c */
int sandbox_create(struct pod *p, struct pkg_err **errp);
int sandbox_destroy(const char *home, const char *dir, struct cg *cg, const char *uid,
                    struct pkg_err **errp);
int sandbox_ns_fd(const struct pod *p, const char *which);
/* Moves path into $home/trash (its name is free at once) and has a
 * detached process of low priority delete it: freeing directories can
 * cost a disk discard each. Falls back to deleting it now. */
int sandbox_trash(const char *home, const char *path, struct pkg_err **errp);
/* The pod init of a shared PID namespace, or -1. */
pid_t sandbox_init_pid(const struct pod *p);
int sandbox_prepare_ctr(struct launch *l, struct arena *a, struct pod *p, struct ctr *c,
                        struct pkg_err **errp);

/* status.c */
struct val *pod_status_val(struct arena *a, const struct pod *p);
int pod_state_write(struct pod *p, struct pkg_err **errp);
char *node_rfc3339(char buf[32], int64_t t);

#endif
