#!/bin/sh
# test_v2_tls.sh: how kaspi-pay checks a protected terminal's certificate
# (real TLS on loopback): the name given with --tls-name plus --cacert, a
# pinned key alone, --tls-insecure with its warning; and the failures, each
# exit 7 with advice and nothing sent: connecting by IP without --tls-name,
# an unknown CA, a pin that does not match.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sim.sh"
. "$top_srcdir/tests/pay.sh"
. "$top_srcdir/tests/v2.sh"
set -e
v2_start --quiet --polls 1 --auto-tap
kpay2 register kassa-1
expect_rc 0 "register (auto-tap)"

# name verification accepted: --tls-name pos.kaspipos.kz + --cacert
kpay2 --json pay 100
expect_rc 0 "tls-name and cacert"
assert_eq 1 "$(payments)" "one payment"

# by IP without --tls-name: the certificate is for *.kaspipos.kz
kpay --api v2 --cacert "$CA_CERT" --json pay 100
expect_rc 7 "connecting by IP"
assert_file_contains "$ERR" "use --tls-name pos.kaspipos.kz"
assert_file_contains "$ERR" "kaspipos.kz"

# an unknown CA
kpay --api v2 --tls-name pos.kaspipos.kz pay 100
expect_rc 7 "unknown CA"
assert_file_contains "$ERR" "use --cacert"
assert_file_contains "$ERR" "--tls-pin"

# a pinned key alone is enough (no CA, no name)
kpay --api v2 --tls-pin "$SERVER_PIN" --json pay 100
expect_rc 0 "pin accepted"
assert_eq 2 "$(payments)" "two payments"

# a pin that does not match
kpay --api v2 --tls-pin "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" --json pay 100
expect_rc 7 "pin rejected"
assert_file_contains "$ERR" "does not match --tls-pin"
# a pin and the CA together: both must hold
kpay --api v2 --cacert "$CA_CERT" --tls-name pos.kaspipos.kz \
     --tls-pin "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" pay 100
expect_rc 7 "pin rejected with a CA"
# a pin that is not sha256//: usage
kpay --api v2 --tls-pin "md5//x" pay 100
expect_rc 2 "bad pin syntax"

# --tls-insecure works, and says what it gives up
kpay --api v2 --tls-insecure --json pay 100
expect_rc 0 "insecure"
assert_file_contains "$ERR" "warning: TLS verification is off"
assert_eq 3 "$(payments)" "failed TLS sent nothing"

# a v1 client against a protected terminal is told where to look
kpay --json pay 100
[ "$RC" -ne 0 ] || kp_fail "v1 against a v2 terminal succeeded"
assert_eq 3 "$(payments)" "v1 client charged nothing"
echo "TLS checks work"
