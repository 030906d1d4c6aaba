/* What the CLI does with pods: create the pod directory, hand it to a
 * supervisor (starting the daemon when needed), read status, logs, exec,
 * stop and remove. A supervisor answers on a Unix socket (the daemon's
 * $PKG_HOME/node.sock, a foreground run's pods/<key>/sup.sock); when none
 * owns a pod any more, the CLI takes the pod's lock and acts itself. */
#include "engine/node/node-int.h"
#include "engine/node/runtime.h"
#include "engine/node/super.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *
pod_dir(const char *home, const char *ns, const char *name)
{
    return xasprintf("%s/pods/%s_%s", home, ns ? ns : "default", name);
}

int
node_pod_create(const char **key, struct arena *a, const char *home,
                const struct node_pod_spec *spec, const char *const *files, size_t n_files,
                struct pkg_err **errp)
{
    /* Images first: nothing is written for a pod that cannot run. The
     * first state names the pod (its uid) and the image each container
     * runs; the supervisor's states keep both. */
    struct val *st = val_map(a), *images = val_map(a);
    int rc = 0;
    for (size_t i = 0; i < spec->n_ctrs; i++) {
        struct node_image img;
        if ((rc = node_image_get(&img, a, home, spec->ctrs[i].image, errp))) {
            pkg_err_wrap(errp, "container \"%s\"", spec->ctrs[i].name);
            return rc;
        }
        val_map_setz(a, images, spec->ctrs[i].name, val_strz(a, img.id));
    }
    char u[33], uid[40];
    node_rand_hex(u, sizeof(u));
    snprintf(uid, sizeof(uid), "%.8s-%.4s-%.4s-%.4s-%.12s", u, u + 8, u + 12, u + 16, u + 20);
    val_map_setz(a, st, "uid", val_strz(a, uid));
    val_map_setz(a, st, "namespace", val_strz(a, spec->ns));
    val_map_setz(a, st, "name", val_strz(a, spec->name));
    val_map_setz(a, st, "created", val_int(a, (int64_t)time(NULL)));
    val_map_setz(a, st, "images", images);
    struct sb images_json = SB_INIT;
    if ((rc = val_json_emit(&images_json, st, VAL_JSON_KEEP_ORDER, errp))) {
        sb_release(&images_json);
        return rc;
    }
    cleanup_free char *pods = xasprintf("%s/pods", home);
    if ((rc = fs_mkdir_p(pods, 0700, errp))) {
        sb_release(&images_json);
        return rc;
    }
    node_dir_spread(pods);
    char *dir = pod_dir(home, spec->ns, spec->name);
    if (mkdir(dir, 0700) < 0) {
        rc = errno == EEXIST
                 ? pkg_err_set(errp, PKG_EEXIST, "pod \"%s\" already exists in namespace \"%s\"",
                               spec->name, spec->ns)
                 : pkg_err_sys(errp, "mkdir %s", dir);
        free(dir);
        sb_release(&images_json);
        return rc;
    }
    for (size_t i = 0; i < n_files && !rc; i++) {
        struct sb sb = SB_INIT;
        cleanup_free char *dst = xasprintf("%s/manifest-%zu.yaml", dir, i);
        rc = sb_read_file(&sb, files[i], 64u << 20, errp);
        if (!rc)
            rc = node_write_file(dst, sb.buf, sb.len, true, errp);
        sb_release(&sb);
    }
    /* Plain writes, no fsync: the directory is new and unknown to any
     * supervisor yet; a crash leaves a pod that fails to load and goes with
     * `pkg pod rm`. An fsync here cost more than the rest of a pod start. */
    cleanup_free char *sp = xasprintf("%s/state.json", dir);
    if (!rc)
        rc = node_write_file(sp, images_json.buf, images_json.len, true, errp);
    sb_release(&images_json);
    if (rc) {
        struct pkg_err *e = NULL;
        fs_remove_all(dir, &e);
        pkg_err_free(e);
        free(dir);
        return rc;
    }
    free(dir);
    *key = arena_sprintf(a, "%s_%s", spec->ns, spec->name);
    return 0;
}

