/*
 * receipt_data.c: the template data of a receipt (see kaspipos/receipt.h and
 * templates/README.md): the document's fields with every scalar as a
 * bounded string, the fields derived once here (title, formatted amount,
 * method, product, loan, offer, date, QR data), the labels of the chosen
 * language and the store's branding.
 */
#include "config.h"
#include "kaspipos/receipt.h"
#include "kaspipos/journal.h"
#include "kaspipos/utf8.h"
#include "receipt_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TENGE "\xE2\x82\xB8"
#define DATA_MAX_DEPTH 16

/* n in decimal into out (at least 24 bytes); its length. */
static size_t decimal(long long n, char *out)
{
    char digits[24];
    size_t len = 0, i = 0;
    unsigned long long u = n < 0 ? 0 - (unsigned long long)n : (unsigned long long)n;

    do {
        digits[len++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (n < 0)
        out[i++] = '-';
    while (len)
        out[i++] = digits[--len];
    out[i] = '\0';
    return i;
}

void kp_receipt_format_amount(long long amount, char *out, size_t size)
{
    char digits[24], text[64];
    size_t n, o = 0;

    n = decimal(amount < 0 ? 0 : amount, digits);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            text[o++] = ' ';
        text[o++] = digits[i];
    }
    memcpy(text + o, " " TENGE, sizeof " " TENGE);
    o += sizeof " " TENGE - 1;
    if (size == 0)
        return;
    if (o > size - 1)
        o = size - 1;
    memcpy(out, text, o);
    out[o] = '\0';
}

/* ---- scalars as bounded strings ---- */

/* s cut to KP_RECEIPT_FIELD_MAX bytes on a character boundary. */
static json_t *bounded_string(const char *s, size_t len)
{
    size_t cut = len;
    uint32_t cp;

    if (len > KP_RECEIPT_FIELD_MAX) {
        cut = 0;
        while (cut < len) {
            size_t n = kp_utf8_decode(s + cut, len - cut, &cp);
            if (cut + n > KP_RECEIPT_FIELD_MAX)
                break;
            cut += n;
        }
    }
    return json_stringn_nocheck(s, cut);
}

/* A scalar as a string; NULL for null, arrays and objects. */
static json_t *scalar_string(const json_t *v)
{
    char num[64];

    if (!v)
        return NULL;
    switch (json_typeof(v)) {
    case JSON_STRING:
        if (json_string_length(v) <= KP_RECEIPT_FIELD_MAX)
            return json_incref((json_t *)v);   /* shared: nothing writes to the data */
        return bounded_string(json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return json_stringn_nocheck(num, decimal((long long)json_integer_value(v), num));
    case JSON_REAL:
        snprintf(num, sizeof num, "%.15g", json_real_value(v));
        return json_string_nocheck(num);
    case JSON_TRUE:
        return json_string_nocheck("true");
    case JSON_FALSE:
        return json_string_nocheck("false");
    default:
        return NULL;
    }
}

/* Whether v already is template data: strings within the bound, objects
 * and arrays of such, nothing deeper than DATA_MAX_DEPTH (looked at
 * without touching reference counts). */
static bool is_data(const json_t *v, int depth)
{
    const char *key;
    json_t *value;
    size_t i;

    switch (json_typeof(v)) {
    case JSON_STRING:
        return json_string_length(v) <= KP_RECEIPT_FIELD_MAX;
    case JSON_OBJECT:
        if (depth >= DATA_MAX_DEPTH)
            return json_object_size(v) == 0;
        json_object_foreach((json_t *)v, key, value)
            if (!is_data(value, depth + 1))
                return false;
        return true;
    case JSON_ARRAY:
        if (depth >= DATA_MAX_DEPTH)
            return json_array_size(v) == 0;
        json_array_foreach(v, i, value)
            if (!is_data(value, depth + 1))
                return false;
        return true;
    default:
        return false;
    }
}

static json_t *data_copy(const json_t *v, int depth);

/* A new object with the first n members of v, shared. */
static json_t *object_head(const json_t *v, size_t n)
{
    json_t *copy = json_object();
    void *it = json_object_iter((json_t *)v);

    for (; it && n > 0; it = json_object_iter_next((json_t *)v, it), n--)
        json_object_set_nocheck(copy, json_object_iter_key(it), json_object_iter_value(it));
    return copy;
}

/* v's members that are data shared, the others copied. */
static json_t *data_object(const json_t *v, int depth)
{
    json_t *copy = NULL, *value, *item;
    const char *key;
    size_t same = 0;

    if (depth >= DATA_MAX_DEPTH)
        return json_object();
    json_object_foreach((json_t *)v, key, value) {
        if (is_data(value, depth + 1)) {
            if (copy)
                json_object_set_nocheck(copy, key, value);
            else
                same++;
            continue;
        }
        if (!copy)
            copy = object_head(v, same);
        if ((item = data_copy(value, depth + 1)))
            json_object_set_new_nocheck(copy, key, item);
    }
    return copy ? copy : json_incref((json_t *)v);
}

static json_t *data_array(const json_t *v, int depth)
{
    json_t *copy = json_array(), *value, *item;
    size_t i;

    if (depth >= DATA_MAX_DEPTH)
        return copy;
    json_array_foreach(v, i, value) {
        if (is_data(value, depth + 1))
            json_array_append(copy, value);
        else if ((item = data_copy(value, depth + 1)))
            json_array_append_new(copy, item);
    }
    return copy;
}

/* v, which is not data yet, as data: every scalar a bounded string, nulls
 * left out, nothing nested deeper than DATA_MAX_DEPTH.  NULL: leave it out. */
static json_t *data_copy(const json_t *v, int depth)
{
    if (json_is_object(v))
        return data_object(v, depth);
    if (json_is_array(v))
        return data_array(v, depth);
    return scalar_string(v);
}

/* v as template data.  What already is data is shared, not copied: nothing
 * writes to the data, and a cheque's chequeInfo is all strings, so most of
 * the response is shared as it is. */
static json_t *data_value(const json_t *v, int depth)
{
    return v && is_data(v, depth) ? json_incref((json_t *)v) : data_copy(v, depth);
}

/* v's scalar member key as a string (new reference); NULL when absent,
 * empty or not a scalar. */
static json_t *member_string(const json_t *obj, const char *key)
{
    json_t *s = scalar_string(json_object_get(obj, key));

    if (s && json_string_length(s) == 0) {
        json_decref(s);
        s = NULL;
    }
    return s;
}

static void set_text(json_t *obj, const char *key, const char *text)
{
    if (text && *text)
        json_object_set_new_nocheck(obj, key, bounded_string(text, strlen(text)));
}

/* ---- labels ---- */

/* English wording for a label the language file lacks. */
static const char *const fallback_labels[][2] = {
    { "titlePayment", "PAYMENT" }, { "titleRefund", "REFUND" },
    { "titleDeclined", "PAYMENT DECLINED" }, { "approved", "Approved" },
    { "methodCard", "Card" }, { "methodQr", "Kaspi QR" },
    { "productLoan", "Kaspi Installments" }, { "productOtherCard", "Other bank's card" },
    { "months", "months" },
};

static const char *label(const json_t *labels, const char *key)
{
    const char *text = json_string_value(json_object_get(labels, key));

    if (text && *text)
        return text;
    for (size_t i = 0; i < sizeof fallback_labels / sizeof fallback_labels[0]; i++)
        if (strcmp(fallback_labels[i][0], key) == 0)
            return fallback_labels[i][1];
    return "";
}

static bool language_ok(const char *language)
{
    size_t n = strlen(language);

    if (n < 2 || n > 8)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)language[i]) && language[i] != '_' && language[i] != '-')
            return false;
    return true;
}

