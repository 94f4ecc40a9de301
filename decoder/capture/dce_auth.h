/* The authentication stage of DCE/RPC, between framing and calls.
 *
 * Per connection it sees every framed PDU in stream order (both
 * directions, as the TCP stage delivers them). It consumes the auth tokens
 * of bind / bind_ack / alter_context / alter_context_resp / auth3: the
 * NTLMSSP identity (ntlmssp_identity.c), the auth type and level the client
 * asked for and, when credentials were given, the NTLMSSP security context
 * (ntlmssp_session.c: raw NTLMSSP, auth_type 10, or inside SPNEGO,
 * auth_type 9), which finds the credential that fits and keeps the sealing
 * state of each direction.
 *
 * Kerberos (auth_type 16, or inside SPNEGO) goes to kerberos_session.c:
 * the AP-REQ's service principal is read in clear; with keytab keys the
 * ticket names the caller, and each sealed PDU's CFX wrap token is
 * unwrapped on its own (no state runs across PDUs, so a gap loses nothing).
 *
 * For each request / response PDU it decides which stub bytes the call
 * stage gets. Without keys: the PDU's own stub, or none when sealed
 * (PKT_PRIVACY). With keys, every protected PDU (PKT_INTEGRITY, PKT_PRIVACY;
 * faults too) is processed here, exactly once and in stream order, whatever
 * the TCP segmentation: the body (stub and auth padding) unsealed with the
 * sender's RC4 state, the signature over header, plaintext body and
 * sec_trailer checked (MS-RPCE 3.3.1.5.2.2, MS-NLMP 3.4). Each fragment
 * carries its own verifier (MS-RPCE 2.2.2.11), so this happens before the
 * call stage reassembles fragments. A sealed PDU whose signature fails is
 * handed on as sealed, without its stub: misread values are never shown. */
#ifndef IISS_DCE_AUTH_H
#define IISS_DCE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture_notes.h"
#include "credentials.h"
#include "dce_pdu.h"
#include "dce_stats.h"
#include "ntlmssp_identity.h"
#include "tcp_stream.h"

typedef struct iiss_dce_auth_config {
    /* Keys to unseal with, owned by the caller and outliving the stage;
     * NULL (the default): none. */
    const iiss_credentials *credentials;
} iiss_dce_auth_config;

void iiss_dce_auth_config_default(iiss_dce_auth_config *cfg);

/* Whether a PDU's verifier checked out. */
typedef enum iiss_dce_verified {
    IISS_DCE_VERIFIED_UNKNOWN = 0, /* not checked (no keys, or nothing to check) */
    IISS_DCE_VERIFIED_TRUE,
    IISS_DCE_VERIFIED_FALSE,
} iiss_dce_verified;

/* A fault's body follows alloc_hint, p_cont_id, cancel_count, reserved,
 * status and reserved2 (C706 12.6.4.7). */
#define IISS_DCE_FAULT_BODY_OFF 32u

struct iiss_ntlm_session;
struct iiss_krb_session;

/* What the stage knows of a connection, read by the call stage when it
 * emits a call. */
typedef struct iiss_dce_auth_conn {
    /* The NTLMSSP identity (fields "" when unknown), NULL until an NTLMSSP
     * message was seen. */
    iiss_ntlm_identity *identity;
    /* The auth type and level of the client's bind / alter_context / auth3. */
    bool bind_has_auth;
    uint8_t bind_auth_type;
    uint8_t bind_auth_level;
    /* The label of the credential that fits ("password #2"), NULL when none
     * does (or none was given). */
    const char *credential;
    /* What the connection's calls should say once (the first IIS call of
     * the connection shows it): no credential fits, or a mechListMIC that
     * does not verify. */
    bool has_conn_note;
    iiss_note conn_note;
    /* Internal: the NTLMSSP context (with credentials only), bytes lost per
     * direction. */
    struct iiss_ntlm_session *ntlm;
    /* Internal: the Kerberos context (with keytab keys, once an AP-REQ was
     * seen), and header signing as the bind offered and the ack accepted. */
    struct iiss_krb_session *krb;
    bool header_sign_offered, header_sign_accepted;
    bool lost[2];
    bool lost_note_pending[2]; /* for the first PDU of that side that cannot be unsealed */
    iiss_note lost_note[2];
} iiss_dce_auth_conn;

/* The stage's word on one request / response PDU. */
#define IISS_DCE_AUTH_STUB_NOTES 2
typedef struct iiss_dce_auth_stub {
    /* The stub bytes to use, valid during the call (into the PDU, or a
     * buffer of the stage); NULL when sealed and not decrypted. */
    const uint8_t *stub;
    size_t stub_len;
    bool sealed;    /* PKT_PRIVACY */
    bool decrypted; /* sealed, and `stub` is the plaintext */
    iiss_dce_verified verified;
    size_t note_count;
    iiss_note notes[IISS_DCE_AUTH_STUB_NOTES];
} iiss_dce_auth_stub;

typedef struct iiss_dce_auth iiss_dce_auth;

/* cfg NULL: defaults. stats (may be NULL): where the stage counts the
 * allocations that failed. NULL on allocation failure. */
iiss_dce_auth *iiss_dce_auth_new(const iiss_dce_auth_config *cfg, iiss_dce_stats *stats);
void iiss_dce_auth_free(iiss_dce_auth *auth);

void iiss_dce_auth_conn_init(iiss_dce_auth_conn *conn);
/* Frees the identity and wipes the keys. */
void iiss_dce_auth_conn_clear(iiss_dce_auth_conn *conn);

/* Every framed PDU of the connection, in stream order, before any use of
 * its stub. */
void iiss_dce_auth_on_pdu(iiss_dce_auth *auth, iiss_dce_auth_conn *conn, iiss_direction dir,
                          const iiss_dce_pdu *pdu, const iiss_packet_meta *meta);
/* A request / response / fault PDU whose stub lies at stub_off/stub_len
 * (a fault's body starts at IISS_DCE_FAULT_BODY_OFF). Every such PDU must
 * pass here, in stream order: protected ones move the sender's state. */
void iiss_dce_auth_stub_of(iiss_dce_auth *auth, iiss_dce_auth_conn *conn, iiss_direction dir,
                           const iiss_dce_pdu *pdu, size_t stub_off, size_t stub_len, iiss_dce_auth_stub *out);
/* Bytes of direction `dir` were lost: with keys, its RC4 state cannot be
 * followed any more (the lost PDUs' lengths are unknown). */
void iiss_dce_auth_on_gap(iiss_dce_auth *auth, iiss_dce_auth_conn *conn, iiss_direction dir,
                          const iiss_packet_meta *meta);

#endif
