/* test_cheque.c: unit tests for saved cheques: the envelope round trip,
 * both accepted forms, display amounts, and every reason a file is refused. */
#define _GNU_SOURCE 1
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kaspipos/cheque.h"
#include "kaspipos/journal.h"

/* A v1 success response as a terminal sends it, with fields newer app
 * versions add (subStatus, chequeInfo.type) that must survive. */
static const char success_v1[] =
    "{\"processId\": \"1579237873554\", \"status\": \"success\", \"subStatus\": \"X\","
    " \"transactionId\": \"3215479410\","
    " \"addInfo\": {\"IsOffer\": false, \"ProductType\": \"Gold\", \"LoanTerm\": -1},"
    " \"chequeInfo\": {\"storeName\": \"Магазин\", \"city\": \"Алматы\","
    " \"status\": \"Покупка с Kaspi Gold. Одобрено\", \"amount\": \"1 500 ₸\","
    " \"date\": \"24.01.20 18:40:23\", \"method\": \"qr\", \"type\": \"payment\"}}";

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

static int make_tmp(void **state)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *dir;
    assert_true(asprintf(&dir, "%s/kp-cheque-test.XXXXXX", base) > 0);
    assert_non_null(mkdtemp(dir));
    *state = dir;
    return 0;
}

static int remove_tmp(void **state)
{
    nftw(*state, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(*state);
    return 0;
}

static char *join(const char *a, const char *b)
{
    char *p;
    assert_true(asprintf(&p, "%s/%s", a, b) > 0);
    return p;
}

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);
    if (!v)
        fail_msg("bad test JSON: %s", jerr.text);
    return v;
}

