/* Container security: capabilities (containerd's default set, add/drop by
 * name), no_new_privs, and the default seccomp profile (libseccomp).
 *
 * The seccomp profile is moby's default (what containerd's RuntimeDefault
 * uses): an allowlist, anything else EPERM; calls reaching kernel-global
 * state allowed only with the capability they need (mount and namespace
 * calls CAP_SYS_ADMIN, modules CAP_SYS_MODULE, ...); clone may not make
 * namespaces; clone3 answers ENOSYS so libc falls back to clone. */
#include "engine/node/node-int.h"
#include "engine/node/runtime.h"

#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const cap_names[] = {
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
};
#define N_CAPS (sizeof(cap_names) / sizeof(cap_names[0]))

/* containerd's (and Docker's) default capability set. */
static const char *const default_caps[] = {
    "CHOWN",  "DAC_OVERRIDE", "FSETID",  "FOWNER",           "MKNOD",      "NET_RAW", "SETGID",
    "SETUID", "SETFCAP",      "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",    "AUDIT_WRITE",
};

static int
cap_index(const char *name)
{
    if (!strncasecmp(name, "CAP_", 4))
        name += 4;
    for (size_t i = 0; i < N_CAPS; i++)
        if (!strcasecmp(name, cap_names[i]))
            return (int)i;
    return -1;
}

/* Every capability we hold (the permitted set): what `privileged` and
 * `add: [ALL]` grant, as containerd's WithAllCurrentCapabilities does; a
 * node whose own bounding set lacks some cannot give them. */
static uint64_t
all_current_caps(void)
{
    uint64_t all = (N_CAPS >= 64) ? ~0ull : ((1ull << N_CAPS) - 1);
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capget, &hdr, data) < 0)
        return all;
    return all & ((uint64_t)data[1].permitted << 32 | data[0].permitted);
}

int
node_caps_compute(uint64_t *out, const struct node_container *c, struct pkg_err **errp)
{
    uint64_t caps = 0;
    if (c->privileged) {
        *out = all_current_caps();
        return 0;
    }
    for (size_t i = 0; i < sizeof(default_caps) / sizeof(default_caps[0]); i++)
        caps |= 1ull << cap_index(default_caps[i]);
    for (size_t i = 0; i < c->n_cap_drop; i++) {
        if (!strcasecmp(c->cap_drop[i], "ALL")) {
            caps = 0;
            continue;
        }
        int k = cap_index(c->cap_drop[i]);
        if (k < 0)
            return pkg_err_set(errp, PKG_EINVAL, "container \"%s\": unknown capability \"%s\"",
                               c->name, c->cap_drop[i]);
        caps &= ~(1ull << k);
    }
    for (size_t i = 0; i < c->n_cap_add; i++) {
        if (!strcasecmp(c->cap_add[i], "ALL")) {
            caps = all_current_caps();
            continue;
        }
        int k = cap_index(c->cap_add[i]);
        if (k < 0)
            return pkg_err_set(errp, PKG_EINVAL, "container \"%s\": unknown capability \"%s\"",
                               c->name, c->cap_add[i]);
        caps |= 1ull << k;
    }
    *out = caps;
    return 0;
}

/* In the child: bounding set, then (after the uid change, with keepcaps)
 * the permitted/effective/inheritable sets and the ambient set for non-root
 * users. Returns 0 or -1 with errno and *what set. */
int
node_caps_drop_bounding(uint64_t caps, const char **what)
{
    for (unsigned i = 0; i <= 63; i++) {
        if (caps & (1ull << i))
            continue;
        if (prctl(PR_CAPBSET_READ, i, 0, 0, 0) < 0)
            break; /* past the kernel's last capability */
        if (prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0) {
            *what = "prctl PR_CAPBSET_DROP";
            return -1;
        }
    }
    return 0;
}

