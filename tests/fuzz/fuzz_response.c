/*
 * fuzz_response.c: libFuzzer target for the terminal's response parser.
 * The first byte picks the HTTP status the body came with; the rest is the
 * body, exactly as a terminal on the LAN could send it (see SECURITY.md).
 */
#include "config.h"
#include "kaspipos/terminal.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long http_statuses[] = { 200, 200, 200, 400, 401, 404, 409, 500, 503, 0 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kp_response resp;
    kp_error err = { 0 };
    long http_status = 200;

    if (size > 0) {
        http_status = http_statuses[data[0] % (sizeof http_statuses / sizeof http_statuses[0])];
        data++;
        size--;
    }
    kp_response_init(&resp);
    (void)kp_response_parse(http_status, (const char *)data, size, &resp, &err);
    kp_response_clear(&resp);
    return 0;
}
