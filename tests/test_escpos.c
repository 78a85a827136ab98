/* test_escpos.c: the ESC/POS renderer, checked by reading its bytes back
 * with tests/escpos_decode.c, and against golden files for a few layouts
 * built by hand (KP_UPDATE_GOLDEN=1 rewrites them, on purpose only). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escpos_decode.h"
#include "kaspipos/escpos.h"
#include <qrencode.h>
#include "kaspipos/profile.h"

/* ---- building layouts by hand ---------------------------------------- */

static const kp_style plain = { .scale_w = 1, .scale_h = 1 };

static kp_layout *layout_new(int cpl)
{
    kp_layout *l = calloc(1, sizeof *l);
    assert_non_null(l);
    l->cpl = cpl;
    return l;
}

static kp_row *add_row(kp_layout *l, kp_row_kind kind)
{
    kp_row *row;
    l->rows = realloc(l->rows, (l->n_rows + 1) * sizeof *l->rows);
    assert_non_null(l->rows);
    row = &l->rows[l->n_rows++];
    memset(row, 0, sizeof *row);
    row->kind = kind;
    row->height = 1;
    row->area_width = l->cpl;
    row->align = KP_ALIGN_CENTER;
    return row;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void add_span(kp_row *row, int column, const char *text, kp_style style)
{
    kp_span *span;
    row->spans = realloc(row->spans, (row->n_spans + 1) * sizeof *row->spans);
    assert_non_null(row->spans);
    span = &row->spans[row->n_spans++];
    memset(span, 0, sizeof *span);
    span->column = column;
    span->style = style;
    if (text) {
        span->text = strdup(text);
        span->cells = (int)utf8_chars(text) * style.scale_w;
    } else {
        span->vrule = true;
        span->cells = 1;
    }
    if (style.scale_h > row->height)
        row->height = style.scale_h;
}

static kp_row *add_text(kp_layout *l, int column, const char *text, kp_style style)
{
    kp_row *row = add_row(l, KP_ROW_TEXT);
    add_span(row, column, text, style);
    return row;
}

/* A row with text at the left and text that ends at the right edge. */
static void add_left_right(kp_layout *l, const char *left, const char *right)
{
    kp_row *row = add_row(l, KP_ROW_TEXT);
    add_span(row, 0, left, plain);
    add_span(row, l->cpl - (int)utf8_chars(right), right, plain);
}

static void add_rule(kp_layout *l, int column, const char *rule)
{
    kp_row *row = add_row(l, KP_ROW_RULE);
    row->column = column;
    row->rule = strdup(rule);
}

static kp_row *add_code(kp_layout *l, kp_code_type type, const char *data)
{
    kp_row *row = add_row(l, KP_ROW_CODE);
    row->code.type = type;
    row->code.data = strdup(data);
    row->code.module_width = 2;
    row->code.height = 72;
    row->code.hri = true;
    row->code.cell = 3;
    row->code.level = 'l';
    return row;
}

static void layout_free(kp_layout *l)
{
    for (size_t i = 0; i < l->n_rows; i++) {
        kp_row *row = &l->rows[i];
        for (size_t s = 0; s < row->n_spans; s++)
            free(row->spans[s].text);
        free(row->spans);
        free(row->rule);
        free(row->code.data);
        free(row->image.png);
        free(row->command);
    }
    free(l->rows);
    free(l);
}

/* ---- profiles and rendering ------------------------------------------ */

static kp_profile_set *profiles;

static int setup(void **state)
{
    char path[4096];
    const char *top = getenv("top_srcdir");
    kp_error err;
    (void)state;
    snprintf(path, sizeof path, "%s/data/profiles.conf", top ? top : ".");
    if (kp_profile_load(path, &profiles, &err) != KP_OK) {
        fprintf(stderr, "%s\n", err.message);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    kp_profile_set_free(profiles);
    return 0;
}

static const kp_profile *profile(const char *name)
{
    const kp_profile *p = kp_profile_find(profiles, name);
    if (!p)
        fail_msg("no profile %s", name);
    return p;
}

/* Renders and decodes; fails the test on either error. */
static void render(const kp_layout *l, const char *name, const kp_escpos_options *opt,
                   kp_buf *out, escpos_decoded *d)
{
    kp_error err;
    kp_buf_init(out, 0);
    if (kp_escpos_render(l, profile(name), opt, out, &err) != KP_OK)
        fail_msg("render on %s: %s", name, err.message);
    if (!escpos_decode(out->data, out->len, profile(name), d))
        fail_msg("decode on %s: %s", name, d->error);
}

/* The transcript's printed lines only (markers removed). */
static char *text_lines(const escpos_decoded *d)
{
    const char *s = kp_buf_str(&d->transcript);
    kp_buf b = KP_BUF_INIT;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (s[0] != '[' || n == 0 || s[n - 1] != ']') {
            kp_buf_append(&b, s, n);
            kp_buf_putc(&b, '\n');
        }
        s += n + (nl != NULL);
    }
    return kp_buf_steal(&b, NULL) ?: strdup("");
}

static void assert_has_line(const escpos_decoded *d, const char *line)
{
    char *lines = text_lines(d), *want = malloc(strlen(line) + 3);
    sprintf(want, "\n%s\n", line);
    if (strncmp(lines, want + 1, strlen(want + 1)) != 0 && !strstr(lines, want))
        fail_msg("no line [%s] in:\n%s", line, lines);
    free(want);
    free(lines);
}

/* ---- text, code pages and fallbacks ---------------------------------- */

#define KAZAKH_1 "Қазақстан Республикасы"
#define KAZAKH_2 "Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі"

static void kazakh_text_survives_on_rk1048_and_pt154(void **state)
{
    static const char *const names[] = { "kz-rk1048-80", "kz-pt154-80", "epson-tm-t88" };
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        kp_layout *l = layout_new(40);
        kp_buf out;
        escpos_decoded d;
        add_text(l, 0, KAZAKH_1, plain);
        add_text(l, 4, KAZAKH_2, plain);
        render(l, names[i], NULL, &out, &d);
        assert_has_line(&d, KAZAKH_1);
        assert_has_line(&d, "    " KAZAKH_2);
        assert_int_equal(d.selects, 1);
        escpos_decoded_free(&d);
        kp_buf_free(&out);
        layout_free(l);
    }
}

