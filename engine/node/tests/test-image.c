/* Unit tests: image references, digests, the system call table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/node/node-int.h"

static void
test_ref_normalize(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"busybox", "docker.io/library/busybox:latest"},
        {"busybox:1.36", "docker.io/library/busybox:1.36"},
        {"library/busybox", "docker.io/library/busybox:latest"},
        {"user/app:v1", "docker.io/user/app:v1"},
        {"index.docker.io/user/app", "docker.io/user/app:latest"},
        {"quay.io/org/app:1", "quay.io/org/app:1"},
        {"localhost/app", "localhost/app:latest"},
        {"127.0.0.1:5000/a/b:c", "127.0.0.1:5000/a/b:c"},
        {"127.0.0.1:5000/a", "127.0.0.1:5000/a:latest"},
        {"app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
         "docker.io/library/app@sha256:"
         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
        {"Upper/case", NULL},
        {"a//b", NULL},
        {"app:", NULL},
        {"app@sha256:xyz", NULL},
        {"", NULL},
        {"-app", NULL},
    };
    struct arena *a = arena_new();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pkg_err *err = NULL;
        const char *got = node_ref_normalize(a, cases[i].in, &err);
        if (cases[i].out) {
            assert_non_null(got);
            assert_string_equal(got, cases[i].out);
        } else {
            assert_null(got);
            assert_non_null(err);
            assert_int_equal(err->code, PKG_EINVAL);
            pkg_err_free(err);
        }
    }
    arena_free(a);
}

static void
test_digest(void **state)
{
    (void)state;
    char d[72];
    node_sha256_buf("", 0, d);
    assert_string_equal(d,
                        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_true(node_digest_valid(d));
    assert_false(node_digest_valid("sha256:E3B0"));
    assert_false(node_digest_valid("md5:abc"));
    assert_false(node_digest_valid(NULL));
}

/* The in-memory digest (portable code) agrees with the streaming one
 * (libcrypto) at every padding boundary and across many blocks. */
static void
test_digest_buf_matches_stream(void **state)
{
    (void)state;
    static unsigned char buf[5000];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)(i * 131 + (i >> 7));
    static const size_t sizes[] = {0,   1,   3,   55,  56,  57,   63,   64,  65,
                                   119, 120, 127, 128, 129, 1000, 4999, 5000};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        char a[72], b[72];
        node_sha256_buf(buf, sizes[k], a);
        struct node_sha256 *h = node_sha256_new();
        /* Fed in uneven pieces. */
        for (size_t off = 0; off < sizes[k];) {
            size_t n = sizes[k] - off < 37 ? sizes[k] - off : 37;
            node_sha256_update(h, buf + off, n);
            off += n;
        }
        node_sha256_final(h, b);
        assert_string_equal(a, b);
    }
    char d[72];
    node_sha256_buf("abc", 3, d);
    assert_string_equal(d,
                        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static ssize_t
fail_write(int fd, const void *p, size_t n)
{
    (void)fd;
    (void)p;
    (void)n;
    errno = ENOSPC;
    return -1;
}

static void
test_syscall_table(void **state)
{
    (void)state;
    char path[] = "/tmp/pkg-unit.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct pkg_err *err = NULL;
    assert_int_equal(node_sys_override("write", (void *)fail_write), 0);
    assert_int_equal(node_write_file(path, "max", 3, false, &err), PKG_EIO);
    assert_non_null(strstr(err->msg, "write \"max\" to /tmp/pkg-unit."));
    assert_non_null(strstr(err->msg, "No space left on device"));
    pkg_err_free(err);
    err = NULL;
    node_sys_reset();
    assert_int_equal(node_write_file(path, "max", 3, false, &err), 0);
    assert_int_equal(node_sys_override("nosuchcall", NULL), PKG_ENOENT);
    unlink(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ref_normalize),
        cmocka_unit_test(test_digest),
        cmocka_unit_test(test_digest_buf_matches_stream),
        cmocka_unit_test(test_syscall_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
