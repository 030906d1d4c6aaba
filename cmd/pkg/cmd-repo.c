/* pkg repo: add, list, remove and update chart repositories; build an
 * index.yaml for a directory of charts; serve a directory as a repository.
 * The wording follows helm's so that scripts written for `helm repo` read
 * the same. */
#include "cmd/pkg/cli.h"
#include "cmd/pkg/cmds.h"
#include "cmd/pkg/repo-cli.h"
#include "core/core.h"
#include "repo-index/repo.h"

#include <pthread.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
repo_cli_warn(void *payload, const char *msg)
{
    (void)payload;
    fprintf(stderr, "WARNING: %s\n", msg);
}

const struct repo_warn repo_cli_warner = {repo_cli_warn, NULL};

int
repo_cli_failf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("Error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_ERR;
}

int
repo_cli_output_format(const struct cmd *cmd, const char *o, int *fmt)
{
    if (!o || !strcmp(o, "table"))
        *fmt = 0;
    else if (!strcmp(o, "json"))
        *fmt = 1;
    else if (!strcmp(o, "yaml"))
        *fmt = 2;
    else
        return cli_usage_error(cmd, "invalid format type \"%s\" for \"--output\" flag", o);
    return 0;
}

int
repo_cli_print_val(const struct val *v, int fmt)
{
    struct sb sb = SB_INIT;
    struct pkg_err *err = NULL;
    int rc = fmt == 1 ? val_json_emit(&sb, v, VAL_JSON_KEEP_ORDER, &err)
                      : val_yaml_emit(&sb, v, VAL_YAML_HELM, &err);
    if (rc) {
        sb_release(&sb);
        return cli_fail(err);
    }
    fwrite(sb.buf, 1, sb.len, stdout);
    if (fmt == 1)
        putchar('\n'); /* json.Encoder ends with a newline */
    sb_release(&sb);
    return EXIT_OK;
}

/* ---- repo add ----------------------------------------------------------- */

static struct {
    const char *username, *password, *cert, *key, *ca;
    bool insecure, pass_all, force, password_stdin, no_update, allow_deprecated;
} add_o;

static const struct opt *
repo_add_opts(void)
{
    static const struct opt opts[] = {
        {"username", 0, OPT_STRING, &add_o.username, "USER", "chart repository username", NULL},
        {"password", 0, OPT_STRING, &add_o.password, "PASS", "chart repository password", NULL},
        {"password-stdin", 0, OPT_BOOL, &add_o.password_stdin, NULL,
         "read chart repository password from stdin", NULL},
        {"cert-file", 0, OPT_STRING, &add_o.cert, "FILE",
         "identify HTTPS client using this SSL certificate file", NULL},
        {"key-file", 0, OPT_STRING, &add_o.key, "FILE",
         "identify HTTPS client using this SSL key file", NULL},
        {"ca-file", 0, OPT_STRING, &add_o.ca, "FILE",
         "verify certificates of HTTPS-enabled servers using this CA bundle", NULL},
        {"insecure-skip-tls-verify", 0, OPT_BOOL, &add_o.insecure, NULL,
         "skip tls certificate checks for the repository", NULL},
        {"pass-credentials", 0, OPT_BOOL, &add_o.pass_all, NULL, "pass credentials to all domains",
         NULL},
        {"force-update", 0, OPT_BOOL, &add_o.force, NULL,
         "replace (overwrite) the repo if it already exists", NULL},
        {"no-update", 0, OPT_BOOL, &add_o.no_update, NULL, "ignored (helm compatibility)", NULL},
        {"allow-deprecated-repos", 0, OPT_BOOL, &add_o.allow_deprecated, NULL,
         "ignored (helm compatibility)", NULL},
        OPT_END,
    };
    return opts;
}

static bool
same_entry(const struct repo_entry_cfg *a, const struct repo_entry_cfg *b)
{
#define S(x) (!strcmp(a->x ? a->x : "", b->x ? b->x : ""))
    return S(name) && S(url) && S(username) && S(password) && S(cert_file) && S(key_file) &&
           S(ca_file) && a->insecure_skip_tls_verify == b->insecure_skip_tls_verify &&
           a->pass_credentials_all == b->pass_credentials_all;
#undef S
}

