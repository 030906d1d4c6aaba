#!/bin/sh
# pkg yaml fmt: YAML load and emit end to end, in the output styles of
# helm's toYaml, kubectl kustomize and encoding/json; bad and hostile input.
. "$(dirname "$0")/test-lib.sh"

FIX=$TESTDATA/yaml-emit

test_expect_success 'helm style prints what toYaml prints (helm-made fixture)' '
    "$PKG" yaml fmt --style helm "$FIX/nested.in.yaml" >out &&
    test_cmp "$FIX/nested.out" out
'
test_expect_success 'helm is the default style' '
    "$PKG" yaml fmt "$FIX/nested.in.yaml" >out && test_cmp "$FIX/nested.out" out
'
test_expect_success 'keys sorted, quoting, block scalars, empty collections' '
    cat >in.yaml <<-\EOF &&
	b: "yes"
	a: [x, {}, [], "- dash"]
	c: "two\nlines\n"
	d: 1.5e-7
	e: 3.0
	EOF
    cat >want <<-\EOF &&
	a:
	- x
	- {}
	- []
	- '"'"'- dash'"'"'
	b: "yes"
	c: |
	  two
	  lines
	d: 1.5e-07
	e: 3
	EOF
    "$PKG" yaml fmt in.yaml >out && test_cmp want out
'
test_expect_success 'documents are kept apart with ---, files too; stdin is -' '
    printf "a: 1\n---\nb: 2\n" >two.yaml && printf "c: 3\n" >one.yaml &&
    cat one.yaml | "$PKG" yaml fmt two.yaml - >out &&
    printf "a: 1\n---\nb: 2\n---\nc: 3\n" >want && test_cmp want out
'
test_expect_success 'a top-level scalar, null and empty documents' '
    printf "foo\n---\n---\n{}\n" >s.yaml && "$PKG" yaml fmt s.yaml >out &&
    printf "foo\n---\nnull\n---\n{}\n" >want && test_cmp want out
'
test_expect_success 'json style is json.MarshalIndent with sorted keys, escaped <>&' '
    printf "b: [1, 2.5, \"<a&b>\"]\na: {}\nc: []\n" >j.yaml &&
    "$PKG" yaml fmt --style json j.yaml >out &&
    printf "{\n  \"a\": {},\n  \"b\": [\n    1,\n    2.5,\n    \"\\\\u003ca\\\\u0026b\\\\u003e\"\n  ],\n  \"c\": []\n}\n" >want &&
    test_cmp want out
'
if [ -d "$SHARED/conformance/kustomize" ]; then
    test_expect_success 'kustomize style reproduces every kustomize expected output' '
        n=0 &&
        for f in "$SHARED"/conformance/kustomize/*/expected.yaml; do
            "$PKG" yaml fmt --style kustomize "$f" >out || exit 1
            cmp -s "$f" out || { echo "differs: $f"; diff "$f" out | head; exit 1; }
            n=$((n + 1))
        done && test "$n" -gt 30
    '
else
    test_skip 'kustomize style reproduces every kustomize expected output' \
        '../shared/conformance is not there'
fi
test_expect_code 1 'malformed YAML: file:line:col, exit 1, nothing on stdout' '
    printf "a: [1, 2\nb: x\n" >bad.yaml &&
    "$PKG" yaml fmt bad.yaml >out 2>err; rc=$?
    test_grep "bad.yaml:2:2: " err && test ! -s out && exit $rc
'
test_expect_code 1 'one bad file among good ones prints nothing' '
    printf "a: 1\n" >good.yaml && printf "a: \"open\n" >bad2.yaml &&
    "$PKG" yaml fmt good.yaml bad2.yaml >out 2>err; rc=$?
    test_grep "bad2.yaml:" err && test ! -s out && exit $rc
'
test_expect_code 1 'NaN cannot be printed (json: unsupported value)' '
    printf "a: .nan\n" >nan.yaml &&
    "$PKG" yaml fmt nan.yaml >out 2>err; rc=$?
    test_grep "json: unsupported value: NaN" err && test ! -s out && exit $rc
'
test_expect_code 1 'an alias bomb is refused quickly' '
    { echo "a: &a [x, x, x, x, x, x, x, x, x, x]"
      for l in b c d e f g h i j; do
          p=$(echo abcdefghij | sed "s/$l.*//" | tail -c 2)
          echo "$l: &$l [*$p, *$p, *$p, *$p, *$p, *$p, *$p, *$p, *$p, *$p]"
      done; } >bomb.yaml &&
    start=$(date +%s) &&
    "$PKG" yaml fmt bomb.yaml >out 2>err; rc=$?
    test $(( $(date +%s) - start )) -le 5 && test_grep "aliasing" err && test ! -s out &&
    exit $rc
'
test_expect_code 1 'a 100,000-level nesting bomb is refused quickly' '
    awk "BEGIN { for (i = 0; i < 100000; i++) printf \"[\"; print \"\" }" >deep.yaml &&
    start=$(date +%s) &&
    "$PKG" yaml fmt deep.yaml >out 2>err; rc=$?
    test $(( $(date +%s) - start )) -le 5 && test_grep "deep.yaml:1:1001: .*nested deeper" err &&
    test ! -s out && exit $rc
'
test_expect_code 1 'a missing file is named' '
    "$PKG" yaml fmt no-such.yaml 2>err; rc=$?; test_grep "no-such.yaml" err && exit $rc
'
test_expect_code 2 'an unknown style is a usage error' '
    "$PKG" yaml fmt --style xml "$FIX/nested.in.yaml" 2>err; rc=$?
    test_grep "invalid argument \"xml\" for \"--style\"" err && exit $rc
'
test_done
