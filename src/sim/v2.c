/*
 * v2.c: the simulator as a protected terminal ("Защита интеграции" on):
 * the /v2/... API over HTTPS with the envelope {statusCode, data,
 * errorText}; registration that waits for a simulated tap (/_sim/tap, or
 * --auto-tap); tokens that expire after --token-ttl and are renewed by
 * /v2/revoke; 401/403 for a bad or expired token (and on demand through
 * /_sim/auth); "unknown" operations that /v2/actualize settles; busy 107,
 * not found 101, bad parameter 999.  The operations themselves are the v1
 * ones (api.c): their replies are wrapped here.
 */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>
#include "kaspipos/buf.h"
#include "kaspipos/journal.h"
#include "sim/sim.h"

#define V2_CLIENTS_MAX 32
#define V2_NAME_MAX 64
#define V2_TAP_WAIT_S 185          /* a little over the clients' 180 s */
#define V2_PEM_MAX (256 * 1024)

typedef struct sim_client {
    char name[V2_NAME_MAX + 1];
    char access[33], refresh[33];
    time_t expires;
} sim_client;

typedef enum tap_state { TAP_NONE, TAP_ALLOW, TAP_DENY } tap_state;

struct sim_v2 {
    sim_client clients[V2_CLIENTS_MAX];
    size_t n_clients;
    char waiting_name[V2_NAME_MAX + 1];   /* a registration waiting for its tap */
    unsigned waiting;
    tap_state tap;
    unsigned auth_code, auth_count;       /* /_sim/auth: refuse the next calls */
    unsigned long registers, revokes, actualizes, deviceinfos, refused_tokens;
};

int sim_v2_init(sim *s)
{
    s->v2 = calloc(1, sizeof *s->v2);
    return s->v2 ? 0 : -1;
}

void sim_v2_destroy(sim *s)
{
    free(s->v2);
    s->v2 = NULL;
}

/* ---- TLS files ---- */

static char *read_pem(const char *path, const char *what)
{
    kp_buf text = KP_BUF_INIT;
    kp_error err;

    if (kp_journal_read_file(path, V2_PEM_MAX, &text, &err) != KP_OK) {
        fprintf(stderr, "kaspi-terminal-sim: cannot read the %s: %s\n", what, err.message);
        kp_buf_free(&text);
        return NULL;
    }
    return kp_buf_steal(&text, NULL);
}

int sim_tls_load(sim_config *c)
{
    if (!c->v2 && !c->tls_cert && !c->tls_key)
        return -1;
    if (!c->v2 || !c->tls_cert || !c->tls_key) {
        fprintf(stderr, "kaspi-terminal-sim: --api v2 needs --tls-cert FILE and --tls-key FILE "
                "(and they are for v2 only)\n");
        return 2;
    }
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        fprintf(stderr, "kaspi-terminal-sim: this libmicrohttpd is built without TLS support; "
                "--api v2 needs it\n");
        return 1;
    }
    c->tls_cert_pem = read_pem(c->tls_cert, "certificate (--tls-cert)");
    c->tls_key_pem = read_pem(c->tls_key, "key (--tls-key)");
    return c->tls_cert_pem && c->tls_key_pem ? -1 : 1;
}

/* ---- envelopes ---- */

static void reply_envelope(sim_reply *reply, int code, json_t *data, const char *error_text)
{
    json_t *body = json_pack("{si so ss}", "statusCode", code, "data", data ? data : json_null(),
                             "errorText", error_text ? error_text : "");
    sim_reply_json(reply, 200, body);
}

static void reply_error(sim_reply *reply, int code, const char *text)
{
    reply_envelope(reply, code, NULL, text);
}

/* ---- tokens ---- */

static void random_hex(sim *s, char *out)
{
    snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, sim_random(s), sim_random(s));
}

static sim_client *find_client(sim *s, const char *name)
{
    for (size_t i = 0; name && i < s->v2->n_clients; i++)
        if (strcmp(s->v2->clients[i].name, name) == 0)
            return &s->v2->clients[i];
    return NULL;
}

static void format_date(const sim *s, time_t when, char *out, size_t size)
{
    struct tm tm;

    localtime_r(&when, &tm);
    strftime(out, size, s->config->iso_dates ? "%Y-%m-%d %H:%M:%S" : "%b %e, %Y %H:%M:%S", &tm);
    if (!s->config->iso_dates) {          /* "Nov  3, ..." -> "Nov 3, ..." (MMM d) */
        char *two = strstr(out, "  ");
        if (two)
            memmove(two, two + 1, strlen(two));
    }
}

