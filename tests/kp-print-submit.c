/* kp-print-submit.c: drives kp_print_submit from the shell tests.
 *   kp-print-submit QUEUE FORMAT FILE [OPTIONS [TITLE]]
 * KP_PRINT_SERVER and KP_PRINT_USER, when set, name the server and the user.
 * Prints the job id on success; else "STATUS: message" on stderr, exit 1. */
#include "config.h"
#include "kaspipos/buf.h"
#include "kaspipos/journal.h"
#include "kaspipos/print.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    kp_print_request req = { 0 };
    kp_buf data;
    kp_error err;
    int job = 0;

    if (argc < 4 || argc > 6) {
        fprintf(stderr, "usage: kp-print-submit QUEUE FORMAT FILE [OPTIONS [TITLE]]\n");
        return 2;
    }
    req.queue = argv[1];
    req.format = argv[2];
    req.options = argc > 4 && argv[4][0] ? argv[4] : NULL;
    req.title = argc > 5 ? argv[5] : "kp-print-submit test";
    req.server = getenv("KP_PRINT_SERVER");
    req.user = getenv("KP_PRINT_USER");
    req.timeout_ms = 5000;
    kp_buf_init(&data, KP_PRINT_MAX_DATA + 1);
    if (kp_journal_read_file(argv[3], KP_PRINT_MAX_DATA + 1, &data, &err) != KP_OK ||
        kp_print_submit(&req, data.data, data.len, &job, &err) != KP_OK) {
        fprintf(stderr, "%s: %s\n", kp_status_name(err.status), err.message);
        kp_buf_free(&data);
        return 1;
    }
    printf("%d\n", job);
    kp_buf_free(&data);
    return 0;
}
