/* NTLM key derivation over libgcrypt (MS-NLMP 3.3, 3.4.5, section 6). No
 * primitive is written here: MD4, MD5, HMAC-MD5, DES and RC4 all come from
 * libgcrypt; this file only arranges their inputs as the spec says. */
#include "ntlmssp_crypto.h"

#include <string.h>

#include <gcrypt.h>
#include <glib.h>

#include "credentials.h"
#include "iiss/reader.h"

bool iiss_ntlm_crypto_ready(void)
{
    static int state; /* 0 unknown, 1 ready, -1 unusable */
    if (state != 0)
        return state > 0;
    if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
        /* Nobody initialised libgcrypt: do it as a library user may, with
         * no secure memory (the secrets here are short-lived and wiped). */
        if (!gcry_check_version("1.6.0")) {
            state = -1;
            return false;
        }
        gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
        gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    }
    state = gcry_md_test_algo(GCRY_MD_MD4) == 0 && gcry_md_test_algo(GCRY_MD_MD5) == 0 &&
                    gcry_cipher_test_algo(GCRY_CIPHER_ARCFOUR) == 0 && gcry_cipher_test_algo(GCRY_CIPHER_DES) == 0
                ? 1
                : -1;
    return state > 0;
}

static void hash_parts(int algo, unsigned flags, const iiss_ntlm_span *parts, size_t n, uint8_t *out)
{
    gcry_buffer_t iov[6];
    memset(iov, 0, sizeof iov);
    if (n > sizeof iov / sizeof iov[0])
        n = sizeof iov / sizeof iov[0];
    for (size_t i = 0; i < n; i++) {
        iov[i].size = parts[i].len;
        iov[i].len = parts[i].len;
        iov[i].data = (void *)parts[i].data;
    }
    if (gcry_md_hash_buffers(algo, flags, out, iov, (int)n) != 0)
        memset(out, 0, gcry_md_get_algo_dlen(algo));
}

void iiss_ntlm_hmac_md5(const uint8_t *key, size_t key_len, const iiss_ntlm_span *parts, size_t n_parts,
                        uint8_t out[16])
{
    iiss_ntlm_span all[6];
    all[0] = (iiss_ntlm_span){key, key_len};
    size_t n = 1;
    for (size_t i = 0; i < n_parts && n < 6; i++)
        all[n++] = parts[i];
    hash_parts(GCRY_MD_MD5, GCRY_MD_FLAG_HMAC, all, n, out);
}

bool iiss_ntlm_nt_hash(const char *password, size_t len, uint8_t out[IISS_NTLM_KEY_LEN])
{
    memset(out, 0, IISS_NTLM_KEY_LEN);
    if (!iiss_ntlm_crypto_ready() || !g_utf8_validate(password, (gssize)len, NULL))
        return false;
    glong units = 0;
    gunichar2 *utf16 = g_utf8_to_utf16(password, (glong)len, NULL, &units, NULL);
    if (!utf16)
        return false;
    /* UTF-16LE bytes, whatever the host order. */
    size_t n = (size_t)units * 2;
    uint8_t *bytes = g_malloc(n ? n : 1);
    for (glong i = 0; i < units; i++) {
        bytes[2 * i] = (uint8_t)(utf16[i] & 0xFF);
        bytes[2 * i + 1] = (uint8_t)(utf16[i] >> 8);
    }
    iiss_ntlm_span part = {bytes, n};
    hash_parts(GCRY_MD_MD4, 0, &part, 1, out);
    iiss_wipe(utf16, (size_t)units * sizeof *utf16);
    iiss_wipe(bytes, n);
    g_free(utf16);
    g_free(bytes);
    return true;
}

/* Upper-cases UTF-16LE text one code unit at a time (Windows'
 * RtlUpcaseUnicodeString maps units, never changes the length). */
static uint8_t *upcase_utf16(const uint8_t *text, size_t len)
{
    uint8_t *out = g_malloc(len ? len : 1);
    iiss_reader rd;
    iiss_rd_init(&rd, text, len, false);
    size_t at = 0;
    while (iiss_rd_has(&rd, 2)) {
        uint16_t unit = iiss_rd_u16le(&rd);
        if (unit < 0xD800 || unit > 0xDFFF) {
            gunichar up = g_unichar_toupper(unit);
            if (up <= 0xFFFF && (up < 0xD800 || up > 0xDFFF))
                unit = (uint16_t)up;
        }
        out[at++] = (uint8_t)(unit & 0xFF);
        out[at++] = (uint8_t)(unit >> 8);
    }
    if (iiss_rd_has(&rd, 1)) /* odd length: keep the last byte as it is */
        out[at++] = iiss_rd_u8(&rd);
    return out;
}

