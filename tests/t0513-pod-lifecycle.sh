#!/bin/sh
# pkg pod lifecycle: restart back-off and CrashLoopBackOff, liveness and
# readiness probes, init containers in order, sidecars, hooks.
#
# Time knob: PKG_NODE_BACKOFF_SCALE=0.02 turns Kubernetes' 10 s..5 min
# back-off into 0.2 s..6 s so the crash-loop test takes seconds, not
# minutes. Probes use periodSeconds: 1, the smallest Kubernetes allows.
. "$(dirname "$0")/test-lib.sh"
. "$TESTDATA/node/lib.sh"
need_root
node_setup || exit 1
cd "$TMP" || exit 1
export PKG_NODE_BACKOFF_SCALE=0.02

st() { # POD EXPR over the first container status `c`
    pod_field "$1" "(lambda c: $2)(p[\"status\"][\"containerStatuses\"][0])"
}

cat >crash.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: crash
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: pkg.test/busybox:1
    command: ["sh", "-c", "echo attempt; exit 3"]
EOY
test_expect_success 'a crashing container restarts with back-off and shows CrashLoopBackOff' '
    "$PKG" pod run -d -f crash.yaml >/dev/null &&
    wait_for 20 sh -c "test \$(\"$PKG\" pod get crash -o json | python3 -c \"import json,sys; print(json.load(sys.stdin)[\\\"status\\\"][\\\"containerStatuses\\\"][0][\\\"restartCount\\\"])\") -ge 3" &&
    wait_for 10 sh -c "\"$PKG\" pod ls | grep -q \"^crash  *0/1  *CrashLoopBackOff\"" &&
    st crash "c[\"state\"][\"waiting\"][\"message\"]" >msg &&
    grep -Eq "^back-off (20s|40s|1m20s|2m40s) restarting failed container=main pod=crash_default\(" msg &&
    st crash "c[\"lastState\"][\"terminated\"][\"exitCode\"]" >ec && test "$(cat ec)" = 3 &&
    st crash "c[\"lastState\"][\"terminated\"][\"reason\"]" >rs && test "$(cat rs)" = Error &&
    pod_field crash "p[\"status\"][\"phase\"]" >ph && test "$(cat ph)" = Running &&
    "$PKG" pod logs crash --previous >prev && test_grep "^attempt$" prev
'
test_expect_success 'back-off doubles: restarts slow down' '
    n1=$(st crash "c[\"restartCount\"]") && sleep 2 && n2=$(st crash "c[\"restartCount\"]") &&
    test $((n2 - n1)) -le 2 && "$PKG" pod rm crash >/dev/null
'

cat >live.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: live
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: pkg.test/busybox:1
    command: ["sh", "-c", "touch /tmp/healthy; sleep 2; rm /tmp/healthy; sleep 3600"]
    livenessProbe:
      exec: {command: ["cat", "/tmp/healthy"]}
      periodSeconds: 1
      failureThreshold: 2
EOY
test_expect_success 'a failing liveness probe restarts the container' '
    "$PKG" pod run -d -f live.yaml >/dev/null &&
    wait_for 20 sh -c "test \$(\"$PKG\" pod get live -o json | python3 -c \"import json,sys; print(json.load(sys.stdin)[\\\"status\\\"][\\\"containerStatuses\\\"][0][\\\"restartCount\\\"])\") -ge 1" &&
    st live "c[\"lastState\"][\"terminated\"][\"exitCode\"]" >ec && test "$(cat ec)" = 137 &&
    "$PKG" pod rm live >/dev/null
'

cat >startup.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: startup
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: pkg.test/busybox:1
    command: ["sh", "-c", "sleep 2; touch /tmp/started; sleep 3600"]
    startupProbe:
      exec: {command: ["test", "-e", "/tmp/started"]}
      periodSeconds: 1
      failureThreshold: 10
    livenessProbe:
      exec: {command: ["test", "-e", "/tmp/started"]}
      periodSeconds: 1
      failureThreshold: 1
EOY
test_expect_success 'a startup probe holds liveness back until it succeeds' '
    "$PKG" pod run -d -f startup.yaml >/dev/null &&
    wait_for 10 sh -c "\"$PKG\" pod ls | grep -q \"^startup  *0/1  *Running\"" &&
    st startup "c[\"started\"]" >s1 && test "$(cat s1)" = False &&
    wait_for 10 sh -c "\"$PKG\" pod ls | grep -q \"^startup  *1/1  *Running\"" &&
    st startup "(c[\"started\"], c[\"restartCount\"])" >s2 && test "$(cat s2)" = "(True, 0)" &&
    "$PKG" pod rm startup >/dev/null
'

