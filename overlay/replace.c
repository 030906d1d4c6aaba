/* Replacements (api/filters/replacement) and legacy vars
 * (api/filters/refvar, the accumulator's var resolution), with the path
 * grammar they share: "spec.template.spec.containers.[name=app].image",
 * "a.b.0", "[a.b.c]" for keys holding dots, "*" for every element. */
#include "overlay/kust.h"
#include "overlay/plugins.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A scalar created empty by a path with create: it takes the type its new
 * text resolves to (kyaml creates such nodes without a tag). Private use
 * of a spare value flag. */
#define KN_F_UNTAGGED 0x80

/* SmarterPathSplitter(path, ".") */
static void
smart_split(struct arena *a, const char *path, struct kstrv *out)
{
    struct kstrv raw = {0}, split = {0};
    kstr_split(a, &raw, path, '.');
    size_t start = raw.n > 1 && !*raw.v[0] ? 1 : 0;
    for (size_t i = start; i < raw.n; i++) {
        if (split.n > 0 && i > start) {
            const char *last = split.v[split.n - 1];
            size_t ll = strlen(last);
            if (ll > 0 && last[ll - 1] == '\\') {
                split.v[split.n - 1] = arena_sprintf(a, "%.*s.%s", (int)(ll - 1), last, raw.v[i]);
                continue;
            }
        }
        kstrv_push(&split, raw.v[i]);
    }
    for (size_t i = 0; i < split.n; i++) {
        const char *e = split.v[i];
        size_t el = strlen(e);
        if (e[0] == '[' && (el == 0 || e[el - 1] != ']')) {
            struct sb sb = SB_INIT;
            sb_addstr(&sb, e);
            while (i < split.n - 1) {
                i++;
                sb_addch(&sb, '.');
                sb_addstr(&sb, split.v[i]);
                size_t l = strlen(split.v[i]);
                if (l && split.v[i][l - 1] == ']')
                    break;
            }
            if (strchr(sb.buf, '=')) {
                kstrv_push(out, arena_strdup(a, sb.buf));
            } else {
                const char *p = sb.buf;
                size_t n = sb.len;
                while (n && (*p == '[' || *p == ']'))
                    p++, n--;
                while (n && (p[n - 1] == '[' || p[n - 1] == ']'))
                    n--;
                kstrv_push(out, arena_strndup(a, p, n));
            }
            sb_release(&sb);
        } else {
            kstrv_push(out, e);
        }
    }
    kstrv_free(&raw);
    kstrv_free(&split);
}

static bool
is_idx_number(const char *p, long *idx)
{
    if (!*p)
        return false;
    char *end;
    errno = 0;
    long v = strtol(p, &end, 10);
    if (*end || errno || v < 0 || (p[0] != '+' && (p[0] < '0' || p[0] > '9')))
        return false;
    *idx = v;
    return true;
}

static bool
is_list_index(const char *p)
{
    size_t n = strlen(p);
    return n >= 2 && p[0] == '[' && p[n - 1] == ']';
}

/* SplitIndexNameValue */
static int
split_index(struct arena *a, const char *p, const char **name, const char **value,
            struct pkg_err **errp)
{
    size_t n = strlen(p);
    const char *inner = arena_strndup(a, p + 1, n - 2);
    const char *eq = strchr(inner, '=');
    if (!eq)
        return pkg_err_set(errp, PKG_EINVAL,
                           "list path element must contain fieldName=fieldValue for element to "
                           "match");
    *name = arena_strndup(a, inner, (size_t)(eq - inner));
    *value = eq + 1;
    return 0;
}

