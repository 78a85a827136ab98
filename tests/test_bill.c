/* test_bill.c: unit tests of the bill room: ESC/POS stripping, encodings, totals, refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kaspipos/bill.h"

/* UTF-8 text in another encoding, through glibc's iconv (the real part). */
static size_t encode(const char *utf8, const char *charset, char *out, size_t size)
{
    iconv_t cd = iconv_open(charset, "UTF-8");
    char *in = (char *)utf8, *o = out;
    size_t left = strlen(utf8), room = size;
    assert_true(cd != (iconv_t)-1);
    assert_int_not_equal(iconv(cd, &in, &left, &o, &room), (size_t)-1);
    iconv_close(cd);
    return size - room;
}

static long long amount_of(const void *data, size_t len, const char *charset, const char *words)
{
    kp_bill bill;
    kp_bill_options opt = { charset, words, 0 };
    kp_error err = { 0 };
    long long amount;
    kp_bill_init(&bill);
    if (kp_bill_parse(data, len, &opt, &bill, &err) != KP_OK)
        fail_msg("bill refused: %s", err.message);
    amount = bill.amount;
    kp_bill_clear(&bill);
    return amount;
}

static long long amount_text(const char *utf8)
{
    return amount_of(utf8, strlen(utf8), NULL, NULL);
}

static kp_bill_problem problem_of(const void *data, size_t len, char *message, size_t size)
{
    kp_bill bill;
    kp_error err = { 0 };
    kp_bill_problem p;
    kp_bill_init(&bill);
    assert_int_not_equal(kp_bill_parse(data, len, NULL, &bill, &err), KP_OK);
    p = bill.problem;
    snprintf(message, size, "%s", err.message);
    kp_bill_clear(&bill);
    return p;
}

static void assert_problem(const char *utf8, kp_bill_problem want, const char *words)
{
    char msg[600];
    assert_int_equal(problem_of(utf8, strlen(utf8), msg, sizeof msg), want);
    if (!strstr(msg, words))
        fail_msg("message [%s] lacks [%s]", msg, words);
}

/* A bill as a real till prints it: init, code page, bold, centred header,
 * a logo as raster, lines, a barcode, a QR code, feed and cut. */
static size_t real_bill(const char *charset, const char *total_line, char *out, size_t size)
{
    static const char raster[] = "\x1d" "v0" "\x00" "\x02\x00" "\x03\x00"
                                 "\x1b\x40\x0a\x0d\x1d\x56" "\x00\x0a";  /* 2x3 bytes of image */
    static const char qr[] = "\x1d(k" "\x08\x00" "1P0" "\x0a\x1b\x40\x1d\x21\x0a";   /* 5 data bytes */
    static const char barcode[] = "\x1dkI" "\x05" "\x0a\x0d\x1b\x64\x01";
    static const char user_char[] = "\x1b&" "\x03" "\x41\x41" "\x02" "\x0a\x1b\x0a\x0d\x0a\x0a";
    char text[2048];
    size_t n = 0;
    (void)size;
#define PUT(literal) (memcpy(out + n, literal, sizeof literal - 1), n += sizeof literal - 1)
    PUT("\x1b@\x1bt\x11\x1b" "a\x01\x1b" "E\x01");
    n += encode("ТОО \"Рога и копыта\"\r\nКАССОВЫЙ ЧЕК № 1234\r\n", charset, out + n, 512);
    memcpy(out + n, raster, sizeof raster - 1); n += sizeof raster - 1;
    PUT("\x1b" "E\x00\x1b" "a\x00\x1b!\x08");
    snprintf(text, sizeof text,
             "Хлеб белый            2 x 150 = 300,00\r\n"
             "Молоко 1 л                      450,00\r\n"
             "Всего позиций: 2\r\n"
             "Скидка                            0,00\r\n"
             "%s\r\n"
             "Кассир: Иванова\r\n", total_line);
    n += encode(text, charset, out + n, 1024);
    memcpy(out + n, user_char, sizeof user_char - 1); n += sizeof user_char - 1;
    memcpy(out + n, barcode, sizeof barcode - 1); n += sizeof barcode - 1;
    memcpy(out + n, qr, sizeof qr - 1); n += sizeof qr - 1;
    n += encode("Спасибо за покупку!\r\n", charset, out + n, 256);
    PUT("\x1b" "d\x05\x1dV\x41\x10");
    return n;
}

