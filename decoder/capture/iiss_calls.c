/* IIsServiceControl calls from DCE/RPC calls: interface selection (bound or
 * inferred), stub decoding through the library, and release in request
 * order. */
#include "iiss_calls.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "iiss/infer.h"
#include "iiss/names.h"

/* Finished records wait in `held` (sorted by seq) until every older call is
 * finished too, so the output follows the order of the requests even when
 * responses come back in another order across connections. */
typedef struct held_record {
    struct held_record *next;
    iiss_call_record rec;
} held_record;

struct iiss_calls {
    iiss_calls_config cfg;
    iiss_call_fn on_record;
    void *user;
    iiss_calls_stats stats;
    held_record *held;      /* sorted by seq */
    size_t held_count;
    held_record *free_list; /* recycled records */
    /* Streams whose connection note (dce_auth) a record already carries. */
    GHashTable *noted_streams;
    /* Evidence for the inference rule, for the current input: the IPIDs
     * IIS activations returned, each with a server address it is good for
     * (IPID_KEY_BYTES -> the activation frame), and the server endpoints
     * that carried a call bound to IIsServiceControl. */
    GHashTable *activation_ipids;
    GHashTable *bound_servers;
};

/* Past this many entries a set starts over: a note may then repeat, or a
 * piece of evidence be forgotten, but memory stays bounded however many
 * connections a capture holds. */
#define NOTED_STREAMS_MAX 65536u
#define EVIDENCE_ENTRIES_MAX 65536u

/* Keys of the evidence sets: an endpoint laid out as family, address and
 * port with no padding left undefined; an IPID (16 bytes) followed by a
 * server address so laid out, its port 0. */
#define ENDPOINT_KEY_BYTES 19u
#define IPID_KEY_BYTES (16u + ENDPOINT_KEY_BYTES)

static guint key_hash(const uint8_t *key, size_t n)
{
    guint h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ key[i]) * 16777619u;
    return h;
}
static guint ipid_hash(gconstpointer key) { return key_hash(key, IPID_KEY_BYTES); }
static gboolean ipid_equal(gconstpointer a, gconstpointer b) { return memcmp(a, b, IPID_KEY_BYTES) == 0; }
static guint endpoint_key_hash(gconstpointer key) { return key_hash(key, ENDPOINT_KEY_BYTES); }
static gboolean endpoint_key_equal(gconstpointer a, gconstpointer b) { return memcmp(a, b, ENDPOINT_KEY_BYTES) == 0; }

static void endpoint_key(const iiss_endpoint *ep, uint8_t key[ENDPOINT_KEY_BYTES])
{
    memset(key, 0, ENDPOINT_KEY_BYTES);
    key[0] = ep->family;
    memcpy(key + 1, ep->addr, ep->family == 4 ? 4 : 16); /* bytes past an IPv4 address are not the address */
    key[17] = (uint8_t)(ep->port >> 8);
    key[18] = (uint8_t)ep->port;
}

static void ipid_key(const uint8_t ipid[16], const iiss_endpoint *server, uint8_t key[IPID_KEY_BYTES])
{
    iiss_endpoint address = *server;
    address.port = 0;
    memcpy(key, ipid, 16);
    endpoint_key(&address, key + 16);
}

void iiss_calls_config_default(iiss_calls_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_reorder = IISS_CALLS_DEFAULT_MAX_REORDER;
}

iiss_calls *iiss_calls_new(const iiss_calls_config *cfg, iiss_call_fn on_record, void *user)
{
    iiss_calls *calls = calloc(1, sizeof *calls);
    if (!calls)
        return NULL;
    if (cfg)
        calls->cfg = *cfg;
    if (calls->cfg.max_reorder == 0)
        calls->cfg.max_reorder = IISS_CALLS_DEFAULT_MAX_REORDER;
    calls->on_record = on_record;
    calls->user = user;
    calls->noted_streams = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    calls->activation_ipids = g_hash_table_new_full(ipid_hash, ipid_equal, g_free, g_free);
    calls->bound_servers = g_hash_table_new_full(endpoint_key_hash, endpoint_key_equal, g_free, NULL);
    return calls;
}

void iiss_calls_get_stats(const iiss_calls *calls, iiss_calls_stats *out)
{
    *out = calls->stats;
}

