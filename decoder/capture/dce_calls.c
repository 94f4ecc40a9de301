/* The call stage of DCE/RPC; see dce_calls.h. */
#include "dce_calls.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iiss/names.h"

/* A stub buffer grown past this is released when its slot is recycled, so
 * one huge call does not pin memory for the rest of the run. */
#define KEEP_STUB_BYTES (256u * 1024u)

typedef enum slot_state {
    SLOT_REQUEST_FRAGMENTS, /* first request fragment seen, not the last */
    SLOT_AWAIT_RESPONSE,
    SLOT_RESPONSE_FRAGMENTS,
} slot_state;

/* One outstanding call. Recycled through the free list with its buffers. */
struct iiss_dce_slot {
    iiss_dce_slot *conn_next;
    iiss_dce_slot *order_prev, *order_next;
    iiss_dce_calls_conn *conn;
    uint64_t seq;
    slot_state state;
    iiss_direction request_dir;
    uint32_t call_id;
    uint16_t ctx_id;
    uint16_t opnum;
    bool has_object;
    uint8_t object[16];
    iiss_dce_half req, resp;
    iiss_dce_buf req_stub, resp_stub;
    bool is_fault;
    uint32_t fault_status;
    size_t note_count;
    iiss_note notes[IISS_DCE_NOTES_MAX];
};

/* What a call slot costs the budget: the slot and malloc's overhead. */
#define SLOT_CHARGE (sizeof(iiss_dce_slot) + 16u)

struct iiss_dce_calls {
    iiss_dce_calls_config cfg;
    const iiss_dce_budget *budget;
    iiss_dce_stats *stats;
    iiss_dce_call_fn on_call;
    void *user;
    iiss_dce_slot *free_slots;
    iiss_dce_slot *order_head, *order_tail; /* outstanding calls, by seq */
    size_t pending_total;
    uint64_t next_seq;
};

static void slot_free(iiss_dce_calls *calls, iiss_dce_slot *s, iiss_memory_owner *owner)
{
    iiss_dce_buf_free(calls->budget, owner, IISS_MEMORY_STUBS, &s->req_stub);
    iiss_dce_buf_free(calls->budget, owner, IISS_MEMORY_STUBS, &s->resp_stub);
    iiss_memory_release(calls->budget->memory, NULL, IISS_MEMORY_CALL_SLOTS, SLOT_CHARGE);
    free(s);
}

/* Recycled slots keep their stub buffers (charged to no connection): the
 * budget asks for those, and the slots, before anything in use. */
static bool release_idle_slots(void *user, const iiss_memory_owner *keep)
{
    (void)keep;
    iiss_dce_calls *calls = user;
    if (!calls->free_slots)
        return false;
    while (calls->free_slots) {
        iiss_dce_slot *next = calls->free_slots->conn_next;
        slot_free(calls, calls->free_slots, NULL);
        calls->free_slots = next;
    }
    return true;
}

iiss_dce_calls *iiss_dce_calls_new(const iiss_dce_calls_config *cfg, const iiss_dce_budget *budget,
                                   iiss_dce_stats *stats, iiss_dce_call_fn on_call, void *user)
{
    iiss_dce_calls *calls = calloc(1, sizeof *calls);
    if (!calls)
        return NULL;
    calls->cfg = *cfg;
    if (calls->cfg.max_pending_per_conn == 0)
        calls->cfg.max_pending_per_conn = 1;
    if (calls->cfg.max_pending_total == 0)
        calls->cfg.max_pending_total = 1;
    calls->budget = budget;
    calls->stats = stats;
    calls->on_call = on_call;
    calls->user = user;
    iiss_memory_add_reclaimer(budget->memory, release_idle_slots, calls);
    return calls;
}

void iiss_dce_calls_free(iiss_dce_calls *calls)
{
    if (!calls)
        return;
    release_idle_slots(calls, NULL);
    /* Outstanding slots belong to connections that should have been
     * closed; free them without emitting. */
    iiss_dce_slot *s = calls->order_head;
    while (s) {
        iiss_dce_slot *next = s->order_next;
        slot_free(calls, s, NULL);
        s = next;
    }
    iiss_memory_remove_reclaimer(calls->budget->memory, calls);
    free(calls);
}

