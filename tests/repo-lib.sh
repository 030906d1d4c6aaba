# repo-lib.sh: helpers for the repository tests (t07*): chart archives from
# testdata/repo/charts, free loopback ports, servers that are always killed.
# Source after test-lib.sh.

HELM=${HELM:-/root/.cache/pkg-reference/helm3}
REPO_CHARTS=$TESTDATA/repo/charts

# repo_tar SRC NAME OUT: pack a chart folder as helm package lays it out
# (NAME/ at the top), deterministically.
repo_tar() {
    (cd "$1" && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
        --transform "s,^\.,$2," -cf - .) | gzip -n >"$3"
}

# repo_fixture NAME-VERSION DEST_DIR: archive testdata/repo/charts/NAME-VERSION
# as DEST_DIR/NAME-VERSION.tgz (the chart name is what precedes the version).
repo_fixture() {
    _n=$(sed -n 's/^name: *//p' "$REPO_CHARTS/$1/Chart.yaml" | head -1)
    mkdir -p "$2"
    repo_tar "$REPO_CHARTS/$1" "$_n" "$2/$1.tgz"
}

# repo_free_port: a TCP port nothing listens on (bind-and-release).
repo_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# repo_wait_port PORT: wait until something accepts on 127.0.0.1:PORT.
repo_wait_port() {
    _i=0
    while [ $_i -lt 100 ]; do
        python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$1)))" 2>/dev/null && return 0
        sleep 0.05
        _i=$((_i + 1))
    done
    echo "nothing listens on port $1"
    return 1
}

# repo_serve NAME ARGS...: start `pkg repo serve ARGS --addr 127.0.0.1:0` in the
# background; sets NAME_PORT and NAME_PID, logs to $TMP/NAME.log, and makes
# sure the server is killed when the test ends.
repo_serve() {
    _name=$1
    shift
    "$PKG" repo serve "$@" --addr 127.0.0.1:0 >"$TMP/$_name.log" 2>"$TMP/$_name.err" &
    _pid=$!
    test_cleanup "kill $_pid 2>/dev/null; wait $_pid 2>/dev/null"
    eval "${_name}_PID=$_pid"
    _i=0
    while [ $_i -lt 200 ]; do
        _port=$(sed -n '1s,.*://127.0.0.1:\([0-9]*\)/.*,\1,p' "$TMP/$_name.log" 2>/dev/null)
        if [ -n "$_port" ]; then
            eval "${_name}_PORT=$_port"
            return 0
        fi
        kill -0 $_pid 2>/dev/null || { cat "$TMP/$_name.err"; return 1; }
        sleep 0.05
        _i=$((_i + 1))
    done
    echo "server $_name did not start"
    cat "$TMP/$_name.err"
    return 1
}

# repo_static NAME DIR: serve DIR with python's http.server on a free port.
repo_static() {
    _p=$(repo_free_port)
    (cd "$2" && exec python3 -m http.server --bind 127.0.0.1 "$_p") >"$TMP/$1.log" 2>&1 &
    _pid=$!
    test_cleanup "kill $_pid 2>/dev/null; wait $_pid 2>/dev/null"
    eval "${1}_PID=$_pid ${1}_PORT=$_p"
    repo_wait_port "$_p"
}

# helm_env: isolate the reference helm client inside $TMP.
helm_env() {
    export HELM_CONFIG_HOME="$TMP/helm/config" HELM_CACHE_HOME="$TMP/helm/cache" \
        HELM_DATA_HOME="$TMP/helm/data"
    mkdir -p "$HELM_CONFIG_HOME" "$HELM_CACHE_HOME" "$HELM_DATA_HOME"
}
