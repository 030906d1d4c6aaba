#!/bin/sh
# pkg repo index on real charts: every chart of the conformance corpus,
# packaged by helm, indexed by pkg and by helm: the same index, field for
# field (YAML and JSON), except the timestamps.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/repo-lib.sh"

CORPUS=$SHARED/conformance/helm
if [ ! -x "$HELM" ] || [ ! -d "$CORPUS" ]; then
    test_skip 'index the conformance charts' 'reference helm or ../shared/conformance missing'
    test_done; exit
    exit 0
fi
mkdir -p "$TMP/p"
for d in "$CORPUS"/*/chart; do
    "$HELM" package "$d" -d "$TMP/p" >/dev/null 2>&1 || true # the corpus has broken charts on purpose
done
cp -r "$TMP/p" "$TMP/h"
strip_times() { sed -E 's/^( *"?(created|generated)"?:) .*/\1 T/' "$1"; }

test_expect_success "index of $(ls "$TMP/p" | wc -l) real charts equals helm's" '
    test "$(ls p | wc -l)" -ge 40 &&
    "$PKG" repo index p 2>err && "$HELM" repo index h &&
    strip_times h/index.yaml >hy && strip_times p/index.yaml >py && test_cmp hy py
'
test_expect_success 'the same with --url and --json' '
    "$PKG" repo index p --json --url https://charts.example.com/x 2>err &&
    "$HELM" repo index h --json --url https://charts.example.com/x &&
    strip_times h/index.yaml >hy && strip_times p/index.yaml >py && test_cmp hy py
'
test_done
