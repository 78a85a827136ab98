/* cmd_status.c: `kaspi-pay status PROCESS_ID`: asks the terminal once and
 * prints its answer; the exit code follows the contract's table. */
#include "config.h"
#include "cli.h"
#include "kaspipos/terminal.h"

#include <stdio.h>

static int exit_for_status(kp_op_status status)
{
    switch (status) {
    case KP_OP_SUCCESS: return KP_EXIT_OK;
    case KP_OP_FAIL: return KP_EXIT_DECLINED;
    default: return KP_EXIT_UNKNOWN;
    }
}

static const char *status_word(kp_status st, const kp_response *resp)
{
    if (st == KP_OK && resp->status_text)
        return resp->status_text;
    if (st == KP_ERR_NOT_FOUND)
        return "unknown";
    return "error";
}

int kp_cmd_status(kp_cli *cli)
{
    kp_terminal *terminal = NULL;
    kp_response resp;
    kp_error err;
    kp_status st;
    kp_cli_result result = { .operation = "status" };

    kp_response_init(&resp);
    st = kp_cli_open_terminal(cli, &terminal, &err);
    if (st != KP_OK) {
        kp_cli_error("%s", err.message);
        return kp_cli_exit_for(st);
    }
    st = kp_terminal_status(terminal, cli->args[0], &resp, &err);
    result.process_id = cli->args[0];
    result.status = status_word(st, &resp);
    result.transaction_id = resp.transaction_id;
    if (st == KP_OK) {
        result.exit_code = exit_for_status(resp.status);
    } else {
        result.error = err.message;
        result.exit_code = st == KP_ERR_UNREACHABLE ? KP_EXIT_UNREACHABLE
                         : st == KP_ERR_USAGE ? KP_EXIT_USAGE : KP_EXIT_UNKNOWN;
    }
    if (cli->json) {
        json_t *obj = kp_cli_result_json(&result);
        if (resp.json)
            json_object_set(obj, "response", resp.json);
        else if (resp.body)
            json_object_set_new(obj, "responseRaw", json_string(resp.body));
        json_dumpf(obj, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
        fputc('\n', stdout);
        json_decref(obj);
    } else {
        if (resp.body)
            printf("%s\n", resp.body);
        if (result.error)
            kp_cli_error("%s", result.error);
    }
    kp_response_clear(&resp);
    kp_terminal_free(terminal);
    return result.exit_code;
}
