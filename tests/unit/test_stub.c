/* Method stubs of IIsServiceControl: every vector below is written out by
 * hand from MS-DCOM 2.2.13 (ORPCTHIS/ORPCTHAT, ORPC_EXTENT_ARRAY), the NDR
 * rules (C706 ch. 14, MS-RPCE 2.2.5 for NDR64) and the IDL of MS-IISS 6.
 * Offsets in the comments are stub offsets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iiss/stub.h"

/* ---- Building blocks (bytes, not code) --------------------------------- */

/* Causality ID, wire order. */
#define CID 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x01

/* ORPCTHIS, NDR20 little-endian, no extensions: COMVERSION 5.7, flags 0,
 * reserved1 0, cid, NULL extensions pointer. 32 bytes. */
#define ORPCTHIS20_LE                                                                                              \
    0x05, 0x00, 0x07, 0x00, /* 0: version 5.7 */                                                                   \
        0x00, 0x00, 0x00, 0x00, /* 4: flags */                                                                     \
        0x00, 0x00, 0x00, 0x00, /* 8: reserved1 */                                                                 \
        CID,                    /* 12: cid */                                                                      \
        0x00, 0x00, 0x00, 0x00  /* 28: extensions = NULL */

/* The same, big-endian drep. */
#define ORPCTHIS20_BE                                                                                              \
    0x00, 0x05, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, CID, 0x00, 0x00, 0x00, 0x00

/* ORPCTHIS, NDR64 layout: the GUID ends at 28, 4 padding bytes (deliberately
 * not zero: padding has no defined value), the 8-byte pointer at 32. 40 bytes. */
#define ORPCTHIS64_LE                                                                                              \
    0x05, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, CID, 0xAA, 0xAA, 0xAA, 0xAA, /* pad */  \
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00                              /* 32: extensions = NULL */

/* ORPCTHAT, NDR20: flags, NULL extensions pointer. 8 bytes. */
#define ORPCTHAT20 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
/* ORPCTHAT, NDR64: flags, 4 padding bytes, 8-byte NULL pointer. 16 bytes. */
#define ORPCTHAT64 0x00, 0x00, 0x00, 0x00, 0xBB, 0xBB, 0xBB, 0xBB, 0, 0, 0, 0, 0, 0, 0, 0

/* A STATUS_BLOB (MS-IISS 2.2.2) of two services, 108 bytes, offsets in WCHARs:
 * W3SVC "WWW" running, IIS "Adm" stopped. Always little-endian. */
#define BLOB_2_SERVICES                                                                                            \
    /* 0: record 1 */                                                                                              \
    0x24, 0x00, 0x00, 0x00,     /* iServiceName 36 (byte 72) */                                                    \
        0x2A, 0x00, 0x00, 0x00, /* iDisplayName 42 (byte 84) */                                                    \
        0x20, 0x00, 0x00, 0x00, /* WIN32_SHARE_PROCESS */                                                          \
        0x04, 0x00, 0x00, 0x00, /* RUNNING */                                                                      \
        0x05, 0x00, 0x00, 0x00, /* STOP|SHUTDOWN */                                                                \
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                                                            \
        /* 36: record 2 */                                                                                         \
        0x2E, 0x00, 0x00, 0x00, /* iServiceName 46 (byte 92) */                                                    \
        0x32, 0x00, 0x00, 0x00, /* iDisplayName 50 (byte 100) */                                                   \
        0x20, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* STOPPED */                                              \
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                                                \
        /* 72: strings */                                                                                          \
        'W', 0, '3', 0, 'S', 0, 'V', 0, 'C', 0, 0, 0, 'W', 0, 'W', 0, 'W', 0, 0, 0, 'I', 0, 'I', 0, 'S', 0, 0, 0, \
        'A', 0, 'd', 0, 'm', 0, 0, 0

/* ---- Helpers ------------------------------------------------------------ */

static const iiss_anomaly *find_anomaly(const iiss_anomaly_list *list, iiss_anomaly_kind kind)
{
    for (size_t i = 0; i < list->count; i++) {
        if (list->items[i].kind == kind)
            return &list->items[i];
    }
    return NULL;
}

static void assert_param(const iiss_dword_param *param, uint32_t value, uint32_t offset)
{
    assert_true(param->present);
    assert_int_equal(param->value, value);
    assert_int_equal(param->span.offset, offset);
    assert_int_equal(param->span.length, 4);
}

static void assert_orpcthis_plain(const iiss_orpcthis *t, iiss_ndr layout, uint32_t length)
{
    static const uint8_t cid[16] = {CID};
    assert_true(t->parsed);
    assert_int_equal(t->layout, layout);
    assert_int_equal(t->span.offset, 0);
    assert_int_equal(t->span.length, length);
    assert_int_equal(t->version_major, 5);
    assert_int_equal(t->version_minor, 7);
    assert_int_equal(t->flags, 0);
    assert_int_equal(t->reserved1, 0);
    assert_memory_equal(t->cid, cid, 16);
    assert_false(t->extensions.present);
    /* The fixed fields sit at the same places in both layouts (2.2.13.3). */
    assert_int_equal(t->at.version_major.offset, 0);
    assert_int_equal(t->at.version_major.length, 2);
    assert_int_equal(t->at.version_minor.offset, 2);
    assert_int_equal(t->at.version_minor.length, 2);
    assert_int_equal(t->at.flags.offset, 4);
    assert_int_equal(t->at.flags.length, 4);
    assert_int_equal(t->at.reserved1.offset, 8);
    assert_int_equal(t->at.reserved1.length, 4);
    assert_int_equal(t->at.cid.offset, 12);
    assert_int_equal(t->at.cid.length, 16);
}

/* Defined with the truncation tests below. */
static void check_request_prefixes(const uint8_t *stub, size_t len, uint16_t opnum, iiss_ndr ndr, bool big_endian);
static void check_response_prefixes(const uint8_t *stub, size_t len, uint16_t opnum, iiss_ndr ndr,
                                    bool big_endian);

/* ---- iiss_ndr_name ------------------------------------------------------ */

static void test_ndr_name(void **state)
{
    (void)state;
    assert_string_equal(iiss_ndr_name(IISS_NDR20), "NDR20");
    assert_string_equal(iiss_ndr_name(IISS_NDR64), "NDR64");
}

/* ---- Requests, NDR20 little-endian -------------------------------------- */

static void test_stop_request_ndr20_le(void **state)
{
    (void)state;
    static const uint8_t stub[] = {ORPCTHIS20_LE, 0xE8, 0x03, 0x00, 0x00, /* 32: dwTimeoutMsecs 1000 */
                                   0x01, 0x00, 0x00, 0x00 /* 36: dwForce 1 */};
    assert_int_equal(sizeof stub, 40);
    iiss_request req;
    assert_true(iiss_decode_request(stub, sizeof stub, 7, IISS_NDR20, false, &req));
    assert_int_equal(req.opnum, 7);
    assert_int_equal(req.ndr, IISS_NDR20);
    assert_orpcthis_plain(&req.orpcthis, IISS_NDR20, 32);
    assert_param(&req.timeout_ms, 1000, 32);
    assert_param(&req.force, 1, 36);
    assert_false(req.force_apps_closed.present);
    assert_false(req.buffer_size.present);
    assert_int_equal(req.anomalies.count, 0);
}

static void test_start_request_ndr20_le(void **state)
{
    (void)state;
    static const uint8_t stub[] = {ORPCTHIS20_LE, 0x30, 0x75, 0x00, 0x00 /* 30000 */};
    iiss_request req;
    assert_true(iiss_decode_request(stub, sizeof stub, 8, IISS_NDR20, false, &req));
    assert_param(&req.timeout_ms, 30000, 32);
    assert_false(req.force.present);
    assert_int_equal(req.anomalies.count, 0);
}

