# tests/backend.sh: shared steps of the kaspi backend's shell tests (sourced
# after tests/lib.sh, tests/sim.sh and tests/cups-lab.sh, not run).
#   bk_setup [SIM ARGS...]  simulator + lab with the backend, its journal and
#                           config passed by SetEnv; queues `cap` (capture) and
#                           `kaspi` (kaspi://127.0.0.1:SIMPORT/?printer=cap)
#   bk_submit FILE          lp -o raw FILE on the kaspi queue; prints the job id
#   bk_bill CHARSET TOTAL   a bill with ESC/POS commands, in CHARSET, on stdout
#   bk_captures             the capture files of queue cap, in job order
#   bk_wait_captures N      wait until N jobs were captured (15 s at most)
#   bk_payments             how many payment requests the simulator saw
BK_JOURNAL=""

bk_setup() {
    sim_start --quiet "$@"
    lab_start
    BK_JOURNAL=$LAB/journal
    mkdir -p "$BK_JOURNAL"
    chmod 0700 "$BK_JOURNAL"
    printf 'poll_interval_ms = 100\n' >"$LAB/kaspi.conf"
    [ -z "$LAB_RUN_AS" ] || chown "$LAB_RUN_AS:$LAB_RUN_GROUP" "$BK_JOURNAL" "$LAB/kaspi.conf"
    printf 'SetEnv KASPI_JOURNAL %s\nSetEnv KASPI_CONFIG %s\n' "$BK_JOURNAL" "$LAB/kaspi.conf" \
        >>"$LAB/etc/cups-files.conf"
    lab_restart
    lab_install_backend "$top_builddir/filters/kaspi" kaspi
    lab_add_capture_queue cap ""
    lab_add_queue kaspi "" "kaspi://127.0.0.1:$SIM_PORT/?printer=cap&timeout=${BK_TIMEOUT:-20}"
}

bk_submit() {
    local out
    out=$(lp -d kaspi -o raw -t "bill" "$1") || kp_fail "lp $1 failed"
    out=${out#request id is kaspi-}
    echo "${out%% *}"
}

# A bill as a till prints it: init, code page, bold, a raster logo, centring,
# lines, a barcode and a cut around the text, CRLF line ends.
bk_bill() {  # CHARSET TOTAL-LINE
    printf '\033@\033t\021\033a\001\033E\001'
    printf 'ТОО "Рога и копыта"\r\nКАССОВЫЙ ЧЕК № 77\r\n' | iconv -f UTF-8 -t "$1"
    printf '\035v0\000\002\000\002\000\033\012\015\035'
    printf '\033E\000\033a\000'
    printf 'Хлеб белый        2 x 150 = 300,00\r\nМолоко 1 л                  450,00\r\nВсего позиций: 2\r\n%s\r\n' "$2" \
        | iconv -f UTF-8 -t "$1"
    printf '\035kI\004{B12\033d\003\035VA\020'
}

bk_captures() {
    ls "$LAB/capture" | sed -n 's/^\([0-9]*\)-\([0-9]*\)\.out$/\1 \2/p' | sort -n -k1,1 -k2,2 \
        | while read -r job n; do echo "$LAB/capture/$job-$n.out"; done
}

bk_wait_captures() {  # N
    local i=0
    while [ $i -lt 300 ]; do
        [ "$(bk_captures | wc -l)" -ge "$1" ] && return 0
        sleep 0.05
        i=$((i + 1))
    done
    lab__dump_log
    kp_fail "expected $1 captured jobs, got $(bk_captures | wc -l)"
}

bk_payments() {
    sim_stats_field payment
}

# bk_log_has JOB TEXT: the scheduler logged TEXT for the job (its stderr lines).
bk_log_has() {
    grep "\[Job $1\]" "$LAB_LOG" | grep -qF -- "$2" \
        || { grep "\[Job $1\]" "$LAB_LOG" | grep -v 'cupsdSetBusy\|Client' | tail -n 30 >&2; kp_fail "job $1 did not log [$2]"; }
}
