#!/bin/sh
# test_backend_rerun.sh: a job that runs again never pays twice.  (1) The
# scheduler is stopped while the backend waits for the customer and started
# again on the same tree: the job re-runs, resumes the same process, and the
# simulator sees one payment request.  (2) The backend run directly twice with
# the same job-uuid: one payment, one bill and one cheque.  (3) Killed while
# waiting (SIGTERM), it exits at once and the next run resumes.  (4) An
# outcome unknown at the deadline holds the job; releasing it resumes.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"
. "$top_srcdir/tests/cups-lab.sh"
. "$top_srcdir/tests/backend.sh"

bk_setup --polls 1000

wait_payments() {  # N: until the simulator saw N payment requests (10 s at most)
    local i=0
    while [ "$(bk_payments)" -lt "$1" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
    assert_eq "$1" "$(bk_payments)" "payment requests"
}
last_process() {
    sim_get /_sim/operations | sim_json ".operations" | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["processId"])'
}

# --- (1) scheduler restart in the middle of a payment
bk_bill UTF-8 "ИТОГО 2 000" >"$KP_TMP/bill1"
job=$(bk_submit "$KP_TMP/bill1")
wait_payments 1
pid1=$(last_process)
lab_stop
sim_get "/_sim/scenario?name=approve&polls=0&processId=$pid1" >/dev/null
lab_restart
assert_eq completed "$(lab_wait_job "$job" 25)" "state of the job after the restart"
bk_wait_captures 2
assert_eq 1 "$(bk_payments)" "payment requests after the restart"
cmp "$KP_TMP/bill1" "$(bk_captures | sed -n 1p)" || kp_fail "the bill after the restart differs"
grep -q '"kaspiCheque"' "$(bk_captures | sed -n 2p)" || kp_fail "no cheque after the restart"

# --- (2) the same job run twice, directly
sim_get "/_sim/scenario?name=approve&polls=1" >/dev/null
bk_bill CP1251 "ИТОГО 3 100,00" >"$KP_TMP/bill2"
run_direct() {  # JOB-UUID FILE: the backend as cupsd runs it; exit code on stdout
    rc=0
    DEVICE_URI="kaspi://127.0.0.1:$SIM_PORT/?printer=cap&timeout=${3:-20}" KASPI_JOURNAL=$KP_TMP/direct \
        KASPI_CONFIG=$LAB/kaspi.conf "$top_builddir/filters/kaspi" 4242 lp bill 1 \
        "job-uuid=$1 job-originating-host-name=localhost" "$2" 2>>"$KP_TMP/direct.err" || rc=$?
    echo $rc
}
assert_eq 0 "$(run_direct urn:uuid:2b3c "$KP_TMP/bill2")" "first direct run"
assert_eq 0 "$(run_direct urn:uuid:2b3c "$KP_TMP/bill2")" "second direct run of the same job"
assert_eq 2 "$(bk_payments)" "payment requests after two runs of one job"
bk_wait_captures 4
sleep 0.5
assert_eq 4 "$(bk_captures | wc -l)" "jobs on the receipt queue after two runs of one job"
cmp "$KP_TMP/bill2" "$(bk_captures | sed -n 3p)" || kp_fail "the CP1251 bill differs"

# --- (3) SIGTERM while waiting: out at once, the record stays, the next run resumes
sim_get "/_sim/scenario?name=approve&polls=1000" >/dev/null
bk_bill CP866 "ИТОГО 700" >"$KP_TMP/bill3"
DEVICE_URI="kaspi://127.0.0.1:$SIM_PORT/?printer=cap" KASPI_JOURNAL=$KP_TMP/direct \
    KASPI_CONFIG=$LAB/kaspi.conf "$top_builddir/filters/kaspi" 4243 lp bill 1 "job-uuid=urn:uuid:3c4d" \
    "$KP_TMP/bill3" 2>"$KP_TMP/term.err" &
bpid=$!
wait_payments 3
sleep 0.3
kill -TERM $bpid
rc=0; wait $bpid || rc=$?
assert_eq 5 "$rc" "exit code after SIGTERM"
assert_file_contains "$KP_TMP/term.err" "kaspi-pay recover"
sim_get "/_sim/scenario?name=approve&polls=0&processId=$(last_process)" >/dev/null
assert_eq 0 "$(run_direct urn:uuid:3c4d "$KP_TMP/bill3")" "run after SIGTERM"
assert_eq 3 "$(bk_payments)" "payment requests after the SIGTERM and the re-run"

# --- (4) unknown at the deadline: held; released, it resumes the same process
sim_get "/_sim/scenario?name=approve&polls=1000" >/dev/null
lpadmin -p kaspi -v "kaspi://127.0.0.1:$SIM_PORT/?printer=cap&timeout=2" || kp_fail "lpadmin -v"
bk_bill UTF-8 "TOTAL 4 400" >"$KP_TMP/bill4"
job=$(bk_submit "$KP_TMP/bill4")
i=0
until grep -q "\[Job $job\] Backend returned status 3" "$LAB_LOG"; do
    [ $i -lt 300 ] || { lab__dump_log; kp_fail "job $job was not held at the deadline"; }
    sleep 0.05; i=$((i + 1))
done
assert_eq 4 "$(bk_payments)" "payment requests before the release"
sim_get "/_sim/scenario?name=approve&polls=0&processId=$(last_process)" >/dev/null
lp -i "$job" -H resume || kp_fail "could not release job $job"
assert_eq completed "$(lab_wait_job "$job" 20)" "state of the released job"
assert_eq 4 "$(bk_payments)" "payment requests after the release"
bk_wait_captures 8
exit 0
