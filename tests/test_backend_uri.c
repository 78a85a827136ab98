/* test_backend_uri.c: unit tests of the kaspi:// device URI, the job key and the declined slip. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "kaspipos/backend.h"

static void parse_ok(const char *uri, kp_backend_uri *out)
{
    kp_error err = { 0 };
    kp_status st = kp_backend_uri_parse(uri, out, &err);
    if (st != KP_OK)
        fail_msg("%s: %s", uri, err.message);
}

static void parse_fails(const char *uri, const char *words)
{
    kp_backend_uri u;
    kp_error err = { 0 };
    assert_int_equal(kp_backend_uri_parse(uri, &u, &err), KP_ERR_SETUP);
    if (!strstr(err.message, words))
        fail_msg("%s: message [%s] lacks [%s]", uri, err.message, words);
    assert_null(u.terminal);
}

static void full_uri(void **state)
{
    kp_backend_uri u;
    (void)state;
    parse_ok("kaspi://10.0.0.5:8080/?printer=receipts&template=big&timeout=90&charset=CP866&words=%D0%A1%D0%A3%D0%9C%D0%9C%D0%90,SUM", &u);
    assert_string_equal(u.terminal, "10.0.0.5:8080");
    assert_string_equal(u.printer, "receipts");
    assert_string_equal(u.template_name, "big");
    assert_int_equal(u.timeout_s, 90);
    assert_string_equal(u.charset, "CP866");
    assert_string_equal(u.words, "СУММА,SUM");
    kp_backend_uri_clear(&u);
    assert_null(u.printer);
}

static void defaults_and_forms(void **state)
{
    kp_backend_uri u;
    (void)state;
    parse_ok("kaspi://pos.local/?printer=cap", &u);
    assert_string_equal(u.terminal, "pos.local:8080");
    assert_null(u.template_name);
    assert_int_equal(u.timeout_s, 0);
    assert_null(u.charset);
    kp_backend_uri_clear(&u);
    parse_ok("kaspi://[::1]:9000/?printer=a%2Db", &u);
    assert_string_equal(u.terminal, "[::1]:9000");
    assert_string_equal(u.printer, "a-b");
    kp_backend_uri_clear(&u);
    parse_ok("KASPI://user:secret@127.0.0.1:1234?printer=x", &u);
    assert_string_equal(u.terminal, "127.0.0.1:1234");
    kp_backend_uri_clear(&u);
    parse_ok("kaspi://127.0.0.1:1234/", &u);
    assert_null(u.printer);
    kp_backend_uri_clear(&u);
}

static void refusals_name_the_problem(void **state)
{
    (void)state;
    parse_fails(NULL, "kaspi://HOST");
    parse_fails("socket://10.0.0.5:9100", "kaspi://HOST");
    parse_fails("kaspi:///?printer=x", "address");
    parse_fails("kaspi://10.0.0.5:0/?printer=x", "port");
    parse_fails("kaspi://10.0.0.5:99999/?printer=x", "port");
    parse_fails("kaspi://10.0.0.5:80a/?printer=x", "bad port");
    parse_fails("kaspi://[::1/?printer=x", "unclosed");
    parse_fails("kaspi://10.0.0.5/some/path?printer=x", "path");
    parse_fails("kaspi://10.0.0.5/?printer=a%20b", "printer");
    parse_fails("kaspi://10.0.0.5/?printer=a/b", "printer");
    parse_fails("kaspi://10.0.0.5/?printer=", "printer");
    parse_fails("kaspi://10.0.0.5/?printer=x&timeout=0", "timeout");
    parse_fails("kaspi://10.0.0.5/?printer=x&timeout=3601", "timeout");
    parse_fails("kaspi://10.0.0.5/?printer=x&timeout=-5", "timeout");
    parse_fails("kaspi://10.0.0.5/?printer=x&timeout=10s", "timeout");
    parse_fails("kaspi://10.0.0.5/?printer=x&template=../../etc", "template");
    parse_fails("kaspi://10.0.0.5/?printer=x&charset=CP866%3Brm", "charset");
    parse_fails("kaspi://10.0.0.5/?printer=x&prnter=y", "unknown parameter 'prnter'");
    parse_fails("kaspi://10.0.0.5/?printer", "no value");
    parse_fails("kaspi://ho st/?printer=x", "address");
}

static void job_key_from_uuid_or_id(void **state)
{
    char key[KP_JOURNAL_ID_MAX + 1];
    (void)state;
    kp_backend_job_key("job-uuid=urn:uuid:7f0c2b4e-1d2a-3b4c-5d6e-7f8091a2b3c4 job-originating-host-name=localhost",
                       "12", key, sizeof key);
    assert_string_equal(key, "urn:uuid:7f0c2b4e-1d2a-3b4c-5d6e-7f8091a2b3c4");
    kp_backend_job_key("finishings=3 number-up=1", "12", key, sizeof key);
    assert_string_equal(key, "cups-job-12");
    kp_backend_job_key("", "7", key, sizeof key);
    assert_string_equal(key, "cups-job-7");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_uri),
        cmocka_unit_test(defaults_and_forms),
        cmocka_unit_test(refusals_name_the_problem),
        cmocka_unit_test(job_key_from_uuid_or_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
