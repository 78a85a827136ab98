/*
 * pdf_draw.c: drawing the text rows, rules and cuts of a receipt.  Spans
 * are split into words at spaces; each word starts at its own grid cell and
 * is squeezed or stretched (horizontal scaling) to fill its cells, so the
 * proportional font keeps the thermal printer's columns.
 */
#include "config.h"
#include <math.h>
#include <string.h>

#include "kaspipos/utf8.h"
#include "pdf_private.h"

#define BASELINE_RISE 0.28    /* of the row's height: room for descenders */
#define MIN_SCALE 0.5         /* of the nominal width: squeeze at most this much */
#define MAX_SCALE 1.15        /* stretch at most this much */

double kpi_pdf_cell_x(const kpi_pdf_job *job, double column)
{
    return job->x0 + job->r->margin + column * job->cell;
}

static double line_width(const kpi_pdf_job *job)
{
    return job->dot * 2 > 0.5 ? job->dot * 2 : 0.5;
}

void kpi_pdf_use_font(kpi_pdf_job *job, HPDF_Font font, double size)
{
    if (font == job->cur_font && size == job->cur_size)
        return;
    HPDF_Page_SetFontAndSize(job->page, font, (HPDF_REAL)size);
    job->cur_font = font;
    job->cur_size = size;
}

void kpi_pdf_show_fitted(kpi_pdf_job *job, HPDF_Font font, double size, double x,
                         double baseline, double width, double nominal_scale,
                         const char *text)
{
    HPDF_Page page = job->page;
    double scale = nominal_scale;

    kpi_pdf_use_font(job, font, size);
    double natural = HPDF_Page_TextWidth(page, text);
    if (natural > 0 && width > 0) {
        scale = width / natural;
        if (scale < nominal_scale * MIN_SCALE)
            scale = nominal_scale * MIN_SCALE;
        if (scale > nominal_scale * MAX_SCALE)
            scale = nominal_scale * MAX_SCALE;
    }
    scale *= 100;
    if (scale < HPDF_MIN_HORIZONTALSCALING)
        scale = HPDF_MIN_HORIZONTALSCALING;
    if (scale > HPDF_MAX_HORIZONTALSCALING)
        scale = HPDF_MAX_HORIZONTALSCALING;
    scale = (double)(long)(scale * 10 + 0.5) / 10;   /* 0.1 % steps: fewer changes */
    if (scale != job->cur_scale) {
        HPDF_Page_SetHorizontalScalling(page, (HPDF_REAL)scale);
        job->cur_scale = scale;
    }
    HPDF_Page_SetTextMatrix(page, 1, 0, 0, 1, (HPDF_REAL)x, (HPDF_REAL)baseline);
    HPDF_Page_ShowText(page, text);
}

static int scale_of(int s) { return s >= 1 && s <= 6 ? s : 1; }

/* ---- text rows ---- */

static void draw_span_boxes(kpi_pdf_job *job, const kp_span *span, double bottom, double top,
                            double baseline)
{
    HPDF_Page page = job->page;
    double x = kpi_pdf_cell_x(job, span->column), w = span->cells * job->cell;

    if (span->vrule) {
        double cx = kpi_pdf_cell_x(job, span->column + 0.5);
        HPDF_Page_MoveTo(page, (HPDF_REAL)cx, (HPDF_REAL)bottom);
        HPDF_Page_LineTo(page, (HPDF_REAL)cx, (HPDF_REAL)top);
        HPDF_Page_Stroke(page);
        return;
    }
    if (span->style.invert) {
        /* the span's own lines, around its baseline */
        double h = job->line_h * scale_of(span->style.scale_h);
        double y = baseline - h * BASELINE_RISE;
        HPDF_Page_Rectangle(page, (HPDF_REAL)x, (HPDF_REAL)y, (HPDF_REAL)w, (HPDF_REAL)h);
        HPDF_Page_Fill(page);
    }
    if (span->style.underline) {
        double uy = baseline - job->font_size * scale_of(span->style.scale_h) * 0.12;
        if (span->style.invert)
            HPDF_Page_SetRGBStroke(page, 1, 1, 1);
        HPDF_Page_MoveTo(page, (HPDF_REAL)x, (HPDF_REAL)uy);
        HPDF_Page_LineTo(page, (HPDF_REAL)(x + w), (HPDF_REAL)uy);
        HPDF_Page_Stroke(page);
        HPDF_Page_SetRGBStroke(page, 0, 0, 0);
    }
}

