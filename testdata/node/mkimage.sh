#!/bin/sh
# Builds a small test image from Debian's busybox-static, offline, at test
# time: two layers (the second deletes a file and makes a directory opaque,
# so whiteouts are exercised), an OCI config with Cmd ["sh"].
#
#   mkimage.sh layout DIR [REF]     OCI image layout directory
#   mkimage.sh archive FILE [REF]   OCI archive (tar of the layout)
#   mkimage.sh docker FILE [REF]    `docker save` tarball (uncompressed layers)
#
# REF defaults to pkg.test/busybox:1. Output is deterministic (fixed times,
# owners and order) so digests are stable for a given busybox.
set -eu
kind=$1 out=$2 ref=${3:-pkg.test/busybox:1}
bb=/bin/busybox
[ -x "$bb" ] || { echo "mkimage: $bb missing (apt-get install busybox-static)" >&2; exit 1; }
w=$(mktemp -d "${TMPDIR:-/tmp}/pkg-mkimage.XXXXXX")
trap 'rm -rf "$w"' EXIT
tarit() { # dir -> stdout, deterministic
    tar -C "$1" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
        --format=pax --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf - .
}
sha() { sha256sum "$1" | cut -d' ' -f1; }

# Layer 1: busybox and its applets, a minimal /etc.
l1=$w/l1
mkdir -p "$l1/bin" "$l1/etc" "$l1/tmp" "$l1/root" "$l1/proc" "$l1/sys" "$l1/dev" \
    "$l1/var/www" "$l1/old/keep" "$l1/home/app"
cp "$bb" "$l1/bin/busybox"
for a in $("$bb" --list); do
    [ "$a" = busybox ] || ln -s busybox "$l1/bin/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$l1/etc/passwd"
printf 'root:x:0:\napp:x:1000:\nextra:x:2000:app\nnogroup:x:65534:\n' >"$l1/etc/group"
echo "layer one" >"$l1/etc/removed-by-layer2"
echo "old" >"$l1/old/keep/file"
echo "hello from the image" >"$l1/var/www/index.html"
chmod 1777 "$l1/tmp"
chown -R 1000:1000 "$l1/home/app" 2>/dev/null || true
# Layer 2: a whiteout, an opaque directory, a new file.
l2=$w/l2
mkdir -p "$l2/etc" "$l2/old"
: >"$l2/etc/.wh.removed-by-layer2"
: >"$l2/old/.wh..wh..opq"
echo "new" >"$l2/old/fresh"
echo "pkg test image" >"$l2/etc/motd"

mkdir -p "$w/blobs/sha256"
tarit "$l1" >"$w/l1.tar"
tarit "$l2" >"$w/l2.tar"
d1=$(sha "$w/l1.tar") d2=$(sha "$w/l2.tar")
gzip -n -c "$w/l1.tar" >"$w/l1.tgz"
gzip -n -c "$w/l2.tar" >"$w/l2.tgz"
g1=$(sha "$w/l1.tgz") g2=$(sha "$w/l2.tgz")
s1=$(stat -c %s "$w/l1.tgz") s2=$(stat -c %s "$w/l2.tgz")
printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s","sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"mkimage.sh layer 1"},{"created":"1970-01-01T00:00:00Z","created_by":"mkimage.sh layer 2"}]}' \
    "$d1" "$d2" >"$w/config.json"
c=$(sha "$w/config.json") cs=$(stat -c %s "$w/config.json")

case "$kind" in
layout | archive)
    lay=$w/layout
    mkdir -p "$lay/blobs/sha256"
    cp "$w/l1.tgz" "$lay/blobs/sha256/$g1"
    cp "$w/l2.tgz" "$lay/blobs/sha256/$g2"
    cp "$w/config.json" "$lay/blobs/sha256/$c"
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s},{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
        "$c" "$cs" "$g1" "$s1" "$g2" "$s2" >"$w/manifest.json"
    m=$(sha "$w/manifest.json") ms=$(stat -c %s "$w/manifest.json")
    cp "$w/manifest.json" "$lay/blobs/sha256/$m"
    printf '{"imageLayoutVersion":"1.0.0"}' >"$lay/oci-layout"
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
        "$m" "$ms" "$ref" >"$lay/index.json"
    if [ "$kind" = layout ]; then
        rm -rf "$out"
        mkdir -p "$out"
        cp -r "$lay/." "$out/"
    else
        tarit "$lay" >"$out"
    fi
    ;;
docker)
    dk=$w/docker
    mkdir -p "$dk/$d1" "$dk/$d2"
    cp "$w/l1.tar" "$dk/$d1/layer.tar"
    cp "$w/l2.tar" "$dk/$d2/layer.tar"
    cp "$w/config.json" "$dk/$c.json"
    printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar","%s/layer.tar"]}]' \
        "$c" "$ref" "$d1" "$d2" >"$dk/manifest.json"
    tarit "$dk" >"$out"
    ;;
*)
    echo "mkimage: unknown kind $kind" >&2
    exit 2
    ;;
esac
