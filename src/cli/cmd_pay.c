/* cmd_pay.c: `kaspi-pay pay AMOUNT` and `kaspi-pay refund AMOUNT --method M
 * --transaction ID`: validate everything, then hand the operation to the
 * agent, which journals it, starts it, polls it and prints the receipt. */
#include "config.h"
#include "session.h"

#include <string.h>

static int run_operation(kp_cli *cli, const kp_journal_intent *base)
{
    kp_journal_intent intent = *base;
    kp_cli_session s;
    kp_agent_result res;
    kp_cli_result out;
    int code;

    code = kp_cli_print_request(cli, &intent.print);
    if (code == 0)
        code = kp_cli_session_open(&s, cli);
    else
        return code;
    if (code != 0)
        return code;
    code = kp_cli_session_terminal(&s, NULL);
    if (code != 0) {
        kp_cli_session_close(&s);
        return code;
    }
    kp_agent_run(&s.agent, &intent, &res);
    kp_progress_end(&s.progress);
    kp_cli_result_from_agent(&out, &res, intent.operation == KP_JOURNAL_REFUND ? "refund" : "payment");
    if (!out.amount)
        out.amount = (long)intent.amount;
    kp_cli_result_print(cli, &out);
    code = out.exit_code;
    kp_agent_result_clear(&res);
    kp_cli_session_close(&s);
    return code;
}

static int parse_amount(const kp_cli *cli, long long *amount)
{
    kp_error err;
    long value;

    if (kp_amount_parse(cli->args[0], &value, &err) != KP_OK) {
        kp_cli_error("%s", err.message);
        return KP_EXIT_USAGE;
    }
    *amount = value;
    return 0;
}

int kp_cmd_pay(kp_cli *cli)
{
    kp_journal_intent intent = { .operation = KP_JOURNAL_PAYMENT };
    int code = parse_amount(cli, &intent.amount);

    if (code == 0 && (cli->method || cli->transaction)) {
        kp_cli_error("--method and --transaction are for refunds; a payment's method is chosen "
                     "by the customer on the terminal");
        code = KP_EXIT_USAGE;
    }
    return code ? code : run_operation(cli, &intent);
}

int kp_cmd_refund(kp_cli *cli)
{
    kp_journal_intent intent = { .operation = KP_JOURNAL_REFUND };
    kp_error err;
    int code = parse_amount(cli, &intent.amount);

    if (code)
        return code;
    if (kp_refund_method_check(cli->method, &err) != KP_OK ||
        kp_transaction_id_check(cli->transaction, &err) != KP_OK) {
        kp_cli_error("%s", err.message);
        return KP_EXIT_USAGE;
    }
    intent.method = cli->method;
    intent.refund_transaction_id = cli->transaction;
    return run_operation(cli, &intent);
}
