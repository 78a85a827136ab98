/* progress.h: the cashier's progress line (see progress.c). */
#ifndef KP_CLI_PROGRESS_H
#define KP_CLI_PROGRESS_H

#include <stdbool.h>
#include "kaspipos/agent.h"

typedef struct kp_progress {
    bool quiet, tty, live;
    long last_plain_ms;
} kp_progress;

void kp_progress_init(kp_progress *p, bool quiet);
/* A kp_agent_progress_fn; ctx is the kp_progress. */
void kp_progress_show(const kp_agent_progress *progress, void *ctx);
/* Clears the live line before the result is printed. */
void kp_progress_end(kp_progress *p);

#endif
