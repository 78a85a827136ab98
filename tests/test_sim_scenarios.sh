#!/bin/sh
# tests/test_sim_scenarios.sh: the scenarios that shape answers: decline,
# refuse, not-found, qr (also --method qr), loan, numeric, extra, big
# (over 1 MiB) and invalid-json (the vendor's malformed example), set from
# the command line and through /_sim/scenario.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"

scenario() { sim_get "/_sim/scenario?$1" | sim_json .ok; }
pay() { sim_get "/payment?amount=$1&owncheque=true"; }
pay_final() { sim_poll "$(pay "$1" | sim_json .processId)"; }

# decline from the command line, with --polls 1: one wait, then fail.
sim_start --scenario decline --polls 1
pid=$(pay 100 | sim_json .processId)
assert_eq wait "$(sim_get "/status?processId=$pid" | sim_json .status)" "decline poll 1"
sim_get "/status?processId=$pid" >"$KP_TMP/fail.json"
assert_eq fail "$(sim_json .status <"$KP_TMP/fail.json")" "decline poll 2"
grep -q transactionId "$KP_TMP/fail.json" && kp_fail "a decline has a transactionId"
# A declined operation is over: the next payment is not busy.
assert_eq wait "$(pay 100 | sim_json .status)" "after a decline"
sim_stop

# The rest through the control endpoint.
sim_start --polls 0

# refuse: the default message, then a custom one with Cyrillic (URL-encoded).
assert_eq true "$(scenario name=refuse)" "set refuse"
assert_eq "Could not register transaction" "$(pay 10 | sim_json .message)" "refuse default"
assert_eq true "$(scenario "name=refuse&message=%D0%A2%D0%B5%D1%80%D0%BC%D0%B8%D0%BD%D0%B0%D0%BB+%D0%B7%D0%B0%D0%BD%D1%8F%D1%82")" "set refuse message"
assert_eq "Терминал занят" "$(pay 10 | sim_json .message)" "refuse message"
assert_eq 0 "$(sim_get /_sim/operations | sim_json .operations | python3 -c 'import json,sys;print(len(json.load(sys.stdin)))')" "refusals start nothing"

# not-found: started, but the terminal does not know the process.
scenario name=not-found >/dev/null
pid=$(pay 10 | sim_json .processId)
echo "$pid" | grep -Eq '^[0-9]{13}$' || kp_fail "not-found did not start"
assert_eq 400 "$(sim_code "/status?processId=$pid")" "not-found code"
assert_eq "Process not found" "$(sim_get "/status?processId=$pid" | sim_json .message)" "not-found body"

# qr: no card data, an orderNumber, method qr.
scenario name=qr >/dev/null
pay_final 2500 >"$KP_TMP/qr.json"
assert_eq success "$(sim_json .status <"$KP_TMP/qr.json")" "qr status"
assert_eq qr "$(sim_json .chequeInfo.method <"$KP_TMP/qr.json")" "qr method"
sim_json .chequeInfo.orderNumber <"$KP_TMP/qr.json" | grep -Eq '^[0-9]+$' || kp_fail "qr orderNumber"
grep -q cardMask "$KP_TMP/qr.json" && kp_fail "qr cheque has a cardMask"
sim_json .chequeInfo.status <"$KP_TMP/qr.json" | grep -q QR || kp_fail "qr cheque status"
# method=qr on approve does the same.
scenario "name=approve&method=qr" >/dev/null
assert_eq qr "$(pay_final 5 | sim_json .chequeInfo.method)" "approve with method qr"

# loan.
scenario name=loan >/dev/null
pay_final 120000 >"$KP_TMP/loan.json"
assert_eq Loan "$(sim_json .addInfo.ProductType <"$KP_TMP/loan.json")" "loan ProductType"
assert_eq 12 "$(sim_json .addInfo.LoanTerm <"$KP_TMP/loan.json")" "loan LoanTerm"
assert_eq true "$(sim_json .addInfo.IsOffer <"$KP_TMP/loan.json")" "loan IsOffer"
assert_eq "Рассрочка 0-0-12" "$(sim_json .addInfo.LoanOfferName <"$KP_TMP/loan.json")" "loan offer"
assert_eq "120 000 ₸" "$(sim_json .chequeInfo.amount <"$KP_TMP/loan.json")" "loan amount"

