/*
 * terminal_http.c: the plain-HTTP GET of the v1 API, over a socket of our
 * own (see terminal_internal.h).
 *
 * Why not libcurl here: Debian's libcurl brings about forty libraries
 * (OpenSSL, GnuTLS, Kerberos, LDAP, SSH...) whose start-up alone makes a
 * process peak at 9-10 MB before the first byte is sent, and v1 is one GET
 * on the store's network.  libcurl is still used, loaded only when needed,
 * for v2's HTTPS (terminal_curl.c).
 *
 * The money rule lives here: a request is "unreachable, safe to retry" only
 * when not one byte of it left this process; from the first byte sent, any
 * failure is "no answer", whose outcome is unknown.  One connection per
 * request (Connection: close), so a stale kept-alive connection can never
 * make a sent request look unsent.
 */
#include "config.h"
#include "terminal_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEADER_MAX (16 * 1024)     /* status line and headers together */
#define READ_CHUNK 4096

typedef struct http_conn {
    const kp_http_request *req;
    int fd;
    long long deadline_ms;         /* CLOCK_MONOTONIC */
    size_t sent;                   /* request bytes that left */
    char reason[160];              /* why the connection failed, for the message */
    kp_buf in;                     /* bytes read and not yet consumed */
    size_t pos;                    /* consumed up to here */
    bool eof;
} http_conn;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes: 1 ready,
 * 0 timed out, -1 failed (errno). */
static int wait_for(int fd, short events, long long deadline_ms)
{
    for (;;) {
        long long left = deadline_ms - now_ms();
        struct pollfd p = { fd, events, 0 };
        int r;

        if (left <= 0)
            return 0;
        r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

/* ---- connecting ---- */

/* 1 connected, 0 timed out, -1 refused or failed (c->reason says why). */
static int connect_one(http_conn *c, const struct addrinfo *ai)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    int r, so_error = 0;
    socklen_t len = sizeof so_error;

    if (fd < 0) {
        snprintf(c->reason, sizeof c->reason, "%s", strerror(errno));
        return -1;
    }
    r = connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (r < 0 && errno == EINPROGRESS) {
        r = wait_for(fd, POLLOUT, c->deadline_ms);
        if (r == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) == 0 && so_error == 0)
            r = 0;
        else if (r == 1)
            errno = so_error, r = -1;
        else if (r == 0) {
            close(fd);
            return 0;
        }
    }
    if (r < 0) {
        snprintf(c->reason, sizeof c->reason, "%s", strerror(errno));
        close(fd);
        return -1;
    }
    c->fd = fd;
    return 1;
}

static kp_status unreachable(http_conn *c, bool timed_out, kp_error *err)
{
    const kp_http_request *q = c->req;

    if (timed_out)
        return kp_error_set(err, KP_ERR_UNREACHABLE,
                            "terminal %s did not answer in %ld ms: is it on, on this network, "
                            "and is the Kaspi Pay app open?", q->address, q->connect_timeout_ms);
    return kp_error_set(err, KP_ERR_UNREACHABLE,
                        "cannot connect to terminal %s (%s): is the Kaspi Pay app open and the "
                        "address right?", q->address, c->reason);
}

