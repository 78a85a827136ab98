/* pdf_sample.c: builds layouts by hand for the PDF renderer's tests. */
#include "config.h"
#include <stdlib.h>
#include <string.h>

#include "kaspipos/utf8.h"
#include "pdf_sample.h"

static void *must(void *p)
{
    if (!p)
        abort();
    return p;
}

kp_style pdf_sample_plain(void)
{
    kp_style s = { false, false, false, 1, 1 };
    return s;
}

kp_layout *pdf_sample_new(int cpl)
{
    kp_layout *l = must(calloc(1, sizeof *l));
    l->cpl = cpl;
    return l;
}

kp_row *pdf_sample_add_row(kp_layout *l, kp_row_kind kind)
{
    l->rows = must(realloc(l->rows, (l->n_rows + 1) * sizeof *l->rows));
    kp_row *row = &l->rows[l->n_rows++];
    memset(row, 0, sizeof *row);
    row->kind = kind;
    row->height = 1;
    row->area_width = l->cpl;
    row->align = KP_ALIGN_CENTER;
    return row;
}

void pdf_sample_add_span(kp_row *row, int column, const char *text, kp_style style)
{
    row->spans = must(realloc(row->spans, (row->n_spans + 1) * sizeof *row->spans));
    kp_span *s = &row->spans[row->n_spans++];
    memset(s, 0, sizeof *s);
    s->column = column;
    s->style = style;
    if (text) {
        s->text = must(strdup(text));
        s->cells = (int)kp_utf8_length(text, strlen(text)) * style.scale_w;
    } else {
        s->vrule = true;
        s->cells = 1;
    }
    if (style.scale_h > row->height)
        row->height = style.scale_h;
}

static void add_right(kp_layout *l, kp_row *row, const char *text, kp_style st)
{
    int cells = (int)kp_utf8_length(text, strlen(text)) * st.scale_w;
    pdf_sample_add_span(row, l->cpl - cells, text, st);
}

static void add_centered(kp_layout *l, const char *text, kp_style st)
{
    kp_row *row = pdf_sample_add_row(l, KP_ROW_TEXT);
    int cells = (int)kp_utf8_length(text, strlen(text)) * st.scale_w;
    pdf_sample_add_span(row, (l->cpl - cells) / 2, text, st);
}

static void add_rule(kp_layout *l, const char *pattern)
{
    kp_row *row = pdf_sample_add_row(l, KP_ROW_RULE);
    row->rule = must(strdup(pattern));
}

static void add_table(kp_layout *l)
{
    int w = l->cpl, mid = w / 2;
    char *edge = must(malloc((size_t)w + 1));
    kp_row *row;

    memset(edge, '-', (size_t)w);
    edge[0] = edge[mid] = edge[w - 1] = '+';
    edge[w] = '\0';
    add_rule(l, edge);
    row = pdf_sample_add_row(l, KP_ROW_TEXT);
    pdf_sample_add_span(row, 0, NULL, pdf_sample_plain());
    pdf_sample_add_span(row, 2, "Терминал", pdf_sample_plain());
    pdf_sample_add_span(row, mid, NULL, pdf_sample_plain());
    pdf_sample_add_span(row, mid + 2, "TID 0042", pdf_sample_plain());
    pdf_sample_add_span(row, w - 1, NULL, pdf_sample_plain());
    add_rule(l, edge);
    free(edge);
}

static void add_code(kp_layout *l, kp_code_type type, const char *data)
{
    kp_row *row = pdf_sample_add_row(l, KP_ROW_CODE);
    row->code.type = type;
    row->code.data = must(strdup(data));
    row->code.cell = 3;
    row->code.level = 'm';
    row->code.module_width = 2;
    row->code.height = 48;
    row->code.hri = true;
}

kp_layout *pdf_sample_layout(int cpl)
{
    kp_layout *l = pdf_sample_new(cpl);
    kp_style bold = pdf_sample_plain(), inv = pdf_sample_plain(), big = pdf_sample_plain();
    kp_style under = pdf_sample_plain();
    kp_row *row;
    char *line = must(malloc((size_t)cpl + 1));

    bold.bold = true;
    inv.invert = true;
    big.scale_w = big.scale_h = 2;
    big.bold = true;
    under.underline = true;

    add_centered(l, "ТОО «Kaspi Дүкен»", bold);
    add_centered(l, "БИН 123456789012", pdf_sample_plain());
    memset(line, '-', (size_t)cpl);
    line[cpl] = '\0';
    add_rule(l, line);
    free(line);
    row = pdf_sample_add_row(l, KP_ROW_TEXT);
    pdf_sample_add_span(row, 0, "Қазақстан: әғқңөұүһі ӘҒҚҢӨҰҮҺІ", pdf_sample_plain());
    row = pdf_sample_add_row(l, KP_ROW_TEXT);
    pdf_sample_add_span(row, 0, "Сатып алу № 17", pdf_sample_plain());
    add_right(l, row, "1 000 ₸", pdf_sample_plain());
    pdf_sample_add_row(l, KP_ROW_TEXT);   /* an empty line */
    row = pdf_sample_add_row(l, KP_ROW_TEXT);
    pdf_sample_add_span(row, 0, "ИТОГО", inv);
    add_right(l, row, "12 345 ₸", big);
    add_table(l);
    row = pdf_sample_add_row(l, KP_ROW_COMMAND);
    row->command = must(strdup("drawer"));
    add_code(l, KP_CODE_QR, "https://kaspi.kz/check/000123456789");
    add_code(l, KP_CODE_CODE128, "123456789012");
    add_centered(l, "Спасибо! Рахмет!", under);
    pdf_sample_add_row(l, KP_ROW_CUT);
    return l;
}

void pdf_sample_free(kp_layout *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n_rows; i++) {
        kp_row *row = &l->rows[i];
        for (size_t s = 0; s < row->n_spans; s++)
            free(row->spans[s].text);
        free(row->spans);
        free(row->rule);
        free(row->code.data);
        free(row->image.png);
        free(row->command);
    }
    free(l->rows);
    free(l);
}
