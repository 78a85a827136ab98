/*
 * terminal_v2.c: the v2 API of protected terminals behind the terminal
 * room's interface (see kaspipos/terminal.h): HTTPS with the certificate
 * settings, the "accesstoken" header from the token store, refreshing the
 * token through /v2/revoke before it expires and once on a 401/403, and
 * /v2/register, /v2/deviceinfo, /v2/actualize.
 */
#include "config.h"
#include "kaspipos/terminal.h"
#include "terminal_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *copy_or_null(const char *text)
{
    return text && *text ? strdup(text) : NULL;
}

static kp_status check_pin(const char *pin, kp_error *err)
{
    if (!pin || strncmp(pin, "sha256//", 8) == 0)
        return KP_OK;
    return kp_error_set(err, KP_ERR_USAGE, "--tls-pin must be sha256//BASE64 (the SHA-256 of the "
                        "terminal's public key), e.g. from: openssl x509 -pubkey -noout -in "
                        "cert.pem | openssl pkey -pubin -outform der | openssl dgst -sha256 "
                        "-binary | base64");
}

kp_status kp_terminal_v2_setup(kp_terminal *t, const kp_terminal_options *opt, kp_error *err)
{
    if (opt->api != KP_API_V2)
        return KP_OK;
    if (check_pin(opt->tls_pin, err) != KP_OK)
        return KP_ERR_USAGE;
    if (opt->client_name && kp_token_name_check(opt->client_name, err) != KP_OK)
        return KP_ERR_USAGE;
    if (opt->tls_name && *opt->tls_name) {
        kp_buf host = KP_BUF_INIT;
        int port;
        kp_status st = kp_terminal_address_parse(opt->tls_name, &host, &port, err);

        kp_buf_free(&host);
        if (st != KP_OK || strchr(opt->tls_name, ':'))
            return kp_error_set(err, KP_ERR_USAGE, "--tls-name '%.80s' must be a host name "
                                "such as pos.kaspipos.kz", opt->tls_name);
    }
    t->tls_name = copy_or_null(opt->tls_name);
    t->tls_pin = copy_or_null(opt->tls_pin);
    t->cacert = copy_or_null(opt->cacert);
    t->token_dir = copy_or_null(opt->token_dir);
    t->client_name = copy_or_null(opt->client_name);
    t->tls_insecure = opt->tls_insecure;
    return KP_OK;
}

void kp_terminal_v2_free(kp_terminal *t)
{
    free(t->tls_name);
    free(t->tls_pin);
    free(t->cacert);
    free(t->token_dir);
    free(t->client_name);
    kp_token_clear(&t->token);
}

const char *kp_terminal_client_name(const kp_terminal *t)
{
    return t->token_loaded ? t->token.name : t->client_name;
}

static kp_status need_v2(const kp_terminal *t, const char *what, kp_error *err)
{
    if (t->api == KP_API_V2)
        return KP_OK;
    return kp_error_set(err, KP_ERR_USAGE, "%s exists only on protected terminals: use --api v2",
                        what);
}

/* ---- one call ---- */

typedef struct call {
    const char *path;            /* "/payment", ... ("/v2" is put in front) */
    const kp_url_param *params;
    bool with_token;
    long timeout_ms;             /* 0: the terminal's request timeout */
    kp_http_tick_fn tick;       /* while waiting for the answer */
    void *tick_ctx;
} call;

static kp_status send_once(kp_terminal *t, const call *c, kp_response *resp, kp_error *err)
{
    kp_buf path = KP_BUF_INIT, header = KP_BUF_INIT;
    long http = 0;
    kp_status st = kp_buf_printf(&path, "/v2%s", c->path);

    if (st == KP_OK && c->with_token)
        st = kp_buf_printf(&header, "accesstoken: %s", t->token.access);
    if (st != KP_OK)
        st = kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    else
        st = kp_terminal_http_get(t, kp_buf_str(&path), c->params,
                                  c->with_token ? kp_buf_str(&header) : NULL, c->timeout_ms,
                                  c->tick, c->tick_ctx, &http, err);
    kp_buf_free(&path);
    kp_buf_free(&header);
    if (st == KP_OK)
        st = kp_response_parse_v2(http, kp_buf_str(&t->body), t->body.len, resp, err);
    return st;
}

