/* DCOM activations from DCE/RPC calls: selection by the bound interface,
 * stub decoding through the library, the IPIDs returned (handed on), and
 * release in request order when the caller says so. */
#define _POSIX_C_SOURCE 200809L /* inet_pton */
#include "activations.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "iiss/names.h"

/* Finished records wait here (sorted by seq) until the caller releases
 * them, so they can be interleaved with other stages' records. */
typedef struct held_activation {
    struct held_activation *next;
    iiss_activation_record rec;
} held_activation;

/* The server addresses one activation's IPIDs are handed on with. */
#define SERVER_ADDRESSES_KEPT 3

struct iiss_activations {
    iiss_activations_config cfg;
    iiss_activation_fn on_record;
    void *user;
    iiss_activations_stats stats;
    held_activation *held; /* sorted by seq */
    size_t held_count;
    held_activation *free_list;
    iiss_activation_ipid_fn on_ipid;
    void *ipid_user;
};

void iiss_activations_config_default(iiss_activations_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_held = IISS_ACTIVATIONS_DEFAULT_MAX_HELD;
}

iiss_activations *iiss_activations_new(const iiss_activations_config *cfg, iiss_activation_fn on_record,
                                       void *user)
{
    iiss_activations *acts = calloc(1, sizeof *acts);
    if (!acts)
        return NULL;
    iiss_activations_config_default(&acts->cfg);
    if (cfg && cfg->max_held)
        acts->cfg.max_held = cfg->max_held;
    acts->on_record = on_record;
    acts->user = user;
    return acts;
}

void iiss_activations_set_ipid_fn(iiss_activations *acts, iiss_activation_ipid_fn on_ipid, void *user)
{
    acts->on_ipid = on_ipid;
    acts->ipid_user = user;
}

static void release_head(iiss_activations *acts)
{
    held_activation *h = acts->held;
    acts->held = h->next;
    acts->held_count--;
    if (acts->on_record)
        acts->on_record(acts->user, &h->rec);
    h->next = acts->free_list;
    acts->free_list = h;
}

void iiss_activations_release(iiss_activations *acts, uint64_t before_seq)
{
    while (acts->held && acts->held->rec.seq < before_seq)
        release_head(acts);
}

void iiss_activations_end_input(iiss_activations *acts)
{
    while (acts->held)
        release_head(acts);
}

void iiss_activations_get_stats(const iiss_activations *acts, iiss_activations_stats *out)
{
    *out = acts->stats;
}

void iiss_activations_free(iiss_activations *acts)
{
    if (!acts)
        return;
    iiss_activations_end_input(acts);
    held_activation *h = acts->free_list;
    while (h) {
        held_activation *next = h->next;
        free(h);
        h = next;
    }
    free(acts);
}

static bool stub_readable(const iiss_dce_half *h)
{
    return h->stub && !h->sealed && (h->stub_complete || h->stub_is_prefix);
}

static void add_note(iiss_activation_record *rec, iiss_note_kind kind, uint64_t frame, const char *message)
{
    if (rec->note_count >= sizeof rec->notes / sizeof rec->notes[0])
        return;
    iiss_note_set(&rec->notes[rec->note_count++], kind, frame, "%s", message);
}

