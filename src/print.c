/* print.c: submitting bytes to a CUPS queue over one explicit connection
 * (see kaspipos/print.h).  The queue is checked first so that the errors an
 * admin can fix (scheduler down, no such queue, queue stopped) say so; then
 * the job is created and its one document sent with the caller's user name,
 * and a job that could not be sent completely is canceled. */
#include "config.h"
#include "kaspipos/print.h"
#include "kaspipos/utf8.h"

#include <cups/cups.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define NAME_MAX_BYTES 127      /* CUPS queue names */
#define TEXT_MAX_BYTES 255      /* IPP name attributes: title, user */
#define FORMAT_MAX_BYTES 127
#define OPTIONS_MAX_BYTES 4096
#define WRITE_CHUNK 65536

/* Everything one submission needs, resolved and checked. */
typedef struct submission {
    const char *queue;
    const char *title;
    const char *format;
    const char *user;
    char host[256];
    int port;
    char shown[300];        /* the server as messages name it */
    char uri[1024];         /* ipp://localhost/printers/QUEUE */
    const char *resource;   /* the path part of uri */
    int timeout_ms;
    http_t *http;
} submission;

static bool text_ok(const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len == 0 || len > max || !kp_utf8_valid(s, len))
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

/* CUPS refuses names with spaces, controls, and these characters. */
static bool queue_name_ok(const char *s)
{
    if (!text_ok(s, NAME_MAX_BYTES))
        return false;
    for (; *s; s++)
        if (*s == ' ' || strchr("/\\#?'\"", *s))
            return false;
    return true;
}

static bool format_ok(const char *s)
{
    size_t len = strlen(s);
    int slashes = 0;
    if (len < 3 || len > FORMAT_MAX_BYTES || s[0] == '/' || s[len - 1] == '/')
        return false;
    for (; *s; s++) {
        if (*s == '/')
            slashes++;
        else if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+-_", *s))
            return false;
    }
    return slashes == 1;
}

static kp_status check_request(const kp_print_request *req, const void *data, size_t len,
                               kp_error *err)
{
    if (!req || !req->queue || !*req->queue)
        return kp_error_set(err, KP_ERR_USAGE, "no CUPS queue given to print on");
    if (!queue_name_ok(req->queue))
        return kp_error_set(err, KP_ERR_USAGE,
                            "\"%.*s\" is not a CUPS queue name (no spaces, / \\ # ? or quotes)",
                            NAME_MAX_BYTES, req->queue);
    if (!data || len == 0)
        return kp_error_set(err, KP_ERR_USAGE, "nothing to print on %s: the document is empty", req->queue);
    if (len > KP_PRINT_MAX_DATA)
        return kp_error_set(err, KP_ERR_TOO_LARGE, "the document for %s is %zu bytes, over the %u-byte limit",
                            req->queue, len, KP_PRINT_MAX_DATA);
    if (req->format && !format_ok(req->format))
        return kp_error_set(err, KP_ERR_USAGE, "\"%.*s\" is not a document format (type/subtype)",
                            FORMAT_MAX_BYTES, req->format);
    if (req->title && !text_ok(req->title, TEXT_MAX_BYTES))
        return kp_error_set(err, KP_ERR_USAGE, "the job title must be 1-%d bytes of UTF-8 text", TEXT_MAX_BYTES);
    if (req->user && !text_ok(req->user, TEXT_MAX_BYTES))
        return kp_error_set(err, KP_ERR_USAGE, "the user name must be 1-%d bytes of UTF-8 text", TEXT_MAX_BYTES);
    if (req->options && strlen(req->options) > OPTIONS_MAX_BYTES)
        return kp_error_set(err, KP_ERR_USAGE, "the job options are over %d bytes", OPTIONS_MAX_BYTES);
    if (req->timeout_ms < 0)
        return kp_error_set(err, KP_ERR_USAGE, "a negative timeout makes no sense");
    return KP_OK;
}

/* "host", "host:port", "[v6]:port", "v6" or "/socket"; the port defaults to
 * ippPort() (IPP_PORT, else 631). */
