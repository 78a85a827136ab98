/*
 * template.h: Mustache templates expanded over JSON data (jansson values).
 *
 * A receipt template is ReceiptLine markup with Mustache tags for the data.
 * This room implements Mustache (spec v1.x without lambdas): variables
 * {{x}} {{{x}}} {{&x}}, dotted names, the implicit iterator {{.}}, sections,
 * inverted sections, comments, partials, set delimiters and the standalone
 * line rules.
 *
 * Parse once, expand many times:
 *
 *     kp_template *t;
 *     if (kp_template_compile(src, len, &opt, &t, &err) == KP_OK) {
 *         kp_template_render(t, cheque, &out, &err);
 *         kp_template_free(t);
 *     }
 *
 * or in one call with kp_template_expand() / kp_template_expand_file().
 *
 * Values and escaping (kp_escape):
 *   - KP_ESCAPE_RECEIPT (the default): a value is escaped for ReceiptLine so
 *     data can never change the layout nor reach the printer as a command:
 *     `\ | { }` become `\\ \| \{ \}`; `_ " ` ^ ~ ;` become hexadecimal escapes
 *     (`\x5f` ...), which ReceiptLine turns back into the character both in
 *     text and inside `{code:...}` properties (where `\_` would be dropped);
 *     `-` and `=` are escaped the same way when the value is nothing but
 *     dashes or equals signs (it could otherwise become a rule line).  Control
 *     characters (C0, DEL, C1) are dropped; tab, CR, LF, U+2028/9 become a
 *     space; invalid UTF-8 becomes U+FFFD.  Leading and trailing white space
 *     of the value is trimmed, because ReceiptLine reads a column's alignment
 *     from the spaces around its text: " 500" in `| {{sum}}|` must not turn a
 *     right-aligned column into a centred one.
 *     {{{x}}} and {{&x}} insert the value as markup (the template author's
 *     choice) but are still sanitised: control characters dropped (LF and
 *     CR LF kept as LF), invalid UTF-8 replaced.
 *   - KP_ESCAPE_HTML: & < > " as the Mustache spec wants (for the spec tests).
 *   - KP_ESCAPE_NONE: values as they are.
 * Integers print plainly, reals in their shortest round-trip form (1.21),
 * true as "true"; null, false, missing names, arrays and objects print
 * nothing.  Falsy for sections: missing, null, false, [], "", 0.
 *
 * Partials: {{>name}} is looked up in opt->partials (an object name ->
 * template string) and then in opt->partials_dir as DIR/name.mustache (name
 * must be letters, digits, '_', '-', '.' and not start with '.').  A partial
 * found in neither is empty, as the spec wants, except that with a
 * partials_dir a missing file is an error (a typo must not silently drop a
 * receipt's footer).  Partials are compiled once per kp_template and cached.
 *
 * Bounds: a source over KP_TEMPLATE_MAX_SOURCE, sections nested deeper than
 * KP_TEMPLATE_MAX_DEPTH, partials deeper than KP_TEMPLATE_MAX_PARTIAL_DEPTH,
 * output over opt->max_output (default KP_TEMPLATE_MAX_OUTPUT) or more than
 * KP_TEMPLATE_MAX_STEPS tag evaluations in one render fail cleanly
 * (KP_ERR_MALFORMED or KP_ERR_TOO_LARGE).
 *
 * Errors name the template, line and column (in characters, from 1) and
 * what was expected:
 *   "payment-80.receipt:12:3: unclosed section {{#loan}}"
 * A kp_template is not safe to render from two threads at once (its partial
 * cache fills in during rendering); compile one per thread.
 */
#ifndef KASPIPOS_TEMPLATE_H
#define KASPIPOS_TEMPLATE_H

#include <stddef.h>
#include <jansson.h>
#include "kaspipos/buf.h"
#include "kaspipos/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KP_TEMPLATE_MAX_SOURCE (4u << 20)        /* bytes of a template or partial */
#define KP_TEMPLATE_MAX_OUTPUT (4u << 20)        /* bytes of one expansion */
#define KP_TEMPLATE_MAX_DEPTH 64                 /* nested sections in one source */
#define KP_TEMPLATE_MAX_PARTIAL_DEPTH 32         /* partials within partials */
#define KP_TEMPLATE_MAX_STEPS (8u << 20)         /* tags evaluated in one render */
#define KP_TEMPLATE_MAX_DELIMITER 16             /* bytes of a {{=<% %>=}} delimiter */

typedef enum kp_escape {
    KP_ESCAPE_RECEIPT = 0,
    KP_ESCAPE_HTML,
    KP_ESCAPE_NONE
} kp_escape;

typedef struct kp_template_options {
    kp_escape escape;            /* default KP_ESCAPE_RECEIPT */
    const char *partials_dir;    /* DIR/NAME.mustache; NULL: none */
    const json_t *partials;      /* object name -> template string; may be NULL */
    const char *source;          /* the template's name for messages; NULL: "template" */
    size_t max_output;           /* 0: KP_TEMPLATE_MAX_OUTPUT */
} kp_template_options;

#define KP_TEMPLATE_OPTIONS_INIT { KP_ESCAPE_RECEIPT, NULL, NULL, NULL, 0 }

typedef struct kp_template kp_template;

/* Parses tmpl[0..len) (NULs allowed, copied) with the options (NULL:
 * defaults; strings are copied, opt->partials is referenced). */
kp_status kp_template_compile(const char *tmpl, size_t len, const kp_template_options *opt,
                              kp_template **out, kp_error *err);
/* Same for a file; the file's name is the source for messages unless
 * opt->source is set. */
kp_status kp_template_compile_file(const char *path, const kp_template_options *opt,
                                   kp_template **out, kp_error *err);
/* Appends the expansion over data (the root context; may be NULL) to out.
 * On failure out is left as it was. */
kp_status kp_template_render(kp_template *t, const json_t *data, kp_buf *out, kp_error *err);
void kp_template_free(kp_template *t);

/* How kp_template_render_with looks a name up in an object: the member
 * name[0..len) of object, or NULL.  The value is borrowed and must stay
 * alive and the same until the render ends: the renderer remembers what it
 * found, so get is called about once per object and name.  get must not
 * render t itself. */
typedef const json_t *(*kp_template_getter)(void *arg, const json_t *object, const char *name,
                                            size_t len);

/* kp_template_render with every name looked up through get(arg, ...), so a
 * caller can compute members when the template asks for them instead of
 * building all of the data beforehand (the receipt room does).  get NULL:
 * json_object_getn, as kp_template_render does. */
kp_status kp_template_render_with(kp_template *t, const json_t *data, kp_template_getter get,
                                  void *arg, kp_buf *out, kp_error *err);

/* Compile + render + free in one call. */
kp_status kp_template_expand(const char *tmpl, size_t len, const json_t *data,
                             const kp_template_options *opt, kp_buf *out, kp_error *err);
kp_status kp_template_expand_file(const char *path, const json_t *data,
                                  const kp_template_options *opt, kp_buf *out, kp_error *err);

/* The escapers alone, for other rooms: append s[0..len) escaped to out. */
kp_status kp_template_escape_receipt(const char *s, size_t len, kp_buf *out);
kp_status kp_template_escape_html(const char *s, size_t len, kp_buf *out);

#ifdef __cplusplus
}
#endif
#endif
