/* test_codepage.c: UTF-8 to printer code pages: Kazakh letters, the tenge
 * sign, typography fallbacks, and that no input can produce a control byte. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "kaspipos/codepage.h"
#include "kaspipos/utf8.h"

#define KAZAKH "Қазақстан: Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі"

/* Encodes with a fresh object and decodes the bytes back with iconv
 * directly (not with the library), into a static string. */
static const char *round_trip(const char *page, const char *tenge, const char *text)
{
    static char back[1024];
    kp_codepage *cp;
    kp_buf enc = KP_BUF_INIT;
    iconv_t cd;
    char *ip, *op = back;
    size_t il, ol = sizeof back - 1;

    assert_int_equal(kp_codepage_new(page, tenge, &cp, NULL), KP_OK);
    assert_int_equal(kp_codepage_encode(cp, text, strlen(text), &enc), KP_OK);
    for (size_t i = 0; i < enc.len; i++) {
        unsigned char b = (unsigned char)enc.data[i];
        assert_true(b >= 0x20 && b != 0x7F);
    }
    cd = iconv_open("UTF-8", page);
    assert_true(cd != (iconv_t)-1);
    ip = enc.data ? enc.data : (char *)"";
    il = enc.len;
    assert_int_not_equal(iconv(cd, &ip, &il, &op, &ol), (size_t)-1);
    *op = '\0';
    iconv_close(cd);
    kp_buf_free(&enc);
    kp_codepage_free(cp);
    return back;
}

static void ascii_passes_unchanged(void **state)
{
    (void)state;
    assert_string_equal(round_trip("CP866", NULL, "Total: 1500 KZT #42 {a|b}~"),
                        "Total: 1500 KZT #42 {a|b}~");
}

static void kazakh_survives_rk1048_and_pt154(void **state)
{
    (void)state;
    assert_string_equal(round_trip("RK1048", NULL, KAZAKH), KAZAKH);
    assert_string_equal(round_trip("PT154", NULL, KAZAKH), KAZAKH);
    assert_string_equal(round_trip("rk1048", NULL, "ЁЖЗ ёжз"), "ЁЖЗ ёжз");
}

static void kazakh_degrades_on_cp866_and_cp1251(void **state)
{
    (void)state;
    assert_string_equal(round_trip("CP866", NULL, KAZAKH),
                        "Казакстан: Аа Гг Кк Нн Оо Уу Уу Хх Ii");
    /* CP1251 has the Ukrainian І і, which Kazakh uses too. */
    assert_string_equal(round_trip("CP1251", NULL, KAZAKH),
                        "Казакстан: Аа Гг Кк Нн Оо Уу Уу Хх Іі");
}

static void tenge_becomes_its_fallback(void **state)
{
    (void)state;
    assert_string_equal(round_trip("CP866", NULL, "1 500 ₸"), "1 500 тг");
    assert_string_equal(round_trip("RK1048", NULL, "₸₸"), "тгтг");
    assert_string_equal(round_trip("PT154", "KZT", "5 ₸"), "5 KZT");
    assert_string_equal(round_trip("CP1251", "теңге", "5 ₸"), "5 KZT");  /* ң not in CP1251 */
    assert_string_equal(round_trip("RK1048", "теңге", "5 ₸"), "5 теңге");
    /* Each ₸ (3 bytes) becomes 5: the output outgrows the input. */
    assert_string_equal(round_trip("RK1048", "теңге", "₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸₸"),
                        "теңгетеңгетеңгетеңгетеңгетеңгетеңгетеңгетеңгетеңге"
                        "теңгетеңгетеңгетеңгетеңгетеңгетеңгетеңгетеңгетеңге");
}

static void typography_becomes_ascii(void **state)
{
    (void)state;
    assert_string_equal(round_trip("CP866", NULL, "«Чек» — “ок” ‘x’ a–b…\u2009c\u200Bd ×"),
                        "\"Чек\" - \"ок\" 'x' a-b... cd x");
    assert_string_equal(round_trip("RK1048", NULL, "№ 5"), "№ 5");
    assert_string_equal(round_trip("PT154", NULL, "a\u00A0b"), "a\u00A0b");
    assert_string_equal(round_trip("CP866", NULL, "┌─┬┐│"), "┌─┬┐│");
    assert_string_equal(round_trip("RK1048", NULL, "┌─┬┐│"), "+-++|");
}

