/* test_layout.c: unit tests for the layout model and the text renderer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kaspipos/buf.h"
#include "kaspipos/layout.h"
#include "kaspipos/text.h"

static kp_layout *parse(const char *doc, int cpl)
{
    kp_layout_options opt = { cpl, "test" };
    kp_layout *lay = NULL;
    kp_error err;
    assert_int_equal(kp_layout_parse(doc, strlen(doc), &opt, &lay, &err), KP_OK);
    assert_non_null(lay);
    return lay;
}

/* The text picture of doc, for comparing with a literal. */
static char *render(const char *doc, int cpl)
{
    kp_layout *lay = parse(doc, cpl);
    kp_buf out = KP_BUF_INIT;
    kp_error err;
    char *s;
    assert_int_equal(kp_text_render(lay, &out, &err), KP_OK);
    kp_layout_free(lay);
    s = kp_buf_steal(&out, NULL);
    return s ? s : strdup("");
}

#define assert_renders(doc, cpl, expected) do { \
        char *got_ = render((doc), (cpl)); \
        assert_string_equal(got_, (expected)); \
        free(got_); \
    } while (0)

static void plain_text_is_centred(void **state)
{
    (void)state;
    assert_renders("Hello", 16, "      Hello\n");
    assert_renders("Hello |", 16, "Hello\n");
    assert_renders("| Hello", 16, "           Hello\n");
    /* a spare half cell goes to the left */
    assert_renders("Hi!", 16, "       Hi!\n");
}


static void columns_take_alignment_from_spaces(void **state)
{
    (void)state;
    assert_renders("Item | Price", 16, "Item       Price\n");
    /* "a|" is right-aligned, "|c" left-aligned, "b" centred */
    assert_renders("a|b|c", 16, "   a   b   c\n");
}

static void fixed_and_star_widths(void **state)
{
    kp_layout *lay;
    (void)state;
    assert_renders("{width:*,6}\nTea | 450", 20, "Tea              450\n");
    /* fixed columns shrink when the '*' column would get no room */
    lay = parse("{width:20,20,*}\na|b|c", 32);
    assert_int_equal(lay->n_rows, 1);
    assert_int_equal(lay->rows[0].n_spans, 3);
    /* 20,20 shrink to 15,14 (the last of the widest first); * gets 1 */
    assert_int_equal(lay->rows[0].spans[0].column, 14);
    assert_int_equal(lay->rows[0].spans[1].column, 23);
    assert_int_equal(lay->rows[0].spans[2].column, 31);
    kp_layout_free(lay);
    /* a zero width hides its column */
    assert_renders("{width:0,5}\nhidden|shown", 16, "     shown\n");
}

static void bordered_table_draws_rules(void **state)
{
    (void)state;
    assert_renders("{border:line; width:*,4}\nab | 12\n-\ncd | 34", 16,
                   "+---------+----+\n"
                   "|ab       |  12|\n"
                   "+---------+----+\n"
                   "|cd       |  34|\n"
                   "+---------+----+\n");
}

static void cut_is_a_marker_only_where_written(void **state)
{
    (void)state;
    assert_renders("a\n=\nb", 16, "        a\n[CUT]\n        b\n");
    assert_renders("{border:line; width:3}\nx\n=", 16, "     +---+\n     | x |\n     +---+\n[CUT]\n");
}

static void wrapping_cuts_by_character(void **state)
{
    (void)state;
    assert_renders("{width:*}\nabcdefghijklmnopqrstu |", 16, "abcdefghijklmnop\nqrstu\n");
    assert_renders("{text:nowrap}\nabcdefghijklmnopqrstu |", 16, "abcdefghijklmnop\n");
    assert_renders("one\\ntwo |", 16, "one\ntwo\n");
}

static void decorations_set_styles_and_scales(void **state)
{
    kp_layout *lay = parse("_u_\"b\"`i`^w^^^h^^^^^^^^^^^^x |", 48);
    const kp_span *sp = lay->rows[0].spans;
    (void)state;
    assert_int_equal(lay->rows[0].n_spans, 6);
    assert_true(sp[0].style.underline && !sp[0].style.bold);
    assert_true(sp[1].style.bold && !sp[1].style.underline);
    assert_true(sp[2].style.invert);
    assert_int_equal(sp[3].style.scale_w, 2);
    assert_int_equal(sp[3].style.scale_h, 1);
    assert_int_equal(sp[4].style.scale_w, 2);        /* ^^^ after ^: 2x2 */
    assert_int_equal(sp[4].style.scale_h, 2);
    assert_int_equal(sp[5].style.scale_w, 6);        /* runs over 7 count as 7: 6x6 */
    assert_int_equal(sp[5].style.scale_h, 6);
    assert_int_equal(lay->rows[0].height, 6);
    assert_int_equal(sp[5].cells, 6);
    kp_layout_free(lay);
    assert_renders("^ab |", 16, "a b\n");
    assert_renders("_u_\"b\"`i`^w^^^h^^^^^^^^^^^^x |", 16, "ubiw h x\n");
}

