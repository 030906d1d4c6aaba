# test-lib.sh: a small TAP library for pkg's end-to-end tests (after git's
# t/test-lib.sh). Source it, call the helpers, end with test_done.
#
#   . "$(dirname "$0")/test-lib.sh"
#   test_expect_success 'name' 'commands'
#   test_expect_code 1 'name' 'commands'   # exit status must be 1
#   test_skip 'name' 'reason'
#   test_done
#
# test_done ends a script: where a script stops early (all of it skipped),
# write `test_done; exit`, or the rest runs anyway.
#
# $PKG is the binary under test (make e2e sets it); each script gets a
# scratch directory $TMP (removed at exit) and PKG_HOME inside it.

set -u
TEST_DIR=$(cd "$(dirname "$0")" && pwd)
SRC_DIR=$(cd "$TEST_DIR/.." && pwd)
PKG=${PKG:-$SRC_DIR/pkg}
SHARED=${SHARED:-$SRC_DIR/../shared}
TESTDATA=$SRC_DIR/testdata
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pkg-test.XXXXXX")
# The e2e run's register of scratch names: cgroups and network namespaces
# named after them are this run's, which scripts/check-leftovers.sh checks.
[ -n "${TMPDIR:-}" ] && basename "$TMP" >>"$TMPDIR/.scratch-names"
export PKG_HOME="$TMP/home"
export HOME="$TMP/userhome"
mkdir -p "$PKG_HOME" "$HOME"
test_count=0
test_failed=0
_cleanup_hooks=""

test_cleanup() { _cleanup_hooks="$1
$_cleanup_hooks"; }
_run_cleanup() {
    [ -n "$_cleanup_hooks" ] && eval "$_cleanup_hooks" >/dev/null 2>&1
    rm -rf "$TMP"
}
trap _run_cleanup EXIT

_report() { # ok|not ok, name, [output file]
    test_count=$((test_count + 1))
    echo "$1 $test_count - $2"
    if [ "$1" != ok ] && [ -n "${3:-}" ] && [ -s "$3" ]; then
        sed 's/^/# /' "$3" | head -40
    fi
}

test_expect_success() {
    _out="$TMP/.out"
    if (cd "$TMP" && eval "$2") >"$_out" 2>&1; then
        _report ok "$1"
    else
        test_failed=$((test_failed + 1))
        _report "not ok" "$1" "$_out"
    fi
}

# test_expect_code CODE 'name' 'commands': the commands' last status must be CODE.
test_expect_code() {
    _want=$1
    _out="$TMP/.out"
    (cd "$TMP" && eval "$3") >"$_out" 2>&1
    _got=$?
    if [ "$_got" = "$_want" ]; then
        _report ok "$2"
    else
        echo "expected exit $_want, got $_got" >>"$_out"
        test_failed=$((test_failed + 1))
        _report "not ok" "$2" "$_out"
    fi
}

test_skip() {
    test_count=$((test_count + 1))
    echo "ok $test_count # skip $1 ($2)"
}

# Helpers for test bodies.
test_cmp() { # expected actual
    diff -u "$1" "$2"
}
test_grep() { # pattern file
    grep -q -e "$1" "$2" || { echo "pattern '$1' not found in $2:"; cat "$2"; return 1; }
}
test_must_fail() { # command...: must exit 1 (not a crash, not 0)
    "$@"
    _rc=$?
    if [ $_rc -eq 1 ]; then return 0; fi
    echo "expected exit 1, got $_rc: $*"
    return 1
}

test_done() {
    echo "1..$test_count"
    [ "$test_failed" -eq 0 ]
}
