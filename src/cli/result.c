/* result.c: how kaspi-pay reports an operation: a few lines for people on
 * stderr, or exactly one JSON object on stdout with --json. */
#include "config.h"
#include "cli.h"

#include <jansson.h>
#include <stdio.h>

static void set_string(json_t *obj, const char *key, const char *value)
{
    json_object_set_new(obj, key, value ? json_string(value) : json_null());
}

json_t *kp_cli_result_json(const kp_cli_result *r)
{
    json_t *obj = json_object();

    set_string(obj, "operation", r->operation);
    json_object_set_new(obj, "amount", r->amount > 0 ? json_integer(r->amount) : json_null());
    set_string(obj, "processId", r->process_id);
    set_string(obj, "status", r->status);
    set_string(obj, "transactionId", r->transaction_id);
    set_string(obj, "cheque", r->cheque);
    json_object_set_new(obj, "printed", json_boolean(r->printed));
    set_string(obj, "printedTo", r->printed_to);
    json_object_set_new(obj, "jobId", r->job_id > 0 ? json_integer(r->job_id) : json_null());
    set_string(obj, "journalId", r->journal_id);
    set_string(obj, "error", r->error);
    json_object_set_new(obj, "exit", json_integer(r->exit_code));
    return obj;
}

static const char *verdict(const kp_cli_result *r)
{
    switch (r->exit_code) {
    case KP_EXIT_OK: return "approved";
    case KP_EXIT_DECLINED: return "declined";
    case KP_EXIT_REFUSED: return "refused by the terminal";
    case KP_EXIT_UNREACHABLE: return "terminal unreachable, nothing was sent";
    case KP_EXIT_UNKNOWN: return "OUTCOME UNKNOWN: do not charge again; run 'kaspi-pay recover'";
    case KP_EXIT_NOT_PRINTED: return "approved, but the receipt was not delivered: reprint the saved cheque";
    case KP_EXIT_SETUP: return "setup error";
    default: return "error";
    }
}

void kp_cli_result_print(const kp_cli *cli, const kp_cli_result *r)
{
    if (r->error)
        kp_cli_error("%s", r->error);   /* stderr, also with --json: stdout is the till's */
    if (cli->json) {
        json_t *obj = kp_cli_result_json(r);
        json_dumpf(obj, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
        fputc('\n', stdout);
        fflush(stdout);
        json_decref(obj);
        return;
    }
    if (cli->quiet)
        return;
    fprintf(stderr, "%s %s: %s\n", r->operation, r->process_id ? r->process_id : "", verdict(r));
    if (r->transaction_id)
        fprintf(stderr, "  transaction %s\n", r->transaction_id);
    if (r->cheque)
        fprintf(stderr, "  cheque saved: %s\n", r->cheque);
    if (r->printed && r->printed_to)
        fprintf(stderr, r->job_id > 0 ? "  receipt sent to %s (job %d)\n" : "  receipt written to %s\n",
                r->printed_to, r->job_id);
}