static void escapes_and_tilde(void **state)
{
    (void)state;
    assert_renders("\\| \\{ \\} \\\\ \\_ \\x41~~B |", 32, "| { } \\ _ A  B\n");
    assert_renders("a\\x01\\x7fb\\qc |", 16, "abc\n");
}

static void kazakh_and_nfc(void **state)
{
    (void)state;
    /* й and ё written as base + combining mark take one cell, like ReceiptLine */
    assert_renders("и\xcc\x86е\xcc\x88| Әә", 16, "     йё       Әә\n");
}

/* A document NFC leaves alone is decoded by a short cut; one mark needing
 * composition sends the whole document the long way.  Both must agree,
 * BOM, ill-formed UTF-8 and line ends included. */
static void short_and_long_decoding_agree(void **state)
{
    static const char base[] =
        "\xef\xbb\xbf{width:*,10}\r\n"
        "Молоко \"й\" | 1 290 \xe2\x82\xb8\r"
        "bad \xff\xc0\x80\xe0\x80\xed\xa0\x80\xf4\x90 bytes|x\n"
        "Қазақ ә ү | ^^ё\n"
        "-\n";
    static const char *const tails[][2] = {
        { "ё", "е\xcc\x88" },            /* precomposed / base + mark */
        { "й|ё", "и\xcc\x86|е\xcc\x88" },
    };
    (void)state;
    for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
        for (int cpl = 32; cpl <= 48; cpl += 16) {
            char short_doc[512], long_doc[512], *a, *b;
            snprintf(short_doc, sizeof short_doc, "%s%s", base, tails[t][0]);
            snprintf(long_doc, sizeof long_doc, "%s%s", base, tails[t][1]);
            a = render(short_doc, cpl);
            b = render(long_doc, cpl);
            assert_string_equal(a, b);
            assert_non_null(strstr(a, "\xef\xbf\xbd"));    /* the bad bytes became U+FFFD */
            free(a);
            free(b);
        }
    }
}

static void codes_images_and_commands_in_the_model(void **state)
{
    kp_layout *lay = parse("{code:12345678; option:ean,3,100,hri}\n"
                           "| {code:https://kaspi.kz; option:qrcode,5,h}\n"
                           "{image:iVBORw0KGgo=}\n{command:\\x1b@}\n{code:}\n{code:abc;option:ean}", 32);
    const kp_row *r = lay->rows;
    (void)state;
    assert_int_equal(lay->n_rows, 5);
    assert_int_equal(r[0].kind, KP_ROW_CODE);
    assert_int_equal(r[0].code.type, KP_CODE_EAN);
    assert_string_equal(r[0].code.data, "12345678");
    assert_int_equal(r[0].code.module_width, 3);
    assert_int_equal(r[0].code.height, 100);
    assert_true(r[0].code.hri);
    assert_int_equal(r[0].area_left, 0);
    assert_int_equal(r[0].area_width, 32);
    assert_int_equal(r[0].align, KP_ALIGN_CENTER);
    assert_int_equal(r[1].code.type, KP_CODE_QR);
    assert_int_equal(r[1].code.cell, 5);
    assert_int_equal(r[1].code.level, 'h');
    assert_int_equal(r[1].align, KP_ALIGN_RIGHT);
    assert_int_equal(r[2].kind, KP_ROW_IMAGE);
    assert_int_equal(r[2].image.png_len, 8);
    assert_memory_equal(r[2].image.png, "\x89PNG\r\n\x1a\n", 8);
    assert_int_equal(r[3].kind, KP_ROW_COMMAND);
    assert_string_equal(r[3].command, "\x1b@");
    assert_int_equal(r[4].kind, KP_ROW_CODE);       /* unencodable EAN: no marker */
    kp_layout_free(lay);
    assert_renders("{code:12345678; option:ean}\n| {code:x; option:qrcode}\n{code:abc;option:ean}", 32,
                   "       [BARCODE: 12345678]\n                         [QR: x]\n");
}

static void errors_are_reported(void **state)
{
    kp_layout_options opt = { 15, "t.receipt" };
    kp_layout *lay = (kp_layout *)1;
    kp_error err;
    char *big;
    (void)state;
    assert_int_equal(kp_layout_parse("x", 1, &opt, &lay, &err), KP_ERR_USAGE);
    assert_null(lay);
    assert_non_null(strstr(err.message, "t.receipt"));
    opt.cpl = 97;
    assert_int_equal(kp_layout_parse("x", 1, &opt, &lay, &err), KP_ERR_USAGE);
    opt.cpl = 48;
    big = malloc(1024 * 1024 + 1);
    assert_non_null(big);
    memset(big, 'a', 1024 * 1024 + 1);
    assert_int_equal(kp_layout_parse(big, 1024 * 1024 + 1, &opt, &lay, &err), KP_ERR_TOO_LARGE);
    assert_int_equal(kp_layout_parse(big, 1024 * 1024, &opt, &lay, &err), KP_OK);
    kp_layout_free(lay);
    free(big);
    assert_int_equal(kp_layout_parse("", 0, &opt, &lay, &err), KP_OK);
    assert_int_equal(lay->n_rows, 1);
    kp_layout_free(lay);
}

