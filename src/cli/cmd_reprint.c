/* cmd_reprint.c: `kaspi-pay reprint CHEQUE.json [PRINT OPTIONS]`: the saved
 * cheque printed again through the same code path as its first print.
 * Exit 0 delivered, 6 not delivered, 2 a bad cheque or a bad call. */
#include "config.h"
#include "cli.h"
#include "deliver.h"
#include "session.h"

static int reprint_exit(kp_status st)
{
    if (st == KP_OK)
        return KP_EXIT_OK;
    return st == KP_ERR_USAGE ? KP_EXIT_USAGE : KP_EXIT_NOT_PRINTED;
}

int kp_cmd_reprint(kp_cli *cli)
{
    kp_journal_print_request req;
    kp_receipt_target target = { 0 };
    kp_receipt_options opt;
    kp_receipt_document *doc = NULL;
    kp_cli_result result = { 0 };
    kp_error err;
    kp_status st;
    int code;

    code = kp_cli_print_request(cli, &req);
    if (code)
        return code;
    if (!req.printer && !req.output) {
        kp_cli_error("where to? give --printer QUEUE (or KASPI_PRINTER) or --output FILE");
        return KP_EXIT_USAGE;
    }
    if (kp_receipt_document_load_file(cli->args[0], &doc, &err) != KP_OK) {
        kp_cli_error("%s", err.message);
        return KP_EXIT_USAGE;
    }
    target.output = req.output;
    target.printer = req.output ? NULL : req.printer;
    st = kp_cli_receipt_options(cli, &req, &opt, &err);
    if (st == KP_OK)
        st = kp_receipt_deliver(doc, &opt, &target, &result.job_id, &err);
    result.operation = "reprint";
    result.status = st == KP_OK ? "success" : "error";
    result.cheque = cli->args[0];
    if (kp_receipt_document_cheque(doc)) {
        const kp_cheque *cheque = kp_receipt_document_cheque(doc);
        result.amount = (long)kp_cheque_amount(cheque);
        result.process_id = kp_cheque_process_id(cheque);
        result.transaction_id = kp_cheque_transaction_id(cheque);
    }
    result.printed = st == KP_OK;
    result.printed_to = req.output ? req.output : req.printer;
    result.error = st == KP_OK ? NULL : err.message;
    result.exit_code = reprint_exit(st);
    if (st != KP_OK)
        kp_cli_error("the receipt was not delivered: %s", err.message);
    kp_cli_result_print(cli, &result);
    kp_receipt_document_free(doc);
    return result.exit_code;
}
