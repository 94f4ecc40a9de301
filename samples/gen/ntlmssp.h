/* NTLMSSP (MS-NLMP) for the `sealed` sample: the three handshake messages as
 * a client and a server write them, the NTLMv2 key derivation, and the
 * session security (SEAL + signature) of extended session security.
 *
 * All hashing and RC4 come from libgcrypt; this file only arranges the bytes.
 * Nothing here is random: challenges, timestamps and the session key are
 * inputs, so the same inputs always give the same capture. */
#ifndef SAMPLEGEN_NTLMSSP_H
#define SAMPLEGEN_NTLMSSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

/* NEGOTIATE flags, MS-NLMP 2.2.2.5. */
#define NTLMSSP_NEGOTIATE_UNICODE 0x00000001u
#define NTLMSSP_NEGOTIATE_OEM 0x00000002u
#define NTLMSSP_REQUEST_TARGET 0x00000004u
#define NTLMSSP_NEGOTIATE_SIGN 0x00000010u
#define NTLMSSP_NEGOTIATE_SEAL 0x00000020u
#define NTLMSSP_NEGOTIATE_NTLM 0x00000200u
#define NTLMSSP_NEGOTIATE_ALWAYS_SIGN 0x00008000u
#define NTLMSSP_TARGET_TYPE_DOMAIN 0x00010000u
#define NTLMSSP_TARGET_TYPE_SERVER 0x00020000u
#define NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u
#define NTLMSSP_NEGOTIATE_TARGET_INFO 0x00800000u
#define NTLMSSP_NEGOTIATE_VERSION 0x02000000u
#define NTLMSSP_NEGOTIATE_128 0x20000000u
#define NTLMSSP_NEGOTIATE_KEY_EXCH 0x40000000u
#define NTLMSSP_NEGOTIATE_56 0x80000000u

/* AV_PAIR identifiers, MS-NLMP 2.2.2.1. */
enum ntlmssp_av_id {
    NTLMSSP_AV_EOL = 0,
    NTLMSSP_AV_NB_COMPUTER_NAME = 1,
    NTLMSSP_AV_NB_DOMAIN_NAME = 2,
    NTLMSSP_AV_DNS_COMPUTER_NAME = 3,
    NTLMSSP_AV_DNS_DOMAIN_NAME = 4,
    NTLMSSP_AV_DNS_TREE_NAME = 5,
    NTLMSSP_AV_FLAGS = 6,
    NTLMSSP_AV_TIMESTAMP = 7,
};

/* MsvAvFlags bit: the AUTHENTICATE message carries a MIC. */
#define NTLMSSP_AV_FLAG_MIC_PRESENT 0x00000002u

enum {
    NTLMSSP_KEY_LEN = 16,
    NTLMSSP_CHALLENGE_LEN = 8,
    NTLMSSP_SIGNATURE_LEN = 16,
};

/* VERSION structure, MS-NLMP 2.2.2.10 (revision is NTLMSSP_REVISION_W2K3). */
typedef struct ntlmssp_version {
    uint8_t major;
    uint8_t minor;
    uint16_t build;
} ntlmssp_version;

/* ---- AV pairs (target info) ---- */
void ntlmssp_av_put_string(bytebuf *b, enum ntlmssp_av_id id, const char *ascii);
void ntlmssp_av_put_u32(bytebuf *b, enum ntlmssp_av_id id, uint32_t value);
/* FILETIME: 100 ns ticks since 1601-01-01 UTC. */
void ntlmssp_av_put_timestamp(bytebuf *b, uint64_t filetime);
void ntlmssp_av_put_eol(bytebuf *b);

/* ---- Handshake messages ---- */

/* NEGOTIATE_MESSAGE (2.2.1.1) with empty domain and workstation fields. */
void ntlmssp_write_negotiate(bytebuf *out, uint32_t flags, const ntlmssp_version *version);

/* CHALLENGE_MESSAGE (2.2.1.2). target_info holds complete AV pairs (ending
 * with EOL). The version is written when flags carry NEGOTIATE_VERSION. */
