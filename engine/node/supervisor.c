/* The supervisor: one process runs every container of its pods.
 *
 * It is the children's subreaper; SIGCHLD arrives on a signalfd, start
 * results on each container's error pipe, requests on a Unix socket, all in
 * one epoll loop whose timeout is the nearest deadline (back-off, probe
 * period, grace period). After every event each pod is synced the way
 * kubelet's syncPod works: level-triggered, from the recorded state to the
 * next action. There is no monitor process per container; a container's
 * stdout and stderr go straight to its log file.
 *
 * State is written to pods/<key>/state.json after each change, so a new
 * supervisor finds running containers again (by pid and start time). */
#include "engine/node/node-int.h"
#include "engine/node/runtime.h"
#include "engine/node/super.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum ep_kind { EP_SIGNAL = 1, EP_LISTEN, EP_ERRPIPE, EP_PIDFD };

struct node_super {
    char *home;
    bool daemon;
    int epfd, sigfd, lsock;
    char *sockpath;
    struct cg *cg;
    struct pod **pods;
    size_t n_pods, cap_pods;
    bool quit, stop_all;
    bool any_failed;
    const char *last_phase;
    struct pkg_err *rm_err; /* the first failed removal (foreground) */
    char nodename[65], hostip[64];
    int64_t cpus, memory;
    double scale; /* back-off scale (PKG_NODE_BACKOFF_SCALE) */
    int lockfd;
    /* Log rotation: the kubelet's containerLogMaxSize, containerLogMaxFiles
     * and containerLogMonitorInterval. */
    int64_t log_max_size;
    int log_max_files;
    double log_every, log_next;
    bool log_warned;
};

static struct epoll_event ep_sig = {.events = EPOLLIN}, ep_listen = {.events = EPOLLIN};

double
node_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t
wall(void)
{
    return (int64_t)time(NULL);
}

const char *
node_super_home(const struct node_super *s)
{
    return s->home;
}
struct cg *
node_super_cg(const struct node_super *s)
{
    return s->cg;
}
const char *
node_super_nodename(const struct node_super *s)
{
    return s->nodename;
}
const char *
node_super_hostip(const struct node_super *s)
{
    return s->hostip;
}
int64_t
node_super_cpus(const struct node_super *s)
{
    return s->cpus;
}
int64_t
node_super_memory(const struct node_super *s)
{
    return s->memory;
}

static void
set_msg(char **dst, const char *msg)
{
    free(*dst);
    *dst = msg ? xstrdup(msg) : NULL;
}

static void
set_waiting(struct ctr *c, const char *reason, const char *msg)
{
    c->state = CS_WAITING;
    snprintf(c->reason, sizeof(c->reason), "%s", reason);
    set_msg(&c->message, msg);
    c->pod->dirty = true;
}

/* ---- pod loading ---- */

static void
pod_free(struct pod *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        struct ctr *c = &p->ctrs[i];
        if (c->errfd >= 0)
            close(c->errfd);
        if (c->pidfd >= 0)
            close(c->pidfd);
        free(c->message);
        free(c->term.message);
        free(c->last.message);
        free(c->log_path);
    }
    if (p->lockfd >= 0)
        close(p->lockfd);
    for (size_t i = 0; i < p->n_hostports; i++)
        close(p->hostports[i].fd);
    free(p->hostports);
    free(p->ctrs);
    free(p->key);
    free(p->dir);
    free(p->uid);
    free(p->sandbox_err);
    arena_free(p->a);
    free(p);
}

static void
restore_term(struct term_info *t, const struct val *m)
{
    if (!m)
        return;
    t->exit_code = (int)node_jint(m, "exitCode");
    t->signal = (int)node_jint(m, "signal");
    snprintf(t->reason, sizeof(t->reason), "%s",
             node_jstr(m, "reason") ? node_jstr(m, "reason") : "");
    t->message = node_jstr(m, "message") ? xstrdup(node_jstr(m, "message")) : NULL;
    t->started_at = node_jint(m, "startedAtUnix");
    t->finished_at = node_jint(m, "finishedAtUnix");
    snprintf(t->id, sizeof(t->id), "%s", node_jstr(m, "id") ? node_jstr(m, "id") : "");
}

/* Reads the state a previous supervisor wrote, adopting live containers. */
static void
restore_state(struct node_super *s, struct pod *p, const struct val *st)
{
    p->created = node_jint(st, "created");
    p->start_time = node_jint(st, "startTime");
    struct val *rt = node_jget(st, "runtime", VAL_MAP);
    p->initialized =
        node_jget(rt, "initialized", VAL_BOOL) && node_jget(rt, "initialized", VAL_BOOL)->u.b;
    p->t_initialized = node_jint(rt, "tInitialized");
    p->t_sandbox = node_jint(rt, "tSandbox");
    p->t_scheduled = node_jint(rt, "tScheduled");
    struct val *cs = node_jget(rt, "containers", VAL_MAP);
    for (size_t i = 0; i < p->n; i++) {
        struct ctr *c = &p->ctrs[i];
        struct val *m = node_jget(cs, c->spec->name, VAL_MAP);
        if (!m)
            continue;
        c->restart_count = (int)node_jint(m, "restartCount");
        c->backoff = (double)node_jint(m, "backoffMs") / 1000.0;
        const char *state = node_jstr(m, "state");
        snprintf(c->id, sizeof(c->id), "%s", node_jstr(m, "id") ? node_jstr(m, "id") : "");
        c->started_at = node_jint(m, "startedAtUnix");
        c->oom_base = (uint64_t)node_jint(m, "oomBase");
        struct val *last = node_jget(m, "last", VAL_MAP);
        if (last) {
            c->has_last = true;
            restore_term(&c->last, last);
        }
        if (state && !strcmp(state, "terminated")) {
            c->state = CS_TERMINATED;
            restore_term(&c->term, node_jget(m, "term", VAL_MAP));
            c->started_once = true;
        } else if (state && (!strcmp(state, "running") || !strcmp(state, "starting"))) {
            pid_t pid = (pid_t)node_jint(m, "pid");
            uint64_t start = (uint64_t)node_jint(m, "pidStart");
            c->started_once = true;
            if (pid > 0 && start && node_proc_start_time(pid) == start) {
                int fd = (int)syscall(SYS_pidfd_open, pid, 0);
                if (fd >= 0) {
                    c->pid = pid;
                    c->pidfd = fd;
                    c->pid_start = start;
                    c->adopted = true;
                    c->state = CS_RUNNING;
                    /* Its log, to rotate. */
                    free(c->log_path);
                    c->log_path = node_log_path(p->dir, c->spec->name, c->restart_count);
                    c->started = c->ready = !c->spec->readiness.kind && !c->spec->startup.kind;
                    c->started = !c->spec->startup.kind;
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &c->pidfd};
                    epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
                    continue;
                }
            }
            /* It ended while no supervisor watched: the status is lost. */
            c->state = CS_TERMINATED;
            c->term.exit_code = 137;
            snprintf(c->term.reason, sizeof(c->term.reason), "ContainerStatusUnknown");
            c->term.message = xstrdup("The container could not be located when the pod was "
                                      "restarted: it ended while no supervisor was running");
            c->term.started_at = c->started_at;
            c->term.finished_at = wall();
            snprintf(c->term.id, sizeof(c->term.id), "%s", c->id);
        }
    }
}

/* The image of each container, recorded when the pod was created (the
 * state's "images"; pods made by an older pkg have an "images" file). */
