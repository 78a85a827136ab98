/* test_layout.c: unit tests for the layout model and the text renderer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_text_is_centred),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
