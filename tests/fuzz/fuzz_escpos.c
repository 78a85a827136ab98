/*
 * fuzz_escpos.c: libFuzzer target for printing a cheque on an ESC/POS
 * printer: any bytes loaded as a cheque (an envelope or a bare response, as
 * `lp cheque.json` can send), turned into template data, expanded with the
 * default templates, laid out and rendered to ESC/POS.  The first byte picks
 * the printer profile, the language and the options.
 * needs: src/receipt.c
 */
#include "config.h"
#include "fuzz_receipt.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fuzz_renderers renderers;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const profiles[] = { "80mm", "58mm", "epson-wpc1251-80", "xprinter-58" };
    static const char *const languages[] = { "ru", "kk", "en" };
    size_t p, l;

    (void)argc;
    (void)argv;
    for (p = 0; p < sizeof profiles / sizeof profiles[0]; p++)
        for (l = 0; l < sizeof languages / sizeof languages[0]; l++) {
            kp_receipt_options opt;

            kp_receipt_options_init(&opt);
            opt.format = KP_RECEIPT_FORMAT_ESCPOS;
            opt.templates_dir = KP_FUZZ_TEMPLATES;
            opt.profiles_file = KP_FUZZ_PROFILES;
            opt.profile = profiles[p];
            opt.language = languages[l];
            opt.drawer = (int)(p & 1);
            opt.cut = (int)(l != 2);
            fuzz_renderers_add(&renderers, &opt);
        }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_receipt_render(&renderers, data, size);
    return 0;
}
