#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activation_writer.h"
#include "json_writer.h"
#include "services.h"

const guid IID_IIS_SERVICE_CONTROL = {0xE8FB8620u, 0x588F, 0x11D2, {0x9D, 0x61, 0x00, 0xC0, 0x4F, 0x79, 0xC5, 0xFE}};
const guid CLSID_IIS_SERVICE_CONTROL = {0xE8FB8621u, 0x588F, 0x11D2, {0x9D, 0x61, 0x00, 0xC0, 0x4F, 0x79, 0xC5, 0xFE}};
const guid IID_IREM_UNKNOWN2 = {0x00000143u, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};

#define CLIENT_THINK_US 1800u    /* iisreset between a reply and its next call */
#define DELAYED_ACK_US 200000u   /* Windows delayed ACK */
#define SERVER_ASSOC_GROUP 0x0001A2F3u
#define FIRST_CALL_ID 1u

static void path_join(char *out, size_t n, const char *dir, const char *name, const char *ext)
{
    snprintf(out, n, "%s/%s%s", dir, name, ext);
}

int session_open(session *s, const session_config *cfg, const char *out_dir)
{
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->out_dir = out_dir;
    char path[4096];
    path_join(path, sizeof path, out_dir, cfg->name, cfg->pcapng ? ".pcapng" : ".pcap");
    int rc = cfg->pcapng ? cap_open_pcapng(&s->cap, path, cfg->linktype, cfg->snaplen, cfg->start_ns)
                         : cap_open_pcap(&s->cap, path, cfg->linktype, cfg->snaplen, cfg->start_ns);
    if (rc != 0)
        return rc;
    tcp_conn_init(&s->tcp, &s->cap, &cfg->link, &cfg->client, &cfg->server, cfg->client_isn, cfg->server_isn);
    dce_stream_init(&s->to_server, cfg->big_endian, cfg->max_frag);
    dce_stream_init(&s->to_client, cfg->big_endian, cfg->max_frag);
    s->next_call_id = FIRST_CALL_ID;
    s->ctx_id = 0;
    s->ipid = guid_from_string("0000B001-0A1C-FFFF-6F3C-4E21A9D7C5B3");
    s->causality = guid_from_string("3D6A2B7E-91C4-4F0A-B5E2-7C19D84A6F03");
    s->style.ndr64 = cfg->ndr64;
    s->style.pad_fill = cfg->pad_fill;
    return 0;
}

void session_handshake(session *s)
{
    tcp_handshake(&s->tcp);
    cap_advance_us(&s->cap, 900);
}

void session_bind(session *s)
{
    dce_context_item items[2];
    memset(items, 0, sizeof items);
    items[0].ctx_id = s->ctx_id;
    items[0].abstract.uuid = IID_IIS_SERVICE_CONTROL;
    items[0].n_transfer = s->cfg.ndr64 ? 2 : 1;
    items[0].transfer[0] = DCE_SYNTAX_NDR20;
    items[0].transfer[1] = DCE_SYNTAX_NDR64;
    items[1].ctx_id = (uint16_t)(s->ctx_id + 1);
    items[1].abstract.uuid = IID_IREM_UNKNOWN2;
    items[1].n_transfer = items[0].n_transfer;
    items[1].transfer[0] = DCE_SYNTAX_NDR20;
    items[1].transfer[1] = DCE_SYNTAX_NDR64;
    uint32_t call_id = s->next_call_id++;
    /* Header signing is offered only by authenticated binds (MS-RPCE 2.2.2.3). */
    uint8_t header_sign = s->client_auth ? DCE_PFC_SUPPORT_HEADER_SIGN : 0;
    dce_write_bind(&s->to_server, DCE_PKT_BIND, call_id, header_sign, s->cfg.max_frag,
                   s->cfg.max_frag, 0, items, 2, s->client_auth);
    session_send(s, TCP_CLIENT, NULL, 0);
    cap_advance_us(&s->cap, 420);

    const dce_syntax accepted = s->cfg.ndr64 ? DCE_SYNTAX_NDR64 : DCE_SYNTAX_NDR20;
    dce_ack_result_item results[2] = {{DCE_ACCEPTANCE, 0, accepted}, {DCE_ACCEPTANCE, 0, accepted}};
    char port[8];
    snprintf(port, sizeof port, "%u", s->cfg.server.port);
    dce_write_bind_ack(&s->to_client, DCE_PKT_BIND_ACK, call_id, header_sign, s->cfg.max_frag,
                       s->cfg.max_frag, SERVER_ASSOC_GROUP, port, results, 2, s->server_auth);
    session_send(s, TCP_SERVER, NULL, 0);
    cap_advance_us(&s->cap, 650);
}

