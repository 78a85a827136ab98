/*
 * layout.c: the layout model (kaspipos/layout.h).  Runs the document line by
 * line through the parser and the sizer, and turns what createLine() of
 * receiptline.js would print into rows: text rows of spans, rules (including
 * the start / middle / end rules of a bordered table, ReceiptLine's
 * vrstart / vrhr / vrstop), cuts, codes, images and commands.
 *
 * The model's memory: the rows array grows by doubling; everything a row points to (spans, text, rules,
 * code data, PNG bytes) comes from an arena of large chunks freed at once by
 * kp_layout_free().
 */
#include "config.h"
#include "kaspipos/layout.h"
#include "kaspipos/utf8.h"
#include "layout_internal.h"

#include <stdlib.h>
#include <string.h>

#define KP_LAYOUT_MAX_INPUT (1024 * 1024)
#define ARENA_CHUNK 16384

typedef struct chunk {
    struct chunk *next;
    max_align_t data[];
} chunk;

typedef struct layout_impl {
    kp_layout pub;              /* first: kp_layout_free() casts back */
    size_t rows_cap;
    bool rows_borrowed;         /* rows still in the block after this struct */
    chunk *chunks;              /* the arena's chunks after the first (that block too) */
} layout_impl;

typedef struct builder {
    layout_impl *lay;
    int cpl;
    lt_state st;
    lt_line line;
    lt_area area;
    lt_wlines wlines;
    lt_items items;
    lt_int widths;                 /* per placed column: its width (a table's edge) */
    lt_bytes doc;                  /* the document, UTF-8, and a '\n' */
    lt_u16 text;                   /* a line the fused scan leaves, UTF-16 */
    lt_u32 cps, nfc;               /* its code points, before and after NFC */
    void *scratch;                 /* the first room of the arrays above, one block */
    char *arena_at;                /* the free end of the model's newest chunk */
    size_t arena_left;
} builder;

/* A new chunk for arena_alloc(): the rest of the current one is left. */
static void *arena_chunk(builder *b, size_t need)
{
    layout_impl *lay = b->lay;
    size_t size = need > ARENA_CHUNK ? need : ARENA_CHUNK;
    chunk *c = malloc(sizeof *c + size);

    if (!c)
        return NULL;
    c->next = lay->chunks;
    lay->chunks = c;
    b->arena_at = (char *)c->data + need;
    b->arena_left = size - need;
    return c->data;
}

/* Memory for the model, freed with it: bumps a pointer the builder keeps. */
static inline void *arena_alloc(builder *b, size_t n)
{
    size_t need = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    char *p = b->arena_at;

    if (b->arena_left < need)
        return arena_chunk(b, need);
    b->arena_at = p + need;
    b->arena_left -= need;
    return p;
}

static inline kp_row *new_row(builder *b, kp_row_kind kind)
{
    layout_impl *lay = b->lay;
    kp_row *row;

    if (lay->rows_cap == lay->pub.n_rows &&
        !lt_grow((void **)&lay->pub.rows, &lay->rows_cap, &lay->rows_borrowed, lay->pub.n_rows, 1,
                 sizeof(kp_row)))
        return NULL;
    row = &lay->pub.rows[lay->pub.n_rows++];
    memset(row, 0, sizeof *row);
    row->kind = kind;
    row->height = 1;
    return row;
}

/* Bytes [b0, b1) of the line's UTF-8 text into the arena. */
static inline char *arena_utf8(builder *b, size_t b0, size_t b1)
{
    size_t len = b1 - b0;
    char *s = arena_alloc(b, len + 1);

    if (!s)
        return NULL;
    memcpy(s, b->line.text8 + b0, len);
    s[len] = '\0';
    return s;
}