void iiss_ntlm_ntowfv2(const uint8_t nt_hash[IISS_NTLM_KEY_LEN], const uint8_t *user, size_t user_len,
                       const uint8_t *domain, size_t domain_len, uint8_t out[IISS_NTLM_KEY_LEN])
{
    uint8_t *upper = upcase_utf16(user, user_len);
    iiss_ntlm_span parts[2] = {{upper, user_len}, {domain, domain_len}};
    iiss_ntlm_hmac_md5(nt_hash, IISS_NTLM_KEY_LEN, parts, 2, out);
    g_free(upper);
}

bool iiss_ntlmv2_response_fits(const uint8_t ntowfv2[IISS_NTLM_KEY_LEN],
                               const uint8_t server_challenge[IISS_NTLM_CHALLENGE_LEN], const uint8_t *nt_response,
                               size_t nt_response_len, uint8_t session_base_key[IISS_NTLM_KEY_LEN])
{
    /* NTProofStr, then temp: at least the 28-byte fixed part of temp. */
    if (!nt_response || nt_response_len < 16 + 28)
        return false;
    uint8_t proof[16];
    iiss_ntlm_span parts[2] = {{server_challenge, IISS_NTLM_CHALLENGE_LEN}, {nt_response + 16, nt_response_len - 16}};
    iiss_ntlm_hmac_md5(ntowfv2, IISS_NTLM_KEY_LEN, parts, 2, proof);
    if (memcmp(proof, nt_response, 16) != 0)
        return false;
    iiss_ntlm_span p = {proof, 16};
    iiss_ntlm_hmac_md5(ntowfv2, IISS_NTLM_KEY_LEN, &p, 1, session_base_key);
    return true;
}

/* A 7-byte DES key spread over 8 bytes, seven bits each (the low bit of
 * each byte is the parity bit, which DES ignores). */
static void des_key_from_7(const uint8_t in[7], uint8_t out[8])
{
    out[0] = in[0];
    out[1] = (uint8_t)((in[0] << 7) | (in[1] >> 1));
    out[2] = (uint8_t)((in[1] << 6) | (in[2] >> 2));
    out[3] = (uint8_t)((in[2] << 5) | (in[3] >> 3));
    out[4] = (uint8_t)((in[3] << 4) | (in[4] >> 4));
    out[5] = (uint8_t)((in[4] << 3) | (in[5] >> 5));
    out[6] = (uint8_t)((in[5] << 2) | (in[6] >> 6));
    out[7] = (uint8_t)(in[6] << 1);
}

static bool des_encrypt(const uint8_t key7[7], const uint8_t in[8], uint8_t out[8])
{
    uint8_t key[8];
    des_key_from_7(key7, key);
    gcry_cipher_hd_t h;
    if (gcry_cipher_open(&h, GCRY_CIPHER_DES, GCRY_CIPHER_MODE_ECB, 0) != 0)
        return false;
    /* DES weak keys are refused by setkey with GPG_ERR_WEAK_KEY but the
     * key is still set; NTLM does not care. */
    gcry_error_t err = gcry_cipher_setkey(h, key, sizeof key);
    bool ok = (err == 0 || gcry_err_code(err) == GPG_ERR_WEAK_KEY) && gcry_cipher_encrypt(h, out, 8, in, 8) == 0;
    gcry_cipher_close(h);
    iiss_wipe(key, sizeof key);
    return ok;
}

bool iiss_ntlm_desl(const uint8_t key[IISS_NTLM_KEY_LEN], const uint8_t data[8], uint8_t out[IISS_NTLMV1_RESPONSE_LEN])
{
    uint8_t padded[21] = {0};
    memcpy(padded, key, IISS_NTLM_KEY_LEN);
    bool ok = des_encrypt(padded, data, out) && des_encrypt(padded + 7, data, out + 8) &&
              des_encrypt(padded + 14, data, out + 16);
    iiss_wipe(padded, sizeof padded);
    return ok;
}

