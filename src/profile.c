/* profile.c: reading printer profiles from profiles.conf (see
 * kaspipos/profile.h and data/profiles.conf for the format). */
#include "config.h"
#include "kaspipos/profile.h"
#include "kaspipos/codepage.h"
#include "kaspipos/utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KP_PKGDATADIR
#define KP_PKGDATADIR "/usr/share/kaspi-cups"
#endif

#define LINE_MAX_BYTES 1024

struct kp_profile_set {
    kp_profile *items;
    size_t count;
};

/* Where a parse is: for messages. */
typedef struct parse_ctx {
    const char *source;
    size_t line;
    kp_error *err;
    kp_profile_set *set;
    kp_profile *current;
    size_t current_line;
    bool seen_cpl, seen_page, seen_select, seen_dots, seen_font_b;
} parse_ctx;

static kp_status fail(parse_ctx *ctx, size_t line, const char *fmt, const char *detail)
{
    char what[256];
    snprintf(what, sizeof what, fmt, detail);
    return kp_error_set(ctx->err, KP_ERR_MALFORMED, "%s:%zu: %s", ctx->source, line, what);
}

static char *trim(char *s)
{
    char *end;
    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        *--end = '\0';
    return s;
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= KP_PROFILE_NAME_MAX)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
            return false;
    return true;
}

/* UTF-8 without control characters (tabs and newlines would break the list). */
static bool printable_utf8(const char *s)
{
    size_t len = strlen(s), off = 0;
    uint32_t c;
    if (!kp_utf8_valid(s, len))
        return false;
    while (off < len) {
        off += kp_utf8_decode(s + off, len - off, &c);
        if (c < 0x20 || (c >= 0x7F && c < 0xA0))
            return false;
    }
    return true;
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "1"))
        return (*out = true), true;
    if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "0"))
        return (*out = false), true;
    return false;
}

/* Checks the finished section and fills defaults. */
static kp_status finish_profile(parse_ctx *ctx)
{
    kp_profile *p = ctx->current;
    size_t line = ctx->current_line;

    if (!p)
        return KP_OK;
    if (!ctx->seen_cpl)
        return fail(ctx, line, "profile [%s] lacks chars_per_line", p->name);
    if (!ctx->seen_page)
        return fail(ctx, line, "profile [%s] lacks code_page", p->name);
    if (!ctx->seen_select)
        return fail(ctx, line, "profile [%s] lacks code_page_select", p->name);
    if (!ctx->seen_dots)
        p->dots_per_line = p->chars_per_line * 12;
    if (p->dots_per_line < p->chars_per_line * 8)
        return fail(ctx, line, "profile [%s]: dots_per_line is too small for its chars_per_line",
                    p->name);
    if (!ctx->seen_font_b)
        p->chars_per_line_font_b = p->dots_per_line / 9;
    if (p->chars_per_line_font_b < p->chars_per_line)
        return fail(ctx, line, "profile [%s]: chars_per_line_font_b is below chars_per_line",
                    p->name);
    ctx->current = NULL;
    return KP_OK;
}

static kp_status start_profile(parse_ctx *ctx, char *header)
{
    size_t len = strlen(header);
    kp_profile *grown, *p;
    kp_status st;

    if ((st = finish_profile(ctx)) != KP_OK)
        return st;
    if (len < 2 || header[len - 1] != ']')
        return fail(ctx, ctx->line, "a section header must look like [NAME]%s", "");
    header[len - 1] = '\0';
    header = trim(header + 1);
    if (!valid_name(header))
        return fail(ctx, ctx->line,
                    "bad profile name \"%.40s\": use 1-31 letters, digits, '.', '-' or '_'", header);
    if (kp_profile_find(ctx->set, header))
        return fail(ctx, ctx->line, "profile [%s] is defined twice", header);
    if (ctx->set->count == KP_PROFILE_COUNT_MAX)
        return fail(ctx, ctx->line, "too many profiles (the limit is %s)", "256");
    grown = realloc(ctx->set->items, (ctx->set->count + 1) * sizeof *grown);
    if (!grown)
        return kp_error_set(ctx->err, KP_ERR_NOMEM, "out of memory");
    ctx->set->items = grown;
    p = &grown[ctx->set->count++];
    memset(p, 0, sizeof *p);
    strcpy(p->name, header);
    strcpy(p->tenge, KP_CODEPAGE_TENGE_DEFAULT);
    p->select_command = KP_PROFILE_SELECT_ESCPOS;
    p->native_qr = p->cutter = p->drawer = p->cancel_kanji = true;
    ctx->current = p;
    ctx->current_line = ctx->line;
    ctx->seen_cpl = ctx->seen_page = ctx->seen_select = ctx->seen_dots = ctx->seen_font_b = false;
    return KP_OK;
}

