/* SPNEGO tokens (RFC 4178 / MS-SPNG) built here byte by byte, and the
 * mechListMIC rule of ntlmssp_session.h in both directions. The expected
 * MICs and sealed messages are computed in this file straight from
 * MS-NLMP's definitions with libgcrypt (MD5, HMAC-MD5, RC4), not through
 * the code under test. The NTLMSSP messages are MS-NLMP 4.2.4.3's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <gcrypt.h>

#include "credentials.h"
#include "der.h"
#include "ntlmssp_session.h"
#include "spnego.h"

typedef struct buf {
    uint8_t d[2048];
    size_t n;
} buf;

static void put(buf *b, const void *p, size_t n)
{
    assert_true(b->n + n <= sizeof b->d);
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

/* identifier, DER length, contents */
static void tlv(buf *b, uint8_t id, const buf *content)
{
    uint8_t head[4] = {id};
    size_t h = 1;
    if (content->n < 0x80) {
        head[h++] = (uint8_t)content->n;
    } else {
        head[h++] = 0x82;
        head[h++] = (uint8_t)(content->n >> 8);
        head[h++] = (uint8_t)content->n;
    }
    put(b, head, h);
    put(b, content->d, content->n);
}

static void tlv_raw(buf *b, uint8_t id, const void *p, size_t n)
{
    buf c = {.n = 0};
    put(&c, p, n);
    tlv(b, id, &c);
}

static size_t hex(const char *text, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int high = -1;
    for (const char *p = text; *p; p++) {
        int v;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        else
            continue;
        if (high < 0) {
            high = v;
        } else {
            assert_true(n < cap);
            out[n++] = (uint8_t)(high << 4 | v);
            high = -1;
        }
    }
    return n;
}

static const uint8_t ntlmssp_oid[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};
static const uint8_t krb5_oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
static const uint8_t spnego_oid[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};

/* MS-NLMP 4.2.4.3 */
static const char challenge_hex[] = "4e 54 4c 4d 53 53 50 00 02 00 00 00 0c 00 0c 00"
                                    "38 00 00 00 33 82 8a e2 01 23 45 67 89 ab cd ef"
                                    "00 00 00 00 00 00 00 00 24 00 24 00 44 00 00 00"
                                    "06 00 70 17 00 00 00 0f 53 00 65 00 72 00 76 00"
                                    "65 00 72 00 02 00 0c 00 44 00 6f 00 6d 00 61 00"
                                    "69 00 6e 00 01 00 0c 00 53 00 65 00 72 00 76 00"
                                    "65 00 72 00 00 00 00 00";
static const char authenticate_hex[] = "4e 54 4c 4d 53 53 50 00 03 00 00 00 18 00 18 00"
                                       "6c 00 00 00 54 00 54 00 84 00 00 00 0c 00 0c 00"
                                       "48 00 00 00 08 00 08 00 54 00 00 00 10 00 10 00"
                                       "5c 00 00 00 10 00 10 00 d8 00 00 00 35 82 88 e2"
                                       "05 01 28 0a 00 00 00 0f 44 00 6f 00 6d 00 61 00"
                                       "69 00 6e 00 55 00 73 00 65 00 72 00 43 00 4f 00"
                                       "4d 00 50 00 55 00 54 00 45 00 52 00 86 c3 50 97"
                                       "ac 9c ec 10 25 54 76 4a 57 cc cc 19 aa aa aa aa"
                                       "aa aa aa aa 68 cd 0a b8 51 e5 1c 96 aa bc 92 7b"
                                       "eb ef 6a 1c 01 01 00 00 00 00 00 00 00 00 00 00"
                                       "00 00 00 00 aa aa aa aa aa aa aa aa 00 00 00 00"
                                       "02 00 0c 00 44 00 6f 00 6d 00 61 00 69 00 6e 00"
                                       "01 00 0c 00 53 00 65 00 72 00 76 00 65 00 72 00"
                                       "00 00 00 00 00 00 00 00 c5 da d2 54 4f c9 79 90"
                                       "94 ce 1c e9 0b c9 d0 3e";

/* The MechTypeList: Kerberos, then NTLMSSP. */
static void mech_type_list(buf *out)
{
    buf oids = {.n = 0};
    tlv_raw(&oids, 0x06, krb5_oid, sizeof krb5_oid);
    tlv_raw(&oids, 0x06, ntlmssp_oid, sizeof ntlmssp_oid);
    tlv(out, 0x30, &oids);
}

