/*
 * layout_wrap.c: sizing columns and wrapping their text, the way createLine()
 * and wrapText() of receiptline.js do: zero-width and overflowing columns
 * dropped, fixed widths shrunk when the `*` columns have no room, free width
 * shared among `*` columns, the print area placed by the line alignment, and
 * text cut character by character (every character is one cell, times the
 * width scale of `^`).
 */
#include "config.h"
#include "layout_internal.h"

static int floor_div(long a, long b)
{
    long q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return (int)q;
}

/* lt_place_columns() made the room. */
static inline void add_placed(lt_area *area, const lt_column *col, int width)
{
    lt_placed p = { col, width, 0, 0 };
    area->p[area->n++] = p;
}

/* Filler columns: a text line with fewer columns than {width:} lists. */
static void add_fillers(const lt_line *line, const lt_state *st, lt_area *area, size_t max)
{
    size_t lo = 0, hi = st->nonzero.n;

    while (lo < hi) {           /* first listed width at or after the line's last column */
        size_t mid = (lo + hi) / 2;
        if ((size_t)st->nonzero.p[mid] < line->cols.n)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < st->nonzero.n && area->n < max; lo++)
        add_placed(area, NULL, st->width.p[st->nonzero.p[lo]]);
}

/* Takes one cell from the widest fixed column (the last of equals). */
static bool shrink_widest(lt_area *area)
{
    lt_placed *widest = NULL;

    for (size_t i = 0; i < area->n; i++)
        if (area->p[i].width > 0 && (!widest || widest->width <= area->p[i].width))
            widest = &area->p[i];
    if (!widest || widest->width <= 1)
        return false;
    widest->width--;
    return true;
}

bool lt_place_columns(const lt_line *line, const lt_state *st, int cpl, lt_area *area)
{
    size_t max = line->border < 0 ? (size_t)(cpl - 1) / 2 : (size_t)(cpl + line->border) / (line->border + 1);
    long used = 0, v;
    int n_var = 0, i_var = 0;

    area->n = 0;
    area->left = 0;
    area->width = 0;
    if (!line->text && line->cols.n != 1)
        return true;            /* nothing of such a line is printed */
    if (!LT_GROW(area, line->cols.n + st->nonzero.n))
        return false;
    for (size_t i = 0; i < line->cols.n && (!line->text || area->n < max); i++)
        if (line->cols.p[i].width != 0)
            add_placed(area, &line->cols.p[i], line->cols.p[i].width);
    if (line->text && st->width.n > line->cols.n)
        add_fillers(line, st, area, max);
    for (size_t i = 0; i < area->n; i++) {
        if (area->p[i].width > 0)
            used += area->p[i].width;
        else
            n_var++;
    }
    v = cpl - used;
    if (line->text && area->n > 0)
        v -= line->border < 0 ? (long)area->n + 1 : (long)(area->n - 1) * line->border;
    /* ReceiptLine shrinks only for `*` columns and lets fixed ones pass the
     * paper's edge (or fails); here they are also shrunk to fit the paper. */
    while ((n_var > v || v < 0) && shrink_widest(area))
        v++;
    if (n_var > 0) {
        for (size_t i = 0; i < area->n; i++)
            if (area->p[i].width < 0)
                area->p[i].width = floor_div(v + i_var++, n_var);
        v = 0;
    }
    area->left = floor_div(v * line->alignment, 2);
    area->width = (int)(cpl - v);
    return true;
}

static inline bool end_line(lt_wlines *lines, lt_items *items, size_t *first, int *space, int *height, int width)
{
    lt_wline l = { *first, items->n - *first, *space, *height };

    if (!LT_PUSH(lines, l))
        return false;
    *first = items->n;
    *space = width;
    *height = 1;
    return true;
}

/* Moves past n characters of UTF-8 from t[b]. */
static inline size_t utf8_skip(const unsigned char *t, size_t b, size_t n)
{
    while (n--)
        b += 1u + (t[b] >= 0xC0) + (t[b] >= 0xE0) + (t[b] >= 0xF0);
    return b;
}

bool lt_wrap_column(const lt_line *line, const lt_column *col, int width,
                    lt_wlines *lines, lt_items *items)
{
    size_t first = items->n;
    int space = width, height = 1, wh = 0;
    kp_style style = { false, false, false, 1, 1 };

    if (!col || width <= 0)
        return true;
    for (size_t k = 0; k < col->n_parts; k++) {
        const lt_part *part = &line->parts.p[col->part0 + k];
        size_t pos = 0, b = part->b0;

        if (part->delim) {
            switch (part->what) {
            case '\n':
                if (!end_line(lines, items, &first, &space, &height, width))
                    return false;
                break;
            case '_': style.underline = !style.underline; break;
            case '"': style.bold = !style.bold; break;
            case '`': style.invert = !style.invert; break;
            default: {
                int d = part->run < 7 ? part->run : 7;
                wh = wh == d ? 0 : d;
                style.scale_w = wh < 2 ? wh + 1 : wh - 1;
                style.scale_h = wh < 3 ? (wh ? wh : 1) : wh - 1;
                break;
            }
            }
            continue;
        }
        while (pos < part->len) {
            /* as many characters as fit; w: the width of the first that does not */
            size_t fit = space > 0 ? (size_t)(space / style.scale_w) : 0;
            size_t j = part->len - pos < fit ? part->len : pos + fit;
            int w = j < part->len ? style.scale_w : 0;

            space -= (int)(j - pos) * style.scale_w;
            if (j > pos) {
                size_t b1 = j == part->len ? part->b1 : utf8_skip(line->text8, b, j - pos);
                lt_item it = { b, b1, j - pos, style };
                if (!LT_PUSH(items, it))
                    return false;
                if (style.scale_h > height)
                    height = style.scale_h;
                pos = j;
                b = b1;
            }
            if (w > width) {
                pos++;
                b = utf8_skip(line->text8, b, 1);
                continue;
            }
            if ((w > space || space == 0) && !end_line(lines, items, &first, &space, &height, width))
                return false;
        }
    }
    if (items->n > first && !end_line(lines, items, &first, &space, &height, width))
        return false;
    return true;
}
