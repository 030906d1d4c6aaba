/* pkg pod: run Kubernetes pods on this machine with the node runtime, and
 * pkg node: the supervisor daemon `pkg pod run -d` hands pods to. */
#include "cmd/pkg/cli.h"
#include "cmd/pkg/cmds.h"
#include "core/arena.h"
#include "core/core.h"
#include "engine/node/node.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct strv opt_files;
static bool opt_detach, opt_rm, opt_insecure, opt_follow, opt_previous, opt_all;
static const char *opt_output, *opt_container;
static long opt_grace = -1, opt_tail = -1;
static const char *opt_log_max_size, *opt_log_max_files;

const struct opt *
cmd_pod_opts(void)
{
    static const struct opt opts[] = {
        {"filename", 'f', OPT_STRINGS, &opt_files, "FILE",
         "run: pod manifest (a Pod or a workload's pod template; ConfigMaps and Secrets "
         "beside it); repeatable",
         NULL},
        {"detach", 'd', OPT_BOOL, &opt_detach, NULL,
         "run: hand the pod to the pkg node supervisor and return", NULL},
        {"rm", 0, OPT_BOOL, &opt_rm, NULL, "run: remove the pod when it ends (foreground)", NULL},
        {"insecure", 0, OPT_BOOL, &opt_insecure, NULL, "run: pull images over plain HTTP", NULL},
        {"output", 'o', OPT_STRING, &opt_output, "FORMAT", "get/ls: yaml, json or wide", NULL},
        {"container", 'c', OPT_STRING, &opt_container, "NAME", "logs/exec: the container", NULL},
        {"follow", 'f', OPT_BOOL, &opt_follow, NULL, "logs: keep printing new lines", NULL},
        {"previous", 'p', OPT_BOOL, &opt_previous, NULL,
         "logs: the instance before the last restart", NULL},
        {"tail", 0, OPT_INT, &opt_tail, "LINES",
         "logs: only the last LINES lines (counted across rotated files)", NULL},
        {"all-namespaces", 'A', OPT_BOOL, &opt_all, NULL, "ls: pods of every namespace", NULL},
        {"grace-period", 0, OPT_INT, &opt_grace, "SECONDS",
         "stop/rm: seconds before SIGKILL (default: the pod's own)", NULL},
        OPT_END,
    };
    return opts;
}

/* `-f` means --filename for run and --follow for logs: the table has both,
 * so pick by subcommand before parsing. */
static const struct opt *
opts_for(const char *sub)
{
    static struct opt run_opts[16], other_opts[16];
    const struct opt *all = cmd_pod_opts();
    struct opt *dst = sub && !strcmp(sub, "logs") ? other_opts : run_opts;
    size_t n = 0;
    for (const struct opt *o = all; o->name; o++) {
        if (dst == run_opts && !strcmp(o->name, "follow"))
            continue;
        if (dst == other_opts && !strcmp(o->name, "filename"))
            continue;
        dst[n++] = *o;
    }
    dst[n] = (struct opt)OPT_END;
    return dst;
}

static void
human_age(char *buf, size_t n, int64_t secs)
{
    if (secs < 0)
        secs = 0;
    int64_t m = secs / 60, h = secs / 3600, d = h / 24;
    if (secs < 120)
        snprintf(buf, n, "%llds", (long long)secs);
    else if (m < 10)
        snprintf(buf, n, secs % 60 ? "%lldm%llds" : "%lldm", (long long)m, (long long)(secs % 60));
    else if (m < 180)
        snprintf(buf, n, "%lldm", (long long)m);
    else if (h < 8)
        snprintf(buf, n, m % 60 ? "%lldh%lldm" : "%lldh", (long long)h, (long long)(m % 60));
    else if (h < 48)
        snprintf(buf, n, "%lldh", (long long)h);
    else if (h < 24 * 8)
        snprintf(buf, n, h % 24 ? "%lldd%lldh" : "%lldd", (long long)d, (long long)(h % 24));
    else
        snprintf(buf, n, "%lldd", (long long)d);
}

