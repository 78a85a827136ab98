/*
 * fuzz_http.c: libFuzzer target for v1's HTTP answer reader
 * (src/terminal_http.c): the input is every byte a device on the LAN
 * sends back after the request, read through a real socket pair.
 */
#include "config.h"
#include "terminal_internal.h"

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kp_http_request req = { "127.0.0.1", 8080, "127.0.0.1:8080", "/status?processId=1",
                            1000, 1000, 4096 };
    kp_buf body = KP_BUF_INIT;
    kp_error err = { 0 };
    int fds[2], sndbuf = 1 << 20;
    long http = 0;

    if (size > 65536 || socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
        return 0;
    setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    if (size == 0 || write(fds[1], data, size) == (ssize_t)size) {
        shutdown(fds[1], SHUT_WR);
        (void)kp_http_read_answer(fds[0], &req, &body, &http, &err);
    }
    close(fds[0]);
    close(fds[1]);
    kp_buf_free(&body);
    return 0;
}
