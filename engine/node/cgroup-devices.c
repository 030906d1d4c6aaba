/* Device access on cgroup v2: an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE attached to the container's cgroup (what v1
 * does with devices.allow). It allows the container default set — the
 * standard character devices, pseudo-terminals, /dev/net/tun — and mknod
 * of any device, and denies everything else, block devices above all.
 * The program is a handful of instructions written out here (as runc's
 * devicefilter does); no libbpf. */
#include "engine/node/node-int.h"
#include "engine/node/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct devrule {
    int type;   /* BPF_DEVCG_DEV_CHAR / BPF_DEVCG_DEV_BLOCK */
    int major;  /* -1: any */
    int minor;  /* -1: any */
    int access; /* BPF_DEVCG_ACC_* allowed */
};

#define RWM (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

static const struct devrule rules[] = {
    {BPF_DEVCG_DEV_CHAR, -1, -1, BPF_DEVCG_ACC_MKNOD},
    {BPF_DEVCG_DEV_BLOCK, -1, -1, BPF_DEVCG_ACC_MKNOD},
    {BPF_DEVCG_DEV_CHAR, 1, 3, RWM},    /* null */
    {BPF_DEVCG_DEV_CHAR, 1, 5, RWM},    /* zero */
    {BPF_DEVCG_DEV_CHAR, 1, 7, RWM},    /* full */
    {BPF_DEVCG_DEV_CHAR, 1, 8, RWM},    /* random */
    {BPF_DEVCG_DEV_CHAR, 1, 9, RWM},    /* urandom */
    {BPF_DEVCG_DEV_CHAR, 5, 0, RWM},    /* tty */
    {BPF_DEVCG_DEV_CHAR, 5, 1, RWM},    /* console */
    {BPF_DEVCG_DEV_CHAR, 5, 2, RWM},    /* ptmx */
    {BPF_DEVCG_DEV_CHAR, 136, -1, RWM}, /* pts */
    {BPF_DEVCG_DEV_CHAR, 10, 200, RWM}, /* net/tun */
};

#define INSN(c, d, s, o, i)                                                                        \
    (struct bpf_insn)                                                                              \
    {                                                                                              \
        .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)                        \
    }

/* Builds the program: r2 = type, r3 = access, r4 = major, r5 = minor; one
 * block per rule jumping to the next rule on mismatch; default deny. */
static size_t
build(struct bpf_insn *p)
{
    size_t n = 0;
    p[n++] = INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0);
    p[n++] = INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
    p[n++] = INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_3, BPF_REG_1, 0, 0);
    p[n++] = INSN(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
    p[n++] = INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, BPF_REG_1, 4, 0);
    p[n++] = INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_5, BPF_REG_1, 8, 0);
    for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
        const struct devrule *d = &rules[r];
        /* Instructions of this block after its first: to skip to the next
         * rule a jump goes over the rest of the block. */
        int len = 1 + (d->major >= 0) + (d->minor >= 0) + (d->access != RWM ? 3 : 0) + 2;
        int at = 0;
        p[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, (short)(len - 1 - at++), d->type);
        if (d->major >= 0)
            p[n++] =
                INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, (short)(len - 1 - at++), d->major);
        if (d->minor >= 0)
            p[n++] =
                INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, (short)(len - 1 - at++), d->minor);
        if (d->access != RWM) {
            /* Requested access must be within the rule's: (r3 & ~acc) == 0 */
            p[n++] = INSN(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_0, BPF_REG_3, 0, 0);
            at++;
            p[n++] = INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_0, 0, 0, ~d->access & 0xffff);
            at++;
            p[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, (short)(len - 1 - at++), 0);
        }
        p[n++] = INSN(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
        p[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    }
    p[n++] = INSN(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
    p[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    return n;
}

int
cg_devices_attach(int cgroup_fd, struct pkg_err **errp)
{
    struct bpf_insn prog[256];
    size_t n = build(prog);
    char log[4096] = "";
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t)(uintptr_t)prog;
    attr.insn_cnt = (uint32_t)n;
    attr.license = (uint64_t)(uintptr_t) "Apache-2.0";
    int pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
    if (pfd < 0) {
        /* Again with the verifier's log, for the message. */
        int e = errno;
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = sizeof(log);
        attr.log_level = 1;
        if (syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)) < 0 && errno != ENOSPC)
            e = errno;
        errno = e;
    }
    if (pfd < 0)
        return pkg_err_sys(errp, "bpf BPF_PROG_LOAD device filter%s%.200s", *log ? ": " : "", log);
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)cgroup_fd;
    attr.attach_bpf_fd = (uint32_t)pfd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    int rc = 0;
    if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr)) < 0)
        rc = pkg_err_sys(errp, "bpf BPF_PROG_ATTACH device filter");
    close(pfd); /* the attachment keeps the program */
    return rc;
}
