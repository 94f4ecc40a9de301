/* decoys, decoys-bound: DCOM calls of other interfaces whose methods share
 * IIsServiceControl's opnums (7-11) or its request and reply shapes, the
 * kind a midstream guess by opnum and shape takes for IIS calls. The same
 * conversations are written twice: with their binds (decoys-bound, so that
 * stock tshark names every interface and method) and with the capture
 * starting after the binds (decoys), where a decoder must infer, and find
 * no IIS call.
 *
 * Stubs from the specifications: MS-OAUT 3.1.4 (IDispatch), 3.7.4
 * (ITypeInfo), MS-DCOM 3.1.1.5.6 (IRemUnknown), MS-IMSA 3.1.4
 * (IMSAdminBaseW); NDR20 little-endian, ORPCTHIS/ORPCTHAT of MS-DCOM 2.2.13. */
#include <string.h>

#include "ndr_writer.h"
#include "scenario_common.h"
#include "scenarios.h"

#define AUTOMATION_SERVER_PORT 49160
#define METABASE_SERVER_PORT 49170
#define LCID_EN_US 0x0409u
#define DISPID_REFRESH 0x60020003u
#define HREFTYPE_FIRST 0x00000002u
#define IMPLTYPEFLAG_FDEFAULT 1u
#define METADATA_HANDLE_ROOT 0x00000012u
#define MD_KEY_TYPE 1002u
#define STRING_METADATA 2u
#define ALL_METADATA 0u
#define IIS_MD_UT_SERVER 1u
#define SERVER_TIME_US 640u
#define CLIENT_TIME_US 2100u

typedef struct decoy_ifaces {
    guid idispatch, itypeinfo, iremunknown, imsadminbase;
    guid ipid_automation, ipid_typeinfo, ipid_remunknown, ipid_metabase;
} decoy_ifaces;

static decoy_ifaces ifaces(void)
{
    decoy_ifaces f;
    f.idispatch = guid_from_string("00020400-0000-0000-C000-000000000046");
    f.itypeinfo = guid_from_string("00020401-0000-0000-C000-000000000046");
    f.iremunknown = guid_from_string("00000131-0000-0000-C000-000000000046");
    f.imsadminbase = guid_from_string("70B51430-B6CA-11D0-B9B9-00A0C922E750");
    f.ipid_automation = guid_from_string("0000C801-0B4C-FFFF-2E41-77D09A3C51E8");
    f.ipid_typeinfo = guid_from_string("0000C802-0B4C-FFFF-8A13-5F02C4B9E671");
    f.ipid_remunknown = guid_from_string("0000C401-0B4C-FFFF-19A7-C35E0D8B2F44");
    f.ipid_metabase = guid_from_string("0000D001-0B4C-FFFF-64E0-1B93A2F7C85D");
    return f;
}

/* The stub being written: NDR20, little-endian, zero padding. */
typedef struct stub {
    bytebuf b;
    ndr_writer w;
} stub;

static void stub_begin(stub *st)
{
    bb_init(&st->b);
    ndr_init(&st->w, &st->b, false);
}

static void put_orpcthis(stub *st, const session *s)
{
    ndr_orpcthis(&st->w, COM_VERSION_MAJOR, COM_VERSION_MINOR, 0, &s->causality, NULL, 0);
}

static void put_orpcthat(stub *st)
{
    ndr_orpcthat(&st->w, 0, NULL, 0);
}

/* A [string] wchar_t array: max count, offset, actual count, the UTF-16LE
 * units with the terminating NUL (the referent of an LPWSTR). */
static void put_conformant_wstring(stub *st, const char *ascii)
{
    uint32_t units = (uint32_t)strlen(ascii) + 1u;
    ndr_u32(&st->w, units);
    ndr_u32(&st->w, 0);
    ndr_u32(&st->w, units);
    for (const char *p = ascii; *p; p++)
        ndr_u16(&st->w, (uint8_t)*p);
    ndr_u16(&st->w, 0);
}

/* A BSTR's FLAGGED_WORD_BLOB (MS-OAUT 2.2.23.1), a conformant structure:
 * max count, cBytes, clSize, the UTF-16LE units (no terminator). */