static kp_status resolve_server(const char *spec, submission *s, kp_error *err)
{
    const char *colon, *host = spec;
    size_t host_len = strlen(spec);

    s->port = ippPort();
    if (spec[0] != '/') {
        if (spec[0] == '[') {
            const char *close = strchr(spec, ']');
            if (!close)
                return kp_error_set(err, KP_ERR_USAGE, "bad CUPS server \"%s\": no ] after [", spec);
            host = spec + 1;
            host_len = (size_t)(close - host);
            colon = close[1] == ':' ? close + 1 : NULL;
        } else {
            colon = strchr(spec, ':');
            if (colon && strchr(colon + 1, ':'))
                colon = NULL;  /* a bare IPv6 address */
            if (colon)
                host_len = (size_t)(colon - spec);
        }
        if (colon) {
            char *end;
            long port = strtol(colon + 1, &end, 10);
            if (end == colon + 1 || *end || port < 1 || port > 65535)
                return kp_error_set(err, KP_ERR_USAGE, "bad CUPS server \"%s\": bad port", spec);
            s->port = (int)port;
        }
    }
    if (host_len == 0 || host_len >= sizeof s->host)
        return kp_error_set(err, KP_ERR_USAGE, "bad CUPS server \"%.300s\"", spec);
    memcpy(s->host, host, host_len);
    s->host[host_len] = '\0';
    if (s->host[0] == '/')
        snprintf(s->shown, sizeof s->shown, "%s", s->host);
    else
        snprintf(s->shown, sizeof s->shown, "%s:%d", s->host, s->port);
    return KP_OK;
}

static kp_status prepare(const kp_print_request *req, submission *s, kp_error *err)
{
    const char *server = req->server ? req->server : cupsServer();
    kp_status st;

    memset(s, 0, sizeof *s);
    s->queue = req->queue;
    s->title = req->title ? req->title : "Kaspi receipt";
    s->format = req->format ? req->format : KP_PRINT_FORMAT_ESCPOS;
    s->user = req->user ? req->user : cupsUser();
    s->timeout_ms = req->timeout_ms ? req->timeout_ms : KP_PRINT_DEFAULT_TIMEOUT_MS;
    if (!server || !*server)
        return kp_error_set(err, KP_ERR_SETUP, "no CUPS server is configured: set CUPS_SERVER");
    if ((st = resolve_server(server, s, err)) != KP_OK)
        return st;
    if (httpAssembleURIf(HTTP_URI_CODING_ALL, s->uri, sizeof s->uri, "ipp", NULL, "localhost",
                         s->host[0] == '/' ? 631 : s->port, "/printers/%s", s->queue) < HTTP_URI_STATUS_OK)
        return kp_error_set(err, KP_ERR_USAGE, "cannot make a printer URI for queue \"%s\"", s->queue);
    s->resource = strchr(s->uri + strlen("ipp://"), '/');
    return KP_OK;
}

static kp_status connect_scheduler(submission *s, kp_error *err)
{
    s->http = httpConnect2(s->host, s->port, NULL, AF_UNSPEC, HTTP_ENCRYPTION_IF_REQUESTED,
                           1, s->timeout_ms, NULL);
    if (!s->http) {
        /* libcups records why the connection failed; errno is gone by now. */
        const char *why = cupsLastError() != IPP_STATUS_OK ? cupsLastErrorString() : NULL;
        return kp_error_set(err, KP_ERR_UNREACHABLE,
                            "the CUPS scheduler at %s is not running (%s): start it "
                            "(systemctl start cups) or point CUPS_SERVER at the right one",
                            s->shown, why && *why ? why : "cannot connect");
    }
    httpSetTimeout(s->http, s->timeout_ms / 1000.0, NULL, NULL);
    return KP_OK;
}

static ipp_t *new_request(const submission *s, ipp_op_t op)
{
    ipp_t *rq = ippNewRequest(op);
    ippAddString(rq, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, s->uri);
    ippAddString(rq, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, s->user);
    return rq;
}

/* The error for a request that got no IPP answer at all. */
static kp_status no_answer(const submission *s, const char *what, kp_error *err)
{
    ipp_status_t status = cupsLastError();
    if (status == IPP_STATUS_ERROR_SERVICE_UNAVAILABLE || status == IPP_STATUS_ERROR_INTERNAL)
        return kp_error_set(err, KP_ERR_UNREACHABLE,
                            "the CUPS scheduler at %s did not answer %s within %d ms: %s",
                            s->shown, what, s->timeout_ms, cupsLastErrorString());
    return kp_error_set(err, KP_ERR_PRINT, "the CUPS scheduler at %s refused %s: %s",
                        s->shown, what, cupsLastErrorString());
}