int
node_caps_apply(uint64_t caps, bool ambient, const char **what)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof(data));
    for (int i = 0; i < 2; i++) {
        uint32_t v = (uint32_t)(caps >> (32 * i));
        data[i].effective = data[i].permitted = data[i].inheritable = v;
    }
    if (syscall(SYS_capset, &hdr, data) < 0) {
        *what = "capset";
        return -1;
    }
    if (ambient) {
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        for (unsigned i = 0; i < 64; i++)
            if (caps & (1ull << i))
                prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0); /* best effort */
    }
    return 0;
}

/* moby's default profile: calls every container may make (moby allows
 * ptrace on kernels from 4.8 on, as here; io_uring is not allowed). */
static const char *const allowed[] = {
    "accept",
    "accept4",
    "access",
    "adjtimex",
    "alarm",
    "arch_prctl",
    "bind",
    "brk",
    "cachestat",
    "capget",
    "capset",
    "chdir",
    "chmod",
    "chown",
    "chown32",
    "clock_adjtime",
    "clock_adjtime64",
    "clock_getres",
    "clock_getres_time64",
    "clock_gettime",
    "clock_gettime64",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "close",
    "close_range",
    "connect",
    "copy_file_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "epoll_wait_old",
    "eventfd",
    "eventfd2",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fadvise64_64",
    "fallocate",
    "fanotify_mark",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "fchown",
    "fchown32",
    "fchownat",
    "fcntl",
    "fcntl64",
    "fdatasync",
    "fgetxattr",
    "flistxattr",
    "flock",
    "fork",
    "fremovexattr",
    "fsetxattr",
    "fstat",
    "fstat64",
    "fstatat64",
    "fstatfs",
    "fstatfs64",
    "fsync",
    "ftruncate",
    "ftruncate64",
    "futex",
    "futex_requeue",
    "futex_time64",
    "futex_wait",
    "futex_waitv",
    "futex_wake",
    "futimesat",
    "getcpu",
    "getcwd",
    "getdents",
    "getdents64",
    "getegid",
    "getegid32",
    "geteuid",
    "geteuid32",
    "getgid",
    "getgid32",
    "getgroups",
    "getgroups32",
    "getitimer",
    "getpeername",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getrandom",
    "getresgid",
    "getresgid32",
    "getresuid",
    "getresuid32",
    "getrlimit",
    "get_robust_list",
    "getrusage",
    "getsid",
    "getsockname",
    "getsockopt",
    "get_thread_area",
    "gettid",
    "gettimeofday",
    "getuid",
    "getuid32",
    "getxattr",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "io_cancel",
    "ioctl",
    "io_destroy",
    "io_getevents",
    "io_pgetevents",
    "io_pgetevents_time64",
    "ioprio_get",
    "ioprio_set",
    "io_setup",
    "io_submit",
    "ipc",
    "kill",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "lchown",
    "lchown32",
    "lgetxattr",
    "link",
    "linkat",
    "listen",
    "listxattr",
    "llistxattr",
    "_llseek",
    "lremovexattr",
    "lseek",
    "lsetxattr",
    "lstat",
    "lstat64",
    "madvise",
    "map_shadow_stack",
    "membarrier",
    "memfd_create",
    "memfd_secret",
    "mincore",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "mlock",
    "mlock2",
    "mlockall",
    "mmap",
    "mmap2",
    "modify_ldt",
    "mprotect",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    "mq_timedsend",
    "mq_timedsend_time64",
    "mq_unlink",
    "mremap",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "msync",
    "munlock",
    "munlockall",
    "munmap",
    "name_to_handle_at",
    "nanosleep",
    "newfstatat",
    "_newselect",
    "open",
    "openat",
    "openat2",
    "pause",
    "pidfd_open",
    "pidfd_send_signal",
    "pipe",
    "pipe2",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    "poll",
    "ppoll",
    "ppoll_time64",
    "prctl",
    "pread64",
    "preadv",
    "preadv2",
    "prlimit64",
    "process_mrelease",
    "pselect6",
    "pselect6_time64",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readlink",
    "readlinkat",
    "readv",
    "recv",
    "recvfrom",
    "recvmmsg",
    "recvmmsg_time64",
    "recvmsg",
    "remap_file_pages",
    "removexattr",
    "rename",
    "renameat",
    "renameat2",
    "restart_syscall",
    "rmdir",
    "rseq",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo",
    "sched_getaffinity",
    "sched_getattr",
    "sched_getparam",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_rr_get_interval_time64",
    "sched_setaffinity",
    "sched_setattr",
    "sched_setparam",
    "sched_setscheduler",
    "sched_yield",
    "seccomp",
    "select",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "send",
    "sendfile",
    "sendfile64",
    "sendmmsg",
    "sendmsg",
    "sendto",
    "setfsgid",
    "setfsgid32",
    "setfsuid",
    "setfsuid32",
    "setgid",
    "setgid32",
    "setgroups",
    "setgroups32",
    "setitimer",
    "setpgid",
    "setpriority",
    "setregid",
    "setregid32",
    "setresgid",
    "setresgid32",
    "setresuid",
    "setresuid32",
    "setreuid",
    "setreuid32",
    "setrlimit",
    "set_robust_list",
    "setsid",
    "setsockopt",
    "set_thread_area",
    "set_tid_address",
    "setuid",
    "setuid32",
    "setxattr",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
    "shutdown",
    "sigaltstack",
    "signalfd",
    "signalfd4",
    "sigprocmask",
    "sigreturn",
    "socket",
    "socketcall",
    "socketpair",
    "splice",
    "stat",
    "stat64",
    "statfs",
    "statfs64",
    "statx",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "syncfs",
    "sysinfo",
    "tee",
    "tgkill",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_gettime64",
    "timer_settime",
    "timer_settime64",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_gettime64",
    "timerfd_settime",
    "timerfd_settime64",
    "times",
    "tkill",
    "truncate",
    "truncate64",
    "ugetrlimit",
    "umask",
    "uname",
    "unlink",
    "unlinkat",
    "utime",
    "utimensat",
    "utimensat_time64",
    "utimes",
    "vfork",
    "vmsplice",
    "wait4",
    "waitid",
    "waitpid",
    "write",
    "writev",
    "ptrace",
    NULL,
};

