/*
 * token.h: the token store of protected (v2) terminals.
 *
 * A terminal gives a client a token pair when it registers (/v2/register)
 * and a new pair on each refresh (/v2/revoke).  The store keeps one file per
 * terminal and client name in DIR/tokens/ (0700; files 0600, written
 * atomically), and remembers which name was registered last for each
 * terminal: that one is used when no name is given.
 */
#ifndef KASPIPOS_TOKEN_H
#define KASPIPOS_TOKEN_H

#include <stdbool.h>
#include <time.h>
#include <jansson.h>
#include "kaspipos/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KP_TOKEN_NAME_MAX 64
#define KP_TOKEN_LIFETIME_S (24 * 3600L)   /* what terminals give */

typedef struct kp_token {
    char *name;             /* the client name registered on the terminal */
    char *access;           /* sent as the "accesstoken" header */
    char *refresh;          /* for /v2/revoke */
    char *expiration_text;  /* expirationDate as the terminal sent it */
    time_t obtained_at;
    time_t expires_at;      /* parsed expirationDate; else obtained_at + 24 h */
} kp_token;

/* A client name: 1-64 bytes of UTF-8 with no control characters. */
kp_status kp_token_name_check(const char *name, kp_error *err);

/* Fills tok from a register or revoke answer's "data" {accessToken,
 * refreshToken, expirationDate}; KP_ERR_MALFORMED when a token is missing. */
kp_status kp_token_from_data(const json_t *data, const char *name, time_t now,
                             kp_token *tok, kp_error *err);

/* Loads the token of (terminal, name); name NULL: the name registered last
 * for the terminal.  KP_ERR_NOT_FOUND when none is kept. */
kp_status kp_token_load(const char *dir, const char *terminal, const char *name,
                        kp_token *tok, kp_error *err);
/* Saves it (atomically, 0600); with make_default it becomes the terminal's
 * default name. */
kp_status kp_token_save(const char *dir, const char *terminal, const kp_token *tok,
                        bool make_default, kp_error *err);

/* Makes DIR/tokens (0700) so that a token can be kept: done before a
 * registration, which cannot be repeated under the same name. */
kp_status kp_token_prepare(const char *dir, kp_error *err);

/* Time to refresh: within a quarter of its lifetime (at most 10 minutes)
 * of the expiry. */
bool kp_token_due(const kp_token *tok, time_t now);

void kp_token_clear(kp_token *tok);

#ifdef __cplusplus
}
#endif
#endif