kp_status kp_receipt_labels_load(const char *templates_dir, const char *language,
                                 json_t **out, kp_error *err)
{
    kp_buf path = KP_BUF_INIT, text = KP_BUF_INIT;
    json_error_t jerr;
    json_t *labels = NULL;
    const char *key;
    json_t *value;
    kp_status st;

    *out = NULL;
    if (!language_ok(language))
        return kp_error_set(err, KP_ERR_USAGE, "language '%s' is not a language code such as "
                            "ru, kk or en", language);
    kp_buf_printf(&path, "%s/lang/%s.json", templates_dir, language);
    st = kp_journal_read_file(kp_buf_str(&path), KP_RECEIPT_LABELS_MAX, &text, err);
    if (st == KP_ERR_NOT_FOUND)
        st = kp_error_set(err, KP_ERR_SETUP, "no labels for language '%s': %s does not exist "
                          "(ru, kk and en are installed)", language, kp_buf_str(&path));
    else if (st != KP_OK)
        st = err ? (err->status = KP_ERR_SETUP) : KP_ERR_SETUP;
    if (st == KP_OK) {
        labels = json_loadb(kp_buf_str(&text), text.len, JSON_REJECT_DUPLICATES, &jerr);
        if (!labels || !json_is_object(labels))
            st = kp_error_set(err, KP_ERR_SETUP, "%s:%d:%d: the labels must be a JSON object "
                              "of strings%s%s", kp_buf_str(&path), jerr.line, jerr.column,
                              labels ? "" : ": ", labels ? "" : jerr.text);
    }
    if (st == KP_OK)
        json_object_foreach(labels, key, value)
            if (!json_is_string(value)) {
                st = kp_error_set(err, KP_ERR_SETUP, "%s: label \"%s\" must be a string",
                                  kp_buf_str(&path), key);
                break;
            }
    if (st != KP_OK)
        json_decref(labels);
    else
        *out = labels;
    kp_buf_free(&path);
    kp_buf_free(&text);
    return st;
}

