/* backend.c: the backend room: device URI, job key, delivery and slip (see backend.h). */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cups/cups.h>
#include <jansson.h>

#include "kaspipos/backend.h"
#include "kaspipos/buf.h"
#include "kaspipos/print.h"
#include "kaspipos/utf8.h"

#define QUEUE_NAME_MAX 127
#define PARAM_MAX 256

void kp_backend_uri_clear(kp_backend_uri *uri)
{
    free(uri->terminal);
    free(uri->printer);
    free(uri->template_name);
    free(uri->charset);
    free(uri->words);
    free(uri->api);
    free(uri->client_name);
    free(uri->tls_name);
    free(uri->tls_pin);
    memset(uri, 0, sizeof *uri);
}

/* ---- the device URI ---- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes s[0..len) (and '+' as a space) into a new string. */
static char *decode(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    size_t o = 0;

    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out[o++] = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else if (s[i] == '+') {
            out[o++] = ' ';
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static bool host_ok(const char *h, size_t len, bool bracketed)
{
    if (len == 0 || len > 253)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)h[i];
        bool ok = bracketed ? (isxdigit(c) || c == ':' || c == '.')
                            : (isalnum(c) || c == '.' || c == '-' || c == '_');
        if (!ok)
            return false;
    }
    return true;
}

static bool queue_ok(const char *q)
{
    size_t n = strlen(q);

    if (n == 0 || n > QUEUE_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)q[i];
        if (c <= ' ' || c == 0x7F || c == '/' || c == '#' || c == '\\' || c == '\'' || c == '"')
            return false;
    }
    return true;
}

static bool word_ok(const char *s, const char *extra)
{
    size_t n = strlen(s);

    if (n == 0 || n > PARAM_MAX || !kp_utf8_valid(s, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80 && !isalnum(c) && !strchr(extra, c))
            return false;
    }
    return true;
}

static kp_status parse_authority(const char *a, size_t len, kp_backend_uri *out, kp_error *err)
{
    const char *at = memchr(a, '@', len), *host, *port_text = NULL;
    size_t hlen;
    long port = 8080;
    bool bracketed = false;

    if (at) {  /* credentials: never used, never echoed */
        len -= (size_t)(at + 1 - a);
        a = at + 1;
    }
    if (len > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', len);
        if (!close)
            return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI has an unclosed '[' in its host");
        host = a + 1;
        hlen = (size_t)(close - host);
        bracketed = true;
        if (close + 1 < a + len) {
            if (close[1] != ':')
                return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI has junk after its host");
            port_text = close + 2;
        }
        if (!host_ok(host, hlen, true))
            return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI has a bad IPv6 address");
    } else {
        const char *colon = memchr(a, ':', len);
        host = a;
        hlen = colon ? (size_t)(colon - a) : len;
        port_text = colon ? colon + 1 : NULL;
        if (!host_ok(host, hlen, false))
            return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI needs the terminal's address: "
                                "kaspi://HOST:PORT/?printer=QUEUE");
    }
    if (port_text) {
        size_t plen = (size_t)(a + len - port_text);
        char digits[8];
        if (plen == 0 || plen > 5 || strspn(port_text, "0123456789") < plen)
            return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI has a bad port");
        memcpy(digits, port_text, plen);
        digits[plen] = '\0';
        port = strtol(digits, NULL, 10);
        if (port < 1 || port > 65535)
            return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI's port must be 1 to 65535");
    }
    if (asprintf(&out->terminal, bracketed ? "[%.*s]:%ld" : "%.*s:%ld", (int)hlen, host, port) < 0)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    return KP_OK;
}

