/*
 * buf.h: a growable byte buffer, the one way libkaspipos builds strings and
 * output streams.  Always NUL-terminated after its length, so text can be
 * used as a C string; binary output (ESC/POS, PDF) may contain NULs.
 *
 * A buffer may carry a limit: an append that would pass it fails with
 * KP_ERR_TOO_LARGE and leaves the buffer as it was, so inputs from outside
 * are bounded where they enter.
 */
#ifndef KASPIPOS_BUF_H
#define KASPIPOS_BUF_H

#include <stddef.h>
#include <stdarg.h>
#include <string.h>
#include "kaspipos/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kp_buf {
    char *data;     /* NULL until the first append */
    size_t len;
    size_t cap;
    size_t limit;   /* 0: unlimited */
} kp_buf;

#define KP_BUF_INIT { NULL, 0, 0, 0 }

void kp_buf_init(kp_buf *b, size_t limit);
void kp_buf_free(kp_buf *b);
void kp_buf_reset(kp_buf *b);                         /* len = 0, keeps memory */
kp_status kp_buf_reserve(kp_buf *b, size_t extra);
kp_status kp_buf_append(kp_buf *b, const void *data, size_t len);
kp_status kp_buf_puts(kp_buf *b, const char *s);
kp_status kp_buf_putc(kp_buf *b, char c);
kp_status kp_buf_repeat(kp_buf *b, char c, size_t count);
kp_status kp_buf_printf(kp_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands the bytes to the caller (free() them) and empties the buffer. */
char *kp_buf_steal(kp_buf *b, size_t *len);
/* "" when empty, never NULL. */
const char *kp_buf_str(const kp_buf *b);

/* kp_buf_append and kp_buf_putc inline when the bytes fit in the memory the
 * buffer already has and under its limit (most appends: a receipt makes
 * hundreds of small ones); anything else goes to the functions above, which
 * stay exported.  The same result either way. */
static inline kp_status kp_buf_append_inline(kp_buf *b, const void *data, size_t len)
{
    if (b->cap - b->len > len && (!b->limit || b->limit - b->len >= len)) {
        if (len)
            memcpy(b->data + b->len, data, len);
        b->len += len;
        b->data[b->len] = '\0';
        return KP_OK;
    }
    return (kp_buf_append)(b, data, len);
}

static inline kp_status kp_buf_putc_inline(kp_buf *b, char c)
{
    if (b->cap - b->len > 1 && (!b->limit || b->limit > b->len)) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return KP_OK;
    }
    return (kp_buf_putc)(b, c);
}

#define kp_buf_append(b, data, len) kp_buf_append_inline((b), (data), (len))
#define kp_buf_putc(b, c) kp_buf_putc_inline((b), (c))

#ifdef __cplusplus
}
#endif
#endif
