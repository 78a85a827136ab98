/* test_receipt.c: unit tests for the receipt room: formats, documents
 * (cheques and declined slips), the template data and its derived fields,
 * labels and logos, and the renderer (text, ESC/POS, PDF, cut, errors). */
#define _GNU_SOURCE 1
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kaspipos/journal.h"
#include "kaspipos/receipt.h"
#include "kaspipos/template.h"
#include "receipt_internal.h"

static char *data_path(const char *name)
{
    const char *top = getenv("top_srcdir");
    char *path;

    assert_true(asprintf(&path, "%s/tests/data/%s", top ? top : ".", name) > 0);
    return path;
}

static kp_receipt_document *load_doc(const char *name)
{
    char *path = data_path(name);
    kp_receipt_document *doc = NULL;
    kp_error err = { 0 };

    if (kp_receipt_document_load_file(path, &doc, &err) != KP_OK)
        fail_msg("%s: %s", path, err.message);
    free(path);
    return doc;
}

static json_t *labels_for(const char *language)
{
    json_t *labels = NULL;
    kp_error err = { 0 };

    if (kp_receipt_labels_load(kp_receipt_templates_dir(NULL), language, &labels, &err) != KP_OK)
        fail_msg("labels %s: %s", language, err.message);
    return labels;
}

/* The data of a document in a language (new reference). */
static json_t *data_for(const char *name, const char *language)
{
    kp_receipt_document *doc = load_doc(name);
    json_t *labels = labels_for(language), *data = NULL;
    kp_receipt_branding branding = { NULL, "Head", NULL };
    kp_error err = { 0 };

    assert_int_equal(kp_receipt_data_build(doc, labels, &branding, &data, &err), KP_OK);
    json_decref(labels);
    kp_receipt_document_free(doc);
    return data;
}

static const char *at(const json_t *data, const char *path)
{
    char copy[256], *save = NULL, *part;
    const json_t *v = data;

    snprintf(copy, sizeof copy, "%s", path);
    for (part = strtok_r(copy, ".", &save); part && v; part = strtok_r(NULL, ".", &save))
        v = json_object_get(v, part);
    return json_string_value(v);
}

static bool flag(const json_t *data, const char *key)
{
    return json_is_true(json_object_get(json_object_get(data, "receipt"), key));
}

static void test_amounts_and_formats(void **state)
{
    char text[64];
    kp_receipt_format f;
    kp_error err = { 0 };
    (void)state;

    kp_receipt_format_amount(1, text, sizeof text);
    assert_string_equal(text, "1 ₸");
    kp_receipt_format_amount(1500, text, sizeof text);
    assert_string_equal(text, "1 500 ₸");
    kp_receipt_format_amount(999999999, text, sizeof text);
    assert_string_equal(text, "999 999 999 ₸");
    kp_receipt_format_amount(100000, text, sizeof text);
    assert_string_equal(text, "100 000 ₸");

    assert_int_equal(kp_receipt_format_for_path("r.pdf"), KP_RECEIPT_FORMAT_PDF);
    assert_int_equal(kp_receipt_format_for_path("R.PDF"), KP_RECEIPT_FORMAT_PDF);
    assert_int_equal(kp_receipt_format_for_path("a/r.txt"), KP_RECEIPT_FORMAT_TEXT);
    assert_int_equal(kp_receipt_format_for_path("r.bin"), KP_RECEIPT_FORMAT_ESCPOS);
    assert_int_equal(kp_receipt_format_for_path("pdf"), KP_RECEIPT_FORMAT_ESCPOS);
    assert_int_equal(kp_receipt_format_parse("text", &f, &err), KP_OK);
    assert_int_equal(f, KP_RECEIPT_FORMAT_TEXT);
    assert_int_equal(kp_receipt_format_parse(NULL, &f, &err), KP_OK);
    assert_int_equal(f, KP_RECEIPT_FORMAT_AUTO);
    assert_int_equal(kp_receipt_format_parse("ps", &f, &err), KP_ERR_USAGE);
    assert_non_null(strstr(err.message, "escpos, pdf or text"));
    assert_string_equal(kp_receipt_format_mime(KP_RECEIPT_FORMAT_ESCPOS), "application/vnd.cups-raw");
    assert_string_equal(kp_receipt_format_mime(KP_RECEIPT_FORMAT_PDF), "application/pdf");
    assert_string_equal(kp_receipt_format_mime(KP_RECEIPT_FORMAT_TEXT), "text/plain");
}

