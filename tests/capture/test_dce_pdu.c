/* The pure PDU functions of dce_pdu.c, on hand-built PDUs laid out as
 * C706 12.6 and MS-RPCE 2.2.2.11 give them, without any stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dce_pdu.h"
#include "iiss/names.h"

/* A little-endian request: call_id 7, ctx 1, opnum 10, an object UUID, a
 * 6-byte stub, 2 bytes of auth padding, a PKT_INTEGRITY NTLMSSP trailer and
 * a 16-byte verifier. frag_length = 16 + 8 + 16 + 6 + 2 + 8 + 16 = 72. */
static size_t build_request(uint8_t *p, uint8_t auth_pad)
{
    static const uint8_t head[] = {5, 0, 0, 0x03 | 0x80, 0x10, 0, 0, 0, 72, 0, 16, 0, 7, 0, 0, 0};
    size_t at = 0;
    memcpy(p, head, sizeof head);
    at += sizeof head;
    static const uint8_t body[] = {6, 0, 0, 0, 1, 0, 10, 0};
    memcpy(p + at, body, sizeof body);
    at += sizeof body;
    memcpy(p + at, iiss_iid_bytes, 16);
    at += 16;
    static const uint8_t stub[] = {0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0, 0};
    memcpy(p + at, stub, sizeof stub);
    at += sizeof stub;
    const uint8_t trailer[8] = {10, 5, auth_pad, 0, 0, 0, 0, 0};
    memcpy(p + at, trailer, 8);
    at += 8;
    memset(p + at, 0xEE, 16);
    return at + 16;
}

static void request_view_and_stub(void **state)
{
    (void)state;
    uint8_t pdu[96];
    size_t len = build_request(pdu, 2);
    assert_int_equal(len, 72);
    assert_true(iiss_dce_header_plausible(pdu, 16));
    assert_int_equal(iiss_dce_header_frag_length(pdu), 72);

    iiss_dce_pdu v;
    iiss_dce_pdu_init(&v, pdu, len, 72);
    assert_int_equal(v.ptype, IISS_DCE_REQUEST);
    assert_int_equal(v.call_id, 7);
    assert_false(v.big_endian);
    assert_true(v.has_auth);
    assert_int_equal(v.auth_type, 10);
    assert_int_equal(v.auth_level, IISS_DCE_AUTH_LEVEL_PKT_INTEGRITY);
    assert_int_equal(v.auth_value_off, 56);
    assert_false(iiss_dce_pdu_sealed(&v));

    iiss_dce_request_header h;
    assert_true(iiss_dce_pdu_request_header(&v, &h));
    assert_int_equal(h.ctx_id, 1);
    assert_int_equal(h.opnum, 10);
    assert_true(h.has_object);
    assert_memory_equal(h.object, iiss_iid_bytes, 16);
    assert_int_equal(h.stub_off, 40);

    size_t off, n;
    assert_true(iiss_dce_pdu_stub_bounds(&v, h.stub_off, &off, &n));
    assert_int_equal(off, 40);
    assert_int_equal(n, 6); /* the padding before the trailer is not stub */
}

static void padding_longer_than_body(void **state)
{
    (void)state;
    uint8_t pdu[96];
    size_t len = build_request(pdu, 200);
    iiss_dce_pdu v;
    iiss_dce_pdu_init(&v, pdu, len, 72);
    size_t off, n;
    assert_false(iiss_dce_pdu_stub_bounds(&v, 40, &off, &n));
    assert_true(v.malformed);
    assert_int_equal(n, 0);
}

static void truncated_pdu_loses_its_trailer(void **state)
{
    (void)state;
    uint8_t pdu[96];
    build_request(pdu, 2);
    iiss_dce_pdu v;
    iiss_dce_pdu_init(&v, pdu, 44, 72); /* the capture kept 44 of 72 bytes */
    assert_true(v.truncated);
    assert_false(v.has_auth);
    size_t off, n;
    assert_true(iiss_dce_pdu_stub_bounds(&v, 40, &off, &n));
    assert_int_equal(n, 4);
}

