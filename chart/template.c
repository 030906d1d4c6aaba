/* `helm template` end to end: Helm's action.Install in client-only dry-run
 * mode (availableName, ProcessDependenciesWithMerge, ToRenderValues,
 * renderResources) and the template command's output (manifests, then
 * hooks, --show-only, --output-dir), with Helm's error texts and order.
 *
 * The template data are built as engine.recAllTpls does: one map per chart
 * (Chart, Files, Release, Capabilities, Values, Subcharts) shared by its
 * templates; render executes them and sets .Template per file. */
#include "chart/chart-int.h"
#include "core/fsutil.h"
#include "core/semver.h"
#include "core/xalloc.h"
#include "render/render.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int
chart_kube_version_parse(const char **version, const char **major, const char **minor,
                         struct arena *a, const char *s, struct pkg_err **errp)
{
    struct semver v;
    if (semver_parse(&v, s, false, errp))
        return PKG_EINVAL;
    struct sb sb = SB_INIT;
    sb_addch(&sb, 'v');
    semver_format(&sb, &v);
    *version = arena_strdup(a, sb.buf);
    *major = arena_sprintf(a, "%llu", (unsigned long long)v.major);
    *minor = arena_sprintf(a, "%llu", (unsigned long long)v.minor);
    sb_release(&sb);
    semver_release(&v);
    return 0;
}

/* ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ */
static bool
valid_dns_name(const char *s)
{
    const char *p = s;
    for (;;) {
        const char *start = p;
        while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')
            p++;
        if (p == start || start[0] == '-' || p[-1] == '-')
            return false;
        if (*p == 0)
            return true;
        if (*p != '.')
            return false;
        p++;
    }
}

#define NAME_RE "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"

int
chart_name_from_template(const char **out, struct arena *a, const char *text, struct pkg_err **errp)
{
    struct tmpl_set_opts so = {.missingkey = TMPL_MISSINGKEY_DEFAULT, .funcs = TMPL_FUNCS_HELM};
    struct tmpl_set *set = tmpl_set_new(&so);
    struct sb sb = SB_INIT;
    int rc = tmpl_set_parse(set, "name-template", text, strlen(text), errp);
    if (!rc)
        rc = tmpl_set_execute(set, "name-template", NULL, &sb, errp);
    if (!rc)
        *out = arena_strdup(a, sb.buf ? sb.buf : "");
    sb_release(&sb);
    tmpl_set_free(set);
    return rc;
}

int
chart_release_name_validate(const char *name, struct pkg_err **errp)
{
    if (!*name)
        return pkg_err_set(errp, PKG_EINVAL, "release name \"\": no name provided");
    if (strlen(name) > 53 || !valid_dns_name(name))
        return pkg_err_set(errp, PKG_EINVAL,
                           "release name \"%s\": invalid release name, must match regex " NAME_RE
                           " and the length must not be longer than 53",
                           name);
    return 0;
}

/* ---- template data (engine.recAllTpls) ---- */

struct fileset {
    struct tmpl_helm_file *v;
    const struct chart **owner; /* the chart each file's data come from */
    size_t n, cap, cap_owner;
};

static void
add_file(struct fileset *fs, const struct tmpl_helm_file *f, const struct chart *owner)
{
    /* Later charts with the same path replace earlier ones (a Go map). */
    for (size_t i = 0; i < fs->n; i++) {
        if (!strcmp(fs->v[i].name, f->name)) {
            fs->v[i] = *f;
            fs->owner[i] = owner;
            return;
        }
    }
    fs->v = xgrow(fs->v, &fs->cap, fs->n + 1, sizeof(*fs->v));
    fs->owner = xgrow(fs->owner, &fs->cap_owner, fs->n + 1, sizeof(*fs->owner));
    fs->owner[fs->n] = owner;
    fs->v[fs->n++] = *f;
}

static void
fileset_release(struct fileset *fs)
{
    free(fs->v);
    free(fs->owner);
    memset(fs, 0, sizeof(*fs));
}

