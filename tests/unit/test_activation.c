/* DCOM activation decoding (iiss/activation.h).
 *
 * The RemoteCreateInstance exchange is the one samples/iisreset-remote.pcap
 * holds (frames 6 and 7, stubs in data/activation_sample_stubs.h). Every
 * value asserted for it is what stock tshark 4.0 decodes from the same
 * frames:
 *   tshark -r samples/iisreset-remote.pcap --disable-protocol iiss -V -Y 'dcerpc.opnum==4'
 * (InstantiatedObjectClsId, InterfaceIds, PropertyStructGuid, PropertyDataSize,
 * SessionID, ServerInfo Name, ClientImpersonationLevel, ProtocolSeq, the
 * STDOBJREF's PublicRefs/OXID/OID/IPID, the resolver and OXID bindings,
 * IRemUnknownInterfacePointerId, AuthenticationHint, HResult).
 * The variants (NDR64, big-endian, RemoteGetClassObject, RemoteActivation,
 * hostile values) are built here from the IDL of MS-DCOM 3.1.2.5.2.3 and
 * the layouts of 2.2.18-2.2.22; tshark's ISystemActivator dissector does
 * not decode NDR64 and has no sample of them to check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "data/activation_sample_stubs.h"
#include "iiss/activation.h"
#include "iiss/names.h"

/* ---- Helpers ------------------------------------------------------------ */

static void assert_guid(const uint8_t guid[16], const char *text)
{
    char buf[IISS_UUID_STR_MAX];
    iiss_uuid_format(guid, buf, sizeof buf);
    assert_string_equal(buf, text);
}

static const iiss_anomaly *find_anomaly(const iiss_anomaly_list *list, iiss_anomaly_kind kind)
{
    for (size_t i = 0; i < list->count; i++) {
        if (list->items[i].kind == kind)
            return &list->items[i];
    }
    return NULL;
}

static void assert_has_anomaly(const iiss_anomaly_list *list, iiss_anomaly_kind kind)
{
    if (!find_anomaly(list, kind)) {
        for (size_t i = 0; i < list->count; i++)
            print_message("  have %s: %s\n", iiss_anomaly_kind_name(list->items[i].kind), list->items[i].message);
        fail_msg("no %s anomaly among %zu", iiss_anomaly_kind_name(kind), list->count);
    }
}

static void assert_no_anomalies(const iiss_anomaly_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        print_message("  unexpected %s: %s\n", iiss_anomaly_kind_name(list->items[i].kind), list->items[i].message);
    assert_int_equal(list->count, 0);
}

/* A byte builder for crafted stubs: NDR alignment relative to the start. */
typedef struct builder {
    uint8_t bytes[2048];
    size_t len;
    bool big_endian;
} builder;

static void b_align(builder *b, size_t n)
{
    while (b->len % n)
        b->bytes[b->len++] = 0xAA; /* padding has no defined value */
}

static void b_raw(builder *b, const uint8_t *p, size_t n)
{
    assert_true(b->len + n <= sizeof b->bytes);
    memcpy(b->bytes + b->len, p, n);
    b->len += n;
}

static void b_uint(builder *b, uint64_t v, size_t width)
{
    b_align(b, width);
    for (size_t i = 0; i < width; i++) {
        size_t shift = b->big_endian ? (width - 1 - i) * 8 : i * 8;
        b->bytes[b->len++] = (uint8_t)(v >> shift);
    }
}

static void b_u16(builder *b, uint16_t v)
{
    b_uint(b, v, 2);
}

static void b_u32(builder *b, uint32_t v)
{
    b_uint(b, v, 4);
}

static void b_u64(builder *b, uint64_t v)
{
    b_uint(b, v, 8);
}

/* A GUID given in the little-endian-fields form, written in the builder's order. */
static void b_guid(builder *b, const uint8_t g[16])
{
    b_u32(b, (uint32_t)g[0] | (uint32_t)g[1] << 8 | (uint32_t)g[2] << 16 | (uint32_t)g[3] << 24);
    b_u16(b, (uint16_t)(g[4] | g[5] << 8));
    b_u16(b, (uint16_t)(g[6] | g[7] << 8));
    b_raw(b, g + 8, 8);
}

/* ORPCTHIS in NDR20 layout (MS-DCOM 2.2.13.3), version 5.7, no extensions. */
static void b_orpcthis20(builder *b, const uint8_t cid[16])
{
    b_u16(b, 5);
    b_u16(b, 7);
    b_u32(b, 0);
    b_u32(b, 0);
    b_guid(b, cid);
    b_u32(b, 0);
}

static const uint8_t CID[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x01};
static const uint8_t IIS_IID[16] = {0x20, 0x86, 0xFB, 0xE8, 0x8F, 0x58, 0xD2, 0x11,
                                    0x9D, 0x61, 0x00, 0xC0, 0x4F, 0x79, 0xC5, 0xFE};
static const uint8_t IIS_CLSID[16] = {0x21, 0x86, 0xFB, 0xE8, 0x8F, 0x58, 0xD2, 0x11,
                                      0x9D, 0x61, 0x00, 0xC0, 0x4F, 0x79, 0xC5, 0xFE};