/* ---- talking to supervisors ---- */

static int
sock_request(const char *path, const char *req, char *resp, size_t n)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return -1;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        send(fd, req, strlen(req), MSG_NOSIGNAL) < 0) {
        close(fd);
        return -1;
    }
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    ssize_t r = -1;
    if (poll(&pfd, 1, 30000) > 0)
        r = recv(fd, resp, n - 1, 0);
    close(fd);
    if (r < 0)
        return -1;
    resp[r] = 0;
    return 0;
}

static void
spawn_daemon(const char *home, const char *exe)
{
    pid_t pid = fork();
    if (pid != 0) {
        if (pid > 0)
            waitpid(pid, NULL, 0);
        return;
    }
    /* Double fork: the daemon is nobody's child. */
    if (fork() != 0)
        _exit(0);
    setsid();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    cleanup_free char *log = xasprintf("%s/node.log", home);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    dup2(null, 0);
    dup2(lfd >= 0 ? lfd : null, 1);
    dup2(lfd >= 0 ? lfd : null, 2);
    execl(exe, "pkg", "node", (char *)NULL);
    _exit(127);
}

int
node_daemon_run_pod(const char *home, const char *exe, const char *key, struct pkg_err **errp)
{
    cleanup_free char *sock = xasprintf("%s/node.sock", home);
    char resp[1200];
    cleanup_free char *req = xasprintf("run %s", key);
    if (sock_request(sock, "ping", resp, sizeof(resp)) < 0) {
        spawn_daemon(home, exe);
        int up = 0;
        for (int i = 0; i < 500 && !up; i++) {
            if (sock_request(sock, "ping", resp, sizeof(resp)) == 0)
                up = 1;
            else
                usleep(10000);
        }
        if (!up) {
            cleanup_free char *log = xasprintf("%s/node.log", home);
            return pkg_err_set(errp, PKG_ESTATE, "the pkg node supervisor did not start (see %s)",
                               log);
        }
    }
    if (sock_request(sock, req, resp, sizeof(resp)) < 0)
        return pkg_err_sys(errp, "talk to %s", sock);
    if (!strncmp(resp, "err ", 4))
        return pkg_err_set(errp, PKG_ESTATE, "%s", resp + 4);
    return 0;
}

/* ---- reading state ---- */

static int
read_state(struct val **out, struct arena *a, const char *dir, struct pkg_err **errp)
{
    cleanup_free char *path = xasprintf("%s/state.json", dir);
    return node_state_file_read(out, a, path, errp);
}

static int
load_pod(struct node_pod_spec **spec, struct val **state, struct arena *a, const char *dir,
         const char *name, struct pkg_err **errp)
{
    if (!fs_is_dir(dir))
        return pkg_err_set(errp, PKG_ENOENT, "pod \"%s\" not found", name);
    const char *files[64];
    size_t nf = 0;
    for (; nf < 64; nf++) {
        char *f = arena_sprintf(a, "%s/manifest-%zu.yaml", dir, nf);
        if (!fs_exists(f))
            break;
        files[nf] = f;
    }
    int rc = 0;
    if (spec)
        rc = node_pod_load(spec, NULL, a, files, nf, errp);
    if (!rc && state) {
        struct pkg_err *e = NULL;
        if (read_state(state, a, dir, &e)) {
            pkg_err_free(e);
            *state = NULL;
        }
    }
    return rc;
}

static void
setdef(struct arena *a, struct val *m, const char *k, struct val *v)
{
    if (!val_map_getz(m, k))
        val_map_setz(a, m, k, v);
}