void ntlmssp_write_challenge(bytebuf *out, uint32_t flags,
                             const uint8_t server_challenge[NTLMSSP_CHALLENGE_LEN],
                             const char *target_name, const uint8_t *target_info,
                             size_t target_info_len, const ntlmssp_version *version);

/* Everything the client needs to write its AUTHENTICATE_MESSAGE. */
typedef struct ntlmssp_authenticate_input {
    uint32_t flags;
    const char *domain;
    const char *user;
    const char *workstation;
    const char *password;     /* NULL: the NT hash below is all the client holds */
    uint8_t nt_hash[NTLMSSP_KEY_LEN];
    uint8_t server_challenge[NTLMSSP_CHALLENGE_LEN];
    uint8_t client_challenge[NTLMSSP_CHALLENGE_LEN];
    uint64_t timestamp; /* FILETIME in the NTLMv2 client challenge */
    /* AV pairs the client puts in its NTLMv2 client challenge: the server's
     * target info, possibly extended (MsvAvFlags), ending with EOL. */
    const uint8_t *client_av_pairs;
    size_t client_av_pairs_len;
    /* Chosen by the client, sent RC4-encrypted when KEY_EXCH is negotiated. */
    uint8_t random_session_key[NTLMSSP_KEY_LEN];
    /* MS-NLMP 3.1.5.1.2: with an MsvAvTimestamp from the server the client
     * sends Z(24) instead of the LMv2 response. */
    bool send_lmv2_response;
    ntlmssp_version version;
    /* Both set: a MIC over NEGOTIATE || CHALLENGE || AUTHENTICATE is written
     * (the caller then also sets MsvAvFlags in client_av_pairs). */
    const bytebuf *negotiate_message;
    const bytebuf *challenge_message;
} ntlmssp_authenticate_input;

/* The keys of one authentication, as MS-NLMP 3.3.2 and 3.4.5 name them. */
typedef struct ntlmssp_keys {
    uint8_t response_key_nt[NTLMSSP_KEY_LEN]; /* NTOWFv2 */
    uint8_t nt_proof_str[NTLMSSP_KEY_LEN];
    uint8_t session_base_key[NTLMSSP_KEY_LEN];
    uint8_t key_exchange_key[NTLMSSP_KEY_LEN];
    uint8_t encrypted_random_session_key[NTLMSSP_KEY_LEN];
    uint8_t exported_session_key[NTLMSSP_KEY_LEN];
} ntlmssp_keys;

/* AUTHENTICATE_MESSAGE (2.2.1.3), NTLMv2. Payload order: domain, user,
 * workstation, LM response, NT response, session key (as Windows does). */
void ntlmssp_write_authenticate(bytebuf *out, const ntlmssp_authenticate_input *in,
                                ntlmssp_keys *keys);

/* ---- NTLMv2 computations (3.3.2), exposed for the test vectors ---- */
void ntlmssp_nt_hash(const char *password, uint8_t out[NTLMSSP_KEY_LEN]);
void ntlmssp_ntowfv2(const char *password, const char *user, const char *domain,
                     uint8_t out[NTLMSSP_KEY_LEN]);
/* NTOWFv2 needs the password only through its NT hash (3.3.2). */
void ntlmssp_ntowfv2_from_hash(const uint8_t nt_hash[NTLMSSP_KEY_LEN], const char *user,
                               const char *domain, uint8_t out[NTLMSSP_KEY_LEN]);
/* The "temp" blob (NTLMv2_CLIENT_CHALLENGE plus its trailing Z(4)). */
void ntlmssp_write_client_blob(bytebuf *out, uint64_t timestamp,
                               const uint8_t client_challenge[NTLMSSP_CHALLENGE_LEN],
                               const uint8_t *av_pairs, size_t av_pairs_len);
