/* NTLMSSP messages and session crypto for the `sealed` sample (MS-NLMP). */
#include "ntlmssp.h"

#include <gcrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t ntlmssp_signature[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

enum {
    MESSAGE_NEGOTIATE = 1,
    MESSAGE_CHALLENGE = 2,
    MESSAGE_AUTHENTICATE = 3,
    NTLMSSP_REVISION_W2K3 = 0x0f,
    NEGOTIATE_HEADER_LEN = 40,
    CHALLENGE_HEADER_LEN = 56,
    AUTHENTICATE_HEADER_LEN = 72, /* up to and including the VERSION */
    AUTHENTICATE_MIC_OFFSET = 72,
    MIC_LEN = 16,
    LM_RESPONSE_LEN = 24,
};

static void die(const char *why)
{
    fprintf(stderr, "ntlmssp: %s\n", why);
    abort();
}

/* libgcrypt must be initialised once before first use. */
static void crypto_init(void)
{
    static bool ready;
    if (ready)
        return;
    if (!gcry_check_version(GCRYPT_VERSION))
        die("libgcrypt version mismatch");
    gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
    gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    ready = true;
}

static void md5_of(const void *data, size_t len, uint8_t out[16])
{
    crypto_init();
    gcry_md_hash_buffer(GCRY_MD_MD5, out, data, len);
}

/* HMAC_MD5 over the concatenation of up to three parts (NULL parts skipped),
 * which is how MS-NLMP writes every use of it. */
static void hmac_md5_parts(const uint8_t key[16], const void *a, size_t a_len, const void *b,
                           size_t b_len, const void *c, size_t c_len, uint8_t out[16])
{
    crypto_init();
    gcry_mac_hd_t mac;
    if (gcry_mac_open(&mac, GCRY_MAC_HMAC_MD5, 0, NULL))
        die("HMAC-MD5 unavailable");
    if (gcry_mac_setkey(mac, key, 16))
        die("HMAC-MD5 key");
    if ((a && gcry_mac_write(mac, a, a_len)) || (b && gcry_mac_write(mac, b, b_len)) ||
        (c && gcry_mac_write(mac, c, c_len)))
        die("HMAC-MD5 write");
    size_t out_len = 16;
    if (gcry_mac_read(mac, out, &out_len) || out_len != 16)
        die("HMAC-MD5 read");
    gcry_mac_close(mac);
}

static gcry_cipher_hd_t rc4_open(const uint8_t key[16])
{
    crypto_init();
    gcry_cipher_hd_t rc4;
    if (gcry_cipher_open(&rc4, GCRY_CIPHER_ARCFOUR, GCRY_CIPHER_MODE_STREAM, 0))
        die("ARCFOUR unavailable");
    if (gcry_cipher_setkey(rc4, key, 16))
        die("ARCFOUR key");
    return rc4;
}

static void rc4_in_place(gcry_cipher_hd_t rc4, uint8_t *data, size_t len)
{
    if (len > 0 && gcry_cipher_encrypt(rc4, data, len, NULL, 0))
        die("ARCFOUR encrypt");
}

/* MS-NLMP strings here are ASCII; UNICODE() is then one zero byte per char. */
static void put_utf16le(bytebuf *b, const char *ascii, bool upper)
{
    for (const char *p = ascii; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x80)
            die("non-ASCII name");
        if (upper && c >= 'a' && c <= 'z')
            c = (unsigned char)(c - 'a' + 'A');
        bb_put_u16le(b, c);
    }
}

static void put_u64le(bytebuf *b, uint64_t v)
{
    bb_put_u32le(b, (uint32_t)v);
    bb_put_u32le(b, (uint32_t)(v >> 32));
}

static void put_version(bytebuf *b, const ntlmssp_version *v)
{
    bb_put_u8(b, v->major);
    bb_put_u8(b, v->minor);
    bb_put_u16le(b, v->build);
    bb_put_zeros(b, 3);
    bb_put_u8(b, NTLMSSP_REVISION_W2K3);
}