static void real_bills_in_three_encodings(void **state)
{
    static const char *const charsets[] = { "UTF-8", "CP866", "CP1251" };
    char bill[8192];
    (void)state;
    for (int i = 0; i < 3; i++) {
        kp_bill b;
        kp_error err = { 0 };
        /* no tenge sign in the code pages */
        size_t n = real_bill(charsets[i], i == 0 ? "ИТОГО К ОПЛАТЕ:                 750,00 ₸"
                                                 : "ИТОГО К ОПЛАТЕ:               750,00 тг", bill, sizeof bill);
        kp_bill_init(&b);
        if (kp_bill_parse(bill, n, NULL, &b, &err) != KP_OK)
            fail_msg("%s: %s", charsets[i], err.message);
        assert_int_equal(b.amount, 750);
        assert_string_equal(b.charset, charsets[i]);
        assert_int_equal(b.from_marker, 0);
        assert_int_equal(b.line, 8);
        /* the text is clean: no command bytes, and the Cyrillic came through */
        assert_non_null(strstr(kp_buf_str(&b.text), "Кассир: Иванова"));
        assert_non_null(strstr(kp_buf_str(&b.text), "КАССОВЫЙ ЧЕК № 1234"));
        for (size_t k = 0; k < b.text.len; k++)
            assert_true((unsigned char)b.text.data[k] >= 0x20 || b.text.data[k] == '\n' || b.text.data[k] == '\r');
        kp_bill_clear(&b);
    }
}

static void hand_made_code_page_bytes(void **state)
{
    /* ИТОГО 1 200 in CP866 and CP1251, written out byte by byte */
    static const char cp866[] = "\x91\xe3\xac\xac\xa0 \xe2\xae\xa2\xa0\xe0\xa0\r\n\x88\x92\x8e\x83\x8e   1 200\r\n";
    static const char cp1251[] = "\xd1\xf3\xec\xec\xe0 \xf2\xee\xe2\xe0\xf0\xe0\r\n\xc8\xd2\xce\xc3\xce   1 200\r\n";
    kp_buf out = KP_BUF_INIT;
    (void)state;
    assert_string_equal(kp_bill_detect_charset(cp866, sizeof cp866 - 1), "CP866");
    assert_string_equal(kp_bill_detect_charset(cp1251, sizeof cp1251 - 1), "CP1251");
    assert_int_equal(amount_of(cp866, sizeof cp866 - 1, NULL, NULL), 1200);
    assert_int_equal(amount_of(cp1251, sizeof cp1251 - 1, NULL, NULL), 1200);
    /* named charsets win over detection */
    assert_int_equal(kp_bill_to_utf8(cp866, sizeof cp866 - 1, "CP866", &out, NULL), KP_OK);
    assert_non_null(strstr(kp_buf_str(&out), "Сумма товара"));
    kp_buf_free(&out);
    assert_string_equal(kp_bill_detect_charset("TOTAL 5", 7), "UTF-8");
}

static void named_charset_and_unknown_one(void **state)
{
    static const char cp1251[] = "\xc8\xd2\xce\xc3\xce 99\n";
    kp_bill b;
    kp_bill_options opt = { "CP1251", NULL, 0 };
    kp_error err = { 0 };
    (void)state;
    assert_int_equal(amount_of(cp1251, sizeof cp1251 - 1, "CP1251", NULL), 99);
    /* read as CP866, the word is not ИТОГО: no amount */
    kp_bill_init(&b);
    opt.charset = "CP866";
    assert_int_equal(kp_bill_parse(cp1251, sizeof cp1251 - 1, &opt, &b, &err), KP_ERR_USAGE);
    assert_int_equal(b.problem, KP_BILL_NO_AMOUNT);
    opt.charset = "KOI-NOPE";
    assert_int_equal(kp_bill_parse(cp1251, sizeof cp1251 - 1, &opt, &b, &err), KP_ERR_SETUP);
    assert_int_equal(b.problem, KP_BILL_CHARSET);
    assert_non_null(strstr(err.message, "KOI-NOPE"));
    kp_bill_clear(&b);
}

