/* One Kerberos security context of a DCE/RPC connection, as the reviewer's
 * keytab lets it be followed (RFC 4120, RFC 4121, MS-KILE 3.4.5): the
 * AP-REQ's ticket decrypted with the service key that fits (principal,
 * enctype and kvno when they match, else every key of the enctype) for the
 * session key and the client principal; the authenticator for the
 * initiator's subkey and sequence number; the AP-REPs for the acceptor
 * subkey. Then each CFX wrap token (DCE style: EC and RRC, the PDU header
 * and sec_trailer signed when header signing was negotiated) is unwrapped
 * and its checksum verified; so is each RFC 4757 (RC4-HMAC) wrap token.
 * Every cryptographic operation is MIT krb5's (krb5_c_decrypt,
 * krb5_c_decrypt_iov, krb5_c_make_checksum, and for RC4 tokens the
 * krb5int_arcfour_gsscrypt MIT's GSS library uses); nothing checks
 * clocks: captures are old when they are read.
 *
 * Keys live only here and are wiped by iiss_krb_session_clear. */
#ifndef IISS_KERBEROS_SESSION_H
#define IISS_KERBEROS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <krb5/krb5.h>

#include "credentials.h"
#include "kerberos_message.h"

typedef enum iiss_krb_fit {
    IISS_KRB_FIT_PENDING = 0, /* no AP-REQ yet, or no keytab key given */
    IISS_KRB_FIT_OK,          /* the ticket and the authenticator decrypted */
    IISS_KRB_FIT_NONE,        /* no keytab key decrypts the ticket */
    IISS_KRB_FIT_BAD_TICKET,  /* decrypted, but not an EncTicketPart */
    IISS_KRB_FIT_BAD_AUTHENTICATOR, /* the session key does not open it */
} iiss_krb_fit;

typedef struct iiss_krb_keyslot {
    bool present;
    int32_t enctype;
    size_t len;
    uint8_t bytes[IISS_KRB_KEY_BYTES_MAX];
} iiss_krb_keyslot;

typedef struct iiss_krb_session {
    const iiss_credentials *creds;
    krb5_context ctx; /* borrowed; NULL: nothing can be decrypted */
    iiss_krb_fit fit;
    const iiss_krb_key *service_key; /* the keytab entry that opened the ticket */
    char client[IISS_KRB_NAME_MAX];  /* cname and crealm of the ticket */
    char client_realm[IISS_KRB_NAME_MAX];
    iiss_krb_keyslot session_key;
    iiss_krb_keyslot initiator_subkey;
    iiss_krb_keyslot acceptor_subkey;
    bool has_initiator_seq, has_acceptor_seq;
    uint32_t initiator_seq, acceptor_seq;
    bool ap_rep_seen;     /* the acceptor's AP-REP came */
    bool ap_rep_bad;      /* ... and did not decrypt with the session key */
} iiss_krb_session;

void iiss_krb_session_init(iiss_krb_session *s, const iiss_credentials *creds, krb5_context ctx);
/* Wipes every key. */
void iiss_krb_session_clear(iiss_krb_session *s);

/* A token of the exchange: the client's AP-REQ (a new context) or AP-REP,
 * the server's AP-REP. */
void iiss_krb_session_on_token(iiss_krb_session *s, bool from_server, const iiss_krb_token *token);

/* "enctype 18 (aes256-cts-hmac-sha1-96)" for messages. */
void iiss_krb_enctype_text(int32_t enctype, char *out, size_t cap);

typedef enum iiss_krb_unwrap_result {
    IISS_KRB_UNWRAP_OK,          /* unsealed, the checksum verified */
    IISS_KRB_UNWRAP_INVALID,     /* the checksum (or the header copy) does not verify */
    IISS_KRB_UNWRAP_NO_KEY,      /* the token asks for a key the exchange did not give */
    IISS_KRB_UNWRAP_MALFORMED,   /* not a sealed CFX or RFC 4757 token in the DCE layout */
} iiss_krb_unwrap_result;

/* One sealed PDU of `from_server`'s side: the body ciphertext `body`
 * (stub and auth padding) is unsealed into `plain` (body_len bytes); the
 * PDU header before the body and the sec_trailer are what header signing
 * signs; `verifier` is the auth value. Tries the negotiated header signing
 * first, then the other way. */
iiss_krb_unwrap_result iiss_krb_session_unwrap(const iiss_krb_session *s, bool from_server, bool header_signing,
                                               const uint8_t *header, size_t header_len, const uint8_t *body,
                                               uint8_t *plain, size_t body_len, const uint8_t *trailer,
                                               size_t trailer_len, const uint8_t *verifier, size_t verifier_len);

#endif
