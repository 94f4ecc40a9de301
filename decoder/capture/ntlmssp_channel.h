/* One direction of NTLM session security (MS-NLMP 3.4): the sealing RC4
 * state that runs on across messages, the signing key and the sequence
 * number. Sealing and unsealing are the same RC4 step; the checksum of each
 * signature is sealed with the same RC4 state right after the message
 * (with KEY_EXCH), so a direction's messages must be processed in order and
 * each one exactly once, whether it verifies or not.
 *
 * With extended session security (NTLMv2, or NTLMv1 with ESS) each
 * direction has its own keys; without it (NTLMv1) one key serves both and
 * the caller shares one channel between the directions, as Samba does. */
#ifndef IISS_NTLMSSP_CHANNEL_H
#define IISS_NTLMSSP_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ntlmssp_crypto.h"

#define IISS_NTLM_SIGNATURE_LEN 16

typedef struct iiss_ntlm_channel {
    void *rc4;  /* libgcrypt cipher handle; NULL until initialised */
    void *hmac; /* HMAC-MD5 keyed with sign_key, reset per message (ESS only) */
    uint8_t seal_key[IISS_NTLM_KEY_LEN];
    size_t seal_key_len;
    uint8_t sign_key[IISS_NTLM_KEY_LEN];
    uint32_t flags; /* negotiated NegotiateFlags */
    uint32_t seq;   /* the sequence number the next signature must carry */
} iiss_ntlm_channel;

/* Keys of `sender`'s direction from the exported session key. False when
 * libgcrypt refuses (the channel stays unusable). */
bool iiss_ntlm_channel_init(iiss_ntlm_channel *ch, const uint8_t exported_session_key[IISS_NTLM_KEY_LEN],
                            uint32_t flags, iiss_ntlm_sender sender);
/* Closes the RC4 state and wipes the keys. Safe on a zeroed channel. */
void iiss_ntlm_channel_clear(iiss_ntlm_channel *ch);
bool iiss_ntlm_channel_ready(const iiss_ntlm_channel *ch);

/* RC4 over data in place: seals plaintext, unseals ciphertext. */
void iiss_ntlm_channel_crypt(iiss_ntlm_channel *ch, uint8_t *data, size_t len);

/* The signature of the next message (3.4.4): with extended session
 * security HMAC_MD5(SigningKey, SeqNum || the concatenated parts), its
 * first 8 bytes sealed with RC4 under KEY_EXCH; without it CRC32 of
 * crc_data, sealed with RC4. Advances the sequence number and the RC4
 * state. */
void iiss_ntlm_channel_sign(iiss_ntlm_channel *ch, const iiss_ntlm_span *parts, size_t n_parts,
                            const iiss_ntlm_span *crc_data, uint8_t out[IISS_NTLM_SIGNATURE_LEN]);

/* Computes the next signature as iiss_ntlm_channel_sign (so the state moves
 * on in every case) and compares it with `signature` (version, checksum and
 * sequence number; without extended session security the random pad is not
 * compared, 3.4.4.1). */
bool iiss_ntlm_channel_verify(iiss_ntlm_channel *ch, const iiss_ntlm_span *parts, size_t n_parts,
                              const iiss_ntlm_span *crc_data, const uint8_t *signature, size_t signature_len);

/* Sets the RC4 state back to the freshly keyed one; the sequence number
 * stays. What the SPNEGO mechListMIC asks for (see ntlmssp_session.h). */
void iiss_ntlm_channel_rekey(iiss_ntlm_channel *ch);

#endif
