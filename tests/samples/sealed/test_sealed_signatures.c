/* Every protected PDU of a sealed or signed sample, checked from MS-NLMP
 * and MS-SPNG alone, starting from the session key stock tshark recovers
 * with the sample's credential (its "tshark_decrypt" runs):
 *  - the keys of each direction derived from that key and the flags the
 *    AUTHENTICATE message negotiated (MS-NLMP 3.4.5);
 *  - with SPNEGO, each mechListMIC verified as GSS_GetMIC over the
 *    negTokenInit's MechTypeList with sequence number 0, after which the RC4
 *    state starts again and the sequence number goes on (MS-SPNG 3.3.5.1);
 *  - every request and response verified in stream order (checksum over
 *    header, plaintext body and sec_trailer; RC4 running across PDUs), the
 *    body decrypted at PKT_PRIVACY;
 *  - the outcome equals the expected file, PDU by PDU: "signature_valid"
 *    (integrity-tampered's altered PDU fails, nothing else) and
 *    "plaintext_stub" (the generator's plaintext), where tshark 4.0 cannot
 *    show it too.
 *
 * Usage: test_sealed_signatures TSHARK EXPECTED_JSON */
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
#include <yajl/yajl_tree.h>

static const char *tshark;
static const char *expected_path;

enum {
    PKT_REQUEST = 0,
    PKT_RESPONSE = 2,
    PKT_BIND = 11,
    PKT_ALTER_CONTEXT = 14,
    PKT_ALTER_CONTEXT_RESP = 15,
    AUTHN_SPNEGO = 9,
    LEVEL_PRIVACY = 6,
    FLAG_OBJECT_UUID = 0x80,
    SIGNATURE_LEN = 16,
    SEC_TRAILER_LEN = 8,
};
#define NTLMSSP_NEGOTIATE_128 0x20000000u
#define NTLMSSP_NEGOTIATE_56 0x80000000u
#define NTLMSSP_NEGOTIATE_KEY_EXCH 0x40000000u

/* ------------------------------------------------------------- helpers */

