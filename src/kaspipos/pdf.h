/*
 * pdf.h: the PDF renderer, from the layout model to a PDF receipt (libharu).
 *
 * The page is exactly as wide as the paper (58 mm = 164.41 pt, 80 mm =
 * 226.77 pt) and, in receipt mode, exactly as tall as the content; in A4/A5
 * mode the receipt strip is placed on an office page (more pages when it is
 * longer).  Each span is placed at its grid column, x = margin + column *
 * cell, cell = printable width / cpl, so columns line up as on the thermal
 * printer; words are squeezed or stretched a little to fill their cells.
 *
 * Text stays text: the font is embedded (a subset made at build time, see
 * mk/pdf.am) and `pdftotext` gives the receipt's lines back.  Characters the
 * font lacks are replaced BEFORE drawing (libharu would draw them blank):
 *   U+20B8 ₸ -> "тг"; Kazakh Ә Ғ Қ Ң Ө Ұ Ү Һ І (and lower case) -> А Г К Н О У
 *   У Х I; « » „ “ ” -> "; ‘ ’ -> '; – — ‑ − -> -; … -> ...; № -> N; NBSP and
 *   other spaces -> space; anything else (and any character beyond U+FFFF,
 *   which libharu cannot draw) -> '?'.  The tenge and '?' are options.
 * A replacement is used only when the font has all of its characters.
 *
 * Codes: QR codes (libqrencode) and CODE128 are drawn as vector squares and
 * bars.  Other barcode types (CODE39, CODE93, EAN, UPC, ITF, CODABAR) are
 * printed as their human-readable text only.  Images are PNG; a PNG libharu
 * cannot read is left out.  Command rows are ignored.
 */
#ifndef KASPIPOS_PDF_H
#define KASPIPOS_PDF_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "kaspipos/buf.h"
#include "kaspipos/error.h"
#include "kaspipos/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kp_pdf_page {
    KP_PDF_PAGE_RECEIPT = 0,  /* paper width, height fitted to the content */
    KP_PDF_PAGE_A4,           /* the strip centred on A4 portrait pages */
    KP_PDF_PAGE_A5            /* the strip centred on A5 portrait pages */
} kp_pdf_page;

typedef struct kp_pdf_options {
    int paper_mm;               /* 58 or 80 */
    kp_pdf_page page;
    const char *font_path;      /* NULL: the subset font ($KASPI_FONT_DIR, else installed),
                                   else DejaVu Sans */
    const char *bold_font_path; /* a bold font to embed; NULL or "": bold is drawn by
                                   stroking the regular font (smaller and faster) */
    const char *title;          /* document title, e.g. "Kaspi cheque 123"; may be NULL */
    time_t created;             /* creation date (UTC); 0: none written */
    const char *tenge_fallback; /* for ₸ when the font lacks it; NULL: "тг" */
    const char *unknown_fallback; /* for other missing characters; NULL: "?", "": dropped */
} kp_pdf_options;

/* Where the build installs its subset fonts. */
#define KP_PDF_FONT_FILE "fonts/kaspi-receipt.ttf"
#define KP_PDF_BOLD_FONT_FILE "fonts/kaspi-receipt-bold.ttf"
#define KP_PDF_FALLBACK_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define KP_PDF_FALLBACK_BOLD_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

/* 80 mm receipt page, default fonts, no title, no date. */
void kp_pdf_options_init(kp_pdf_options *opt);

/* A renderer holds the checked options and the fonts' character maps, and
 * renders any number of receipts (one at a time: not thread-safe). */
typedef struct kp_pdf_renderer kp_pdf_renderer;

/* Fails (KP_ERR_USAGE) on a bad paper width, page mode or fallback (at most
 * 16 bytes of printable UTF-8), (KP_ERR_SETUP) on
 * a font that cannot be read or has no usable Unicode map. */
kp_status kp_pdf_renderer_new(const kp_pdf_options *opt, kp_pdf_renderer **out, kp_error *err);
void kp_pdf_renderer_free(kp_pdf_renderer *r);

/* Appends one PDF document to `out`.  `title` and `created` override the
 * options' when not NULL / not 0. */
kp_status kp_pdf_renderer_render(kp_pdf_renderer *r, const kp_layout *layout,
                                 const char *title, time_t created,
                                 kp_buf *out, kp_error *err);

/* One-shot: a renderer for one receipt. */
kp_status kp_pdf_render(const kp_layout *layout, const kp_pdf_options *opt,
                        kp_buf *out, kp_error *err);

/* Whether the regular (bold = false) or bold font can draw code point cp. */
bool kp_pdf_renderer_has_glyph(const kp_pdf_renderer *r, bool bold, uint32_t cp);

/* Appends `text` (UTF-8) to out with every character the font lacks replaced
 * by its fallback (see the top of this file): exactly what gets drawn. */
kp_status kp_pdf_renderer_fit_text(const kp_pdf_renderer *r, bool bold, const char *text,
                                   kp_buf *out);

/* The font file the renderer uses ("" for fake bold). */
const char *kp_pdf_renderer_font(const kp_pdf_renderer *r, bool bold);

#ifdef __cplusplus
}
#endif
#endif
