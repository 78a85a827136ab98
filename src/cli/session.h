/* session.h: what pay, refund and recover set up before talking to a
 * terminal: settings, the journal, the terminal client, the agent's
 * options, progress, and Ctrl-C handling. */
#ifndef KP_CLI_SESSION_H
#define KP_CLI_SESSION_H

#include "cli.h"
#include "progress.h"
#include "kaspipos/agent.h"

typedef struct kp_cli_session {
    kp_cli *cli;
    char *journal_dir;
    kp_journal *journal;
    kp_terminal *terminal;       /* NULL until kp_cli_session_terminal */
    kp_progress progress;
    kp_agent_options agent;
} kp_cli_session;

/* Opens the journal (exit 7 when it cannot be written) and fills the agent
 * options.  Returns 0 or an exit code, having said why. */
int kp_cli_session_open(kp_cli_session *s, kp_cli *cli);
/* Opens the terminal client for an address (NULL: from the settings). */
int kp_cli_session_terminal(kp_cli_session *s, const char *address);
void kp_cli_session_close(kp_cli_session *s);

/* The print request from the PRINT options; exit code 2 when they clash. */
int kp_cli_print_request(const kp_cli *cli, kp_journal_print_request *req);
/* Fills a result from the agent's. */
void kp_cli_result_from_agent(kp_cli_result *out, const kp_agent_result *res, const char *operation);

#endif