/* The spec as the API server would return it: defaults filled in. */
static void
default_spec(struct arena *a, struct val *spec)
{
    setdef(a, spec, "dnsPolicy", val_strz(a, "ClusterFirst"));
    setdef(a, spec, "enableServiceLinks", val_bool(a, true));
    setdef(a, spec, "preemptionPolicy", val_strz(a, "PreemptLowerPriority"));
    setdef(a, spec, "priority", val_int(a, 0));
    setdef(a, spec, "restartPolicy", val_strz(a, "Always"));
    setdef(a, spec, "schedulerName", val_strz(a, "default-scheduler"));
    setdef(a, spec, "securityContext", val_map(a));
    setdef(a, spec, "serviceAccount", val_strz(a, "default"));
    setdef(a, spec, "serviceAccountName", val_strz(a, "default"));
    setdef(a, spec, "terminationGracePeriodSeconds", val_int(a, 30));
    const char *lists[] = {"initContainers", "containers"};
    for (int l = 0; l < 2; l++) {
        struct val *cs = node_jget(spec, lists[l], VAL_SEQ);
        for (size_t i = 0; cs && i < val_seq_len(cs); i++) {
            struct val *c = val_seq_at(cs, i);
            if (c->kind != VAL_MAP)
                continue;
            const char *img = node_jstr(c, "image");
            bool latest = img && (!strchr(img, ':') || strstr(img, ":latest")) && !strchr(img, '@');
            setdef(a, c, "imagePullPolicy", val_strz(a, latest ? "Always" : "IfNotPresent"));
            setdef(a, c, "resources", val_map(a));
            setdef(a, c, "terminationMessagePath", val_strz(a, "/dev/termination-log"));
            setdef(a, c, "terminationMessagePolicy", val_strz(a, "File"));
        }
    }
}

static struct val *
pod_object(struct arena *a, const struct node_pod_spec *spec, const struct val *state,
           const char *nodename)
{
    struct val *pod = val_copy(a, spec->pod);
    struct val *obj = val_map(a);
    val_map_setz(a, obj, "apiVersion", val_strz(a, "v1"));
    val_map_setz(a, obj, "kind", val_strz(a, "Pod"));
    struct val *meta = node_jget(pod, "metadata", VAL_MAP);
    if (!meta)
        meta = val_map(a);
    char buf[32];
    if (state) {
        val_map_setz(a, meta, "creationTimestamp",
                     val_strz(a, node_rfc3339(buf, node_jint(state, "created"))));
        if (node_jstr(state, "uid"))
            val_map_setz(a, meta, "uid", val_strz(a, node_jstr(state, "uid")));
    }
    val_map_setz(a, meta, "namespace", val_strz(a, spec->ns));
    val_map_setz(a, meta, "resourceVersion", val_strz(a, "1"));
    val_map_setz(a, obj, "metadata", meta);
    struct val *sp = node_jget(pod, "spec", VAL_MAP);
    default_spec(a, sp);
    setdef(a, sp, "nodeName", val_strz(a, nodename));
    val_map_setz(a, obj, "spec", sp);
    struct val *status = state ? node_jget(state, "status", VAL_MAP) : NULL;
    if (!status) {
        status = val_map(a);
        val_map_setz(a, status, "phase", val_strz(a, "Pending"));
    }
    val_map_setz(a, obj, "status", status);
    return obj;
}

static void
nodename(char *buf, size_t n)
{
    if (gethostname(buf, n) < 0)
        snprintf(buf, n, "localhost");
}

int
node_pod_get(struct val **out, struct arena *a, const char *home, const char *ns, const char *name,
             struct pkg_err **errp)
{
    cleanup_free char *dir = pod_dir(home, ns, name);
    struct node_pod_spec *spec;
    struct val *state;
    int rc = load_pod(&spec, &state, a, dir, name, errp);
    if (rc)
        return rc;
    char nn[256];
    nodename(nn, sizeof(nn));
    *out = pod_object(a, spec, state, nn);
    return 0;
}

