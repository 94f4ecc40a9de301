/* Kerberos messages and CFX wrap tokens for the samples; see kerberos.h. */
#include "kerberos.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "der_writer.h"

/* ---- the fixed "random" stream ----
 * MIT krb5 draws confounders through krb5_c_random_make_octets; this
 * definition in the executable takes its place (libk5crypto calls it
 * through its PLT), so every run writes the same bytes. Not random at all,
 * which is what a reproducible sample needs. */
static uint64_t random_state = 0x9E3779B97F4A7C15ull;

void krb_random_reset(uint64_t seed)
{
    random_state = seed ? seed : 0x9E3779B97F4A7C15ull;
}

krb5_error_code KRB5_CALLCONV krb5_c_random_make_octets(krb5_context context, krb5_data *data)
{
    (void)context;
    for (unsigned i = 0; i < data->length; i++) {
        /* xorshift64: a fixed sequence, not for secrecy. */
        random_state ^= random_state << 13;
        random_state ^= random_state >> 7;
        random_state ^= random_state << 17;
        data->data[i] = (char)(random_state >> 24);
    }
    return 0;
}

void krb_key_from_bytes(krb5_keyblock *key, krb5_enctype enctype, const uint8_t *bytes, size_t len)
{
    memset(key, 0, sizeof *key);
    key->magic = KV5M_KEYBLOCK;
    key->enctype = enctype;
    key->length = (unsigned)len;
    key->contents = malloc(len);
    if (!key->contents)
        abort();
    memcpy(key->contents, bytes, len);
}

static void die(krb5_context ctx, krb5_error_code err, const char *what)
{
    const char *msg = krb5_get_error_message(ctx, err);
    fprintf(stderr, "iiss-samplegen: %s: %s\n", what, msg);
    krb5_free_error_message(ctx, msg);
    abort();
}

/* ---- ASN.1 pieces (RFC 4120 5.2) ---- */

/* PrincipalName ::= SEQUENCE { name-type [0] Int32, name-string [1] SEQUENCE OF KerberosString } */
static void put_principal(bytebuf *out, unsigned tag, int name_type, const char *const *names, size_t n)
{
    bytebuf strings, seq, fields, principal;
    bb_init(&strings);
    bb_init(&seq);
    bb_init(&fields);
    bb_init(&principal);
    for (size_t i = 0; i < n; i++)
        der_put_tlv(&strings, DER_GENERAL_STRING, (const uint8_t *)names[i], strlen(names[i]));
    der_put_context_integer(&fields, 0, name_type);
    der_put_wrapped(&seq, DER_SEQUENCE, &strings);
    der_put_wrapped(&fields, DER_CONTEXT(1), &seq);
    der_put_wrapped(&principal, DER_SEQUENCE, &fields);
    der_put_wrapped(out, DER_CONTEXT(tag), &principal);
    bb_free(&strings);
    bb_free(&seq);
    bb_free(&fields);
    bb_free(&principal);
}

/* EncryptionKey ::= SEQUENCE { keytype [0] Int32, keyvalue [1] OCTET STRING } */
static void put_key(bytebuf *out, unsigned tag, const krb5_keyblock *key)
{
    bytebuf fields, seq;
    bb_init(&fields);
    bb_init(&seq);
    der_put_context_integer(&fields, 0, key->enctype);
    der_put_context_octets(&fields, 1, key->contents, key->length);
    der_put_wrapped(&seq, DER_SEQUENCE, &fields);
    der_put_wrapped(out, DER_CONTEXT(tag), &seq);
    bb_free(&fields);
    bb_free(&seq);
}

/* EncryptedData ::= SEQUENCE { etype [0], kvno [1] OPTIONAL, cipher [2] },
 * the plaintext encrypted with krb5_c_encrypt. kvno 0: left out. */
