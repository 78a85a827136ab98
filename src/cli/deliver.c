/* deliver.c: rendering and delivering a receipt for kaspi-pay (see deliver.h):
 * the same code path for the first print, recover and reprint. */
#include "config.h"
#include "deliver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A yes/no setting of kaspi.conf: -1 when not set. */
static kp_status yes_no(const kp_cli *cli, const char *key, int *value, kp_error *err)
{
    const char *text = kp_config_get(cli->config, key);

    *value = -1;
    if (!text)
        return KP_OK;
    if (!strcasecmp(text, "yes") || !strcasecmp(text, "true") || !strcasecmp(text, "on") ||
        !strcmp(text, "1"))
        *value = 1;
    else if (!strcasecmp(text, "no") || !strcasecmp(text, "false") || !strcasecmp(text, "off") ||
             !strcmp(text, "0"))
        *value = 0;
    else
        return kp_error_set(err, KP_ERR_SETUP, "%s in %s must be yes or no, not '%s'", key,
                            kp_config_path(cli->config), text);
    return KP_OK;
}

kp_status kp_cli_receipt_options(const kp_cli *cli, const kp_journal_print_request *req,
                                 kp_receipt_options *opt, kp_error *err)
{
    kp_status st;

    kp_receipt_options_init(opt);
    st = kp_receipt_format_parse(req ? req->format : NULL, &opt->format, err);
    if (st != KP_OK)
        return st;
    if (req) {
        opt->template_name = req->template_name;
        opt->profile = req->profile;
    }
    opt->templates_dir = kp_cli_setting(cli, NULL, "KASPI_TEMPLATES_DIR", "templates_dir", NULL);
    opt->profiles_file = kp_cli_setting(cli, NULL, "KASPI_PROFILES", "profiles", NULL);
    opt->language = kp_cli_setting(cli, cli->language, NULL, "language", NULL);
    opt->logo = kp_cli_setting(cli, NULL, NULL, "logo", NULL);
    opt->header = kp_cli_setting(cli, NULL, NULL, "header", NULL);
    opt->footer = kp_cli_setting(cli, NULL, NULL, "footer", NULL);
    opt->tenge_fallback = kp_cli_setting(cli, NULL, NULL, "tenge_fallback", NULL);
    opt->font = kp_cli_setting(cli, NULL, NULL, "font", NULL);
    if (yes_no(cli, "cut", &opt->cut, err) != KP_OK || yes_no(cli, "drawer", &opt->drawer, err) != KP_OK)
        return KP_ERR_SETUP;
    return KP_OK;
}

kp_status kp_cli_deliver(const kp_journal_record *record, const char *cheque_path, void *ctx,
                         char **job_id, kp_error *err)
{
    const kp_cli *cli = ctx;
    kp_journal_print_request req;
    kp_receipt_target target = { 0 };
    kp_receipt_options opt;
    kp_receipt_document *doc = NULL;
    char id[32];
    int job = 0;
    kp_status st;

    *job_id = NULL;
    kp_journal_record_print_request(record, &req);
    target.output = req.output;
    target.printer = req.output ? NULL : req.printer;
    st = kp_cli_receipt_options(cli, &req, &opt, err);
    if (st == KP_OK)
        st = kp_receipt_document_load_file(cheque_path, &doc, err);
    if (st == KP_OK)
        st = kp_receipt_deliver(doc, &opt, &target, &job, err);
    kp_receipt_document_free(doc);
    if (st == KP_OK && job > 0) {
        snprintf(id, sizeof id, "%d", job);
        *job_id = strdup(id);
    }
    return st;
}