static void test_card_gold(void **state)
{
    json_t *d = data_for("cheques/card-gold.json", "ru");
    (void)state;

    assert_string_equal(at(d, "receipt.kind"), "payment");
    assert_string_equal(at(d, "receipt.title"), "ОПЛАТА");
    assert_string_equal(at(d, "receipt.amount"), "1 500 ₸");
    assert_string_equal(at(d, "receipt.method"), "card");
    assert_string_equal(at(d, "receipt.methodLabel"), "Картой");
    assert_true(flag(d, "isCard"));
    assert_false(flag(d, "isQr"));
    assert_false(flag(d, "isRefund"));
    assert_string_equal(at(d, "receipt.product"), "Kaspi Gold");
    assert_null(json_object_get(json_object_get(d, "receipt"), "loan"));
    assert_null(json_object_get(json_object_get(d, "receipt"), "offer"));
    assert_string_equal(at(d, "receipt.date"), "24.01.20 18:40:23");
    assert_string_equal(at(d, "receipt.qrData"), "12345");
    assert_string_equal(at(d, "response.chequeInfo.storeName"), "Converse Ltd");
    assert_string_equal(at(d, "response.addInfo.IsOffer"), "false");
    assert_string_equal(at(d, "response.addInfo.LoanTerm"), "-1");
    assert_string_equal(at(d, "amount"), "1500");
    assert_string_equal(at(d, "terminal"), "10.0.0.5:8080");
    assert_string_equal(at(d, "savedAt"), "2026-11-30T03:15:00.123Z");
    assert_string_equal(at(d, "labels.total"), "ИТОГО");
    assert_string_equal(at(d, "branding.header"), "Head");
    assert_null(at(d, "branding.logo"));
    json_decref(d);
}

static void test_qr_loan_refund(void **state)
{
    json_t *d;
    (void)state;

    d = data_for("cheques/qr-order.json", "en");
    assert_true(flag(d, "isQr"));
    assert_string_equal(at(d, "receipt.methodLabel"), "Kaspi QR");
    assert_string_equal(at(d, "receipt.amount"), "1 234 567 ₸");
    assert_string_equal(at(d, "receipt.title"), "PAYMENT");
    json_decref(d);

    d = data_for("cheques/loan-offer.json", "kk");
    assert_string_equal(at(d, "receipt.product"), "Kaspi Бөліп төлеу");
    assert_string_equal(at(d, "receipt.loan.term"), "12");
    assert_string_equal(at(d, "receipt.loan.termText"), "12 ай");
    assert_string_equal(at(d, "receipt.offer.name"), "Рассрочка 0-0-12");
    json_decref(d);

    d = data_for("cheques/loan-offer.json", "ru");
    assert_string_equal(at(d, "receipt.loan.termText"), "12 мес.");
    json_decref(d);

    d = data_for("cheques/refund-card.json", "kk");
    assert_string_equal(at(d, "receipt.kind"), "refund");
    assert_string_equal(at(d, "receipt.title"), "ҚАЙТАРУ");
    assert_true(flag(d, "isRefund"));
    assert_string_equal(at(d, "receipt.amount"), "5 000 ₸");
    assert_string_equal(at(d, "receipt.product"), "Kaspi Red");
    json_decref(d);

    d = data_for("cheques/kazakh-text.json", "en");
    assert_string_equal(at(d, "receipt.product"), "Other bank's card");
    assert_string_equal(at(d, "api"), "v2");
    json_decref(d);
}

static void test_numeric_scalars_become_strings(void **state)
{
    json_t *d = data_for("cheques/numeric-scalars.json", "ru");
    (void)state;

    assert_string_equal(at(d, "response.chequeInfo.bin"), "861002300247");
    assert_string_equal(at(d, "response.chequeInfo.terminalId"), "31013787");
    assert_string_equal(at(d, "response.chequeInfo.pinEntered"), "true");
    assert_string_equal(at(d, "response.chequeInfo.hostResponseCode"), "0");
    assert_string_equal(at(d, "response.chequeInfo.extra"), "1.5");
    assert_null(json_object_get(json_object_get(json_object_get(d, "response"), "chequeInfo"),
                                "nothing"));
    assert_string_equal(at(d, "response.processId"), "1579245612500");
    assert_string_equal(at(d, "receipt.transactionId"), "4242");
    assert_string_equal(at(d, "receipt.loan.termText"), "3 мес.");   /* "3" as a string */
    assert_string_equal(at(d, "receipt.offer.name"), "0-0-3");       /* IsOffer "true" */
    json_decref(d);
}

