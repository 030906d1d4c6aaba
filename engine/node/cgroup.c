/* cgroups: detect the mode once, then dispatch to the v1 or v2
 * implementation (crun's libcrun/cgroup*.c structure). */
#include "engine/node/node-int.h"
#include "engine/node/runtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
cg_free(struct cg *cg)
{
    if (!cg)
        return;
    free(cg->mount);
    free(cg->base);
    free(cg->available);
    for (size_t i = 0; i < cg->n_h; i++) {
        free(cg->h[i].controllers);
        free(cg->h[i].base);
    }
    free(cg);
}

static bool
has_controller(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && !strncmp(p, name, n))
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

/* The caller's own cgroup in a hierarchy from /proc/self/cgroup: by v1
 * controller list, or "" for the v2 line. */
static char *
own_cgroup(const char *cgfile, const char *controllers)
{
    char *res = NULL;
    char *copy = xstrdup(cgfile);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = 0;
        const char *list = c1 + 1;
        bool match =
            !*controllers
                ? !*list && !strncmp(line, "0", 1)
                : (*list && (!strcmp(list, controllers) || has_controller(list, controllers)));
        if (match) {
            res = xstrdup(c2 + 1);
            break;
        }
    }
    free(copy);
    return res ? res : xstrdup("/");
}

static char *
base_path(const char *mount, const char *own, const char *parent)
{
    if (parent[0] == '/')
        return xasprintf("%s%s", mount, parent);
    if (!strcmp(own, "/"))
        return xasprintf("%s/%s", mount, parent);
    return xasprintf("%s%s/%s", mount, own, parent);
}

int
cg_open(struct cg **out, const char *proc, const char *fsroot, const char *parent,
        struct pkg_err **errp)
{
    struct sb mi = SB_INIT, cgf = SB_INIT;
    cleanup_free char *mipath = xasprintf("%s/self/mountinfo", proc);
    cleanup_free char *cgpath = xasprintf("%s/self/cgroup", proc);
    int rc = sb_read_file(&mi, mipath, 4u << 20, errp);
    if (!rc)
        rc = sb_read_file(&cgf, cgpath, 1u << 20, errp);
    if (rc) {
        sb_release(&mi);
        sb_release(&cgf);
        return rc;
    }
    struct cg *cg = xcalloc(1, sizeof(*cg));
    char *v2mount = NULL;
    bool v1_resources = false;
    /* mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER */
    char *lsave = NULL;
    for (char *line = strtok_r(mi.buf, "\n", &lsave); line; line = strtok_r(NULL, "\n", &lsave)) {
        char root[1024], mp[1024], fstype[64], super[1024];
        char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s", root, mp) != 2 ||
            sscanf(dash + 3, "%63s %*s %1023s", fstype, super) != 2)
            continue;
        if (!strcmp(fstype, "cgroup2")) {
            if (!v2mount)
                v2mount = xstrdup(mp);
        } else if (!strcmp(fstype, "cgroup") && cg->n_h < CG_MAX_HIER) {
            /* Controllers are the super options that name one. */
            struct sb ctl = SB_INIT;
            static const char *const known[] = {"cpu",  "cpuacct", "memory",
                                                "pids", "devices", NULL};
            for (size_t i = 0; known[i]; i++)
                if (has_controller(super, known[i]))
                    sb_addf(&ctl, "%s%s", ctl.len ? "," : "", known[i]);
            if (!ctl.len) {
                sb_release(&ctl);
                continue;
            }
            if (has_controller(ctl.buf, "memory") || has_controller(ctl.buf, "cpu") ||
                has_controller(ctl.buf, "pids"))
                v1_resources = true;
            /* Keep the kernel's own controller list for /proc/self/cgroup. */
            char *kl = NULL;
            {
                struct sb k = SB_INIT;
                char *sc = xstrdup(super);
                char *osave = NULL;
                for (char *o = strtok_r(sc, ",", &osave); o; o = strtok_r(NULL, ",", &osave))
                    if (strcmp(o, "rw") && strcmp(o, "ro") && !strchr(o, '='))
                        sb_addf(&k, "%s%s", k.len ? "," : "", o);
                free(sc);
                kl = sb_detach(&k, NULL);
            }
            char *own = own_cgroup(cgf.buf, kl);
            cleanup_free char *m = xasprintf("%s%s", fsroot, mp);
            cg->h[cg->n_h].controllers = sb_detach(&ctl, NULL);
            cg->h[cg->n_h].base = base_path(m, own, parent);
            cg->n_h++;
            free(own);
            free(kl);
        }
    }
    const char *force = getenv("PKG_NODE_CGROUP");
    if (force && !strcmp(force, "v2"))
        v1_resources = false;
    if (force && !strcmp(force, "v1") && !v1_resources) {
        rc = pkg_err_set(errp, PKG_ENOTSUP,
                         "cgroups unavailable: PKG_NODE_CGROUP=v1 but no v1 hierarchy with "
                         "cpu, memory or pids is mounted");
        goto out;
    }
    if (v1_resources) {
        cg->mode = CG_V1;
        cg->ops = &cg_v1_ops;
    } else if (v2mount) {
        for (size_t i = 0; i < cg->n_h; i++) {
            free(cg->h[i].controllers);
            free(cg->h[i].base);
        }
        cg->n_h = 0;
        cg->mode = CG_V2;
        cg->ops = &cg_v2_ops;
        cg->mount = xasprintf("%s%s", fsroot, v2mount);
        char *own = own_cgroup(cgf.buf, "");
        cg->base = base_path(cg->mount, own, parent);
        free(own);
    } else {
        rc = pkg_err_set(errp, PKG_ENOTSUP,
                         "cgroups unavailable: no cgroup file system is mounted (see %s); "
                         "mount cgroup2 on /sys/fs/cgroup",
                         mipath);
        goto out;
    }
