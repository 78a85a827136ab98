/* pdf_sample.h: a hand-built receipt layout for the PDF tests (the parser
 * that makes layouts lives in another room). */
#ifndef KP_TESTS_PDF_SAMPLE_H
#define KP_TESTS_PDF_SAMPLE_H
#include "kaspipos/layout.h"

/* A receipt of `cpl` columns with Kazakh letters, ₸, Cyrillic, bold,
 * inverted, underlined and double-size text, a bordered table, a rule, a
 * QR code, a CODE128 barcode, a command and a cut. */
kp_layout *pdf_sample_layout(int cpl);
/* An empty layout to add rows to. */
kp_layout *pdf_sample_new(int cpl);
kp_row *pdf_sample_add_row(kp_layout *l, kp_row_kind kind);
void pdf_sample_add_span(kp_row *row, int column, const char *text, kp_style style);
void pdf_sample_free(kp_layout *l);
kp_style pdf_sample_plain(void);
#endif
