/* Errors: one vocabulary of codes and a message that gathers context on the
 * way up, read outer-to-inner like Go's wrapped errors. */
#ifndef PKG_CORE_ERR_H
#define PKG_CORE_ERR_H

#include <stdarg.h>

/* Error codes: never renumbered, only appended. Functions return 0 or one of
 * these (negative). */
enum pkg_errcode {
    PKG_OK = 0,
    PKG_EINVAL = -1,  /* bad input: syntax, types, values */
    PKG_ENOENT = -2,  /* a file, key, object or command that does not exist */
    PKG_EIO = -3,     /* a system call failed (the message names it) */
    PKG_ELIMIT = -4,  /* a size, depth or count limit was exceeded */
    PKG_ESYNTAX = -5, /* input that does not parse */
    PKG_ETYPE = -6,   /* a value of the wrong type */
    PKG_ENOTSUP = -7, /* valid but not supported */
    PKG_EEXIST = -8,  /* already exists */
    PKG_EPERM = -9,   /* refused: permissions, path escapes, auth */
    PKG_ENET = -10,   /* network transfer failed */
    PKG_ETIMEOUT = -11,
    PKG_EDIGEST = -12, /* a digest or signature did not verify */
    PKG_ECONFLICT = -13,
    PKG_EFAIL = -14,  /* a user-requested failure (template `fail`, `required`) */
    PKG_EUSAGE = -15, /* bad command line: exit status 2 */
    PKG_ESTATE = -16, /* an operation not allowed in the current state */
};

/* An error: its code and the full message. Owned by whoever holds the
 * pointer; released with pkg_err_free(). */
struct pkg_err {
    int code;
    char *msg;
};

/* Sets *errp (when errp is not NULL) to a new error with a printf-style
 * message, replacing any error already there. Returns code, so that
 * `return pkg_err_set(errp, PKG_EINVAL, "...")` reads naturally. */
int pkg_err_set(struct pkg_err **errp, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int pkg_err_vset(struct pkg_err **errp, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Like pkg_err_set with a "file:line:col: " prefix; line/col 0 are left out. */
int pkg_err_setloc(struct pkg_err **errp, int code, const char *file, unsigned line, unsigned col,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Adds context in front of the message: "<context>: <message>". Returns the
 * error's code (PKG_EINVAL when *errp is empty, which is a caller bug). */
int pkg_err_wrap(struct pkg_err **errp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets *errp from errno after a failed system call: "<what>: <strerror>". */
int pkg_err_sys(struct pkg_err **errp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Frees an error; NULL is a no-op. */
void pkg_err_free(struct pkg_err *err);

/* Frees *errp and sets it to NULL. */
void pkg_err_clear(struct pkg_err **errp);

/* Code name for messages and tests ("EINVAL"). */
const char *pkg_err_name(int code);

#endif