static void kazakh_text_degrades_on_cp866_and_cp1251(void **state)
{
    kp_layout *l = layout_new(48);
    kp_buf out;
    escpos_decoded d;
    (void)state;
    add_text(l, 0, KAZAKH_1, plain);
    add_text(l, 0, KAZAKH_2, plain);
    render(l, "80mm", NULL, &out, &d);
    assert_has_line(&d, "Казакстан Республикасы");
    assert_has_line(&d, "Аа Гг Кк Нн Оо Уу Уу Хх Ii");
    escpos_decoded_free(&d);
    kp_buf_free(&out);
    render(l, "epson-wpc1251-80", NULL, &out, &d);
    assert_has_line(&d, "Казакстан Республикасы");
    assert_has_line(&d, "Аа Гг Кк Нн Оо Уу Уу Хх Іі");
    escpos_decoded_free(&d);
    kp_buf_free(&out);
    layout_free(l);
}

static void tenge_becomes_tg_and_stays_inside_the_line(void **state)
{
    kp_layout *l = layout_new(32);
    kp_buf out;
    escpos_decoded d;
    (void)state;
    add_left_right(l, "Сумма", "1 500 ₸");
    add_left_right(l, "Итого к оплате по чеку:", "12 345 ₸");
    add_text(l, 0, "₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸", plain);
    render(l, "58mm", NULL, &out, &d);
    /* "тг" is one cell wider than ₸: the right column moves left into the gap. */
    assert_has_line(&d, "Сумма                   1 500 тг");
    assert_has_line(&d, "Итого к оплате по чеку:12 345 тг");
    assert_has_line(&d, "тгтгтгтгтгтгтгтгтгтгтгтгтгтгтгтг");
    assert_int_equal(d.widest_line, 32);
    escpos_decoded_free(&d);
    kp_buf_free(&out);
    layout_free(l);
}

static void hostile_text_sends_no_command(void **state)
{
    static const char *const names[] = { "80mm", "kz-rk1048-80", "star-tsp100" };
    kp_layout *l = layout_new(48);
    kp_row *row;
    (void)state;
    add_text(l, 0, "A\x1b@B\x1dV\x42\x03" "C\x1bp\x00", plain);
    row = add_row(l, KP_ROW_TEXT);
    add_span(row, 2, "\x1c.\x10\x04\x01\x7f\x1b!\x30", plain);
    add_span(row, 20, "\xC2\x9B" "2J\xE2\x80\xA8x", plain);   /* C1 CSI, line separator */
    for (size_t i = 0; i < 3; i++) {
        kp_buf out;
        escpos_decoded d;
        render(l, names[i], NULL, &out, &d);
        assert_has_line(&d, "A?@B?VB?C?p");
        assert_has_line(&d, "  ?.????" "?!0         ?2J?x");
        assert_int_equal(d.inits, 1);
        assert_int_equal(d.cuts, 1);
        assert_int_equal(d.drawer_pulses, 0);
        assert_false(d.size_seen);
        escpos_decoded_free(&d);
        kp_buf_free(&out);
    }
    layout_free(l);
}

