/* The sample generator's NTLMSSP code against the NTLMv2 examples of MS-NLMP
 * section 4.2.4 (User "User", domain "Domain", password "Password", server
 * challenge 0123456789abcdef, client challenge aa..aa, time 0, random session
 * key 55..55). Expected values are the document's; they are written here as
 * hex text so that each can be compared with the document line by line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <gcrypt.h>

#include "ntlmssp.h"

/* Hex text (spaces ignored) into a bytebuf. */
static void hex_into(bytebuf *out, const char *hex)
{
    int high = -1;
    for (const char *p = hex; *p; p++) {
        if (*p == ' ' || *p == '\n')
            continue;
        int v = -1;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        if (v < 0)
            fail_msg("bad hex character '%c'", *p);
        if (high < 0) {
            high = v;
        } else {
            bb_put_u8(out, (uint8_t)(high << 4 | v));
            high = -1;
        }
    }
    assert_int_equal(high, -1);
}

static void assert_bytes_hex(const uint8_t *got, size_t got_len, const char *expected_hex)
{
    bytebuf expected;
    bb_init(&expected);
    hex_into(&expected, expected_hex);
    assert_int_equal(got_len, expected.len);
    assert_memory_equal(got, expected.data, expected.len);
    bb_free(&expected);
}

/* 4.2.1 common values. */
static const char user[] = "User";
static const char domain[] = "Domain";
static const char password[] = "Password";
static const uint8_t server_challenge[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
static const uint8_t client_challenge[8] = {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa};
static const uint8_t random_session_key[16] = {0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
                                               0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};

/* 4.2.4's AV pairs: NbDomainName "Domain", NbComputerName "Server", EOL. */
static void example_target_info(bytebuf *out)
{
    ntlmssp_av_put_string(out, NTLMSSP_AV_NB_DOMAIN_NAME, "Domain");
    ntlmssp_av_put_string(out, NTLMSSP_AV_NB_COMPUTER_NAME, "Server");
    ntlmssp_av_put_eol(out);
}

static void test_target_info_bytes(void **state)
{
    (void)state;
    bytebuf ti;
    bb_init(&ti);
    example_target_info(&ti);
    assert_bytes_hex(ti.data, ti.len,
                     "02 00 0c 00 44 00 6f 00 6d 00 61 00 69 00 6e 00"
                     "01 00 0c 00 53 00 65 00 72 00 76 00 65 00 72 00"
                     "00 00 00 00");
    bb_free(&ti);
}

static void test_ntowfv2(void **state)
{
    (void)state;
    uint8_t key[16];
    ntlmssp_ntowfv2(password, user, domain, key);
    assert_bytes_hex(key, 16, "0c 86 8a 40 3b fd 7a 93 a3 00 1e f2 2e f0 2e 3f"); /* 4.2.4.1.1 */
    /* Only the user name is upper-cased. */
    ntlmssp_ntowfv2(password, "user", domain, key);
    assert_bytes_hex(key, 16, "0c 86 8a 40 3b fd 7a 93 a3 00 1e f2 2e f0 2e 3f");
    ntlmssp_ntowfv2(password, user, "DOMAIN", key);
    uint8_t reference[16];
    ntlmssp_ntowfv2(password, user, domain, reference);
    assert_memory_not_equal(key, reference, 16);
}

static void test_client_blob_and_proof(void **state)
{
    (void)state;
    bytebuf ti, blob;
    bb_init(&ti);
    bb_init(&blob);
    example_target_info(&ti);
    ntlmssp_write_client_blob(&blob, 0, client_challenge, ti.data, ti.len);
    /* 4.2.4.1.3 temp */
    assert_bytes_hex(blob.data, blob.len,
                     "01 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
                     "aa aa aa aa aa aa aa aa 00 00 00 00"
                     "02 00 0c 00 44 00 6f 00 6d 00 61 00 69 00 6e 00"
                     "01 00 0c 00 53 00 65 00 72 00 76 00 65 00 72 00"
                     "00 00 00 00 00 00 00 00");

    uint8_t key[16], proof[16], base[16];
    ntlmssp_ntowfv2(password, user, domain, key);
    ntlmssp_nt_proof_str(key, server_challenge, blob.data, blob.len, proof);
    assert_bytes_hex(proof, 16, "68 cd 0a b8 51 e5 1c 96 aa bc 92 7b eb ef 6a 1c"); /* 4.2.4.2.2 */
    ntlmssp_session_base_key(key, proof, base);
    assert_bytes_hex(base, 16, "8d e4 0c ca db c1 4a 82 f1 5c b0 ad 0d e9 5c a3"); /* 4.2.4.1.2 */
    bb_free(&ti);
    bb_free(&blob);
}

static void test_lmv2_and_key_exchange(void **state)
{
    (void)state;
    uint8_t key[16], lm[16], encrypted[16];
    ntlmssp_ntowfv2(password, user, domain, key);
    ntlmssp_lmv2_response(key, server_challenge, client_challenge, lm);
    assert_bytes_hex(lm, 16, "86 c3 50 97 ac 9c ec 10 25 54 76 4a 57 cc cc 19"); /* 4.2.4.2.1 */

    static const uint8_t session_base_key[16] = {0x8d, 0xe4, 0x0c, 0xca, 0xdb, 0xc1, 0x4a, 0x82,
                                                 0xf1, 0x5c, 0xb0, 0xad, 0x0d, 0xe9, 0x5c, 0xa3};
    ntlmssp_rc4k(session_base_key, random_session_key, encrypted);
    assert_bytes_hex(encrypted, 16,
                     "c5 da d2 54 4f c9 79 90 94 ce 1c e9 0b c9 d0 3e"); /* 4.2.4.2.3 */
}

static const ntlmssp_version server_version = {6, 0, 6000};
static const ntlmssp_version client_version = {5, 1, 2600};

/* 4.2.4.3: the CHALLENGE_MESSAGE, byte for byte. */
static void test_challenge_message(void **state)
{
    (void)state;
    bytebuf ti, msg;
    bb_init(&ti);
    bb_init(&msg);
    example_target_info(&ti);
    ntlmssp_write_challenge(&msg, 0xe28a8233u, server_challenge, "Server", ti.data, ti.len,
                            &server_version);
    assert_bytes_hex(msg.data, msg.len,
                     "4e 54 4c 4d 53 53 50 00 02 00 00 00 0c 00 0c 00"
                     "38 00 00 00 33 82 8a e2 01 23 45 67 89 ab cd ef"
                     "00 00 00 00 00 00 00 00 24 00 24 00 44 00 00 00"
                     "06 00 70 17 00 00 00 0f 53 00 65 00 72 00 76 00"
                     "65 00 72 00 02 00 0c 00 44 00 6f 00 6d 00 61 00"
                     "69 00 6e 00 01 00 0c 00 53 00 65 00 72 00 76 00"
                     "65 00 72 00 00 00 00 00");
    bb_free(&ti);
    bb_free(&msg);
}

static ntlmssp_authenticate_input example_authenticate_input(const bytebuf *target_info)
{
    ntlmssp_authenticate_input in = {
        .flags = 0xe2888235u,
        .domain = domain,
        .user = user,
        .workstation = "COMPUTER",
        .password = password,
        .timestamp = 0,
        .client_av_pairs = target_info->data,
        .client_av_pairs_len = target_info->len,
        .send_lmv2_response = true,
        .version = client_version,
    };
    memcpy(in.server_challenge, server_challenge, 8);
    memcpy(in.client_challenge, client_challenge, 8);
    memcpy(in.random_session_key, random_session_key, 16);
    return in;
}

/* 4.2.4.3: the AUTHENTICATE_MESSAGE, byte for byte, and the keys behind it. */
static void test_authenticate_message(void **state)
{
    (void)state;
    bytebuf ti, msg;
    bb_init(&ti);
    bb_init(&msg);
    example_target_info(&ti);
    ntlmssp_authenticate_input in = example_authenticate_input(&ti);
    ntlmssp_keys keys;
    ntlmssp_write_authenticate(&msg, &in, &keys);
    assert_bytes_hex(msg.data, msg.len,
                     "4e 54 4c 4d 53 53 50 00 03 00 00 00 18 00 18 00"
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
                     "94 ce 1c e9 0b c9 d0 3e");
    assert_bytes_hex(keys.session_base_key, 16, "8d e4 0c ca db c1 4a 82 f1 5c b0 ad 0d e9 5c a3");
    assert_memory_equal(keys.key_exchange_key, keys.session_base_key, 16);
    assert_memory_equal(keys.exported_session_key, random_session_key, 16);
    bb_free(&ti);
    bb_free(&msg);
}

/* With a MIC the header grows by 16 bytes, the payload moves, and the MIC is
 * HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE-with-
 * zero-MIC). The expected MIC is computed here from the spec's definition
 * with libgcrypt directly, not through the code under test. */
static void test_authenticate_with_mic(void **state)
{
    (void)state;
    bytebuf ti, negotiate, challenge, msg;
    bb_init(&ti);
    bb_init(&negotiate);
    bb_init(&challenge);
    bb_init(&msg);
    example_target_info(&ti);
    ntlmssp_write_negotiate(&negotiate, 0xe2888235u, &client_version);
    ntlmssp_write_challenge(&challenge, 0xe28a8233u, server_challenge, "Server", ti.data, ti.len,
                            &server_version);
    ntlmssp_authenticate_input in = example_authenticate_input(&ti);
    in.negotiate_message = &negotiate;
    in.challenge_message = &challenge;
    ntlmssp_keys keys;
    ntlmssp_write_authenticate(&msg, &in, &keys);
    assert_int_equal(msg.len, 0xe8 + 16);
    /* Domain now starts at 0x58 = 88. */
    assert_int_equal(msg.data[32] | msg.data[33] << 8, 88);

    uint8_t zero_mic_copy[0xe8 + 16];
    memcpy(zero_mic_copy, msg.data, msg.len);
    memset(zero_mic_copy + 72, 0, 16);
    gcry_mac_hd_t mac;
    assert_int_equal(gcry_mac_open(&mac, GCRY_MAC_HMAC_MD5, 0, NULL), 0);
    assert_int_equal(gcry_mac_setkey(mac, random_session_key, 16), 0);
    gcry_mac_write(mac, negotiate.data, negotiate.len);
    gcry_mac_write(mac, challenge.data, challenge.len);
    gcry_mac_write(mac, zero_mic_copy, msg.len);
    uint8_t expected[16];
    size_t expected_len = sizeof expected;
    assert_int_equal(gcry_mac_read(mac, expected, &expected_len), 0);
    gcry_mac_close(mac);
    assert_memory_equal(msg.data + 72, expected, 16);

    bb_free(&ti);
    bb_free(&negotiate);
    bb_free(&challenge);
    bb_free(&msg);
}

static void test_negotiate_message(void **state)
{
    (void)state;
    bytebuf msg;
    bb_init(&msg);
    ntlmssp_write_negotiate(&msg, 0xe2888235u, &client_version);
    /* 2.2.1.1: empty domain and workstation fields, then the VERSION. */
    assert_bytes_hex(msg.data, msg.len,
                     "4e 54 4c 4d 53 53 50 00 01 00 00 00 35 82 88 e2"
                     "00 00 00 00 28 00 00 00 00 00 00 00 28 00 00 00"
                     "05 01 28 0a 00 00 00 0f");
    bb_free(&msg);
}

/* 4.2.4.4: keys and GSS_WrapEx of "Plaintext". */
static void test_sign_and_seal_keys(void **state)
{
    (void)state;
    uint8_t key[16];
    ntlmssp_sealing_key(random_session_key, 0xe2888235u, NTLMSSP_CLIENT_TO_SERVER, key);
    assert_bytes_hex(key, 16, "59 f6 00 97 3c c4 96 0a 25 48 0a 7c 19 6e 4c 58");
    ntlmssp_signing_key(random_session_key, NTLMSSP_CLIENT_TO_SERVER, key);
    assert_bytes_hex(key, 16, "47 88 dc 86 1b 47 82 f3 5d 43 fd 98 fe 1a 2d 39");
    /* The server's direction must differ (a swapped constant would not). */
    uint8_t server_key[16];
    ntlmssp_signing_key(random_session_key, NTLMSSP_SERVER_TO_CLIENT, server_key);
    assert_memory_not_equal(key, server_key, 16);
}

static const uint8_t plaintext_utf16[18] = {'P', 0, 'l', 0, 'a', 0, 'i', 0, 'n',
                                            0,   't', 0, 'e', 0, 'x', 0, 't', 0};

static void test_seal_plaintext(void **state)
{
    (void)state;
    ntlmssp_sealer *sealer =
        ntlmssp_sealer_new(random_session_key, 0xe2888235u, NTLMSSP_CLIENT_TO_SERVER);
    uint8_t data[18], signature[16];
    memcpy(data, plaintext_utf16, sizeof data);
    ntlmssp_seal(sealer, data, sizeof data, plaintext_utf16, sizeof plaintext_utf16, signature);
    assert_bytes_hex(data, sizeof data, "54 e5 01 65 bf 19 36 dc 99 60 20 c1 81 1b 0f 06 fb 5f");
    assert_bytes_hex(signature, 16, "01 00 00 00 7f b3 8e c5 c5 5d 49 76 00 00 00 00");
    assert_int_equal(ntlmssp_sealer_sequence(sealer), 1);
    ntlmssp_sealer_free(sealer);

    /* Sealing in place while signing the same buffer: the checksum must be
     * taken over the plaintext (DCE/RPC signs the PDU that holds the body). */
    sealer = ntlmssp_sealer_new(random_session_key, 0xe2888235u, NTLMSSP_CLIENT_TO_SERVER);
    memcpy(data, plaintext_utf16, sizeof data);
    ntlmssp_seal(sealer, data, sizeof data, data, sizeof data, signature);
    assert_bytes_hex(data, sizeof data, "54 e5 01 65 bf 19 36 dc 99 60 20 c1 81 1b 0f 06 fb 5f");
    assert_bytes_hex(signature, 16, "01 00 00 00 7f b3 8e c5 c5 5d 49 76 00 00 00 00");
    ntlmssp_sealer_free(sealer);
}

/* Without KEY_EXCH the checksum stays in clear: 4.2.4.4's value before RC4. */
static void test_checksum_before_rc4(void **state)
{
    (void)state;
    ntlmssp_sealer *sealer = ntlmssp_sealer_new(
        random_session_key, 0xe2888235u & ~NTLMSSP_NEGOTIATE_KEY_EXCH, NTLMSSP_CLIENT_TO_SERVER);
    uint8_t data[18], signature[16];
    memcpy(data, plaintext_utf16, sizeof data);
    ntlmssp_seal(sealer, data, sizeof data, plaintext_utf16, sizeof plaintext_utf16, signature);
    assert_bytes_hex(signature + 4, 8, "70 35 28 51 f2 56 43 09");
    ntlmssp_sealer_free(sealer);
}

/* The RC4 state runs on: a second message continues the keystream, the
 * sequence number counts, and a receiver with the same key recovers it. */
static void test_keystream_continues(void **state)
{
    (void)state;
    ntlmssp_sealer *sender =
        ntlmssp_sealer_new(random_session_key, 0xe2888235u, NTLMSSP_SERVER_TO_CLIENT);
    ntlmssp_sealer *receiver =
        ntlmssp_sealer_new(random_session_key, 0xe2888235u, NTLMSSP_SERVER_TO_CLIENT);
    uint8_t first[18], second[18], signature1[16], signature2[16], scratch[16];
    memcpy(first, plaintext_utf16, 18);
    memcpy(second, plaintext_utf16, 18);
    ntlmssp_seal(sender, first, 18, plaintext_utf16, 18, signature1);
    ntlmssp_seal(sender, second, 18, plaintext_utf16, 18, signature2);
    assert_memory_not_equal(first, second, 18);
    assert_bytes_hex(signature2 + 12, 4, "01 00 00 00");

    /* RC4 is its own inverse: running the receiver's state over the
     * ciphertext in the same order gives the plaintext back. */
    ntlmssp_seal(receiver, first, 18, scratch, 0, scratch);
    assert_memory_equal(first, plaintext_utf16, 18);
    ntlmssp_seal(receiver, second, 18, scratch, 0, scratch);
    assert_memory_equal(second, plaintext_utf16, 18);
    ntlmssp_sealer_free(sender);
    ntlmssp_sealer_free(receiver);
}

int main(void)
{
    if (!gcry_check_version(GCRYPT_VERSION))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_info_bytes),
        cmocka_unit_test(test_ntowfv2),
        cmocka_unit_test(test_client_blob_and_proof),
        cmocka_unit_test(test_lmv2_and_key_exchange),
        cmocka_unit_test(test_challenge_message),
        cmocka_unit_test(test_authenticate_message),
        cmocka_unit_test(test_authenticate_with_mic),
        cmocka_unit_test(test_negotiate_message),
        cmocka_unit_test(test_sign_and_seal_keys),
        cmocka_unit_test(test_seal_plaintext),
        cmocka_unit_test(test_checksum_before_rc4),
        cmocka_unit_test(test_keystream_continues),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
