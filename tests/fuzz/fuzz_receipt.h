/*
 * fuzz_receipt.h: what fuzz_escpos.c and fuzz_pdf.c share: a set of receipt
 * renderers made once (profiles x languages, from the source tree's
 * templates and profiles), and one step that loads any bytes as a cheque and
 * renders it with the renderer the first byte picks.
 */
#ifndef FUZZ_RECEIPT_H
#define FUZZ_RECEIPT_H

#include "kaspipos/receipt.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_RENDERERS_MAX 16

typedef struct fuzz_renderers {
    kp_receipt_renderer *r[FUZZ_RENDERERS_MAX];
    int n;
} fuzz_renderers;

static void fuzz_renderers_add(fuzz_renderers *set, const kp_receipt_options *opt)
{
    kp_error err = { 0 };

    if (set->n == FUZZ_RENDERERS_MAX
        || kp_receipt_renderer_new(opt, &set->r[set->n], &err) != KP_OK) {
        fprintf(stderr, "fuzz: cannot make a receipt renderer: %s\n", err.message);
        abort();
    }
    set->n++;
}

/* Renders data[1..size) as a cheque with renderer data[0] % n. */
static void fuzz_receipt_render(fuzz_renderers *set, const uint8_t *data, size_t size)
{
    kp_receipt_document *doc = NULL;
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };

    if (size < 1)
        return;
    if (kp_receipt_document_load_buffer((const char *)data + 1, size - 1, "fuzz.json", &doc,
                                        &err) == KP_OK)
        (void)kp_receipt_renderer_render(set->r[data[0] % set->n], doc, &out, &err);
    kp_buf_free(&out);
    kp_receipt_document_free(doc);
}

#endif
