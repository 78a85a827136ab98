#!/bin/sh
# test_layout_agree.sh: our --format text against ReceiptLine itself.
# Every document under tests/data/receiptline and 200 random documents (fixed
# seed, tests/receiptline-random.js) are printed at 32, 42 and 48 characters
# per line by tests/kp-render-text (marker lines left out) and by ReceiptLine
# 4.0.4's text target through node; all must agree byte for byte (trailing
# spaces trimmed on both sides).
# ReceiptLine comes from $KASPI_RECEIPTLINE_DIR (the package's directory, or
# a prefix holding node_modules/receiptline), else is installed once with npm
# into $top_builddir/.receiptline.  Without node, npm or the package: SKIP.
. "$top_srcdir/tests/lib.sh"

RL_VERSION=4.0.4
command -v node >/dev/null 2>&1 || kp_skip "node is not installed: cannot compare with ReceiptLine"

find_receiptline() {
    for d in "$1" "$1/node_modules/receiptline"; do
        if [ -f "$d/package.json" ] && [ -f "$d/lib/receiptline.js" ]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

if [ -n "${KASPI_RECEIPTLINE_DIR:-}" ]; then
    RL=$(find_receiptline "$KASPI_RECEIPTLINE_DIR") ||
        kp_skip "KASPI_RECEIPTLINE_DIR=$KASPI_RECEIPTLINE_DIR holds no receiptline package"
else
    cache="$top_builddir/.receiptline"
    if ! RL=$(find_receiptline "$cache"); then
        command -v npm >/dev/null 2>&1 || kp_skip "npm is not installed: cannot fetch receiptline@$RL_VERSION"
        npm install --prefix "$cache" --no-audit --no-fund --no-save "receiptline@$RL_VERSION" \
            >"$KP_TMP/npm.log" 2>&1 ||
            { cat "$KP_TMP/npm.log" >&2; kp_skip "npm install receiptline@$RL_VERSION failed (no network?)"; }
        RL=$(find_receiptline "$cache") || kp_skip "npm installed no receiptline package"
    fi
fi
version=$(node -p "require('$RL/package.json').version") || kp_fail "cannot read $RL/package.json"
[ "$version" = "$RL_VERSION" ] || echo "note: comparing with receiptline $version, not $RL_VERSION" >&2

render="$top_builddir/tests/kp-render-text"
[ -x "$render" ] || kp_fail "$render is not built"

mkdir -p "$KP_TMP/docs" "$KP_TMP/ref"
cp "$top_srcdir"/tests/data/receiptline/*.receipt "$KP_TMP/docs/"
node "$top_srcdir/tests/receiptline-random.js" 20260501 200 "$KP_TMP/docs" ||
    kp_fail "could not generate the random documents"

documents=0
compared=0
failed=0
for cpl in 32 42 48; do
    node "$top_srcdir/tests/receiptline-text.js" "$RL" "$cpl" "$KP_TMP/ref" "$KP_TMP"/docs/*.receipt ||
        kp_fail "ReceiptLine could not print the documents at $cpl"
done
for doc in "$KP_TMP"/docs/*.receipt; do
    name=$(basename "$doc")
    documents=$((documents + 1))
    for cpl in 32 42 48; do
        ref="$KP_TMP/ref/$name.$cpl"
        if grep -q '^ReceiptLine failed' "$ref"; then
            kp_fail "$name at $cpl: ReceiptLine itself failed ($(cat "$ref")); fix the document"
        fi
        "$render" --no-markers "$doc" "$cpl" >"$KP_TMP/ours" || kp_fail "kp-render-text failed on $name"
        compared=$((compared + 1))
        if ! cmp -s "$ref" "$KP_TMP/ours"; then
            failed=$((failed + 1))
            if [ "$failed" -le 5 ]; then
                echo "--- $name at $cpl characters: ReceiptLine (-) and ours (+)" >&2
                diff -u "$ref" "$KP_TMP/ours" | head -40 >&2
                case $name in random-*) echo "--- the document:" >&2; cat "$doc" >&2; echo >&2 ;; esac
            fi
        fi
    done
done
echo "agreement with receiptline $version: $documents documents x 3 widths = $compared renders, $failed differ"
[ "$failed" -eq 0 ] || kp_fail "$failed of $compared renders differ from ReceiptLine"
[ "$documents" -ge 240 ] || kp_fail "only $documents documents were compared"
