/*
 * kp-bench.c: times the library's hot paths, per operation, for bench/run.sh.
 *
 *   kp-bench --templates DIR --data CHEQUE.json --response BODY.json
 *            --profiles FILE [--template FILE] [--font FILE] [--runs 15]
 *            [--scale 1.0] [--dump-doc FILE] [--only OPERATION]
 *
 * The receipt is made as the programs make it (kaspipos/receipt.h): the
 * cheque's template data with the Russian labels, the template (default
 * DIR/payment-80.receipt, partials from DIR/partials), the layout for the
 * 80mm profile, and one renderer kept per format, as a long-running printer
 * keeps it.
 *
 * Operations: data (the cheque's template data), expand (the compiled
 * template over data built once), layout (of the expanded document),
 * expand+layout (the three together: the figure with a target), escpos,
 * text and pdf (a whole receipt from the cheque through a kept renderer),
 * escpos-from-doc (layout + ESC/POS of the expanded document: what
 * ReceiptLine's transform() does), response (parse a status response).
 * Each operation runs `runs` times; a run is N iterations back to back and
 * its figure is the run's wall time / N (CLOCK_MONOTONIC).  One line per
 * operation on stdout, tab-separated:
 *   NAME  N  MIN_US  MEDIAN_US  MAX_US  BYTES
 * (BYTES: the size of one output, 0 when there is none).  --dump-doc writes
 * the expanded ReceiptLine document, so ReceiptLine can be timed on exactly
 * the same input; --only NAME times that operation alone (for a profiler).
 * Any failure stops the program with a message: a figure is
 * only printed for work that succeeded.
 */
#include "config.h"
#include "kaspipos/escpos.h"
#include "kaspipos/layout.h"
#include "kaspipos/pdf.h"
#include "kaspipos/profile.h"
#include "kaspipos/receipt.h"
#include "kaspipos/template.h"
#include "kaspipos/terminal.h"
#include "kaspipos/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS_MAX 101
#define CPL_80MM 48

typedef struct bench {
    kp_template *tmpl;         /* the compiled template */
    kp_receipt_document *cheque;
    json_t *labels;
    json_t *data;              /* the template data, built once (op_expand_only) */
    kp_receipt_renderer *escpos_receipt, *text_receipt, *pdf_receipt;
    char *doc;                 /* the expanded document */
    size_t doc_len;
    char *body;                /* a status response */
    size_t body_len;
    const kp_profile *profile; /* 80mm */
    kp_escpos *escpos;
    kp_buf out;                /* the last output */
    const char *only;          /* --only NAME: time this operation alone */
} bench;

typedef void (*bench_op)(bench *b);