/* Offsets inside the sample request stub (NDR20): ORPCTHIS 0..31, pUnkOuter
 * 32, pActProperties 36, MInterfacePointer conformance 40, ulCntData 44,
 * OBJREF 48..679 (tshark: CntData 632). */
enum {
    REQ_OBJREF = 48,
    REQ_OBJREF_LEN = 632,
    REQ_BLOB = REQ_OBJREF + 48,             /* pObjectData: dwSize, dwReserved */
    REQ_HEADER_SERIALIZATION = REQ_BLOB + 8, /* the CustomHeader's common header */
    REQ_HEADER_BODY = REQ_HEADER_SERIALIZATION + 16,
    REQ_HEADER_CIFS = REQ_HEADER_BODY + 16,
};

/* ---- The sample exchange ------------------------------------------------ */

static void test_sample_request(void **state)
{
    (void)state;
    iiss_act_request req;
    assert_true(iiss_act_decode_request(sample_create_instance_request, sizeof sample_create_instance_request,
                                        IISS_ACT_REMOTE_CREATE_INSTANCE, IISS_NDR20, false, &req));
    assert_no_anomalies(&req.anomalies);
    /* tshark: ORPCThis V5.7, Causality ID 3d6a2b7e-91c4-4f0a-b5e2-7c19d84a6f03 */
    assert_true(req.orpcthis.parsed);
    assert_int_equal(req.orpcthis.version_major, 5);
    assert_int_equal(req.orpcthis.version_minor, 7);
    assert_true(req.has_properties);
    /* tshark: NumActivationPropertyStructs 6, PropertyStructGuid / PropertyDataSize */
    assert_int_equal(req.property_count, 6);
    assert_int_equal(req.properties_kept, 6);
    static const char *const clsids[6] = {
        "000001B9-0000-0000-C000-000000000046", "000001AB-0000-0000-C000-000000000046",
        "000001A5-0000-0000-C000-000000000046", "000001A6-0000-0000-C000-000000000046",
        "000001A4-0000-0000-C000-000000000046", "000001AA-0000-0000-C000-000000000046",
    };
    static const uint32_t sizes[6] = {104, 88, 40, 72, 32, 48};
    for (int i = 0; i < 6; i++) {
        assert_guid(req.properties[i].clsid, clsids[i]);
        assert_int_equal(req.properties[i].size, sizes[i]);
        assert_int_equal(req.properties[i].span.length, sizes[i]);
    }
    /* The properties this library reads: SpecialSystemProperties,
     * InstantiationInfo, SecurityInfo, ScmRequestInfo. */
    assert_true(req.properties[0].decoded);
    assert_true(req.properties[1].decoded);
    assert_false(req.properties[2].decoded);
    assert_true(req.properties[3].decoded);
    assert_false(req.properties[4].decoded);
    assert_true(req.properties[5].decoded);
    /* tshark: InstantiatedObjectClsId e8fb8621-..., ClassContext 20,
     * InterfaceIdCount 1, InterfaceIds e8fb8620-..., VersionMajor 5, VersionMinor 7 */
    assert_true(req.has_clsid);
    assert_guid(req.clsid, "E8FB8621-588F-11D2-9D61-00C04F79C5FE");
    assert_string_equal(iiss_guid_lookup(req.clsid), "CLSID_IIsServiceControl");
    assert_int_equal(req.class_context, 20);
    assert_int_equal(req.iid_count, 1);
    assert_int_equal(req.iids_kept, 1);
    assert_guid(req.iids[0], "E8FB8620-588F-11D2-9D61-00C04F79C5FE");
    assert_string_equal(iiss_guid_lookup(req.iids[0]), "IIsServiceControl");
    assert_true(req.has_client_version);
    assert_int_equal(req.client_version_major, 5);
    assert_int_equal(req.client_version_minor, 7);
    /* tshark: SessionID 4294967295 */
    assert_true(req.has_session_id);
    assert_int_equal(req.session_id, 0xFFFFFFFFu);
    /* tshark: ServerInfo Name(wstring) String: WEB01 */
    assert_true(req.server_name.present);
    assert_string_equal(req.server_name.utf8, "WEB01");
    /* tshark: ClientImpersonationLevel 2, NumProtocolSequences 1, ProtocolSeq 7 */
    assert_true(req.has_imp_level);
    assert_int_equal(req.imp_level, 2);
    assert_int_equal(req.protseq_count, 1);
    assert_int_equal(req.protseqs_kept, 1);
    assert_int_equal(req.protseqs[0], 7);
}

