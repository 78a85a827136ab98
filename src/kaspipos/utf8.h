/*
 * utf8.h: decoding and encoding UTF-8, shared by every room that measures,
 * wraps, transcodes or checks text.  Invalid sequences decode as U+FFFD and
 * advance one byte, so no input can stall a loop.
 */
#ifndef KASPIPOS_UTF8_H
#define KASPIPOS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KP_UTF8_REPLACEMENT 0xFFFDu

/* Decodes the code point at s[0..len) and returns the bytes it used (>= 1
 * when len > 0, 0 when len == 0). */
size_t kp_utf8_decode(const char *s, size_t len, uint32_t *cp);
/* Writes cp as UTF-8 into out (room for 4 bytes); returns the byte count. */
size_t kp_utf8_encode(uint32_t cp, char out[4]);
/* Number of code points (invalid bytes count one each). */
size_t kp_utf8_length(const char *s, size_t len);
bool kp_utf8_valid(const char *s, size_t len);

#ifdef __cplusplus
}
#endif
#endif