static gchar *run_tshark(const char *capture, GPtrArray *options, ...)
{
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(argv, g_strdup(tshark));
    g_ptr_array_add(argv, g_strdup("-n"));
    /* Stock tshark even where the iiss plugin is installed system-wide. */
    g_ptr_array_add(argv, g_strdup("--disable-protocol"));
    g_ptr_array_add(argv, g_strdup("iiss"));
    g_ptr_array_add(argv, g_strdup("-r"));
    g_ptr_array_add(argv, g_strdup(capture));
    for (guint i = 0; options && i < options->len; i++)
        g_ptr_array_add(argv, g_strdup(g_ptr_array_index(options, i)));
    va_list ap;
    va_start(ap, options);
    for (const char *arg; (arg = va_arg(ap, const char *)) != NULL;)
        g_ptr_array_add(argv, g_strdup(arg));
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    gchar *out = NULL, *err = NULL;
    gint status = 0;
    GError *error = NULL;
    if (!g_spawn_sync(NULL, (gchar **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error))
        fail_msg("cannot run %s: %s", tshark, error->message);
    if (!g_spawn_check_wait_status(status, NULL))
        fail_msg("tshark failed on %s: %s", capture, err);
    g_free(err);
    g_ptr_array_unref(argv);
    return out;
}

static GByteArray *from_hex(const char *hex, size_t n)
{
    GByteArray *bytes = g_byte_array_new();
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

static gchar *to_hex(const uint8_t *data, size_t len)
{
    GString *s = g_string_sized_new(2 * len + 1);
    for (size_t i = 0; i < len; i++)
        g_string_append_printf(s, "%02x", data[i]);
    return g_string_free(s, FALSE);
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void hmac_md5(const uint8_t key[16], const uint8_t seq[4], const uint8_t *data, size_t len, uint8_t out[16])
{
    gcry_mac_hd_t mac;
    assert_int_equal(gcry_mac_open(&mac, GCRY_MAC_HMAC_MD5, 0, NULL), 0);
    assert_int_equal(gcry_mac_setkey(mac, key, 16), 0);
    gcry_mac_write(mac, seq, 4);
    gcry_mac_write(mac, data, len);
    size_t out_len = 16;
    assert_int_equal(gcry_mac_read(mac, out, &out_len), 0);
    gcry_mac_close(mac);
}

/* ---------------------------------------------------- one direction */

typedef struct direction {
    gcry_cipher_hd_t rc4;
    uint8_t sealing_key[16];
    uint8_t signing_key[16];
    uint32_t sequence;
    bool encrypt_checksum;
} direction;

static void md5_with_magic(const uint8_t *key, size_t key_len, const char *magic, uint8_t out[16])
{
    GByteArray *input = g_byte_array_new();
    g_byte_array_append(input, key, (guint)key_len);
    /* MS-NLMP 3.4.5.2/3: the constant is hashed with its NUL. */
    g_byte_array_append(input, (const guint8 *)magic, (guint)strlen(magic) + 1);
    gcry_md_hash_buffer(GCRY_MD_MD5, out, input->data, input->len);
    g_byte_array_unref(input);
}

static void restart_rc4(direction *d)
{
    if (d->rc4)
        gcry_cipher_close(d->rc4);
    assert_int_equal(gcry_cipher_open(&d->rc4, GCRY_CIPHER_ARCFOUR, GCRY_CIPHER_MODE_STREAM, 0), 0);
    assert_int_equal(gcry_cipher_setkey(d->rc4, d->sealing_key, 16), 0);
}

static void derive(direction *d, const uint8_t session_key[16], uint32_t flags, bool client_to_server)
{
    memset(d, 0, sizeof *d);
    const char *who = client_to_server ? "client-to-server" : "server-to-client";
    char magic[96];
    snprintf(magic, sizeof magic, "session key to %s signing key magic constant", who);
    md5_with_magic(session_key, 16, magic, d->signing_key);
    snprintf(magic, sizeof magic, "session key to %s sealing key magic constant", who);
    size_t key_len = (flags & NTLMSSP_NEGOTIATE_128) ? 16 : (flags & NTLMSSP_NEGOTIATE_56) ? 7 : 5;
    md5_with_magic(session_key, key_len, magic, d->sealing_key);
    d->encrypt_checksum = (flags & NTLMSSP_NEGOTIATE_KEY_EXCH) != 0;
    restart_rc4(d);
}

/* Checks a 16-byte NTLMSSP_MESSAGE_SIGNATURE over `signed_data` with the
 * direction's state (after any body decryption). */
static bool signature_fits(direction *d, const uint8_t *signed_data, size_t len, const uint8_t signature[16])
{
    uint8_t seq[4] = {(uint8_t)d->sequence, (uint8_t)(d->sequence >> 8), (uint8_t)(d->sequence >> 16),
                      (uint8_t)(d->sequence >> 24)};
    uint8_t checksum[8], expected[16];
    memcpy(checksum, signature + 4, 8);
    if (d->encrypt_checksum)
        assert_int_equal(gcry_cipher_decrypt(d->rc4, checksum, 8, NULL, 0), 0);
    hmac_md5(d->signing_key, seq, signed_data, len, expected);
    bool ok = le32(signature) == 1 && le32(signature + 12) == d->sequence && memcmp(checksum, expected, 8) == 0;
    d->sequence++;
    return ok;
}

/* ------------------------------------------------ the capture's streams */

typedef struct tcp_side {
    GByteArray *bytes;
    GArray *frame_at; /* per byte: the frame that carried it */
} tcp_side;

typedef struct stream {
    char id[16];
    char server_port[8];
    tcp_side side[2]; /* 0: to the server, 1: to the client */
    char user[128];
    uint8_t session_key[16];
    bool has_key;
} stream;

static stream *find_stream(GPtrArray *streams, const char *id)
{
    for (guint i = 0; i < streams->len; i++) {
        stream *s = g_ptr_array_index(streams, i);
        if (strcmp(s->id, id) == 0)
            return s;
    }
    stream *s = g_new0(stream, 1);
    g_strlcpy(s->id, id, sizeof s->id);
    for (int k = 0; k < 2; k++) {
        s->side[k].bytes = g_byte_array_new();
        s->side[k].frame_at = g_array_new(FALSE, FALSE, sizeof(guint));
    }
    g_ptr_array_add(streams, s);
    return s;
}

static void free_stream(gpointer p)
{
    stream *s = p;
    for (int k = 0; k < 2; k++) {
        g_byte_array_unref(s->side[k].bytes);
        g_array_unref(s->side[k].frame_at);
    }
    g_free(s);
}

/* Each TCP stream's bytes per direction (the samples carry no reordering),
 * its authenticated user and the session key tshark recovered. */
static GPtrArray *read_streams(const char *capture, GPtrArray *options)
{
    gchar *out = run_tshark(capture, options, "-Y", "tcp.len > 0", "-T", "fields", "-E", "occurrence=f", "-e",
                            "frame.number", "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e",
                            "tcp.payload", "-e", "ntlmssp.auth.domain", "-e", "ntlmssp.auth.username", "-e",
                            "dcerpc.pkt_type", NULL);
    GPtrArray *streams = g_ptr_array_new_with_free_func(free_stream);
    gchar **lines = g_strsplit(out, "\n", -1);
    for (gchar **l = lines; *l && **l; l++) {
        gchar **f = g_strsplit(*l, "\t", -1);
        assert_true(g_strv_length(f) >= 8);
        stream *s = find_stream(streams, f[1]);
        if (!s->server_port[0] && strcmp(f[7], "11") == 0) /* the bind goes to the server */
            g_strlcpy(s->server_port, f[3], sizeof s->server_port);
        int k = strcmp(f[3], s->server_port) == 0 ? 0 : 1;
        if (!s->server_port[0])
            k = 0;
        GByteArray *bytes = from_hex(f[4], strlen(f[4]));
        guint frame = (guint)strtoul(f[0], NULL, 10);
        g_byte_array_append(s->side[k].bytes, bytes->data, bytes->len);
        for (guint i = 0; i < bytes->len; i++)
            g_array_append_val(s->side[k].frame_at, frame);
        g_byte_array_unref(bytes);
        if (f[6][0])
            g_snprintf(s->user, sizeof s->user, "%s\\%s", f[5], f[6]);
        g_strfreev(f);
    }
    g_strfreev(lines);
    g_free(out);

    /* The session key: tshark's expert info on the AUTHENTICATE frame. */
    out = run_tshark(capture, options, "-Y", "ntlmssp.messagetype == 3", "-T", "fields", "-e", "tcp.stream", "-e",
                     "_ws.expert.message", NULL);
    lines = g_strsplit(out, "\n", -1);
    for (gchar **l = lines; *l && **l; l++) {
        gchar **f = g_strsplit(*l, "\t", 2);
        const char *at = f[1] ? strstr(f[1], "NTLMSSP SessionKey (") : NULL;
        if (at) {
            stream *s = find_stream(streams, f[0]);
            GByteArray *key = from_hex(at + strlen("NTLMSSP SessionKey ("), 32);
            memcpy(s->session_key, key->data, 16);
            s->has_key = true;
            g_byte_array_unref(key);
        }
        g_strfreev(f);
    }
    g_strfreev(lines);
    g_free(out);
    return streams;
}

/* ------------------------------------------------------------- SPNEGO */

/* A DER element at p (tag, definite length); returns the content. */
static const uint8_t *der_element(const uint8_t *p, const uint8_t *end, uint8_t tag, size_t *len,
                                  const uint8_t **next)
{
    assert_true(end - p >= 2);
    assert_int_equal(p[0], tag);
    size_t n = p[1], head = 2;
    if (n & 0x80) {
        size_t bytes = n & 0x7F;
        assert_true(bytes >= 1 && bytes <= 2 && (size_t)(end - p) >= 2 + bytes);
        n = 0;
        for (size_t i = 0; i < bytes; i++)
            n = n << 8 | p[2 + i];
        head = 2 + bytes;
    }
    assert_true((size_t)(end - p) >= head + n);
    *len = n;
    if (next)
        *next = p + head + n;
    return p + head;
}

/* negTokenInit's mechTypes, as the MIC covers them (RFC 4178 5): the whole
 * MechTypeList SEQUENCE. */
static GByteArray *mech_type_list(const uint8_t *token, size_t len)
{
    const uint8_t *end = token + len, *next;
    size_t n;
    const uint8_t *inner = der_element(token, end, 0x60, &n, NULL); /* InitialContextToken */
    const uint8_t *oid = der_element(inner, inner + n, 0x06, &n, &next);
    (void)oid;
    const uint8_t *init = der_element(next, end, 0xA0, &n, NULL);
    const uint8_t *seq = der_element(init, init + n, 0x30, &n, NULL);
    const uint8_t *types = der_element(seq, seq + n, 0xA0, &n, NULL);
    GByteArray *list = g_byte_array_new();
    g_byte_array_append(list, types, (guint)n); /* 30 .. : the MechTypeList */
    assert_int_equal(list->data[0], 0x30);
    return list;
}

/* negTokenResp's mechListMIC [3] (16 bytes), NULL when absent. */
static const uint8_t *mech_list_mic(const uint8_t *token, size_t len)
{
    const uint8_t *end = token + len, *next;
    size_t n;
    const uint8_t *resp = der_element(token, end, 0xA1, &n, NULL);
    const uint8_t *p = der_element(resp, resp + n, 0x30, &n, NULL);
    const uint8_t *fields_end = p + n;
    while (p < fields_end) {
        uint8_t tag = p[0];
        const uint8_t *content = der_element(p, fields_end, tag, &n, &next);
        if (tag == 0xA3) {
            const uint8_t *mic = der_element(content, content + n, 0x04, &n, NULL);
            assert_int_equal(n, SIGNATURE_LEN);
            return mic;
        }
        p = next;
    }
    return NULL;
}

/* -------------------------------------------------------- the checks */

typedef struct checked_pdu {
    guint frame;
    int pkt_type;
    guint call_id;
    bool valid;
    gchar *plaintext;
} checked_pdu;

static void free_checked(gpointer p)
{
    checked_pdu *c = p;
    g_free(c->plaintext);
    g_free(c);
}

/* Walks one stream: handshake tokens, then every protected PDU in order. */
static void check_stream(stream *s, GPtrArray *checked)
{
    assert_true(s->has_key);
    GByteArray *mech_types = NULL;
    uint32_t flags = 0;
    const uint8_t *mics[2] = {NULL, NULL};
    /* First pass: flags from the AUTHENTICATE, SPNEGO tokens. */
    for (int k = 0; k < 2; k++) {
        GByteArray *b = s->side[k].bytes;
        for (size_t at = 0; b->len - at >= 16;) {
            const uint8_t *pdu = b->data + at;
            uint16_t frag = le16(pdu + 8), auth_len = le16(pdu + 10);
            assert_true(frag >= 16 && frag <= b->len - at && auth_len + 16u <= frag);
            const uint8_t *value = pdu + frag - auth_len;
            if (auth_len && pdu[2] != PKT_REQUEST && pdu[2] != PKT_RESPONSE) {
                const uint8_t *ntlm = memmem(value, auth_len, "NTLMSSP\0\3\0\0\0", 12);
                if (ntlm)
                    flags = le32(ntlm + 60);
                if (pdu[frag - auth_len - SEC_TRAILER_LEN] == AUTHN_SPNEGO) {
                    if (pdu[2] == PKT_BIND)
                        mech_types = mech_type_list(value, auth_len);
                    else if (pdu[2] == PKT_ALTER_CONTEXT || pdu[2] == PKT_ALTER_CONTEXT_RESP)
                        mics[pdu[2] == PKT_ALTER_CONTEXT ? 0 : 1] = mech_list_mic(value, auth_len);
                }
            }
            at += frag;
        }
    }
    assert_true(flags != 0);
    direction dirs[2];
    derive(&dirs[0], s->session_key, flags, true);
    derive(&dirs[1], s->session_key, flags, false);
    if (mech_types) {
        for (int k = 0; k < 2; k++) {
            assert_non_null(mics[k]);
            assert_true(signature_fits(&dirs[k], mech_types->data, mech_types->len, mics[k]));
            /* MS-SPNG 3.3.5.1: the first application message sees the RC4
             * state the mechListMIC saw; the sequence number goes on. */
            restart_rc4(&dirs[k]);
            assert_int_equal(dirs[k].sequence, 1);
        }
        g_byte_array_unref(mech_types);
    }

    for (int k = 0; k < 2; k++) {
        GByteArray *b = s->side[k].bytes;
        for (size_t at = 0; b->len - at >= 16;) {
            uint8_t *pdu = b->data + at;
            uint16_t frag = le16(pdu + 8), auth_len = le16(pdu + 10);
            if ((pdu[2] == PKT_REQUEST || pdu[2] == PKT_RESPONSE) && auth_len == SIGNATURE_LEN) {
                size_t body = 24 + (pdu[2] == PKT_REQUEST && (pdu[3] & FLAG_OBJECT_UUID) ? 16 : 0);
                size_t trailer = frag - auth_len - SEC_TRAILER_LEN;
                assert_true(trailer >= body);
                uint8_t pad = pdu[trailer + 2];
                assert_true(pad <= trailer - body);
                GByteArray *plain = g_byte_array_new();
                g_byte_array_append(plain, pdu, (guint)frag);
                if (pdu[trailer + 1] == LEVEL_PRIVACY) {
                    assert_int_equal((trailer - body) % 16, 0); /* MS-RPCE 2.2.2.11 */
                    assert_int_equal(
                        gcry_cipher_decrypt(dirs[k].rc4, plain->data + body, trailer - body, NULL, 0), 0);
                }
                checked_pdu *c = g_new0(checked_pdu, 1);
                c->frame = g_array_index(s->side[k].frame_at, guint, at + frag - 1);
                c->pkt_type = pdu[2];
                c->call_id = le32(pdu + 12);
                c->valid = signature_fits(&dirs[k], plain->data, trailer + SEC_TRAILER_LEN, pdu + frag - auth_len);
                c->plaintext = to_hex(plain->data + body, trailer - body - pad);
                g_ptr_array_add(checked, c);
                g_byte_array_unref(plain);
            }
            at += frag;
        }
        gcry_cipher_close(dirs[k].rc4);
    }
}

/* ------------------------------------------------------ the expected file */

static yajl_val load_expected(void)
{
    gchar *text = NULL;
    GError *error = NULL;
    if (!g_file_get_contents(expected_path, &text, NULL, &error))
        fail_msg("%s: %s", expected_path, error->message);
    char why[256];
    yajl_val root = yajl_tree_parse(text, why, sizeof why);
    g_free(text);
    if (!root)
        fail_msg("%s: %s", expected_path, why);
    return root;
}

static yajl_val member(yajl_val object, const char *key)
{
    const char *path[] = {key, NULL};
    return yajl_tree_get(object, path, yajl_t_any);
}

static void test_every_protected_pdu(void **state)
{
    (void)state;
    yajl_val root = load_expected();
    yajl_val runs = member(root, "tshark_decrypt");
    yajl_val pdus = member(root, "pdus");
    assert_true(YAJL_IS_ARRAY(runs) && YAJL_IS_ARRAY(pdus));
    gchar *dir = g_path_get_dirname(expected_path);
    const char *capture_name = YAJL_GET_STRING(member(root, "capture"));
    assert_non_null(capture_name);
    gchar *capture = g_build_filename(dir, capture_name, NULL);
    size_t compared = 0, invalid = 0;
    for (size_t r = 0; r < YAJL_GET_ARRAY(runs)->len; r++) {
        yajl_val run = YAJL_GET_ARRAY(runs)->values[r];
        const char *user = YAJL_GET_STRING(member(run, "user"));
        assert_non_null(user);
        yajl_val opts = member(run, "options");
        GPtrArray *options = g_ptr_array_new_with_free_func(g_free);
        for (size_t i = 0; i < YAJL_GET_ARRAY(opts)->len; i++) {
            const char *o = YAJL_GET_STRING(YAJL_GET_ARRAY(opts)->values[i]);
            assert_non_null(o);
            bool path = i > 0 && strcmp(g_ptr_array_index(options, i - 1), "-K") == 0;
            g_ptr_array_add(options, path ? g_build_filename(dir, o, NULL) : g_strdup(o));
        }
        GPtrArray *streams = read_streams(capture, options);
        GPtrArray *checked = g_ptr_array_new_with_free_func(free_checked);
        for (guint i = 0; i < streams->len; i++) {
            stream *s = g_ptr_array_index(streams, i);
            if (strcmp(s->user, user) == 0)
                check_stream(s, checked);
        }
        assert_true(checked->len > 0);
        /* Pair them with the expected PDUs of those frames, in order. */
        guint next = 0;
        for (size_t i = 0; i < YAJL_GET_ARRAY(pdus)->len; i++) {
            yajl_val p = YAJL_GET_ARRAY(pdus)->values[i];
            yajl_val plaintext = member(p, "plaintext_stub");
            if (!plaintext)
                continue;
            guint frame = (guint)YAJL_GET_INTEGER(member(p, "frame"));
            int type = (int)YAJL_GET_INTEGER(member(p, "pkt_type"));
            guint call_id = (guint)YAJL_GET_INTEGER(member(p, "call_id"));
            checked_pdu *c = NULL;
            for (guint j = 0; j < checked->len && !c; j++) {
                checked_pdu *x = g_ptr_array_index(checked, j);
                if (x->frame == frame && x->pkt_type == type && x->call_id == call_id && x->plaintext) {
                    c = x;
                    next++;
                }
            }
            if (!c)
                continue; /* another user's connection */
            bool want_valid = YAJL_IS_TRUE(member(p, "signature_valid"));
            if (c->valid != want_valid)
                fail_msg("frame %u (pkt_type %d, call_id %u): signature %s, expected %s", frame, type, call_id,
                         c->valid ? "valid" : "invalid", want_valid ? "valid" : "invalid");
            const char *want_plaintext = YAJL_GET_STRING(plaintext);
            assert_non_null(want_plaintext);
            if (strcmp(c->plaintext, want_plaintext) != 0)
                fail_msg("frame %u (pkt_type %d, call_id %u): the stub is not the generator's plaintext", frame,
                         type, call_id);
            g_free(c->plaintext);
            c->plaintext = NULL; /* matched */
            compared++;
            invalid += !want_valid;
        }
        assert_int_equal(next, checked->len); /* every PDU checked here is in the expected file */
        g_ptr_array_unref(checked);
        g_ptr_array_unref(streams);
        g_ptr_array_unref(options);
    }
    print_message("%zu protected PDUs verified, %zu with the invalid signature the expected file names\n",
                  compared, invalid);
    assert_true(compared > 0);
    g_free(capture);
    g_free(dir);
    yajl_tree_free(root);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s TSHARK EXPECTED_JSON\n", argv[0]);
        return 2;
    }
    tshark = argv[1];
    expected_path = argv[2];
    if (!gcry_check_version(GCRYPT_VERSION))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_protected_pdu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
