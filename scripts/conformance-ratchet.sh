#!/bin/sh
# The conformance ratchet: run the shared corpus and fail when fewer cases
# pass than testdata/conformance-baseline records.
set -u
pkg=${1:-./pkg}
run=../shared/conformance/run
base=$(cat testdata/conformance-baseline 2>/dev/null || echo 0)
if [ ! -f "$run" ]; then
    echo "conformance: $run not found (../shared must sit beside the checkout)" >&2
    exit 1
fi
echo "== conformance (baseline $base)"
line=$(python3 "$run" --pkg "$pkg" | tail -1)
echo "$line"
passed=$(echo "$line" | sed -n 's/^conformance: \([0-9]*\) passed.*/\1/p')
if [ -z "$passed" ]; then
    echo "conformance: could not read the result line" >&2
    exit 1
fi
if [ "$passed" -lt "$base" ]; then
    echo "conformance: $passed passed, below the baseline of $base" >&2
    exit 1
fi
if [ "$passed" -gt "$base" ]; then
    echo "conformance: $passed passed, above the baseline of $base: raise testdata/conformance-baseline"
fi
