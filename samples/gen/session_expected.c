/* The expected-decode file of a session: every IIS call with the values a
 * decoder must print for it, and every DCE/RPC PDU as stock tshark must see
 * it, placed in the frame where it completes (or, in a capture cut by its
 * snaplen, where it starts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activation_writer.h"
#include "json_writer.h"
#include "services.h"
#include "session.h"

static void put_nullable_int(json_writer *j, const char *key, int64_t v)
{
    if (v < 0)
        json_null(j, key);
    else
        json_int(j, key, v);
}

static void put_service(json_writer *j, const blob_service *svc)
{
    char type_name[128];
    const char *controls[16];
    json_begin_object(j, NULL);
    json_string(j, "name", svc->name);
    json_string(j, "display_name", svc->display_name);
    json_int(j, "name_offset", svc->name_offset);
    json_int(j, "display_name_offset", svc->display_name_offset);
    json_int(j, "service_type", svc->service_type);
    svc_type_name(svc->service_type, type_name, sizeof type_name);
    json_string(j, "service_type_name", type_name);
    json_int(j, "current_state", svc->current_state);
    json_string(j, "current_state_name", svc_state_name(svc->current_state));
    json_int(j, "controls_accepted", svc->controls_accepted);
    size_t n = svc_control_names(svc->controls_accepted, controls, 16);
    json_begin_inline_array(j, "controls_accepted_names");
    for (size_t i = 0; i < n; i++)
        json_string(j, NULL, controls[i]);
    json_end_array(j);
    json_int(j, "win32_exit_code", svc->win32_exit_code);
    json_int(j, "service_specific_exit_code", svc->service_specific_exit_code);
    json_int(j, "check_point", svc->check_point);
    json_int(j, "wait_hint", svc->wait_hint);
    json_end_object(j);
}

void session_put_services(json_writer *j, const char *key, const blob_service *services, size_t n)
{
    json_begin_array(j, key);
    for (size_t i = 0; i < n; i++)
        put_service(j, &services[i]);
    json_end_array(j);
}

/* Did the capture keep the whole first PDU of this type and call id (any
 * call id when call_id is 0)? */
static bool pdu_kept(const session *s, uint8_t pkt_type, uint32_t call_id)
{
    for (size_t i = 0; i < s->to_server.n_pdus; i++) {
        const dce_pdu_record *p = &s->to_server.pdus[i];
        uint32_t frame;
        if (p->pkt_type == pkt_type && (call_id == 0 || p->call_id == call_id))
            return tcp_captured_from(&s->tcp, TCP_CLIENT, p->stream_start, &frame) >=
                   p->stream_end - p->stream_start;
    }
    return false;
}

/* A capture cut by its snaplen: a PDU is decoded from the frame where it
 * starts, as far as that frame's bytes go (a cut PDU is never reassembled).
 * Parameters whose bytes were cut become null, a cut stub is reported. A
 * bind that was cut binds nothing (as for tshark): the interface is then
 * inferred. */
#define REQUEST_HEADER_WITH_OBJECT 40u
static void apply_snaplen(const session *s, call_expect *c, uint32_t *frame_request, uint32_t *frame_response)
{
    if (!pdu_kept(s, DCE_PKT_BIND, 0))
        c->interface_inferred = true;
    size_t kept = tcp_captured_from(&s->tcp, TCP_CLIENT, c->request_start, frame_request);
    if (kept < c->request_end - c->request_start) {
        session_expect_anomaly(c, "stub_truncated");
        size_t params_at = REQUEST_HEADER_WITH_OBJECT + (s->cfg.ndr64 ? 40u : 32u);
        int64_t *params[2] = {NULL, NULL};
        switch (c->opnum) {
        case IISS_OPNUM_STOP: params[0] = &c->timeout_ms; params[1] = &c->force; break;
        case IISS_OPNUM_START: params[0] = &c->timeout_ms; break;
        case IISS_OPNUM_REBOOT: params[0] = &c->timeout_ms; params[1] = &c->force_apps_closed; break;
        case IISS_OPNUM_STATUS: params[0] = &c->buffer_size; break;
        default: break;
        }
        for (size_t i = 0; i < 2; i++)
            if (params[i] && params_at + 4u * (i + 1u) > kept)
                *params[i] = -1;
    }
    if (!c->has_response)
        return;
    kept = tcp_captured_from(&s->tcp, TCP_SERVER, c->response_start, frame_response);
    if (kept < c->response_end - c->response_start) {
        c->has_hresult = false;
        c->required_size = c->num_services = -1;
        c->has_services = false;
        bool listed = false;
        for (size_t i = 0; i < c->n_anomalies; i++)
            listed |= strcmp(c->anomalies[i].kind, "stub_truncated") == 0;
        if (!listed)
            session_expect_anomaly(c, "stub_truncated");
    }
}

