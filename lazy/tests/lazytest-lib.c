/* The shared libraries test-lazy.c calls through lazy stubs. Built three
 * ways by the Makefile:
 *   gen/liblazytest.so.1   the whole library: stubs are generated from it
 *   liblazytest.so.1       with LT_RUNTIME: what the test loads; lacks
 *                          lt_removed, as an older library would
 *   gen/liblazygone.so.1   with LT_GONE: stubs are generated from it, and it
 *                          is absent at run time
 * Each function's signature exercises one way arguments travel. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lazytest.h"

#ifdef LT_GONE

int
lg_hello(int x)
{
    return x + 1;
}

#else

/* Weights make every argument's position matter. */
long
lt_sum10(long a, long b, long c, long d, long e, long f, long g, long h, long i, long j)
{
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h + 9 * i + 10 * j;
}

/* Nine doubles: eight in registers, the ninth and m, k partly on the stack. */
double
lt_mix(int n, double a, double b, double c, double d, double e, double f, double g, double h,
       double i, long m, float k)
{
    return n * 1000.0 + a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h + 9 * i +
           (double)m * 100 + (double)k * 10000;
}

/* Varargs with doubles: on x86_64 the caller's %al counts vector registers. */
int
lt_format(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

/* Returned through memory the caller passes (rdi on x86_64, x8 on aarch64). */
struct lt_big
lt_big(long a)
{
    struct lt_big r = {{a, a + 1, a + 2, a + 3}};
    return r;
}

int
lt_apply(int (*fn)(int, void *), int x, void *payload)
{
    return fn(x, payload) * 2;
}

/* Whether the stack the function runs on is aligned as the ABI demands. */
int
lt_aligned(void)
{
    _Alignas(16) volatile char probe[16];
    probe[0] = 1;
    uintptr_t frame = (uintptr_t)__builtin_frame_address(0);
    return ((uintptr_t)probe % 16 == 0) && frame % 16 == 0;
}

long
lt_id(long x)
{
    return x;
}

#ifndef LT_RUNTIME
int
lt_removed(void)
{
    return 42;
}
#endif

#endif
