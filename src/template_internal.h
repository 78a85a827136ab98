/*
 * template_internal.h: what the template room's files share and nobody else
 * sees: the compiled form of a template (a flat token list over its source),
 * the parser, the renderer, the escapers and the partial cache.
 */
#ifndef KP_TEMPLATE_INTERNAL_H
#define KP_TEMPLATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kaspipos/template.h"

typedef enum tpl_kind {
    TPL_TEXT,       /* literal text */
    TPL_VAR,        /* {{x}}: escaped value */
    TPL_RAW,        /* {{{x}}} {{&x}}: value as markup */
    TPL_SECTION,    /* {{#x}}: body is the tokens up to `end` */
    TPL_INVERTED,   /* {{^x}} */
    TPL_PARTIAL,    /* {{>x}} */
    TPL_END         /* {{/x}} */
} tpl_kind;

typedef struct tpl_token {
    uint8_t kind;
    uint8_t line_start;     /* output begins a line of the source: a partial's
                               indentation goes in front of it */
    uint32_t off, len;      /* the text, or the tag's name, in the source */
    uint32_t tag;           /* where the tag's opening delimiter is (messages) */
    uint32_t end;           /* section/inverted: index of its TPL_END token */
    uint32_t indent_off;    /* standalone partial: the white space before it */
    uint32_t indent_len;
    uint32_t part, parts;   /* a name's dot-separated parts: program->parts[part..+parts) */
} tpl_token;

/* One part of a dotted name, split and numbered once when compiled. */
typedef struct tpl_part {
    uint32_t off, len;      /* in the source */
    uint32_t slot;          /* the number of its bytes: equal parts of a template
                               and its partials share one (the renderer's memo) */
} tpl_part;

/* One parsed source: the template itself or one partial. */
typedef struct tpl_program {
    char *name;             /* for messages */
    char *src;
    size_t src_len;
    tpl_token *tokens;
    size_t count, cap;
    tpl_part *parts;
    size_t n_parts;
} tpl_program;

typedef struct tpl_partial {
    char *name;
    size_t name_len;
    tpl_program *program;   /* NULL: not found, renders as nothing */
} tpl_partial;

/* The parts of the dotted names of a template and its partials, each
 * numbered once ("response", "chequeInfo", "rrn"): the renderer remembers
 * lookups by number instead of hashing names. */
typedef struct tpl_name {
    uint32_t at, len;       /* in tpl_names.bytes */
    uint32_t hash;
} tpl_name;

typedef struct tpl_names {
    tpl_name *names;        /* by number */
    uint32_t count, cap;
    uint32_t *table;        /* open addressing: number + 1; 0: free */
    uint32_t table_size;
    char *bytes;
    size_t bytes_len, bytes_cap;
} tpl_names;

/* What the name part numbered like this memo entry found in an object
 * during a render, for the last two objects it was looked up in (a name
 * searched down the context stack misses in a section's object before it
 * hits the root; "date" is both labels.date and receipt.date).  Valid
 * while gen is the template's current render. */
typedef struct tpl_memo {
    const json_t *object[2];
    const json_t *value[2]; /* NULL: not there */
    uint32_t gen[2];
} tpl_memo;

struct kp_template {
    tpl_program main;
    kp_escape escape;
    char *partials_dir;
    json_t *partials;
    size_t max_output;
    tpl_partial *cache;
    size_t cached, cache_cap;
    tpl_names names;        /* of the template and the partials compiled so far */
    tpl_memo *memo;         /* one entry per name number */
    size_t memo_cap;
    void *render_state;     /* template_render.c's, ~17 KB, kept between renders */
    uint32_t memo_gen;      /* the render the valid entries belong to */
};

/* template_parse.c */
kp_status tpl_program_init(tpl_program *p, const char *name, const char *src, size_t len,
                           tpl_names *names, kp_error *err);
void tpl_names_clear(tpl_names *names);
void tpl_program_clear(tpl_program *p);
kp_status tpl_error_at(kp_error *err, kp_status status, const tpl_program *p, size_t off,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* template_render.c */
kp_status tpl_render(kp_template *t, const json_t *data, kp_template_getter get, void *arg,
                     kp_buf *out, kp_error *err);

/* template_escape.c */
kp_status tpl_put_value(kp_buf *out, const json_t *v, kp_escape escape, bool raw);
bool tpl_truthy(const json_t *v);

/* template.c: the partial named name[0..len), compiled on first use. */
kp_status tpl_partial_get(kp_template *t, const tpl_program *from, const tpl_token *tok,
                          const tpl_program **out, kp_error *err);

#endif
