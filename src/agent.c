/*
 * agent.c: running one payment or refund to its end with a write-ahead
 * journal (see kaspipos/agent.h for the steps and the guarantees).
 */
#include "config.h"
#include "kaspipos/agent.h"
#include "kaspipos/cheque.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MALFORMED_ANSWERS_MAX 3
#define ACTUALIZE_EVERY_MS 10000L   /* v2: ask the terminal to settle "unknown" at most this often */
#define SLEEP_SLICE_MS 50

typedef struct run {
    const kp_agent_options *opt;
    kp_agent_result *res;
    const char *terminal;
    long started_at;
    long deadline_at;
} run;

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static bool interrupted(const run *r)
{
    return r->opt->interrupted && *r->opt->interrupted;
}

/* Sleeps up to ms, in slices, so an interrupt is seen at once. */
static void pause_ms(const run *r, long ms)
{
    long until = now_ms() + ms;

    while (!interrupted(r) && now_ms() < until) {
        long left = until - now_ms();
        long slice = left < SLEEP_SLICE_MS ? left : SLEEP_SLICE_MS;
        struct timespec ts = { 0, slice * 1000000L };
        nanosleep(&ts, NULL);
    }
}

static void kill_point(const run *r, const char *step)
{
    if (r->opt->kill_after && strcmp(r->opt->kill_after, step) == 0)
        raise(SIGKILL);
}

static void report(const run *r, const char *process_id, const kp_response *resp, const char *problem)
{
    kp_agent_progress p = { 0 };
    json_t *sub;

    if (!r->opt->progress)
        return;
    p.terminal = r->terminal;
    p.process_id = process_id;
    p.elapsed_ms = now_ms() - r->started_at;
    p.state = resp ? resp->status_text : NULL;
    sub = resp && resp->payload ? json_object_get(resp->payload, "subStatus") : NULL;
    p.sub_status = json_is_string(sub) ? json_string_value(sub) : NULL;
    p.problem = problem;
    r->opt->progress(&p, r->opt->progress_ctx);
}

/* A journal write failed after money may have moved: say so loudly, keep going. */
static void journal_trouble(run *r, const kp_error *err)
{
    kp_error_set(&r->res->error, KP_ERR_IO,
                 "could not write the journal (%s): note process %s by hand",
                 err->message, kp_journal_record_process_id(r->res->record)
                 ? kp_journal_record_process_id(r->res->record) : "(none)");
    report(r, NULL, NULL, r->res->error.message);
}

void kp_agent_result_init(kp_agent_result *result)
{
    memset(result, 0, sizeof *result);
}

void kp_agent_result_clear(kp_agent_result *result)
{
    kp_journal_record_free(result->record);
    free(result->cheque_path);
    free(result->job_id);
    kp_agent_result_init(result);
}

static void finish(run *r, kp_outcome outcome)
{
    r->res->outcome = outcome;
}

static void mark_done(run *r, const char *note)
{
    kp_error err;

    if (kp_journal_set_done(r->opt->journal, r->res->record, note, &err) != KP_OK)
        journal_trouble(r, &err);
}

/* ---- step 6: the receipt ---- */

static bool print_requested(const kp_journal_record *record)
{
    kp_journal_print_request req;

    kp_journal_record_print_request(record, &req);
    return req.printer || req.output;
}

static void deliver(run *r)
{
    kp_agent_result *res = r->res;
    kp_error err;
    kp_status st;

    res->print_requested = print_requested(res->record);
    if (!res->print_requested) {
        mark_done(r, "approved; no receipt was asked for");
        return;
    }
    if (!r->opt->deliver)
        st = kp_error_set(&err, KP_ERR_PRINT, "printing is not available in this program");
    else
        st = r->opt->deliver(res->record, res->cheque_path, r->opt->deliver_ctx, &res->job_id, &err);
    res->delivered = st == KP_OK;
    if (!res->delivered)
        kp_error_set(&res->error, KP_ERR_PRINT, "the receipt was not delivered: %s; the cheque is "
                     "saved at %s: run kaspi-pay reprint", err.message, res->cheque_path);
    if (kp_journal_set_print_result(r->opt->journal, res->record, res->delivered,
                                    res->delivered ? NULL : err.message, res->job_id, &err) != KP_OK) {
        journal_trouble(r, &err);
        return;
    }
    kill_point(r, "printed");
    if (res->delivered)
        mark_done(r, "approved and delivered");
}

