#!/bin/sh
# pkg as the client of a repository made by `helm repo index` and served by
# a plain static server (python3 -m http.server): repo add/list/update/
# remove, search, pull, dependency update, conditional GETs, and helm's own
# repositories.yaml and cache.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/repo-lib.sh"

if [ ! -x "$HELM" ]; then
    test_skip 'pkg against a helm-made repository' 'reference helm missing (run ../shared/tools/reference-tools)'
    test_done; exit
    exit 0
fi
helm_env
for c in alpha-1.0.0 alpha-1.2.0 alpha-1.2.3 alpha-1.2.10 alpha-1.3.0-rc.1 alpha-2.0.0 beta-0.1.0 lib-0.0.1; do
    repo_fixture "$c" "$TMP/site/charts"
done
"$HELM" repo index "$TMP/site/charts" >/dev/null
repo_static web "$TMP/site" || exit 1
U="http://127.0.0.1:$web_PORT/charts"

test_expect_success 'repo add, repo list' '
    "$PKG" repo add web "$U" >out && test_grep "\"web\" has been added to your repositories" out &&
    "$PKG" repo list >out && test_grep "^web *	$U" out &&
    "$PKG" repo list -o json >out && test_grep "\"name\":\"web\",\"url\":\"$U\"" out &&
    test -f home/cache/repository/web-index.yaml && test -f home/cache/repository/web-charts.txt &&
    cmp home/cache/repository/web-index.yaml site/charts/index.yaml
'
test_expect_success 'adding the same repository again is a no-op; a different URL is refused' '
    "$PKG" repo add web "$U" >out && test_grep "already exists with the same configuration" out &&
    ! "$PKG" repo add web "$U/other" 2>err && test_grep "repository name (web) already exists" err &&
    "$PKG" repo add web "$U" --force-update >out && test_grep "has been added" out
'
test_expect_success 'a second repo update of an unchanged repository transfers no index body' '
    before=$(grep -c "GET /charts/index.yaml" web.log) &&
    "$PKG" repo update web >out && test_grep "not modified" out &&
    test "$(grep -c "GET /charts/index.yaml HTTP/1.1\" 304" web.log)" -ge 1 &&
    after=$(grep -c "GET /charts/index.yaml HTTP/1.1\" 200" web.log) &&
    "$PKG" repo update >/dev/null &&
    test "$(grep -c "GET /charts/index.yaml HTTP/1.1\" 200" web.log)" = "$after"
'
test_expect_success 'a changed index is transferred again' '
    sleep 1 && repo_fixture gamma-3.1.4 site/charts && "$HELM" repo index site/charts &&
    "$PKG" repo update web >out && ! grep -q "not modified" out &&
    "$PKG" search repo gamma | grep -q "^web/gamma"
'
test_expect_success 'search output equals helm search output' '
    "$HELM" repo add web "$U" >/dev/null &&
    for args in "" "alpha" "alpha --versions" "alpha --version ~1.2" "--devel alpha" "-l" "-o json" "-o yaml"; do
        "$HELM" search repo $args >h 2>&1 && "$PKG" search repo $args >p 2>&1 && test_cmp h p || exit 1
    done &&
    "$PKG" search repo nothing-matches >out && test_grep "No results found" out &&
    ! "$PKG" search repo nothing-matches --fail-on-no-result 2>/dev/null
'
test_expect_success 'pull --version resolves the constraint and checks the digest' '
    mkdir -p dl && "$PKG" pull web/alpha --version "~1.2" -d dl &&
    test -f dl/alpha-1.2.10.tgz && cmp dl/alpha-1.2.10.tgz site/charts/alpha-1.2.10.tgz &&
    "$PKG" pull web/alpha -d dl && test -f dl/alpha-2.0.0.tgz &&
    "$PKG" pull web/alpha --version "~1.3.0-0" -d dl && test -f dl/alpha-1.3.0-rc.1.tgz
'
if command -v script >/dev/null; then
    test_expect_success 'downloads show progress on a terminal, and only there' '
        mkdir -p tty && script -qec "\"$PKG\" pull web/lib -d tty" /dev/null >tty.out &&
        test_grep "lib-0.0.1.tgz \[====================\] 100%" tty.out &&
        "$PKG" pull web/lib -d tty2 2>err && ! grep -q "%" err
    '
fi
test_expect_success 'pull --untar unpacks into DIR/NAME and refuses to overwrite' '
    "$PKG" pull web/beta --untar -d un && test -f un/beta/Chart.yaml &&
    test -f un/beta/templates/configmap.yaml && ! test -e un/beta-0.1.0.tgz &&
    ! "$PKG" pull web/beta --untar -d un 2>err && test_grep "already exists" err
'
test_expect_success 'pull --repo URL works without adding the repository' '
    mkdir -p dl2 && "$PKG" pull alpha --repo "$U" --version 1.0.0 -d dl2 && test -f dl2/alpha-1.0.0.tgz &&
    ! ls home/cache/repository | grep -q adhoc
