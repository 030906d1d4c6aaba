#!/bin/sh
# Developer tool: records expected.yaml of each helm pull case with the
# reference tools (kubectl kustomize v5.5 --enable-helm and helm v3.17),
# the chart served by `pkg repo serve` on loopback. Never used by pkg.
#   testdata/overlays/helm/regen.sh PKG [CASE...]
set -eu
pkg=$(realpath "$1")
shift
here=$(cd "$(dirname "$0")" && pwd)
helm=${HELM:-/root/.cache/pkg-reference/helm3}
tmp=$(mktemp -d)
srv=
trap '[ -n "$srv" ] && kill $srv; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/site" "$tmp/bin"
ln -s "$helm" "$tmp/bin/helm"
"$pkg" package "$here/chart/kapp" -d "$tmp/site" >/dev/null
"$pkg" repo serve "$tmp/site" --addr 127.0.0.1:0 >"$tmp/log" 2>&1 &
srv=$!
while ! grep -qs 'http://' "$tmp/log"; do sleep 0.1; done
url=$(sed -n '1s,.* at \(http://[^ ]*\)$,\1,p' "$tmp/log")
cd "$here/cases"
for c in ${@:-*}; do
    [ -f "$c/expected-error-contains" ] && continue
    rm -rf "$tmp/case" && cp -r "$c" "$tmp/case"
    sed "s#@URL@#$url#" "$c/kustomization.yaml.in" >"$tmp/case/kustomization.yaml"
    kubectl kustomize --enable-helm --helm-command "$tmp/bin/helm" "$tmp/case" >"$c/expected.yaml"
    (cd "$tmp/case" && find . -path ./kustomization.yaml -prune -o -type f -print | sort) >"$c/expected-files"
done