# numeric: processId and cheque scalars as numbers and booleans.
scenario name=numeric >/dev/null
start=$(pay 7)
echo "$start" | grep -Eq '"processId": [0-9]{13},' || kp_fail "numeric start: $start"
sim_poll "$(echo "$start" | sim_json .processId)" >"$KP_TMP/num.json"
python3 - "$KP_TMP/num.json" <<'PY' || kp_fail "numeric body: $(cat "$KP_TMP/num.json")"
import json, sys
b = json.load(open(sys.argv[1]))
ci = b["chequeInfo"]
assert isinstance(b["processId"], int) and b["status"] == "success"
for k in ("bin", "terminalId", "rrn", "authorizationCode", "hostResponseCode"):
    assert isinstance(ci[k], int) and not isinstance(ci[k], bool), k
assert ci["pinEntered"] is True
PY

# extra: unknown fields beside the known ones.
scenario name=extra >/dev/null
pay_final 8 >"$KP_TMP/extra.json"
assert_eq CardTransactionSuccess "$(sim_json .subStatus <"$KP_TMP/extra.json")" "subStatus"
assert_eq payment "$(sim_json .chequeInfo.type <"$KP_TMP/extra.json")" "chequeInfo.type"
assert_eq success "$(sim_json .status <"$KP_TMP/extra.json")" "extra status"

# big: a valid success body over 1 MiB.
scenario name=big >/dev/null
pay_final 9 >"$KP_TMP/big.json"
size=$(wc -c <"$KP_TMP/big.json")
[ "$size" -gt 1048576 ] || kp_fail "big body is only $size bytes"
assert_eq success "$(sim_json .status <"$KP_TMP/big.json")" "big status"
assert_eq "9 ₸" "$(sim_json .chequeInfo.amount <"$KP_TMP/big.json")" "big amount"

# invalid-json: the vendor's example, not parseable, with both of its faults.
scenario name=invalid-json >/dev/null
pay_final 1 >"$KP_TMP/bad.json"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$KP_TMP/bad.json" 2>/dev/null \
    && kp_fail "invalid-json body parses: $(cat "$KP_TMP/bad.json")"
python3 - "$KP_TMP/bad.json" <<'PY' || kp_fail "invalid-json body: $(cat "$KP_TMP/bad.json")"
import json, re, sys
t = open(sys.argv[1], encoding="utf-8").read()
assert re.search(r'"addInfo":\{[^}]*\}\s*\n\s*"chequeInfo"', t), "comma after addInfo"
assert re.search(r'"method": "card",\s*\n\s*\}', t), "trailing comma"
# Mending the two faults gives the ordinary success body.
fixed = re.sub(r'\}(\s*\n\s*"chequeInfo")', r'},\1', t)
fixed = re.sub(r',(\s*\n\s*\}\s*\n\})', r'\1', fixed)
b = json.loads(fixed)
assert b["status"] == "success" and b["chequeInfo"]["amount"] == "1 ₸", b
assert b["chequeInfo"]["storeName"] == "ИП Әсем Қызылорда"
PY

# A bad scenario request changes nothing.
assert_eq 400 "$(sim_code "/_sim/scenario?name=nosuch")" "unknown scenario"
assert_eq 400 "$(sim_code "/_sim/scenario?name=approve&polls=x")" "bad polls"
assert_eq 400 "$(sim_code "/_sim/scenario?name=approve&method=cash")" "bad method"
assert_eq 400 "$(sim_code "/_sim/scenario")" "no name"
pay_final 1 | grep -q '^{$' || kp_fail "scenario changed by a bad request"
sim_stop

# --method qr and --store from the command line.
sim_start --method qr --store 3 --polls 0
pay_final 3 >"$KP_TMP/store.json"
assert_eq qr "$(sim_json .chequeInfo.method <"$KP_TMP/store.json")" "--method qr"
assert_eq 'ТОО "Шаңырақ Маркет"' "$(sim_json .chequeInfo.storeName <"$KP_TMP/store.json")" "--store 3"
sim_stop
exit 0
