/* Sprig's urlParse and urlJoin on a C port of Go's net/url: Parse (scheme,
 * opaque, userinfo, host with its checks, path and query, fragment, with
 * Go's %-unescaping rules and error messages) and URL.String() with Go's
 * escaping. urlParse fails as Sprig panics: "unable to parse url: parse
 * \"x\": ...". */
#include "render/sprig.h"
#include "core/text.h"

#include <stdio.h>
#include <string.h>

enum enc {
    ENC_PATH = 1,
    ENC_PATH_SEGMENT,
    ENC_HOST,
    ENC_ZONE,
    ENC_USER_PASSWORD,
    ENC_QUERY_COMPONENT,
    ENC_FRAGMENT,
};

static bool
should_escape(unsigned char c, enum enc mode)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return false;
    if (mode == ENC_HOST || mode == ENC_ZONE) {
        switch (c) {
        case '!':
        case '$':
        case '&':
        case '\'':
        case '(':
        case ')':
        case '*':
        case '+':
        case ',':
        case ';':
        case '=':
        case ':':
        case '[':
        case ']':
        case '<':
        case '>':
        case '"':
            return false;
        }
    }
    switch (c) {
    case '-':
    case '_':
    case '.':
    case '~':
        return false;
    case '$':
    case '&':
    case '+':
    case ',':
    case '/':
    case ':':
    case ';':
    case '=':
    case '?':
    case '@':
        switch (mode) {
        case ENC_PATH:
            return c == '?';
        case ENC_PATH_SEGMENT:
            return c == '/' || c == ';' || c == ',' || c == '?';
        case ENC_USER_PASSWORD:
            return c == '@' || c == '/' || c == '?' || c == ':';
        case ENC_QUERY_COMPONENT:
            return true;
        case ENC_FRAGMENT:
            return false;
        default:
            break;
        }
        break;
    }
    if (mode == ENC_FRAGMENT) {
        switch (c) {
        case '!':
        case '(':
        case ')':
        case '*':
            return false;
        }
    }
    return true;
}

static void
escape(struct sb *out, const char *s, size_t n, enum enc mode)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' && mode == ENC_QUERY_COMPONENT) {
            sb_addch(out, '+');
        } else if (should_escape(c, mode)) {
            sb_addch(out, '%');
            sb_addch(out, hex[c >> 4]);
            sb_addch(out, hex[c & 15]);
        } else {
            sb_addch(out, c);
        }
    }
}

/* unescape(s, mode): appends to out; on error writes Go's message to err
 * and returns -1 */
static int
unescape(struct sb *out, const char *s, size_t n, enum enc mode, struct sb *err)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n || hex_digit(s[i + 1]) < 0 || hex_digit(s[i + 2]) < 0) {
                size_t k = n - i > 3 ? 3 : n - i;
                sb_addstr(err, "invalid URL escape ");
                tmpl_quote(err, s + i, k);
                return -1;
            }
            bool is25 = s[i + 1] == '2' && s[i + 2] == '5';
            if (mode == ENC_HOST && (unsigned)hex_digit(s[i + 1]) < 8 && !is25) {
                sb_addstr(err, "invalid URL escape ");
                tmpl_quote(err, s + i, 3);
                return -1;
            }
            if (mode == ENC_ZONE) {
                unsigned char v = (unsigned char)((unsigned)hex_digit(s[i + 1]) << 4 |
                                                  (unsigned)hex_digit(s[i + 2]));
                if (!is25 && v != ' ' && should_escape(v, ENC_HOST)) {
                    sb_addstr(err, "invalid URL escape ");
                    tmpl_quote(err, s + i, 3);
                    return -1;
                }
            }
            i += 3;
        } else {
            if ((mode == ENC_HOST || mode == ENC_ZONE) && c < 0x80 && should_escape(c, mode)) {
                sb_addstr(err, "invalid character ");
                tmpl_quote(err, s + i, 1);
                sb_addstr(err, " in host name");
                return -1;
            }
            i++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            sb_addch(out,
                     (int)((unsigned)hex_digit(s[i + 1]) << 4 | (unsigned)hex_digit(s[i + 2])));
            i += 2;
        } else if (c == '+' && mode == ENC_QUERY_COMPONENT) {
            sb_addch(out, ' ');
        } else {
            sb_addch(out, c);
        }
    }
    return 0;
}