/* Parts of the response that already are data are shared, the rest copied:
 * either way the data is the same and the cheque is left as it was. */
static void test_response_shared_or_copied(void **state)
{
    static const char text[] =
        "{\"status\": \"success\", \"chequeInfo\": {\"amount\": \"1 ₸\", \"rrn\": \"77\"},"
        " \"list\": [\"a\", null, 3, {\"x\": null, \"y\": \"z\"}], \"clean\": [\"p\", \"q\"],"
        " \"mixed\": {\"s\": \"t\", \"n\": null, \"b\": false, \"u\": \"v\"},"
        " \"deep\": {\"a\": {\"a\": {\"a\": {\"a\": {\"a\": {\"a\": {\"a\": {\"a\": {\"a\":"
        " {\"a\": {\"a\": {\"a\": {\"a\": {\"a\": {\"a\": {\"a\": {\"k\": \"v\"}}}}}}}}}}}}}}}}}}";
    kp_receipt_document *doc;
    kp_error err = { 0 };
    json_t *d, *list, *mixed, *deep, *before;
    const char *key;
    json_t *value;
    int levels = 0;
    (void)state;

    assert_int_equal(kp_receipt_document_load_buffer(text, strlen(text), "mix", &doc, &err), KP_OK);
    before = json_deep_copy(kp_cheque_response(kp_receipt_document_cheque(doc)));
    assert_int_equal(kp_receipt_data_build(doc, NULL, NULL, &d, &err), KP_OK);
    assert_string_equal(at(d, "response.chequeInfo.rrn"), "77");
    list = json_object_get(json_object_get(d, "response"), "list");
    assert_int_equal(json_array_size(list), 3);
    assert_string_equal(json_string_value(json_array_get(list, 0)), "a");
    assert_string_equal(json_string_value(json_array_get(list, 1)), "3");
    assert_int_equal(json_object_size(json_array_get(list, 2)), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 2), "y")), "z");
    assert_string_equal(json_string_value(json_array_get(
        json_object_get(json_object_get(d, "response"), "clean"), 1)), "q");
    mixed = json_object_get(json_object_get(d, "response"), "mixed");
    assert_int_equal(json_object_size(mixed), 3);
    json_object_foreach(mixed, key, value)   /* in the cheque's order */
        assert_string_equal(key, levels++ == 0 ? "s" : levels == 2 ? "b" : "u");
    assert_string_equal(at(d, "response.mixed.b"), "false");
    assert_string_equal(at(d, "response.mixed.u"), "v");
    for (deep = json_object_get(json_object_get(d, "response"), "deep"), levels = 1;
         json_object_get(deep, "a"); deep = json_object_get(deep, "a"))
        levels++;
    assert_int_equal(levels, 16);             /* response 0, deep 1: cut at depth 16 */
    assert_int_equal(json_object_size(deep), 0);
    json_decref(d);
    assert_true(json_equal(before, kp_cheque_response(kp_receipt_document_cheque(doc))));
    json_decref(before);
    kp_receipt_document_free(doc);
}

/* Every member of the data, through dotted names, sections over objects and
 * names that fall through to the root. */
