#!/bin/sh
# pkg image import/ls/rm: OCI layout, OCI archive and docker-save inputs,
# whiteouts, and hostile layers (.., device nodes, symlink and hard link
# escapes, oversize).
. "$(dirname "$0")/test-lib.sh"
. "$TESTDATA/node/lib.sh"
need_root

test_expect_success 'build the test image in three formats' '
    make_image layout lay pkg.test/busybox:1 &&
    make_image archive arch.tar pkg.test/arch:2 &&
    make_image docker dock.tar pkg.test/dock:3
'
test_expect_success 'import an OCI layout directory' '
    "$PKG" image import lay >out && test_grep "^imported pkg.test/busybox:1 sha256:" out
'
test_expect_success 'import an OCI archive and a docker save tarball: same image ID' '
    "$PKG" image import arch.tar >a && "$PKG" image import dock.tar >d &&
    id1=$(cut -d" " -f3 out) && id2=$(cut -d" " -f3 a) && id3=$(cut -d" " -f3 d) &&
    test "$id1" = "$id2" && test "$id1" = "$id3"
'
test_expect_success 'layers are unpacked once and whiteouts become overlay whiteouts' '
    test $(ls "$PKG_HOME/images/layers" | wc -l) = 2 &&
    wo=$(find "$PKG_HOME/images/layers" -name removed-by-layer2 -type c) && test -n "$wo" &&
    test "$(stat -c %t:%T "$wo")" = 0:0 &&
    opq=$(dirname "$(find "$PKG_HOME/images/layers" -path "*/old/fresh")") &&
    python3 -c "import os,sys; assert os.getxattr(sys.argv[1], \"trusted.overlay.opaque\") == b\"y\"" "$opq"
'
test_expect_success 'image ls lists every tag' '
    "$PKG" image ls >ls && test_grep "pkg.test/busybox  *1 " ls &&
    test_grep "pkg.test/arch  *2 " ls && test_grep "pkg.test/dock  *3 " ls &&
    "$PKG" image ls -q >q && test $(sort -u q | wc -l) = 1
'
test_expect_success 'image rm of one tag keeps the shared layers' '
    "$PKG" image rm pkg.test/dock:3 && "$PKG" image ls >ls &&
    ! grep -q pkg.test/dock ls && test $(ls "$PKG_HOME/images/layers" | wc -l) = 2
'
test_expect_success 'image rm by ID removes every tag, blob and layer' '
    id=$(head -1 q) && "$PKG" image rm "$id" && "$PKG" image ls -q >q2 && ! test -s q2 &&
    test $(ls "$PKG_HOME/images/layers" | wc -l) = 0 &&
    test $(ls "$PKG_HOME/images/blobs/sha256" | wc -l) = 0
'
test_expect_code 1 'image rm of an image that does not exist' '
    "$PKG" image rm pkg.test/nope:1 2>err; rc=$?; test_grep "image \"pkg.test/nope:1\" not found" err && exit $rc
'
test_expect_code 1 'import of something that is no image' '
    mkdir junk && echo hi >junk/x && "$PKG" image import junk 2>err; rc=$?
    test_grep "neither an OCI image layout" err && exit $rc
'
test_expect_code 1 'a layer entry with ../ is refused and nothing is written outside' '
    "$TESTDATA/node/mkbadimage.py" dotdot bad-dotdot "$TMP/escaped-marker" &&
    "$PKG" image import bad-dotdot 2>err; rc=$?
    test_grep "escapes the root" err && ! test -e "$TMP/escaped-marker" &&
    "$PKG" image ls -q >l && ! test -s l && test -z "$(ls "$PKG_HOME/images/tmp")" && exit $rc
'
test_expect_code 1 'a device node outside /dev is refused' '
    "$TESTDATA/node/mkbadimage.py" device bad-dev &&
    "$PKG" image import bad-dev 2>err; rc=$?; test_grep "is a device node" err && exit $rc
'
test_expect_success 'a symlink to / cannot carry later entries out of the layer' '
    "$TESTDATA/node/mkbadimage.py" symlink bad-sym "$TMP/sym-marker" &&
    "$PKG" image import bad-sym && ! test -e "$TMP/sym-marker" &&
    find "$PKG_HOME/images/layers" -name sym-marker | grep -q . 
'
test_expect_success 'absolute entry names land inside the layer' '
    "$TESTDATA/node/mkbadimage.py" abs bad-abs "$TMP/abs-marker" &&
    "$PKG" image import bad-abs && ! test -e "$TMP/abs-marker" &&
    find "$PKG_HOME/images/layers" -name abs-marker | grep -q .
'
test_expect_code 1 'a hard link out of the layer is refused' '
    "$TESTDATA/node/mkbadimage.py" hardlink bad-hl "etc/passwd" &&
    "$PKG" image import bad-hl 2>err; rc=$?; test_grep "escapes the root" err && exit $rc
'
test_expect_code 1 'an oversize layer is refused (limit lowered for the test)' '
    PKG_IMAGE_MAX_LAYER_BYTES=100000 "$PKG" image import lay 2>err; rc=$?
    test_grep "layer larger than 100000 bytes" err && exit $rc
'
test_expect_code 1 'a corrupt blob in a layout is refused' '
    cp -r lay lay2 && f=$(ls -S lay2/blobs/sha256/* | head -1) && chmod u+w "$f" &&
    printf "X" | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null &&
    "$PKG" image import lay2 --name pkg.test/corrupt:1 2>err; rc=$?
    test_grep "digest mismatch" err && exit $rc
'
test_expect_code 1 'an unnamed image needs --name' '
    sed "s/,\"annotations\":{[^}]*}//" lay/index.json >i && cp -r lay lay3 && cp i lay3/index.json &&
    "$PKG" image import lay3 2>err; rc=$?; test_grep "use --name" err && exit $rc
'
test_expect_success '--name names an unnamed image' '
    "$PKG" image import lay3 --name pkg.test/named:7 >o && test_grep "pkg.test/named:7" o
'
test_done