static void styles_and_scaled_text_fit_the_line(void **state)
{
    kp_layout *l = layout_new(48);
    kp_style big = { .bold = true, .scale_w = 2, .scale_h = 2 };
    kp_style under = { .underline = true, .invert = true, .scale_w = 1, .scale_h = 1 };
    kp_row *row;
    kp_buf out;
    escpos_decoded d;
    (void)state;
    row = add_row(l, KP_ROW_TEXT);
    add_span(row, 0, "ИТОГО", big);                 /* 10 cells */
    add_span(row, 36, "1 500 ₸", big);              /* 14 cells, ₸ → тг: 16 */
    add_text(l, 42, "abcdef", under);
    row = add_row(l, KP_ROW_TEXT);                  /* a span wider than the line */
    add_span(row, 0, "0123456789012345678901234567890123456789012345678901234567", plain);
    render(l, "80mm", NULL, &out, &d);
    /* 10 cells of ИТОГО, 22 spaces, then 8 double-width characters:
     * "1 500 тг" is one character longer than "1 500 ₸", so it starts at
     * cell 32 instead of 36 and still ends at the edge. */
    assert_has_line(&d, "ИТОГО                      1 500 тг");
    assert_has_line(&d, "                                          abcdef");
    assert_has_line(&d, "012345678901234567890123456789012345678901234567");
    assert_true(d.bold_seen && d.underline_seen && d.invert_seen && d.size_seen);
    assert_int_equal(d.widest_line, 48);
    escpos_decoded_free(&d);
    kp_buf_free(&out);
    layout_free(l);
}

static void table_rules_use_box_drawing_where_the_code_page_has_it(void **state)
{
    kp_layout *l = layout_new(32);
    kp_row *row;
    kp_buf out;
    escpos_decoded d;
    (void)state;
    add_rule(l, 0, "+-----+-----+");
    row = add_row(l, KP_ROW_TEXT);
    add_span(row, 0, NULL, plain);
    add_span(row, 1, "Чай", plain);
    add_span(row, 6, NULL, plain);
    add_span(row, 7, "500", plain);
    add_span(row, 12, NULL, plain);
    add_rule(l, 0, "+-----+-----+");
    add_rule(l, 2, "--------");
    render(l, "58mm", NULL, &out, &d);
    assert_has_line(&d, "┌─────┬─────┐");
    assert_has_line(&d, "│Чай  │500  │");
    assert_has_line(&d, "└─────┴─────┘");
    assert_has_line(&d, "  ────────");
    escpos_decoded_free(&d);
    kp_buf_free(&out);
    render(l, "kz-rk1048-58", NULL, &out, &d);
    assert_has_line(&d, "+-----+-----+");
    assert_has_line(&d, "|Чай  |500  |");
    assert_has_line(&d, "  --------");
    escpos_decoded_free(&d);
    kp_buf_free(&out);
    layout_free(l);
}

static void too_wide_layout_uses_font_b_or_fails(void **state)
{
    kp_layout *l = layout_new(48);
    kp_buf out;
    escpos_decoded d;
    kp_error err;
    (void)state;
    add_left_right(l, "Left", "Right");
    render(l, "epson-tm-t88", NULL, &out, &d);       /* 42 in font A, 56 in font B */
    assert_true(d.font_b);
    assert_has_line(&d, "Left                                       Right");
    escpos_decoded_free(&d);
    kp_buf_free(&out);
    l->cpl = 64;
    kp_buf_init(&out, 0);
    assert_int_equal(kp_escpos_render(l, profile("58mm"), NULL, &out, &err), KP_ERR_USAGE);
    assert_non_null(strstr(err.message, "58mm"));
    kp_buf_free(&out);
    layout_free(l);
}

/* ---- cuts, drawer, commands ------------------------------------------ */

