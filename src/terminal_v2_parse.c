/*
 * terminal_v2_parse.c: the parts of the v2 API that need no network: the
 * envelope {statusCode, data, errorText} mapped onto the terminal room's
 * error taxonomy, and the two forms of a token's expirationDate (see
 * kaspipos/terminal.h).
 */
#include "config.h"
#include "kaspipos/terminal.h"
#include "terminal_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define V2_NOT_FOUND 101
#define V2_CANNOT_ACTUALIZE 103
#define V2_REFUSED 105
#define V2_BUSY 107
#define V2_BAD_PARAMETER 999

static kp_status code_error(const kp_response *resp, kp_error *err)
{
    const char *text = resp->message ? resp->message : "";

    switch (resp->v2_code) {
    case V2_NOT_FOUND:
        return kp_error_set(err, KP_ERR_NOT_FOUND, "the terminal does not know this process "
                            "(code 101%s%.200s)", *text ? ": " : "", text);
    case V2_BUSY:
        return kp_error_set(err, KP_ERR_REFUSED, "%.300s", *text ? text
                            : "Last operation was not completed (the terminal is busy)");
    case V2_REFUSED:
        return kp_error_set(err, KP_ERR_REFUSED, "%.300s", *text ? text
                            : "the terminal refused (code 105)");
    case V2_CANNOT_ACTUALIZE:
        return kp_error_set(err, KP_ERR_REFUSED, "%.300s", *text ? text
                            : "the terminal cannot settle the operation yet (code 103)");
    case V2_BAD_PARAMETER:
        return kp_error_set(err, KP_ERR_REFUSED, "%.300s", *text ? text
                            : "the terminal refused a missing or invalid parameter (code 999)");
    default:
        return kp_error_set(err, KP_ERR_REFUSED, "%.300s (code %ld)", *text ? text
                            : "the terminal refused", resp->v2_code);
    }
}

/* statusCode as an integer, also when sent as a string of digits. */
static bool read_code(const json_t *value, long *code)
{
    char *end;

    if (json_is_integer(value)) {
        *code = (long)json_integer_value(value);
        return true;
    }
    if (json_is_string(value) && *json_string_value(value)) {
        *code = strtol(json_string_value(value), &end, 10);
        return *end == '\0';
    }
    return false;
}

static kp_status envelope(kp_response *resp, kp_error *err)
{
    json_t *data = json_object_get(resp->json, "data");

    if (!read_code(json_object_get(resp->json, "statusCode"), &resp->v2_code))
        return kp_error_set(err, KP_ERR_MALFORMED, "the terminal's answer has no statusCode "
                            "(is it a v1 terminal? try --api v1); kept as received");
    resp->message = kp_json_scalar_text(json_object_get(resp->json, "errorText"));
    if (json_is_object(data)) {
        char *text = resp->message;

        resp->message = NULL;
        kp_response_take_fields(resp, data);
        if (!resp->message)
            resp->message = text;
        else
            free(text);
    }
    if (resp->v2_code != 0)
        return code_error(resp, err);
    if (!json_is_object(data))
        return kp_error_set(err, KP_ERR_MALFORMED, "the terminal's answer has no data object");
    return KP_OK;
}

kp_status kp_response_parse_v2(long http_status, const char *body, size_t len,
                               kp_response *resp, kp_error *err)
{
    json_error_t jerr;

    kp_response_clear(resp);
    resp->http_status = http_status;
    if (kp_response_keep_body(resp, body, len) != KP_OK)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory keeping the terminal's answer");
    if (http_status == 401 || http_status == 403)
        return kp_error_set(err, KP_ERR_AUTH, "the terminal refused the token (HTTP %ld: %s)",
                            http_status, http_status == 401 ? "invalid" : "expired");
    resp->json = json_loadb(body, len, 0, &jerr);
    if (!json_is_object(resp->json)) {
        bool parsed = resp->json != NULL;

        json_decref(resp->json);
        resp->json = NULL;
        if (http_status != 200)
            return kp_error_set(err, KP_ERR_HTTP, "the terminal answered HTTP %ld", http_status);
        if (parsed)
            return kp_error_set(err, KP_ERR_MALFORMED,
                                "the terminal's answer is JSON but not an object; kept as received");
        return kp_error_set(err, KP_ERR_MALFORMED, "the terminal's answer is not valid JSON "
                            "(line %d, column %d: %s); kept as received",
                            jerr.line, jerr.column, jerr.text);
    }
    if (http_status != 200 && !json_object_get(resp->json, "statusCode"))
        return kp_error_set(err, KP_ERR_HTTP, "the terminal answered HTTP %ld", http_status);
    return envelope(resp, err);
}

/* ---- expirationDate ---- */

static int month_number(const char *name)
{
    static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

    for (int i = 0; i < 12; i++)
        if (strcmp(name, months[i]) == 0)
            return i;
    return -1;
}

static bool fields_ok(const struct tm *tm)
{
    return tm->tm_year >= 100 && tm->tm_year <= 1100 && tm->tm_mon >= 0 && tm->tm_mon < 12 &&
           tm->tm_mday >= 1 && tm->tm_mday <= 31 && tm->tm_hour >= 0 && tm->tm_hour < 24 &&
           tm->tm_min >= 0 && tm->tm_min < 60 && tm->tm_sec >= 0 && tm->tm_sec <= 60;
}

/* "2026-11-30 14:05:00" */
static bool parse_iso(const char *text, struct tm *tm)
{
    int n = 0;

    if (sscanf(text, "%4d-%2d-%2d %2d:%2d:%2d%n", &tm->tm_year, &tm->tm_mon, &tm->tm_mday,
               &tm->tm_hour, &tm->tm_min, &tm->tm_sec, &n) != 6 || text[n] != '\0' || n != 19)
        return false;
    tm->tm_year -= 1900;
    tm->tm_mon -= 1;
    return true;
}

/* "Nov 30, 2026 14:05:00" (Java's MMM d, yyyy HH:mm:ss) */
static bool parse_java(const char *text, struct tm *tm)
{
    char month[4];
    int n = 0;

    if (sscanf(text, "%3[A-Za-z] %2d, %4d %2d:%2d:%2d%n", month, &tm->tm_mday, &tm->tm_year,
               &tm->tm_hour, &tm->tm_min, &tm->tm_sec, &n) != 6 || text[n] != '\0')
        return false;
    tm->tm_mon = month_number(month);
    tm->tm_year -= 1900;
    return tm->tm_mon >= 0;
}

kp_status kp_v2_expiration_parse(const char *text, time_t *out, kp_error *err)
{
    struct tm tm;
    time_t when;

    memset(&tm, 0, sizeof tm);
    if (!text || strlen(text) > 40 || !(parse_iso(text, &tm) || parse_java(text, &tm)) ||
        !fields_ok(&tm))
        return kp_error_set(err, KP_ERR_MALFORMED, "expirationDate '%.40s' is neither "
                            "YYYY-MM-DD HH:mm:ss nor MMM d, yyyy HH:mm:ss", text ? text : "");
    tm.tm_isdst = -1;
    when = mktime(&tm);
    if (when == (time_t)-1)
        return kp_error_set(err, KP_ERR_MALFORMED, "expirationDate '%.40s' is not a time", text);
    *out = when;
    return KP_OK;
}
