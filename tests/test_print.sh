#!/bin/sh
# test_print.sh: the print room against a private cupsd (tests/cups-lab.sh).
# Bytes submitted with kp_print_submit reach the device unchanged through a
# raw queue and through a queue made from each of the project's PPDs; the
# errors an admin can fix (no queue, stopped, rejecting, scheduler down) say so.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/cups-lab.sh"

SUBMIT=$top_builddir/tests/kp-print-submit
PPDS=$top_builddir/filters
lab_start

# Every byte value, ESC/POS commands, CP866 text, and a body over one write chunk.
python3 - "$KP_TMP" <<'PY'
import os, sys
d = sys.argv[1]
open(d + "/escpos.bin", "wb").write(b"\x1b@\x1bt\x11" + bytes(range(256)) + "Итого 1 500 ₸\n".encode("cp866", "replace") + b"\x1dV\x00")
open(d + "/big.bin", "wb").write(os.urandom(200 * 1024))
open(d + "/receipt.pdf", "wb").write(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
PY
: >"$KP_TMP/empty.bin"

lab_add_capture_queue raw ""
for ppd in kaspi80 kaspi58 kaspipdf; do
    [ -f "$PPDS/$ppd.ppd" ] || kp_fail "$PPDS/$ppd.ppd was not built"
    lab_add_capture_queue "$ppd" "$PPDS/$ppd.ppd"
done

submit_ok() {  # QUEUE FORMAT FILE [OPTIONS]: submit, wait, compare the captured bytes
    job=$("$SUBMIT" "$1" "$2" "$3" "${4:-}" "Kaspi cheque 4711") || kp_fail "submitting $3 to $1 failed"
    state=$(lab_wait_job "$job")
    assert_eq completed "$state" "state of job $job on $1"
    cmp "$3" "$LAB/capture/$job-1.out" || kp_fail "queue $1 delivered other bytes than $3 (job $job)"
    [ ! -e "$LAB/capture/$job-2.out" ] || kp_fail "job $job was delivered twice"
}

for q in raw kaspi80 kaspi58 kaspipdf; do
    submit_ok "$q" application/vnd.cups-raw "$KP_TMP/escpos.bin"
done
submit_ok kaspi80 application/vnd.cups-raw "$KP_TMP/big.bin" "Profile=58mm Cut=no"
# The title and the options reach the device's side (the filters get the same argv).
assert_eq "Kaspi cheque 4711" "$(sed -n 2p "$LAB/capture/$job-1.args")" "title of job $job"
for option in Profile=58mm Cut=no; do
    sed -n 4p "$LAB/capture/$job-1.args" | tr ' ' '\n' | grep -qxF "$option" \
        || kp_fail "job $job lost option $option: $(sed -n 4p "$LAB/capture/$job-1.args")"
done
# The PDF queue hands a PDF to its device as it is.
submit_ok kaspipdf application/pdf "$KP_TMP/receipt.pdf"

# The user name and the TCP form of the server reach the scheduler.
job=$(KP_PRINT_USER=cashier1 KP_PRINT_SERVER=127.0.0.1:$LAB_PORT "$SUBMIT" raw application/vnd.cups-raw "$KP_TMP/escpos.bin") \
    || kp_fail "submitting over TCP failed"
lab_wait_job "$job" >/dev/null
lpstat -W completed -o raw | grep -q "^raw-$job  *cashier1 " || { lpstat -W completed -o raw >&2; kp_fail "job $job is not cashier1's"; }

expect_error() {  # QUEUE FORMAT FILE STATUS MESSAGE
    if "$SUBMIT" "$1" "$2" "$3" >"$KP_TMP/out" 2>"$KP_TMP/err"; then
        kp_fail "submitting $3 to $1 succeeded (job $(cat "$KP_TMP/out")); expected: $5"
    fi
    assert_eq "$4: $5" "$(cat "$KP_TMP/err")" "error for $1 $2"
}

expect_error nosuch application/vnd.cups-raw "$KP_TMP/escpos.bin" not-found \
    "CUPS has no queue named nosuch: lpstat -p lists the queues"
expect_error raw application/vnd.cups-raw "$KP_TMP/empty.bin" usage \
    "nothing to print on raw: the document is empty"
expect_error 'bad/name' application/vnd.cups-raw "$KP_TMP/escpos.bin" usage \
    "\"bad/name\" is not a CUPS queue name (no spaces, / \\ # ? or quotes)"
expect_error kaspi80 image/png "$KP_TMP/escpos.bin" print \
    "queue kaspi80 does not take image/png documents: check its driver (lpoptions -p kaspi80)"

cupsdisable raw
expect_error raw application/vnd.cups-raw "$KP_TMP/escpos.bin" print \
    "queue raw is stopped (Paused): cupsenable raw"
cupsdisable -r "out of paper" raw
expect_error raw application/vnd.cups-raw "$KP_TMP/escpos.bin" print \
    "queue raw is stopped (out of paper): cupsenable raw"
cupsenable raw
cupsreject raw
expect_error raw application/vnd.cups-raw "$KP_TMP/escpos.bin" print \
    "queue raw is not accepting jobs: cupsaccept raw"
cupsaccept raw
submit_ok raw application/vnd.cups-raw "$KP_TMP/escpos.bin"

lab_stop
expect_down() {  # SERVER-AS-SHOWN: the reason in brackets is the system's
    if "$SUBMIT" raw application/vnd.cups-raw "$KP_TMP/escpos.bin" >"$KP_TMP/out" 2>"$KP_TMP/err"; then
        kp_fail "submitting to a stopped scheduler succeeded"
    fi
    case $(cat "$KP_TMP/err") in
        "unreachable: the CUPS scheduler at $1 is not running ("*"): start it (systemctl start cups) or point CUPS_SERVER at the right one") ;;
        *) kp_fail "scheduler down at $1: unexpected error [$(cat "$KP_TMP/err")]" ;;
    esac
}
expect_down "$LAB/run/cups.sock"
KP_PRINT_SERVER=127.0.0.1:$LAB_PORT; export KP_PRINT_SERVER
expect_down "127.0.0.1:$LAB_PORT"
exit 0