static const char *
base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The template files of c and its subcharts in recAllTpls's order, with
 * their names, texts and base paths; the data come later (rec_all_tpls),
 * so that parsing can start before the values are ready. */
static void
collect_tpls(struct arena *a, struct fileset *fs, const struct chart *c)
{
    for (size_t i = 0; i < c->ndeps; i++)
        collect_tpls(a, fs, c->deps[i]);
    const char *parent_id = chart_full_path(a, c);
    const char *base_path = arena_sprintf(a, "%s/templates", parent_id);
    bool library = chart_is_library(c);
    for (size_t i = 0; i < c->ntemplates; i++) {
        const struct chart_file *t = &c->templates[i];
        bool partial = base_name(t->name)[0] == '_';
        if (library && !partial)
            continue;
        struct tmpl_helm_file f = {0};
        char *joined = fs_clean(arena_sprintf(a, "%s/%s", parent_id, t->name));
        f.name = arena_strdup(a, joined);
        free(joined);
        f.text = t->data;
        f.len = t->len;
        f.base_path = base_path;
        f.render = !partial;
        add_file(fs, &f, c);
    }
}

/* The template data of c and its subcharts (one map per chart), set on
 * the files collect_tpls listed. */
static struct val *
rec_all_tpls(struct arena *a, struct fileset *fs, const struct chart *c, struct val *vals,
             struct val *release, struct val *caps)
{
    struct val *subcharts = val_map(a);
    struct val *next = val_map(a);
    val_map_setz(a, next, "Chart", chart_chart_object(a, c));
    val_map_setz(a, next, "Files", chart_files_object(a, c));
    val_map_setz(a, next, "Release", release);
    val_map_setz(a, next, "Capabilities", caps);
    struct val *values = val_map(a);
    values->gotype = VAL_GO_VALUES;
    if (!c->parent) {
        struct val *v = val_map_getz(vals, "Values");
        if (v)
            values = v;
    } else {
        struct val *vs =
            chart_values_table(vals, arena_sprintf(a, "Values.%s", c->meta->name), NULL, NULL);
        if (vs) {
            vs->gotype = VAL_GO_VALUES;
            values = vs;
        }
    }
    val_map_setz(a, next, "Values", values);
    val_map_setz(a, next, "Subcharts", subcharts);
    for (size_t i = 0; i < c->ndeps; i++)
        val_map_setz(a, subcharts, c->deps[i]->meta->name,
                     rec_all_tpls(a, fs, c->deps[i], next, release, caps));
    for (size_t i = 0; i < fs->n; i++)
        if (fs->owner[i] == c)
            fs->v[i].data = next;
    return next;
}

/* ---- output ---- */

static void
emit_doc(struct sb *out, const char *path, const char *content, size_t len)
{
    sb_addstr(out, "---\n# Source: ");
    sb_addstr(out, path);
    sb_addch(out, '\n');
    sb_add(out, content, len);
    sb_addch(out, '\n');
}

static bool
manifest_ext(const char *name)
{
    const char *dot = strrchr(base_name(name), '.');
    return dot &&
           (!strcasecmp(dot, ".yaml") || !strcasecmp(dot, ".yml") || !strcasecmp(dot, ".json"));
}

struct crd {
    const char *filename;
    const char *data;
    size_t len;
};

static int
crd_objects(struct arena *a, const struct chart *c, struct crd **v, size_t *n, size_t *cap,
            struct pkg_err **errp)
{
    for (size_t i = 0; i < c->nfiles; i++) {
        const struct chart_file *f = &c->files[i];
        if (strncmp(f->name, "crds/", 5) || !manifest_ext(f->name))
            continue;
        size_t len;
        const char *d = chart_file_data(f, &len, errp);
        if (!d)
            return PKG_EIO;
        *v = xgrow(*v, cap, *n + 1, sizeof(**v));
        char *j = fs_clean(arena_sprintf(a, "%s/%s", chart_full_path(a, c), f->name));
        (*v)[(*n)++] = (struct crd){arena_strdup(a, j), d, len};
        free(j);
    }
    for (size_t i = 0; i < c->ndeps; i++) {
        int rc = crd_objects(a, c->deps[i], v, n, cap, errp);
        if (rc)
            return rc;
    }
    return 0;
}

