/* Connection-oriented DCE/RPC stage: PDUs, presentation contexts, fragment
 * reassembly, call matching, NTLMSSP identity, resynchronisation. See
 * dcerpc.h for what it emits. Every read of PDU bytes goes through
 * iiss_reader; every length from the wire is checked against the PDU. */
#include "dcerpc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iiss/reader.h"

#define DCE_HEADER_LEN 16u
#define DCE_SEC_TRAILER_LEN 8u
/* Per connection, kept small: every TCP stream gets this state, and DCOM
 * binds present two or three contexts. */
#define DCE_MAX_CONTEXTS 16u
#define DCE_MAX_PROPOSED 8u
/* A stub buffer grown past this is released when its slot is recycled, so
 * one huge call does not pin memory for the rest of the run. */
#define DCE_KEEP_BUFFER_BYTES (256u * 1024u)
/* A direction's partial-PDU buffer grown past this is released once the PDU
 * is handled: thousands of idle connections must not each pin 64 KiB. */
#define DCE_KEEP_PARTIAL_BYTES (16u * 1024u)

/* ------------------------------------------------------------------ */
/* Names                                                               */

const char *iiss_dce_auth_type_name(uint8_t auth_type)
{
    switch (auth_type) {
    case 0: return "NONE";
    case 9: return "SPNEGO";
    case 10: return "NTLMSSP";
    case 14: return "SCHANNEL";
    case 16: return "KERBEROS";
    case 68: return "NETLOGON";
    default: return NULL;
    }
}

const char *iiss_dce_auth_level_name(uint8_t auth_level)
{
    static const char *const names[] = {"DEFAULT", "NONE", "CONNECT", "CALL", "PKT", "PKT_INTEGRITY",
                                        "PKT_PRIVACY"};
    return auth_level < sizeof names / sizeof names[0] ? names[auth_level] : NULL;
}

const char *iiss_dce_ptype_name(uint8_t ptype)
{
    switch (ptype) {
    case IISS_DCE_REQUEST: return "request";
    case IISS_DCE_RESPONSE: return "response";
    case IISS_DCE_FAULT: return "fault";
    case IISS_DCE_BIND: return "bind";
    case IISS_DCE_BIND_ACK: return "bind_ack";
    case IISS_DCE_BIND_NAK: return "bind_nak";
    case IISS_DCE_ALTER_CONTEXT: return "alter_context";
    case IISS_DCE_ALTER_CONTEXT_RESP: return "alter_context_resp";
    case IISS_DCE_AUTH3: return "auth3";
    case IISS_DCE_SHUTDOWN: return "shutdown";
    case IISS_DCE_CO_CANCEL: return "co_cancel";
    case IISS_DCE_ORPHANED: return "orphaned";
    default: return NULL;
    }
}

const char *iiss_dce_uuid_format(const uint8_t u[16], char *buf, size_t n)
{
    /* Byte order of the text: the three little-endian fields reversed, the
     * rest as stored. Written by hand, not by snprintf: one per JSON line. */
    enum { DASH = 16 };
    static const uint8_t order[] = {3, 2, 1, 0, DASH, 5, 4, DASH, 7, 6, DASH, 8, 9, DASH, 10, 11, 12, 13, 14, 15};
    static const char hex[] = "0123456789ABCDEF";
    char text[IISS_UUID_STR_MAX];
    size_t at = 0;
    for (size_t i = 0; i < sizeof order; i++) {
        if (order[i] == DASH) {
            text[at++] = '-';
            continue;
        }
        text[at++] = hex[u[order[i]] >> 4];
        text[at++] = hex[u[order[i]] & 0xF];
    }
    if (n == 0)
        return buf;
    size_t keep = at < n ? at : n - 1; /* snprintf's truncation */
    memcpy(buf, text, keep);
    buf[keep] = '\0';
    return buf;
}

/* Transfer syntaxes, little-endian fields. */
static const uint8_t uuid_ndr20[16] = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
                                       0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60};
static const uint8_t uuid_ndr64[16] = {0x33, 0x05, 0x71, 0x71, 0xba, 0xbe, 0x37, 0x49,
                                       0x83, 0x19, 0xb5, 0xdb, 0xef, 0x9c, 0xcc, 0x36};

/* ------------------------------------------------------------------ */
/* State                                                               */

typedef struct dce_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} dce_buf;

typedef struct dce_context {
    uint16_t ctx_id;
    uint8_t abstract[16];
    uint16_t version_major;
    uint16_t version_minor;
    iiss_dce_syntax syntax;
} dce_context;

typedef struct dce_direction {
    dce_buf partial; /* bytes of a PDU not yet complete (< 64 KiB) */
    iiss_packet_meta partial_meta; /* the packet that brought the last of them */
    size_t skip;     /* rest of a PDU already handled as truncated, still to pass by */
    bool hunting;    /* looking for a plausible header */
    bool synced_once;
} dce_direction;

typedef enum slot_state {
    SLOT_REQUEST_FRAGMENTS, /* first request fragment seen, not the last */
    SLOT_AWAIT_RESPONSE,
    SLOT_RESPONSE_FRAGMENTS,
} slot_state;

typedef struct dce_conn dce_conn;

/* One outstanding call. Recycled through the free list with its buffers. */
typedef struct dce_slot {
    struct dce_slot *conn_next;
    struct dce_slot *order_prev, *order_next;
    dce_conn *conn;
    uint64_t seq;
    slot_state state;
    iiss_direction request_dir;
    uint32_t call_id;
    uint16_t ctx_id;
    uint16_t opnum;
    bool has_object;
    uint8_t object[16];
    iiss_dce_half req, resp;
    dce_buf req_stub, resp_stub;
    bool is_fault;
    uint32_t fault_status;
    size_t note_count;
    iiss_dce_note notes[IISS_DCE_NOTES_MAX];
} dce_slot;

