/*
 * cheque.c: the bodies of /status replies: wait and fail, and the success
 * body with its addInfo and chequeInfo, shaped by the operation's scenario
 * (qr, loan, numeric scalars, unknown extra fields, an oversized body, and
 * the vendor's own malformed example).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "kaspipos/buf.h"
#include "sim/sim.h"

#define TENGE "\xe2\x82\xb8"   /* U+20B8 */
#define CARD_MASK "516949*****0762"

/* "1 ₸", "1 500 ₸", "1 000 000 ₸"; refunds "- 10 ₸". */
char *sim_format_amount(unsigned long amount, bool refund)
{
    char digits[32], out[64];
    size_t n = (size_t)snprintf(digits, sizeof digits, "%lu", amount), o = 0;
    if (refund) {
        out[o++] = '-';
        out[o++] = ' ';
    }
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ' ';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    strcat(out, " " TENGE);
    return strdup(out);
}

json_t *sim_process_id_json(const sim_operation *op)
{
    if (op->scenario.id == SIM_NUMERIC)
        return json_integer((json_int_t)strtoll(op->process_id, NULL, 10));
    return json_string(op->process_id);
}

static bool is_refund(const sim_operation *op) { return op->kind == SIM_REFUND; }
static bool is_qr(const sim_operation *op) { return op->method == SIM_QR_METHOD; }
static bool is_loan(const sim_operation *op) { return op->scenario.id == SIM_LOAN; }

static const char *cheque_status_text(const sim_operation *op)
{
    if (is_refund(op))
        return is_qr(op) ? "Возврат покупки Kaspi QR. Одобрено"
                         : "Возврат покупки с Kaspi Gold. Одобрено";
    if (is_loan(op))
        return "Покупка в рассрочку Kaspi. Одобрено";
    return is_qr(op) ? "Покупка с Kaspi QR. Одобрено" : "Покупка с Kaspi Gold. Одобрено";
}

static json_t *add_info(const sim_operation *op)
{
    json_t *info = json_object();
    json_object_set_new(info, "IsOffer", json_boolean(is_loan(op)));
    json_object_set_new(info, "ProductType", json_string(is_loan(op) ? "Loan" : "Gold"));
    json_object_set_new(info, "LoanTerm", json_integer(is_loan(op) ? 12 : -1));
    if (is_loan(op))
        json_object_set_new(info, "LoanOfferName", json_string("Рассрочка 0-0-12"));
    return info;
}

/* A chequeInfo scalar: a string, or under `numeric` a number. */
static void put_scalar(json_t *obj, const char *key, const char *text, bool numeric)
{
    if (numeric)
        json_object_set_new(obj, key, json_integer((json_int_t)strtoll(text, NULL, 10)));
    else
        json_object_set_new(obj, key, json_string(text));
}

static json_t *cheque_info(const sim *s, const sim_operation *op)
{
    const sim_store *store = sim_store_get(s->config->store);
    bool numeric = op->scenario.id == SIM_NUMERIC;
    json_t *ci = json_object();
    char date[32];
    char *amount = sim_format_amount(op->amount, is_refund(op));
    struct tm tm;

    localtime_r(&op->finished_at, &tm);
    strftime(date, sizeof date, "%d.%m.%y %H:%M:%S", &tm);
    json_object_set_new(ci, "storeName", json_string(store->name));
    json_object_set_new(ci, "city", json_string(store->city));
    json_object_set_new(ci, "address", json_string(store->address));
    json_object_set_new(ci, "status", json_string(cheque_status_text(op)));
    json_object_set_new(ci, "amount", json_string(amount ? amount : ""));
    json_object_set_new(ci, "date", json_string(date));
    if (!is_qr(op)) {
        json_object_set_new(ci, "cardMask", json_string(CARD_MASK));
        json_object_set_new(ci, "icc", json_string("MasterCard"));
    }
    put_scalar(ci, "bin", store->bin, numeric);
    put_scalar(ci, "terminalId", store->terminal_id, numeric);
    put_scalar(ci, "rrn", op->rrn, numeric);
    put_scalar(ci, "authorizationCode", op->auth_code, numeric);
    put_scalar(ci, "hostResponseCode", "000", numeric);
    if (!is_qr(op))
        json_object_set_new(ci, "pinEntered", numeric ? json_true() : json_string("true"));
    if (is_qr(op))
        put_scalar(ci, "orderNumber", op->order_number, numeric);
    json_object_set_new(ci, "method", json_string(sim_method_name(op->method)));
    if (op->scenario.id == SIM_EXTRA)
        json_object_set_new(ci, "type", json_string(is_refund(op) ? "refund" : "payment"));
    free(amount);
    return ci;
}

