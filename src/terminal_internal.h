/*
 * terminal_internal.h: what terminal.c (v1, HTTP), terminal_v2.c (v2,
 * HTTPS with tokens) and terminal_parse.c share inside the terminal room.
 * Not installed.
 */
#ifndef KP_TERMINAL_INTERNAL_H
#define KP_TERMINAL_INTERNAL_H

#include <curl/curl.h>
#include "kaspipos/terminal.h"
#include "kaspipos/token.h"

struct kp_terminal {
    CURL *curl;
    char *address;          /* HOST:PORT as given (brackets kept for IPv6) */
    char *base_url;         /* http://HOST:PORT, or https://NAME:PORT for v2 */
    long connect_timeout_ms;
    long request_timeout_ms;
    size_t max_body;
    char curl_error[CURL_ERROR_SIZE];
    kp_buf body;
    kp_buf url;
    /* v2 */
    kp_terminal_api api;
    char *tls_name, *tls_pin, *cacert, *token_dir, *client_name;
    bool tls_insecure;
    struct curl_slist *connect_to;  /* NAME:PORT:HOST:PORT when tls_name is given */
    bool token_loaded;
    kp_token token;
};

/* One GET of base_url + path + params with extra headers (may be NULL) and
 * a request timeout (0: the terminal's).  Fills *http and t->body; returns
 * the transport part of the taxonomy (KP_OK when an answer came). */
kp_status kp_terminal_http_get(kp_terminal *t, const char *path, const kp_url_param *params,
                               const struct curl_slist *headers, long timeout_ms,
                               curl_xferinfo_callback progress, void *progress_ctx,
                               long *http, kp_error *err);

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
