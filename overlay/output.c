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
#include <stdio.h>
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

/* Digits at s[*i], at most max of them; -1 when none. */
static int
digits(const char *s, size_t n, size_t *i, int max)
{
    int v = 0, k = 0;
    while (*i < n && k < max && s[*i] >= '0' && s[*i] <= '9') {
        v = v * 10 + (s[*i] - '0');
        (*i)++;
        k++;
    }
    return k ? v : -1;
}

/* A plain scalar go-yaml v3 decodes as a time.Time, printed as
 * encoding/json prints one (RFC 3339 with nanoseconds, trailing zeros
 * dropped, "Z" for UTC). NULL when s is not such a timestamp. The layouts
 * are v3's: "2006-1-2T15:4:5.999999999Z07:00" (T or t), "2006-1-2
 * 15:4:5.999999999" and "2006-1-2". */
static const char *
timestamp_json(struct arena *a, const char *s, size_t n)
{
    size_t i = 0;
    int year = digits(s, n, &i, 4);
    if (i != 4 || i >= n || s[i] != '-')
        return NULL;
    i++;
    int mon = digits(s, n, &i, 2);
    if (mon < 1 || mon > 12 || i >= n || s[i] != '-')
        return NULL;
    i++;
    int day = digits(s, n, &i, 2);
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day < 1 || day > mdays[mon - 1] || (mon == 2 && day == 29 && !leap))
        return NULL;
    int hh = 0, mm = 0, ss = 0;
    long nsec = 0;
    int off = 0; /* seconds east of UTC */
    bool utc = true;
    if (i < n) {
        char sep = s[i];
        bool zoned = sep == 'T' || sep == 't';
        if (!zoned && sep != ' ')
            return NULL;
        i++;
        hh = digits(s, n, &i, 2);
        if (hh < 0 || hh > 23 || i >= n || s[i] != ':')
            return NULL;
        i++;
        mm = digits(s, n, &i, 2);
        if (mm < 0 || mm > 59 || i >= n || s[i] != ':')
            return NULL;
        i++;
        ss = digits(s, n, &i, 2);
        if (ss < 0 || ss > 59)
            return NULL;
        if (i < n && (s[i] == '.' || s[i] == ',') && i + 1 < n && s[i + 1] >= '0' &&
            s[i + 1] <= '9') {
            i++;
            int nd = 0;
            while (i < n && s[i] >= '0' && s[i] <= '9') {
                if (nd < 9) {
                    nsec = nsec * 10 + (s[i] - '0');
                    nd++;
                }
                i++;
            }
            for (; nd < 9; nd++)
                nsec *= 10;
        }
        if (zoned) {
            if (i < n && s[i] == 'Z') {
                i++;
            } else if (i < n && (s[i] == '+' || s[i] == '-')) {
                int sign = s[i] == '-' ? -1 : 1;
                i++;
                size_t st = i;
                int oh = digits(s, n, &i, 2);
                if (i - st != 2 || i >= n || s[i] != ':')
                    return NULL;
                i++;
                st = i;
                int om = digits(s, n, &i, 2);
                if (i - st != 2 || oh > 23 || om > 59)
                    return NULL;
                off = sign * (oh * 3600 + om * 60);
                utc = off == 0;
            } else {
                return NULL;
            }
        }
        if (i != n)
            return NULL;
    }
    struct sb sb = SB_INIT;
    sb_addf(&sb, "%04d-%02d-%02dT%02d:%02d:%02d", year, mon, day, hh, mm, ss);
    if (nsec) {
        char frac[24];
        snprintf(frac, sizeof(frac), "%09ld", nsec);
        size_t fl = 9;
        while (fl > 0 && frac[fl - 1] == '0')
            fl--;
        sb_addch(&sb, '.');
        sb_add(&sb, frac, fl);
    }
    if (utc)
        sb_addch(&sb, 'Z');
    else
        sb_addf(&sb, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 3600, abs(off) % 3600 / 60);
    const char *r = arena_strdup(a, sb.buf);
    sb_release(&sb);
    return r;
}

/* A uint64 beyond int64 (the loader keeps it as a float): its exact value
 * from the source text, as strconv.ParseUint(s, 0, 64) reads it. */