static int
load_images(struct pod *p, const struct val *st, const char *home, struct pkg_err **errp)
{
    struct val *m = node_jget(st, "images", VAL_MAP);
    struct sb sb = SB_INIT;
    int rc = 0;
    if (!m) {
        cleanup_free char *path = xasprintf("%s/images", p->dir);
        if ((rc = sb_read_file(&sb, path, 1 << 20, errp))) {
            sb_release(&sb);
            return rc;
        }
        m = val_map(p->a);
        for (char *line = strtok(sb.buf, "\n"); line; line = strtok(NULL, "\n")) {
            char name[256], id[128];
            if (sscanf(line, "%255s %127s", name, id) == 2)
                val_map_setz(p->a, m, arena_strdup(p->a, name), val_strz(p->a, id));
        }
        sb_release(&sb);
    }
    for (size_t i = 0; i < p->n && !rc; i++) {
        const char *id = node_jstr(m, p->ctrs[i].spec->name);
        if (!id) {
            rc = pkg_err_set(errp, PKG_ENOENT, "no image recorded for container %s",
                             p->ctrs[i].spec->name);
            break;
        }
        struct node_image *img = arena_alloc(p->a, sizeof(*img));
        rc = node_image_get(img, p->a, home, id, errp);
        p->ctrs[i].image = img;
    }
    return rc;
}

static struct pod *
find_pod(struct node_super *s, const char *key)
{
    for (size_t i = 0; i < s->n_pods; i++)
        if (!strcmp(s->pods[i]->key, key))
            return s->pods[i];
    return NULL;
}

int
node_super_add(struct node_super *s, const char *key, struct pkg_err **errp)
{
    if (find_pod(s, key))
        return 0;
    struct pod *p = xcalloc(1, sizeof(*p));
    p->sup = s;
    p->a = arena_new();
    p->key = xstrdup(key);
    p->dir = xasprintf("%s/pods/%s", s->home, key);
    p->lockfd = -1;
    p->phase = "Pending";
    cleanup_free char *stp = xasprintf("%s/state.json", p->dir);
    int rc = 0;
    /* The owner holds a lock on the pod directory itself. */
    p->lockfd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (p->lockfd < 0) {
        rc = errno == ENOENT ? pkg_err_set(errp, PKG_ENOENT, "pod %s not found", key)
                             : pkg_err_sys(errp, "open %s", p->dir);
        goto fail;
    }
    if (flock(p->lockfd, LOCK_EX | LOCK_NB) < 0) {
        rc = pkg_err_set(errp, PKG_ESTATE, "pod %s is owned by another supervisor", key);
        goto fail;
    }
    /* The manifests as given, copied into the pod directory. */
    const char *files[64];
    size_t nf = 0;
    for (; nf < 64; nf++) {
        char *f = arena_sprintf(p->a, "%s/manifest-%zu.yaml", p->dir, nf);
        if (!fs_exists(f))
            break;
        files[nf] = f;
    }
    if ((rc = node_pod_load(&p->spec, NULL, p->a, files, nf, errp)))
        goto fail;
    p->n = p->spec->n_ctrs;
    p->ctrs = xcalloc(p->n, sizeof(*p->ctrs));
    for (size_t i = 0; i < p->n; i++) {
        p->ctrs[i].pod = p;
        p->ctrs[i].spec = &p->spec->ctrs[i];
        p->ctrs[i].errfd = p->ctrs[i].pidfd = p->ctrs[i].syncfd = -1;
    }
    struct val *st = NULL;
    if (node_state_file_read(&st, p->a, stp, errp)) {
        pkg_err_clear(errp);
        st = NULL;
    }
    if ((rc = load_images(p, st, s->home, errp)))
        goto fail;
    if (st) {
        p->uid = node_jstr(st, "uid") ? xstrdup(node_jstr(st, "uid")) : NULL;
        restore_state(s, p, st);
    }
    if (!p->uid) {
        char u[33];
        node_rand_hex(u, sizeof(u));
        p->uid = xasprintf("%.8s-%.4s-%.4s-%.4s-%.12s", u, u + 8, u + 12, u + 16, u + 20);
    }
    node_net_load_ip(p);
    if (!p->created)
        p->created = wall();
    if (!p->t_scheduled)
        p->t_scheduled = p->created;
    p->dirty = true;
    s->pods = xgrow(s->pods, &s->cap_pods, s->n_pods + 1, sizeof(*s->pods));
    s->pods[s->n_pods++] = p;
    return 0;
fail:
    pod_free(p);
    return rc;
}

/* ---- helpers: probes and hooks run as child processes ---- */

static pid_t
run_in_container(struct ctr *c, const struct node_handler *h)
{
    struct pod *p = c->pod;
    uint64_t caps = 0;
    node_caps_compute(&caps, c->spec, NULL);
    cleanup_free char *procs = NULL;
    if (p->sup->cg) {
        struct sb sb = SB_INIT;
        struct cg *cg = p->sup->cg;
        if (cg->mode == CG_V2)
            sb_addf(&sb, "%s/pod-%s/%s-%d/cgroup.procs", cg->base, p->uid, c->spec->name,
                    c->restart_count);
        else
            for (size_t i = 0; i < cg->n_h; i++)
                sb_addf(&sb, "%s/pod-%s/%s-%d/cgroup.procs\n", cg->h[i].base, p->uid, c->spec->name,
                        c->restart_count);
        procs = sb_detach(&sb, NULL);
    }
    static const char *const fallback[] = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    struct arena *a = arena_new();
    const char *const *env = node_proc_environ(a, c->pid);
    if (!env)
        env = fallback;
    struct enter_opts o = {.target = c->pid,
                           .cgroup_procs = procs,
                           .argv = h->argv,
                           .envp = env,
                           .cwd = c->spec->workdir,
                           .user = c->image ? c->image->user : NULL,
                           .uid = c->spec->run_as_user,
                           .gid = c->spec->run_as_group,
                           .caps = caps,
                           .no_new_privs = c->spec->no_new_privs,
                           .seccomp = !c->spec->seccomp_unconfined && !c->spec->privileged,
                           .fd_in = -1,
                           .fd_out = -1,
                           .fd_err = -1};
    struct pkg_err *e = NULL;
    pid_t pid = node_enter(&o, &e);
    pkg_err_free(e);
    arena_free(a);
    return pid;
}

static int
named_port(const struct ctr *c, const struct node_handler *h)
{
    if (!h->port_name)
        return h->port;
    for (size_t i = 0; i < c->spec->n_ports; i++)
        if (c->spec->ports[i].name && !strcmp(c->spec->ports[i].name, h->port_name))
            return c->spec->ports[i].container_port;
    return atoi(h->port_name);
}

static size_t
discard(char *p, size_t size, size_t n, void *d)
{
    (void)p;
    (void)d;
    return size * n;
}

