/* DCE/RPC connection-oriented PDU builder (C706 chapter 12, MS-RPCE 2.2.2).
 *
 * A dce_stream is one direction of one connection: the PDUs are appended to
 * its byte stream (later cut into TCP segments) and logged, so the expected
 * decode file can list every PDU with the exact values written. The drep of
 * the stream sets the byte order of every header integer and UUID; the caller
 * writes the stub in that same order (see ndr_writer.h).
 *
 * Requests and responses larger than the stream's max_frag are split into
 * fragments (PFC_FIRST_FRAG / PFC_LAST_FRAG, alloc_hint = stub bytes left).
 *
 * ---- Authentication hook (for the sealed scenario) ----
 * Pass a dce_auth to any writer to append an auth verifier:
 *   [stub][auth padding][sec_trailer 8 bytes][auth value]
 * and set auth_length in the header.
 *  - bind, bind_ack, alter_context, alter_context_resp, auth3: the auth value
 *    is `token` (token_len bytes) verbatim, e.g. an NTLMSSP NEGOTIATE,
 *    CHALLENGE or AUTHENTICATE message. No padding (those bodies are already
 *    4-aligned).
 *  - request, response, fault: the body (stub) is padded with zeros to a
 *    multiple of 16 bytes (MS-RPCE 2.2.2.11; auth_pad_length says how many),
 *    then the sec_trailer, then `verifier_len` zero bytes. Once the whole PDU
 *    is laid out (frag_length and auth_length final), `protect` is called
 *    once per PDU (per fragment), in the order the PDUs are written on this
 *    stream, so an RC4 keystream per direction continues naturally:
 *        protect(ctx, pdu, pdu_len, body_offset, body_len,
 *                verifier_offset, verifier_len)
 *    pdu[0..pdu_len) is the complete PDU, writable in place;
 *    pdu[body_offset .. body_offset+body_len) is stub + auth padding (what
 *    PKT_PRIVACY seals; the 8-byte sec_trailer follows it);
 *    pdu[verifier_offset .. +verifier_len) is the signature to fill.
 *    Return 0 on success, DCE_PROTECT_TAMPERED when the hook wrote a wrong
 *    signature on purpose (recorded in the PDU's record); anything else
 *    aborts the generator. The stub's plaintext is kept in the stream's
 *    `plaintext` buffer, for the expected file.
 *    With protect == NULL the verifier stays zero (e.g. for a test of the
 *    layout only).
 * Fragment sizes account for the verifier: each fragment's stub is a multiple
 * of 16 bytes except the last one's.
 */
#ifndef SAMPLEGEN_DCERPC_WRITER_H
#define SAMPLEGEN_DCERPC_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

enum dce_pkt_type {
    DCE_PKT_REQUEST = 0,
    DCE_PKT_RESPONSE = 2,
    DCE_PKT_FAULT = 3,
    DCE_PKT_BIND = 11,
    DCE_PKT_BIND_ACK = 12,
    DCE_PKT_BIND_NAK = 13,
    DCE_PKT_ALTER_CONTEXT = 14,
    DCE_PKT_ALTER_CONTEXT_RESP = 15,
    DCE_PKT_AUTH3 = 16,
};

enum dce_pfc_flags {
    DCE_PFC_FIRST_FRAG = 0x01,
    DCE_PFC_LAST_FRAG = 0x02,
    DCE_PFC_SUPPORT_HEADER_SIGN = 0x04, /* bind / alter_context (MS-RPCE 2.2.2.3) */
    DCE_PFC_CONC_MPX = 0x10,
    DCE_PFC_DID_NOT_EXECUTE = 0x20,
    DCE_PFC_MAYBE = 0x40,
    DCE_PFC_OBJECT_UUID = 0x80,
};

enum dce_auth_level {
    DCE_AUTHN_LEVEL_CONNECT = 2,
    DCE_AUTHN_LEVEL_PKT_INTEGRITY = 5,
    DCE_AUTHN_LEVEL_PKT_PRIVACY = 6,
};

#define DCE_AUTHN_GSS_NEGOTIATE 9 /* SPNEGO */
#define DCE_AUTHN_WINNT 10 /* NTLMSSP */
#define DCE_PROTECT_TAMPERED 1
#define DCE_SEC_TRAILER_LEN 8u
#define DCE_AUTH_PAD_ALIGN 16u

typedef int (*dce_protect_fn)(void *ctx, uint8_t *pdu, size_t pdu_len, size_t body_offset, size_t body_len,
                              size_t verifier_offset, size_t verifier_len);

typedef struct dce_auth {
    uint8_t auth_type;        /* DCE_AUTHN_WINNT */
    uint8_t auth_level;       /* DCE_AUTHN_LEVEL_PKT_PRIVACY ... */
    uint32_t auth_context_id;
    /* bind-type PDUs and auth3: the security token carried as auth value */
    const uint8_t *token;
    size_t token_len;
    /* request/response/fault: signature length (16 for NTLMSSP) and hook */
    size_t verifier_len;
    dce_protect_fn protect;
    void *protect_ctx;
} dce_auth;

