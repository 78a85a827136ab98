/* escpos.c: renders the layout model to ESC/POS bytes (see kaspipos/escpos.h).
 * Text bytes come only from the code page encoder; every command is built
 * here from numbers that are checked against the command's range. */
#include "config.h"
#include "kaspipos/escpos.h"
#include "kaspipos/codepage.h"

#include <png.h>
#include <qrencode.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ESC "\x1b"
#define GS "\x1d"
#define FS "\x1c"
#define CUT_FEED_LINES 4
#define BARCODE_DATA_MAX 255
#define QR_DATA_MAX 2953

/* What the printer is set to now; -1: unknown (send it again). */
typedef struct print_state {
    int bold, underline, invert, size, align;
} print_state;

/* The bytes of rules in the printer's code page, encoded once: a rule cell
 * is one byte, a box-drawing character or its ASCII fallback. */
typedef struct rule_bytes {
    char dash;            /* '-' of a rule */
    char junction[16];    /* '+' by what it joins: see junction_index() */
    char vrule[KP_CODEPAGE_MAX_SEQ];   /* a table's vertical rule */
    size_t vrule_len;
} rule_bytes;

/* What stays from one receipt to the next on the same printer. */
struct kp_escpos {
    kp_profile profile;
    kp_escpos_options opt;
    kp_codepage *cp;
    rule_bytes rules;
    kp_buf text;          /* one span's encoded text, reused */
};

typedef struct render {
    const kp_layout *layout;
    const kp_profile *profile;
    kp_escpos_options opt;
    kp_codepage *cp;
    const rule_bytes *rules;
    kp_buf *out;
    kp_buf text;          /* r->text is the renderer's buffer, given back at the end */
    int cpl;              /* cells per line in the font used */
    int width;            /* cells the layout uses (<= cpl): text stays inside */
    int char_dots;        /* dots per cell */
    bool font_b;
    print_state state;
    kp_error *err;
} render;

/* ---- plain output ---------------------------------------------------- */

static kp_status put(render *r, const char *bytes, size_t len)
{
    return kp_buf_append(r->out, bytes, len);
}

static kp_status put3(render *r, const char *cmd2, int n)
{
    char b[3] = { cmd2[0], cmd2[1], (char)(unsigned char)n };
    return put(r, b, 3);
}

static kp_status put_le16(render *r, const char *cmd2, int n)
{
    char b[4] = { cmd2[0], cmd2[1], (char)(n & 0xFF), (char)((n >> 8) & 0xFF) };
    return put(r, b, 4);
}

static void forget_state(render *r)
{
    r->state.bold = r->state.underline = r->state.invert = -1;
    r->state.size = r->state.align = -1;
}

static kp_status set_style(render *r, bool bold, bool underline, bool invert, int sw, int sh)
{
    int size = ((sw - 1) << 4) | (sh - 1);
    kp_status st = KP_OK;

    if (st == KP_OK && r->state.bold != bold && (st = put3(r, ESC "E", bold)) == KP_OK)
        r->state.bold = bold;
    if (st == KP_OK && r->state.underline != underline &&
        (st = put3(r, ESC "-", underline)) == KP_OK)
        r->state.underline = underline;
    if (st == KP_OK && r->state.invert != invert && (st = put3(r, GS "B", invert)) == KP_OK)
        r->state.invert = invert;
    if (st == KP_OK && r->state.size != size && (st = put3(r, GS "!", size)) == KP_OK)
        r->state.size = size;
    return st;
}

static kp_status plain_style(render *r)
{
    return set_style(r, false, false, false, 1, 1);
}

static kp_status set_align(render *r, kp_align align)
{
    int a = align == KP_ALIGN_CENTER ? 1 : align == KP_ALIGN_RIGHT ? 2 : 0;
    kp_status st = KP_OK;
    if (r->state.align != a && (st = put3(r, ESC "a", a)) == KP_OK)
        r->state.align = a;
    return st;
}

