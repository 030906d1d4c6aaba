/* Unit tests: container log rotation (node_log_rotate, node_log_files,
 * node_log_data_start, node_log_settings). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "engine/node/node-int.h"
#include "engine/node/node.h"

static char dir[64];

static int
setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/pkg-logs-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    struct pkg_err *e = NULL;
    fs_remove_all(dir, &e);
    pkg_err_free(e);
    return 0;
}

/* Appends lines first..last-1 ("line N\n") through an O_APPEND fd. */
static void
append_lines(int fd, int first, int last)
{
    char buf[32];
    for (int i = first; i < last; i++) {
        int n = snprintf(buf, sizeof(buf), "line %d\n", i);
        assert_int_equal(write(fd, buf, (size_t)n), n);
    }
}

/* The whole stream as `pkg pod logs` reads it. */
static char *
read_stream(const char *live)
{
    char **v;
    size_t n;
    struct pkg_err *e = NULL;
    assert_int_equal(node_log_files(&v, &n, live, &e), 0);
    struct sb out = SB_INIT;
    for (size_t i = 0; i < n; i++) {
        int fd = open(v[i], O_RDONLY);
        assert_true(fd >= 0);
        off_t at = i + 1 == n ? node_log_data_start(fd) : 0;
        char buf[4096];
        ssize_t k;
        while ((k = pread(fd, buf, sizeof(buf), at)) > 0) {
            sb_add(&out, buf, (size_t)k);
            at += k;
        }
        close(fd);
    }
    node_log_files_free(v, n);
    return sb_detach(&out, NULL);
}

static void
test_rotate_keeps_the_stream(void **state)
{
    (void)state;
    char live[128];
    snprintf(live, sizeof(live), "%s/main.0.log", dir);
    int fd = open(live, O_WRONLY | O_CREAT | O_APPEND, 0640);
    assert_true(fd >= 0);
    struct pkg_err *e = NULL;
    /* Below the limit: nothing happens. */
    append_lines(fd, 0, 100);
    assert_int_equal(node_log_rotate(live, 1 << 20, 3, &e), 0);
    char **v;
    size_t n;
    assert_int_equal(node_log_files(&v, &n, live, &e), 0);
    assert_int_equal(n, 1);
    node_log_files_free(v, n);
    /* Past it, several times: every rotated file ends a line, the live
     * file's data starts after them, and 3 files remain. */
    int next = 100;
    for (int round = 0; round < 4; round++) {
        append_lines(fd, next, next + 700);
        next += 700;
        assert_int_equal(node_log_rotate(live, 4096, 3, &e), 0);
        usleep(1000); /* distinct names */
    }
    append_lines(fd, next, next + 10);
    next += 10;
    assert_int_equal(node_log_files(&v, &n, live, &e), 0);
    assert_int_equal(n, 3);
    for (size_t i = 0; i + 1 < n; i++) {
        assert_non_null(strstr(v[i], "/main.0.log.2"));
        struct sb f = SB_INIT;
        assert_int_equal(sb_read_file(&f, v[i], 1 << 20, &e), 0);
        assert_true(f.len > 0 && f.buf[f.len - 1] == '\n' && !memchr(f.buf, 0, f.len));
        assert_true(i == 0 || !strncmp(f.buf, "line ", 5));
        sb_release(&f);
    }
    node_log_files_free(v, n);
    /* The stream: a run of consecutive lines up to the last one written. */
    char *s = read_stream(live);
    assert_null(memchr(s, 0, strlen(s)));
    int first = -1, prev = -1;
    for (char *p = s; *p; p = strchr(p, '\n') + 1) {
        int k;
        assert_int_equal(sscanf(p, "line %d", &k), 1);
        if (first < 0)
            first = k;
        else
            assert_int_equal(k, prev + 1);
        prev = k;
    }
    assert_true(first > 0); /* the oldest files were removed */
    assert_int_equal(prev, next - 1);
    free(s);
    /* The live file holds little data now. */
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    int rfd = open(live, O_RDONLY);
    assert_true(st.st_size - node_log_data_start(rfd) < 4096 + 16);
    close(rfd);
    close(fd);
}

static void
test_settings(void **state)
{
    (void)state;
    int64_t size;
    int files;
    double every;
    struct pkg_err *e = NULL;
    unsetenv("PKG_NODE_CONTAINER_LOG_MAX_SIZE");
    unsetenv("PKG_NODE_CONTAINER_LOG_MAX_FILES");
    unsetenv("PKG_NODE_CONTAINER_LOG_MONITOR_INTERVAL");
    assert_int_equal(node_log_settings(&size, &files, &every, &e), 0);
    assert_int_equal(size, 10 << 20);
    assert_int_equal(files, 5);
    assert_true(every == 10);
    static const struct {
        const char *var, *value;
        int rc;
    } cases[] = {
        {"PKG_NODE_CONTAINER_LOG_MAX_SIZE", "1Mi", 0},
        {"PKG_NODE_CONTAINER_LOG_MAX_SIZE", "0", 0},
        {"PKG_NODE_CONTAINER_LOG_MAX_SIZE", "ten", PKG_EINVAL},
        {"PKG_NODE_CONTAINER_LOG_MAX_FILES", "2", 0},
        {"PKG_NODE_CONTAINER_LOG_MAX_FILES", "1", PKG_EINVAL},
        {"PKG_NODE_CONTAINER_LOG_MAX_FILES", "5x", PKG_EINVAL},
        {"PKG_NODE_CONTAINER_LOG_MONITOR_INTERVAL", "0.5s", 0},
        {"PKG_NODE_CONTAINER_LOG_MONITOR_INTERVAL", "0", PKG_EINVAL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        setenv(cases[i].var, cases[i].value, 1);
        int rc = node_log_settings(&size, &files, &every, &e);
        assert_int_equal(rc, cases[i].rc);
        if (rc)
            assert_non_null(strstr(e->msg, cases[i].var));
        pkg_err_clear(&e);
        unsetenv(cases[i].var);
    }
    setenv("PKG_NODE_CONTAINER_LOG_MAX_SIZE", "1Mi", 1);
    assert_int_equal(node_log_settings(&size, &files, &every, &e), 0);
    assert_int_equal(size, 1 << 20);
    unsetenv("PKG_NODE_CONTAINER_LOG_MAX_SIZE");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rotate_keeps_the_stream, setup, teardown),
        cmocka_unit_test(test_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
