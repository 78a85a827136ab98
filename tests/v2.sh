# tests/v2.sh: a protected (v2) terminal for the shell tests (source
# tests/lib.sh, tests/sim.sh and tests/pay.sh first).
#   v2_certs               makes a test CA and a server certificate for
#                          *.kaspipos.kz / pos.kaspipos.kz with the openssl CLI,
#                          in $KP_TMP (never committed); sets CA_CERT,
#                          SERVER_CERT, SERVER_KEY, SERVER_PIN (sha256//...)
#   v2_start [SIM ARGS...] sim_start --api v2 with that certificate; skips the
#                          test (77) when libmicrohttpd has no TLS
#   kpay2 ARGS...          kpay --api v2 --cacert CA --tls-name pos.kaspipos.kz
#   v2_state FIELD         a field of /_sim/v2
#   v2_tap NAME 1|0        waits until NAME's registration waits, then taps
#   v2_register NAME       registers NAME (tapping allow) with kpay2
SIM_CURL_OPTS=""

v2_certs() {
    command -v openssl >/dev/null || kp_skip "no openssl CLI"
    local d="$KP_TMP/tls"
    mkdir -p "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kaspi-cups test CA" \
        -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null || kp_fail "openssl: no CA"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=*.kaspipos.kz" \
        -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null || kp_fail "openssl: no CSR"
    printf 'subjectAltName=DNS:*.kaspipos.kz,DNS:pos.kaspipos.kz\nbasicConstraints=CA:FALSE\n' > "$d/ext.cnf"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -days 2 -extfile "$d/ext.cnf" -out "$d/server.pem" 2>/dev/null || kp_fail "openssl: no cert"
    CA_CERT=$d/ca.pem SERVER_CERT=$d/server.pem SERVER_KEY=$d/server.key
    SERVER_PIN="sha256//$(openssl x509 -in "$d/server.pem" -pubkey -noout |
        openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)"
}

v2_start() {
    [ -n "${CA_CERT:-}" ] || v2_certs
    # libmicrohttpd does TLS through GnuTLS (Debian's is built with it)
    ldd "$SIM_BIN" 2>/dev/null | grep -q gnutls || kp_skip "libmicrohttpd has no TLS support"
    sim_start --api v2 --tls-cert "$SERVER_CERT" --tls-key "$SERVER_KEY" "$@"
    SIM_URL="https://127.0.0.1:$SIM_PORT"
    SIM_CURL_OPTS="--cacert $CA_CERT --connect-to pos.kaspipos.kz:$SIM_PORT:127.0.0.1:$SIM_PORT"
}

# the control endpoints over the test CA (sim_get uses curl -s on $SIM_URL)
sim_get() {
    curl -s --max-time 60 -k "$SIM_URL$1"
}
sim_code() {
    curl -s -k -o /dev/null -w '%{http_code}' --max-time 60 "$SIM_URL$1"
}

kpay2() {
    kpay --api v2 --cacert "$CA_CERT" --tls-name pos.kaspipos.kz "$@"
}

v2_state() {
    sim_get /_sim/v2 | sim_json ".$1"
}

v2_tap() {
    local i
    for i in $(seq 1 200); do
        [ "$(v2_state registerWaiting)" = 1 ] && break
        sleep 0.05
    done
    sim_get "/_sim/tap?name=$1&allow=$2" | grep -q '"ok": true' || kp_fail "tap for $1 not taken"
}

# register_bg NAME [ARGS...]: kaspi-pay register in the background; REG_PID,
# its stdout in $KP_TMP/reg.out, stderr in $KP_TMP/reg.err
register_bg() {
    local name=$1
    shift
    "$KASPI_PAY" --terminal "127.0.0.1:$SIM_PORT" --journal "$JOURNAL" --api v2 \
        --cacert "$CA_CERT" --tls-name pos.kaspipos.kz "$@" register "$name" \
        >"$KP_TMP/reg.out" 2>"$KP_TMP/reg.err" &
    REG_PID=$!
}

v2_register() {
    register_bg "$1"
    v2_tap "$1" 1
    wait $REG_PID || { cat "$KP_TMP/reg.err" >&2; kp_fail "register $1 failed"; }
}
