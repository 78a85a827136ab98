/*
 * pdf.c: the PDF renderer's object and one receipt's document: options,
 * fonts, geometry, measuring the rows, placing them on pages, metadata,
 * libharu's error handler, and saving to a buffer.  Drawing of rows is in
 * pdf_draw.c and pdf_codes.c; fonts' character maps in pdf_font.c.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kaspipos/utf8.h"
#include "pdf_private.h"

#define MM_TO_PT (72.0 / 25.4)
#define A4_W 595.276
#define A4_H 841.89
#define A5_W 419.528
#define A5_H 595.276
#define OFFICE_MARGIN 36.0   /* half an inch above and below the strip */
#define PAGE_MAX 14400.0     /* libharu's (and PDF 1.x's) largest page side */
#define TITLE_MAX 256        /* bytes of the title kept */

void kp_pdf_options_init(kp_pdf_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->paper_mm = 80;
    opt->page = KP_PDF_PAGE_RECEIPT;
}

/* ---- the renderer ---- */

/* The font shipped with kaspi-cups: $KASPI_FONT_DIR (an uninstalled build's
 * fonts/), else the installed one, else the fallback. */
static char *installed_or(const char *file, const char *fallback)
{
    char path[1024];
    const char *dir = getenv("KASPI_FONT_DIR");

    if (dir && *dir) {
        snprintf(path, sizeof path, "%s/%s", dir, file + strlen("fonts/"));
        if (access(path, R_OK) == 0)
            return strdup(path);
    }
    snprintf(path, sizeof path, "%s/%s", KP_PKGDATADIR, file);
    if (access(path, R_OK) == 0)
        return strdup(path);
    if (fallback && access(fallback, R_OK) == 0)
        return strdup(fallback);
    return fallback ? strdup(fallback) : NULL;
}

static kp_status choose_fonts(kp_pdf_renderer *r, const kp_pdf_options *o, kp_error *err)
{
    r->font_path = o->font_path ? strdup(o->font_path)
                                : installed_or(KP_PDF_FONT_FILE, KP_PDF_FALLBACK_FONT);
    if (!r->font_path)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    /* Bold is drawn by stroking the regular font unless a bold font is named:
     * a second embedded font costs ~8.5 KB and ~2 ms per receipt. */
    if (o->bold_font_path && o->bold_font_path[0])
        r->bold_path = strdup(o->bold_font_path);
    else
        r->bold_path = NULL;
    kp_status st = kpi_pdf_cmap_load(r->font_path, &r->cmap, err);
    if (st == KP_OK && r->bold_path)
        st = kpi_pdf_cmap_load(r->bold_path, &r->bold_cmap, err);
    return st;
}

static bool fallback_ok(const char *s)
{
    size_t len;
    if (!s)
        return true;
    len = strlen(s);
    if (len > 16 || !kp_utf8_valid(s, len))
        return false;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return false;
    return true;
}

static kp_status copy_fallbacks(kp_pdf_renderer *r, const kp_pdf_options *opt, kp_error *err)
{
    if (!fallback_ok(opt->tenge_fallback) || !fallback_ok(opt->unknown_fallback))
        return kp_error_set(err, KP_ERR_USAGE,
                            "a PDF fallback for missing characters must be at most 16 bytes of printable UTF-8");
    r->tenge_fallback = strdup(opt->tenge_fallback ? opt->tenge_fallback : "тг");
    r->unknown_fallback = strdup(opt->unknown_fallback ? opt->unknown_fallback : "?");
    if (!r->tenge_fallback || !r->unknown_fallback)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    r->cmap.tenge = r->bold_cmap.tenge = r->tenge_fallback;
    r->cmap.unknown = r->bold_cmap.unknown = r->unknown_fallback;
    return KP_OK;
}

kp_status kp_pdf_renderer_new(const kp_pdf_options *opt, kp_pdf_renderer **out, kp_error *err)
{
    kp_pdf_renderer *r;
    kp_status st;

    *out = NULL;
    if (!opt || (opt->paper_mm != 58 && opt->paper_mm != 80))
        return kp_error_set(err, KP_ERR_USAGE, "PDF paper width must be 58 or 80 mm, not %d",
                            opt ? opt->paper_mm : 0);
    if (opt->page != KP_PDF_PAGE_RECEIPT && opt->page != KP_PDF_PAGE_A4 &&
        opt->page != KP_PDF_PAGE_A5)
        return kp_error_set(err, KP_ERR_USAGE, "unknown PDF page mode %d", (int)opt->page);
    r = calloc(1, sizeof *r);
    if (!r)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    r->opt = *opt;
    r->opt.font_path = r->opt.bold_font_path = r->opt.title = NULL;
    r->opt.tenge_fallback = r->opt.unknown_fallback = NULL;
    if (opt->title && !(r->title = strdup(opt->title))) {
        kp_pdf_renderer_free(r);
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    }
    if ((st = choose_fonts(r, opt, err)) != KP_OK || (st = copy_fallbacks(r, opt, err)) != KP_OK) {
        kp_pdf_renderer_free(r);
        return st;
    }
    /* Thermal printers print 48 mm of 58 mm paper and 72 mm of 80 mm. */
    r->paper_w = opt->paper_mm * MM_TO_PT;
    r->printable_w = (opt->paper_mm == 58 ? 48 : 72) * MM_TO_PT;
    r->margin = (r->paper_w - r->printable_w) / 2;
    *out = r;
    return KP_OK;
}

