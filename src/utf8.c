/* utf8.c: UTF-8 decoding and encoding (see kaspipos/utf8.h). */
#include "config.h"
#include "kaspipos/utf8.h"

static size_t sequence_length(unsigned char lead, uint32_t *initial, uint32_t *min)
{
    if (lead < 0x80) { *initial = lead; *min = 0; return 1; }
    if ((lead & 0xE0) == 0xC0) { *initial = lead & 0x1F; *min = 0x80; return 2; }
    if ((lead & 0xF0) == 0xE0) { *initial = lead & 0x0F; *min = 0x800; return 3; }
    if ((lead & 0xF8) == 0xF0) { *initial = lead & 0x07; *min = 0x10000; return 4; }
    return 0;
}

size_t kp_utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t value, min;
    size_t need, i;

    if (len == 0)
        return 0;
    need = sequence_length(u[0], &value, &min);
    if (need == 0 || need > len)
        goto invalid;
    for (i = 1; i < need; i++) {
        if ((u[i] & 0xC0) != 0x80)
            goto invalid;
        value = (value << 6) | (u[i] & 0x3F);
    }
    if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
        goto invalid;
    *cp = value;
    return need;
invalid:
    *cp = KP_UTF8_REPLACEMENT;
    return 1;
}

size_t kp_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = KP_UTF8_REPLACEMENT;
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t kp_utf8_length(const char *s, size_t len)
{
    size_t count = 0, used;
    uint32_t cp;

    while (len > 0) {
        used = kp_utf8_decode(s, len, &cp);
        s += used;
        len -= used;
        count++;
    }
    return count;
}

bool kp_utf8_valid(const char *s, size_t len)
{
    size_t used;
    uint32_t cp;

    while (len > 0) {
        used = kp_utf8_decode(s, len, &cp);
        if (cp == KP_UTF8_REPLACEMENT && used == 1)
            return false;   /* a real U+FFFD takes three bytes */
        s += used;
        len -= used;
    }
    return true;
}
