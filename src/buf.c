/* buf.c: the growable byte buffer (see kaspipos/buf.h). */
#include "config.h"
#include "kaspipos/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The exported functions, which the header's inline fast paths call. */
#undef kp_buf_append
#undef kp_buf_putc

void kp_buf_init(kp_buf *b, size_t limit)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->limit = limit;
}

void kp_buf_free(kp_buf *b)
{
    free(b->data);
    kp_buf_init(b, b->limit);
}

void kp_buf_reset(kp_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

kp_status kp_buf_reserve(kp_buf *b, size_t extra)
{
    size_t need, cap;
    char *grown;

    if (extra > ((size_t)-1) / 2 - b->len)
        return KP_ERR_TOO_LARGE;
    need = b->len + extra + 1;
    if (b->limit && b->len + extra > b->limit)
        return KP_ERR_TOO_LARGE;
    if (need <= b->cap)
        return KP_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    grown = realloc(b->data, cap);
    if (!grown)
        return KP_ERR_NOMEM;
    b->data = grown;
    b->cap = cap;
    return KP_OK;
}

kp_status kp_buf_append(kp_buf *b, const void *data, size_t len)
{
    kp_status st = kp_buf_reserve(b, len);
    if (st != KP_OK)
        return st;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return KP_OK;
}

kp_status kp_buf_puts(kp_buf *b, const char *s)
{
    return kp_buf_append_inline(b, s, strlen(s));
}

kp_status kp_buf_putc(kp_buf *b, char c)
{
    return kp_buf_append(b, &c, 1);
}

kp_status kp_buf_repeat(kp_buf *b, char c, size_t count)
{
    kp_status st = kp_buf_reserve(b, count);
    if (st != KP_OK)
        return st;
    memset(b->data + b->len, c, count);
    b->len += count;
    b->data[b->len] = '\0';
    return KP_OK;
}

kp_status kp_buf_printf(kp_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    kp_status st;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return KP_ERR_INTERNAL;
    st = kp_buf_reserve(b, (size_t)n);
    if (st != KP_OK)
        return st;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return KP_OK;
}

char *kp_buf_steal(kp_buf *b, size_t *len)
{
    char *data = b->data;
    if (len)
        *len = b->len;
    if (!data)
        data = calloc(1, 1);
    kp_buf_init(b, b->limit);
    return data;
}

const char *kp_buf_str(const kp_buf *b)
{
    return b->data ? b->data : "";
}
