/* configMapGenerator and secretGenerator (api/internal/generators, api/kv)
 * and the content hash kustomize appends to generated names
 * (api/hasher). */
#include "overlay/kust.h"
#include "core/sha256.h"

#include <stdlib.h>
#include <string.h>

struct kvpair {
    const char *k, *v;
    size_t vlen;
};

struct kvlist {
    struct kvpair *v;
    size_t n, cap;
};

static void
kv_push(struct kvlist *l, const char *k, const char *v, size_t vlen)
{
    l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
    l->v[l->n++] = (struct kvpair){k, v, vlen};
}

/* Go's %v of a []string: "[a b c]". */
static const char *
list_string(struct arena *a, const struct val *l)
{
    struct sb sb = SB_INIT;
    sb_addch(&sb, '[');
    for (size_t i = 0; l && l->kind == VAL_SEQ && i < val_seq_len(l); i++) {
        if (i)
            sb_addch(&sb, ' ');
        sb_addstr(&sb, kn_text(a, val_seq_at(l, i)));
    }
    sb_addch(&sb, ']');
    const char *r = arena_strdup(a, sb.buf);
    sb_release(&sb);
    return r;
}

static const char *
remove_quotes(struct arena *a, const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || s[0] != s[n - 1])
        return s;
    if (s[0] == '"' || s[0] == '\'')
        return arena_strndup(a, s + 1, n - 2);
    return s;
}

static bool
is_space_rune(const unsigned char *p, size_t n, size_t *w)
{
    /* unicode.IsSpace for the ASCII and Latin-1 cases kustomize users meet */
    if (n >= 1 && (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r'))) {
        *w = 1;
        return true;
    }
    if (n >= 2 && p[0] == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0)) {
        *w = 2;
        return true;
    }
    return false;
}

static bool
utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
        if (!len || c > 0xf4 || i + len > n)
            return false;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

static int
env_pairs(struct kbuild *b, struct kvlist *out, const char *buf, size_t len, struct pkg_err **errp)
{
    size_t line = 0;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        /* bufio.ScanLines drops a trailing \r */
        const char *lend = le;
        if (lend > p && lend[-1] == '\r')
            lend--;
        const unsigned char *s = (const unsigned char *)p;
        size_t n = (size_t)(lend - p);
        if (!utf8_ok(s, n))
            return pkg_err_set(errp, PKG_EINVAL, "line %zu has invalid utf8 bytes : %.*s", line,
                               (int)n, p);
        if (line == 0 && n >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
            s += 3;
            n -= 3;
        }
        size_t w;
        while (n > 0 && is_space_rune(s, n, &w)) {
            s += w;
            n -= w;
        }
        line++;
        p = nl ? nl + 1 : end;
        if (n == 0 || s[0] == '#')
            continue;
        const char *eq = memchr(s, '=', n);
        const char *k, *v;
        size_t vl;
        if (eq) {
            k = arena_strndup(b->a, (const char *)s, (size_t)(eq - (const char *)s));
            vl = n - (size_t)(eq - (const char *)s) - 1;
            v = arena_strndup(b->a, eq + 1, vl);
        } else {
            k = arena_strndup(b->a, (const char *)s, n);
            v = "";
            vl = 0;
        }
        if (!*k)
            continue;
        kv_push(out, k, v, vl);
    }
    return 0;
}

