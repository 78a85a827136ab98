/*
 * fuzz_bill.c: libFuzzer target for the backend's bill reader: a print job
 * from a legacy till (any bytes: UTF-8, CP866 or CP1251 text with or without
 * ESC/POS commands) to the amount to charge.  The first byte picks the
 * charset option and whether extra total words are configured.
 * needs: src/bill.c
 */
#include "config.h"
#include "kaspipos/bill.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const charsets[] = { NULL, "auto", "CP866", "CP1251", "UTF-8", "KOI8-R" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kp_bill_options opt;
    kp_bill bill;
    kp_error err = { 0 };
    char formatted[32];

    if (size < 1)
        return 0;
    memset(&opt, 0, sizeof opt);
    opt.charset = charsets[data[0] % (sizeof charsets / sizeof charsets[0])];
    opt.extra_words = (data[0] & 0x80) ? "К ВЫДАЧЕ,SUMMA,ИТОГ ПО ЧЕКУ" : NULL;
    kp_bill_init(&bill);
    if (kp_bill_parse(data + 1, size - 1, &opt, &bill, &err) == KP_OK) {
        kp_bill_format_amount(bill.amount, formatted, sizeof formatted);
        if (bill.amount < 1 || bill.amount > 999999999LL)
            __builtin_trap();    /* the contract: a charge is 1..999999999 tenge */
    }
    kp_bill_clear(&bill);
    return 0;
}