static void set_span_paint(kpi_pdf_job *job, const kp_span *span)
{
    HPDF_Page page = job->page;
    float ink = span->style.invert ? 1.0f : 0.0f;
    HPDF_Page_SetRGBFill(page, ink, ink, ink);
    HPDF_Page_SetRGBStroke(page, ink, ink, ink);
    HPDF_Page_SetTextRenderingMode(page, span->style.bold && !job->bold ? HPDF_FILL_THEN_STROKE
                                                                         : HPDF_FILL);
}

/* Draws the word of `n` bytes starting `index` characters into the span. */
static void draw_word(kpi_pdf_job *job, const kp_span *span, const char *word, size_t n,
                      size_t index, size_t chars, double baseline)
{
    const kp_pdf_renderer *r = job->r;
    bool bold = span->style.bold;
    int sw = scale_of(span->style.scale_w), sh = scale_of(span->style.scale_h);
    char piece[4096];

    if (n >= sizeof piece)
        n = sizeof piece - 1;
    memcpy(piece, word, n);
    piece[n] = '\0';
    kp_buf_reset(&job->text);
    if (kpi_pdf_fit_text(bold && job->bold ? &r->bold_cmap : &r->cmap, piece, &job->text) != KP_OK)
        kpi_pdf_fail(job, HPDF_FAILD_TO_ALLOC_MEM);
    if (job->text.len == 0)
        return;
    kpi_pdf_show_fitted(job, bold && job->bold ? job->bold : job->font, job->font_size * sh,
                        kpi_pdf_cell_x(job, span->column + (double)index * sw), baseline,
                        (double)chars * sw * job->cell, (double)sw / sh, kp_buf_str(&job->text));
}

static void draw_span_text(kpi_pdf_job *job, const kp_span *span, double baseline)
{
    const char *s = span->text;
    size_t len = strlen(s), index = 0;

    set_span_paint(job, span);
    while (len > 0) {
        const char *word = s;
        size_t start = index, bytes = 0;
        uint32_t cp = 0;
        while (len > 0) {
            size_t n = kp_utf8_decode(s, len, &cp);
            if (cp == ' ')
                break;
            s += n;
            len -= n;
            bytes += n;
            index++;
        }
        if (bytes > 0)
            draw_word(job, span, word, bytes, start, index - start, baseline);
        if (len > 0) {   /* the space */
            s++;
            len--;
            index++;
        }
    }
}

void kpi_pdf_draw_text_row(kpi_pdf_job *job, size_t index, double height)
{
    const kp_row *row = &job->layout->rows[index];
    HPDF_Page page = job->page;
    double top = job->y, bottom = job->y - height;
    double baseline = bottom + job->line_h * BASELINE_RISE * (row->height > 1 ? row->height : 1);

    HPDF_Page_SetLineWidth(page, (HPDF_REAL)line_width(job));
    for (size_t i = 0; i < row->n_spans; i++)
        draw_span_boxes(job, &row->spans[i], bottom, top, baseline);
    HPDF_Page_SetLineWidth(page, (HPDF_REAL)(job->font_size * 0.04));
    HPDF_Page_BeginText(page);
    for (size_t i = 0; i < row->n_spans; i++)
        if (!row->spans[i].vrule && row->spans[i].text)
            draw_span_text(job, &row->spans[i], baseline);
    HPDF_Page_EndText(page);
    HPDF_Page_SetRGBFill(page, 0, 0, 0);
    HPDF_Page_SetRGBStroke(page, 0, 0, 0);
}