void kp_pdf_renderer_free(kp_pdf_renderer *r)
{
    if (!r)
        return;
    kpi_pdf_cmap_free(&r->cmap);
    kpi_pdf_cmap_free(&r->bold_cmap);
    free(r->font_path);
    free(r->bold_path);
    free(r->title);
    free(r->tenge_fallback);
    free(r->unknown_fallback);
    free(r);
}

bool kp_pdf_renderer_has_glyph(const kp_pdf_renderer *r, bool bold, uint32_t cp)
{
    return kpi_pdf_cmap_has(bold && r->bold_path ? &r->bold_cmap : &r->cmap, cp);
}

kp_status kp_pdf_renderer_fit_text(const kp_pdf_renderer *r, bool bold, const char *text,
                                   kp_buf *out)
{
    return kpi_pdf_fit_text(bold && r->bold_path ? &r->bold_cmap : &r->cmap, text, out);
}

const char *kp_pdf_renderer_font(const kp_pdf_renderer *r, bool bold)
{
    if (!bold)
        return r->font_path;
    return r->bold_path ? r->bold_path : "";
}

/* ---- libharu errors ---- */

static void on_hpdf_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user_data)
{
    kpi_pdf_job *job = user_data;
    job->hpdf_error = error_no;
    job->hpdf_detail = detail_no;
    if (!job->soft)
        longjmp(job->fail, 1);
}

void kpi_pdf_fail(kpi_pdf_job *job, HPDF_STATUS code)
{
    job->hpdf_error = code;
    longjmp(job->fail, 1);
}

static kp_status hpdf_failure(const kpi_pdf_job *job, kp_error *err)
{
    if (job->hpdf_error == HPDF_FAILD_TO_ALLOC_MEM)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory %s", job->stage);
    return kp_error_set(err, KP_ERR_INTERNAL,
                        "the PDF receipt could not be made: libharu error 0x%04X (detail %u) %s",
                        (unsigned)job->hpdf_error, (unsigned)job->hpdf_detail, job->stage);
}

/* ---- geometry and measuring ---- */

static bool layout_has_bold(const kp_layout *layout)
{
    for (size_t i = 0; i < layout->n_rows; i++)
        for (size_t s = 0; s < layout->rows[i].n_spans; s++)
            if (layout->rows[i].kind == KP_ROW_TEXT && layout->rows[i].spans[s].style.bold)
                return true;
    return false;
}

static void set_grid(kpi_pdf_job *job)
{
    const kp_pdf_renderer *r = job->r;
    job->cell = r->printable_w / job->layout->cpl;
    job->dot = job->cell / 12;            /* the 12 x 24 dot font of thermal printers */
    job->line_h = job->cell * 2;
    job->font_size = job->cell / 0.6;     /* DejaVu Sans: about 0.6 em a character */
}

static void measure_rows(kpi_pdf_job *job)
{
    for (size_t i = 0; i < job->layout->n_rows; i++) {
        const kp_row *row = &job->layout->rows[i];
        kpi_pdf_row_box *box = &job->boxes[i];
        job->stage = "while measuring the receipt";
        switch (row->kind) {
        case KP_ROW_TEXT:
            box->height = job->line_h * (row->height > 1 && row->height <= 6 ? row->height : 1);
            break;
        case KP_ROW_RULE:
        case KP_ROW_CUT:
            box->height = job->line_h;
            break;
        case KP_ROW_CODE:
            kpi_pdf_measure_code(job, row, box);
            break;
        case KP_ROW_IMAGE:
            kpi_pdf_measure_image(job, row, box);
            break;
        case KP_ROW_COMMAND:
            box->height = 0;
            break;
        }
    }
}

static double content_height(const kpi_pdf_job *job)
{
    double h = 0;
    for (size_t i = 0; i < job->layout->n_rows; i++)
        h += job->boxes[i].height;
    return h;
}

