/*
 * terminal.h: the client for a Kaspi POS terminal (the "terminal" room).
 *
 * It builds the terminal's URLs (payment and refund always with
 * owncheque=true, every parameter URL-encoded), sends them with libcurl under
 * a short connect timeout, a request timeout and a 1 MiB cap on the body, and
 * parses every documented response shape into a kp_response.  The raw body of
 * every response is kept verbatim, whether it parses or not, so the journal
 * can record exactly what the terminal said.
 *
 * Errors follow one taxonomy, which is what decides whether a payment may
 * have started (see CONTRACT.md, exit codes):
 *   KP_ERR_UNREACHABLE  no connection was made: nothing reached the terminal
 *   KP_ERR_NO_ANSWER    connected and sent, but no complete answer came back
 *   KP_ERR_TOO_LARGE    the answer was over the body cap
 *   KP_ERR_HTTP         an HTTP status the API does not use
 *   KP_ERR_REFUSED      the terminal answered {"message": ...} and nothing started
 *   KP_ERR_NOT_FOUND    HTTP 400 "Process not found"
 *   KP_ERR_MALFORMED    a body that is not the JSON the API describes (kept raw)
 *   KP_ERR_TLS          (v2) the terminal's certificate was not accepted: nothing sent
 *   KP_ERR_AUTH         (v2) the token was refused even after a refresh, or
 *                       there is none: nothing started
 *   KP_ERR_SETUP        (v2) no registered client for this terminal
 *
 * The v2 API (protected terminals, kaspipos/terminal.h's kp_terminal_api)
 * is the same interface over HTTPS: every call becomes /v2/..., carries the
 * header "accesstoken", and its envelope {statusCode, data, errorText} is
 * mapped onto the taxonomy above: 107 (busy) and 105 (register/revoke
 * refused), 103 (cannot actualize) and 999 (bad parameter) are
 * KP_ERR_REFUSED with the terminal's text, 101 is KP_ERR_NOT_FOUND, and
 * resp->payload is "data".  Tokens come from the token store (kaspipos/
 * token.h) in options.token_dir, are refreshed through /v2/revoke shortly
 * before they expire, and on a 401/403 are refreshed once and the call is
 * repeated once (a refused call started nothing).
 * A start request that failed with anything but UNREACHABLE or REFUSED may
 * have started a payment: its outcome is unknown.
 */
#ifndef KASPIPOS_TERMINAL_H
#define KASPIPOS_TERMINAL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <jansson.h>
#include "kaspipos/buf.h"
#include "kaspipos/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KP_TERMINAL_DEFAULT_PORT 8080
#define KP_TERMINAL_CONNECT_TIMEOUT_MS 3000
#define KP_TERMINAL_REQUEST_TIMEOUT_MS 10000
#define KP_TERMINAL_MAX_BODY (1024 * 1024)
#define KP_AMOUNT_MAX 999999999L
#define KP_TERMINAL_REGISTER_TIMEOUT_MS (180 * 1000L)  /* waiting for the tap */

typedef enum kp_terminal_api {
    KP_API_V1 = 0,   /* plain HTTP, /payment /refund /status */
    KP_API_V2        /* protected terminals: HTTPS, tokens, /v2/... */
} kp_terminal_api;

typedef enum kp_op_status {
    KP_OP_NONE = 0,      /* the response carries no status */
    KP_OP_WAIT,
    KP_OP_SUCCESS,
    KP_OP_FAIL,
    KP_OP_UNKNOWN,       /* v2's "unknown": the customer may have paid */
    KP_OP_OTHER          /* a status this client does not know: keep polling */
} kp_op_status;

/* One answer from the terminal.  Strings are owned by the response;
 * add_info and cheque_info are borrowed from json. */
typedef struct kp_response {
    long http_status;        /* 0 when no answer came */
    char *body;              /* the body verbatim, NUL-terminated; NULL when none */
    size_t body_len;
    json_t *json;            /* the parsed body, NULL when it did not parse */
    json_t *payload;         /* the object with the operation's fields (borrowed):
                                v1 the body itself, v2 its "data" */
    kp_op_status status;
    char *status_text;       /* the status string as sent */
    char *process_id;        /* a number is turned into its decimal string */
    char *transaction_id;
    char *message;           /* an error message from the terminal */
    json_t *add_info;        /* object or NULL */
    json_t *cheque_info;     /* object or NULL */
    long v2_code;            /* v2 statusCode; -1 when none (v1, or not parsed) */
    char *sub_status;        /* v2 subStatus, NULL when not sent */
} kp_response;

typedef struct kp_terminal_options {
    const char *address;       /* "HOST", "HOST:PORT", "[v6]:PORT" */
    long connect_timeout_ms;   /* 0: KP_TERMINAL_CONNECT_TIMEOUT_MS */
    long request_timeout_ms;   /* 0: KP_TERMINAL_REQUEST_TIMEOUT_MS */
    size_t max_body;           /* 0: KP_TERMINAL_MAX_BODY */
    /* v2 only (ignored for v1): */
    kp_terminal_api api;
    const char *tls_name;      /* verify the certificate against this name while
                                  connecting to address (e.g. pos.kaspipos.kz) */
    const char *tls_pin;       /* "sha256//BASE64": alone, a matching key is trusted */
    const char *cacert;        /* CA bundle (PEM) to verify the terminal with */
    bool tls_insecure;         /* no verification at all (the caller warns) */
    const char *token_dir;     /* where tokens are kept: the journal directory */
    const char *client_name;   /* NULL: the name registered last for this terminal */
} kp_terminal_options;

