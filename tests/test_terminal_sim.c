/* test_terminal_sim.c: the terminal client against kaspi-terminal-sim over
 * real loopback sockets, one test per simulator scenario, plus dead and
 * black-holed addresses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kaspipos/terminal.h"
#include "simproc.h"

typedef struct fixture {
    test_sim sim;
    kp_terminal *terminal;
    kp_response resp;
    kp_error err;
} fixture;

static kp_terminal *open_terminal(const char *address, long connect_ms, long request_ms)
{
    kp_terminal_options opt = { .address = address, .connect_timeout_ms = connect_ms,
                                .request_timeout_ms = request_ms };
    kp_terminal *t = NULL;
    kp_error err;
    assert_int_equal(kp_terminal_new(&opt, &t, &err), KP_OK);
    return t;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (test_sim_start(&f->sim, NULL) != 0) {
        fprintf(stderr, "cannot start kaspi-terminal-sim\n");
        free(f);
        return -1;
    }
    f->terminal = open_terminal(f->sim.address, 2000, 2000);
    kp_response_init(&f->resp);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    kp_response_clear(&f->resp);
    kp_terminal_free(f->terminal);
    test_sim_stop(&f->sim);
    free(f);
    return 0;
}

static void use_scenario(fixture *f, const char *query)
{
    json_t *r = test_sim_get(&f->sim, "/_sim/reset");
    assert_non_null(r);
    json_decref(r);
    assert_int_equal(test_sim_scenario(&f->sim, query), 0);
}

/* Starts a payment and polls until a final status; returns the last status call's result. */
static kp_status pay_and_poll(fixture *f, long amount, int max_polls)
{
    kp_status st = kp_terminal_start_payment(f->terminal, amount, &f->resp, &f->err);
    char *pid;
    if (st != KP_OK)
        return st;
    assert_int_equal(f->resp.status, KP_OP_WAIT);
    pid = strdup(f->resp.process_id);
    for (int i = 0; i < max_polls; i++) {
        st = kp_terminal_status(f->terminal, pid, &f->resp, &f->err);
        if (st != KP_OK || (f->resp.status != KP_OP_WAIT && f->resp.status != KP_OP_OTHER))
            break;
    }
    free(pid);
    return st;
}

static const char *log_arg(fixture *f, size_t index, const char *name)
{
    static char value[512];
    json_t *log = test_sim_get(&f->sim, "/_sim/log");
    json_t *entry = json_array_get(json_object_get(log, "requests"), index);
    const char *text = json_string_value(json_object_get(json_object_get(entry, "args"), name));
    snprintf(value, sizeof value, "%s", text ? text : "(missing)");
    json_decref(log);
    return value;
}

static void approve_after_polls(void **state)
{
    fixture *f = *state;
    use_scenario(f, "name=approve&polls=2");
    assert_int_equal(pay_and_poll(f, 1500, 10), KP_OK);
    assert_int_equal(f->resp.status, KP_OP_SUCCESS);
    assert_non_null(f->resp.transaction_id);
    assert_non_null(f->resp.cheque_info);
    assert_non_null(json_object_get(f->resp.cheque_info, "storeName"));
    assert_non_null(strstr(json_string_value(json_object_get(f->resp.cheque_info, "amount")), "1 500"));
    assert_int_equal(test_sim_count(&f->sim, "payment"), 1);
    assert_int_equal(test_sim_count(&f->sim, "status"), 3);
    assert_string_equal(log_arg(f, 0, "owncheque"), "true");
    assert_string_equal(log_arg(f, 0, "amount"), "1500");
}

static void decline(void **state)
{
    fixture *f = *state;
    use_scenario(f, "name=decline&polls=1");
    assert_int_equal(pay_and_poll(f, 10, 10), KP_OK);
    assert_int_equal(f->resp.status, KP_OP_FAIL);
}

static void refuse_with_message(void **state)
{
    fixture *f = *state;
    use_scenario(f, "name=refuse&message=Could%20not%20register%20transaction");
    assert_int_equal(kp_terminal_start_payment(f->terminal, 10, &f->resp, &f->err), KP_ERR_REFUSED);
    assert_string_equal(f->err.message, "Could not register transaction");
}

static void process_not_found(void **state)
{
    fixture *f = *state;
    use_scenario(f, "name=not-found");
    assert_int_equal(pay_and_poll(f, 10, 3), KP_ERR_NOT_FOUND);
    assert_int_equal(f->resp.http_status, 400);
    assert_non_null(strstr(f->resp.body, "Process not found"));
}

static void busy_while_operation_runs(void **state)
{
    fixture *f = *state;
    use_scenario(f, "name=approve&polls=5");
    assert_int_equal(kp_terminal_start_payment(f->terminal, 10, &f->resp, &f->err), KP_OK);
    assert_int_equal(kp_terminal_start_payment(f->terminal, 20, &f->resp, &f->err), KP_ERR_REFUSED);
    assert_non_null(strstr(f->err.message, "not completed"));
}

