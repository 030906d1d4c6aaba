#!/bin/sh
# helmCharts with repo: charts missing from chartHome are pulled from a
# chart repository (here `pkg repo serve` on loopback) into
# chartHome[/NAME-VERSION]/NAME and inflated by pkg's chart renderer; the
# output and the pulled files equal what kubectl kustomize --enable-helm
# recorded (testdata/overlays/helm/regen.sh). nameTemplate, skipHooks,
# skipTests, apiVersions, kubeVersion, additionalValuesFiles and
# valuesMerge are covered by the cases.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/repo-lib.sh"

H=$TESTDATA/overlays/helm
cd "$TMP" || exit 1
mkdir -p site
"$PKG" package "$H/chart/kapp" -d site >/dev/null || exit 1
repo_serve web site || exit 1
U="http://127.0.0.1:$web_PORT/"
broken_port=$(repo_free_port)

# case_dir NAME [DIR]: a copy of the case in $TMP/DIR (default NAME) with
# the repository URL filled in
case_dir() {
    _to=${2:-$1}
    rm -rf "$_to" && cp -r "$H/cases/$1" "$_to" && rm -f "$_to/expected"* &&
        sed "s#@URL@#$U#" "$H/cases/$1/kustomization.yaml.in" >"$_to/kustomization.yaml"
}
files_of() {
    (cd "$1" && find . -path ./kustomization.yaml -prune -o -type f -print | sort)
}

for c in pull-crds-template pull-options; do
    test_expect_success "$c: pulled into chartHome and rendered like kubectl kustomize" '
        case_dir '$c' && "$PKG" render --enable-helm '$c' >out &&
        test_cmp "$H/cases/'$c'/expected.yaml" out &&
        grep -v "^./expected" "$H/cases/'$c'/expected-files" >want && files_of '$c' >got &&
        test_cmp want got
    '
done

test_expect_success 'a second build uses the pulled chart without the repository' '
    gets=$(grep -c "GET /kapp-0.3.1.tgz" web.log) && test "$gets" -ge 2 &&
    "$PKG" render --enable-helm pull-options >out &&
    test_cmp "$H/cases/pull-options/expected.yaml" out &&
    test "$(grep -c "GET /kapp-0.3.1.tgz" web.log)" = "$gets"
'
test_expect_success 'two builds pulling the same chart at once both succeed' '
    case_dir pull-crds-template twice &&
    { "$PKG" render --enable-helm twice >out1 2>err1 & "$PKG" render --enable-helm twice >out2 2>err2; wait $!; } &&
    test_cmp "$H/cases/pull-crds-template/expected.yaml" out1 &&
    test_cmp "$H/cases/pull-crds-template/expected.yaml" out2 &&
    test "$(ls -A twice/charts/kapp-0.3.1)" = kapp
'
test_expect_success 'pkg build prints the same as pkg render' '
    "$PKG" build --enable-helm pull-crds-template >out &&
    test_cmp "$H/cases/pull-crds-template/expected.yaml" out
'
for c in name-and-template missing-version; do
    test_expect_success "$c: fails naming the kustomization, nothing pulled" '
        case_dir '$c' && ! "$PKG" render --enable-helm '$c' >out 2>err &&
        test ! -s out && test_grep "'$c'/kustomization.yaml" err &&
        while read -r p; do test_grep "$p" err || exit 1; done <"$H/cases/'$c'/expected-error-contains" &&
        ! test -e '$c'/charts/kapp-9.9.9/kapp
    '
done
test_expect_success 'an unreachable repository is named' '
    mkdir -p down && printf "helmCharts:\n- name: kapp\n  repo: http://127.0.0.1:1/\n  releaseName: x\n" >down/kustomization.yaml &&
    ! "$PKG" render --enable-helm down >out 2>err && test ! -s out &&
    test_grep "pulling chart .kapp. from http://127.0.0.1:1/" err && ! test -e down/charts/kapp
'
test_expect_success 'a broken archive fails and leaves no half-pulled chart behind' '
    mkdir -p broken-site broken && printf "not a tarball" >broken-site/kapp-0.3.1.tgz &&
    cat >broken-site/index.yaml <<-EOF &&
	apiVersion: v1
	entries:
	  kapp:
	  - apiVersion: v2
	    name: kapp
	    version: 0.3.1
	    urls: [kapp-0.3.1.tgz]
	generated: "2024-01-01T00:00:00Z"
	EOF
    (cd broken-site && exec python3 -m http.server --bind 127.0.0.1 $broken_port) >broken.log 2>&1 &
    echo $! >broken.pid && repo_wait_port $broken_port &&
    printf "helmCharts:\n- name: kapp\n  repo: http://127.0.0.1:$broken_port/\n  version: 0.3.1\n  releaseName: x\n" >broken/kustomization.yaml &&
    ! "$PKG" render --enable-helm broken >out 2>err; kill $(cat broken.pid); test ! -s out &&
    test_grep "pulling chart .kapp. from" err &&
    test -z "$(ls -A broken/charts/kapp-0.3.1)"
'
test_expect_success 'an OCI repository is refused clearly' '
    mkdir -p oci && printf "helmCharts:\n- name: kapp\n  repo: oci://registry.invalid/charts\n" >oci/kustomization.yaml &&
    ! "$PKG" render --enable-helm oci 2>err && test_grep "OCI registry" err
'
test_expect_success 'without repo a missing chart is reported as kustomize does' '
    mkdir -p norepo && printf "helmCharts:\n- name: kapp\n  version: 1.0.0\n" >norepo/kustomization.yaml &&
    ! "$PKG" render --enable-helm norepo 2>err &&
    test_grep "no repo specified for pull, no chart found at .*norepo/charts/kapp" err
'
test_done