static uint16_t field_len(size_t n)
{
    if (n > UINT16_MAX)
        die("NTLMSSP field longer than 65535 bytes");
    return (uint16_t)n;
}

/* A Len/MaxLen/BufferOffset triple, patched once the payload is placed. */
static void patch_field(bytebuf *msg, size_t field_at, size_t payload_at, size_t len)
{
    bb_patch_u16(msg, field_at, field_len(len));
    bb_patch_u16(msg, field_at + 2, field_len(len));
    if (payload_at > UINT32_MAX)
        die("NTLMSSP offset out of range");
    bb_patch_u32(msg, field_at + 4, (uint32_t)payload_at);
}

/* Appends `data` to the payload and points the field at it; offsets count
 * from the start of the NTLMSSP message. */
static void append_payload(bytebuf *out, size_t msg_start, size_t field_at, const void *data,
                           size_t len)
{
    size_t at = out->len - msg_start;
    if (len > 0)
        bb_put_bytes(out, data, len);
    patch_field(out, msg_start + field_at, at, len);
}

/* ---------------------------------------------------------------- AV pairs */

void ntlmssp_av_put_string(bytebuf *b, enum ntlmssp_av_id id, const char *ascii)
{
    bb_put_u16le(b, (uint16_t)id);
    bb_put_u16le(b, field_len(2 * strlen(ascii)));
    put_utf16le(b, ascii, false);
}

void ntlmssp_av_put_u32(bytebuf *b, enum ntlmssp_av_id id, uint32_t value)
{
    bb_put_u16le(b, (uint16_t)id);
    bb_put_u16le(b, 4);
    bb_put_u32le(b, value);
}

void ntlmssp_av_put_timestamp(bytebuf *b, uint64_t filetime)
{
    bb_put_u16le(b, NTLMSSP_AV_TIMESTAMP);
    bb_put_u16le(b, 8);
    put_u64le(b, filetime);
}

void ntlmssp_av_put_eol(bytebuf *b)
{
    bb_put_u16le(b, NTLMSSP_AV_EOL);
    bb_put_u16le(b, 0);
}

/* ---------------------------------------------------------------- messages */

void ntlmssp_write_negotiate(bytebuf *out, uint32_t flags, const ntlmssp_version *version)
{
    size_t start = out->len;
    bb_put_bytes(out, ntlmssp_signature, sizeof ntlmssp_signature);
    bb_put_u32le(out, MESSAGE_NEGOTIATE);
    bb_put_u32le(out, flags);
    size_t domain_field = out->len - start;
    bb_put_zeros(out, 8);
    size_t workstation_field = out->len - start;
    bb_put_zeros(out, 8);
    put_version(out, version);
    if (out->len - start != NEGOTIATE_HEADER_LEN)
        die("NEGOTIATE header size");
    /* Empty fields still point at the (empty) payload, as Windows writes them. */
    append_payload(out, start, domain_field, NULL, 0);
    append_payload(out, start, workstation_field, NULL, 0);
}

void ntlmssp_write_challenge(bytebuf *out, uint32_t flags,
                             const uint8_t server_challenge[NTLMSSP_CHALLENGE_LEN],
                             const char *target_name, const uint8_t *target_info,
                             size_t target_info_len, const ntlmssp_version *version)
{
    size_t start = out->len;
    bb_put_bytes(out, ntlmssp_signature, sizeof ntlmssp_signature);
    bb_put_u32le(out, MESSAGE_CHALLENGE);
    size_t target_name_field = out->len - start;
    bb_put_zeros(out, 8);
    bb_put_u32le(out, flags);
    bb_put_bytes(out, server_challenge, NTLMSSP_CHALLENGE_LEN);
    bb_put_zeros(out, 8); /* Reserved */
    size_t target_info_field = out->len - start;
    bb_put_zeros(out, 8);
    if (flags & NTLMSSP_NEGOTIATE_VERSION)
        put_version(out, version);
    else
        bb_put_zeros(out, 8);
    if (out->len - start != CHALLENGE_HEADER_LEN)
        die("CHALLENGE header size");

    bytebuf name;
    bb_init(&name);
    put_utf16le(&name, target_name, false);
    append_payload(out, start, target_name_field, name.data, name.len);
    bb_free(&name);
    append_payload(out, start, target_info_field, target_info, target_info_len);
}

