#!/bin/sh
# The real helm v3 client against `pkg repo serve`: repo add, search, pull
# (digests, provenance), dependency update.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/repo-lib.sh"

if [ ! -x "$HELM" ]; then
    test_skip 'helm client against pkg repo serve' 'reference helm missing (run ../shared/tools/reference-tools)'
    
# TLS: helm verifies pkg's certificate against the CA file it is given.
if command -v openssl >/dev/null; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
        -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
    repo_serve tls "$TMP/private" --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem" || exit 1
    test_expect_success 'helm over HTTPS: --ca-file works, an unknown CA is refused' '
        ! "$HELM" repo add tls https://127.0.0.1:$tls_PORT 2>err && test_grep "certificate" err &&
        "$HELM" repo add tls https://127.0.0.1:$tls_PORT --ca-file cert.pem >/dev/null &&
        mkdir -p tpull && "$HELM" pull tls/alpha -d tpull && test -f tpull/alpha-1.0.0.tgz
    '
fi
test_done
    exit 0
fi
helm_env
KEYS=$TESTDATA/repo/keys
for c in alpha-1.0.0 alpha-1.2.0 alpha-1.2.3 alpha-1.2.10 alpha-1.3.0-rc.1 alpha-2.0.0 beta-0.1.0 lib-0.0.1; do
    repo_fixture "$c" "$TMP/repo"
done
"$PKG" sign "$TMP/repo/alpha-1.2.10.tgz" --key 'pkg test' --keyring "$KEYS/secring.gpg" >/dev/null
repo_serve srv "$TMP/repo" || exit 1
U="http://127.0.0.1:$srv_PORT"

test_expect_success 'helm repo add and helm repo update' '
    "$HELM" repo add pk "$U" >out && test_grep "\"pk\" has been added" out &&
    "$HELM" repo update pk >out && test_grep "Successfully got an update" out
'
test_expect_success 'helm search repo lists what pkg indexed, newest stable first' '
    "$HELM" search repo pk/ >out &&
    test_grep "^pk/alpha *	2.0.0 *	2.0.0 *	The alpha chart, version 2.0.0" out &&
    test_grep "^pk/beta " out && test_grep "^pk/lib " out &&
    "$HELM" search repo alpha --version "~1.2" >out &&
    test_grep "^pk/alpha *	1.2.10 " out &&
    "$HELM" search repo alpha --devel --versions -o json | grep -q "1.3.0-rc.1"
'
test_expect_success 'pkg search prints what helm search prints' '
    "$PKG" repo add pk "$U" >/dev/null &&
    for args in "pk/" "alpha --versions" "alpha --version ~1.2" "database" "--devel alpha" "-o json alpha" "-o yaml alpha --versions" "--regexp al.ha"; do
        "$HELM" search repo $args >h 2>&1 && "$PKG" search repo $args >p 2>&1 &&
        test_cmp h p || exit 1
    done
'
test_expect_success 'helm pull --version gets the archive whose sha256 is the index digest' '
    mkdir -p pulled && "$HELM" pull pk/alpha --version "~1.2" -d pulled &&
    test -f pulled/alpha-1.2.10.tgz && cmp pulled/alpha-1.2.10.tgz repo/alpha-1.2.10.tgz &&
    want=$(curl -sS $U/index.yaml | grep -B8 "^    version: 1.2.10" | sed -n "s/^    digest: //p") &&
    test -n "$want" && test "$(sha256sum pulled/alpha-1.2.10.tgz | cut -d" " -f1)" = "$want"
'
test_expect_success 'helm pull --verify checks the provenance pkg signed' '
    mkdir -p verified && "$HELM" pull pk/alpha --version 1.2.10 --verify --keyring "$KEYS/pubring.gpg" -d verified >out &&
    test_grep "Signed by: pkg test <pkg-test@example.com>" out &&
    test_grep "Using Key With Fingerprint: 6691C5755AF25CA197667115FEAD869251E39C6A" out &&
    test -f verified/alpha-1.2.10.tgz.prov &&
    mkdir -p verified2 &&
    ! "$HELM" pull pk/alpha --version 1.2.10 --verify --keyring "$KEYS/other-pubring.gpg" -d verified2 2>err &&
    test_grep "unknown entity" err
'
test_expect_success 'helm dependency update of a chart depending on the pkg repository' '
    mkdir -p app/templates && cat >app/Chart.yaml <<-EOF2 &&
	apiVersion: v2
	name: app
	version: 0.1.0
	dependencies:
	  - name: alpha
	    version: "~1.2.0"
	    repository: $U
	  - name: lib
	    version: "*"
	    repository: "@pk"
	EOF2
    "$HELM" dependency update app >out &&
    ls app/charts >got && printf "alpha-1.2.10.tgz\nlib-0.0.1.tgz\n" >want && test_cmp want got &&
    test_grep "version: 1.2.10" app/Chart.lock
'
test_expect_success 'pkg dependency update writes the same Chart.lock, digest included' '
    cp -r app app2 && rm -rf app2/charts app2/Chart.lock &&
    "$PKG" dependency update app2 >out && ls app2/charts >got && test_cmp want got &&
    grep -v "^generated" app/Chart.lock >h && grep -v "^generated" app2/Chart.lock >p && test_cmp h p &&
    "$PKG" dependency list app2 >p && "$HELM" dependency list app >h && test_cmp h p
'
test_expect_success 'helm dependency build accepts the lock pkg wrote' '
    rm -rf app2/charts && "$HELM" dependency build app2 >out && ls app2/charts >got && test_cmp want got
'

# Basic auth: helm sends the credentials it was given.
mkdir -p "$TMP/private"
repo_fixture alpha-1.0.0 "$TMP/private"
repo_serve priv "$TMP/private" --username ci --password 'p@ss word' || exit 1
test_expect_success 'helm with credentials against a pkg server with basic auth' '
    ! "$HELM" repo add priv http://127.0.0.1:$priv_PORT 2>err && test_grep "401" err &&
    "$HELM" repo add priv http://127.0.0.1:$priv_PORT --username ci --password "p@ss word" &&
    mkdir -p ppull && "$HELM" pull priv/alpha -d ppull && test -f ppull/alpha-1.0.0.tgz
'

# TLS: helm verifies pkg's certificate against the CA file it is given.
if command -v openssl >/dev/null; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
        -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
    repo_serve tls "$TMP/private" --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem" || exit 1
    test_expect_success 'helm over HTTPS: --ca-file works, an unknown CA is refused' '
        ! "$HELM" repo add tls https://127.0.0.1:$tls_PORT 2>err && test_grep "certificate" err &&
        "$HELM" repo add tls https://127.0.0.1:$tls_PORT --ca-file cert.pem >/dev/null &&
        mkdir -p tpull && "$HELM" pull tls/alpha -d tpull && test -f tpull/alpha-1.0.0.tgz
    '
fi
test_done
