#!/bin/sh
# pkg repo serve: HTTP behaviour (conditional requests, HEAD, ranges, content
# types, health, confinement, bounds, auth, TLS, re-indexing, logging).
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/repo-lib.sh"

for c in alpha-1.0.0 alpha-1.2.3 beta-0.1.0; do repo_fixture "$c" "$TMP/repo"; done
repo_fixture delta-1.0.0 "$TMP/repo/sub"
printf 'secret\n' >"$TMP/outside.txt"
ln -s "$TMP/outside.txt" "$TMP/repo/evil.tgz"
repo_serve srv "$TMP/repo" --watch || exit 1
U="http://127.0.0.1:$srv_PORT"

# hdr URL [curl args]: status line and headers of a GET.
hdr() { _u=$1; shift; curl -sS -o /dev/null -D - "$@" "$_u" | tr -d '\r'; }

test_expect_success 'index.yaml: 200, YAML content type, ETag, Last-Modified, written to disk' '
    hdr $U/index.yaml >h && test_grep "^HTTP/1.1 200" h &&
    test_grep "^Content-Type: application/x-yaml" h && test_grep "^ETag: \"" h &&
    test_grep "^Last-Modified: " h &&
    curl -sS $U/index.yaml >got && test_cmp repo/index.yaml got
'
test_expect_success 'If-None-Match and If-Modified-Since give 304 without a body' '
    etag=$(sed -n "s/^ETag: //p" h) && lm=$(sed -n "s/^Last-Modified: //p" h) &&
    hdr $U/index.yaml -H "If-None-Match: $etag" >h2 && test_grep "^HTTP/1.1 304" h2 &&
    hdr $U/index.yaml -H "If-Modified-Since: $lm" >h3 && test_grep "^HTTP/1.1 304" h3 &&
    hdr $U/index.yaml -H "If-None-Match: \"other\"" >h4 && test_grep "^HTTP/1.1 200" h4 &&
    curl -sS -H "If-None-Match: $etag" $U/index.yaml >body && test ! -s body
'
test_expect_success 'archives: gzip content type, exact bytes, HEAD without body' '
    hdr $U/alpha-1.2.3.tgz >h && test_grep "^Content-Type: application/gzip" h &&
    test_grep "^Accept-Ranges: bytes" h &&
    curl -sS $U/alpha-1.2.3.tgz >a.tgz && cmp a.tgz repo/alpha-1.2.3.tgz &&
    curl -sS -I $U/alpha-1.2.3.tgz | tr -d "\r" >head &&
    test_grep "^Content-Length: $(wc -c <repo/alpha-1.2.3.tgz)" head &&
    curl -sS $U/sub/delta-1.0.0.tgz | cmp - repo/sub/delta-1.0.0.tgz
'
test_expect_success 'range requests: 206 with Content-Range, suffix ranges, 416 past the end' '
    size=$(wc -c <repo/alpha-1.2.3.tgz) &&
    hdr $U/alpha-1.2.3.tgz -r 0-9 >h && test_grep "^HTTP/1.1 206" h &&
    test_grep "^Content-Range: bytes 0-9/$size" h &&
    curl -sS -r 0-9 $U/alpha-1.2.3.tgz >part && test "$(wc -c <part)" = 10 &&
    head -c 10 repo/alpha-1.2.3.tgz | cmp - part &&
    curl -sS -r -5 $U/alpha-1.2.3.tgz | cmp - "$(tail -c 5 repo/alpha-1.2.3.tgz >t5 && echo t5)" &&
    hdr $U/alpha-1.2.3.tgz -r 99999999- >h && test_grep "^HTTP/1.1 416" h &&
    test_grep "^Content-Range: bytes \*/$size" h
'
test_expect_success 'archives answer conditional requests too' '
    etag=$(hdr $U/alpha-1.0.0.tgz | sed -n "s/^ETag: //p") && test -n "$etag" &&
    hdr $U/alpha-1.0.0.tgz -H "If-None-Match: $etag" | grep -q "^HTTP/1.1 304"
'
test_expect_success '/healthz reports JSON status' '
    curl -sS $U/healthz >hz &&
    python3 -c "import json,sys; d=json.load(open(\"hz\")); sys.exit(not (d[\"status\"]==\"ok\" and d[\"charts\"]==3 and d[\"versions\"]==4))"
'
test_expect_success 'paths that leave the repository are refused' '
    for p in /../../etc/passwd /%2e%2e/%2e%2e/etc/passwd /sub/../../outside.txt /..%2f..%2fetc/passwd; do
        code=$(curl -s --path-as-is -o out -w "%{http_code}" "$U$p") &&
        case $code in 403|404) ;; *) echo "$p gave $code"; exit 1;; esac &&
        ! grep -q "root:" out || exit 1
    done &&
    code=$(curl -s -o out -w "%{http_code}" $U/evil.tgz) && test "$code" = 403 && ! grep -q secret out &&
    code=$(curl -s -o /dev/null -w "%{http_code}" $U/.hidden.tgz) && test "$code" = 404 &&
    code=$(curl -s -o /dev/null -w "%{http_code}" $U/Chart.yaml) && test "$code" = 404
'
test_expect_success 'other methods and request bodies are refused' '
    test "$(curl -s -o /dev/null -w "%{http_code}" -X DELETE $U/alpha-1.0.0.tgz)" = 405 &&
    test "$(curl -s -o /dev/null -w "%{http_code}" -X POST -d x=1 $U/index.yaml)" = 405 &&
    test "$(curl -s -o /dev/null -w "%{http_code}" -X POST -d x=1 $U/api/charts)" = 403 &&
    test "$(curl -s -o /dev/null -w "%{http_code}" -X GET --data-binary @repo/alpha-1.0.0.tgz $U/index.yaml)" = 413
