/* filter_common.c: the CUPS filters' shared wiring (see filter_common.h). */
#include "config.h"
#include "filter_common.h"

#include <cups/cups.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kaspipos/buf.h"
#include "kaspipos/config.h"

#define PPD_MAX_LINES 20000
#define PPD_LINE_MAX 1024

/* ---- messages for cupsd (one line each, see filter(7)) ---- */

static void report(const char *prefix, const char *text)
{
    char line[1024];
    size_t n = 0;

    for (const char *p = text; *p && n < sizeof line - 1; p++)
        line[n++] = (*p == '\n' || *p == '\r') ? ' ' : *p;
    line[n] = '\0';
    fprintf(stderr, "%s: %s\n", prefix, line);
}

static void report_error(const char *filter, const kp_error *err)
{
    char text[KP_ERROR_MESSAGE_MAX + 64];

    snprintf(text, sizeof text, "%s: %s", filter, err->message);
    report("ERROR", text);
}

/* ---- option values ---- */

static bool is_name(const char *value)
{
    size_t n = strlen(value);

    if (n == 0 || n > 64)
        return false;
    for (const char *p = value; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
              || *p == '-' || *p == '_' || *p == '.'))
            return false;
    return value[0] != '.';
}

static kp_status parse_bool(const char *name, const char *value, int *out, kp_error *err)
{
    static const char *const yes[] = { "yes", "true", "on", "1", NULL };
    static const char *const no[] = { "no", "false", "off", "0", NULL };

    for (size_t i = 0; yes[i]; i++)
        if (strcasecmp(value, yes[i]) == 0)
            return *out = 1, KP_OK;
    for (size_t i = 0; no[i]; i++)
        if (strcasecmp(value, no[i]) == 0)
            return *out = 0, KP_OK;
    return kp_error_set(err, KP_ERR_USAGE, "option %s=%.40s: expected yes or no", name, value);
}

static kp_status set_name(const char *name, const char *value, char *dest, kp_error *err)
{
    if (!is_name(value))
        return kp_error_set(err, KP_ERR_USAGE,
                            "option %s=%.40s: expected a name (letters, digits, '-', '_', '.')",
                            name, value);
    snprintf(dest, KP_FILTER_MAX_VALUE, "%s", value);
    return KP_OK;
}

/* The roll width a PageSize or media value names (58 or 80), else 0. */
static int page_width(const char *value)
{
    if (strstr(value, "58x") || strcasecmp(value, "58mm") == 0)
        return 58;
    if (strstr(value, "80x") || strcasecmp(value, "80mm") == 0)
        return 80;
    return 0;
}

/* Applies one option (from the PPD or the job) to s; unknown names are not ours. */
static kp_status apply_option(kp_filter_settings *s, const char *name, const char *value,
                              kp_error *err)
{
    if (strcasecmp(name, "Template") == 0) {
        if (strcasecmp(value, "default") == 0)
            return KP_OK;   /* kaspi.conf's template, else the one for the cheque */
        return set_name(name, value, s->template_name, err);
    }
    if (strcasecmp(name, "Language") == 0)
        return set_name(name, value, s->language, err);
    if (strcasecmp(name, "Profile") == 0)
        return set_name(name, value, s->profile, err);
    if (strcasecmp(name, "Cut") == 0)
        return parse_bool(name, value, &s->cut, err);
    if (strcasecmp(name, "CashDrawer") == 0)
        return parse_bool(name, value, &s->drawer, err);
    if (strcasecmp(name, "Logo") == 0) {
        if (strcasecmp(value, "none") == 0 || strcasecmp(value, "no") == 0)
            return s->logo = 0, KP_OK;
        if (strcasecmp(value, "store") == 0)
            return s->logo = 1, KP_OK;
        return kp_error_set(err, KP_ERR_USAGE, "option Logo=%.40s: expected none or store", value);
    }
    return KP_OK;
}

/* ---- the PPD's defaults ---- */