/* Calls allowed when the container holds a capability (bit number). */
struct capcall {
    int cap;
    const char *name;
};

static const struct capcall cap_calls[] = {
    {2, "open_by_handle_at"},
    {21, "bpf"},
    {21, "fanotify_init"},
    {21, "fsconfig"},
    {21, "fsmount"},
    {21, "fsopen"},
    {21, "fspick"},
    {21, "lookup_dcookie"},
    {21, "mount"},
    {21, "mount_setattr"},
    {21, "move_mount"},
    {21, "open_tree"},
    {21, "perf_event_open"},
    {21, "quotactl"},
    {21, "quotactl_fd"},
    {21, "setdomainname"},
    {21, "sethostname"},
    {21, "setns"},
    {21, "syslog"},
    {21, "umount"},
    {21, "umount2"},
    {21, "unshare"},
    {21, "clone3"},
    {22, "reboot"},
    {18, "chroot"},
    {16, "delete_module"},
    {16, "init_module"},
    {16, "finit_module"},
    {20, "acct"},
    {19, "kcmp"},
    {19, "pidfd_getfd"},
    {19, "process_madvise"},
    {19, "process_vm_readv"},
    {19, "process_vm_writev"},
    {17, "iopl"},
    {17, "ioperm"},
    {25, "settimeofday"},
    {25, "stime"},
    {25, "clock_settime"},
    {25, "clock_settime64"},
    {26, "vhangup"},
    {23, "get_mempolicy"},
    {23, "mbind"},
    {23, "set_mempolicy"},
    {23, "set_mempolicy_home_node"},
    {34, "syslog"},
    {39, "bpf"},
    {38, "perf_event_open"},
};

static int
allow_name(scmp_filter_ctx ctx, const char *name)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR || nr < 0)
        return 0; /* not on this architecture */
    return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

