/* JSON patches (RFC 6902) with the behaviour of gopkg.in/evanphx/json-patch.v4
 * v4.12 that kustomize uses: negative array indexes count from the end,
 * "replace" of a missing map key adds it, errors worded like the
 * library's. The document is the object's JSON view; the result replaces
 * the object. */
#include "overlay/kust.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void
v2_keys(struct arena *a, struct val *v, int depth)
{
    if (!v || depth > 500)
        return;
    if (v->kind == VAL_SEQ)
        for (size_t i = 0; i < val_seq_len(v); i++)
            v2_keys(a, val_seq_at(v, i), depth + 1);
    if (v->kind == VAL_MAP)
        for (size_t i = 0; i < val_map_len(v); i++) {
            struct val *k = v->u.map.ents[i].key;
            const char *ks = kjson_v2_key(a, k);
            if (k->kind != VAL_STRING || strcmp(ks, k->u.s.ptr))
                val_map_set_key(a, v, i, val_strz(a, ks));
            v2_keys(a, v->u.map.ents[i].v, depth + 1);
        }
}

int
kjson6902_parse(struct kbuild *b, const struct val **ops, const char *text, size_t len,
                const char *file, struct pkg_err **errp)
{
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r'))
        i++;
    struct val *v = NULL;
    int rc;
    if (i < len && text[i] == '[') {
        struct val_json_opts jo = {.ints = true};
        rc = val_json_load(&v, b->a, text, len, file, &jo, errp);
    } else {
        /* sigs.k8s.io/yaml.YAMLToJSON: go-yaml v2 resolution */
        struct val_yaml_opts yo = {.dialect = VAL_YAML_HELM, .allow_duplicate_keys = true};
        struct val *docs = NULL;
        rc = val_yaml_load_all(&docs, b->a, text, len, file, &yo, errp);
        if (!rc)
            v = val_seq_len(docs) ? val_seq_at(docs, 0) : val_null(b->a);
    }
    if (rc)
        return rc;
    v2_keys(b->a, v, 0);
    if (v->kind != VAL_SEQ)
        return pkg_err_set(errp, PKG_ETYPE,
                           "json: cannot unmarshal %s into Go value of type jsonpatch.Patch",
                           v->kind == VAL_MAP      ? "object"
                           : v->kind == VAL_STRING ? "string"
                           : v->kind == VAL_NULL   ? "null"
                                                   : "number");
    for (size_t j = 0; j < val_seq_len(v); j++) {
        const struct val *op = val_seq_at(v, j);
        if (op->kind != VAL_MAP && op->kind != VAL_NULL)
            return pkg_err_set(
                errp, PKG_ETYPE,
                "json: cannot unmarshal %s into Go value of type jsonpatch.Operation",
                op->kind == VAL_SEQ ? "array" : "string");
    }
    *ops = kjson_roundtrip(b->a, v);
    return 0;
}

static const char *
decode_key(struct arena *a, const char *k)
{
    if (!strchr(k, '~'))
        return k;
    struct sb sb = SB_INIT;
    for (const char *p = k; *p; p++) {
        if (p[0] == '~' && p[1] == '1') {
            sb_addch(&sb, '/');
            p++;
        } else if (p[0] == '~' && p[1] == '0') {
            sb_addch(&sb, '~');
            p++;
        } else {
            sb_addch(&sb, *p);
        }
    }
    const char *r = arena_strdup(a, sb.buf);
    sb_release(&sb);
    return r;
}

/* strconv.Atoi */
static bool
atoi_go(const char *s, long *out)
{
    if (!*s)
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end || errno || (s[0] != '-' && s[0] != '+' && (s[0] < '0' || s[0] > '9')))
        return false;
    *out = v;
    return true;
}

/* findObject: the container holding the path's last element. */
static struct val *
find_object(struct arena *a, struct val *doc, const char *path, const char **key)
{
    struct kstrv parts = {0};
    kstr_split(a, &parts, path, '/');
    struct val *cur = doc && (doc->kind == VAL_MAP || doc->kind == VAL_SEQ) ? doc : NULL;
    if (parts.n < 2) {
        kstrv_free(&parts);
        return NULL;
    }
    for (size_t i = 1; i + 1 < parts.n && cur; i++) {
        const char *k = decode_key(a, parts.v[i]);
        struct val *next = NULL;
        if (cur->kind == VAL_MAP) {
            next = val_map_getz(cur, k);
        } else if (cur->kind == VAL_SEQ) {
            long idx;
            if (atoi_go(k, &idx) && idx >= 0 && (size_t)idx < val_seq_len(cur))
                next = val_seq_at(cur, (size_t)idx);
        }
        if (!next || (next->kind != VAL_MAP && next->kind != VAL_SEQ))
            next = NULL;
        cur = next;
    }
    *key = decode_key(a, parts.v[parts.n - 1]);
    kstrv_free(&parts);
    return cur;
}

