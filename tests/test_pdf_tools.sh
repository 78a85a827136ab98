#!/bin/sh
# test_pdf_tools.sh: the PDF receipts as other programs see them: qpdf finds
# no errors, the font is embedded, pdftotext gives back the receipt's lines
# (Kazakh letters and ₸ included, or their fallbacks with a font that lacks
# them), the page is exactly the paper's width, the file is small, metadata is
# set, and poppler renders it to a PNG.
. "$top_srcdir/tests/lib.sh"

for tool in qpdf pdffonts pdftotext pdfinfo pdftoppm; do
    command -v $tool >/dev/null 2>&1 || kp_skip "$tool is not installed (qpdf, poppler-utils)"
done
SAMPLE="$top_builddir/tests/test_pdf_sample"
FONT="$top_builddir/fonts/kaspi-receipt.ttf"
BOLD="$top_builddir/fonts/kaspi-receipt-bold.ttf"
MINI="$top_builddir/fonts/pdf-test-mini.ttf"
SIZE_LIMIT=30720

# the text of a PDF, one receipt line a line: spaces squeezed, blank lines dropped
pdf_lines() {
    pdftotext -q -layout "$1" - | sed 's/^ *//; s/ *$//; s/   */ /g; s/  */ /g' | grep -v '^$'
}
page_width() { pdfinfo "$1" 2>/dev/null | sed -n 's/^Page size: *\([0-9.]*\) x.*/\1/p'; }

for width in 58 80; do
    pdf="$KP_TMP/receipt-$width.pdf"
    "$SAMPLE" "$pdf" $width receipt "$FONT" "$BOLD" || kp_fail "test_pdf_sample $width failed"

    qpdf --check "$pdf" >"$KP_TMP/qpdf.txt" 2>&1 || { cat "$KP_TMP/qpdf.txt" >&2; kp_fail "qpdf --check $pdf"; }
    assert_file_contains "$KP_TMP/qpdf.txt" "No syntax or stream encoding errors"

    pdffonts "$pdf" 2>/dev/null | sed 1,2d >"$KP_TMP/fonts.txt"
    [ -s "$KP_TMP/fonts.txt" ] || kp_fail "$pdf has no fonts"
    not_embedded=$(awk '$(NF-4) != "yes"' "$KP_TMP/fonts.txt")
    assert_eq "" "$not_embedded" "fonts not embedded in $width mm receipt"

    pdf_lines "$pdf" >"$KP_TMP/text.txt"
    diff -u "$top_srcdir/tests/golden/pdf-sample-$width.txt" "$KP_TMP/text.txt" ||
        kp_fail "pdftotext of the $width mm receipt differs from tests/golden/pdf-sample-$width.txt"

    expected=$(awk "BEGIN { printf \"%.3f\", $width * 72 / 25.4 }")
    assert_eq "$expected" "$(page_width "$pdf")" "page width of the $width mm receipt (points)"

    size=$(wc -c <"$pdf")
    [ "$size" -lt $SIZE_LIMIT ] || kp_fail "$width mm receipt is $size bytes, over $SIZE_LIMIT"
    echo "$width mm receipt: $size bytes"

    pdfinfo "$pdf" >"$KP_TMP/info.txt" 2>/dev/null
    assert_file_contains "$KP_TMP/info.txt" "^Title: *Kaspi cheque 000123456789 (чек)$"
    assert_file_contains "$KP_TMP/info.txt" "^Creator: *kaspi-cups$"
    assert_file_contains "$KP_TMP/info.txt" "^CreationDate: .*2025"
done

# A4: the strip on an office page
pdf="$KP_TMP/receipt-a4.pdf"
"$SAMPLE" "$pdf" 80 a4 "$FONT" "$BOLD" || kp_fail "test_pdf_sample a4 failed"
pdfinfo "$pdf" 2>/dev/null | grep -q '^Page size: *595.* x 841.* (A4)' || kp_fail "A4 page size: $(pdfinfo "$pdf" | grep 'Page size')"
pdf_lines "$pdf" | diff -u "$top_srcdir/tests/golden/pdf-sample-80.txt" - || kp_fail "pdftotext of the A4 page"

# A font without Kazakh letters and ₸: fallbacks are drawn, never blanks
pdf="$KP_TMP/receipt-mini.pdf"
"$SAMPLE" "$pdf" 80 receipt "$MINI" "" || kp_fail "test_pdf_sample with the tiny font failed"
pdf_lines "$pdf" >"$KP_TMP/mini.txt"
if grep -q 'Қ' "$KP_TMP/mini.txt"; then
    echo "the tiny font has Kazakh letters (built without pyftsubset): fallback check skipped"
else
    assert_file_contains "$KP_TMP/mini.txt" '^Казакстан: агкноуухi АГКНОУУХI$'
    assert_file_contains "$KP_TMP/mini.txt" '^Сатып алу N 17 1 000 тг$'
    assert_file_contains "$KP_TMP/mini.txt" '^ТОО "Kaspi Дукен"$'
fi

# poppler draws it: a PNG as wide as 80 mm at 150 dpi
pdftoppm -png -r 150 -singlefile "$KP_TMP/receipt-80.pdf" "$KP_TMP/receipt-80" ||
    kp_fail "pdftoppm could not render the receipt"
png="$KP_TMP/receipt-80.png"
assert_eq "89504e47" "$(od -An -tx1 -N4 "$png" | tr -d ' \n')" "PNG signature"
png_width=$(od -An -tu1 -j16 -N4 "$png" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
expected=$(awk 'BEGIN { w = 80 * 150 / 25.4; printf "%d", (w == int(w)) ? w : int(w) + 1 }')
assert_eq "$expected" "$png_width" "width in pixels of 80 mm at 150 dpi"

# speed, for the log (not asserted)
"$SAMPLE" --bench 200 80 "$FONT" "$BOLD" | sed 's/^/80 mm, real bold: /'
"$SAMPLE" --bench 200 80 "$FONT" "" | sed 's/^/80 mm, fake bold: /'
exit 0
