/*
 * profile.h: named receipt printer profiles (width, code page, abilities).
 *
 * Profiles live in a small INI-like file, `profiles.conf`, installed in the
 * package data directory (see data/profiles.conf for the format and the
 * sources of each number).  kp_profile_load(NULL, ...) reads the file named
 * by $KASPI_PROFILES, else KP_PKGDATADIR "/profiles.conf".  A file with a
 * mistake is refused as a whole, with "FILE:LINE: what is wrong".
 */
#ifndef KASPIPOS_PROFILE_H
#define KASPIPOS_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include "kaspipos/buf.h"
#include "kaspipos/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KP_PROFILE_NAME_MAX 32      /* bytes, with the NUL: [A-Za-z0-9._-]+ */
#define KP_PROFILE_DESC_MAX 128
#define KP_PROFILE_CODEPAGE_MAX 16
#define KP_PROFILE_TENGE_MAX 16     /* UTF-8 bytes of the ₸ fallback, with the NUL */
#define KP_PROFILE_FILE_MAX (256 * 1024)
#define KP_PROFILE_COUNT_MAX 256

/* How the printer selects a character code table. */
typedef enum kp_profile_select {
    KP_PROFILE_SELECT_ESCPOS,   /* ESC t n (Epson and most clones) */
    KP_PROFILE_SELECT_STAR      /* ESC GS t n (Star) */
} kp_profile_select;

typedef struct kp_profile {
    char name[KP_PROFILE_NAME_MAX];
    char description[KP_PROFILE_DESC_MAX];
    int dots_per_line;          /* printable width in dots */
    int chars_per_line;         /* font A (12 x 24) */
    int chars_per_line_font_b;  /* font B (9 x 17) */
    char code_page[KP_PROFILE_CODEPAGE_MAX];  /* iconv name: CP866, RK1048, PT154, CP1251 */
    int code_page_select;       /* n of ESC t n / ESC GS t n */
    kp_profile_select select_command;
    bool native_qr;             /* prints QR codes itself (GS ( k) */
    bool cutter;
    bool drawer;                /* has a cash drawer port */
    bool cancel_kanji;          /* send FS . after ESC @ (clones start in Kanji mode) */
    char tenge[KP_PROFILE_TENGE_MAX];  /* printed for ₸ (UTF-8), default "тг" */
} kp_profile;

typedef struct kp_profile_set kp_profile_set;

/* Loads profiles from `path`; NULL: $KASPI_PROFILES, else the installed
 * file.  On success *out holds at least one profile. */
kp_status kp_profile_load(const char *path, kp_profile_set **out, kp_error *err);
/* Same, from a string; `source` names it in messages. */
kp_status kp_profile_parse(const char *text, size_t len, const char *source,
                           kp_profile_set **out, kp_error *err);
void kp_profile_set_free(kp_profile_set *set);

/* The file kp_profile_load(NULL, ...) reads. */
const char *kp_profile_default_path(void);

/* The profile called `name` (exact match), or NULL. */
const kp_profile *kp_profile_find(const kp_profile_set *set, const char *name);
/* The same, with a message naming the known profiles when it is missing. */
kp_status kp_profile_get(const kp_profile_set *set, const char *name,
                         const kp_profile **out, kp_error *err);
size_t kp_profile_count(const kp_profile_set *set);
/* The i-th profile in file order (i < count). */
const kp_profile *kp_profile_at(const kp_profile_set *set, size_t i);

/* Appends one line per profile, in file order:
 * NAME<TAB>CHARS_PER_LINE<TAB>CODE_PAGE<TAB>description<LF>. */
kp_status kp_profile_list_write(const kp_profile_set *set, kp_buf *out);

#ifdef __cplusplus
}
#endif
#endif