#define EPMAP_PORT 135
#define ACTIVATION_OXID 0x2A5D9C3E71B80F46ull
#define ACTIVATION_OID 0x6C1F0E8D3B2A5947ull

/* Queue everything a dce_stream holds and send it at the MSS. */
static void send_whole_stream(tcp_conn *tcp, int side, const dce_stream *d, size_t *queued)
{
    tcp_queue(tcp, side, d->bytes.data + *queued, d->bytes.len - *queued);
    *queued = d->bytes.len;
    tcp_send_queued(tcp, side, NULL, 0);
}

static void place_pdus(session *s, const tcp_conn *tcp, int side, const dce_stream *d, const guid *clsid)
{
    for (size_t i = 0; i < d->n_pdus && s->n_placed < SESSION_MAX_PLACED_PDUS; i++) {
        placed_pdu *p = &s->placed[s->n_placed++];
        memset(p, 0, sizeof *p);
        p->pdu = d->pdus[i];
        p->frame = tcp_completion_frame(tcp, side, d->pdus[i].stream_end);
        if (clsid && d->pdus[i].pkt_type == DCE_PKT_REQUEST) {
            p->has_clsid = true;
            p->clsid = *clsid;
        }
    }
}

void session_activate(session *s, const char *server_name)
{
    net_endpoint client = s->cfg.client;
    net_endpoint server = s->cfg.server;
    client.port = (uint16_t)(client.port - 1u);
    server.port = EPMAP_PORT;
    tcp_conn tcp;
    tcp_conn_init(&tcp, &s->cap, &s->cfg.link, &client, &server, s->cfg.client_isn ^ 0x5A5A5A5Au,
                  s->cfg.server_isn ^ 0x3C3C3C3Cu);
    dce_stream to_server, to_client;
    dce_stream_init(&to_server, false, s->cfg.max_frag);
    dce_stream_init(&to_client, false, s->cfg.max_frag);
    size_t queued[2] = {0, 0};
    tcp_handshake(&tcp);
    cap_advance_us(&s->cap, 700);

    dce_context_item item;
    memset(&item, 0, sizeof item);
    item.abstract.uuid = IID_ISYSTEM_ACTIVATOR;
    item.n_transfer = 1;
    item.transfer[0] = DCE_SYNTAX_NDR20;
    dce_write_bind(&to_server, DCE_PKT_BIND, 1, 0, s->cfg.max_frag, s->cfg.max_frag, 0, &item, 1, NULL);
    send_whole_stream(&tcp, TCP_CLIENT, &to_server, &queued[TCP_CLIENT]);
    cap_advance_us(&s->cap, 380);
    dce_ack_result_item accepted = {DCE_ACCEPTANCE, 0, DCE_SYNTAX_NDR20};
    dce_write_bind_ack(&to_client, DCE_PKT_BIND_ACK, 1, 0, s->cfg.max_frag, s->cfg.max_frag, 0x0001A2F1u, "135",
                       &accepted, 1, NULL);
    send_whole_stream(&tcp, TCP_SERVER, &to_client, &queued[TCP_SERVER]);
    cap_advance_us(&s->cap, 540);

    act_request req;
    req.causality = s->causality;
    req.clsid = CLSID_IIS_SERVICE_CONTROL;
    req.iid = IID_IIS_SERVICE_CONTROL;
    req.server = server_name;
    bytebuf stub;
    bb_init(&stub);
    act_write_request_stub(&stub, &req);
    dce_call call = {2, 0, ACT_OPNUM_REMOTE_CREATE_INSTANCE, NULL};
    dce_write_request(&to_server, &call, stub.data, stub.len, NULL);
    send_whole_stream(&tcp, TCP_CLIENT, &to_server, &queued[TCP_CLIENT]);
    cap_advance_us(&s->cap, 41200); /* the SCM starts the object's process */

    char address[64], binding[80];
    net_endpoint_format(&s->cfg.server, address, sizeof address);
    *strrchr(address, ':') = '\0';
    snprintf(binding, sizeof binding, "%s[%u]", address, s->cfg.server.port);
    act_reply rep;
    memset(&rep, 0, sizeof rep);
    rep.iid = IID_IIS_SERVICE_CONTROL;
    rep.oxid = ACTIVATION_OXID;
    rep.oid = ACTIVATION_OID;
    rep.ipid = s->ipid;
    rep.rem_unknown_ipid = guid_from_string("0000A401-0A1C-FFFF-6F3C-4E21A9D7C5B3");
    rep.resolver_host = server_name;
    rep.resolver_address = address;
    rep.oxid_binding = binding;
    rep.hresult = 0;
    bb_clear(&stub);
    act_write_reply_stub(&stub, &rep);
    dce_write_response(&to_client, &call, stub.data, stub.len, NULL);
    send_whole_stream(&tcp, TCP_SERVER, &to_client, &queued[TCP_SERVER]);
    bb_free(&stub);
    cap_advance_us(&s->cap, 900);
    tcp_close(&tcp, TCP_CLIENT);
    cap_advance_us(&s->cap, 1500);

    place_pdus(s, &tcp, TCP_CLIENT, &to_server, &CLSID_IIS_SERVICE_CONTROL);
    place_pdus(s, &tcp, TCP_SERVER, &to_client, NULL);
    dce_stream_free(&to_server);
    dce_stream_free(&to_client);
    tcp_conn_free(&tcp);
}

