/* Unit tests: cgroup detection and the v1/v2 implementations against fake
 * cgroup trees in a temporary directory. mkdir goes through the system
 * call table, so a new fake cgroup gets the interface files the kernel
 * would show; writes land in plain files the test reads back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/node/node-int.h"
#include "engine/node/runtime.h"

static char root[256];
static const char *fake_controllers = "cpu memory pids";

static void
put(const char *path, const char *content)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static char *
get(const char *fmt, ...)
{
    static char buf[4096];
    char path[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* A v2 cgroup directory as the kernel makes it. */
static int
fake_mkdir_v2(const char *path, mode_t mode)
{
    if (mkdir(path, mode) < 0)
        return -1;
    static const char *const files[] = {"cgroup.procs",
                                        "cgroup.subtree_control",
                                        "memory.max",
                                        "memory.swap.max",
                                        "cpu.max",
                                        "cpu.weight",
                                        "pids.max",
                                        "cgroup.kill",
                                        NULL};
    char p[1024];
    for (size_t i = 0; files[i]; i++) {
        snprintf(p, sizeof(p), "%s/%s", path, files[i]);
        put(p, "");
    }
    snprintf(p, sizeof(p), "%s/cgroup.controllers", path);
    put(p, fake_controllers);
    snprintf(p, sizeof(p), "%s/cgroup.events", path);
    put(p, "populated 0\nfrozen 0\n");
    return 0;
}

static int
fake_mkdir_v1(const char *path, mode_t mode)
{
    if (mkdir(path, mode) < 0)
        return -1;
    static const char *const files[] = {"cgroup.procs",
                                        "memory.limit_in_bytes",
                                        "memory.memsw.limit_in_bytes",
                                        "cpu.cfs_period_us",
                                        "cpu.cfs_quota_us",
                                        "cpu.shares",
                                        "pids.max",
                                        "devices.allow",
                                        "devices.deny",
                                        NULL};
    char p[1024];
    for (size_t i = 0; files[i]; i++) {
        snprintf(p, sizeof(p), "%s/%s", path, files[i]);
        put(p, "");
    }
    return 0;
}

/* O_APPEND-like writes so several writes to one file can be checked. */
static ssize_t
append_write(int fd, const void *buf, size_t n)
{
    lseek(fd, 0, SEEK_END);
    ssize_t r = write(fd, buf, n);
    if (r > 0 && write(fd, "\n", 1) < 0)
        return -1;
    return r;
}

static int
setup_tree(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/pkg-unit-cg.XXXXXX");
    assert_non_null(mkdtemp(root));
    char p[1100];
    snprintf(p, sizeof(p), "%s/proc/self", root);
    struct pkg_err *err = NULL;
    assert_int_equal(fs_mkdir_p(p, 0755, &err), 0);
    return 0;
}

static int
teardown_tree(void **state)
{
    (void)state;
    node_sys_reset();
    struct pkg_err *err = NULL;
    fs_remove_all(root, &err);
    pkg_err_free(err);
    return 0;
}