/* "*DefaultNAME: VALUE" -> name and value (in place), else false. */
static bool split_default(char *line, char **name, char **value)
{
    char *colon, *end;

    if (strncmp(line, "*Default", 8) != 0)
        return false;
    *name = line + 8;
    colon = strchr(*name, ':');
    if (!colon || colon == *name)
        return false;
    *colon = '\0';
    *value = colon + 1;
    while (**value == ' ' || **value == '\t')
        (*value)++;
    end = *value + strcspn(*value, " \t\r\n/");
    *end = '\0';
    return **value != '\0';
}

static kp_status read_ppd(const char *path, kp_filter_settings *s, int *ppd_page, kp_error *err)
{
    char line[PPD_LINE_MAX], *name, *value;
    FILE *f = fopen(path, "r");
    kp_status st = KP_OK;

    if (!f)
        return kp_error_set(err, KP_ERR_SETUP, "cannot read the queue's PPD %s: %s", path,
                            strerror(errno));
    for (int n = 0; st == KP_OK && n < PPD_MAX_LINES && fgets(line, sizeof line, f); n++) {
        if (!strchr(line, '\n') && !feof(f)) {   /* skip the rest of an overlong line */
            int c;
            while ((c = getc(f)) != EOF && c != '\n')
                ;
            continue;
        }
        if (!split_default(line, &name, &value))
            continue;
        if (strcmp(name, "PageSize") == 0)
            *ppd_page = page_width(value);
        else
            st = apply_option(s, name, value, err);
    }
    fclose(f);
    if (st != KP_OK)
        kp_error_prefix(err, "PPD %s", path);
    return st;
}

/* ---- settings: PPD, then the job ---- */

static kp_status apply_job_options(kp_filter_settings *s, const char *job_options, int ppd_page,
                                   kp_error *err)
{
    cups_option_t *opts = NULL;
    int count = cupsParseOptions(job_options, 0, &opts), job_page = 0;
    bool job_profile = false;
    kp_status st = KP_OK;

    for (int i = 0; st == KP_OK && i < count; i++) {
        const char *name = opts[i].name, *value = opts[i].value ? opts[i].value : "";

        if (strlen(value) >= KP_FILTER_MAX_VALUE && (strcasecmp(name, "Template") == 0
            || strcasecmp(name, "Language") == 0 || strcasecmp(name, "Profile") == 0))
            st = kp_error_set(err, KP_ERR_USAGE, "option %s is too long", name);
        else if (strcasecmp(name, "PageSize") == 0 || strcasecmp(name, "media") == 0)
            job_page = page_width(value) ? page_width(value) : job_page;
        else
            st = apply_option(s, name, value, err);
        if (strcasecmp(name, "Profile") == 0)
            job_profile = true;
    }
    cupsFreeOptions(count, opts);
    /* A job that asks for the other roll, and no profile, gets the generic
     * profile of that roll (its width in characters and in dots). */
    if (st == KP_OK && job_page && !job_profile && job_page != ppd_page)
        snprintf(s->profile, sizeof s->profile, "%s", job_page == 58 ? "58mm" : "80mm");
    return st;
}

void kp_filter_settings_init(kp_filter_settings *s)
{
    memset(s, 0, sizeof *s);
    s->cut = s->drawer = -1;
}

kp_status kp_filter_settings_read(const char *ppd_path, const char *job_options,
                                  kp_filter_settings *s, kp_error *err)
{
    int ppd_page = 0;
    kp_status st;

    if (ppd_path && *ppd_path && (st = read_ppd(ppd_path, s, &ppd_page, err)) != KP_OK)
        return st;
    if (job_options && *job_options)
        return apply_job_options(s, job_options, ppd_page, err);
    return KP_OK;
}

/* ---- the document ---- */