'
test_expect_code 1 'pull of a missing version names it' '
    "$PKG" pull web/alpha --version 9.9.9 -d dl 2>err; rc=$?;
    test_grep "chart \"alpha\" matching 9.9.9 not found in web index" err; exit $rc
'
test_expect_success 'dependency update gives helm'"'"'s Chart.lock and charts/' '
    mkdir -p app/templates && cat >app/Chart.yaml <<-EOF2 &&
	apiVersion: v2
	name: app
	version: 1.0.0
	dependencies:
	  - name: alpha
	    version: ~1.2
	    repository: $U
	  - name: beta
	    version: ">=0.1.0"
	    repository: "@web"
	    alias: b
	EOF2
    cp -r app happ && "$PKG" dependency update app >out &&
    test_grep "Saving 2 charts" out && test_grep "Downloading alpha from repo $U" out &&
    "$HELM" dependency update happ >/dev/null &&
    ls app/charts >p && ls happ/charts >h && test_cmp h p &&
    grep -v "^generated" app/Chart.lock >p && grep -v "^generated" happ/Chart.lock >h && test_cmp h p
'
test_expect_success 'dependency update removes outdated archives, a second run keeps the lock' '
    cp app/Chart.lock lock1 && cp app/charts/beta-0.1.0.tgz app/charts/beta-0.0.9.tgz &&
    "$PKG" dependency update app >out && test_grep "Deleting outdated charts" out &&
    ! test -e app/charts/beta-0.0.9.tgz && test_cmp lock1 app/Chart.lock
'
test_expect_success 'dependency build restores charts/ from the lock' '
    rm -rf app/charts && "$PKG" dependency build app --skip-refresh >out &&
    ls app/charts >p && ls happ/charts >h && test_cmp h p
'
test_expect_success 'dependency list shows the status of each dependency' '
    "$PKG" dependency list app >p && "$HELM" dependency list app >h && test_cmp h p &&
    rm app/charts/alpha-1.2.10.tgz && "$PKG" dependency list app | grep -q "^alpha.*missing"
'
test_expect_code 1 'dependency build refuses a lock out of sync' '
    sed -i "s/~1.2/~1.2.3/" app/Chart.yaml && "$PKG" dependency build app 2>err; rc=$?;
    test_grep "out of sync" err; exit $rc
'
test_expect_success 'file:// dependencies are packaged into charts/ as helm does' '
    mkdir -p local/app && cp -r "$TESTDATA/repo/charts/alpha-1.2.3" local/alpha &&
    printf "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: alpha\n  version: \"~1.2\"\n  repository: file://../alpha\n" >local/app/Chart.yaml &&
    cp -r local hlocal && "$PKG" dependency update local/app >out &&
    "$HELM" dependency update hlocal/app >/dev/null &&
    ls local/app/charts >p && ls hlocal/app/charts >h && test_cmp h p &&
    grep -v "^generated" local/app/Chart.lock >p && grep -v "^generated" hlocal/app/Chart.lock >h && test_cmp h p &&
    sed -i "s/~1.2/^2/" local/app/Chart.yaml && ! "$PKG" dependency update local/app 2>err &&
    test_grep "can.t get a valid version" err
'
if "$PKG" template --help >/dev/null 2>&1; then
    test_expect_success 'template web/alpha --version ~1.2 renders the resolved chart' '
        "$PKG" template rel web/alpha --version "~1.2" >p &&
        "$HELM" template rel web/alpha --version "~1.2" >h && test_cmp h p &&
        test_grep "version: \"1.2.10\"" p
    '
else
    test_skip 'template REPO/CHART --version' 'pkg template is not in this build yet'
fi

# helm's own configuration, read as is.
test_expect_success 'repositories added with helm only are seen by pkg' '
    "$HELM" repo add onlyhelm "$U" >/dev/null &&
    "$PKG" repo list >out && test_grep "^onlyhelm" out &&
    "$PKG" search repo onlyhelm/beta >out && test_grep "^onlyhelm/beta" out &&
    mkdir -p dl3 && "$PKG" pull onlyhelm/lib -d dl3 && test -f dl3/lib-0.0.1.tgz &&
    ! "$PKG" repo remove onlyhelm 2>err && test_grep "helm repo remove" err
'
test_expect_success 'repo remove drops the entry and its cache' '
    "$PKG" repo remove web >out && test_grep "\"web\" has been removed" out &&
    ! test -e home/cache/repository/web-index.yaml &&
    ! grep -q "name: web$" home/repositories.yaml &&
    ! "$PKG" repo remove web 2>err && test_grep "configured in helm.s repositories.yaml" err &&
    ! "$PKG" repo remove nosuch 2>err && test_grep "no repo named \"nosuch\" found" err
'
test_done
