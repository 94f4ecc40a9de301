/* A growable byte buffer the printers format into: a call's whole text is
 * built here and written with one fwrite, and once the buffer has grown to
 * the largest call nothing is allocated any more. Allocation failure aborts
 * (g_realloc), as everywhere else in iissdump. */
#ifndef IISSDUMP_TEXT_BUF_H
#define IISSDUMP_TEXT_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct iissdump_buf {
    char *data;
    size_t len;
    size_t cap;
} iissdump_buf;

/* Grows the buffer so that `extra` more bytes fit after len. */
void iissdump_buf_grow(iissdump_buf *b, size_t extra);
void iissdump_buf_free(iissdump_buf *b);

static inline void iissdump_buf_add(iissdump_buf *b, const void *bytes, size_t n)
{
    if (n == 0) /* an empty buffer has no data to memcpy to */
        return;
    if (b->cap - b->len < n)
        iissdump_buf_grow(b, n);
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
}

static inline void iissdump_buf_str(iissdump_buf *b, const char *s)
{
    iissdump_buf_add(b, s, strlen(s));
}

static inline void iissdump_buf_char(iissdump_buf *b, char c)
{
    if (b->cap == b->len)
        iissdump_buf_grow(b, 1);
    b->data[b->len++] = c;
}

void iissdump_buf_spaces(iissdump_buf *b, size_t n);
/* Decimal, as printf's %llu. */
void iissdump_buf_u64(iissdump_buf *b, uint64_t v);
/* For the rare field that needs a format (hex, fixed-point): vsnprintf
 * straight into the buffer. */
void iissdump_buf_printf(iissdump_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Writes the content and empties the buffer; false on a write error. */
bool iissdump_buf_write(iissdump_buf *b, FILE *out);

#endif
