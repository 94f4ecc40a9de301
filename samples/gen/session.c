#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services.h"

const guid IID_IIS_SERVICE_CONTROL = {0xE8FB8620u, 0x588F, 0x11D2, {0x9D, 0x61, 0x00, 0xC0, 0x4F, 0x79, 0xC5, 0xFE}};
const guid CLSID_IIS_SERVICE_CONTROL = {0xE8FB8621u, 0x588F, 0x11D2, {0x9D, 0x61, 0x00, 0xC0, 0x4F, 0x79, 0xC5, 0xFE}};
const guid IPID_REM_UNKNOWN = {0x0000A401u, 0x0A1C, 0xFFFF, {0x6F, 0x3C, 0x4E, 0x21, 0xA9, 0xD7, 0xC5, 0xB3}};
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
    s->n_conns = 1;
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

/* IIsServiceControl and IRemUnknown2, as session_bind presents them. */
static void bind_items(const session *s, dce_context_item items[2])
{
    memset(items, 0, 2 * sizeof *items);
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
}

void session_bind(session *s)
{
    dce_context_item items[2];
    bind_items(s, items);
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

void session_alter_auth(session *s, uint32_t call_id)
{
    dce_context_item items[2];
    bind_items(s, items);
    uint8_t header_sign = DCE_PFC_SUPPORT_HEADER_SIGN;
    dce_write_bind(&s->to_server, DCE_PKT_ALTER_CONTEXT, call_id, header_sign, s->cfg.max_frag, s->cfg.max_frag,
                   SERVER_ASSOC_GROUP, items, 2, s->client_auth);
    session_send(s, TCP_CLIENT, NULL, 0);
    cap_advance_us(&s->cap, 510);
    const dce_syntax accepted = s->cfg.ndr64 ? DCE_SYNTAX_NDR64 : DCE_SYNTAX_NDR20;
    dce_ack_result_item results[2] = {{DCE_ACCEPTANCE, 0, accepted}, {DCE_ACCEPTANCE, 0, accepted}};
    dce_write_bind_ack(&s->to_client, DCE_PKT_ALTER_CONTEXT_RESP, call_id, header_sign, s->cfg.max_frag,
                       s->cfg.max_frag, SERVER_ASSOC_GROUP, "", results, 2, s->server_auth);
    session_send(s, TCP_SERVER, NULL, 0);
    cap_advance_us(&s->cap, 640);
}

void session_bind_then_alter(session *s)
{
    dce_context_item item;
    memset(&item, 0, sizeof item);
    item.ctx_id = 0;
    item.abstract.uuid = IID_IREM_UNKNOWN2;
    item.n_transfer = 1;
    item.transfer[0] = DCE_SYNTAX_NDR20;
    uint32_t call_id = s->next_call_id++;
    dce_write_bind(&s->to_server, DCE_PKT_BIND, call_id, 0, s->cfg.max_frag, s->cfg.max_frag, 0, &item, 1, NULL);
    session_send(s, TCP_CLIENT, NULL, 0);
    cap_advance_us(&s->cap, 410);
    dce_ack_result_item accepted = {DCE_ACCEPTANCE, 0, DCE_SYNTAX_NDR20};
    char port[8];
    snprintf(port, sizeof port, "%u", s->cfg.server.port);
    dce_write_bind_ack(&s->to_client, DCE_PKT_BIND_ACK, call_id, 0, s->cfg.max_frag, s->cfg.max_frag,
                       SERVER_ASSOC_GROUP, port, &accepted, 1, NULL);
    session_send(s, TCP_SERVER, NULL, 0);
    cap_advance_us(&s->cap, 2300);

    /* IIsServiceControl joins the association as presentation context 1. */
    s->ctx_id = 1;
    item.ctx_id = s->ctx_id;
    item.abstract.uuid = IID_IIS_SERVICE_CONTROL;
    call_id = s->next_call_id++;
    dce_write_bind(&s->to_server, DCE_PKT_ALTER_CONTEXT, call_id, 0, s->cfg.max_frag, s->cfg.max_frag,
                   SERVER_ASSOC_GROUP, &item, 1, NULL);
    session_send(s, TCP_CLIENT, NULL, 0);
    cap_advance_us(&s->cap, 380);
    dce_write_bind_ack(&s->to_client, DCE_PKT_ALTER_CONTEXT_RESP, call_id, 0, s->cfg.max_frag, s->cfg.max_frag,
                       SERVER_ASSOC_GROUP, "", &accepted, 1, NULL);
    session_send(s, TCP_SERVER, NULL, 0);
    cap_advance_us(&s->cap, 600);
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
    c->port_bound_earlier = s->interface_inferred && s->port_bound_earlier;
    c->conn = s->conn;
    c->client = s->cfg.client;
    c->ipid = s->ipid;
    /* The latest activation that returned this IPID. */
    for (size_t i = 0; i < s->n_activations; i++)
        if (s->activations[i].returned_object && memcmp(&s->activations[i].ipid, &s->ipid, sizeof s->ipid) == 0)
            c->activation_frame = s->activations[i].frame_response;
    c->sealed = s->sealed;
    c->auth = s->auth;
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
    style.extents = s->orpcthis_extents;
    style.n_extents = s->n_orpcthis_extents;
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
    iiss_stub_style style = s->style;
    style.extents = s->orpcthat_extents;
    style.n_extents = s->n_orpcthat_extents;
    iiss_write_simple_response(&stub, &style, hresult);
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
    iiss_stub_style style = s->style;
    style.extents = s->orpcthat_extents;
    style.n_extents = s->n_orpcthat_extents;
    iiss_write_status_response(&stub, &style, conformance, buffer, buffer_len, required_size, num_services,
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

#define REM_RELEASE_OPNUM 5
#define REM_UNKNOWN_CTX_ID 1
#define PUBLIC_REFS_HELD 5u /* the activation's STDOBJREF gave 5 */

void session_rem_release(session *s)
{
    bytebuf stub;
    bb_init(&stub);
    stub.big_endian = s->cfg.big_endian;
    ndr_writer w;
    ndr_init(&w, &stub, false);
    ndr_orpcthis(&w, COM_VERSION_MAJOR, COM_VERSION_MINOR, 0, &s->causality, NULL, 0);
    ndr_u16(&w, 1); /* cInterfaceRefs */
    ndr_conformance(&w, 1);
    ndr_guid(&w, &s->ipid); /* REMINTERFACEREF */
    ndr_u32(&w, PUBLIC_REFS_HELD);
    ndr_u32(&w, 0); /* cPrivateRefs */
    dce_call call = {s->next_call_id++, REM_UNKNOWN_CTX_ID, REM_RELEASE_OPNUM, &IPID_REM_UNKNOWN};
    dce_write_request(&s->to_server, &call, stub.data, stub.len, s->client_auth);
    session_send(s, TCP_CLIENT, NULL, 0);
    cap_advance_us(&s->cap, 420);

    bb_clear(&stub);
    ndr_init(&w, &stub, false);
    ndr_orpcthat(&w, 0, NULL, 0);
    ndr_u32(&w, HR_S_OK);
    dce_write_response(&s->to_client, &call, stub.data, stub.len, s->server_auth);
    session_send(s, TCP_SERVER, NULL, 0);
    bb_free(&stub);
    cap_advance_us(&s->cap, CLIENT_THINK_US);
}

void session_close_tcp(session *s)
{
    cap_advance_us(&s->cap, 2500);
    tcp_close(&s->tcp, TCP_CLIENT);
}

/* The current connection's state into its slot. */
static void park_connection(session *s)
{
    past_connection *p = &s->past[s->conn];
    p->interface_inferred = s->interface_inferred;
    p->server = s->cfg.server;
    p->tcp = s->tcp;
    p->to_server = s->to_server;
    p->to_client = s->to_client;
    p->queued[0] = s->queued[0];
    p->queued[1] = s->queued[1];
    p->next_call_id = s->next_call_id;
    p->client = s->cfg.client;
    p->ipid = s->ipid;
}

void session_switch_connection(session *s, size_t conn)
{
    if (conn >= s->n_conns) {
        fprintf(stderr, "iiss-samplegen: no connection %zu\n", conn);
        abort();
    }
    if (conn == s->conn)
        return;
    park_connection(s);
    const past_connection *p = &s->past[conn];
    s->conn = conn;
    s->interface_inferred = p->interface_inferred;
    s->cfg.server = p->server;
    s->tcp = p->tcp;
    s->to_server = p->to_server;
    s->to_client = p->to_client;
    s->queued[0] = p->queued[0];
    s->queued[1] = p->queued[1];
    s->next_call_id = p->next_call_id;
    s->cfg.client = p->client;
    s->ipid = p->ipid;
}

void session_next_connection_to(session *s, const net_endpoint *client, const net_endpoint *server,
                                uint32_t client_isn, uint32_t server_isn)
{
    if (s->n_conns == SESSION_MAX_CONNECTIONS) {
        fprintf(stderr, "iiss-samplegen: too many connections in one capture\n");
        abort();
    }
    park_connection(s);
    s->conn = s->n_conns++;
    s->cfg.client = *client;
    s->cfg.server = *server;
    tcp_conn_init(&s->tcp, &s->cap, &s->cfg.link, &s->cfg.client, &s->cfg.server, client_isn, server_isn);
    dce_stream_init(&s->to_server, s->cfg.big_endian, s->cfg.max_frag);
    dce_stream_init(&s->to_client, s->cfg.big_endian, s->cfg.max_frag);
    s->queued[0] = s->queued[1] = 0;
    s->next_call_id = FIRST_CALL_ID;
}

void session_next_connection(session *s, const net_endpoint *client, uint32_t client_isn, uint32_t server_isn)
{
    net_endpoint server = s->cfg.server;
    session_next_connection_to(s, client, &server, client_isn, server_isn);
}

int session_finish(session *s)
{
    int rc = session_write_expected(s);
    if (cap_close(&s->cap) != 0)
        rc = -1;
    tcp_conn_free(&s->tcp);
    dce_stream_free(&s->to_server);
    dce_stream_free(&s->to_client);
    for (size_t i = 0; i < s->n_conns; i++) {
        if (i == s->conn)
            continue;
        tcp_conn_free(&s->past[i].tcp);
        dce_stream_free(&s->past[i].to_server);
        dce_stream_free(&s->past[i].to_client);
    }
    free(s->calls);
    return rc;
}
