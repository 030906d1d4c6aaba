/* The pod sandbox and what each container start needs from it: the pod's
 * directory under $PKG_HOME/pods, its network/IPC/UTS namespaces (created
 * once, kept by bind mounts on files in the pod directory so they outlive
 * any process), /etc/hosts, /etc/hostname, /etc/resolv.conf, the pod's
 * /dev/shm, its volumes, and the launch description of a container:
 * command, environment, mounts, identity, cgroup. */
#include "engine/node/node-int.h"
#include "engine/node/runtime.h"
#include "engine/node/super.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static int
mkdirs(const char *dir, const char *sub, struct pkg_err **errp)
{
    cleanup_free char *p = xasprintf("%s/%s", dir, sub);
    return node_mkdir_p(p, 0755, errp);
}

static int
loopback_up(struct pkg_err **errp)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return pkg_err_sys(errp, "socket for loopback");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
    int rc = 0;
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
        rc = pkg_err_sys(errp, "ioctl SIOCGIFFLAGS lo");
    } else {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
            rc = pkg_err_sys(errp, "ioctl SIOCSIFFLAGS lo");
    }
    close(s);
    return rc;
}

static bool
is_nsfs(const char *path)
{
    /* A bind-mounted namespace file reports the nsfs inode, not a regular
     * file's. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = ioctl(fd, 0xb701 /* NS_GET_USERNS */) >= 0 || errno != ENOTTY;
    close(fd);
    return ok;
}

/* Creates the pod's namespaces in this process for a moment, keeps them
 * with bind mounts, and returns to our own. */
static int
make_namespaces(struct pod *p, struct pkg_err **errp)
{
    static const struct {
        const char *name;
        int flag;
    } nss[] = {{"net", CLONE_NEWNET}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}};
    bool all = true;
    for (size_t i = 0; i < 3; i++) {
        cleanup_free char *f = xasprintf("%s/run/%s", p->dir, nss[i].name);
        all = all && is_nsfs(f);
    }
    if (all)
        return 0;
    int own[3];
    for (size_t i = 0; i < 3; i++) {
        cleanup_free char *f = xasprintf("/proc/self/ns/%s", nss[i].name);
        own[i] = open(f, O_RDONLY | O_CLOEXEC);
        if (own[i] < 0) {
            int rc = pkg_err_sys(errp, "open %s", f);
            while (i-- > 0)
                close(own[i]);
            return rc;
        }
    }
    int rc = 0;
    /* A netlink socket made here stays in the node's network namespace. */
    int hostnl = node_rtnl_open();
    if (hostnl < 0) {
        rc = pkg_err_sys(errp, "socket NETLINK_ROUTE");
        goto back;
    }
    if (unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0) {
        rc = pkg_err_sys(errp, "unshare network, ipc and uts namespaces");
        goto back;
    }
    const char *host = p->spec->hostname ? p->spec->hostname : p->spec->name;
    if (sethostname(host, strlen(host)) < 0) {
        rc = pkg_err_sys(errp, "sethostname %s", host);
        goto back;
    }
    if ((rc = loopback_up(errp)))
        goto back;
    if ((rc = node_net_setup_pod(p, hostnl, own[0], errp)))
        goto back;
    for (size_t i = 0; i < 3 && !rc; i++) {
        cleanup_free char *f = xasprintf("%s/run/%s", p->dir, nss[i].name);
        cleanup_free char *src = xasprintf("/proc/self/ns/%s", nss[i].name);
        int fd = open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0444);
        if (fd < 0) {
            rc = pkg_err_sys(errp, "create %s", f);
            break;
        }
        close(fd);
        if (node_sys.mount(src, f, NULL, MS_BIND, NULL) < 0)
            rc = pkg_err_sys(errp, "bind %s on %s", src, f);
    }
back:
    if (hostnl >= 0)
        close(hostnl);
    for (size_t i = 0; i < 3; i++) {
        if (setns(own[i], nss[i].flag) < 0)
            abort(); /* never stay in a pod's namespace */
        close(own[i]);
    }
    return rc;
}

int
sandbox_ns_fd(const struct pod *p, const char *which)
{
    cleanup_free char *f = xasprintf("%s/run/%s", p->dir, which);
    return open(f, O_RDONLY | O_CLOEXEC);
}

static int
write_etc(struct pod *p, struct pkg_err **errp)
{
    const char *host = p->spec->hostname ? p->spec->hostname : p->spec->name;
    struct sb sb = SB_INIT;
    sb_addstr(&sb, "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"
                   "::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
                   "fe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n");
    if (p->ip[0]) {
        if (p->spec->subdomain)
            sb_addf(&sb, "%s\t%s.%s.%s.svc.cluster.local\t%s\n", p->ip, host, p->spec->subdomain,
                    p->spec->ns, host);
        else
            sb_addf(&sb, "%s\t%s\n", p->ip, host);
    }
    const struct val *ha = p->spec->host_aliases;
    if (ha && val_seq_len(ha)) {
        sb_addstr(&sb, "\n# Entries added by HostAliases.\n");
        for (size_t i = 0; i < val_seq_len(ha); i++) {
            const struct val *e = val_seq_at(ha, i);
            const char *ip = node_jstr(e, "ip");
            struct val *hs = node_jget(e, "hostnames", VAL_SEQ);
            if (!ip)
                continue;
            sb_addstr(&sb, ip);
            for (size_t k = 0; hs && k < val_seq_len(hs); k++)
                sb_addf(&sb, "\t%s", val_cstr(val_seq_at(hs, k)));
            sb_addch(&sb, '\n');
        }
    }
    cleanup_free char *etc = xasprintf("%s/run/etc", p->dir);
    cleanup_free char *hosts = xasprintf("%s/run/etc/hosts", p->dir);
    cleanup_free char *hostname = xasprintf("%s/run/etc/hostname", p->dir);
    cleanup_free char *resolv = xasprintf("%s/run/etc/resolv.conf", p->dir);
    int rc = 0;
    if (mkdir(etc, 0755) < 0 && errno != EEXIST)
        rc = pkg_err_sys(errp, "mkdir %s", etc);
    if (!rc)
        rc = node_write_replace(hosts, sb.buf, sb.len, 0644, errp);
    sb_reset(&sb);
    sb_addf(&sb, "%s\n", host);
    if (!rc)
        rc = node_write_replace(hostname, sb.buf, sb.len, 0644, errp);
    sb_reset(&sb);
    if (!rc) {
        struct pkg_err *e = NULL;
        if (sb_read_file(&sb, "/etc/resolv.conf", 1 << 20, &e)) {
            pkg_err_free(e);
            sb_reset(&sb);
        }
        rc = node_write_replace(resolv, sb.buf, sb.len, 0644, errp);
    }
    sb_release(&sb);
    return rc;
}