void ntlmssp_write_authenticate(bytebuf *out, const ntlmssp_authenticate_input *in,
                                ntlmssp_keys *keys)
{
    memset(keys, 0, sizeof *keys);
    if (in->password)
        ntlmssp_ntowfv2(in->password, in->user, in->domain, keys->response_key_nt);
    else
        ntlmssp_ntowfv2_from_hash(in->nt_hash, in->user, in->domain, keys->response_key_nt);

    bytebuf blob;
    bb_init(&blob);
    ntlmssp_write_client_blob(&blob, in->timestamp, in->client_challenge, in->client_av_pairs,
                              in->client_av_pairs_len);
    ntlmssp_nt_proof_str(keys->response_key_nt, in->server_challenge, blob.data, blob.len,
                         keys->nt_proof_str);
    ntlmssp_session_base_key(keys->response_key_nt, keys->nt_proof_str, keys->session_base_key);
    /* 3.4.5.1: for NTLMv2 the key exchange key is the session base key. */
    memcpy(keys->key_exchange_key, keys->session_base_key, NTLMSSP_KEY_LEN);
    if (in->flags & NTLMSSP_NEGOTIATE_KEY_EXCH) {
        memcpy(keys->exported_session_key, in->random_session_key, NTLMSSP_KEY_LEN);
        ntlmssp_rc4k(keys->key_exchange_key, in->random_session_key,
                     keys->encrypted_random_session_key);
    } else {
        memcpy(keys->exported_session_key, keys->key_exchange_key, NTLMSSP_KEY_LEN);
    }

    uint8_t lm_response[LM_RESPONSE_LEN] = {0};
    if (in->send_lmv2_response) {
        /* LMOWFv2 equals NTOWFv2 (3.3.2). */
        ntlmssp_lmv2_response(keys->response_key_nt, in->server_challenge, in->client_challenge,
                              lm_response);
        memcpy(lm_response + NTLMSSP_KEY_LEN, in->client_challenge, NTLMSSP_CHALLENGE_LEN);
    }

    bool with_mic = in->negotiate_message && in->challenge_message;
    size_t start = out->len;
    bb_put_bytes(out, ntlmssp_signature, sizeof ntlmssp_signature);
    bb_put_u32le(out, MESSAGE_AUTHENTICATE);
    enum { LM_FIELD = 12, NT_FIELD = 20, DOMAIN_FIELD = 28, USER_FIELD = 36,
           WORKSTATION_FIELD = 44, SESSION_KEY_FIELD = 52 };
    bb_put_zeros(out, 6 * 8);
    bb_put_u32le(out, in->flags);
    if (in->flags & NTLMSSP_NEGOTIATE_VERSION)
        put_version(out, &in->version);
    else
        bb_put_zeros(out, 8);
    if (out->len - start != AUTHENTICATE_HEADER_LEN)
        die("AUTHENTICATE header size");
    if (with_mic)
        bb_put_zeros(out, MIC_LEN); /* filled in last: the MIC covers this message */

    bytebuf text;
    bb_init(&text);
    put_utf16le(&text, in->domain, false);
    append_payload(out, start, DOMAIN_FIELD, text.data, text.len);
    bb_clear(&text);
    put_utf16le(&text, in->user, false);
    append_payload(out, start, USER_FIELD, text.data, text.len);
    bb_clear(&text);
    put_utf16le(&text, in->workstation, false);
    append_payload(out, start, WORKSTATION_FIELD, text.data, text.len);
    bb_free(&text);

    append_payload(out, start, LM_FIELD, lm_response, sizeof lm_response);
    size_t nt_at = out->len;
    bb_put_bytes(out, keys->nt_proof_str, NTLMSSP_KEY_LEN);
    bb_put_bytes(out, blob.data, blob.len);
    patch_field(out, start + NT_FIELD, nt_at - start, out->len - nt_at);
    bb_free(&blob);
    if (in->flags & NTLMSSP_NEGOTIATE_KEY_EXCH)
        append_payload(out, start, SESSION_KEY_FIELD, keys->encrypted_random_session_key,
                       NTLMSSP_KEY_LEN);
    else
        append_payload(out, start, SESSION_KEY_FIELD, NULL, 0);

    if (with_mic) {
        /* 3.1.5.1.2: MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE ||
         * AUTHENTICATE) with the MIC field zero while it is computed. */
        uint8_t mic[MIC_LEN];
        hmac_md5_parts(keys->exported_session_key, in->negotiate_message->data,
                       in->negotiate_message->len, in->challenge_message->data,
                       in->challenge_message->len, out->data + start, out->len - start, mic);
        bb_patch_bytes(out, start + AUTHENTICATE_MIC_OFFSET, mic, MIC_LEN);
    }
}