/* PathGetter (Lookup) without create: the node or NULL. */
static int
lookup(struct kbuild *b, struct val *rn, const struct kstrv *path, struct val **out,
       struct pkg_err **errp)
{
    struct val *cur = rn;
    *out = NULL;
    for (size_t i = 0; i < path->n; i++) {
        const char *part = path->v[i];
        long idx;
        if (!*part)
            continue;
        if (!cur || cur->kind == VAL_NULL)
            return 0;
        if (is_idx_number(part, &idx) || (part[0] == '-' && part[1] >= '0' && part[1] <= '9')) {
            if (part[0] == '-')
                return pkg_err_set(errp, PKG_EINVAL, "array index %s cannot be negative", part);
            if (cur->kind != VAL_SEQ)
                return pkg_err_set(errp, PKG_ETYPE,
                                   "wrong node kind: expected SequenceNode but got %s",
                                   cur->kind == VAL_MAP ? "MappingNode" : "ScalarNode");
            if ((size_t)idx >= val_seq_len(cur))
                return 0;
            cur = val_seq_at(cur, (size_t)idx);
        } else if (!strcmp(part, "-")) {
            if (cur->kind != VAL_SEQ || val_seq_len(cur) == 0)
                return 0;
            cur = val_seq_at(cur, val_seq_len(cur) - 1);
        } else if (!strcmp(part, "*")) {
            return pkg_err_set(errp, PKG_EINVAL, "wildcard is not supported in PathGetter");
        } else if (is_list_index(part)) {
            const char *name, *value;
            int rc = split_index(b->a, part, &name, &value, errp);
            if (rc)
                return rc;
            if (cur->kind != VAL_SEQ)
                return pkg_err_set(errp, PKG_ETYPE,
                                   "wrong node kind: expected SequenceNode but got %s",
                                   cur->kind == VAL_MAP ? "MappingNode" : "ScalarNode");
            struct val *found = NULL;
            for (size_t j = 0; j < val_seq_len(cur) && !found; j++) {
                struct val *e = val_seq_at(cur, j);
                if (!*name) {
                    if (e->kind != VAL_MAP && e->kind != VAL_SEQ &&
                        !strcmp(kn_text(b->a, e), value))
                        found = e;
                } else if (e->kind == VAL_MAP) {
                    struct val *f = kn_get(e, name);
                    if (f && (!*value || !strcmp(kn_text(b->a, f), value)))
                        found = e;
                }
            }
            if (!found)
                return 0;
            cur = found;
        } else {
            if (cur->kind != VAL_MAP)
                return pkg_err_set(errp, PKG_ETYPE,
                                   "wrong node kind: expected MappingNode but got %s",
                                   cur->kind == VAL_SEQ ? "SequenceNode" : "ScalarNode");
            cur = kn_get(cur, part);
            if (!cur)
                return 0;
        }
    }
    *out = cur;
    return 0;
}

/* ---- PathMatcher ---- */

struct pmatch {
    struct kbuild *b;
    int create; /* -1: none, else the kind of the last node */
    struct val **v;
    size_t n, cap;
};

static void
pm_add(struct pmatch *p, struct val *v)
{
    p->v = xgrow(p->v, &p->cap, p->n + 1, sizeof(*p->v));
    p->v[p->n++] = v;
}

static struct val *
new_part(struct arena *a, const char *next, int create)
{
    long idx;
    int kind;
    if (next && is_list_index(next))
        kind = VAL_SEQ;
    else if (next && is_idx_number(next, &idx))
        kind = VAL_SEQ;
    else if (!next)
        kind = create;
    else
        kind = VAL_MAP;
    struct val *v;
    if (kind == VAL_MAP)
        v = val_map(a);
    else if (kind == VAL_SEQ)
        v = val_seq(a);
    else {
        v = val_null(a);
        v->flags |= KN_F_UNTAGGED;
    }
    return v;
}

static bool
regex_match(const char *re, const char *s, struct pkg_err **errp, int *rc)
{
    int ec;
    PCRE2_SIZE off;
    pcre2_code *c =
        pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &off, NULL);
    if (!c) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof(msg));
        *rc = pkg_err_set(errp, PKG_EINVAL, "error parsing regexp: %s: `%s`", (char *)msg, re);
        return false;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(c, NULL);
    bool m = pcre2_match(c, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL) >= 0;
    pcre2_match_data_free(md);
    pcre2_code_free(c);
    return m;
}

static int pm_filter(struct pmatch *p, struct val *rn, const char *const *path, size_t n,
                     struct pkg_err **errp);

static int
pm_seq(struct pmatch *p, struct val *rn, const char *const *path, size_t n, struct pkg_err **errp)
{
    struct arena *a = p->b->a;
    const char *field, *re;
    int rc = split_index(a, path[0], &field, &re, errp);
    if (rc)
        return rc;
    if (rn->kind != VAL_SEQ && rn->kind != VAL_NULL)
        return pkg_err_set(errp, PKG_ETYPE, "wrong node kind: expected SequenceNode but got %s",
                           rn->kind == VAL_MAP ? "MappingNode" : "ScalarNode");
    size_t before = p->n;
    for (size_t i = 0; rn->kind == VAL_SEQ && i < val_seq_len(rn); i++) {
        struct val *e = val_seq_at(rn, i);
        const char *s;
        if (!*field) {
            s = e->kind == VAL_MAP || e->kind == VAL_SEQ ? "" : kn_text(a, e);
        } else {
            struct val *f = kn_get(e, field);
            if (!f)
                continue;
            s = f->kind == VAL_MAP || f->kind == VAL_SEQ ? "" : kn_text(a, f);
        }
        if (!regex_match(re, s, errp, &rc)) {
            if (rc)
                return rc;
            continue;
        }
        if (!*field) {
            pm_add(p, e);
            continue;
        }
        rc = pm_filter(p, e, path + 1, n - 1, errp);
        if (rc)
            return rc;
    }
    if (p->create < 0 || p->n > before)
        return 0;
    struct val *elem;
    struct val *vn = kn_scalar(a, re);
    if (!*field) {
        elem = vn;
    } else {
        elem = val_map(a);
        val_map_setz(a, elem, field, vn);
    }
    if (rn->kind != VAL_SEQ)
        return 0;
    val_seq_push(a, rn, elem);
    return pm_seq(p, rn, path, n, errp);
}

