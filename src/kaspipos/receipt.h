/*
 * receipt.h: the receipt room: from a saved cheque to delivered bytes.
 *
 *   cheque (or a "payment declined" slip)
 *     -> template data (kp_receipt_data_build: the document's fields, plus
 *        derived fields computed once here, labels in the chosen language,
 *        the store's branding)
 *     -> the template (Mustache over ReceiptLine markup, kaspipos/template.h)
 *     -> the layout (kaspipos/layout.h) for the profile's characters per line
 *     -> ESC/POS, PDF or text bytes
 *     -> a file (atomically) or a CUPS queue (kp_receipt_deliver).
 *
 * A reprint is the same code path as the first print.  A kp_receipt_renderer
 * keeps everything that does not change between receipts (profile, labels,
 * logo, compiled templates, the ESC/POS and PDF renderers), so a program that
 * prints many receipts reads its files once.
 *
 * The template data (see templates/README.md for the full list):
 *   operation, amount, terminal, processId, savedAt, api   the envelope
 *   response.*          the terminal's response; every scalar is a string
 *                       (numbers in decimal, booleans "true"/"false"), each
 *                       string cut to KP_RECEIPT_FIELD_MAX bytes
 *   receipt.*           derived: kind, title, isRefund, isDeclined, amount
 *                       ("1 500 ₸"), method, methodLabel, isQr, isCard,
 *                       product, loan {term, termText}, offer {name}, date,
 *                       transactionId, qrData, status
 *   labels.*            wording in the chosen language (TEMPLATES/lang/LL.json)
 *   branding.*          logo (PNG as base64), header, footer
 *
 * Templates are found by NAME in the templates directory (opt->templates_dir,
 * else $KASPI_TEMPLATES_DIR, else KP_PKGDATADIR "/templates") as
 * DIR/NAME.receipt, partials in DIR/partials/NAME.mustache and labels in
 * DIR/lang/LANGUAGE.json.  A template given with a '/' or ending in
 * ".receipt" is a FILE.  Without one, the name is KIND-WIDTH: payment-80,
 * refund-58, declined-80 ... (58 when the profile prints at most 32
 * characters per line, else 80).
 */
#ifndef KASPIPOS_RECEIPT_H
#define KASPIPOS_RECEIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "kaspipos/buf.h"
#include "kaspipos/cheque.h"
#include "kaspipos/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KP_RECEIPT_FIELD_MAX 1024          /* bytes of one string of the data */
#define KP_RECEIPT_LOGO_MAX (256u * 1024u) /* bytes of the logo PNG */
#define KP_RECEIPT_LABELS_MAX (64u * 1024u)/* bytes of a labels file */
#define KP_RECEIPT_SLIP_MAX (64u * 1024u)  /* bytes of a slip document */

typedef enum kp_receipt_format {
    KP_RECEIPT_FORMAT_AUTO = 0,   /* from the output file's name, else escpos */
    KP_RECEIPT_FORMAT_ESCPOS,
    KP_RECEIPT_FORMAT_PDF,
    KP_RECEIPT_FORMAT_TEXT
} kp_receipt_format;

/* "escpos" | "pdf" | "text" (NULL or "" : AUTO); KP_ERR_USAGE otherwise. */
kp_status kp_receipt_format_parse(const char *name, kp_receipt_format *out, kp_error *err);
/* A file name's format: ".pdf" pdf, ".txt" text, else escpos (case-insensitive). */
kp_receipt_format kp_receipt_format_for_path(const char *path);
const char *kp_receipt_format_name(kp_receipt_format format);      /* "escpos" ... */
const char *kp_receipt_format_mime(kp_receipt_format format);      /* for CUPS */

/* Everything optional: NULL / 0 / -1 mean the default. */
typedef struct kp_receipt_options {
    kp_receipt_format format;     /* AUTO: escpos (kp_receipt_deliver: from the file) */
    const char *template_name;    /* NAME or FILE; NULL: KIND-WIDTH */
    const char *templates_dir;    /* NULL: $KASPI_TEMPLATES_DIR, else installed */
    const char *language;         /* ru (default), kk, en, or any DIR/lang/LL.json */
    const char *profile;          /* printer profile; NULL: 80mm */
    const char *profiles_file;    /* NULL: $KASPI_PROFILES, else installed */
    int cpl;                      /* 0: the profile's characters per line */
    const char *code_page;        /* override the profile's (CP866, RK1048, ...) */
    int code_page_select;         /* n of ESC t n for code_page; -1: known default */
    int cut;                      /* -1 default (yes), 0 no (also drops `=` cuts), 1 yes */
    int drawer;                   /* -1 default (no), 0 no, 1 open the cash drawer */
    const char *tenge_fallback;   /* ESC/POS: printed for ₸; NULL: the profile's */
    const char *font;             /* PDF: TrueType font file; NULL: installed */
    const char *pdf_page;         /* PDF: receipt (default), a4, a5 */
    const char *logo;             /* PNG file for branding.logo */
    const char *header;           /* branding.header */
    const char *footer;           /* branding.footer */
} kp_receipt_options;

/* All defaults (cut and drawer -1, code_page_select -1). */
void kp_receipt_options_init(kp_receipt_options *opt);

/* ---- documents: what a receipt is printed from ---- */

