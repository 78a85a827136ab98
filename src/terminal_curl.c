/*
 * terminal_curl.c: v2's HTTPS GET through libcurl, which is loaded with
 * dlopen the first time a v2 terminal is made (see terminal_internal.h).
 *
 * libcurl is not linked: its start-up (OpenSSL, GnuTLS, Kerberos, LDAP,
 * SSH...) alone takes a process to 9-10 MB, and v1 terminals, the common
 * case, need none of it (terminal_http.c).  The library stays loaded once
 * opened (RTLD_NODELETE): OpenSSL cannot be unloaded safely.
 */
#include "config.h"
#include "terminal_internal.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CURL_LIBRARY "libcurl.so.4"

/* The functions used, with the types of curl.h. */
typedef struct curl_api {
    __typeof__(curl_easy_init) *easy_init;
    __typeof__(curl_easy_cleanup) *easy_cleanup;
    __typeof__(curl_easy_setopt) *easy_setopt;
    __typeof__(curl_easy_perform) *easy_perform;
    __typeof__(curl_easy_getinfo) *easy_getinfo;
    __typeof__(curl_easy_strerror) *easy_strerror;
    __typeof__(curl_slist_append) *slist_append;
    __typeof__(curl_slist_free_all) *slist_free_all;
} curl_api;

struct kp_curl {
    void *library;
    curl_api api;
    CURL *easy;
    struct curl_slist *connect_to;   /* NAME:PORT:HOST:PORT when tls_name is given */
    char error[CURL_ERROR_SIZE];
};

static kp_status load_symbols(kp_curl *c, kp_error *err)
{
    static const char *const names[] = {
        "curl_easy_init", "curl_easy_cleanup", "curl_easy_setopt", "curl_easy_perform",
        "curl_easy_getinfo", "curl_easy_strerror", "curl_slist_append", "curl_slist_free_all",
    };
    void **slots[] = {
        (void **)&c->api.easy_init, (void **)&c->api.easy_cleanup, (void **)&c->api.easy_setopt,
        (void **)&c->api.easy_perform, (void **)&c->api.easy_getinfo,
        (void **)&c->api.easy_strerror, (void **)&c->api.slist_append,
        (void **)&c->api.slist_free_all,
    };

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!(*slots[i] = dlsym(c->library, names[i])))
            return kp_error_set(err, KP_ERR_SETUP, "%s has no %s: a libcurl 7.68 or newer is "
                                "needed for protected terminals (v2)", CURL_LIBRARY, names[i]);
    return KP_OK;
}

/* "NAME:PORT:HOST:PORT": connect to the terminal's address while the URL
 * (and so the certificate check) uses the name. */
static kp_status build_connect_to(kp_curl *c, const char *tls_name, const char *host, int port)
{
    kp_buf text = KP_BUF_INIT;
    bool v6 = strchr(host, ':') != NULL;
    kp_status st = kp_buf_printf(&text, v6 ? "%s:%d:[%s]:%d" : "%s:%d:%s:%d",
                                 tls_name, port, host, port);

    if (st == KP_OK && !(c->connect_to = c->api.slist_append(NULL, kp_buf_str(&text))))
        st = KP_ERR_NOMEM;
    kp_buf_free(&text);
    return st;
}

kp_status kp_curl_new(const kp_terminal *t, kp_curl **out, kp_error *err)
{
    kp_curl *c = calloc(1, sizeof *c);
    kp_status st = KP_OK;

    *out = NULL;
    if (!c)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    c->library = dlopen(CURL_LIBRARY, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!c->library)
        st = kp_error_set(err, KP_ERR_SETUP, "protected terminals (v2) need libcurl, which "
                          "could not be loaded (%s): install libcurl4", dlerror());
    if (st == KP_OK)
        st = load_symbols(c, err);
    if (st == KP_OK && !(c->easy = c->api.easy_init()))
        st = kp_error_set(err, KP_ERR_INTERNAL, "libcurl could not be initialised");
    if (st == KP_OK && t->tls_name &&
        build_connect_to(c, t->tls_name, t->host, t->port) != KP_OK)
        st = kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    if (st != KP_OK) {
        kp_curl_free(c);
        return st;
    }
    *out = c;
    return KP_OK;
}

void kp_curl_free(kp_curl *c)
{
    if (!c)
        return;
    if (c->easy)
        c->api.easy_cleanup(c->easy);
    if (c->connect_to)
        c->api.slist_free_all(c->connect_to);
    if (c->library)
        dlclose(c->library);
    free(c);
}

static size_t collect_body(char *data, size_t size, size_t count, void *userdata)
{
    kp_buf *body = userdata;
    size_t len = size * count;

    if (kp_buf_append(body, data, len) != KP_OK)
        return 0;   /* over the cap: curl stops with CURLE_WRITE_ERROR */
    return len;
}

