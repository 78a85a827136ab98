#!/bin/sh
# test_receipt_pay.sh: `kaspi-pay pay ... --output receipt.txt` end to end
# with the simulator (card, QR, loan), a refund, and a receipt that cannot
# be delivered (exit 6, then reprint of the saved cheque).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"
. "$top_srcdir/tests/pay.sh"
set -e
export KASPI_PROFILES="$top_srcdir/data/profiles.conf"
sim_start --quiet --polls 1

kpay --json pay 1500 --output "$KP_TMP/pay.txt"
expect_rc 0 "pay with --output"
assert_eq true "$(json_field .printed)" "printed"
tid=$(json_field .transactionId)
assert_file_contains "$KP_TMP/pay.txt" "О П Л А Т А"
assert_file_contains "$KP_TMP/pay.txt" "1   5 0 0   ₸"
assert_file_contains "$KP_TMP/pay.txt" "\[QR: $tid\]"
assert_file_contains "$KP_TMP/pay.txt" "\[CUT\]"

sim_get "/_sim/scenario?name=qr" >/dev/null
kpay --json --language en pay 2000 --output "$KP_TMP/qr.txt" --profile 58mm
expect_rc 0 "QR pay"
assert_file_contains "$KP_TMP/qr.txt" "Kaspi QR"
assert_file_contains "$KP_TMP/qr.txt" "Order number"

sim_get "/_sim/scenario?name=loan" >/dev/null
kpay --json pay 120000 --output "$KP_TMP/loan.txt"
expect_rc 0 "loan pay"
assert_file_contains "$KP_TMP/loan.txt" "12 мес."
assert_file_contains "$KP_TMP/loan.txt" "Рассрочка 0-0-12"

kpay --json refund 1500 --method card --transaction "$tid" --output "$KP_TMP/refund.pdf"
expect_rc 0 "refund to a PDF"
[ "$(head -c 5 "$KP_TMP/refund.pdf")" = "%PDF-" ] || kp_fail "the refund receipt is not a PDF"

# not delivered: exit 6, the cheque is saved, reprint delivers it
kpay --json pay 300 --output "$KP_TMP/no/such/dir/r.txt"
expect_rc 6 "pay with an unwritable output"
cheque=$(json_field .cheque)
[ -f "$cheque" ] || kp_fail "no saved cheque after exit 6"
kpay --quiet reprint "$cheque" --output "$KP_TMP/again.txt"
expect_rc 0 "reprint after exit 6"
assert_file_contains "$KP_TMP/again.txt" "3 0 0   ₸"
echo "pay and receipt tests passed"