static int
repo_add(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    bool help;
    int rc = cli_parse(cmd, repo_add_opts(), argc, argv, g, &pos, &help);
    cleanup_free const char **pos_owned = pos.v;
    if (rc || help)
        return rc;
    if (pos.n != 2)
        return cli_usage_error(cmd, "\"pkg repo add\" requires 2 arguments");
    const char *name = pos.v[0], *url = pos.v[1];
    if (strchr(name, '/'))
        return repo_cli_failf("repository name (%s) contains '/', please specify a different name "
                              "without '/'",
                              name);
    char password_buf[4096];
    const char *password = add_o.password;
    if (add_o.username && *add_o.username && (!password || !*password)) {
        if (!add_o.password_stdin)
            return repo_cli_failf("--username needs --password or --password-stdin");
        size_t n = fread(password_buf, 1, sizeof(password_buf) - 1, stdin);
        password_buf[n] = 0;
        while (n && (password_buf[n - 1] == '\n' || password_buf[n - 1] == '\r'))
            password_buf[--n] = 0;
        password = password_buf;
    }
    struct pkg_err *err = NULL;
    int lock = -1;
    if (repo_config_lock(&lock, &err) < 0)
        return cli_fail(err);
    struct repo_config cfg;
    char *path = repo_config_path();
    rc = repo_config_load_file(&cfg, path, &err);
    free(path);
    if (rc) {
        repo_config_unlock(lock);
        return cli_fail(err);
    }
    struct repo_entry_cfg e = {
        .name = (char *)name,
        .url = (char *)url,
        .username = (char *)(add_o.username ? add_o.username : ""),
        .password = (char *)(password ? password : ""),
        .cert_file = (char *)(add_o.cert ? add_o.cert : ""),
        .key_file = (char *)(add_o.key ? add_o.key : ""),
        .ca_file = (char *)(add_o.ca ? add_o.ca : ""),
        .insecure_skip_tls_verify = add_o.insecure,
        .pass_credentials_all = add_o.pass_all,
    };
    struct repo_entry_cfg *old = repo_config_get(&cfg, name);
    if (old && !add_o.force) {
        bool same = same_entry(old, &e);
        repo_config_release(&cfg);
        repo_config_unlock(lock);
        if (!same)
            return repo_cli_failf("repository name (%s) already exists, please specify a different "
                                  "name",
                                  name);
        printf("\"%s\" already exists with the same configuration, skipping\n", name);
        return EXIT_OK;
    }
    char *cache = repo_cache_dir();
    struct repo_update_result ur;
    rc = repo_update_one(&ur, &e, cache, isatty(2), &repo_cli_warner, &err);
    free(cache);
    if (rc) {
        pkg_err_wrap(&err, "looks like \"%s\" is not a valid chart repository or cannot be reached",
                     url);
    } else {
        repo_config_set(&cfg, &e);
        rc = repo_config_save(&cfg, &err);
    }
    repo_config_release(&cfg);
    repo_config_unlock(lock);
    if (rc)
        return cli_fail(err);
    printf("\"%s\" has been added to your repositories\n", name);
    return EXIT_OK;
}

/* ---- repo list ---------------------------------------------------------- */

static const char *list_output;

static const struct opt *
repo_list_opts(void)
{
    static const struct opt opts[] = {
        {"output", 'o', OPT_STRING, &list_output, "FORMAT",
         "prints the output in the specified format. Allowed values: table, json, yaml", NULL},
        OPT_END,
    };
    return opts;
}

static int
repo_list(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    bool help;
    int rc = cli_parse(cmd, repo_list_opts(), argc, argv, g, &pos, &help);
    cleanup_free const char **pos_owned = pos.v;
    if (rc || help)
        return rc;
    int fmt;
    if ((rc = repo_cli_output_format(cmd, list_output, &fmt)))
        return rc;
    if (pos.n)
        return cli_usage_error(cmd, "unexpected argument \"%s\"", pos.v[0]);
    struct repo_config cfg;
    struct pkg_err *err = NULL;
    if (repo_config_load(&cfg, &err) < 0)
        return cli_fail(err);
    if (cfg.n == 0 && fmt == 0) {
        repo_config_release(&cfg);
        return repo_cli_failf("no repositories to show");
    }
    if (fmt == 0) {
        const char **cells = calloc(2 * (cfg.n + 1), sizeof(char *));
        cells[0] = "NAME";
        cells[1] = "URL";
        for (size_t i = 0; i < cfg.n; i++) {
            cells[2 * (i + 1)] = cfg.v[i].name;
            cells[2 * (i + 1) + 1] = cfg.v[i].url;
        }
        struct sb sb = SB_INIT;
        repo_table(&sb, cells, cfg.n + 1, 2, 0);
        fwrite(sb.buf, 1, sb.len, stdout);
        sb_release(&sb);
        free(cells);
    } else {
        struct arena *a = arena_new();
        struct val *list = val_seq(a);
        for (size_t i = 0; i < cfg.n; i++) {
            struct val *m = val_map(a);
            val_map_setz(a, m, "name", val_strz(a, cfg.v[i].name));
            val_map_setz(a, m, "url", val_strz(a, cfg.v[i].url));
            val_seq_push(a, list, m);
        }
        rc = repo_cli_print_val(list, fmt);
        arena_free(a);
    }
    repo_config_release(&cfg);
    return rc;
}

