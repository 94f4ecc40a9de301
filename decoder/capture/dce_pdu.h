/* One connection-oriented DCE/RPC PDU (C706 chapter 12, MS-RPCE 2.2.2):
 * pure functions over its bytes, no stream state. The header view and its
 * plausibility, the sec_trailer and stub bounds, the request and fault
 * headers, the context lists of bind / alter_context and of their acks,
 * transfer-syntax classification and UUIDs in the drep's byte order.
 * Every read goes through iiss_reader; every length from the wire is
 * checked against the bytes present. */
#ifndef IISS_DCE_PDU_H
#define IISS_DCE_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iiss/reader.h"

#define IISS_DCE_HEADER_LEN 16u
#define IISS_DCE_SEC_TRAILER_LEN 8u
/* A response's stub follows alloc_hint, p_cont_id, cancel_count, reserved. */
#define IISS_DCE_RESPONSE_STUB_OFF 24u

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

/* The common header and sec_trailer of one PDU. */
typedef struct iiss_dce_pdu {
    const uint8_t *data;
    size_t len;
    uint8_t ptype;
    uint8_t flags;
    bool big_endian;
    uint16_t auth_length;
    uint32_t call_id;
    /* sec_trailer, when auth_length > 0 and the trailer is present */
    bool has_auth;
    uint8_t auth_type, auth_level, auth_pad;
    size_t auth_value_off; /* the auth value runs to the end of the PDU */
    size_t body_end;       /* where the stub or body ends (before padding and trailer) */
    bool malformed;        /* auth padding longer than the body */
    bool truncated;        /* cut by the capture: len < frag_length */
    bool memory_cut;       /* truncated by the memory limit, not the capture (set by the caller) */
    size_t frag_length;
} iiss_dce_pdu;

/* Whether the `avail` bytes at p (up to a header's 16) can start a PDU:
 * version 5.0, a connection-oriented type, a drep with defined values,
 * and lengths that fit together. Used both to frame and to resynchronise. */
bool iiss_dce_header_plausible(const uint8_t *p, size_t avail);
/* frag_length of a whole (16-byte) header. */
uint16_t iiss_dce_header_frag_length(const uint8_t *p);

/* `len` bytes are present of the frag_length the header announces (fewer
 * when the capture cut the PDU: the sec_trailer is then lost with the end,
 * and the body runs to what is present). The header must be plausible. */
void iiss_dce_pdu_init(iiss_dce_pdu *v, const uint8_t *data, size_t len, size_t frag_length);

/* The stub of a request/response: from body_off to auth_pad bytes before
 * the sec_trailer. False (and v->malformed) when the bounds do not fit;
 * the stub is then what can be kept of it (possibly empty). */
bool iiss_dce_pdu_stub_bounds(iiss_dce_pdu *v, size_t body_off, size_t *stub_off, size_t *stub_len);

/* PKT_PRIVACY: the stub is ciphertext. */
bool iiss_dce_pdu_sealed(const iiss_dce_pdu *v);

typedef struct iiss_dce_request_header {
    uint16_t ctx_id;
    uint16_t opnum;
    bool has_object; /* PFC_OBJECT_UUID: the object UUID (a DCOM IPID) */
    uint8_t object[16];
    size_t stub_off; /* where the stub starts */
} iiss_dce_request_header;

/* False when the request header does not fit in the body. */
bool iiss_dce_pdu_request_header(const iiss_dce_pdu *v, iiss_dce_request_header *h);
/* The status of a fault (0 when cut short). */
uint32_t iiss_dce_pdu_fault_status(const iiss_dce_pdu *v);

/* A presentation context as a bind proposes it and its ack settles it. */
typedef struct iiss_dce_context {
    uint16_t ctx_id;
    uint8_t abstract[16];
    uint16_t version_major;
    uint16_t version_minor;
    iiss_dce_syntax syntax; /* from the ack */
} iiss_dce_context;

/* bind / alter_context: the proposed contexts, in order; the first `max`
 * whole ones are stored (*n of them). False when the list is malformed. */
bool iiss_dce_pdu_bind_contexts(const iiss_dce_pdu *v, iiss_dce_context *out, size_t max, size_t *n);

/* One result of a bind_ack / alter_context_resp, answering the proposal
 * at the same position. */
typedef struct iiss_dce_ack_result {
    uint16_t result; /* 0 acceptance, 3 negotiation entries ... */
    iiss_dce_syntax syntax;
} iiss_dce_ack_result;

/* Like iiss_dce_pdu_bind_contexts, for the results of an ack. */
bool iiss_dce_pdu_ack_results(const iiss_dce_pdu *v, iiss_dce_ack_result *out, size_t max, size_t *n);

/* Reads a UUID in the drep's byte order into the little-endian-fields form
 * (zeros when cut short). */
void iiss_dce_read_uuid(iiss_reader *rd, uint8_t out[16]);
iiss_dce_syntax iiss_dce_classify_transfer(const uint8_t uuid[16], uint16_t major);

#endif
