/*
 * terminal.c: talking to the terminal over HTTP with libcurl (see
 * kaspipos/terminal.h).  One curl handle per kp_terminal, reused so the
 * connection stays open between polls.
 */
#include "config.h"
#include "kaspipos/terminal.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kp_terminal {
    CURL *curl;
    char *address;          /* HOST:PORT as given (brackets kept for IPv6) */
    char *base_url;         /* http://HOST:PORT */
    long connect_timeout_ms;
    long request_timeout_ms;
    size_t max_body;
    char curl_error[CURL_ERROR_SIZE];
    kp_buf body;
    kp_buf url;
};

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
        st = kp_buf_printf(&text, "http://%s", t->address);
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
    t->curl = curl_easy_init();
    if (!t->curl) {
        kp_terminal_free(t);
        return kp_error_set(err, KP_ERR_INTERNAL, "libcurl could not be initialised");
    }
    *out = t;
    return KP_OK;
}

void kp_terminal_free(kp_terminal *t)
{
    if (!t)
        return;
    if (t->curl)
        curl_easy_cleanup(t->curl);
    free(t->address);
    free(t->base_url);
    kp_buf_free(&t->body);
    kp_buf_free(&t->url);
    free(t);
}

const char *kp_terminal_address(const kp_terminal *t)
{
    return t->address;
}

static size_t collect_body(char *data, size_t size, size_t count, void *userdata)
{
    kp_buf *body = userdata;
    size_t len = size * count;

    if (kp_buf_append(body, data, len) != KP_OK)
        return 0;   /* over the cap: curl stops with CURLE_WRITE_ERROR */
    return len;
}

static void set_request_options(kp_terminal *t)
{
    CURL *c = t->curl;

    curl_easy_setopt(c, CURLOPT_URL, kp_buf_str(&t->url));
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, t->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, t->connect_timeout_ms + t->request_timeout_ms);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->max_body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t->body);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->curl_error);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTP);
#endif
}

/* Did any byte of the request leave?  If not, nothing reached the terminal
 * and the call is safe to retry.  (Connect time cannot tell: it is 0 on a
 * reused connection, where a lost answer must still count as "sent".) */
static bool request_sent(kp_terminal *t)
{
    long request_size = 0;

    curl_easy_getinfo(t->curl, CURLINFO_REQUEST_SIZE, &request_size);
    return request_size > 0;
}

static kp_status transport_error(kp_terminal *t, CURLcode rc, kp_error *err)
{
    const char *why = t->curl_error[0] ? t->curl_error : curl_easy_strerror(rc);

    if (rc == CURLE_WRITE_ERROR || rc == CURLE_FILESIZE_EXCEEDED)
        return kp_error_set(err, KP_ERR_TOO_LARGE,
                            "terminal %s sent an answer over %zu bytes; it was not read",
                            t->address, t->max_body);
    if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
        rc == CURLE_URL_MALFORMAT || !request_sent(t)) {
        if (rc == CURLE_OPERATION_TIMEDOUT)
            return kp_error_set(err, KP_ERR_UNREACHABLE,
                                "terminal %s did not answer in %ld ms: is it on, on this network, "
                                "and is the Kaspi Pay app open?", t->address, t->connect_timeout_ms);
        return kp_error_set(err, KP_ERR_UNREACHABLE,
                            "cannot connect to terminal %s (%s): is the Kaspi Pay app open and the "
                            "address right?", t->address, why);
    }
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return kp_error_set(err, KP_ERR_NO_ANSWER,
                            "terminal %s took the request but did not answer in %ld ms",
                            t->address, t->request_timeout_ms);
    return kp_error_set(err, KP_ERR_NO_ANSWER, "terminal %s: the connection failed after the request "
                        "was sent (%s)", t->address, why);
}

static kp_status perform(kp_terminal *t, const char *path, const kp_url_param *params,
                         kp_response *resp, kp_error *err)
{
    CURLcode rc;
    long http = 0;
    kp_status st;

    kp_response_clear(resp);
    if (kp_url_build(&t->url, t->base_url, path, params) != KP_OK)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory building the URL");
    kp_buf_reset(&t->body);
    t->curl_error[0] = '\0';
    set_request_options(t);
    rc = curl_easy_perform(t->curl);
    if (rc != CURLE_OK)
        return transport_error(t, rc, err);
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &http);
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
