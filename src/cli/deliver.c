/* deliver.c: rendering and delivering a receipt for kaspi-pay (see deliver.h). */
#include "config.h"
#include "deliver.h"
#include "cli.h"

kp_status kp_cli_deliver(const kp_journal_record *record, const char *cheque_path, void *ctx,
                         char **job_id, kp_error *err)
{
    (void)record;
    (void)cheque_path;
    (void)ctx;
    (void)job_id;
    return kp_error_set(err, KP_ERR_PRINT, "receipt rendering is not available in this build yet");
}