static void
test_v2_limits(void **state)
{
    (void)state;
    char p[1100];
    snprintf(p, sizeof(p), "%s/proc/self/mountinfo", root);
    put(p, "25 1 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
    snprintf(p, sizeof(p), "%s/proc/self/cgroup", root);
    put(p, "0::/system.slice/pkg.service\n");
    snprintf(p, sizeof(p), "%s/fs/sys/fs/cgroup/system.slice/pkg.service", root);
    struct pkg_err *err = NULL;
    assert_int_equal(fs_mkdir_p(p, 0755, &err), 0);
    char base[512];
    snprintf(base, sizeof(base), "%s/fs/sys/fs/cgroup", root);
    fake_mkdir_v2(base, 0755) == 0 ? (void)0 : (void)0;
    node_sys_override("mkdir", (void *)fake_mkdir_v2);
    snprintf(p, sizeof(p), "%s/proc", root);
    char fsroot[512];
    snprintf(fsroot, sizeof(fsroot), "%s/fs", root);
    struct cg *cg = NULL;
    unsetenv("PKG_NODE_CGROUP");
    assert_int_equal(cg_open(&cg, p, fsroot, "pkg", &err), 0);
    assert_int_equal(cg->mode, CG_V2);
    assert_string_equal(cg->ops->name, "v2");
    char want[600];
    snprintf(want, sizeof(want), "%s/fs/sys/fs/cgroup/system.slice/pkg.service/pkg", root);
    assert_string_equal(cg->base, want);
    node_sys_override("write", (void *)append_write);
    assert_int_equal(cg->ops->create(cg, "pod-1/c", &err), 0);
    /* Controllers passed down at every level above the leaf. */
    char *sc = get("%s/cgroup.subtree_control", cg->base);
    assert_non_null(sc);
    assert_non_null(strstr(sc, "+cpu"));
    assert_non_null(strstr(sc, "+memory"));
    assert_non_null(strstr(sc, "+pids"));
    assert_non_null(strstr(get("%s/pod-1/cgroup.subtree_control", cg->base), "+memory"));
    struct cg_limits l = {
        .cpu_limit_milli = 200, .cpu_request_milli = 100, .mem_limit = 32 << 20, .pids_limit = 64};
    assert_int_equal(cg->ops->set_limits(cg, "pod-1/c", &l, &err), 0);
    assert_string_equal(get("%s/pod-1/c/memory.max", cg->base), "33554432\n");
    assert_string_equal(get("%s/pod-1/c/memory.swap.max", cg->base), "0\n");
    assert_string_equal(get("%s/pod-1/c/cpu.max", cg->base), "20000 100000\n");
    /* kubelet: 100m -> 102 shares -> weight 1 + (100 * 9999) / 262142 = 4 */
    assert_string_equal(get("%s/pod-1/c/cpu.weight", cg->base), "4\n");
    assert_string_equal(get("%s/pod-1/c/pids.max", cg->base), "64\n");
    assert_int_equal(cg->ops->attach(cg, "pod-1/c", 4242, &err), 0);
    assert_string_equal(get("%s/pod-1/c/cgroup.procs", cg->base), "4242\n");
    cg_free(cg);
    node_sys_reset();
}

static void
test_v2_missing_controller(void **state)
{
    (void)state;
    char p[1100], fsroot[512];
    snprintf(p, sizeof(p), "%s/proc/self/mountinfo", root);
    put(p, "30 25 0:26 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
    snprintf(p, sizeof(p), "%s/proc/self/cgroup", root);
    put(p, "0::/\n");
    snprintf(fsroot, sizeof(fsroot), "%s/fs2", root);
    snprintf(p, sizeof(p), "%s/sys/fs/cgroup", fsroot);
    struct pkg_err *err = NULL;
    assert_int_equal(fs_mkdir_p(p, 0755, &err), 0);
    fake_controllers = "hugetlb";
    snprintf(p, sizeof(p), "%s/sys/fs/cgroup/unified", fsroot);
    assert_int_equal(fake_mkdir_v2(p, 0755), 0);
    node_sys_override("mkdir", (void *)fake_mkdir_v2);
    snprintf(p, sizeof(p), "%s/proc", root);
    struct cg *cg = NULL;
    assert_int_equal(cg_open(&cg, p, fsroot, "pkg", &err), 0);
    assert_int_equal(cg->ops->create(cg, "pod-2/c", &err), 0);
    struct cg_limits l = {.mem_limit = 1 << 20};
    assert_int_equal(cg->ops->set_limits(cg, "pod-2/c", &l, &err), PKG_ENOTSUP);
    assert_non_null(strstr(err->msg, "cgroup v2 controller \"memory\" is not available"));
    assert_non_null(strstr(err->msg, "hugetlb"));
    pkg_err_free(err);
    fake_controllers = "cpu memory pids";
    cg_free(cg);
    node_sys_reset();
}

static void
test_v1_hybrid(void **state)
{
    (void)state;
    char p[1100], fsroot[512];
    snprintf(p, sizeof(p), "%s/proc/self/mountinfo", root);
    put(p, "30 25 0:26 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
           "31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
           "32 25 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
           "33 25 0:29 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
           "34 25 0:30 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices\n"
           "35 25 0:31 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n");
    snprintf(p, sizeof(p), "%s/proc/self/cgroup", root);
    put(p, "5:devices:/\n4:pids:/\n3:memory:/user/42\n2:cpu,cpuacct:/\n1:name=systemd:/\n0::/\n");
    snprintf(fsroot, sizeof(fsroot), "%s/fs3", root);
    static const char *const hs[] = {"cpu,cpuacct", "memory/user/42", "pids", "devices"};
    struct pkg_err *err = NULL;
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof(p), "%s/sys/fs/cgroup/%s", fsroot, hs[i]);
        assert_int_equal(fs_mkdir_p(p, 0755, &err), 0);
    }
    node_sys_override("mkdir", (void *)fake_mkdir_v1);
    snprintf(p, sizeof(p), "%s/proc", root);
    struct cg *cg = NULL;
    assert_int_equal(cg_open(&cg, p, fsroot, "pkg", &err), 0);
    assert_int_equal(cg->mode, CG_V1);
    assert_int_equal(cg->n_h, 4);
    assert_int_equal(cg->ops->create(cg, "pod-3/c", &err), 0);
    node_sys_override("write", (void *)append_write);
    struct cg_limits l = {.cpu_limit_milli = 1500,
                          .cpu_request_milli = 250,
                          .mem_limit = 64 << 20,
                          .pids_limit = 100,
                          .devices = true};
    assert_int_equal(cg->ops->set_limits(cg, "pod-3/c", &l, &err), 0);
    assert_string_equal(
        get("%s/sys/fs/cgroup/memory/user/42/pkg/pod-3/c/memory.limit_in_bytes", fsroot),
        "67108864\n");
    assert_string_equal(get("%s/sys/fs/cgroup/cpu,cpuacct/pkg/pod-3/c/cpu.cfs_quota_us", fsroot),
                        "150000\n");
    assert_string_equal(get("%s/sys/fs/cgroup/cpu,cpuacct/pkg/pod-3/c/cpu.shares", fsroot),
                        "256\n");
    assert_string_equal(get("%s/sys/fs/cgroup/pids/pkg/pod-3/c/pids.max", fsroot), "100\n");
    assert_string_equal(get("%s/sys/fs/cgroup/devices/pkg/pod-3/c/devices.deny", fsroot), "a\n");
    assert_non_null(
        strstr(get("%s/sys/fs/cgroup/devices/pkg/pod-3/c/devices.allow", fsroot), "c 1:3 rwm\n"));
    cg_free(cg);
    node_sys_reset();
}

