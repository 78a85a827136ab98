/* test_pdf.c: unit tests for the PDF renderer: options and fonts, the
 * font's character map and the fallbacks, CODE128, images, reproducible and
 * small output.  The PDFs themselves are checked with poppler and qpdf in
 * test_pdf_tools.sh. */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kaspipos/layout.h"
#include "kaspipos/pdf.h"
#include "pdf_private.h"
#include "pdf_sample.h"

#define SIZE_LIMIT (30 * 1024)

static char font_path[1024], bold_path[1024], mini_path[1024];

static void find_fonts(void)
{
    const char *b = getenv("top_builddir");
    if (!b)
        b = ".";
    snprintf(font_path, sizeof font_path, "%s/fonts/kaspi-receipt.ttf", b);
    snprintf(bold_path, sizeof bold_path, "%s/fonts/kaspi-receipt-bold.ttf", b);
    snprintf(mini_path, sizeof mini_path, "%s/fonts/pdf-test-mini.ttf", b);
}

static kp_pdf_renderer *renderer(int paper, const char *font, const char *bold)
{
    kp_pdf_options opt;
    kp_pdf_renderer *r = NULL;
    kp_error err;
    kp_pdf_options_init(&opt);
    opt.paper_mm = paper;
    opt.font_path = font;
    opt.bold_font_path = bold;
    opt.created = 1735689600;
    opt.title = "Kaspi cheque 42";
    if (kp_pdf_renderer_new(&opt, &r, &err) != KP_OK)
        fail_msg("renderer: %s", err.message);
    return r;
}

static void render_ok(kp_pdf_renderer *r, const kp_layout *l, kp_buf *out)
{
    kp_error err;
    if (kp_pdf_renderer_render(r, l, NULL, 0, out, &err) != KP_OK)
        fail_msg("render: %s", err.message);
    assert_true(out->len > 100);
    assert_memory_equal(out->data, "%PDF-", 5);
    assert_non_null(strstr(out->data + out->len - 8, "%%EOF"));
}

static void sample_is_small_and_reproducible(void **state)
{
    (void)state;
    for (int paper = 58; paper <= 80; paper += 22) {
        kp_pdf_renderer *r = renderer(paper, font_path, bold_path);
        kp_layout *l = pdf_sample_layout(paper == 58 ? 32 : 48);
        kp_buf a = KP_BUF_INIT, b = KP_BUF_INIT;
        render_ok(r, l, &a);
        render_ok(r, l, &b);   /* the renderer is reused */
        assert_true(a.len < SIZE_LIMIT);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        kp_buf_free(&a);
        kp_buf_free(&b);
        pdf_sample_free(l);
        kp_pdf_renderer_free(r);
    }
}

static void one_shot_render_and_office_pages(void **state)
{
    kp_pdf_options opt;
    kp_error err;
    kp_buf out = KP_BUF_INIT;
    kp_layout *l = pdf_sample_layout(48);
    (void)state;
    kp_pdf_options_init(&opt);
    opt.font_path = font_path;
    opt.bold_font_path = "";   /* fake bold */
    opt.page = KP_PDF_PAGE_A5;
    assert_int_equal(kp_pdf_render(l, &opt, &out, &err), KP_OK);
    assert_non_null(memmem(out.data, out.len, "/MediaBox [ 0 0 419.5", 20));
    kp_buf_free(&out);
    pdf_sample_free(l);
}

static void bad_options_are_refused(void **state)
{
    kp_pdf_options opt;
    kp_pdf_renderer *r;
    kp_error err;
    (void)state;
    kp_pdf_options_init(&opt);
    opt.paper_mm = 70;
    assert_int_equal(kp_pdf_renderer_new(&opt, &r, &err), KP_ERR_USAGE);
    assert_null(r);
    assert_non_null(strstr(err.message, "58 or 80"));
    opt.paper_mm = 58;
    opt.font_path = "/nonexistent/font.ttf";
    assert_int_equal(kp_pdf_renderer_new(&opt, &r, &err), KP_ERR_SETUP);
    assert_non_null(strstr(err.message, "/nonexistent/font.ttf"));
    opt.font_path = "/etc/passwd";
    assert_int_equal(kp_pdf_renderer_new(&opt, &r, &err), KP_ERR_SETUP);
    assert_non_null(strstr(err.message, "not a TrueType font"));
    opt.font_path = font_path;
    opt.unknown_fallback = "a\tb";
    assert_int_equal(kp_pdf_renderer_new(&opt, &r, &err), KP_ERR_USAGE);
    assert_null(r);
    opt.unknown_fallback = NULL;
    opt.tenge_fallback = "\xff";
    assert_int_equal(kp_pdf_renderer_new(&opt, &r, &err), KP_ERR_USAGE);
}

