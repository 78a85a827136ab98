/* codepage.c: UTF-8 to single-byte printer code pages with fallbacks (see
 * kaspipos/codepage.h).  iconv builds the code page's table once, when the
 * object is made; encoding is then table lookups with no iconv call. */
#include "config.h"
#include "kaspipos/codepage.h"
#include "kaspipos/utf8.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HIGH_BYTES 128

typedef struct byte_for_cp {
    uint32_t cp;
    unsigned char byte;
} byte_for_cp;

struct kp_codepage {
    char name[16];
    uint32_t high_cp[HIGH_BYTES];          /* byte 0x80+i decodes to; 0: undefined */
    byte_for_cp reverse[HIGH_BYTES];       /* sorted by cp, for encoding */
    unsigned char cyrillic[256];           /* U+0400..U+04FF: byte, 0 if none */
    size_t n_reverse;
    char tenge[KP_CODEPAGE_MAX_SEQ];       /* encoded fallback for ₸ */
    size_t tenge_len;
};

static const char *const supported[] = { "CP866", "RK1048", "PT154", "CP1251" };

static const char *canonical_name(const char *name)
{
    for (size_t i = 0; name && i < sizeof supported / sizeof supported[0]; i++)
        if (strcasecmp(name, supported[i]) == 0)
            return supported[i];
    return NULL;
}

bool kp_codepage_supported(const char *name)
{
    return canonical_name(name) != NULL;
}

/* Decodes the 128 high bytes through iconv in as few calls as the code page
 * allows: a byte iconv refuses is marked undefined and skipped. */
