/*
 * kaspi-pay.c: the kaspi-pay program: parses the command line and hands it
 * to the command (src/cli/cmd_*.c).  Everything else lives in libkaspipos.
 */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
"Usage:\n"
"  kaspi-pay [GLOBAL OPTIONS] pay AMOUNT [PRINT OPTIONS]\n"
"  kaspi-pay [GLOBAL OPTIONS] refund AMOUNT --method card|qr --transaction ID [PRINT OPTIONS]\n"
"  kaspi-pay [GLOBAL OPTIONS] status PROCESS_ID\n"
"  kaspi-pay [GLOBAL OPTIONS] recover\n"
"  kaspi-pay [GLOBAL OPTIONS] reprint CHEQUE.json [PRINT OPTIONS]\n"
"  kaspi-pay expand TEMPLATE --data FILE.json [--partials DIR] [--escape receipt|html|none]\n"
"  kaspi-pay [GLOBAL OPTIONS] journal [list | show ID | close ID]\n"
"  kaspi-pay profiles\n"
"  kaspi-pay [GLOBAL OPTIONS] register NAME   protected terminals (v2): tap «Разрешить»\n"
"  kaspi-pay [GLOBAL OPTIONS] info            the terminal's device info (v2)\n"
"\n"
"Global options:\n"
"  --terminal HOST[:PORT]   the terminal (port 8080 by default; env KASPI_TERMINAL)\n"
"  --journal DIR            the write-ahead journal and saved cheques (env KASPI_JOURNAL)\n"
"  --config FILE            settings file, see kaspi.conf(5) (env KASPI_CONFIG)\n"
"  --timeout SECONDS        overall deadline of one operation (default 300)\n"
"  --poll-interval MS       between status polls (default 1000)\n"
"  --connect-timeout SECONDS  to reach the terminal (default 3)\n"
"  --request-timeout SECONDS  for the terminal's answer (default 10)\n"
"  --json                   print one JSON object with the result on stdout\n"
"  --quiet                  no progress on stderr\n"
"\n"
"Protected terminals (\"Защита интеграции\" on; config keys of the same names):\n"
"  --api v1|v2              v2: HTTPS and tokens (default v1; config key api)\n"
"  --client-name NAME       the registered client to use (default: the one\n"
"                           registered last with this terminal)\n"
"  --tls-name NAME          check the certificate against NAME while connecting to\n"
"                           the terminal's address, e.g. pos.kaspipos.kz\n"
"  --tls-pin sha256//KEY    trust the terminal whose public key has this hash\n"
"  --cacert FILE            CA certificates to verify the terminal with\n"
"  --tls-insecure           do not verify the terminal at all (warns)\n"
"\n"
"Print options:\n"
"  --printer QUEUE          submit the receipt to this CUPS queue (env KASPI_PRINTER)\n"
"  --output FILE            write the receipt to a file instead\n"
"  --format escpos|pdf|text default from the file's extension: .pdf, .txt, else escpos\n"
"  --template NAME|FILE     receipt template (env KASPI_TEMPLATE)\n"
"  --profile NAME           printer profile: width and code page (kaspi-pay profiles)\n"
"  --language ru|kk|en      language of the default templates (default ru)\n"
"\n"
"Expand options:\n"
"  --data FILE.json         the data: a cheque or slip gives the receipt's data\n"
"                           (receipt.*, labels.*, branding.*); other JSON as it is\n"
"  --partials DIR           partials as DIR/NAME.mustache (default for a cheque:\n"
"                           the templates directory's partials)\n"
"  --escape receipt|html|none  how values are escaped (default receipt)\n"
"\n"
"Exit codes: 0 approved and delivered, 1 declined, 2 usage, 3 refused by the terminal,\n"
"4 terminal unreachable (nothing sent), 5 outcome unknown (run recover, never charge\n"
"again), 6 approved but receipt not delivered (reprint it), 7 setup error.\n"
"See kaspi-pay(1).\n";

enum {
    OPT_TERMINAL = 256, OPT_JOURNAL, OPT_CONFIG, OPT_TIMEOUT, OPT_POLL, OPT_CONNECT_TIMEOUT,
    OPT_REQUEST_TIMEOUT, OPT_JSON, OPT_QUIET, OPT_PRINTER, OPT_OUTPUT, OPT_FORMAT, OPT_TEMPLATE,
    OPT_PROFILE, OPT_LANGUAGE, OPT_METHOD, OPT_TRANSACTION, OPT_DATA, OPT_PARTIALS, OPT_ESCAPE,
    OPT_API, OPT_CLIENT_NAME, OPT_TLS_NAME, OPT_TLS_PIN, OPT_CACERT, OPT_TLS_INSECURE,
    OPT_HELP, OPT_VERSION
};

static const struct option options[] = {
    { "terminal", required_argument, NULL, OPT_TERMINAL },
    { "journal", required_argument, NULL, OPT_JOURNAL },
    { "config", required_argument, NULL, OPT_CONFIG },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "poll-interval", required_argument, NULL, OPT_POLL },
    { "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
    { "request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT },
    { "json", no_argument, NULL, OPT_JSON },
    { "quiet", no_argument, NULL, OPT_QUIET },
    { "printer", required_argument, NULL, OPT_PRINTER },
    { "output", required_argument, NULL, OPT_OUTPUT },
    { "format", required_argument, NULL, OPT_FORMAT },
    { "template", required_argument, NULL, OPT_TEMPLATE },
    { "profile", required_argument, NULL, OPT_PROFILE },
    { "language", required_argument, NULL, OPT_LANGUAGE },
    { "method", required_argument, NULL, OPT_METHOD },
    { "transaction", required_argument, NULL, OPT_TRANSACTION },
    { "data", required_argument, NULL, OPT_DATA },
    { "partials", required_argument, NULL, OPT_PARTIALS },
    { "escape", required_argument, NULL, OPT_ESCAPE },
    { "api", required_argument, NULL, OPT_API },
    { "client-name", required_argument, NULL, OPT_CLIENT_NAME },
    { "tls-name", required_argument, NULL, OPT_TLS_NAME },
    { "tls-pin", required_argument, NULL, OPT_TLS_PIN },
    { "cacert", required_argument, NULL, OPT_CACERT },
    { "tls-insecure", no_argument, NULL, OPT_TLS_INSECURE },
    { "help", no_argument, NULL, OPT_HELP },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 }
};

