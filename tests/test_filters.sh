#!/bin/sh
# test_filters.sh: chequetoescpos and chequetopdf in a private cupsd, on
# queues made from the project's three PPDs whose device is the capture
# backend.  `lp` of a saved cheque (envelope and bare response) and of a
# declined slip gives ESC/POS that decodes to the same text as
# `kaspi-pay reprint --format text`, or a valid PDF with the store, the amount
# and the transaction id; job options change the output; branding comes from
# kaspi.conf; a broken cheque or a bad option prints nothing and says why in
# the error_log.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/cups-lab.sh"
. "$top_srcdir/tests/filters-lab.sh"

KASPI_PAY=$top_builddir/src/kaspi-pay

# --- the documents: one cheque in both forms, a declined slip, broken ones
python3 - "$KP_TMP" <<'PY'
import json, sys
d = sys.argv[1]
response = {
    "processId": "1579245612135", "status": "success", "transactionId": "4711",
    "addInfo": {"IsOffer": False, "LoanTerm": -1, "ProductType": "Gold"},
    "chequeInfo": {
        "storeName": "Магазин Ромашка", "city": "г. Алматы", "address": "ул. Абая 10",
        "amount": "1 500 ₸", "bin": "861002300247", "date": "24.01.26 18:40:23",
        "terminalId": "31013787", "cardMask": "516949*****0762", "icc": "MasterCard",
        "rrn": "002412884692", "authorizationCode": "931985", "method": "card",
        "status": "Покупка с Kaspi Gold. Одобрено"}}
envelope = {"kaspiCheque": 1, "operation": "payment", "amount": 1500,
            "terminal": "10.0.0.5:8080", "processId": "1579245612135",
            "savedAt": "2026-01-24T13:40:25Z", "response": response}
json.dump(envelope, open(d + "/envelope.json", "w"), ensure_ascii=False, indent=1)
json.dump(response, open(d + "/bare.json", "w"), ensure_ascii=False)
json.dump({"kaspiSlip": 1, "kind": "declined", "amount": 2300, "terminal": "10.0.0.5:8080",
           "processId": "1579245612999", "at": "2026-01-24T13:41:00Z"},
          open(d + "/slip.json", "w"))
