/* The call stage of DCE/RPC: presentation contexts (bind / alter_context
 * and their acks), one slot per outstanding call, fragment reassembly of
 * the stubs the authentication stage hands on, request/response matching
 * by call_id, and the limits on outstanding calls. It emits one
 * iiss_dce_call per request, once the call is over (response, fault, or no
 * response coming); it knows nothing of the interface being called.
 *
 * Memory: a call's reassembled stub is capped; slots and stubs are charged
 * to their connection in the chain's memory budget, which may take a
 * waiting connection's stubs back (iiss_dce_calls_shed). Call slots and
 * their stub buffers are recycled, so steady traffic allocates nothing;
 * the recycled ones are the first the budget reclaims. */
#ifndef IISS_DCE_CALLS_H
#define IISS_DCE_CALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture_notes.h"
#include "dce_auth.h"
#include "dce_buffer.h"
#include "dce_pdu.h"
#include "dce_stats.h"
#include "ntlmssp_identity.h"
#include "tcp_stream.h"

#define IISS_DCE_NOTES_MAX 4
/* One side of a call: the request, or the response / fault. */
typedef struct iiss_dce_half {
    bool present;
    iiss_packet_meta meta;  /* the packet that completed the PDU (last fragment) */
    bool big_endian;        /* drep of the PDUs */
    bool has_auth;          /* a sec_trailer was present */
    uint8_t auth_type;
    uint8_t auth_level;
    bool sealed;            /* PKT_PRIVACY and not decrypted: stub is NULL */
    bool decrypted;         /* PKT_PRIVACY, every fragment decrypted */
    iiss_dce_verified verified; /* FALSE if any fragment failed, TRUE if all checked out */
    bool stub_complete;     /* every fragment arrived and nothing was capped */
    /* When not complete: the stub is still its true beginning, cut short
     * (by the capture's snaplen, a gap at its end, or the cap), so it can
     * be decoded up to where it stops. False when a hole is inside. */
    bool stub_is_prefix;
    const uint8_t *stub;    /* valid during the callback only */
    size_t stub_len;
    uint32_t fragments;
} iiss_dce_half;

typedef struct iiss_dce_call {
    /* Order of the requests in the input; the emitter may finish calls out
     * of that order. Every call with seq < oldest_pending_seq is finished. */
    uint64_t seq;
    uint64_t oldest_pending_seq;
    const iiss_tcp_stream *stream;
    /* Who sent the request: normally client to server, but a connection
     * joined midstream may have its roles guessed the wrong way round. */
    iiss_direction request_dir;
    uint32_t call_id;
    uint16_t ctx_id;
    uint16_t opnum;
    bool has_object; /* PFC_OBJECT_UUID: the object UUID (a DCOM IPID) */
    uint8_t object[16];
    /* The presentation context, when its bind and ack were seen. */
    bool context_known;
    uint8_t abstract_uuid[16];
    uint16_t abstract_version_major;
    uint16_t abstract_version_minor;
    iiss_dce_syntax transfer_syntax;
    iiss_dce_half request;
    iiss_dce_half response; /* response or fault PDUs */
    bool is_fault;
    uint32_t fault_status;
    /* The connection's NTLMSSP identity (fields "" when unknown), NULL if no
     * NTLMSSP message was seen on it. */
    const iiss_ntlm_identity *identity;
    /* The label of the credential that unsealed the connection ("password
     * #2", never the secret), NULL when none did. */
    const char *credential;
    /* The authentication stage's note on the connection (NULL: none),
     * repeated on each of its calls: its reader shows it once. */
    const iiss_note *conn_note;
    /* The auth type and level of the connection's bind when the request
     * carried no sec_trailer of its own. */
    bool bind_has_auth;
    uint8_t bind_auth_type;
    uint8_t bind_auth_level;
    size_t note_count;
    iiss_note notes[IISS_DCE_NOTES_MAX];
} iiss_dce_call;

typedef void (*iiss_dce_call_fn)(void *user, const iiss_dce_call *call);

/* Resolved values (iiss_dce_new applies the defaults). */
typedef struct iiss_dce_calls_config {
    size_t max_call_stub;        /* reassembled stub cap per call side */
    size_t max_pending_per_conn; /* outstanding calls per connection (at least 1) */
    size_t max_pending_total;    /* outstanding calls in all (at least 1) */
    int64_t pending_timeout_sec; /* capture time after which a response is no longer awaited; <= 0: never */
} iiss_dce_calls_config;