typedef enum kp_receipt_kind {
    KP_RECEIPT_PAYMENT = 0,
    KP_RECEIPT_REFUND,
    KP_RECEIPT_DECLINED           /* a "payment declined" slip */
} kp_receipt_kind;

const char *kp_receipt_kind_name(kp_receipt_kind kind);  /* payment|refund|declined */

/* A cheque, or a slip {"kaspiSlip": 1, "kind": "declined", "amount": N,
 * "terminal": "...", "processId": "...", "at": "ISO-8601"}. */
typedef struct kp_receipt_document kp_receipt_document;

/* Loads either (a cheque with kp_cheque_load_buffer's checks and messages).
 * KP_ERR_MALFORMED names what is wrong, KP_ERR_TOO_LARGE over the bound. */
kp_status kp_receipt_document_load_buffer(const char *buf, size_t len, const char *name,
                                          kp_receipt_document **out, kp_error *err);
kp_status kp_receipt_document_load_file(const char *path, kp_receipt_document **out,
                                        kp_error *err);
/* Wraps a cheque (copied). */
kp_status kp_receipt_document_from_cheque(const kp_cheque *cheque, kp_receipt_document **out,
                                          kp_error *err);
void kp_receipt_document_free(kp_receipt_document *doc);
kp_receipt_kind kp_receipt_document_kind(const kp_receipt_document *doc);
/* The cheque, or NULL for a slip (borrowed). */
const kp_cheque *kp_receipt_document_cheque(const kp_receipt_document *doc);
/* The transaction id (cheque) or process id (slip); may be NULL. */
const char *kp_receipt_document_id(const kp_receipt_document *doc);

/* The slip document for a declined payment (new reference), stamped now
 * when at is NULL.  For the backend, which the filters then render. */
json_t *kp_receipt_slip_declined(long long amount, const char *terminal,
                                 const char *process_id, const char *at);

/* ---- template data ---- */

typedef struct kp_receipt_branding {
    const char *logo_base64;      /* NULL: none */
    const char *header;
    const char *footer;
} kp_receipt_branding;

/* Loads TEMPLATES_DIR/lang/LANGUAGE.json (an object of strings); the
 * language must be 2-8 letters, digits, '_' or '-'. */
kp_status kp_receipt_labels_load(const char *templates_dir, const char *language,
                                 json_t **out, kp_error *err);
/* Reads a PNG file (checked signature, at most KP_RECEIPT_LOGO_MAX) as base64. */
kp_status kp_receipt_logo_load(const char *path, char **base64_out, kp_error *err);
/* The template data of a document (new reference).  labels may be NULL. */
kp_status kp_receipt_data_build(const kp_receipt_document *doc, const json_t *labels,
                                const kp_receipt_branding *branding, json_t **out,
                                kp_error *err);
/* "1 500 ₸" into out (at least 40 bytes). */
void kp_receipt_format_amount(long long amount, char *out, size_t size);

/* The templates directory the options mean (borrowed from opt or the
 * environment, or the installed one). */
const char *kp_receipt_templates_dir(const kp_receipt_options *opt);

/* ---- rendering ---- */

typedef struct kp_receipt_renderer kp_receipt_renderer;

/* Checks the options and loads the profile, labels and logo once.
 * KP_ERR_USAGE for bad options, KP_ERR_SETUP for files that are missing or
 * wrong (profile, labels, logo, font), with a message for the admin. */
kp_status kp_receipt_renderer_new(const kp_receipt_options *opt, kp_receipt_renderer **out,
                                  kp_error *err);
/* Appends one receipt to out.  Templates are compiled on first use. */
kp_status kp_receipt_renderer_render(kp_receipt_renderer *r, const kp_receipt_document *doc,
                                     kp_buf *out, kp_error *err);
/* The format the renderer produces (AUTO resolved to escpos). */
kp_receipt_format kp_receipt_renderer_format(const kp_receipt_renderer *r);
/* The characters per line it lays out for. */
int kp_receipt_renderer_cpl(const kp_receipt_renderer *r);
void kp_receipt_renderer_free(kp_receipt_renderer *r);

/* One-shot: renderer_new + render + free for a cheque. */
kp_status kp_receipt_render(const kp_cheque *cheque, const kp_receipt_options *opt,
                            kp_buf *out, kp_error *err);

/* ---- delivery ---- */

typedef struct kp_receipt_target {
    const char *output;           /* write here (atomically, 0600) ... */
    const char *printer;          /* ... or submit to this CUPS queue */
    const char *server;           /* CUPS server; NULL: the default */
    const char *title;            /* job title; NULL: "Kaspi cheque <transactionId>" */
} kp_receipt_target;

/* Renders doc with opt (format AUTO: from target->output's name, escpos for a
 * queue) and delivers it.  *job_id (may be NULL) is the CUPS job id, 0 for a
 * file.  KP_ERR_PRINT (or the print room's status) when not delivered;
 * KP_ERR_USAGE with neither or both of output and printer. */
kp_status kp_receipt_deliver(const kp_receipt_document *doc, const kp_receipt_options *opt,
                             const kp_receipt_target *target, int *job_id, kp_error *err);
/* The same with a renderer made for the target's format. */
kp_status kp_receipt_deliver_with(kp_receipt_renderer *r, const kp_receipt_document *doc,
                                  const kp_receipt_target *target, int *job_id, kp_error *err);

#ifdef __cplusplus
}
#endif
#endif