/* ------------------------------------------------------------ NTLMv2 math */

void ntlmssp_nt_hash(const char *password, uint8_t out[NTLMSSP_KEY_LEN])
{
    crypto_init();
    bytebuf unicode;
    bb_init(&unicode);
    put_utf16le(&unicode, password, false);
    gcry_md_hash_buffer(GCRY_MD_MD4, out, unicode.data, unicode.len);
    bb_free(&unicode);
}

void ntlmssp_ntowfv2(const char *password, const char *user, const char *domain,
                     uint8_t out[NTLMSSP_KEY_LEN])
{
    uint8_t nt_hash[NTLMSSP_KEY_LEN];
    ntlmssp_nt_hash(password, nt_hash);
    ntlmssp_ntowfv2_from_hash(nt_hash, user, domain, out);
}

void ntlmssp_ntowfv2_from_hash(const uint8_t nt_hash[NTLMSSP_KEY_LEN], const char *user,
                               const char *domain, uint8_t out[NTLMSSP_KEY_LEN])
{
    /* Only the user name is upper-cased; the domain is taken as given. */
    bytebuf identity;
    bb_init(&identity);
    put_utf16le(&identity, user, true);
    put_utf16le(&identity, domain, false);
    hmac_md5_parts(nt_hash, identity.data, identity.len, NULL, 0, NULL, 0, out);
    bb_free(&identity);
}

void ntlmssp_write_client_blob(bytebuf *out, uint64_t timestamp,
                               const uint8_t client_challenge[NTLMSSP_CHALLENGE_LEN],
                               const uint8_t *av_pairs, size_t av_pairs_len)
{
    bb_put_u8(out, 1); /* RespType */
    bb_put_u8(out, 1); /* HiRespType */
    bb_put_zeros(out, 6);
    put_u64le(out, timestamp);
    bb_put_bytes(out, client_challenge, NTLMSSP_CHALLENGE_LEN);
    bb_put_zeros(out, 4);
    bb_put_bytes(out, av_pairs, av_pairs_len);
    bb_put_zeros(out, 4); /* the Z(4) after ServerName in 3.3.2's temp */
}

void ntlmssp_nt_proof_str(const uint8_t response_key_nt[NTLMSSP_KEY_LEN],
                          const uint8_t server_challenge[NTLMSSP_CHALLENGE_LEN],
                          const uint8_t *client_blob, size_t client_blob_len,
                          uint8_t out[NTLMSSP_KEY_LEN])
{
    hmac_md5_parts(response_key_nt, server_challenge, NTLMSSP_CHALLENGE_LEN, client_blob,
                   client_blob_len, NULL, 0, out);
}

