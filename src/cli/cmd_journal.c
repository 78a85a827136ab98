/* cmd_journal.c: `kaspi-pay journal [list | show ID | close ID]`: what the
 * journal holds, for the admin and for scripts (--json), and closing by hand
 * an operation that recover cannot settle (a start whose outcome only the
 * terminal's own history can tell), once someone has checked it there. */
#include "config.h"
#include "cli.h"
#include "kaspipos/journal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_line(const kp_journal_record *r)
{
    const char *pid = kp_journal_record_process_id(r), *tx = kp_journal_record_transaction_id(r);
    const char *final = kp_journal_final_name(kp_journal_record_final_status(r));

    printf("%s\t%s\t%s\t%lld\t%s\t%s\t%s\t%s\n", kp_journal_record_id(r),
           kp_journal_record_created(r) ? kp_journal_record_created(r) : "-",
           kp_journal_operation_name(kp_journal_record_operation(r)), kp_journal_record_amount(r),
           kp_journal_state_name(kp_journal_record_state(r)), *final ? final : "-",
           pid ? pid : "-", tx ? tx : "-");
}

static int list_records(kp_cli *cli, kp_journal *journal)
{
    kp_journal_record **records = NULL;
    size_t count = 0;
    kp_error err;
    json_t *all;

    if (kp_journal_list(journal, false, &records, &count, &err) != KP_OK) {
        kp_cli_error("%s", err.message);
        return KP_EXIT_SETUP;
    }
    if (cli->json) {
        all = json_array();
        for (size_t i = 0; i < count; i++)
            json_array_append(all, (json_t *)kp_journal_record_json(records[i]));
        all = json_pack("{s:o}", "records", all);
        json_dumpf(all, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
        fputc('\n', stdout);
        json_decref(all);
    } else {
        for (size_t i = 0; i < count; i++)
            print_line(records[i]);
    }
    kp_journal_records_free(records, count);
    return KP_EXIT_OK;
}

static int show_record(kp_cli *cli, kp_journal *journal, const char *id)
{
    kp_journal_record *record = NULL;
    kp_error err;
    kp_status st = kp_journal_load(journal, id, &record, &err);

    if (st != KP_OK) {
        kp_cli_error("%s", err.message);
        return st == KP_ERR_NOT_FOUND ? KP_EXIT_USAGE : KP_EXIT_SETUP;
    }
    json_dumpf(kp_journal_record_json(record), stdout,
               cli->json ? JSON_COMPACT | JSON_ENSURE_ASCII : JSON_INDENT(2));
    fputc('\n', stdout);
    kp_journal_record_free(record);
    return KP_EXIT_OK;
}

static int close_record(kp_cli *cli, kp_journal *journal, const char *id)
{
    kp_journal_record *record = NULL;
    kp_error err;
    kp_status st = kp_journal_load(journal, id, &record, &err);
    const char *was = st == KP_OK ? kp_journal_state_name(kp_journal_record_state(record)) : "";

    if (st == KP_OK && kp_journal_record_state(record) == KP_JOURNAL_DONE)
        st = kp_error_set(&err, KP_ERR_USAGE, "operation %s is already closed", id);
    if (st == KP_OK)
        st = kp_journal_set_done(journal, record, "closed by hand after a check on the terminal", &err);
    if (st != KP_OK) {
        kp_cli_error("%s", err.message);
        kp_journal_record_free(record);
        return st == KP_ERR_NOT_FOUND || st == KP_ERR_USAGE ? KP_EXIT_USAGE : KP_EXIT_SETUP;
    }
    kp_cli_say(cli, "closed %s (%s of %lld, was %s); recover will no longer report it", id,
               kp_journal_operation_name(kp_journal_record_operation(record)),
               kp_journal_record_amount(record), was);
    kp_journal_record_free(record);
    return KP_EXIT_OK;
}

static bool usage_ok(const kp_cli *cli, const char *action)
{
    if (strcmp(action, "list") == 0)
        return cli->n_args <= 1;
    return (strcmp(action, "show") == 0 || strcmp(action, "close") == 0) && cli->n_args == 2;
}

int kp_cmd_journal(kp_cli *cli)
{
    kp_journal *journal = NULL;
    char *dir = kp_cli_journal_dir(cli);
    const char *action = cli->n_args > 0 ? cli->args[0] : "list";
    kp_error err;
    int code;

    if (!usage_ok(cli, action)) {
        kp_cli_error("usage: kaspi-pay journal [list | show ID | close ID]");
        free(dir);
        return KP_EXIT_USAGE;
    }
    if (kp_journal_open(dir, &journal, &err) != KP_OK) {
        kp_cli_error("%s", err.message);
        free(dir);
        return KP_EXIT_SETUP;
    }
    if (strcmp(action, "list") == 0)
        code = list_records(cli, journal);
    else if (strcmp(action, "show") == 0)
        code = show_record(cli, journal, cli->args[1]);
    else
        code = close_record(cli, journal, cli->args[1]);
    kp_journal_free(journal);
    free(dir);
    return code;
}