size_t session_queue(session *s, int side, size_t *len)
{
    dce_stream *d = side == TCP_CLIENT ? &s->to_server : &s->to_client;
    size_t start = s->queued[side];
    *len = d->bytes.len - start;
    size_t at = tcp_queue(&s->tcp, side, d->bytes.data + start, *len);
    if (at != start) {
        fprintf(stderr, "iiss-samplegen: TCP and DCE/RPC streams out of step\n");
        abort();
    }
    s->queued[side] = d->bytes.len;
    return start;
}

void session_send(session *s, int side, const size_t *sizes, size_t n_sizes)
{
    size_t len;
    session_queue(s, side, &len);
    tcp_send_queued(&s->tcp, side, sizes, n_sizes);
}

call_expect *session_begin_call(session *s, uint16_t opnum)
{
    if (s->n_calls == s->cap_calls) {
        s->cap_calls = s->cap_calls ? s->cap_calls * 2 : 16;
        s->calls = realloc(s->calls, s->cap_calls * sizeof *s->calls);
        if (!s->calls)
            abort();
    }
    call_expect *c = &s->calls[s->n_calls++];
    memset(c, 0, sizeof *c);
    c->opnum = opnum;
    c->call_id = s->next_call_id++;
    c->timeout_ms = c->force = c->force_apps_closed = c->buffer_size = -1;
    c->required_size = c->num_services = -1;
    c->interface_inferred = s->interface_inferred;
    return c;
}

static dce_call call_header(const session *s, const call_expect *c)
{
    dce_call h;
    h.call_id = c->call_id;
    h.ctx_id = s->ctx_id;
    h.opnum = c->opnum;
    h.object = &s->ipid;
    return h;
}

/* Which parameter each DWORD of the request is, per MS-IISS 3.1.4. */
static void expect_params(call_expect *c, const uint32_t *dwords, size_t n)
{
    int64_t *slots[2] = {NULL, NULL};
    switch (c->opnum) {
    case IISS_OPNUM_STOP: slots[0] = &c->timeout_ms; slots[1] = &c->force; break;
    case IISS_OPNUM_START: slots[0] = &c->timeout_ms; break;
    case IISS_OPNUM_REBOOT: slots[0] = &c->timeout_ms; slots[1] = &c->force_apps_closed; break;
    case IISS_OPNUM_STATUS: slots[0] = &c->buffer_size; break;
    default: break;
    }
    for (size_t i = 0; i < n && i < 2; i++)
        if (slots[i])
            *slots[i] = dwords[i];
}

void session_write_request(session *s, call_expect *c, const uint32_t *dwords, size_t n_dwords)
{
    bytebuf stub;
    bb_init(&stub);
    stub.big_endian = s->cfg.big_endian;
    iiss_stub_style style = s->style;
    style.extents = NULL;
    style.n_extents = 0;
    iiss_write_request(&stub, &style, &s->causality, dwords, n_dwords);
    dce_call h = call_header(s, c);
    c->request_start = s->to_server.bytes.len;
    dce_write_request(&s->to_server, &h, stub.data, stub.len, s->client_auth);
    c->request_end = s->to_server.bytes.len;
    expect_params(c, dwords, n_dwords);
    bb_free(&stub);
}

static void begin_response(session *s, call_expect *c)
{
    c->response_start = s->to_client.bytes.len;
}

