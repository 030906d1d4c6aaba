/* Unit tests: kgvk_sort, the keyed sort of field specs by Gvk.IsLessThan,
 * gives the order the insertion sort by kgvk_less gave (stable), on the
 * default tables as they are, reversed and shuffled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "overlay/config-default.h"
#include "overlay/kust.h"

static void
insertion_sort(struct kfieldspec *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct kfieldspec x = v[i];
        size_t j = i;
        while (j > 0 && kgvk_less(&x.gvk, &v[j - 1].gvk)) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static void
check(const struct kfieldspec *in, size_t n)
{
    struct kfieldspec *a = calloc(n, sizeof(*a)), *b = calloc(n, sizeof(*b));
    assert_non_null(a);
    assert_non_null(b);
    memcpy(a, in, n * sizeof(*a));
    memcpy(b, in, n * sizeof(*b));
    insertion_sort(a, n);
    kgvk_sort(b, n, sizeof(*b), offsetof(struct kfieldspec, gvk));
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(a[i].gvk.kind, b[i].gvk.kind);
        assert_ptr_equal(a[i].gvk.group, b[i].gvk.group);
        assert_ptr_equal(a[i].path, b[i].path);
    }
    free(a);
    free(b);
}

static void
test_same_order_as_insertion_sort(void **state)
{
    (void)state;
    size_t n = 0;
    while (kust_default_fieldspecs[n].section[0])
        n++;
    struct kfieldspec *v = calloc(n, sizeof(*v));
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        const struct kfs_row *r = &kust_default_fieldspecs[i];
        v[i] = (struct kfieldspec){{r->group, r->version, r->kind, false}, r->path, r->create};
    }
    assert_true(n > 100);
    check(v, n);
    for (size_t i = 0; i < n / 2; i++) {
        struct kfieldspec t = v[i];
        v[i] = v[n - 1 - i];
        v[n - 1 - i] = t;
    }
    check(v, n);
    uint32_t x = 7;
    for (int round = 0; round < 20; round++) {
        for (size_t i = n - 1; i > 0; i--) {
            x = x * 1103515245 + 12345;
            size_t j = (x >> 8) % (i + 1);
            struct kfieldspec t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        check(v, n);
        check(v, n / 3);
    }
    check(v, 1);
    check(v, 0);
    free(v);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_order_as_insertion_sort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
