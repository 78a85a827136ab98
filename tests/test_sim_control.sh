#!/bin/sh
# tests/test_sim_control.sh: the simulator's control side: /_sim/stats
# counts, /_sim/log (raw query and decoded args), the --log file, /_sim/reset
# (counts, operations, log, scenario back to the command line's),
# /_sim/operations, the 8 KiB query bound, and the port file's format.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"

sim_start --polls 0 --scenario decline --log "$KP_TMP/requests.jsonl"
printf '%s\n' "$SIM_PORT" | grep -Eq '^[0-9]+$' || kp_fail "port [$SIM_PORT]"

assert_eq 0 "$(sim_stats_field requests)" "requests at start"
pid=$(sim_get "/payment?amount=100&owncheque=true" | sim_json .processId)
sim_get "/status?processId=$pid" >/dev/null
sim_get "/refund?method=card&amount=1&transactionId=A%26B%3DC+%D2%9A%D0%B0%D0%B7%D0%B0%D2%9B&owncheque=true" >/dev/null
sim_get "/nosuch?x=1" >/dev/null
sim_get /_sim/stats >"$KP_TMP/stats.json"
assert_eq 4 "$(sim_json .requests <"$KP_TMP/stats.json")" "requests"
assert_eq 1 "$(sim_json .payment <"$KP_TMP/stats.json")" "payment"
assert_eq 1 "$(sim_json .refund <"$KP_TMP/stats.json")" "refund"
assert_eq 1 "$(sim_json .status <"$KP_TMP/stats.json")" "status"
# control: the stats_field calls above and this /_sim/stats itself.
assert_eq 2 "$(sim_json .control <"$KP_TMP/stats.json")" "control"

# The log: one entry per API request, in order, nothing for control requests.
sim_get /_sim/log >"$KP_TMP/log.json"
python3 - "$KP_TMP/log.json" "$pid" <<'PY' || kp_fail "log: $(cat "$KP_TMP/log.json")"
import json, sys
log = json.load(open(sys.argv[1]))["requests"]
assert [e["seq"] for e in log] == [1, 2, 3, 4], log
assert [e["path"] for e in log] == ["/payment", "/status", "/refund", "/nosuch"], log
assert log[0]["query"] == "amount=100&owncheque=true"
assert log[0]["args"] == {"amount": "100", "owncheque": "true"}
assert log[1]["args"] == {"processId": sys.argv[2]}
assert log[2]["query"] == "method=card&amount=1&transactionId=A%26B%3DC+%D2%9A%D0%B0%D0%B7%D0%B0%D2%9B&owncheque=true"
assert log[2]["args"]["transactionId"] == "A&B=C Қазақ", log[2]
assert [e["status"] for e in log] == [200, 200, 200, 404], log
assert set(log[0]) >= {"seq", "path", "query", "args", "status"}
PY

# The --log file has the same entries, one JSON object a line.
python3 - "$KP_TMP/requests.jsonl" "$KP_TMP/log.json" <<'PY' || kp_fail "log file: $(cat "$KP_TMP/requests.jsonl")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert lines == json.load(open(sys.argv[2]))["requests"], lines
PY

# Operations.
sim_get /_sim/operations >"$KP_TMP/ops.json"
assert_eq "$pid" "$(sim_json .operations.0.processId <"$KP_TMP/ops.json")" "op processId"
assert_eq payment "$(sim_json .operations.0.kind <"$KP_TMP/ops.json")" "op kind"
assert_eq 100 "$(sim_json .operations.0.amount <"$KP_TMP/ops.json")" "op amount"
assert_eq fail "$(sim_json .operations.0.state <"$KP_TMP/ops.json")" "op state"
assert_eq null "$(sim_json .operations.0.transactionId <"$KP_TMP/ops.json")" "op transactionId"

# A query over 8 KiB is refused with 414, and logged.
long=$(python3 -c 'print("x" * 9000)')
assert_eq 414 "$(sim_code "/payment?amount=1&pad=$long")" "long query"
sim_get "/_sim/log" | sim_json .requests.4.status | grep -qx 414 || kp_fail "414 not logged"
assert_eq 200 "$(sim_code "/_sim/stats?pad=$(python3 -c 'print("x" * 8000)')")" "8000 bytes is fine"

# Reset: counts, operations and log cleared, scenario back to decline.
sim_get "/_sim/scenario?name=approve" >/dev/null
assert_eq true "$(sim_get /_sim/reset | sim_json .ok)" "reset"
assert_eq 0 "$(sim_stats_field requests)" "requests after reset"
assert_eq "[]" "$(sim_get /_sim/log | sim_json .requests)" "log after reset"
assert_eq "[]" "$(sim_get /_sim/operations | sim_json .operations)" "operations after reset"
pid=$(sim_get "/payment?amount=5&owncheque=true" | sim_json .processId)
assert_eq fail "$(sim_poll "$pid" | sim_json .status)" "scenario after reset"
assert_eq 1 "$(sim_get /_sim/log | sim_json .requests.0.seq)" "seq restarts after reset"
# The file log is kept across a reset and goes on.
assert_eq 7 "$(wc -l <"$KP_TMP/requests.jsonl" | tr -d ' ')" "file log lines"
sim_stop || kp_fail "exit status"

# An unwritable log or port file: exit 1 with a message.
"$SIM_BIN" --port 0 --log "$KP_TMP/no/such/dir/log" 2>"$KP_TMP/err"; assert_eq 1 $? "bad --log"
assert_file_contains "$KP_TMP/err" "cannot open the log"
"$SIM_BIN" --port 0 --port-file "$KP_TMP/no/such/dir/port" 2>"$KP_TMP/err"; assert_eq 1 $? "bad --port-file"
assert_file_contains "$KP_TMP/err" "port file"
exit 0