static void assert_sample_response(const iiss_act_response *resp)
{
    assert_true(resp->complete);
    assert_no_anomalies(&resp->anomalies);
    /* tshark: HResult S_OK */
    assert_true(resp->has_hresult);
    assert_int_equal(resp->hresult, 0);
    /* tshark: NumActivationPropertyStructs 2 (00000339, 000001b6), sizes 192, 120 */
    assert_int_equal(resp->property_count, 2);
    assert_guid(resp->properties[0].clsid, "00000339-0000-0000-C000-000000000046");
    assert_guid(resp->properties[1].clsid, "000001B6-0000-0000-C000-000000000046");
    assert_int_equal(resp->properties[0].size, 192);
    assert_int_equal(resp->properties[1].size, 120);
    assert_true(resp->properties[0].decoded);
    assert_true(resp->properties[1].decoded);
    /* tshark: NumInterfaces 1, IID e8fb8620-..., ReturnValue 0 */
    assert_int_equal(resp->interface_count, 1);
    assert_int_equal(resp->interfaces_kept, 1);
    const iiss_act_interface *intf = &resp->interfaces[0];
    assert_guid(intf->iid, "E8FB8620-588F-11D2-9D61-00C04F79C5FE");
    assert_int_equal(intf->hresult, 0);
    /* tshark: OBJREF_STANDARD, IID e8fb8620-..., PublicRefs 5,
     * OXID 0x2a5d9c3e71b80f46, OID 0x6c1f0e8d3b2a5947,
     * IPID 0000b001-0a1c-ffff-6f3c-4e21a9d7c5b3 */
    assert_true(intf->objref.present);
    assert_int_equal(intf->objref.flags, IISS_OBJREF_STANDARD);
    assert_guid(intf->objref.iid, "E8FB8620-588F-11D2-9D61-00C04F79C5FE");
    assert_true(intf->objref.has_std);
    assert_int_equal(intf->objref.std_flags, 0);
    assert_int_equal(intf->objref.public_refs, 5);
    assert_true(intf->objref.oxid == 0x2a5d9c3e71b80f46ull);
    assert_true(intf->objref.oid == 0x6c1f0e8d3b2a5947ull);
    assert_guid(intf->objref.ipid, "0000B001-0A1C-FFFF-6F3C-4E21A9D7C5B3");
    assert_int_equal(iiss_act_response_find_interface(resp, IIS_IID), 0);
    assert_int_equal(iiss_act_response_find_interface(resp, NULL), 0);
    assert_int_equal(iiss_act_response_find_interface(resp, IIS_CLSID), -1);
    /* tshark: ResolverAddress NumEntries 23, SecurityOffset 19,
     * StringBinding[1] NCACN_IP_TCP "WEB01", [2] "10.0.0.20",
     * SecurityBinding[1] AuthnSvc 0x000a, AuthzSvc 0xffff, PrincName "" */
    const iiss_act_bindings *res = &intf->objref.resolver;
    assert_true(res->present);
    assert_int_equal(res->num_entries, 23);
    assert_int_equal(res->security_offset, 19);
    assert_int_equal(res->string_count, 2);
    assert_int_equal(res->strings[0].tower_id, 7);
    assert_string_equal(res->strings[0].network_address.utf8, "WEB01");
    assert_false(res->strings[0].has_port);
    assert_string_equal(res->strings[1].network_address.utf8, "10.0.0.20");
    assert_false(res->strings[1].has_port);
    assert_int_equal(res->security_count, 1);
    assert_int_equal(res->security[0].authn_svc, 0x000A);
    assert_int_equal(res->security[0].authz_svc, 0xFFFF);
    assert_string_equal(res->security[0].principal.utf8, "");
    /* tshark: RemoteReply OXID 0x2a5d9c3e71b80f46, OxidBindings NumEntries 23,
     * SecurityOffset 19, StringBinding[1] "10.0.0.20[49155]",
     * IRemUnknownInterfacePointerId 0000a401-0a1c-ffff-6f3c-4e21a9d7c5b3,
     * AuthenticationHint 2, VersionMajor 5, VersionMinor 7 */
    assert_true(resp->has_remote_reply);
    assert_true(resp->oxid == 0x2a5d9c3e71b80f46ull);
    const iiss_act_bindings *ox = &resp->oxid_bindings;
    assert_true(ox->present);
    assert_int_equal(ox->num_entries, 23);
    assert_int_equal(ox->security_offset, 19);
    assert_int_equal(ox->string_count, 1);
    assert_int_equal(ox->strings[0].tower_id, 7);
    assert_string_equal(ox->strings[0].network_address.utf8, "10.0.0.20[49155]");
    assert_true(ox->strings[0].has_port);
    assert_int_equal(ox->strings[0].port, 49155);
    uint16_t port = 0;
    assert_true(iiss_act_bindings_tcp_port(ox, &port));
    assert_int_equal(port, 49155);
    assert_int_equal(ox->security_count, 1);
    assert_guid(resp->rem_unknown_ipid, "0000A401-0A1C-FFFF-6F3C-4E21A9D7C5B3");
    assert_int_equal(resp->authn_hint, 2);
    assert_int_equal(resp->server_version_major, 5);
    assert_int_equal(resp->server_version_minor, 7);
}

static void test_sample_response(void **state)
{
    (void)state;
    iiss_act_response resp;
    iiss_act_decode_response(sample_create_instance_response, sizeof sample_create_instance_response,
                             IISS_ACT_REMOTE_CREATE_INSTANCE, IISS_NDR20, false, &resp);
    assert_sample_response(&resp);
    /* The IPID compares with a DCE/RPC object UUID as the capture stage keeps
     * it; tshark shows frame 16's object UUID as 0000b001-0a1c-ffff-6f3c-4e21a9d7c5b3. */
    static const uint8_t frame16_object[16] = {0x01, 0xB0, 0x00, 0x00, 0x1C, 0x0A, 0xFF, 0xFF,
                                               0x6F, 0x3C, 0x4E, 0x21, 0xA9, 0xD7, 0xC5, 0xB3};
    assert_memory_equal(resp.interfaces[0].objref.ipid, frame16_object, 16);
}

