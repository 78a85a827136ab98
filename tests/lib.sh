# tests/lib.sh: helpers for the shell integration tests (sourced, not run).
# Gives every test a private temp dir, a free loopback port, a simulator it can
# start and stop, and plain assertions that say what differed.
set -u
: "${top_builddir:?run through make check}"
: "${top_srcdir:?run through make check}"

KP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kaspi-test.XXXXXX")
KP_PIDS=""
kp_cleanup() {
    for pid in $KP_PIDS; do kill "$pid" 2>/dev/null; done
    for pid in $KP_PIDS; do wait "$pid" 2>/dev/null; done
    rm -rf "$KP_TMP"
}
trap kp_cleanup EXIT

kp_fail() { echo "FAIL: $*" >&2; exit 1; }
kp_skip() { echo "SKIP: $*" >&2; exit 77; }

# kp_free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
kp_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

assert_eq() {  # expected actual what
    [ "$1" = "$2" ] || kp_fail "$3: expected [$1], got [$2]"
}
assert_file_contains() {  # file pattern
    grep -q -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; kp_fail "$1 lacks [$2]"; }
}