/* UTF-16 from a property value to UTF-8 in the arena (NUL ends it). */
static char *arena_utf8_u16(builder *b, const lt_u16 *v)
{
    char *s = arena_alloc(b, 3 * v->n + 1), *p = s;

    if (!s)
        return NULL;
    for (size_t i = 0; i < v->n && v->p[i]; i++) {
        uint32_t c = v->p[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < v->n && v->p[i + 1] >= 0xDC00 && v->p[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (v->p[i + 1] - 0xDC00);
            i++;
        }
        p += kp_utf8_encode(c, p);
    }
    *p = '\0';
    return s;
}

static char *rule_string(builder *b, size_t len)
{
    char *s = arena_alloc(b, len + 1);
    if (s)
        s[len] = '\0';
    return s;
}

/* '+' then, for each width, that many '-' and a '+'. */
static size_t table_edge(char *out, const int *widths, size_t n)
{
    size_t k = 0;
    out[k++] = '+';
    for (size_t i = 0; i < n; i++) {
        memset(out + k, '-', (size_t)widths[i]);
        k += (size_t)widths[i];
        out[k++] = '+';
    }
    return k;
}

static size_t edge_length(const int *widths, size_t n)
{
    size_t k = 1;
    for (size_t i = 0; i < n; i++)
        k += (size_t)widths[i] + 1;
    return k;
}

static kp_status add_edge(builder *b, int left, const int *widths, size_t n)
{
    kp_row *row = new_row(b, KP_ROW_RULE);
    char *s;

    if (!row || !(s = rule_string(b, edge_length(widths, n))))
        return KP_ERR_NOMEM;
    table_edge(s, widths, n);
    row->column = left;
    row->rule = s;
    return KP_OK;
}

/* vrhr(): the old table's edge over the new one's, at their common left. */
static kp_status add_middle_rule(builder *b, const int *widths, size_t n)
{
    const lt_state *st = &b->st;
    int m = b->area.left - st->rules_left, w = b->area.width - st->rules_width;
    int dl = m, dr = m + w, l = b->area.left < st->rules_left ? b->area.left : st->rules_left;
    size_t n1 = edge_length(st->rules_widths.p, st->rules_widths.n), n2 = edge_length(widths, n);
    size_t len = (size_t)(dl > 0 ? dl : 0) + n2 + (size_t)(dr < 0 ? -dr : 0);
    char *r1, *r2, *out;
    kp_row *row;

    size_t len1 = (size_t)(dl < 0 ? -dl : 0) + n1 + (size_t)(dr > 0 ? dr : 0);
    size_t room = (len1 > len ? len1 : len) + 1;

    /* the two edges have the same length unless a table lost all its columns */
    r1 = malloc(room);
    r2 = malloc(room);
    if (!r1 || !r2 || !(row = new_row(b, KP_ROW_RULE)) || !(out = rule_string(b, len))) {
        free(r1);
        free(r2);
        return KP_ERR_NOMEM;
    }
    memset(r1, ' ', room);
    memset(r2, ' ', room);
    table_edge(r1 + (dl < 0 ? -dl : 0), st->rules_widths.p, st->rules_widths.n);
    table_edge(r2 + (dl > 0 ? dl : 0), widths, n);
    for (size_t i = 0; i < len; i++)
        out[i] = r2[i] == '+' || r1[i] == '+' ? '+' : r2[i] == '-' || r1[i] == '-' ? '-' : ' ';
    free(r1);
    free(r2);
    row->column = l;
    row->rule = out;
    return KP_OK;
}

/* Rules and text by column: a stable insertion sort, one look a span when
 * they come in order already. */
static void sort_spans(kp_span *spans, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        kp_span x = spans[i];
        size_t k = i;
        while (k > 0 && spans[k - 1].column > x.column) {
            spans[k] = spans[k - 1];
            k--;
        }
        spans[k] = x;
    }
}

/* The vertical rules of a bordered table's row: n + 1 spans. */
static void put_vrules(kp_span *out, int left, const int *widths, size_t n)
{
    kp_style plain = { false, false, false, 1, 1 };
    kp_span rule = { left, 1, plain, true, NULL };

    out[0] = rule;
    for (size_t i = 0; i < n; i++) {
        rule.column += widths[i] + 1;
        out[i + 1] = rule;
    }
}

/* The j-th printed line of a text line: the j-th wrapped line of each column.
 * Its spans are counted first and written straight into the arena. */
