/*
 * kaspi-backend.c: the `kaspi` CUPS backend (backend(7)): a legacy till
 * "prints" its bill to a kaspi:// queue; the backend reads the amount from
 * the bill, takes the payment on the Kaspi terminal, and on approval sends
 * the bill and then the cheque to the receipt queue named in the URI.
 *
 *   kaspi                                   discovery line
 *   kaspi JOB USER TITLE COPIES OPTIONS [FILE]
 *
 * The job is keyed in the journal by its job-uuid: a re-run of the same job
 * (scheduler restart, released hold) resumes the payment it started and
 * never asks the terminal for a second one.  Wiring only: the bill, the URI
 * and delivery live in the library (bill.h, backend.h, agent.h).
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cups/backend.h>

#include "kaspipos/agent.h"
#include "kaspipos/backend.h"
#include "kaspipos/bill.h"
#include "kaspipos/config.h"
#include "kaspipos/journal.h"
#include "kaspipos/terminal.h"

#define DEFAULT_TIMEOUT_S 300L
#define CUPS_LINE_MAX 2047

static volatile sig_atomic_t interrupted;

static void on_term(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* One message line for the scheduler: unbuffered, one line, bounded. */
static void say(const char *prefix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const char *prefix, const char *fmt, ...)
{
    char line[CUPS_LINE_MAX + 1];
    int n = snprintf(line, sizeof line, "%s: ", prefix);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    strcat(line, "\n");
    fputs(line, stderr);
}

typedef struct job {
    const char *id, *user, *options, *file;
    kp_backend_uri uri;
    kp_config *config;
    kp_journal *journal;
    kp_terminal *terminal;
    kp_buf data;
    char key[KP_JOURNAL_ID_MAX + 1];
    char amount_text[32];
    long deadline_ms, poll_ms;
    char last_info[512];
} job;

/* ---- settings ---- */

static int setup_failed(const kp_error *err)
{
    say("ERROR", "%s", err->message);
    return CUPS_BACKEND_STOP;
}

static kp_status load_config(job *j, kp_error *err)
{
    const char *path = getenv("KASPI_CONFIG");

    if (path && *path)
        return kp_config_load(path, false, &j->config, err);
    return kp_config_load(KP_SYSCONFDIR "/kaspi-cups/kaspi.conf", true, &j->config, err);
}

static kp_status config_long(job *j, const char *key, long min, long max, long *value, kp_error *err)
{
    const char *text = kp_config_get(j->config, key);

    return text ? kp_config_parse_long(text, min, max, key, value, err) : KP_OK;
}

/* A setting from the URI, else from kaspi.conf. */
static const char *uri_or_config(const job *j, const char *from_uri, const char *key)
{
    return from_uri ? from_uri : kp_config_get(j->config, key);
}

/* The v2 settings (protected terminals), as kaspi-pay takes them: the URI's
 * api, client, tls_name and tls_pin, else kaspi.conf's keys of the same
 * names; cacert and tls_insecure from kaspi.conf only.  Tokens live in the
 * journal directory, where `kaspi-pay register` (run as lp) puts them. */
static kp_status protected_terminal_options(job *j, kp_terminal_options *topt, kp_error *err)
{
    const char *api = uri_or_config(j, j->uri.api, "api");
    const char *insecure = kp_config_get(j->config, "tls_insecure");

    if (kp_terminal_api_parse(api ? api : "v1", &topt->api, err) != KP_OK)
        return KP_ERR_SETUP;
    if (topt->api != KP_API_V2)
        return KP_OK;
    topt->client_name = uri_or_config(j, j->uri.client_name, "client_name");
    topt->tls_name = uri_or_config(j, j->uri.tls_name, "tls_name");
    topt->tls_pin = uri_or_config(j, j->uri.tls_pin, "tls_pin");
    topt->cacert = kp_config_get(j->config, "cacert");
    topt->tls_insecure = insecure && (strcmp(insecure, "yes") == 0 || strcmp(insecure, "true") == 0 ||
                                      strcmp(insecure, "1") == 0);
    if (topt->tls_insecure)
        fputs("WARNING: TLS verification of the terminal is off (tls_insecure in kaspi.conf)\n", stderr);
    topt->token_dir = kp_journal_dir(j->journal);
    return KP_OK;
}