static void cuts_feeds_and_drawer_follow_profile_and_options(void **state)
{
    kp_layout *l = layout_new(32);
    kp_escpos_options opt = KP_ESCPOS_OPTIONS_DEFAULT;
    kp_buf out;
    escpos_decoded d;
    (void)state;
    add_text(l, 0, "one", plain);
    add_row(l, KP_ROW_CUT);
    add_text(l, 0, "two", plain);
    add_row(l, KP_ROW_TEXT);       /* an empty line */
    render(l, "58mm", NULL, &out, &d);
    assert_int_equal(d.cuts, 2);
    assert_int_equal(d.drawer_pulses, 0);
    assert_string_equal(kp_buf_str(&d.transcript), "one\n[CUT]\ntwo\n\n[CUT]\n");
    escpos_decoded_free(&d);
    kp_buf_free(&out);

    opt.cut = false;
    opt.drawer = true;
    render(l, "58mm", &opt, &out, &d);
    assert_int_equal(d.cuts, 1);
    assert_int_equal(d.drawer_pulses, 1);
    assert_memory_equal(out.data + out.len - 5, "\x1bp\x00\x19\xfa", 5);
    escpos_decoded_free(&d);
    kp_buf_free(&out);

    opt.cut = true;                 /* no cutter, no drawer port: feeds instead */
    render(l, "kz-rk1048-58", &opt, &out, &d);
    assert_int_equal(d.cuts, 0);
    assert_int_equal(d.drawer_pulses, 0);
    assert_string_equal(kp_buf_str(&d.transcript), "one\n[FEED 4]\ntwo\n\n[FEED 4]\n");
    escpos_decoded_free(&d);
    kp_buf_free(&out);

    add_row(l, KP_ROW_CUT);         /* ends with a cut: no second one */
    render(l, "58mm", NULL, &out, &d);
    assert_int_equal(d.cuts, 2);
    escpos_decoded_free(&d);
    kp_buf_free(&out);
    layout_free(l);
}

static void command_rows_are_dropped_unless_allowed(void **state)
{
    kp_layout *l = layout_new(48);
    kp_escpos_options opt = KP_ESCPOS_OPTIONS_DEFAULT;
    kp_row *row;
    kp_buf out;
    escpos_decoded d;
    (void)state;
    add_text(l, 0, "before", plain);
    row = add_row(l, KP_ROW_COMMAND);
    row->command = strdup("\x1b@");
    add_text(l, 0, "after", plain);
    render(l, "80mm", NULL, &out, &d);
    assert_int_equal(d.inits, 1);
    assert_int_equal(d.selects, 1);
    escpos_decoded_free(&d);
    kp_buf_free(&out);
    opt.allow_commands = true;      /* sent, then the code page is selected again */
    render(l, "80mm", &opt, &out, &d);
    assert_int_equal(d.inits, 2);
    assert_int_equal(d.selects, 2);
    assert_has_line(&d, "after");
    escpos_decoded_free(&d);
    kp_buf_free(&out);
    layout_free(l);
}

/* ---- codes ------------------------------------------------------------- */

static void qr_is_native_or_raster(void **state)
{
    kp_layout *l = layout_new(32);
    kp_escpos_options opt = KP_ESCPOS_OPTIONS_DEFAULT;
    kp_row *row;
    kp_buf out;
    escpos_decoded d;
    (void)state;
    row = add_code(l, KP_CODE_QR, "https://kaspi.kz/pay?id=12345");
    row->code.cell = 4;
    row->code.level = 'm';
    render(l, "58mm", NULL, &out, &d);
    assert_int_equal(d.qr_codes, 1);
    assert_int_equal(d.rasters, 0);
    assert_non_null(strstr(kp_buf_str(&d.transcript),
                           "[ALIGN 1]\n[QR cell=4 level=M https://kaspi.kz/pay?id=12345]\n[ALIGN 0]\n"));
    escpos_decoded_free(&d);
    kp_buf_free(&out);

    /* Version 3 (29 modules) at 4 dots: 116 dots, sent as 15 bytes a row. */
    render(l, "kz-rk1048-58", NULL, &out, &d);
    assert_int_equal(d.qr_codes, 0);
    assert_int_equal(d.rasters, 1);
    assert_int_equal(d.last_raster_width, 120);
    assert_int_equal(d.last_raster_height, 116);
    escpos_decoded_free(&d);
    kp_buf_free(&out);

    opt.raster_qr = true;
    render(l, "58mm", &opt, &out, &d);
    assert_int_equal(d.qr_codes, 0);
    assert_int_equal(d.rasters, 1);
    assert_int_equal(d.last_raster_height, 116);
    escpos_decoded_free(&d);
    kp_buf_free(&out);
    layout_free(l);
}