/* ---- the logo ---- */

static const char base64_digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static kp_status base64_encode(const unsigned char *in, size_t len, kp_buf *out)
{
    char quad[4];

    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        quad[0] = base64_digits[(v >> 18) & 63];
        quad[1] = base64_digits[(v >> 12) & 63];
        quad[2] = i + 1 < len ? base64_digits[(v >> 6) & 63] : '=';
        quad[3] = i + 2 < len ? base64_digits[v & 63] : '=';
        if (kp_buf_append(out, quad, 4) != KP_OK)
            return KP_ERR_NOMEM;
    }
    return KP_OK;
}

kp_status kp_receipt_logo_load(const char *path, char **base64_out, kp_error *err)
{
    static const unsigned char png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    kp_buf file = KP_BUF_INIT, b64 = KP_BUF_INIT;
    kp_status st;

    *base64_out = NULL;
    st = kp_journal_read_file(path, KP_RECEIPT_LOGO_MAX, &file, err);
    if (st == KP_ERR_TOO_LARGE)
        st = kp_error_set(err, KP_ERR_SETUP, "logo %s is over %u KiB: use a smaller PNG (at most "
                          "576 pixels wide)", path, KP_RECEIPT_LOGO_MAX / 1024);
    else if (st != KP_OK)
        kp_error_prefix(err, "logo");
    else if (file.len < 8 || memcmp(file.data, png_signature, 8) != 0)
        st = kp_error_set(err, KP_ERR_SETUP, "logo %s is not a PNG file", path);
    if (st == KP_OK && base64_encode((const unsigned char *)file.data, file.len, &b64) != KP_OK)
        st = kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    if (st == KP_OK)
        *base64_out = kp_buf_steal(&b64, NULL);
    else if (err && st != KP_ERR_NOMEM)
        err->status = st = KP_ERR_SETUP;
    kp_buf_free(&file);
    kp_buf_free(&b64);
    return st;
}

/* ---- derived fields ---- */

/* "2026-11-30T03:15:00.123Z" -> "30.11.26 09:15:00" in local time; NULL
 * when it does not parse. */
static bool iso_to_local(const char *iso, char *out, size_t size)
{
    struct tm tm = { 0 }, local;
    char *end;
    time_t t;

    if (!iso || !(end = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm)))
        return false;
    if (*end == '.')
        while (isdigit((unsigned char)*++end))
            ;
    if (*end != 'Z' && *end != '\0')
        return false;
    t = timegm(&tm);
    if (!localtime_r(&t, &local))
        return false;
    return strftime(out, size, "%d.%m.%y %H:%M:%S", &local) > 0;
}

