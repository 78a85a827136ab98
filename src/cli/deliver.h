/* deliver.h: the agent's deliver function for kaspi-pay: renders the saved
 * cheque where the journal record's print request says. */
#ifndef KP_CLI_DELIVER_H
#define KP_CLI_DELIVER_H

#include "kaspipos/journal.h"

/* A kp_agent_deliver_fn; ctx is the kp_cli. */
kp_status kp_cli_deliver(const kp_journal_record *record, const char *cheque_path, void *ctx,
                         char **job_id, kp_error *err);

#endif
