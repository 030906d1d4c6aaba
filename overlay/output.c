/* Output: what kustomize prints for a resource is
 * sigs.k8s.io/yaml.JSONToYAML(json.Marshal(decoded object)). The value
 * tree is first turned into what that JSON round trip leaves (the "JSON
 * view": strings as valid UTF-8, floats that JSON prints as integers
 * become integers), then core's emitter prints it. Also `-o DIR`. */
#include "overlay/kust.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Go's json replaces each invalid UTF-8 byte with U+FFFD. */
static bool
utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* ASCII runs, eight bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
        if (!len || c > 0xf4 || i + len > n)
            return false;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
        if (len == 3) {
            unsigned cp = ((c & 0x0fu) << 12) | ((s[i + 1] & 0x3fu) << 6) | (s[i + 2] & 0x3fu);
            if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))
                return false;
        } else if (len == 4) {
            unsigned cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3fu) << 12) |
                          ((s[i + 2] & 0x3fu) << 6) | (s[i + 3] & 0x3fu);
            if (cp < 0x10000 || cp > 0x10ffff)
                return false;
        }
        i += len;
    }
    return true;
}

static struct val *
fix_utf8(struct arena *a, const struct val *v)
{
    const unsigned char *s = (const unsigned char *)v->u.s.ptr;
    size_t n = v->u.s.len;
    struct sb sb = SB_INIT;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            sb_addch(&sb, c);
            i++;
            continue;
        }
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
        if (len && c <= 0xf4 && i + len <= n && utf8_valid(s + i, len)) {
            sb_add(&sb, s + i, len);
            i += len;
        } else {
            sb_addstr(&sb, "\xef\xbf\xbd");
            i++;
        }
    }
    struct val *r = val_str(a, sb.buf, sb.len);
    sb_release(&sb);
    return r;
}

struct val *kjson_roundtrip(struct arena *a, const struct val *v);

struct val *
kjson_roundtrip(struct arena *a, const struct val *v)
{
    if (!v)
        return val_null(a);
    switch (v->kind) {
    case VAL_NULL:
        return val_null(a);
    case VAL_BOOL:
        return val_bool(a, v->u.b);
    case VAL_INT:
        return val_int(a, v->u.i);
    case VAL_FLOAT: {
        double f = v->u.f;
        if (isnan(f) || isinf(f))
            return val_float(a, f); /* kust_emit reports it */
        struct sb sb = SB_INIT;
        gofmt_float_json(&sb, f);
        bool integral = !strpbrk(sb.buf, ".eE");
        struct val *r = NULL;
        if (integral) {
            errno = 0;
            char *end;
            long long ll = strtoll(sb.buf, &end, 10);
            if (!errno && !*end)
                r = val_int(a, ll);
        }
        sb_release(&sb);
        return r ? r : val_float(a, f);
    }
    case VAL_STRING:
        /* strings live in the arena already: shared, not copied */
        if (utf8_valid((const unsigned char *)v->u.s.ptr, v->u.s.len))
            return val_str_nocopy(a, v->u.s.ptr, v->u.s.len);
        return fix_utf8(a, v);
    case VAL_SEQ: {
        struct val *s = val_seq(a);
        for (size_t i = 0; i < val_seq_len(v); i++)
            val_seq_push(a, s, kjson_roundtrip(a, val_seq_at(v, i)));
        return s;
    }
    case VAL_MAP: {
        struct val *m = val_map(a);
        for (size_t i = 0; i < val_map_len(v); i++) {
            const struct val *k = v->u.map.ents[i].key;
            const char *ks = k->kind == VAL_STRING ? k->u.s.ptr : kn_text(a, k);
            val_map_setz(a, m, ks, kjson_roundtrip(a, v->u.map.ents[i].v));
        }
        return m;
    }
    default:
        return val_null(a);
    }
}

