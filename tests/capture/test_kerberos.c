/* Kerberos through the authentication stage, on the TCP payloads of
 * samples/sealed-kerberos.pcap (written by the independent generator: raw
 * Kerberos, DCE style, AES256, PKT_PRIVACY; its keytab beside it): as
 * captured, byte by byte, without the keytab, with a wrong one, with the
 * AP-REP spoilt, with a sealed stub tampered with, with bytes lost, and
 * with the AP-REQ cut short or its lengths made hostile; and
 * samples/sealed-kerberos-rc4.pcap (RC4-HMAC, RFC 4757 tokens) and
 * sealed-kerberos-spnego.pcap (inside SPNEGO). First, RFC 3962's
 * string-to-key test vectors through the MIT krb5 call the keys come from,
 * and the sample's service key as string-to-key of its documented machine
 * password (samples/gen/scenario_kerberos.c). */
#define _DEFAULT_SOURCE /* libpcap's u_char, mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <krb5/krb5.h>
#include <pcap/pcap.h>

#include "credentials.h"
#include "dcerpc.h"
#include "iiss_calls.h"
#include "kerberos_message.h"
#include "kerberos_session.h"
#include "keytab.h"

#define CLIENT_PORT 49712
#define MAX_SEGMENTS 64
#define SERVICE "host/web01.contoso.local@CONTOSO.LOCAL"

typedef struct segment {
    uint64_t frame;
    iiss_direction dir;
    uint8_t data[4096];
    size_t len;
} segment;

static segment segments[MAX_SEGMENTS];
static size_t n_segments;
static char keytab_path[1200];
static char wrong_keytab_path[1200];
static char tmpdir[] = "/tmp/iiss-krb-test-XXXXXX";

static const char *samples_dir(void)
{
    const char *dir = getenv("IISS_SAMPLES_DIR");
    return dir ? dir : "samples";
}

/* Ethernet, IPv4, TCP: the TCP payloads of samples/NAME.pcap, in order;
 * keytab_path is its keytab. */
static void use_sample(const char *name)
{
    n_segments = 0;
    snprintf(keytab_path, sizeof keytab_path, "%s/%s.keytab", samples_dir(), name);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.pcap", samples_dir(), name);
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    assert_non_null(p);
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t frame = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        frame++;
        if (h->caplen < 14 + 20 + 20)
            continue;
        size_t ip = 14, ihl = (size_t)(d[ip] & 0x0F) * 4;
        size_t tcp = ip + ihl, doff = (size_t)(d[tcp + 12] >> 4) * 4;
        size_t total = (size_t)d[ip + 2] << 8 | d[ip + 3];
        size_t payload = tcp + doff, end = ip + total;
        if (end > h->caplen || payload >= end || n_segments == MAX_SEGMENTS)
            continue;
        segment *s = &segments[n_segments++];
        uint16_t sport = (uint16_t)(d[tcp] << 8 | d[tcp + 1]);
        s->frame = frame;
        s->dir = sport == CLIENT_PORT ? IISS_DIR_CLIENT_TO_SERVER : IISS_DIR_SERVER_TO_CLIENT;
        s->len = end - payload;
        memcpy(s->data, d + payload, s->len);
    }
    pcap_close(p);
    assert_true(n_segments >= 8);
}

/* A keytab for the sample's service whose AES256 key is another one. */
static void write_wrong_keytab(void)
{
    snprintf(wrong_keytab_path, sizeof wrong_keytab_path, "%s/wrong.keytab", tmpdir);
    krb5_context ctx;
    assert_int_equal(krb5_init_context(&ctx), 0);
    char name[1300];
    snprintf(name, sizeof name, "WRFILE:%s", wrong_keytab_path);
    krb5_keytab kt;
    assert_int_equal(krb5_kt_resolve(ctx, name, &kt), 0);
    krb5_keytab_entry e;
    memset(&e, 0, sizeof e);
    assert_int_equal(krb5_parse_name(ctx, SERVICE, &e.principal), 0);
    uint8_t key[32];
    memset(key, 0x42, sizeof key);
    e.vno = 3;
    e.key.enctype = ENCTYPE_AES256_CTS_HMAC_SHA1_96;
    e.key.length = sizeof key;
    e.key.contents = key;
    assert_int_equal(krb5_kt_add_entry(ctx, kt, &e), 0);
    krb5_free_principal(ctx, e.principal);
    krb5_kt_close(ctx, kt);
    krb5_free_context(ctx);
}