static const char dump_template[] =
    "{{operation}}|{{amount}}|{{terminal}}|{{processId}}|{{savedAt}}|{{api}}|{{at}}|{{nothing}}\n"
    "{{#receipt}}{{kind}}|{{title}}|{{isPayment}}|{{isRefund}}|{{isDeclined}}|{{amount}}|"
    "{{isQr}}|{{isCard}}|{{method}}|{{methodLabel}}|{{product}}|{{#loan}}{{term}}/{{termText}}"
    "{{/loan}}|{{#offer}}[{{name}}]{{/offer}}|{{date}}|{{status}}|{{transactionId}}|{{qrData}}|"
    "{{processId}}|{{operation}}|{{savedAt}}|{{api}}|{{nothing}}{{/receipt}}\n"
    "{{receipt.title}}{{receipt.loan.termText}}{{receipt.offer.name}}{{receipt.at}}"
    "{{^receipt.isQr}}not-qr{{/receipt.isQr}}{{#receipt.isCard}}card{{/receipt.isCard}}\n"
    "{{#response}}{{processId}}|{{status}}|{{transactionId}}|{{subStatus}}|{{#addInfo}}"
    "{{IsOffer}}|{{LoanTerm}}|{{ProductType}}|{{LoanOfferName}}|{{/addInfo}}{{#chequeInfo}}"
    "{{address}}|{{amount}}|{{authorizationCode}}|{{bin}}|{{cardMask}}|{{city}}|{{date}}|"
    "{{hostResponseCode}}|{{icc}}|{{pinEntered}}|{{rrn}}|{{status}}|{{storeName}}|"
    "{{terminalId}}|{{method}}|{{orderNumber}}|{{extra}}|{{nothing}}|{{operation}}"
    "{{/chequeInfo}}{{/response}}\n"
    "{{response.chequeInfo.storeName}}|{{response.addInfo.LoanTerm}}|{{response.nothing.x}}|"
    "{{#response.list}}<{{.}}{{y}}>{{/response.list}}|{{response.mixed.b}}|{{response.deep.a.a.a}}\n"
    "{{labels.total}}|{{labels.thanks}}|{{#labels}}{{terminal}}{{/labels}}|{{branding.header}}|"
    "{{branding.footer}}|{{#branding}}{{logo}}{{/branding}}|{{receipt}}{{response}}{{labels}}"
    "{{#.}}root{{/.}}\n";

/* Expanding through the renderer's computed data (receipt_view.c) gives the
 * same text as rendering the data built whole, for every kind of document. */
static void test_computed_data_is_the_built_data(void **state)
{
    static const char *const docs[] = {
        "cheques/card-gold.json", "cheques/fields-missing.json", "cheques/hostile.json",
        "cheques/kazakh-text.json", "cheques/loan-offer.json", "cheques/numeric-scalars.json",
        "cheques/qr-order.json", "cheques/refund-card.json", "slips/declined.json", NULL
    };
    static const char mixed[] =
        "{\"status\": \"success\", \"chequeInfo\": {\"amount\": \"1 ₸\", \"rrn\": \"77\"},"
        " \"list\": [\"a\", null, 3, {\"x\": null, \"y\": \"z\"}], \"addInfo\": {\"LoanTerm\": 6,"
        " \"IsOffer\": true, \"LoanOfferName\": \"0-0-6\", \"ProductType\": \"Loan\"},"
        " \"mixed\": {\"s\": \"t\", \"n\": null, \"b\": false}, \"deep\": {\"a\": {\"a\": {\"a\": 1}}}}";
    kp_receipt_branding branding = { "iVBORw0KGgo=", "Head", "Foot" };
    json_t *labels = labels_for("ru"), *b = kp_receipt_branding_json(&branding), *data;
    kp_receipt_expander *x;
    kp_template *t;
    kp_error err = { 0 };
    (void)state;

    assert_int_equal(kp_receipt_expander_new(labels, b, &x, &err), KP_OK);
    assert_int_equal(kp_template_compile(dump_template, sizeof dump_template - 1, NULL, &t, &err),
                     KP_OK);
    for (size_t i = 0; i <= sizeof docs / sizeof docs[0] - 1; i++) {
        kp_buf built = KP_BUF_INIT, computed = KP_BUF_INIT;
        kp_receipt_document *doc = NULL;
        if (docs[i])
            doc = load_doc(docs[i]);
        else
            assert_int_equal(kp_receipt_document_load_buffer(mixed, strlen(mixed), "mixed", &doc,
                                                             &err), KP_OK);
        assert_int_equal(kp_receipt_data_build_with(doc, labels, b, &data, &err), KP_OK);
        assert_int_equal(kp_template_render(t, data, &built, &err), KP_OK);
        for (int twice = 0; twice < 2; twice++) {
            kp_buf_reset(&computed);
            assert_int_equal(kp_receipt_expand(x, doc, t, &computed, &err), KP_OK);
            assert_string_equal(kp_buf_str(&computed), kp_buf_str(&built));
        }
        assert_non_null(strstr(kp_buf_str(&built), docs[i] ? "|Head|Foot|iVBORw0KGgo=|root"
                                                            : "<a><3><z>|false|1"));
        json_decref(data);
        kp_buf_free(&built);
        kp_buf_free(&computed);
        kp_receipt_document_free(doc);
    }
    kp_template_free(t);
    kp_receipt_expander_free(x);
    json_decref(b);
    json_decref(labels);
}

