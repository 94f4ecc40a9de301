/* Fuzzes the midstream inference rule (iiss/infer.h). Input:
 *   byte 0: bits 0-2 opnum 5..12, bit 3 NDR64 first, bit 4 big-endian,
 *           bit 5 a response follows, bit 6 it is a fault, bit 7 the
 *           request is cut short;
 *   byte 1: bit 0 port bound earlier, bit 1 activation IPID, bit 2 the
 *           response is cut short;
 *   byte 2: request length (the rest is the response stub).
 * Besides the sanitizers: an accepted call has evidence, and evidence the
 * input did not give is never claimed. */
#include <stdint.h>
#include <stdlib.h>

#include "iiss/infer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    uint8_t sel = data[0];
    uint8_t ev = data[1];
    size_t rq_len = data[2];
    const uint8_t *rest = data + 3;
    size_t rest_len = size - 3;
    if (rq_len > rest_len)
        rq_len = rest_len;
    iiss_infer_input in = {0};
    in.opnum = (uint16_t)(5 + (sel & 7));
    in.ndr_hint = (sel & 0x08) ? IISS_NDR64 : IISS_NDR20;
    in.request.stub = rest;
    in.request.len = rq_len;
    in.request.big_endian = (sel & 0x10) != 0;
    in.request.cut_short = (sel & 0x80) != 0;
    in.has_response = (sel & 0x20) != 0;
    in.response_is_fault = (sel & 0x40) != 0;
    if (in.has_response && !in.response_is_fault) {
        in.response.stub = rest + rq_len;
        in.response.len = rest_len - rq_len;
        in.response.big_endian = in.request.big_endian;
        in.response.cut_short = (ev & 0x04) != 0;
    }
    in.port_bound_earlier = (ev & 0x01) != 0;
    in.activation_ipid = (ev & 0x02) != 0;

    iiss_infer_verdict v;
    bool accepted = iiss_infer_call(&in, &v);
    if (accepted != v.accepted || (accepted && !(v.evidence & IISS_INFER_REQUEST_SHAPE)) ||
        (accepted && (v.evidence & ~(unsigned)IISS_INFER_REQUEST_SHAPE) == 0) || (!accepted && v.rejected_why == NULL))
        abort();
    if ((v.evidence & IISS_INFER_PORT_BOUND_EARLIER) && !in.port_bound_earlier)
        abort();
    if ((v.evidence & IISS_INFER_ACTIVATION_IPID) && !in.activation_ipid)
        abort();
    if ((v.evidence & IISS_INFER_RESPONSE_SHAPE) && in.response.stub == NULL)
        abort();
    if (accepted && (in.opnum < 7 || in.opnum > 11))
        abort();
    iiss_infer_request_fits(&in.request, in.opnum, in.ndr_hint, NULL);
    return 0;
}
