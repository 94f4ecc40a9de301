/* Kerberos for the Kerberos-sealed samples, made offline as test tools make
 * them: a service ticket for a principal whose key the sample's keytab
 * holds, the AP-REQ / AP-REP of a DCE-style mutual authentication (RFC 4120
 * 5.3-5.5, RFC 4121 4.1, MS-KILE 3.4.5), and the RFC 4121 CFX wrap tokens
 * that seal DCE/RPC stubs (MS-KILE 3.4.5.4.1: EC 16, RRC 28, the PDU header
 * and sec_trailer signed when header signing was negotiated).
 *
 * The DER is written here (der_writer.h); every cryptographic operation is
 * MIT krb5's (krb5_c_encrypt, krb5_c_encrypt_iov, krb5_c_string_to_key).
 * Its confounders come from krb5_c_random_make_octets, which this file
 * replaces with a fixed stream (krb_random_reset) so that a sample is the
 * same at every run. */
#ifndef SAMPLEGEN_KERBEROS_H
#define SAMPLEGEN_KERBEROS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <krb5.h>

#include "bytebuf.h"

/* Key usages (RFC 4120 7.5.1, RFC 4121 2). */
enum {
    KRB_USAGE_TICKET = 2,
    KRB_USAGE_AUTHENTICATOR = 11,
    KRB_USAGE_AP_REP = 12,
    KRB_USAGE_ACCEPTOR_SEAL = 22,
    KRB_USAGE_INITIATOR_SEAL = 24,
};

/* CFX token flags (RFC 4121 4.2.2). */
enum { KRB_CFX_SENT_BY_ACCEPTOR = 0x01, KRB_CFX_SEALED = 0x02, KRB_CFX_ACCEPTOR_SUBKEY = 0x04 };

/* The verifier of a sealed AES PDU: token header 16, then the encrypted
 * EC filler and token header copy 32, the HMAC 12, the confounder 16. */
#define KRB_CFX_EC 16u
#define KRB_CFX_RRC 28u
#define KRB_CFX_AES_VERIFIER_LEN 76u
/* An RC4-HMAC wrap token (RFC 4757 7.3: TOK_ID, SGN_ALG, SEAL_ALG,
 * filler, SND_SEQ, SGN_CKSUM, confounder; 32 bytes) in its GSS framing
 * ([APPLICATION 0], the Kerberos OID: 13 bytes), as RFC 1964 tokens go. */
#define KRB_RC4_TOKEN_LEN 32u
#define KRB_RC4_VERIFIER_LEN 45u
/* The verifier a sealed PDU carries under `key`. */
size_t krb_verifier_len(const krb5_keyblock *key);

/* Restarts the fixed "random" stream the confounders are drawn from. */
void krb_random_reset(uint64_t seed);

/* A key from fixed bytes (contents copied; free with krb5_free_keyblock_contents). */
void krb_key_from_bytes(krb5_keyblock *key, krb5_enctype enctype, const uint8_t *bytes, size_t len);

/* What one DCE-style exchange carries. Times in Unix seconds. */
typedef struct krb_exchange {
    krb5_context ctx;
    const char *realm;          /* "CONTOSO.LOCAL": the client's and the service's */
    const char *service[2];     /* "host", "web01.contoso.local" (NT-SRV-INST) */
    const char *client;         /* "webadmin" (NT-PRINCIPAL) */
    const krb5_keyblock *service_key;
    unsigned service_kvno;
    krb5_keyblock session_key;
    krb5_keyblock initiator_subkey;
    krb5_keyblock acceptor_subkey;
    uint32_t initiator_seq;
    uint32_t acceptor_seq;
    uint64_t auth_time;         /* when the ticket was issued */
    uint64_t ctime;             /* the authenticator's */
    uint32_t cusec;
    uint32_t gss_flags;         /* RFC 4121 4.1.1.1, with DCE style 0x1000 */
} krb_exchange;

/* The AP-REQ (RFC 4120 5.5.1), mutual-required, with the ticket for the
 * service and an authenticator carrying the GSS checksum, the initiator's
 * subkey and sequence number. Raw: DCE style sends no GSS framing. */
void krb_write_ap_req(bytebuf *out, const krb_exchange *x);
/* The acceptor's AP-REP: the authenticator's time, the acceptor subkey and
 * its sequence number, under the session key. */
void krb_write_ap_rep(bytebuf *out, const krb_exchange *x);
/* The initiator's DCE-style answer: an AP-REP of its own (the same time,
 * its sequence number, no subkey) under the session key. */
void krb_write_client_ap_rep(bytebuf *out, const krb_exchange *x);
/* GSS InitialContextToken framing (RFC 2743 3.1) with the Kerberos OID and
 * TOK_ID 01 00 around an AP-REQ: what SPNEGO's mechToken carries. */
void krb_write_gss_ap_req(bytebuf *out, const uint8_t *ap_req, size_t len);

/* One direction's sealing state. */
typedef struct krb_sealer {
    krb5_context ctx;
    const krb5_keyblock *key;   /* the acceptor subkey */
    bool acceptor;              /* sender is the acceptor (the server) */
    bool header_signing;        /* the PDU header and sec_trailer are signed */
    uint64_t seq;               /* next SND_SEQ */
    bool tamper_next;           /* break the next token's HMAC */
} krb_sealer;

/* Seals pdu[body_off, body_off+body_len) in place and writes the
 * verifier (krb_verifier_len: a CFX token for AES keys, an RFC 4757 token
 * for RC4-HMAC keys) at pdu+verifier_off (the 8-byte sec_trailer lies just
 * before it). 0, DCE_PROTECT_TAMPERED-like 1 when tampered on purpose, -1
 * on error. */
int krb_seal_pdu(krb_sealer *s, uint8_t *pdu, size_t pdu_len, size_t body_off, size_t body_len,
                     size_t verifier_off, size_t verifier_len);

#endif
