# tests/sim.sh: run kaspi-terminal-sim from a shell test (source tests/lib.sh first).
#   sim_start [SIM ARGS...]  start the simulator on a free port (--port 0 --port-file)
#                            and wait until it listens; exports SIM_PORT, SIM_URL
#                            (http://127.0.0.1:PORT), SIM_PID and SIM_STDERR (its stderr).
#   sim_stop                 SIGTERM it and wait; returns its exit status.
#   sim_get PATH             curl -s "$SIM_URL$PATH" (PATH starts with /).
#   sim_code PATH            the HTTP status code of GET PATH (000 when none came back).
#   sim_stats_field NAME     one counter from /_sim/stats (requests, payment, ...).
#   sim_json EXPR            reads JSON on stdin, prints the value at EXPR (".a.b.0");
#                            strings raw, true/false/null as such, containers as JSON.
# One simulator per test at a time; lib.sh's cleanup kills it if the test dies.
: "${top_builddir:?source tests/lib.sh first}"
SIM_BIN=${SIM_BIN:-$top_builddir/src/kaspi-terminal-sim}

sim_start() {
    local port_file="$KP_TMP/sim.port.$$.$RANDOM" i
    [ -x "$SIM_BIN" ] || kp_fail "no simulator at $SIM_BIN"
    SIM_STDERR="$KP_TMP/sim.stderr"
    rm -f "$port_file"
    "$SIM_BIN" --port 0 --port-file "$port_file" "$@" 2>"$SIM_STDERR" &
    SIM_PID=$!
    KP_PIDS="$KP_PIDS $SIM_PID"
    for i in $(seq 1 200); do
        [ -s "$port_file" ] && break
        kill -0 "$SIM_PID" 2>/dev/null || { cat "$SIM_STDERR" >&2; kp_fail "simulator exited at start"; }
        sleep 0.05
    done
    [ -s "$port_file" ] || { cat "$SIM_STDERR" >&2; kp_fail "simulator did not start in 10 s"; }
    SIM_PORT=$(cat "$port_file")
    SIM_URL="http://127.0.0.1:$SIM_PORT"
    export SIM_PORT SIM_URL SIM_PID SIM_STDERR
}

sim_stop() {
    local rc=0
    [ -n "${SIM_PID:-}" ] || return 0
    kill -TERM "$SIM_PID" 2>/dev/null
    wait "$SIM_PID" || rc=$?
    KP_PIDS=$(echo "$KP_PIDS" | sed "s/\b$SIM_PID\b//")
    SIM_PID=""
    return $rc
}

sim_get() {
    curl -s --max-time 60 "$SIM_URL$1"
}

sim_code() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 60 "$SIM_URL$1"
}

sim_json() {
    python3 -c '
import json, sys
v = json.load(sys.stdin)
for part in [p for p in sys.argv[1].split(".") if p]:
    v = v[int(part)] if isinstance(v, list) else v[part]
if isinstance(v, bool): print("true" if v else "false")
elif v is None: print("null")
elif isinstance(v, (dict, list)): print(json.dumps(v, ensure_ascii=False))
else: print(v)
' "$1"
}

sim_stats_field() {
    sim_get /_sim/stats | sim_json ".$1"
}

# sim_poll PROCESS_ID: polls /status until it is no longer "wait" (at most 100
# polls) and prints the last body.
sim_poll() {
    local body i
    for i in $(seq 1 100); do
        body=$(sim_get "/status?processId=$1")
        case $body in *'"status": "wait"'*) continue ;; esac
        break
    done
    printf '%s\n' "$body"
}