static int64_t
parse_ts(const char *s)
{
    struct tm tm = {0};
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return 0;
    return (int64_t)timegm(&tm);
}

static const char *
jstr(const struct val *m, const char *k)
{
    struct val *v = m && m->kind == VAL_MAP ? val_map_getz(m, k) : NULL;
    return v && v->kind == VAL_STRING ? v->u.s.ptr : NULL;
}

static struct val *
jmap(const struct val *m, const char *k)
{
    struct val *v = m && m->kind == VAL_MAP ? val_map_getz(m, k) : NULL;
    return v && v->kind == VAL_MAP ? v : NULL;
}

static struct val *
jseq(const struct val *m, const char *k)
{
    struct val *v = m && m->kind == VAL_MAP ? val_map_getz(m, k) : NULL;
    return v && v->kind == VAL_SEQ ? v : NULL;
}

static int64_t
jint(const struct val *m, const char *k)
{
    struct val *v = m && m->kind == VAL_MAP ? val_map_getz(m, k) : NULL;
    return v && v->kind == VAL_INT ? v->u.i : v && v->kind == VAL_FLOAT ? (int64_t)v->u.f : 0;
}

/* kubectl's pod STATUS column (printPod). */
static void
pod_row(const struct val *pod, char *status, size_t sn, int *ready, int *total, int64_t *restarts,
        int64_t *last_restart)
{
    const struct val *st = jmap(pod, "status");
    const char *reason = jstr(st, "reason") ? jstr(st, "reason") : jstr(st, "phase");
    snprintf(status, sn, "%s", reason ? reason : "Unknown");
    *ready = *total = 0;
    *restarts = *last_restart = 0;
    struct val *ics = jseq(st, "initContainerStatuses");
    struct val *inits = jseq(jmap(pod, "spec"), "initContainers");
    bool initializing = false;
    for (size_t i = 0; ics && i < val_seq_len(ics); i++) {
        const struct val *c = val_seq_at(ics, i);
        *restarts += jint(c, "restartCount");
        const struct val *s = jmap(c, "state");
        const struct val *t = jmap(s, "terminated"), *w = jmap(s, "waiting");
        struct val *started = c && c->kind == VAL_MAP ? val_map_getz(c, "started") : NULL;
        bool sidecar = false;
        for (size_t k = 0; inits && k < val_seq_len(inits); k++)
            if (jstr(val_seq_at(inits, k), "name") && jstr(c, "name") &&
                !strcmp(jstr(val_seq_at(inits, k), "name"), jstr(c, "name")) &&
                jstr(val_seq_at(inits, k), "restartPolicy"))
                sidecar = true;
        if (initializing)
            continue;
        if (t && jint(t, "exitCode") == 0)
            continue;
        if (sidecar && started && started->kind == VAL_BOOL && started->u.b)
            continue;
        if (t) {
            const char *r = jstr(t, "reason");
            if (r && *r)
                snprintf(status, sn, "Init:%s", r);
            else
                snprintf(status, sn, "Init:ExitCode:%lld", (long long)jint(t, "exitCode"));
        } else if (w && jstr(w, "reason") && strcmp(jstr(w, "reason"), "PodInitializing") != 0) {
            snprintf(status, sn, "Init:%s", jstr(w, "reason"));
        } else {
            snprintf(status, sn, "Init:%zu/%zu", i, inits ? val_seq_len(inits) : 0);
        }
        initializing = true;
    }
    struct val *cs = jseq(st, "containerStatuses");
    *total = cs ? (int)val_seq_len(cs) : 0;
    bool running = false;
    for (size_t i = cs ? val_seq_len(cs) : 0; i-- > 0;) {
        const struct val *c = val_seq_at(cs, i);
        *restarts += jint(c, "restartCount");
        const struct val *lt = jmap(jmap(c, "lastState"), "terminated");
        if (lt && parse_ts(jstr(lt, "finishedAt")) > *last_restart)
            *last_restart = parse_ts(jstr(lt, "finishedAt"));
        if (initializing)
            continue;
        const struct val *s = jmap(c, "state");
        const struct val *t = jmap(s, "terminated"), *w = jmap(s, "waiting");
        struct val *rd = val_map_getz(c, "ready");
        bool is_ready = rd && rd->kind == VAL_BOOL && rd->u.b;
        if (w && jstr(w, "reason") && *jstr(w, "reason"))
            snprintf(status, sn, "%s", jstr(w, "reason"));
        else if (t && jstr(t, "reason") && *jstr(t, "reason"))
            snprintf(status, sn, "%s", jstr(t, "reason"));
        else if (t)
            snprintf(status, sn, jint(t, "signal") ? "Signal:%lld" : "ExitCode:%lld",
                     (long long)(jint(t, "signal") ? jint(t, "signal") : jint(t, "exitCode")));
        else if (is_ready && jmap(s, "running")) {
            running = true;
            (*ready)++;
        }
    }
    if (!initializing && !strcmp(status, "Completed") && running)
        snprintf(status, sn, "Running");
}