static kp_status select_code_page(render *r)
{
    if (r->profile->select_command == KP_PROFILE_SELECT_STAR) {
        char b[4] = { 0x1b, 0x1d, 't', (char)(unsigned char)r->profile->code_page_select };
        return put(r, b, 4);
    }
    return put3(r, ESC "t", r->profile->code_page_select);
}

/* The settings ESC @ (or a raw command) may have undone. */
static kp_status send_settings(render *r)
{
    kp_status st = select_code_page(r);
    if (st == KP_OK && r->font_b)
        st = put3(r, ESC "M", 1);
    forget_state(r);
    return st;
}

static kp_status send_init(render *r)
{
    kp_status st = put(r, ESC "@", 2);
    if (st == KP_OK && r->profile->cancel_kanji)
        st = put(r, FS ".", 2);
    if (st == KP_OK)
        st = send_settings(r);
    /* ESC @ left every style off and the alignment left. */
    memset(&r->state, 0, sizeof r->state);
    return st;
}

static kp_status feed_lines(render *r, int n)
{
    return put3(r, ESC "d", n);
}

static kp_status cut_paper(render *r)
{
    kp_status st = plain_style(r);
    if (st != KP_OK)
        return st;
    if (r->profile->cutter)
        return put(r, GS "V\x42\x00", 4);
    return feed_lines(r, CUT_FEED_LINES);
}

/* ---- text rows ------------------------------------------------------- */

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Encodes one span into r->text: one byte per printed character. */
static kp_status encode_span(render *r, const kp_span *span)
{
    kp_buf_reset(&r->text);
    if (span->vrule)
        return kp_buf_append(&r->text, r->rules->vrule, r->rules->vrule_len);
    if (!span->text)
        return KP_OK;
    return kp_codepage_encode(r->cp, span->text, strlen(span->text), &r->text);
}

/* Where a span of `width` cells goes: at its column, moved left into free
 * cells or cut short when a fallback (₸ → "тг") made it longer. */
static int place_span(int column, int width, int prev_end, int limit, int scale, int *chars)
{
    int start = clamp(column, prev_end, limit);
    if (start + width > limit)
        start = limit - width > prev_end ? limit - width : prev_end;
    if (start + width > limit)
        *chars = (limit - start) / scale;
    return start;
}

static kp_status text_row(render *r, const kp_row *row)
{
    int pos = 0;
    kp_status st = KP_OK;

    for (size_t i = 0; i < row->n_spans && st == KP_OK; i++) {
        const kp_span *span = &row->spans[i];
        int sw = clamp(span->style.scale_w, 1, 8), sh = clamp(span->style.scale_h, 1, 8);
        int limit = r->width, chars, start;

        if (span->vrule)
            sw = 1;
        if (i + 1 < row->n_spans && row->spans[i + 1].column < limit)
            limit = row->spans[i + 1].column > pos ? row->spans[i + 1].column : pos;
        if ((st = encode_span(r, span)) != KP_OK)
            break;
        chars = (int)(r->text.len < (size_t)r->width ? r->text.len : (size_t)r->width);
        start = place_span(span->column, chars * sw, pos, limit, sw, &chars);
        if (chars <= 0)
            continue;
        if (start > pos) {
            if ((st = plain_style(r)) != KP_OK)
                break;
            if ((st = kp_buf_repeat(r->out, ' ', (size_t)(start - pos))) != KP_OK)
                break;
        }
        if (span->vrule)
            st = set_style(r, false, false, false, 1, sh);
        else
            st = set_style(r, span->style.bold, span->style.underline, span->style.invert, sw, sh);
        if (st == KP_OK)
            st = put(r, r->text.data, (size_t)chars);
        pos = start + chars * sw;
    }
    return st == KP_OK ? put(r, "\n", 1) : st;
}

/* ---- rules ----------------------------------------------------------- */

