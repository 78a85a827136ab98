/*
 * escpos.h: the ESC/POS renderer of the layout model.
 *
 * kp_escpos_render() turns a kp_layout into the bytes a receipt printer
 * takes, for one printer profile (kaspipos/profile.h).  Text goes through
 * the profile's code page (kaspipos/codepage.h), so text can never become a
 * command.  What it sends, in order:
 *   ESC @, FS . (if the profile says), the code page select (ESC t n or
 *   ESC GS t n), ESC M 1 when the layout needs font B to fit;
 *   text rows: spaces up to each span's column, ESC E (bold), ESC - (underline),
 *     GS B (invert), GS ! (size), the encoded text, LF;
 *   rules: box drawing when the code page has it, else '-', '+' and '|';
 *   cuts (`=`): GS V 66 0 when the profile has a cutter, else ESC d 4;
 *   barcodes: GS w, GS h, GS H, GS k (function B), QR codes: GS ( k (model 2)
 *     or, without native QR, a raster image; images (PNG): scaled to fit,
 *     Floyd-Steinberg dithered, GS v 0 in bands of KP_ESCPOS_BAND_ROWS rows;
 *     all placed with GS L / GS W (the row's area) and ESC a (its alignment);
 *   at the end GS V 66 0 (or ESC d 4 without a cutter) when asked, unless the
 *   last row was already a cut, then ESC p 0 25 250 for the drawer when asked.
 * A code the printer cannot print (bad data for its type, too long) or an
 * image that does not decode is left out, as ReceiptLine does: the receipt
 * still prints.
 */
#ifndef KASPIPOS_ESCPOS_H
#define KASPIPOS_ESCPOS_H

#include <stdbool.h>
#include "kaspipos/buf.h"
#include "kaspipos/error.h"
#include "kaspipos/layout.h"
#include "kaspipos/profile.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KP_ESCPOS_BAND_ROWS 128       /* raster rows per GS v 0 */
#define KP_ESCPOS_IMAGE_MAX (4u << 20) /* PNG bytes */
#define KP_ESCPOS_IMAGE_PIXELS_MAX (16u << 20)

typedef struct kp_escpos_options {
    bool cut;             /* feed and cut at the end (default yes) */
    bool drawer;          /* pulse the cash drawer at the end, if the profile has one */
    bool allow_commands;  /* send {command:} rows as they are (default: dropped) */
    bool raster_qr;       /* QR codes as images even on printers that draw them */
} kp_escpos_options;

#define KP_ESCPOS_OPTIONS_DEFAULT { true, false, false, false }

/* Appends the ESC/POS bytes for `layout` to `out`.  `opt` may be NULL
 * (the defaults).  Fails when the layout is wider than the profile can print
 * even in font B, when the code page cannot be opened, or on memory / the
 * buffer's limit; `out` may then hold part of the output. */
kp_status kp_escpos_render(const kp_layout *layout, const kp_profile *profile,
                           const kp_escpos_options *opt, kp_buf *out, kp_error *err);

/* The same work split for a printer that prints many receipts: the object
 * keeps the profile (copied), the options and the code page tables, so each
 * kp_escpos_write() only renders.  Not thread-safe: one per thread. */
typedef struct kp_escpos kp_escpos;

kp_status kp_escpos_new(const kp_profile *profile, const kp_escpos_options *opt,
                        kp_escpos **out, kp_error *err);
kp_status kp_escpos_write(kp_escpos *e, const kp_layout *layout, kp_buf *out, kp_error *err);
void kp_escpos_free(kp_escpos *e);

/* The width in modules of the smallest QR symbol that holds len bytes (byte
 * mode) at error level 'l', 'm', 'q' or 'h'; 0 when none does. */
int kp_escpos_qr_width(size_t len, char level);

#ifdef __cplusplus
}
#endif
#endif