/* httpGet and tcpSocket: a child in the pod's network namespace. */
static pid_t
run_net_check(struct ctr *c, const struct node_handler *h)
{
    int port = named_port(c, h);
    int nsfd = sandbox_ns_fd(c->pod, "net");
    if (nsfd < 0)
        return -1;
    static bool curl_ready;
    if (h->kind == NODE_H_HTTP && !curl_ready) {
        /* Once, in the supervisor: each probe child inherits it. */
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl_ready = true;
    }
    pid_t pid = fork();
    if (pid != 0) {
        close(nsfd);
        return pid;
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (setns(nsfd, CLONE_NEWNET) < 0)
        _exit(2);
    const char *host = h->host && *h->host ? h->host : "127.0.0.1";
    if (h->kind == NODE_H_TCP) {
        char ps[16];
        snprintf(ps, sizeof(ps), "%d", port);
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
        if (getaddrinfo(host, ps, &hints, &ai) != 0)
            _exit(1);
        int sfd = socket(ai->ai_family, SOCK_STREAM, 0);
        _exit(sfd >= 0 && connect(sfd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : 1);
    }
    CURL *cu = curl_easy_init();
    if (!cu)
        _exit(2);
    char url[2048];
    snprintf(url, sizeof(url), "%s://%s:%d%s%s", !strcmp(h->scheme, "HTTPS") ? "https" : "http",
             host, port, h->path[0] == '/' ? "" : "/", h->path);
    struct curl_slist *hl = curl_slist_append(NULL, "User-Agent: kube-probe/1.31");
    for (size_t i = 0; i < h->n_headers; i++)
        hl = curl_slist_append(hl, h->headers[i]);
    curl_easy_setopt(cu, CURLOPT_URL, url);
    curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(cu, CURLOPT_SSL_VERIFYPEER, 0L); /* kubelet does not verify */
    curl_easy_setopt(cu, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(cu, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(cu, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
    long code = 0;
    CURLcode cc = curl_easy_perform(cu);
    curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &code);
    _exit(cc == CURLE_OK && code >= 200 && code < 400 ? 0 : 1);
}

static pid_t
run_handler(struct ctr *c, const struct node_handler *h)
{
    if (h->kind == NODE_H_EXEC)
        return run_in_container(c, h);
    if (h->kind == NODE_H_HTTP || h->kind == NODE_H_TCP)
        return run_net_check(c, h);
    if (h->kind == NODE_H_SLEEP) {
        pid_t pid = fork();
        if (pid == 0) {
            struct timespec ts = {.tv_sec = h->seconds};
            nanosleep(&ts, NULL);
            _exit(0);
        }
        return pid;
    }
    return -1;
}

/* ---- container lifecycle ---- */

static const struct node_handler *
probe_spec(const struct ctr *c, int k)
{
    return k == 0 ? &c->spec->liveness : k == 1 ? &c->spec->readiness : &c->spec->startup;
}

static void
schedule_probes(struct ctr *c, double now)
{
    for (int k = 0; k < 3; k++) {
        const struct node_handler *h = probe_spec(c, k);
        memset(&c->probes[k], 0, sizeof(c->probes[k]));
        if (h->kind == NODE_H_NONE)
            continue;
        /* Liveness and readiness wait for a startup probe to succeed. */
        if (k < 2 && c->spec->startup.kind && !c->started)
            continue;
        c->probes[k].next = now + h->initial_delay;
    }
}

static void
kill_helper(pid_t *pid)
{
    if (*pid > 0)
        kill(*pid, SIGKILL);
}

static void
signal_ctr(struct ctr *c, int sig)
{
    if (c->pidfd >= 0 && syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0) == 0)
        return;
    if (c->pid > 0)
        node_sys.kill(c->pid, sig);
}

/* Each container instance gets a fresh cgroup, as containerd gives each
 * container ID one: counters (OOM kills) start at zero, nothing stale is
 * inherited, and a cgroup that cgroup.kill ended is never reused (on
 * Linux 6.18 a CLONE_INTO_CGROUP child of such a cgroup is killed at
 * birth). */
static char *
ctr_rel(const struct ctr *c)
{
    return xasprintf("pod-%s/%s-%d", c->pod->uid, c->spec->name, c->restart_count);
}

/* SIGKILL for the container and everything in its cgroup. */
static void
kill_ctr(struct ctr *c)
{
    signal_ctr(c, SIGKILL);
    struct cg *cg = c->pod->sup->cg;
    if (cg) {
        cleanup_free char *rel = ctr_rel(c);
        struct pkg_err *e = NULL;
        cg->ops->kill(cg, rel, &e);
        pkg_err_free(e);
    }
}

/* Begins stopping a running container: preStop, SIGTERM, SIGKILL at the
 * deadline. */
static void
begin_kill(struct ctr *c, double grace, const char *why)
{
    if (c->killing || (c->state != CS_RUNNING && c->state != CS_STARTING))
        return;
    double now = node_now();
    c->killing = true;
    c->kill_at = now + grace;
    snprintf(c->kill_reason, sizeof(c->kill_reason), "%s", why ? why : "");
    for (int k = 0; k < 3; k++)
        kill_helper(&c->probes[k].pid);
    if (c->state == CS_RUNNING && c->spec->pre_stop.kind && grace > 0) {
        kill_helper(&c->hook_pid);
        c->hook_pid = run_handler(c, &c->spec->pre_stop);
        c->hook_kind = H_PRESTOP;
        c->hook_deadline = c->kill_at;
        if (c->hook_pid > 0)
            return; /* SIGTERM when the hook ends */
    }
    signal_ctr(c, SIGTERM);
    if (grace <= 0)
        kill_ctr(c);
}

static bool
should_restart(const struct ctr *c)
{
    const struct pod *p = c->pod;
    if (p->stopping)
        return false;
    bool failed = c->term.exit_code != 0 || c->start_failed;
    switch (c->spec->kind) {
    case NODE_CTR_SIDECAR:
        return !p->finishing;
    case NODE_CTR_INIT:
        return failed && p->spec->restart != NODE_RESTART_NEVER;
    case NODE_CTR_APP:
        return p->spec->restart == NODE_RESTART_ALWAYS ||
               (p->spec->restart == NODE_RESTART_ONFAILURE && failed);
    }
    return false;
}

static void on_running(struct ctr *c);

static void
read_start_error(struct ctr *c)
{
    if (c->errfd < 0)
        return;
    struct launch_error e;
    ssize_t n;
    do
        n = read(c->errfd, &e, sizeof(e));
    while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof(e)) {
        c->start_failed = true;
        c->start_err = e;
        c->start_err.msg[sizeof(c->start_err.msg) - 1] = 0;
    } else if (n == 0 && c->state == CS_STARTING) {
        c->state = CS_RUNNING;
        on_running(c);
    }
    if (n == 0 || n == (ssize_t)sizeof(e)) {
        epoll_ctl(c->pod->sup->epfd, EPOLL_CTL_DEL, c->errfd, NULL);
        close(c->errfd);
        c->errfd = -1;
    }
}

static void
on_running(struct ctr *c)
{
    c->started_at = wall();
    c->pid_start = node_proc_start_time(c->pid);
    c->started = !c->spec->startup.kind;
    c->ready = c->started && !c->spec->readiness.kind;
    schedule_probes(c, node_now());
    if (c->spec->post_start.kind) {
        c->hook_pid = run_handler(c, &c->spec->post_start);
        c->hook_kind = H_POSTSTART;
        c->hook_deadline = node_now() + c->pod->spec->grace_seconds + 30;
    }
    c->pod->dirty = true;
}

static char *
read_termination_log(const struct ctr *c)
{
    cleanup_free char *path = xasprintf("%s/run/c/%s/termination-log", c->pod->dir, c->spec->name);
    struct sb sb = SB_INIT;
    struct pkg_err *e = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n > 0)
            sb_add(&sb, buf, (size_t)n);
        close(fd);
    }
    pkg_err_free(e);
    if (!sb.len) {
        sb_release(&sb);
        return NULL;
    }
    return sb_detach(&sb, NULL);
}