static void test_missing_fields_and_long_strings(void **state)
{
    json_t *d = data_for("cheques/fields-missing.json", "ru"), *labels;
    kp_receipt_document *doc;
    kp_buf big = KP_BUF_INIT;
    kp_error err = { 0 };
    (void)state;

    assert_string_equal(at(d, "receipt.amount"), "700 ₸");     /* a bare response */
    assert_null(at(d, "receipt.method"));
    assert_false(flag(d, "isQr"));
    assert_false(flag(d, "isCard"));
    assert_null(at(d, "receipt.product"));
    assert_null(at(d, "receipt.qrData"));
    assert_string_equal(at(d, "receipt.status"), "Одобрено");
    json_decref(d);

    /* a 5000-character store name is cut on a character boundary */
    kp_buf_puts(&big, "{\"status\": \"success\", \"chequeInfo\": {\"amount\": \"1 ₸\", \"storeName\": \"");
    for (int i = 0; i < 5000; i++)
        kp_buf_puts(&big, "Ж");
    kp_buf_puts(&big, "\"}}");
    assert_int_equal(kp_receipt_document_load_buffer(big.data, big.len, "big", &doc, &err), KP_OK);
    labels = labels_for("ru");
    assert_int_equal(kp_receipt_data_build(doc, labels, NULL, &d, &err), KP_OK);
    assert_true(strlen(at(d, "response.chequeInfo.storeName")) <= KP_RECEIPT_FIELD_MAX);
    assert_int_equal(strlen(at(d, "response.chequeInfo.storeName")), KP_RECEIPT_FIELD_MAX);
    json_decref(d);
    json_decref(labels);
    kp_receipt_document_free(doc);
    kp_buf_free(&big);
}

static void test_slips(void **state)
{
    kp_receipt_document *doc = load_doc("slips/declined.json");
    json_t *labels = labels_for("ru"), *d, *slip;
    kp_error err = { 0 };
    char *text;
    (void)state;

    assert_int_equal(kp_receipt_document_kind(doc), KP_RECEIPT_DECLINED);
    assert_null(kp_receipt_document_cheque(doc));
    assert_string_equal(kp_receipt_document_id(doc), "1579245612999");
    assert_int_equal(kp_receipt_data_build(doc, labels, NULL, &d, &err), KP_OK);
    assert_string_equal(at(d, "receipt.title"), "ОПЛАТА ОТКЛОНЕНА");
    assert_string_equal(at(d, "receipt.amount"), "15 000 ₸");
    assert_string_equal(at(d, "receipt.date"), "30.11.26 10:00:00");   /* TZ=UTC */
    assert_true(flag(d, "isDeclined"));
    json_decref(d);
    kp_receipt_document_free(doc);

    slip = kp_receipt_slip_declined(700, "h:8080", "99", NULL);
    text = json_dumps(slip, 0);
    assert_int_equal(kp_receipt_document_load_buffer(text, strlen(text), "slip", &doc, &err), KP_OK);
    assert_int_equal(kp_receipt_document_kind(doc), KP_RECEIPT_DECLINED);
    assert_string_equal(kp_receipt_document_id(doc), "99");
    kp_receipt_document_free(doc);
    free(text);
    json_decref(slip);
    json_decref(labels);
}

static void expect_refused(const char *text, kp_status status, const char *words)
{
    kp_receipt_document *doc = NULL;
    kp_error err = { 0 };

    assert_int_equal(kp_receipt_document_load_buffer(text, strlen(text), "doc.json", &doc, &err),
                     status);
    assert_null(doc);
    if (!strstr(err.message, words))
        fail_msg("message [%s] lacks [%s]", err.message, words);
}

static void test_refused_documents(void **state)
{
    (void)state;
    expect_refused("{\"kaspiSlip\": 2, \"kind\": \"declined\", \"amount\": 5}", KP_ERR_MALFORMED,
                   "kaspiSlip");
    expect_refused("{\"kaspiSlip\": 1, \"kind\": \"approved\", \"amount\": 5}", KP_ERR_MALFORMED,
                   "kind");
    expect_refused("{\"kaspiSlip\": 1, \"kind\": \"declined\", \"amount\": 0}", KP_ERR_MALFORMED,
                   "amount");
    expect_refused("{\"kaspiSlip\": 1, \"kind\": \"declined\", \"amount\": 5, \"terminal\": 5.5}",
                   KP_ERR_MALFORMED, "terminal");
    expect_refused("{\"kaspiCheque\": 1,", KP_ERR_MALFORMED, "doc.json");
    expect_refused("{\"status\": \"fail\", \"chequeInfo\": {}}", KP_ERR_MALFORMED, "doc.json");
    expect_refused("[1, 2]", KP_ERR_MALFORMED, "doc.json");
}

