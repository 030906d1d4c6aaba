/* Unit tests: objects with fields and methods (struct tmpl_objtype), the
 * way the chart module builds .Capabilities and .Files, and the template
 * set API used directly (parse errors, execute, missing templates). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/core.h"
#include "render/funcs.h"
#include "render/exec.h"
#include "render/render.h"

/* ---- a KubeVersion-like struct with a Stringer ---- */

struct kv {
    const char *version, *major, *minor;
};

static int
kv_field(struct val **out, struct arena *a, const struct val *obj, const char *name)
{
    const struct kv *k = obj->u.obj.ptr;
    if (!strcmp(name, "Version"))
        *out = val_strz(a, k->version);
    else if (!strcmp(name, "Major"))
        *out = val_strz(a, k->major);
    else if (!strcmp(name, "Minor"))
        *out = val_strz(a, k->minor);
    else
        return PKG_ENOENT;
    return 0;
}

static void
kv_string(struct sb *out, const struct val *obj)
{
    const struct kv *k = obj->u.obj.ptr;
    sb_addstr(out, k->version);
}

static int
kv_git_version(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const struct kv *k = recv->u.obj.ptr;
    *out = tmpl_mkstrz(c, k->version);
    return 0;
}

static struct val *
kv_fields(struct arena *a, const struct val *obj)
{
    const struct kv *k = obj->u.obj.ptr;
    struct val *l = val_seq(a);
    val_seq_push(a, l, val_strz(a, k->version));
    val_seq_push(a, l, val_strz(a, k->major));
    val_seq_push(a, l, val_strz(a, k->minor));
    return l;
}

static const struct tmpl_method kv_methods[] = {
    {"GitVersion", kv_git_version, "func() string"},
    {NULL, NULL, NULL},
};

static const struct tmpl_objtype kv_type = {
    .base = {.name = "chartutil.KubeVersion"},
    .kind = TMPL_OBJ_STRUCT,
    .field = kv_field,
    .methods = kv_methods,
    .string = kv_string,
    .string_needs_addr = true,
    .fields = kv_fields,
};

/* ---- a VersionSet-like slice with Has ---- */

static struct val *
vs_to_val(struct arena *a, const struct val *obj)
{
    (void)obj;
    struct val *l = val_seq(a);
    l->gotype = VAL_GO_STRINGS;
    val_seq_push(a, l, val_strz(a, "v1"));
    val_seq_push(a, l, val_strz(a, "apps/v1"));
    return l;
}

static int
vs_has(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    struct val *l = vs_to_val(c->a, recv);
    size_t n;
    const char *s = tmpl_arg_str(c, 0, &n);
    bool found = false;
    for (size_t i = 0; i < val_seq_len(l); i++)
        if (val_is_str(val_seq_at(l, i), s))
            found = true;
    *out = tmpl_mkbool(c, found);
    return 0;
}

static const struct tmpl_method vs_methods[] = {
    {"Has", vs_has, "func(string) bool"},
    {NULL, NULL, NULL},
};

static const struct tmpl_objtype vs_type = {
    .base = {.name = "chartutil.VersionSet", .to_val = vs_to_val},
    .kind = TMPL_OBJ_SLICE,
    .methods = vs_methods,
};

/* ---- a Capabilities-like pointer to struct ---- */

static struct kv the_kv = {"v1.32.0", "1", "32"};

static int
caps_field(struct val **out, struct arena *a, const struct val *obj, const char *name)
{
    (void)obj;
    if (!strcmp(name, "KubeVersion"))
        *out = val_obj(a, &kv_type.base, &the_kv);
    else if (!strcmp(name, "APIVersions"))
        *out = val_obj(a, &vs_type.base, NULL);
    else
        return PKG_ENOENT;
    return 0;
}

static struct val *
caps_fields(struct arena *a, const struct val *obj)
{
    struct val *l = val_seq(a);
    struct val *f;
    caps_field(&f, a, obj, "APIVersions");
    val_seq_push(a, l, f);
    caps_field(&f, a, obj, "KubeVersion");
    val_seq_push(a, l, f);
    return l;
}

static const struct tmpl_objtype caps_type = {
    .base = {.name = "*chartutil.Capabilities"},
    .kind = TMPL_OBJ_POINTER,
    .field = caps_field,
    .fields = caps_fields,
};

/* ---- a Files-like map with methods ---- */

static struct val *
files_to_val(struct arena *a, const struct val *obj)
{
    (void)obj;
    struct val *m = val_map(a);
    struct val *b = val_strz(a, "hello");
    b->gotype = VAL_GO_BYTES;
    val_map_setz(a, m, "a.txt", b);
    return m;
}

