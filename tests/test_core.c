/* test_core.c: unit tests for the shared pieces: errors, buffers, UTF-8. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "kaspipos/buf.h"
#include "kaspipos/error.h"
#include "kaspipos/utf8.h"

static void error_set_formats_and_returns_status(void **state)
{
    kp_error err;
    (void)state;
    assert_int_equal(kp_error_set(&err, KP_ERR_IO, "cannot open %s", "x.json"), KP_ERR_IO);
    assert_int_equal(err.status, KP_ERR_IO);
    assert_string_equal(err.message, "cannot open x.json");
    kp_error_prefix(&err, "journal %d", 7);
    assert_string_equal(err.message, "journal 7: cannot open x.json");
    assert_int_equal(kp_error_set(NULL, KP_ERR_USAGE, "ignored"), KP_ERR_USAGE);
    assert_string_equal(kp_status_name(KP_ERR_UNREACHABLE), "unreachable");
    assert_string_equal(kp_status_name((kp_status)999), "unknown");
}

static void buf_grows_and_stays_terminated(void **state)
{
    kp_buf b = KP_BUF_INIT;
    size_t len;
    char *s;
    (void)state;
    assert_string_equal(kp_buf_str(&b), "");
    for (int i = 0; i < 1000; i++)
        assert_int_equal(kp_buf_printf(&b, "%d,", i), KP_OK);
    assert_true(b.len > 2000);
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(kp_buf_repeat(&b, '-', 3), KP_OK);
    assert_memory_equal(b.data + b.len - 4, ",---", 4);
    s = kp_buf_steal(&b, &len);
    assert_int_equal(strlen(s), len);
    assert_null(b.data);
    free(s);
}

static void buf_limit_refuses_without_change(void **state)
{
    kp_buf b;
    (void)state;
    kp_buf_init(&b, 8);
    assert_int_equal(kp_buf_puts(&b, "12345678"), KP_OK);
    assert_int_equal(kp_buf_putc(&b, '9'), KP_ERR_TOO_LARGE);
    assert_int_equal(b.len, 8);
    assert_string_equal(kp_buf_str(&b), "12345678");
    kp_buf_free(&b);
}

static void utf8_round_trips_kazakh_and_tenge(void **state)
{
    const char *text = "Қ₸a\xF0\x9F\x98\x80";
    uint32_t cps[4], cp;
    size_t used, off = 0, n = 0;
    char enc[4];
    (void)state;
    while (off < strlen(text)) {
        used = kp_utf8_decode(text + off, strlen(text) - off, &cp);
        cps[n++] = cp;
        off += used;
    }
    assert_int_equal(n, 4);
    assert_int_equal(cps[0], 0x049A);
    assert_int_equal(cps[1], 0x20B8);
    assert_int_equal(cps[2], 'a');
    assert_int_equal(cps[3], 0x1F600);
    assert_int_equal(kp_utf8_encode(0x20B8, enc), 3);
    assert_memory_equal(enc, "\xE2\x82\xB8", 3);
    assert_int_equal(kp_utf8_length(text, strlen(text)), 4);
    assert_true(kp_utf8_valid(text, strlen(text)));
}

static void utf8_invalid_bytes_advance_one(void **state)
{
    uint32_t cp;
    (void)state;
    assert_int_equal(kp_utf8_decode("\xC0\xAF", 2, &cp), 1);   /* overlong */
    assert_int_equal(cp, KP_UTF8_REPLACEMENT);
    assert_int_equal(kp_utf8_decode("\xE2\x82", 2, &cp), 1);   /* truncated */
    assert_int_equal(kp_utf8_decode("\xED\xA0\x80", 3, &cp), 1); /* surrogate */
    assert_false(kp_utf8_valid("ab\xFF", 3));
    assert_true(kp_utf8_valid("\xEF\xBF\xBD", 3));
    assert_int_equal(kp_utf8_decode("", 0, &cp), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_set_formats_and_returns_status),
        cmocka_unit_test(buf_grows_and_stays_terminated),
        cmocka_unit_test(buf_limit_refuses_without_change),
        cmocka_unit_test(utf8_round_trips_kazakh_and_tenge),
        cmocka_unit_test(utf8_invalid_bytes_advance_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