static bool has_vrule_at(const kp_row *row, int column)
{
    if (!row || row->kind != KP_ROW_TEXT)
        return false;
    for (size_t i = 0; i < row->n_spans; i++)
        if (row->spans[i].vrule && row->spans[i].column == column)
            return true;
    return false;
}

/* Which of the 16 junctions a '+' is, from what it joins. */
static int junction_index(bool left, bool right, bool up, bool down)
{
    return (up << 3) | (down << 2) | (right << 1) | (int)left;
}

/* One cell of a rule: the character's byte if it is one, else `ascii`. */
static char rule_byte(kp_codepage *cp, uint32_t u, char ascii)
{
    char seq[KP_CODEPAGE_MAX_SEQ];
    /* One cell each: a fallback longer than one byte is cut to one. */
    return kp_codepage_encode_char(cp, u, seq) == 1 ? seq[0] : ascii;
}

static void encode_rules(kp_codepage *cp, rule_bytes *rb)
{
    static const uint32_t box[16] = {
        /* udrl: 0000 */ 0x253C, 0x2500, 0x2500, 0x2500, 0x2502, 0x2510, 0x250C, 0x252C,
        /* 1000 */ 0x2502, 0x2518, 0x2514, 0x2534, 0x2502, 0x2524, 0x251C, 0x253C };

    rb->dash = rule_byte(cp, 0x2500, '-');
    for (int i = 0; i < 16; i++)
        rb->junction[i] = rule_byte(cp, box[i], '+');
    rb->vrule_len = kp_codepage_encode_char(cp, 0x2502, rb->vrule);
}

static kp_status rule_row(render *r, size_t index)
{
    const kp_row *row = &r->layout->rows[index];
    const kp_row *above = index > 0 ? &r->layout->rows[index - 1] : NULL;
    const kp_row *below = index + 1 < r->layout->n_rows ? &r->layout->rows[index + 1] : NULL;
    int start = clamp(row->column, 0, r->width);
    int n = row->rule ? (int)strlen(row->rule) : 0;
    kp_status st = plain_style(r);

    if (start + n > r->width)
        n = r->width - start;
    if (n < 0)
        n = 0;
    if (st == KP_OK)
        st = kp_buf_reserve(r->out, (size_t)start + (size_t)n + 1);
    if (st == KP_OK) {
        const char *rule = row->rule, dash = r->rules->dash;   /* locals: the stores below may alias */
        char *p = r->out->data + r->out->len;
        memset(p, ' ', (size_t)start);
        p += start;
        for (int i = 0; i < n; i++) {
            char c = rule[i];
            if (c == '-')
                p[i] = dash;
            else if (c == '+')
                p[i] = r->rules->junction[junction_index(
                    i > 0 && rule[i - 1] != ' ', i + 1 < n && rule[i + 1] != ' ',
                    has_vrule_at(above, start + i), has_vrule_at(below, start + i))];
            else
                p[i] = ' ';
        }
        p[n] = '\n';
        r->out->len += (size_t)start + (size_t)n + 1;
        r->out->data[r->out->len] = '\0';
    }
    return st;
}

/* ---- placing codes and images -------------------------------------- */

static int area_dots(render *r, const kp_row *row)
{
    int left = clamp(row->area_left, 0, r->cpl - 1);
    int width = row->area_width <= 0 ? r->cpl - left : clamp(row->area_width, 1, r->cpl - left);
    return width * r->char_dots;
}

static bool full_area(render *r, const kp_row *row)
{
    return row->area_left <= 0 && (row->area_width <= 0 || row->area_width >= r->cpl);
}

static kp_status begin_area(render *r, const kp_row *row)
{
    kp_status st = plain_style(r);
    if (st == KP_OK && !full_area(r, row)) {
        int left = clamp(row->area_left, 0, r->cpl - 1) * r->char_dots;
        if ((st = put_le16(r, GS "L", left)) == KP_OK)
            st = put_le16(r, GS "W", area_dots(r, row));
    }
    return st == KP_OK ? set_align(r, row->align) : st;
}

