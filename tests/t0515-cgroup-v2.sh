#!/bin/sh
# cgroup v2 on a real cgroup2 hierarchy. This host is hybrid: the resource
# controllers are bound to v1 hierarchies, and its cgroup2 mount
# (/sys/fs/cgroup/unified) offers only hugetlb. So here, on real v2:
# placement with clone3(CLONE_INTO_CGROUP), exec joining the cgroup,
# cgroup.kill on stop, removal, pure-v2 detection (cgroup2 mounted on
# /sys/fs/cgroup in a private mount namespace), and the clear error when a
# limit needs a controller v2 cannot give. The limit files themselves
# (memory.max, cpu.max, cpu.weight, pids.max, subtree_control) are checked
# against a fake tree in engine/node/tests/test-cgroup.c.
. "$(dirname "$0")/test-lib.sh"
. "$TESTDATA/node/lib.sh"
need_root
if ! grep -q " cgroup2 " /proc/mounts; then
    echo "1..0 # SKIP no cgroup2 mount"
    exit 0
fi
node_setup || exit 1
cd "$TMP" || exit 1
export PKG_NODE_CGROUP=v2
V2=$(grep " cgroup2 " /proc/mounts | head -1 | cut -d" " -f2)

pod() { # NAME COMMAND [RESOURCES]
    cat <<EOY
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: pkg.test/busybox:1
    command: ["sh", "-c", "$2"]
${3:-}
EOY
}

test_expect_success 'a container is placed in its v2 cgroup at clone time' '
    pod v2 "sleep 3600 & sleep 3600" >v2.yaml && "$PKG" pod run -d -f v2.yaml >/dev/null &&
    wait_for 10 sh -c "\"$PKG\" pod ls | grep -q \"^v2  *1/1  *Running\"" &&
    uid=$(pod_field v2 "p[\"metadata\"][\"uid\"]") &&
    d="$V2/$PKG_NODE_CGROUP_PARENT/pod-$uid/main-0" && test -d "$d" &&
    test $(wc -l <"$d/cgroup.procs") = 2 &&
    pid=$(head -1 "$d/cgroup.procs") &&
    grep -q "^0::/$PKG_NODE_CGROUP_PARENT/pod-$uid/main-0$" /proc/$pid/cgroup &&
    grep -q "populated 1" "$d/cgroup.events"
'
test_expect_success 'exec joins the container'"'"'s v2 cgroup' '
    uid=$(pod_field v2 "p[\"metadata\"][\"uid\"]") &&
    "$PKG" pod exec v2 -- cat /proc/self/cgroup >cg &&
    grep -q "^0::/$PKG_NODE_CGROUP_PARENT/pod-$uid/main-0$" cg
'
test_expect_success 'stop empties the cgroup (cgroup.kill), rm removes it' '
    uid=$(pod_field v2 "p[\"metadata\"][\"uid\"]") &&
    d="$V2/$PKG_NODE_CGROUP_PARENT/pod-$uid" &&
    "$PKG" pod stop v2 >/dev/null && grep -q "populated 0" "$d/cgroup.events" &&
    "$PKG" pod rm v2 >/dev/null && ! test -d "$d"
'
cat >live.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: live
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: pkg.test/busybox:1
    command: ["sh", "-c", "echo started; sleep 3600 & sleep 3600"]
    livenessProbe:
      exec: {command: ["sh", "-c", "sleep 1; false"]}
      periodSeconds: 1
      failureThreshold: 1
EOY
test_expect_success 'a container killed through cgroup.kill restarts in the same cgroup and runs' '
    PKG_NODE_BACKOFF_SCALE=0.02 "$PKG" pod run -d -f live.yaml >/dev/null &&
    wait_for 20 sh -c "\"$PKG\" pod get live -o json | grep -q \"restartCount\\\": [2-9]\"" &&
    "$PKG" pod logs live --previous >prev && test_grep "^started$" prev &&
    "$PKG" pod rm live >/dev/null
'
test_expect_success 'a limit v2 cannot enforce here is a clear error, not a crash' '
    pod lim "true" "    resources: {limits: {memory: 32Mi}}" >lim.yaml &&
    "$PKG" pod run -d -f lim.yaml >/dev/null &&
    wait_for 10 sh -c "\"$PKG\" pod ls | grep -q \"^lim  *0/1  *CreateContainerError\"" &&
    pod_field lim "p[\"status\"][\"containerStatuses\"][0][\"state\"][\"waiting\"][\"message\"]" >m &&
    cat m && test_grep "cgroup v2 controller \"memory\" is not available in" m &&
    "$PKG" pod rm lim >/dev/null
'
test_expect_success 'pure v2 layout (cgroup2 on /sys/fs/cgroup, no v1) is detected and used' '
    pod pure "cat /proc/self/cgroup" | sed "s/terminationGracePeriodSeconds: 0/restartPolicy: Never/" >pure.yaml &&
    env -u PKG_NODE_CGROUP unshare -m sh -c "mount --make-rprivate / && umount -R /sys/fs/cgroup &&
        mount -t cgroup2 none /sys/fs/cgroup && \"$PKG\" pod run -f pure.yaml >/dev/null 2>&1 &&
        \"$PKG\" pod logs pure && \"$PKG\" pod get pure -o json | grep cgroupMode;
        python3 -c \"import json; print(json.load(open(\\\"$PKG_HOME/pods/default_pure/state.json\\\"))[\\\"runtime\\\"][\\\"cgroupMode\\\"])\";
        \"$PKG\" pod rm pure >/dev/null" >out &&
    cat out && test_grep "^0::/$PKG_NODE_CGROUP_PARENT/pod-.*/main-0$" out && test_grep "^v2$" out
'
cp "$NODE_TD/dev-probe.yaml" dev.yaml
test_expect_success 'device nodes: only the default devices open (eBPF device filter on real cgroup2)' '
    "$PKG" pod run -f dev.yaml >/dev/null 2>&1; "$PKG" pod logs dev >d && cat d &&
    printf "4\nmknod-ok\ndisk-denied\nmem-denied\n" >want &&
    grep -v "Operation not permitted" d >got && test_cmp want got && "$PKG" pod rm dev >/dev/null
'
test_done
