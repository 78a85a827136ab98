#!/bin/sh
# tests/test_sim_basic.sh: kaspi-terminal-sim's start-up (port file, banner,
# help), a payment approved after --polls waits, the cheque's data, amount
# validation, the busy answer, unknown processes and paths, clean shutdown.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"

# --help lists every option that the program accepts, and they parse.
"$SIM_BIN" --help >"$KP_TMP/help" || kp_fail "--help exited non-zero"
for opt in --listen --port --port-file --log --scenario --polls --delay-ms --message \
           --method --store --quiet --help --version; do
    assert_file_contains "$KP_TMP/help" -- "$opt"
done
for name in approve decline refuse not-found slow hang-payment hang-status drop-payment \
            drop-status invalid-json flaky qr loan numeric big extra; do
    assert_file_contains "$KP_TMP/help" "$name"
done
"$SIM_BIN" --version | grep -q '^kaspi-terminal-sim (kaspi-cups) ' || kp_fail "--version"
"$SIM_BIN" --scenario nosuch 2>/dev/null; assert_eq 2 $? "unknown scenario exit"
"$SIM_BIN" --port 70000 2>/dev/null; assert_eq 2 $? "bad port exit"
"$SIM_BIN" --polls -1 2>/dev/null; assert_eq 2 $? "bad polls exit"
"$SIM_BIN" --method cash 2>/dev/null; assert_eq 2 $? "bad method exit"
"$SIM_BIN" --listen localhost 2>/dev/null; assert_eq 2 $? "--listen takes an address"
"$SIM_BIN" extra-arg 2>/dev/null; assert_eq 2 $? "stray argument"

sim_start
grep -q "^kaspi-terminal-sim listening on 127.0.0.1:$SIM_PORT\$" "$SIM_STDERR" \
    || kp_fail "no listening line in: $(cat "$SIM_STDERR")"
[ "$SIM_PORT" -gt 0 ] || kp_fail "port file holds [$SIM_PORT]"

# A payment: "wait" with a 13-digit processId, two waits, then success.
start=$(sim_get "/payment?amount=1500&owncheque=true")
assert_eq wait "$(echo "$start" | sim_json .status)" "start status"
pid=$(echo "$start" | sim_json .processId)
echo "$pid" | grep -Eq '^[0-9]{13}$' || kp_fail "processId [$pid] is not 13 digits"
echo "$start" | grep -q '"processId": "' || kp_fail "processId not a string: $start"

# While it waits, the terminal is busy.
assert_eq "Last operation was not completed" \
    "$(sim_get "/payment?amount=10&owncheque=true" | sim_json .message)" "busy payment"
assert_eq "Last operation was not completed" \
    "$(sim_get "/refund?method=card&amount=10&transactionId=1&owncheque=true" | sim_json .message)" "busy refund"

assert_eq wait "$(sim_get "/status?processId=$pid" | sim_json .status)" "poll 1"
assert_eq wait "$(sim_get "/status?processId=$pid" | sim_json .status)" "poll 2"
sim_get "/status?processId=$pid" >"$KP_TMP/ok.json"
j() { sim_json "$1" <"$KP_TMP/ok.json"; }
assert_eq success "$(j .status)" "poll 3"
assert_eq "$pid" "$(j .processId)" "processId echoed"
j .transactionId | grep -Eq '^[0-9]+$' || kp_fail "transactionId [$(j .transactionId)]"
assert_eq false "$(j .addInfo.IsOffer)" "IsOffer"
assert_eq Gold "$(j .addInfo.ProductType)" "ProductType"
assert_eq -1 "$(j .addInfo.LoanTerm)" "LoanTerm"
assert_eq "ИП Әсем Қызылорда" "$(j .chequeInfo.storeName)" "storeName"
assert_eq "1 500 ₸" "$(j .chequeInfo.amount)" "amount display"
assert_eq "Покупка с Kaspi Gold. Одобрено" "$(j .chequeInfo.status)" "cheque status"
assert_eq "516949*****0762" "$(j .chequeInfo.cardMask)" "cardMask"
assert_eq MasterCard "$(j .chequeInfo.icc)" "icc"
assert_eq 000 "$(j .chequeInfo.hostResponseCode)" "hostResponseCode"
assert_eq true "$(j .chequeInfo.pinEntered)" "pinEntered"
assert_eq card "$(j .chequeInfo.method)" "method"
j .chequeInfo.bin | grep -Eq '^[0-9]{12}$' || kp_fail "bin [$(j .chequeInfo.bin)]"
j .chequeInfo.rrn | grep -Eq '^[0-9]{12}$' || kp_fail "rrn [$(j .chequeInfo.rrn)]"
j .chequeInfo.authorizationCode | grep -Eq '^[0-9]{6}$' || kp_fail "authorizationCode"
j .chequeInfo.date | grep -Eq '^[0-3][0-9]\.[01][0-9]\.[0-9]{2} [0-2][0-9]:[0-5][0-9]:[0-5][0-9]$' \
    || kp_fail "date [$(j .chequeInfo.date)]"
