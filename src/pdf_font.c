/*
 * pdf_font.c: which characters a TrueType font can draw, and the fallbacks
 * for those it cannot.  libharu draws a character missing from the font as
 * an invisible blank while still reporting it as text, so the renderer asks
 * here first.  The map read is the font's (3,1) or (0,x) cmap subtable in
 * format 4, the one libharu uses; characters beyond U+FFFF are never drawn.
 */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kaspipos/utf8.h"
#include "pdf_private.h"

#define FONT_FILE_MAX (32u * 1024u * 1024u)

static unsigned read16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }
static uint32_t read32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static kp_status read_font_file(const char *path, unsigned char **data, size_t *len, kp_error *err)
{
    FILE *f = fopen(path, "rb");
    kp_buf b;
    unsigned char chunk[16384];
    size_t n;

    if (!f)
        return kp_error_set(err, KP_ERR_SETUP, "cannot open font %s: %s", path, strerror(errno));
    kp_buf_init(&b, FONT_FILE_MAX);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (kp_buf_append(&b, chunk, n) != KP_OK) {
            fclose(f);
            kp_buf_free(&b);
            return kp_error_set(err, KP_ERR_SETUP, "font %s is over 32 MiB or out of memory", path);
        }
    }
    if (ferror(f)) {
        fclose(f);
        kp_buf_free(&b);
        return kp_error_set(err, KP_ERR_SETUP, "cannot read font %s", path);
    }
    fclose(f);
    *data = (unsigned char *)kp_buf_steal(&b, len);
    return KP_OK;
}

/* The offset and length of table `tag` in the font, or 0. */
static size_t find_table(const unsigned char *font, size_t len, const char *tag, size_t *tlen)
{
    if (len < 12)
        return 0;
    unsigned n = read16(font + 4);
    for (unsigned i = 0; i < n; i++) {
        size_t rec = 12 + (size_t)i * 16;
        if (rec + 16 > len)
            return 0;
        if (memcmp(font + rec, tag, 4) != 0)
            continue;
        uint32_t off = read32(font + rec + 8), l = read32(font + rec + 12);
        if (off >= len || l > len - off)
            return 0;
        *tlen = l;
        return off;
    }
    return 0;
}

/* A format 4 subtable inside cmap, preferring Windows Unicode BMP. */
static bool find_format4(const unsigned char *cmap, size_t len, size_t *off, size_t *sublen)
{
    int best = -1;
    if (len < 4)
        return false;
    unsigned n = read16(cmap + 2);
    for (unsigned i = 0; i < n; i++) {
        size_t rec = 4 + (size_t)i * 8;
        if (rec + 8 > len)
            break;
        unsigned platform = read16(cmap + rec), encoding = read16(cmap + rec + 2);
        uint32_t o = read32(cmap + rec + 4);
        if (o + 4 > len || read16(cmap + o) != 4)
            continue;
        int score = platform == 3 && encoding == 1 ? 2 : platform == 0 ? 1 : -1;
        if (score <= best)
            continue;
        size_t l = read16(cmap + o + 2);
        if (l < 16 || l > len - o)
            continue;
        best = score;
        *off = o;
        *sublen = l;
    }
    return best >= 0;
}

static bool format4_valid(const unsigned char *t, size_t len)
{
    size_t segs = read16(t + 6) / 2;
    return segs > 0 && 16 + segs * 8 <= len;
}

kp_status kpi_pdf_cmap_load(const char *path, kpi_pdf_cmap *cmap, kp_error *err)
{
    unsigned char *font;
    size_t len, tlen = 0, sub = 0, sublen = 0;
    kp_status st;

    memset(cmap, 0, sizeof *cmap);
    if ((st = read_font_file(path, &font, &len, err)) != KP_OK)
        return st;
    size_t off = find_table(font, len, "cmap", &tlen);
    if (off == 0 || !find_format4(font + off, tlen, &sub, &sublen) ||
        !format4_valid(font + off + sub, sublen)) {
        free(font);
        return kp_error_set(err, KP_ERR_SETUP,
                            "font %s is not a TrueType font with a Unicode map (cmap format 4)", path);
    }
    cmap->table = malloc(sublen);
    if (!cmap->table) {
        free(font);
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory reading font %s", path);
    }
    memcpy(cmap->table, font + off + sub, sublen);
    cmap->len = sublen;
    free(font);
    return KP_OK;
}

