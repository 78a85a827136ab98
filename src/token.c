/*
 * token.c: the token store of protected (v2) terminals (see
 * kaspipos/token.h).  Files: DIR/tokens/T.NAME.json, one per terminal and
 * client name, and DIR/tokens/T.default holding the name registered last
 * (T and NAME are percent-encoded so any name makes one safe file name).
 */
#include "config.h"
#include "kaspipos/token.h"
#include "kaspipos/buf.h"
#include "kaspipos/journal.h"
#include "kaspipos/terminal.h"
#include "kaspipos/utf8.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_FILE_MAX (64 * 1024)
#define DUE_MARGIN_MAX_S 600L

kp_status kp_token_name_check(const char *name, kp_error *err)
{
    size_t len = name ? strlen(name) : 0;

    if (len == 0 || len > KP_TOKEN_NAME_MAX)
        return kp_error_set(err, KP_ERR_USAGE, "a client name of 1 to %d bytes is needed "
                            "(e.g. the till's name: kassa-1)", KP_TOKEN_NAME_MAX);
    if (!kp_utf8_valid(name, len))
        return kp_error_set(err, KP_ERR_USAGE, "the client name is not valid UTF-8");
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return kp_error_set(err, KP_ERR_USAGE, "the client name contains control characters");
    return KP_OK;
}

void kp_token_clear(kp_token *tok)
{
    free(tok->name);
    free(tok->access);
    free(tok->refresh);
    free(tok->expiration_text);
    memset(tok, 0, sizeof *tok);
}

static char *text_of(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    return json_is_string(v) && *json_string_value(v) && strlen(json_string_value(v)) < 4096
           ? strdup(json_string_value(v)) : NULL;
}

kp_status kp_token_from_data(const json_t *data, const char *name, time_t now,
                             kp_token *tok, kp_error *err)
{
    time_t when;

    memset(tok, 0, sizeof *tok);
    tok->name = strdup(name);
    tok->access = text_of(data, "accessToken");
    tok->refresh = text_of(data, "refreshToken");
    tok->expiration_text = text_of(data, "expirationDate");
    tok->obtained_at = now;
    tok->expires_at = now + KP_TOKEN_LIFETIME_S;
    if (tok->expiration_text && kp_v2_expiration_parse(tok->expiration_text, &when, NULL) == KP_OK)
        tok->expires_at = when;
    if (!tok->name || !tok->access || !tok->refresh) {
        kp_token_clear(tok);
        return kp_error_set(err, KP_ERR_MALFORMED, "the terminal's answer lacks accessToken or "
                            "refreshToken");
    }
    return KP_OK;
}

bool kp_token_due(const kp_token *tok, time_t now)
{
    long lifetime = (long)(tok->expires_at - tok->obtained_at);
    long margin = lifetime > 0 ? lifetime / 4 : 0;

    if (margin > DUE_MARGIN_MAX_S)
        margin = DUE_MARGIN_MAX_S;
    return now >= tok->expires_at - margin;
}

/* ---- files ---- */

static kp_status put_encoded(kp_buf *b, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    kp_status st = KP_OK;

    for (const unsigned char *p = (const unsigned char *)text; *p && st == KP_OK; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_') {
            st = kp_buf_putc(b, (char)*p);
        } else {
            char esc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
            st = kp_buf_append(b, esc, 3);
        }
    }
    return st;
}

/* DIR/tokens/TERMINAL.NAME.json, or DIR/tokens/TERMINAL.default (name NULL). */
static char *token_path(const char *dir, const char *terminal, const char *name)
{
    kp_buf path = KP_BUF_INIT;
    kp_status st = kp_buf_printf(&path, "%s/tokens/", dir);

    if (st == KP_OK)
        st = put_encoded(&path, terminal);
    if (st == KP_OK && name) {
        st = kp_buf_putc(&path, '.');
        if (st == KP_OK)
            st = put_encoded(&path, name);
        if (st == KP_OK)
            st = kp_buf_puts(&path, ".json");
    } else if (st == KP_OK) {
        st = kp_buf_puts(&path, ".default");
    }
    if (st != KP_OK) {
        kp_buf_free(&path);
        return NULL;
    }
    return kp_buf_steal(&path, NULL);
}