static void release_head(iiss_calls *calls)
{
    held_record *h = calls->held;
    calls->held = h->next;
    calls->held_count--;
    if (calls->on_record)
        calls->on_record(calls->user, &h->rec);
    if (h->rec.has_blob)
        iiss_status_blob_free(&h->rec.blob);
    h->next = calls->free_list;
    calls->free_list = h;
}

static void release_ready(iiss_calls *calls, uint64_t oldest_pending_seq)
{
    while (calls->held && calls->held->rec.seq < oldest_pending_seq)
        release_head(calls);
    while (calls->held_count > calls->cfg.max_reorder) {
        calls->stats.out_of_order++;
        release_head(calls);
    }
}

void iiss_calls_flush(iiss_calls *calls)
{
    while (calls->held)
        release_head(calls);
    g_hash_table_remove_all(calls->activation_ipids);
    g_hash_table_remove_all(calls->bound_servers);
}

bool iiss_calls_add_activation_ipid(iiss_calls *calls, const uint8_t ipid[16], const iiss_endpoint *server,
                                    uint64_t activation_frame)
{
    if (g_hash_table_size(calls->activation_ipids) >= EVIDENCE_ENTRIES_MAX)
        g_hash_table_remove_all(calls->activation_ipids);
    uint8_t *key = g_try_malloc(IPID_KEY_BYTES);
    uint64_t *frame = g_try_new(uint64_t, 1);
    if (!key || !frame) {
        g_free(key);
        g_free(frame);
        return false;
    }
    ipid_key(ipid, server, key);
    *frame = activation_frame;
    g_hash_table_insert(calls->activation_ipids, key, frame); /* a later activation of the same IPID wins */
    return true;
}

static void note_bound_server(iiss_calls *calls, const iiss_endpoint *server)
{
    uint8_t probe[ENDPOINT_KEY_BYTES];
    endpoint_key(server, probe);
    if (g_hash_table_contains(calls->bound_servers, probe))
        return;
    if (g_hash_table_size(calls->bound_servers) >= EVIDENCE_ENTRIES_MAX)
        g_hash_table_remove_all(calls->bound_servers);
    uint8_t *key = g_try_malloc(ENDPOINT_KEY_BYTES);
    if (!key)
        return; /* only evidence is lost */
    memcpy(key, probe, ENDPOINT_KEY_BYTES);
    g_hash_table_add(calls->bound_servers, key);
}

static bool server_bound_earlier(const iiss_calls *calls, const iiss_endpoint *server)
{
    uint8_t key[ENDPOINT_KEY_BYTES];
    endpoint_key(server, key);
    return g_hash_table_contains(calls->bound_servers, key);
}

/* The activation that returned the call's object UUID for the call's
 * server, when its response came before the request. */
static const uint64_t *activation_frame_of(const iiss_calls *calls, const iiss_dce_call *call)
{
    if (!call->has_object)
        return NULL;
    const iiss_endpoint *server =
        call->request_dir == IISS_DIR_SERVER_TO_CLIENT ? &call->stream->client : &call->stream->server;
    uint8_t key[IPID_KEY_BYTES];
    ipid_key(call->object, server, key);
    const uint64_t *frame = g_hash_table_lookup(calls->activation_ipids, key);
    return frame && *frame < call->request.meta.frame ? frame : NULL;
}

void iiss_calls_free(iiss_calls *calls)
{
    if (!calls)
        return;
    iiss_calls_flush(calls);
    held_record *h = calls->free_list;
    while (h) {
        held_record *next = h->next;
        free(h);
        h = next;
    }
    g_hash_table_destroy(calls->noted_streams);
    g_hash_table_destroy(calls->activation_ipids);
    g_hash_table_destroy(calls->bound_servers);
    free(calls);
}

static bool is_iiss_context(const iiss_dce_call *call)
{
    return call->context_known && memcmp(call->abstract_uuid, iiss_iid_bytes, 16) == 0 &&
           call->abstract_version_major == 0 && call->abstract_version_minor == 0;
}

static bool stub_readable(const iiss_dce_half *h)
{
    return h->stub && !h->sealed && (h->stub_complete || h->stub_is_prefix);
}

