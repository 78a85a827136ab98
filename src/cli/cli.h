/*
 * cli.h: what the kaspi-pay commands share: the parsed command line, the
 * settings resolved from flag, environment, config file and default, and
 * the exit codes of CONTRACT.md.  Only src/cli/ includes this.
 */
#ifndef KP_CLI_H
#define KP_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include "kaspipos/config.h"
#include "kaspipos/error.h"

/* Exit codes (CONTRACT.md, "Exit codes"). */
enum {
    KP_EXIT_OK = 0,
    KP_EXIT_DECLINED = 1,
    KP_EXIT_USAGE = 2,
    KP_EXIT_REFUSED = 3,
    KP_EXIT_UNREACHABLE = 4,
    KP_EXIT_UNKNOWN = 5,
    KP_EXIT_NOT_PRINTED = 6,
    KP_EXIT_SETUP = 7
};

typedef struct kp_cli {
    /* the command and its positional arguments */
    const char *command;
    char **args;
    int n_args;

    /* flags as given (NULL / -1 when absent) */
    const char *terminal, *journal, *config_file;
    const char *printer, *output, *format, *template_name, *profile, *language;
    const char *method, *transaction, *data, *partials, *escape;
    const char *api, *client_name, *tls_name, *tls_pin, *cacert;
    long timeout_s, poll_interval_ms, connect_timeout_s, request_timeout_s;
    bool json, quiet, tls_insecure;

    kp_config *config;    /* loaded by kp_cli_load_config */
} kp_cli;

/* A setting: the flag when given, else the environment variable (may be
 * NULL), else the config key (may be NULL), else the default. */
const char *kp_cli_setting(const kp_cli *cli, const char *flag, const char *env,
                           const char *key, const char *fallback);
/* A numeric setting, same order; errors name where the bad value came from. */
kp_status kp_cli_number(const kp_cli *cli, long flag, const char *key, long fallback,
                        long min, long max, long *value, kp_error *err);
kp_status kp_cli_load_config(kp_cli *cli, kp_error *err);
/* The journal directory: --journal, KASPI_JOURNAL, config, else
 * $(localstatedir)/lib/kaspi-cups for root, $XDG_STATE_HOME/kaspi-cups
 * (~/.local/state/kaspi-cups) for anyone else.  Caller frees. */
char *kp_cli_journal_dir(const kp_cli *cli);

/* Messages for people, on stderr, unless --quiet (errors always). */
void kp_cli_say(const kp_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kp_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Exit code for a kp_status met before anything was sent. */
int kp_cli_exit_for(kp_status status);

/* Opens the terminal client from the settings (address, timeouts). */
struct kp_terminal;
kp_status kp_cli_open_terminal(const kp_cli *cli, struct kp_terminal **terminal, kp_error *err);

/* The result of one operation, printed for people or as one JSON object. */
typedef struct kp_cli_result {
    const char *operation;      /* payment, refund, status, reprint */
    long amount;                /* 0 when not known */
    const char *process_id;
    const char *status;         /* success, fail, wait, unknown, error */
    const char *transaction_id;
    const char *cheque;         /* path of the saved cheque */
    bool printed;
    const char *printed_to;     /* queue or file */
    int job_id;                 /* CUPS job id, 0 when none */
    const char *journal_id;
    const char *error;
    int exit_code;
} kp_cli_result;

/* The object that --json prints (caller owns the reference). */
struct json_t;
struct json_t *kp_cli_result_json(const kp_cli_result *result);
void kp_cli_result_print(const kp_cli *cli, const kp_cli_result *result);

/* Commands: each returns an exit code. */
int kp_cmd_pay(kp_cli *cli);
int kp_cmd_refund(kp_cli *cli);
int kp_cmd_status(kp_cli *cli);
int kp_cmd_recover(kp_cli *cli);
int kp_cmd_reprint(kp_cli *cli);
int kp_cmd_expand(kp_cli *cli);
int kp_cmd_journal(kp_cli *cli);
int kp_cmd_profiles(kp_cli *cli);
int kp_cmd_register(kp_cli *cli);
int kp_cmd_info(kp_cli *cli);

#endif
