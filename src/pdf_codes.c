/*
 * pdf_codes.c: QR codes (libqrencode) and CODE128 barcodes drawn as vector
 * squares and bars, and PNG images.  Other barcode symbologies are printed
 * as their human-readable text only.  Sizes follow the printer's dots: a
 * dot is 1/12 of a character cell (203 dpi, 12 x 24 dot font).
 */
#include "config.h"
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "pdf_private.h"

#define QUIET_MODULES 10      /* CODE128 quiet zone on each side */

/* CODE128 symbols 0..105 (six widths, bar first) and the stop (seven). */
static const char *const C128[107] = {
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
};
enum { C128_START_B = 104, C128_START_C = 105, C128_STOP = 106 };

static bool all_digits(const char *s)
{
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static size_t put_symbol(int value, unsigned char *widths, size_t at, size_t cap)
{
    for (const char *p = C128[value]; *p; p++)
        if (at < cap)
            widths[at++] = (unsigned char)(*p - '0');
    return at;
}

size_t kpi_pdf_code128(const char *data, unsigned char *widths, size_t cap)
{
    size_t len = strlen(data), at = 0;
    bool set_c = len >= 2 && len % 2 == 0 && all_digits(data);
    int sum, weight = 1;

    if (len == 0 || cap < 6 * (len + 3) + 1)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)data[i] < 32 || (unsigned char)data[i] > 126)
            return 0;
    sum = set_c ? C128_START_C : C128_START_B;
    at = put_symbol(sum, widths, at, cap);
    for (size_t i = 0; i < len; i += set_c ? 2 : 1) {
        int value = set_c ? (data[i] - '0') * 10 + (data[i + 1] - '0') : data[i] - 32;
        sum += value * weight++;
        at = put_symbol(value, widths, at, cap);
    }
    at = put_symbol(sum % 103, widths, at, cap);
    return put_symbol(C128_STOP, widths, at, cap);
}

static size_t total_modules(const unsigned char *widths, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += widths[i];
    return m;
}

static double area_width(const kpi_pdf_job *job, const kp_row *row)
{
    int w = row->area_width > 0 ? row->area_width : job->layout->cpl;
    return w * job->cell;
}

static double area_x(const kpi_pdf_job *job, const kp_row *row, double width)
{
    double left = kpi_pdf_cell_x(job, row->area_width > 0 ? row->area_left : 0);
    double room = area_width(job, row) - width;
    if (room < 0)
        room = 0;
    return left + (row->align == KP_ALIGN_CENTER ? room / 2 : row->align == KP_ALIGN_RIGHT ? room : 0);
}

/* ---- QR ---- */

static QRecLevel qr_level(char level)
{
    switch (level) {
    case 'm': return QR_ECLEVEL_M;
    case 'q': return QR_ECLEVEL_Q;
    case 'h': return QR_ECLEVEL_H;
    default: return QR_ECLEVEL_L;
    }
}

static double qr_module(const kpi_pdf_job *job, const kp_row *row, const QRcode *qr)
{
    int cell = row->code.cell >= 1 && row->code.cell <= 16 ? row->code.cell : 3;
    double module = cell * job->dot, room = area_width(job, row);
    if (module * qr->width > room)
        module = room / qr->width;
    return module;
}

/* ---- measuring ---- */

static double barcode_height(const kpi_pdf_job *job, const kp_row *row)
{
    int h = row->code.height >= 1 && row->code.height <= 480 ? row->code.height : 72;
    return h * job->dot;
}

void kpi_pdf_measure_code(kpi_pdf_job *job, const kp_row *row, kpi_pdf_row_box *box)
{
    const char *data = row->code.data;
    unsigned char widths[6 * 259 + 1];

    box->height = 0;
    if (!data || !*data)
        return;
    if (row->code.type == KP_CODE_QR) {
        box->qr = QRcode_encodeString(data, 0, qr_level(row->code.level), QR_MODE_8, 1);
        if (box->qr)
            box->height = qr_module(job, row, box->qr) * box->qr->width + job->line_h;
        return;
    }
    box->height = job->line_h;   /* the text, or the gap under the bars */
    if (row->code.type == KP_CODE_CODE128 && strlen(data) <= 255 &&
        kpi_pdf_code128(data, widths, sizeof widths) > 0)
        box->height += barcode_height(job, row) + (row->code.hri ? job->line_h : 0);
}

/* libpng aborts the program on a broken PNG inside libharu, so every image
 * is decoded once here first (libpng's simplified API reports, never aborts). */
static bool png_is_sound(const unsigned char *png, size_t len)
{
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, png, len))
        return false;
    if (image.width == 0 || image.height == 0 || image.width > 4096 || image.height > 16384) {
        png_image_free(&image);
        return false;
    }
    image.format = PNG_FORMAT_GRAY;
    void *pixels = malloc(PNG_IMAGE_SIZE(image));
    if (!pixels) {
        png_image_free(&image);
        return false;
    }
    int ok = png_image_finish_read(&image, NULL, pixels, 0, NULL);
    free(pixels);
    png_image_free(&image);
    return ok != 0;
}