/* Every text row keeps its spans in order, inside the paper, not overlapping. */
static void check_model(const kp_layout *lay)
{
    for (size_t i = 0; i < lay->n_rows; i++) {
        const kp_row *r = &lay->rows[i];
        int end = 0;
        for (size_t k = 0; k < r->n_spans; k++) {
            assert_true(r->spans[k].column >= end);
            end = r->spans[k].column + r->spans[k].cells;
            assert_true(end <= lay->cpl);
        }
        if (r->kind == KP_ROW_RULE)
            assert_true(r->column >= 0 && r->column + (int)strlen(r->rule) <= lay->cpl + 1);
    }
}

static void hostile_input_never_breaks(void **state)
{
    static const char alphabet[] = "|{}\\x_\"`^~-= \t\n\r;:*0123456789abwcl";
    kp_layout_options opt = { 32, NULL };
    unsigned seed = 12345;
    char doc[512];
    kp_error err;
    (void)state;
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = 0, len = (seed = seed * 1103515245u + 12345u) % sizeof doc;
        kp_layout *lay;
        kp_buf out = KP_BUF_INIT;
        for (n = 0; n < len; n++) {
            seed = seed * 1103515245u + 12345u;
            doc[n] = iter % 2 ? (char)(seed >> 16) : alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        opt.cpl = 16 + iter % 81;
        assert_int_equal(kp_layout_parse(doc, len, &opt, &lay, &err), KP_OK);
        check_model(lay);
        assert_int_equal(kp_text_render(lay, &out, &err), KP_OK);
        kp_buf_free(&out);
        kp_layout_free(lay);
    }
}

static void huge_lines_and_many_columns(void **state)
{
    kp_buf doc = KP_BUF_INIT;
    kp_layout *lay;
    kp_layout_options opt = { 48, NULL };
    kp_error err;
    (void)state;
    /* a word of 200,000 letters wraps into 48-letter lines */
    assert_int_equal(kp_buf_puts(&doc, "{width:*}\n"), KP_OK);
    assert_int_equal(kp_buf_repeat(&doc, 'w', 200000), KP_OK);
    assert_int_equal(kp_layout_parse(doc.data, doc.len, &opt, &lay, &err), KP_OK);
    assert_int_equal(lay->n_rows, (200000 + 47) / 48);
    kp_layout_free(lay);
    /* 10,000 columns: only what fits the paper is kept */
    kp_buf_reset(&doc);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(kp_buf_puts(&doc, "ab|"), KP_OK);
    assert_int_equal(kp_buf_puts(&doc, "\n{width:"), KP_OK);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(kp_buf_puts(&doc, "0,"), KP_OK);
    assert_int_equal(kp_buf_puts(&doc, "3}\nx\n{border:line}\n"), KP_OK);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(kp_buf_puts(&doc, "{}|"), KP_OK);
    assert_int_equal(kp_layout_parse(doc.data, doc.len, &opt, &lay, &err), KP_OK);
    assert_int_equal(lay->rows[0].n_spans, 24);        /* (48 + 1) / 2 columns */
    check_model(lay);
    kp_layout_free(lay);
    kp_buf_free(&doc);
}

static void a_receipt_lays_out_many_times(void **state)
{
    static const char receipt[] =
        "{width:*; border:space}\n^\"ЧЕК ОПЛАТЫ\"\nООО «Ромашка»\n-\n{width:*,12}\n"
        "Кофе латте | 1 200 ₸\nЧай зелёный с жасмином и мятой | 450 ₸\n-\n\"ИТОГО\" | \"1 650 ₸\"\n"
        "{width:auto}\n{code:https://kaspi.kz/pay/1; option:qrcode}\n=\n";
    kp_layout_options opt = { 48, NULL };
    kp_error err;
    (void)state;
    for (int i = 0; i < 2000; i++) {        /* no timing asserted: run under valgrind/ASan too */
        kp_layout *lay;
        assert_int_equal(kp_layout_parse(receipt, sizeof receipt - 1, &opt, &lay, &err), KP_OK);
        assert_int_equal(lay->n_rows, 10);
        kp_layout_free(lay);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_text_is_centred),
        cmocka_unit_test(columns_take_alignment_from_spaces),
        cmocka_unit_test(fixed_and_star_widths),
        cmocka_unit_test(bordered_table_draws_rules),
        cmocka_unit_test(cut_is_a_marker_only_where_written),
        cmocka_unit_test(wrapping_cuts_by_character),
        cmocka_unit_test(decorations_set_styles_and_scales),
        cmocka_unit_test(escapes_and_tilde),
        cmocka_unit_test(kazakh_and_nfc),
        cmocka_unit_test(short_and_long_decoding_agree),
        cmocka_unit_test(codes_images_and_commands_in_the_model),
        cmocka_unit_test(errors_are_reported),
        cmocka_unit_test(hostile_input_never_breaks),
        cmocka_unit_test(huge_lines_and_many_columns),
        cmocka_unit_test(a_receipt_lays_out_many_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