/* The TCP connection a call or PDU belongs to: a finished one, or the
 * current one. */
static const tcp_conn *conn_tcp(const session *s, size_t conn)
{
    return conn == s->conn ? &s->tcp : &s->past[conn].tcp;
}

static void put_call(session *s, json_writer *j, const call_expect *expected)
{
    call_expect adjusted = *expected;
    call_expect *c = &adjusted;
    const tcp_conn *tcp = conn_tcp(s, c->conn);
    uint32_t frame_request = tcp_completion_frame(tcp, TCP_CLIENT, c->request_end);
    uint32_t frame_response = c->has_response ? tcp_completion_frame(tcp, TCP_SERVER, c->response_end) : 0;
    if (s->tcp.truncated)
        apply_snaplen(s, c, &frame_request, &frame_response);
    char text[64];
    json_begin_object(j, NULL);
    cap_format_time(cap_frame_time(&s->cap, frame_request), text);
    json_string(j, "time", text);
    json_int(j, "frame_request", frame_request);
    if (frame_response)
        json_int(j, "frame_response", frame_response);
    else
        json_null(j, "frame_response");
    net_endpoint_format(&c->client, text, sizeof text);
    json_string(j, "client", text);
    net_endpoint_format(c->conn != s->conn ? &s->past[c->conn].server : &s->cfg.server, text, sizeof text);
    json_string(j, "server", text);
    json_int(j, "opnum", c->opnum);
    json_string(j, "method", iiss_method_name(c->opnum));
    json_begin_object(j, "params");
    switch (c->opnum) {
    case IISS_OPNUM_STOP:
        put_nullable_int(j, "timeout_ms", c->timeout_ms);
        put_nullable_int(j, "force", c->force);
        break;
    case IISS_OPNUM_START:
        put_nullable_int(j, "timeout_ms", c->timeout_ms);
        break;
    case IISS_OPNUM_REBOOT:
        put_nullable_int(j, "timeout_ms", c->timeout_ms);
        put_nullable_int(j, "force_apps_closed", c->force_apps_closed);
        break;
    case IISS_OPNUM_STATUS:
        put_nullable_int(j, "buffer_size", c->buffer_size);
        break;
    default:
        break;
    }
    json_end_object(j);
    if (c->has_hresult) {
        json_hex32(j, "hresult", c->hresult);
        json_string(j, "hresult_name", hresult_name(c->hresult));
    } else {
        json_null(j, "hresult");
        json_null(j, "hresult_name");
    }
    if (c->has_fault) {
        json_begin_object(j, "fault_status");
        json_int(j, "code", c->fault_status);
        json_string(j, "name", fault_status_name(c->fault_status));
        json_end_object(j);
    } else {
        json_null(j, "fault_status");
    }
    put_nullable_int(j, "required_size", c->required_size);
    put_nullable_int(j, "num_services", c->num_services);
    if (c->has_services)
        session_put_services(j, "services", c->services, c->n_services);
    else
        json_null(j, "services");
    json_begin_array(j, "anomalies");
    for (size_t i = 0; i < c->n_anomalies; i++) {
        json_begin_object(j, NULL);
        json_string(j, "kind", c->anomalies[i].kind);
        if (c->anomalies[i].has_offset)
            json_int(j, "offset", c->anomalies[i].offset);
        if (c->anomalies[i].frame)
            json_int(j, "frame", c->anomalies[i].frame);
        json_end_object(j);
    }
    json_end_array(j);
    json_string(j, "interface", c->interface_inferred ? "inferred" : "bound");
    /* Without the bind, what vouches for the call: its request's shape and
     * its response's (a fault or a sealed reply vouches for nothing). */
    if (c->interface_inferred) {
        json_begin_inline_array(j, "inference");
        json_string(j, NULL, "request_shape");
        if (c->has_response && !c->has_fault && !c->sealed)
            json_string(j, NULL, "response_shape");
        if (c->port_bound_earlier)
            json_string(j, NULL, "port_bound_earlier");
        json_end_array(j);
    }
    json_string(j, "ndr", s->cfg.ndr64 ? "NDR64" : "NDR20");
    json_bool(j, "sealed", c->sealed);
    if (c->sealed && c->auth.with_credential)
        json_bool(j, "decrypted", true);
    if (c->auth.type) {
        json_begin_object(j, "auth");
        json_string(j, "type", c->auth.type);
        json_string(j, "level", c->auth.level);
        json_string(j, "domain", c->auth.domain);
        json_string(j, "user", c->auth.user);
        json_string(j, "workstation", c->auth.workstation);
        if (c->auth.service_principal) {
            json_string(j, "service_principal", c->auth.service_principal);
            json_string(j, "ticket_enctype", c->auth.ticket_enctype);
            json_int(j, "ticket_kvno", c->auth.ticket_kvno);
            json_string(j, "authenticator_enctype", c->auth.authenticator_enctype);
        }
        if (c->auth.with_credential)
            json_bool(j, "verified", !c->signature_invalid);
        json_end_object(j);
    } else {
        json_null(j, "auth");
    }
    guid_to_string(&c->ipid, text);
    json_string(j, "ipid", text);
    if (c->activation_frame)
        json_int(j, "activation_frame", c->activation_frame);
    else
        json_null(j, "activation_frame");
    if (frame_response) {
        uint64_t rtt_ns = cap_frame_time(&s->cap, frame_response) - cap_frame_time(&s->cap, frame_request);
        snprintf(text, sizeof text, "%llu.%03llu", (unsigned long long)(rtt_ns / 1000000u),
                 (unsigned long long)(rtt_ns % 1000000u / 1000u));
        json_number_text(j, "rtt_ms", text);
    } else {
        json_null(j, "rtt_ms");
    }
    json_end_object(j);
}

