/*
 * terminal_parse.c: the parts of the terminal room that need no network:
 * validating what the till asks for, building URLs, and turning a response
 * body into a kp_response (see kaspipos/terminal.h).
 */
#include "config.h"
#include "kaspipos/terminal.h"
#include "terminal_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRANSACTION_ID_MAX 128

kp_status kp_amount_parse(const char *text, long *amount, kp_error *err)
{
    long value = 0;
    size_t i, len;

    if (!text || !*text)
        return kp_error_set(err, KP_ERR_USAGE, "the amount is missing: give whole tenge, e.g. 1500");
    len = strlen(text);
    for (i = 0; i < len; i++)
        if (text[i] < '0' || text[i] > '9')
            return kp_error_set(err, KP_ERR_USAGE,
                                "amount '%.40s' is not a whole number of tenge: use digits only, "
                                "no sign, spaces, decimals or exponent", text);
    if (text[0] == '0')
        return kp_error_set(err, KP_ERR_USAGE,
                            "amount '%.40s' must be at least 1 tenge, without leading zeros", text);
    if (len > 9)
        return kp_error_set(err, KP_ERR_USAGE,
                            "amount '%.40s' is over the limit of %ld tenge", text, KP_AMOUNT_MAX);
    for (i = 0; i < len; i++)
        value = value * 10 + (text[i] - '0');
    *amount = value;
    return KP_OK;
}

kp_status kp_refund_method_check(const char *method, kp_error *err)
{
    if (method && (strcmp(method, "card") == 0 || strcmp(method, "qr") == 0))
        return KP_OK;
    return kp_error_set(err, KP_ERR_USAGE,
                        "refund method '%.40s' is not known: use card or qr, the method of the purchase",
                        method ? method : "");
}

kp_status kp_transaction_id_check(const char *transaction_id, kp_error *err)
{
    size_t len = transaction_id ? strlen(transaction_id) : 0;
    size_t i;

    if (len == 0)
        return kp_error_set(err, KP_ERR_USAGE,
                            "the transaction id of the purchase is missing (--transaction ID)");
    if (len > TRANSACTION_ID_MAX)
        return kp_error_set(err, KP_ERR_USAGE, "the transaction id is over %d characters",
                            TRANSACTION_ID_MAX);
    for (i = 0; i < len; i++)
        if ((unsigned char)transaction_id[i] < 0x20 || transaction_id[i] == 0x7f)
            return kp_error_set(err, KP_ERR_USAGE, "the transaction id contains control characters");
    return KP_OK;
}

static bool host_char_ok(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
}

static kp_status parse_port(const char *text, int *port, const char *address, kp_error *err)
{
    char *end;
    long value;

    if (!*text || strlen(text) > 5)
        goto bad;
    for (const char *p = text; *p; p++)
        if (*p < '0' || *p > '9')
            goto bad;
    value = strtol(text, &end, 10);
    if (value < 1 || value > 65535)
        goto bad;
    *port = (int)value;
    return KP_OK;
bad:
    return kp_error_set(err, KP_ERR_USAGE, "terminal address '%.80s': the port must be 1-65535", address);
}

kp_status kp_terminal_address_parse(const char *address, kp_buf *host, int *port, kp_error *err)
{
    const char *host_start = address, *host_end, *rest;

    if (!address || !*address)
        return kp_error_set(err, KP_ERR_USAGE,
                            "no terminal address: use --terminal HOST[:PORT] or KASPI_TERMINAL");
    if (strlen(address) > 255)
        return kp_error_set(err, KP_ERR_USAGE, "terminal address is too long");
    if (address[0] == '[') {
        host_start = address + 1;
        host_end = strchr(host_start, ']');
        if (!host_end || host_end == host_start)
            return kp_error_set(err, KP_ERR_USAGE, "terminal address '%.80s': unclosed [", address);
        for (const char *p = host_start; p < host_end; p++)
            if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
                return kp_error_set(err, KP_ERR_USAGE, "terminal address '%.80s' is not an IPv6 address", address);
        rest = host_end + 1;
    } else {
        host_end = address;
        while (*host_end && *host_end != ':')
            host_end++;
        if (host_end == host_start)
            return kp_error_set(err, KP_ERR_USAGE, "terminal address '%.80s' has no host", address);
        for (const char *p = host_start; p < host_end; p++)
            if (!host_char_ok(*p))
                return kp_error_set(err, KP_ERR_USAGE,
                                    "terminal address '%.80s' is not a host name or IP address", address);
        rest = host_end;
    }
    *port = KP_TERMINAL_DEFAULT_PORT;
    if (*rest == ':') {
        if (parse_port(rest + 1, port, address, err) != KP_OK)
            return KP_ERR_USAGE;
    } else if (*rest) {
        return kp_error_set(err, KP_ERR_USAGE, "terminal address '%.80s': expected HOST[:PORT]", address);
    }
    kp_buf_reset(host);
    return kp_buf_append(host, host_start, (size_t)(host_end - host_start));
}

static bool unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static kp_status append_encoded(kp_buf *url, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    kp_status st = KP_OK;

    for (const unsigned char *p = (const unsigned char *)text; *p && st == KP_OK; p++) {
        if (unreserved(*p)) {
            st = kp_buf_putc(url, (char)*p);
        } else {
            char esc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
            st = kp_buf_append(url, esc, 3);
        }
    }
    return st;
}

