/* Connection-oriented DCE/RPC (C706 chapter 12, MS-RPCE 2.2.2) over the
 * ordered byte streams of the TCP stage.
 *
 * Per connection it frames PDUs (several per chunk, or one across chunks),
 * maps presentation contexts from bind / alter_context and their acks,
 * reassembles the fragments of a call by call_id, matches each request to
 * its response or fault, reads the NTLMSSP identity from the auth values,
 * and resynchronises on the next plausible header after a gap. It emits one
 * iiss_dce_call per request, once the call is over (response, fault, or no
 * response coming); it knows nothing of the interface being called.
 *
 * Memory: a partial PDU is buffered per direction (at most 64 KiB, the
 * largest frag_length), a call's reassembled stub is capped, all buffers
 * together stay within a budget (a PDU that does not fit is passed over),
 * and the number of outstanding calls is capped per connection and in
 * total. Call slots and their stub buffers are recycled, so steady traffic
 * allocates nothing. */
#ifndef IISS_DCERPC_H
#define IISS_DCERPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iiss/anomaly.h"
#include "ntlmssp_identity.h"
#include "tcp_stream.h"

enum iiss_dce_ptype {
    IISS_DCE_REQUEST = 0,
    IISS_DCE_RESPONSE = 2,
    IISS_DCE_FAULT = 3,
    IISS_DCE_BIND = 11,
    IISS_DCE_BIND_ACK = 12,
    IISS_DCE_BIND_NAK = 13,
    IISS_DCE_ALTER_CONTEXT = 14,
    IISS_DCE_ALTER_CONTEXT_RESP = 15,
    IISS_DCE_AUTH3 = 16,
    IISS_DCE_SHUTDOWN = 17,
    IISS_DCE_CO_CANCEL = 18,
    IISS_DCE_ORPHANED = 19,
};

enum {
    IISS_DCE_PFC_FIRST_FRAG = 0x01,
    IISS_DCE_PFC_LAST_FRAG = 0x02,
    IISS_DCE_PFC_OBJECT_UUID = 0x80,
};

/* sec_trailer auth_level (MS-RPCE 2.2.1.1.8). */
enum {
    IISS_DCE_AUTH_LEVEL_PKT_INTEGRITY = 5,
    IISS_DCE_AUTH_LEVEL_PKT_PRIVACY = 6,
};

typedef enum iiss_dce_syntax {
    IISS_DCE_SYNTAX_OTHER = 0,
    IISS_DCE_SYNTAX_NDR20, /* 8a885d04-1ceb-11c9-9fe8-08002b104860 v2 */
    IISS_DCE_SYNTAX_NDR64, /* 71710533-beba-4937-8319-b5dbef9ccc36 v1 */
} iiss_dce_syntax;

/* "NTLMSSP", "SPNEGO", "KERBEROS" ... or NULL for an unknown auth_type. */
const char *iiss_dce_auth_type_name(uint8_t auth_type);
/* "NONE", "CONNECT", "CALL", "PKT", "PKT_INTEGRITY", "PKT_PRIVACY" or NULL. */
const char *iiss_dce_auth_level_name(uint8_t auth_level);
/* "request", "bind_ack" ... or NULL. */
const char *iiss_dce_ptype_name(uint8_t ptype);
/* UUIDs are kept with little-endian fields (the wire form under a
 * little-endian drep, as iiss_iid_bytes). Writes upper-case 8-4-4-4-12. */
#define IISS_UUID_STR_MAX 37
const char *iiss_dce_uuid_format(const uint8_t uuid[16], char *buf, size_t n);

/* Transport-level events that concern a call (not stub anomalies): kinds
 * IISS_AN_TCP_GAP ... IISS_AN_PDU_TRUNCATED of iiss/anomaly.h. */
