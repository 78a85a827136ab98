/*
 * receipt.c: the receipt pipeline (see kaspipos/receipt.h): template data,
 * template, layout, then one renderer (ESC/POS, PDF or text).  A
 * kp_receipt_renderer holds what stays the same between receipts: the
 * profile, the labels, the logo, the compiled templates and the ESC/POS or
 * PDF renderer.
 */
#include "config.h"
#include "kaspipos/receipt.h"
#include "kaspipos/codepage.h"
#include "kaspipos/escpos.h"
#include "kaspipos/layout.h"
#include "kaspipos/pdf.h"
#include "kaspipos/print.h"
#include "kaspipos/profile.h"
#include "kaspipos/template.h"
#include "kaspipos/text.h"
#include "receipt_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define TEMPLATE_CACHE 8
#define DEFAULT_PROFILE "80mm"
#define DEFAULT_LANGUAGE "ru"

typedef struct cached_template {
    char *name;
    kp_template *template;
} cached_template;

struct kp_receipt_renderer {
    kp_receipt_format format;
    char *templates_dir;
    char *partials_dir;
    char *template_name;          /* NULL: KIND-WIDTH */
    int cpl;
    int cut;
    kp_profile profile;
    json_t *labels;
    char *logo, *header, *footer;
    kp_receipt_expander *expander;  /* the template data, with labels and branding */
    kp_escpos *escpos;
    kp_pdf_renderer *pdf;
    cached_template templates[TEMPLATE_CACHE];
    size_t n_templates;
    kp_buf markup;                  /* the expanded template, kept between renders */
};

/* A markup buffer bigger than this is not kept after a render. */
#define MARKUP_KEEP (64u << 10)

void kp_receipt_options_init(kp_receipt_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->code_page_select = -1;
    opt->cut = -1;
    opt->drawer = -1;
}

/* ---- formats ---- */