static void decode_high_bytes(iconv_t cd, uint32_t *cps)
{
    char in[HIGH_BYTES];
    unsigned char out[HIGH_BYTES * 4];
    size_t done = 0;

    for (int i = 0; i < HIGH_BYTES; i++)
        in[i] = (char)(0x80 + i);
    while (done < HIGH_BYTES) {
        char *ip = in + done, *op = (char *)out + done * 4;
        size_t il = HIGH_BYTES - done, ol = (HIGH_BYTES - done) * 4;
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        size_t converted = (size_t)(ip - (in + done));

        /* A single-byte code page gives one UTF-32 unit per byte. */
        if ((size_t)(op - ((char *)out + done * 4)) != converted * 4)
            converted = 0;
        for (size_t k = 0; k < converted; k++) {
            const unsigned char *u = out + (done + k) * 4;
            cps[done + k] = (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 |
                            (uint32_t)u[3] << 24;
        }
        done += converted;
        if ((r == (size_t)-1 || converted == 0) && done < HIGH_BYTES) {
            cps[done++] = 0;          /* undefined in this code page */
            iconv(cd, NULL, NULL, NULL, NULL);
        }
    }
}

static int compare_reverse(const void *a, const void *b)
{
    const byte_for_cp *x = a, *y = b;
    return x->cp < y->cp ? -1 : x->cp > y->cp;
}

static kp_status build_tables(kp_codepage *cp, kp_error *err)
{
    iconv_t cd = iconv_open("UTF-32LE", cp->name);

    if (cd == (iconv_t)-1)
        return kp_error_set(err, KP_ERR_SETUP,
                            "code page %s is not available in this system's iconv", cp->name);
    decode_high_bytes(cd, cp->high_cp);
    iconv_close(cd);
    for (int i = 0; i < HIGH_BYTES; i++) {
        uint32_t c = cp->high_cp[i];
        /* C1 controls and anything below space are never printed. */
        if (c < 0xA0 && c != 0)
            c = 0;
        cp->high_cp[i] = c;
        if (c) {
            cp->reverse[cp->n_reverse].cp = c;
            cp->reverse[cp->n_reverse].byte = (unsigned char)(0x80 + i);
            cp->n_reverse++;
        }
    }
    qsort(cp->reverse, cp->n_reverse, sizeof cp->reverse[0], compare_reverse);
    return KP_OK;
}

/* The byte for c when the code page has it, else 0. */
static unsigned char native_byte(const kp_codepage *cp, uint32_t c)
{
    size_t lo = 0, hi = cp->n_reverse;

    if (c >= 0x20 && c < 0x7F)
        return (unsigned char)c;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp->reverse[mid].cp == c)
            return cp->reverse[mid].byte;
        if (cp->reverse[mid].cp < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

bool kp_codepage_has(kp_codepage *cp, uint32_t c)
{
    return native_byte(cp, c) != 0;
}

/* Kazakh letters missing from CP866/CP1251: the nearest Russian or Latin one. */
static uint32_t kazakh_fallback(uint32_t c)
{
    switch (c) {
    case 0x04D8: return 0x0410; case 0x04D9: return 0x0430;   /* Ә ә → А а */
    case 0x0492: return 0x0413; case 0x0493: return 0x0433;   /* Ғ ғ → Г г */
    case 0x049A: return 0x041A; case 0x049B: return 0x043A;   /* Қ қ → К к */
    case 0x04A2: return 0x041D; case 0x04A3: return 0x043D;   /* Ң ң → Н н */
    case 0x04E8: return 0x041E; case 0x04E9: return 0x043E;   /* Ө ө → О о */
    case 0x04B0: case 0x04AE: return 0x0423;                  /* Ұ Ү → У */
    case 0x04B1: case 0x04AF: return 0x0443;                  /* ұ ү → у */
    case 0x04BA: return 0x0425; case 0x04BB: return 0x0445;   /* Һ һ → Х х */
    case 0x0406: return 'I'; case 0x0456: return 'i';         /* І і → I i */
    default: return 0;
    }
}

/* Typography and symbols to ASCII; NULL when there is no such fallback. */
static const char *ascii_fallback(uint32_t c)
{
    if (c == 0x2018 || c == 0x2019 || c == 0x201A || c == 0x201B || c == 0x2032)
        return "'";
    if (c == 0x201C || c == 0x201D || c == 0x201E || c == 0x201F || c == 0x00AB ||
        c == 0x00BB || c == 0x2033)
        return "\"";
    if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0x00AD)
        return "-";
    if (c == 0x00A0 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F ||
        c == 0x3000)
        return " ";
    if ((c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF)
        return "";
    if (c == 0x2026)
        return "...";
    if (c == 0x2116)
        return "N";
    if (c == 0x2022 || c == 0x00B7 || c == 0x2219)
        return "*";
    if (c == 0x00D7)
        return "x";
    if (c >= 0x2500 && c <= 0x257F) {          /* box drawing */
        if (c == 0x2500 || c == 0x2501 || c == 0x2550)
            return "-";
        if (c == 0x2502 || c == 0x2503 || c == 0x2551)
            return "|";
        return "+";
    }
    return NULL;
}

/* Encodes an ASCII/UTF-8 fallback string; returns bytes written. */
static size_t encode_simple(const kp_codepage *cp, const char *s, char *out)
{
    size_t n = 0, len = strlen(s), off = 0;
    uint32_t c;

    while (off < len && n < KP_CODEPAGE_MAX_SEQ) {
        unsigned char b;
        off += kp_utf8_decode(s + off, len - off, &c);
        b = native_byte(cp, c);
        out[n++] = b ? (char)b : KP_CODEPAGE_REPLACEMENT;
    }
    return n;
}

/* The fast table for U+0400..U+04FF: every letter that encodes as one byte,
 * natively or through its Kazakh fallback. */
static void fill_cyrillic(kp_codepage *cp)
{
    for (uint32_t c = 0x400; c <= 0x4FF; c++) {
        char seq[KP_CODEPAGE_MAX_SEQ];
        if (kp_codepage_encode_char(cp, c, seq) == 1 && seq[0] != KP_CODEPAGE_REPLACEMENT)
            cp->cyrillic[c - 0x400] = (unsigned char)seq[0];
    }
}

size_t kp_codepage_encode_char(kp_codepage *cp, uint32_t c, char *out)
{
    unsigned char b = native_byte(cp, c);
    const char *ascii;
    uint32_t sub;

    if (b) {
        out[0] = (char)b;
        return 1;
    }
    if ((sub = kazakh_fallback(c)) != 0 && (b = native_byte(cp, sub)) != 0) {
        out[0] = (char)b;
        return 1;
    }
    if (c == 0x20B8) {
        memcpy(out, cp->tenge, cp->tenge_len);
        return cp->tenge_len;
    }
    if ((ascii = ascii_fallback(c)) != NULL)
        return encode_simple(cp, ascii, out);
    out[0] = KP_CODEPAGE_REPLACEMENT;
    return 1;
}

/* The tenge fallback, encoded once: the profile's text if every character
 * of it is in the code page, else "KZT". */
static void set_tenge(kp_codepage *cp, const char *tenge)
{
    size_t len = strlen(tenge), off = 0, n = 0;
    uint32_t c;

    while (off < len) {
        unsigned char b;
        off += kp_utf8_decode(tenge + off, len - off, &c);
        b = native_byte(cp, c);
        if (!b || n == KP_CODEPAGE_MAX_SEQ) {
            n = 0;
            break;
        }
        cp->tenge[n++] = (char)b;
    }
    if (n == 0) {
        memcpy(cp->tenge, "KZT", 3);
        n = 3;
    }
    cp->tenge_len = n;
}

kp_status kp_codepage_new(const char *name, const char *tenge, kp_codepage **out, kp_error *err)
{
    const char *canon = canonical_name(name);
    kp_codepage *cp;
    kp_status st;

    *out = NULL;
    if (!canon)
        return kp_error_set(err, KP_ERR_USAGE,
                            "unknown code page \"%s\": use CP866, RK1048, PT154 or CP1251",
                            name ? name : "");
    cp = calloc(1, sizeof *cp);
    if (!cp)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    strcpy(cp->name, canon);
    st = build_tables(cp, err);
    if (st != KP_OK) {
        free(cp);
        return st;
    }
    set_tenge(cp, tenge && *tenge ? tenge : KP_CODEPAGE_TENGE_DEFAULT);
    fill_cyrillic(cp);
    *out = cp;
    return KP_OK;
}

void kp_codepage_free(kp_codepage *cp)
{
    free(cp);
}

const char *kp_codepage_name(const kp_codepage *cp)
{
    return cp->name;
}

/* The encoder writes straight into the buffer, keeping room for what is
 * left of the input (one byte out per byte in); only a fallback longer than
 * its UTF-8 (₸ → "тг" is not, "…" → "..." is not, a long tenge text may be)
 * asks the buffer for more. */
kp_status kp_codepage_encode(kp_codepage *cp, const char *text, size_t len, kp_buf *out)
{
    const unsigned char *u = (const unsigned char *)text;
    const unsigned char *cyrillic = cp->cyrillic;
    size_t off = 0, pos;
    char *d;                  /* out->data, kept in a local: stores to it cannot move it */
    kp_status st;

    if ((st = kp_buf_reserve(out, len)) != KP_OK)
        return st;
    pos = out->len;
    d = out->data;
    while (off < len) {
        unsigned char b = u[off];
        char seq[KP_CODEPAGE_MAX_SEQ];
        size_t used, n;
        uint32_t c;

        if (b >= 0x20 && b < 0x7F) {                       /* ASCII */
            d[pos++] = (char)b;
            off++;
            continue;
        }
        if (b >= 0xD0 && b <= 0xD3 && off + 1 < len && (u[off + 1] & 0xC0) == 0x80) {
            unsigned char native = cyrillic[((b & 0x03) << 6) | (u[off + 1] & 0x3F)];
            if (native) {                  /* Cyrillic, or Kazakh through its fallback */
                d[pos++] = (char)native;
                off += 2;
                continue;
            }
        }
        used = kp_utf8_decode(text + off, len - off, &c);
        off += used;
        n = kp_codepage_encode_char(cp, c, seq);
        if (n > used) {
            out->len = pos;
            if ((st = kp_buf_reserve(out, (len - off) + n)) != KP_OK)
                return st;
            d = out->data;
        }
        memcpy(d + pos, seq, n);
        pos += n;
    }
    out->len = pos;
    d[pos] = '\0';
    return KP_OK;
}

kp_status kp_codepage_decode(kp_codepage *cp, const char *bytes, size_t len, kp_buf *out)
{
    kp_status st = KP_OK;

    for (size_t i = 0; i < len && st == KP_OK; i++) {
        unsigned char b = (unsigned char)bytes[i];
        uint32_t c = b < 0x80 ? b : cp->high_cp[b - 0x80];
        char enc[4];
        if (c == 0 || (c < 0x20) || c == 0x7F)
            c = KP_UTF8_REPLACEMENT;
        st = kp_buf_append(out, enc, kp_utf8_encode(c, enc));
    }
    return st;
}
