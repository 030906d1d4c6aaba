/* Error values: creation, wrapping with context, release. */
#include "core/err.h"
#include "core/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
pkg_err_vset(struct pkg_err **errp, int code, const char *fmt, va_list ap)
{
    if (!errp)
        return code;
    struct pkg_err *e = *errp;
    if (!e) {
        e = xcalloc(1, sizeof(*e));
        *errp = e;
    }
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        xalloc_die();
    free(e->msg);
    e->msg = msg;
    e->code = code;
    return code;
}

int
pkg_err_set(struct pkg_err **errp, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pkg_err_vset(errp, code, fmt, ap);
    va_end(ap);
    return code;
}

int
pkg_err_setloc(struct pkg_err **errp, int code, const char *file, unsigned line, unsigned col,
               const char *fmt, ...)
{
    if (!errp)
        return code;
    va_list ap;
    va_start(ap, fmt);
    pkg_err_vset(errp, code, fmt, ap);
    va_end(ap);
    char *msg = NULL;
    int n;
    const char *f = file ? file : "<input>";
    if (line && col)
        n = asprintf(&msg, "%s:%u:%u: %s", f, line, col, (*errp)->msg);
    else if (line)
        n = asprintf(&msg, "%s:%u: %s", f, line, (*errp)->msg);
    else
        n = asprintf(&msg, "%s: %s", f, (*errp)->msg);
    if (n < 0)
        xalloc_die();
    free((*errp)->msg);
    (*errp)->msg = msg;
    return code;
}

int
pkg_err_wrap(struct pkg_err **errp, const char *fmt, ...)
{
    if (!errp)
        return PKG_EINVAL;
    if (!*errp)
        return pkg_err_set(errp, PKG_EINVAL, "unknown error");
    char *ctx = NULL, *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&ctx, fmt, ap) < 0)
        xalloc_die();
    va_end(ap);
    if (asprintf(&msg, "%s: %s", ctx, (*errp)->msg) < 0)
        xalloc_die();
    free(ctx);
    free((*errp)->msg);
    (*errp)->msg = msg;
    return (*errp)->code;
}

int
pkg_err_sys(struct pkg_err **errp, const char *fmt, ...)
{
    int saved = errno;
    char *what = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&what, fmt, ap) < 0)
        xalloc_die();
    va_end(ap);
    int code = PKG_EIO;
    if (saved == ENOENT || saved == ENOTDIR)
        code = PKG_ENOENT;
    else if (saved == EACCES || saved == EPERM)
        code = PKG_EPERM;
    else if (saved == EEXIST)
        code = PKG_EEXIST;
    pkg_err_set(errp, code, "%s: %s", what, strerror(saved));
    free(what);
    errno = saved;
    return code;
}

void
pkg_err_free(struct pkg_err *err)
{
    if (!err)
        return;
    free(err->msg);
    free(err);
}

void
pkg_err_clear(struct pkg_err **errp)
{
    if (errp) {
        pkg_err_free(*errp);
        *errp = NULL;
    }
}

const char *
pkg_err_name(int code)
{
    static const char *const names[] = {
        "OK",      "EINVAL",    "ENOENT", "EIO",    "ELIMIT", "ESYNTAX",
        "ETYPE",   "ENOTSUP",   "EEXIST", "EPERM",  "ENET",   "ETIMEOUT",
        "EDIGEST", "ECONFLICT", "EFAIL",  "EUSAGE", "ESTATE",
    };
    int i = -code;
    if (i >= 0 && (size_t)i < sizeof(names) / sizeof(names[0]))
        return names[i];
    return "EUNKNOWN";
}
