/* packet-iiss-midstream.c: IIS ServiceControl calls whose bind was not
 * captured.
 *
 * Without the bind the DCE/RPC dissector cannot know the interface and shows
 * the stub as "Stub data"; Decode As (GUI only in 4.0) fixes it per context.
 * For tshark users the preference iiss.midstream_ports names TCP ports: a
 * postdissector then applies the decoder's inference rule (iiss/infer.h, the
 * one iissdump applies) to each unbound call on those ports: the request
 * must parse exactly as its opnum's with plausible values, the response too
 * (a response that does not fit rejects the call), and something besides
 * the request must vouch for it: the response's shape, a call bound to
 * IIsServiceControl on the same server address and port earlier in the
 * capture, or an object UUID that an activation of the IIS CLSID returned
 * earlier in the capture (as Wireshark's ISystemActivator dissector reads
 * the activation, on whatever port). The request is shown once the call is decided: when its
 * response has been seen (first pass), or, without one, on a later pass
 * (tshark -2, or the GUI once the file is read). */
#include <string.h>

#include <glib.h>

#include <epan/packet.h>
#include <epan/conversation.h>
#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <epan/range.h>
#include <epan/to_str.h>
#include <epan/dissectors/packet-dcerpc.h>
#include <ws_version.h>

#include "iiss/infer.h"
#include "iiss/stub.h"

#include "packet-iiss.h"

/* The protocol's ids, given at registration. */
static int proto_iiss = -1;
static int hf_iiss_opnum = -1;
static gint ett_iiss = -1;
static expert_field ei_iiss_inferred = EI_INIT;

/* TCP ports whose unbound DCE/RPC contexts may be IIS ServiceControl
 * (preference iiss.midstream_ports, empty by default). */
static range_t *iiss_midstream_ports;
static dissector_handle_t iiss_midstream_handle;

/* Wireshark 4.2 made field_info.value a pointer. */
#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 2)
#define IISS_FI_UINT(fi) fvalue_get_uinteger((fi)->value)
#define IISS_FI_GUID(fi) fvalue_get_guid((fi)->value)
#else
#define IISS_FI_UINT(fi) fvalue_get_uinteger(&(fi)->value)
#define IISS_FI_GUID(fi) fvalue_get_guid(&(fi)->value)
#endif

static int dcerpc_proto = -1;
static int dcerpc_field_pkt_type = -1;
static int dcerpc_field_call_id = -1;
static int dcerpc_field_opnum = -1;
static int dcerpc_field_byteorder = -1;
static int dcerpc_field_stub_data = -1;
static int dcerpc_field_object = -1;
/* What Wireshark's ISystemActivator dissector reads of an activation: the
 * CLSID asked for, and the IPIDs of the interfaces returned. */
static int activator_field_clsid = -1;
static int dcom_field_ipid = -1;

/* A candidate call (its request fits), kept from the request to the
 * response and until the rule decides it. */
typedef struct iiss_midstream_call {
    guint16 opnum;
    iiss_ndr ndr;
    guint32 req_frame;
    const guint8 *req_stub; /* copy, for the decision at the response */
    guint req_len;
    gboolean req_big_endian;
    gboolean port_bound_earlier; /* known when the request was seen */
    gboolean activation_ipid;    /* its object UUID was returned by an IIS activation before */
    gboolean decided;
    gboolean accepted;
    unsigned evidence;           /* IISS_INFER_* bits */
    iiss_call_state state;
} iiss_midstream_call;

/* (conversation index << 32 | call ID) -> the latest candidate request. */
static wmem_map_t *iiss_midstream_calls;
/* "address port" of the servers that carried a bound IIS call, as the
 * first pass met them. */
static wmem_map_t *iiss_bound_servers;
/* Activations of the IIS CLSID: (conversation << 32 | call ID) of their
 * requests, and the IPIDs (as text) their responses returned. */