static void fill_transport(iiss_activation_record *rec, const iiss_dce_call *call, iiss_act_method method)
{
    rec->seq = call->seq;
    rec->stream_id = call->stream->id;
    bool reversed = call->request_dir == IISS_DIR_SERVER_TO_CLIENT;
    rec->client = reversed ? call->stream->server : call->stream->client;
    rec->server = reversed ? call->stream->client : call->stream->server;
    rec->call_id = call->call_id;
    rec->opnum = call->opnum;
    rec->method = method;
    rec->ndr = call->transfer_syntax == IISS_DCE_SYNTAX_NDR64 ? IISS_NDR64 : IISS_NDR20;
    rec->sealed = call->request.sealed || (call->response.present && call->response.sealed);
    rec->decrypted = !rec->sealed && (call->request.decrypted || (call->response.present && call->response.decrypted));
    iiss_dce_verified rv = call->request.verified;
    iiss_dce_verified sv = call->response.present ? call->response.verified : IISS_DCE_VERIFIED_TRUE;
    if (rv == IISS_DCE_VERIFIED_FALSE || sv == IISS_DCE_VERIFIED_FALSE)
        rec->verified = IISS_DCE_VERIFIED_FALSE;
    else if (rv == IISS_DCE_VERIFIED_TRUE && sv == IISS_DCE_VERIFIED_TRUE)
        rec->verified = IISS_DCE_VERIFIED_TRUE;
    else
        rec->verified = IISS_DCE_VERIFIED_UNKNOWN;
    rec->credential = call->credential;
    rec->request_meta = call->request.meta;
    rec->has_response = call->response.present;
    if (rec->has_response)
        rec->response_meta = call->response.meta;
    if (call->request.has_auth) {
        rec->has_auth = true;
        rec->auth_type = call->request.auth_type;
        rec->auth_level = call->request.auth_level;
    } else if (call->bind_has_auth) {
        rec->has_auth = true;
        rec->auth_type = call->bind_auth_type;
        rec->auth_level = call->bind_auth_level;
    }
    if (call->identity) {
        rec->has_identity = true;
        rec->identity = *call->identity;
    }
    rec->is_fault = call->is_fault;
    rec->fault_status = call->fault_status;
    rec->note_count = call->note_count < IISS_DCE_NOTES_MAX ? call->note_count : IISS_DCE_NOTES_MAX;
    memcpy(rec->notes, call->notes, rec->note_count * sizeof rec->notes[0]);
    /* The connection's note (credentials that fit none ...): an activation
     * is normally its connection's only call, so it is shown on each. */
    if (call->conn_note)
        add_note(rec, call->conn_note->kind, call->conn_note->frame, call->conn_note->message);
}


static void decode_stubs(iiss_activation_record *rec, const iiss_dce_call *call)
{
    const iiss_dce_half *req = &call->request;
    const iiss_dce_half *resp = &call->response;
    if (stub_readable(req)) {
        rec->request_decoded = true;
        iiss_act_decode_request(req->stub, req->stub_len, rec->method, rec->ndr, req->big_endian, &rec->request);
    } else if (req->stub && !req->sealed) {
        add_note(rec, IISS_NOTE_FRAGMENTS_INCOMPLETE, rec->request_meta.frame, "request stub has a hole: not decoded");
    }
    if (!resp->present || call->is_fault || resp->sealed)
        return;
    if (!stub_readable(resp)) {
        add_note(rec, IISS_NOTE_FRAGMENTS_INCOMPLETE, rec->response_meta.frame, "response stub has a hole: not decoded");
        return;
    }
    rec->response_decoded = true;
    iiss_act_decode_response(resp->stub, resp->stub_len, rec->method, rec->ndr, resp->big_endian, &rec->response);
}

/* The summary the timeline shows: the class and first interface asked for,
 * the interface returned (the one asked for when it is there), where the
 * object exporter listens, the result. */
static void summarize(iiss_activation_record *rec)
{
    if (rec->request_decoded) {
        const iiss_act_request *rq = &rec->request;
        if (rq->has_clsid) {
            rec->has_clsid = true;
            memcpy(rec->clsid, rq->clsid, 16);
        }
        if (rq->iids_kept > 0) {
            rec->has_iid = true;
            memcpy(rec->iid, rq->iids[0], 16);
        }
    }
    if (!rec->response_decoded)
        return;
    const iiss_act_response *rs = &rec->response;
    int idx = rec->has_iid ? iiss_act_response_find_interface(rs, rec->iid) : -1;
    if (idx < 0)
        idx = iiss_act_response_find_interface(rs, NULL);
    if (idx >= 0) {
        rec->has_ipid = true;
        memcpy(rec->ipid, rs->interfaces[idx].objref.ipid, 16);
        memcpy(rec->ipid_iid, rs->interfaces[idx].iid, 16);
    }
    if (rs->has_remote_reply)
        rec->has_port = iiss_act_bindings_tcp_port(&rs->oxid_bindings, &rec->port);
    /* RemoteActivation returns an RPC status and the activation's own
     * HRESULT (phr): the status when it failed, else phr. */
    if (rs->has_hresult && (rs->hresult != 0 || !rs->has_activation_hresult)) {
        rec->has_hresult = true;
        rec->hresult = rs->hresult;
    } else if (rs->has_activation_hresult) {
        rec->has_hresult = true;
        rec->hresult = rs->activation_hresult;
    }
}

static bool of_iis_class(const iiss_activation_record *rec, const iiss_act_interface *intf)
{
    if (rec->has_clsid)
        return memcmp(rec->clsid, iiss_clsid_bytes, 16) == 0;
    return memcmp(intf->iid, iiss_iid_bytes, 16) == 0 || memcmp(intf->objref.iid, iiss_iid_bytes, 16) == 0;
}

