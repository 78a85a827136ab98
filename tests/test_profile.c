/* test_profile.c: printer profiles: the installed profiles.conf, the list
 * `kaspi-pay profiles` prints, and the messages for a broken file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kaspipos/codepage.h"
#include "kaspipos/profile.h"

static const char *data_file(void)
{
    static char path[4096];
    const char *top = getenv("top_srcdir");
    snprintf(path, sizeof path, "%s/data/profiles.conf", top ? top : ".");
    return path;
}

static kp_profile_set *load_installed(void)
{
    kp_profile_set *set = NULL;
    kp_error err;
    if (kp_profile_load(data_file(), &set, &err) != KP_OK)
        fail_msg("%s", err.message);
    return set;
}

static void generic_profiles_follow_the_contract(void **state)
{
    kp_profile_set *set = load_installed();
    const kp_profile *p;
    (void)state;
    p = kp_profile_find(set, "80mm");
    assert_non_null(p);
    assert_int_equal(p->chars_per_line, 48);
    assert_string_equal(p->code_page, "CP866");
    assert_int_equal(p->code_page_select, 17);
    assert_int_equal(p->select_command, KP_PROFILE_SELECT_ESCPOS);
    assert_string_equal(p->tenge, "тг");
    p = kp_profile_find(set, "58mm");
    assert_non_null(p);
    assert_int_equal(p->chars_per_line, 32);
    assert_string_equal(p->code_page, "CP866");
    assert_int_equal(p->code_page_select, 17);
    assert_null(kp_profile_find(set, "80MM"));
    assert_null(kp_profile_find(set, "nope"));
    kp_profile_set_free(set);
}

static void every_profile_is_usable(void **state)
{
    kp_profile_set *set = load_installed();
    bool kazakh = false, star = false, raster_qr = false;
    (void)state;
    assert_true(kp_profile_count(set) >= 10);
    for (size_t i = 0; i < kp_profile_count(set); i++) {
        const kp_profile *p = kp_profile_at(set, i);
        kp_codepage *cp;
        assert_int_equal(kp_codepage_new(p->code_page, p->tenge, &cp, NULL), KP_OK);
        kp_codepage_free(cp);
        assert_true(p->chars_per_line * 12 <= p->dots_per_line + 1);
        assert_true(p->chars_per_line_font_b >= p->chars_per_line);
        assert_true(strlen(p->description) > 0);
        kazakh |= !strcmp(p->code_page, "RK1048") || !strcmp(p->code_page, "PT154");
        star |= p->select_command == KP_PROFILE_SELECT_STAR;
        raster_qr |= !p->native_qr;
    }
    assert_true(kazakh && star && raster_qr);
    assert_null(kp_profile_at(set, kp_profile_count(set)));
    kp_profile_set_free(set);
}

static void list_has_one_line_per_profile(void **state)
{
    kp_profile_set *set = load_installed();
    kp_buf out = KP_BUF_INIT;
    size_t lines = 0;
    char *line, *save = NULL;
    (void)state;
    assert_int_equal(kp_profile_list_write(set, &out), KP_OK);
    assert_true(strncmp(kp_buf_str(&out), "80mm\t48\tCP866\t", 14) == 0);
    assert_non_null(strstr(kp_buf_str(&out), "\n58mm\t32\tCP866\t"));
    assert_int_equal(out.data[out.len - 1], '\n');
    for (line = strtok_r(out.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        const kp_profile *p = kp_profile_at(set, lines++);
        char expect[512];
        snprintf(expect, sizeof expect, "%s\t%d\t%s\t%s", p->name, p->chars_per_line,
                 p->code_page, p->description);
        assert_string_equal(line, expect);
    }
    assert_int_equal(lines, kp_profile_count(set));
    kp_buf_free(&out);
    kp_profile_set_free(set);
}

static void defaults_fill_what_is_left_out(void **state)
{
    const char *text = "\xEF\xBB\xBF# minimal, saved with a BOM and CRLF\r\n[tiny]\r\n"
                       "chars_per_line = 32\ncode_page = pt154\n"
                       "code_page_select = 5\nnative_qr = no\ntenge = KZT\n";
    kp_profile_set *set;
    const kp_profile *p;
    (void)state;
    assert_int_equal(kp_profile_parse(text, strlen(text), "t", &set, NULL), KP_OK);
    p = kp_profile_find(set, "tiny");
    assert_int_equal(p->dots_per_line, 384);
    assert_int_equal(p->chars_per_line_font_b, 42);
    assert_string_equal(p->code_page, "PT154");
    assert_false(p->native_qr);
    assert_true(p->cutter && p->drawer && p->cancel_kanji);
    assert_string_equal(p->tenge, "KZT");
    assert_string_equal(p->description, "");
    kp_profile_set_free(set);
}

static void expect_error(const char *text, const char *where, const char *what)
{
    kp_profile_set *set = (kp_profile_set *)1;
    kp_error err;
    assert_int_equal(kp_profile_parse(text, strlen(text), "x.conf", &set, &err), KP_ERR_MALFORMED);
    assert_null(set);
    if (strncmp(err.message, where, strlen(where)) != 0 || !strstr(err.message, what))
        fail_msg("message \"%s\" lacks \"%s\" ... \"%s\"", err.message, where, what);
}

#define GOOD "chars_per_line = 48\ncode_page = CP866\ncode_page_select = 17\n"

static void broken_files_say_file_and_line(void **state)
{
    (void)state;
    expect_error("[a]\n" GOOD "cpi = 4\n", "x.conf:5:", "unknown key \"cpi\"");
    expect_error("[a]\n" GOOD "[a]\n" GOOD, "x.conf:5:", "defined twice");
    expect_error("[a]\nchars_per_line = 48\n", "x.conf:1:", "lacks code_page");
    expect_error("[a]\n" GOOD "[b]\n", "x.conf:5:", "lacks chars_per_line");
    expect_error("[a]\nchars_per_line = 480\n", "x.conf:2:", "16 to 96");
    expect_error("[a]\ncode_page = UTF-8\n", "x.conf:2:", "CP866, RK1048");
    expect_error("cutter = yes\n", "x.conf:1:", "before any [NAME]");
    expect_error("[a b]\n", "x.conf:1:", "bad profile name");
    expect_error("[a]\ncutter = maybe\n", "x.conf:2:", "yes or no");
    expect_error("[a]\nselect_command = citizen\n", "x.conf:2:", "escpos or star");
    expect_error("[a]\njust words\n", "x.conf:2:", "KEY = VALUE");
    expect_error("[a]\ndescription = a\tb\n", "x.conf:2:", "printable");
    expect_error("[a]\ntenge =\n", "x.conf:2:", "empty");
    expect_error("[a]\ncode_page_select = -1\n", "x.conf:2:", "0 to 255");
    expect_error("# nothing\n", "x.conf:", "no [NAME]");
}

static void environment_names_the_file(void **state)
{
    char path[] = "/tmp/kp-profiles-XXXXXX";
    int fd = mkstemp(path);
    const char *text = "[only]\n" GOOD "description = from the environment\n";
    kp_profile_set *set;
    kp_error err;
    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    setenv("KASPI_PROFILES", path, 1);
    assert_string_equal(kp_profile_default_path(), path);
    assert_int_equal(kp_profile_load(NULL, &set, &err), KP_OK);
    assert_int_equal(kp_profile_count(set), 1);
    assert_string_equal(kp_profile_at(set, 0)->description, "from the environment");
    kp_profile_set_free(set);
    unlink(path);
    assert_int_equal(kp_profile_load(NULL, &set, &err), KP_ERR_SETUP);
    assert_non_null(strstr(err.message, path));
    unsetenv("KASPI_PROFILES");
    assert_non_null(strstr(kp_profile_default_path(), "/profiles.conf"));
}

static void get_names_the_known_profiles(void **state)
{
    kp_profile_set *set = load_installed();
    const kp_profile *p;
    kp_error err;
    (void)state;
    assert_int_equal(kp_profile_get(set, "80mm", &p, &err), KP_OK);
    assert_string_equal(p->name, "80mm");
    assert_int_equal(kp_profile_get(set, "90mm", &p, &err), KP_ERR_USAGE);
    assert_null(p);
    assert_non_null(strstr(err.message, "\"90mm\""));
    assert_non_null(strstr(err.message, "58mm"));
    kp_profile_set_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generic_profiles_follow_the_contract),
        cmocka_unit_test(every_profile_is_usable),
        cmocka_unit_test(list_has_one_line_per_profile),
        cmocka_unit_test(defaults_fill_what_is_left_out),
        cmocka_unit_test(broken_files_say_file_and_line),
        cmocka_unit_test(environment_names_the_file),
        cmocka_unit_test(get_names_the_known_profiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
