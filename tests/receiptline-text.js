// receiptline-text.js: prints ReceiptLine's own text target for documents,
// the reference for tests/test_layout_agree.sh.
//     node receiptline-text.js RECEIPTLINE_DIR CPL FILE...
// For each FILE, writes FILE's text (trailing spaces trimmed) to FILE.CPL.rl
// in the current directory's "out" folder named by the file's basename.
'use strict';
const fs = require('fs');
const path = require('path');
const receiptline = require(path.resolve(process.argv[2]));
const cpl = Number(process.argv[3]);
const outdir = process.argv[4];
for (const file of process.argv.slice(5)) {
    const doc = fs.readFileSync(file, 'utf8');
    let text;
    try {
        text = receiptline.transform(doc, { command: 'text', cpl: cpl });
    } catch (e) {
        text = 'ReceiptLine failed: ' + e.message + '\n';
    }
    text = text.replace(/ +$/gm, '');
    fs.writeFileSync(path.join(outdir, path.basename(file) + '.' + cpl), text, 'utf8');
}