struct dce_conn {
    iiss_tcp_stream *stream;
    dce_direction dir[2];
    size_t n_contexts;
    dce_context contexts[DCE_MAX_CONTEXTS];
    /* The context list of the last bind / alter_context, which its ack
     * answers positionally. */
    size_t n_proposed;
    dce_context proposed[DCE_MAX_PROPOSED];
    dce_slot *slots;
    size_t n_slots;
    iiss_ntlm_identity *identity; /* allocated at the first NTLMSSP message */
    bool bind_has_auth;
    uint8_t bind_auth_type, bind_auth_level;
    bool gap_note_pending;
    iiss_dce_note gap_note;
};

struct iiss_dce {
    iiss_dce_config cfg;
    iiss_dce_call_fn on_call;
    void *user;
    iiss_dce_stats stats;
    dce_slot *free_slots;
    dce_slot *order_head, *order_tail; /* outstanding calls, by seq */
    size_t pending_total;
    size_t buffered; /* capacity of every partial-PDU and stub buffer */
    uint64_t next_seq;
};

void iiss_dce_config_default(iiss_dce_config *cfg)
{
    cfg->max_call_stub = IISS_DCE_DEFAULT_MAX_CALL_STUB;
    cfg->max_pending_per_conn = IISS_DCE_DEFAULT_MAX_PENDING_PER_CONN;
    cfg->max_pending_total = IISS_DCE_DEFAULT_MAX_PENDING_TOTAL;
    cfg->pending_timeout_sec = IISS_DCE_DEFAULT_PENDING_TIMEOUT_SEC;
    cfg->max_buffered_total = IISS_DCE_DEFAULT_MAX_BUFFERED_TOTAL;
}

iiss_dce *iiss_dce_new(const iiss_dce_config *cfg, iiss_dce_call_fn on_call, void *user)
{
    iiss_dce *dce = calloc(1, sizeof *dce);
    if (!dce)
        return NULL;
    if (cfg)
        dce->cfg = *cfg;
    else
        iiss_dce_config_default(&dce->cfg);
    if (dce->cfg.max_pending_per_conn == 0)
        dce->cfg.max_pending_per_conn = 1;
    if (dce->cfg.max_pending_total == 0)
        dce->cfg.max_pending_total = 1;
    if (dce->cfg.max_buffered_total == 0)
        dce->cfg.max_buffered_total = IISS_DCE_DEFAULT_MAX_BUFFERED_TOTAL;
    dce->on_call = on_call;
    dce->user = user;
    return dce;
}

/* Every buffer's capacity counts against cfg.max_buffered_total. */
static void buf_free(iiss_dce *dce, dce_buf *b)
{
    dce->buffered -= b->cap;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void iiss_dce_free(iiss_dce *dce)
{
    if (!dce)
        return;
    dce_slot *s = dce->free_slots;
    while (s) {
        dce_slot *next = s->conn_next;
        buf_free(dce, &s->req_stub);
        buf_free(dce, &s->resp_stub);
        free(s);
        s = next;
    }
    /* Outstanding slots belong to connections the TCP stage should have
     * closed; free them without emitting. */
    s = dce->order_head;
    while (s) {
        dce_slot *next = s->order_next;
        buf_free(dce, &s->req_stub);
        buf_free(dce, &s->resp_stub);
        free(s);
        s = next;
    }
    free(dce);
}

const iiss_dce_stats *iiss_dce_get_stats(const iiss_dce *dce)
{
    return &dce->stats;
}

iiss_stream_sink iiss_dce_sink(iiss_dce *dce)
{
    iiss_stream_sink sink = {
        .user = dce,
        .on_data = iiss_dce_on_data,
        .on_gap = iiss_dce_on_gap,
        .on_close = iiss_dce_on_close,
    };
    return sink;
}

static bool budget_allows(const iiss_dce *dce, size_t grow)
{
    return dce->buffered <= dce->cfg.max_buffered_total && grow <= dce->cfg.max_buffered_total - dce->buffered;
}

static void release_idle_buffers(iiss_dce *dce)
{
    for (dce_slot *s = dce->free_slots; s; s = s->conn_next) {
        buf_free(dce, &s->req_stub);
        buf_free(dce, &s->resp_stub);
    }
}

/* Appends without exceeding `limit` bytes in this buffer nor the stage's
 * budget over all buffers; false when the data did not fit (or allocation
 * failed), leaving what was there. */
static bool buf_append(iiss_dce *dce, dce_buf *b, const uint8_t *data, size_t n, size_t limit)
{
    if (n == 0)
        return true;
    if (b->len > limit || n > limit - b->len)
        return false;
    size_t need = b->len + n;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        if (cap > limit)
            cap = limit;
        size_t grow = cap - b->cap;
        if (!budget_allows(dce, grow)) {
            release_idle_buffers(dce); /* recycled slots keep theirs: give those up first */
            if (!budget_allows(dce, grow)) {
                dce->stats.budget_refusals++;
                return false;
            }
        }
        uint8_t *p = realloc(b->data, cap);
        if (!p)
            return false;
        b->data = p;
        b->cap = cap;
        dce->buffered += grow;
        if (dce->buffered > dce->stats.buffered_peak)
            dce->stats.buffered_peak = dce->buffered;
    }
    memcpy(b->data + b->len, data, n);
    b->len = need;
    return true;
}

static void buf_recycle(iiss_dce *dce, dce_buf *b, size_t keep)
{
    b->len = 0;
    if (b->cap > keep)
        buf_free(dce, b);
}

static void note_add(dce_slot *slot, iiss_anomaly_kind kind, uint64_t frame, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void note_add(dce_slot *slot, iiss_anomaly_kind kind, uint64_t frame, const char *fmt, ...)
{
    for (size_t i = 0; i < slot->note_count; i++)
        if (slot->notes[i].kind == kind)
            return; /* once per kind is enough to warn the reader */
    if (slot->note_count >= IISS_DCE_NOTES_MAX)
        return;
    iiss_dce_note *n = &slot->notes[slot->note_count++];
    n->kind = kind;
    n->frame = frame;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->message, sizeof n->message, fmt, ap);
    va_end(ap);
}