static kp_status text_row(builder *b, size_t j, const int *widths)
{
    const lt_area *area = &b->area;
    int p = 0, height = 1, border = b->line.border < 0 ? -b->line.border : b->line.border;
    bool rules = b->st.line == LT_RUNNING;
    size_t n = rules ? area->n + 1 : 0, k = 0;
    kp_span *spans;
    kp_row *row;

    for (size_t i = 0; i < area->n; i++) {
        if (j < area->p[i].count) {
            const lt_wline *wl = &b->wlines.p[area->p[i].first + j];
            if (wl->height > height)
                height = wl->height;
            n += wl->n_items;
        }
    }
    if (!(row = new_row(b, KP_ROW_TEXT)))
        return KP_ERR_NOMEM;
    row->height = height;
    if (n == 0)
        return KP_OK;
    if (!(spans = arena_alloc(b, n * sizeof(kp_span))))
        return KP_ERR_NOMEM;
    if (rules) {
        put_vrules(spans, area->left, widths, area->n);
        k = area->n + 1;
        p = 1;
    }
    for (size_t i = 0; i < area->n; i++) {
        if (j < area->p[i].count) {
            const lt_wline *wl = &b->wlines.p[area->p[i].first + j];
            int align = area->p[i].col ? area->p[i].col->align : 1;
            int pos = p + (align == 1 ? (wl->space + 1) / 2 : align == 2 ? wl->space : 0);

            for (size_t m = 0; m < wl->n_items; m++) {
                const lt_item *it = &b->items.p[wl->item0 + m];
                kp_span *sp = &spans[k++];

                sp->column = area->left + pos;
                sp->cells = (int)it->len * it->style.scale_w;
                sp->style = it->style;
                sp->vrule = false;
                if (!(sp->text = arena_utf8(b, it->b0, it->b1)))
                    return KP_ERR_NOMEM;
                pos += sp->cells;
            }
        }
        p += widths[i] + border;
    }
    sort_spans(spans, n);
    row->spans = spans;
    row->n_spans = n;
    return KP_OK;
}

static kp_status text_line(builder *b)
{
    lt_state *st = &b->st;
    lt_area *area = &b->area;
    size_t rows = 1, n = area->n;
    kp_status s = KP_OK;

    b->wlines.n = b->items.n = 0;
    for (size_t i = 0; i < n; i++) {
        lt_placed *pc = &area->p[i];
        size_t before = b->wlines.n;
        if (!lt_wrap_column(&b->line, pc->col, pc->width, &b->wlines, &b->items))
            return KP_ERR_NOMEM;
        pc->first = before;
        pc->count = b->wlines.n - before;
        if (b->line.wrap && pc->count > rows)
            rows = pc->count;
    }
    if (st->line == LT_READY || st->line == LT_HORIZONTAL) {
        b->widths.n = 0;
        if (!LT_GROW(&b->widths, n + 1))
            return KP_ERR_NOMEM;
        for (size_t i = 0; i < n; i++)
            b->widths.p[i] = area->p[i].width;
        if (st->line == LT_READY)
            s = add_edge(b, area->left, b->widths.p, n);
        else
            s = add_middle_rule(b, b->widths.p, n);
        st->line = LT_RUNNING;
    }
    st->rules_left = area->left;
    st->rules_width = area->width;
    st->rules_widths.n = 0;
    if (s == KP_OK && !LT_GROW(&st->rules_widths, n + 1))
        s = KP_ERR_NOMEM;
    if (s == KP_OK) {
        for (size_t i = 0; i < n; i++)
            st->rules_widths.p[i] = area->p[i].width;
        st->rules_widths.n = n;
    }
    for (size_t j = 0; j < rows && s == KP_OK; j++)
        s = text_row(b, j, st->rules_widths.p);
    return s;
}

static kp_status stop_rules(builder *b)
{
    kp_status s = add_edge(b, b->st.rules_left, b->st.rules_widths.p, b->st.rules_widths.n);
    b->st.line = LT_WAITING;
    return s;
}

