#!/bin/sh
# pkg pod: isolation (processes, hostname, files), two containers over
# localhost, status as Kubernetes prints it, logs, exec, the supervisor
# daemon (run -d, stop, rm) and its restart finding running pods again.
. "$(dirname "$0")/test-lib.sh"
. "$TESTDATA/node/lib.sh"
need_root
node_setup || exit 1
cd "$TMP" || exit 1

cat >one.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: one
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: pkg.test/busybox:1
    command:
    - sh
    - -c
    - |
      echo "host=$(hostname)"
      echo "pid1=$(cat /proc/1/comm)"
      ps -o comm= >/tmp/ps; echo "others=$(grep -cvxE 'sh|ps' /tmp/ps)"
      test -e /host-marker && echo "SEES-HOST-FILE"
      echo "escape" > /written-by-pod
      cat /etc/motd; ls /old; test -e /etc/removed-by-layer2 || echo whiteout-ok
EOY
echo marker >"$TMP/host-marker"

test_expect_success 'a pod runs in the foreground and ends Succeeded' '
    "$PKG" pod run -f one.yaml >out 2>err && test_grep "pod/one created" out &&
    test_grep "pod/one Succeeded" err
'
test_expect_success 'its hostname is the pod name' '
    "$PKG" pod logs one >log && test_grep "^host=one$" log
'
test_expect_success 'it sees only its own processes' '
    test_grep "^pid1=sh$" log && test_grep "^others=0$" log
'
test_expect_success 'it cannot see or write host files; image layers and whiteouts apply' '
    ! grep -q SEES-HOST-FILE log && ! test -e /written-by-pod &&
    test_grep "pkg test image" log && test_grep "^fresh$" log && ! grep -q "^keep$" log &&
    test_grep whiteout-ok log
'
test_expect_success 'pod get -o json: phase, reason, exit code, conditions' '
    pod_field one "p[\"status\"][\"phase\"]" >v && test "$(cat v)" = Succeeded &&
    pod_field one "p[\"status\"][\"containerStatuses\"][0][\"state\"][\"terminated\"][\"reason\"]" >v &&
    test "$(cat v)" = Completed &&
    pod_field one "p[\"status\"][\"containerStatuses\"][0][\"state\"][\"terminated\"][\"exitCode\"]" >v &&
    test "$(cat v)" = 0 &&
    pod_field one "[c[\"type\"] for c in p[\"status\"][\"conditions\"]]" >v &&
    test_grep "Initialized" v && test_grep "ContainersReady" v &&
    pod_field one "p[\"metadata\"][\"uid\"]" | grep -qE "^[0-9a-f-]{36}$" &&
    "$PKG" pod get one -o json | head -2 | tail -1 | grep -q "^    \"apiVersion\": \"v1\","
'
test_expect_success 'pod get -o yaml prints the object as kubectl does' '
    "$PKG" pod get one -o yaml >y && head -3 y >h &&
    printf "apiVersion: v1\nkind: Pod\nmetadata:\n" >want && test_cmp want h &&
    test_grep "^  phase: Succeeded$" y && test_grep "^  - lastProbeTime: null$" y &&
    test_grep "^        reason: Completed$" y && test_grep "^  restartPolicy: Never$" y
'
test_expect_success 'pod ls prints kubectl columns' '
    "$PKG" pod ls >ls && test_grep "^NAME   READY   STATUS      RESTARTS   AGE$" ls &&
    test_grep "^one    0/1     Completed   0          [0-9]*[smh]$" ls
'
test_expect_success 'on ext2/3/4 the pods directory spreads its children (chattr +T)' '
    case $(stat -f -c %T "$PKG_HOME") in
    ext2/ext3) lsattr -d "$PKG_HOME/pods" | cut -d" " -f1 | grep -q T ;;
    *) true ;;
    esac
'
test_expect_success 'pod rm removes it and everything it had' '
    "$PKG" pod rm one && ! test -d "$PKG_HOME/pods/default_one" &&
    ! grep -q "$PKG_HOME/pods" /proc/mounts
'

cat >web.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: server
    image: pkg.test/busybox:1
    command: ["httpd", "-f", "-p", "8080", "-h", "/var/www"]
  - name: client
    image: pkg.test/busybox:1
    command: ["sh", "-c", "until wget -q -O- http://127.0.0.1:8080/index.html; do sleep 0.1; done; sleep 3600"]
