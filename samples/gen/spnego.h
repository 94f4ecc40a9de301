/* SPNEGO (RFC 4178, MS-SPNG) tokens wrapping NTLMSSP or Kerberos, as DCE/RPC carries
 * them with auth_type 9 (RPC_C_AUTHN_GSS_NEGOTIATE): the DER bytes of
 * negTokenInit and negTokenResp, written here from the ASN.1 of RFC 4178
 * section 4.2. Only definite lengths, as DER requires. */
#ifndef SAMPLEGEN_SPNEGO_H
#define SAMPLEGEN_SPNEGO_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

/* NegState (RFC 4178 4.2.2). */
enum spnego_neg_state {
    SPNEGO_ACCEPT_COMPLETED = 0,
    SPNEGO_ACCEPT_INCOMPLETE = 1,
    SPNEGO_REJECT = 2,
    SPNEGO_REQUEST_MIC = 3,
    SPNEGO_NO_NEG_STATE = -1, /* the field is left out */
};

/* The mechanism the initiator prefers. */
enum spnego_mech {
    SPNEGO_MECH_NTLMSSP,  /* mechTypes: NTLMSSP (1.3.6.1.4.1.311.2.2.10) alone */
    SPNEGO_MECH_KERBEROS, /* mechTypes: MS Kerberos, Kerberos, NTLMSSP, as Windows in a domain */
};

/* The MechTypeList: the bytes the mechListMIC is computed over (RFC 4178
 * 5: the DER of the mechTypes SEQUENCE of the negTokenInit, without its
 * [0] tag). */
void spnego_write_mech_type_list(bytebuf *out, enum spnego_mech mech);

/* InitialContextToken (RFC 2743 3.1) with the SPNEGO OID around a
 * negTokenInit: mechTypes = the list above, mechToken = the preferred
 * mechanism's first token (NTLMSSP NEGOTIATE, or the GSS-framed AP-REQ). */
void spnego_write_neg_token_init(bytebuf *out, enum spnego_mech mech, const uint8_t *mech_token,
                                 size_t mech_token_len);

/* negTokenResp ([1]): negState (or none), supportedMech (NTLMSSP, or MS
 * Kerberos) when with_supported_mech, responseToken when response_len > 0,
 * mechListMIC when mic_len > 0. */
void spnego_write_neg_token_resp(bytebuf *out, enum spnego_mech mech, enum spnego_neg_state state,
                                 int with_supported_mech,
                                 const uint8_t *response, size_t response_len, const uint8_t *mic,
                                 size_t mic_len);

#endif
