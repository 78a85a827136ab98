#!/bin/sh
# test_v2_register.sh: kaspi-pay register against a protected (v2) simulator
# over real TLS: the tap allowed (token kept 0600, used by default), the tap
# denied (exit 3), a name taken (105: exit 3 with how to clear it), and info.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"
. "$top_srcdir/tests/pay.sh"
. "$top_srcdir/tests/v2.sh"
set -e
v2_start --quiet

# allowed: the command waits for the tap, then keeps the token
register_bg kassa-1 --json
v2_tap kassa-1 1
set +e; wait $REG_PID; RC=$?; set -e
OUT=$(cat "$KP_TMP/reg.out")
ERR=$KP_TMP/reg.err
expect_rc 0 "register allowed"
assert_eq true "$(json_field .registered)" "registered"
assert_file_contains "$KP_TMP/reg.err" "Разрешить"
tokens=$(ls "$JOURNAL"/tokens/*.json)
assert_eq 1 "$(echo "$tokens" | wc -l)" "one token file"
assert_eq 600 "$(stat -c %a "$tokens")" "token file mode"
assert_eq 700 "$(stat -c %a "$JOURNAL/tokens")" "token directory mode"
assert_file_contains "$tokens" '"name": "kassa-1"'

# info uses the name registered last, without --client-name
kpay2 --json info
expect_rc 0 "info"
assert_eq kassa-1 "$(json_field .client)" "default client"
assert_eq v2 "$(json_field .api)" "api"
[ -n "$(json_field .deviceInfo.terminalId)" ] || kp_fail "no terminalId"
kpay2 info
expect_rc 0 "info text"
echo "$OUT" | grep -q "^serialNum: " || kp_fail "info text lacks serialNum: $OUT"

# denied on the terminal: refused, exit 3, no token
register_bg kassa-2
v2_tap kassa-2 0
set +e; wait $REG_PID; RC=$?; set -e
ERR=$KP_TMP/reg.err
expect_rc 3 "register denied"
assert_file_contains "$ERR" "denied"
[ ! -e "$JOURNAL/tokens/127%2E0%2E0%2E1%3A$SIM_PORT.kassa-2.json" ] || kp_fail "token kept for a denied name"

# the name is taken: 105, exit 3, and how to clear it on the terminal
kpay2 register kassa-1
expect_rc 3 "name taken"
assert_file_contains "$ERR" "105"
assert_file_contains "$ERR" "Запретить"
assert_file_contains "$ERR" "Настроить доступ"

# a bad name is refused before anything is sent
before=$(v2_state register)
kpay2 register ""
expect_rc 2 "empty name"
assert_eq "$before" "$(v2_state register)" "nothing sent for a bad name"

# nowhere to keep the token: refused before the terminal is asked (exit 7)
before=$(v2_state register)
kpay2 --journal /etc/passwd/journal register kassa-3
expect_rc 7 "unwritable journal"
assert_eq "$before" "$(v2_state register)" "no registration without a place for the token"

# a v2 call with no registered client says how to register (exit 7)
rm -rf "$JOURNAL/tokens"
kpay2 info
expect_rc 7 "no client"
assert_file_contains "$ERR" "register NAME"
echo "registration works"