/* ---- step 5: the cheque ---- */

static kp_status save_cheque(run *r, const json_t *response, const char *process_id)
{
    kp_agent_result *res = r->res;
    kp_cheque_fields fields = { 0 };
    kp_error err;

    fields.operation = kp_journal_operation_name(kp_journal_record_operation(res->record));
    fields.amount = kp_journal_record_amount(res->record);
    fields.terminal = kp_journal_record_terminal(res->record);
    fields.process_id = process_id;
    fields.api = kp_journal_record_api(res->record);
    fields.response = response;
    if (kp_cheque_save(kp_journal_dir(r->opt->journal), &fields, &res->cheque_path, &err) != KP_OK) {
        kp_error_set(&res->error, KP_ERR_IO, "approved, but the cheque could not be saved: %s "
                     "(the terminal's answer is kept in journal record %s)", err.message,
                     kp_journal_record_id(res->record));
        return KP_ERR_IO;
    }
    if (kp_journal_set_cheque(r->opt->journal, res->record, res->cheque_path, &err) != KP_OK)
        journal_trouble(r, &err);
    kill_point(r, "cheque");
    return KP_OK;
}

static void approved(run *r, const kp_response *resp, const char *process_id)
{
    kp_error err;

    finish(r, KP_OUTCOME_APPROVED);
    if (kp_journal_set_final(r->opt->journal, r->res->record, KP_JOURNAL_FINAL_SUCCESS,
                             resp->transaction_id, resp->body, resp->body_len, &err) != KP_OK)
        journal_trouble(r, &err);
    kill_point(r, "final");
    if (save_cheque(r, resp->payload, process_id) == KP_OK)
        deliver(r);
}

static void declined(run *r, const kp_response *resp)
{
    kp_error err;

    finish(r, KP_OUTCOME_DECLINED);
    kp_error_set(&r->res->error, KP_OK, "the terminal reported the operation as declined or cancelled");
    if (kp_journal_set_final(r->opt->journal, r->res->record, KP_JOURNAL_FINAL_FAIL, NULL,
                             resp->body, resp->body_len, &err) != KP_OK) {
        journal_trouble(r, &err);
        return;
    }
    kill_point(r, "final");
    mark_done(r, "declined");
}

/* ---- step 4: polling ---- */

static void unknown(run *r, const char *why)
{
    finish(r, KP_OUTCOME_UNKNOWN);
    kp_error_set(&r->res->error, KP_ERR_NO_ANSWER,
                 "%s. The customer may still pay on the terminal: do not charge again; "
                 "run 'kaspi-pay recover' to finish it (journal record %s)",
                 why, kp_journal_record_id(r->res->record));
}

static void keep_status_body(run *r, const kp_response *resp)
{
    kp_error err;

    if (resp->body && kp_journal_set_status_response(r->opt->journal, r->res->record, resp->body,
                                                     resp->body_len, &err) != KP_OK)
        journal_trouble(r, &err);
}

/* v2 "unknown": the customer may have paid.  Ask the terminal to settle
 * it (no more often than every 10 s) and keep polling. */
static void settle_unknown(run *r, const char *process_id, const kp_response *resp,
                           long *last_actualize)
{
    kp_response ignored;
    kp_error err;

    keep_status_body(r, resp);
    if (kp_terminal_get_api(r->opt->terminal) != KP_API_V2 ||
        (*last_actualize && now_ms() - *last_actualize < ACTUALIZE_EVERY_MS))
        return;
    *last_actualize = now_ms();
    kp_response_init(&ignored);
    kp_terminal_actualize(r->opt->terminal, process_id, &ignored, &err);
    kp_response_clear(&ignored);
}

/* The deadline passed while the terminal said "unknown": the journal says
 * so, and the record stays open for recover. */
