/*
 * template_render.c: the Mustache expander.  Walks a compiled token list
 * over a stack of JSON contexts, writes text and escaped values, repeats
 * sections, and descends into partials with their indentation.  Every
 * render is bounded: partial depth, steps taken, and output size.
 */
#include "config.h"
#include "template_internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CONTEXTS (KP_TEMPLATE_MAX_DEPTH * (KP_TEMPLATE_MAX_PARTIAL_DEPTH + 1) + 1)

typedef struct render {
    kp_template *t;
    kp_buf *out;
    kp_error *err;
    bool reported;              /* err already says what went wrong */
    kp_buf indent;              /* the current partial's indentation */
    unsigned partial_depth;
    size_t steps;
    size_t depth;
    kp_template_getter get;     /* NULL: json_object_getn */
    void *get_arg;
    tpl_memo *memo;             /* the template's (by name number), for this render: gen */
    uint32_t gen;
    const json_t *contexts[MAX_CONTEXTS];
} render;

static kp_status render_range(render *r, const tpl_program *p, size_t from, size_t to);

/* A memo miss: the member asked of get (or jansson), remembered as the
 * entry's newest. */
static const json_t *__attribute__((noinline))
memo_miss(render *r, tpl_memo *m, const char *name, size_t len, const json_t *object)
{
    const json_t *v = r->get ? r->get(r->get_arg, object, name, len)
                             : json_object_getn((json_t *)object, name, len);

    m->object[1] = m->object[0];
    m->value[1] = m->value[0];
    m->gen[1] = m->gen[0];
    m->object[0] = object;
    m->value[0] = v;
    m->gen[0] = r->gen;
    return v;
}

/* The member `part` of object, remembered for the rest of the render under
 * the part's number. */
static inline const json_t *memo_get(render *r, const tpl_program *p, const tpl_part *part,
                                     const json_t *object)
{
    tpl_memo *m = &r->memo[part->slot];

    if (m->object[0] == object && m->gen[0] == r->gen)
        return m->value[0];
    if (m->object[1] == object && m->gen[1] == r->gen)
        return m->value[1];
    return memo_miss(r, m, p->src + part->off, part->len, object);
}

/* Spec name resolution: the first part is searched down the context stack,
 * the rest only inside what it found. */
static const json_t *lookup(render *r, const tpl_program *p, const tpl_token *tok)
{
    const tpl_part *part = &p->parts[tok->part];
    const json_t *v = NULL;

    if (tok->len == 1 && p->src[tok->off] == '.')
        return r->depth ? r->contexts[r->depth - 1] : NULL;
    for (size_t i = r->depth; i-- > 0 && !v;) {
        if (json_is_object(r->contexts[i]))
            v = memo_get(r, p, part, r->contexts[i]);
    }
    for (uint32_t i = 1; i < tok->parts && v; i++)
        v = json_is_object(v) ? memo_get(r, p, part + i, v) : NULL;
    return v;
}

static kp_status fail(render *r, kp_status st, const tpl_program *p, const tpl_token *tok,
                      const char *what)
{
    r->reported = true;
    return tpl_error_at(r->err, st, p, tok->tag, "%s", what);
}

static kp_status put_indent(render *r, const tpl_token *tok)
{
    if (!tok->line_start || r->indent.len == 0)
        return KP_OK;
    return kp_buf_append(r->out, r->indent.data, r->indent.len);
}

/* Literal text; inside an indented partial every line gets the indent. */
static kp_status put_literal(render *r, const tpl_program *p, const tpl_token *tok)
{
    const char *s = p->src + tok->off, *nl;
    size_t len = tok->len, n;
    kp_status st;

    if (r->indent.len == 0)
        return kp_buf_append(r->out, s, len);
    st = put_indent(r, tok);
    while (st == KP_OK && (nl = memchr(s, '\n', len)) != NULL) {
        n = (size_t)(nl - s) + 1;
        st = kp_buf_append(r->out, s, n);
        s += n;
        len -= n;
        if (st == KP_OK && len > 0)
            st = kp_buf_append(r->out, r->indent.data, r->indent.len);
    }
    return st == KP_OK ? kp_buf_append(r->out, s, len) : st;
}

static kp_status put_variable(render *r, const tpl_program *p, const tpl_token *tok)
{
    kp_status st = put_indent(r, tok);
    if (st != KP_OK)
        return st;
    return tpl_put_value(r->out, lookup(r, p, tok), r->t->escape,
                         tok->kind == TPL_RAW);
}

/* One pass over a section's body with ctx on top of the stack (NULL: as
 * it is, for inverted sections). */
static kp_status render_body(render *r, const tpl_program *p, const tpl_token *tok,
                             const json_t *ctx)
{
    size_t first = (size_t)(tok - p->tokens) + 1;
    kp_status st;

    if (ctx) {
        if (r->depth == MAX_CONTEXTS)
            return fail(r, KP_ERR_TOO_LARGE, p, tok, "sections nested too deep");
        r->contexts[r->depth++] = ctx;
    }
    st = render_range(r, p, first, tok->end);
    if (st == KP_OK)
        st = put_indent(r, &p->tokens[tok->end]);   /* indent before a closing tag */
    if (ctx)
        r->depth--;
    return st;
}

