/* Unit tests: the value tree (maps, sequences, copy, equality, merge,
 * paths). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/core.h"

static void
test_map_order_and_lookup(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *m = val_map(a);
    char k[32];
    /* Past the linear threshold the hash index takes over. */
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof(k), "key%d", 999 - i);
        val_map_setz(a, m, k, val_int(a, i));
    }
    assert_int_equal(val_map_len(m), 1000);
    assert_string_equal(m->u.map.ents[0].key->u.s.ptr, "key999");
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof(k), "key%d", i);
        struct val *v = val_map_getz(m, k);
        assert_non_null(v);
        assert_int_equal(v->u.i, 999 - i);
    }
    assert_null(val_map_getz(m, "nope"));
    /* Replacing keeps the position. */
    val_map_setz(a, m, "key999", val_strz(a, "x"));
    assert_true(val_is_str(m->u.map.ents[0].v, "x"));
    /* Deleting keeps the others' order and lookups. */
    for (int i = 0; i < 995; i++) {
        snprintf(k, sizeof(k), "key%d", i);
        assert_true(val_map_del(m, k, strlen(k)));
    }
    assert_int_equal(val_map_len(m), 5);
    assert_false(val_map_del(m, "key0", 4));
    assert_string_equal(m->u.map.ents[0].key->u.s.ptr, "key999");
    assert_non_null(val_map_getz(m, "key995"));
    arena_free(a);
}

/* Renaming keys in place: found by the new name, not the old, in maps
 * below and above the hash index threshold. */
static void
test_map_set_key(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    int sizes[] = {3, 40};
    for (size_t s = 0; s < 2; s++) {
        struct val *m = val_map(a);
        char k[32];
        for (int i = 0; i < sizes[s]; i++) {
            snprintf(k, sizeof(k), "Key%d", i);
            val_map_setz(a, m, k, val_int(a, i));
        }
        for (int i = 0; i < sizes[s]; i += 2) {
            snprintf(k, sizeof(k), "key%d", i);
            val_map_set_key(a, m, (size_t)i, val_strz(a, k));
        }
        for (int i = 0; i < sizes[s]; i++) {
            snprintf(k, sizeof(k), "%s%d", i % 2 ? "Key" : "key", i);
            struct val *v = val_map_getz(m, k);
            assert_non_null(v);
            assert_int_equal(v->u.i, i);
            snprintf(k, sizeof(k), "%s%d", i % 2 ? "key" : "Key", i);
            assert_null(val_map_getz(m, k));
        }
        assert_string_equal(m->u.map.ents[0].key->u.s.ptr, "key0");
    }
    arena_free(a);
}

static void
test_sorted(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *m = val_map(a);
    const char *keys[] = {"b", "a", "B", "aa", "", "a0"};
    for (size_t i = 0; i < 6; i++)
        val_map_setz(a, m, keys[i], val_null(a));
    struct val_mapent *e = val_map_sorted(a, m);
    const char *want[] = {"", "B", "a", "a0", "aa", "b"};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(e[i].key->u.s.ptr, want[i]);
    /* The map itself is unchanged. */
    assert_string_equal(m->u.map.ents[0].key->u.s.ptr, "b");
    arena_free(a);
}

static void
test_seq(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *s = val_seq(a);
    for (int i = 0; i < 100; i++)
        val_seq_push(a, s, val_int(a, i));
    val_seq_insert(a, s, 0, val_int(a, -1));
    val_seq_remove(s, 50);
    assert_int_equal(val_seq_len(s), 100);
    assert_int_equal(val_seq_at(s, 0)->u.i, -1);
    assert_int_equal(val_seq_at(s, 50)->u.i, 50);
    arena_free(a);
}