static void slow_replies_within_timeout(void **state)
{
    fixture *f = *state;
    use_scenario(f, "name=slow&delay_ms=300&polls=1");
    assert_int_equal(pay_and_poll(f, 10, 5), KP_OK);
    assert_int_equal(f->resp.status, KP_OP_SUCCESS);
}

static void hang_on_status_is_no_answer(void **state)
{
    fixture *f = *state;
    kp_terminal *quick = open_terminal(f->sim.address, 1000, 300);
    use_scenario(f, "name=hang-status");

    char *pid;
    assert_int_equal(kp_terminal_start_payment(quick, 10, &f->resp, &f->err), KP_OK);
    pid = strdup(f->resp.process_id);
    assert_int_equal(kp_terminal_status(quick, pid, &f->resp, &f->err), KP_ERR_NO_ANSWER);
    assert_non_null(strstr(f->err.message, "did not answer"));
    free(pid);
    kp_terminal_free(quick);
}

static void hang_on_payment_is_no_answer(void **state)
{
    fixture *f = *state;
    kp_terminal *quick = open_terminal(f->sim.address, 1000, 300);
    use_scenario(f, "name=hang-payment");
    assert_int_equal(kp_terminal_start_payment(quick, 10, &f->resp, &f->err), KP_ERR_NO_ANSWER);
    assert_int_equal(test_sim_count(&f->sim, "payment"), 1);
    kp_terminal_free(quick);
}

static void dropped_payment_is_no_answer(void **state)
{
    fixture *f = *state;
    use_scenario(f, "name=drop-payment");
    assert_int_equal(kp_terminal_start_payment(f->terminal, 10, &f->resp, &f->err), KP_ERR_NO_ANSWER);
    assert_int_equal(test_sim_count(&f->sim, "payment"), 1);
}

static void dropped_status_is_no_answer(void **state)
{
    fixture *f = *state;
    use_scenario(f, "name=drop-status");
    assert_int_equal(pay_and_poll(f, 10, 1), KP_ERR_NO_ANSWER);
}

static void invalid_json_kept_raw(void **state)
{
    fixture *f = *state;
    use_scenario(f, "name=invalid-json&polls=1");
    assert_int_equal(pay_and_poll(f, 10, 5), KP_ERR_MALFORMED);
    assert_non_null(f->resp.body);
    assert_non_null(strstr(f->resp.body, "chequeInfo"));
    assert_null(f->resp.json);
}

static void flaky_status_then_success(void **state)
{
    fixture *f = *state;
    kp_status st;
    char *pid;
    int http_errors = 0;
    use_scenario(f, "name=flaky&polls=2");
    assert_int_equal(kp_terminal_start_payment(f->terminal, 10, &f->resp, &f->err), KP_OK);
    pid = strdup(f->resp.process_id);
    for (int i = 0; i < 10; i++) {
        st = kp_terminal_status(f->terminal, pid, &f->resp, &f->err);
        if (st == KP_ERR_HTTP)
            http_errors++;
        else if (st == KP_OK && f->resp.status == KP_OP_SUCCESS)
            break;
    }
    free(pid);
    assert_int_equal(http_errors, 2);
    assert_int_equal(f->resp.status, KP_OP_SUCCESS);
}

static void qr_payment(void **state)
{
    fixture *f = *state;
    use_scenario(f, "name=qr&polls=1");
    assert_int_equal(pay_and_poll(f, 2500, 5), KP_OK);
    assert_string_equal(json_string_value(json_object_get(f->resp.cheque_info, "method")), "qr");
    assert_non_null(json_object_get(f->resp.cheque_info, "orderNumber"));
}

static void loan_with_promotion(void **state)
{
    fixture *f = *state;
    use_scenario(f, "name=loan&polls=1");
    assert_int_equal(pay_and_poll(f, 120000, 5), KP_OK);
    assert_string_equal(json_string_value(json_object_get(f->resp.add_info, "ProductType")), "Loan");
    assert_int_equal(json_integer_value(json_object_get(f->resp.add_info, "LoanTerm")), 12);
    assert_true(json_is_true(json_object_get(f->resp.add_info, "IsOffer")));
}

static void numeric_scalars(void **state)
{
    fixture *f = *state;
    use_scenario(f, "name=numeric&polls=1");
    assert_int_equal(pay_and_poll(f, 10, 5), KP_OK);
    assert_non_null(f->resp.process_id);
    for (const char *p = f->resp.process_id; *p; p++)
        assert_true(*p >= '0' && *p <= '9');
    assert_int_equal(f->resp.status, KP_OP_SUCCESS);
}

static void oversized_body_refused(void **state)
{
    fixture *f = *state;
    use_scenario(f, "name=big&polls=1");
    assert_int_equal(pay_and_poll(f, 10, 5), KP_ERR_TOO_LARGE);
    assert_non_null(strstr(f->err.message, "over"));
}

