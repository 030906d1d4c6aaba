/* Sprig's semver functions (semver.go) on core/semver.c (Masterminds/semver
 * v3): semverCompare, and semver returning a *semver.Version object with
 * the methods charts call (.Major, .Minor, .Patch, .Prerelease,
 * .Metadata, .Original, .String, .IncMajor/.IncMinor/.IncPatch,
 * .Compare, .LessThan, .GreaterThan, .Equal), printing as Version.String()
 * and encoding to JSON as that string. */
#include "render/sprig.h"

#include <string.h>

#include "core/semver.h"

/* a version in the render arena */
struct sv {
    struct semver v; /* strings point into the arena */
};

static void sv_string(struct sb *out, const struct val *obj);
static struct val *sv_to_val(struct arena *a, const struct val *obj);
extern const struct tmpl_method sv_ptr_methods[];
extern const struct tmpl_method sv_value_methods[];

static struct val *sv_fields(struct arena *a, const struct val *obj);
/* Version's unexported fields, which only %#v shows */
static const char *const sv_names[] = {"major", "minor", "patch", "pre", "metadata", "original"};

/* *Version has every method; a Version value (from IncMajor) only those
 * with value receivers, as Go's method sets go */
static const struct tmpl_objtype sv_ptr_type = {
    .base = {.name = "*semver.Version", .to_val = sv_to_val},
    .kind = TMPL_OBJ_POINTER,
    .methods = sv_ptr_methods,
    .string = sv_string,
    .fields = sv_fields,
    .field_names = sv_names,
};

static const struct tmpl_objtype sv_type = {
    .base = {.name = "semver.Version", .to_val = sv_to_val},
    .kind = TMPL_OBJ_STRUCT,
    .methods = sv_value_methods,
    .string = sv_string,
    .fields = sv_fields,
    .field_names = sv_names,
};

static const struct semver *
sv_of(const struct val *v)
{
    if (v && v->kind == VAL_OBJ &&
        (v->u.obj.type == &sv_ptr_type.base || v->u.obj.type == &sv_type.base))
        return &((const struct sv *)v->u.obj.ptr)->v;
    return NULL;
}

static struct val *
sv_fields(struct arena *a, const struct val *obj)
{
    const struct semver *v = sv_of(obj);
    struct val *s = val_seq(a);
    const uint64_t nums[] = {v->major, v->minor, v->patch};
    for (int i = 0; i < 3; i++) {
        struct val *n = val_int(a, (int64_t)nums[i]);
        n->gotype = VAL_GO_UINT64;
        val_seq_push(a, s, n);
    }
    val_seq_push(a, s, val_strz(a, v->pre ? v->pre : ""));
    val_seq_push(a, s, val_strz(a, v->metadata ? v->metadata : ""));
    val_seq_push(a, s, val_strz(a, v->original ? v->original : ""));
    return s;
}

static char *
adup(struct arena *a, const char *s)
{
    return s ? arena_strdup(a, s) : NULL;
}

static struct val *
mk_sv(struct arena *a, const struct semver *v, const struct tmpl_objtype *t)
{
    struct sv *p = arena_alloc(a, sizeof(*p));
    p->v.major = v->major;
    p->v.minor = v->minor;
    p->v.patch = v->patch;
    p->v.pre = adup(a, v->pre);
    p->v.metadata = adup(a, v->metadata);
    p->v.original = adup(a, v->original);
    return val_obj(a, &t->base, p);
}

static void
sv_string(struct sb *out, const struct val *obj)
{
    semver_format(out, sv_of(obj));
}

static struct val *
sv_to_val(struct arena *a, const struct val *obj)
{
    struct sb b = SB_INIT;
    semver_format(&b, sv_of(obj));
    struct val *v = val_str(a, b.buf, b.len);
    sb_release(&b);
    return v;
}

static int
fn_semver_compare(struct tmpl_call *c, struct val **out)
{
    bool ok = false;
    struct pkg_err *err = NULL;
    if (semver_check_str(tmpl_arg_str(c, 0, NULL), tmpl_arg_str(c, 1, NULL), &ok, &err) < 0) {
        int rc = tmpl_fail(c, "%s", err->msg);
        pkg_err_free(err);
        return rc;
    }
    *out = tmpl_mkbool(c, ok);
    return 0;
}

