/* Template sets and Helm's engine: the public API of render.h. Executions
 * run on a large stack (run_big below) so that Go's recursion limits
 * (maxExecDepth 100000, Helm's 1000 nested includes) are reached as limits
 * with Go's messages rather than as a crashed C stack. */
#include "render/exec.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "core/xalloc.h"

#define DEFAULT_MAX_OUTPUT (256u << 20)
#define DEFAULT_MAX_DEPTH 100000u
#define BIG_STACK (1024ul << 20)
#define STACK_RESERVE (16ul << 20)
#define SMALL_STACK_BUDGET (6ul << 20)

struct tmpl_set *
tmpl_set_new(const struct tmpl_set_opts *opts)
{
    struct tmpl_set *s = xcalloc(1, sizeof(*s));
    if (opts)
        s->opts = *opts;
    if (!s->opts.max_output)
        s->opts.max_output = DEFAULT_MAX_OUTPUT;
    if (!s->opts.max_depth)
        s->opts.max_depth = DEFAULT_MAX_DEPTH;
    s->a = arena_new();
    s->owns_arena = true;
    s->root_name = "gotpl";
    return s;
}

void
tmpl_set_free(struct tmpl_set *set)
{
    if (!set)
        return;
    tmpl_ns_release(&set->ns);
    if (set->owns_arena)
        arena_free(set->a);
    tmpl_counts_free(set->counts);
    free(set->vars.v);
    free(set);
}

struct arena *
tmpl_set_arena(struct tmpl_set *set)
{
    return set->a;
}

bool
tmpl_set_has(const struct tmpl_set *set, const char *name)
{
    return tmpl_ns_lookup(&set->ns, name) != NULL;
}

/* ---- running on a big stack ---- */

static __thread bool on_big_stack;
static __thread size_t big_budget;

struct big_call {
    void (*fn)(void *arg, size_t budget);
    void *arg;
};

static void *
big_thread(void *p)
{
    struct big_call *bc = p;
    on_big_stack = true;
    big_budget = BIG_STACK - STACK_RESERVE;
    bc->fn(bc->arg, big_budget);
    return NULL;
}

#ifndef __SANITIZE_ADDRESS__
/* The big stack as a context switch on the calling thread: a mapping with a
 * guard page below, entered with swapcontext. A thread costs more on a
 * short `pkg template` (~6% of alertmanager's CPU: clone, the thread's
 * malloc arena, TLB shootdowns once two threads share the address space).
 * AddressSanitizer builds take the thread: it does not follow
 * swapcontext's stack switches reliably. */
#define GUARD ((size_t)64 << 10)

static __thread struct big_call *big_entry_call;

static void
big_entry(void)
{
    big_thread(big_entry_call);
}

