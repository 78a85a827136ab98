/* progress.c: what a cashier sees while the agent waits: one live line on a
 * terminal ("Waiting for the customer… 0:12, terminal 10.0.0.5:8080"), plain
 * lines otherwise (on a change of state, on trouble, every 15 s). */
#include "config.h"
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PLAIN_EVERY_MS 15000

void kp_progress_init(kp_progress *p, bool quiet)
{
    memset(p, 0, sizeof *p);
    p->quiet = quiet;
    p->tty = isatty(STDERR_FILENO);
    p->last_plain_ms = -PLAIN_EVERY_MS;
}

static const char *describe(const kp_agent_progress *a)
{
    static const struct { const char *sub; const char *text; } subs[] = {
        { "WaitForPinCode", "waiting for the PIN" },
        { "WaitForQrConfirmation", "waiting for the QR confirmation" },
        { "ProcessingCard", "reading the card" },
        { "ProcessRefund", "processing the refund" },
        { "WaitUser", "waiting for the customer" },
        { "Initialize", "starting" },
    };

    if (!a->process_id)
        return "Starting the operation on the terminal";
    if (a->state && strcmp(a->state, "unknown") == 0)
        return "Outcome unknown (the customer may have paid): asking the terminal to settle it";
    for (size_t i = 0; a->sub_status && i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(subs[i].sub, a->sub_status) == 0)
            return subs[i].text;
    return "Waiting for the customer";
}

void kp_progress_show(const kp_agent_progress *a, void *ctx)
{
    kp_progress *p = ctx;
    long s = a->elapsed_ms / 1000;
    char line[512];

    if (p->quiet)
        return;
    snprintf(line, sizeof line, "%s… %ld:%02ld, terminal %s%s%s", describe(a), s / 60, s % 60,
             a->terminal, a->problem ? " — " : "", a->problem ? a->problem : "");
    if (p->tty) {
        fprintf(stderr, "\r\033[K%.200s", line);
        p->live = true;
    } else if (a->problem || a->elapsed_ms - p->last_plain_ms >= PLAIN_EVERY_MS) {
        fprintf(stderr, "%s\n", line);
        p->last_plain_ms = a->elapsed_ms;
    }
    fflush(stderr);
}

void kp_progress_end(kp_progress *p)
{
    if (p->live)
        fputs("\r\033[K", stderr);
    p->live = false;
}