static kp_status set_param(kp_backend_uri *out, const char *name, char *value, kp_error *err)
{
    char **slot = NULL;

    if (strcmp(name, "printer") == 0) {
        if (!queue_ok(value))
            return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI's printer '%.60s' is not a "
                                "CUPS queue name", value);
        slot = &out->printer;
    } else if (strcmp(name, "template") == 0) {
        if (!word_ok(value, "._-"))
            return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI's template must be a name "
                                "(letters, digits, '.', '_', '-')");
        slot = &out->template_name;
    } else if (strcmp(name, "charset") == 0) {
        if (!word_ok(value, "._:-") || strlen(value) > 31)
            return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI's charset must be a name "
                                "such as UTF-8, CP866 or CP1251");
        slot = &out->charset;
    } else if (strcmp(name, "words") == 0) {
        if (!word_ok(value, " ,.-"))
            return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI's words must be words "
                                "separated by commas");
        slot = &out->words;
    } else if (strcmp(name, "api") == 0) {
        if (strcmp(value, "v1") != 0 && strcmp(value, "v2") != 0)
            return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI's api must be v1 or v2");
        slot = &out->api;
    } else if (strcmp(name, "client") == 0) {
        if (!word_ok(value, "._-") || strlen(value) > 64)
            return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI's client must be a registered "
                                "client name (letters, digits, '.', '_', '-')");
        slot = &out->client_name;
    } else if (strcmp(name, "tls_name") == 0) {
        if (!word_ok(value, ".-*") || strlen(value) > 253)
            return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI's tls_name must be a host name "
                                "such as pos.kaspipos.kz");
        slot = &out->tls_name;
    } else if (strcmp(name, "tls_pin") == 0) {
        if (strncmp(value, "sha256//", 8) != 0 || !word_ok(value + 8, "+/=") || strlen(value) > 128)
            return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI's tls_pin must be sha256//BASE64");
        slot = &out->tls_pin;
    } else if (strcmp(name, "timeout") == 0) {
        char *end;
        long t = strtol(value, &end, 10);
        if (!*value || *end || !isdigit((unsigned char)value[0]) || t < 1 || t > KP_BACKEND_TIMEOUT_MAX)
            return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI's timeout must be 1 to %ld "
                                "seconds", KP_BACKEND_TIMEOUT_MAX);
        out->timeout_s = t;
        free(value);
        return KP_OK;
    } else {
        return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI has an unknown parameter '%.40s' "
                            "(known: printer, template, timeout, charset, words, api, client, "
                            "tls_name, tls_pin)", name);
    }
    free(*slot);
    *slot = value;
    return KP_OK;
}

static kp_status parse_query(const char *q, kp_backend_uri *out, kp_error *err)
{
    while (*q) {
        size_t len = strcspn(q, "&;");
        const char *eq = memchr(q, '=', len);
        char *name, *value;
        kp_status st;

        if (len > 0) {
            if (!eq)
                return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI's parameter '%.*s' has "
                                    "no value", (int)(len > 40 ? 40 : len), q);
            name = decode(q, (size_t)(eq - q));
            value = decode(eq + 1, len - (size_t)(eq + 1 - q));
            if (!name || !value) {
                free(name);
                free(value);
                return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
            }
            st = set_param(out, name, value, err);
            if (st != KP_OK)
                free(value);
            free(name);
            if (st != KP_OK)
                return st;
        }
        q += len;
        if (*q)
            q++;
    }
    return KP_OK;
}

kp_status kp_backend_uri_parse(const char *uri, kp_backend_uri *out, kp_error *err)
{
    static const char scheme[] = "kaspi://";
    const char *a, *end, *query;
    kp_status st;

    memset(out, 0, sizeof *out);
    if (!uri || strncasecmp(uri, scheme, sizeof scheme - 1) != 0)
        return kp_error_set(err, KP_ERR_SETUP, "the device URI must be kaspi://HOST:PORT/?printer=QUEUE");
    if (strlen(uri) > 2048)
        return kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI is too long");
    a = uri + sizeof scheme - 1;
    end = a + strcspn(a, "/?#");
    st = parse_authority(a, (size_t)(end - a), out, err);
    if (st == KP_OK && *end == '/' && end[1] != '\0' && end[1] != '?' && end[1] != '#')
        st = kp_error_set(err, KP_ERR_SETUP, "the kaspi:// URI has a path; the options go in "
                          "its query: kaspi://HOST:PORT/?printer=QUEUE");
    query = strchr(end, '?');
    if (st == KP_OK && query) {
        char *q = strndup(query + 1, strcspn(query + 1, "#"));
        st = q ? parse_query(q, out, err) : kp_error_set(err, KP_ERR_NOMEM, "out of memory");
        free(q);
    }
    if (st != KP_OK)
        kp_backend_uri_clear(out);
    return st;
}

/* ---- the job's key ---- */

void kp_backend_job_key(const char *options, const char *job_id, char *out, size_t size)
{
    cups_option_t *opts = NULL;
    int n = options ? cupsParseOptions(options, 0, &opts) : 0;
    const char *uuid = cupsGetOption("job-uuid", n, opts);

    if (uuid && *uuid && strlen(uuid) <= KP_JOURNAL_ID_MAX)
        snprintf(out, size, "%s", uuid);
    else
        snprintf(out, size, "cups-job-%.40s", job_id ? job_id : "0");
    cupsFreeOptions(n, opts);
}

/* ---- delivery ---- */

static char *bill_mark_path(const kp_backend_delivery *d, const kp_journal_record *record)
{
    char *path = NULL;

    if (!d->journal_dir ||
        asprintf(&path, "%s/bills/%s.delivered", d->journal_dir, kp_journal_record_id(record)) < 0)
        return NULL;
    return path;
}