static int setup(void **state)
{
    (void)state;
    use_sample("sealed-kerberos");
    if (!mkdtemp(tmpdir))
        return -1;
    write_wrong_keytab();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(wrong_keytab_path);
    rmdir(tmpdir);
    return 0;
}

/* ---- RFC 3962 Appendix B through krb5_c_string_to_key_with_params ---- */

typedef struct s2k_vector {
    unsigned iterations;
    krb5_enctype enctype;
    const char *key_hex;
} s2k_vector;

static void hex_to_bytes(const char *hex, uint8_t *out, size_t *len)
{
    size_t n = 0;
    for (const char *p = hex; p[0] && p[1]; p += 2)
        sscanf(p, "%2hhx", &out[n++]);
    *len = n;
}

/* MIT krb5 refuses fewer than 4096 PBKDF2 iterations unless its own test
 * switch is on (libk5crypto exports it for its test programs, t_str2key);
 * the RFC's vectors use 1 to 1200. */
extern int k5_allow_weak_pbkdf2iter;

static void test_rfc3962_string_to_key(void **state)
{
    (void)state;
    static const s2k_vector vectors[] = {
        {1, ENCTYPE_AES128_CTS_HMAC_SHA1_96, "42263c6e89f4fc28b8df68ee09799f15"},
        {1, ENCTYPE_AES256_CTS_HMAC_SHA1_96, "fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161"},
        {2, ENCTYPE_AES128_CTS_HMAC_SHA1_96, "c651bf29e2300ac27fa469d693bdda13"},
        {2, ENCTYPE_AES256_CTS_HMAC_SHA1_96, "a2e16d16b36069c135d5e9d2e25f896102685618b95914b467c67622225824ff"},
        {1200, ENCTYPE_AES128_CTS_HMAC_SHA1_96, "4c01cd46d632d01e6dbe230a01ed642a"},
        {1200, ENCTYPE_AES256_CTS_HMAC_SHA1_96, "55a6ac740ad17b48469410 51e1e8b0a7548d93b0ab30a8bc3ff16280382b8c2a"},
    };
    krb5_context ctx;
    assert_int_equal(krb5_init_context(&ctx), 0);
    krb5_data password = {KV5M_DATA, 8, (char *)"password"};
    krb5_data salt = {KV5M_DATA, 21, (char *)"ATHENA.MIT.EDUraeburn"};
    k5_allow_weak_pbkdf2iter = 1;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        uint8_t params[4] = {(uint8_t)(vectors[i].iterations >> 24), (uint8_t)(vectors[i].iterations >> 16),
                             (uint8_t)(vectors[i].iterations >> 8), (uint8_t)vectors[i].iterations};
        krb5_data p = {KV5M_DATA, 4, (char *)params};
        krb5_keyblock key;
        assert_int_equal(krb5_c_string_to_key_with_params(ctx, vectors[i].enctype, &password, &salt, &p, &key), 0);
        char hex[80];
        size_t at = 0;
        for (const char *c = vectors[i].key_hex; *c; c++)
            if (*c != ' ')
                hex[at++] = *c;
        hex[at] = '\0';
        uint8_t want[32];
        size_t want_len;
        hex_to_bytes(hex, want, &want_len);
        assert_int_equal(key.length, want_len);
        assert_memory_equal(key.contents, want, want_len);
        krb5_free_keyblock_contents(ctx, &key);
    }
    k5_allow_weak_pbkdf2iter = 0;
    krb5_free_context(ctx);
}

