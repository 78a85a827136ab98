/*
 * template_escape.c: how a JSON value becomes text in the output: number
 * formatting, truthiness for sections, and the three escapes (ReceiptLine
 * markup, HTML for the Mustache spec, none).  See kaspipos/template.h for
 * the receipt rules and why they are what they are.
 */
#include "config.h"
#include "template_internal.h"
#include "kaspipos/utf8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum cls {
    CLS_PLAIN,      /* copied as it is */
    CLS_DROP,       /* control character: removed */
    CLS_SPACE,      /* white space: a space, trimmed at the edges */
    CLS_BACKSLASH,  /* \ | { }: a backslash in front */
    CLS_HEX,        /* _ " ` ^ ~ ; : \xHH */
    CLS_RULE,       /* - =: \xHH when the whole value is a rule */
    CLS_INVALID     /* a byte that is not UTF-8: U+FFFD */
} cls;

static const char replacement[] = "\xEF\xBF\xBD";

#define P CLS_PLAIN
#define D CLS_DROP
#define S CLS_SPACE
#define B CLS_BACKSLASH
#define H CLS_HEX
#define R CLS_RULE
static const unsigned char ascii_classes[128] = {
    D, D, D, D, D, D, D, D, D, S, S, D, D, S, D, D,     /* 0x00: tab, LF, CR: space */
    D, D, D, D, D, D, D, D, D, D, D, D, D, D, D, D,     /* 0x10 */
    S, P, H, P, P, P, P, P, P, P, P, P, P, R, P, P,     /* space ! " ... - */
    P, P, P, P, P, P, P, P, P, P, P, H, P, R, P, P,     /* 0-9 ; = */
    P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,     /* @ A-O */
    P, P, P, P, P, P, P, P, P, P, P, P, B, P, H, H,     /* P-Z \ ^ _ */
    H, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,     /* ` a-o */
    P, P, P, P, P, P, P, P, P, P, P, B, B, B, H, D,     /* p-z { | } ~ DEL */
};
/* The same inside a value, once its ends are trimmed: a space is a space. */
static const unsigned char inner_classes[128] = {
    D, D, D, D, D, D, D, D, D, S, S, D, D, S, D, D,     /* 0x00: tab, LF, CR: space */
    D, D, D, D, D, D, D, D, D, D, D, D, D, D, D, D,     /* 0x10 */
    P, P, H, P, P, P, P, P, P, P, P, P, P, R, P, P,     /* space ! " ... - */
    P, P, P, P, P, P, P, P, P, P, P, H, P, R, P, P,     /* 0-9 ; = */
    P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,     /* @ A-O */
    P, P, P, P, P, P, P, P, P, P, P, P, B, P, H, H,     /* P-Z \ ^ _ */
    H, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,     /* ` a-o */
    P, P, P, P, P, P, P, P, P, P, P, B, B, B, H, D,     /* p-z { | } ~ DEL */
};
#undef P
#undef D
#undef S
#undef B
#undef H
#undef R

/* The class of a character from U+0080 up, and its size in bytes. */
static cls classify_wide(const char *s, size_t len, size_t *used)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t cp;

    if (u[0] >= 0xC2 && u[0] <= 0xDF && len > 1 && (u[1] & 0xC0) == 0x80) {
        *used = 2;                      /* the common case: Cyrillic, Kazakh */
        return u[0] == 0xC2 && u[1] < 0xA0 ? CLS_DROP : CLS_PLAIN;
    }
    *used = kp_utf8_decode(s, len, &cp);
    if (cp == KP_UTF8_REPLACEMENT && *used == 1)
        return CLS_INVALID;
    if (cp == 0x2028 || cp == 0x2029)
        return CLS_SPACE;
    return CLS_PLAIN;
}

/* The class of the character at s (len > 0) and its size in bytes. */
static inline cls classify(const char *s, size_t len, size_t *used)
{
    unsigned char c = (unsigned char)s[0];

    if (c >= 0x80)
        return classify_wide(s, len, used);
    *used = 1;
    if (c == '\r' && len > 1 && s[1] == '\n')
        return CLS_DROP;                /* CR LF is one space */
    return (cls)ascii_classes[c];
}

