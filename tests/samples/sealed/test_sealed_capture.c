/* The proof that samples/sealed.pcap is really sealed, checked by stock
 * tshark (no plugin) and by a verification written here from MS-NLMP alone:
 *  - with the password, tshark authenticates the NTLMv2 response, recovers
 *    the session key and decrypts every request and response stub to exactly
 *    the stub bytes of the plain capture iisreset-remote.pcap;
 *  - without it, every stub is shown encrypted and nothing is reported as an
 *    error or malformed;
 *  - the identity is in clear: webadmin / CONTOSO / ADMIN-PC, server WEB01;
 *  - every PDU's signature is right: starting from the session key tshark
 *    recovered, this test derives the keys, runs the RC4 of each direction
 *    over the PDUs in order and checks the HMAC over header, plaintext body
 *    and sec_trailer (MS-RPCE 3.3.1.5.2.2 with NTLMSSP);
 *  - the AUTHENTICATE's MIC is right (tshark does not check it either).
 *
 * Usage: test_sealed_capture SAMPLES_DIR TSHARK */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gcrypt.h>
#include <glib.h>

#define PASSWORD_OPTION "ntlmssp.nt_password:Iis-Reset-2024!"
/* The IIsServiceControl calls only (opnums 7..11), not the activation. */
#define IISS_CALLS_FILTER "(dcerpc.pkt_type == 0 || dcerpc.pkt_type == 2) && dcerpc.opnum >= 7 && dcerpc.opnum <= 11"

static const char *samples_dir;
static const char *tshark;

/* Runs tshark with the given arguments (NULL-terminated) on a capture and
 * returns its standard output split into lines (without the empty last). */