static int
con_get(struct val *con, const char *key, struct val **out, struct pkg_err **errp)
{
    *out = NULL;
    if (con->kind == VAL_MAP) {
        *out = val_map_getz(con, key);
        return 0;
    }
    long idx;
    if (!atoi_go(key, &idx))
        return pkg_err_set(errp, PKG_EINVAL, "strconv.Atoi: parsing \"%s\": invalid syntax", key);
    if (idx < 0 || (size_t)idx >= val_seq_len(con))
        return pkg_err_set(errp, PKG_EINVAL,
                           "Unable to access invalid index: %ld: invalid index "
                           "referenced",
                           idx);
    *out = val_seq_at(con, (size_t)idx);
    return 0;
}

static int
con_add(struct arena *a, struct val *con, const char *key, struct val *v, struct pkg_err **errp)
{
    if (con->kind == VAL_MAP) {
        val_map_setz(a, con, key, v);
        return 0;
    }
    if (!strcmp(key, "-")) {
        val_seq_push(a, con, v);
        return 0;
    }
    long idx;
    if (!atoi_go(key, &idx))
        return pkg_err_set(errp, PKG_EINVAL,
                           "value was not a proper array index: '%s': strconv.Atoi: parsing "
                           "\"%s\": invalid syntax",
                           key, key);
    long sz = (long)val_seq_len(con) + 1;
    if (idx >= sz || idx < -sz)
        return pkg_err_set(errp, PKG_EINVAL,
                           "Unable to access invalid index: %ld: invalid index referenced", idx);
    if (idx < 0)
        idx += sz;
    val_seq_insert(a, con, (size_t)idx, v);
    return 0;
}

static int
con_remove(struct val *con, const char *key, struct pkg_err **errp)
{
    if (con->kind == VAL_MAP) {
        if (!val_map_del(con, key, strlen(key)))
            return pkg_err_set(errp, PKG_ENOENT,
                               "Unable to remove nonexistent key: %s: missing value", key);
        return 0;
    }
    long idx;
    if (!atoi_go(key, &idx))
        return pkg_err_set(errp, PKG_EINVAL, "strconv.Atoi: parsing \"%s\": invalid syntax", key);
    long n = (long)val_seq_len(con);
    if (idx >= n || idx < -n)
        return pkg_err_set(errp, PKG_EINVAL,
                           "Unable to access invalid index: %ld: invalid index referenced", idx);
    if (idx < 0)
        idx += n;
    val_seq_remove(con, (size_t)idx);
    return 0;
}

static const char *
op_str(const struct val *op, const char *k, bool *ok)
{
    const struct val *v = kn_get(op, k);
    *ok = v && v->kind == VAL_STRING;
    return *ok ? v->u.s.ptr : "unknown";
}

