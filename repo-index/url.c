/* URLs the way Helm treats them: joining a base URL with a file name
 * (urlutil.URLJoin), resolving an index's chart URL against the repository
 * URL (repo.ResolveReferenceURL, RFC 3986 reference resolution), comparing
 * repository URLs (urlutil.Equal), and the confinement check pkg adds:
 * a relative chart URL must not climb out of its repository. */
#include "repo-index/repo.h"

#include "core/sb.h"
#include "core/text.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A URL split into its parts; path, query and fragment stay escaped. */
struct url {
    char *scheme;    /* NULL for a relative reference */
    char *authority; /* userinfo@host:port, NULL when absent */
    char *path;
    char *query;    /* without '?', NULL when absent */
    char *fragment; /* without '#', NULL when absent */
};

static void
url_release(struct url *u)
{
    free(u->scheme);
    free(u->authority);
    free(u->path);
    free(u->query);
    free(u->fragment);
    memset(u, 0, sizeof(*u));
}

static int
url_parse(struct url *u, const char *s)
{
    memset(u, 0, sizeof(*u));
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return -1; /* Go refuses control characters */
    const char *p = s;
    /* scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
    if (isalpha((unsigned char)*p)) {
        const char *q = p;
        while (isalnum((unsigned char)*q) || *q == '+' || *q == '-' || *q == '.')
            q++;
        if (*q == ':') {
            u->scheme = xstrndup(p, (size_t)(q - p));
            for (char *c = u->scheme; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            p = q + 1;
        }
    }
    const char *hash = strchr(p, '#');
    if (hash)
        u->fragment = xstrdup(hash + 1);
    size_t rest = hash ? (size_t)(hash - p) : strlen(p);
    const char *qm = memchr(p, '?', rest);
    if (qm) {
        u->query = xstrndup(qm + 1, rest - (size_t)(qm + 1 - p));
        rest = (size_t)(qm - p);
    }
    if (rest >= 2 && p[0] == '/' && p[1] == '/') {
        const char *a = p + 2;
        const char *end = memchr(a, '/', rest - 2);
        size_t alen = end ? (size_t)(end - a) : rest - 2;
        u->authority = xstrndup(a, alen);
        p = a + alen;
        rest -= 2 + alen;
    }
    u->path = xstrndup(p, rest);
    return 0;
}

static void
url_format(struct sb *sb, const struct url *u)
{
    if (u->scheme) {
        sb_addstr(sb, u->scheme);
        sb_addch(sb, ':');
    }
    if (u->authority) {
        sb_addstr(sb, "//");
        sb_addstr(sb, u->authority);
        if (u->path[0] && u->path[0] != '/')
            sb_addch(sb, '/');
    }
    sb_addstr(sb, u->path);
    if (u->query) {
        sb_addch(sb, '?');
        sb_addstr(sb, u->query);
    }
    if (u->fragment) {
        sb_addch(sb, '#');
        sb_addstr(sb, u->fragment);
    }
}

/* Go's resolvePath on an already merged path: RFC 3986 remove_dot_segments
 * with a leading "/" always written. */
static char *
remove_dots(const char *full)
{
    if (!*full)
        return xstrdup("");
    struct sb dst = SB_INIT;
    sb_addch(&dst, '/');
    bool first = true, found = true;
    const char *remaining = full;
    const char *elem = NULL;
    size_t elen = 0;
    while (found) {
        const char *slash = strchr(remaining, '/');
        elem = remaining;
        elen = slash ? (size_t)(slash - remaining) : strlen(remaining);
        found = slash != NULL;
        remaining = slash ? slash + 1 : remaining + elen;
        if (elen == 1 && elem[0] == '.') {
            first = false;
            continue;
        }
        if (elen == 2 && elem[0] == '.' && elem[1] == '.') {
            /* Drop the last element written (ignoring the leading '/'). */
            const char *str = dst.buf + 1;
            const char *last = memrchr(str, '/', dst.len - 1);
            if (!last) {
                sb_setlen(&dst, 1);
                first = true;
            } else {
                size_t keep = (size_t)(last - str);
                memmove(dst.buf + 1, str, keep);
                sb_setlen(&dst, 1 + keep);
            }
        } else {
            if (!first)
                sb_addch(&dst, '/');
            sb_add(&dst, elem, elen);
            first = false;
        }
    }
    if ((elen == 1 && elem[0] == '.') || (elen == 2 && elem[0] == '.' && elem[1] == '.'))
        sb_addch(&dst, '/');
    char *r = sb_detach(&dst, NULL);
    if (r[0] == '/' && r[1] == '/')
        memmove(r, r + 1, strlen(r));
    return r;
}

/* Go's path.Join then Clean for "/"-separated paths. */
static char *
path_clean(const char *p)
{
    if (!*p)
        return xstrdup(".");
    bool rooted = p[0] == '/';
    size_t n = strlen(p);
    char **segs = xcalloc(n + 1, sizeof(char *));
    size_t ns = 0, dotdot = 0; /* leading ".." kept for unrooted paths */
    const char *s = p;
    for (;;) {
        while (*s == '/')
            s++;
        if (!*s)
            break;
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 1 && s[0] == '.') {
        } else if (len == 2 && s[0] == '.' && s[1] == '.') {
            if (ns > dotdot) {
                free(segs[--ns]);
            } else if (!rooted) {
                segs[ns++] = xstrdup("..");
                dotdot = ns;
            }
        } else {
            segs[ns++] = xstrndup(s, len);
        }
        s += len;
    }
    struct sb out = SB_INIT;
    if (rooted)
        sb_addch(&out, '/');
    for (size_t i = 0; i < ns; i++) {
        if (i)
            sb_addch(&out, '/');
        sb_addstr(&out, segs[i]);
        free(segs[i]);
    }
    free(segs);
    if (out.len == 0)
        sb_addch(&out, '.');
    return sb_detach(&out, NULL);
}