static bool ascii_equal(const char *a, const char *b)
{
    return a && strcasecmp(a, b) == 0;
}

/* A derived field's text ends at its first NUL (as the C string it is
 * used as): s shared when it has none, else a copy cut there.  NULL when
 * that leaves nothing. */
static json_t *as_text(json_t *s)
{
    const char *text = json_string_value(s);
    size_t len;

    if (!text)
        return s;
    len = strlen(text);
    if (len == json_string_length(s))
        return s;
    json_decref(s);
    return len ? bounded_string(text, len) : NULL;
}

/* The label key (new reference), or its English fallback; NULL: none. */
static json_t *label_string(const json_t *labels, const char *key)
{
    const json_t *v = json_object_get(labels, key);

    if (json_is_string(v) && json_string_value(v)[0])
        return as_text(scalar_string(v));
    for (size_t i = 0; i < sizeof fallback_labels / sizeof fallback_labels[0]; i++)
        if (strcmp(fallback_labels[i][0], key) == 0)
            return json_string_nocheck(fallback_labels[i][1]);
    return NULL;
}

/* card or qr, from the method field, the substatus, or the fields present. */
static const char *payment_method(const json_t *response, const json_t *info)
{
    const char *method = json_string_value(json_object_get(info, "method"));
    const char *sub = json_string_value(json_object_get(response, "subStatus"));

    if (ascii_equal(method, "qr"))
        return "qr";
    if (ascii_equal(method, "card"))
        return "card";
    if (sub && strncmp(sub, "Qr", 2) == 0)
        return "qr";
    if (sub && strncmp(sub, "Card", 4) == 0)
        return "card";
    if (json_object_get(info, "orderNumber") && !json_object_get(info, "cardMask"))
        return "qr";
    if (json_object_get(info, "cardMask"))
        return "card";
    return NULL;
}

/* ---- a cheque's fields, one at a time ---- */

/* text as a data string (new reference); NULL when NULL or empty. */
static json_t *text_string(const char *text)
{
    return text && *text ? bounded_string(text, strlen(text)) : NULL;
}

/* The same, but like's own string when it holds exactly that text: the
 * envelope's and the response's ids and times are there already. */
static json_t *text_like(const char *text, const json_t *like)
{
    const char *have = json_string_value(like);

    if (!text || !*text)
        return NULL;
    if (have && json_string_length(like) <= KP_RECEIPT_FIELD_MAX && strcmp(have, text) == 0 &&
        json_string_length(like) == strlen(text))
        return json_incref((json_t *)like);
    return text_string(text);
}

/* s, or NULL when it is an empty string (an empty field is left out). */
static json_t *nonempty(json_t *s)
{
    if (json_is_string(s) && json_string_length(s) == 0) {
        json_decref(s);
        return NULL;
    }
    return s;
}

static void put(json_t *obj, const char *key, json_t *value)
{
    if (value)
        json_object_set_new_nocheck(obj, key, value);
}

/* The fields of receipt.* in the order the data has them. */
enum {
    F_KIND, F_TITLE, F_IS_PAYMENT, F_IS_REFUND, F_IS_DECLINED, F_AMOUNT, F_IS_QR, F_IS_CARD,
    F_METHOD, F_METHOD_LABEL, F_PRODUCT, F_LOAN, F_OFFER, F_DATE, F_STATUS, F_TRANSACTION_ID,
    F_QR_DATA, F_PROCESS_ID, F_COUNT
};
typedef struct field_name {
    const char *name;
    size_t len;
} field_name;
#define NAME(s) { s, sizeof s - 1 }
static const field_name receipt_names[F_COUNT] = {
    NAME("kind"), NAME("title"), NAME("isPayment"), NAME("isRefund"), NAME("isDeclined"),
    NAME("amount"), NAME("isQr"), NAME("isCard"), NAME("method"), NAME("methodLabel"),
    NAME("product"), NAME("loan"), NAME("offer"), NAME("date"), NAME("status"),
    NAME("transactionId"), NAME("qrData"), NAME("processId")
};

