/*
 * server.c: the simulator's HTTP side on libmicrohttpd: one thread per
 * connection (so a hung request never blocks another), a bounded number of
 * connections, the raw request URI kept for the log, dispatch to the API and
 * control handlers under the state lock, and the delayed, hung or dropped
 * replies that scenarios ask for, carried out outside the lock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <microhttpd.h>
#include "sim/sim.h"

#define SIM_CONNECTIONS_MAX 64
#define SIM_IDLE_TIMEOUT_S 60
#define SIM_PATH_LOG_MAX 1024

/* Per request: the URI exactly as received (its query part bounded). */
typedef struct sim_request {
    char *uri;
    bool too_long;
    bool answered;
} sim_request;

/* ---- replies ---------------------------------------------------------- */

void sim_reply_take(sim_reply *reply, unsigned http_status, char *body, size_t len)
{
    free(reply->body);
    reply->action = SIM_REPLY;
    reply->http_status = http_status;
    reply->body = body;
    reply->body_len = body ? len : 0;
    reply->content_type = "application/json; charset=utf-8";
}

void sim_reply_json(sim_reply *reply, unsigned http_status, json_t *body)
{
    char *text = body ? json_dumps(body, 0) : NULL;
    json_decref(body);
    if (text == NULL)
        sim_reply_text(reply, 500, "out of memory\n");
    else
        sim_reply_take(reply, http_status, text, strlen(text));
}

void sim_reply_message(sim_reply *reply, unsigned http_status, const char *message)
{
    sim_reply_json(reply, http_status, json_pack("{ss}", "message", message));
}

void sim_reply_text(sim_reply *reply, unsigned http_status, const char *text)
{
    char *copy = strdup(text);
    sim_reply_take(reply, http_status, copy, copy ? strlen(copy) : 0);
    reply->content_type = "text/plain; charset=utf-8";
}

/* ---- state ------------------------------------------------------------ */

int sim_init(sim *s, const sim_config *config)
{
    pthread_condattr_t attr;
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &attr);
    pthread_condattr_destroy(&attr);
    s->config = config;
    s->scenario = config->scenario;
    s->rng = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9E3779B97F4A7C15ULL;
    s->next_transaction = 1000000000ULL + (uint64_t)time(NULL) % 1000000000ULL;
    s->ops = calloc(SIM_OPS_MAX, sizeof *s->ops);
    s->log = json_array();
    if (s->ops == NULL || s->log == NULL)
        return -1;
    if (config->log_file && (s->log_file = fopen(config->log_file, "a")) == NULL)
        return -1;
    if (config->v2 && sim_v2_init(s) != 0)
        return -1;
    return 0;
}

void sim_destroy(sim *s)
{
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    if (s->log_file)
        fclose(s->log_file);
    json_decref(s->log);
    free(s->ops);
    sim_v2_destroy(s);
}

/* Waits ms, or until shutdown (or, for hung requests, a reset); returns
 * true when cut short that way. */
static bool sim_wait(sim *s, unsigned ms, bool until_reset, unsigned generation)
{
    struct timespec deadline;
    bool cut = false;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->lock);
    while (!(cut = s->stopping || (until_reset && generation != s->generation)))
        if (pthread_cond_timedwait(&s->wake, &s->lock, &deadline) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&s->lock);
    return cut;
}

/* ---- dispatch --------------------------------------------------------- */

static void *remember_uri(void *cls, const char *uri, struct MHD_Connection *connection)
{
    sim_request *r = calloc(1, sizeof *r);
    const char *q = strchr(uri, '?');
    size_t len = strlen(uri);
    (void)cls;
    (void)connection;
    if (r == NULL)
        return NULL;
    if (q != NULL && len - (size_t)(q + 1 - uri) > SIM_QUERY_MAX) {
        r->too_long = true;
        len = (size_t)(q + 1 - uri) + SIM_QUERY_MAX;
    }
    r->uri = strndup(uri, len);
    return r;
}

static void forget_request(void *cls, struct MHD_Connection *connection, void **con_cls,
                           enum MHD_RequestTerminationCode code)
{
    sim_request *r = *con_cls;
    (void)cls;
    (void)connection;
    (void)code;
    if (r) {
        free(r->uri);
        free(r);
    }
    *con_cls = NULL;
}

static bool path_is(const char *path, const char *name)
{
    size_t n = strlen(name);
    return strncmp(path, name, n) == 0 && (path[n] == '\0' || strcmp(path + n, "/") == 0);
}

static void api_dispatch(sim *s, const char *path, const sim_args *args, const char *token,
                         sim_reply *reply)
{
    s->stats.requests++;
    if (s->config->v2) {
        if (strncmp(path, "/v2/", 4) == 0)
            sim_v2_api(s, path + 3, args, token, reply);
        else
            sim_reply_message(reply, 404, "Not found: integration protection is on; the "
                              "terminal answers /v2/... over HTTPS only");
    } else if (path_is(path, "/payment")) {
        s->stats.payment++;
        sim_api_payment(s, args, reply);
    } else if (path_is(path, "/refund")) {
        s->stats.refund++;
        sim_api_refund(s, args, reply);
    } else if (path_is(path, "/status")) {
        s->stats.status++;
        sim_api_status(s, args, reply);
    } else {
        sim_reply_message(reply, 404, "Not found: the terminal knows /payment, /refund "
                          "and /status");
    }
}

