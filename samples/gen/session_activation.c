/* The DCOM activation a client makes on the server's port 135 before it
 * calls the object: its own TCP connection, bind to ISystemActivator,
 * RemoteCreateInstance and its reply. Its PDUs are placed in their frames
 * for the expected file. */
#include <stdio.h>
#include <string.h>

#include "activation_writer.h"
#include "session.h"

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

static void activate(session *s, const char *server_name, uint32_t hresult)
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
    rep.rem_unknown_ipid = IPID_REM_UNKNOWN;
    rep.resolver_host = server_name;
    rep.resolver_address = address;
    rep.oxid_binding = binding;
    rep.hresult = hresult;
    bb_clear(&stub);
    if (hresult == 0)
        act_write_reply_stub(&stub, &rep);
    else
        act_write_refusal_stub(&stub, hresult);
    dce_write_response(&to_client, &call, stub.data, stub.len, NULL);
    send_whole_stream(&tcp, TCP_SERVER, &to_client, &queued[TCP_SERVER]);
    bb_free(&stub);
    cap_advance_us(&s->cap, 900);
    tcp_close(&tcp, TCP_CLIENT);
    cap_advance_us(&s->cap, 1500);

    place_pdus(s, &tcp, TCP_CLIENT, &to_server, &CLSID_IIS_SERVICE_CONTROL);
    place_pdus(s, &tcp, TCP_SERVER, &to_client, NULL);
    if (s->n_activations < SESSION_MAX_ACTIVATIONS) {
        /* The request and the reply are each the last PDU of their side. */
        activation_expect *a = &s->activations[s->n_activations++];
        memset(a, 0, sizeof *a);
        a->frame_request = tcp_completion_frame(&tcp, TCP_CLIENT, to_server.pdus[to_server.n_pdus - 1].stream_end);
        a->frame_response = tcp_completion_frame(&tcp, TCP_SERVER, to_client.pdus[to_client.n_pdus - 1].stream_end);
        a->client = client;
        a->server = server;
        a->call_id = call.call_id;
        a->server_name = server_name;
        a->hresult = hresult;
        a->returned_object = hresult == 0;
        a->ipid = rep.ipid;
        a->oxid = rep.oxid;
        a->oid = rep.oid;
        snprintf(a->oxid_binding, sizeof a->oxid_binding, "%s", binding);
        a->port = s->cfg.server.port;
    }
    dce_stream_free(&to_server);
    dce_stream_free(&to_client);
    tcp_conn_free(&tcp);
}


void session_activate(session *s, const char *server_name)
{
    activate(s, server_name, 0);
}

void session_activate_refused(session *s, const char *server_name, uint32_t hresult)
{
    activate(s, server_name, hresult);
}