static bool is_trimmed(cls c)
{
    return c == CLS_DROP || c == CLS_SPACE;
}

/* Where the character that ends at `end` begins. */
static size_t last_char(const char *s, size_t end)
{
    size_t begin = end - 1;
    uint32_t cp;

    const unsigned char *u = (const unsigned char *)s;

    if (u[end - 1] < 0x80)
        return end - 1;                 /* the common cases first: ASCII ... */
    if (end >= 2 && (u[end - 1] & 0xC0) == 0x80 && u[end - 2] >= 0xC2 && u[end - 2] <= 0xDF)
        return end - 2;                 /* ... and two bytes (Cyrillic, Kazakh) */
    while (begin > 0 && end - begin < 4 && ((unsigned char)s[begin] & 0xC0) == 0x80)
        begin--;
    if (kp_utf8_decode(s + begin, end - begin, &cp) != end - begin)
        return end - 1;                 /* not one whole character: the byte alone */
    return begin;
}

/* Where the value's content begins and ends once white space and control
 * characters are trimmed. */
static void receipt_extent(const char *s, size_t len, size_t *begin, size_t *end)
{
    size_t b = 0, e = len, used, at;

    while (b < len && is_trimmed(classify(s + b, len - b, &used)))
        b += used;
    while (e > b) {
        at = last_char(s, e);
        if (!is_trimmed(classify(s + at, e - at, &used)) || at + used != e)
            break;
        e = at;
    }
    *begin = b;
    *end = e;
}

/* Whether the content is nothing but '-' or nothing but '=' (control
 * characters aside): on a line of its own it would print a rule. */
static bool is_rule(const char *s, size_t len)
{
    size_t i, used;
    char rule_char;

    if (len == 0 || (s[0] != '-' && s[0] != '='))
        return false;
    rule_char = s[0];
    for (i = 0; i < len; i += used) {
        cls c = classify(s + i, len - i, &used);
        if (c != CLS_DROP && s[i] != rule_char)
            return false;
    }
    return true;
}

static kp_status put_hex(kp_buf *out, unsigned char c)
{
    static const char digits[] = "0123456789abcdef";
    char esc[4] = { '\\', 'x', digits[c >> 4], digits[c & 15] };
    return kp_buf_append(out, esc, sizeof esc);
}

static kp_status receipt_special(kp_buf *out, cls c, const char *s, bool rule)
{
    char esc[2] = { '\\', s[0] };

    switch (c) {
    case CLS_DROP:
        return KP_OK;
    case CLS_SPACE:
        return kp_buf_putc(out, ' ');
    case CLS_BACKSLASH:
        return kp_buf_append(out, esc, 2);
    case CLS_HEX:
        return put_hex(out, (unsigned char)s[0]);
    case CLS_RULE:
        return rule ? put_hex(out, (unsigned char)s[0]) : kp_buf_putc(out, s[0]);
    case CLS_INVALID:
        return kp_buf_append(out, replacement, 3);
    default:
        return KP_OK;
    }
}

/* Where the run of characters from i that the receipt escape copies as
 * they are ends: ASCII that needs nothing (spaces included, and '-' '='
 * unless the value is a rule) and two-byte characters from U+00C0
 * (Cyrillic, Kazakh).  Anything else is for classify(). */
static inline size_t copied_run(const char *s, size_t i, size_t end, bool rule)
{
    const unsigned char *u = (const unsigned char *)s;

    while (i < end) {
        unsigned char c = u[i];
        if (c < 0x80) {
            cls k = (cls)inner_classes[c];
            if (k != CLS_PLAIN && (k != CLS_RULE || rule))
                break;
            i++;
        } else if (c >= 0xC3 && c <= 0xDF && i + 1 < end && (u[i + 1] & 0xC0) == 0x80) {
            i += 2;
        } else {
            break;
        }
    }
    return i;
}

