/* NDR20 / NDR64 marshalling of the few types the IIS stubs need, plus the
 * DCOM ORPCTHIS / ORPCTHAT headers (MS-DCOM 2.2.13).
 *
 * Alignment is relative to the start of the stub (the PDU body starts 8-byte
 * aligned, so that is what a marshaler aligns to). Byte order is the
 * bytebuf's (the DCE/RPC drep). Padding bytes are `pad_fill`: NDR leaves
 * them unspecified, and a non-zero fill proves a decoder skips them. */
#ifndef SAMPLEGEN_NDR_WRITER_H
#define SAMPLEGEN_NDR_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

typedef struct ndr_writer {
    bytebuf *out;
    size_t base;             /* stub start inside out */
    bool ndr64;
    uint8_t pad_fill;
    uint32_t next_referent;  /* referent IDs as Windows numbers them */
} ndr_writer;

void ndr_init(ndr_writer *w, bytebuf *out, bool ndr64);
void ndr_align(ndr_writer *w, size_t alignment);
void ndr_u16(ndr_writer *w, uint16_t v);
void ndr_u32(ndr_writer *w, uint32_t v);
void ndr_guid(ndr_writer *w, const guid *g);
/* Conformance (max count): 4 bytes NDR20, 8 bytes aligned to 8 in NDR64. */
void ndr_conformance(ndr_writer *w, uint64_t count);
/* A unique/full pointer: 0 for NULL, else the next referent ID; 4 or 8 bytes. */
void ndr_pointer(ndr_writer *w, bool non_null);
void ndr_bytes(ndr_writer *w, const uint8_t *data, size_t n);

/* ORPC_EXTENT (MS-DCOM 2.2.13.1): id, size, data padded to 8. */
typedef struct orpc_extent {
    guid id;
    const uint8_t *data;
    uint32_t size;
} orpc_extent;

/* ORPCTHIS (2.2.13.3): COMVERSION, flags, reserved1, causality ID, and an
 * extension array when n_extents > 0. NDR20: 32 bytes without extensions;
 * NDR64: 40 (the GUID ends at 28, the pointer is aligned to 8). */
void ndr_orpcthis(ndr_writer *w, uint16_t major, uint16_t minor, uint32_t flags, const guid *causality,
                  const orpc_extent *extents, size_t n_extents);
/* ORPCTHAT (2.2.13.4): flags and the extension pointer. NDR20: 8 bytes
 * without extensions; NDR64: 16. */
void ndr_orpcthat(ndr_writer *w, uint32_t flags, const orpc_extent *extents, size_t n_extents);

#endif