static kp_status rule_line(builder *b)
{
    lt_state *st = &b->st;
    kp_row *row;
    char *s;

    if (b->line.hr == '=') {
        if (st->line == LT_RUNNING || st->line == LT_HORIZONTAL) {
            kp_status status = stop_rules(b);
            if (status != KP_OK)
                return status;
            st->line = LT_READY;
        }
        return new_row(b, KP_ROW_CUT) ? KP_OK : KP_ERR_NOMEM;
    }
    if (st->line == LT_RUNNING) {
        st->line = LT_HORIZONTAL;
        return KP_OK;
    }
    if (st->line != LT_WAITING)
        return KP_OK;
    if (!(row = new_row(b, KP_ROW_RULE)) || !(s = rule_string(b, (size_t)b->area.width)))
        return KP_ERR_NOMEM;
    memset(s, '-', (size_t)b->area.width);
    row->column = b->area.left;
    row->rule = s;
    return KP_OK;
}

static kp_row *placed_row(builder *b, kp_row_kind kind)
{
    kp_row *row = new_row(b, kind);
    if (row) {
        row->area_left = b->area.left < 0 ? 0 : b->area.left;
        row->area_width = b->area.width > b->cpl - row->area_left ? b->cpl - row->area_left : b->area.width;
        row->align = (kp_align)b->line.cols.p[0].align;
    }
    return row;
}

static const signed char base64_values[128] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
    -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
    -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
};

static kp_status image_row(builder *b)
{
    const lt_u16 *v = &b->line.image;
    kp_row *row = placed_row(b, KP_ROW_IMAGE);
    unsigned char *out;
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;

    if (!row || !(out = arena_alloc(b, v->n / 4 * 3 + 1)))
        return KP_ERR_NOMEM;
    for (size_t i = 0; i < v->n && v->p[i] != '='; i++) {
        acc = (acc << 6) | (uint32_t)base64_values[v->p[i] & 0x7F];
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    row->image.png = n ? out : NULL;
    row->image.png_len = n;
    return KP_OK;
}

static kp_status code_row(builder *b)
{
    kp_row *row = placed_row(b, KP_ROW_CODE);
    const lt_option *o = &b->line.code;

    if (!row || !(row->code.data = arena_utf8_u16(b, &b->line.code_data)))
        return KP_ERR_NOMEM;
    row->code.type = o->type;
    row->code.module_width = o->width;
    row->code.height = o->height;
    row->code.hri = o->hri;
    row->code.cell = o->cell;
    row->code.level = o->level;
    return KP_OK;
}

static kp_status command_row(builder *b)
{
    kp_row *row = placed_row(b, KP_ROW_COMMAND);
    if (!row || !(row->command = arena_utf8_u16(b, &b->line.command)))
        return KP_ERR_NOMEM;
    return KP_OK;
}

/* createLine(): what one parsed line adds to the model. */
static kp_status create_line(builder *b)
{
    lt_state *st = &b->st;
    kp_status s = KP_OK;

    if (!b->line.text && !b->line.hr && !b->line.vr &&
        !b->line.has_image && !b->line.has_code && !b->line.has_command)
        return KP_OK;           /* a line that only sets state: nothing is placed */
    if (!lt_place_columns(&b->line, st, b->cpl, &b->area))
        return KP_ERR_NOMEM;
    if (b->line.text)
        s = text_line(b);
    if (s == KP_OK && b->line.hr)
        s = rule_line(b);
    if (s == KP_OK && b->line.vr == '+')
        st->line = LT_READY;
    else if (s == KP_OK && b->line.vr == '-') {
        if (st->line == LT_READY)
            st->line = LT_WAITING;
        else if (st->line == LT_RUNNING || st->line == LT_HORIZONTAL)
            s = stop_rules(b);
    }
    if (s == KP_OK && b->line.has_image)
        s = image_row(b);
    if (s == KP_OK && b->line.has_code)
        s = code_row(b);
    if (s == KP_OK && b->line.has_command)
        s = command_row(b);
    return s;
}

/* A line the fused scan leaves: UTF-8 -> code points -> NFC -> UTF-16 in
 * b->text.  The document is split into lines before decoding: no UTF-8
 * sequence takes a '\n' or '\r', and NFC neither composes with them nor
 * moves anything across them, so line by line is the same as all at once. */
static kp_status decode_line(builder *b, const unsigned char *s, size_t len)
{
    lt_u16 *out = &b->text;
    int direct = lt_utf8_to_u16_if_nfc((const char *)s, len, out);

    if (direct != 0)
        return direct > 0 ? KP_OK : KP_ERR_NOMEM;
    if (!lt_utf8_to_u32((const char *)s, len, &b->cps) || !lt_nfc(&b->cps, &b->nfc))
        return KP_ERR_NOMEM;
    out->n = 0;
    if (!LT_GROW(out, 2 * b->cps.n + 1))
        return KP_ERR_NOMEM;
    for (size_t i = 0; i < b->cps.n; i++) {
        uint32_t c = b->cps.p[i];
        if (c >= 0x10000) {
            out->p[out->n++] = (uint16_t)(0xD800 + ((c - 0x10000) >> 10));
            out->p[out->n++] = (uint16_t)(0xDC00 + ((c - 0x10000) & 0x3FF));
        } else {
            out->p[out->n++] = (uint16_t)c;
        }
    }
    return KP_OK;
}

/* Splits doc[0, n) (UTF-8, no BOM) on \n, \r\n, \r and runs each line
 * through parse and createLine; doc[n] must have room for a sentinel. */
static kp_status run_document(builder *b, unsigned char *doc, size_t n)
{
    size_t i = 0, start = 0;
    kp_status s = KP_OK;

    doc[n] = '\n';
    for (;;) {
        size_t len;
        int plain = lt_parse_plain_line(doc + start, &b->st, b->cpl, &b->line, &len);
        bool end;

        if (plain < 0)
            return KP_ERR_NOMEM;
        if (plain) {
            i = start + len;
        } else {
            while (doc[i] > '\r' || (doc[i] != '\n' && doc[i] != '\r'))
                i++;
            if ((s = decode_line(b, doc + start, i - start)) != KP_OK)
                return s;
            if (!lt_parse_line(b->text.p, b->text.n, &b->st, b->cpl, &b->line))
                return KP_ERR_NOMEM;
        }
        end = i == n;
        if ((s = create_line(b)) != KP_OK || end)
            break;
        if (doc[i] == '\r' && i + 1 < n && doc[i + 1] == '\n')
            i++;
        start = ++i;
    }
    if (s == KP_OK && b->st.line == LT_READY)
        b->st.line = LT_WAITING;
    else if (s == KP_OK && (b->st.line == LT_RUNNING || b->st.line == LT_HORIZONTAL))
        s = stop_rules(b);
    return s;
}

/* Gives vector v its first `count` elements of room from the scratch block
 * (at *at; with base NULL, only counts the bytes). */
#define LT_LEND(v, count, base, at) do { \
        size_t bytes_ = ((count) * sizeof *(v)->p + 15) / 16 * 16; \
        if (base) { \
            (v)->p = (void *)((char *)(base) + *(at)); \
            (v)->cap = (count); \
            (v)->borrowed = true; \
        } \
        *(at) += bytes_; \
    } while (0)

