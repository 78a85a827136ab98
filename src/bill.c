/* bill.c: the bill room: text and amount out of a bill a till printed (see bill.h). */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kaspipos/bill.h"
#include "kaspipos/terminal.h"
#include "kaspipos/utf8.h"

#define ESC 0x1B
#define GS 0x1D
#define FS 0x1C
#define DLE 0x10

void kp_bill_init(kp_bill *bill)
{
    memset(bill, 0, sizeof *bill);
    kp_buf_init(&bill->text, 0);
}

void kp_bill_clear(kp_bill *bill)
{
    kp_buf_free(&bill->text);
    memset(bill, 0, sizeof *bill);
}

/* ---- step 1: ESC/POS commands ---- */

static size_t u16(const unsigned char *p)
{
    return (size_t)p[0] | (size_t)p[1] << 8;
}

/* A command of `fixed` bytes followed by `extra` more: bounded by avail. */
static size_t clamp(size_t want, size_t avail)
{
    return want < avail ? want : avail;
}

/* Bytes up to and including the first NUL at or after p[from]. */
static size_t until_nul(const unsigned char *p, size_t from, size_t avail)
{
    for (size_t i = from; i < avail; i++)
        if (p[i] == 0)
            return i + 1;
    return avail;
}

/* "X ( fn pL pH data": the function form of ESC, GS and FS. */
static size_t paren_function(const unsigned char *p, size_t avail)
{
    if (avail < 5)
        return avail;
    return clamp(5 + u16(p + 3), avail);
}

static size_t esc_user_chars(const unsigned char *p, size_t avail)
{
    /* ESC & y c1 c2 { x d1..d(y*x) } for each character c1..c2 */
    size_t at = 5, y, count;

    if (avail < 5)
        return avail;
    y = p[2];
    count = p[4] >= p[3] ? (size_t)(p[4] - p[3]) + 1 : 0;
    for (size_t c = 0; c < count && at < avail; c++)
        at += 1 + y * p[at];
    return clamp(at, avail);
}

static size_t esc_length(const unsigned char *p, size_t avail)
{
    if (avail < 2)
        return avail;
    switch (p[1]) {
    case '@': case '2': case '<': case 'i': case 'm': case 'L': case 'S': case 0x0C:
        return 2;
    case ' ': case '!': case '-': case '3': case 'E': case 'G': case 'J': case 'M': case 'R':
    case 'U': case 'V': case 'a': case 'd': case 'e': case 'r': case 't': case '{': case 'T':
    case '%': case '=': case '?': case 'K': case 'j': case 'u': case 'v': case 'n': case 'f':
        return clamp(3, avail);
    case '$': case '\\': case 'c': case 'B': case 'C':
        return clamp(4, avail);
    case 'p':
        return clamp(5, avail);
    case 'W':
        return clamp(10, avail);
    case 'D':
        return until_nul(p, 2, avail);
    case '*':
        if (avail < 5)
            return avail;
        return clamp(5 + u16(p + 3) * (p[2] == 32 || p[2] == 33 ? 3 : 1), avail);
    case '&':
        return esc_user_chars(p, avail);
    case '(':
        return paren_function(p, avail);
    default:
        return 2;
    }
}

