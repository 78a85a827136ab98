/*
 * layout.h: the layout model, the seam between markup and printers.
 *
 * kp_layout_parse() turns a ReceiptLine document (already expanded from its
 * Mustache template) into rows placed on a grid of `cpl` character cells,
 * following ReceiptLine's own rules for columns, widths, wrapping, alignment
 * and borders.  Every renderer (text, ESC/POS, PDF) reads only this model:
 * nothing here knows a printer's bytes, and no renderer re-does layout.
 *
 * Positions are in character cells from the paper's left edge (0 .. cpl-1).
 * Text in the model is UTF-8 with no control characters; the renderers encode
 * it for their target.
 */
#ifndef KASPIPOS_LAYOUT_H
#define KASPIPOS_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include "kaspipos/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kp_align { KP_ALIGN_LEFT = 0, KP_ALIGN_CENTER = 1, KP_ALIGN_RIGHT = 2 } kp_align;

/* Character decoration.  scale_w/scale_h follow ReceiptLine's `^` runs:
 * ^ = 2x1, ^^ = 1x2, ^^^ = 2x2, ^^^^ = 3x3, ... ^^^^^^^ = 6x6. */
typedef struct kp_style {
    bool underline;   /* _ */
    bool bold;        /* " */
    bool invert;      /* ` */
    int scale_w;      /* 1..6: cells per character */
    int scale_h;      /* 1..6: text lines per character */
} kp_style;

/* A run of text in one style, or one vertical rule cell of a bordered table. */
typedef struct kp_span {
    int column;       /* first cell */
    int cells;        /* cells covered: characters x scale_w (1 for a rule) */
    kp_style style;
    bool vrule;       /* a vertical rule ('|' in text); text is NULL */
    char *text;       /* UTF-8, printable characters only */
} kp_span;

typedef enum kp_row_kind {
    KP_ROW_TEXT,      /* one printed line of spans; no spans = an empty line */
    KP_ROW_RULE,      /* a horizontal rule or a table's edge: see `rule` */
    KP_ROW_CUT,       /* an explicit paper cut (`=` line) */
    KP_ROW_CODE,      /* a barcode or a QR code */
    KP_ROW_IMAGE,     /* a PNG image */
    KP_ROW_COMMAND    /* ReceiptLine's {command:}: kept, never sent to a printer by default */
} kp_row_kind;

typedef enum kp_code_type {
    KP_CODE_QR,
    KP_CODE_CODE128,
    KP_CODE_CODE39,
    KP_CODE_CODE93,
    KP_CODE_EAN,      /* EAN-13 / EAN-8 / JAN by data length */
    KP_CODE_UPC,      /* UPC-A / UPC-E by data length */
    KP_CODE_ITF,
    KP_CODE_CODABAR   /* NW-7 */
} kp_code_type;

typedef struct kp_code {
    kp_code_type type;
    char *data;
    int module_width; /* barcodes: 2..4 dots */
    int height;       /* barcodes: 24..240 dots */
    bool hri;         /* barcodes: print the human-readable text */
    int cell;         /* QR: module size, 3..8 dots */
    char level;       /* QR error correction: 'l', 'm', 'q' or 'h' */
} kp_code;

typedef struct kp_image {
    unsigned char *png;   /* the decoded PNG file */
    size_t png_len;
} kp_image;

typedef struct kp_row {
    kp_row_kind kind;
    int height;           /* text lines this row takes (tallest scale_h); 1 for rules */

    /* KP_ROW_TEXT */
    kp_span *spans;       /* sorted by column, not overlapping */
    size_t n_spans;

    /* KP_ROW_RULE: `rule` holds one byte per cell from `column` on:
     * '-' horizontal line, '+' a junction or corner, ' ' nothing. */
    int column;
    char *rule;

    /* KP_ROW_CODE, KP_ROW_IMAGE, KP_ROW_COMMAND: placed with `align`
     * inside the print area [area_left, area_left + area_width). */
    int area_left;
    int area_width;
    kp_align align;
    kp_code code;
    kp_image image;
    char *command;        /* KP_ROW_COMMAND: the property's value, unescaped */
} kp_row;

typedef struct kp_layout {
    int cpl;              /* characters per line the layout was made for */
    kp_row *rows;
    size_t n_rows;
} kp_layout;

typedef struct kp_layout_options {
    int cpl;              /* characters per line, 16..96 (58 mm: 32, 80 mm: 48) */
    const char *source;   /* a name for messages ("templates/payment-80.receipt"), may be NULL */
} kp_layout_options;

/* Parses a ReceiptLine document of `len` bytes (UTF-8; a BOM is skipped).
 * Never fails on odd markup (ReceiptLine drops what it cannot use); fails
 * only on bad options, input over 1 MiB, or memory. */
kp_status kp_layout_parse(const char *doc, size_t len, const kp_layout_options *opt,
                          kp_layout **out, kp_error *err);
void kp_layout_free(kp_layout *layout);

#ifdef __cplusplus
}
#endif
#endif
