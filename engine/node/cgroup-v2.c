/* cgroup v2: one hierarchy; controllers enabled down the tree through
 * cgroup.subtree_control; limits in memory.max (+ memory.swap.max 0),
 * cpu.max, cpu.weight, pids.max; OOM kills counted in memory.events;
 * cgroup.kill to end a container; device access through an eBPF filter
 * (cgroup-devices.c); processes placed with
 * clone3(CLONE_INTO_CGROUP). */
#include "engine/node/node-int.h"
#include "engine/node/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const wanted[] = {"cpu", "memory", "pids", NULL};

static bool
listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        while (*p == ' ' || *p == '\n')
            p++;
        const char *e = p;
        while (*e && *e != ' ' && *e != '\n')
            e++;
        if ((size_t)(e - p) == n && !strncmp(p, name, n))
            return true;
        p = *e ? e + 1 : NULL;
    }
    return false;
}

/* Enables the wanted controllers that `dir` offers in its subtree. */
static int
enable_subtree(struct cg *cg, const char *dir, struct pkg_err **errp)
{
    cleanup_free char *cf = xasprintf("%s/cgroup.controllers", dir);
    struct sb avail = SB_INIT;
    int rc = node_read_file(&avail, cf, 4096, errp);
    if (rc) {
        sb_release(&avail);
        return rc;
    }
    cleanup_free char *sc = xasprintf("%s/cgroup.subtree_control", dir);
    struct sb have = SB_INIT;
    struct pkg_err *e = NULL;
    node_read_file(&have, sc, 4096, &e);
    pkg_err_free(e);
    for (size_t i = 0; wanted[i] && !rc; i++) {
        if (!listed(avail.buf, wanted[i]) || listed(have.buf, wanted[i]))
            continue;
        char buf[32];
        snprintf(buf, sizeof(buf), "+%s", wanted[i]);
        rc = node_write_file(sc, buf, strlen(buf), false, errp);
        if (rc == PKG_EIO && errno == EBUSY)
            pkg_err_wrap(errp, "the cgroup has processes of its own; run pkg in a leaf cgroup "
                               "or set PKG_NODE_CGROUP_PARENT to a delegated subtree");
    }
    (void)cg;
    sb_release(&avail);
    sb_release(&have);
    return rc;
}

static int
v2_create(struct cg *cg, const char *rel, struct pkg_err **errp)
{
    /* Every directory from the mount point down to the leaf's parent
     * passes the controllers on (best effort: where one cannot, the limit
     * that needs it fails later naming the controller); then the leaf. */
    cleanup_free char *full = xasprintf("%s/%s", cg->base, rel);
    size_t mlen = strlen(cg->mount);
    char *p = full + mlen;
    for (;;) {
        char save = *p;
        *p = 0;
        if (p > full + mlen && node_sys.mkdir(full, 0755) < 0 && errno != EEXIST)
            return pkg_err_sys(errp, "mkdir %s", full);
        struct pkg_err *e = NULL;
        enable_subtree(cg, full, &e);
        pkg_err_free(e);
        *p = save;
        if (!*p)
            break;
        char *next = strchr(p + 1, '/');
        if (!next) {
            if (node_sys.mkdir(full, 0755) < 0 && errno != EEXIST)
                return pkg_err_sys(errp, "mkdir %s", full);
            break;
        }
        p = next;
    }
    return 0;
}

static int
need(struct cg *cg, const char *dir, const char *ctl, struct pkg_err **errp)
{
    cleanup_free char *cf = xasprintf("%s/cgroup.controllers", dir);
    struct sb sb = SB_INIT;
    struct pkg_err *e = NULL;
    node_read_file(&sb, cf, 4096, &e);
    pkg_err_free(e);
    bool ok = listed(sb.buf, ctl);
    int rc = 0;
    if (!ok)
        rc = pkg_err_set(errp, PKG_ENOTSUP,
                         "cgroup v2 controller \"%s\" is not available in %s (cgroup.controllers: "
                         "\"%.*s\")",
                         ctl, dir,
                         (int)(sb.len && sb.buf[sb.len - 1] == '\n' ? sb.len - 1 : sb.len), sb.buf);
    (void)cg;
    sb_release(&sb);
    return rc;
}