static kp_status end_area(render *r, const kp_row *row)
{
    kp_status st = set_align(r, KP_ALIGN_LEFT);
    if (st == KP_OK && !full_area(r, row)) {
        if ((st = put_le16(r, GS "L", 0)) == KP_OK)
            st = put_le16(r, GS "W", r->profile->dots_per_line);
    }
    return st;
}

/* ---- raster images ------------------------------------------------- */

typedef struct bitmap {
    int width, height, stride;   /* stride: bytes per row */
    unsigned char *bits;         /* 1 = black, MSB first */
} bitmap;

static kp_status bitmap_alloc(bitmap *bm, int width, int height)
{
    bm->width = width;
    bm->height = height;
    bm->stride = (width + 7) / 8;
    bm->bits = calloc((size_t)bm->stride * (size_t)height, 1);
    return bm->bits ? KP_OK : KP_ERR_NOMEM;
}

static void bitmap_set(bitmap *bm, int x, int y)
{
    bm->bits[(size_t)y * (size_t)bm->stride + (size_t)(x / 8)] |= (unsigned char)(0x80 >> (x % 8));
}

static kp_status raster(render *r, const kp_row *row, const bitmap *bm)
{
    kp_status st = begin_area(r, row);

    for (int y = 0; y < bm->height && st == KP_OK; y += KP_ESCPOS_BAND_ROWS) {
        int rows = bm->height - y < KP_ESCPOS_BAND_ROWS ? bm->height - y : KP_ESCPOS_BAND_ROWS;
        char head[8] = { 0x1d, 'v', '0', 0,
                         (char)(bm->stride & 0xFF), (char)(bm->stride >> 8),
                         (char)(rows & 0xFF), (char)(rows >> 8) };
        if ((st = put(r, head, sizeof head)) == KP_OK)
            st = put(r, (const char *)bm->bits + (size_t)y * (size_t)bm->stride,
                     (size_t)rows * (size_t)bm->stride);
    }
    return st == KP_OK ? end_area(r, row) : st;
}

/* Box-averages gray pixels down to out_w x out_h, then Floyd-Steinberg
 * dithers them to black and white. */
static kp_status dither(const unsigned char *gray, int w, int h, int out_w, int out_h, bitmap *bm)
{
    int *err_now = calloc((size_t)out_w + 2, sizeof(int));
    int *err_next = calloc((size_t)out_w + 2, sizeof(int));
    kp_status st = (err_now && err_next) ? bitmap_alloc(bm, out_w, out_h) : KP_ERR_NOMEM;

    for (int y = 0; y < out_h && st == KP_OK; y++) {
        int y0 = (int)((int64_t)y * h / out_h), y1 = (int)((int64_t)(y + 1) * h / out_h);
        if (y1 <= y0)
            y1 = y0 + 1;
        memset(err_next, 0, ((size_t)out_w + 2) * sizeof(int));
        for (int x = 0; x < out_w; x++) {
            int x0 = (int)((int64_t)x * w / out_w), x1 = (int)((int64_t)(x + 1) * w / out_w);
            long sum = 0, count = 0;
            int value, shade, e;
            if (x1 <= x0)
                x1 = x0 + 1;
            for (int sy = y0; sy < y1; sy++)
                for (int sx = x0; sx < x1; sx++, count++)
                    sum += gray[(size_t)sy * (size_t)w + (size_t)sx];
            value = (int)(sum / count) * 16 + err_now[x + 1];
            shade = value < 128 * 16 ? 0 : 255 * 16;
            if (shade == 0)
                bitmap_set(bm, x, y);
            e = value - shade;
            err_now[x + 2] += e * 7 / 16;
            err_next[x] += e * 3 / 16;
            err_next[x + 1] += e * 5 / 16;
            err_next[x + 2] += e / 16;
        }
        memcpy(err_now, err_next, ((size_t)out_w + 2) * sizeof(int));
    }
    free(err_now);
    free(err_next);
    return st;
}