static void put_bstr_blob(stub *st, const char *ascii)
{
    uint32_t units = (uint32_t)strlen(ascii);
    ndr_u32(&st->w, units);
    ndr_u32(&st->w, 2u * units);
    ndr_u32(&st->w, units);
    for (const char *p = ascii; *p; p++)
        ndr_u16(&st->w, (uint8_t)*p);
}

/* One call: the request, the server's time, the response (rs NULL: none in
 * the capture), the client's time; recorded as a decoy. */
static void decoy_exchange(session *s, decoy_call d, uint16_t ctx_id, const guid *ipid, stub *rq, stub *rs)
{
    dce_call call = {s->next_call_id++, ctx_id, d.opnum, ipid};
    d.conn = s->conn;
    dce_write_request(&s->to_server, &call, rq->b.data, rq->b.len, NULL);
    d.request_end = s->to_server.bytes.len;
    session_send(s, TCP_CLIENT, NULL, 0);
    bb_free(&rq->b);
    if (rs) {
        cap_advance_us(&s->cap, SERVER_TIME_US);
        dce_write_response(&s->to_client, &call, rs->b.data, rs->b.len, NULL);
        d.has_response = true;
        d.response_end = s->to_client.bytes.len;
        session_send(s, TCP_SERVER, NULL, 0);
        bb_free(&rs->b);
    }
    cap_advance_us(&s->cap, CLIENT_TIME_US);
    if (s->n_decoys < SESSION_MAX_DECOYS)
        s->decoys[s->n_decoys++] = d;
}

/* The bind of a connection (decoys-bound only): each interface as its own
 * context, NDR20, all accepted. */
static void bind_interfaces(session *s, const guid *iids, size_t n)
{
    dce_context_item items[DCE_MAX_CONTEXT_ITEMS];
    dce_ack_result_item results[DCE_MAX_CONTEXT_ITEMS];
    memset(items, 0, sizeof items);
    for (size_t i = 0; i < n; i++) {
        items[i].ctx_id = (uint16_t)i;
        items[i].abstract.uuid = iids[i];
        items[i].n_transfer = 1;
        items[i].transfer[0] = DCE_SYNTAX_NDR20;
        results[i] = (dce_ack_result_item){DCE_ACCEPTANCE, 0, DCE_SYNTAX_NDR20};
    }
    uint32_t call_id = s->next_call_id++;
    dce_write_bind(&s->to_server, DCE_PKT_BIND, call_id, 0, s->cfg.max_frag, s->cfg.max_frag, 0, items, n, NULL);
    session_send(s, TCP_CLIENT, NULL, 0);
    cap_advance_us(&s->cap, 430);
    char port[8];
    snprintf(port, sizeof port, "%u", s->cfg.server.port);
    dce_write_bind_ack(&s->to_client, DCE_PKT_BIND_ACK, call_id, 0, s->cfg.max_frag, s->cfg.max_frag, 0x0001B7C4u,
                       port, results, n, NULL);
    session_send(s, TCP_SERVER, NULL, 0);
    cap_advance_us(&s->cap, 700);
}

static void start_connection(session *s, bool with_binds, const guid *iids, size_t n)
{
    if (with_binds) {
        session_handshake(s);
        bind_interfaces(s, iids, n);
    } else {
        tcp_assume_established(&s->tcp);
        s->next_call_id = 9; /* the binds and earlier calls happened before the capture began */
    }
}

/* IMSAdminBaseW on the metabase (inetinfo): opnums 7-11, every reply just
 * ORPCTHAT and an HRESULT, as an IIS reply is; the requests are not IIS's. */