static wmem_map_t *iiss_activation_requests;
static wmem_map_t *iiss_activation_ipids;

static const char *server_key(wmem_allocator_t *scope, const address *addr, guint32 port)
{
    return wmem_strdup_printf(scope, "%s %u", address_to_str(scope, addr), port);
}

void iiss_midstream_note_bound_call(packet_info *pinfo, gboolean request)
{
    if (PINFO_FD_VISITED(pinfo) || iiss_bound_servers == NULL) {
        return;
    }
    const address *addr = request ? &pinfo->dst : &pinfo->src;
    guint32 port = request ? pinfo->destport : pinfo->srcport;
    const char *key = server_key(wmem_file_scope(), addr, port);
    if (!wmem_map_contains(iiss_bound_servers, key)) {
        wmem_map_insert(iiss_bound_servers, key, GINT_TO_POINTER(1));
    }
}

/* The rule on what is known of the call; `response` NULL with
 * has_response FALSE when none was captured. */
static void decide(iiss_midstream_call *mc, gboolean has_response, gboolean is_fault, const guint8 *response,
                   size_t response_len, gboolean response_big_endian)
{
    iiss_infer_input in;
    memset(&in, 0, sizeof in);
    in.opnum = mc->opnum;
    in.request.stub = mc->req_stub;
    in.request.len = mc->req_len;
    in.request.big_endian = mc->req_big_endian;
    in.has_response = has_response;
    in.response_is_fault = is_fault;
    if (has_response && !is_fault) {
        in.response.stub = response;
        in.response.len = response_len;
        in.response.big_endian = response_big_endian;
    }
    in.ndr_hint = mc->ndr;
    in.port_bound_earlier = mc->port_bound_earlier;
    in.activation_ipid = mc->activation_ipid;
    iiss_infer_verdict verdict;
    mc->accepted = iiss_infer_call(&in, &verdict);
    mc->evidence = verdict.evidence;
    mc->decided = TRUE;
}

/* The fields of one DCE/RPC PDU the postdissector needs. */
typedef struct iiss_pdu_fields {
    field_info *pkt_type;
    field_info *call_id;
    field_info *opnum;
    field_info *byteorder;
    field_info *stub;
    field_info *object;
    field_info *clsid;
    GPtrArray *ipids; /* NULL: not wanted */
} iiss_pdu_fields;

static void collect_pdu_fields(proto_node *node, gpointer data)
{
    iiss_pdu_fields *f = (iiss_pdu_fields *)data;
    field_info *fi = PNODE_FINFO(node);
    if (fi != NULL && fi->hfinfo != NULL) {
        int id = fi->hfinfo->id;
        if (id == dcerpc_field_pkt_type && f->pkt_type == NULL) {
            f->pkt_type = fi;
        } else if (id == dcerpc_field_call_id && f->call_id == NULL) {
            f->call_id = fi;
        } else if (id == dcerpc_field_opnum && f->opnum == NULL) {
            f->opnum = fi;
        } else if (id == dcerpc_field_byteorder && f->byteorder == NULL) {
            f->byteorder = fi;
        } else if (id == dcerpc_field_stub_data && f->stub == NULL) {
            f->stub = fi;
        } else if (id == dcerpc_field_object && f->object == NULL) {
            f->object = fi;
        } else if (id == activator_field_clsid && f->clsid == NULL) {
            f->clsid = fi;
        } else if (id == dcom_field_ipid && f->ipids != NULL) {
            g_ptr_array_add(f->ipids, fi);
        }
    }
    proto_tree_children_foreach(node, collect_pdu_fields, data);
}

typedef struct iiss_dcerpc_nodes {
    GPtrArray *nodes;
} iiss_dcerpc_nodes;

