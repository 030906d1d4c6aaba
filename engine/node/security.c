/* Container security: capabilities (containerd's default set, add/drop by
 * name), no_new_privs, and the default seccomp profile (libseccomp).
 *
 * The seccomp profile follows moby's default in effect: syscalls that
 * reach kernel-global state are refused with EPERM unless the container
 * holds the capability Kubernetes would require (mount and namespace calls
 * need CAP_SYS_ADMIN, module calls CAP_SYS_MODULE, ...), clone may not make
 * namespaces, clone3 answers ENOSYS so libc falls back to clone.
 * NEEDSWORK: moby's profile is an allowlist; this one denies the listed
 * calls and allows the rest, so syscalls newer than the list are allowed. */
#include "engine/node/node-int.h"
#include "engine/node/runtime.h"

#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
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

int
node_caps_compute(uint64_t *out, const struct node_container *c, struct pkg_err **errp)
{
    uint64_t caps = 0;
    if (c->privileged) {
        *out = (N_CAPS >= 64) ? ~0ull : ((1ull << N_CAPS) - 1);
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
            caps = (1ull << N_CAPS) - 1;
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

struct denied {
    const char *name;
    int cap; /* allowed when the container holds this capability; -1 never */
    int err;
};

static const struct denied denied[] = {
    {"mount", 21, EPERM},
    {"umount", 21, EPERM},
    {"umount2", 21, EPERM},
    {"pivot_root", 21, EPERM},
    {"unshare", 21, EPERM},
    {"setns", 21, EPERM},
    {"fsopen", 21, EPERM},
    {"fsconfig", 21, EPERM},
    {"fsmount", 21, EPERM},
    {"fspick", 21, EPERM},
    {"move_mount", 21, EPERM},
    {"open_tree", 21, EPERM},
    {"mount_setattr", 21, EPERM},
    {"sethostname", 21, EPERM},
    {"setdomainname", 21, EPERM},
    {"quotactl", 21, EPERM},
    {"quotactl_fd", 21, EPERM},
    {"fanotify_init", 21, EPERM},
    {"lookup_dcookie", 21, EPERM},
    {"bpf", 21, EPERM},
    {"perf_event_open", 21, EPERM},
    {"keyctl", -1, EPERM},
    {"add_key", -1, EPERM},
    {"request_key", -1, EPERM},
    {"kexec_load", 22, EPERM},
    {"kexec_file_load", 22, EPERM},
    {"reboot", 22, EPERM},
    {"init_module", 16, EPERM},
    {"finit_module", 16, EPERM},
    {"delete_module", 16, EPERM},
    {"acct", 20, EPERM},
    {"swapon", 21, EPERM},
    {"swapoff", 21, EPERM},
    {"settimeofday", 25, EPERM},
    {"clock_settime", 25, EPERM},
    {"clock_adjtime", 25, EPERM},
    {"stime", 25, EPERM},
    {"ptrace", 19, EPERM},
    {"process_vm_readv", 19, EPERM},
    {"process_vm_writev", 19, EPERM},
    {"kcmp", 19, EPERM},
    {"iopl", 17, EPERM},
    {"ioperm", 17, EPERM},
    {"open_by_handle_at", 2, EPERM},
    {"userfaultfd", -1, EPERM},
    {"vm86", -1, EPERM},
    {"vm86old", -1, EPERM},
    {"uselib", -1, EPERM},
    {"ustat", -1, EPERM},
    {"sysfs", -1, EPERM},
    {"_sysctl", -1, EPERM},
    {"nfsservctl", -1, EPERM},
    {"get_kernel_syms", -1, EPERM},
    {"query_module", -1, EPERM},
    {"create_module", -1, EPERM},
    {"syslog", 34, EPERM},
    {"vhangup", 26, EPERM},
    {"mbind", 23, EPERM},
    {"set_mempolicy", 23, EPERM},
    {"move_pages", 23, EPERM},
    {"io_uring_setup", -1, EPERM},
    {"io_uring_enter", -1, EPERM},
    {"io_uring_register", -1, EPERM},
    {"open_tree_attr", 21, EPERM},
};

int
node_seccomp_load(uint64_t caps, const char **what)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
        *what = "seccomp_init";
        errno = ENOMEM;
        return -1;
    }
    /* no_new_privs is the container's own setting, not libseccomp's. */
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    if (rc < 0)
        goto fail;
    for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
        if (denied[i].cap >= 0 && (caps & (1ull << denied[i].cap)))
            continue;
        int nr = seccomp_syscall_resolve_name(denied[i].name);
        if (nr == __NR_SCMP_ERROR || nr < 0)
            continue; /* not on this architecture */
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(denied[i].err), nr, 0);
        if (rc < 0)
            goto fail;
    }
    if (!(caps & (1ull << 21))) {
        /* No new namespaces through clone; clone3's flags live in memory
         * a filter cannot read, so it reports ENOSYS and libc uses clone. */
        static const unsigned long ns_flags[] = {CLONE_NEWNS,     CLONE_NEWUTS, CLONE_NEWIPC,
                                                 CLONE_NEWUSER,   CLONE_NEWPID, CLONE_NEWNET,
                                                 CLONE_NEWCGROUP, 0x00000080 /* NEWTIME */};
        for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++) {
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
            if (rc < 0)
                goto fail;
        }
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
        if (rc < 0)
            goto fail;
    }
    /* personality(2): only the harmless personas. */
    rc = seccomp_load(ctx);
    if (rc < 0)
        goto fail;
    seccomp_release(ctx);
    return 0;
fail:
    *what = "seccomp";
    errno = -rc;
    seccomp_release(ctx);
    return -1;
}
