/*
 * terminal_internal.h: what the parts of the terminal room share inside
 * it: terminal.c (the interface, v1), terminal_http.c (v1's plain-HTTP
 * GET), terminal_curl.c (v2's HTTPS GET through libcurl, loaded when
 * needed), terminal_v2.c (tokens, the envelope) and terminal_parse.c.
 * Not installed.
 */
#ifndef KP_TERMINAL_INTERNAL_H
#define KP_TERMINAL_INTERNAL_H

#include <curl/curl.h>
#include "kaspipos/terminal.h"
#include "kaspipos/token.h"

typedef struct kp_curl kp_curl;

struct kp_terminal {
    char *address;          /* HOST:PORT as given (brackets kept for IPv6) */
    char *host;             /* HOST without brackets */
    int port;
    char *base_url;         /* https://HOST:PORT or https://NAME:PORT for v2 */
    long connect_timeout_ms;
    long request_timeout_ms;
    size_t max_body;
    kp_buf body;
    kp_buf url;             /* v1: the request target; v2: the whole URL */
    /* v2 */
    kp_terminal_api api;
    kp_curl *curl;
    char *tls_name, *tls_pin, *cacert, *token_dir, *client_name;
    bool tls_insecure;
    bool token_loaded;
    kp_token token;
};

/* Called now and then while a request waits for its answer. */
typedef void (*kp_http_tick_fn)(void *ctx);

/* One GET of path + params with one extra header line ("Name: value", may
 * be NULL; v2 only) and a request timeout (0: the terminal's).  Fills *http
 * and t->body; returns the transport part of the taxonomy (KP_OK when an
 * answer came). */
kp_status kp_terminal_http_get(kp_terminal *t, const char *path, const kp_url_param *params,
                               const char *header, long timeout_ms,
                               kp_http_tick_fn tick, void *tick_ctx, long *http, kp_error *err);

/* terminal_http.c: one plain-HTTP GET on a connection of its own. */
typedef struct kp_http_request {
    const char *host;         /* name or address, without brackets */
    int port;
    const char *address;      /* HOST:PORT, for the Host header and messages */
    const char *target;       /* /path?query, already encoded */
    long connect_timeout_ms;
    long request_timeout_ms;  /* from the connection to the whole answer */
    size_t max_body;
} kp_http_request;

kp_status kp_http_get_plain(const kp_http_request *req, kp_buf *body, long *http, kp_error *err);
/* Reads one answer from a connected fd (the request sent): its status and
 * body.  Exposed for the fuzz target. */
kp_status kp_http_read_answer(int fd, const kp_http_request *req, kp_buf *body, long *http,
                              kp_error *err);

/* terminal_curl.c: HTTPS through libcurl, loaded on first use. */
kp_status kp_curl_new(const kp_terminal *t, kp_curl **out, kp_error *err);
void kp_curl_free(kp_curl *c);
/* GETs t->url with t's TLS settings into t->body. */
kp_status kp_curl_get(kp_curl *c, kp_terminal *t, const char *header, long timeout_ms,
                      kp_http_tick_fn tick, void *tick_ctx, long *http, kp_error *err);

/* v2 parts of kp_terminal_new / kp_terminal_free (terminal_v2.c). */
kp_status kp_terminal_v2_setup(kp_terminal *t, const kp_terminal_options *opt, kp_error *err);
void kp_terminal_v2_free(kp_terminal *t);
/* A start or status call in v2 (path as in v1: "/payment", ...). */
kp_status kp_terminal_v2_operation(kp_terminal *t, const char *path, const kp_url_param *params,
                                   kp_response *resp, kp_error *err);

/* terminal_parse.c */
void kp_response_take_fields(kp_response *resp, json_t *obj);
kp_status kp_response_keep_body(kp_response *resp, const char *body, size_t len);

#endif