void iiss_dce_calls_conn_init(iiss_dce_calls_conn *conn, const iiss_tcp_stream *stream,
                              const iiss_dce_auth_conn *auth)
{
    memset(conn, 0, sizeof *conn);
    conn->stream = stream;
    conn->auth = auth;
    conn->owner = stream ? stream->memory : NULL;
}

static void note_add(iiss_dce_slot *slot, iiss_note_kind kind, uint64_t frame, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void note_add(iiss_dce_slot *slot, iiss_note_kind kind, uint64_t frame, const char *fmt, ...)
{
    for (size_t i = 0; i < slot->note_count; i++)
        if (slot->notes[i].kind == kind)
            return; /* once per kind is enough to warn the reader */
    if (slot->note_count >= IISS_DCE_NOTES_MAX)
        return;
    iiss_note *n = &slot->notes[slot->note_count++];
    va_list ap;
    va_start(ap, fmt);
    iiss_note_vset(n, kind, frame, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Contexts                                                            */

void iiss_dce_calls_on_bind(iiss_dce_calls_conn *conn, const iiss_dce_context *proposed, size_t n)
{
    if (n > IISS_DCE_MAX_PROPOSED)
        n = IISS_DCE_MAX_PROPOSED;
    memcpy(conn->proposed, proposed, n * sizeof *proposed);
    conn->n_proposed = n;
}

static void context_store(iiss_dce_calls_conn *conn, const iiss_dce_context *c)
{
    for (size_t i = 0; i < conn->n_contexts; i++) {
        if (conn->contexts[i].ctx_id == c->ctx_id) {
            conn->contexts[i] = *c;
            return;
        }
    }
    if (conn->n_contexts < IISS_DCE_MAX_CONTEXTS)
        conn->contexts[conn->n_contexts++] = *c;
}

/* Results answer the proposal in order; only acceptance (0) binds a
 * context (negotiation entries answer 3). */
void iiss_dce_calls_on_bind_ack(iiss_dce_calls_conn *conn, const iiss_dce_ack_result *results, size_t n)
{
    for (size_t i = 0; i < n && i < conn->n_proposed; i++) {
        if (results[i].result != 0)
            continue;
        iiss_dce_context c = conn->proposed[i];
        c.syntax = results[i].syntax;
        context_store(conn, &c);
    }
    conn->n_proposed = 0;
}

void iiss_dce_calls_on_bind_nak(iiss_dce_calls_conn *conn)
{
    conn->n_proposed = 0;
}

static const iiss_dce_context *context_find(const iiss_dce_calls_conn *conn, uint16_t ctx_id)
{
    for (size_t i = 0; i < conn->n_contexts; i++)
        if (conn->contexts[i].ctx_id == ctx_id)
            return &conn->contexts[i];
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Slots                                                               */

static iiss_dce_slot *slot_find(iiss_dce_calls_conn *conn, uint32_t call_id)
{
    for (iiss_dce_slot *s = conn->slots; s; s = s->conn_next)
        if (s->call_id == call_id)
            return s;
    return NULL;
}

static void slot_unlink(iiss_dce_calls *calls, iiss_dce_slot *slot)
{
    iiss_dce_calls_conn *conn = slot->conn;
    for (iiss_dce_slot **pp = &conn->slots; *pp; pp = &(*pp)->conn_next) {
        if (*pp == slot) {
            *pp = slot->conn_next;
            break;
        }
    }
    conn->n_slots--;
    if (slot->order_prev)
        slot->order_prev->order_next = slot->order_next;
    else
        calls->order_head = slot->order_next;
    if (slot->order_next)
        slot->order_next->order_prev = slot->order_prev;
    else
        calls->order_tail = slot->order_prev;
    calls->pending_total--;
}

/* Emits the call and recycles its slot. A response carried whole by one PDU
 * is passed in place (resp_in_place/len) rather than copied. */
static void slot_finish(iiss_dce_calls *calls, iiss_dce_slot *slot, const uint8_t *resp_in_place,
                        size_t resp_in_place_len)
{
    iiss_dce_calls_conn *conn = slot->conn;
    slot_unlink(calls, slot);

    iiss_dce_call call;
    memset(&call, 0, sizeof call);
    call.seq = slot->seq;
    call.oldest_pending_seq = calls->order_head ? calls->order_head->seq : calls->next_seq;
    call.stream = conn->stream;
    call.request_dir = slot->request_dir;
    call.call_id = slot->call_id;
    call.ctx_id = slot->ctx_id;
    call.opnum = slot->opnum;
    call.has_object = slot->has_object;
    memcpy(call.object, slot->object, 16);
    const iiss_dce_context *ctx = context_find(conn, slot->ctx_id);
    if (ctx) {
        call.context_known = true;
        memcpy(call.abstract_uuid, ctx->abstract, 16);
        call.abstract_version_major = ctx->version_major;
        call.abstract_version_minor = ctx->version_minor;
        call.transfer_syntax = ctx->syntax;
    }
    /* A readable stub is never NULL, even when empty. */
    static const uint8_t empty_stub[1];
    call.request = slot->req;
    if (call.request.present && !call.request.sealed) {
        call.request.stub = slot->req_stub.data ? slot->req_stub.data : empty_stub;
        call.request.stub_len = slot->req_stub.len;
    }
    call.response = slot->resp;
    if (call.response.present && !call.response.sealed && !slot->is_fault) {
        if (resp_in_place) {
            call.response.stub = resp_in_place;
            call.response.stub_len = resp_in_place_len;
        } else {
            call.response.stub = slot->resp_stub.data ? slot->resp_stub.data : empty_stub;
            call.response.stub_len = slot->resp_stub.len;
        }
    }
    call.is_fault = slot->is_fault;
    call.fault_status = slot->fault_status;
    call.identity = conn->auth->identity;
    call.credential = conn->auth->credential;
    call.conn_note = conn->auth->has_conn_note ? &conn->auth->conn_note : NULL;
    call.bind_has_auth = conn->auth->bind_has_auth;
    call.bind_auth_type = conn->auth->bind_auth_type;
    call.bind_auth_level = conn->auth->bind_auth_level;
    call.note_count = slot->note_count;
    memcpy(call.notes, slot->notes, sizeof call.notes);

    calls->stats->calls++;
    if (calls->on_call)
        calls->on_call(calls->user, &call);

    iiss_memory_owner *owner = conn->owner;
    iiss_dce_buf_recycle(calls->budget, owner, IISS_MEMORY_STUBS, &slot->req_stub, KEEP_STUB_BYTES);
    iiss_dce_buf_recycle(calls->budget, owner, IISS_MEMORY_STUBS, &slot->resp_stub, KEEP_STUB_BYTES);
    iiss_memory_transfer(calls->budget->memory, owner, NULL, IISS_MEMORY_STUBS,
                         slot->req_stub.cap + slot->resp_stub.cap);
    slot->conn_next = calls->free_slots;
    calls->free_slots = slot;
}

static void slot_abandon(iiss_dce_calls *calls, iiss_dce_slot *slot, uint64_t frame, const char *why)
{
    note_add(slot, IISS_NOTE_RESPONSE_NOT_AWAITED, frame, "no longer waiting for the response: %s", why);
    calls->stats->calls_abandoned++;
    slot_finish(calls, slot, NULL, 0);
}

static iiss_dce_slot *oldest_slot(const iiss_dce_calls_conn *conn)
{
    iiss_dce_slot *oldest = conn->slots;
    for (iiss_dce_slot *s = conn->slots; s; s = s->conn_next)
        if (s->seq < oldest->seq)
            oldest = s;
    return oldest;
}

/* Makes room under the caps and retires calls whose response is overdue. */
static void enforce_pending_limits(iiss_dce_calls *calls, iiss_dce_calls_conn *conn, const iiss_packet_meta *meta)
{
    /* written as a sum against INT64_MAX: timestamps from the file are hostile too */
    while (calls->order_head && calls->cfg.pending_timeout_sec > 0 &&
           calls->order_head->req.meta.ts_sec < INT64_MAX - calls->cfg.pending_timeout_sec &&
           meta->ts_sec > calls->order_head->req.meta.ts_sec + calls->cfg.pending_timeout_sec)
        slot_abandon(calls, calls->order_head, meta->frame, "timeout");
    while (conn->n_slots >= calls->cfg.max_pending_per_conn) {
        calls->stats->abandoned_per_conn_cap++;
        slot_abandon(calls, oldest_slot(conn), meta->frame, "too many outstanding calls on the connection");
    }
    while (calls->pending_total >= calls->cfg.max_pending_total && calls->order_head) {
        calls->stats->abandoned_total_cap++;
        slot_abandon(calls, calls->order_head, meta->frame, "too many outstanding calls");
    }
}

static iiss_dce_slot *slot_new(iiss_dce_calls *calls, iiss_dce_calls_conn *conn, const iiss_packet_meta *meta)
{
    enforce_pending_limits(calls, conn, meta);
    iiss_dce_slot *slot = calls->free_slots;
    if (slot) {
        calls->free_slots = slot->conn_next;
        iiss_memory_transfer(calls->budget->memory, NULL, conn->owner, IISS_MEMORY_STUBS,
                             slot->req_stub.cap + slot->resp_stub.cap);
    } else {
        /* A call's state is charged even past the limit (the budget makes
         * what room it can first), and to no connection: the pending-call
         * caps bound it, and refusing it would lose the call without a
         * word. */
        iiss_memory_charge_anyway(calls->budget->memory, NULL, IISS_MEMORY_CALL_SLOTS, SLOT_CHARGE);
        slot = calloc(1, sizeof *slot);
        if (!slot) {
            iiss_memory_release(calls->budget->memory, NULL, IISS_MEMORY_CALL_SLOTS, SLOT_CHARGE);
            calls->stats->alloc_failures++;
            return NULL;
        }
    }
    iiss_dce_buf req_stub = slot->req_stub, resp_stub = slot->resp_stub;
    memset(slot, 0, sizeof *slot);
    slot->req_stub = req_stub;
    slot->resp_stub = resp_stub;
    slot->conn = conn;
    slot->seq = calls->next_seq++;
    slot->conn_next = conn->slots;
    conn->slots = slot;
    conn->n_slots++;
    slot->order_prev = calls->order_tail;
    if (calls->order_tail)
        calls->order_tail->order_next = slot;
    else
        calls->order_head = slot;
    calls->order_tail = slot;
    calls->pending_total++;
    if (conn->gap_note_pending) {
        slot->notes[0] = conn->gap_note;
        slot->note_count = 1;
        conn->gap_note_pending = false;
    }
    return slot;
}

/* ------------------------------------------------------------------ */
/* Fragments                                                           */

/* What the authentication stage had to say about a PDU of the call. */
static void take_auth_notes(iiss_dce_slot *slot, const iiss_dce_auth_stub *stub, const iiss_packet_meta *meta)
{
    for (size_t i = 0; i < stub->note_count; i++) {
        const iiss_note *n = &stub->notes[i];
        uint64_t frame = n->frame ? n->frame : meta->frame;
        note_add(slot, n->kind, frame, "%s", n->message);
    }
}

static void half_start(iiss_dce_half *h, const iiss_dce_pdu *v, const iiss_dce_auth_stub *stub)
{
    h->present = true;
    h->big_endian = v->big_endian;
    h->has_auth = v->has_auth;
    h->auth_type = v->auth_type;
    h->auth_level = v->auth_level;
    h->sealed = stub->sealed && !stub->decrypted;
    h->decrypted = stub->decrypted;
    h->verified = stub->verified;
    h->stub_complete = true;
    h->stub_is_prefix = true;
    h->fragments = 0;
}

/* Appends one fragment's stub to a call side, within the cap. Once the
 * stub stops short (cap, or a fragment cut by the capture) nothing more is
 * appended, so what is kept stays the stub's true beginning. */
static void half_append(iiss_dce_calls *calls, iiss_dce_slot *slot, iiss_dce_half *h, iiss_dce_buf *buf,
                        const iiss_dce_pdu *v, const iiss_dce_auth_stub *stub, const iiss_packet_meta *meta)
{
    h->fragments++;
    if (stub->sealed && !stub->decrypted)
        h->sealed = true; /* sealed fragments are recognised per PDU */
    if (h->decrypted && !stub->decrypted)
        h->decrypted = false;
    if (stub->verified == IISS_DCE_VERIFIED_FALSE ||
        (h->verified == IISS_DCE_VERIFIED_TRUE && stub->verified != IISS_DCE_VERIFIED_TRUE))
        h->verified = stub->verified;
    if (v->memory_cut)
        note_add(slot, IISS_NOTE_LIMIT_REACHED, meta->frame,
                 "%s could not be buffered within the memory limit: %zu of %zu bytes kept",
                 iiss_dce_ptype_name(v->ptype), v->len, v->frag_length);
    else if (v->truncated)
        note_add(slot, IISS_NOTE_PDU_TRUNCATED, meta->frame, "%s cut by the capture: %zu of %zu bytes present",
                 iiss_dce_ptype_name(v->ptype), v->len, v->frag_length);
    if (h->sealed || !h->stub_complete)
        return;
    iiss_memory_owner *owner = slot->conn->owner;
    if (!iiss_dce_buf_append(calls->budget, owner, IISS_MEMORY_STUBS, buf, stub->stub, stub->stub_len,
                             calls->cfg.max_call_stub)) {
        h->stub_complete = false;
        if (buf->len + stub->stub_len > calls->cfg.max_call_stub) {
            calls->stats->stubs_capped++;
            note_add(slot, IISS_NOTE_STUB_TOO_LARGE, meta->frame,
                     "reassembled stub would exceed %zu bytes; the rest was dropped", calls->cfg.max_call_stub);
        } else {
            calls->stats->stubs_cut_by_memory++;
            /* Room overall but none for this connection: its own limit. */
            bool own = iiss_memory_fits(calls->budget->memory, NULL, stub->stub_len);
            note_add(slot, IISS_NOTE_LIMIT_REACHED, meta->frame, "the %s was reached; the rest of the stub was dropped",
                     own ? "memory limit of the connection" : "memory limit");
        }
    }
    if (v->truncated)
        h->stub_complete = false;
}

void iiss_dce_calls_on_request(iiss_dce_calls *calls, iiss_dce_calls_conn *conn, iiss_direction dir,
                               const iiss_dce_pdu *v, const iiss_dce_request_header *hdr, bool bounds_ok,
                               const iiss_dce_auth_stub *stub, const iiss_packet_meta *meta)
{
    iiss_dce_slot *slot = slot_find(conn, v->call_id);
    bool first = (v->flags & IISS_DCE_PFC_FIRST_FRAG) != 0;
    if (first) {
        if (slot) /* call_id reused: the earlier call got no response */
            slot_finish(calls, slot, NULL, 0);
        slot = slot_new(calls, conn, meta);
        if (!slot)
            return;
        slot->call_id = v->call_id;
        slot->ctx_id = hdr->ctx_id;
        slot->opnum = hdr->opnum;
        slot->has_object = hdr->has_object;
        memcpy(slot->object, hdr->object, 16);
        slot->request_dir = dir;
        slot->state = SLOT_REQUEST_FRAGMENTS;
        half_start(&slot->req, v, stub);
    } else if (!slot || slot->state != SLOT_REQUEST_FRAGMENTS || slot->request_dir != dir) {
        return; /* a middle fragment whose start we never saw (after a gap) */
    }
    if (!bounds_ok)
        note_add(slot, IISS_NOTE_PDU_MALFORMED, meta->frame, "request fragment with auth padding longer than its body");
    take_auth_notes(slot, stub, meta);
    half_append(calls, slot, &slot->req, &slot->req_stub, v, stub, meta);
    slot->req.meta = *meta;
    if (v->flags & IISS_DCE_PFC_LAST_FRAG)
        slot->state = SLOT_AWAIT_RESPONSE;
}

/* The call a response/fault on `dir` answers, if any. */
static iiss_dce_slot *match_response(iiss_dce_calls_conn *conn, iiss_direction dir, uint32_t call_id)
{
    iiss_dce_slot *slot = slot_find(conn, call_id);
    if (!slot || slot->request_dir == dir)
        return NULL;
    return slot;
}

void iiss_dce_calls_on_response(iiss_dce_calls *calls, iiss_dce_calls_conn *conn, iiss_direction dir,
                                const iiss_dce_pdu *v, bool bounds_ok, const iiss_dce_auth_stub *stub,
                                const iiss_packet_meta *meta)
{
    iiss_dce_slot *slot = match_response(conn, dir, v->call_id);
    if (!slot)
        return;
    if (!bounds_ok) {
        calls->stats->pdus_malformed++;
        note_add(slot, IISS_NOTE_PDU_MALFORMED, meta->frame, "response fragment with auth padding longer than its body");
    }
    take_auth_notes(slot, stub, meta);
    bool first = (v->flags & IISS_DCE_PFC_FIRST_FRAG) != 0;
    bool last = (v->flags & IISS_DCE_PFC_LAST_FRAG) != 0;
    if (slot->state != SLOT_RESPONSE_FRAGMENTS) {
        if (slot->state == SLOT_REQUEST_FRAGMENTS) {
            slot->req.stub_complete = false; /* its end is missing: still a prefix */
            note_add(slot, IISS_NOTE_FRAGMENTS_INCOMPLETE, meta->frame,
                     "response arrived before the request's last fragment");
        }
        slot->state = SLOT_RESPONSE_FRAGMENTS;
        half_start(&slot->resp, v, stub);
        if (!first) {
            slot->resp.stub_complete = false;
            slot->resp.stub_is_prefix = false;
            note_add(slot, IISS_NOTE_FRAGMENTS_INCOMPLETE, meta->frame, "the response's first fragment is missing");
        }
        if (first && last && !v->truncated && !slot->resp.sealed && slot->resp.stub_complete) {
            /* The common case: a whole response in one PDU, read in place. */
            slot->resp.fragments = 1;
            slot->resp.meta = *meta;
            size_t stub_len = stub->stub_len;
            if (stub_len > calls->cfg.max_call_stub) {
                slot->resp.stub_complete = false;
                stub_len = calls->cfg.max_call_stub;
                note_add(slot, IISS_NOTE_STUB_TOO_LARGE, meta->frame, "stub longer than %zu bytes; the rest was dropped",
                         calls->cfg.max_call_stub);
            }
            slot_finish(calls, slot, stub->stub, stub_len);
            return;
        }
    }
    half_append(calls, slot, &slot->resp, &slot->resp_stub, v, stub, meta);
    slot->resp.meta = *meta;
    if (last)
        slot_finish(calls, slot, NULL, 0);
}

void iiss_dce_calls_on_fault(iiss_dce_calls *calls, iiss_dce_calls_conn *conn, iiss_direction dir,
                             const iiss_dce_pdu *v, const iiss_dce_auth_stub *stub, const iiss_packet_meta *meta)
{
    iiss_dce_slot *slot = match_response(conn, dir, v->call_id);
    if (!slot)
        return;
    /* The status is in clear and the fault body holds no stub we read: only
     * the verification and the notes count. */
    iiss_dce_auth_stub clear;
    memset(&clear, 0, sizeof clear);
    if (stub) {
        clear.verified = stub->verified;
        take_auth_notes(slot, stub, meta);
    }
    half_start(&slot->resp, v, &clear);
    slot->resp.fragments = 1;
    slot->resp.meta = *meta;
    slot->is_fault = true;
    slot->fault_status = iiss_dce_pdu_fault_status(v);
    slot_finish(calls, slot, NULL, 0);
}

void iiss_dce_calls_on_loss(iiss_dce_calls_conn *conn, iiss_direction dir, const char *limit,
                            uint64_t missing_bytes, const iiss_packet_meta *meta)
{
    const char *side = dir == IISS_DIR_CLIENT_TO_SERVER ? "client to server" : "server to client";
    iiss_note_kind kind = limit ? IISS_NOTE_LIMIT_REACHED : IISS_NOTE_TCP_GAP;
    char what[IISS_NOTE_MESSAGE_MAX];
    if (limit)
        snprintf(what, sizeof what, "%llu bytes given up to the %s (%s)", (unsigned long long)missing_bytes, limit,
                 side);
    else
        snprintf(what, sizeof what, "%llu bytes missing (%s)", (unsigned long long)missing_bytes, side);
    bool noted = false;
    for (iiss_dce_slot *s = conn->slots; s; s = s->conn_next) {
        bool request_side = s->request_dir == dir;
        /* Nothing is appended after the gap, so what was reassembled stays
         * a prefix of the stub. */
        if (request_side && s->state == SLOT_REQUEST_FRAGMENTS) {
            s->req.stub_complete = false;
        } else if (!request_side && s->state == SLOT_RESPONSE_FRAGMENTS) {
            s->resp.stub_complete = false;
        } else if (!request_side && s->state == SLOT_AWAIT_RESPONSE) {
            /* the response may have been in the lost bytes, or may still come */
        } else {
            continue;
        }
        note_add(s, kind, meta ? meta->frame : 0, "%s", what);
        noted = true;
    }
    if (!noted) {
        /* Whatever was lost may have held the next call's start: warn on it. */
        conn->gap_note_pending = true;
        conn->gap_note.kind = kind;
        conn->gap_note.frame = meta ? meta->frame : 0;
        snprintf(conn->gap_note.message, sizeof conn->gap_note.message, "%.70s before this call", what);
    }
}

void iiss_dce_calls_on_gap(iiss_dce_calls_conn *conn, iiss_direction dir, uint64_t missing_bytes,
                           const iiss_packet_meta *meta)
{
    iiss_dce_calls_on_loss(conn, dir, NULL, missing_bytes, meta);
}

/* Frees one side's stub to the budget: the side keeps what it knew (its
 * fragments, its verification) and says what it lost. */
static uint64_t shed_half(iiss_dce_calls *calls, iiss_dce_slot *slot, iiss_dce_half *h, iiss_dce_buf *buf,
                          const char *side, const iiss_packet_meta *meta)
{
    if (buf->len == 0 && buf->cap == 0)
        return 0;
    uint64_t had = buf->len;
    iiss_dce_buf_free(calls->budget, slot->conn->owner, IISS_MEMORY_STUBS, buf);
    if (had == 0)
        return 0;
    h->stub_complete = false;
    h->stub_is_prefix = true; /* an empty beginning */
    note_add(slot, IISS_NOTE_LIMIT_REACHED, meta ? meta->frame : 0,
             "the %s stub (%llu bytes) was given up to the memory limit while the call waited", side,
             (unsigned long long)had);
    return had;
}

uint64_t iiss_dce_calls_shed(iiss_dce_calls *calls, iiss_dce_calls_conn *conn, const iiss_packet_meta *meta)
{
    uint64_t shed = 0;
    for (iiss_dce_slot *s = conn->slots; s; s = s->conn_next) {
        shed += shed_half(calls, s, &s->req, &s->req_stub, "request", meta);
        shed += shed_half(calls, s, &s->resp, &s->resp_stub, "response", meta);
    }
    return shed;
}

void iiss_dce_calls_conn_close(iiss_dce_calls *calls, iiss_dce_calls_conn *conn, const char *limit,
                               const iiss_packet_meta *meta)
{
    /* Outstanding calls end here without a response, oldest first. */
    while (conn->slots) {
        iiss_dce_slot *oldest = oldest_slot(conn);
        if (limit)
            note_add(oldest, IISS_NOTE_LIMIT_REACHED, meta ? meta->frame : 0,
                     "the connection was ended early by the %s while this call waited", limit);
        if (oldest->state == SLOT_REQUEST_FRAGMENTS) {
            oldest->req.stub_complete = false;
            note_add(oldest, IISS_NOTE_FRAGMENTS_INCOMPLETE, 0, "the request's last fragment never came");
        } else if (oldest->state == SLOT_RESPONSE_FRAGMENTS) {
            oldest->resp.stub_complete = false;
            note_add(oldest, IISS_NOTE_FRAGMENTS_INCOMPLETE, 0, "the response's last fragment never came");
        }
        slot_finish(calls, oldest, NULL, 0);
    }
}
