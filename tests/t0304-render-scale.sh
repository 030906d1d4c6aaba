#!/bin/sh
# Large trees stay linear: 6000 resources through namePrefix, namespace,
# labels, images, a generator and a JSON patch on every Deployment, under
# a CPU-time limit that the former quadratic steps (the duplicate-id check
# on append, the namespace transformer's conflict check, name-reference
# candidates for referrers without references) each broke by far.
. "$(dirname "$0")/test-lib.sh"

cd "$TMP" || exit 1
mkdir -p big
python3 - <<'EOF' || exit 1
docs = []
for i in range(6000):
    docs.append("""apiVersion: apps/v1
kind: Deployment
metadata:
  name: d%d
spec:
  replicas: 1
  selector: {matchLabels: {app: d%d}}
  template:
    metadata: {labels: {app: d%d}}
    spec:
      containers:
      - name: c
        image: nginx:1.%d
""" % (i, i, i, i))
open("big/r.yaml", "w").write("---\n".join(docs))
open("big/kustomization.yaml", "w").write("""resources: [r.yaml]
namePrefix: p-
namespace: scale
labels:
- pairs: {team: t}
  includeSelectors: true
images: [{name: nginx, newTag: x}]
configMapGenerator: [{name: c, literals: [a=b]}]
patches:
- target: {kind: Deployment}
  patch: |-
    - op: replace
      path: /spec/replicas
      value: 3
""")
EOF

test_expect_success '6000 resources build within 6 s of CPU time' '
    (ulimit -t 6 && "$PKG" render big >out) &&
    test "$(grep -c "^kind: Deployment" out)" = 6000 &&
    test "$(grep -c "^  replicas: 3" out)" = 6000 &&
    test "$(grep -c "^  namespace: scale" out)" = 6001 &&
    test_grep "^  name: p-d5999$" out
'
test_expect_success 'a namespace conflict among many resources is still found' '
    mkdir -p clash && cp big/r.yaml clash/ &&
    printf "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d17, namespace: scale}\n" >>clash/r.yaml.tmp &&
    { cat clash/r.yaml; printf "\n---\n"; cat clash/r.yaml.tmp; } >clash/all.yaml &&
    printf "resources: [all.yaml]\nnamespace: scale\n" >clash/kustomization.yaml &&
    ! (ulimit -t 6 && "$PKG" render clash >out 2>err) &&
    test_grep "namespace transformation produces ID conflict: Deployment.v1.apps/d17.scale" err
'
test_done