static kp_status open_connection(http_conn *c, kp_error *err)
{
    const kp_http_request *q = c->req;
    struct addrinfo hints, *list = NULL;
    char port[8];
    int r = -1, gai;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(port, sizeof port, "%d", q->port);
    gai = getaddrinfo(q->host, port, &hints, &list);
    if (gai != 0) {
        snprintf(c->reason, sizeof c->reason, "could not resolve %s: %s", q->host,
                 gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
        return unreachable(c, false, err);
    }
    c->deadline_ms = now_ms() + q->connect_timeout_ms;
    for (const struct addrinfo *ai = list; ai && r != 1; ai = ai->ai_next) {
        r = connect_one(c, ai);
        if (r == 0)
            break;                 /* the time is spent: no other address gets a turn */
    }
    freeaddrinfo(list);
    return r == 1 ? KP_OK : unreachable(c, r == 0, err);
}

/* ---- sending ---- */

static kp_status build_request(const kp_http_request *q, kp_buf *out)
{
    return kp_buf_printf(out,
                         "GET %s HTTP/1.1\r\n"
                         "Host: %s\r\n"
                         "User-Agent: " PACKAGE_NAME "/" PACKAGE_VERSION "\r\n"
                         "Accept: */*\r\n"
                         "Connection: close\r\n"
                         "\r\n", q->target, q->address);
}

/* The failures once a byte of the request may have reached the terminal. */
static kp_status no_answer(http_conn *c, bool timed_out, kp_error *err)
{
    const kp_http_request *q = c->req;

    if (timed_out)
        return kp_error_set(err, KP_ERR_NO_ANSWER,
                            "terminal %s took the request but did not answer in %ld ms",
                            q->address, q->request_timeout_ms);
    return kp_error_set(err, KP_ERR_NO_ANSWER, "terminal %s: the connection failed after the "
                        "request was sent (%s)", q->address, c->reason);
}

/* A failure while sending: unreachable while nothing has left, else no answer. */
static kp_status send_failed(http_conn *c, bool timed_out, kp_error *err)
{
    if (c->sent == 0)
        return unreachable(c, timed_out, err);
    return no_answer(c, timed_out, err);
}

static kp_status send_request(http_conn *c, const kp_buf *request, kp_error *err)
{
    while (c->sent < request->len) {
        ssize_t n = send(c->fd, request->data + c->sent, request->len - c->sent, MSG_NOSIGNAL);
        if (n > 0) {
            c->sent += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int r = wait_for(c->fd, POLLOUT, c->deadline_ms);
            if (r == 1)
                continue;
            if (r < 0)
                snprintf(c->reason, sizeof c->reason, "%s", strerror(errno));
            return send_failed(c, r == 0, err);
        }
        snprintf(c->reason, sizeof c->reason, "%s", n == 0 ? "nothing sent" : strerror(errno));
        return send_failed(c, false, err);
    }
    return KP_OK;
}

/* ---- reading ---- */

/* Reads up to READ_CHUNK more bytes into c->in: KP_OK, or the error; at
 * the end of the stream sets c->eof.  The callers bound what is kept; the
 * deadline bounds the time, also for a peer that never stops sending
 * (interim answers without end, say). */
static kp_status read_more(http_conn *c, kp_error *err)
{
    char chunk[READ_CHUNK];

    if (now_ms() >= c->deadline_ms)
        return no_answer(c, true, err);
    if (c->pos > 0 && c->pos == c->in.len) {      /* all consumed: start over */
        kp_buf_reset(&c->in);
        c->pos = 0;
    }
    for (;;) {
        ssize_t n = recv(c->fd, chunk, sizeof chunk, 0);
        if (n > 0)
            return kp_buf_append(&c->in, chunk, (size_t)n) == KP_OK
                       ? KP_OK : kp_error_set(err, KP_ERR_NOMEM, "out of memory");
        if (n == 0) {
            c->eof = true;
            return KP_OK;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            int r = wait_for(c->fd, POLLIN, c->deadline_ms);
            if (r == 1)
                continue;
            if (r < 0)
                snprintf(c->reason, sizeof c->reason, "%s", strerror(errno));
            return no_answer(c, r == 0, err);
        }
        snprintf(c->reason, sizeof c->reason, "%s", strerror(errno));
        return no_answer(c, false, err);
    }
}

static kp_status bad_answer(http_conn *c, const char *what, kp_error *err)
{
    snprintf(c->reason, sizeof c->reason, "%s", what);
    return no_answer(c, false, err);
}

/* The unconsumed bytes up to and including the next CRLF (or LF) as a
 * line of *len bytes without its end; NULL while none is complete. */
static const char *next_line(http_conn *c, size_t *len)
{
    const char *start = c->in.data + c->pos;
    const char *nl = memchr(start, '\n', c->in.len - c->pos);

    if (!nl)
        return NULL;
    *len = (size_t)(nl - start);
    if (*len > 0 && start[*len - 1] == '\r')
        (*len)--;
    c->pos += (size_t)(nl - start) + 1;
    return start;
}

/* A whole line, reading as needed; headers and chunk sizes share limit. */
static kp_status read_line(http_conn *c, size_t limit, const char **line, size_t *len, kp_error *err)
{
    kp_status st;

    while (!c->in.data || !(*line = next_line(c, len))) {
        if (c->eof)
            return bad_answer(c, "the answer ended early", err);
        if (c->in.len - c->pos >= limit)
            return bad_answer(c, "a header line is too long", err);
        if ((st = read_more(c, err)) != KP_OK)
            return st;
    }
    return KP_OK;
}

typedef struct http_head {
    long status;
    long long content_length;     /* -1: not given */
    bool chunked;
} http_head;

static bool header_is(const char *line, size_t len, const char *name, const char **value,
                      size_t *value_len)
{
    size_t n = strlen(name);

    if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
        return false;
    *value = line + n + 1;
    *value_len = len - n - 1;
    while (*value_len && (**value == ' ' || **value == '\t'))
        (*value)++, (*value_len)--;
    while (*value_len && ((*value)[*value_len - 1] == ' ' || (*value)[*value_len - 1] == '\t'))
        (*value_len)--;
    return true;
}

static bool parse_length(const char *v, size_t len, long long *out)
{
    long long n = 0;

    if (len == 0 || len > 18)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        n = n * 10 + (v[i] - '0');
    }
    *out = n;
    return true;
}

