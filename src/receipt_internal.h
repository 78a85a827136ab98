/* receipt_internal.h: what the receipt room's files share (not installed). */
#ifndef KP_RECEIPT_INTERNAL_H
#define KP_RECEIPT_INTERNAL_H

#include "kaspipos/receipt.h"

/* A slip's amount and its fields "terminal", "processId", "at" (borrowed;
 * NULL when absent or for a cheque). */
long long kp_receipt_document_slip_amount(const kp_receipt_document *doc);
const char *kp_receipt_document_slip_field(const kp_receipt_document *doc, const char *key);

/* The template data's branding object (new reference; NULL: no memory). */
json_t *kp_receipt_branding_json(const kp_receipt_branding *branding);
/* kp_receipt_data_build with the branding object made once by
 * kp_receipt_branding_json (shared, not copied: a logo is ~300 KB). */
kp_status kp_receipt_data_build_with(const kp_receipt_document *doc, const json_t *labels,
                                     const json_t *branding, json_t **out, kp_error *err);

#endif