typedef struct kp_terminal kp_terminal;

kp_status kp_terminal_new(const kp_terminal_options *opt, kp_terminal **out, kp_error *err);
void kp_terminal_free(kp_terminal *terminal);
/* "HOST:PORT", the form recorded in journals and cheques. */
const char *kp_terminal_address(const kp_terminal *terminal);

/* "v1" or "v2". */
const char *kp_terminal_api_name(const kp_terminal *terminal);
kp_terminal_api kp_terminal_get_api(const kp_terminal *terminal);
/* "v1" or "v2" (NULL or "" mean v1); KP_ERR_USAGE otherwise. */
kp_status kp_terminal_api_parse(const char *text, kp_terminal_api *api, kp_error *err);

/* GET /payment?amount=N&owncheque=true */
kp_status kp_terminal_start_payment(kp_terminal *terminal, long amount,
                                    kp_response *resp, kp_error *err);
/* GET /refund?method=M&amount=N&transactionId=ID&owncheque=true */
kp_status kp_terminal_start_refund(kp_terminal *terminal, long amount, const char *method,
                                   const char *transaction_id, kp_response *resp, kp_error *err);
/* GET /status?processId=ID */
kp_status kp_terminal_status(kp_terminal *terminal, const char *process_id,
                             kp_response *resp, kp_error *err);

/* ---- v2 only (KP_ERR_USAGE on a v1 terminal) ---- */

/* Called about once a second while kp_terminal_register waits for the tap. */
typedef void (*kp_terminal_wait_fn)(long elapsed_ms, long left_ms, void *ctx);

/* GET /v2/register?name=NAME: blocks until someone taps «Разрешить» on the
 * terminal, or timeout_ms (0: KP_TERMINAL_REGISTER_TIMEOUT_MS).  On success
 * the token pair is saved in the token store and NAME becomes the
 * terminal's default client name.  105 (name taken, or denied) is
 * KP_ERR_REFUSED with the terminal's text; no tap in time KP_ERR_NO_ANSWER. */
kp_status kp_terminal_register(kp_terminal *terminal, const char *name, long timeout_ms,
                               kp_terminal_wait_fn wait, void *wait_ctx,
                               kp_response *resp, kp_error *err);
/* GET /v2/deviceinfo: resp->payload holds posNum, serialNum, terminalId. */
kp_status kp_terminal_device_info(kp_terminal *terminal, kp_response *resp, kp_error *err);
/* GET /v2/actualize?processId=ID: asks the terminal to settle an "unknown"
 * operation (103: KP_ERR_REFUSED, it cannot yet). */
kp_status kp_terminal_actualize(kp_terminal *terminal, const char *process_id,
                                kp_response *resp, kp_error *err);
/* GET /v2/revoke: replaces the token pair now (done on its own before expiry). */
kp_status kp_terminal_refresh_token(kp_terminal *terminal, kp_error *err);
/* The client name in use (after the first v2 call), or NULL. */
const char *kp_terminal_client_name(const kp_terminal *terminal);

void kp_response_init(kp_response *resp);
void kp_response_clear(kp_response *resp);
/* Parses a body as received with its HTTP status; fills resp (which keeps a
 * copy of the body) and returns the taxonomy above. */
kp_status kp_response_parse(long http_status, const char *body, size_t len,
                            kp_response *resp, kp_error *err);

/* Parses a v2 body {statusCode, data, errorText}: the envelope and the
 * fields of "data" (processId, status, subStatus, ...; resp->payload is
 * data), mapping a non-zero statusCode (see the top of this file).  HTTP
 * 401 and 403 are KP_ERR_AUTH.  It does not require a processId: the
 * caller checks what its call needs (kp_response_check_operation). */
kp_status kp_response_parse_v2(long http_status, const char *body, size_t len,
                               kp_response *resp, kp_error *err);
/* For a start or status answer: a processId and a status, and chequeInfo
 * with success (KP_ERR_MALFORMED otherwise). */
kp_status kp_response_check_operation(const kp_response *resp, kp_error *err);

/* A v2 expirationDate, "YYYY-MM-DD HH:mm:ss" or "MMM d, yyyy HH:mm:ss"
 * (both in local time), as a time_t.  KP_ERR_MALFORMED otherwise. */
kp_status kp_v2_expiration_parse(const char *text, time_t *out, kp_error *err);

/* Validation done before anything is sent. */
kp_status kp_amount_parse(const char *text, long *amount, kp_error *err);
kp_status kp_refund_method_check(const char *method, kp_error *err);
kp_status kp_transaction_id_check(const char *transaction_id, kp_error *err);
/* Splits "HOST[:PORT]" into host (brackets kept off) and port. */
kp_status kp_terminal_address_parse(const char *address, kp_buf *host, int *port, kp_error *err);

/* Appends "name=value" pairs to a URL, percent-encoding everything but
 * RFC 3986's unreserved characters.  params ends with a NULL name. */
typedef struct kp_url_param { const char *name; const char *value; } kp_url_param;
kp_status kp_url_build(kp_buf *url, const char *base, const char *path, const kp_url_param *params);

/* A JSON scalar (string, number, boolean) as text; NULL for other types. */
char *kp_json_scalar_text(const json_t *value);

#ifdef __cplusplus
}
#endif
#endif
