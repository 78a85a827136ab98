/*
 * layout_parse.c: one line of ReceiptLine markup to columns, the way
 * parseLine() and parseEscape() of receiptline.js do it: trimming, `|`
 * columns and their alignment, `{...}` properties and the state they change,
 * backslash escapes, `~`, decorations, `-`/`=` lines.  Each regular
 * expression of receiptline.js is one scan here, over UTF-16 code units like
 * JavaScript's, so odd input ends up exactly where ReceiptLine puts it; the
 * common case (no backslash, no control code) takes the line-wide passes in
 * one scan and a text column's passes in another, as they change nothing
 * else there.
 */
#include "config.h"
#include "layout_internal.h"
#include "kaspipos/utf8.h"

#include <stdlib.h>
#include <string.h>

enum { P_ALIGN, P_BORDER, P_CODE, P_IMAGE, P_OPTION, P_TEXT, P_WIDTH, P_COMMAND, P_COMMENT, P_COUNT };
static const char *const prop_names[P_COUNT] = {
    "align", "border", "code", "image", "option", "text", "width", "command", "comment"
};
static const char prop_abbr[P_COUNT] = { 'a', 'b', 'c', 'i', 'o', 't', 'w', 'x', '_' };
static const uint8_t prop_length[P_COUNT] = { 5, 6, 4, 5, 6, 4, 5, 7, 7 };

typedef struct prop { bool set; size_t off, len; } prop;   /* value in line->val */

#define NUMBER_MAX 1000000000

static bool is_ws(uint32_t c) { return c == '\t' || c == ' '; }

/* What the one-scan passes look for in ASCII, by character. */
enum { K_BAR = 1, K_SPECIAL = 2, K_LT = 4, K_DECOR = 8, K_TILDE = 16, K_BACKSLASH = 32 };
static const uint8_t ascii_kind[128] = {
    K_SPECIAL, K_SPECIAL, K_SPECIAL, K_SPECIAL, K_SPECIAL, K_SPECIAL, K_SPECIAL, K_SPECIAL,
    K_SPECIAL, K_SPECIAL, K_SPECIAL | K_LT | K_DECOR, K_SPECIAL, K_SPECIAL, K_SPECIAL | K_LT, K_SPECIAL, K_SPECIAL,
    K_SPECIAL, K_SPECIAL, K_SPECIAL, K_SPECIAL, K_SPECIAL, K_SPECIAL, K_SPECIAL, K_SPECIAL,
    K_SPECIAL, K_SPECIAL, K_SPECIAL, K_SPECIAL, K_SPECIAL, K_SPECIAL, K_SPECIAL, K_SPECIAL,
    ['"'] = K_DECOR, ['\\'] = K_SPECIAL | K_BACKSLASH, ['^'] = K_DECOR, ['_'] = K_DECOR, ['`'] = K_DECOR,
    ['{'] = K_SPECIAL, ['|'] = K_BAR, ['}'] = K_SPECIAL, ['~'] = K_TILDE, [0x7F] = K_SPECIAL,
};

