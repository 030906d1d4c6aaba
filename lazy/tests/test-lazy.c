/* Unit tests: lazy binding. The calls below go through stubs generated from
 * the test libraries of lazytest-lib.c (the Makefile runs
 * scripts/lazy-stubs.sh on this file's object), so each case checks the
 * generator, the assembler trampoline and lazy.c together. The first call
 * into a library is the one that takes the slow path, so every case runs
 * in a fresh child process (fork) in which the library is not loaded yet;
 * the parent never loads liblazytest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lazy/lazy.h"
#include "lazy/tests/lazytest.h"

/* In a child, cmocka's asserts would unwind into the child's copy of the
 * runner: failures exit with a message instead. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            dprintf(2, "check failed at line %d: %s\n", __LINE__, #cond);                          \
            _exit(99);                                                                             \
        }                                                                                          \
    } while (0)

/* Runs body in a child; returns its exit status (-1 if killed), its stderr
 * in err. */
static int
in_child(void (*body)(void), char *err, size_t cap)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], 2);
        CHECK(lazy_pending("liblazytest"));
        body();
        _exit(0);
    }
    close(p[1]);
    size_t len = 0;
    ssize_t n;
    while (len + 1 < cap && (n = read(p[0], err + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    err[len] = '\0';
    close(p[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
expect_ok(void (*body)(void))
{
    char err[2048];
    int st = in_child(body, err, sizeof(err));
    if (st != 0)
        fail_msg("child exited %d: %s", st, err);
}

static void
body_integers(void)
{
    CHECK(lt_sum10(1, 2, 3, 4, 5, 6, 7, 8, 9, 10) == 385);
    CHECK(!lazy_pending("liblazytest"));
    CHECK(lt_sum10(-1, 0, 0, 0, 0, 0, 0, 0, 0, 1) == 9);
}

static void
test_integer_and_stack_arguments(void **state)
{
    (void)state;
    expect_ok(body_integers);
}

static void
body_floats(void)
{
    double r = lt_mix(7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 0.5f);
    CHECK(r == 7000 + 285 + 300 + 5000);
}

static void
test_float_arguments(void **state)
{
    (void)state;
    expect_ok(body_floats);
}

static void
body_varargs(void)
{
    char buf[64];
    int n = lt_format(buf, sizeof(buf), "%d %.1f %s %.2f %ld", 1, 2.5, "x", 3.25, 1L << 40);
    CHECK(n == (int)strlen(buf));
    CHECK(!strcmp(buf, "1 2.5 x 3.25 1099511627776"));
}

static void
test_varargs_with_doubles(void **state)
{
    (void)state;
    expect_ok(body_varargs);
}

static void
body_struct_return(void)
{
    struct lt_big b = lt_big(7);
    CHECK(b.v[0] == 7 && b.v[1] == 8 && b.v[2] == 9 && b.v[3] == 10);
}

static void
test_struct_returned_in_memory(void **state)
{
    (void)state;
    expect_ok(body_struct_return);
}

static int
triple(int x, void *payload)
{
    return x * 3 + *(int *)payload;
}

static void
body_callback(void)
{
    int extra = 1;
    CHECK(lt_apply(triple, 5, &extra) == 32);
    /* A stub's address is a function pointer like any other. */
    long (*id)(long) = lt_id;
    CHECK(id(12) == 12);
}

static void
test_callback_and_function_pointer(void **state)
{
    (void)state;
    expect_ok(body_callback);
}

static void
body_aligned(void)
{
    CHECK(lt_aligned());
    CHECK(lt_aligned());
}

static void
test_callee_stack_aligned(void **state)
{
    (void)state;
    expect_ok(body_aligned);
}

#define RACERS 8
static pthread_barrier_t race_barrier;

static void *
racer(void *arg)
{
    long k = (long)(intptr_t)arg;
    pthread_barrier_wait(&race_barrier);
    long r =
        lt_sum10(k, k, k, k, k, k, k, k, k, k) + (long)lt_mix(0, k, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    return (void *)(intptr_t)(r == 55 * k + k);
}

static void
body_race(void)
{
    pthread_t th[RACERS];
    CHECK(pthread_barrier_init(&race_barrier, NULL, RACERS) == 0);
    for (long i = 0; i < RACERS; i++)
        CHECK(pthread_create(&th[i], NULL, racer, (void *)(intptr_t)(i + 1)) == 0);
    for (int i = 0; i < RACERS; i++) {
        void *ok;
        CHECK(pthread_join(th[i], &ok) == 0);
        CHECK(ok == (void *)1);
    }
}

static void
test_threads_racing_to_the_first_call(void **state)
{
    (void)state;
    expect_ok(body_race);
}

/* The library is bound in the parent; a child of a fork finds every stub
 * bound and never needs the loader. */
static void
body_fork(void)
{
    CHECK(lt_id(1) == 1);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        _exit(lt_sum10(1, 0, 0, 0, 0, 0, 0, 0, 0, 0) == 1 && lt_aligned() ? 0 : 1);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
test_child_after_fork(void **state)
{
    (void)state;
    expect_ok(body_fork);
}

static void
body_missing_library(void)
{
    lg_hello(1);
    CHECK(!"lg_hello returned");
}

static void
test_missing_library_exits_1_naming_it(void **state)
{
    (void)state;
    char err[2048];
    assert_int_equal(in_child(body_missing_library, err, sizeof(err)), 1);
    assert_non_null(strstr(err, "Error: cannot load liblazygone.so.1, which `test-lazy"));
    assert_non_null(strstr(err, "needs (lg_hello): "));
    assert_non_null(strstr(err, "liblazygone.so.1: cannot open shared object file"));
}

static void
body_missing_function(void)
{
    CHECK(lt_id(5) == 5);
    lt_removed();
    CHECK(!"lt_removed returned");
}

static void
test_missing_function_exits_1_naming_it(void **state)
{
    (void)state;
    char err[2048];
    assert_int_equal(in_child(body_missing_function, err, sizeof(err)), 1);
    assert_non_null(strstr(err, "Error: liblazytest.so.1 lacks lt_removed, which `test-lazy"));
}

static void
body_load(void)
{
    struct pkg_err *err = NULL;
    CHECK(lazy_load("libnot-lazy", &err) == 0 && !err);
    CHECK(lazy_load("liblazy", &err) == 0); /* a prefix of a name is not the name */
    CHECK(lazy_pending("liblazytest"));
    CHECK(lazy_load("liblazytest", &err) == PKG_ENOTSUP);
    CHECK(!strcmp(err->msg, "liblazytest.so.1 lacks lt_removed"));
    pkg_err_clear(&err);
    CHECK(!lazy_pending("liblazytest"));
    CHECK(lt_sum10(0, 0, 0, 0, 0, 0, 0, 0, 0, 2) == 20);
    CHECK(lazy_load("liblazytest", &err) == 0);
    CHECK(lazy_load("liblazygone", &err) == PKG_ENOENT);
    CHECK(strstr(err->msg, "cannot load liblazygone.so.1: liblazygone.so.1: cannot open"));
    pkg_err_free(err);
    CHECK(lazy_pending("liblazygone"));
}

static void
test_lazy_load_returns_errors(void **state)
{
    (void)state;
    expect_ok(body_load);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integer_and_stack_arguments),
        cmocka_unit_test(test_float_arguments),
        cmocka_unit_test(test_varargs_with_doubles),
        cmocka_unit_test(test_struct_returned_in_memory),
        cmocka_unit_test(test_callback_and_function_pointer),
        cmocka_unit_test(test_callee_stack_aligned),
        cmocka_unit_test(test_threads_racing_to_the_first_call),
        cmocka_unit_test(test_child_after_fork),
        cmocka_unit_test(test_missing_library_exits_1_naming_it),
        cmocka_unit_test(test_missing_function_exits_1_naming_it),
        cmocka_unit_test(test_lazy_load_returns_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