out:
    free(v2mount);
    sb_release(&mi);
    sb_release(&cgf);
    if (rc) {
        cg_free(cg);
        return rc;
    }
    *out = cg;
    return 0;
}

int
cg_read_u64(const char *path, const char *key, uint64_t *out)
{
    struct sb sb = SB_INIT;
    struct pkg_err *e = NULL;
    int rc = node_read_file(&sb, path, 1 << 20, &e);
    pkg_err_free(e);
    if (rc) {
        sb_release(&sb);
        return -1;
    }
    rc = -1;
    if (!key) {
        if (!strncmp(sb.buf, "max", 3))
            *out = UINT64_MAX;
        else
            *out = strtoull(sb.buf, NULL, 10);
        rc = 0;
    } else {
        size_t kl = strlen(key);
        for (char *l = sb.buf; l && *l;) {
            if (!strncmp(l, key, kl) && l[kl] == ' ') {
                *out = strtoull(l + kl + 1, NULL, 10);
                rc = 0;
                break;
            }
            l = strchr(l, '\n');
            if (l)
                l++;
        }
    }
    sb_release(&sb);
    return rc;
}

/* SIGKILLs every pid in dir/cgroup.procs (and its child cgroups) until
 * they are gone. */
int
cg_kill_procs(const char *dir, struct pkg_err **errp)
{
    for (int round = 0; round < 100; round++) {
        cleanup_free char *procs = xasprintf("%s/cgroup.procs", dir);
        struct sb sb = SB_INIT;
        struct pkg_err *e = NULL;
        if (node_read_file(&sb, procs, 16u << 20, &e)) {
            pkg_err_free(e);
            sb_release(&sb);
            return 0; /* gone */
        }
        int n = 0;
        for (char *p = sb.buf; *p;) {
            long pid = strtol(p, &p, 10);
            if (pid > 0) {
                node_sys.kill((pid_t)pid, SIGKILL);
                n++;
            }
            while (*p == '\n')
                p++;
        }
        sb_release(&sb);
        /* Children. */
        DIR *d = opendir(dir);
        if (d) {
            struct dirent *de;
            while ((de = readdir(d)))
                if (de->d_type == DT_DIR && de->d_name[0] != '.') {
                    cleanup_free char *sub = xasprintf("%s/%s", dir, de->d_name);
                    cg_kill_procs(sub, NULL);
                }
            closedir(d);
        }
        if (n == 0)
            return 0;
        usleep(round < 10 ? 1000 : 10000);
    }
    return pkg_err_set(errp, PKG_EIO, "processes in %s survive SIGKILL", dir);
}

int
cg_rmdir_tree(const char *dir, struct pkg_err **errp)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : pkg_err_sys(errp, "open %s", dir);
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)))
        if (de->d_type == DT_DIR && de->d_name[0] != '.') {
            cleanup_free char *sub = xasprintf("%s/%s", dir, de->d_name);
            if (cg_rmdir_tree(sub, errp))
                rc = -1;
        }
    closedir(d);
    if (rc)
        return PKG_EIO;
    for (int i = 0; i < 50; i++) {
        if (node_sys.rmdir(dir) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY)
            break;
        usleep(2000); /* the last task is still exiting */
    }
    return pkg_err_sys(errp, "rmdir %s", dir);
}

int
cg_mkdir_p(const char *path, struct pkg_err **errp)
{
    /* Usually only the last component is missing: try it first, walk up
     * only on ENOENT (every mkdir on a cgroup file system takes locks). */
    if (node_sys.mkdir(path, 0755) == 0 || errno == EEXIST)
        return 0;
    if (errno != ENOENT)
        return pkg_err_sys(errp, "mkdir %s", path);
    char *d = xstrdup(path);
    char *slash = strrchr(d, '/');
    int rc = 0;
    if (slash && slash != d) {
        *slash = 0;
        rc = cg_mkdir_p(d, errp);
    }
    free(d);
    if (!rc && node_sys.mkdir(path, 0755) < 0 && errno != EEXIST)
        rc = pkg_err_sys(errp, "mkdir %s", path);
    return rc;
}

uint64_t
cg_shares(int64_t milli)
{
    if (milli <= 0)
        return 2;
    uint64_t s = (uint64_t)milli * 1024 / 1000;
    return s < 2 ? 2 : s > 262144 ? 262144 : s;
}

uint64_t
cg_weight(int64_t milli)
{
    uint64_t s = cg_shares(milli);
    return 1 + ((s - 2) * 9999) / 262142;
}