/* The keytab's key is string-to-key of the machine password the
 * generator documents, salted with the realm and the principal's parts. */
static void test_sample_key_from_password(void **state)
{
    (void)state;
    use_sample("sealed-kerberos");
    iiss_credentials *c = iiss_credentials_new();
    iiss_keytab_result r;
    assert_int_equal(iiss_credentials_read_keytab(c, keytab_path, &r), 0);
    assert_int_equal(r.kerberos_keys, 1);
    assert_int_equal(r.rc4_keys, 0);
    const iiss_krb_key *k = iiss_credentials_krb_get(c, 0);
    assert_string_equal(k->principal, SERVICE);
    assert_int_equal(k->kvno, 3);
    assert_int_equal(k->enctype, ENCTYPE_AES256_CTS_HMAC_SHA1_96);
    assert_non_null(strstr(k->label, "kvno 3 aes256-cts-hmac-sha1-96"));
    krb5_context ctx;
    assert_int_equal(krb5_init_context(&ctx), 0);
    const char *pw = "Web01-Machine-Account-Secret", *salt = "CONTOSO.LOCALhostweb01.contoso.local";
    krb5_data pd = {KV5M_DATA, (unsigned)strlen(pw), (char *)pw};
    krb5_data sd = {KV5M_DATA, (unsigned)strlen(salt), (char *)salt};
    krb5_keyblock key;
    assert_int_equal(krb5_c_string_to_key(ctx, ENCTYPE_AES256_CTS_HMAC_SHA1_96, &pd, &sd, &key), 0);
    assert_int_equal(key.length, k->key_len);
    assert_memory_equal(key.contents, k->key, key.length);
    krb5_free_keyblock_contents(ctx, &key);
    krb5_free_context(ctx);
    iiss_credentials_free(c);
}

/* ---- the stage over the sample ---- */

typedef struct call_seen {
    const char *method;
    bool sealed, decrypted;
    iiss_dce_verified verified;
    char credential[200];
    char user[96], domain[96], service[192];
    int32_t ticket_enctype, authenticator_enctype;
    uint32_t ticket_kvno;
    bool has_hresult;
    uint32_t hresult;
    bool has_timeout;
    uint32_t timeout;
    size_t note_count;
    iiss_note_kind note_kind[8];
    char note[8][IISS_NOTE_MESSAGE_MAX];
} call_seen;

typedef struct result {
    size_t n;
    call_seen calls[16];
} result;

static void on_record(void *user, const iiss_call_record *rec)
{
    result *r = user;
    if (r->n >= 16)
        return;
    call_seen *c = &r->calls[r->n++];
    c->method = rec->method;
    c->sealed = rec->sealed;
    c->decrypted = rec->decrypted;
    c->verified = rec->verified;
    snprintf(c->credential, sizeof c->credential, "%s", rec->credential ? rec->credential : "");
    if (rec->has_identity) {
        snprintf(c->user, sizeof c->user, "%s", rec->identity.user);
        snprintf(c->domain, sizeof c->domain, "%s", rec->identity.domain);
        snprintf(c->service, sizeof c->service, "%s", rec->identity.service_principal);
        c->ticket_enctype = rec->identity.ticket_enctype;
        c->authenticator_enctype = rec->identity.authenticator_enctype;
        c->ticket_kvno = rec->identity.has_ticket_kvno ? rec->identity.ticket_kvno : 0;
    }
    c->has_hresult = rec->response_decoded && rec->response.hresult.present;
    c->hresult = rec->response.hresult.value;
    c->has_timeout = rec->request_decoded && rec->request.timeout_ms.present;
    c->timeout = rec->request.timeout_ms.value;
    c->note_count = rec->note_count;
    for (size_t i = 0; i < rec->note_count && i < 8; i++) {
        c->note_kind[i] = rec->notes[i].kind;
        snprintf(c->note[i], sizeof c->note[i], "%s", rec->notes[i].message);
    }
}

typedef struct harness {
    iiss_credentials *creds;
    iiss_calls *calls;
    iiss_dce *dce;
    iiss_tcp_stream stream;
    result r;
} harness;

