/*
 * api.c: the terminal's v1 API as the simulator answers it: /payment,
 * /refund and /status, with a real terminal's checks (whole positive
 * amounts, one operation at a time, refunds only of this run's purchases
 * and never over what is left of them) and the scenario deciding how each
 * operation ends.  Every function here runs with s->lock held.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "sim/sim.h"

#define MSG_BUSY "Last operation was not completed"
#define MSG_NOT_FOUND "Process not found"

uint64_t sim_random(sim *s)
{
    /* xorshift64*: realistic-looking numbers, not secrets */
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return s->rng * 2685821657736338717ULL;
}

sim_operation *sim_find_operation(sim *s, const char *process_id)
{
    if (process_id == NULL)
        return NULL;
    for (size_t i = 0; i < s->n_ops; i++)
        if (strcmp(s->ops[i].process_id, process_id) == 0)
            return &s->ops[i];
    return NULL;
}

static bool busy(const sim *s)
{
    for (size_t i = 0; i < s->n_ops; i++)
        if (s->ops[i].state == SIM_WAIT)
            return true;
    return false;
}

/* 13 digits like the terminal's (a millisecond clock), never repeated. */
static void next_process_id(sim *s, char *out, size_t size)
{
    struct timespec now;
    uint64_t ms;
    clock_gettime(CLOCK_REALTIME, &now);
    ms = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
    if (ms <= s->last_process_id)
        ms = s->last_process_id + 1;
    s->last_process_id = ms;
    snprintf(out, size, "%013" PRIu64, (uint64_t)(ms % 10000000000000ULL));
}

/* The amount parameter: a whole number of tenge, 1 to 999999999. */
static bool valid_amount(const char *text, unsigned long *amount)
{
    return text != NULL && text[0] != '0' && sim_parse_unsigned(text, SIM_AMOUNT_MAX, amount)
           && *amount > 0;
}

/* Registers a new operation in state wait; NULL when the table is full. */
static sim_operation *start_operation(sim *s, sim_kind kind, unsigned long amount,
                                      sim_method method)
{
    sim_operation *op;
    if (s->n_ops == SIM_OPS_MAX)
        return NULL;
    op = &s->ops[s->n_ops++];
    memset(op, 0, sizeof *op);
    next_process_id(s, op->process_id, sizeof op->process_id);
    op->kind = kind;
    op->amount = amount;
    op->scenario = s->scenario;
    op->method = method;
    op->state = op->scenario.id == SIM_NOT_FOUND ? SIM_LOST : SIM_WAIT;
    return op;
}

/* The reply to an accepted start, as the scenario wants it delivered. */
static void reply_started(const sim_operation *op, sim_reply *reply)
{
    json_t *body = json_object();
    json_object_set_new(body, "processId", sim_process_id_json(op));
    json_object_set_new(body, "status", json_string("wait"));
    sim_reply_json(reply, 200, body);
    if (op->scenario.id == SIM_DROP_PAYMENT)
        reply->action = SIM_DROP;
    else if (op->scenario.id == SIM_HANG_PAYMENT)
        reply->action = SIM_HANG;
}

static void delay_if_slow(const sim *s, sim_reply *reply)
{
    if (s->scenario.id == SIM_SLOW)
        reply->delay_ms = s->scenario.delay_ms;
}

/* Why the terminal will not start this payment, or NULL. */
static const char *payment_problem(const sim *s, const sim_args *args, unsigned long *amount)
{
    if (busy(s))
        return MSG_BUSY;
    if (sim_args_get(args, "amount") == NULL)
        return "Parameter amount is required.";
    if (!valid_amount(sim_args_get(args, "amount"), amount))
        return "Invalid amount.";
    if (s->scenario.id == SIM_REFUSE)
        return s->scenario.message;
    return NULL;
}

void sim_api_payment(sim *s, const sim_args *args, sim_reply *reply)
{
    unsigned long amount = 0;
    sim_method method = s->scenario.id == SIM_QR ? SIM_QR_METHOD : s->scenario.method;
    const char *problem = payment_problem(s, args, &amount);
    sim_operation *op = NULL;

    delay_if_slow(s, reply);
    if (problem == NULL && (op = start_operation(s, SIM_PAYMENT, amount, method)) == NULL)
        problem = "Could not register transaction";
    if (problem != NULL)
        sim_reply_message(reply, 200, problem);
    else
        reply_started(op, reply);
}

/* The successful purchase with this transactionId, or NULL. */
static sim_operation *find_purchase(sim *s, const char *transaction_id)
{
    if (transaction_id == NULL || *transaction_id == '\0')
        return NULL;
    for (size_t i = 0; i < s->n_ops; i++) {
        sim_operation *op = &s->ops[i];
        if (op->kind == SIM_PAYMENT && op->state == SIM_SUCCESS
            && strcmp(op->transaction_id, transaction_id) == 0)
            return op;
    }
    return NULL;
}