static void collect_dcerpc_nodes(proto_node *node, gpointer data)
{
    iiss_dcerpc_nodes *d = (iiss_dcerpc_nodes *)data;
    field_info *fi = PNODE_FINFO(node);
    if (fi != NULL && fi->hfinfo != NULL && fi->hfinfo->id == dcerpc_proto) {
        g_ptr_array_add(d->nodes, node);
        return;
    }
    proto_tree_children_foreach(node, collect_dcerpc_nodes, data);
}

static gboolean midstream_enabled(void)
{
    return iiss_midstream_ports != NULL && iiss_midstream_ports->nranges > 0;
}

static guint64 *midstream_key(wmem_allocator_t *scope, const conversation_t *conv, guint32 call_id)
{
    guint64 *key = wmem_new(scope, guint64);
    *key = ((guint64)conv->conv_index << 32) | call_id;
    return key;
}

/* One inferred PDU of a frame, found on the first pass and kept for later
 * passes: tshark's second pass and column-only runs build no DCE/RPC tree to
 * find the stub in again, so a copy of the stub is kept too. */
typedef struct iiss_midstream_pdu {
    iiss_midstream_call *call;
    gboolean request;
    gboolean big_endian;
    guint index;         /* which DCE/RPC PDU of the frame */
    const guint8 *stub;  /* copy of the stub bytes */
    guint stub_len;
} iiss_midstream_pdu;

static void show_inferred(tvbuff_t *stub_tvb, packet_info *pinfo, proto_tree *tree, const iiss_midstream_pdu *p)
{
    iiss_midstream_call *mc = p->call;
    proto_item *ti = proto_tree_add_item(tree, proto_iiss, stub_tvb, 0, -1, ENC_NA);
    wmem_strbuf_t *why = wmem_strbuf_new(pinfo->pool, "");
    for (unsigned i = 0; i < IISS_INFER_EVIDENCE_KINDS; i++) {
        if (mc->evidence & (1u << i)) {
            wmem_strbuf_append_printf(why, "%s%s", wmem_strbuf_get_len(why) ? ", " : "", iiss_infer_evidence_name(i));
        }
    }
    proto_item_append_text(ti, ", %s (interface inferred: %s)", iiss_method_name(mc->opnum), wmem_strbuf_get_str(why));
    proto_tree *sub = proto_item_add_subtree(ti, ett_iiss);
    proto_item_set_generated(proto_tree_add_uint(sub, hf_iiss_opnum, stub_tvb, 0, 0, mc->opnum));
    expert_add_info(pinfo, ti, &ei_iiss_inferred);
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "IISS");

    iiss_call_view v;
    v.opnum = mc->opnum;
    v.ndr64 = mc->ndr == IISS_NDR64;
    v.big_endian = p->big_endian;
    v.encoding = v.big_endian ? ENC_BIG_ENDIAN : ENC_LITTLE_ENDIAN;
    v.di = NULL;
    v.drep = NULL;
    v.state = &mc->state;
    if (p->request) {
        iiss_show_request(stub_tvb, 0, pinfo, sub, &v);
    } else {
        iiss_show_response(stub_tvb, 0, pinfo, sub, &v);
    }
}

static const e_guid_t iiss_clsid = {0xE8FB8621, 0x588F, 0x11D2, {0x9D, 0x61, 0x00, 0xC0, 0x4F, 0x79, 0xC5, 0xFE}};

/* First pass, any port: remember the IPIDs that activations of the IIS
 * CLSID return. The activator's fields sit beside the DCE/RPC tree, not in
 * it, so the whole frame is searched (an activation is one PDU a frame). */
