#!/bin/sh
# pkg render / pkg build: kustomizations built like kubectl kustomize, the
# flags, -o, and every kind of bad input failing with a clear message
# naming the kustomization, exit 1 and nothing on stdout.
. "$(dirname "$0")/test-lib.sh"

CASES=$TESTDATA/overlays/cases

# fail_with DIR PATTERN...: render DIR must exit 1, print nothing, and say
# each PATTERN on stderr.
fail_with() {
    _d=$1
    shift
    "$PKG" render "$_d" >out 2>err
    _rc=$?
    [ $_rc -eq 1 ] || { echo "exit $_rc"; cat err; return 1; }
    [ ! -s out ] || { echo "stdout not empty"; cat out; return 1; }
    for _p in "$@"; do test_grep "$_p" err || return 1; done
}

test_expect_success 'renders a recorded case byte for byte' '
    "$PKG" render "$CASES/smp-workload" >out && test_cmp "$CASES/smp-workload/expected.yaml" out
'
test_expect_success 'pkg build and render -k print the same' '
    "$PKG" build "$CASES/nameref-rbac" >a && "$PKG" render -k "$CASES/nameref-rbac" >b &&
    test_cmp a b && test_cmp "$CASES/nameref-rbac/expected.yaml" a
'
test_expect_success 'default directory is .' '
    (cd "$CASES/images-replicas" && "$PKG" render) >out &&
    test_cmp "$CASES/images-replicas/expected.yaml" out
'
test_expect_success 'deprecated fields warn on stderr only' '
    "$PKG" render "$CASES/vars-legacy" >out 2>err &&
    test_grep "# Warning: .vars. is deprecated" err && test_cmp "$CASES/vars-legacy/expected.yaml" out
'
test_expect_success '-o DIR writes one file per resource' '
    mkdir outdir && "$PKG" render "$CASES/nameref-rbac" -o outdir &&
    test -f outdir/v1_configmap_pre-cfg-suf.yaml &&
    test -f outdir/rbac.authorization.k8s.io_v1_clusterrole_pre-reader-suf.yaml &&
    test_grep "^kind: ConfigMap" outdir/v1_configmap_pre-cfg-suf.yaml &&
    test $(ls outdir | wc -l) -eq 13
'
test_expect_success '-o DIR prefixes namespaces when there are several' '
    mkdir -p twons outdir2 &&
    printf "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: A, namespace: One}\n---\n" >twons/r.yaml &&
    printf "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n---\n" >>twons/r.yaml &&
    printf "apiVersion: v1\nkind: Namespace\nmetadata: {name: One}\n" >>twons/r.yaml &&
    printf "resources: [r.yaml]\n" >twons/kustomization.yaml &&
    "$PKG" render twons -o outdir2 &&
    test -f outdir2/one_v1_configmap_a.yaml && test -f outdir2/default_v1_configmap_b.yaml &&
    test -f outdir2/v1_namespace_one.yaml
'
test_expect_success '-o FILE writes the stream' '
    "$PKG" render "$CASES/smp-workload" -o stream.yaml &&
    test_cmp "$CASES/smp-workload/expected.yaml" stream.yaml
'

# bad input (fixtures in the scratch directory)
cd "$TMP" || exit 1
mkdir -p bad/missing bad/cycle/a bad/cycle/b bad/nopatch bad/gens bad/yaml bad/escape/app \
    bad/unknown bad/type bad/nokust bad/dup bad/comp bad/kind
printf 'resources:\n- nope.yaml\n' >bad/missing/kustomization.yaml
printf 'resources:\n- ../b\n' >bad/cycle/a/kustomization.yaml
printf 'resources:\n- ../a\n' >bad/cycle/b/kustomization.yaml
cat >bad/nopatch/kustomization.yaml <<EOT
resources: [cm.yaml]
patches:
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: ghost}
EOT
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n' >bad/nopatch/cm.yaml
cat >bad/gens/kustomization.yaml <<EOT
configMapGenerator:
- name: same
  literals: [a=1]
- name: same
  literals: [b=2]
EOT
printf 'resources: [broken.yaml]\n' >bad/yaml/kustomization.yaml
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {a: [}\n' >bad/yaml/broken.yaml
printf 'resources: [../outside.yaml]\n' >bad/escape/app/kustomization.yaml
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: o}\n' >bad/escape/outside.yaml
printf 'resources: []\nnamePrefx: x-\n' >bad/unknown/kustomization.yaml
printf 'namePrefix: 12\n' >bad/type/kustomization.yaml
printf 'resources: [a.yaml, a.yaml]\n' >bad/dup/kustomization.yaml
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' >bad/dup/a.yaml
printf 'components: [../missing]\n' >bad/comp/kustomization.yaml
printf 'kind: Component\nresources: [x.yaml]\n' >bad/kind/kustomization.yaml

test_expect_success 'missing resource' '
    fail_with bad/missing "bad/missing/kustomization.yaml" "nope.yaml" "no such file or directory"
'
test_expect_success 'cycle between kustomizations' '
    fail_with bad/cycle/a "cycle detected" "bad/cycle/a/kustomization.yaml"
'
test_expect_success 'patch whose target does not exist' '
    fail_with bad/nopatch "no resource matches strategic merge patch" "ghost"
'
test_expect_success 'conflicting generator names' '
    fail_with bad/gens "behavior must be merge or replace" "bad/gens/kustomization.yaml"
'
test_expect_success 'invalid YAML names file:line:col' '
    fail_with bad/yaml "broken.yaml:5:[0-9]*:" "MalformedYAMLError"
'
test_expect_success 'path escaping the root under the default restrictor' '
    fail_with bad/escape/app "security; file" "is not in or below"
'
test_expect_success 'LoadRestrictionsNone allows it' '
    "$PKG" render bad/escape/app --load-restrictor LoadRestrictionsNone >out &&
    test_grep "name: o" out
'
test_expect_code 2 'bad --load-restrictor value is a usage error' '
    "$PKG" render bad/escape/app --load-restrictor Maybe 2>err; rc=$?;
    test_grep "load-restrictor" err; exit $rc
'
test_expect_success 'unknown field' '
    fail_with bad/unknown "invalid Kustomization: json: unknown field \"namePrefx\"" \
        "bad/unknown/kustomization.yaml"
'
test_expect_success 'wrong type' '
    fail_with bad/type "cannot unmarshal number into Go struct field Kustomization.namePrefix of type string"
'
test_expect_success 'no kustomization file' '
    fail_with bad/nokust "unable to find one of .kustomization.yaml."
'
test_expect_success 'duplicate resource ids' '
    fail_with bad/dup "may not add resource with an already registered id"
'
test_expect_success 'missing component' '
    fail_with bad/comp "accumulating components" "missing"
'
test_expect_success 'a Component built as a kustomization' '
    "$PKG" render bad/kind >out 2>err; test $? -eq 1 && test_grep "x.yaml" err
'
test_expect_code 2 'plugins outside the built-ins are refused' '
    "$PKG" render "$CASES/smp-workload" --enable-alpha-plugins 2>err; rc=$?;
    test_grep "not supported" err; exit $rc
'
test_expect_success 'helmCharts without --enable-helm' '
    mkdir -p helm && printf "helmCharts:\n- name: x\n" >helm/kustomization.yaml &&
    fail_with helm "must specify --enable-helm"
'
test_done