/* Per connection kept small: every TCP stream gets this state, and DCOM
 * binds present two or three contexts. */
#define IISS_DCE_MAX_CONTEXTS 16u
#define IISS_DCE_MAX_PROPOSED 8u

typedef struct iiss_dce_slot iiss_dce_slot;

typedef struct iiss_dce_calls_conn {
    const iiss_tcp_stream *stream;
    const iiss_dce_auth_conn *auth; /* identity and bind auth, read at emission */
    size_t n_contexts;
    iiss_dce_context contexts[IISS_DCE_MAX_CONTEXTS];
    /* The context list of the last bind / alter_context, which its ack
     * answers positionally. */
    size_t n_proposed;
    iiss_dce_context proposed[IISS_DCE_MAX_PROPOSED];
    iiss_dce_slot *slots;
    size_t n_slots;
    bool gap_note_pending;
    iiss_note gap_note;
    iiss_memory_owner *owner; /* the stream's, NULL when it has none */
} iiss_dce_calls_conn;

typedef struct iiss_dce_calls iiss_dce_calls;

/* The budget and stats are the caller's and outlive the stage. NULL on
 * allocation failure. */
iiss_dce_calls *iiss_dce_calls_new(const iiss_dce_calls_config *cfg, const iiss_dce_budget *budget,
                                   iiss_dce_stats *stats, iiss_dce_call_fn on_call, void *user);
/* Frees outstanding calls without emitting them: close the connections first. */
void iiss_dce_calls_free(iiss_dce_calls *calls);

void iiss_dce_calls_conn_init(iiss_dce_calls_conn *conn, const iiss_tcp_stream *stream,
                              const iiss_dce_auth_conn *auth);
/* Emits the connection's outstanding calls, oldest first, without responses;
 * `limit` (NULL: none) names the limit that ended the connection early. */
void iiss_dce_calls_conn_close(iiss_dce_calls *calls, iiss_dce_calls_conn *conn, const char *limit,
                               const iiss_packet_meta *meta);

/* bind / alter_context proposed these contexts; an ack settles them. */
void iiss_dce_calls_on_bind(iiss_dce_calls_conn *conn, const iiss_dce_context *proposed, size_t n);
void iiss_dce_calls_on_bind_ack(iiss_dce_calls_conn *conn, const iiss_dce_ack_result *results, size_t n);
void iiss_dce_calls_on_bind_nak(iiss_dce_calls_conn *conn);

/* A request fragment whose header parsed; bounds_ok false when its stub
 * bounds were inconsistent (pdu->malformed). */
void iiss_dce_calls_on_request(iiss_dce_calls *calls, iiss_dce_calls_conn *conn, iiss_direction dir,
                               const iiss_dce_pdu *pdu, const iiss_dce_request_header *hdr, bool bounds_ok,
                               const iiss_dce_auth_stub *stub, const iiss_packet_meta *meta);
/* A response fragment; ignored unless it answers an outstanding call. */
void iiss_dce_calls_on_response(iiss_dce_calls *calls, iiss_dce_calls_conn *conn, iiss_direction dir,
                                const iiss_dce_pdu *pdu, bool bounds_ok, const iiss_dce_auth_stub *stub,
                                const iiss_packet_meta *meta);
/* A fault; `stub` (NULL: none) carries the authentication stage's word. */
void iiss_dce_calls_on_fault(iiss_dce_calls *calls, iiss_dce_calls_conn *conn, iiss_direction dir,
                             const iiss_dce_pdu *pdu, const iiss_dce_auth_stub *stub, const iiss_packet_meta *meta);
/* `missing_bytes` of direction `dir` were lost (after the framing took what
 * it could): the calls they may belong to are told. */
void iiss_dce_calls_on_gap(iiss_dce_calls_conn *conn, iiss_direction dir, uint64_t missing_bytes,
                           const iiss_packet_meta *meta);
/* The same, for bytes a limit of the reader gave up (`limit` names it;
 * NULL: lost by the capture, as on_gap). */
void iiss_dce_calls_on_loss(iiss_dce_calls_conn *conn, iiss_direction dir, const char *limit,
                            uint64_t missing_bytes, const iiss_packet_meta *meta);
/* The memory budget takes the connection's stubs: each waiting call keeps
 * its place and gets a note. Returns the stub bytes given up. */
uint64_t iiss_dce_calls_shed(iiss_dce_calls *calls, iiss_dce_calls_conn *conn, const iiss_packet_meta *meta);

#endif
