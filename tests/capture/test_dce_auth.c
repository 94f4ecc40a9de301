/* The authentication stage through the DCE/RPC and call stages, on the TCP
 * payloads of samples/sealed.pcap (written by the independent generator,
 * raw NTLMSSP at PKT_PRIVACY, password "Iis-Reset-2024!"): delivered as
 * captured, byte by byte, with every request packed into one chunk and
 * every response into another, tampered, with the wrong credential, the
 * CHALLENGE or part of the AUTHENTICATE spoilt, and with bytes lost. The
 * plaintext values expected are the generator's (samples/
 * iisreset-remote.expected.json: the same calls in clear). */
#define _DEFAULT_SOURCE /* libpcap's u_char */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "credentials.h"
#include "dcerpc.h"
#include "iiss_calls.h"

#define CLIENT_PORT 49712
#define MAX_SEGMENTS 64
#define PASSWORD "Iis-Reset-2024!"

typedef struct segment {
    uint64_t frame;
    iiss_direction dir;
    uint8_t data[4096];
    size_t len;
} segment;

static segment segments[MAX_SEGMENTS];
static size_t n_segments;

/* Ethernet, IPv4, TCP: the TCP payloads of the sample, in order. */
static int load_sample(void **state)
{
    (void)state;
    const char *dir = getenv("IISS_SAMPLES_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/sealed.pcap", dir ? dir : "samples");
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    if (!p)
        return -1;
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
    return n_segments >= 8 ? 0 : -1;
}

