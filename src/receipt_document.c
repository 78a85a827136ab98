/*
 * receipt_document.c: what a receipt is printed from (see kaspipos/receipt.h):
 * a saved cheque, or a "payment declined" slip that the CUPS backend sends
 * to its queue.  Loading checks the slip as strictly as the cheque room
 * checks a cheque.
 */
#include "config.h"
#include "kaspipos/receipt.h"
#include "kaspipos/journal.h"
#include "receipt_internal.h"

#include <stdlib.h>
#include <string.h>

struct kp_receipt_document {
    kp_receipt_kind kind;
    kp_cheque *cheque;          /* NULL for a slip */
    long long amount;           /* slip */
    char *terminal, *process_id, *at;
};

const char *kp_receipt_kind_name(kp_receipt_kind kind)
{
    switch (kind) {
    case KP_RECEIPT_REFUND: return "refund";
    case KP_RECEIPT_DECLINED: return "declined";
    default: return "payment";
    }
}

static const char *source(const char *name)
{
    return name ? name : "the document";
}

/* A slip's optional string (or whole number, for processId) field. */
static kp_status slip_text(const json_t *slip, const char *key, const char *name, char **out,
                           kp_error *err)
{
    const json_t *v = json_object_get(slip, key);
    char num[32];

    *out = NULL;
    if (!v || json_is_null(v))
        return KP_OK;
    if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        *out = strdup(num);
    } else if (json_is_string(v) && json_string_length(v) <= KP_RECEIPT_FIELD_MAX &&
               strlen(json_string_value(v)) == json_string_length(v)) {
        *out = strdup(json_string_value(v));
    } else {
        return kp_error_set(err, KP_ERR_MALFORMED, "%s: \"%s\" of the slip must be a string of at "
                            "most %u bytes", source(name), key, KP_RECEIPT_FIELD_MAX);
    }
    return *out ? KP_OK : kp_error_set(err, KP_ERR_NOMEM, "out of memory");
}

static kp_status slip_from_json(const json_t *json, const char *name, kp_receipt_document *doc,
                                kp_error *err)
{
    const json_t *version = json_object_get(json, "kaspiSlip");
    const json_t *kind = json_object_get(json, "kind");
    const json_t *amount = json_object_get(json, "amount");

    if (!json_is_integer(version) || json_integer_value(version) != 1)
        return kp_error_set(err, KP_ERR_MALFORMED, "%s: a slip of a version this program does not "
                            "know (\"kaspiSlip\" must be 1)", source(name));
    if (!json_is_string(kind) || strcmp(json_string_value(kind), "declined") != 0)
        return kp_error_set(err, KP_ERR_MALFORMED, "%s: the slip's \"kind\" must be \"declined\"",
                            source(name));
    if (!json_is_integer(amount) || json_integer_value(amount) < 1 ||
        json_integer_value(amount) > 999999999)
        return kp_error_set(err, KP_ERR_MALFORMED, "%s: the slip's \"amount\" must be a whole "
                            "number of tenge from 1 to 999999999", source(name));
    doc->kind = KP_RECEIPT_DECLINED;
    doc->amount = json_integer_value(amount);
    if (slip_text(json, "terminal", name, &doc->terminal, err) != KP_OK ||
        slip_text(json, "processId", name, &doc->process_id, err) != KP_OK ||
        slip_text(json, "at", name, &doc->at, err) != KP_OK)
        return err ? err->status : KP_ERR_MALFORMED;
    return KP_OK;
}

static kp_status adopt_cheque(kp_receipt_document *doc, kp_cheque *cheque)
{
    const char *op = kp_cheque_operation(cheque);

    doc->cheque = cheque;
    doc->kind = op && strcmp(op, "refund") == 0 ? KP_RECEIPT_REFUND : KP_RECEIPT_PAYMENT;
    return KP_OK;
}

