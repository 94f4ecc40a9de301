/* An NTLMSSP-authenticated DCE/RPC connection for the sealed samples: the
 * bind legs (raw NTLMSSP with AUTH3, or SPNEGO-wrapped with alter_context),
 * the keys derived from the account's password or NT hash, and the protect
 * hooks that seal (PKT_PRIVACY) or sign (PKT_INTEGRITY) every request and
 * response after it, one RC4 state and sequence number per direction.
 *
 * Use: session_handshake(&s); ntlm_auth_bind(&a, &s, &account, ...);
 * then the calls (session_*_call); ntlm_auth_free(&a) after session_finish. */
#ifndef SAMPLEGEN_NTLM_AUTH_H
#define SAMPLEGEN_NTLM_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "dcerpc_writer.h"
#include "ntlmssp.h"
#include "session.h"

typedef enum ntlm_wrapping {
    NTLM_RAW,    /* auth_type 10: bind NEGOTIATE, bind_ack CHALLENGE, AUTH3 AUTHENTICATE */
    NTLM_SPNEGO, /* auth_type 9: bind, bind_ack, alter_context, alter_context_resp */
} ntlm_wrapping;

/* Who authenticates, and the values a real peer would draw at random. */
typedef struct ntlm_account {
    const char *domain;
    const char *user;
    const char *workstation;
    const char *password; /* NULL: only nt_hash is known */
    uint8_t nt_hash[NTLMSSP_KEY_LEN];
    uint8_t server_challenge[NTLMSSP_CHALLENGE_LEN];
    uint8_t client_challenge[NTLMSSP_CHALLENGE_LEN];
    uint8_t random_session_key[NTLMSSP_KEY_LEN];
} ntlm_account;

typedef struct ntlm_hook {
    ntlmssp_sealer *sealer;
    bool seal;             /* PKT_PRIVACY: encrypt the body too */
    bool tamper_next;      /* break the next signature (one byte of its checksum) */
} ntlm_hook;

typedef struct ntlm_auth {
    uint32_t flags;        /* as the AUTHENTICATE message carries them */
    ntlm_hook to_server;
    ntlm_hook to_client;
    dce_auth client;       /* what s->client_auth / server_auth point at */
    dce_auth server;
} ntlm_auth;

/* Writes the bind legs on `s` (after its handshake) and installs the
 * protect hooks; sets s->auth (type, level, names) and s->sealed. */
void ntlm_auth_bind(ntlm_auth *a, session *s, const ntlm_account *account, ntlm_wrapping wrapping,
                    uint8_t auth_level, uint32_t auth_context_id);
void ntlm_auth_free(ntlm_auth *a);

#endif