static size_t gs_length(const unsigned char *p, size_t avail)
{
    if (avail < 2)
        return avail;
    switch (p[1]) {
    case ':':
        return 2;
    case '!': case 'B': case 'H': case 'I': case 'a': case 'b': case 'f': case 'h': case 'r':
    case 'w': case 'T': case 'j': case '/': case 'E':
        return clamp(3, avail);
    case 'L': case 'W': case '$': case '\\': case 'P':
        return clamp(4, avail);
    case '^':
        return clamp(5, avail);
    case 'g':
        return clamp(6, avail);
    case 'V':
        if (avail < 3)
            return avail;
        return clamp(p[2] >= 'A' ? 4 : 3, avail);
    case 'k':
        if (avail < 3)
            return avail;
        if (p[2] <= 6)
            return until_nul(p, 3, avail);
        return avail < 4 ? avail : clamp(4 + (size_t)p[3], avail);
    case 'v': case 'Q':  /* GS v 0 m xL xH yL yH data, GS Q 0 the same */
        if (avail < 8)
            return avail;
        return clamp(8 + u16(p + 4) * u16(p + 6), avail);
    case '*':
        if (avail < 4)
            return avail;
        return clamp(4 + (size_t)p[2] * p[3] * 8, avail);
    case '8':  /* GS 8 L p1 p2 p3 p4 data */
        if (avail < 7)
            return avail;
        return clamp(7 + ((size_t)p[3] | (size_t)p[4] << 8 | (size_t)p[5] << 16 |
                          (size_t)p[6] << 24), avail);
    case '(':
        return paren_function(p, avail);
    default:
        return 2;
    }
}

static size_t fs_nv_images(const unsigned char *p, size_t avail)
{
    /* FS q n { xL xH yL yH d1..d(x*y*8) } n times */
    size_t at = 3;

    if (avail < 3)
        return avail;
    for (unsigned i = 0; i < p[2] && at + 4 <= avail; i++)
        at += 4 + u16(p + at) * u16(p + at + 2) * 8;
    return clamp(at, avail);
}

static size_t fs_length(const unsigned char *p, size_t avail)
{
    if (avail < 2)
        return avail;
    switch (p[1]) {
    case '&': case '.':
        return 2;
    case '!': case '-': case 'C': case 'W':
        return clamp(3, avail);
    case 'S': case 'p':
        return clamp(4, avail);
    case '2':
        return clamp(4 + 72, avail);
    case 'q':
        return fs_nv_images(p, avail);
    case '(':
        return paren_function(p, avail);
    default:
        return 2;
    }
}

static size_t dle_length(const unsigned char *p, size_t avail)
{
    if (avail < 2)
        return avail;
    if (p[1] == 0x04 || p[1] == 0x05)
        return clamp(3, avail);
    if (p[1] == 0x14)
        return clamp(5, avail);
    return 2;
}

static size_t command_length(const unsigned char *p, size_t avail)
{
    switch (p[0]) {
    case ESC: return esc_length(p, avail);
    case GS: return gs_length(p, avail);
    case FS: return fs_length(p, avail);
    default: return dle_length(p, avail);
    }
}

kp_status kp_bill_strip_escpos(const void *data, size_t len, kp_buf *out)
{
    const unsigned char *p = data;
    size_t i = 0;
    kp_status st = KP_OK;

    while (i < len && st == KP_OK) {
        unsigned char c = p[i];

        if (c == ESC || c == GS || c == FS || c == DLE) {
            i += command_length(p + i, len - i);
            continue;
        }
        if (c == '\n' || c == '\r' || c >= 0x20)
            st = c == 0x7F ? KP_OK : kp_buf_putc(out, (char)c);
        else if (c == '\t')
            st = kp_buf_putc(out, ' ');
        else if (c == 0x0C)
            st = kp_buf_putc(out, '\n');
        i++;
    }
    return st;
}

/* ---- steps 2 and 3: the encoding ---- */

static bool cp866_letter(unsigned char b)
{
    return b <= 0xAF || (b >= 0xE0 && b <= 0xF1);
}

static bool cp1251_letter(unsigned char b)
{
    return b >= 0xC0 || b == 0xA8 || b == 0xB8;
}

const char *kp_bill_detect_charset(const char *text, size_t len)
{
    long score866 = 0, score1251 = 0;
    bool ascii = true;

    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] >= 0x80)
            ascii = false;
    if (ascii || kp_utf8_valid(text, len))
        return "UTF-8";
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)text[i];

        if (b < 0x80)
            continue;
        score866 += cp866_letter(b) ? 1 : -1;
        score1251 += cp1251_letter(b) ? 1 : -1;
    }
    return score1251 > score866 ? "CP1251" : "CP866";
}

