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

typedef struct iiss_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
    bool big_endian; /* byte order of multi-byte integers */
    bool ok;         /* false once any read ran past the end */
} iiss_reader;

void iiss_rd_init(iiss_reader *rd, const uint8_t *data, size_t len, bool big_endian);

size_t iiss_rd_remaining(const iiss_reader *rd);
bool iiss_rd_has(const iiss_reader *rd, size_t n);

uint8_t iiss_rd_u8(iiss_reader *rd);
uint16_t iiss_rd_u16(iiss_reader *rd);
uint32_t iiss_rd_u32(iiss_reader *rd);
uint64_t iiss_rd_u64(iiss_reader *rd);
/* Little-endian regardless of rd->big_endian (STATUS_BLOB, NTLMSSP). */
uint16_t iiss_rd_u16le(iiss_reader *rd);
uint32_t iiss_rd_u32le(iiss_reader *rd);
/* Copies n bytes into dst (dst zeroed on failure). */
bool iiss_rd_copy(iiss_reader *rd, void *dst, size_t n);
/* Returns a pointer to the next n bytes and advances, or NULL. */
const uint8_t *iiss_rd_take(iiss_reader *rd, size_t n);
bool iiss_rd_skip(iiss_reader *rd, size_t n);
/* Aligns pos to a multiple of `align` (a power of two) relative to the span
 * start; NDR padding bytes are skipped, never checked. */
bool iiss_rd_align(iiss_reader *rd, size_t align);
bool iiss_rd_seek(iiss_reader *rd, size_t pos);

/* Random access without moving the cursor; false when out of range. */
bool iiss_peek_u16le(const uint8_t *data, size_t len, size_t at, uint16_t *out);
bool iiss_peek_u32le(const uint8_t *data, size_t len, size_t at, uint32_t *out);

#endif
