#!/bin/sh
# pkg push to `pkg repo serve` (uploads like ChartMuseum's /api/charts).
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/repo-lib.sh"

KEYS=$TESTDATA/repo/keys
for c in alpha-1.0.0 alpha-1.2.3 beta-0.1.0 lib-0.0.1; do repo_fixture "$c" "$TMP/src"; done
"$PKG" sign "$TMP/src/beta-0.1.0.tgz" --key 'pkg test' --keyring "$KEYS/secring.gpg" >/dev/null
echo "not a chart" | gzip >"$TMP/src/junk.tgz"
# No DIR: $PKG_HOME/charts, uploads on by default.
repo_serve home --username pub --password 'pw' --max-upload 200000 || exit 1
U="http://127.0.0.1:$home_PORT"

test_expect_success 'the default repository is $PKG_HOME/charts with uploads on' '
    test_grep "Serving $PKG_HOME/charts at http://127.0.0.1:$home_PORT/ (uploads on /api/charts)" home.log
'
test_expect_code 1 'push without credentials is refused (401)' '
    "$PKG" push src/alpha-1.0.0.tgz $U 2>err; rc=$?; test_grep "401" err &&
    ! test -e "$PKG_HOME/charts/alpha-1.0.0.tgz"; exit $rc
'
test_expect_success 'push with credentials adds the chart and re-indexes' '
    "$PKG" push src/alpha-1.0.0.tgz $U -u pub -p pw >out && test_grep "Pushed alpha-1.0.0.tgz" out &&
    cmp src/alpha-1.0.0.tgz "$PKG_HOME/charts/alpha-1.0.0.tgz" &&
    curl -sS -u pub:pw $U/index.yaml | grep -q "version: 1.0.0"
'
test_expect_code 1 'pushing the same version again is a conflict' '
    "$PKG" push src/alpha-1.0.0.tgz $U -u pub -p pw 2>err; rc=$?;
    test_grep "already exists" err; exit $rc
'
test_expect_success '--force replaces it; --put uploads with PUT' '
    "$PKG" push src/alpha-1.0.0.tgz $U -u pub -p pw --force &&
    "$PKG" push src/alpha-1.2.3.tgz $U -u pub -p pw --put &&
    curl -sS -u pub:pw $U/index.yaml | grep -q "version: 1.2.3"
'
test_expect_success 'the .prov goes along (POST multipart and PUT) and verifies after a pull' '
    "$PKG" push src/beta-0.1.0.tgz $U -u pub -p pw &&
    cmp src/beta-0.1.0.tgz.prov "$PKG_HOME/charts/beta-0.1.0.tgz.prov" &&
    "$PKG" sign src/alpha-1.2.3.tgz --key "pkg test" --keyring "$KEYS/secring.gpg" >/dev/null &&
    "$PKG" push src/alpha-1.2.3.tgz $U -u pub -p pw --put --force &&
    cmp src/alpha-1.2.3.tgz.prov "$PKG_HOME/charts/alpha-1.2.3.tgz.prov"
'
test_expect_success 'a configured repository name works as the target, with its credentials' '
    "$PKG" repo add mine $U --username pub --password pw >/dev/null &&
    "$PKG" push src/lib-0.0.1.tgz mine >out && test_grep "Pushed lib-0.0.1.tgz" out &&
    "$PKG" repo update mine >/dev/null && "$PKG" search repo mine/ >out &&
    test_grep "^mine/alpha" out && test_grep "^mine/beta" out && test_grep "^mine/lib" out &&
    mkdir -p dl && "$PKG" pull mine/beta --verify --keyring "$KEYS/pubring.gpg" -d dl >out &&
    test_grep "Signed by: pkg test" out
'
test_expect_code 1 'an archive that is not a chart is refused (400) and not stored' '
    "$PKG" push src/junk.tgz $U -u pub -p pw 2>err; rc=$?;
    test_grep "400" err && test_grep "not a valid chart archive" err &&
    ! ls "$PKG_HOME/charts" | grep -q "junk\|^\.upload"; exit $rc
'
test_expect_code 1 'an upload over --max-upload is refused (413)' '
    head -c 300000 /dev/urandom >big.bin && mkdir -p bigc/templates && cp big.bin bigc/ &&
    printf "apiVersion: v2\nname: big\nversion: 1.0.0\n" >bigc/Chart.yaml &&
    repo_tar bigc big big-1.0.0.tgz &&
    "$PKG" push big-1.0.0.tgz $U -u pub -p pw 2>err; rc=$?;
    test_grep "413\|too large" err && ! test -e "$PKG_HOME/charts/big-1.0.0.tgz" &&
    ! ls -a "$PKG_HOME/charts" | grep -q "^\.upload"; exit $rc
'
test_expect_code 1 'pushing a directory is refused' '
    "$PKG" push src $U 2>err; rc=$?; test_grep "not a chart archive" err; exit $rc
'
if [ -x "$HELM" ]; then
    helm_env
    test_expect_success 'helm sees pushed charts' '
        "$HELM" repo add mine $U --username pub --password pw >/dev/null &&
        "$HELM" search repo mine/ | grep -q "^mine/lib"
    '
fi
test_done
