/* Midstream inference (see iiss/infer.h): the whole call must fit one
 * method of IIsServiceControl, and something must vouch for it. Other DCOM
 * interfaces have methods of the same request shape at the same opnums
 * (ITypeInfo::GetNames is opnum 7 with two DWORDs after ORPCTHIS, like
 * Stop), so a request alone proves nothing; their replies differ. */
#include "iiss/infer.h"

#include "iiss/names.h"

#define HRESULT_SEVERITY_ERROR 0x80000000u
#define STATUS_RECORD_BYTES 36u /* MS-IISS 2.2.1: two offsets and a SERVICE_STATUS */

static const char *const evidence_names[IISS_INFER_EVIDENCE_KINDS] = {
    "request_shape",
    "response_shape",
    "port_bound_earlier",
    "activation_ipid",
};

const char *iiss_infer_evidence_name(unsigned index)
{
    return index < IISS_INFER_EVIDENCE_KINDS ? evidence_names[index] : NULL;
}

static bool only_truncation(const iiss_anomaly_list *anomalies)
{
    for (size_t i = 0; i < anomalies->count; i++)
        if (anomalies->items[i].kind != IISS_AN_STUB_TRUNCATED)
            return false;
    return true;
}

static bool is_bool(const iiss_dword_param *param)
{
    return !param->present || param->value <= 1;
}

/* Real servers answer S_OK or a failure; a success code with information
 * (S_FALSE and the like) is no result this interface defines, and a DWORD
 * of another method's reply is usually a small count or an ID. */
static bool hresult_plausible(uint32_t hresult)
{
    return hresult == 0 || (hresult & HRESULT_SEVERITY_ERROR) != 0;
}

static bool decode_fitting_request(const iiss_infer_stub *rq, uint16_t opnum, iiss_ndr ndr_hint, iiss_ndr *ndr_out,
                                   iiss_request *req)
{
    if (!rq->stub || opnum < IISS_OPNUM_STOP || opnum > IISS_OPNUM_KILL)
        return false;
    iiss_ndr first = ndr_hint == IISS_NDR64 ? IISS_NDR64 : IISS_NDR20;
    const iiss_ndr order[2] = {first, first == IISS_NDR64 ? IISS_NDR20 : IISS_NDR64};
    for (size_t i = 0; i < 2; i++) {
        iiss_ndr ndr = order[i];
        if (!rq->cut_short) {
            /* The library's exact-length test (ORPCTHIS 5.x, nothing after
             * the last parameter), then the values in that syntax. */
            if (!iiss_request_looks_like_iiss(rq->stub, rq->len, opnum, rq->big_endian, &ndr))
                continue;
            iiss_decode_request(rq->stub, rq->len, opnum, ndr, rq->big_endian, req);
        } else {
            iiss_decode_request(rq->stub, rq->len, opnum, ndr, rq->big_endian, req);
            if (!req->orpcthis.parsed || req->orpcthis.version_major != 5 || !only_truncation(&req->anomalies))
                continue;
        }
        if (!is_bool(&req->force) || !is_bool(&req->force_apps_closed))
            return false;
        *ndr_out = ndr;
        return true;
    }
    return false;
}

bool iiss_infer_request_fits(const iiss_infer_stub *request, uint16_t opnum, iiss_ndr ndr_hint, iiss_ndr *ndr_out)
{
    iiss_request req;
    iiss_ndr ndr = IISS_NDR20;
    if (!decode_fitting_request(request, opnum, ndr_hint, &ndr, &req))
        return false;
    if (ndr_out)
        *ndr_out = ndr;
    return true;
}

/* The response, in the request's syntax: exactly this method's [out]
 * parameters and a plausible HRESULT. */
static bool response_fits(const iiss_infer_stub *rs, uint16_t opnum, iiss_ndr ndr, const iiss_request *req,
                          const char **why)
{
    iiss_response resp;
    const uint32_t *buffer_size = req->buffer_size.present ? &req->buffer_size.value : NULL;
    iiss_decode_response(rs->stub, rs->len, opnum, ndr, rs->big_endian, buffer_size, &resp);
    if (!resp.orpcthat.parsed) {
        *why = "the response has no ORPCTHAT";
        return false;
    }
    if (rs->cut_short) {
        if (!only_truncation(&resp.anomalies)) {
            *why = "the response does not parse as this method's";
            return false;
        }
    } else {
        size_t end = resp.hresult.present ? (size_t)resp.hresult.span.offset + resp.hresult.span.length : 0;
        if (!resp.complete || end != rs->len) {
            *why = "the response is not exactly this method's [out] parameters and HRESULT";
            return false;
        }
        for (size_t i = 0; i < resp.anomalies.count; i++)
            if (resp.anomalies.items[i].kind == IISS_AN_CONFORMANCE_MISMATCH) {
                *why = "the response's buffer size is not the request's dwBufferSize";
                return false;
            }
    }
    if (resp.hresult.present && !hresult_plausible(resp.hresult.value)) {
        *why = "the response's HRESULT is neither S_OK nor a failure code";
        return false;
    }
    if (resp.hresult.present && resp.hresult.value == 0 && resp.num_services.present &&
        (uint64_t)resp.num_services.value * STATUS_RECORD_BYTES > resp.conformance) {
        *why = "the response counts more services than its buffer holds";
        return false;
    }
    return true;
}

bool iiss_infer_call(const iiss_infer_input *in, iiss_infer_verdict *out)
{
    out->accepted = false;
    out->ndr = IISS_NDR20;
    out->evidence = 0;
    out->rejected_why = NULL;

    iiss_request req;
    if (!decode_fitting_request(&in->request, in->opnum, in->ndr_hint, &out->ndr, &req)) {
        out->rejected_why = "the request is not exactly this method's, or its values are implausible";
        return false;
    }
    if (in->has_response && !in->response_is_fault && in->response.stub) {
        if (!response_fits(&in->response, in->opnum, out->ndr, &req, &out->rejected_why))
            return false;
        out->evidence |= IISS_INFER_RESPONSE_SHAPE;
    }
    if (in->port_bound_earlier)
        out->evidence |= IISS_INFER_PORT_BOUND_EARLIER;
    if (in->activation_ipid)
        out->evidence |= IISS_INFER_ACTIVATION_IPID;
    if (out->evidence == 0) {
        out->rejected_why = "only the request was readable and nothing else vouches for the interface";
        return false;
    }
    out->evidence |= IISS_INFER_REQUEST_SHAPE;
    out->accepted = true;
    return true;
}