static void note_activations(packet_info *pinfo, proto_tree *tree)
{
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    if (conv == NULL || activator_field_clsid == -1 || dcom_field_ipid == -1) {
        return;
    }
    iiss_pdu_fields f;
    memset(&f, 0, sizeof f);
    f.ipids = g_ptr_array_new();
    proto_tree_children_foreach(tree, collect_pdu_fields, &f);
    if (f.pkt_type != NULL && f.call_id != NULL) {
        guint32 type = IISS_FI_UINT(f.pkt_type);
        guint32 call_id = IISS_FI_UINT(f.call_id);
        guint64 key = ((guint64)conv->conv_index << 32) | call_id;
        if (type == PDU_REQ && f.clsid != NULL && guid_cmp(IISS_FI_GUID(f.clsid), &iiss_clsid) == 0) {
            wmem_map_insert(iiss_activation_requests, midstream_key(wmem_file_scope(), conv, call_id),
                            GUINT_TO_POINTER(pinfo->num));
        } else if (type == PDU_RESP && wmem_map_contains(iiss_activation_requests, &key)) {
            for (guint k = 0; k < f.ipids->len; k++) {
                const e_guid_t *ipid = IISS_FI_GUID((field_info *)g_ptr_array_index(f.ipids, k));
                wmem_map_insert(iiss_activation_ipids, guid_to_str(wmem_file_scope(), ipid),
                                GUINT_TO_POINTER(pinfo->num));
            }
        }
    }
    g_ptr_array_free(f.ipids, TRUE);
}

/* First pass: find the unbound request/response stubs of this frame that
 * are IIS ServiceControl calls. */
static wmem_array_t *midstream_first_pass(packet_info *pinfo, GPtrArray *nodes)
{
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    if (conv == NULL) {
        return NULL;
    }
    wmem_array_t *found = NULL;
    for (guint i = 0; i < nodes->len; i++) {
        iiss_pdu_fields f;
        memset(&f, 0, sizeof f);
        proto_tree_children_foreach((proto_node *)g_ptr_array_index(nodes, i), collect_pdu_fields, &f);
        if (f.pkt_type == NULL || f.call_id == NULL) {
            continue;
        }
        guint32 type = IISS_FI_UINT(f.pkt_type);
        guint32 call_id = IISS_FI_UINT(f.call_id);
        if (type == PDU_FAULT) {
            /* A fault answers any interface's call: it decides the call on
             * the other evidence alone; the fault itself is not shown. */
            guint64 key = ((guint64)conv->conv_index << 32) | call_id;
            iiss_midstream_call *mc = (iiss_midstream_call *)wmem_map_lookup(iiss_midstream_calls, &key);
            if (mc != NULL && mc->req_frame < pinfo->num && !mc->decided) {
                decide(mc, TRUE, TRUE, NULL, 0, FALSE);
            }
            continue;
        }
        /* Only stubs the DCE/RPC dissector left undissected ("Stub data"). */
        if (f.stub == NULL || f.stub->ds_tvb == NULL) {
            continue;
        }
        iiss_midstream_pdu p;
        memset(&p, 0, sizeof p);
        p.big_endian = f.byteorder != NULL && IISS_FI_UINT(f.byteorder) == 0;
        p.index = i;
        tvbuff_t *stub_tvb = tvb_new_subset_length(f.stub->ds_tvb, f.stub->start, f.stub->length);
        size_t len;
        const guint8 *stub = iiss_stub_bytes(stub_tvb, 0, &len);
        if (stub == NULL) {
            continue;
        }
        if (type == PDU_REQ && f.opnum != NULL) {
            iiss_ndr ndr = IISS_NDR20;
            guint16 opnum = (guint16)IISS_FI_UINT(f.opnum);
            iiss_infer_stub rq = {stub, len, p.big_endian != FALSE, false};
            if (!iiss_infer_request_fits(&rq, opnum, IISS_NDR20, &ndr)) {
                continue;
            }
            p.call = wmem_new0(wmem_file_scope(), iiss_midstream_call);
            p.call->opnum = opnum;
            p.call->ndr = ndr;
            p.call->req_frame = pinfo->num;
            p.call->req_stub = (const guint8 *)wmem_memdup(wmem_file_scope(), stub, len);
            p.call->req_len = (guint)len;
            p.call->req_big_endian = p.big_endian;
            p.call->port_bound_earlier =
                wmem_map_contains(iiss_bound_servers, server_key(pinfo->pool, &pinfo->dst, pinfo->destport));
            p.call->activation_ipid =
                f.object != NULL &&
                wmem_map_contains(iiss_activation_ipids, guid_to_str(pinfo->pool, IISS_FI_GUID(f.object)));
            p.request = TRUE;
            wmem_map_insert(iiss_midstream_calls, midstream_key(wmem_file_scope(), conv, call_id), p.call);
        } else if (type == PDU_RESP) {
            guint64 key = ((guint64)conv->conv_index << 32) | call_id;
            p.call = (iiss_midstream_call *)wmem_map_lookup(iiss_midstream_calls, &key);
            if (p.call == NULL || p.call->req_frame >= pinfo->num || p.call->decided) {
                continue;
            }
            decide(p.call, TRUE, FALSE, stub, len, p.big_endian);
            if (!p.call->accepted) {
                continue;
            }
        } else {
            continue;
        }
        p.stub = (const guint8 *)wmem_memdup(wmem_file_scope(), stub, len);
        p.stub_len = (guint)len;
        if (found == NULL) {
            found = wmem_array_new(wmem_file_scope(), sizeof(iiss_midstream_pdu));
        }
        wmem_array_append_one(found, p);
    }
    return found;
}

