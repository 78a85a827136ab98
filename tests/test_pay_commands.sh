#!/bin/sh
# test_pay_commands.sh: kaspi-pay's other commands and settings: refunds
# with odd transaction ids, status, journal list/show, --help, and the order
# flag > environment > config file > default.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"
. "$top_srcdir/tests/pay.sh"
set -e
sim_start --quiet --polls 1

# a refund of a real payment
kpay --json pay 5000
expect_rc 0 "payment to refund"
tx=$(json_field .transactionId)
kpay --json refund 2000 --method card --transaction "$tx"
expect_rc 0 "refund"
assert_eq refund "$(json_field .operation)" "operation"
assert_file_contains "$(json_field .cheque)" '"operation": "refund"'

# odd transaction ids travel URL-encoded and arrive intact
odd='12&amount=1 Жа=+%'
kpay --json refund 10 --method qr --transaction "$odd"
expect_rc 3 "refund of an unknown transaction"
assert_eq "Invalid transactionId." "$(json_field .error)" "terminal's message"
last=$(sim_get /_sim/log | sim_json .requests | python3 -c '
import json, sys
print([r for r in json.load(sys.stdin) if r["path"] == "/refund"][-1]["args"]["transactionId"])')
assert_eq "$odd" "$last" "transaction id as the terminal decoded it"

# status: success 0, fail 1, still waiting 5, unknown process 5
sim_get "/_sim/scenario?name=approve&polls=1000" >/dev/null
pid=$(sim_get "/payment?amount=7&owncheque=true" | sim_json .processId)
kpay --json status "$pid"
expect_rc 5 "status while waiting"
assert_eq wait "$(json_field .status)" "waiting status"
sim_get "/_sim/scenario?name=decline&polls=0&processId=$pid" >/dev/null
kpay --json status "$pid"
expect_rc 1 "status of a declined process"
kpay status 424242
expect_rc 5 "status of an unknown process"
sim_get "/_sim/reset" >/dev/null
sim_get "/_sim/scenario?name=approve&polls=0" >/dev/null
pid=$(sim_get "/payment?amount=8&owncheque=true" | sim_json .processId)
kpay status "$pid"
expect_rc 0 "status of an approved process"
printf '%s' "$OUT" | grep -q '"chequeInfo"' || kp_fail "status does not print the terminal's answer"

# journal list and show
kpay journal list
expect_rc 0 "journal list"
n=$(printf '%s\n' "$OUT" | grep -c . || true)
[ "$n" -ge 3 ] || kp_fail "journal list shows $n records"
id=$(printf '%s\n' "$OUT" | head -1 | cut -f1)
kpay journal show "$id"
expect_rc 0 "journal show"
printf '%s' "$OUT" | grep -q "\"id\": \"$id\"" || kp_fail "journal show does not show $id"
kpay journal show no-such-record
expect_rc 2 "journal show of an unknown id"
kpay --json journal list
expect_rc 0 "journal list --json"
printf '%s' "$OUT" | sim_json .records >/dev/null

# help matches the commands
"$KASPI_PAY" --help > "$KP_TMP/help"
for cmd in pay refund status recover reprint expand journal profiles; do
    grep -q "kaspi-pay .*$cmd" "$KP_TMP/help" || kp_fail "--help does not mention $cmd"
done

# settings: flag > environment > config file
printf 'terminal = 127.0.0.1:%s\njournal = %s\n' "$(kp_free_port)" "$KP_TMP/conf-journal" > "$KP_TMP/kaspi.conf"
set +e
KASPI_CONFIG="$KP_TMP/kaspi.conf" "$KASPI_PAY" --quiet pay 10 2>"$ERR"; RC=$?
set -e
expect_rc 4 "terminal from the config file (a dead port)"
[ -d "$KP_TMP/conf-journal" ] || kp_fail "journal from the config file not used"
set +e
KASPI_CONFIG="$KP_TMP/kaspi.conf" KASPI_TERMINAL="127.0.0.1:$SIM_PORT" "$KASPI_PAY" --quiet pay 10 2>"$ERR"; RC=$?
set -e
expect_rc 0 "terminal from the environment beats the config file"
set +e
KASPI_CONFIG="$KP_TMP/kaspi.conf" KASPI_TERMINAL="127.0.0.1:1" "$KASPI_PAY" --quiet \
    --terminal "127.0.0.1:$SIM_PORT" pay 10 2>"$ERR"; RC=$?
set -e
expect_rc 0 "the flag beats the environment"
set +e
KASPI_CONFIG="$KP_TMP/missing.conf" "$KASPI_PAY" pay 10 2>"$ERR"; RC=$?
set -e
expect_rc 7 "a named config file that is missing"
echo "commands and settings behave"