static unsigned kind_of(uint16_t c)
{
    return c < 0x80 ? ascii_kind[c] : (c | 1) == 0x2029 ? K_LT : 0;
}
/* What `.` of a JavaScript regular expression does not match. */
static bool is_lt(uint32_t c) { return c < 0x20 ? c == 0x0A || c == 0x0D : (c | 1) == 0x2029; }
static bool is_hex(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static int hex_value(uint32_t c)
{
    return c <= '9' ? (int)c - '0' : (int)(c | 0x20) - 'a' + 10;
}
static bool is_word(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static uint16_t ascii_lower(uint16_t c) { return c >= 'A' && c <= 'Z' ? c | 0x20 : c; }

static bool equals_ascii(const uint16_t *s, size_t n, const char *word)
{
    size_t i;
    for (i = 0; i < n && word[i]; i++)
        if (s[i] != (unsigned char)word[i])
            return false;
    return i == n && !word[i];
}

static void put_hex_escape(uint16_t *out, size_t *n, uint16_t c)
{
    static const char digits[] = "0123456789abcdef";
    out[(*n)++] = '\\';
    out[(*n)++] = 'x';
    out[(*n)++] = (uint16_t)digits[(c >> 4) & 15];
    out[(*n)++] = (uint16_t)digits[c & 15];
}

static bool has_lt(const uint16_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (is_lt(s[i]))
            return true;
    return false;
}

/* parseEscape(): three passes, each only shrinks, done in place. */
static size_t parse_escape(uint16_t *x, size_t n)
{
    size_t r, w;

    for (r = 0; r < n && x[r] != '\\'; r++)
        ;
    if (r == n)
        return n;       /* no backslash: nothing to do */
    /* /\\$|\\x(.?$|[^\dA-Fa-f].|.[^\dA-Fa-f])/g -> '' */
    for (r = w = 0; r < n;) {
        if (x[r] == '\\') {
            size_t rem = n - r - 2;
            if (r + 1 == n) { r += 1; continue; }
            if (x[r + 1] == 'x') {
                if (rem == 0) { r += 2; continue; }
                if (rem == 1 && !is_lt(x[r + 2])) { r += 3; continue; }
                if (rem >= 2 && ((!is_hex(x[r + 2]) && !is_lt(x[r + 3])) ||
                                 (!is_lt(x[r + 2]) && !is_hex(x[r + 3])))) { r += 4; continue; }
            }
        }
        x[w++] = x[r++];
    }
    n = w;
    /* /\\[^x]/g -> '' */
    for (r = w = 0; r < n;) {
        if (x[r] == '\\' && r + 1 < n && x[r + 1] != 'x') { r += 2; continue; }
        x[w++] = x[r++];
    }
    n = w;
    /* /\\x([\dA-Fa-f]{2})/g -> the character */
    for (r = w = 0; r < n;) {
        if (x[r] == '\\' && r + 3 < n && x[r + 1] == 'x' && is_hex(x[r + 2]) && is_hex(x[r + 3])) {
            x[w++] = (uint16_t)(hex_value(x[r + 2]) * 16 + hex_value(x[r + 3]));
            r += 4;
            continue;
        }
        x[w++] = x[r++];
    }
    return w;
}

/* Appends UTF-16 as code points (a lone surrogate stays one unit), like Array.from(). */
static bool append_code_points(lt_u32 *out, const uint16_t *s, size_t n)
{
    if (!LT_GROW(out, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = s[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
            i++;
        }
        out->p[out->n++] = c;
    }
    return true;
}

/* The line-wide passes of parseLine(), from trimming to removing the outer
 * '|', in one scan: the line is a->p[*begin .. a->n), with *count columns
 * split at the '|'s listed in bar_at (those left of *begin or at a->n are not);
 * *plain when it has no control code, '\\', '{' or '}'. */
static bool prepare_line(const uint16_t *s, size_t n, lt_u16 *a, lt_u32 *bar_at, size_t *begin, size_t *count,
                         bool *plain)
{
    size_t st = 0, en = n, i, k = 1, first = (size_t)-1, last = (size_t)-1, bars = 0;
    bool any_lt;
    unsigned kinds = 0;
    uint16_t *p;

    while (st < en && is_ws(s[st]))
        st++;
    while (en > st && is_ws(s[en - 1]))
        en--;
    a->n = 0;
    bar_at->n = 0;
    if (!LT_GROW(a, 2 * (en - st) + 4) || !LT_GROW(bar_at, en - st + 1))
        return false;
    p = a->p;   /* p[0]: room for a leading space */
    for (i = st; i < en; i++) {      /* without escapes: look, then copy at once */
        unsigned kind = kind_of(s[i]);
        if (kind & K_BACKSLASH)
            break;
        if (kind & K_BAR) {
            k = i - st + 1;
            if (first == (size_t)-1)
                first = k;
            last = k;
            bar_at->p[bars++] = (uint32_t)k;
        }
        kinds |= kind;
    }
    if (i == en) {
        memcpy(p + 1, s + st, (en - st) * sizeof s[0]);
        k = en - st + 1;
    } else {
        k = 1;
        kinds = 0;
        bars = 0;
        first = last = (size_t)-1;
        i = st;
    }
    for (; i < en; i++) {
        uint16_t c = s[i];
        unsigned kind = kind_of(c);

        if (kind) {
            if (c == '\\' && i + 1 < en &&
                (s[i + 1] == '\\' || s[i + 1] == '{' || s[i + 1] == '|' || s[i + 1] == '}')) {
                put_hex_escape(p, &k, s[i + 1]);
                kinds |= K_SPECIAL;
                i++;
                continue;
            }
            if (c == '|') {
                if (first == (size_t)-1)
                    first = k;
                last = k;
                bar_at->p[bars++] = (uint32_t)k;
            }
            kinds |= kind;
        }
        p[k++] = c;
    }
    a->n = k;
    bar_at->n = bars;
    *plain = !(kinds & K_SPECIAL);
    any_lt = kinds & K_LT;
    *begin = 0;
    /* /^[^|]*[^\t |]\|/ -> ' $&': the first column ends next to '|': right-align it */
    if (first != (size_t)-1 && first > 1 && !is_ws(p[first - 1]))
        p[0] = ' ';
    else
        *begin = 1;
    /* /\|[^\t |][^|]*$/ -> '$& ': the last column starts next to '|': left-align it */
    if (last != (size_t)-1 && last + 1 < a->n && !is_ws(p[last + 1]))
        p[a->n++] = ' ';
    /* /^\|(.*)$/ and /^(.*)\|$/ */
    if (a->n > *begin && p[*begin] == '|' && !any_lt) {
        ++*begin;
        bars--;
    }
    if (a->n > *begin && p[a->n - 1] == '|' && !any_lt) {
        a->n--;
        bars--;
    }
    *count = bars + 1;
    return true;
}

static int property_slot(const uint16_t *key, size_t n)
{
    for (int p = 0; p < P_COUNT; p++)
        if (n == 1 ? key[0] == (uint16_t)prop_abbr[p] :
            n == prop_length[p] && key[0] == (uint16_t)prop_names[p][0] && equals_ascii(key, n, prop_names[p]))
            return p;
    return -1;
}

/* One `key: value` member; values are unescaped into line->val.  `printable`:
 * the member has no control code and no '\\' (nothing to unescape). */
static inline bool parse_member(const uint16_t *m, size_t n, lt_line *line, prop *props, bool printable)
{
    size_t i = 0, k0, k1, v0, ve, start, r, w;
    int slot;

    while (i < n && is_ws(m[i]))
        i++;
    if (i == n || !(is_word(m[i]) && !(m[i] >= '0' && m[i] <= '9')))
        return true;
    k0 = i++;
    while (i < n && is_word(m[i]))
        i++;
    k1 = i;
    while (i < n && is_ws(m[i]))
        i++;
    if (i == n || m[i] != ':')
        return true;
    i++;
    while (i < n && is_ws(m[i]))
        i++;
    if (i == n)
        return true;
    v0 = i;
    ve = n;
    while (ve > v0 + 1 && is_ws(m[ve - 1]))
        ve--;
    if (!printable && has_lt(m + v0 + 1, ve - v0 - 1))
        return true;
    slot = property_slot(m + k0, k1 - k0);
    if (slot < 0)
        return true;
    start = line->val.n;
    if (!LT_GROW(&line->val, ve - v0))
        return false;
    if (printable) {
        memcpy(line->val.p + start, m + v0, (ve - v0) * sizeof m[0]);
        line->val.n = start + ve - v0;
        props[slot].set = true;
        props[slot].off = start;
        props[slot].len = ve - v0;
        return true;
    }
    /* /\\n/g -> LF, then parseEscape() */
    for (r = v0, w = start; r < ve; r++) {
        if (m[r] == '\\' && r + 1 < ve && m[r + 1] == 'n') {
            line->val.p[w++] = '\n';
            r++;
        } else {
            line->val.p[w++] = m[r];
        }
    }
    line->val.n = start + parse_escape(line->val.p + start, w - start);
    props[slot].set = true;
    props[slot].off = start;
    props[slot].len = line->val.n - start;
    return true;
}

/* The members of e[0, n), a '{...}' column; `printable` as for parse_member(). */
static bool parse_properties(const uint16_t *e, size_t n, lt_line *line, prop *props, bool printable)
{
    lt_u16 *b = &line->b;
    const uint16_t *m = e + 1;
    size_t i, m0, len = n - 2;

    for (i = 1; !printable && i + 1 < n && e[i] != '\\'; i++)
        ;
    if (!printable && i + 1 < n) {                          /* \; -> \x3b */
        b->n = 0;
        if (!LT_GROW(b, 4 * n + 1))
            return false;
        for (i = 1; i + 1 < n; i++) {
            if (e[i] == '\\' && i + 2 < n && e[i + 1] == ';') {
                put_hex_escape(b->p, &b->n, ';');
                i++;
            } else {
                b->p[b->n++] = e[i];
            }
        }
        m = b->p;
        len = b->n;
    }
    line->val.n = 0;
    for (i = m0 = 0; i <= len; i++) {
        if (i == len || m[i] == ';') {
            if (!parse_member(m + m0, i - m0, line, props, printable))
                return false;
            m0 = i + 1;
        }
    }
    return true;
}

/* Calls fn for each token of value.toLowerCase().split(/[\t ]+|,/). */
typedef bool (*token_fn)(const uint16_t *t, size_t n, void *ctx);
static bool split_tokens(uint16_t *v, size_t n, token_fn fn, void *ctx)
{
    size_t i = 0, t0 = 0;

    for (size_t k = 0; k < n; k++)
        v[k] = ascii_lower(v[k]);
    while (i < n) {
        if (is_ws(v[i]) || v[i] == ',') {
            size_t sep = i;
            if (v[i] == ',')
                i++;
            else
                while (i < n && is_ws(v[i]))
                    i++;
            if (!fn(v + t0, sep - t0, ctx))
                return false;
            t0 = i;
        } else {
            i++;
        }
    }
    return fn(v + t0, n - t0, ctx);
}

/* Number(c) for /^\d+$/ tokens, saturated; -1 for anything else. */
static long digits_value(const uint16_t *t, size_t n)
{
    long v = 0;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9')
            return -1;
        v = v * 10 + (t[i] - '0');
        if (v > NUMBER_MAX)
            v = NUMBER_MAX;
    }
    return v;
}

typedef struct width_ctx { lt_state *st; int cpl; bool is_auto; } width_ctx;

static bool width_token(const uint16_t *t, size_t n, void *ctx)
{
    width_ctx *c = ctx;
    long v = digits_value(t, n);
    int w = n == 1 && t[0] == '*' ? -1 : v < 0 ? 0 : v > c->cpl + 1 ? c->cpl + 1 : (int)v;

    if (equals_ascii(t, n, "auto"))
        c->is_auto = true;
    if (w && !LT_PUSH(&c->st->nonzero, (int)c->st->width.n))
        return false;
    return LT_PUSH(&c->st->width, w);
}

static bool set_width(lt_state *st, uint16_t *v, size_t n, int cpl)
{
    width_ctx c = { st, cpl, false };

    st->width.n = st->nonzero.n = 0;
    if (!split_tokens(v, n, width_token, &c))
        return false;
    if (c.is_auto)
        st->width.n = st->nonzero.n = 0;
    return true;
}

typedef struct option_ctx {
    lt_option o;
    bool type, width, height, cell, level;
} option_ctx;

static bool option_token(const uint16_t *t, size_t n, void *ctx)
{
    static const struct { const char *name; kp_code_type type; } types[] = {
        { "upc", KP_CODE_UPC }, { "ean", KP_CODE_EAN }, { "jan", KP_CODE_EAN },
        { "code39", KP_CODE_CODE39 }, { "itf", KP_CODE_ITF }, { "codabar", KP_CODE_CODABAR },
        { "nw7", KP_CODE_CODABAR }, { "code93", KP_CODE_CODE93 }, { "code128", KP_CODE_CODE128 },
        { "qrcode", KP_CODE_QR },
    };
    option_ctx *c = ctx;
    long v = digits_value(t, n);

    for (size_t i = 0; !c->type && i < sizeof types / sizeof types[0]; i++) {
        if (equals_ascii(t, n, types[i].name)) {
            c->type = true;
            c->o.type = types[i].type;
            c->o.qrcode = types[i].type == KP_CODE_QR;
        }
    }
    if (!c->width && v >= 2 && v <= 4) { c->width = true; c->o.width = (int)v; }
    if (!c->height && v >= 24 && v <= 240) { c->height = true; c->o.height = (int)v; }
    if (!c->cell && v >= 3 && v <= 8) { c->cell = true; c->o.cell = (int)v; }
    if (equals_ascii(t, n, "hri"))
        c->o.hri = true;
    if (!c->level && n == 1 && (t[0] == 'l' || t[0] == 'm' || t[0] == 'q' || t[0] == 'h')) {
        c->level = true;
        c->o.level = (char)t[0];
    }
    return true;
}

static void default_option(lt_option *o)
{
    o->type = KP_CODE_CODE128;
    o->qrcode = false;
    o->width = 2;
    o->height = 72;
    o->hri = false;
    o->cell = 3;
    o->level = 'l';
}

static bool copy_u16(lt_u16 *dst, const uint16_t *s, size_t n)
{
    dst->n = 0;
    if (!LT_GROW(dst, n + 1))
        return false;
    if (n)
        memcpy(dst->p, s, n * sizeof s[0]);
    dst->n = n;
    return true;
}

/* image.replace(/=.*|[^A-Za-z0-9+/]/g, '') and the padding fix. */
static bool clean_base64(const uint16_t *s, size_t n, lt_u16 *out)
{
    size_t i = 0;

    out->n = 0;
    if (!LT_GROW(out, n + 2))
        return false;
    while (i < n) {
        uint16_t c = s[i];
        if (c == '=') {
            while (i < n && !is_lt(s[i]))
                i++;
            continue;
        }
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/')
            out->p[out->n++] = c;
        i++;
    }
    switch (out->n % 4) {
    case 1: out->n--; break;
    case 2: out->p[out->n++] = '='; out->p[out->n++] = '='; break;
    case 3: out->p[out->n++] = '='; break;
    default: break;
    }
    return true;
}

static int border_value(uint16_t *v, size_t n)
{
    long d;
    for (size_t i = 0; i < n; i++)
        v[i] = ascii_lower(v[i]);
    if (equals_ascii(v, n, "line")) return -1;
    if (equals_ascii(v, n, "space")) return 1;
    if (equals_ascii(v, n, "none")) return 0;
    d = digits_value(v, n);
    return d >= 0 && d <= 2 ? (int)d : 1;
}

static int align_value(uint16_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = ascii_lower(v[i]);
    if (equals_ascii(v, n, "left")) return 0;
    if (equals_ascii(v, n, "right")) return 2;
    return 1;
}

/* What a single-column property line does to the state and the line. */
static bool apply_properties(lt_line *line, lt_state *st, prop *props, int cpl)
{
    uint16_t *v = line->val.p;

    if (props[P_TEXT].set) {
        size_t n = props[P_TEXT].len;
        uint16_t *t = v + props[P_TEXT].off;
        for (size_t i = 0; i < n; i++)
            t[i] = ascii_lower(t[i]);
        st->wrap = !equals_ascii(t, n, "nowrap");
    }
    if (props[P_BORDER].set) {
        int previous = st->border;
        st->border = border_value(v + props[P_BORDER].off, props[P_BORDER].len);
        if (previous >= 0 && st->border < 0)
            line->vr = '+';
        if (previous < 0 && st->border >= 0)
            line->vr = '-';
    }
    if (props[P_WIDTH].set && !set_width(st, v + props[P_WIDTH].off, props[P_WIDTH].len, cpl))
        return false;
    if (props[P_ALIGN].set)
        st->align = align_value(v + props[P_ALIGN].off, props[P_ALIGN].len);
    if (props[P_OPTION].set) {
        option_ctx c;
        memset(&c, 0, sizeof c);
        default_option(&c.o);
        if (!split_tokens(v + props[P_OPTION].off, props[P_OPTION].len, option_token, &c))
            return false;
        st->option = c.o;
    }
    if (props[P_CODE].set) {
        line->has_code = true;
        line->code = st->option;
        if (!copy_u16(&line->code_data, v + props[P_CODE].off, props[P_CODE].len))
            return false;
    }
    if (props[P_IMAGE].set) {
        line->has_image = true;
        if (!clean_base64(v + props[P_IMAGE].off, props[P_IMAGE].len, &line->image))
            return false;
    }
    if (props[P_COMMAND].set) {
        line->has_command = true;
        if (!copy_u16(&line->command, v + props[P_COMMAND].off, props[P_COMMAND].len))
            return false;
    }
    return true;
}

static inline bool add_part(lt_line *line, bool delim, uint32_t what, int run, size_t off, size_t len)
{
    lt_part p = { delim, what, run, off, len, 0, 0 };
    return LT_PUSH(&line->parts, p);
}

/* A text part of the fused scan: chars [off, off+len), bytes text8[b0, b1). */
static inline bool add_text_part(lt_line *line, size_t off, size_t len, size_t b0, size_t b1)
{
    lt_part p = { false, 0, 0, off, len, b0, b1 };
    return LT_PUSH(&line->parts, p);
}

static bool is_decoration(uint16_t x)
{
    return x == '_' || x == '"' || x == '`' || x == '\n' || x == '^';
}

/* A decoration part; '^' takes the whole run from s[i], *i moves to its end. */
static inline bool add_decoration(lt_line *line, const uint16_t *s, size_t n, size_t *i)
{
    size_t j = *i;

    if (s[j] != '^')
        return add_part(line, true, s[j], 0, 0, 0);
    while (j < n && s[j] == '^')
        j++;
    if (!add_part(line, true, '^', (int)(j - *i), 0, 0))
        return false;
    *i = j - 1;
    return true;
}

/* Text without control codes and backslashes (most of it): every pass of
 * parse_text() but '~' and the split leaves it alone, so they are one scan. */
static bool parse_plain_text(const uint16_t *e, size_t n, lt_line *line)
{
    size_t off = line->chars.n, k = off;
    uint32_t *out;

    if (!LT_GROW(&line->chars, n))
        return false;
    out = line->chars.p;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = e[i];
        while (x - 0x80 < 0xD800 - 0x80 && i + 1 < n) {   /* a run of BMP letters */
            out[k++] = x;
            x = e[++i];
        }
        if (x < 0x80 && ascii_kind[x]) {
            if (ascii_kind[x] & K_DECOR) {
                line->chars.n = k;
                if (!add_part(line, false, 0, 0, off, k - off) || !add_decoration(line, e, n, &i))
                    return false;
                off = k;
                continue;
            }
            if (x == '~')
                x = ' ';
        } else if (x >= 0xD800 && x <= 0xDBFF && i + 1 < n && e[i + 1] >= 0xDC00 && e[i + 1] <= 0xDFFF) {
            x = 0x10000 + ((x - 0xD800) << 10) + (e[++i] - 0xDC00);
        }
        out[k++] = x;
    }
    line->chars.n = k;
    return add_part(line, false, 0, 0, off, k - off);
}

/* A text column: control codes out, escapes, '~', then split at decorations. */
static inline bool parse_text(const uint16_t *e, size_t n, lt_line *line, lt_column *col)
{
    lt_u16 *b = &line->b, *c = &line->val;
    size_t i, r, w, piece;

    col->part0 = line->parts.n;
    col->text = true;
    for (i = 0; !line->plain && i < n && e[i] >= 0x20 && e[i] != 0x7F && e[i] != '\\'; i++)
        ;
    if (line->plain || i == n) {
        if (!parse_plain_text(e, n, line))
            return false;
        col->n_parts = line->parts.n - col->part0;
        return true;
    }
    b->n = 0;
    if (!LT_GROW(b, n + 1))
        return false;
    /* /[\x00-\x1f\x7f]|\\x[01][\dA-Fa-f]|\\x7[Ff]/g -> '' */
    for (i = 0; i < n;) {
        if (e[i] < 0x20 || e[i] == 0x7F) { i++; continue; }
        if (e[i] == '\\' && i + 3 < n && e[i + 1] == 'x' &&
            (((e[i + 2] == '0' || e[i + 2] == '1') && is_hex(e[i + 3])) ||
             (e[i + 2] == '7' && (e[i + 3] == 'f' || e[i + 3] == 'F')))) { i += 4; continue; }
        b->p[b->n++] = e[i++];
    }
    /* /\\[-=_"`^~]/g -> \xNN */
    c->n = 0;
    if (!LT_GROW(c, 2 * b->n + 1))
        return false;
    for (i = 0; i < b->n; i++) {
        uint16_t x = i + 1 < b->n ? b->p[i + 1] : 0;
        if (b->p[i] == '\\' && x && x < 0x80 && strchr("-=_\"`^~", x)) {
            put_hex_escape(c->p, &c->n, x);
            i++;
        } else {
            c->p[c->n++] = b->p[i];
        }
    }
    /* /\\n/g -> LF, /~/g -> ' ' */
    for (r = w = 0; r < c->n; r++) {
        if (c->p[r] == '\\' && r + 1 < c->n && c->p[r + 1] == 'n') {
            c->p[w++] = '\n';
            r++;
        } else {
            c->p[w++] = c->p[r] == '~' ? ' ' : c->p[r];
        }
    }
    c->n = w;
    /* .split(/([_"`\n]|\^+)/) and parseEscape() of each piece */
    for (i = piece = 0; i <= c->n; i++) {
        size_t off, len;

        if (i < c->n && !is_decoration(c->p[i]))
            continue;
        off = line->chars.n;
        len = parse_escape(c->p + piece, i - piece);
        if (!append_code_points(&line->chars, c->p + piece, len) ||
            !add_part(line, false, 0, 0, off, line->chars.n - off))
            return false;
        if (i == c->n)
            break;
        if (!add_decoration(line, c->p, c->n, &i))
            return false;
        piece = i + 1;
    }
    col->n_parts = line->parts.n - col->part0;
    return true;
}

/* result.width of a column that is not text (property, rule, error). */
static int other_width(const lt_state *st)
{
    long sum = 0, count = 0;

    if (st->width.n == 0)
        return -1;
    for (size_t i = 0; i < st->width.n; i++)
        if (st->width.p[i] < 0)
            return -1;
    for (size_t i = 0; i < st->nonzero.n; i++, count++)
        sum += st->width.p[st->nonzero.p[i]];
    if (!count)
        return 0;
    sum += st->border < 0 ? count + 1 : (count - 1) * st->border;
    return sum > NUMBER_MAX ? NUMBER_MAX : (int)sum;
}

static bool parse_column(lt_line *line, lt_state *st, const uint16_t *s, size_t n,
                         size_t index, size_t count, int cpl)
{
    size_t es = 0, ee = n, i;
    lt_column col;
    bool braces = false;

    memset(&col, 0, sizeof col);
    col.align = 1 + (n > 0 && is_ws(s[0])) - (n > 0 && is_ws(s[n - 1]));
    while (es < ee && is_ws(s[es]))
        es++;
    while (ee > es && is_ws(s[ee - 1]))
        ee--;
    for (i = es + 1; !line->plain && i + 1 < ee; i++)
        braces |= s[i] == '{' || s[i] == '}';
    if (ee - es >= 2 && s[es] == '{' && s[ee - 1] == '}' && !braces) {
        prop props[P_COUNT];
        memset(props, 0, sizeof props);
        if (!parse_properties(s + es, ee - es, line, props, false))
            return false;
        if (count == 1 && !apply_properties(line, st, props, cpl))
            return false;
    } else if (braces || (ee > es && (s[es] == '{' || s[es] == '}' || s[ee - 1] == '{' || s[ee - 1] == '}'))) {
        /* an invalid property: the line prints nothing */
    } else if (count == 1 && ee > es && (s[es] == '-' || s[es] == '=')) {
        for (i = es; i < ee && s[i] == s[es]; i++)
            ;
        if (i == ee)
            line->hr = (char)s[es];
        else if (!parse_text(s + es, ee - es, line, &col))
            return false;
    } else if (!parse_text(s + es, ee - es, line, &col)) {
        return false;
    }
    if (st->width.n == 0)
        col.width = -1;
    else if (col.text)
        col.width = index < st->width.n ? st->width.p[index] : 0;
    else
        col.width = other_width(st);
    if (index == 0) {
        line->wrap = st->wrap;
        line->border = st->border;
        line->alignment = st->align;
    }
    return LT_PUSH(&line->cols, col);
}

void lt_state_init(lt_state *st)
{
    memset(st, 0, sizeof *st);
    st->wrap = true;
    st->border = 1;
    st->align = 1;
    default_option(&st->option);
    st->line = LT_WAITING;
}

void lt_state_free(lt_state *st)
{
    LT_FREE(&st->width);
    LT_FREE(&st->nonzero);
    LT_FREE(&st->rules_widths);
}

void lt_line_free(lt_line *line)
{
    LT_FREE(&line->cols);
    LT_FREE(&line->parts);
    LT_FREE(&line->chars);
    LT_FREE(&line->utf8);
    LT_FREE(&line->at);
    LT_FREE(&line->image);
    LT_FREE(&line->code_data);
    LT_FREE(&line->command);
    LT_FREE(&line->a);
    LT_FREE(&line->b);
    LT_FREE(&line->val);
    LT_FREE(&line->bars);
}

/* line->chars as the model prints them (lone surrogates and C1 controls as
 * U+FFFD) into line->utf8, which line->text8 then points to, and the text
 * parts' bytes. */
static bool chars_to_utf8(lt_line *line)
{
    size_t n = line->chars.n, w = 0;

    line->utf8.n = line->at.n = 0;
    if (!LT_GROW(&line->utf8, 4 * n + 1) || !LT_GROW(&line->at, n + 1))
        return false;
    line->text8 = line->utf8.p;
    for (size_t k = 0; k < n; k++) {
        uint32_t c = line->chars.p[k];
        line->at.p[k] = (uint32_t)w;
        if (c < 0x80) {
            line->utf8.p[w++] = (unsigned char)c;
            continue;
        }
        if (c <= 0x9F || (c >= 0xD800 && c <= 0xDFFF))
            c = KP_UTF8_REPLACEMENT;
        w += kp_utf8_encode(c, (char *)line->utf8.p + w);
    }
    line->at.p[n] = (uint32_t)w;
    for (size_t i = 0; i < line->parts.n; i++) {
        lt_part *part = &line->parts.p[i];
        if (!part->delim) {
            part->b0 = line->at.p[part->off];
            part->b1 = line->at.p[part->off + part->len];
        }
    }
    return true;
}

bool lt_parse_line(const uint16_t *s, size_t n, lt_state *st, int cpl, lt_line *line)
{
    size_t i, b, c0, begin, count, index = 0;

    line->cols.n = line->parts.n = line->chars.n = 0;
    line->text = true;
    line->hr = line->vr = 0;
    line->has_image = line->has_code = line->has_command = false;
    if (!prepare_line(s, n, &line->a, &line->bars, &begin, &count, &line->plain))
        return false;
    for (b = 0, c0 = begin; c0 <= line->a.n; c0 = i + 1) {
        while (b < line->bars.n && line->bars.p[b] < c0)
            b++;
        i = b < line->bars.n && line->bars.p[b] < line->a.n ? line->bars.p[b] : line->a.n;
        if (!parse_column(line, st, line->a.p + c0, i - c0, index++, count, cpl))
            return false;
    }
    for (i = 0; i < line->cols.n; i++)
        line->text &= line->cols.p[i].text;
    return chars_to_utf8(line);
}

/* ---- the fused scan for plain lines ---- */

/* What the fused scan does with an ASCII character. */
enum { F_COPY = 0, F_SPACE, F_TILDE, F_DECOR, F_BAR, F_STOP, F_CYR, F_MULTI };
#define F_MULTI_8 F_MULTI, F_MULTI, F_MULTI, F_MULTI, F_MULTI, F_MULTI, F_MULTI, F_MULTI
#define F_MULTI_64 F_MULTI_8, F_MULTI_8, F_MULTI_8, F_MULTI_8, F_MULTI_8, F_MULTI_8, F_MULTI_8, F_MULTI_8
static const uint8_t fused_kind[256] = {
    F_STOP, F_STOP, F_STOP, F_STOP, F_STOP, F_STOP, F_STOP, F_STOP,
    F_STOP, F_STOP, F_STOP, F_STOP, F_STOP, F_STOP, F_STOP, F_STOP,
    F_STOP, F_STOP, F_STOP, F_STOP, F_STOP, F_STOP, F_STOP, F_STOP,
    F_STOP, F_STOP, F_STOP, F_STOP, F_STOP, F_STOP, F_STOP, F_STOP,
    [' '] = F_SPACE, ['"'] = F_DECOR, ['\\'] = F_STOP, ['^'] = F_DECOR, ['_'] = F_DECOR,
    ['`'] = F_DECOR, ['{'] = F_STOP, ['|'] = F_BAR, ['}'] = F_STOP, ['~'] = F_TILDE, [0x7F] = F_STOP,
    /* a UTF-8 sequence starts or goes on; D0, D1 and D3 lead U+0400..U+047F and
     * U+04C0..U+04FF, Cyrillic, which NFC leaves alone (D2 leads the marks
     * U+0483..U+0487 too) */
    [0x80] = F_MULTI_64, F_MULTI_8, F_MULTI_8,          /* 80 .. CF */
    F_CYR, F_CYR, F_MULTI, F_CYR,                       /* D0 .. D3 */
    F_MULTI_8, F_MULTI_8, F_MULTI_8, F_MULTI_8, F_MULTI_8, F_MULTI, F_MULTI, F_MULTI, F_MULTI,
};

/* Ends a text column of the fused scan: its last part, trimmed, and the column. */
static inline bool end_plain_column(lt_line *line, const lt_state *st, size_t index, int align,
                                    size_t part0, size_t part_off, size_t k_end, size_t b0, size_t b1)
{
    lt_column col;

    while (b1 > b0 && line->text8[b1 - 1] == ' ')
        b1--;                        /* its trailing spaces are dropped */
    if (!add_text_part(line, part_off, k_end - part_off, b0, b1))
        return false;
    col.text = true;
    col.align = align;
    col.width = st->width.n == 0 ? -1 : index < st->width.n ? st->width.p[index] : 0;
    col.part0 = part0;
    col.n_parts = line->parts.n - part0;
    return LT_PUSH(&line->cols, col);
}

/* A line of only '-' or only '=' from s[i] on (and spaces): a rule or a
 * cut, one column that is not text; anything else is left to lt_parse_line(). */
static int plain_rule_line(const unsigned char *s, size_t i, const lt_state *st, lt_line *line, size_t *len)
{
    unsigned char c = s[i];
    lt_column col;

    while (s[i] == c)
        i++;
    while (s[i] == ' ')
        i++;
    if (s[i] != '\n' && s[i] != '\r')
        return 0;
    *len = i;
    line->text = false;
    line->hr = (char)c;
    memset(&col, 0, sizeof col);
    col.align = 1;
    col.width = st->width.n == 0 ? -1 : other_width(st);
    return LT_PUSH(&line->cols, col) ? 1 : -1;
}

/* A line of one property column, '{' at s[i], in printable ASCII without
 * '\\', '|', or a '{' or '}' inside (most `{width:...}` and `{code:...}`
 * lines): every line-wide pass but trimming leaves it alone, so it goes
 * straight to parse_column()'s properties (`{width:auto}`, the templates'
 * usual reset, straight to its result); anything else is left to
 * lt_parse_line(). */
static int plain_property_line(const unsigned char *s, size_t i, lt_state *st, int cpl, lt_line *line,
                               size_t *len)
{
    size_t j = i + 1, n;
    prop props[P_COUNT];
    lt_column col;
    uint16_t *a;

    while (fused_kind[s[j]] < F_BAR)
        j++;
    if (s[j] != '}')
        return 0;
    n = j + 1 - i;
    for (j++; s[j] == ' '; j++)
        ;
    if (s[j] != '\n' && s[j] != '\r')
        return 0;
    *len = j;
    line->text = line->plain = false;
    if (n == 12 && !memcmp(s + i, "{width:auto}", 12)) {
        st->width.n = st->nonzero.n = 0;      /* what set_width() makes of it */
    } else {
        line->a.n = 0;
        if (!LT_GROW(&line->a, n))
            return -1;
        a = line->a.p;
        for (j = 0; j < n; j++)
            a[j] = s[i + j];
        memset(props, 0, sizeof props);
        if (!parse_properties(a, n, line, props, true) || !apply_properties(line, st, props, cpl))
            return -1;
    }
    memset(&col, 0, sizeof col);
    col.align = 1;
    col.width = st->width.n == 0 ? -1 : other_width(st);
    line->wrap = st->wrap;
    line->border = st->border;
    line->alignment = st->align;
    return LT_PUSH(&line->cols, col) ? 1 : -1;
}

/* The code point of the UTF-8 sequence at s[*i] (its first byte, lead, is
 * not ASCII already read), or 0 when the line is not for the fused scan:
 * an ill-formed sequence, a code point NFC may change (the decoder and
 * lt_nfc() must see them), outside the BMP, a C1 control, or U+2028/U+2029.  The line
 * ends with '\n' or '\r', which no sequence takes, so reading stops there. */
static inline uint32_t plain_code_point(const unsigned char *s, size_t *i, uint32_t lead)
{
    size_t j = *i;
    uint32_t cp;

    if (lead - 0xC2 <= 0xDF - 0xC2 && (s[j] & 0xC0) == 0x80) {
        cp = (lead & 0x1F) << 6 | (s[j] & 0x3F);
        *i = j + 1;
        if (cp - 0x410 < 0x40 || cp - 0xA0 < 0x300 - 0xA0)     /* А..я and Latin-1: left alone */
            return cp;
        return cp < 0xA0 || lt_nfc_may_change(cp) ? 0 : cp;     /* C1 controls print as U+FFFD */
    }
    if (lead - 0xE0 <= 0xEF - 0xE0 && (s[j] & 0xC0) == 0x80 && (s[j + 1] & 0xC0) == 0x80) {
        if ((lead == 0xE0 && s[j] < 0xA0) || (lead == 0xED && s[j] > 0x9F))
            return 0;
        cp = (lead & 0x0F) << 12 | (uint32_t)(s[j] & 0x3F) << 6 | (s[j + 1] & 0x3F);
        *i = j + 2;
        return (cp | 1) == 0x2029 || lt_nfc_may_change(cp) ? 0 : cp;
    }
    return 0;
}

/* lt_parse_line() and the line split in one scan, for a line whose every
 * pass but the column split, trimming, '~' and decorations changes nothing:
 * no control code, '\\', '{', '}', U+2028/U+2029, and neither a leading
 * '|', '-', '=' nor a trailing '|'.  It reads the document's UTF-8, so the
 * line must also be well-formed, in the BMP and in NFC by the quick check
 * (plain_code_point()).  A line of one `{...}` column takes
 * plain_property_line() instead.  s runs to a '\n' or '\r' (the line's end, at
 * s[*len] on return).  The line's text
 * stays where it is (line->text8 is s, the parts say which bytes are theirs):
 * its '~' become spaces in s.
 * 1: parsed; 0: not such a line (nothing of line is to be used); -1: out of
 * memory. */
int lt_parse_plain_line(unsigned char *s, lt_state *st, int cpl, lt_line *line, size_t *len)
{
    size_t i = 0, k = 0, index = 0, part0, part_off, part_b0, raw0;
    bool lead, tilde = false;

    line->cols.n = line->parts.n = line->chars.n = 0;
    line->text = line->plain = true;
    line->hr = line->vr = 0;
    line->has_image = line->has_code = line->has_command = false;
    line->wrap = st->wrap;
    line->border = st->border;
    line->alignment = st->align;
    line->text8 = s;
    while (s[i] == ' ')
        i++;
    if (s[i] == '-' || s[i] == '=')
        return plain_rule_line(s, i, st, line, len);
    if (s[i] == '{')
        return plain_property_line(s, i, st, cpl, line, len);
    if (s[i] == '|')
        return 0;
    raw0 = i;
    lead = false;
    for (;;) {                       /* a column: s[raw0 ..] after its leading spaces */
        part0 = line->parts.n;
        part_off = k;
        part_b0 = i;
        for (;;) {
            uint32_t x = s[i++], kind = fused_kind[x];

            if (!kind) {             /* most characters */
                k++;
                continue;
            }
            if (kind == F_CYR && (s[i] & 0xC0) == 0x80) {
                i++;
                k++;
                continue;
            }
            if (kind >= F_CYR) {
                uint32_t y = s[i];
                k++;
                /* U+0480..U+04BF (D2 80 .. D2 BF) but the marks U+0483..U+0487 */
                if (x == 0xD2 && (y & 0xC0) == 0x80 && y - 0x83 >= 5)
                    i++;
                else if (!plain_code_point(s, &i, x))
                    return 0;
                continue;
            }
            switch (kind) {
            case F_SPACE: {          /* a run of spaces, dropped at the column's end */
                size_t i0 = i - 1;
                while (s[i] == ' ')
                    i++;
                if (s[i] != '|' && s[i] != '\n' && s[i] != '\r')
                    k += i - i0;
                continue;
            }
            case F_TILDE:            /* a space: s[] is changed once the line is parsed */
                k++;
                tilde = true;
                continue;
            case F_DECOR: {
                int run = 0;
                if (!add_text_part(line, part_off, k - part_off, part_b0, i - 1))
                    return -1;
                if (x == '^')
                    for (run = 1; s[i] == '^'; i++)
                        run++;
                if (!add_part(line, true, x, run, 0, 0))
                    return -1;
                part_off = k;
                part_b0 = i;
                continue;
            }
            case F_BAR: {
                /* the raw column s[raw0, i-1): the first gets a leading space
                 * when it ends next to the '|' (prepare_line()) */
                bool trail = i - 1 > raw0 && s[i - 2] == ' ';
                int align = index == 0 ? (trail ? 0 : 2) : 1 + lead - trail;
                if (!end_plain_column(line, st, index++, align, part0, part_off, k, part_b0, i - 1))
                    return -1;
                raw0 = i;
                while (s[i] == ' ')
                    i++;
                lead = i > raw0;
                break;
            }
            default:
                if (x != '\n' && x != '\r')
                    return 0;
                goto line_end;      /* the line's end */
            }
            break;
        }
    }
line_end:
    *len = i - 1;
    {
        /* the last raw column, trimmed of the line's trailing spaces */
        size_t end = i - 1;
        while (end > raw0 && s[end - 1] == ' ')
            end--;
        if (index > 0 && end == raw0)
            return 0;               /* the line ends with '|' */
        if (!end_plain_column(line, st, index, index == 0 ? 1 : lead ? 2 : 0, part0, part_off, k,
                              part_b0, i - 1))
            return -1;
    }
    for (size_t j = 0; tilde && j < *len; j++)
        if (s[j] == '~')
            s[j] = ' ';
    return 1;
}
