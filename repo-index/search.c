/* `search repo`: Helm's client-side search over the cached indexes (one
 * line per chart version: name, repo/name, description, keywords; literal
 * or regular-expression match, scored by which part matched), its result
 * order and constraint filter, and the uitable layout helm prints. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "repo-index/repo.h"
#include "repo-index/repo-int.h"

#include "core/xalloc.h"

#include <ctype.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_MAX_SCORE 25

void
repo_search_release(struct repo_search *s)
{
    for (size_t i = 0; i < s->n; i++) {
        repo_index_free(s->idx[i]);
        free((char *)s->names[i]);
    }
    free(s->idx);
    free(s->names);
    for (size_t i = 0; i < s->nhits; i++)
        free(s->hits[i].name);
    free(s->hits);
    memset(s, 0, sizeof(*s));
}

struct line {
    char *text; /* name \v repo/name \v description \v keywords */
    char *name; /* repo/name */
    const struct repo_entry *e;
};

static char *
index_line(const char *repo, const struct repo_entry *e)
{
    struct sb sb = SB_INIT;
    sb_addf(&sb, "%s\v%s/%s\v", e->name, repo, e->name);
    const struct val *d = val_map_getz(e->md, "description");
    if (d && d->kind == VAL_STRING)
        sb_add(&sb, d->u.s.ptr, d->u.s.len);
    sb_addch(&sb, '\v');
    const struct val *kw = val_map_getz(e->md, "keywords");
    for (size_t i = 0; kw && kw->kind == VAL_SEQ && i < val_seq_len(kw); i++) {
        if (i)
            sb_addch(&sb, ' ');
        sb_addstr(&sb, val_cstr(val_seq_at(kw, i)));
    }
    return sb_detach(&sb, NULL);
}

/* Helm's calcScore: how many separators precede the match. */
static int
calc_score(size_t at, const char *line)
{
    int i = 0;
    for (const char *p = line; *p; p++) {
        if (*p != '\v')
            continue;
        if (at <= (size_t)(p - line))
            return i;
        i++;
    }
    return i;
}

static bool
hit_less(const struct repo_search_hit *a, const struct repo_search_hit *b)
{
    if (a->score != b->score)
        return a->score < b->score;
    int c = strcmp(a->name, b->name);
    if (c)
        return c < 0;
    if (!a->e->sv_ok || !b->e->sv_ok)
        return true;
    return semver_cmp(&a->e->sv, &b->e->sv) > 0;
}

static int
hit_cmp(const void *x, const void *y)
{
    const struct repo_search_hit *a = x, *b = y;
    if (hit_less(a, b))
        return -1;
    if (hit_less(b, a))
        return 1;
    return 0;
}

static void
add_hit(struct repo_search *s, const char *name, int score, const struct repo_entry *e)
{
    s->hits = xgrow(s->hits, &s->hcap, s->nhits + 1, sizeof(*s->hits));
    s->hits[s->nhits++] = (struct repo_search_hit){xstrdup(name), score, e};
}

int
repo_search_run(struct repo_search *s, const struct repo_config *cfg,
                const struct repo_search_opts *o, const struct repo_warn *warn,
                struct pkg_err **errp)
{
    memset(s, 0, sizeof(*s));
    if (cfg->n == 0)
        return pkg_err_set(errp, PKG_ENOENT, "no repositories configured");
    const char *constraint = o->version && *o->version ? o->version
                             : o->devel                ? ">0.0.0-0"
                                                       : ">0.0.0";
    struct semver_constraint *con = NULL;
    int rc = semver_constraint_parse(&con, constraint, errp);
    if (rc)
        return pkg_err_wrap(errp, "an invalid version/constraint format");

    size_t cap = 0;
    for (size_t i = 0; i < cfg->n; i++) {
        struct repo_index *idx;
        struct pkg_err *err = NULL;
        if (repo_load_cached(&idx, cfg->v[i].name, warn, &err) < 0) {
            repo_warnf(warn, "Repo \"%s\" is corrupt or missing. Try 'pkg repo update'.",
                       cfg->v[i].name);
            repo_warnf(warn, "%s", err->msg);
            pkg_err_free(err);
            continue;
        }
        s->idx = xgrow(s->idx, &cap, s->n + 1, sizeof(*s->idx));
        s->names = xrealloc(s->names, cap * sizeof(*s->names));
        s->idx[s->n] = idx;
        s->names[s->n] = xstrdup(cfg->v[i].name);
        s->n++;
    }