/* Decodes the PNG to 8-bit gray over white; false if it is not a usable PNG. */
static bool decode_png(const kp_image *img, unsigned char **gray, int *w, int *h)
{
    png_image image;
    png_color white = { 255, 255, 255 };

    *gray = NULL;
    if (!img->png || img->png_len == 0 || img->png_len > KP_ESCPOS_IMAGE_MAX)
        return false;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, img->png, img->png_len))
        return false;
    if (image.width == 0 || image.height == 0 ||
        (uint64_t)image.width * image.height > KP_ESCPOS_IMAGE_PIXELS_MAX) {
        png_image_free(&image);
        return false;
    }
    image.format = PNG_FORMAT_GRAY;
    *gray = malloc(PNG_IMAGE_SIZE(image));
    if (!*gray || !png_image_finish_read(&image, &white, *gray, 0, NULL)) {
        png_image_free(&image);
        free(*gray);
        *gray = NULL;
        return false;
    }
    *w = (int)image.width;
    *h = (int)image.height;
    return true;
}

static kp_status image_row(render *r, const kp_row *row)
{
    unsigned char *gray;
    int w, h, out_w, out_h, max_w = area_dots(r, row);
    bitmap bm = { 0, 0, 0, NULL };
    kp_status st;

    if (!decode_png(&row->image, &gray, &w, &h))
        return KP_OK;     /* left out, as ReceiptLine does */
    out_w = w < max_w ? w : max_w;
    out_h = (int)((int64_t)h * out_w / w);
    if (out_h < 1)
        out_h = 1;
    st = dither(gray, w, h, out_w, out_h, &bm);
    free(gray);
    if (st == KP_OK)
        st = raster(r, row, &bm);
    free(bm.bits);
    return st;
}

/* ---- QR codes -------------------------------------------------------- */

static QRecLevel qr_level(char level)
{
    switch (level) {
    case 'm': case 'M': return QR_ECLEVEL_M;
    case 'q': case 'Q': return QR_ECLEVEL_Q;
    case 'h': case 'H': return QR_ECLEVEL_H;
    default: return QR_ECLEVEL_L;
    }
}

/* Data codewords of QR versions 1..40 at error levels L, M, Q, H (ISO/IEC
 * 18004, table 7): enough to size a symbol without encoding it. */
static const short qr_data_codewords[4][40] = {
    { 19, 34, 55, 80, 108, 136, 156, 194, 232, 274, 324, 370, 428, 461, 523, 589, 647, 721, 795, 861,
      932, 1006, 1094, 1174, 1276, 1370, 1468, 1531, 1631, 1735, 1843, 1955, 2071, 2191, 2306, 2434,
      2566, 2702, 2812, 2956 },
    { 16, 28, 44, 64, 86, 108, 124, 154, 182, 216, 254, 290, 334, 365, 415, 453, 507, 563, 627, 669,
      714, 782, 860, 914, 1000, 1062, 1128, 1193, 1267, 1373, 1455, 1541, 1631, 1725, 1812, 1914, 1992,
      2102, 2216, 2334 },
    { 13, 22, 34, 48, 62, 76, 88, 110, 132, 154, 180, 206, 244, 261, 295, 325, 367, 397, 445, 485, 512,
      568, 614, 664, 718, 754, 808, 871, 911, 985, 1033, 1115, 1171, 1231, 1286, 1354, 1426, 1502,
      1582, 1666 },
    { 9, 16, 26, 36, 46, 60, 66, 86, 100, 122, 140, 158, 180, 197, 223, 253, 283, 313, 341, 385, 406,
      442, 464, 514, 538, 596, 628, 661, 701, 745, 793, 845, 901, 961, 986, 1054, 1096, 1142, 1222,
      1276 },
};

