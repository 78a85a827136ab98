#!/bin/sh
# test_pay_exit_codes_v2.sh: the exit-code tests of kaspi-pay
# (test_pay_exit_codes.sh) against a protected terminal: v2 over TLS.
KP_TEST_API=v2
export KP_TEST_API
. "$top_srcdir/tests/test_pay_exit_codes.sh"