void ntlmssp_session_base_key(const uint8_t response_key_nt[NTLMSSP_KEY_LEN],
                              const uint8_t nt_proof_str[NTLMSSP_KEY_LEN],
                              uint8_t out[NTLMSSP_KEY_LEN])
{
    hmac_md5_parts(response_key_nt, nt_proof_str, NTLMSSP_KEY_LEN, NULL, 0, NULL, 0, out);
}

void ntlmssp_lmv2_response(const uint8_t response_key_lm[NTLMSSP_KEY_LEN],
                           const uint8_t server_challenge[NTLMSSP_CHALLENGE_LEN],
                           const uint8_t client_challenge[NTLMSSP_CHALLENGE_LEN],
                           uint8_t out[NTLMSSP_KEY_LEN])
{
    hmac_md5_parts(response_key_lm, server_challenge, NTLMSSP_CHALLENGE_LEN, client_challenge,
                   NTLMSSP_CHALLENGE_LEN, NULL, 0, out);
}

void ntlmssp_rc4k(const uint8_t key[NTLMSSP_KEY_LEN], const uint8_t in[NTLMSSP_KEY_LEN],
                  uint8_t out[NTLMSSP_KEY_LEN])
{
    gcry_cipher_hd_t rc4 = rc4_open(key);
    memcpy(out, in, NTLMSSP_KEY_LEN);
    rc4_in_place(rc4, out, NTLMSSP_KEY_LEN);
    gcry_cipher_close(rc4);
}

/* ------------------------------------------------------- session security */

/* 3.4.5.2 / 3.4.5.3: the magic constants are hashed with their NUL. */
static const char client_signing_magic[] =
    "session key to client-to-server signing key magic constant";
static const char server_signing_magic[] =
    "session key to server-to-client signing key magic constant";
static const char client_sealing_magic[] =
    "session key to client-to-server sealing key magic constant";
static const char server_sealing_magic[] =
    "session key to server-to-client sealing key magic constant";

static void key_with_magic(const uint8_t *key, size_t key_len, const char *magic, size_t magic_size,
                           uint8_t out[NTLMSSP_KEY_LEN])
{
    uint8_t input[NTLMSSP_KEY_LEN + 64];
    if (key_len > NTLMSSP_KEY_LEN || magic_size > 64)
        die("key derivation input too long");
    memcpy(input, key, key_len);
    memcpy(input + key_len, magic, magic_size);
    md5_of(input, key_len + magic_size, out);
}

void ntlmssp_signing_key(const uint8_t exported_session_key[NTLMSSP_KEY_LEN],
                         ntlmssp_direction direction, uint8_t out[NTLMSSP_KEY_LEN])
{
    if (direction == NTLMSSP_CLIENT_TO_SERVER)
        key_with_magic(exported_session_key, NTLMSSP_KEY_LEN, client_signing_magic,
                       sizeof client_signing_magic, out);
    else
        key_with_magic(exported_session_key, NTLMSSP_KEY_LEN, server_signing_magic,
                       sizeof server_signing_magic, out);
}

void ntlmssp_sealing_key(const uint8_t exported_session_key[NTLMSSP_KEY_LEN], uint32_t flags,
                         ntlmssp_direction direction, uint8_t out[NTLMSSP_KEY_LEN])
{
    /* With extended session security the key is cut to the negotiated
     * strength before hashing: 128, 56 or 40 bits. */
    size_t key_len = (flags & NTLMSSP_NEGOTIATE_128) ? 16 : (flags & NTLMSSP_NEGOTIATE_56) ? 7 : 5;
    if (direction == NTLMSSP_CLIENT_TO_SERVER)
        key_with_magic(exported_session_key, key_len, client_sealing_magic,
                       sizeof client_sealing_magic, out);
    else
        key_with_magic(exported_session_key, key_len, server_sealing_magic,
                       sizeof server_sealing_magic, out);
}