static int
pm_filter(struct pmatch *p, struct val *rn, const char *const *path, size_t n,
          struct pkg_err **errp)
{
    struct arena *a = p->b->a;
    if (n == 0) {
        pm_add(p, rn);
        return 0;
    }
    long idx;
    if (is_idx_number(path[0], &idx)) {
        if (rn->kind != VAL_SEQ && rn->kind != VAL_NULL)
            return pkg_err_set(errp, PKG_ETYPE, "wrong node kind: expected SequenceNode but got %s",
                               rn->kind == VAL_MAP ? "MappingNode" : "ScalarNode");
        size_t len = rn->kind == VAL_SEQ ? val_seq_len(rn) : 0;
        if ((size_t)idx == len && p->create >= 0 && rn->kind == VAL_SEQ) {
            val_seq_push(a, rn, new_part(a, n > 1 ? path[1] : NULL, p->create));
            len++;
        }
        if (len < (size_t)idx + 1)
            return pkg_err_set(errp, PKG_EINVAL, "index %ld specified but only %zu elements found",
                               idx, len);
        return pm_filter(p, val_seq_at(rn, (size_t)idx), path + 1, n - 1, errp);
    }
    if (is_list_index(path[0]))
        return pm_seq(p, rn, path, n, errp);
    if (!strcmp(path[0], "*")) {
        if (rn->kind != VAL_SEQ && rn->kind != VAL_NULL)
            return pkg_err_set(errp, PKG_ETYPE, "wrong node kind: expected SequenceNode but got %s",
                               rn->kind == VAL_MAP ? "MappingNode" : "ScalarNode");
        for (size_t i = 0; rn->kind == VAL_SEQ && i < val_seq_len(rn); i++) {
            int rc = pm_filter(p, val_seq_at(rn, i), path + 1, n - 1, errp);
            if (rc)
                return rc;
        }
        return 0;
    }
    if (rn->kind == VAL_NULL)
        return 0;
    if (rn->kind != VAL_MAP)
        return pkg_err_set(errp, PKG_ETYPE, "wrong node kind: expected MappingNode but got %s",
                           rn->kind == VAL_SEQ ? "SequenceNode" : "ScalarNode");
    struct val *f = kn_get(rn, path[0]);
    if (!f) {
        if (p->create < 0)
            return 0;
        f = new_part(a, n > 1 ? path[1] : NULL, p->create);
        val_map_setz(a, rn, path[0], f);
    }
    return pm_filter(p, f, path + 1, n - 1, errp);
}

/* ---- replacements ---- */

static const char *
str_of(const struct val *v, const char *k)
{
    const char *s = val_cstr(kn_get(v, k));
    return s ? s : "";
}

static struct kresid
selector_id(const struct val *sel)
{
    struct kresid id = {{str_of(sel, "group"), str_of(sel, "version"), str_of(sel, "kind"), false},
                        str_of(sel, "name"),
                        str_of(sel, "namespace")};
    return id;
}

/* MakeResIds: the current id, then previous ids (no scope). */
static size_t
res_ids(struct kbuild *b, struct kres *r, struct kresid **out)
{
    struct kresid *prev;
    size_t np = kres_previds(b, r, &prev);
    struct kresid *ids = arena_alloc(b->a, (np + 1) * sizeof(*ids));
    ids[0] = kres_curid(b, r);
    ids[0].gvk.cluster_scoped = false;
    for (size_t i = 0; i < np; i++)
        ids[i + 1] = prev[i];
    *out = ids;
    return np + 1;
}

/* ResId.IsSelectedBy */
static bool
selected_by(const struct kresid *id, const struct kresid *sel)
{
    if (*sel->name && strcmp(sel->name, id->name))
        return false;
    if (*sel->ns && !kresid_ns_equals(sel, id))
        return false;
    return kgvk_is_selected(&id->gvk, &sel->gvk);
}

