#!/bin/sh
# test_receipt_cli.sh: kaspi-pay reprint (text, ESC/POS, PDF, errors and exit
# codes), expand and profiles.
. "$top_srcdir/tests/lib.sh"
set -e
KASPI_PAY=$top_builddir/src/kaspi-pay
export KASPI_CONFIG=/dev/null KASPI_PROFILES="$top_srcdir/data/profiles.conf" TZ=UTC
export CUPS_SERVER="$KP_TMP/no-cupsd.sock"      # no scheduler: a queue is unreachable
DATA=$top_srcdir/tests/data
CHEQUE=$DATA/cheques/card-gold.json

run() {  # ARGS...: sets RC, OUT; stderr in $KP_TMP/err
    set +e
    OUT=$("$KASPI_PAY" "$@" 2>"$KP_TMP/err")
    RC=$?
    set -e
}
expect() {  # code what
    [ "$RC" -eq "$1" ] || { cat "$KP_TMP/err" >&2; kp_fail "$2: expected exit $1, got $RC"; }
}

# reprint to text, ESC/POS and PDF files, format from the name or --format
run --quiet reprint "$CHEQUE" --output "$KP_TMP/r.txt"
expect 0 "reprint to .txt"
assert_file_contains "$KP_TMP/r.txt" "\[QR: 12345\]"
assert_file_contains "$KP_TMP/r.txt" "Converse Ltd"
run --quiet reprint "$CHEQUE" --output "$KP_TMP/r.bin"
expect 0 "reprint to .bin"
[ "$(head -c 2 "$KP_TMP/r.bin" | od -An -tx1 | tr -d ' ')" = 1b40 ] || kp_fail "ESC/POS must start with ESC @"
grep -q "Converse Ltd" "$KP_TMP/r.bin" || kp_fail "the store's name is not in the ESC/POS bytes"
run --quiet reprint "$CHEQUE" --output "$KP_TMP/r.out" --format text
expect 0 "reprint --format text"
cmp -s "$KP_TMP/r.txt" "$KP_TMP/r.out" || kp_fail "--format text differs from .txt"
[ "$(stat -c %a "$KP_TMP/r.txt")" = 600 ] || kp_fail "the receipt file is not 0600"
run --quiet reprint "$CHEQUE" --output "$KP_TMP/r.pdf" --profile 58mm
expect 0 "reprint to .pdf"
[ "$(head -c 5 "$KP_TMP/r.pdf")" = "%PDF-" ] || kp_fail "not a PDF"
if command -v qpdf >/dev/null; then
    qpdf --check "$KP_TMP/r.pdf" >"$KP_TMP/qpdf" 2>&1 || { cat "$KP_TMP/qpdf" >&2; kp_fail "qpdf --check"; }
fi
if command -v pdftotext >/dev/null; then
    pdftotext "$KP_TMP/r.pdf" "$KP_TMP/r.pdf.txt" 2>/dev/null
    assert_file_contains "$KP_TMP/r.pdf.txt" "Converse Ltd"
fi
# --json: one object saying where it went
run --json reprint "$CHEQUE" --output "$KP_TMP/j.txt"
expect 0 "reprint --json"
echo "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["printed"] is True and d["exit"] == 0 and d["transactionId"] == "12345", d'

# a declined slip is a document too; a template file; cut = no
run --quiet reprint "$DATA/slips/declined.json" --output "$KP_TMP/s.txt" --language en
expect 0 "reprint a slip"
assert_file_contains "$KP_TMP/s.txt" "PAYMENT DECLINED"
printf '"{{receipt.title}}" | {{receipt.amount}}\n=\n' >"$KP_TMP/mine.receipt"
run --quiet reprint "$CHEQUE" --output "$KP_TMP/m.txt" --template "$KP_TMP/mine.receipt"
expect 0 "reprint --template FILE"
assert_eq "ОПЛАТА                                   1 500 ₸" "$(head -n 1 "$KP_TMP/m.txt")" "own template"
printf 'cut = no\nfooter = "Рахмет!"\nlanguage = kk\n' >"$KP_TMP/k.conf"
run --quiet --config "$KP_TMP/k.conf" reprint "$CHEQUE" --output "$KP_TMP/k.txt"
expect 0 "reprint with kaspi.conf"
assert_file_contains "$KP_TMP/k.txt" "Рахмет!"
assert_file_contains "$KP_TMP/k.txt" "Т Ө Л Е М"
! grep -q "\[CUT\]" "$KP_TMP/k.txt" || kp_fail "cut = no still cuts"
printf 'cut = maybe\n' >"$KP_TMP/bad.conf"
run --quiet --config "$KP_TMP/bad.conf" reprint "$CHEQUE" --output "$KP_TMP/x.txt"
expect 6 "a bad cut setting"
assert_file_contains "$KP_TMP/err" "cut in"