/* keytab: a file, or "password:PW" for a password only. */
static void harness_open(harness *h, const char *keytab)
{
    memset(h, 0, sizeof *h);
    if (keytab) {
        h->creds = iiss_credentials_new();
        iiss_keytab_result kr;
        if (strncmp(keytab, "password:", 9) == 0)
            assert_int_equal(iiss_credentials_add_password(h->creds, keytab + 9), IISS_CREDENTIAL_OK);
        else
            assert_int_equal(iiss_credentials_read_keytab(h->creds, keytab, &kr), 0);
    }
    iiss_calls_config ccfg = {0};
    h->calls = iiss_calls_new(&ccfg, on_record, &h->r);
    iiss_dce_config cfg;
    iiss_dce_config_default(&cfg);
    cfg.auth.credentials = h->creds;
    h->dce = iiss_dce_new(&cfg, iiss_calls_on_dce_call, h->calls);
    assert_non_null(h->dce);
    h->stream.id = 1;
    h->stream.handshake_seen = true;
}

static void deliver(harness *h, iiss_direction dir, const uint8_t *data, size_t len, uint64_t frame)
{
    iiss_packet_meta meta = {.frame = frame, .ts_sec = 1715679000};
    iiss_dce_on_data(h->dce, &h->stream, dir, data, len, &meta);
}

static void harness_close(harness *h)
{
    iiss_dce_on_close(h->dce, &h->stream);
    iiss_calls_flush(h->calls);
    iiss_dce_free(h->dce);
    iiss_calls_free(h->calls);
    iiss_credentials_free(h->creds);
}

/* Run with segment `target` altered by `edit` (NULL: dropped). */
static void run_edited(harness *h, const char *keytab, size_t target, void (*edit)(segment *s))
{
    harness_open(h, keytab);
    for (size_t i = 0; i < n_segments; i++) {
        segment s = segments[i];
        if (i == target && edit)
            edit(&s);
        if (i == target && !edit)
            continue;
        deliver(h, s.dir, s.data, s.len, s.frame);
    }
    harness_close(h);
}

static bool has_note(const result *r, size_t call, iiss_note_kind kind, const char *text)
{
    for (size_t i = 0; i < r->calls[call].note_count; i++)
        if (r->calls[call].note_kind[i] == kind && (!text || strstr(r->calls[call].note[i], text)))
            return true;
    return false;
}

static size_t index_of(uint8_t ptype, size_t nth)
{
    size_t seen = 0;
    for (size_t i = 0; i < n_segments; i++)
        if (segments[i].len > 2 && segments[i].data[2] == ptype && seen++ == nth)
            return i;
    fail_msg("no PDU of type %u", ptype);
    return 0;
}

/* The generator's plaintext (iisreset-remote.expected.json's calls), the
 * caller named from the ticket. */
static void assert_plaintext_calls_with(const result *r, const char *enctype_name)
{
    static const char *const methods[] = {"Status", "Status", "Stop", "Status", "Start", "Reboot", "Kill"};
    assert_int_equal(r->n, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(r->calls[i].method, methods[i]);
        assert_true(r->calls[i].decrypted);
        assert_int_equal(r->calls[i].verified, IISS_DCE_VERIFIED_TRUE);
        assert_string_equal(r->calls[i].user, "webadmin");
        assert_string_equal(r->calls[i].domain, "CONTOSO.LOCAL");
        assert_string_equal(r->calls[i].service, SERVICE);
        char label[256];
        snprintf(label, sizeof label, "entry " SERVICE " kvno 3 %s", enctype_name);
        assert_non_null(strstr(r->calls[i].credential, label));
        assert_true(r->calls[i].has_hresult);
        assert_int_equal(r->calls[i].note_count, 0);
    }
    assert_int_equal(r->calls[0].hresult, 0x8007007Au);
    assert_int_equal(r->calls[1].hresult, 0);
    assert_true(r->calls[2].has_timeout);
    assert_int_equal(r->calls[2].timeout, 20000);
    assert_int_equal(r->calls[5].hresult, 0x80004001u);
}