static void unencodable_and_controls_become_replacement(void **state)
{
    (void)state;
    assert_string_equal(round_trip("CP866", NULL, "a😀b中"), "a?b?");
    assert_string_equal(round_trip("CP1251", NULL, "\x1b@\x1dV\x01\x7f\x0a\x0d\t"), "?@?V?????");
    assert_string_equal(round_trip("RK1048", NULL, "x\xC2\x9By"), "x?y");   /* C1 CSI */
    assert_string_equal(round_trip("PT154", NULL, "a\xff\xfe" "b"), "a??b");   /* invalid UTF-8 */
}

static void no_code_point_gives_a_control_byte(void **state)
{
    static const char *const pages[] = { "CP866", "RK1048", "PT154", "CP1251" };
    (void)state;
    for (size_t p = 0; p < 4; p++) {
        kp_codepage *cp;
        assert_int_equal(kp_codepage_new(pages[p], NULL, &cp, NULL), KP_OK);
        for (uint32_t c = 0; c < 0x30000; c++) {
            char seq[KP_CODEPAGE_MAX_SEQ];
            size_t n = kp_codepage_encode_char(cp, c, seq);
            assert_true(n <= KP_CODEPAGE_MAX_SEQ);
            for (size_t i = 0; i < n; i++)
                assert_true((unsigned char)seq[i] >= 0x20 && (unsigned char)seq[i] != 0x7F);
            if (c == 0x20B8)
                assert_false(n == 1 && seq[0] == '?');
        }
        kp_codepage_free(cp);
    }
}

static void has_tells_native_from_fallback(void **state)
{
    kp_codepage *cp;
    char seq[KP_CODEPAGE_MAX_SEQ];
    (void)state;
    assert_int_equal(kp_codepage_new("CP866", NULL, &cp, NULL), KP_OK);
    assert_string_equal(kp_codepage_name(cp), "CP866");
    assert_true(kp_codepage_has(cp, 0x2500));
    assert_true(kp_codepage_has(cp, 0x0416));
    assert_false(kp_codepage_has(cp, 0x049A));
    assert_false(kp_codepage_has(cp, 0x20B8));
    assert_int_equal(kp_codepage_encode_char(cp, 0x200B, seq), 0);
    kp_codepage_free(cp);
}

static void library_decode_matches_iconv(void **state)
{
    kp_codepage *cp;
    kp_buf enc = KP_BUF_INIT, dec = KP_BUF_INIT;
    (void)state;
    assert_int_equal(kp_codepage_new("PT154", NULL, &cp, NULL), KP_OK);
    assert_int_equal(kp_codepage_encode(cp, KAZAKH, strlen(KAZAKH), &enc), KP_OK);
    assert_int_equal(kp_codepage_decode(cp, enc.data, enc.len, &dec), KP_OK);
    assert_string_equal(kp_buf_str(&dec), KAZAKH);
    kp_buf_reset(&dec);
    assert_int_equal(kp_codepage_decode(cp, "a\x1b", 2, &dec), KP_OK);
    assert_string_equal(kp_buf_str(&dec), "a\xEF\xBF\xBD");
    kp_buf_free(&enc);
    kp_buf_free(&dec);
    kp_codepage_free(cp);
}

static void unknown_code_page_is_refused(void **state)
{
    kp_codepage *cp = (kp_codepage *)1;
    kp_error err;
    (void)state;
    assert_int_equal(kp_codepage_new("UTF-8", NULL, &cp, &err), KP_ERR_USAGE);
    assert_null(cp);
    assert_non_null(strstr(err.message, "UTF-8"));
    assert_false(kp_codepage_supported("CP437"));
    assert_true(kp_codepage_supported("pt154"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ascii_passes_unchanged),
        cmocka_unit_test(kazakh_survives_rk1048_and_pt154),
        cmocka_unit_test(kazakh_degrades_on_cp866_and_cp1251),
        cmocka_unit_test(tenge_becomes_its_fallback),
        cmocka_unit_test(typography_becomes_ascii),
        cmocka_unit_test(unencodable_and_controls_become_replacement),
        cmocka_unit_test(no_code_point_gives_a_control_byte),
        cmocka_unit_test(has_tells_native_from_fallback),
        cmocka_unit_test(library_decode_matches_iconv),
        cmocka_unit_test(unknown_code_page_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