static void add_extras(json_t *root, const sim_operation *op)
{
    json_t *extra = json_object();
    json_object_set_new(root, "subStatus", json_string(is_qr(op) ? "QrTransactionSuccess"
                                                                  : "CardTransactionSuccess"));
    json_object_set_new(extra, "appVersion", json_string("2.7.1"));
    json_object_set_new(extra, "features", json_pack("[ss]", "owncheque", "refund"));
    json_object_set_new(root, "deviceInfo", extra);
}

static void add_padding(json_t *root)
{
    char *pad = malloc(SIM_BIG_BODY_MIN + 1);
    if (pad == NULL)
        return;
    memset(pad, 'x', SIM_BIG_BODY_MIN);
    pad[SIM_BIG_BODY_MIN] = '\0';
    json_object_set_new(root, "padding", json_stringn(pad, SIM_BIG_BODY_MIN));
    free(pad);
}

static const char *state_name(sim_state state)
{
    switch (state) {
    case SIM_SUCCESS: return "success";
    case SIM_FAIL: return "fail";
    default: return "wait";
    }
}

json_t *sim_status_json(const sim *s, const sim_operation *op)
{
    json_t *root = json_object();
    json_object_set_new(root, "processId", sim_process_id_json(op));
    json_object_set_new(root, "status", json_string(state_name(op->state)));
    if (op->state != SIM_SUCCESS)
        return root;
    if (op->scenario.id == SIM_EXTRA)
        add_extras(root, op);
    json_object_set_new(root, "transactionId", json_string(op->transaction_id));
    json_object_set_new(root, "addInfo", add_info(op));
    json_object_set_new(root, "chequeInfo", cheque_info(s, op));
    if (op->scenario.id == SIM_BIG)
        add_padding(root);
    return root;
}

/* Writes the members of obj one per line, each followed by a comma, the way
 * the vendor's example does (its trailing comma included). */
static void put_members(kp_buf *b, json_t *obj, bool trailing_comma)
{
    const char *key;
    json_t *value;
    size_t i = 0, n = json_object_size(obj);
    json_object_foreach(obj, key, value) {
        json_t *key_json = json_string(key);
        char *k = json_dumps(key_json, JSON_ENCODE_ANY);
        char *v = json_dumps(value, JSON_ENCODE_ANY);
        i++;
        kp_buf_printf(b, "    %s: %s%s\n", k ? k : "\"\"", v ? v : "null",
                      (i < n || trailing_comma) ? "," : "");
        free(k);
        free(v);
        json_decref(key_json);
    }
}

/* The success body as the vendor document prints it: no comma after
 * addInfo, a trailing comma in chequeInfo.  Not valid JSON, on purpose. */
char *sim_status_malformed(const sim *s, const sim_operation *op)
{
    json_t *info = add_info(op), *ci = cheque_info(s, op);
    kp_buf b;
    kp_buf_init(&b, 0);
    kp_buf_printf(&b, "{\n  \"processId\": \"%s\",\n  \"status\": \"success\",\n"
                  "  \"transactionId\": \"%s\",\n  \"addInfo\":{\n",
                  op->process_id, op->transaction_id);
    put_members(&b, info, false);
    kp_buf_puts(&b, "  }\n  \"chequeInfo\":{\n");
    put_members(&b, ci, true);
    kp_buf_puts(&b, "  }\n}\n");
    json_decref(info);
    json_decref(ci);
    return kp_buf_steal(&b, NULL);
}
