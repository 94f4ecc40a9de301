/* Midstream inference: is a DCE/RPC call whose bind was not captured an
 * IIsServiceControl call? One rule, used by iissdump and the plugin.
 *
 * A call is accepted only when the whole call fits this method:
 *  - the request stub parses exactly as the opnum's (7-11): ORPCTHIS 5.x,
 *    the [in] DWORDs, nothing after them (a stub cut short by the snaplen
 *    may fit as far as it goes), with plausible values (dwForce and
 *    dwForceAppsClosed 0 or 1);
 *  - a readable response must parse exactly as the opnum's (ORPCTHAT, the
 *    [out] parameters, the HRESULT, nothing after; for Status a pbBuffer
 *    conformance equal to the request's dwBufferSize) with a plausible
 *    HRESULT (S_OK, or a failure code: severity bit set). A response that
 *    does not fit rejects the call whatever else is known;
 *  - and one piece of positive evidence besides the request's shape is
 *    there: the response fits (IISS_INFER_RESPONSE_SHAPE), or the caller
 *    knows the server port was bound to this interface earlier in the
 *    capture, or the object UUID is an IPID an activation of this CLSID
 *    returned. Without any, a request whose response is missing, a fault
 *    or sealed is not kept.
 * A fault answers any interface's call, so it neither confirms nor rejects. */
#ifndef IISS_INFER_H
#define IISS_INFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iiss/stub.h"

/* Evidence bits, in the order they are named. The request's shape is set
 * on every accepted call but vouches for nothing alone (other interfaces
 * share it); each of the others does. */
enum {
    IISS_INFER_REQUEST_SHAPE = 1u << 0,      /* "request_shape" */
    IISS_INFER_RESPONSE_SHAPE = 1u << 1,     /* "response_shape" */
    IISS_INFER_PORT_BOUND_EARLIER = 1u << 2, /* "port_bound_earlier" */
    IISS_INFER_ACTIVATION_IPID = 1u << 3,    /* "activation_ipid" */
};
#define IISS_INFER_EVIDENCE_KINDS 4

/* The name of evidence bit number `index` (0 .. IISS_INFER_EVIDENCE_KINDS-1). */
const char *iiss_infer_evidence_name(unsigned index);

/* One stub of the call: `stub` NULL when that half is absent or unreadable
 * (hole, sealed). `cut_short`: the stub is a prefix (capture snaplen). */
typedef struct iiss_infer_stub {
    const uint8_t *stub;
    size_t len;
    bool big_endian;
    bool cut_short;
} iiss_infer_stub;

typedef struct iiss_infer_input {
    uint16_t opnum;
    iiss_infer_stub request;
    bool has_response;        /* a response or fault PDU was captured */
    bool response_is_fault;
    iiss_infer_stub response; /* stub NULL: none, a fault, or unreadable */
    iiss_ndr ndr_hint;        /* transfer syntax to try first */
    /* Evidence only the caller can know. */
    bool port_bound_earlier;  /* this server address and port carried a context bound to the IID */
    bool activation_ipid;     /* the object UUID is an IPID an activation of the CLSID returned */
} iiss_infer_input;

typedef struct iiss_infer_verdict {
    bool accepted;
    iiss_ndr ndr;             /* the transfer syntax the request fitted in */
    unsigned evidence;        /* IISS_INFER_* bits */
    const char *rejected_why; /* when not accepted: a short reason */
} iiss_infer_verdict;

/* Applies the rule; returns out->accepted. Nothing allocates. */
bool iiss_infer_call(const iiss_infer_input *in, iiss_infer_verdict *out);

/* The request alone (the first half of the rule): fits and is plausible.
 * For a caller that must decide before the response is seen (the plugin's
 * first pass); the call still needs iiss_infer_call once the response is
 * known. */
bool iiss_infer_request_fits(const iiss_infer_stub *request, uint16_t opnum, iiss_ndr ndr_hint, iiss_ndr *ndr_out);

#endif
