/*
 * kp-render-text: prints a ReceiptLine document as text, for the agreement
 * test against ReceiptLine and for looking at templates by hand.
 *     kp-render-text [--no-markers] FILE|- CPL
 * --no-markers leaves out the [CUT] [QR: ] [BARCODE: ] [IMAGE] lines, which
 * ReceiptLine's own text target does not print.
 */
#include "config.h"
#include "kaspipos/buf.h"
#include "kaspipos/layout.h"
#include "kaspipos/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_all(const char *path, kp_buf *in)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    char chunk[65536];
    size_t n;

    if (!f) {
        perror(path);
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (kp_buf_append(in, chunk, n) != KP_OK) {
            fprintf(stderr, "%s: too large\n", path);
            return -1;
        }
    }
    if (f != stdin)
        fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    bool markers = true;
    kp_buf in, out = KP_BUF_INIT;
    kp_layout_options opt;
    kp_layout *lay;
    kp_error err;
    int rc = 1;

    if (argc > 1 && !strcmp(argv[1], "--no-markers")) {
        markers = false;
        argv++;
        argc--;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: kp-render-text [--no-markers] FILE|- CPL\n");
        return 2;
    }
    kp_buf_init(&in, 2 * 1024 * 1024);
    if (read_all(argv[1], &in) != 0)
        return 1;
    opt.cpl = atoi(argv[2]);
    opt.source = argv[1];
    if (kp_layout_parse(in.data, in.len, &opt, &lay, &err) != KP_OK) {
        fprintf(stderr, "%s\n", err.message);
        kp_buf_free(&in);
        return 1;
    }
    if (!markers) {
        size_t keep = 0;
        for (size_t i = 0; i < lay->n_rows; i++)
            if (lay->rows[i].kind == KP_ROW_TEXT || lay->rows[i].kind == KP_ROW_RULE)
                lay->rows[keep++] = lay->rows[i];
        lay->n_rows = keep;
    }
    if (kp_text_render(lay, &out, &err) == KP_OK && fwrite(out.data ? out.data : "", 1, out.len, stdout) == out.len)
        rc = 0;
    else
        fprintf(stderr, "%s\n", err.message);
    kp_layout_free(lay);
    kp_buf_free(&in);
    kp_buf_free(&out);
    return rc;
}