void kpi_pdf_cmap_free(kpi_pdf_cmap *cmap)
{
    free(cmap->table);
    cmap->table = NULL;
    cmap->len = 0;
}

bool kpi_pdf_cmap_has(const kpi_pdf_cmap *cmap, uint32_t cp)
{
    const unsigned char *t = cmap->table;
    if (!t || cp > 0xFFFF)
        return false;
    size_t segs = read16(t + 6) / 2;
    const unsigned char *ends = t + 14, *starts = ends + segs * 2 + 2;
    const unsigned char *deltas = starts + segs * 2, *ranges = deltas + segs * 2;
    for (size_t i = 0; i < segs; i++) {
        if (read16(ends + i * 2) < cp)
            continue;
        unsigned start = read16(starts + i * 2), delta = read16(deltas + i * 2);
        unsigned range = read16(ranges + i * 2);
        if (cp < start)
            return false;
        if (range == 0)
            return ((cp + delta) & 0xFFFF) != 0;
        size_t at = (size_t)(ranges + i * 2 - t) + range + 2 * (cp - start);
        if (at + 2 > cmap->len)
            return false;
        unsigned glyph = read16(t + at);
        return glyph != 0 && ((glyph + delta) & 0xFFFF) != 0;
    }
    return false;
}

/* The documented replacements, tried in this order when a character is missing. */
static const struct { uint32_t cp; const char *with; } FALLBACKS[] = {
    { 0x20B8, "тг" },
    { 0x04D8, "А" }, { 0x04D9, "а" }, { 0x0492, "Г" }, { 0x0493, "г" },
    { 0x049A, "К" }, { 0x049B, "к" }, { 0x04A2, "Н" }, { 0x04A3, "н" },
    { 0x04E8, "О" }, { 0x04E9, "о" }, { 0x04B0, "У" }, { 0x04B1, "у" },
    { 0x04AE, "У" }, { 0x04AF, "у" }, { 0x04BA, "Х" }, { 0x04BB, "х" },
    { 0x0406, "I" }, { 0x0456, "i" },
    { 0x00AB, "\"" }, { 0x00BB, "\"" }, { 0x201C, "\"" }, { 0x201D, "\"" }, { 0x201E, "\"" },
    { 0x2018, "'" }, { 0x2019, "'" }, { 0x201A, "'" },
    { 0x2010, "-" }, { 0x2011, "-" }, { 0x2012, "-" }, { 0x2013, "-" }, { 0x2014, "-" },
    { 0x2212, "-" }, { 0x2026, "..." }, { 0x2116, "N" },
    { 0x00A0, " " }, { 0x2007, " " }, { 0x2009, " " }, { 0x202F, " " },
};

static bool has_all(const kpi_pdf_cmap *cmap, const char *s)
{
    size_t len = strlen(s);
    while (len > 0) {
        uint32_t cp;
        size_t n = kp_utf8_decode(s, len, &cp);
        if (!kpi_pdf_cmap_has(cmap, cp))
            return false;
        s += n;
        len -= n;
    }
    return true;
}

static kp_status put_char(const kpi_pdf_cmap *cmap, uint32_t cp, kp_buf *out)
{
    char enc[4];
    if (kpi_pdf_cmap_has(cmap, cp))
        return kp_buf_append(out, enc, kp_utf8_encode(cp, enc));
    if (cp == 0x20B8 && cmap->tenge && has_all(cmap, cmap->tenge))
        return kp_buf_puts(out, cmap->tenge);
    for (size_t i = 0; i < sizeof FALLBACKS / sizeof FALLBACKS[0]; i++)
        if (FALLBACKS[i].cp == cp && has_all(cmap, FALLBACKS[i].with))
            return kp_buf_puts(out, FALLBACKS[i].with);
    const char *unknown = cmap->unknown ? cmap->unknown : "?";
    if (has_all(cmap, unknown))
        return kp_buf_puts(out, unknown);
    return KP_OK;
}

kp_status kpi_pdf_fit_text(const kpi_pdf_cmap *cmap, const char *text, kp_buf *out)
{
    size_t len = strlen(text);
    kp_status st = KP_OK;
    while (len > 0 && st == KP_OK) {
        uint32_t cp;
        size_t n = kp_utf8_decode(text, len, &cp);
        st = put_char(cmap, cp, out);
        text += n;
        len -= n;
    }
    return st;
}