static bool
is_mountpoint(const char *path)
{
    struct stat a, b;
    cleanup_free char *parent = xasprintf("%s/..", path);
    if (stat(path, &a) < 0 || stat(parent, &b) < 0)
        return false;
    return a.st_dev != b.st_dev;
}

static int
mount_tmpfs(const char *dir, int64_t size, int mode, struct pkg_err **errp)
{
    if (is_mountpoint(dir))
        return 0;
    char opts[64];
    if (size > 0)
        snprintf(opts, sizeof(opts), "mode=%o,size=%lld", mode, (long long)size);
    else
        snprintf(opts, sizeof(opts), "mode=%o", mode);
    if (node_sys.mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
        return pkg_err_sys(errp, "mount tmpfs on %s", dir);
    return 0;
}

/* Writes the files of a configMap, secret or downwardAPI volume. */
static int
write_keyfile(const char *dir, const char *rel, const char *data, size_t len, int mode,
              int64_t fs_group, struct pkg_err **errp)
{
    char *path = NULL;
    int rc = fs_join_under(&path, dir, rel, errp);
    if (rc)
        return rc;
    char *slash = strrchr(path, '/');
    *slash = 0;
    rc = node_mkdir_p(path, 0755, errp);
    *slash = '/';
    if (!rc)
        rc = node_write_replace(path, data, len, (mode_t)mode, errp);
    if (!rc && fs_group >= 0 && chown(path, (uid_t)-1, (gid_t)fs_group) < 0)
        rc = pkg_err_sys(errp, "chown %s", path);
    free(path);
    return rc;
}

static const char *
field_value(struct arena *a, const struct pod *p, const char *path)
{
    const struct node_pod_spec *s = p->spec;
    if (!strcmp(path, "metadata.name"))
        return s->name;
    if (!strcmp(path, "metadata.namespace"))
        return s->ns;
    if (!strcmp(path, "metadata.uid"))
        return p->uid;
    if (!strcmp(path, "spec.nodeName"))
        return node_super_nodename(p->sup);
    if (!strcmp(path, "spec.serviceAccountName")) {
        const char *sa = node_jstr(node_jget(s->pod, "spec", VAL_MAP), "serviceAccountName");
        return sa ? sa : "default";
    }
    if (!strcmp(path, "status.podIP") || !strcmp(path, "status.podIPs"))
        return p->ip;
    if (!strcmp(path, "status.hostIP") || !strcmp(path, "status.hostIPs"))
        return node_super_hostip(p->sup);
    const struct val *m = NULL;
    size_t pre = 0;
    if (!strncmp(path, "metadata.labels", 15)) {
        m = s->labels;
        pre = 15;
    } else if (!strncmp(path, "metadata.annotations", 20)) {
        m = s->annotations;
        pre = 20;
    } else {
        return NULL;
    }
    if (!path[pre]) {
        /* All of them, as key="value" lines, sorted. */
        struct sb sb = SB_INIT;
        if (m) {
            struct val_mapent *e = val_map_sorted(a, m);
            for (size_t i = 0; i < val_map_len(m); i++) {
                sb_addf(&sb, "%s=", e[i].key->u.s.ptr);
                val_json_quote(&sb, e[i].v->u.s.ptr, e[i].v->u.s.len, VAL_JSON_NO_ESCAPE_HTML);
                if (i + 1 < val_map_len(m))
                    sb_addch(&sb, '\n');
            }
        }
        char *r = arena_strdup(a, sb.buf);
        sb_release(&sb);
        return r;
    }
    /* metadata.labels['key'] */
    if (strncmp(path + pre, "['", 2) != 0)
        return NULL;
    const char *k = path + pre + 2;
    const char *e = strstr(k, "']");
    if (!e)
        return NULL;
    struct val *v = m ? val_map_get(m, k, (size_t)(e - k)) : NULL;
    return v ? val_cstr(v) : "";
}

static const char *
resource_value(struct arena *a, const struct pod *p, const struct node_container *self,
               const struct val *ref)
{
    const char *cname = node_jstr(ref, "containerName");
    const char *res = node_jstr(ref, "resource");
    const struct node_container *c = self;
    for (size_t i = 0; cname && i < p->spec->n_ctrs; i++)
        if (!strcmp(p->spec->ctrs[i].name, cname))
            c = &p->spec->ctrs[i];
    if (!c || !res)
        return NULL;
    int64_t divisor = 1;
    struct val *dv = val_map_getz(ref, "divisor");
    bool cpu = strstr(res, "cpu") != NULL;
    if (dv && dv->kind != VAL_NULL)
        node_quantity(&divisor, dv, cpu ? 1000 : 1, NULL);
    else
        divisor = cpu ? 1000 : 1;
    if (divisor <= 0)
        divisor = 1;
    int64_t v = 0;
    if (!strcmp(res, "limits.cpu"))
        v = c->cpu_limit_milli ? c->cpu_limit_milli : node_super_cpus(p->sup) * 1000;
    else if (!strcmp(res, "requests.cpu"))
        v = c->cpu_request_milli;
    else if (!strcmp(res, "limits.memory"))
        v = c->mem_limit ? c->mem_limit : node_super_memory(p->sup);
    else if (!strcmp(res, "requests.memory"))
        v = c->mem_request;
    else
        return NULL;
    return arena_sprintf(a, "%lld", (long long)((v + divisor - 1) / divisor));
}

static int
prepare_volume(struct pod *p, const struct node_volume *v, struct pkg_err **errp)
{
    cleanup_free char *dir = xasprintf("%s/volumes/%s", p->dir, v->name);
    const struct node_pod_spec *s = p->spec;
    int rc = 0;
    int mode = v->default_mode >= 0 ? v->default_mode : 0644;
    switch (v->kind) {
    case NODE_VOL_EMPTYDIR:
        if ((rc = node_mkdir_p(dir, 0777, errp)))
            return rc;
        chmod(dir, 0777);
        if (v->memory && (rc = mount_tmpfs(dir, v->size_limit, 0777, errp)))
            return rc;
        if (s->fs_group >= 0 &&
            (chown(dir, (uid_t)-1, (gid_t)s->fs_group) < 0 || chmod(dir, 02777) < 0))
            return pkg_err_sys(errp, "chown %s", dir);
        return 0;
    case NODE_VOL_HOSTPATH: {
        const char *t = v->hostpath_type ? v->hostpath_type : "";
        struct stat st;
        bool exists = stat(v->source, &st) == 0;
        if (!strcmp(t, "DirectoryOrCreate") && !exists)
            return node_mkdir_p(v->source, 0755, errp);
        if (!strcmp(t, "FileOrCreate") && !exists) {
            int fd = open(v->source, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
            if (fd < 0)
                return pkg_err_sys(errp, "create %s", v->source);
            close(fd);
            return 0;
        }
        if (!*t)
            return 0;
        bool ok = exists && ((!strcmp(t, "Directory") && S_ISDIR(st.st_mode)) ||
                             (!strcmp(t, "File") && S_ISREG(st.st_mode)) ||
                             (!strcmp(t, "Socket") && S_ISSOCK(st.st_mode)) ||
                             (!strcmp(t, "CharDevice") && S_ISCHR(st.st_mode)) ||
                             (!strcmp(t, "BlockDevice") && S_ISBLK(st.st_mode)) ||
                             !strcmp(t, "DirectoryOrCreate") || !strcmp(t, "FileOrCreate"));
        if (!ok)
            return pkg_err_set(errp, PKG_EINVAL, "hostPath type check failed: %s is not a %s",
                               v->source, t);
        return 0;
    }
    case NODE_VOL_PVC: {
        cleanup_free char *pv =
            xasprintf("%s/volumes/%s/%s", node_super_home(p->sup), s->ns, v->source);
        if ((rc = node_mkdir_p(pv, 0777, errp)))
            return rc;
        return 0;
    }
    case NODE_VOL_CONFIGMAP:
    case NODE_VOL_SECRET: {
        bool secret = v->kind == NODE_VOL_SECRET;
        struct val *data = val_map_getz(secret ? s->secrets : s->configmaps, v->source);
        struct pkg_err *e = NULL;
        fs_remove_all(dir, &e);
        pkg_err_free(e);
        if ((rc = node_mkdir_p(dir, 0755, errp)))
            return rc;
        if (!data) {
            if (v->optional)
                return 0;
            return pkg_err_set(errp, PKG_ENOENT, "%s \"%s\" not found",
                               secret ? "secret" : "configmap", v->source);
        }
        if (v->items) {
            for (size_t i = 0; i < val_seq_len(v->items); i++) {
                const struct val *it = val_seq_at(v->items, i);
                const char *k = node_jstr(it, "key"), *path = node_jstr(it, "path");
                struct val *dv = k ? val_map_getz(data, k) : NULL;
                if (!dv) {
                    if (v->optional)
                        continue;
                    return pkg_err_set(errp, PKG_ENOENT,
                                       "configmap references non-existent "
                                       "config key: %s",
                                       k ? k : "");
                }
                int m = (int)(node_jget(it, "mode", VAL_INT) ? node_jint(it, "mode") : mode);
                if ((rc = write_keyfile(dir, path ? path : k, dv->u.s.ptr, dv->u.s.len, m,
                                        s->fs_group, errp)))
                    return rc;
            }
        } else {
            for (size_t i = 0; i < val_map_len(data); i++) {
                const struct val *dv = data->u.map.ents[i].v;
                if ((rc = write_keyfile(dir, data->u.map.ents[i].key->u.s.ptr, dv->u.s.ptr,
                                        dv->u.s.len, mode, s->fs_group, errp)))
                    return rc;
            }
        }
        return 0;
    }
    case NODE_VOL_DOWNWARD: {
        if ((rc = node_mkdir_p(dir, 0755, errp)))
            return rc;
        for (size_t i = 0; v->items && i < val_seq_len(v->items); i++) {
            const struct val *it = val_seq_at(v->items, i);
            const char *path = node_jstr(it, "path");
            struct val *fr = node_jget(it, "fieldRef", VAL_MAP);
            struct val *rr = node_jget(it, "resourceFieldRef", VAL_MAP);
            const char *val = fr   ? field_value(p->a, p, node_jstr(fr, "fieldPath"))
                              : rr ? resource_value(p->a, p, NULL, rr)
                                   : NULL;
            if (!path || !val)
                return pkg_err_set(errp, PKG_EINVAL, "downwardAPI volume %s: unsupported item %zu",
                                   v->name, i);
            int m = (int)(node_jget(it, "mode", VAL_INT) ? node_jint(it, "mode") : mode);
            if ((rc = write_keyfile(dir, path, val, strlen(val), m, s->fs_group, errp)))
                return rc;
        }
        return 0;
    }
    }
    return 0;
}

/* shareProcessNamespace: a pod-level init (Kubernetes' pause) is PID 1 of
 * the shared PID namespace and reaps orphans, so containers can restart
 * without taking the namespace down. It sits in its own cgroup below the
 * pod's and is named by run/init.pid ("<pid> <start time>"). */
pid_t
sandbox_init_pid(const struct pod *p)
{
    cleanup_free char *pf = xasprintf("%s/run/init.pid", p->dir);
    struct sb sb = SB_INIT;
    struct pkg_err *e = NULL;
    pid_t pid = -1;
    unsigned long long start = 0;
    long v = 0;
    if (sb_read_file(&sb, pf, 128, &e) == 0 && sscanf(sb.buf, "%ld %llu", &v, &start) == 2 &&
        v > 0 && node_proc_start_time((pid_t)v) == start)
        pid = (pid_t)v;
    pkg_err_free(e);
    sb_release(&sb);
    return pid;
}

static int
pod_init_start(struct pod *p, struct pkg_err **errp)
{
    if (sandbox_init_pid(p) > 0)
        return 0;
    struct cg *cg = node_super_cg(p->sup);
    cleanup_free char *rel = xasprintf("pod-%s/init", p->uid);
    int rc = 0, cgfd = -1, self[CG_MAX_HIER];
    size_t n_self = 0;
    if (cg) {
        /* Born in its cgroup (v2) or moving itself there (v1). */
        if ((rc = cg->ops->create(cg, rel, errp)))
            return rc;
        cgfd = cg->ops->open_dir(cg, rel);
        if (cgfd < 0) {
            int n = cg->ops->open_self(cg, rel, self, CG_MAX_HIER, errp);
            if (n < 0)
                return n;
            n_self = (size_t)n;
        }
    }
    struct clone_args ca;
    memset(&ca, 0, sizeof(ca));
    ca.flags = CLONE_NEWPID;
    ca.exit_signal = SIGCHLD;
    if (cgfd >= 0) {
        ca.flags |= CLONE_INTO_CGROUP;
        ca.cgroup = (uint64_t)cgfd;
    }
    long pid = syscall(SYS_clone3, &ca, sizeof(ca));
    if (pid == 0) {
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL); /* only SIGKILL ends it */
        prctl(PR_SET_NAME, "pkg-pod-init", 0, 0, 0);
        for (size_t i = 0; i < n_self; i++)
            if (write(self[i], "0", 1) != 1)
                _exit(1);
        syscall(SYS_close_range, 0, ~0U, 0);
        if (chdir("/") < 0)
            _exit(1);
        for (;;)
            if (waitpid(-1, NULL, 0) < 0)
                pause();
    }
    int saved = errno;
    if (cgfd >= 0)
        close(cgfd);
    for (size_t i = 0; i < n_self; i++)
        close(self[i]);
    if (pid < 0) {
        errno = saved;
        return pkg_err_sys(errp, "clone3 pod init");
    }
    if (cg && cgfd < 0 && n_self == 0)
        rc = cg->ops->attach(cg, rel, (pid_t)pid, errp);
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "%ld %llu\n", pid,
                     (unsigned long long)node_proc_start_time((pid_t)pid));
    cleanup_free char *pf = xasprintf("%s/run/init.pid", p->dir);
    if (!rc)
        rc = node_write_replace(pf, buf, (size_t)n, 0644, errp);
    if (rc)
        kill((pid_t)pid, SIGKILL);
    return rc;
}