static kp_status settings(job *j, kp_error *err)
{
    const char *uri = getenv("DEVICE_URI");
    long timeout_s = DEFAULT_TIMEOUT_S, connect_s = 0, request_s = 0;
    kp_terminal_options topt = { 0 };
    const char *dir = getenv("KASPI_JOURNAL");
    kp_status st;

    if ((st = kp_backend_uri_parse(uri, &j->uri, err)) != KP_OK || (st = load_config(j, err)) != KP_OK)
        return st;
    if (!j->uri.printer && kp_config_get(j->config, "printer"))
        j->uri.printer = strdup(kp_config_get(j->config, "printer"));
    if (!j->uri.printer)
        return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI names no receipt queue: "
                            "kaspi://HOST:PORT/?printer=QUEUE");
    if (!j->uri.template_name && kp_config_get(j->config, "template"))
        j->uri.template_name = strdup(kp_config_get(j->config, "template"));
    j->poll_ms = KP_AGENT_DEFAULT_POLL_MS;
    if ((st = config_long(j, "timeout", 1, KP_BACKEND_TIMEOUT_MAX, &timeout_s, err)) != KP_OK ||
        (st = config_long(j, "poll_interval_ms", 50, 60000, &j->poll_ms, err)) != KP_OK ||
        (st = config_long(j, "connect_timeout", 1, 60, &connect_s, err)) != KP_OK ||
        (st = config_long(j, "request_timeout", 1, 120, &request_s, err)) != KP_OK)
        return st;
    j->deadline_ms = (j->uri.timeout_s ? j->uri.timeout_s : timeout_s) * 1000L;
    if (!dir || !*dir)
        dir = KP_LOCALSTATEDIR "/lib/kaspi-cups";
    if ((st = kp_journal_open(dir, &j->journal, err)) != KP_OK) {
        kp_error_prefix(err, "the payment journal %s cannot be used (it must be writable by lp; "
                        "set KASPI_JOURNAL with SetEnv in cups-files.conf)", dir);
        return st;
    }
    topt.address = j->uri.terminal;
    topt.connect_timeout_ms = connect_s * 1000L;
    topt.request_timeout_ms = request_s * 1000L;
    if ((st = protected_terminal_options(j, &topt, err)) != KP_OK)
        return st;
    return kp_terminal_new(&topt, &j->terminal, err);
}

static kp_status read_job(job *j, kp_error *err)
{
    int fd = 0;
    kp_status st;

    if (j->file && (fd = open(j->file, O_RDONLY | O_CLOEXEC)) < 0)
        return kp_error_set(err, KP_ERR_IO, "cannot open the print job %s", j->file);
    st = kp_bill_read_fd(fd, KP_BILL_MAX, &j->data, err);
    if (j->file)
        close(fd);
    return st;
}

/* ---- progress for the cashier ---- */

static void progress(const kp_agent_progress *p, void *ctx)
{
    job *j = ctx;
    char info[512];

    if (p->problem)
        snprintf(info, sizeof info, "Waiting for payment: %s ₸ on terminal %s (%s)",
                 j->amount_text, p->terminal, p->problem);
    else if (!p->process_id)
        snprintf(info, sizeof info, "Starting payment: %s ₸ on terminal %s", j->amount_text, p->terminal);
    else
        snprintf(info, sizeof info, "Waiting for payment: %s ₸ on terminal %s", j->amount_text,
                 p->terminal);
    if (strcmp(info, j->last_info) != 0) {
        say("INFO", "%s", info);
        snprintf(j->last_info, sizeof j->last_info, "%s", info);
    }
}

/* ---- running the payment ---- */

static void agent_options(job *j, kp_backend_delivery *d, kp_agent_options *opt)
{
    memset(d, 0, sizeof *d);
    d->queue = j->uri.printer;
    d->user = j->user;
    d->job_id = j->id;
    d->template_name = j->uri.template_name;
    d->bill = j->data.data;
    d->bill_len = j->data.len;
    d->journal_dir = kp_journal_dir(j->journal);
    memset(opt, 0, sizeof *opt);
    opt->terminal = j->terminal;
    opt->journal = j->journal;
    opt->deadline_ms = j->deadline_ms;
    opt->poll_interval_ms = j->poll_ms;
    opt->progress = progress;
    opt->progress_ctx = j;
    opt->deliver = kp_backend_deliver;
    opt->deliver_ctx = d;
    opt->interrupted = &interrupted;
}

/* Runs or resumes the job's operation; waits while another job holds the
 * terminal (nothing is sent meanwhile).  *was_done: the record was finished
 * by an earlier run. */
static void run_payment(job *j, const kp_agent_options *opt, long long amount,
                        kp_agent_result *res, int *was_done)
{
    struct timespec second = { 1, 0 };
    time_t give_up = time(NULL) + j->deadline_ms / 1000 + 1;
    bool told = false;

    for (;;) {
        kp_journal_record *record = NULL;
        kp_journal_intent intent = { 0 };

        if (kp_journal_find_by_key(j->journal, j->key, &record, NULL) == KP_OK) {
            *was_done = kp_journal_record_state(record) == KP_JOURNAL_DONE;
            snprintf(j->amount_text, sizeof j->amount_text, "%lld", kp_journal_record_amount(record));
            kp_bill_format_amount(kp_journal_record_amount(record), j->amount_text, sizeof j->amount_text);
            if (!*was_done)
                say("INFO", "Resuming payment %s ₸ of this job on terminal %s", j->amount_text,
                    kp_journal_record_terminal(record));
            kp_agent_resume(opt, record, res);
        } else {
            intent.operation = KP_JOURNAL_PAYMENT;
            intent.amount = amount;
            intent.external_key = j->key;
            intent.print.printer = j->uri.printer;
            intent.print.template_name = j->uri.template_name;
            kp_agent_run(opt, &intent, res);
        }
        if (res->outcome != KP_OUTCOME_BUSY || interrupted || time(NULL) >= give_up)
            return;
        if (!told)
            say("INFO", "Terminal busy with another payment; this bill waits its turn");
        told = true;
        kp_agent_result_clear(res);
        nanosleep(&second, NULL);
    }
}

