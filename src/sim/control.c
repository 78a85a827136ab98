/*
 * control.c: the /_sim/... endpoints that tests use to drive and inspect
 * the simulator: stats, scenario, reset, log and operations.  Plain JSON
 * answers; every function here runs with s->lock held.
 */
#include <string.h>
#include "sim/sim.h"

static const char *state_name(sim_state state)
{
    switch (state) {
    case SIM_WAIT: return "wait";
    case SIM_SUCCESS: return "success";
    case SIM_FAIL: return "fail";
    case SIM_LOST: return "lost";
    }
    return "?";
}

static void control_stats(sim *s, sim_reply *reply)
{
    sim_reply_json(reply, 200, json_pack("{sIsIsIsIsI}",
        "requests", (json_int_t)s->stats.requests, "payment", (json_int_t)s->stats.payment,
        "refund", (json_int_t)s->stats.refund, "status", (json_int_t)s->stats.status,
        "control", (json_int_t)s->stats.control));
}

static json_t *operation_json(const sim_operation *op)
{
    json_t *o = json_pack("{sssssIsssssssssI}",
        "processId", op->process_id,
        "kind", op->kind == SIM_REFUND ? "refund" : "payment",
        "amount", (json_int_t)op->amount,
        "state", state_name(op->state),
        "method", sim_method_name(op->method),
        "scenario", sim_scenario_name(op->scenario.id),
        "transactionId", op->transaction_id,
        "originalTransactionId", op->original_tx,
        "polls", (json_int_t)op->polls_seen);
    if (o && op->transaction_id[0] == '\0')
        json_object_set_new(o, "transactionId", json_null());
    if (o && op->kind == SIM_PAYMENT)
        json_object_del(o, "originalTransactionId");
    return o;
}

static void control_operations(sim *s, sim_reply *reply)
{
    json_t *list = json_array();
    for (size_t i = 0; i < s->n_ops; i++)
        json_array_append_new(list, operation_json(&s->ops[i]));
    sim_reply_json(reply, 200, json_pack("{so}", "operations", list));
}

static void control_scenario(sim *s, const sim_args *args, sim_reply *reply)
{
    const char *process_id = sim_args_get(args, "processId");
    sim_operation *op = NULL;
    const char *problem;

    if (process_id != NULL && (op = sim_find_operation(s, process_id)) == NULL) {
        sim_reply_json(reply, 404, json_pack("{sbss}", "ok", 0, "message", "Process not found"));
        return;
    }
    problem = sim_scenario_apply(op ? &op->scenario : &s->scenario,
                                 &s->config->scenario, args);
    if (problem != NULL) {
        sim_reply_json(reply, 400, json_pack("{sbss}", "ok", 0, "message", problem));
        return;
    }
    if (op != NULL) {
        op->polls_seen = 0;
        if (op->scenario.id == SIM_QR)
            op->method = SIM_QR_METHOD;
        if (op->state == SIM_LOST && op->scenario.id != SIM_NOT_FOUND)
            op->state = SIM_WAIT;
    }
    sim_reply_json(reply, 200, json_pack("{sb}", "ok", 1));
}

static void control_reset(sim *s, sim_reply *reply)
{
    memset(&s->stats, 0, sizeof s->stats);
    s->n_ops = 0;
    sim_reqlog_clear(s);
    s->scenario = s->config->scenario;
    s->generation++;
    pthread_cond_broadcast(&s->wake);
    sim_reply_json(reply, 200, json_pack("{sb}", "ok", 1));
}

static void control_log(sim *s, sim_reply *reply)
{
    sim_reply_json(reply, 200, json_pack("{sO}", "requests", s->log));
}

void sim_control(sim *s, const char *path, const sim_args *args, sim_reply *reply)
{
    const char *name = path + strlen("/_sim/");
    s->stats.control++;
    if (strcmp(name, "stats") == 0)
        control_stats(s, reply);
    else if (strcmp(name, "scenario") == 0)
        control_scenario(s, args, reply);
    else if (strcmp(name, "reset") == 0)
        control_reset(s, reply);
    else if (strcmp(name, "log") == 0)
        control_log(s, reply);
    else if (strcmp(name, "operations") == 0)
        control_operations(s, reply);
    else if (sim_v2_control(s, name, args, reply))
        ;
    else
        sim_reply_message(reply, 404, "Unknown control endpoint; try /_sim/stats, "
                          "/_sim/scenario, /_sim/reset, /_sim/log or /_sim/operations");
}