# errors: bad cheque (2, the loader's message), usage (2), not delivered (6)
printf '{"kaspiCheque": 1, "operation": "payment",' >"$KP_TMP/broken.json"
run reprint "$KP_TMP/broken.json" --output "$KP_TMP/x.txt"
expect 2 "a broken cheque"
assert_file_contains "$KP_TMP/err" "broken.json"
[ ! -e "$KP_TMP/x.txt" ] || kp_fail "a broken cheque wrote a receipt"
run reprint "$KP_TMP/missing.json" --output "$KP_TMP/x.txt"
expect 2 "a missing cheque"
run reprint "$CHEQUE"
expect 2 "reprint with nowhere to print"
run reprint "$CHEQUE" --output "$KP_TMP/x.txt" --format postscript
expect 2 "an unknown format"
run reprint "$CHEQUE" --output "$KP_TMP/x.txt" --profile nosuch
expect 6 "an unknown profile"
assert_file_contains "$KP_TMP/err" "nosuch"
run reprint "$CHEQUE" --output "$KP_TMP/x.txt" --template nosuch
expect 6 "an unknown template"
assert_file_contains "$KP_TMP/err" "nosuch"
run reprint "$CHEQUE" --output "$KP_TMP/x.txt" --language xx
expect 6 "an unknown language"
run reprint "$CHEQUE" --output "$KP_TMP/no/such/dir/x.txt"
expect 6 "an unwritable output"
run reprint "$CHEQUE" --printer receipts
expect 6 "a queue without a scheduler"

# expand: plain JSON as it is, escapes, partials; a cheque gives the receipt data
printf '{"a": "x|y", "b": "<b>"}' >"$KP_TMP/d.json"
printf '{{a}} {{b}} {{>p}}\n' >"$KP_TMP/t.mustache"
mkdir -p "$KP_TMP/parts"; printf 'partial {{a}}' >"$KP_TMP/parts/p.mustache"
run expand "$KP_TMP/t.mustache" --data "$KP_TMP/d.json" --partials "$KP_TMP/parts"
expect 0 "expand"
assert_eq 'x\|y <b> partial x\|y' "$OUT" "expand --escape receipt"
run expand "$KP_TMP/t.mustache" --data "$KP_TMP/d.json" --partials "$KP_TMP/parts" --escape html
assert_eq 'x|y &lt;b&gt; partial x|y' "$OUT" "expand --escape html"
run expand "$KP_TMP/t.mustache" --data "$KP_TMP/d.json" --escape none
assert_eq 'x|y <b> ' "$OUT" "expand --escape none (no partials dir: empty partial)"
run expand "$KP_TMP/t.mustache" --data "$KP_TMP/d.json" --escape json
expect 2 "expand --escape json"
run expand "$KP_TMP/t.mustache"
expect 2 "expand without --data"
printf '{{#a}}' >"$KP_TMP/bad.mustache"
run expand "$KP_TMP/bad.mustache" --data "$KP_TMP/d.json"
expect 2 "expand of a broken template"
assert_file_contains "$KP_TMP/err" "bad.mustache:1"
run expand "$top_srcdir/templates/payment-80.receipt" --data "$CHEQUE"
expect 0 "expand a default template over a cheque"
printf '%s\n' "$OUT" | grep -q '^{code:12345; option:qrcode' || kp_fail "expand: no QR code line"
printf '%s\n' "$OUT" | grep -q '^"ИТОГО" | "^1 500 ₸"$' || kp_fail "expand: no total line"
run expand "$top_srcdir/templates/payment-80.receipt" --data "$DATA/cheques/hostile.json"
expect 0 "expand over hostile data"
printf '%s\n' "$OUT" | grep -q 'tx\\|\\{code:x\\}' || kp_fail "expand: hostile data not escaped"

# profiles: NAME<TAB>CPL<TAB>CODE_PAGE<TAB>description
run profiles
expect 0 "profiles"
printf '%s\n' "$OUT" | grep -q "^80mm	48	CP866	" || kp_fail "profiles: no 80mm line"
printf '%s\n' "$OUT" | grep -q "^58mm	32	CP866	" || kp_fail "profiles: no 58mm line"
printf '%s\n' "$OUT" | awk -F '\t' 'NF != 4 { exit 1 }' || kp_fail "profiles: a line without 4 fields"
KASPI_PROFILES=$KP_TMP/none.conf run profiles
expect 7 "profiles from a missing file"
echo "reprint, expand and profiles tests passed"
