#!/bin/sh
# test_filters_pay.sh: kaspi-pay and the receipt queues end to end, with the
# simulator and a private cupsd.  `pay --printer Q` exits 0 once the job is
# accepted (its id in --json) and the device gets the receipt; `reprint
# --printer` and `lp` of the saved cheque print the same receipt as the first
# print; with the scheduler down, pay exits 6 with the cheque saved, and a
# reprint succeeds once the scheduler is back.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"
. "$top_srcdir/tests/pay.sh"
. "$top_srcdir/tests/cups-lab.sh"
. "$top_srcdir/tests/filters-lab.sh"

sim_start
flab_start

pay_json() {  # kpay leaves `set -e` on; these checks say what failed instead
    kpay --json "$@"
    set +e
}

captured_text() {  # JOB PROFILE -> the decoded receipt of the job
    local job=$1 profile=$2 state
    state=$(lab_wait_job "$job") || exit 1
    assert_eq completed "$state" "state of job $job"
    flab_decode "$(flab_capture "$job")" "$profile"
}

# --- pay, printed on the 80 mm queue
pay_json pay 1500 --printer receipts80
expect_rc 0 "pay 1500 --printer receipts80"
assert_eq 0 "$(json_field .exit)" "exit in --json"
assert_eq true "$(json_field .printed)" "printed in --json"
job=$(json_field .jobId)
case $job in ''|null|*[!0-9]*) kp_fail "no job id in the result: $OUT" ;; esac
cheque=$(json_field .cheque)
[ -f "$cheque" ] || kp_fail "the saved cheque $cheque is missing"
txid=$(json_field .transactionId)
captured_text "$job" 80mm >"$KP_TMP/first.txt"
assert_file_contains "$KP_TMP/first.txt" "1 500 тг"
assert_file_contains "$KP_TMP/first.txt" "$txid"

# --- the same receipt again, with kaspi-pay reprint and with lp
KASPI_PAY=$top_builddir/src/kaspi-pay
"$KASPI_PAY" --json reprint "$cheque" --printer receipts80 >"$KP_TMP/reprint.json" 2>"$ERR" \
    || { cat "$ERR" >&2; kp_fail "reprint --printer receipts80 failed"; }
job=$(sim_json .jobId <"$KP_TMP/reprint.json")
captured_text "$job" 80mm >"$KP_TMP/reprint.txt"
cmp "$KP_TMP/first.txt" "$KP_TMP/reprint.txt" || kp_fail "reprint --printer printed another receipt"

flab_lp receipts80 "$cheque"
assert_eq completed "$STATE" "lp of the saved cheque"
flab_decode "$(flab_capture "$JOB")" 80mm >"$KP_TMP/lp.txt"
cmp "$KP_TMP/first.txt" "$KP_TMP/lp.txt" || { diff "$KP_TMP/first.txt" "$KP_TMP/lp.txt" >&2;
    kp_fail "lp of the saved cheque printed another receipt than the first print"; }

# --- the scheduler down: approved, not printed, the cheque kept; reprinted later
flab_down
pay_json pay 700 --printer receipts80
expect_rc 6 "pay 700 with the scheduler down"
assert_eq false "$(json_field .printed)" "printed with the scheduler down"
cheque=$(json_field .cheque)
[ -f "$cheque" ] || kp_fail "the cheque of the unprinted payment was not saved"
flab_up
"$KASPI_PAY" --json reprint "$cheque" --printer receipts80 >"$KP_TMP/reprint.json" 2>"$ERR" \
    || { cat "$ERR" >&2; kp_fail "reprint after the scheduler came back failed"; }
job=$(sim_json .jobId <"$KP_TMP/reprint.json")
captured_text "$job" 80mm >"$KP_TMP/late.txt"
assert_file_contains "$KP_TMP/late.txt" "700 тг"

echo "ok: pay --printer, reprint --printer and lp print one receipt; scheduler down -> 6, reprint later"
