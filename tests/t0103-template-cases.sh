#!/bin/sh
# Differential cases recorded from helm v3.17.1 (testdata/charts/cases.txt):
# pkg template must print the same stdout and exit with the same status; on
# failure, the first line of helm's stderr must appear in pkg's. On success
# stderr holds helm's log lines (coalesce warnings, unknown hooks...): the
# same lines, compared sorted since helm writes them in Go's random map
# order, or none.
. "$(dirname "$0")/test-lib.sh"
C=$TESTDATA/charts

grep -v '^#' "$C/cases.txt" | while IFS='|' read -r name args; do
    name=$(echo "$name" | tr -d ' ')
    [ -n "$name" ] || continue
    echo "$name|$args"
done >"$TMP/cases"

while IFS='|' read -r name args; do
    test_expect_success "$name: $args" '
        want=0; [ -f "$C/golden/$name.code" ] && want=$(cat "$C/golden/$name.code")
        (cd "$C" && eval "\"\$PKG\" template $args") >out 2>err; rc=$?
        [ "$rc" = "$want" ] || { echo "exit $rc, want $want"; cat err; exit 1; }
        test_cmp "$C/golden/$name.out" out || exit 1
        if [ "$want" != 0 ] && [ -f "$C/golden/$name.err" ]; then
            head -1 "$C/golden/$name.err" >first && grep -qF -f first err ||
                { echo "stderr lacks helm'"'"'s first line:"; cat first; cat err; exit 1; }
        elif [ "$want" = 0 ]; then
            : >want_err
            [ -f "$C/golden/$name.err" ] && sort "$C/golden/$name.err" >want_err
            sort err >got_err && test_cmp want_err got_err || exit 1
        fi
    '
done <"$TMP/cases"
test_done