static kp_status parse_header(http_conn *c, const char *line, size_t len, http_head *h,
                              kp_error *err)
{
    const char *v;
    size_t vlen;

    if (header_is(line, len, "Content-Length", &v, &vlen)) {
        long long n;
        if (!parse_length(v, vlen, &n) || (h->content_length >= 0 && h->content_length != n))
            return bad_answer(c, "a bad Content-Length", err);
        h->content_length = n;
    } else if (header_is(line, len, "Transfer-Encoding", &v, &vlen)) {
        h->chunked = vlen >= 7 && strncasecmp(v + vlen - 7, "chunked", 7) == 0;
        if (!h->chunked)
            return bad_answer(c, "a transfer encoding it cannot read", err);
    }
    return KP_OK;
}

static kp_status parse_status_line(http_conn *c, const char *line, size_t len, http_head *h,
                                   kp_error *err)
{
    if (len < 12 || strncmp(line, "HTTP/1.", 7) != 0 || line[8] != ' ' ||
        line[9] < '1' || line[9] > '5' || line[10] < '0' || line[10] > '9' ||
        line[11] < '0' || line[11] > '9' || (len > 12 && line[12] != ' '))
        return bad_answer(c, "not an HTTP answer", err);
    h->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    return KP_OK;
}

/* The status line and headers; interim 1xx answers are skipped. */
static kp_status read_head(http_conn *c, http_head *h, kp_error *err)
{
    size_t total = 0;

    do {
        const char *line;
        size_t len;
        kp_status st = read_line(c, HEADER_MAX, &line, &len, err);

        h->content_length = -1;
        h->chunked = false;
        if (st == KP_OK)
            st = parse_status_line(c, line, len, h, err);
        while (st == KP_OK) {
            if ((st = read_line(c, HEADER_MAX, &line, &len, err)) != KP_OK || len == 0)
                break;
            total += len;
            if (total > HEADER_MAX)
                return bad_answer(c, "its headers are too long", err);
            st = parse_header(c, line, len, h, err);
        }
        if (st != KP_OK)
            return st;
    } while (h->status >= 100 && h->status < 200);
    return KP_OK;
}

/* Moves up to want unconsumed bytes into the body, reading as needed;
 * want < 0: everything to the end of the stream. */
