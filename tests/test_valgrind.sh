#!/bin/sh
# test_valgrind.sh: the integration path under valgrind's memcheck: `kaspi-pay
# pay` against the simulator (approved, declined, unreachable), `journal`,
# `recover`, `status` and `reprint` of the saved cheque (ESC/POS, PDF, text).
# Any memory error or a definite leak makes valgrind exit 99, and the test
# fails with its report.  SKIP without valgrind, or when kaspi-pay is built
# with ASan (the two do not mix).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"
. "$top_srcdir/tests/pay.sh"
set -e
command -v valgrind >/dev/null 2>&1 || kp_skip "valgrind is not installed"
if nm -D "$KASPI_PAY" 2>/dev/null | grep -q __asan_init || nm "$KASPI_PAY" 2>/dev/null | grep -q __asan_init; then
    kp_skip "kaspi-pay is built with AddressSanitizer: valgrind cannot run it"
fi
sim_start --quiet --polls 1

# vgpay ARGS...: kaspi-pay under memcheck; sets RC, OUT and ERR like kpay.
vgpay() {
    set +e
    OUT=$(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
            --log-file="$KP_TMP/vg.log" \
            "$KASPI_PAY" --terminal "127.0.0.1:$SIM_PORT" --journal "$JOURNAL" \
            --poll-interval 50 "$@" 2>"$ERR")
    RC=$?
    set -e
    if [ "$RC" -eq 99 ] || [ -s "$KP_TMP/vg.log" ]; then
        cat "$KP_TMP/vg.log" >&2
        kp_fail "valgrind found errors in: kaspi-pay $*"
    fi
}

# Approved; the receipt goes to a file (text).
vgpay --json pay 1500 --output "$KP_TMP/receipt.txt"
expect_rc 0 "approved pay under valgrind"
[ -s "$KP_TMP/receipt.txt" ] || kp_fail "no receipt written"
cheque=$(json_field .cheque)
[ -f "$cheque" ] || kp_fail "no cheque saved at $cheque"
process_id=$(json_field .processId)

# The same cheque printed again, as ESC/POS, PDF and text.
for out in reprint.bin reprint.pdf reprint.txt; do
    vgpay reprint "$cheque" --output "$KP_TMP/$out"
    expect_rc 0 "reprint to $out under valgrind"
    [ -s "$KP_TMP/$out" ] || kp_fail "reprint wrote nothing to $out"
done
cmp -s "$KP_TMP/receipt.txt" "$KP_TMP/reprint.txt" || kp_fail "the reprint differs from the first print"

# Declined, then the journal and the status of the first operation.
sim_get "/_sim/scenario?name=decline&polls=1" >/dev/null
vgpay --json pay 10
expect_rc 1 "declined pay under valgrind"
vgpay journal list
expect_rc 0 "journal list under valgrind"
vgpay status "$process_id"
expect_rc 0 "status under valgrind"
vgpay recover
[ "$RC" -eq 0 ] || [ "$RC" -eq 6 ] || expect_rc 0 "recover under valgrind"

# Unreachable terminal: the error paths free what they allocated.
sim_stop
vgpay pay 10
expect_rc 4 "unreachable terminal under valgrind"
