#!/bin/sh
# test_v2_tokens.sh: tokens of a protected (v2) terminal: renewed through
# /v2/revoke when they expire in the middle of a payment, renewed once on a
# 401 or a 403 and the call repeated once, and a token still refused after
# that stops the payment before anything started (exit 7).  Both forms of
# expirationDate are read.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"
. "$top_srcdir/tests/pay.sh"
. "$top_srcdir/tests/v2.sh"
set -e

# tokens that live 2 s, in the simulator's date form; a payment of ~4 s
v2_start --quiet --auto-tap --token-ttl 2 --date-style java --polls 60
kpay2 register kassa-1
expect_rc 0 "register"
token_file=$(ls "$JOURNAL"/tokens/*.kassa-1.json)
grep -Eq '"expirationDate": "[A-Z][a-z]{2} [0-9]{1,2}, [0-9]{4} ' "$token_file" ||
    kp_fail "expected the java date form in $token_file"
first=$(sim_json .accessToken < "$token_file")
kpay2 --json --poll-interval 70 pay 700
expect_rc 0 "payment across token expiry"
[ "$(v2_state revoke)" -ge 1 ] || kp_fail "the token was never renewed"
[ "$(sim_json .accessToken < "$token_file")" != "$first" ] || kp_fail "renewed token not kept"
assert_eq 600 "$(stat -c %a "$token_file")" "token file mode after renewal"
sim_stop

# a 401 and a 403 are each renewed once and the call repeated once
v2_start --quiet --auto-tap --polls 1
kpay2 register kassa-1
expect_rc 0 "register"
sim_get "/_sim/auth?code=401&count=1" >/dev/null
kpay2 --json pay 100
expect_rc 0 "after one 401"
assert_eq 1 "$(v2_state revoke)" "one renewal for the 401"
assert_eq 1 "$(payments)" "the refused start was repeated once"
sim_get "/_sim/auth?code=403&count=1" >/dev/null
kpay2 --json pay 100
expect_rc 0 "after one 403"
assert_eq 2 "$(v2_state revoke)" "one renewal for the 403"

# the token is refused again after renewal: nothing started, exit 7
before=$(payments)
sim_get "/_sim/auth?code=401&count=2" >/dev/null
kpay2 --json pay 100
expect_rc 7 "token refused twice"
assert_file_contains "$ERR" "register"
assert_eq "$before" "$(payments)" "no payment started with a refused token"
assert_eq 3 "$(v2_state revoke)" "renewed once only"

# an expired token (403) in the ISO form is renewed too
sim_get "/_sim/expire" >/dev/null
kpay2 --json pay 100
expect_rc 0 "after expiry"
assert_eq 4 "$(v2_state revoke)" "renewed the expired token"
# --client-name picks the token; an unknown one says how to register
kpay2 --client-name kassa-1 --json pay 100
expect_rc 0 "named client"
kpay2 --client-name nobody pay 100
expect_rc 7 "unregistered name"
assert_file_contains "$ERR" "register NAME"
echo "tokens are renewed"
