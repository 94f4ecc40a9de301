/* NTLM sealing and signing state per direction, on libgcrypt's RC4 and
 * HMAC-MD5 (MS-NLMP 3.4.2-3.4.4). */
#include "ntlmssp_channel.h"

#include <string.h>

#include <gcrypt.h>

#include "credentials.h"

static bool key_rc4(iiss_ntlm_channel *ch)
{
    if (ch->rc4) {
        /* Keying an open handle starts a fresh RC4 state: cheaper than a
         * new handle (libgcrypt clears and wipes a whole one each time). */
        if (gcry_cipher_setkey(ch->rc4, ch->seal_key, ch->seal_key_len) == 0)
            return true;
        gcry_cipher_close(ch->rc4);
        ch->rc4 = NULL;
        return false;
    }
    gcry_cipher_hd_t h;
    if (gcry_cipher_open(&h, GCRY_CIPHER_ARCFOUR, GCRY_CIPHER_MODE_STREAM, 0) != 0)
        return false;
    if (gcry_cipher_setkey(h, ch->seal_key, ch->seal_key_len) != 0) {
        gcry_cipher_close(h);
        return false;
    }
    ch->rc4 = h;
    return true;
}

bool iiss_ntlm_channel_init(iiss_ntlm_channel *ch, const uint8_t exported[IISS_NTLM_KEY_LEN], uint32_t flags,
                            iiss_ntlm_sender sender)
{
    memset(ch, 0, sizeof *ch);
    if (!iiss_ntlm_crypto_ready())
        return false;
    ch->flags = flags;
    ch->seal_key_len = iiss_ntlm_seal_key(exported, flags, sender, ch->seal_key);
    if (flags & IISS_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) {
        iiss_ntlm_sign_key(exported, sender, ch->sign_key);
        /* One keyed handle for the channel's life: opening and keying one
         * per message cost more than hashing the message itself. */
        gcry_md_hd_t h;
        if (gcry_md_open(&h, GCRY_MD_MD5, GCRY_MD_FLAG_HMAC) != 0)
            return false;
        if (gcry_md_setkey(h, ch->sign_key, IISS_NTLM_KEY_LEN) != 0) {
            gcry_md_close(h);
            return false;
        }
        ch->hmac = h;
    }
    if (!key_rc4(ch)) {
        iiss_ntlm_channel_clear(ch);
        return false;
    }
    return true;
}

void iiss_ntlm_channel_clear(iiss_ntlm_channel *ch)
{
    if (ch->rc4)
        gcry_cipher_close(ch->rc4);
    if (ch->hmac)
        gcry_md_close(ch->hmac);
    iiss_wipe(ch, sizeof *ch);
    ch->rc4 = NULL;
    ch->hmac = NULL;
}

bool iiss_ntlm_channel_ready(const iiss_ntlm_channel *ch)
{
    return ch->rc4 != NULL;
}

void iiss_ntlm_channel_crypt(iiss_ntlm_channel *ch, uint8_t *data, size_t len)
{
    if (ch->rc4 && len > 0)
        gcry_cipher_encrypt(ch->rc4, data, len, NULL, 0);
}

static void put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

void iiss_ntlm_channel_sign(iiss_ntlm_channel *ch, const iiss_ntlm_span *parts, size_t n_parts,
                            const iiss_ntlm_span *crc_data, uint8_t out[IISS_NTLM_SIGNATURE_LEN])
{
    memset(out, 0, IISS_NTLM_SIGNATURE_LEN);
    put_u32le(out, 1); /* Version */
    if (ch->flags & IISS_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) {
        uint8_t seq[4], digest[16] = {0};
        put_u32le(seq, ch->seq);
        if (ch->hmac) {
            gcry_md_reset(ch->hmac); /* keeps the key */
            gcry_md_write(ch->hmac, seq, sizeof seq);
            for (size_t i = 0; i < n_parts; i++)
                if (parts[i].len)
                    gcry_md_write(ch->hmac, parts[i].data, parts[i].len);
            const uint8_t *value = gcry_md_read(ch->hmac, GCRY_MD_MD5);
            if (value)
                memcpy(digest, value, sizeof digest);
        }
        if (ch->flags & IISS_NTLMSSP_NEGOTIATE_KEY_EXCH)
            iiss_ntlm_channel_crypt(ch, digest, 8);
        memcpy(out + 4, digest, 8);
        memcpy(out + 12, seq, 4);
    } else {
        /* RandomPad (0), CRC32 and SeqNum, sealed in that order with the
         * RC4 state; the pad is written as 0, as the spec's example shows
         * it (4.2.2.4), and never compared. */
        uint8_t crc[4] = {0};
        gcry_md_hd_t md;
        if (gcry_md_open(&md, GCRY_MD_CRC32, 0) == 0) {
            if (crc_data && crc_data->len)
                gcry_md_write(md, crc_data->data, crc_data->len);
            const uint8_t *value = gcry_md_read(md, GCRY_MD_CRC32);
            /* libgcrypt gives the CRC big-endian; the field is little-endian. */
            if (value) {
                crc[0] = value[3];
                crc[1] = value[2];
                crc[2] = value[1];
                crc[3] = value[0];
            }
            gcry_md_close(md);
        }
        uint8_t tail[12] = {0};
        memcpy(tail + 4, crc, 4);
        put_u32le(tail + 8, ch->seq);
        iiss_ntlm_channel_crypt(ch, tail, sizeof tail);
        memcpy(out + 8, tail + 4, 8);
    }
    ch->seq++;
}

bool iiss_ntlm_channel_verify(iiss_ntlm_channel *ch, const iiss_ntlm_span *parts, size_t n_parts,
                              const iiss_ntlm_span *crc_data, const uint8_t *signature, size_t signature_len)
{
    uint8_t expected[IISS_NTLM_SIGNATURE_LEN];
    iiss_ntlm_channel_sign(ch, parts, n_parts, crc_data, expected);
    if (!ch->rc4 || !signature || signature_len != IISS_NTLM_SIGNATURE_LEN)
        return false;
    bool ess = (ch->flags & IISS_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) != 0;
    bool ok = memcmp(expected, signature, 4) == 0 && memcmp(expected + 8, signature + 8, 8) == 0 &&
              (!ess || memcmp(expected + 4, signature + 4, 4) == 0);
    return ok;
}

void iiss_ntlm_channel_rekey(iiss_ntlm_channel *ch)
{
    if (ch->rc4)
        key_rc4(ch);
}
