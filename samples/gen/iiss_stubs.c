#include "iiss_stubs.h"

static void start_writer(ndr_writer *w, bytebuf *out, const iiss_stub_style *style)
{
    ndr_init(w, out, style->ndr64);
    w->pad_fill = style->pad_fill;
}

void iiss_write_request(bytebuf *out, const iiss_stub_style *style, const guid *causality, const uint32_t *dwords,
                        size_t n_dwords)
{
    ndr_writer w;
    start_writer(&w, out, style);
    ndr_orpcthis(&w, COM_VERSION_MAJOR, COM_VERSION_MINOR, 0, causality, style->extents, style->n_extents);
    for (size_t i = 0; i < n_dwords; i++)
        ndr_u32(&w, dwords[i]);
}

void iiss_write_simple_response(bytebuf *out, const iiss_stub_style *style, uint32_t hresult)
{
    ndr_writer w;
    start_writer(&w, out, style);
    ndr_orpcthat(&w, 0, style->extents, style->n_extents);
    ndr_u32(&w, hresult);
}

void iiss_write_status_response(bytebuf *out, const iiss_stub_style *style, uint64_t conformance,
                                const uint8_t *buffer, size_t buffer_len, uint32_t required_size,
                                uint32_t num_services, uint32_t hresult)
{
    ndr_writer w;
    start_writer(&w, out, style);
    ndr_orpcthat(&w, 0, style->extents, style->n_extents);
    /* pbBuffer is a top-level [out, size_is] reference pointer: no referent
     * ID, just the conformant array. */
    ndr_conformance(&w, conformance);
    ndr_bytes(&w, buffer, buffer_len);
    ndr_u32(&w, required_size);
    ndr_u32(&w, num_services);
    ndr_u32(&w, hresult);
}