static kp_status render_section(render *r, const tpl_program *p, const tpl_token *tok)
{
    const json_t *v = lookup(r, p, tok);
    kp_status st = put_indent(r, tok);

    if (st != KP_OK)
        return st;
    if (tok->kind == TPL_INVERTED)
        return tpl_truthy(v) ? KP_OK : render_body(r, p, tok, NULL);
    if (!tpl_truthy(v))
        return KP_OK;
    if (!json_is_array(v))
        return render_body(r, p, tok, v);
    for (size_t i = 0; i < json_array_size(v) && st == KP_OK; i++) {
        if (++r->steps > KP_TEMPLATE_MAX_STEPS)
            return fail(r, KP_ERR_TOO_LARGE, p, tok,
                        "the template does too much work (lists within lists?)");
        st = render_body(r, p, tok, json_array_get(v, i));
    }
    return st;
}

/* A memo entry for every name numbered so far (new ones never current). */
static kp_status memo_fit(kp_template *t)
{
    size_t cap = t->memo_cap ? t->memo_cap : 64;
    tpl_memo *grown;

    if (t->memo_cap >= t->names.count)
        return KP_OK;
    while (cap < t->names.count)
        cap *= 2;
    grown = realloc(t->memo, cap * sizeof *grown);
    if (!grown)
        return KP_ERR_NOMEM;
    memset(grown + t->memo_cap, 0, (cap - t->memo_cap) * sizeof *grown);
    t->memo = grown;
    t->memo_cap = cap;
    return KP_OK;
}

static kp_status render_partial(render *r, const tpl_program *p, const tpl_token *tok)
{
    const tpl_program *partial;
    size_t saved = r->indent.len;
    kp_status st;

    if (r->partial_depth == KP_TEMPLATE_MAX_PARTIAL_DEPTH)
        return fail(r, KP_ERR_TOO_LARGE, p, tok,
                    "partials nested deeper than 32: does a partial include itself?");
    st = tpl_partial_get(r->t, p, tok, &partial, r->err);
    if (st == KP_OK && (st = memo_fit(r->t)) != KP_OK)
        kp_error_set(r->err, st, "out of memory");
    if (st != KP_OK) {
        r->reported = true;
        return st;
    }
    r->memo = r->t->memo;   /* a new partial's names may have moved it */
    st = put_indent(r, tok);
    if (st != KP_OK || !partial)
        return st;
    st = kp_buf_append(&r->indent, p->src + tok->indent_off, tok->indent_len);
    r->partial_depth++;
    if (st == KP_OK)
        st = render_range(r, partial, 0, partial->count);
    r->partial_depth--;
    r->indent.len = saved;
    return st;
}

static kp_status render_range(render *r, const tpl_program *p, size_t from, size_t to)
{
    kp_status st = KP_OK;

    for (size_t i = from; i < to && st == KP_OK; i++) {
        const tpl_token *tok = &p->tokens[i];
        if (++r->steps > KP_TEMPLATE_MAX_STEPS)
            return fail(r, KP_ERR_TOO_LARGE, p, tok,
                        "the template does too much work (lists within lists?)");
        switch (tok->kind) {
        case TPL_TEXT:
            st = put_literal(r, p, tok);
            break;
        case TPL_VAR:
        case TPL_RAW:
            st = put_variable(r, p, tok);
            break;
        case TPL_SECTION:
        case TPL_INVERTED:
            st = render_section(r, p, tok);
            i = tok->end;
            break;
        case TPL_PARTIAL:
            st = render_partial(r, p, tok);
            break;
        default:
            break;
        }
    }
    return st;
}

static kp_status report_output(render *r, kp_status st, size_t limit)
{
    if (st == KP_ERR_TOO_LARGE)
        return kp_error_set(r->err, st, "%s: the expanded text is over %zu bytes "
                            "(a list in the data too long?)", r->t->main.name, limit);
    if (st == KP_ERR_NOMEM)
        return kp_error_set(r->err, st, "%s: out of memory", r->t->main.name);
    return kp_error_set(r->err, st, "%s: %s", r->t->main.name, kp_status_name(st));
}

kp_status tpl_render(kp_template *t, const json_t *data, kp_template_getter get, void *arg,
                     kp_buf *out, kp_error *err)
{
    size_t start = out->len, saved_limit = out->limit;
    kp_status st;
    render *r;

    if (memo_fit(t) != KP_OK)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    if (++t->memo_gen == 0) {   /* wrapped: no entry may look current */
        if (t->memo)
            memset(t->memo, 0, t->memo_cap * sizeof *t->memo);
        t->memo_gen = 1;
    }
    /* kept for the next render (one at a time); not zeroed: the context
     * stack need not be */
    if (!t->render_state && !(t->render_state = malloc(sizeof *r)))
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    r = t->render_state;
    r->memo = t->memo;
    r->gen = t->memo_gen;
    r->get = get;
    r->get_arg = arg;
    r->t = t;
    r->out = out;
    r->err = err;
    r->reported = false;
    r->partial_depth = 0;
    r->steps = 0;
    r->depth = 0;
    kp_buf_init(&r->indent, 0);
    if (data)
        r->contexts[r->depth++] = data;
    if (!out->limit || (out->limit >= start && out->limit - start > t->max_output))
        out->limit = start + t->max_output;
    st = render_range(r, &t->main, 0, t->main.count);
    if (st != KP_OK && !r->reported)
        report_output(r, st, out->limit - start);
    out->limit = saved_limit;
    if (st != KP_OK) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    kp_buf_free(&r->indent);
    return st;
}
