/*
 * journal.h: the write-ahead journal of terminal operations.
 *
 * Money depends on this room: a payment is recorded BEFORE the request that
 * starts it is sent, and every later fact (the processId, the terminal's raw
 * answers, the final status, the saved cheque, the print result) is made
 * durable as soon as it is known.  After a crash, `recover` reads the records
 * that are not done and resumes them without ever starting a charge again.
 *
 * Opening a journal removes temp files left over 10 minutes ago by a process
 * killed mid-write (they never hold anything the record lacks).
 *
 * Layout of a journal directory (mode 0700, files 0600):
 *   ID.json            one operation record per file (see below)
 *   terminal-H_P.lock  the per-terminal lock (flock), holding the holder's pid
 *   cheques/           saved cheques (see kaspipos/cheque.h)
 * Every file is written atomically: a temp file in the same directory, write,
 * fsync, rename (or link when it must not replace), fsync of the directory.
 * A reader sees either the old or the new file, never a mix.  Files are read
 * with a bound and never through a symlink.
 *
 * A record is JSON: {"kaspiJournal": 1, "id", "externalKey", "operation",
 * "amount", "terminal", "api", "method", "refundTransactionId", "state",
 * "processId", "created", "updated", "startResponse", "statusResponse",
 * "finalStatus", "transactionId", "cheque", "print": {...},
 * "printResult": {...}, "note"}.  Raw terminal bodies are kept verbatim as
 * JSON strings; a body that is not valid UTF-8 is kept in
 * "startResponseBase64" / "statusResponseBase64" instead, byte for byte.
 *
 * Ownership: records returned by the journal belong to the caller
 * (kp_journal_record_free); strings returned by accessors are borrowed from
 * the record and live until its next update or free.
 */
#ifndef KASPIPOS_JOURNAL_H
#define KASPIPOS_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "kaspipos/error.h"
#include "kaspipos/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every journal or cheque file read is bounded by this. */
#define KP_JOURNAL_FILE_MAX (4u * 1024u * 1024u)
/* Ids and external keys are at most this long (before sanitizing). */
#define KP_JOURNAL_ID_MAX 128

typedef struct kp_journal kp_journal;
typedef struct kp_journal_lock kp_journal_lock;
typedef struct kp_journal_record kp_journal_record;

typedef enum kp_journal_operation {
    KP_JOURNAL_PAYMENT = 0,
    KP_JOURNAL_REFUND
} kp_journal_operation;

/* Where an operation is.  The order is the order of its life. */
typedef enum kp_journal_state {
    KP_JOURNAL_INTENT = 0,     /* written before the start request is sent */
    KP_JOURNAL_STARTED,        /* the terminal gave a processId */
    KP_JOURNAL_FINAL,          /* a final status (success or fail) was seen */
    KP_JOURNAL_PRINTED,        /* the receipt was delivered */
    KP_JOURNAL_PRINT_FAILED,   /* the receipt could not be delivered */
    KP_JOURNAL_DONE            /* nothing is left to do */
} kp_journal_state;

typedef enum kp_journal_final {
    KP_JOURNAL_FINAL_NONE = 0, /* not seen yet */
    KP_JOURNAL_FINAL_SUCCESS,
    KP_JOURNAL_FINAL_FAIL,
    KP_JOURNAL_FINAL_UNKNOWN
} kp_journal_final;

/* Where and how the receipt of an operation is to be printed.  All fields
 * are optional (NULL); with neither printer nor output nothing is printed. */
typedef struct kp_journal_print_request {
    const char *printer;       /* CUPS queue */
    const char *output;        /* output file */
    const char *format;        /* escpos | pdf | text */
    const char *template_name; /* NAME or FILE */
    const char *profile;       /* printer profile */
} kp_journal_print_request;