static void put_hex64(json_writer *j, const char *key, uint64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "0x%016llX", (unsigned long long)v);
    json_string(j, key, text);
}

/* One DCOM activation as a decoder must report it (MS-DCOM 3.1.2.5.2.3.3,
 * the values session_activate wrote). */
static void put_activation(session *s, json_writer *j, const activation_expect *a)
{
    char text[64];
    json_begin_object(j, NULL);
    cap_format_time(cap_frame_time(&s->cap, a->frame_request), text);
    json_string(j, "time", text);
    json_string(j, "record", "activation");
    json_int(j, "frame_request", a->frame_request);
    json_int(j, "frame_response", a->frame_response);
    net_endpoint_format(&a->client, text, sizeof text);
    json_string(j, "client", text);
    net_endpoint_format(&a->server, text, sizeof text);
    json_string(j, "server", text);
    json_int(j, "opnum", ACT_OPNUM_REMOTE_CREATE_INSTANCE);
    json_string(j, "method", "RemoteCreateInstance");
    guid_to_string(&CLSID_IIS_SERVICE_CONTROL, text);
    json_string(j, "clsid", text);
    json_string(j, "clsid_name", "CLSID_IIsServiceControl");
    guid_to_string(&IID_IIS_SERVICE_CONTROL, text);
    json_string(j, "iid", text);
    json_string(j, "iid_name", "IIsServiceControl");
    json_string(j, "server_name", a->server_name);
    json_hex32(j, "hresult", a->hresult);
    json_string(j, "hresult_name", hresult_name(a->hresult));
    json_null(j, "fault_status");
    if (a->returned_object) {
        guid_to_string(&a->ipid, text);
        json_string(j, "ipid", text);
        json_int(j, "port", a->port);
        put_hex64(j, "oxid", a->oxid);
        json_begin_array(j, "oxid_bindings");
        json_begin_object(j, NULL);
        json_string(j, "tower", "ncacn_ip_tcp");
        json_string(j, "address", a->oxid_binding);
        json_int(j, "port", a->port);
        json_end_object(j);
        json_end_array(j);
        json_begin_array(j, "interfaces");
        json_begin_object(j, NULL);
        guid_to_string(&IID_IIS_SERVICE_CONTROL, text);
        json_string(j, "iid", text);
        json_string(j, "iid_name", "IIsServiceControl");
        json_hex32(j, "hresult", HR_S_OK);
        json_string(j, "hresult_name", "S_OK");
        guid_to_string(&a->ipid, text);
        json_string(j, "ipid", text);
        put_hex64(j, "oxid", a->oxid);
        put_hex64(j, "oid", a->oid);
        json_end_object(j);
        json_end_array(j);
    } else {
        /* Refused: no activation properties came back. */
        json_null(j, "ipid");
        json_null(j, "port");
        json_null(j, "oxid");
        json_null(j, "oxid_bindings");
        json_begin_inline_array(j, "interfaces");
        json_end_array(j);
    }
    json_begin_inline_array(j, "anomalies");
    json_end_array(j);
    json_string(j, "ndr", "NDR20");
    json_bool(j, "sealed", false);
    json_null(j, "auth");
    uint64_t rtt_ns = cap_frame_time(&s->cap, a->frame_response) - cap_frame_time(&s->cap, a->frame_request);
    snprintf(text, sizeof text, "%llu.%03llu", (unsigned long long)(rtt_ns / 1000000u),
             (unsigned long long)(rtt_ns % 1000000u / 1000u));
    json_number_text(j, "rtt_ms", text);
    json_int(j, "call_id", a->call_id);
    json_end_object(j);
}

