/*
 * template_parse.c: the Mustache tokenizer and parser.  One pass over the
 * source produces a flat array of tokens (slices of the source, no copies):
 * text, variables, sections with the index of their end, partials with
 * their standalone indentation.  Set-delimiter tags and comments leave no
 * token; standalone lines are cut out here so the renderer never looks at
 * white space rules.
 */
#include "config.h"
#include "template_internal.h"
#include "kaspipos/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    tpl_program *p;
    const char *s;
    size_t n;
    size_t pos;                 /* first byte not yet turned into tokens */
    char open[KP_TEMPLATE_MAX_DELIMITER];
    char close[KP_TEMPLATE_MAX_DELIMITER + 1];
    size_t open_len, close_len;
    size_t line_begin;          /* where the line holding pos begins */
    bool line_dirty;            /* a tag or non-blank text before pos on that line */
    uint32_t sections[KP_TEMPLATE_MAX_DEPTH]; /* open sections, by token index */
    size_t depth;
    kp_error *err;
} parser;

typedef struct tag {
    size_t at;                  /* the opening delimiter */
    size_t end;                 /* just past the closing delimiter */
    char type;                  /* '\0' for a variable, else ! # ^ / > = { & */
    size_t name, name_len;      /* the trimmed content after the type */
} tag;

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_space(char c)
{
    return is_blank(c) || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Line and column (in characters) of off, both from 1. */
static void position(const char *s, size_t off, unsigned *line, unsigned *col)
{
    size_t begin = 0;
    unsigned l = 1;

    for (size_t i = 0; i < off; i++) {
        if (s[i] == '\n') {
            l++;
            begin = i + 1;
        }
    }
    *line = l;
    *col = (unsigned)kp_utf8_length(s + begin, off - begin) + 1;
}

kp_status tpl_error_at(kp_error *err, kp_status status, const tpl_program *p, size_t off,
                       const char *fmt, ...)
{
    char message[KP_ERROR_MESSAGE_MAX];
    unsigned line, col;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    position(p->src, off, &line, &col);
    return kp_error_set(err, status, "%s:%u:%u: %s", p->name, line, col, message);
}

/* A tag's name fit for a message: at most 40 bytes, no control bytes. */
static const char *shown(char buf[48], const char *s, size_t len)
{
    size_t i, n = len > 40 ? 40 : len;

    for (i = 0; i < n; i++)
        buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7F ? '?' : s[i];
    if (n < len)
        memcpy(buf + n, "...", 4);
    else
        buf[n] = '\0';
    return buf;
}

static kp_status push_token(parser *ps, tpl_kind kind, size_t off, size_t len, size_t at)
{
    tpl_program *p = ps->p;
    tpl_token *t;

    if (p->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        tpl_token *grown = realloc(p->tokens, cap * sizeof *grown);
        if (!grown)
            return kp_error_set(ps->err, KP_ERR_NOMEM, "%s: out of memory", p->name);
        p->tokens = grown;
        p->cap = cap;
    }
    t = &p->tokens[p->count++];
    memset(t, 0, sizeof *t);
    t->kind = (uint8_t)kind;
    t->off = (uint32_t)off;
    t->len = (uint32_t)len;
    t->tag = (uint32_t)at;
    t->line_start = at == 0 || ps->s[at - 1] == '\n';
    return KP_OK;
}

static kp_status emit_text(parser *ps, size_t from, size_t to)
{
    if (to <= from)
        return KP_OK;
    return push_token(ps, TPL_TEXT, from, to - from, from);
}

/* Follows the text s[from..to) for the standalone rule: where its last
 * line begins and whether anything but blanks is on it. */
static void track_line(parser *ps, size_t from, size_t to)
{
    const char *nl = to > from ? memrchr(ps->s + from, '\n', to - from) : NULL;

    if (nl) {
        from = (size_t)(nl - ps->s) + 1;
        ps->line_begin = from;
        ps->line_dirty = false;
    }
    for (; from < to && !ps->line_dirty; from++)
        ps->line_dirty = !is_blank(ps->s[from]);
}

/* True when only blanks follow `from` up to the end of its line; *next is
 * where the following line begins. */
static bool blank_to_eol(const parser *ps, size_t from, size_t *next)
{
    while (from < ps->n && is_blank(ps->s[from]))
        from++;
    if (from == ps->n) {
        *next = from;
        return true;
    }
    if (ps->s[from] == '\n') {
        *next = from + 1;
        return true;
    }
    if (ps->s[from] == '\r' && from + 1 < ps->n && ps->s[from + 1] == '\n') {
        *next = from + 2;
        return true;
    }
    return false;
}

static kp_status unclosed_tag(parser *ps, const tag *tg, const char *closer, size_t closer_len)
{
    char name[48];
    size_t q = tg->at + ps->open_len + (tg->type ? 1 : 0);
    size_t len = 0;

    while (q + len < ps->n && len < 40 && !is_space(ps->s[q + len]) && ps->s[q + len] != closer[0])
        len++;
    return tpl_error_at(ps->err, KP_ERR_MALFORMED, ps->p, tg->at,
                        "unclosed tag %.*s%.*s%s: expected %.*s", (int)ps->open_len, ps->open,
                        tg->type ? 1 : 0, &tg->type, shown(name, ps->s + q, len),
                        (int)closer_len, closer);
}

/* Reads the tag whose opening delimiter is at `at`: its type, its name and
 * where it ends.  Checks the name but not the tag's place. */
static kp_status read_tag(parser *ps, size_t at, tag *tg)
{
    char closer[KP_TEMPLATE_MAX_DELIMITER + 2];
    size_t q = at + ps->open_len, closer_len = 0, len;
    const char *hit;

    tg->at = at;
    tg->type = q < ps->n && strchr("!#^/>={&", ps->s[q]) && ps->s[q] ? ps->s[q] : '\0';
    if (tg->type)
        q++;
    if (tg->type == '{' || tg->type == '=')
        closer[closer_len++] = tg->type == '{' ? '}' : '=';
    memcpy(closer + closer_len, ps->close, ps->close_len);
    closer_len += ps->close_len;
    hit = q <= ps->n ? memmem(ps->s + q, ps->n - q, closer, closer_len) : NULL;
    if (!hit)
        return unclosed_tag(ps, tg, closer, closer_len);
    tg->end = (size_t)(hit - ps->s) + closer_len;
    len = (size_t)(hit - ps->s) - q;
    if (tg->type != '!' && tg->type != '=' && memchr(ps->s + q, '\n', len))
        return unclosed_tag(ps, tg, closer, closer_len);
    while (len > 0 && is_space(ps->s[q]))
        q++, len--;
    while (len > 0 && is_space(ps->s[q + len - 1]))
        len--;
    tg->name = q;
    tg->name_len = len;
    return KP_OK;
}

static kp_status check_name(parser *ps, const tag *tg)
{
    char name[48];

    if (tg->type == '!' || tg->type == '=')
        return KP_OK;
    if (tg->name_len == 0)
        return tpl_error_at(ps->err, KP_ERR_MALFORMED, ps->p, tg->at,
                            "empty tag %.*s%.*s%.*s: expected a name", (int)ps->open_len,
                            ps->open, tg->type ? 1 : 0, &tg->type, (int)ps->close_len, ps->close);
    for (size_t i = 0; i < tg->name_len; i++) {
        if (is_space(ps->s[tg->name + i]))
            return tpl_error_at(ps->err, KP_ERR_MALFORMED, ps->p, tg->at,
                                "bad tag name \"%s\": a name cannot contain spaces",
                                shown(name, ps->s + tg->name, tg->name_len));
    }
    return KP_OK;
}

static kp_status bad_delimiter(parser *ps, const tag *tg, const char *why)
{
    char name[48];
    return tpl_error_at(ps->err, KP_ERR_MALFORMED, ps->p, tg->at,
                        "bad delimiter tag %.*s=%s=%.*s: %s; expected two delimiters separated "
                        "by a space, e.g. {{=<%% %%>=}}",
                        (int)ps->open_len, ps->open, shown(name, ps->s + tg->name, tg->name_len),
                        (int)ps->close_len, ps->close, why);
}

/* {{=OPEN CLOSE=}} */
static kp_status set_delimiters(parser *ps, const tag *tg)
{
    const char *s = ps->s + tg->name;
    size_t len = tg->name_len, first = 0, second;

    while (first < len && !is_space(s[first]))
        first++;
    second = first;
    while (second < len && is_space(s[second]))
        second++;
    if (first == 0 || second == len)
        return bad_delimiter(ps, tg, "two delimiters are needed");
    for (size_t i = second; i < len; i++) {
        if (is_space(s[i]))
            return bad_delimiter(ps, tg, "a delimiter cannot contain spaces");
    }
    if (first > KP_TEMPLATE_MAX_DELIMITER || len - second > KP_TEMPLATE_MAX_DELIMITER)
        return bad_delimiter(ps, tg, "a delimiter is longer than 16 bytes");
    if (memchr(s, '=', len))
        return bad_delimiter(ps, tg, "a delimiter cannot contain '='");
    memcpy(ps->open, s, first);
    ps->open_len = first;
    memcpy(ps->close, s + second, len - second);
    ps->close_len = len - second;
    return KP_OK;
}

static kp_status open_section(parser *ps, const tag *tg)
{
    kp_status st;

    if (ps->depth == KP_TEMPLATE_MAX_DEPTH)
        return tpl_error_at(ps->err, KP_ERR_MALFORMED, ps->p, tg->at,
                            "sections nested deeper than %d", KP_TEMPLATE_MAX_DEPTH);
    st = push_token(ps, tg->type == '#' ? TPL_SECTION : TPL_INVERTED, tg->name, tg->name_len,
                    tg->at);
    if (st == KP_OK)
        ps->sections[ps->depth++] = (uint32_t)(ps->p->count - 1);
    return st;
}

static kp_status close_section(parser *ps, const tag *tg)
{
    char name[48], open_name[48];
    tpl_token *opener;
    unsigned line, col;

    if (ps->depth == 0)
        return tpl_error_at(ps->err, KP_ERR_MALFORMED, ps->p, tg->at,
                            "unexpected {{/%s}}: no section is open",
                            shown(name, ps->s + tg->name, tg->name_len));
    opener = &ps->p->tokens[ps->sections[ps->depth - 1]];
    if (opener->len != tg->name_len || memcmp(ps->s + opener->off, ps->s + tg->name, tg->name_len)) {
        position(ps->s, opener->tag, &line, &col);
        return tpl_error_at(ps->err, KP_ERR_MALFORMED, ps->p, tg->at,
                            "unexpected {{/%s}}, {{%c%s}} is open (opened at %u:%u)",
                            shown(name, ps->s + tg->name, tg->name_len),
                            opener->kind == TPL_SECTION ? '#' : '^',
                            shown(open_name, ps->s + opener->off, opener->len), line, col);
    }
    opener->end = (uint32_t)ps->p->count;
    ps->depth--;
    return push_token(ps, TPL_END, tg->name, tg->name_len, tg->at);
}

static kp_status apply_tag(parser *ps, const tag *tg, bool standalone)
{
    kp_status st;

    switch (tg->type) {
    case '!':
        return KP_OK;
    case '=':
        return set_delimiters(ps, tg);
    case '#':
    case '^':
        return open_section(ps, tg);
    case '/':
        return close_section(ps, tg);
    case '>':
        st = push_token(ps, TPL_PARTIAL, tg->name, tg->name_len, tg->at);
        if (st == KP_OK && standalone) {
            tpl_token *t = &ps->p->tokens[ps->p->count - 1];
            t->indent_off = (uint32_t)ps->line_begin;
            t->indent_len = (uint32_t)(tg->at - ps->line_begin);
        }
        return st;
    case '{':
    case '&':
        return push_token(ps, TPL_RAW, tg->name, tg->name_len, tg->at);
    default:
        return push_token(ps, TPL_VAR, tg->name, tg->name_len, tg->at);
    }
}

/* Emits the text before the tag and the tag, cutting out its line when it
 * stands alone there. */
static kp_status place_tag(parser *ps, const tag *tg)
{
    bool standalone = false;
    size_t next = tg->end, count;
    kp_status st;

    if (tg->type && strchr("!#^/>=", tg->type))
        standalone = !ps->line_dirty && blank_to_eol(ps, tg->end, &next);
    st = emit_text(ps, ps->pos, standalone ? ps->line_begin : tg->at);
    count = ps->p->count;
    if (st == KP_OK)
        st = apply_tag(ps, tg, standalone);
    if (st != KP_OK)
        return st;
    if (standalone && ps->p->count > count)
        ps->p->tokens[count].line_start = 0;   /* its line is gone */
    if (standalone) {
        ps->pos = next;
        ps->line_begin = next;
        ps->line_dirty = false;
    } else {
        ps->pos = tg->end;
        ps->line_dirty = true;
    }
    return KP_OK;
}

static kp_status unclosed_section(parser *ps)
{
    char name[48];
    const tpl_token *opener = &ps->p->tokens[ps->sections[ps->depth - 1]];

    return tpl_error_at(ps->err, KP_ERR_MALFORMED, ps->p, opener->tag,
                        "unclosed section {{%c%s}}", opener->kind == TPL_SECTION ? '#' : '^',
                        shown(name, ps->s + opener->off, opener->len));
}

static kp_status parse(parser *ps)
{
    kp_status st;
    tag tg;

    while (ps->pos < ps->n) {
        const char *hit = memmem(ps->s + ps->pos, ps->n - ps->pos, ps->open, ps->open_len);
        if (!hit) {
            st = emit_text(ps, ps->pos, ps->n);
            if (st != KP_OK)
                return st;
            break;
        }
        track_line(ps, ps->pos, (size_t)(hit - ps->s));
        st = read_tag(ps, (size_t)(hit - ps->s), &tg);
        if (st == KP_OK)
            st = check_name(ps, &tg);
        if (st == KP_OK)
            st = place_tag(ps, &tg);
        if (st != KP_OK)
            return st;
    }
    return ps->depth ? unclosed_section(ps) : KP_OK;
}

static size_t count_dots(const char *s, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        n += s[i] == '.';
    return n;
}

static bool has_name(const tpl_token *t)
{
    return t->kind == TPL_VAR || t->kind == TPL_RAW || t->kind == TPL_SECTION ||
           t->kind == TPL_INVERTED;
}

/* FNV-1a */
static uint32_t hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static bool names_grow_table(tpl_names *nm)
{
    uint32_t size = nm->table_size ? nm->table_size * 2 : 64, mask = size - 1;
    uint32_t *table = calloc(size, sizeof *table);

    if (!table)
        return false;
    for (uint32_t i = 0; i < nm->count; i++) {
        uint32_t slot = nm->names[i].hash & mask;
        while (table[slot])
            slot = (slot + 1) & mask;
        table[slot] = i + 1;
    }
    free(nm->table);
    nm->table = table;
    nm->table_size = size;
    return true;
}

/* Room for one more name of len bytes. */
static bool names_reserve(tpl_names *nm, size_t len)
{
    if (nm->count == nm->cap) {
        uint32_t cap = nm->cap ? nm->cap * 2 : 32;
        tpl_name *grown = realloc(nm->names, cap * sizeof *grown);
        if (!grown)
            return false;
        nm->names = grown;
        nm->cap = cap;
    }
    if (!nm->bytes || nm->bytes_cap - nm->bytes_len < len) {   /* never NULL: memcmp */
        size_t cap = nm->bytes_cap ? nm->bytes_cap : 512;
        char *grown;
        while (cap - nm->bytes_len < len)
            cap *= 2;
        grown = realloc(nm->bytes, cap);
        if (!grown)
            return false;
        nm->bytes = grown;
        nm->bytes_cap = cap;
    }
    return (nm->count + 1) * 2 <= nm->table_size || names_grow_table(nm);
}

/* The number of the name s[0..len) with that hash, numbered when new;
 * UINT32_MAX: out of memory. */
static uint32_t name_number(tpl_names *nm, const char *s, size_t len, uint32_t hash)
{
    uint32_t mask, slot;

    if (!names_reserve(nm, len))
        return UINT32_MAX;
    mask = nm->table_size - 1;
    for (slot = hash & mask; nm->table[slot]; slot = (slot + 1) & mask) {
        const tpl_name *n = &nm->names[nm->table[slot] - 1];
        if (n->hash == hash && n->len == len && memcmp(nm->bytes + n->at, s, len) == 0)
            return nm->table[slot] - 1;
    }
    if (len)
        memcpy(nm->bytes + nm->bytes_len, s, len);
    nm->names[nm->count].at = (uint32_t)nm->bytes_len;
    nm->names[nm->count].len = (uint32_t)len;
    nm->names[nm->count].hash = hash;
    nm->bytes_len += len;
    nm->table[slot] = nm->count + 1;
    return nm->count++;
}

void tpl_names_clear(tpl_names *nm)
{
    free(nm->names);
    free(nm->table);
    free(nm->bytes);
    memset(nm, 0, sizeof *nm);
}

/* Splits every name at its dots once and numbers its parts (equal parts of
 * the template and its partials get one number), so rendering does neither. */
static kp_status split_names(tpl_program *p, tpl_names *nm, kp_error *err)
{
    size_t n = 0, at = 0;

    for (size_t i = 0; i < p->count; i++)
        if (has_name(&p->tokens[i]))
            n += 1 + count_dots(p->src + p->tokens[i].off, p->tokens[i].len);
    p->parts = malloc((n ? n : 1) * sizeof *p->parts);
    if (!p->parts)
        return kp_error_set(err, KP_ERR_NOMEM, "%s: out of memory", p->name);
    for (size_t i = 0; i < p->count; i++) {
        tpl_token *t = &p->tokens[i];
        size_t off = t->off, end = (size_t)t->off + t->len;
        if (!has_name(t))
            continue;
        t->part = (uint32_t)at;
        for (;;) {
            const char *dot = memchr(p->src + off, '.', end - off);
            size_t part_end = dot ? (size_t)(dot - p->src) : end, len = part_end - off;
            p->parts[at].off = (uint32_t)off;
            p->parts[at].len = (uint32_t)len;
            p->parts[at].slot = name_number(nm, p->src + off, len, hash(p->src + off, len));
            if (p->parts[at].slot == UINT32_MAX)
                return kp_error_set(err, KP_ERR_NOMEM, "%s: out of memory", p->name);
            at++;
            if (!dot)
                break;
            off = part_end + 1;
        }
        t->parts = (uint32_t)(at - t->part);
    }
    p->n_parts = at;
    return KP_OK;
}

kp_status tpl_program_init(tpl_program *p, const char *name, const char *src, size_t len,
                           tpl_names *names, kp_error *err)
{
    parser ps;
    kp_status st;

    memset(p, 0, sizeof *p);
    p->name = strdup(name ? name : "template");
    if (!p->name)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    if (len > KP_TEMPLATE_MAX_SOURCE)
        return kp_error_set(err, KP_ERR_TOO_LARGE, "%s: the template is over %u bytes",
                            p->name, KP_TEMPLATE_MAX_SOURCE);
    p->src = malloc(len + 1);
    if (!p->src)
        return kp_error_set(err, KP_ERR_NOMEM, "%s: out of memory", p->name);
    if (len)
        memcpy(p->src, src, len);
    p->src[len] = '\0';
    p->src_len = len;

    memset(&ps, 0, sizeof ps);
    ps.p = p;
    ps.s = p->src;
    ps.n = len;
    ps.err = err;
    memcpy(ps.open, "{{", 2);
    memcpy(ps.close, "}}", 2);
    ps.open_len = ps.close_len = 2;
    st = parse(&ps);
    if (st == KP_OK)
        st = split_names(p, names, err);
    return st;
}

void tpl_program_clear(tpl_program *p)
{
    free(p->name);
    free(p->src);
    free(p->tokens);
    free(p->parts);
    memset(p, 0, sizeof *p);
}
