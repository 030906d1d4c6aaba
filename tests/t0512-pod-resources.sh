#!/bin/sh
# pkg pod resources: a memory limit OOM-kills and the status says
# OOMKilled; a cpu limit of 200m holds a busy loop near 0.2 CPU; a pids
# limit stops a fork bomb and the host stays fine.
. "$(dirname "$0")/test-lib.sh"
. "$TESTDATA/node/lib.sh"
need_root
node_setup || exit 1
cd "$TMP" || exit 1

pod() { # NAME RESTART RESOURCES-YAML SHELL-COMMAND
    cat <<EOY
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  restartPolicy: $2
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: pkg.test/busybox:1
    command: ["sh", "-c", "$4"]
    resources:
$3
EOY
}

# The container's directory in a v1 hierarchy (this host) or in cgroup2.
ctr_cgroup() { # POD CONTROLLER
    uid=$(pod_field "$1" "p[\"metadata\"][\"uid\"]")
    find /sys/fs/cgroup -type d -path "*/$PKG_NODE_CGROUP_PARENT/pod-$uid/main-0" 2>/dev/null |
        while read -r d; do [ -e "$d/$2" ] && echo "$d"; done | head -1
}

test_expect_success 'a 32Mi memory limit OOM-kills a container allocating 100MiB: OOMKilled' '
    pod oom Never "      limits: {memory: 32Mi}" "echo start; exec dd if=/dev/zero of=/dev/null bs=100M count=1" >oom.yaml &&
    "$PKG" pod run -f oom.yaml 2>/dev/null;
    pod_field oom "p[\"status\"][\"containerStatuses\"][0][\"state\"][\"terminated\"][\"reason\"]" >r &&
    test "$(cat r)" = OOMKilled &&
    pod_field oom "p[\"status\"][\"containerStatuses\"][0][\"state\"][\"terminated\"][\"exitCode\"]" >c &&
    test "$(cat c)" = 137 && "$PKG" pod logs oom | grep -q start &&
    "$PKG" pod ls >ls && test_grep "^oom  *0/1  *OOMKilled" ls && "$PKG" pod rm oom >/dev/null
'
test_expect_success 'the memory limit is in the cgroup' '
    pod mem Always "      limits: {memory: 48Mi}" "sleep 3600" >mem.yaml &&
    "$PKG" pod run -d -f mem.yaml >/dev/null &&
    wait_for 10 sh -c "\"$PKG\" pod ls | grep -q \"^mem  *1/1  *Running\"" &&
    d=$(ctr_cgroup mem memory.limit_in_bytes) && test -n "$d" &&
    test "$(cat "$d/memory.limit_in_bytes")" = 50331648 && "$PKG" pod rm mem >/dev/null
'
# The quota caps the loop at 0.2 CPU; on a loaded machine it may get less,
# so the lower bound is loose and the upper one tight.
test_expect_success 'a cpu limit of 200m holds a busy loop near 0.2 CPU' '
    pod cpu Always "      limits: {cpu: 200m}" "while :; do :; done" >cpu.yaml &&
    "$PKG" pod run -d -f cpu.yaml >/dev/null &&
    wait_for 10 sh -c "\"$PKG\" pod ls | grep -q \"^cpu  *1/1  *Running\"" &&
    d=$(ctr_cgroup cpu cpuacct.usage) && test -n "$d" &&
    test "$(cat $(ctr_cgroup cpu cpu.cfs_quota_us)/cpu.cfs_quota_us)" = 20000 &&
    sleep 0.5 && u1=$(cat "$d/cpuacct.usage") && t1=$(date +%s%N) && sleep 2 &&
    u2=$(cat "$d/cpuacct.usage") && t2=$(date +%s%N) &&
    python3 -c "import sys; r=($u2-$u1)/($t2-$t1); print(\"cpu=%.3f\" % r); sys.exit(0 if 0.05 <= r <= 0.26 else 1)" &&
    "$PKG" pod rm cpu >/dev/null
'
test_expect_success 'a pids limit stops a fork bomb and the host stays fine' '
    pod bomb Always "      limits: {pids: \"64\"}" "b() { b | b & }; b; sleep 3600" >bomb.yaml &&
    "$PKG" pod run -d -f bomb.yaml >/dev/null && sleep 2 &&
    d=$(ctr_cgroup bomb pids.current) && test -n "$d" &&
    test "$(cat "$d/pids.max")" = 64 && test "$(cat "$d/pids.current")" -le 64 &&
    test "$(cat "$d/pids.events" | cut -d" " -f2)" -gt 0 &&
    sh -c "true" && ls / >/dev/null &&
    "$PKG" pod rm bomb --grace-period 0 >/dev/null && ! test -d "$d"
'
test_expect_success 'requests map to cpu shares; qosClass follows Kubernetes' '
    pod qos Always "      requests: {cpu: 500m, memory: 16Mi}
      limits: {cpu: 500m, memory: 16Mi}" "sleep 3600" >qos.yaml &&
    "$PKG" pod run -d -f qos.yaml >/dev/null &&
    wait_for 10 sh -c "\"$PKG\" pod ls | grep -q \"^qos  *1/1  *Running\"" &&
    d=$(ctr_cgroup qos cpu.shares) && test "$(cat "$d/cpu.shares")" = 512 &&
    pod_field qos "p[\"status\"][\"qosClass\"]" >q && test "$(cat q)" = Guaranteed &&
    "$PKG" pod rm qos >/dev/null
'
test_expect_code 1 'a malformed quantity names its position' '
    pod badq Always "      limits: {memory: 12XB}" "true" >badq.yaml &&
    "$PKG" pod run -f badq.yaml 2>err; rc=$?; test_grep "badq.yaml:15:" err &&
    test_grep "12XB" err && exit $rc
'
test_done
