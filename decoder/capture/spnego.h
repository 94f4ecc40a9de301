/* SPNEGO tokens (RFC 4178, MS-SPNG 2.2) as DCE/RPC carries them with
 * auth_type 9: the client's first token is a GSS InitialContextToken
 * ([APPLICATION 0] { 1.3.6.1.5.5.2, negTokenInit }); later tokens, both
 * ways, are bare negTokenResp ([1]). Also accepted: a bare negTokenInit, and
 * MS-SPNG's NegTokenInit2 (negHints at [3], mechListMIC at [4]).
 *
 * What comes out are views into the token: the mechanism token (the
 * NTLMSSP message), the mechListMIC, and the DER encoding of the
 * MechTypeList, which the mechListMIC signs. */
#ifndef IISS_SPNEGO_H
#define IISS_SPNEGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum iiss_spnego_kind {
    IISS_SPNEGO_NONE = 0, /* not SPNEGO, or malformed */
    IISS_SPNEGO_INIT,
    IISS_SPNEGO_RESP,
} iiss_spnego_kind;

/* negState (RFC 4178 4.2.2). */
enum {
    IISS_SPNEGO_ACCEPT_COMPLETED = 0,
    IISS_SPNEGO_ACCEPT_INCOMPLETE = 1,
    IISS_SPNEGO_REJECT = 2,
    IISS_SPNEGO_REQUEST_MIC = 3,
};

typedef struct iiss_spnego_bytes {
    const uint8_t *data; /* NULL when absent */
    size_t len;
} iiss_spnego_bytes;

typedef struct iiss_spnego_token {
    iiss_spnego_kind kind;
    /* negTokenInit */
    iiss_spnego_bytes mech_types; /* the MechTypeList SEQUENCE, tag and length included */
    size_t mech_count;
    bool ntlmssp_offered;
    bool ntlmssp_first; /* the initiator's preferred mechanism */
    /* negTokenResp */
    bool has_neg_state;
    uint32_t neg_state;
    bool has_supported_mech;
    bool supported_mech_is_ntlmssp;
    /* both */
    iiss_spnego_bytes mech_token; /* mechToken / responseToken */
    iiss_spnego_bytes mech_list_mic;
} iiss_spnego_token;

/* False (kind NONE) when the bytes are not a well-formed SPNEGO token. */
bool iiss_spnego_parse(const uint8_t *data, size_t len, iiss_spnego_token *out);

/* The NTLMSSP mechanism OID 1.3.6.1.4.1.311.2.2.10, DER contents. */
extern const uint8_t iiss_spnego_ntlmssp_oid[10];

#endif
