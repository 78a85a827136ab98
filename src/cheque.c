/*
 * cheque.c: saved cheques (see kaspipos/cheque.h): building and saving the
 * envelope, and loading a cheque in either form with errors that say what
 * is wrong with the file.
 */
#include "config.h"
#include "kaspipos/cheque.h"
#include "kaspipos/journal.h"
#include "kaspipos/buf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct kp_cheque {
    json_t *json;            /* the whole document */
    const json_t *response;  /* inside json */
    bool envelope;
    long long amount;
    const char *operation;   /* static string */
    char *process_id;
    char *transaction_id;
};

static const char *source(const char *name)
{
    return name ? name : "the cheque";
}

/* A string or whole number as text (malloc'd), NULL otherwise. */
static char *scalar_text(const json_t *v)
{
    char num[32];
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        return strdup(num);
    }
    return NULL;
}

/* Skips a thousands separator at *s: space, NBSP, thin and narrow NBSP. */
static size_t separator_len(const char *s)
{
    if (*s == ' ')
        return 1;
    if (strncmp(s, "\xC2\xA0", 2) == 0)
        return 2;
    if (strncmp(s, "\xE2\x80\xAF", 3) == 0 || strncmp(s, "\xE2\x80\x89", 3) == 0)
        return 3;
    return 0;
}

long long kp_cheque_parse_display_amount(const char *text)
{
    long long value = 0;
    bool digits = false;
    size_t skip;

    if (!text)
        return 0;
    for (;;) {   /* signs and spaces before the number */
        if (*text == '-' || *text == '+')
            text++;
        else if ((skip = separator_len(text)) > 0)
            text += skip;
        else if (strncmp(text, "\xE2\x88\x92", 3) == 0)   /* U+2212 minus */
            text += 3;
        else
            break;
    }
    for (;;) {
        if (*text >= '0' && *text <= '9') {
            value = value * 10 + (*text - '0');
            if (value > 999999999)
                return 0;
            digits = true;
            text++;
        } else if (digits && (skip = separator_len(text)) > 0
                   && text[skip] >= '0' && text[skip] <= '9') {
            text += skip;
        } else {
            break;
        }
    }
    return digits ? value : 0;
}

static bool display_is_negative(const char *text)
{
    while (text && separator_len(text) > 0)
        text += separator_len(text);
    return text && (*text == '-' || strncmp(text, "\xE2\x88\x92", 3) == 0);
}

/* ---------------------------------------------------------------- checks */

/* The response must carry chequeInfo and must not say anything but success. */
static kp_status check_response(const json_t *response, const char *name, kp_error *err)
{
    const json_t *status = json_object_get(response, "status");

    if (!json_is_object(json_object_get(response, "chequeInfo")))
        return kp_error_set(err, KP_ERR_MALFORMED,
                            "%s is JSON but not a Kaspi cheque: it has no chequeInfo", source(name));
    if (status && (!json_is_string(status) || strcmp(json_string_value(status), "success") != 0))
        return kp_error_set(err, KP_ERR_MALFORMED,
                            "%s is not an approved operation: its status is \"%s\", not \"success\"",
                            source(name), json_is_string(status) ? json_string_value(status) : "?");
    return KP_OK;
}

static kp_status check_envelope(const json_t *doc, const char *name, kp_error *err)
{
    const json_t *version = json_object_get(doc, "kaspiCheque");
    const json_t *amount = json_object_get(doc, "amount");
    const char *op = json_string_value(json_object_get(doc, "operation"));

    if (!json_is_integer(version) || json_integer_value(version) != KP_CHEQUE_VERSION) {
        char *text = json_dumps(version, JSON_ENCODE_ANY);
        kp_error_set(err, KP_ERR_MALFORMED,
                     "%s is a Kaspi cheque of version %s; this program reads version %d",
                     source(name), text ? text : "?", KP_CHEQUE_VERSION);
        free(text);
        return KP_ERR_MALFORMED;
    }
    if (!op || (strcmp(op, "payment") != 0 && strcmp(op, "refund") != 0))
        return kp_error_set(err, KP_ERR_MALFORMED,
                            "%s is a damaged Kaspi cheque: \"operation\" is not payment or refund",
                            source(name));
    if (!json_is_integer(amount) || json_integer_value(amount) < 1
        || json_integer_value(amount) > 999999999)
        return kp_error_set(err, KP_ERR_MALFORMED,
                            "%s is a damaged Kaspi cheque: \"amount\" is not a whole number "
                            "from 1 to 999999999", source(name));
    if (!json_is_object(json_object_get(doc, "response")))
        return kp_error_set(err, KP_ERR_MALFORMED,
                            "%s is a damaged Kaspi cheque: it has no \"response\" object",
                            source(name));
    return check_response(json_object_get(doc, "response"), name, err);
}