/* ---- repo remove -------------------------------------------------------- */

static int
repo_remove(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    bool help;
    int rc = cli_parse(cmd, NULL, argc, argv, g, &pos, &help);
    cleanup_free const char **pos_owned = pos.v;
    if (rc || help)
        return rc;
    if (pos.n < 1)
        return cli_usage_error(cmd, "requires at least 1 argument");
    struct pkg_err *err = NULL;
    int lock = -1;
    if (repo_config_lock(&lock, &err) < 0)
        return cli_fail(err);
    struct repo_config cfg;
    char *path = repo_config_path();
    rc = repo_config_load_file(&cfg, path, &err);
    free(path);
    if (rc) {
        repo_config_unlock(lock);
        return cli_fail(err);
    }
    char *cache = repo_cache_dir();
    for (size_t i = 0; i < pos.n && rc == 0; i++) {
        const char *name = pos.v[i];
        if (!repo_config_remove(&cfg, name)) {
            struct repo_config all;
            struct pkg_err *e2 = NULL;
            bool helm = false;
            if (repo_config_load(&all, &e2) == 0) {
                struct repo_entry_cfg *h = repo_config_get(&all, name);
                helm = h && h->from_helm;
                repo_config_release(&all);
            }
            pkg_err_free(e2);
            rc = helm ? pkg_err_set(&err, PKG_ENOENT,
                                    "\"%s\" is configured in helm's repositories.yaml; remove it "
                                    "with helm repo remove",
                                    name)
                      : pkg_err_set(&err, PKG_ENOENT, "no repo named \"%s\" found", name);
            break;
        }
        rc = repo_config_save(&cfg, &err);
        if (rc)
            break;
        const char *suffix[] = {"-index.yaml", "-charts.txt", "-index.meta"};
        for (int k = 0; k < 3; k++) {
            char *p = xasprintf("%s/%s%s", cache, name, suffix[k]);
            unlink(p);
            free(p);
        }
        printf("\"%s\" has been removed from your repositories\n", name);
    }
    free(cache);
    repo_config_release(&cfg);
    repo_config_unlock(lock);
    return rc ? cli_fail(err) : EXIT_OK;
}

/* ---- repo update -------------------------------------------------------- */

static bool update_fail_on_error;

static const struct opt *
repo_update_opts(void)
{
    static const struct opt opts[] = {
        {"fail-on-repo-update-fail", 0, OPT_BOOL, &update_fail_on_error, NULL,
         "update fails if any of the repository updates fail", NULL},
        OPT_END,
    };
    return opts;
}

struct update_job {
    const struct repo_entry_cfg *e;
    const char *cache;
    struct repo_update_result res;
    struct pkg_err *err;
    int rc;
};

static void *
update_thread(void *p)
{
    struct update_job *j = p;
    j->rc = repo_update_one(&j->res, j->e, j->cache, false, &repo_cli_warner, &j->err);
    return NULL;
}

