#!/bin/sh
# pkg template: byte-identical to helm template on testdata/charts/basic for
# every output flag (goldens recorded from helm v3.17.1).
. "$(dirname "$0")/test-lib.sh"
C=$TESTDATA/charts
G=$C/golden

tmpl() { (cd "$C" && "$PKG" template "$@"); }

test_expect_success 'renders like helm template (kinds ordered, hooks last, NOTES dropped)' '
    tmpl rel basic --namespace ns1 >out && test_cmp "$G/basic.out" out
'
test_expect_success '--show-only selects templates, with globs, in flag order' '
    tmpl rel basic --show-only templates/service.yaml --show-only "charts/sub/templates/*" >out &&
    test_cmp "$G/basic-show-only.out" out
'
test_expect_success '--include-crds prints CRDs first; --skip-tests drops test hooks' '
    tmpl rel basic --skip-tests --include-crds >out &&
    test_cmp "$G/basic-crds-skip-tests.out" out
'
test_expect_success '--no-hooks drops hooks; --is-upgrade sets .Release.IsUpgrade' '
    tmpl rel basic --no-hooks --is-upgrade >out &&
    test_cmp "$G/basic-no-hooks-upgrade.out" out
'
test_expect_success '--kube-version and --api-versions reach .Capabilities' '
    tmpl rel basic --kube-version v1.28.3 -a example.com/v1,foo/v2 >out &&
    test_cmp "$G/basic-capabilities.out" out
'
test_expect_success '--set, --set-string and --set-json; a condition disables a subchart' '
    tmpl rel basic --set sub.enabled=false --set-string replicaCount=3 \
        --set-json "image={\"repository\":\"busybox\",\"tag\":\"1.36\"}" >out &&
    test_cmp "$G/basic-set.out" out
'
test_expect_success '--name-template names the release' '
    tmpl basic --name-template "x-{{ print \"y\" }}" >out &&
    test_cmp "$G/basic-name-template.out" out
'
test_expect_success 'one argument: the release is "release-name", also with --generate-name' '
    tmpl basic >a && tmpl basic --generate-name >b && test_cmp a b &&
    test_grep "name: release-name-basic" a
'
test_expect_success '-f - reads values from stdin; -f takes comma lists' '
    printf "replicaCount: 7\n" | tmpl rel basic -f - >out && test_grep "replicas: 7" out &&
    printf "replicaCount: 8\n" >"$TMP/a.yaml" && printf "service:\n  port: 81\n" >"$TMP/b.yaml" &&
    tmpl rel basic -f "$TMP/a.yaml,$TMP/b.yaml" >out2 &&
    test_grep "replicas: 8" out2 && test_grep "port: 81" out2
'
test_expect_success '--set-file and --set-literal' '
    printf "from a file" >"$TMP/v.txt" &&
    tmpl rel basic --set-file image.repository="$TMP/v.txt" --set-literal "image.tag=a,b" >out &&
    test_grep "image: \"from a file:a,b\"" out
'
if echo "a: 1" | "$PKG" yaml fmt - >/dev/null 2>&1; then
test_expect_success 'a packaged chart renders the same as its directory' '
    (cd "$TMP" && "$PKG" package "$C/basic" >/dev/null) &&
    tmpl rel "$TMP/basic-0.1.0.tgz" --namespace ns1 >out && test_cmp "$G/basic.out" out
'
else
    test_skip 'a packaged chart renders the same as its directory' 'YAML emit not in this build'
fi
test_expect_success '--post-renderer pipes the manifests (not the hooks) through a program' '
    printf "#!/bin/sh\nsed s/ClusterIP/NodePort/\n" >"$TMP/pr.sh" && chmod +x "$TMP/pr.sh" &&
    tmpl rel basic --post-renderer "$TMP/pr.sh" >out && test_grep "type: NodePort" out &&
    tmpl rel basic >plain && ! test_grep "NodePort" plain
