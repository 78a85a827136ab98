#!/bin/sh
# test_pay_exit_codes.sh: kaspi-pay against the simulator gives every exit
# code of the contract, with the JSON object and the journal to match.
# With KP_TEST_API=v2 the same runs against a protected terminal (the
# simulator's v2 mode over TLS, a registered client; tests/v2.sh).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"
. "$top_srcdir/tests/pay.sh"
set -e
if [ "${KP_TEST_API:-v1}" = v2 ]; then
    . "$top_srcdir/tests/v2.sh"
    # every kaspi-pay call below speaks v2 with a registered client
    start_terminal() { v2_start --auto-tap "$@"; kpay2 register till; expect_rc 0 "register"; }
    kpay() {
        set +e
        OUT=$("$KASPI_PAY" --terminal "127.0.0.1:$SIM_PORT" --journal "$JOURNAL" --poll-interval 50 \
              --api v2 --cacert "$CA_CERT" --tls-name pos.kaspipos.kz "$@" 2>"$ERR")
        RC=$?
        set -e
    }
else
    start_terminal() { sim_start "$@"; }
fi
start_terminal --quiet --polls 2

# 0: approved, cheque saved, nothing printed (no --printer, no --output)
kpay --json pay 1500
expect_rc 0 "approved"
assert_eq success "$(json_field .status)" "status"
assert_eq 1500 "$(json_field .amount)" "amount"
assert_eq false "$(json_field .printed)" "printed"
cheque=$(json_field .cheque)
[ -f "$cheque" ] || kp_fail "no cheque at $cheque"
assert_eq 600 "$(stat -c %a "$cheque")" "cheque mode"
assert_eq 700 "$(stat -c %a "$JOURNAL")" "journal mode"
assert_file_contains "$cheque" '"kaspiCheque": 1'
assert_file_contains "$cheque" '"chequeInfo"'
assert_eq "$(json_field .transactionId)" "$(sim_json .response.transactionId < "$cheque")" "transaction id in cheque"
assert_eq 1 "$(payments)" "payment requests"

# 1: declined
sim_get "/_sim/scenario?name=decline&polls=1" >/dev/null
kpay --json pay 10
expect_rc 1 "declined"
assert_eq fail "$(json_field .status)" "status"
assert_eq null "$(json_field .cheque)" "no cheque for a decline"

# 2: bad input, nothing sent
before=$(payments)
for amount in 0 -5 1.5 1e3 +7 " 12" 12abc 99999999999999999999 007; do
    kpay pay "$amount"
    expect_rc 2 "amount [$amount]"
done
kpay refund 10 --method cash --transaction 1
expect_rc 2 "refund method"
kpay refund 10 --method card
expect_rc 2 "refund without transaction"
kpay pay 10 --printer q --output x.txt
expect_rc 2 "printer and output"
kpay pay 10 --format png --output x.png
expect_rc 2 "unknown format"
kpay frobnicate
expect_rc 2 "unknown command"
kpay --bogus pay 10
expect_rc 2 "unknown option"
kpay --terminal "bad host" pay 10
expect_rc 2 "bad terminal address"
assert_eq "$before" "$(payments)" "nothing sent for bad input"
assert_eq 0 "$(sim_stats_field refund)" "no refund sent"

# 3: refused with a message
sim_get "/_sim/scenario?name=refuse&message=Could%20not%20register%20transaction" >/dev/null
kpay --json pay 10
expect_rc 3 "refused"
assert_eq "Could not register transaction" "$(json_field .error)" "message shown"

# 3: the terminal is busy with another operation
sim_get "/_sim/scenario?name=approve&polls=1000" >/dev/null
kpay --timeout 1 pay 5     # leaves an operation running on the terminal
expect_rc 5 "a payment left running"
kpay --json pay 10
expect_rc 3 "terminal busy"
sim_get "/_sim/reset" >/dev/null

# 4: unreachable, nothing sent
dead=$(kp_free_port)
set +e
"$KASPI_PAY" --terminal "127.0.0.1:$dead" --journal "$JOURNAL" --json pay 10 >"$KP_TMP/out" 2>"$ERR"
RC=$?
set -e
expect_rc 4 "unreachable"
grep -q "Kaspi Pay app" "$ERR" || grep -q "Kaspi Pay app" "$KP_TMP/out" || kp_fail "no advice for unreachable"

# 5: the start request hangs: outcome unknown, start uncertain
sim_get "/_sim/scenario?name=hang-payment" >/dev/null
kpay --json --request-timeout 1 pay 10
expect_rc 5 "hang on payment"
assert_eq unknown "$(json_field .status)" "status unknown"
assert_eq 1 "$(payments)" "one payment request"
sim_stop || true
start_terminal --quiet --polls 2

# 5: deadline while the customer takes their time
sim_get "/_sim/scenario?name=approve&polls=1000" >/dev/null
kpay --json --timeout 1 pay 10
expect_rc 5 "deadline"
assert_eq unknown "$(json_field .status)" "deadline status"
grep -q "recover" "$ERR" || grep -q recover <<EOT || kp_fail "no advice to recover"
$OUT
EOT
sim_get "/_sim/reset" >/dev/null

# 5: "Process not found" for our own process is unknown, never declined
sim_get "/_sim/scenario?name=not-found" >/dev/null
kpay --json pay 10
expect_rc 5 "process not found"
assert_eq unknown "$(json_field .status)" "not found status"

# 5: an answer that never parses
sim_get "/_sim/scenario?name=invalid-json&polls=1" >/dev/null
kpay --json pay 10
expect_rc 5 "malformed status"

# transient faults while polling do not end the operation
sim_get "/_sim/scenario?name=flaky&polls=3" >/dev/null
kpay --json pay 10
expect_rc 0 "flaky then approved"

# 6: approved, the receipt could not be delivered; the cheque is saved
sim_get "/_sim/scenario?name=approve&polls=1" >/dev/null
CUPS_SERVER=/nonexistent/cups.sock kpay --json pay 10 --printer nosuchqueue
expect_rc 6 "not delivered"
[ -f "$(json_field .cheque)" ] || kp_fail "cheque not saved when printing failed"

# 7: the journal cannot be written: nothing is sent
before=$(payments)
set +e
"$KASPI_PAY" --terminal "127.0.0.1:$SIM_PORT" --journal /etc/passwd/journal pay 10 2>"$ERR"
RC=$?
set -e
expect_rc 7 "unwritable journal"
assert_eq "$before" "$(payments)" "nothing sent without a journal"

# 7: a bad config file
printf 'terminal = 127.0.0.1\nbogus_key = 1\n' > "$KP_TMP/bad.conf"
set +e
"$KASPI_PAY" --config "$KP_TMP/bad.conf" --journal "$JOURNAL" pay 10 2>"$ERR"
RC=$?
set -e
expect_rc 7 "bad config"
assert_file_contains "$ERR" "bad.conf:2"
echo "all exit codes seen"
