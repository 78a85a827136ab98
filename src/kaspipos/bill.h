/*
 * bill.h: the bill room: reading the amount to charge from a bill that a
 * legacy till printed (the kaspi CUPS backend's input).
 *
 * A bill is what the till sends to its receipt printer: text in UTF-8, CP866
 * or CP1251, often with ESC/POS commands mixed in.  Reading one takes four
 * steps, each usable on its own:
 *
 *   1. strip the printer commands (ESC, GS, FS and DLE sequences with their
 *      parameter bytes, raster and bit-image data, barcodes), keeping text,
 *      line feeds and carriage returns;
 *   2. find the encoding (valid UTF-8 wins; otherwise CP866 or CP1251,
 *      whichever reads as more Cyrillic letters), unless one is named;
 *   3. convert to UTF-8 with iconv (an undecodable byte becomes U+FFFD);
 *   4. find the amount: the last line `KASPI-AMOUNT: N` if there is one,
 *      else the sum at the end of the LAST total line (ИТОГО, К ОПЛАТЕ,
 *      ВСЕГО, TOTAL, БАРЛЫҒЫ, ЖИЫНЫ and any extra words, in any letter case).
 *
 * A sum may group thousands with spaces, no-break or thin spaces, end in
 * ",00" or ".00", be right-aligned behind dot leaders, and be followed by
 * ₸, тг or KZT.  A sum with tiyn (",50") is refused: a payment is whole
 * tenge.  Every refusal says why and which line, and carries a kp_bill_problem
 * so a program can tell them apart.
 */
#ifndef KASPIPOS_BILL_H
#define KASPIPOS_BILL_H

#include <stddef.h>
#include "kaspipos/buf.h"
#include "kaspipos/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KP_BILL_MAX (1024u * 1024u)  /* a bill is at most 1 MiB */

typedef enum kp_bill_problem {
    KP_BILL_OK = 0,
    KP_BILL_EMPTY,        /* no bytes, or nothing but commands and blanks */
    KP_BILL_TOO_LARGE,    /* over the size bound */
    KP_BILL_CHARSET,      /* the named encoding is unknown to iconv */
    KP_BILL_NO_AMOUNT,    /* no KASPI-AMOUNT line and no total line with a sum */
    KP_BILL_FRACTIONAL,   /* the sum has tiyn (e.g. 1 500,50) */
    KP_BILL_BAD_AMOUNT    /* zero, too large, or a KASPI-AMOUNT that is not a number */
} kp_bill_problem;

typedef struct kp_bill_options {
    const char *charset;      /* NULL or "auto": detect; else an iconv name (CP866, ...) */
    const char *extra_words;  /* more total words, separated by commas; NULL: none */
    size_t max_size;          /* 0: KP_BILL_MAX */
} kp_bill_options;

typedef struct kp_bill {
    long long amount;          /* whole tenge, 1..999999999, when problem is KP_BILL_OK */
    kp_bill_problem problem;
    char charset[32];          /* the encoding used: "UTF-8", "CP866", "CP1251", or as named */
    int line;                  /* 1-based line the amount came from (0: none) */
    int from_marker;           /* 1 when it came from a KASPI-AMOUNT line */
    kp_buf text;               /* the bill as UTF-8 text, commands stripped */
} kp_bill;

void kp_bill_init(kp_bill *bill);
void kp_bill_clear(kp_bill *bill);

/* All four steps.  KP_OK with bill->amount, or an error (KP_ERR_USAGE for a
 * bill without a usable amount, KP_ERR_TOO_LARGE, KP_ERR_SETUP for an
 * unknown charset) with bill->problem saying which. */
kp_status kp_bill_parse(const void *data, size_t len, const kp_bill_options *opt,
                        kp_bill *bill, kp_error *err);

/* Step 1: appends the text of data, ESC/POS commands removed, to out.
 * Other control bytes are dropped, TAB and FF become a space and a line feed. */
kp_status kp_bill_strip_escpos(const void *data, size_t len, kp_buf *out);

/* Step 2: "UTF-8", "CP866" or "CP1251" (text without Cyrillic: "UTF-8"). */
const char *kp_bill_detect_charset(const char *text, size_t len);

/* Step 3: appends text, read in charset, to out as UTF-8. */
kp_status kp_bill_to_utf8(const char *text, size_t len, const char *charset, kp_buf *out,
                          kp_error *err);

/* Step 4: finds the amount in UTF-8 text (see above).  Fills amount, line,
 * from_marker and problem. */
kp_status kp_bill_find_amount(const char *utf8, size_t len, const char *extra_words,
                              kp_bill *bill, kp_error *err);

/* Reads a whole job from fd, at most max bytes (0: KP_BILL_MAX), appending
 * to out.  KP_ERR_TOO_LARGE beyond, KP_ERR_IO when reading fails. */
kp_status kp_bill_read_fd(int fd, size_t max, kp_buf *out, kp_error *err);

/* "1 500" (no-break-free, plain spaces between thousands) into out[32]. */
void kp_bill_format_amount(long long amount, char *out, size_t size);

#ifdef __cplusplus
}
#endif
#endif
