# Helpers for the node runtime's end-to-end tests (tests/t05*.sh), sourced
# after tests/test-lib.sh. Everything they start is stopped by the cleanup
# hooks, also when a test fails.

NODE_TD=$TESTDATA/node

# need_root: skip the whole script (TAP plan 0) unless root.
need_root() {
    if [ "$(id -u)" != 0 ]; then
        echo "1..0 # SKIP needs root (namespaces, mounts, cgroups)"
        trap - EXIT
        rm -rf "$TMP"
        exit 0
    fi
}

# free_port: an unused TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# make_image KIND OUT [REF]: the busybox test image (see mkimage.sh).
make_image() {
    "$NODE_TD/mkimage.sh" "$@"
}

# start_registry: Debian's docker-registry on 127.0.0.1 with storage in
# $TMP/registry; sets REGISTRY (host:port) and REGISTRY_DATA.
start_registry() {
    _port=$(free_port)
    REGISTRY=127.0.0.1:$_port
    REGISTRY_DATA=$TMP/registry/data
    mkdir -p "$REGISTRY_DATA"
    cat >"$TMP/registry/config.yml" <<EOC
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $REGISTRY_DATA
  delete:
    enabled: true
http:
  addr: $REGISTRY
EOC
    docker-registry serve "$TMP/registry/config.yml" >"$TMP/registry/log" 2>&1 &
    REGISTRY_PID=$!
    test_cleanup "kill $REGISTRY_PID; wait $REGISTRY_PID"
    for _i in $(seq 1 100); do
        curl -sf "http://$REGISTRY/v2/" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "registry did not start:"; cat "$TMP/registry/log"
    return 1
}

# node_setup: what every pod test needs: a cgroup parent of its own
# (pkg-test-*, under pkg's own cgroup), the test image in the store, and a
# cleanup hook that stops the supervisor daemon (by its pid), removes every
# pod (processes, cgroups, mounts, namespaces) and the cgroup parent.
node_setup() {
    # Pods stay on loopback unless a test asks for the bridge (and runs in a
    # network namespace of its own).
    export PKG_NODE_NETWORK=${PKG_NODE_NETWORK:-none}
    export PKG_NODE_CGROUP_PARENT="pkg-test-$(basename "$TMP" | tr -c 'a-zA-Z0-9\n' -)"
    test_cleanup node_cleanup
    mkdir -p "$TMP/img"
    make_image layout "$TMP/img/lay" pkg.test/busybox:1 >/dev/null &&
        "$PKG" image import "$TMP/img/lay" >/dev/null
}

node_cleanup() {
    if [ -f "$PKG_HOME/node.pid" ]; then
        _p=$(cat "$PKG_HOME/node.pid")
        kill "$_p" 2>/dev/null
        for _i in $(seq 1 100); do kill -0 "$_p" 2>/dev/null || break; sleep 0.05; done
    fi
    for _d in "$PKG_HOME"/pods/*_*; do
        [ -d "$_d" ] || continue
        _k=$(basename "$_d")
        "$PKG" -n "${_k%%_*}" pod rm "${_k#*_}" --grace-period 0 >/dev/null 2>&1
    done
    # Anything still mounted under the scratch directory.
    grep " $TMP" /proc/mounts | cut -d" " -f2 | sort -r | while read -r _m; do
        umount -l "$_m" 2>/dev/null
    done
    find /sys/fs/cgroup -maxdepth 8 -depth -type d -name "$PKG_NODE_CGROUP_PARENT" 2>/dev/null |
        while read -r _c; do
            find "$_c" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
}

# pod_field NAME PYTHON-EXPR: evaluates EXPR over the pod's JSON (as `p`).
pod_field() {
    "$PKG" pod get "$1" -o json | python3 -c "import json,sys; p=json.load(sys.stdin); print($2)"
}

# wait_for SECONDS COMMAND...: retries COMMAND every 0.1 s.
wait_for() {
    _t=$1; shift
    _n=$((_t * 10))
    while [ $_n -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
        _n=$((_n - 1))
    done
    echo "timed out after ${_t}s: $*"
    return 1
}