kp_status kp_url_build(kp_buf *url, const char *base, const char *path, const kp_url_param *params)
{
    kp_status st;

    kp_buf_reset(url);
    st = kp_buf_puts(url, base);
    if (st == KP_OK)
        st = kp_buf_puts(url, path);
    for (size_t i = 0; st == KP_OK && params && params[i].name; i++) {
        st = kp_buf_putc(url, i == 0 ? '?' : '&');
        if (st == KP_OK)
            st = append_encoded(url, params[i].name);
        if (st == KP_OK)
            st = kp_buf_putc(url, '=');
        if (st == KP_OK)
            st = append_encoded(url, params[i].value);
    }
    return st;
}

char *kp_json_scalar_text(const json_t *value)
{
    char text[64];

    if (json_is_string(value))
        return strdup(json_string_value(value));
    if (json_is_integer(value)) {
        snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        return strdup(text);
    }
    if (json_is_real(value)) {
        snprintf(text, sizeof text, "%.17g", json_real_value(value));
        return strdup(text);
    }
    if (json_is_boolean(value))
        return strdup(json_is_true(value) ? "true" : "false");
    return NULL;
}

void kp_response_init(kp_response *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->v2_code = -1;
}

void kp_response_clear(kp_response *resp)
{
    free(resp->body);
    json_decref(resp->json);
    free(resp->status_text);
    free(resp->process_id);
    free(resp->transaction_id);
    free(resp->message);
    free(resp->sub_status);
    kp_response_init(resp);
}

static kp_op_status status_from_text(const char *text)
{
    if (!text)
        return KP_OP_NONE;
    if (strcmp(text, "wait") == 0)
        return KP_OP_WAIT;
    if (strcmp(text, "success") == 0)
        return KP_OP_SUCCESS;
    if (strcmp(text, "fail") == 0)
        return KP_OP_FAIL;
    if (strcmp(text, "unknown") == 0)
        return KP_OP_UNKNOWN;
    return KP_OP_OTHER;
}

void kp_response_take_fields(kp_response *resp, json_t *obj)
{
    resp->payload = obj;
    resp->status_text = kp_json_scalar_text(json_object_get(obj, "status"));
    resp->status = status_from_text(resp->status_text);
    resp->process_id = kp_json_scalar_text(json_object_get(obj, "processId"));
    resp->transaction_id = kp_json_scalar_text(json_object_get(obj, "transactionId"));
    resp->message = kp_json_scalar_text(json_object_get(obj, "message"));
    resp->sub_status = kp_json_scalar_text(json_object_get(obj, "subStatus"));
    resp->add_info = json_object_get(obj, "addInfo");
    if (!json_is_object(resp->add_info))
        resp->add_info = NULL;
    resp->cheque_info = json_object_get(obj, "chequeInfo");
    if (!json_is_object(resp->cheque_info))
        resp->cheque_info = NULL;
}

kp_status kp_response_keep_body(kp_response *resp, const char *body, size_t len)
{
    resp->body = malloc(len + 1);
    if (!resp->body)
        return KP_ERR_NOMEM;
    if (len)
        memcpy(resp->body, body, len);
    resp->body[len] = '\0';
    resp->body_len = len;
    return KP_OK;
}

static kp_status classify(kp_response *resp, kp_error *err)
{
    long http = resp->http_status;

    if (http == 400 && resp->message && strstr(resp->message, "not found"))
        return kp_error_set(err, KP_ERR_NOT_FOUND, "the terminal does not know this process: %.200s",
                            resp->message);
    if (http != 200)
        return kp_error_set(err, KP_ERR_HTTP, "the terminal answered HTTP %ld%s%.200s", http,
                            resp->message ? ": " : "", resp->message ? resp->message : "");
    if (resp->message && !resp->process_id)
        return kp_error_set(err, KP_ERR_REFUSED, "%.400s", resp->message);
    return kp_response_check_operation(resp, err);
}

kp_status kp_response_check_operation(const kp_response *resp, kp_error *err)
{
    if (!resp->process_id)
        return kp_error_set(err, KP_ERR_MALFORMED,
                            "the terminal's answer has neither a processId nor a message");
    if (resp->status == KP_OP_NONE)
        return kp_error_set(err, KP_ERR_MALFORMED, "the terminal's answer has no status");
    if (resp->status == KP_OP_SUCCESS && !resp->cheque_info)
        return kp_error_set(err, KP_ERR_MALFORMED,
                            "the terminal reported success without chequeInfo");
    return KP_OK;
}

kp_status kp_response_parse(long http_status, const char *body, size_t len,
                            kp_response *resp, kp_error *err)
{
    json_error_t jerr;

    kp_response_clear(resp);
    resp->http_status = http_status;
    if (kp_response_keep_body(resp, body, len) != KP_OK)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory keeping the terminal's answer");
    resp->json = json_loadb(body, len, 0, &jerr);
    if (!resp->json || !json_is_object(resp->json)) {
        bool parsed = resp->json != NULL;

        json_decref(resp->json);
        resp->json = NULL;
        if (http_status != 200 && http_status != 400)
            return kp_error_set(err, KP_ERR_HTTP, "the terminal answered HTTP %ld", http_status);
        if (parsed)
            return kp_error_set(err, KP_ERR_MALFORMED,
                                "the terminal's answer is JSON but not an object; kept as received");
        return kp_error_set(err, KP_ERR_MALFORMED,
                            "the terminal's answer is not valid JSON (line %d, column %d: %s); kept as received",
                            jerr.line, jerr.column, jerr.text);
    }
    kp_response_take_fields(resp, resp->json);
    return classify(resp, err);
}
