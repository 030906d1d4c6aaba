#!/bin/sh
# make deps: check every library pkg builds against with pkg-config and every
# tool the tests drive; install the missing Debian packages with apt-get
# (running `apt-get update` first only when a package is not known yet).
# Not root: print the exact apt-get line and fail.
set -eu

# pkg-config module -> Debian package
libs="yaml-0.1:libyaml-dev libarchive:libarchive-dev libgit2:libgit2-dev
libpcre2-8:libpcre2-dev libcurl:libcurl4-openssl-dev libcrypto:libssl-dev nettle:nettle-dev gmp:libgmp-dev
sqlite3:libsqlite3-dev libmicrohttpd:libmicrohttpd-dev libseccomp:libseccomp-dev
cmocka:libcmocka-dev zlib:zlib1g-dev"
# command -> Debian package (build, tests, benchmarks)
tools="pkg-config:pkg-config gcc:gcc make:make prove:perl clang-format:clang-format
git:git python3:python3 busybox:busybox-static
registry:docker-registry skopeo:skopeo crun:crun runc:runc hyperfine:hyperfine
ip:iproute2 unzip:unzip npm:npm curl:curl wrk:wrk gpgv:gpgv openssl:openssl"

missing=""
command -v pkg-config >/dev/null 2>&1 || missing="pkg-config"
for pair in $libs; do
    mod=${pair%%:*}; deb=${pair#*:}
    if ! pkg-config --exists "$mod" 2>/dev/null; then
        missing="$missing $deb"
    fi
done
for pair in $tools; do
    cmd=${pair%%:*}; deb=${pair#*:}
    case "$cmd" in
    registry) [ -x /usr/bin/docker-registry ] || missing="$missing $deb" ;;
    busybox) [ -x /bin/busybox ] || missing="$missing $deb" ;;
    *) command -v "$cmd" >/dev/null 2>&1 || missing="$missing $deb" ;;
    esac
done
python3 -c 'import yaml' 2>/dev/null || missing="$missing python3-yaml"
missing=$(echo $missing | tr ' ' '\n' | sort -u | tr '\n' ' ')

if [ -z "${missing% }" ]; then
    echo "deps: all libraries and tools present"
    exit 0
fi
echo "deps: missing: $missing"
if [ "$(id -u)" != 0 ]; then
    echo "deps: run as root: apt-get install -y $missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Update the package lists only when one of the packages is unknown to apt.
for deb in $missing; do
    if ! apt-cache show "$deb" >/dev/null 2>&1; then
        apt-get update -qq
        break
    fi
done
apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null
}
echo "deps: installed $missing"