static kp_status put_replacement(kp_buf *out)
{
    return kp_buf_append(out, "\xEF\xBF\xBD", 3);
}

kp_status kp_bill_to_utf8(const char *text, size_t len, const char *charset, kp_buf *out,
                          kp_error *err)
{
    iconv_t cd = iconv_open("UTF-8", charset);
    char chunk[4096];
    char *in = (char *)text;
    size_t left = len;
    kp_status st = KP_OK;

    if (cd == (iconv_t)-1)
        return kp_error_set(err, KP_ERR_SETUP, "the bill's charset '%.40s' is not known "
                            "(use UTF-8, CP866 or CP1251)", charset);
    while (left > 0 && st == KP_OK) {
        char *o = chunk;
        size_t room = sizeof chunk;
        size_t r = iconv(cd, &in, &left, &o, &room);
        int e = errno;

        st = kp_buf_append(out, chunk, sizeof chunk - room);
        if (r == (size_t)-1 && e != E2BIG && st == KP_OK) {
            st = put_replacement(out);  /* EILSEQ or EINVAL: one byte we cannot read */
            in++;
            left--;
        }
    }
    iconv_close(cd);
    if (st != KP_OK)
        return kp_error_set(err, st, "the bill is too large once converted to UTF-8");
    return KP_OK;
}

/* ---- step 4: the amount ---- */

/* A line as lower-case code points, with every kind of space as ' '. */
typedef struct line {
    uint32_t *cp;
    size_t n;
    int number;
} line;

static uint32_t fold(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c >= 0x0410 && c <= 0x042F)
        return c + 0x20;
    if (c >= 0x0400 && c <= 0x040F)
        return c + 0x50;
    if (((c >= 0x0460 && c <= 0x04BF) || (c >= 0x04D0 && c <= 0x04FF)) && c % 2 == 0)
        return c + 1;
    if (c == '\t' || c == 0x00A0 || c == 0x2007 || c == 0x2009 || c == 0x202F || c == 0x2002 ||
        c == 0x2003 || c == 0x2008)
        return ' ';
    return c;
}

static bool is_letter(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0x00C0 && c <= 0x024F) ||
           (c >= 0x0400 && c <= 0x04FF);
}

static bool is_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}

static kp_status decode_line(const char *s, size_t len, line *out)
{
    size_t off = 0;

    out->n = 0;
    out->cp = malloc((len + 1) * sizeof *out->cp);
    if (!out->cp)
        return KP_ERR_NOMEM;
    while (off < len) {
        uint32_t c;

        off += kp_utf8_decode(s + off, len - off, &c);
        out->cp[out->n++] = fold(c);
    }
    return KP_OK;
}

/* Folded code points of a UTF-8 word into out (at most max). */
static size_t fold_word(const char *w, size_t len, uint32_t *out, size_t max)
{
    size_t off = 0, n = 0;

    while (off < len && n < max) {
        uint32_t c;

        off += kp_utf8_decode(w + off, len - off, &c);
        out[n++] = fold(c);
    }
    return n;
}

/* Does the word (folded; a space matches a run of spaces) start at l->cp[at]?
 * Returns the index just past it, or 0. */
static size_t match_at(const line *l, size_t at, const uint32_t *w, size_t wn)
{
    size_t i = at;

    for (size_t k = 0; k < wn; k++) {
        if (i >= l->n)
            return 0;
        if (w[k] == ' ') {
            if (l->cp[i] != ' ')
                return 0;
            while (i < l->n && l->cp[i] == ' ')
                i++;
            continue;
        }
        if (l->cp[i] != w[k])
            return 0;
        i++;
    }
    return i;
}