static bool
resid_empty(const struct kresid *id)
{
    return !*id->gvk.group && !*id->gvk.version && !*id->gvk.kind && !*id->name && !*id->ns;
}

static int
matches_selectors(struct kbuild *b, struct kres *r, const struct val *sel, bool *out,
                  struct pkg_err **errp)
{
    struct kstrmap ann = {0}, lab = {0};
    kn_meta_map(b->a, r->node, "annotations", &ann);
    kn_meta_map(b->a, r->node, "labels", &lab);
    bool am = true, lm = true;
    int rc = klabels_match(str_of(sel, "annotationSelector"), &ann, &am, errp);
    if (!rc)
        rc = klabels_match(str_of(sel, "labelSelector"), &lab, &lm, errp);
    kstrmap_free(&ann);
    kstrmap_free(&lab);
    *out = am && lm;
    return rc;
}

static int retext_node(struct kbuild *b, struct val *target, const char *text,
                       struct pkg_err **errp);

/* The typed scalar a target keeps when only its text changes: kustomize
 * sets the node's Value, so position, tag and style stay (content hashes
 * see them). */
static int
retext(struct kbuild *b, struct val *target, const char *text, struct pkg_err **errp)
{
    const char *file = target->file;
    uint32_t line = target->line, col = target->col;
    uint8_t style = target->style, tagged = target->flags & VAL_F_TAGGED;
    int rc = retext_node(b, target, text, errp);
    if (rc)
        return rc;
    target->file = file;
    target->line = line;
    target->col = col;
    if (target->kind != VAL_STRING)
        target->style = style;
    target->flags |= tagged;
    return 0;
}

static int
retext_node(struct kbuild *b, struct val *target, const char *text, struct pkg_err **errp)
{
    struct arena *a = b->a;
    if (target->flags & KN_F_UNTAGGED) {
        kn_replace(target, kn_scalar(a, text));
        return 0;
    }
    if (target->kind == VAL_STRING) {
        struct val *s = kn_str(a, text);
        s->style = target->style;
        kn_replace(target, s);
        return 0;
    }
    struct val *r = kn_scalar(a, text);
    const char *tag = target->kind == VAL_INT     ? "int"
                      : target->kind == VAL_FLOAT ? "float"
                      : target->kind == VAL_BOOL  ? "bool"
                                                  : "null";
    bool ok =
        (int)r->kind == (int)target->kind || (target->kind == VAL_FLOAT && r->kind == VAL_INT);
    if (!ok) {
        const char *rt = r->kind == VAL_STRING  ? "str"
                         : r->kind == VAL_INT   ? "int"
                         : r->kind == VAL_FLOAT ? "float"
                         : r->kind == VAL_BOOL  ? "bool"
                                                : "null";
        return pkg_err_set(errp, PKG_ETYPE, "cannot decode !!%s `%s` as a !!%s", rt, text, tag);
    }
    if (target->kind == VAL_FLOAT && r->kind == VAL_INT) {
        double d = (double)r->u.i;
        r->kind = VAL_FLOAT;
        r->u.f = d;
    }
    kn_replace(target, r);
    return 0;
}

static int
set_field_value(struct kbuild *b, const struct val *opts, struct val *target,
                const struct val *value, struct pkg_err **errp)
{
    struct arena *a = b->a;
    bool scalar_t = target->kind != VAL_MAP && target->kind != VAL_SEQ;
    const char *delim = str_of(opts, "delimiter");
    if (*delim) {
        if (!scalar_t)
            return pkg_err_set(errp, PKG_EINVAL,
                               "delimiter option can only be used with scalar nodes");
        const struct val *iv = kn_get(opts, "index");
        long index = iv && iv->kind == VAL_INT ? (long)iv->u.i : 0;
        struct kstrv tv = {0};
        kstr_split_str(a, &tv, kn_text(a, target), delim);
        const char *vv = kn_missing_or_null(value) ? "" : kn_text(a, value);
        struct sb sb = SB_INIT;
        if (index < 0)
            sb_addstr(&sb, vv);
        for (size_t i = 0; i < tv.n; i++) {
            if (i || index < 0)
                sb_addstr(&sb, delim);
            sb_addstr(&sb, index >= 0 && (size_t)index == i ? vv : tv.v[i]);
        }
        if (index >= 0 && (size_t)index >= tv.n) {
            sb_addstr(&sb, delim);
            sb_addstr(&sb, vv);
        }
        const char *joined = arena_strdup(a, sb.buf);
        sb_release(&sb);
        kstrv_free(&tv);
        return retext(b, target, joined, errp);
    }
    if (scalar_t)
        return retext(b, target, kn_text(a, value), errp);
    kn_replace(target, val_copy(a, value));
    return 0;
}

