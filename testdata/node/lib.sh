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
