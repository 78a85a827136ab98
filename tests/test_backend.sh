#!/bin/sh
# test_backend.sh: the kaspi backend in a private cupsd against the simulator:
# bills in UTF-8, CP866 and CP1251 with ESC/POS commands are paid, then the
# bill (bytes as sent) and the cheque reach the receipt queue in that order;
# a declined payment prints a slip and cancels the job; bills with no amount,
# empty jobs and fractional amounts are canceled with nothing charged.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"
. "$top_srcdir/tests/cups-lab.sh"
. "$top_srcdir/tests/backend.sh"

bk_setup --polls 1

# --- discovery
"$top_builddir/filters/kaspi" >"$KP_TMP/discovery" || kp_fail "discovery exited non-zero"
assert_eq 'network kaspi "Unknown" "Kaspi POS terminal (pay by printing)"' "$(cat "$KP_TMP/discovery")" "discovery line"

# --- approved, in each encoding
captured=0
payments=0
for case in "UTF-8:ИТОГО К ОПЛАТЕ:          1 500,00 ₸:1500" \
            "CP866:ИТОГО ............. 2 750.00:2750" \
            "CP1251:К оплате                 12 345 тг:12345"; do
    charset=${case%%:*}; rest=${case#*:}
    total=${rest%:*}; amount=${rest##*:}
    bk_bill "$charset" "$total" >"$KP_TMP/bill-$charset"
    job=$(bk_submit "$KP_TMP/bill-$charset")
    assert_eq completed "$(lab_wait_job "$job" 20)" "state of the $charset bill's job"
    payments=$((payments + 1))
    captured=$((captured + 2))
    bk_wait_captures $captured
    assert_eq $payments "$(bk_payments)" "payment requests after the $charset bill"
    amount_sent=$(sim_get /_sim/log | sim_json ".requests" | python3 -c '
import json, sys
print([r["args"]["amount"] for r in json.load(sys.stdin) if r["path"] == "/payment"][-1])')
    assert_eq "$amount" "$amount_sent" "amount charged for the $charset bill"
    bill_out=$(bk_captures | sed -n "$((captured - 1))p")
    cheque_out=$(bk_captures | sed -n "${captured}p")
    cmp "$KP_TMP/bill-$charset" "$bill_out" || kp_fail "the $charset bill reached the receipt queue changed"
    python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
assert c["kaspiCheque"] == 1 and c["amount"] == int(sys.argv[2]) and c["response"]["status"] == "success", c
' "$cheque_out" "$amount" || kp_fail "the second job on cap is not the cheque of $amount"
    bk_log_has "$job" "Waiting for payment: $(echo "$amount" | sed ':a;s/\B[0-9]\{3\}\>/ &/;ta') ₸ on terminal 127.0.0.1:$SIM_PORT"
done

# --- declined: a slip, the job canceled
sim_get "/_sim/scenario?name=decline&polls=0" >/dev/null
bk_bill UTF-8 "ИТОГО 990" >"$KP_TMP/bill-decline"
job=$(bk_submit "$KP_TMP/bill-decline")
assert_eq canceled "$(lab_wait_job "$job" 20)" "state of a declined job"
payments=$((payments + 1)); captured=$((captured + 1))
bk_wait_captures $captured
assert_eq $payments "$(bk_payments)" "payment requests after the declined bill"
slip=$(bk_captures | sed -n "${captured}p")
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["kaspiSlip"] == 1 and s["kind"] == "declined" and s["amount"] == 990, s
assert s["terminal"] == "127.0.0.1:" + sys.argv[2] and s["processId"] and s["at"], s
' "$slip" "$SIM_PORT" || kp_fail "the declined slip is wrong: $(cat "$slip")"
bk_log_has "$job" "declined"
sim_get "/_sim/scenario?name=approve" >/dev/null

# --- nothing charged: no amount, empty job, only commands, fractional amount
refuse() {  # FILE WORDS
    job=$(bk_submit "$1")
    assert_eq canceled "$(lab_wait_job "$job" 20)" "state of job $job ($(basename "$1"))"
    bk_log_has "$job" "$2"
}
printf 'Спасибо за покупку!\r\nХлеб 300\r\n' >"$KP_TMP/no-amount"
refuse "$KP_TMP/no-amount" "no amount in the bill"
# lp sends no empty job, a till's network print can: run the backend as cupsd would
: >"$KP_TMP/empty"
for how in file stdin; do
    rc=0
    if [ $how = file ]; then
        DEVICE_URI="kaspi://127.0.0.1:$SIM_PORT/?printer=cap" KASPI_JOURNAL=$KP_TMP/direct-journal \
            KASPI_CONFIG=$LAB/kaspi.conf "$top_builddir/filters/kaspi" 900 lp bill 1 "job-uuid=urn:uuid:empty-$how" \
            "$KP_TMP/empty" 2>"$KP_TMP/empty.err" || rc=$?
    else
        DEVICE_URI="kaspi://127.0.0.1:$SIM_PORT/?printer=cap" KASPI_JOURNAL=$KP_TMP/direct-journal \
            KASPI_CONFIG=$LAB/kaspi.conf "$top_builddir/filters/kaspi" 901 lp bill 1 "job-uuid=urn:uuid:empty-$how" \
            <"$KP_TMP/empty" 2>"$KP_TMP/empty.err" || rc=$?
    fi
    assert_eq 5 "$rc" "exit code of an empty job from $how (CUPS_BACKEND_CANCEL)"
    assert_file_contains "$KP_TMP/empty.err" "^ERROR: the print job is empty"
done
printf '\033@\035VA\020\n' >"$KP_TMP/commands-only"
refuse "$KP_TMP/commands-only" "only printer commands"
bk_bill CP866 "ИТОГО 1 500,50" >"$KP_TMP/fractional"
refuse "$KP_TMP/fractional" "tiyn"
assert_eq $payments "$(bk_payments)" "payment requests after the refused bills"
assert_eq $captured "$(bk_captures | wc -l)" "jobs on the receipt queue after the refused bills"

# --- a terminal that refuses: canceled with its message
sim_get "/_sim/scenario?name=refuse&message=Terminal%20is%20busy" >/dev/null
job=$(bk_submit "$KP_TMP/bill-UTF-8")
assert_eq canceled "$(lab_wait_job "$job" 20)" "state of a refused job"
bk_log_has "$job" "Terminal is busy"
exit 0