static void
on_exit_status(struct ctr *c, int status)
{
    struct pod *p = c->pod;
    read_start_error(c);
    if (c->errfd >= 0) {
        epoll_ctl(p->sup->epfd, EPOLL_CTL_DEL, c->errfd, NULL);
        close(c->errfd);
        c->errfd = -1;
    }
    if (c->pidfd >= 0) {
        if (c->adopted)
            epoll_ctl(p->sup->epfd, EPOLL_CTL_DEL, c->pidfd, NULL);
        close(c->pidfd);
        c->pidfd = -1;
    }
    for (int k = 0; k < 3; k++)
        kill_helper(&c->probes[k].pid);
    if (c->hook_kind == H_POSTSTART)
        kill_helper(&c->hook_pid);
    free(c->term.message);
    memset(&c->term, 0, sizeof(c->term));
    snprintf(c->term.id, sizeof(c->term.id), "%s", c->id);
    c->term.started_at = c->started_at;
    c->term.finished_at = wall();
    c->pid = 0;
    c->ready = c->started = false;
    c->killing = false;
    p->dirty = true;
    struct cg *cg = p->sup->cg;
    struct cg_stats st = {0};
    if (cg) {
        cleanup_free char *rel = ctr_rel(c);
        cg->ops->stats(cg, rel, &st);
        struct pkg_err *e = NULL;
        cg->ops->destroy(cg, rel, &e); /* the next instance gets a new one */
        pkg_err_free(e);
    }
    if (c->start_failed && c->start_err.config) {
        /* Kubernetes keeps such a container waiting and retries. */
        c->state = CS_WAITING;
        snprintf(c->reason, sizeof(c->reason), "CreateContainerConfigError");
        set_msg(&c->message, c->start_err.msg);
        c->restart_at = node_now() + 10 * p->sup->scale;
        return;
    }
    c->state = CS_TERMINATED;
    if (status == -1) {
        c->term.exit_code = 137;
        snprintf(c->term.reason, sizeof(c->term.reason), "Error");
    } else if (WIFSIGNALED(status)) {
        c->term.signal = WTERMSIG(status);
        c->term.exit_code = 128 + c->term.signal;
    } else {
        c->term.exit_code = WEXITSTATUS(status);
    }
    if (c->start_failed) {
        c->term.exit_code = 128;
        snprintf(c->term.reason, sizeof(c->term.reason), "StartError");
        c->term.message = xasprintf("failed to start container \"%s\": failed to create "
                                    "containerd task: unable to start container process: %s",
                                    c->spec->name, c->start_err.msg);
        c->term.started_at = 0;
        return;
    }
    if (st.oom_kills > c->oom_base)
        snprintf(c->term.reason, sizeof(c->term.reason), "OOMKilled");
    else
        snprintf(c->term.reason, sizeof(c->term.reason), "%s",
                 c->term.exit_code == 0 ? "Completed" : "Error");
    c->term.message = read_termination_log(c);
}

static void
start_ctr(struct ctr *c)
{
    struct pod *p = c->pod;
    struct node_super *s = p->sup;
    struct arena *a = arena_new();
    struct launch l;
    struct pkg_err *err = NULL;
    int errp[2] = {-1, -1}, syncp[2] = {-1, -1}, logfd = -1;
    cleanup_free char *rel = ctr_rel(c);
    c->start_failed = false;
    if (sandbox_prepare_ctr(&l, a, p, c, &err)) {
        if (c->start_err.config || c->start_err.msg[0]) {
            set_waiting(c,
                        c->start_err.config ? "CreateContainerConfigError" : "CreateContainerError",
                        c->start_err.msg[0] ? c->start_err.msg : err->msg);
        } else {
            set_waiting(c, "CreateContainerError", err->msg);
        }
        c->restart_at = node_now() + 10 * s->scale;
        goto out;
    }
    /* cgroup */
    if (s->cg) {
        struct cg_limits lim = {.cpu_limit_milli = c->spec->cpu_limit_milli,
                                .cpu_request_milli = c->spec->cpu_request_milli,
                                .mem_limit = c->spec->mem_limit,
                                .pids_limit = c->spec->pids_limit,
                                .devices = !c->spec->privileged};
        struct cg_stats st;
        if (s->cg->ops->destroy(s->cg, rel, &err) || s->cg->ops->create(s->cg, rel, &err) ||
            s->cg->ops->set_limits(s->cg, rel, &lim, &err)) {
            set_waiting(c, "CreateContainerError", err->msg);
            c->restart_at = node_now() + 10 * s->scale;
            goto out;
        }
        s->cg->ops->stats(s->cg, rel, &st);
        c->oom_base = st.oom_kills;
        l.cgroup_fd = s->cg->ops->open_dir(s->cg, rel);
        if (l.cgroup_fd < 0) {
            int n = s->cg->ops->open_self(s->cg, rel, l.cg_self, CG_MAX_HIER, &err);
            if (n < 0) {
                set_waiting(c, "CreateContainerError", err->msg);
                c->restart_at = node_now() + 10 * s->scale;
                goto out;
            }
            l.n_cg_self = (size_t)n;
        }
    }
    /* The parent attaches the child only when neither clone3 nor the
     * child itself can: then the child waits for a go-ahead. */
    bool attach = s->cg && l.cgroup_fd < 0 && l.n_cg_self == 0;
    /* The log file: <ctr>.<restart>.log in the pod directory (a name has
     * no dot). */
    free(c->log_path);
    c->log_path = node_log_path(p->dir, c->spec->name, c->restart_count);
    if ((logfd = open(c->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640)) <
        0) {
        pkg_err_sys(&err, "open %s", c->log_path);
        set_waiting(c, "CreateContainerError", err->msg);
        goto out;
    }
    l.log_fd = logfd;
    l.ns_net = sandbox_ns_fd(p, "net");
    l.ns_ipc = sandbox_ns_fd(p, "ipc");
    l.ns_uts = sandbox_ns_fd(p, "uts");
    l.new_pidns = true;
    if (p->spec->share_pid) {
        pid_t init = sandbox_init_pid(p);
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)init);
        if (init <= 0 || (l.pidns_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
            set_waiting(c, "CreateContainerError", "the pod's init process is gone");
            c->restart_at = node_now() + 10 * s->scale;
            goto out;
        }
        l.new_pidns = false;
    }
    if (pipe2(errp, O_CLOEXEC) < 0 || (attach && pipe2(syncp, O_CLOEXEC) < 0)) {
        pkg_err_sys(&err, "pipe");
        set_waiting(c, "CreateContainerError", err->msg);
        goto out;
    }
    l.err_fd = errp[1];
    l.sync_fd = syncp[0];
    l.close_fds[0] = errp[0];
    l.close_fds[1] = syncp[1];
    int pidfd = -1;
    pid_t pid = node_launch(&l, &pidfd, &err);
    close(errp[1]);
    if (syncp[0] >= 0)
        close(syncp[0]);
    errp[1] = syncp[0] = -1;
    if (pid < 0) {
        set_waiting(c, "CreateContainerError", err->msg);
        c->restart_at = node_now() + 10 * s->scale;
        goto out;
    }
    c->pid = pid;
    c->pidfd = pidfd;
    c->adopted = false;
    if (attach && s->cg->ops->attach(s->cg, rel, pid, &err)) {
        kill(pid, SIGKILL);
        c->start_failed = true;
        snprintf(c->start_err.msg, sizeof(c->start_err.msg), "%s", err->msg);
    } else if (attach && write(syncp[1], "g", 1) != 1) {
        kill(pid, SIGKILL);
    }
    node_rand_hex(c->id, sizeof(c->id));
    c->errfd = errp[0];
    errp[0] = -1;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &c->errfd};
    epoll_ctl(s->epfd, EPOLL_CTL_ADD, c->errfd, &ev);
    c->state = CS_STARTING;
    c->reason[0] = 0;
    set_msg(&c->message, NULL);
    c->started_once = true;
    p->dirty = true;
