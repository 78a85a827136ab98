/*
 * sim.h: the private header of kaspi-terminal-sim, the Kaspi POS terminal
 * simulator (v1 API).  All state lives in one `struct sim` that the HTTP
 * server passes to every handler; a mutex guards it because every
 * connection runs in its own thread.
 *
 * Files: main.c (program), options.c (command line), server.c (HTTP and
 * dispatch), query.c (raw query parsing), api.c (/payment /refund /status),
 * control.c (/_sim/...), scenario.c (scenario names and settings),
 * cheque.c (status bodies), store.c (realistic merchant data),
 * reqlog.c (request log), v2.c (the protected terminal's /v2 API:
 * tokens, registration with a simulated tap, unknown/actualize).
 */
#ifndef KASPI_SIM_H
#define KASPI_SIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>

#define SIM_QUERY_MAX 8192          /* longer query strings get 414 */
#define SIM_ARGS_MAX 64             /* query parameters kept per request */
#define SIM_MESSAGE_MAX 256         /* --message, bytes */
#define SIM_OPS_MAX 10000           /* operations kept per run (until reset) */
#define SIM_LOG_MAX 2000            /* request log entries kept in memory */
#define SIM_POLLS_MAX 1000
#define SIM_DELAY_MAX_MS 600000u
#define SIM_HANG_MAX_MS 600000u     /* a hung request is released after 10 min */
#define SIM_BIG_BODY_MIN (1024u * 1024u + 65536u)
#define SIM_AMOUNT_MAX 999999999UL

typedef enum sim_scenario_id {
    SIM_APPROVE, SIM_DECLINE, SIM_REFUSE, SIM_NOT_FOUND, SIM_SLOW,
    SIM_HANG_PAYMENT, SIM_HANG_STATUS, SIM_DROP_PAYMENT, SIM_DROP_STATUS,
    SIM_INVALID_JSON, SIM_FLAKY, SIM_QR, SIM_LOAN, SIM_NUMERIC, SIM_BIG,
    SIM_EXTRA, SIM_UNKNOWN, SIM_UNKNOWN_STUCK,
    SIM_SCENARIO_COUNT
} sim_scenario_id;

typedef enum sim_method { SIM_CARD, SIM_QR_METHOD } sim_method;

/* How the operations started from now on behave. */
typedef struct sim_scenario {
    sim_scenario_id id;
    unsigned polls;        /* status polls answered "wait" (flaky: 503s) */
    unsigned delay_ms;     /* slow: every reply delayed this long */
    sim_method method;     /* card, or qr (scenario qr forces qr) */
    char message[SIM_MESSAGE_MAX];  /* refuse: the terminal's message */
} sim_scenario;

/* The command line. */
typedef struct sim_config {
    const char *listen;
    unsigned port;
    const char *port_file;
    const char *log_file;
    unsigned store;
    bool quiet;
    sim_scenario scenario;
    /* v2 (protected terminal): HTTPS, tokens, /v2/... (see v2.c) */
    bool v2;
    const char *tls_cert, *tls_key;   /* PEM files */
    char *tls_cert_pem, *tls_key_pem; /* their contents, read at start */
    bool auto_tap;                    /* registrations are allowed at once */
    unsigned long token_ttl;          /* seconds (default 86400) */
    bool iso_dates;                   /* expirationDate as YYYY-MM-DD HH:mm:ss */
} sim_config;

typedef enum sim_kind { SIM_PAYMENT, SIM_REFUND } sim_kind;
typedef enum sim_state { SIM_WAIT, SIM_SUCCESS, SIM_FAIL, SIM_LOST } sim_state;

typedef struct sim_operation {
    char process_id[24];
    sim_kind kind;
    unsigned long amount;
    sim_state state;
    sim_method method;
    sim_scenario scenario;
    unsigned polls_seen;
    char transaction_id[24];        /* once successful */
    char original_tx[24];           /* refunds: the purchase refunded */
    unsigned long refunded;         /* payments: sum of successful refunds */
    time_t finished_at;
    char rrn[16];
    char auth_code[8];
    char order_number[16];
    bool actualized;                /* v2: /v2/actualize was called for it */
} sim_operation;

typedef struct sim_stats {
    unsigned long requests, payment, refund, status, control;
} sim_stats;

typedef struct sim {
    pthread_mutex_t lock;
    pthread_cond_t wake;        /* signalled on shutdown and on reset */
    bool stopping;
    unsigned generation;        /* bumped by reset: releases hung requests */
    const sim_config *config;
    sim_scenario scenario;      /* for operations started from now on */
    sim_stats stats;
    sim_operation *ops;
    size_t n_ops;
    json_t *log;                /* array of request log entries */
    unsigned long seq;
    FILE *log_file;
    uint64_t last_process_id;
    uint64_t next_transaction;
    uint64_t rng;
    struct sim_v2 *v2;          /* v2 state (v2.c); NULL in v1 mode */
} sim;

