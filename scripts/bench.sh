#!/bin/sh
# make bench: pkg against the reference tools, measured in the same run.
set -eu
pkg=${1:-./pkg}
echo "bench: no benchmarks yet"
