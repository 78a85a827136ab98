/* receipt_internal.h: what the receipt room's files share (not installed). */
#ifndef KP_RECEIPT_INTERNAL_H
#define KP_RECEIPT_INTERNAL_H

#include "kaspipos/receipt.h"

/* A slip's amount and its fields "terminal", "processId", "at" (borrowed;
 * NULL when absent or for a cheque). */
long long kp_receipt_document_slip_amount(const kp_receipt_document *doc);
const char *kp_receipt_document_slip_field(const kp_receipt_document *doc, const char *key);

#endif
