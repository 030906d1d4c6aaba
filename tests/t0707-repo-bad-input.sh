#!/bin/sh
# Bad input on the client side: malformed indexes and entries, digest
# mismatches, URLs escaping the repository, wrong credentials, servers that
# hang, indexes over the size limit. Each fails clearly and leaves nothing
# half-written.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/repo-lib.sh"

for c in alpha-1.0.0 alpha-1.2.3 beta-0.1.0; do repo_fixture "$c" "$TMP/site/charts"; done
"$PKG" repo index "$TMP/site/charts" --url "http://placeholder/charts" 2>/dev/null
mkdir -p "$TMP/site/secret"
echo "top secret" >"$TMP/site/secret/alpha-9.9.9.tgz"
repo_static web "$TMP/site" || exit 1
W="http://127.0.0.1:$web_PORT"
# write_index DIR: site/DIR/index.yaml from stdin.
write_index() { mkdir -p "$TMP/site/$1" && cat >"$TMP/site/$1/index.yaml"; }
entry() { # name version url digest
    printf '  - apiVersion: v2\n    name: %s\n    version: %s\n    urls:\n    - %s\n    digest: %s\n    created: "2024-01-01T00:00:00Z"\n' "$@"
}
sum() { sha256sum "$TMP/site/charts/$1" | cut -d' ' -f1; }

{
    echo "apiVersion: v1"; echo "entries:"; echo "  alpha:"
    entry alpha 1.0.0 ../charts/alpha-1.0.0.tgz "$(sum alpha-1.0.0.tgz)"
    entry alpha not-a-version ../charts/alpha-1.2.3.tgz x
    echo "  beta:"
    entry beta 0.1.0 ../charts/beta-0.1.0.tgz "$(sum beta-0.1.0.tgz)"
} | write_index malformed-entry

test_expect_success 'an index with a malformed entry: the entry is skipped with a warning' '
    "$PKG" repo add me $W/malformed-entry >out 2>err &&
    test_grep "skipping loading invalid entry for chart \"alpha\" \"not-a-version\"" err &&
    "$PKG" search repo me/ --versions >out 2>/dev/null && test "$(grep -c "^me/" out)" = 2
'
printf 'apiVersion: v1\nentries:\n  alpha:\n  - name: alpha\n    version: 1.0.0\n    color: blue\n' | write_index unknown-field
printf 'apiVersion: v1\nentries:\n  alpha: [\n' | write_index not-yaml
printf 'entries: {}\n' | write_index no-api-version
test_expect_success 'indexes helm refuses are refused, and nothing is added' '
    for d in unknown-field not-yaml no-api-version; do
        ! "$PKG" repo add bad-$d $W/$d 2>err || exit 1
        test_grep "is not a valid chart repository" err || exit 1
        ! grep -q "bad-$d" home/repositories.yaml || exit 1
        ! test -e home/cache/repository/bad-$d-index.yaml || exit 1
    done &&
    "$PKG" repo add x $W/unknown-field 2>&1 | grep -q "unknown field \"color\"" ;
    "$PKG" repo add x $W/no-api-version 2>&1 | grep -q "no API version specified"
'
{
    echo "apiVersion: v1"; echo "entries:"; echo "  alpha:"
    entry alpha 1.0.0 ../charts/alpha-1.0.0.tgz 0000000000000000000000000000000000000000000000000000000000000000
} | write_index bad-digest
test_expect_code 1 'a digest mismatch is refused and the file is not kept' '
    "$PKG" repo add bd $W/bad-digest >/dev/null && mkdir -p dl &&
    "$PKG" pull bd/alpha -d dl 2>err; rc=$?;
    test_grep "digest mismatch" err && test -z "$(ls -A dl)"; exit $rc
'
test_expect_code 1 'a digest mismatch during dependency update leaves charts/ as it was' '
    mkdir -p app/charts && echo keep >app/charts/keep.txt &&
    printf "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: alpha\n  version: 1.0.0\n  repository: \"@bd\"\n" >app/Chart.yaml &&
    "$PKG" dependency update app --skip-refresh >out 2>err; rc=$?;
    test_grep "digest mismatch" err && test "$(ls -A app/charts)" = keep.txt &&
    ! test -e app/Chart.lock && ! ls app | grep -q tmpcharts; exit $rc
'
{
    echo "apiVersion: v1"; echo "entries:"; echo "  alpha:"
    entry alpha 9.9.9 ../secret/alpha-9.9.9.tgz x
    entry alpha 9.9.8 ../../../../etc/passwd x
    entry alpha 9.9.7 "'%2e%2e/secret/alpha-9.9.9.tgz'" x
} | write_index escape
test_expect_success 'chart URLs that climb out of the repository are refused' '
    "$PKG" repo add esc $W/escape >/dev/null && mkdir -p dl2 &&
    for v in 9.9.9 9.9.8 9.9.7; do
        ! "$PKG" pull esc/alpha --version $v -d dl2 2>err || exit 1
        test_grep "escapes the repository" err || exit 1
    done && test -z "$(ls -A dl2)" && ! grep -q "GET /secret" web.log &&
    ! grep -q "GET /etc/passwd" web.log