static void bad_layouts_and_small_buffers_fail_cleanly(void **state)
{
    kp_pdf_renderer *r = renderer(80, font_path, "");
    kp_layout *l = pdf_sample_layout(48);
    kp_buf out;
    kp_error err;
    (void)state;
    kp_buf_init(&out, 200);
    assert_int_equal(kp_pdf_renderer_render(r, l, NULL, 0, &out, &err), KP_ERR_TOO_LARGE);
    kp_buf_free(&out);
    l->cpl = 5;
    assert_int_equal(kp_pdf_renderer_render(r, l, NULL, 0, &out, &err), KP_ERR_USAGE);
    pdf_sample_free(l);
    kp_pdf_renderer_free(r);
}

/* A copy of the subset font with its 'hhea' table renamed: its cmap reads
 * fine, libharu refuses it, and the renderer must say so and clean up. */
static void libharu_errors_become_kp_errors(void **state)
{
    char tmp[] = "/tmp/kp-pdf-font-XXXXXX";
    FILE *f = fopen(font_path, "rb");
    static unsigned char font[1 << 20];
    size_t len;
    kp_layout *l = pdf_sample_layout(48);
    kp_buf out = KP_BUF_INIT;
    kp_error err;
    (void)state;
    assert_non_null(f);
    len = fread(font, 1, sizeof font, f);
    fclose(f);
    assert_true(len > 12 && len < sizeof font);
    unsigned tables = (unsigned)font[4] << 8 | font[5];
    bool renamed = false;
    for (unsigned i = 0; i < tables; i++)
        if (memcmp(font + 12 + i * 16, "hhea", 4) == 0) {
            memcpy(font + 12 + i * 16, "xxxx", 4);
            renamed = true;
        }
    assert_true(renamed);
    int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    f = fdopen(fd, "wb");
    assert_int_equal(fwrite(font, 1, len, f), len);
    fclose(f);
    kp_pdf_renderer *r = renderer(80, tmp, "");
    assert_int_equal(kp_pdf_renderer_render(r, l, NULL, 0, &out, &err), KP_ERR_INTERNAL);
    assert_non_null(strstr(err.message, "libharu error"));
    assert_non_null(strstr(err.message, tmp));
    assert_int_equal(out.len, 0);
    unlink(tmp);
    kp_buf_free(&out);
    pdf_sample_free(l);
    kp_pdf_renderer_free(r);
}

static void receipts_too_long_for_a_page_are_refused(void **state)
{
    kp_pdf_renderer *r = renderer(58, font_path, "");
    kp_layout *l = pdf_sample_new(32);
    kp_buf out = KP_BUF_INIT;
    kp_error err;
    (void)state;
    for (int i = 0; i < 3000; i++)
        pdf_sample_add_span(pdf_sample_add_row(l, KP_ROW_TEXT), 0, "line", pdf_sample_plain());
    assert_int_equal(kp_pdf_renderer_render(r, l, NULL, 0, &out, &err), KP_ERR_TOO_LARGE);
    assert_non_null(strstr(err.message, "A4"));
    kp_pdf_renderer_free(r);
    /* on A4 pages it continues from page to page */
    kp_pdf_options opt;
    kp_pdf_options_init(&opt);
    opt.paper_mm = 58;
    opt.page = KP_PDF_PAGE_A4;
    opt.font_path = font_path;
    assert_int_equal(kp_pdf_render(l, &opt, &out, &err), KP_OK);
    double line_h = 2 * (48 * 72 / 25.4) / 32;             /* two cells of 48 mm / 32 */
    int per_page = (int)((841.89 - 2 * 36) / line_h);      /* A4 less half-inch margins */
    const char *count = memmem(out.data, out.len, "/Count ", 7);
    assert_non_null(count);
    assert_int_equal(atoi(count + 7), (3000 + per_page - 1) / per_page);
    kp_buf_free(&out);
    pdf_sample_free(l);
}

static void cmap_knows_what_the_subset_has(void **state)
{
    kp_pdf_renderer *r = renderer(80, font_path, bold_path);
    (void)state;
    for (uint32_t cp = 0x20; cp < 0x7F; cp++)
        assert_true(kp_pdf_renderer_has_glyph(r, false, cp));
    assert_true(kp_pdf_renderer_has_glyph(r, false, 0x049A));   /* Қ */
    assert_true(kp_pdf_renderer_has_glyph(r, true, 0x04E9));    /* ө */
    assert_true(kp_pdf_renderer_has_glyph(r, false, 0x20B8));   /* ₸ */
    assert_true(kp_pdf_renderer_has_glyph(r, false, 0x2116));   /* № */
    assert_true(kp_pdf_renderer_has_glyph(r, false, 0x2500));   /* ─ */
    assert_false(kp_pdf_renderer_has_glyph(r, false, 0x4E2D));  /* 中 */
    assert_false(kp_pdf_renderer_has_glyph(r, false, 0x1F600)); /* beyond the BMP */
    assert_false(kp_pdf_renderer_has_glyph(r, false, 0x0007));
    kp_pdf_renderer_free(r);
}