static bool bill_already_delivered(const kp_backend_delivery *d, const kp_journal_record *record)
{
    char *path = bill_mark_path(d, record);
    kp_buf content = KP_BUF_INIT;
    bool found = path && kp_journal_read_file(path, 256, &content, NULL) == KP_OK;

    kp_buf_free(&content);
    free(path);
    return found;
}

static void mark_bill_delivered(const kp_backend_delivery *d, const kp_journal_record *record,
                                int job)
{
    char *path = bill_mark_path(d, record), *dir = NULL, text[32];

    if (path && asprintf(&dir, "%s/bills", d->journal_dir) >= 0 &&
        kp_journal_make_dirs(dir, NULL) == KP_OK) {
        snprintf(text, sizeof text, "%d\n", job);
        kp_journal_write_file(path, text, strlen(text), false, NULL);
    }
    free(dir);
    free(path);
}

static kp_status submit(const kp_backend_delivery *d, const char *format, const char *title,
                        const char *options, const void *data, size_t len, int *job, kp_error *err)
{
    kp_print_request req = { 0 };

    req.queue = d->queue;
    req.server = d->server;
    req.user = d->user;
    req.format = format;
    req.title = title;
    req.options = options;
    return kp_print_submit(&req, data, len, job, err);
}

static kp_status deliver_bill(const kp_backend_delivery *d, const kp_journal_record *record,
                              kp_error *err)
{
    char title[96];
    int job = 0;
    kp_status st;

    if (d->bill_len == 0 || bill_already_delivered(d, record))
        return KP_OK;
    snprintf(title, sizeof title, "Bill of job %.40s", d->job_id ? d->job_id : "?");
    st = submit(d, KP_PRINT_FORMAT_ESCPOS, title, NULL, d->bill, d->bill_len, &job, err);
    if (st != KP_OK) {
        kp_error_prefix(err, "the bill could not be sent to %s", d->queue);
        return st;
    }
    mark_bill_delivered(d, record, job);
    return KP_OK;
}

kp_status kp_backend_deliver(const kp_journal_record *record, const char *cheque_path,
                             void *ctx, char **job_id, kp_error *err)
{
    const kp_backend_delivery *d = ctx;
    kp_buf cheque = KP_BUF_INIT;
    char title[96], options[300] = "", id[32];
    int job = 0;
    kp_status st;

    if (!d || !d->queue)
        return kp_error_set(err, KP_ERR_PRINT, "no receipt queue: add ?printer=QUEUE to the kaspi:// URI");
    st = kp_journal_read_file(cheque_path, KP_JOURNAL_FILE_MAX, &cheque, err);
    if (st == KP_OK)
        st = deliver_bill(d, record, err);
    if (st == KP_OK) {
        snprintf(title, sizeof title, "Kaspi cheque %.60s",
                 kp_journal_record_process_id(record) ? kp_journal_record_process_id(record) : "");
        if (d->template_name)
            snprintf(options, sizeof options, "Template=%.250s", d->template_name);
        st = submit(d, KP_PRINT_FORMAT_CHEQUE, title, options[0] ? options : NULL,
                    cheque.data, cheque.len, &job, err);
        if (st != KP_OK)
            kp_error_prefix(err, "the cheque could not be sent to %s", d->queue);
    }
    kp_buf_free(&cheque);
    if (st == KP_OK && job_id) {
        snprintf(id, sizeof id, "%d", job);
        *job_id = strdup(id);
    }
    return st;
}

/* ---- the declined slip ---- */

char *kp_backend_declined_slip(const kp_journal_record *record, const char *at)
{
    const char *pid = kp_journal_record_process_id(record);
    json_t *slip = json_pack("{s:i, s:s, s:I, s:s, s:s?, s:s}", "kaspiSlip", 1, "kind", "declined",
                             "amount", (json_int_t)kp_journal_record_amount(record),
                             "terminal", kp_journal_record_terminal(record) ? kp_journal_record_terminal(record) : "",
                             "processId", pid, "at", at);
    char *text = slip ? json_dumps(slip, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;

    json_decref(slip);
    return text;
}

kp_status kp_backend_submit_slip(const kp_backend_delivery *d, const kp_journal_record *record,
                                 kp_error *err)
{
    char at[40], title[96];
    char *slip;
    kp_status st;

    if (!d->queue)
        return kp_error_set(err, KP_ERR_PRINT, "no queue for the declined slip");
    kp_journal_now_iso(at, sizeof at);
    slip = kp_backend_declined_slip(record, at);
    if (!slip)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory building the declined slip");
    snprintf(title, sizeof title, "Payment declined (job %.40s)", d->job_id ? d->job_id : "?");
    st = submit(d, KP_PRINT_FORMAT_CHEQUE, title, NULL, slip, strlen(slip), NULL, err);
    free(slip);
    return st;
}