/* The end of the first whole-word occurrence of the word in the line, or 0. */
static size_t find_word(const line *l, const uint32_t *w, size_t wn)
{
    for (size_t at = 0; wn > 0 && at < l->n; at++) {
        size_t end;

        if (at > 0 && (is_letter(l->cp[at - 1]) || is_digit(l->cp[at - 1])))
            continue;
        end = match_at(l, at, w, wn);
        if (end && (end >= l->n || !is_letter(l->cp[end])))
            return end;
    }
    return 0;
}

static const char *const default_words[] = {
    "итого", "к оплате", "всего", "total", "барлығы", "жиыны", NULL
};

/* Calls the word test for each default and extra word; returns the largest end. */
static size_t total_word_end(const line *l, const char *extra)
{
    uint32_t w[64];
    size_t best = 0, end;

    for (size_t i = 0; default_words[i]; i++) {
        end = find_word(l, w, fold_word(default_words[i], strlen(default_words[i]), w, 64));
        if (end > best)
            best = end;
    }
    while (extra && *extra) {
        size_t len = strcspn(extra, ",");
        size_t start = 0;

        while (start < len && extra[start] == ' ')
            start++;
        while (len > start && extra[len - 1] == ' ')
            len--;
        if (len > start) {
            end = find_word(l, w, fold_word(extra + start, len - start, w, 64));
            if (end > best)
                best = end;
        }
        extra += strcspn(extra, ",");
        if (*extra == ',')
            extra++;
    }
    return best;
}

typedef struct sum {
    bool found;
    bool fractional;
    bool bad;          /* digits there, but not a sum we can read (or too large) */
    long long amount;
    size_t start;      /* where the sum begins in the line */
} sum;

/* Does the line end, before `end`, with the currency word w? Returns its start. */
static size_t strip_suffix(const line *l, size_t from, size_t end, const char *word)
{
    uint32_t w[16];
    size_t wn = fold_word(word, strlen(word), w, 16);

    if (end < from + wn)
        return end;
    for (size_t k = 0; k < wn; k++)
        if (l->cp[end - wn + k] != w[k])
            return end;
    if (end - wn > from && is_letter(l->cp[end - wn - 1]))
        return end;
    return end - wn;
}

static size_t skip_spaces_back(const line *l, size_t from, size_t end)
{
    while (end > from && l->cp[end - 1] == ' ')
        end--;
    return end;
}

static size_t digits_back(const line *l, size_t from, size_t end)
{
    size_t s = end;

    while (s > from && is_digit(l->cp[s - 1]))
        s--;
    return s;
}

static void add_digits(const line *l, size_t s, size_t e, long long *value, bool *overflow)
{
    for (size_t i = s; i < e; i++) {
        *value = *value * 10 + (long long)(l->cp[i] - '0');
        if (*value > KP_AMOUNT_MAX)
            *overflow = true, *value = KP_AMOUNT_MAX + 1LL;
    }
}

/* The integer part ending at `end`: digit groups, thousands after a single space. */
static size_t integer_back(const line *l, size_t from, size_t end, long long *value, bool *overflow)
{
    size_t s = digits_back(l, from, end), start = s;
    size_t group = end - s;

    while (group == 3 && start >= from + 2 && l->cp[start - 1] == ' ' &&
           is_digit(l->cp[start - 2])) {
        size_t p = digits_back(l, from, start - 1);

        if (start - 1 - p > 3)
            break;
        group = start - 1 - p;
        start = p;
    }
    *value = 0;
    for (size_t i = start; i < end; i++)
        if (is_digit(l->cp[i]))
            add_digits(l, i, i + 1, value, overflow);
    return start;
}