/* kubectl's table: text/tabwriter with minwidth 6, padding 3, the last
 * column unpadded. */
enum { POD_COLS_MAX = 7 };

static void
print_table(const struct val *pods, bool with_ns, bool wide)
{
    size_t n = val_seq_len(pods) + 1, ncol = 0;
    struct arena *a = arena_new();
    const char *(*cells)[POD_COLS_MAX] = arena_alloc(a, n * sizeof(*cells));
    const char *head[] = {"NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP"};
    for (size_t c = with_ns ? 0 : 1; c < (wide ? 7u : 6u); c++)
        cells[0][ncol++] = head[c];
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 1; i < n; i++) {
        const struct val *p = val_seq_at(pods, i - 1);
        const struct val *meta = jmap(p, "metadata");
        char status[128], age[32], ago[32];
        int ready, total;
        int64_t restarts, last;
        pod_row(p, status, sizeof(status), &ready, &total, &restarts, &last);
        human_age(age, sizeof(age), now - parse_ts(jstr(meta, "creationTimestamp")));
        const char *rs;
        if (last) {
            human_age(ago, sizeof(ago), now - last);
            rs = arena_sprintf(a, "%lld (%s ago)", (long long)restarts, ago);
        } else {
            rs = arena_sprintf(a, "%lld", (long long)restarts);
        }
        const char *pns = jstr(meta, "namespace"), *pname = jstr(meta, "name");
        const char *ip = jstr(jmap(p, "status"), "podIP");
        size_t c = 0;
        if (with_ns)
            cells[i][c++] = pns ? pns : "";
        cells[i][c++] = pname ? pname : "";
        cells[i][c++] = arena_sprintf(a, "%d/%d", ready, total);
        cells[i][c++] = arena_strdup(a, status);
        cells[i][c++] = rs;
        cells[i][c++] = arena_strdup(a, age);
        if (wide)
            cells[i][c++] = ip && *ip ? ip : "<none>";
    }
    size_t width[POD_COLS_MAX] = {0};
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c + 1 < ncol; c++) {
            size_t w = strlen(cells[i][c]) + 3;
            if (w > width[c])
                width[c] = w < 6 ? 6 : w;
        }
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c + 1 < ncol; c++)
            printf("%-*s", (int)width[c], cells[i][c]);
        printf("%s\n", cells[i][ncol - 1]);
    }
    arena_free(a);
}

/* kubectl prints JSON with four-space indents. */
static void
print_json(const struct sb *sb)
{
    const char *p = sb->buf;
    while (*p) {
        size_t sp = 0;
        while (p[sp] == ' ')
            sp++;
        for (size_t i = 0; i < sp * 2; i++)
            putchar(' ');
        const char *nl = strchr(p + sp, '\n');
        size_t n = nl ? (size_t)(nl - p - sp) : strlen(p + sp);
        fwrite(p + sp, 1, n, stdout);
        putchar('\n');
        p = nl ? nl + 1 : p + sp + n;
    }
}