/* {list: [x, 1.5]}, the list in *inner: what the copy tests start from */
static struct val *
list_map(struct arena *a, struct val **inner)
{
    struct val *m = val_map(a);
    *inner = val_seq(a);
    val_seq_push(a, *inner, val_strz(a, "x"));
    val_seq_push(a, *inner, val_float(a, 1.5));
    val_map_setz(a, m, "list", *inner);
    return m;
}

static void
test_copy_equal(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *inner;
    struct val *m = list_map(a, &inner);
    val_map_setz(a, m, "n", val_int(a, 3));
    struct val *c = val_copy(a, m);
    assert_true(val_equal(m, c));
    val_seq_push(a, inner, val_null(a));
    assert_false(val_equal(m, c));
    /* int and float compare by value */
    assert_true(val_equal(val_int(a, 3), val_float(a, 3.0)));
    assert_false(val_equal(val_int(a, 3), val_strz(a, "3")));
    /* map order does not matter */
    struct val *x = val_map(a), *y = val_map(a);
    val_map_setz(a, x, "a", val_int(a, 1));
    val_map_setz(a, x, "b", val_int(a, 2));
    val_map_setz(a, y, "b", val_int(a, 2));
    val_map_setz(a, y, "a", val_int(a, 1));
    assert_true(val_equal(x, y));
    arena_free(a);
}

/* val_copy sizes maps and sequences exactly and builds a map's index once:
 * the copy must look up, append, delete and compare like a map built by
 * appends, and keep key positions, styles and flags (less READONLY). */
static void
test_copy_indexed(void **state)
{
    (void)state;
    struct arena *a = arena_new(), *b = arena_new();
    for (int n = 0; n <= 40; n++) {
        struct val *m = val_map(a), *s = val_seq(a);
        for (int i = 0; i < n; i++) {
            char k[16];
            snprintf(k, sizeof(k), "key%d", i);
            val_map_setz(a, m, k, val_int(a, i));
            val_seq_push(a, s, val_strz(a, k));
        }
        if (n > 0) {
            m->u.map.ents[0].key->line = 7;
            m->u.map.ents[0].key->style = VAL_STYLE_DOUBLE;
            s->u.seq.items[0]->flags |= VAL_F_READONLY | VAL_F_TAGGED;
        }
        val_map_setz(a, m, "seq", s);
        struct val *c = val_copy(b, m);
        assert_true(val_equal(m, c));
        assert_int_equal(val_map_len(c), n + 1);
        for (int i = 0; i < n; i++) {
            char k[16];
            snprintf(k, sizeof(k), "key%d", i);
            struct val *e = val_map_getz(c, k);
            assert_non_null(e);
            assert_int_equal(e->u.i, i);
            assert_true(val_map_find(c, k, strlen(k)) == i);
        }
        assert_null(val_map_getz(c, "nope"));
        struct val *cs = val_map_getz(c, "seq");
        assert_int_equal(val_seq_len(cs), n);
        if (n > 0) {
            assert_int_equal(c->u.map.ents[0].key->line, 7);
            assert_int_equal(c->u.map.ents[0].key->style, VAL_STYLE_DOUBLE);
            assert_int_equal(cs->u.seq.items[0]->flags, VAL_F_TAGGED);
            assert_ptr_not_equal(cs->u.seq.items[0]->u.s.ptr, s->u.seq.items[0]->u.s.ptr);
            assert_int_equal(cs->u.seq.items[0]->u.s.ptr[cs->u.seq.items[0]->u.s.len], 0);
        }
        /* growing the copies after the exact-size copy */
        val_map_setz(b, c, "extra", val_null(b));
        val_seq_push(b, cs, val_null(b));
        assert_non_null(val_map_getz(c, "extra"));
        assert_non_null(val_map_getz(c, "seq"));
        assert_int_equal(val_seq_len(cs), n + 1);
        assert_true(val_map_del(c, "seq", 3));
        assert_null(val_map_getz(c, "seq"));
        assert_non_null(val_map_getz(c, "extra"));
        /* the original is untouched */
        assert_int_equal(val_map_len(m), n + 1);
        assert_int_equal(val_seq_len(s), n);
    }
    arena_free(a);
    /* the copy lives in its own arena */
    arena_free(b);
}