int
repo_cli_update_all(const struct repo_config *cfg, const char *const *names, size_t nnames,
                    bool fail_on_error, bool quiet_header)
{
    char *cache = repo_cache_dir();
    struct update_job *jobs = calloc(cfg->n ? cfg->n : 1, sizeof(*jobs));
    pthread_t *th = calloc(cfg->n ? cfg->n : 1, sizeof(*th));
    size_t nj = 0;
    for (size_t i = 0; i < cfg->n; i++) {
        bool want = nnames == 0;
        for (size_t k = 0; k < nnames; k++)
            if (!strcmp(names[k], cfg->v[i].name))
                want = true;
        if (!want)
            continue;
        jobs[nj].e = &cfg->v[i];
        jobs[nj].cache = cache;
        nj++;
    }
    if (!quiet_header)
        printf("Hang tight while we grab the latest from your chart repositories...\n");
    fflush(stdout);
    for (size_t i = 0; i < nj; i++)
        if (pthread_create(&th[i], NULL, update_thread, &jobs[i]) != 0)
            update_thread(&jobs[i]), th[i] = 0;
    int failed = 0;
    for (size_t i = 0; i < nj; i++) {
        if (th[i])
            pthread_join(th[i], NULL);
        if (jobs[i].rc) {
            failed++;
            printf("...Unable to get an update from the \"%s\" chart repository (%s):\n\t%s\n",
                   jobs[i].e->name, jobs[i].e->url, jobs[i].err->msg);
            pkg_err_free(jobs[i].err);
        } else {
            printf("...Successfully got an update from the \"%s\" chart repository%s\n",
                   jobs[i].e->name, jobs[i].res.not_modified ? " (not modified)" : "");
        }
    }
    free(th);
    free(jobs);
    free(cache);
    fflush(stdout);
    if (failed && fail_on_error)
        return repo_cli_failf("Failed to update %d repositories", failed);
    if (!quiet_header)
        printf("Update Complete. \xe2\x8e\x88Happy Helming!\xe2\x8e\x88\n");
    return EXIT_OK;
}

static int
repo_update(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    bool help;
    int rc = cli_parse(cmd, repo_update_opts(), argc, argv, g, &pos, &help);
    cleanup_free const char **pos_owned = pos.v;
    if (rc || help)
        return rc;
    struct repo_config cfg;
    struct pkg_err *err = NULL;
    if (repo_config_load(&cfg, &err) < 0)
        return cli_fail(err);
    if (cfg.n == 0) {
        repo_config_release(&cfg);
        return repo_cli_failf("no repositories found. You must add one before updating");
    }
    for (size_t i = 0; i < pos.n; i++)
        if (!repo_config_get(&cfg, pos.v[i])) {
            repo_config_release(&cfg);
            return repo_cli_failf("no repositories found matching '%s'.  Nothing will be updated",
                                  pos.v[i]);
        }
    rc = repo_cli_update_all(&cfg, pos.v, pos.n, update_fail_on_error, false);
    repo_config_release(&cfg);
    return rc;
}

/* ---- repo index --------------------------------------------------------- */

static const char *index_url, *index_merge;
static bool index_json;

static const struct opt *
repo_index_opts(void)
{
    static const struct opt opts[] = {
        {"url", 0, OPT_STRING, &index_url, "URL", "url of chart repository", NULL},
        {"merge", 0, OPT_STRING, &index_merge, "FILE",
         "merge the generated index into the given index", NULL},
        {"json", 0, OPT_BOOL, &index_json, NULL, "output in JSON format", NULL},
        OPT_END,
    };
    return opts;
}

static int
repo_index_cmd(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    bool help;
    int rc = cli_parse(cmd, repo_index_opts(), argc, argv, g, &pos, &help);
    cleanup_free const char **pos_owned = pos.v;
    if (rc || help)
        return rc;
    if (pos.n != 1)
        return cli_usage_error(cmd, "\"pkg repo index\" requires 1 argument");
    struct pkg_err *err = NULL;
    rc = repo_index_build(pos.v[0], index_url ? index_url : "", index_merge, index_json,
                          &repo_cli_warner, &err);
    return rc ? cli_fail(err) : EXIT_OK;
}

/* ---- repo serve --------------------------------------------------------- */

static struct {
    const char *addr, *url, *username, *password, *cert, *key;
    bool watch, upload, upload_set, quiet;
    long max_conn, threads, max_upload;
    int upload_seen;
} serve_o = {.addr = "127.0.0.1:8879"};

