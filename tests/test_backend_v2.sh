#!/bin/sh
# test_backend_v2.sh: the kaspi backend against a protected (v2) terminal:
# api, tls_name and the CA from kaspi.conf and the URI, the token that
# `kaspi-pay register` left in the journal, over real TLS on loopback.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"
. "$top_srcdir/tests/pay.sh"
. "$top_srcdir/tests/v2.sh"
. "$top_srcdir/tests/cups-lab.sh"
. "$top_srcdir/tests/backend.sh"

v2_start --quiet --auto-tap --polls 1
lab_start
JOURNAL=$LAB/journal
kpay2 --json register till1
expect_rc 0 "register the backend's client"
set +e   # kpay turns -e on; the lab's cleanup must not trip over it
cp "$CA_CERT" "$LAB/ca.pem"
printf 'api = v2\ncacert = %s\npoll_interval_ms = 100\n' "$LAB/ca.pem" >"$LAB/kaspi.conf"
[ -z "$LAB_RUN_AS" ] || chown -R "$LAB_RUN_AS:$LAB_RUN_GROUP" "$JOURNAL" "$LAB/kaspi.conf" "$LAB/ca.pem"
printf 'SetEnv KASPI_JOURNAL %s\nSetEnv KASPI_CONFIG %s\n' "$JOURNAL" "$LAB/kaspi.conf" \
    >>"$LAB/etc/cups-files.conf"
lab_restart
lab_install_backend "$top_builddir/filters/kaspi" kaspi
lab_add_capture_queue cap ""
lab_add_queue kaspi "" "kaspi://127.0.0.1:$SIM_PORT/?printer=cap&tls_name=pos.kaspipos.kz&timeout=20"

bk_bill UTF-8 "ИТОГО К ОПЛАТЕ: 4 200,00 ₸" >"$KP_TMP/bill"
job=$(bk_submit "$KP_TMP/bill")
assert_eq completed "$(lab_wait_job "$job" 30)" "state of the bill's job on a v2 terminal"
bk_wait_captures 2
assert_eq 1 "$(sim_stats_field payment)" "payment requests"
cheque=$(bk_captures | sed -n 2p)
python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
assert c["api"] == "v2" and c["amount"] == 4200 and "chequeInfo" in c["response"], c
' "$cheque" || kp_fail "the cheque on cap is not a v2 cheque of 4200"

# without the name to verify against, the terminal's certificate is refused:
# the queue stops with nothing charged
lab_add_queue kaspi_ip "" "kaspi://127.0.0.1:$SIM_PORT/?printer=cap&timeout=20"
lp -d kaspi_ip -o raw -t bill "$KP_TMP/bill" >/dev/null
for i in $(seq 1 300); do   # the backend stops the queue (a setup error); 30 s at most
    lpstat -p kaspi_ip 2>/dev/null | grep -q disabled && break
    sleep 0.1
done
lpstat -p kaspi_ip | grep -q disabled || kp_fail "the queue was not stopped after a TLS failure"
assert_eq 1 "$(sim_stats_field payment)" "no payment without TLS verification"
grep -q "tls-name\|tls_name\|kaspipos.kz" "$LAB/log/error_log" || kp_fail "no TLS advice in the error log"
echo "backend paid on a v2 terminal"