static void metabase_calls(session *s, const decoy_ifaces *f)
{
    const uint16_t MB = 0;
    stub rq, rs;
    decoy_call d = {"IMSAdminBaseW", f->imsadminbase, "CopyKey", NULL, 7, 0, 0, false, 0,
                    "six [in] parameters with two paths, not Stop's two DWORDs"};
    stub_begin(&rq);
    put_orpcthis(&rq, s);
    ndr_u32(&rq.w, METADATA_HANDLE_ROOT);
    ndr_pointer(&rq.w, true);
    put_conformant_wstring(&rq, "/LM/W3SVC/1/ROOT/app");
    ndr_u32(&rq.w, METADATA_HANDLE_ROOT);
    ndr_pointer(&rq.w, true);
    put_conformant_wstring(&rq, "/LM/W3SVC/1/ROOT/app-copy");
    ndr_u32(&rq.w, 1); /* bMDOverwriteFlag */
    ndr_u32(&rq.w, 1); /* bMDCopyFlag */
    stub_begin(&rs);
    put_orpcthat(&rs);
    ndr_u32(&rs.w, 0);
    decoy_exchange(s, d, MB, &f->ipid_metabase, &rq, &rs);

    /* CopyKey with both paths NULL: six DWORDs, the first two plausible as Stop's */
    d.why_not_iis = "six DWORDs after ORPCTHIS, not Stop's two";
    stub_begin(&rq);
    put_orpcthis(&rq, s);
    ndr_u32(&rq.w, METADATA_HANDLE_ROOT);
    ndr_pointer(&rq.w, false);
    ndr_u32(&rq.w, METADATA_HANDLE_ROOT);
    ndr_pointer(&rq.w, false);
    ndr_u32(&rq.w, 0);
    ndr_u32(&rq.w, 1);
    stub_begin(&rs);
    put_orpcthat(&rs);
    ndr_u32(&rs.w, 0x80070005u); /* E_ACCESSDENIED */
    decoy_exchange(s, d, MB, &f->ipid_metabase, &rq, &rs);

    d = (decoy_call){"IMSAdminBaseW", f->imsadminbase, "RenameKey", NULL, 8, 0, 0, false, 0,
                     "a handle and two strings, not Start's one DWORD"};
    stub_begin(&rq);
    put_orpcthis(&rq, s);
    ndr_u32(&rq.w, METADATA_HANDLE_ROOT);
    ndr_pointer(&rq.w, true);
    put_conformant_wstring(&rq, "/LM/W3SVC/1/ROOT/app-copy");
    put_conformant_wstring(&rq, "app-old"); /* [in, string] reference: no referent ID */
    stub_begin(&rs);
    put_orpcthat(&rs);
    ndr_u32(&rs.w, 0);
    decoy_exchange(s, d, MB, &f->ipid_metabase, &rq, &rs);

    /* R_SetData: METADATA_RECORD (MS-IMSA 2.2.11) with its data deferred */
    d = (decoy_call){"IMSAdminBaseW", f->imsadminbase, "R_SetData", NULL, 9, 0, 0, false, 0,
                     "a handle, a path and a METADATA_RECORD, not Reboot's two DWORDs"};
    static const char KEY_TYPE[] = "IIsWebVirtualDir";
    uint32_t data_len = 2u * (uint32_t)sizeof KEY_TYPE;
    stub_begin(&rq);
    put_orpcthis(&rq, s);
    ndr_u32(&rq.w, METADATA_HANDLE_ROOT);
    ndr_pointer(&rq.w, false); /* pszMDPath */
    ndr_u32(&rq.w, MD_KEY_TYPE);
    ndr_u32(&rq.w, 0);                /* dwMDAttributes */
    ndr_u32(&rq.w, IIS_MD_UT_SERVER); /* dwMDUserType */
    ndr_u32(&rq.w, STRING_METADATA);
    ndr_u32(&rq.w, data_len);
    ndr_pointer(&rq.w, true); /* pbMDData */
    ndr_u32(&rq.w, 0);        /* dwMDDataTag */
    ndr_conformance(&rq.w, data_len);
    for (size_t i = 0; i < sizeof KEY_TYPE; i++)
        ndr_u16(&rq.w, (uint8_t)KEY_TYPE[i]);
    stub_begin(&rs);
    put_orpcthat(&rs);
    ndr_u32(&rs.w, 0);
    decoy_exchange(s, d, MB, &f->ipid_metabase, &rq, &rs);

    /* R_GetData: the record [in, out], the data [out], the required length */
    d = (decoy_call){"IMSAdminBaseW", f->imsadminbase, "R_GetData", NULL, 10, 0, 0, false, 0,
                     "nine DWORDs after ORPCTHIS, not Status's one; the reply a METADATA_RECORD"};
    stub_begin(&rq);
    put_orpcthis(&rq, s);
    ndr_u32(&rq.w, METADATA_HANDLE_ROOT);
    ndr_pointer(&rq.w, false);
    ndr_u32(&rq.w, MD_KEY_TYPE);
    ndr_u32(&rq.w, 0);
    ndr_u32(&rq.w, 0);
    ndr_u32(&rq.w, 0);
    ndr_u32(&rq.w, 64); /* dwMDDataLen: the client's buffer */
    ndr_pointer(&rq.w, false);
    ndr_u32(&rq.w, 0);
    stub_begin(&rs);
    put_orpcthat(&rs);
    ndr_u32(&rs.w, MD_KEY_TYPE);
    ndr_u32(&rs.w, 0);
    ndr_u32(&rs.w, IIS_MD_UT_SERVER);
    ndr_u32(&rs.w, STRING_METADATA);
    ndr_u32(&rs.w, data_len);
    ndr_pointer(&rs.w, true);
    ndr_u32(&rs.w, 0);
    ndr_conformance(&rs.w, data_len);
    for (size_t i = 0; i < sizeof KEY_TYPE; i++)
        ndr_u16(&rs.w, (uint8_t)KEY_TYPE[i]);
    ndr_u32(&rs.w, data_len); /* *pdwMDRequiredDataLen */
    ndr_u32(&rs.w, 0);
    decoy_exchange(s, d, MB, &f->ipid_metabase, &rq, &rs);

    d = (decoy_call){"IMSAdminBaseW", f->imsadminbase, "DeleteData", NULL, 11, 0, 0, false, 0,
                     "four DWORDs after ORPCTHIS, where Kill has none"};
    stub_begin(&rq);
    put_orpcthis(&rq, s);
    ndr_u32(&rq.w, METADATA_HANDLE_ROOT);
    ndr_pointer(&rq.w, false);
    ndr_u32(&rq.w, MD_KEY_TYPE);
    ndr_u32(&rq.w, ALL_METADATA);
    stub_begin(&rs);
    put_orpcthat(&rs);
    ndr_u32(&rs.w, 0);
    decoy_exchange(s, d, MB, &f->ipid_metabase, &rq, &rs);
}

