/* Unit tests: the lexer's fast path for the common items inside actions
 * (lex_fast) against the state machine alone (no_fast): the same items
 * (type, position, length, line, plain flag) and the same error message for
 * every input of a table of edge cases and every prefix of each, every
 * template of the fuzz corpus and every testdata/render case file. A string
 * item marked plain must unquote to the text between its quotes. Lines
 * computed from positions; field chains split into identifiers; string
 * constants made once per literal. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/sb.h"
#include "core/value.h"
#include "render/tree.h"

static void
check_plain(struct arena *a, const char *in, const struct tmpl_item *it)
{
    if (it->type != ITEM_STRING || !it->plain)
        return;
    const char *u;
    size_t ul;
    assert_int_equal(tmpl_unquote(a, in + it->pos, it->len, &u, &ul), 0);
    assert_int_equal(ul, it->len - 2);
    assert_memory_equal(u, in + it->pos + 1, ul);
}

/* Lexes text both ways, item by item, until EOF or an error. */
static void
compare(const char *text, size_t len, bool break_ok)
{
    struct arena *a = arena_new();
    struct tmpl_lexer fast, slow;
    tmpl_lex_init(&fast, a, text, len);
    tmpl_lex_init(&slow, a, text, len);
    fast.break_ok = fast.continue_ok = slow.break_ok = slow.continue_ok = break_ok;
    slow.no_fast = true;
    for (size_t k = 0; k <= len + 2; k++) {
        struct tmpl_item f = tmpl_lex_next(&fast);
        struct tmpl_item s = tmpl_lex_next(&slow);
        if (f.type != s.type || f.pos != s.pos || f.len != s.len || f.plain != s.plain ||
            f.after_err != s.after_err)
            fail_msg("item %zu of %.*s: fast %d@%u+%u plain %d, slow %d@%u+%u plain %d", k,
                     (int)(len > 200 ? 200 : len), text, f.type, f.pos, f.len, f.plain, s.type,
                     s.pos, s.len, s.plain);
        check_plain(a, text, &f);
        if (f.type == ITEM_ERROR) {
            assert_string_equal(fast.errmsg, slow.errmsg);
            break;
        }
        if (f.type == ITEM_EOF)
            break;
    }
    arena_free(a);
}

static void
compare_all(const char *text, size_t len, bool prefixes)
{
    for (int b = 0; b < 2; b++) {
        compare(text, len, b);
        if (prefixes)
            for (size_t n = 0; n < len; n++)
                compare(text, n, b);
    }
}

static const char *const cases[] = {
    "{{.a}}",
    "{{ .a }}",
    "{{.}}",
    "{{ . }}",
    "{{$}}",
    "{{ $ }}",
    "{{ $x := 1 }}{{ $x = 2 }}{{ $x }}",
    "{{ $x, $y := . }}",
    "{{ .a.b.c }}",
    "{{ $.a.b }}",
    "{{ .a | b | c \"d\" }}",
    "{{ (.a).b }}",
    "{{ ((.a)) }}",
    "{{ ) }}",
    "{{ ( }}",
    "{{ \"x\\\"y\" }}",
    "{{ \"x\\ny\" }}",
    "{{ \"caf\xc3\xa9\" }}",
    "{{ \"a\nb\" }}",
    "{{ \"unterminated }}",
    "{{ `raw\nstring` }}",
    "{{ 'c' }}",
    "{{ 1.5 }}{{ .1 }}{{ -3 }}{{ +3 }}{{ 0x1F }}{{ 1i }}",
    "{{ - 3 }}",
    "{{ x -}} y",
    "{{ x  -}}  y",
    "{{- x -}}",
    "{{- x\n-}}",
    "{{ x\t\r\n }}",
    "{{ x - }}",
    "{{ x -}",
    "{{ x }",
    "{{ x}",
    "{{ .a\xc3\xa9 }}",
    "{{ .\xc3\xa9 }}",
    "{{ \xc3\xa9 }}",
    "{{ a\xc3\xa9"
    "b }}",
    "{{ .a! }}",
    "{{ a! }}",
    "{{ $a! }}",
    "{{ .a}}}",
    "{{ .a }}}}",
    "{{ break }}{{ continue }}",
    "{{ range . }}{{ break }}{{ continue }}{{ end }}",
    "{{ true false nil }}",
    "{{ truex falsey nilly }}",
    "{{ if . }}{{ else if . }}{{ else }}{{ end }}",
    "{{ with $x := . }}{{ end }}",
    "{{ define \"x\" }}{{ template \"x\" . }}{{ block \"y\" . }}{{ end }}{{ end }}",
    "{{ a := b }}",
    "{{ a : b }}",
    "{{ a, b }}",
    "{{ a = b }}",
    "{{/* c */}}{{- /* c */ -}}{{ /* c */ }}",
    "{{/* a * b **/}}{{/***/}}{{/**/}}{{/* x */ }}{{/* x */x}}",
    "{{/* x *",
    "{{/* x *}}",
    "{{- /* a\nb */ -}}\n\n x",
    "{{ .a /* c */ }}",
    "{{ @ }}",
    "{{ \x01 }}",
    "{{ a_b9 _x __ }}",
    "{{ .a_b9._x }}",
    "{{ $_x9 }}",
    "{{.a}}\n{{ .b\n.c }}\n\n{{ \n\n .d \n\n }}",
    "x{{",
    "x{{ ",
    "x{{ .",
    "x{{ .a",
    "x{{ .a ",
    "x{{ .a }",
    "x{{ $",
    "x{{ \"",
    "x{{ \"a\"",
    "x{{ \"a\" ",
    "{{ .a }}{{ .b }}{{ .c }}",
};

