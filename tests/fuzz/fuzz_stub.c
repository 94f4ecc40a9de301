/* Fuzzes the stub decoders. The first byte picks the call:
 *   bits 0-2: opnum 5..12 (a few outside IIsServiceControl's 7..11)
 *   bit 3: NDR64 context   bit 4: big-endian   bit 5: response
 *   bit 6: the next 4 bytes are the request's dwBufferSize (responses)
 * The rest is the stub. Besides the sanitizers, every span the decoder
 * reports must lie inside the stub. */
#include <stdint.h>
#include <stdlib.h>

#include "iiss/reader.h"
#include "iiss/stub.h"

static void check_span(const iiss_span *span, size_t len)
{
    if ((uint64_t)span->offset + span->length > len)
        abort();
}

static void check_param(const iiss_dword_param *param, size_t len)
{
    if (param->present)
        check_span(&param->span, len);
}

static void check_extensions(const iiss_orpc_extensions *ext, size_t len)
{
    if (!ext->present)
        return;
    check_span(&ext->span, len);
    for (uint32_t i = 0; i < ext->count && i < IISS_ORPC_EXTENTS_KEPT; i++)
        check_span(&ext->kept[i].data, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t selector = data[0];
    uint16_t opnum = (uint16_t)(5 + (selector & 7));
    iiss_ndr ndr = (selector & 0x08) ? IISS_NDR64 : IISS_NDR20;
    bool big_endian = (selector & 0x10) != 0;
    bool response = (selector & 0x20) != 0;
    const uint8_t *stub = data + 1;
    size_t len = size - 1;

    uint32_t asked = 0;
    const uint32_t *request_buffer_size = NULL;
    if ((selector & 0x40) && iiss_peek_u32le(stub, len, 0, &asked)) {
        request_buffer_size = &asked;
        stub += 4;
        len -= 4;
    }

    if (!response) {
        iiss_request req;
        iiss_decode_request(stub, len, opnum, ndr, big_endian, &req);
        check_span(&req.orpcthis.span, len);
        check_extensions(&req.orpcthis.extensions, len);
        check_param(&req.timeout_ms, len);
        check_param(&req.force, len);
        check_param(&req.force_apps_closed, len);
        check_param(&req.buffer_size, len);
        iiss_ndr guess = ndr;
        iiss_request_looks_like_iiss(stub, len, opnum, big_endian, &guess);
        return 0;
    }

    iiss_response resp;
    iiss_decode_response(stub, len, opnum, ndr, big_endian, request_buffer_size, &resp);
    check_span(&resp.orpcthat.span, len);
    check_extensions(&resp.orpcthat.extensions, len);
    if (resp.has_buffer) {
        check_span(&resp.conformance_span, len);
        check_span(&resp.buffer, len);
    }
    check_param(&resp.required_size, len);
    check_param(&resp.num_services, len);
    check_param(&resp.hresult, len);
    iiss_status_blob blob;
    iiss_response_decode_blob(stub, len, &resp, &blob);
    iiss_status_blob_free(&blob);
    return 0;
}