/* Every cut of the stubs: never complete, always said, never a read outside. */
static void test_sample_every_truncation(void **state)
{
    (void)state;
    for (size_t len = 0; len < sizeof sample_create_instance_request; len++) {
        iiss_act_request req;
        assert_false(iiss_act_decode_request(sample_create_instance_request, len, IISS_ACT_REMOTE_CREATE_INSTANCE,
                                             IISS_NDR20, false, &req));
        assert_has_anomaly(&req.anomalies, IISS_AN_STUB_TRUNCATED);
    }
    for (size_t len = 0; len < sizeof sample_create_instance_response; len++) {
        iiss_act_response resp;
        assert_false(iiss_act_decode_response(sample_create_instance_response, len, IISS_ACT_REMOTE_CREATE_INSTANCE,
                                              IISS_NDR20, false, &resp));
        assert_has_anomaly(&resp.anomalies, IISS_AN_STUB_TRUNCATED);
    }
}

/* A cut after the bindings still gives the IPID: the OBJREF came first. */
static void test_sample_response_cut_before_hresult(void **state)
{
    (void)state;
    iiss_act_response resp;
    iiss_act_decode_response(sample_create_instance_response, sizeof sample_create_instance_response - 4,
                             IISS_ACT_REMOTE_CREATE_INSTANCE, IISS_NDR20, false, &resp);
    assert_false(resp.complete);
    assert_false(resp.has_hresult);
    assert_int_equal(iiss_act_response_find_interface(&resp, IIS_IID), 0);
    assert_true(iiss_act_bindings_tcp_port(&resp.oxid_bindings, NULL));
}

/* ---- Hostile and inconsistent values ------------------------------------ */

static void put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void decode_patched_request(size_t at, uint32_t value, iiss_act_request *req)
{
    uint8_t stub[sizeof sample_create_instance_request];
    memcpy(stub, sample_create_instance_request, sizeof stub);
    put_u32le(stub + at, value);
    iiss_act_decode_request(stub, sizeof stub, IISS_ACT_REMOTE_CREATE_INSTANCE, IISS_NDR20, false, req);
}

static void test_hostile_property_count(void **state)
{
    (void)state;
    iiss_act_request req;
    decode_patched_request(REQ_HEADER_CIFS, 0xFFFFFFFFu, &req);
    assert_int_equal(req.property_count, 0xFFFFFFFFu);
    assert_has_anomaly(&req.anomalies, IISS_AN_COUNT_OUT_OF_RANGE);
    assert_has_anomaly(&req.anomalies, IISS_AN_NDR_INCONSISTENT); /* the pclsid conformance says 6 */
    assert_true(req.complete); /* the outer stub is whole */
}

static void test_bad_objref_signature(void **state)
{
    (void)state;
    iiss_act_request req;
    decode_patched_request(REQ_OBJREF, 0x12345678u, &req);
    const iiss_anomaly *a = find_anomaly(&req.anomalies, IISS_AN_OBJREF_INVALID);
    assert_non_null(a);
    assert_int_equal(a->offset, REQ_OBJREF);
    assert_false(req.has_properties);
    assert_false(req.has_clsid);
    assert_true(req.complete);
}

static void test_objref_not_custom(void **state)
{
    (void)state;
    iiss_act_request req;
    decode_patched_request(REQ_OBJREF + 4, IISS_OBJREF_STANDARD, &req);
    assert_has_anomaly(&req.anomalies, IISS_AN_OBJREF_INVALID);
    assert_false(req.has_properties);
}

static void test_unexpected_unmarshaler(void **state)
{
    (void)state;
    iiss_act_request req;
    decode_patched_request(REQ_OBJREF + 24, 0x00000339u, &req); /* CLSID_ActivationPropertiesOut in a request */
    const iiss_anomaly *a = find_anomaly(&req.anomalies, IISS_AN_UNEXPECTED_GUID);
    assert_non_null(a);
    assert_int_equal(a->offset, REQ_OBJREF + 24);
    assert_true(req.has_clsid); /* still decoded: the layout is the same */
}

static void test_bad_serialization_header(void **state)
{
    (void)state;
    iiss_act_request req;
    /* Version 2 (NDR64 type serialization) is not what MS-DCOM 2.2.22 uses. */
    decode_patched_request(REQ_HEADER_SERIALIZATION, 0xCCCC0802u, &req);
    const iiss_anomaly *a = find_anomaly(&req.anomalies, IISS_AN_SERIALIZATION_INVALID);
    assert_non_null(a);
    assert_int_equal(a->offset, REQ_HEADER_SERIALIZATION);
    assert_int_equal(req.property_count, 0);
}

static void test_blob_size_mismatch(void **state)
{
    (void)state;
    iiss_act_request req;
    decode_patched_request(REQ_BLOB, 999, &req);
    assert_has_anomaly(&req.anomalies, IISS_AN_ACTPROPS_INCONSISTENT);
    assert_true(req.has_clsid); /* the properties are still read */
}