static kp_status refresh(kp_terminal *t, kp_error *err)
{
    kp_url_param params[] = { { "name", t->token.name }, { "refreshToken", t->token.refresh },
                              { NULL, NULL } };
    call c = { .path = "/revoke", .params = params };
    kp_response resp;
    kp_token fresh;
    kp_status st;

    kp_response_init(&resp);
    st = send_once(t, &c, &resp, err);
    if (st == KP_OK)
        st = kp_token_from_data(resp.payload, t->token.name, time(NULL), &fresh, err);
    kp_response_clear(&resp);
    if (st == KP_ERR_REFUSED || st == KP_ERR_AUTH)
        return kp_error_set(err, KP_ERR_AUTH, "terminal %s would not renew the token of client "
                            "'%s' (%s): register it again with 'kaspi-pay register NAME' (to reuse "
                            "the name, first remove it on the terminal: Защита интеграции → "
                            "Настроить доступ → «Запретить»)", t->address, t->token.name,
                            err ? err->message : "refused");
    if (st != KP_OK)
        return st;
    kp_token_clear(&t->token);
    t->token = fresh;
    if (t->token_dir)
        kp_token_save(t->token_dir, t->address, &t->token, false, NULL);
    return KP_OK;
}

kp_status kp_terminal_refresh_token(kp_terminal *t, kp_error *err)
{
    if (need_v2(t, "refreshing a token", err) != KP_OK)
        return KP_ERR_USAGE;
    if (!t->token_loaded)
        return kp_error_set(err, KP_ERR_SETUP, "no token is loaded for terminal %s", t->address);
    return refresh(t, err);
}

static kp_status load_token(kp_terminal *t, kp_error *err)
{
    kp_status st;

    if (!t->token_dir)
        return kp_error_set(err, KP_ERR_SETUP, "no place to keep tokens (the journal directory)");
    st = kp_token_load(t->token_dir, t->address, t->client_name, &t->token, err);
    if (st == KP_ERR_NOT_FOUND)
        return kp_error_set(err, KP_ERR_SETUP, "no client%s%s is registered with terminal %s: run "
                            "'kaspi-pay --api v2 --terminal %s register NAME' and tap «Разрешить» "
                            "on the terminal", t->client_name ? " named " : "",
                            t->client_name ? t->client_name : "", t->address, t->address);
    if (st == KP_OK)
        t->token_loaded = true;
    return st;
}

/* The token is loaded and not about to expire. */
static kp_status fresh_token(kp_terminal *t, kp_error *err)
{
    kp_status st = t->token_loaded ? KP_OK : load_token(t, err);

    if (st == KP_OK && kp_token_due(&t->token, time(NULL)))
        st = refresh(t, err);
    return st;
}

/* A call with the token; on 401/403 the token is refreshed once and the
 * call repeated once (a refused call started nothing). */
static kp_status send_with_token(kp_terminal *t, const call *c, kp_response *resp, kp_error *err)
{
    kp_status st = fresh_token(t, err);

    if (st != KP_OK)
        return st;
    st = send_once(t, c, resp, err);
    if (st != KP_ERR_AUTH)
        return st;
    if ((st = refresh(t, err)) != KP_OK)
        return st;
    st = send_once(t, c, resp, err);
    if (st == KP_ERR_AUTH)
        kp_error_set(err, KP_ERR_AUTH, "terminal %s refused the token of client '%s' even just "
                     "after renewing it: register the client again (kaspi-pay register NAME)",
                     t->address, t->token.name);
    return st;
}

static void prefix_address(const kp_terminal *t, kp_status st, kp_error *err)
{
    if (st == KP_ERR_MALFORMED || st == KP_ERR_HTTP || st == KP_ERR_NOT_FOUND)
        kp_error_prefix(err, "terminal %s", t->address);
}