static int
print_obj(const struct val *v, const char *fmt, struct pkg_err **errp)
{
    struct sb sb = SB_INIT;
    int rc;
    if (!strcmp(fmt, "json")) {
        rc = val_json_emit(&sb, v, VAL_JSON_INDENT, errp);
        if (!rc)
            print_json(&sb);
    } else {
        rc = val_yaml_emit(&sb, v, VAL_YAML_HELM, errp);
        if (!rc)
            fwrite(sb.buf, 1, sb.len, stdout);
    }
    sb_release(&sb);
    return rc;
}

static int
pull_missing(struct arena *a, const char *home, const struct node_pod_spec *spec,
             struct pkg_err **errp)
{
    for (size_t i = 0; i < spec->n_ctrs; i++) {
        const struct node_container *c = &spec->ctrs[i];
        const char *policy = c->pull_policy;
        if (!policy) {
            bool latest =
                (!strchr(c->image, ':') || strstr(c->image, ":latest")) && !strchr(c->image, '@');
            policy = latest ? "Always" : "IfNotPresent";
        }
        struct node_image img;
        struct pkg_err *e = NULL;
        int have = node_image_get(&img, a, home, c->image, &e);
        if (have && e->code != PKG_ENOENT) {
            *errp = e;
            return pkg_err_wrap(errp, "container \"%s\"", c->name);
        }
        pkg_err_free(e);
        e = NULL;
        if (!strcmp(policy, "Never")) {
            if (have)
                return pkg_err_set(errp, PKG_ENOENT,
                                   "container \"%s\": image \"%s\" is not present with pull "
                                   "policy of Never (ErrImageNeverPull)",
                                   c->name, c->image);
            continue;
        }
        if (!have && strcmp(policy, "Always") != 0)
            continue;
        struct node_pull_opts o = {.insecure = opt_insecure};
        if (node_image_pull(&img, a, home, c->image, &o, &e)) {
            if (!have && !strcmp(policy, "Always")) {
                fprintf(stderr, "warning: %s; using the image in the store\n", e->msg);
                pkg_err_free(e);
                continue;
            }
            *errp = e;
            return pkg_err_wrap(errp,
                                "container \"%s\": image \"%s\" is not in the store (ErrImagePull)",
                                c->name, c->image);
        }
    }
    return 0;
}

static int
pod_run(const struct cmd *cmd, struct global_opts *g, const char *home)
{
    if (!opt_files.n)
        return cli_usage_error(cmd, "run needs -f FILE");
    struct arena *a = arena_new();
    struct pkg_err *err = NULL;
    struct node_pod_spec *spec;
    struct val *skipped;
    int status = EXIT_OK;
    if (node_pod_load(&spec, &skipped, a, opt_files.v, opt_files.n, &err))
        goto fail;
    if (g->ns_set && g->ns)
        spec->ns = g->ns;
    for (size_t i = 0; i < val_seq_len(skipped); i++)
        fprintf(stderr, "warning: skipping %s: not a pod\n", val_cstr(val_seq_at(skipped, i)));
    if (pull_missing(a, home, spec, &err))
        goto fail;
    const char *key;
    if (node_pod_create(&key, a, home, spec, opt_files.v, opt_files.n, &err))
        goto fail;
    if (opt_detach) {
        char exe[4096];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n <= 0) {
            pkg_err_sys(&err, "readlink /proc/self/exe");
            goto fail_rm;
        }
        exe[n] = 0;
        if (node_daemon_run_pod(home, exe, key, &err))
            goto fail_rm;
        printf("pod/%s created\n", spec->name);
        goto out;
    }
    struct node_super *s;
    bool failed = false;
    if (node_super_new(&s, home, false, &err))
        goto fail_rm;
    if (node_super_add(s, key, &err)) {
        node_super_free(s);
        goto fail_rm;
    }
    if (opt_rm)
        node_super_remove_when_done(s, key);
    printf("pod/%s created\n", spec->name);
    fflush(stdout);
    /* With --rm the supervisor removes the pod as it finishes it. */
    const char *phase = NULL;
    int rrc = node_super_run(s, &failed, &phase, &err);
    node_super_free(s);
    fprintf(stderr, "pod/%s %s\n", spec->name, phase ? phase : "ended");
    if (rrc)
        goto fail;
    status = failed ? EXIT_ERR : EXIT_OK;
    goto out;
