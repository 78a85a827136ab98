/*
 * layout_internal.h: what the layout room's files share (not installed).
 *
 * ReceiptLine is JavaScript: its regular expressions work on UTF-16 code
 * units and its measuring on code points (Array.from).  To agree with it byte
 * for byte, a line is processed as UTF-16 (lt_u16) through the same passes
 * receiptline.js makes, and text is cut into code points (lt_u32, where a
 * lone surrogate stays one unit) before it is measured and wrapped.  The
 * common line skips all that: lt_parse_plain_line() reads the document's
 * UTF-8 as it is, and a span's text is a copy of the document's bytes.
 *
 *   layout_nfc.c    UTF-8 -> code points, NFC (String.prototype.normalize)
 *   layout_parse.c  parseLine/parseEscape: one line -> columns and properties
 *   layout_wrap.c   createLine's widths and wrapText
 *   layout.c        the model: rows, rules state machine, kp_layout_parse()
 */
#ifndef KASPIPOS_LAYOUT_INTERNAL_H
#define KASPIPOS_LAYOUT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kaspipos/layout.h"

/* Growable arrays; lt_grow() makes room for `need` more elements.  An
 * array may start `borrowed`: its first room is a slice of a block someone
 * else frees (kp_layout_parse() gives its scratch arrays one malloc between
 * them); growing moves it to memory of its own, which LT_FREE() frees. */
typedef struct lt_u16 { uint16_t *p; size_t n, cap; bool borrowed; } lt_u16;
typedef struct lt_u32 { uint32_t *p; size_t n, cap; bool borrowed; } lt_u32;
typedef struct lt_int { int *p; size_t n, cap; bool borrowed; } lt_int;
typedef struct lt_bytes { unsigned char *p; size_t n, cap; bool borrowed; } lt_bytes;

/* `borrowed` may be NULL: *p is always the caller's own. */
bool lt_grow(void **p, size_t *cap, bool *borrowed, size_t n, size_t need, size_t elem);
#define LT_GROW(v, need) ((v)->cap - (v)->n >= (size_t)(need) || \
    lt_grow((void **)&(v)->p, &(v)->cap, &(v)->borrowed, (v)->n, (need), sizeof *(v)->p))
#define LT_PUSH(v, x) (LT_GROW((v), 1) ? ((v)->p[(v)->n++] = (x), true) : false)
#define LT_FREE(v) do { if (!(v)->borrowed) free((v)->p); } while (0)

/* UTF-8 -> code points, replacing ill-formed sequences the way a WHATWG
 * decoder (Node's) does; then NFC.  Both false only when out of memory. */
bool lt_utf8_to_u32(const char *s, size_t len, lt_u32 *out);
bool lt_nfc(lt_u32 *text, lt_u32 *scratch);
/* UTF-8 to UTF-16 in one step when the text is in the BMP and NFC leaves
 * it alone: 1 done, 0 it is not (use the two above), -1 out of memory. */
int lt_utf8_to_u16_if_nfc(const char *s, size_t len, lt_u16 *out);
/* True when NFC may change cp or its neighbours (text without such code
 * points is in NFC already). */
bool lt_nfc_may_change(uint32_t cp);

/* ---- parsing (layout_parse.c) ---- */

enum { LT_WAITING, LT_READY, LT_RUNNING, LT_HORIZONTAL };  /* ReceiptLine's state.line */

typedef struct lt_option {        /* ReceiptLine's state.option */
    kp_code_type type;
    bool qrcode;
    int width, height, cell;
    bool hri;
    char level;
} lt_option;

typedef struct lt_state {         /* ReceiptLine's state, carried from line to line */
    bool wrap;
    int border;                   /* -1 line, 0 none, 1 space, 2 */
    lt_int width;                 /* empty: auto; -1 is '*' */
    lt_int nonzero;               /* indices of width[] that are not 0 */
    int align;                    /* line alignment 0..2 */
    lt_option option;
    int line;                     /* LT_WAITING ... */
    int rules_left, rules_width;
    lt_int rules_widths;
} lt_state;