/* Builds the profile for a capability set with libseccomp. */
static int
seccomp_build(scmp_filter_ctx *out, uint64_t caps)
{
    /* Everything not allowed below fails with EPERM, as in moby. */
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (!ctx)
        return -ENOMEM;
    /* no_new_privs is the container's own setting, not libseccomp's. */
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    for (size_t i = 0; rc >= 0 && allowed[i]; i++)
        rc = allow_name(ctx, allowed[i]);
    for (size_t i = 0; rc >= 0 && i < sizeof(cap_calls) / sizeof(cap_calls[0]); i++)
        if (caps & (1ull << cap_calls[i].cap))
            rc = allow_name(ctx, cap_calls[i].name);
    if (rc >= 0 && (caps & (1ull << 21))) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 0);
    } else if (rc >= 0) {
        /* clone without namespace flags; clone3's flags live in memory a
         * filter cannot read, so it answers ENOSYS and libc uses clone. */
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, 0x7E020000, 0));
        if (rc >= 0)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    }
    /* personality(2): the harmless personas only. */
    static const unsigned long personas[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};
    for (size_t i = 0; rc >= 0 && i < sizeof(personas) / sizeof(personas[0]); i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1,
                              SCMP_A0(SCMP_CMP_EQ, personas[i]));
    if (rc < 0) {
        seccomp_release(ctx);
        return rc;
    }
    *out = ctx;
    return 0;
}

/* Compiled programs by capability set: a process compiles each once
 * (libseccomp's compilation costs one to two milliseconds, as much as the
 * rest of a container's setup), and containers load the cached BPF with
 * seccomp(2). Across processes (every `pkg pod run` is one) the programs
 * are kept in $PKG_HOME/cache/seccomp, named by a digest of everything
 * they are made from: the profile's tables and the code's version, the
 * capability set, libseccomp's version and the architecture. A file
 * carries the digest of its program and is used only when that matches. */
#define SECCOMP_CACHE 8
#define SECCOMP_PROFILE_VERSION "1"
static const char seccomp_magic[8] = "PKGBPF1";
static struct {
    uint64_t caps;
    struct sock_fprog prog;
} seccomp_cache[SECCOMP_CACHE];
static size_t seccomp_cached;
static char *seccomp_dir;

void
node_seccomp_set_cache(const char *home)
{
    free(seccomp_dir);
    seccomp_dir = home ? xasprintf("%s/cache/seccomp", home) : NULL;
}

/* The cache file of a capability set. */
static char *
seccomp_cache_path(uint64_t caps)
{
    if (!seccomp_dir)
        return NULL;
    struct sb in = SB_INIT;
    const struct scmp_version *v = seccomp_version();
    sb_addf(&in, "pkg seccomp %s\nlibseccomp %u.%u.%u\narch %u\ncaps %llx\n",
            SECCOMP_PROFILE_VERSION, v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0,
            seccomp_arch_native(), (unsigned long long)caps);
    for (size_t i = 0; allowed[i]; i++)
        sb_addf(&in, "%s\n", allowed[i]);
    for (size_t i = 0; i < sizeof(cap_calls) / sizeof(cap_calls[0]); i++)
        sb_addf(&in, "%d %s\n", cap_calls[i].cap, cap_calls[i].name);
    char d[72];
    node_sha256_buf(in.buf, in.len, d);
    sb_release(&in);
    return xasprintf("%s/%s.bpf", seccomp_dir, d + 7);
}

/* A program from the cache file, or NULL. */
static struct sock_filter *
seccomp_cache_load(const char *path, size_t *n)
{
    struct sb sb = SB_INIT;
    struct pkg_err *e = NULL;
    struct sock_filter *insns = NULL;
    if (node_read_file(&sb, path, 8 + 72 + BPF_MAXINSNS * sizeof(struct sock_filter), &e) == 0 &&
        sb.len > 80 && !memcmp(sb.buf, seccomp_magic, 8) &&
        (sb.len - 80) % sizeof(struct sock_filter) == 0) {
        char d[72];
        node_sha256_buf(sb.buf + 80, sb.len - 80, d);
        if (!memcmp(d, sb.buf + 8, 71)) {
            *n = (sb.len - 80) / sizeof(struct sock_filter);
            insns = xmalloc(sb.len - 80);
            memcpy(insns, sb.buf + 80, sb.len - 80);
        }
    }
    pkg_err_free(e);
    sb_release(&sb);
    return insns;
}