static void implausible_headers(void **state)
{
    (void)state;
    uint8_t pdu[96];
    build_request(pdu, 2);
    pdu[0] = 4; /* version 4 is connectionless */
    assert_false(iiss_dce_header_plausible(pdu, 16));
    pdu[0] = 5;
    pdu[2] = 1; /* ping: connectionless only */
    assert_false(iiss_dce_header_plausible(pdu, 16));
    pdu[2] = 0;
    pdu[8] = 40; /* frag_length below 24 + 8 + auth_length */
    assert_false(iiss_dce_header_plausible(pdu, 16));
    assert_true(iiss_dce_header_plausible(pdu, 3)); /* a prefix without lengths yet */
}

/* A big-endian bind proposing IIsServiceControl over NDR and NDR64, and
 * its ack accepting the NDR64 one (C706 12.6.4.3 / 12.6.4.4). */
static void bind_and_ack_lists(void **state)
{
    (void)state;
    static const uint8_t ndr64_be[16] = {0x71, 0x71, 0x05, 0x33, 0xbe, 0xba, 0x49, 0x37,
                                         0x83, 0x19, 0xb5, 0xdb, 0xef, 0x9c, 0xcc, 0x36};
    static const uint8_t iid_be[16] = {0xE8, 0xFB, 0x86, 0x20, 0x58, 0x8F, 0x11, 0xD2,
                                       0x9D, 0x61, 0x00, 0xC0, 0x4F, 0x79, 0xC5, 0xFE};
    uint8_t bind[128] = {5, 0, IISS_DCE_BIND, 3, 0x00, 0, 0, 0};
    size_t at = 24;
    bind[at++] = 2; /* two contexts */
    at += 3;
    for (uint8_t c = 0; c < 2; c++) {
        bind[at++] = 0;
        bind[at++] = c; /* ctx_id */
        bind[at++] = 1; /* one transfer syntax */
        at++;
        memcpy(bind + at, iid_be, 16);
        at += 16;
        at += 4; /* version 0.0 */
        memcpy(bind + at, ndr64_be, 16);
        at += 16;
        bind[at + 1] = 1; /* v1 (u16 major, u16 minor) */
        at += 4;
    }
    bind[9] = (uint8_t)at;
    iiss_dce_pdu v;
    iiss_dce_pdu_init(&v, bind, at, at);
    assert_true(v.big_endian);
    iiss_dce_context ctx[1];
    size_t n;
    assert_true(iiss_dce_pdu_bind_contexts(&v, ctx, 1, &n));
    assert_int_equal(n, 1); /* only as many as asked for are kept */
    assert_int_equal(ctx[0].ctx_id, 0);
    assert_memory_equal(ctx[0].abstract, iiss_iid_bytes, 16);

    uint8_t ack[128] = {5, 0, IISS_DCE_BIND_ACK, 3, 0x00, 0, 0, 0};
    at = 24;
    ack[at++] = 0;
    ack[at++] = 4; /* sec_addr "135\0" */
    memcpy(ack + at, "135", 4);
    at += 4;
    at += 2; /* align to 4 */
    ack[at++] = 2;
    at += 3;
    at += 2; /* result 0 (acceptance) ... */
    at += 2;
    memcpy(ack + at, ndr64_be, 16);
    at += 16;
    ack[at + 1] = 1;
    at += 4;
    ack[at + 1] = 2; /* ... then 2: provider rejection */
    at += 4 + 16 + 4;
    ack[9] = (uint8_t)at;
    iiss_dce_pdu_init(&v, ack, at, at);
    iiss_dce_ack_result r[4];
    assert_true(iiss_dce_pdu_ack_results(&v, r, 4, &n));
    assert_int_equal(n, 2);
    assert_int_equal(r[0].result, 0);
    assert_int_equal(r[0].syntax, IISS_DCE_SYNTAX_NDR64);
    assert_int_equal(r[1].result, 2);
    assert_int_equal(r[1].syntax, IISS_DCE_SYNTAX_OTHER);

    iiss_dce_pdu_init(&v, ack, at - 10, at - 10); /* the list runs past the PDU */
    assert_false(iiss_dce_pdu_ack_results(&v, r, 4, &n));
    assert_int_equal(n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_view_and_stub),
        cmocka_unit_test(padding_longer_than_body),
        cmocka_unit_test(truncated_pdu_loses_its_trailer),
        cmocka_unit_test(implausible_headers),
        cmocka_unit_test(bind_and_ack_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