/* writeToFile: "---\n# Source: NAME\nDATA\n", appended when the file was
 * written before in this run. Prints "wrote PATH" to `out`. */
static int
write_to_file(struct sb *out, struct arena *a, const char *dir, const char *name, const char *data,
              size_t len, bool append, struct pkg_err **errp)
{
    const char *path = arena_sprintf(a, "%s/%s", dir, name);
    char *d = fs_clean(arena_sprintf(a, "%s/..", path));
    int rc = fs_mkdir_p(d, 0755, errp);
    free(d);
    if (rc)
        return rc;
    int fd = open(path,
                  append ? (O_WRONLY | O_APPEND | O_CLOEXEC)
                         : (O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC),
                  0644);
    if (fd < 0)
        return pkg_err_sys(errp, "open %s", path);
    struct sb doc = SB_INIT;
    emit_doc(&doc, name, data, len);
    size_t off = 0;
    while (off < doc.len) {
        ssize_t w = write(fd, doc.buf + off, doc.len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            rc = pkg_err_sys(errp, "write %s", path);
            break;
        }
        off += (size_t)w;
    }
    sb_release(&doc);
    if (close(fd) < 0 && !rc)
        rc = pkg_err_sys(errp, "close %s", path);
    if (!rc)
        sb_addf(out, "wrote %s\n", path);
    return rc;
}

struct written {
    const char **v;
    size_t n, cap;
};

static bool
was_written(const struct written *w, const char *name)
{
    for (size_t i = 0; i < w->n; i++)
        if (!strcmp(w->v[i], name))
            return true;
    return false;
}

static void
mark_written(struct written *w, const char *name)
{
    if (was_written(w, name))
        return;
    w->v = xgrow(w->v, &w->cap, w->n + 1, sizeof(*w->v));
    w->v[w->n++] = name;
}

char *
chart_look_path(const char *file)
{
    if (strchr(file, '/'))
        return access(file, X_OK) == 0 ? realpath(file, NULL) : NULL;
    const char *path = getenv("PATH");
    if (!path)
        return NULL;
    char *copy = xstrdup(path);
    char *save = NULL, *res = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char *cand = xasprintf("%s/%s", *dir ? dir : ".", file);
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
            res = realpath(cand, NULL);
            free(cand);
            break;
        }
        free(cand);
    }
    free(copy);
    return res;
}

