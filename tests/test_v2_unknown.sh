#!/bin/sh
# test_v2_unknown.sh: the v2 outcomes that v1 lacks: "unknown" settled by
# /v2/actualize into success; "unknown" until the deadline (exit 5, the
# journal says unknown and keeps the record open) and then `recover`
# finishing it; busy 107 and a bad parameter 999 (exit 3, nothing started);
# 101 for a started process (exit 5).  The cheque records "api": "v2" and
# its response is the envelope's data.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"
. "$top_srcdir/tests/pay.sh"
. "$top_srcdir/tests/v2.sh"
set -e
v2_start --quiet --auto-tap --polls 1
kpay2 register kassa-1
expect_rc 0 "register"

# unknown -> actualize -> success
sim_get "/_sim/scenario?name=unknown&polls=1" >/dev/null
kpay2 --json pay 2500
expect_rc 0 "unknown settled"
assert_eq success "$(json_field .status)" "status"
[ "$(v2_state actualize)" -ge 1 ] || kp_fail "actualize was never called"
cheque=$(json_field .cheque)
assert_eq v2 "$(sim_json .api < "$cheque")" "cheque api"
assert_eq success "$(sim_json .response.status < "$cheque")" "cheque response is data"
[ -n "$(sim_json .response.chequeInfo.rrn < "$cheque")" ] || kp_fail "no chequeInfo in the cheque"
record=$(ls "$JOURNAL"/*"$(json_field .journalId | sed 's/.*-\([0-9a-f]*\)$/\1/')"*.json)
assert_eq v2 "$(sim_json .api < "$record")" "journal api"
assert_file_contains "$record" 'statusCode'   # the raw v2 body, verbatim

# unknown that the terminal cannot settle: exit 5 at the deadline
sim_get "/_sim/scenario?name=unknown-stuck&polls=0" >/dev/null
kpay2 --json --timeout 2 pay 3000
expect_rc 5 "unknown to the deadline"
assert_eq unknown "$(json_field .status)" "status unknown"
pid=$(json_field .processId)
record=$(grep -l "\"processId\": \"$pid\"" "$JOURNAL"/*.json)
assert_eq unknown "$(sim_json .finalStatus < "$record")" "journal final status"
assert_eq started "$(sim_json .state < "$record")" "record left open"
grep -q "unknown" "$ERR" || kp_fail "no word of the unknown outcome"

# busy 107 while it is unsettled: refused, nothing started
kpay2 --json pay 10
expect_rc 3 "busy 107"
assert_file_contains "$ERR" "Last operation was not completed"

# the terminal settles it now: recover finishes it
sim_get "/_sim/scenario?name=unknown&processId=$pid" >/dev/null
set +e
OUT=$("$KASPI_PAY" --journal "$JOURNAL" --poll-interval 50 --cacert "$CA_CERT" \
      --tls-name pos.kaspipos.kz --json recover 2>"$ERR")
RC=$?
set -e
expect_rc 0 "recover settles the unknown one"
assert_eq success "$(json_field .operations.0.status)" "recovered status"
assert_eq done "$(sim_json .state < "$record")" "record closed"

# 999: a parameter the terminal refuses
sim_get "/_sim/scenario?name=refuse&message=Invalid%20amount." >/dev/null
kpay2 --json pay 10
expect_rc 3 "999"
assert_eq "Invalid amount." "$(json_field .error)" "999 text"

# 101 for a process the terminal started: unknown, never declined
sim_get "/_sim/scenario?name=not-found" >/dev/null
kpay2 --json pay 10
expect_rc 5 "101"
assert_eq unknown "$(json_field .status)" "101 status"
echo "unknown outcomes are settled"
