/*
 * text.h: the plain-text renderer, `kaspi-pay --format text`.
 *
 * Prints a layout exactly as ReceiptLine's own text target does
 * (`transform(doc, {command: 'text', cpl: N})` of the npm package
 * receiptline): every character takes its cells, a character scaled by `^`
 * is followed by scale_w - 1 spaces, bordered tables are drawn with '|', '-'
 * and '+'.  Trailing spaces are trimmed from every line; the output is UTF-8
 * and every line ends with '\n'.
 *
 * It adds the marker lines that ReceiptLine's text target leaves out:
 *   [CUT]           for each explicit `=` line (none is added at the end);
 *   [QR: data]      for a QR code,
 *   [BARCODE: data] for a barcode, both only when the data can be encoded
 *                   (not empty; the characters and length the symbology
 *                   accepts, as ReceiptLine checks them);
 *   [IMAGE]         for an image whose data decoded to some bytes.
 * A marker is placed inside the symbol's print area as the symbol would be:
 * at area_left when left-aligned, at area_left + area_width - length when
 * right-aligned, and centred with the spare half cell on the left
 * (area_left + ceil((area_width - length) / 2)) like centred text; never left
 * of column 0.  Control characters in code data show as '?'.
 * {command:} rows print nothing.
 */
#ifndef KASPIPOS_TEXT_H
#define KASPIPOS_TEXT_H

#include "kaspipos/buf.h"
#include "kaspipos/error.h"
#include "kaspipos/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Appends the text picture of `layout` to `out`.  Fails only on memory or
 * when `out` reaches its limit (KP_ERR_TOO_LARGE). */
kp_status kp_text_render(const kp_layout *layout, kp_buf *out, kp_error *err);

#ifdef __cplusplus
}
#endif
#endif
