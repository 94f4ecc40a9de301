/* NTLM key derivation (MS-NLMP 3.3 and 3.4.5), on libgcrypt's MD4, MD5,
 * HMAC-MD5, DES and RC4: NT hash, NTOWFv2, the NTLMv2 proof and the NTLMv1
 * responses checked against a credential, session base key, key exchange
 * key, the exported session key (key exchange), and the signing and sealing
 * keys of each direction. Pure functions: no state, no I/O. */
#ifndef IISS_NTLMSSP_CRYPTO_H
#define IISS_NTLMSSP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* NegotiateFlags bits used here (MS-NLMP 2.2.2.5). */
enum {
    IISS_NTLMSSP_NEGOTIATE_UNICODE = 0x00000001u,
    IISS_NTLMSSP_NEGOTIATE_SIGN = 0x00000010u,
    IISS_NTLMSSP_NEGOTIATE_SEAL = 0x00000020u,
    IISS_NTLMSSP_NEGOTIATE_DATAGRAM = 0x00000040u,
    IISS_NTLMSSP_NEGOTIATE_LM_KEY = 0x00000080u,
    IISS_NTLMSSP_NEGOTIATE_ALWAYS_SIGN = 0x00008000u,
    IISS_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000u,
    IISS_NTLMSSP_REQUEST_NON_NT_SESSION_KEY = 0x00400000u,
    IISS_NTLMSSP_NEGOTIATE_TARGET_INFO = 0x00800000u,
    IISS_NTLMSSP_NEGOTIATE_128 = 0x20000000u,
    IISS_NTLMSSP_NEGOTIATE_KEY_EXCH = 0x40000000u,
    IISS_NTLMSSP_NEGOTIATE_56 = 0x80000000u,
};

#define IISS_NTLM_KEY_LEN 16
#define IISS_NTLM_CHALLENGE_LEN 8
#define IISS_NTLMV1_RESPONSE_LEN 24

/* Who sends: the client's keys protect client-to-server traffic. */
typedef enum iiss_ntlm_sender { IISS_NTLM_CLIENT = 0, IISS_NTLM_SERVER = 1 } iiss_ntlm_sender;

/* Initialises libgcrypt once (when the program has not). False when it is
 * unusable (an old version, or FIPS mode without MD4/RC4). */
bool iiss_ntlm_crypto_ready(void);

/* NTOWFv1: MD4 of the UTF-16LE form of a UTF-8 password. False when the
 * text is not UTF-8. */
bool iiss_ntlm_nt_hash(const char *password_utf8, size_t len, uint8_t out[IISS_NTLM_KEY_LEN]);

/* NTOWFv2 = HMAC_MD5(NT hash, UNICODE(Uppercase(User)) || UNICODE(UserDom))
 * with the names as the AUTHENTICATE carries them (UTF-16LE bytes). Only
 * the user is upper-cased, one UTF-16 unit at a time as Windows does. */
void iiss_ntlm_ntowfv2(const uint8_t nt_hash[IISS_NTLM_KEY_LEN], const uint8_t *user_utf16, size_t user_len,
                       const uint8_t *domain_utf16, size_t domain_len, uint8_t out[IISS_NTLM_KEY_LEN]);

/* NTLMv2 (3.3.2): the NtChallengeResponse is NTProofStr (16) || temp. True
 * when HMAC_MD5(NTOWFv2, ServerChallenge || temp) equals its NTProofStr; then
 * *session_base_key = HMAC_MD5(NTOWFv2, NTProofStr) (also the key exchange
 * key, 3.4.5.1). Nothing is decrypted to decide. */
bool iiss_ntlmv2_response_fits(const uint8_t ntowfv2[IISS_NTLM_KEY_LEN],
                               const uint8_t server_challenge[IISS_NTLM_CHALLENGE_LEN], const uint8_t *nt_response,
                               size_t nt_response_len, uint8_t session_base_key[IISS_NTLM_KEY_LEN]);

/* NTLMv1 (3.3.1): the 24-byte NtChallengeResponse is DESL(NT hash, C) with C
 * the server challenge, or with extended session security the first 8 bytes
 * of MD5(ServerChallenge || ClientChallenge), the client challenge being the
 * first 8 bytes of the LmChallengeResponse. True when it matches; then
 * *key_exchange_key is KXKEY (3.4.5.1) for the cases that need no LM hash
 * (extended session security: HMAC_MD5(SessionBaseKey, ServerChallenge ||
 * LmChallengeResponse[0..7]); otherwise the session base key MD4(NT hash)).
 * LM_KEY and NON_NT_SESSION_KEY need the LM hash, which an NT hash does not
 * give: those return false. */
bool iiss_ntlmv1_response_fits(const uint8_t nt_hash[IISS_NTLM_KEY_LEN], uint32_t flags,
                               const uint8_t server_challenge[IISS_NTLM_CHALLENGE_LEN], const uint8_t *lm_response,
                               size_t lm_response_len, const uint8_t *nt_response, size_t nt_response_len,
                               uint8_t key_exchange_key[IISS_NTLM_KEY_LEN]);

/* DESL(K, D) (section 6): three DES encryptions of D under K's 7-byte
 * thirds (K padded with five zero bytes). */
bool iiss_ntlm_desl(const uint8_t key[IISS_NTLM_KEY_LEN], const uint8_t data[8], uint8_t out[IISS_NTLMV1_RESPONSE_LEN]);

/* RC4K(key, data) over 16 bytes: the exported session key out of the
 * EncryptedRandomSessionKey when KEY_EXCH is negotiated. */
bool iiss_ntlm_rc4k(const uint8_t key[IISS_NTLM_KEY_LEN], const uint8_t in[IISS_NTLM_KEY_LEN],
                    uint8_t out[IISS_NTLM_KEY_LEN]);

/* SIGNKEY (3.4.5.2; extended session security only). */
void iiss_ntlm_sign_key(const uint8_t exported_session_key[IISS_NTLM_KEY_LEN], iiss_ntlm_sender sender,
                        uint8_t out[IISS_NTLM_KEY_LEN]);
/* SEALKEY (3.4.5.3): with extended session security MD5 of the 16, 7 or 5
 * first bytes (128, 56, 40 bit) with the direction's constant; without it
 * the exported key itself, weakened to 8 bytes under LM_KEY or DATAGRAM.
 * Returns the key length (16 or 8). */
size_t iiss_ntlm_seal_key(const uint8_t exported_session_key[IISS_NTLM_KEY_LEN], uint32_t flags,
                          iiss_ntlm_sender sender, uint8_t out[IISS_NTLM_KEY_LEN]);

/* HMAC_MD5 over the concatenation of parts. */
typedef struct iiss_ntlm_span {
    const uint8_t *data;
    size_t len;
} iiss_ntlm_span;
void iiss_ntlm_hmac_md5(const uint8_t *key, size_t key_len, const iiss_ntlm_span *parts, size_t n_parts,
                        uint8_t out[16]);

#endif