static int
fn_semver(struct tmpl_call *c, struct val **out)
{
    struct semver v;
    struct pkg_err *err = NULL;
    if (semver_parse(&v, tmpl_arg_str(c, 0, NULL), false, &err) < 0) {
        int rc = tmpl_fail(c, "%s", err->msg);
        pkg_err_free(err);
        return rc;
    }
    *out = mk_sv(c->a, &v, &sv_ptr_type);
    semver_release(&v);
    return 0;
}

/* ---- methods ---- */

static struct val *
mk_u64(struct tmpl_call *c, uint64_t u)
{
    struct val *v = tmpl_mkint(c, (int64_t)u);
    v->gotype = VAL_GO_UINT64;
    return v;
}

static int
m_major(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    *out = mk_u64(c, sv_of(recv)->major);
    return 0;
}

static int
m_minor(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    *out = mk_u64(c, sv_of(recv)->minor);
    return 0;
}

static int
m_patch(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    *out = mk_u64(c, sv_of(recv)->patch);
    return 0;
}

static int
m_prerelease(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const char *p = sv_of(recv)->pre;
    *out = tmpl_mkstrz(c, p ? p : "");
    return 0;
}

static int
m_metadata(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const char *p = sv_of(recv)->metadata;
    *out = tmpl_mkstrz(c, p ? p : "");
    return 0;
}

static int
m_original(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const char *p = sv_of(recv)->original;
    *out = tmpl_mkstrz(c, p ? p : "");
    return 0;
}

static int
m_string(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    struct sb b = SB_INIT;
    semver_format(&b, sv_of(recv));
    *out = tmpl_mkstr(c, b.buf, b.len);
    sb_release(&b);
    return 0;
}

/* IncMajor/IncMinor/IncPatch: a semver.Version value whose original is
 * the new String() with the old "v" prefix */
static int
inc(struct tmpl_call *c, const struct val *recv, struct val **out, int which)
{
    const struct semver *o = sv_of(recv);
    struct semver n = *o;
    n.pre = NULL;
    n.metadata = NULL;
    if (which == 0) {
        n.major++;
        n.minor = 0;
        n.patch = 0;
    } else if (which == 1) {
        n.minor++;
        n.patch = 0;
    } else if (!o->pre || !*o->pre) {
        n.patch++;
    }
    struct sb b = SB_INIT;
    if (o->original && o->original[0] == 'v')
        sb_addch(&b, 'v');
    semver_format(&b, &n);
    n.original = b.buf;
    *out = mk_sv(c->a, &n, &sv_type);
    sb_release(&b);
    return 0;
}

static int
m_inc_major(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    return inc(c, recv, out, 0);
}

static int
m_inc_minor(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    return inc(c, recv, out, 1);
}

static int
m_inc_patch(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    return inc(c, recv, out, 2);
}

static int
other(struct tmpl_call *c, const struct val *recv, int *cmp)
{
    /* the executor has checked the type: a *semver.Version, maybe nil */
    const struct semver *o = sv_of(c->argv[0]);
    if (!o)
        return tmpl_fail(c, SPRIG_NIL_DEREF);
    *cmp = semver_cmp(sv_of(recv), o);
    return 0;
}

static int
m_compare(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    int r = 0;
    int rc = other(c, recv, &r);
    if (rc)
        return rc;
    *out = tmpl_mkint(c, r < 0 ? -1 : r > 0);
    return 0;
}

static int
m_cmp_op(struct tmpl_call *c, const struct val *recv, struct val **out, int op)
{
    int r = 0;
    int rc = other(c, recv, &r);
    if (rc)
        return rc;
    bool t = op == 0 ? r < 0 : op == 1 ? r <= 0 : op == 2 ? r > 0 : op == 3 ? r >= 0 : r == 0;
    *out = tmpl_mkbool(c, t);
    return 0;
}

