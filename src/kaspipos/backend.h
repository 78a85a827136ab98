/*
 * backend.h: the backend room: what the kaspi CUPS backend needs beyond the
 * other rooms, kept in the library so it can be tested without a scheduler.
 *
 *   - the device URI kaspi://HOST[:PORT]/?printer=QUEUE[&template=NAME]
 *     [&timeout=SECONDS][&charset=NAME][&words=W1,W2] (values %-encoded);
 *   - the job's key for the journal (its job-uuid, from the options in argv[5]);
 *   - the delivery of an approved payment: the bill exactly as the till sent
 *     it (application/vnd.cups-raw), then the saved cheque's JSON
 *     (application/vnd.kaspi-cheque+json), as two jobs on QUEUE; a bill
 *     already delivered by an earlier run of the same job is not sent again;
 *   - the "payment declined" slip, a small JSON document for QUEUE.
 */
#ifndef KASPIPOS_BACKEND_H
#define KASPIPOS_BACKEND_H

#include <stddef.h>
#include "kaspipos/error.h"
#include "kaspipos/journal.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KP_BACKEND_TIMEOUT_MAX 3600L   /* seconds a job may wait for the customer */

typedef struct kp_backend_uri {
    char *terminal;        /* "HOST:PORT" (port 8080 when the URI has none) */
    char *printer;         /* the receipt queue; NULL when the URI names none */
    char *template_name;   /* NULL: the queue's default */
    long timeout_s;        /* 0: not given */
    char *charset;         /* NULL: detect */
    char *words;           /* extra total words, comma-separated; NULL: none */
    char *api;             /* "v1" | "v2"; NULL: kaspi.conf's, else v1 */
    char *client_name;     /* v2: the registered client; NULL: kaspi.conf's / the last */
    char *tls_name;        /* v2: verify the certificate against this name */
    char *tls_pin;         /* v2: "sha256//BASE64" */
} kp_backend_uri;

/* Parses a device URI; an unknown parameter or a bad value is an error that
 * names it (KP_ERR_SETUP: the queue is set up wrong). */
kp_status kp_backend_uri_parse(const char *uri, kp_backend_uri *out, kp_error *err);
void kp_backend_uri_clear(kp_backend_uri *uri);

/* The journal key of a job: "urn:uuid:..." from job-uuid in the options
 * (argv[5]), else "cups-job-JOBID".  Into out (at least KP_JOURNAL_ID_MAX + 1). */
void kp_backend_job_key(const char *options, const char *job_id, char *out, size_t size);

/* What kp_backend_deliver needs (the agent's deliver_ctx). */
typedef struct kp_backend_delivery {
    const char *queue;          /* QUEUE */
    const char *server;         /* NULL: CUPS_SERVER */
    const char *user;           /* the job's user; NULL: the current one */
    const char *job_id;         /* the kaspi job, for titles */
    const char *template_name;  /* NULL: the queue's default */
    const void *bill;           /* the job's bytes as received */
    size_t bill_len;
    const char *journal_dir;    /* where "bill delivered" marks are kept */
} kp_backend_delivery;

/* A kp_agent_deliver_fn: the bill, then the cheque, on ctx->queue. */
kp_status kp_backend_deliver(const kp_journal_record *record, const char *cheque_path,
                             void *ctx, char **job_id, kp_error *err);

/* The declined slip of a record: {"kaspiSlip": 1, "kind": "declined",
 * "amount", "terminal", "processId", "at"}.  free() the result. */
char *kp_backend_declined_slip(const kp_journal_record *record, const char *at);

/* Submits the declined slip of a record to delivery->queue. */
kp_status kp_backend_submit_slip(const kp_backend_delivery *delivery,
                                 const kp_journal_record *record, kp_error *err);

#ifdef __cplusplus
}
#endif
#endif