void ntlmssp_nt_proof_str(const uint8_t response_key_nt[NTLMSSP_KEY_LEN],
                          const uint8_t server_challenge[NTLMSSP_CHALLENGE_LEN],
                          const uint8_t *client_blob, size_t client_blob_len,
                          uint8_t out[NTLMSSP_KEY_LEN]);
void ntlmssp_session_base_key(const uint8_t response_key_nt[NTLMSSP_KEY_LEN],
                              const uint8_t nt_proof_str[NTLMSSP_KEY_LEN],
                              uint8_t out[NTLMSSP_KEY_LEN]);
/* 16-byte HMAC of the LMv2 response (the 8-byte client challenge follows it). */
void ntlmssp_lmv2_response(const uint8_t response_key_lm[NTLMSSP_KEY_LEN],
                           const uint8_t server_challenge[NTLMSSP_CHALLENGE_LEN],
                           const uint8_t client_challenge[NTLMSSP_CHALLENGE_LEN],
                           uint8_t out[NTLMSSP_KEY_LEN]);
/* RC4K(key, data): a fresh RC4 over 16 bytes (the key exchange). */
void ntlmssp_rc4k(const uint8_t key[NTLMSSP_KEY_LEN], const uint8_t in[NTLMSSP_KEY_LEN],
                  uint8_t out[NTLMSSP_KEY_LEN]);

/* ---- Session security (3.4.4.2, 3.4.5) ---- */
typedef enum ntlmssp_direction {
    NTLMSSP_CLIENT_TO_SERVER,
    NTLMSSP_SERVER_TO_CLIENT,
} ntlmssp_direction;

void ntlmssp_signing_key(const uint8_t exported_session_key[NTLMSSP_KEY_LEN],
                         ntlmssp_direction direction, uint8_t out[NTLMSSP_KEY_LEN]);
void ntlmssp_sealing_key(const uint8_t exported_session_key[NTLMSSP_KEY_LEN], uint32_t flags,
                         ntlmssp_direction direction, uint8_t out[NTLMSSP_KEY_LEN]);

/* One direction of a sealed session: its signing key, its RC4 state that
 * runs on across messages, and its sequence number. */
typedef struct ntlmssp_sealer ntlmssp_sealer;

ntlmssp_sealer *ntlmssp_sealer_new(const uint8_t exported_session_key[NTLMSSP_KEY_LEN],
                                   uint32_t flags, ntlmssp_direction direction);
void ntlmssp_sealer_free(ntlmssp_sealer *sealer);
uint32_t ntlmssp_sealer_sequence(const ntlmssp_sealer *sealer);

/* SEAL (3.4.3): the checksum is HMAC_MD5(SigningKey, SeqNum || signed_data)
 * over the plaintext, then `data` is encrypted in place, then the first 8
 * checksum bytes with the same RC4 state. `data` may lie inside
 * `signed_data` (DCE/RPC signs the whole PDU and encrypts only the body):
 * the checksum is taken before anything is encrypted. */
void ntlmssp_seal(ntlmssp_sealer *sealer, uint8_t *data, size_t data_len,
                  const uint8_t *signed_data, size_t signed_len,
                  uint8_t signature[NTLMSSP_SIGNATURE_LEN]);

/* MAC (3.4.4.2) alone: the signature of `signed_data`, nothing encrypted but
 * the checksum (with KEY_EXCH, taking the next 8 bytes of the RC4 state).
 * What PKT_INTEGRITY signs with, and GSS_GetMIC (the SPNEGO mechListMIC). */
void ntlmssp_sign(ntlmssp_sealer *sealer, const uint8_t *signed_data, size_t signed_len,
                  uint8_t signature[NTLMSSP_SIGNATURE_LEN]);

/* Puts the RC4 state back to where it stood before its first use (keyed
 * afresh from the sealing key); the sequence number runs on. MS-SPNG 3.3.5.1:
 * the mechListMIC and the first application message see the same RC4 state. */
void ntlmssp_sealer_restore_rc4(ntlmssp_sealer *sealer);

#endif