/* The envelope's fields at the root, in order. */
enum { E_OPERATION, E_AMOUNT, E_TERMINAL, E_PROCESS_ID, E_SAVED_AT, E_API, E_COUNT };
static const field_name envelope_names[E_COUNT] = {
    NAME("operation"), NAME("amount"), NAME("terminal"), NAME("processId"), NAME("savedAt"),
    NAME("api")
};
#undef NAME

/* Where name[0..len) is in names[0..n), or n.  The length and first byte
 * are compared before the rest: most names differ there. */
static size_t name_index(const field_name *names, size_t n, const char *name, size_t len)
{
    if (len == 0)
        return n;
    for (size_t i = 0; i < n; i++)
        if (names[i].len == len && names[i].name[0] == name[0] &&
            memcmp(names[i].name + 1, name + 1, len - 1) == 0)
            return i;
    return n;
}

void kp_receipt_source_init(kp_receipt_source *src, const kp_receipt_document *doc,
                            const json_t *labels)
{
    const kp_cheque *cheque = kp_receipt_document_cheque(doc);

    memset(src, 0, sizeof *src);
    src->cheque = cheque;
    src->kind = kp_receipt_document_kind(doc);
    src->labels = labels;
    if (cheque) {
        src->amount = kp_cheque_amount(cheque);
        src->response = kp_cheque_response(cheque);
        src->info = json_object_get(src->response, "chequeInfo");
        src->add_info = json_object_get(src->response, "addInfo");
        src->method = payment_method(src->response, src->info);
    } else {
        src->amount = kp_receipt_document_slip_amount(doc);
    }
}

/* kind, title, the three flags and the amount: a slip's too. */
static json_t *common_field(const kp_receipt_source *s, int field)
{
    static const char *const titles[] = { "titlePayment", "titleRefund", "titleDeclined" };
    char text[64];

    switch (field) {
    case F_KIND:
        return text_string(kp_receipt_kind_name(s->kind));
    case F_TITLE:
        return nonempty(label_string(s->labels, titles[s->kind]));
    case F_IS_PAYMENT:
        return json_boolean(s->kind == KP_RECEIPT_PAYMENT);
    case F_IS_REFUND:
        return json_boolean(s->kind == KP_RECEIPT_REFUND);
    case F_IS_DECLINED:
        return json_boolean(s->kind == KP_RECEIPT_DECLINED);
    case F_AMOUNT:
        if (s->amount <= 0)
            return NULL;
        kp_receipt_format_amount(s->amount, text, sizeof text);
        return text_string(text);
    default:
        return NULL;
    }
}

static json_t *method_field(const kp_receipt_source *s, int field)
{
    const char *method = s->method;
    bool qr = method && strcmp(method, "qr") == 0;

    switch (field) {
    case F_IS_QR:
        return json_boolean(qr);
    case F_IS_CARD:
        return json_boolean(method && strcmp(method, "card") == 0);
    case F_METHOD:
        return text_string(method);
    default:
        return method ? nonempty(label_string(s->labels, qr ? "methodQr" : "methodCard")) : NULL;
    }
}

static json_t *product_field(const kp_receipt_source *s)
{
    json_t *type = as_text(member_string(s->add_info, "ProductType")), *product;
    const char *text = json_string_value(type);

    if (!text)
        return NULL;
    if (ascii_equal(text, "Gold"))
        product = text_string("Kaspi Gold");
    else if (ascii_equal(text, "Red"))
        product = text_string("Kaspi Red");
    else if (ascii_equal(text, "Loan"))
        product = nonempty(label_string(s->labels, "productLoan"));
    else if (ascii_equal(text, "OtherCard"))
        product = nonempty(label_string(s->labels, "productOtherCard"));
    else
        product = json_incref(type);
    json_decref(type);
    return product;
}

/* LoanTerm as a number of months, 0 when absent, not positive or absurd. */
static long loan_term(const json_t *add_info)
{
    const json_t *v = json_object_get(add_info, "LoanTerm");
    json_t *term;
    const char *text;
    long months = 0;
    char *end;

    if (!v || json_is_integer(v))   /* the usual cases, without making a string */
        return v && json_integer_value(v) >= 1 && json_integer_value(v) <= 600
                   ? (long)json_integer_value(v) : 0;
    term = as_text(member_string(add_info, "LoanTerm"));
    text = json_string_value(term);
    if (text) {
        months = strtol(text, &end, 10);
        if (*end || months < 1 || months > 600)
            months = 0;
    }
    json_decref(term);
    return months;
}