static void qr_shrinks_to_its_area_or_is_left_out(void **state)
{
    kp_layout *l = layout_new(32);
    kp_row *row;
    char big[3000];
    kp_buf out;
    escpos_decoded d;
    (void)state;
    row = add_code(l, KP_CODE_QR, "0123456789ABCDEF0123456789");   /* 25 modules */
    row->code.cell = 8;
    row->area_left = 20;
    row->area_width = 12;                                          /* 144 dots */
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    add_code(l, KP_CODE_QR, big);                                  /* over QR's limit */
    render(l, "58mm", NULL, &out, &d);
    assert_int_equal(d.qr_codes, 1);
    assert_non_null(strstr(kp_buf_str(&d.transcript),
                           "[AREA L 240]\n[AREA W 144]\n[ALIGN 1]\n[QR cell=5 level=L"));
    assert_non_null(strstr(kp_buf_str(&d.transcript), "[AREA L 0]\n[AREA W 384]\n"));
    escpos_decoded_free(&d);
    kp_buf_free(&out);
    layout_free(l);
}

static void barcodes_are_well_formed_or_left_out(void **state)
{
    kp_layout *l = layout_new(48);
    kp_row *row;
    kp_buf out;
    escpos_decoded d;
    (void)state;
    add_code(l, KP_CODE_CODE128, "TX-{42}");
    row = add_code(l, KP_CODE_EAN, "4006381333931");
    row->align = KP_ALIGN_RIGHT;
    add_code(l, KP_CODE_EAN, "1234567");
    add_code(l, KP_CODE_UPC, "01234567890");
    add_code(l, KP_CODE_ITF, "123456");
    add_code(l, KP_CODE_CODE39, "abc-1");
    add_code(l, KP_CODE_CODABAR, "A40156B");
    add_code(l, KP_CODE_CODE93, "Code 93");
    add_code(l, KP_CODE_EAN, "12ab");          /* not digits */
    add_code(l, KP_CODE_ITF, "123");           /* odd length */
    add_code(l, KP_CODE_CODE128, "\x1b@");     /* control bytes */
    add_code(l, KP_CODE_CODABAR, "123");       /* no start/stop */
    render(l, "80mm", NULL, &out, &d);
    assert_int_equal(d.barcodes, 8);
    assert_non_null(strstr(kp_buf_str(&d.transcript), "[BARCODE m=73 {BTX-{{42}]"));
    assert_non_null(strstr(kp_buf_str(&d.transcript), "[ALIGN 2]\n[BARCODE m=67 4006381333931]"));
    assert_non_null(strstr(kp_buf_str(&d.transcript), "[BARCODE m=68 1234567]"));
    assert_non_null(strstr(kp_buf_str(&d.transcript), "[BARCODE m=65 01234567890]"));
    assert_non_null(strstr(kp_buf_str(&d.transcript), "[BARCODE m=70 123456]"));
    assert_non_null(strstr(kp_buf_str(&d.transcript), "[BARCODE m=69 ABC-1]"));
    assert_non_null(strstr(kp_buf_str(&d.transcript), "[BARCODE m=71 A40156B]"));
    assert_non_null(strstr(kp_buf_str(&d.transcript), "[BARCODE m=72 Code 93]"));
    escpos_decoded_free(&d);
    kp_buf_free(&out);
    layout_free(l);
}

/* ---- images ------------------------------------------------------------ */

/* A gray+alpha PNG: black left half, white right half, transparent bottom rows. */
static void make_png(kp_image *img, int w, int h)
{
    png_image image;
    unsigned char *pixels = malloc((size_t)w * (size_t)h * 2);
    png_alloc_size_t size = 0;

    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            pixels[(y * w + x) * 2] = x < w / 2 ? 0 : 255;
            pixels[(y * w + x) * 2 + 1] = y < h - 2 ? 255 : 0;
        }
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)w;
    image.height = (png_uint_32)h;
    image.format = PNG_FORMAT_GA;
    assert_true(png_image_write_to_memory(&image, NULL, &size, 0, pixels, 0, NULL));
    img->png = malloc(size);
    assert_true(png_image_write_to_memory(&image, img->png, &size, 0, pixels, 0, NULL));
    img->png_len = size;
    free(pixels);
}

/* The bits of the first GS v 0 band. */
static const unsigned char *first_band(const kp_buf *out, int *stride)
{
    const unsigned char *p = (const unsigned char *)out->data;
    for (size_t i = 0; i + 8 < out->len; i++)
        if (p[i] == 0x1d && p[i + 1] == 'v' && p[i + 2] == '0') {
            *stride = p[i + 4] | p[i + 5] << 8;
            return p + i + 8;
        }
    fail_msg("no GS v 0");
    return NULL;
}

