/* Container processes: node_launch() clones a child into new mount and pid
 * namespaces that joins the pod's network, IPC and UTS namespaces, builds
 * the root file system (overlayfs, /proc, a minimal /dev, /sys, volumes,
 * /etc/hosts...), pivots into it, drops privileges and execs. Like crun,
 * the child reports any failure before exec to the parent over a pipe that
 * exec closes; every message names the system call and the path.
 *
 * node_enter() runs a command inside a running container (exec, probes,
 * hooks) by joining its namespaces with setns(pidfd) and its cgroup. */
#include "engine/node/node-int.h"
#include "engine/node/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static __attribute__((noreturn, format(printf, 3, 4))) void
child_fail(const struct launch *l, int config, const char *fmt, ...)
{
    struct launch_error e;
    memset(&e, 0, sizeof(e));
    e.err = errno;
    e.config = config;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
    va_end(ap);
    if (write(l->err_fd, &e, sizeof(e)) < 0) {
        /* nobody to tell */
    }
    _exit(127);
}

#define SYSFAIL(l, ...)                                                                            \
    do {                                                                                           \
        char m_[400];                                                                              \
        int e_ = errno;                                                                            \
        snprintf(m_, sizeof(m_), __VA_ARGS__);                                                     \
        errno = e_;                                                                                \
        child_fail(l, 0, "%s: %s", m_, strerror(e_));                                              \
    } while (0)

