/*
 * cheque.h: saved cheques, the one input of every receipt.
 *
 * A saved cheque is the JSON envelope
 *   {"kaspiCheque": 1, "operation": "payment"|"refund", "amount": N,
 *    "terminal": "HOST:PORT", "processId": "...", "savedAt": "ISO-8601",
 *    ["api": "v2",] "response": {the terminal's status response, verbatim}}
 * (for v2, "response" is the "data" object of the status reply).  Everything
 * that reads a cheque also accepts a bare status response (an object with
 * "chequeInfo"; a whole v2 reply {"statusCode", "data": {...}} too).  Unknown
 * fields are kept.  Files are bounded (KP_CHEQUE_FILE_MAX), read without
 * following symlinks, and written atomically with mode 0600.
 *
 * Only approved operations make cheques: a response whose "status" is
 * present and not "success" is refused, on saving and on loading.
 */
#ifndef KASPIPOS_CHEQUE_H
#define KASPIPOS_CHEQUE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "kaspipos/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KP_CHEQUE_FILE_MAX (1024u * 1024u)
#define KP_CHEQUE_VERSION 1

typedef struct kp_cheque kp_cheque;

/* What a cheque is made of (strings borrowed for the call). */
typedef struct kp_cheque_fields {
    const char *operation;     /* "payment" | "refund" */
    long long amount;          /* the amount of record, 1..999999999 */
    const char *terminal;      /* "HOST:PORT" */
    const char *process_id;
    const char *api;           /* NULL or "v1": not recorded; "v2": "api": "v2" */
    const json_t *response;    /* the status response (v2: its "data"); copied */
} kp_cheque_fields;

/* The envelope as JSON (new reference), stamped with savedAt = now. */
kp_status kp_cheque_build(const kp_cheque_fields *fields, json_t **out, kp_error *err);

/* Saves the envelope under DIR/cheques/ (created 0700) as
 * "YYYYMMDDTHHMMSSZ-TRANSACTIONID.json" (processId when there is no
 * transactionId; "-2", "-3"... when the name is taken) and returns the
 * path (free() it). */
kp_status kp_cheque_save(const char *journal_dir, const kp_cheque_fields *fields,
                         char **path_out, kp_error *err);
/* Saves the envelope at exactly this path (replacing it). */
kp_status kp_cheque_save_to(const char *path, const kp_cheque_fields *fields, kp_error *err);

/* Loads either form.  name (may be NULL) names the source in messages.
 * KP_ERR_MALFORMED: not JSON (with line and column), JSON but not a
 * cheque, a kaspiCheque version other than 1, a status other than success;
 * KP_ERR_TOO_LARGE over KP_CHEQUE_FILE_MAX. */
kp_status kp_cheque_load_file(const char *path, kp_cheque **out, kp_error *err);
kp_status kp_cheque_load_buffer(const char *buf, size_t len, const char *name,
                                kp_cheque **out, kp_error *err);
/* Same checks on a parsed document (copied). */
kp_status kp_cheque_from_json(const json_t *json, const char *name,
                              kp_cheque **out, kp_error *err);
void kp_cheque_free(kp_cheque *cheque);

/* ---- accessors (strings borrowed from the cheque, NULL when absent) ---- */

bool kp_cheque_is_envelope(const kp_cheque *cheque);
const char *kp_cheque_operation(const kp_cheque *cheque);      /* payment|refund */
/* The envelope's amount, or for a bare response the whole tenge parsed from
 * chequeInfo.amount ("1 500 ₸" -> 1500, "- 10 ₸" -> 10); 0 when unknown. */
long long kp_cheque_amount(const kp_cheque *cheque);
const char *kp_cheque_terminal(const kp_cheque *cheque);
const char *kp_cheque_process_id(const kp_cheque *cheque);
const char *kp_cheque_transaction_id(const kp_cheque *cheque);
const char *kp_cheque_saved_at(const kp_cheque *cheque);
const char *kp_cheque_api(const kp_cheque *cheque);            /* "v1" or "v2" */
/* The terminal's response (with chequeInfo) and the whole document;
 * borrowed, valid until kp_cheque_free. */
const json_t *kp_cheque_response(const kp_cheque *cheque);
const json_t *kp_cheque_json(const kp_cheque *cheque);

/* Whole tenge in a display amount such as "1 500 ₸"; 0 when none. */
long long kp_cheque_parse_display_amount(const char *text);

#ifdef __cplusplus
}
#endif
#endif
