/* Fuzzes the DCOM activation decoders (iiss/activation.h). The first byte
 * picks the call:
 *   bits 0-1: RemoteCreateInstance, RemoteGetClassObject, RemoteActivation
 *   bit 2: NDR64 context   bit 3: big-endian drep   bit 4: response
 * The rest is the stub. Besides the sanitizers, every span the decoder
 * reports must lie inside the stub, every kept count within its array and
 * every text NUL-terminated inside its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iiss/activation.h"

static void check_span(const iiss_span *span, size_t len)
{
    if ((uint64_t)span->offset + span->length > len)
        abort();
}

static void check_text(const iiss_act_text *text)
{
    if (memchr(text->utf8, '\0', sizeof text->utf8) == NULL)
        abort();
}

static void check_bindings(const iiss_act_bindings *b)
{
    uint32_t strings = b->string_count < IISS_ACT_STRING_BINDINGS_KEPT ? b->string_count : IISS_ACT_STRING_BINDINGS_KEPT;
    for (uint32_t i = 0; i < strings; i++) {
        check_text(&b->strings[i].network_address);
        if (b->strings[i].has_port && b->strings[i].tower_id != 7)
            abort();
    }
    uint32_t security = b->security_count < IISS_ACT_SECURITY_BINDINGS_KEPT ? b->security_count
                                                                              : IISS_ACT_SECURITY_BINDINGS_KEPT;
    for (uint32_t i = 0; i < security; i++)
        check_text(&b->security[i].principal);
    if (b->string_count > b->num_entries || b->security_count > b->num_entries)
        abort();
}

static void check_properties(const iiss_act_property *props, uint32_t kept, size_t len)
{
    if (kept > IISS_ACT_PROPERTIES_KEPT)
        abort();
    for (uint32_t i = 0; i < kept; i++)
        check_span(&props[i].span, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t selector = data[0];
    static const iiss_act_method methods[4] = {IISS_ACT_REMOTE_CREATE_INSTANCE, IISS_ACT_REMOTE_GET_CLASS_OBJECT,
                                               IISS_ACT_REMOTE_ACTIVATION, IISS_ACT_REMOTE_CREATE_INSTANCE};
    iiss_act_method method = methods[selector & 3];
    iiss_ndr ndr = (selector & 0x04) ? IISS_NDR64 : IISS_NDR20;
    bool big_endian = (selector & 0x08) != 0;
    const uint8_t *stub = data + 1;
    size_t len = size - 1;

    if (!(selector & 0x10)) {
        iiss_act_request req;
        iiss_act_decode_request(stub, len, method, ndr, big_endian, &req);
        check_span(&req.orpcthis.span, len);
        check_properties(req.properties, req.properties_kept, len);
        if (req.iids_kept > IISS_ACT_IIDS_KEPT || req.protseqs_kept > IISS_ACT_PROTSEQS_KEPT)
            abort();
        check_text(&req.server_name);
        check_text(&req.object_name);
        if (req.anomalies.count > IISS_ANOMALY_LIST_MAX)
            abort();
        return 0;
    }

    iiss_act_response resp;
    iiss_act_decode_response(stub, len, method, ndr, big_endian, &resp);
    check_span(&resp.orpcthat.span, len);
    check_properties(resp.properties, resp.properties_kept, len);
    if (resp.interfaces_kept > IISS_ACT_IIDS_KEPT || resp.interfaces_kept > resp.interface_count)
        abort();
    for (uint32_t i = 0; i < resp.interfaces_kept; i++)
        check_bindings(&resp.interfaces[i].objref.resolver);
    check_bindings(&resp.oxid_bindings);
    int found = iiss_act_response_find_interface(&resp, NULL);
    if (found >= (int)IISS_ACT_IIDS_KEPT)
        abort();
    iiss_act_bindings_tcp_port(&resp.oxid_bindings, NULL);
    if (resp.anomalies.count > IISS_ANOMALY_LIST_MAX)
        abort();
    return 0;
}