out:
    for (int i = 0; i < 2; i++) {
        if (errp[i] >= 0)
            close(errp[i]);
        if (syncp[i] >= 0)
            close(syncp[i]);
    }
    if (logfd >= 0)
        close(logfd);
    if (l.ns_net >= 0)
        close(l.ns_net);
    if (l.ns_ipc >= 0)
        close(l.ns_ipc);
    if (l.ns_uts >= 0)
        close(l.ns_uts);
    if (l.pidns_fd >= 0)
        close(l.pidns_fd);
    if (l.cgroup_fd >= 0)
        close(l.cgroup_fd);
    for (size_t i = 0; i < l.n_cg_self; i++)
        close(l.cg_self[i]);
    pkg_err_free(err);
    arena_free(a);
}

/* Starts a container now or records the back-off wait (kubelet's
 * flowcontrol.Backoff: 10 s doubling to 5 min, reset after 10 min). */
static void
maybe_start(struct ctr *c, double now)
{
    struct node_super *s = c->pod->sup;
    if (c->state == CS_STARTING || c->state == CS_RUNNING)
        return;
    if (c->restart_at > now)
        return;
    bool restart = c->state == CS_TERMINATED;
    if (restart) {
        double base = 10 * s->scale, max = 300 * s->scale;
        if (c->backoff > 0 && now - c->backoff_at < c->backoff) {
            c->restart_at = c->backoff_at + c->backoff;
            /* Waiting in back-off: the last run is the last state. */
            free(c->last.message);
            c->last = c->term;
            c->term.message = NULL;
            c->has_last = true;
            char msg[256];
            char dur[32];
            double b = c->backoff / s->scale;
            if (b >= 60)
                snprintf(dur, sizeof(dur), "%dm%ds", (int)b / 60, (int)b % 60);
            else
                snprintf(dur, sizeof(dur), "%gs", round(b));
            snprintf(msg, sizeof(msg), "back-off %s restarting failed container=%s pod=%s_%s(%s)",
                     dur, c->spec->name, c->pod->spec->name, c->pod->spec->ns, c->pod->uid);
            set_waiting(c, "CrashLoopBackOff", msg);
            return;
        }
        if (c->backoff == 0 || now - c->backoff_at > 2 * max)
            c->backoff = base;
        else
            c->backoff = fmin(c->backoff * 2, max);
        c->backoff_at = now;
        free(c->last.message);
        c->last = c->term;
        c->term.message = NULL;
        c->has_last = true;
        c->restart_count++;
    } else if (c->state == CS_WAITING && c->started_once && c->reason[0] &&
               !strcmp(c->reason, "CrashLoopBackOff")) {
        /* The back-off wait is over. */
        double max = 300 * s->scale;
        c->backoff = fmin(c->backoff * 2, max);
        c->backoff_at = now;
        c->restart_count++;
    }
    start_ctr(c);
}

/* ---- hostPort ---- */

/* Listens on each hostPort in the node's network namespace; connections
 * are relayed to the pod's address by a child per connection. */
static int
hostports_open(struct pod *p, struct pkg_err **errp)
{
    if (p->n_hostports || !p->ip[0])
        return 0;
    for (size_t i = 0; i < p->n; i++) {
        const struct node_container *c = p->ctrs[i].spec;
        for (size_t k = 0; k < c->n_ports; k++) {
            const struct node_port *pt = &c->ports[k];
            if (!pt->host_port || strcmp(pt->protocol, "TCP") != 0)
                continue;
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            int one = 1;
            struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(pt->host_port)};
            if (!pt->host_ip || inet_pton(AF_INET, pt->host_ip, &sa.sin_addr) != 1)
                sa.sin_addr.s_addr = htonl(INADDR_ANY);
            if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
                bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0) {
                int rc =
                    pkg_err_sys(errp, "hostPort %d of container %s: bind", pt->host_port, c->name);
                if (fd >= 0)
                    close(fd);
                return rc;
            }
            p->hostports = xrealloc(p->hostports, (p->n_hostports + 1) * sizeof(*p->hostports));
            p->hostports[p->n_hostports].fd = fd;
            p->hostports[p->n_hostports].port = pt->container_port;
            struct epoll_event ev = {.events = EPOLLIN,
                                     .data.ptr = &p->hostports[p->n_hostports].fd};
            p->n_hostports++;
            /* Pointers into the array move with realloc: register all again. */
            for (size_t j = 0; j < p->n_hostports; j++) {
                ev.data.ptr = &p->hostports[j].fd;
                if (epoll_ctl(p->sup->epfd, EPOLL_CTL_MOD, p->hostports[j].fd, &ev) < 0)
                    epoll_ctl(p->sup->epfd, EPOLL_CTL_ADD, p->hostports[j].fd, &ev);
            }
        }
    }
    return 0;
}