static int
apply_one(struct arena *a, struct val *doc, const struct val *op, struct pkg_err **errp)
{
    bool ok;
    const char *kind = op_str(op, "op", &ok);
    const struct val *value = kn_get(op, "value");
    struct val *vcopy = value ? val_copy(a, value) : val_null(a);
    const char *key;
    struct val *con;
    int rc;
    if (!strcmp(kind, "add")) {
        const char *path = op_str(op, "path", &ok);
        if (!ok)
            return pkg_err_set(errp, PKG_EINVAL,
                               "add operation failed to decode path: missing value");
        con = find_object(a, doc, path, &key);
        if (!con)
            return pkg_err_set(errp, PKG_ENOENT,
                               "add operation does not apply: doc is missing path: \"%s\": "
                               "missing value",
                               path);
        rc = con_add(a, con, key, vcopy, errp);
        if (rc)
            pkg_err_wrap(errp, "error in add for path: '%s'", path);
        return rc;
    }
    if (!strcmp(kind, "remove")) {
        const char *path = op_str(op, "path", &ok);
        if (!ok)
            return pkg_err_set(errp, PKG_EINVAL,
                               "remove operation failed to decode path: missing value");
        con = find_object(a, doc, path, &key);
        if (!con)
            return pkg_err_set(errp, PKG_ENOENT,
                               "remove operation does not apply: doc is missing path: \"%s\": "
                               "missing value",
                               path);
        rc = con_remove(con, key, errp);
        if (rc)
            pkg_err_wrap(errp, "error in remove for path: '%s'", path);
        return rc;
    }
    if (!strcmp(kind, "replace")) {
        const char *path = op_str(op, "path", &ok);
        if (!ok)
            return pkg_err_set(errp, PKG_EINVAL,
                               "replace operation failed to decode path: "
                               "operation missing path field: missing value");
        con = find_object(a, doc, path, &key);
        if (!con)
            return pkg_err_set(errp, PKG_ENOENT,
                               "replace operation does not apply: doc is missing path: %s: missing "
                               "value",
                               path);
        struct val *cur;
        struct pkg_err *e = NULL;
        if (con_get(con, key, &cur, &e)) {
            pkg_err_free(e);
            return pkg_err_set(errp, PKG_ENOENT,
                               "replace operation does not apply: doc is missing key: %s: missing "
                               "value",
                               path);
        }
        if (con->kind == VAL_MAP) {
            val_map_setz(a, con, key, vcopy);
        } else {
            long idx;
            atoi_go(key, &idx);
            con->u.seq.items[idx] = vcopy;
        }
        return 0;
    }
    if (!strcmp(kind, "move") || !strcmp(kind, "copy")) {
        bool is_move = kind[0] == 'm';
        const char *from = op_str(op, "from", &ok);
        if (!ok)
            return pkg_err_set(errp, PKG_EINVAL,
                               "%s operation failed to decode from: operation, "
                               "missing from field: missing value",
                               kind);
        con = find_object(a, doc, from, &key);
        if (!con)
            return pkg_err_set(errp, PKG_ENOENT,
                               "%s operation does not apply: doc is missing from path: %s: missing "
                               "value",
                               kind, from);
        struct val *v;
        rc = con_get(con, key, &v, errp);
        if (rc) {
            pkg_err_wrap(errp,
                         is_move ? "error in move for path: '%s'"
                                 : "error in copy for from: "
                                   "'%s'",
                         is_move ? key : from);
            return rc;
        }
        if (is_move) {
            rc = con_remove(con, key, errp);
            if (rc) {
                pkg_err_wrap(errp, "error in move for path: '%s'", key);
                return rc;
            }
        } else {
            v = v ? val_copy(a, v) : val_null(a);
        }
        if (!v)
            v = val_null(a);
        const char *path = op_str(op, "path", &ok);
        if (!ok)
            return pkg_err_set(errp, PKG_EINVAL, "%s operation failed to decode path", kind);
        con = find_object(a, doc, path, &key);
        if (!con)
            return pkg_err_set(errp, PKG_ENOENT,
                               "%s operation does not apply: doc is missing destination path: %s: "
                               "missing value",
                               kind, path);
        rc = con_add(a, con, key, v, errp);
        if (rc)
            pkg_err_wrap(errp,
                         is_move ? "error in move for path: '%s'"
                                 : "error while adding value during copy%s",
                         is_move ? path : "");
        return rc;
    }
    if (!strcmp(kind, "test")) {
        const char *path = op_str(op, "path", &ok);
        con = find_object(a, doc, path, &key);
        if (!con)
            return pkg_err_set(errp, PKG_ENOENT,
                               "test operation does not apply: is missing path: %s: missing value",
                               path);
        struct val *cur;
        rc = con_get(con, key, &cur, errp);
        if (rc) {
            pkg_err_wrap(errp, "error in test for path: '%s'", path);
            return rc;
        }
        /* A JSON null decodes to a nil *lazyNode, like a missing key: both
         * pass against a null or absent value. */
        if (!cur || cur->kind == VAL_NULL) {
            if (!value || value->kind == VAL_NULL)
                return 0;
        } else if (value && val_equal(cur, value)) {
            return 0;
        }
        return pkg_err_set(errp, PKG_EINVAL, "testing value %s failed: test failed", path);
    }
    return pkg_err_set(errp, PKG_EINVAL, "Unexpected kind: %s", kind);
}

int
kjson6902_apply(struct kbuild *b, struct val **obj, const struct val *ops, struct pkg_err **errp)
{
    struct val *doc = kjson_roundtrip(b->a, *obj);
    if (doc->kind != VAL_MAP && doc->kind != VAL_SEQ)
        return pkg_err_set(errp, PKG_ETYPE,
                           "json: cannot unmarshal %s into Go value of type jsonpatch.partialDoc",
                           doc->kind == VAL_STRING ? "string" : "number");
    for (size_t i = 0; i < val_seq_len(ops); i++) {
        const struct val *op = val_seq_at(ops, i);
        int rc = apply_one(b->a, doc, op, errp);
        if (rc)
            return rc;
    }
    /* UnmarshalJSON: json.Unmarshal into Go values, kyaml's Marshal (the
     * encoder that prints kustomize's output) and Parse: the new nodes carry
     * the positions and styles of that text, which content hashes of other
     * kinds than ConfigMap and Secret see. */
    struct val *res = kjson_retext(b->a, doc, true);
    struct sb text = SB_INIT;
    int rc = val_yaml_emit_v3_compact(&text, res, errp);
    struct val *re = NULL;
    if (!rc) {
        struct val_yaml_opts yo = {.dialect = VAL_YAML_KYAML};
        rc = val_yaml_load(&re, b->a, text.buf, text.len, "<json patch result>", &yo, errp);
    }
    sb_release(&text);
    if (rc)
        return rc;
    *obj = re && re->kind == res->kind ? re : res;
    return 0;
}