/* kv.Load: env files, then literals, then files. */
static int
load_pairs(struct kbuild *b, struct kloader *ldr, const struct val *args, struct kvlist *out,
           struct pkg_err **errp)
{
    struct arena *a = b->a;
    const struct val *envs = kn_get(args, "envs");
    for (size_t i = 0; envs && envs->kind == VAL_SEQ && i < val_seq_len(envs); i++) {
        struct sb content = SB_INIT;
        int rc = kloader_load(b, ldr, kn_text(a, val_seq_at(envs, i)), &content, NULL, errp);
        if (!rc)
            rc = env_pairs(b, out, content.buf, content.len, errp);
        sb_release(&content);
        if (rc) {
            pkg_err_wrap(errp, "env source files: %s", list_string(a, envs));
            return rc;
        }
    }
    const struct val *lits = kn_get(args, "literals");
    for (size_t i = 0; lits && lits->kind == VAL_SEQ && i < val_seq_len(lits); i++) {
        const char *s = kn_text(a, val_seq_at(lits, i));
        const char *eq = strchr(s, '=');
        if (!eq || eq == s)
            return pkg_err_set(errp, PKG_EINVAL,
                               "literal sources %s: invalid literal source %s, expected key=value",
                               list_string(a, lits), s);
        const char *v = remove_quotes(a, eq + 1);
        kv_push(out, arena_strndup(a, s, (size_t)(eq - s)), v, strlen(v));
    }
    const struct val *files = kn_get(args, "files");
    for (size_t i = 0; files && files->kind == VAL_SEQ && i < val_seq_len(files); i++) {
        const char *src = kn_text(a, val_seq_at(files, i));
        size_t eqs = 0;
        for (const char *q = src; *q; q++)
            eqs += *q == '=';
        const char *key = "", *path = "";
        int rc = 0;
        if (eqs == 0) {
            const char *slash = strrchr(src, '/');
            key = slash && slash[1] ? slash + 1 : src;
            path = src;
        } else if (eqs == 1 && src[0] == '=') {
            rc =
                pkg_err_set(errp, PKG_EINVAL,
                            "missing key name for file path \"%s\" in source \"%s\"", src + 1, src);
        } else if (eqs == 1 && src[strlen(src) - 1] == '=') {
            rc = pkg_err_set(errp, PKG_EINVAL,
                             "missing file path for key name \"%.*s\" in source \"%s\"",
                             (int)strlen(src) - 1, src, src);
        } else if (eqs > 1) {
            rc = pkg_err_set(errp, PKG_EINVAL, "source \"%s\" key name or file path contains '='",
                             src);
        } else {
            const char *eq = strchr(src, '=');
            key = arena_strndup(a, src, (size_t)(eq - src));
            path = eq + 1;
        }
        if (rc) {
            pkg_err_wrap(errp, "file sources: %s", list_string(a, files));
            return rc;
        }
        struct sb content = SB_INIT;
        rc = kloader_load(b, ldr, path, &content, NULL, errp);
        if (rc) {
            sb_release(&content);
            pkg_err_wrap(errp, "file sources: %s", list_string(a, files));
            return rc;
        }
        const char *v = arena_memdup(a, content.buf, content.len + 1);
        kv_push(out, key, v, content.len);
        sb_release(&content);
    }
    return 0;
}

static int
pair_cmp(const void *x, const void *y)
{
    return strcmp(((const struct kvpair *)x)->k, ((const struct kvpair *)y)->k);
}

/* encodeBase64: lines of 70 characters when longer. */
static char *
encode_base64(struct arena *a, const char *s, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t enclen = (n + 2) / 3 * 4;
    char *enc = xmalloc(enclen + 1);
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        enc[o++] = tbl[(v >> 18) & 63];
        enc[o++] = tbl[(v >> 12) & 63];
        enc[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        enc[o++] = i + 2 < n ? tbl[v & 63] : '=';
    }
    enc[o] = 0;
    size_t lines = enclen / 70 + 1;
    struct sb sb = SB_INIT;
    for (size_t i = 0; i < enclen; i += 70) {
        size_t j = i + 70 > enclen ? enclen : i + 70;
        sb_add(&sb, enc + i, j - i);
        if (lines > 1)
            sb_addch(&sb, '\n');
    }
    char *r = arena_strndup(a, sb.buf, sb.len);
    sb_release(&sb);
    free(enc);
    return r;
}

static struct val *
str_node(struct arena *a, const char *s, size_t n)
{
    struct val *v = val_str(a, s, n);
    v->src = v->u.s.ptr;
    if (memchr(s, '\n', n))
        v->style = VAL_STYLE_LITERAL;
    return v;
}

static void
apply_options(struct kbuild *b, struct val *obj, const struct val *opts)
{
    struct arena *a = b->a;
    if (!opts)
        return;
    const char *fields[] = {"labels", "annotations"};
    for (int f = 0; f < 2; f++) {
        const struct val *m = kn_get(opts, fields[f]);
        if (!m || m->kind != VAL_MAP)
            continue;
        struct kstrmap sm = {0};
        for (size_t i = 0; i < val_map_len(m); i++)
            kstrmap_set(&sm, m->u.map.ents[i].key->u.s.ptr, kn_text(a, m->u.map.ents[i].v));
        kstrmap_sort(&sm);
        for (size_t i = 0; i < sm.n; i++) {
            if (f == 0)
                kn_set_label(a, obj, sm.k[i], sm.v[i]);
            else
                kn_set_annotation(a, obj, sm.k[i], sm.v[i]);
        }
        kstrmap_free(&sm);
    }
    const struct val *imm = kn_get(opts, "immutable");
    if (imm && imm->kind == VAL_BOOL && imm->u.b) {
        struct val *t = val_bool(a, true);
        t->src = "true";
        val_map_setz(a, obj, "immutable", t);
    }
}