static int
get_replacement(struct kbuild *b, struct kresmap *m, const struct val *src, struct val **out,
                struct pkg_err **errp)
{
    struct arena *a = b->a;
    struct kresid sel = selector_id(src);
    struct kres *match = NULL;
    for (size_t i = 0; i < m->n; i++) {
        struct kresid *ids;
        size_t n = res_ids(b, m->v[i], &ids);
        for (size_t j = 0; j < n; j++)
            if (selected_by(&ids[j], &sel)) {
                if (match)
                    return pkg_err_set(errp, PKG_ECONFLICT, "multiple matches for selector %s",
                                       kresid_string(a, &sel));
                match = m->v[i];
                break;
            }
    }
    if (!match)
        return pkg_err_set(errp, PKG_ENOENT, "nothing selected by %s", kresid_string(a, &sel));
    const char *fp = str_of(src, "fieldPath");
    if (!*fp)
        fp = "metadata.name";
    struct kstrv path = {0};
    smart_split(a, fp, &path);
    struct val *rn;
    int rc = lookup(b, match->node, &path, &rn, errp);
    kstrv_free(&path);
    if (rc) {
        pkg_err_wrap(errp, "error looking up replacement source");
        return rc;
    }
    if (kn_nil_or_empty(rn))
        return pkg_err_set(errp, PKG_ENOENT, "fieldPath `%s` is missing for replacement source %s",
                           fp, kresid_string(a, &sel));
    const struct val *opts = kn_get(src, "options");
    const char *delim = str_of(opts, "delimiter");
    if (!*delim) {
        *out = rn;
        return 0;
    }
    if (rn->kind == VAL_MAP || rn->kind == VAL_SEQ)
        return pkg_err_set(errp, PKG_EINVAL, "delimiter option can only be used with scalar nodes");
    struct kstrv parts = {0};
    const char *text = kn_text(a, rn);
    kstr_split_str(a, &parts, text, delim);
    const struct val *iv = kn_get(opts, "index");
    long index = iv && iv->kind == VAL_INT ? (long)iv->u.i : 0;
    if (index < 0 || (size_t)index >= parts.n) {
        kstrv_free(&parts);
        return pkg_err_set(errp, PKG_EINVAL, "options.index %ld is out of bounds for value %s",
                           index, text);
    }
    /* n.YNode().Value = value[index]: the tag stays */
    struct val *c = val_copy(a, rn);
    struct pkg_err *e = NULL;
    if (retext(b, c, parts.v[index], &e)) {
        pkg_err_free(e);
        c = kn_str(a, parts.v[index]);
    }
    kstrv_free(&parts);
    *out = c;
    return 0;
}

static int
copy_to_target(struct kbuild *b, struct kres *t, const struct val *value,
               const struct val *target_sel, struct pkg_err **errp)
{
    struct arena *a = b->a;
    const struct val *opts = kn_get(target_sel, "options");
    const struct val *cr = kn_get(opts, "create");
    bool create = cr && cr->kind == VAL_BOOL && cr->u.b;
    const struct val *fps = kn_get(target_sel, "fieldPaths");
    struct val *deflt = NULL;
    if (!fps || fps->kind != VAL_SEQ || val_seq_len(fps) == 0) {
        deflt = val_seq(a);
        val_seq_push(a, deflt, val_strz(a, "metadata.name"));
        fps = deflt;
    }
    for (size_t i = 0; i < val_seq_len(fps); i++) {
        const char *fp = kn_text(a, val_seq_at(fps, i));
        struct kstrv path = {0};
        smart_split(a, fp, &path);
        int ck = -1;
        if (create)
            ck = value->kind == VAL_MAP ? VAL_MAP : value->kind == VAL_SEQ ? VAL_SEQ : VAL_STRING;
        struct pmatch pm = {b, ck, NULL, 0, 0};
        int rc = pm_filter(&pm, t->node, path.v, path.n, errp);
        kstrv_free(&path);
        const char *what = create ? "unable to find or create field %s in replacement target"
                                  : "unable to find field %s in replacement target";
        if (rc) {
            pkg_err_wrap(errp, what, kgo_quote(a, fp));
            free(pm.v);
            return rc;
        }
        if (pm.n == 0) {
            free(pm.v);
            return pkg_err_set(errp, PKG_ENOENT, what, kgo_quote(a, fp));
        }
        for (size_t j = 0; j < pm.n && !rc; j++)
            rc = set_field_value(b, opts, pm.v[j], value, errp);
        free(pm.v);
        if (rc)
            return rc;
    }
    return 0;
}