static kp_status set_text(parse_ctx *ctx, char *dst, size_t size, const char *value,
                          const char *key)
{
    char what[64];
    if (strlen(value) >= size || !printable_utf8(value)) {
        snprintf(what, sizeof what, "%s: %zu bytes of printable UTF-8 at most", key, size - 1);
        return fail(ctx, ctx->line, "%s", what);
    }
    strcpy(dst, value);
    return KP_OK;
}

static kp_status set_key(parse_ctx *ctx, const char *key, const char *value)
{
    kp_profile *p = ctx->current;

    if (!strcmp(key, "description"))
        return set_text(ctx, p->description, sizeof p->description, value, key);
    if (!strcmp(key, "tenge")) {
        if (!*value)
            return fail(ctx, ctx->line, "tenge: the fallback text for the tenge sign is empty%s", "");
        return set_text(ctx, p->tenge, sizeof p->tenge, value, key);
    }
    if (!strcmp(key, "chars_per_line")) {
        ctx->seen_cpl = true;
        if (!parse_int(value, 16, 96, &p->chars_per_line))
            return fail(ctx, ctx->line, "chars_per_line \"%.20s\" is not a number from 16 to 96", value);
        return KP_OK;
    }
    if (!strcmp(key, "chars_per_line_font_b")) {
        ctx->seen_font_b = true;
        if (!parse_int(value, 16, 128, &p->chars_per_line_font_b))
            return fail(ctx, ctx->line, "chars_per_line_font_b \"%.20s\" is not a number from 16 to 128", value);
        return KP_OK;
    }
    if (!strcmp(key, "dots_per_line")) {
        ctx->seen_dots = true;
        if (!parse_int(value, 128, 2048, &p->dots_per_line))
            return fail(ctx, ctx->line, "dots_per_line \"%.20s\" is not a number from 128 to 2048", value);
        return KP_OK;
    }
    if (!strcmp(key, "code_page")) {
        ctx->seen_page = true;
        if (!kp_codepage_supported(value))
            return fail(ctx, ctx->line, "code_page \"%.20s\" is not one of CP866, RK1048, PT154, CP1251", value);
        snprintf(p->code_page, sizeof p->code_page, "%s", value);
        for (char *c = p->code_page; *c; c++)
            if (*c >= 'a' && *c <= 'z')
                *c = (char)(*c - 'a' + 'A');
        return KP_OK;
    }
    if (!strcmp(key, "code_page_select")) {
        ctx->seen_select = true;
        if (!parse_int(value, 0, 255, &p->code_page_select))
            return fail(ctx, ctx->line, "code_page_select \"%.20s\" is not a number from 0 to 255", value);
        return KP_OK;
    }
    if (!strcmp(key, "select_command")) {
        if (!strcmp(value, "escpos"))
            p->select_command = KP_PROFILE_SELECT_ESCPOS;
        else if (!strcmp(value, "star"))
            p->select_command = KP_PROFILE_SELECT_STAR;
        else
            return fail(ctx, ctx->line, "select_command \"%.20s\" is not escpos or star", value);
        return KP_OK;
    }
    {
        bool *flag = !strcmp(key, "native_qr") ? &p->native_qr
                   : !strcmp(key, "cutter") ? &p->cutter
                   : !strcmp(key, "drawer") ? &p->drawer
                   : !strcmp(key, "cancel_kanji") ? &p->cancel_kanji : NULL;
        if (!flag)
            return fail(ctx, ctx->line,
                        "unknown key \"%.40s\" (known: description, dots_per_line, chars_per_line, "
                        "chars_per_line_font_b, code_page, code_page_select, select_command, "
                        "native_qr, cutter, drawer, cancel_kanji, tenge)", key);
        if (!parse_bool(value, flag))
            return fail(ctx, ctx->line, "\"%.20s\" is not yes or no", value);
        return KP_OK;
    }
}

static kp_status parse_line(parse_ctx *ctx, char *line)
{
    char *eq, *key, *value;

    line = trim(line);
    if (*line == '\0' || *line == '#' || *line == ';')
        return KP_OK;
    if (*line == '[')
        return start_profile(ctx, line);
    eq = strchr(line, '=');
    if (!eq)
        return fail(ctx, ctx->line, "expected KEY = VALUE or [NAME], got \"%.40s\"", line);
    *eq = '\0';
    key = trim(line);
    value = trim(eq + 1);
    if (!ctx->current)
        return fail(ctx, ctx->line, "\"%.40s\" comes before any [NAME] section", key);
    return set_key(ctx, key, value);
}