/* MergeGlobalOptionsIntoLocal */
static struct val *
merge_options(struct kbuild *b, const struct val *local, const struct val *global)
{
    struct arena *a = b->a;
    if (!global || global->kind != VAL_MAP)
        return (struct val *)local;
    struct val *r = local && local->kind == VAL_MAP ? val_copy(a, local) : val_map(a);
    const char *fields[] = {"labels", "annotations"};
    for (int f = 0; f < 2; f++) {
        const struct val *g = kn_get(global, fields[f]);
        if (!g || g->kind != VAL_MAP)
            continue;
        struct val *l = kn_get(r, fields[f]);
        if (!l || l->kind != VAL_MAP) {
            val_map_setz(a, r, fields[f], val_copy(a, g));
            continue;
        }
        for (size_t i = 0; i < val_map_len(g); i++) {
            const char *k = g->u.map.ents[i].key->u.s.ptr;
            if (!kn_get(l, k))
                val_map_setz(a, l, k, g->u.map.ents[i].v);
        }
    }
    const char *flags[] = {"disableNameSuffixHash", "immutable"};
    for (int f = 0; f < 2; f++) {
        const struct val *g = kn_get(global, flags[f]);
        if (g && g->kind == VAL_BOOL && g->u.b)
            val_map_setz(a, r, flags[f], val_bool(a, true));
    }
    return r;
}

static int
generate(struct kbuild *b, struct kloader *ldr, const struct val *args,
         const struct val *globalopts, bool secret, struct kres **out, struct pkg_err **errp)
{
    struct arena *a = b->a;
    const char *name = val_cstr(kn_get(args, "name"));
    const char *ns = val_cstr(kn_get(args, "namespace"));
    const char *behavior = val_cstr(kn_get(args, "behavior"));
    const struct val *opts = merge_options(b, kn_get(args, "options"), globalopts);
    if (!name || !*name)
        return pkg_err_set(errp, PKG_EINVAL, "a configmap must have a name");
    struct val *obj = val_map(a);
    val_map_setz(a, obj, "apiVersion", kn_scalar(a, "v1"));
    val_map_setz(a, obj, "kind", kn_scalar(a, secret ? "Secret" : "ConfigMap"));
    struct val *md = val_map(a);
    val_map_setz(a, md, "name", kn_str(a, name));
    if (ns && *ns)
        val_map_setz(a, md, "namespace", kn_str(a, ns));
    val_map_setz(a, obj, "metadata", md);
    if (secret) {
        const char *t = val_cstr(kn_get(args, "type"));
        val_map_setz(a, obj, "type", kn_str(a, t && *t ? t : "Opaque"));
    }
    struct kvlist pairs = {0};
    int rc = load_pairs(b, ldr, args, &pairs, errp);
    if (rc) {
        pkg_err_wrap(errp, "loading KV pairs");
        free(pairs.v);
        return rc;
    }
    for (size_t i = 0; i < pairs.n; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(pairs.v[i].k, pairs.v[j].k)) {
                rc = pkg_err_set(errp, PKG_EINVAL, "configmap %s illegally repeats the key `%s`",
                                 name, pairs.v[i].k);
                free(pairs.v);
                return rc;
            }
    qsort(pairs.v, pairs.n, sizeof(*pairs.v), pair_cmp);
    if (secret) {
        struct val *data = val_map(a);
        val_map_setz(a, obj, "data", data);
        for (size_t i = 0; i < pairs.n; i++) {
            const char *e = encode_base64(a, pairs.v[i].v, pairs.v[i].vlen);
            val_map_setz(a, data, pairs.v[i].k, str_node(a, e, strlen(e)));
        }
    } else {
        for (size_t i = 0; i < pairs.n; i++) {
            const char *field = "data";
            const char *v = pairs.v[i].v;
            size_t vl = pairs.v[i].vlen;
            if (!utf8_ok((const unsigned char *)v, vl)) {
                field = "binaryData";
                v = encode_base64(a, v, vl);
                vl = strlen(v);
            }
            struct val *m = kn_get(obj, field);
            if (!m) {
                m = val_map(a);
                val_map_setz(a, obj, field, m);
            }
            val_map_setz(a, m, pairs.v[i].k, str_node(a, v, vl));
        }
    }
    free(pairs.v);
    apply_options(b, obj, opts);
    struct kres *r = kres_new(b, obj);
    const struct val *dis = kn_get(opts, "disableNameSuffixHash");
    if (!(dis && dis->kind == VAL_BOOL && dis->u.b))
        kres_enable(b, r, KA_NEEDS_HASH);
    const char *beh = behavior && (!strcmp(behavior, "create") || !strcmp(behavior, "replace") ||
                                   !strcmp(behavior, "merge"))
                          ? behavior
                          : "unspecified";
    struct kstrmap am = {0};
    kn_meta_map(a, obj, "annotations", &am);
    kstrmap_set(&am, KA_GEN_BEHAVIOR, beh);
    kn_set_meta_map(a, obj, "annotations", &am);
    kstrmap_free(&am);
    *out = r;
    return 0;
}