static int
v2_set_limits(struct cg *cg, const char *rel, const struct cg_limits *l, struct pkg_err **errp)
{
    cleanup_free char *d = xasprintf("%s/%s", cg->base, rel);
    char buf[64];
    int rc;
    if (l->mem_limit > 0) {
        if ((rc = need(cg, d, "memory", errp)))
            return rc;
        cleanup_free char *f = xasprintf("%s/memory.max", d);
        snprintf(buf, sizeof(buf), "%lld", (long long)l->mem_limit);
        if ((rc = node_write_file(f, buf, strlen(buf), false, errp)))
            return rc;
        cleanup_free char *sw = xasprintf("%s/memory.swap.max", d);
        if (access(sw, F_OK) == 0 && (rc = node_write_file(sw, "0", 1, false, errp)))
            return rc;
    }
    if (l->cpu_limit_milli > 0) {
        if ((rc = need(cg, d, "cpu", errp)))
            return rc;
        cleanup_free char *f = xasprintf("%s/cpu.max", d);
        snprintf(buf, sizeof(buf), "%lld 100000", (long long)(l->cpu_limit_milli * 100));
        if ((rc = node_write_file(f, buf, strlen(buf), false, errp)))
            return rc;
    }
    if (l->cpu_request_milli > 0) {
        cleanup_free char *f = xasprintf("%s/cpu.weight", d);
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cg_weight(l->cpu_request_milli));
        if (access(f, F_OK) == 0 && (rc = node_write_file(f, buf, strlen(buf), false, errp)))
            return rc;
    }
    if (l->pids_limit > 0) {
        if ((rc = need(cg, d, "pids", errp)))
            return rc;
        cleanup_free char *f = xasprintf("%s/pids.max", d);
        snprintf(buf, sizeof(buf), "%lld", (long long)l->pids_limit);
        if ((rc = node_write_file(f, buf, strlen(buf), false, errp)))
            return rc;
    }
    if (l->devices) {
        int fd = node_sys.open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd < 0)
            return pkg_err_sys(errp, "open %s", d);
        rc = cg_devices_attach(fd, errp);
        close(fd);
        if (rc)
            return pkg_err_wrap(errp, "%s", d);
    }
    return 0;
}

static int
v2_attach(struct cg *cg, const char *rel, pid_t pid, struct pkg_err **errp)
{
    cleanup_free char *f = xasprintf("%s/%s/cgroup.procs", cg->base, rel);
    return node_write_filef(f, errp, "%d", (int)pid);
}

static int
v2_open_dir(struct cg *cg, const char *rel)
{
    cleanup_free char *d = xasprintf("%s/%s", cg->base, rel);
    return node_sys.open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
}

static int
v2_open_self(struct cg *cg, const char *rel, int *fds, size_t max, struct pkg_err **errp)
{
    /* A thread moves alone only between threaded cgroups; v2 has
     * CLONE_INTO_CGROUP instead. */
    (void)cg;
    (void)rel;
    (void)fds;
    (void)max;
    (void)errp;
    return 0;
}

static int
v2_stats(struct cg *cg, const char *rel, struct cg_stats *out)
{
    memset(out, 0, sizeof(*out));
    cleanup_free char *d = xasprintf("%s/%s", cg->base, rel);
    cleanup_free char *cpu = xasprintf("%s/cpu.stat", d);
    uint64_t usec = 0;
    if (cg_read_u64(cpu, "usage_usec", &usec) == 0)
        out->cpu_usage_ns = usec * 1000;
    cleanup_free char *mem = xasprintf("%s/memory.current", d);
    cg_read_u64(mem, NULL, &out->mem_usage);
    cleanup_free char *ev = xasprintf("%s/memory.events", d);
    cg_read_u64(ev, "oom_kill", &out->oom_kills);
    return 0;
}

static int
v2_kill(struct cg *cg, const char *rel, struct pkg_err **errp)
{
    cleanup_free char *d = xasprintf("%s/%s", cg->base, rel);
    cleanup_free char *k = xasprintf("%s/cgroup.kill", d);
    cleanup_free char *ev = xasprintf("%s/cgroup.events", d);
    struct pkg_err *e = NULL;
    uint64_t busy = 1;
    if (cg_read_u64(ev, "populated", &busy) == 0 && busy == 0)
        return 0; /* nothing to kill (or no such cgroup) */
    if (access(k, F_OK) == 0 && node_write_file(k, "1", 1, false, &e) == 0) {
        /* cgroup.kill is asynchronous: wait for the cgroup to empty. */
        for (int i = 0; i < 500; i++) {
            uint64_t populated = 1;
            if (cg_read_u64(ev, "populated", &populated) < 0 || populated == 0)
                return 0;
            usleep(1000);
        }
    }
    pkg_err_free(e);
    return cg_kill_procs(d, errp);
}

static int
v2_destroy(struct cg *cg, const char *rel, struct pkg_err **errp)
{
    int rc = v2_kill(cg, rel, errp);
    if (rc)
        return rc;
    cleanup_free char *d = xasprintf("%s/%s", cg->base, rel);
    return cg_rmdir_tree(d, errp);
}

const struct cg_ops cg_v2_ops = {
    .name = "v2",
    .create = v2_create,
    .set_limits = v2_set_limits,
    .attach = v2_attach,
    .open_dir = v2_open_dir,
    .open_self = v2_open_self,
    .stats = v2_stats,
    .kill = v2_kill,
    .destroy = v2_destroy,
};