static int
files_get(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    struct val *m = files_to_val(c->a, recv);
    struct val *f = val_map_getz(m, tmpl_arg_str(c, 0, NULL));
    *out = tmpl_mkstr(c, f ? f->u.s.ptr : "", f ? f->u.s.len : 0);
    return 0;
}

static const struct tmpl_method files_methods[] = {
    {"Get", files_get, "func(string) string"},
    {NULL, NULL, NULL},
};

static int
files_field(struct val **out, struct arena *a, const struct val *obj, const char *name)
{
    struct val *m = files_to_val(a, obj);
    struct val *f = val_map_getz(m, name);
    if (!f) {
        f = val_str(a, "", 0);
        f->gotype = VAL_GO_BYTES;
    }
    *out = f;
    return 0;
}

static const struct tmpl_objtype files_type = {
    .base = {.name = "engine.files", .to_val = files_to_val},
    .kind = TMPL_OBJ_MAP,
    .field = files_field,
    .methods = files_methods,
};

static struct val *
make_data(struct arena *a)
{
    struct val *d = val_map(a);
    val_map_setz(a, d, "Capabilities", val_obj(a, &caps_type.base, NULL));
    val_map_setz(a, d, "Files", val_obj(a, &files_type.base, NULL));
    return d;
}

static void
expect(const char *tpl, const char *want)
{
    struct tmpl_set_opts o = {.missingkey = TMPL_MISSINGKEY_ZERO, .funcs = TMPL_FUNCS_HELM};
    struct tmpl_set *set = tmpl_set_new(&o);
    struct pkg_err *err = NULL;
    struct sb out = SB_INIT;
    if (tmpl_set_parse(set, "t", tpl, strlen(tpl), &err) < 0)
        fail_msg("parse %s: %s", tpl, err->msg);
    int rc = tmpl_set_execute(set, "t", make_data(tmpl_set_arena(set)), &out, &err);
    if (rc < 0) {
        if (strcmp(err->msg, want) != 0)
            fail_msg("%s\nwant: %s\ngot error: %s", tpl, want, err->msg);
        pkg_err_free(err);
    } else if (strcmp(out.buf, want) != 0) {
        fail_msg("%s\nwant: %s\ngot:  %s", tpl, want, out.buf);
    }
    sb_release(&out);
    tmpl_set_free(set);
}

static void
test_struct_fields_and_methods(void **state)
{
    (void)state;
    expect("{{ .Capabilities.KubeVersion.Version }}", "v1.32.0");
    expect("{{ .Capabilities.KubeVersion.Major }}.{{ .Capabilities.KubeVersion.Minor }}", "1.32");
    expect("{{ .Capabilities.KubeVersion.GitVersion }}", "v1.32.0");
    expect("{{ .Capabilities.KubeVersion }}", "v1.32.0");
    expect("{{ printf \"%s|%v|%q\" .Capabilities.KubeVersion .Capabilities.KubeVersion "
           ".Capabilities.KubeVersion }}",
           "{v1.32.0 1 32}|{v1.32.0 1 32}|{\"v1.32.0\" \"1\" \"32\"}");
    expect("{{ .Capabilities.APIVersions.Has \"apps/v1\" }} "
           "{{ .Capabilities.APIVersions.Has \"x/v1\" }}",
           "true false");
    expect("{{ if .Capabilities.APIVersions.Has \"v1\" }}yes{{ end }}", "yes");
    expect("{{ range .Capabilities.APIVersions }}[{{ . }}]{{ end }}", "[v1][apps/v1]");
    expect("{{ len .Capabilities.APIVersions }}", "2");
}

static void
test_struct_errors(void **state)
{
    (void)state;
    expect("{{ .Capabilities.Nope }}",
           "template: t:1:16: executing \"t\" at <.Capabilities.Nope>: can't evaluate field "
           "Nope in type interface {}");
    expect("{{ .Capabilities.KubeVersion.Nope }}",
           "template: t:1:16: executing \"t\" at <.Capabilities.KubeVersion.Nope>: can't "
           "evaluate field Nope in type chartutil.KubeVersion");
    expect("{{ .Capabilities.KubeVersion.Version 1 }}",
           "template: t:1:16: executing \"t\" at <.Capabilities.KubeVersion.Version>: Version "
           "has arguments but cannot be invoked as function");
    expect("{{ .Capabilities.APIVersions.Has }}",
           "template: t:1:16: executing \"t\" at <.Capabilities.APIVersions.Has>: wrong number "
           "of args for Has: want 1 got 0");
    expect("{{ .Capabilities.APIVersions.Has 1 }}",
           "template: t:1:33: executing \"t\" at <1>: expected string; found 1");
}

