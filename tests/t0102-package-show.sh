#!/bin/sh
# pkg package (deterministic archives with helm's layout) and pkg show.
. "$(dirname "$0")/test-lib.sh"
C=$TESTDATA/charts
HELM=${HELM3:-/root/.cache/pkg-reference/helm3}

if echo "a: 1" | "$PKG" yaml fmt - >/dev/null 2>&1; then
test_expect_success 'package writes NAME-VERSION.tgz and says where' '
    mkdir d && "$PKG" package "$C/basic" -d d >out &&
    test_grep "^Successfully packaged chart and saved it to: d/basic-0.1.0.tgz" out &&
    test -f d/basic-0.1.0.tgz
'
test_expect_success 'the same chart gives the same bytes' '
    mkdir e && "$PKG" package "$C/basic" -d e >/dev/null && cmp d/basic-0.1.0.tgz e/basic-0.1.0.tgz
'
test_expect_success 'layout: NAME/ prefix, files only, mode 0644, owner 0, helm'"'"'s gzip header' '
    tar -tvzf d/basic-0.1.0.tgz >list &&
    ! grep -v "^-rw-r--r-- 0/0 " list &&
    test_grep " basic/Chart.yaml$" list && test_grep " basic/values.yaml$" list &&
    test_grep " basic/templates/_helpers.tpl$" list &&
    test_grep " basic/charts/sub/Chart.yaml$" list &&
    ! test_grep "ignored.txt" list &&
    head -c 64 d/basic-0.1.0.tgz | tr -c "[:print:]" . >hdr && test_grep "Helm" hdr
'
test_expect_success '--version and --app-version override Chart.yaml' '
    "$PKG" package "$C/basic" -d d --version 1.2.3 --app-version 9.9 >/dev/null &&
    tar -xzOf d/basic-1.2.3.tgz basic/Chart.yaml >cy &&
    test_grep "^version: 1.2.3$" cy && test_grep "^appVersion: \"9.9\"$" cy
'
if [ -x "$HELM" ]; then
test_expect_success 'helm reads the archive: show chart and template agree' '
    "$HELM" show chart d/basic-0.1.0.tgz >h && "$PKG" show chart d/basic-0.1.0.tgz >p &&
    test_cmp h p &&
    "$HELM" template r d/basic-0.1.0.tgz >h && "$PKG" template r d/basic-0.1.0.tgz >p &&
    test_cmp h p
'
else
    test_skip 'helm reads the archive' "no reference helm at $HELM"
fi
test_expect_success 'show chart prints the metadata as helm re-marshals it' '
    "$PKG" show chart "$C/basic" >out && test_grep "^name: basic$" out &&
    test_grep "^- condition: sub.enabled$" out
'
else
    test_skip 'package' 'YAML emit not in this build'
fi
test_expect_success 'show values prints values.yaml as is' '
    "$PKG" show values "$C/basic" >out && { cat "$C/basic/values.yaml"; echo; } >want &&
    test_cmp want out
'
test_expect_success 'show crds prints the CRD files' '
    "$PKG" show crds "$C/basic" >out && { cat "$C/basic/crds/widgets.yaml"; echo; } >want &&
    test_cmp want out
'
test_expect_success 'show readme of a chart without README prints nothing' '
    "$PKG" show readme "$C/basic" >out && test ! -s out
'
test_expect_code 2 'show with an unknown subcommand exits 2' '
    "$PKG" show nonsense "$C/basic"
'
test_expect_code 1 'package of a chart with an invalid Chart.yaml fails and writes nothing' '
    mkdir -p bad && printf "apiVersion: v2\nname: bad\n" >bad/Chart.yaml &&
    "$PKG" package bad -d out 2>err; rc=$?; test_grep "chart.metadata.version is required" err &&
    test ! -e out; exit $rc
'
test_done
