/*
 * chequetoescpos.c: the CUPS filter from a Kaspi cheque (a saved cheque, a
 * bare terminal status response, or a "payment declined" slip) to ESC/POS
 * printer commands, per filter(7):
 *
 *   chequetoescpos job user title copies options [file]
 *
 * Options (Template, Language, Profile, Cut, CashDrawer, Logo, the roll
 * width) come from the queue's PPD and the job; see filter_common.h.
 */
#include "config.h"
#include "filter_common.h"

int main(int argc, char **argv)
{
    return kp_filter_main(argc, argv, KP_RECEIPT_FORMAT_ESCPOS);
}
