/*
 * fuzz_escpos.c: libFuzzer target for the ESC/POS renderer.  The first byte
 * picks a printer profile from data/profiles.conf and the options (cut,
 * drawer, raw commands, raster QR); the rest is ReceiptLine markup, laid out
 * for the profile's width and rendered.
 * needs: src/layout.c
 */
#include "config.h"
#include "kaspipos/escpos.h"
#include "kaspipos/layout.h"
#include "kaspipos/profile.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kp_profile_set *profiles;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    kp_error err = { 0 };

    (void)argc;
    (void)argv;
    if (kp_profile_load(KP_FUZZ_PROFILES, &profiles, &err) != KP_OK) {
        fprintf(stderr, "fuzz_escpos: %s\n", err.message);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kp_escpos_options eo = KP_ESCPOS_OPTIONS_DEFAULT;
    const kp_profile *profile;
    kp_layout_options lo = { 48, "fuzz" };
    kp_layout *layout = NULL;
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };

    if (size < 1)
        return 0;
    profile = kp_profile_at(profiles, (data[0] >> 4) % kp_profile_count(profiles));
    eo.cut = data[0] & 1;
    eo.drawer = data[0] & 2;
    eo.allow_commands = data[0] & 4;
    eo.raster_qr = data[0] & 8;
    lo.cpl = profile->chars_per_line;
    if (kp_layout_parse((const char *)data + 1, size - 1, &lo, &layout, &err) == KP_OK)
        (void)kp_escpos_render(layout, profile, &eo, &out, &err);
    kp_buf_free(&out);
    kp_layout_free(layout);
    return 0;
}