static void png_logo_is_rasterized_to_fit(void **state)
{
    kp_layout *l = layout_new(32);
    kp_row *row;
    kp_buf out;
    escpos_decoded d;
    const unsigned char *bits;
    int stride;
    (void)state;
    row = add_row(l, KP_ROW_IMAGE);
    make_png(&row->image, 100, 40);
    render(l, "58mm", NULL, &out, &d);
    assert_int_equal(d.rasters, 1);
    assert_int_equal(d.raster_bands, 1);
    assert_int_equal(d.last_raster_width, 104);       /* 13 bytes a row */
    assert_int_equal(d.last_raster_height, 40);
    bits = first_band(&out, &stride);
    assert_int_equal(stride, 13);
    assert_int_equal(bits[0], 0xFF);                   /* black stays black */
    assert_int_equal(bits[12], 0x00);                  /* white stays white */
    assert_int_equal(bits[39 * 13], 0x00);             /* transparent is paper */
    escpos_decoded_free(&d);
    kp_buf_free(&out);

    free(row->image.png);                              /* wider than the paper */
    make_png(&row->image, 1000, 300);
    render(l, "58mm", NULL, &out, &d);
    assert_int_equal(d.last_raster_width, 384);
    assert_int_equal(d.last_raster_height, 115);
    escpos_decoded_free(&d);
    kp_buf_free(&out);

    free(row->image.png);                              /* taller than a band */
    make_png(&row->image, 64, 600);
    render(l, "58mm", NULL, &out, &d);
    assert_int_equal(d.rasters, 1);
    assert_int_equal(d.raster_bands, 5);
    assert_int_equal(d.last_raster_height, 600);
    escpos_decoded_free(&d);
    kp_buf_free(&out);

    row->image.png[1] = 'X';                           /* broken: left out */
    render(l, "58mm", NULL, &out, &d);
    assert_int_equal(d.rasters, 0);
    escpos_decoded_free(&d);
    kp_buf_free(&out);
    layout_free(l);
}

static void gray_is_dithered(void **state)
{
    kp_layout *l = layout_new(32);
    kp_row *row;
    png_image image;
    unsigned char gray[64 * 64];
    png_alloc_size_t size = 0;
    kp_buf out;
    escpos_decoded d;
    const unsigned char *bits;
    int stride, black = 0;
    (void)state;
    memset(gray, 128, sizeof gray);
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = image.height = 64;
    image.format = PNG_FORMAT_GRAY;
    assert_true(png_image_write_to_memory(&image, NULL, &size, 0, gray, 0, NULL));
    row = add_row(l, KP_ROW_IMAGE);
    row->image.png = malloc(size);
    assert_true(png_image_write_to_memory(&image, row->image.png, &size, 0, gray, 0, NULL));
    row->image.png_len = size;
    render(l, "58mm", NULL, &out, &d);
    bits = first_band(&out, &stride);
    for (int i = 0; i < 64 * stride; i++)
        black += __builtin_popcount(bits[i]);
    /* sRGB 128 is about half: close to half the dots are black. */
    assert_true(black > 64 * 64 * 4 / 10 && black < 64 * 64 * 6 / 10);
    escpos_decoded_free(&d);
    kp_buf_free(&out);
    layout_free(l);
}

/* ---- golden files ----------------------------------------------------- */

static kp_layout *sample_receipt(int cpl, bool with_image)
{
    kp_layout *l = layout_new(cpl);
    kp_style title = { .bold = true, .scale_w = 2, .scale_h = 2 };
    kp_style inv = { .invert = true, .scale_w = 1, .scale_h = 1 };
    kp_style under = { .underline = true, .scale_w = 1, .scale_h = 1 };
    kp_row *row;
    int half = cpl / 2;
    char rule[97];

    if (with_image) {
        row = add_row(l, KP_ROW_IMAGE);
        make_png(&row->image, 48, 24);
    }
    add_text(l, (cpl - 20) / 2, "KASPI.KZ", title);
    add_text(l, (cpl - 15) / 2, "Оплата / Төлем", under);
    memset(rule, '-', (size_t)cpl);
    rule[cpl] = '\0';
    add_rule(l, 0, rule);
    add_left_right(l, "Терминал", "30012345");
    add_left_right(l, "Чек №", "000123");
    add_left_right(l, "Дата", "30.11.2026 09:15");
    row = add_row(l, KP_ROW_TEXT);
    add_span(row, 0, "СУММА", inv);
    add_span(row, cpl - 10, "1 500 ₸", title);
    memset(rule, ' ', (size_t)cpl);
    rule[0] = rule[half] = rule[cpl - 1] = '+';
    memset(rule + 1, '-', (size_t)half - 1);
    memset(rule + half + 1, '-', (size_t)(cpl - half - 2));
    add_rule(l, 0, rule);
    row = add_row(l, KP_ROW_TEXT);
    add_span(row, 0, NULL, plain);
    add_span(row, 1, "Қарта", plain);
    add_span(row, half, NULL, plain);
    add_span(row, half + 1, "**** 1234", plain);
    add_span(row, cpl - 1, NULL, plain);
    add_rule(l, 0, rule);
    add_text(l, 0, "«Спасибо» — рахмет!", plain);
    add_code(l, KP_CODE_QR, "https://kaspi.kz/check/000123");
    add_code(l, KP_CODE_CODE128, "000123");
    add_row(l, KP_ROW_CUT);
    add_text(l, 0, "Копия", plain);
    return l;
}