static void
test_copy_shared(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct val *inner;
    struct val *m = list_map(a, &inner);
    val_map_setz(a, m, "empty", val_map(a));
    val_map_setz(a, m, "none", val_seq(a));
    struct val *big = val_map(a);
    char k[16];
    for (int i = 0; i < 40; i++) {
        snprintf(k, sizeof(k), "k%d", i);
        val_map_setz(a, big, k, val_int(a, i));
    }
    val_map_del(big, "k7", 2);
    val_map_setz(a, m, "big", big);
    struct val *c = val_copy_shared(a, m);
    assert_true(val_equal(m, c));
    assert_true(val_equal(val_copy(a, m), c));
    /* strings shared, nodes not */
    assert_ptr_equal(val_seq_at(val_map_getz(c, "list"), 0)->u.s.ptr,
                     val_seq_at(inner, 0)->u.s.ptr);
    assert_ptr_not_equal(val_map_getz(c, "list"), inner);
    /* the copied index finds every key; changes stay in the copy */
    struct val *cb = val_map_getz(c, "big");
    for (int i = 0; i < 40; i++) {
        snprintf(k, sizeof(k), "k%d", i);
        struct val *x = val_map_getz(cb, k);
        if (i == 7)
            assert_null(x);
        else
            assert_int_equal(x->u.i, i);
    }
    for (int i = 40; i < 80; i++) {
        snprintf(k, sizeof(k), "k%d", i);
        val_map_setz(a, cb, k, val_int(a, i));
    }
    val_map_del(cb, "k3", 2);
    val_seq_push(a, val_map_getz(c, "list"), val_null(a));
    val_seq_push(a, val_map_getz(c, "none"), val_null(a));
    assert_int_equal(val_map_len(big), 39);
    assert_int_equal(val_map_getz(big, "k3")->u.i, 3);
    assert_null(val_map_getz(big, "k50"));
    assert_int_equal(val_map_getz(cb, "k79")->u.i, 79);
    assert_int_equal(val_seq_len(inner), 2);
    assert_int_equal(val_seq_len(val_map_getz(m, "none")), 0);
    assert_null(val_copy_shared(a, NULL));
    arena_free(a);
}

static void
test_merge(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct pkg_err *err = NULL;
    struct val *dst, *src;
    const char *d = "a: {b: 1, c: 2}\nkeep: 1\ngone: 2\nlist: [1, 2]\n";
    const char *s = "a: {c: 3, d: 4}\ngone: null\nlist: [9]\nnew: {x: yy}\n";
    assert_int_equal(val_yaml_load(&dst, a, d, strlen(d), "d", NULL, &err), 0);
    assert_int_equal(val_yaml_load(&src, a, s, strlen(s), "s", NULL, &err), 0);
    val_merge(a, dst, src);
    assert_int_equal(val_path_get(dst, "a.b")->u.i, 1);
    assert_int_equal(val_path_get(dst, "a.c")->u.i, 3);
    assert_int_equal(val_path_get(dst, "a.d")->u.i, 4);
    assert_int_equal(val_path_get(dst, "keep")->u.i, 1);
    assert_null(val_path_get(dst, "gone"));
    assert_int_equal(val_len(val_path_get(dst, "list")), 1);
    assert_true(val_is_str(val_path_get(dst, "new.x"), "yy"));
    /* The merged value is a copy: changing src leaves dst alone. */
    val_map_setz(a, val_path_get(src, "new"), "x", val_strz(a, "z"));
    assert_true(val_is_str(val_path_get(dst, "new.x"), "yy"));
    arena_free(a);
}