kp_status kp_template_escape_receipt(const char *s, size_t len, kp_buf *out)
{
    size_t begin, end, i, run, used;
    kp_status st = KP_OK;
    bool rule;

    receipt_extent(s, len, &begin, &end);
    rule = is_rule(s + begin, end - begin);
    for (i = run = begin; st == KP_OK; i += used) {
        cls c;
        i = copied_run(s, i, end, rule);
        if (i >= end)
            break;
        c = classify(s + i, end - i, &used);
        if (c == CLS_PLAIN)
            continue;
        st = kp_buf_append(out, s + run, i - run);
        if (st == KP_OK)
            st = receipt_special(out, c, s + i, rule);
        run = i + used;
    }
    if (st == KP_OK)
        st = kp_buf_append(out, s + run, end - run);
    return st;
}

/* {{{x}}} in receipt mode: markup on purpose, but no control characters
 * and valid UTF-8. */
static kp_status receipt_markup(const char *s, size_t len, kp_buf *out)
{
    size_t i, run, used;
    kp_status st = KP_OK;

    for (i = run = 0; i < len && st == KP_OK; i += used) {
        cls c = classify(s + i, len - i, &used);
        if (c != CLS_DROP && c != CLS_SPACE && c != CLS_INVALID)
            continue;
        if (c == CLS_SPACE && s[i] == ' ')
            continue;
        st = kp_buf_append(out, s + run, i - run);
        if (st == KP_OK && c == CLS_SPACE)
            st = kp_buf_putc(out, s[i] == '\n' || s[i] == '\r' ? '\n' : ' ');
        else if (st == KP_OK && c == CLS_INVALID)
            st = kp_buf_append(out, replacement, 3);
        run = i + used;
    }
    if (st == KP_OK)
        st = kp_buf_append(out, s + run, len - run);
    return st;
}

kp_status kp_template_escape_html(const char *s, size_t len, kp_buf *out)
{
    size_t i, run = 0;
    kp_status st = KP_OK;

    for (i = 0; i < len && st == KP_OK; i++) {
        const char *entity;
        switch (s[i]) {
        case '&': entity = "&amp;"; break;
        case '<': entity = "&lt;"; break;
        case '>': entity = "&gt;"; break;
        case '"': entity = "&quot;"; break;
        default: continue;
        }
        st = kp_buf_append(out, s + run, i - run);
        if (st == KP_OK)
            st = kp_buf_puts(out, entity);
        run = i + 1;
    }
    if (st == KP_OK)
        st = kp_buf_append(out, s + run, len - run);
    return st;
}

/* Reals in the shortest form that reads back the same: 1.21, not
 * 1.2100000000000000. */
static int format_real(double d, char buf[40])
{
    int n = 0;

    if (!isfinite(d))
        return 0;
    for (int precision = 15; precision <= 17; precision++) {
        n = snprintf(buf, 40, "%.*g", precision, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    return n;
}

static kp_status put_text(kp_buf *out, const char *s, size_t len, kp_escape escape, bool raw)
{
    if (escape == KP_ESCAPE_RECEIPT)
        return raw ? receipt_markup(s, len, out) : kp_template_escape_receipt(s, len, out);
    if (escape == KP_ESCAPE_HTML && !raw)
        return kp_template_escape_html(s, len, out);
    return kp_buf_append(out, s, len);
}

kp_status tpl_put_value(kp_buf *out, const json_t *v, kp_escape escape, bool raw)
{
    char number[40];
    int n;

    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_STRING:
        return put_text(out, json_string_value(v), json_string_length(v), escape, raw);
    case JSON_INTEGER:
        n = snprintf(number, sizeof number, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return kp_buf_append(out, number, (size_t)n);
    case JSON_REAL:
        n = format_real(json_real_value(v), number);
        return kp_buf_append(out, number, (size_t)n);
    case JSON_TRUE:
        return kp_buf_puts(out, "true");
    default:
        return KP_OK;
    }
}

bool tpl_truthy(const json_t *v)
{
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_NULL:
    case JSON_FALSE:
        return false;
    case JSON_ARRAY:
        return json_array_size(v) > 0;
    case JSON_STRING:
        return json_string_length(v) > 0;
    case JSON_INTEGER:
        return json_integer_value(v) != 0;
    case JSON_REAL:
        return json_real_value(v) != 0.0;
    default:
        return true;
    }
}