static bool
uint64_from_src(const char *src, uint64_t *out)
{
    char buf[96];
    size_t n = 0;
    for (const char *p = src; *p && n + 1 < sizeof(buf); p++)
        if (*p != '_')
            buf[n++] = *p;
    buf[n] = 0;
    int base = 10;
    const char *p = buf;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        base = 16, p += 2;
    else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
        base = 8, p += 2;
    else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
        base = 2, p += 2;
    else if (p[0] == '0' && p[1])
        base = 8, p += 1;
    if (!*p || *p == '-' || *p == '+')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(p, &end, base);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static struct val *roundtrip(struct arena *a, const struct val *v, bool copy);

/* Within a build: strings are shared with the source tree. */
struct val *
kjson_roundtrip(struct arena *a, const struct val *v)
{
    return roundtrip(a, v, false);
}

/* The build's result: a tree that owns its strings. */
struct val *
kjson_view(struct arena *a, const struct val *v)
{
    return roundtrip(a, v, true);
}

static struct val *
roundtrip(struct arena *a, const struct val *v, bool copy)
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
        uint64_t u;
        if (v->gotype == VAL_GO_UINT64 && v->src && uint64_from_src(v->src, &u)) {
            struct val *r = val_int(a, (int64_t)u);
            r->gotype = VAL_GO_UINT64;
            return r;
        }
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
        if (v->style == VAL_STYLE_PLAIN && !(v->flags & VAL_F_TAGGED) && v->u.s.len >= 8 &&
            v->u.s.ptr[4] == '-') {
            const char *t = timestamp_json(a, v->u.s.ptr, v->u.s.len);
            if (t)
                return val_strz(a, t);
        }
        /* strings live in the arena already: shared, not copied */
        if (utf8_valid((const unsigned char *)v->u.s.ptr, v->u.s.len))
            return copy ? val_str(a, v->u.s.ptr, v->u.s.len)
                        : val_str_nocopy(a, v->u.s.ptr, v->u.s.len);
        return fix_utf8(a, v);
    case VAL_SEQ: {
        struct val *s = val_seq(a);
        for (size_t i = 0; i < val_seq_len(v); i++)
            val_seq_push(a, s, roundtrip(a, val_seq_at(v, i), copy));
        return s;
    }
    case VAL_MAP: {
        struct val *m = val_map(a);
        for (size_t i = 0; i < val_map_len(v); i++) {
            const struct val *k = v->u.map.ents[i].key;
            const char *ks = k->kind == VAL_STRING ? k->u.s.ptr : kn_text(a, k);
            if (!utf8_valid((const unsigned char *)ks, strlen(ks))) {
                struct val tmp = {.kind = VAL_STRING};
                tmp.u.s.ptr = ks;
                tmp.u.s.len = strlen(ks);
                ks = fix_utf8(a, &tmp)->u.s.ptr;
            }
            val_map_setz(a, m, ks, roundtrip(a, v->u.map.ents[i].v, copy));
        }
        return m;
    }
    default:
        return val_null(a);
    }
}

/* Resource.MarshalJSON decodes a resource into map[string]interface{}:
 * a nested mapping with a key go-yaml v3 does not read as a string (1,
 * true, null, 1.5, 2001-12-14 written plain) becomes a
 * map[interface{}]interface{}, which encoding/json refuses. Keys the build
 * made in memory are always strings, as kyaml makes them. */
static int
check_keys(struct arena *a, const struct val *v, int depth, struct pkg_err **errp)
{
    if (v->kind == VAL_SEQ) {
        for (size_t i = 0; i < val_seq_len(v); i++) {
            int rc = check_keys(a, val_seq_at(v, i), depth + 1, errp);
            if (rc)
                return rc;
        }
        return 0;
    }
    if (v->kind != VAL_MAP)
        return 0;
    for (size_t i = 0; i < val_map_len(v); i++) {
        const struct val *k = v->u.map.ents[i].key;
        if (depth > 0 && k && k->line && k->kind == VAL_STRING && k->style == VAL_STYLE_PLAIN &&
            !(k->flags & VAL_F_TAGGED)) {
            enum val_yaml_rtag t = val_yaml_resolve(VAL_YAML_KYAML, k->u.s.ptr, k->u.s.len, NULL);
            if (t != VAL_YTAG_STR && t != VAL_YTAG_MERGE)
                return pkg_err_set(errp, PKG_ETYPE,
                                   "%s:%u:%u: json: unsupported type: map[interface {}]interface "
                                   "{} (the key %s is not a string; quote it)",
                                   k->file ? k->file : "<input>", k->line, k->col, k->u.s.ptr);
        }
        int rc = check_keys(a, v->u.map.ents[i].v, depth + 1, errp);
        if (rc)
            return rc;
    }
    return 0;
}