static int outcome_exit(job *j, kp_agent_result *res, int was_done, const kp_backend_delivery *d)
{
    kp_error err;

    say("STATE", "-connecting-to-device");
    switch (res->outcome) {
    case KP_OUTCOME_APPROVED:
        if (res->delivered || !res->print_requested) {
            say("INFO", "Paid: %s ₸; bill and cheque sent to %s", j->amount_text, j->uri.printer);
            return CUPS_BACKEND_OK;
        }
        say("ERROR", "Paid %s ₸, but the receipt was not printed: %s. Release the job to print it "
            "again (the customer is not charged again)", j->amount_text, res->error.message);
        return CUPS_BACKEND_HOLD;
    case KP_OUTCOME_DECLINED:
        if (!was_done && res->record && kp_backend_submit_slip(d, res->record, &err) != KP_OK)
            say("ERROR", "the declined slip was not printed: %s", err.message);
        say("ERROR", "Payment of %s ₸ declined on terminal %s: job canceled", j->amount_text,
            kp_terminal_address(j->terminal));
        return CUPS_BACKEND_CANCEL;
    case KP_OUTCOME_REFUSED:
    case KP_OUTCOME_UNREACHABLE:
        say("ERROR", "%s; nothing was charged: job canceled", res->error.message);
        return CUPS_BACKEND_CANCEL;
    case KP_OUTCOME_SETUP:
        say("ERROR", "%s", res->error.message);
        return CUPS_BACKEND_STOP;
    case KP_OUTCOME_BUSY:
        say("ERROR", "%s; nothing was sent: release the job to try again", res->error.message);
        return CUPS_BACKEND_HOLD;
    case KP_OUTCOME_UNKNOWN:
        break;
    }
    if (interrupted) {
        say("INFO", "Stopped waiting for the payment of %s ₸; run 'kaspi-pay recover' to finish it",
            j->amount_text);
        return CUPS_BACKEND_CANCEL;
    }
    say("ERROR", "%s", res->error.message);
    say("INFO", "Payment of %s ₸ not finished: job held. Release it to check the terminal again "
        "(never a second charge)", j->amount_text);
    return CUPS_BACKEND_HOLD;
}

static int run_job(job *j)
{
    kp_backend_delivery delivery;
    kp_agent_options opt;
    kp_agent_result res;
    kp_bill bill;
    kp_bill_options bopt = { 0 };
    kp_journal_record *existing = NULL;
    kp_error err;
    int was_done = 0, code;

    if (settings(j, &err) != KP_OK)
        return setup_failed(&err);
    if (read_job(j, &err) != KP_OK) {
        say("ERROR", "%s", err.message);
        return CUPS_BACKEND_CANCEL;
    }
    kp_backend_job_key(j->options, j->id, j->key, sizeof j->key);
    kp_bill_init(&bill);
    bopt.charset = j->uri.charset;
    bopt.extra_words = j->uri.words ? j->uri.words : kp_config_get(j->config, "total_words");
    if (kp_journal_find_by_key(j->journal, j->key, &existing, NULL) == KP_OK) {
        kp_journal_record_free(existing);  /* a re-run: the record, not the bill, says what to do */
    } else if (kp_bill_parse(j->data.data, j->data.len, &bopt, &bill, &err) != KP_OK) {
        say("ERROR", "%s", err.message);
        kp_bill_clear(&bill);
        return CUPS_BACKEND_CANCEL;
    }
    kp_bill_format_amount(bill.amount, j->amount_text, sizeof j->amount_text);
    say("STATE", "+connecting-to-device");
    if (bill.amount)
        say("INFO", "Waiting for payment: %s ₸ on terminal %s", j->amount_text, j->uri.terminal);
    agent_options(j, &delivery, &opt);
    kp_agent_result_init(&res);
    run_payment(j, &opt, bill.amount, &res, &was_done);
    code = outcome_exit(j, &res, was_done, &delivery);
    kp_agent_result_clear(&res);
    kp_bill_clear(&bill);
    return code;
}

static void job_free(job *j)
{
    kp_backend_uri_clear(&j->uri);
    kp_config_free(j->config);
    kp_journal_free(j->journal);
    kp_terminal_free(j->terminal);
    kp_buf_free(&j->data);
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    job j;
    int code;

    setvbuf(stderr, NULL, _IONBF, 0);
    if (argc == 1) {
        puts("network kaspi \"Unknown\" \"Kaspi POS terminal (pay by printing)\"");
        return CUPS_BACKEND_OK;
    }
    if (argc < 6 || argc > 7) {
        fprintf(stderr, "Usage: %s job-id user title copies options [file]\n", argv[0]);
        return CUPS_BACKEND_FAILED;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    memset(&j, 0, sizeof j);
    kp_buf_init(&j.data, 0);
    j.id = argv[1];
    j.user = argv[2];
    j.options = argv[5];
    j.file = argc == 7 ? argv[6] : NULL;
    code = run_job(&j);
    job_free(&j);
    return code;
}