static void put_encrypted(bytebuf *out, unsigned tag, krb5_context ctx, const krb5_keyblock *key, unsigned usage,
                          unsigned kvno, const bytebuf *plain)
{
    size_t len = 0;
    krb5_error_code err = krb5_c_encrypt_length(ctx, key->enctype, plain->len, &len);
    if (err)
        die(ctx, err, "krb5_c_encrypt_length");
    krb5_data input = {KV5M_DATA, (unsigned)plain->len, (char *)plain->data};
    krb5_enc_data enc;
    memset(&enc, 0, sizeof enc);
    enc.ciphertext.length = (unsigned)len;
    enc.ciphertext.data = malloc(len);
    if (!enc.ciphertext.data)
        abort();
    err = krb5_c_encrypt(ctx, key, usage, NULL, &input, &enc);
    if (err)
        die(ctx, err, "krb5_c_encrypt");
    bytebuf fields, seq;
    bb_init(&fields);
    bb_init(&seq);
    der_put_context_integer(&fields, 0, key->enctype);
    if (kvno)
        der_put_context_integer(&fields, 1, kvno);
    der_put_context_octets(&fields, 2, (const uint8_t *)enc.ciphertext.data, enc.ciphertext.length);
    der_put_wrapped(&seq, DER_SEQUENCE, &fields);
    der_put_wrapped(out, DER_CONTEXT(tag), &seq);
    bb_free(&fields);
    bb_free(&seq);
    free(enc.ciphertext.data);
}

/* Wraps `fields` in SEQUENCE, then [APPLICATION app]. */
static void put_application(bytebuf *out, unsigned app, const bytebuf *fields)
{
    bytebuf seq;
    bb_init(&seq);
    der_put_wrapped(&seq, DER_SEQUENCE, fields);
    der_put_wrapped(out, DER_APPLICATION(app), &seq);
    bb_free(&seq);
}

enum { NT_PRINCIPAL = 1, NT_SRV_INST = 2 };
/* forwardable, renewable, pre-authent, name-canonicalize (RFC 4120 5.3, RFC 6806). */
#define TICKET_FLAGS 0x40A10000u
#define AP_OPTIONS_MUTUAL_REQUIRED 0x20000000u
#define TICKET_LIFETIME_S (10u * 3600u)
#define GSS_CHECKSUM_TYPE 0x8003

/* Ticket ::= [APPLICATION 1] SEQUENCE { tkt-vno [0], realm [1], sname [2], enc-part [3] },
 * its EncTicketPart ([APPLICATION 3]) under the service key. */
static void put_ticket(bytebuf *out, unsigned tag, const krb_exchange *x)
{
    bytebuf part, enc_part, fields, ticket, transited, tr;
    bb_init(&part);
    bb_init(&enc_part);
    bb_init(&fields);
    bb_init(&ticket);
    bb_init(&transited);
    bb_init(&tr);
    der_put_context_bits32(&part, 0, TICKET_FLAGS);
    put_key(&part, 1, &x->session_key);
    der_put_context_general_string(&part, 2, x->realm);
    put_principal(&part, 3, NT_PRINCIPAL, &x->client, 1);
    der_put_context_integer(&transited, 0, 1); /* DOMAIN-X500-COMPRESS, nothing transited */
    der_put_context_octets(&transited, 1, NULL, 0);
    der_put_wrapped(&tr, DER_SEQUENCE, &transited);
    der_put_wrapped(&part, DER_CONTEXT(4), &tr);
    der_put_context_time(&part, 5, x->auth_time);
    der_put_context_time(&part, 6, x->auth_time);
    der_put_context_time(&part, 7, x->auth_time + TICKET_LIFETIME_S);
    put_application(&enc_part, 3, &part);

    der_put_context_integer(&fields, 0, 5);
    der_put_context_general_string(&fields, 1, x->realm);
    put_principal(&fields, 2, NT_SRV_INST, x->service, 2);
    put_encrypted(&fields, 3, x->ctx, x->service_key, KRB_USAGE_TICKET, x->service_kvno, &enc_part);
    put_application(&ticket, 1, &fields);
    der_put_wrapped(out, DER_CONTEXT(tag), &ticket);
    bb_free(&part);
    bb_free(&enc_part);
    bb_free(&fields);
    bb_free(&ticket);
    bb_free(&transited);
    bb_free(&tr);
}

/* The authenticator checksum of RFC 4121 4.1.1: Lgth 16, Bnd (no channel
 * bindings: zeros), Flags; little-endian as the RFC says. */
static void put_gss_checksum(bytebuf *out, unsigned tag, uint32_t flags)
{
    bytebuf value, fields, seq;
    bb_init(&value);
    bb_init(&fields);
    bb_init(&seq);
    bb_put_u32le(&value, 16);
    bb_put_zeros(&value, 16);
    bb_put_u32le(&value, flags);
    der_put_context_integer(&fields, 0, GSS_CHECKSUM_TYPE);
    der_put_context_octets(&fields, 1, value.data, value.len);
    der_put_wrapped(&seq, DER_SEQUENCE, &fields);
    der_put_wrapped(out, DER_CONTEXT(tag), &seq);
    bb_free(&value);
    bb_free(&fields);
    bb_free(&seq);
}

