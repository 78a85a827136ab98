/*
 * fuzz_pdf.c: libFuzzer target for PDF receipts: any bytes loaded as a
 * cheque, turned into template data, expanded with the default templates,
 * laid out and rendered to PDF with the build's subset font.  The first byte
 * picks the paper (58 or 80 mm), the page (receipt, A4) and the language.
 * needs: src/receipt.c
 */
#include "config.h"
#include "fuzz_receipt.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fuzz_renderers renderers;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const profiles[] = { "80mm", "58mm" };
    static const char *const pages[] = { "receipt", "a4" };
    static const char *const languages[] = { "ru", "kk", "en" };
    size_t p, g, l;

    (void)argc;
    (void)argv;
    for (p = 0; p < 2; p++)
        for (g = 0; g < 2; g++)
            for (l = 0; l < 3; l++) {
                kp_receipt_options opt;

                kp_receipt_options_init(&opt);
                opt.format = KP_RECEIPT_FORMAT_PDF;
                opt.templates_dir = KP_FUZZ_TEMPLATES;
                opt.profiles_file = KP_FUZZ_PROFILES;
                opt.font = KP_FUZZ_FONT_DIR "/kaspi-receipt.ttf";
                opt.profile = profiles[p];
                opt.pdf_page = pages[g];
                opt.language = languages[l];
                fuzz_renderers_add(&renderers, &opt);
            }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_receipt_render(&renderers, data, size);
    return 0;
}