bool iiss_ntlmv1_response_fits(const uint8_t nt_hash[IISS_NTLM_KEY_LEN], uint32_t flags,
                               const uint8_t server_challenge[IISS_NTLM_CHALLENGE_LEN], const uint8_t *lm_response,
                               size_t lm_response_len, const uint8_t *nt_response, size_t nt_response_len,
                               uint8_t key_exchange_key[IISS_NTLM_KEY_LEN])
{
    if (!nt_response || nt_response_len != IISS_NTLMV1_RESPONSE_LEN)
        return false;
    bool ess = (flags & IISS_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) != 0;
    uint8_t challenge[8];
    if (ess) {
        if (!lm_response || lm_response_len < 8)
            return false;
        uint8_t digest[16];
        iiss_ntlm_span parts[2] = {{server_challenge, 8}, {lm_response, 8}};
        hash_parts(GCRY_MD_MD5, 0, parts, 2, digest);
        memcpy(challenge, digest, 8);
    } else {
        memcpy(challenge, server_challenge, 8);
    }
    uint8_t expected[IISS_NTLMV1_RESPONSE_LEN];
    if (!iiss_ntlm_desl(nt_hash, challenge, expected) || memcmp(expected, nt_response, sizeof expected) != 0)
        return false;
    uint8_t session_base_key[16];
    iiss_ntlm_span key_part = {nt_hash, IISS_NTLM_KEY_LEN};
    hash_parts(GCRY_MD_MD4, 0, &key_part, 1, session_base_key);
    bool ok = true;
    if (ess) {
        iiss_ntlm_span parts[2] = {{server_challenge, 8}, {lm_response, 8}};
        iiss_ntlm_hmac_md5(session_base_key, 16, parts, 2, key_exchange_key);
    } else if (flags & (IISS_NTLMSSP_NEGOTIATE_LM_KEY | IISS_NTLMSSP_REQUEST_NON_NT_SESSION_KEY)) {
        ok = false; /* these derive the key from the LM hash */
    } else {
        memcpy(key_exchange_key, session_base_key, 16);
    }
    iiss_wipe(session_base_key, sizeof session_base_key);
    return ok;
}

bool iiss_ntlm_rc4k(const uint8_t key[IISS_NTLM_KEY_LEN], const uint8_t in[IISS_NTLM_KEY_LEN],
                    uint8_t out[IISS_NTLM_KEY_LEN])
{
    gcry_cipher_hd_t h;
    if (gcry_cipher_open(&h, GCRY_CIPHER_ARCFOUR, GCRY_CIPHER_MODE_STREAM, 0) != 0)
        return false;
    bool ok = gcry_cipher_setkey(h, key, IISS_NTLM_KEY_LEN) == 0 &&
              gcry_cipher_encrypt(h, out, IISS_NTLM_KEY_LEN, in, IISS_NTLM_KEY_LEN) == 0;
    gcry_cipher_close(h);
    return ok;
}

static const char client_sign_magic[] = "session key to client-to-server signing key magic constant";
static const char server_sign_magic[] = "session key to server-to-client signing key magic constant";
static const char client_seal_magic[] = "session key to client-to-server sealing key magic constant";
static const char server_seal_magic[] = "session key to server-to-client sealing key magic constant";

void iiss_ntlm_sign_key(const uint8_t exported[IISS_NTLM_KEY_LEN], iiss_ntlm_sender sender,
                        uint8_t out[IISS_NTLM_KEY_LEN])
{
    const char *magic = sender == IISS_NTLM_CLIENT ? client_sign_magic : server_sign_magic;
    /* The constants are hashed with their terminating NUL (3.4.5.2). */
    iiss_ntlm_span parts[2] = {{exported, IISS_NTLM_KEY_LEN}, {(const uint8_t *)magic, strlen(magic) + 1}};
    hash_parts(GCRY_MD_MD5, 0, parts, 2, out);
}

size_t iiss_ntlm_seal_key(const uint8_t exported[IISS_NTLM_KEY_LEN], uint32_t flags, iiss_ntlm_sender sender,
                          uint8_t out[IISS_NTLM_KEY_LEN])
{
    if (flags & IISS_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) {
        size_t used = (flags & IISS_NTLMSSP_NEGOTIATE_128) ? 16 : (flags & IISS_NTLMSSP_NEGOTIATE_56) ? 7 : 5;
        const char *magic = sender == IISS_NTLM_CLIENT ? client_seal_magic : server_seal_magic;
        iiss_ntlm_span parts[2] = {{exported, used}, {(const uint8_t *)magic, strlen(magic) + 1}};
        hash_parts(GCRY_MD_MD5, 0, parts, 2, out);
        return IISS_NTLM_KEY_LEN;
    }
    if (flags & (IISS_NTLMSSP_NEGOTIATE_LM_KEY | IISS_NTLMSSP_NEGOTIATE_DATAGRAM)) {
        memcpy(out, exported, 8);
        if (flags & IISS_NTLMSSP_NEGOTIATE_56) {
            out[7] = 0xA0;
        } else {
            out[5] = 0xE5;
            out[6] = 0x38;
            out[7] = 0xB0;
        }
        return 8;
    }
    memcpy(out, exported, IISS_NTLM_KEY_LEN);
    return IISS_NTLM_KEY_LEN;
}