static void test_reboot_request_bool_out_of_range(void **state)
{
    (void)state;
    static const uint8_t stub[] = {ORPCTHIS20_LE, 0x10, 0x27, 0x00, 0x00, /* 10000 */
                                   0x02, 0x00, 0x00, 0x00 /* 36: dwForceAppsClosed 2 */};
    iiss_request req;
    assert_true(iiss_decode_request(stub, sizeof stub, 9, IISS_NDR20, false, &req));
    assert_param(&req.timeout_ms, 10000, 32);
    assert_param(&req.force_apps_closed, 2, 36); /* still decoded */
    assert_int_equal(req.anomalies.count, 1);
    const iiss_anomaly *a = find_anomaly(&req.anomalies, IISS_AN_BOOL_NOT_0_OR_1);
    assert_non_null(a);
    assert_int_equal(a->offset, 36);
    assert_int_equal(a->length, 4);
}

static void test_status_request_ndr20_le(void **state)
{
    (void)state;
    static const uint8_t stub[] = {ORPCTHIS20_LE, 0x00, 0x10, 0x00, 0x00 /* dwBufferSize 4096 */};
    iiss_request req;
    assert_true(iiss_decode_request(stub, sizeof stub, 10, IISS_NDR20, false, &req));
    assert_param(&req.buffer_size, 4096, 32);
    assert_int_equal(req.anomalies.count, 0);
}

static void test_kill_request_ndr20_le(void **state)
{
    (void)state;
    static const uint8_t stub[] = {ORPCTHIS20_LE};
    iiss_request req;
    assert_true(iiss_decode_request(stub, sizeof stub, 11, IISS_NDR20, false, &req));
    assert_orpcthis_plain(&req.orpcthis, IISS_NDR20, 32);
    assert_false(req.timeout_ms.present);
    assert_int_equal(req.anomalies.count, 0);
}

/* ---- Requests, NDR20 big-endian ----------------------------------------- */

