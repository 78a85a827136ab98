/*
 * receipt_deliver.c: a rendered receipt to where it was asked for: a file,
 * written atomically, or a CUPS queue through the print room.
 */
#include "config.h"
#include "kaspipos/receipt.h"
#include "kaspipos/journal.h"
#include "kaspipos/print.h"

#include <stdio.h>
#include <string.h>

static kp_status check_target(const kp_receipt_target *target, kp_error *err)
{
    bool output = target && target->output && *target->output;
    bool printer = target && target->printer && *target->printer;

    if (output == printer)
        return kp_error_set(err, KP_ERR_USAGE, output ? "give either a printer or an output file, "
                            "not both" : "where should the receipt go? give a printer or an "
                            "output file");
    return KP_OK;
}

static kp_status submit(const kp_receipt_target *target, kp_receipt_format format,
                        const kp_receipt_document *doc, const kp_buf *bytes, int *job_id,
                        kp_error *err)
{
    kp_print_request req = { 0 };
    const char *id = kp_receipt_document_id(doc);
    char title[160];

    snprintf(title, sizeof title, "Kaspi cheque %.120s", id ? id : "");
    req.queue = target->printer;
    req.server = target->server;
    req.title = target->title ? target->title : title;
    req.format = kp_receipt_format_mime(format);
    return kp_print_submit(&req, bytes->data, bytes->len, job_id, err);
}

kp_status kp_receipt_deliver_with(kp_receipt_renderer *r, const kp_receipt_document *doc,
                                  const kp_receipt_target *target, int *job_id, kp_error *err)
{
    kp_buf bytes = KP_BUF_INIT;
    kp_status st;

    if (job_id)
        *job_id = 0;
    st = check_target(target, err);
    if (st == KP_OK)
        st = kp_receipt_renderer_render(r, doc, &bytes, err);
    if (st == KP_OK && target->output && *target->output) {
        st = kp_journal_write_file(target->output, bytes.data ? bytes.data : "", bytes.len,
                                   false, err);
        if (st != KP_OK)
            kp_error_prefix(err, "the receipt could not be written");
    } else if (st == KP_OK) {
        st = submit(target, kp_receipt_renderer_format(r), doc, &bytes, job_id, err);
    }
    kp_buf_free(&bytes);
    return st;
}

kp_status kp_receipt_deliver(const kp_receipt_document *doc, const kp_receipt_options *opt,
                             const kp_receipt_target *target, int *job_id, kp_error *err)
{
    kp_receipt_options resolved;
    kp_receipt_renderer *r;
    kp_status st;

    if (job_id)
        *job_id = 0;
    st = check_target(target, err);
    if (st != KP_OK)
        return st;
    if (opt)
        resolved = *opt;
    else
        kp_receipt_options_init(&resolved);
    if (resolved.format == KP_RECEIPT_FORMAT_AUTO)
        resolved.format = target->output && *target->output
                              ? kp_receipt_format_for_path(target->output)
                              : KP_RECEIPT_FORMAT_ESCPOS;
    st = kp_receipt_renderer_new(&resolved, &r, err);
    if (st != KP_OK)
        return st;
    st = kp_receipt_deliver_with(r, doc, target, job_id, err);
    kp_receipt_renderer_free(r);
    return st;
}
