# tests/pay.sh: helpers for the kaspi-pay tests (source tests/lib.sh and
# tests/sim.sh first).
#   kpay ARGS...         runs kaspi-pay against the simulator with a private
#                        journal; sets RC, OUT (stdout) and ERR (stderr file)
#   json_field EXPR      a field of $OUT (see sim_json)
#   payments             how many /payment requests the simulator has seen
KASPI_PAY=${KASPI_PAY:-$top_builddir/src/kaspi-pay}
JOURNAL=$KP_TMP/journal
ERR=$KP_TMP/kaspi-pay.stderr
export KASPI_CONFIG=/dev/null   # no settings from the machine running the tests

kpay() {
    set +e
    OUT=$("$KASPI_PAY" --terminal "127.0.0.1:$SIM_PORT" --journal "$JOURNAL" \
          --poll-interval 50 "$@" 2>"$ERR")
    RC=$?
    set -e
}

json_field() {
    printf '%s' "$OUT" | sim_json "$1"
}

payments() {
    sim_stats_field payment
}

expect_rc() {  # code what
    [ "$RC" -eq "$1" ] || { echo "--- stderr:" >&2; cat "$ERR" >&2; echo "--- stdout: $OUT" >&2;
                            kp_fail "$2: expected exit $1, got $RC"; }
}