'
test_expect_success 'setup: a repository behind basic auth' '
    mkdir -p srvrepo && cp site/charts/alpha-1.0.0.tgz srvrepo/
'
repo_serve srv "$TMP/srvrepo" --username u --password right || exit 1
test_expect_success 'the server refuses ../../etc/passwd (with and without encoding)' '
    for p in /../../etc/passwd /%2e%2e/%2e%2e/etc/passwd "/alpha-1.0.0.tgz/../../../etc/passwd"; do
        code=$(curl -s --path-as-is -u u:right -o out -w "%{http_code}" "http://127.0.0.1:$srv_PORT$p") &&
        case $code in 403|404) ;; *) echo "$p: $code"; exit 1;; esac && ! grep -q root: out || exit 1
    done
'
test_expect_code 1 'wrong credentials: 401, clearly, and the repository is not added' '
    "$PKG" repo add priv http://127.0.0.1:$srv_PORT --username u --password wrong 2>err; rc=$?;
    test_grep "401" err && ! grep -q "name: priv" home/repositories.yaml; exit $rc
'
test_expect_success 'right credentials work' '
    "$PKG" repo add priv http://127.0.0.1:$srv_PORT --username u --password right >/dev/null &&
    mkdir -p dl3 && "$PKG" pull priv/alpha -d dl3 && test -f dl3/alpha-1.0.0.tgz
'

# Credentials go only to the repository's own host (helm's rule) unless
# --pass-credentials: an index on one origin pointing at archives on another.
mkdir -p "$TMP/site/other"
sed -e "s,^    - .*alpha-1.0.0.tgz,    - http://127.0.0.1:$srv_PORT/alpha-1.0.0.tgz," \
    "$TMP/site/charts/index.yaml" >"$TMP/site/other/index.yaml"
test_expect_success 'credentials are not sent to another host unless --pass-credentials' '
    "$PKG" repo add other $W/other --username u --password right >/dev/null && mkdir -p dl4 &&
    ! "$PKG" pull other/alpha --version 1.0.0 -d dl4 2>err && test_grep "401" err &&
    "$PKG" repo add other2 $W/other --username u --password right --pass-credentials >/dev/null &&
    "$PKG" pull other2/alpha --version 1.0.0 -d dl4 && test -f dl4/alpha-1.0.0.tgz
'

# A server that accepts connections and never answers, and one that stalls
# in the middle of a body.
HANG_PORT=$(repo_free_port)
python3 - "$HANG_PORT" >/dev/null 2>&1 <<'PY' &
import socket, sys, threading, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
held = []
def serve(c):
    try:
        req = c.recv(4096)
        if b"/partial/" in req:
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\napiVersion: v1\n")
    except OSError:
        pass
    held.append(c)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
HANG_PID=$!
test_cleanup "kill $HANG_PID 2>/dev/null; wait $HANG_PID 2>/dev/null"
repo_wait_port "$HANG_PORT"
test_expect_code 1 'a server that hangs times out instead of hanging pkg' '
    start=$(date +%s) &&
    PKG_REPO_STALL_TIMEOUT_MS=1500 "$PKG" repo add hang http://127.0.0.1:$HANG_PORT/x 2>err; rc=$?;
    end=$(date +%s) && test $((end - start)) -lt 10 && test_grep "timed out" err; exit $rc
'
test_expect_code 1 'a server that stalls mid-body times out too' '
    start=$(date +%s) &&
    PKG_REPO_STALL_TIMEOUT_MS=1500 "$PKG" repo add stall http://127.0.0.1:$HANG_PORT/partial/ 2>err; rc=$?;
    end=$(date +%s) && test $((end - start)) -lt 10 && test_grep "timed out" err; exit $rc
'
test_expect_code 1 'nothing listening: a clear connection error' '
    "$PKG" repo add gone http://127.0.0.1:$(repo_free_port) 2>err; rc=$?;
    test_grep "not a valid chart repository or cannot be reached" err; exit $rc
'

{
    echo "apiVersion: v1"; echo "entries:"; echo "  alpha:"
    i=0; while [ $i -lt 200 ]; do entry alpha "1.0.$i" a.tgz x; i=$((i+1)); done
} | write_index big
test_expect_code 1 'an index over the size limit is refused' '
    PKG_REPO_MAX_INDEX_BYTES=10000 "$PKG" repo add big $W/big 2>err; rc=$?;
    test_grep "larger than the limit of 10000 bytes" err && ! test -e home/cache/repository/big-index.yaml; exit $rc
'
mkdir -p "$TMP/site/huge"
truncate -s 101M "$TMP/site/huge/index.yaml"
test_expect_code 1 'the default limit (100 MiB) holds for a 101 MiB index' '
    "$PKG" repo add huge $W/huge 2>err; rc=$?;
    test_grep "larger than the limit of 104857600 bytes" err; exit $rc
'
test_expect_code 1 'a repository name with a slash is refused' '
    "$PKG" repo add a/b $W/charts 2>err; rc=$?; test_grep "contains .\/." err; exit $rc
'
test_expect_code 1 'only http and https URLs' '
    "$PKG" repo add f file:///etc 2>err; rc=$?; test_grep "could not find protocol handler for: file" err; exit $rc
'
test_done