static void extra_fields_kept(void **state)
{
    fixture *f = *state;
    use_scenario(f, "name=extra&polls=1");
    assert_int_equal(pay_and_poll(f, 10, 5), KP_OK);
    assert_non_null(json_object_get(f->resp.json, "subStatus"));
    assert_non_null(strstr(f->resp.body, "subStatus"));
}

static void refund_parameters_url_encoded(void **state)
{
    fixture *f = *state;
    const char *odd_id = "12&amount=1 Жа=+%";
    use_scenario(f, "name=approve");
    assert_int_equal(kp_terminal_start_refund(f->terminal, 10, "qr", odd_id, &f->resp, &f->err),
                     KP_ERR_REFUSED);
    assert_non_null(strstr(f->err.message, "Invalid transactionId"));
    assert_string_equal(log_arg(f, 0, "transactionId"), odd_id);
    assert_string_equal(log_arg(f, 0, "amount"), "10");
    assert_string_equal(log_arg(f, 0, "method"), "qr");
    assert_string_equal(log_arg(f, 0, "owncheque"), "true");
}

static void refund_of_a_real_payment(void **state)
{
    fixture *f = *state;
    char *transaction;
    use_scenario(f, "name=approve&polls=1");
    assert_int_equal(pay_and_poll(f, 500, 5), KP_OK);
    transaction = strdup(f->resp.transaction_id);
    assert_int_equal(kp_terminal_start_refund(f->terminal, 200, "card", transaction, &f->resp, &f->err), KP_OK);
    assert_int_equal(f->resp.status, KP_OP_WAIT);
    free(transaction);
}

static void closed_port_is_unreachable(void **state)
{
    fixture *f = *state;
    test_sim other;
    kp_terminal *t;
    kp_status st;
    (void)f;
    assert_int_equal(test_sim_start(&other, NULL), 0);
    t = open_terminal(other.address, 1000, 1000);
    assert_int_equal(kp_terminal_start_payment(t, 10, &f->resp, &f->err), KP_OK);
    test_sim_stop(&other);   /* the kept-alive connection dies with it */
    st = kp_terminal_status(t, "1", &f->resp, &f->err);
    assert_int_equal(st, KP_ERR_UNREACHABLE);
    assert_non_null(strstr(f->err.message, "Kaspi Pay app"));
    kp_terminal_free(t);
}

/* A listener whose backlog is full drops new SYNs: connecting hangs like a
 * terminal that is off.  The client must give up at its connect timeout. */
static void black_hole_fails_fast(void **state)
{
    fixture *f = *state;
    struct sockaddr_in addr = { 0 };
    socklen_t len = sizeof addr;
    int listener = socket(AF_INET, SOCK_STREAM, 0), fillers[8];
    char address[64];
    kp_terminal *t;

    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(listener, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(listen(listener, 0), 0);
    getsockname(listener, (struct sockaddr *)&addr, &len);
    for (int i = 0; i < 8; i++) {
        fillers[i] = socket(AF_INET, SOCK_STREAM, 0);
        fcntl(fillers[i], F_SETFL, O_NONBLOCK);
        connect(fillers[i], (struct sockaddr *)&addr, sizeof addr);
    }
    snprintf(address, sizeof address, "127.0.0.1:%d", ntohs(addr.sin_port));
    t = open_terminal(address, 300, 300);
    assert_int_equal(kp_terminal_start_payment(t, 10, &f->resp, &f->err), KP_ERR_UNREACHABLE);
    kp_terminal_free(t);
    for (int i = 0; i < 8; i++)
        close(fillers[i]);
    close(listener);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(approve_after_polls),
        cmocka_unit_test(decline),
        cmocka_unit_test(refuse_with_message),
        cmocka_unit_test(process_not_found),
        cmocka_unit_test(busy_while_operation_runs),
        cmocka_unit_test(slow_replies_within_timeout),
        cmocka_unit_test(hang_on_status_is_no_answer),
        cmocka_unit_test(hang_on_payment_is_no_answer),
        cmocka_unit_test(dropped_payment_is_no_answer),
        cmocka_unit_test(dropped_status_is_no_answer),
        cmocka_unit_test(invalid_json_kept_raw),
        cmocka_unit_test(flaky_status_then_success),
        cmocka_unit_test(qr_payment),
        cmocka_unit_test(loan_with_promotion),
        cmocka_unit_test(numeric_scalars),
        cmocka_unit_test(oversized_body_refused),
        cmocka_unit_test(extra_fields_kept),
        cmocka_unit_test(refund_parameters_url_encoded),
        cmocka_unit_test(refund_of_a_real_payment),
        cmocka_unit_test(closed_port_is_unreachable),
        cmocka_unit_test(black_hole_fails_fast),
    };
    alarm(300);   /* a hang anywhere fails the program instead of blocking CI */
    return cmocka_run_group_tests(tests, setup, teardown);
}