/* New tokens for a client: the data of a register or revoke answer. */
static json_t *issue(sim *s, sim_client *c)
{
    char date[64];

    random_hex(s, c->access);
    random_hex(s, c->refresh);
    c->expires = time(NULL) + (time_t)s->config->token_ttl;
    format_date(s, c->expires, date, sizeof date);
    return json_pack("{ss ss ss}", "accessToken", c->access, "refreshToken", c->refresh,
                     "expirationDate", date);
}

static json_t *add_client(sim *s, const char *name)
{
    sim_client *c;

    if (s->v2->n_clients == V2_CLIENTS_MAX)
        return NULL;
    c = &s->v2->clients[s->v2->n_clients++];
    memset(c, 0, sizeof *c);
    strcpy(c->name, name);
    return issue(s, c);
}

/* 0 when the token is good, else the HTTP status to refuse with. */
static unsigned token_problem(sim *s, const char *token)
{
    if (s->v2->auth_count > 0) {
        s->v2->auth_count--;
        return s->v2->auth_code;
    }
    for (size_t i = 0; token && i < s->v2->n_clients; i++)
        if (strcmp(s->v2->clients[i].access, token) == 0)
            return time(NULL) >= s->v2->clients[i].expires ? 403 : 0;
    return 401;
}

/* ---- the calls ---- */

/* Why the terminal will not register this name (and the code), or NULL. */
static const char *register_problem(sim *s, const char *name, int *code)
{
    *code = 105;
    if (!name || !*name || strlen(name) > V2_NAME_MAX) {
        *code = 999;
        return "Parameter name is required (1-64 characters)";
    }
    if (find_client(s, name))
        return "A client with this name is already registered";
    if (s->v2->waiting)
        return "Another registration is waiting on the terminal";
    if (s->v2->n_clients == V2_CLIENTS_MAX)
        return "Too many integration clients";
    return NULL;
}

static void v2_register(sim *s, const sim_args *args, sim_reply *reply)
{
    const char *name = sim_args_get(args, "name");
    int code;
    const char *problem = register_problem(s, name, &code);

    s->v2->registers++;
    if (problem) {
        reply_error(reply, code, problem);
    } else if (s->config->auto_tap) {
        reply_envelope(reply, 0, add_client(s, name), "");
    } else {
        reply->action = SIM_TAP;
        reply->tap_name = strdup(name);
        strcpy(s->v2->waiting_name, name);
        s->v2->waiting = 1;
        s->v2->tap = TAP_NONE;
    }
}

void sim_v2_wait_tap(sim *s, sim_reply *reply)
{
    struct timespec deadline;
    json_t *data = NULL;
    tap_state tap;

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += V2_TAP_WAIT_S;
    pthread_mutex_lock(&s->lock);
    while (s->v2->tap == TAP_NONE && !s->stopping)
        if (pthread_cond_timedwait(&s->wake, &s->lock, &deadline) == ETIMEDOUT)
            break;
    tap = s->v2->tap;
    s->v2->waiting = 0;
    s->v2->tap = TAP_NONE;
    if (tap == TAP_ALLOW && !(data = add_client(s, reply->tap_name)))
        tap = TAP_DENY;
    reply->action = SIM_REPLY;
    if (tap == TAP_ALLOW)
        reply_envelope(reply, 0, data, "");
    else if (tap == TAP_DENY)
        reply_error(reply, 105, "Registration was denied on the terminal");
    else if (s->stopping)
        reply->action = SIM_DROP;
    else
        reply_error(reply, 105, "Nobody allowed the registration on the terminal");
    pthread_mutex_unlock(&s->lock);
}

static void v2_revoke(sim *s, const sim_args *args, sim_reply *reply)
{
    sim_client *c = find_client(s, sim_args_get(args, "name"));
    const char *refresh = sim_args_get(args, "refreshToken");

    s->v2->revokes++;
    if (!refresh || !sim_args_get(args, "name"))
        reply_error(reply, 999, "Parameters name and refreshToken are required");
    else if (!c || strcmp(c->refresh, refresh) != 0)
        reply_error(reply, 105, "Invalid name or refresh token");
    else
        reply_envelope(reply, 0, issue(s, c), "");
}

