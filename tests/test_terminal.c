/* test_terminal.c: unit tests of the terminal room without a network:
 * validation, URL building and parsing every documented response shape. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kaspipos/terminal.h"

static char *read_test_file(const char *name, size_t *len)
{
    char path[1024];
    const char *top = getenv("top_srcdir");
    FILE *f;
    char *data;
    long size;

    snprintf(path, sizeof path, "%s/tests/data/responses/%s", top ? top : ".", name);
    f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    data = malloc((size_t)size + 1);
    assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
    data[size] = '\0';
    fclose(f);
    *len = (size_t)size;
    return data;
}

static void amounts_refused_before_sending(void **state)
{
    const char *bad[] = { "0", "-5", "1.5", "1e3", "+7", " 12", "12 ", "12abc", "", "007",
                          "99999999999999999999", "1000000000", "1,5", "١٢", "0x10" };
    long amount = -1;
    kp_error err;
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(kp_amount_parse(bad[i], &amount, &err), KP_ERR_USAGE);
        assert_true(strlen(err.message) > 10);
    }
    assert_int_equal(kp_amount_parse(NULL, &amount, &err), KP_ERR_USAGE);
    assert_int_equal(amount, -1);
}

static void amounts_accepted(void **state)
{
    long amount = 0;
    (void)state;
    assert_int_equal(kp_amount_parse("1", &amount, NULL), KP_OK);
    assert_int_equal(amount, 1);
    assert_int_equal(kp_amount_parse("1500", &amount, NULL), KP_OK);
    assert_int_equal(amount, 1500);
    assert_int_equal(kp_amount_parse("999999999", &amount, NULL), KP_OK);
    assert_int_equal(amount, 999999999);
}

static void refund_inputs_checked(void **state)
{
    kp_error err;
    (void)state;
    assert_int_equal(kp_refund_method_check("card", &err), KP_OK);
    assert_int_equal(kp_refund_method_check("qr", &err), KP_OK);
    assert_int_equal(kp_refund_method_check("cash", &err), KP_ERR_USAGE);
    assert_non_null(strstr(err.message, "card or qr"));
    assert_int_equal(kp_refund_method_check(NULL, &err), KP_ERR_USAGE);
    assert_int_equal(kp_transaction_id_check("", &err), KP_ERR_USAGE);
    assert_int_equal(kp_transaction_id_check("a\nb", &err), KP_ERR_USAGE);
    assert_int_equal(kp_transaction_id_check("12 & =Ж", &err), KP_OK);
}

static void addresses_parsed(void **state)
{
    kp_buf host = KP_BUF_INIT;
    int port = 0;
    kp_error err;
    (void)state;
    assert_int_equal(kp_terminal_address_parse("10.0.0.5", &host, &port, &err), KP_OK);
    assert_string_equal(kp_buf_str(&host), "10.0.0.5");
    assert_int_equal(port, 8080);
    assert_int_equal(kp_terminal_address_parse("pos.local:18080", &host, &port, &err), KP_OK);
    assert_string_equal(kp_buf_str(&host), "pos.local");
    assert_int_equal(port, 18080);
    assert_int_equal(kp_terminal_address_parse("[::1]:9", &host, &port, &err), KP_OK);
    assert_string_equal(kp_buf_str(&host), "::1");
    assert_int_equal(port, 9);
    assert_int_equal(kp_terminal_address_parse("h:0", &host, &port, &err), KP_ERR_USAGE);
    assert_int_equal(kp_terminal_address_parse("h:70000", &host, &port, &err), KP_ERR_USAGE);
    assert_int_equal(kp_terminal_address_parse("h:80x", &host, &port, &err), KP_ERR_USAGE);
    assert_int_equal(kp_terminal_address_parse("h/x", &host, &port, &err), KP_ERR_USAGE);
    assert_int_equal(kp_terminal_address_parse("a b", &host, &port, &err), KP_ERR_USAGE);
    assert_int_equal(kp_terminal_address_parse("", &host, &port, &err), KP_ERR_USAGE);
    assert_int_equal(kp_terminal_address_parse(":80", &host, &port, &err), KP_ERR_USAGE);
    kp_buf_free(&host);
}

static void urls_encode_every_parameter(void **state)
{
    kp_buf url = KP_BUF_INIT;
    kp_url_param params[] = { { "method", "qr" }, { "amount", "100" },
                              { "transactionId", "a&b=c d+Ж/?#%" }, { "owncheque", "true" },
                              { NULL, NULL } };
    (void)state;
    assert_int_equal(kp_url_build(&url, "http://10.0.0.5:8080", "/refund", params), KP_OK);
    assert_string_equal(kp_buf_str(&url),
                        "http://10.0.0.5:8080/refund?method=qr&amount=100"
                        "&transactionId=a%26b%3Dc%20d%2B%D0%96%2F%3F%23%25&owncheque=true");
    assert_int_equal(kp_url_build(&url, "http://h:1", "/status", NULL), KP_OK);
    assert_string_equal(kp_buf_str(&url), "http://h:1/status");
    kp_buf_free(&url);
}

static kp_status parse(long http, const char *body, kp_response *resp, kp_error *err)
{
    return kp_response_parse(http, body, strlen(body), resp, err);
}

static void wait_and_fail_parsed(void **state)
{
    kp_response resp;
    kp_error err;
    (void)state;
    kp_response_init(&resp);
    assert_int_equal(parse(200, "{\"processId\": \"1579237873554\", \"status\": \"wait\"}", &resp, &err), KP_OK);
    assert_int_equal(resp.status, KP_OP_WAIT);
    assert_string_equal(resp.process_id, "1579237873554");
    assert_int_equal(parse(200, "{\"processId\": 1579245612135, \"status\": \"fail\"}", &resp, &err), KP_OK);
    assert_int_equal(resp.status, KP_OP_FAIL);
    assert_string_equal(resp.process_id, "1579245612135");
    assert_int_equal(parse(200, "{\"processId\": \"7\", \"status\": \"processing\", \"subStatus\": \"x\"}", &resp, &err), KP_OK);
    assert_int_equal(resp.status, KP_OP_OTHER);
    assert_string_equal(resp.status_text, "processing");
    kp_response_clear(&resp);
}

static void success_parsed_with_all_fields(void **state)
{
    kp_response resp;
    kp_error err;
    size_t len;
    char *body = read_test_file("vendor-success.json", &len);
    char *rrn;
    (void)state;
    kp_response_init(&resp);
    assert_int_equal(kp_response_parse(200, body, len, &resp, &err), KP_OK);
    assert_int_equal(resp.status, KP_OP_SUCCESS);
    assert_string_equal(resp.transaction_id, "12345");
    assert_non_null(resp.cheque_info);
    assert_non_null(resp.add_info);
    assert_string_equal(json_string_value(json_object_get(resp.add_info, "ProductType")), "Red");
    rrn = kp_json_scalar_text(json_object_get(resp.cheque_info, "rrn"));
    assert_string_equal(rrn, "002412884692");
    free(rrn);
    assert_int_equal(resp.body_len, len);
    assert_memory_equal(resp.body, body, len);
    kp_response_clear(&resp);
    free(body);
}

static void vendor_malformed_example_kept_raw(void **state)
{
    kp_response resp;
    kp_error err;
    size_t len;
    char *body = read_test_file("vendor-success-malformed.json", &len);
    (void)state;
    kp_response_init(&resp);
    assert_int_equal(kp_response_parse(200, body, len, &resp, &err), KP_ERR_MALFORMED);
    assert_non_null(strstr(err.message, "not valid JSON"));
    assert_non_null(strstr(err.message, "line 10"));
    assert_null(resp.json);
    assert_int_equal(resp.body_len, len);
    assert_memory_equal(resp.body, body, len);
    kp_response_clear(&resp);
    free(body);
}

static void scalars_of_any_type_and_extra_fields(void **state)
{
    kp_response resp;
    kp_error err;
    char *text;
    const char *body = "{\"processId\": 42, \"status\": \"success\", \"transactionId\": 777,"
                       " \"subStatus\": \"CardTransactionSuccess\","
                       " \"chequeInfo\": {\"amount\": 1500, \"pinEntered\": true, \"type\": \"payment\"}}";
    (void)state;
    kp_response_init(&resp);
    assert_int_equal(parse(200, body, &resp, &err), KP_OK);
    assert_string_equal(resp.process_id, "42");
    assert_string_equal(resp.transaction_id, "777");
    text = kp_json_scalar_text(json_object_get(resp.cheque_info, "pinEntered"));
    assert_string_equal(text, "true");
    free(text);
    text = kp_json_scalar_text(json_object_get(resp.cheque_info, "amount"));
    assert_string_equal(text, "1500");
    free(text);
    assert_string_equal(json_string_value(json_object_get(resp.json, "subStatus")), "CardTransactionSuccess");
    assert_null(kp_json_scalar_text(resp.cheque_info));
    kp_response_clear(&resp);
}

static void errors_classified(void **state)
{
    kp_response resp;
    kp_error err;
    (void)state;
    kp_response_init(&resp);
    assert_int_equal(parse(200, "{\"message\": \"Could not register transaction\"}", &resp, &err), KP_ERR_REFUSED);
    assert_string_equal(err.message, "Could not register transaction");
    assert_string_equal(resp.message, "Could not register transaction");
    assert_int_equal(parse(400, "{\"message\": \"Process not found\"}", &resp, &err), KP_ERR_NOT_FOUND);
    assert_int_equal(parse(400, "{\"message\": \"Bad amount\"}", &resp, &err), KP_ERR_HTTP);
    assert_non_null(strstr(err.message, "Bad amount"));
    assert_int_equal(parse(503, "Service Unavailable", &resp, &err), KP_ERR_HTTP);
    assert_non_null(strstr(err.message, "503"));
    assert_string_equal(resp.body, "Service Unavailable");
    assert_int_equal(parse(200, "[1,2]", &resp, &err), KP_ERR_MALFORMED);
    assert_int_equal(parse(200, "", &resp, &err), KP_ERR_MALFORMED);
    assert_int_equal(parse(200, "{\"status\": \"wait\"}", &resp, &err), KP_ERR_MALFORMED);
    assert_int_equal(parse(200, "{\"processId\": \"1\"}", &resp, &err), KP_ERR_MALFORMED);
    assert_int_equal(parse(200, "{\"processId\": \"1\", \"status\": \"success\"}", &resp, &err), KP_ERR_MALFORMED);
    assert_non_null(strstr(err.message, "chequeInfo"));
    assert_int_equal(parse(200, "{\"processId\": {}, \"status\": \"wait\"}", &resp, &err), KP_ERR_MALFORMED);
    kp_response_clear(&resp);
}

static void body_with_nul_kept_whole(void **state)
{
    kp_response resp;
    kp_error err;
    const char body[] = "{\"a\":1}\0garbage";
    (void)state;
    kp_response_init(&resp);
    assert_int_equal(kp_response_parse(200, body, sizeof body - 1, &resp, &err), KP_ERR_MALFORMED);
    assert_int_equal(resp.body_len, sizeof body - 1);
    assert_memory_equal(resp.body, body, sizeof body - 1);
    kp_response_clear(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(amounts_refused_before_sending),
        cmocka_unit_test(amounts_accepted),
        cmocka_unit_test(refund_inputs_checked),
        cmocka_unit_test(addresses_parsed),
        cmocka_unit_test(urls_encode_every_parameter),
        cmocka_unit_test(wait_and_fail_parsed),
        cmocka_unit_test(success_parsed_with_all_fields),
        cmocka_unit_test(vendor_malformed_example_kept_raw),
        cmocka_unit_test(scalars_of_any_type_and_extra_fields),
        cmocka_unit_test(errors_classified),
        cmocka_unit_test(body_with_nul_kept_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
