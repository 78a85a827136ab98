/* test_filter_settings.c: how the CUPS filters settle a job's options: the
 * defaults of the project's own PPDs (as ppdc built them), then the job's
 * options (case-insensitive names, checked values, never a path), and the
 * bounded reading of the job's document. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter_common.h"

static char ppd_path[4096];

static const char *ppd(const char *name)
{
    const char *dir = getenv("top_builddir");

    snprintf(ppd_path, sizeof ppd_path, "%s/filters/%s.ppd", dir ? dir : ".", name);
    return ppd_path;
}

static kp_status settle(const char *ppd_name, const char *options, kp_filter_settings *s,
                        kp_error *err)
{
    kp_filter_settings_init(s);
    return kp_filter_settings_read(ppd_name ? ppd(ppd_name) : NULL, options, s, err);
}

static void ppd_defaults_are_read(void **state)
{
    kp_filter_settings s;
    kp_error err;
    (void)state;
    assert_int_equal(settle("kaspi80", NULL, &s, &err), KP_OK);
    assert_string_equal(s.profile, "80mm");
    assert_string_equal(s.language, "ru");
    assert_string_equal(s.template_name, "");   /* "default": the one for the cheque */
    assert_int_equal(s.cut, 1);
    assert_int_equal(s.drawer, 0);
    assert_int_equal(s.logo, 0);
    assert_int_equal(settle("kaspi58", "", &s, &err), KP_OK);
    assert_string_equal(s.profile, "58mm");
    assert_int_equal(settle("kaspipdf", NULL, &s, &err), KP_OK);
    assert_string_equal(s.profile, "80mm");
    assert_int_equal(s.cut, -1);                /* the PDF queue has no cutter */
}

static void job_options_win_and_ignore_case(void **state)
{
    kp_filter_settings s;
    kp_error err;
    (void)state;
    assert_int_equal(settle("kaspi80", "profile=58mm LANGUAGE=kk Cut=NO cashdrawer=yes "
                            "Logo=store Template=custom job-uuid=urn:uuid:1 copies=2",
                            &s, &err), KP_OK);
    assert_string_equal(s.profile, "58mm");
    assert_string_equal(s.language, "kk");
    assert_string_equal(s.template_name, "custom");
    assert_int_equal(s.cut, 0);
    assert_int_equal(s.drawer, 1);
    assert_int_equal(s.logo, 1);
}

static void other_roll_picks_generic_profile(void **state)
{
    kp_filter_settings s;
    kp_error err;
    (void)state;
    assert_int_equal(settle("kaspi80", "media=58x297mm.Fullbleed", &s, &err), KP_OK);
    assert_string_equal(s.profile, "58mm");
    /* the queue's own roll, or a profile named by the job, change nothing */
    assert_int_equal(settle("kaspi80", "PageSize=80x297mm.Fullbleed", &s, &err), KP_OK);
    assert_string_equal(s.profile, "80mm");
    assert_int_equal(settle("kaspi80", "media=58x297mm.Fullbleed Profile=xprinter-58", &s, &err),
                     KP_OK);
    assert_string_equal(s.profile, "xprinter-58");
    assert_int_equal(settle("kaspi58", "PageSize=80x297mm.Fullbleed", &s, &err), KP_OK);
    assert_string_equal(s.profile, "80mm");
}

static void bad_values_are_refused_by_name(void **state)
{
    static const char *const bad[][2] = {
        { "Template=../../etc/passwd", "Template" },
        { "Template=/etc/kaspi.receipt", "Template" },
        { "Language=ru/../x", "Language" },
        { "Profile=.hidden", "Profile" },
        { "Cut=maybe", "Cut" },
        { "CashDrawer=2", "CashDrawer" },
        { "Logo=/tmp/x.png", "Logo" },
        { "Profile=", "Profile" },
    };
    kp_filter_settings s;
    kp_error err;
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(settle("kaspi80", bad[i][0], &s, &err), KP_ERR_USAGE);
        assert_non_null(strstr(err.message, bad[i][1]));
    }
    char longname[300];
    memset(longname, 'a', sizeof longname);
    memcpy(longname, "Template=", 9);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(settle(NULL, longname, &s, &err), KP_ERR_USAGE);
}

static void missing_ppd_is_a_setup_error(void **state)
{
    kp_filter_settings s;
    kp_error err;
    (void)state;
    kp_filter_settings_init(&s);
    assert_int_equal(kp_filter_settings_read("/nonexistent/q.ppd", NULL, &s, &err), KP_ERR_SETUP);
    assert_non_null(strstr(err.message, "/nonexistent/q.ppd"));
}

static void document_is_bounded(void **state)
{
    char path[] = "/tmp/kp-filter-doc.XXXXXX";
    int fd = mkstemp(path);
    FILE *f;
    kp_buf doc = KP_BUF_INIT;
    kp_error err;
    (void)state;
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(kp_filter_read_document(path, &doc, &err), KP_ERR_MALFORMED);  /* empty */
    f = fopen(path, "w");
    for (unsigned i = 0; i < KP_FILTER_MAX_DOCUMENT; i++)
        fputc(' ', f);
    fclose(f);
    assert_int_equal(kp_filter_read_document(path, &doc, &err), KP_OK);
    assert_int_equal(doc.len, KP_FILTER_MAX_DOCUMENT);
    kp_buf_free(&doc);
    f = fopen(path, "a");
    fputc('{', f);
    fclose(f);
    assert_int_equal(kp_filter_read_document(path, &doc, &err), KP_ERR_TOO_LARGE);
    unlink(path);
    assert_int_equal(kp_filter_read_document(path, &doc, &err), KP_ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ppd_defaults_are_read),
        cmocka_unit_test(job_options_win_and_ignore_case),
        cmocka_unit_test(other_roll_picks_generic_profile),
        cmocka_unit_test(bad_values_are_refused_by_name),
        cmocka_unit_test(missing_ppd_is_a_setup_error),
        cmocka_unit_test(document_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
