/*
 * kp-escpos-decode.c: the shell tests' ESC/POS reader.
 *   kp-escpos-decode FILE PROFILE
 * Decodes FILE (ESC/POS bytes printed on PROFILE, from $KASPI_PROFILES) with
 * tests/escpos_decode.c and prints the transcript (UTF-8 text and [CUT],
 * [DRAWER], [QR ...] markers) on stdout with trailing spaces trimmed, then a
 * summary line "# cuts=N drawer=N qr=N" on stderr.  Exit 1 when the stream
 * is not well formed, with the decoder's reason.
 */
#include "config.h"
#include "escpos_decode.h"
#include "kaspipos/buf.h"
#include "kaspipos/journal.h"
#include "kaspipos/profile.h"

#include <stdio.h>
#include <string.h>

#define MAX_INPUT (4u * 1024u * 1024u)

/* Prints the transcript line by line without trailing spaces. */
static void print_trimmed(const char *text, size_t len)
{
    size_t start = 0;

    while (start < len) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len, cut = end;

        while (cut > start && text[cut - 1] == ' ')
            cut--;
        fwrite(text + start, 1, cut - start, stdout);
        putchar('\n');
        start = end + 1;
    }
}

int main(int argc, char **argv)
{
    kp_profile_set *set = NULL;
    const kp_profile *profile;
    kp_buf data;
    kp_error err = { 0 };
    escpos_decoded d;
    bool ok;

    if (argc != 3) {
        fprintf(stderr, "usage: kp-escpos-decode FILE PROFILE\n");
        return 2;
    }
    kp_buf_init(&data, MAX_INPUT);
    if (kp_journal_read_file(argv[1], MAX_INPUT, &data, &err) != KP_OK || kp_profile_load(NULL, &set, &err) != KP_OK
        || kp_profile_get(set, argv[2], &profile, &err) != KP_OK) {
        fprintf(stderr, "kp-escpos-decode: %s\n", err.message);
        kp_buf_free(&data);
        kp_profile_set_free(set);
        return 1;
    }
    ok = escpos_decode(data.data ? data.data : "", data.len, profile, &d);
    if (ok) {
        print_trimmed(d.transcript.data ? d.transcript.data : "", d.transcript.len);
        fprintf(stderr, "# cuts=%d drawer=%d qr=%d\n", d.cuts, d.drawer_pulses, d.qr_codes);
    } else {
        fprintf(stderr, "kp-escpos-decode: %s: %s\n", argv[1], d.error);
    }
    escpos_decoded_free(&d);
    kp_profile_set_free(set);
    kp_buf_free(&data);
    return ok ? 0 : 1;
}