static void neg_token_init(buf *out, const uint8_t *mech_token, size_t len)
{
    buf types = {.n = 0}, fields = {.n = 0}, seq = {.n = 0}, choice = {.n = 0}, inner = {.n = 0};
    mech_type_list(&types);
    tlv(&fields, 0xa0, &types);
    buf octets = {.n = 0};
    tlv_raw(&octets, 0x04, mech_token, len);
    tlv(&fields, 0xa2, &octets);
    tlv(&seq, 0x30, &fields);
    tlv(&choice, 0xa0, &seq);
    tlv_raw(&inner, 0x06, spnego_oid, sizeof spnego_oid);
    put(&inner, choice.d, choice.n);
    tlv(out, 0x60, &inner);
}

static void neg_token_resp(buf *out, int neg_state, bool ntlmssp_mech, const uint8_t *token, size_t token_len,
                           const uint8_t *mic, size_t mic_len)
{
    buf fields = {.n = 0}, seq = {.n = 0};
    if (neg_state >= 0) {
        uint8_t e[3] = {0x0a, 0x01, (uint8_t)neg_state};
        tlv_raw(&fields, 0xa0, e, sizeof e);
    }
    if (ntlmssp_mech) {
        buf oid = {.n = 0};
        tlv_raw(&oid, 0x06, ntlmssp_oid, sizeof ntlmssp_oid);
        tlv(&fields, 0xa1, &oid);
    }
    if (token) {
        buf octets = {.n = 0};
        tlv_raw(&octets, 0x04, token, token_len);
        tlv(&fields, 0xa2, &octets);
    }
    if (mic) {
        buf octets = {.n = 0};
        tlv_raw(&octets, 0x04, mic, mic_len);
        tlv(&fields, 0xa3, &octets);
    }
    tlv(&seq, 0x30, &fields);
    tlv(out, 0xa1, &seq);
}

static void test_parse_init(void **state)
{
    (void)state;
    const uint8_t negotiate[] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0, 0x35, 0x82, 0x88, 0xe2};
    buf tok = {.n = 0};
    neg_token_init(&tok, negotiate, sizeof negotiate);
    iiss_spnego_token t;
    assert_true(iiss_spnego_parse(tok.d, tok.n, &t));
    assert_int_equal(t.kind, IISS_SPNEGO_INIT);
    assert_int_equal(t.mech_count, 2);
    assert_true(t.ntlmssp_offered);
    assert_false(t.ntlmssp_first);
    assert_int_equal(t.mech_token.len, sizeof negotiate);
    assert_memory_equal(t.mech_token.data, negotiate, sizeof negotiate);
    assert_null(t.mech_list_mic.data);
    buf types = {.n = 0};
    mech_type_list(&types);
    assert_int_equal(t.mech_types.len, types.n);
    assert_memory_equal(t.mech_types.data, types.d, types.n);
    /* Every truncation is refused; nothing is read past the end. */
    for (size_t cut = 0; cut < tok.n; cut++)
        assert_false(iiss_spnego_parse(tok.d, cut, &t));
}

static void test_parse_resp(void **state)
{
    (void)state;
    const uint8_t token[] = {1, 2, 3};
    const uint8_t mic[16] = {1};
    buf tok = {.n = 0};
    neg_token_resp(&tok, IISS_SPNEGO_ACCEPT_INCOMPLETE, true, token, sizeof token, mic, sizeof mic);
    iiss_spnego_token t;
    assert_true(iiss_spnego_parse(tok.d, tok.n, &t));
    assert_int_equal(t.kind, IISS_SPNEGO_RESP);
    assert_true(t.has_neg_state);
    assert_int_equal(t.neg_state, IISS_SPNEGO_ACCEPT_INCOMPLETE);
    assert_true(t.supported_mech_is_ntlmssp);
    assert_int_equal(t.mech_token.len, 3);
    assert_int_equal(t.mech_list_mic.len, 16);
    for (size_t cut = 0; cut < tok.n; cut++)
        assert_false(iiss_spnego_parse(tok.d, cut, &t));
    /* A raw NTLMSSP message is no SPNEGO token. */
    const uint8_t raw[] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0};
    assert_false(iiss_spnego_parse(raw, sizeof raw, &t));
    /* Lengths that claim more than there is, and indefinite lengths. */
    const uint8_t lying[] = {0xa1, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x00};
    assert_false(iiss_spnego_parse(lying, sizeof lying, &t));
    const uint8_t indefinite[] = {0xa1, 0x80, 0x30, 0x00, 0x00, 0x00};
    assert_false(iiss_spnego_parse(indefinite, sizeof indefinite, &t));
}

