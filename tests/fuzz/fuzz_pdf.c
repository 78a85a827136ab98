/*
 * fuzz_pdf.c: libFuzzer target for the PDF renderer.  The first byte picks
 * the paper (58 or 80 mm) and the page (receipt, A4, A5); the rest is
 * ReceiptLine markup, laid out for the paper's width and rendered with the
 * build's subset font.
 * needs: src/layout.c
 */
#include "config.h"
#include "kaspipos/layout.h"
#include "kaspipos/pdf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kp_pdf_renderer *renderers[2][3];   /* [58 mm, 80 mm][page] */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    kp_error err = { 0 };
    int paper, page;

    (void)argc;
    (void)argv;
    for (paper = 0; paper < 2; paper++)
        for (page = 0; page < 3; page++) {
            kp_pdf_options opt;

            kp_pdf_options_init(&opt);
            opt.paper_mm = paper ? 80 : 58;
            opt.page = (kp_pdf_page)page;
            opt.font_path = KP_FUZZ_FONT_DIR "/kaspi-receipt.ttf";
            if (kp_pdf_renderer_new(&opt, &renderers[paper][page], &err) != KP_OK) {
                fprintf(stderr, "fuzz_pdf: %s\n", err.message);
                abort();
            }
        }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kp_layout_options lo = { 48, "fuzz" };
    kp_layout *layout = NULL;
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };
    int paper, page;

    if (size < 1)
        return 0;
    paper = data[0] & 1;
    page = (data[0] >> 1) % 3;
    lo.cpl = paper ? 48 : 32;
    if (kp_layout_parse((const char *)data + 1, size - 1, &lo, &layout, &err) == KP_OK)
        (void)kp_pdf_renderer_render(renderers[paper][page], layout, "fuzz", 0, &out, &err);
    kp_buf_free(&out);
    kp_layout_free(layout);
    return 0;
}