fail_rm : {
    /* Nothing half-made stays behind. */
    struct pkg_err *e2 = NULL;
    node_pod_remove(home, spec->ns, spec->name, 0, &e2);
    pkg_err_free(e2);
}
fail:
    status = cli_fail(err);
out:
    arena_free(a);
    return status;
}

/* Copies fd from its position to stdout. */
static void
copy_out(int fd)
{
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        fwrite(buf, 1, (size_t)n, stdout);
}

/* Where the last `lines` lines of the stream (files in order) begin: the
 * file and the offset in it. A final newline ends the last line. */
static void
tail_start(char **files, size_t nf, long lines, size_t *fi, off_t *off)
{
    *fi = 0;
    *off = 0;
    if (lines == 0 || nf == 1) {
        /* the end, or where the live file's data starts */
        int fd = open(files[nf - 1], O_RDONLY | O_CLOEXEC);
        struct stat st;
        *fi = nf - 1;
        if (fd >= 0 && lines == 0)
            *off = fstat(fd, &st) == 0 ? st.st_size : 0;
        else if (fd >= 0)
            *off = node_log_data_start(fd);
        if (fd >= 0)
            close(fd);
        if (lines == 0)
            return;
    }
    long seen = 0;
    bool last_byte = true;
    char buf[65536];
    for (size_t i = nf; i-- > 0;) {
        int fd = open(files[i], O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0)
            continue;
        off_t end = fstat(fd, &st) == 0 ? st.st_size : 0;
        off_t lo = i == nf - 1 ? node_log_data_start(fd) : 0;
        while (end > lo) {
            off_t start = end - (off_t)sizeof(buf) > lo ? end - (off_t)sizeof(buf) : lo;
            ssize_t k = pread(fd, buf, (size_t)(end - start), start);
            if (k <= 0)
                break;
            for (ssize_t j = k; j-- > 0;) {
                bool nl = buf[j] == '\n', was_last = last_byte;
                last_byte = false;
                if (!nl || was_last)
                    continue;
                if (++seen == lines) {
                    *fi = i;
                    *off = start + j + 1;
                    close(fd);
                    return;
                }
            }
            end = start;
        }
        close(fd);
    }
}

/* Prints the last `missed` bytes of live's rotated files: what a rotation
 * moved out of the live file before we read it (the rotated files end
 * where the live file's data starts). */
