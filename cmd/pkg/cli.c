/* Flag parsing, help output, error reporting and "did you mean" for every
 * command. */
#include "cmd/pkg/cli.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
strv_push(struct strv *sv, const char *s)
{
    sv->v = xgrow(sv->v, &sv->cap, sv->n + 2, sizeof(*sv->v));
    sv->v[sv->n++] = s;
    sv->v[sv->n] = NULL;
}

static const struct opt global_opts_table[] = {
    {"debug", 0, OPT_BOOL, NULL, NULL, "enable verbose output", NULL},
    {"namespace", 'n', OPT_STRING, NULL, "NS", "namespace scope for this request", NULL},
    {"help", 'h', OPT_BOOL, NULL, NULL, "help for this command", NULL},
    OPT_END,
};

static size_t
edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = xcalloc(lb + 1, sizeof(size_t));
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            size_t del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            prev = cur;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

const char *
cli_suggest(const char *name, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(name, names[i]);
        /* A prefix counts as near, as cobra's suggestions do. */
        if (strncmp(names[i], name, strlen(name)) == 0 && strlen(name) >= 2)
            d = d < 1 ? d : 1;
        if (d < bestd) {
            bestd = d;
            best = names[i];
        }
    }
    size_t limit = strlen(name) <= 3 ? 1 : 2;
    return bestd <= limit ? best : NULL;
}

int
cli_usage_error(const struct cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("Error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (cmd)
        fprintf(stderr, "Usage: %s\nRun 'pkg %s --help' for more information.\n", cmd->usage,
                cmd->name);
    else
        fputs("Run 'pkg --help' for usage.\n", stderr);
    return EXIT_USAGE;
}

int
cli_fail(struct pkg_err *err)
{
    int code = err ? err->code : PKG_EINVAL;
    fprintf(stderr, "Error: %s\n", err && err->msg ? err->msg : "unknown error");
    pkg_err_free(err);
    return code == PKG_EUSAGE ? EXIT_USAGE : EXIT_ERR;
}

static const struct opt *
find_opt(const struct opt *opts, const char *name, size_t n, char short_name)
{
    for (const struct opt *o = opts; o && o->name; o++) {
        if (short_name ? o->short_name == short_name
                       : (strlen(o->name) == n && strncmp(o->name, name, n) == 0))
            return o;
    }
    return NULL;
}

static int
parse_bool(const char *s, bool *out)
{
    if (!strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "t") || !strcmp(s, "T") ||
        !strcmp(s, "TRUE") || !strcmp(s, "True")) {
        *out = true;
        return 0;
    }
    if (!strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "f") || !strcmp(s, "F") ||
        !strcmp(s, "FALSE") || !strcmp(s, "False")) {
        *out = false;
        return 0;
    }
    return -1;
}

static int
apply_opt(const struct cmd *cmd, const struct opt *o, const char *flagname, const char *value,
          struct global_opts *g, bool *help, int order)
{
    void *dest = o->dest;
    if (o->seen_order)
        *o->seen_order = order;
    if (!dest) {
        /* A global flag. */
        if (!strcmp(o->name, "debug"))
            dest = &g->debug;
        else if (!strcmp(o->name, "help"))
            dest = help;
        else if (!strcmp(o->name, "namespace")) {
            g->ns = value;
            g->ns_set = true;
            return 0;
        }
    }
    switch (o->type) {
    case OPT_BOOL: {
        bool b = true;
        if (value && parse_bool(value, &b) < 0)
            return cli_usage_error(cmd, "invalid argument \"%s\" for \"%s\" flag: not a boolean",
                                   value, flagname);
        *(bool *)dest = b;
        return 0;
    }
    case OPT_STRING:
        *(const char **)dest = value;
        return 0;
    case OPT_STRINGS:
        strv_push(dest, value);
        return 0;
    case OPT_INT: {
        char *end;
        errno = 0;
        long n = strtol(value, &end, 10);
        if (errno || !*value || *end)
            return cli_usage_error(cmd, "invalid argument \"%s\" for \"%s\" flag: not an integer",
                                   value, flagname);
        *(long *)dest = n;
        return 0;
    }
    }
    return 0;
}

