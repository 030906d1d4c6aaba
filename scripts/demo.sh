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