static iiss_infer_stub infer_stub(const iiss_dce_half *h)
{
    iiss_infer_stub st = {NULL, 0, h->big_endian, false};
    if (stub_readable(h)) {
        st.stub = h->stub;
        st.len = h->stub_len;
        st.cut_short = !h->stub_complete;
    }
    return st;
}

static void endpoints_of(const iiss_dce_call *call, iiss_endpoint *client, iiss_endpoint *server)
{
    bool reversed = call->request_dir == IISS_DIR_SERVER_TO_CLIENT;
    *client = reversed ? call->stream->server : call->stream->client;
    *server = reversed ? call->stream->client : call->stream->server;
}

/* Decides whether the call is this interface's; sets ndr, and for an
 * unbound call the inference rule's evidence. */
static bool select_call(iiss_calls *calls, const iiss_dce_call *call, iiss_ndr *ndr, unsigned *inference)
{
    if (!call->request.present)
        return false;
    *inference = 0;
    if (call->context_known) {
        if (!is_iiss_context(call))
            return false;
        *ndr = call->transfer_syntax == IISS_DCE_SYNTAX_NDR64 ? IISS_NDR64 : IISS_NDR20;
        return true;
    }
    if (calls->cfg.no_infer || call->opnum < IISS_OPNUM_STOP || call->opnum > IISS_OPNUM_KILL)
        return false;
    iiss_endpoint client, server;
    endpoints_of(call, &client, &server);
    iiss_infer_input in;
    memset(&in, 0, sizeof in);
    in.opnum = call->opnum;
    in.request = infer_stub(&call->request);
    in.has_response = call->response.present;
    in.response_is_fault = call->is_fault;
    if (call->response.present && !call->is_fault)
        in.response = infer_stub(&call->response);
    in.ndr_hint = IISS_NDR20;
    in.port_bound_earlier = server_bound_earlier(calls, &server);
    in.activation_ipid = activation_frame_of(calls, call) != NULL;
    iiss_infer_verdict verdict;
    if (!iiss_infer_call(&in, &verdict)) {
        calls->stats.inference_rejected++;
        return false;
    }
    *ndr = verdict.ndr;
    *inference = verdict.evidence;
    return true;
}

static void add_note(iiss_call_record *rec, iiss_note_kind kind, uint64_t frame, const char *message)
{
    if (rec->note_count >= sizeof rec->notes / sizeof rec->notes[0])
        return;
    iiss_note_set(&rec->notes[rec->note_count++], kind, frame, "%s", message);
}

/* Stubs are decoded when whole, or when cut short at their end (the
 * library then reports stub_truncated); a stub with a hole is not. */
static void decode_stubs(iiss_calls *calls, iiss_call_record *rec, const iiss_dce_call *call)
{
    const iiss_dce_half *req = &call->request;
    const iiss_dce_half *resp = &call->response;
    if (stub_readable(req)) {
        rec->request_decoded = true;
        iiss_decode_request(req->stub, req->stub_len, rec->opnum, rec->ndr, req->big_endian, &rec->request);
    } else if (req->stub && !req->sealed) {
        add_note(rec, IISS_NOTE_FRAGMENTS_INCOMPLETE, rec->request_meta.frame,
                 "request stub has a hole: not decoded");
    }

    if (!resp->present || call->is_fault || resp->sealed)
        return;
    if (!stub_readable(resp)) {
        add_note(rec, IISS_NOTE_FRAGMENTS_INCOMPLETE, rec->response_meta.frame,
                 "response stub has a hole: not decoded");
        return;
    }
    const uint32_t *buffer_size = rec->request_decoded && rec->request.buffer_size.present
                                      ? &rec->request.buffer_size.value
                                      : NULL;
    rec->response_decoded = true;
    iiss_decode_response(resp->stub, resp->stub_len, rec->opnum, rec->ndr, resp->big_endian, buffer_size,
                         &rec->response);
    /* A cut-short stub leaves the buffer's length unknown: the strings and
     * counts in what remains would only mislead. */
    if (rec->response.has_buffer && rec->response.complete) {
        rec->has_blob = iiss_response_decode_blob(resp->stub, resp->stub_len, &rec->response, &rec->blob);
        if (!rec->has_blob) {
            /* the buffer lies inside the stub here: only memory was lacking */
            iiss_status_blob_free(&rec->blob);
            calls->stats.blobs_dropped++;
        }
    }
}