/* Go's url.PathEscape-like escaping of one path element for URLJoin
 * (shouldEscape in encodePath mode). */
static void
escape_path(struct sb *sb, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (isalnum(c) || strchr("-_.~$&+,/:;=@!'()*", c))
            sb_addch(sb, c);
        else if (c == '%' && isxdigit(p[1]) && isxdigit(p[2]))
            sb_addch(sb, c); /* already escaped */
        else {
            sb_addch(sb, '%');
            sb_addch(sb, hex[c >> 4]);
            sb_addch(sb, hex[c & 15]);
        }
    }
}

char *
repo_url_join(const char *base, const char *elem)
{
    struct url u;
    if (url_parse(&u, base) < 0) {
        /* Helm falls back to path.Join. */
        struct sb sb = SB_INIT;
        sb_addstr(&sb, base);
        sb_addch(&sb, '/');
        sb_addstr(&sb, elem);
        char *joined = path_clean(sb.buf);
        sb_release(&sb);
        return joined;
    }
    struct sb p = SB_INIT;
    sb_addstr(&p, u.path);
    if (elem && *elem) {
        if (*u.path)
            sb_addch(&p, '/');
        escape_path(&p, elem);
    }
    char *clean;
    if (p.len == 0 || (p.len == 1 && p.buf[0] == '/' && !*u.path))
        clean = xstrdup("");
    else
        clean = path_clean(p.buf);
    /* path.Join of only empty elements is "" */
    if (!*u.path && (!elem || !*elem)) {
        free(clean);
        clean = xstrdup("");
    }
    sb_release(&p);
    free(u.path);
    u.path = clean;
    struct sb out = SB_INIT;
    url_format(&out, &u);
    url_release(&u);
    return sb_detach(&out, NULL);
}

static char *
merge_paths(const struct url *base, const char *ref)
{
    struct sb sb = SB_INIT;
    if (base->authority && !*base->path) {
        sb_addch(&sb, '/');
    } else {
        const char *slash = strrchr(base->path, '/');
        if (slash)
            sb_add(&sb, base->path, (size_t)(slash - base->path) + 1);
    }
    sb_addstr(&sb, ref);
    char *r = remove_dots(sb.buf);
    sb_release(&sb);
    return r;
}

