#!/bin/sh
# bench/run.sh: the benchmark behind docs/benchmarks.md (run it with `make bench`).
#
# 1. bench/kp-bench times the library per operation (BENCH_RUNS runs of N
#    iterations; min / median / max of the per-iteration time);
# 2. a whole `kaspi-pay pay` against kaspi-terminal-sim, BENCH_RUNS times
#    (bench/pay-bench.py, through bench/kp-maxrss): CPU time of the child
#    (user + system from wait4: the time it sleeps between polls is not CPU
#    time), its own peak RSS (see kp-maxrss.c for why not Python's), and the
#    poll-to-receipt latency: from the simulator logging its answer to the
#    final status poll to kaspi-pay's JSON result on stdout, which comes after
#    the journal, the cheque (both fsynced) and the receipt are written;
# 3. ReceiptLine 4.0.4's transform() on the very document kp-bench expanded
#    (installed with npm into a temporary folder; skipped with a message when
#    node or npm fail), and the ratios.
# Nothing is typed in: every figure comes from this run.
#
# Environment: top_srcdir, top_builddir (set by make), BENCH_RUNS (15),
# BENCH_SCALE (1: iterations per run x SCALE), BENCH_TEMPLATE (the 80 mm
# template to time; default templates/payment-80.receipt),
# KASPI_RECEIPTLINE_DIR (use this receiptline instead of installing one).
set -eu
: "${top_srcdir:?run through make bench}"
: "${top_builddir:?run through make bench}"
RUNS=${BENCH_RUNS:-15}
SCALE=${BENCH_SCALE:-1}
RL_VERSION=4.0.4
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kaspi-bench.XXXXXX")
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT

export KASPI_CONFIG=/dev/null
export KASPI_PROFILES="$top_srcdir/data/profiles.conf"
export KASPI_TEMPLATES_DIR="$top_srcdir/templates"
export KASPI_FONT_DIR="$top_builddir/fonts"

TEMPLATE=${BENCH_TEMPLATE:-$top_srcdir/templates/payment-80.receipt}

# --- the machine ------------------------------------------------------------
machine() {
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
    echo "- CPU: $cpu, $(nproc) online CPUs; load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- $(uname -sr), $(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release 2>/dev/null)"
    echo "- compiler: $(${CC:-cc} --version 2>/dev/null | head -1) (the build's CFLAGS: $(sed -n 's/^CFLAGS = //p' "$top_builddir/Makefile"))"
    command -v node >/dev/null 2>&1 && echo "- node $(node --version)"
    echo "- template: ${TEMPLATE#$top_srcdir/}; data: bench/cheque.json; $RUNS runs per figure"
}

# --- 1. the library -----------------------------------------------------------
"$top_builddir/bench/kp-bench" --templates "$top_srcdir/templates" --template "$TEMPLATE" --data "$top_srcdir/bench/cheque.json" \
    --response "$top_srcdir/tests/data/responses/vendor-success.json" \
    --profiles "$KASPI_PROFILES" --font "$KASPI_FONT_DIR/kaspi-receipt.ttf" \
    --runs "$RUNS" --scale "$SCALE" --dump-doc "$TMP/doc.receipt" > "$TMP/kp.tsv"

# --- 2. kaspi-pay pay against the simulator ------------------------------------
mkdir "$TMP/pay"
python3 "$top_srcdir/bench/pay-bench.py" "$top_builddir/bench/kp-maxrss" "$top_builddir/src/kaspi-pay" \
    "$top_builddir/src/kaspi-terminal-sim" "$TMP/pay" "$RUNS" > "$TMP/pay.out"
grep -v '^note: ' "$TMP/pay.out" > "$TMP/pay.tsv"
sed -n 's/^note: //p' "$TMP/pay.out" > "$TMP/pay.note"

# --- 3. ReceiptLine ----------------------------------------------------------------
receiptline_bench() {
    command -v node >/dev/null 2>&1 || { echo "node is not installed"; return 1; }
    if [ -n "${KASPI_RECEIPTLINE_DIR:-}" ]; then
        rl=$KASPI_RECEIPTLINE_DIR
        [ -f "$rl/lib/receiptline.js" ] || rl=$rl/node_modules/receiptline
    else
        command -v npm >/dev/null 2>&1 || { echo "npm is not installed"; return 1; }
        npm install --prefix "$TMP/rl" --no-audit --no-fund --no-save "receiptline@$RL_VERSION" \
            > "$TMP/npm.log" 2>&1 || { echo "npm install receiptline@$RL_VERSION failed (no network?)"; return 1; }
        rl=$TMP/rl/node_modules/receiptline
    fi
    [ -f "$rl/lib/receiptline.js" ] || { echo "no receiptline package at $rl"; return 1; }
    node -p "require('$rl/package.json').version" > "$TMP/rl.version"
    n=$(awk -v s="$SCALE" 'BEGIN { n = int(2000 * s); print n < 1 ? 1 : n }')
    node "$top_srcdir/bench/receiptline-bench.js" "$rl" "$TMP/doc.receipt" "$RUNS" "$n" > "$TMP/rl.tsv"
}
rl_skip=$(receiptline_bench) || { echo "ReceiptLine skipped: $rl_skip" >&2; : > "$TMP/rl.tsv"; }
RL_FOUND_VERSION=$(cat "$TMP/rl.version" 2>/dev/null || echo "$RL_VERSION")