static void
test_struct_printing(void **state)
{
    (void)state;
    /* A pointer prints as the struct at the top of an action, &{...} in
     * printf; the Stringer field prints through String(). */
    expect("{{ .Capabilities }}", "{[v1 apps/v1] {v1.32.0 1 32}}");
    expect("{{ printf \"%v\" .Capabilities }}", "&{[v1 apps/v1] {v1.32.0 1 32}}");
    expect("{{ printf \"%T\" .Capabilities }}", "*chartutil.Capabilities");
}

static void
test_map_object(void **state)
{
    (void)state;
    expect("{{ .Files.Get \"a.txt\" }}", "hello");
    expect("{{ .Files.Get \"b.txt\" }}", "");
    expect("{{ index .Files \"a.txt\" }}", "[104 101 108 108 111]");
    expect("{{ range $k, $v := .Files }}{{ $k }}={{ printf \"%s\" $v }}{{ end }}", "a.txt=hello");
    expect("{{ if .Files }}y{{ end }}", "y");
}

static void
test_set_api(void **state)
{
    (void)state;
    struct tmpl_set *set = tmpl_set_new(NULL);
    struct pkg_err *err = NULL;
    assert_int_equal(tmpl_set_parse(set, "a", "{{ define \"x\" }}X{{ end }}A", 27, &err), 0);
    assert_true(tmpl_set_has(set, "a"));
    assert_true(tmpl_set_has(set, "x"));
    assert_false(tmpl_set_has(set, "y"));
    struct sb out = SB_INIT;
    assert_int_equal(tmpl_set_execute(set, "x", NULL, &out, &err), 0);
    assert_string_equal(out.buf, "X");
    /* Go's default missingkey: "<no value>" is printed (and kept). */
    assert_int_equal(tmpl_set_parse(set, "m", "[{{ .a }}]", 10, &err), 0);
    struct val *m = val_map(tmpl_set_arena(set));
    sb_reset(&out);
    assert_int_equal(tmpl_set_execute(set, "m", m, &out, &err), 0);
    assert_string_equal(out.buf, "[<no value>]");
    assert_int_equal(tmpl_set_execute(set, "nope", NULL, &out, &err), PKG_ENOENT);
    assert_string_equal(err->msg, "template: no template \"nope\" associated with template "
                                  "\"gotpl\"");
    pkg_err_clear(&err);
    /* Go's builtins only: Sprig's and Helm's names are parse errors. */
    assert_int_equal(tmpl_set_parse(set, "b", "{{ include \"x\" . }}", 18, &err), PKG_ESYNTAX);
    assert_string_equal(err->msg, "template: b:1: function \"include\" not defined");
    pkg_err_clear(&err);
    /* A failed parse keeps the set as it was. */
    assert_true(tmpl_set_has(set, "a"));
    assert_false(tmpl_set_has(set, "b"));
    sb_release(&out);
    tmpl_set_free(set);
}

static void
test_output_limit(void **state)
{
    (void)state;
    struct tmpl_set_opts o = {.max_output = 100};
    struct tmpl_set *set = tmpl_set_new(&o);
    struct pkg_err *err = NULL;
    const char *t = "{{ define \"r\" }}0123456789{{ template \"r\" }}{{ end }}{{ template \"r\" }}";
    assert_int_equal(tmpl_set_parse(set, "t", t, strlen(t), &err), 0);
    struct sb out = SB_INIT;
    assert_int_equal(tmpl_set_execute(set, "t", NULL, &out, &err), PKG_ELIMIT);
    assert_non_null(strstr(err->msg, "output exceeds the limit of 100 bytes"));
    pkg_err_free(err);
    sb_release(&out);
    tmpl_set_free(set);
}

static void
test_signatures(void **state)
{
    (void)state;
    struct tmpl_sig s;
    tmpl_sig_parse(&s, "func(int, string) string");
    assert_int_equal(s.nin, 2);
    assert_false(s.variadic);
    assert_int_equal(s.in[0], TMPL_T_INT);
    assert_int_equal(s.in[1], TMPL_T_STRING);
    assert_int_equal(s.out, TMPL_T_STRING);
    tmpl_sig_parse(&s, "func(interface {}, ...interface {}) (interface {}, error)");
    assert_true(s.variadic);
    assert_true(s.returns_error);
    assert_int_equal(s.nin, 2);
    assert_int_equal(s.out, TMPL_T_ANY);
    tmpl_sig_parse(&s, "func(map[string]interface {}, ...map[string]interface {}) "
                       "map[string]interface {}");
    assert_int_equal(s.in[0], TMPL_T_MAP);
    assert_int_equal(s.in[1], TMPL_T_MAP);
    tmpl_sig_parse(&s, "func() *semver.Version");
    assert_int_equal(s.nin, 0);
    assert_int_equal(s.out, TMPL_T_OTHER);
    /* Every registered row parses (the registry aborts otherwise). */
    const struct tmpl_sig *sig;
    bool builtin;
    assert_non_null(tmpl_func_find(TMPL_FUNCS_HELM, "include", 7, &sig, &builtin));
    assert_false(builtin);
    assert_non_null(tmpl_func_find(TMPL_FUNCS_GO, "printf", 6, &sig, &builtin));
    assert_true(builtin);
    assert_null(tmpl_func_find(TMPL_FUNCS_GO, "include", 7, &sig, &builtin));
}