static bool
run_big_here(struct big_call *bc)
{
    unsigned char *m = mmap(NULL, GUARD + BIG_STACK, PROT_NONE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (m == MAP_FAILED)
        return false;
    ucontext_t back, big;
    bool ok = mprotect(m + GUARD, BIG_STACK, PROT_READ | PROT_WRITE) == 0 && getcontext(&big) == 0;
    if (ok) {
        big.uc_stack.ss_sp = m + GUARD;
        big.uc_stack.ss_size = BIG_STACK;
        big.uc_link = &back;
        big_entry_call = bc;
        makecontext(&big, big_entry, 0);
        ok = swapcontext(&back, &big) == 0;
        on_big_stack = false;
    }
    munmap(m, GUARD + BIG_STACK);
    return ok;
}
#endif

/* Calls fn on a BIG_STACK stack (or right here when already on one),
 * passing the stack budget the executor may use. */
static void
run_big(void (*fn)(void *arg, size_t budget), void *arg)
{
    if (on_big_stack) {
        fn(arg, big_budget);
        return;
    }
    struct big_call bc = {fn, arg};
#ifndef __SANITIZE_ADDRESS__
    if (run_big_here(&bc))
        return;
#endif
    pthread_attr_t attr;
    pthread_t th;
    if (pthread_attr_init(&attr) == 0) {
        bool ok = pthread_attr_setstacksize(&attr, BIG_STACK) == 0 &&
                  pthread_create(&th, &attr, big_thread, &bc) == 0;
        pthread_attr_destroy(&attr);
        if (ok) {
            pthread_join(th, NULL);
            return;
        }
    }
    /* No thread: run here with what the main stack can take. */
    fn(arg, SMALL_STACK_BUDGET);
}

struct job {
    struct tmpl_set *set;
    const char *name;
    const struct val *data;
    struct sb *out;
    struct tmpl_exec_shared sh;
    int rc;
};

static void
run_job(void *arg, size_t budget)
{
    struct job *j = arg;
    char base;
    j->sh.stack_base = &base;
    j->sh.stack_budget = budget;
    struct tmpl_value d = {(struct val *)j->data, false};
    if (j->data && j->data->kind == VAL_NULL)
        d.v = NULL;
    j->rc = tmpl_exec_run(&j->sh, j->set, &j->set->ns, j->set->root_name, j->name, d, j->out);
}

struct parse_job {
    struct tmpl_set *set;
    const char *name, *text;
    size_t len;
    struct pkg_err **errp;
    int rc;
};

static void
run_parse(void *arg, size_t budget)
{
    struct parse_job *p = arg;
    (void)budget;
    p->rc = tmpl_parse(&p->set->ns, p->set->a, p->set->opts.funcs, p->set->opts.skip_func_check,
                       p->name, p->text, p->len, p->errp);
}

int
tmpl_set_parse(struct tmpl_set *set, const char *name, const char *text, size_t len,
               struct pkg_err **errp)
{
    /* Deeply nested (( )) recurse in the parser: parse on the big stack. */
    struct parse_job p = {set, name, text, len, errp, 0};
    run_big(run_parse, &p);
    return p.rc;
}

int
tmpl_set_execute(struct tmpl_set *set, const char *name, const struct val *data, struct sb *out,
                 struct pkg_err **errp)
{
    struct job j;
    memset(&j, 0, sizeof(j));
    j.set = set;
    j.name = name;
    j.data = data;
    j.out = out;
    j.sh.root_name = set->root_name;
    j.sh.max_output = out->len + set->opts.max_output;
    j.sh.max_depth = set->opts.max_depth;
    j.sh.max_steps = set->opts.max_steps;
    run_big(run_job, &j);
    if (j.rc < 0)
        return pkg_err_set(errp, j.sh.errcode ? j.sh.errcode : j.rc, "%s",
                           j.sh.err ? j.sh.err : "template execution failed");
    return 0;
}

/* ---- Helm's engine ---- */

static size_t
count_slashes(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (*s == '/')
            n++;
    return n;
}

struct order_key {
    size_t slashes, idx;
    const char *name;
};

/* sort.Sort(sort.Reverse(byPathLen)): more slashes first; among equal
 * depths, reverse lexical order. */
static int
cmp_helm(const void *a, const void *b)
{
    const struct order_key *x = a, *y = b;
    if (x->slashes != y->slashes)
        return x->slashes > y->slashes ? -1 : 1;
    return -strcmp(x->name, y->name);
}

void
tmpl_helm_order(size_t *idx, const char *const *names, size_t n)
{
    /* The depths are counted once, not at every comparison. */
    struct order_key *k = xcalloc(n ? n : 1, sizeof(*k));
    for (size_t i = 0; i < n; i++)
        k[i] = (struct order_key){count_slashes(names[i]), i, names[i]};
    qsort(k, n, sizeof(*k), cmp_helm);
    for (size_t i = 0; i < n; i++)
        idx[i] = k[i].idx;
    free(k);
}

/* cleanupParseError: "parse error at (LOCATION): LAST" */
static int
helm_parse_error(struct pkg_err **errp, const char *filename, const char *msg)
{
    const char *first = strstr(msg, ": ");
    if (!first)
        return pkg_err_set(errp, PKG_ESYNTAX, "parse error in (%s): %s", filename, msg);
    const char *loc = first + 2;
    const char *loc_end = strstr(loc, ": ");
    size_t loc_len = loc_end ? (size_t)(loc_end - loc) : strlen(loc);
    const char *last = msg;
    for (const char *p = msg; (p = strstr(p, ": ")) != NULL; p += 2)
        last = p + 2;
    return pkg_err_set(errp, PKG_ESYNTAX, "parse error at (%.*s): %s", (int)loc_len, loc, last);
}

/* cleanupExecError */
static int
helm_exec_error(struct pkg_err **errp, int code, const char *filename, const char *msg,
                bool exec_error)
{
    if (!exec_error)
        return pkg_err_set(errp, code, "%s", msg);
    const char *t1 = strstr(msg, ": ");
    const char *t2 = t1 ? strstr(t1 + 2, ": ") : NULL;
    if (!t2)
        return pkg_err_set(errp, code, "execution error in (%s): %s", filename, msg);
    const char *loc = t1 + 2;
    size_t loc_len = (size_t)(t2 - loc);
    const char *rest = t2 + 2;
    const char *s = strstr(rest, "HELM_ERR_START");
    if (s) {
        const char *e = NULL;
        for (const char *p = s + 14; (p = strstr(p, "HELM_ERR_END")) != NULL; p++)
            e = p;
        if (e)
            return pkg_err_set(errp, code, "execution error at (%.*s): %.*s", (int)loc_len, loc,
                               (int)(e - (s + 14)), s + 14);
    }
    return pkg_err_set(errp, code, "%s", msg);
}

struct helm_job {
    struct tmpl_set *set;
    struct tmpl_helm_file *files;
    size_t *order;
    size_t n;
    struct arena *out_arena;
    struct pkg_err *err;
    int rc;
    const struct tmpl_helm_opts *opts; /* its hooks (parse-ahead, rendered); never NULL */
};

static void helm_exec_files(struct helm_job *h, size_t budget);

static void
helm_render_on_stack(void *arg, size_t budget)
{
    struct helm_job *h = arg;
    /* The files' text outlives the set and its trees. */
    struct tmpl_parse_file *pf = xcalloc(h->n ? h->n : 1, sizeof(*pf));
    for (size_t k = 0; k < h->n; k++) {
        struct tmpl_helm_file *f = &h->files[h->order[k]];
        pf[k] = (struct tmpl_parse_file){f->name, f->text, f->len};
    }
    struct pkg_err *err = NULL;
    size_t failed = 0;
    int prc = tmpl_parse_borrowed_files(&h->set->ns, h->set->a, h->set->opts.funcs, false, pf, h->n,
                                        BIG_STACK, h->opts->ahead, &failed, &err);
    free(pf);
    if (prc < 0) {
        h->rc = helm_parse_error(&h->err, h->files[h->order[failed]].name, err->msg);
        pkg_err_free(err);
        return;
    }
    helm_exec_files(h, budget);
}

/* The execution half of helm_render_on_stack: every file with render, in
 * Helm's order, stopping at the first error. */
/* Outputs of at least this many bytes are handed to the arena, not copied. */
#define OUT_OWN_MIN (64 * 1024)

static void
helm_exec_files(struct helm_job *h, size_t budget)
{
    struct sb out = SB_INIT;
    for (size_t k = 0; k < h->n; k++) {
        struct tmpl_helm_file *f = &h->files[h->order[k]];
        if (!f->render)
            continue;
        if (f->data && f->data->kind == VAL_MAP) {
            struct arena *a = h->set->a;
            struct val *t = val_map(a);
            t->gotype = VAL_GO_VALUES;
            val_map_setz(a, t, "Name", val_strz(a, f->name));
            val_map_setz(a, t, "BasePath", val_strz(a, f->base_path ? f->base_path : ""));
            val_map_setz(a, f->data, "Template", t);
            /* the top-level data are a chartutil.Values, as in Helm */
            if (f->data->gotype == VAL_GO_AUTO)
                f->data->gotype = VAL_GO_VALUES;
        }
        sb_reset(&out);
        struct job j;
        memset(&j, 0, sizeof(j));
        j.set = h->set;
        j.name = f->name;
        j.data = f->data;
        j.out = &out;
        j.sh.root_name = h->set->root_name;
        j.sh.max_output = h->set->opts.max_output;
        j.sh.max_depth = h->set->opts.max_depth;
        j.sh.max_steps = h->set->opts.max_steps;
        run_job(&j, budget);
        if (j.rc < 0) {
            int code = j.sh.errcode ? j.sh.errcode : j.rc;
            h->rc =
                helm_exec_error(&h->err, code, f->name,
                                j.sh.err ? j.sh.err : "template execution failed", j.sh.exec_error);
            break;
        }
        tmpl_remove_no_value(&out, 0);
        f->out_len = out.len;
        if (out.len >= OUT_OWN_MIN) {
            /* A big output (CRDs): the buffer itself, trimmed, joins the
             * arena rather than being copied; the next file starts a new
             * one. */
            char *p = realloc(out.buf, out.len + 1);
            if (!p)
                p = out.buf;
            arena_own(h->out_arena, p);
            f->out = p;
            sb_init(&out);
        } else {
            f->out = arena_strndup(h->out_arena, out.buf, out.len);
        }
        if (h->opts->rendered)
            h->opts->rendered(h->opts->rendered_ctx, f);
    }
    sb_release(&out);
}

static struct tmpl_set *
helm_set_new(const struct tmpl_helm_opts *opts)
{
    struct tmpl_set_opts so = {0};
    so.missingkey = opts && opts->strict ? TMPL_MISSINGKEY_ERROR : TMPL_MISSINGKEY_ZERO;
    so.funcs = TMPL_FUNCS_HELM;
    so.lint_mode = opts && opts->lint_mode;
    so.max_output = opts ? opts->max_output : 0;
    return tmpl_set_new(&so);
}

/* A helm job's outcome: its code, its error handed to *errp. */
static int
job_result(struct helm_job *h, struct pkg_err **errp)
{
    if (!h->rc)
        return 0;
    if (errp) {
        pkg_err_free(*errp);
        *errp = h->err;
    } else {
        pkg_err_free(h->err);
    }
    return h->rc;
}

int
tmpl_helm_render(struct tmpl_helm_file *files, size_t n, const struct tmpl_helm_opts *opts,
                 struct arena *a, struct pkg_err **errp)
{
    struct tmpl_set *set = helm_set_new(opts);
    /* Values made while executing (the .Template maps, maps that `set` or
     * `merge` put into the data) must outlive the set: use the caller's
     * arena. */
    arena_free(set->a);
    set->a = a;
    set->owns_arena = false;
    size_t *order = xcalloc(n ? n : 1, sizeof(*order));
    const char **names = xcalloc(n ? n : 1, sizeof(*names));
    for (size_t i = 0; i < n; i++)
        names[i] = files[i].name;
    tmpl_helm_order(order, names, n);
    free(names);
    static const struct tmpl_helm_opts none;
    struct helm_job h = {set, files, order, n, a, NULL, 0, opts ? opts : &none};
    run_big(helm_render_on_stack, &h);
    int rc = job_result(&h, errp);
    free(order);
    tmpl_set_free(set);
    return rc;
}

/* ---- Helm's engine in two steps ---- */

struct tmpl_helm_parse {
    struct tmpl_set *set;       /* its own arena holds the trees until rendering */
    struct tmpl_helm_opts opts; /* the caller's, for its hooks */
    size_t *order;
    size_t n;
    struct tmpl_parse_file *pf;
    pthread_t th;
    bool threaded, joined;
    size_t failed;
    struct pkg_err *err;
    int rc;
};

static void
helm_parse_run(struct tmpl_helm_parse *p)
{
    p->rc = tmpl_parse_borrowed_files(&p->set->ns, p->set->a, p->set->opts.funcs, false, p->pf,
                                      p->n, BIG_STACK, p->opts.ahead, &p->failed, &p->err);
}

static void
helm_parse_on_stack(void *arg, size_t budget)
{
    (void)budget;
    helm_parse_run(arg);
}

static void *
helm_parse_thread(void *arg)
{
    on_big_stack = true;
    big_budget = BIG_STACK - STACK_RESERVE;
    helm_parse_run(arg);
    return NULL;
}

struct tmpl_helm_parse *
tmpl_helm_parse_start(const struct tmpl_helm_file *files, size_t n,
                      const struct tmpl_helm_opts *opts)
{
    struct tmpl_helm_parse *p = xcalloc(1, sizeof(*p));
    p->set = helm_set_new(opts);
    if (opts)
        p->opts = *opts;
    p->n = n;
    p->order = xcalloc(n ? n : 1, sizeof(*p->order));
    const char **names = xcalloc(n ? n : 1, sizeof(*names));
    for (size_t i = 0; i < n; i++)
        names[i] = files[i].name;
    tmpl_helm_order(p->order, names, n);
    free(names);
    p->pf = xcalloc(n ? n : 1, sizeof(*p->pf));
    for (size_t k = 0; k < n; k++) {
        const struct tmpl_helm_file *f = &files[p->order[k]];
        p->pf[k] = (struct tmpl_parse_file){f->name, f->text, f->len};
    }
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) == 0) {
        p->threaded = pthread_attr_setstacksize(&attr, BIG_STACK) == 0 &&
                      pthread_create(&p->th, &attr, helm_parse_thread, p) == 0;
        pthread_attr_destroy(&attr);
    }
    return p;
}