/* ---- rules ---- */

static bool row_has_vrule(const kp_layout *layout, size_t index, int column)
{
    if (index >= layout->n_rows || layout->rows[index].kind != KP_ROW_TEXT)
        return false;
    const kp_row *row = &layout->rows[index];
    for (size_t i = 0; i < row->n_spans; i++)
        if (row->spans[i].vrule && row->spans[i].column == column)
            return true;
    return false;
}

static bool is_line(char c) { return c == '-' || c == '+'; }

/* A horizontal run being collected, so a rule is one line, not one per cell. */
typedef struct hrun { bool open; double x0, x1; } hrun;

static void hrun_flush(kpi_pdf_job *job, hrun *run, double y)
{
    if (!run->open)
        return;
    HPDF_Page_MoveTo(job->page, (HPDF_REAL)run->x0, (HPDF_REAL)y);
    HPDF_Page_LineTo(job->page, (HPDF_REAL)run->x1, (HPDF_REAL)y);
    run->open = false;
}

static void hrun_add(kpi_pdf_job *job, hrun *run, double x0, double x1, double y)
{
    if (run->open && fabs(x0 - run->x1) < 0.01) {
        run->x1 = x1;
        return;
    }
    hrun_flush(job, run, y);
    *run = (hrun){ true, x0, x1 };
}

void kpi_pdf_draw_rule_row(kpi_pdf_job *job, size_t index, double height)
{
    const kp_row *row = &job->layout->rows[index];
    HPDF_Page page = job->page;
    double y = job->y - height / 2;
    hrun run = { false, 0, 0 };
    size_t n = row->rule ? strlen(row->rule) : 0;

    HPDF_Page_SetLineWidth(page, (HPDF_REAL)line_width(job));
    for (size_t i = 0; i < n; i++) {
        char c = row->rule[i];
        int col = row->column + (int)i;
        double x = kpi_pdf_cell_x(job, col), mid = x + job->cell / 2;
        if (c == '-')
            hrun_add(job, &run, x, x + job->cell, y);
        if (c != '+')
            continue;
        if (i > 0 && is_line(row->rule[i - 1]))
            hrun_add(job, &run, x, mid, y);
        if (i + 1 < n && is_line(row->rule[i + 1]))
            hrun_add(job, &run, mid, x + job->cell, y);
        if (index > 0 && row_has_vrule(job->layout, index - 1, col)) {
            HPDF_Page_MoveTo(page, (HPDF_REAL)mid, (HPDF_REAL)y);
            HPDF_Page_LineTo(page, (HPDF_REAL)mid, (HPDF_REAL)job->y);
        }
        if (row_has_vrule(job->layout, index + 1, col)) {
            HPDF_Page_MoveTo(page, (HPDF_REAL)mid, (HPDF_REAL)y);
            HPDF_Page_LineTo(page, (HPDF_REAL)mid, (HPDF_REAL)(job->y - height));
        }
    }
    hrun_flush(job, &run, y);
    if (HPDF_Page_GetGMode(page) == HPDF_GMODE_PATH_OBJECT)
        HPDF_Page_Stroke(page);
}

/* ---- cuts ---- */

void kpi_pdf_draw_cut_row(kpi_pdf_job *job, double height)
{
    static const HPDF_UINT16 dash[] = { 3, 2 };
    HPDF_Page page = job->page;
    double y = job->y - height / 2;

    HPDF_Page_SetLineWidth(page, 0.5f);
    HPDF_Page_SetDash(page, dash, 2, 0);
    HPDF_Page_MoveTo(page, (HPDF_REAL)job->x0, (HPDF_REAL)y);
    HPDF_Page_LineTo(page, (HPDF_REAL)(job->x0 + job->r->paper_w), (HPDF_REAL)y);
    HPDF_Page_Stroke(page);
    HPDF_Page_SetDash(page, NULL, 0, 0);
}