static json_t *loan_field(const kp_receipt_source *s)
{
    long months = loan_term(s->add_info);
    char term[24], text[128];

    if (months <= 0)
        return NULL;
    snprintf(term, sizeof term, "%ld", months);
    snprintf(text, sizeof text, "%ld %s", months, label(s->labels, "months"));
    return json_pack("{s:s, s:s}", "term", term, "termText", text);
}

/* IsOffer as text is "true" (as a C string: up to a NUL). */
static bool is_offer(const json_t *add_info)
{
    const json_t *v = json_object_get(add_info, "IsOffer");

    return json_is_true(v) || (json_is_string(v) && strcmp(json_string_value(v), "true") == 0);
}

static json_t *offer_field(const kp_receipt_source *s)
{
    json_t *name, *offer = NULL;

    if (is_offer(s->add_info) && (name = member_string(s->add_info, "LoanOfferName"))) {
        offer = json_object();   /* even a name that is only a NUL makes an (empty) offer */
        put(offer, "name", as_text(name));
    }
    return offer;
}

/* The terminal's date as it printed it, else the ISO time in local time. */
static json_t *date_field(json_t *terminal_date, const char *iso)
{
    char text[64];

    if (terminal_date)
        return nonempty(terminal_date);
    if (iso_to_local(iso, text, sizeof text))
        return text_string(text);
    return text_string(iso);
}

static json_t *status_field(const kp_receipt_source *s)
{
    json_t *status = member_string(s->info, "status");

    /* a status that is only a NUL leaves the field out, as it always did */
    return status ? as_text(status) : nonempty(label_string(s->labels, "approved"));
}

/* Where the cheque's process id comes from: the envelope, else the response. */
static const json_t *process_id_like(const kp_cheque *cheque)
{
    const json_t *id = json_object_get(kp_cheque_json(cheque), "processId");

    return json_is_string(id) ? id : json_object_get(kp_cheque_response(cheque), "processId");
}

/* receipt.FIELD of a cheque (new reference); NULL: not in the data. */
static json_t *receipt_field(const kp_receipt_source *s, int field)
{
    switch (field) {
    case F_IS_QR: case F_IS_CARD: case F_METHOD: case F_METHOD_LABEL:
        return method_field(s, field);
    case F_PRODUCT:
        return product_field(s);
    case F_LOAN:
        return loan_field(s);
    case F_OFFER:
        return offer_field(s);
    case F_DATE:
        return date_field(as_text(member_string(s->info, "date")),
                          kp_cheque_saved_at(s->cheque));
    case F_STATUS:
        return status_field(s);
    case F_TRANSACTION_ID: case F_QR_DATA:
        return text_like(kp_cheque_transaction_id(s->cheque),
                         json_object_get(s->response, "transactionId"));
    case F_PROCESS_ID:
        return text_like(kp_cheque_process_id(s->cheque), process_id_like(s->cheque));
    default:
        return common_field(s, field);
    }
}

/* The envelope's FIELD at the root of a cheque's data. */
static json_t *envelope_field(const kp_receipt_source *s, int field)
{
    const kp_cheque *c = s->cheque;
    const json_t *json = kp_cheque_json(c);
    char amount[32];

    switch (field) {
    case E_OPERATION:
        return text_like(kp_cheque_operation(c), json_object_get(json, "operation"));
    case E_AMOUNT:
        if (s->amount <= 0)
            return NULL;
        decimal(s->amount, amount);
        return text_string(amount);
    case E_TERMINAL:
        return text_like(kp_cheque_terminal(c), json_object_get(json, "terminal"));
    case E_PROCESS_ID:
        return text_like(kp_cheque_process_id(c), process_id_like(c));
    case E_SAVED_AT:
        return text_like(kp_cheque_saved_at(c), json_object_get(json, "savedAt"));
    default:
        return text_like(kp_cheque_api(c), json_object_get(json, "api"));
    }
}