static int
openat2_in(int dirfd, const char *path, int flags)
{
    struct open_how how = {.flags = (uint64_t)flags,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* Creates dst (a directory, or a file when `file`) inside the root,
 * resolving symlinks as the container would, and returns an O_PATH fd. */
static int
make_target(int rootfd, const char *dst, bool file)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", dst);
    int fd = openat2_in(rootfd, buf, O_PATH | O_CLOEXEC);
    if (fd >= 0)
        return fd;
    if (errno != ENOENT)
        return -1;
    /* Create the parents one level at a time. */
    char *p = buf;
    while (*p == '/')
        p++;
    for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
        *s = 0;
        int d = openat2_in(rootfd, buf, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (d < 0) {
            char *slash = strrchr(buf, '/');
            const char *leaf = slash ? slash + 1 : buf;
            int parent;
            if (slash && slash != buf) {
                *slash = 0;
                parent = openat2_in(rootfd, buf, O_PATH | O_DIRECTORY | O_CLOEXEC);
                *slash = '/';
            } else {
                parent = dup(rootfd);
            }
            if (parent < 0)
                return -1;
            if (mkdirat(parent, leaf, 0755) < 0 && errno != EEXIST) {
                close(parent);
                return -1;
            }
            close(parent);
        } else {
            close(d);
        }
        *s = '/';
    }
    char *slash = strrchr(buf, '/');
    const char *leaf = slash ? slash + 1 : buf;
    int parent;
    if (slash && slash != buf) {
        *slash = 0;
        parent = openat2_in(rootfd, buf, O_PATH | O_DIRECTORY | O_CLOEXEC);
        *slash = '/';
    } else {
        parent = dup(rootfd);
    }
    if (parent < 0)
        return -1;
    int rc;
    if (file) {
        rc = openat(parent, leaf, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (rc >= 0)
            close(rc);
    } else {
        rc = mkdirat(parent, leaf, 0755);
    }
    close(parent);
    if (rc < 0 && errno != EEXIST)
        return -1;
    return openat2_in(rootfd, buf, O_PATH | O_CLOEXEC);
}

static void
mount_at(const struct launch *l, int rootfd, const struct launch_mount *m)
{
    int fd = make_target(rootfd, m->dst, m->file);
    if (fd < 0)
        SYSFAIL(l, "create mount point %s in %s", m->dst, l->rootfs);
    char target[64];
    snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
    unsigned long flags = 0;
    if (!m->fstype)
        flags = MS_BIND | MS_REC;
    else if (!strcmp(m->fstype, "proc") || !strcmp(m->fstype, "sysfs") ||
             !strcmp(m->fstype, "mqueue"))
        flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    else if (!strcmp(m->fstype, "devpts"))
        flags = MS_NOSUID | MS_NOEXEC;
    else if (!strcmp(m->fstype, "tmpfs"))
        flags = MS_NOSUID | (strcmp(m->dst, "/dev") ? MS_NODEV : 0);
    if (m->fstype && m->read_only)
        flags |= MS_RDONLY;
    if (node_sys.mount(m->src ? m->src : m->fstype, target, m->fstype, flags, m->data) < 0)
        SYSFAIL(l, "mount %s on %s", m->src ? m->src : m->fstype, m->dst);
    close(fd);
    if (!m->fstype && m->read_only) {
        /* The fd named the directory under the new mount: open it again. */
        fd = make_target(rootfd, m->dst, m->file);
        if (fd < 0)
            SYSFAIL(l, "open %s in %s", m->dst, l->rootfs);
        snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
        if (node_sys.mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
            SYSFAIL(l, "remount %s read-only", m->dst);
        close(fd);
    }
    if (!strcmp(m->dst, "/dev")) {
        /* The standard devices and links. */
        static const struct {
            const char *name;
            int major, minor;
        } devs[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
        int dfd = openat2_in(rootfd, "dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
            SYSFAIL(l, "open /dev in %s", l->rootfs);
        for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
            if (mknodat(dfd, devs[i].name, S_IFCHR | 0666, makedev(devs[i].major, devs[i].minor)) <
                0)
                SYSFAIL(l, "mknod /dev/%s", devs[i].name);
            if (fchmodat(dfd, devs[i].name, 0666, 0) < 0)
                SYSFAIL(l, "chmod /dev/%s", devs[i].name);
        }
        static const char *const links[][2] = {{"/proc/self/fd", "fd"},
                                               {"/proc/self/fd/0", "stdin"},
                                               {"/proc/self/fd/1", "stdout"},
                                               {"/proc/self/fd/2", "stderr"},
                                               {"pts/ptmx", "ptmx"}};
        for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
            if (symlinkat(links[i][0], dfd, links[i][1]) < 0)
                SYSFAIL(l, "symlink /dev/%s", links[i][1]);
        close(dfd);
    }
}

/* Paths hidden from unprivileged containers (containerd's defaults). */
static const char *const masked[] = {"/proc/asound",
                                     "/proc/acpi",
                                     "/proc/kcore",
                                     "/proc/keys",
                                     "/proc/latency_stats",
                                     "/proc/timer_list",
                                     "/proc/timer_stats",
                                     "/proc/sched_debug",
                                     "/proc/scsi",
                                     "/sys/firmware",
                                     "/sys/devices/virtual/powercap",
                                     NULL};
static const char *const readonly[] = {"/proc/bus",           "/proc/fs", "/proc/irq", "/proc/sys",
                                       "/proc/sysrq-trigger", NULL};

static void
mask_paths(const struct launch *l)
{
    for (size_t i = 0; masked[i]; i++) {
        struct stat st;
        if (lstat(masked[i], &st) < 0)
            continue;
        int rc = S_ISDIR(st.st_mode)
                     ? node_sys.mount("tmpfs", masked[i], "tmpfs", MS_RDONLY, "size=0k")
                     : node_sys.mount("/dev/null", masked[i], NULL, MS_BIND, NULL);
        if (rc < 0)
            SYSFAIL(l, "mask %s", masked[i]);
    }
    for (size_t i = 0; readonly[i]; i++) {
        if (access(readonly[i], F_OK) < 0)
            continue;
        if (node_sys.mount(readonly[i], readonly[i], NULL, MS_BIND | MS_REC, NULL) < 0 ||
            node_sys.mount(NULL, readonly[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC,
                           NULL) < 0)
            SYSFAIL(l, "make %s read-only", readonly[i]);
    }
}

/* Looks a user or group up in the container's /etc/passwd or /etc/group:
 * by name (fills *id) or by id (fills name). Returns 0 when found. */
static int
lookup_db(const char *file, const char *name, long *id, long *gid, char *name_out, size_t nlen)
{
    FILE *f = fopen(file, "re");
    if (!f)
        return -1;
    char line[1024];
    int rc = -1;
    while (fgets(line, sizeof(line), f)) {
        char *fields[4] = {0};
        char *p = line;
        for (int i = 0; i < 4 && p; i++) {
            fields[i] = p;
            p = strchr(p, ':');
            if (p)
                *p++ = 0;
        }
        if (!fields[2])
            continue;
        long fid = strtol(fields[2], NULL, 10);
        if ((name && !strcmp(fields[0], name)) || (!name && fid == *id)) {
            *id = fid;
            if (gid && fields[3])
                *gid = strtol(fields[3], NULL, 10);
            if (name_out)
                snprintf(name_out, nlen, "%s", fields[0]);
            rc = 0;
            break;
        }
    }
    fclose(f);
    return rc;
}

static bool
all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* Groups listing `user` in /etc/group. */
static size_t
member_groups(const char *user, gid_t *out, size_t cap)
{
    FILE *f = fopen("/etc/group", "re");
    if (!f || !*user)
        return f ? (fclose(f), 0) : 0;
    char line[4096];
    size_t n = 0;
    while (n < cap && fgets(line, sizeof(line), f)) {
        char *fields[4] = {0};
        char *p = line;
        for (int i = 0; i < 4 && p; i++) {
            fields[i] = p;
            p = strchr(p, ':');
            if (p)
                *p++ = 0;
        }
        if (!fields[3])
            continue;
        fields[3][strcspn(fields[3], "\n")] = 0;
        for (char *m = strtok(fields[3], ","); m; m = strtok(NULL, ","))
            if (!strcmp(m, user)) {
                out[n++] = (gid_t)strtol(fields[2], NULL, 10);
                break;
            }
    }
    fclose(f);
    return n;
}

static const char *
env_get(const char *const *envp, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; envp && envp[i]; i++)
        if (!strncmp(envp[i], key, kl) && envp[i][kl] == '=')
            return envp[i] + kl + 1;
    return NULL;
}

/* execvpe with the container's PATH; on failure writes runc's message. */
static void
exec_in_path(const char *const *argv, const char *const *envp, char *msg, size_t mlen)
{
    const char *file = argv[0];
    if (strchr(file, '/')) {
        execve(file, (char *const *)argv, (char *const *)envp);
        snprintf(msg, mlen, "exec: \"%s\": stat %s: %s", file, file, strerror(errno));
        return;
    }
    const char *path = env_get(envp, "PATH");
    if (!path)
        path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    int saved = ENOENT;
    char buf[4096];
    for (const char *p = path; p;) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? p : ".", file);
        execve(buf, (char *const *)argv, (char *const *)envp);
        if (errno != ENOENT && errno != ENOTDIR)
            saved = errno;
        p = e ? e + 1 : NULL;
    }
    errno = saved;
    if (saved == ENOENT)
        snprintf(msg, mlen, "exec: \"%s\": executable file not found in $PATH", file);
    else
        snprintf(msg, mlen, "exec: \"%s\": %s", file, strerror(saved));
}

struct ids {
    uid_t uid;
    gid_t gid;
    gid_t groups[64];
    size_t n_groups;
    char name[256];
    char home[512];
};

/* Resolves the process identity inside the new root. Returns NULL on
 * success or a message. */
static const char *
resolve_ids(struct ids *ids, const char *user, int64_t uid, int64_t gid, const int64_t *extra,
            size_t n_extra, bool non_root, char *msg, size_t mlen)
{
    memset(ids, 0, sizeof(*ids));
    long u = 0, g = -1;
    char uname[256] = "", gname[256] = "";
    if (uid >= 0) {
        u = (long)uid;
    } else if (user && *user) {
        const char *colon = strchr(user, ':');
        snprintf(uname, sizeof(uname), "%.*s", (int)(colon ? colon - user : (long)strlen(user)),
                 user);
        if (colon)
            snprintf(gname, sizeof(gname), "%s", colon + 1);
        if (all_digits(uname)) {
            u = strtol(uname, NULL, 10);
        } else {
            if (non_root) {
                snprintf(msg, mlen,
                         "container has runAsNonRoot and image has non-numeric user (%s), cannot "
                         "verify user is non-root",
                         uname);
                return msg;
            }
            long pg = -1;
            if (lookup_db("/etc/passwd", uname, &u, &pg, NULL, 0) < 0) {
                snprintf(msg, mlen, "unable to find user %s: no matching entries in passwd file",
                         uname);
                return msg;
            }
            g = pg;
        }
        if (*gname) {
            if (all_digits(gname)) {
                g = strtol(gname, NULL, 10);
            } else if (lookup_db("/etc/group", gname, &g, NULL, NULL, 0) < 0) {
                snprintf(msg, mlen, "unable to find group %s: no matching entries in group file",
                         gname);
                return msg;
            }
        }
    }
    if (non_root && u == 0) {
        snprintf(msg, mlen, "container has runAsNonRoot and image will run as root");
        return msg;
    }
    /* Primary group, name and home from passwd when the user is there. */
    long pu = u, pg = -1;
    char name[256] = "";
    if (lookup_db("/etc/passwd", NULL, &pu, &pg, name, sizeof(name)) == 0) {
        if (g < 0 && gid < 0)
            g = pg;
        snprintf(ids->name, sizeof(ids->name), "%s", name);
        FILE *f = fopen("/etc/passwd", "re");
        char line[1024];
        while (f && fgets(line, sizeof(line), f)) {
            char *fl[7] = {0};
            char *p = line;
            for (int i = 0; i < 7 && p; i++) {
                fl[i] = p;
                p = strchr(p, ':');
                if (p)
                    *p++ = 0;
            }
            if (fl[5] && !strcmp(fl[0], name)) {
                snprintf(ids->home, sizeof(ids->home), "%s", fl[5]);
                break;
            }
        }
        if (f)
            fclose(f);
    }
    if (gid >= 0)
        g = (long)gid;
    if (g < 0)
        g = 0;
    ids->uid = (uid_t)u;
    ids->gid = (gid_t)g;
    ids->n_groups = member_groups(ids->name, ids->groups, 32);
    for (size_t i = 0; i < n_extra && ids->n_groups < 64; i++)
        ids->groups[ids->n_groups++] = (gid_t)extra[i];
    if (!ids->home[0])
        snprintf(ids->home, sizeof(ids->home), "/");
    return NULL;
}

/* Drops to the final identity: seccomp while still privileged (so no
 * no_new_privs is needed), bounding set, groups, ids, capabilities. */
static const char *
drop_privileges(const struct ids *ids, uint64_t caps, bool nnp, const struct sock_fprog *seccomp)
{
    const char *what = NULL;
    if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return "prctl PR_SET_NO_NEW_PRIVS";
    if (seccomp && node_seccomp_install(seccomp) < 0)
        return "seccomp SECCOMP_SET_MODE_FILTER";
    if (node_caps_drop_bounding(caps, &what) < 0)
        return what;
    if (setgroups(ids->n_groups, ids->groups) < 0)
        return "setgroups";
    if (setresgid(ids->gid, ids->gid, ids->gid) < 0)
        return "setresgid";
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return "prctl PR_SET_KEEPCAPS";
    if (setresuid(ids->uid, ids->uid, ids->uid) < 0)
        return "setresuid";
    if (node_caps_apply(caps, false, &what) < 0)
        return what;
    return NULL;
}

/* envp plus HOME when it is missing. */
static const char **
with_home(const char *const *envp, const char *home)
{
    size_t n = 0;
    while (envp && envp[n])
        n++;
    const char **out = xcalloc(n + 2, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = envp[i];
    if (!env_get(envp, "HOME"))
        out[n++] = xasprintf("HOME=%s", home);
    return out;
}

/* The supervisor blocks signals for its signalfd and ignores SIGPIPE;
 * both would survive exec into the container. */
static void
reset_signals(void)
{
    sigset_t none;
    sigemptyset(&none);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static __attribute__((noreturn)) void
child_main(const struct launch *l, const struct sock_fprog *seccomp)
{
    char c;
    reset_signals();
    for (int i = 0; i < 2; i++)
        if (l->close_fds[i] >= 0)
            close(l->close_fds[i]);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    /* v1: into the container's cgroups before anything else, moving
     * ourselves (see cg_ops.open_self). */
    for (size_t i = 0; i < l->n_cg_self; i++) {
        if (write(l->cg_self[i], "0", 1) != 1)
            SYSFAIL(l, "join the container's cgroup (tasks)");
        close(l->cg_self[i]);
    }
    if (l->ns_net >= 0 && setns(l->ns_net, CLONE_NEWNET) < 0)
        SYSFAIL(l, "setns network namespace");
    if (l->ns_ipc >= 0 && setns(l->ns_ipc, CLONE_NEWIPC) < 0)
        SYSFAIL(l, "setns ipc namespace");
    if (l->ns_uts >= 0 && setns(l->ns_uts, CLONE_NEWUTS) < 0)
        SYSFAIL(l, "setns uts namespace");
    if (node_sys.mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        SYSFAIL(l, "make / private");
    char data[4096];
    /* volatile: the writable layer dies with the container instance, so
     * overlayfs need not sync it at unmount (that sync would be most of a
     * short container's exit time). */
    int dn = snprintf(data, sizeof(data), "lowerdir=%s,upperdir=%s,workdir=%s,volatile",
                      l->lowerdir, l->upperdir, l->workdir);
    if (dn < 0 || (size_t)dn >= sizeof(data)) {
        errno = E2BIG;
        SYSFAIL(l, "overlay options for %s", l->rootfs);
    }
    if (node_sys.mount("overlay", l->rootfs, "overlay", 0, data) < 0)
        SYSFAIL(l, "mount overlay on %s", l->rootfs);
    int rootfd = open(l->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        SYSFAIL(l, "open %s", l->rootfs);
    for (size_t i = 0; i < l->n_mounts; i++)
        mount_at(l, rootfd, &l->mounts[i]);
    if (chdir(l->rootfs) < 0)
        SYSFAIL(l, "chdir %s", l->rootfs);
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        SYSFAIL(l, "pivot_root %s", l->rootfs);
    if (node_sys.umount2(".", MNT_DETACH) < 0)
        SYSFAIL(l, "umount the old root");
    if (chdir("/") < 0)
        SYSFAIL(l, "chdir /");
    close(rootfd);
    if (!l->privileged)
        mask_paths(l);
    if (l->read_only_root &&
        node_sys.mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
        SYSFAIL(l, "remount / read-only");
    if (l->sync_fd >= 0) {
        /* The parent attaches us to cgroups (when neither clone3 nor we
         * could): wait for its go-ahead before anything runs as the
         * container. */
        ssize_t n;
        do
            n = read(l->sync_fd, &c, 1);
        while (n < 0 && errno == EINTR);
        if (n != 1)
            _exit(1); /* the parent gave up on us */
        close(l->sync_fd);
    }
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    struct ids ids;
    char msg[400];
    if (resolve_ids(&ids, l->user, l->uid, l->gid, l->groups, l->n_groups, l->run_as_non_root, msg,
                    sizeof(msg))) {
        errno = 0;
        child_fail(l, 1, "%s", msg);
    }
    const char *cwd = l->cwd && *l->cwd ? l->cwd : "/";
    if (chdir(cwd) < 0) {
        /* containerd creates a missing working directory. */
        int fd = make_target(AT_FDCWD, cwd, false);
        if (fd >= 0)
            close(fd);
        if (chdir(cwd) < 0)
            SYSFAIL(l, "chdir to cwd (\"%s\") set in config.json", cwd);
    }
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(l->log_fd, 1) < 0 || dup2(l->log_fd, 2) < 0)
        SYSFAIL(l, "set up stdio");
    const char **envp = with_home(l->envp, ids.home);
    const char *what = drop_privileges(&ids, l->caps, l->no_new_privs, seccomp);
    if (what)
        SYSFAIL(l, "%s", what);
    syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
    exec_in_path(l->argv, envp, msg, sizeof(msg));
    child_fail(l, 0, "%s", msg);
}

pid_t
node_launch(const struct launch *l, int *pidfd, struct pkg_err **errp)
{
    int pid_back = -1;
    const struct sock_fprog *seccomp = NULL;
    int rc;
    if (l->seccomp && (rc = node_seccomp_prepare(&seccomp, l->caps, errp)))
        return rc;
    if (l->pidns_fd >= 0) {
        /* Children join the pod's pid namespace: enter it for the clone
         * only. */
        pid_back = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        if (pid_back < 0)
            return pkg_err_sys(errp, "open /proc/self/ns/pid");
        if (setns(l->pidns_fd, CLONE_NEWPID) < 0) {
            rc = pkg_err_sys(errp, "setns pid namespace of the pod");
            close(pid_back);
            return rc;
        }
    }
    struct clone_args ca;
    memset(&ca, 0, sizeof(ca));
    *pidfd = -1;
    ca.flags = CLONE_NEWNS | CLONE_PIDFD | (l->new_pidns ? CLONE_NEWPID : 0);
    ca.pidfd = (uint64_t)(uintptr_t)pidfd;
    ca.exit_signal = SIGCHLD;
    if (l->cgroup_fd >= 0) {
        ca.flags |= CLONE_INTO_CGROUP;
        ca.cgroup = (uint64_t)l->cgroup_fd;
    }
    long pid = syscall(SYS_clone3, &ca, sizeof(ca));
    if (pid == 0)
        child_main(l, seccomp);
    int saved = errno;
    if (pid_back >= 0) {
        if (setns(pid_back, CLONE_NEWPID) < 0)
            abort(); /* the supervisor must not stay in a pod's namespace */
        close(pid_back);
    }
    if (pid < 0) {
        errno = saved;
        return pkg_err_sys(errp, "clone3 container %s", l->ctr_name);
    }
    return (pid_t)pid;
}

static int
join_cgroups(const char *procs)
{
    if (!procs)
        return 0;
    char *copy = xstrdup(procs);
    int rc = 0;
    for (char *p = strtok(copy, "\n"); p; p = strtok(NULL, "\n")) {
        int fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1)
            rc = -1;
        if (fd >= 0)
            close(fd);
    }
    free(copy);
    return rc;
}

pid_t
node_enter(const struct enter_opts *o, struct pkg_err **errp)
{
    const struct sock_fprog *seccomp = NULL;
    int rc;
    if (o->seccomp && (rc = node_seccomp_prepare(&seccomp, o->caps, errp)))
        return rc;
    int tfd = (int)syscall(SYS_pidfd_open, o->target, 0);
    if (tfd < 0)
        return pkg_err_sys(errp, "pidfd_open %d", (int)o->target);
    pid_t helper = fork();
    if (helper < 0) {
        close(tfd);
        return pkg_err_sys(errp, "fork");
    }
    if (helper > 0) {
        close(tfd);
        return helper;
    }
    /* The helper: join, fork the command, relay its status. */
    reset_signals();
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (join_cgroups(o->cgroup_procs) < 0)
        dprintf(o->fd_err >= 0 ? o->fd_err : 2, "warning: could not join the container's cgroup\n");
    if (setns(tfd, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0) {
        dprintf(o->fd_err >= 0 ? o->fd_err : 2, "setns into container: %s\n", strerror(errno));
        _exit(126);
    }
    close(tfd);
    pid_t cmd = fork();
    if (cmd < 0)
        _exit(126);
    if (cmd == 0) {
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        dup2(o->fd_in >= 0 ? o->fd_in : null, 0);
        dup2(o->fd_out >= 0 ? o->fd_out : null, 1);
        dup2(o->fd_err >= 0 ? o->fd_err : null, 2);
        const char *cwd = o->cwd && *o->cwd ? o->cwd : "/";
        if (chdir(cwd) < 0 && chdir("/") < 0)
            _exit(126);
        struct ids ids;
        char msg[400];
        if (resolve_ids(&ids, o->user, o->uid, o->gid, o->groups, o->n_groups, false, msg,
                        sizeof(msg))) {
            dprintf(2, "%s\n", msg);
            _exit(126);
        }
        const char **envp = with_home(o->envp, ids.home);
        const char *what = drop_privileges(&ids, o->caps, o->no_new_privs, seccomp);
        if (what) {
            dprintf(2, "%s: %s\n", what, strerror(errno));
            _exit(126);
        }
        syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
        exec_in_path(o->argv, envp, msg, sizeof(msg));
        dprintf(2, "%s\n", msg);
        _exit(errno == ENOENT ? 127 : 126);
    }
    int st;
    while (waitpid(cmd, &st, 0) < 0)
        if (errno != EINTR)
            _exit(126);
    if (WIFSIGNALED(st))
        _exit(128 + WTERMSIG(st));
    _exit(WEXITSTATUS(st));
}

const char **
node_proc_environ(struct arena *a, pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
    struct sb env = SB_INIT;
    struct pkg_err *e = NULL;
    if (sb_read_file(&env, path, 1 << 20, &e)) {
        pkg_err_free(e);
        sb_release(&env);
        return NULL;
    }
    size_t ne = 0;
    for (size_t i = 0; i < env.len; i++)
        if (!env.buf[i])
            ne++;
    const char **envp = arena_alloc(a, (ne + 1) * sizeof(*envp));
    size_t k = 0;
    for (size_t i = 0; i < env.len && k < ne; i += strlen(env.buf + i) + 1)
        envp[k++] = arena_strdup(a, env.buf + i);
    sb_release(&env);
    return envp;
}
