#!/bin/sh
# Load: 10,000+ index requests from 50 concurrent clients without an error,
# and a 100 MB archive streamed without holding it in memory (peak RSS of
# the server and of the pulling client). Numbers are printed as TAP
# comments.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/repo-lib.sh"

for c in alpha-1.0.0 alpha-1.2.0 alpha-1.2.3 alpha-1.2.10 alpha-2.0.0 beta-0.1.0 gamma-3.1.4 lib-0.0.1; do
    repo_fixture "$c" "$TMP/repo"
done
# A 100 MB chart: 100,000,000 random bytes (within helm's 100 MiB
# decompressed limit), stored without compression so that building it is
# quick.
mkdir -p "$TMP/bigchart/templates"
printf 'apiVersion: v2\nname: huge\nversion: 1.0.0\ndescription: a 100 MB chart\n' >"$TMP/bigchart/Chart.yaml"
head -c 100000000 /dev/urandom >"$TMP/bigchart/payload.bin"
python3 - "$TMP/bigchart" "$TMP/repo/huge-1.0.0.tgz" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[2], "w:gz", compresslevel=0) as t:
    t.add(sys.argv[1], arcname="huge")
PY
rm -rf "$TMP/bigchart"
repo_serve srv "$TMP/repo" --quiet --max-connections 200 || exit 1
U="http://127.0.0.1:$srv_PORT"
hwm() { awk '/^VmHWM:/ {print $2}' /proc/$1/status; }

test_expect_success 'the 100 MB chart is indexed' '
    curl -sS $U/index.yaml | grep -q "name: huge" &&
    test "$(wc -c <repo/huge-1.0.0.tgz)" -gt 100000000
'
if command -v wrk >/dev/null; then
    test_expect_success '10,000+ index requests from 50 concurrent clients, no error (wrk)' '
        wrk -t2 -c50 -d4s --latency $U/index.yaml >wrk.out 2>&1 &&
        reqs=$(sed -n "s/^ *\([0-9]*\) requests in.*/\1/p" wrk.out) &&
        rps=$(sed -n "s/^Requests\/sec: *//p" wrk.out) &&
        echo "# load: $reqs index requests in 4 s, $rps requests/s, 50 connections" >&3 &&
        test "$reqs" -ge 10000 &&
        ! grep -q "Non-2xx\|Socket errors" wrk.out
    ' 3>&1
else
    test_expect_success '10,000 index requests from 50 concurrent clients, no error (python)' '
        python3 - $srv_PORT <<-PY >load.out &&
	import http.client, sys, threading, time
	port = int(sys.argv[1]); errors = []; done = [0]; lock = threading.Lock()
	def client():
	    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
	    for _ in range(200):
	        c.request("GET", "/index.yaml"); r = c.getresponse(); r.read()
	        if r.status != 200: errors.append(r.status)
	        with lock: done[0] += 1
	t0 = time.time(); ts = [threading.Thread(target=client) for _ in range(50)]
	[t.start() for t in ts]; [t.join() for t in ts]
	print(done[0], len(errors), int(done[0] / (time.time() - t0)))
	PY
        read n errs rps <load.out && echo "# load: $n requests, $rps requests/s" >&3 &&
        test "$n" = 10000 && test "$errs" = 0
    ' 3>&1
fi
test_expect_success 'the server streams 100 MB without holding it (peak RSS)' '
    # Indexing loaded the chart once, as helm does; reset the peak so that
    # it measures serving only (Linux: 5 > clear_refs).
    echo 5 >/proc/$srv_PID/clear_refs &&
    before=$(hwm $srv_PID) &&
    curl -sS $U/huge-1.0.0.tgz -o got1.tgz &&
    curl -sS -r 50000000- $U/huge-1.0.0.tgz -o got2.part &&
    after=$(hwm $srv_PID) &&
    cmp got1.tgz repo/huge-1.0.0.tgz && tail -c +50000001 repo/huge-1.0.0.tgz | cmp - got2.part &&
    echo "# server peak RSS: ${before} kB before, ${after} kB after serving 150 MB" >&3 &&
    test $((after - before)) -lt 20000 && test "$after" -lt 80000
' 3>&1
test_expect_success 'pkg pull streams it to disk with the digest checked (client peak RSS)' '
    "$PKG" repo add big $U >/dev/null && mkdir -p dl &&
    python3 - "$PKG" <<-PY >rss.out &&
	import resource, subprocess, sys
	subprocess.run([sys.argv[1], "pull", "big/huge", "-d", "dl"], check=True)
	print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
	PY
    rss=$(cat rss.out) && echo "# pkg pull of 100 MB: peak RSS $rss kB" >&3 &&
    cmp dl/huge-1.0.0.tgz repo/huge-1.0.0.tgz && test "$rss" -lt 60000
' 3>&1
test_done
