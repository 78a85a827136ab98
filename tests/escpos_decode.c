/* escpos_decode.c: reads ESC/POS back for the tests (see escpos_decode.h).
 * Deliberately written apart from the renderer: it uses iconv directly and
 * its own table of commands, so the two can disagree and a test can fail. */
#include "config.h"
#include "escpos_decode.h"

#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct decoder {
    const unsigned char *p;
    size_t len, pos;
    const kp_profile *profile;
    escpos_decoded *out;
    iconv_t cd;                 /* selected code page -> UTF-8 */
    bool selected;
    int scale_w, cells, line;
    bool font_b;
    int qr_stored_len;          /* -1: nothing stored */
    char qr_data[8192];
    int qr_cell, qr_level;
    int raster_w, raster_h;     /* a run of bands in progress */
} decoder;

static bool fail(decoder *d, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(d->out->error, sizeof d->out->error, "byte %zu: ", d->pos);
    va_start(ap, fmt);
    vsnprintf(d->out->error + n, sizeof d->out->error - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

static bool need(decoder *d, size_t n)
{
    return d->pos + n <= d->len;
}

static void flush_raster(decoder *d)
{
    if (d->raster_h > 0) {
        kp_buf_printf(&d->out->transcript, "[RASTER %dx%d]\n", d->raster_w, d->raster_h);
        d->out->rasters++;
        d->out->last_raster_width = d->raster_w;
        d->out->last_raster_height = d->raster_h;
    }
    d->raster_w = d->raster_h = 0;
}

static void marker(decoder *d, const char *fmt, ...)
{
    va_list ap;
    char line[9000];
    flush_raster(d);
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    kp_buf_puts(&d->out->transcript, line);
}

static int chars_per_line(decoder *d)
{
    return d->font_b ? d->profile->chars_per_line_font_b : d->profile->chars_per_line;
}

static bool text_byte(decoder *d, unsigned char b)
{
    char in[1] = { (char)b }, outb[8], *ip = in, *op = outb;
    size_t il = 1, ol = sizeof outb;

    if (!d->selected)
        return fail(d, "text byte 0x%02x before a code page was selected", b);
    if (b >= 0x80) {
        iconv(d->cd, NULL, NULL, NULL, NULL);
        if (iconv(d->cd, &ip, &il, &op, &ol) == (size_t)-1)
            return fail(d, "byte 0x%02x is not defined in %s", b, d->profile->code_page);
        kp_buf_append(&d->out->transcript, outb, sizeof outb - ol);
    } else {
        kp_buf_putc(&d->out->transcript, (char)b);
    }
    flush_raster(d);
    d->cells += d->scale_w;
    if (d->cells > d->out->widest_line)
        d->out->widest_line = d->cells;
    if (d->cells > chars_per_line(d))
        return fail(d, "line %d is %d cells wide, more than the %d the printer has",
                    d->line, d->cells, chars_per_line(d));
    return true;
}

static bool select_page(decoder *d, int n)
{
    if (n != d->profile->code_page_select)
        return fail(d, "code page %d selected, profile %s uses %d", n, d->profile->name,
                    d->profile->code_page_select);
    if (d->cd == (iconv_t)-1)
        d->cd = iconv_open("UTF-8", d->profile->code_page);
    if (d->cd == (iconv_t)-1)
        return fail(d, "iconv lacks %s", d->profile->code_page);
    d->selected = true;
    d->out->selects++;
    return true;
}

static bool in_range(decoder *d, const char *what, int v, int lo, int hi)
{
    if (v < lo || v > hi)
        return fail(d, "%s %d out of range %d..%d", what, v, lo, hi);
    return true;
}

/* ESC x ... */
static bool esc_command(decoder *d)
{
    unsigned char c;
    int n;

    if (!need(d, 2))
        return fail(d, "truncated ESC");
    c = d->p[d->pos + 1];
    if (c == '@') {
        d->pos += 2;
        d->selected = false;
        d->font_b = false;
        d->scale_w = 1;
        d->out->inits++;
        return true;
    }
    if (c == 0x1d) {                      /* ESC GS t n (Star) */
        if (!need(d, 4) || d->p[d->pos + 2] != 't')
            return fail(d, "unknown ESC GS command");
        if (d->profile->select_command != KP_PROFILE_SELECT_STAR)
            return fail(d, "ESC GS t sent to a printer selected with ESC t");
        n = d->p[d->pos + 3];
        d->pos += 4;
        return select_page(d, n);
    }
    if (c == 'p') {
        if (!need(d, 5))
            return fail(d, "truncated ESC p");
        if (d->p[d->pos + 2] > 1 && d->p[d->pos + 2] != '0' && d->p[d->pos + 2] != '1')
            return fail(d, "ESC p with drawer pin %d", d->p[d->pos + 2]);
        d->pos += 5;
        d->out->drawer_pulses++;
        marker(d, "[DRAWER]\n");
        return true;
    }
    if (!need(d, 3))
        return fail(d, "truncated ESC %c", c);
    n = d->p[d->pos + 2];
    d->pos += 3;
    switch (c) {
    case 't':
        if (d->profile->select_command != KP_PROFILE_SELECT_ESCPOS)
            return fail(d, "ESC t sent to a Star printer");
        return select_page(d, n);
    case 'E': if (n) d->out->bold_seen = true; return in_range(d, "ESC E", n, 0, 1);
    case '-': if (n) d->out->underline_seen = true; return in_range(d, "ESC -", n, 0, 2);
    case 'M':
        d->font_b = n == 1;
        d->out->font_b |= d->font_b;
        return in_range(d, "ESC M", n, 0, 1);
    case 'a':
        if (d->cells)
            return fail(d, "ESC a in the middle of a line");
        marker(d, "[ALIGN %d]\n", n);
        return in_range(d, "ESC a", n, 0, 2);
    case 'd':
        d->out->feeds++;
        marker(d, "[FEED %d]\n", n);
        return true;
    default:
        d->pos -= 3;
        return fail(d, "unknown command ESC 0x%02x", c);
    }
}

static bool gs_paren_k(decoder *d)
{
    size_t plen;
    const unsigned char *a;

    if (!need(d, 7))
        return fail(d, "truncated GS ( k");
    plen = d->p[d->pos + 3] | (size_t)d->p[d->pos + 4] << 8;
    if (plen < 3 || !need(d, 5 + plen))
        return fail(d, "GS ( k length %zu runs past the data", plen);
    a = d->p + d->pos + 5;
    if (a[0] != '1')
        return fail(d, "GS ( k for symbol cn=%d, not QR", a[0]);
    switch (a[1]) {
    case 'A':
        if (plen != 4 || a[2] != '2' || a[3] != 0)
            return fail(d, "GS ( k model is not 'model 2'");
        break;
    case 'C':
        if (plen != 3 || a[2] < 1 || a[2] > 16)
            return fail(d, "GS ( k module size bad");
        d->qr_cell = a[2];
        break;
    case 'E':
        if (plen != 3 || a[2] < '0' || a[2] > '3')
            return fail(d, "GS ( k error level bad");
        d->qr_level = a[2];
        break;
    case 'P':
        if (a[2] != '0' || plen - 3 > sizeof d->qr_data - 1 || plen == 3)
            return fail(d, "GS ( k store bad");
        memcpy(d->qr_data, a + 3, plen - 3);
        d->qr_data[plen - 3] = '\0';
        d->qr_stored_len = (int)(plen - 3);
        break;
    case 'Q':
        if (plen != 3 || a[2] != '0' || d->qr_stored_len < 0)
            return fail(d, "GS ( k print without data stored");
        d->out->qr_codes++;
        marker(d, "[QR cell=%d level=%c %s]\n", d->qr_cell, "LMQH"[d->qr_level - '0'], d->qr_data);
        d->qr_stored_len = -1;
        break;
    default:
        return fail(d, "GS ( k function %d unknown", a[1]);
    }
    d->pos += 5 + plen;
    return true;
}

static bool barcode_chars_ok(int m, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool digit = s[i] >= '0' && s[i] <= '9';
        if ((m >= 65 && m <= 68) || m == 70) {
            if (!digit)
                return false;
        } else if (s[i] < 0x20 || s[i] > 0x7E) {
            return false;
        }
    }
    if (m == 73 && (n < 2 || s[0] != '{' || !strchr("ABC", s[1])))
        return false;
    if (m == 70 && n % 2)
        return false;
    return true;
}

static bool gs_k(decoder *d)
{
    int m, n;
    if (!need(d, 4))
        return fail(d, "truncated GS k");
    m = d->p[d->pos + 2];
    n = d->p[d->pos + 3];
    if (m < 65 || m > 73)
        return fail(d, "GS k type %d is not function B", m);
    if (n == 0 || !need(d, 4 + (size_t)n))
        return fail(d, "GS k data length %d runs past the data", n);
    if (!barcode_chars_ok(m, d->p + d->pos + 4, (size_t)n))
        return fail(d, "GS k %d data not valid for its type", m);
    d->out->barcodes++;
    marker(d, "[BARCODE m=%d %.*s]\n", m, n, d->p + d->pos + 4);
    d->pos += 4 + (size_t)n;
    return true;
}

static bool gs_v0(decoder *d)
{
    int x, y;
    size_t k;
    if (!need(d, 8))
        return fail(d, "truncated GS v 0");
    if (d->p[d->pos + 2] != '0' || d->p[d->pos + 3] > 3)
        return fail(d, "GS v 0 with a bad mode");
    x = d->p[d->pos + 4] | d->p[d->pos + 5] << 8;
    y = d->p[d->pos + 6] | d->p[d->pos + 7] << 8;
    k = (size_t)x * (size_t)y;
    if (x < 1 || y < 1 || x * 8 > d->profile->dots_per_line + 7 || y > 2303)
        return fail(d, "GS v 0 of %d bytes x %d rows does not fit", x, y);
    if (!need(d, 8 + k))
        return fail(d, "GS v 0 says %zu data bytes, fewer follow", k);
    if (d->cells)
        return fail(d, "raster image in the middle of a text line");
    if (d->raster_h > 0 && d->raster_w != x * 8)
        flush_raster(d);
    d->raster_w = x * 8;
    d->raster_h += y;
    d->out->raster_bands++;
    d->pos += 8 + k;
    return true;
}

/* GS x ... */
static bool gs_command(decoder *d)
{
    unsigned char c;
    int n;

    if (!need(d, 2))
        return fail(d, "truncated GS");
    c = d->p[d->pos + 1];
    if (c == '(') return gs_paren_k(d);
    if (c == 'k') return gs_k(d);
    if (c == 'v') return gs_v0(d);
    if (c == 'L' || c == 'W') {
        if (!need(d, 4))
            return fail(d, "truncated GS %c", c);
        n = d->p[d->pos + 2] | d->p[d->pos + 3] << 8;
        if (n > d->profile->dots_per_line || (c == 'W' && n == 0))
            return fail(d, "GS %c %d is beyond the %d dots of the paper", c, n,
                        d->profile->dots_per_line);
        marker(d, "[AREA %c %d]\n", c, n);
        d->pos += 4;
        return true;
    }
    if (c == 'V') {
        if (!need(d, 4) || d->p[d->pos + 2] != 66)
            return fail(d, "GS V other than 66 (feed and cut)");
        if (!d->profile->cutter)
            return fail(d, "GS V sent to a printer without a cutter");
        d->pos += 4;
        d->out->cuts++;
        marker(d, "[CUT]\n");
        return true;
    }
    if (!need(d, 3))
        return fail(d, "truncated GS %c", c);
    n = d->p[d->pos + 2];
    d->pos += 3;
    switch (c) {
    case 'B': if (n) d->out->invert_seen = true; return in_range(d, "GS B", n, 0, 1);
    case '!':
        if ((n & 0x0F) > 7 || (n >> 4) > 7)
            return fail(d, "GS ! %d", n);
        if (n)
            d->out->size_seen = true;
        d->scale_w = (n >> 4) + 1;
        return true;
    case 'w': return in_range(d, "GS w", n, 2, 6);
    case 'h': return in_range(d, "GS h", n, 1, 255);
    case 'H': return in_range(d, "GS H", n, 0, 3);
    default:
        d->pos -= 3;
        return fail(d, "unknown command GS 0x%02x", c);
    }
}

static bool step(decoder *d)
{
    unsigned char b = d->p[d->pos];

    switch (b) {
    case 0x1b: return esc_command(d);
    case 0x1d: return gs_command(d);
    case 0x1c:
        if (!need(d, 2) || d->p[d->pos + 1] != '.')
            return fail(d, "unknown FS command");
        if (!d->profile->cancel_kanji)
            return fail(d, "FS . sent though the profile does not ask for it");
        d->pos += 2;
        return true;
    case '\n':
        flush_raster(d);
        kp_buf_putc(&d->out->transcript, '\n');
        d->cells = 0;
        d->line++;
        d->pos++;
        return true;
    default:
        if (b < 0x20 || b == 0x7F)
            return fail(d, "control byte 0x%02x in the text", b);
        d->pos++;
        return text_byte(d, b);
    }
}

bool escpos_decode(const char *bytes, size_t len, const kp_profile *profile, escpos_decoded *out)
{
    decoder d;
    bool ok = true;

    memset(out, 0, sizeof *out);
    kp_buf_init(&out->transcript, 0);
    memset(&d, 0, sizeof d);
    d.p = (const unsigned char *)bytes;
    d.len = len;
    d.profile = profile;
    d.out = out;
    d.cd = (iconv_t)-1;
    d.scale_w = 1;
    d.line = 1;
    d.qr_stored_len = -1;
    if (len < 2 || bytes[0] != 0x1b || bytes[1] != '@')
        ok = fail(&d, "the stream does not start with ESC @");
    while (ok && d.pos < len)
        ok = step(&d);
    flush_raster(&d);
    if (ok && d.cells)
        ok = fail(&d, "the last line has no LF: the printer would not print it");
    if (d.cd != (iconv_t)-1)
        iconv_close(d.cd);
    return ok;
}

void escpos_decoded_free(escpos_decoded *d)
{
    kp_buf_free(&d->transcript);
}
