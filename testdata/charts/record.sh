#!/bin/sh
# Re-records golden/*.out (and .err/.code) for cases.txt with helm v3.17.1.
# Usage: ./record.sh [NAME...]   (HELM3 overrides the helm binary)
set -eu
cd "$(dirname "$0")"
helm=${HELM3:-/root/.cache/pkg-reference/helm3}
grep -v '^#' cases.txt | while IFS='|' read -r name args; do
    name=$(echo "$name" | tr -d ' ')
    [ -n "$name" ] || continue
    if [ $# -gt 0 ]; then
        case " $* " in *" $name "*) ;; *) continue ;; esac
    fi
    set +e
    eval "\"$helm\" template $args" >"golden/$name.out" 2>"golden/$name.err"
    code=$?
    set -e
    rm -f "golden/$name.code"
    [ "$code" = 0 ] || echo "$code" >"golden/$name.code"
    [ -s "golden/$name.err" ] || rm -f "golden/$name.err"
    echo "recorded $name (exit $code)"
done