int
sandbox_create(struct pod *p, struct pkg_err **errp)
{
    int rc = mkdirs(p->dir, "run", errp);
    if (rc)
        return rc;
    /* One private tmpfs holds what lives as long as the sandbox: the
     * pod's /dev/shm, the files its namespaces are bound to, its /etc
     * files, each container's root mount point and termination log. One
     * detach removes it all (each unmount costs an RCU grace period), and
     * none of it costs the node's disk an inode. The writable layers
     * (<c>.upper, <c>.work), the logs (<c>.<n>.log) and volumes/ are on
     * disk, made when needed. */
    cleanup_free char *run = xasprintf("%s/run", p->dir);
    cleanup_free char *shm = xasprintf("%s/run/shm", p->dir);
    if ((rc = mount_tmpfs(run, 64 << 20, 0755, errp)))
        return rc;
    if (node_sys.mount(NULL, run, NULL, MS_PRIVATE, NULL) < 0)
        return pkg_err_sys(errp, "make %s private", run);
    if (mkdir(shm, 01777) < 0 && errno != EEXIST)
        return pkg_err_sys(errp, "mkdir %s", shm);
    chmod(shm, 01777);
    if ((rc = make_namespaces(p, errp)))
        return rc;
    if ((rc = write_etc(p, errp)))
        return rc;
    for (size_t i = 0; i < p->spec->n_vols; i++)
        if ((rc = prepare_volume(p, &p->spec->vols[i], errp)))
            return pkg_err_wrap(errp, "volume \"%s\"", p->spec->vols[i].name);
    struct cg *cg = node_super_cg(p->sup);
    cleanup_free char *rel = xasprintf("pod-%s", p->uid);
    if (cg && (rc = cg->ops->create(cg, rel, errp)))
        return rc;
    if (p->spec->share_pid && (rc = pod_init_start(p, errp)))
        return rc;
    return 0;
}