static void total_forms(void **state)
{
    (void)state;
    assert_int_equal(amount_text("ИТОГО: 1500\n"), 1500);
    assert_int_equal(amount_text("итого 1 500\n"), 1500);
    assert_int_equal(amount_text("Итого ........... 12 345,00\n"), 12345);
    assert_int_equal(amount_text("ИТОГО.....1500.00\r\n"), 1500);
    assert_int_equal(amount_text("К ОПЛАТЕ                  1 500 000.00 KZT\n"), 1500000);
    assert_int_equal(amount_text("к  оплате = 2 000 тг.\n"), 2000);
    assert_int_equal(amount_text("ВСЕГО 3\xC2\xA0" "400,00\xC2\xA0₸\n"), 3400);          /* no-break space */
    assert_int_equal(amount_text("TOTAL 3\xE2\x80\x89" "400\n"), 3400);                    /* thin space */
    assert_int_equal(amount_text("Total: 3\xE2\x80\xAF" "400 ₸\n"), 3400);                 /* narrow no-break */
    assert_int_equal(amount_text("БАРЛЫҒЫ: 4 250 ₸\n"), 4250);
    assert_int_equal(amount_text("барлығы 4 250\n"), 4250);
    assert_int_equal(amount_text("ЖИЫНЫ\t\t7 000,00\n"), 7000);
    assert_int_equal(amount_text("Жиыны 7000 теңге\nжиыны: 70\n"), 70);
    assert_int_equal(amount_text("ИТОГО 12 1 500\n"), 1500);   /* "12 1 500" is not one number */
    assert_int_equal(amount_text("ИТОГО 1500"), 1500);         /* no final newline */
    assert_int_equal(amount_text("ИТОГО   0,00 скидка\nИТОГО 5 ₸\n"), 5);
}

static void last_total_line_wins_and_marker_beats_it(void **state)
{
    (void)state;
    assert_int_equal(amount_text("Всего позиций: 3\nПодытог 900\nИТОГО 1 000\nTOTAL 1 200\n"), 1200);
    assert_int_equal(amount_text("ИТОГО 1 000\r\nИТОГО К ОПЛАТЕ: 800,00\r\n"), 800);
    assert_int_equal(amount_text("KASPI-AMOUNT: 4321\nИТОГО 1 000\n"), 4321);
    assert_int_equal(amount_text("ИТОГО 1 000\n  kaspi-amount :  4 321,00 ₸\nTOTAL 9\n"), 4321);
    assert_int_equal(amount_text("KASPI-AMOUNT: 1\nKASPI-AMOUNT: 2\n"), 2);
    /* a word inside another word is not a total */
    assert_problem("ПОДИТОГО 500\nSUBTOTAL 500\nTOTALLY 500\n", KP_BILL_NO_AMOUNT, "no amount");
}

static void extra_words(void **state)
{
    (void)state;
    assert_int_equal(amount_of("СУММА ЧЕКА 640\n", strlen("СУММА ЧЕКА 640\n"), NULL, "сумма чека, amount due"), 640);
    assert_int_equal(amount_of("Amount Due: 77\n", 15 + 0, NULL, "сумма чека, amount due"), 77);
    assert_problem("СУММА ЧЕКА 640\n", KP_BILL_NO_AMOUNT, "no amount");
}

static void refusals_say_why(void **state)
{
    char msg[600];
    (void)state;
    assert_int_equal(problem_of("", 0, msg, sizeof msg), KP_BILL_EMPTY);
    assert_non_null(strstr(msg, "empty"));
    assert_int_equal(problem_of("\x1b@\x1d" "V\x00\r\n  \n", 8, msg, sizeof msg), KP_BILL_EMPTY);
    assert_non_null(strstr(msg, "only printer commands"));
    assert_problem("ИТОГО 1 500,50\n", KP_BILL_FRACTIONAL, "tiyn");
    assert_problem("ИТОГО 1 000\nИТОГО 99.5\n", KP_BILL_FRACTIONAL, "line 2");
    assert_problem("KASPI-AMOUNT: 10,01\nИТОГО 5\n", KP_BILL_FRACTIONAL, "KASPI-AMOUNT");
    assert_problem("Спасибо!\nХлеб 300\n", KP_BILL_NO_AMOUNT, "no KASPI-AMOUNT line");
    assert_problem("ИТОГО:\n   1 500\n", KP_BILL_NO_AMOUNT, "line 1");
    assert_problem("ИТОГО 0\n", KP_BILL_BAD_AMOUNT, "1 to 999 999 999");
    assert_problem("ИТОГО 1 000 000 000\n", KP_BILL_BAD_AMOUNT, "1 to 999 999 999");
    assert_problem("ИТОГО 99999999999999999999999\n", KP_BILL_BAD_AMOUNT, "whole tenge");
    assert_problem("ИТОГО 1.500\n", KP_BILL_BAD_AMOUNT, "line 1");
    assert_problem("KASPI-AMOUNT: twelve\nИТОГО 5\n", KP_BILL_BAD_AMOUNT, "KASPI-AMOUNT");
    assert_problem("KASPI-AMOUNT: 12 apples\n", KP_BILL_BAD_AMOUNT, "KASPI-AMOUNT");
}

