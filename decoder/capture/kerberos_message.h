/* Kerberos messages as DCE/RPC carries them (RFC 4120 5.3-5.5, RFC 4121
 * 4.1), read with the bounded DER reader (der.h): the AP-REQ (raw, as DCE
 * style sends it, or in the GSS framing with the Kerberos OID and TOK_ID),
 * the AP-REP, and, once decrypted, the EncTicketPart, the Authenticator and
 * the EncAPRepPart. No crypto here: the encrypted parts come out as views
 * into the token, decrypted by kerberos_session.c.
 *
 * Names are "comp1/comp2" (components joined by '/'), truncated to fit. */
#ifndef IISS_KERBEROS_MESSAGE_H
#define IISS_KERBEROS_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IISS_KRB_NAME_MAX 192
#define IISS_KRB_KEY_BYTES_MAX 64

typedef struct iiss_krb_bytes {
    const uint8_t *data;
    size_t len;
} iiss_krb_bytes;

/* EncryptedData ::= SEQUENCE { etype [0], kvno [1] OPTIONAL, cipher [2] } */
typedef struct iiss_krb_encrypted {
    int32_t etype;
    bool has_kvno;
    uint32_t kvno;
    iiss_krb_bytes cipher;
} iiss_krb_encrypted;

/* EncryptionKey ::= SEQUENCE { keytype [0], keyvalue [1] } (a view). */
typedef struct iiss_krb_key_view {
    int32_t enctype;
    iiss_krb_bytes value;
} iiss_krb_key_view;

typedef enum iiss_krb_token_kind {
    IISS_KRB_TOKEN_NONE = 0, /* not a Kerberos token, or malformed */
    IISS_KRB_TOKEN_AP_REQ,
    IISS_KRB_TOKEN_AP_REP,
    IISS_KRB_TOKEN_ERROR,    /* KRB-ERROR: the exchange failed */
} iiss_krb_token_kind;

/* What a token carries in clear. */
typedef struct iiss_krb_token {
    iiss_krb_token_kind kind;
    bool gss_framed;
    /* AP-REQ: ap-options, the ticket's realm and service, its enc-part, the
     * authenticator. */
    uint32_t ap_options;
    char realm[IISS_KRB_NAME_MAX];
    char service[IISS_KRB_NAME_MAX];
    iiss_krb_encrypted ticket;
    iiss_krb_encrypted authenticator;
    /* AP-REP: its enc-part. */
    iiss_krb_encrypted ap_rep;
    /* KRB-ERROR: error-code. */
    uint32_t error_code;
} iiss_krb_token;

/* Parses a token; kind NONE when it is not one of the three messages or is
 * malformed (hostile lengths fail inside the DER reader). */
iiss_krb_token_kind iiss_krb_parse_token(const uint8_t *data, size_t len, iiss_krb_token *out);

/* EncTicketPart ([APPLICATION 3]): the session key and the client. */
typedef struct iiss_krb_ticket_part {
    iiss_krb_key_view key;
    char crealm[IISS_KRB_NAME_MAX];
    char cname[IISS_KRB_NAME_MAX];
} iiss_krb_ticket_part;
bool iiss_krb_parse_ticket_part(const uint8_t *data, size_t len, iiss_krb_ticket_part *out);

/* Authenticator ([APPLICATION 2]): the client, the GSS checksum's flags
 * (RFC 4121 4.1.1, checksum type 0x8003), the subkey and sequence number. */
typedef struct iiss_krb_authenticator {
    char crealm[IISS_KRB_NAME_MAX];
    char cname[IISS_KRB_NAME_MAX];
    bool has_gss_flags;
    uint32_t gss_flags;
    bool has_subkey;
    iiss_krb_key_view subkey;
    bool has_seq;
    uint32_t seq;
} iiss_krb_authenticator;
bool iiss_krb_parse_authenticator(const uint8_t *data, size_t len, iiss_krb_authenticator *out);

/* EncAPRepPart ([APPLICATION 27]): the subkey and sequence number. */
typedef struct iiss_krb_ap_rep_part {
    bool has_subkey;
    iiss_krb_key_view subkey;
    bool has_seq;
    uint32_t seq;
} iiss_krb_ap_rep_part;
bool iiss_krb_parse_ap_rep_part(const uint8_t *data, size_t len, iiss_krb_ap_rep_part *out);

#endif
