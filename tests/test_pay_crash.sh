#!/bin/sh
# test_pay_crash.sh: kaspi-pay killed with SIGKILL right after each durable
# step of the journal, then `kaspi-pay recover`: exactly one payment request
# reaches the terminal, the approved cheque is saved, its receipt is written
# (--output), and recover says what it did.  Also Ctrl-C while waiting, and
# two agents on one terminal.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"
. "$top_srcdir/tests/pay.sh"
set -e
sim_start --quiet --polls 2

export KASPI_PROFILES="$top_srcdir/data/profiles.conf"
for step in intent started final cheque printed; do
    rm -rf "$JOURNAL" "$KP_TMP/crash.txt"
    sim_get "/_sim/reset" >/dev/null
    KASPI_TEST_KILL_AFTER=$step kpay --json pay 700 --output "$KP_TMP/crash.txt"
    [ "$RC" -eq 137 ] || kp_fail "kill after $step: kaspi-pay exited $RC, not by SIGKILL"
    sent=1
    [ "$step" = intent ] && sent=0   # killed before the start request left
    assert_eq $sent "$(payments)" "after a kill at $step: payment requests"
    kpay --json recover
    case $step in
        intent)
            # the start request was never sent: recover reports it for a check
            # on the terminal and never sends it
            expect_rc 5 "recover after a kill at intent"
            assert_eq 0 "$(sim_stats_field status)" "no polling for an unsent start"
            ;;
        *)
            expect_rc 0 "recover after a kill at $step"
            ;;
    esac
    assert_eq $sent "$(payments)" "after recover ($step): payment requests"
    if [ "$step" != intent ]; then
        n=$(ls "$JOURNAL/cheques" | wc -l)
        assert_eq 1 "$n" "cheques saved after a kill at $step"
        assert_eq success "$(json_field .operations.0.status)" "recovered status ($step)"
        [ -s "$KP_TMP/crash.txt" ] || kp_fail "no receipt after a kill at $step and recover"
        assert_file_contains "$KP_TMP/crash.txt" "7 0 0"
    fi
    # a second recover finds nothing left to do (except the uncertain start,
    # which stays reported until someone checks the terminal and closes it)
    kpay --json recover
    if [ "$step" = intent ]; then
        expect_rc 5 "second recover ($step)"
        kpay journal close "$(json_field .operations.0.journalId)"
        expect_rc 0 "journal close of the uncertain start"
        kpay --json recover
        expect_rc 0 "recover after the uncertain start was closed"
        assert_eq "[]" "$(json_field .operations)" "nothing left after closing"
        kpay journal close "$(ls "$JOURNAL" | grep -m1 '\.json$' | sed 's/\.json$//')"
        expect_rc 2 "closing a closed operation"
    else
        expect_rc 0 "second recover ($step)"
        assert_eq "[]" "$(json_field .operations)" "nothing left after $step"
    fi
    assert_eq $sent "$(payments)" "after the second recover ($step): payment requests"
done

# Ctrl-C while the customer pays: exit 5, the record stays, recover finishes it
rm -rf "$JOURNAL"
sim_get "/_sim/reset" >/dev/null
sim_get "/_sim/scenario?name=approve&polls=40" >/dev/null
"$KASPI_PAY" --terminal "127.0.0.1:$SIM_PORT" --journal "$JOURNAL" --poll-interval 50 \
    --json pay 900 >"$KP_TMP/out" 2>"$ERR" &
agent=$!
for i in $(seq 1 100); do
    [ "$(sim_stats_field status)" -ge 2 ] && break
    sleep 0.05
done
kill -INT $agent
set +e; wait $agent; RC=$?; set -e
OUT=$(cat "$KP_TMP/out")
expect_rc 5 "Ctrl-C"
assert_file_contains "$ERR" "may still pay"
assert_eq unknown "$(json_field .status)" "status after Ctrl-C"
kpay --json recover
expect_rc 0 "recover after Ctrl-C"
assert_eq success "$(json_field .operations.0.status)" "recovered after Ctrl-C"
assert_eq 1 "$(payments)" "one payment after Ctrl-C and recover"

# two agents on one terminal: the second is told at once, nothing is sent
rm -rf "$JOURNAL"
sim_get "/_sim/reset" >/dev/null
sim_get "/_sim/scenario?name=approve&polls=30" >/dev/null
"$KASPI_PAY" --terminal "127.0.0.1:$SIM_PORT" --journal "$JOURNAL" --poll-interval 50 \
    --json pay 100 >"$KP_TMP/first" 2>"$KP_TMP/first.err" &
first=$!
for i in $(seq 1 100); do
    [ "$(payments)" -ge 1 ] && break
    sleep 0.05
done
kpay --json pay 200
expect_rc 3 "second agent"
assert_file_contains "$ERR" "another kaspi-pay"
set +e; wait $first; rc_first=$?; set -e
assert_eq 0 "$rc_first" "first agent"
assert_eq 1 "$(payments)" "one payment with two agents"
echo "crash, interrupt and concurrency tests passed"