kp_status kp_profile_parse(const char *text, size_t len, const char *source,
                           kp_profile_set **out, kp_error *err)
{
    parse_ctx ctx = { source ? source : "profiles", 0, err, NULL, NULL, 0,
                      false, false, false, false, false };
    size_t off = 0;
    kp_status st = KP_OK;

    *out = NULL;
    if (len > KP_PROFILE_FILE_MAX)
        return kp_error_set(err, KP_ERR_TOO_LARGE, "%s: over %d bytes: not a profiles file",
                            ctx.source, KP_PROFILE_FILE_MAX);
    if (!(ctx.set = calloc(1, sizeof *ctx.set)))
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        off = 3;              /* a UTF-8 byte order mark from a Windows editor */
    while (off < len && st == KP_OK) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
        char line[LINE_MAX_BYTES];

        ctx.line++;
        if (n >= sizeof line)
            st = fail(&ctx, ctx.line, "line longer than %s bytes", "1023");
        else if (memchr(text + off, '\0', n))
            st = fail(&ctx, ctx.line, "a NUL byte%s: not a text file", "");
        else {
            memcpy(line, text + off, n);
            line[n] = '\0';
            st = parse_line(&ctx, line);
        }
        off += n + 1;
    }
    if (st == KP_OK)
        st = finish_profile(&ctx);
    if (st == KP_OK && ctx.set->count == 0)
        st = kp_error_set(err, KP_ERR_MALFORMED, "%s: no [NAME] profile in the file", ctx.source);
    if (st != KP_OK) {
        kp_profile_set_free(ctx.set);
        return st;
    }
    *out = ctx.set;
    return KP_OK;
}

const char *kp_profile_default_path(void)
{
    const char *env = getenv("KASPI_PROFILES");
    return env && *env ? env : KP_PKGDATADIR "/profiles.conf";
}

kp_status kp_profile_load(const char *path, kp_profile_set **out, kp_error *err)
{
    kp_buf text = KP_BUF_INIT;
    char chunk[4096];
    size_t n;
    FILE *f;
    kp_status st = KP_OK;

    *out = NULL;
    if (!path)
        path = kp_profile_default_path();
    f = fopen(path, "r");
    if (!f)
        return kp_error_set(err, KP_ERR_SETUP, "cannot open printer profiles %s: %s", path,
                            strerror(errno));
    kp_buf_init(&text, KP_PROFILE_FILE_MAX);
    while (st == KP_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        st = kp_buf_append(&text, chunk, n);
    if (st == KP_OK && ferror(f))
        st = kp_error_set(err, KP_ERR_IO, "cannot read printer profiles %s", path);
    else if (st == KP_ERR_TOO_LARGE)
        kp_error_set(err, st, "%s: over %d bytes: not a profiles file", path, KP_PROFILE_FILE_MAX);
    else if (st != KP_OK)
        kp_error_set(err, st, "out of memory reading %s", path);
    fclose(f);
    if (st == KP_OK)
        st = kp_profile_parse(text.data ? text.data : "", text.len, path, out, err);
    kp_buf_free(&text);
    return st;
}

void kp_profile_set_free(kp_profile_set *set)
{
    if (!set)
        return;
    free(set->items);
    free(set);
}

const kp_profile *kp_profile_find(const kp_profile_set *set, const char *name)
{
    for (size_t i = 0; set && name && i < set->count; i++)
        if (!strcmp(set->items[i].name, name))
            return &set->items[i];
    return NULL;
}

kp_status kp_profile_get(const kp_profile_set *set, const char *name,
                         const kp_profile **out, kp_error *err)
{
    kp_buf names = KP_BUF_INIT;
    kp_status st;

    *out = kp_profile_find(set, name);
    if (*out)
        return KP_OK;
    for (size_t i = 0; i < set->count; i++)
        kp_buf_printf(&names, "%s%s", i ? ", " : "", set->items[i].name);
    st = kp_error_set(err, KP_ERR_USAGE, "no printer profile \"%.40s\" (known: %s)",
                      name ? name : "", kp_buf_str(&names));
    kp_buf_free(&names);
    return st;
}

size_t kp_profile_count(const kp_profile_set *set)
{
    return set ? set->count : 0;
}

const kp_profile *kp_profile_at(const kp_profile_set *set, size_t i)
{
    return set && i < set->count ? &set->items[i] : NULL;
}

kp_status kp_profile_list_write(const kp_profile_set *set, kp_buf *out)
{
    kp_status st = KP_OK;
    for (size_t i = 0; st == KP_OK && i < kp_profile_count(set); i++) {
        const kp_profile *p = &set->items[i];
        st = kp_buf_printf(out, "%s\t%d\t%s\t%s\n", p->name, p->chars_per_line, p->code_page,
                           p->description);
    }
    return st;
}