static int
cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int
node_pod_list(struct val **out, struct arena *a, const char *home, const char *ns,
              struct pkg_err **errp)
{
    cleanup_free char *pods = xasprintf("%s/pods", home);
    *out = val_seq(a);
    DIR *d = opendir(pods);
    if (!d)
        return errno == ENOENT ? 0 : pkg_err_sys(errp, "open %s", pods);
    char **keys = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        keys = xgrow(keys, &cap, n + 1, sizeof(*keys));
        keys[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (n)
        qsort(keys, n, sizeof(*keys), cmp_str);
    char nn[256];
    nodename(nn, sizeof(nn));
    for (size_t i = 0; i < n; i++) {
        char *us = strchr(keys[i], '_');
        if (us && (!ns || (strlen(ns) == (size_t)(us - keys[i]) &&
                           !strncmp(ns, keys[i], (size_t)(us - keys[i]))))) {
            cleanup_free char *dir = xasprintf("%s/%s", pods, keys[i]);
            struct node_pod_spec *spec;
            struct val *state;
            struct pkg_err *e = NULL;
            if (load_pod(&spec, &state, a, dir, us + 1, &e) == 0)
                val_seq_push(a, *out, pod_object(a, spec, state, nn));
            pkg_err_free(e);
        }
        free(keys[i]);
    }
    free(keys);
    return 0;
}

/* ---- stop and remove ---- */

static bool
state_settled(struct arena *a, const char *dir)
{
    struct val *st;
    struct pkg_err *e = NULL;
    if (read_state(&st, a, dir, &e)) {
        pkg_err_free(e);
        return !fs_is_dir(dir);
    }
    struct val *rt = node_jget(st, "runtime", VAL_MAP);
    struct val *done = node_jget(rt, "done", VAL_BOOL);
    return done && done->u.b;
}

/* Acts on a pod no supervisor owns: kill its cgroups, then (rm) remove
 * everything. */
static int
act_directly(const char *home, const char *dir, bool remove, struct pkg_err **errp)
{
    /* The owning supervisor holds a lock on the pod directory. */
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return pkg_err_sys(errp, "open %s", dir);
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return pkg_err_set(errp, PKG_ESTATE, "the supervisor owning %s does not answer", dir);
    }
    struct arena *a = arena_new();
    struct val *st = NULL;
    struct pkg_err *e = NULL;
    if (read_state(&st, a, dir, &e))
        pkg_err_free(e);
    const char *uid = node_jstr(st, "uid");
    struct cg *cg = NULL;
    const char *parent = getenv("PKG_NODE_CGROUP_PARENT");
    e = NULL;
    if (cg_open(&cg, "/proc", "", parent && *parent ? parent : "pkg", &e))
        pkg_err_free(e);
    int rc = 0;
    if (remove) {
        rc = sandbox_destroy(home, dir, cg, uid, errp);
    } else if (cg && uid) {
        cleanup_free char *rel = xasprintf("pod-%s", uid);
        rc = cg->ops->kill(cg, rel, errp);
    }
    cg_free(cg);
    arena_free(a);
    close(fd);
    return rc;
}

static int
stop_or_remove(const char *home, const char *ns, const char *name, int grace, bool remove,
               struct pkg_err **errp)
{
    cleanup_free char *dir = pod_dir(home, ns, name);
    if (!fs_is_dir(dir))
        return pkg_err_set(errp, PKG_ENOENT, "pod \"%s\" not found", name);
    char key[600], req[700], resp[1200];
    snprintf(key, sizeof(key), "%s_%s", ns ? ns : "default", name);
    snprintf(req, sizeof(req), "%s %s %d", remove ? "rm" : "stop", key, grace);
    cleanup_free char *own = xasprintf("%s/run/sup.sock", dir);
    cleanup_free char *own2 = xasprintf("%s/sup.sock", dir);
    cleanup_free char *daemon = xasprintf("%s/node.sock", home);
    bool sent = sock_request(own, req, resp, sizeof(resp)) == 0 && !strcmp(resp, "ok");
    if (!sent)
        sent = sock_request(own2, req, resp, sizeof(resp)) == 0 && !strcmp(resp, "ok");
    if (!sent)
        sent = sock_request(daemon, req, resp, sizeof(resp)) == 0 && !strcmp(resp, "ok");
    if (!sent)
        return act_directly(home, dir, remove, errp);
    /* Wait for the supervisor to finish (grace period and then some). */
    struct arena *a = arena_new();
    int limit = (grace >= 0 ? grace : 30) * 100 + 3000;
    int rc = 0;
    for (int i = 0; i < limit; i++) {
        if (remove ? !fs_is_dir(dir) : state_settled(a, dir))
            break;
        usleep(10000);
        if (i == limit - 1)
            rc = pkg_err_set(errp, PKG_ETIMEOUT, "pod \"%s\" did not %s in time", name,
                             remove ? "go away" : "stop");
    }
    arena_free(a);
    return rc;
}