/* Unmounts everything under dir, deepest first. */
static int
unmount_under(const char *dir, struct pkg_err **errp)
{
    struct sb mi = SB_INIT;
    int rc = sb_read_file(&mi, "/proc/self/mountinfo", 16u << 20, errp);
    if (rc) {
        sb_release(&mi);
        return rc;
    }
    size_t dl = strlen(dir);
    char **mps = NULL;
    size_t n = 0, cap = 0;
    for (char *line = strtok(mi.buf, "\n"); line; line = strtok(NULL, "\n")) {
        char mp[4096];
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
            continue;
        if (!strncmp(mp, dir, dl) && (mp[dl] == '/' || !mp[dl])) {
            mps = xgrow(mps, &cap, n + 1, sizeof(*mps));
            mps[n++] = xstrdup(mp);
        }
    }
    sb_release(&mi);
    /* Detaching a mount takes the ones below it along: detach only the
     * top ones (each detach waits for an RCU grace period). */
    for (size_t i = n; i-- > 0;) {
        bool covered = false;
        for (size_t j = 0; j < n && !covered; j++) {
            size_t lj = strlen(mps[j]);
            covered =
                j != i && lj < strlen(mps[i]) && !strncmp(mps[i], mps[j], lj) && mps[i][lj] == '/';
        }
        if (!covered && node_sys.umount2(mps[i], MNT_DETACH) < 0 && errno != EINVAL &&
            errno != ENOENT && !rc)
            rc = pkg_err_sys(errp, "umount %s", mps[i]);
    }
    for (size_t i = 0; i < n; i++)
        free(mps[i]);
    free(mps);
    return rc;
}