static void test_labels_and_logo(void **state)
{
    const char *dir = kp_receipt_templates_dir(NULL);
    static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 'x' };
    char path[] = "/tmp/kp-logo-XXXXXX", *b64 = NULL;
    json_t *labels = NULL;
    kp_error err = { 0 };
    int fd;
    (void)state;

    assert_int_equal(kp_receipt_labels_load(dir, "zz", &labels, &err), KP_ERR_SETUP);
    assert_non_null(strstr(err.message, "zz"));
    assert_int_equal(kp_receipt_labels_load(dir, "../etc", &labels, &err), KP_ERR_USAGE);
    assert_int_equal(kp_receipt_labels_load(dir, "kk", &labels, &err), KP_OK);
    assert_string_equal(json_string_value(json_object_get(labels, "titlePayment")), "ТӨЛЕМ");
    json_decref(labels);

    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, png, sizeof png), sizeof png);
    close(fd);
    assert_int_equal(kp_receipt_logo_load(path, &b64, &err), KP_OK);
    assert_string_equal(b64, "iVBORw0KGgp4");
    free(b64);
    assert_int_equal(kp_journal_write_file(path, "GIF89a", 6, false, &err), KP_OK);
    assert_int_equal(kp_receipt_logo_load(path, &b64, &err), KP_ERR_SETUP);
    assert_non_null(strstr(err.message, "not a PNG"));
    unlink(path);
    assert_int_equal(kp_receipt_logo_load("/nonexistent/logo.png", &b64, &err), KP_ERR_SETUP);
}

static kp_receipt_options text_options(const char *profile)
{
    kp_receipt_options opt;
    static char profiles[512];

    kp_receipt_options_init(&opt);
    snprintf(profiles, sizeof profiles, "%s/data/profiles.conf",
             getenv("top_srcdir") ? getenv("top_srcdir") : ".");
    opt.profiles_file = profiles;
    opt.profile = profile;
    opt.format = KP_RECEIPT_FORMAT_TEXT;
    return opt;
}

static char *render_text(const kp_receipt_options *opt, const char *name)
{
    kp_receipt_document *doc = load_doc(name);
    kp_receipt_renderer *r;
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };

    if (kp_receipt_renderer_new(opt, &r, &err) != KP_OK)
        fail_msg("renderer: %s", err.message);
    if (kp_receipt_renderer_render(r, doc, &out, &err) != KP_OK)
        fail_msg("render: %s", err.message);
    kp_receipt_renderer_free(r);
    kp_receipt_document_free(doc);
    return kp_buf_steal(&out, NULL);
}

static void test_renderer_text(void **state)
{
    kp_receipt_options opt = text_options("58mm");
    kp_receipt_document *doc = load_doc("cheques/card-gold.json"), *refund;
    kp_receipt_renderer *r;
    kp_buf a = KP_BUF_INIT, b = KP_BUF_INIT, c = KP_BUF_INIT;
    kp_error err = { 0 };
    char *text;
    (void)state;

    assert_int_equal(kp_receipt_renderer_new(&opt, &r, &err), KP_OK);
    assert_int_equal(kp_receipt_renderer_cpl(r), 32);
    assert_int_equal(kp_receipt_renderer_format(r), KP_RECEIPT_FORMAT_TEXT);
    assert_int_equal(kp_receipt_renderer_render(r, doc, &a, &err), KP_OK);
    refund = load_doc("cheques/refund-card.json");
    assert_int_equal(kp_receipt_renderer_render(r, refund, &c, &err), KP_OK);
    assert_int_equal(kp_receipt_renderer_render(r, doc, &b, &err), KP_OK);
    assert_string_equal(a.data, b.data);                   /* the renderer is reusable */
    assert_non_null(strstr(a.data, "[QR: 12345]"));
    assert_non_null(strstr(a.data, "[CUT]"));
    assert_non_null(strstr(c.data, "В О З В Р А Т"));      /* refund-58 chosen by kind */
    kp_receipt_renderer_free(r);
    kp_receipt_document_free(refund);

    opt.cut = 0;
    opt.footer = "Рахмет!";
    text = render_text(&opt, "cheques/card-gold.json");
    assert_null(strstr(text, "[CUT]"));
    assert_non_null(strstr(text, "Рахмет!"));
    free(text);

    /* one-shot with the 80 mm default profile */
    kp_buf_reset(&a);
    opt = text_options(NULL);
    assert_int_equal(kp_receipt_render(kp_receipt_document_cheque(doc), &opt, &a, &err), KP_OK);
    assert_non_null(strstr(a.data, "ИТОГО                             1   5 0 0   ₸"));
    kp_receipt_document_free(doc);
    kp_buf_free(&a);
    kp_buf_free(&b);
    kp_buf_free(&c);
}