static bool same_address(const iiss_endpoint *a, const iiss_endpoint *b)
{
    return a->family == b->family && memcmp(a->addr, b->addr, a->family == 6 ? 16 : 4) == 0;
}

/* "10.0.0.20[49155]" or "fe80::1[49155]": the address before the endpoint,
 * when it is a numeric one (a host name cannot be compared). */
static bool binding_address(const iiss_act_string_binding *b, iiss_endpoint *out)
{
    char host[IISS_ACT_TEXT_MAX];
    g_strlcpy(host, b->network_address.utf8, sizeof host);
    char *bracket = strchr(host, '[');
    if (bracket)
        *bracket = '\0';
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, host, out->addr) == 1) {
        out->family = 4;
        return true;
    }
    if (inet_pton(AF_INET6, host, out->addr) == 1) {
        out->family = 6;
        return true;
    }
    return false;
}

typedef struct server_set {
    size_t count;
    iiss_endpoint addresses[SERVER_ADDRESSES_KEPT]; /* ports ignored */
} server_set;

static void add_address(server_set *set, const iiss_endpoint *ep)
{
    for (size_t i = 0; i < set->count; i++)
        if (same_address(&set->addresses[i], ep))
            return;
    if (set->count < SERVER_ADDRESSES_KEPT)
        set->addresses[set->count++] = *ep;
}

/* The activation's own server, then its OXID bindings' numeric addresses. */
static void server_addresses(const iiss_activation_record *rec, server_set *seen)
{
    add_address(seen, &rec->server);
    if (!rec->response.has_remote_reply)
        return;
    const iiss_act_bindings *b = &rec->response.oxid_bindings;
    uint32_t kept = b->string_count < IISS_ACT_STRING_BINDINGS_KEPT ? b->string_count : IISS_ACT_STRING_BINDINGS_KEPT;
    for (uint32_t i = 0; i < kept; i++) {
        iiss_endpoint ep;
        if (b->strings[i].tower_id == 0x07 && binding_address(&b->strings[i], &ep)) /* ncacn_ip_tcp */
            add_address(seen, &ep);
    }
}

/* Every interface the response returned an IPID for, handed on. */
static void hand_on_ipids(iiss_activations *acts, const iiss_activation_record *rec)
{
    if (!rec->response_decoded || !rec->has_response)
        return;
    const iiss_act_response *rs = &rec->response;
    server_set servers = {0};
    server_addresses(rec, &servers);
    for (uint32_t i = 0; i < rs->interfaces_kept && i < IISS_ACT_IIDS_KEPT; i++) {
        const iiss_act_interface *intf = &rs->interfaces[i];
        if (!intf->objref.present || !intf->objref.has_std)
            continue;
        acts->stats.ipids++;
        if (!acts->on_ipid)
            continue;
        bool iis_class = of_iis_class(rec, intf);
        for (size_t a = 0; a < servers.count; a++)
            acts->on_ipid(acts->ipid_user, intf->objref.ipid, &servers.addresses[a], rec->response_meta.frame,
                          iis_class);
    }
}

void iiss_activations_on_dce_call(void *user, const iiss_dce_call *call)
{
    iiss_activations *acts = user;
    acts->stats.dce_calls++;
    iiss_act_method method;
    if (!call->request.present || !call->context_known ||
        !iiss_act_method_of(call->abstract_uuid, call->opnum, &method))
        return;
    held_activation *h = acts->free_list;
    if (h)
        acts->free_list = h->next;
    else
        h = malloc(sizeof *h);
    if (!h) {
        acts->stats.records_dropped++;
        return;
    }
    /* Whole: the stubs a record did not decode stay zero. */
    memset(&h->rec, 0, sizeof h->rec);
    fill_transport(&h->rec, call, method);
    decode_stubs(&h->rec, call);
    summarize(&h->rec);
    hand_on_ipids(acts, &h->rec);
    acts->stats.activations++;
    if (h->rec.sealed)
        acts->stats.sealed++;
    held_activation **pp = &acts->held;
    while (*pp && (*pp)->rec.seq < h->rec.seq)
        pp = &(*pp)->next;
    h->next = *pp;
    *pp = h;
    acts->held_count++;
    while (acts->held_count > acts->cfg.max_held) {
        acts->stats.out_of_order++;
        release_head(acts);
    }
}