/* Pipes `in` through the post-renderer; its stdout replaces `in`. */
static int
post_render(struct sb *in, const char *prog, const char *const *args, size_t nargs,
            struct pkg_err **errp)
{
    char *full = chart_look_path(prog);
    if (!full)
        return pkg_err_set(errp, PKG_ENOENT,
                           "unable to find binary at %s: exec: \"%s\": executable file not found "
                           "in $PATH",
                           prog, prog);
    int pin[2], pout[2], perr[2];
    if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0) {
        free(full);
        return pkg_err_sys(errp, "pipe");
    }
    pid_t pid = fork();
    if (pid < 0) {
        free(full);
        return pkg_err_sys(errp, "fork");
    }
    if (pid == 0) {
        dup2(pin[0], 0);
        dup2(pout[1], 1);
        dup2(perr[1], 2);
        const char **argv = xcalloc(nargs + 2, sizeof(*argv));
        argv[0] = full;
        for (size_t i = 0; i < nargs; i++)
            argv[i + 1] = args[i];
        execv(full, (char *const *)argv);
        _exit(127);
    }
    close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    struct sb out = SB_INIT, err = SB_INIT;
    size_t off = 0;
    bool in_open = true;
    if (in->len == 0) {
        close(pin[1]);
        in_open = false;
    }
    bool out_open = true, err_open = true;
    while (out_open || err_open) {
        struct pollfd p[3];
        int np = 0, iin = -1, iout = -1, ierr = -1;
        if (in_open) {
            iin = np;
            p[np++] = (struct pollfd){pin[1], POLLOUT, 0};
        }
        if (out_open) {
            iout = np;
            p[np++] = (struct pollfd){pout[0], POLLIN, 0};
        }
        if (err_open) {
            ierr = np;
            p[np++] = (struct pollfd){perr[0], POLLIN, 0};
        }
        if (poll(p, (nfds_t)np, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (iin >= 0 && p[iin].revents) {
            ssize_t w = write(pin[1], in->buf + off, in->len - off);
            if (w > 0)
                off += (size_t)w;
            if (w < 0 || off == in->len) {
                close(pin[1]);
                in_open = false;
            }
        }
        char buf[65536];
        if (iout >= 0 && p[iout].revents) {
            ssize_t r = read(pout[0], buf, sizeof(buf));
            if (r > 0)
                sb_add(&out, buf, (size_t)r);
            else if (r == 0 || errno != EINTR)
                out_open = false;
        }
        if (ierr >= 0 && p[ierr].revents) {
            ssize_t r = read(perr[0], buf, sizeof(buf));
            if (r > 0 && err.len < (1u << 20))
                sb_add(&err, buf, (size_t)r);
            else if (r == 0 || (r < 0 && errno != EINTR))
                err_open = false;
        }
    }
    if (in_open)
        close(pin[1]);
    close(pout[0]);
    close(perr[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    signal(SIGPIPE, old);
    int rc = 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char what[64];
        if (WIFEXITED(status))
            snprintf(what, sizeof(what), "exit status %d", WEXITSTATUS(status));
        else
            snprintf(what, sizeof(what), "signal: %s", strsignal(WTERMSIG(status)));
        rc = pkg_err_set(errp, PKG_EFAIL,
                         "error while running post render on files: error while running command "
                         "%s. error output:\n%s: %s",
                         full, err.buf, what);
    } else {
        sb_reset(in);
        sb_add(in, out.buf, out.len);
    }
    sb_release(&out);
    sb_release(&err);
    free(full);
    return rc;
}

/* `# Source: [^/]+/(.+)`: the path after the chart name on the first
 * Source line of a document. */
static const char *
source_path(struct arena *a, const char *doc, size_t len)
{
    const char *end = doc + len;
    for (const char *p = doc; p + 10 <= end; p++) {
        if (memcmp(p, "# Source: ", 10))
            continue;
        const char *q = p + 10;
        const char *r = q;
        while (r < end && *r != '/' && *r != '\n')
            r++;
        if (r == q || r >= end || *r != '/')
            continue;
        const char *s = r + 1;
        const char *e = s;
        while (e < end && *e != '\n')
            e++;
        if (e == s)
            continue;
        return arena_strndup(a, s, (size_t)(e - s));
    }
    return NULL;
}

static bool
hook_is_test(const struct chart_manifest *m)
{
    return m->test_hook;
}

/* Templates are parsed in the background above this size of template
 * text. Below it a helper thread costs more than it saves: its start
 * (stack, malloc arena, clone) is ~0.1 ms of CPU, and a scheduler may put
 * it on its creator's CPU and run it first, the other CPU idle until the
 * next load balance, a tick later (seen on the 2-vCPU VM pkg is measured
 * on: the creator waited out the whole parse in pthread_create). Measured
 * A/B against a 32 KB threshold there: node-exporter (38 KB of templates)
 * -6% wall, kube-state-metrics (48 KB) -7%, opentelemetry-collector
 * (96 KB) -20%, bn-apache (110 KB) -6% wall and -17% CPU, bn-redis
 * (312 KB) -13% wall and -27% CPU. cert-manager (1.1 MB) and
 * kube-prometheus-stack (1.6 MB) keep their threads. */
#define PARSE_THREAD_MIN ((size_t)1 << 20)
/* The same rule for the thread parsing the rendered documents' heads. */
#define HEADS_MIN ((size_t)1 << 20)

/* ToRenderValues and the rest of renderResources before execution:
 * Capabilities, Release, coalesced and validated values, the kubeVersion
 * check, then the template data set on the files. */
static int
render_inputs(struct arena *a, struct chart *c, const struct val *vals,
              const struct chart_template_opts *o, const char *rname, const char *ns,
              struct fileset *fs, bool *render_error, struct pkg_err **errp)
{
    int rc;
    const char *kv = "v1.32.0", *kmaj = "1", *kmin = "32";
    if (o->kube_version && *o->kube_version) {
        rc = chart_kube_version_parse(&kv, &kmaj, &kmin, a, o->kube_version, errp);
        if (rc)
            return pkg_err_wrap(errp, "invalid kube version '%s'", o->kube_version);
    }
    struct val *caps =
        chart_capabilities_object(a, kv, kmaj, kmin, o->api_versions, o->napi_versions);
    struct val *release = val_map(a);
    val_map_setz(a, release, "Name", val_strz(a, rname));
    val_map_setz(a, release, "Namespace", val_strz(a, ns));
    val_map_setz(a, release, "IsUpgrade", val_bool(a, o->is_upgrade));
    val_map_setz(a, release, "IsInstall", val_bool(a, !o->is_upgrade));
    val_map_setz(a, release, "Revision", val_int(a, 1));
    val_map_setz(a, release, "Service", val_strz(a, "Helm"));

    /* ToRenderValues */
    struct val *cvals;
    rc = chart_values_coalesce(&cvals, a, c, vals, false, errp);
    if (rc)
        return rc;
    if (!o->skip_schema_validation) {
        rc = chart_values_validate(a, c, cvals, errp);
        if (rc)
            return rc;
    }
    cvals->gotype = VAL_GO_VALUES;
    struct val *top = val_map(a);
    val_map_setz(a, top, "Values", cvals);

    /* renderResources */
    if (*c->meta->kube_version) {
        bool ok = false;
        if (semver_check_str(c->meta->kube_version, kv, &ok, NULL) || !ok) {
            if (render_error)
                *render_error = true;
            return pkg_err_set(errp, PKG_EINVAL,
                               "chart requires kubeVersion: %s which is incompatible with "
                               "Kubernetes %s",
                               c->meta->kube_version, kv);
        }
    }
    rec_all_tpls(a, fs, c, top, release, caps);
    return 0;
}

/* NOTES.txt renders but is not a manifest. */
static bool
is_notes(const char *name)
{
    size_t nl = strlen(name);
    return nl >= 9 && !strcmp(name + nl - 9, "NOTES.txt");
}

/* Each manifest's heads parse on the heads thread while the next files
 * render. */
static void
on_rendered(void *heads, const struct tmpl_helm_file *f)
{
    if (!is_notes(f->name))
        chart_heads_add(heads, f->name, f->out, f->out_len);
}

int
chart_template(struct sb *out, bool *render_error, struct arena *a, struct chart *c,
               const struct val *vals, const struct chart_template_opts *o, struct pkg_err **errp)
{
    if (render_error)
        *render_error = false;
    int rc;
    /* checkIfInstallable */
    if (*c->meta->type && strcmp(c->meta->type, "application"))
        return pkg_err_set(errp, PKG_EINVAL, "%s charts are not installable", c->meta->type);
    if (c->meta->deprecated && o->warn_deprecated)
        fputs("WARNING: This chart is deprecated\n", stderr);
    if (c->meta->has_deps) {
        rc = chart_deps_check(c, errp);
        if (rc)
            return pkg_err_wrap(
                errp, "An error occurred while checking for chart dependencies. You may "
                      "need to run `helm dependency build` to fetch missing dependencies");
    }
    const char *ns = o->namespace && *o->namespace ? o->namespace : "default";
    const char *rname = o->release_name ? o->release_name : c->meta->name;
    rc = chart_release_name_validate(rname, errp);
    if (rc)
        return rc;
    rc = chart_deps_process(a, c, vals, errp);
    if (rc)
        return rc;

    /* Parsing needs only the files' names and texts: it runs on a thread
     * of its own while the values are coalesced and validated. Errors keep
     * Helm's order: a parse error is reported only when the values are
     * good. A chart loaded with parse_ahead has had its templates parsing
     * since its files were read (c->ahead): the parse takes those trees
     * under the names it gives the files now (subchart names, aliases). */
    struct fileset fs = {0};
    collect_tpls(a, &fs, c);
    struct tmpl_helm_opts ho = {.ahead = c->ahead};
    size_t tbytes = 0;
    for (size_t i = 0; i < fs.n; i++)
        tbytes += fs.v[i].len;
    /* Helm re-reads every rendered document's head to sort them: that
     * overlaps the rendering of the next files. */
    struct chart_heads *heads = tbytes >= HEADS_MIN ? chart_heads_start() : NULL;
    if (heads) {
        ho.rendered = on_rendered;
        ho.rendered_ctx = heads;
    }
    struct tmpl_helm_parse *parse =
        tbytes >= PARSE_THREAD_MIN ? tmpl_helm_parse_start(fs.v, fs.n, &ho) : NULL;
    rc = render_inputs(a, c, vals, o, rname, ns, &fs, render_error, errp);
    if (rc) {
        tmpl_helm_parse_discard(parse);
        chart_heads_free(heads);
        fileset_release(&fs);
        return rc;
    }
    rc = parse ? tmpl_helm_render_parsed(parse, fs.v, fs.n, a, errp)
               : tmpl_helm_render(fs.v, fs.n, &ho, a, errp);
    if (rc) {
        chart_heads_free(heads);
        fileset_release(&fs);
        if (render_error)
            *render_error = true;
        return rc;
    }
    /* The rendered files minus NOTES.txt. */
    struct chart_rendered *rendered = xcalloc(fs.n + 1, sizeof(*rendered));
    size_t nr = 0;
    for (size_t i = 0; i < fs.n; i++)
        if (fs.v[i].render && !is_notes(fs.v[i].name))
            rendered[nr++] = (struct chart_rendered){fs.v[i].name, fs.v[i].out, fs.v[i].out_len};
    fileset_release(&fs);
    struct chart_manifests ms;
    rc = chart_manifests_sort_heads(&ms, a, rendered, nr, heads, errp);
    chart_heads_free(heads);
    if (rc) {
        if (render_error)
            *render_error = true;
        if (o->debug) {
            for (size_t i = 0; i < nr; i++) {
                const char *t = rendered[i].text;
                size_t k = 0;
                while (k < rendered[i].len && strchr(" \t\r\n\v\f", t[k]))
                    k++;
                if (k < rendered[i].len)
                    emit_doc(out, rendered[i].path, t, rendered[i].len);
            }
        }
        free(rendered);
        return rc;
    }
    free(rendered);

    struct sb b = SB_INIT;
    struct written w = {0};
    const char *dir = o->output_dir;
    if (o->include_crds) {
        struct crd *crds = NULL;
        size_t ncrds = 0, cap = 0;
        rc = crd_objects(a, c, &crds, &ncrds, &cap, errp);
        for (size_t i = 0; i < ncrds && !rc; i++) {
            if (!dir) {
                emit_doc(&b, crds[i].filename, crds[i].data, crds[i].len);
            } else {
                rc = write_to_file(out, a, dir, crds[i].filename, crds[i].data, crds[i].len,
                                   was_written(&w, crds[i].filename), errp);
                mark_written(&w, crds[i].filename);
            }
        }
        free(crds);
    }
    const char *mdir = dir && o->use_release_name ? arena_sprintf(a, "%s/%s", dir, rname) : dir;
    for (size_t i = 0; i < ms.ngeneric && !rc; i++) {
        const struct chart_manifest *m = &ms.generic[i];
        if (!dir) {
            emit_doc(&b, m->path, m->content, m->len);
        } else {
            rc = write_to_file(out, a, mdir, m->path, m->content, m->len, was_written(&w, m->path),
                               errp);
            mark_written(&w, m->path);
        }
    }
    if (!rc && o->post_renderer && *o->post_renderer) {
        rc = post_render(&b, o->post_renderer, o->post_renderer_args, o->npost_renderer_args, errp);
        if (rc && render_error)
            *render_error = true;
    }
    if (rc) {
        free(w.v);
        sb_release(&b);
        return rc;
    }

    /* The template command: manifests (trimmed), then hooks, in b itself
     * (no copy of the output). */
    {
        size_t k = 0, tl = b.len;
        while (k < tl && strchr(" \t\r\n\v\f", b.buf[k]))
            k++;
        while (tl > k && strchr(" \t\r\n\v\f", b.buf[tl - 1]))
            tl--;
        if (k)
            memmove(b.buf, b.buf + k, tl - k);
        sb_setlen(&b, tl - k);
        sb_addch(&b, '\n');
    }
    struct sb manifests = b;
    if (!o->no_hooks) {
        for (size_t i = 0; i < ms.nhooks && !rc; i++) {
            const struct chart_manifest *m = &ms.hooks[i];
            if (o->skip_tests && hook_is_test(m))
                continue;
            if (!dir) {
                emit_doc(&manifests, m->path, m->content, m->len);
            } else {
                const char *path = arena_sprintf(a, "%s/%s", mdir, m->path);
                struct stat st;
                if (stat(path, &st) == 0)
                    mark_written(&w, m->path);
                rc = write_to_file(out, a, mdir, m->path, m->content, m->len,
                                   was_written(&w, m->path), errp);
            }
        }
    }
    free(w.v);
    if (rc) {
        sb_release(&manifests);
        return rc;
    }
    if (o->nshow_only) {
        const char **docs;
        size_t *dl;
        size_t nd = chart_split_manifests(&docs, &dl, a, manifests.buf, manifests.len);
        struct sb sel = SB_INIT;
        for (size_t k = 0; k < o->nshow_only && !rc; k++) {
            const char *f = o->show_only[k];
            bool missing = true;
            for (size_t d = 0; d < nd; d++) {
                const char *p = source_path(a, docs[d], dl[d]);
                if (!p || chart_path_match(f, p) != 1)
                    continue;
                sb_addstr(&sel, "---\n");
                sb_add(&sel, docs[d], dl[d]);
                sb_addch(&sel, '\n');
                missing = false;
            }
            if (missing)
                rc = pkg_err_set(errp, PKG_ENOENT, "could not find template %s in chart", f);
        }
        if (!rc)
            sb_add(out, sel.buf, sel.len);
        sb_release(&sel);
    } else if (out->len == 0 && !out->limit) {
        /* out takes the buffer over */
        sb_release(out);
        *out = manifests;
        return rc;
    } else {
        sb_add(out, manifests.buf, manifests.len);
    }
    sb_release(&manifests);
    return rc;
}

int
chart_template_path(struct sb *out, bool *render_error, const char *chart_path,
                    const struct chart_value_opts *vo, const struct chart_template_opts *o,
                    struct pkg_err **errp)
{
    if (render_error)
        *render_error = false;
    struct arena *a = arena_new();
    struct val *vals;
    struct chart *c;
    int rc = chart_values_merge(&vals, a, vo, errp);
    struct chart_load_opts lo = {.parse_ahead = true};
    if (!rc)
        rc = chart_load(&c, a, chart_path, &lo, errp);
    if (!rc) {
        rc = chart_template(out, render_error, a, c, vals, o, errp);
        chart_release(c);
    }
    arena_free(a);
    return rc;
}