static void size_bound(void **state)
{
    kp_bill b;
    kp_bill_options opt = { NULL, NULL, 16 };
    kp_error err = { 0 };
    (void)state;
    kp_bill_init(&b);
    assert_int_equal(kp_bill_parse("ИТОГО 100 000 000\n", 25, &opt, &b, &err), KP_ERR_TOO_LARGE);
    assert_int_equal(b.problem, KP_BILL_TOO_LARGE);
    kp_bill_clear(&b);
}

#define STRIP(literal, want) strip(literal, sizeof literal - 1, want)
static void strip(const char *in, size_t len, const char *want)
{
    kp_buf out = KP_BUF_INIT;
    assert_int_equal(kp_bill_strip_escpos(in, len, &out), KP_OK);
    assert_string_equal(kp_buf_str(&out), want);
    kp_buf_free(&out);
}

static void escpos_arguments_are_skipped(void **state)
{
    (void)state;
    /* parameter bytes that look like text, digits or line feeds are not text */
    STRIP("\x1b!\x31" "A\x1b-\x0a" "B\x1b" "3\x39" "C", "ABC");
    STRIP("\x1b$\x31\x32" "D\x1b" "p\x30\x37\x79" "E", "DE");
    STRIP("\x1b" "D\x08\x10\x18\x00" "F\x09G", "F G");
    STRIP("\x1b*\x21\x02\x00" "123456" "H", "H");           /* 24-dot bit image: 2 x 3 bytes */
    STRIP("\x1b*\x00\x03\x00" "999" "I", "I");
    STRIP("\x1b(A\x04\x00" "0a12" "J", "J");
    STRIP("\x1d" "V\x42\x35" "K\x1d" "V\x01" "L", "KL");
    STRIP("\x1dk\x02" "4006381333931\x00" "M", "M");       /* EAN-13, NUL-ended */
    STRIP("\x1dk\x49\x04" "{B12" "N", "N");                 /* CODE128 with a length */
    STRIP("\x1d(k\x03\x00" "1C\x05" "O", "O");
    STRIP("\x1d" "8L\x02\x00\x00\x00" "zz" "P", "P");
    STRIP("\x1d*\x01\x01" "12345678" "Q", "Q");
    STRIP("\x1c" "p\x01\x30" "R\x1c&\x1c." "S", "RS");
    STRIP("\x10\x04\x01" "T\x10\x14\x01\x00\x05" "U", "TU");
    STRIP("\x1d!\x11" "V\x1d" "L\x10\x00" "W\x1d" "W\x00\x02" "X", "VWX");
    STRIP("a\tb\x0c" "c\x07\x7f" "d", "a b\ncd");
    STRIP("\x1b", "");                                        /* cut short at the end */
    STRIP("Z\x1d" "v0\x00\xff\xff\xff\xff", "Z");              /* huge raster, truncated */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_bills_in_three_encodings),
        cmocka_unit_test(hand_made_code_page_bytes),
        cmocka_unit_test(named_charset_and_unknown_one),
        cmocka_unit_test(total_forms),
        cmocka_unit_test(last_total_line_wins_and_marker_beats_it),
        cmocka_unit_test(extra_words),
        cmocka_unit_test(refusals_say_why),
        cmocka_unit_test(size_bound),
        cmocka_unit_test(escpos_arguments_are_skipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