static void still_unknown(run *r, const kp_response *resp, char *why, size_t size)
{
    kp_error err;

    if (kp_journal_set_final(r->opt->journal, r->res->record, KP_JOURNAL_FINAL_UNKNOWN, NULL,
                             resp->body, resp->body_len, &err) != KP_OK)
        journal_trouble(r, &err);
    snprintf(why, size, "Terminal %s still reports the outcome as unknown after %ld s (the "
             "customer may have paid)", r->terminal, (r->deadline_at - r->started_at) / 1000);
}

static void poll_to_end(run *r, const char *process_id)
{
    kp_response resp;
    kp_error err;
    int malformed = 0;
    bool last_unknown = false;
    long last_actualize = 0;
    char why[2 * KP_ERROR_MESSAGE_MAX];

    kp_response_init(&resp);
    for (;;) {
        kp_status st;

        if (interrupted(r)) {
            unknown(r, "Interrupted while waiting for the customer");
            break;
        }
        if (now_ms() >= r->deadline_at) {
            if (last_unknown)
                still_unknown(r, &resp, why, sizeof why);
            else
                snprintf(why, sizeof why, "No final status from terminal %s within %ld s",
                         r->terminal, (r->deadline_at - r->started_at) / 1000);
            unknown(r, why);
            break;
        }
        st = kp_terminal_status(r->opt->terminal, process_id, &resp, &err);
        last_unknown = st == KP_OK && resp.status == KP_OP_UNKNOWN;
        if (last_unknown)
            settle_unknown(r, process_id, &resp, &last_actualize);
        if (st == KP_OK && resp.status == KP_OP_SUCCESS) {
            approved(r, &resp, process_id);
            break;
        }
        if (st == KP_OK && resp.status == KP_OP_FAIL) {
            declined(r, &resp);
            break;
        }
        if (st == KP_ERR_NOT_FOUND) {
            keep_status_body(r, &resp);
            snprintf(why, sizeof why, "Terminal %s no longer knows process %s (\"Process not found\")",
                     r->terminal, process_id);
            unknown(r, why);
            break;
        }
        if (st == KP_ERR_MALFORMED || st == KP_ERR_TOO_LARGE) {
            keep_status_body(r, &resp);
            if (++malformed >= MALFORMED_ANSWERS_MAX) {
                snprintf(why, sizeof why, "The terminal's status answers cannot be read (%s); "
                         "the last one is kept in the journal", err.message);
                unknown(r, why);
                break;
            }
        }
        report(r, process_id, st == KP_OK ? &resp : NULL,
               st == KP_OK ? NULL : err.message);
        pause_ms(r, r->opt->poll_interval_ms > 0 ? r->opt->poll_interval_ms : KP_AGENT_DEFAULT_POLL_MS);
    }
    kp_response_clear(&resp);
}

/* ---- step 3: the start request ---- */

static kp_status send_start(run *r, const kp_journal_intent *intent, kp_response *resp, kp_error *err)
{
    if (intent->operation == KP_JOURNAL_REFUND)
        return kp_terminal_start_refund(r->opt->terminal, (long)intent->amount, intent->method,
                                        intent->refund_transaction_id, resp, err);
    return kp_terminal_start_payment(r->opt->terminal, (long)intent->amount, resp, err);
}

static void start_failed(run *r, kp_status st, const kp_response *resp, const kp_error *err)
{
    kp_agent_result *res = r->res;
    kp_error werr;

    if (resp->body && kp_journal_set_started(r->opt->journal, res->record, NULL, resp->body,
                                             resp->body_len, &werr) != KP_OK)
        journal_trouble(r, &werr);
    if (st == KP_ERR_REFUSED || st == KP_ERR_UNREACHABLE) {
        finish(r, st == KP_ERR_REFUSED ? KP_OUTCOME_REFUSED : KP_OUTCOME_UNREACHABLE);
        res->error = *err;
        mark_done(r, st == KP_ERR_REFUSED ? "refused by the terminal; nothing started"
                                          : "terminal unreachable; nothing was sent");
        return;
    }
    if (st == KP_ERR_TLS || st == KP_ERR_AUTH || st == KP_ERR_SETUP || st == KP_ERR_USAGE) {
        /* v2: the certificate was refused before anything was sent, or
         * there is no token, or the terminal refused it: nothing started */
        finish(r, KP_OUTCOME_SETUP);
        res->error = *err;
        mark_done(r, st == KP_ERR_TLS ? "TLS verification failed; nothing was sent"
                                      : "no valid token for the terminal; nothing started");
        return;
    }
    res->start_uncertain = true;
    unknown(r, err->message);
    kp_error_prefix(&res->error, "The %s may have started",
                    kp_journal_operation_name(kp_journal_record_operation(res->record)));
}