static void assert_plaintext_calls(const result *r)
{
    assert_plaintext_calls_with(r, "aes256-cts-hmac-sha1-96");
}

static void test_as_captured(void **state)
{
    (void)state;
    use_sample("sealed-kerberos");
    harness h;
    run_edited(&h, keytab_path, SIZE_MAX, NULL);
    assert_plaintext_calls(&h.r);
}

static void test_byte_by_byte(void **state)
{
    (void)state;
    use_sample("sealed-kerberos");
    harness h;
    harness_open(&h, keytab_path);
    for (size_t i = 0; i < n_segments; i++)
        for (size_t b = 0; b < segments[i].len; b++)
            deliver(&h, segments[i].dir, segments[i].data + b, 1, segments[i].frame);
    harness_close(&h);
    assert_plaintext_calls(&h.r);
}

/* Without a keytab: the calls, sealed; the service in clear; no caller. */
static void test_without_keytab(void **state)
{
    (void)state;
    use_sample("sealed-kerberos");
    harness h;
    run_edited(&h, NULL, SIZE_MAX, NULL);
    assert_int_equal(h.r.n, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_true(h.r.calls[i].sealed);
        assert_false(h.r.calls[i].decrypted);
        assert_string_equal(h.r.calls[i].service, SERVICE);
        assert_string_equal(h.r.calls[i].user, "");
        assert_int_equal(h.r.calls[i].note_count, 0);
        /* What the AP-REQ says in clear about its keys. */
        assert_int_equal(h.r.calls[i].ticket_enctype, 18);
        assert_int_equal(h.r.calls[i].ticket_kvno, 3);
        assert_int_equal(h.r.calls[i].authenticator_enctype, 18);
    }
}


static void assert_all_sealed(const result *r)
{
    assert_int_equal(r->n, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_true(r->calls[i].sealed);
        assert_false(r->calls[i].decrypted);
        assert_false(r->calls[i].has_hresult);
        assert_string_equal(r->calls[i].credential, "");
    }
}

static void test_wrong_keytab(void **state)
{
    (void)state;
    use_sample("sealed-kerberos");
    harness h;
    run_edited(&h, wrong_keytab_path, SIZE_MAX, NULL);
    assert_all_sealed(&h.r);
    assert_true(has_note(&h.r, 0, IISS_NOTE_NOT_DECRYPTED,
                         "no keytab key opens the ticket for " SERVICE
                         " (enctype 18 (aes256-cts-hmac-sha1-96), kvno 3)"));
    assert_string_equal(h.r.calls[0].user, "");
    for (size_t i = 1; i < 7; i++)
        assert_int_equal(h.r.calls[i].note_count, 0); /* said once per connection */
}

/* A password given, no keytab: the connection's first call says what
 * would open it. */
static void test_password_for_kerberos(void **state)
{
    (void)state;
    use_sample("sealed-kerberos");
    harness h;
    run_edited(&h, "password:Iis-Reset-2024!", SIZE_MAX, NULL);
    assert_all_sealed(&h.r);
    assert_true(has_note(&h.r, 0, IISS_NOTE_NOT_DECRYPTED, "only a keytab with the key of " SERVICE));
    for (size_t i = 1; i < 7; i++)
        assert_int_equal(h.r.calls[i].note_count, 0);
}

/* The bind_ack's AP-REP made unreadable ([APPLICATION 15] → 16): the
 * acceptor subkey every token is sealed with is unknown. */
static void spoil_ap_rep(segment *s)
{
    uint16_t frag = (uint16_t)(s->data[8] | s->data[9] << 8), auth = (uint16_t)(s->data[10] | s->data[11] << 8);
    size_t value = (size_t)frag - auth;
    assert_int_equal(s->data[value], 0x6F);
    s->data[value] = 0x70;
}

