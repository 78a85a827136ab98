/* cmd_expand.c: `kaspi-pay expand TEMPLATE --data FILE.json [--partials DIR]
 * [--escape receipt|html|none]`: a template's expansion on stdout, to write
 * and check templates.  A cheque or a slip as the data gives exactly the
 * data a receipt is printed from (receipt.*, labels.* in --language,
 * branding.*), with partials from the templates directory; any other JSON is
 * the data as it is. */
#include "config.h"
#include "cli.h"
#include "deliver.h"
#include "kaspipos/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_escape(const char *name, kp_escape *escape)
{
    if (!name || strcmp(name, "receipt") == 0)
        *escape = KP_ESCAPE_RECEIPT;
    else if (strcmp(name, "html") == 0)
        *escape = KP_ESCAPE_HTML;
    else if (strcmp(name, "none") == 0)
        *escape = KP_ESCAPE_NONE;
    else
        return -1;
    return 0;
}

static bool is_receipt_document(const json_t *json)
{
    return json_object_get(json, "kaspiCheque") || json_object_get(json, "kaspiSlip") ||
           json_object_get(json, "chequeInfo") || json_object_get(json, "data");
}

/* The receipt data of a cheque or slip in data_text (new reference). */
static kp_status receipt_data(const kp_cli *cli, const kp_buf *data_text, json_t **out,
                              const char **partials_dir, kp_buf *dir_buf, kp_error *err)
{
    kp_receipt_options opt;
    kp_receipt_document *doc = NULL;
    kp_receipt_branding branding = { 0 };
    json_t *labels = NULL;
    char *logo = NULL;
    kp_status st;

    st = kp_cli_receipt_options(cli, NULL, &opt, err);
    if (st == KP_OK)
        st = kp_receipt_document_load_buffer(kp_buf_str(data_text), data_text->len, cli->data,
                                             &doc, err);
    if (st == KP_OK)
        st = kp_receipt_labels_load(kp_receipt_templates_dir(&opt),
                                    opt.language ? opt.language : "ru", &labels, err);
    if (st == KP_OK && opt.logo)
        st = kp_receipt_logo_load(opt.logo, &logo, err);
    if (st == KP_OK) {
        branding.logo_base64 = logo;
        branding.header = opt.header;
        branding.footer = opt.footer;
        st = kp_receipt_data_build(doc, labels, &branding, out, err);
    }
    if (!*partials_dir) {
        kp_buf_printf(dir_buf, "%s/partials", kp_receipt_templates_dir(&opt));
        *partials_dir = kp_buf_str(dir_buf);
    }
    json_decref(labels);
    free(logo);
    kp_receipt_document_free(doc);
    return st;
}

int kp_cmd_expand(kp_cli *cli)
{
    kp_template_options topt = KP_TEMPLATE_OPTIONS_INIT;
    kp_buf text = KP_BUF_INIT, out = KP_BUF_INIT, dir = KP_BUF_INIT;
    json_t *data = NULL;
    json_error_t jerr;
    kp_error err;
    kp_status st;
    int code = KP_EXIT_USAGE;

    if (!cli->data) {
        kp_cli_error("expand needs --data FILE.json");
        return KP_EXIT_USAGE;
    }
    if (parse_escape(cli->escape, &topt.escape) != 0) {
        kp_cli_error("--escape must be receipt, html or none, not '%s'", cli->escape);
        return KP_EXIT_USAGE;
    }
    topt.partials_dir = cli->partials;
    st = kp_journal_read_file(cli->data, KP_CHEQUE_FILE_MAX, &text, &err);
    if (st == KP_OK) {
        data = json_loadb(kp_buf_str(&text), text.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        if (!data)
            st = kp_error_set(&err, KP_ERR_MALFORMED, "%s:%d:%d: %s", cli->data, jerr.line,
                              jerr.column, jerr.text);
    }
    if (st == KP_OK && is_receipt_document(data)) {
        json_decref(data);
        data = NULL;
        st = receipt_data(cli, &text, &data, &topt.partials_dir, &dir, &err);
    }
    if (st == KP_OK)
        st = kp_template_expand_file(cli->args[0], data, &topt, &out, &err);
    if (st == KP_OK) {
        code = fwrite(out.data ? out.data : "", 1, out.len, stdout) == out.len && fflush(stdout) == 0
                   ? KP_EXIT_OK : KP_EXIT_SETUP;
        if (code != KP_EXIT_OK)
            kp_cli_error("could not write the expansion to stdout");
    } else {
        kp_cli_error("%s", err.message);
        code = st == KP_ERR_SETUP ? KP_EXIT_SETUP : KP_EXIT_USAGE;
    }
    json_decref(data);
    kp_buf_free(&text);
    kp_buf_free(&out);
    kp_buf_free(&dir);
    return code;
}