/* The connection's authentication note, on its first IIS call only. */
static void add_conn_note(iiss_calls *calls, iiss_call_record *rec, const iiss_dce_call *call)
{
    if (!call->conn_note)
        return;
    gint64 id = (gint64)call->stream->id;
    if (g_hash_table_contains(calls->noted_streams, &id))
        return;
    if (g_hash_table_size(calls->noted_streams) >= NOTED_STREAMS_MAX)
        g_hash_table_remove_all(calls->noted_streams);
    gint64 *key = g_new(gint64, 1);
    *key = id;
    g_hash_table_add(calls->noted_streams, key);
    add_note(rec, call->conn_note->kind, call->conn_note->frame, call->conn_note->message);
}

static void fill_record(iiss_calls *calls, iiss_call_record *rec, const iiss_dce_call *call, iiss_ndr ndr,
                        unsigned inference)
{
    rec->seq = call->seq;
    rec->stream_id = call->stream->id;
    endpoints_of(call, &rec->client, &rec->server);
    rec->call_id = call->call_id;
    rec->opnum = call->opnum;
    rec->method = iiss_lookup(iiss_method_names, call->opnum);
    rec->inferred = inference != 0;
    rec->inference = inference;
    rec->ndr = ndr;
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
    rec->has_ipid = call->has_object;
    memcpy(rec->ipid, call->object, 16);
    const uint64_t *activation_frame = activation_frame_of(calls, call);
    if (activation_frame) {
        rec->has_activation_frame = true;
        rec->activation_frame = *activation_frame;
    }
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
}

void iiss_calls_on_dce_call(void *user, const iiss_dce_call *call)
{
    iiss_calls *calls = user;
    calls->stats.dce_calls++;
    iiss_ndr ndr = IISS_NDR20;
    unsigned inference = 0;
    if (select_call(calls, call, &ndr, &inference)) {
        if (inference == 0) {
            iiss_endpoint client, server;
            endpoints_of(call, &client, &server);
            note_bound_server(calls, &server);
        }
        held_record *h = calls->free_list;
        if (h)
            calls->free_list = h->next;
        else
            h = malloc(sizeof *h);
        if (h) {
            memset(&h->rec, 0, offsetof(iiss_call_record, request));
            fill_record(calls, &h->rec, call, ndr, inference);
            add_conn_note(calls, &h->rec, call);
            decode_stubs(calls, &h->rec, call);
            if (inference) {
                calls->stats.inferred++;
            } else {
                calls->stats.bound++;
            }
            if (h->rec.sealed)
                calls->stats.sealed++;
            /* Insert by seq; the list holds at most max_reorder records. */
            held_record **pp = &calls->held;
            while (*pp && (*pp)->rec.seq < h->rec.seq)
                pp = &(*pp)->next;
            h->next = *pp;
            *pp = h;
            calls->held_count++;
        } else {
            calls->stats.records_dropped++;
        }
    }
    release_ready(calls, call->oldest_pending_seq);
}

void iiss_call_record_result(const iiss_call_record *rec, iiss_call_result *out)
{
    memset(out, 0, sizeof *out);
    out->has_response = rec->has_response;
    out->is_fault = rec->has_response && rec->is_fault;
    out->fault_status = out->is_fault ? rec->fault_status : 0;
    out->sealed = rec->sealed;
    out->has_hresult = rec->has_response && !rec->is_fault && !rec->sealed && rec->response_decoded &&
                       rec->response.hresult.present;
    out->hresult = out->has_hresult ? rec->response.hresult.value : 0;
}

iiss_call_outcome iiss_call_result_outcome(const iiss_call_result *r)
{
    if (r->is_fault)
        return IISS_OUTCOME_FAILURE;
    if (!r->has_hresult)
        return IISS_OUTCOME_UNKNOWN;
    return (r->hresult & 0x80000000u) ? IISS_OUTCOME_FAILURE : IISS_OUTCOME_SUCCESS;
}

const char *iiss_call_outcome_name(iiss_call_outcome outcome)
{
    switch (outcome) {
    case IISS_OUTCOME_SUCCESS:
        return "success";
    case IISS_OUTCOME_FAILURE:
        return "failure";
    case IISS_OUTCOME_UNKNOWN:
        break;
    }
    return "unknown";
}