kp_status kp_receipt_format_parse(const char *name, kp_receipt_format *out, kp_error *err)
{
    if (!name || !*name)
        *out = KP_RECEIPT_FORMAT_AUTO;
    else if (strcmp(name, "escpos") == 0)
        *out = KP_RECEIPT_FORMAT_ESCPOS;
    else if (strcmp(name, "pdf") == 0)
        *out = KP_RECEIPT_FORMAT_PDF;
    else if (strcmp(name, "text") == 0)
        *out = KP_RECEIPT_FORMAT_TEXT;
    else
        return kp_error_set(err, KP_ERR_USAGE, "format '%s' is not known: use escpos, pdf or text",
                            name);
    return KP_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

kp_receipt_format kp_receipt_format_for_path(const char *path)
{
    if (path && ends_with(path, ".pdf"))
        return KP_RECEIPT_FORMAT_PDF;
    if (path && ends_with(path, ".txt"))
        return KP_RECEIPT_FORMAT_TEXT;
    return KP_RECEIPT_FORMAT_ESCPOS;
}

const char *kp_receipt_format_name(kp_receipt_format format)
{
    switch (format) {
    case KP_RECEIPT_FORMAT_PDF: return "pdf";
    case KP_RECEIPT_FORMAT_TEXT: return "text";
    default: return "escpos";
    }
}

const char *kp_receipt_format_mime(kp_receipt_format format)
{
    switch (format) {
    case KP_RECEIPT_FORMAT_PDF: return KP_PRINT_FORMAT_PDF;
    case KP_RECEIPT_FORMAT_TEXT: return KP_PRINT_FORMAT_TEXT;
    default: return KP_PRINT_FORMAT_ESCPOS;
    }
}

const char *kp_receipt_templates_dir(const kp_receipt_options *opt)
{
    const char *env = getenv("KASPI_TEMPLATES_DIR");

    if (opt && opt->templates_dir && *opt->templates_dir)
        return opt->templates_dir;
    if (env && *env)
        return env;
    return KP_PKGDATADIR "/templates";
}

/* ---- the profile ---- */

/* Epson's ESC t numbers for the code pages a generic profile may switch to. */
static int known_select(const char *code_page)
{
    if (strcasecmp(code_page, "CP866") == 0)
        return 17;
    if (strcasecmp(code_page, "CP1251") == 0)
        return 46;
    if (strcasecmp(code_page, "RK1048") == 0)
        return 53;
    return -1;
}

static kp_status apply_code_page(kp_profile *p, const kp_receipt_options *opt, kp_error *err)
{
    int select = opt->code_page_select;

    if (!opt->code_page || !*opt->code_page)
        return KP_OK;
    if (!kp_codepage_supported(opt->code_page))
        return kp_error_set(err, KP_ERR_USAGE, "code page '%s' is not supported: use CP866, "
                            "RK1048, PT154 or CP1251", opt->code_page);
    if (select < 0 && strcasecmp(opt->code_page, p->code_page) == 0)
        select = p->code_page_select;
    if (select < 0)
        select = known_select(opt->code_page);
    if (select < 0 || select > 255)
        return kp_error_set(err, KP_ERR_USAGE, "code page %s needs its number on this printer "
                            "(0..255, from its self-test page)", opt->code_page);
    if (strlen(opt->code_page) >= sizeof p->code_page)
        return kp_error_set(err, KP_ERR_USAGE, "code page name '%s' is too long", opt->code_page);
    snprintf(p->code_page, sizeof p->code_page, "%s", opt->code_page);
    for (char *c = p->code_page; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    p->code_page_select = select;
    return KP_OK;
}

static kp_status load_profile(kp_receipt_renderer *r, const kp_receipt_options *opt,
                              kp_error *err)
{
    const char *name = opt->profile && *opt->profile ? opt->profile : DEFAULT_PROFILE;
    kp_profile_set *set = NULL;
    const kp_profile *found;
    kp_status st;

    st = kp_profile_load(opt->profiles_file && *opt->profiles_file ? opt->profiles_file : NULL,
                         &set, err);
    if (st != KP_OK) {
        if (err)
            err->status = KP_ERR_SETUP;
        return KP_ERR_SETUP;
    }
    st = kp_profile_get(set, name, &found, err);
    if (st == KP_OK)
        r->profile = *found;
    else if (err)
        err->status = st = KP_ERR_SETUP;
    kp_profile_set_free(set);
    if (st != KP_OK)
        return st;
    if (opt->tenge_fallback && *opt->tenge_fallback) {
        if (strlen(opt->tenge_fallback) >= sizeof r->profile.tenge)
            return kp_error_set(err, KP_ERR_USAGE, "the tenge fallback '%s' is over %zu bytes",
                                opt->tenge_fallback, sizeof r->profile.tenge - 1);
        snprintf(r->profile.tenge, sizeof r->profile.tenge, "%s", opt->tenge_fallback);
    }
    return apply_code_page(&r->profile, opt, err);
}

/* ---- the renderers ---- */

static kp_pdf_page pdf_page(const char *name)
{
    if (name && strcasecmp(name, "a4") == 0)
        return KP_PDF_PAGE_A4;
    if (name && strcasecmp(name, "a5") == 0)
        return KP_PDF_PAGE_A5;
    return KP_PDF_PAGE_RECEIPT;
}

static kp_status make_output_renderer(kp_receipt_renderer *r, const kp_receipt_options *opt,
                                      kp_error *err)
{
    kp_escpos_options eo = KP_ESCPOS_OPTIONS_DEFAULT;
    kp_pdf_options po;

    if (opt->pdf_page && *opt->pdf_page && strcasecmp(opt->pdf_page, "receipt") != 0 &&
        pdf_page(opt->pdf_page) == KP_PDF_PAGE_RECEIPT)
        return kp_error_set(err, KP_ERR_USAGE, "PDF page '%s' is not known: use receipt, a4 or a5",
                            opt->pdf_page);
    if (r->format == KP_RECEIPT_FORMAT_ESCPOS) {
        eo.cut = opt->cut != 0;
        eo.drawer = opt->drawer == 1;
        return kp_escpos_new(&r->profile, &eo, &r->escpos, err);
    }
    if (r->format == KP_RECEIPT_FORMAT_PDF) {
        kp_pdf_options_init(&po);
        po.paper_mm = r->cpl <= 32 ? 58 : 80;
        po.page = pdf_page(opt->pdf_page);
        if (opt->font && *opt->font)
            po.font_path = opt->font;
        if (opt->tenge_fallback && *opt->tenge_fallback)
            po.tenge_fallback = opt->tenge_fallback;
        return kp_pdf_renderer_new(&po, &r->pdf, err);
    }
    return KP_OK;
}

static char *dup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

static kp_status load_branding(kp_receipt_renderer *r, const kp_receipt_options *opt,
                               kp_error *err)
{
    r->header = dup_or_null(opt->header);
    r->footer = dup_or_null(opt->footer);
    kp_receipt_branding branding;
    kp_status st = KP_OK;
    json_t *json;

    if (opt->logo && *opt->logo)
        st = kp_receipt_logo_load(opt->logo, &r->logo, err);
    if (st != KP_OK)
        return st;
    branding.logo_base64 = r->logo;
    branding.header = r->header;
    branding.footer = r->footer;
    json = kp_receipt_branding_json(&branding);
    if (!json)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    st = kp_receipt_expander_new(r->labels, json, &r->expander, err);
    json_decref(json);
    return st;
}

kp_status kp_receipt_renderer_new(const kp_receipt_options *opt, kp_receipt_renderer **out,
                                  kp_error *err)
{
    kp_receipt_options defaults;
    kp_receipt_renderer *r;
    kp_status st;

    *out = NULL;
    if (!opt) {
        kp_receipt_options_init(&defaults);
        opt = &defaults;
    }
    if (opt->cpl != 0 && (opt->cpl < 16 || opt->cpl > 96))
        return kp_error_set(err, KP_ERR_USAGE, "characters per line must be from 16 to 96, not %d",
                            opt->cpl);
    r = calloc(1, sizeof *r);
    if (!r)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    r->format = opt->format == KP_RECEIPT_FORMAT_AUTO ? KP_RECEIPT_FORMAT_ESCPOS : opt->format;
    r->cut = opt->cut;
    r->templates_dir = strdup(kp_receipt_templates_dir(opt));
    r->template_name = dup_or_null(opt->template_name);
    if (r->templates_dir && (r->partials_dir = malloc(strlen(r->templates_dir) + 10)))
        sprintf(r->partials_dir, "%s/partials", r->templates_dir);
    st = r->partials_dir ? KP_OK : kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    if (st == KP_OK)
        st = load_profile(r, opt, err);
    if (st == KP_OK) {
        r->cpl = opt->cpl ? opt->cpl : r->profile.chars_per_line;
        st = kp_receipt_labels_load(r->templates_dir, opt->language && *opt->language
                                    ? opt->language : DEFAULT_LANGUAGE, &r->labels, err);
    }
    if (st == KP_OK)
        st = load_branding(r, opt, err);
    if (st == KP_OK)
        st = make_output_renderer(r, opt, err);
    if (st != KP_OK) {
        kp_receipt_renderer_free(r);
        return st;
    }
    *out = r;
    return KP_OK;
}

void kp_receipt_renderer_free(kp_receipt_renderer *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_templates; i++) {
        free(r->templates[i].name);
        kp_template_free(r->templates[i].template);
    }
    kp_escpos_free(r->escpos);
    kp_pdf_renderer_free(r->pdf);
    json_decref(r->labels);
    kp_receipt_expander_free(r->expander);
    kp_buf_free(&r->markup);
    free(r->logo);
    free(r->header);
    free(r->footer);
    free(r->templates_dir);
    free(r->partials_dir);
    free(r->template_name);
    free(r);
}

kp_receipt_format kp_receipt_renderer_format(const kp_receipt_renderer *r) { return r->format; }
int kp_receipt_renderer_cpl(const kp_receipt_renderer *r) { return r->cpl; }

/* ---- templates ---- */

static bool is_template_file(const char *name)
{
    return strchr(name, '/') || ends_with(name, ".receipt");
}

static bool template_name_ok(const char *name)
{
    if (!*name || *name == '.' || strlen(name) > 64)
        return false;
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
            return false;
    return true;
}

static kp_status compile_template(kp_receipt_renderer *r, const char *name, kp_template **out,
                                  kp_error *err)
{
    kp_template_options topt = KP_TEMPLATE_OPTIONS_INIT;
    kp_buf path = KP_BUF_INIT;
    kp_status st;

    topt.partials_dir = r->partials_dir;
    if (is_template_file(name)) {
        kp_buf_puts(&path, name);
    } else if (!template_name_ok(name)) {
        return kp_error_set(err, KP_ERR_USAGE, "template name '%s' is not a name (letters, digits, "
                            "'-', '_', '.') nor a file (give a path with a '/')", name);
    } else {
        kp_buf_printf(&path, "%s/%s.receipt", r->templates_dir, name);
        if (access(kp_buf_str(&path), F_OK) != 0) {
            kp_error_set(err, KP_ERR_SETUP, "template '%s' is not in %s (the defaults are "
                         "payment-80, payment-58, refund-80, refund-58, declined-80, declined-58)",
                         name, r->templates_dir);
            kp_buf_free(&path);
            return KP_ERR_SETUP;
        }
    }
    st = kp_template_compile_file(kp_buf_str(&path), &topt, out, err);
    if (st == KP_ERR_NOT_FOUND || st == KP_ERR_IO)
        err ? (err->status = st = KP_ERR_SETUP) : (st = KP_ERR_SETUP);
    kp_buf_free(&path);
    return st;
}

/* The compiled template called name, compiled once per renderer. */
static kp_status find_template(kp_receipt_renderer *r, const char *name, kp_template **out,
                               kp_error *err)
{
    kp_template *t = NULL;
    kp_status st;

    for (size_t i = 0; i < r->n_templates; i++)
        if (strcmp(r->templates[i].name, name) == 0) {
            *out = r->templates[i].template;
            return KP_OK;
        }
    st = compile_template(r, name, &t, err);
    if (st != KP_OK)
        return st;
    if (r->n_templates == TEMPLATE_CACHE) {   /* never with the defaults: drop the oldest */
        free(r->templates[0].name);
        kp_template_free(r->templates[0].template);
        memmove(r->templates, r->templates + 1, sizeof r->templates[0] * (TEMPLATE_CACHE - 1));
        r->n_templates--;
    }
    r->templates[r->n_templates].name = strdup(name);
    r->templates[r->n_templates].template = t;
    if (!r->templates[r->n_templates].name) {
        kp_template_free(t);
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    }
    r->n_templates++;
    *out = t;
    return KP_OK;
}

static void default_template_name(const kp_receipt_renderer *r, kp_receipt_kind kind,
                                  char *out, size_t size)
{
    snprintf(out, size, "%s-%s", kp_receipt_kind_name(kind), r->cpl <= 32 ? "58" : "80");
}

/* ---- rendering ---- */

/* cut = no: the template's `=` lines are left out too. */
static void drop_cuts(kp_layout *layout)
{
    size_t kept = 0;

    for (size_t i = 0; i < layout->n_rows; i++)
        if (layout->rows[i].kind != KP_ROW_CUT)
            layout->rows[kept++] = layout->rows[i];
    layout->n_rows = kept;
}

static kp_status render_layout(kp_receipt_renderer *r, const kp_layout *layout,
                               const kp_receipt_document *doc, kp_buf *out, kp_error *err)
{
    char title[160];
    const char *id = kp_receipt_document_id(doc);

    switch (r->format) {
    case KP_RECEIPT_FORMAT_TEXT:
        return kp_text_render(layout, out, err);
    case KP_RECEIPT_FORMAT_PDF:
        snprintf(title, sizeof title, "Kaspi cheque %.120s", id ? id : "");
        return kp_pdf_renderer_render(r->pdf, layout, title, 0, out, err);
    default:
        return kp_escpos_write(r->escpos, layout, out, err);
    }
}

kp_status kp_receipt_renderer_render(kp_receipt_renderer *r, const kp_receipt_document *doc,
                                     kp_buf *out, kp_error *err)
{
    kp_layout_options lopt = { r->cpl, NULL };
    kp_buf *markup = &r->markup;    /* no growing it from nothing every receipt */
    kp_layout *layout = NULL;
    kp_template *t = NULL;
    char name[64];
    size_t before = out->len;
    kp_status st;

    if (!r->template_name)
        default_template_name(r, kp_receipt_document_kind(doc), name, sizeof name);
    kp_buf_reset(markup);
    st = find_template(r, r->template_name ? r->template_name : name, &t, err);
    if (st == KP_OK)
        st = kp_receipt_expand(r->expander, doc, t, markup, err);
    if (st == KP_OK) {
        lopt.source = r->template_name ? r->template_name : name;
        st = kp_layout_parse(kp_buf_str(markup), markup->len, &lopt, &layout, err);
    }
    if (st == KP_OK) {
        if (r->cut == 0)
            drop_cuts(layout);
        st = render_layout(r, layout, doc, out, err);
    }
    if (st != KP_OK && out->len > before)
        out->len = before, out->data[before] = '\0';
    kp_layout_free(layout);
    if (markup->cap > MARKUP_KEEP)
        kp_buf_free(markup);
    return st;
}

kp_status kp_receipt_render(const kp_cheque *cheque, const kp_receipt_options *opt,
                            kp_buf *out, kp_error *err)
{
    kp_receipt_renderer *r;
    kp_receipt_document *doc;
    kp_status st;

    st = kp_receipt_document_from_cheque(cheque, &doc, err);
    if (st != KP_OK)
        return st;
    st = kp_receipt_renderer_new(opt, &r, err);
    if (st == KP_OK)
        st = kp_receipt_renderer_render(r, doc, out, err);
    kp_receipt_renderer_free(r);
    kp_receipt_document_free(doc);
    return st;
}