struct tmpl_parse_ahead *
tmpl_helm_parse_ahead(const struct tmpl_helm_file *files, size_t n)
{
    struct tmpl_parse_file *pf = xcalloc(n ? n : 1, sizeof(*pf));
    for (size_t i = 0; i < n; i++)
        pf[i] = (struct tmpl_parse_file){files[i].name, files[i].text, files[i].len};
    struct tmpl_parse_ahead *pa = tmpl_parse_ahead_start(pf, n, TMPL_FUNCS_HELM, BIG_STACK);
    free(pf);
    return pa;
}

/* Waits for the parse (or, without a thread, parses now on the big stack). */
static void
helm_parse_wait(struct tmpl_helm_parse *p)
{
    if (p->joined)
        return;
    p->joined = true;
    if (p->threaded)
        pthread_join(p->th, NULL);
    else
        run_big(helm_parse_on_stack, p);
}

void
tmpl_helm_parse_discard(struct tmpl_helm_parse *p)
{
    if (!p)
        return;
    if (p->threaded && !p->joined)
        pthread_join(p->th, NULL);
    pkg_err_free(p->err);
    tmpl_set_free(p->set);
    free(p->pf);
    free(p->order);
    free(p);
}

static void
helm_exec_on_stack(void *arg, size_t budget)
{
    helm_exec_files(arg, budget);
}

int
tmpl_helm_render_parsed(struct tmpl_helm_parse *p, struct tmpl_helm_file *files, size_t n,
                        struct arena *a, struct pkg_err **errp)
{
    helm_parse_wait(p);
    int rc = 0;
    if (n != p->n) {
        rc = pkg_err_set(errp, PKG_EINVAL, "tmpl_helm_render_parsed: %zu files, %zu parsed", n,
                         p->n);
    } else if (p->rc < 0) {
        rc = helm_parse_error(errp, files[p->order[p->failed]].name, p->err->msg);
    } else {
        /* As in tmpl_helm_render: the trees and whatever execution makes
         * live as long as the caller's arena. */
        struct tmpl_set *set = p->set;
        arena_adopt(a, set->a);
        set->a = a;
        set->owns_arena = false;
        struct helm_job h = {set, files, p->order, n, a, NULL, 0, &p->opts};
        run_big(helm_exec_on_stack, &h);
        rc = job_result(&h, errp);
    }
    tmpl_helm_parse_discard(p);
    return rc;
}