/* Reads a UUID in the drep's byte order into the little-endian-fields form. */
static void read_uuid(iiss_reader *rd, uint8_t out[16])
{
    const uint8_t *p = iiss_rd_take(rd, 16);
    if (!p) {
        memset(out, 0, 16);
        return;
    }
    memcpy(out, p, 16);
    if (rd->big_endian) {
        static const uint8_t order[8] = {3, 2, 1, 0, 5, 4, 7, 6};
        for (size_t i = 0; i < 8; i++)
            out[i] = p[order[i]];
    }
}

/* ------------------------------------------------------------------ */
/* Calls                                                               */

static dce_slot *slot_find(dce_conn *conn, uint32_t call_id)
{
    for (dce_slot *s = conn->slots; s; s = s->conn_next)
        if (s->call_id == call_id)
            return s;
    return NULL;
}

static void slot_unlink(iiss_dce *dce, dce_slot *slot)
{
    dce_conn *conn = slot->conn;
    for (dce_slot **pp = &conn->slots; *pp; pp = &(*pp)->conn_next) {
        if (*pp == slot) {
            *pp = slot->conn_next;
            break;
        }
    }
    conn->n_slots--;
    if (slot->order_prev)
        slot->order_prev->order_next = slot->order_next;
    else
        dce->order_head = slot->order_next;
    if (slot->order_next)
        slot->order_next->order_prev = slot->order_prev;
    else
        dce->order_tail = slot->order_prev;
    dce->pending_total--;
}

static const dce_context *context_find(const dce_conn *conn, uint16_t ctx_id)
{
    for (size_t i = 0; i < conn->n_contexts; i++)
        if (conn->contexts[i].ctx_id == ctx_id)
            return &conn->contexts[i];
    return NULL;
}

/* Emits the call and recycles its slot. A response carried whole by one PDU
 * is passed in place (resp_stub/len) rather than copied. */
static void slot_finish(iiss_dce *dce, dce_slot *slot, const uint8_t *resp_in_place, size_t resp_in_place_len)
{
    dce_conn *conn = slot->conn;
    slot_unlink(dce, slot);

    iiss_dce_call call;
    memset(&call, 0, sizeof call);
    call.seq = slot->seq;
    call.oldest_pending_seq = dce->order_head ? dce->order_head->seq : dce->next_seq;
    call.stream = conn->stream;
    call.request_dir = slot->request_dir;
    call.call_id = slot->call_id;
    call.ctx_id = slot->ctx_id;
    call.opnum = slot->opnum;
    call.has_object = slot->has_object;
    memcpy(call.object, slot->object, 16);
    const dce_context *ctx = context_find(conn, slot->ctx_id);
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
    call.identity = conn->identity;
    call.bind_has_auth = conn->bind_has_auth;
    call.bind_auth_type = conn->bind_auth_type;
    call.bind_auth_level = conn->bind_auth_level;
    call.note_count = slot->note_count;
    memcpy(call.notes, slot->notes, sizeof call.notes);

    dce->stats.calls++;
    if (dce->on_call)
        dce->on_call(dce->user, &call);

    buf_recycle(dce, &slot->req_stub, DCE_KEEP_BUFFER_BYTES);
    buf_recycle(dce, &slot->resp_stub, DCE_KEEP_BUFFER_BYTES);
    slot->conn_next = dce->free_slots;
    dce->free_slots = slot;
}

static void slot_abandon(iiss_dce *dce, dce_slot *slot, uint64_t frame, const char *why)
{
    note_add(slot, IISS_AN_RESPONSE_NOT_AWAITED, frame, "no longer waiting for the response: %s", why);
    dce->stats.calls_abandoned++;
    slot_finish(dce, slot, NULL, 0);
}

/* Makes room under the caps and retires calls whose response is overdue. */
static void enforce_pending_limits(iiss_dce *dce, dce_conn *conn, const iiss_packet_meta *meta)
{
    /* written as a sum against INT64_MAX: timestamps from the file are hostile too */
    while (dce->order_head && dce->cfg.pending_timeout_sec > 0 &&
           dce->order_head->req.meta.ts_sec < INT64_MAX - dce->cfg.pending_timeout_sec &&
           meta->ts_sec > dce->order_head->req.meta.ts_sec + dce->cfg.pending_timeout_sec)
        slot_abandon(dce, dce->order_head, meta->frame, "timeout");
    while (conn->n_slots >= dce->cfg.max_pending_per_conn) {
        dce_slot *oldest = conn->slots;
        for (dce_slot *s = conn->slots; s; s = s->conn_next)
            if (s->seq < oldest->seq)
                oldest = s;
        slot_abandon(dce, oldest, meta->frame, "too many outstanding calls on the connection");
    }
    while (dce->pending_total >= dce->cfg.max_pending_total && dce->order_head)
        slot_abandon(dce, dce->order_head, meta->frame, "too many outstanding calls");
}

static dce_slot *slot_new(iiss_dce *dce, dce_conn *conn, const iiss_packet_meta *meta)
{
    enforce_pending_limits(dce, conn, meta);
    dce_slot *slot = dce->free_slots;
    if (slot) {
        dce->free_slots = slot->conn_next;
    } else {
        slot = calloc(1, sizeof *slot);
        if (!slot)
            return NULL;
    }
    dce_buf req_stub = slot->req_stub, resp_stub = slot->resp_stub;
    memset(slot, 0, sizeof *slot);
    slot->req_stub = req_stub;
    slot->resp_stub = resp_stub;
    slot->conn = conn;
    slot->seq = dce->next_seq++;
    slot->conn_next = conn->slots;
    conn->slots = slot;
    conn->n_slots++;
    slot->order_prev = dce->order_tail;
    if (dce->order_tail)
        dce->order_tail->order_next = slot;
    else
        dce->order_head = slot;
    dce->order_tail = slot;
    dce->pending_total++;
    if (conn->gap_note_pending) {
        slot->notes[0] = conn->gap_note;
        slot->note_count = 1;
        conn->gap_note_pending = false;
    }
    return slot;
}

