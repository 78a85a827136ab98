#!/bin/sh
# tests/test_sim_refund.sh: refunds on kaspi-terminal-sim: only of a purchase
# approved in this run, with its method, never over what is left of it;
# the refund cheque ("Возврат", "- 10 ₸"); URL-decoding of transactionId.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"

sim_start --polls 0
msg() { sim_get "$1" | sim_json .message; }

pid=$(sim_get "/payment?amount=1000&owncheque=true" | sim_json .processId)
tx=$(sim_poll "$pid" | sim_json .transactionId)
[ -n "$tx" ] || kp_fail "no transactionId"

refund() {  # method amount transactionId(raw, URL-encoded by the caller)
    echo "/refund?method=$1&amount=$2&transactionId=$3&owncheque=true"
}

assert_eq "Invalid transactionId." "$(msg "$(refund card 10 999999)")" "unknown transaction"
assert_eq "Invalid transactionId." "$(msg "/refund?method=card&amount=10&owncheque=true")" "no transaction"
assert_eq "Invalid transactionId." "$(msg "$(refund card 10 "$tx%26x=1")")" "transactionId with %26"
assert_eq "Invalid transactionId." "$(msg "$(refund card 10 "%D0%A2%D0%9E%D0%9E")")" "Cyrillic transactionId"
assert_eq "Invalid transactionId." "$(msg "$(refund card 10 "$pid")")" "a processId is not a transactionId"
assert_eq "Invalid method." "$(msg "$(refund cash 10 "$tx")")" "method cash"
assert_eq "Invalid method." "$(msg "/refund?amount=10&transactionId=$tx&owncheque=true")" "no method"
assert_eq "Invalid method." "$(msg "$(refund qr 10 "$tx")")" "method differs from the purchase"
assert_eq "Invalid amount." "$(msg "$(refund card 0 "$tx")")" "amount 0"
assert_eq "Invalid amount." "$(msg "$(refund card 1.5 "$tx")")" "amount 1.5"
msg "$(refund card 1001 "$tx")" | grep -q exceeds || kp_fail "refund over the purchase accepted"

# The log shows the decoded arguments next to the raw query.
sim_get /_sim/log >"$KP_TMP/log.json"
python3 - "$KP_TMP/log.json" "$tx" <<'PY' || kp_fail "log does not show decoded args"
import json, sys
log = json.load(open(sys.argv[1]))["requests"]
tx = sys.argv[2]
amp = [e for e in log if e["query"].endswith("transactionId=%s%%26x=1&owncheque=true" % tx)]
assert amp and amp[0]["args"]["transactionId"] == tx + "&x=1", amp
assert "x" not in amp[0]["args"], amp
cyr = [e for e in log if "%D0%A2%D0%9E%D0%9E" in e["query"]]
assert cyr and cyr[0]["args"]["transactionId"] == "ТОО", cyr
PY

# A partial refund, then the rest; a third is over what is left.
rpid=$(sim_get "$(refund card 400 "$tx")" | sim_json .processId)
echo "$rpid" | grep -Eq '^[0-9]{13}$' || kp_fail "refund not started"
sim_poll "$rpid" >"$KP_TMP/refund.json"
assert_eq success "$(sim_json .status <"$KP_TMP/refund.json")" "refund status"
assert_eq "- 400 ₸" "$(sim_json .chequeInfo.amount <"$KP_TMP/refund.json")" "refund amount display"
sim_json .chequeInfo.status <"$KP_TMP/refund.json" | grep -q '^Возврат' || kp_fail "refund cheque status"
rtx=$(sim_json .transactionId <"$KP_TMP/refund.json")
[ "$rtx" != "$tx" ] || kp_fail "refund reused the purchase's transactionId"
assert_eq "Invalid transactionId." "$(msg "$(refund card 1 "$rtx")")" "refund of a refund"
msg "$(refund card 601 "$tx")" | grep -q exceeds || kp_fail "refund over the rest accepted"
rpid=$(sim_get "$(refund card 600 "$tx")" | sim_json .processId)
assert_eq "- 600 ₸" "$(sim_poll "$rpid" | sim_json .chequeInfo.amount)" "second refund"
msg "$(refund card 1 "$tx")" | grep -q exceeds || kp_fail "refund of a fully refunded purchase"

# A declined purchase cannot be refunded; a QR purchase is refunded by qr.
sim_get "/_sim/scenario?name=decline&polls=0" >/dev/null
pid=$(sim_get "/payment?amount=50&owncheque=true" | sim_json .processId)
assert_eq fail "$(sim_poll "$pid" | sim_json .status)" "declined"
assert_eq null "$(sim_get /_sim/operations | sim_json .operations.3.transactionId)" "no transaction for a decline"
sim_get "/_sim/scenario?name=qr&polls=0" >/dev/null
pid=$(sim_get "/payment?amount=70&owncheque=true" | sim_json .processId)
qtx=$(sim_poll "$pid" | sim_json .transactionId)
assert_eq "Invalid method." "$(msg "$(refund card 70 "$qtx")")" "card refund of a qr purchase"
rpid=$(sim_get "$(refund qr 70 "$qtx")" | sim_json .processId)
sim_poll "$rpid" >"$KP_TMP/qr-refund.json"
assert_eq qr "$(sim_json .chequeInfo.method <"$KP_TMP/qr-refund.json")" "qr refund method"
assert_eq "- 70 ₸" "$(sim_json .chequeInfo.amount <"$KP_TMP/qr-refund.json")" "qr refund amount"

# A refused refund (scenario refuse) starts nothing.
sim_get "/_sim/scenario?name=refuse" >/dev/null
pid=$(sim_get "/payment?amount=1&owncheque=true" | sim_json .message)
assert_eq "Could not register transaction" "$pid" "refused payment"

# After a reset, earlier purchases are forgotten.
sim_get /_sim/reset >/dev/null
assert_eq "Invalid transactionId." "$(msg "$(refund card 1 "$tx")")" "refund after reset"
sim_stop || kp_fail "exit status"
exit 0
