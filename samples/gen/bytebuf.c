#include "bytebuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *why)
{
    fprintf(stderr, "iiss-samplegen: %s\n", why);
    abort();
}

void bb_init(bytebuf *b)
{
    memset(b, 0, sizeof *b);
}

void bb_free(bytebuf *b)
{
    free(b->data);
    bb_init(b);
}

void bb_clear(bytebuf *b)
{
    b->len = 0;
}

static uint8_t *bb_reserve(bytebuf *b, size_t n)
{
    if (n > SIZE_MAX - b->len)
        die("buffer size overflow");
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *grown = realloc(b->data, cap);
        if (!grown)
            die("out of memory");
        b->data = grown;
        b->cap = cap;
    }
    uint8_t *at = b->data + b->len;
    b->len += n;
    return at;
}

void bb_put_u8(bytebuf *b, uint8_t v)
{
    *bb_reserve(b, 1) = v;
}

void bb_put_u16le(bytebuf *b, uint16_t v)
{
    uint8_t *p = bb_reserve(b, 2);
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void bb_put_u16be(bytebuf *b, uint16_t v)
{
    uint8_t *p = bb_reserve(b, 2);
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void bb_put_u32le(bytebuf *b, uint32_t v)
{
    bb_put_u16le(b, (uint16_t)v);
    bb_put_u16le(b, (uint16_t)(v >> 16));
}

void bb_put_u32be(bytebuf *b, uint32_t v)
{
    bb_put_u16be(b, (uint16_t)(v >> 16));
    bb_put_u16be(b, (uint16_t)v);
}

void bb_put_u16(bytebuf *b, uint16_t v)
{
    if (b->big_endian)
        bb_put_u16be(b, v);
    else
        bb_put_u16le(b, v);
}

void bb_put_u32(bytebuf *b, uint32_t v)
{
    if (b->big_endian)
        bb_put_u32be(b, v);
    else
        bb_put_u32le(b, v);
}

void bb_put_u64(bytebuf *b, uint64_t v)
{
    if (b->big_endian) {
        bb_put_u32be(b, (uint32_t)(v >> 32));
        bb_put_u32be(b, (uint32_t)v);
    } else {
        bb_put_u32le(b, (uint32_t)v);
        bb_put_u32le(b, (uint32_t)(v >> 32));
    }
}

void bb_put_bytes(bytebuf *b, const void *src, size_t n)
{
    if (n)
        memcpy(bb_reserve(b, n), src, n);
}

void bb_put_fill(bytebuf *b, uint8_t value, size_t n)
{
    if (n)
        memset(bb_reserve(b, n), value, n);
}

void bb_put_zeros(bytebuf *b, size_t n)
{
    bb_put_fill(b, 0, n);
}

void bb_align(bytebuf *b, size_t base, size_t alignment, uint8_t fill)
{
    if (b->len < base)
        die("alignment base after the end of the buffer");
    size_t rem = (b->len - base) % alignment;
    if (rem)
        bb_put_fill(b, fill, alignment - rem);
}

void bb_put_guid(bytebuf *b, const guid *g)
{
    bb_put_u32(b, g->data1);
    bb_put_u16(b, g->data2);
    bb_put_u16(b, g->data3);
    bb_put_bytes(b, g->data4, sizeof g->data4);
}

void bb_put_utf16le_z(bytebuf *b, const char *ascii)
{
    for (const unsigned char *c = (const unsigned char *)ascii; *c; c++)
        bb_put_u16le(b, *c);
    bb_put_u16le(b, 0);
}

static uint8_t *bb_patch_at(bytebuf *b, size_t at, size_t n)
{
    if (at > b->len || n > b->len - at)
        die("patch outside the buffer");
    return b->data + at;
}

void bb_patch_u16(bytebuf *b, size_t at, uint16_t v)
{
    uint8_t *p = bb_patch_at(b, at, 2);
    if (b->big_endian) {
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
    } else {
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
    }
}

void bb_patch_u32(bytebuf *b, size_t at, uint32_t v)
{
    bb_patch_u16(b, at + (b->big_endian ? 0 : 2), (uint16_t)(v >> 16));
    bb_patch_u16(b, at + (b->big_endian ? 2 : 0), (uint16_t)v);
}

void bb_patch_bytes(bytebuf *b, size_t at, const void *src, size_t n)
{
    if (n)
        memcpy(bb_patch_at(b, at, n), src, n);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

guid guid_from_string(const char *text)
{
    /* Positions of the 32 hex digits around the four dashes. */
    uint8_t raw[16];
    size_t digit = 0;
    for (const char *c = text; *c; c++) {
        if (*c == '-')
            continue;
        int v = hex_value(*c);
        if (v < 0 || digit >= 32)
            die("bad GUID literal");
        if (digit % 2 == 0)
            raw[digit / 2] = (uint8_t)(v << 4);
        else
            raw[digit / 2] |= (uint8_t)v;
        digit++;
    }
    if (digit != 32 || strlen(text) != 36)
        die("bad GUID literal");
    guid g;
    g.data1 = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3];
    g.data2 = (uint16_t)(raw[4] << 8 | raw[5]);
    g.data3 = (uint16_t)(raw[6] << 8 | raw[7]);
    memcpy(g.data4, raw + 8, 8);
    return g;
}

void guid_to_string(const guid *g, char out[37])
{
    snprintf(out, 37, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", g->data1, g->data2, g->data3, g->data4[0],
             g->data4[1], g->data4[2], g->data4[3], g->data4[4], g->data4[5], g->data4[6], g->data4[7]);
}