static void
seccomp_cache_store(const char *path, const struct sock_filter *insns, size_t n)
{
    struct sb sb = SB_INIT;
    char d[72];
    node_sha256_buf(insns, n * sizeof(*insns), d);
    sb_add(&sb, seccomp_magic, 8);
    sb_add(&sb, d, 72);
    sb_add(&sb, insns, n * sizeof(*insns));
    struct pkg_err *e = NULL;
    /* Best effort: a cache that cannot be written is compiled again. */
    if (node_mkdir_p(seccomp_dir, 0700, &e) == 0)
        node_write_replace(path, sb.buf, sb.len, 0600, &e);
    pkg_err_free(e);
    sb_release(&sb);
}

static void
seccomp_cache_add(uint64_t caps, struct sock_filter *insns, size_t n)
{
    /* Full (more distinct capability sets than slots): replace one. The
     * program is only used before the next call, by the clone that
     * asked for it. */
    size_t slot;
    if (seccomp_cached < SECCOMP_CACHE) {
        slot = seccomp_cached++;
    } else {
        slot = (size_t)(caps % SECCOMP_CACHE);
        free(seccomp_cache[slot].prog.filter);
    }
    seccomp_cache[slot].caps = caps;
    seccomp_cache[slot].prog.len = (unsigned short)n;
    seccomp_cache[slot].prog.filter = insns;
}

int
node_seccomp_prepare(const struct sock_fprog **out, uint64_t caps, struct pkg_err **errp)
{
    for (size_t i = 0; i < seccomp_cached; i++)
        if (seccomp_cache[i].caps == caps) {
            *out = &seccomp_cache[i].prog;
            return 0;
        }
    cleanup_free char *path = seccomp_cache_path(caps);
    size_t cn = 0;
    struct sock_filter *cached = path ? seccomp_cache_load(path, &cn) : NULL;
    if (cached) {
        seccomp_cache_add(caps, cached, cn);
        return node_seccomp_prepare(out, caps, errp);
    }
    scmp_filter_ctx ctx;
    int rc = seccomp_build(&ctx, caps);
    if (rc < 0)
        return pkg_err_set(errp, PKG_EIO, "build the seccomp profile: %s", strerror(-rc));
    /* libseccomp 2.5 exports to a file descriptor only. */
    int fd = (int)syscall(SYS_memfd_create, "pkg-seccomp", MFD_CLOEXEC);
    if (fd < 0) {
        seccomp_release(ctx);
        return pkg_err_sys(errp, "memfd_create");
    }
    rc = seccomp_export_bpf(ctx, fd);
    seccomp_release(ctx);
    struct stat st;
    if (rc < 0 || fstat(fd, &st) < 0 || st.st_size <= 0 ||
        st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
        st.st_size > (off_t)(BPF_MAXINSNS * sizeof(struct sock_filter))) {
        close(fd);
        return pkg_err_set(errp, PKG_EIO, "export the seccomp profile: %s",
                           rc < 0 ? strerror(-rc) : "bad program size");
    }
    struct sock_filter *insns = xmalloc((size_t)st.st_size);
    ssize_t n = pread(fd, insns, (size_t)st.st_size, 0);
    close(fd);
    if (n != st.st_size) {
        free(insns);
        return pkg_err_set(errp, PKG_EIO, "read the seccomp profile back");
    }
    size_t n_insns = (size_t)st.st_size / sizeof(struct sock_filter);
    if (path)
        seccomp_cache_store(path, insns, n_insns);
    seccomp_cache_add(caps, insns, n_insns);
    return node_seccomp_prepare(out, caps, errp);
}

int
node_seccomp_install(const struct sock_fprog *prog)
{
    /* Flags 0, as libseccomp's seccomp_load with this profile: no thread
     * sync (the process has one thread), no log. */
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog);
}