static void die(const char *what, const kp_error *err)
{
    fprintf(stderr, "kp-bench: %s: %s\n", what, err ? err->message : "failed");
    exit(1);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    long size;

    if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0
        || !(text = malloc((size_t)size + 1)) || fread(text, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "kp-bench: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    text[size] = '\0';
    *len = (size_t)size;
    return text;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* --- the operations ------------------------------------------------------ */

/* The template data of the cheque, then the compiled template over it. */
static void expand(bench *b, kp_buf *doc)
{
    kp_error err = { 0 };
    json_t *data = NULL;

    kp_buf_reset(doc);
    if (kp_receipt_data_build(b->cheque, b->labels, NULL, &data, &err) != KP_OK)
        die("template data", &err);
    if (kp_template_render(b->tmpl, data, doc, &err) != KP_OK)
        die("template", &err);
    json_decref(data);
}

static kp_layout *layout_of(const char *doc, size_t len)
{
    kp_layout_options opt = { CPL_80MM, "bench" };
    kp_layout *layout = NULL;
    kp_error err = { 0 };
    if (kp_layout_parse(doc, len, &opt, &layout, &err) != KP_OK)
        die("layout", &err);
    return layout;
}

static kp_layout *expand_and_layout(bench *b)
{
    kp_buf doc = KP_BUF_INIT;
    kp_layout *layout;

    expand(b, &doc);
    layout = layout_of(doc.data, doc.len);
    kp_buf_free(&doc);
    return layout;
}

static void op_data(bench *b)
{
    kp_error err = { 0 };
    json_t *data = NULL;

    if (kp_receipt_data_build(b->cheque, b->labels, NULL, &data, &err) != KP_OK)
        die("template data", &err);
    json_decref(data);
}

static void op_expand_only(bench *b)
{
    kp_error err = { 0 };

    kp_buf_reset(&b->out);
    if (kp_template_render(b->tmpl, b->data, &b->out, &err) != KP_OK)
        die("template", &err);
}

static void op_layout_only(bench *b)
{
    kp_layout_free(layout_of(b->doc, b->doc_len));
}

static void op_expand_layout(bench *b)
{
    kp_layout_free(expand_and_layout(b));
}

static void write_escpos(bench *b, kp_layout *layout)
{
    kp_error err = { 0 };
    kp_buf_reset(&b->out);
    if (kp_escpos_write(b->escpos, layout, &b->out, &err) != KP_OK)
        die("escpos", &err);
    kp_layout_free(layout);
}

static void render_receipt(bench *b, kp_receipt_renderer *r, const char *what)
{
    kp_error err = { 0 };

    kp_buf_reset(&b->out);
    if (kp_receipt_renderer_render(r, b->cheque, &b->out, &err) != KP_OK)
        die(what, &err);
}

static void op_escpos(bench *b)
{
    render_receipt(b, b->escpos_receipt, "escpos receipt");
}

static void op_escpos_from_doc(bench *b)
{
    write_escpos(b, layout_of(b->doc, b->doc_len));
}

static void op_text(bench *b)
{
    render_receipt(b, b->text_receipt, "text receipt");
}

static void op_pdf(bench *b)
{
    render_receipt(b, b->pdf_receipt, "pdf receipt");
}

static void op_response(bench *b)
{
    kp_response resp;
    kp_error err = { 0 };

    kp_response_init(&resp);
    if (kp_response_parse(200, b->body, b->body_len, &resp, &err) != KP_OK
        || resp.status != KP_OP_SUCCESS)
        die("response", &err);
    kp_response_clear(&resp);
}

/* --- timing -------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void time_op(bench *b, const char *name, bench_op op, long n, int runs)
{
    double t[RUNS_MAX];
    int r;
    long i;

    if (b->only && strcmp(b->only, name))
        return;

    b->out.len = 0;
    op(b);                          /* warm up: caches, lazily built tables */
    for (r = 0; r < runs; r++) {
        double start = now_us();
        for (i = 0; i < n; i++)
            op(b);
        t[r] = (now_us() - start) / (double)n;
    }
    qsort(t, (size_t)runs, sizeof t[0], cmp_double);
    printf("%s\t%ld\t%.3f\t%.3f\t%.3f\t%zu\n", name, n, t[0], t[runs / 2], t[runs - 1],
           b->out.len);
    fflush(stdout);
}

/* --- setup --------------------------------------------------------------- */

typedef struct bench_args {
    const char *templates_dir, *template_path, *data_path, *response_path, *profiles_path;
    const char *font_path, *dump_doc, *only;
    int runs;
    double scale;
} bench_args;

static void usage(void)
{
    fprintf(stderr, "usage: kp-bench --templates DIR --data CHEQUE.json --response BODY.json "
                    "--profiles FILE [--template FILE] [--font FILE] [--runs N] [--scale X] "
                    "[--dump-doc FILE] [--only OPERATION]\n");
    exit(2);
}

static void parse_args(int argc, char **argv, bench_args *a)
{
    int i;

    for (i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (!strcmp(argv[i], "--templates")) a->templates_dir = v;
        else if (!strcmp(argv[i], "--template")) a->template_path = v;
        else if (!strcmp(argv[i], "--data")) a->data_path = v;
        else if (!strcmp(argv[i], "--response")) a->response_path = v;
        else if (!strcmp(argv[i], "--profiles")) a->profiles_path = v;
        else if (!strcmp(argv[i], "--font")) a->font_path = v;
        else if (!strcmp(argv[i], "--dump-doc")) a->dump_doc = v;
        else if (!strcmp(argv[i], "--only")) a->only = v;
        else if (!strcmp(argv[i], "--runs")) a->runs = atoi(v);
        else if (!strcmp(argv[i], "--scale")) a->scale = atof(v);
        else usage();
        i++;
    }
    if (!a->templates_dir || !a->data_path || !a->response_path || !a->profiles_path
        || a->runs < 1 || a->runs > RUNS_MAX || !(a->scale > 0))
        usage();
}

static kp_receipt_renderer *receipt_renderer(const bench_args *a, kp_receipt_format format)
{
    kp_receipt_options opt;
    kp_receipt_renderer *r = NULL;
    kp_error err = { 0 };

    kp_receipt_options_init(&opt);
    opt.format = format;
    opt.templates_dir = a->templates_dir;
    opt.template_name = a->template_path;
    opt.profiles_file = a->profiles_path;
    opt.profile = "80mm";
    opt.font = a->font_path;
    if (kp_receipt_renderer_new(&opt, &r, &err) != KP_OK)
        die("receipt renderer", &err);
    return r;
}

static void setup_renderers(bench *b, const bench_args *a, kp_profile_set **profiles)
{
    kp_error err = { 0 };

    if (kp_profile_load(a->profiles_path, profiles, &err) != KP_OK
        || kp_profile_get(*profiles, "80mm", &b->profile, &err) != KP_OK)
        die("profiles", &err);
    if (kp_escpos_new(b->profile, NULL, &b->escpos, &err) != KP_OK)
        die("escpos", &err);
    b->escpos_receipt = receipt_renderer(a, KP_RECEIPT_FORMAT_ESCPOS);
    b->text_receipt = receipt_renderer(a, KP_RECEIPT_FORMAT_TEXT);
    b->pdf_receipt = receipt_renderer(a, KP_RECEIPT_FORMAT_PDF);
}

static void compile_template(bench *b, const bench_args *a)
{
    kp_template_options topt = KP_TEMPLATE_OPTIONS_INIT;
    char path[4096], partials[4096];
    kp_error err = { 0 };

    snprintf(partials, sizeof partials, "%s/partials", a->templates_dir);
    if (a->template_path)
        snprintf(path, sizeof path, "%s", a->template_path);
    else
        snprintf(path, sizeof path, "%s/payment-80.receipt", a->templates_dir);
    topt.partials_dir = partials;
    if (kp_template_compile_file(path, &topt, &b->tmpl, &err) != KP_OK)
        die("template", &err);
}

static void setup_documents(bench *b, const bench_args *a)
{
    kp_buf doc = KP_BUF_INIT;
    kp_error err = { 0 };

    b->body = read_file(a->response_path, &b->body_len);
    if (kp_receipt_document_load_file(a->data_path, &b->cheque, &err) != KP_OK)
        die("cheque", &err);
    if (kp_receipt_labels_load(a->templates_dir, "ru", &b->labels, &err) != KP_OK)
        die("labels", &err);
    compile_template(b, a);
    if (kp_receipt_data_build(b->cheque, b->labels, NULL, &b->data, &err) != KP_OK)
        die("template data", &err);
    expand(b, &doc);
    b->doc = malloc(doc.len + 1);
    if (!b->doc)
        die("memory", NULL);
    memcpy(b->doc, doc.data, doc.len);
    b->doc[doc.len] = '\0';
    b->doc_len = doc.len;
    kp_buf_free(&doc);
    if (a->dump_doc) {
        FILE *f = fopen(a->dump_doc, "wb");
        if (!f || fwrite(b->doc, 1, b->doc_len, f) != b->doc_len || fclose(f) != 0) {
            fprintf(stderr, "kp-bench: cannot write %s\n", a->dump_doc);
            exit(1);
        }
    }
}

static long scaled(long n, double scale)
{
    long s = (long)((double)n * scale);
    return s < 1 ? 1 : s;
}

int main(int argc, char **argv)
{
    bench_args a = { NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 15, 1.0 };
    bench b;
    kp_profile_set *profiles = NULL;

    memset(&b, 0, sizeof b);
    parse_args(argc, argv, &a);
    setup_documents(&b, &a);
    setup_renderers(&b, &a, &profiles);
    kp_buf_init(&b.out, 0);
    b.only = a.only;

    time_op(&b, "data", op_data, scaled(2000, a.scale), a.runs);
    time_op(&b, "expand", op_expand_only, scaled(2000, a.scale), a.runs);
    time_op(&b, "layout", op_layout_only, scaled(2000, a.scale), a.runs);
    time_op(&b, "expand+layout", op_expand_layout, scaled(2000, a.scale), a.runs);
    time_op(&b, "escpos", op_escpos, scaled(2000, a.scale), a.runs);
    time_op(&b, "escpos-from-doc", op_escpos_from_doc, scaled(2000, a.scale), a.runs);
    time_op(&b, "text", op_text, scaled(2000, a.scale), a.runs);
    time_op(&b, "pdf", op_pdf, scaled(40, a.scale), a.runs);
    time_op(&b, "response", op_response, scaled(20000, a.scale), a.runs);

    kp_buf_free(&b.out);
    kp_receipt_renderer_free(b.pdf_receipt);
    kp_receipt_renderer_free(b.text_receipt);
    kp_receipt_renderer_free(b.escpos_receipt);
    kp_escpos_free(b.escpos);
    kp_profile_set_free(profiles);
    kp_template_free(b.tmpl);
    json_decref(b.labels);
    json_decref(b.data);
    kp_receipt_document_free(b.cheque);
    free(b.doc);
    free(b.body);
    return 0;
}