/* ---- pages ---- */

static void office_size(const kp_pdf_renderer *r, double *w, double *h)
{
    *w = r->opt.page == KP_PDF_PAGE_A5 ? A5_W : A4_W;
    *h = r->opt.page == KP_PDF_PAGE_A5 ? A5_H : A4_H;
}

static void new_page(kpi_pdf_job *job, double content_h)
{
    const kp_pdf_renderer *r = job->r;
    double w, h;
    job->stage = "while adding a page";
    job->page = HPDF_AddPage(job->doc);
    job->cur_font = NULL;
    job->cur_scale = 100;
    if (r->opt.page == KP_PDF_PAGE_RECEIPT) {
        w = r->paper_w;
        h = content_h + 2 * job->line_h;
        job->x0 = 0;
        job->y = h - job->line_h;
    } else {
        office_size(r, &w, &h);
        job->x0 = (w - r->paper_w) / 2;
        job->y = h - OFFICE_MARGIN;
    }
    HPDF_Page_SetWidth(job->page, (HPDF_REAL)w);
    HPDF_Page_SetHeight(job->page, (HPDF_REAL)h);
    if (r->opt.page != KP_PDF_PAGE_RECEIPT) {
        /* the strip's edges, in light grey */
        HPDF_Page_SetRGBStroke(job->page, 0.8f, 0.8f, 0.8f);
        HPDF_Page_SetLineWidth(job->page, 0.5f);
        HPDF_Page_Rectangle(job->page, (HPDF_REAL)job->x0, OFFICE_MARGIN / 2,
                            (HPDF_REAL)r->paper_w, (HPDF_REAL)(h - OFFICE_MARGIN));
        HPDF_Page_Stroke(job->page);
        HPDF_Page_SetRGBStroke(job->page, 0, 0, 0);
    }
}

static bool row_fits(const kpi_pdf_job *job, double height)
{
    return job->r->opt.page == KP_PDF_PAGE_RECEIPT || job->y - height >= OFFICE_MARGIN ||
           height > job->y;   /* taller than a page: draw anyway */
}

static void draw_rows(kpi_pdf_job *job)
{
    new_page(job, content_height(job));
    for (size_t i = 0; i < job->layout->n_rows; i++) {
        const kp_row *row = &job->layout->rows[i];
        const kpi_pdf_row_box *box = &job->boxes[i];
        if (box->height <= 0)
            continue;
        if (!row_fits(job, box->height))
            new_page(job, 0);
        snprintf(job->stage_buf, sizeof job->stage_buf, "while drawing line %zu of the receipt", i + 1);
        job->stage = job->stage_buf;
        switch (row->kind) {
        case KP_ROW_TEXT: kpi_pdf_draw_text_row(job, i, box->height); break;
        case KP_ROW_RULE: kpi_pdf_draw_rule_row(job, i, box->height); break;
        case KP_ROW_CUT: kpi_pdf_draw_cut_row(job, box->height); break;
        case KP_ROW_CODE: kpi_pdf_draw_code_row(job, row, box); break;
        case KP_ROW_IMAGE: kpi_pdf_draw_image_row(job, row, box); break;
        case KP_ROW_COMMAND: break;
        }
        job->y -= box->height;
    }
    job->stage = "";
}

/* ---- the document ---- */

/* The title as valid UTF-8 without control characters, at most TITLE_MAX bytes. */
static void clean_title(const char *title, kp_buf *out)
{
    size_t len = strlen(title);
    while (len > 0 && out->len + 4 <= TITLE_MAX) {
        uint32_t cp;
        char enc[4];
        size_t n = kp_utf8_decode(title, len, &cp);
        if (cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp < 0xA0))
            kp_buf_append(out, enc, kp_utf8_encode(cp, enc));
        title += n;
        len -= n;
    }
}

static void set_metadata(kpi_pdf_job *job, const char *title, time_t created)
{
    job->stage = "while writing the document's properties";
    HPDF_SetInfoAttr(job->doc, HPDF_INFO_CREATOR, "kaspi-cups");
    if (title && *title) {
        kp_buf_reset(&job->text);
        clean_title(title, &job->text);
        HPDF_SetInfoAttr(job->doc, HPDF_INFO_TITLE, kp_buf_str(&job->text));
    }
    if (created != 0) {
        struct tm tm;
        HPDF_Date d;
        gmtime_r(&created, &tm);
        memset(&d, 0, sizeof d);
        d.year = tm.tm_year + 1900;
        d.month = tm.tm_mon + 1;
        d.day = tm.tm_mday;
        d.hour = tm.tm_hour;
        d.minutes = tm.tm_min;
        d.seconds = tm.tm_sec;
        d.ind = 'Z';
        HPDF_SetInfoDateAttr(job->doc, HPDF_INFO_CREATION_DATE, d);
    }
}