# --- the report --------------------------------------------------------------------
field() {  # FILE NAME COLUMN
    awk -F '\t' -v n="$2" -v c="$3" '$1 == n { print $c }' "$1"
}
stats() {  # column of pay.tsv -> "min median max"
    cut -d' ' -f"$1" "$TMP/pay.tsv" | sort -g | awk '{ v[NR] = $1 } END { print v[1], v[int((NR + 1) / 2)], v[NR] }'
}
verdict() {  # VALUE LIMIT
    awk -v v="$1" -v l="$2" 'BEGIN { print (v <= l) ? "yes" : "**no**" }'
}
row() {  # what N min med max target met
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$@"
}
us_row() {  # NAME LABEL TARGET_US
    line=$(awk -F '\t' -v n="$1" '$1 == n' "$TMP/kp.tsv" "$TMP/rl.tsv")
    [ -n "$line" ] || return 0
    set -- "$2" "$3" $(echo "$line" | cut -f2-5)
    target=$2; n=$3; min=$4; med=$5; max=$6
    if [ "$target" = - ]; then met=-; else met=$(verdict "$med" "$target"); target="≤ $target µs"; fi
    row "$1" "$RUNS × $n" "$min µs" "$med µs" "$max µs" "$target" "$met"
}

echo "## Results"
echo
machine
echo
row "operation" "runs × iterations" "min" "median" "max" "target" "met"
row "---" "---" "---:" "---:" "---:" "---" "---"
us_row data "template data from the cheque" -
us_row expand "template expansion (compiled template, data built)" -
us_row layout "layout of the expanded document" -
us_row expand+layout "template data + expansion + layout, 80 mm" 20
us_row escpos "ESC/POS receipt: expansion + layout + rendering" 25
us_row escpos-from-doc "ESC/POS from the expanded document (layout + rendering)" -
us_row text "text receipt: expansion + layout + rendering" -
us_row pdf "PDF receipt: expansion + layout + rendering" 5000
us_row response "parse a status response" -
us_row receiptline-escpos "ReceiptLine $RL_FOUND_VERSION transform(), escpos" -
us_row receiptline-text "ReceiptLine $RL_FOUND_VERSION transform(), text" -
pdf_size=$(field "$TMP/kp.tsv" pdf 6)
escpos_size=$(field "$TMP/kp.tsv" escpos 6)
rl_escpos_size=$(field "$TMP/rl.tsv" receiptline-escpos 6)
row "PDF size" "-" "-" "$pdf_size B" "-" "≤ 30720 B" "$(verdict "$pdf_size" 30720)"
row "ESC/POS size (ReceiptLine's: ${rl_escpos_size:-n/a} B)" "-" "-" "$escpos_size B" "-" "-" "-"
set -- $(stats 1)
cpu_med=$2; row "\`kaspi-pay pay\`: CPU time (user + sys)" "$RUNS × 1" "$1 ms" "$2 ms" "$3 ms" "-" "-"
set -- $(stats 2)
row "\`kaspi-pay pay\`: peak RSS (launched by kp-maxrss, itself $(stats 5 | cut -d' ' -f3) KB)" "$RUNS × 1" "$1 KB" "$2 KB" "$3 KB" "≤ 10240 KB" "$(verdict "$3" 10240)"
set -- $(stats 3)
row "\`kaspi-pay pay\`: final poll → receipt file" "$RUNS × 1" "$1 ms" "$2 ms" "$3 ms" "≤ 20 ms" "$(verdict "$2" 20)"
set -- $(stats 4)
row "\`kaspi-pay pay\`: wall time (2 \"wait\" polls 20 ms apart)" "$RUNS × 1" "$1 s" "$2 s" "$3 s" "-" "-"
note=$(cat "$TMP/pay.note")
[ -n "$note" ] && { echo; echo "$note"; }
if [ -s "$TMP/rl.tsv" ]; then
    ours=$(field "$TMP/kp.tsv" escpos 4)
    doc_ours=$(field "$TMP/kp.tsv" escpos-from-doc 4)
    theirs=$(field "$TMP/rl.tsv" receiptline-escpos 4)
    text_ours=$(field "$TMP/kp.tsv" text 4)
    text_theirs=$(field "$TMP/rl.tsv" receiptline-text 4)
    ratio=$(awk -v a="$theirs" -v b="$ours" 'BEGIN { printf "%.1f", a / b }')
    echo
    echo "ESC/POS, ReceiptLine transform() / ours (expansion included on our side): **${ratio}x** (target ≥ 20x: $(awk -v r="$ratio" 'BEGIN { print (r >= 20 ? "met" : "not met") }'))"
    echo "ESC/POS, same document, layout + rendering only: $(awk -v a="$theirs" -v b="$doc_ours" 'BEGIN { printf "%.1f", a / b }')x;" \
         "text target: $(awk -v a="$text_theirs" -v b="$text_ours" 'BEGIN { printf "%.1f", a / b }')x (medians)"
else
    echo
    echo "ReceiptLine was not run: ${rl_skip:-unknown reason}"
fi