/* Lends every scratch array its room, or (base NULL) counts it. */
static size_t lend_scratch(builder *b, size_t doc_units, void *base)
{
    enum { TEXT = 256, SMALL = 32 };
    lt_line *l = &b->line;
    size_t at = 0;

    LT_LEND(&b->doc, doc_units + 1, base, &at);
    LT_LEND(&b->text, doc_units + 1, base, &at);
    LT_LEND(&l->a, TEXT, base, &at);
    LT_LEND(&l->b, TEXT, base, &at);
    LT_LEND(&l->val, TEXT, base, &at);
    LT_LEND(&l->code_data, TEXT, base, &at);
    LT_LEND(&l->command, TEXT, base, &at);
    LT_LEND(&l->chars, TEXT, base, &at);
    LT_LEND(&l->utf8, TEXT, base, &at);
    LT_LEND(&l->at, TEXT, base, &at);
    LT_LEND(&l->bars, SMALL, base, &at);
    LT_LEND(&l->parts, SMALL, base, &at);
    LT_LEND(&l->cols, SMALL, base, &at);
    LT_LEND(&b->area, SMALL, base, &at);
    LT_LEND(&b->wlines, SMALL, base, &at);
    LT_LEND(&b->items, SMALL, base, &at);
    LT_LEND(&b->widths, SMALL, base, &at);
    LT_LEND(&b->st.width, SMALL, base, &at);
    LT_LEND(&b->st.nonzero, SMALL, base, &at);
    LT_LEND(&b->st.rules_widths, SMALL, base, &at);
    return at;
}

