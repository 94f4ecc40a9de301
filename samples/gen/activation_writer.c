#include "activation_writer.h"

#include <string.h>

#include "ndr_writer.h"

const guid IID_ISYSTEM_ACTIVATOR = {0x000001A0u, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};

/* MS-DCOM 1.9 identifiers. */
static const guid IID_IACTIVATION_PROPERTIES_IN = {0x000001A2u, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const guid IID_IACTIVATION_PROPERTIES_OUT = {0x000001A3u, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const guid CLSID_ACTIVATION_PROPERTIES_IN = {0x00000338u, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const guid CLSID_ACTIVATION_PROPERTIES_OUT = {0x00000339u, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const guid CLSID_SPECIAL_SYSTEM_PROPERTIES = {0x000001B9u, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const guid CLSID_INSTANTIATION_INFO = {0x000001ABu, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const guid CLSID_ACTIVATION_CONTEXT_INFO = {0x000001A5u, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const guid CLSID_SECURITY_INFO = {0x000001A6u, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const guid CLSID_SERVER_LOCATION_INFO = {0x000001A4u, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const guid CLSID_SCM_REQUEST_INFO = {0x000001AAu, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const guid CLSID_SCM_REPLY_INFO = {0x000001B6u, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const guid CLSID_PROPS_OUT_INFO = {0x00000339u, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
static const guid GUID_NULL_VALUE = {0, 0, 0, {0, 0, 0, 0, 0, 0, 0, 0}};

#define OBJREF_SIGNATURE 0x574F454Du /* "MEOW" */
#define OBJREF_STANDARD 0x1u
#define OBJREF_CUSTOM 0x4u
#define MSHCTX_DIFFERENTMACHINE 2u
#define CLSCTX_LOCAL_AND_REMOTE_SERVER 0x14u
#define RPC_C_AUTHN_LEVEL_CONNECT 2u
#define RPC_C_IMP_LEVEL_IDENTIFY 2u
#define TOWER_NCACN_IP_TCP 0x0007u
#define RPC_C_AUTHN_WINNT 0x000Au
#define RPC_C_AUTHZ_NONE_WIRE 0xFFFFu
#define INVALID_SESSION_ID 0xFFFFFFFFu
#define TYPE_SERIALIZATION_VERSION 1
#define TYPE_SERIALIZATION_LITTLE_ENDIAN 0x10
#define TYPE_SERIALIZATION_FILLER 0xCCCCCCCCu
#define STDOBJREF_PUBLIC_REFS 5u

/* One activation property: its CLSID and its NDR body writer. */
typedef void (*property_body_fn)(ndr_writer *w, const void *arg, uint32_t serialized_size);
typedef struct property {
    const guid *clsid;
    property_body_fn body;
    const void *arg;
} property;

/* MS-RPCE 2.2.6: common header (version, endianness, length 8, filler),
 * private header (object buffer length, filler), the NDR body padded to 8.
 * `serialized_size` is passed to the body for fields that hold it
 * (InstantiationInfoData.thisSize): a first pass measures it. */
static size_t put_serialized(bytebuf *out, property_body_fn body, const void *arg, uint32_t serialized_size)
{
    size_t start = out->len;
    bb_put_u8(out, TYPE_SERIALIZATION_VERSION);
    bb_put_u8(out, TYPE_SERIALIZATION_LITTLE_ENDIAN);
    bb_put_u16le(out, 8);
    bb_put_u32le(out, TYPE_SERIALIZATION_FILLER);
    size_t length_at = out->len;
    bb_put_u32le(out, 0);
    bb_put_u32le(out, 0);
    ndr_writer w;
    ndr_init(&w, out, false);
    body(&w, arg, serialized_size);
    ndr_align(&w, 8);
    bool saved = out->big_endian;
    out->big_endian = false;
    bb_patch_u32(out, length_at, (uint32_t)(out->len - w.base));
    out->big_endian = saved;
    return out->len - start;
}

static size_t serialized_size_of(property_body_fn body, const void *arg)
{
    bytebuf scratch;
    bb_init(&scratch);
    size_t size = put_serialized(&scratch, body, arg, 0);
    bb_free(&scratch);
    return size;
}

/* CustomHeader (2.2.22.1) for the property list. */
typedef struct custom_header_arg {
    const property *props;
    size_t n;
    const uint32_t *sizes;
    uint32_t total_size;
    uint32_t header_size;
} custom_header_arg;

static void custom_header_body(ndr_writer *w, const void *arg, uint32_t serialized_size)
{
    (void)serialized_size;
    const custom_header_arg *h = arg;
    ndr_u32(w, h->total_size);
    ndr_u32(w, h->header_size);
    ndr_u32(w, 0); /* dwReserved */
    ndr_u32(w, MSHCTX_DIFFERENTMACHINE);
    ndr_u32(w, (uint32_t)h->n);
    ndr_guid(w, &GUID_NULL_VALUE); /* classInfoClsid */
    ndr_pointer(w, true);          /* pclsid */
    ndr_pointer(w, true);          /* pSizes */
    ndr_pointer(w, false);         /* pdwReserved */
    ndr_conformance(w, h->n);
    for (size_t i = 0; i < h->n; i++)
        ndr_guid(w, h->props[i].clsid);
    ndr_conformance(w, h->n);
    for (size_t i = 0; i < h->n; i++)
        ndr_u32(w, h->sizes[i]);
}

/* The activation properties BLOB (2.2.22) as an OBJREF_CUSTOM (2.2.18.6)
 * inside an MInterfacePointer (2.2.14): conformance, ulCntData, OBJREF. */
static void put_activation_properties(ndr_writer *w, const guid *iid, const guid *clsid, const property *props,
                                      size_t n)
{
    uint32_t sizes[8];
    uint32_t properties_size = 0;
    for (size_t i = 0; i < n && i < 8; i++) {
        sizes[i] = (uint32_t)serialized_size_of(props[i].body, props[i].arg);
        properties_size += sizes[i];
    }
    custom_header_arg header = {props, n, sizes, 0, 0};
    header.header_size = (uint32_t)serialized_size_of(custom_header_body, &header);
    header.total_size = header.header_size + properties_size;

    bytebuf blob;
    bb_init(&blob);
    bb_put_u32le(&blob, header.total_size); /* dwSize */
    bb_put_u32le(&blob, 0);                 /* dwReserved */
    put_serialized(&blob, custom_header_body, &header, header.header_size);
    for (size_t i = 0; i < n; i++)
        put_serialized(&blob, props[i].body, props[i].arg, sizes[i]);

    bytebuf objref;
    bb_init(&objref);
    bb_put_u32le(&objref, OBJREF_SIGNATURE);
    bb_put_u32le(&objref, OBJREF_CUSTOM);
    bb_put_guid(&objref, iid);
    bb_put_guid(&objref, clsid);
    bb_put_u32le(&objref, 0); /* cbExtension */
    bb_put_u32le(&objref, (uint32_t)blob.len);
    bb_put_bytes(&objref, blob.data, blob.len);

    ndr_conformance(w, objref.len);
    ndr_u32(w, (uint32_t)objref.len);
    ndr_bytes(w, objref.data, objref.len);
    bb_free(&objref);
    bb_free(&blob);
}

/* ---- ActivationPropertiesIn (2.2.22.2.x) ---- */

static void special_system_properties(ndr_writer *w, const void *arg, uint32_t size)
{
    (void)arg;
    (void)size;
    ndr_u32(w, INVALID_SESSION_ID);
    ndr_u32(w, 0); /* fRemoteThisSessionId */
    ndr_u32(w, 0); /* fClientImpersonating */
    ndr_u32(w, 0); /* fPartitionIDPresent */
    ndr_u32(w, RPC_C_AUTHN_LEVEL_CONNECT);
    ndr_guid(w, &GUID_NULL_VALUE);
    ndr_u32(w, 0); /* dwPRTFlags */
    ndr_u32(w, CLSCTX_LOCAL_AND_REMOTE_SERVER);
    ndr_u32(w, 0); /* dwFlags */
    ndr_u32(w, 0); /* Reserved1 */
    ndr_align(w, 8);
    bb_put_u64(w->out, 0); /* Reserved2 */
    for (int i = 0; i < 5; i++)
        ndr_u32(w, 0); /* Reserved3 */
}

static void instantiation_info(ndr_writer *w, const void *arg, uint32_t size)
{
    const act_request *req = arg;
    ndr_guid(w, &req->clsid);
    ndr_u32(w, CLSCTX_LOCAL_AND_REMOTE_SERVER);
    ndr_u32(w, 0); /* actvflags */
    ndr_u32(w, 0); /* fIsSurrogate */
    ndr_u32(w, 1); /* cIID */
    ndr_u32(w, 0); /* instFlag */
    ndr_pointer(w, true);
    ndr_u32(w, size); /* thisSize */
    ndr_u16(w, 5);    /* clientCOMVersion */
    ndr_u16(w, 7);
    ndr_conformance(w, 1);
    ndr_guid(w, &req->iid);
}

static void activation_context_info(ndr_writer *w, const void *arg, uint32_t size)
{
    (void)arg;
    (void)size;
    ndr_u32(w, 0); /* clientOK */
    ndr_u32(w, 0); /* bReserved1 */
    ndr_u32(w, 0); /* dwReserved1 */
    ndr_u32(w, 0); /* dwReserved2 */
    ndr_pointer(w, false); /* pIFDClientCtx */
    ndr_pointer(w, false); /* pIFDPrototypeCtx */
}

/* A [string] wchar_t*: conformant varying, NUL included. */
static void put_wide_string(ndr_writer *w, const char *text)
{
    uint32_t count = (uint32_t)strlen(text) + 1u;
    ndr_u32(w, count); /* max count */
    ndr_u32(w, 0);     /* offset */
    ndr_u32(w, count); /* actual count */
    for (uint32_t i = 0; i < count; i++)
        ndr_u16(w, (uint16_t)(unsigned char)text[i]);
}

static void security_info(ndr_writer *w, const void *arg, uint32_t size)
{
    (void)size;
    const act_request *req = arg;
    ndr_u32(w, 0);         /* dwAuthnFlags */
    ndr_pointer(w, true);  /* pServerInfo */
    ndr_pointer(w, false); /* pdwReserved */
    /* COSERVERINFO */
    ndr_u32(w, 0);         /* dwReserved1 */
    ndr_pointer(w, true);  /* pwszName */
    ndr_pointer(w, false); /* pAuthInfo */
    ndr_u32(w, 0);         /* dwReserved2 */
    put_wide_string(w, req->server);
}

static void location_info(ndr_writer *w, const void *arg, uint32_t size)
{
    (void)arg;
    (void)size;
    ndr_pointer(w, false); /* machineName */
    ndr_u32(w, 0);         /* processId */
    ndr_u32(w, 0);         /* apartmentId */
    ndr_u32(w, 0);         /* contextId */
}

static void scm_request_info(ndr_writer *w, const void *arg, uint32_t size)
{
    (void)arg;
    (void)size;
    ndr_pointer(w, false); /* pdwReserved */
    ndr_pointer(w, true);  /* remoteRequest */
    ndr_u32(w, RPC_C_IMP_LEVEL_IDENTIFY);
    ndr_u16(w, 1);         /* cRequestedProtseqs */
    ndr_pointer(w, true);  /* pRequestedProtseqs */
    ndr_conformance(w, 1);
    ndr_u16(w, TOWER_NCACN_IP_TCP);
}

void act_write_request_stub(bytebuf *out, const act_request *req)
{
    ndr_writer w;
    ndr_init(&w, out, false);
    ndr_orpcthis(&w, 5, 7, 0, &req->causality, NULL, 0);
    ndr_pointer(&w, false); /* pUnkOuter */
    ndr_pointer(&w, true);  /* pActProperties */
    const property props[] = {
        {&CLSID_SPECIAL_SYSTEM_PROPERTIES, special_system_properties, req},
        {&CLSID_INSTANTIATION_INFO, instantiation_info, req},
        {&CLSID_ACTIVATION_CONTEXT_INFO, activation_context_info, req},
        {&CLSID_SECURITY_INFO, security_info, req},
        {&CLSID_SERVER_LOCATION_INFO, location_info, req},
        {&CLSID_SCM_REQUEST_INFO, scm_request_info, req},
    };
    put_activation_properties(&w, &IID_IACTIVATION_PROPERTIES_IN, &CLSID_ACTIVATION_PROPERTIES_IN, props,
                              sizeof props / sizeof props[0]);
}

/* ---- ActivationPropertiesOut ---- */

/* DUALSTRINGARRAY entries (2.2.19): string bindings, a 0, security
 * bindings, a 0; returns the count of u16 and the security offset. */
static size_t dual_string_entries(uint16_t *out, size_t max, const char *const *hosts, size_t n_hosts,
                                  uint16_t *security_offset)
{
    size_t n = 0;
    for (size_t h = 0; h < n_hosts; h++) {
        out[n++] = TOWER_NCACN_IP_TCP;
        for (const char *c = hosts[h]; *c && n < max; c++)
            out[n++] = (uint16_t)(unsigned char)*c;
        out[n++] = 0;
    }
    out[n++] = 0;
    *security_offset = (uint16_t)n;
    out[n++] = RPC_C_AUTHN_WINNT;
    out[n++] = RPC_C_AUTHZ_NONE_WIRE;
    out[n++] = 0; /* empty principal name */
    out[n++] = 0;
    return n;
}

static void put_dual_string_array_bytes(bytebuf *b, const char *const *hosts, size_t n_hosts)
{
    uint16_t entries[256];
    uint16_t security_offset;
    size_t n = dual_string_entries(entries, 200, hosts, n_hosts, &security_offset);
    bb_put_u16le(b, (uint16_t)n);
    bb_put_u16le(b, security_offset);
    for (size_t i = 0; i < n; i++)
        bb_put_u16le(b, entries[i]);
}

static void props_out_info(ndr_writer *w, const void *arg, uint32_t size)
{
    (void)size;
    const act_reply *rep = arg;
    ndr_u32(w, 1);        /* cIfs */
    ndr_pointer(w, true); /* piid */
    ndr_pointer(w, true); /* phresults */
    ndr_pointer(w, true); /* ppIntfData */
    ndr_conformance(w, 1);
    ndr_guid(w, &rep->iid);
    ndr_conformance(w, 1);
    ndr_u32(w, rep->hresult);
    ndr_conformance(w, 1);
    ndr_pointer(w, true);
    /* OBJREF_STANDARD of the created interface (2.2.18.4). */
    bytebuf objref;
    bb_init(&objref);
    bb_put_u32le(&objref, OBJREF_SIGNATURE);
    bb_put_u32le(&objref, OBJREF_STANDARD);
    bb_put_guid(&objref, &rep->iid);
    bb_put_u32le(&objref, 0); /* STDOBJREF flags */
    bb_put_u32le(&objref, STDOBJREF_PUBLIC_REFS);
    bb_put_u32le(&objref, (uint32_t)rep->oxid);
    bb_put_u32le(&objref, (uint32_t)(rep->oxid >> 32));
    bb_put_u32le(&objref, (uint32_t)rep->oid);
    bb_put_u32le(&objref, (uint32_t)(rep->oid >> 32));
    bb_put_guid(&objref, &rep->ipid);
    const char *resolver[2] = {rep->resolver_host, rep->resolver_address};
    put_dual_string_array_bytes(&objref, resolver, 2);
    ndr_conformance(w, objref.len);
    ndr_u32(w, (uint32_t)objref.len);
    ndr_bytes(w, objref.data, objref.len);
    bb_free(&objref);
}

static void scm_reply_info(ndr_writer *w, const void *arg, uint32_t size)
{
    (void)size;
    const act_reply *rep = arg;
    ndr_pointer(w, false); /* pdwReserved */
    ndr_pointer(w, true);  /* remoteReply */
    ndr_align(w, 8);
    bb_put_u64(w->out, rep->oxid);
    ndr_pointer(w, true);  /* pdsaOxidBindings */
    ndr_guid(w, &rep->rem_unknown_ipid);
    ndr_u32(w, RPC_C_AUTHN_LEVEL_CONNECT); /* authnHint */
    ndr_u16(w, 5);
    ndr_u16(w, 7);
    /* DUALSTRINGARRAY: a conformant structure, max count first. */
    uint16_t entries[256];
    uint16_t security_offset;
    const char *bindings[1] = {rep->oxid_binding};
    size_t n = dual_string_entries(entries, 200, bindings, 1, &security_offset);
    ndr_conformance(w, n);
    ndr_u16(w, (uint16_t)n);
    ndr_u16(w, security_offset);
    for (size_t i = 0; i < n; i++)
        ndr_u16(w, entries[i]);
}

void act_write_reply_stub(bytebuf *out, const act_reply *rep)
{
    ndr_writer w;
    ndr_init(&w, out, false);
    ndr_orpcthat(&w, 0, NULL, 0);
    ndr_pointer(&w, true); /* *ppActProperties */
    const property props[] = {
        {&CLSID_PROPS_OUT_INFO, props_out_info, rep},
        {&CLSID_SCM_REPLY_INFO, scm_reply_info, rep},
    };
    put_activation_properties(&w, &IID_IACTIVATION_PROPERTIES_OUT, &CLSID_ACTIVATION_PROPERTIES_OUT, props,
                              sizeof props / sizeof props[0]);
    ndr_u32(&w, rep->hresult);
}

void act_write_refusal_stub(bytebuf *out, uint32_t hresult)
{
    ndr_writer w;
    ndr_init(&w, out, false);
    ndr_orpcthat(&w, 0, NULL, 0);
    ndr_pointer(&w, false); /* *ppActProperties */
    ndr_u32(&w, hresult);
}