static int
apply_replacement(struct kbuild *b, struct kresmap *m, const struct val *value,
                  const struct val *targets, struct pkg_err **errp)
{
    for (size_t ti = 0; ti < val_seq_len(targets); ti++) {
        const struct val *ts = val_seq_at(targets, ti);
        const struct val *sel = kn_get(ts, "select");
        if (!sel || sel->kind != VAL_MAP)
            return pkg_err_set(errp, PKG_EINVAL, "target must specify resources to select");
        struct kresid selid = selector_id(sel);
        const struct val *rejects = kn_get(ts, "reject");
        for (size_t i = 0; i < m->n; i++) {
            struct kres *r = m->v[i];
            struct kresid *ids;
            size_t nids = res_ids(b, r, &ids);
            bool ok;
            int rc = matches_selectors(b, r, sel, &ok, errp);
            if (rc)
                return rc;
            for (size_t j = 0;
                 ok && rejects && rejects->kind == VAL_SEQ && j < val_seq_len(rejects); j++) {
                const struct val *rj = val_seq_at(rejects, j);
                if (!*str_of(rj, "annotationSelector") && !*str_of(rj, "labelSelector"))
                    continue;
                bool hit;
                rc = matches_selectors(b, r, rj, &hit, errp);
                if (rc)
                    return rc;
                if (hit)
                    ok = false;
            }
            if (!ok)
                continue;
            bool rejected = false;
            for (size_t j = 0;
                 rejects && rejects->kind == VAL_SEQ && j < val_seq_len(rejects) && !rejected;
                 j++) {
                struct kresid rid = selector_id(val_seq_at(rejects, j));
                if (resid_empty(&rid))
                    continue;
                for (size_t k = 0; k < nids && !rejected; k++)
                    rejected = selected_by(&ids[k], &rid);
            }
            for (size_t k = 0; k < nids; k++) {
                if (selected_by(&ids[k], &selid) && !rejected) {
                    rc = copy_to_target(b, r, value, ts, errp);
                    if (rc)
                        return rc;
                    break;
                }
            }
        }
    }
    return 0;
}

extern const void *kfile_type_replacement;
int kfile_check_type(struct kbuild *b, struct val *v, const void *type, const char *what,
                     struct pkg_err **errp);

int
kx_replacements(struct kbuild *b, struct kloader *ldr, struct kresmap *m, const struct val *list,
                struct pkg_err **errp)
{
    struct arena *a = b->a;
    struct val *all = val_seq(a);
    for (size_t i = 0; list && list->kind == VAL_SEQ && i < val_seq_len(list); i++) {
        const struct val *r = val_seq_at(list, i);
        const char *path = str_of(r, "path");
        if (*path && (kn_get(r, "source") || val_len(kn_get(r, "targets"))))
            return pkg_err_set(errp, PKG_EINVAL, "cannot specify both path and inline replacement");
        if (!*path) {
            val_seq_push(a, all, (struct val *)r);
            continue;
        }
        struct sb content = SB_INIT;
        const char *real = NULL;
        int rc = kloader_load(b, ldr, path, &content, &real, errp);
        struct val *docs = NULL;
        if (!rc) {
            struct val_yaml_opts yo = {.dialect = VAL_YAML_HELM, .allow_duplicate_keys = true};
            rc = val_yaml_load_all(&docs, a, content.buf, content.len, real, &yo, errp);
        }
        sb_release(&content);
        if (rc)
            return rc;
        struct val *d = val_seq_len(docs) ? val_seq_at(docs, 0) : NULL;
        if (d && d->kind == VAL_SEQ) {
            for (size_t j = 0; j < val_seq_len(d); j++) {
                rc = kfile_check_type(b, val_seq_at(d, j), kfile_type_replacement, real, errp);
                if (rc)
                    return rc;
                val_seq_push(a, all, val_seq_at(d, j));
            }
        } else if (d && d->kind == VAL_MAP) {
            rc = kfile_check_type(b, d, kfile_type_replacement, real, errp);
            if (rc)
                return rc;
            val_seq_push(a, all, d);
        } else {
            return pkg_err_set(errp, PKG_EINVAL,
                               "unsupported replacement type encountered within replacement path: "
                               "%s",
                               d && d->kind == VAL_STRING ? "string" : "invalid");
        }
    }
    for (size_t i = 0; i < val_seq_len(all); i++) {
        const struct val *r = val_seq_at(all, i);
        const struct val *src = kn_get(r, "source");
        const struct val *targets = kn_get(r, "targets");
        if (kn_missing_or_null(src) || kn_missing_or_null(targets))
            return pkg_err_set(errp, PKG_EINVAL,
                               "replacements must specify a source and at least one target");
        struct val *value = NULL;
        int rc = get_replacement(b, m, src, &value, errp);
        if (!rc)
            rc = apply_replacement(b, m, value, targets, errp);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- vars ---- */

int
kvarset_merge(struct kbuild *b, struct kvarset *s, const struct kvar *in, size_t n,
              struct pkg_err **errp)
{
    (void)b;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < s->n; j++)
            if (!strcmp(s->v[j].name, in[i].name))
                return pkg_err_set(errp, PKG_EEXIST, "var '%s' already encountered", in[i].name);
        s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
        s->v[s->n] = in[i];
        if (!s->v[s->n].fieldpath || !*s->v[s->n].fieldpath)
            s->v[s->n].fieldpath = "metadata.name";
        s->n++;
    }
    return 0;
}

