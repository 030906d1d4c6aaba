#!/bin/sh
# pkg tmpl exec: the template engine from the command line (developer tool).
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'renders a template with values and a partial' '
    printf "a: {{ .Values.x | printf \"%%d\" }}\nb: {{ include \"h\" . }}\n" >m.yaml &&
    printf "{{ define \"h\" }}{{ .Release.Name }}-{{ .Release.Namespace }}{{ end }}" >_h.tpl &&
    printf "x: 42\n" >v.yaml &&
    "$PKG" tmpl exec m.yaml _h.tpl -f v.yaml >out &&
    printf "a: %%!d(float64=42)\nb: release-name-default\n" >want &&
    test_cmp want out
'
test_expect_success 'later values files override earlier ones' '
    printf "foo: 1\nbar: 1\n" >v1.yaml && printf "bar: 2\n" >v2.yaml &&
    printf "{{ .Values.foo }} {{ .Values.bar }}" >t.yaml &&
    "$PKG" tmpl exec t.yaml -f v1.yaml -f v2.yaml >out &&
    printf "1 2" >want && test_cmp want out
'
test_expect_success 'missing keys print nothing, as in helm' '
    printf "[{{ .Values.nope }}]" >t.yaml &&
    "$PKG" tmpl exec t.yaml >out && printf "[]" >want && test_cmp want out
'
test_expect_code 1 'a syntax error is reported like helm, nothing on stdout' '
    printf "a: {{ .Values.x\nb: 1\n" >bad.yaml &&
    "$PKG" tmpl exec bad.yaml >out 2>err; rc=$?;
    test_grep "parse error at (chart/templates/bad.yaml:2): function \"b\" not defined" err &&
    test ! -s out && exit $rc
'
test_expect_code 1 'an unknown function is a parse error' '
    printf "x\n{{ toKebabCase 1 }}\n" >bad.yaml &&
    "$PKG" tmpl exec bad.yaml 2>err; rc=$?;
    test_grep "function \"toKebabCase\" not defined" err && exit $rc
'
test_expect_code 1 'nil pointer errors name the template, position and node' '
    printf "a: {{ .Values.a.b.c }}" >np.yaml &&
    "$PKG" tmpl exec np.yaml 2>err; rc=$?;
    test_grep "template: chart/templates/np.yaml:1:13: executing \"chart/templates/np.yaml\" at <.Values.a.b.c>: nil pointer evaluating interface {}.b" err &&
    exit $rc
'
test_expect_code 1 'required fails with helm'"'"'s message' '
    printf "x: {{ required \"need x\" .Values.x }}" >r.yaml &&
    "$PKG" tmpl exec r.yaml 2>err; rc=$?;
    test_grep "execution error at (chart/templates/r.yaml:1:6): need x" err && exit $rc
'
test_expect_code 1 'recursive include stops with helm'"'"'s error' '
    printf "{{ include \"loop\" . }}" >m.yaml &&
    printf "{{ define \"loop\" }}{{ include \"loop\" . }}{{ end }}" >_l.tpl &&
    "$PKG" tmpl exec m.yaml _l.tpl 2>err; rc=$?;
    test_grep "rendering template has a nested reference name: loop: unable to execute template" err &&
    exit $rc
'
test_expect_code 1 'a missing template file is an error' '
    "$PKG" tmpl exec nope.yaml 2>err; rc=$?; test_grep "nope.yaml" err && exit $rc
'
test_expect_code 2 'tmpl without a subcommand is a usage error' '
    "$PKG" tmpl 2>err; rc=$?; test_grep "missing subcommand" err && exit $rc
'
test_expect_success 'tmpl parse accepts unknown functions with --skip-func-check' '
    printf "{{ define \"a\" }}{{ toKebabCase . }}{{ end }}" >p.tpl &&
    "$PKG" tmpl parse --skip-func-check p.tpl
'
test_expect_code 1 'tmpl parse reports the first parse error' '
    printf "{{ if }}" >p.tpl && "$PKG" tmpl parse p.tpl 2>err; rc=$?;
    test_grep "template: p.tpl:1: missing value for if" err && exit $rc
'
test_expect_success 'tmpl is hidden from pkg --help' '
    "$PKG" --help >out && ! grep -q "^  tmpl " out
'
test_done