static bool
valid_optional_port(const char *p, size_t n)
{
    if (n == 0)
        return true;
    if (p[0] != ':')
        return false;
    for (size_t i = 1; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

static bool
valid_userinfo(const char *s, size_t n)
{
    size_t w;
    for (size_t i = 0; i < n; i += w) {
        uint32_t r = utf8_rune(s + i, n - i, &w);
        if ((r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'))
            continue;
        if (r < 0x80 && strchr("-._:~!$&'()*+,;=%@", (int)r))
            continue;
        return false;
    }
    return true;
}

static const char *
memrchr_c(const char *s, size_t n, char c)
{
    for (size_t i = n; i > 0; i--)
        if (s[i - 1] == c)
            return s + i - 1;
    return NULL;
}

struct url {
    struct sb scheme, opaque, user, pass, host, path, query, fragment;
    bool has_user, has_pass;
};

static void
url_release(struct url *u)
{
    sb_release(&u->scheme);
    sb_release(&u->opaque);
    sb_release(&u->user);
    sb_release(&u->pass);
    sb_release(&u->host);
    sb_release(&u->path);
    sb_release(&u->query);
    sb_release(&u->fragment);
}

static int
invalid_port(struct sb *err, const char *p, size_t n)
{
    sb_addstr(err, "invalid port ");
    tmpl_quote(err, p, n);
    sb_addstr(err, " after host");
    return -1;
}

static int
parse_host(struct url *u, const char *h, size_t n, struct sb *err)
{
    if (n > 0 && h[0] == '[') {
        const char *rb = memrchr_c(h, n, ']');
        if (!rb) {
            sb_addstr(err, "missing ']' in host");
            return -1;
        }
        size_t i = (size_t)(rb - h);
        if (!valid_optional_port(h + i + 1, n - i - 1))
            return invalid_port(err, h + i + 1, n - i - 1);
        const char *zone = memmem(h, i, "%25", 3);
        if (zone) {
            size_t z = (size_t)(zone - h);
            if (unescape(&u->host, h, z, ENC_HOST, err) < 0 ||
                unescape(&u->host, h + z, i - z, ENC_ZONE, err) < 0 ||
                unescape(&u->host, h + i, n - i, ENC_HOST, err) < 0)
                return -1;
            return 0;
        }
    } else {
        const char *colon = memrchr_c(h, n, ':');
        if (colon && !valid_optional_port(colon, (size_t)(h + n - colon)))
            return invalid_port(err, colon, (size_t)(h + n - colon));
    }
    return unescape(&u->host, h, n, ENC_HOST, err);
}

static int
parse_authority(struct url *u, const char *a, size_t n, struct sb *err)
{
    const char *at = memrchr_c(a, n, '@');
    size_t hi = at ? (size_t)(at - a) + 1 : 0;
    if (parse_host(u, a + hi, n - hi, err) < 0)
        return -1;
    if (!at)
        return 0;
    size_t ulen = (size_t)(at - a);
    if (!valid_userinfo(a, ulen)) {
        sb_addstr(err, "net/url: invalid userinfo");
        return -1;
    }
    u->has_user = true;
    const char *colon = memchr(a, ':', ulen);
    if (!colon)
        return unescape(&u->user, a, ulen, ENC_USER_PASSWORD, err);
    u->has_pass = true;
    size_t k = (size_t)(colon - a);
    if (unescape(&u->user, a, k, ENC_USER_PASSWORD, err) < 0)
        return -1;
    return unescape(&u->pass, colon + 1, ulen - k - 1, ENC_USER_PASSWORD, err);
}

/* url.Parse; the error is Go's *url.Error text */
static int
url_parse(struct url *u, const char *raw, size_t rawn, struct sb *err)
{
    const char *hash = memchr(raw, '#', rawn);
    size_t un = hash ? (size_t)(hash - raw) : rawn;
    struct sb e = SB_INIT;
    int rc = -1;
    const char *s = raw;
    size_t n = un;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b < ' ' || b == 0x7F) {
            sb_addstr(&e, "net/url: invalid control character in URL");
            goto fail;
        }
    }
    if (n == 1 && s[0] == '*') {
        sb_addch(&u->path, '*');
        goto frag;
    }
    /* getScheme */
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
            continue;
        if ((ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.') {
            if (i == 0)
                break;
            continue;
        }
        if (ch == ':') {
            if (i == 0) {
                sb_addstr(&e, "missing protocol scheme");
                goto fail;
            }
            for (size_t k = 0; k < i; k++)
                sb_addch(&u->scheme, s[k] >= 'A' && s[k] <= 'Z' ? s[k] + 32 : s[k]);
            s += i + 1;
            n -= i + 1;
        }
        break;
    }
    /* query */
    const char *q = memchr(s, '?', n);
    if (q) {
        bool force = q == s + n - 1;
        if (!force)
            sb_add(&u->query, q + 1, (size_t)(s + n - q - 1));
        n = (size_t)(q - s);
    }
    if (n == 0 || s[0] != '/') {
        if (u->scheme.len > 0) {
            sb_add(&u->opaque, s, n);
            goto frag;
        }
        const char *slash = memchr(s, '/', n);
        size_t seg = slash ? (size_t)(slash - s) : n;
        if (memchr(s, ':', seg)) {
            sb_addstr(&e, "first path segment in URL cannot contain colon");
            goto fail;
        }
    }
    if ((u->scheme.len > 0 || !(n >= 3 && !memcmp(s, "///", 3))) && n >= 2 && !memcmp(s, "//", 2)) {
        const char *auth = s + 2;
        size_t an = n - 2;
        const char *slash = memchr(auth, '/', an);
        size_t alen = slash ? (size_t)(slash - auth) : an;
        if (parse_authority(u, auth, alen, &e) < 0)
            goto fail;
        s = auth + alen;
        n = an - alen;
    }
    if (unescape(&u->path, s, n, ENC_PATH, &e) < 0)
        goto fail;
frag:
    if (hash && rawn - un > 1) {
        if (unescape(&u->fragment, hash + 1, rawn - un - 1, ENC_FRAGMENT, &e) < 0) {
            un = rawn; /* Go names the whole URL for fragment errors */
            goto fail;
        }
    }
    rc = 0;
    goto out;
fail:
    sb_addstr(err, "parse ");
    tmpl_quote(err, raw, un);
    sb_addstr(err, ": ");
    sb_add(err, e.buf, e.len);
out:
    sb_release(&e);
    return rc;
}

static struct val *
sb_val(struct tmpl_call *c, const struct sb *sb)
{
    return tmpl_mkstr(c, sb->buf, sb->len);
}

static int
fn_url_parse(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const char *s = tmpl_arg_str(c, 0, &n);
    struct url u;
    memset(&u, 0, sizeof(u));
    sb_init(&u.scheme);
    struct sb err = SB_INIT;
    if (url_parse(&u, s, n, &err) < 0) {
        int rc = tmpl_fail(c, "unable to parse url: %s", err.buf);
        sb_release(&err);
        url_release(&u);
        return rc;
    }
    struct val *m = tmpl_mkmap(c);
    val_map_setz(c->a, m, "scheme", sb_val(c, &u.scheme));
    val_map_setz(c->a, m, "host", sb_val(c, &u.host));
    /* Hostname(): the port cut off, IPv6 brackets removed */
    const char *h = u.host.buf;
    size_t hn = u.host.len;
    const char *colon = memrchr_c(h, hn, ':');
    if (colon && valid_optional_port(colon, (size_t)(h + hn - colon)))
        hn = (size_t)(colon - h);
    if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']') {
        h++;
        hn -= 2;
    }
    val_map_setz(c->a, m, "hostname", tmpl_mkstr(c, h, hn));
    val_map_setz(c->a, m, "path", sb_val(c, &u.path));
    val_map_setz(c->a, m, "query", sb_val(c, &u.query));
    val_map_setz(c->a, m, "opaque", sb_val(c, &u.opaque));
    val_map_setz(c->a, m, "fragment", sb_val(c, &u.fragment));
    struct sb ui = SB_INIT;
    if (u.has_user) {
        escape(&ui, u.user.buf, u.user.len, ENC_USER_PASSWORD);
        if (u.has_pass) {
            sb_addch(&ui, ':');
            escape(&ui, u.pass.buf, u.pass.len, ENC_USER_PASSWORD);
        }
    }
    val_map_setz(c->a, m, "userinfo", sb_val(c, &ui));
    sb_release(&ui);
    sb_release(&err);
    url_release(&u);
    *out = m;
    return 0;
}

/* dictGetOrEmpty: a string value, "" when missing, a panic otherwise */
static int
dict_str(struct tmpl_call *c, const struct val *d, const char *key, const char **s, size_t *n)
{
    const struct val *v = val_map_getz(d, key);
    *s = "";
    *n = 0;
    if (!v)
        return 0;
    if (v->kind != VAL_STRING || v->gotype == VAL_GO_BYTES) {
        if (v->kind == VAL_NULL)
            return tmpl_fail(c, SPRIG_NIL_DEREF);
        return tmpl_fail(c, "unable to parse %s key, must be of type string, but %s found", key,
                         tmpl_kindname(v));
    }
    *s = v->u.s.ptr;
    *n = v->u.s.len;
    return 0;
}

static int
fn_url_join(struct tmpl_call *c, struct val **out)
{
    const struct val *d = c->argv[0];
    const char *scheme, *host, *path, *query, *opaque, *frag, *ui;
    size_t schemen, hostn, pathn, queryn, opaquen, fragn, uin;
    int rc;
    if ((rc = dict_str(c, d, "scheme", &scheme, &schemen)) ||
        (rc = dict_str(c, d, "host", &host, &hostn)) ||
        (rc = dict_str(c, d, "path", &path, &pathn)) ||
        (rc = dict_str(c, d, "query", &query, &queryn)) ||
        (rc = dict_str(c, d, "opaque", &opaque, &opaquen)) ||
        (rc = dict_str(c, d, "fragment", &frag, &fragn)) ||
        (rc = dict_str(c, d, "userinfo", &ui, &uin)))
        return rc;
    struct url user;
    memset(&user, 0, sizeof(user));
    struct sb tmp = SB_INIT, err = SB_INIT, b = SB_INIT;
    if (uin > 0) {
        sb_addstr(&tmp, "proto://");
        sb_add(&tmp, ui, uin);
        sb_addstr(&tmp, "@host");
        if (url_parse(&user, tmp.buf, tmp.len, &err) < 0) {
            rc = tmpl_fail(c, "unable to parse userinfo in dict: %s", err.buf);
            goto out;
        }
    }
    /* URL.String() */
    if (schemen) {
        sb_add(&b, scheme, schemen);
        sb_addch(&b, ':');
    }
    if (opaquen) {
        sb_add(&b, opaque, opaquen);
    } else {
        if (schemen || hostn || user.has_user) {
            if (hostn || pathn || user.has_user)
                sb_addstr(&b, "//");
            if (user.has_user) {
                escape(&b, user.user.buf, user.user.len, ENC_USER_PASSWORD);
                if (user.has_pass) {
                    sb_addch(&b, ':');
                    escape(&b, user.pass.buf, user.pass.len, ENC_USER_PASSWORD);
                }
                sb_addch(&b, '@');
            }
            if (hostn)
                escape(&b, host, hostn, ENC_HOST);
        }
        struct sb ep = SB_INIT;
        if (pathn == 1 && path[0] == '*')
            sb_addch(&ep, '*');
        else
            escape(&ep, path, pathn, ENC_PATH);
        if (ep.len > 0 && ep.buf[0] != '/' && hostn)
            sb_addch(&b, '/');
        if (b.len == 0) {
            const char *slash = memchr(ep.buf, '/', ep.len);
            size_t seg = slash ? (size_t)(slash - ep.buf) : ep.len;
            if (memchr(ep.buf, ':', seg))
                sb_addstr(&b, "./");
        }
        sb_add(&b, ep.buf, ep.len);
        sb_release(&ep);
    }
    if (queryn) {
        sb_addch(&b, '?');
        sb_add(&b, query, queryn);
    }
    if (fragn) {
        sb_addch(&b, '#');
        escape(&b, frag, fragn, ENC_FRAGMENT);
    }
    *out = tmpl_mkstr(c, b.buf, b.len);
    rc = 0;
out:
    url_release(&user);
    sb_release(&tmp);
    sb_release(&err);
    sb_release(&b);
    return rc;
}

const struct tmpl_func tmpl_funcs_sprig_url[] = {
    {"urlParse", fn_url_parse, "func(string) map[string]interface {}"},
    {"urlJoin", fn_url_join, "func(map[string]interface {}) string"},
    {NULL, NULL, NULL},
};
