/* test_pdf_sample.c: (a helper, not a test) writes the PDF of a hand-built sample receipt, for the
 * shell tests that check it with poppler and qpdf; with --bench N, renders it
 * N times with one renderer and prints the milliseconds per receipt.
 *   test_pdf_sample OUT.pdf WIDTH_MM receipt|a4|a5 FONT [BOLD_FONT|""]
 *   test_pdf_sample --bench N WIDTH_MM FONT [BOLD_FONT|""] */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kaspipos/pdf.h"
#include "pdf_sample.h"

static int usage(void)
{
    fprintf(stderr, "usage: test_pdf_sample OUT.pdf 58|80 receipt|a4|a5 FONT [BOLD_FONT]\n"
                    "       test_pdf_sample --bench N 58|80 FONT [BOLD_FONT]\n");
    return 2;
}

static int bench(int n, kp_pdf_options *opt)
{
    kp_pdf_renderer *r;
    kp_error err;
    kp_layout *l = pdf_sample_layout(opt->paper_mm == 58 ? 32 : 48);
    kp_buf out = KP_BUF_INIT;
    struct timespec t0, t1;

    if (kp_pdf_renderer_new(opt, &r, &err) != KP_OK) {
        fprintf(stderr, "test_pdf_sample: %s\n", err.message);
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < n; i++) {
        kp_buf_reset(&out);
        if (kp_pdf_renderer_render(r, l, NULL, 0, &out, &err) != KP_OK) {
            fprintf(stderr, "test_pdf_sample: %s\n", err.message);
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = ((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6) / n;
    printf("%.3f ms per receipt, %zu bytes\n", ms, out.len);
    kp_buf_free(&out);
    kp_pdf_renderer_free(r);
    pdf_sample_free(l);
    return 0;
}

int main(int argc, char **argv)
{
    kp_pdf_options opt;
    kp_error err;
    kp_buf out = KP_BUF_INIT;

    kp_pdf_options_init(&opt);
    if (argc >= 5 && strcmp(argv[1], "--bench") == 0) {
        opt.paper_mm = atoi(argv[3]);
        opt.font_path = argv[4];
        opt.bold_font_path = argc > 5 ? argv[5] : NULL;
        return bench(atoi(argv[2]) > 0 ? atoi(argv[2]) : 1, &opt);
    }
    if (argc < 5)
        return usage();
    opt.paper_mm = atoi(argv[2]);
    opt.page = strcmp(argv[3], "a4") == 0   ? KP_PDF_PAGE_A4
               : strcmp(argv[3], "a5") == 0 ? KP_PDF_PAGE_A5
                                            : KP_PDF_PAGE_RECEIPT;
    opt.font_path = argv[4];
    opt.bold_font_path = argc > 5 ? argv[5] : NULL;
    opt.title = "Kaspi cheque 000123456789 (чек)";
    opt.created = 1735689600;   /* 2025-01-01 00:00:00 UTC */
    kp_layout *l = pdf_sample_layout(opt.paper_mm == 58 ? 32 : 48);
    if (kp_pdf_render(l, &opt, &out, &err) != KP_OK) {
        fprintf(stderr, "test_pdf_sample: %s\n", err.message);
        return 1;
    }
    pdf_sample_free(l);
    FILE *f = fopen(argv[1], "wb");
    if (!f || fwrite(out.data, 1, out.len, f) != out.len || fclose(f) != 0) {
        perror(argv[1]);
        return 1;
    }
    kp_buf_free(&out);
    return 0;
}