/* A decoded query parameter. */
typedef struct sim_arg {
    char *key;
    char *value;
} sim_arg;

typedef struct sim_args {
    sim_arg items[SIM_ARGS_MAX];
    size_t count;
} sim_args;

/* What a handler decided; the server carries it out outside the lock. */
typedef enum sim_action { SIM_REPLY, SIM_DROP, SIM_HANG,
                          SIM_TAP /* v2 register: wait for a tap on the terminal */ } sim_action;

typedef struct sim_reply {
    sim_action action;
    unsigned http_status;
    char *body;                 /* malloc'ed; NULL for drop/hang */
    size_t body_len;
    const char *content_type;
    unsigned delay_ms;
    char *tap_name;             /* SIM_TAP: the client name being registered */
} sim_reply;

/* sim lifetime (server.c) */
int sim_init(sim *s, const sim_config *config);
void sim_destroy(sim *s);
struct MHD_Daemon *sim_server_start(sim *s, unsigned *bound_port);
void sim_server_stop(sim *s, struct MHD_Daemon *daemon);

/* options.c */
int sim_options_parse(int argc, char **argv, sim_config *config);

/* query.c */
void sim_args_parse(const char *query, size_t len, sim_args *args);
void sim_args_free(sim_args *args);
const char *sim_args_get(const sim_args *args, const char *key);
json_t *sim_args_to_json(const sim_args *args);
json_t *sim_json_text(const char *s, size_t len);

/* scenario.c */
const char *sim_scenario_name(sim_scenario_id id);
bool sim_scenario_lookup(const char *name, sim_scenario_id *id);
void sim_scenario_default(sim_scenario *sc);
bool sim_parse_unsigned(const char *text, unsigned long max, unsigned long *out);
bool sim_method_parse(const char *text, sim_method *out);
const char *sim_method_name(sim_method m);
const char *sim_scenario_apply(sim_scenario *sc, const sim_scenario *base, const sim_args *args);
void sim_scenario_names(FILE *out);

/* api.c: called with s->lock held */
void sim_api_payment(sim *s, const sim_args *args, sim_reply *reply);
void sim_api_refund(sim *s, const sim_args *args, sim_reply *reply);
void sim_api_status(sim *s, const sim_args *args, sim_reply *reply);
sim_operation *sim_find_operation(sim *s, const char *process_id);

/* control.c: called with s->lock held */
void sim_control(sim *s, const char *path, const sim_args *args, sim_reply *reply);

/* cheque.c */
char *sim_format_amount(unsigned long amount, bool refund);
json_t *sim_status_json(const sim *s, const sim_operation *op);
char *sim_status_malformed(const sim *s, const sim_operation *op);
json_t *sim_process_id_json(const sim_operation *op);

/* store.c */
typedef struct sim_store {
    const char *name, *city, *address, *bin, *terminal_id;
} sim_store;
const sim_store *sim_store_get(unsigned index);
unsigned sim_store_count(void);

/* reply helpers (server.c) */
void sim_reply_json(sim_reply *reply, unsigned http_status, json_t *body);
void sim_reply_message(sim_reply *reply, unsigned http_status, const char *message);
void sim_reply_text(sim_reply *reply, unsigned http_status, const char *text);
void sim_reply_take(sim_reply *reply, unsigned http_status, char *body, size_t len);

/* v2.c */
int sim_v2_init(sim *s);
void sim_v2_destroy(sim *s);
/* with s->lock held: the /v2/... API (path after "/v2"); token from the
 * "accesstoken" header or NULL */
void sim_v2_api(sim *s, const char *path, const sim_args *args, const char *token,
                sim_reply *reply);
/* with s->lock held: /_sim/tap, /_sim/auth, /_sim/expire, /_sim/v2; false
 * when name is none of them */
bool sim_v2_control(sim *s, const char *name, const sim_args *args, sim_reply *reply);
/* without the lock: waits for the tap of reply->tap_name, then fills reply */
void sim_v2_wait_tap(sim *s, sim_reply *reply);
/* options.c/main.c: reads the --tls-cert/--tls-key files; 0 or an exit code */
int sim_tls_load(sim_config *config);

/* reqlog.c: called with s->lock held */
void sim_reqlog_add(sim *s, const char *path, const char *query, size_t query_len,
                    const sim_args *args, const sim_reply *reply);
void sim_reqlog_clear(sim *s);

uint64_t sim_random(sim *s);

#endif
