/* The command-line layer: the command table, a declarative flag parser and
 * the help system. Only cmd/ prints or exits. */
#ifndef PKG_CMD_CLI_H
#define PKG_CMD_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* Exit statuses. */
enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_USAGE = 2 };

/* Flags shared by every command. */
struct global_opts {
    bool debug;
    const char *ns; /* -n/--namespace, NULL when not given */
    bool ns_set;
};

enum opt_type {
    OPT_BOOL,    /* bool *; --x, --x=true|false */
    OPT_STRING,  /* const char **; last one wins */
    OPT_STRINGS, /* struct strv *; repeatable, in order */
    OPT_INT,     /* long *; decimal */
};

/* A growable list of strings (borrowed from argv or heap, never freed one
 * by one: the process ends soon after). */
struct strv {
    const char **v;
    size_t n, cap;
};
void strv_push(struct strv *sv, const char *s);

struct opt {
    const char *name; /* long name without "--" */
    char short_name;  /* 0 when none */
    enum opt_type type;
    void *dest;
    const char *metavar; /* for help: "FILE" */
    const char *help;
    int *seen_order; /* optional: set to the order the flag was seen (1-based) */
};
#define OPT_END                                                                                    \
    {                                                                                              \
        0                                                                                          \
    }

struct cmd {
    const char *name;
    int (*run)(const struct cmd *cmd, int argc, char **argv, struct global_opts *g);
    const char *summary;             /* one line for `pkg --help` */
    const char *usage;               /* "pkg template [NAME] CHART [flags]" */
    const char *help;                /* paragraphs for `pkg help CMD`, may be NULL */
    const struct opt *(*opts)(void); /* the command's flags, for help; may be NULL */
    bool hidden;
};

/* Parses argv (argv[0] is the command name) against the command's opts and
 * the global flags. Positional arguments go to *pos in order; "--" ends
 * flags (the rest are positional). --help/-h prints the command's help and
 * sets *help_shown. On a bad flag, prints the error with the usage hint to
 * stderr and returns EXIT_USAGE; otherwise 0. */
int cli_parse(const struct cmd *cmd, const struct opt *opts, int argc, char **argv,
              struct global_opts *g, struct strv *pos, bool *help_shown);

/* Prints a command's full help to stdout. */
void cli_print_help(const struct cmd *cmd);

/* Reports an error the way every command does: "Error: <msg>" on stderr.
 * Returns EXIT_ERR (EXIT_USAGE for PKG_EUSAGE). Frees the error. */
int cli_fail(struct pkg_err *err);
/* printf-style usage error: "Error: ..." and a hint; returns EXIT_USAGE. */
int cli_usage_error(const struct cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The command table (main.c). */
extern const struct cmd cli_commands[];
const struct cmd *cli_find(const char *name);
/* The name of the table entry nearest to `name` (edit distance), or NULL. */
const char *cli_suggest(const char *name, const char *const *names, size_t n);

/* Version string: "v0.1.0" and the git describe when built from git. */
extern const char *pkg_version;

#endif
