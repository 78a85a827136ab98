/*
 * text.c: the plain-text renderer (see kaspipos/text.h): one line of cells
 * per text row, rules as they are, and marker lines for cuts, codes and
 * images.
 */
#include "config.h"
#include "kaspipos/text.h"
#include "kaspipos/utf8.h"

#include <string.h>

static bool all_chars(const char *s, const char *set)
{
    for (; *s; s++)
        if (!strchr(set, *s))
            return false;
    return true;
}

static bool all_digits(const char *s)
{
    return all_chars(s, "0123456789");
}

/* Whether ReceiptLine's generators accept the data (they print nothing otherwise). */
static bool code_encodable(const kp_code *code)
{
    const char *d = code->data ? code->data : "";
    size_t n = strlen(d), chars = kp_utf8_length(d, n);

    if (n == 0)
        return false;
    switch (code->type) {
    case KP_CODE_QR:
        return n <= 2953;
    case KP_CODE_CODE128:
    case KP_CODE_CODE93:
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)d[i] >= 0x80)
                return false;
        return true;
    case KP_CODE_CODE39: {
        size_t a = d[0] == '*', z = n > a && d[n - 1] == '*';
        if (n < a + z + 1)
            return false;
        for (size_t i = a; i < n - z; i++)
            if (!strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%", d[i]))
                return false;
        return true;
    }
    case KP_CODE_CODABAR:
        if (n < 3 || !strchr("ABCDabcd", d[0]) || !strchr("ABCDabcd", d[n - 1]))
            return false;
        for (size_t i = 1; i + 1 < n; i++)
            if (!strchr("0123456789-$:/.+", d[i]))
                return false;
        return true;
    case KP_CODE_ITF:
        return n % 2 == 0 && all_digits(d);
    case KP_CODE_EAN:
        return all_digits(d) && (chars < 9 ? n >= 7 && n <= 8 : n >= 12 && n <= 13);
    case KP_CODE_UPC:
        return all_digits(d) && (chars < 9 ? d[0] == '0' && n >= 7 && n <= 8 : n >= 11 && n <= 12);
    }
    return false;
}

static kp_status end_line(kp_buf *out, size_t line_start)
{
    while (out->len > line_start && out->data[out->len - 1] == ' ')
        out->len--;
    return kp_buf_putc(out, '\n');
}

static kp_status pad_to(kp_buf *out, int *at, int column)
{
    kp_status s = KP_OK;
    if (column > *at) {
        s = kp_buf_repeat(out, ' ', (size_t)(column - *at));
        *at = column;
    }
    return s;
}

static kp_status text_row(const kp_row *row, kp_buf *out)
{
    size_t start = out->len;
    int at = 0;
    kp_status s = KP_OK;

    for (size_t i = 0; i < row->n_spans && s == KP_OK; i++) {
        const kp_span *span = &row->spans[i];
        const char *t = span->text ? span->text : "";
        size_t len = strlen(t), k = 0;
        int fill = span->style.scale_w > 1 ? span->style.scale_w - 1 : 0;

        s = pad_to(out, &at, span->column);
        if (span->vrule) {
            if (s == KP_OK)
                s = kp_buf_putc(out, '|');
            at++;
            continue;
        }
        while (k < len && s == KP_OK) {
            uint32_t cp;
            size_t used = kp_utf8_decode(t + k, len - k, &cp);
            s = kp_buf_append(out, t + k, used);
            if (s == KP_OK)
                s = kp_buf_repeat(out, ' ', (size_t)fill);
            k += used;
            at += 1 + fill;
        }
    }
    return s == KP_OK ? end_line(out, start) : s;
}

static kp_status rule_row(const kp_row *row, kp_buf *out)
{
    size_t start = out->len;
    kp_status s = kp_buf_repeat(out, ' ', row->column > 0 ? (size_t)row->column : 0);
    if (s == KP_OK)
        s = kp_buf_puts(out, row->rule ? row->rule : "");
    return s == KP_OK ? end_line(out, start) : s;
}

/* A marker line, aligned in the row's area like the symbol it stands for. */
static kp_status marker(const kp_row *row, const char *label, const char *data, kp_buf *out)
{
    size_t start = out->len, chars = strlen(label) + 2;     /* [LABEL] */
    int space, column;
    kp_status s;

    if (data)
        chars += 2 + kp_utf8_length(data, strlen(data));
    space = row->area_width - (int)chars;
    if (space < 0)
        space = 0;
    column = row->area_left + (row->align == KP_ALIGN_CENTER ? (space + 1) / 2 :
                               row->align == KP_ALIGN_RIGHT ? space : 0);
    s = kp_buf_repeat(out, ' ', column > 0 ? (size_t)column : 0);
    if (s == KP_OK)
        s = kp_buf_printf(out, "[%s", label);
    if (s == KP_OK && data) {
        s = kp_buf_puts(out, ": ");
        for (const char *p = data; *p && s == KP_OK; p++)
            s = kp_buf_putc(out, (unsigned char)*p < 0x20 || *p == 0x7F ? '?' : *p);
    }
    if (s == KP_OK)
        s = kp_buf_putc(out, ']');
    return s == KP_OK ? end_line(out, start) : s;
}

static kp_status render_row(const kp_row *row, kp_buf *out)
{
    switch (row->kind) {
    case KP_ROW_TEXT:
        return text_row(row, out);
    case KP_ROW_RULE:
        return rule_row(row, out);
    case KP_ROW_CUT:
        return kp_buf_puts(out, "[CUT]\n");
    case KP_ROW_CODE:
        if (!code_encodable(&row->code))
            return KP_OK;
        return marker(row, row->code.type == KP_CODE_QR ? "QR" : "BARCODE", row->code.data, out);
    case KP_ROW_IMAGE:
        return row->image.png_len ? marker(row, "IMAGE", NULL, out) : KP_OK;
    case KP_ROW_COMMAND:
        return KP_OK;
    }
    return KP_OK;
}

kp_status kp_text_render(const kp_layout *layout, kp_buf *out, kp_error *err)
{
    if (!layout || !out)
        return kp_error_set(err, KP_ERR_USAGE, "text: no layout or output given");
    for (size_t i = 0; i < layout->n_rows; i++) {
        kp_status s = render_row(&layout->rows[i], out);
        if (s == KP_ERR_TOO_LARGE)
            return kp_error_set(err, s, "text: the receipt is larger than its output allows");
        if (s != KP_OK)
            return kp_error_set(err, s, "text: out of memory while printing the receipt");
    }
    return KP_OK;
}
