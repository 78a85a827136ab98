/* session.c: setting up pay, refund and recover (see session.h). */
#include "config.h"
#include "session.h"
#include "deliver.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* The program's only mutable global: set by SIGINT/SIGTERM, read by the agent. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void catch_stop_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int kp_cli_session_open(kp_cli_session *s, kp_cli *cli)
{
    kp_error err;
    long timeout_s, poll_ms;

    memset(s, 0, sizeof *s);
    s->cli = cli;
    if (kp_cli_number(cli, cli->timeout_s, "timeout", 300, 1, 86400, &timeout_s, &err) != KP_OK ||
        kp_cli_number(cli, cli->poll_interval_ms, "poll_interval_ms", 1000, 1, 60000, &poll_ms, &err) != KP_OK) {
        kp_cli_error("%s", err.message);
        return kp_cli_exit_for(err.status);
    }
    s->journal_dir = kp_cli_journal_dir(cli);
    if (kp_journal_open(s->journal_dir, &s->journal, &err) != KP_OK) {
        kp_cli_error("%s", err.message);
        return KP_EXIT_SETUP;
    }
    kp_progress_init(&s->progress, cli->quiet || cli->json);
    s->agent.journal = s->journal;
    s->agent.deadline_ms = timeout_s * 1000;
    s->agent.poll_interval_ms = poll_ms;
    s->agent.progress = kp_progress_show;
    s->agent.progress_ctx = &s->progress;
    s->agent.deliver = kp_cli_deliver;
    s->agent.deliver_ctx = cli;
    s->agent.interrupted = &stop_requested;
    s->agent.kill_after = getenv("KASPI_TEST_KILL_AFTER");
    catch_stop_signals();
    return 0;
}

int kp_cli_session_terminal(kp_cli_session *s, const char *address)
{
    kp_cli with_address = *s->cli;
    kp_error err;

    kp_terminal_free(s->terminal);
    s->terminal = NULL;
    if (address)
        with_address.terminal = address;
    if (kp_cli_open_terminal(&with_address, &s->terminal, &err) != KP_OK) {
        kp_cli_error("%s", err.message);
        return kp_cli_exit_for(err.status);
    }
    s->agent.terminal = s->terminal;
    return 0;
}

void kp_cli_session_close(kp_cli_session *s)
{
    kp_progress_end(&s->progress);
    kp_terminal_free(s->terminal);
    kp_journal_free(s->journal);
    free(s->journal_dir);
    memset(s, 0, sizeof *s);
}

static bool format_known(const char *format)
{
    return !format || strcmp(format, "escpos") == 0 || strcmp(format, "pdf") == 0 ||
           strcmp(format, "text") == 0;
}

int kp_cli_print_request(const kp_cli *cli, kp_journal_print_request *req)
{
    memset(req, 0, sizeof *req);
    req->output = cli->output;
    req->printer = cli->output ? NULL : kp_cli_setting(cli, cli->printer, "KASPI_PRINTER", "printer", NULL);
    req->format = kp_cli_setting(cli, cli->format, NULL, "format", NULL);
    req->template_name = kp_cli_setting(cli, cli->template_name, "KASPI_TEMPLATE", "template", NULL);
    req->profile = kp_cli_setting(cli, cli->profile, NULL, "profile", NULL);
    if (cli->printer && cli->output) {
        kp_cli_error("give either --printer or --output, not both");
        return KP_EXIT_USAGE;
    }
    if (!format_known(req->format)) {
        kp_cli_error("format '%s' is not known: use escpos, pdf or text", req->format);
        return KP_EXIT_USAGE;
    }
    return 0;
}

void kp_cli_result_from_agent(kp_cli_result *out, const kp_agent_result *res, const char *operation)
{
    const kp_journal_record *rec = res->record;
    kp_journal_print_request req = { 0 };

    memset(out, 0, sizeof *out);
    out->operation = operation;
    out->status = kp_agent_status_word(res);
    out->exit_code = kp_agent_exit_code(res);
    out->cheque = res->cheque_path;
    out->printed = res->delivered;
    out->error = res->error.message[0] ? res->error.message : NULL;
    if (res->outcome == KP_OUTCOME_DECLINED && out->error)
        out->error = NULL;   /* declined is an answer, not an error */
    if (!rec)
        return;
    kp_journal_record_print_request(rec, &req);
    out->operation = kp_journal_operation_name(kp_journal_record_operation(rec));
    out->amount = (long)kp_journal_record_amount(rec);
    out->process_id = kp_journal_record_process_id(rec);
    out->transaction_id = kp_journal_record_transaction_id(rec);
    out->journal_id = kp_journal_record_id(rec);
    out->printed_to = req.printer ? req.printer : req.output;
    out->job_id = res->job_id ? atoi(res->job_id) : 0;
}