static kp_status read_json(const char *path, json_t **out, kp_error *err)
{
    kp_buf text = KP_BUF_INIT;
    json_error_t jerr;
    kp_status st = kp_journal_read_file(path, TOKEN_FILE_MAX, &text, err);

    if (st == KP_OK) {
        *out = json_loadb(kp_buf_str(&text), text.len, 0, &jerr);
        if (!json_is_object(*out)) {
            json_decref(*out);
            *out = NULL;
            st = kp_error_set(err, KP_ERR_SETUP, "token file %s is damaged (%s): register the "
                              "client again", path, jerr.text);
        }
    }
    kp_buf_free(&text);
    return st;
}

static kp_status default_name(const char *dir, const char *terminal, char **name, kp_error *err)
{
    char *path = token_path(dir, terminal, NULL);
    json_t *obj = NULL;
    kp_status st;

    if (!path)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    st = read_json(path, &obj, err);
    if (st == KP_OK && !(*name = text_of(obj, "name")))
        st = kp_error_set(err, KP_ERR_SETUP, "token file %s names no client", path);
    json_decref(obj);
    free(path);
    return st;
}

kp_status kp_token_load(const char *dir, const char *terminal, const char *name,
                        kp_token *tok, kp_error *err)
{
    char *chosen = name ? strdup(name) : NULL, *path;
    json_t *obj = NULL;
    kp_status st = KP_OK;

    memset(tok, 0, sizeof *tok);
    if (!name && (st = default_name(dir, terminal, &chosen, err)) != KP_OK)
        return st;
    path = chosen ? token_path(dir, terminal, chosen) : NULL;
    if (!path)
        st = kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    if (st == KP_OK)
        st = read_json(path, &obj, err);
    if (st == KP_OK) {
        tok->name = chosen;
        chosen = NULL;
        tok->access = text_of(obj, "accessToken");
        tok->refresh = text_of(obj, "refreshToken");
        tok->expiration_text = text_of(obj, "expirationDate");
        tok->obtained_at = (time_t)json_integer_value(json_object_get(obj, "obtainedAt"));
        tok->expires_at = (time_t)json_integer_value(json_object_get(obj, "expiresAt"));
        if (!tok->access || !tok->refresh) {
            kp_token_clear(tok);
            st = kp_error_set(err, KP_ERR_SETUP, "token file %s is damaged: register the client "
                              "again", path);
        }
    }
    json_decref(obj);
    free(chosen);
    free(path);
    return st;
}

static kp_status write_json(const char *path, json_t *obj, kp_error *err)
{
    char *text = obj ? json_dumps(obj, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    kp_status st;

    json_decref(obj);
    if (!text)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    st = kp_journal_write_file(path, text, strlen(text), false, err);
    free(text);
    return st;
}

kp_status kp_token_prepare(const char *dir, kp_error *err)
{
    kp_buf tokens = KP_BUF_INIT;
    kp_status st = kp_buf_printf(&tokens, "%s/tokens", dir);

    if (st == KP_OK)
        st = kp_journal_make_dirs(kp_buf_str(&tokens), err);
    else
        kp_error_set(err, st, "out of memory");
    if (st != KP_OK) {
        kp_error_prefix(err, "tokens cannot be kept");
        if (err)
            err->status = KP_ERR_SETUP;
        st = KP_ERR_SETUP;
    }
    kp_buf_free(&tokens);
    return st;
}

kp_status kp_token_save(const char *dir, const char *terminal, const kp_token *tok,
                        bool make_default, kp_error *err)
{
    kp_buf tokens = KP_BUF_INIT;
    char *path = token_path(dir, terminal, tok->name);
    kp_status st = path ? kp_buf_printf(&tokens, "%s/tokens", dir) : KP_ERR_NOMEM;

    if (st == KP_OK)
        st = kp_journal_make_dirs(kp_buf_str(&tokens), err);
    else
        kp_error_set(err, st, "out of memory");
    if (st == KP_OK)
        st = write_json(path, json_pack("{ss ss ss ss ss? ss sI sI}", "terminal", terminal,
                                        "name", tok->name, "accessToken", tok->access,
                                        "refreshToken", tok->refresh,
                                        "expirationDate", tok->expiration_text,
                                        "api", "v2",
                                        "obtainedAt", (json_int_t)tok->obtained_at,
                                        "expiresAt", (json_int_t)tok->expires_at), err);
    free(path);
    if (st == KP_OK && make_default) {
        path = token_path(dir, terminal, NULL);
        st = path ? write_json(path, json_pack("{ss ss}", "terminal", terminal, "name", tok->name), err)
                  : kp_error_set(err, KP_ERR_NOMEM, "out of memory");
        free(path);
    }
    if (st != KP_OK)
        kp_error_prefix(err, "cannot keep the token of client %s", tok->name);
    kp_buf_free(&tokens);
    return st;
}
