/*
 * error.h: how every room of libkaspipos reports failure.
 *
 * A function that can fail returns a kp_status and fills a kp_error that the
 * caller owns (it may pass NULL when it does not care about the text).  The
 * message is written for the person who has to act on it: a cashier or a
 * store's admin ("terminal 10.0.0.5:8080 did not answer in 3 s: is the Kaspi
 * Pay app open?"), never just a number.
 */
#ifndef KASPIPOS_ERROR_H
#define KASPIPOS_ERROR_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kp_status {
    KP_OK = 0,
    KP_ERR_USAGE,        /* bad input from the caller; nothing was sent */
    KP_ERR_UNREACHABLE,  /* no connection was made: nothing reached the terminal */
    KP_ERR_NO_ANSWER,    /* the request was sent, no usable answer came back */
    KP_ERR_HTTP,         /* the terminal answered with an unexpected HTTP status */
    KP_ERR_REFUSED,      /* the terminal refused with a message */
    KP_ERR_NOT_FOUND,    /* the terminal does not know the process ("Process not found") */
    KP_ERR_MALFORMED,    /* a body, file or template that does not parse */
    KP_ERR_TOO_LARGE,    /* an input over its bound */
    KP_ERR_IO,           /* a file or directory operation failed */
    KP_ERR_SETUP,        /* configuration or environment is wrong (journal, TLS, config) */
    KP_ERR_BUSY,         /* another operation holds the terminal */
    KP_ERR_PRINT,        /* the receipt could not be delivered */
    KP_ERR_TLS,          /* TLS verification failed */
    KP_ERR_AUTH,         /* a token was refused */
    KP_ERR_NOMEM,
    KP_ERR_INTERNAL
} kp_status;

#define KP_ERROR_MESSAGE_MAX 512

typedef struct kp_error {
    kp_status status;
    char message[KP_ERROR_MESSAGE_MAX];
} kp_error;

/* Sets err (when not NULL) and returns status, so callers can write
 * `return kp_error_set(err, KP_ERR_IO, "cannot open %s: %s", ...);`. */
kp_status kp_error_set(kp_error *err, kp_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
kp_status kp_error_setv(kp_error *err, kp_status status, const char *fmt, va_list ap);

/* Puts "context: " in front of the message already in err. */
void kp_error_prefix(kp_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void kp_error_clear(kp_error *err);

/* A short stable name for a status ("unreachable", "refused", ...). */
const char *kp_status_name(kp_status status);

#ifdef __cplusplus
}
#endif
#endif
