/* Midstream inference rule (iiss/infer.h). Vectors written by hand from
 * MS-DCOM 2.2.13 (ORPCTHIS 32 bytes, ORPCTHAT 8 bytes in NDR20), MS-IISS 6
 * (Stop: dwTimeoutMsecs, dwForce; Status: dwBufferSize, then pbBuffer's
 * conformance and bytes, pdwMDRequiredBufferSize, pdwNumServices, HRESULT)
 * and MS-OAUT 3.7.4.8 (ITypeInfo::GetNames, opnum 7: memid, cMaxNames; the
 * reply a conformant varying BSTR array, pcNames, HRESULT). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iiss/infer.h"

#define CID 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x01
#define ORPCTHIS20 0x05, 0x00, 0x07, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, CID, 0, 0, 0, 0
#define ORPCTHAT20 0, 0, 0, 0, 0, 0, 0, 0
#define LE32(v) (uint8_t)((v) & 0xFF), (uint8_t)(((v) >> 8) & 0xFF), (uint8_t)(((v) >> 16) & 0xFF), \
                (uint8_t)(((uint32_t)(v) >> 24) & 0xFF)

static const uint8_t stop_request[] = {ORPCTHIS20, LE32(20000), LE32(1)};
static const uint8_t stop_response_ok[] = {ORPCTHAT20, LE32(0)};
static const uint8_t stop_response_failed[] = {ORPCTHAT20, LE32(0x8007041Du)};
/* S_FALSE: a success code with information, not a result of this interface. */
static const uint8_t stop_response_s_false[] = {ORPCTHAT20, LE32(1)};
/* GetNames(memid 0x60020000, cMaxNames 1): the Stop request shape. */
static const uint8_t get_names_request[] = {ORPCTHIS20, LE32(0x60020000u), LE32(1)};
static const uint8_t get_names_request_force2[] = {ORPCTHIS20, LE32(0x60020000u), LE32(2)};
/* Its reply: ORPCTHAT, BSTR array (max 1, offset 0, actual 1, unique
 * pointer), the FLAGGED_WORD_BLOB of "Stop" (cBytes 8, clSize 4, buffer
 * conformance 4, 4 WCHARs), pcNames 1, S_OK: 52 bytes. */
static const uint8_t get_names_response[] = {ORPCTHAT20, LE32(1), LE32(0), LE32(1), LE32(0x00020000u),
                                             LE32(8), LE32(4), LE32(4), 'S', 0, 't', 0, 'o', 0, 'p', 0,
                                             LE32(1), LE32(0)};
static const uint8_t status_request[] = {ORPCTHIS20, LE32(16)};
/* Status reply: conformance 16, 16 zero bytes, required 0, 0 services, S_OK. */
static const uint8_t status_response[] = {ORPCTHAT20, LE32(16), 0, 0, 0, 0, 0, 0, 0, 0,
                                          0, 0, 0, 0, 0, 0, 0, 0, LE32(0), LE32(0), LE32(0)};
/* The same with a conformance of 8: not the request's 16. */
static const uint8_t status_response_mismatch[] = {ORPCTHAT20, LE32(8), 0, 0, 0, 0, 0, 0, 0, 0,
                                                   LE32(0), LE32(0), LE32(0)};
/* 3 services claimed in a 16-byte buffer. */
static const uint8_t status_response_overcount[] = {ORPCTHAT20, LE32(16), 0, 0, 0, 0, 0, 0, 0, 0,
                                                    0, 0, 0, 0, 0, 0, 0, 0, LE32(0), LE32(3), LE32(0)};

static iiss_infer_input call_input(uint16_t opnum, const uint8_t *rq, size_t rq_len, const uint8_t *rs, size_t rs_len)
{
    iiss_infer_input in;
    memset(&in, 0, sizeof in);
    in.opnum = opnum;
    in.request.stub = rq;
    in.request.len = rq_len;
    in.has_response = rs != NULL;
    in.response.stub = rs;
    in.response.len = rs_len;
    return in;
}

static void test_evidence_names(void **state)
{
    (void)state;
    assert_string_equal(iiss_infer_evidence_name(0), "request_shape");
    assert_string_equal(iiss_infer_evidence_name(1), "response_shape");
    assert_string_equal(iiss_infer_evidence_name(2), "port_bound_earlier");
    assert_string_equal(iiss_infer_evidence_name(3), "activation_ipid");
    assert_null(iiss_infer_evidence_name(4));
}

static void test_stop_whole_call_fits(void **state)
{
    (void)state;
    iiss_infer_verdict v;
    iiss_infer_input in = call_input(7, stop_request, sizeof stop_request, stop_response_ok, sizeof stop_response_ok);
    assert_true(iiss_infer_call(&in, &v));
    assert_int_equal(v.evidence, IISS_INFER_REQUEST_SHAPE | IISS_INFER_RESPONSE_SHAPE);
    assert_int_equal(v.ndr, IISS_NDR20);
    in = call_input(7, stop_request, sizeof stop_request, stop_response_failed, sizeof stop_response_failed);
    assert_true(iiss_infer_call(&in, &v));
}

