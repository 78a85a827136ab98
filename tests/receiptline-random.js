// receiptline-random.js: writes COUNT random ReceiptLine documents from a
// small grammar, with a fixed seed, for the agreement test.
//     node receiptline-random.js SEED COUNT OUTDIR
// The documents stay inside what ReceiptLine prints without failing: fixed
// column widths never pass the narrowest paper (32 characters).
'use strict';
const fs = require('fs');
const path = require('path');

let seed = Number(process.argv[2]) >>> 0;
const count = Number(process.argv[3]);
const outdir = process.argv[4];

function random() {                 // mulberry32
    seed = (seed + 0x6D2B79F5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = n => Math.floor(random() * n);
const pick = a => a[int(a.length)];

const words = ['Kaspi', 'Pay', 'кофе', 'латте', 'Чай', 'зелёный', 'Төлем', 'сомасы', 'Қызмет',
    'Әлем', 'ұлттық', 'Ғылым', 'үшін', 'Һ', 'і', '1 200', '₸', '15 000', 'TOTAL', 'ИТОГО',
    'Supercalifragilisticexpialidocious', 'абвгдеёжзийклмнопрстуфхцчшщъыьэюя', 'x', '42',
    'и\u0306', 'е\u0308', '😀', 'é', 'Ω', '€', '№', '%', ',', '.', '—', '«', '»'];
const specials = ['_', '"', '`', '^', '^^', '^^^', '^^^^', '^^^^^^^', '~', '\\n', '\\|', '\\{', '\\}',
    '\\\\', '\\_', '\\"', '\\`', '\\^', '\\~', '\\-', '\\=', '\\x41', '\\x7e', '\\x4', '\\xzz',
    '\\x01', '\\q', '\\', '{', '}', ' ', '  ', '\t'];

function text() {
    let s = '';
    const n = 1 + int(6);
    for (let i = 0; i < n; i++) {
        s += random() < 0.7 ? pick(words) : pick(specials);
        if (random() < 0.6) s += ' ';
    }
    return s;
}

function column() {
    const pad = ['', ' ', '  ', '\t'];
    return pick(pad) + text() + pick(pad);
}

function textLine() {
    const n = random() < 0.4 ? 1 : 1 + int(5);
    let cols = [];
    for (let i = 0; i < n; i++) cols.push(column());
    let s = cols.join('|');
    if (random() < 0.3) s = '|' + s;
    if (random() < 0.3) s += '|';
    return s;
}

function widthValue() {
    const n = 1 + int(4);
    const w = [];
    let star = false;
    for (let i = 0; i < n; i++) {
        const r = random();
        if (r < 0.35) { w.push('*'); star = true; }
        else if (r < 0.45) w.push('0');
        else w.push(String(1 + int(7)));
    }
    if (random() < 0.1) return 'auto';
    return w.join(pick([',', ' ', ', ']));
}

function propertyLine() {
    const members = [];
    const n = 1 + int(3);
    for (let i = 0; i < n; i++) {
        switch (int(9)) {
            case 0: members.push(pick(['width', 'w']) + ':' + widthValue()); break;
            case 1: members.push(pick(['border', 'b']) + ':' + pick(['line', 'space', 'none', '0', '1', '2', '3', 'LINE'])); break;
            case 2: members.push(pick(['align', 'a']) + ':' + pick(['left', 'center', 'right', 'x'])); break;
            case 3: members.push(pick(['text', 't']) + ':' + pick(['wrap', 'nowrap', 'NoWrap'])); break;
            case 4: members.push(pick(['option', 'o']) + ':' + pick(['qrcode', 'code128', 'ean', 'upc', 'code39', 'itf', 'nw7', 'code93']) + ',' + pick(['2', '3', '4', '8', '100', 'hri', 'm'])); break;
            case 5: members.push(pick(['code', 'c']) + ':' + pick(['1234567890128', 'hello\\; world', 'ABC-123', '0123456', '12345678', 'Тест', ''])); break;
            case 6: members.push(pick(['comment', '_']) + ':' + text().replace(/[{};]/g, '')); break;
            case 7: members.push(pick(['image', 'i']) + ':iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=='); break;
            default: members.push(pick(['command', 'x']) + ':\\x1b@'); break;
        }
    }
    let s = '{' + members.join(pick([';', '; ', ' ; '])) + '}';
    if (random() < 0.2) s = '| ' + s;
    else if (random() < 0.2) s += ' |';
    return s;
}

function line() {
    const r = random();
    if (r < 0.45) return textLine();
    if (r < 0.70) return propertyLine();
    if (r < 0.80) return pick(['-', '---', '=', '==', '-=']);
    if (r < 0.90) return '';
    return pick(words) + pick(specials) + pick(words);
}

fs.mkdirSync(outdir, { recursive: true });
for (let d = 0; d < count; d++) {
    const n = 5 + int(25);
    const lines = [];
    for (let i = 0; i < n; i++) lines.push(line());
    const eol = pick(['\n', '\n', '\r\n', '\r']);
    fs.writeFileSync(path.join(outdir, 'random-' + String(d).padStart(3, '0') + '.receipt'), lines.join(eol), 'utf8');
}