static void missing_characters_fall_back(void **state)
{
    kp_pdf_renderer *r = renderer(80, font_path, bold_path);
    kp_buf b = KP_BUF_INIT;
    (void)state;
    assert_int_equal(kp_pdf_renderer_fit_text(r, false, "Итого 中 ₸ Қ \xff!", &b), KP_OK);
    assert_string_equal(kp_buf_str(&b), "Итого ? ₸ Қ ?!");
    kp_buf_free(&b);
    kp_pdf_renderer_free(r);
}

static void tiny_font_gets_kazakh_and_tenge_fallbacks(void **state)
{
    kp_pdf_renderer *r = renderer(80, mini_path, "");
    kp_buf b = KP_BUF_INIT;
    kp_layout *l = pdf_sample_layout(48);
    (void)state;
    if (kp_pdf_renderer_has_glyph(r, false, 0x049A)) {
        kp_pdf_renderer_free(r);
        pdf_sample_free(l);
        skip();   /* built without pyftsubset: the "mini" font is the full one */
    }
    assert_false(kp_pdf_renderer_has_glyph(r, false, 0x20B8));
    assert_int_equal(kp_pdf_renderer_fit_text(r, false, "Қазақ ӘҒҢӨҰҮҺІ әғңөұүһі 1 000 ₸ «№ 5» — …",
                                              &b), KP_OK);
    assert_string_equal(kp_buf_str(&b), "Казак АГНОУУХI агноуухi 1 000 тг \"N 5\" - ...");
    kp_buf_reset(&b);
    render_ok(r, l, &b);   /* the whole sample draws with the tiny font */
    kp_pdf_renderer_free(r);

    /* the tenge and unknown fallbacks are options */
    kp_pdf_options opt;
    kp_error err;
    kp_pdf_options_init(&opt);
    opt.font_path = mini_path;
    opt.tenge_fallback = "KZT";
    opt.unknown_fallback = "";
    assert_int_equal(kp_pdf_renderer_new(&opt, &r, &err), KP_OK);
    kp_buf_reset(&b);
    assert_int_equal(kp_pdf_renderer_fit_text(r, false, "5 ₸ 中!", &b), KP_OK);
    assert_string_equal(kp_buf_str(&b), "5 KZT !");
    kp_buf_free(&b);
    pdf_sample_free(l);
    kp_pdf_renderer_free(r);
}

static void code128_encodes_sets_b_and_c(void **state)
{
    unsigned char w[6 * 20 + 1];
    size_t n;
    int modules = 0;
    (void)state;
    /* the classic example: PJJ123C, check symbol 55 = 311321 */
    n = kpi_pdf_code128("PJJ123C", w, sizeof w);
    assert_int_equal(n, 6 * 9 + 7);
    assert_memory_equal(w + 6 * 8, "\3\1\1\3\2\1", 6);
    assert_memory_equal(w, "\2\1\1\2\1\4", 6);           /* start B */
    for (size_t i = 0; i < n; i++)
        modules += w[i];
    assert_int_equal(modules, 11 * 9 + 13);
    /* an even run of digits uses set C: two digits a symbol */
    n = kpi_pdf_code128("123456", w, sizeof w);
    assert_int_equal(n, 6 * 5 + 7);
    assert_memory_equal(w, "\2\1\1\2\3\2", 6);           /* start C */
    assert_int_equal(kpi_pdf_code128("", w, sizeof w), 0);
    assert_int_equal(kpi_pdf_code128("tab\there", w, sizeof w), 0);
}

static const unsigned char CHECKER_PNG[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
    0x52, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x08, 0x08, 0x00, 0x00, 0x00, 0x00, 0xe1,
    0x64, 0xe1, 0x57, 0x00, 0x00, 0x00, 0x13, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
    0xcf, 0x00, 0x81, 0x0c, 0x0c, 0xff, 0xd1, 0x20, 0x49, 0x22, 0x00, 0x7c, 0x04, 0x1f, 0xe1,
    0xa9, 0x1b, 0xcc, 0xe4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60,
    0x82,
};

static kp_layout *image_layout(const unsigned char *png, size_t len)
{
    kp_layout *l = pdf_sample_new(32);
    kp_row *row = pdf_sample_add_row(l, KP_ROW_IMAGE);
    row->image.png = malloc(len);
    memcpy(row->image.png, png, len);
    row->image.png_len = len;
    pdf_sample_add_span(pdf_sample_add_row(l, KP_ROW_TEXT), 0, "after", pdf_sample_plain());
    return l;
}