static const struct opt *
repo_serve_opts(void)
{
    static const struct opt opts[] = {
        {"addr", 0, OPT_STRING, &serve_o.addr, "HOST:PORT",
         "address to listen on (port 0 picks a free port)", NULL},
        {"url", 0, OPT_STRING, &serve_o.url, "URL",
         "absolute base URL written into the index (default: relative URLs)", NULL},
        {"username", 0, OPT_STRING, &serve_o.username, "USER", "require HTTP basic auth", NULL},
        {"password", 0, OPT_STRING, &serve_o.password, "PASS", "password for --username", NULL},
        {"tls-cert", 0, OPT_STRING, &serve_o.cert, "FILE", "serve HTTPS with this certificate",
         NULL},
        {"tls-key", 0, OPT_STRING, &serve_o.key, "FILE", "private key for --tls-cert", NULL},
        {"watch", 0, OPT_BOOL, &serve_o.watch, NULL,
         "re-index when charts are added or removed (inotify)", NULL},
        {"upload", 0, OPT_BOOL, &serve_o.upload, NULL,
         "accept uploads on /api/charts (default: on for $PKG_HOME/charts)", &serve_o.upload_seen},
        {"max-connections", 0, OPT_INT, &serve_o.max_conn, "N",
         "concurrent connection limit (default 256)", NULL},
        {"threads", 0, OPT_INT, &serve_o.threads, "N", "worker threads (default 4)", NULL},
        {"max-upload", 0, OPT_INT, &serve_o.max_upload, "BYTES",
         "largest chart upload accepted (default 1 GiB)", NULL},
        {"quiet", 'q', OPT_BOOL, &serve_o.quiet, NULL, "do not log requests", NULL},
        OPT_END,
    };
    return opts;
}

static volatile int serve_stop, serve_hup;

