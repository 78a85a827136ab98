/*
 * filter_common.h: what the two CUPS filters (chequetoescpos, chequetopdf)
 * share: filter(7) arguments, the cheque read from a file or stdin (bounded),
 * the receipt options from kaspi.conf, the queue's PPD and the job's options,
 * and the rendering that writes a whole receipt to stdout or nothing at all.
 *
 * Not library code: only the filters read PPDs and job options.
 */
#ifndef KP_FILTER_COMMON_H
#define KP_FILTER_COMMON_H

#include <stddef.h>
#include "kaspipos/error.h"
#include "kaspipos/receipt.h"

#define KP_FILTER_MAX_DOCUMENT (1024u * 1024u)  /* bytes of one cheque */
#define KP_FILTER_MAX_VALUE 128                  /* bytes of one option value */
#define KP_FILTER_MAX_COPIES 100

/* The settings one job prints with, from (lowest first) kaspi.conf, the
 * PPD's *Default keywords and the job's options.  Strings are owned. */
typedef struct kp_filter_settings {
    char template_name[KP_FILTER_MAX_VALUE];   /* "" : the default */
    char language[KP_FILTER_MAX_VALUE];
    char profile[KP_FILTER_MAX_VALUE];
    int cut;                                   /* -1 default, 0, 1 */
    int drawer;
    int logo;                                  /* 0 none, 1 the store's logo */
} kp_filter_settings;

/* Nothing set: templates, language and profile "", cut and drawer -1. */
void kp_filter_settings_init(kp_filter_settings *s);

/* Reads the PPD's defaults (path may be NULL: no PPD) into s, then applies
 * the job's options (argv[5] of a filter, "name=value ..."; may be NULL).
 * Names are case-insensitive; values are checked (names only, never paths).
 * KP_ERR_USAGE names the option that is wrong. */
kp_status kp_filter_settings_read(const char *ppd_path, const char *job_options,
                                  kp_filter_settings *s, kp_error *err);

/* Reads a whole document from path (NULL: stdin), at most
 * KP_FILTER_MAX_DOCUMENT bytes, into out. */
kp_status kp_filter_read_document(const char *path, kp_buf *out, kp_error *err);

/* The whole filter: argv as filter(7) gives it, the format it renders.
 * Returns the process's exit code. */
int kp_filter_main(int argc, char **argv, kp_receipt_format format);

#endif
