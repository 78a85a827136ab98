/*
 * fuzz_layout.c: libFuzzer target for the ReceiptLine parser and the text
 * renderer.  The first byte picks the characters per line (16..96); the rest
 * is the markup, as a template could produce it.
 * needs: src/layout.c
 */
#include "config.h"
#include "kaspipos/layout.h"
#include "kaspipos/text.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kp_layout_options opt = { 48, "fuzz" };
    kp_layout *layout = NULL;
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };

    if (size < 1)
        return 0;
    opt.cpl = 16 + data[0] % 81;
    if (kp_layout_parse((const char *)data + 1, size - 1, &opt, &layout, &err) != KP_OK)
        return 0;
    (void)kp_text_render(layout, &out, &err);
    kp_buf_free(&out);
    kp_layout_free(layout);
    return 0;
}
