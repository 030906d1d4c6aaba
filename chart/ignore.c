/* .helmignore rules exactly as Helm's pkg/ignore applies them: one
 * filepath.Match pattern a line, `#` comments, a leading `/` anchors at the
 * chart root, a pattern without `/` matches the base name, a trailing `/`
 * only matches directories, and `!` negates — with Helm's twist that a
 * negated rule ignores every path it does NOT match. `**` is refused. */
#include "chart/chart-int.h"
#include "core/xalloc.h"

#include <stdlib.h>
#include <string.h>

enum rule_kind {
    RULE_ANCHORED, /* leading '/' */
    RULE_PATH,     /* contains '/' */
    RULE_BASE,     /* matches the base name */
};

/* Most rules are a literal name or one `*` between literals ("*.swp",
 * "kube-prometheus-*.tgz"): those are matched by comparing the ends rather
 * than by the general matcher, which every file of a chart meets once per
 * rule. */
enum rule_shape {
    SHAPE_GLOB,    /* anything else: chart_path_match */
    SHAPE_LITERAL, /* no metacharacter */
    SHAPE_STAR,    /* prefix `*` suffix, both literal */
};

struct rule {
    char *pat;
    enum rule_kind kind;
    bool negate, must_dir;
    enum rule_shape shape;
    size_t plen, slen; /* SHAPE_STAR: the prefix's and suffix's lengths */
};

struct chart_ignore {
    struct rule *r;
    size_t n, cap;
};

struct chart_ignore *
chart_ignore_new(void)
{
    return xcalloc(1, sizeof(struct chart_ignore));
}

void
chart_ignore_free(struct chart_ignore *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->r[i].pat);
    free(r->r);
    free(r);
}

static int
parse_rule(struct chart_ignore *r, const char *line, size_t n, struct pkg_err **errp)
{
    /* strings.TrimSpace (ASCII and Unicode spaces; ASCII is what matters). */
    while (n && strchr(" \t\n\r\v\f", line[0]))
        line++, n--;
    while (n && strchr(" \t\n\r\v\f", line[n - 1]))
        n--;
    if (n == 0 || line[0] == '#')
        return 0;
    char *rule = xstrndup(line, n);
    if (strstr(rule, "**")) {
        free(rule);
        return pkg_err_set(errp, PKG_EINVAL, "double-star (**) syntax is not supported");
    }
    if (chart_path_match(rule, "abc") < 0) {
        free(rule);
        return pkg_err_set(errp, PKG_EINVAL, "syntax error in pattern");
    }
    struct rule p = {0};
    char *s = rule;
    if (*s == '!') {
        p.negate = true;
        s++;
    }
    size_t len = strlen(s);
    if (len && s[len - 1] == '/') {
        p.must_dir = true;
        s[--len] = 0;
    }
    if (*s == '/') {
        p.kind = RULE_ANCHORED;
        s++;
    } else if (strchr(s, '/')) {
        p.kind = RULE_PATH;
    } else {
        p.kind = RULE_BASE;
    }
    p.pat = xstrdup(s);
    free(rule);
    size_t stars = 0, metas = 0;
    for (const char *c = p.pat; *c; c++) {
        if (*c == '*')
            stars++;
        else if (*c == '?' || *c == '[' || *c == '\\')
            metas++;
    }
    if (!stars && !metas) {
        p.shape = SHAPE_LITERAL;
    } else if (stars == 1 && !metas && !strchr(p.pat, '/')) {
        p.shape = SHAPE_STAR;
        p.plen = (size_t)(strchr(p.pat, '*') - p.pat);
        p.slen = strlen(p.pat) - p.plen - 1;
    }
    r->r = xgrow(r->r, &r->cap, r->n + 1, sizeof(*r->r));
    r->r[r->n++] = p;
    return 0;
}

int
chart_ignore_parse(struct chart_ignore **out, const char *data, size_t len, struct pkg_err **errp)
{
    struct chart_ignore *r = chart_ignore_new();
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        data += 3, len -= 3;
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - data) : len;
        size_t n = end - i;
        if (n && data[i + n - 1] == '\r')
            n--;
        int rc = parse_rule(r, data + i, n, errp);
        if (rc) {
            chart_ignore_free(r);
            return rc;
        }
        i = end + 1;
    }
    *out = r;
    return 0;
}

void
chart_ignore_add_defaults(struct chart_ignore *r)
{
    parse_rule(r, "templates/.?*", strlen("templates/.?*"), NULL);
}

static bool
rule_match(const struct rule *p, const char *path)
{
    const char *n = path;
    if (p->kind == RULE_BASE) {
        /* filepath.Base: the last element, trailing slashes dropped. */
        const char *slash = strrchr(path, '/');
        if (slash && slash[1])
            n = slash + 1;
    }
    if (p->shape == SHAPE_LITERAL)
        return strcmp(p->pat, n) == 0;
    if (p->shape == SHAPE_STAR && !strchr(n, '/')) {
        /* `*` takes any run of non-separators, and n has none. */
        size_t len = strlen(n);
        return len >= p->plen + p->slen && !memcmp(n, p->pat, p->plen) &&
               !memcmp(n + len - p->slen, p->pat + p->plen + 1, p->slen);
    }
    return chart_path_match(p->pat, n) == 1;
}

bool
chart_ignore_match(const struct chart_ignore *r, const char *path, bool is_dir)
{
    if (!*path || !strcmp(path, ".") || !strcmp(path, "./"))
        return false;
    for (size_t i = 0; i < r->n; i++) {
        const struct rule *p = &r->r[i];
        if (p->negate) {
            if (p->must_dir && !is_dir)
                return true;
            if (!rule_match(p, path))
                return true;
            continue;
        }
        if (p->must_dir && !is_dir)
            continue;
        if (rule_match(p, path))
            return true;
    }
    return false;
}
