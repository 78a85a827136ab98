/* test_terminal_http.c: the v1 client's HTTP over a real loopback socket,
 * against a peer that sends exactly the bytes each case needs: framings
 * the simulator never uses (chunked, close-delimited, 1xx, byte by byte),
 * broken answers, caps, and the money rule (nothing sent: unreachable;
 * sent: no answer). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kaspipos/terminal.h"

#define WAIT_BODY "{\"processId\":\"77\",\"status\":\"wait\",\"subStatus\":\"WaitUser\"}"

/* One connection: read the request, send the pieces (each on its own,
 * a millisecond apart), close. */
typedef struct peer {
    int listener;
    int port;
    const char *const *pieces;
    bool read_request;           /* false: close without reading */
    char request[4096];
    pthread_t thread;
} peer;

static void *serve(void *arg)
{
    peer *p = arg;
    int fd = accept(p->listener, NULL, NULL), one = 1;
    size_t got = 0;

    if (fd < 0)
        return NULL;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    while (p->read_request && got < sizeof p->request - 1 && !strstr(p->request, "\r\n\r\n")) {
        ssize_t n = recv(fd, p->request + got, sizeof p->request - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        p->request[got] = '\0';
    }
    for (size_t i = 0; p->pieces && p->pieces[i]; i++) {
        if (send(fd, p->pieces[i], strlen(p->pieces[i]), MSG_NOSIGNAL) < 0)
            break;
        usleep(1000);
    }
    close(fd);
    return NULL;
}

static void peer_start(peer *p, const char *const *pieces, bool read_request)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;

    memset(p, 0, sizeof *p);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    p->listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(p->listener >= 0);
    assert_int_equal(bind(p->listener, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(p->listener, 1), 0);
    assert_int_equal(getsockname(p->listener, (struct sockaddr *)&a, &len), 0);
    p->port = ntohs(a.sin_port);
    p->pieces = pieces;
    p->read_request = read_request;
    assert_int_equal(pthread_create(&p->thread, NULL, serve, p), 0);
}

static void peer_stop(peer *p)
{
    pthread_join(p->thread, NULL);
    close(p->listener);
}

/* kp_terminal_status against the peer, with max_body and a 2 s timeout. */
static kp_status status_from(peer *p, size_t max_body, kp_response *resp, kp_error *err)
{
    char address[32];
    kp_terminal_options opt = { 0 };
    kp_terminal *t = NULL;
    kp_status st;

    snprintf(address, sizeof address, "127.0.0.1:%d", p->port);
    opt.address = address;
    opt.connect_timeout_ms = 2000;
    opt.request_timeout_ms = 2000;
    opt.max_body = max_body;
    assert_int_equal(kp_terminal_new(&opt, &t, err), KP_OK);
    kp_response_init(resp);
    st = kp_terminal_status(t, "77", resp, err);
    kp_terminal_free(t);
    peer_stop(p);
    return st;
}

static void expect_wait(const char *const *pieces)
{
    peer p;
    kp_response resp;
    kp_error err = { 0 };

    peer_start(&p, pieces, true);
    assert_int_equal(status_from(&p, 0, &resp, &err), KP_OK);
    assert_int_equal(resp.status, KP_OP_WAIT);
    assert_string_equal(resp.process_id, "77");
    kp_response_clear(&resp);
}

static kp_status expect_failure(const char *const *pieces, size_t max_body, const char *words,
                                kp_status want)
{
    peer p;
    kp_response resp;
    kp_error err = { 0 };
    kp_status st;

    peer_start(&p, pieces, true);
    st = status_from(&p, max_body, &resp, &err);
    kp_response_clear(&resp);
    assert_int_equal(st, want);
    if (!strstr(err.message, words))
        fail_msg("message \"%s\" does not say \"%s\"", err.message, words);
    return st;
}

static void content_length_answer(void **state)
{
    const char *const pieces[] = { "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                   "Content-Length: 57\r\n\r\n" WAIT_BODY, NULL };
    (void)state;
    assert_int_equal(strlen(WAIT_BODY), 57);
    expect_wait(pieces);
}

static void chunked_answer_with_extensions_and_trailer(void **state)
{
    const char *const pieces[] = { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                                   "b;name=x\r\n{\"processId", "\r\n",
                                   "2E\r\n\":\"77\",\"status\":\"wait\",\"subStatus\":\"WaitUser\"}\r\n",
                                   "0\r\nX-Trailer: 1\r\n\r\n", NULL };
    (void)state;
    expect_wait(pieces);
}

static void answer_ended_by_close(void **state)
{
    const char *const pieces[] = { "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n", WAIT_BODY, NULL };
    (void)state;
    expect_wait(pieces);
}

static void interim_answer_skipped_and_bytes_one_by_one(void **state)
{
    static const char whole[] = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
                                "content-length:   57  \r\n\r\n" WAIT_BODY;
    static char bytes[sizeof whole][2];
    const char *pieces[sizeof whole];
    (void)state;
    for (size_t i = 0; i + 1 < sizeof whole; i++) {
        bytes[i][0] = whole[i];
        pieces[i] = bytes[i];
    }
    pieces[sizeof whole - 1] = NULL;
    expect_wait(pieces);
}

static void request_is_plain_http_with_encoded_id(void **state)
{
    const char *const pieces[] = { "HTTP/1.1 200 OK\r\nContent-Length: 57\r\n\r\n" WAIT_BODY, NULL };
    char address[32], host_line[64];
    kp_terminal_options opt = { 0 };
    kp_terminal *t = NULL;
    kp_response resp;
    kp_error err = { 0 };
    peer p;
    (void)state;

    peer_start(&p, pieces, true);
    snprintf(address, sizeof address, "127.0.0.1:%d", p.port);
    opt.address = address;
    assert_int_equal(kp_terminal_new(&opt, &t, &err), KP_OK);
    kp_response_init(&resp);
    assert_int_equal(kp_terminal_status(t, "a&b =ы", &resp, &err), KP_OK);
    kp_response_clear(&resp);
    kp_terminal_free(t);
    peer_stop(&p);
    snprintf(host_line, sizeof host_line, "\r\nHost: %s\r\n", address);
    if (!strstr(p.request, "GET /status?processId=a%26b%20%3D%D1%8B HTTP/1.1\r\n"))
        fail_msg("request: %s", p.request);
    assert_non_null(strstr(p.request, host_line));
    assert_non_null(strstr(p.request, "\r\nConnection: close\r\n"));
}

static void not_http(void **state)
{
    const char *const pieces[] = { "SSH-2.0-OpenSSH_9.2\r\n", NULL };
    (void)state;
    expect_failure(pieces, 0, "not an HTTP answer", KP_ERR_NO_ANSWER);
}

static void body_cut_short(void **state)
{
    const char *const pieces[] = { "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"processId\"", NULL };
    (void)state;
    expect_failure(pieces, 0, "ended early", KP_ERR_NO_ANSWER);
}

static void closed_before_any_answer(void **state)
{
    (void)state;
    expect_failure(NULL, 0, "after the request was sent", KP_ERR_NO_ANSWER);
}

static void body_over_the_cap(void **state)
{
    const char *const sized[] = { "HTTP/1.1 200 OK\r\nContent-Length: 57\r\n\r\n" WAIT_BODY, NULL };
    const char *const chunked[] = { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    "39\r\n" WAIT_BODY "\r\n0\r\n\r\n", NULL };
    const char *const closed[] = { "HTTP/1.1 200 OK\r\n\r\n" WAIT_BODY, NULL };
    (void)state;
    expect_failure(sized, 40, "over 40 bytes", KP_ERR_TOO_LARGE);
    expect_failure(chunked, 40, "over 40 bytes", KP_ERR_TOO_LARGE);
    expect_failure(closed, 40, "over 40 bytes", KP_ERR_TOO_LARGE);
}

static void headers_without_end(void **state)
{
    static char long_header[20000];
    const char *const pieces[] = { "HTTP/1.1 200 OK\r\nX-Long: ", long_header, NULL };
    (void)state;
    memset(long_header, 'x', sizeof long_header - 1);
    expect_failure(pieces, 0, "too long", KP_ERR_NO_ANSWER);
}

static void bad_framing(void **state)
{
    const char *const two_lengths[] = { "HTTP/1.1 200 OK\r\nContent-Length: 57\r\n"
                                        "Content-Length: 58\r\n\r\n" WAIT_BODY, NULL };
    const char *const bad_chunk[] = { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                      "zz\r\n", NULL };
    const char *const gzip[] = { "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", NULL };
    (void)state;
    expect_failure(two_lengths, 0, "Content-Length", KP_ERR_NO_ANSWER);
    expect_failure(bad_chunk, 0, "chunk size", KP_ERR_NO_ANSWER);
    expect_failure(gzip, 0, "transfer encoding", KP_ERR_NO_ANSWER);
}

/* A port nothing listens on: bound for a moment, then let go. */
static int free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* Nothing listening: not one byte left, so a start is safe to retry. */
static void refused_is_unreachable(void **state)
{
    kp_terminal_options opt = { 0 };
    kp_terminal *t = NULL;
    kp_response resp;
    kp_error err = { 0 };
    char address[32];
    (void)state;

    snprintf(address, sizeof address, "127.0.0.1:%d", free_port());
    opt.address = address;
    assert_int_equal(kp_terminal_new(&opt, &t, &err), KP_OK);
    kp_response_init(&resp);
    assert_int_equal(kp_terminal_start_payment(t, 10, &resp, &err), KP_ERR_UNREACHABLE);
    assert_non_null(strstr(err.message, "cannot connect"));
    kp_response_clear(&resp);
    kp_terminal_free(t);
}

static void unresolvable_host_is_unreachable(void **state)
{
    kp_terminal_options opt = { 0 };
    kp_terminal *t = NULL;
    kp_response resp;
    kp_error err = { 0 };
    (void)state;

    opt.address = "no-such-terminal.invalid:8080";
    assert_int_equal(kp_terminal_new(&opt, &t, &err), KP_OK);
    kp_response_init(&resp);
    assert_int_equal(kp_terminal_start_payment(t, 10, &resp, &err), KP_ERR_UNREACHABLE);
    assert_non_null(strstr(err.message, "could not resolve"));
    kp_response_clear(&resp);
    kp_terminal_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_length_answer),
        cmocka_unit_test(chunked_answer_with_extensions_and_trailer),
        cmocka_unit_test(answer_ended_by_close),
        cmocka_unit_test(interim_answer_skipped_and_bytes_one_by_one),
        cmocka_unit_test(request_is_plain_http_with_encoded_id),
        cmocka_unit_test(not_http),
        cmocka_unit_test(body_cut_short),
        cmocka_unit_test(closed_before_any_answer),
        cmocka_unit_test(body_over_the_cap),
        cmocka_unit_test(headers_without_end),
        cmocka_unit_test(bad_framing),
        cmocka_unit_test(refused_is_unreachable),
        cmocka_unit_test(unresolvable_host_is_unreachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