/* The sum at the end of the line, after position `from`. */
static sum sum_at_end(const line *l, size_t from)
{
    static const char *const currencies[] = { "₸", "тенге", "тг.", "тг", "kzt", "т.", NULL };
    sum r = { false, false, false, 0, 0 };
    size_t end = skip_spaces_back(l, from, l->n), s;
    bool overflow = false;

    for (size_t i = 0; currencies[i]; i++) {
        size_t e = strip_suffix(l, from, end, currencies[i]);
        if (e != end) {
            end = skip_spaces_back(l, from, e);
            break;
        }
    }
    s = digits_back(l, from, end);
    if (s == end)
        return r;
    r.found = true;
    if (s >= from + 2 && (l->cp[s - 1] == ',' || l->cp[s - 1] == '.') && is_digit(l->cp[s - 2])) {
        if (end - s > 2) {
            r.bad = true;  /* "1.500": a thousands dot or three decimals, not ours to guess */
            r.start = s;
            return r;
        }
        for (size_t i = s; i < end; i++)
            if (l->cp[i] != '0')
                r.fractional = true;
        end = s - 1;
    }
    r.start = integer_back(l, from, end, &r.amount, &overflow);
    if (overflow || r.amount < 1)
        r.bad = true;
    return r;
}

/* "KASPI-AMOUNT:" at the start of the line: the index after the colon, or 0. */
static size_t marker_end(const line *l)
{
    static const char marker[] = "kaspi-amount";
    size_t i = 0, k;

    while (i < l->n && l->cp[i] == ' ')
        i++;
    for (k = 0; marker[k]; k++, i++)
        if (i >= l->n || l->cp[i] != (uint32_t)marker[k])
            return 0;
    while (i < l->n && l->cp[i] == ' ')
        i++;
    if (i >= l->n || l->cp[i] != ':')
        return 0;
    return i + 1;
}

/* A marker's value is the whole rest of the line: nothing but the sum. */
static sum marker_sum(const line *l, size_t from)
{
    sum r = sum_at_end(l, from);
    size_t i = from;

    while (i < l->n && l->cp[i] == ' ')
        i++;
    if (!r.found || r.start != i)
        r.found = true, r.bad = true;
    return r;
}

typedef struct finding {
    int line;
    sum s;
} finding;

static void scan_line(const line *l, const char *extra, finding *marker, finding *total,
                      int *wordless)
{
    size_t m = marker_end(l), w;

    if (m) {
        marker->line = l->number;
        marker->s = marker_sum(l, m);
        return;
    }
    w = total_word_end(l, extra);
    if (!w)
        return;
    sum s = sum_at_end(l, w);
    if (!s.found) {
        *wordless = l->number;
        return;
    }
    total->line = l->number;
    total->s = s;
}

static kp_status judge(const finding *f, bool marker, kp_bill *bill, kp_error *err)
{
    const char *what = marker ? "the KASPI-AMOUNT line" : "the total line";

    bill->line = f->line;
    bill->from_marker = marker;
    if (f->s.bad) {
        bill->problem = KP_BILL_BAD_AMOUNT;
        return kp_error_set(err, KP_ERR_USAGE, "%s (line %d) has no amount that can be charged: "
                            "it must be whole tenge from 1 to 999 999 999", what, f->line);
    }
    if (f->s.fractional) {
        bill->problem = KP_BILL_FRACTIONAL;
        return kp_error_set(err, KP_ERR_USAGE, "%s (line %d) has tiyn in its sum: a Kaspi payment "
                            "is whole tenge, round the bill on the till", what, f->line);
    }
    bill->amount = f->s.amount;
    bill->problem = KP_BILL_OK;
    return KP_OK;
}