void krb_write_ap_req(bytebuf *out, const krb_exchange *x)
{
    bytebuf auth_fields, authenticator, fields;
    bb_init(&auth_fields);
    bb_init(&authenticator);
    bb_init(&fields);
    /* Authenticator ::= [APPLICATION 2] SEQUENCE { authenticator-vno [0], crealm [1], cname [2],
     * cksum [3], cusec [4], ctime [5], subkey [6], seq-number [7] } */
    der_put_context_integer(&auth_fields, 0, 5);
    der_put_context_general_string(&auth_fields, 1, x->realm);
    put_principal(&auth_fields, 2, NT_PRINCIPAL, &x->client, 1);
    put_gss_checksum(&auth_fields, 3, x->gss_flags);
    der_put_context_integer(&auth_fields, 4, x->cusec);
    der_put_context_time(&auth_fields, 5, x->ctime);
    put_key(&auth_fields, 6, &x->initiator_subkey);
    der_put_context_integer(&auth_fields, 7, x->initiator_seq);
    put_application(&authenticator, 2, &auth_fields);

    /* AP-REQ ::= [APPLICATION 14] SEQUENCE { pvno [0], msg-type [1], ap-options [2], ticket [3],
     * authenticator [4] } */
    der_put_context_integer(&fields, 0, 5);
    der_put_context_integer(&fields, 1, 14);
    der_put_context_bits32(&fields, 2, AP_OPTIONS_MUTUAL_REQUIRED);
    put_ticket(&fields, 3, x);
    put_encrypted(&fields, 4, x->ctx, &x->session_key, KRB_USAGE_AUTHENTICATOR, 0, &authenticator);
    put_application(out, 14, &fields);
    bb_free(&auth_fields);
    bb_free(&authenticator);
    bb_free(&fields);
}

/* AP-REP ::= [APPLICATION 15] SEQUENCE { pvno [0], msg-type [1], enc-part [2] } around
 * EncAPRepPart ::= [APPLICATION 27] SEQUENCE { ctime [0], cusec [1], subkey [2] OPTIONAL,
 * seq-number [3] OPTIONAL }. */
static void put_ap_rep(bytebuf *out, const krb_exchange *x, const krb5_keyblock *subkey, uint32_t seq)
{
    bytebuf part_fields, part, fields;
    bb_init(&part_fields);
    bb_init(&part);
    bb_init(&fields);
    der_put_context_time(&part_fields, 0, x->ctime);
    der_put_context_integer(&part_fields, 1, x->cusec);
    if (subkey)
        put_key(&part_fields, 2, subkey);
    der_put_context_integer(&part_fields, 3, seq);
    put_application(&part, 27, &part_fields);
    der_put_context_integer(&fields, 0, 5);
    der_put_context_integer(&fields, 1, 15);
    put_encrypted(&fields, 2, x->ctx, &x->session_key, KRB_USAGE_AP_REP, 0, &part);
    put_application(out, 15, &fields);
    bb_free(&part_fields);
    bb_free(&part);
    bb_free(&fields);
}

void krb_write_ap_rep(bytebuf *out, const krb_exchange *x)
{
    put_ap_rep(out, x, &x->acceptor_subkey, x->acceptor_seq);
}

void krb_write_client_ap_rep(bytebuf *out, const krb_exchange *x)
{
    put_ap_rep(out, x, NULL, x->initiator_seq);
}

/* 1.2.840.113554.1.2.2 */
static const uint8_t OID_KERBEROS[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x12, 0x01, 0x02, 0x02};

void krb_write_gss_ap_req(bytebuf *out, const uint8_t *ap_req, size_t len)
{
    bytebuf inner;
    bb_init(&inner);
    der_put_tlv(&inner, DER_OID, OID_KERBEROS, sizeof OID_KERBEROS);
    bb_put_u8(&inner, 0x01); /* TOK_ID KRB_AP_REQ (RFC 4121 4.1) */
    bb_put_u8(&inner, 0x00);
    bb_put_bytes(&inner, ap_req, len);
    der_put_wrapped(out, DER_APPLICATION(0), &inner);
    bb_free(&inner);
}

/* ---- CFX wrap tokens ---- */