static void write_text(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

static kp_cheque_fields fields_for(const json_t *response)
{
    kp_cheque_fields f = { "payment", 1500, "10.0.0.5:8080", "1579237873554", NULL, response };
    return f;
}

/* Loads text and expects the error; returns the message for more checks. */
static const char *refused(const char *text, kp_status want)
{
    static kp_error err;
    kp_cheque *c = (kp_cheque *)1;
    assert_int_equal(kp_cheque_load_buffer(text, strlen(text), "bad.json", &c, &err), want);
    assert_null(c);
    assert_int_equal(err.status, want);
    return err.message;
}

/* ---------------------------------------------------------------- saving */

static void envelope_round_trips_through_a_file(void **state)
{
    json_t *response = parse(success_v1);
    kp_cheque_fields f = fields_for(response);
    char *path, *chequedir = join(*state, "cheques");
    kp_cheque *c;
    kp_error err;
    struct stat st;

    assert_int_equal(kp_cheque_save(*state, &f, &path, &err), KP_OK);
    assert_memory_equal(path, chequedir, strlen(chequedir));
    assert_non_null(strstr(path, "Z-3215479410.json"));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(chequedir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    assert_int_equal(kp_cheque_load_file(path, &c, &err), KP_OK);
    assert_true(kp_cheque_is_envelope(c));
    assert_string_equal(kp_cheque_operation(c), "payment");
    assert_int_equal(kp_cheque_amount(c), 1500);
    assert_string_equal(kp_cheque_terminal(c), "10.0.0.5:8080");
    assert_string_equal(kp_cheque_process_id(c), "1579237873554");
    assert_string_equal(kp_cheque_transaction_id(c), "3215479410");
    assert_string_equal(kp_cheque_api(c), "v1");
    assert_null(json_object_get(kp_cheque_json(c), "api"));
    assert_non_null(kp_cheque_saved_at(c));
    assert_int_equal(strlen(kp_cheque_saved_at(c)), strlen("2026-11-30T03:15:00.000Z"));
    assert_true(json_equal((json_t *)kp_cheque_response(c), response));   /* verbatim, unknown fields too */
    assert_string_equal(json_string_value(json_object_get(kp_cheque_response(c), "subStatus")), "X");
    assert_int_equal(json_integer_value(json_object_get(kp_cheque_json(c), "kaspiCheque")), 1);
    kp_cheque_free(c);
    free(path);
    free(chequedir);
    json_decref(response);
}

static void saving_twice_never_overwrites(void **state)
{
    json_t *response = parse(success_v1);
    kp_cheque_fields f = fields_for(response);
    char *first, *second;
    kp_error err;

    assert_int_equal(kp_cheque_save(*state, &f, &first, &err), KP_OK);
    assert_int_equal(kp_cheque_save(*state, &f, &second, &err), KP_OK);
    assert_string_not_equal(first, second);
    assert_int_equal(access(first, R_OK), 0);
    assert_int_equal(access(second, R_OK), 0);
    free(first);
    free(second);
    json_decref(response);
}

static void v2_cheque_records_its_api(void **state)
{
    json_t *response = parse(success_v1);
    kp_cheque_fields f = fields_for(response);
    char *path = join(*state, "v2.json");
    kp_cheque *c;
    kp_error err;

    f.api = "v2";
    f.operation = "refund";
    f.amount = 10;
    assert_int_equal(kp_cheque_save_to(path, &f, &err), KP_OK);
    assert_int_equal(kp_cheque_load_file(path, &c, &err), KP_OK);
    assert_string_equal(kp_cheque_api(c), "v2");
    assert_string_equal(json_string_value(json_object_get(kp_cheque_json(c), "api")), "v2");
    assert_string_equal(kp_cheque_operation(c), "refund");
    assert_int_equal(kp_cheque_amount(c), 10);
    kp_cheque_free(c);
    free(path);
    json_decref(response);
}

static void saving_refuses_what_is_not_an_approved_cheque(void **state)
{
    json_t *declined = parse("{\"processId\": \"1\", \"status\": \"fail\", \"chequeInfo\": {}}");
    json_t *wait = parse("{\"processId\": \"1\", \"status\": \"wait\"}");
    kp_cheque_fields f = fields_for(declined);
    char *path = NULL, *chequedir = join(*state, "cheques");
    kp_error err;

    assert_int_equal(kp_cheque_save(*state, &f, &path, &err), KP_ERR_MALFORMED);
    assert_null(path);
    assert_non_null(strstr(err.message, "\"fail\""));
    f.response = wait;
    assert_int_equal(kp_cheque_save(*state, &f, &path, &err), KP_ERR_MALFORMED);
    assert_non_null(strstr(err.message, "no chequeInfo"));
    f.amount = 0;
    assert_int_equal(kp_cheque_save(*state, &f, &path, &err), KP_ERR_USAGE);
    assert_int_equal(access(chequedir, F_OK), -1);   /* nothing written */
    free(chequedir);
    json_decref(declined);
    json_decref(wait);
}

/* ---------------------------------------------------------------- the bare form */

static void bare_response_is_a_cheque(void **state)
{
    kp_cheque *c;
    kp_error err;
    (void)state;

    assert_int_equal(kp_cheque_load_buffer(success_v1, strlen(success_v1), NULL, &c, &err), KP_OK);
    assert_false(kp_cheque_is_envelope(c));
    assert_int_equal(kp_cheque_amount(c), 1500);
    assert_string_equal(kp_cheque_operation(c), "payment");
    assert_string_equal(kp_cheque_process_id(c), "1579237873554");
    assert_string_equal(kp_cheque_transaction_id(c), "3215479410");
    assert_ptr_equal(kp_cheque_response(c), kp_cheque_json(c));
    assert_null(kp_cheque_terminal(c));
    assert_string_equal(kp_cheque_api(c), "v1");
    kp_cheque_free(c);
}

static void bare_refund_and_numeric_ids(void **state)
{
    const char *text = "{\"processId\": 1579237873554, \"transactionId\": 42,"
                       " \"chequeInfo\": {\"amount\": \"- 10 ₸\", \"method\": \"card\"}}";
    kp_cheque *c;
    kp_error err;
    (void)state;

    assert_int_equal(kp_cheque_load_buffer(text, strlen(text), NULL, &c, &err), KP_OK);
    assert_string_equal(kp_cheque_operation(c), "refund");
    assert_int_equal(kp_cheque_amount(c), 10);
    assert_string_equal(kp_cheque_process_id(c), "1579237873554");
    assert_string_equal(kp_cheque_transaction_id(c), "42");
    kp_cheque_free(c);
}

static void numeric_display_amount_is_read_too(void **state)
{
    const char *text = "{\"status\": \"success\", \"chequeInfo\": {\"amount\": 2500,"
                       " \"storeName\": \"a\\u0000b\"}}";
    kp_cheque *c;
    kp_error err;
    (void)state;

    assert_int_equal(kp_cheque_load_buffer(text, strlen(text), NULL, &c, &err), KP_OK);
    assert_int_equal(kp_cheque_amount(c), 2500);
    assert_null(kp_cheque_process_id(c));
    assert_null(kp_cheque_transaction_id(c));
    kp_cheque_free(c);
}

static void whole_v2_reply_is_a_cheque(void **state)
{
    const char *text = "{\"statusCode\": 0, \"errorText\": \"\", \"data\": {\"processId\": \"9\","
                       " \"status\": \"success\", \"transactionId\": \"77\","
                       " \"chequeInfo\": {\"amount\": \"12 345 ₸\", \"type\": \"refund\"}}}";
    kp_cheque *c;
    kp_error err;
    (void)state;

    assert_int_equal(kp_cheque_load_buffer(text, strlen(text), NULL, &c, &err), KP_OK);
    assert_string_equal(kp_cheque_api(c), "v2");
    assert_string_equal(kp_cheque_operation(c), "refund");
    assert_int_equal(kp_cheque_amount(c), 12345);
    assert_string_equal(kp_cheque_transaction_id(c), "77");
    assert_ptr_equal(kp_cheque_response(c), json_object_get(kp_cheque_json(c), "data"));
    kp_cheque_free(c);
}

static void display_amounts_parse_to_whole_tenge(void **state)
{
    (void)state;
    assert_int_equal(kp_cheque_parse_display_amount("1 ₸"), 1);
    assert_int_equal(kp_cheque_parse_display_amount("1 500 ₸"), 1500);
    assert_int_equal(kp_cheque_parse_display_amount("- 10 ₸"), 10);
    assert_int_equal(kp_cheque_parse_display_amount("1\xC2\xA0" "500,00 ₸"), 1500);
    assert_int_equal(kp_cheque_parse_display_amount("1\xE2\x80\xAF" "000 000 тг"), 1000000);
    assert_int_equal(kp_cheque_parse_display_amount("999 999 999"), 999999999);
    assert_int_equal(kp_cheque_parse_display_amount("1 000 000 000 ₸"), 0);
    assert_int_equal(kp_cheque_parse_display_amount("₸"), 0);
    assert_int_equal(kp_cheque_parse_display_amount(""), 0);
    assert_int_equal(kp_cheque_parse_display_amount(NULL), 0);
}

/* ---------------------------------------------------------------- refusals */

static void every_refusal_says_why(void **state)
{
    const char *msg;
    (void)state;

    msg = refused("{\"chequeInfo\": {\n  \"amount\": \"1 ₸\",\n}}", KP_ERR_MALFORMED);
    assert_non_null(strstr(msg, "bad.json is not JSON: "));
    assert_non_null(strstr(msg, "line 3, column"));
    /* the vendor's own example: a missing comma after addInfo */
    msg = refused("{\"status\": \"success\", \"addInfo\": {}\n \"chequeInfo\": {}}", KP_ERR_MALFORMED);
    assert_non_null(strstr(msg, "is not JSON"));
    assert_non_null(strstr(msg, "line 2"));
    msg = refused("{\"processId\": \"1\", \"status\": \"wait\"}", KP_ERR_MALFORMED);
    assert_string_equal(msg, "bad.json is JSON but not a Kaspi cheque: it has no chequeInfo");
    msg = refused("[1, 2]", KP_ERR_MALFORMED);
    assert_string_equal(msg, "bad.json is JSON but not a Kaspi cheque: it is not an object");
    msg = refused("{\"kaspiCheque\": 2, \"operation\": \"payment\", \"amount\": 1,"
                  " \"response\": {\"chequeInfo\": {}}}", KP_ERR_MALFORMED);
    assert_string_equal(msg, "bad.json is a Kaspi cheque of version 2; this program reads version 1");
    msg = refused("{\"kaspiCheque\": \"1\", \"response\": {}}", KP_ERR_MALFORMED);
    assert_non_null(strstr(msg, "version \"1\""));
    msg = refused("{\"kaspiCheque\": 1, \"operation\": \"payment\", \"amount\": 5,"
                  " \"response\": {\"status\": \"fail\", \"chequeInfo\": {}}}", KP_ERR_MALFORMED);
    assert_string_equal(msg, "bad.json is not an approved operation: its status is \"fail\", "
                             "not \"success\"");
    msg = refused("{\"status\": \"unknown\", \"chequeInfo\": {}}", KP_ERR_MALFORMED);
    assert_non_null(strstr(msg, "\"unknown\""));
    msg = refused("{\"kaspiCheque\": 1, \"operation\": \"sale\", \"amount\": 5,"
                  " \"response\": {\"chequeInfo\": {}}}", KP_ERR_MALFORMED);
    assert_non_null(strstr(msg, "\"operation\""));
    msg = refused("{\"kaspiCheque\": 1, \"operation\": \"payment\", \"amount\": 1.5,"
                  " \"response\": {\"chequeInfo\": {}}}", KP_ERR_MALFORMED);
    assert_non_null(strstr(msg, "\"amount\""));
    msg = refused("{\"kaspiCheque\": 1, \"operation\": \"payment\", \"amount\": 5}", KP_ERR_MALFORMED);
    assert_non_null(strstr(msg, "no \"response\""));
    msg = refused("", KP_ERR_MALFORMED);
    assert_non_null(strstr(msg, "empty"));
}

static void oversized_missing_and_symlinked_files_are_refused(void **state)
{
    size_t big_len = KP_CHEQUE_FILE_MAX + 1;
    char *big = malloc(big_len);
    char *big_path = join(*state, "big.json"), *ok_path = join(*state, "ok.json");
    char *link_path = join(*state, "link.json"), *missing = join(*state, "missing.json");
    kp_cheque *c;
    kp_error err;

    /* a valid cheque padded with spaces past the bound */
    memset(big, ' ', big_len);
    memcpy(big, success_v1, strlen(success_v1));
    write_text(big_path, big, big_len);
    assert_int_equal(kp_cheque_load_file(big_path, &c, &err), KP_ERR_TOO_LARGE);
    assert_non_null(strstr(err.message, big_path));
    assert_int_equal(kp_cheque_load_buffer(big, big_len, NULL, &c, &err), KP_ERR_TOO_LARGE);
    /* exactly at the bound is fine */
    assert_int_equal(kp_cheque_load_buffer(big, big_len - 1, NULL, &c, &err), KP_OK);
    kp_cheque_free(c);

    write_text(ok_path, success_v1, strlen(success_v1));
    assert_int_equal(symlink(ok_path, link_path), 0);
    assert_int_equal(kp_cheque_load_file(link_path, &c, &err), KP_ERR_IO);
    assert_null(c);
    assert_non_null(strstr(err.message, "symbolic link"));
    assert_int_equal(kp_cheque_load_file(missing, &c, &err), KP_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "does not exist"));
    assert_int_equal(kp_cheque_load_file(*state, &c, &err), KP_ERR_IO);   /* a directory */
    assert_int_equal(kp_cheque_load_file(ok_path, &c, &err), KP_OK);
    kp_cheque_free(c);

    free(big);
    free(big_path);
    free(ok_path);
    free(link_path);
    free(missing);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(envelope_round_trips_through_a_file, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(saving_twice_never_overwrites, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(v2_cheque_records_its_api, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(saving_refuses_what_is_not_an_approved_cheque, make_tmp, remove_tmp),
        cmocka_unit_test(bare_response_is_a_cheque),
        cmocka_unit_test(bare_refund_and_numeric_ids),
        cmocka_unit_test(numeric_display_amount_is_read_too),
        cmocka_unit_test(whole_v2_reply_is_a_cheque),
        cmocka_unit_test(display_amounts_parse_to_whole_tenge),
        cmocka_unit_test(every_refusal_says_why),
        cmocka_unit_test_setup_teardown(oversized_missing_and_symlinked_files_are_refused, make_tmp, remove_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
