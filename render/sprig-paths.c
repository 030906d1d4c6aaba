/* Sprig's path functions: base, dir, clean, ext, isAbs (Go's path
 * package) and their os* twins (path/filepath, which on Linux — the only
 * system Helm's output is compared on — behaves the same). */
#include "render/sprig.h"

#include <string.h>

/* path.Clean into buf (at least n bytes + 1); returns the length */
static size_t
clean_path(const char *p, size_t n, char *out)
{
    if (n == 0) {
        out[0] = '.';
        return 1;
    }
    bool rooted = p[0] == '/';
    size_t w = 0, r = 0, dotdot = 0;
    if (rooted) {
        out[w++] = '/';
        r = dotdot = 1;
    }
    while (r < n) {
        if (p[r] == '/') {
            r++;
        } else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
            r++;
        } else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && out[w] != '/')
                    w--;
            } else if (!rooted) {
                if (w > 0)
                    out[w++] = '/';
                out[w++] = '.';
                out[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0))
                out[w++] = '/';
            for (; r < n && p[r] != '/'; r++)
                out[w++] = p[r];
        }
    }
    if (w == 0)
        out[w++] = '.';
    return w;
}

static int
fn_clean(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const char *p = tmpl_arg_str(c, 0, &n);
    /* the result is never longer than the input, or "." */
    char *buf = arena_alloc(c->a, n + 2);
    size_t w = clean_path(p, n, buf);
    if (w == n && !memcmp(buf, p, n)) {
        *out = c->argv[0];
        return 0;
    }
    buf[w] = 0;
    *out = val_str_nocopy(c->a, buf, w);
    return 0;
}

static int
fn_base(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const char *p = tmpl_arg_str(c, 0, &n);
    if (n == 0) {
        *out = tmpl_mkstr(c, ".", 1);
        return 0;
    }
    while (n > 0 && p[n - 1] == '/')
        n--;
    const char *s = p;
    for (size_t i = n; i > 0; i--)
        if (p[i - 1] == '/') {
            s = p + i;
            break;
        }
    size_t len = (size_t)(p + n - s);
    if (len == 0) {
        *out = tmpl_mkstr(c, "/", 1);
        return 0;
    }
    *out = sprig_str_sub(c, c->argv[0], s, len);
    return 0;
}

/* path.Dir: Clean of everything up to the last slash */
static int
fn_dir(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const char *p = tmpl_arg_str(c, 0, &n);
    size_t i = n;
    while (i > 0 && p[i - 1] != '/')
        i--;
    char *buf = arena_alloc(c->a, i + 2);
    size_t w = clean_path(p, i, buf);
    buf[w] = 0;
    *out = val_str_nocopy(c->a, buf, w);
    return 0;
}

static int
fn_ext(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const char *p = tmpl_arg_str(c, 0, &n);
    for (size_t i = n; i > 0 && p[i - 1] != '/'; i--) {
        if (p[i - 1] == '.') {
            *out = val_str_nocopy(c->a, p + i - 1, n - i + 1);
            return 0;
        }
    }
    *out = tmpl_mkstr(c, "", 0);
    return 0;
}

static int
fn_is_abs(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const char *p = tmpl_arg_str(c, 0, &n);
    *out = tmpl_mkbool(c, n > 0 && p[0] == '/');
    return 0;
}

const struct tmpl_func tmpl_funcs_sprig_paths[] = {
    {"base", fn_base, "func(string) string"},
    {"dir", fn_dir, "func(string) string"},
    {"clean", fn_clean, "func(string) string"},
    {"ext", fn_ext, "func(string) string"},
    {"isAbs", fn_is_abs, "func(string) bool"},
    {"osBase", fn_base, "func(string) string"},
    {"osClean", fn_clean, "func(string) string"},
    {"osDir", fn_dir, "func(string) string"},
    {"osExt", fn_ext, "func(string) string"},
    {"osIsAbs", fn_is_abs, "func(string) bool"},
    {NULL, NULL, NULL},
};
