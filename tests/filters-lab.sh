# tests/filters-lab.sh: a lab scheduler with the project's filters and three
# receipt queues, for the filters' tests and the demo (sourced after
# tests/lib.sh and tests/cups-lab.sh).
#
#   flab_start [KASPI_CONF]   lab_start, then: the filters installed, the
#                   environment they need passed by cupsd (SetEnv in
#                   cups-files.conf: KASPI_TEMPLATES_DIR, KASPI_PROFILES,
#                   KASPI_FONT_DIR, KASPI_CONFIG), and capture queues
#                   receipts80, receipts58 and receiptspdf from the
#                   project's PPDs kaspi80, kaspi58 and kaspipdf
#   flab_down / flab_up       stop / start the same scheduler again
#   flab_lp QUEUE FILE [LP OPTIONS...]   lp it, wait; sets JOB and STATE
#   flab_lp_stopped QUEUE FILE [LP OPTIONS...]  lp it, wait until cupsd stops
#                             it for a filter error; sets JOB
#   flab_capture JOB          the one file the device got for JOB (fails when
#                             none or more than one)
#   flab_decode FILE PROFILE  the ESC/POS in FILE as text (tests/kp-escpos-decode)

FLAB_DECODE=$top_builddir/tests/kp-escpos-decode
FLAB_PPDS=$top_builddir/filters

flab__setenv() {  # NAME VALUE: one variable for cupsd's children
    case $2 in
        *[[:space:]]*) kp_fail "cannot pass $1='$2' to the lab's filters: the path has spaces" ;;
    esac
    echo "SetEnv $1 $2" >>"$LAB/etc/cups-files.conf"
}

flab_down() { lab_stop; }
flab_up() { lab_restart; }

flab_start() {  # [KASPI_CONF]
    local conf=${1:-/dev/null}
    lab_start
    # cupsd gives its children a clean environment: the filters find the
    # templates, profiles and fonts of this build through SetEnv (CUPS 2.4
    # reads it from cups-files.conf), so the scheduler starts again with it.
    flab__setenv KASPI_TEMPLATES_DIR "${KASPI_TEMPLATES_DIR:-$top_srcdir/templates}"
    flab__setenv KASPI_PROFILES "${KASPI_PROFILES:-$top_srcdir/data/profiles.conf}"
    flab__setenv KASPI_FONT_DIR "${KASPI_FONT_DIR:-$top_builddir/fonts}"
    flab__setenv KASPI_CONFIG "$conf"
    lab_stop
    lab__as_owner cupsd -t -c "$LAB/etc/cupsd.conf" -s "$LAB/etc/cups-files.conf" >"$KP_TMP/cupsd-t.log" 2>&1 \
        || { cat "$KP_TMP/cupsd-t.log" >&2; kp_fail "the lab's cupsd refuses the SetEnv lines"; }
    lab_restart
    lab_install_filter "$top_builddir/filters/chequetoescpos"
    lab_install_filter "$top_builddir/filters/chequetopdf"
    lab_add_capture_queue receipts80 "$FLAB_PPDS/kaspi80.ppd"
    lab_add_capture_queue receipts58 "$FLAB_PPDS/kaspi58.ppd"
    lab_add_capture_queue receiptspdf "$FLAB_PPDS/kaspipdf.ppd"
}

flab_lp() {  # QUEUE FILE [LP OPTIONS...]
    local queue=$1 file=$2 out
    shift 2
    out=$(lp -d "$queue" "$@" -- "$file") || kp_fail "lp -d $queue $* $file failed"
    JOB=${out#request id is "$queue"-}
    JOB=${JOB%% *}
    STATE=$(lab_wait_job "$JOB") || exit 1   # kp_fail in $(...) ends only the subshell
}

flab_lp_stopped() {  # QUEUE FILE [LP OPTIONS...]: lp a job its filter must refuse
    local queue=$1 file=$2 out i=0
    shift 2
    out=$(lp -d "$queue" "$@" -- "$file") || kp_fail "lp -d $queue $* $file failed"
    JOB=${out#request id is "$queue"-}
    JOB=${JOB%% *}
    while ! grep -q "\[Job $JOB\] Job \(stopped\|completed\|aborted\|canceled\)" "$LAB_LOG"; do
        [ $i -lt 300 ] || { lab__dump_log; kp_fail "job $JOB did not end or stop in 15 s"; }
        sleep 0.05
        i=$((i + 1))
    done
    grep -q "\[Job $JOB\] Job stopped due to filter errors" "$LAB_LOG" \
        || kp_fail "job $JOB was not stopped by its filter"
}

flab_capture() {  # JOB
    [ -e "$LAB/capture/$1-1.out" ] || { lab__dump_log; kp_fail "job $1 reached no device"; }
    [ ! -e "$LAB/capture/$1-2.out" ] || kp_fail "job $1 reached the device twice"
    echo "$LAB/capture/$1-1.out"
}

flab_decode() {  # FILE PROFILE
    "$FLAB_DECODE" "$1" "$2" 2>"$KP_TMP/decode.err" \
        || { cat "$KP_TMP/decode.err" >&2; kp_fail "$1 is not well-formed ESC/POS for $2"; }
}