cat >ready.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: ready
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: web
    image: pkg.test/busybox:1
    command: ["httpd", "-f", "-p", "8080", "-h", "/var/www"]
    readinessProbe:
      httpGet: {path: /ready.html, port: 8080}
      periodSeconds: 1
      failureThreshold: 1
  - name: tcp
    image: pkg.test/busybox:1
    command: ["sleep", "3600"]
    readinessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
EOY
ready_cond() {
    pod_field ready "[c[\"status\"] for c in p[\"status\"][\"conditions\"] if c[\"type\"] == \"Ready\"][0]"
}
test_expect_success 'readiness (httpGet) flips the Ready condition both ways' '
    "$PKG" pod run -d -f ready.yaml >/dev/null &&
    wait_for 10 sh -c "\"$PKG\" pod ls | grep -q \"^ready  *1/2  *Running\"" &&
    test "$(ready_cond)" = False &&
    "$PKG" pod exec ready -c web -- sh -c "echo ok >/var/www/ready.html" &&
    wait_for 10 sh -c "\"$PKG\" pod ls | grep -q \"^ready  *2/2  *Running\"" &&
    test "$(ready_cond)" = True &&
    "$PKG" pod exec ready -c web -- rm /var/www/ready.html &&
    wait_for 10 sh -c "\"$PKG\" pod ls | grep -q \"^ready  *1/2  *Running\"" &&
    test "$(ready_cond)" = False && "$PKG" pod rm ready >/dev/null
'

cat >init.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: init
spec:
  restartPolicy: Never
  volumes:
  - name: work
    emptyDir: {}
  initContainers:
  - name: first
    image: pkg.test/busybox:1
    command: ["sh", "-c", "sleep 0.3; echo first >> /work/order"]
    volumeMounts: [{name: work, mountPath: /work}]
  - name: second
    image: pkg.test/busybox:1
    command: ["sh", "-c", "echo second >> /work/order"]
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: main
    image: pkg.test/busybox:1
    command: ["sh", "-c", "echo main >> /work/order; cat /work/order"]
    volumeMounts: [{name: work, mountPath: /work}]
EOY
test_expect_success 'init containers run first and in order' '
    "$PKG" pod run -f init.yaml >/dev/null 2>&1 && "$PKG" pod logs init >order &&
    printf "first\nsecond\nmain\n" >want && test_cmp want order &&
    pod_field init "\" \".join(c[\"state\"][\"terminated\"][\"reason\"] for c in p[\"status\"][\"initContainerStatuses\"])" >r &&
    test "$(cat r)" = "Completed Completed" && "$PKG" pod rm init >/dev/null
'
test_expect_code 1 'a failing init container fails the pod (restartPolicy Never): Init:Error' '
    sed "s/echo second >> \/work\/order/exit 2/" init.yaml | sed "s/name: init$/name: initfail/" >initfail.yaml &&
    "$PKG" pod run -f initfail.yaml >/dev/null 2>&1; rc=$?
    "$PKG" pod ls >ls && test_grep "^initfail  *0/1  *Init:Error" ls &&
    pod_field initfail "p[\"status\"][\"containerStatuses\"][0][\"state\"][\"waiting\"][\"reason\"]" >w &&
    test "$(cat w)" = PodInitializing && "$PKG" pod rm initfail >/dev/null && exit $rc
'

mkdir -p hooks
cat >side.yaml <<EOY
apiVersion: v1
kind: Pod
metadata:
  name: side
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 2
  volumes:
  - name: out
    hostPath: {path: $TMP/hooks, type: Directory}
  initContainers:
  - name: logger
    image: pkg.test/busybox:1
    restartPolicy: Always
    command: ["sh", "-c", "trap 'echo sidecar-stopped >> /out/events; exit 0' TERM; echo sidecar-up >> /out/events; while :; do sleep 0.1; done"]
    volumeMounts: [{name: out, mountPath: /out}]
  containers:
  - name: main
    image: pkg.test/busybox:1
    command: ["sh", "-c", "sleep 0.5; echo main-done >> /out/events"]
    volumeMounts: [{name: out, mountPath: /out}]
    lifecycle:
      postStart:
        exec: {command: ["sh", "-c", "echo poststart >> /out/events"]}
EOY
test_expect_success 'a sidecar runs beside the main container and ends with the pod' '
    "$PKG" pod run -f side.yaml >/dev/null 2>&1 && cat hooks/events &&
    test_grep "^sidecar-up$" hooks/events && test_grep "^main-done$" hooks/events &&
    test_grep "^poststart$" hooks/events && test_grep "^sidecar-stopped$" hooks/events &&
    test "$(head -1 hooks/events)" = sidecar-up &&
    pod_field side "p[\"status\"][\"phase\"]" >ph && test "$(cat ph)" = Succeeded &&
    "$PKG" pod rm side >/dev/null
'

