/*
 * fuzz_response.c: libFuzzer target for the terminal's response parsers.
 * The first byte picks the HTTP status the body came with (low bits), the
 * API (0x80: v2's {statusCode, data, errorText} envelope) and whether the
 * body is also read as a v2 expiration date (0x40); the rest is the body,
 * exactly as a device on the LAN could send it (see SECURITY.md).
 */
#include "config.h"
#include "kaspipos/terminal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long http_statuses[] = { 200, 200, 200, 400, 401, 403, 404, 409, 500, 503, 0 };

static void parse_expiration(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    time_t when;
    kp_error err = { 0 };

    if (!text)
        return;
    memcpy(text, data, size);
    text[size] = '\0';
    (void)kp_v2_expiration_parse(text, &when, &err);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kp_response resp;
    kp_error err = { 0 };
    long http_status = 200;
    uint8_t pick = 0;

    if (size > 0) {
        pick = data[0];
        http_status = http_statuses[(pick & 0x3f) % (sizeof http_statuses / sizeof http_statuses[0])];
        data++;
        size--;
    }
    kp_response_init(&resp);
    if (((pick & 0x80) ? kp_response_parse_v2 : kp_response_parse)(http_status, (const char *)data,
                                                                  size, &resp, &err) == KP_OK)
        (void)kp_response_check_operation(&resp, &err);
    kp_response_clear(&resp);
    if (pick & 0x40)
        parse_expiration(data, size);
    return 0;
}