int kp_escpos_qr_width(size_t len, char level)
{
    const short *data = qr_data_codewords[qr_level(level)];

    for (int version = 1; version <= 40; version++) {
        size_t count_bits = version <= 9 ? 8 : 16;        /* byte mode's length field */
        size_t bits = 4 + count_bits + 8 * len;
        if (bits <= (size_t)data[version - 1] * 8)
            return 17 + 4 * version;
    }
    return 0;
}

static kp_status qr_native(render *r, const kp_row *row, int cell, size_t len)
{
    static const char model[] = GS "(k\x04\x00" "1A2\x00";
    static const char print[] = GS "(k\x03\x00" "1Q0";
    char size[] = GS "(k\x03\x00" "1C\x03";
    char level[] = GS "(k\x03\x00" "1E0";
    char store[8] = { 0x1d, '(', 'k', (char)((len + 3) & 0xFF), (char)((len + 3) >> 8), '1', 'P', '0' };
    kp_status st = begin_area(r, row);

    size[7] = (char)cell;
    level[7] = (char)('0' + (int)qr_level(row->code.level));
    if (st == KP_OK) st = put(r, model, sizeof model - 1);
    if (st == KP_OK) st = put(r, size, sizeof size - 1);
    if (st == KP_OK) st = put(r, level, sizeof level - 1);
    if (st == KP_OK) st = put(r, store, sizeof store);
    if (st == KP_OK) st = put(r, row->code.data, len);
    if (st == KP_OK) st = put(r, print, sizeof print - 1);
    return st == KP_OK ? end_area(r, row) : st;
}

static kp_status qr_raster(render *r, const kp_row *row, size_t len, int cell)
{
    QRcode *qr = QRcode_encodeData((int)len, (const unsigned char *)row->code.data, 0,
                                   qr_level(row->code.level));
    bitmap bm;
    kp_status st;

    if (!qr)
        return KP_OK;    /* cannot be encoded: left out */
    st = bitmap_alloc(&bm, qr->width * cell, qr->width * cell);

    for (int y = 0; y < bm.height && st == KP_OK; y++)
        for (int x = 0; x < bm.width; x++)
            if (qr->data[(y / cell) * qr->width + x / cell] & 1)
                bitmap_set(&bm, x, y);
    if (st == KP_OK)
        st = raster(r, row, &bm);
    free(bm.bits);
    QRcode_free(qr);
    return st;
}

/* Sized from the capacity table: a printer that draws QR codes itself needs
 * no encoding here (libqrencode's mask search dominated a receipt's time). */
static kp_status qr_row(render *r, const kp_row *row)
{
    size_t len = row->code.data ? strlen(row->code.data) : 0;
    int cell = clamp(row->code.cell, 1, 16), max = area_dots(r, row);
    int width = len > 0 && len <= QR_DATA_MAX ? kp_escpos_qr_width(len, row->code.level) : 0;

    if (width == 0)
        return KP_OK;    /* empty, or too long for its error level: left out */
    while (cell > 1 && width * cell > max)
        cell--;
    if (width * cell > max)
        return KP_OK;
    if (r->profile->native_qr && !r->opt.raster_qr)
        return qr_native(r, row, cell, len);
    return qr_raster(r, row, len, cell);
}

/* ---- barcodes ---------------------------------------------------------- */

static bool all_in(const char *s, const char *set)
{
    for (; *s; s++)
        if (!strchr(set, *s))
            return false;
    return true;
}

#define DIGITS "0123456789"

