/*
 * fuzz_layout.c: libFuzzer target for the ReceiptLine parser and the
 * renderers that take any markup: the text renderer, and ESC/POS on a
 * printer profile (data/profiles.conf) with every option.  The first byte
 * picks the profile and options (and, for text, the characters per line,
 * 16..96); the rest is the markup, as a template could produce it.
 * needs: src/layout.c
 */
#include "config.h"
#include "kaspipos/escpos.h"
#include "kaspipos/layout.h"
#include "kaspipos/profile.h"
#include "kaspipos/text.h"

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
        fprintf(stderr, "fuzz_layout: %s\n", err.message);
        abort();
    }
    return 0;
}

static void render_text(const uint8_t *data, size_t size, int cpl)
{
    kp_layout_options opt = { 48, "fuzz" };
    kp_layout *layout = NULL;
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };

    opt.cpl = cpl;
    if (kp_layout_parse((const char *)data, size, &opt, &layout, &err) == KP_OK)
        (void)kp_text_render(layout, &out, &err);
    kp_buf_free(&out);
    kp_layout_free(layout);
}

static void render_escpos(const uint8_t *data, size_t size, uint8_t pick)
{
    kp_escpos_options eo = KP_ESCPOS_OPTIONS_DEFAULT;
    const kp_profile *profile = kp_profile_at(profiles, (pick >> 4) % kp_profile_count(profiles));
    kp_layout_options lo = { 48, "fuzz" };
    kp_layout *layout = NULL;
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };

    eo.cut = pick & 1;
    eo.drawer = pick & 2;
    eo.allow_commands = pick & 4;
    eo.raster_qr = pick & 8;
    lo.cpl = profile->chars_per_line;
    if (kp_layout_parse((const char *)data, size, &lo, &layout, &err) == KP_OK)
        (void)kp_escpos_render(layout, profile, &eo, &out, &err);
    kp_buf_free(&out);
    kp_layout_free(layout);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    render_text(data + 1, size - 1, 16 + data[0] % 81);
    render_escpos(data + 1, size - 1, data[0]);
    return 0;
}
