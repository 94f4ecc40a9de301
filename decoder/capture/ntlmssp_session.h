/* One NTLMSSP security context of a connection, as a third party sees it:
 * it reads the tokens of both sides (raw NTLMSSP, auth_type 10, or wrapped
 * in SPNEGO, auth_type 9), finds the credential that fits the AUTHENTICATE
 * by checking its proof against the server's CHALLENGE (nothing is
 * decrypted to decide), derives the exported session key and keeps the
 * sealing/signing state of each direction.
 *
 * The SPNEGO mechListMIC rule followed here, per direction: the MIC is an
 * NTLMSSP signature over the DER MechTypeList of the client's negTokenInit,
 * made with the sender's next sequence number (normally 0) and its RC4
 * state; afterwards the sender's sequence number stays advanced (the first
 * sealed PDU carries 1) and its RC4 state is set back to the one before the
 * MIC. Sources: MS-SPNG 3.3.5.1 ("NTLM RC4 Key State for MechListMIC and
 * First Signed Message": the client saves ClientHandle before generating the
 * MIC and restores it after; the server does the same with its handle
 * around validation, so the MIC and the first application message see the
 * same RC4 key state), and Samba's gensec SPNEGO code, which after the MIC
 * exchange calls gensec_may_reset_crypto(..., reset_full =
 * !done_mic_check): NTLMSSP then re-keys both RC4 states (ntlmssp_sign_reset)
 * but keeps the sequence numbers. Since the MIC is the first use of each
 * direction's RC4 state, re-keying gives the restored state. */
#ifndef IISS_NTLMSSP_SESSION_H
#define IISS_NTLMSSP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "credentials.h"
#include "ntlmssp_channel.h"

typedef enum iiss_ntlm_fit {
    IISS_NTLM_FIT_PENDING = 0,    /* no AUTHENTICATE yet */
    IISS_NTLM_FIT_NO_CREDENTIALS, /* none was given */
    IISS_NTLM_FIT_NO_CHALLENGE,   /* the AUTHENTICATE came without a CHALLENGE seen before it */
    IISS_NTLM_FIT_MALFORMED,      /* the AUTHENTICATE (or the CHALLENGE) is cut short or inconsistent */
    IISS_NTLM_FIT_ANONYMOUS,      /* anonymous authentication: no session key */
    IISS_NTLM_FIT_UNSUPPORTED,    /* NTLMv1 with LM_KEY / NON_NT_SESSION_KEY: needs the LM hash */
    IISS_NTLM_FIT_NONE,           /* no credential fits */
    IISS_NTLM_FIT_OK,
} iiss_ntlm_fit;

typedef enum iiss_ntlm_mic {
    IISS_NTLM_MIC_NONE = 0,   /* no mechListMIC from this side */
    IISS_NTLM_MIC_VERIFIED,
    IISS_NTLM_MIC_INVALID,
    IISS_NTLM_MIC_UNCHECKED,  /* no keys, or the MechTypeList was not seen */
} iiss_ntlm_mic;

#define IISS_NTLM_MECH_TYPES_MAX 512

typedef struct iiss_ntlm_session {
    const iiss_credentials *credentials; /* NULL: none */
    bool have_challenge;
    uint32_t challenge_flags;
    uint8_t server_challenge[8];
    iiss_ntlm_fit fit;
    const iiss_credential *credential; /* the one that fitted */
    bool ntlmv2;
    uint32_t flags; /* negotiated */
    /* [IISS_NTLM_CLIENT]: client to server; [IISS_NTLM_SERVER]: server to
     * client. Without extended session security only [0] is used, for both. */
    iiss_ntlm_channel channel[2];
    bool spnego;
    size_t mech_types_len;
    uint8_t mech_types[IISS_NTLM_MECH_TYPES_MAX];
    iiss_ntlm_mic mic[2];
} iiss_ntlm_session;

void iiss_ntlm_session_init(iiss_ntlm_session *s, const iiss_credentials *credentials);
/* Wipes the keys. */
void iiss_ntlm_session_clear(iiss_ntlm_session *s);

/* What one token was. */
typedef struct iiss_ntlm_token_result {
    bool is_ntlmssp;         /* an NTLMSSP message was found in it */
    int message_type;        /* iiss_ntlm_message_type */
    const uint8_t *message;  /* the NTLMSSP message inside (for the identity reader) */
    size_t message_len;
    bool had_mic;
} iiss_ntlm_token_result;

/* One auth_value of a bind / bind_ack / alter_context / alter_context_resp /
 * auth3, from `sender`. auth_type 9 (SPNEGO) or 10 (raw NTLMSSP); other
 * types are ignored. */
void iiss_ntlm_session_on_token(iiss_ntlm_session *s, uint8_t auth_type, iiss_ntlm_sender sender,
                                const uint8_t *token, size_t len, iiss_ntlm_token_result *result);

/* Feeds an AUTHENTICATE message directly (tests, and the token reader). */
iiss_ntlm_fit iiss_ntlm_session_on_challenge(iiss_ntlm_session *s, const uint8_t *msg, size_t len);
iiss_ntlm_fit iiss_ntlm_session_on_authenticate(iiss_ntlm_session *s, const uint8_t *msg, size_t len);

bool iiss_ntlm_session_has_keys(const iiss_ntlm_session *s);
/* The channel protecting `sender`'s messages; NULL without keys. */
iiss_ntlm_channel *iiss_ntlm_session_channel(iiss_ntlm_session *s, iiss_ntlm_sender sender);

/* "no credential fits", ... */
const char *iiss_ntlm_fit_message(iiss_ntlm_fit fit);

#endif
