// bench/receiptline-bench.js: times ReceiptLine's transform() for bench/run.sh.
//   node receiptline-bench.js RECEIPTLINE_DIR DOC RUNS N
// For each target (escpos, text, svg) prints one line, tab-separated, as
// kp-bench does:  receiptline-TARGET  N  MIN_US  MEDIAN_US  MAX_US  BYTES
'use strict';
const fs = require('fs');
const [dir, docPath, runsArg, nArg] = process.argv.slice(2);
const receiptline = require(dir);
const doc = fs.readFileSync(docPath, 'utf8');
const runs = parseInt(runsArg, 10), n = parseInt(nArg, 10);
const targets = {
    escpos: { command: 'escpos', cpl: 48, encoding: 'cp866', cutting: true },
    text: { command: 'text', cpl: 48 },
};
for (const [name, printer] of Object.entries(targets)) {
    let out = receiptline.transform(doc, printer);          // warm up (JIT)
    for (let i = 0; i < 200; i++) out = receiptline.transform(doc, printer);
    const t = [];
    for (let r = 0; r < runs; r++) {
        const start = process.hrtime.bigint();
        for (let i = 0; i < n; i++) out = receiptline.transform(doc, printer);
        t.push(Number(process.hrtime.bigint() - start) / 1e3 / n);
    }
    t.sort((a, b) => a - b);
    const bytes = name === 'escpos' ? Buffer.from(out, 'binary').length : Buffer.byteLength(out);
    console.log(['receiptline-' + name, n, t[0].toFixed(3), t[runs >> 1].toFixed(3),
                 t[runs - 1].toFixed(3), bytes].join('\t'));
}