static void test_missing_ap_rep(void **state)
{
    (void)state;
    use_sample("sealed-kerberos");
    harness h;
    run_edited(&h, keytab_path, index_of(IISS_DCE_BIND_ACK, 0), spoil_ap_rep);
    assert_int_equal(h.r.n, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_true(h.r.calls[i].sealed);
        assert_false(h.r.calls[i].decrypted);
        assert_false(h.r.calls[i].has_hresult);
    }
    /* The ticket itself opened: the caller is named all the same. */
    assert_string_equal(h.r.calls[0].user, "webadmin");
    assert_true(has_note(&h.r, 0, IISS_NOTE_NOT_DECRYPTED, "cannot be read"));
    for (size_t i = 0; i < 7; i++)
        assert_true(has_note(&h.r, i, IISS_NOTE_NOT_DECRYPTED, "the AP-REP is not in the capture"));
}

static void flip_body_byte(segment *s)
{
    s->data[48] ^= 0x01; /* inside the sealed stub (header and object UUID end at 40) */
}

/* One tampered stub: that PDU fails its checksum, nothing else does (each
 * token stands alone). */
static void test_tampered(void **state)
{
    (void)state;
    use_sample("sealed-kerberos");
    harness h;
    run_edited(&h, keytab_path, index_of(IISS_DCE_REQUEST, 0), flip_body_byte);
    assert_int_equal(h.r.n, 7);
    assert_true(h.r.calls[0].sealed);
    assert_false(h.r.calls[0].decrypted);
    assert_int_equal(h.r.calls[0].verified, IISS_DCE_VERIFIED_FALSE);
    assert_false(h.r.calls[0].has_timeout);
    assert_true(has_note(&h.r, 0, IISS_NOTE_SIGNATURE_INVALID, "Kerberos checksum of this sealed request"));
    assert_true(h.r.calls[0].has_hresult); /* the response verified */
    for (size_t i = 1; i < 7; i++) {
        assert_true(h.r.calls[i].decrypted);
        assert_int_equal(h.r.calls[i].verified, IISS_DCE_VERIFIED_TRUE);
    }
}

/* Bytes lost in the client's direction: later requests still decrypt. */
static void test_gap(void **state)
{
    (void)state;
    use_sample("sealed-kerberos");
    harness h;
    harness_open(&h, keytab_path);
    size_t second = index_of(IISS_DCE_REQUEST, 1);
    for (size_t i = 0; i < n_segments; i++) {
        deliver(&h, segments[i].dir, segments[i].data, segments[i].len, segments[i].frame);
        if (i == second) {
            iiss_packet_meta meta = {.frame = segments[i].frame + 1, .ts_sec = 1715679000};
            iiss_dce_on_gap(h.dce, &h.stream, IISS_DIR_CLIENT_TO_SERVER, 100, &meta);
        }
    }
    harness_close(&h);
    assert_true(h.r.n >= 3);
    size_t last = h.r.n - 1;
    assert_true(h.r.calls[last].decrypted);
    assert_int_equal(h.r.calls[last].verified, IISS_DCE_VERIFIED_TRUE);
}

/* ---- RC4-HMAC (RFC 4757) ---- */

/* samples/sealed-kerberos-rc4.pcap: the same exchange with RC4-HMAC keys,
 * RFC 4757 wrap tokens; read as in clear, the caller named. */
static void test_rc4_as_captured(void **state)
{
    (void)state;
    use_sample("sealed-kerberos-rc4");
    harness h;
    run_edited(&h, keytab_path, SIZE_MAX, NULL);
    assert_plaintext_calls_with(&h.r, "arcfour-hmac");
    harness_open(&h, keytab_path);
    for (size_t i = 0; i < n_segments; i++)
        for (size_t b = 0; b < segments[i].len; b++)
            deliver(&h, segments[i].dir, segments[i].data + b, 1, segments[i].frame);
    harness_close(&h);
    assert_plaintext_calls_with(&h.r, "arcfour-hmac");
}

/* A flipped stub byte fails that PDU's RC4 checksum only; a flipped
 * SGN_CKSUM byte garbles its sequence number's direction: invalid too. */
