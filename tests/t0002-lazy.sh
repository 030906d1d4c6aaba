#!/bin/sh
# Lazily loaded libraries (lazy/lazy.h): what each command of the dynamic
# program maps, the error when a library is missing, and the stub
# generator.
. "$(dirname "$0")/test-lib.sh"

LAZY_RE='^(libcurl|libgit2|libarchive|libmicrohttpd|libsqlite3|libcrypto|libgmp|libnettle|libm)\.so'

# The libraries the dynamic loader maps for a command (LD_DEBUG=files).
loads() {
    LD_DEBUG=files "$@" 2>&1 >/dev/null | sed -n 's/.*file=\([^ ]*\) .*/\1/p' | sort -u
}

# A static pkg (STATIC_PKG, lazy/lazy.h) hands what needs these libraries
# to its dynamic twin, pkg-dyn beside it (t0003): the lazy loading is the
# twin's.
if ! readelf -l "$PKG" 2>/dev/null | grep -q 'INTERP' && [ -x "$(dirname "$PKG")/pkg-dyn" ]; then
    PKG=$(dirname "$PKG")/pkg-dyn
fi

if readelf -d "$PKG" 2>/dev/null | grep -q 'NEEDED.*libcurl'; then
    test_skip 'lazy loading' 'pkg is linked with LAZY=no'
    test_done; exit
fi

test_expect_success 'pkg version maps none of the lazy libraries' '
    loads "$PKG" version >libs && test_grep "libc\.so" libs &&
    ! grep -E "$LAZY_RE" libs
'
test_expect_success 'pkg template of a chart directory maps none of them' '
    loads "$PKG" template x "$TESTDATA/charts/basic" >libs && test_grep "libc\.so" libs &&
    ! grep -E "$LAZY_RE" libs
'
if ! nm "$PKG" 2>/dev/null | grep -q ' T archive_read_new$'; then
    test_skip 'a .tgz chart maps no library' 'libarchive is not linked in (no libarchive.a)'
elif ! nm "$PKG" 2>/dev/null | grep -q ' T inflate$'; then
    test_expect_success 'pkg template of a .tgz chart maps zlib alone (libarchive is linked in)' '
        "$PKG" package "$TESTDATA/charts/basic" -d . >/dev/null &&
        loads "$PKG" template x basic-0.1.0.tgz >libs && test_grep "libz\.so" libs &&
        ! grep -E "$LAZY_RE|^(libxml2|libicu|libstdc|liblzma|libzstd)" libs
    '
else
    test_expect_success 'pkg template of a .tgz chart maps no library (libarchive and zlib are linked in)' '
        "$PKG" package "$TESTDATA/charts/basic" -d . >/dev/null &&
        loads "$PKG" template x basic-0.1.0.tgz >libs && test_grep "libc\.so" libs &&
        ! grep -E "$LAZY_RE|^(libz\.so|libxml2|libicu|libstdc|liblzma|libzstd)" libs
    '
fi
test_expect_success 'pkg render without generators maps none of them' '
    loads "$PKG" render "$TESTDATA/overlays/cases/images-replicas" >libs &&
    ! grep -E "$LAZY_RE" libs
'
test_expect_success 'digests and regexes map no library (Nettle and PCRE2 are linked in)' '
    mkdir -p c/templates &&
    printf "apiVersion: v2\nname: c\nversion: 0.1.0\n" >c/Chart.yaml &&
    printf "h: {{ sha256sum \"abc\" }}\nr: {{ regexReplaceAll \"b+\" \"abbc\" \"-\" }}\n" >c/templates/cm.yaml &&
    printf "s1: {{ sha1sum \"abc\" }}\ns5: {{ sha512sum \"\" }}\n" >>c/templates/cm.yaml &&
    "$PKG" template x c >out &&
    test_grep "h: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" out &&
    test_grep "s1: a9993e364706816aba3e25717850c26c9cd0d89d" out &&
    test_grep "s5: cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e" out &&
    test_grep "r: a-c" out &&
    loads "$PKG" template x c >libs &&
    ! grep -E "$LAZY_RE|^libpcre2" libs
'
test_expect_success 'float arithmetic loads GMP, not libcrypto' '
    mkdir -p f/templates &&
    printf "apiVersion: v2\nname: f\nversion: 0.1.0\n" >f/Chart.yaml &&
    printf "s: {{ addf 0.1 0.2 }}\nq: {{ divf -7 2 }}\n" >f/templates/cm.yaml &&
    "$PKG" template x f >out &&
    test_grep "s: 0.3" out && test_grep "q: -3.5" out &&
    loads "$PKG" template x f >libs && test_grep "libgmp\.so" libs &&
    ! grep -E "^(libcrypto|libcurl)" libs
