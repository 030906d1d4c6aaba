#!/bin/sh
# Developer tool: records each case's expected output with the reference
# tool (kubectl kustomize, Kustomize v5.5). Never used by pkg itself.
#   testdata/overlays/regen.sh [CASE...]
set -eu
cd "$(dirname "$0")/cases"
for c in ${@:-*}; do
    [ -d "$c" ] || continue
    flags=""
    [ -f "$c/flags" ] && flags=$(cat "$c/flags")
    case " $flags " in
    *" --enable-helm "*) flags="$flags --helm-command ${HELM:-/root/.cache/pkg-reference/helm3}" ;;
    esac
    if kubectl kustomize $flags "$c" >"$c/expected.yaml" 2>"$c/.err"; then
        rm -f "$c/.err" "$c/expected-error"
    else
        rm -f "$c/expected.yaml"
        sed -n 's/.*err="\(.*\)"$/\1/p' "$c/.err" >"$c/expected-error"
        rm -f "$c/.err"
    fi
done
