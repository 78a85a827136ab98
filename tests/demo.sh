#!/usr/bin/env bash
# tests/demo.sh: what `./quickstart demo` runs once the build is done (with
# top_srcdir and top_builddir set).  It starts the terminal simulator and a
# private CUPS scheduler (tests/cups-lab.sh: never the system's) with an
# ESC/POS receipt queue and a PDF receipt queue whose devices write files,
# takes a payment of 1500 ₸ printed on the ESC/POS queue, reprints the saved
# cheque on the PDF queue, shows the receipt as text, says where the files
# are, and stops everything it started.
: "${top_srcdir:?run through ./quickstart demo}"
: "${top_builddir:?run through ./quickstart demo}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"
. "$top_srcdir/tests/cups-lab.sh"
. "$top_srcdir/tests/filters-lab.sh"

KASPI_PAY=$top_builddir/src/kaspi-pay
OUT=$top_builddir/demo
ESCPOS_QUEUE=receipts80
PDF_QUEUE=receiptspdf

say() { printf '%s\n' "$*"; }
json() { sim_json "$1" <"$KP_TMP/result.json"; }
pay() {  # kaspi-pay with the demo's terminal and journal, result in result.json
    "$KASPI_PAY" --terminal "127.0.0.1:$SIM_PORT" --journal "$KP_TMP/journal" --quiet --json \
        "$@" >"$KP_TMP/result.json" 2>"$KP_TMP/kaspi-pay.err"
}
job_done() {  # JOB: wait for it; the file its device got
    local state
    state=$(lab_wait_job "$1") || exit 1
    [ "$state" = completed ] || kp_fail "job $1 ended $state"
    flab_capture "$1"
}

# The filters run as an unprivileged user: give them a copy of the templates,
# profiles and fonts that it can read, wherever the source tree is.
share=$KP_TMP/share
mkdir -p "$share"
cp -R "$top_srcdir/templates" "$share/templates"
cp "$top_srcdir/data/profiles.conf" "$share/profiles.conf"
cp -R "$top_builddir/fonts" "$share/fonts"
chmod -R a+rX "$share"
export KASPI_TEMPLATES_DIR=$share/templates KASPI_PROFILES=$share/profiles.conf
export KASPI_FONT_DIR=$share/fonts KASPI_CONFIG=/dev/null

say "kaspi-cups demo"
sim_start
say "  terminal simulator   127.0.0.1:$SIM_PORT"
flab_start
say "  private CUPS         $CUPS_SERVER"
say "                       queues $ESCPOS_QUEUE (ESC/POS 80 mm) and $PDF_QUEUE (PDF)"
say ""

say "\$ kaspi-pay pay 1500 --printer $ESCPOS_QUEUE"
pay pay 1500 --printer "$ESCPOS_QUEUE" || { rc=$?; cat "$KP_TMP/kaspi-pay.err" >&2; kp_fail "kaspi-pay pay exited $rc"; }
cheque=$(json .cheque)
escpos_job=$(json .jobId)
say "  approved: transaction $(json .transactionId), CUPS job $escpos_job"
escpos=$(job_done "$escpos_job")

say "\$ kaspi-pay reprint CHEQUE --printer $PDF_QUEUE --format pdf"
pay reprint "$cheque" --printer "$PDF_QUEUE" --format pdf \
    || { cat "$KP_TMP/kaspi-pay.err" >&2; kp_fail "the reprint failed"; }
pdf=$(job_done "$(json .jobId)")

say "\$ lp -d $PDF_QUEUE CHEQUE        (the same cheque through the chequetopdf filter)"
flab_lp "$PDF_QUEUE" "$cheque"
[ "$STATE" = completed ] || kp_fail "lp job $JOB ended $STATE"
lp_pdf=$(flab_capture "$JOB")

mkdir -p "$OUT"
cp "$cheque" "$OUT/cheque.json"
cp "$escpos" "$OUT/receipt.escpos"
cp "$pdf" "$OUT/receipt.pdf"
cp "$lp_pdf" "$OUT/receipt-lp.pdf"
"$KASPI_PAY" --quiet reprint "$OUT/cheque.json" --output "$OUT/receipt.txt" \
    || kp_fail "could not render the receipt as text"

say ""
say "The receipt:"
sed -e 's/^/    /' -e 's/^ *$//' "$OUT/receipt.txt"
say ""
say "Files (in $OUT):"
say "  receipt.escpos   the ESC/POS bytes the receipt printer got"
say "  receipt.pdf      the PDF the PDF queue got (receipt-lp.pdf: the same through lp)"
say "  receipt.txt      the receipt as text"
say "  cheque.json      the saved cheque: lp -d QUEUE cheque.json prints it again"
lab_stop
sim_stop >/dev/null 2>&1 || :
say "The simulator and the private scheduler are stopped."
