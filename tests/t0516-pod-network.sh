#!/bin/sh
# Bridge networking: pod addresses from a configurable range, pods reaching
# each other over the bridge, hostPort, /etc/hosts with the pod address.
# Everything runs in a network namespace this test creates (pkgt-*): the
# supervisor, its bridge and the pods' veths live and die there.
. "$(dirname "$0")/test-lib.sh"
. "$TESTDATA/node/lib.sh"
need_root
command -v nsenter >/dev/null && command -v ip >/dev/null || {
    echo "1..0 # SKIP needs nsenter and ip"
    exit 0
}
NS=pkgt-$(basename "$TMP" | tr -c 'a-zA-Z0-9\n' - | tail -c 9)
ip netns add "$NS" || exit 1
test_cleanup "ip netns del $NS"
ip -n "$NS" link set lo up
export PKG_NODE_NETWORK=bridge PKG_NODE_BRIDGE=pkgt0 PKG_NODE_POD_CIDR=10.244.7.0/24
node_setup || exit 1
cd "$TMP" || exit 1
IN="nsenter --net=/run/netns/$NS"

cat >srv.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: srv
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: web
    image: pkg.test/busybox:1
    command: ["httpd", "-f", "-p", "8080", "-h", "/var/www"]
    ports:
    - {containerPort: 8080, hostPort: 18080}
    # Ready only once httpd listens, so the client pod below cannot race it.
    readinessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
EOY
test_expect_success 'a pod gets an address from the range on eth0' '
    $IN "$PKG" pod run -d -f srv.yaml >/dev/null &&
    wait_for 20 sh -c "$IN \"$PKG\" pod ls | grep -q \"^srv  *1/1  *Running\"" &&
    $IN "$PKG" pod get srv -o json >srv.json &&
    ip=$(python3 -c "import json; print(json.load(open(\"srv.json\"))[\"status\"][\"podIP\"])") &&
    test "$ip" = 10.244.7.2 && $IN "$PKG" pod exec srv -- ip -4 addr show eth0 >a &&
    test_grep "inet 10.244.7.2/24" a && $IN "$PKG" pod exec srv -- cat /etc/hosts >h &&
    test_grep "^10.244.7.2	srv$" h && $IN ip link show pkgt0 >/dev/null
'
cat >cli.yaml <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: cli
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: pkg.test/busybox:1
    command: ["wget", "-q", "-O-", "http://10.244.7.2:8080/index.html"]
EOY
test_expect_success 'pods reach each other over the bridge' '
    $IN "$PKG" pod run -f cli.yaml >/dev/null 2>&1 && $IN "$PKG" pod logs cli >out &&
    test_grep "hello from the image" out &&
    $IN "$PKG" pod get cli -o json | grep -q "\"podIP\": \"10.244.7.3\""
'
test_expect_success 'hostPort forwards to the pod' '
    $IN busybox wget -q -O- http://127.0.0.1:18080/index.html >hp &&
    test_grep "hello from the image" hp
'
test_expect_success 'no link or address of the test reaches the host namespace' '
    ! ip -br link | grep -q "pkgt0\|pkgv" && ! ip -br addr | grep -q "10.244.7"
'
test_expect_success 'removing pods frees their addresses and veths' '
    $IN "$PKG" pod rm srv cli >/dev/null && test -z "$(ls "$PKG_HOME/net/ips")" &&
    ! $IN ip -br link | grep -q pkgv
'
test_done