/* Room for a usual receipt up front, so the scratch arrays neither grow by
 * doubling from nothing nor take a malloc each on every layout (doc_units:
 * at least the document's UTF-16 length, its length in bytes will do).
 * False when out of memory. */
static bool builder_reserve(builder *b, size_t doc_units)
{
    if (!(b->scratch = malloc(lend_scratch(b, doc_units, NULL))))
        return false;
    lend_scratch(b, doc_units, b->scratch);
    return true;
}

#define ROUND16(n) (((n) + 15) / 16 * 16)

/* The model in one block with room for a usual receipt's rows and the
 * arena's first chunk (growing moves the rows out; later chunks are
 * malloc'd on their own).  NULL when out of memory. */
static layout_impl *layout_new(builder *b, int cpl, size_t doc_units)
{
    size_t rows = doc_units / 16 + 16, head = ROUND16(sizeof(layout_impl)), rows_bytes;
    layout_impl *lay;

    if (rows > 4096)
        rows = 4096;
    rows_bytes = ROUND16(rows * sizeof(kp_row));
    if (!(lay = malloc(head + rows_bytes + ARENA_CHUNK)))
        return NULL;
    memset(lay, 0, sizeof *lay);
    lay->pub.cpl = cpl;
    lay->pub.rows = (kp_row *)((char *)lay + head);
    lay->rows_cap = rows;
    lay->rows_borrowed = true;
    b->arena_at = (char *)lay + head + rows_bytes;
    b->arena_left = ARENA_CHUNK;
    return lay;
}

static void builder_free(builder *b)
{
    lt_state_free(&b->st);
    lt_line_free(&b->line);
    LT_FREE(&b->area);
    LT_FREE(&b->wlines);
    LT_FREE(&b->items);
    LT_FREE(&b->widths);
    LT_FREE(&b->doc);
    LT_FREE(&b->text);
    free(b->cps.p);
    free(b->nfc.p);
    free(b->scratch);
}

kp_status kp_layout_parse(const char *doc, size_t len, const kp_layout_options *opt,
                          kp_layout **out, kp_error *err)
{
    const char *name = opt && opt->source ? opt->source : "receipt template";
    builder b;
    kp_status s;

    if (out)
        *out = NULL;
    if (!opt || !out || (!doc && len))
        return kp_error_set(err, KP_ERR_USAGE, "layout: no document or options given");
    if (opt->cpl < 16 || opt->cpl > 96)
        return kp_error_set(err, KP_ERR_USAGE,
                            "%s: %d characters per line is not a receipt width (16 to 96; 58 mm is 32, 80 mm is 48)",
                            name, opt->cpl);
    if (len > KP_LAYOUT_MAX_INPUT)
        return kp_error_set(err, KP_ERR_TOO_LARGE, "%s: %zu bytes is over the 1 MiB a receipt may have",
                            name, len);
    memset(&b, 0, sizeof b);
    b.cpl = opt->cpl;
    lt_state_init(&b.st);
    b.lay = layout_new(&b, opt->cpl, len);
    if (!b.lay)
        return kp_error_set(err, KP_ERR_NOMEM, "%s: out of memory", name);
    s = builder_reserve(&b, len) ? KP_OK : KP_ERR_NOMEM;
    if (s == KP_OK) {
        if (len >= 3 && !memcmp(doc, "\xEF\xBB\xBF", 3)) {     /* the BOM */
            doc += 3;
            len -= 3;
        }
        if (len)
            memcpy(b.doc.p, doc, len);
        s = run_document(&b, b.doc.p, len);
    }
    builder_free(&b);
    if (s != KP_OK) {
        kp_layout_free(&b.lay->pub);
        return kp_error_set(err, s, "%s: out of memory while laying out the receipt", name);
    }
    *out = &b.lay->pub;
    return KP_OK;
}

void kp_layout_free(kp_layout *layout)
{
    layout_impl *lay = (layout_impl *)layout;
    chunk *c, *next;

    if (!lay)
        return;
    for (c = lay->chunks; c; c = next) {
        next = c->next;
        free(c);
    }
    if (!lay->rows_borrowed)
        free(lay->pub.rows);
    free(lay);
}