    pcre2_code *re = NULL;
    pcre2_match_data *md = NULL;
    if (o->term && *o->term && o->regexp) {
        int ec;
        PCRE2_SIZE eo;
        re = pcre2_compile((PCRE2_SPTR)o->term, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &eo, NULL);
        if (!re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(ec, msg, sizeof(msg));
            semver_constraint_free(con);
            return pkg_err_set(errp, PKG_EINVAL, "error parsing regexp: %s: `%s`", msg, o->term);
        }
        md = pcre2_match_data_create_from_pattern(re, NULL);
    }
    char *lterm = NULL;
    if (o->term && *o->term && !o->regexp) {
        lterm = xstrdup(o->term);
        for (char *p = lterm; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }

    /* Every version of every chart is a candidate (Helm adds them all, since
     * a constraint is always set), then the filter keeps the newest per name
     * unless --versions. */
    for (size_t r = 0; r < s->n; r++) {
        const struct repo_index *idx = s->idx[r];
        for (size_t c = 0; c < idx->n; c++) {
            const struct repo_chart *ch = &idx->charts[c];
            for (size_t v = 0; v < ch->n; v++) {
                const struct repo_entry *e = ch->v[v];
                char *name = xasprintf("%s/%s", s->names[r], ch->name);
                if (!o->term || !*o->term) {
                    add_hit(s, name, 0, e);
                } else {
                    char *line = index_line(s->names[r], e);
                    long at = -1;
                    if (re) {
                        if (pcre2_match(re, (PCRE2_SPTR)line, strlen(line), 0, 0, md, NULL) >= 0)
                            at = (long)pcre2_get_ovector_pointer(md)[0];
                    } else {
                        for (char *p = line; *p; p++)
                            *p = (char)tolower((unsigned char)*p);
                        char *f = strstr(line, lterm);
                        at = f ? f - line : -1;
                    }
                    if (at >= 0) {
                        int score = calc_score((size_t)at, line);
                        if (score < SEARCH_MAX_SCORE)
                            add_hit(s, name, score, e);
                    }
                    free(line);
                }
                free(name);
            }
        }
    }
    free(lterm);
    pcre2_match_data_free(md);
    pcre2_code_free(re);

    if (s->nhits)
        qsort(s->hits, s->nhits, sizeof(*s->hits), hit_cmp);
    /* applyConstraint */
    size_t out = 0;
    for (size_t i = 0; i < s->nhits; i++) {
        struct repo_search_hit *h = &s->hits[i];
        bool keep = h->e->sv_ok && semver_constraint_check(con, &h->e->sv);
        if (keep && !o->versions)
            for (size_t j = 0; j < out; j++)
                if (!strcmp(s->hits[j].name, h->name)) {
                    keep = false;
                    break;
                }
        if (keep)
            s->hits[out++] = *h;
        else
            free(h->name);
    }
    s->nhits = out;
    semver_constraint_free(con);
    return 0;
}

/* ---- uitable ------------------------------------------------------------ */

static uint32_t
next_rune(const char **p)
{
    const unsigned char *s = (const unsigned char *)*p;
    uint32_t c = s[0];
    size_t n = 1;
    if (c >= 0xf0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80) {
        c = ((c & 7u) << 18) | ((s[1] & 63u) << 12) | ((s[2] & 63u) << 6) | (s[3] & 63u);
        n = 4;
    } else if (c >= 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
        c = ((c & 15u) << 12) | ((s[1] & 63u) << 6) | (s[2] & 63u);
        n = 3;
    } else if (c >= 0xc0 && (s[1] & 0xc0) == 0x80) {
        c = ((c & 31u) << 6) | (s[1] & 63u);
        n = 2;
    }
    *p += n;
    return c;
}

/* go-runewidth's RuneWidth for the common cases: combining marks and
 * controls are 0, East Asian wide and fullwidth ranges 2. */
static int
rune_width(uint32_t r)
{
    if (r == 0 || r < 0x20 || (r >= 0x7f && r < 0xa0))
        return 0;
    if ((r >= 0x300 && r <= 0x36f) || (r >= 0x200b && r <= 0x200f) || r == 0xfeff)
        return 0;
    if ((r >= 0x1100 && r <= 0x115f) || (r >= 0x2e80 && r <= 0xa4cf) ||
        (r >= 0xac00 && r <= 0xd7a3) || (r >= 0xf900 && r <= 0xfaff) ||
        (r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) ||
        (r >= 0xffe0 && r <= 0xffe6) || (r >= 0x1f300 && r <= 0x1f64f) ||
        (r >= 0x1f900 && r <= 0x1f9ff) || (r >= 0x20000 && r <= 0x3fffd))
        return 2;
    return 1;
}

static size_t
str_width(const char *s)
{
    size_t w = 0;
    while (*s)
        w += (size_t)rune_width(next_rune(&s));
    return w;
}

/* uitable's Resize: pad to width, or truncate to width-3 columns and add
 * "..." (the rune that reaches the limit is kept, as uitable does). */
static void
cell(struct sb *out, const char *s, size_t width)
{
    size_t w = str_width(s);
    if (w == width) {
        sb_addstr(out, s);
        return;
    }
    if (w < width) {
        sb_addstr(out, s);
        sb_addchn(out, ' ', width - w);
        return;
    }
    size_t acc = 0;
    const char *p = s;
    while (*p) {
        const char *start = p;
        int rw = rune_width(next_rune(&p));
        sb_add(out, start, (size_t)(p - start));
        if ((long)(acc + (size_t)rw) >= (long)width - 3)
            break;
        acc += (size_t)rw;
    }
    sb_addstr(out, "...");
}

void
repo_table(struct sb *out, const char *const *cells, size_t nrows, size_t ncols, size_t max_width)
{
    size_t *w = xcalloc(ncols, sizeof(size_t));
    for (size_t r = 0; r < nrows; r++)
        for (size_t c = 0; c < ncols; c++) {
            size_t cw = str_width(cells[r * ncols + c] ? cells[r * ncols + c] : "");
            if (max_width && cw > max_width)
                cw = max_width;
            if (cw > w[c])
                w[c] = cw;
        }
    for (size_t r = 0; r < nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            if (c)
                sb_addch(out, '\t');
            cell(out, cells[r * ncols + c] ? cells[r * ncols + c] : "", w[c]);
        }
        sb_addch(out, '\n');
    }
    free(w);
}
