#!/bin/sh
# test_receipt_print.sh: `kaspi-pay reprint --printer QUEUE` against a private
# cupsd (tests/cups-lab.sh): the job is accepted (exit 0, its id in --json),
# titled "Kaspi cheque <transactionId>", and the device
# gets exactly the bytes --output writes; a queue that does not exist is exit 6.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/cups-lab.sh"
set -e
KASPI_PAY=$top_builddir/src/kaspi-pay
export KASPI_CONFIG=/dev/null KASPI_PROFILES="$top_srcdir/data/profiles.conf" TZ=UTC
CHEQUE=$top_srcdir/tests/data/cheques/qr-order.json
lab_start
lab_add_capture_queue raw ""

"$KASPI_PAY" --quiet reprint "$CHEQUE" --output "$KP_TMP/expected.bin"
out=$("$KASPI_PAY" --json reprint "$CHEQUE" --printer raw 2>"$KP_TMP/err") ||
    { cat "$KP_TMP/err" >&2; kp_fail "reprint --printer raw"; }
job=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobId"])')
assert_eq completed "$(lab_wait_job "$job")" "state of job $job"
assert_eq "Kaspi cheque 987654321" "$(sed -n 2p "$LAB/capture/$job-1.args")" "title of job $job"
cmp "$KP_TMP/expected.bin" "$LAB/capture/$job-1.out" || kp_fail "the queue got other bytes than --output writes"

set +e
"$KASPI_PAY" --quiet reprint "$CHEQUE" --printer nosuchqueue 2>"$KP_TMP/err"
rc=$?
set -e
assert_eq 6 "$rc" "reprint to a queue that does not exist"
assert_file_contains "$KP_TMP/err" "nosuchqueue"
echo "reprint to a CUPS queue passed"