kp_status kp_filter_read_document(const char *path, kp_buf *out, kp_error *err)
{
    char chunk[16384];
    int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
    const char *what = path ? path : "the job's data";
    kp_status st = KP_OK;

    if (fd < 0)
        return kp_error_set(err, KP_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    kp_buf_init(out, KP_FILTER_MAX_DOCUMENT);
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            st = kp_error_set(err, KP_ERR_IO, "cannot read %s: %s", what, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if (kp_buf_append(out, chunk, (size_t)n) != KP_OK) {
            st = kp_error_set(err, KP_ERR_TOO_LARGE, "%s is larger than %u KiB: not a cheque",
                              what, KP_FILTER_MAX_DOCUMENT / 1024u);
            break;
        }
    }
    if (path)
        close(fd);
    if (st == KP_OK && out->len == 0)
        st = kp_error_set(err, KP_ERR_MALFORMED, "%s is empty: no cheque to print", what);
    if (st != KP_OK)
        kp_buf_free(out);
    return st;
}

/* ---- receipt options from kaspi.conf and the settings ---- */

static kp_status load_config(kp_config **out, kp_error *err)
{
    const char *path = getenv("KASPI_CONFIG");

    if (path && *path)
        return kp_config_load(path, false, out, err);
    return kp_config_load(KP_SYSCONFDIR "/kaspi-cups/kaspi.conf", true, out, err);
}

/* A kaspi.conf setting, unless the environment variable overrides it. */
static const char *env_or_config(const char *env, const kp_config *config, const char *key)
{
    const char *value = getenv(env);

    return value && *value ? NULL : kp_config_get(config, key);  /* NULL: the room reads env */
}

static kp_status config_bool(const kp_config *config, const char *key, int *out, kp_error *err)
{
    const char *value = kp_config_get(config, key);

    if (!value)
        return KP_OK;
    if (parse_bool(key, value, out, err) != KP_OK) {
        kp_error_prefix(err, "%s", kp_config_path(config));
        return err ? (err->status = KP_ERR_SETUP) : KP_ERR_SETUP;
    }
    return KP_OK;
}

static kp_status settings_from_config(const kp_config *config, kp_filter_settings *s,
                                      kp_error *err)
{
    const char *v;

    kp_filter_settings_init(s);
    if ((v = kp_config_get(config, "template")))   /* the admin's: a name or a file */
        snprintf(s->template_name, sizeof s->template_name, "%s", v);
    if ((v = kp_config_get(config, "language")))
        snprintf(s->language, sizeof s->language, "%s", v);
    if ((v = kp_config_get(config, "profile")))
        snprintf(s->profile, sizeof s->profile, "%s", v);
    if (config_bool(config, "cut", &s->cut, err) != KP_OK)
        return KP_ERR_SETUP;
    return config_bool(config, "drawer", &s->drawer, err);
}

static void receipt_options(const kp_filter_settings *s, const kp_config *config,
                            kp_receipt_format format, kp_receipt_options *opt)
{
    kp_receipt_options_init(opt);
    opt->format = format;
    opt->template_name = s->template_name[0] ? s->template_name : NULL;
    opt->language = s->language[0] ? s->language : NULL;
    opt->profile = s->profile[0] ? s->profile : NULL;
    opt->cut = s->cut;
    opt->drawer = s->drawer;
    opt->templates_dir = env_or_config("KASPI_TEMPLATES_DIR", config, "templates_dir");
    opt->profiles_file = env_or_config("KASPI_PROFILES", config, "profiles");
    opt->font = kp_config_get(config, "font");
    opt->tenge_fallback = kp_config_get(config, "tenge_fallback");
    opt->header = kp_config_get(config, "header");
    opt->footer = kp_config_get(config, "footer");
    opt->logo = s->logo ? kp_config_get(config, "logo") : NULL;
}

/* ---- output ---- */

static kp_status write_all(int fd, const char *data, size_t len, kp_error *err)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return kp_error_set(err, KP_ERR_IO, "cannot write the receipt: %s", strerror(errno));
        data += n;
        len -= (size_t)n;
    }
    return KP_OK;
}

