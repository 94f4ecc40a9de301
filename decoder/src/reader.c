/* Bounds-checked cursor: the only place the decoder turns wire bytes into
 * integers. */
#include "iiss/reader.h"

#include <string.h>

void iiss_rd_init(iiss_reader *rd, const uint8_t *data, size_t len, bool big_endian)
{
    rd->data = data;
    rd->len = data ? len : 0;
    rd->pos = 0;
    rd->big_endian = big_endian;
    rd->ok = true;
}

size_t iiss_rd_remaining(const iiss_reader *rd)
{
    return rd->pos <= rd->len ? rd->len - rd->pos : 0;
}

bool iiss_rd_has(const iiss_reader *rd, size_t n)
{
    return rd->ok && iiss_rd_remaining(rd) >= n;
}

/* Marks the reader failed and parks it at the end, so later reads fail too. */
static void fail(iiss_reader *rd)
{
    rd->ok = false;
    rd->pos = rd->len;
}

const uint8_t *iiss_rd_take(iiss_reader *rd, size_t n)
{
    if (!iiss_rd_has(rd, n)) {
        fail(rd);
        return NULL;
    }
    const uint8_t *p = rd->data + rd->pos;
    rd->pos += n;
    return p;
}

static uint64_t read_uint(iiss_reader *rd, size_t width, bool big_endian)
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

uint8_t iiss_rd_u8(iiss_reader *rd)
{
    return (uint8_t)read_uint(rd, 1, false);
}

uint16_t iiss_rd_u16(iiss_reader *rd)
{
    return (uint16_t)read_uint(rd, 2, rd->big_endian);
}

uint32_t iiss_rd_u32(iiss_reader *rd)
{
    return (uint32_t)read_uint(rd, 4, rd->big_endian);
}

uint64_t iiss_rd_u64(iiss_reader *rd)
{
    return read_uint(rd, 8, rd->big_endian);
}

uint16_t iiss_rd_u16le(iiss_reader *rd)
{
    return (uint16_t)read_uint(rd, 2, false);
}

uint32_t iiss_rd_u32le(iiss_reader *rd)
{
    return (uint32_t)read_uint(rd, 4, false);
}

bool iiss_rd_copy(iiss_reader *rd, void *dst, size_t n)
{
    const uint8_t *p = iiss_rd_take(rd, n);
    if (!p) {
        memset(dst, 0, n);
        return false;
    }
    memcpy(dst, p, n);
    return true;
}

bool iiss_rd_skip(iiss_reader *rd, size_t n)
{
    if (n == 0)
        return rd->ok;
    return iiss_rd_take(rd, n) != NULL;
}

bool iiss_rd_align(iiss_reader *rd, size_t align)
{
    if (align <= 1 || !rd->ok)
        return rd->ok;
    size_t rem = rd->pos % align;
    return rem == 0 ? true : iiss_rd_skip(rd, align - rem);
}

bool iiss_rd_seek(iiss_reader *rd, size_t pos)
{
    if (!rd->ok || pos > rd->len) {
        fail(rd);
        return false;
    }
    rd->pos = pos;
    return true;
}

bool iiss_peek_u16le(const uint8_t *data, size_t len, size_t at, uint16_t *out)
{
    if (!data || at > len || len - at < 2)
        return false;
    *out = (uint16_t)(data[at] | (data[at + 1] << 8));
    return true;
}

bool iiss_peek_u32le(const uint8_t *data, size_t len, size_t at, uint32_t *out)
{
    if (!data || at > len || len - at < 4)
        return false;
    *out = (uint32_t)data[at] | ((uint32_t)data[at + 1] << 8) | ((uint32_t)data[at + 2] << 16) |
           ((uint32_t)data[at + 3] << 24);
    return true;
}