static void test_requests_ndr20_be(void **state)
{
    (void)state;
    static const uint8_t stop[] = {ORPCTHIS20_BE, 0x00, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x00, 0x00};
    iiss_request req;
    assert_true(iiss_decode_request(stop, sizeof stop, 7, IISS_NDR20, true, &req));
    assert_orpcthis_plain(&req.orpcthis, IISS_NDR20, 32);
    assert_param(&req.timeout_ms, 1000, 32);
    assert_param(&req.force, 0, 36);
    assert_int_equal(req.anomalies.count, 0);

    static const uint8_t reboot[] = {ORPCTHIS20_BE, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
    assert_true(iiss_decode_request(reboot, sizeof reboot, 9, IISS_NDR20, true, &req));
    assert_param(&req.timeout_ms, 0x10000, 32);
    assert_param(&req.force_apps_closed, 1, 36);

    static const uint8_t status[] = {ORPCTHIS20_BE, 0x00, 0x00, 0x01, 0x00};
    assert_true(iiss_decode_request(status, sizeof status, 10, IISS_NDR20, true, &req));
    assert_param(&req.buffer_size, 256, 32);

    static const uint8_t start[] = {ORPCTHIS20_BE, 0x00, 0x00, 0x00, 0x05};
    assert_true(iiss_decode_request(start, sizeof start, 8, IISS_NDR20, true, &req));
    assert_param(&req.timeout_ms, 5, 32);

    static const uint8_t kill[] = {ORPCTHIS20_BE};
    assert_true(iiss_decode_request(kill, sizeof kill, 11, IISS_NDR20, true, &req));
    assert_int_equal(req.orpcthis.version_major, 5);
    assert_int_equal(req.anomalies.count, 0);

    /* The same bytes read little-endian: version 0x0500, not a 5.x ORPCTHIS,
     * and the timeout is byte-swapped. The decoder must follow the drep. */
    assert_true(iiss_decode_request(stop, sizeof stop, 7, IISS_NDR20, false, &req));
    assert_int_equal(req.orpcthis.version_major, 0x0500);
    assert_int_equal(req.timeout_ms.value, 0xE8030000u);
}

/* ---- Requests, NDR64 context, NDR64-layout ORPCTHIS --------------------- */

static void test_requests_ndr64_layout(void **state)
{
    (void)state;
    static const uint8_t stop[] = {ORPCTHIS64_LE, 0xE8, 0x03, 0x00, 0x00, /* 40 */ 0x01, 0x00, 0x00, 0x00 /* 44 */};
    assert_int_equal(sizeof stop, 48);
    iiss_request req;
    assert_true(iiss_decode_request(stop, sizeof stop, 7, IISS_NDR64, false, &req));
    assert_int_equal(req.ndr, IISS_NDR64);
    assert_orpcthis_plain(&req.orpcthis, IISS_NDR64, 40);
    assert_param(&req.timeout_ms, 1000, 40);
    assert_param(&req.force, 1, 44);
    assert_int_equal(req.anomalies.count, 0);

    static const uint8_t start[] = {ORPCTHIS64_LE, 0x64, 0x00, 0x00, 0x00};
    assert_true(iiss_decode_request(start, sizeof start, 8, IISS_NDR64, false, &req));
    assert_int_equal(req.orpcthis.layout, IISS_NDR64);
    assert_param(&req.timeout_ms, 100, 40);
    assert_int_equal(req.anomalies.count, 0);

    static const uint8_t reboot[] = {ORPCTHIS64_LE, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    assert_true(iiss_decode_request(reboot, sizeof reboot, 9, IISS_NDR64, false, &req));
    assert_int_equal(req.orpcthis.layout, IISS_NDR64);
    assert_param(&req.force_apps_closed, 0, 44);
    assert_int_equal(req.anomalies.count, 0);

    static const uint8_t status[] = {ORPCTHIS64_LE, 0x00, 0x02, 0x00, 0x00};
    assert_true(iiss_decode_request(status, sizeof status, 10, IISS_NDR64, false, &req));
    assert_param(&req.buffer_size, 512, 40);
    assert_int_equal(req.anomalies.count, 0);

    static const uint8_t kill[] = {ORPCTHIS64_LE};
    assert_true(iiss_decode_request(kill, sizeof kill, 11, IISS_NDR64, false, &req));
    assert_orpcthis_plain(&req.orpcthis, IISS_NDR64, 40);
    assert_int_equal(req.anomalies.count, 0);
}

static void test_request_ndr64_big_endian(void **state)
{
    (void)state;
    static const uint8_t stop[] = {0x00, 0x05, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, CID,
                                   0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, /* 32: NULL */
                                   0x00, 0x00, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x01};
    iiss_request req;
    assert_true(iiss_decode_request(stop, sizeof stop, 7, IISS_NDR64, true, &req));
    assert_int_equal(req.orpcthis.layout, IISS_NDR64);
    assert_int_equal(req.orpcthis.version_major, 5);
    assert_param(&req.timeout_ms, 10, 40);
    assert_param(&req.force, 1, 44);
}

/* ---- Requests, NDR64 context, NDR20-layout ORPCTHIS (MS-DCOM 2.2.13) ---- */

static void test_requests_ndr20_orpc_in_ndr64(void **state)
{
    (void)state;
    static const uint8_t stop[] = {ORPCTHIS20_LE, 0xE8, 0x03, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
    iiss_request req;
    assert_true(iiss_decode_request(stop, sizeof stop, 7, IISS_NDR64, false, &req));
    assert_int_equal(req.ndr, IISS_NDR64);
    assert_orpcthis_plain(&req.orpcthis, IISS_NDR20, 32);
    assert_param(&req.timeout_ms, 1000, 32);
    assert_param(&req.force, 1, 36);
    /* NDR20 ORPC headers in an NDR64 call are the conforming form (MS-DCOM
     * 2.2.13): reported as the layout, no anomaly. */
    assert_int_equal(req.anomalies.count, 0);

    static const uint8_t kill[] = {ORPCTHIS20_LE};
    assert_true(iiss_decode_request(kill, sizeof kill, 11, IISS_NDR64, false, &req));
    assert_int_equal(req.orpcthis.layout, IISS_NDR20);
    assert_int_equal(req.anomalies.count, 0);

    static const uint8_t status[] = {ORPCTHIS20_LE, 0x00, 0x01, 0x00, 0x00};
    assert_true(iiss_decode_request(status, sizeof status, 10, IISS_NDR64, false, &req));
    assert_int_equal(req.orpcthis.layout, IISS_NDR20);
    assert_param(&req.buffer_size, 256, 32);

    static const uint8_t start[] = {ORPCTHIS20_LE, 0x07, 0x00, 0x00, 0x00};
    assert_true(iiss_decode_request(start, sizeof start, 8, IISS_NDR64, false, &req));
    assert_int_equal(req.orpcthis.layout, IISS_NDR20);
    assert_param(&req.timeout_ms, 7, 32);

    static const uint8_t reboot[] = {ORPCTHIS20_LE, 0x07, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
    assert_true(iiss_decode_request(reboot, sizeof reboot, 9, IISS_NDR64, false, &req));
    assert_int_equal(req.orpcthis.layout, IISS_NDR20);
    assert_param(&req.force_apps_closed, 1, 36);
}

/* ---- ORPCTHIS with extensions ------------------------------------------- */

/* NDR20 ORPCTHIS with one extension, then Start's dwTimeoutMsecs. Layout as
 * Wireshark's dissect_dcom_extent walks it: array pointer, size, reserved,
 * pointer, conformance, pointer array, then each extent's conformance, id,
 * size and bytes. */
static const uint8_t start_one_extension[] = {
    0x05, 0x00, 0x07, 0x00, 0x01, 0x00, 0x00, 0x00, /* flags ORPCF_LOCAL */
    0x00, 0x00, 0x00, 0x00, CID,
    0x00, 0x00, 0x02, 0x00, /* 28: extensions referent 0x00020000 */
    0x01, 0x00, 0x00, 0x00, /* 32: size 1 */
    0x00, 0x00, 0x00, 0x00, /* 36: reserved */
    0x04, 0x00, 0x02, 0x00, /* 40: extent array referent */
    0x02, 0x00, 0x00, 0x00, /* 44: conformance (1+1)&~1 = 2 */
    0x08, 0x00, 0x02, 0x00, /* 48: extent[0] referent */
    0x00, 0x00, 0x00, 0x00, /* 52: extent[1] NULL */
    0x08, 0x00, 0x00, 0x00, /* 56: ORPC_EXTENT conformance (5+7)&~7 = 8 */
    0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF, /* 60: id */
    0x05, 0x00, 0x00, 0x00,                                                                         /* 76: size 5 */
    'h', 'e', 'l', 'l', 'o', 0x00, 0x00, 0x00, /* 80: data, padded to 8 */
    0x88, 0x13, 0x00, 0x00,                    /* 88: dwTimeoutMsecs 5000 */
};

static void test_orpcthis_one_extension(void **state)
{
    (void)state;
    static const uint8_t id[16] = {0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7,
                                   0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF};
    assert_int_equal(sizeof start_one_extension, 92);
    iiss_request req;
    assert_true(iiss_decode_request(start_one_extension, sizeof start_one_extension, 8, IISS_NDR20, false, &req));
    assert_true(req.orpcthis.parsed);
    assert_int_equal(req.orpcthis.flags, 1);
    assert_int_equal(req.orpcthis.span.length, 88);
    const iiss_orpc_extensions *ext = &req.orpcthis.extensions;
    assert_true(ext->present);
    assert_int_equal(ext->size, 1);
    assert_int_equal(ext->reserved, 0);
    assert_int_equal(ext->count, 1);
    assert_int_equal(ext->span.offset, 32);
    assert_int_equal(ext->span.length, 56);
    assert_memory_equal(ext->kept[0].id, id, 16);
    assert_int_equal(ext->kept[0].size, 5);
    assert_int_equal(ext->kept[0].data.offset, 80);
    assert_int_equal(ext->kept[0].data.length, 5);
    assert_param(&req.timeout_ms, 5000, 88);
    assert_int_equal(req.anomalies.count, 0);
}

static void test_orpcthis_two_extensions(void **state)
{
    (void)state;
    static const uint8_t stub[] = {
        0x05, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, CID,
        0x00, 0x00, 0x02, 0x00, /* 28: extensions referent */
        0x02, 0x00, 0x00, 0x00, /* 32: size 2 */
        0x00, 0x00, 0x00, 0x00, /* 36: reserved */
        0x04, 0x00, 0x02, 0x00, /* 40: extent array referent */
        0x02, 0x00, 0x00, 0x00, /* 44: conformance 2 */
        0x08, 0x00, 0x02, 0x00, /* 48: extent[0] */
        0x0C, 0x00, 0x02, 0x00, /* 52: extent[1] */
        /* 56: extent 0: conformance 8, id, size 8, 8 bytes */
        0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 7, 8,
        /* 88: extent 1: conformance 16, id, size 12, 16 bytes */
        0x10, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x0C, 0x00, 0x00, 0x00, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 0xEE, 0xEE, 0xEE, 0xEE,
        /* 128: dwTimeoutMsecs, dwForce */
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(sizeof stub, 136);
    iiss_request req;
    assert_true(iiss_decode_request(stub, sizeof stub, 7, IISS_NDR20, false, &req));
    const iiss_orpc_extensions *ext = &req.orpcthis.extensions;
    assert_true(ext->present);
    assert_int_equal(ext->count, 2);
    assert_int_equal(ext->kept[0].id[0], 0x01);
    assert_int_equal(ext->kept[0].size, 8);
    assert_int_equal(ext->kept[0].data.offset, 80);
    assert_int_equal(ext->kept[1].id[0], 0x02);
    assert_int_equal(ext->kept[1].size, 12);
    assert_int_equal(ext->kept[1].data.offset, 112);
    assert_int_equal(ext->kept[1].data.length, 12);
    assert_int_equal(ext->span.offset, 32);
    assert_int_equal(ext->span.length, 96);
    assert_int_equal(req.orpcthis.span.length, 128);
    assert_param(&req.timeout_ms, 1, 128);
    assert_param(&req.force, 0, 132);
    assert_int_equal(req.anomalies.count, 0);
}

/* NDR64 layout: 8-byte pointers and conformances, each aligned to 8. */
static void test_orpcthis_extension_ndr64(void **state)
{
    (void)state;
    static const uint8_t stub[] = {
        0x05, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, CID, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, /* 32: extensions referent */
        0x01, 0x00, 0x00, 0x00,                         /* 40: size 1 */
        0x00, 0x00, 0x00, 0x00,                         /* 44: reserved */
        0x04, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, /* 48: extent array referent */
        0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 56: conformance 2 */
        0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, /* 64: extent[0] */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 72: extent[1] NULL */
        0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 80: ORPC_EXTENT conformance 8 */
        0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF, /* 88 */
        0x05, 0x00, 0x00, 0x00,                                                                         /* 104 */
        'h', 'e', 'l', 'l', 'o', 0x00, 0x00, 0x00,                                                      /* 108 */
        0x88, 0x13, 0x00, 0x00, /* 116: dwTimeoutMsecs 5000 */
    };
    assert_int_equal(sizeof stub, 120);
    iiss_request req;
    assert_true(iiss_decode_request(stub, sizeof stub, 8, IISS_NDR64, false, &req));
    assert_int_equal(req.orpcthis.layout, IISS_NDR64);
    assert_int_equal(req.orpcthis.span.length, 116);
    assert_int_equal(req.orpcthis.extensions.count, 1);
    assert_int_equal(req.orpcthis.extensions.kept[0].data.offset, 108);
    assert_int_equal(req.orpcthis.extensions.kept[0].data.length, 5);
    assert_param(&req.timeout_ms, 5000, 116);
    assert_int_equal(req.anomalies.count, 0);
    check_request_prefixes(stub, sizeof stub, 8, IISS_NDR64, false);

    /* The NDR20 vector with extensions, in an NDR64 context, is recognised
     * as NDR20 layout. */
    assert_true(
        iiss_decode_request(start_one_extension, sizeof start_one_extension, 8, IISS_NDR64, false, &req));
    assert_int_equal(req.orpcthis.layout, IISS_NDR20);
    assert_int_equal(req.orpcthis.extensions.count, 1);
    assert_param(&req.timeout_ms, 5000, 88);
}

/* More extents than kept in detail: all counted, the first four kept. */
static void test_orpcthis_many_extensions(void **state)
{
    (void)state;
#define EMPTY_EXTENT(n) 0x00, 0x00, 0x00, 0x00, n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x00
    static const uint8_t stub[] = {
        0x05, 0x00, 0x07, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, CID,
        0x00, 0x00, 0x02, 0x00,                   /* 28 */
        0x05, 0x00, 0x00, 0x00, 0, 0, 0, 0,       /* 32: size 5, reserved */
        0x04, 0x00, 0x02, 0x00,                   /* 40 */
        0x06, 0x00, 0x00, 0x00,                   /* 44: conformance 6 */
        0x08, 0x00, 0x02, 0x00, 0x0C, 0x00, 0x02, 0x00, 0x10, 0x00, 0x02, 0x00, /* 48 */
        0x14, 0x00, 0x02, 0x00, 0x18, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, /* 60 */
        EMPTY_EXTENT(1), EMPTY_EXTENT(2), EMPTY_EXTENT(3), EMPTY_EXTENT(4), EMPTY_EXTENT(5), /* 72..192 */
    };
#undef EMPTY_EXTENT
    assert_int_equal(sizeof stub, 192);
    iiss_request req;
    assert_true(iiss_decode_request(stub, sizeof stub, 11, IISS_NDR20, false, &req));
    assert_int_equal(req.orpcthis.extensions.count, 5);
    assert_int_equal(req.orpcthis.extensions.kept[0].id[0], 1);
    assert_int_equal(req.orpcthis.extensions.kept[3].id[0], 4);
    assert_int_equal(req.orpcthis.span.length, 192);
    assert_int_equal(req.anomalies.count, 0);
}

/* ---- Responses ---------------------------------------------------------- */

static void test_simple_responses_ndr20(void **state)
{
    (void)state;
    static const uint8_t ok[] = {ORPCTHAT20, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t timeout_be[] = {ORPCTHAT20, 0x80, 0x07, 0x04, 0x1D};
    iiss_response resp;
    for (uint16_t opnum = 7; opnum <= 11; opnum++) {
        if (opnum == 10)
            continue;
        assert_true(iiss_decode_response(ok, sizeof ok, opnum, IISS_NDR20, false, NULL, &resp));
        assert_true(resp.orpcthat.parsed);
        assert_int_equal(resp.orpcthat.span.length, 8);
        assert_false(resp.orpcthat.extensions.present);
        assert_param(&resp.hresult, 0, 8);
        assert_false(resp.has_buffer);
        assert_int_equal(resp.anomalies.count, 0);

        assert_true(iiss_decode_response(timeout_be, sizeof timeout_be, opnum, IISS_NDR20, true, NULL, &resp));
        assert_param(&resp.hresult, 0x8007041Du, 8);
    }
    /* Reboot answered E_NOTIMPL, little-endian. */
    static const uint8_t notimpl[] = {ORPCTHAT20, 0x01, 0x40, 0x00, 0x80};
    assert_true(iiss_decode_response(notimpl, sizeof notimpl, 9, IISS_NDR20, false, NULL, &resp));
    assert_int_equal(resp.hresult.value, 0x80004001u);
}

static void test_simple_responses_ndr64(void **state)
{
    (void)state;
    static const uint8_t ndr64_layout[] = {ORPCTHAT64, 0x05, 0x00, 0x07, 0x80};
    static const uint8_t ndr20_layout[] = {ORPCTHAT20, 0x05, 0x00, 0x07, 0x80};
    iiss_response resp;
    assert_true(iiss_decode_response(ndr64_layout, sizeof ndr64_layout, 7, IISS_NDR64, false, NULL, &resp));
    assert_int_equal(resp.orpcthat.layout, IISS_NDR64);
    assert_int_equal(resp.orpcthat.span.length, 16);
    assert_int_equal(resp.orpcthat.at.flags.offset, 0);
    assert_int_equal(resp.orpcthat.at.flags.length, 4);
    assert_param(&resp.hresult, 0x80070005u, 16);
    assert_int_equal(resp.anomalies.count, 0);

    assert_true(iiss_decode_response(ndr20_layout, sizeof ndr20_layout, 8, IISS_NDR64, false, NULL, &resp));
    assert_int_equal(resp.orpcthat.layout, IISS_NDR20);
    assert_param(&resp.hresult, 0x80070005u, 8);
    assert_int_equal(resp.anomalies.count, 0);

    static const uint8_t ndr64_be[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x07, 0x00, 0x08};
    assert_true(iiss_decode_response(ndr64_be, sizeof ndr64_be, 11, IISS_NDR64, true, NULL, &resp));
    assert_int_equal(resp.orpcthat.layout, IISS_NDR64);
    assert_param(&resp.hresult, 0x80070008u, 16);
}

static void test_orpcthat_with_extension(void **state)
{
    (void)state;
    static const uint8_t stub[] = {
        0x00, 0x00, 0x00, 0x00, /* 0: flags */
        0x00, 0x00, 0x02, 0x00, /* 4: extensions referent */
        0x01, 0x00, 0x00, 0x00, /* 8: size 1 */
        0x00, 0x00, 0x00, 0x00, /* 12: reserved */
        0x04, 0x00, 0x02, 0x00, /* 16: extent array referent */
        0x02, 0x00, 0x00, 0x00, /* 20: conformance 2 */
        0x08, 0x00, 0x02, 0x00, /* 24: extent[0] */
        0x00, 0x00, 0x00, 0x00, /* 28: extent[1] NULL */
        0x08, 0x00, 0x00, 0x00, /* 32: ORPC_EXTENT conformance 8 */
        0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF, /* 36 */
        0x04, 0x00, 0x00, 0x00,                                                                         /* 52 */
        0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x00, 0x00, 0x00,                                                 /* 56 */
        0x00, 0x00, 0x00, 0x00, /* 64: HRESULT S_OK */
    };
    assert_int_equal(sizeof stub, 68);
    iiss_response resp;
    assert_true(iiss_decode_response(stub, sizeof stub, 7, IISS_NDR20, false, NULL, &resp));
    assert_true(resp.orpcthat.parsed);
    assert_int_equal(resp.orpcthat.span.length, 64);
    assert_true(resp.orpcthat.extensions.present);
    assert_int_equal(resp.orpcthat.extensions.count, 1);
    assert_int_equal(resp.orpcthat.extensions.kept[0].id[0], 0xC0);
    assert_int_equal(resp.orpcthat.extensions.kept[0].size, 4);
    assert_int_equal(resp.orpcthat.extensions.kept[0].data.offset, 56);
    assert_param(&resp.hresult, 0, 64);
    assert_int_equal(resp.anomalies.count, 0);
}

static void test_orpcthat_with_extension_ndr64(void **state)
{
    (void)state;
    static const uint8_t stub[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0: flags, padding */
        0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, /* 8: extensions referent */
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 16: size 1, reserved */
        0x04, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, /* 24: extent array referent */
        0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 32: conformance 2 */
        0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, /* 40: extent[0] */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 48: extent[1] NULL */
        0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 56: ORPC_EXTENT conformance 8 */
        0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF, /* 64 */
        0x04, 0x00, 0x00, 0x00,                                                                         /* 80 */
        0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x00, 0x00, 0x00,                                                 /* 84 */
        0x01, 0x40, 0x00, 0x80, /* 92: E_NOTIMPL */
    };
    assert_int_equal(sizeof stub, 96);
    iiss_response resp;
    assert_true(iiss_decode_response(stub, sizeof stub, 9, IISS_NDR64, false, NULL, &resp));
    assert_int_equal(resp.orpcthat.layout, IISS_NDR64);
    assert_int_equal(resp.orpcthat.span.length, 92);
    assert_int_equal(resp.orpcthat.extensions.count, 1);
    assert_int_equal(resp.orpcthat.extensions.span.offset, 16);
    assert_int_equal(resp.orpcthat.extensions.kept[0].data.offset, 84);
    assert_int_equal(resp.orpcthat.extensions.kept[0].data.length, 4);
    assert_param(&resp.hresult, 0x80004001u, 92);
    assert_int_equal(resp.anomalies.count, 0);
    check_response_prefixes(stub, sizeof stub, 9, IISS_NDR64, false);
}

static void test_orpcthat_with_extension_big_endian(void **state)
{
    (void)state;
    static const uint8_t stub[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, /* 0: flags, extensions referent */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, /* 8: size 1, reserved */
        0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02, /* 16: array referent, conformance 2 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x08, /* 24: extent[0] NULL, extent[1] */
        0x00, 0x00, 0x00, 0x10,                         /* 32: conformance 16 */
        0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF, /* 36 */
        0x00, 0x00, 0x00, 0x09,                                                                         /* 52 */
        1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, 0, 0, 0, 0,                                                 /* 56 */
        0x00, 0x00, 0x00, 0x00, /* 72: S_OK */
    };
    iiss_response resp;
    assert_true(iiss_decode_response(stub, sizeof stub, 11, IISS_NDR20, true, NULL, &resp));
    assert_int_equal(resp.orpcthat.extensions.size, 1);
    assert_int_equal(resp.orpcthat.extensions.count, 1);
    assert_int_equal(resp.orpcthat.extensions.kept[0].size, 9);
    assert_int_equal(resp.orpcthat.extensions.kept[0].data.offset, 56);
    assert_param(&resp.hresult, 0, 72);
    assert_int_equal(resp.anomalies.count, 0);
    check_response_prefixes(stub, sizeof stub, 11, IISS_NDR20, true);
}

/* Status reply, NDR20: ORPCTHAT, conformance 108, the blob, required size,
 * service count, HRESULT. */
static const uint8_t status_reply_ndr20[] = {
    ORPCTHAT20,
    0x6C, 0x00, 0x00, 0x00, /* 8: conformance 108 */
    BLOB_2_SERVICES,        /* 12..120 */
    0x6C, 0x00, 0x00, 0x00, /* 120: pdwMDRequiredBufferSize 108 */
    0x02, 0x00, 0x00, 0x00, /* 124: pdwNumServices 2 */
    0x00, 0x00, 0x00, 0x00, /* 128: S_OK */
};

static void assert_two_services(const uint8_t *stub, size_t len, const iiss_response *resp)
{
    iiss_status_blob blob;
    assert_true(iiss_response_decode_blob(stub, len, resp, &blob));
    assert_int_equal(blob.num_services, 2);
    assert_true(blob.count_given);
    assert_int_equal(blob.service_count, 2);
    assert_int_equal(blob.offset_unit, IISS_OFFSET_WCHAR);
    assert_int_equal(blob.services[0].current_state, 4);
    assert_int_equal(blob.services[1].current_state, 1);
    assert_non_null(blob.services[0].name.utf8);
    assert_string_equal(blob.services[0].name.utf8, "W3SVC");
    assert_string_equal(blob.services[0].display_name.utf8, "WWW");
    assert_string_equal(blob.services[1].name.utf8, "IIS");
    assert_string_equal(blob.services[1].display_name.utf8, "Adm");
    assert_null(find_anomaly(&blob.anomalies, IISS_AN_NONZERO_ERROR_BUFFER));
    iiss_status_blob_free(&blob);
}

static void test_status_reply_ndr20(void **state)
{
    (void)state;
    assert_int_equal(sizeof status_reply_ndr20, 132);
    const uint32_t asked = 108;
    iiss_response resp;
    assert_true(
        iiss_decode_response(status_reply_ndr20, sizeof status_reply_ndr20, 10, IISS_NDR20, false, &asked, &resp));
    assert_true(resp.has_buffer);
    assert_int_equal(resp.conformance, 108);
    assert_int_equal(resp.conformance_span.offset, 8);
    assert_int_equal(resp.conformance_span.length, 4);
    assert_int_equal(resp.buffer.offset, 12);
    assert_int_equal(resp.buffer.length, 108);
    assert_param(&resp.required_size, 108, 120);
    assert_param(&resp.num_services, 2, 124);
    assert_param(&resp.hresult, 0, 128);
    assert_int_equal(resp.anomalies.count, 0);
    assert_two_services(status_reply_ndr20, sizeof status_reply_ndr20, &resp);
}

static void test_status_reply_ndr64(void **state)
{
    (void)state;
    static const uint8_t stub[] = {
        ORPCTHAT64,
        0x6C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 16: conformance 108 (u64) */
        BLOB_2_SERVICES,                                /* 24..132 */
        0x6C, 0x00, 0x00, 0x00,                         /* 132 */
        0x02, 0x00, 0x00, 0x00,                         /* 136 */
        0x00, 0x00, 0x00, 0x00,                         /* 140 */
    };
    assert_int_equal(sizeof stub, 144);
    iiss_response resp;
    assert_true(iiss_decode_response(stub, sizeof stub, 10, IISS_NDR64, false, NULL, &resp));
    assert_int_equal(resp.orpcthat.layout, IISS_NDR64);
    assert_int_equal(resp.conformance, 108);
    assert_int_equal(resp.conformance_span.offset, 16);
    assert_int_equal(resp.conformance_span.length, 8);
    assert_int_equal(resp.buffer.offset, 24);
    assert_int_equal(resp.buffer.length, 108);
    assert_param(&resp.required_size, 108, 132);
    assert_param(&resp.num_services, 2, 136);
    assert_param(&resp.hresult, 0, 140);
    assert_int_equal(resp.anomalies.count, 0);
    assert_two_services(stub, sizeof stub, &resp);
    check_response_prefixes(stub, sizeof stub, 10, IISS_NDR64, false);
}

/* NDR20 ORPCTHAT in an NDR64 context: the conformance is still an NDR64 one,
 * 8 bytes at the next multiple of 8 of the stub offset (here 8). */
static void test_status_reply_ndr20_orpc_in_ndr64(void **state)
{
    (void)state;
    static const uint8_t stub[] = {
        ORPCTHAT20,
        0x6C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 8: conformance 108 (u64) */
        BLOB_2_SERVICES,                                /* 16..124 */
        0x6C, 0x00, 0x00, 0x00,                         /* 124 */
        0x02, 0x00, 0x00, 0x00,                         /* 128 */
        0x00, 0x00, 0x00, 0x00,                         /* 132 */
    };
    iiss_response resp;
    assert_true(iiss_decode_response(stub, sizeof stub, 10, IISS_NDR64, false, NULL, &resp));
    assert_int_equal(resp.orpcthat.layout, IISS_NDR20);
    assert_int_equal(resp.conformance_span.offset, 8);
    assert_int_equal(resp.buffer.offset, 16);
    assert_param(&resp.num_services, 2, 128);
    assert_param(&resp.hresult, 0, 132);
    assert_int_equal(resp.anomalies.count, 0);
    assert_two_services(stub, sizeof stub, &resp);
}

static void test_status_reply_big_endian(void **state)
{
    (void)state;
    static const uint8_t stub[] = {
        ORPCTHAT20, 0x00, 0x00, 0x00, 0x6C, /* 8: conformance 108, big-endian */
        BLOB_2_SERVICES,                     /* the blob stays little-endian */
        0x00, 0x00, 0x00, 0x6C, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
    };
    iiss_response resp;
    assert_true(iiss_decode_response(stub, sizeof stub, 10, IISS_NDR20, true, NULL, &resp));
    assert_int_equal(resp.conformance, 108);
    assert_param(&resp.num_services, 2, 124);
    assert_two_services(stub, sizeof stub, &resp);
}

/* dwBufferSize 16 was too small: zeroed buffer, the size needed, no services. */
static void test_insufficient_buffer_reply(void **state)
{
    (void)state;
    static const uint8_t stub[] = {
        ORPCTHAT20,
        0x10, 0x00, 0x00, 0x00,                         /* 8: conformance 16 */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 12: buffer */
        0x6C, 0x00, 0x00, 0x00,                         /* 28: required 108 */
        0x00, 0x00, 0x00, 0x00,                         /* 32: no services */
        0x7A, 0x00, 0x07, 0x80,                         /* 36: E_ERROR_INSUFFICIENT_BUFFER */
    };
    const uint32_t asked = 16;
    iiss_response resp;
    assert_true(iiss_decode_response(stub, sizeof stub, 10, IISS_NDR20, false, &asked, &resp));
    assert_int_equal(resp.buffer.offset, 12);
    assert_int_equal(resp.buffer.length, 16);
    assert_param(&resp.required_size, 108, 28);
    assert_param(&resp.num_services, 0, 32);
    assert_param(&resp.hresult, 0x8007007Au, 36);
    assert_int_equal(resp.anomalies.count, 0);

    iiss_status_blob blob;
    assert_true(iiss_response_decode_blob(stub, sizeof stub, &resp, &blob));
    assert_int_equal(blob.service_count, 0);
    assert_true(blob.all_zero);
    assert_null(find_anomaly(&blob.anomalies, IISS_AN_NONZERO_ERROR_BUFFER));
    iiss_status_blob_free(&blob);
}

static void test_insufficient_buffer_inconsistent(void **state)
{
    (void)state;
    static const uint8_t stub[] = {
        ORPCTHAT20,
        0x10, 0x00, 0x00, 0x00,                            /* 8: conformance 16 */
        0, 0, 0, 0, 0, 0, 0x5A, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 12: buffer, byte 6 is not zero */
        0x08, 0x00, 0x00, 0x00,                            /* 28: required 8 <= 16 given */
        0x00, 0x00, 0x00, 0x00, 0x7A, 0x00, 0x07, 0x80,
    };
    iiss_response resp;
    assert_true(iiss_decode_response(stub, sizeof stub, 10, IISS_NDR20, false, NULL, &resp));
    const iiss_anomaly *a = find_anomaly(&resp.anomalies, IISS_AN_REQUIRED_SIZE_SMALLER);
    assert_non_null(a);
    assert_int_equal(a->offset, 28);

    iiss_status_blob blob;
    iiss_response_decode_blob(stub, sizeof stub, &resp, &blob);
    a = find_anomaly(&blob.anomalies, IISS_AN_NONZERO_ERROR_BUFFER);
    assert_non_null(a);
    assert_int_equal(a->offset, 6); /* relative to the buffer */
    iiss_status_blob_free(&blob);
}

static void test_conformance_mismatch(void **state)
{
    (void)state;
    const uint32_t asked = 200;
    iiss_response resp;
    assert_true(
        iiss_decode_response(status_reply_ndr20, sizeof status_reply_ndr20, 10, IISS_NDR20, false, &asked, &resp));
    assert_int_equal(resp.anomalies.count, 1);
    const iiss_anomaly *a = find_anomaly(&resp.anomalies, IISS_AN_CONFORMANCE_MISMATCH);
    assert_non_null(a);
    assert_int_equal(a->offset, 8);
    assert_int_equal(a->length, 4);
    assert_param(&resp.hresult, 0, 128); /* decoded all the same */
}

/* A 5-byte buffer: 3 padding bytes (of any value) before the next DWORD. */
static void test_status_reply_odd_buffer(void **state)
{
    (void)state;
    static const uint8_t stub[] = {
        ORPCTHAT20,
        0x05, 0x00, 0x00, 0x00,       /* 8: conformance 5 */
        0x00, 0x00, 0x00, 0x00, 0x00, /* 12: buffer */
        0xCC, 0xCC, 0xCC,             /* 17: alignment padding */
        0x6C, 0x00, 0x00, 0x00,       /* 20: required 108 */
        0x00, 0x00, 0x00, 0x00,       /* 24: no services */
        0x7A, 0x00, 0x07, 0x80,       /* 28: E_ERROR_INSUFFICIENT_BUFFER */
    };
    const uint32_t asked = 5;
    iiss_response resp;
    assert_true(iiss_decode_response(stub, sizeof stub, 10, IISS_NDR20, false, &asked, &resp));
    assert_int_equal(resp.buffer.offset, 12);
    assert_int_equal(resp.buffer.length, 5);
    assert_param(&resp.required_size, 108, 20);
    assert_param(&resp.num_services, 0, 24);
    assert_param(&resp.hresult, 0x8007007Au, 28);
    assert_int_equal(resp.anomalies.count, 0);
}

/* A peer that sends the ORPC_EXTENT bytes unpadded (conformance = size) is
 * followed: the next parameter is found by alignment. */
static void test_extent_without_padding(void **state)
{
    (void)state;
    static const uint8_t stub[] = {
        0x05, 0x00, 0x07, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, CID,
        0x00, 0x00, 0x02, 0x00, /* 28 */
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x02, 0x00, /* 32: size 1 */
        0x02, 0x00, 0x00, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, /* 44 */
        0x05, 0x00, 0x00, 0x00, /* 56: conformance 5 */
        0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF,
        0x05, 0x00, 0x00, 0x00, /* 76: size 5 */
        1, 2, 3, 4, 5,          /* 80: data */
        0x77, 0x77, 0x77,       /* 85: padding */
        0x00, 0x01, 0x00, 0x00, /* 88: dwBufferSize 256 */
    };
    iiss_request req;
    assert_true(iiss_decode_request(stub, sizeof stub, 10, IISS_NDR20, false, &req));
    assert_int_equal(req.orpcthis.extensions.count, 1);
    assert_int_equal(req.orpcthis.extensions.kept[0].data.length, 5);
    assert_param(&req.buffer_size, 256, 88);
    assert_int_equal(req.anomalies.count, 0);
}

/* ---- Hostile and broken stubs ------------------------------------------- */

static void test_hostile_conformance_ndr20(void **state)
{
    (void)state;
    static const uint8_t stub[] = {ORPCTHAT20, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
    iiss_response resp;
    assert_false(iiss_decode_response(stub, sizeof stub, 10, IISS_NDR20, false, NULL, &resp));
    assert_true(resp.has_buffer);
    assert_int_equal(resp.conformance, 0xFFFFFFFFu);
    assert_int_equal(resp.buffer.offset, 12);
    assert_int_equal(resp.buffer.length, 6);
    assert_false(resp.hresult.present);
    const iiss_anomaly *a = find_anomaly(&resp.anomalies, IISS_AN_STUB_TRUNCATED);
    assert_non_null(a);
    assert_int_equal(a->offset, 12);
}

static void test_hostile_conformance_ndr64(void **state)
{
    (void)state;
    static const uint8_t stub[] = {ORPCTHAT64, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00};
    iiss_response resp;
    assert_false(iiss_decode_response(stub, sizeof stub, 10, IISS_NDR64, false, NULL, &resp));
    assert_int_equal(resp.orpcthat.layout, IISS_NDR64);
    assert_true(resp.has_buffer);
    assert_true(resp.conformance == UINT64_MAX);
    assert_int_equal(resp.buffer.offset, 24);
    assert_int_equal(resp.buffer.length, 4);
    assert_non_null(find_anomaly(&resp.anomalies, IISS_AN_STUB_TRUNCATED));
}

/* An extent array whose conformance claims 2^32-2 pointers. */
static void test_hostile_extent_array(void **state)
{
    (void)state;
    static const uint8_t stub[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
        0xFE, 0xFF, 0xFF, 0xFF, /* 8: size 0xFFFFFFFE */
        0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x02, 0x00,
        0xFE, 0xFF, 0xFF, 0xFF, /* 20: conformance */
        0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    iiss_response resp;
    assert_false(iiss_decode_response(stub, sizeof stub, 8, IISS_NDR20, false, NULL, &resp));
    const iiss_anomaly *a = find_anomaly(&resp.anomalies, IISS_AN_STUB_TRUNCATED);
    assert_non_null(a);
    assert_int_equal(a->offset, 24);
    assert_false(resp.hresult.present);
}

/* An extension array whose conformance disagrees with its size: no ORPCTHIS
 * layout explains it, so nothing after it is shown. */
static void test_orpc_malformed(void **state)
{
    (void)state;
    static const uint8_t stub[] = {
        0x05, 0x00, 0x07, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, CID,
        0x00, 0x00, 0x02, 0x00, /* 28: extensions referent */
        0x01, 0x00, 0x00, 0x00, /* 32: size 1 */
        0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x02, 0x00,
        0x09, 0x00, 0x00, 0x00, /* 44: conformance 9, not 2 */
        0xE8, 0x03, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    iiss_request req;
    assert_false(iiss_decode_request(stub, sizeof stub, 7, IISS_NDR20, false, &req));
    assert_false(req.orpcthis.parsed);
    assert_false(req.timeout_ms.present);
    assert_false(req.force.present);
    assert_int_equal(req.anomalies.count, 1);
    const iiss_anomaly *a = find_anomaly(&req.anomalies, IISS_AN_ORPC_MALFORMED);
    assert_non_null(a);
    assert_int_equal(a->offset, 44);

    assert_false(iiss_decode_request(stub, sizeof stub, 7, IISS_NDR64, false, &req));
    assert_false(req.timeout_ms.present);
    assert_non_null(find_anomaly(&req.anomalies, IISS_AN_ORPC_MALFORMED));
}

static void test_trailing_bytes(void **state)
{
    (void)state;
    /* Start ends at 36: 4 bytes of any value up to 40 are padding. */
    static const uint8_t padded[] = {ORPCTHIS20_LE, 0x00, 0x00, 0x00, 0x00, 0x99, 0x99, 0x99, 0x99};
    iiss_request req;
    assert_true(iiss_decode_request(padded, sizeof padded, 8, IISS_NDR20, false, &req));
    assert_int_equal(req.anomalies.count, 0);

    /* Kill ends at 32, already aligned: a stray DWORD is no padding. */
    static const uint8_t kill_stray[] = {ORPCTHIS20_LE, 0x00, 0x00, 0x00, 0x00};
    assert_true(iiss_decode_request(kill_stray, sizeof kill_stray, 11, IISS_NDR20, false, &req));
    const iiss_anomaly *stray = find_anomaly(&req.anomalies, IISS_AN_STUB_TRAILING_BYTES);
    assert_non_null(stray);
    assert_int_equal(stray->offset, 32);
    assert_int_equal(stray->length, 4);

    /* NDR64 Start ends at 44: padded to 48. */
    static const uint8_t start64_padded[] = {ORPCTHIS64_LE, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    assert_true(iiss_decode_request(start64_padded, sizeof start64_padded, 8, IISS_NDR64, false, &req));
    assert_int_equal(req.orpcthis.layout, IISS_NDR64);
    assert_param(&req.timeout_ms, 1, 40);
    assert_int_equal(req.anomalies.count, 0);

    static const uint8_t extra[] = {ORPCTHIS20_LE, 0x00, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 7, 8};
    assert_true(iiss_decode_request(extra, sizeof extra, 8, IISS_NDR20, false, &req));
    const iiss_anomaly *a = find_anomaly(&req.anomalies, IISS_AN_STUB_TRAILING_BYTES);
    assert_non_null(a);
    assert_int_equal(a->offset, 36);
    assert_int_equal(a->length, 8);

    static const uint8_t resp_extra[] = {ORPCTHAT20, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    iiss_response resp;
    assert_true(iiss_decode_response(resp_extra, sizeof resp_extra, 11, IISS_NDR20, false, NULL, &resp));
    a = find_anomaly(&resp.anomalies, IISS_AN_STUB_TRAILING_BYTES);
    assert_non_null(a);
    assert_int_equal(a->offset, 12);
    assert_int_equal(a->length, 9);
}

static void test_unknown_opnum(void **state)
{
    (void)state;
    static const uint8_t stub[] = {ORPCTHIS20_LE, 0x01, 0x00, 0x00, 0x00};
    iiss_request req;
    assert_false(iiss_decode_request(stub, sizeof stub, 3, IISS_NDR20, false, &req));
    assert_true(req.orpcthis.parsed);
    assert_non_null(find_anomaly(&req.anomalies, IISS_AN_UNKNOWN_OPNUM));
    iiss_response resp;
    assert_false(iiss_decode_response(stub, 12, 12, IISS_NDR20, false, NULL, &resp));
    assert_non_null(find_anomaly(&resp.anomalies, IISS_AN_UNKNOWN_OPNUM));
}

/* Every proper prefix of a valid stub: no crash, not complete, and a
 * stub_truncated anomaly inside the prefix. One exception in an NDR64
 * context: a prefix can be, byte for byte, a complete stub with an NDR20
 * ORPC header (zero padding reads as a NULL pointer); choosing that reading
 * is right, and then the layout must say so. */
static void check_request_prefixes(const uint8_t *stub, size_t len, uint16_t opnum, iiss_ndr ndr, bool big_endian)
{
    iiss_request req;
    assert_true(iiss_decode_request(stub, len, opnum, ndr, big_endian, &req));
    for (size_t cut = 0; cut < len; cut++) {
        if (iiss_decode_request(stub, cut, opnum, ndr, big_endian, &req)) {
            assert_int_equal(ndr, IISS_NDR64);
            assert_int_equal(req.orpcthis.layout, IISS_NDR20);
            continue;
        }
        const iiss_anomaly *a = find_anomaly(&req.anomalies, IISS_AN_STUB_TRUNCATED);
        assert_non_null(a);
        assert_true(a->offset <= cut);
        assert_null(find_anomaly(&req.anomalies, IISS_AN_ORPC_MALFORMED));
    }
}

static void check_response_prefixes(const uint8_t *stub, size_t len, uint16_t opnum, iiss_ndr ndr,
                                    bool big_endian)
{
    iiss_response resp;
    assert_true(iiss_decode_response(stub, len, opnum, ndr, big_endian, NULL, &resp));
    for (size_t cut = 0; cut < len; cut++) {
        if (iiss_decode_response(stub, cut, opnum, ndr, big_endian, NULL, &resp)) {
            assert_int_equal(ndr, IISS_NDR64);
            assert_int_equal(resp.orpcthat.layout, IISS_NDR20);
            continue;
        }
        const iiss_anomaly *a = find_anomaly(&resp.anomalies, IISS_AN_STUB_TRUNCATED);
        assert_non_null(a);
        assert_true(a->offset <= cut);
        assert_null(find_anomaly(&resp.anomalies, IISS_AN_ORPC_MALFORMED));
        /* Whatever buffer is shown lies inside the prefix. */
        if (resp.has_buffer)
            assert_true((size_t)resp.buffer.offset + resp.buffer.length <= cut);
    }
}

static void test_truncation_at_every_byte(void **state)
{
    (void)state;
    static const uint8_t stop20[] = {ORPCTHIS20_LE, 0xE8, 0x03, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
    static const uint8_t stop20_be[] = {ORPCTHIS20_BE, 0x00, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x00, 0x01};
    static const uint8_t stop64[] = {ORPCTHIS64_LE, 0xE8, 0x03, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
    static const uint8_t kill64[] = {ORPCTHIS64_LE};
    check_request_prefixes(stop20, sizeof stop20, 7, IISS_NDR20, false);
    check_request_prefixes(stop20_be, sizeof stop20_be, 7, IISS_NDR20, true);
    check_request_prefixes(stop64, sizeof stop64, 7, IISS_NDR64, false);
    check_request_prefixes(kill64, sizeof kill64, 11, IISS_NDR64, false);
    check_request_prefixes(start_one_extension, sizeof start_one_extension, 8, IISS_NDR20, false);

    static const uint8_t hr20[] = {ORPCTHAT20, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t hr64[] = {ORPCTHAT64, 0x00, 0x00, 0x00, 0x00};
    check_response_prefixes(hr20, sizeof hr20, 7, IISS_NDR20, false);
    check_response_prefixes(hr64, sizeof hr64, 8, IISS_NDR64, false);
    check_response_prefixes(status_reply_ndr20, sizeof status_reply_ndr20, 10, IISS_NDR20, false);
}

static void test_empty_and_null_stub(void **state)
{
    (void)state;
    iiss_request req;
    assert_false(iiss_decode_request(NULL, 0, 7, IISS_NDR20, false, &req));
    assert_non_null(find_anomaly(&req.anomalies, IISS_AN_STUB_TRUNCATED));
    iiss_response resp;
    assert_false(iiss_decode_response(NULL, 0, 10, IISS_NDR64, false, NULL, &resp));
    assert_false(resp.has_buffer);
    iiss_status_blob blob;
    assert_false(iiss_response_decode_blob(NULL, 0, &resp, &blob));
    assert_int_equal(blob.service_count, 0);
    iiss_status_blob_free(&blob);
}

/* ---- Midstream inference ------------------------------------------------ */

static void test_inference_positive(void **state)
{
    (void)state;
    static const uint8_t stop20[] = {ORPCTHIS20_LE, 0xE8, 0x03, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
    static const uint8_t stop64[] = {ORPCTHIS64_LE, 0xE8, 0x03, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
    static const uint8_t kill_be[] = {ORPCTHIS20_BE};
    iiss_ndr ndr = IISS_NDR20;
    assert_true(iiss_request_looks_like_iiss(stop20, sizeof stop20, 7, false, &ndr));
    assert_int_equal(ndr, IISS_NDR20);
    ndr = IISS_NDR20;
    assert_true(iiss_request_looks_like_iiss(stop64, sizeof stop64, 7, false, &ndr));
    assert_int_equal(ndr, IISS_NDR64);
    ndr = IISS_NDR64;
    assert_true(iiss_request_looks_like_iiss(stop64, sizeof stop64, 7, false, &ndr));
    assert_int_equal(ndr, IISS_NDR64);
    ndr = IISS_NDR20;
    assert_true(iiss_request_looks_like_iiss(kill_be, sizeof kill_be, 11, true, &ndr));
    ndr = IISS_NDR20;
    assert_true(
        iiss_request_looks_like_iiss(start_one_extension, sizeof start_one_extension, 8, false, &ndr));
    assert_int_equal(ndr, IISS_NDR20);
}

static void test_inference_negative(void **state)
{
    (void)state;
    iiss_ndr ndr = IISS_NDR20;
    /* Stop's stub with one more DWORD: some other interface's opnum 7. */
    static const uint8_t three_dwords[] = {ORPCTHIS20_LE, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0};
    assert_false(iiss_request_looks_like_iiss(three_dwords, sizeof three_dwords, 7, false, &ndr));
    /* Start's stub (one DWORD) claimed as Stop or Reboot. */
    static const uint8_t one_dword[] = {ORPCTHIS20_LE, 1, 0, 0, 0};
    assert_false(iiss_request_looks_like_iiss(one_dword, sizeof one_dword, 7, false, &ndr));
    assert_false(iiss_request_looks_like_iiss(one_dword, sizeof one_dword, 9, false, &ndr));
    assert_false(iiss_request_looks_like_iiss(one_dword, sizeof one_dword, 11, false, &ndr));
    assert_true(iiss_request_looks_like_iiss(one_dword, sizeof one_dword, 8, false, &ndr));
    /* Opnums outside 7..11. */
    assert_false(iiss_request_looks_like_iiss(one_dword, sizeof one_dword, 6, false, &ndr));
    assert_false(iiss_request_looks_like_iiss(one_dword, sizeof one_dword, 12, false, &ndr));
    /* COM version 6.0 is not DCOM 5.x. */
    static const uint8_t version6[] = {0x06, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, CID, 0, 0, 0, 0};
    assert_false(iiss_request_looks_like_iiss(version6, sizeof version6, 11, false, &ndr));
    /* Unknown ORPCTHIS flag bits. */
    static const uint8_t odd_flags[] = {0x05, 0x00, 0x07, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, CID, 0, 0, 0, 0};
    assert_false(iiss_request_looks_like_iiss(odd_flags, sizeof odd_flags, 11, false, &ndr));
    /* Wrong byte order. */
    static const uint8_t kill_be[] = {ORPCTHIS20_BE};
    assert_false(iiss_request_looks_like_iiss(kill_be, sizeof kill_be, 11, false, &ndr));
    /* Too short and empty. */
    assert_false(iiss_request_looks_like_iiss(one_dword, 20, 8, false, &ndr));
    assert_false(iiss_request_looks_like_iiss(NULL, 0, 8, false, &ndr));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ndr_name),
        cmocka_unit_test(test_stop_request_ndr20_le),
        cmocka_unit_test(test_start_request_ndr20_le),
        cmocka_unit_test(test_reboot_request_bool_out_of_range),
        cmocka_unit_test(test_status_request_ndr20_le),
        cmocka_unit_test(test_kill_request_ndr20_le),
        cmocka_unit_test(test_requests_ndr20_be),
        cmocka_unit_test(test_requests_ndr64_layout),
        cmocka_unit_test(test_request_ndr64_big_endian),
        cmocka_unit_test(test_requests_ndr20_orpc_in_ndr64),
        cmocka_unit_test(test_orpcthis_one_extension),
        cmocka_unit_test(test_orpcthis_two_extensions),
        cmocka_unit_test(test_orpcthis_extension_ndr64),
        cmocka_unit_test(test_orpcthis_many_extensions),
        cmocka_unit_test(test_simple_responses_ndr20),
        cmocka_unit_test(test_simple_responses_ndr64),
        cmocka_unit_test(test_orpcthat_with_extension),
        cmocka_unit_test(test_orpcthat_with_extension_ndr64),
        cmocka_unit_test(test_orpcthat_with_extension_big_endian),
        cmocka_unit_test(test_status_reply_ndr20),
        cmocka_unit_test(test_status_reply_ndr64),
        cmocka_unit_test(test_status_reply_ndr20_orpc_in_ndr64),
        cmocka_unit_test(test_status_reply_big_endian),
        cmocka_unit_test(test_insufficient_buffer_reply),
        cmocka_unit_test(test_insufficient_buffer_inconsistent),
        cmocka_unit_test(test_conformance_mismatch),
        cmocka_unit_test(test_status_reply_odd_buffer),
        cmocka_unit_test(test_extent_without_padding),
        cmocka_unit_test(test_hostile_conformance_ndr20),
        cmocka_unit_test(test_hostile_conformance_ndr64),
        cmocka_unit_test(test_hostile_extent_array),
        cmocka_unit_test(test_orpc_malformed),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_unknown_opnum),
        cmocka_unit_test(test_truncation_at_every_byte),
        cmocka_unit_test(test_empty_and_null_stub),
        cmocka_unit_test(test_inference_positive),
        cmocka_unit_test(test_inference_negative),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