typedef struct call_seen {
        const char *method;
        bool sealed, decrypted;
        iiss_dce_verified verified;
        char credential[64];
        bool has_timeout;
        uint32_t timeout;
        bool has_hresult;
        uint32_t hresult;
        size_t services;
        size_t note_count;
        iiss_note_kind note_kind[8];
        char note[8][IISS_NOTE_MESSAGE_MAX];
        uint64_t note_frame[8];
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
    c->has_timeout = rec->request_decoded && rec->request.timeout_ms.present;
    c->timeout = rec->request.timeout_ms.value;
    c->has_hresult = rec->response_decoded && rec->response.hresult.present;
    c->hresult = rec->response.hresult.value;
    c->services = rec->has_blob ? rec->blob.service_count : 0;
    c->note_count = rec->note_count;
    for (size_t i = 0; i < rec->note_count && i < 8; i++) {
        c->note_kind[i] = rec->notes[i].kind;
        c->note_frame[i] = rec->notes[i].frame;
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

static void harness_open(harness *h, const char *password)
{
    memset(h, 0, sizeof *h);
    if (password) {
        h->creds = iiss_credentials_new();
        assert_int_equal(iiss_credentials_add_password(h->creds, "not this one"), IISS_CREDENTIAL_OK);
        assert_int_equal(iiss_credentials_add_password(h->creds, password), IISS_CREDENTIAL_OK);
    }
    iiss_calls_config ccfg = {0}; /* zero: the defaults, inference on */
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

/* What the generator put in clear (iisreset-remote.expected.json). */
static void assert_plaintext_calls(const result *r)
{
    static const char *const methods[] = {"Status", "Status", "Stop", "Status", "Start", "Reboot", "Kill"};
    assert_int_equal(r->n, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(r->calls[i].method, methods[i]);
        assert_false(r->calls[i].sealed);
        assert_true(r->calls[i].decrypted);
        assert_int_equal(r->calls[i].verified, IISS_DCE_VERIFIED_TRUE);
        assert_string_equal(r->calls[i].credential, "password #2");
        assert_true(r->calls[i].has_hresult);
    }
    assert_int_equal(r->calls[0].hresult, 0x8007007Au);
    assert_int_equal(r->calls[1].hresult, 0);
    assert_int_equal(r->calls[1].services, 8);
    assert_true(r->calls[2].has_timeout);
    assert_int_equal(r->calls[2].timeout, 20000);
    assert_int_equal(r->calls[5].hresult, 0x80004001u); /* Reboot: E_NOTIMPL */
}

static void test_as_captured(void **state)
{
    (void)state;
    harness h;
    harness_open(&h, PASSWORD);
    for (size_t i = 0; i < n_segments; i++)
        deliver(&h, segments[i].dir, segments[i].data, segments[i].len, segments[i].frame);
    harness_close(&h);
    assert_plaintext_calls(&h.r);
}

static void test_byte_by_byte(void **state)
{
    (void)state;
    harness h;
    harness_open(&h, PASSWORD);
    for (size_t i = 0; i < n_segments; i++)
        for (size_t b = 0; b < segments[i].len; b++)
            deliver(&h, segments[i].dir, segments[i].data + b, 1, segments[i].frame);
    harness_close(&h);
    assert_plaintext_calls(&h.r);
}

/* Index of the AUTH3 segment: the handshake ends there. */
static size_t auth3_index(void)
{
    for (size_t i = 0; i < n_segments; i++)
        if (segments[i].len > 2 && segments[i].data[2] == IISS_DCE_AUTH3)
            return i;
    fail_msg("no auth3 in the sample");
    return 0;
}

/* Every request in one chunk, then every response in one chunk: one chunk
 * completes several sealed PDUs, each unsealed in order. */
static void test_packed(void **state)
{
    (void)state;
    harness h;
    harness_open(&h, PASSWORD);
    size_t hs = auth3_index();
    for (size_t i = 0; i <= hs; i++)
        deliver(&h, segments[i].dir, segments[i].data, segments[i].len, segments[i].frame);
    static uint8_t packed[2][65536];
    size_t n[2] = {0, 0};
    uint64_t last_frame[2] = {0, 0};
    for (size_t i = hs + 1; i < n_segments; i++) {
        int d = segments[i].dir;
        memcpy(packed[d] + n[d], segments[i].data, segments[i].len);
        n[d] += segments[i].len;
        last_frame[d] = segments[i].frame;
    }
    deliver(&h, IISS_DIR_CLIENT_TO_SERVER, packed[0], n[0], last_frame[0]);
    deliver(&h, IISS_DIR_SERVER_TO_CLIENT, packed[1], n[1], last_frame[1]);
    harness_close(&h);
    assert_plaintext_calls(&h.r);
}

static bool has_note(const result *r, size_t call, iiss_note_kind kind, const char *text)
{
    for (size_t i = 0; i < r->calls[call].note_count; i++)
        if (r->calls[call].note_kind[i] == kind && (!text || strstr(r->calls[call].note[i], text)))
            return true;
    return false;
}

/* Run with segment `target` altered by `edit`. */
static void run_edited(harness *h, const char *password, size_t target, void (*edit)(segment *s))
{
    harness_open(h, password);
    for (size_t i = 0; i < n_segments; i++) {
        segment s = segments[i];
        if (i == target && edit)
            edit(&s);
        if (i == target && !edit)
            continue; /* dropped */
        deliver(h, s.dir, s.data, s.len, s.frame);
    }
    harness_close(h);
}

/* The first sealed request, and the one after it. */
static size_t request_index(size_t nth)
{
    size_t seen = 0;
    for (size_t i = 0; i < n_segments; i++)
        if (segments[i].len > 2 && segments[i].data[2] == IISS_DCE_REQUEST && seen++ == nth)
            return i;
    fail_msg("no request %zu", nth);
    return 0;
}

static void flip_body_byte(segment *s)
{
    s->data[48] ^= 0x01; /* inside the sealed stub (header and object UUID end at 40) */
}

static void flip_signature_byte(segment *s)
{
    s->data[s->len - 10] ^= 0x80; /* the checksum of the verifier */
}

static void test_tampered(void **state)
{
    (void)state;
    harness h;
    size_t first = request_index(0);
    run_edited(&h, PASSWORD, first, flip_body_byte);
    assert_int_equal(h.r.n, 7);
    /* The spoilt call: sealed, not decrypted, no parameters, the frame named. */
    assert_true(h.r.calls[0].sealed);
    assert_false(h.r.calls[0].decrypted);
    assert_int_equal(h.r.calls[0].verified, IISS_DCE_VERIFIED_FALSE);
    assert_false(h.r.calls[0].has_timeout);
    /* Its response verified: that half is genuine and read. */
    assert_true(h.r.calls[0].has_hresult);
    assert_int_equal(h.r.calls[0].hresult, 0x8007007Au);
    assert_true(has_note(&h.r, 0, IISS_NOTE_SIGNATURE_INVALID, "does not verify"));
    assert_int_equal(h.r.calls[0].note_frame[0], segments[first].frame);
    /* The RC4 state stayed in step: the others read as in clear. */
    for (size_t i = 1; i < 7; i++) {
        assert_true(h.r.calls[i].decrypted);
        assert_int_equal(h.r.calls[i].verified, IISS_DCE_VERIFIED_TRUE);
    }
    assert_int_equal(h.r.calls[2].timeout, 20000);

    run_edited(&h, PASSWORD, request_index(1), flip_signature_byte);
    assert_int_equal(h.r.calls[1].verified, IISS_DCE_VERIFIED_FALSE);
    assert_true(h.r.calls[1].sealed);
    assert_int_equal(h.r.calls[0].verified, IISS_DCE_VERIFIED_TRUE);
    assert_int_equal(h.r.calls[2].verified, IISS_DCE_VERIFIED_TRUE);
}

static void assert_one_note_then_sealed(const result *r, const char *text)
{
    assert_int_equal(r->n, 7);
    assert_true(has_note(r, 0, IISS_NOTE_NOT_DECRYPTED, text));
    for (size_t i = 0; i < 7; i++) {
        assert_true(r->calls[i].sealed);
        assert_false(r->calls[i].decrypted);
        assert_int_equal(r->calls[i].verified, IISS_DCE_VERIFIED_UNKNOWN);
        assert_string_equal(r->calls[i].credential, "");
        assert_false(r->calls[i].has_hresult);
        if (i > 0)
            assert_false(has_note(r, i, IISS_NOTE_NOT_DECRYPTED, NULL)); /* one note per connection */
    }
}

static void test_wrong_password(void **state)
{
    (void)state;
    harness h;
    run_edited(&h, "Iis-Reset-2023!", SIZE_MAX, NULL);
    assert_one_note_then_sealed(&h.r, "no credential fits CONTOSO\\webadmin");
}

static void test_without_credentials(void **state)
{
    (void)state;
    harness h;
    run_edited(&h, NULL, SIZE_MAX, NULL);
    assert_int_equal(h.r.n, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_true(h.r.calls[i].sealed);
        assert_int_equal(h.r.calls[i].note_count, 0); /* as before: no note without credentials */
    }
}

/* The bind_ack's NTLMSSP message no longer a CHALLENGE (its type
 * changed): the bind_ack still maps the contexts. */
static void spoil_challenge(segment *s)
{
    for (size_t i = 0; i + 12 <= s->len; i++) {
        if (memcmp(s->data + i, "NTLMSSP\0\2", 9) == 0) {
            s->data[i + 8] = 9;
            return;
        }
    }
    fail_msg("no CHALLENGE");
}

static void test_missing_challenge(void **state)
{
    (void)state;
    harness h;
    size_t bind_ack = 0;
    for (size_t i = 0; i < n_segments; i++)
        if (segments[i].len > 2 && segments[i].data[2] == IISS_DCE_BIND_ACK)
            bind_ack = i;
    run_edited(&h, PASSWORD, bind_ack, spoil_challenge);
    assert_one_note_then_sealed(&h.r, "CHALLENGE was not seen");
}

/* The AUTHENTICATE's NtChallengeResponse length made to run past the
 * message: the security buffer lies outside, the message is refused. */
static void spoil_authenticate(segment *s)
{
    for (size_t i = 0; i + 8 <= s->len; i++) {
        if (memcmp(s->data + i, "NTLMSSP\0\3", 9) == 0) {
            s->data[i + 20] = 0xFF; /* NtChallengeResponseFields.Len */
            s->data[i + 21] = 0xFF;
            return;
        }
    }
    fail_msg("no AUTHENTICATE");
}

static void test_spoilt_authenticate(void **state)
{
    (void)state;
    harness h;
    run_edited(&h, PASSWORD, auth3_index(), spoil_authenticate);
    assert_one_note_then_sealed(&h.r, "malformed or cut short");
}

/* Bytes of the client's direction lost after the second request: later
 * requests cannot be unsealed (their keystream position is unknown), the
 * responses still can. */
static void test_gap(void **state)
{
    (void)state;
    harness h;
    harness_open(&h, PASSWORD);
    size_t second = request_index(1);
    for (size_t i = 0; i < n_segments; i++) {
        deliver(&h, segments[i].dir, segments[i].data, segments[i].len, segments[i].frame);
        if (i == second) {
            iiss_packet_meta meta = {.frame = segments[i].frame + 1, .ts_sec = 1715679000};
            iiss_dce_on_gap(h.dce, &h.stream, IISS_DIR_CLIENT_TO_SERVER, 100, &meta);
        }
    }
    harness_close(&h);
    assert_true(h.r.n >= 3);
    assert_true(h.r.calls[0].decrypted);
    assert_true(h.r.calls[1].decrypted);
    size_t last = h.r.n - 1;
    assert_true(h.r.calls[last].sealed);
    assert_false(h.r.calls[last].decrypted);
    bool noted = false;
    for (size_t i = 2; i < h.r.n; i++)
        noted = noted || has_note(&h.r, i, IISS_NOTE_NOT_DECRYPTED, "RC4 state");
    assert_true(noted);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_as_captured),
        cmocka_unit_test(test_byte_by_byte),
        cmocka_unit_test(test_packed),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_wrong_password),
        cmocka_unit_test(test_without_credentials),
        cmocka_unit_test(test_missing_challenge),
        cmocka_unit_test(test_spoilt_authenticate),
        cmocka_unit_test(test_gap),
    };
    return cmocka_run_group_tests(tests, load_sample, NULL);
}