char *
repo_url_resolve(const char *base, const char *ref)
{
    struct url r, b;
    if (url_parse(&r, ref) < 0)
        return NULL;
    if (r.scheme) {
        url_release(&r);
        return xstrdup(ref);
    }
    if (url_parse(&b, base) < 0) {
        url_release(&r);
        return NULL;
    }
    /* A trailing slash on the base path so that refs resolve inside it. */
    size_t bl = strlen(b.path);
    if (bl == 0 || b.path[bl - 1] != '/') {
        char *p = xasprintf("%s/", b.path);
        free(b.path);
        b.path = p;
    }
    struct url t = {0};
    t.scheme = xstrdup(b.scheme ? b.scheme : "");
    if (r.authority) {
        t.authority = xstrdup(r.authority);
        t.path = remove_dots(r.path);
    } else {
        t.authority = b.authority ? xstrdup(b.authority) : NULL;
        if (!*r.path)
            t.path = remove_dots(b.path);
        else if (r.path[0] == '/')
            t.path = remove_dots(r.path);
        else
            t.path = merge_paths(&b, r.path);
    }
    /* Helm sets the result's query to the base's. */
    t.query = b.query ? xstrdup(b.query) : NULL;
    t.fragment = r.fragment ? xstrdup(r.fragment) : NULL;
    if (!*t.scheme) {
        free(t.scheme);
        t.scheme = NULL;
    }
    struct sb out = SB_INIT;
    url_format(&out, &t);
    url_release(&t);
    url_release(&r);
    url_release(&b);
    return sb_detach(&out, NULL);
}

/* Percent-decodes; NULL when an escape is malformed. */
static char *
unescape(const char *s)
{
    struct sb sb = SB_INIT;
    for (const char *p = s; *p; p++) {
        if (*p == '%') {
            int h = hex_digit(p[1]), l = h < 0 ? -1 : hex_digit(p[2]);
            if (h < 0 || l < 0) {
                sb_release(&sb);
                return NULL;
            }
            sb_addch(&sb, h * 16 + l);
            p += 2;
        } else {
            sb_addch(&sb, *p);
        }
    }
    if (memchr(sb.buf, 0, sb.len)) {
        sb_release(&sb);
        return NULL;
    }
    return sb_detach(&sb, NULL);
}

bool
repo_url_under(const char *base, const char *url)
{
    struct url b, u;
    if (url_parse(&b, base) < 0)
        return false;
    if (url_parse(&u, url) < 0) {
        url_release(&b);
        return false;
    }
    bool ok = false;
    char *bp = NULL, *up = NULL, *bc = NULL, *uc = NULL;
    if (!b.scheme || !u.scheme || strcmp(b.scheme, u.scheme) || !b.authority || !u.authority ||
        strcasecmp(b.authority, u.authority))
        goto out;
    bp = unescape(b.path);
    up = unescape(u.path);
    if (!bp || !up)
        goto out;
    /* Decoded dots and slashes count as what a server would make of them. */
    bc = remove_dots(*bp ? bp : "/");
    uc = remove_dots(*up ? up : "/");
    size_t bl = strlen(bc);
    if (bl && bc[bl - 1] != '/') {
        /* The base names a directory. */
        char *t = xasprintf("%s/", bc);
        free(bc);
        bc = t;
        bl++;
    }
    ok = strncmp(uc, bc, bl) == 0;
out:
    free(bp);
    free(up);
    free(bc);
    free(uc);
    url_release(&b);
    url_release(&u);
    return ok;
}

bool
repo_url_equal(const char *a, const char *b)
{
    struct url ua, ub;
    if (url_parse(&ua, a) < 0) {
        char *ca = path_clean(a), *cb = path_clean(b);
        bool eq = !strcmp(ca, cb);
        free(ca);
        free(cb);
        return eq;
    }
    if (url_parse(&ub, b) < 0) {
        url_release(&ua);
        return false;
    }
    struct url *us[2] = {&ua, &ub};
    for (int i = 0; i < 2; i++) {
        char *c = path_clean(*us[i]->path ? us[i]->path : "/");
        free(us[i]->path);
        us[i]->path = c;
    }
    struct sb sa = SB_INIT, sbb = SB_INIT;
    url_format(&sa, &ua);
    url_format(&sbb, &ub);
    bool eq = !strcmp(sa.buf, sbb.buf);
    sb_release(&sa);
    sb_release(&sbb);
    url_release(&ua);
    url_release(&ub);
    return eq;
}

char *
repo_url_basename(const char *url)
{
    struct url u;
    if (url_parse(&u, url) < 0)
        return NULL;
    char *p = unescape(u.path);
    url_release(&u);
    if (!p)
        return NULL;
    size_t n = strlen(p);
    while (n > 0 && p[n - 1] == '/')
        p[--n] = 0;
    const char *slash = strrchr(p, '/');
    char *base = xstrdup(slash ? slash + 1 : p);
    free(p);
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..") || strchr(base, '\\')) {
        free(base);
        return NULL;
    }
    return base;
}