static void
rotated_tail(const char *live, off_t missed)
{
    char **v;
    size_t n;
    struct pkg_err *e = NULL;
    if (node_log_files(&v, &n, live, &e)) {
        pkg_err_free(e);
        return;
    }
    size_t i = n - 1; /* v[n - 1] is the live file */
    off_t sum = 0, skip = 0;
    while (i > 0 && sum < missed) {
        struct stat st;
        i--;
        if (stat(v[i], &st) == 0)
            sum += st.st_size;
    }
    if (sum > missed)
        skip = sum - missed;
    for (; i + 1 < n; i++) {
        int fd = open(v[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        struct stat st;
        off_t size = fstat(fd, &st) == 0 ? st.st_size : 0;
        if (skip >= size) {
            skip -= size;
            close(fd);
            continue;
        }
        lseek(fd, skip, SEEK_SET);
        skip = 0;
        copy_out(fd);
        close(fd);
    }
    node_log_files_free(v, n);
}

static int
pod_logs(const char *home, const char *ns, const char *name)
{
    char *path = NULL;
    struct pkg_err *err = NULL;
    if (node_pod_log_path(&path, home, ns, name, opt_container, opt_previous, &err))
        return cli_fail(err);
    /* The live file first: where its data starts before the rotated files
     * are listed (a rotation meanwhile is caught up below). */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        pkg_err_sys(&err, "open %s", path);
        free(path);
        return cli_fail(err);
    }
    off_t pos = node_log_data_start(fd);
    /* Rotated files, oldest first, then the live one. */
    char **files;
    size_t nf;
    if (node_log_files(&files, &nf, path, &err)) {
        close(fd);
        free(path);
        return cli_fail(err);
    }
    size_t fi = 0;
    off_t off = 0;
    if (opt_tail >= 0)
        tail_start(files, nf, opt_tail, &fi, &off);
    for (size_t i = fi; i + 1 < nf; i++) {
        int rfd = open(files[i], O_RDONLY | O_CLOEXEC);
        if (rfd < 0)
            continue; /* pruned meanwhile */
        if (i == fi)
            lseek(rfd, off, SEEK_SET);
        copy_out(rfd);
        close(rfd);
    }
    if (fi == nf - 1 && opt_tail >= 0 && off > pos)
        pos = off;
    node_log_files_free(files, nf);
    char buf[65536];
    for (;;) {
        /* Rotation frees the live file's head and keeps its offsets: when
         * it freed what we had not read yet, that is at the end of the
         * rotated files (and what this read got may be zeros). */
        lseek(fd, pos, SEEK_SET);
        ssize_t n = read(fd, buf, sizeof(buf));
        off_t start = node_log_data_start(fd);
        if (start > pos) {
            rotated_tail(path, start - pos);
            pos = start;
            continue;
        }
        if (n > 0) {
            fwrite(buf, 1, (size_t)n, stdout);
            pos += n;
            continue;
        }
        if (!opt_follow || opt_previous)
            break;
        fflush(stdout);
        if (!node_pod_container_running(home, ns, name, opt_container)) {
            /* Drain what the last moments wrote, then stop. */
            while ((n = pread(fd, buf, sizeof(buf), pos)) > 0) {
                fwrite(buf, 1, (size_t)n, stdout);
                pos += n;
            }
            break;
        }
        /* A restart moves to a new file. */
        char *now = NULL;
        struct pkg_err *e = NULL;
        if (node_pod_log_path(&now, home, ns, name, opt_container, false, &e) == 0 &&
            strcmp(now, path) != 0) {
            close(fd);
            free(path);
            path = now;
            fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                break;
            pos = node_log_data_start(fd);
            continue;
        }
        free(now);
        pkg_err_free(e);
        usleep(100000);
    }
    if (fd >= 0)
        close(fd);
    free(path);
    return EXIT_OK;
}

int
cmd_pod(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    bool help = false;
    const char *sub = argc > 1 ? argv[1] : NULL;
    int rc = cli_parse(cmd, opts_for(sub), argc, argv, g, &pos, &help);
    if (rc || help)
        return rc;
    if (pos.n < 1)
        return cli_usage_error(cmd, "missing subcommand (run, ls, get, logs, exec, stop, rm)");
    sub = pos.v[0];
    cleanup_free char *home = node_home_default();
    const char *ns = g->ns_set && g->ns ? g->ns : "default";
    struct arena *a = arena_new();
    struct pkg_err *err = NULL;
    int status = EXIT_OK;
    if (!strcmp(sub, "run")) {
        if (pos.n != 1)
            status = cli_usage_error(cmd, "run takes no arguments, only -f FILE");
        else
            status = pod_run(cmd, g, home);
    } else if (!strcmp(sub, "ls") || !strcmp(sub, "list")) {
        struct val *pods;
        if (node_pod_list(&pods, a, home, opt_all ? NULL : ns, &err))
            goto fail;
        if (opt_output && (!strcmp(opt_output, "yaml") || !strcmp(opt_output, "json"))) {
            struct val *list = val_map(a);
            val_map_setz(a, list, "apiVersion", val_strz(a, "v1"));
            val_map_setz(a, list, "items", pods);
            val_map_setz(a, list, "kind", val_strz(a, "List"));
            struct val *md = val_map(a);
            val_map_setz(a, md, "resourceVersion", val_strz(a, ""));
            val_map_setz(a, list, "metadata", md);
            if (print_obj(list, opt_output, &err))
                goto fail;
        } else if (val_seq_len(pods) == 0) {
            fprintf(stderr, "No resources found%s%s%s.\n", opt_all ? "" : " in ", opt_all ? "" : ns,
                    opt_all ? "" : " namespace");
        } else {
            print_table(pods, opt_all, opt_output && !strcmp(opt_output, "wide"));
        }
    } else if (!strcmp(sub, "get")) {
        if (pos.n != 2) {
            status = cli_usage_error(cmd, "get takes one pod NAME");
            goto out;
        }
        struct val *pod;
        if (node_pod_get(&pod, a, home, ns, pos.v[1], &err))
            goto fail;
        if (opt_output && (!strcmp(opt_output, "yaml") || !strcmp(opt_output, "json"))) {
            if (print_obj(pod, opt_output, &err))
                goto fail;
        } else if (opt_output && strcmp(opt_output, "wide") != 0) {
            status =
                cli_usage_error(cmd, "unknown output format \"%s\" (yaml, json, wide)", opt_output);
        } else {
            struct val *one = val_seq(a);
            val_seq_push(a, one, pod);
            print_table(one, false, opt_output != NULL);
        }
    } else if (!strcmp(sub, "logs")) {
        if (pos.n != 2) {
            status = cli_usage_error(cmd, "logs takes one pod NAME");
            goto out;
        }
        status = pod_logs(home, ns, pos.v[1]);
    } else if (!strcmp(sub, "exec")) {
        if (pos.n < 3) {
            status = cli_usage_error(cmd, "exec needs NAME -- COMMAND [ARGS...]");
            goto out;
        }
        const char **av = arena_alloc(a, (pos.n - 1) * sizeof(*av));
        for (size_t i = 2; i < pos.n; i++)
            av[i - 2] = pos.v[i];
        int code;
        fflush(stdout);
        if (node_pod_exec(&code, home, ns, pos.v[1], opt_container, av, &err))
            goto fail;
        status = code;
    } else if (!strcmp(sub, "stop") || !strcmp(sub, "rm") || !strcmp(sub, "delete")) {
        if (pos.n < 2) {
            status = cli_usage_error(cmd, "%s takes one or more pod NAMEs", sub);
            goto out;
        }
        for (size_t i = 1; i < pos.n; i++) {
            bool rm = strcmp(sub, "stop") != 0;
            if ((rm ? node_pod_remove : node_pod_stop)(home, ns, pos.v[i], (int)opt_grace, &err))
                goto fail;
            printf("pod/%s %s\n", pos.v[i], rm ? "deleted" : "stopped");
        }
    } else {
        status = cli_usage_error(cmd, "unknown subcommand \"%s\"", sub);
    }
    goto out;
fail:
    status = cli_fail(err);
out:
    arena_free(a);
    free(pos.v);
    return status;
}

const struct opt *
cmd_node_opts(void)
{
    static const struct opt opts[] = {
        {"container-log-max-size", 0, OPT_STRING, &opt_log_max_size, "QUANTITY",
         "rotate a container's log past this size (default 10Mi; 0: never; env "
         "PKG_NODE_CONTAINER_LOG_MAX_SIZE)",
         NULL},
        {"container-log-max-files", 0, OPT_STRING, &opt_log_max_files, "N",
         "log files kept per container, the live one included (default 5; env "
         "PKG_NODE_CONTAINER_LOG_MAX_FILES)",
         NULL},
        OPT_END,
    };
    return opts;
}

int
cmd_node(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    bool help = false;
    int rc = cli_parse(cmd, cmd_node_opts(), argc, argv, g, &pos, &help);
    if (rc || help)
        return rc;
    if (pos.n)
        return cli_usage_error(cmd, "unexpected argument \"%s\"", pos.v[0]);
    /* The supervisor reads its settings from the environment. */
    if (opt_log_max_size)
        setenv("PKG_NODE_CONTAINER_LOG_MAX_SIZE", opt_log_max_size, 1);
    if (opt_log_max_files)
        setenv("PKG_NODE_CONTAINER_LOG_MAX_FILES", opt_log_max_files, 1);
    cleanup_free char *home = node_home_default();
    struct node_super *s;
    struct pkg_err *err = NULL;
    if (node_super_new(&s, home, true, &err))
        return cli_fail(err);
    node_super_run(s, NULL, NULL, &err);
    node_super_free(s);
    free(pos.v);
    return err ? cli_fail(err) : EXIT_OK;
}
