/* Growable output buffer (see text_buf.h). */
#include "text_buf.h"

#include <stdarg.h>

#include <glib.h>

#define FIRST_CAPACITY 4096u

void iissdump_buf_grow(iissdump_buf *b, size_t extra)
{
    size_t cap = b->cap ? b->cap : FIRST_CAPACITY;
    while (cap - b->len < extra) {
        if (cap > SIZE_MAX / 2)
            g_error("iissdump: output buffer too large");
        cap *= 2;
    }
    if (cap != b->cap || !b->data) {
        b->data = g_realloc(b->data, cap);
        b->cap = cap;
    }
}

void iissdump_buf_free(iissdump_buf *b)
{
    g_free(b->data);
    *b = (iissdump_buf){0};
}

void iissdump_buf_spaces(iissdump_buf *b, size_t n)
{
    if (n == 0)
        return;
    if (b->cap - b->len < n)
        iissdump_buf_grow(b, n);
    memset(b->data + b->len, ' ', n);
    b->len += n;
}

void iissdump_buf_u64(iissdump_buf *b, uint64_t v)
{
    char digits[20];
    size_t at = sizeof digits;
    do {
        digits[--at] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    iissdump_buf_add(b, digits + at, sizeof digits - at);
}

void iissdump_buf_printf(iissdump_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(b->data ? b->data + b->len : NULL, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (need < 0)
        return;
    if ((size_t)need >= b->cap - b->len) {
        /* did not fit (the NUL included): grow and format again */
        iissdump_buf_grow(b, (size_t)need + 1);
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)need;
}

bool iissdump_buf_write(iissdump_buf *b, FILE *out)
{
    size_t n = b->len;
    b->len = 0;
    return n == 0 || fwrite(b->data, 1, n, out) == n;
}
