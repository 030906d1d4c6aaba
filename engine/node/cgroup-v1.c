/* cgroup v1 (and hybrid hosts): one directory per hierarchy; limits in
 * memory.limit_in_bytes, cpu.cfs_quota_us/cpu.shares, pids.max, the
 * devices whitelist; OOM kills counted in memory.oom_control. */
#include "engine/node/node-int.h"
#include "engine/node/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool
hier_has(const struct cg *cg, size_t i, const char *ctl)
{
    const char *l = cg->h[i].controllers;
    size_t n = strlen(ctl);
    for (const char *p = l; p && *p;) {
        const char *e = strchr(p, ',');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == n && !strncmp(p, ctl, n))
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

static char *
dir_for(const struct cg *cg, const char *ctl, const char *rel)
{
    for (size_t i = 0; i < cg->n_h; i++)
        if (hier_has(cg, i, ctl))
            return rel && *rel ? xasprintf("%s/%s", cg->h[i].base, rel) : xstrdup(cg->h[i].base);
    return NULL;
}

static int
v1_create(struct cg *cg, const char *rel, struct pkg_err **errp)
{
    for (size_t i = 0; i < cg->n_h; i++) {
        cleanup_free char *d = xasprintf("%s/%s", cg->h[i].base, rel);
        int rc = cg_mkdir_p(d, errp);
        if (rc)
            return rc;
    }
    return 0;
}

static int
write_opt(const struct cg *cg, const char *ctl, const char *rel, const char *file,
          const char *value, bool optional, struct pkg_err **errp)
{
    cleanup_free char *d = dir_for(cg, ctl, rel);
    if (!d)
        return optional ? 0
                        : pkg_err_set(errp, PKG_ENOTSUP,
                                      "cgroup v1 controller \"%s\" is not mounted", ctl);
    cleanup_free char *p = xasprintf("%s/%s", d, file);
    if (optional && access(p, F_OK) != 0)
        return 0;
    return node_write_file(p, value, strlen(value), false, errp);
}

static int
v1_set_limits(struct cg *cg, const char *rel, const struct cg_limits *l, struct pkg_err **errp)
{
    char buf[64];
    int rc = 0;
    if (l->mem_limit > 0) {
        snprintf(buf, sizeof(buf), "%lld", (long long)l->mem_limit);
        rc = write_opt(cg, "memory", rel, "memory.limit_in_bytes", buf, false, errp);
        /* No swap beyond the limit, as kubelet does. */
        if (!rc)
            rc = write_opt(cg, "memory", rel, "memory.memsw.limit_in_bytes", buf, true, errp);
        if (rc)
            return rc;
    }
    if (l->cpu_limit_milli > 0) {
        rc = write_opt(cg, "cpu", rel, "cpu.cfs_period_us", "100000", false, errp);
        snprintf(buf, sizeof(buf), "%lld", (long long)(l->cpu_limit_milli * 100));
        if (!rc)
            rc = write_opt(cg, "cpu", rel, "cpu.cfs_quota_us", buf, false, errp);
        if (rc)
            return rc;
    }
    if (l->cpu_request_milli > 0) {
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cg_shares(l->cpu_request_milli));
        if ((rc = write_opt(cg, "cpu", rel, "cpu.shares", buf, true, errp)))
            return rc;
    }
    if (l->pids_limit > 0) {
        snprintf(buf, sizeof(buf), "%lld", (long long)l->pids_limit);
        if ((rc = write_opt(cg, "pids", rel, "pids.max", buf, false, errp)))
            return rc;
    }
    if (l->devices) {
        /* The container default: the standard character devices and
         * pseudo-terminals; everything else (disks above all) denied. */
        static const char *const allow[] = {"c 1:3 rwm",   "c 1:5 rwm",    "c 1:7 rwm", "c 1:8 rwm",
                                            "c 1:9 rwm",   "c 5:0 rwm",    "c 5:1 rwm", "c 5:2 rwm",
                                            "c 136:* rwm", "c 10:200 rwm", "c *:* m",   "b *:* m",
                                            NULL};
        cleanup_free char *d = dir_for(cg, "devices", rel);
        if (d) {
            cleanup_free char *deny = xasprintf("%s/devices.deny", d);
            cleanup_free char *al = xasprintf("%s/devices.allow", d);
            if ((rc = node_write_file(deny, "a", 1, false, errp)))
                return rc;
            /* One rule per write(2), one open for all. */
            int fd = node_sys.open(al, O_WRONLY | O_CLOEXEC, 0);
            if (fd < 0)
                return pkg_err_sys(errp, "open %s", al);
            for (size_t i = 0; allow[i]; i++) {
                if (node_sys.write(fd, allow[i], strlen(allow[i])) < 0) {
                    rc = pkg_err_sys(errp, "write \"%s\" to %s", allow[i], al);
                    close(fd);
                    return rc;
                }
            }
            close(fd);
        }
    }
    return 0;
}