/* ------------------------------------------------------------------ */
/* PDUs                                                                */

typedef struct pdu_view {
    const uint8_t *data;
    size_t len;
    uint8_t ptype;
    uint8_t flags;
    bool big_endian;
    uint16_t auth_length;
    uint32_t call_id;
    /* sec_trailer, when auth_length > 0 */
    bool has_auth;
    uint8_t auth_type, auth_level, auth_pad;
    size_t auth_value_off; /* the auth value runs to the end of the PDU */
    size_t body_end;       /* where the stub or body ends (before padding and trailer) */
    bool malformed;        /* auth padding longer than the body */
    bool truncated;        /* cut by the capture: len < frag_length */
    size_t frag_length;
} pdu_view;

static bool known_ptype(uint8_t t)
{
    return iiss_dce_ptype_name(t) != NULL;
}

/* Smallest frag_length each PDU type can have. */
static size_t min_frag_length(uint8_t ptype)
{
    switch (ptype) {
    case IISS_DCE_REQUEST:
    case IISS_DCE_RESPONSE: return 24;
    case IISS_DCE_FAULT: return 32;
    case IISS_DCE_BIND:
    case IISS_DCE_ALTER_CONTEXT:
    case IISS_DCE_BIND_ACK:
    case IISS_DCE_ALTER_CONTEXT_RESP: return 28;
    case IISS_DCE_BIND_NAK: return 18;
    default: return DCE_HEADER_LEN;
    }
}

/* Whether the `avail` bytes at p (up to a header's 16) can start a PDU:
 * version 5.0, a connection-oriented type, a drep with defined values,
 * and lengths that fit together. Used both to frame and to resynchronise. */
static bool header_plausible(const uint8_t *p, size_t avail)
{
    if (avail > 0 && p[0] != 5)
        return false;
    if (avail > 1 && p[1] != 0)
        return false;
    if (avail > 2 && !known_ptype(p[2]))
        return false;
    /* drep: integer order 0/1 (high nibble), character set 0/1 (low),
     * floating point 0-3, two reserved zero bytes. */
    if (avail > 4 && (p[4] & 0xEE) != 0)
        return false;
    if (avail > 5 && p[5] > 3)
        return false;
    if (avail > 6 && p[6] != 0)
        return false;
    if (avail > 7 && p[7] != 0)
        return false;
    if (avail >= 12) {
        iiss_reader rd;
        iiss_rd_init(&rd, p, avail, (p[4] & 0x10) == 0);
        iiss_rd_seek(&rd, 8);
        uint16_t frag_length = iiss_rd_u16(&rd);
        uint16_t auth_length = iiss_rd_u16(&rd);
        size_t min = min_frag_length(p[2]);
        if (auth_length > 0)
            min += DCE_SEC_TRAILER_LEN + auth_length;
        if (frag_length < min)
            return false;
    }
    return true;
}

static uint16_t header_frag_length(const uint8_t *p)
{
    iiss_reader rd;
    iiss_rd_init(&rd, p, DCE_HEADER_LEN, (p[4] & 0x10) == 0);
    iiss_rd_seek(&rd, 8);
    return iiss_rd_u16(&rd);
}

/* Common header and sec_trailer. `len` bytes are present of the
 * frag_length the header announces (fewer when the capture cut the PDU: the
 * sec_trailer is then lost with the end, and the body runs to what is
 * present). */
static void pdu_view_init(pdu_view *v, const uint8_t *data, size_t len, size_t frag_length)
{
    memset(v, 0, sizeof *v);
    v->data = data;
    v->len = len;
    v->frag_length = frag_length;
    v->truncated = len < frag_length;
    iiss_reader rd;
    iiss_rd_init(&rd, data, len, (data[4] & 0x10) == 0);
    iiss_rd_skip(&rd, 2);
    v->ptype = iiss_rd_u8(&rd);
    v->flags = iiss_rd_u8(&rd);
    iiss_rd_skip(&rd, 4);
    v->big_endian = rd.big_endian;
    (void)iiss_rd_u16(&rd); /* frag_length: passed in, checked by the framer */
    v->auth_length = iiss_rd_u16(&rd);
    v->call_id = iiss_rd_u32(&rd);
    v->body_end = len;
    if (v->auth_length > 0) {
        /* header_plausible guaranteed frag_length >= 16 + 8 + auth_length */
        size_t trailer = frag_length - v->auth_length - DCE_SEC_TRAILER_LEN;
        if (trailer + DCE_SEC_TRAILER_LEN <= len) {
            iiss_rd_seek(&rd, trailer);
            v->has_auth = true;
            v->auth_type = iiss_rd_u8(&rd);
            v->auth_level = iiss_rd_u8(&rd);
            v->auth_pad = iiss_rd_u8(&rd);
            v->auth_value_off = trailer + DCE_SEC_TRAILER_LEN;
        }
        if (trailer < v->body_end)
            v->body_end = trailer;
    }
}

/* The stub of a request/response: from body_off to auth_pad bytes before
 * the sec_trailer. */
static bool pdu_stub_bounds(pdu_view *v, size_t body_off, size_t *stub_off, size_t *stub_len)
{
    size_t end = v->body_end;
    if (end < body_off) {
        v->malformed = true;
        *stub_off = body_off;
        *stub_len = 0;
        return false;
    }
    if (v->has_auth) {
        if (v->auth_pad > end - body_off) {
            v->malformed = true;
            end = body_off;
        } else {
            end -= v->auth_pad;
        }
    }
    *stub_off = body_off;
    *stub_len = end - body_off;
    return !v->malformed;
}

static bool pdu_sealed(const pdu_view *v)
{
    return v->has_auth && v->auth_level == IISS_DCE_AUTH_LEVEL_PKT_PRIVACY;
}

