/* cmd_recover.c: `kaspi-pay recover`: finishes every operation the journal
 * has not closed: polls started ones to the end, saves and prints approved
 * cheques not yet printed, and reports operations whose start is uncertain
 * for a check on the terminal, without ever sending them again. */
#include "config.h"
#include "session.h"

#include <jansson.h>
#include <stdio.h>

/* recover's exit code: 5 if any is unknown, else 6 if any receipt is
 * missing, else 0. */
static int worse(int a, int b)
{
    static const int rank[8] = { 0, 1, 1, 1, 1, 3, 2, 1 };
    int ra = a >= 0 && a < 8 ? rank[a] : 3, rb = b >= 0 && b < 8 ? rank[b] : 3;

    return rb > ra ? b : a;
}

static int recover_code(int code)
{
    /* recover only reports 0, 5 or 6: declined, refused and unreachable
     * operations are settled answers. */
    return code == KP_EXIT_UNKNOWN || code == KP_EXIT_NOT_PRINTED ? code : KP_EXIT_OK;
}

static int recover_one(kp_cli_session *s, kp_journal_record *record, json_t *list)
{
    kp_agent_result res;
    kp_cli_result out;
    const char *api = s->cli->api;
    int code;

    s->cli->api = kp_journal_record_api(record);   /* resume with the API it started on */
    code = kp_cli_session_terminal(s, kp_journal_record_terminal(record));
    s->cli->api = api;
    if (code != 0) {
        kp_journal_record_free(record);
        return KP_EXIT_UNKNOWN;
    }
    kp_agent_resume(&s->agent, record, &res);
    kp_progress_end(&s->progress);
    kp_cli_result_from_agent(&out, &res, "payment");
    if (res.outcome == KP_OUTCOME_BUSY)
        out.exit_code = KP_EXIT_UNKNOWN;   /* still running in another kaspi-pay */
    code = recover_code(out.exit_code);
    if (list)
        json_array_append_new(list, kp_cli_result_json(&out));
    else
        kp_cli_result_print(s->cli, &out);
    kp_agent_result_clear(&res);
    return code;
}

int kp_cmd_recover(kp_cli *cli)
{
    kp_cli_session s;
    kp_journal_record **records = NULL;
    size_t count = 0;
    kp_error err;
    json_t *list = cli->json ? json_array() : NULL;
    int code = kp_cli_session_open(&s, cli), worst = KP_EXIT_OK;

    if (code != 0) {
        json_decref(list);
        return code;
    }
    if (kp_journal_list(s.journal, true, &records, &count, &err) != KP_OK) {
        kp_cli_error("%s", err.message);
        kp_cli_session_close(&s);
        json_decref(list);
        return KP_EXIT_SETUP;
    }
    kp_cli_say(cli, "%zu unfinished operation%s in %s", count, count == 1 ? "" : "s", s.journal_dir);
    for (size_t i = 0; i < count; i++) {
        worst = worse(worst, recover_one(&s, records[i], list));
        records[i] = NULL;   /* the agent took it */
    }
    kp_journal_records_free(records, count);
    if (list) {
        json_t *obj = json_pack("{s:o, s:i}", "operations", list, "exit", worst);
        json_dumpf(obj, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
        fputc('\n', stdout);
        json_decref(obj);
    }
    kp_cli_session_close(&s);
    return worst;
}