/* ---- the trash ---- */

/* Empties $home/trash in a detached process of low priority. Only one
 * runs at a time (a lock on the trash directory, taken before the fork:
 * while a cleaner runs, no process is forked); a cleaner looks again
 * after letting the lock go, so an entry added meanwhile is not missed. */
static void
trash_empty(const char *home)
{
    cleanup_free char *trash = xasprintf("%s/trash", home);
    int fd = open(trash, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd); /* another cleaner runs */
        return;
    }
    /* Not waited for: a supervisor reaps it with any other child, the
     * CLI leaves it to its own reaper when it exits. The child holds the
     * lock through the inherited descriptor. */
    pid_t pid = fork();
    if (pid != 0) {
        close(fd);
        return;
    }
    setsid();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    if (fd != 3 && dup2(fd, 3) < 0)
        _exit(0);
    fd = 3;
    syscall(SYS_close_range, 4, ~0U, 0);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
    }
    prctl(PR_SET_NAME, "pkg-trash", 0, 0, 0);
    if (nice(10) < 0) {
        /* runs at normal priority */
    }
    for (;;) {
        if (fd < 0)
            fd = open(trash, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
            _exit(0); /* gone, or another cleaner runs */
        bool any = false;
        DIR *d = fdopendir(dup(fd));
        struct dirent *de;
        while (d && (de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            cleanup_free char *p = xasprintf("%s/%s", trash, de->d_name);
            struct pkg_err *e = NULL;
            fs_remove_all(p, &e);
            pkg_err_free(e);
        }
        if (d)
            closedir(d);
        close(fd); /* the lock goes */
        fd = -1;
        d = opendir(trash);
        while (d && (de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                any = true;
        if (d)
            closedir(d);
        if (!any)
            _exit(0);
    }
}

int
sandbox_trash(const char *home, const char *path, struct pkg_err **errp)
{
    if (!fs_exists(path))
        return 0;
    cleanup_free char *trash = xasprintf("%s/trash", home);
    const char *base = strrchr(path, '/');
    char r[17];
    node_rand_hex(r, sizeof(r));
    cleanup_free char *dst = xasprintf("%s/%s.%s", trash, base ? base + 1 : path, r);
    if ((mkdir(trash, 0700) == 0 || errno == EEXIST) && rename(path, dst) == 0) {
        trash_empty(home);
        return 0;
    }
    /* Not on the same file system as the trash (or no trash): now. */
    return fs_remove_all(path, errp);
}

int
sandbox_destroy(const char *home, const char *dir, struct cg *cg, const char *uid,
                struct pkg_err **errp)
{
    int rc = 0;
    /* The pod init of a shared PID namespace, when there is one. */
    cleanup_free char *pf = xasprintf("%s/run/init.pid", dir);
    struct sb sb = SB_INIT;
    struct pkg_err *e = NULL;
    long ipid = 0;
    unsigned long long istart = 0;
    if (sb_read_file(&sb, pf, 128, &e) == 0 && sscanf(sb.buf, "%ld %llu", &ipid, &istart) == 2 &&
        ipid > 0 && node_proc_start_time((pid_t)ipid) == istart)
        kill((pid_t)ipid, SIGKILL);
    pkg_err_free(e);
    sb_release(&sb);
    if (cg && uid) {
        cleanup_free char *rel = xasprintf("pod-%s", uid);
        rc = cg->ops->destroy(cg, rel, errp);
        if (rc)
            return rc;
    }
    node_net_teardown_pod(home, dir);
    if ((rc = unmount_under(dir, errp)))
        return rc;
    /* Unmounted and out of its cgroups, the pod is gone once its
     * directory is out of pods/; its files go in the background. */
    rc = sandbox_trash(home, dir, errp);
    return rc;
}

/* ---- the mount points an image lacks ---- */

enum merged { M_ABSENT, M_DIR, M_FILE, M_OTHER };

/* What `rel` ("etc/hosts") is in the image's merged view, the way
 * overlayfs looks it up: layers top down, a whiteout hides what is below,
 * an opaque directory hides the directories below it, a non-directory
 * ends the search. */
static enum merged
merged_type(const struct node_image *img, const char *rel)
{
    /* The layers that contribute the current directory, top first. */
    size_t n = img->n_layers, k = n;
    const char **dirs = xcalloc(n + 1, sizeof(*dirs));
    for (size_t i = 0; i < n; i++)
        dirs[i] = img->layers[n - 1 - i];
    enum merged res = M_DIR;
    struct sb prefix = SB_INIT;
    char *copy = xstrdup(rel), *save = NULL;
    for (char *comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
        if (res != M_DIR) {
            res = M_OTHER; /* a component under a non-directory */
            break;
        }
        sb_addf(&prefix, "/%s", comp);
        size_t nk = 0;
        res = M_ABSENT;
        for (size_t i = 0; i < k; i++) {
            char path[4096];
            snprintf(path, sizeof(path), "%s%s", dirs[i], prefix.buf);
            struct stat st;
            if (lstat(path, &st) < 0)
                continue;
            if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
                break; /* whiteout */
            if (!S_ISDIR(st.st_mode)) {
                if (nk == 0)
                    res = S_ISREG(st.st_mode) ? M_FILE : M_OTHER;
                break;
            }
            res = M_DIR;
            dirs[nk++] = dirs[i];
            char v;
            if (lgetxattr(path, "trusted.overlay.opaque", &v, 1) == 1 && v == 'y')
                break;
        }
        k = nk;
    }
    free(copy);
    sb_release(&prefix);
    free(dirs);
    return res;
}

/* A read-only layer, made once per image and put on top of its layers,
 * holding the mount points the image lacks (/proc, /sys, /dev, /etc and
 * /etc/hosts, /etc/hostname, /etc/resolv.conf): otherwise every container
 * start would create them in its writable layer (a copy-up of /etc and
 * three files, and as many to delete). Only what is absent from the
 * image's merged view goes in, so the layer hides nothing; a mount point
 * under a symlink or a file is left to the container's setup, as before.
 * Returns the directory, or NULL when the layer cannot be made (the
 * container then creates its mount points itself). */
static const char *
mounts_layer(struct arena *a, const char *home, const struct node_image *img)
{
    const char *dir = arena_sprintf(a, "%s/images/mounts/%s", home, img->id + 7);
    if (fs_is_dir(dir))
        return dir;
    static const struct {
        const char *path;
        bool dir;
    } want[] = {{"proc", true},
                {"sys", true},
                {"dev", true},
                {"etc", true},
                {"etc/hosts", false},
                {"etc/hostname", false},
                {"etc/resolv.conf", false}};
    cleanup_free char *top = xasprintf("%s/images/mounts", home);
    cleanup_free char *tmp = xasprintf("%s/.tmp.XXXXXX", top);
    struct pkg_err *e = NULL;
    if (node_mkdir_p(top, 0755, &e) || !mkdtemp(tmp)) {
        pkg_err_free(e);
        return NULL;
    }
    chmod(tmp, 0755);
    bool ok = true, etc_dir = false;
    for (size_t i = 0; ok && i < sizeof(want) / sizeof(want[0]); i++) {
        bool under_etc = !strncmp(want[i].path, "etc/", 4);
        if (under_etc && !etc_dir)
            continue;
        enum merged m = merged_type(img, want[i].path);
        if (!strcmp(want[i].path, "etc"))
            etc_dir = m == M_DIR || m == M_ABSENT;
        if (m != M_ABSENT)
            continue;
        cleanup_free char *p = xasprintf("%s/%s", tmp, want[i].path);
        if (under_etc) {
            /* A directory of ours merges with the image's /etc. */
            cleanup_free char *etc = xasprintf("%s/etc", tmp);
            ok = mkdir(etc, 0755) == 0 || errno == EEXIST;
        }
        if (!ok) {
        } else if (want[i].dir) {
            ok = mkdir(p, 0755) == 0 || errno == EEXIST;
        } else {
            int fd = open(p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
            ok = fd >= 0;
            if (fd >= 0)
                close(fd);
        }
    }
    if (ok && rename(tmp, dir) == 0)
        return dir;
    /* Failed, or another process made it first. */
    fs_remove_all(tmp, &e);
    pkg_err_free(e);
    return fs_is_dir(dir) ? dir : NULL;
}

/* ---- containers ---- */

/* Kubernetes' $(VAR) expansion: $(NAME) becomes the value of an earlier
 * variable, $$ is a literal $, an unknown reference stays as written. */
static const char *
expand(struct arena *a, const char *s, const struct val *vars)
{
    if (!strchr(s, '$'))
        return s;
    struct sb sb = SB_INIT;
    for (const char *p = s; *p;) {
        if (p[0] == '$' && p[1] == '$') {
            sb_addch(&sb, '$');
            p += 2;
        } else if (p[0] == '$' && p[1] == '(') {
            const char *e = strchr(p + 2, ')');
            struct val *v = e ? val_map_get(vars, p + 2, (size_t)(e - p - 2)) : NULL;
            if (v) {
                sb_add(&sb, v->u.s.ptr, v->u.s.len);
                p = e + 1;
            } else if (e) {
                sb_add(&sb, p, (size_t)(e - p + 1));
                p = e + 1;
            } else {
                sb_addstr(&sb, p);
                break;
            }
        } else {
            sb_addch(&sb, *p++);
        }
    }
    char *r = arena_strdup(a, sb.buf);
    sb_release(&sb);
    return r;
}

static int
config_error(struct ctr *c, const char *fmt, const char *a1, const char *a2)
{
    c->start_err.config = 1;
    snprintf(c->start_err.msg, sizeof(c->start_err.msg), fmt, a1, a2 ? a2 : "");
    return PKG_EINVAL;
}

/* Builds the environment: image Env, then envFrom, then env, in order,
 * later names replacing earlier ones; $(VAR) expanded. */
static int
build_env(const char ***out, struct val **vars_out, struct arena *a, struct pod *p, struct ctr *c)
{
    const struct node_container *cs = c->spec;
    const struct node_pod_spec *s = p->spec;
    struct val *vars = val_map(a);
    const struct node_image *img = c->image;
    for (size_t i = 0; img && i < img->n_env; i++) {
        const char *eq = strchr(img->env[i], '=');
        if (eq)
            val_map_set(a, vars, img->env[i], (size_t)(eq - img->env[i]), val_strz(a, eq + 1));
    }
    const char *host = s->hostname ? s->hostname : s->name;
    val_map_setz(a, vars, "HOSTNAME", val_strz(a, host));
    for (size_t i = 0; cs->env_from && i < val_seq_len(cs->env_from); i++) {
        const struct val *ef = val_seq_at(cs->env_from, i);
        const char *prefix = node_jstr(ef, "prefix");
        struct val *cm = node_jget(ef, "configMapRef", VAL_MAP);
        struct val *sr = node_jget(ef, "secretRef", VAL_MAP);
        struct val *ref = cm ? cm : sr;
        if (!ref)
            continue;
        const char *name = node_jstr(ref, "name");
        struct val *data = name ? val_map_getz(cm ? s->configmaps : s->secrets, name) : NULL;
        if (!data) {
            struct val *opt = node_jget(ref, "optional", VAL_BOOL);
            if (opt && opt->u.b)
                continue;
            return config_error(c,
                                cm ? "configmap \"%s\" not found%s" : "secret \"%s\" not found%s",
                                name ? name : "", "");
        }
        for (size_t k = 0; k < val_map_len(data); k++) {
            const char *key = data->u.map.ents[k].key->u.s.ptr;
            char *nk = arena_sprintf(a, "%s%s", prefix ? prefix : "", key);
            val_map_setz(a, vars, nk, data->u.map.ents[k].v);
        }
    }
    for (size_t i = 0; cs->env && i < val_seq_len(cs->env); i++) {
        const struct val *e = val_seq_at(cs->env, i);
        const char *name = node_jstr(e, "name");
        if (!name)
            continue;
        const char *value = node_jstr(e, "value");
        struct val *vf = node_jget(e, "valueFrom", VAL_MAP);
        if (vf) {
            struct val *fr = node_jget(vf, "fieldRef", VAL_MAP);
            struct val *rr = node_jget(vf, "resourceFieldRef", VAL_MAP);
            struct val *ck = node_jget(vf, "configMapKeyRef", VAL_MAP);
            struct val *sk = node_jget(vf, "secretKeyRef", VAL_MAP);
            if (fr) {
                value = field_value(a, p, node_jstr(fr, "fieldPath"));
                if (!value)
                    return config_error(c, "unsupported fieldRef \"%s\"%s",
                                        node_jstr(fr, "fieldPath"), "");
            } else if (rr) {
                value = resource_value(a, p, cs, rr);
                if (!value)
                    return config_error(c, "unsupported resourceFieldRef \"%s\"%s",
                                        node_jstr(rr, "resource"), "");
            } else if (ck || sk) {
                struct val *ref = ck ? ck : sk;
                const char *rn = node_jstr(ref, "name"), *key = node_jstr(ref, "key");
                struct val *opt = node_jget(ref, "optional", VAL_BOOL);
                struct val *data = rn ? val_map_getz(ck ? s->configmaps : s->secrets, rn) : NULL;
                struct val *dv = data && key ? val_map_getz(data, key) : NULL;
                if (!dv) {
                    if (opt && opt->u.b)
                        continue;
                    if (!data)
                        return config_error(
                            c, ck ? "configmap \"%s\" not found%s" : "secret \"%s\" not found%s",
                            rn ? rn : "", "");
                    return config_error(
                        c, "couldn't find key %s in %s", key ? key : "",
                        arena_sprintf(a, "%s %s/%s", ck ? "ConfigMap" : "Secret", s->ns, rn));
                }
                value = dv->u.s.ptr;
            }
        }
        if (!value)
            value = "";
        val_map_setz(a, vars, name, val_strz(a, expand(a, value, vars)));
    }
    const char **envp = arena_alloc(a, (val_map_len(vars) + 1) * sizeof(*envp));
    for (size_t i = 0; i < val_map_len(vars); i++)
        envp[i] = arena_sprintf(a, "%s=%s", vars->u.map.ents[i].key->u.s.ptr,
                                vars->u.map.ents[i].v->u.s.ptr);
    *out = envp;
    *vars_out = vars;
    return 0;
}

/* Kubernetes' command rules over the image's Entrypoint and Cmd. */
static const char *const *
build_argv(struct arena *a, const struct node_container *cs, const struct node_image *img,
           const struct val *vars, size_t *n)
{
    const char *const *head, *const *tail;
    size_t nh, nt;
    if (cs->command) {
        head = cs->command;
        nh = cs->n_command;
        tail = cs->args;
        nt = cs->args ? cs->n_args : 0;
    } else {
        head = img ? img->entrypoint : NULL;
        nh = img ? img->n_entrypoint : 0;
        tail = cs->args ? cs->args : img ? img->cmd : NULL;
        nt = cs->args ? cs->n_args : img ? img->n_cmd : 0;
    }
    const char **argv = arena_alloc(a, (nh + nt + 1) * sizeof(*argv));
    *n = 0;
    for (size_t i = 0; i < nh; i++)
        argv[(*n)++] = (cs->command ? expand(a, head[i], vars) : head[i]);
    for (size_t i = 0; i < nt; i++)
        argv[(*n)++] = cs->args ? expand(a, tail[i], vars) : tail[i];
    return argv;
}

static void
add_mount(struct arena *a, struct launch *l, size_t *cap, const char *src, const char *dst,
          const char *fstype, const char *data, bool ro, bool file)
{
    if (l->n_mounts == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        struct launch_mount *nm = arena_alloc(a, ncap * sizeof(*nm));
        if (l->mounts)
            memcpy(nm, l->mounts, l->n_mounts * sizeof(*nm));
        l->mounts = nm;
        *cap = ncap;
    }
    l->mounts[l->n_mounts++] = (struct launch_mount){
        .src = src, .dst = dst, .fstype = fstype, .data = data, .read_only = ro, .file = file};
}

static bool
mounted_by_volume(const struct node_container *cs, const char *path)
{
    for (size_t i = 0; i < cs->n_mounts; i++)
        if (!strcmp(cs->mounts[i].path, path))
            return true;
    return false;
}

int
sandbox_prepare_ctr(struct launch *l, struct arena *a, struct pod *p, struct ctr *c,
                    struct pkg_err **errp)
{
    const struct node_container *cs = c->spec;
    const struct node_image *img = c->image;
    memset(l, 0, sizeof(*l));
    memset(&c->start_err, 0, sizeof(c->start_err));
    l->ctr_name = cs->name;
    l->ns_net = l->ns_ipc = l->ns_uts = l->pidns_fd = l->cgroup_fd = -1;
    l->log_fd = l->err_fd = l->sync_fd = -1;
    l->close_fds[0] = l->close_fds[1] = -1;
    /* The writable layer is on disk (<c>.upper and <c>.work in the pod
     * directory: a name has no dot), the root's mount point in the
     * sandbox's tmpfs. */
    char *cdir = arena_sprintf(a, "%s/%s", p->dir, cs->name);
    char *rdir = arena_sprintf(a, "%s/run/c/%s", p->dir, cs->name);
    l->rootfs = arena_sprintf(a, "%s/rootfs", rdir);
    l->upperdir = arena_sprintf(a, "%s.upper", cdir);
    l->workdir = arena_sprintf(a, "%s.work", cdir);
    /* A fresh writable layer for every start, as a new container gets;
     * the last one goes to the trash. */
    int rc;
    if ((rc = sandbox_trash(node_super_home(p->sup), l->upperdir, errp)) ||
        (rc = sandbox_trash(node_super_home(p->sup), l->workdir, errp)))
        return rc;
    if ((rc = node_mkdir_p(l->rootfs, 0755, errp)) ||
        (rc = node_mkdir_p(l->upperdir, 0755, errp)) || (rc = node_mkdir_p(l->workdir, 0755, errp)))
        return rc;
    struct sb low = SB_INIT;
    const char *mounts = img->n_layers ? mounts_layer(a, node_super_home(p->sup), img) : NULL;
    if (mounts)
        sb_addstr(&low, mounts);
    for (size_t i = img->n_layers; i-- > 0;)
        sb_addf(&low, "%s%s", low.len ? ":" : "", img->layers[i]);
    l->lowerdir = arena_strdup(a, low.buf);
    sb_release(&low);
    if (img->n_layers == 0)
        return pkg_err_set(errp, PKG_EINVAL, "image %s has no layers", img->ref);

    /* Environment and command. */
    struct val *vars;
    const char **envp;
    if (build_env(&envp, &vars, a, p, c))
        return pkg_err_set(errp, PKG_EINVAL, "%s", c->start_err.msg);
    l->envp = envp;
    size_t argc;
    l->argv = build_argv(a, cs, img, vars, &argc);
    if (argc == 0) {
        snprintf(c->start_err.msg, sizeof(c->start_err.msg), "no command specified");
        return pkg_err_set(errp, PKG_EINVAL, "no command specified");
    }
    l->cwd = cs->workdir ? cs->workdir : img->workdir;
    l->user = img->user;
    l->uid = cs->run_as_user;
    l->gid = cs->run_as_group;
    size_t ng = p->spec->n_supplemental_groups + (p->spec->fs_group >= 0);
    int64_t *groups = arena_alloc(a, (ng + 1) * sizeof(*groups));
    for (size_t i = 0; i < p->spec->n_supplemental_groups; i++)
        groups[i] = p->spec->supplemental_groups[i];
    if (p->spec->fs_group >= 0)
        groups[ng - 1] = p->spec->fs_group;
    l->groups = groups;
    l->n_groups = ng;
    l->run_as_non_root = cs->run_as_non_root;
    if ((rc = node_caps_compute(&l->caps, cs, errp)))
        return rc;
    l->no_new_privs = cs->no_new_privs;
    l->seccomp = !cs->seccomp_unconfined && !cs->privileged;
    l->read_only_root = cs->read_only_root;
    l->privileged = cs->privileged;

    /* Mounts, in order: the system ones, volumes, the pod's /etc files. */
    size_t cap = 0;
    add_mount(a, l, &cap, NULL, "/proc", "proc", NULL, false, false);
    add_mount(a, l, &cap, NULL, "/dev", "tmpfs", "mode=755,size=65536k", false, false);
    add_mount(a, l, &cap, NULL, "/dev/pts", "devpts", "newinstance,ptmxmode=0666,mode=0620,gid=5",
              false, false);
    add_mount(a, l, &cap, arena_sprintf(a, "%s/run/shm", p->dir), "/dev/shm", NULL, NULL, false,
              false);
    add_mount(a, l, &cap, NULL, "/dev/mqueue", "mqueue", NULL, false, false);
    add_mount(a, l, &cap, NULL, "/sys", "sysfs", NULL, !cs->privileged, false);
    for (size_t i = 0; i < cs->n_mounts; i++) {
        const struct node_mount *m = &cs->mounts[i];
        const struct node_volume *v = NULL;
        for (size_t j = 0; j < p->spec->n_vols; j++)
            if (!strcmp(p->spec->vols[j].name, m->name))
                v = &p->spec->vols[j];
        const char *src;
        if (v->kind == NODE_VOL_HOSTPATH)
            src = v->source;
        else if (v->kind == NODE_VOL_PVC)
            src = arena_sprintf(a, "%s/volumes/%s/%s", node_super_home(p->sup), p->spec->ns,
                                v->source);
        else
            src = arena_sprintf(a, "%s/volumes/%s", p->dir, v->name);
        bool file = false;
        if (m->sub_path && *m->sub_path) {
            char *full = NULL;
            if ((rc = fs_join_under(&full, src, m->sub_path, errp)))
                return rc;
            struct stat st;
            if (stat(full, &st) < 0 && (rc = node_mkdir_p(full, 0755, errp))) {
                free(full);
                return rc;
            }
            file = stat(full, &st) == 0 && !S_ISDIR(st.st_mode);
            src = arena_strdup(a, full);
            free(full);
        } else {
            struct stat st;
            file = stat(src, &st) == 0 && !S_ISDIR(st.st_mode);
        }
        bool ro = m->read_only || (v->kind == NODE_VOL_PVC && v->read_only) ||
                  v->kind == NODE_VOL_CONFIGMAP || v->kind == NODE_VOL_SECRET ||
                  v->kind == NODE_VOL_DOWNWARD;
        add_mount(a, l, &cap, src, m->path, NULL, NULL, ro, file);
    }
    static const char *const etc[] = {"hosts", "hostname", "resolv.conf"};
    for (size_t i = 0; i < 3; i++) {
        char *dst = arena_sprintf(a, "/etc/%s", etc[i]);
        if (!mounted_by_volume(cs, dst))
            add_mount(a, l, &cap, arena_sprintf(a, "%s/run/etc/%s", p->dir, etc[i]), dst, NULL,
                      NULL, false, true);
    }
    const char *tmp =
        cs->termination_message_path ? cs->termination_message_path : "/dev/termination-log";
    char *tlog = arena_sprintf(a, "%s/termination-log", rdir);
    int tfd = open(tlog, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0666);
    if (tfd < 0)
        return pkg_err_sys(errp, "create %s", tlog);
    fchmod(tfd, 0666);
    close(tfd);
    add_mount(a, l, &cap, tlog, tmp, NULL, NULL, false, true);
    return 0;
}