typedef struct pdu_at_frame {
    const dce_pdu_record *pdu;
    const dce_stream *stream; /* NULL for placed PDUs */
    uint32_t frame;
    bool cut;         /* only the start of the PDU is in the capture */
    bool opnum_known; /* tshark can name the opnum (request, or reply to a seen request) */
    const guid *clsid;
} pdu_at_frame;

#define DCE_COMMON_HEADER 16u

static void put_hex(json_writer *j, const char *key, const uint8_t *data, size_t len)
{
    char *text = malloc(2 * len + 1);
    if (!text)
        abort();
    for (size_t i = 0; i < len; i++)
        snprintf(text + 2 * i, 3, "%02x", data[i]);
    text[2 * len] = '\0';
    json_string(j, key, text);
    free(text);
}


static int by_frame_then_position(const void *a, const void *b)
{
    const pdu_at_frame *x = a, *y = b;
    if (x->frame != y->frame)
        return x->frame < y->frame ? -1 : 1;
    if (x->pdu->stream_start != y->pdu->stream_start)
        return x->pdu->stream_start < y->pdu->stream_start ? -1 : 1;
    return 0;
}

static void put_pdus(session *s, json_writer *j)
{
    size_t total = s->n_placed;
    for (size_t k = 0; k < s->n_conns; k++) {
        total += k != s->conn ? s->past[k].to_server.n_pdus + s->past[k].to_client.n_pdus
                              : s->to_server.n_pdus + s->to_client.n_pdus;
    }
    pdu_at_frame *list = calloc(total ? total : 1, sizeof *list);
    if (!list)
        abort();
    size_t n = 0;
    for (size_t k = 0; k < s->n_conns; k++)
    for (int side = 0; side < 2; side++) {
        const dce_stream *d = k != s->conn ? (side == TCP_CLIENT ? &s->past[k].to_server : &s->past[k].to_client)
                                           : (side == TCP_CLIENT ? &s->to_server : &s->to_client);
        const tcp_conn *tcp = conn_tcp(s, k);
        for (size_t i = 0; i < d->n_pdus; i++) {
            const dce_pdu_record *p = &d->pdus[i];
            /* tshark names a response's opnum only when it saw the binding. */
            bool inferred = k != s->conn ? s->past[k].interface_inferred : s->interface_inferred;
            bool opnum_known = p->pkt_type == DCE_PKT_REQUEST || !inferred;
            uint32_t frame = tcp_completion_frame(tcp, side, p->stream_end);
            bool cut = false;
            if (s->tcp.truncated) {
                size_t kept = tcp_captured_from(&s->tcp, side, p->stream_start, &frame);
                cut = kept < p->stream_end - p->stream_start;
                if (cut && kept < DCE_COMMON_HEADER)
                    frame = 0;
                if (p->pkt_type != DCE_PKT_REQUEST)
                    opnum_known = opnum_known && pdu_kept(s, DCE_PKT_BIND, 0) &&
                                  pdu_kept(s, DCE_PKT_REQUEST, p->call_id);
            }
            if (frame == 0)
                continue; /* never completed in the capture */
            list[n].pdu = p;
            list[n].stream = d;
            list[n].frame = frame;
            list[n].cut = cut;
            list[n].opnum_known = opnum_known && !cut;
            n++;
        }
    }
    for (size_t i = 0; i < s->n_placed; i++) {
        list[n].pdu = &s->placed[i].pdu;
        list[n].frame = s->placed[i].frame;
        list[n].opnum_known = true;
        list[n].clsid = s->placed[i].has_clsid ? &s->placed[i].clsid : NULL;
        n++;
    }
    qsort(list, n, sizeof *list, by_frame_then_position);
    json_begin_array(j, "pdus");
    for (size_t i = 0; i < n; i++) {
        const dce_pdu_record *p = list[i].pdu;
        json_begin_object(j, NULL);
        json_int(j, "frame", list[i].frame);
        json_int(j, "pkt_type", p->pkt_type);
        json_int(j, "call_id", p->call_id);
        put_nullable_int(j, "ctx_id", list[i].cut ? -1 : p->ctx_id);
        put_nullable_int(j, "opnum", list[i].opnum_known ? p->opnum : -1);
        json_int(j, "flags", p->flags);
        if (list[i].cut) {
            /* tshark stops at the common header of a cut PDU. */
            json_bool(j, "truncated", true);
            json_end_object(j);
            continue;
        }
        char text[37];
        if (p->has_object) {
            guid_to_string(&p->object, text);
            json_string(j, "object", text);
        }
        if (list[i].clsid) {
            guid_to_string(list[i].clsid, text);
            json_string(j, "clsid", text);
        }
        if (p->n_ctx_items) {
            json_begin_inline_array(j, "ctx_items");
            for (size_t k = 0; k < p->n_ctx_items; k++)
                json_int(j, NULL, p->ctx_items[k]);
            json_end_array(j);
            json_begin_inline_array(j, "interfaces");
            for (size_t k = 0; k < p->n_ctx_items; k++) {
                guid_to_string(&p->abstract[k], text);
                json_string(j, NULL, text);
            }
            json_end_array(j);
        }
        if (p->auth_level && list[i].stream) {
            /* What the protect hook saw: the stub before sealing or signing. */
            json_int(j, "auth_type", p->auth_type);
            json_int(j, "auth_level", p->auth_level);
            if (p->pkt_type == DCE_PKT_REQUEST || p->pkt_type == DCE_PKT_RESPONSE)
                put_hex(j, "plaintext_stub", list[i].stream->plaintext.data + p->plain_start,
                        p->plain_end - p->plain_start);
            json_bool(j, "signature_valid", !p->signature_invalid);
        }
        if (p->n_transfer) {
            json_begin_inline_array(j, "transfer_syntaxes");
            for (size_t k = 0; k < p->n_transfer; k++) {
                guid_to_string(&p->transfer[k], text);
                json_string(j, NULL, text);
            }
            json_end_array(j);
        }
        json_end_object(j);
    }
    json_end_array(j);
    free(list);
}