/* Builds GS k's m and data for the code; false when the printer cannot print it. */
static bool barcode_data(const kp_code *code, int *m, char *data, size_t *n)
{
    const char *s = code->data ? code->data : "";
    size_t len = strlen(s), k = 0;

    if (len == 0 || len > BARCODE_DATA_MAX - 2)
        return false;
    switch (code->type) {
    case KP_CODE_CODE128:
        *m = 73;
        data[k++] = '{';
        data[k++] = 'B';
        for (size_t i = 0; i < len; i++) {
            if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7E || k + 2 > BARCODE_DATA_MAX)
                return false;
            if (s[i] == '{')
                data[k++] = '{';
            data[k++] = s[i];
        }
        *n = k;
        return true;
    case KP_CODE_CODE39:
        *m = 69;
        for (size_t i = 0; i < len; i++)
            data[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 'a' + 'A') : s[i];
        data[len] = '\0';
        if (!all_in(data, DIGITS "ABCDEFGHIJKLMNOPQRSTUVWXYZ $%+-./*"))
            return false;
        break;
    case KP_CODE_CODE93:
        *m = 72;
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7E)
                return false;
        memcpy(data, s, len);
        break;
    case KP_CODE_EAN:
        if (!all_in(s, DIGITS) || !(len == 7 || len == 8 || len == 12 || len == 13))
            return false;
        *m = len >= 12 ? 67 : 68;
        memcpy(data, s, len);
        break;
    case KP_CODE_UPC:
        if (!all_in(s, DIGITS) || !((len >= 6 && len <= 8) || len == 11 || len == 12))
            return false;
        *m = len >= 11 ? 65 : 66;
        memcpy(data, s, len);
        break;
    case KP_CODE_ITF:
        if (!all_in(s, DIGITS) || len % 2 != 0)
            return false;
        *m = 70;
        memcpy(data, s, len);
        break;
    case KP_CODE_CODABAR:
        if (!all_in(s, DIGITS "ABCDabcd$+-./:") || len < 3 ||
            !strchr("ABCDabcd", s[0]) || !strchr("ABCDabcd", s[len - 1]))
            return false;
        *m = 71;
        memcpy(data, s, len);
        break;
    default:
        return false;
    }
    *n = len;
    return true;
}

static kp_status barcode_row(render *r, const kp_row *row)
{
    char data[BARCODE_DATA_MAX + 1], head[4] = { 0x1d, 'k', 0, 0 };
    size_t n;
    int m;
    kp_status st;

    if (!barcode_data(&row->code, &m, data, &n))
        return KP_OK;   /* left out, as ReceiptLine does */
    head[2] = (char)m;
    head[3] = (char)n;
    st = begin_area(r, row);
    if (st == KP_OK) st = put3(r, GS "w", clamp(row->code.module_width, 2, 6));
    if (st == KP_OK) st = put3(r, GS "h", clamp(row->code.height, 1, 255));
    if (st == KP_OK) st = put3(r, GS "H", row->code.hri ? 2 : 0);
    if (st == KP_OK) st = put(r, head, sizeof head);
    if (st == KP_OK) st = put(r, data, n);
    return st == KP_OK ? end_area(r, row) : st;
}

/* ---- rows and the document ---------------------------------------- */

static kp_status command_row(render *r, const kp_row *row)
{
    kp_status st;
    if (!r->opt.allow_commands || !row->command || !*row->command)
        return KP_OK;
    st = put(r, row->command, strlen(row->command));
    /* The command may have reset the printer: set ours again. */
    return st == KP_OK ? send_settings(r) : st;
}

static kp_status render_row(render *r, size_t index)
{
    const kp_row *row = &r->layout->rows[index];
    switch (row->kind) {
    case KP_ROW_TEXT: return text_row(r, row);
    case KP_ROW_RULE: return rule_row(r, index);
    case KP_ROW_CUT: return cut_paper(r);
    case KP_ROW_CODE: return row->code.type == KP_CODE_QR ? qr_row(r, row) : barcode_row(r, row);
    case KP_ROW_IMAGE: return image_row(r, row);
    case KP_ROW_COMMAND: return command_row(r, row);
    }
    return KP_OK;
}