/* ITypeInfo::GetNames(memid, cMaxNames) answered with `names` (n of them). */
static void get_names(session *s, const decoy_ifaces *f, uint32_t max_names, const char *const *names, size_t n,
                      bool answered, const char *why)
{
    decoy_call d = {"ITypeInfo", f->itypeinfo, "GetNames", "typeinfo", 7, 0, 0, false, 0, why};
    stub rq, rs;
    stub_begin(&rq);
    put_orpcthis(&rq, s);
    ndr_u32(&rq.w, DISPID_REFRESH); /* memid */
    ndr_u32(&rq.w, max_names);
    stub_begin(&rs);
    put_orpcthat(&rs);
    /* [out, size_is(cMaxNames), length_is(*pcNames)] BSTR*: conformant
     * varying, each BSTR a unique pointer, the blobs deferred */
    ndr_u32(&rs.w, max_names);
    ndr_u32(&rs.w, 0);
    ndr_u32(&rs.w, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        ndr_pointer(&rs.w, true);
    for (size_t i = 0; i < n; i++)
        put_bstr_blob(&rs, names[i]);
    ndr_u32(&rs.w, (uint32_t)n); /* *pcNames */
    ndr_u32(&rs.w, 0);
    if (!answered)
        bb_free(&rs.b);
    decoy_exchange(s, d, 1, &f->ipid_typeinfo, &rq, answered ? &rs : NULL);
}

/* The automation object: IDispatch, ITypeInfo and IRemUnknown. */
static void automation_calls(session *s, const decoy_ifaces *f, bool last_unanswered)
{
    stub rq, rs;
    static const guid IID_NULL = {0, 0, 0, {0}};
    decoy_call d = {"IDispatch", f->idispatch, "GetIDsOfNames", "dispatch", 5, 0, 0, false, 0,
                    "opnum 5 is IDispatch's in IIsServiceControl too, no IIS method"};
    stub_begin(&rq);
    put_orpcthis(&rq, s);
    ndr_guid(&rq.w, &IID_NULL);
    ndr_conformance(&rq.w, 1);
    ndr_pointer(&rq.w, true);
    put_conformant_wstring(&rq, "Refresh");
    ndr_u32(&rq.w, 1); /* cNames */
    ndr_u32(&rq.w, LCID_EN_US);
    stub_begin(&rs);
    put_orpcthat(&rs);
    ndr_conformance(&rs.w, 1);
    ndr_u32(&rs.w, DISPID_REFRESH);
    ndr_u32(&rs.w, 0);
    decoy_exchange(s, d, 0, &f->ipid_automation, &rq, &rs);

    /* IDispatch::Invoke (RemoteInvoke, MS-OAUT 3.1.4.4) of a method without
     * arguments: DISPPARAMS with no arrays, no VARIANT references */
    d = (decoy_call){"IDispatch", f->idispatch, "Invoke", "dispatch", 6, 0, 0, false, 0,
                     "opnum 6 is IDispatch's in IIsServiceControl too, no IIS method"};
    stub_begin(&rq);
    put_orpcthis(&rq, s);
    ndr_u32(&rq.w, DISPID_REFRESH);
    ndr_guid(&rq.w, &IID_NULL);
    ndr_u32(&rq.w, LCID_EN_US);
    ndr_u32(&rq.w, 1);          /* DISPATCH_METHOD */
    ndr_pointer(&rq.w, false);  /* rgvarg */
    ndr_pointer(&rq.w, false);  /* rgdispidNamedArgs */
    ndr_u32(&rq.w, 0);          /* cArgs */
    ndr_u32(&rq.w, 0);          /* cNamedArgs */
    ndr_u32(&rq.w, 0);          /* cVarRef */
    ndr_conformance(&rq.w, 0);  /* rgVarRefIdx */
    ndr_conformance(&rq.w, 0);  /* rgVarRef */
    stub_begin(&rs);
    put_orpcthat(&rs);
    /* pVarResult: a wireVARIANT (unique pointer) of VT_EMPTY (MS-OAUT 2.2.29.2) */
    ndr_pointer(&rs.w, true);
    ndr_align(&rs.w, 8);
    ndr_u32(&rs.w, 3);          /* clSize: 20 bytes in 8-byte units, rounded up */
    ndr_u32(&rs.w, 0);          /* rpcReserved */
    ndr_u16(&rs.w, 0);          /* vt VT_EMPTY */
    ndr_u16(&rs.w, 0);
    ndr_u16(&rs.w, 0);
    ndr_u16(&rs.w, 0);
    ndr_u32(&rs.w, 0);          /* the union's discriminant: VT_EMPTY, no arm */
    /* pExcepInfo: EXCEPINFO with no strings */
    ndr_u16(&rs.w, 0);          /* wCode */
    ndr_u16(&rs.w, 0);          /* wReserved */
    ndr_pointer(&rs.w, false);  /* bstrSource */
    ndr_pointer(&rs.w, false);  /* bstrDescription */
    ndr_pointer(&rs.w, false);  /* bstrHelpFile */
    ndr_u32(&rs.w, 0);          /* dwHelpContext */
    ndr_u32(&rs.w, 0);          /* pvReserved */
    ndr_u32(&rs.w, 0);          /* pfnDeferredFillIn */
    ndr_u32(&rs.w, 0);          /* scode */
    ndr_u32(&rs.w, 0);          /* *puArgErr */
    ndr_conformance(&rs.w, 0);  /* rgVarRef */
    ndr_u32(&rs.w, 0);
    decoy_exchange(s, d, 0, &f->ipid_automation, &rq, &rs);

    static const char *const refresh[] = {"Refresh"};
    get_names(s, f, 1, refresh, 1, true,
              "the request has Stop's shape (memid, cMaxNames 1); the reply is a BSTR array, pcNames and an HRESULT");
    get_names(s, f, 2, refresh, 1, true, "cMaxNames 2 where Stop's dwForce is 0 or 1; the reply is no Stop reply");

    d = (decoy_call){"ITypeInfo", f->itypeinfo, "GetRefTypeOfImplType", "typeinfo", 8, 0, 0, false, 0,
                     "the request has Start's shape (one DWORD); the reply carries an HREFTYPE before the HRESULT"};
    stub_begin(&rq);
    put_orpcthis(&rq, s);
    ndr_u32(&rq.w, 0); /* index */
    stub_begin(&rs);
    put_orpcthat(&rs);
    ndr_u32(&rs.w, HREFTYPE_FIRST);
    ndr_u32(&rs.w, 0);
    decoy_exchange(s, d, 1, &f->ipid_typeinfo, &rq, &rs);

    d = (decoy_call){"ITypeInfo", f->itypeinfo, "GetImplTypeFlags", "typeinfo", 9, 0, 0, false, 0,
                     "one DWORD where Reboot has two; the reply carries the flags before the HRESULT"};
    stub_begin(&rq);
    put_orpcthis(&rq, s);
    ndr_u32(&rq.w, 0);
    stub_begin(&rs);
    put_orpcthat(&rs);
    ndr_u32(&rs.w, IMPLTYPEFLAG_FDEFAULT);
    ndr_u32(&rs.w, 0);
    decoy_exchange(s, d, 1, &f->ipid_typeinfo, &rq, &rs);

    /* IRemUnknown::RemAddRef and RemRelease on the object's interfaces */
    for (uint16_t opnum = 4; opnum <= 5; opnum++) {
        d = (decoy_call){"IRemUnknown", f->iremunknown, opnum == 4 ? "RemAddRef" : "RemRelease", "remunk", opnum,
                         0, 0, false, 0, "opnums 3-5 are IUnknown's and IDispatch's in IIsServiceControl"};
        stub_begin(&rq);
        put_orpcthis(&rq, s);
        ndr_u16(&rq.w, 1); /* cInterfaceRefs */
        ndr_conformance(&rq.w, 1);
        ndr_guid(&rq.w, &f->ipid_typeinfo); /* REMINTERFACEREF */
        ndr_u32(&rq.w, 1);
        ndr_u32(&rq.w, 0);
        stub_begin(&rs);
        put_orpcthat(&rs);
        if (opnum == 4) {
            ndr_conformance(&rs.w, 1); /* pResults */
            ndr_u32(&rs.w, 0);
        }
        ndr_u32(&rs.w, 0);
        decoy_exchange(s, d, 2, &f->ipid_remunknown, &rq, &rs);
    }

    if (last_unanswered) {
        static const char *const none[] = {NULL};
        get_names(s, f, 1, none, 0, false,
                  "the request has Stop's shape and its reply is not in the capture: nothing vouches for IIS");
    }
}

static int write_decoys(const char *out_dir, const char *name, bool with_binds)
{
    session_config cfg = scenario_default_config(
        name, with_binds
                  ? "Calls of other DCOM interfaces with IIS-like opnums and shapes, their binds included: IDispatch "
                    "GetIDsOfNames and Invoke, ITypeInfo GetNames (Stop's request shape), GetRefTypeOfImplType "
                    "(Start's), GetImplTypeFlags, IRemUnknown RemAddRef and RemRelease on an automation server, "
                    "then IMSAdminBaseW CopyKey, RenameKey, R_SetData, R_GetData and DeleteData (opnums 7-11) on "
                    "the metabase. No IIS ServiceControl call."
                  : "The decoys-bound calls with the capture starting after the binds (no handshake, no bind): a "
                    "decoder must infer the interfaces and find no IIS ServiceControl call; the last request, a "
                    "GetNames of Stop's shape, has no reply in the capture.");
    cfg.client.port = 49820;
    cfg.server.port = METABASE_SERVER_PORT;
    cfg.client_isn = with_binds ? 0x2C3D4E5Fu : 0x5E4D3C2Bu;
    cfg.server_isn = with_binds ? 0x71829304u : 0x40392817u;
    session s;
    if (session_open(&s, &cfg, out_dir) != 0)
        return -1;
    s.interface_inferred = !with_binds;
    decoy_ifaces f = ifaces();

    const guid metabase[2] = {f.imsadminbase, f.iremunknown};
    start_connection(&s, with_binds, metabase, 2);
    metabase_calls(&s, &f);
    session_close_tcp(&s);

    net_endpoint client = cfg.client;
    client.port = 49821;
    net_endpoint server = cfg.server;
    server.port = AUTOMATION_SERVER_PORT;
    session_next_connection_to(&s, &client, &server, cfg.client_isn + 0x10000u, cfg.server_isn + 0x10000u);
    const guid automation[3] = {f.idispatch, f.itypeinfo, f.iremunknown};
    start_connection(&s, with_binds, automation, 3);
    automation_calls(&s, &f, !with_binds);
    if (with_binds)
        session_close_tcp(&s);
    return session_finish(&s);
}

int write_sample_decoys(const char *out_dir)
{
    return write_decoys(out_dir, "decoys", false);
}

int write_sample_decoys_bound(const char *out_dir)
{
    return write_decoys(out_dir, "decoys-bound", true);
}