#define IISS_DCE_NOTE_MESSAGE_MAX 96
#define IISS_DCE_NOTES_MAX 4
typedef struct iiss_dce_note {
    iiss_anomaly_kind kind;
    uint64_t frame; /* the frame where it was noticed */
    char message[IISS_DCE_NOTE_MESSAGE_MAX];
} iiss_dce_note;

/* One side of a call: the request, or the response / fault. */
typedef struct iiss_dce_half {
    bool present;
    iiss_packet_meta meta;  /* the packet that completed the PDU (last fragment) */
    bool big_endian;        /* drep of the PDUs */
    bool has_auth;          /* a sec_trailer was present */
    uint8_t auth_type;
    uint8_t auth_level;
    bool sealed;            /* PKT_PRIVACY: the stub is ciphertext, stub is NULL */
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
    /* The auth type and level of the connection's bind when the request
     * carried no sec_trailer of its own. */
    bool bind_has_auth;
    uint8_t bind_auth_type;
    uint8_t bind_auth_level;
    size_t note_count;
    iiss_dce_note notes[IISS_DCE_NOTES_MAX];
} iiss_dce_call;

typedef void (*iiss_dce_call_fn)(void *user, const iiss_dce_call *call);

#define IISS_DCE_DEFAULT_MAX_CALL_STUB (16u * 1024u * 1024u)
#define IISS_DCE_DEFAULT_MAX_PENDING_PER_CONN 256u
#define IISS_DCE_DEFAULT_MAX_PENDING_TOTAL 8192u
#define IISS_DCE_DEFAULT_PENDING_TIMEOUT_SEC 600
#define IISS_DCE_DEFAULT_MAX_BUFFERED_TOTAL (32u * 1024u * 1024u)

typedef struct iiss_dce_config {
    size_t max_call_stub;         /* reassembled stub cap per call side */
    size_t max_pending_per_conn;  /* outstanding calls per connection */
    size_t max_pending_total;     /* outstanding calls in all */
    int64_t pending_timeout_sec;  /* capture time after which a response is no longer awaited */
    size_t max_buffered_total;    /* partial PDUs and stubs held over all connections */
} iiss_dce_config;

void iiss_dce_config_default(iiss_dce_config *cfg);

typedef struct iiss_dce_stats {
    uint64_t pdus;           /* PDUs framed */
    uint64_t pdus_malformed; /* framed but inconsistent inside */
    uint64_t pdus_truncated; /* cut short by the capture, read in part */
    uint64_t resyncs;        /* times a direction had to hunt for a header */
    uint64_t bytes_skipped;  /* bytes passed over while hunting */
    uint64_t calls;          /* calls emitted */
    uint64_t calls_abandoned;
    uint64_t stubs_capped;
    uint64_t pdus_dropped;    /* not buffered: the memory budget was spent */
    uint64_t budget_refusals; /* buffer growths refused by the budget */
    uint64_t buffered_peak;   /* most bytes held in buffers at once */
} iiss_dce_stats;

typedef struct iiss_dce iiss_dce;

/* cfg NULL: defaults. Returns NULL on allocation failure. */
iiss_dce *iiss_dce_new(const iiss_dce_config *cfg, iiss_dce_call_fn on_call, void *user);
/* Emits nothing more: close the streams first (the TCP stage does). */
void iiss_dce_free(iiss_dce *dce);
/* The sink the TCP stage delivers into. */
iiss_stream_sink iiss_dce_sink(iiss_dce *dce);
const iiss_dce_stats *iiss_dce_get_stats(const iiss_dce *dce);

/* The sink's functions, callable directly (tests feed hand-built streams). */
void iiss_dce_on_data(void *dce, iiss_tcp_stream *stream, iiss_direction dir, const uint8_t *data, size_t len,
                      const iiss_packet_meta *meta);
void iiss_dce_on_gap(void *dce, iiss_tcp_stream *stream, iiss_direction dir, uint64_t missing_bytes,
                     const iiss_packet_meta *meta);
void iiss_dce_on_close(void *dce, iiss_tcp_stream *stream);

#endif
