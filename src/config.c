/* config.c: reading kaspi.conf (see kaspipos/config.h). */
#include "config.h"
#include "kaspipos/config.h"
#include "kaspipos/buf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_BYTES (64 * 1024)
#define CONFIG_MAX_ENTRIES 64

typedef struct entry { char *key; char *value; } entry;

struct kp_config {
    char *path;
    entry entries[CONFIG_MAX_ENTRIES];
    size_t count;
};

static const char *const known_keys[] = {
    "terminal", "journal", "printer", "template", "templates_dir", "profile", "profiles",
    "format", "language", "timeout", "poll_interval_ms", "connect_timeout", "request_timeout",
    "api", "client_name", "tls_name", "tls_pin", "cacert", "tls_insecure",
    "tenge_fallback", "font", "logo", "header", "footer", "cut", "drawer",
    "total_words",
    NULL
};

const char *const *kp_config_known_keys(void)
{
    return known_keys;
}

static bool key_known(const char *key)
{
    for (size_t i = 0; known_keys[i]; i++)
        if (strcmp(known_keys[i], key) == 0)
            return true;
    return false;
}

kp_config *kp_config_new_empty(void)
{
    return calloc(1, sizeof(kp_config));
}

void kp_config_free(kp_config *config)
{
    if (!config)
        return;
    for (size_t i = 0; i < config->count; i++) {
        free(config->entries[i].key);
        free(config->entries[i].value);
    }
    free(config->path);
    free(config);
}

const char *kp_config_get(const kp_config *config, const char *key)
{
    if (!config)
        return NULL;
    for (size_t i = config->count; i-- > 0;)
        if (strcmp(config->entries[i].key, key) == 0)
            return config->entries[i].value;
    return NULL;
}

const char *kp_config_path(const kp_config *config)
{
    return config ? config->path : NULL;
}

static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        *--end = '\0';
    return s;
}

static kp_status unquote(char *value, const char *path, int line, kp_error *err)
{
    size_t len = strlen(value);

    if (len == 0 || value[0] != '"')
        return KP_OK;
    if (len < 2 || value[len - 1] != '"')
        return kp_error_set(err, KP_ERR_SETUP, "%s:%d: unclosed quote", path, line);
    memmove(value, value + 1, len - 2);
    value[len - 2] = '\0';
    return KP_OK;
}

static kp_status add_entry(kp_config *config, const char *key, const char *value,
                           int line, kp_error *err)
{
    if (config->count == CONFIG_MAX_ENTRIES)
        return kp_error_set(err, KP_ERR_SETUP, "%s:%d: too many settings", config->path, line);
    config->entries[config->count].key = strdup(key);
    config->entries[config->count].value = strdup(value);
    if (!config->entries[config->count].key || !config->entries[config->count].value)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    config->count++;
    return KP_OK;
}

static kp_status parse_line(kp_config *config, char *text, int line, kp_error *err)
{
    char *s = trim(text), *eq, *key, *value;

    if (*s == '\0' || *s == '#' || *s == ';')
        return KP_OK;
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t')
            return kp_error_set(err, KP_ERR_SETUP, "%s:%d: control character in the line",
                                config->path, line);
    eq = strchr(s, '=');
    if (!eq)
        return kp_error_set(err, KP_ERR_SETUP, "%s:%d: expected 'key = value', got '%.60s'",
                            config->path, line, s);
    *eq = '\0';
    key = trim(s);
    value = trim(eq + 1);
    if (!key_known(key))
        return kp_error_set(err, KP_ERR_SETUP,
                            "%s:%d: unknown setting '%.40s' (see kaspi.conf(5) for the list)",
                            config->path, line, key);
    if (unquote(value, config->path, line, err) != KP_OK)
        return KP_ERR_SETUP;
    return add_entry(config, key, value, line, err);
}

static kp_status read_bounded(const char *path, kp_buf *text, kp_error *err)
{
    FILE *f = fopen(path, "rb");
    char chunk[4096];
    size_t n;

    if (!f)
        return kp_error_set(err, errno == ENOENT ? KP_ERR_NOT_FOUND : KP_ERR_SETUP,
                            "cannot read configuration %s: %s", path, strerror(errno));
    kp_buf_init(text, CONFIG_MAX_BYTES);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (kp_buf_append(text, chunk, n) != KP_OK) {
            fclose(f);
            return kp_error_set(err, KP_ERR_SETUP, "configuration %s is over %d bytes",
                                path, CONFIG_MAX_BYTES);
        }
    }
    fclose(f);
    if (memchr(kp_buf_str(text), '\0', text->len))
        return kp_error_set(err, KP_ERR_SETUP, "configuration %s is not a text file", path);
    return KP_OK;
}

kp_status kp_config_load(const char *path, bool optional, kp_config **out, kp_error *err)
{
    kp_buf text = KP_BUF_INIT;
    kp_config *config;
    kp_status st;
    char *line, *next;
    int number = 0;

    *out = NULL;
    st = read_bounded(path, &text, err);
    if (st == KP_ERR_NOT_FOUND && optional) {
        kp_buf_free(&text);
        *out = kp_config_new_empty();
        return *out ? KP_OK : KP_ERR_NOMEM;
    }
    if (st != KP_OK) {
        kp_buf_free(&text);
        if (err)
            err->status = KP_ERR_SETUP;
        return KP_ERR_SETUP;
    }
    config = kp_config_new_empty();
    if (!config || !(config->path = strdup(path))) {
        kp_buf_free(&text);
        kp_config_free(config);
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    }
    for (line = text.data; line && st == KP_OK; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        st = parse_line(config, line, ++number, err);
    }
    kp_buf_free(&text);
    if (st != KP_OK) {
        kp_config_free(config);
        return st;
    }
    *out = config;
    return KP_OK;
}

kp_status kp_config_parse_long(const char *text, long min, long max, const char *what,
                               long *value, kp_error *err)
{
    char *end;
    long v;

    if (!text || !*text || !isdigit((unsigned char)text[0]))
        goto bad;
    errno = 0;
    v = strtol(text, &end, 10);
    if (errno || *end || v < min || v > max)
        goto bad;
    *value = v;
    return KP_OK;
bad:
    return kp_error_set(err, KP_ERR_USAGE, "%s must be a whole number from %ld to %ld, not '%.40s'",
                        what, min, max, text ? text : "");
}