cat >stop.yaml <<EOY
apiVersion: v1
kind: Pod
metadata:
  name: stopper
spec:
  terminationGracePeriodSeconds: 5
  volumes:
  - name: out
    hostPath: {path: $TMP/hooks}
  containers:
  - name: main
    image: pkg.test/busybox:1
    command: ["sh", "-c", "trap 'echo got-term >> /out/stop; exit 0' TERM; while :; do sleep 0.1; done"]
    volumeMounts: [{name: out, mountPath: /out}]
    lifecycle:
      preStop:
        exec: {command: ["sh", "-c", "echo prestop >> /out/stop"]}
EOY
test_expect_success 'stop runs preStop, then SIGTERM, within the grace period' '
    "$PKG" pod run -d -f stop.yaml >/dev/null &&
    wait_for 10 sh -c "\"$PKG\" pod ls | grep -q \"^stopper  *1/1  *Running\"" &&
    "$PKG" pod stop stopper >/dev/null && printf "prestop\ngot-term\n" >want &&
    test_cmp want hooks/stop &&
    st stopper "c[\"state\"][\"terminated\"][\"exitCode\"]" >ec && test "$(cat ec)" = 0 &&
    "$PKG" pod rm stopper >/dev/null
'

# Adoption: a restarted supervisor watches containers it did not start
# (pidfd); their exit status still comes back, from the kernel's record
# for pidfd holders or the zombie they leave behind.
for n in a b; do
    cat >adopt-$n.yaml <<EOY
apiVersion: v1
kind: Pod
metadata:
  name: adopt-$n
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  volumes:
  - name: out
    hostPath: {path: $TMP/hooks}
  containers:
  - name: main
    image: pkg.test/busybox:1
    command: ["sh", "-c", "while [ ! -e /out/go-$n ]; do sleep 0.05; done; exit 5"]
    volumeMounts: [{name: out, mountPath: /out}]
EOY
done
restart_node() { # kills the supervisor daemon (-9) and starts a new one
    old=$(cat "$PKG_HOME/node.pid") && kill -9 "$old" &&
        wait_for 5 sh -c "! kill -0 $old" || return 1
    ("$PKG" node >node.log 2>&1 &)
    wait_for 10 sh -c "test -f $PKG_HOME/node.pid && test \"\$(cat $PKG_HOME/node.pid)\" != $old"
}
test_expect_success 'a container ending under a restarted supervisor keeps its exit status' '
    "$PKG" pod run -d -f adopt-a.yaml >/dev/null &&
    wait_for 10 sh -c "\"$PKG\" pod ls | grep -q \"^adopt-a  *1/1  *Running\"" &&
    restart_node && touch hooks/go-a &&
    wait_for 10 sh -c "\"$PKG\" pod ls | grep -q \"^adopt-a  *0/1  *Error\"" &&
    st adopt-a "(c[\"state\"][\"terminated\"][\"exitCode\"], c[\"state\"][\"terminated\"][\"reason\"])" >ec &&
    echo "(5, '"'"'Error'"'"')" >want && test_cmp want ec &&
    pod_field adopt-a "p[\"status\"][\"phase\"]" >ph && test "$(cat ph)" = Failed &&
    "$PKG" pod rm adopt-a >/dev/null
'
test_expect_success 'a container ending while no supervisor runs: its status, or ContainerStatusUnknown once reaped' '
    "$PKG" pod run -d -f adopt-b.yaml >/dev/null &&
    wait_for 10 sh -c "\"$PKG\" pod ls | grep -q \"^adopt-b  *1/1  *Running\"" &&
    pid=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"runtime\"][\"containers\"][\"main\"][\"pid\"])" \
        "$PKG_HOME/pods/default_adopt-b/state.json") && test "$pid" -gt 0 &&
    old=$(cat "$PKG_HOME/node.pid") && kill -9 "$old" && wait_for 5 sh -c "! kill -0 $old" &&
    touch hooks/go-b &&
    wait_for 10 sh -c "! test -d /proc/$pid || grep -q \"^$pid ([^)]*) Z\" /proc/$pid/stat" &&
    if test -d /proc/$pid; then want="(5, '"'"'Error'"'"')"; else want="(137, '"'"'ContainerStatusUnknown'"'"')"; fi &&
    ("$PKG" node >node.log 2>&1 &) &&
    wait_for 10 sh -c "test \"\$(cat $PKG_HOME/node.pid)\" != $old" &&
    wait_for 10 sh -c "\"$PKG\" pod get adopt-b -o json | grep -q terminated" &&
    st adopt-b "(c[\"state\"][\"terminated\"][\"exitCode\"], c[\"state\"][\"terminated\"][\"reason\"])" >ec &&
    echo "$want" >want && test_cmp want ec &&
    "$PKG" pod rm adopt-b >/dev/null
'
test_done
