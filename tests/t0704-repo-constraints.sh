#!/bin/sh
# Version constraint resolution: pkg picks what helm picks (IndexFile.Get, as
# pull and template use it) on the recorded table, and live against helm
# for pull and search when the reference helm is there.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/repo-lib.sh"

C=$TESTDATA/repo/constraints
mkdir -p "$TMP/site"
cp "$C/index.yaml" "$TMP/site/"
for f in $(sed -n 's/^    - \(.*\.tgz\)$/\1/p' "$C/index.yaml"); do echo x >"$TMP/site/$f"; done
repo_static web "$TMP/site" || exit 1
# The table with a separator that is not IFS whitespace (an empty
# constraint is a case of its own).
US=$(printf '\037')
tr '\t' "$US" <"$C/expected.tsv" >"$TMP/cases"
U="http://127.0.0.1:$web_PORT"
"$PKG" repo add t "$U" >/dev/null

# pick CHART CONSTRAINT: the version `pkg pull` downloads, or "-".
pick() {
    rm -rf "$TMP/out" && mkdir "$TMP/out"
    if "$PKG" pull "t/$1" --version "$2" -d "$TMP/out" >/dev/null 2>&1; then
        ls "$TMP/out" | sed "s/^$1-//; s/\.tgz\$//"
    else
        echo -
    fi
}

test_expect_success "pull picks helm's version for every recorded case ($(wc -l <"$C/expected.tsv") cases)" '
    n=0 &&
    while IFS="$US" read -r chart c want; do
        got=$(pick "$chart" "$c") &&
        if [ "$got" != "$want" ]; then echo "$chart --version \"$c\": helm $want, pkg $got"; exit 1; fi
        n=$((n+1))
    done <cases && test $n -ge 30
'
if [ -x "$HELM" ]; then
    helm_env
    "$HELM" repo add t "$U" >/dev/null
    test_expect_success 'live: helm pull and pkg pull agree on every case' '
        while IFS="$US" read -r chart c want; do
            rm -rf hout && mkdir hout &&
            if "$HELM" pull "t/$chart" --version "$c" -d hout >/dev/null 2>&1; then
                h=$(ls hout | sed "s/^$chart-//; s/\.tgz\$//"); else h=-; fi
            p=$(pick "$chart" "$c") &&
            if [ "$h" != "$p" ]; then echo "$chart --version \"$c\": helm $h, pkg $p"; exit 1; fi
        done <cases
    '
    # Versions equal but for build metadata ("meta") tie in helm's sort and
    # come out in Go's random map order, so that chart is left out here.
    test_expect_success 'live: helm search and pkg search agree (--version, --versions, --devel)' '
        while IFS="$US" read -r chart c want; do
            [ -n "$c" ] && [ "$chart" != meta ] || continue
            for extra in "" "--versions" "--devel"; do
                "$HELM" search repo "t/$chart" --version "$c" $extra -o json >h 2>&1; hr=$?
                "$PKG" search repo "t/$chart" --version "$c" $extra -o json >p 2>&1; pr=$?
                if [ $hr != 0 ]; then [ $pr != 0 ] || { echo "helm failed, pkg did not: $c"; exit 1; }; continue; fi
                cmp -s h p || { echo "search t/$chart --version \"$c\" $extra:"; diff h p; exit 1; }
            done
        done <cases
    '
else
    test_skip 'live comparison with helm' 'reference helm missing'
fi
test_done