static void half_start(iiss_dce_half *h, const pdu_view *v)
{
    h->present = true;
    h->big_endian = v->big_endian;
    h->has_auth = v->has_auth;
    h->auth_type = v->auth_type;
    h->auth_level = v->auth_level;
    h->sealed = pdu_sealed(v);
    h->stub_complete = true;
    h->stub_is_prefix = true;
    h->fragments = 0;
}

/* Appends one fragment's stub to a call side, within the cap. Once the
 * stub stops short (cap, or a fragment cut by the capture) nothing more is
 * appended, so what is kept stays the stub's true beginning. */
static void half_append(iiss_dce *dce, dce_slot *slot, iiss_dce_half *h, dce_buf *buf, const pdu_view *v,
                        const uint8_t *stub, size_t len, const iiss_packet_meta *meta)
{
    h->fragments++;
    if (pdu_sealed(v))
        h->sealed = true; /* sealed fragments are recognised per PDU */
    if (v->truncated)
        note_add(slot, IISS_AN_PDU_TRUNCATED, meta->frame, "%s cut by the capture: %zu of %zu bytes present",
                 iiss_dce_ptype_name(v->ptype), v->len, v->frag_length);
    if (h->sealed || !h->stub_complete)
        return;
    if (!buf_append(dce, buf, stub, len, dce->cfg.max_call_stub)) {
        h->stub_complete = false;
        dce->stats.stubs_capped++;
        if (buf->len + len > dce->cfg.max_call_stub)
            note_add(slot, IISS_AN_STUB_TOO_LARGE, meta->frame,
                     "reassembled stub would exceed %zu bytes; the rest was dropped", dce->cfg.max_call_stub);
        else
            note_add(slot, IISS_AN_STUB_TOO_LARGE, meta->frame,
                     "reassembly memory budget (%zu bytes over all calls) exhausted; the rest was dropped",
                     dce->cfg.max_buffered_total);
    }
    if (v->truncated)
        h->stub_complete = false;
}

static void handle_request(iiss_dce *dce, dce_conn *conn, iiss_direction dir, pdu_view *v,
                           const iiss_packet_meta *meta)
{
    iiss_reader rd;
    iiss_rd_init(&rd, v->data, v->body_end, v->big_endian);
    iiss_rd_seek(&rd, DCE_HEADER_LEN);
    (void)iiss_rd_u32(&rd); /* alloc_hint: a hint only, never trusted for sizing */
    uint16_t ctx_id = iiss_rd_u16(&rd);
    uint16_t opnum = iiss_rd_u16(&rd);
    uint8_t object[16] = {0};
    bool has_object = (v->flags & IISS_DCE_PFC_OBJECT_UUID) != 0;
    if (has_object)
        read_uuid(&rd, object);
    if (!rd.ok) {
        dce->stats.pdus_malformed++;
        return;
    }
    size_t stub_off, stub_len;
    if (!pdu_stub_bounds(v, rd.pos, &stub_off, &stub_len))
        dce->stats.pdus_malformed++;

    dce_slot *slot = slot_find(conn, v->call_id);
    bool first = (v->flags & IISS_DCE_PFC_FIRST_FRAG) != 0;
    if (first) {
        if (slot) /* call_id reused: the earlier call got no response */
            slot_finish(dce, slot, NULL, 0);
        slot = slot_new(dce, conn, meta);
        if (!slot)
            return;
        slot->call_id = v->call_id;
        slot->ctx_id = ctx_id;
        slot->opnum = opnum;
        slot->has_object = has_object;
        memcpy(slot->object, object, 16);
        slot->request_dir = dir;
        slot->state = SLOT_REQUEST_FRAGMENTS;
        half_start(&slot->req, v);
    } else if (!slot || slot->state != SLOT_REQUEST_FRAGMENTS || slot->request_dir != dir) {
        return; /* a middle fragment whose start we never saw (after a gap) */
    }
    if (v->malformed)
        note_add(slot, IISS_AN_PDU_MALFORMED, meta->frame, "request fragment with auth padding longer than its body");
    half_append(dce, slot, &slot->req, &slot->req_stub, v, v->data + stub_off, stub_len, meta);
    slot->req.meta = *meta;
    if (v->flags & IISS_DCE_PFC_LAST_FRAG)
        slot->state = SLOT_AWAIT_RESPONSE;
}

/* The call a response/fault on `dir` answers, if any. */
static dce_slot *match_response(dce_conn *conn, iiss_direction dir, uint32_t call_id)
{
    dce_slot *slot = slot_find(conn, call_id);
    if (!slot || slot->request_dir == dir)
        return NULL;
    return slot;
}

static void handle_response(iiss_dce *dce, dce_conn *conn, iiss_direction dir, pdu_view *v,
                            const iiss_packet_meta *meta)
{
    dce_slot *slot = match_response(conn, dir, v->call_id);
    if (!slot)
        return;
    size_t stub_off, stub_len;
    if (!pdu_stub_bounds(v, DCE_HEADER_LEN + 8, &stub_off, &stub_len)) {
        dce->stats.pdus_malformed++;
        note_add(slot, IISS_AN_PDU_MALFORMED, meta->frame, "response fragment with auth padding longer than its body");
    }
    bool first = (v->flags & IISS_DCE_PFC_FIRST_FRAG) != 0;
    bool last = (v->flags & IISS_DCE_PFC_LAST_FRAG) != 0;
    if (slot->state != SLOT_RESPONSE_FRAGMENTS) {
        if (slot->state == SLOT_REQUEST_FRAGMENTS) {
            slot->req.stub_complete = false; /* its end is missing: still a prefix */
            note_add(slot, IISS_AN_FRAGMENTS_INCOMPLETE, meta->frame,
                     "response arrived before the request's last fragment");
        }
        slot->state = SLOT_RESPONSE_FRAGMENTS;
        half_start(&slot->resp, v);
        if (!first) {
            slot->resp.stub_complete = false;
            slot->resp.stub_is_prefix = false;
            note_add(slot, IISS_AN_FRAGMENTS_INCOMPLETE, meta->frame,
                     "the response's first fragment is missing");
        }
        if (first && last && !v->truncated && !slot->resp.sealed && slot->resp.stub_complete) {
            /* The common case: a whole response in one PDU, read in place. */
            slot->resp.fragments = 1;
            slot->resp.meta = *meta;
            if (stub_len > dce->cfg.max_call_stub) {
                slot->resp.stub_complete = false;
                stub_len = dce->cfg.max_call_stub;
                note_add(slot, IISS_AN_STUB_TOO_LARGE, meta->frame,
                         "stub longer than %zu bytes; the rest was dropped", dce->cfg.max_call_stub);
            }
            slot_finish(dce, slot, v->data + stub_off, stub_len);
            return;
        }
    }
    half_append(dce, slot, &slot->resp, &slot->resp_stub, v, v->data + stub_off, stub_len, meta);
    slot->resp.meta = *meta;
    if (last)
        slot_finish(dce, slot, NULL, 0);
}

