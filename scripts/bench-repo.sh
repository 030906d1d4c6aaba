#!/bin/sh
# make bench, repository section: pkg against helm v3 on the same inputs —
# repo index over 300 archives, search over a 6,000-version index, and
# index.yaml throughput of `pkg repo serve` (wrk, 50 connections; python's
# http.server serving the same file for scale).
set -eu
pkg=$(cd "$(dirname "${1:-./pkg}")" && pwd)/$(basename "${1:-./pkg}")
helm=${HELM3:-/root/.cache/pkg-reference/helm3}
src=$(cd "$(dirname "$0")/.." && pwd)/testdata/repo/charts
T=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT
have() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]; }

# 300 archives: the fixture charts under 30 versions each.
mkdir -p "$T/charts"
for c in alpha-1.2.0 beta-0.1.0 gamma-3.1.4 lib-0.0.1 delta-1.0.0; do
    name=$(sed -n 's/^name: *//p' "$src/$c/Chart.yaml")
    for v in $(seq 1 60); do
        d="$T/work/$name-$v"
        mkdir -p "$d" && cp -r "$src/$c/." "$d/"
        sed -i "s/^version: .*/version: 1.$v.0/" "$d/Chart.yaml"
        (cd "$d" && tar --sort=name --mtime=@0 --transform "s,^\.,$name," -czf "$T/charts/$name-1.$v.0.tgz" .)
    done
done
echo "== repo index: $(ls "$T/charts" | wc -l) archives"
if have hyperfine && [ -x "$helm" ]; then
    hyperfine -N --warmup 1 --runs "${BENCH_RUNS:-10}" \
        "$pkg repo index $T/charts" "$helm repo index $T/charts" 2>/dev/null | grep -E "Time|±|faster|Benchmark"
else
    /usr/bin/time -f "pkg repo index: %e s, %M kB" "$pkg" repo index "$T/charts"
fi

# A large index: 6,000 versions of 200 charts.
python3 - "$T/big" <<'PY'
import os, sys
d = sys.argv[1]; os.makedirs(d)
with open(os.path.join(d, "index.yaml"), "w") as f:
    f.write("apiVersion: v1\nentries:\n")
    for c in range(200):
        f.write("  chart%03d:\n" % c)
        for v in range(30):
            f.write("  - apiVersion: v2\n    name: chart%03d\n    version: 1.%d.0\n"
                    "    description: Chart number %d, a web server and database bundle\n"
                    "    keywords: [web, database]\n    urls: [chart%03d-1.%d.0.tgz]\n"
                    "    digest: %064x\n    created: \"2024-01-01T00:00:00Z\"\n" % (c, v, c, c, v, c * 100 + v))
    f.write("generated: \"2024-01-01T00:00:00Z\"\n")
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$T/big" && exec python3 -m http.server --bind 127.0.0.1 "$port" >/dev/null 2>&1) &
pids="$pids $!"
sleep 1
export PKG_HOME="$T/pkghome" HELM_CONFIG_HOME="$T/h/c" HELM_CACHE_HOME="$T/h/ca" HELM_DATA_HOME="$T/h/d"
"$pkg" repo add big "http://127.0.0.1:$port" >/dev/null
echo "== search repo over $(grep -c '^  - ' "$T/big/index.yaml") versions ($(du -k "$T/big/index.yaml" | cut -f1) kB index)"
if have hyperfine && [ -x "$helm" ]; then
    "$helm" repo add big "http://127.0.0.1:$port" >/dev/null
    hyperfine -N --warmup 1 --runs "${BENCH_RUNS:-10}" \
        "$pkg search repo database --versions" "$helm search repo database --versions" 2>/dev/null |
        grep -E "Time|±|faster|Benchmark"
fi

echo "== repo serve: index.yaml requests, 50 connections, 5 s"
if have wrk; then
    "$pkg" repo serve "$T/charts" --addr 127.0.0.1:0 --quiet >"$T/serve.log" 2>/dev/null &
    pids="$pids $!"
    sleep 1
    sport=$(sed -n '1s,.*://127.0.0.1:\([0-9]*\)/.*,\1,p' "$T/serve.log")
    printf "pkg repo serve:      "
    wrk -t2 -c50 -d5s "http://127.0.0.1:$sport/index.yaml" | sed -n 's/^Requests\/sec: *//p' | sed 's/$/ requests\/s/'
    p2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    (cd "$T/charts" && exec python3 -m http.server --bind 127.0.0.1 "$p2" >/dev/null 2>&1) &
    pids="$pids $!"
    sleep 1
    printf "python3 http.server: "
    wrk -t2 -c50 -d5s "http://127.0.0.1:$p2/index.yaml" | sed -n 's/^Requests\/sec: *//p' | sed 's/$/ requests\/s/'
else
    echo "wrk missing (make deps)"
fi