static const char *
suggest_flag(const struct opt *opts, const char *name)
{
    const char *names[128];
    size_t n = 0;
    for (const struct opt *o = opts; o && o->name && n < 120; o++)
        names[n++] = o->name;
    for (const struct opt *o = global_opts_table; o->name && n < 128; o++)
        names[n++] = o->name;
    return cli_suggest(name, names, n);
}

int
cli_parse(const struct cmd *cmd, const struct opt *opts, int argc, char **argv,
          struct global_opts *g, struct strv *pos, bool *help_shown)
{
    bool help = false;
    int order = 0;
    *help_shown = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--")) {
            for (i++; i < argc; i++)
                strv_push(pos, argv[i]);
            break;
        }
        if (arg[0] != '-' || arg[1] == 0) {
            strv_push(pos, arg);
            continue;
        }
        const struct opt *o = NULL;
        const char *value = NULL;
        char flagname[128];
        if (arg[1] == '-') {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            size_t n = eq ? (size_t)(eq - name) : strlen(name);
            snprintf(flagname, sizeof(flagname), "--%.*s", (int)n, name);
            o = find_opt(opts, name, n, 0);
            if (!o)
                o = find_opt(global_opts_table, name, n, 0);
            if (!o) {
                char *nm = xstrndup(name, n);
                const char *s = suggest_flag(opts, nm);
                int rc;
                if (s)
                    rc = cli_usage_error(cmd, "unknown flag: %s (did you mean --%s?)", flagname, s);
                else
                    rc = cli_usage_error(cmd, "unknown flag: %s", flagname);
                free(nm);
                return rc;
            }
            if (eq)
                value = eq + 1;
            else if (o->type != OPT_BOOL) {
                if (i + 1 >= argc)
                    return cli_usage_error(cmd, "flag needs an argument: %s", flagname);
                value = argv[++i];
            }
        } else {
            /* Short flags: -n ns, -nns, -fvalues.yaml; bundled bools -ab. */
            for (const char *c = arg + 1; *c; c++) {
                snprintf(flagname, sizeof(flagname), "-%c", *c);
                o = find_opt(opts, NULL, 0, *c);
                if (!o)
                    o = find_opt(global_opts_table, NULL, 0, *c);
                if (!o)
                    return cli_usage_error(cmd, "unknown shorthand flag: '%c' in %s", *c, arg);
                if (o->type == OPT_BOOL) {
                    int rc = apply_opt(cmd, o, flagname, NULL, g, &help, ++order);
                    if (rc)
                        return rc;
                    continue;
                }
                if (c[1]) {
                    value = c[1] == '=' ? c + 2 : c + 1;
                } else {
                    if (i + 1 >= argc)
                        return cli_usage_error(cmd, "flag needs an argument: '%c' in %s", *c, arg);
                    value = argv[++i];
                }
                break;
            }
            if (o->type == OPT_BOOL)
                continue;
        }
        int rc = apply_opt(cmd, o, flagname, value, g, &help, ++order);
        if (rc)
            return rc;
    }
    if (help) {
        cli_print_help(cmd);
        *help_shown = true;
    }
    return 0;
}

static void
print_opts(const struct opt *opts)
{
    for (const struct opt *o = opts; o && o->name; o++) {
        char left[96];
        const char *mv = o->type == OPT_BOOL ? "" : (o->metavar ? o->metavar : "string");
        if (o->short_name)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name, *mv ? " " : "",
                     mv);
        else
            snprintf(left, sizeof(left), "    --%s%s%s", o->name, *mv ? " " : "", mv);
        printf("  %-34s %s\n", left, o->help ? o->help : "");
    }
}

void
cli_print_help(const struct cmd *cmd)
{
    if (cmd->help)
        printf("%s\n\n", cmd->help);
    else
        printf("%s\n\n", cmd->summary);
    printf("Usage:\n  %s\n", cmd->usage);
    const struct opt *opts = cmd->opts ? cmd->opts() : NULL;
    if (opts && opts->name) {
        printf("\nFlags:\n");
        print_opts(opts);
    }
    printf("\nGlobal Flags:\n");
    print_opts(global_opts_table);
}