static bool format_supported(ipp_t *attrs, const char *format)
{
    ipp_attribute_t *a = ippFindAttribute(attrs, "document-format-supported", IPP_TAG_MIMETYPE);
    if (!a)
        return true;  /* the scheduler did not say: let Send-Document decide */
    for (int i = 0; i < ippGetCount(a); i++)
        if (!strcasecmp(ippGetString(a, i, NULL), format))
            return true;
    return false;
}

static kp_status format_refused(const submission *s, kp_error *err)
{
    if (!strcasecmp(s->format, KP_PRINT_FORMAT_CHEQUE))
        return kp_error_set(err, KP_ERR_PRINT,
                            "queue %s does not take Kaspi cheques (%s): make it from a kaspi-cups PPD "
                            "and check that kaspi.types and kaspi.convs are installed",
                            s->queue, s->format);
    return kp_error_set(err, KP_ERR_PRINT, "queue %s does not take %s documents: check its driver (lpoptions -p %s)",
                        s->queue, s->format, s->queue);
}

/* Get-Printer-Attributes: does the queue exist, is it enabled and accepting,
 * does it take the format? */
static kp_status check_queue(const submission *s, kp_error *err)
{
    static const char *const wanted[] = {
        "printer-state", "printer-state-message", "printer-is-accepting-jobs", "document-format-supported"
    };
    ipp_t *rq = new_request(s, IPP_OP_GET_PRINTER_ATTRIBUTES), *resp;
    ipp_attribute_t *a;
    kp_status st = KP_OK;

    ippAddStrings(rq, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                  (int)(sizeof wanted / sizeof wanted[0]), NULL, wanted);
    resp = cupsDoRequest(s->http, rq, s->resource);
    if (!resp)
        return no_answer(s, "a question about the queue", err);
    if (ippGetStatusCode(resp) == IPP_STATUS_ERROR_NOT_FOUND) {
        st = kp_error_set(err, KP_ERR_NOT_FOUND, "CUPS has no queue named %s: lpstat -p lists the queues",
                          s->queue);
    } else if (ippGetStatusCode(resp) > IPP_STATUS_OK_CONFLICTING) {
        st = kp_error_set(err, KP_ERR_PRINT, "CUPS cannot tell the state of queue %s: %s",
                          s->queue, cupsLastErrorString());
    } else if ((a = ippFindAttribute(resp, "printer-state", IPP_TAG_ENUM)) &&
               ippGetInteger(a, 0) == IPP_PSTATE_STOPPED) {
        const char *why = ippGetString(ippFindAttribute(resp, "printer-state-message", IPP_TAG_TEXT), 0, NULL);
        st = kp_error_set(err, KP_ERR_PRINT, "queue %s is stopped%s%s%s: cupsenable %s", s->queue,
                          why && *why ? " (" : "", why && *why ? why : "", why && *why ? ")" : "", s->queue);
    } else if ((a = ippFindAttribute(resp, "printer-is-accepting-jobs", IPP_TAG_BOOLEAN)) &&
               !ippGetBoolean(a, 0)) {
        st = kp_error_set(err, KP_ERR_PRINT, "queue %s is not accepting jobs: cupsaccept %s", s->queue, s->queue);
    } else if (!format_supported(resp, s->format)) {
        st = format_refused(s, err);
    }
    ippDelete(resp);
    return st;
}