void kpi_pdf_measure_image(kpi_pdf_job *job, const kp_row *row, kpi_pdf_row_box *box)
{
    box->height = 0;
    if (!row->image.png || row->image.png_len < 8 || row->image.png_len > 16u * 1024 * 1024 ||
        !png_is_sound(row->image.png, row->image.png_len))
        return;
    job->soft = true;   /* a PNG libharu cannot read is left out */
    box->image = HPDF_LoadPngImageFromMem(job->doc, row->image.png, (HPDF_UINT)row->image.png_len);
    job->soft = false;
    if (!box->image) {
        HPDF_ResetError(job->doc);
        return;
    }
    box->image_w = HPDF_Image_GetWidth(box->image) * job->dot;
    box->image_h = HPDF_Image_GetHeight(box->image) * job->dot;
    double room = area_width(job, row);
    if (box->image_w > room) {
        box->image_h *= room / box->image_w;
        box->image_w = room;
    }
    box->height = box->image_h;
}

/* ---- drawing ---- */

static void draw_qr(kpi_pdf_job *job, const kp_row *row, const kpi_pdf_row_box *box)
{
    const QRcode *qr = box->qr;
    HPDF_Page page = job->page;
    double m = qr_module(job, row, qr), size = m * qr->width;
    double left = area_x(job, row, size), top = job->y - job->line_h / 2;

    for (int y = 0; y < qr->width; y++) {
        for (int x = 0; x < qr->width;) {
            if (!(qr->data[y * qr->width + x] & 1)) {
                x++;
                continue;
            }
            int run = x;
            while (run < qr->width && (qr->data[y * qr->width + run] & 1))
                run++;
            HPDF_Page_Rectangle(page, (HPDF_REAL)(left + x * m), (HPDF_REAL)(top - (y + 1) * m),
                                (HPDF_REAL)((run - x) * m), (HPDF_REAL)m);
            x = run;
        }
    }
    HPDF_Page_Fill(page);
}

static void draw_centered_text(kpi_pdf_job *job, const char *text, double cx, double baseline)
{
    HPDF_Page page = job->page;
    kp_buf_reset(&job->text);
    if (kpi_pdf_fit_text(&job->r->cmap, text, &job->text) != KP_OK)
        kpi_pdf_fail(job, HPDF_FAILD_TO_ALLOC_MEM);
    kpi_pdf_use_font(job, job->font, job->font_size);
    double w = HPDF_Page_TextWidth(page, kp_buf_str(&job->text));
    HPDF_Page_BeginText(page);
    kpi_pdf_show_fitted(job, job->font, job->font_size, cx - w / 2, baseline, 0, 1,
                        kp_buf_str(&job->text));
    HPDF_Page_EndText(page);
}

static void draw_bars(kpi_pdf_job *job, const kp_row *row, const unsigned char *widths, size_t n)
{
    HPDF_Page page = job->page;
    int mw = row->code.module_width >= 1 && row->code.module_width <= 8 ? row->code.module_width : 2;
    size_t modules = total_modules(widths, n) + 2 * QUIET_MODULES;
    double module = mw * job->dot, room = area_width(job, row);
    if (module * modules > room)
        module = room / modules;
    double x = area_x(job, row, module * modules) + QUIET_MODULES * module;
    double h = barcode_height(job, row), top = job->y;

    for (size_t i = 0; i < n; i++) {
        if (i % 2 == 0)
            HPDF_Page_Rectangle(page, (HPDF_REAL)x, (HPDF_REAL)(top - h),
                                (HPDF_REAL)(widths[i] * module), (HPDF_REAL)h);
        x += widths[i] * module;
    }
    HPDF_Page_Fill(page);
    if (row->code.hri) {
        double cx = area_x(job, row, module * modules) + module * modules / 2;
        draw_centered_text(job, row->code.data, cx, top - h - job->line_h * (1 - 0.28));
    }
}

void kpi_pdf_draw_code_row(kpi_pdf_job *job, const kp_row *row, const kpi_pdf_row_box *box)
{
    unsigned char widths[6 * 259 + 1];
    size_t n = 0;

    if (box->qr) {
        draw_qr(job, row, box);
        return;
    }
    if (row->code.type == KP_CODE_CODE128 && strlen(row->code.data) <= 255)
        n = kpi_pdf_code128(row->code.data, widths, sizeof widths);
    if (n > 0) {
        draw_bars(job, row, widths, n);
        return;
    }
    /* a symbology not drawn here: its human-readable text */
    double cx = area_x(job, row, area_width(job, row)) + area_width(job, row) / 2;
    draw_centered_text(job, row->code.data, cx, job->y - job->line_h * (1 - 0.28));
}

void kpi_pdf_draw_image_row(kpi_pdf_job *job, const kp_row *row, const kpi_pdf_row_box *box)
{
    if (!box->image)
        return;
    double x = area_x(job, row, box->image_w);
    HPDF_Page_DrawImage(job->page, box->image, (HPDF_REAL)x, (HPDF_REAL)(job->y - box->image_h),
                        (HPDF_REAL)box->image_w, (HPDF_REAL)box->image_h);
}