static void test_hostile_object_buffer_length(void **state)
{
    (void)state;
    iiss_act_request req;
    /* The CustomHeader's ObjectBufferLength: 4 GiB announced, in a whole stub. */
    decode_patched_request(REQ_HEADER_SERIALIZATION + 8, 0xFFFFFFF8u, &req);
    const iiss_anomaly *a = find_anomaly(&req.anomalies, IISS_AN_ACTPROPS_INCONSISTENT);
    assert_non_null(a);
    assert_int_equal(a->offset, REQ_HEADER_BODY);
    assert_null(find_anomaly(&req.anomalies, IISS_AN_STUB_TRUNCATED));
    assert_int_equal(req.properties_kept, 0);
    assert_true(req.complete);
}

static void test_missing_instantiation_info(void **state)
{
    (void)state;
    iiss_act_request req;
    /* pclsid[1] (InstantiationInfo) renamed to CLSID_InstanceInfo. */
    decode_patched_request(REQ_HEADER_BODY + 52 + 16, 0x000001ADu, &req); /* pclsid conformance at 48 */
    assert_has_anomaly(&req.anomalies, IISS_AN_ACTPROP_MISSING);
    assert_false(req.has_clsid);
    assert_false(req.properties[1].decoded);
}

static size_t find_ndr_dualstringarray(const uint8_t *stub, size_t len)
{
    /* conformance 23, wNumEntries 23, wSecurityOffset 19: the OXID bindings. */
    static const uint8_t pattern[8] = {23, 0, 0, 0, 23, 0, 19, 0};
    for (size_t i = 0; i + sizeof pattern <= len; i++) {
        if (memcmp(stub + i, pattern, sizeof pattern) == 0)
            return i;
    }
    fail_msg("OXID bindings not found");
    return 0;
}

static void test_bad_security_offset(void **state)
{
    (void)state;
    uint8_t stub[sizeof sample_create_instance_response];
    memcpy(stub, sample_create_instance_response, sizeof stub);
    size_t at = find_ndr_dualstringarray(stub, sizeof stub);
    stub[at + 6] = 40; /* wSecurityOffset past wNumEntries */
    iiss_act_response resp;
    iiss_act_decode_response(stub, sizeof stub, IISS_ACT_REMOTE_CREATE_INSTANCE, IISS_NDR20, false, &resp);
    assert_has_anomaly(&resp.anomalies, IISS_AN_DUALSTRINGARRAY_INVALID);
    assert_false(iiss_act_bindings_tcp_port(&resp.oxid_bindings, NULL));
    assert_true(resp.complete);
    /* Only the bindings are lost; the IPID stands. */
    assert_int_equal(iiss_act_response_find_interface(&resp, IIS_IID), 0);
}

static void test_unterminated_binding(void **state)
{
    (void)state;
    uint8_t stub[sizeof sample_create_instance_response];
    memcpy(stub, sample_create_instance_response, sizeof stub);
    size_t at = find_ndr_dualstringarray(stub, sizeof stub);
    /* The NUL after "10.0.0.20[49155]" (entry 17) becomes 'x'. */
    stub[at + 8 + 17 * 2] = 'x';
    iiss_act_response resp;
    iiss_act_decode_response(stub, sizeof stub, IISS_ACT_REMOTE_CREATE_INSTANCE, IISS_NDR20, false, &resp);
    assert_has_anomaly(&resp.anomalies, IISS_AN_DUALSTRINGARRAY_INVALID);
    assert_int_equal(resp.oxid_bindings.string_count, 0);
}

static void test_port_forms(void **state)
{
    (void)state;
    /* Endpoints per MS-DCOM 2.2.19.3: "servername[endpoint]". */
    static const struct {
        const char *address;
        bool has_port;
        uint16_t port;
    } cases[] = {
        {"10.0.0.1[5000]", true, 5000},   {"fe80::1[49666]", true, 49666}, {"host", false, 0},
        {"host[]", false, 0},             {"host[65536]", false, 0},       {"host[12a]", false, 0},
        {"[135]", false, 0},              {"WEB01[65535]", true, 65535},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* A RemoteActivation reply carries the bindings in plain NDR. */
        builder b = {.len = 0, .big_endian = false};
        b_u32(&b, 0); /* ORPCTHAT flags */
        b_u32(&b, 0); /* extensions NULL */
        b_u64(&b, 0x1122334455667788ull);
        b_u32(&b, 0x00020000); /* ppdsaOxidBindings */
        size_t n = strlen(cases[i].address);
        uint16_t entries = (uint16_t)(1 + n + 1 + 1 + 1); /* tower, text, NUL, nullterm1, empty security, nullterm2 */
        entries++;
        b_u32(&b, entries);
        b_u16(&b, entries);
        b_u16(&b, (uint16_t)(n + 3));
        b_u16(&b, 7);
        for (size_t k = 0; k < n; k++)
            b_u16(&b, (uint16_t)cases[i].address[k]);
        b_u16(&b, 0);
        b_u16(&b, 0); /* nullterm1 */
        b_u16(&b, 0); /* an empty security binding */
        b_u16(&b, 0); /* nullterm2 */
        b_guid(&b, CID);
        b_u32(&b, 2);
        b_u16(&b, 5);
        b_u16(&b, 7);
        b_u32(&b, 0); /* phr */
        b_u32(&b, 0); /* ppInterfaceData conformance 0 */
        b_u32(&b, 0); /* pResults conformance 0 */
        b_u32(&b, 0); /* error_status_t */
        iiss_act_response resp;
        assert_true(
            iiss_act_decode_response(b.bytes, b.len, IISS_ACT_REMOTE_ACTIVATION, IISS_NDR20, false, &resp));
        assert_int_equal(resp.oxid_bindings.string_count, 1);
        assert_string_equal(resp.oxid_bindings.strings[0].network_address.utf8, cases[i].address);
        assert_int_equal(resp.oxid_bindings.strings[0].has_port, cases[i].has_port);
        if (cases[i].has_port)
            assert_int_equal(resp.oxid_bindings.strings[0].port, cases[i].port);
        assert_no_anomalies(&resp.anomalies);
    }
}