/* Why the terminal will not start this refund, or NULL; finds the purchase. */
static const char *refund_problem(sim *s, const sim_args *args, unsigned long *amount,
                                  sim_method *method, sim_operation **purchase)
{
    if (busy(s))
        return MSG_BUSY;
    if (!sim_method_parse(sim_args_get(args, "method"), method))
        return "Invalid method.";
    if (!valid_amount(sim_args_get(args, "amount"), amount))
        return "Invalid amount.";
    *purchase = find_purchase(s, sim_args_get(args, "transactionId"));
    if (*purchase == NULL)
        return "Invalid transactionId.";
    if ((*purchase)->method != *method)
        return "Invalid method.";
    if (*amount > (*purchase)->amount - (*purchase)->refunded)
        return "Refund amount exceeds the purchase amount.";
    if (s->scenario.id == SIM_REFUSE)
        return s->scenario.message;
    return NULL;
}

void sim_api_refund(sim *s, const sim_args *args, sim_reply *reply)
{
    unsigned long amount = 0;
    sim_method method = SIM_CARD;
    sim_operation *purchase = NULL, *op = NULL;
    const char *problem = refund_problem(s, args, &amount, &method, &purchase);

    delay_if_slow(s, reply);
    if (problem == NULL && (op = start_operation(s, SIM_REFUND, amount, method)) == NULL)
        problem = "Could not register transaction";
    if (problem != NULL) {
        sim_reply_message(reply, 200, problem);
        return;
    }
    strcpy(op->original_tx, purchase->transaction_id);
    reply_started(op, reply);
}

/* Ends an operation: its transaction data and time are fixed from now on. */
static void finish(sim *s, sim_operation *op, sim_state state)
{
    op->state = state;
    op->finished_at = time(NULL);
    if (state != SIM_SUCCESS)
        return;
    snprintf(op->transaction_id, sizeof op->transaction_id, "%" PRIu64, s->next_transaction++);
    snprintf(op->rrn, sizeof op->rrn, "%012" PRIu64, (uint64_t)(sim_random(s) % 1000000000000ULL));
    snprintf(op->auth_code, sizeof op->auth_code, "%06" PRIu64,
             100000 + sim_random(s) % 900000);
    snprintf(op->order_number, sizeof op->order_number, "%" PRIu64,
             100000000 + sim_random(s) % 900000000);
    if (op->kind == SIM_REFUND) {
        sim_operation *purchase = find_purchase(s, op->original_tx);
        if (purchase)
            purchase->refunded += op->amount;
    }
}

/* Advances an operation by one poll; returns false for a 503 (flaky). */
static bool advance(sim *s, sim_operation *op)
{
    unsigned n = ++op->polls_seen, waits = op->scenario.polls;
    if (op->state != SIM_WAIT)
        return true;
    if (op->scenario.id == SIM_FLAKY) {
        if (n <= op->scenario.polls)
            return false;
        n -= op->scenario.polls;
        waits = 2;
    }
    if (n > waits && (op->scenario.id == SIM_UNKNOWN || op->scenario.id == SIM_UNKNOWN_STUCK)
        && !op->actualized)
        return true;    /* v2 answers "unknown" until /v2/actualize settles it */
    if (n > waits)
        finish(s, op, op->scenario.id == SIM_DECLINE ? SIM_FAIL : SIM_SUCCESS);
    return true;
}

void sim_api_status(sim *s, const sim_args *args, sim_reply *reply)
{
    sim_operation *op = sim_find_operation(s, sim_args_get(args, "processId"));

    if (op == NULL || op->state == SIM_LOST) {
        sim_reply_message(reply, 400, MSG_NOT_FOUND);
        return;
    }
    if (op->scenario.id == SIM_SLOW)
        reply->delay_ms = op->scenario.delay_ms;
    if (op->state == SIM_WAIT && (op->scenario.id == SIM_HANG_STATUS
                                  || op->scenario.id == SIM_DROP_STATUS)) {
        op->polls_seen++;
        reply->action = op->scenario.id == SIM_HANG_STATUS ? SIM_HANG : SIM_DROP;
    } else if (!advance(s, op)) {
        sim_reply_text(reply, 503, "Service Unavailable: Kaspi Pay is busy, try again\n");
    } else if (op->state == SIM_SUCCESS && op->scenario.id == SIM_INVALID_JSON) {
        char *body = sim_status_malformed(s, op);
        sim_reply_take(reply, 200, body, body ? strlen(body) : 0);
    } else {
        sim_reply_json(reply, 200, sim_status_json(s, op));
    }
}
