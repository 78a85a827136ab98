/* receipt_internal.h: what the receipt room's files share (not installed). */
#ifndef KP_RECEIPT_INTERNAL_H
#define KP_RECEIPT_INTERNAL_H

#include "kaspipos/receipt.h"
#include "kaspipos/template.h"

/* A slip's amount and its fields "terminal", "processId", "at" (borrowed;
 * NULL when absent or for a cheque). */
long long kp_receipt_document_slip_amount(const kp_receipt_document *doc);
const char *kp_receipt_document_slip_field(const kp_receipt_document *doc, const char *key);

/* What a document's template data is made from. */
typedef struct kp_receipt_source {
    const kp_cheque *cheque;            /* NULL: a slip */
    kp_receipt_kind kind;
    long long amount;
    const json_t *labels;               /* may be NULL */
    const json_t *response, *info, *add_info;   /* a cheque's */
    const char *method;                 /* a cheque's: "card", "qr" or NULL */
} kp_receipt_source;

void kp_receipt_source_init(kp_receipt_source *src, const kp_receipt_document *doc,
                            const json_t *labels);
/* One member of a cheque's data, the same as kp_receipt_data_build makes:
 * the index of receipt.NAME (envelope: of NAME at the root), -1 when there
 * is no such field, below KP_RECEIPT_FIELDS; and the field (new reference;
 * NULL: not in this cheque's data). */
#define KP_RECEIPT_FIELDS 32
int kp_receipt_field_index(bool envelope, const char *name, size_t len);
json_t *kp_receipt_field(const kp_receipt_source *src, bool envelope, int index);
/* A member of the response as data (new reference; itself when it is). */
json_t *kp_receipt_response_member(const json_t *member);
/* A member of an object member of the response (chequeInfo.NAME) as data:
 * what the member's own data (kp_receipt_response_member) holds under that
 * name, made alone (new reference; itself when it is data). */
json_t *kp_receipt_response_grandchild(const json_t *member);

/* The template data's branding object (new reference; NULL: no memory). */
json_t *kp_receipt_branding_json(const kp_receipt_branding *branding);
/* kp_receipt_data_build with the branding object made once by
 * kp_receipt_branding_json (shared, not copied: a logo is ~300 KB). */
kp_status kp_receipt_data_build_with(const kp_receipt_document *doc, const json_t *labels,
                                     const json_t *branding, json_t **out, kp_error *err);

/* Expands a receipt's template over a document's data computed as the
 * template asks for it (receipt_view.c): the same text as building the data
 * with kp_receipt_data_build_with and rendering it, at a fraction of the
 * cost.  Made once per renderer; one render at a time. */
typedef struct kp_receipt_expander kp_receipt_expander;

kp_status kp_receipt_expander_new(const json_t *labels, const json_t *branding,
                                  kp_receipt_expander **out, kp_error *err);
void kp_receipt_expander_free(kp_receipt_expander *x);
kp_status kp_receipt_expand(kp_receipt_expander *x, const kp_receipt_document *doc,
                            kp_template *t, kp_buf *out, kp_error *err);

#endif
