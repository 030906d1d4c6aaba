#!/bin/sh
# make bench: pkg against the reference tools, measured in the same run.
set -eu
pkg=${1:-./pkg}

# pkg template vs helm template on the conformance charts (chart helper).
if [ -d ../shared/conformance/helm ]; then
    python3 scripts/bench-template.py "$pkg" "${HELM3:-/root/.cache/pkg-reference/helm3}" \
        --runs "${BENCH_RUNS:-10}"
else
    echo "bench template: ../shared/conformance not found"
fi

# pkg render vs kubectl kustomize on the conformance kustomizations, and the
# git clone cache (overlay helper).
if [ -d ../shared/conformance/kustomize ]; then
    python3 scripts/bench-render.py "$pkg" --runs "${BENCH_RUNS:-10}"
else
    echo "bench render: ../shared/conformance not found"
fi

# Chart repositories (repo helper).
scripts/bench-repo.sh "$pkg"

# Node runtime: pod start vs crun/runc, memory per pod, restart time (node helper).
scripts/bench-node.sh "$pkg"
