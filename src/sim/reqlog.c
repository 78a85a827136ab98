/*
 * reqlog.c: the record of API requests: in memory for /_sim/log (the last
 * SIM_LOG_MAX), one JSON line per request in the --log file, flushed at
 * once, and a human line on stderr.  Runs with s->lock held.
 */
#include <stdlib.h>
#include <string.h>
#include "sim/sim.h"

static const char *outcome_name(sim_action action)
{
    return action == SIM_DROP ? "drop" : action == SIM_HANG ? "hang"
         : action == SIM_TAP ? "wait-for-tap" : NULL;
}

static json_t *entry_json(sim *s, const char *path, const char *query, size_t query_len,
                          const sim_args *args, const sim_reply *reply)
{
    json_t *e = json_object();
    const char *outcome = outcome_name(reply->action);
    json_object_set_new(e, "seq", json_integer((json_int_t)++s->seq));
    json_object_set_new(e, "path", sim_json_text(path, strlen(path)));
    json_object_set_new(e, "query", sim_json_text(query, query_len));
    json_object_set_new(e, "args", sim_args_to_json(args));
    json_object_set_new(e, "status", json_integer(outcome ? 0 : (json_int_t)reply->http_status));
    if (outcome)
        json_object_set_new(e, "outcome", json_string(outcome));
    return e;
}

static void write_file_line(sim *s, const json_t *entry)
{
    char *line;
    if (s->log_file == NULL)
        return;
    line = json_dumps(entry, JSON_COMPACT);
    if (line) {
        fprintf(s->log_file, "%s\n", line);
        fflush(s->log_file);
    }
    free(line);
}

void sim_reqlog_add(sim *s, const char *path, const char *query, size_t query_len,
                    const sim_args *args, const sim_reply *reply)
{
    json_t *entry = entry_json(s, path, query, query_len, args, reply);
    if (entry == NULL)
        return;
    write_file_line(s, entry);
    if (json_array_size(s->log) >= SIM_LOG_MAX)
        json_array_remove(s->log, 0);
    json_array_append_new(s->log, entry);
}

/* Empties the memory log and numbers from 1 again (the file log goes on). */
void sim_reqlog_clear(sim *s)
{
    json_array_clear(s->log);
    s->seq = 0;
}
