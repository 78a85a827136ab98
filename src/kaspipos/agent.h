/*
 * agent.h: one payment or refund from start to a final answer (the "agent"
 * room).  It ties the terminal client to the write-ahead journal so that no
 * crash, kill, network fault or odd reply can cause a second charge or lose
 * an approved cheque:
 *
 *   1. lock the terminal (a second agent gets KP_ERR_BUSY at once);
 *   2. write the intent record, durable BEFORE the start request is sent;
 *   3. send the start request; record the processId the moment it is known;
 *   4. poll the status until success or fail, the deadline, or an interrupt;
 *      transient faults (no answer, refused connection, HTTP 5xx, a body that
 *      does not parse) do not end a started operation before the deadline;
 *   5. record the final response verbatim and save the cheque;
 *   6. deliver the receipt through the caller's deliver function, and record
 *      the result.
 *
 * kp_agent_resume() continues any record from where it stopped (this is what
 * `kaspi-pay recover` and a re-run CUPS job use).  A record whose start is
 * uncertain (intent written, no processId) is never sent again: it is
 * reported for a check on the terminal.
 */
#ifndef KASPIPOS_AGENT_H
#define KASPIPOS_AGENT_H

#include <signal.h>
#include <stdbool.h>
#include "kaspipos/error.h"
#include "kaspipos/journal.h"
#include "kaspipos/terminal.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KP_AGENT_DEFAULT_DEADLINE_MS (300 * 1000L)
#define KP_AGENT_DEFAULT_POLL_MS 1000L

typedef enum kp_outcome {
    KP_OUTCOME_APPROVED,     /* success: cheque saved (delivery in `delivered`) */
    KP_OUTCOME_DECLINED,     /* the terminal reported fail */
    KP_OUTCOME_REFUSED,      /* the terminal refused to start; nothing started */
    KP_OUTCOME_UNREACHABLE,  /* nothing was sent */
    KP_OUTCOME_UNKNOWN,      /* started (or maybe started), no final status seen */
    KP_OUTCOME_BUSY,         /* another agent holds the terminal; nothing sent */
    KP_OUTCOME_SETUP         /* the journal could not be written; nothing sent */
} kp_outcome;

/* What the agent tells a person while it waits. */
typedef struct kp_agent_progress {
    const char *terminal;      /* HOST:PORT */
    const char *process_id;    /* NULL before the terminal answered */
    long elapsed_ms;
    const char *state;         /* terminal's status text, e.g. "wait" */
    const char *sub_status;    /* v2 subStatus, when sent */
    const char *problem;       /* a transient fault while polling, or NULL */
} kp_agent_progress;

typedef void (*kp_agent_progress_fn)(const kp_agent_progress *progress, void *ctx);

/* Renders and delivers the receipt of an approved record whose cheque is
 * saved at cheque_path, where the record's print request says.  Returns
 * KP_OK with *job_id (a CUPS job id, may stay NULL; free() it) or an error. */
typedef kp_status (*kp_agent_deliver_fn)(const kp_journal_record *record, const char *cheque_path,
                                         void *ctx, char **job_id, kp_error *err);

typedef struct kp_agent_options {
    kp_terminal *terminal;
    kp_journal *journal;
    long deadline_ms;                  /* 0: KP_AGENT_DEFAULT_DEADLINE_MS */
    long poll_interval_ms;             /* 0: KP_AGENT_DEFAULT_POLL_MS */
    kp_agent_progress_fn progress;     /* may be NULL */
    void *progress_ctx;
    kp_agent_deliver_fn deliver;       /* may be NULL: nothing is printed */
    void *deliver_ctx;
    const volatile sig_atomic_t *interrupted;  /* set by a signal handler: stop waiting */
    /* Fault injection for the crash tests: the process kills itself with
     * SIGKILL right after this step is durable ("intent", "started",
     * "final", "cheque", "printed").  NULL in production. */
    const char *kill_after;
} kp_agent_options;

typedef struct kp_agent_result {
    kp_outcome outcome;
    kp_journal_record *record;  /* owned; NULL when none was written */
    char *cheque_path;          /* when approved */
    bool print_requested;       /* the record asks for a receipt */
    bool delivered;             /* ... and it was delivered */
    char *job_id;               /* CUPS job id when delivered to a queue */
    bool start_uncertain;       /* unknown because the start itself is uncertain */
    kp_error error;             /* what went wrong (also for declined/unknown) */
} kp_agent_result;

void kp_agent_result_init(kp_agent_result *result);
void kp_agent_result_clear(kp_agent_result *result);

/* Runs a new operation.  Returns KP_OK whenever result->outcome says what
 * happened (even declined); another status only for bad arguments. */
kp_status kp_agent_run(const kp_agent_options *opt, const kp_journal_intent *intent,
                       kp_agent_result *result);

/* Continues an existing record (the agent takes ownership of it). */
kp_status kp_agent_resume(const kp_agent_options *opt, kp_journal_record *record,
                          kp_agent_result *result);

/* The contract's exit code for a result (0, 1, 3, 4, 5, 6 or 7). */
int kp_agent_exit_code(const kp_agent_result *result);
/* A word for --json's "status": success, fail, unknown or error. */
const char *kp_agent_status_word(const kp_agent_result *result);

#ifdef __cplusplus
}
#endif
#endif