static void test_failed_activation(void **state)
{
    (void)state;
    /* ORPCTHAT, ppActProperties NULL, E_ACCESSDENIED: the server refused. */
    static const uint8_t stub[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x00, 0x07, 0x80};
    iiss_act_response resp;
    assert_true(iiss_act_decode_response(stub, sizeof stub, IISS_ACT_REMOTE_CREATE_INSTANCE, IISS_NDR20, false, &resp));
    assert_int_equal(resp.hresult, 0x80070005u);
    assert_false(resp.has_properties);
    assert_int_equal(iiss_act_response_find_interface(&resp, NULL), -1);
    assert_no_anomalies(&resp.anomalies);
}

static void test_success_without_properties(void **state)
{
    (void)state;
    static const uint8_t stub[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    iiss_act_response resp;
    assert_true(iiss_act_decode_response(stub, sizeof stub, IISS_ACT_REMOTE_CREATE_INSTANCE, IISS_NDR20, false, &resp));
    assert_has_anomaly(&resp.anomalies, IISS_AN_NULL_REF_POINTER);
}

static void test_trailing_bytes(void **state)
{
    (void)state;
    uint8_t stub[sizeof sample_create_instance_response + 12];
    memcpy(stub, sample_create_instance_response, sizeof sample_create_instance_response);
    memset(stub + sizeof sample_create_instance_response, 0x5A, 12);
    iiss_act_response resp;
    iiss_act_decode_response(stub, sizeof stub, IISS_ACT_REMOTE_CREATE_INSTANCE, IISS_NDR20, false, &resp);
    const iiss_anomaly *a = find_anomaly(&resp.anomalies, IISS_AN_STUB_TRAILING_BYTES);
    assert_non_null(a);
    assert_int_equal(a->offset, sizeof sample_create_instance_response);
}

/* ---- Other layouts and methods ----------------------------------------- */

/* RemoteGetClassObject around the sample's activation properties OBJREF,
 * in an NDR64 context: ORPCTHIS in NDR20 layout (MS-DCOM 2.2.13) or NDR64
 * layout, then an 8-byte pointer and an 8-byte conformance. */
static void build_get_class_object64(builder *b, bool orpc_ndr64)
{
    b->len = 0;
    b->big_endian = false;
    if (orpc_ndr64) {
        b_u16(b, 5);
        b_u16(b, 7);
        b_u32(b, 0);
        b_u32(b, 0);
        b_guid(b, CID);
        b_u64(b, 0); /* extensions NULL, 8 bytes at 32 */
    } else {
        b_orpcthis20(b, CID);
    }
    b_u64(b, 0x20000);                 /* pActProperties */
    b_u64(b, REQ_OBJREF_LEN);          /* conformance */
    b_u32(b, REQ_OBJREF_LEN);          /* ulCntData */
    b_raw(b, sample_create_instance_request + REQ_OBJREF, REQ_OBJREF_LEN);
}

static void assert_sample_properties(const iiss_act_request *req)
{
    assert_true(req->complete);
    assert_no_anomalies(&req->anomalies);
    assert_int_equal(req->property_count, 6);
    assert_guid(req->clsid, "E8FB8621-588F-11D2-9D61-00C04F79C5FE");
    assert_int_equal(req->iids_kept, 1);
    assert_guid(req->iids[0], "E8FB8620-588F-11D2-9D61-00C04F79C5FE");
    assert_string_equal(req->server_name.utf8, "WEB01");
}

static void test_get_class_object_ndr64(void **state)
{
    (void)state;
    builder b;
    iiss_act_request req;
    build_get_class_object64(&b, false);
    iiss_act_decode_request(b.bytes, b.len, IISS_ACT_REMOTE_GET_CLASS_OBJECT, IISS_NDR64, false, &req);
    assert_sample_properties(&req);
    assert_int_equal(req.orpcthis.layout, IISS_NDR20);
    assert_int_equal(req.ndr, IISS_NDR64);

    build_get_class_object64(&b, true);
    iiss_act_decode_request(b.bytes, b.len, IISS_ACT_REMOTE_GET_CLASS_OBJECT, IISS_NDR64, false, &req);
    assert_sample_properties(&req);
    assert_int_equal(req.orpcthis.layout, IISS_NDR64);
}

static void test_get_class_object_big_endian(void **state)
{
    (void)state;
    /* The drep sets the outer stub's order only: the OBJREF stays a
     * little-endian byte array, each property says its own order. */
    builder b = {.len = 0, .big_endian = true};
    b_orpcthis20(&b, CID);
    b_u32(&b, 0x20000);
    b_u32(&b, REQ_OBJREF_LEN);
    b_u32(&b, REQ_OBJREF_LEN);
    b_raw(&b, sample_create_instance_request + REQ_OBJREF, REQ_OBJREF_LEN);
    iiss_act_request req;
    iiss_act_decode_request(b.bytes, b.len, IISS_ACT_REMOTE_GET_CLASS_OBJECT, IISS_NDR20, true, &req);
    assert_sample_properties(&req);
    assert_memory_equal(req.orpcthis.cid, b.bytes + 12, 16); /* stub.h keeps the cid in wire order */
}

static void test_remote_activation_request(void **state)
{
    (void)state;
    /* IActivation::RemoteActivation (MS-DCOM 3.1.2.5.2.3.1), NDR20. */
    builder b = {.len = 0, .big_endian = false};
    b_orpcthis20(&b, CID);
    b_guid(&b, IIS_CLSID);
    b_u32(&b, 0x20000); /* pwszObjectName */
    b_u32(&b, 3);
    b_u32(&b, 0);
    b_u32(&b, 3);
    b_u16(&b, 'a');
    b_u16(&b, 'b');
    b_u16(&b, 0);
    b_u32(&b, 0);       /* pObjectStorage NULL */
    b_u32(&b, 2);       /* ClientImpLevel */
    b_u32(&b, 0);       /* Mode */
    b_u32(&b, 2);       /* Interfaces */
    b_u32(&b, 0x20004); /* pIIDs */
    b_u32(&b, 2);
    b_guid(&b, IIS_IID);
    b_guid(&b, CID);
    b_u16(&b, 2); /* cRequestedProtseqs */
    b_u32(&b, 2);
    b_u16(&b, 7);
    b_u16(&b, 15);
    iiss_act_request req;
    assert_true(iiss_act_decode_request(b.bytes, b.len, IISS_ACT_REMOTE_ACTIVATION, IISS_NDR20, false, &req));
    assert_no_anomalies(&req.anomalies);
    assert_guid(req.clsid, "E8FB8621-588F-11D2-9D61-00C04F79C5FE");
    assert_string_equal(req.object_name.utf8, "ab");
    assert_int_equal(req.imp_level, 2);
    assert_int_equal(req.iid_count, 2);
    assert_int_equal(req.iids_kept, 2);
    assert_memory_equal(req.iids[0], IIS_IID, 16);
    assert_memory_equal(req.iids[1], CID, 16);
    assert_int_equal(req.protseq_count, 2);
    assert_int_equal(req.protseqs[1], 15);
    assert_false(req.has_properties);
}

static void test_remote_activation_response(void **state)
{
    (void)state;
    /* Two interfaces: the first returned, the second NULL with E_NOINTERFACE. */
    builder b = {.len = 0, .big_endian = false};
    b_u32(&b, 0);
    b_u32(&b, 0);
    b_u64(&b, 0x0102030405060708ull); /* pOxid */
    b_u32(&b, 0x20000);              /* ppdsaOxidBindings */
    static const char binding[] = "192.168.1.5[49700]";
    uint16_t n = (uint16_t)(1 + strlen(binding) + 1 + 1 + 4);
    b_u32(&b, n);
    b_u16(&b, n);
    b_u16(&b, (uint16_t)(strlen(binding) + 3));
    b_u16(&b, 7);
    for (const char *p = binding; *p; p++)
        b_u16(&b, (uint16_t)*p);
    b_u16(&b, 0);
    b_u16(&b, 0);
    b_u16(&b, 0x10); /* RPC_C_AUTHN_GSS_KERBEROS */
    b_u16(&b, 0xFFFF);
    b_u16(&b, 0);
    b_u16(&b, 0);
    b_guid(&b, CID); /* ipidRemUnknown */
    b_u32(&b, 5);    /* authn hint */
    b_u16(&b, 5);
    b_u16(&b, 7);
    b_u32(&b, 0);       /* phr */
    b_u32(&b, 2);       /* ppInterfaceData conformance */
    b_u32(&b, 0x20004); /* [0] */
    b_u32(&b, 0);       /* [1] NULL */
    /* [0]: MInterfacePointer with an OBJREF_STANDARD and empty resolver bindings. */
    builder o = {.len = 0, .big_endian = false};
    b_u32(&o, 0x574F454D);
    b_u32(&o, 1);
    b_guid(&o, IIS_IID);
    b_u32(&o, 0x1000); /* SORF_NOPING */
    b_u32(&o, 1);
    b_u64(&o, 0x0102030405060708ull);
    b_u64(&o, 0x99);
    b_guid(&o, IIS_CLSID); /* an IPID (any GUID) */
    b_u16(&o, 4);
    b_u16(&o, 2);
    b_u16(&o, 0);
    b_u16(&o, 0);
    b_u16(&o, 0);
    b_u16(&o, 0);
    b_u32(&b, (uint32_t)o.len);
    b_u32(&b, (uint32_t)o.len);
    b_raw(&b, o.bytes, o.len);
    b_u32(&b, 2); /* pResults conformance */
    b_u32(&b, 0);
    b_u32(&b, 0x80004002u);
    b_u32(&b, 0); /* error_status_t */
    iiss_act_response resp;
    assert_true(iiss_act_decode_response(b.bytes, b.len, IISS_ACT_REMOTE_ACTIVATION, IISS_NDR20, false, &resp));
    assert_no_anomalies(&resp.anomalies);
    assert_true(resp.oxid == 0x0102030405060708ull);
    uint16_t port = 0;
    assert_true(iiss_act_bindings_tcp_port(&resp.oxid_bindings, &port));
    assert_int_equal(port, 49700);
    assert_int_equal(resp.oxid_bindings.security_count, 1);
    assert_int_equal(resp.oxid_bindings.security[0].authn_svc, 0x10);
    assert_int_equal(resp.authn_hint, 5);
    assert_int_equal(resp.interface_count, 2);
    assert_int_equal(resp.interfaces_kept, 2);
    assert_true(resp.interfaces[0].objref.present);
    assert_int_equal(resp.interfaces[0].objref.std_flags, 0x1000);
    assert_memory_equal(resp.interfaces[0].iid, IIS_IID, 16);
    assert_memory_equal(resp.interfaces[0].objref.ipid, IIS_CLSID, 16);
    assert_false(resp.interfaces[1].objref.present);
    assert_int_equal(resp.interfaces[1].hresult, 0x80004002u);
    assert_int_equal(iiss_act_response_find_interface(&resp, IIS_IID), 0);
    /* An empty but well-formed resolver DUALSTRINGARRAY (2.2.19.1's smallest). */
    assert_true(resp.interfaces[0].objref.resolver.present);
    assert_int_equal(resp.interfaces[0].objref.resolver.string_count, 0);
}

static void test_remote_activation_hostile_counts(void **state)
{
    (void)state;
    /* Interfaces 0xFFFFFFFF with a matching conformance but no bytes: reported, bounded. */
    builder b = {.len = 0, .big_endian = false};
    b_orpcthis20(&b, CID);
    b_guid(&b, IIS_CLSID);
    b_u32(&b, 0);
    b_u32(&b, 0);
    b_u32(&b, 2);
    b_u32(&b, 0);
    b_u32(&b, 0xFFFFFFFFu);
    b_u32(&b, 0x20000);
    b_u32(&b, 0xFFFFFFFFu);
    b_guid(&b, IIS_IID);
    iiss_act_request req;
    assert_false(iiss_act_decode_request(b.bytes, b.len, IISS_ACT_REMOTE_ACTIVATION, IISS_NDR20, false, &req));
    assert_has_anomaly(&req.anomalies, IISS_AN_COUNT_OUT_OF_RANGE);
    assert_has_anomaly(&req.anomalies, IISS_AN_STUB_TRUNCATED);
    assert_int_equal(req.iids_kept, 1);
}

static void test_method_mapping(void **state)
{
    (void)state;
    iiss_act_method m;
    assert_true(iiss_act_method_of(iiss_act_iid_remote_scm_activator, 4, &m));
    assert_int_equal(m, IISS_ACT_REMOTE_CREATE_INSTANCE);
    assert_string_equal(iiss_act_method_name(m), "RemoteCreateInstance");
    assert_true(iiss_act_method_of(iiss_act_iid_remote_scm_activator, 3, &m));
    assert_int_equal(m, IISS_ACT_REMOTE_GET_CLASS_OBJECT);
    assert_true(iiss_act_method_of(iiss_act_iid_activation, 0, &m));
    assert_int_equal(m, IISS_ACT_REMOTE_ACTIVATION);
    assert_false(iiss_act_method_of(iiss_act_iid_remote_scm_activator, 0, &m));
    assert_false(iiss_act_method_of(IIS_IID, 4, &m));
    assert_guid(iiss_act_iid_remote_scm_activator, "000001A0-0000-0000-C000-000000000046");
    assert_guid(iiss_act_iid_activation, "4D9F4AB8-7D1C-11CF-861E-0020AF6E7C57");
    assert_string_equal(iiss_guid_lookup(iiss_act_iid_remote_scm_activator), "IRemoteSCMActivator");
    assert_string_equal(iiss_lookup(iiss_tower_id_names, 7), "ncacn_ip_tcp");
    assert_string_equal(iiss_dce_auth_type_name(10), "NTLMSSP"); /* a SECURITYBINDING's wAuthnSvc */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_request),
        cmocka_unit_test(test_sample_response),
        cmocka_unit_test(test_sample_every_truncation),
        cmocka_unit_test(test_sample_response_cut_before_hresult),
        cmocka_unit_test(test_hostile_property_count),
        cmocka_unit_test(test_bad_objref_signature),
        cmocka_unit_test(test_objref_not_custom),
        cmocka_unit_test(test_unexpected_unmarshaler),
        cmocka_unit_test(test_bad_serialization_header),
        cmocka_unit_test(test_blob_size_mismatch),
        cmocka_unit_test(test_hostile_object_buffer_length),
        cmocka_unit_test(test_missing_instantiation_info),
        cmocka_unit_test(test_bad_security_offset),
        cmocka_unit_test(test_unterminated_binding),
        cmocka_unit_test(test_port_forms),
        cmocka_unit_test(test_failed_activation),
        cmocka_unit_test(test_success_without_properties),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_get_class_object_ndr64),
        cmocka_unit_test(test_get_class_object_big_endian),
        cmocka_unit_test(test_remote_activation_request),
        cmocka_unit_test(test_remote_activation_response),
        cmocka_unit_test(test_remote_activation_hostile_counts),
        cmocka_unit_test(test_method_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