static void images_are_drawn_and_bad_ones_left_out(void **state)
{
    kp_pdf_renderer *r = renderer(58, font_path, "");
    kp_buf good = KP_BUF_INIT, bad = KP_BUF_INIT;
    kp_layout *l = image_layout(CHECKER_PNG, sizeof CHECKER_PNG);
    unsigned char broken[sizeof CHECKER_PNG];
    (void)state;
    render_ok(r, l, &good);
    assert_non_null(memmem(good.data, good.len, "/Subtype /Image", 15));
    pdf_sample_free(l);
    memcpy(broken, CHECKER_PNG, sizeof broken);
    memset(broken + 33, 0x55, sizeof broken - 33);   /* the pixel data is garbage */
    l = image_layout(broken, sizeof broken);
    render_ok(r, l, &bad);
    assert_null(memmem(bad.data, bad.len, "/Subtype /Image", 15));
    pdf_sample_free(l);
    kp_buf_free(&good);
    kp_buf_free(&bad);
    kp_pdf_renderer_free(r);
}

static void every_code_type_renders(void **state)
{
    kp_pdf_renderer *r = renderer(80, font_path, "");
    kp_layout *l = pdf_sample_new(48);
    kp_buf out = KP_BUF_INIT;
    (void)state;
    for (int t = KP_CODE_QR; t <= KP_CODE_CODABAR; t++) {
        kp_row *row = pdf_sample_add_row(l, KP_ROW_CODE);
        row->code.type = (kp_code_type)t;
        row->code.data = strdup("4006381333931");
        row->code.hri = true;
        row->align = (kp_align)(t % 3);
    }
    kp_row *row = pdf_sample_add_row(l, KP_ROW_CODE);   /* too long for any QR */
    row->code.type = KP_CODE_QR;
    row->code.data = calloc(8000, 1);
    memset(row->code.data, 'x', 7999);
    render_ok(r, l, &out);
    kp_buf_free(&out);
    pdf_sample_free(l);
    kp_pdf_renderer_free(r);
}

/* Found by fuzz_pdf (tests/fuzz/corpus/pdf/regression-glyph-set): with the
 * subset font built with --no-glyph-names, this English 58 mm receipt's set
 * of glyphs made libharu fail while saving (error 0x1033), and leak the font
 * descriptor it was building: an approved cheque could not be printed. */
static void a_glyph_set_that_broke_libharu_saves(void **state)
{
    static const char doc[] =
        "{width:auto}\n"
        "ЛЖЖЖЖ)))))))))))---------------7\n"
        "-\n"
        "\"^PAYMENT\"\n"
        "Approved\n"
        "-\n"
        "{width:12,*}\n"
        "Date | 30.11.26 03:50:00\n"
        "Paid with | Card\n"
        "Product | Kaspi Red\n"
        "-\n"
        "{width:auto}\n"
        "|\"TOTAL\"\n"
        "\"^2 ₸\"|\n"
        "-\n"
        "{width:auto}\n"
        "Thank you for your purchase!\n"
        "=\n";
    kp_layout_options lo = { 32, "regression" };
    kp_layout *layout = NULL;
    kp_buf out = KP_BUF_INIT;
    kp_error err;
    (void)state;
    if (kp_layout_parse(doc, sizeof doc - 1, &lo, &layout, &err) != KP_OK)
        fail_msg("layout: %s", err.message);
    kp_pdf_renderer *r = renderer(58, font_path, NULL);
    render_ok(r, layout, &out);
    kp_buf_free(&out);
    kp_pdf_renderer_free(r);
    kp_layout_free(layout);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_is_small_and_reproducible),
        cmocka_unit_test(one_shot_render_and_office_pages),
        cmocka_unit_test(bad_options_are_refused),
        cmocka_unit_test(bad_layouts_and_small_buffers_fail_cleanly),
        cmocka_unit_test(libharu_errors_become_kp_errors),
        cmocka_unit_test(receipts_too_long_for_a_page_are_refused),
        cmocka_unit_test(cmap_knows_what_the_subset_has),
        cmocka_unit_test(missing_characters_fall_back),
        cmocka_unit_test(tiny_font_gets_kazakh_and_tenge_fallbacks),
        cmocka_unit_test(code128_encodes_sets_b_and_c),
        cmocka_unit_test(images_are_drawn_and_bad_ones_left_out),
        cmocka_unit_test(every_code_type_renders),
        cmocka_unit_test(a_glyph_set_that_broke_libharu_saves),
    };
    find_fonts();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