#define CMP_METHOD(fn, op)                                                                         \
    static int fn(struct tmpl_call *c, const struct val *recv, struct val **out)                   \
    {                                                                                              \
        return m_cmp_op(c, recv, out, op);                                                         \
    }
CMP_METHOD(m_less_than, 0)
CMP_METHOD(m_less_than_equal, 1)
CMP_METHOD(m_greater_than, 2)
CMP_METHOD(m_greater_than_equal, 3)
CMP_METHOD(m_equal, 4)

/* validatePrerelease / validateMetadata: dot-separated [0-9A-Za-z-]+,
 * numeric prerelease parts without leading zeros */
static const char *
check_ident(const char *s, size_t n, bool pre)
{
    const char *bad = pre ? "Invalid Prerelease string" : "Invalid Metadata string";
    size_t i = 0;
    for (;;) {
        size_t j = i;
        bool digits = true;
        while (j < n && s[j] != '.') {
            char ch = s[j];
            if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= 'A' && ch <= 'Z') || ch == '-'))
                return bad;
            if (ch < '0' || ch > '9')
                digits = false;
            j++;
        }
        if (j == i)
            return bad;
        if (pre && digits && j - i > 1 && s[i] == '0')
            return "Version segment starts with 0";
        if (j >= n)
            return NULL;
        i = j + 1;
    }
}

static int
set_part(struct tmpl_call *c, const struct val *recv, struct val **out, bool pre)
{
    const struct semver *o = sv_of(recv);
    size_t n;
    const char *s = tmpl_arg_str(c, 0, &n);
    if (n > 0) {
        const char *e = check_ident(s, n, pre);
        if (e)
            return tmpl_fail(c, "%s", e);
    }
    struct semver v = *o;
    char *part = arena_strndup(c->a, s, n);
    if (pre)
        v.pre = n ? part : NULL;
    else
        v.metadata = n ? part : NULL;
    struct sb b = SB_INIT;
    if (o->original && o->original[0] == 'v')
        sb_addch(&b, 'v');
    semver_format(&b, &v);
    v.original = b.buf;
    *out = mk_sv(c->a, &v, &sv_type);
    sb_release(&b);
    return 0;
}

static int
m_set_prerelease(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    return set_part(c, recv, out, true);
}

static int
m_set_metadata(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    return set_part(c, recv, out, false);
}

#define VALUE_METHODS                                                                              \
    {"Major", m_major, "func() uint64"}, {"Minor", m_minor, "func() uint64"},                      \
        {"Patch", m_patch, "func() uint64"}, {"Prerelease", m_prerelease, "func() string"},        \
        {"Metadata", m_metadata, "func() string"}, {"String", m_string, "func() string"},          \
        {"IncMajor", m_inc_major, "func() semver.Version"},                                        \
        {"IncMinor", m_inc_minor, "func() semver.Version"},                                        \
        {"IncPatch", m_inc_patch, "func() semver.Version"},                                        \
        {"SetPrerelease", m_set_prerelease, "func(string) (semver.Version, error)"},               \
    {                                                                                              \
        "SetMetadata", m_set_metadata, "func(string) (semver.Version, error)"                      \
    }

const struct tmpl_method sv_value_methods[] = {
    VALUE_METHODS,
    {NULL, NULL, NULL},
};

const struct tmpl_method sv_ptr_methods[] = {
    VALUE_METHODS,
    {"Original", m_original, "func() string"},
    {"Compare", m_compare, "func(*semver.Version) int"},
    {"LessThan", m_less_than, "func(*semver.Version) bool"},
    {"LessThanEqual", m_less_than_equal, "func(*semver.Version) bool"},
    {"GreaterThan", m_greater_than, "func(*semver.Version) bool"},
    {"GreaterThanEqual", m_greater_than_equal, "func(*semver.Version) bool"},
    {"Equal", m_equal, "func(*semver.Version) bool"},
    {NULL, NULL, NULL},
};

const struct tmpl_func tmpl_funcs_sprig_semver[] = {
    {"semver", fn_semver, "func(string) (*semver.Version, error)"},
    {"semverCompare", fn_semver_compare, "func(string, string) (bool, error)"},
    {NULL, NULL, NULL},
};
