/* A growable byte writer: every byte the generator emits goes through it, so
 * lengths and positions are tracked in one place and never computed by hand.
 * Allocation failure aborts (the generator is a tool, not a library). */
#ifndef SAMPLEGEN_BYTEBUF_H
#define SAMPLEGEN_BYTEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bytebuf {
    uint8_t *data;
    size_t len;
    size_t cap;
    bool big_endian; /* byte order of the multi-byte put_* calls */
} bytebuf;

/* A GUID in its textual field order; writers serialise it per byte order. */
typedef struct guid {
    uint32_t data1;
    uint16_t data2;
    uint16_t data3;
    uint8_t data4[8];
} guid;

void bb_init(bytebuf *b);
void bb_free(bytebuf *b);
void bb_clear(bytebuf *b);

void bb_put_u8(bytebuf *b, uint8_t v);
void bb_put_u16(bytebuf *b, uint16_t v);
void bb_put_u32(bytebuf *b, uint32_t v);
void bb_put_u64(bytebuf *b, uint64_t v);
void bb_put_u16le(bytebuf *b, uint16_t v);
void bb_put_u32le(bytebuf *b, uint32_t v);
void bb_put_u16be(bytebuf *b, uint16_t v);
void bb_put_u32be(bytebuf *b, uint32_t v);
void bb_put_bytes(bytebuf *b, const void *src, size_t n);
void bb_put_zeros(bytebuf *b, size_t n);
void bb_put_fill(bytebuf *b, uint8_t value, size_t n);
/* Pads with `fill` until (len - base) is a multiple of `alignment`. */
void bb_align(bytebuf *b, size_t base, size_t alignment, uint8_t fill);
/* GUID with data1..3 in the buffer's byte order (NDR and DCE/RPC headers). */
void bb_put_guid(bytebuf *b, const guid *g);
/* UTF-16LE of an ASCII/Latin-1 string, with its NUL terminator. */
void bb_put_utf16le_z(bytebuf *b, const char *ascii);

/* Overwrite already written bytes (lengths known only later). Aborts when the
 * range is outside the buffer. */
void bb_patch_u16(bytebuf *b, size_t at, uint16_t v);
void bb_patch_u32(bytebuf *b, size_t at, uint32_t v);
void bb_patch_bytes(bytebuf *b, size_t at, const void *src, size_t n);

/* "E8FB8620-588F-11D2-9D61-00C04F79C5FE" -> guid; aborts on a bad literal
 * (they are all constants in this program). */
guid guid_from_string(const char *text);
/* Upper-case 8-4-4-4-12 text into out[37]. */
void guid_to_string(const guid *g, char out[37]);

#endif
