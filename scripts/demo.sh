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