static GPtrArray *run_tshark(const char *capture, ...)
{
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(argv, g_strdup(tshark));
    g_ptr_array_add(argv, g_strdup("-n"));
    /* Stock tshark even where the iiss plugin is installed system-wide. */
    g_ptr_array_add(argv, g_strdup("--disable-protocol"));
    g_ptr_array_add(argv, g_strdup("iiss"));
    g_ptr_array_add(argv, g_strdup("-r"));
    g_ptr_array_add(argv, g_build_filename(samples_dir, capture, NULL));
    va_list ap;
    va_start(ap, capture);
    for (const char *arg; (arg = va_arg(ap, const char *)) != NULL;)
        g_ptr_array_add(argv, g_strdup(arg));
    va_end(ap);
    g_ptr_array_add(argv, NULL);

    gchar *out = NULL, *err = NULL;
    gint status = 0;
    GError *error = NULL;
    gboolean ran = g_spawn_sync(NULL, (gchar **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                &err, &status, &error);
    if (!ran)
        fail_msg("cannot run %s: %s", tshark, error->message);
    if (!g_spawn_check_wait_status(status, NULL))
        fail_msg("tshark failed on %s: %s", capture, err);
    g_free(err);
    g_ptr_array_unref(argv);

    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    gchar **split = g_strsplit(out, "\n", -1);
    for (gchar **l = split; *l; l++)
        if (**l)
            g_ptr_array_add(lines, g_strdup(*l));
    g_strfreev(split);
    g_free(out);
    return lines;
}

static gchar *line_field(GPtrArray *lines, guint row, guint column)
{
    gchar **fields = g_strsplit(g_ptr_array_index(lines, row), "\t", -1);
    gchar *value = g_strv_length(fields) > column ? g_strdup(fields[column]) : g_strdup("");
    g_strfreev(fields);
    return value;
}

static GByteArray *from_hex(const char *hex)
{
    GByteArray *bytes = g_byte_array_new();
    size_t n = strlen(hex);
    assert_int_equal(n % 2, 0);
    for (size_t i = 0; i < n; i += 2) {
        char pair[3] = {hex[i], hex[i + 1], 0};
        char *end = NULL;
        guint8 v = (guint8)strtoul(pair, &end, 16);
        assert_true(end == pair + 2);
        g_byte_array_append(bytes, &v, 1);
    }
    return bytes;
}

/* ------------------------------------------------------------------ tests */

/* With the password every IIsServiceControl stub decrypts to the stub of the
 * plain capture, call by call, in the same order. */
static void test_decrypts_to_the_plain_stubs(void **state)
{
    (void)state;
    GPtrArray *sealed = run_tshark("sealed.pcap", "-o", PASSWORD_OPTION, "-Y", IISS_CALLS_FILTER, "-T",
                                   "fields", "-e", "dcerpc.pkt_type", "-e", "dcerpc.opnum", "-e",
                                   "dcerpc.decrypted_stub_data", "-e", "dcerpc.stub_data", NULL);
    GPtrArray *plain = run_tshark("iisreset-remote.pcap", "-Y", IISS_CALLS_FILTER, "-T", "fields", "-e",
                                  "dcerpc.pkt_type", "-e", "dcerpc.opnum", "-e", "dcerpc.stub_data", NULL);
    /* Status x3, Stop, Start, Reboot, Kill: 7 requests and 7 responses. */
    assert_int_equal(sealed->len, 14);
    assert_int_equal(plain->len, sealed->len);
    for (guint i = 0; i < sealed->len; i++) {
        gchar *type = line_field(sealed, i, 0), *opnum = line_field(sealed, i, 1);
        gchar *decrypted = line_field(sealed, i, 2);
        gchar *plain_type = line_field(plain, i, 0), *plain_opnum = line_field(plain, i, 1);
        gchar *plain_stub = line_field(plain, i, 2);
        assert_string_equal(type, plain_type);
        assert_string_equal(opnum, plain_opnum);
        assert_true(strlen(decrypted) > 0);
        assert_string_equal(decrypted, plain_stub);
        g_free(type), g_free(opnum), g_free(decrypted);
        g_free(plain_type), g_free(plain_opnum), g_free(plain_stub);
    }
    g_ptr_array_unref(sealed);
    g_ptr_array_unref(plain);
}

/* Without the password the stubs stay encrypted, and stock tshark reports no
 * malformed packet and no warning or error: the capture is well formed. */
static void test_encrypted_without_the_password(void **state)
{
    (void)state;
    GPtrArray *rows = run_tshark("sealed.pcap", "-Y", "dcerpc.pkt_type == 0 || dcerpc.pkt_type == 2", "-T",
                                 "fields", "-e", "dcerpc.auth_level", "-e", "dcerpc.encrypted_stub_data", "-e",
                                 "dcerpc.decrypted_stub_data", NULL);
    assert_true(rows->len >= 14);
    for (guint i = 0; i < rows->len; i++) {
        gchar *level = line_field(rows, i, 0), *encrypted = line_field(rows, i, 1);
        gchar *decrypted = line_field(rows, i, 2);
        assert_string_equal(level, "6");
        assert_true(strlen(encrypted) > 0);
        assert_string_equal(decrypted, "");
        g_free(level), g_free(encrypted), g_free(decrypted);
    }
    g_ptr_array_unref(rows);

    const char *runs[][3] = {{"-o", "ntlmssp.nt_password:", NULL}, {"-o", PASSWORD_OPTION, NULL}};
    for (size_t r = 0; r < 2; r++) {
        GPtrArray *bad = run_tshark("sealed.pcap", runs[r][0], runs[r][1], "-Y",
                                    "_ws.malformed || _ws.expert.severity >= \"Warning\"", "-T", "fields", "-e",
                                    "frame.number", NULL);
        assert_int_equal(bad->len, 0);
        g_ptr_array_unref(bad);
    }
}

static void assert_single_value(const char *field, const char *expected)
{
    GPtrArray *rows = run_tshark("sealed.pcap", "-Y", field, "-T", "fields", "-e", field, NULL);
    assert_int_equal(rows->len, 1);
    assert_string_equal(g_ptr_array_index(rows, 0), expected);
    g_ptr_array_unref(rows);
}

static void test_identity_in_clear(void **state)
{
    (void)state;
    assert_single_value("ntlmssp.auth.username", "webadmin");
    assert_single_value("ntlmssp.auth.domain", "CONTOSO");
    assert_single_value("ntlmssp.auth.hostname", "ADMIN-PC");
    assert_single_value("ntlmssp.challenge.target_info.nb_computer_name", "WEB01");
    assert_single_value("ntlmssp.challenge.target_info.dns_computer_name", "web01.contoso.local");
    /* AUTH3 after the bind, as MS-RPCE 3.3.1.5.2.1 has it. */
    GPtrArray *rows = run_tshark("sealed.pcap", "-Y", "ntlmssp.messagetype", "-T", "fields", "-e",
                                 "dcerpc.pkt_type", "-e", "ntlmssp.messagetype", NULL);
    assert_int_equal(rows->len, 3);
    assert_string_equal(g_ptr_array_index(rows, 0), "11\t0x00000001");
    assert_string_equal(g_ptr_array_index(rows, 1), "12\t0x00000002");
    assert_string_equal(g_ptr_array_index(rows, 2), "16\t0x00000003");
    g_ptr_array_unref(rows);
}

/* ------------------------------------------------------ signature check */

typedef struct direction_keys {
    gcry_cipher_hd_t rc4;
    uint8_t signing_key[16];
    uint32_t sequence;
} direction_keys;

static void derive(direction_keys *d, const uint8_t session_key[16], const char *sign_magic,
                   const char *seal_magic)
{
    uint8_t input[16 + 64], sealing_key[16];
    memcpy(input, session_key, 16);
    /* The constants are hashed with their terminating NUL (MS-NLMP 3.4.5.2). */
    memcpy(input + 16, sign_magic, strlen(sign_magic) + 1);
    gcry_md_hash_buffer(GCRY_MD_MD5, d->signing_key, input, 16 + strlen(sign_magic) + 1);
    memcpy(input + 16, seal_magic, strlen(seal_magic) + 1);
    gcry_md_hash_buffer(GCRY_MD_MD5, sealing_key, input, 16 + strlen(seal_magic) + 1);
    assert_int_equal(gcry_cipher_open(&d->rc4, GCRY_CIPHER_ARCFOUR, GCRY_CIPHER_MODE_STREAM, 0), 0);
    assert_int_equal(gcry_cipher_setkey(d->rc4, sealing_key, 16), 0);
    d->sequence = 0;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Checks one request or response PDU, returns its plaintext stub (without
 * auth padding) as hex. */
static gchar *check_sealed_pdu(direction_keys *d, const uint8_t *pdu, size_t len)
{
    uint16_t frag_length = le16(pdu + 8), auth_length = le16(pdu + 10);
    assert_int_equal(frag_length, len);
    assert_int_equal(auth_length, 16);
    bool object = (pdu[3] & 0x80) != 0;
    size_t body_start = 24 + (pdu[2] == 0 && object ? 16 : 0);
    size_t trailer_at = len - auth_length - 8;
    assert_true(trailer_at >= body_start);
    const uint8_t *trailer = pdu + trailer_at;
    assert_int_equal(trailer[0], 10); /* RPC_C_AUTHN_WINNT */
    assert_int_equal(trailer[1], 6);  /* PKT_PRIVACY */
    size_t body_len = trailer_at - body_start;
    assert_int_equal(body_len % 16, 0); /* MS-RPCE 2.2.2.11 */
    assert_true(trailer[2] < 16 && trailer[2] <= body_len);

    uint8_t *plain = g_memdup2(pdu, len);
    assert_int_equal(gcry_cipher_decrypt(d->rc4, plain + body_start, body_len, NULL, 0), 0);
    const uint8_t *verifier = pdu + trailer_at + 8;
    assert_int_equal(le32(verifier), 1);                  /* signature version */
    assert_int_equal(le32(verifier + 12), d->sequence);   /* SeqNum in clear */
    uint8_t checksum[8];
    memcpy(checksum, verifier + 4, 8);
    /* The checksum took the keystream right after the body (KEY_EXCH). */
    assert_int_equal(gcry_cipher_decrypt(d->rc4, checksum, 8, NULL, 0), 0);

    gcry_mac_hd_t mac;
    assert_int_equal(gcry_mac_open(&mac, GCRY_MAC_HMAC_MD5, 0, NULL), 0);
    assert_int_equal(gcry_mac_setkey(mac, d->signing_key, 16), 0);
    gcry_mac_write(mac, verifier + 12, 4);
    gcry_mac_write(mac, plain, trailer_at + 8); /* header, plaintext body, sec_trailer */
    uint8_t expected[16];
    size_t expected_len = sizeof expected;
    assert_int_equal(gcry_mac_read(mac, expected, &expected_len), 0);
    gcry_mac_close(mac);
    assert_memory_equal(checksum, expected, 8);
    d->sequence++;

    size_t stub_len = body_len - trailer[2];
    GString *hex = g_string_new(NULL);
    for (size_t i = 0; i < stub_len; i++)
        g_string_append_printf(hex, "%02x", plain[body_start + i]);
    g_free(plain);
    return g_string_free(hex, FALSE);
}

/* The session key tshark recovered from the password (its expert info). */
static GByteArray *session_key_from_tshark(void)
{
    GPtrArray *notes = run_tshark("sealed.pcap", "-o", PASSWORD_OPTION, "-Y", "ntlmssp.messagetype == 3", "-T",
                                  "fields", "-e", "_ws.expert.message", NULL);
    assert_int_equal(notes->len, 1);
    const char *text = g_ptr_array_index(notes, 0);
    assert_non_null(strstr(text, "NTLMv2 authenticated"));
    const char *key_at = strstr(text, "NTLMSSP SessionKey (");
    assert_non_null(key_at);
    gchar *key_hex = g_strndup(key_at + strlen("NTLMSSP SessionKey ("), 32);
    GByteArray *session_key = from_hex(key_hex);
    g_free(key_hex);
    g_ptr_array_unref(notes);
    assert_int_equal(session_key->len, 16);
    return session_key;
}

/* Each direction's bytes in capture order (the capture has no reordering):
 * stream[0] to the server, stream[1] to the client. */
static void tcp_streams(GByteArray *stream[2])
{
    GPtrArray *segments = run_tshark("sealed.pcap", "-Y", "tcp.len > 0 && !(tcp.port == 135)", "-T", "fields",
                                     "-e", "tcp.dstport", "-e", "tcp.payload", NULL);
    assert_true(segments->len > 0);
    gchar *server_port = line_field(segments, 0, 0); /* the bind goes to the server */
    stream[0] = g_byte_array_new();
    stream[1] = g_byte_array_new();
    for (guint i = 0; i < segments->len; i++) {
        gchar *port = line_field(segments, i, 0), *payload = line_field(segments, i, 1);
        GByteArray *bytes = from_hex(payload);
        GByteArray *s = stream[strcmp(port, server_port) == 0 ? 0 : 1];
        g_byte_array_append(s, bytes->data, bytes->len);
        g_byte_array_unref(bytes);
        g_free(port), g_free(payload);
    }
    g_free(server_port);
    g_ptr_array_unref(segments);
}

/* The auth value (last auth_length bytes) of the first PDU of `pkt_type`. */
static GByteArray *auth_value_of(const GByteArray *stream, uint8_t pkt_type)
{
    size_t at = 0;
    while (stream->len - at >= 16) {
        const uint8_t *pdu = stream->data + at;
        uint16_t frag_length = le16(pdu + 8), auth_length = le16(pdu + 10);
        assert_true(frag_length >= 16 && frag_length <= stream->len - at && auth_length <= frag_length - 16);
        if (pdu[2] == pkt_type) {
            GByteArray *value = g_byte_array_new();
            g_byte_array_append(value, pdu + frag_length - auth_length, auth_length);
            return value;
        }
        at += frag_length;
    }
    fail_msg("no PDU of type %u", pkt_type);
    return NULL;
}

/* MS-NLMP 3.1.5.1.2: MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE
 * || AUTHENTICATE with a zero MIC); the NTLMv2 response announces it with
 * MsvAvFlags bit 0x2. A server checks it; tshark 4.0 does not. */
static void test_mic(void **state)
{
    (void)state;
    GByteArray *session_key = session_key_from_tshark();
    GByteArray *stream[2];
    tcp_streams(stream);
    GByteArray *negotiate = auth_value_of(stream[0], 11);
    GByteArray *challenge = auth_value_of(stream[1], 12);
    GByteArray *authenticate = auth_value_of(stream[0], 16);
    assert_true(authenticate->len > 88);
    assert_memory_equal(authenticate->data, "NTLMSSP\0\3\0\0\0", 12);
    /* The payload starts after the MIC: the first offset (domain) is 88. */
    assert_int_equal(le32(authenticate->data + 32), 88);

    uint8_t mic[16];
    memcpy(mic, authenticate->data + 72, 16);
    memset(authenticate->data + 72, 0, 16);
    gcry_mac_hd_t mac;
    assert_int_equal(gcry_mac_open(&mac, GCRY_MAC_HMAC_MD5, 0, NULL), 0);
    assert_int_equal(gcry_mac_setkey(mac, session_key->data, 16), 0);
    gcry_mac_write(mac, negotiate->data, negotiate->len);
    gcry_mac_write(mac, challenge->data, challenge->len);
    gcry_mac_write(mac, authenticate->data, authenticate->len);
    uint8_t expected[16];
    size_t expected_len = sizeof expected;
    assert_int_equal(gcry_mac_read(mac, expected, &expected_len), 0);
    gcry_mac_close(mac);
    assert_memory_equal(mic, expected, 16);

    GPtrArray *flags = run_tshark("sealed.pcap", "-Y", "ntlmssp.ntlmv2_response.flags", "-T", "fields", "-e",
                                  "ntlmssp.ntlmv2_response.flags", NULL);
    assert_int_equal(flags->len, 1);
    assert_string_equal(g_ptr_array_index(flags, 0), "0x00000002");
    g_ptr_array_unref(flags);

    g_byte_array_unref(negotiate);
    g_byte_array_unref(challenge);
    g_byte_array_unref(authenticate);
    g_byte_array_unref(stream[0]);
    g_byte_array_unref(stream[1]);
    g_byte_array_unref(session_key);
}

static void test_signatures(void **state)
{
    (void)state;
    GByteArray *session_key = session_key_from_tshark();
    direction_keys to_server, to_client;
    derive(&to_server, session_key->data, "session key to client-to-server signing key magic constant",
           "session key to client-to-server sealing key magic constant");
    derive(&to_client, session_key->data, "session key to server-to-client signing key magic constant",
           "session key to server-to-client sealing key magic constant");
    g_byte_array_unref(session_key);
    GByteArray *stream[2];
    tcp_streams(stream);

    /* The plain stubs, to compare the decryption done here with tshark's. */
    GPtrArray *decrypted = run_tshark("sealed.pcap", "-o", PASSWORD_OPTION, "-Y",
                                      "dcerpc.pkt_type == 0 || dcerpc.pkt_type == 2", "-T", "fields", "-e",
                                      "dcerpc.pkt_type", "-e", "dcerpc.decrypted_stub_data", NULL);
    guint next_decrypted[2] = {0, 0};
    size_t checked = 0;
    for (int dir = 0; dir < 2; dir++) {
        direction_keys *keys = dir == 0 ? &to_server : &to_client;
        const char *want_type = dir == 0 ? "0" : "2";
        size_t at = 0;
        while (at < stream[dir]->len) {
            const uint8_t *pdu = stream[dir]->data + at;
            assert_true(stream[dir]->len - at >= 16);
            uint16_t frag_length = le16(pdu + 8);
            assert_true(frag_length >= 16 && frag_length <= stream[dir]->len - at);
            if (pdu[2] == 0 || pdu[2] == 2) {
                gchar *stub = check_sealed_pdu(keys, pdu, frag_length);
                /* The matching tshark row: next one of this packet type. */
                guint row = next_decrypted[dir];
                gchar *type = NULL;
                for (; row < decrypted->len; row++) {
                    type = line_field(decrypted, row, 0);
                    if (strcmp(type, want_type) == 0)
                        break;
                    g_free(type);
                    type = NULL;
                }
                assert_true(row < decrypted->len);
                g_free(type);
                gchar *tshark_stub = line_field(decrypted, row, 1);
                assert_string_equal(stub, tshark_stub);
                next_decrypted[dir] = row + 1;
                g_free(tshark_stub);
                g_free(stub);
                checked++;
            }
            at += frag_length;
        }
        gcry_cipher_close(keys->rc4);
    }
    assert_true(checked >= 14);
    g_ptr_array_unref(decrypted);
    g_byte_array_unref(stream[0]);
    g_byte_array_unref(stream[1]);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s SAMPLES_DIR TSHARK\n", argv[0]);
        return 2;
    }
    samples_dir = argv[1];
    tshark = argv[2];
    if (!gcry_check_version(GCRYPT_VERSION))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decrypts_to_the_plain_stubs),
        cmocka_unit_test(test_encrypted_without_the_password),
        cmocka_unit_test(test_identity_in_clear),
        cmocka_unit_test(test_signatures),
        cmocka_unit_test(test_mic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
