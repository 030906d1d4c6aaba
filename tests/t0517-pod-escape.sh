#!/bin/sh
# pkg pod: a container with the default capability set cannot reach a host
# file by any path: /proc/self/root, /proc/1/root, `..` past its root,
# walking the whole tree, mounting (proc, bind, tmpfs), unmounting its
# root or /proc, entering another mount namespace, pivot_root; neither can
# a command started with `pkg pod exec`. Read-only /proc and /sys stay so.
. "$(dirname "$0")/test-lib.sh"
. "$TESTDATA/node/lib.sh"
need_root
node_setup || exit 1
cd "$TMP" || exit 1

# A host file with a name and content nothing else has; the container is
# told its host path, as an attacker would guess it.
secret=host-secret-$(basename "$TMP" | tr -c 'a-zA-Z0-9\n' -)
echo "content-$secret" >"$TMP/$secret"
hostpath=$TMP/$secret

# probe: tries every way in and prints REACHED/ALLOWED for each success.
cat >probe.sh <<EOP
p=$hostpath
for f in "\$p" "/proc/self/root\$p" "/proc/1/root\$p" "/proc/self/cwd\$p" \
    "/../../../..\$p" "/proc/self/root/../../..\$p"; do
    cat "\$f" 2>/dev/null | grep -q "content-$secret" && echo "REACHED \$f"
done
cd / && cd ../../.. && test -e ".\$p" && echo "REACHED dot-dot from cwd"
test "\$(ls -a /.. | sort | tr '\n' ' ')" = "\$(ls -a / | sort | tr '\n' ' ')" ||
    echo "REACHED /.. differs from /"
find / -path /proc -prune -o -path /sys -prune -o -name "$secret" -print 2>/dev/null |
    grep -q . && echo "REACHED by find"
mkdir -p /tmp/m
mount -t proc proc /tmp/m 2>/dev/null && echo "ALLOWED mount proc"
mount --bind / /tmp/m 2>/dev/null && echo "ALLOWED bind mount"
mount -t tmpfs tmpfs /tmp/m 2>/dev/null && echo "ALLOWED mount tmpfs"
mount -o remount,rw /sys 2>/dev/null && echo "ALLOWED remount /sys"
umount -l /proc 2>/dev/null && echo "ALLOWED umount /proc"
umount -l / 2>/dev/null && echo "ALLOWED umount /"
pivot_root /tmp /tmp/m 2>/dev/null && echo "ALLOWED pivot_root"
nsenter --mount=/proc/1/ns/mnt true 2>/dev/null && echo "ALLOWED setns mnt"
unshare -m true 2>/dev/null && echo "ALLOWED unshare mnt"
echo 1 >/proc/sys/kernel/sysrq 2>/dev/null && echo "ALLOWED write /proc/sys"
touch /sys/escape 2>/dev/null && echo "ALLOWED write /sys"
echo probe-done
EOP

{
    cat <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: esc
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: pkg.test/busybox:1
    command: ["sh", "-c"]
    args:
    - |
EOY
    sed 's/^/      /' probe.sh
    echo "      exec sleep 3600"
} >esc.yaml

test_expect_success 'a pod probing for a host file starts' '
    "$PKG" pod run -d -f esc.yaml >out 2>&1 &&
    wait_for 20 sh -c "\"$PKG\" pod logs esc | grep -q probe-done"
'
test_expect_success 'the probe ran as root with the default capabilities (no CAP_SYS_ADMIN)' '
    "$PKG" pod exec esc -- id -u >id && test "$(cat id)" = 0 &&
    "$PKG" pod exec esc -- cat /proc/1/status >st && cap=$(awk "/^CapEff/ {print \$2}" st) &&
    test -n "$cap" && test $((0x$cap >> 21 & 1)) = 0 && test $((0x$cap >> 18 & 1)) = 1
'
test_expect_success 'the container reached no host file and could not mount' '
    "$PKG" pod logs esc >log && test_grep "^probe-done$" log &&
    ! grep -E "^(REACHED|ALLOWED)" log
'
test_expect_success 'a command started with pod exec cannot either' '
    "$PKG" pod exec esc -- sh /dev/stdin <probe.sh >xlog 2>&1 &&
    test_grep "^probe-done$" xlog && ! grep -E "^(REACHED|ALLOWED)" xlog
'
test_expect_success 'the paths probed are right: on the host they reach the file' '
    grep -q "content-$secret" "/proc/self/root$hostpath" &&
    grep -q "content-$secret" "/../../..$hostpath"
'
test_expect_success 'pod rm cleans up' '
    "$PKG" pod rm esc --grace-period 0 >/dev/null && ! test -d "$PKG_HOME/pods/default_esc"
'

cat >priv.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: priv
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: pkg.test/busybox:1
    securityContext:
      privileged: true
    command: ["sh", "-c", "grep ^CapEff /proc/self/status"]
EOY
test_expect_success 'privileged: every capability the node holds (even when it lacks some)' '
    "$PKG" pod run -f priv.yaml >/dev/null 2>perr && test_grep "Succeeded" perr &&
    "$PKG" pod logs priv >pout && "$PKG" pod rm priv >/dev/null &&
    grep "^CapEff" /proc/self/status >want && test_cmp want pout
'
test_done