static int dissect_iiss_midstream(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    if (!midstream_enabled() || pinfo->ptype != PT_TCP) {
        return 0;
    }
    /* The DCE/RPC PDUs of the frame, when this pass built them. */
    iiss_dcerpc_nodes found;
    found.nodes = g_ptr_array_new();
    if (tree != NULL) {
        proto_tree_children_foreach(tree, collect_dcerpc_nodes, &found);
    }
    if (!PINFO_FD_VISITED(pinfo) && found.nodes->len > 0) {
        note_activations(pinfo, tree);
    }
    if (!value_is_in_range(iiss_midstream_ports, pinfo->srcport) &&
        !value_is_in_range(iiss_midstream_ports, pinfo->destport)) {
        g_ptr_array_free(found.nodes, TRUE);
        return 0;
    }
    wmem_array_t *pdus = (wmem_array_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_iiss, 0);
    if (!PINFO_FD_VISITED(pinfo) && pdus == NULL && found.nodes->len > 0) {
        pdus = midstream_first_pass(pinfo, found.nodes);
        if (pdus != NULL) {
            p_add_proto_data(wmem_file_scope(), pinfo, proto_iiss, 0, pdus);
        }
    }
    for (guint k = 0; pdus != NULL && k < wmem_array_get_count(pdus); k++) {
        const iiss_midstream_pdu *p = (const iiss_midstream_pdu *)wmem_array_index(pdus, k);
        /* A later pass that finds the call still open: no response came. */
        if (!p->call->decided && PINFO_FD_VISITED(pinfo)) {
            decide(p->call, FALSE, FALSE, NULL, 0, FALSE);
        }
        if (!p->call->decided || !p->call->accepted) {
            continue;
        }
        tvbuff_t *stub_tvb = NULL;
        if (p->index < found.nodes->len) {
            iiss_pdu_fields f;
            memset(&f, 0, sizeof f);
            proto_tree_children_foreach((proto_node *)g_ptr_array_index(found.nodes, p->index),
                                        collect_pdu_fields, &f);
            if (f.stub != NULL && f.stub->ds_tvb != NULL && (guint)f.stub->length == p->stub_len) {
                stub_tvb = tvb_new_subset_length(f.stub->ds_tvb, f.stub->start, f.stub->length);
            }
        }
        if (stub_tvb == NULL) {
            /* No DCE/RPC tree in this pass: show the kept copy. */
            stub_tvb = tvb_new_child_real_data(tvb, p->stub, p->stub_len, p->stub_len);
            add_new_data_source(pinfo, stub_tvb, "IISS stub (inferred call)");
        }
        show_inferred(stub_tvb, pinfo, tree, p);
    }
    g_ptr_array_free(found.nodes, TRUE);
    return 0;
}