/* A piece of a text column: text (chars off .. off+len-1, which are the
 * bytes text8[b0, b1) of the line) or a decoration. */
typedef struct lt_part {
    bool delim;
    uint32_t what;                /* delimiter: '_', '"', '`', '\n' or '^' */
    int run;                      /* '^': length of the run */
    size_t off, len;
    size_t b0, b1;
} lt_part;

typedef struct lt_column {
    bool text;
    int align;                    /* 0 left, 1 center, 2 right (from spaces) */
    int width;                    /* -1 '*', 0 dropped, else cells */
    size_t part0, n_parts;        /* text: parts[part0 .. part0+n_parts) */
} lt_column;

typedef struct lt_columns { lt_column *p; size_t n, cap; bool borrowed; } lt_columns;
typedef struct lt_parts { lt_part *p; size_t n, cap; bool borrowed; } lt_parts;

/* One parsed line (ReceiptLine's array of column objects). */
typedef struct lt_line {
    lt_columns cols;
    lt_parts parts;
    lt_u32 chars;                 /* lt_parse_line(): text of all parts, code points */
    const unsigned char *text8;   /* text of all parts as the model prints it, UTF-8 */
    lt_bytes utf8;                /* lt_parse_line(): where text8 points, */
    lt_u32 at;                    /* and where each char starts in it */
    bool text;                    /* every column is text */
    bool plain;                   /* no control code, '\\', '{' or '}' in the line */
    /* from the first column and the state when it was parsed */
    bool wrap;
    int border, alignment;
    char hr;                      /* 0, '-' or '=' */
    char vr;                      /* 0, '+' start rules, '-' stop rules */
    bool has_image, has_code, has_command;
    lt_u16 image;                 /* base64, cleaned like receiptline.js */
    lt_u16 code_data, command;
    lt_option code;
    /* scratch for the passes */
    lt_u16 a, b, val;
    lt_u32 bars;                  /* where prepare_line() found '|' in a */
} lt_line;

void lt_state_init(lt_state *st);
void lt_state_free(lt_state *st);
void lt_line_free(lt_line *line);
/* Parses one line (UTF-16, no line breaks) like parseLine(), updating st.
 * `cpl` only bounds numbers.  False when out of memory. */
bool lt_parse_line(const uint16_t *s, size_t n, lt_state *st, int cpl, lt_line *line);

/* The same for the common line, straight from the document's UTF-8 and
 * fused with finding its end: see layout_parse.c (it writes into s).  1 parsed (the line is
 * s[0, *len)), 0 decode the line and use lt_parse_line(), -1 out of memory. */
int lt_parse_plain_line(unsigned char *s, lt_state *st, int cpl, lt_line *line, size_t *len);

/* ---- widths and wrapping (layout_wrap.c) ---- */

/* createLine's columns after dropping and sizing, and the print area. */
typedef struct lt_placed {
    const lt_column *col;         /* NULL: a filler column (empty text, centred) */
    int width;
    size_t first, count;          /* its wrapped lines (layout.c) */
} lt_placed;

typedef struct lt_area {
    lt_placed *p;
    size_t n, cap;
    bool borrowed;
    int left, width;
} lt_area;

/* Sizes the columns of `line` for `cpl` cells; false when out of memory. */
bool lt_place_columns(const lt_line *line, const lt_state *st, int cpl, lt_area *area);

/* One wrapped line of one column: items[item0, item0+n_items). */
typedef struct lt_item { size_t b0, b1, len; kp_style style; } lt_item;   /* text8[b0, b1): len chars */
typedef struct lt_wline { size_t item0, n_items; int space, height; } lt_wline;
typedef struct lt_items { lt_item *p; size_t n, cap; bool borrowed; } lt_items;
typedef struct lt_wlines { lt_wline *p; size_t n, cap; bool borrowed; } lt_wlines;

/* wrapText(): appends the wrapped lines of a text column of `width` cells. */
bool lt_wrap_column(const lt_line *line, const lt_column *col, int width,
                    lt_wlines *lines, lt_items *items);

#endif
