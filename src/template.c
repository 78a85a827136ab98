/*
 * template.c: the template room's public face (see kaspipos/template.h):
 * compiling from memory or a file, rendering, the one-call expansions, and
 * finding partials (the partials object, then DIR/NAME.mustache), each
 * compiled once and kept in the template's cache.
 */
#include "config.h"
#include "template_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads a whole file of at most max bytes; *errnum is errno on failure. */
static kp_status read_file(const char *path, size_t max, kp_buf *into, int *errnum)
{
    char chunk[65536];
    kp_status st = KP_OK;
    struct stat sb;
    ssize_t n;
    int fd;

    *errnum = 0;
    kp_buf_init(into, max);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *errnum = errno;
        return KP_ERR_IO;
    }
    if (fstat(fd, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        close(fd);
        *errnum = S_ISDIR(sb.st_mode) ? EISDIR : EINVAL;
        return KP_ERR_IO;
    }
    while (st == KP_OK && (n = read(fd, chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *errnum = errno;
            st = KP_ERR_IO;
        } else {
            st = kp_buf_append(into, chunk, (size_t)n);
        }
    }
    close(fd);
    if (st != KP_OK)
        kp_buf_free(into);
    return st;
}

static kp_status file_error(kp_error *err, kp_status st, const char *what, const char *path,
                            int errnum)
{
    if (st == KP_ERR_TOO_LARGE)
        return kp_error_set(err, st, "%s %s is over %u bytes", what, path,
                            KP_TEMPLATE_MAX_SOURCE);
    if (st == KP_ERR_NOMEM)
        return kp_error_set(err, st, "out of memory reading %s %s", what, path);
    return kp_error_set(err, st, "cannot read %s %s: %s", what, path, strerror(errnum));
}

static kp_status set_options(kp_template *t, const kp_template_options *opt, kp_error *err)
{
    static const kp_template_options defaults = KP_TEMPLATE_OPTIONS_INIT;

    if (!opt)
        opt = &defaults;
    if (opt->escape != KP_ESCAPE_RECEIPT && opt->escape != KP_ESCAPE_HTML &&
        opt->escape != KP_ESCAPE_NONE)
        return kp_error_set(err, KP_ERR_USAGE, "unknown escape mode %d", (int)opt->escape);
    t->escape = opt->escape;
    t->max_output = opt->max_output ? opt->max_output : KP_TEMPLATE_MAX_OUTPUT;
    if (opt->partials_dir && !(t->partials_dir = strdup(opt->partials_dir)))
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    if (opt->partials)
        t->partials = json_incref((json_t *)opt->partials);
    return KP_OK;
}

kp_status kp_template_compile(const char *tmpl, size_t len, const kp_template_options *opt,
                              kp_template **out, kp_error *err)
{
    kp_template *t;
    kp_status st;

    *out = NULL;
    if (!tmpl && len)
        return kp_error_set(err, KP_ERR_USAGE, "no template given");
    t = calloc(1, sizeof *t);
    if (!t)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    st = set_options(t, opt, err);
    if (st == KP_OK)
        st = tpl_program_init(&t->main, opt ? opt->source : NULL, tmpl ? tmpl : "", len,
                              &t->names, err);
    if (st != KP_OK) {
        kp_template_free(t);
        return st;
    }
    *out = t;
    return KP_OK;
}

kp_status kp_template_compile_file(const char *path, const kp_template_options *opt,
                                   kp_template **out, kp_error *err)
{
    kp_template_options named = KP_TEMPLATE_OPTIONS_INIT;
    kp_buf text;
    kp_status st;
    int errnum;

    *out = NULL;
    st = read_file(path, KP_TEMPLATE_MAX_SOURCE, &text, &errnum);
    if (st != KP_OK)
        return file_error(err, st, "template", path, errnum);
    if (opt)
        named = *opt;
    if (!named.source)
        named.source = path;
    st = kp_template_compile(text.data ? text.data : "", text.len, &named, out, err);
    kp_buf_free(&text);
    return st;
}

kp_status kp_template_render(kp_template *t, const json_t *data, kp_buf *out, kp_error *err)
{
    return kp_template_render_with(t, data, NULL, NULL, out, err);
}

kp_status kp_template_render_with(kp_template *t, const json_t *data, kp_template_getter get,
                                  void *arg, kp_buf *out, kp_error *err)
{
    if (!t || !out)
        return kp_error_set(err, KP_ERR_USAGE, "no template or no output buffer");
    return tpl_render(t, data, get, arg, out, err);
}

void kp_template_free(kp_template *t)
{
    if (!t)
        return;
    tpl_program_clear(&t->main);
    for (size_t i = 0; i < t->cached; i++) {
        free(t->cache[i].name);
        if (t->cache[i].program)
            tpl_program_clear(t->cache[i].program);
        free(t->cache[i].program);
    }
    free(t->cache);
    free(t->memo);
    tpl_names_clear(&t->names);
    free(t->render_state);
    free(t->partials_dir);
    json_decref(t->partials);
    free(t);
}

kp_status kp_template_expand(const char *tmpl, size_t len, const json_t *data,
                             const kp_template_options *opt, kp_buf *out, kp_error *err)
{
    kp_template *t;
    kp_status st = kp_template_compile(tmpl, len, opt, &t, err);

    if (st != KP_OK)
        return st;
    st = kp_template_render(t, data, out, err);
    kp_template_free(t);
    return st;
}

kp_status kp_template_expand_file(const char *path, const json_t *data,
                                  const kp_template_options *opt, kp_buf *out, kp_error *err)
{
    kp_template *t;
    kp_status st = kp_template_compile_file(path, opt, &t, err);

    if (st != KP_OK)
        return st;
    st = kp_template_render(t, data, out, err);
    kp_template_free(t);
    return st;
}

/* --- partials ------------------------------------------------------------ */

/* A partial file name: letters, digits, '_', '-', '.', not starting with '.'
 * (so no path can leave the directory). */
static bool safe_partial_name(const char *name, size_t len)
{
    if (len == 0 || len > 200 || name[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

static kp_status compile_partial(kp_template *t, const char *name, const char *src,
                                 size_t len, tpl_program **out, kp_error *err)
{
    tpl_program *p = calloc(1, sizeof *p);
    kp_status st;

    if (!p)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    st = tpl_program_init(p, name, src, len, &t->names, err);
    if (st != KP_OK) {
        tpl_program_clear(p);
        free(p);
        return st;
    }
    *out = p;
    return KP_OK;
}

static kp_status load_from_dir(kp_template *t, const tpl_program *from, const tpl_token *tok,
                               const char *name, tpl_program **out, kp_error *err)
{
    const char *want = from->src + tok->off;
    kp_buf path = KP_BUF_INIT, text;
    kp_status st;
    int errnum;

    if (!safe_partial_name(want, tok->len))
        return tpl_error_at(err, KP_ERR_MALFORMED, from, tok->tag,
                            "bad partial name {{>%.40s}}: use letters, digits, '_', '-' and '.'",
                            name);
    st = kp_buf_printf(&path, "%s/%s.mustache", t->partials_dir, name);
    if (st != KP_OK)
        return kp_error_set(err, st, "out of memory");
    st = read_file(path.data, KP_TEMPLATE_MAX_SOURCE, &text, &errnum);
    if (st == KP_ERR_IO && errnum == ENOENT)
        st = tpl_error_at(err, KP_ERR_NOT_FOUND, from, tok->tag,
                          "partial {{>%s}} not found: no file %s", name, path.data);
    else if (st != KP_OK)
        st = file_error(err, st, "partial", path.data, errnum);
    else
        st = compile_partial(t, path.data, text.data ? text.data : "", text.len, out, err);
    kp_buf_free(&text);
    kp_buf_free(&path);
    return st;
}

static kp_status load_partial(kp_template *t, const tpl_program *from, const tpl_token *tok,
                              const char *name, tpl_program **out, kp_error *err)
{
    const json_t *v = NULL;

    *out = NULL;
    if (json_is_object(t->partials))
        v = json_object_getn(t->partials, from->src + tok->off, tok->len);
    if (json_is_string(v))
        return compile_partial(t, name, json_string_value(v), json_string_length(v), out, err);
    if (t->partials_dir)
        return load_from_dir(t, from, tok, name, out, err);
    return KP_OK;   /* the spec: a partial that is nowhere is empty */
}

static kp_status cache_partial(kp_template *t, char *name, size_t len, tpl_program *program)
{
    if (t->cached == t->cache_cap) {
        size_t cap = t->cache_cap ? t->cache_cap * 2 : 8;
        tpl_partial *grown = realloc(t->cache, cap * sizeof *grown);
        if (!grown)
            return KP_ERR_NOMEM;
        t->cache = grown;
        t->cache_cap = cap;
    }
    t->cache[t->cached].name = name;
    t->cache[t->cached].name_len = len;
    t->cache[t->cached].program = program;
    t->cached++;
    return KP_OK;
}

kp_status tpl_partial_get(kp_template *t, const tpl_program *from, const tpl_token *tok,
                          const tpl_program **out, kp_error *err)
{
    const char *want = from->src + tok->off;
    tpl_program *program = NULL;
    kp_status st;
    char *name;

    for (size_t i = 0; i < t->cached; i++) {
        if (t->cache[i].name_len == tok->len && !memcmp(t->cache[i].name, want, tok->len)) {
            *out = t->cache[i].program;
            return KP_OK;
        }
    }
    name = malloc(tok->len + 1);
    if (!name)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    memcpy(name, want, tok->len);
    name[tok->len] = '\0';
    st = load_partial(t, from, tok, name, &program, err);
    if (st == KP_OK && cache_partial(t, name, tok->len, program) != KP_OK)
        st = kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    if (st != KP_OK) {
        if (program)
            tpl_program_clear(program);
        free(program);
        free(name);
        return st;
    }
    *out = program;
    return KP_OK;
}