static void put_decoys(session *s, json_writer *j)
{
    json_bool(j, "binds_captured", !s->interface_inferred);
    json_begin_array(j, "decoy_calls");
    for (size_t i = 0; i < s->n_decoys; i++) {
        const decoy_call *d = &s->decoys[i];
        const tcp_conn *tcp = conn_tcp(s, d->conn);
        char text[37];
        json_begin_object(j, NULL);
        json_int(j, "frame_request", tcp_completion_frame(tcp, TCP_CLIENT, d->request_end));
        if (d->has_response)
            json_int(j, "frame_response", tcp_completion_frame(tcp, TCP_SERVER, d->response_end));
        else
            json_null(j, "frame_response");
        char endpoint[64];
        net_endpoint_format(d->conn != s->conn ? &s->past[d->conn].server : &s->cfg.server, endpoint,
                            sizeof endpoint);
        json_string(j, "server", endpoint);
        json_string(j, "interface", d->interface);
        guid_to_string(&d->iid, text);
        json_string(j, "iid", text);
        json_int(j, "opnum", d->opnum);
        json_string(j, "method", d->method);
        if (d->tshark_protocol)
            json_string(j, "tshark_protocol", d->tshark_protocol);
        else
            json_null(j, "tshark_protocol");
        json_string(j, "why_not_iis", d->why_not_iis);
        json_end_object(j);
    }
    json_end_array(j);
}