int
node_pod_stop(const char *home, const char *ns, const char *name, int grace, struct pkg_err **errp)
{
    return stop_or_remove(home, ns, name, grace, false, errp);
}

int
node_pod_remove(const char *home, const char *ns, const char *name, int grace,
                struct pkg_err **errp)
{
    return stop_or_remove(home, ns, name, grace, true, errp);
}

/* ---- logs and exec ---- */

static const struct val *
find_ctr_state(const struct val *state, const struct node_pod_spec *spec, const char **container,
               struct pkg_err **errp)
{
    if (!*container) {
        for (size_t i = 0; i < spec->n_ctrs; i++)
            if (spec->ctrs[i].kind == NODE_CTR_APP) {
                *container = spec->ctrs[i].name;
                break;
            }
    }
    bool known = false;
    for (size_t i = 0; i < spec->n_ctrs; i++)
        known = known || !strcmp(spec->ctrs[i].name, *container);
    if (!known) {
        pkg_err_set(errp, PKG_ENOENT, "container %s is not valid for pod %s", *container,
                    spec->name);
        return NULL;
    }
    struct val *cs = node_jget(node_jget(state, "runtime", VAL_MAP), "containers", VAL_MAP);
    struct val *c = node_jget(cs, *container, VAL_MAP);
    if (!c)
        pkg_err_set(errp, PKG_ENOENT, "container \"%s\" in pod \"%s\" has no state yet", *container,
                    spec->name);
    return c;
}

int
node_pod_log_path(char **out, const char *home, const char *ns, const char *name,
                  const char *container, bool previous, struct pkg_err **errp)
{
    cleanup_free char *dir = pod_dir(home, ns, name);
    struct arena *a = arena_new();
    struct node_pod_spec *spec;
    struct val *state;
    int rc = load_pod(&spec, &state, a, dir, name, errp);
    const struct val *c = rc ? NULL : find_ctr_state(state, spec, &container, errp);
    if (!c) {
        arena_free(a);
        return rc ? rc : PKG_ENOENT;
    }
    int64_t n = node_jint(c, "restartCount");
    if (previous) {
        if (n == 0) {
            rc = pkg_err_set(errp, PKG_ENOENT,
                             "previous terminated container \"%s\" in pod \"%s\" not found",
                             container, name);
            arena_free(a);
            return rc;
        }
        n--;
    }
    /* The newest file that exists (a container in back-off has none yet). */
    char *path = NULL;
    for (int64_t k = n; k >= 0; k--) {
        free(path);
        path = node_log_path(dir, container, (int)k);
        if (fs_exists(path) || previous)
            break;
    }
    if (!fs_exists(path)) {
        rc = pkg_err_set(errp, PKG_ENOENT, "container \"%s\" in pod \"%s\" has no logs yet",
                         container, name);
        free(path);
        arena_free(a);
        return rc;
    }
    *out = path;
    arena_free(a);
    return 0;
}

bool
node_pod_container_running(const char *home, const char *ns, const char *name,
                           const char *container)
{
    cleanup_free char *dir = pod_dir(home, ns, name);
    struct arena *a = arena_new();
    struct node_pod_spec *spec;
    struct val *state;
    struct pkg_err *e = NULL;
    bool running = false;
    if (load_pod(&spec, &state, a, dir, name, &e) == 0) {
        const struct val *c = find_ctr_state(state, spec, &container, &e);
        const char *s = c ? node_jstr(c, "state") : NULL;
        running = s && (!strcmp(s, "running") || !strcmp(s, "starting") || !strcmp(s, "waiting") ||
                        !strcmp(s, "none"));
        if (s && !strcmp(s, "waiting")) {
            struct val *rt = node_jget(state, "runtime", VAL_MAP);
            struct val *done = node_jget(rt, "done", VAL_BOOL);
            running = !(done && done->u.b);
        }
    }
    pkg_err_free(e);
    arena_free(a);
    return running;
}

