/*
 * escpos_decode.h: a test helper (not part of the library) that reads
 * ESC/POS bytes back, command by command.  It knows every command the
 * renderer sends and fails on anything else, decodes text through iconv
 * with the code page the stream selected, and checks that each command is
 * well formed: lengths of GS ( k, GS k and GS v 0 against their data, and
 * that no printed line is wider than the profile's characters per line
 * (counting GS ! width scaling and the font chosen with ESC M).
 */
#ifndef TESTS_ESCPOS_DECODE_H
#define TESTS_ESCPOS_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include "kaspipos/buf.h"
#include "kaspipos/profile.h"

typedef struct escpos_decoded {
    /* UTF-8 transcript: the printed text, one line per LF (trailing spaces
     * kept), and marker lines: [CUT], [FEED n], [DRAWER],
     * [QR cell=N level=L DATA], [BARCODE m=N DATA], [RASTER WxH] (W in dots,
     * one marker per run of bands), [ALIGN n], [AREA left width]. */
    kp_buf transcript;
    int inits, selects, cuts, feeds, drawer_pulses;
    int qr_codes, barcodes, rasters, raster_bands;
    int last_raster_width, last_raster_height;   /* dots */
    int widest_line;            /* cells */
    bool bold_seen, underline_seen, invert_seen, size_seen, font_b;
    char error[256];            /* why decoding failed */
} escpos_decoded;

/* Decodes `len` bytes printed on `profile`.  Returns true when the stream
 * is well formed; else false with `error` saying where and why.  Free with
 * escpos_decoded_free(). */
bool escpos_decode(const char *bytes, size_t len, const kp_profile *profile, escpos_decoded *out);
void escpos_decoded_free(escpos_decoded *d);

#endif