# typed as a cheque by kaspi.types, but not one: a cut-off file, a wrong amount
open(d + "/cutoff.json", "w").write(json.dumps(envelope, ensure_ascii=False)[:300])
bad = dict(envelope, amount="lots")
json.dump(bad, open(d + "/badamount.json", "w"), ensure_ascii=False)
PY
# A store logo (a 64x16 PNG) and the admin's own template "custom", beside
# copies of the default templates; all readable by the scheduler's user.
python3 - "$KP_TMP/logo.png" <<'PY'
import struct, sys, zlib
w, h = 64, 16
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
rows = b"".join(b"\0" + bytes(255 if (x // 8 + y // 8) % 2 else 0 for x in range(w)) for y in range(h))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
cp -R "$KASPI_TEMPLATES_DIR" "$KP_TMP/templates"
printf '%s\n' '{{! custom.receipt: a test template }}' '"CUSTOM RECEIPT"' \
    '{{labels.total}} | {{receipt.amount}}' >"$KP_TMP/templates/custom.receipt"
chmod -R a+rX "$KP_TMP/templates" "$KP_TMP/logo.png"
KASPI_TEMPLATES_DIR=$KP_TMP/templates
cat >"$KP_TMP/kaspi.conf" <<CONF
header = Добро пожаловать
footer = Возврат в течение 14 дней
logo = $KP_TMP/logo.png
CONF
chmod a+r "$KP_TMP/kaspi.conf"
export KASPI_CONFIG="$KP_TMP/kaspi.conf" KASPI_TEMPLATES_DIR

flab_start "$KP_TMP/kaspi.conf"

# The reference: the text picture of a receipt, from kaspi-pay.  ESC/POS has
# no tenge sign in CP866 (the profile prints "тг"), rules are box drawing
# there and dashes in text, the text target spaces out double-width letters,
# codes are markers on both sides, and CP866 prints Kazakh letters as their
# Russian or Latin look-alikes: so lines are compared without spaces, markers
# and blank lines, with those letters folded.
reference() {  # OUT DOCUMENT [KASPI-PAY PRINT OPTIONS...]
    local out=$1 doc=$2
    shift 2
    "$KASPI_PAY" reprint "$doc" --format text --output "$out.txt" "$@" >/dev/null 2>"$KP_TMP/ref.err" \
        || { cat "$KP_TMP/ref.err" >&2; kp_fail "kaspi-pay reprint $doc --format text failed"; }
    normalize <"$out.txt" >"$out"
}
normalize() {  # and Kazakh letters as CP866 profiles print them
    python3 -c '
import re, sys
kz = str.maketrans("әғқңөұүһіӘҒҚҢӨҰҮҺІ", "агкноууhiАГКНОУУHI")
for line in sys.stdin.buffer.read().decode("utf-8").split("\n"):
    line = line.replace("₸", "тг").replace("─", "-").replace(" ", "").translate(kz)
    if re.fullmatch(r"-+", line): line = "---"
    if line and not re.fullmatch(r"\[.*\]", line): print(line)
'
}
same_text() {  # EXPECTED ACTUAL WHAT
    diff -u "$1" "$2" >"$KP_TMP/diff" || { cat "$KP_TMP/diff" >&2; kp_fail "$3"; }
}
escpos_job() {  # QUEUE DOCUMENT PROFILE [LP OPTIONS...]: lp it; decoded text in $KP_TMP/job.txt
    local queue=$1 doc=$2 profile=$3
    shift 3
    flab_lp "$queue" "$doc" "$@"
    assert_eq completed "$STATE" "job $JOB ($doc on $queue)"
    flab_decode "$(flab_capture "$JOB")" "$profile" >"$KP_TMP/job.txt"
    normalize <"$KP_TMP/job.txt" >"$KP_TMP/job.norm"
}

# --- a saved cheque, envelope and bare response, on the 80 mm and 58 mm queues
for form in envelope bare; do
    reference "$KP_TMP/ref80" "$KP_TMP/$form.json"
    escpos_job receipts80 "$KP_TMP/$form.json" 80mm
    assert_eq application/vnd.kaspi-cheque+json "$(lab_job_type "$JOB")" "type of $form.json"
    same_text "$KP_TMP/ref80" "$KP_TMP/job.norm" "lp of the $form cheque on receipts80 prints another text"
    assert_file_contains "$KP_TMP/job.txt" "Магазин Ромашка"
    assert_file_contains "$KP_TMP/job.txt" "4711"
    assert_file_contains "$KP_TMP/job.txt" "1 500 тг"
    assert_file_contains "$KP_TMP/job.txt" "Добро пожаловать"
    assert_file_contains "$KP_TMP/job.txt" "Возврат в течение 14 дней"
    assert_file_contains "$KP_TMP/job.txt" '^\[CUT\]'
    ! grep -q '^\[DRAWER\]' "$KP_TMP/job.txt" || kp_fail "the drawer opened by default"

    reference "$KP_TMP/ref58" "$KP_TMP/$form.json" --profile 58mm
    escpos_job receipts58 "$KP_TMP/$form.json" 58mm
    same_text "$KP_TMP/ref58" "$KP_TMP/job.norm" "lp of the $form cheque on receipts58 prints another text"
done
cp "$KP_TMP/job.txt" "$KP_TMP/default58.txt"

# --- job options override the PPD's defaults
reference "$KP_TMP/refkk58" "$KP_TMP/envelope.json" --profile 58mm --language kk
escpos_job receipts80 "$KP_TMP/envelope.json" 58mm -o Profile=58mm -o Language=kk
same_text "$KP_TMP/refkk58" "$KP_TMP/job.norm" "-o Profile=58mm -o Language=kk on receipts80"
! cmp -s "$KP_TMP/ref58" "$KP_TMP/refkk58" || kp_fail "Language=kk changed nothing"

escpos_job receipts80 "$KP_TMP/envelope.json" 80mm -o Cut=no -o CashDrawer=yes
! grep -q '^\[CUT\]' "$KP_TMP/job.txt" || kp_fail "Cut=no still cuts"
assert_file_contains "$KP_TMP/job.txt" '^\[DRAWER\]'
same_text "$KP_TMP/ref80" "$KP_TMP/job.norm" "Cut=no CashDrawer=yes changed the text"

# The store's logo from kaspi.conf only with Logo=store (the PPDs say none).
! grep -q '^\[RASTER' "$KP_TMP/job.txt" || kp_fail "a logo printed with Logo=none"
escpos_job receipts80 "$KP_TMP/envelope.json" 80mm -o Logo=store
assert_file_contains "$KP_TMP/job.txt" '^\[RASTER '
same_text "$KP_TMP/ref80" "$KP_TMP/job.norm" "Logo=store changed the text"

# A template by name, from the templates directory.
escpos_job receipts80 "$KP_TMP/envelope.json" 80mm -o Template=custom
assert_file_contains "$KP_TMP/job.txt" "CUSTOM RECEIPT"
assert_file_contains "$KP_TMP/job.txt" "ИТОГО *1 500 тг"

# The other roll asked for with the page size: 32 characters a line.
escpos_job receipts80 "$KP_TMP/envelope.json" 58mm -o media=58x297mm.Fullbleed
same_text "$KP_TMP/ref58" "$KP_TMP/job.norm" "media=58x297mm on receipts80"

# Copies: the PPDs say cupsManualCopies, so the filter prints them.
escpos_job receipts58 "$KP_TMP/envelope.json" 58mm -n 2
assert_eq 2 "$(grep -c 'Магазин Ромашка' "$KP_TMP/job.txt")" "store names printed for -n 2"

# --- a declined slip (typed explicitly: kaspi.types knows cheques by their keys)
reference "$KP_TMP/refslip" "$KP_TMP/slip.json"
escpos_job receipts80 "$KP_TMP/slip.json" 80mm -o document-format=application/vnd.kaspi-cheque+json
same_text "$KP_TMP/refslip" "$KP_TMP/job.norm" "the declined slip"
assert_file_contains "$KP_TMP/job.txt" "2 300 тг"

# --- the PDF queue
flab_lp receiptspdf "$KP_TMP/envelope.json"
assert_eq completed "$STATE" "PDF job $JOB"
pdf=$(flab_capture "$JOB")
if command -v qpdf >/dev/null 2>&1; then
    qpdf --check "$pdf" >"$KP_TMP/qpdf.out" 2>&1 || { cat "$KP_TMP/qpdf.out" >&2; kp_fail "the PDF receipt is broken"; }
fi
if command -v pdftotext >/dev/null 2>&1; then
    pdftotext -layout "$pdf" - 2>/dev/null | sed 's/  */ /g' >"$KP_TMP/pdf.txt"
    assert_file_contains "$KP_TMP/pdf.txt" "Магазин Ромашка"
    assert_file_contains "$KP_TMP/pdf.txt" "1 500 ₸"
    assert_file_contains "$KP_TMP/pdf.txt" "4711"
else
    head -c 5 "$pdf" | grep -q '%PDF-' || kp_fail "the PDF queue got no PDF"
fi
flab_lp receiptspdf "$KP_TMP/envelope.json" -o Profile=58mm
pdf58=$(flab_capture "$JOB")
! cmp -s "$pdf" "$pdf58" || kp_fail "Profile=58mm did not change the PDF"

# --- broken cheques and bad options: nothing printed, an ERROR line saying why
broken() {  # QUEUE DOCUMENT FILTER PATTERN [LP OPTIONS...]
    local queue=$1 doc=$2 filter=$3 pattern=$4
    shift 4
    # cupsd stops a job whose filter failed (it stays queued, stopped, with
    # the filter's message), after running the backend with empty input.
    flab_lp_stopped "$queue" "$doc" "$@"
    [ ! -s "$LAB/capture/$JOB-1.out" ] || kp_fail "job $JOB ($doc $*) sent bytes to the device"
    cancel "$JOB" 2>/dev/null || :
    # cupsd logs a filter's ERROR: lines at level E, without the prefix.
    grep "^E .*\[Job $JOB\] $filter: " "$LAB_LOG" >"$KP_TMP/errline" \
        || { grep "\[Job $JOB\]" "$LAB_LOG" | tail -n 30 >&2; kp_fail "no ERROR line from $filter for job $JOB"; }
    grep -q -- "$pattern" "$KP_TMP/errline" \
        || { cat "$KP_TMP/errline" >&2; kp_fail "the ERROR line of job $JOB does not say [$pattern]"; }
}
broken receipts80 "$KP_TMP/cutoff.json" chequetoescpos "cheque of job [0-9]* is not JSON"
broken receipts80 "$KP_TMP/badamount.json" chequetoescpos "amount"
broken receiptspdf "$KP_TMP/cutoff.json" chequetopdf "cheque of job [0-9]* is not JSON"
broken receipts80 "$KP_TMP/envelope.json" chequetoescpos "Template" -o Template=../../../etc/passwd
broken receipts80 "$KP_TMP/envelope.json" chequetoescpos "Cut" -o Cut=maybe
broken receipts80 "$KP_TMP/envelope.json" chequetoescpos "nosuchprofile" -o Profile=nosuchprofile

# --- run by hand (filter(7)): the cheque on stdin gives the bytes cupsd's
# run gave; a broken one writes nothing on stdout and ERROR: on stderr.
flab_lp receipts80 "$KP_TMP/envelope.json"
PPD=$FLAB_PPDS/kaspi80.ppd "$top_builddir/filters/chequetoescpos" 7 user title 1 "" \
    <"$KP_TMP/envelope.json" >"$KP_TMP/stdin.out" 2>"$KP_TMP/stdin.err" \
    || { cat "$KP_TMP/stdin.err" >&2; kp_fail "chequetoescpos failed on stdin"; }
cmp "$(flab_capture "$JOB")" "$KP_TMP/stdin.out" || kp_fail "the filter by hand and in cupsd differ"
grep -q '^INFO: ' "$KP_TMP/stdin.err" || kp_fail "no INFO: progress on stderr"
for f in chequetoescpos chequetopdf; do
    rc=0
    "$top_builddir/filters/$f" 8 user title 1 "" "$KP_TMP/cutoff.json" >"$KP_TMP/broken.out" 2>"$KP_TMP/broken.err" || rc=$?
    [ "$rc" -ne 0 ] || kp_fail "$f exited 0 on a broken cheque"
    [ ! -s "$KP_TMP/broken.out" ] || kp_fail "$f wrote output for a broken cheque"
    grep -q "^ERROR: $f: .*cutoff.json is not JSON" "$KP_TMP/broken.err" \
        || { cat "$KP_TMP/broken.err" >&2; kp_fail "$f gave no ERROR line naming the file"; }
    rc=0
    "$top_builddir/filters/$f" 1 2 3 >/dev/null 2>"$KP_TMP/usage.err" || rc=$?
    [ "$rc" -ne 0 ] && grep -q "Usage: $f job user title copies options \[file\]" "$KP_TMP/usage.err" \
        || kp_fail "$f with too few arguments gave no usage"
done

echo "ok: filters through cupsd: envelope, bare response, slip, PDF, options, broken cheques"
