#!/bin/sh
# pkg repo index: the index helm repo index writes, field for field.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/repo-lib.sh"

ALL="alpha-1.0.0 alpha-1.2.0 alpha-1.2.3 alpha-1.2.10 alpha-1.3.0-rc.1 alpha-2.0.0 beta-0.1.0 gamma-3.1.4 lib-0.0.1"
for c in $ALL bad-version; do repo_fixture "$c" "$TMP/charts"; done
repo_fixture delta-1.0.0 "$TMP/charts/sub"
echo "not a chart" | gzip >"$TMP/charts/junk.tgz"
# Two levels down is not indexed (helm globs one level).
repo_fixture lib-0.0.1 "$TMP/charts/sub/deeper"

# Timestamps differ between any two runs; everything else must not.
strip_times() { sed -E 's/^( *"?(created|generated)"?:) .*/\1 T/' "$1"; }

test_expect_success 'repo index writes index.yaml and skips what is not a chart' '
    "$PKG" repo index charts 2>err &&
    test_grep "^apiVersion: v1" charts/index.yaml &&
    test_grep "skipping charts/junk.tgz" err &&
    test_grep "skipping charts/bad-version.tgz: validation: chart.metadata.version" err &&
    ! grep -q "name: bad" charts/index.yaml &&
    test_grep "sub/delta-1.0.0.tgz" charts/index.yaml &&
    test "$(grep -c "^    version: 0.0.1" charts/index.yaml)" = 1
'
test_expect_success 'entries sorted by name, versions newest first' '
    grep "^  [a-z]*:$" charts/index.yaml >names &&
    printf "  alpha:\n  beta:\n  delta:\n  gamma:\n  lib:\n" >want && test_cmp want names &&
    sed -n "/^  alpha:/,/^  beta:/p" charts/index.yaml | sed -n "s/^    version: //p" >vers &&
    printf "2.0.0\n1.3.0-rc.1\n1.2.10\n1.2.3\n1.2.0\n1.0.0\n" >want && test_cmp want vers
'
test_expect_success 'digest is the sha256 of the archive, created is RFC 3339 with nanoseconds' '
    d=$(sha256sum charts/beta-0.1.0.tgz | cut -d" " -f1) &&
    test_grep "digest: $d" charts/index.yaml &&
    grep -E "^    created: \"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})\"$" charts/index.yaml >c &&
    test "$(wc -l <c)" = 10 &&
    grep -E "^generated: \"" charts/index.yaml
'
test_expect_success 'no temporary files are left beside the index' '
    ls -a charts >ls && ! grep -q "^\.[^.]" ls
'

if [ -x "$HELM" ]; then
    cp -r "$TMP/charts" "$TMP/helm-charts"
    rm -f "$TMP/helm-charts/index.yaml"
    (cd "$TMP" && "$HELM" repo index helm-charts) >/dev/null 2>&1
    test_expect_success 'entries equal helm repo index field for field (except times)' '
        strip_times helm-charts/index.yaml >h && strip_times charts/index.yaml >p && test_cmp h p
    '
    test_expect_success 'with --url too' '
        "$PKG" repo index charts --url https://charts.example.com/stable 2>/dev/null &&
        "$HELM" repo index helm-charts --url https://charts.example.com/stable &&
        test_grep "https://charts.example.com/stable/sub/delta-1.0.0.tgz" charts/index.yaml &&
        strip_times helm-charts/index.yaml >h && strip_times charts/index.yaml >p && test_cmp h p
    '
    test_expect_success '--json writes what helm repo index --json writes' '
        "$PKG" repo index charts --json 2>/dev/null && "$HELM" repo index helm-charts --json &&
        strip_times helm-charts/index.yaml >h && strip_times charts/index.yaml >p && test_cmp h p
    '
    test_expect_success 'helm loads the index pkg wrote (strictly) and merges it' '
        "$PKG" repo index charts 2>/dev/null && mkdir -p empty &&
        "$HELM" repo index empty --merge charts/index.yaml &&
        strip_times empty/index.yaml >h && strip_times charts/index.yaml >p && test_cmp h p
    '
    test_expect_success '--merge keeps the entries of the old index as helm does' '
        mkdir -p m1 m2 m3 &&
        cp charts/alpha-1.0.0.tgz m1/ && cp charts/alpha-2.0.0.tgz charts/beta-0.1.0.tgz m2/ &&
        cp m2/*.tgz m3/ && "$HELM" repo index m1 && cp m1/index.yaml old.yaml &&
        "$PKG" repo index m2 --merge old.yaml && "$HELM" repo index m3 --merge old.yaml &&
        strip_times m3/index.yaml >h && strip_times m2/index.yaml >p && test_cmp h p &&
        grep -A3 "version: 1.0.0" m1/index.yaml >/dev/null &&
        old=$(grep "created:" m1/index.yaml) && grep -qF "$old" m2/index.yaml
    '
else
    test_skip 'compare with helm repo index' 'reference helm missing (run ../shared/tools/reference-tools)'
fi

test_expect_success '--merge with a missing file creates it empty first, as helm' '
    mkdir -p m4 && cp charts/lib-0.0.1.tgz m4/ &&
    "$PKG" repo index m4 --merge new-old.yaml && test_grep "^entries: {}" new-old.yaml &&
    test_grep "name: lib" m4/index.yaml
'
test_expect_code 1 'a malformed --merge index fails and writes nothing' '
    mkdir -p m5 && cp charts/lib-0.0.1.tgz m5/ && printf "apiVersion: v1\nentries: [\n" >broken.yaml &&
    "$PKG" repo index m5 --merge broken.yaml 2>err; rc=$?;
    test_grep "merge failed" err && test ! -e m5/index.yaml && exit $rc
'
test_expect_code 1 'a missing directory is an error' '
    "$PKG" repo index no-such-dir 2>err; rc=$?; test_grep "no-such-dir" err && exit $rc
'
test_expect_code 2 'repo index needs exactly one directory' '
    "$PKG" repo index 2>err; rc=$?; test_grep "requires 1 argument" err && exit $rc
'
test_done
