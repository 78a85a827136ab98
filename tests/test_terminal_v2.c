/* test_terminal_v2.c: unit tests of the v2 parts of the terminal room that
 * need no network: the envelope {statusCode, data, errorText} and its
 * mapping onto the error taxonomy, both forms of expirationDate, and the
 * token store (files, modes, the default name, when to renew). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kaspipos/terminal.h"
#include "kaspipos/token.h"

/* resp is initialised once by the caller: each parse clears the last one. */
static kp_status parse(const char *body, long http, kp_response *resp, kp_error *err)
{
    return kp_response_parse_v2(http, body, strlen(body), resp, err);
}

static void test_envelope_status_data(void **state)
{
    const char *body = "{\"statusCode\": 0, \"errorText\": \"\", \"data\": {\"processId\": 42, "
                       "\"status\": \"wait\", \"subStatus\": \"WaitForPinCode\"}}";
    kp_response resp = { .v2_code = -1 };
    kp_error err;

    (void)state;
    assert_int_equal(parse(body, 200, &resp, &err), KP_OK);
    assert_int_equal(kp_response_check_operation(&resp, &err), KP_OK);
    assert_int_equal(resp.v2_code, 0);
    assert_string_equal(resp.process_id, "42");
    assert_int_equal(resp.status, KP_OP_WAIT);
    assert_string_equal(resp.sub_status, "WaitForPinCode");
    assert_ptr_equal(resp.payload, json_object_get(resp.json, "data"));
    assert_string_equal(resp.body, body);   /* kept verbatim */
    kp_response_clear(&resp);
}

static void test_envelope_success_and_unknown(void **state)
{
    kp_response resp = { .v2_code = -1 };
    kp_error err;

    (void)state;
    assert_int_equal(parse("{\"statusCode\": \"0\", \"data\": {\"processId\": \"7\", \"status\": "
                           "\"success\", \"transactionId\": \"99\", \"chequeInfo\": {\"rrn\": 1}}}",
                           200, &resp, &err), KP_OK);
    assert_int_equal(kp_response_check_operation(&resp, &err), KP_OK);
    assert_int_equal(resp.status, KP_OP_SUCCESS);
    assert_string_equal(resp.transaction_id, "99");
    assert_non_null(resp.cheque_info);
    assert_int_equal(parse("{\"statusCode\": 0, \"data\": {\"processId\": \"7\", \"status\": "
                           "\"unknown\"}}", 200, &resp, &err), KP_OK);
    assert_int_equal(resp.status, KP_OP_UNKNOWN);
    /* success without chequeInfo cannot make a cheque */
    assert_int_equal(parse("{\"statusCode\": 0, \"data\": {\"processId\": \"7\", \"status\": "
                           "\"success\"}}", 200, &resp, &err), KP_OK);
    assert_int_equal(kp_response_check_operation(&resp, &err), KP_ERR_MALFORMED);
    kp_response_clear(&resp);
}

static void test_envelope_codes(void **state)
{
    static const struct { const char *body; kp_status want; const char *text; } cases[] = {
        { "{\"statusCode\": 107, \"errorText\": \"Last operation was not completed\"}",
          KP_ERR_REFUSED, "Last operation was not completed" },
        { "{\"statusCode\": 101, \"errorText\": \"Process not found\", \"data\": null}",
          KP_ERR_NOT_FOUND, "Process not found" },
        { "{\"statusCode\": 105, \"errorText\": \"already registered\"}", KP_ERR_REFUSED,
          "already registered" },
        { "{\"statusCode\": 103, \"errorText\": \"\"}", KP_ERR_REFUSED, "cannot settle" },
        { "{\"statusCode\": 999, \"errorText\": \"Invalid amount.\"}", KP_ERR_REFUSED,
          "Invalid amount." },
        { "{\"statusCode\": 0}", KP_ERR_MALFORMED, "data" },
        { "{\"processId\": \"1\", \"status\": \"wait\"}", KP_ERR_MALFORMED, "statusCode" },
        { "{\"statusCode\": 0, \"data\": ", KP_ERR_MALFORMED, "not valid JSON" },
        { "[1]", KP_ERR_MALFORMED, "not an object" },
    };
    kp_response resp = { .v2_code = -1 };
    kp_error err;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(parse(cases[i].body, 200, &resp, &err), cases[i].want);
        if (!strstr(err.message, cases[i].text))
            fail_msg("case %zu: [%s] lacks [%s]", i, err.message, cases[i].text);
        assert_non_null(resp.body);
    }
    kp_response_clear(&resp);
}

static void test_envelope_http(void **state)
{
    kp_response resp = { .v2_code = -1 };
    kp_error err;

    (void)state;
    assert_int_equal(parse("Unauthorized", 401, &resp, &err), KP_ERR_AUTH);
    assert_int_equal(parse("", 403, &resp, &err), KP_ERR_AUTH);
    assert_int_equal(parse("oops", 500, &resp, &err), KP_ERR_HTTP);
    assert_int_equal(parse("{\"message\": \"x\"}", 404, &resp, &err), KP_ERR_HTTP);
    kp_response_clear(&resp);
}

static void expect_time(const char *text, int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                     .tm_min = mi, .tm_sec = s, .tm_isdst = -1 };
    time_t got = 0;
    kp_error err;

    if (kp_v2_expiration_parse(text, &got, &err) != KP_OK)
        fail_msg("[%s]: %s", text, err.message);
    assert_int_equal((long long)got, (long long)mktime(&tm));
}