static void flip_rc4_checksum_byte(segment *s)
{
    s->data[s->len - 14] ^= 0x01; /* SGN_CKSUM: bytes 16..23 of the 32-byte token that ends the PDU */
}

static void test_rc4_tampered(void **state)
{
    (void)state;
    use_sample("sealed-kerberos-rc4");
    harness h;
    run_edited(&h, keytab_path, index_of(IISS_DCE_REQUEST, 0), flip_body_byte);
    assert_int_equal(h.r.n, 7);
    assert_false(h.r.calls[0].decrypted);
    assert_int_equal(h.r.calls[0].verified, IISS_DCE_VERIFIED_FALSE);
    assert_true(has_note(&h.r, 0, IISS_NOTE_SIGNATURE_INVALID, "Kerberos checksum of this sealed request"));
    for (size_t i = 1; i < 7; i++)
        assert_int_equal(h.r.calls[i].verified, IISS_DCE_VERIFIED_TRUE);
    run_edited(&h, keytab_path, index_of(IISS_DCE_RESPONSE, 1), flip_rc4_checksum_byte);
    assert_int_equal(h.r.calls[1].verified, IISS_DCE_VERIFIED_FALSE);
    assert_false(h.r.calls[1].has_hresult);
    assert_int_equal(h.r.calls[0].verified, IISS_DCE_VERIFIED_TRUE);
}

/* ---- Kerberos inside SPNEGO (auth_type 9) ---- */

/* samples/sealed-kerberos-spnego.pcap: the AP-REQ GSS-framed in the
 * negTokenInit, the AP-REPs in negTokenResp responseTokens, four legs. */
static void test_spnego(void **state)
{
    (void)state;
    use_sample("sealed-kerberos-spnego");
    harness h;
    run_edited(&h, keytab_path, SIZE_MAX, NULL);
    assert_plaintext_calls(&h.r);
    run_edited(&h, NULL, SIZE_MAX, NULL);
    assert_int_equal(h.r.n, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_true(h.r.calls[i].sealed);
        assert_string_equal(h.r.calls[i].service, SERVICE);
        assert_string_equal(h.r.calls[i].user, "");
    }
}

/* ---- the AP-REQ cut short and with hostile lengths ---- */

static const uint8_t *bind_auth_value(size_t *len)
{
    const segment *s = &segments[index_of(IISS_DCE_BIND, 0)];
    uint16_t frag = (uint16_t)(s->data[8] | s->data[9] << 8), auth = (uint16_t)(s->data[10] | s->data[11] << 8);
    assert_true(frag <= s->len && auth < frag);
    *len = auth;
    return s->data + frag - auth;
}

static void test_truncated_ap_req(void **state)
{
    (void)state;
    use_sample("sealed-kerberos");
    size_t len;
    const uint8_t *value = bind_auth_value(&len);
    iiss_krb_token tok;
    assert_int_equal(iiss_krb_parse_token(value, len, &tok), IISS_KRB_TOKEN_AP_REQ);
    assert_string_equal(tok.service, "host/web01.contoso.local");
    assert_string_equal(tok.realm, "CONTOSO.LOCAL");
    assert_int_equal(tok.ticket.etype, 18);
    assert_true(tok.ticket.has_kvno);
    assert_int_equal(tok.ticket.kvno, 3);
    for (size_t n = 0; n < len; n++) {
        uint8_t *cut = malloc(n ? n : 1); /* exactly n bytes: the sanitizer sees any overread */
        memcpy(cut, value, n);
        assert_int_equal(iiss_krb_parse_token(cut, n, &tok), IISS_KRB_TOKEN_NONE);
        free(cut);
    }
}

/* Every byte set to each of a few hostile values (long-form length
 * octets, huge lengths, constructed bits): parsing and, with the keytab,
 * the whole exchange stay within the token. */
