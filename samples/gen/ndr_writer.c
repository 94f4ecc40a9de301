#include "ndr_writer.h"

#include <string.h>

#define NDR_FIRST_REFERENT 0x00020000u
#define NDR_REFERENT_STEP 4u

void ndr_init(ndr_writer *w, bytebuf *out, bool ndr64)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->base = out->len;
    w->ndr64 = ndr64;
    w->next_referent = NDR_FIRST_REFERENT;
}

void ndr_align(ndr_writer *w, size_t alignment)
{
    bb_align(w->out, w->base, alignment, w->pad_fill);
}

void ndr_u16(ndr_writer *w, uint16_t v)
{
    ndr_align(w, 2);
    bb_put_u16(w->out, v);
}

void ndr_u32(ndr_writer *w, uint32_t v)
{
    ndr_align(w, 4);
    bb_put_u32(w->out, v);
}

void ndr_guid(ndr_writer *w, const guid *g)
{
    ndr_align(w, 4); /* a struct of u32, u16, u16, u8[8] */
    bb_put_guid(w->out, g);
}

void ndr_conformance(ndr_writer *w, uint64_t count)
{
    if (w->ndr64) {
        ndr_align(w, 8);
        bb_put_u64(w->out, count);
    } else {
        ndr_u32(w, (uint32_t)count);
    }
}

void ndr_pointer(ndr_writer *w, bool non_null)
{
    uint32_t referent = 0;
    if (non_null) {
        referent = w->next_referent;
        w->next_referent += NDR_REFERENT_STEP;
    }
    if (w->ndr64) {
        ndr_align(w, 8);
        bb_put_u64(w->out, referent);
    } else {
        ndr_u32(w, referent);
    }
}

void ndr_bytes(ndr_writer *w, const uint8_t *data, size_t n)
{
    bb_put_bytes(w->out, data, n);
}

/* The deferred ORPC_EXTENT_ARRAY referent (2.2.13.2): size, reserved, then
 * the pointer to the conformant array of (size+1)&~1 extent pointers, then
 * each extent (a conformant structure: its max count comes first). */
static void put_extent_array(ndr_writer *w, const orpc_extent *extents, size_t n_extents)
{
    ndr_u32(w, (uint32_t)n_extents);
    ndr_u32(w, 0);
    ndr_pointer(w, true);
    size_t slots = (n_extents + 1u) & ~(size_t)1u;
    ndr_conformance(w, slots);
    for (size_t i = 0; i < slots; i++)
        ndr_pointer(w, i < n_extents);
    for (size_t i = 0; i < n_extents; i++) {
        uint32_t padded = (extents[i].size + 7u) & ~7u;
        ndr_conformance(w, padded);
        ndr_guid(w, &extents[i].id);
        ndr_u32(w, extents[i].size);
        ndr_bytes(w, extents[i].data, extents[i].size);
        bb_put_fill(w->out, 0, padded - extents[i].size);
    }
}

void ndr_orpcthis(ndr_writer *w, uint16_t major, uint16_t minor, uint32_t flags, const guid *causality,
                  const orpc_extent *extents, size_t n_extents)
{
    if (w->ndr64)
        ndr_align(w, 8); /* the structure holds a pointer */
    ndr_u16(w, major);
    ndr_u16(w, minor);
    ndr_u32(w, flags);
    ndr_u32(w, 0); /* reserved1 */
    ndr_guid(w, causality);
    ndr_pointer(w, n_extents > 0);
    if (n_extents)
        put_extent_array(w, extents, n_extents);
}

void ndr_orpcthat(ndr_writer *w, uint32_t flags, const orpc_extent *extents, size_t n_extents)
{
    if (w->ndr64)
        ndr_align(w, 8);
    ndr_u32(w, flags);
    ndr_pointer(w, n_extents > 0);
    if (n_extents)
        put_extent_array(w, extents, n_extents);
}