static void start_and_poll(run *r, const kp_journal_intent *intent)
{
    kp_response resp;
    kp_error err;
    kp_status st;
    char *process_id;

    kp_response_init(&resp);
    report(r, NULL, NULL, NULL);
    st = send_start(r, intent, &resp, &err);
    if (st != KP_OK) {
        start_failed(r, st, &resp, &err);
        kp_response_clear(&resp);
        return;
    }
    process_id = strdup(resp.process_id);
    if (kp_journal_set_started(r->opt->journal, r->res->record, process_id, resp.body,
                               resp.body_len, &err) != KP_OK)
        journal_trouble(r, &err);
    kill_point(r, "started");
    kp_response_clear(&resp);
    if (process_id)
        poll_to_end(r, process_id);
    else
        unknown(r, "Out of memory after the terminal started the operation");
    free(process_id);
}

/* ---- the two entries ---- */

static void begin(run *r, const kp_agent_options *opt, kp_agent_result *res, const char *terminal)
{
    r->opt = opt;
    r->res = res;
    r->terminal = terminal;
    r->started_at = now_ms();
    r->deadline_at = r->started_at + (opt->deadline_ms > 0 ? opt->deadline_ms
                                                          : KP_AGENT_DEFAULT_DEADLINE_MS);
}

static bool take_lock(run *r, const char *terminal, kp_journal_lock **lock)
{
    kp_status st = kp_journal_lock_terminal(r->opt->journal, terminal, lock, &r->res->error);

    if (st == KP_OK)
        return true;
    finish(r, st == KP_ERR_BUSY ? KP_OUTCOME_BUSY : KP_OUTCOME_SETUP);
    return false;
}

kp_status kp_agent_run(const kp_agent_options *opt, const kp_journal_intent *given,
                       kp_agent_result *res)
{
    kp_journal_lock *lock = NULL;
    kp_journal_intent intent_copy;
    const kp_journal_intent *intent = &intent_copy;
    run r;

    kp_agent_result_init(res);
    if (!opt->terminal || !opt->journal || !given)
        return kp_error_set(&res->error, KP_ERR_USAGE, "kp_agent_run needs a terminal and a journal");
    intent_copy = *given;
    intent_copy.terminal = kp_terminal_address(opt->terminal);
    intent_copy.api = kp_terminal_api_name(opt->terminal);   /* the cheque records the API it came by */
    begin(&r, opt, res, kp_terminal_address(opt->terminal));
    if (!take_lock(&r, r.terminal, &lock))
        return KP_OK;
    if (kp_journal_create(opt->journal, intent, &res->record, &res->error) != KP_OK) {
        kp_error_prefix(&res->error, "nothing was sent: the journal cannot be written");
        finish(&r, KP_OUTCOME_SETUP);
    } else {
        kill_point(&r, "intent");
        start_and_poll(&r, intent);
    }
    kp_journal_unlock(lock);
    return KP_OK;
}