static int
check_finite(const struct val *v, struct pkg_err **errp)
{
    if (v->kind == VAL_FLOAT && (isnan(v->u.f) || isinf(v->u.f)))
        return pkg_err_set(errp, PKG_EINVAL, "json: unsupported value: %s",
                           isnan(v->u.f) ? "NaN"
                           : v->u.f > 0  ? "+Inf"
                                         : "-Inf");
    if (v->kind == VAL_SEQ)
        for (size_t i = 0; i < val_seq_len(v); i++) {
            int rc = check_finite(val_seq_at(v, i), errp);
            if (rc)
                return rc;
        }
    if (v->kind == VAL_MAP)
        for (size_t i = 0; i < val_map_len(v); i++) {
            int rc = check_finite(v->u.map.ents[i].v, errp);
            if (rc)
                return rc;
        }
    return 0;
}

int
kust_emit(struct sb *out, const struct val *objs, struct pkg_err **errp)
{
    for (size_t i = 0; i < val_seq_len(objs); i++) {
        const struct val *o = val_seq_at(objs, i);
        int rc = check_finite(o, errp);
        if (rc)
            return rc;
        if (i > 0)
            sb_addstr(out, "---\n");
        rc = val_yaml_emit(out, o, VAL_YAML_KYAML, errp);
        if (rc)
            return rc;
    }
    return 0;
}

static void
lower_into(struct sb *sb, const char *s)
{
    for (; *s; s++)
        sb_addch(sb, tolower((unsigned char)*s));
}

char *
kust_file_name(const struct val *obj)
{
    struct sb sb = SB_INIT;
    const char *av = val_cstr(kn_get(obj, "apiVersion"));
    const char *kind = val_cstr(kn_get(obj, "kind"));
    const char *name = val_cstr(kn_get(kn_get(obj, "metadata"), "name"));
    const char *slash = av ? strchr(av, '/') : NULL;
    bool first = true;
    if (slash && slash > av) {
        struct sb g = SB_INIT;
        sb_add(&g, av, (size_t)(slash - av));
        lower_into(&sb, g.buf);
        sb_release(&g);
        first = false;
    }
    const char *ver = slash ? slash + 1 : av;
    if (ver && *ver) {
        if (!first)
            sb_addch(&sb, '_');
        lower_into(&sb, ver);
        first = false;
    }
    if (kind && *kind) {
        if (!first)
            sb_addch(&sb, '_');
        lower_into(&sb, kind);
    }
    sb_addch(&sb, '_');
    lower_into(&sb, name ? name : "");
    sb_addstr(&sb, ".yaml");
    return sb_detach(&sb, NULL);
}

static const char *
effective_ns(struct arena *a, const struct val *obj)
{
    const char *av = val_cstr(kn_get(obj, "apiVersion"));
    const char *kind = val_cstr(kn_get(obj, "kind"));
    bool found = false;
    bool ns = ksch_namespaced(NULL, av ? av : "", kind ? kind : "", &found);
    if (found && !ns)
        return NULL;
    const char *n = val_cstr(kn_get(kn_get(obj, "metadata"), "namespace"));
    (void)a;
    return n && *n ? n : "default";
}

int
kust_write_dir(const char *dir, const struct val *objs, struct pkg_err **errp)
{
    struct arena *a = arena_new();
    int rc = fs_mkdir_p(dir, 0755, errp);
    /* GroupedByCurrentNamespace: a prefix only when several namespaces */
    const char *first = NULL;
    bool several = false;
    for (size_t i = 0; !rc && i < val_seq_len(objs); i++) {
        const char *ns = effective_ns(a, val_seq_at(objs, i));
        if (!ns)
            continue;
        if (!first)
            first = ns;
        else if (strcmp(first, ns))
            several = true;
    }
    for (size_t i = 0; !rc && i < val_seq_len(objs); i++) {
        const struct val *o = val_seq_at(objs, i);
        const char *ns = effective_ns(a, o);
        char *name = kust_file_name(o);
        struct sb path = SB_INIT, body = SB_INIT;
        sb_addf(&path, "%s/", dir);
        if (ns && several)
            lower_into(&path, ns), sb_addch(&path, '_');
        sb_addstr(&path, name);
        free(name);
        rc = check_finite(o, errp);
        if (!rc)
            rc = val_yaml_emit(&body, o, VAL_YAML_KYAML, errp);
        if (!rc)
            rc = fs_write_atomic(path.buf, body.buf, body.len, 0644, errp);
        sb_release(&path);
        sb_release(&body);
    }
    arena_free(a);
    return rc;
}
