/* Unit tests: arenas (zero-filled allocations, growth, big blocks) and
 * arena_adopt (another arena's memory joins one and lives as long as it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"

/* Allocations of sizes 1..n, each filled with its own byte. */
static unsigned char **
fill(struct arena *a, size_t n, unsigned char tag)
{
    unsigned char **v = calloc(n, sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        size_t len = i % 7 == 6 ? 200000 + i : i + 1; /* some big blocks */
        v[i] = arena_alloc(a, len);
        for (size_t k = 0; k < len; k++)
            assert_int_equal(v[i][k], 0);
        memset(v[i], tag + (int)(i & 15), len);
    }
    return v;
}

static void
check(unsigned char **v, size_t n, unsigned char tag)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = i % 7 == 6 ? 200000 + i : i + 1;
        for (size_t k = 0; k < len; k += 97)
            assert_int_equal(v[i][k], (unsigned char)(tag + (int)(i & 15)));
        assert_int_equal(v[i][len - 1], (unsigned char)(tag + (int)(i & 15)));
    }
}

static void
test_alloc_zeroed_and_aligned(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    for (size_t i = 1; i < 5000; i++) {
        unsigned char *p = arena_alloc(a, i % 300 + 1);
        assert_int_equal((uintptr_t)p % 8, 0);
        for (size_t k = 0; k < i % 300 + 1; k++)
            assert_int_equal(p[k], 0);
        memset(p, 0xff, i % 300 + 1);
    }
    assert_true(arena_used(a) >= 4999);
    arena_free(a);
}

static void
test_adopt(void **state)
{
    (void)state;
    static const struct {
        size_t parent, child; /* allocations made before adopting */
    } cases[] = {{0, 0}, {0, 50}, {50, 0}, {50, 50}, {3, 400}, {400, 3}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct arena *a = arena_new(), *b = arena_new();
        unsigned char **va = fill(a, cases[c].parent, 0x10);
        unsigned char **vb = fill(b, cases[c].child, 0x40);
        size_t used = arena_used(a) + arena_used(b);
        arena_adopt(a, b);
        assert_int_equal(arena_used(a), used);
        /* a keeps allocating; nothing handed out before is reused. */
        unsigned char **vc = fill(a, 60, 0x80);
        check(va, cases[c].parent, 0x10);
        check(vb, cases[c].child, 0x40);
        check(vc, 60, 0x80);
        arena_free(a); /* b's memory too: ASan reports a leak otherwise */
        free(va);
        free(vb);
        free(vc);
    }
    struct arena *a = arena_new();
    arena_adopt(a, NULL);
    arena_free(a);
}

/* arena_own: heap blocks freed with the arena, also after an adoption
 * (ASan reports a leak or a double free otherwise). */
static void
test_own(void **state)
{
    (void)state;
    struct arena *a = arena_new(), *b = arena_new(), *c = arena_new();
    arena_own(a, NULL);
    for (int i = 0; i < 10; i++) {
        char *p = malloc(1000 + (size_t)i);
        assert_non_null(p);
        memset(p, 'x', 1000);
        arena_own(i % 2 ? a : b, p);
        free(fill(a, 3, 0x11)); /* records and other allocations interleave */
    }
    arena_adopt(a, b);
    arena_adopt(a, c); /* a child that owns nothing */
    struct arena *d = arena_new();
    arena_own(d, malloc(10));
    arena_adopt(d, a); /* a parent that owns something already */
    arena_free(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_zeroed_and_aligned),
        cmocka_unit_test(test_adopt),
        cmocka_unit_test(test_own),
    };
    return cmocka_run_group_tests_name("core/arena", tests, NULL, NULL);
}