'
test_expect_success 'an endless chunked body on a GET is cut off, not read' '
    python3 - "$srv_PORT" <<-PY
	import socket, sys, time
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	s.sendall(b"GET /index.yaml HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
	t0 = time.time()
	try:
	    while time.time() - t0 < 10:
	        s.sendall(b"4000\r\n" + b"x" * 0x4000 + b"\r\n")
	except (BrokenPipeError, ConnectionResetError):
	    sys.exit(0)
	sys.exit("the server kept reading a body for 10 s")
	PY
'
test_expect_success 'oversized request headers are refused and the server lives on' '
    big=$(head -c 100000 /dev/zero | tr "\0" a) &&
    code=$(curl -s -o /dev/null -w "%{http_code}" -H "X-Big: $big" $U/index.yaml); test "$code" != 200 &&
    test "$(curl -s -o /dev/null -w "%{http_code}" $U/index.yaml)" = 200
'
test_expect_success '--watch re-indexes when a chart is added or removed' '
    repo_fixture alpha-2.0.0 repo && i=0 &&
    while ! curl -sS $U/index.yaml | grep -q "version: 2.0.0"; do
        i=$((i+1)); test $i -lt 60 || exit 1; sleep 0.1; done &&
    rm repo/alpha-1.0.0.tgz && i=0 &&
    while curl -sS $U/index.yaml | grep -q "version: 1.0.0"; do
        i=$((i+1)); test $i -lt 60 || exit 1; sleep 0.1; done &&
    test_grep "re-indexed" srv.log
'
test_expect_success 'one log line per request' '
    curl -sS -o /dev/null "$U/index.yaml?marker=42" &&
    test "$(grep -c "\"GET /index.yaml?marker=42 HTTP/1.1\" 200" srv.log)" = 1 ||
    test "$(grep -c "\"GET /index.yaml HTTP/1.1\" 200" srv.log)" -ge 1
'

# A second server: no --watch (SIGHUP), basic auth, connection limit.
mkdir -p "$TMP/repo2"
repo_fixture alpha-1.0.0 "$TMP/repo2"
repo_serve auth "$TMP/repo2" --username admin --password 's3cret' --max-connections 3 || exit 1
A="http://127.0.0.1:$auth_PORT"
test_expect_success 'basic auth: 401 with a challenge, then 200 with the right credentials' '
    hdr $A/index.yaml >h && test_grep "^HTTP/1.1 401" h && test_grep "^WWW-Authenticate: Basic" h &&
    test "$(curl -s -o /dev/null -w "%{http_code}" -u admin:wrong $A/index.yaml)" = 401 &&
    test "$(curl -s -o /dev/null -w "%{http_code}" -u nobody:s3cret $A/alpha-1.0.0.tgz)" = 401 &&
    test "$(curl -s -o /dev/null -w "%{http_code}" -u admin:s3cret $A/index.yaml)" = 200 &&
    test "$(curl -s -o /dev/null -w "%{http_code}" $A/healthz)" = 200
'
test_expect_success 'SIGHUP re-indexes' '
    repo_fixture alpha-1.2.3 repo2 && kill -HUP $auth_PID && i=0 &&
    while ! curl -sS -u admin:s3cret $A/index.yaml | grep -q "version: 1.2.3"; do
        i=$((i+1)); test $i -lt 60 || exit 1; sleep 0.1; done
'
test_expect_success 'the connection limit holds: excess connections are turned away' '
    python3 - "$auth_PORT" <<-PY
	import socket, sys, time, urllib.request, base64
	port = int(sys.argv[1])
	held = []
	for _ in range(3):
	    s = socket.create_connection(("127.0.0.1", port)); held.append(s)
	time.sleep(0.3)
	s = socket.create_connection(("127.0.0.1", port))
	s.settimeout(2)
	s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	try:
	    data = s.recv(100)
	except (ConnectionResetError, socket.timeout):
	    data = b""
	if data.startswith(b"HTTP/1.1 200"):
	    sys.exit("a 4th connection was served while 3 were held")
	for h in held: h.close()
	time.sleep(0.3)
	r = urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=3)
	sys.exit(0 if r.status == 200 else 1)
	PY
'

# TLS with a self-signed certificate for 127.0.0.1.
if command -v openssl >/dev/null; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
        -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
    repo_serve tls "$TMP/repo2" --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem" || exit 1
    test_expect_success 'TLS: served over HTTPS, verified against the CA file' '
        test_grep "https://127.0.0.1" tls.log &&
        curl -sS --cacert cert.pem https://127.0.0.1:$tls_PORT/index.yaml | grep -q "name: alpha" &&
        ! curl -sS https://127.0.0.1:$tls_PORT/index.yaml >/dev/null 2>&1
    '
    test_expect_success 'TLS: pkg repo add with --ca-file, and refuses an unknown CA' '
        ! "$PKG" repo add tls https://127.0.0.1:$tls_PORT 2>err && test_grep "not a valid chart repository" err &&
        "$PKG" repo add tls https://127.0.0.1:$tls_PORT --ca-file cert.pem &&
        "$PKG" repo add tls2 https://127.0.0.1:$tls_PORT --insecure-skip-tls-verify &&
        "$PKG" search repo tls/alpha | grep -q "tls/alpha"
    '
else
    test_skip 'TLS' 'openssl missing'
fi
test_expect_code 1 'serving a missing directory fails' '
    "$PKG" repo serve "$TMP/nope" --addr 127.0.0.1:0 2>err; rc=$?; test_grep "nope" err; exit $rc
'
test_expect_code 2 'a bad address is a usage error' '
    "$PKG" repo serve repo --addr nowhere 2>err; rc=$?; test_grep "invalid address" err; exit $rc
'
test_done