void session_expect_action(session *s, const char *name, size_t first_call)
{
    if (s->n_actions == SESSION_MAX_ACTIONS)
        return;
    expected_action *a = &s->actions[s->n_actions++];
    a->name = name;
    a->first_call = first_call;
    a->n_calls = s->n_calls - first_call;
    a->one_connection = false;
}

void session_expect_action_on_connection(session *s, const char *name, size_t first_call, size_t conn)
{
    session_expect_action(s, name, first_call);
    if (s->n_actions > 0 && s->actions[s->n_actions - 1].first_call == first_call) {
        s->actions[s->n_actions - 1].one_connection = true;
        s->actions[s->n_actions - 1].conn = conn;
    }
}

/* A failed call's "Method RESULT" ("Stop E_ACCESSDENIED", "Stop fault
 * nca_s_fault_ndr") into buf; false when the call did not fail. The first
 * Status of a run answered E_ERROR_INSUFFICIENT_BUFFER only asks for the
 * size: not a failure. */
static bool call_failure(const call_expect *c, char *buf, size_t n)
{
    const char *method = iiss_method_name(c->opnum);
    if (!method)
        method = "?";
    if (c->has_fault) {
        const char *fault = fault_status_name(c->fault_status);
        snprintf(buf, n, "%s fault %s", method, fault ? fault : "?");
        return true;
    }
    if (!c->has_hresult || !(c->hresult & 0x80000000u))
        return false;
    if (c->opnum == IISS_OPNUM_STATUS && c->hresult == HR_E_INSUFFICIENT_BUFFER)
        return false;
    snprintf(buf, n, "%s %s", method, hresult_name(c->hresult));
    return true;
}

/* The iisreset runs of the script: each one's name, its calls (indices
 * into "calls"), its outcome (success: every result S_OK; failure: the
 * first failed call; unknown: a result not readable), and W3SVC's states
 * as the run's Status replies showed them, one per change. */
static void put_actions(session *s, json_writer *j)
{
    json_begin_array(j, "actions");
    for (size_t i = 0; i < s->n_actions; i++) {
        const expected_action *a = &s->actions[i];
        char failure[128] = "";
        bool unknown = false;
        const char *states[16];
        size_t n_states = 0;
        size_t n_in = 0;
        for (size_t k = a->first_call; k < a->first_call + a->n_calls; k++) {
            if (a->one_connection && s->calls[k].conn != a->conn)
                continue;
            n_in++;
            /* what the capture keeps of the call, as put_call writes it */
            call_expect adjusted = s->calls[k];
            const call_expect *c = &adjusted;
            if (s->tcp.truncated) {
                const tcp_conn *tcp = conn_tcp(s, adjusted.conn);
                uint32_t frame_request = tcp_completion_frame(tcp, TCP_CLIENT, adjusted.request_end);
                uint32_t frame_response =
                    adjusted.has_response ? tcp_completion_frame(tcp, TCP_SERVER, adjusted.response_end) : 0;
                apply_snaplen(s, &adjusted, &frame_request, &frame_response);
            }
            char text[128];
            if (!failure[0] && call_failure(c, text, sizeof text))
                snprintf(failure, sizeof failure, "%s", text);
            if (!c->has_fault && !c->has_hresult)
                unknown = true;
            for (size_t v = 0; c->opnum == IISS_OPNUM_STATUS && c->has_services && v < c->n_services; v++) {
                const blob_service *svc = &c->services[v];
                const char *state = svc_state_name(svc->current_state);
                if (!svc->name || strcmp(svc->name, "W3SVC") != 0 || !state)
                    continue;
                state += strlen("SERVICE_");
                if ((n_states == 0 || strcmp(states[n_states - 1], state) != 0) && n_states < 16)
                    states[n_states++] = state;
            }
        }
        json_begin_object(j, NULL);
        json_string(j, "action", a->name);
        json_string(j, "outcome", failure[0] ? "failure" : unknown || n_in == 0 ? "unknown" : "success");
        if (failure[0])
            json_string(j, "failure", failure);
        else
            json_null(j, "failure");
        json_begin_inline_array(j, "calls");
        for (size_t c = 0; c < a->n_calls; c++)
            if (!a->one_connection || s->calls[a->first_call + c].conn == a->conn)
                json_int(j, NULL, (int64_t)(a->first_call + c));
        json_end_array(j);
        json_begin_inline_array(j, "w3svc_states");
        for (size_t k = 0; k < n_states; k++)
            json_string(j, NULL, states[k]);
        json_end_array(j);
        json_end_object(j);
    }
    json_end_array(j);
}