static void test_get_names_is_rejected(void **state)
{
    (void)state;
    iiss_infer_verdict v;
    /* The request fits Stop exactly ... */
    iiss_infer_stub rq = {get_names_request, sizeof get_names_request, false, false};
    assert_true(iiss_infer_request_fits(&rq, 7, IISS_NDR20, NULL));
    /* ... the 52-byte reply does not, whatever else is known. */
    assert_int_equal(sizeof get_names_response, 52);
    iiss_infer_input in =
        call_input(7, get_names_request, sizeof get_names_request, get_names_response, sizeof get_names_response);
    assert_false(iiss_infer_call(&in, &v));
    assert_non_null(v.rejected_why);
    in.port_bound_earlier = true;
    in.activation_ipid = true;
    assert_false(iiss_infer_call(&in, &v));
    /* cMaxNames 2 would be dwForce 2: rejected at the request. */
    iiss_infer_stub rq2 = {get_names_request_force2, sizeof get_names_request_force2, false, false};
    assert_false(iiss_infer_request_fits(&rq2, 7, IISS_NDR20, NULL));
}

static void test_request_alone_needs_evidence(void **state)
{
    (void)state;
    iiss_infer_verdict v;
    iiss_infer_input in = call_input(7, stop_request, sizeof stop_request, NULL, 0);
    assert_false(iiss_infer_call(&in, &v));
    in.port_bound_earlier = true;
    assert_true(iiss_infer_call(&in, &v));
    assert_int_equal(v.evidence, IISS_INFER_REQUEST_SHAPE | IISS_INFER_PORT_BOUND_EARLIER);
    in.port_bound_earlier = false;
    in.activation_ipid = true;
    assert_true(iiss_infer_call(&in, &v));
    assert_int_equal(v.evidence, IISS_INFER_REQUEST_SHAPE | IISS_INFER_ACTIVATION_IPID);
    /* A fault confirms nothing: any interface's call may fault. */
    in = call_input(7, stop_request, sizeof stop_request, NULL, 0);
    in.has_response = true;
    in.response_is_fault = true;
    assert_false(iiss_infer_call(&in, &v));
}

static void test_implausible_hresult(void **state)
{
    (void)state;
    iiss_infer_verdict v;
    iiss_infer_input in =
        call_input(7, stop_request, sizeof stop_request, stop_response_s_false, sizeof stop_response_s_false);
    assert_false(iiss_infer_call(&in, &v));
}

static void test_status_response_checks(void **state)
{
    (void)state;
    iiss_infer_verdict v;
    iiss_infer_input in =
        call_input(10, status_request, sizeof status_request, status_response, sizeof status_response);
    assert_true(iiss_infer_call(&in, &v));
    in = call_input(10, status_request, sizeof status_request, status_response_mismatch,
                    sizeof status_response_mismatch);
    assert_false(iiss_infer_call(&in, &v));
    in = call_input(10, status_request, sizeof status_request, status_response_overcount,
                    sizeof status_response_overcount);
    assert_false(iiss_infer_call(&in, &v));
}

static void test_trailing_bytes_reject(void **state)
{
    (void)state;
    iiss_infer_verdict v;
    /* ITypeInfo::GetRefTypeOfImplType's reply (ORPCTHAT, HREFTYPE, HRESULT)
     * against Start: the 4 bytes after the "HRESULT" are no padding. */
    static const uint8_t start_request[] = {ORPCTHIS20, LE32(0)};
    static const uint8_t reftype_reply[] = {ORPCTHAT20, LE32(0), LE32(0)};
    iiss_infer_input in = call_input(8, start_request, sizeof start_request, reftype_reply, sizeof reftype_reply);
    assert_false(iiss_infer_call(&in, &v));
    /* Extra request bytes too. */
    static const uint8_t kill_with_args[] = {ORPCTHIS20, LE32(5)};
    in = call_input(11, kill_with_args, sizeof kill_with_args, stop_response_ok, sizeof stop_response_ok);
    assert_false(iiss_infer_call(&in, &v));
}

static void test_cut_short_stubs(void **state)
{
    (void)state;
    iiss_infer_verdict v;
    /* Both halves cut by a snaplen: they fit as far as they go. */
    iiss_infer_input in = call_input(10, status_request, sizeof status_request, status_response, 20);
    in.response.cut_short = true;
    assert_true(iiss_infer_call(&in, &v));
    assert_int_equal(v.evidence, IISS_INFER_REQUEST_SHAPE | IISS_INFER_RESPONSE_SHAPE);
    in = call_input(7, stop_request, 34, stop_response_ok, sizeof stop_response_ok);
    in.request.cut_short = true;
    assert_true(iiss_infer_call(&in, &v));
    /* The first bytes of a GetNames reply are no Stop response. */
    in = call_input(7, get_names_request, sizeof get_names_request, get_names_response, 20);
    in.response.cut_short = true;
    assert_false(iiss_infer_call(&in, &v));
}

static void test_opnum_outside_interface(void **state)
{
    (void)state;
    iiss_infer_verdict v;
    iiss_infer_input in = call_input(6, stop_request, sizeof stop_request, stop_response_ok, sizeof stop_response_ok);
    in.activation_ipid = true;
    assert_false(iiss_infer_call(&in, &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evidence_names),
        cmocka_unit_test(test_stop_whole_call_fits),
        cmocka_unit_test(test_get_names_is_rejected),
        cmocka_unit_test(test_request_alone_needs_evidence),
        cmocka_unit_test(test_implausible_hresult),
        cmocka_unit_test(test_status_response_checks),
        cmocka_unit_test(test_trailing_bytes_reject),
        cmocka_unit_test(test_cut_short_stubs),
        cmocka_unit_test(test_opnum_outside_interface),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
