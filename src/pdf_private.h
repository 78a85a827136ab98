/*
 * pdf_private.h: what the PDF renderer's files share (not installed).
 * pdf.c owns the renderer and the document, pdf_font.c reads a font's
 * character map and picks fallbacks, pdf_draw.c draws text rows, rules and
 * cuts, pdf_codes.c draws QR codes, barcodes and images.
 */
#ifndef KASPIPOS_PDF_PRIVATE_H
#define KASPIPOS_PDF_PRIVATE_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <hpdf.h>
#include <qrencode.h>
#include "kaspipos/pdf.h"

/* A font's Unicode map: a copy of its cmap format 4 subtable, the one
 * libharu itself reads (so "has a glyph" means "libharu can draw it"). */
typedef struct kpi_pdf_cmap {
    unsigned char *table;
    size_t len;
    const char *tenge;        /* the renderer's fallbacks (borrowed) */
    const char *unknown;
} kpi_pdf_cmap;

kp_status kpi_pdf_cmap_load(const char *path, kpi_pdf_cmap *cmap, kp_error *err);
void kpi_pdf_cmap_free(kpi_pdf_cmap *cmap);
bool kpi_pdf_cmap_has(const kpi_pdf_cmap *cmap, uint32_t cp);
/* Appends text with missing characters replaced (see pdf.h). */
kp_status kpi_pdf_fit_text(const kpi_pdf_cmap *cmap, const char *text, kp_buf *out);

struct kp_pdf_renderer {
    kp_pdf_options opt;
    char *font_path;
    char *bold_path;          /* NULL: fake bold */
    char *title;
    char *tenge_fallback;
    char *unknown_fallback;
    kpi_pdf_cmap cmap;
    kpi_pdf_cmap bold_cmap;
    double paper_w;           /* points */
    double margin;            /* left edge of the print area, points */
    double printable_w;
};

/* What one row takes and holds between measuring and drawing. */
typedef struct kpi_pdf_row_box {
    double height;            /* points */
    QRcode *qr;
    HPDF_Image image;
    double image_w, image_h;
} kpi_pdf_row_box;

/* One receipt being rendered.  libharu reports errors through
 * on_hpdf_error(), which records them here and jumps back to `fail`. */
typedef struct kpi_pdf_job {
    const kp_pdf_renderer *r;
    const kp_layout *layout;
    HPDF_Doc doc;
    HPDF_Page page;
    HPDF_Font font;
    HPDF_Font bold;           /* NULL: fake bold */
    kpi_pdf_row_box *boxes;
    double cell;              /* grid cell width, points */
    double line_h;            /* one text line, points */
    double font_size;
    double dot;               /* one printer dot, points */
    double x0;                /* left edge of the strip on the page */
    double y;                 /* top of the next row, page coordinates */
    jmp_buf fail;
    bool soft;                /* an error that skips one item, not the receipt */
    HPDF_STATUS hpdf_error;
    HPDF_STATUS hpdf_detail;
    const char *stage;        /* what was being done, for messages */
    char stage_buf[1200];
    kp_buf text;              /* scratch for fitted text */
    HPDF_Font cur_font;       /* what the page's text state holds now */
    double cur_size, cur_scale;
} kpi_pdf_job;

/* Raises a libharu-independent failure through the same path. */
void kpi_pdf_fail(kpi_pdf_job *job, HPDF_STATUS code) __attribute__((noreturn));

void kpi_pdf_draw_text_row(kpi_pdf_job *job, size_t index, double height);
void kpi_pdf_draw_rule_row(kpi_pdf_job *job, size_t index, double height);
void kpi_pdf_draw_cut_row(kpi_pdf_job *job, double height);

/* Measuring (box filled) and drawing of code and image rows. */
void kpi_pdf_measure_code(kpi_pdf_job *job, const kp_row *row, kpi_pdf_row_box *box);
void kpi_pdf_draw_code_row(kpi_pdf_job *job, const kp_row *row, const kpi_pdf_row_box *box);
void kpi_pdf_measure_image(kpi_pdf_job *job, const kp_row *row, kpi_pdf_row_box *box);
void kpi_pdf_draw_image_row(kpi_pdf_job *job, const kp_row *row, const kpi_pdf_row_box *box);

/* Sets the page's font and size only when they change (fewer bytes). */
void kpi_pdf_use_font(kpi_pdf_job *job, HPDF_Font font, double size);

/* x (page coordinates) of grid cell `column`. */
double kpi_pdf_cell_x(const kpi_pdf_job *job, double column);
/* Draws fitted text with its left edge at x, squeezed or stretched into
 * `width` points; sets font, size and scaling.  Inside BT/ET. */
void kpi_pdf_show_fitted(kpi_pdf_job *job, HPDF_Font font, double size, double x,
                         double baseline, double width, double nominal_scale,
                         const char *text);

/* CODE128 (code set B, or C for an even run of digits): the module widths,
 * bar first, quiet zones not included.  Returns the count (0 when `data`
 * cannot be encoded); `widths` must hold 6 * (strlen(data) + 3) + 1. */
size_t kpi_pdf_code128(const char *data, unsigned char *widths, size_t cap);

#endif
