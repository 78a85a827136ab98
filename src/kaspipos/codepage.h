/*
 * codepage.h: UTF-8 text to a receipt printer's single-byte code page.
 *
 * A kp_codepage turns UTF-8 into the bytes of one code page (glibc iconv
 * names: CP866, RK1048, PT154, CP1251), character by character, with
 * fallbacks for what the code page lacks.  The fallbacks, in order:
 *
 *   1. the character itself, when the code page has it;
 *   2. Kazakh letters to their nearest Russian/Latin letter:
 *      Ә→А Ғ→Г Қ→К Ң→Н Ө→О Ұ→У Ү→У Һ→Х І→I (and the lowercase ones);
 *   3. the tenge sign ₸ (U+20B8) to the profile's fallback text ("тг" by
 *      default; "KZT" if the fallback itself cannot be encoded): never '?';
 *   4. typography to ASCII: quotes ‘ ’ ‚ ‛ → ', “ ” „ « » → ", dashes and
 *      the minus sign → -, no-break and other spaces → space, … → "...",
 *      № → "N", bullet → *, box drawing → - | +, soft hyphen → -;
 *      zero-width characters (U+200B..U+200D, U+2060, U+FEFF) → nothing;
 *   5. anything else (including control characters and invalid UTF-8) → '?'.
 *
 * The output never contains a byte below 0x20 or 0x7F, so encoded text can
 * never become a printer command.  Encoding is table driven: ASCII is
 * copied, and every other code point is looked up in a per-object cache
 * filled on first use, so iconv runs at most once per distinct character.
 * The object holds its own iconv descriptor and cache (no global state); it
 * is not thread-safe, use one per thread.
 */
#ifndef KASPIPOS_CODEPAGE_H
#define KASPIPOS_CODEPAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kaspipos/buf.h"
#include "kaspipos/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The replacement for a character with no fallback. */
#define KP_CODEPAGE_REPLACEMENT '?'
/* Longest byte sequence one character can become. */
#define KP_CODEPAGE_MAX_SEQ 16
/* The default tenge fallback (UTF-8). */
#define KP_CODEPAGE_TENGE_DEFAULT "\xD1\x82\xD0\xB3" /* "тг" */

typedef struct kp_codepage kp_codepage;

/* True when `name` is a code page this room supports (CP866, RK1048,
 * PT154, CP1251; case-insensitive). */
bool kp_codepage_supported(const char *name);

/* Opens an encoder for code page `name`; `tenge` is the UTF-8 fallback for
 * ₸ (NULL: "тг"). */
kp_status kp_codepage_new(const char *name, const char *tenge, kp_codepage **out, kp_error *err);
void kp_codepage_free(kp_codepage *cp);
/* The canonical iconv name ("CP866", ...). */
const char *kp_codepage_name(const kp_codepage *cp);

/* Writes the bytes for one code point into out (room for
 * KP_CODEPAGE_MAX_SEQ bytes) and returns how many (0 for zero-width). */
size_t kp_codepage_encode_char(kp_codepage *cp, uint32_t c, char *out);
/* True when the code page has the character itself (no fallback). */
bool kp_codepage_has(kp_codepage *cp, uint32_t c);

/* Appends the encoding of `len` bytes of UTF-8 text to out. */
kp_status kp_codepage_encode(kp_codepage *cp, const char *text, size_t len, kp_buf *out);

/* Decodes code-page bytes back to UTF-8 (for tests and previews): appends
 * to out; bytes the code page does not define become U+FFFD. */
kp_status kp_codepage_decode(kp_codepage *cp, const char *bytes, size_t len, kp_buf *out);

#ifdef __cplusplus
}
#endif
#endif
