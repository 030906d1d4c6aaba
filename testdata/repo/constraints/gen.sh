#!/bin/sh
# Records helm's choice (IndexFile.Get, as `helm pull --version` uses it)
# for every case in cases.txt into expected.tsv. Needs the reference helm;
# run from this folder: ./gen.sh /path/to/helm
set -eu
HELM=${1:-/root/.cache/pkg-reference/helm3}
T=$(mktemp -d)
trap 'kill $PID 2>/dev/null; rm -rf "$T"' EXIT
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
lines = ["apiVersion: v1", "entries:"]
for row in open("versions.txt"):
    name, *vers = row.split()
    lines.append("  %s:" % name)
    for v in vers:
        f = "%s-%s.tgz" % (name, v)
        open("%s/%s" % (t, f), "w").write("x")
        lines += ["  - apiVersion: v2", "    name: %s" % name, "    version: %s" % v,
                  "    urls:", "    - %s" % f, "    created: \"2024-01-01T00:00:00Z\""]
lines.append("generated: \"2024-01-01T00:00:00Z\"")
open("%s/index.yaml" % t, "w").write("\n".join(lines) + "\n")
open("index.yaml", "w").write("\n".join(lines) + "\n")
PY
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$T" && exec python3 -m http.server --bind 127.0.0.1 "$PORT" >/dev/null 2>&1) &
PID=$!
sleep 1
export HELM_CONFIG_HOME=$T/h/c HELM_CACHE_HOME=$T/h/ca HELM_DATA_HOME=$T/h/d
"$HELM" repo add t "http://127.0.0.1:$PORT" >/dev/null
: >expected.tsv
grep -v '^#' cases.txt | while IFS='	' read -r chart c; do
    rm -rf "$T/out" && mkdir "$T/out"
    if "$HELM" pull "t/$chart" --version "$c" -d "$T/out" >/dev/null 2>&1; then
        got=$(ls "$T/out" | sed "s/^$chart-//; s/\.tgz\$//")
    else
        got=-
    fi
    printf '%s\t%s\t%s\n' "$chart" "$c" "$got" >>expected.tsv
done
