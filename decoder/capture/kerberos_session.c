/* The Kerberos security context; see kerberos_session.h. */
#include "kerberos_session.h"

#include "iiss/names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Key usages (RFC 4120 7.5.1, RFC 4121 2). */
enum { USAGE_TICKET = 2, USAGE_AUTHENTICATOR = 11, USAGE_AP_REP = 12, USAGE_ACCEPTOR_SEAL = 22,
       USAGE_INITIATOR_SEAL = 24 };
/* CFX token flags (RFC 4121 4.2.2). */
enum { CFX_SENT_BY_ACCEPTOR = 0x01, CFX_SEALED = 0x02, CFX_ACCEPTOR_SUBKEY = 0x04 };
#define CFX_HEADER_LEN 16u
#define VERIFIER_MAX 512u

void iiss_krb_session_init(iiss_krb_session *s, const iiss_credentials *creds, krb5_context ctx)
{
    memset(s, 0, sizeof *s);
    s->creds = creds;
    s->ctx = ctx;
}

void iiss_krb_session_clear(iiss_krb_session *s)
{
    iiss_wipe(s, sizeof *s);
}

void iiss_krb_enctype_text(int32_t enctype, char *out, size_t cap)
{
    const char *name = iiss_krb_enctype_name(enctype);
    if (name)
        snprintf(out, cap, "enctype %d (%s)", (int)enctype, name);
    else
        snprintf(out, cap, "enctype %d", (int)enctype);
}

static void set_slot(iiss_krb_keyslot *slot, const iiss_krb_key_view *key)
{
    memset(slot, 0, sizeof *slot);
    slot->present = true;
    slot->enctype = key->enctype;
    slot->len = key->value.len; /* at most IISS_KRB_KEY_BYTES_MAX: the parser checks */
    memcpy(slot->bytes, key->value.data, key->value.len);
}

static krb5_keyblock keyblock_of(int32_t enctype, const uint8_t *bytes, size_t len)
{
    krb5_keyblock kb;
    memset(&kb, 0, sizeof kb);
    kb.magic = KV5M_KEYBLOCK;
    kb.enctype = enctype;
    kb.length = (unsigned)len;
    kb.contents = (krb5_octet *)bytes;
    return kb;
}

/* krb5_c_decrypt into a fresh buffer (the caller wipes and frees it). */
static uint8_t *decrypt(krb5_context ctx, const krb5_keyblock *key, unsigned usage, const iiss_krb_encrypted *enc,
                        size_t *out_len)
{
    if (!ctx || enc->cipher.len == 0 || enc->cipher.len > UINT32_MAX)
        return NULL;
    uint8_t *out = malloc(enc->cipher.len);
    if (!out)
        return NULL;
    krb5_enc_data in;
    memset(&in, 0, sizeof in);
    in.magic = KV5M_ENC_DATA;
    in.enctype = enc->etype;
    in.ciphertext.length = (unsigned)enc->cipher.len;
    in.ciphertext.data = (char *)enc->cipher.data;
    krb5_data plain = {KV5M_DATA, (unsigned)enc->cipher.len, (char *)out};
    if (krb5_c_decrypt(ctx, key, usage, NULL, &in, &plain) != 0) {
        free(out);
        return NULL;
    }
    *out_len = plain.length;
    return out;
}

static void release(uint8_t *p, size_t len)
{
    if (p) {
        iiss_wipe(p, len);
        free(p);
    }
}