static void test_hostile_ap_req(void **state)
{
    (void)state;
    use_sample("sealed-kerberos");
    size_t len;
    const uint8_t *value = bind_auth_value(&len);
    static const uint8_t hostile[] = {0x00, 0x7F, 0x80, 0x84, 0xFF};
    iiss_credentials *c = iiss_credentials_new();
    iiss_keytab_result kr;
    assert_int_equal(iiss_credentials_read_keytab(c, keytab_path, &kr), 0);
    krb5_context ctx;
    assert_int_equal(krb5_init_context(&ctx), 0);
    uint8_t *copy = malloc(len);
    size_t parsed = 0;
    for (size_t i = 0; i < len; i++) {
        for (size_t v = 0; v < sizeof hostile; v++) {
            memcpy(copy, value, len);
            copy[i] = hostile[v];
            iiss_krb_token tok;
            if (iiss_krb_parse_token(copy, len, &tok) == IISS_KRB_TOKEN_NONE)
                continue;
            parsed++;
            iiss_krb_session s;
            iiss_krb_session_init(&s, c, ctx);
            iiss_krb_session_on_token(&s, false, &tok);
            iiss_krb_session_clear(&s);
        }
    }
    assert_true(parsed > 0); /* some bytes (inside the ciphertexts) do not matter to the parse */
    free(copy);
    static const uint8_t huge[] = {0x6E, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x30, 0x00};
    static const uint8_t indefinite[] = {0x6E, 0x80, 0x30, 0x80, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t framed_bad_oid[] = {0x60, 0x07, 0x06, 0x03, 0x2A, 0x03, 0x04, 0x01, 0x00};
    iiss_krb_token tok;
    assert_int_equal(iiss_krb_parse_token(huge, sizeof huge, &tok), IISS_KRB_TOKEN_NONE);
    assert_int_equal(iiss_krb_parse_token(indefinite, sizeof indefinite, &tok), IISS_KRB_TOKEN_NONE);
    assert_int_equal(iiss_krb_parse_token(framed_bad_oid, sizeof framed_bad_oid, &tok), IISS_KRB_TOKEN_NONE);
    assert_int_equal(iiss_krb_parse_token(NULL, 0, &tok), IISS_KRB_TOKEN_NONE);
    krb5_free_context(ctx);
    iiss_credentials_free(c);
}

/* Through the stage: the ticket's length made to run past the token. */
static void spoil_ticket_length(segment *s)
{
    uint16_t frag = (uint16_t)(s->data[8] | s->data[9] << 8), auth = (uint16_t)(s->data[10] | s->data[11] << 8);
    uint8_t *v = s->data + frag - auth;
    for (size_t i = 0; i + 2 < auth; i++) {
        if (v[i] == 0x61 && v[i + 1] == 0x82) { /* Ticket ::= [APPLICATION 1], two length octets */
            v[i + 2] = 0x7F;
            return;
        }
    }
    fail_msg("no ticket in the AP-REQ");
}

static void test_hostile_length_in_stage(void **state)
{
    (void)state;
    use_sample("sealed-kerberos");
    harness h;
    run_edited(&h, keytab_path, index_of(IISS_DCE_BIND, 0), spoil_ticket_length);
    assert_all_sealed(&h.r);
    assert_true(has_note(&h.r, 0, IISS_NOTE_NOT_DECRYPTED, "cannot be read (truncated or malformed)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3962_string_to_key),
        cmocka_unit_test(test_sample_key_from_password),
        cmocka_unit_test(test_as_captured),
        cmocka_unit_test(test_byte_by_byte),
        cmocka_unit_test(test_without_keytab),
        cmocka_unit_test(test_wrong_keytab),
        cmocka_unit_test(test_password_for_kerberos),
        cmocka_unit_test(test_missing_ap_rep),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_gap),
        cmocka_unit_test(test_rc4_as_captured),
        cmocka_unit_test(test_rc4_tampered),
        cmocka_unit_test(test_spnego),
        cmocka_unit_test(test_truncated_ap_req),
        cmocka_unit_test(test_hostile_ap_req),
        cmocka_unit_test(test_hostile_length_in_stage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