'
test_expect_success '--output-dir writes one file per template; --release-name adds a level' '
    tmpl rel basic --output-dir "$TMP/od" --release-name --include-crds >out &&
    test_grep "^wrote $TMP/od/basic/crds/widgets.yaml" out &&
    test -f "$TMP/od/rel/basic/templates/deployment.yaml" &&
    test -f "$TMP/od/rel/basic/charts/sub/templates/configmap.yaml" &&
    head -2 "$TMP/od/rel/basic/templates/service.yaml" >h &&
    printf -- "---\n# Source: basic/templates/service.yaml\n" >want && test_cmp want h
'
test_expect_success '$HELM_NAMESPACE is the namespace when -n is not given' '
    HELM_NAMESPACE=envns tmpl rel basic >out && test_grep "namespace: envns" out &&
    HELM_NAMESPACE=envns tmpl rel basic -n flagns >out && test_grep "namespace: flagns" out
'
test_expect_success '--skip-crds has no effect on template output, as in helm' '
    tmpl rel basic --skip-tests --include-crds --skip-crds >out &&
    test_cmp "$G/basic-crds-skip-tests.out" out
'
test_expect_success '--debug prints the rendered files when a manifest does not parse' '
    mkdir -p "$TMP/dbg/templates" &&
    printf "apiVersion: v2\nname: dbg\nversion: 1.0.0\n" >"$TMP/dbg/Chart.yaml" &&
    printf "a: [\n" >"$TMP/dbg/templates/bad.yaml" &&
    printf "kind: ConfigMap\n" >"$TMP/dbg/templates/good.yaml" &&
    "$PKG" template r "$TMP/dbg" --debug >out 2>err; rc=$?; [ $rc = 1 ] &&
    test_grep "^# Source: dbg/templates/good.yaml" out &&
    test_grep "YAML parse error on dbg/templates/bad.yaml" err &&
    ! test_grep "Use --debug" err
'
test_expect_success 'a deprecated chart renders with helm'"'"'s warning on stderr' '
    mkdir -p "$TMP/dep/templates" &&
    printf "apiVersion: v2\nname: dep\nversion: 1.0.0\ndeprecated: true\n" >"$TMP/dep/Chart.yaml" &&
    printf "kind: ConfigMap\nmetadata:\n  name: x\n" >"$TMP/dep/templates/cm.yaml" &&
    "$PKG" template r "$TMP/dep" >out 2>err &&
    printf "WARNING: This chart is deprecated\n" >want && test_cmp want err &&
    test_grep "^# Source: dep/templates/cm.yaml" out
'
test_expect_success 'symbolic links in a chart: helm'"'"'s log line for each, with the path as given' '
    mkdir -p "$TMP/sl/c/templates" "$TMP/sl/target" &&
    printf "apiVersion: v2\nname: c\nversion: 1.0.0\n" >"$TMP/sl/c/Chart.yaml" &&
    printf "kind: ConfigMap\nmetadata:\n  name: x\n" >"$TMP/sl/target/cm.yaml" &&
    ln -s ../../target/cm.yaml "$TMP/sl/c/templates/cm.yaml" &&
    ln -s ../target "$TMP/sl/c/linkdir" &&
    real=$(cd "$TMP/sl" && pwd -P) &&
    (cd "$TMP/sl/c/templates" && "$PKG" template r ..) >out 2>err &&
    test_grep "^# Source: c/templates/cm.yaml" out &&
    printf "walk.go:75: found symbolic link in path: %s resolves to %s. Contents of linked file included and used\n" \
        "$TMP/sl/c/linkdir" "$real/target" \
        "$TMP/sl/c/templates/cm.yaml" "$real/target/cm.yaml" >want &&
    test_cmp want err
'
test_expect_success 'pkg template --help names the flags' '
    "$PKG" template --help >out && test_grep "show-only" out && test_grep "post-renderer" out
'
test_expect_code 2 'an unknown flag exits 2' '
    tmpl rel basic --bogus 2>err; rc=$?; test_grep "unknown flag: --bogus" err; exit $rc
'
test_done