static kp_status finish(render *r)
{
    const kp_layout *l = r->layout;
    bool ends_with_cut = l->n_rows > 0 && l->rows[l->n_rows - 1].kind == KP_ROW_CUT;
    kp_status st = KP_OK;

    if (r->opt.cut && !ends_with_cut)
        st = cut_paper(r);
    if (st == KP_OK && r->opt.drawer && r->profile->drawer)
        st = put(r, ESC "p\x00\x19\xfa", 5);
    return st;
}

static kp_status choose_font(render *r, kp_error *err)
{
    const kp_profile *p = r->profile;
    if (r->layout->cpl <= p->chars_per_line) {
        r->cpl = p->chars_per_line;
    } else if (r->layout->cpl <= p->chars_per_line_font_b) {
        r->cpl = p->chars_per_line_font_b;
        r->font_b = true;
    } else {
        return kp_error_set(err, KP_ERR_USAGE,
                            "the receipt is %d characters wide but printer profile %s prints "
                            "at most %d: choose a template for this paper width",
                            r->layout->cpl, p->name, p->chars_per_line_font_b);
    }
    r->width = r->layout->cpl > 0 ? r->layout->cpl : r->cpl;
    r->char_dots = p->dots_per_line / r->cpl;
    return KP_OK;
}

static kp_status status_message(kp_status st, kp_error *err)
{
    if (st == KP_ERR_TOO_LARGE)
        return kp_error_set(err, st, "the printer output passed its size limit");
    return kp_error_set(err, st, "out of memory while rendering the receipt");
}

kp_status kp_escpos_new(const kp_profile *profile, const kp_escpos_options *opt,
                        kp_escpos **out, kp_error *err)
{
    static const kp_escpos_options defaults = KP_ESCPOS_OPTIONS_DEFAULT;
    kp_escpos *e;
    kp_status st;

    *out = NULL;
    if (!profile)
        return kp_error_set(err, KP_ERR_USAGE, "no printer profile given");
    if (!(e = calloc(1, sizeof *e)))
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    e->profile = *profile;
    e->opt = opt ? *opt : defaults;
    kp_buf_init(&e->text, 0);
    st = kp_codepage_new(profile->code_page, profile->tenge, &e->cp, err);
    if (st != KP_OK) {
        kp_error_prefix(err, "printer profile %s", profile->name);
        free(e);
        return st;
    }
    encode_rules(e->cp, &e->rules);
    *out = e;
    return KP_OK;
}

void kp_escpos_free(kp_escpos *e)
{
    if (!e)
        return;
    kp_codepage_free(e->cp);
    kp_buf_free(&e->text);
    free(e);
}

kp_status kp_escpos_write(kp_escpos *e, const kp_layout *layout, kp_buf *out, kp_error *err)
{
    render r;
    kp_status st;

    if (!e || !layout || !out)
        return kp_error_set(err, KP_ERR_USAGE, "kp_escpos_write: missing renderer, layout or buffer");
    memset(&r, 0, sizeof r);
    r.layout = layout;
    r.profile = &e->profile;
    r.opt = e->opt;
    r.cp = e->cp;
    r.rules = &e->rules;
    r.out = out;
    r.err = err;
    r.text = e->text;
    if ((st = choose_font(&r, err)) != KP_OK)
        return st;
    st = kp_buf_reserve(out, layout->n_rows * (size_t)(r.cpl + 16));
    if (st == KP_OK)
        st = send_init(&r);
    for (size_t i = 0; i < layout->n_rows && st == KP_OK; i++)
        st = render_row(&r, i);
    if (st == KP_OK)
        st = finish(&r);
    e->text = r.text;
    return st == KP_OK ? KP_OK : status_message(st, err);
}

kp_status kp_escpos_render(const kp_layout *layout, const kp_profile *profile,
                           const kp_escpos_options *opt, kp_buf *out, kp_error *err)
{
    kp_escpos *e;
    kp_status st = kp_escpos_new(profile, opt, &e, err);

    if (st != KP_OK)
        return st;
    st = kp_escpos_write(e, layout, out, err);
    kp_escpos_free(e);
    return st;
}