static void v2_deviceinfo(sim *s, sim_reply *reply)
{
    const sim_store *store = sim_store_get(s->config->store);

    s->v2->deviceinfos++;
    reply_envelope(reply, 0, json_pack("{ss ss ss}", "posNum", "POS-0001", "serialNum",
                                       "KSP2025A0001", "terminalId", store->terminal_id), "");
}

static bool is_unknown_scenario(const sim_operation *op)
{
    return op->scenario.id == SIM_UNKNOWN || op->scenario.id == SIM_UNKNOWN_STUCK;
}

static void v2_actualize(sim *s, const sim_args *args, sim_reply *reply)
{
    sim_operation *op = sim_find_operation(s, sim_args_get(args, "processId"));

    s->v2->actualizes++;
    if (!sim_args_get(args, "processId")) {
        reply_error(reply, 999, "Parameter processId is required");
    } else if (!op || op->state == SIM_LOST) {
        reply_error(reply, 101, "Process not found");
    } else if (op->scenario.id == SIM_UNKNOWN_STUCK) {
        reply_error(reply, 103, "Cannot actualize the operation now");
    } else {
        op->actualized = true;
        reply_envelope(reply, 0, json_pack("{ss ss}", "processId", op->process_id, "status",
                                           "wait"), "");
    }
}

static const char *sub_status(const sim_operation *op, const char *status)
{
    bool qr = op->method == SIM_QR_METHOD;

    if (strcmp(status, "success") == 0)
        return op->kind == SIM_REFUND ? "ProcessRefund"
             : qr ? "QrTransactionSuccess" : "CardTransactionSuccess";
    if (strcmp(status, "fail") == 0)
        return qr ? "QrTransactionFailure" : "CardTransactionFailure";
    if (strcmp(status, "unknown") == 0)
        return "ProcessingCard";
    return qr ? "WaitForQrConfirmation" : "WaitUser";
}

/* The v1 reply of an operation call, as v2 sends it. */
static void wrap(sim *s, const sim_args *args, sim_reply *reply)
{
    json_t *body, *message, *status;
    sim_operation *op;

    if (reply->action != SIM_REPLY || !reply->body)
        return;                          /* dropped or hung: nothing to wrap */
    body = json_loadb(reply->body, reply->body_len, 0, NULL);
    if (!json_is_object(body)) {         /* invalid-json, 503: sent as they are */
        json_decref(body);
        return;
    }
    message = json_object_get(body, "message");
    if (json_is_string(message) && !json_object_get(body, "processId")) {
        const char *text = json_string_value(message);
        int code = strcmp(text, "Process not found") == 0 ? 101
                 : strcmp(text, "Last operation was not completed") == 0 ? 107 : 999;
        reply_error(reply, code, text);
        json_decref(body);
        return;
    }
    op = sim_find_operation(s, json_string_value(json_object_get(body, "processId")));
    if (!op)
        op = sim_find_operation(s, sim_args_get(args, "processId"));
    status = json_object_get(body, "status");
    if (op && is_unknown_scenario(op) && op->state == SIM_WAIT &&
        op->polls_seen > op->scenario.polls && json_is_string(status))
        json_object_set_new(body, "status", json_string("unknown"));
    if (op && json_is_string(json_object_get(body, "status")))
        json_object_set_new(body, "subStatus", json_string(
            sub_status(op, json_string_value(json_object_get(body, "status")))));
    if (json_is_object(json_object_get(body, "chequeInfo")))
        json_object_set_new(json_object_get(body, "chequeInfo"), "type",
                            json_string(op && op->kind == SIM_REFUND ? "refund" : "payment"));
    {
        sim_action action = reply->action;
        unsigned delay = reply->delay_ms;

        reply_envelope(reply, 0, body, "");
        reply->action = action;
        reply->delay_ms = delay;
    }
}

static bool is(const char *path, const char *name)
{
    size_t n = strlen(name);

    return strncmp(path, name, n) == 0 && (path[n] == '\0' || strcmp(path + n, "/") == 0);
}

/* The calls that need a token and start or follow an operation. */
static void operation_call(sim *s, const char *path, const sim_args *args, sim_reply *reply)
{
    if (is(path, "/payment")) {
        s->stats.payment++;
        sim_api_payment(s, args, reply);
    } else if (is(path, "/refund")) {
        s->stats.refund++;
        sim_api_refund(s, args, reply);
    } else if (is(path, "/status")) {
        s->stats.status++;
        sim_api_status(s, args, reply);
    } else {
        sim_reply_message(reply, 404, "Not found: /v2/register, revoke, deviceinfo, payment, "
                          "refund, status, actualize");
        return;
    }
    wrap(s, args, reply);
}