static void test_expiration_forms(void **state)
{
    static const char *const bad[] = { "", "2026-11-30", "2026-13-01 00:00:00",
        "2026-11-30 25:00:00", "Foo 3, 2026 10:00:00", "Nov 3 2026 10:00:00",
        "2026-11-30 10:00:00 extra", "2026-11-30T10:00:00", "30.11.2026 10:00:00" };
    time_t t;

    (void)state;
    expect_time("2026-11-30 14:05:09", 2026, 11, 30, 14, 5, 9);
    expect_time("Nov 30, 2026 14:05:09", 2026, 11, 30, 14, 5, 9);
    expect_time("Jan 3, 2027 00:00:00", 2027, 1, 3, 0, 0, 0);
    expect_time("Dec 31, 2026 23:59:59", 2026, 12, 31, 23, 59, 59);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (kp_v2_expiration_parse(bad[i], &t, NULL) == KP_OK)
            fail_msg("[%s] was accepted", bad[i]);
    assert_int_equal(kp_v2_expiration_parse(NULL, &t, NULL), KP_ERR_MALFORMED);
}

static void test_token_from_data_and_due(void **state)
{
    json_t *data = json_pack("{ss ss ss}", "accessToken", "A1", "refreshToken", "R1",
                             "expirationDate", "2026-11-30 14:00:00");
    struct tm tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = 30, .tm_hour = 14, .tm_isdst = -1 };
    time_t expiry = mktime(&tm);
    kp_token tok;

    (void)state;
    assert_int_equal(kp_token_from_data(data, "kassa", expiry - 24 * 3600, &tok, NULL), KP_OK);
    assert_int_equal((long long)tok.expires_at, (long long)expiry);
    assert_false(kp_token_due(&tok, expiry - 3600));
    assert_true(kp_token_due(&tok, expiry - 300));      /* within 10 minutes */
    assert_true(kp_token_due(&tok, expiry + 1));
    kp_token_clear(&tok);
    /* an unreadable date: 24 h from now */
    json_object_set_new(data, "expirationDate", json_string("soon"));
    assert_int_equal(kp_token_from_data(data, "kassa", 1000, &tok, NULL), KP_OK);
    assert_int_equal((long long)tok.expires_at, 1000 + KP_TOKEN_LIFETIME_S);
    kp_token_clear(&tok);
    json_object_del(data, "refreshToken");
    assert_int_equal(kp_token_from_data(data, "kassa", 1000, &tok, NULL), KP_ERR_MALFORMED);
    json_decref(data);
}

static void save(const char *dir, const char *terminal, const char *name, const char *access,
                 bool make_default)
{
    kp_token tok = { .name = (char *)name, .access = (char *)access, .refresh = (char *)"r",
                     .obtained_at = 10, .expires_at = 20 };
    kp_error err;

    if (kp_token_save(dir, terminal, &tok, make_default, &err) != KP_OK)
        fail_msg("%s", err.message);
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[1024];

    assert_non_null(d);
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            assert_int_equal(unlink(path), 0);
        }
    closedir(d);
    assert_int_equal(rmdir(dir), 0);
}

static void test_token_store(void **state)
{
    char dir[] = "/tmp/kp-token-test.XXXXXX", path[512];
    kp_token tok;
    struct stat st;
    kp_error err;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(kp_token_load(dir, "10.0.0.5:8080", NULL, &tok, &err), KP_ERR_NOT_FOUND);
    save(dir, "10.0.0.5:8080", "kassa 1/Қ", "A1", true);
    save(dir, "10.0.0.5:8080", "kassa-2", "A2", false);
    save(dir, "10.0.0.6:8080", "other", "A3", true);
    /* no name: the one registered last for that terminal */
    assert_int_equal(kp_token_load(dir, "10.0.0.5:8080", NULL, &tok, &err), KP_OK);
    assert_string_equal(tok.name, "kassa 1/Қ");
    assert_string_equal(tok.access, "A1");
    assert_int_equal((long long)tok.expires_at, 20);
    kp_token_clear(&tok);
    assert_int_equal(kp_token_load(dir, "10.0.0.5:8080", "kassa-2", &tok, &err), KP_OK);
    assert_string_equal(tok.access, "A2");
    kp_token_clear(&tok);
    assert_int_equal(kp_token_load(dir, "10.0.0.5:8080", "other", &tok, &err), KP_ERR_NOT_FOUND);
    snprintf(path, sizeof path, "%s/tokens/10%%2E0%%2E0%%2E5%%3A8080.kassa-2.json", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    snprintf(path, sizeof path, "%s/tokens", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(kp_token_name_check("", NULL), KP_ERR_USAGE);
    assert_int_equal(kp_token_name_check("a\nb", NULL), KP_ERR_USAGE);
    assert_int_equal(kp_token_name_check("kassa 1", NULL), KP_OK);
    remove_dir(path);   /* DIR/tokens */
    assert_int_equal(rmdir(dir), 0);
}

static void test_api_names(void **state)
{
    kp_terminal_api api;

    (void)state;
    assert_int_equal(kp_terminal_api_parse("v2", &api, NULL), KP_OK);
    assert_int_equal(api, KP_API_V2);
    assert_int_equal(kp_terminal_api_parse(NULL, &api, NULL), KP_OK);
    assert_int_equal(api, KP_API_V1);
    assert_int_equal(kp_terminal_api_parse("v3", &api, NULL), KP_ERR_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope_status_data),
        cmocka_unit_test(test_envelope_success_and_unknown),
        cmocka_unit_test(test_envelope_codes),
        cmocka_unit_test(test_envelope_http),
        cmocka_unit_test(test_expiration_forms),
        cmocka_unit_test(test_token_from_data_and_due),
        cmocka_unit_test(test_token_store),
        cmocka_unit_test(test_api_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