/* ---------------------------------------------------------------- loading */

static const char *bare_operation(const json_t *response)
{
    const json_t *info = json_object_get(response, "chequeInfo");
    const char *type = json_string_value(json_object_get(info, "type"));

    if (type && strcmp(type, "refund") == 0)
        return "refund";
    if (type && strcmp(type, "payment") == 0)
        return "payment";
    return display_is_negative(json_string_value(json_object_get(info, "amount")))
           ? "refund" : "payment";
}

static long long bare_amount(const json_t *response)
{
    const json_t *v = json_object_get(json_object_get(response, "chequeInfo"), "amount");
    if (json_is_number(v)) {
        double d = json_number_value(v) < 0 ? -json_number_value(v) : json_number_value(v);
        return d >= 1 && d <= 999999999 ? (long long)d : 0;
    }
    return kp_cheque_parse_display_amount(json_string_value(v));
}

static void fill_fields(kp_cheque *c)
{
    const json_t *doc = c->json;

    if (c->envelope) {
        c->operation = strcmp(json_string_value(json_object_get(doc, "operation")), "refund") == 0
                       ? "refund" : "payment";
        c->amount = json_integer_value(json_object_get(doc, "amount"));
        c->process_id = scalar_text(json_object_get(doc, "processId"));
    } else {
        c->operation = bare_operation(c->response);
        c->amount = bare_amount(c->response);
    }
    if (!c->process_id)
        c->process_id = scalar_text(json_object_get(c->response, "processId"));
    c->transaction_id = scalar_text(json_object_get(c->response, "transactionId"));
}

/* Takes doc. */
static kp_status cheque_from_doc(json_t *doc, const char *name, kp_cheque **out, kp_error *err)
{
    const json_t *response = doc;
    bool envelope = json_object_get(doc, "kaspiCheque") != NULL;
    kp_status st;
    kp_cheque *c;

    if (!json_is_object(doc)) {
        json_decref(doc);
        return kp_error_set(err, KP_ERR_MALFORMED,
                            "%s is JSON but not a Kaspi cheque: it is not an object", source(name));
    }
    if (envelope) {
        st = check_envelope(doc, name, err);
        response = json_object_get(doc, "response");
    } else {
        if (!json_object_get(doc, "chequeInfo") && json_is_object(json_object_get(doc, "data")))
            response = json_object_get(doc, "data");     /* a whole v2 status reply */
        st = check_response(response, name, err);
    }
    if (st != KP_OK) {
        json_decref(doc);
        return st;
    }
    if (!(c = calloc(1, sizeof *c))) {
        json_decref(doc);
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    }
    c->json = doc;
    c->response = response;
    c->envelope = envelope;
    fill_fields(c);
    *out = c;
    return KP_OK;
}

kp_status kp_cheque_load_buffer(const char *buf, size_t len, const char *name,
                                kp_cheque **out, kp_error *err)
{
    json_error_t jerr;
    json_t *doc;

    *out = NULL;
    if (len > KP_CHEQUE_FILE_MAX)
        return kp_error_set(err, KP_ERR_TOO_LARGE,
                            "%s is larger than %u bytes: not a Kaspi cheque",
                            source(name), KP_CHEQUE_FILE_MAX);
    if (len == 0)
        return kp_error_set(err, KP_ERR_MALFORMED, "%s is empty: not a Kaspi cheque", source(name));
    doc = json_loadb(buf, len, JSON_ALLOW_NUL, &jerr);   /* tolerant of what terminals send */
    if (!doc)
        return kp_error_set(err, KP_ERR_MALFORMED, "%s is not JSON: %s at line %d, column %d",
                            source(name), jerr.text, jerr.line, jerr.column);
    return cheque_from_doc(doc, name, out, err);
}

