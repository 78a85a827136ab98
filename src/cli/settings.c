/* settings.c: kaspi-pay's settings, from flag, environment, config file or
 * default, in that order (CONTRACT.md, kaspi-pay). */
#include "config.h"
#include "cli.h"
#include "kaspipos/buf.h"
#include "kaspipos/terminal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *kp_cli_setting(const kp_cli *cli, const char *flag, const char *env,
                           const char *key, const char *fallback)
{
    const char *value;

    if (flag)
        return flag;
    if (env && (value = getenv(env)) && *value)
        return value;
    if (key && (value = kp_config_get(cli->config, key)))
        return value;
    return fallback;
}

kp_status kp_cli_number(const kp_cli *cli, long flag, const char *key, long fallback,
                        long min, long max, long *value, kp_error *err)
{
    const char *text;
    char what[256];

    if (flag >= 0) {
        if (flag < min || flag > max)
            return kp_error_set(err, KP_ERR_USAGE, "--%s must be from %ld to %ld", key, min, max);
        *value = flag;
        return KP_OK;
    }
    text = kp_config_get(cli->config, key);
    if (!text) {
        *value = fallback;
        return KP_OK;
    }
    snprintf(what, sizeof what, "%s in %s", key, kp_config_path(cli->config));
    if (kp_config_parse_long(text, min, max, what, value, err) != KP_OK) {
        if (err)
            err->status = KP_ERR_SETUP;   /* a bad config file is a setup error */
        return KP_ERR_SETUP;
    }
    return KP_OK;
}

static char *default_config_path(void)
{
    kp_buf path = KP_BUF_INIT;
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

    if (geteuid() == 0 || (!xdg && !home))
        kp_buf_puts(&path, KP_SYSCONFDIR "/kaspi-cups/kaspi.conf");
    else if (xdg && *xdg)
        kp_buf_printf(&path, "%s/kaspi-cups/kaspi.conf", xdg);
    else
        kp_buf_printf(&path, "%s/.config/kaspi-cups/kaspi.conf", home);
    return kp_buf_steal(&path, NULL);
}

kp_status kp_cli_load_config(kp_cli *cli, kp_error *err)
{
    const char *explicit_path = cli->config_file ? cli->config_file : getenv("KASPI_CONFIG");
    char *fallback;
    kp_status st;

    if (explicit_path && *explicit_path)
        return kp_config_load(explicit_path, false, &cli->config, err);
    fallback = default_config_path();
    st = kp_config_load(fallback, true, &cli->config, err);
    free(fallback);
    return st;
}

char *kp_cli_journal_dir(const kp_cli *cli)
{
    const char *dir = kp_cli_setting(cli, cli->journal, "KASPI_JOURNAL", "journal", NULL);
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    kp_buf path = KP_BUF_INIT;

    if (dir)
        kp_buf_puts(&path, dir);
    else if (geteuid() == 0 || (!xdg && !home))
        kp_buf_puts(&path, KP_LOCALSTATEDIR "/lib/kaspi-cups");
    else if (xdg && *xdg)
        kp_buf_printf(&path, "%s/kaspi-cups", xdg);
    else
        kp_buf_printf(&path, "%s/.local/state/kaspi-cups", home);
    return kp_buf_steal(&path, NULL);
}

void kp_cli_say(const kp_cli *cli, const char *fmt, ...)
{
    va_list ap;

    if (cli->quiet)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void kp_cli_error(const char *fmt, ...)
{
    va_list ap;

    fputs("kaspi-pay: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int kp_cli_exit_for(kp_status status)
{
    switch (status) {
    case KP_OK: return KP_EXIT_OK;
    case KP_ERR_USAGE: return KP_EXIT_USAGE;
    case KP_ERR_REFUSED: case KP_ERR_BUSY: return KP_EXIT_REFUSED;
    case KP_ERR_UNREACHABLE: return KP_EXIT_UNREACHABLE;
    case KP_ERR_SETUP: case KP_ERR_TLS: case KP_ERR_IO: case KP_ERR_AUTH: return KP_EXIT_SETUP;
    case KP_ERR_PRINT: return KP_EXIT_NOT_PRINTED;
    default: return KP_EXIT_UNKNOWN;
    }
}

/* The v2 settings: API, TLS, client name, and where tokens live. */
static kp_status v2_options(const kp_cli *cli, kp_terminal_options *opt, char **token_dir,
                            kp_error *err)
{
    const char *api = kp_cli_setting(cli, cli->api, NULL, "api", "v1");
    const char *insecure = kp_config_get(cli->config, "tls_insecure");

    if (kp_terminal_api_parse(api, &opt->api, err) != KP_OK)
        return KP_ERR_USAGE;
    if (opt->api != KP_API_V2)
        return KP_OK;
    opt->client_name = kp_cli_setting(cli, cli->client_name, NULL, "client_name", NULL);
    opt->tls_name = kp_cli_setting(cli, cli->tls_name, NULL, "tls_name", NULL);
    opt->tls_pin = kp_cli_setting(cli, cli->tls_pin, NULL, "tls_pin", NULL);
    opt->cacert = kp_cli_setting(cli, cli->cacert, NULL, "cacert", NULL);
    opt->tls_insecure = cli->tls_insecure ||
                        (insecure && (strcmp(insecure, "true") == 0 || strcmp(insecure, "yes") == 0 ||
                                      strcmp(insecure, "1") == 0));
    if (opt->tls_insecure)
        kp_cli_error("warning: TLS verification is off (--tls-insecure): anyone on this network "
                     "could pose as the terminal; use --tls-pin or --cacert with --tls-name");
    *token_dir = kp_cli_journal_dir(cli);
    opt->token_dir = *token_dir;
    return KP_OK;
}

kp_status kp_cli_open_terminal(const kp_cli *cli, kp_terminal **terminal, kp_error *err)
{
    kp_terminal_options opt = { 0 };
    long connect_s, request_s;
    char *token_dir = NULL;
    kp_status st;

    opt.address = kp_cli_setting(cli, cli->terminal, "KASPI_TERMINAL", "terminal", NULL);
    if (!opt.address)
        return kp_error_set(err, KP_ERR_USAGE,
                            "which terminal? use --terminal HOST[:PORT], KASPI_TERMINAL or "
                            "'terminal =' in kaspi.conf");
    if (kp_cli_number(cli, cli->connect_timeout_s, "connect_timeout", 3, 1, 120, &connect_s, err) != KP_OK ||
        kp_cli_number(cli, cli->request_timeout_s, "request_timeout", 10, 1, 600, &request_s, err) != KP_OK)
        return err ? err->status : KP_ERR_SETUP;
    opt.connect_timeout_ms = connect_s * 1000;
    opt.request_timeout_ms = request_s * 1000;
    st = v2_options(cli, &opt, &token_dir, err);
    if (st == KP_OK)
        st = kp_terminal_new(&opt, terminal, err);
    free(token_dir);
    return st;
}