static int
v1_attach(struct cg *cg, const char *rel, pid_t pid, struct pkg_err **errp)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%d", (int)pid);
    for (size_t i = 0; i < cg->n_h; i++) {
        cleanup_free char *p = xasprintf("%s/%s/cgroup.procs", cg->h[i].base, rel);
        int rc = node_write_file(p, buf, strlen(buf), false, errp);
        if (rc)
            return rc;
    }
    return 0;
}

static int
v1_open_dir(struct cg *cg, const char *rel)
{
    (void)cg;
    (void)rel;
    return -1;
}

static int
v1_open_self(struct cg *cg, const char *rel, int *fds, size_t max, struct pkg_err **errp)
{
    size_t n = 0;
    for (size_t i = 0; i < cg->n_h && n < max; i++) {
        cleanup_free char *p = xasprintf("%s/%s/tasks", cg->h[i].base, rel);
        int fd = node_sys.open(p, O_WRONLY | O_CLOEXEC, 0);
        if (fd < 0) {
            int rc = pkg_err_sys(errp, "open %s", p);
            while (n > 0)
                close(fds[--n]);
            return rc;
        }
        fds[n++] = fd;
    }
    return (int)n;
}

static int
v1_stats(struct cg *cg, const char *rel, struct cg_stats *out)
{
    memset(out, 0, sizeof(*out));
    cleanup_free char *cpu = dir_for(cg, "cpuacct", rel);
    cleanup_free char *mem = dir_for(cg, "memory", rel);
    if (cpu) {
        cleanup_free char *p = xasprintf("%s/cpuacct.usage", cpu);
        cg_read_u64(p, NULL, &out->cpu_usage_ns);
    }
    if (mem) {
        cleanup_free char *p = xasprintf("%s/memory.usage_in_bytes", mem);
        cg_read_u64(p, NULL, &out->mem_usage);
        cleanup_free char *o = xasprintf("%s/memory.oom_control", mem);
        cg_read_u64(o, "oom_kill", &out->oom_kills);
    }
    return 0;
}

static int
v1_kill(struct cg *cg, const char *rel, struct pkg_err **errp)
{
    /* Any hierarchy holds every process; prefer pids or memory. */
    cleanup_free char *d = dir_for(cg, "pids", rel);
    if (!d)
        d = dir_for(cg, "memory", rel);
    if (!d)
        d = rel && *rel ? xasprintf("%s/%s", cg->h[0].base, rel) : xstrdup(cg->h[0].base);
    return cg_kill_procs(d, errp);
}

static int
v1_destroy(struct cg *cg, const char *rel, struct pkg_err **errp)
{
    int rc = v1_kill(cg, rel, errp);
    if (rc)
        return rc;
    for (size_t i = 0; i < cg->n_h; i++) {
        cleanup_free char *d =
            rel && *rel ? xasprintf("%s/%s", cg->h[i].base, rel) : xstrdup(cg->h[i].base);
        if ((rc = cg_rmdir_tree(d, errp)))
            return rc;
    }
    return 0;
}

const struct cg_ops cg_v1_ops = {
    .name = "v1",
    .create = v1_create,
    .set_limits = v1_set_limits,
    .attach = v1_attach,
    .open_dir = v1_open_dir,
    .open_self = v1_open_self,
    .stats = v1_stats,
    .kill = v1_kill,
    .destroy = v1_destroy,
};