static kp_status take_body(http_conn *c, long long want, kp_buf *body, kp_error *err)
{
    const kp_http_request *q = c->req;

    while (want != 0) {
        size_t have = c->in.len - c->pos, n = have;
        kp_status st;

        if (want > 0 && (long long)n > want)
            n = (size_t)want;
        if (body->len + n > q->max_body)
            return kp_error_set(err, KP_ERR_TOO_LARGE, "terminal %s sent an answer over %zu bytes; "
                                "it was not read", q->address, q->max_body);
        if (n && kp_buf_append(body, c->in.data + c->pos, n) != KP_OK)
            return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
        c->pos += n;
        if (want > 0)
            want -= (long long)n;
        if (want == 0)
            break;
        if (c->eof)
            return want < 0 ? KP_OK : bad_answer(c, "the answer ended early", err);
        if ((st = read_more(c, err)) != KP_OK)
            return st;
    }
    return KP_OK;
}

static kp_status take_chunked(http_conn *c, kp_buf *body, kp_error *err)
{
    for (;;) {
        const char *line;
        size_t len, i = 0;
        unsigned long long size = 0;
        kp_status st = read_line(c, HEADER_MAX, &line, &len, err);

        if (st != KP_OK)
            return st;
        for (; i < len && i < 16 && strchr("0123456789abcdefABCDEF", line[i]) && line[i]; i++)
            size = size * 16 + (unsigned long long)(line[i] <= '9' ? line[i] - '0'
                                                    : (line[i] | 0x20) - 'a' + 10);
        if (i == 0 || (i < len && line[i] != ';' && line[i] != ' ' && line[i] != '\t'))
            return bad_answer(c, "a bad chunk size", err);
        if (size == 0)
            break;                      /* trailers and the final CRLF are not needed */
        if (size > c->req->max_body)
            return kp_error_set(err, KP_ERR_TOO_LARGE, "terminal %s sent an answer over %zu "
                                "bytes; it was not read", c->req->address, c->req->max_body);
        if ((st = take_body(c, (long long)size, body, err)) != KP_OK ||
            (st = read_line(c, HEADER_MAX, &line, &len, err)) != KP_OK)
            return st;
        if (len != 0)
            return bad_answer(c, "a chunk without its end", err);
    }
    return KP_OK;
}

static kp_status read_response(http_conn *c, long *http, kp_buf *body, kp_error *err)
{
    http_head h = { 0, -1, false };
    kp_status st;

    c->deadline_ms = now_ms() + c->req->request_timeout_ms;
    if ((st = read_head(c, &h, err)) != KP_OK)
        return st;
    if (h.chunked)
        st = take_chunked(c, body, err);
    else if (h.status == 204 || h.status == 304)
        st = KP_OK;
    else
        st = take_body(c, h.content_length, body, err);
    if (st == KP_OK)
        *http = h.status;
    return st;
}

static void conn_init(http_conn *c, const kp_http_request *req, int fd)
{
    memset(c, 0, sizeof *c);
    c->req = req;
    c->fd = fd;
    c->sent = 1;                   /* reading: the request has gone */
    kp_buf_init(&c->in, 0);
}

kp_status kp_http_read_answer(int fd, const kp_http_request *req, kp_buf *body, long *http,
                              kp_error *err)
{
    http_conn c;
    kp_status st;

    conn_init(&c, req, fd);
    *http = 0;
    kp_buf_reset(body);
    st = read_response(&c, http, body, err);
    kp_buf_free(&c.in);
    return st;
}

kp_status kp_http_get_plain(const kp_http_request *req, kp_buf *body, long *http, kp_error *err)
{
    http_conn c;
    kp_buf request = KP_BUF_INIT;
    kp_status st;

    conn_init(&c, req, -1);
    c.sent = 0;
    *http = 0;
    kp_buf_reset(body);
    if (build_request(req, &request) != KP_OK)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    st = open_connection(&c, err);
    if (st == KP_OK) {
        c.deadline_ms = now_ms() + req->request_timeout_ms;
        st = send_request(&c, &request, err);
    }
    if (st == KP_OK)
        st = read_response(&c, http, body, err);
    if (c.fd >= 0)
        close(c.fd);
    kp_buf_free(&c.in);
    kp_buf_free(&request);
    return st;
}