static void
test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        compare_all(cases[i], strlen(cases[i]), true);
}

/* Lines come from positions; what is lexed after an error (from an
 * emptied input, at position 0) keeps the error's line, as in Go. */
static void
test_lines(void **state)
{
    (void)state;
    const char *text = "x\n\n{{ .a\n}}\n{{ \"abc\n }}";
    struct arena *a = arena_new();
    struct tmpl_lexer l;
    tmpl_lex_init(&l, a, text, strlen(text));
    static const struct {
        uint8_t type;
        int line;
    } want[] = {
        {ITEM_TEXT, 1},  {ITEM_LEFT_DELIM, 3},  {ITEM_SPACE, 3}, {ITEM_FIELD, 3},
        {ITEM_SPACE, 3}, {ITEM_RIGHT_DELIM, 4}, {ITEM_TEXT, 4},  {ITEM_LEFT_DELIM, 5},
        {ITEM_SPACE, 5}, {ITEM_ERROR, 5},       {ITEM_ERROR, 5},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct tmpl_item it = tmpl_lex_next(&l);
        assert_int_equal(it.type, want[i].type);
        assert_int_equal(tmpl_lex_line(&l, &it), want[i].line);
        assert_int_equal(it.after_err, i == 10);
    }
    assert_string_equal(l.errmsg, "unclosed action");
    arena_free(a);
}

/* A field or variable and the fields after it are one node, split at the
 * token boundaries (up to 16 identifiers) or at the dots (more). */
static void
test_field_chains(void **state)
{
    (void)state;
    for (int parts = 1; parts <= 40; parts++) {
        for (int var = 0; var < 2; var++) {
            struct sb text = SB_INIT, want = SB_INIT;
            sb_addstr(&text, "{{ $v := . }}{{ ");
            sb_addstr(&want, var ? "$v" : "");
            for (int k = var; k < parts; k++)
                sb_addf(&want, ".f%d", k);
            sb_add(&text, want.buf, want.len);
            sb_addstr(&text, " }}");
            struct arena *a = arena_new();
            struct tmpl_ns ns = {0};
            assert_int_equal(
                tmpl_parse(&ns, a, TMPL_FUNCS_HELM, false, "t", text.buf, text.len, NULL), 0);
            struct tmpl_tree *tree = tmpl_ns_lookup(&ns, "t");
            assert_non_null(tree);
            const struct tmpl_node *act = tree->root->u.list.v[1];
            const struct tmpl_node *n = act->u.action->u.pipe.cmds.v[0]->u.args.v[0];
            assert_int_equal(n->type, var ? TMPL_NODE_VARIABLE : TMPL_NODE_FIELD);
            assert_int_equal(n->u.field.n, parts);
            for (int k = var; k < parts; k++) {
                char name[16];
                snprintf(name, sizeof(name), "f%d", k);
                assert_string_equal(n->u.field.ident[k], name);
            }
            if (var)
                assert_string_equal(n->u.field.ident[0], "$v");
            struct sb str = SB_INIT;
            tmpl_node_string(&str, n);
            assert_string_equal(str.buf, want.buf);
            sb_release(&str);
            sb_release(&text);
            sb_release(&want);
            tmpl_ns_release(&ns);
            arena_free(a);
        }
    }
}

static const struct val *
nth_string(const struct tmpl_tree *tree, size_t i)
{
    const struct tmpl_node *act = tree->root->u.list.v[i];
    const struct tmpl_node *n = act->u.action->u.pipe.cmds.v[0]->u.args.v[0];
    assert_int_equal(n->type, TMPL_NODE_STRING);
    return n->u.cval;
}

/* A string literal that comes again shares the first one's value; the
 * same string written differently has a value of its own. */
static void
test_string_constants(void **state)
{
    (void)state;
    const char *text =
        "{{ \"x\" }}{{ \"x\" }}{{ `x` }}{{ \"y\\u0041\" }}{{ \"yA\" }}{{ \"y\\u0041\" }}";
    struct arena *a = arena_new();
    struct tmpl_ns ns = {0};
    assert_int_equal(tmpl_parse(&ns, a, TMPL_FUNCS_HELM, false, "t", text, strlen(text), NULL), 0);
    const struct tmpl_tree *tree = tmpl_ns_lookup(&ns, "t");
    assert_non_null(tree);
    const struct val *v[6];
    for (size_t i = 0; i < 6; i++) {
        v[i] = nth_string(tree, i);
        assert_true(v[i]->flags & VAL_F_READONLY);
    }
    assert_ptr_equal(v[0], v[1]);
    assert_ptr_not_equal(v[0], v[2]);
    assert_string_equal(v[2]->u.s.ptr, "x");
    assert_ptr_not_equal(v[3], v[4]);
    assert_ptr_equal(v[3], v[5]);
    assert_string_equal(v[3]->u.s.ptr, "yA");
    assert_string_equal(v[4]->u.s.ptr, "yA");
    tmpl_ns_release(&ns);
    arena_free(a);
}

/* Every file of dir (prefixes too when small). */
static size_t
compare_dir(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct sb text = SB_INIT;
        struct pkg_err *err = NULL;
        if (sb_read_file(&text, path, 64u << 20, &err) < 0) {
            pkg_err_free(err);
            continue;
        }
        compare_all(text.buf, text.len, text.len <= 512);
        sb_release(&text);
        count++;
    }
    closedir(d);
    return count;
}

static void
test_corpus(void **state)
{
    (void)state;
    assert_true(compare_dir("testdata/fuzz/fuzz-template") > 100);
    assert_true(compare_dir("testdata/render") > 10);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_field_chains), cmocka_unit_test(test_string_constants),
        cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