/* How many copies the filter makes itself (the PPDs say cupsManualCopies). */
static int copies_of(const char *arg, kp_receipt_format format)
{
    long n = strtol(arg, NULL, 10);

    if (format == KP_RECEIPT_FORMAT_PDF || n < 1)
        return 1;   /* one PDF document; its device makes the copies */
    return n > KP_FILTER_MAX_COPIES ? KP_FILTER_MAX_COPIES : (int)n;
}

/* ---- the filter ---- */

typedef struct filter_job {
    const char *filter, *file, *options, *copies;
    char name[256];                 /* the document, for messages */
    kp_receipt_format format;
    kp_config *config;
    kp_buf document, receipt;
    kp_receipt_document *doc;
    kp_receipt_renderer *renderer;
} filter_job;

static kp_status render_job(filter_job *job, kp_error *err)
{
    kp_filter_settings s;
    kp_receipt_options opt;
    kp_status st;

    if ((st = load_config(&job->config, err)) != KP_OK)
        return st;
    if ((st = settings_from_config(job->config, &s, err)) != KP_OK)
        return st;
    if ((st = kp_filter_settings_read(getenv("PPD"), job->options, &s, err)) != KP_OK)
        return st;
    if (s.logo && !kp_config_get(job->config, "logo"))
        report("WARNING", "Logo=store, but kaspi.conf sets no logo: printing without one");
    if ((st = kp_filter_read_document(job->file, &job->document, err)) != KP_OK)
        return st;
    st = kp_receipt_document_load_buffer(job->document.data, job->document.len,
                                         job->name, &job->doc, err);
    if (st != KP_OK)
        return st;
    receipt_options(&s, job->config, job->format, &opt);
    if ((st = kp_receipt_renderer_new(&opt, &job->renderer, err)) != KP_OK)
        return st;
    for (int i = copies_of(job->copies, job->format); st == KP_OK && i > 0; i--)
        st = kp_receipt_renderer_render(job->renderer, job->doc, &job->receipt, err);
    return st;
}

static void filter_job_free(filter_job *job)
{
    kp_receipt_renderer_free(job->renderer);
    kp_receipt_document_free(job->doc);
    kp_buf_free(&job->document);
    kp_buf_free(&job->receipt);
    kp_config_free(job->config);
}

int kp_filter_main(int argc, char **argv, kp_receipt_format format)
{
    filter_job job = { 0 };
    kp_error err = { 0 };
    char info[256];
    kp_status st;

    /* argv[0] is the queue's name when cupsd runs a filter (filter(7)). */
    job.filter = format == KP_RECEIPT_FORMAT_PDF ? "chequetopdf" : "chequetoescpos";
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "Usage: %s job user title copies options [file]\n", job.filter);
        return 1;
    }
    job.options = argv[5];
    job.copies = argv[4];
    job.file = argc == 7 ? argv[6] : NULL;
    /* cupsd names its spool file: say "the cheque of job N" instead. */
    if (getenv("PRINTER") || !job.file)
        snprintf(job.name, sizeof job.name, "the cheque of job %.32s", argv[1]);
    else
        snprintf(job.name, sizeof job.name, "%.200s", job.file);
    job.format = format;
    snprintf(info, sizeof info, "rendering the receipt of job %.32s", argv[1]);
    report("INFO", info);
    st = render_job(&job, &err);
    if (st == KP_OK)   /* only a whole receipt leaves the filter */
        st = write_all(STDOUT_FILENO, job.receipt.data, job.receipt.len, &err);
    if (st == KP_OK) {
        const char *id = job.doc ? kp_receipt_document_id(job.doc) : NULL;

        snprintf(info, sizeof info, "receipt%s%.64s rendered (%zu bytes)", id && *id ? " " : "",
                 id ? id : "", job.receipt.len);
        report("INFO", info);
    } else {
        report_error(job.filter, &err);
    }
    filter_job_free(&job);
    return st == KP_OK ? 0 : 1;
}