static void resume_final(run *r)
{
    kp_agent_result *res = r->res;
    const char *cheque = kp_journal_record_cheque(res->record);
    kp_response resp;
    kp_error err;
    size_t len = 0;
    const char *body;

    if (kp_journal_record_final_status(res->record) != KP_JOURNAL_FINAL_SUCCESS) {
        finish(r, KP_OUTCOME_DECLINED);
        mark_done(r, "declined");
        return;
    }
    finish(r, KP_OUTCOME_APPROVED);
    if (cheque) {
        res->cheque_path = strdup(cheque);
        deliver(r);
        return;
    }
    kp_response_init(&resp);
    body = kp_journal_record_status_response(res->record, &len);
    if (body && kp_response_parse(200, body, len, &resp, &err) == KP_OK &&
        save_cheque(r, resp.payload, kp_journal_record_process_id(res->record)) == KP_OK)
        deliver(r);
    else if (!res->error.message[0])
        kp_error_set(&res->error, KP_ERR_MALFORMED, "approved, but the recorded answer cannot make a "
                     "cheque (journal record %s)", kp_journal_record_id(res->record));
    kp_response_clear(&resp);
}

static void resume_state(run *r)
{
    kp_agent_result *res = r->res;
    const char *process_id = kp_journal_record_process_id(res->record);

    switch (kp_journal_record_state(res->record)) {
    case KP_JOURNAL_INTENT:
        res->start_uncertain = true;
        unknown(r, "The start request was recorded but no answer was: the operation may or may not "
                   "have started. Check the terminal's history; it will not be sent again");
        break;
    case KP_JOURNAL_STARTED: {
        /* the record's strings change with each update: poll with a copy */
        char *copy = strdup(process_id ? process_id : "");
        if (copy && *copy)
            poll_to_end(r, copy);
        else
            unknown(r, "The journal record has no process id to poll");
        free(copy);
        break;
    }
    case KP_JOURNAL_FINAL:
    case KP_JOURNAL_PRINT_FAILED:
        resume_final(r);
        break;
    case KP_JOURNAL_PRINTED:
        finish(r, KP_OUTCOME_APPROVED);
        res->print_requested = res->delivered = true;
        if (kp_journal_record_cheque(res->record))
            res->cheque_path = strdup(kp_journal_record_cheque(res->record));
        mark_done(r, "approved and delivered");
        break;
    case KP_JOURNAL_DONE:
        finish(r, kp_journal_record_final_status(res->record) == KP_JOURNAL_FINAL_SUCCESS
                  ? KP_OUTCOME_APPROVED : kp_journal_record_final_status(res->record) == KP_JOURNAL_FINAL_FAIL
                  ? KP_OUTCOME_DECLINED : KP_OUTCOME_REFUSED);
        res->print_requested = print_requested(res->record);
        res->delivered = kp_journal_record_print_ok(res->record) == 1;
        if (kp_journal_record_cheque(res->record))
            res->cheque_path = strdup(kp_journal_record_cheque(res->record));
        break;
    }
}

kp_status kp_agent_resume(const kp_agent_options *opt, kp_journal_record *record,
                          kp_agent_result *res)
{
    kp_journal_lock *lock = NULL;
    run r;

    kp_agent_result_init(res);
    res->record = record;
    if (!opt->terminal || !opt->journal || !record)
        return kp_error_set(&res->error, KP_ERR_USAGE, "kp_agent_resume needs a terminal, a journal and a record");
    begin(&r, opt, res, kp_journal_record_terminal(record));
    if (!take_lock(&r, r.terminal, &lock))
        return KP_OK;
    resume_state(&r);
    kp_journal_unlock(lock);
    return KP_OK;
}

int kp_agent_exit_code(const kp_agent_result *res)
{
    switch (res->outcome) {
    case KP_OUTCOME_APPROVED:
        if (!res->cheque_path || (res->print_requested && !res->delivered))
            return 6;
        return 0;
    case KP_OUTCOME_DECLINED: return 1;
    case KP_OUTCOME_REFUSED: return 3;
    case KP_OUTCOME_BUSY: return 3;
    case KP_OUTCOME_UNREACHABLE: return 4;
    case KP_OUTCOME_UNKNOWN: return 5;
    case KP_OUTCOME_SETUP: return 7;
    }
    return 5;
}

const char *kp_agent_status_word(const kp_agent_result *res)
{
    switch (res->outcome) {
    case KP_OUTCOME_APPROVED: return "success";
    case KP_OUTCOME_DECLINED: return "fail";
    case KP_OUTCOME_UNKNOWN: return "unknown";
    default: return "error";
    }
}
