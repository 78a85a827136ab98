/*
 * config.h: the kaspi.conf file (see kaspi.conf(5)).
 *
 *   # comment
 *   terminal = 10.0.0.5:8080
 *   printer  = receipts
 *
 * One `key = value` a line; blank lines and lines starting with # or ; are
 * ignored; keys are from a fixed list, so a typo is an error that names the
 * file and line instead of a setting silently ignored.  Values may be quoted
 * with "..." to keep leading or trailing spaces.
 */
#ifndef KASPIPOS_CONFIG_H
#define KASPIPOS_CONFIG_H

#include <stdbool.h>
#include "kaspipos/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kp_config kp_config;

/* Reads FILE.  A missing file is KP_ERR_SETUP unless `optional` is set, in
 * which case an empty configuration is returned. */
kp_status kp_config_load(const char *path, bool optional, kp_config **out, kp_error *err);
kp_config *kp_config_new_empty(void);
void kp_config_free(kp_config *config);
/* The value of KEY, or NULL when the file does not set it. */
const char *kp_config_get(const kp_config *config, const char *key);
/* Where the file came from, or NULL for an empty configuration. */
const char *kp_config_path(const kp_config *config);
/* The keys kaspi.conf accepts, NULL-terminated. */
const char *const *kp_config_known_keys(void);

/* Parses a whole number within [min, max] from a setting, naming it in the
 * error ("timeout in /etc/kaspi-cups/kaspi.conf must be ..."). */
kp_status kp_config_parse_long(const char *text, long min, long max, const char *what,
                               long *value, kp_error *err);

#ifdef __cplusplus
}
#endif
#endif
