/* Pod status the way Kubernetes reports it (phase, conditions,
 * containerStatuses with running/waiting/terminated, lastState,
 * restartCount, qosClass...), and the state file a supervisor writes after
 * each change: the Kubernetes status plus what a new supervisor needs to
 * adopt the pod (pids, back-off, counters). */
#include "engine/node/node-int.h"
#include "engine/node/runtime.h"
#include "engine/node/super.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

char *
node_rfc3339(char buf[32], int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

static struct val *
ts(struct arena *a, int64_t t)
{
    char buf[32];
    return t ? val_strz(a, node_rfc3339(buf, t)) : val_null(a);
}

static void
set(struct arena *a, struct val *m, const char *k, struct val *v)
{
    val_map_setz(a, m, k, v);
}

static struct val *
term_val(struct arena *a, const struct term_info *t)
{
    struct val *m = val_map(a);
    if (t->id[0])
        set(a, m, "containerID", val_strf(a, "pkg://%s", t->id));
    set(a, m, "exitCode", val_int(a, t->exit_code));
    set(a, m, "finishedAt", ts(a, t->finished_at));
    if (t->message && *t->message)
        set(a, m, "message", val_strz(a, t->message));
    set(a, m, "reason", val_strz(a, t->reason));
    if (t->signal)
        set(a, m, "signal", val_int(a, t->signal));
    /* A container that never started reports the epoch, as kubelet does. */
    char buf[32];
    set(a, m, "startedAt", val_strz(a, node_rfc3339(buf, t->started_at)));
    return m;
}

static struct val *
ctr_status(struct arena *a, const struct ctr *c)
{
    struct val *m = val_map(a);
    const struct node_image *img = c->image;
    if (c->id[0] && c->state != CS_WAITING && c->state != CS_NONE)
        set(a, m, "containerID", val_strf(a, "pkg://%s", c->id));
    set(a, m, "image", val_strz(a, img && img->ref ? img->ref : c->spec->image));
    if (img) {
        if (img->manifest && img->ref) {
            const char *at = strchr(img->ref, '@');
            const char *colon = strrchr(img->ref, ':');
            const char *slash = strrchr(img->ref, '/');
            size_t n = at                                     ? (size_t)(at - img->ref)
                       : (colon && (!slash || colon > slash)) ? (size_t)(colon - img->ref)
                                                              : strlen(img->ref);
            set(a, m, "imageID", val_strf(a, "%.*s@%s", (int)n, img->ref, img->manifest));
        } else {
            set(a, m, "imageID", val_strz(a, img->id));
        }
    }
    struct val *last = val_map(a);
    if (c->has_last)
        set(a, last, "terminated", term_val(a, &c->last));
    set(a, m, "lastState", last);
    set(a, m, "name", val_strz(a, c->spec->name));
    set(a, m, "ready", val_bool(a, c->ready));
    set(a, m, "restartCount", val_int(a, c->restart_count));
    set(a, m, "started", val_bool(a, c->state == CS_RUNNING && c->started));
    struct val *st = val_map(a);
    switch (c->state) {
    case CS_RUNNING: {
        struct val *r = val_map(a);
        set(a, r, "startedAt", ts(a, c->started_at));
        set(a, st, "running", r);
        break;
    }
    case CS_TERMINATED:
        set(a, st, "terminated", term_val(a, &c->term));
        break;
    default: {
        struct val *w = val_map(a);
        if (c->message && *c->message)
            set(a, w, "message", val_strz(a, c->message));
        const char *reason = c->reason[0] ? c->reason
                             : c->spec->kind == NODE_CTR_APP && !c->pod->initialized
                                 ? "PodInitializing"
                                 : "ContainerCreating";
        set(a, w, "reason", val_strz(a, reason));
        set(a, st, "waiting", w);
    }
    }
    set(a, m, "state", st);
    return m;
}

static struct val *
condition(struct arena *a, const char *type, bool ok, int64_t t, const char *reason,
          const char *msg)
{
    struct val *m = val_map(a);
    set(a, m, "lastProbeTime", val_null(a));
    set(a, m, "lastTransitionTime", ts(a, t));
    if (!ok && msg)
        set(a, m, "message", val_strz(a, msg));
    if (!ok && reason)
        set(a, m, "reason", val_strz(a, reason));
    set(a, m, "status", val_strz(a, ok ? "True" : "False"));
    set(a, m, "type", val_strz(a, type));
    return m;
}

static const char *
qos_class(const struct pod *p)
{
    bool any = false, guaranteed = true;
    for (size_t i = 0; i < p->n; i++) {
        const struct node_container *c = p->ctrs[i].spec;
        if (c->cpu_limit_milli || c->mem_limit || c->cpu_request_milli || c->mem_request)
            any = true;
        if (!c->cpu_limit_milli || !c->mem_limit || c->cpu_request_milli != c->cpu_limit_milli ||
            c->mem_request != c->mem_limit)
            guaranteed = false;
    }
    return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
}

struct val *
pod_status_val(struct arena *a, const struct pod *p)
{
    struct val *st = val_map(a);
    struct val *conds = val_seq(a);
    struct sb un = SB_INIT, ui = SB_INIT;
    for (size_t i = 0; i < p->n; i++) {
        const struct ctr *c = &p->ctrs[i];
        if (c->spec->kind == NODE_CTR_APP && !c->ready)
            sb_addf(&un, "%s%s", un.len ? " " : "", c->spec->name);
        if (c->spec->kind != NODE_CTR_APP && !p->initialized)
            if (!(c->state == CS_TERMINATED && c->term.exit_code == 0) &&
                !(c->spec->kind == NODE_CTR_SIDECAR && c->started))
                sb_addf(&ui, "%s%s", ui.len ? " " : "", c->spec->name);
    }
    bool terminal = !strcmp(p->phase, "Succeeded") || !strcmp(p->phase, "Failed");
    char unready[600], uninit[600];
    snprintf(unready, sizeof(unready), "containers with unready status: [%s]", un.buf);
    snprintf(uninit, sizeof(uninit), "containers with incomplete status: [%s]", ui.buf);
    val_seq_push(a, conds,
                 condition(a, "PodReadyToStartContainers", p->sandbox_ready && !terminal,
                           p->t_sandbox ? p->t_sandbox : p->created, NULL, NULL));
    val_seq_push(a, conds,
                 condition(a, "Initialized", p->initialized,
                           p->t_initialized ? p->t_initialized : p->created,
                           "ContainersNotInitialized", uninit));
    const char *nr = terminal ? "PodCompleted" : "ContainersNotReady";
    val_seq_push(a, conds,
                 condition(a, "Ready", p->ready && !terminal, p->t_ready ? p->t_ready : p->created,
                           nr, terminal ? NULL : unready));
    val_seq_push(a, conds,
                 condition(a, "ContainersReady", p->cready && !terminal,
                           p->t_cready ? p->t_cready : p->created, nr, terminal ? NULL : unready));
    val_seq_push(a, conds, condition(a, "PodScheduled", true, p->t_scheduled, NULL, NULL));
    sb_release(&un);
    sb_release(&ui);
    set(a, st, "conditions", conds);
    struct val *cs = val_seq(a), *ics = val_seq(a);
    for (size_t i = 0; i < p->n; i++)
        val_seq_push(a, p->ctrs[i].spec->kind == NODE_CTR_APP ? cs : ics,
                     ctr_status(a, &p->ctrs[i]));
    set(a, st, "containerStatuses", cs);
    const char *hostip = node_super_hostip(p->sup);
    set(a, st, "hostIP", val_strz(a, hostip));
    struct val *hips = val_seq(a), *hip = val_map(a);
    set(a, hip, "ip", val_strz(a, hostip));
    val_seq_push(a, hips, hip);
    set(a, st, "hostIPs", hips);
    if (val_seq_len(ics))
        set(a, st, "initContainerStatuses", ics);
    if (p->sandbox_err && !p->sandbox_ready)
        set(a, st, "message", val_strz(a, p->sandbox_err));
    set(a, st, "phase", val_strz(a, p->phase));
    if (p->ip[0]) {
        set(a, st, "podIP", val_strz(a, p->ip));
        struct val *ips = val_seq(a), *ip = val_map(a);
        set(a, ip, "ip", val_strz(a, p->ip));
        val_seq_push(a, ips, ip);
        set(a, st, "podIPs", ips);
    }
    set(a, st, "qosClass", val_strz(a, qos_class(p)));
    if (p->start_time)
        set(a, st, "startTime", ts(a, p->start_time));
    return st;
}

static struct val *
term_rt(struct arena *a, const struct term_info *t)
{
    struct val *m = val_map(a);
    set(a, m, "exitCode", val_int(a, t->exit_code));
    set(a, m, "signal", val_int(a, t->signal));
    set(a, m, "reason", val_strz(a, t->reason));
    if (t->message)
        set(a, m, "message", val_strz(a, t->message));
    set(a, m, "startedAtUnix", val_int(a, t->started_at));
    set(a, m, "finishedAtUnix", val_int(a, t->finished_at));
    set(a, m, "id", val_strz(a, t->id));
    return m;
}

int
pod_state_write(struct pod *p, struct pkg_err **errp)
{
    struct arena *a = arena_new();
    struct val *root = val_map(a);
    set(a, root, "uid", val_strz(a, p->uid));
    set(a, root, "namespace", val_strz(a, p->spec->ns));
    set(a, root, "name", val_strz(a, p->spec->name));
    set(a, root, "created", val_int(a, p->created));
    set(a, root, "startTime", val_int(a, p->start_time));
    set(a, root, "phase", val_strz(a, p->phase));
    struct val *images = val_map(a);
    for (size_t i = 0; i < p->n; i++)
        if (p->ctrs[i].image)
            set(a, images, p->ctrs[i].spec->name, val_strz(a, p->ctrs[i].image->id));
    set(a, root, "images", images);
    struct val *owner = val_map(a);
    set(a, owner, "pid", val_int(a, getpid()));
    set(a, root, "owner", owner);
    set(a, root, "status", pod_status_val(a, p));
    struct val *rt = val_map(a);
    set(a, rt, "initialized", val_bool(a, p->initialized));
    set(a, rt, "tInitialized", val_int(a, p->t_initialized));
    set(a, rt, "tSandbox", val_int(a, p->t_sandbox));
    set(a, rt, "tScheduled", val_int(a, p->t_scheduled));
    set(a, rt, "done", val_bool(a, p->done));
    struct cg *cg = node_super_cg(p->sup);
    set(a, rt, "cgroupMode", val_strz(a, cg ? cg->ops->name : "none"));
    struct val *cs = val_map(a);
    for (size_t i = 0; i < p->n; i++) {
        const struct ctr *c = &p->ctrs[i];
        struct val *m = val_map(a);
        static const char *const names[] = {"none", "waiting", "starting", "running", "terminated"};
        set(a, m, "state", val_strz(a, names[c->state]));
        set(a, m, "pid", val_int(a, c->pid));
        set(a, m, "pidStart", val_int(a, (int64_t)c->pid_start));
        set(a, m, "id", val_strz(a, c->id));
        set(a, m, "restartCount", val_int(a, c->restart_count));
        set(a, m, "backoffMs", val_int(a, (int64_t)(c->backoff * 1000)));
        set(a, m, "startedAtUnix", val_int(a, c->started_at));
        set(a, m, "oomBase", val_int(a, (int64_t)c->oom_base));
        if (c->log_path)
            set(a, m, "log", val_strz(a, c->log_path));
        if (c->state == CS_TERMINATED)
            set(a, m, "term", term_rt(a, &c->term));
        if (c->has_last)
            set(a, m, "last", term_rt(a, &c->last));
        val_map_setz(a, cs, c->spec->name, m);
    }
    set(a, rt, "containers", cs);
    set(a, root, "runtime", rt);
    struct sb sb = SB_INIT;
    int rc = val_json_emit(&sb, root, VAL_JSON_KEEP_ORDER, errp);
    if (!rc) {
        cleanup_free char *path = xasprintf("%s/state.json", p->dir);
        rc = node_state_file_write(path, sb.buf, sb.len, errp);
    }
    sb_release(&sb);
    arena_free(a);
    return rc;
}
