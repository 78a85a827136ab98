#!/bin/sh
# test_receipt_golden.sh: every default template rendered as text through
# `kaspi-pay reprint --output X.txt` for the cheques under tests/data/cheques
# (and the declined slip), in ru, kk and en, on 58 mm and 80 mm profiles,
# compared with tests/golden/receipts/NAME.LANG.WIDTH.txt; no line wider than
# the profile's characters per line.  KP_UPDATE_GOLDEN=1 rewrites the goldens.
. "$top_srcdir/tests/lib.sh"
set -e
KASPI_PAY=$top_builddir/src/kaspi-pay
export KASPI_CONFIG=/dev/null KASPI_PROFILES="$top_srcdir/data/profiles.conf" TZ=UTC
GOLDEN=$top_srcdir/tests/golden/receipts
DATA=$top_srcdir/tests/data

# max_width FILE: the widest line, in characters
max_width() {
    python3 -c 'import sys; print(max([len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")] or [0]))' "$1"
}

n=0
for doc in "$DATA"/cheques/*.json "$DATA"/slips/*.json; do
    name=$(basename "$doc" .json)
    for lang in ru kk en; do
        for width in 58 80; do
            cpl=48; [ $width = 58 ] && cpl=32
            out=$KP_TMP/$name.$lang.$width.txt
            "$KASPI_PAY" --quiet reprint "$doc" --output "$out" --profile ${width}mm \
                --language $lang 2>"$KP_TMP/err" || { cat "$KP_TMP/err" >&2; kp_fail "reprint $name $lang $width"; }
            w=$(max_width "$out")
            [ "$w" -le $cpl ] || { cat "$out" >&2; kp_fail "$name.$lang.$width: a line of $w characters, over $cpl"; }
            if [ "${KP_UPDATE_GOLDEN:-}" = 1 ]; then
                mkdir -p "$GOLDEN"
                cp "$out" "$GOLDEN/$name.$lang.$width.txt"
            else
                diff -u "$GOLDEN/$name.$lang.$width.txt" "$out" >&2 ||
                    kp_fail "$name.$lang.$width differs from its golden (KP_UPDATE_GOLDEN=1 to accept)"
            fi
            n=$((n + 1))
        done
    done
done
echo "$n golden receipts match"