int session_write_expected(session *s)
{
    json_writer j;
    json_init(&j);
    char file[256];
    snprintf(file, sizeof file, "%s%s", s->cfg.name, s->cfg.pcapng ? ".pcapng" : ".pcap");
    json_begin_object(&j, NULL);
    json_string(&j, "capture", file);
    json_string(&j, "description", s->cfg.description);
    json_begin_inline_array(&j, "tshark_options");
    for (size_t i = 0; i < SESSION_MAX_TSHARK_OPTIONS && s->cfg.tshark_options[i]; i++)
        json_string(&j, NULL, s->cfg.tshark_options[i]);
    json_end_array(&j);
    if (s->iissdump_options[0]) {
        json_begin_inline_array(&j, "iissdump_options");
        for (size_t i = 0; i < SESSION_MAX_CREDENTIAL_OPTIONS && s->iissdump_options[i]; i++)
            json_string(&j, NULL, s->iissdump_options[i]);
        json_end_array(&j);
    }
    if (s->iissdump_alternatives[0][0]) {
        json_begin_array(&j, "iissdump_alternative_options");
        for (size_t r = 0; r < 2 && s->iissdump_alternatives[r][0]; r++) {
            json_begin_inline_array(&j, NULL);
            for (size_t i = 0; i < SESSION_MAX_CREDENTIAL_OPTIONS && s->iissdump_alternatives[r][i]; i++)
                json_string(&j, NULL, s->iissdump_alternatives[r][i]);
            json_end_array(&j);
        }
        json_end_array(&j);
    }
    if (s->tshark_decrypt[0].user) {
        json_begin_array(&j, "tshark_decrypt");
        for (size_t r = 0; r < SESSION_MAX_TSHARK_DECRYPT_RUNS && s->tshark_decrypt[r].user; r++) {
            json_begin_object(&j, NULL);
            json_string(&j, "user", s->tshark_decrypt[r].user);
            json_begin_inline_array(&j, "options");
            for (size_t i = 0; i < SESSION_MAX_CREDENTIAL_OPTIONS && s->tshark_decrypt[r].options[i]; i++)
                json_string(&j, NULL, s->tshark_decrypt[r].options[i]);
            json_end_array(&j);
            json_end_object(&j);
        }
        json_end_array(&j);
    }
    json_begin_inline_array(&j, "tcp_analysis_frames");
    for (size_t i = 0; i < s->n_analysis_frames; i++)
        json_int(&j, NULL, s->analysis_frames[i]);
    json_end_array(&j);
    json_begin_array(&j, "calls");
    for (size_t i = 0; i < s->n_calls; i++)
        put_call(s, &j, &s->calls[i]);
    json_end_array(&j);
    json_begin_array(&j, "activations");
    for (size_t i = 0; i < s->n_activations; i++)
        put_activation(s, &j, &s->activations[i]);
    json_end_array(&j);
    if (s->n_decoys)
        put_decoys(s, &j);
    put_actions(s, &j);
    put_pdus(s, &j);
    json_end_object(&j);

    char path[4096];
    snprintf(path, sizeof path, "%s/%s.expected.json", s->out_dir, s->cfg.name);
    int rc = json_save(&j, path);
    json_free(&j);
    return rc;
}
