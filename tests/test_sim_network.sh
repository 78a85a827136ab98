#!/bin/sh
# tests/test_sim_network.sh: the scenarios that fail on the wire: hung and
# dropped payment and status requests (other connections still served, a
# dropped payment still registered), slow replies, flaky 503s, and a clean
# shutdown while a request hangs.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"

curl_rc() {  # max-seconds path: curl's exit code
    curl -s -o /dev/null --max-time "$1" "$SIM_URL$2"
    echo $?
}
op() { sim_get /_sim/operations | sim_json ".operations.$1"; }

sim_start --polls 0

# drop-payment: the connection closes with no reply, but the payment exists.
sim_get "/_sim/scenario?name=drop-payment" >/dev/null
assert_eq 52 "$(curl_rc 30 "/payment?amount=300&owncheque=true")" "drop-payment curl"
assert_eq wait "$(op 0.state)" "dropped payment registered"
assert_eq 300 "$(op 0.amount)" "dropped payment amount"
assert_eq "Last operation was not completed" \
    "$(sim_get "/payment?amount=1&owncheque=true" | sim_json .message)" "busy after a dropped start"
pid=$(op 0.processId)
assert_eq success "$(sim_poll "$pid" | sim_json .status)" "a dropped start still completes"
sim_get /_sim/log >"$KP_TMP/log.json"
assert_eq 0 "$(sim_json .requests.0.status <"$KP_TMP/log.json")" "dropped request status in log"
assert_eq drop "$(sim_json .requests.0.outcome <"$KP_TMP/log.json")" "dropped request in log"

# drop-status: every poll is cut off until the operation's scenario changes.
sim_get "/_sim/scenario?name=drop-status" >/dev/null
pid=$(sim_get "/payment?amount=20&owncheque=true" | sim_json .processId)
assert_eq 52 "$(curl_rc 30 "/status?processId=$pid")" "drop-status 1"
assert_eq 52 "$(curl_rc 30 "/status?processId=$pid")" "drop-status 2"
assert_eq wait "$(op 1.state)" "drop-status keeps waiting"
assert_eq true "$(sim_get "/_sim/scenario?name=approve&polls=1&processId=$pid" | sim_json .ok)" "rescue op"
assert_eq wait "$(sim_get "/status?processId=$pid" | sim_json .status)" "rescued poll 1"
assert_eq success "$(sim_get "/status?processId=$pid" | sim_json .status)" "rescued poll 2"
assert_eq 404 "$(sim_code "/_sim/scenario?name=approve&processId=42")" "unknown op to rescue"

# hang-status: the poll is never answered, yet other connections are served;
# a reset releases it (curl sees the connection closed, not its own timeout).
sim_get "/_sim/scenario?name=hang-status" >/dev/null
pid=$(sim_get "/payment?amount=30&owncheque=true" | sim_json .processId)
assert_eq 28 "$(curl_rc 1 "/status?processId=$pid")" "hang-status times out"
polls=$(sim_stats_field status)
curl -s -o /dev/null --max-time 60 "$SIM_URL/status?processId=$pid" &
hung=$!
for i in $(seq 1 100); do
    [ "$(sim_stats_field status)" -gt "$polls" ] && break
    sleep 0.05
done
assert_eq 200 "$(sim_code /_sim/stats)" "served while a request hangs"
assert_eq "Last operation was not completed" \
    "$(sim_get "/payment?amount=1&owncheque=true" | sim_json .message)" "busy while hung"
sim_get /_sim/reset >/dev/null
wait "$hung"; assert_eq 52 $? "reset releases the hung request"

# hang-payment: registered, never answered.
sim_get "/_sim/scenario?name=hang-payment" >/dev/null
assert_eq 28 "$(curl_rc 1 "/payment?amount=40&owncheque=true")" "hang-payment times out"
assert_eq wait "$(op 0.state)" "hung payment registered"
sim_get /_sim/reset >/dev/null

# slow: replies come, after the delay (a long delay outlasts a short client
# timeout; a short one is answered).
sim_get "/_sim/scenario?name=slow&delay_ms=5000" >/dev/null
assert_eq 28 "$(curl_rc 0.5 "/payment?amount=50&owncheque=true")" "slow start outlasts 0.5 s"
sim_get /_sim/reset >/dev/null
sim_get "/_sim/scenario?name=slow&delay_ms=200" >/dev/null
pid=$(sim_get "/payment?amount=50&owncheque=true" | sim_json .processId)
assert_eq success "$(sim_poll "$pid" | sim_json .status)" "slow completes"

# flaky: K answers 503 with a text body, then two waits, then success.
sim_get "/_sim/scenario?name=flaky&polls=2" >/dev/null
pid=$(sim_get "/payment?amount=60&owncheque=true" | sim_json .processId)
for i in 1 2; do
    curl -s -D "$KP_TMP/h" -o "$KP_TMP/b" "$SIM_URL/status?processId=$pid"
    head -1 "$KP_TMP/h" | grep -q ' 503' || kp_fail "flaky poll $i: $(head -1 "$KP_TMP/h")"
    grep -qi '^content-type: text/plain' "$KP_TMP/h" || kp_fail "flaky 503 is not text"
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$KP_TMP/b" 2>/dev/null \
        && kp_fail "flaky 503 body is JSON"
done
assert_eq wait "$(sim_get "/status?processId=$pid" | sim_json .status)" "flaky poll 3"
assert_eq wait "$(sim_get "/status?processId=$pid" | sim_json .status)" "flaky poll 4"
assert_eq success "$(sim_get "/status?processId=$pid" | sim_json .status)" "flaky poll 5"

# Shutdown while a request hangs: the simulator still exits 0.
sim_get /_sim/reset >/dev/null
sim_get "/_sim/scenario?name=hang-payment" >/dev/null
curl -s -o /dev/null --max-time 60 "$SIM_URL/payment?amount=70&owncheque=true" &
hung=$!
for i in $(seq 1 100); do
    [ "$(sim_stats_field payment)" -ge 1 ] && break
    sleep 0.05
done
sim_stop || kp_fail "simulator exit status with a hung request"
wait "$hung"; assert_eq 52 $? "shutdown closes the hung request"
exit 0