/* MS-SPNG NegTokenInit2 (a server's first token): negHints at [3]. */
static void test_parse_init2(void **state)
{
    (void)state;
    buf types = {.n = 0}, fields = {.n = 0}, seq = {.n = 0}, choice = {.n = 0}, inner = {.n = 0}, tok = {.n = 0};
    mech_type_list(&types);
    tlv(&fields, 0xa0, &types);
    buf hint_name = {.n = 0}, hints = {.n = 0}, hints_seq = {.n = 0};
    tlv_raw(&hint_name, 0x1b, "not_defined_in_RFC4178@please_ignore", 36);
    tlv(&hints, 0xa0, &hint_name);
    tlv(&hints_seq, 0x30, &hints);
    tlv(&fields, 0xa3, &hints_seq);
    tlv(&seq, 0x30, &fields);
    tlv(&choice, 0xa0, &seq);
    tlv_raw(&inner, 0x06, spnego_oid, sizeof spnego_oid);
    put(&inner, choice.d, choice.n);
    tlv(&tok, 0x60, &inner);
    iiss_spnego_token t;
    assert_true(iiss_spnego_parse(tok.d, tok.n, &t));
    assert_int_equal(t.kind, IISS_SPNEGO_INIT);
    assert_null(t.mech_list_mic.data);
    assert_null(t.mech_token.data);
}

/* ---- independent MS-NLMP computations for the MIC rule ---- */

static void md5_two(const void *a, size_t an, const void *b, size_t bn, uint8_t out[16])
{
    gcry_md_hd_t h;
    assert_int_equal(gcry_md_open(&h, GCRY_MD_MD5, 0), 0);
    gcry_md_write(h, a, an);
    gcry_md_write(h, b, bn);
    memcpy(out, gcry_md_read(h, GCRY_MD_MD5), 16);
    gcry_md_close(h);
}

static void hmac_md5_two(const uint8_t key[16], const void *a, size_t an, const void *b, size_t bn,
                         uint8_t out[16])
{
    gcry_mac_hd_t h;
    assert_int_equal(gcry_mac_open(&h, GCRY_MAC_HMAC_MD5, 0, NULL), 0);
    assert_int_equal(gcry_mac_setkey(h, key, 16), 0);
    gcry_mac_write(h, a, an);
    gcry_mac_write(h, b, bn);
    size_t len = 16;
    assert_int_equal(gcry_mac_read(h, out, &len), 0);
    gcry_mac_close(h);
}

typedef struct side_keys {
    uint8_t sign[16];
    gcry_cipher_hd_t rc4;
} side_keys;

/* 3.4.5.2 / 3.4.5.3 with 128-bit keys, a fresh RC4 handle. */
static void side_init(side_keys *k, const uint8_t exported[16], bool client)
{
    const char *sign = client ? "session key to client-to-server signing key magic constant"
                              : "session key to server-to-client signing key magic constant";
    const char *seal = client ? "session key to client-to-server sealing key magic constant"
                              : "session key to server-to-client sealing key magic constant";
    uint8_t seal_key[16];
    md5_two(exported, 16, sign, strlen(sign) + 1, k->sign);
    md5_two(exported, 16, seal, strlen(seal) + 1, seal_key);
    assert_int_equal(gcry_cipher_open(&k->rc4, GCRY_CIPHER_ARCFOUR, GCRY_CIPHER_MODE_STREAM, 0), 0);
    assert_int_equal(gcry_cipher_setkey(k->rc4, seal_key, 16), 0);
}

/* 3.4.4.2 with KEY_EXCH: Version, RC4(HMAC(SignKey, SeqNum||msg)[0..7]), SeqNum. */
static void side_sign(side_keys *k, uint32_t seq, const uint8_t *msg, size_t len, uint8_t out[16])
{
    uint8_t seq_le[4] = {(uint8_t)seq, (uint8_t)(seq >> 8), (uint8_t)(seq >> 16), (uint8_t)(seq >> 24)};
    uint8_t digest[16];
    hmac_md5_two(k->sign, seq_le, 4, msg, len, digest);
    gcry_cipher_encrypt(k->rc4, digest, 8, NULL, 0);
    memset(out, 0, 16);
    out[0] = 1;
    memcpy(out + 4, digest, 8);
    memcpy(out + 12, seq_le, 4);
}

static const uint8_t random_session_key[16] = {0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
                                               0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};
static const uint8_t message[] = "an application message";

/* The whole SPNEGO exchange of a DCE/RPC connection (bind, bind_ack,
 * alter_context, alter_context_resp), then the first sealed message of the
 * given sender. `tamper_mic` spoils that side's MIC. */
