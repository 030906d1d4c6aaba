#!/bin/sh
# The static pkg and its dynamic twin (lazy/lazy.h, "The static build"):
# what the static program runs itself, what it hands over, and how.
. "$(dirname "$0")/test-lib.sh"

DYN=$(dirname "$PKG")/pkg-dyn
if readelf -l "$PKG" 2>/dev/null | grep -q 'INTERP' || [ ! -x "$DYN" ]; then
    test_skip 'the static pkg' 'pkg is linked dynamically (STATIC_PKG=no, or no libc.a)'
    test_done; exit
fi

cd "$TMP" || exit 1
# A program directory with pkg alone, one with pkg and its twin, and one
# laid out as `make install` does.
mkdir -p alone both inst/bin inst/libexec/pkg
cp "$PKG" alone/pkg
cp "$PKG" both/pkg && cp "$DYN" both/pkg-dyn
cp "$PKG" inst/bin/pkg && cp "$DYN" inst/libexec/pkg/pkg-dyn

# A chart whose template calls libcrypto (derivePassword), reads .Values,
# and is deprecated (a warning on stderr before the template runs).
mkdir -p d/templates
printf "apiVersion: v2\nname: d\nversion: 0.1.0\ndeprecated: true\n" >d/Chart.yaml
printf "who: nobody\n" >d/values.yaml
printf "h: {{ derivePassword 1 \"long\" \"password\" \"user\" \"example.com\" }}\nwho: {{ .Values.who }}\n" \
    >d/templates/cm.yaml

test_expect_success 'pkg is a static PIE; pkg-dyn is dynamic' '
    readelf -h "$PKG" >h && test_grep "Type: *DYN" h &&
    ! readelf -l "$PKG" | grep -q INTERP &&
    readelf -l "$DYN" | grep -q INTERP
'
test_expect_success 'version, a chart and an overlay run in pkg alone' '
    alone/pkg version >out && test_grep "^pkg v" out &&
    alone/pkg template x "$TESTDATA/charts/basic" >out && test -s out &&
    "$DYN" template x "$TESTDATA/charts/basic" >want && test_cmp want out &&
    alone/pkg render "$TESTDATA/overlays/cases/images-replicas" >out && test -s out
'
test_expect_success 'a template needing libcrypto is handed to the twin: same output as the twin alone' '
    both/pkg template x d >out 2>err &&
    "$DYN" template x d >want 2>/dev/null &&
    test_cmp want out &&
    test_grep "h: ZedaFaxcZaso9\*" out && test_grep "who: nobody" out
'
test_expect_success 'the twin gets what pkg read from stdin' '
    printf "who: fromstdin\n" >v.yaml &&
    both/pkg template x d -f - <v.yaml >out &&
    test_grep "who: fromstdin" out && test_grep "h: ZedaFaxcZaso9\*" out
'
test_expect_success 'a warning printed before the hand-over is printed once' '
    both/pkg template x d >out 2>err &&
    test "$(grep -c "WARNING: This chart is deprecated" err)" = 1
'
test_expect_success 'the twin is found where make install puts it' '
    inst/bin/pkg template x d >out && test_grep "h: ZedaFaxcZaso9\*" out &&
    inst/bin/pkg repo list >out 2>err; test $? = 1 && test_grep "no repositories" err
'
test_expect_code 1 'without the twin: one line naming the library and the twin, nothing on stdout' '
    alone/pkg template x d >out 2>err; rc=$?
    test ! -s out && test "$(wc -l <err)" = 1 &&
    test_grep "^Error: \`pkg template x d\` needs libcrypto\.so\.[0-9]* ([A-Za-z0-9_]*), which this static pkg does not link; the twin cannot be run: .*/alone/pkg-dyn: No such file or directory$" err &&
    exit $rc; exit 99
'
test_expect_code 1 'a command with side effects runs in the twin from the start' '
    alone/pkg repo list >out 2>err; rc=$?
    test ! -s out &&
    test_grep "^Error: \`pkg repo list\` runs in pkg.s dynamic twin; the twin cannot be run: " err &&
    exit $rc; exit 99
'
test_expect_code 1 'a twin that is the static pkg itself is refused, not run for ever' '
    mkdir -p loop && cp "$PKG" loop/pkg && cp "$PKG" loop/pkg-dyn &&
    loop/pkg repo list >out 2>err; rc=$?
    test_grep "was started as that twin and is the static pkg" err &&
    exit $rc; exit 99
'
test_expect_success 'the twin does not pass its mark on (a pkg it starts may hand over again)' '
    PKG_TWIN=1 "$DYN" version >/dev/null &&
    cat >show-env.sh <<-EOF &&
	#!/bin/sh
	env | grep "^PKG_TWIN=" >"$TMP/env.txt"
	cat
	EOF
    chmod +x show-env.sh &&
    both/pkg template x d --post-renderer ./show-env.sh >out &&
    test_grep "h: ZedaFaxcZaso9\*" out && test ! -s env.txt
'
test_done