int
kjson_check_keys(struct arena *a, const struct val *v, struct pkg_err **errp)
{
    return check_keys(a, v, 0, errp);
}

/* A tree as kyaml sees it after a JSON round trip: every scalar gets the
 * text the new YAML node would hold (null as "null"), numbers their Go
 * formatting and the type go-yaml v3 resolves from it. `floats`: numbers
 * went through json.Unmarshal into float64 and back out with
 * FormatFloat('g') (UnmarshalJSON, a JSON patch's result); otherwise their
 * JSON text was parsed as YAML (List items). */
struct val *
kjson_reparse(struct arena *a, const struct val *v, bool floats)
{
    struct val *j = kjson_roundtrip(a, v);
    return kjson_retext(a, j, floats);
}

struct val *
kjson_retext(struct arena *a, struct val *v, bool floats)
{
    switch (v->kind) {
    case VAL_NULL:
        v->src = "null";
        return v;
    case VAL_BOOL:
        v->src = v->u.b ? "true" : "false";
        return v;
    case VAL_INT:
    case VAL_FLOAT: {
        struct sb sb = SB_INIT;
        bool big = v->kind == VAL_INT && v->gotype == VAL_GO_UINT64;
        if (v->kind == VAL_INT && !floats && big)
            gofmt_uint(&sb, (uint64_t)v->u.i);
        else if (v->kind == VAL_INT && !floats)
            gofmt_int(&sb, v->u.i);
        else if (!floats)
            gofmt_float_json(&sb, v->u.f);
        else /* json.Unmarshal into interface{}: every number a float64 */
            gofmt_float(&sb,
                        v->kind != VAL_INT ? v->u.f
                        : big              ? (double)(uint64_t)v->u.i
                                           : (double)v->u.i,
                        'g', -1);
        struct val *r = kn_scalar(a, sb.buf);
        sb_release(&sb);
        if (r->kind != VAL_INT && r->kind != VAL_FLOAT)
            return v; /* +Inf and the like cannot come out of JSON */
        return r;
    }
    case VAL_STRING:
        v->style = VAL_STYLE_ANY;
        v->src = v->u.s.ptr;
        return v;
    case VAL_SEQ:
        for (size_t i = 0; i < val_seq_len(v); i++)
            v->u.seq.items[i] = kjson_retext(a, v->u.seq.items[i], floats);
        return v;
    case VAL_MAP:
        for (size_t i = 0; i < val_map_len(v); i++)
            v->u.map.ents[i].v = kjson_retext(a, v->u.map.ents[i].v, floats);
        return v;
    default:
        return v;
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

struct emit_jobs {
    const struct val *objs;
    struct sb *out;
    int *rc;
    struct pkg_err **err;
};

static void
emit_job(size_t i, void *payload)
{
    struct emit_jobs *j = payload;
    const struct val *o = val_seq_at(j->objs, i);
    j->rc[i] = check_finite(o, &j->err[i]);
    if (!j->rc[i])
        j->rc[i] = val_yaml_emit(&j->out[i], o, VAL_YAML_KYAML, &j->err[i]);
}

int
kust_emit(struct sb *out, const struct val *objs, struct pkg_err **errp)
{
    size_t n = val_seq_len(objs);
    /* documents are independent: emitted on all CPUs, joined in order */
    struct emit_jobs j = {objs, xcalloc(n + 1, sizeof(struct sb)), xcalloc(n + 1, sizeof(int)),
                          xcalloc(n + 1, sizeof(struct pkg_err *))};
    for (size_t i = 0; i < n; i++)
        sb_init(&j.out[i]);
    if (n >= 16)
        kpar_run(n, emit_job, &j);
    else
        for (size_t i = 0; i < n; i++)
            emit_job(i, &j);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (!rc && j.rc[i]) {
            rc = j.rc[i];
            *errp = j.err[i];
            j.err[i] = NULL;
        }
        if (!rc) {
            if (i > 0)
                sb_addstr(out, "---\n");
            sb_add(out, j.out[i].buf, j.out[i].len);
        }
        pkg_err_free(j.err[i]);
        sb_release(&j.out[i]);
    }
    free(j.out);
    free(j.rc);
    free(j.err);
    return rc;
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