struct ntlmssp_sealer {
    gcry_cipher_hd_t rc4;
    uint8_t sealing_key[NTLMSSP_KEY_LEN];
    uint8_t signing_key[NTLMSSP_KEY_LEN];
    uint32_t sequence;
    bool encrypt_checksum; /* KEY_EXCH negotiated (3.4.4.2) */
};

ntlmssp_sealer *ntlmssp_sealer_new(const uint8_t exported_session_key[NTLMSSP_KEY_LEN],
                                   uint32_t flags, ntlmssp_direction direction)
{
    if (!(flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY))
        die("only extended session security is implemented");
    ntlmssp_sealer *s = calloc(1, sizeof *s);
    if (!s)
        die("out of memory");
    ntlmssp_sealing_key(exported_session_key, flags, direction, s->sealing_key);
    ntlmssp_signing_key(exported_session_key, direction, s->signing_key);
    s->rc4 = rc4_open(s->sealing_key);
    s->encrypt_checksum = (flags & NTLMSSP_NEGOTIATE_KEY_EXCH) != 0;
    return s;
}

void ntlmssp_sealer_free(ntlmssp_sealer *sealer)
{
    if (!sealer)
        return;
    gcry_cipher_close(sealer->rc4);
    free(sealer);
}

uint32_t ntlmssp_sealer_sequence(const ntlmssp_sealer *sealer)
{
    return sealer->sequence;
}

/* HMAC_MD5(SigningKey, SeqNum || data)[0..7]; seq_le gets SeqNum. */
static void checksum_of(const ntlmssp_sealer *sealer, const uint8_t *signed_data, size_t signed_len,
                        uint8_t seq_le[4], uint8_t checksum[16])
{
    seq_le[0] = (uint8_t)sealer->sequence;
    seq_le[1] = (uint8_t)(sealer->sequence >> 8);
    seq_le[2] = (uint8_t)(sealer->sequence >> 16);
    seq_le[3] = (uint8_t)(sealer->sequence >> 24);
    hmac_md5_parts(sealer->signing_key, seq_le, 4, signed_data, signed_len, NULL, 0, checksum);
}

/* NTLMSSP_MESSAGE_SIGNATURE with extended session security (2.2.2.9.2). */
static void finish_signature(ntlmssp_sealer *sealer, uint8_t checksum[16], const uint8_t seq_le[4],
                             uint8_t signature[NTLMSSP_SIGNATURE_LEN])
{
    if (sealer->encrypt_checksum)
        rc4_in_place(sealer->rc4, checksum, 8);
    signature[0] = 1; /* NTLMSSP_MESSAGE_SIGNATURE version */
    signature[1] = signature[2] = signature[3] = 0;
    memcpy(signature + 4, checksum, 8);
    memcpy(signature + 12, seq_le, 4);
    sealer->sequence++;
}

void ntlmssp_seal(ntlmssp_sealer *sealer, uint8_t *data, size_t data_len,
                  const uint8_t *signed_data, size_t signed_len,
                  uint8_t signature[NTLMSSP_SIGNATURE_LEN])
{
    uint8_t seq_le[4], checksum[16];
    checksum_of(sealer, signed_data, signed_len, seq_le, checksum);
    /* Order matters: the message takes the keystream first, the checksum the
     * next 8 bytes of the same state. */
    rc4_in_place(sealer->rc4, data, data_len);
    finish_signature(sealer, checksum, seq_le, signature);
}

void ntlmssp_sign(ntlmssp_sealer *sealer, const uint8_t *signed_data, size_t signed_len,
                  uint8_t signature[NTLMSSP_SIGNATURE_LEN])
{
    uint8_t seq_le[4], checksum[16];
    checksum_of(sealer, signed_data, signed_len, seq_le, checksum);
    finish_signature(sealer, checksum, seq_le, signature);
}

void ntlmssp_sealer_restore_rc4(ntlmssp_sealer *sealer)
{
    gcry_cipher_close(sealer->rc4);
    sealer->rc4 = rc4_open(sealer->sealing_key);
}