int
kgen_configmap(struct kbuild *b, struct kloader *ldr, const struct val *args,
               const struct val *globalopts, struct kres **out, struct pkg_err **errp)
{
    return generate(b, ldr, args, globalopts, false, out, errp);
}

int
kgen_secret(struct kbuild *b, struct kloader *ldr, const struct val *args,
            const struct val *globalopts, struct kres **out, struct pkg_err **errp)
{
    return generate(b, ldr, args, globalopts, true, out, errp);
}

/* getNodeValues: a scalar's text, a map through MarshalJSON, "" when absent. */
static struct val *
node_value(struct arena *a, const struct val *v)
{
    if (!v)
        return val_strz(a, "");
    if (v->kind == VAL_MAP)
        return kjson_roundtrip(a, v);
    if (v->kind == VAL_SEQ)
        return val_null(a); /* unmarshalling an array into a map fails: nil */
    return val_strz(a, kn_text(a, v));
}

/* json.Marshal of a go-yaml v3 *yaml.Node: the struct's exported fields in
 * declaration order. Nodes read from a file keep their kind, style, tag,
 * text and position (lines count from the document's own first line, as
 * kio splits streams before decoding); nodes made in memory have no
 * position, as kyaml's builders make them. Comments are not kept by the
 * loader, so resources with comments hash differently from kustomize. */
