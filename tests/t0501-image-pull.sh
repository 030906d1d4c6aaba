#!/bin/sh
# pkg image pull from Debian's docker-registry on 127.0.0.1 (storage in
# $TMP): by tag, by digest, from an index, digests verified, a tampered blob
# refused, an image that does not exist.
. "$(dirname "$0")/test-lib.sh"
. "$TESTDATA/node/lib.sh"
need_root

start_registry || exit 1
test_expect_success 'push the test image with skopeo' '
    make_image layout lay pkg.test/busybox:1 &&
    skopeo copy -q --dest-tls-verify=false oci:lay:pkg.test/busybox:1 \
        docker://$REGISTRY/test/busybox:1 &&
    skopeo copy -q --dest-tls-verify=false --format v2s2 oci:lay:pkg.test/busybox:1 \
        docker://$REGISTRY/test/docker:1
'
test_expect_success 'pull by tag (OCI manifest)' '
    "$PKG" image pull --insecure $REGISTRY/test/busybox:1 >out &&
    test_grep "^pulled $REGISTRY/test/busybox:1 sha256:" out &&
    "$PKG" image ls >ls && test_grep "$REGISTRY/test/busybox  *1 " ls
'
test_expect_success 'pull a Docker v2 schema 2 manifest' '
    "$PKG" image pull --insecure $REGISTRY/test/docker:1 >out2 &&
    test "$(cut -d" " -f3 out)" = "$(cut -d" " -f3 out2)"
'
test_expect_success 'pull by digest' '
    d=$(skopeo inspect --tls-verify=false --raw docker://$REGISTRY/test/busybox:1 | sha256sum | cut -d" " -f1) &&
    rm -rf "$PKG_HOME/images" &&
    "$PKG" image pull --insecure "$REGISTRY/test/busybox@sha256:$d" >out &&
    test_grep "@sha256:$d sha256:" out
'
test_expect_success 'pull through an image index picks linux/amd64' '
    "$TESTDATA/node/mkbadimage.py" abs other &&
    skopeo copy -q --dest-tls-verify=false oci:other docker://$REGISTRY/test/busybox:other &&
    raw() { skopeo inspect --tls-verify=false --raw docker://$REGISTRY/test/busybox:$1; } &&
    m=$(raw 1) && md=$(printf "%s" "$m" | sha256sum | cut -d" " -f1) && ms=$(printf "%s" "$m" | wc -c) &&
    o=$(raw other) && od=$(printf "%s" "$o" | sha256sum | cut -d" " -f1) && os=$(printf "%s" "$o" | wc -c) &&
    printf "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%s\",\"size\":%s,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}},{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%s\",\"size\":%s,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}" "$od" "$os" "$md" "$ms" >index.json &&
    curl -sf -X PUT -H "Content-Type: application/vnd.oci.image.index.v1+json" \
        --data-binary @index.json "http://$REGISTRY/v2/test/busybox/manifests/multi" &&
    "$PKG" image pull --insecure $REGISTRY/test/busybox:multi >out3 &&
    "$PKG" image pull --insecure $REGISTRY/test/busybox:1 >out4 &&
    test "$(cut -d" " -f3 out3)" = "$(cut -d" " -f3 out4)"
'
python3 "$TESTDATA/node/authproxy.py" "$TMP/authport" "$REGISTRY" puller:s3cret &
AUTH_PID=$!
test_cleanup "kill $AUTH_PID"
wait_for 10 test -s "$TMP/authport"
AUTH=127.0.0.1:$(cat "$TMP/authport")
test_expect_success 'bearer token auth: challenge, token with basic credentials, retry' '
    rm -rf "$PKG_HOME/images" &&
    PKG_REGISTRY_AUTH=puller:s3cret "$PKG" image pull --insecure $AUTH/test/busybox:1 >out &&
    test_grep "^pulled $AUTH/test/busybox:1 sha256:" out
'
test_expect_code 1 'bearer token auth without credentials is refused' '
    rm -rf "$PKG_HOME/images" &&
    "$PKG" image pull --insecure $AUTH/test/busybox:1 2>err; rc=$?
    cat err; test_grep "token request to http://127.0.0.1:.*/token: HTTP 401" err && exit $rc
'
test_expect_code 1 'a tampered blob is refused' '
    rm -rf "$PKG_HOME/images" &&
    f=$(find "$REGISTRY_DATA" -path "*/blobs/*" -name data -size +100k | head -1) &&
    printf "X" | dd of="$f" bs=1 seek=5000 conv=notrunc 2>/dev/null &&
    "$PKG" image pull --insecure $REGISTRY/test/busybox:1 2>err; rc=$?
    test_grep "digest mismatch" err && "$PKG" image ls -q >l && ! test -s l &&
    test -z "$(ls "$PKG_HOME/images/layers" 2>/dev/null)" && exit $rc
'
test_expect_code 1 'an image that does not exist' '
    "$PKG" image pull --insecure $REGISTRY/test/nope:1 2>err; rc=$?
    test_grep "not found" err && exit $rc
'
test_expect_code 1 'plain HTTP needs --insecure' '
    "$PKG" image pull $REGISTRY/test/busybox:1 2>err; rc=$?; cat err
    test_grep "pull $REGISTRY/test/busybox:1" err && exit $rc
'
test_expect_code 1 'an invalid reference gets a clear message' '
    "$PKG" image pull "UPPER/Case:x" 2>err; rc=$?; test_grep "invalid image reference" err && exit $rc
'
test_done