static void
test_paths(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct pkg_err *err = NULL;
    struct val *root = val_map(a);
    assert_int_equal(val_path_set(a, root, "a.b[2].c", val_int(a, 7), &err), 0);
    assert_int_equal(val_path_get(root, "a.b[2].c")->u.i, 7);
    assert_int_equal(val_len(val_path_get(root, "a.b")), 3);
    assert_int_equal(val_path_get(root, "a.b[0]")->kind, VAL_NULL);
    assert_int_equal(val_path_set(a, root, "x\\.y.z", val_int(a, 1), &err), 0);
    assert_non_null(val_map_getz(root, "x.y"));
    assert_null(val_path_get(root, "a.b[9]"));
    assert_null(val_path_get(root, "a.b.c"));
    assert_int_equal(val_path_set(a, root, "a.b[2].c.d", val_int(a, 1), &err), PKG_ETYPE);
    pkg_err_clear(&err);
    assert_int_equal(val_path_set(a, root, "a..b", val_int(a, 1), &err), PKG_EINVAL);
    pkg_err_clear(&err);
    assert_int_equal(val_path_set(a, root, "a[x]", val_int(a, 1), &err), PKG_EINVAL);
    pkg_err_clear(&err);
    arena_free(a);
}

static void
test_errors(void **state)
{
    (void)state;
    struct pkg_err *err = NULL;
    assert_int_equal(pkg_err_setloc(&err, PKG_ESYNTAX, "f.yaml", 3, 7, "bad %s", "thing"),
                     PKG_ESYNTAX);
    assert_string_equal(err->msg, "f.yaml:3:7: bad thing");
    pkg_err_wrap(&err, "load %s", "chart");
    assert_string_equal(err->msg, "load chart: f.yaml:3:7: bad thing");
    assert_int_equal(err->code, PKG_ESYNTAX);
    pkg_err_clear(&err);
    assert_null(err);
    assert_int_equal(pkg_err_set(NULL, PKG_EIO, "ignored"), PKG_EIO);
}

static void
test_sb_limit(void **state)
{
    (void)state;
    struct sb sb = SB_INIT;
    struct pkg_err *err = NULL;
    sb_set_limit(&sb, 10);
    sb_addstr(&sb, "12345");
    assert_int_equal(sb_check(&sb, "buffer", &err), 0);
    sb_addstr(&sb, "678901");
    assert_int_equal(sb.len, 5);
    assert_int_equal(sb_check(&sb, "buffer", &err), PKG_ELIMIT);
    pkg_err_clear(&err);
    sb_release(&sb);
}

static void
test_fs_join(void **state)
{
    (void)state;
    struct pkg_err *err = NULL;
    char *p;
    assert_int_equal(fs_join_under(&p, "/root", "a/./b/../c", &err), 0);
    assert_string_equal(p, "/root/a/c");
    free(p);
    assert_int_equal(fs_join_under(&p, "/root", "a/../../etc", &err), PKG_EPERM);
    pkg_err_clear(&err);
    assert_int_equal(fs_join_under(&p, "/root", "/etc/passwd", &err), PKG_EPERM);
    pkg_err_clear(&err);
    const char *cases[][2] = {
        {"", "."},         {"a//b", "a/b"}, {"/../a", "/a"}, {"../../a", "../../a"},
        {"a/../..", ".."}, {"/", "/"},      {"./a/", "a"},   {"a/b/../../c/.", "c"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        p = fs_clean(cases[i][0]);
        assert_string_equal(p, cases[i][1]);
        free(p);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_order_and_lookup),
        cmocka_unit_test(test_map_set_key),
        cmocka_unit_test(test_sorted),
        cmocka_unit_test(test_seq),
        cmocka_unit_test(test_copy_equal),
        cmocka_unit_test(test_copy_shared),
        cmocka_unit_test(test_copy_indexed),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_sb_limit),
        cmocka_unit_test(test_fs_join),
    };
    return cmocka_run_group_tests_name("core/value", tests, NULL, NULL);
}
