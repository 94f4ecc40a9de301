/* Bounds-checked cursor over a byte span.
 *
 * Every read of wire bytes in the decoder goes through this reader. A read
 * past the end sets `ok` to false (sticky), returns 0 and leaves `pos` at the
 * end, so callers may read a whole structure and test `ok` once. */
#ifndef IISS_READER_H
#define IISS_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct iiss_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
    bool big_endian; /* byte order of multi-byte integers */
    bool ok;         /* false once any read ran past the end */
} iiss_reader;

/* The accessors are inline: they sit on the hot path of every stage (a
 * call per field), and PIC code could not inline them across files.
 *
 * iiss_rd_u16/u32/u64 follow rd->big_endian; iiss_rd_u16le/u32le are
 * little-endian regardless (STATUS_BLOB, NTLMSSP). iiss_rd_copy zeroes dst
 * on failure. iiss_rd_take returns a pointer to the next n bytes and
 * advances, or NULL. iiss_rd_align aligns pos to a multiple of `align` (a
 * power of two) relative to the span start: NDR padding bytes are skipped,
 * never checked. iiss_peek_* read at random positions without a cursor and
 * return false when out of range. */

static inline void iiss_rd_init(iiss_reader *rd, const uint8_t *data, size_t len, bool big_endian)
{
    rd->data = data;
    rd->len = data ? len : 0;
    rd->pos = 0;
    rd->big_endian = big_endian;
    rd->ok = true;
}

static inline size_t iiss_rd_remaining(const iiss_reader *rd)
{
    return rd->pos <= rd->len ? rd->len - rd->pos : 0;
}

static inline bool iiss_rd_has(const iiss_reader *rd, size_t n)
{
    return rd->ok && iiss_rd_remaining(rd) >= n;
}

/* Marks the reader failed and parks it at the end, so later reads fail too. */
static inline void iiss_rd_fail_(iiss_reader *rd)
{
    rd->ok = false;
    rd->pos = rd->len;
}

static inline const uint8_t *iiss_rd_take(iiss_reader *rd, size_t n)
{
    if (!iiss_rd_has(rd, n)) {
        iiss_rd_fail_(rd);
        return NULL;
    }
    const uint8_t *p = rd->data + rd->pos;
    rd->pos += n;
    return p;
}

static inline uint64_t iiss_rd_uint_(iiss_reader *rd, size_t width, bool big_endian)
{
    const uint8_t *p = iiss_rd_take(rd, width);
    if (!p)
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < width; i++) {
        size_t idx = big_endian ? i : width - 1 - i;
        v = (v << 8) | p[idx];
    }
    return v;
}

static inline uint8_t iiss_rd_u8(iiss_reader *rd)
{
    return (uint8_t)iiss_rd_uint_(rd, 1, false);
}

static inline uint16_t iiss_rd_u16(iiss_reader *rd)
{
    return (uint16_t)iiss_rd_uint_(rd, 2, rd->big_endian);
}

static inline uint32_t iiss_rd_u32(iiss_reader *rd)
{
    return (uint32_t)iiss_rd_uint_(rd, 4, rd->big_endian);
}

static inline uint64_t iiss_rd_u64(iiss_reader *rd)
{
    return iiss_rd_uint_(rd, 8, rd->big_endian);
}

static inline uint16_t iiss_rd_u16le(iiss_reader *rd)
{
    return (uint16_t)iiss_rd_uint_(rd, 2, false);
}

static inline uint32_t iiss_rd_u32le(iiss_reader *rd)
{
    return (uint32_t)iiss_rd_uint_(rd, 4, false);
}

static inline bool iiss_rd_copy(iiss_reader *rd, void *dst, size_t n)
{
    const uint8_t *p = iiss_rd_take(rd, n);
    if (!p) {
        memset(dst, 0, n);
        return false;
    }
    memcpy(dst, p, n);
    return true;
}

static inline bool iiss_rd_skip(iiss_reader *rd, size_t n)
{
    if (n == 0)
        return rd->ok;
    return iiss_rd_take(rd, n) != NULL;
}

static inline bool iiss_rd_align(iiss_reader *rd, size_t align)
{
    if (align <= 1 || !rd->ok)
        return rd->ok;
    size_t rem = rd->pos % align;
    return rem == 0 ? true : iiss_rd_skip(rd, align - rem);
}

static inline bool iiss_rd_seek(iiss_reader *rd, size_t pos)
{
    if (!rd->ok || pos > rd->len) {
        iiss_rd_fail_(rd);
        return false;
    }
    rd->pos = pos;
    return true;
}

static inline bool iiss_peek_u16le(const uint8_t *data, size_t len, size_t at, uint16_t *out)
{
    if (!data || at > len || len - at < 2)
        return false;
    *out = (uint16_t)(data[at] | (data[at + 1] << 8));
    return true;
}

static inline bool iiss_peek_u16(const uint8_t *data, size_t len, size_t at, bool big_endian, uint16_t *out)
{
    if (!big_endian)
        return iiss_peek_u16le(data, len, at, out);
    if (!data || at > len || len - at < 2)
        return false;
    *out = (uint16_t)((data[at] << 8) | data[at + 1]);
    return true;
}

static inline bool iiss_peek_u32le(const uint8_t *data, size_t len, size_t at, uint32_t *out)
{
    if (!data || at > len || len - at < 4)
        return false;
    *out = (uint32_t)data[at] | ((uint32_t)data[at + 1] << 8) | ((uint32_t)data[at + 2] << 16) |
           ((uint32_t)data[at + 3] << 24);
    return true;
}

#endif
