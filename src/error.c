/* error.c: filling kp_error objects (see kaspipos/error.h). */
#include "config.h"
#include "kaspipos/error.h"

#include <stdio.h>
#include <string.h>

kp_status kp_error_setv(kp_error *err, kp_status status, const char *fmt, va_list ap)
{
    if (err) {
        err->status = status;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
    }
    return status;
}

kp_status kp_error_set(kp_error *err, kp_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kp_error_setv(err, status, fmt, ap);
    va_end(ap);
    return status;
}

void kp_error_prefix(kp_error *err, const char *fmt, ...)
{
    char prefix[KP_ERROR_MESSAGE_MAX];
    size_t plen, mlen, room = sizeof err->message - 1;
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix - 2, fmt, ap);
    va_end(ap);
    strcat(prefix, ": ");
    plen = strlen(prefix);
    mlen = strlen(err->message);
    if (plen > room)
        plen = room;
    if (mlen > room - plen)
        mlen = room - plen;   /* the message is cut, the context is kept */
    memmove(err->message + plen, err->message, mlen);
    memcpy(err->message, prefix, plen);
    err->message[plen + mlen] = '\0';
}

void kp_error_clear(kp_error *err)
{
    if (err) {
        err->status = KP_OK;
        err->message[0] = '\0';
    }
}

const char *kp_status_name(kp_status status)
{
    static const char *const names[] = {
        [KP_OK] = "ok",
        [KP_ERR_USAGE] = "usage",
        [KP_ERR_UNREACHABLE] = "unreachable",
        [KP_ERR_NO_ANSWER] = "no-answer",
        [KP_ERR_HTTP] = "http",
        [KP_ERR_REFUSED] = "refused",
        [KP_ERR_NOT_FOUND] = "not-found",
        [KP_ERR_MALFORMED] = "malformed",
        [KP_ERR_TOO_LARGE] = "too-large",
        [KP_ERR_IO] = "io",
        [KP_ERR_SETUP] = "setup",
        [KP_ERR_BUSY] = "busy",
        [KP_ERR_PRINT] = "print",
        [KP_ERR_TLS] = "tls",
        [KP_ERR_AUTH] = "auth",
        [KP_ERR_NOMEM] = "out-of-memory",
        [KP_ERR_INTERNAL] = "internal",
    };
    if ((unsigned)status < sizeof names / sizeof names[0] && names[status])
        return names[status];
    return "unknown";
}