/* GetFieldValue: a typed scalar (string, int, float, bool), or NULL for
 * something that is not a primitive. */
struct varval {
    const char *text; /* the value as text */
    int kind;         /* VAL_STRING, VAL_INT, VAL_FLOAT, VAL_BOOL; -1 not primitive */
};

static int
field_value(struct kbuild *b, struct kres *r, const char *fp, struct varval *out,
            struct pkg_err **errp)
{
    struct arena *a = b->a;
    struct kstrv parts = {0}, path = {0};
    smart_split(a, fp, &parts);
    /* convertSliceIndex: "ports[0]" -> "ports", "0" */
    for (size_t i = 0; i < parts.n; i++) {
        const char *s = parts.v[i];
        size_t n = strlen(s);
        const char *lb = n && s[n - 1] == ']' ? strrchr(s, '[') : NULL;
        bool digits = lb && lb[1] != ']';
        for (const char *p = lb ? lb + 1 : s; digits && p < s + n - 1; p++)
            digits = *p >= '0' && *p <= '9';
        if (!lb || !digits) {
            kstrv_push(&path, s);
            continue;
        }
        if (lb > s)
            kstrv_push(&path, arena_strndup(a, s, (size_t)(lb - s)));
        kstrv_push(&path, arena_strndup(a, lb + 1, (size_t)(s + n - 1 - lb - 1)));
    }
    struct val *v;
    int rc = lookup(b, r->node, &path, &v, errp);
    kstrv_free(&parts);
    kstrv_free(&path);
    if (rc)
        return rc;
    if (!v)
        return pkg_err_set(errp, PKG_ENOENT, "no field named '%s'", fp);
    out->kind = -1;
    out->text = "";
    if (v->kind == VAL_MAP || v->kind == VAL_SEQ)
        return 0;
    out->text = kn_text(a, v);
    out->kind = v->kind == VAL_NULL ? VAL_STRING : v->kind;
    return 0;
}

struct var_ctx {
    struct kbuild *b;
    const char **names;
    struct varval *vals;
    size_t n;
};

static const struct varval *
var_lookup(struct var_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->names[i], name))
            return c->vals[i].kind >= 0 ? &c->vals[i] : NULL;
    return NULL;
}

/* DoReplacements: *kind is the type of the result (a lone $(VAR) keeps the
 * var's type). */
static const char *
do_replacements(struct var_ctx *c, const char *in, int *kind)
{
    struct sb buf = SB_INIT;
    size_t len = strlen(in), checkpoint = 0;
    *kind = VAL_STRING;
    for (size_t cur = 0; cur < len; cur++) {
        if (in[cur] != '$' || cur + 1 >= len)
            continue;
        sb_add(&buf, in + checkpoint, cur - checkpoint);
        const char *rest = in + cur + 1;
        size_t advance = 1;
        if (rest[0] == '$') {
            sb_addch(&buf, '$');
        } else if (rest[0] == '(') {
            const char *close = strchr(rest + 1, ')');
            if (close) {
                const char *name = arena_strndup(c->b->a, rest + 1, (size_t)(close - rest - 1));
                const struct varval *v = var_lookup(c, name);
                advance = (size_t)(close - rest) + 1;
                if (cur == 0 && advance + 1 == len) {
                    sb_release(&buf);
                    if (v) {
                        *kind = v->kind;
                        return v->text;
                    }
                    return in;
                }
                if (v)
                    sb_addstr(&buf, v->text);
                else
                    sb_addf(&buf, "$(%s)", name);
            } else {
                sb_addstr(&buf, "$(");
            }
        } else {
            sb_addch(&buf, '$');
            sb_addch(&buf, rest[0]);
        }
        cur += advance;
        checkpoint = cur + 1;
    }
    if (checkpoint < len)
        sb_addstr(&buf, in + checkpoint);
    const char *r = arena_strdup(c->b->a, buf.buf);
    sb_release(&buf);
    return r;
}

