#!/bin/sh
# test_cups_types.sh: the CUPS data files.  The PPDs compiled from kaspi.drv
# pass cupstestppd and carry the right defaults and filters; a private cupsd
# with kaspi.types types a saved cheque and a bare terminal status response
# as application/vnd.kaspi-cheque+json, and other JSON as text.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/cups-lab.sh"

PPDS=$top_builddir/filters

# --- the PPDs
ppd_has() {  # PPD LINE
    grep -qxF -- "$2" "$PPDS/$1.ppd" || kp_fail "$1.ppd lacks the line [$2]"
}
for ppd in kaspi80 kaspi58 kaspipdf; do
    [ -f "$PPDS/$ppd.ppd" ] || kp_fail "$PPDS/$ppd.ppd was not built"
    if command -v cupstestppd >/dev/null 2>&1; then
        # Missing filters are only warnings: they are installed beside the PPDs.
        cupstestppd -W all "$PPDS/$ppd.ppd" >"$KP_TMP/testppd" 2>&1 \
            || { cat "$KP_TMP/testppd" >&2; kp_fail "cupstestppd refuses $ppd.ppd"; }
        ! grep -v 'Missing cupsFilter2 file' "$KP_TMP/testppd" | grep -q 'WARN' \
            || { cat "$KP_TMP/testppd" >&2; kp_fail "cupstestppd warns about $ppd.ppd"; }
    fi
    ppd_has $ppd '*DefaultTemplate: default'
    ppd_has $ppd '*DefaultLanguage: ru'
    ppd_has $ppd '*DefaultLogo: none'
done
for ppd in kaspi80 kaspi58; do
    ppd_has $ppd '*cupsFilter2: "application/vnd.kaspi-cheque+json application/vnd.cups-raw 0 chequetoescpos"'
    ppd_has $ppd '*DefaultCut: yes'
    ppd_has $ppd '*DefaultCashDrawer: no'
    for profile in 80mm 58mm epson-tm-t20 epson-tm-t88 xprinter-80 xprinter-58 rongta-80 kz-rk1048-80 kz-pt154-80; do
        grep -q "^\*Profile $profile/" "$PPDS/$ppd.ppd" || kp_fail "$ppd.ppd lacks profile $profile"
    done
done
ppd_has kaspi80 '*DefaultProfile: 80mm'
ppd_has kaspi80 '*DefaultPageSize: 80x297mm.Fullbleed'
ppd_has kaspi58 '*DefaultProfile: 58mm'
ppd_has kaspi58 '*DefaultPageSize: 58x297mm.Fullbleed'
ppd_has kaspipdf '*cupsFilter2: "application/vnd.kaspi-cheque+json application/pdf 0 chequetopdf"'
ppd_has kaspipdf '*cupsFilter2: "application/pdf application/pdf 0 -"'

# --- typing by a scheduler that has kaspi.types
lab_start
lab_add_capture_queue raw ""

cat >"$KP_TMP/envelope.json" <<'JSON'
{"kaspiCheque": 1, "operation": "payment", "amount": 1500, "terminal": "10.0.0.5:8080",
 "processId": "p-1", "savedAt": "2026-01-02T03:04:05Z",
 "response": {"processId": "p-1", "status": "success", "transactionId": "4711",
              "chequeInfo": {"store": "Магазин «Ақ жол»", "amount": "1 500 ₸"}}}
JSON
printf '  \n{"processId":"p-2","status":"success","transactionId":"4712","chequeInfo":{"amount":"100"}}\n' \
    >"$KP_TMP/bare.json"
printf '{"kaspiSlip": 1, "kind": "declined", "amount": 1500, "terminal": "10.0.0.5:8080", "processId": "p-3", "at": "2026-01-02T03:04:05Z"}\n' \
    >"$KP_TMP/slip.json"
printf '{"note": "kaspiCheque is only mentioned here, not a key", "x": 1}\n' >"$KP_TMP/other.json"
printf 'chequeInfo: "kaspiCheque" in a text that is not JSON\n' >"$KP_TMP/notjson.txt"

lp_type() {  # FILE EXPECTED-TYPE: lp it with no format, as a user would
    out=$(lp -d raw "$1") || kp_fail "lp $1 failed"
    job=${out#request id is raw-}; job=${job%% *}
    state=$(lab_wait_job "$job")
    assert_eq completed "$state" "state of job $job ($1)"
    assert_eq "$2" "$(lab_job_type "$job")" "type the scheduler gave $(basename "$1")"
    cmp "$1" "$LAB/capture/$job-1.out" || kp_fail "the raw queue changed $1"
}
lp_type "$KP_TMP/envelope.json" application/vnd.kaspi-cheque+json
lp_type "$KP_TMP/bare.json" application/vnd.kaspi-cheque+json
lp_type "$KP_TMP/slip.json" application/vnd.kaspi-cheque+json
lp_type "$KP_TMP/other.json" text/plain
lp_type "$KP_TMP/notjson.txt" text/plain

# The type is known to the scheduler, so it can also be named explicitly.
lp -d raw -o document-format=application/vnd.kaspi-cheque+json "$KP_TMP/bare.json" >/dev/null \
    || kp_fail "the scheduler does not know application/vnd.kaspi-cheque+json"
exit 0