_Static_assert(F_COUNT <= KP_RECEIPT_FIELDS && E_COUNT <= KP_RECEIPT_FIELDS,
               "receipt_view.c keeps every field in an array");

int kp_receipt_field_index(bool envelope, const char *name, size_t len)
{
    size_t n = envelope ? E_COUNT : F_COUNT;
    size_t i = name_index(envelope ? envelope_names : receipt_names, n, name, len);

    return i < n ? (int)i : -1;
}

json_t *kp_receipt_field(const kp_receipt_source *src, bool envelope, int index)
{
    return envelope ? envelope_field(src, index) : receipt_field(src, index);
}

json_t *kp_receipt_response_member(const json_t *member)
{
    return member ? data_value(member, 1) : NULL;
}

/* data_object(v, 1) keeps a member that is data and copies one that is not
 * (data_copy at depth 2, nothing when that is NULL): data_value(member, 2). */
_Static_assert(DATA_MAX_DEPTH > 1, "an object in the response keeps its members");

json_t *kp_receipt_response_grandchild(const json_t *member)
{
    return member ? data_value(member, 2) : NULL;
}

static void put_cheque(json_t *root, const kp_receipt_source *s)
{
    json_t *receipt = json_object();

    for (int i = 0; i < E_COUNT; i++)
        put(root, envelope_names[i].name, envelope_field(s, i));
    put(root, "response", data_value(s->response, 0));
    for (int i = 0; i < F_COUNT; i++)
        put(receipt, receipt_names[i].name, receipt_field(s, i));
    put(root, "receipt", receipt);
}

static void put_slip(json_t *root, const kp_receipt_document *doc, const kp_receipt_source *s)
{
    const char *at = kp_receipt_document_slip_field(doc, "at");
    json_t *receipt = json_object();
    char text[32];

    set_text(root, "operation", "payment");
    decimal(s->amount, text);
    set_text(root, "amount", text);
    set_text(root, "terminal", kp_receipt_document_slip_field(doc, "terminal"));
    set_text(root, "processId", kp_receipt_document_slip_field(doc, "processId"));
    set_text(root, "at", at);
    for (int i = F_KIND; i <= F_AMOUNT; i++)
        put(receipt, receipt_names[i].name, common_field(s, i));
    put(receipt, "date", date_field(NULL, at));
    set_text(receipt, "status", label(s->labels, "declined"));
    set_text(receipt, "processId", kp_receipt_document_slip_field(doc, "processId"));
    json_object_set_new_nocheck(root, "receipt", receipt);
}

json_t *kp_receipt_branding_json(const kp_receipt_branding *branding)
{
    json_t *b = json_object();

    if (b && branding) {
        if (branding->logo_base64 && *branding->logo_base64)
            json_object_set_new_nocheck(b, "logo", json_string(branding->logo_base64));
        set_text(b, "header", branding->header);
        set_text(b, "footer", branding->footer);
    }
    return b;
}

kp_status kp_receipt_data_build_with(const kp_receipt_document *doc, const json_t *labels,
                                     const json_t *branding, json_t **out, kp_error *err)
{
    kp_receipt_source src;
    json_t *root = json_object();

    *out = NULL;
    if (!root)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    kp_receipt_source_init(&src, doc, labels);
    if (src.cheque) {
        put_cheque(root, &src);
    } else {
        src.kind = KP_RECEIPT_DECLINED;
        put_slip(root, doc, &src);
    }
    /* The labels were checked when loaded (an object of strings, a bounded
     * file) and nothing writes to the data: share them instead of copying
     * ~50 strings per receipt. */
    put(root, "labels", labels ? json_incref((json_t *)labels) : json_object());
    put(root, "branding", branding ? json_incref((json_t *)branding) : json_object());
    *out = root;
    return KP_OK;
}

kp_status kp_receipt_data_build(const kp_receipt_document *doc, const json_t *labels,
                                const kp_receipt_branding *branding, json_t **out,
                                kp_error *err)
{
    json_t *b = kp_receipt_branding_json(branding);
    kp_status st;

    if (!b)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    st = kp_receipt_data_build_with(doc, labels, b, out, err);
    json_decref(b);
    return st;
}
