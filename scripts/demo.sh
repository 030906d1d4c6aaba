#!/bin/sh
# make demo: the main job on the embedded examples.
set -eu
pkg=${1:-./pkg}
echo "\$ pkg --help"
"$pkg" --help
echo
echo "\$ pkg yaml fmt --style helm testdata/demo/example.yaml"
"$pkg" yaml fmt --style helm testdata/demo/example.yaml
echo
echo "\$ pkg yaml fmt --style json testdata/demo/example.yaml"
"$pkg" yaml fmt --style json testdata/demo/example.yaml
echo
echo "\$ pkg yaml fmt testdata/demo/broken.yaml"
if "$pkg" yaml fmt testdata/demo/broken.yaml; then
    echo "demo: expected an error" >&2
    exit 1
fi
echo
echo "\$ pkg template demo testdata/charts/basic --set replicaCount=2 --show-only templates/deployment.yaml"
"$pkg" template demo testdata/charts/basic --set replicaCount=2 --show-only templates/deployment.yaml
echo
echo "\$ pkg template demo testdata/charts/bad-required   # a missing required value"
if "$pkg" template demo testdata/charts/bad-required; then
    echo "demo: expected an error" >&2
    exit 1
fi
echo
echo "\$ pkg render testdata/overlays/demo/overlays/prod   # base + prod overlay, as kubectl kustomize"
"$pkg" render testdata/overlays/demo/overlays/prod
echo
echo "\$ pkg render testdata/overlays/cases/nameref-rbac -o /tmp/pkg-demo-render   # one file a resource"
rm -rf /tmp/pkg-demo-render && mkdir -p /tmp/pkg-demo-render
"$pkg" render testdata/overlays/cases/nameref-rbac -o /tmp/pkg-demo-render
ls /tmp/pkg-demo-render
rm -rf /tmp/pkg-demo-render
echo
echo "\$ pkg render testdata/overlays/bad/unknown-field   # a typo in kustomization.yaml"
if "$pkg" render testdata/overlays/bad/unknown-field; then
    echo "demo: expected an error" >&2
    exit 1
fi

# Chart repositories: package, index, serve, add, search, pull (repo helper).
T=$(mktemp -d)
trap 'kill $SERVE_PID 2>/dev/null; rm -rf "$T"' EXIT
export PKG_HOME="$T/home"
echo
echo "\$ pkg package testdata/repo/charts/alpha-1.2.3 testdata/repo/charts/alpha-2.0.0 -d \$REPO --sign --key 'pkg test' --keyring testdata/repo/keys/secring.gpg"
"$pkg" package testdata/repo/charts/alpha-1.2.3 testdata/repo/charts/alpha-2.0.0 -d "$T/repo" \
    --sign --key 'pkg test' --keyring testdata/repo/keys/secring.gpg
echo "\$ pkg repo serve \$REPO --addr 127.0.0.1:0 &"
"$pkg" repo serve "$T/repo" --addr 127.0.0.1:0 >"$T/serve.log" 2>&1 &
SERVE_PID=$!
i=0
until grep -q "://127.0.0.1:" "$T/serve.log" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || { cat "$T/serve.log"; exit 1; }; sleep 0.05
done
head -1 "$T/serve.log"
url=$(sed -n '1s,.*\(http://127.0.0.1:[0-9]*\)/.*,\1,p' "$T/serve.log")
echo "\$ pkg repo add demo $url"
"$pkg" repo add demo "$url"
echo "\$ pkg search repo alpha --versions"
"$pkg" search repo alpha --versions
echo "\$ pkg pull demo/alpha --version '~1.2' --verify --keyring testdata/repo/keys/pubring.gpg -d \$OUT"
"$pkg" pull demo/alpha --version '~1.2' --verify --keyring testdata/repo/keys/pubring.gpg -d "$T/out"
ls "$T/out"

# The node runtime (node helper): the chart's kind of workload as a pod on
# this machine, no cluster. Needs root (namespaces, mounts, cgroups).
echo
if [ "$(id -u)" != 0 ]; then
    echo "(the node runtime needs root: skipping pkg pod run)"
    exit 0
fi
export PKG_NODE_NETWORK=none PKG_NODE_CGROUP_PARENT=pkg-demo
node_demo_cleanup() {
    set +e
    "$pkg" pod rm web --grace-period 0 >/dev/null 2>&1
    kill "$SERVE_PID" 2>/dev/null
    if [ -f "$PKG_HOME/node.pid" ]; then
        p=$(cat "$PKG_HOME/node.pid")
        kill "$p" 2>/dev/null
        for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
    fi
    find /sys/fs/cgroup -maxdepth 8 -depth -type d -name pkg-demo 2>/dev/null |
        while read -r d; do find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
    rm -rf "$T"
}
trap node_demo_cleanup EXIT
echo "\$ pkg image import \$IMAGE   # busybox as an OCI layout, built offline"
testdata/node/mkimage.sh layout "$T/img" pkg.demo/busybox:1 >/dev/null
"$pkg" image import "$T/img"
cat >"$T/web.yaml" <<'EOY'
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: httpd
    image: pkg.demo/busybox:1
    command: ["httpd", "-f", "-p", "127.0.0.1:18081", "-h", "/var/www"]
    readinessProbe:
      tcpSocket: {port: 18081}
      periodSeconds: 1
    resources:
      limits: {memory: 64Mi, cpu: 250m}
EOY
echo "\$ pkg pod run -d -f web.yaml"
"$pkg" pod run -d -f "$T/web.yaml"
i=0
until "$pkg" pod ls | grep -q "^web  *1/1  *Running"; do
    i=$((i + 1)); [ $i -lt 100 ] || { "$pkg" pod ls; exit 1; }; sleep 0.1
done
echo "\$ pkg pod ls"
"$pkg" pod ls
echo "\$ pkg pod exec web -- wget -q -O- http://127.0.0.1:18081/index.html"
"$pkg" pod exec web -- wget -q -O- http://127.0.0.1:18081/index.html
echo "\$ pkg pod rm web"
"$pkg" pod rm web --grace-period 0