kp_status kp_terminal_v2_operation(kp_terminal *t, const char *path, const kp_url_param *params,
                                   kp_response *resp, kp_error *err)
{
    call c = { .path = path, .params = params, .with_token = true };
    kp_status st = send_with_token(t, &c, resp, err);

    if (st == KP_OK)
        st = kp_response_check_operation(resp, err);
    prefix_address(t, st, err);
    return st;
}

kp_status kp_terminal_device_info(kp_terminal *t, kp_response *resp, kp_error *err)
{
    call c = { .path = "/deviceinfo", .with_token = true };
    kp_status st;

    kp_response_clear(resp);
    if (need_v2(t, "deviceinfo", err) != KP_OK)
        return KP_ERR_USAGE;
    st = send_with_token(t, &c, resp, err);
    prefix_address(t, st, err);
    return st;
}

kp_status kp_terminal_actualize(kp_terminal *t, const char *process_id, kp_response *resp,
                                kp_error *err)
{
    kp_url_param params[] = { { "processId", process_id }, { NULL, NULL } };
    call c = { .path = "/actualize", .params = params, .with_token = true };
    kp_status st;

    kp_response_clear(resp);
    if (need_v2(t, "actualize", err) != KP_OK)
        return KP_ERR_USAGE;
    if (!process_id || !*process_id || strlen(process_id) > 128)
        return kp_error_set(err, KP_ERR_USAGE, "a process id of 1 to 128 characters is needed");
    st = send_with_token(t, &c, resp, err);
    prefix_address(t, st, err);
    return st;
}

/* ---- registration ---- */

typedef struct wait_state {
    kp_terminal_wait_fn fn;
    void *ctx;
    struct timespec started;
    long timeout_ms;
    long last_second;
} wait_state;

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000L + (now.tv_nsec - since->tv_nsec) / 1000000L;
}

static void on_wait(void *ctx)
{
    wait_state *w = ctx;
    long ms = elapsed_ms(&w->started);

    if (w->fn && ms / 1000 != w->last_second) {
        w->last_second = ms / 1000;
        w->fn(ms, w->timeout_ms > ms ? w->timeout_ms - ms : 0, w->ctx);
    }
}

static kp_status registered(kp_terminal *t, const char *name, kp_response *resp, kp_error *err)
{
    kp_token tok;
    kp_status st = kp_token_from_data(resp->payload, name, time(NULL), &tok, err);

    if (st != KP_OK)
        return st;
    st = kp_token_save(t->token_dir, t->address, &tok, true, err);
    kp_token_clear(&t->token);
    t->token = tok;
    t->token_loaded = true;
    return st;
}

kp_status kp_terminal_register(kp_terminal *t, const char *name, long timeout_ms,
                               kp_terminal_wait_fn wait, void *wait_ctx,
                               kp_response *resp, kp_error *err)
{
    kp_url_param params[] = { { "name", name }, { NULL, NULL } };
    wait_state w = { .fn = wait, .ctx = wait_ctx, .last_second = -1 };
    call c = { .path = "/register", .params = params, .tick = on_wait, .tick_ctx = &w };
    kp_status st;

    kp_response_clear(resp);
    if (need_v2(t, "register", err) != KP_OK || kp_token_name_check(name, err) != KP_OK)
        return KP_ERR_USAGE;
    if (!t->token_dir)
        return kp_error_set(err, KP_ERR_SETUP, "no place to keep tokens (the journal directory)");
    if (kp_token_prepare(t->token_dir, err) != KP_OK)
        return KP_ERR_SETUP;
    w.timeout_ms = c.timeout_ms = timeout_ms > 0 ? timeout_ms : KP_TERMINAL_REGISTER_TIMEOUT_MS;
    clock_gettime(CLOCK_MONOTONIC, &w.started);
    st = send_once(t, &c, resp, err);
    if (st == KP_OK)
        return registered(t, name, resp, err);
    if (st == KP_ERR_NO_ANSWER && elapsed_ms(&w.started) >= w.timeout_ms)
        return kp_error_set(err, KP_ERR_NO_ANSWER, "nobody tapped «Разрешить» on terminal %s "
                            "within %ld s; client '%s' is not registered", t->address,
                            w.timeout_ms / 1000, name);
    prefix_address(t, st, err);
    return st;
}