static void finish_response(session *s, call_expect *c)
{
    c->has_response = true;
    c->response_end = s->to_client.bytes.len;
}

void session_write_simple_response(session *s, call_expect *c, uint32_t hresult)
{
    bytebuf stub;
    bb_init(&stub);
    stub.big_endian = s->cfg.big_endian;
    iiss_write_simple_response(&stub, &s->style, hresult);
    dce_call h = call_header(s, c);
    begin_response(s, c);
    dce_write_response(&s->to_client, &h, stub.data, stub.len, s->server_auth);
    c->has_hresult = true;
    c->hresult = hresult;
    finish_response(s, c);
    bb_free(&stub);
}

void session_write_status_response(session *s, call_expect *c, uint64_t conformance, const uint8_t *buffer,
                                   size_t buffer_len, uint32_t required_size, uint32_t num_services,
                                   uint32_t hresult)
{
    bytebuf stub;
    bb_init(&stub);
    stub.big_endian = s->cfg.big_endian;
    iiss_write_status_response(&stub, &s->style, conformance, buffer, buffer_len, required_size, num_services,
                               hresult);
    dce_call h = call_header(s, c);
    begin_response(s, c);
    dce_write_response(&s->to_client, &h, stub.data, stub.len, s->server_auth);
    c->has_hresult = true;
    c->hresult = hresult;
    c->required_size = required_size;
    c->num_services = num_services;
    c->has_services = true;
    finish_response(s, c);
    bb_free(&stub);
}

void session_write_raw_response(session *s, call_expect *c, const uint8_t *stub, size_t stub_len)
{
    dce_call h = call_header(s, c);
    begin_response(s, c);
    dce_write_response(&s->to_client, &h, stub, stub_len, s->server_auth);
    finish_response(s, c);
}

void session_write_fault(session *s, call_expect *c, uint32_t status)
{
    dce_call h = call_header(s, c);
    begin_response(s, c);
    dce_write_fault(&s->to_client, &h, status, DCE_PFC_DID_NOT_EXECUTE, s->server_auth);
    c->has_fault = true;
    c->fault_status = status;
    finish_response(s, c);
}

void session_expect_services(call_expect *c, const blob_service *services, size_t n)
{
    c->has_services = true;
    c->n_services = n < SESSION_MAX_SERVICES ? n : SESSION_MAX_SERVICES;
    if (c->n_services)
        memcpy(c->services, services, c->n_services * sizeof *services);
}

void session_expect_anomaly(call_expect *c, const char *kind)
{
    if (c->n_anomalies < SESSION_MAX_ANOMALIES)
        c->anomalies[c->n_anomalies++].kind = kind;
}

static void serve(session *s, uint64_t server_us)
{
    if (server_us > DELAYED_ACK_US) {
        cap_advance_us(&s->cap, DELAYED_ACK_US);
        tcp_ack(&s->tcp, TCP_SERVER);
        cap_advance_us(&s->cap, server_us - DELAYED_ACK_US);
    } else {
        cap_advance_us(&s->cap, server_us);
    }
}

void session_simple_call(session *s, uint16_t opnum, const uint32_t *dwords, size_t n_dwords, uint32_t hresult,
                         uint64_t server_us)
{
    call_expect *c = session_begin_call(s, opnum);
    session_write_request(s, c, dwords, n_dwords);
    session_send(s, TCP_CLIENT, NULL, 0);
    serve(s, server_us);
    session_write_simple_response(s, c, hresult);
    session_send(s, TCP_SERVER, NULL, 0);
    cap_advance_us(&s->cap, CLIENT_THINK_US);
}

size_t session_status_call(session *s, uint32_t buffer_size, blob_service *services, size_t n,
                           uint64_t server_us)
{
    call_expect *c = session_begin_call(s, IISS_OPNUM_STATUS);
    session_write_request(s, c, &buffer_size, 1);
    session_send(s, TCP_CLIENT, NULL, 0);
    serve(s, server_us);

    bytebuf blob;
    bb_init(&blob);
    size_t needed = blob_write(&blob, services, n, false);
    if (needed > buffer_size) {
        /* 3.1.4.4: required size set, buffer zeroed, E_ERROR_INSUFFICIENT_BUFFER. */
        bb_clear(&blob);
        bb_put_zeros(&blob, buffer_size);
        session_write_status_response(s, c, buffer_size, blob.data, blob.len, (uint32_t)needed, 0,
                                      HR_E_INSUFFICIENT_BUFFER);
        session_expect_services(c, NULL, 0);
    } else {
        bb_put_zeros(&blob, buffer_size - needed);
        session_write_status_response(s, c, buffer_size, blob.data, blob.len, (uint32_t)needed, (uint32_t)n,
                                      HR_S_OK);
        session_expect_services(c, services, n);
    }
    bb_free(&blob);
    session_send(s, TCP_SERVER, NULL, 0);
    cap_advance_us(&s->cap, CLIENT_THINK_US);
    return needed;
}