static void put_token_header(uint8_t out[16], uint8_t flags, uint16_t ec, uint16_t rrc, uint64_t seq)
{
    out[0] = 0x05; /* TOK_ID 05 04: Wrap (RFC 4121 4.2.6.2) */
    out[1] = 0x04;
    out[2] = flags;
    out[3] = 0xFF; /* filler */
    out[4] = (uint8_t)(ec >> 8);
    out[5] = (uint8_t)ec;
    out[6] = (uint8_t)(rrc >> 8);
    out[7] = (uint8_t)rrc;
    for (int i = 0; i < 8; i++)
        out[8 + i] = (uint8_t)(seq >> (56 - 8 * i));
}

size_t krb_verifier_len(const krb5_keyblock *key)
{
    return key->enctype == ENCTYPE_ARCFOUR_HMAC ? KRB_RC4_VERIFIER_LEN : KRB_CFX_AES_VERIFIER_LEN;
}

/* MIT krb5's RFC 4757 GSS encryption (libk5crypto exports it for its GSS
 * library; no public header declares it): RC4 under HMAC(HMAC(key, usage),
 * kd_data), over the iov's data buffers in order. */
krb5_error_code krb5int_arcfour_gsscrypt(const krb5_keyblock *keyblock, krb5_keyusage usage, const krb5_data *kd_data,
                                         krb5_crypto_iov *data, size_t num_data);

/* RFC 4757 7.3 "Wrap" for DCE: the checksum (HMAC-MD5 checksum type,
 * usage 13) over the token's first 8 bytes, the confounder and, in order,
 * the PDU header, the body and the sec_trailer (header signing); the
 * confounder and body RC4-encrypted under Klocal = key ^ 0xF0 and the
 * sequence number; SND_SEQ encrypted under the key and the checksum. */
static int rc4_seal_pdu(krb_sealer *s, uint8_t *pdu, size_t body_off, size_t body_len, uint8_t *v)
{
    static const uint8_t head[8] = {0x02, 0x01, 0x11, 0x00, 0x10, 0x00, 0xFF, 0xFF};
    memcpy(v, head, sizeof head);
    uint8_t seq[8];
    for (int i = 0; i < 4; i++)
        seq[i] = (uint8_t)(s->seq >> (24 - 8 * i));
    memset(seq + 4, s->acceptor ? 0xFF : 0x00, 4);
    krb5_data confounder = {KV5M_DATA, 8, (char *)v + 24};
    krb5_c_random_make_octets(s->ctx, &confounder);

    bytebuf signed_bytes;
    bb_init(&signed_bytes);
    bb_put_bytes(&signed_bytes, v, 8);
    bb_put_bytes(&signed_bytes, v + 24, 8);
    if (s->header_signing)
        bb_put_bytes(&signed_bytes, pdu, body_off);
    bb_put_bytes(&signed_bytes, pdu + body_off, body_len);
    if (s->header_signing)
        bb_put_bytes(&signed_bytes, pdu + body_off + body_len, 8);
    krb5_data input = {KV5M_DATA, (unsigned)signed_bytes.len, (char *)signed_bytes.data};
    krb5_checksum cksum;
    krb5_error_code err = krb5_c_make_checksum(s->ctx, CKSUMTYPE_HMAC_MD5_ARCFOUR, s->key, 13, &input, &cksum);
    bb_free(&signed_bytes);
    if (err || cksum.length < 8)
        return -1;
    memcpy(v + 16, cksum.contents, 8);
    krb5_free_checksum_contents(s->ctx, &cksum);

    uint8_t local[16];
    if (s->key->length != sizeof local)
        return -1;
    for (size_t i = 0; i < sizeof local; i++)
        local[i] = s->key->contents[i] ^ 0xF0;
    krb5_keyblock klocal = *s->key;
    klocal.contents = local;
    krb5_data seq_number = {KV5M_DATA, 4, (char *)seq};
    krb5_crypto_iov iov[2];
    iov[0].flags = KRB5_CRYPTO_TYPE_DATA;
    iov[0].data = confounder;
    iov[1].flags = KRB5_CRYPTO_TYPE_DATA;
    iov[1].data = (krb5_data){KV5M_DATA, (unsigned)body_len, (char *)pdu + body_off};
    err = krb5int_arcfour_gsscrypt(&klocal, 0, &seq_number, iov, 2);
    memset(local, 0, sizeof local);
    if (err)
        return -1;
    krb5_data checksum8 = {KV5M_DATA, 8, (char *)v + 16};
    memcpy(v + 8, seq, 8);
    iov[0].data = (krb5_data){KV5M_DATA, 8, (char *)v + 8};
    return krb5int_arcfour_gsscrypt(s->key, 0, &checksum8, iov, 1) ? -1 : 0;
}

