/*
 * terminal.c: talking to the terminal (see kaspipos/terminal.h): the
 * address, the v1 calls, and the one GET both APIs share, which goes over
 * plain HTTP (terminal_http.c) for v1 and HTTPS through libcurl
 * (terminal_curl.c) for v2.  The v2 API (tokens, the envelope) lives in
 * terminal_v2.c.
 */
#include "config.h"
#include "kaspipos/terminal.h"
#include "terminal_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kp_status build_address(kp_terminal *t, const char *address, kp_error *err)
{
    kp_buf host = KP_BUF_INIT, text = KP_BUF_INIT;
    int port;
    kp_status st = kp_terminal_address_parse(address, &host, &port, err);

    if (st == KP_OK) {
        bool v6 = strchr(kp_buf_str(&host), ':') != NULL;
        st = kp_buf_printf(&text, v6 ? "[%s]:%d" : "%s:%d", kp_buf_str(&host), port);
    }
    if (st == KP_OK) {
        t->address = kp_buf_steal(&text, NULL);
        t->host = kp_buf_steal(&host, NULL);
        t->port = port;
        if (t->api == KP_API_V2 && t->tls_name)
            st = kp_buf_printf(&text, "https://%s:%d", t->tls_name, port);
        else if (t->api == KP_API_V2)
            st = kp_buf_printf(&text, "https://%s", t->address);
    }
    if (st == KP_OK)
        t->base_url = kp_buf_steal(&text, NULL);
    kp_buf_free(&host);
    kp_buf_free(&text);
    if (st == KP_ERR_NOMEM)
        kp_error_set(err, st, "out of memory");
    return st;
}

kp_status kp_terminal_new(const kp_terminal_options *opt, kp_terminal **out, kp_error *err)
{
    kp_terminal *t = calloc(1, sizeof *t);
    kp_status st;

    *out = NULL;
    if (!t)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    t->api = opt->api;
    st = kp_terminal_v2_setup(t, opt, err);
    if (st == KP_OK)
        st = build_address(t, opt->address, err);
    if (st != KP_OK) {
        kp_terminal_free(t);
        return st;
    }
    t->connect_timeout_ms = opt->connect_timeout_ms > 0 ? opt->connect_timeout_ms
                                                        : KP_TERMINAL_CONNECT_TIMEOUT_MS;
    t->request_timeout_ms = opt->request_timeout_ms > 0 ? opt->request_timeout_ms
                                                        : KP_TERMINAL_REQUEST_TIMEOUT_MS;
    t->max_body = opt->max_body > 0 ? opt->max_body : KP_TERMINAL_MAX_BODY;
    kp_buf_init(&t->body, t->max_body);
    kp_buf_init(&t->url, 0);
    if (t->api == KP_API_V2 && (st = kp_curl_new(t, &t->curl, err)) != KP_OK) {
        kp_terminal_free(t);
        return st;
    }
    *out = t;
    return KP_OK;
}

void kp_terminal_free(kp_terminal *t)
{
    if (!t)
        return;
    kp_curl_free(t->curl);
    kp_terminal_v2_free(t);
    free(t->address);
    free(t->host);
    free(t->base_url);
    kp_buf_free(&t->body);
    kp_buf_free(&t->url);
    free(t);
}

const char *kp_terminal_address(const kp_terminal *t)
{
    return t->address;
}

kp_terminal_api kp_terminal_get_api(const kp_terminal *t)
{
    return t->api;
}

const char *kp_terminal_api_name(const kp_terminal *t)
{
    return t->api == KP_API_V2 ? "v2" : "v1";
}

kp_status kp_terminal_api_parse(const char *text, kp_terminal_api *api, kp_error *err)
{
    if (!text || !*text || strcmp(text, "v1") == 0)
        *api = KP_API_V1;
    else if (strcmp(text, "v2") == 0)
        *api = KP_API_V2;
    else
        return kp_error_set(err, KP_ERR_USAGE, "API '%.20s' is not known: use v1 (plain HTTP) or "
                            "v2 (protected terminals, \"Защита интеграции\" on)", text);
    return KP_OK;
}

kp_status kp_terminal_http_get(kp_terminal *t, const char *path, const kp_url_param *params,
                               const char *header, long timeout_ms,
                               kp_http_tick_fn tick, void *tick_ctx, long *http, kp_error *err)
{
    kp_http_request req = { t->host, t->port, t->address, NULL, t->connect_timeout_ms,
                            timeout_ms > 0 ? timeout_ms : t->request_timeout_ms, t->max_body };

    *http = 0;
    kp_buf_reset(&t->body);
    if (kp_url_build(&t->url, t->curl ? t->base_url : "", path, params) != KP_OK)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory building the URL");
    if (t->curl)
        return kp_curl_get(t->curl, t, header, req.request_timeout_ms, tick, tick_ctx, http, err);
    req.target = kp_buf_str(&t->url);
    return kp_http_get_plain(&req, &t->body, http, err);
}

static kp_status perform(kp_terminal *t, const char *path, const kp_url_param *params,
                         kp_response *resp, kp_error *err)
{
    long http = 0;
    kp_status st;

    kp_response_clear(resp);
    if (t->api == KP_API_V2)
        return kp_terminal_v2_operation(t, path, params, resp, err);
    st = kp_terminal_http_get(t, path, params, NULL, 0, NULL, NULL, &http, err);
    if (st != KP_OK)
        return st;
    st = kp_response_parse(http, kp_buf_str(&t->body), t->body.len, resp, err);
    if (st != KP_OK && st != KP_ERR_REFUSED)
        kp_error_prefix(err, "terminal %s", t->address);
    return st;
}

kp_status kp_terminal_start_payment(kp_terminal *t, long amount, kp_response *resp, kp_error *err)
{
    char text[24];
    kp_url_param params[] = { { "amount", text }, { "owncheque", "true" }, { NULL, NULL } };

    if (amount < 1 || amount > KP_AMOUNT_MAX)
        return kp_error_set(err, KP_ERR_USAGE, "amount %ld is outside 1..%ld", amount, KP_AMOUNT_MAX);
    snprintf(text, sizeof text, "%ld", amount);
    return perform(t, "/payment", params, resp, err);
}

kp_status kp_terminal_start_refund(kp_terminal *t, long amount, const char *method,
                                   const char *transaction_id, kp_response *resp, kp_error *err)
{
    char text[24];
    kp_url_param params[] = { { "method", method }, { "amount", text },
                              { "transactionId", transaction_id }, { "owncheque", "true" },
                              { NULL, NULL } };

    if (amount < 1 || amount > KP_AMOUNT_MAX)
        return kp_error_set(err, KP_ERR_USAGE, "amount %ld is outside 1..%ld", amount, KP_AMOUNT_MAX);
    if (kp_refund_method_check(method, err) != KP_OK ||
        kp_transaction_id_check(transaction_id, err) != KP_OK)
        return KP_ERR_USAGE;
    snprintf(text, sizeof text, "%ld", amount);
    return perform(t, "/refund", params, resp, err);
}

kp_status kp_terminal_status(kp_terminal *t, const char *process_id, kp_response *resp, kp_error *err)
{
    kp_url_param params[] = { { "processId", process_id }, { NULL, NULL } };

    if (!process_id || !*process_id || strlen(process_id) > 128)
        return kp_error_set(err, KP_ERR_USAGE, "a process id of 1 to 128 characters is needed");
    return perform(t, "/status", params, resp, err);
}