static void check_golden(const char *name, const kp_buf *out)
{
    char path[4096];
    const char *top = getenv("top_srcdir");
    const char *update = getenv("KP_UPDATE_GOLDEN");
    FILE *f;
    kp_buf want = KP_BUF_INIT;
    char chunk[4096];
    size_t n;

    snprintf(path, sizeof path, "%s/tests/golden/escpos/%s.bin", top ? top : ".", name);
    if (update && !strcmp(update, "1")) {
        f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(out->data, 1, out->len, f), out->len);
        fclose(f);
        return;
    }
    f = fopen(path, "rb");
    if (!f)
        fail_msg("%s is missing: run with KP_UPDATE_GOLDEN=1 to create it", path);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        kp_buf_append(&want, chunk, n);
    fclose(f);
    if (want.len != out->len || memcmp(want.data, out->data, out->len) != 0)
        fail_msg("%s differs from the output (%zu vs %zu bytes); if the change is meant, "
                 "rerun with KP_UPDATE_GOLDEN=1", path, want.len, out->len);
    kp_buf_free(&want);
}

static void golden_receipts(void **state)
{
    static const struct { const char *file, *profile; int cpl; bool image, drawer; } cases[] = {
        { "receipt-80mm", "80mm", 48, true, false },
        { "receipt-58mm", "58mm", 32, false, false },
        { "receipt-kz-rk1048-80", "kz-rk1048-80", 48, false, true },
        { "receipt-kz-pt154-80", "kz-pt154-80", 48, false, false },
        { "receipt-kz-rk1048-58", "kz-rk1048-58", 32, true, false },
        { "receipt-star-tsp100", "star-tsp100", 48, false, false },
        { "receipt-epson-tm-t88", "epson-tm-t88", 48, false, false },
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kp_layout *l = sample_receipt(cases[i].cpl, cases[i].image);
        kp_escpos_options opt = KP_ESCPOS_OPTIONS_DEFAULT;
        kp_buf out;
        escpos_decoded d;
        opt.drawer = cases[i].drawer;
        render(l, cases[i].profile, &opt, &out, &d);
        if (getenv("KP_SHOW_TRANSCRIPT"))
            fprintf(stderr, "--- %s\n%s", cases[i].file, kp_buf_str(&d.transcript));
        check_golden(cases[i].file, &out);
        escpos_decoded_free(&d);
        kp_buf_free(&out);
        layout_free(l);
    }
}

static void renderer_object_matches_one_shot_render(void **state)
{
    kp_layout *a = sample_receipt(48, true), *b = layout_new(48);
    kp_escpos *e;
    kp_buf one = KP_BUF_INIT, reused = KP_BUF_INIT, limited;
    kp_error err;
    (void)state;
    add_text(b, 0, "Қысқа чек ₸", plain);
    assert_int_equal(kp_escpos_new(profile("kz-pt154-80"), NULL, &e, &err), KP_OK);
    for (int round = 0; round < 3; round++) {
        const kp_layout *l = round == 1 ? b : a;
        kp_buf_reset(&one);
        kp_buf_reset(&reused);
        assert_int_equal(kp_escpos_render(l, profile("kz-pt154-80"), NULL, &one, &err), KP_OK);
        assert_int_equal(kp_escpos_write(e, l, &reused, &err), KP_OK);
        assert_int_equal(one.len, reused.len);
        assert_memory_equal(one.data, reused.data, one.len);
    }
    kp_buf_init(&limited, 100);                       /* a bounded output */
    assert_int_equal(kp_escpos_write(e, a, &limited, &err), KP_ERR_TOO_LARGE);
    assert_non_null(strstr(err.message, "limit"));
    kp_buf_free(&limited);
    kp_escpos_free(e);
    kp_buf_free(&one);
    kp_buf_free(&reused);
    layout_free(a);
    layout_free(b);
}