EOY
cat >other.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: other
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: pkg.test/busybox:1
    command: ["sleep", "3600"]
EOY

test_expect_success 'run -d hands pods to the supervisor daemon' '
    "$PKG" pod run -d -f web.yaml >out && test_grep "pod/web created" out &&
    "$PKG" pod run -d -f other.yaml && test -f "$PKG_HOME/node.pid" &&
    wait_for 10 sh -c "\"$PKG\" pod ls | grep -q \"^web  *2/2  *Running\""
'
test_expect_success 'two containers of a pod talk over localhost' '
    wait_for 10 sh -c "\"$PKG\" pod logs web -c client | grep -q \"hello from the image\""
'
test_expect_success 'exec runs in the container; its exit status comes back' '
    "$PKG" pod exec web -c server -- sh -c "hostname; ps -o comm=" >ex && test_grep "^web$" ex &&
    test_grep "^httpd$" ex && ! grep -q sleep ex &&
    "$PKG" pod exec web -- sh -c "exit 7"; test $? = 7
'
test_expect_success 'a second pod cannot see the first one'"'"'s processes' '
    "$PKG" pod exec other -- ps -o comm= >ps2 && ! grep -q httpd ps2 && test_grep sleep ps2 &&
    "$PKG" pod exec other -- hostname >h && test "$(cat h)" = other
'
test_expect_success 'the containers run in the pod'"'"'s cgroups' '
    d=$(find /sys/fs/cgroup/memory -type d -path "*/$PKG_NODE_CGROUP_PARENT/pod-*/server-0" | head -1) &&
    test -n "$d" && grep -q . "$d/cgroup.procs"
'
test_expect_success 'a restarted supervisor finds its running pods again' '
    old=$(cat "$PKG_HOME/node.pid") && kill -9 "$old" &&
    wait_for 5 sh -c "! kill -0 $old" || exit 1
    ("$PKG" node >node.log 2>&1 &)
    wait_for 10 test -S "$PKG_HOME/node.sock" &&
    wait_for 10 sh -c "test \"\$(cat $PKG_HOME/node.pid)\" != $old" &&
    "$PKG" pod exec web -c server -- true &&
    "$PKG" pod stop web && pod_field web "p[\"status\"][\"containerStatuses\"][0][\"state\"][\"terminated\"][\"exitCode\"]" >v &&
    test "$(cat v)" = 137
'
cat >shared.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: shared
spec:
  shareProcessNamespace: true
  terminationGracePeriodSeconds: 0
  containers:
  - name: a
    image: pkg.test/busybox:1
    command: ["sh", "-c", "sleep 1; exit 1"]
  - name: b
    image: pkg.test/busybox:1
    command: ["sleep", "3601"]
EOY
test_expect_success 'shareProcessNamespace: one PID namespace under a pod init' '
    PKG_NODE_BACKOFF_SCALE=0.02 "$PKG" pod run -d -f shared.yaml >/dev/null &&
    wait_for 10 sh -c "\"$PKG\" pod exec shared -c b -- ps -o args= | grep -q \"sleep 1\"" &&
    "$PKG" pod exec shared -c b -- cat /proc/1/comm >c1 && test "$(cat c1)" = pkg-pod-init
'
test_expect_success 'a container of a shared PID namespace restarts; the others keep running' '
    wait_for 20 sh -c "\"$PKG\" pod get shared -o json | grep -q \"restartCount\\\": [1-9]\"" &&
    pod_field shared "[c[\"restartCount\"] for c in p[\"status\"][\"containerStatuses\"] if c[\"name\"] == \"b\"][0]" >rb &&
    test "$(cat rb)" = 0 && "$PKG" pod exec shared -c b -- ps -o args= >ps3 &&
    test_grep "sleep 3601" ps3 && "$PKG" pod rm shared >/dev/null
'
test_expect_success 'stop keeps the pod and its logs; rm removes it' '
    "$PKG" pod ls >ls && test_grep "^web " ls && "$PKG" pod logs web -c client >/dev/null &&
    "$PKG" pod rm web other && "$PKG" pod ls 2>&1 | grep -q "No resources found"
'
test_done
