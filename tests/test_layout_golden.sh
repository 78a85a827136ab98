#!/bin/sh
# test_layout_golden.sh: the text picture, marker lines included, of a few
# documents against tests/golden/layout/NAME.CPL.txt.  To regenerate on
# purpose: KASPI_REGENERATE_GOLDEN=1 make check TESTS=tests/test_layout_golden.sh
. "$top_srcdir/tests/lib.sh"

render="$top_builddir/tests/kp-render-text"
golden="$top_srcdir/tests/golden/layout"
n=0
for g in "$golden"/*.txt; do
    base=$(basename "$g" .txt)          # NAME.CPL
    name=${base%.*}
    cpl=${base##*.}
    doc="$top_srcdir/tests/data/receiptline/$name.receipt"
    [ -f "$doc" ] || kp_fail "$g has no document $doc"
    "$render" "$doc" "$cpl" >"$KP_TMP/out" || kp_fail "kp-render-text failed on $doc"
    if [ -n "${KASPI_REGENERATE_GOLDEN:-}" ]; then
        cp "$KP_TMP/out" "$g"
    elif ! cmp -s "$g" "$KP_TMP/out"; then
        diff -u "$g" "$KP_TMP/out" >&2
        kp_fail "$name at $cpl differs from $g"
    fi
    n=$((n + 1))
done
[ "$n" -ge 4 ] || kp_fail "only $n golden files found"
echo "$n golden text files match"
