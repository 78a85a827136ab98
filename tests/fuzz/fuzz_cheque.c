/*
 * fuzz_cheque.c: libFuzzer target for loading a saved cheque (an envelope or
 * a bare status response) from bytes, and reading every accessor of what
 * loaded, as the filters and `kaspi-pay reprint` do.
 */
#include "config.h"
#include "kaspipos/cheque.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t touch(const char *s)
{
    return s ? strlen(s) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kp_cheque *cheque = NULL;
    kp_error err = { 0 };
    volatile size_t sink = 0;

    if (kp_cheque_load_buffer((const char *)data, size, "fuzz.json", &cheque, &err) != KP_OK)
        return 0;
    sink += kp_cheque_is_envelope(cheque);
    sink += touch(kp_cheque_operation(cheque));
    sink += (size_t)kp_cheque_amount(cheque);
    sink += touch(kp_cheque_terminal(cheque));
    sink += touch(kp_cheque_process_id(cheque));
    sink += touch(kp_cheque_transaction_id(cheque));
    sink += touch(kp_cheque_saved_at(cheque));
    sink += touch(kp_cheque_api(cheque));
    sink += kp_cheque_response(cheque) != NULL;
    sink += kp_cheque_json(cheque) != NULL;
    (void)sink;
    kp_cheque_free(cheque);
    return 0;
}