kp_status kp_bill_find_amount(const char *utf8, size_t len, const char *extra_words,
                              kp_bill *bill, kp_error *err)
{
    finding marker = { 0, { false, false, false, 0, 0 } }, total = marker;
    int wordless = 0, number = 0;
    size_t off = 0;

    while (off < len) {
        size_t n = 0;
        line l;

        while (off + n < len && utf8[off + n] != '\n' && utf8[off + n] != '\r')
            n++;
        if (decode_line(utf8 + off, n, &l) != KP_OK)
            return kp_error_set(err, KP_ERR_NOMEM, "out of memory reading the bill");
        l.number = ++number;
        scan_line(&l, extra_words, &marker, &total, &wordless);
        free(l.cp);
        off += n;
        if (off < len && utf8[off] == '\r' && off + 1 < len && utf8[off + 1] == '\n')
            off++;
        off++;
    }
    if (marker.line)
        return judge(&marker, true, bill, err);
    if (total.line)
        return judge(&total, false, bill, err);
    bill->problem = KP_BILL_NO_AMOUNT;
    if (wordless)
        return kp_error_set(err, KP_ERR_USAGE, "no amount in the bill: the total line (line %d) "
                            "has no sum after it; nothing was charged", wordless);
    return kp_error_set(err, KP_ERR_USAGE, "no amount in the bill: no KASPI-AMOUNT line and no "
                        "total line (ИТОГО, К ОПЛАТЕ, ВСЕГО, TOTAL, БАРЛЫҒЫ, ЖИЫНЫ); nothing "
                        "was charged");
}

/* ---- all together ---- */

static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r')
            return false;
    return true;
}

kp_status kp_bill_parse(const void *data, size_t len, const kp_bill_options *opt,
                        kp_bill *bill, kp_error *err)
{
    size_t max = opt && opt->max_size ? opt->max_size : KP_BILL_MAX;
    const char *charset = opt ? opt->charset : NULL;
    kp_buf stripped = KP_BUF_INIT;
    kp_status st;

    kp_buf_reset(&bill->text);
    bill->amount = 0;
    bill->line = bill->from_marker = 0;
    if (len > max) {
        bill->problem = KP_BILL_TOO_LARGE;
        return kp_error_set(err, KP_ERR_TOO_LARGE, "the bill is larger than %zu bytes; nothing "
                            "was charged", max);
    }
    if (kp_bill_strip_escpos(data, len, &stripped) != KP_OK)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory reading the bill");
    if (len == 0 || blank(kp_buf_str(&stripped), stripped.len)) {
        kp_buf_free(&stripped);
        bill->problem = KP_BILL_EMPTY;
        return kp_error_set(err, KP_ERR_USAGE, len == 0 ? "the print job is empty: no bill, "
                            "nothing was charged" : "the print job has no text, only printer "
                            "commands: nothing was charged");
    }
    if (!charset || !*charset || strcasecmp(charset, "auto") == 0)
        charset = kp_bill_detect_charset(kp_buf_str(&stripped), stripped.len);
    snprintf(bill->charset, sizeof bill->charset, "%s", charset);
    st = kp_bill_to_utf8(kp_buf_str(&stripped), stripped.len, charset, &bill->text, err);
    kp_buf_free(&stripped);
    if (st != KP_OK) {
        bill->problem = st == KP_ERR_SETUP ? KP_BILL_CHARSET : KP_BILL_TOO_LARGE;
        return st;
    }
    return kp_bill_find_amount(bill->text.data, bill->text.len, opt ? opt->extra_words : NULL,
                               bill, err);
}

kp_status kp_bill_read_fd(int fd, size_t max, kp_buf *out, kp_error *err)
{
    char chunk[65536];
    size_t total = 0;

    if (max == 0)
        max = KP_BILL_MAX;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return kp_error_set(err, KP_ERR_IO, "cannot read the print job: %s", strerror(errno));
        if (n == 0)
            return KP_OK;
        total += (size_t)n;
        if (total > max)
            return kp_error_set(err, KP_ERR_TOO_LARGE, "the bill is larger than %zu bytes; "
                                "nothing was charged", max);
        if (kp_buf_append(out, chunk, (size_t)n) != KP_OK)
            return kp_error_set(err, KP_ERR_NOMEM, "out of memory reading the print job");
    }
}

void kp_bill_format_amount(long long amount, char *out, size_t size)
{
    char digits[32];
    size_t n, o = 0;

    snprintf(digits, sizeof digits, "%lld", amount);
    n = strlen(digits);
    for (size_t i = 0; i < n && o + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0 && digits[0] != '-')
            out[o++] = ' ';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}