static HPDF_Font load_font(kpi_pdf_job *job, const char *path)
{
    snprintf(job->stage_buf, sizeof job->stage_buf, "while loading the font %s", path);
    job->stage = job->stage_buf;
    const char *name = HPDF_LoadTTFontFromFile(job->doc, path, HPDF_TRUE);
    return HPDF_GetFont(job->doc, name, "UTF-8");
}

static kp_status build_document(kpi_pdf_job *job, const char *title, time_t created, kp_error *err)
{
    job->stage = "while starting the document";
    HPDF_SetCompressionMode(job->doc, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(job->doc);
    HPDF_SetCurrentEncoder(job->doc, "UTF-8");
    set_metadata(job, title, created);
    job->font = load_font(job, job->r->font_path);
    if (job->r->bold_path && layout_has_bold(job->layout))
        job->bold = load_font(job, job->r->bold_path);
    set_grid(job);
    measure_rows(job);
    if (job->r->opt.page == KP_PDF_PAGE_RECEIPT && content_height(job) + 2 * job->line_h > PAGE_MAX)
        return kp_error_set(err, KP_ERR_TOO_LARGE,
                            "the receipt is too long for one PDF page (%.0f mm): print it on A4 pages",
                            content_height(job) / MM_TO_PT);
    draw_rows(job);
    return KP_OK;
}

static kp_status save_document(kpi_pdf_job *job, kp_buf *out, kp_error *err)
{
    job->stage = "while saving the document";
    HPDF_SaveToStream(job->doc);
    HPDF_UINT32 size = HPDF_GetStreamSize(job->doc);
    kp_status st = kp_buf_reserve(out, size);
    if (st != KP_OK)
        return kp_error_set(err, st, "the PDF receipt (%u bytes) does not fit the output buffer",
                            (unsigned)size);
    HPDF_ResetStream(job->doc);
    while (size > 0) {
        HPDF_UINT32 n = size;
        HPDF_ReadFromStream(job->doc, (HPDF_BYTE *)out->data + out->len, &n);
        if (n == 0)
            break;
        out->len += n;
        size -= n;
    }
    out->data[out->len] = '\0';
    return KP_OK;
}

static void free_job(kpi_pdf_job *job)
{
    if (job->boxes)
        for (size_t i = 0; i < job->layout->n_rows; i++)
            if (job->boxes[i].qr)
                QRcode_free(job->boxes[i].qr);
    free(job->boxes);
    kp_buf_free(&job->text);
    if (job->doc)
        HPDF_Free(job->doc);
    free(job);
}

static kp_status check_layout(const kp_layout *layout, kp_error *err)
{
    if (!layout || layout->cpl < 16 || layout->cpl > 96)
        return kp_error_set(err, KP_ERR_USAGE, "layout for PDF must have 16..96 characters per line, not %d",
                            layout ? layout->cpl : 0);
    if (layout->n_rows > 100000)
        return kp_error_set(err, KP_ERR_TOO_LARGE, "receipt of %zu lines is too long for a PDF",
                            layout->n_rows);
    return KP_OK;
}

kp_status kp_pdf_renderer_render(kp_pdf_renderer *r, const kp_layout *layout,
                                 const char *title, time_t created,
                                 kp_buf *out, kp_error *err)
{
    kp_status st = check_layout(layout, err);
    if (st != KP_OK)
        return st;
    kpi_pdf_job *job = calloc(1, sizeof *job);
    if (!job || !(job->boxes = calloc(layout->n_rows + 1, sizeof *job->boxes))) {
        free(job);
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    }
    job->r = r;
    job->layout = layout;
    job->stage = "";
    kp_buf_init(&job->text, 0);
    job->doc = HPDF_New(on_hpdf_error, job);
    if (!job->doc) {
        free_job(job);
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory starting a PDF document");
    }
    if (setjmp(job->fail) == 0) {
        st = build_document(job, title ? title : r->title, created ? created : r->opt.created, err);
        if (st == KP_OK)
            st = save_document(job, out, err);
    } else {
        st = hpdf_failure(job, err);
    }
    free_job(job);
    return st;
}

kp_status kp_pdf_render(const kp_layout *layout, const kp_pdf_options *opt,
                        kp_buf *out, kp_error *err)
{
    kp_pdf_renderer *r;
    kp_status st = kp_pdf_renderer_new(opt, &r, err);
    if (st != KP_OK)
        return st;
    st = kp_pdf_renderer_render(r, layout, NULL, 0, out, err);
    kp_pdf_renderer_free(r);
    return st;
}
