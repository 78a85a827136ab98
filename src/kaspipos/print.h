/*
 * print.h: the print room: submitting a receipt's bytes to a CUPS queue.
 *
 * The room knows nothing of what the bytes mean: ESC/POS, PDF, a cheque for
 * the queue's own filters, or plain text.  It talks to one scheduler over its
 * own connection (no libcups default destination or printer list), checks the
 * queue before it creates a job, and reports what an admin can fix:
 *
 *   KP_ERR_UNREACHABLE  the scheduler is not running or cannot be reached
 *   KP_ERR_NOT_FOUND    the scheduler has no queue of that name
 *   KP_ERR_PRINT        the queue is stopped or rejects jobs, the queue does not
 *                       take the format, or the job failed while being sent
 *   KP_ERR_USAGE        a bad request (no queue, bad name, empty data, ...)
 *   KP_ERR_TOO_LARGE    data over KP_PRINT_MAX_DATA
 *
 * Success means the scheduler has accepted the whole job; what the printer
 * does afterwards is for CUPS to report.
 */
#ifndef KASPIPOS_PRINT_H
#define KASPIPOS_PRINT_H

#include <stddef.h>

#include "kaspipos/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Document formats the project sends. */
#define KP_PRINT_FORMAT_ESCPOS "application/vnd.cups-raw"
#define KP_PRINT_FORMAT_PDF    "application/pdf"
#define KP_PRINT_FORMAT_CHEQUE "application/vnd.kaspi-cheque+json"
#define KP_PRINT_FORMAT_TEXT   "text/plain"

#define KP_PRINT_MAX_DATA (16u * 1024u * 1024u)  /* one receipt, generously */
#define KP_PRINT_DEFAULT_TIMEOUT_MS 10000

typedef struct kp_print_request {
    const char *queue;    /* the CUPS queue name (required) */
    const char *server;   /* "host", "host:port", "[v6]:port" or "/path/to/socket";
                             NULL: CUPS_SERVER from the environment, else libcups's
                             default (client.conf, the local scheduler) */
    const char *title;    /* job title, e.g. "Kaspi cheque 123456"; NULL: "Kaspi receipt" */
    const char *format;   /* MIME type, one of KP_PRINT_FORMAT_... or any
                             "type/subtype"; NULL: KP_PRINT_FORMAT_ESCPOS */
    const char *user;     /* requesting user name; NULL: libcups's (the current user) */
    const char *options;  /* job options "name=value name2=value2" as lp -o
                             takes them (cupsParseOptions); NULL: none */
    int timeout_ms;       /* bound on connecting and on each exchange with the
                             scheduler; 0: KP_PRINT_DEFAULT_TIMEOUT_MS */
} kp_print_request;

/* Submits len bytes of data as one job with one document.  On success
 * *job_id (when not NULL) is the scheduler's job id.  On failure nothing is
 * left queued: a job created but not completely sent is canceled. */
kp_status kp_print_submit(const kp_print_request *req, const void *data, size_t len,
                          int *job_id, kp_error *err);

#ifdef __cplusplus
}
#endif
#endif