static void
relay(int a, int b)
{
    struct pollfd pf[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
    char buf[65536];
    bool open_[2] = {true, true};
    while (open_[0] || open_[1]) {
        if (poll(pf, 2, -1) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (!open_[i] || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(pf[i].fd, buf, sizeof(buf));
            if (n <= 0) {
                open_[i] = false;
                pf[i].fd = -1;
                shutdown(i ? a : b, SHUT_WR);
                continue;
            }
            for (ssize_t off = 0; off < n;) {
                ssize_t w = write(i ? a : b, buf + off, (size_t)(n - off));
                if (w <= 0)
                    _exit(0);
                off += w;
            }
        }
    }
    _exit(0);
}

static void
hostport_accept(struct pod *p, struct hostport *hp)
{
    int c;
    while ((c = accept4(hp->fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
        pid_t pid = fork();
        if (pid == 0) {
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, NULL);
            prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
            int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(hp->port)};
            if (s < 0 || inet_pton(AF_INET, p->ip, &sa.sin_addr) != 1 ||
                connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                _exit(1);
            relay(c, s);
        }
        close(c);
    }
}

/* ---- pod sync ---- */

static void
pod_compute(struct pod *p)
{
    int running = 0, waiting = 0, stopped = 0, succeeded = 0, apps = 0;
    bool all_ready = true;
    for (size_t i = 0; i < p->n; i++) {
        struct ctr *c = &p->ctrs[i];
        if (c->spec->kind != NODE_CTR_APP)
            continue;
        apps++;
        switch (c->state) {
        case CS_RUNNING:
            running++;
            break;
        case CS_TERMINATED:
            stopped++;
            if (c->term.exit_code == 0 && !c->start_failed)
                succeeded++;
            break;
        default:
            if (c->has_last)
                stopped++;
            else
                waiting++;
        }
        if (!c->ready)
            all_ready = false;
    }
    const char *phase;
    bool init_failed = false;
    for (size_t i = 0; i < p->n; i++) {
        struct ctr *c = &p->ctrs[i];
        if (c->spec->kind == NODE_CTR_INIT && c->state == CS_TERMINATED &&
            (c->term.exit_code != 0 || c->start_failed) && p->spec->restart == NODE_RESTART_NEVER)
            init_failed = true;
    }
    if (init_failed)
        phase = "Failed";
    else if (!p->initialized)
        phase = "Pending";
    else if (waiting > 0)
        phase = "Pending";
    else if (running > 0)
        phase = "Running";
    else if (stopped > 0) {
        if (p->stopping || p->done) {
            phase = stopped == succeeded ? "Succeeded" : "Failed";
        } else if (p->spec->restart == NODE_RESTART_ALWAYS)
            phase = "Running";
        else if (stopped == succeeded)
            phase = "Succeeded";
        else if (p->spec->restart == NODE_RESTART_NEVER)
            phase = "Failed";
        else
            phase = "Running";
    } else
        phase = "Pending";
    if (strcmp(phase, p->phase) != 0) {
        p->phase = phase;
        p->dirty = true;
    }
    if (!p->start_time && p->sandbox_ready)
        p->start_time = wall();
    bool cready = apps > 0 && all_ready && running == apps;
    if (cready != p->cready) {
        p->cready = p->ready = cready;
        p->t_cready = p->t_ready = wall();
        p->dirty = true;
    }
    (void)apps;
}

/* Whether the pod has nothing left to run. */
static bool
pod_finished(const struct pod *p)
{
    if (!strcmp(p->phase, "Failed") && !p->initialized)
        return true;
    for (size_t i = 0; i < p->n; i++) {
        const struct ctr *c = &p->ctrs[i];
        if (c->state == CS_RUNNING || c->state == CS_STARTING)
            return false;
        if (p->stopping)
            continue;
        if (c->spec->kind == NODE_CTR_APP && c->state != CS_TERMINATED)
            return false;
        if (c->spec->kind == NODE_CTR_APP && c->state == CS_TERMINATED && should_restart(c))
            return false;
        if (c->spec->kind == NODE_CTR_INIT && c->state == CS_TERMINATED && should_restart(c))
            return false;
    }
    return true;
}

static void
pod_stop(struct pod *p, double grace)
{
    if (p->stopping)
        return;
    p->stopping = true;
    p->dirty = true;
    for (size_t i = 0; i < p->n; i++) {
        struct ctr *c = &p->ctrs[i];
        begin_kill(c, grace, "stop");
        if (c->state == CS_WAITING || c->state == CS_NONE)
            c->restart_at = 0;
    }
}

static void
sync_pod(struct pod *p, double now)
{
    struct node_super *s = p->sup;
    if (p->done)
        return;
    if (!p->sandbox_ready && !p->stopping) {
        if (now < p->sandbox_retry)
            return;
        struct pkg_err *e = NULL;
        if (sandbox_create(p, &e)) {
            set_msg(&p->sandbox_err, e->msg);
            for (size_t i = 0; i < p->n; i++)
                set_waiting(&p->ctrs[i], "ContainerCreating", e->msg);
            p->sandbox_retry = now + 10 * s->scale;
            pkg_err_free(e);
            return;
        }
        if (hostports_open(p, &e)) {
            set_msg(&p->sandbox_err, e->msg);
            for (size_t i = 0; i < p->n; i++)
                set_waiting(&p->ctrs[i], "ContainerCreating", e->msg);
            p->sandbox_retry = now + 10 * s->scale;
            pkg_err_free(e);
            return;
        }
        set_msg(&p->sandbox_err, NULL);
        p->sandbox_ready = true;
        if (!p->t_sandbox)
            p->t_sandbox = wall();
        p->dirty = true;
    }
    /* Running containers: kill deadlines, probes, hooks. */
    for (size_t i = 0; i < p->n; i++) {
        struct ctr *c = &p->ctrs[i];
        if (c->state == CS_RUNNING || c->state == CS_STARTING) {
            if (c->killing && c->hook_pid <= 0 && now >= c->kill_at)
                kill_ctr(c);
            if (c->hook_pid > 0 && now >= c->hook_deadline) {
                kill_helper(&c->hook_pid);
            }
        }
        if (c->state != CS_RUNNING || c->killing)
            continue;
        for (int k = 0; k < 3; k++) {
            struct probe_run *pr = &c->probes[k];
            if (pr->pid > 0 && now >= pr->deadline)
                kill_helper(&pr->pid);
            if (pr->pid <= 0 && pr->next > 0 && now >= pr->next) {
                const struct node_handler *h = probe_spec(c, k);
                pr->pid = run_handler(c, h);
                pr->deadline = now + h->timeout;
                pr->next = now + h->period;
            }
        }
    }
    if (p->stopping) {
        pod_compute(p);
        if (pod_finished(p))
            p->done = true;
        return;
    }
    /* Init containers in order; sidecars must be started to go on. */
    if (!p->initialized) {
        for (size_t i = 0; i < p->n; i++) {
            struct ctr *c = &p->ctrs[i];
            if (c->spec->kind == NODE_CTR_APP)
                break;
            if (c->spec->kind == NODE_CTR_SIDECAR) {
                if (c->state == CS_RUNNING && c->started)
                    continue;
                if (c->state != CS_RUNNING && c->state != CS_STARTING)
                    maybe_start(c, now);
                goto computed;
            }
            if (c->state == CS_TERMINATED && c->term.exit_code == 0 && !c->start_failed)
                continue;
            if (c->state == CS_RUNNING || c->state == CS_STARTING)
                goto computed;
            if (c->state == CS_TERMINATED && !should_restart(c))
                goto computed; /* failed for good */
            maybe_start(c, now);
            goto computed;
        }
        p->initialized = true;
        p->t_initialized = wall();
        p->dirty = true;
    }
    for (size_t i = 0; i < p->n; i++) {
        struct ctr *c = &p->ctrs[i];
        if (c->spec->kind == NODE_CTR_INIT)
            continue;
        if (c->state == CS_NONE || c->state == CS_WAITING ||
            (c->state == CS_TERMINATED && should_restart(c)))
            maybe_start(c, now);
    }
computed:
    pod_compute(p);
    if (pod_finished(p)) {
        /* Sidecars end with the pod. */
        bool any = false;
        for (size_t i = 0; i < p->n; i++)
            if (p->ctrs[i].state == CS_RUNNING || p->ctrs[i].state == CS_STARTING)
                any = true;
        if (!any) {
            p->done = true;
            pod_compute(p);
        }
    } else if (p->initialized) {
        bool apps_done = true;
        for (size_t i = 0; i < p->n; i++) {
            struct ctr *c = &p->ctrs[i];
            if (c->spec->kind == NODE_CTR_APP && (c->state != CS_TERMINATED || should_restart(c)))
                apps_done = false;
        }
        if (apps_done) {
            p->finishing = true;
            for (size_t i = 0; i < p->n; i++)
                if (p->ctrs[i].spec->kind == NODE_CTR_SIDECAR)
                    begin_kill(&p->ctrs[i], (double)p->spec->grace_seconds, "pod completed");
        }
    }
}

static double
next_deadline(const struct node_super *s)
{
    double best = 0;
#define CONSIDER(t)                                                                                \
    do {                                                                                           \
        double t_ = (t);                                                                           \
        if (t_ > 0 && (best == 0 || t_ < best))                                                    \
            best = t_;                                                                             \
    } while (0)
    for (size_t i = 0; i < s->n_pods; i++) {
        const struct pod *p = s->pods[i];
        if (p->done)
            continue;
        if (s->log_max_size > 0)
            CONSIDER(s->log_next);
        if (!p->sandbox_ready)
            CONSIDER(p->sandbox_retry);
        for (size_t k = 0; k < p->n; k++) {
            const struct ctr *c = &p->ctrs[k];
            if (c->state == CS_WAITING || c->state == CS_TERMINATED)
                CONSIDER(c->restart_at);
            if (c->killing)
                CONSIDER(c->kill_at);
            if (c->hook_pid > 0)
                CONSIDER(c->hook_deadline);
            for (int j = 0; j < 3; j++) {
                if (c->probes[j].pid > 0)
                    CONSIDER(c->probes[j].deadline);
                else if (c->state == CS_RUNNING)
                    CONSIDER(c->probes[j].next);
            }
        }
    }
#undef CONSIDER
    return best;
}

/* ---- reaping ---- */

static void
probe_result(struct ctr *c, int k, bool ok)
{
    const struct node_handler *h = probe_spec(c, k);
    struct probe_run *pr = &c->probes[k];
    if (ok) {
        pr->failures = 0;
        pr->successes++;
    } else {
        pr->successes = 0;
        pr->failures++;
    }
    double now = node_now();
    if (k == 2) { /* startup */
        if (ok && pr->successes >= h->success_threshold && !c->started) {
            c->started = true;
            pr->next = 0; /* done */
            c->ready = !c->spec->readiness.kind;
            for (int j = 0; j < 2; j++)
                if (probe_spec(c, j)->kind)
                    c->probes[j].next = now + probe_spec(c, j)->initial_delay;
            c->pod->dirty = true;
        } else if (!ok && pr->failures >= h->failure_threshold) {
            begin_kill(c, (double)c->pod->spec->grace_seconds, "startup probe failed");
        }
    } else if (k == 1) { /* readiness */
        bool ready = c->ready;
        if (ok && pr->successes >= h->success_threshold)
            ready = true;
        else if (!ok && pr->failures >= h->failure_threshold)
            ready = false;
        if (ready != c->ready) {
            c->ready = ready;
            c->pod->dirty = true;
        }
    } else if (!ok && pr->failures >= h->failure_threshold) {
        begin_kill(c, (double)c->pod->spec->grace_seconds, "liveness probe failed");
    }
}

static void
reap(struct node_super *s)
{
    for (;;) {
        int st;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid <= 0)
            break;
        for (size_t i = 0; i < s->n_pods; i++) {
            struct pod *p = s->pods[i];
            for (size_t k = 0; k < p->n; k++) {
                struct ctr *c = &p->ctrs[k];
                if (c->pid == pid) {
                    on_exit_status(c, st);
                    goto next;
                }
                for (int j = 0; j < 3; j++)
                    if (c->probes[j].pid == pid) {
                        c->probes[j].pid = 0;
                        if (c->state == CS_RUNNING && !c->killing)
                            probe_result(c, j, WIFEXITED(st) && WEXITSTATUS(st) == 0);
                        goto next;
                    }
                if (c->hook_pid == pid) {
                    c->hook_pid = 0;
                    bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
                    if (c->hook_kind == H_PRESTOP && c->killing) {
                        signal_ctr(c, SIGTERM);
                    } else if (c->hook_kind == H_POSTSTART && !ok && c->state == CS_RUNNING) {
                        begin_kill(c, (double)p->spec->grace_seconds, "FailedPostStartHook");
                    }
                    c->hook_kind = H_NONE;
                    goto next;
                }
            }
        }
    next:;
    }
}

/* ---- state ---- */

static void
write_states(struct node_super *s)
{
    for (size_t i = 0; i < s->n_pods; i++) {
        struct pod *p = s->pods[i];
        if (!p->dirty)
            continue;
        struct pkg_err *e = NULL;
        if (pod_state_write(p, &e) == 0)
            p->dirty = false;
        pkg_err_free(e);
    }
}

/* ---- requests ---- */

static void
reply(int fd, const char *msg)
{
    if (send(fd, msg, strlen(msg), MSG_NOSIGNAL) < 0) {
        /* the client went away */
    }
}

static void
handle_request(struct node_super *s, int fd)
{
    char buf[1024];
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (poll(&pfd, 1, 1000) <= 0)
        return;
    ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return;
    buf[n] = 0;
    char cmd[16] = "", key[512] = "";
    int grace = -1;
    sscanf(buf, "%15s %511s %d", cmd, key, &grace);
    struct pod *p = key[0] ? find_pod(s, key) : NULL;
    if (!strcmp(cmd, "ping")) {
        reply(fd, "ok");
    } else if (!strcmp(cmd, "run")) {
        struct pkg_err *e = NULL;
        if (node_super_add(s, key, &e)) {
            char out[1200];
            snprintf(out, sizeof(out), "err %s", e->msg);
            reply(fd, out);
            pkg_err_free(e);
        } else {
            reply(fd, "ok");
        }
    } else if (!strcmp(cmd, "stop") || !strcmp(cmd, "rm")) {
        if (!p) {
            reply(fd, "err no such pod");
            return;
        }
        if (!strcmp(cmd, "rm"))
            p->removing = true;
        p->done = false;
        pod_stop(p, grace >= 0 ? grace : (double)p->spec->grace_seconds);
        reply(fd, "ok");
    } else if (!strcmp(cmd, "shutdown")) {
        s->quit = true;
        reply(fd, "ok");
    } else {
        reply(fd, "err unknown request");
    }
}

/* ---- setup and loop ---- */

static int
listen_on(struct node_super *s, const char *path, struct pkg_err **errp)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return pkg_err_set(errp, PKG_ELIMIT, "socket path too long: %s", path);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return pkg_err_sys(errp, "socket");
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
        int rc = pkg_err_sys(errp, "bind %s", path);
        close(fd);
        return rc;
    }
    chmod(path, 0600);
    s->lsock = fd;
    s->sockpath = xstrdup(path);
    ep_listen.data.ptr = &s->lsock;
    epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ep_listen);
    return 0;
}