static kp_status create_job(const submission *s, const char *options, int *job_id, kp_error *err)
{
    ipp_t *rq = new_request(s, IPP_OP_CREATE_JOB), *resp;
    cups_option_t *opts = NULL;
    int nopts = options ? cupsParseOptions(options, 0, &opts) : 0;
    ipp_attribute_t *id;
    kp_status st = KP_OK;

    ippAddString(rq, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", NULL, s->title);
    cupsEncodeOptions2(rq, nopts, opts, IPP_TAG_OPERATION);
    cupsEncodeOptions2(rq, nopts, opts, IPP_TAG_JOB);
    cupsFreeOptions(nopts, opts);
    resp = cupsDoRequest(s->http, rq, s->resource);
    if (!resp)
        return no_answer(s, "the new job", err);
    if (ippGetStatusCode(resp) == IPP_STATUS_ERROR_NOT_ACCEPTING_JOBS)
        st = kp_error_set(err, KP_ERR_PRINT, "queue %s is not accepting jobs: cupsaccept %s", s->queue, s->queue);
    else if (ippGetStatusCode(resp) > IPP_STATUS_OK_CONFLICTING)
        st = kp_error_set(err, KP_ERR_PRINT, "queue %s refused the job: %s", s->queue, cupsLastErrorString());
    else if (!(id = ippFindAttribute(resp, "job-id", IPP_TAG_INTEGER)) || ippGetInteger(id, 0) <= 0)
        st = kp_error_set(err, KP_ERR_PRINT, "queue %s created a job but gave no job id", s->queue);
    else
        *job_id = ippGetInteger(id, 0);
    ippDelete(resp);
    return st;
}

/* Writes the document; on success leaves the response to be read. */
static http_status_t write_document(const submission *s, ipp_t *rq, const char *data, size_t len)
{
    /* The length is the whole body: the IPP request, then the document. */
    http_status_t hs = cupsSendRequest(s->http, rq, s->resource, ippLength(rq) + len);
    for (size_t off = 0; hs == HTTP_STATUS_CONTINUE && off < len; off += WRITE_CHUNK) {
        size_t n = len - off < WRITE_CHUNK ? len - off : WRITE_CHUNK;
        hs = cupsWriteRequestData(s->http, data + off, n);
    }
    return hs;
}

static kp_status send_document(const submission *s, int job_id, const void *data, size_t len, kp_error *err)
{
    ipp_t *rq = new_request(s, IPP_OP_SEND_DOCUMENT), *resp;
    http_status_t hs;
    kp_status st = KP_OK;

    ippAddInteger(rq, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", job_id);
    ippAddString(rq, IPP_TAG_OPERATION, IPP_TAG_NAME, "document-name", NULL, s->title);
    ippAddString(rq, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", NULL, s->format);
    ippAddBoolean(rq, IPP_TAG_OPERATION, "last-document", 1);
    hs = write_document(s, rq, data, len);
    ippDelete(rq);
    resp = cupsGetResponse(s->http, s->resource);
    if (!resp) {
        if (hs != HTTP_STATUS_CONTINUE)
            return kp_error_set(err, KP_ERR_PRINT, "sending job %d to queue %s failed (HTTP %d): %s",
                                job_id, s->queue, (int)hs, cupsLastErrorString());
        return no_answer(s, "the document", err);
    }
    if (ippGetStatusCode(resp) == IPP_STATUS_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED)
        st = format_refused(s, err);
    else if (ippGetStatusCode(resp) > IPP_STATUS_OK_CONFLICTING)
        st = kp_error_set(err, KP_ERR_PRINT, "queue %s refused the document of job %d: %s",
                          s->queue, job_id, cupsLastErrorString());
    ippDelete(resp);
    return st;
}

/* Best effort: a job whose document did not arrive must not wait forever. */
static void cancel_job(const submission *s, int job_id)
{
    ipp_t *rq = new_request(s, IPP_OP_CANCEL_JOB);
    ippAddInteger(rq, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", job_id);
    ippDelete(cupsDoRequest(s->http, rq, s->resource));
}

kp_status kp_print_submit(const kp_print_request *req, const void *data, size_t len,
                          int *job_id, kp_error *err)
{
    submission s;
    int id = 0;
    kp_status st;

    if ((st = check_request(req, data, len, err)) != KP_OK)
        return st;
    if ((st = prepare(req, &s, err)) != KP_OK)
        return st;
    if ((st = connect_scheduler(&s, err)) != KP_OK)
        return st;
    st = check_queue(&s, err);
    if (st == KP_OK)
        st = create_job(&s, req->options, &id, err);
    if (st == KP_OK && (st = send_document(&s, id, data, len, err)) != KP_OK)
        cancel_job(&s, id);
    httpClose(s.http);
    if (st == KP_OK && job_id)
        *job_id = id;
    return st;
}