static void run_mic_exchange(bool server_mic, bool tamper_client_mic)
{
    iiss_credentials *creds = iiss_credentials_new();
    assert_int_equal(iiss_credentials_add_password(creds, "Password"), IISS_CREDENTIAL_OK);
    iiss_ntlm_session s;
    iiss_ntlm_session_init(&s, creds);

    const uint8_t negotiate[] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0, 0x35, 0x82, 0x88, 0xe2};
    buf t1 = {.n = 0};
    neg_token_init(&t1, negotiate, sizeof negotiate);
    iiss_ntlm_token_result r;
    iiss_ntlm_session_on_token(&s, 9, IISS_NTLM_CLIENT, t1.d, t1.n, &r);
    assert_true(r.is_ntlmssp);
    assert_int_equal(r.message_type, 1);

    uint8_t chal[512], auth[512];
    size_t chal_n = hex(challenge_hex, chal, sizeof chal);
    size_t auth_n = hex(authenticate_hex, auth, sizeof auth);
    buf t2 = {.n = 0};
    neg_token_resp(&t2, IISS_SPNEGO_ACCEPT_INCOMPLETE, true, chal, chal_n, NULL, 0);
    iiss_ntlm_session_on_token(&s, 9, IISS_NTLM_SERVER, t2.d, t2.n, &r);
    assert_int_equal(r.message_type, 2);

    /* The client's MIC: its sequence number 0, its fresh RC4 state. */
    buf types = {.n = 0};
    mech_type_list(&types);
    side_keys client, server;
    side_init(&client, random_session_key, true);
    side_init(&server, random_session_key, false);
    uint8_t client_mic[16], server_mic_sig[16];
    side_sign(&client, 0, types.d, types.n, client_mic);
    if (tamper_client_mic)
        client_mic[6] ^= 0x40;
    buf t3 = {.n = 0};
    neg_token_resp(&t3, -1, false, auth, auth_n, client_mic, sizeof client_mic);
    iiss_ntlm_session_on_token(&s, 9, IISS_NTLM_CLIENT, t3.d, t3.n, &r);
    assert_true(r.had_mic);
    assert_int_equal(s.fit, IISS_NTLM_FIT_OK);
    assert_int_equal(s.mic[IISS_NTLM_CLIENT], tamper_client_mic ? IISS_NTLM_MIC_INVALID : IISS_NTLM_MIC_VERIFIED);

    if (server_mic) {
        side_sign(&server, 0, types.d, types.n, server_mic_sig);
        buf t4 = {.n = 0};
        neg_token_resp(&t4, IISS_SPNEGO_ACCEPT_COMPLETED, false, NULL, 0, server_mic_sig, 16);
        iiss_ntlm_session_on_token(&s, 9, IISS_NTLM_SERVER, t4.d, t4.n, &r);
        assert_int_equal(s.mic[IISS_NTLM_SERVER], IISS_NTLM_MIC_VERIFIED);
    }

    /* MS-SPNG 3.3.5.1: the RC4 state after the MIC is the one before it;
     * the sequence number moved on. Each side seals its first message. */
    for (int side = 0; side < 2; side++) {
        side_keys *k = side == 0 ? &client : &server;
        bool had_mic = side == 0 || server_mic;
        /* The expected values come from a freshly keyed handle. */
        gcry_cipher_close(k->rc4);
        side_init(k, random_session_key, side == 0);
        uint32_t seq = had_mic ? 1 : 0;
        uint8_t sealed[sizeof message], sig[16];
        memcpy(sealed, message, sizeof message);
        gcry_cipher_encrypt(k->rc4, sealed, sizeof sealed, NULL, 0);
        side_sign(k, seq, message, sizeof message, sig);

        iiss_ntlm_channel *ch = iiss_ntlm_session_channel(&s, side == 0 ? IISS_NTLM_CLIENT : IISS_NTLM_SERVER);
        assert_non_null(ch);
        assert_int_equal(ch->seq, seq);
        iiss_ntlm_channel_crypt(ch, sealed, sizeof sealed);
        assert_memory_equal(sealed, message, sizeof message);
        iiss_ntlm_span m = {sealed, sizeof sealed};
        assert_true(iiss_ntlm_channel_verify(ch, &m, 1, &m, sig, sizeof sig));
        gcry_cipher_close(k->rc4);
    }
    iiss_ntlm_session_clear(&s);
    iiss_credentials_free(creds);
}

static void test_mic_both_directions(void **state)
{
    (void)state;
    run_mic_exchange(true, false);
}

static void test_mic_client_only(void **state)
{
    (void)state;
    run_mic_exchange(false, false);
}

/* A MIC that does not verify is reported; the keys go on as the rule says. */
static void test_mic_invalid(void **state)
{
    (void)state;
    run_mic_exchange(true, true);
}

int main(void)
{
    if (!gcry_check_version(GCRYPT_VERSION))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_init),
        cmocka_unit_test(test_parse_resp),
        cmocka_unit_test(test_parse_init2),
        cmocka_unit_test(test_mic_both_directions),
        cmocka_unit_test(test_mic_client_only),
        cmocka_unit_test(test_mic_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