int
node_super_new(struct node_super **out, const char *home, bool daemon, struct pkg_err **errp)
{
    struct node_super *s = xcalloc(1, sizeof(*s));
    s->home = xstrdup(home);
    s->daemon = daemon;
    s->lsock = s->sigfd = s->epfd = s->lockfd = -1;
    const char *sc = getenv("PKG_NODE_BACKOFF_SCALE");
    s->scale = sc && *sc ? strtod(sc, NULL) : 1.0;
    if (!(s->scale > 0))
        s->scale = 1.0;
    int rc = node_log_settings(&s->log_max_size, &s->log_max_files, &s->log_every, errp);
    if (rc) {
        free(s->home);
        free(s);
        return rc;
    }
    s->log_next = node_now() + s->log_every;
    struct utsname u;
    uname(&u);
    snprintf(s->nodename, sizeof(s->nodename), "%s", u.nodename);
    snprintf(s->hostip, sizeof(s->hostip), "127.0.0.1");
    s->cpus = get_nprocs();
    struct sysinfo si;
    if (sysinfo(&si) == 0)
        s->memory = (int64_t)si.totalram * si.mem_unit;
    const char *parent = getenv("PKG_NODE_CGROUP_PARENT");
    cleanup_free char *pods = xasprintf("%s/pods", home);
    if ((rc = cg_open(&s->cg, "/proc", "", parent && *parent ? parent : "pkg", errp)))
        goto fail;
    node_seccomp_set_cache(home);
    if ((rc = node_net_bridge_up(errp)))
        goto fail;
    if ((rc = node_mkdir_p(pods, 0700, errp)))
        goto fail;
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    /* No curl_global_init here: libcurl (and the TLS stack it loads) is
     * needed only by httpGet probes; run_net_check loads it before the
     * first one forks. Loading it here cost every pod start milliseconds. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    s->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (s->sigfd < 0 || s->epfd < 0) {
        rc = pkg_err_sys(errp, "signalfd/epoll");
        goto fail;
    }
    ep_sig.data.ptr = &s->sigfd;
    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sigfd, &ep_sig);
    if (daemon) {
        cleanup_free char *lock = xasprintf("%s/node.lock", home);
        s->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (s->lockfd < 0 || flock(s->lockfd, LOCK_EX | LOCK_NB) < 0) {
            rc = pkg_err_set(errp, PKG_ESTATE, "another pkg node runs for %s", home);
            goto fail;
        }
        cleanup_free char *sock = xasprintf("%s/node.sock", home);
        if ((rc = listen_on(s, sock, errp)))
            goto fail;
        /* Tests and scripts stop the daemon by this pid. */
        cleanup_free char *pidf = xasprintf("%s/node.pid", home);
        char pidbuf[32];
        int pn = snprintf(pidbuf, sizeof(pidbuf), "%d\n", (int)getpid());
        if ((rc = fs_write_atomic(pidf, pidbuf, (size_t)pn, 0644, errp)))
            goto fail;
        /* Adopt every pod nobody holds. */
        DIR *d = opendir(pods);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            struct pkg_err *e = NULL;
            if (node_super_add(s, de->d_name, &e) && e->code != PKG_ESTATE)
                fprintf(stderr, "pkg node: pod %s: %s\n", de->d_name, e->msg);
            pkg_err_free(e);
        }
        if (d)
            closedir(d);
    }
    *out = s;
    return 0;