/* The postdissector asks for the DCE/RPC fields only while ports are set. */
static void iiss_prefs_apply(void)
{
    if (iiss_midstream_handle == NULL) {
        return;
    }
    GArray *wanted = NULL;
    if (midstream_enabled() && dcerpc_proto != -1) {
        const int ids[] = {dcerpc_proto,           dcerpc_field_pkt_type,  dcerpc_field_call_id,
                           dcerpc_field_opnum,     dcerpc_field_byteorder, dcerpc_field_stub_data,
                           dcerpc_field_object,    activator_field_clsid,  dcom_field_ipid};
        wanted = g_array_new(FALSE, FALSE, (guint)sizeof(int));
        for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
            if (ids[i] != -1) {
                g_array_append_val(wanted, ids[i]);
            }
        }
    }
    set_postdissector_wanted_hfids(iiss_midstream_handle, wanted);
}

void iiss_midstream_register(int proto, int hf_opnum, gint ett, expert_module_t *experts)
{
    proto_iiss = proto;
    hf_iiss_opnum = hf_opnum;
    ett_iiss = ett;

    static ei_register_info ei[] = {
        {&ei_iiss_inferred,
         {"iiss.inferred", PI_PROTOCOL, PI_NOTE,
          "No bind seen: IIS ServiceControl inferred from the whole call (port in the iiss.midstream_ports preference)",
          EXPFILL}},
    };
    expert_register_field_array(experts, ei, G_N_ELEMENTS(ei));

    module_t *prefs = prefs_register_protocol(proto_iiss, iiss_prefs_apply);
    iiss_midstream_ports = range_empty(wmem_epan_scope());
    prefs_register_range_preference(
        prefs, "midstream_ports", "TCP ports of IIS ServiceControl without a bind",
        "TCP ports (e.g. the DCOM object exporter's dynamic port) on which DCE/RPC calls of a context whose "
        "bind was not captured are checked against IIsServiceControl and shown when the whole call fits: "
        "request and response exactly this method's, or a request without a captured response on a server "
        "port bound to the interface earlier. A request is shown once its call is decided (use tshark -2). "
        "Decode As does the same per context in the GUI.",
        &iiss_midstream_ports, 65535);
    iiss_midstream_calls = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_int64_hash, g_int64_equal);
    iiss_bound_servers = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_str_hash, g_str_equal);
    iiss_activation_requests =
        wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_int64_hash, g_int64_equal);
    iiss_activation_ipids = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_str_hash, g_str_equal);
}

void iiss_midstream_handoff(void)
{
    dcerpc_proto = proto_get_id_by_filter_name("dcerpc");
    dcerpc_field_pkt_type = proto_registrar_get_id_byname("dcerpc.pkt_type");
    dcerpc_field_call_id = proto_registrar_get_id_byname("dcerpc.cn_call_id");
    dcerpc_field_opnum = proto_registrar_get_id_byname("dcerpc.opnum");
    dcerpc_field_byteorder = proto_registrar_get_id_byname("dcerpc.drep.byteorder");
    dcerpc_field_stub_data = proto_registrar_get_id_byname("dcerpc.stub_data");
    dcerpc_field_object = proto_registrar_get_id_byname("dcerpc.obj_id");
    activator_field_clsid = proto_registrar_get_id_byname("isystemactivator.properties.instninfo.clsid");
    dcom_field_ipid = proto_registrar_get_id_byname("dcom.ipid");
    iiss_midstream_handle = create_dissector_handle(dissect_iiss_midstream, proto_iiss);
    register_postdissector(iiss_midstream_handle);
    iiss_prefs_apply();
}
