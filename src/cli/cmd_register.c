/* cmd_register.c: the commands of protected (v2) terminals:
 * `kaspi-pay register NAME` registers this till as an integration client
 * (someone taps «Разрешить» on the terminal; a countdown shows meanwhile)
 * and keeps its tokens in the journal directory; `kaspi-pay info` prints
 * the terminal's device info.  Both speak v2 whatever --api says. */
#include "config.h"
#include "cli.h"
#include "kaspipos/terminal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PLAIN_EVERY_S 15

typedef struct countdown {
    bool quiet, tty, live;
} countdown;

static void show_countdown(long elapsed_ms, long left_ms, void *ctx)
{
    countdown *c = ctx;
    long left = (left_ms + 999) / 1000;

    if (c->quiet)
        return;
    if (c->tty) {
        fprintf(stderr, "\r\033[KWaiting for «Разрешить» on the terminal… %ld:%02ld left",
                left / 60, left % 60);
        c->live = true;
    } else if ((elapsed_ms / 1000) % PLAIN_EVERY_S == 0) {
        fprintf(stderr, "Waiting for «Разрешить» on the terminal… %ld:%02ld left\n",
                left / 60, left % 60);
    }
    fflush(stderr);
}

static int open_v2(kp_cli *cli, kp_terminal **terminal)
{
    kp_cli v2 = *cli;
    kp_error err;

    v2.api = "v2";
    if (kp_cli_open_terminal(&v2, terminal, &err) != KP_OK) {
        kp_cli_error("%s", err.message);
        return kp_cli_exit_for(err.status);
    }
    return 0;
}

static void print_json(json_t *obj)
{
    json_dumpf(obj, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
    fputc('\n', stdout);
    json_decref(obj);
}

static int register_failed(const kp_cli *cli, const char *name, kp_status st, const kp_error *err)
{
    int code = st == KP_ERR_REFUSED ? KP_EXIT_REFUSED : kp_cli_exit_for(st);

    kp_cli_error("%s", err->message);
    if (st == KP_ERR_REFUSED)
        kp_cli_error("the terminal did not register '%s'. If the name is already registered "
                     "(code 105), remove it on the terminal: Защита интеграции → Настроить "
                     "доступ → select it → «Запретить», then run register again; or choose "
                     "another name. If nobody allowed it, ask someone at the terminal to tap "
                     "«Разрешить».", name);
    if (cli->json)
        print_json(json_pack("{ss ss sb ss si}", "command", "register", "name", name,
                             "registered", 0, "error", err->message, "exit", code));
    return code;
}

int kp_cmd_register(kp_cli *cli)
{
    const char *name = cli->args[0];
    kp_terminal *terminal = NULL;
    countdown c = { .quiet = cli->quiet, .tty = isatty(STDERR_FILENO) };
    long timeout_ms = cli->timeout_s > 0 && cli->timeout_s * 1000 < KP_TERMINAL_REGISTER_TIMEOUT_MS
                      ? cli->timeout_s * 1000 : KP_TERMINAL_REGISTER_TIMEOUT_MS;
    kp_response resp;
    kp_error err;
    kp_status st;
    int code = open_v2(cli, &terminal);

    if (code)
        return code;
    kp_response_init(&resp);
    kp_cli_say(cli, "Registering client '%s' with terminal %s: tap «Разрешить» on the terminal "
               "within %ld s.", name, kp_terminal_address(terminal), timeout_ms / 1000);
    st = kp_terminal_register(terminal, name, timeout_ms, show_countdown, &c, &resp, &err);
    if (c.live)
        fputs("\r\033[K", stderr);
    if (st != KP_OK) {
        code = register_failed(cli, name, st, &err);
    } else {
        json_t *exp = json_object_get(resp.payload, "expirationDate");

        kp_cli_say(cli, "Client '%s' is registered with terminal %s; its token is kept in the "
                   "journal directory and renewed on its own.", name, kp_terminal_address(terminal));
        if (cli->json)
            print_json(json_pack("{ss ss ss sb sO? si}", "command", "register", "name", name,
                                 "terminal", kp_terminal_address(terminal), "registered", 1,
                                 "expirationDate", exp, "exit", 0));
    }
    kp_response_clear(&resp);
    kp_terminal_free(terminal);
    return code;
}

static void print_info(const kp_cli *cli, kp_terminal *terminal, const kp_response *resp)
{
    static const char *const fields[] = { "posNum", "serialNum", "terminalId" };
    const char *client = kp_terminal_client_name(terminal);

    if (cli->json) {
        print_json(json_pack("{ss ss ss? sO si}", "terminal", kp_terminal_address(terminal),
                             "api", "v2", "client", client, "deviceInfo", resp->payload,
                             "exit", 0));
        return;
    }
    printf("terminal: %s\napi: v2\n", kp_terminal_address(terminal));
    if (client)
        printf("client: %s\n", client);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char *text = kp_json_scalar_text(json_object_get(resp->payload, fields[i]));

        printf("%s: %s\n", fields[i], text ? text : "(not sent)");
        free(text);
    }
}

int kp_cmd_info(kp_cli *cli)
{
    kp_terminal *terminal = NULL;
    kp_response resp;
    kp_error err;
    kp_status st;
    int code = open_v2(cli, &terminal);

    if (code)
        return code;
    kp_response_init(&resp);
    st = kp_terminal_device_info(terminal, &resp, &err);
    if (st == KP_OK) {
        print_info(cli, terminal, &resp);
    } else {
        code = st == KP_ERR_REFUSED ? KP_EXIT_REFUSED : kp_cli_exit_for(st);
        kp_cli_error("%s", err.message);
        if (cli->json)
            print_json(json_pack("{ss ss ss si}", "terminal", kp_terminal_address(terminal),
                                 "api", "v2", "error", err.message, "exit", code));
    }
    kp_response_clear(&resp);
    kp_terminal_free(terminal);
    return code;
}