static void set_tls_options(kp_curl *c, const kp_terminal *t)
{
    bool pin_only = t->tls_pin && !t->cacert;

    c->api.easy_setopt(c->easy, CURLOPT_CONNECT_TO, c->connect_to);
    c->api.easy_setopt(c->easy, CURLOPT_SSL_VERIFYPEER, (t->tls_insecure || pin_only) ? 0L : 1L);
    c->api.easy_setopt(c->easy, CURLOPT_SSL_VERIFYHOST, (t->tls_insecure || pin_only) ? 0L : 2L);
    if (t->cacert)
        c->api.easy_setopt(c->easy, CURLOPT_CAINFO, t->cacert);
    if (t->tls_pin && !t->tls_insecure)
        c->api.easy_setopt(c->easy, CURLOPT_PINNEDPUBLICKEY, t->tls_pin);
}

static void set_request_options(kp_curl *c, kp_terminal *t, long timeout_ms)
{
    c->api.easy_setopt(c->easy, CURLOPT_URL, kp_buf_str(&t->url));
    c->api.easy_setopt(c->easy, CURLOPT_HTTPGET, 1L);
    c->api.easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
    c->api.easy_setopt(c->easy, CURLOPT_CONNECTTIMEOUT_MS, t->connect_timeout_ms);
    c->api.easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, t->connect_timeout_ms + timeout_ms);
    c->api.easy_setopt(c->easy, CURLOPT_FOLLOWLOCATION, 0L);
    c->api.easy_setopt(c->easy, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
    c->api.easy_setopt(c->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->max_body);
    c->api.easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, collect_body);
    c->api.easy_setopt(c->easy, CURLOPT_WRITEDATA, &t->body);
    c->api.easy_setopt(c->easy, CURLOPT_ERRORBUFFER, c->error);
#if LIBCURL_VERSION_NUM >= 0x075500
    c->api.easy_setopt(c->easy, CURLOPT_PROTOCOLS_STR, "https");
#else
    c->api.easy_setopt(c->easy, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
    set_tls_options(c, t);
}

/* Did any byte of the request leave?  If not, nothing reached the terminal
 * and the call is safe to retry.  (Connect time cannot tell: it is 0 on a
 * reused connection, where a lost answer must still count as "sent".) */
static bool request_sent(kp_curl *c)
{
    long request_size = 0;

    c->api.easy_getinfo(c->easy, CURLINFO_REQUEST_SIZE, &request_size);
    return request_size > 0;
}

/* The terminal's certificate was not accepted: say what to change. */
static kp_status tls_error(const kp_terminal *t, CURLcode rc, const char *why, kp_error *err)
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

static kp_status transport_error(kp_curl *c, const kp_terminal *t, CURLcode rc, long timeout_ms,
                                 kp_error *err)
{
    const char *why = c->error[0] ? c->error : c->api.easy_strerror(rc);

    if (is_tls_failure(rc))
        return tls_error(t, rc, why, err);
    if (rc == CURLE_WRITE_ERROR || rc == CURLE_FILESIZE_EXCEEDED)
        return kp_error_set(err, KP_ERR_TOO_LARGE,
                            "terminal %s sent an answer over %zu bytes; it was not read",
                            t->address, t->max_body);
    if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
        rc == CURLE_URL_MALFORMAT || !request_sent(c)) {
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
                            t->address, timeout_ms);
    return kp_error_set(err, KP_ERR_NO_ANSWER, "terminal %s: the connection failed after the request "
                        "was sent (%s)", t->address, why);
}

typedef struct tick_call {
    kp_http_tick_fn fn;
    void *ctx;
} tick_call;

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    tick_call *tick = ctx;

    (void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;
    tick->fn(tick->ctx);
    return 0;
}

kp_status kp_curl_get(kp_curl *c, kp_terminal *t, const char *header, long timeout_ms,
                      kp_http_tick_fn tick, void *tick_ctx, long *http, kp_error *err)
{
    struct curl_slist *headers = NULL;
    tick_call progress = { tick, tick_ctx };
    CURLcode rc;

    *http = 0;
    if (header && !(headers = c->api.slist_append(NULL, header)))
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    c->error[0] = '\0';
    set_request_options(c, t, timeout_ms);
    c->api.easy_setopt(c->easy, CURLOPT_HTTPHEADER, headers);
    c->api.easy_setopt(c->easy, CURLOPT_NOPROGRESS, tick ? 0L : 1L);
    c->api.easy_setopt(c->easy, CURLOPT_XFERINFOFUNCTION, tick ? on_progress : NULL);
    c->api.easy_setopt(c->easy, CURLOPT_XFERINFODATA, &progress);
    rc = c->api.easy_perform(c->easy);
    c->api.easy_setopt(c->easy, CURLOPT_HTTPHEADER, NULL);
    c->api.easy_setopt(c->easy, CURLOPT_XFERINFODATA, NULL);
    if (headers)
        c->api.slist_free_all(headers);
    if (rc != CURLE_OK)
        return transport_error(c, t, rc, timeout_ms, err);
    c->api.easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, http);
    return KP_OK;
}