/* A renderer kept across receipts (as a long-running printer keeps it)
 * prints each cheque exactly as a fresh renderer does, in any order: no
 * state carried from one receipt shows on the next. */
static void test_kept_renderer_matches_fresh(void **state)
{
    static const char *const names[] = {
        "cheques/card-gold.json", "cheques/qr-order.json", "cheques/kazakh-text.json",
        "cheques/refund-card.json", "cheques/loan-offer.json", "cheques/hostile.json",
        "cheques/fields-missing.json", "cheques/numeric-scalars.json",
    };
    const size_t n = sizeof names / sizeof names[0];
    static const char *const languages[] = { "ru", "kk" };
    (void)state;

    for (size_t l = 0; l < 2; l++) {
        kp_receipt_options opt = text_options("80mm");
        kp_receipt_renderer *kept;
        kp_error err = { 0 };

        opt.language = languages[l];
        assert_int_equal(kp_receipt_renderer_new(&opt, &kept, &err), KP_OK);
        for (size_t step = 0; step < 3 * n; step++) {
            const char *name = names[(step * 5 + step / n) % n];   /* forward, then shuffled */
            kp_receipt_document *doc = load_doc(name);
            char *fresh = render_text(&opt, name);
            kp_buf out = KP_BUF_INIT;

            assert_int_equal(kp_receipt_renderer_render(kept, doc, &out, &err), KP_OK);
            if (strcmp(out.data, fresh) != 0)
                fail_msg("%s (%s, step %zu): the kept renderer printed otherwise", name,
                         languages[l], step);
            free(fresh);
            kp_buf_free(&out);
            kp_receipt_document_free(doc);
        }
        kp_receipt_renderer_free(kept);
    }
}

static void test_renderer_escpos_and_pdf(void **state)
{
    kp_receipt_options opt = text_options("80mm");
    kp_receipt_document *doc = load_doc("cheques/qr-order.json");
    kp_receipt_renderer *r;
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };
    (void)state;

    opt.format = KP_RECEIPT_FORMAT_ESCPOS;
    opt.drawer = 1;
    assert_int_equal(kp_receipt_renderer_new(&opt, &r, &err), KP_OK);
    assert_int_equal(kp_receipt_renderer_render(r, doc, &out, &err), KP_OK);
    assert_memory_equal(out.data, "\x1b@", 2);
    assert_non_null(memmem(out.data, out.len, "\x1bt\x11", 3));     /* CP866, ESC t 17 */
    assert_non_null(memmem(out.data, out.len, "987654321", 9));
    kp_receipt_renderer_free(r);

    kp_buf_reset(&out);
    opt.code_page = "cp1251";
    assert_int_equal(kp_receipt_renderer_new(&opt, &r, &err), KP_OK);
    assert_int_equal(kp_receipt_renderer_render(r, doc, &out, &err), KP_OK);
    assert_non_null(memmem(out.data, out.len, "\x1bt\x2e", 3));     /* WPC1251, ESC t 46 */
    kp_receipt_renderer_free(r);
    opt.code_page = "PT154";
    assert_int_equal(kp_receipt_renderer_new(&opt, &r, &err), KP_ERR_USAGE);
    opt.code_page = "KOI8-R";
    assert_int_equal(kp_receipt_renderer_new(&opt, &r, &err), KP_ERR_USAGE);
    opt.code_page = NULL;

    kp_buf_reset(&out);
    opt.format = KP_RECEIPT_FORMAT_PDF;
    assert_int_equal(kp_receipt_renderer_new(&opt, &r, &err), KP_OK);
    assert_int_equal(kp_receipt_renderer_render(r, doc, &out, &err), KP_OK);
    assert_memory_equal(out.data, "%PDF-", 5);
    kp_receipt_renderer_free(r);
    kp_receipt_document_free(doc);
    kp_buf_free(&out);
}