static void handle_fault(iiss_dce *dce, dce_conn *conn, iiss_direction dir, pdu_view *v,
                         const iiss_packet_meta *meta)
{
    dce_slot *slot = match_response(conn, dir, v->call_id);
    if (!slot)
        return;
    iiss_reader rd;
    iiss_rd_init(&rd, v->data, v->len, v->big_endian);
    iiss_rd_seek(&rd, DCE_HEADER_LEN + 8); /* alloc_hint, p_cont_id, cancel_count, reserved */
    uint32_t status = iiss_rd_u32(&rd);
    half_start(&slot->resp, v);
    slot->resp.sealed = false; /* the status is in clear; the fault body has no stub we read */
    slot->resp.fragments = 1;
    slot->resp.meta = *meta;
    slot->is_fault = true;
    slot->fault_status = status;
    slot_finish(dce, slot, NULL, 0);
}

static iiss_dce_syntax classify_transfer(const uint8_t uuid[16], uint16_t major)
{
    if (memcmp(uuid, uuid_ndr20, 16) == 0 && major == 2)
        return IISS_DCE_SYNTAX_NDR20;
    if (memcmp(uuid, uuid_ndr64, 16) == 0 && major == 1)
        return IISS_DCE_SYNTAX_NDR64;
    return IISS_DCE_SYNTAX_OTHER;
}

static void read_identity(dce_conn *conn, const pdu_view *v)
{
    if (!v->has_auth || v->auth_value_off > v->len)
        return;
    const uint8_t *value = v->data + v->auth_value_off;
    size_t len = v->len - v->auth_value_off;
    if (!conn->identity) {
        iiss_ntlm_identity probe;
        memset(&probe, 0, sizeof probe);
        if (iiss_ntlmssp_read_identity(value, len, &probe) == IISS_NTLM_NONE)
            return;
        conn->identity = malloc(sizeof *conn->identity);
        if (conn->identity)
            *conn->identity = probe;
        return;
    }
    iiss_ntlmssp_read_identity(value, len, conn->identity);
}

static void note_client_auth(dce_conn *conn, const pdu_view *v)
{
    if (!v->has_auth)
        return;
    conn->bind_has_auth = true;
    conn->bind_auth_type = v->auth_type;
    conn->bind_auth_level = v->auth_level;
}

/* bind / alter_context: remember the proposed contexts for the ack. */
static void handle_bind(iiss_dce *dce, dce_conn *conn, pdu_view *v)
{
    iiss_reader rd;
    iiss_rd_init(&rd, v->data, v->body_end, v->big_endian);
    iiss_rd_seek(&rd, DCE_HEADER_LEN + 8); /* max_xmit_frag, max_recv_frag, assoc_group_id */
    uint8_t n_items = iiss_rd_u8(&rd);
    iiss_rd_skip(&rd, 3);
    conn->n_proposed = 0;
    for (unsigned i = 0; i < n_items && rd.ok; i++) {
        uint16_t ctx_id = iiss_rd_u16(&rd);
        uint8_t n_transfer = iiss_rd_u8(&rd);
        iiss_rd_skip(&rd, 1);
        dce_context c = {.ctx_id = ctx_id};
        read_uuid(&rd, c.abstract);
        c.version_major = iiss_rd_u16(&rd);
        c.version_minor = iiss_rd_u16(&rd);
        iiss_rd_skip(&rd, (size_t)n_transfer * 20u); /* the ack names the one accepted */
        if (rd.ok && conn->n_proposed < DCE_MAX_PROPOSED)
            conn->proposed[conn->n_proposed++] = c;
    }
    if (!rd.ok)
        dce->stats.pdus_malformed++;
    note_client_auth(conn, v);
    read_identity(conn, v);
}

static void context_store(dce_conn *conn, const dce_context *c)
{
    for (size_t i = 0; i < conn->n_contexts; i++) {
        if (conn->contexts[i].ctx_id == c->ctx_id) {
            conn->contexts[i] = *c;
            return;
        }
    }
    if (conn->n_contexts < DCE_MAX_CONTEXTS)
        conn->contexts[conn->n_contexts++] = *c;
}

/* bind_ack / alter_context_resp: results answer the proposal in order;
 * only acceptance (0) binds a context (negotiation entries answer 3). */
static void handle_bind_ack(iiss_dce *dce, dce_conn *conn, pdu_view *v)
{
    iiss_reader rd;
    iiss_rd_init(&rd, v->data, v->body_end, v->big_endian);
    iiss_rd_seek(&rd, DCE_HEADER_LEN + 8);
    uint16_t sec_addr_len = iiss_rd_u16(&rd);
    iiss_rd_skip(&rd, sec_addr_len);
    iiss_rd_align(&rd, 4);
    uint8_t n_results = iiss_rd_u8(&rd);
    iiss_rd_skip(&rd, 3);
    for (unsigned i = 0; i < n_results && rd.ok; i++) {
        uint16_t result = iiss_rd_u16(&rd);
        (void)iiss_rd_u16(&rd); /* reason */
        uint8_t transfer[16];
        read_uuid(&rd, transfer);
        uint16_t major = iiss_rd_u16(&rd);
        (void)iiss_rd_u16(&rd);
        if (!rd.ok || result != 0 || i >= conn->n_proposed)
            continue;
        dce_context c = conn->proposed[i];
        c.syntax = classify_transfer(transfer, major);
        context_store(conn, &c);
    }
    if (!rd.ok)
        dce->stats.pdus_malformed++;
    conn->n_proposed = 0;
    read_identity(conn, v);
}