kp_status kp_cheque_load_file(const char *path, kp_cheque **out, kp_error *err)
{
    kp_buf text = KP_BUF_INIT;
    kp_status st;

    *out = NULL;
    st = kp_journal_read_file(path, KP_CHEQUE_FILE_MAX, &text, err);
    if (st == KP_ERR_NOT_FOUND)
        kp_error_set(err, st, "cheque %s does not exist", path);
    else if (st != KP_OK && st != KP_ERR_TOO_LARGE)
        kp_error_prefix(err, "cannot read the cheque");
    else if (st == KP_OK)
        st = kp_cheque_load_buffer(kp_buf_str(&text), text.len, path, out, err);
    kp_buf_free(&text);
    return st;
}

kp_status kp_cheque_from_json(const json_t *json, const char *name, kp_cheque **out, kp_error *err)
{
    json_t *copy = json_deep_copy(json);
    *out = NULL;
    if (!copy)
        return kp_error_set(err, KP_ERR_MALFORMED, "%s is empty or out of memory", source(name));
    return cheque_from_doc(copy, name, out, err);
}

void kp_cheque_free(kp_cheque *c)
{
    if (!c)
        return;
    json_decref(c->json);
    free(c->process_id);
    free(c->transaction_id);
    free(c);
}

/* ---------------------------------------------------------------- accessors */

bool kp_cheque_is_envelope(const kp_cheque *c) { return c->envelope; }
const char *kp_cheque_operation(const kp_cheque *c) { return c->operation; }
long long kp_cheque_amount(const kp_cheque *c) { return c->amount; }
const char *kp_cheque_process_id(const kp_cheque *c) { return c->process_id; }
const char *kp_cheque_transaction_id(const kp_cheque *c) { return c->transaction_id; }
const json_t *kp_cheque_response(const kp_cheque *c) { return c->response; }
const json_t *kp_cheque_json(const kp_cheque *c) { return c->json; }

const char *kp_cheque_terminal(const kp_cheque *c)
{
    return c->envelope ? json_string_value(json_object_get(c->json, "terminal")) : NULL;
}

const char *kp_cheque_saved_at(const kp_cheque *c)
{
    return c->envelope ? json_string_value(json_object_get(c->json, "savedAt")) : NULL;
}

const char *kp_cheque_api(const kp_cheque *c)
{
    const char *api = c->envelope ? json_string_value(json_object_get(c->json, "api")) : NULL;
    if (!api && !c->envelope && c->response != c->json)
        return "v2";   /* a whole v2 reply */
    return api ? api : "v1";
}

/* ---------------------------------------------------------------- saving */

kp_status kp_cheque_build(const kp_cheque_fields *f, json_t **out, kp_error *err)
{
    char now[40];
    json_t *doc;
    int rc;
    kp_status st;

    *out = NULL;
    if (!f->operation || (strcmp(f->operation, "payment") != 0 && strcmp(f->operation, "refund") != 0))
        return kp_error_set(err, KP_ERR_USAGE, "a cheque's operation is payment or refund");
    if (f->amount < 1 || f->amount > 999999999)
        return kp_error_set(err, KP_ERR_USAGE, "a cheque's amount is from 1 to 999999999");
    if (!json_is_object(f->response))
        return kp_error_set(err, KP_ERR_USAGE, "a cheque needs the terminal's status response");
    st = check_response(f->response, "the terminal's response", err);
    if (st != KP_OK)
        return st;
    kp_journal_now_iso(now, sizeof now);
    doc = json_object();
    rc = doc ? 0 : -1;
    rc |= json_object_set_new(doc, "kaspiCheque", json_integer(KP_CHEQUE_VERSION));
    rc |= json_object_set_new(doc, "operation", json_string(f->operation));
    rc |= json_object_set_new(doc, "amount", json_integer(f->amount));
    rc |= json_object_set_new(doc, "terminal", f->terminal ? json_string(f->terminal) : json_null());
    rc |= json_object_set_new(doc, "processId",
                              f->process_id ? json_string(f->process_id) : json_null());
    rc |= json_object_set_new(doc, "savedAt", json_string(now));
    if (f->api && strcmp(f->api, "v1") != 0)
        rc |= json_object_set_new(doc, "api", json_string(f->api));
    rc |= json_object_set_new(doc, "response", json_deep_copy(f->response));
    if (rc != 0) {
        json_decref(doc);
        return kp_error_set(err, KP_ERR_NOMEM,
                            "cannot build the cheque: out of memory or text that is not UTF-8");
    }
    *out = doc;
    return KP_OK;
}