kp_status kp_receipt_document_load_buffer(const char *buf, size_t len, const char *name,
                                          kp_receipt_document **out, kp_error *err)
{
    kp_receipt_document *doc;
    kp_cheque *cheque = NULL;
    json_t *json;
    kp_status st;

    *out = NULL;
    if (len > KP_CHEQUE_FILE_MAX)
        return kp_error_set(err, KP_ERR_TOO_LARGE, "%s is over %u bytes: not a cheque",
                            source(name), KP_CHEQUE_FILE_MAX);
    json = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    if (!json || !json_is_object(json) || !json_object_get(json, "kaspiSlip")) {
        /* a cheque, or not JSON: the cheque room says what is wrong */
        json_decref(json);
        st = kp_cheque_load_buffer(buf, len, name, &cheque, err);
        if (st != KP_OK)
            return st;
    }
    doc = calloc(1, sizeof *doc);
    if (!doc) {
        json_decref(json);
        kp_cheque_free(cheque);
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    }
    st = cheque ? adopt_cheque(doc, cheque) : slip_from_json(json, name, doc, err);
    if (!cheque)
        json_decref(json);
    if (st != KP_OK) {
        kp_receipt_document_free(doc);
        return st;
    }
    *out = doc;
    return KP_OK;
}

kp_status kp_receipt_document_load_file(const char *path, kp_receipt_document **out,
                                        kp_error *err)
{
    kp_buf buf = KP_BUF_INIT;
    kp_status st;

    *out = NULL;
    st = kp_journal_read_file(path, KP_CHEQUE_FILE_MAX, &buf, err);
    if (st == KP_OK)
        st = kp_receipt_document_load_buffer(kp_buf_str(&buf), buf.len, path, out, err);
    kp_buf_free(&buf);
    return st;
}

kp_status kp_receipt_document_from_cheque(const kp_cheque *cheque, kp_receipt_document **out,
                                          kp_error *err)
{
    kp_receipt_document *doc;
    kp_cheque *copy;
    kp_status st;

    *out = NULL;
    st = kp_cheque_from_json(kp_cheque_json(cheque), NULL, &copy, err);
    if (st != KP_OK)
        return st;
    doc = calloc(1, sizeof *doc);
    if (!doc) {
        kp_cheque_free(copy);
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    }
    adopt_cheque(doc, copy);
    *out = doc;
    return KP_OK;
}

void kp_receipt_document_free(kp_receipt_document *doc)
{
    if (!doc)
        return;
    kp_cheque_free(doc->cheque);
    free(doc->terminal);
    free(doc->process_id);
    free(doc->at);
    free(doc);
}

kp_receipt_kind kp_receipt_document_kind(const kp_receipt_document *doc) { return doc->kind; }
const kp_cheque *kp_receipt_document_cheque(const kp_receipt_document *doc) { return doc->cheque; }

const char *kp_receipt_document_id(const kp_receipt_document *doc)
{
    if (doc->cheque)
        return kp_cheque_transaction_id(doc->cheque) ? kp_cheque_transaction_id(doc->cheque)
                                                     : kp_cheque_process_id(doc->cheque);
    return doc->process_id;
}

long long kp_receipt_document_slip_amount(const kp_receipt_document *doc) { return doc->amount; }

const char *kp_receipt_document_slip_field(const kp_receipt_document *doc, const char *key)
{
    if (strcmp(key, "terminal") == 0)
        return doc->terminal;
    if (strcmp(key, "processId") == 0)
        return doc->process_id;
    if (strcmp(key, "at") == 0)
        return doc->at;
    return NULL;
}

json_t *kp_receipt_slip_declined(long long amount, const char *terminal,
                                 const char *process_id, const char *at)
{
    char now[32];
    json_t *slip;

    if (!at) {
        kp_journal_now_iso(now, sizeof now);
        at = now;
    }
    slip = json_pack("{s:i, s:s, s:I}", "kaspiSlip", 1, "kind", "declined", "amount",
                     (json_int_t)amount);
    if (!slip)
        return NULL;
    if (terminal)
        json_object_set_new(slip, "terminal", json_string(terminal));
    if (process_id)
        json_object_set_new(slip, "processId", json_string(process_id));
    json_object_set_new(slip, "at", json_string(at));
    return slip;
}
