/* The functions of the test libraries (lazytest-lib.c) that test-lazy.c
 * calls through lazy stubs. */
#ifndef PKG_LAZY_TESTS_LAZYTEST_H
#define PKG_LAZY_TESTS_LAZYTEST_H

#include <stddef.h>

struct lt_big {
    long v[4];
};

long lt_sum10(long a, long b, long c, long d, long e, long f, long g, long h, long i, long j);
double lt_mix(int n, double a, double b, double c, double d, double e, double f, double g, double h,
              double i, long m, float k);
int lt_format(char *buf, size_t cap, const char *fmt, ...);
struct lt_big lt_big(long a);
int lt_apply(int (*fn)(int, void *), int x, void *payload);
int lt_aligned(void);
long lt_id(long x);
int lt_removed(void); /* not in the run-time library (LT_RUNTIME) */
int lg_hello(int x);  /* liblazygone: absent at run time */

#endif