static void handle_pdu(iiss_dce *dce, dce_conn *conn, iiss_direction dir, const uint8_t *data, size_t len,
                       size_t frag_length, const iiss_packet_meta *meta)
{
    pdu_view v;
    pdu_view_init(&v, data, len, frag_length);
    dce->stats.pdus++;
    if (v.truncated) {
        /* Only a call's PDUs are worth reading in part: a bind or ack cut
         * short would map contexts from half a list. */
        dce->stats.pdus_truncated++;
        if (v.ptype != IISS_DCE_REQUEST && v.ptype != IISS_DCE_RESPONSE && v.ptype != IISS_DCE_FAULT)
            return;
    }
    switch (v.ptype) {
    case IISS_DCE_REQUEST:
        handle_request(dce, conn, dir, &v, meta);
        break;
    case IISS_DCE_RESPONSE:
        handle_response(dce, conn, dir, &v, meta);
        break;
    case IISS_DCE_FAULT:
        handle_fault(dce, conn, dir, &v, meta);
        break;
    case IISS_DCE_BIND:
    case IISS_DCE_ALTER_CONTEXT:
        handle_bind(dce, conn, &v);
        break;
    case IISS_DCE_BIND_ACK:
    case IISS_DCE_ALTER_CONTEXT_RESP:
        handle_bind_ack(dce, conn, &v);
        break;
    case IISS_DCE_BIND_NAK:
        conn->n_proposed = 0;
        break;
    case IISS_DCE_AUTH3:
        note_client_auth(conn, &v);
        read_identity(conn, &v);
        break;
    default: /* shutdown, co_cancel, orphaned: nothing a timeline needs */
        break;
    }
}

/* ------------------------------------------------------------------ */
/* Framing                                                             */

static dce_conn *conn_get(iiss_tcp_stream *stream)
{
    if (!stream->app) {
        dce_conn *conn = calloc(1, sizeof *conn);
        if (!conn)
            return NULL;
        conn->stream = stream;
        /* Until a header is seen the stream may start mid-PDU (a capture
         * joined midstream), so hunt from the first byte. */
        conn->dir[0].hunting = conn->dir[1].hunting = true;
        stream->app = conn;
    }
    return stream->app;
}

/* Offset of the first plausible header start in data (a full 16-byte
 * header, or a plausible prefix running to the end), or len. */
static size_t hunt(const uint8_t *data, size_t len)
{
    size_t i = 0;
    while (i < len) {
        const uint8_t *p = memchr(data + i, 5, len - i);
        if (!p)
            return len;
        i = (size_t)(p - data);
        size_t avail = len - i < DCE_HEADER_LEN ? len - i : DCE_HEADER_LEN;
        if (header_plausible(data + i, avail))
            return i;
        i++;
    }
    return len;
}

static void process(iiss_dce *dce, dce_conn *conn, iiss_direction dir, const uint8_t *data, size_t len,
                    const iiss_packet_meta *meta);

/* A PDU that cannot be buffered (memory budget) is passed over: `rest` of
 * its bytes, counted from the current position, are skipped so framing
 * holds. Its call then lacks that PDU, as after a gap. */
static void drop_partial(iiss_dce *dce, dce_direction *d, size_t rest)
{
    dce->stats.pdus_dropped++;
    d->partial.len = 0;
    d->skip = rest;
    if (rest == 0)
        d->hunting = true;
}

/* The buffered header proved implausible: rescan its bytes after the
 * first, then continue with the chunk. */
static void rehunt_partial(iiss_dce *dce, dce_conn *conn, iiss_direction dir, const iiss_packet_meta *meta)
{
    dce_direction *d = &conn->dir[dir];
    uint8_t tail[DCE_HEADER_LEN];
    size_t n = d->partial.len - 1;
    memcpy(tail, d->partial.data + 1, n);
    d->partial.len = 0;
    d->hunting = true;
    dce->stats.resyncs++;
    dce->stats.bytes_skipped++;
    process(dce, conn, dir, tail, n, meta);
}