static void test_renderer_errors(void **state)
{
    kp_receipt_options opt = text_options("nosuch");
    kp_receipt_document *doc = load_doc("cheques/card-gold.json");
    kp_receipt_renderer *r = NULL;
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };
    (void)state;

    assert_int_equal(kp_receipt_renderer_new(&opt, &r, &err), KP_ERR_SETUP);
    assert_non_null(strstr(err.message, "nosuch"));
    opt = text_options(NULL);
    opt.cpl = 8;
    assert_int_equal(kp_receipt_renderer_new(&opt, &r, &err), KP_ERR_USAGE);
    opt = text_options(NULL);
    opt.pdf_page = "letter";
    assert_int_equal(kp_receipt_renderer_new(&opt, &r, &err), KP_ERR_USAGE);
    opt = text_options(NULL);
    opt.language = "xx";
    assert_int_equal(kp_receipt_renderer_new(&opt, &r, &err), KP_ERR_SETUP);

    opt = text_options(NULL);
    opt.template_name = "nosuch";
    assert_int_equal(kp_receipt_renderer_new(&opt, &r, &err), KP_OK);
    assert_int_equal(kp_receipt_renderer_render(r, doc, &out, &err), KP_ERR_SETUP);
    assert_non_null(strstr(err.message, "nosuch"));
    assert_int_equal(out.len, 0);
    kp_receipt_renderer_free(r);
    opt.template_name = "../payment-80";
    assert_int_equal(kp_receipt_renderer_new(&opt, &r, &err), KP_OK);
    assert_int_equal(kp_receipt_renderer_render(r, doc, &out, &err), KP_ERR_SETUP);
    kp_receipt_renderer_free(r);
    opt.template_name = "bad name";
    assert_int_equal(kp_receipt_renderer_new(&opt, &r, &err), KP_OK);
    assert_int_equal(kp_receipt_renderer_render(r, doc, &out, &err), KP_ERR_USAGE);
    kp_receipt_renderer_free(r);
    kp_receipt_document_free(doc);
    kp_buf_free(&out);
}

static void test_deliver_to_file(void **state)
{
    kp_receipt_options opt = text_options(NULL);
    kp_receipt_document *doc = load_doc("cheques/card-gold.json");
    kp_receipt_target target = { 0 };
    kp_buf file = KP_BUF_INIT;
    char dir[] = "/tmp/kp-deliver-XXXXXX", path[64];
    kp_error err = { 0 };
    int job = -1;
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/r.txt", dir);
    opt.format = KP_RECEIPT_FORMAT_AUTO;
    assert_int_equal(kp_receipt_deliver(doc, &opt, &target, &job, &err), KP_ERR_USAGE);
    target.output = path;
    target.printer = "q";
    assert_int_equal(kp_receipt_deliver(doc, &opt, &target, &job, &err), KP_ERR_USAGE);
    target.printer = NULL;
    assert_int_equal(kp_receipt_deliver(doc, &opt, &target, &job, &err), KP_OK);
    assert_int_equal(job, 0);
    assert_int_equal(kp_journal_read_file(path, 1 << 20, &file, &err), KP_OK);
    assert_non_null(strstr(file.data, "[QR: 12345]"));        /* text, from the name */
    unlink(path);
    rmdir(dir);
    kp_buf_free(&file);
    kp_receipt_document_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amounts_and_formats),
        cmocka_unit_test(test_card_gold),
        cmocka_unit_test(test_qr_loan_refund),
        cmocka_unit_test(test_numeric_scalars_become_strings),
        cmocka_unit_test(test_response_shared_or_copied),
        cmocka_unit_test(test_computed_data_is_the_built_data),
        cmocka_unit_test(test_missing_fields_and_long_strings),
        cmocka_unit_test(test_slips),
        cmocka_unit_test(test_refused_documents),
        cmocka_unit_test(test_labels_and_logo),
        cmocka_unit_test(test_renderer_text),
        cmocka_unit_test(test_kept_renderer_matches_fresh),
        cmocka_unit_test(test_renderer_escpos_and_pdf),
        cmocka_unit_test(test_renderer_errors),
        cmocka_unit_test(test_deliver_to_file),
    };
    setenv("TZ", "UTC", 1);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
