/*
 * scenario.c: the simulator's scenarios by name, their settings (polls,
 * delay, message, method), and the checks on numbers and methods that the
 * command line and the control endpoint share.
 */
#include <stdlib.h>
#include <string.h>
#include "kaspipos/utf8.h"
#include "sim/sim.h"

static const char *const scenario_names[SIM_SCENARIO_COUNT] = {
    [SIM_APPROVE] = "approve",
    [SIM_DECLINE] = "decline",
    [SIM_REFUSE] = "refuse",
    [SIM_NOT_FOUND] = "not-found",
    [SIM_SLOW] = "slow",
    [SIM_HANG_PAYMENT] = "hang-payment",
    [SIM_HANG_STATUS] = "hang-status",
    [SIM_DROP_PAYMENT] = "drop-payment",
    [SIM_DROP_STATUS] = "drop-status",
    [SIM_INVALID_JSON] = "invalid-json",
    [SIM_FLAKY] = "flaky",
    [SIM_QR] = "qr",
    [SIM_LOAN] = "loan",
    [SIM_NUMERIC] = "numeric",
    [SIM_BIG] = "big",
    [SIM_EXTRA] = "extra",
    [SIM_UNKNOWN] = "unknown",
    [SIM_UNKNOWN_STUCK] = "unknown-stuck",
};

const char *sim_scenario_name(sim_scenario_id id)
{
    return id < SIM_SCENARIO_COUNT ? scenario_names[id] : "?";
}

bool sim_scenario_lookup(const char *name, sim_scenario_id *id)
{
    for (int i = 0; i < SIM_SCENARIO_COUNT; i++) {
        if (strcmp(name, scenario_names[i]) == 0) {
            *id = (sim_scenario_id)i;
            return true;
        }
    }
    return false;
}

void sim_scenario_names(FILE *out)
{
    for (int i = 0; i < SIM_SCENARIO_COUNT; i++)
        fprintf(out, "%s%s", i ? ", " : "", scenario_names[i]);
}

void sim_scenario_default(sim_scenario *sc)
{
    memset(sc, 0, sizeof *sc);
    sc->id = SIM_APPROVE;
    sc->polls = 2;
    sc->delay_ms = 1000;
    sc->method = SIM_CARD;
    strcpy(sc->message, "Could not register transaction");
}

/* Plain decimal digits, at most max; no sign, no spaces. */
bool sim_parse_unsigned(const char *text, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;
    if (text == NULL || *text == '\0' || strlen(text) > 12)
        return false;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

bool sim_method_parse(const char *text, sim_method *out)
{
    if (text && strcmp(text, "card") == 0)
        *out = SIM_CARD;
    else if (text && strcmp(text, "qr") == 0)
        *out = SIM_QR_METHOD;
    else
        return false;
    return true;
}

const char *sim_method_name(sim_method m)
{
    return m == SIM_QR_METHOD ? "qr" : "card";
}

/* Sets sc from the control endpoint's parameters (name, polls, delay_ms,
 * message, method); what is not given comes from base.  Returns NULL, or
 * what was wrong. */
const char *sim_scenario_apply(sim_scenario *sc, const sim_scenario *base, const sim_args *args)
{
    const char *name = sim_args_get(args, "name");
    const char *text;
    unsigned long n;
    sim_scenario next = *base;

    if (name == NULL || !sim_scenario_lookup(name, &next.id))
        return "name must be one of the scenarios (see kaspi-terminal-sim --help)";
    if ((text = sim_args_get(args, "polls")) != NULL) {
        if (!sim_parse_unsigned(text, SIM_POLLS_MAX, &n))
            return "polls must be a whole number from 0 to 1000";
        next.polls = (unsigned)n;
    }
    if ((text = sim_args_get(args, "delay_ms")) != NULL) {
        if (!sim_parse_unsigned(text, SIM_DELAY_MAX_MS, &n))
            return "delay_ms must be a whole number from 0 to 600000";
        next.delay_ms = (unsigned)n;
    }
    if ((text = sim_args_get(args, "message")) != NULL) {
        if (strlen(text) >= SIM_MESSAGE_MAX || !kp_utf8_valid(text, strlen(text)))
            return "message must be UTF-8 text under 256 bytes";
        strcpy(next.message, text);
    }
    if ((text = sim_args_get(args, "method")) != NULL && !sim_method_parse(text, &next.method))
        return "method must be card or qr";
    *sc = next;
    return NULL;
}