int
node_pod_exec(int *status, const char *home, const char *ns, const char *name,
              const char *container, const char *const *argv, struct pkg_err **errp)
{
    cleanup_free char *dir = pod_dir(home, ns, name);
    struct arena *a = arena_new();
    struct node_pod_spec *spec;
    struct val *state;
    int rc = load_pod(&spec, &state, a, dir, name, errp);
    const struct val *c = rc ? NULL : find_ctr_state(state, spec, &container, errp);
    if (!c) {
        arena_free(a);
        return rc ? rc : PKG_ENOENT;
    }
    const char *st = node_jstr(c, "state");
    pid_t pid = (pid_t)node_jint(c, "pid");
    if (!st || strcmp(st, "running") != 0 || pid <= 0 || kill(pid, 0) < 0) {
        rc = pkg_err_set(errp, PKG_ESTATE, "container \"%s\" is not running", container);
        arena_free(a);
        return rc;
    }
    const struct node_container *cs = NULL;
    for (size_t i = 0; i < spec->n_ctrs; i++)
        if (!strcmp(spec->ctrs[i].name, container))
            cs = &spec->ctrs[i];
    uint64_t caps = 0;
    if ((rc = node_caps_compute(&caps, cs, errp))) {
        arena_free(a);
        return rc;
    }
    /* The container's environment, read from its init process, and the
     * image's user for a container without runAsUser. */
    const char **envp = node_proc_environ(a, pid);
    struct pkg_err *e = NULL;
    struct node_image img;
    const char *user = NULL;
    if (cs->run_as_user < 0 && node_image_get(&img, a, home, cs->image, &e) == 0)
        user = img.user;
    pkg_err_free(e);
    e = NULL;
    /* Its cgroup, from /proc. */
    struct sb cgs = SB_INIT, procs = SB_INIT;
    char cgpath[64];
    snprintf(cgpath, sizeof(cgpath), "/proc/%d/cgroup", (int)pid);
    e = NULL;
    struct cg *cg = NULL;
    const char *parent = getenv("PKG_NODE_CGROUP_PARENT");
    if (cg_open(&cg, "/proc", "", parent && *parent ? parent : "pkg", &e) == 0) {
        const char *uid = node_jstr(state, "uid");
        long long n = (long long)node_jint(c, "restartCount");
        if (cg->mode == CG_V2)
            sb_addf(&procs, "%s/pod-%s/%s-%lld/cgroup.procs", cg->base, uid, container, n);
        else
            for (size_t i = 0; i < cg->n_h; i++)
                sb_addf(&procs, "%s/pod-%s/%s-%lld/cgroup.procs\n", cg->h[i].base, uid, container,
                        n);
    }
    pkg_err_free(e);
    cg_free(cg);
    sb_release(&cgs);
    struct enter_opts o = {.target = pid,
                           .cgroup_procs = procs.len ? procs.buf : NULL,
                           .argv = argv,
                           .envp = envp,
                           .cwd = cs->workdir,
                           .user = user,
                           .uid = cs->run_as_user,
                           .gid = cs->run_as_group,
                           .caps = caps,
                           .no_new_privs = cs->no_new_privs,
                           .seccomp = !cs->seccomp_unconfined && !cs->privileged,
                           .fd_in = 0,
                           .fd_out = 1,
                           .fd_err = 2};
    node_seccomp_set_cache(home);
    pid_t helper = node_enter(&o, errp);
    sb_release(&procs);
    if (helper < 0) {
        arena_free(a);
        return helper;
    }
    int ws;
    while (waitpid(helper, &ws, 0) < 0)
        if (errno != EINTR)
            break;
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    arena_free(a);
    return 0;
}
