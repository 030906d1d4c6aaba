#!/bin/sh
# Provenance: pkg sign / pkg verify, interoperable with helm and gpg.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/repo-lib.sh"

KEYS=$TESTDATA/repo/keys
repo_fixture alpha-1.2.3 "$TMP"
repo_fixture beta-0.1.0 "$TMP"

test_expect_success 'pkg sign writes a clear-signed .prov with the metadata and the sha256' '
    "$PKG" sign alpha-1.2.3.tgz --key "pkg test" --keyring "$KEYS/secring.gpg" >out &&
    head -3 alpha-1.2.3.tgz.prov >h && printf -- "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n" >want &&
    test_cmp want h && test_grep "^name: alpha$" alpha-1.2.3.tgz.prov &&
    test_grep "^  alpha-1.2.3.tgz: sha256:$(sha256sum alpha-1.2.3.tgz | cut -d" " -f1)$" alpha-1.2.3.tgz.prov &&
    tail -c 27 alpha-1.2.3.tgz.prov | grep -q "^-----END PGP SIGNATURE-----$"
'
test_expect_success 'pkg verify accepts it and names the signer' '
    "$PKG" verify alpha-1.2.3.tgz --keyring "$KEYS/pubring.gpg" >out &&
    test_grep "^Signed by: pkg test <pkg-test@example.com>$" out &&
    test_grep "^Using Key With Fingerprint: 6691C5755AF25CA197667115FEAD869251E39C6A$" out &&
    test_grep "^Chart Hash Verified: sha256:" out &&
    "$PKG" verify alpha-1.2.3.tgz --keyring "$KEYS/pubring.asc" >/dev/null
'
test_expect_code 1 'a key outside the keyring is refused' '
    "$PKG" verify alpha-1.2.3.tgz --keyring "$KEYS/other-pubring.gpg" 2>err; rc=$?;
    test_grep "signature made by unknown entity" err; exit $rc
'
test_expect_code 1 'a changed archive is refused' '
    cp alpha-1.2.3.tgz.prov beta-0.1.0.tgz.prov &&
    "$PKG" verify beta-0.1.0.tgz --keyring "$KEYS/pubring.gpg" 2>err; rc=$?;
    test_grep "provenance does not contain a SHA for a file named \"beta-0.1.0.tgz\"" err; exit $rc
'
test_expect_code 1 'a changed signed text is refused' '
    sed "s/^name: alpha/name: alpha2/" alpha-1.2.3.tgz.prov >t.prov && cp alpha-1.2.3.tgz x.tgz &&
    mv t.prov x.tgz.prov && "$PKG" verify x.tgz --keyring "$KEYS/pubring.gpg" 2>err; rc=$?;
    test_grep "invalid signature" err; exit $rc
'
test_expect_success 'protected keys need the passphrase' '
    cp beta-0.1.0.tgz b.tgz &&
    ! "$PKG" sign b.tgz --key protected --keyring "$KEYS/secring-protected.gpg" 2>err &&
    test_grep "passphrase is needed" err &&
    echo wrong >wrong.txt && ! "$PKG" sign b.tgz --key protected --keyring "$KEYS/secring-protected.gpg" --passphrase-file wrong.txt 2>err &&
    test_grep "wrong passphrase" err && ! test -e b.tgz.prov &&
    "$PKG" sign b.tgz --key protected --keyring "$KEYS/secring-protected.gpg" --passphrase-file "$KEYS/passphrase.txt" &&
    "$PKG" verify b.tgz --keyring "$KEYS/pubring.gpg" | grep -q "pkg protected"
'
test_expect_code 1 'an ambiguous key name is refused' '
    cat "$KEYS/secring.gpg" "$KEYS/secring-protected.gpg" >both.gpg &&
    "$PKG" sign b.tgz --key pkg --keyring both.gpg 2>err; rc=$?;
    test_grep "more than one key contain the id \"pkg\"" err; exit $rc
'
test_expect_code 1 'unpacked charts cannot be verified' '
    mkdir -p dir.tgz && "$PKG" verify dir.tgz 2>err; rc=$?; test_grep "unpacked charts cannot be verified" err; exit $rc
'
test_expect_success 'pkg package --sign signs what it packages' '
    mkdir -p pk && "$PKG" package --sign --key "pkg test" --keyring "$KEYS/secring.gpg" -d pk \
        "$TESTDATA/repo/charts/alpha-1.2.0" >out &&
    test_grep "Successfully packaged chart and saved it to: pk/alpha-1.2.0.tgz" out &&
    "$PKG" verify pk/alpha-1.2.0.tgz --keyring "$KEYS/pubring.gpg" >/dev/null &&
    ! "$PKG" package --sign -d pk "$TESTDATA/repo/charts/alpha-1.2.0" 2>err &&
    test_grep "key is required for signing" err
'
if command -v gpgv >/dev/null; then
    test_expect_success 'gpgv accepts the signature' '
        gpgv --keyring "$KEYS/pubring.gpg" alpha-1.2.3.tgz.prov 2>err && test_grep "Good signature" err
    '
fi
if [ -x "$HELM" ]; then
    test_expect_success 'helm verify accepts what pkg signed' '
        "$HELM" verify alpha-1.2.3.tgz --keyring "$KEYS/pubring.gpg" >out &&
        test_grep "Signed by: pkg test" out
    '
    test_expect_success 'pkg verify accepts what helm package --sign signed, same message' '
        mkdir -p hs && "$HELM" package --sign --key "pkg test" --keyring "$KEYS/secring.gpg" -d hs "$TESTDATA/repo/charts/alpha-1.2.0" >/dev/null &&
        "$PKG" verify hs/alpha-1.2.0.tgz --keyring "$KEYS/pubring.gpg" >out && test_grep "Signed by: pkg test" out &&
        mkdir -p ps && cp hs/alpha-1.2.0.tgz ps/ &&
        "$PKG" sign ps/alpha-1.2.0.tgz --key "pkg test" --keyring "$KEYS/secring.gpg" >/dev/null &&
        sed "/BEGIN PGP SIGNATURE/,\$d" hs/alpha-1.2.0.tgz.prov >h && sed "/BEGIN PGP SIGNATURE/,\$d" ps/alpha-1.2.0.tgz.prov >p &&
        test_cmp h p
    '
else
    test_skip 'helm verify' 'reference helm missing'
fi
test_done