grep -q orderNumber "$KP_TMP/ok.json" && kp_fail "a card payment has an orderNumber"
# The final status stays the same when polled again.
sim_get "/status?processId=$pid" | cmp -s - "$KP_TMP/ok.json" || kp_fail "final status changed"

# Amount display: thousands separated by spaces; trailing-slash paths work.
for case in "1:1 ₸" "999:999 ₸" "1000:1 000 ₸" "25000:25 000 ₸" "1234567:1 234 567 ₸" \
            "999999999:999 999 999 ₸"; do
    amount=${case%%:*}
    pid=$(sim_get "/payment/?amount=$amount&owncheque=true" | sim_json .processId)
    assert_eq "${case#*:}" "$(sim_poll "$pid" | sim_json .chequeInfo.amount)" "display of $amount"
done

# Amounts a terminal refuses, each with a message and no operation.
before=$(sim_get /_sim/operations | sim_json .operations | python3 -c 'import json,sys;print(len(json.load(sys.stdin)))')
for bad in 0 -5 1.5 1,00 abc 01 "1%20" "%2B5" 1000000000 ""; do
    body=$(sim_get "/payment?amount=$bad&owncheque=true")
    echo "$body" | grep -q '"message"' || kp_fail "amount [$bad] accepted: $body"
    echo "$body" | grep -q processId && kp_fail "amount [$bad] started: $body"
done
sim_get "/payment?owncheque=true" | grep -q '"message"' || kp_fail "missing amount accepted"
after=$(sim_get /_sim/operations | sim_json .operations | python3 -c 'import json,sys;print(len(json.load(sys.stdin)))')
assert_eq "$before" "$after" "operations after refused amounts"

# Unknown processId: HTTP 400 with the vendor's message.
assert_eq 400 "$(sim_code "/status?processId=1234567890123")" "unknown process code"
assert_eq "Process not found" "$(sim_get "/status?processId=1234567890123" | sim_json .message)" "unknown process"
assert_eq 400 "$(sim_code "/status")" "status without processId"

# Unknown paths: 404 with a JSON message.
assert_eq 404 "$(sim_code /nosuch)" "unknown path code"
sim_get /nosuch | sim_json .message >/dev/null || kp_fail "404 body is not JSON"
assert_eq 404 "$(sim_code /_sim/nosuch)" "unknown control path"
assert_eq 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x=1 "$SIM_URL/payment")" "POST"

grep -q "GET /payment?amount=1500&owncheque=true -> 200" "$SIM_STDERR" || kp_fail "request not on stderr"
sim_stop || kp_fail "simulator did not exit 0 on SIGTERM"
grep -q stopping "$SIM_STDERR" || kp_fail "no stop message"

# --quiet: nothing on stderr; --listen with IPv4 address; SIGINT also stops it.
sim_start --quiet --listen 127.0.0.1
sim_get "/payment?amount=5&owncheque=true" >/dev/null
kill -INT "$SIM_PID"; wait "$SIM_PID" || kp_fail "SIGINT exit status"
SIM_PID=""
[ -s "$SIM_STDERR" ] && kp_fail "--quiet wrote: $(cat "$SIM_STDERR")"

# A port in use: a clear error, exit 1.
sim_start
"$SIM_BIN" --port "$SIM_PORT" 2>"$KP_TMP/busy.err"; assert_eq 1 $? "port in use exit"
assert_file_contains "$KP_TMP/busy.err" "cannot listen"
sim_stop
exit 0
