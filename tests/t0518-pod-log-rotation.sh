#!/bin/sh
# pkg pod logs: container log rotation like the kubelet's
# (containerLogMaxSize, containerLogMaxFiles): the live file stays near the
# limit, at most MaxFiles files are kept, and `pod logs` (also --tail and
# -f across rotations) reads the kept part of the stream without a gap.
. "$(dirname "$0")/test-lib.sh"
. "$TESTDATA/node/lib.sh"
need_root
node_setup || exit 1
cd "$TMP" || exit 1

export PKG_NODE_CONTAINER_LOG_MAX_SIZE=16Ki PKG_NODE_CONTAINER_LOG_MAX_FILES=3
export PKG_NODE_CONTAINER_LOG_MONITOR_INTERVAL=0.2

# 8000 numbered lines (~90 KB) in batches, then END.
cat >rot.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: rot
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: pkg.test/busybox:1
    command: ["sh", "-c"]
    args:
    - |
      sleep 1
      i=0
      while [ $i -lt 8000 ]; do
        echo "line $i"; i=$((i + 1))
        [ $((i % 500)) = 0 ] && sleep 0.15
      done
      echo END
      exec sleep 3600
EOY

# contiguous FILE: the lines are "line N" with N rising by one, then END.
contiguous() {
    awk 'BEGIN { prev = -1; bad = 0 }
        /^END$/ { end = 1; next }
        { if ($1 != "line" || end || (prev >= 0 && $2 != prev + 1)) { bad = 1; print "at: " $0 }
          prev = $2 }
        END { if (bad || !end || prev != 7999) { print "prev=" prev " end=" end; exit 1 } }' "$1"
}

test_expect_success 'a pod writing 90 KB of log runs; logs -f follows it' '
    "$PKG" pod run -d -f rot.yaml >/dev/null && wait_for 20 "$PKG" pod logs rot &&
    { "$PKG" pod logs -f rot >follow.out 2>follow.err & echo $! >follow.pid; } &&
    wait_for 60 grep -q "^END$" follow.out
'
test_expect_success 'logs -f saw every line once, across the rotations' '
    kill "$(cat follow.pid)" 2>/dev/null; contiguous follow.out && test_grep "^line 0$" follow.out
'
test_cleanup 'test -f "$TMP/follow.pid" && kill "$(cat "$TMP/follow.pid")"'
log=$PKG_HOME/pods/default_rot/main.0.log
test_expect_success 'the log was rotated: at most 2 rotated files beside the live one' '
    sleep 1 && ls "$log".* >rotated && n=$(wc -l <rotated) &&
    test "$n" -ge 1 && test "$n" -le 2 &&
    grep -qE "main\.0\.log\.[0-9]{8}-[0-9]{6}\.[0-9]{9}$" rotated &&
    test $(($(stat -c "%b * %B" "$log"))) -le $((16384 + 4096))
'
test_expect_success 'pod logs reads the rotated files, then the live one, without a gap' '
    "$PKG" pod logs rot >all && contiguous all && ! grep -q "^line 0$" all
'
test_expect_success 'logs --tail counts lines across the files' '
    "$PKG" pod logs rot --tail 5 >t5 && printf "line 7996\nline 7997\nline 7998\nline 7999\nEND\n" >want &&
    test_cmp want t5 &&
    "$PKG" pod logs rot --tail 2500 >t2500 && test "$(wc -l <t2500)" = 2500 && contiguous t2500 &&
    "$PKG" pod logs rot --tail 0 >t0 && test ! -s t0 &&
    "$PKG" pod logs rot --tail 100000 >tall && test_cmp all tall
'
test_expect_success 'logs --previous reads the previous instance across its files' '
    pid=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"runtime\"][\"containers\"][\"main\"][\"pid\"])" \
        "$PKG_HOME/pods/default_rot/state.json") &&
    kill -9 "$pid" &&
    wait_for 30 sh -c "\"$PKG\" pod logs rot --previous >prev && grep -q ^END$ prev" &&
    contiguous prev
'
test_expect_success 'pod rm removes the rotated files with the pod' '
    "$PKG" pod rm rot --grace-period 0 >/dev/null && ! test -e "$PKG_HOME/pods/default_rot"
'
test_expect_success 'a bad setting is refused (exit 1), naming it, and leaves no pod' '
    PKG_NODE_CONTAINER_LOG_MAX_FILES=1 "$PKG" pod run --rm -f rot.yaml >out 2>err
    test $? = 1 && test_grep "PKG_NODE_CONTAINER_LOG_MAX_FILES: \"1\" is not a count" err &&
    ! test -e "$PKG_HOME/pods/default_rot"
'
test_done