static void process(iiss_dce *dce, dce_conn *conn, iiss_direction dir, const uint8_t *data, size_t len,
                    const iiss_packet_meta *meta)
{
    dce_direction *d = &conn->dir[dir];
    while (len > 0) {
        if (d->skip > 0) {
            /* the tail of a PDU already handled as cut short */
            size_t n = d->skip < len ? d->skip : len;
            d->skip -= n;
            data += n;
            len -= n;
            continue;
        }
        if (d->partial.len > 0) {
            d->partial_meta = *meta;
            /* Complete the header first, then the PDU it announces. */
            if (d->partial.len < DCE_HEADER_LEN) {
                size_t take = DCE_HEADER_LEN - d->partial.len;
                if (take > len)
                    take = len;
                if (!buf_append(dce, &d->partial, data, take, DCE_HEADER_LEN)) {
                    drop_partial(dce, d, 0); /* no room for 16 bytes: hunt afresh */
                    return;
                }
                data += take;
                len -= take;
                if (d->partial.len < DCE_HEADER_LEN)
                    return;
                if (!header_plausible(d->partial.data, DCE_HEADER_LEN)) {
                    rehunt_partial(dce, conn, dir, meta);
                    continue;
                }
            }
            size_t frag_length = header_frag_length(d->partial.data);
            size_t take = frag_length - d->partial.len;
            if (take > len)
                take = len;
            if (!buf_append(dce, &d->partial, data, take, frag_length)) {
                /* no room: lose this PDU but keep the framing */
                drop_partial(dce, d, frag_length - d->partial.len);
                continue;
            }
            data += take;
            len -= take;
            if (d->partial.len < frag_length)
                return;
            d->partial.len = 0;
            handle_pdu(dce, conn, dir, d->partial.data, frag_length, frag_length, meta);
            buf_recycle(dce, &d->partial, DCE_KEEP_PARTIAL_BYTES);
            continue;
        }
        if (d->hunting) {
            size_t at = hunt(data, len);
            if (d->synced_once)
                dce->stats.bytes_skipped += at;
            data += at;
            len -= at;
            if (len == 0)
                return;
            d->hunting = false;
        }
        if (len < DCE_HEADER_LEN) {
            if (!header_plausible(data, len)) {
                d->hunting = true;
                dce->stats.resyncs++;
                continue;
            }
            if (!buf_append(dce, &d->partial, data, len, DCE_HEADER_LEN))
                d->hunting = true;
            d->partial_meta = *meta;
            return;
        }
        if (!header_plausible(data, DCE_HEADER_LEN)) {
            /* Lost framing: skip a byte and hunt for the next header. */
            d->hunting = true;
            dce->stats.resyncs++;
            dce->stats.bytes_skipped++;
            data++;
            len--;
            continue;
        }
        d->synced_once = true;
        size_t frag_length = header_frag_length(data);
        if (frag_length <= len) {
            /* Whole PDU in this chunk: parse it in place. */
            handle_pdu(dce, conn, dir, data, frag_length, frag_length, meta);
            data += frag_length;
            len -= frag_length;
            continue;
        }
        if (!buf_append(dce, &d->partial, data, len, frag_length)) {
            drop_partial(dce, d, frag_length);
            continue;
        }
        d->partial_meta = *meta;
        return;
    }
}

void iiss_dce_on_data(void *user, iiss_tcp_stream *stream, iiss_direction dir, const uint8_t *data, size_t len,
                      const iiss_packet_meta *meta)
{
    iiss_dce *dce = user;
    dce_conn *conn = conn_get(stream);
    if (!conn || !data || (dir != IISS_DIR_CLIENT_TO_SERVER && dir != IISS_DIR_SERVER_TO_CLIENT))
        return;
    process(dce, conn, dir, data, len, meta);
}

void iiss_dce_on_gap(void *user, iiss_tcp_stream *stream, iiss_direction dir, uint64_t missing_bytes,
                     const iiss_packet_meta *meta)
{
    iiss_dce *dce = user;
    dce_conn *conn = conn_get(stream);
    if (!conn || (dir != IISS_DIR_CLIENT_TO_SERVER && dir != IISS_DIR_SERVER_TO_CLIENT))
        return;
    dce_direction *d = &conn->dir[dir];
    if (d->partial.len >= DCE_HEADER_LEN && !d->hunting) {
        /* A PDU whose header we have runs into the gap (a snaplen cut does
         * this to every long frame): read what is present, and if the gap
         * ends inside that PDU, framing resumes right after it. */
        size_t frag_length = header_frag_length(d->partial.data);
        size_t rest = frag_length - d->partial.len;
        size_t have = d->partial.len;
        d->partial.len = 0;
        handle_pdu(dce, conn, dir, d->partial.data, have, frag_length, &d->partial_meta);
        if (missing_bytes <= rest) {
            d->skip = rest - (size_t)missing_bytes;
            return;
        }
        missing_bytes -= rest;
    } else if (d->skip > 0) {
        if (missing_bytes <= d->skip) {
            d->skip -= (size_t)missing_bytes;
            return;
        }
        missing_bytes -= d->skip;
        d->skip = 0;
    }
    d->partial.len = 0;
    d->hunting = true;
    dce->stats.resyncs++;
    const char *side = dir == IISS_DIR_CLIENT_TO_SERVER ? "client to server" : "server to client";
    bool noted = false;
    for (dce_slot *s = conn->slots; s; s = s->conn_next) {
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
        note_add(s, IISS_AN_TCP_GAP, meta ? meta->frame : 0, "%llu bytes missing (%s)",
                 (unsigned long long)missing_bytes, side);
        noted = true;
    }
    if (!noted) {
        /* Whatever was lost may have held the next call's start: warn on it. */
        conn->gap_note_pending = true;
        conn->gap_note.kind = IISS_AN_TCP_GAP;
        conn->gap_note.frame = meta ? meta->frame : 0;
        snprintf(conn->gap_note.message, sizeof conn->gap_note.message, "%llu bytes missing (%s) before this call",
                 (unsigned long long)missing_bytes, side);
    }
}

void iiss_dce_on_close(void *user, iiss_tcp_stream *stream)
{
    iiss_dce *dce = user;
    dce_conn *conn = stream->app;
    if (!conn)
        return;
    /* Outstanding calls end here without a response, oldest first. */
    while (conn->slots) {
        dce_slot *oldest = conn->slots;
        for (dce_slot *s = conn->slots; s; s = s->conn_next)
            if (s->seq < oldest->seq)
                oldest = s;
        if (oldest->state == SLOT_REQUEST_FRAGMENTS) {
            oldest->req.stub_complete = false;
            note_add(oldest, IISS_AN_FRAGMENTS_INCOMPLETE, 0, "the request's last fragment never came");
        } else if (oldest->state == SLOT_RESPONSE_FRAGMENTS) {
            oldest->resp.stub_complete = false;
            note_add(oldest, IISS_AN_FRAGMENTS_INCOMPLETE, 0, "the response's last fragment never came");
        }
        slot_finish(dce, oldest, NULL, 0);
    }
    buf_free(dce, &conn->dir[0].partial);
    buf_free(dce, &conn->dir[1].partial);
    free(conn->identity);
    free(conn);
    stream->app = NULL;
}