/* What the caller knows before the start request is sent. */
typedef struct kp_journal_intent {
    kp_journal_operation operation;
    long long amount;                 /* 1..999999999 */
    const char *terminal;             /* "HOST:PORT" (kp_agent_run fills it in) */
    const char *api;                  /* "v1" (NULL means v1) or "v2" */
    const char *method;               /* refunds: card | qr | alaqan */
    const char *refund_transaction_id;/* refunds: the purchase's transactionId */
    const char *external_key;         /* optional, e.g. a CUPS job uuid */
    kp_journal_print_request print;
} kp_journal_intent;

/* ---- the journal ---- */

/* Opens (creating with mode 0700, parents too) and probes the directory by
 * writing and removing a file.  KP_ERR_SETUP when it cannot be used. */
kp_status kp_journal_open(const char *dir, kp_journal **out, kp_error *err);
void kp_journal_free(kp_journal *journal);
const char *kp_journal_dir(const kp_journal *journal);

/* For tests: called after each step of every atomic write of this journal
 * ("temp-written", "temp-synced", "renamed", "dir-synced"). */
void kp_journal_set_step_hook(kp_journal *journal,
                              void (*hook)(const char *step, void *data), void *data);

/* ---- the per-terminal lock ---- */

/* Takes the lock of one terminal without waiting.  KP_ERR_BUSY, naming the
 * holder's pid, when another process holds it.  Released by
 * kp_journal_unlock or by the death of the process. */
kp_status kp_journal_lock_terminal(kp_journal *journal, const char *terminal,
                                   kp_journal_lock **out, kp_error *err);
void kp_journal_unlock(kp_journal_lock *lock);

/* ---- writing records (each call is durable before it returns) ---- */

/* Writes a new record in state intent.  With an external key, the record's
 * id is derived from the key and a second record for the same key is
 * refused with KP_ERR_BUSY (look it up with kp_journal_find_by_key). */
kp_status kp_journal_create(kp_journal *journal, const kp_journal_intent *intent,
                            kp_journal_record **out, kp_error *err);

/* Keeps the raw start response; with a processId the state becomes
 * started.  process_id may be NULL (the terminal refused or the body does
 * not parse): the state stays intent. */
kp_status kp_journal_set_started(kp_journal *journal, kp_journal_record *record,
                                 const char *process_id,
                                 const char *body, size_t body_len, kp_error *err);

/* Keeps the raw body of the latest status response (e.g. "wait"). */
kp_status kp_journal_set_status_response(kp_journal *journal, kp_journal_record *record,
                                         const char *body, size_t body_len, kp_error *err);

/* Records the final status response verbatim, the final status and the
 * transactionId (may be NULL).  success and fail make the state final;
 * unknown (deadline passed, v2 "unknown") is recorded but leaves the state
 * as it was, so that recover keeps polling it. */
kp_status kp_journal_set_final(kp_journal *journal, kp_journal_record *record,
                               kp_journal_final status, const char *transaction_id,
                               const char *body, size_t body_len, kp_error *err);

kp_status kp_journal_set_cheque(kp_journal *journal, kp_journal_record *record,
                                const char *cheque_path, kp_error *err);

/* Replaces the print request (e.g. a reprint elsewhere). */
kp_status kp_journal_set_print_request(kp_journal *journal, kp_journal_record *record,
                                       const kp_journal_print_request *print, kp_error *err);

/* Records the print result; the state becomes printed or print_failed.
 * message and job_id may be NULL. */
kp_status kp_journal_set_print_result(kp_journal *journal, kp_journal_record *record,
                                      bool ok, const char *message, const char *job_id,
                                      kp_error *err);

/* The state becomes done; note (may be NULL) says why, for the admin. */
kp_status kp_journal_set_done(kp_journal *journal, kp_journal_record *record,
                              const char *note, kp_error *err);

/* ---- reading records ---- */

/* KP_ERR_NOT_FOUND when there is no record with this id. */
kp_status kp_journal_load(kp_journal *journal, const char *id,
                          kp_journal_record **out, kp_error *err);