'
test_expect_success 'math functions load libm on first use, and work' '
    mkdir -p m/templates &&
    printf "apiVersion: v2\nname: m\nversion: 0.1.0\n" >m/Chart.yaml &&
    printf "a: {{ floor 1.5 }}\nb: {{ round 3.14159 2 }}\nc: {{ ceil 1.2 }}\n" >m/templates/cm.yaml &&
    "$PKG" template x m >out &&
    test_grep "a: 1" out && test_grep "b: 3.14" out && test_grep "c: 2" out &&
    loads "$PKG" template x m >libs && test_grep "^libm\.so" libs
'
test_expect_success 'a template function that needs libcrypto loads it, and works' '
    mkdir -p d/templates &&
    printf "apiVersion: v2\nname: d\nversion: 0.1.0\n" >d/Chart.yaml &&
    printf "h: {{ derivePassword 1 \"long\" \"password\" \"user\" \"example.com\" }}\n" >d/templates/cm.yaml &&
    "$PKG" template x d >out &&
    test_grep "h: ZedaFaxcZaso9\*" out &&
    loads "$PKG" template x d >libs && test_grep "libcrypto\.so" libs &&
    ! grep -E "^libcurl" libs
'

# A library that is not there: the first one a chart doing float arithmetic
# loads (GMP), hidden by a bind mount in a private mount namespace (needs
# root and unshare).
mkdir -p "$TMP/g/templates"
printf "apiVersion: v2\nname: g\nversion: 0.1.0\n" >"$TMP/g/Chart.yaml"
printf "s: {{ addf 0.1 0.2 }}\n" >"$TMP/g/templates/cm.yaml"
chart="$TMP/g"
lib=$(LD_DEBUG=files "$PKG" template x "$chart" 2>&1 >/dev/null |
    sed -n 's/.*file=\([^ ]*\) .*dynamically loaded.*/\1/p' | head -n 1)
libpath=$(ldconfig -p 2>/dev/null | awk -v l="$lib" '$1 == l && /x86-64|AArch64/ {print $NF; exit}')
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null || [ -z "$libpath" ] ||
    ! unshare -m true 2>/dev/null; then
    test_skip 'a missing library gives a clear error' 'needs root, unshare and a library loaded on first use'
else
    libpath=$(readlink -f "$libpath")
    test_expect_success "a missing library ($lib): one clear line naming it and the command, exit 1" '
        "$PKG" template x "$chart" >want &&
        unshare -m sh -c "mount --bind /dev/null $libpath && exec \"\$0\" template x $chart" \
            "$PKG" >out 2>err; rc=$? &&
        test "$rc" = 1 && test ! -s out && test "$(wc -l <err)" = 1 &&
        test_grep "^Error: cannot load $lib, which \`$(basename "$PKG") template x $chart\` needs ([A-Za-z0-9_]*): " err &&
        test -s want
    '
fi

# The generator, on a library and objects made here.
if ! command -v cc >/dev/null; then
    test_skip 'the stub generator' 'needs cc'
    test_done; exit
fi
cat >"$TMP/lib.c" <<'EOF'
int lt_var = 1;
int lt_fn(int x) { return x + lt_var; }
int lt_other(void) { return 2; }
int lt_own(void) { return 3; }
EOF
cat >"$TMP/fn.c" <<'EOF'
int lt_fn(int);
int lt_own(void);
int use_fn(void) { return lt_fn(1) + lt_own(); }
EOF
cat >"$TMP/own.c" <<'EOF'
int lt_own(void) { return 4; }
EOF
cat >"$TMP/var.c" <<'EOF'
extern int lt_var;
int use_var(void) { return lt_var; }
EOF
test_expect_success 'the generator writes a stub per imported function' '
    cc -shared -fPIC -Wl,-soname,libltx.so.7 -o libltx.so lib.c &&
    cc -c fn.c own.c &&
    "$SRC_DIR/scripts/lazy-stubs.sh" -o stubs.S --so libltx.so -- fn.o own.o &&
    test_grep "^LAZY_LIB ltx, \"libltx.so.7\"$" stubs.S &&
    test_grep "^LAZY_FUNC ltx, 0, lt_fn$" stubs.S &&
    test_grep "^LAZY_END_LIB ltx, 1$" stubs.S &&
    test_grep "^LAZY_TABLE_ENTRY ltx$" stubs.S &&
    ! grep -q "lt_other\|lt_own" stubs.S &&
    cc -I"$SRC_DIR" -c stubs.S -o stubs.o
'
test_expect_success 'the generator refuses a variable of a lazy library' '
    cc -c var.c && rm -f stubs.S &&
    ! "$SRC_DIR/scripts/lazy-stubs.sh" -o stubs.S --so libltx.so -- fn.o var.o 2>err &&
    test_grep "var.o uses the variable lt_var of libltx.so.7, which is loaded lazily" err &&
    test ! -e stubs.S
'
test_expect_success 'the generator names a library it cannot find' '
    ! "$SRC_DIR/scripts/lazy-stubs.sh" -o stubs.S --so nothere.so -- fn.o 2>err &&
    test_grep "no such library: nothere.so" err
'
test_done
