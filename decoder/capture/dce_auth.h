/* The authentication stage of DCE/RPC, between framing and calls.
 *
 * Per connection it sees every framed PDU in stream order (both
 * directions, as the TCP stage delivers them). It consumes the auth tokens
 * of bind / bind_ack / alter_context / alter_context_resp / auth3 (today:
 * the NTLMSSP identity read from them, ntlmssp_identity.c, and the auth
 * type and level the client asked for), and for each request / response
 * PDU it decides which stub bytes the call stage gets: the PDU's own stub
 * (no sec_trailer, or PKT_INTEGRITY and below) or none when sealed
 * (PKT_PRIVACY). Decryption, when it comes, is per PDU (each fragment
 * carries its own verifier, MS-RPCE 2.2.2.11), so it belongs here, before
 * the call stage reassembles fragments. */
#ifndef IISS_DCE_AUTH_H
#define IISS_DCE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dce_pdu.h"
#include "ntlmssp_identity.h"
#include "tcp_stream.h"

typedef struct iiss_dce_auth_config {
    const void *credentials; /* keys to unseal with; NULL (the default): none */
} iiss_dce_auth_config;

void iiss_dce_auth_config_default(iiss_dce_auth_config *cfg);

/* Whether a PDU's verifier checked out. */
typedef enum iiss_dce_verified {
    IISS_DCE_VERIFIED_UNKNOWN = 0, /* not checked (no keys, or nothing to check) */
    IISS_DCE_VERIFIED_TRUE,
    IISS_DCE_VERIFIED_FALSE,
} iiss_dce_verified;

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
} iiss_dce_auth_conn;

/* The stage's word on one request / response PDU. */
typedef struct iiss_dce_auth_stub {
    /* The stub bytes to use, valid during the call (into the PDU, or a
     * buffer of the stage); NULL when sealed and not decrypted. */
    const uint8_t *stub;
    size_t stub_len;
    bool sealed;    /* PKT_PRIVACY */
    bool decrypted; /* sealed, and `stub` is the plaintext */
    iiss_dce_verified verified;
} iiss_dce_auth_stub;

typedef struct iiss_dce_auth iiss_dce_auth;

/* cfg NULL: defaults. NULL on allocation failure. */
iiss_dce_auth *iiss_dce_auth_new(const iiss_dce_auth_config *cfg);
void iiss_dce_auth_free(iiss_dce_auth *auth);

void iiss_dce_auth_conn_init(iiss_dce_auth_conn *conn);
void iiss_dce_auth_conn_clear(iiss_dce_auth_conn *conn);

/* Every framed PDU of the connection, in stream order. */
void iiss_dce_auth_on_pdu(iiss_dce_auth *auth, iiss_dce_auth_conn *conn, iiss_direction dir,
                          const iiss_dce_pdu *pdu);
/* A request / response PDU whose stub lies at stub_off/stub_len. */
void iiss_dce_auth_stub_of(iiss_dce_auth *auth, iiss_dce_auth_conn *conn, iiss_direction dir,
                           const iiss_dce_pdu *pdu, size_t stub_off, size_t stub_len, iiss_dce_auth_stub *out);

#endif