static void log_stderr(const sim *s, const char *method, const char *uri, const sim_reply *reply)
{
    if (s->config->quiet)
        return;
    fprintf(stderr, "kaspi-terminal-sim: %s %.*s%s -> ", method, SIM_PATH_LOG_MAX, uri,
            strlen(uri) > SIM_PATH_LOG_MAX ? "..." : "");
    if (reply->action == SIM_DROP)
        fprintf(stderr, "dropped\n");
    else if (reply->action == SIM_HANG)
        fprintf(stderr, "hanging\n");
    else
        fprintf(stderr, "%u%s\n", reply->http_status,
                reply->delay_ms ? " (delayed)" : "");
}

/* Decides the reply under the lock; returns the reset generation seen. */
static unsigned decide(sim *s, const char *method, const char *path, const sim_request *r,
                       const char *token, sim_reply *reply)
{
    const char *q = strchr(r->uri, '?');
    const char *query = q ? q + 1 : "";
    bool control = strncmp(path, "/_sim/", 6) == 0;
    sim_args args = { .count = 0 };
    unsigned generation;

    if (!r->too_long)
        sim_args_parse(query, strlen(query), &args);
    pthread_mutex_lock(&s->lock);
    generation = s->generation;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        if (!control)
            s->stats.requests++;
        sim_reply_message(reply, 405, "Method not allowed: the terminal answers GET only");
    } else if (r->too_long) {
        if (!control)
            s->stats.requests++;
        sim_reply_message(reply, 414, "Query string over 8 KiB");
    } else if (control) {
        sim_control(s, path, &args, reply);
    } else {
        api_dispatch(s, path, &args, token, reply);
    }
    if (!control)
        sim_reqlog_add(s, path, query, strlen(query), &args, reply);
    log_stderr(s, method, r->uri, reply);
    pthread_mutex_unlock(&s->lock);
    sim_args_free(&args);
    return generation;
}

static enum MHD_Result send_reply(struct MHD_Connection *connection, sim_reply *reply)
{
    struct MHD_Response *response;
    enum MHD_Result ok;
    if (reply->body == NULL)
        return MHD_NO;
    response = MHD_create_response_from_buffer(reply->body_len, reply->body,
                                               MHD_RESPMEM_MUST_FREE);
    if (response == NULL)
        return MHD_NO;
    reply->body = NULL;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, reply->content_type);
    ok = MHD_queue_response(connection, reply->http_status, response);
    MHD_destroy_response(response);
    return ok;
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *connection,
                                      const char *url, const char *method,
                                      const char *version, const char *upload_data,
                                      size_t *upload_data_size, void **con_cls)
{
    sim *s = cls;
    sim_request *r = *con_cls;
    sim_reply reply = { .action = SIM_REPLY };
    unsigned generation;
    enum MHD_Result result = MHD_NO;
    (void)version;
    (void)upload_data;

    if (r == NULL || r->uri == NULL)
        return MHD_NO;
    if (r->answered) {          /* a body we do not read */
        *upload_data_size = 0;
        return MHD_YES;
    }
    r->answered = true;
    generation = decide(s, method, url, r,
                        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "accesstoken"),
                        &reply);
    if (reply.action == SIM_TAP)
        sim_v2_wait_tap(s, &reply);
    if (reply.delay_ms && sim_wait(s, reply.delay_ms, false, generation))
        reply.action = SIM_DROP;
    if (reply.action == SIM_HANG)
        sim_wait(s, SIM_HANG_MAX_MS, true, generation);
    if (reply.action == SIM_REPLY)
        result = send_reply(connection, &reply);
    free(reply.body);
    free(reply.tap_name);
    return result;
}

/* ---- daemon ----------------------------------------------------------- */

static int make_address(const char *listen, unsigned port, struct sockaddr_storage *addr,
                        bool *ipv6)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *)addr;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)addr;
    memset(addr, 0, sizeof *addr);
    *ipv6 = false;
    if (inet_pton(AF_INET, listen, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        return 0;
    }
    if (inet_pton(AF_INET6, listen, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *ipv6 = true;
        return 0;
    }
    return -1;
}

struct MHD_Daemon *sim_server_start(sim *s, unsigned *bound_port)
{
    struct sockaddr_storage addr;
    bool ipv6;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD
                     | MHD_USE_POLL | MHD_USE_ERROR_LOG;
    struct MHD_Daemon *daemon;
    const union MHD_DaemonInfo *info;

    if (make_address(s->config->listen, s->config->port, &addr, &ipv6) != 0)
        return NULL;
    if (ipv6)
        flags |= MHD_USE_IPv6;
    if (s->config->v2)
        flags |= MHD_USE_TLS;
    {
        struct MHD_OptionItem tls[] = {
            { MHD_OPTION_HTTPS_MEM_KEY, 0, s->config->tls_key_pem },
            { MHD_OPTION_HTTPS_MEM_CERT, 0, s->config->tls_cert_pem },
            { MHD_OPTION_END, 0, NULL },
        };
        daemon = MHD_start_daemon(flags, (uint16_t)s->config->port, NULL, NULL,
                                  handle_request, s,
                                  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                                  MHD_OPTION_CONNECTION_LIMIT, (unsigned)SIM_CONNECTIONS_MAX,
                                  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SIM_IDLE_TIMEOUT_S,
                                  MHD_OPTION_URI_LOG_CALLBACK, remember_uri, s,
                                  MHD_OPTION_NOTIFY_COMPLETED, forget_request, s,
                                  MHD_OPTION_ARRAY, s->config->v2 ? tls : tls + 2,
                                  MHD_OPTION_END);
    }
    if (daemon == NULL)
        return NULL;
    info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    *bound_port = info ? info->port : s->config->port;
    return daemon;
}

/* Releases hung and delayed requests first, so the connection threads can
 * be joined. */
void sim_server_stop(sim *s, struct MHD_Daemon *daemon)
{
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    MHD_stop_daemon(daemon);
}
