#!/bin/sh
# The command-line skeleton: help, version, unknown commands and flags.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'pkg --help lists commands' '
    "$PKG" --help >out && test_grep "^Commands:" out && test_grep "version" out
'
test_expect_success 'pkg with no arguments shows help' '
    "$PKG" >out && test_grep "Usage:" out
'
test_expect_success 'pkg version and --version agree' '
    "$PKG" version --short >a && "$PKG" --version >b && test_cmp a b &&
    test_grep "^v[0-9]" a
'
test_expect_success 'pkg help COMMAND and COMMAND --help agree' '
    "$PKG" help version >a && "$PKG" version --help >b && test_cmp a b &&
    test_grep "Usage:" a
'
test_expect_code 2 'unknown command exits 2 and suggests the nearest' '
    "$PKG" verison 2>err; rc=$?; test_grep "unknown command \"verison\"" err &&
    test_grep "version" err && exit $rc
'
test_expect_code 2 'unknown flag exits 2 and names it' '
    "$PKG" version --bogus 2>err; rc=$?; test_grep "unknown flag: --bogus" err && exit $rc
'
test_expect_code 2 'misspelt flag gets a suggestion' '
    "$PKG" version --shrt 2>err; rc=$?; test_grep "did you mean --short" err && exit $rc
'
test_expect_code 2 'flag without its argument' '
    "$PKG" yaml fmt --style 2>err; rc=$?; test_grep "flag needs an argument" err && exit $rc
'
test_expect_code 2 'unknown global flag' '
    "$PKG" --frobnicate 2>err; rc=$?; test_grep "unknown flag" err && exit $rc
'
test_done