static void
ynode_json(struct sb *sb, struct arena *a, const struct val *v, bool is_key)
{
    int kind = 8, style = 0;
    const char *tag = "", *value = "";
    bool made = v->line == 0;
    switch (v->kind) {
    case VAL_MAP:
        kind = 4;
        tag = made ? "" : "!!map";
        break;
    case VAL_SEQ:
        kind = 2;
        tag = made ? "" : "!!seq";
        break;
    default:
        value = kn_text(a, v);
        break;
    }
    if (v->style == VAL_STYLE_FLOW)
        style = 32;
    if (kind == 8) {
        switch (v->style) {
        case VAL_STYLE_DOUBLE:
            style = 2;
            break;
        case VAL_STYLE_SINGLE:
            style = 4;
            break;
        case VAL_STYLE_LITERAL:
            style = 8;
            break;
        case VAL_STYLE_FOLDED:
            style = 16;
            break;
        default:
            break;
        }
        if (v->flags & VAL_F_TAGGED) {
            style |= 1;
            switch (v->kind) {
            case VAL_NULL:
                tag = "!!null";
                break;
            case VAL_BOOL:
                tag = "!!bool";
                break;
            case VAL_INT:
                tag = "!!int";
                break;
            case VAL_FLOAT:
                tag = "!!float";
                break;
            default:
                tag = v->flags & VAL_F_BINARY ? "!!binary" : "!!str";
                break;
            }
        } else if (made && is_key) {
            tag = ""; /* FieldSetter's new key nodes */
        } else if (made && (v->flags & KN_F_TAGEMPTY)) {
            tag = ""; /* SetScalar, NewScalarRNode */
        } else if (made && v->kind == VAL_STRING) {
            /* NewStringRNode or SetEntry, set through a FieldSetter */
            tag = "!!str";
            if (style == 0 && !(v->flags & KN_F_STYLE0) && kn_yaml11_nonstring(value))
                style = 2;
        } else if (made) {
            tag = v->kind == VAL_INT     ? "!!int"
                  : v->kind == VAL_FLOAT ? "!!float"
                  : v->kind == VAL_BOOL  ? "!!bool"
                                         : "!!null";
        } else if (style != 0) {
            tag = "!!str";
        } else {
            switch (val_yaml_resolve(VAL_YAML_KYAML, value, strlen(value), NULL)) {
            case VAL_YTAG_NULL:
                tag = "!!null";
                break;
            case VAL_YTAG_BOOL:
                tag = "!!bool";
                break;
            case VAL_YTAG_INT:
                tag = "!!int";
                break;
            case VAL_YTAG_FLOAT:
                tag = "!!float";
                break;
            case VAL_YTAG_TIMESTAMP:
                tag = "!!timestamp";
                break;
            case VAL_YTAG_MERGE:
                tag = "!!merge";
                break;
            default:
                tag = "!!str";
                break;
            }
            /* a string whose text a replacement changed keeps its tag */
            if (v->kind == VAL_STRING && strcmp(tag, "!!timestamp") && strcmp(tag, "!!merge"))
                tag = "!!str";
        }
    }
    sb_addf(sb, "{\"Kind\":%d,\"Style\":%d,\"Tag\":", kind, style);
    val_json_quote(sb, tag, strlen(tag), 0);
    sb_addstr(sb, ",\"Value\":");
    val_json_quote(sb, value, strlen(value), 0);
    sb_addstr(sb, ",\"Anchor\":\"\",\"Alias\":null,\"Content\":");
    size_t n = val_len(v);
    if ((v->kind != VAL_MAP && v->kind != VAL_SEQ) || n == 0) {
        sb_addstr(sb, "null");
    } else {
        sb_addch(sb, '[');
        for (size_t i = 0; i < n; i++) {
            if (i)
                sb_addch(sb, ',');
            if (v->kind == VAL_SEQ) {
                ynode_json(sb, a, val_seq_at(v, i), false);
            } else {
                ynode_json(sb, a, v->u.map.ents[i].key, true);
                sb_addch(sb, ',');
                ynode_json(sb, a, v->u.map.ents[i].v, false);
            }
        }
        sb_addch(sb, ']');
    }
    sb_addf(sb,
            ",\"HeadComment\":\"\",\"LineComment\":\"\",\"FootComment\":\"\","
            "\"Line\":%u,\"Column\":%u}",
            v->line, v->col);
}

int
khash_resource(struct kbuild *b, const struct val *obj, char out[11], struct pkg_err **errp)
{
    struct arena *a = b->a;
    const char *kind = kn_kind(a, obj);
    struct val *m = val_map(a);
    if (!strcmp(kind, "ConfigMap")) {
        val_map_setz(a, m, "kind", val_strz(a, "ConfigMap"));
        val_map_setz(a, m, "name", val_strz(a, "")); /* kustomize looks up "metadata/name" as
                                                        one key: never found */
        val_map_setz(a, m, "data", node_value(a, kn_get(obj, "data")));
        struct val *bd = kn_get(obj, "binaryData");
        if (bd && bd->kind == VAL_MAP)
            val_map_setz(a, m, "binaryData", node_value(a, bd));
    } else if (!strcmp(kind, "Secret")) {
        val_map_setz(a, m, "kind", val_strz(a, "Secret"));
        val_map_setz(a, m, "type", node_value(a, kn_get(obj, "type")));
        val_map_setz(a, m, "name", val_strz(a, ""));
        val_map_setz(a, m, "data", node_value(a, kn_get(obj, "data")));
        struct val *sd = kn_get(obj, "stringData");
        if (sd && sd->kind == VAL_MAP)
            val_map_setz(a, m, "stringData", node_value(a, sd));
    } else {
        m = NULL;
    }
    struct sb js = SB_INIT;
    if (m) {
        int rc = val_json_emit(&js, m, VAL_JSON_COMPACT, errp);
        if (rc) {
            sb_release(&js);
            return rc;
        }
    } else {
        ynode_json(&js, a, obj, false);
    }
    unsigned char dig[SHA256_LEN];
    sha256_digest(dig, js.buf, js.len);
    sb_release(&js);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 10; i++) {
        char c = hex[(dig[i / 2] >> (i % 2 ? 0 : 4)) & 15];
        switch (c) {
        case '0':
            c = 'g';
            break;
        case '1':
            c = 'h';
            break;
        case '3':
            c = 'k';
            break;
        case 'a':
            c = 'm';
            break;
        case 'e':
            c = 't';
            break;
        default:
            break;
        }
        out[i] = c;
    }
    out[10] = 0;
    return 0;
}