static kp_status dump_envelope(const kp_cheque_fields *f, kp_buf *out, kp_error *err)
{
    json_t *doc;
    char *text;
    kp_status st = kp_cheque_build(f, &doc, err);

    if (st != KP_OK)
        return st;
    text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!text || kp_buf_puts(out, text) != KP_OK || kp_buf_putc(out, '\n') != KP_OK) {
        free(text);
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    }
    free(text);
    return KP_OK;
}

kp_status kp_cheque_save_to(const char *path, const kp_cheque_fields *f, kp_error *err)
{
    kp_buf text = KP_BUF_INIT;
    kp_status st = dump_envelope(f, &text, err);

    if (st == KP_OK && (st = kp_journal_write_file(path, text.data, text.len, false, err)) != KP_OK)
        kp_error_prefix(err, "cannot save the cheque");
    kp_buf_free(&text);
    return st;
}

/* "20261130T031500Z-TXID" with the id made safe for a file name. */
static void cheque_stem(const kp_cheque_fields *f, char *out, size_t size)
{
    const json_t *tx = json_object_get(f->response, "transactionId");
    char *id = scalar_text(tx);
    const char *key = id ? id : f->process_id ? f->process_id : "cheque";
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    size_t n;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    n = (size_t)snprintf(out, size, "%s-%s%.64s", stamp, id ? "" : "p", key);
    for (size_t i = strlen(stamp) + 1; i < n && i < size; i++) {
        char c = out[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '-' || c == '_'))
            out[i] = '_';
    }
    free(id);
}

kp_status kp_cheque_save(const char *journal_dir, const kp_cheque_fields *f, char **path_out,
                         kp_error *err)
{
    char dir[PATH_MAX], stem[128], path[PATH_MAX];
    kp_buf text = KP_BUF_INIT;
    kp_status st;

    *path_out = NULL;
    if ((size_t)snprintf(dir, sizeof dir, "%s/cheques", journal_dir) >= sizeof dir)
        return kp_error_set(err, KP_ERR_USAGE, "journal path too long: %s", journal_dir);
    st = dump_envelope(f, &text, err);
    if (st == KP_OK && (st = kp_journal_make_dirs(dir, err)) != KP_OK)
        kp_error_prefix(err, "cannot save the cheque");
    if (st == KP_OK)
        cheque_stem(f, stem, sizeof stem);
    for (int n = 1; st == KP_OK && n < 1000; n++) {
        int len = n == 1 ? snprintf(path, sizeof path, "%s/%s.json", dir, stem)
                         : snprintf(path, sizeof path, "%s/%s-%d.json", dir, stem, n);
        if (len < 0 || (size_t)len >= sizeof path) {
            st = kp_error_set(err, KP_ERR_USAGE, "journal path too long: %s", journal_dir);
            break;
        }
        st = kp_journal_write_file(path, text.data, text.len, true, err);
        if (st == KP_OK) {
            if (!(*path_out = strdup(path)))
                st = kp_error_set(err, KP_ERR_NOMEM, "out of memory");
            break;
        }
        if (st == KP_ERR_BUSY)
            st = KP_OK;   /* the name is taken: try the next */
        else
            kp_error_prefix(err, "cannot save the cheque");
    }
    if (st == KP_OK && !*path_out)
        st = kp_error_set(err, KP_ERR_IO, "cannot save the cheque: too many cheques named %s", stem);
    kp_buf_free(&text);
    return st;
}
