/*
 * options.c: the command line of kaspi-terminal-sim and its --help, which
 * lists exactly the options parsed here.
 */
#include "config.h"
#include <arpa/inet.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "kaspipos/utf8.h"
#include "sim/sim.h"

enum { OPT_STORE = 256, OPT_API, OPT_TLS_CERT, OPT_TLS_KEY, OPT_AUTO_TAP, OPT_TOKEN_TTL,
       OPT_DATE_STYLE };

static const struct option long_options[] = {
    { "listen", required_argument, NULL, 'l' },
    { "port", required_argument, NULL, 'p' },
    { "port-file", required_argument, NULL, 'P' },
    { "log", required_argument, NULL, 'L' },
    { "scenario", required_argument, NULL, 's' },
    { "polls", required_argument, NULL, 'n' },
    { "delay-ms", required_argument, NULL, 'd' },
    { "message", required_argument, NULL, 'm' },
    { "method", required_argument, NULL, 'M' },
    { "store", required_argument, NULL, OPT_STORE },
    { "api", required_argument, NULL, OPT_API },
    { "tls-cert", required_argument, NULL, OPT_TLS_CERT },
    { "tls-key", required_argument, NULL, OPT_TLS_KEY },
    { "auto-tap", no_argument, NULL, OPT_AUTO_TAP },
    { "token-ttl", required_argument, NULL, OPT_TOKEN_TTL },
    { "date-style", required_argument, NULL, OPT_DATE_STYLE },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
};

static void usage(FILE *out)
{
    fprintf(out,
        "Usage: kaspi-terminal-sim [OPTION]...\n"
        "Simulates a Kaspi POS terminal (v1 API: /payment, /refund, /status) for\n"
        "development, demos and tests.\n"
        "\n"
        "  --listen ADDR      address to listen on (default 127.0.0.1; IPv6 allowed)\n"
        "  --port N           TCP port (default 8080; 0 picks a free one)\n"
        "  --port-file FILE   once listening, write the port to FILE (atomically)\n"
        "  --log FILE         append every API request to FILE as a JSON line\n"
        "  --scenario NAME    how operations end (default approve); one of:\n"
        "                     ");
    sim_scenario_names(out);
    fprintf(out, "\n"
        "  --polls N          status polls answered \"wait\" before the final status\n"
        "                     (default 2); for flaky, the number of 503 answers\n"
        "  --delay-ms MS      delay of every reply under scenario slow (default 1000)\n"
        "  --message TEXT     the refusal under scenario refuse\n"
        "                     (default \"Could not register transaction\")\n"
        "  --method card|qr   how the customer pays (default card)\n"
        "  --store N          which simulated merchant (0-%u, default 0)\n"
        "  --api v1|v2        v2: a protected terminal (HTTPS, tokens, /v2/...)\n"
        "  --tls-cert FILE    v2: the server certificate (PEM; chain allowed)\n"
        "  --tls-key FILE     v2: its private key (PEM)\n"
        "  --auto-tap         v2: allow every registration at once (else wait for\n"
        "                     /_sim/tap?name=NAME&allow=1|0)\n"
        "  --token-ttl SECS   v2: lifetime of issued tokens (default 86400)\n"
        "  --date-style iso|java  v2: expirationDate as 2026-11-30 14:05:00 (iso,\n"
        "                     default) or Nov 30, 2026 14:05:00 (java)\n"
        "  --quiet            no messages on stderr\n"
        "  --help             show this help and exit\n"
        "  --version          show the version and exit\n"
        "\n"
        "Control endpoints: /_sim/stats, /_sim/scenario?name=NAME[&polls=N]\n"
        "[&delay_ms=MS][&message=TEXT][&method=card|qr][&processId=ID], /_sim/reset,\n"
        "/_sim/log, /_sim/operations; v2: /_sim/tap?name=NAME&allow=1|0,\n"
        "/_sim/auth?code=401|403[&count=N], /_sim/expire, /_sim/v2.\n"
        "See kaspi-terminal-sim(1).\n",
        sim_store_count() - 1);
}