static int
fail_mkdir(const char *path, mode_t mode)
{
    (void)path;
    (void)mode;
    errno = EACCES;
    return -1;
}

static void
test_errors_name_syscall_and_path(void **state)
{
    (void)state;
    char p[1100];
    snprintf(p, sizeof(p), "%s/proc/self/mountinfo", root);
    put(p, "25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    snprintf(p, sizeof(p), "%s/proc/self/cgroup", root);
    put(p, "0::/\n");
    snprintf(p, sizeof(p), "%s/proc", root);
    struct cg *cg = NULL;
    struct pkg_err *err = NULL;
    assert_int_equal(cg_open(&cg, p, root, "pkg", &err), 0);
    node_sys_override("mkdir", (void *)fail_mkdir);
    assert_int_equal(cg->ops->create(cg, "pod-4/c", &err), PKG_EPERM);
    assert_non_null(strstr(err->msg, "mkdir "));
    assert_non_null(strstr(err->msg, "/sys/fs/cgroup/pkg"));
    assert_non_null(strstr(err->msg, "Permission denied"));
    pkg_err_free(err);
    cg_free(cg);
    node_sys_reset();
    /* No cgroup file system at all. */
    snprintf(p, sizeof(p), "%s/proc/self/mountinfo", root);
    put(p, "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n");
    snprintf(p, sizeof(p), "%s/proc", root);
    err = NULL;
    assert_int_equal(cg_open(&cg, p, root, "pkg", &err), PKG_ENOTSUP);
    assert_non_null(strstr(err->msg, "cgroups unavailable"));
    pkg_err_free(err);
}

static void
test_kubelet_conversions(void **state)
{
    (void)state;
    assert_int_equal(cg_shares(0), 2);
    assert_int_equal(cg_shares(1), 2);
    assert_int_equal(cg_shares(1000), 1024);
    assert_int_equal(cg_weight(1000), 39);
    assert_int_equal(cg_weight(0), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_v2_limits, setup_tree, teardown_tree),
        cmocka_unit_test_setup_teardown(test_v2_missing_controller, setup_tree, teardown_tree),
        cmocka_unit_test_setup_teardown(test_v1_hybrid, setup_tree, teardown_tree),
        cmocka_unit_test_setup_teardown(test_errors_name_syscall_and_path, setup_tree,
                                        teardown_tree),
        cmocka_unit_test(test_kubelet_conversions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