static void
on_signal(int sig)
{
    if (sig == SIGHUP)
        serve_hup = 1;
    else
        serve_stop = 1;
}

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void
serve_log(void *payload, const char *line)
{
    (void)payload;
    pthread_mutex_lock(&log_lock);
    fputs(line, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    pthread_mutex_unlock(&log_lock);
}

static int
repo_serve(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    struct strv pos = {0};
    bool help;
    int rc = cli_parse(cmd, repo_serve_opts(), argc, argv, g, &pos, &help);
    cleanup_free const char **pos_owned = pos.v;
    if (rc || help)
        return rc;
    if (pos.n > 1)
        return cli_usage_error(cmd, "accepts at most 1 argument");
    if ((serve_o.username == NULL) != (serve_o.password == NULL))
        return cli_usage_error(cmd, "--username and --password go together");
    if ((serve_o.cert == NULL) != (serve_o.key == NULL))
        return cli_usage_error(cmd, "--tls-cert and --tls-key go together");
    if (serve_o.max_conn < 0 || serve_o.max_conn > 100000 || serve_o.threads < 0 ||
        serve_o.threads > 256)
        return cli_usage_error(cmd, "--max-connections or --threads out of range");
    struct pkg_err *err = NULL;
    char *dir = NULL;
    bool home_charts = pos.n == 0;
    if (home_charts) {
        dir = repo_charts_dir();
        if (fs_mkdir_p(dir, 0755, &err) < 0) {
            free(dir);
            return cli_fail(err);
        }
    } else {
        dir = xstrdup(pos.v[0]);
    }
    struct repo_server_opts o = {
        .dir = dir,
        .addr = serve_o.addr,
        .url = serve_o.url,
        .username = serve_o.username,
        .password = serve_o.password,
        .tls_cert = serve_o.cert,
        .tls_key = serve_o.key,
        .watch = serve_o.watch,
        .allow_upload = serve_o.upload_seen ? serve_o.upload : home_charts,
        .max_connections = (unsigned)serve_o.max_conn,
        .threads = (unsigned)serve_o.threads,
        .max_upload = serve_o.max_upload > 0 ? (size_t)serve_o.max_upload : 0,
        .log = serve_o.quiet ? NULL : serve_log,
        .warn = repo_cli_warner,
    };
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct repo_server *s;
    if (repo_server_start(&s, &o, &err) < 0) {
        free(dir);
        return cli_fail(err);
    }
    /* The URL to reach it: the host given, loopback for a wildcard. */
    char host[300];
    const char *colon = strrchr(serve_o.addr, ':');
    snprintf(host, sizeof(host), "%.*s", colon ? (int)(colon - serve_o.addr) : 0, serve_o.addr);
    if (!*host || !strcmp(host, "0.0.0.0"))
        strcpy(host, "127.0.0.1");
    else if (!strcmp(host, "[::]"))
        strcpy(host, "[::1]");
    printf("Serving %s at %s://%s:%u/%s%s\n", dir, o.tls_cert ? "https" : "http", host,
           repo_server_port(s), o.allow_upload ? " (uploads on /api/charts)" : "",
           o.watch ? " (watching)" : "");
    fflush(stdout);
    repo_server_run(s, &serve_stop, &serve_hup, &err);
    repo_server_stop(s);
    free(dir);
    return EXIT_OK;
}

/* ---- dispatch ----------------------------------------------------------- */

static const struct cmd repo_cmds[] = {
    {"repo add", repo_add, "add a chart repository",
     "pkg repo add NAME URL [--username U --password P] [--ca-file F] [--cert-file F --key-file F] "
     "[--insecure-skip-tls-verify] [--pass-credentials] [--force-update]",
     "Adds a repository after downloading and checking its index.yaml. The entry goes to\n"
     "$PKG_HOME/repositories.yaml (helm's format); the index is cached in\n"
     "$PKG_HOME/cache/repository.",
     repo_add_opts, false},
    {"repo list", repo_list, "list chart repositories", "pkg repo list [-o table|json|yaml]",
     "Lists pkg's repositories and those from helm's repositories.yaml\n"
     "($HELM_CONFIG_HOME/repositories.yaml, default ~/.config/helm/repositories.yaml).",
     repo_list_opts, false},
    {"repo remove", repo_remove, "remove one or more chart repositories", "pkg repo remove NAME...",
     NULL, NULL, false},
    {"repo update", repo_update, "update information of available charts",
     "pkg repo update [NAME...] [--fail-on-repo-update-fail]",
     "Downloads each repository's index.yaml into the cache. Requests are conditional\n"
     "(If-None-Match/If-Modified-Since): an unchanged index is not transferred again.",
     repo_update_opts, false},
    {"repo index", repo_index_cmd,
     "generate an index file given a directory containing packaged charts",
     "pkg repo index DIR [--url URL] [--merge FILE] [--json]",
     "Reads DIR and its direct subdirectories for chart archives (*.tgz) and writes\n"
     "DIR/index.yaml as helm repo index does. --merge keeps the entries of an existing\n"
     "index (and their created times) that DIR does not have.",
     repo_index_opts, false},
    {"repo serve", repo_serve, "serve a directory of charts as a chart repository",
     "pkg repo serve [DIR] [--addr 127.0.0.1:8879] [--url URL] [--watch] [--username U --password "
     "P] [--tls-cert F --tls-key F] [--upload]",
     "Indexes DIR (default $PKG_HOME/charts) and serves index.yaml, chart archives and\n"
     ".prov files over HTTP(S), with ETag/Last-Modified, HEAD and byte ranges. SIGHUP or\n"
     "--watch re-indexes. GET /healthz reports status as JSON. With uploads on (the\n"
     "default for $PKG_HOME/charts), POST /api/charts (multipart field \"chart\" or a raw\n"
     "body) and PUT /api/charts/NAME.tgz add charts, as ChartMuseum accepts.",
     repo_serve_opts, false},
};

int
cmd_repo(const struct cmd *cmd, int argc, char **argv, struct global_opts *g)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        cli_print_help(cmd);
        printf("\nSubcommands:\n");
        for (size_t i = 0; i < sizeof(repo_cmds) / sizeof(repo_cmds[0]); i++)
            printf("  %-14s %s\n", repo_cmds[i].name + 5, repo_cmds[i].summary);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "ls"))
        sub = "list";
    else if (!strcmp(sub, "rm"))
        sub = "remove";
    else if (!strcmp(sub, "up"))
        sub = "update";
    const char *names[8];
    size_t n = 0;
    for (size_t i = 0; i < sizeof(repo_cmds) / sizeof(repo_cmds[0]); i++) {
        names[n++] = repo_cmds[i].name + 5;
        if (!strcmp(repo_cmds[i].name + 5, sub))
            return repo_cmds[i].run(&repo_cmds[i], argc - 1, argv + 1, g);
    }
    fprintf(stderr, "Error: unknown command \"%s\" for \"pkg repo\"\n", argv[1]);
    const char *s = cli_suggest(argv[1], names, n);
    if (s)
        fprintf(stderr, "\nDid you mean this?\n\t%s\n", s);
    fprintf(stderr, "\nRun 'pkg repo --help' for usage.\n");
    return EXIT_USAGE;
}