void session_close_tcp(session *s)
{
    cap_advance_us(&s->cap, 2500);
    tcp_close(&s->tcp, TCP_CLIENT);
}

/* ---- expected file ---- */

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
 * Parameters whose bytes were cut become null, a cut stub is reported. */
#define REQUEST_HEADER_WITH_OBJECT 40u
static void apply_snaplen(const session *s, call_expect *c, uint32_t *frame_request, uint32_t *frame_response)
{
    if (!pdu_kept(s, DCE_PKT_BIND, 0))
        c->interface_inferred = true; /* the bind's context list was cut */
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

static void put_call(session *s, json_writer *j, const call_expect *expected)
{
    call_expect adjusted = *expected;
    call_expect *c = &adjusted;
    uint32_t frame_request = tcp_completion_frame(&s->tcp, TCP_CLIENT, c->request_end);
    uint32_t frame_response = c->has_response ? tcp_completion_frame(&s->tcp, TCP_SERVER, c->response_end) : 0;
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
    net_endpoint_format(&s->cfg.client, text, sizeof text);
    json_string(j, "client", text);
    net_endpoint_format(&s->cfg.server, text, sizeof text);
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
        json_hex32(j, "code", c->fault_status);
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
        json_end_object(j);
    }
    json_end_array(j);
    json_string(j, "interface", c->interface_inferred ? "inferred" : "bound");
    json_string(j, "ndr", s->cfg.ndr64 ? "NDR64" : "NDR20");
    json_bool(j, "sealed", s->sealed);
    if (s->auth_type) {
        json_begin_object(j, "auth");
        json_string(j, "type", s->auth_type);
        json_string(j, "level", s->auth_level);
        json_string(j, "domain", s->auth_domain);
        json_string(j, "user", s->auth_user);
        json_string(j, "workstation", s->auth_workstation);
        json_end_object(j);
    } else {
        json_null(j, "auth");
    }
    guid_to_string(&s->ipid, text);
    json_string(j, "ipid", text);
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

typedef struct pdu_at_frame {
    const dce_pdu_record *pdu;
    uint32_t frame;
    bool cut;         /* only the start of the PDU is in the capture */
    bool opnum_known; /* tshark can name the opnum (request, or reply to a seen request) */
    const guid *clsid;
} pdu_at_frame;

#define DCE_COMMON_HEADER 16u


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
    size_t total = s->to_server.n_pdus + s->to_client.n_pdus + s->n_placed;
    pdu_at_frame *list = calloc(total ? total : 1, sizeof *list);
    if (!list)
        abort();
    size_t n = 0;
    for (int side = 0; side < 2; side++) {
        const dce_stream *d = side == TCP_CLIENT ? &s->to_server : &s->to_client;
        for (size_t i = 0; i < d->n_pdus; i++) {
            const dce_pdu_record *p = &d->pdus[i];
            /* tshark names a response's opnum only when it saw the binding. */
            bool opnum_known = p->pkt_type == DCE_PKT_REQUEST || !s->interface_inferred;
            uint32_t frame = tcp_completion_frame(&s->tcp, side, p->stream_end);
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

int session_finish(session *s)
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
    json_begin_inline_array(&j, "tcp_analysis_frames");
    for (size_t i = 0; i < s->n_analysis_frames; i++)
        json_int(&j, NULL, s->analysis_frames[i]);
    json_end_array(&j);
    json_begin_array(&j, "calls");
    for (size_t i = 0; i < s->n_calls; i++)
        put_call(s, &j, &s->calls[i]);
    json_end_array(&j);
    put_pdus(s, &j);
    json_end_object(&j);

    char path[4096];
    snprintf(path, sizeof path, "%s/%s.expected.json", s->out_dir, s->cfg.name);
    int rc = json_save(&j, path);
    json_free(&j);
    if (cap_close(&s->cap) != 0)
        rc = -1;
    tcp_conn_free(&s->tcp);
    dce_stream_free(&s->to_server);
    dce_stream_free(&s->to_client);
    free(s->calls);
    return rc;
}