static bool same_text_ignoring_case(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

/* The keytab entry is the ticket's service: "service@realm", realms and
 * host names compared without case. */
static bool names_service(const iiss_krb_key *k, const iiss_krb_token *t)
{
    char want[2 * IISS_KRB_NAME_MAX + 2];
    snprintf(want, sizeof want, "%s@%s", t->service, t->realm);
    return same_text_ignoring_case(k->principal, want);
}

/* Tries one keytab key on the ticket; true when it opened it. */
static bool try_ticket_key(iiss_krb_session *s, const iiss_krb_key *k, const iiss_krb_token *t)
{
    krb5_keyblock kb = keyblock_of(k->enctype, k->key, k->key_len);
    size_t len = 0;
    uint8_t *plain = decrypt(s->ctx, &kb, USAGE_TICKET, &t->ticket, &len);
    if (!plain)
        return false;
    iiss_krb_ticket_part part;
    bool ok = iiss_krb_parse_ticket_part(plain, len, &part);
    s->service_key = k;
    if (ok) {
        set_slot(&s->session_key, &part.key);
        snprintf(s->client, sizeof s->client, "%s", part.cname);
        snprintf(s->client_realm, sizeof s->client_realm, "%s", part.crealm);
    }
    s->fit = ok ? IISS_KRB_FIT_OK : IISS_KRB_FIT_BAD_TICKET;
    iiss_wipe(&part, sizeof part);
    release(plain, len);
    return true;
}

static void on_ap_req(iiss_krb_session *s, const iiss_krb_token *t)
{
    /* A new context: what the last one knew no longer holds. */
    const iiss_credentials *creds = s->creds;
    krb5_context ctx = s->ctx;
    iiss_krb_session_clear(s);
    iiss_krb_session_init(s, creds, ctx);
    size_t n = iiss_credentials_krb_count(creds);
    if (n == 0 || !ctx)
        return;
    s->fit = IISS_KRB_FIT_NONE;
    /* First the entries that name the service (and its kvno), then every
     * other key of the ticket's enctype. */
    for (int pass = 0; pass < 3 && s->fit == IISS_KRB_FIT_NONE; pass++) {
        for (size_t i = 0; i < n && s->fit == IISS_KRB_FIT_NONE; i++) {
            const iiss_krb_key *k = iiss_credentials_krb_get(creds, i);
            if (k->enctype != t->ticket.etype)
                continue;
            bool named = names_service(k, t);
            bool kvno = !t->ticket.has_kvno || k->kvno == t->ticket.kvno;
            bool in_pass = pass == 0 ? named && kvno : pass == 1 ? named && !kvno : !named;
            if (in_pass)
                try_ticket_key(s, k, t);
        }
    }
    if (s->fit != IISS_KRB_FIT_OK)
        return;
    krb5_keyblock kb = keyblock_of(s->session_key.enctype, s->session_key.bytes, s->session_key.len);
    size_t len = 0;
    uint8_t *plain = decrypt(ctx, &kb, USAGE_AUTHENTICATOR, &t->authenticator, &len);
    iiss_krb_authenticator a;
    if (!plain || !iiss_krb_parse_authenticator(plain, len, &a)) {
        s->fit = IISS_KRB_FIT_BAD_AUTHENTICATOR;
        release(plain, len);
        return;
    }
    if (a.has_subkey)
        set_slot(&s->initiator_subkey, &a.subkey);
    s->has_initiator_seq = a.has_seq;
    s->initiator_seq = a.seq;
    iiss_wipe(&a, sizeof a);
    release(plain, len);
}

static void on_ap_rep(iiss_krb_session *s, bool from_server, const iiss_krb_token *t)
{
    if (from_server)
        s->ap_rep_seen = true;
    if (!s->session_key.present)
        return;
    krb5_keyblock kb = keyblock_of(s->session_key.enctype, s->session_key.bytes, s->session_key.len);
    size_t len = 0;
    uint8_t *plain = decrypt(s->ctx, &kb, USAGE_AP_REP, &t->ap_rep, &len);
    iiss_krb_ap_rep_part part;
    bool ok = plain && iiss_krb_parse_ap_rep_part(plain, len, &part);
    if (from_server) {
        s->ap_rep_bad = !ok;
        if (ok && part.has_subkey)
            set_slot(&s->acceptor_subkey, &part.subkey);
        if (ok && part.has_seq) {
            s->has_acceptor_seq = true;
            s->acceptor_seq = part.seq;
        }
    }
    if (ok)
        iiss_wipe(&part, sizeof part);
    release(plain, len);
}

void iiss_krb_session_on_token(iiss_krb_session *s, bool from_server, const iiss_krb_token *token)
{
    if (token->kind == IISS_KRB_TOKEN_AP_REQ && !from_server)
        on_ap_req(s, token);
    else if (token->kind == IISS_KRB_TOKEN_AP_REP)
        on_ap_rep(s, from_server, token);
}

/* One attempt at a sealed CFX token (RFC 4121 4.2.4, MS-KILE 3.4.5.4.1).
 * After the 16-byte token header the verifier holds, rotated by RRC + EC:
 * the encrypted EC filler and header copy, the checksum (the krb5
 * trailer), then the confounder (the krb5 header); the body is the rest of
 * the ciphertext. */
static iiss_krb_unwrap_result unwrap_once(krb5_context ctx, const krb5_keyblock *key, unsigned usage,
                                          bool header_signing, const uint8_t *header, size_t header_len,
                                          const uint8_t *body, uint8_t *plain, size_t body_len,
                                          const uint8_t *trailer, size_t trailer_len, const uint8_t *verifier,
                                          size_t verifier_len)
{
    unsigned k5_header = 0, k5_trailer = 0;
    if (krb5_c_crypto_length(ctx, key->enctype, KRB5_CRYPTO_TYPE_HEADER, &k5_header) != 0 ||
        krb5_c_crypto_length(ctx, key->enctype, KRB5_CRYPTO_TYPE_TRAILER, &k5_trailer) != 0)
        return IISS_KRB_UNWRAP_MALFORMED;
    uint16_t ec = (uint16_t)(verifier[4] << 8 | verifier[5]);
    uint16_t rrc = (uint16_t)(verifier[6] << 8 | verifier[7]);
    size_t rest = verifier_len - CFX_HEADER_LEN;
    if (rest < (size_t)k5_header + k5_trailer + CFX_HEADER_LEN)
        return IISS_KRB_UNWRAP_MALFORMED;
    size_t sealed_tail = rest - k5_header - k5_trailer; /* EC filler and the header copy */
    if (sealed_tail != (size_t)ec + CFX_HEADER_LEN || (size_t)rrc + ec != rest - k5_header)
        return IISS_KRB_UNWRAP_MALFORMED;
    uint8_t copy[VERIFIER_MAX];
    memcpy(copy, verifier + CFX_HEADER_LEN, rest);
    memcpy(plain, body, body_len);
    krb5_crypto_iov iov[6];
    memset(iov, 0, sizeof iov);
    iov[0].flags = KRB5_CRYPTO_TYPE_HEADER;
    iov[0].data = (krb5_data){KV5M_DATA, k5_header, (char *)copy + rest - k5_header};
    iov[1].flags = header_signing ? KRB5_CRYPTO_TYPE_SIGN_ONLY : KRB5_CRYPTO_TYPE_EMPTY;
    iov[1].data = (krb5_data){KV5M_DATA, header_signing ? (unsigned)header_len : 0, (char *)header};
    iov[2].flags = KRB5_CRYPTO_TYPE_DATA;
    iov[2].data = (krb5_data){KV5M_DATA, (unsigned)body_len, (char *)plain};
    iov[3].flags = header_signing ? KRB5_CRYPTO_TYPE_SIGN_ONLY : KRB5_CRYPTO_TYPE_EMPTY;
    iov[3].data = (krb5_data){KV5M_DATA, header_signing ? (unsigned)trailer_len : 0, (char *)trailer};
    iov[4].flags = KRB5_CRYPTO_TYPE_DATA;
    iov[4].data = (krb5_data){KV5M_DATA, (unsigned)sealed_tail, (char *)copy};
    iov[5].flags = KRB5_CRYPTO_TYPE_TRAILER;
    iov[5].data = (krb5_data){KV5M_DATA, k5_trailer, (char *)copy + sealed_tail};
    krb5_error_code err = krb5_c_decrypt_iov(ctx, key, usage, NULL, iov, 6);
    iiss_krb_unwrap_result r = IISS_KRB_UNWRAP_OK;
    if (err) {
        r = IISS_KRB_UNWRAP_INVALID;
    } else {
        /* The header copy must be the token header, RRC aside (RFC 4121
         * 4.2.4: it is encrypted with RRC 0). */
        const uint8_t *inner = copy + ec;
        if (memcmp(inner, verifier, 6) != 0 || memcmp(inner + 8, verifier + 8, 8) != 0)
            r = IISS_KRB_UNWRAP_INVALID;
    }
    iiss_wipe(copy, sizeof copy);
    return r;
}

/* MIT krb5's RFC 4757 GSS encryption: RC4 under HMAC(HMAC(key, usage),
 * kd_data) over the iov's data buffers in order. libk5crypto exports it
 * for MIT's own GSS library; no public header declares it. */
krb5_error_code krb5int_arcfour_gsscrypt(const krb5_keyblock *keyblock, krb5_keyusage usage, const krb5_data *kd_data,
                                         krb5_crypto_iov *data, size_t num_data);

#define RC4_TOKEN_LEN 32u
/* RFC 4757 7.3: the Wrap checksum's usage (the HMAC-MD5 checksum's salt). */
#define RC4_WRAP_CHECKSUM_USAGE 13

/* The RC4 checksum over the token's first 8 bytes, the confounder and (in
 * order) the header, the plaintext body and the sec_trailer when header
 * signing; true when its first 8 bytes are the token's SGN_CKSUM. */
static bool rc4_checksum_fits(krb5_context ctx, const krb5_keyblock *key, bool header_signing, const uint8_t *header,
                              size_t header_len, const uint8_t *plain, size_t body_len, const uint8_t *trailer,
                              size_t trailer_len, const uint8_t *token, const uint8_t confounder[8])
{
    size_t len = 16 + (header_signing ? header_len + trailer_len : 0) + body_len;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return false;
    size_t at = 0;
    memcpy(buf + at, token, 8);
    at += 8;
    memcpy(buf + at, confounder, 8);
    at += 8;
    if (header_signing) {
        memcpy(buf + at, header, header_len);
        at += header_len;
    }
    memcpy(buf + at, plain, body_len);
    at += body_len;
    if (header_signing)
        memcpy(buf + at, trailer, trailer_len);
    krb5_data input = {KV5M_DATA, (unsigned)len, (char *)buf};
    krb5_checksum sum;
    bool ok = krb5_c_make_checksum(ctx, CKSUMTYPE_HMAC_MD5_ARCFOUR, key, RC4_WRAP_CHECKSUM_USAGE, &input, &sum) == 0;
    if (ok) {
        ok = sum.length >= 8 && memcmp(sum.contents, token + 16, 8) == 0;
        krb5_free_checksum_contents(ctx, &sum);
    }
    iiss_wipe(buf, len);
    free(buf);
    return ok;
}

/* An RFC 4757 wrap token (7.3) as DCE carries it: 32 bytes, the sealed
 * body where the stub was. */
static iiss_krb_unwrap_result unwrap_rc4(krb5_context ctx, const iiss_krb_keyslot *slot, bool from_server,
                                         bool header_signing, const uint8_t *header, size_t header_len,
                                         const uint8_t *body, uint8_t *plain, size_t body_len, const uint8_t *trailer,
                                         size_t trailer_len, const uint8_t *token, size_t token_len)
{
    static const uint8_t sealed_head[8] = {0x02, 0x01, 0x11, 0x00, 0x10, 0x00, 0xFF, 0xFF};
    if (token_len != RC4_TOKEN_LEN || memcmp(token, sealed_head, sizeof sealed_head) != 0 ||
        slot->enctype != ENCTYPE_ARCFOUR_HMAC || slot->len != 16)
        return IISS_KRB_UNWRAP_MALFORMED;
    krb5_keyblock kb = keyblock_of(slot->enctype, slot->bytes, slot->len);
    /* SND_SEQ under HMAC(HMAC(key, 0), SGN_CKSUM). */
    uint8_t seq[8], confounder[8];
    memcpy(seq, token + 8, 8);
    memcpy(confounder, token + 24, 8);
    krb5_data checksum8 = {KV5M_DATA, 8, (char *)token + 16};
    krb5_crypto_iov iov[2];
    memset(iov, 0, sizeof iov);
    iov[0].flags = KRB5_CRYPTO_TYPE_DATA;
    iov[0].data = (krb5_data){KV5M_DATA, 8, (char *)seq};
    if (krb5int_arcfour_gsscrypt(&kb, 0, &checksum8, iov, 1) != 0)
        return IISS_KRB_UNWRAP_MALFORMED;
    /* The direction: 0xFFFFFFFF from the acceptor, zeros from the initiator. */
    uint8_t direction = from_server ? 0xFF : 0x00;
    if (seq[4] != direction || seq[5] != direction || seq[6] != direction || seq[7] != direction)
        return IISS_KRB_UNWRAP_INVALID;
    /* The confounder and body under HMAC(HMAC(key ^ 0xF0, 0), SND_SEQ[0..4]). */
    uint8_t local[16];
    for (size_t i = 0; i < sizeof local; i++)
        local[i] = slot->bytes[i] ^ 0xF0;
    krb5_keyblock klocal = keyblock_of(slot->enctype, local, sizeof local);
    krb5_data seq_number = {KV5M_DATA, 4, (char *)seq};
    memcpy(plain, body, body_len);
    iov[0].data = (krb5_data){KV5M_DATA, 8, (char *)confounder};
    iov[1].flags = KRB5_CRYPTO_TYPE_DATA;
    iov[1].data = (krb5_data){KV5M_DATA, (unsigned)body_len, (char *)plain};
    krb5_error_code err = krb5int_arcfour_gsscrypt(&klocal, 0, &seq_number, iov, 2);
    iiss_wipe(local, sizeof local);
    if (err)
        return IISS_KRB_UNWRAP_MALFORMED;
    bool ok = rc4_checksum_fits(ctx, &kb, header_signing, header, header_len, plain, body_len, trailer, trailer_len,
                                token, confounder) ||
              rc4_checksum_fits(ctx, &kb, !header_signing, header, header_len, plain, body_len, trailer,
                                trailer_len, token, confounder);
    iiss_wipe(confounder, sizeof confounder);
    return ok ? IISS_KRB_UNWRAP_OK : IISS_KRB_UNWRAP_INVALID;
}

iiss_krb_unwrap_result iiss_krb_session_unwrap(const iiss_krb_session *s, bool from_server, bool header_signing,
                                               const uint8_t *header, size_t header_len, const uint8_t *body,
                                               uint8_t *plain, size_t body_len, const uint8_t *trailer,
                                               size_t trailer_len, const uint8_t *verifier, size_t verifier_len)
{
    /* RFC 4757 tokens come in the GSS framing of RFC 1964 tokens:
     * [APPLICATION 0], length, the Kerberos OID, then the 32-byte token. */
    static const uint8_t rc4_framing[13] = {0x60, 0x2B, 0x06, 0x09, 0x2A, 0x86, 0x48,
                                            0x86, 0xF7, 0x12, 0x01, 0x02, 0x02};
    if (verifier_len == sizeof rc4_framing + RC4_TOKEN_LEN && memcmp(verifier, rc4_framing, sizeof rc4_framing) == 0) {
        verifier += sizeof rc4_framing;
        verifier_len -= sizeof rc4_framing;
    }
    if (verifier_len >= 2 && verifier[0] == 0x02 && verifier[1] == 0x01) {
        /* RFC 4757 has no acceptor-subkey flag: the context key is the
         * acceptor's subkey when the AP-REP gave one (MS-KILE 3.4.5.4.1). */
        const iiss_krb_keyslot *slot = s->acceptor_subkey.present    ? &s->acceptor_subkey
                                       : s->initiator_subkey.present ? &s->initiator_subkey
                                                                     : &s->session_key;
        if (!slot->present || !s->ctx)
            return IISS_KRB_UNWRAP_NO_KEY;
        if (body_len > UINT32_MAX)
            return IISS_KRB_UNWRAP_MALFORMED;
        return unwrap_rc4(s->ctx, slot, from_server, header_signing, header, header_len, body, plain, body_len,
                          trailer, trailer_len, verifier, verifier_len);
    }
    if (verifier_len < CFX_HEADER_LEN || verifier_len > VERIFIER_MAX || verifier[0] != 0x05 ||
        verifier[1] != 0x04 || verifier[3] != 0xFF || body_len > UINT32_MAX)
        return IISS_KRB_UNWRAP_MALFORMED;
    uint8_t flags = verifier[2];
    if (!(flags & CFX_SEALED) || ((flags & CFX_SENT_BY_ACCEPTOR) != 0) != from_server)
        return IISS_KRB_UNWRAP_MALFORMED;
    /* RFC 4121 2: the acceptor subkey when the flag says so, else the
     * initiator's subkey, else the session key. */
    const iiss_krb_keyslot *slot = (flags & CFX_ACCEPTOR_SUBKEY) ? &s->acceptor_subkey
                                   : s->initiator_subkey.present ? &s->initiator_subkey
                                                                 : &s->session_key;
    if (!slot->present || !s->ctx)
        return IISS_KRB_UNWRAP_NO_KEY;
    krb5_keyblock kb = keyblock_of(slot->enctype, slot->bytes, slot->len);
    unsigned usage = from_server ? USAGE_ACCEPTOR_SEAL : USAGE_INITIATOR_SEAL;
    iiss_krb_unwrap_result r = unwrap_once(s->ctx, &kb, usage, header_signing, header, header_len, body, plain,
                                           body_len, trailer, trailer_len, verifier, verifier_len);
    if (r == IISS_KRB_UNWRAP_INVALID)
        r = unwrap_once(s->ctx, &kb, usage, !header_signing, header, header_len, body, plain, body_len, trailer,
                        trailer_len, verifier, verifier_len);
    return r;
}