/* KP_ERR_NOT_FOUND when no record was made for this key. */
kp_status kp_journal_find_by_key(kp_journal *journal, const char *external_key,
                                 kp_journal_record **out, kp_error *err);

/* All records (or those not done) oldest first.  A record file that cannot
 * be read is an error naming it: recovery must never skip one silently. */
kp_status kp_journal_list(kp_journal *journal, bool unfinished_only,
                          kp_journal_record ***out, size_t *count, kp_error *err);
void kp_journal_records_free(kp_journal_record **records, size_t count);

void kp_journal_record_free(kp_journal_record *record);

/* ---- record accessors (strings borrowed, NULL when absent) ---- */

const char *kp_journal_record_id(const kp_journal_record *r);
const char *kp_journal_record_path(const kp_journal_record *r);
const char *kp_journal_record_external_key(const kp_journal_record *r);
kp_journal_operation kp_journal_record_operation(const kp_journal_record *r);
long long kp_journal_record_amount(const kp_journal_record *r);
const char *kp_journal_record_terminal(const kp_journal_record *r);
const char *kp_journal_record_api(const kp_journal_record *r);       /* never NULL */
const char *kp_journal_record_method(const kp_journal_record *r);
const char *kp_journal_record_refund_transaction_id(const kp_journal_record *r);
kp_journal_state kp_journal_record_state(const kp_journal_record *r);
const char *kp_journal_record_process_id(const kp_journal_record *r);
const char *kp_journal_record_created(const kp_journal_record *r);
const char *kp_journal_record_updated(const kp_journal_record *r);
/* The raw bodies, byte for byte (may contain NULs); NULL when none. */
const char *kp_journal_record_start_response(const kp_journal_record *r, size_t *len);
const char *kp_journal_record_status_response(const kp_journal_record *r, size_t *len);
kp_journal_final kp_journal_record_final_status(const kp_journal_record *r);
const char *kp_journal_record_transaction_id(const kp_journal_record *r);
const char *kp_journal_record_cheque(const kp_journal_record *r);
/* Fills *out with borrowed strings. */
void kp_journal_record_print_request(const kp_journal_record *r,
                                     kp_journal_print_request *out);
/* -1 not printed yet, 0 failed, 1 delivered. */
int kp_journal_record_print_ok(const kp_journal_record *r);
const char *kp_journal_record_print_error(const kp_journal_record *r);
const char *kp_journal_record_print_job_id(const kp_journal_record *r);
const char *kp_journal_record_note(const kp_journal_record *r);
/* The whole record (borrowed; do not modify). */
const json_t *kp_journal_record_json(const kp_journal_record *r);

const char *kp_journal_operation_name(kp_journal_operation op);  /* payment|refund */
const char *kp_journal_state_name(kp_journal_state state);       /* intent|started|... */
const char *kp_journal_final_name(kp_journal_final status);      /* ""|success|fail|unknown */

/* ---- files (shared with the cheque room and anyone storing state) ---- */

/* Writes path atomically with mode 0600 (temp file beside it, fsync,
 * rename, fsync of the directory).  With no_replace, an existing path is
 * left alone and the call fails with KP_ERR_BUSY. */
kp_status kp_journal_write_file(const char *path, const void *data, size_t len,
                                bool no_replace, kp_error *err);
/* Reads a regular file (never through a symlink) of at most limit bytes
 * into out (appended).  KP_ERR_NOT_FOUND when it does not exist,
 * KP_ERR_TOO_LARGE over the limit. */
kp_status kp_journal_read_file(const char *path, size_t limit, kp_buf *out, kp_error *err);
/* Creates dir and its parents with mode 0700 where missing. */
kp_status kp_journal_make_dirs(const char *dir, kp_error *err);
/* "2026-11-30T03:15:00.123Z" of now, into a buffer of at least 32 bytes. */
void kp_journal_now_iso(char *out, size_t size);

#ifdef __cplusplus
}
#endif
#endif