static int bad(const char *what, const char *value)
{
    fprintf(stderr, "kaspi-terminal-sim: invalid %s: '%s' (see --help)\n", what, value);
    return 2;
}

static bool valid_address(const char *text)
{
    unsigned char addr[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, text, addr) == 1 || inet_pton(AF_INET6, text, addr) == 1;
}

/* One option; returns -1 to go on, else the exit code. */
static int take_option(int opt, const char *arg, sim_config *c)
{
    unsigned long n;
    switch (opt) {
    case 'l':
        if (!valid_address(arg)) return bad("--listen (an IPv4 or IPv6 address)", arg);
        c->listen = arg;
        break;
    case 'p':
        if (!sim_parse_unsigned(arg, 65535, &n)) return bad("port", arg);
        c->port = (unsigned)n;
        break;
    case 'P': c->port_file = arg; break;
    case 'L': c->log_file = arg; break;
    case 's':
        if (!sim_scenario_lookup(arg, &c->scenario.id)) return bad("scenario", arg);
        break;
    case 'n':
        if (!sim_parse_unsigned(arg, SIM_POLLS_MAX, &n)) return bad("--polls", arg);
        c->scenario.polls = (unsigned)n;
        break;
    case 'd':
        if (!sim_parse_unsigned(arg, SIM_DELAY_MAX_MS, &n)) return bad("--delay-ms", arg);
        c->scenario.delay_ms = (unsigned)n;
        break;
    case 'm':
        if (strlen(arg) >= SIM_MESSAGE_MAX || !kp_utf8_valid(arg, strlen(arg)))
            return bad("--message (UTF-8, under 256 bytes)", arg);
        strcpy(c->scenario.message, arg);
        break;
    case 'M':
        if (!sim_method_parse(arg, &c->scenario.method)) return bad("--method", arg);
        break;
    case OPT_STORE:
        if (!sim_parse_unsigned(arg, sim_store_count() - 1, &n)) return bad("--store", arg);
        c->store = (unsigned)n;
        break;
    case OPT_API:
        if (strcmp(arg, "v1") != 0 && strcmp(arg, "v2") != 0) return bad("--api (v1 or v2)", arg);
        c->v2 = strcmp(arg, "v2") == 0;
        break;
    case OPT_TLS_CERT: c->tls_cert = arg; break;
    case OPT_TLS_KEY: c->tls_key = arg; break;
    case OPT_AUTO_TAP: c->auto_tap = true; break;
    case OPT_TOKEN_TTL:
        if (!sim_parse_unsigned(arg, 10UL * 365 * 86400, &n) || n == 0) return bad("--token-ttl", arg);
        c->token_ttl = n;
        break;
    case OPT_DATE_STYLE:
        if (strcmp(arg, "iso") != 0 && strcmp(arg, "java") != 0) return bad("--date-style", arg);
        c->iso_dates = strcmp(arg, "iso") == 0;
        break;
    case 'q': c->quiet = true; break;
    case 'h': usage(stdout); return 0;
    case 'V': printf("kaspi-terminal-sim (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION); return 0;
    default: usage(stderr); return 2;
    }
    return -1;
}

/* Fills config; returns -1 to run, else the code to exit with. */
int sim_options_parse(int argc, char **argv, sim_config *config)
{
    int opt, code;
    memset(config, 0, sizeof *config);
    config->listen = "127.0.0.1";
    config->port = 8080;
    sim_scenario_default(&config->scenario);
    config->token_ttl = 86400;
    config->iso_dates = true;
    while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1)
        if ((code = take_option(opt, optarg, config)) >= 0)
            return code;
    if (optind < argc) {
        fprintf(stderr, "kaspi-terminal-sim: unexpected argument '%s' (see --help)\n",
                argv[optind]);
        return 2;
    }
    return sim_tls_load(config);
}
