/* NTLM key derivation, sealing and signing against the examples of MS-NLMP
 * section 4.2 (4.2.1 common values: user "User", domain "Domain", password
 * "Password", server challenge 0123456789abcdef, client challenge aa..aa,
 * random session key 55..55, time 0). Every expected value is the
 * document's, written as hex text to be compared line by line with it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "credentials.h"
#include "ntlmssp_channel.h"
#include "ntlmssp_crypto.h"
#include "ntlmssp_message.h"
#include "ntlmssp_session.h"

/* Hex text (spaces ignored) into bytes; returns the count. */
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
    assert_int_equal(high, -1);
    return n;
}

static void assert_hex(const uint8_t *got, size_t len, const char *expected)
{
    uint8_t want[512];
    size_t n = hex(expected, want, sizeof want);
    assert_int_equal(len, n);
    assert_memory_equal(got, want, n);
}

static const uint8_t server_challenge[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
static const uint8_t random_session_key[16] = {0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
                                               0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};
/* "Plaintext" in UTF-16LE (4.2.1). */
static const uint8_t plaintext[18] = {'P', 0, 'l', 0, 'a', 0, 'i', 0, 'n', 0, 't', 0, 'e', 0, 'x', 0, 't', 0};
static const uint8_t user16[] = {'U', 0, 's', 0, 'e', 0, 'r', 0};
static const uint8_t domain16[] = {'D', 0, 'o', 0, 'm', 0, 'a', 0, 'i', 0, 'n', 0};

/* 4.2.2.1.2 NTOWFv1 */
static void test_nt_hash(void **state)
{
    (void)state;
    uint8_t h[16];
    assert_true(iiss_ntlm_nt_hash("Password", 8, h));
    assert_hex(h, 16, "a4 f4 9c 40 65 10 bd ca b6 82 4e e7 c3 0f d8 52");
    /* Not UTF-8: refused, not hashed as something else. */
    assert_false(iiss_ntlm_nt_hash("\xff\xfe", 2, h));
}

/* 4.2.2: NTLMv1 without extended session security, flags 0xe2028233. */
static void test_ntlmv1(void **state)
{
    (void)state;
    const uint32_t flags = 0xe2028233u;
    uint8_t nt_hash[16], response[24], kxkey[16], encrypted[16];
    assert_true(iiss_ntlm_nt_hash("Password", 8, nt_hash));
    assert_true(iiss_ntlm_desl(nt_hash, server_challenge, response));
    /* 4.2.2.2.1 NTLMv1 Response */
    assert_hex(response, 24, "67 c4 30 11 f3 02 98 a2 ad 35 ec e6 4f 16 33 1c 44 bd be d9 27 84 1f 94");
    assert_true(iiss_ntlmv1_response_fits(nt_hash, flags, server_challenge, NULL, 0, response, 24, kxkey));
    /* 4.2.2.1.3: the key exchange key is the session base key here. */
    assert_hex(kxkey, 16, "d8 72 62 b0 cd e4 b1 cb 74 99 be cc cd f1 07 84");
    /* 4.2.2.2.3 Encrypted Session Key, and back. */
    assert_true(iiss_ntlm_rc4k(kxkey, random_session_key, encrypted));
    assert_hex(encrypted, 16, "51 88 22 b1 b3 f3 50 c8 95 86 82 ec bb 3e 3c b7");
    uint8_t exported[16];
    assert_true(iiss_ntlm_rc4k(kxkey, encrypted, exported));
    assert_memory_equal(exported, random_session_key, 16);
    /* Another password does not fit. */
    uint8_t other[16];
    assert_true(iiss_ntlm_nt_hash("password", 8, other));
    assert_false(iiss_ntlmv1_response_fits(other, flags, server_challenge, NULL, 0, response, 24, kxkey));

    /* 4.2.2.4 GSS_WrapEx: the RC4 key is the exported session key. */
    iiss_ntlm_channel ch;
    assert_true(iiss_ntlm_channel_init(&ch, exported, flags, IISS_NTLM_CLIENT));
    uint8_t data[18], sig[16];
    memcpy(data, plaintext, sizeof data);
    iiss_ntlm_channel_crypt(&ch, data, sizeof data);
    assert_hex(data, 18, "56 fe 04 d8 61 f9 31 9a f0 d7 23 8a 2e 3b 4d 45 7f b8");
    iiss_ntlm_span msg = {plaintext, sizeof plaintext};
    iiss_ntlm_channel_sign(&ch, &msg, 1, &msg, sig);
    assert_hex(sig, 16, "01 00 00 00 00 00 00 00 09 dc d1 df 2e 45 9d 36");
    iiss_ntlm_channel_clear(&ch);

    /* The receiver: unseal, then verify, with its own state. */
    assert_true(iiss_ntlm_channel_init(&ch, exported, flags, IISS_NTLM_SERVER));
    iiss_ntlm_channel_crypt(&ch, data, sizeof data);
    assert_memory_equal(data, plaintext, sizeof data);
    assert_true(iiss_ntlm_channel_verify(&ch, &msg, 1, &msg, sig, sizeof sig));
    iiss_ntlm_channel_clear(&ch);
}

/* 4.2.3: NTLMv1 with client challenge (extended session security), 56-bit,
 * no key exchange, flags 0x820a8233. */
static void test_ntlmv1_ess(void **state)
{
    (void)state;
    const uint32_t flags = 0x820a8233u;
    uint8_t nt_hash[16], lm[24], nt[24], kxkey[16];
    assert_true(iiss_ntlm_nt_hash("Password", 8, nt_hash));
    /* 4.2.3.2.1 LMv1 Response: the client challenge, then zeros. */
    hex("aa aa aa aa aa aa aa aa 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", lm, sizeof lm);
    /* 4.2.3.2.2 NTLMv1 Response */
    hex("75 37 f8 03 ae 36 71 28 ca 45 82 04 bd e7 ca f8 1e 97 ed 26 83 26 72 32", nt, sizeof nt);
    assert_true(iiss_ntlmv1_response_fits(nt_hash, flags, server_challenge, lm, 24, nt, 24, kxkey));
    /* 4.2.3.1.3 Key Exchange Key */
    assert_hex(kxkey, 16, "eb 93 42 9a 8b d9 52 f8 b8 9c 55 b8 7f 47 5e dc");
    /* Without ESS the same response would not fit. */
    uint8_t scratch[16];
    assert_false(iiss_ntlmv1_response_fits(nt_hash, flags & ~IISS_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
                                           server_challenge, lm, 24, nt, 24, scratch));

    /* 4.2.3.3: no key exchange, so the exported session key is KXKEY. */
    uint8_t key[16];
    assert_int_equal(iiss_ntlm_seal_key(kxkey, flags, IISS_NTLM_CLIENT, key), 16);
    assert_hex(key, 16, "04 dd 7f 01 4d 85 04 d2 65 a2 5c c8 6a 3a 7c 06");
    iiss_ntlm_sign_key(kxkey, IISS_NTLM_CLIENT, key);
    assert_hex(key, 16, "60 e7 99 be 5c 72 fc 92 92 2a e8 eb e9 61 fb 8d");

    /* 4.2.3.4 GSS_WrapEx: the checksum is not sealed (no KEY_EXCH). */
    iiss_ntlm_channel ch;
    assert_true(iiss_ntlm_channel_init(&ch, kxkey, flags, IISS_NTLM_CLIENT));
    uint8_t data[18], sig[16];
    memcpy(data, plaintext, sizeof data);
    iiss_ntlm_channel_crypt(&ch, data, sizeof data);
    assert_hex(data, 18, "a0 23 72 f6 53 02 73 f3 aa 1e b9 01 90 ce 52 00 c9 9d");
    iiss_ntlm_span msg = {plaintext, sizeof plaintext};
    iiss_ntlm_channel_sign(&ch, &msg, 1, &msg, sig);
    assert_hex(sig, 16, "01 00 00 00 ff 2a eb 52 f6 81 79 3a 00 00 00 00");
    iiss_ntlm_channel_clear(&ch);
}

/* 4.2.4: NTLMv2, flags 0xe28a8233. */
static void test_ntlmv2_keys(void **state)
{
    (void)state;
    uint8_t nt_hash[16], ntowf[16];
    assert_true(iiss_ntlm_nt_hash("Password", 8, nt_hash));
    iiss_ntlm_ntowfv2(nt_hash, user16, sizeof user16, domain16, sizeof domain16, ntowf);
    /* 4.2.4.1.1 NTOWFv2 */
    assert_hex(ntowf, 16, "0c 86 8a 40 3b fd 7a 93 a3 00 1e f2 2e f0 2e 3f");
    /* Only the user is upper-cased: "user" gives the same key. */
    const uint8_t lower[] = {'u', 0, 's', 0, 'e', 0, 'r', 0};
    uint8_t again[16];
    iiss_ntlm_ntowfv2(nt_hash, lower, sizeof lower, domain16, sizeof domain16, again);
    assert_memory_equal(again, ntowf, 16);

    /* 4.2.4.4: signing and sealing keys of the client. */
    uint8_t key[16];
    assert_int_equal(iiss_ntlm_seal_key(random_session_key, 0xe28a8233u, IISS_NTLM_CLIENT, key), 16);
    assert_hex(key, 16, "59 f6 00 97 3c c4 96 0a 25 48 0a 7c 19 6e 4c 58");
    iiss_ntlm_sign_key(random_session_key, IISS_NTLM_CLIENT, key);
    assert_hex(key, 16, "47 88 dc 86 1b 47 82 f3 5d 43 fd 98 fe 1a 2d 39");
}

/* 4.2.4.3: the CHALLENGE_MESSAGE and AUTHENTICATE_MESSAGE of the example. */
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

static void test_message_fields(void **state)
{
    (void)state;
    uint8_t msg[512];
    size_t n = hex(challenge_hex, msg, sizeof msg);
    iiss_ntlm_challenge_msg ch;
    assert_true(iiss_ntlm_parse_challenge(msg, n, &ch));
    assert_int_equal(ch.flags, 0xe28a8233u);
    assert_memory_equal(ch.server_challenge, server_challenge, 8);
    assert_int_equal(ch.target_info.len, 0x24);

    n = hex(authenticate_hex, msg, sizeof msg);
    iiss_ntlm_authenticate_msg am;
    assert_true(iiss_ntlm_parse_authenticate(msg, n, &am));
    assert_int_equal(am.flags, 0xe2888235u);
    assert_int_equal(am.lm_response.len, 24);
    assert_int_equal(am.nt_response.len, 84);
    assert_memory_equal(am.user.data, user16, sizeof user16);
    assert_hex(am.encrypted_session_key.data, am.encrypted_session_key.len,
               "c5 da d2 54 4f c9 79 90 94 ce 1c e9 0b c9 d0 3e");
    /* Every truncation of the message is refused, none read past it. */
    for (size_t cut = 0; cut < n; cut++) {
        iiss_ntlm_authenticate_msg part;
        assert_false(iiss_ntlm_parse_authenticate(msg, cut, &part));
    }
}

/* The whole path: CHALLENGE, AUTHENTICATE, a store of credentials; the
 * fitting one found by the proof, the session key recovered by key
 * exchange, and GSS_WrapEx of 4.2.4.4 read back. */
static void run_session(const char *password, const char *nt_hash_hex, iiss_ntlm_fit want,
                        const char *want_label)
{
    iiss_credentials *creds = iiss_credentials_new();
    assert_int_equal(iiss_credentials_add_password(creds, "wrong one"), IISS_CREDENTIAL_OK);
    if (password)
        assert_int_equal(iiss_credentials_add_password(creds, password), IISS_CREDENTIAL_OK);
    if (nt_hash_hex)
        assert_int_equal(iiss_credentials_add_nt_hash_hex(creds, nt_hash_hex, strlen(nt_hash_hex), "Domain\\User"),
                         IISS_CREDENTIAL_OK);
    iiss_ntlm_session s;
    iiss_ntlm_session_init(&s, creds);
    uint8_t msg[512];
    size_t n = hex(challenge_hex, msg, sizeof msg);
    assert_int_equal(iiss_ntlm_session_on_challenge(&s, msg, n), IISS_NTLM_FIT_PENDING);
    n = hex(authenticate_hex, msg, sizeof msg);
    assert_int_equal(iiss_ntlm_session_on_authenticate(&s, msg, n), want);
    if (want == IISS_NTLM_FIT_OK) {
        assert_true(s.ntlmv2);
        assert_string_equal(s.credential->label, want_label);
        iiss_ntlm_channel *ch = iiss_ntlm_session_channel(&s, IISS_NTLM_CLIENT);
        assert_non_null(ch);
        /* 4.2.4.4: sealed "Plaintext" and its signature, as a receiver. */
        uint8_t data[18], sig[16];
        hex("54 e5 01 65 bf 19 36 dc 99 60 20 c1 81 1b 0f 06 fb 5f", data, sizeof data);
        hex("01 00 00 00 7f b3 8e c5 c5 5d 49 76 00 00 00 00", sig, sizeof sig);
        iiss_ntlm_channel_crypt(ch, data, sizeof data);
        assert_memory_equal(data, plaintext, sizeof data);
        iiss_ntlm_span m = {data, sizeof data};
        assert_true(iiss_ntlm_channel_verify(ch, &m, 1, &m, sig, sizeof sig));
        assert_int_equal(ch->seq, 1);
        /* The server's direction has its own keys and state. */
        assert_ptr_not_equal(iiss_ntlm_session_channel(&s, IISS_NTLM_SERVER), ch);
    } else {
        assert_null(iiss_ntlm_session_channel(&s, IISS_NTLM_CLIENT));
    }
    iiss_ntlm_session_clear(&s);
    iiss_credentials_free(creds);
}

static void test_session_password(void **state)
{
    (void)state;
    run_session("Password", NULL, IISS_NTLM_FIT_OK, "password #2");
}

static void test_session_nt_hash(void **state)
{
    (void)state;
    run_session(NULL, "A4F49C406510BDCAB6824EE7C30FD852", IISS_NTLM_FIT_OK, "nt-hash Domain\\User");
}

static void test_session_wrong_password(void **state)
{
    (void)state;
    run_session("Passw0rd", NULL, IISS_NTLM_FIT_NONE, NULL);
}

/* A tampered signature or message fails; the state still moves on, so the
 * next message is read right. */
static void test_signature_tampered(void **state)
{
    (void)state;
    const uint32_t flags = 0xe2888235u;
    iiss_ntlm_channel sender, receiver;
    assert_true(iiss_ntlm_channel_init(&sender, random_session_key, flags, IISS_NTLM_SERVER));
    assert_true(iiss_ntlm_channel_init(&receiver, random_session_key, flags, IISS_NTLM_SERVER));
    uint8_t first[18], second[18], sig1[16], sig2[16];
    memcpy(first, plaintext, 18);
    memcpy(second, plaintext, 18);
    iiss_ntlm_span p = {plaintext, 18};
    iiss_ntlm_channel_crypt(&sender, first, 18);
    iiss_ntlm_channel_sign(&sender, &p, 1, &p, sig1);
    iiss_ntlm_channel_crypt(&sender, second, 18);
    iiss_ntlm_channel_sign(&sender, &p, 1, &p, sig2);
    assert_hex(sig2 + 12, 4, "01 00 00 00");

    sig1[5] ^= 0x01;
    iiss_ntlm_channel_crypt(&receiver, first, 18);
    iiss_ntlm_span r1 = {first, 18};
    assert_false(iiss_ntlm_channel_verify(&receiver, &r1, 1, &r1, sig1, 16));
    iiss_ntlm_channel_crypt(&receiver, second, 18);
    assert_memory_equal(second, plaintext, 18);
    iiss_ntlm_span r2 = {second, 18};
    assert_true(iiss_ntlm_channel_verify(&receiver, &r2, 1, &r2, sig2, 16));
    /* A short verifier never verifies. */
    assert_false(iiss_ntlm_channel_verify(&receiver, &r2, 1, &r2, sig2, 8));
    iiss_ntlm_channel_clear(&sender);
    iiss_ntlm_channel_clear(&receiver);
}

static void test_session_refusals(void **state)
{
    (void)state;
    iiss_credentials *creds = iiss_credentials_new();
    assert_int_equal(iiss_credentials_add_password(creds, "Password"), IISS_CREDENTIAL_OK);
    uint8_t chal[512], auth[512];
    size_t chal_n = hex(challenge_hex, chal, sizeof chal);
    size_t auth_n = hex(authenticate_hex, auth, sizeof auth);
    iiss_ntlm_session s;

    /* No CHALLENGE before the AUTHENTICATE. */
    iiss_ntlm_session_init(&s, creds);
    assert_int_equal(iiss_ntlm_session_on_authenticate(&s, auth, auth_n), IISS_NTLM_FIT_NO_CHALLENGE);
    /* A truncated AUTHENTICATE. */
    iiss_ntlm_session_on_challenge(&s, chal, chal_n);
    assert_int_equal(iiss_ntlm_session_on_authenticate(&s, auth, auth_n - 20), IISS_NTLM_FIT_MALFORMED);
    /* A CHALLENGE of another exchange: the proof does not fit. */
    uint8_t other[512];
    memcpy(other, chal, chal_n);
    other[24] ^= 0xFF; /* ServerChallenge */
    iiss_ntlm_session_on_challenge(&s, other, chal_n);
    assert_int_equal(iiss_ntlm_session_on_authenticate(&s, auth, auth_n), IISS_NTLM_FIT_NONE);
    iiss_ntlm_session_clear(&s);

    /* No credentials at all. */
    iiss_ntlm_session_init(&s, NULL);
    iiss_ntlm_session_on_challenge(&s, chal, chal_n);
    assert_int_equal(iiss_ntlm_session_on_authenticate(&s, auth, auth_n), IISS_NTLM_FIT_NO_CREDENTIALS);
    iiss_ntlm_session_clear(&s);
    iiss_credentials_free(creds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nt_hash),
        cmocka_unit_test(test_ntlmv1),
        cmocka_unit_test(test_ntlmv1_ess),
        cmocka_unit_test(test_ntlmv2_keys),
        cmocka_unit_test(test_message_fields),
        cmocka_unit_test(test_session_password),
        cmocka_unit_test(test_session_nt_hash),
        cmocka_unit_test(test_session_wrong_password),
        cmocka_unit_test(test_signature_tampered),
        cmocka_unit_test(test_session_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