static void
update_node(struct var_ctx *c, struct val *node, const char *text, int kind)
{
    struct arena *a = c->b->a;
    struct val *v;
    if (kind == VAL_STRING) {
        v = kn_str(a, text);
    } else {
        v = kn_scalar(a, text);
        if (kind == VAL_FLOAT && v->kind == VAL_INT) {
            double d = (double)v->u.i;
            v->kind = VAL_FLOAT;
            v->u.f = d;
        }
    }
    kn_replace(node, v);
}

static bool
is_str(const struct val *v)
{
    return v->kind == VAL_STRING;
}

static int
var_set(struct kbuild *b, struct val *node, void *payload, struct pkg_err **errp)
{
    (void)b;
    struct var_ctx *c = payload;
    int kind;
    if (node->kind == VAL_NULL)
        return 0;
    if (node->kind == VAL_STRING) {
        const char *t = do_replacements(c, node->u.s.ptr, &kind);
        update_node(c, node, t, kind);
        return 0;
    }
    if (node->kind == VAL_MAP) {
        for (size_t i = 0; i < val_map_len(node); i++) {
            struct val *v = node->u.map.ents[i].v;
            if (!is_str(v))
                continue;
            const char *t = do_replacements(c, v->u.s.ptr, &kind);
            update_node(c, v, t, kind);
        }
        return 0;
    }
    if (node->kind == VAL_SEQ) {
        for (size_t i = 0; i < val_seq_len(node); i++) {
            struct val *v = val_seq_at(node, i);
            if (!is_str(v))
                return pkg_err_set(errp, PKG_ETYPE, "invalid value type expect a string");
            const char *t = do_replacements(c, v->u.s.ptr, &kind);
            update_node(c, v, t, kind);
        }
        return 0;
    }
    return 0;
}

static int
var_cmp(const void *x, const void *y)
{
    return strcmp(((const struct kvar *)x)->name, ((const struct kvar *)y)->name);
}

static const char *
var_string(struct arena *a, const struct kvar *v)
{
    return arena_sprintf(a, "{%s {%s %s %s %s %s} {%s}}", v->name, "", v->objref.gvk.group,
                         v->objref.gvk.version, v->objref.gvk.kind, v->objref.name, v->fieldpath);
}

int
kx_vars(struct kbuild *b, struct kresmap *m, const struct kvarset *vars, const struct kfsslice *fs,
        struct pkg_err **errp)
{
    struct arena *a = b->a;
    struct kvar *sorted = arena_memdup(a, vars->v, vars->n * sizeof(*sorted));
    qsort(sorted, vars->n, sizeof(*sorted), var_cmp);
    struct var_ctx c = {b, arena_alloc(a, (vars->n + 1) * sizeof(char *)),
                        arena_alloc(a, (vars->n + 1) * sizeof(struct varval)), 0};
    for (size_t i = 0; i < vars->n; i++) {
        const struct kvar *v = &sorted[i];
        bool found = false;
        for (size_t j = 0; j < m->n && !found; j++) {
            struct kres *r = m->v[j];
            for (size_t k = 0; k < r->nrefvars && !found; k++) {
                if (strcmp(r->refvars[k], v->name))
                    continue;
                struct pkg_err *e = NULL;
                if (field_value(b, r, v->fieldpath, &c.vals[c.n], &e)) {
                    pkg_err_free(e);
                    return pkg_err_set(errp, PKG_ENOENT,
                                       "field specified in var '%s' not found in corresponding "
                                       "resource",
                                       var_string(a, v));
                }
                c.names[c.n++] = v->name;
                found = true;
            }
        }
        if (!found)
            return pkg_err_set(errp, PKG_ENOENT,
                               "var '%s' cannot be mapped to a field in the set of known resources",
                               var_string(a, v));
    }
    if (c.n == 0)
        return 0;
    for (size_t i = 0; i < m->n; i++) {
        int rc = kfs_apply(b, m->v[i]->node, fs, -1, var_set, &c, errp);
        if (rc)
            return rc;
    }
    return 0;
}
