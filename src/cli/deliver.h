/* deliver.h: kaspi-pay's receipts: the receipt options from the settings
 * (flags, environment, kaspi.conf), and the agent's deliver function, which
 * renders the saved cheque where the journal record's print request says. */
#ifndef KP_CLI_DELIVER_H
#define KP_CLI_DELIVER_H

#include "cli.h"
#include "kaspipos/journal.h"
#include "kaspipos/receipt.h"

/* Fills opt from a print request (format, template, profile) and the
 * settings: language, templates_dir, profiles, logo, header, footer,
 * tenge_fallback, font, cut, drawer.  KP_ERR_USAGE for a bad format,
 * KP_ERR_SETUP (naming the file) for a bad cut/drawer value.  Strings are
 * borrowed from req, the settings and the environment. */
kp_status kp_cli_receipt_options(const kp_cli *cli, const kp_journal_print_request *req,
                                 kp_receipt_options *opt, kp_error *err);

/* A kp_agent_deliver_fn; ctx is the kp_cli. */
kp_status kp_cli_deliver(const kp_journal_record *record, const char *cheque_path, void *ctx,
                         char **job_id, kp_error *err);

#endif