fail:
    node_super_free(s);
    return rc;
}

/* The foreground supervisor serves its pod's socket (for stop and rm):
 * in the sandbox's tmpfs (run/sup.sock) once there is one, else (the
 * sandbox cannot be made yet) in the pod directory. */
static void
serve_pod_socket(struct node_super *s)
{
    if (s->daemon || s->lsock >= 0 || s->n_pods == 0)
        return;
    struct pod *p = s->pods[0];
    if (!p->sandbox_ready && !p->sandbox_err)
        return;
    cleanup_free char *sock = xasprintf("%s/%ssup.sock", p->dir, p->sandbox_ready ? "run/" : "");
    struct pkg_err *e = NULL;
    listen_on(s, sock, &e);
    pkg_err_free(e);
}

void
node_super_remove_when_done(struct node_super *s, const char *key)
{
    struct pod *p = find_pod(s, key);
    if (p)
        p->removing = true;
}

static void
finish_pod(struct node_super *s, size_t i)
{
    struct pod *p = s->pods[i];
    if (strcmp(p->phase, "Failed") == 0)
        s->any_failed = true;
    s->last_phase = p->phase;
    if (p->removing) {
        struct pkg_err *e = NULL;
        if (sandbox_destroy(s->home, p->dir, s->cg, p->uid, &e)) {
            pkg_err_wrap(&e, "remove pod %s", p->key);
            if (s->daemon)
                fprintf(stderr, "pkg node: %s\n", e->msg);
            if (s->daemon || s->rm_err)
                pkg_err_free(e);
            else
                s->rm_err = e;
        }
    } else {
        struct pkg_err *e = NULL;
        pod_state_write(p, &e);
        pkg_err_free(e);
        p->dirty = false;
        if (s->daemon)
            return; /* stays known: stop, then rm later */
    }
    pod_free(p);
    memmove(&s->pods[i], &s->pods[i + 1], (s->n_pods - i - 1) * sizeof(*s->pods));
    s->n_pods--;
}

/* Rotates the log of every running container past the size limit. */
static void
rotate_logs(struct node_super *s)
{
    for (size_t i = 0; i < s->n_pods; i++) {
        struct pod *p = s->pods[i];
        for (size_t k = 0; k < p->n && !p->done; k++) {
            struct ctr *c = &p->ctrs[k];
            if (c->state != CS_RUNNING || !c->log_path)
                continue;
            struct pkg_err *e = NULL;
            if (node_log_rotate(c->log_path, s->log_max_size, s->log_max_files, &e)) {
                if (!s->log_warned) /* once: the file system cannot cut (tmpfs) */
                    fprintf(stderr, "pkg node: warning: log rotation: %s\n", e ? e->msg : "failed");
                s->log_warned = true;
            }
            pkg_err_free(e);
        }
    }
}

int
node_super_run(struct node_super *s, bool *failed, const char **phase, struct pkg_err **errp)
{
    struct epoll_event evs[64];
    while (!s->quit) {
        double now = node_now();
        for (size_t i = 0; i < s->n_pods; i++) {
            struct pod *p = s->pods[i];
            sync_pod(p, now);
            if (p->done && p->n_hostports) { /* a stopped pod serves no ports */
                for (size_t k = 0; k < p->n_hostports; k++)
                    close(p->hostports[k].fd);
                free(p->hostports);
                p->hostports = NULL;
                p->n_hostports = 0;
            }
        }
        if (s->log_max_size > 0 && now >= s->log_next) {
            rotate_logs(s);
            s->log_next = now + s->log_every;
        }
        write_states(s);
        serve_pod_socket(s);
        for (size_t i = 0; i < s->n_pods;) {
            struct pod *p = s->pods[i];
            if (p->done && (p->removing || !s->daemon) && !p->dirty) {
                size_t before = s->n_pods;
                finish_pod(s, i);
                if (s->n_pods < before)
                    continue;
            } else if (p->done && s->daemon && !p->removing) {
                /* keep */
            }
            i++;
        }
        if (!s->daemon && s->n_pods == 0)
            break;
        if (s->stop_all) {
            bool all = true;
            for (size_t i = 0; i < s->n_pods; i++)
                all = all && s->pods[i]->done;
            if (all && s->daemon)
                break;
        }
        double dl = next_deadline(s);
        int timeout = -1;
        if (dl > 0) {
            double ms = (dl - node_now()) * 1000;
            timeout = ms <= 0 ? 0 : (int)ceil(ms);
        }
        int n = epoll_wait(s->epfd, evs, 64, timeout);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            int *fdp = evs[i].data.ptr;
            if (fdp == &s->sigfd) {
                struct signalfd_siginfo si;
                while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                    if (si.ssi_signo == SIGCHLD)
                        reap(s);
                    else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
                        s->stop_all = true;
                        if (s->daemon)
                            s->quit = true; /* pods keep running; a new supervisor adopts */
                        else
                            for (size_t k = 0; k < s->n_pods; k++)
                                pod_stop(s->pods[k], (double)s->pods[k]->spec->grace_seconds);
                    }
                }
            } else if (fdp == &s->lsock) {
                int c;
                while ((c = accept4(s->lsock, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
                    handle_request(s, c);
                    close(c);
                }
            } else {
                /* A container's error pipe, an adopted container's pidfd, or
                 * a hostPort listener. */
                for (size_t k = 0; k < s->n_pods; k++) {
                    struct pod *p = s->pods[k];
                    for (size_t j = 0; j < p->n_hostports; j++)
                        if (fdp == &p->hostports[j].fd)
                            hostport_accept(p, &p->hostports[j]);
                    for (size_t j = 0; j < p->n; j++) {
                        struct ctr *c = &p->ctrs[j];
                        if (fdp == &c->errfd) {
                            read_start_error(c);
                        } else if (fdp == &c->pidfd && c->adopted) {
                            /* Not our child: its status comes from the
                             * kernel's record or the zombie (-1: lost). */
                            int status;
                            if (node_exit_status_of(c->pidfd, c->pid, c->pid_start, &status))
                                status = -1;
                            on_exit_status(c, status);
                        }
                    }
                }
            }
        }
        /* A container whose exec succeeded moved to running above. */
    }
    write_states(s);
    if (failed)
        *failed = s->any_failed;
    if (phase)
        *phase = s->last_phase;
    if (s->rm_err) {
        *errp = s->rm_err;
        s->rm_err = NULL;
        return (*errp)->code;
    }
    return 0;
}

void
node_super_free(struct node_super *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_pods; i++)
        pod_free(s->pods[i]);
    free(s->pods);
    if (s->sockpath) {
        unlink(s->sockpath);
        free(s->sockpath);
    }
    if (s->lsock >= 0)
        close(s->lsock);
    if (s->sigfd >= 0)
        close(s->sigfd);
    if (s->epfd >= 0)
        close(s->epfd);
    if (s->lockfd >= 0) {
        cleanup_free char *pidf = xasprintf("%s/node.pid", s->home);
        unlink(pidf);
        close(s->lockfd);
    }
    cg_free(s->cg);
    pkg_err_free(s->rm_err);
    free(s->home);
    free(s);
}
