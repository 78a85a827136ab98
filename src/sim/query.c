/*
 * query.c: the simulator's own parsing of a raw query string into decoded
 * parameters (%XX and '+'), so the log shows both what was received and what
 * it meant, and text that is not UTF-8 is made safe before it goes into JSON.
 */
#include <stdlib.h>
#include <string.h>
#include "kaspipos/buf.h"
#include "kaspipos/utf8.h"
#include "sim/sim.h"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..len) into a new string; a malformed %-escape stays as it is. */
static char *url_decode(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    size_t o = 0;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%' && i + 2 < len
                   && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out[o++] = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static void add_pair(sim_args *args, const char *pair, size_t len)
{
    const char *eq = memchr(pair, '=', len);
    size_t key_len = eq ? (size_t)(eq - pair) : len;
    sim_arg *arg;
    if (len == 0 || args->count == SIM_ARGS_MAX)
        return;
    arg = &args->items[args->count];
    arg->key = url_decode(pair, key_len);
    arg->value = eq ? url_decode(eq + 1, len - key_len - 1) : strdup("");
    if (arg->key == NULL || arg->value == NULL) {
        free(arg->key);
        free(arg->value);
        return;
    }
    args->count++;
}

void sim_args_parse(const char *query, size_t len, sim_args *args)
{
    size_t start = 0;
    args->count = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || query[i] == '&') {
            add_pair(args, query + start, i - start);
            start = i + 1;
        }
    }
}

void sim_args_free(sim_args *args)
{
    for (size_t i = 0; i < args->count; i++) {
        free(args->items[i].key);
        free(args->items[i].value);
    }
    args->count = 0;
}

/* The first value given for key, or NULL. */
const char *sim_args_get(const sim_args *args, const char *key)
{
    for (size_t i = 0; i < args->count; i++)
        if (strcmp(args->items[i].key, key) == 0)
            return args->items[i].value;
    return NULL;
}

/* A JSON string of s; invalid UTF-8 bytes (and NULs) become U+FFFD. */
json_t *sim_json_text(const char *s, size_t len)
{
    kp_buf b;
    json_t *j;
    if (kp_utf8_valid(s, len) && memchr(s, '\0', len) == NULL)
        return json_stringn(s, len);
    kp_buf_init(&b, 0);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = kp_utf8_decode(s + i, len - i, &cp);
        char enc[4];
        if (cp == 0)
            cp = KP_UTF8_REPLACEMENT;
        kp_buf_append(&b, enc, kp_utf8_encode(cp, enc));
        i += n;
    }
    j = json_stringn(kp_buf_str(&b), b.len);
    kp_buf_free(&b);
    return j;
}

/* {"key": "value", ...}; a repeated key keeps its first value. */
json_t *sim_args_to_json(const sim_args *args)
{
    json_t *obj = json_object();
    for (size_t i = 0; obj && i < args->count; i++) {
        json_t *key = sim_json_text(args->items[i].key, strlen(args->items[i].key));
        if (key && json_object_get(obj, json_string_value(key)) == NULL)
            json_object_set_new(obj, json_string_value(key),
                                sim_json_text(args->items[i].value,
                                              strlen(args->items[i].value)));
        json_decref(key);
    }
    return obj;
}