int krb_seal_pdu(krb_sealer *s, uint8_t *pdu, size_t pdu_len, size_t body_off, size_t body_len,
                     size_t verifier_off, size_t verifier_len)
{
    if (s->key->enctype == ENCTYPE_ARCFOUR_HMAC) {
        if (verifier_len != KRB_RC4_VERIFIER_LEN || verifier_off + verifier_len != pdu_len ||
            body_off + body_len + 8 != verifier_off)
            return -1;
        /* The GSS framing: [APPLICATION 0], length, the Kerberos OID. */
        uint8_t *v = pdu + verifier_off;
        v[0] = 0x60;
        v[1] = (uint8_t)(KRB_RC4_VERIFIER_LEN - 2);
        v[2] = 0x06;
        v[3] = (uint8_t)sizeof OID_KERBEROS;
        memcpy(v + 4, OID_KERBEROS, sizeof OID_KERBEROS);
        if (rc4_seal_pdu(s, pdu, body_off, body_len, v + 4 + sizeof OID_KERBEROS) != 0)
            return -1;
        s->seq++;
        if (s->tamper_next) {
            pdu[pdu_len - 14] ^= 0x5A; /* a byte of SGN_CKSUM flipped in transit */
            s->tamper_next = false;
            return 1;
        }
        return 0;
    }
    const size_t trailer_len = 8; /* the sec_trailer */
    if (verifier_len != KRB_CFX_AES_VERIFIER_LEN || verifier_off + verifier_len != pdu_len ||
        body_off + body_len + trailer_len != verifier_off)
        return -1;
    uint8_t flags = KRB_CFX_SEALED | KRB_CFX_ACCEPTOR_SUBKEY | (s->acceptor ? KRB_CFX_SENT_BY_ACCEPTOR : 0);
    uint8_t *v = pdu + verifier_off;
    /* On the wire: the header with RRC 28; encrypted after the data: the
     * EC filler and the header again, with RRC 0 (RFC 4121 4.2.4, 4.2.5).
     * Rotated by RRC + EC (MS-KILE 3.4.5.4.1), the verifier holds the end
     * of the ciphertext, then its beginning (the confounder); the sealed
     * body stays where the stub was. */
    put_token_header(v, flags, KRB_CFX_EC, KRB_CFX_RRC, s->seq);
    memset(v + 16, 0xFF, KRB_CFX_EC);
    put_token_header(v + 16 + KRB_CFX_EC, flags, KRB_CFX_EC, 0, s->seq);
    krb5_crypto_iov iov[6];
    memset(iov, 0, sizeof iov);
    iov[0].flags = KRB5_CRYPTO_TYPE_HEADER;
    iov[0].data = (krb5_data){KV5M_DATA, 16, (char *)v + 60};
    iov[1].flags = s->header_signing ? KRB5_CRYPTO_TYPE_SIGN_ONLY : KRB5_CRYPTO_TYPE_EMPTY;
    iov[1].data = (krb5_data){KV5M_DATA, s->header_signing ? (unsigned)body_off : 0, (char *)pdu};
    iov[2].flags = KRB5_CRYPTO_TYPE_DATA;
    iov[2].data = (krb5_data){KV5M_DATA, (unsigned)body_len, (char *)pdu + body_off};
    iov[3].flags = s->header_signing ? KRB5_CRYPTO_TYPE_SIGN_ONLY : KRB5_CRYPTO_TYPE_EMPTY;
    iov[3].data = (krb5_data){KV5M_DATA, s->header_signing ? (unsigned)trailer_len : 0,
                              (char *)pdu + body_off + body_len};
    iov[4].flags = KRB5_CRYPTO_TYPE_DATA;
    iov[4].data = (krb5_data){KV5M_DATA, KRB_CFX_EC + 16, (char *)v + 16};
    iov[5].flags = KRB5_CRYPTO_TYPE_TRAILER;
    iov[5].data = (krb5_data){KV5M_DATA, 12, (char *)v + 48};
    krb5_error_code err = krb5_c_encrypt_iov(s->ctx, s->key,
                                             s->acceptor ? KRB_USAGE_ACCEPTOR_SEAL : KRB_USAGE_INITIATOR_SEAL,
                                             NULL, iov, 6);
    if (err) {
        fprintf(stderr, "iiss-samplegen: krb5_c_encrypt_iov: error %ld\n", (long)err);
        return -1;
    }
    s->seq++;
    if (s->tamper_next) {
        v[50] ^= 0x5A; /* a byte of the HMAC flipped in transit */
        s->tamper_next = false;
        return 1;
    }
    return 0;
}
