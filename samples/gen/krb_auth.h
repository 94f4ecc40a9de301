/* A Kerberos-authenticated DCE/RPC connection for the Kerberos-sealed
 * samples, DCE style (MS-RPCE 3.3.1.5.2, MS-KILE 3.4.5): the AP-REQ in the
 * bind, the acceptor's AP-REP in the bind_ack, the initiator's AP-REP in
 * AUTH3; then every request and response sealed with CFX wrap tokens under
 * the acceptor subkey, one sequence number per direction. Inside SPNEGO
 * (auth_type 9) the AP-REQ is GSS-framed in the negTokenInit, the AP-REPs
 * ride in negTokenResp responseTokens (bind_ack, alter_context) and the
 * alter_context_resp says accept-completed: four legs (MS-RPCE
 * 3.3.1.5.2.1).
 *
 * Use: session_handshake(&s); krb_auth_bind(&a, &s, &x, level, ctx_id);
 * then the calls; krb_auth_free(&a) after session_finish. */
#ifndef SAMPLEGEN_KRB_AUTH_H
#define SAMPLEGEN_KRB_AUTH_H

#include <stdint.h>

#include "dcerpc_writer.h"
#include "kerberos.h"
#include "session.h"

#define DCE_AUTHN_GSS_KERBEROS 16

typedef enum krb_wrapping {
    KRB_RAW,    /* auth_type 16: bind AP-REQ, bind_ack AP-REP, AUTH3 AP-REP */
    KRB_SPNEGO, /* auth_type 9: the same tokens in SPNEGO over four legs */
} krb_wrapping;

typedef struct krb_auth {
    krb_sealer to_server;
    krb_sealer to_client;
    dce_auth client;
    dce_auth server;
    char service_principal[256]; /* "host/web01.contoso.local@CONTOSO.LOCAL", for the expected file */
} krb_auth;

/* Writes the three legs on `s` from the exchange `x` (x->ctime is set
 * from the capture clock) and installs the sealing hooks; sets s->auth
 * and s->sealed. */
void krb_auth_bind(krb_auth *a, session *s, krb_exchange *x, krb_wrapping wrapping, uint8_t auth_level,
                   uint32_t auth_context_id);
void krb_auth_free(krb_auth *a);

#endif