void sim_v2_api(sim *s, const char *path, const sim_args *args, const char *token,
                sim_reply *reply)
{
    unsigned refused = 0;

    if (is(path, "/register")) {
        v2_register(s, args, reply);
    } else if (is(path, "/revoke")) {
        v2_revoke(s, args, reply);
    } else if ((refused = token_problem(s, token)) != 0) {
        s->v2->refused_tokens++;
        sim_reply_text(reply, refused, refused == 401 ? "Unauthorized: invalid access token\n"
                                                      : "Forbidden: access token expired\n");
    } else if (is(path, "/deviceinfo")) {
        v2_deviceinfo(s, reply);
    } else if (is(path, "/actualize")) {
        v2_actualize(s, args, reply);
    } else {
        operation_call(s, path, args, reply);
    }
}

/* ---- control ---- */

static void control_tap(sim *s, const sim_args *args, sim_reply *reply)
{
    const char *name = sim_args_get(args, "name"), *allow = sim_args_get(args, "allow");

    if (!s->v2->waiting || (name && strcmp(name, s->v2->waiting_name) != 0)) {
        sim_reply_json(reply, 409, json_pack("{sbss}", "ok", 0, "message",
                                             "no registration with this name is waiting"));
        return;
    }
    s->v2->tap = allow && strcmp(allow, "0") == 0 ? TAP_DENY : TAP_ALLOW;
    pthread_cond_broadcast(&s->wake);
    sim_reply_json(reply, 200, json_pack("{sb}", "ok", 1));
}

static void control_auth(sim *s, const sim_args *args, sim_reply *reply)
{
    const char *code = sim_args_get(args, "code"), *count = sim_args_get(args, "count");
    unsigned long n = 1;

    if (!code || (strcmp(code, "401") != 0 && strcmp(code, "403") != 0) ||
        (count && !sim_parse_unsigned(count, 100, &n))) {
        sim_reply_json(reply, 400, json_pack("{sbss}", "ok", 0, "message",
                                             "code must be 401 or 403, count 0-100"));
        return;
    }
    s->v2->auth_code = (unsigned)atoi(code);
    s->v2->auth_count = (unsigned)n;
    sim_reply_json(reply, 200, json_pack("{sb}", "ok", 1));
}

static void control_expire(sim *s, sim_reply *reply)
{
    for (size_t i = 0; i < s->v2->n_clients; i++)
        s->v2->clients[i].expires = time(NULL) - 1;
    sim_reply_json(reply, 200, json_pack("{sb}", "ok", 1));
}

static void control_state(sim *s, sim_reply *reply)
{
    json_t *clients = json_array();

    for (size_t i = 0; i < s->v2->n_clients; i++)
        json_array_append_new(clients, json_pack("{ss sb}", "name", s->v2->clients[i].name,
                                                 "expired", time(NULL) >= s->v2->clients[i].expires));
    sim_reply_json(reply, 200, json_pack("{sI sI sI sI sI sI so}",
        "registerWaiting", (json_int_t)s->v2->waiting, "register", (json_int_t)s->v2->registers,
        "revoke", (json_int_t)s->v2->revokes, "actualize", (json_int_t)s->v2->actualizes,
        "deviceinfo", (json_int_t)s->v2->deviceinfos,
        "tokensRefused", (json_int_t)s->v2->refused_tokens, "clients", clients));
}

bool sim_v2_control(sim *s, const char *name, const sim_args *args, sim_reply *reply)
{
    bool v2_name = strcmp(name, "tap") == 0 || strcmp(name, "auth") == 0 ||
                   strcmp(name, "expire") == 0 || strcmp(name, "v2") == 0;

    if (!v2_name)
        return false;
    if (!s->v2)
        sim_reply_message(reply, 404, "v2 control endpoints need --api v2");
    else if (strcmp(name, "tap") == 0)
        control_tap(s, args, reply);
    else if (strcmp(name, "auth") == 0)
        control_auth(s, args, reply);
    else if (strcmp(name, "expire") == 0)
        control_expire(s, reply);
    else
        control_state(s, reply);
    return true;
}