typedef struct command {
    const char *name;
    int (*run)(kp_cli *cli);
    int min_args, max_args;
} command;

static const command commands[] = {
    { "pay", kp_cmd_pay, 1, 1 },
    { "refund", kp_cmd_refund, 1, 1 },
    { "status", kp_cmd_status, 1, 1 },
    { "recover", kp_cmd_recover, 0, 0 },
    { "journal", kp_cmd_journal, 0, 2 },
    { "reprint", kp_cmd_reprint, 1, 1 },
    { "expand", kp_cmd_expand, 1, 1 },
    { "profiles", kp_cmd_profiles, 0, 0 },
    { "register", kp_cmd_register, 1, 1 },
    { "info", kp_cmd_info, 0, 0 },
};

static int parse_seconds(const char *text, const char *name, long max, long *value)
{
    char *end;
    long v = strtol(text, &end, 10);

    if (!*text || *end || v < 1 || v > max) {
        kp_cli_error("--%s must be a whole number from 1 to %ld, not '%s'", name, max, text);
        return -1;
    }
    *value = v;
    return 0;
}

static int take_option(kp_cli *cli, int opt, const char *arg)
{
    switch (opt) {
    case OPT_TERMINAL: cli->terminal = arg; break;
    case OPT_JOURNAL: cli->journal = arg; break;
    case OPT_CONFIG: cli->config_file = arg; break;
    case OPT_TIMEOUT: return parse_seconds(arg, "timeout", 86400, &cli->timeout_s);
    case OPT_POLL: return parse_seconds(arg, "poll-interval", 60000, &cli->poll_interval_ms);
    case OPT_CONNECT_TIMEOUT: return parse_seconds(arg, "connect-timeout", 120, &cli->connect_timeout_s);
    case OPT_REQUEST_TIMEOUT: return parse_seconds(arg, "request-timeout", 600, &cli->request_timeout_s);
    case OPT_JSON: cli->json = true; break;
    case OPT_QUIET: cli->quiet = true; break;
    case OPT_PRINTER: cli->printer = arg; break;
    case OPT_OUTPUT: cli->output = arg; break;
    case OPT_FORMAT: cli->format = arg; break;
    case OPT_TEMPLATE: cli->template_name = arg; break;
    case OPT_PROFILE: cli->profile = arg; break;
    case OPT_LANGUAGE: cli->language = arg; break;
    case OPT_METHOD: cli->method = arg; break;
    case OPT_TRANSACTION: cli->transaction = arg; break;
    case OPT_DATA: cli->data = arg; break;
    case OPT_PARTIALS: cli->partials = arg; break;
    case OPT_ESCAPE: cli->escape = arg; break;
    case OPT_API: cli->api = arg; break;
    case OPT_CLIENT_NAME: cli->client_name = arg; break;
    case OPT_TLS_NAME: cli->tls_name = arg; break;
    case OPT_TLS_PIN: cli->tls_pin = arg; break;
    case OPT_CACERT: cli->cacert = arg; break;
    case OPT_TLS_INSECURE: cli->tls_insecure = true; break;
    default: return -1;
    }
    return 0;
}

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    kp_cli cli = { 0 };
    const command *cmd;
    kp_error err;
    int opt, code;

    cli.timeout_s = cli.poll_interval_ms = cli.connect_timeout_s = cli.request_timeout_s = -1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (opt == 'h' || opt == OPT_HELP) {
            fputs(usage_text, stdout);
            return KP_EXIT_OK;
        }
        if (opt == OPT_VERSION) {
            puts(PACKAGE_STRING);
            return KP_EXIT_OK;
        }
        if (opt == '?' || opt == ':') {
            kp_cli_error("unknown or incomplete option '%s' (see kaspi-pay --help)", argv[optind - 1]);
            return KP_EXIT_USAGE;
        }
        if (take_option(&cli, opt, optarg) != 0)
            return KP_EXIT_USAGE;
    }
    if (optind >= argc) {
        fputs(usage_text, stderr);
        return KP_EXIT_USAGE;
    }
    cli.command = argv[optind];
    cli.args = argv + optind + 1;
    cli.n_args = argc - optind - 1;
    cmd = find_command(cli.command);
    if (!cmd) {
        kp_cli_error("unknown command '%s' (see kaspi-pay --help)", cli.command);
        return KP_EXIT_USAGE;
    }
    if (cli.n_args < cmd->min_args || cli.n_args > cmd->max_args) {
        kp_cli_error("wrong number of arguments for '%s' (see kaspi-pay --help)", cmd->name);
        return KP_EXIT_USAGE;
    }
    if (kp_cli_load_config(&cli, &err) != KP_OK) {
        kp_cli_error("%s", err.message);
        return KP_EXIT_SETUP;
    }
    code = cmd->run(&cli);
    kp_config_free(cli.config);
    return code;
}
