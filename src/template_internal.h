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
    uint32_t rest_hash;     /* tpl_hash of the name after its first part and dot */
} tpl_token;

/* One part of a dotted name, split and hashed once when compiled. */
typedef struct tpl_part {
    uint32_t off, len;      /* in the source */
    uint32_t hash;          /* tpl_hash of it */
    uint32_t key;           /* where the same bytes first occur as a part: equal
                               parts of a source share one pointer, which the
                               renderer's memo compares before the bytes */
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

/* A name looked up in an object during one render: the renderer remembers
 * what it found, so the same name is hashed and searched for once (a receipt
 * asks for "response", "labels" and "receipt" dozens of times).  Valid while
 * gen is the template's current render. */
typedef struct tpl_memo {
    const json_t *object;
    const char *key;        /* a part, or (for names of three parts and more)
                               everything after the first part */
    const json_t *value;    /* NULL: not there */
    uint32_t len, hash, gen;
} tpl_memo;

#define TPL_MEMO_BITS 8
#define TPL_MEMO_SIZE (1u << TPL_MEMO_BITS)

struct kp_template {
    tpl_program main;
    kp_escape escape;
    char *partials_dir;
    json_t *partials;
    size_t max_output;
    tpl_partial *cache;
    size_t cached, cache_cap;
    tpl_memo *memo;         /* TPL_MEMO_SIZE entries, made on the first render */
    void *render_state;     /* template_render.c's, ~17 KB, kept between renders */
    uint32_t memo_gen;      /* the render the valid entries belong to */
};

/* template_parse.c */
kp_status tpl_program_init(tpl_program *p, const char *name, const char *src, size_t len,
                           kp_error *err);
void tpl_program_clear(tpl_program *p);
kp_status tpl_error_at(kp_error *err, kp_status status, const tpl_program *p, size_t off,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* FNV-1a: the hash of a name part for the renderer's memo. */
static inline uint32_t tpl_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

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
