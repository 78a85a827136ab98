/*
 * terminal.c: talking to the terminal over HTTP with libcurl (see
 * kaspipos/terminal.h).  One curl handle per kp_terminal, reused so the
 * connection stays open between polls.  The v2 API (HTTPS, tokens, the
 * envelope) lives in terminal_v2.c and shares the GET done here.
 */
#include "config.h"
#include "kaspipos/terminal.h"
#include "terminal_internal.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* "NAME:PORT:HOST:PORT": connect to the terminal's address while the URL
 * (and so the certificate check) uses the name. */
static kp_status build_connect_to(kp_terminal *t, const char *host, int port)
{
    kp_buf text = KP_BUF_INIT;
    bool v6 = strchr(host, ':') != NULL;
    kp_status st = kp_buf_printf(&text, v6 ? "%s:%d:[%s]:%d" : "%s:%d:%s:%d",
                                 t->tls_name, port, host, port);

    if (st == KP_OK && !(t->connect_to = curl_slist_append(NULL, kp_buf_str(&text))))
        st = KP_ERR_NOMEM;
    kp_buf_free(&text);
    return st;
}

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
        kp_buf_reset(&text);
        if (t->api == KP_API_V2 && t->tls_name)
            st = kp_buf_printf(&text, "https://%s:%d", t->tls_name, port);
        else
            st = kp_buf_printf(&text, "%s://%s", t->api == KP_API_V2 ? "https" : "http", t->address);
    }
    if (st == KP_OK)
        t->base_url = kp_buf_steal(&text, NULL);
    if (st == KP_OK && t->api == KP_API_V2 && t->tls_name)
        st = build_connect_to(t, kp_buf_str(&host), port);
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
    kp_terminal_v2_free(t);
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

static size_t collect_body(char *data, size_t size, size_t count, void *userdata)
{
    kp_buf *body = userdata;
    size_t len = size * count;

    if (kp_buf_append(body, data, len) != KP_OK)
        return 0;   /* over the cap: curl stops with CURLE_WRITE_ERROR */
    return len;
}

static void set_tls_options(kp_terminal *t)
{
    CURL *c = t->curl;
    bool pin_only = t->tls_pin && !t->cacert;

    curl_easy_setopt(c, CURLOPT_CONNECT_TO, t->connect_to);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, (t->tls_insecure || pin_only) ? 0L : 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, (t->tls_insecure || pin_only) ? 0L : 2L);
    if (t->cacert)
        curl_easy_setopt(c, CURLOPT_CAINFO, t->cacert);
    if (t->tls_pin && !t->tls_insecure)
        curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, t->tls_pin);
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
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, t->api == KP_API_V2 ? "https" : "http");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, t->api == KP_API_V2 ? (long)CURLPROTO_HTTPS
                                                               : (long)CURLPROTO_HTTP);
#endif
    if (t->api == KP_API_V2)
        set_tls_options(t);
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

/* The terminal's certificate was not accepted: say what to change. */
static kp_status tls_error(kp_terminal *t, CURLcode rc, const char *why, kp_error *err)
{
    if (rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH)
        return kp_error_set(err, KP_ERR_TLS, "terminal %s: its public key does not match --tls-pin "
                            "(%s); nothing was sent. Is this the right terminal, or was it "
                            "replaced? Take the new pin only from a terminal you trust",
                            t->address, why);
    if (strstr(why, "subject name") || strstr(why, "host name") || strstr(why, "hostname") ||
        strstr(why, "does not match"))
        return kp_error_set(err, KP_ERR_TLS, "terminal %s: the terminal's certificate is not for "
                            "this address (Kaspi terminals' certificates are for *.kaspipos.kz); "
                            "use --tls-name pos.kaspipos.kz, or --tls-pin; nothing was sent (%s)",
                            t->address, why);
    if (rc == CURLE_PEER_FAILED_VERIFICATION || strstr(why, "certificate"))
        return kp_error_set(err, KP_ERR_TLS, "terminal %s: its certificate is not signed by a "
                            "trusted CA; use --cacert FILE (the CA that signed it) or "
                            "--tls-pin sha256//... (its key); nothing was sent (%s)",
                            t->address, why);
    return kp_error_set(err, KP_ERR_TLS, "terminal %s: the TLS connection failed (%s); is it a "
                        "protected terminal (--api v2), and the port right? Nothing was sent",
                        t->address, why);
}

static bool is_tls_failure(CURLcode rc)
{
    return rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
           rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH || rc == CURLE_SSL_CACERT_BADFILE ||
           rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_ISSUER_ERROR;
}

static kp_status transport_error(kp_terminal *t, CURLcode rc, kp_error *err)
{
    const char *why = t->curl_error[0] ? t->curl_error : curl_easy_strerror(rc);

    if (t->api == KP_API_V2 && is_tls_failure(rc))
        return tls_error(t, rc, why, err);
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

kp_status kp_terminal_http_get(kp_terminal *t, const char *path, const kp_url_param *params,
                               const struct curl_slist *headers, long timeout_ms,
                               curl_xferinfo_callback progress, void *progress_ctx,
                               long *http, kp_error *err)
{
    CURLcode rc;

    *http = 0;
    if (kp_url_build(&t->url, t->base_url, path, params) != KP_OK)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory building the URL");
    kp_buf_reset(&t->body);
    t->curl_error[0] = '\0';
    set_request_options(t);
    curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, headers);
    if (timeout_ms > 0)
        curl_easy_setopt(t->curl, CURLOPT_TIMEOUT_MS, t->connect_timeout_ms + timeout_ms);
    curl_easy_setopt(t->curl, CURLOPT_NOPROGRESS, progress ? 0L : 1L);
    curl_easy_setopt(t->curl, CURLOPT_XFERINFOFUNCTION, progress);
    curl_easy_setopt(t->curl, CURLOPT_XFERINFODATA, progress_ctx);
    rc = curl_easy_perform(t->curl);
    if (rc != CURLE_OK)
        return transport_error(t, rc, err);
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, http);
    return KP_OK;
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