/* fromToml's decoder: values, an error text, and the nesting limit (Go
 * has none but its stack). */
static void
test_toml_decode(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *out = NULL, *err = NULL;
    static const char doc[] = "a = 1\n[[t]]\nx = 'y'\n";
    assert_int_equal(tmpl_toml_decode(&out, a, doc, sizeof(doc) - 1, &err), 0);
    assert_string_equal(tmpl_typename(val_map_getz(out, "a")), "int64");
    assert_string_equal(tmpl_typename(val_map_getz(out, "t")), "[]map[string]interface {}");
    assert_int_equal(tmpl_toml_decode(&out, a, "a = ", 4, &err), -1);
    assert_string_equal(err->u.s.ptr,
                        "toml: line 0 (last key \"a\"): unexpected EOF; expected value");
    struct sb deep = SB_INIT;
    sb_addstr(&deep, "a = ");
    for (int i = 0; i < 20000; i++)
        sb_addch(&deep, '[');
    for (int i = 0; i < 20000; i++)
        sb_addch(&deep, ']');
    assert_int_equal(tmpl_toml_decode(&out, a, deep.buf, deep.len, &err), PKG_ELIMIT);
    sb_reset(&deep);
    sb_addstr(&deep, "a = ");
    for (int i = 0; i < 900; i++)
        sb_addch(&deep, '[');
    for (int i = 0; i < 900; i++)
        sb_addch(&deep, ']');
    assert_int_equal(tmpl_toml_decode(&out, a, deep.buf, deep.len, &err), 0);
    sb_release(&deep);
    arena_free(a);
}

static void
test_casts(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    assert_int_equal(tmpl_cast_int64(val_strz(a, "12")), 12);
    assert_int_equal(tmpl_cast_int64(val_strz(a, "12.00")), 12);
    assert_int_equal(tmpl_cast_int64(val_strz(a, "12.50")), 0);
    assert_int_equal(tmpl_cast_int64(val_strz(a, "0x1F")), 31);
    assert_int_equal(tmpl_cast_int64(val_strz(a, "017")), 15);
    assert_int_equal(tmpl_cast_int64(val_strz(a, "x")), 0);
    assert_int_equal(tmpl_cast_int64(val_strz(a, "1.0.")), 1); /* cast's trimZeroDecimal */
    assert_int_equal(tmpl_cast_int64(val_strz(a, "_1")), 0);
    assert_int_equal(tmpl_cast_int64(val_strz(a, "0x_1")), 1);
    assert_true(tmpl_cast_float64(val_strz(a, "0x10")) == 0); /* hex floats need p */
    assert_true(tmpl_cast_float64(val_strz(a, "0x1p4")) == 16);
    assert_true(tmpl_cast_float64(val_strz(a, "1_0")) == 10);
    assert_int_equal(tmpl_cast_int64(val_float(a, 3.9)), 3);
    assert_int_equal(tmpl_cast_int64(val_float(a, -3.9)), -3);
    assert_int_equal(tmpl_cast_int64(val_bool(a, true)), 1);
    assert_int_equal(tmpl_cast_int64(&tmpl_nil), 0);
    assert_true(tmpl_cast_float64(val_strz(a, "1.5")) == 1.5);
    assert_true(tmpl_cast_float64(val_strz(a, "abc")) == 0);
    assert_true(tmpl_cast_float64(val_int(a, 7)) == 7);
    struct sb sb = SB_INIT;
    tmpl_strval(&sb, val_float(a, 1e6));
    assert_string_equal(sb.buf, "1e+06");
    sb_reset(&sb);
    tmpl_strval(&sb, &tmpl_nil);
    assert_string_equal(sb.buf, "<nil>");
    sb_release(&sb);
    assert_string_equal(tmpl_typename(val_float(a, 1)), "float64");
    assert_string_equal(tmpl_kindname(val_seq(a)), "slice");
    assert_string_equal(tmpl_typename(&tmpl_nil), "<nil>");
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_struct_fields_and_methods),
        cmocka_unit_test(test_struct_errors),
        cmocka_unit_test(test_struct_printing),
        cmocka_unit_test(test_map_object),
        cmocka_unit_test(test_set_api),
        cmocka_unit_test(test_output_limit),
        cmocka_unit_test(test_signatures),
        cmocka_unit_test(test_toml_decode),
        cmocka_unit_test(test_casts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