/* One PDU as written, for the expected file ("pdus" list). */
#define DCE_MAX_CONTEXT_ITEMS 4
typedef struct dce_pdu_record {
    uint8_t pkt_type;
    uint8_t flags;
    uint32_t call_id;
    int32_t ctx_id;       /* -1: the PDU has no single context id */
    int32_t opnum;        /* -1: no call (tshark shows a response's opnum too) */
    bool has_object;
    guid object;          /* request with PFC_OBJECT_UUID */
    size_t n_ctx_items;   /* bind / alter_context: the presented context ids */
    uint16_t ctx_items[DCE_MAX_CONTEXT_ITEMS];
    guid abstract[DCE_MAX_CONTEXT_ITEMS];      /* bind: each item's interface */
    size_t n_transfer;    /* bind: every offered syntax; bind_ack: each result's */
    guid transfer[2 * DCE_MAX_CONTEXT_ITEMS];
    size_t stream_start;  /* byte range of the PDU in its direction's stream */
    size_t stream_end;
    /* request / response / fault with a protected verifier (protect hook):
     * its auth type and level, and the plaintext stub of this PDU (without
     * auth padding) at [plain_start, plain_end) of the stream's plaintext. */
    uint8_t auth_type;
    uint8_t auth_level;   /* 0: no protected verifier */
    size_t plain_start;
    size_t plain_end;
    bool signature_invalid;
} dce_pdu_record;

typedef struct dce_stream {
    bytebuf bytes;        /* the PDUs, back to back; bytes.big_endian is the drep */
    bytebuf plaintext;    /* the stubs of protected PDUs before protection */
    uint16_t max_frag;    /* max_xmit_frag this side uses for requests/responses */
    dce_pdu_record *pdus;
    size_t n_pdus;
    size_t cap_pdus;
} dce_stream;

void dce_stream_init(dce_stream *s, bool big_endian, uint16_t max_frag);
void dce_stream_free(dce_stream *s);

/* An abstract or transfer syntax: interface UUID and version. */
typedef struct dce_syntax {
    guid uuid;
    uint16_t version_major;
    uint16_t version_minor;
} dce_syntax;

extern const dce_syntax DCE_SYNTAX_NDR20; /* 8A885D04-1CEB-11C9-9FE8-08002B104860 v2.0 */
extern const dce_syntax DCE_SYNTAX_NDR64; /* 71710533-BEBA-4937-8319-B5DBEF9CCC36 v1.0 */

typedef struct dce_context_item {
    uint16_t ctx_id;
    dce_syntax abstract;
    size_t n_transfer;
    dce_syntax transfer[2];
} dce_context_item;

enum dce_ack_result { DCE_ACCEPTANCE = 0, DCE_USER_REJECTION = 1, DCE_PROVIDER_REJECTION = 2 };

typedef struct dce_ack_result_item {
    uint16_t result;      /* dce_ack_result */
    uint16_t reason;      /* 2 = proposed_transfer_syntaxes_not_supported */
    dce_syntax transfer;  /* accepted syntax, all zero when rejected */
} dce_ack_result_item;

/* bind (DCE_PKT_BIND) or alter_context (DCE_PKT_ALTER_CONTEXT). */
void dce_write_bind(dce_stream *s, uint8_t pkt_type, uint32_t call_id, uint8_t extra_flags, uint16_t max_xmit,
                    uint16_t max_recv, uint32_t assoc_group, const dce_context_item *items, size_t n_items,
                    const dce_auth *auth);

/* bind_ack (DCE_PKT_BIND_ACK) or alter_context_resp; secondary_address
 * is the port as text ("49155"), "" for alter_context_resp. */
void dce_write_bind_ack(dce_stream *s, uint8_t pkt_type, uint32_t call_id, uint8_t extra_flags, uint16_t max_xmit,
                        uint16_t max_recv, uint32_t assoc_group, const char *secondary_address,
                        const dce_ack_result_item *results, size_t n_results, const dce_auth *auth);

/* auth3 (MS-RPCE 2.2.2.10): 4 pad bytes then the verifier carrying the token. */
void dce_write_auth3(dce_stream *s, uint32_t call_id, const dce_auth *auth);

typedef struct dce_call {
    uint32_t call_id;
    uint16_t ctx_id;
    uint16_t opnum;
    const guid *object;   /* request only: IPID, sets PFC_OBJECT_UUID; NULL for none */
} dce_call;

/* request / response, fragmented by s->max_frag. */
void dce_write_request(dce_stream *s, const dce_call *call, const uint8_t *stub, size_t stub_len,
                       const dce_auth *auth);
void dce_write_response(dce_stream *s, const dce_call *call, const uint8_t *stub, size_t stub_len,
                        const dce_auth *auth);
/* fault with `status` (e.g. 0x000006F7 nca_s_fault_ndr); flags adds e.g.
 * DCE_PFC_DID_NOT_EXECUTE. */
void dce_write_fault(dce_stream *s, const dce_call *call, uint32_t status, uint8_t extra_flags,
                     const dce_auth *auth);

#endif