/* The decoder must be able to fail, or the tests above prove nothing. */
static void decoder_refuses_malformed_streams(void **state)
{
#define S(lit) lit, sizeof(lit) - 1
    static const struct { const char *bytes; size_t len; const char *why; } bad[] = {
        { S("\x1b@\x1bt\x11" "abc"), "no LF" },
        { S("\x1b@\x1bt\x11\x1bZ\x00"), "unknown command ESC" },
        { S("\x1b@\x1bt\x11\x1d\x7f\x00"), "unknown command GS" },
        { S("\x1b@\x1bt\x2e" "a\n"), "code page 46 selected" },
        { S("\x1b@" "a\n"), "before a code page" },
        { S("\x1b@\x1bt\x11\x07\n"), "control byte 0x07" },
        { S("\x1b@\x1bt\x11\x1dv0\x00\x02\x00\x02\x00\xff\xff\xff"), "fewer follow" },
        { S("\x1b@\x1bt\x11\x1d(k\x09\x00" "1P0abc"), "runs past" },
        { S("\x1b@\x1bt\x11\x1d(k\x03\x00" "1Q0"), "without data" },
        { S("\x1b@\x1bt\x11\x1dk\x43\x03" "12a"), "not valid" },
        { S("\x1b@\x1bt\x11\x1dV\x00"), "GS V other" },
        { S("\x1b@\x1bt\x11\x1d!\x11" "abcdefghijklmnopqrstuvwxyz\n"), "more than the 32" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        escpos_decoded d;
        const kp_profile *p = profile("58mm");
        if (escpos_decode(bad[i].bytes, bad[i].len, p, &d))
            fail_msg("stream %zu decoded", i);
        if (!strstr(d.error, bad[i].why))
            fail_msg("stream %zu: \"%s\" lacks \"%s\"", i, d.error, bad[i].why);
        escpos_decoded_free(&d);
    }
#undef S
}

/* The capacity table agrees with libqrencode's own choice of symbol for
 * every length at every level (all up to 400 bytes, then a stride). */
static void qr_width_matches_libqrencode(void **state)
{
    static const char levels[] = "lmqh";
    char data[3000];
    (void)state;
    memset(data, 'A' + 1, sizeof data);
    for (int l = 0; l < 4; l++) {
        for (size_t len = 1; len <= 2960; len += len < 400 ? 1 : 37) {
            QRecLevel level = (QRecLevel)l;
            QRcode *qr = QRcode_encodeData((int)len, (const unsigned char *)data, 0, level);
            int expected = qr ? qr->width : 0;
            if (kp_escpos_qr_width(len, levels[l]) != expected)
                fail_msg("%zu bytes at level %c: table says %d, libqrencode %d", len, levels[l],
                         kp_escpos_qr_width(len, levels[l]), expected);
            QRcode_free(qr);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kazakh_text_survives_on_rk1048_and_pt154),
        cmocka_unit_test(kazakh_text_degrades_on_cp866_and_cp1251),
        cmocka_unit_test(tenge_becomes_tg_and_stays_inside_the_line),
        cmocka_unit_test(hostile_text_sends_no_command),
        cmocka_unit_test(styles_and_scaled_text_fit_the_line),
        cmocka_unit_test(table_rules_use_box_drawing_where_the_code_page_has_it),
        cmocka_unit_test(too_wide_layout_uses_font_b_or_fails),
        cmocka_unit_test(cuts_feeds_and_drawer_follow_profile_and_options),
        cmocka_unit_test(command_rows_are_dropped_unless_allowed),
        cmocka_unit_test(qr_is_native_or_raster),
        cmocka_unit_test(qr_shrinks_to_its_area_or_is_left_out),
        cmocka_unit_test(barcodes_are_well_formed_or_left_out),
        cmocka_unit_test(png_logo_is_rasterized_to_fit),
        cmocka_unit_test(gray_is_dithered),
        cmocka_unit_test(renderer_object_matches_one_shot_render),
        cmocka_unit_test(golden_receipts),
        cmocka_unit_test(decoder_refuses_malformed_streams),
        cmocka_unit_test(qr_width_matches_libqrencode),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
