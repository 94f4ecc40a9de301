/* The activation stage fed with DCE/RPC calls built by hand: which calls
 * it takes, what the records say, release in request order, the IPIDs it
 * hands on with their server addresses. The stubs are the RemoteCreateInstance
 * exchange of samples/iisreset-remote.pcap (tests/unit/data: every value
 * asserted here is what stock tshark decodes from those frames: CLSID and
 * IID E8FB8621/E8FB8620-588F-11D2-9D61-00C04F79C5FE, IPID
 * 0000B001-0A1C-FFFF-6F3C-4E21A9D7C5B3, OXID binding 10.0.0.20[49155],
 * HResult S_OK). */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../unit/data/activation_sample_stubs.h"
#include "activations.h"
#include "iiss/names.h"

static const uint8_t SAMPLE_IPID[16] = {0x01, 0xb0, 0x00, 0x00, 0x1c, 0x0a, 0xff, 0xff,
                                        0x6f, 0x3c, 0x4e, 0x21, 0xa9, 0xd7, 0xc5, 0xb3};
static const uint8_t OTHER_IF[16] = {0x43, 0x01, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46};

#define MAX_RECORDS 8
typedef struct sink {
    size_t count;
    uint64_t seq[MAX_RECORDS];
    iiss_activation_record last;
} sink;

static void on_record(void *user, const iiss_activation_record *rec)
{
    sink *s = user;
    assert_true(s->count < MAX_RECORDS);
    s->seq[s->count++] = rec->seq;
    s->last = *rec;
}

/* The IPIDs handed on. */
#define MAX_IPIDS 8
typedef struct ipid_sink {
    size_t count;
    uint8_t ipid[MAX_IPIDS][16];
    iiss_endpoint server[MAX_IPIDS];
    uint64_t frame[MAX_IPIDS];
    bool iis_class[MAX_IPIDS];
} ipid_sink;

static void on_ipid(void *user, const uint8_t ipid[16], const iiss_endpoint *server, uint64_t frame, bool iis_class)
{
    ipid_sink *s = user;
    assert_true(s->count < MAX_IPIDS);
    memcpy(s->ipid[s->count], ipid, 16);
    s->server[s->count] = *server;
    s->frame[s->count] = frame;
    s->iis_class[s->count] = iis_class;
    s->count++;
}

static iiss_tcp_stream stream = {
    .id = 1,
    .client = {.family = 4, .addr = {10, 0, 0, 5}, .port = 49711},
    .server = {.family = 4, .addr = {10, 0, 0, 20}, .port = 135},
};


/* The sample's RemoteCreateInstance on a context bound to
 * IRemoteSCMActivator, frames 6 and 7; `response` NULL: none captured. */
static iiss_dce_call activation_call(uint64_t seq, const uint8_t *response, size_t response_len)
{
    iiss_dce_call c;
    memset(&c, 0, sizeof c);
    c.seq = seq;
    c.oldest_pending_seq = seq + 1;
    c.stream = &stream;
    c.call_id = 2;
    c.opnum = 4;
    c.context_known = true;
    memcpy(c.abstract_uuid, iiss_act_iid_remote_scm_activator, 16);
    c.transfer_syntax = IISS_DCE_SYNTAX_NDR20;
    c.request.present = true;
    c.request.meta = (iiss_packet_meta){.frame = 6, .ts_sec = 1715679000, .ts_nsec = 2180000};
    c.request.stub = sample_create_instance_request;
    c.request.stub_len = sizeof sample_create_instance_request;
    c.request.stub_complete = true;
    if (response) {
        c.response.present = true;
        c.response.meta = (iiss_packet_meta){.frame = 7, .ts_sec = 1715679000, .ts_nsec = 43410000};
        c.response.stub = response;
        c.response.stub_len = response_len;
        c.response.stub_complete = true;
    }
    return c;
}

static void assert_guid(const uint8_t guid[16], const char *text)
{
    char buf[IISS_UUID_STR_MAX];
    iiss_uuid_format(guid, buf, sizeof buf);
    assert_string_equal(buf, text);
}

static void record_of_the_sample(void **state)
{
    (void)state;
    static sink s;
    memset(&s, 0, sizeof s);
    ipid_sink ipids = {0};
    iiss_activations *acts = iiss_activations_new(NULL, on_record, &s);
    assert_non_null(acts);
    iiss_activations_set_ipid_fn(acts, on_ipid, &ipids);
    iiss_dce_call c = activation_call(0, sample_create_instance_response, sizeof sample_create_instance_response);
    iiss_activations_on_dce_call(acts, &c);
    assert_int_equal(s.count, 0); /* held until released */
    /* its IPID at once, for the server it was sent to (the OXID binding
     * 10.0.0.20[49155] names the same address) */
    assert_int_equal(ipids.count, 1);
    assert_memory_equal(ipids.ipid[0], SAMPLE_IPID, 16);
    assert_memory_equal(ipids.server[0].addr, stream.server.addr, 4);
    assert_int_equal(ipids.frame[0], 7);
    assert_true(ipids.iis_class[0]);
    iiss_activations_release(acts, 1);
    assert_int_equal(s.count, 1);
    const iiss_activation_record *r = &s.last;
    assert_int_equal(r->method, IISS_ACT_REMOTE_CREATE_INSTANCE);
    assert_int_equal(r->opnum, 4);
    assert_int_equal(r->call_id, 2);
    assert_int_equal(r->client.port, 49711);
    assert_int_equal(r->server.port, 135);
    assert_int_equal(r->request_meta.frame, 6);
    assert_true(r->has_response);
    assert_int_equal(r->response_meta.frame, 7);
    assert_true(r->request_decoded && r->response_decoded);
    assert_true(r->request.complete && r->response.complete);
    assert_true(r->has_clsid);
    assert_guid(r->clsid, "E8FB8621-588F-11D2-9D61-00C04F79C5FE");
    assert_true(r->has_iid);
    assert_guid(r->iid, "E8FB8620-588F-11D2-9D61-00C04F79C5FE");
    assert_true(r->has_ipid);
    assert_memory_equal(r->ipid, SAMPLE_IPID, 16);
    assert_guid(r->ipid_iid, "E8FB8620-588F-11D2-9D61-00C04F79C5FE");
    assert_true(r->has_port);
    assert_int_equal(r->port, 49155);
    assert_true(r->has_hresult);
    assert_int_equal(r->hresult, 0);
    assert_false(r->sealed);
    assert_false(r->is_fault);
    assert_int_equal(r->ndr, IISS_NDR20);

    iiss_activations_stats st;
    iiss_activations_get_stats(acts, &st);
    assert_int_equal(st.dce_calls, 1);
    assert_int_equal(st.activations, 1);
    assert_int_equal(st.ipids, 1);
    iiss_activations_free(acts);
}

/* Other interfaces and opnums, unknown contexts, calls without a request:
 * not activations. */
static void other_calls_are_left(void **state)
{
    (void)state;
    static sink s;
    memset(&s, 0, sizeof s);
    iiss_activations *acts = iiss_activations_new(NULL, on_record, &s);
    iiss_dce_call c = activation_call(0, sample_create_instance_response, sizeof sample_create_instance_response);
    memcpy(c.abstract_uuid, OTHER_IF, 16);
    iiss_activations_on_dce_call(acts, &c);
    c = activation_call(1, sample_create_instance_response, sizeof sample_create_instance_response);
    c.opnum = 5;
    iiss_activations_on_dce_call(acts, &c);
    c = activation_call(2, sample_create_instance_response, sizeof sample_create_instance_response);
    c.context_known = false;
    iiss_activations_on_dce_call(acts, &c);
    c = activation_call(3, NULL, 0);
    c.request.present = false;
    iiss_activations_on_dce_call(acts, &c);
    iiss_activations_end_input(acts);
    assert_int_equal(s.count, 0);
    iiss_activations_stats st;
    iiss_activations_get_stats(acts, &st);
    assert_int_equal(st.dce_calls, 4);
    assert_int_equal(st.activations, 0);
    iiss_activations_free(acts);
}

/* Records come out by seq whatever order their calls finished in; release
 * stops at the seq given; past max_held the oldest goes out early. */
static void release_in_request_order(void **state)
{
    (void)state;
    static sink s;
    memset(&s, 0, sizeof s);
    iiss_activations_config cfg;
    iiss_activations_config_default(&cfg);
    cfg.max_held = 3;
    iiss_activations *acts = iiss_activations_new(&cfg, on_record, &s);
    static const uint64_t finish_order[] = {4, 2, 3};
    for (size_t i = 0; i < 3; i++) {
        iiss_dce_call c = activation_call(finish_order[i], sample_create_instance_response,
                                          sizeof sample_create_instance_response);
        iiss_activations_on_dce_call(acts, &c);
    }
    iiss_activations_release(acts, 3);
    assert_int_equal(s.count, 1);
    assert_int_equal(s.seq[0], 2);
    iiss_dce_call c = activation_call(7, sample_create_instance_response, sizeof sample_create_instance_response);
    iiss_activations_on_dce_call(acts, &c);
    iiss_dce_call d = activation_call(6, sample_create_instance_response, sizeof sample_create_instance_response);
    iiss_activations_on_dce_call(acts, &d); /* a fourth held: seq 3 goes early */
    assert_int_equal(s.count, 2);
    assert_int_equal(s.seq[1], 3);
    iiss_activations_end_input(acts);
    assert_int_equal(s.count, 5);
    assert_int_equal(s.seq[2], 4);
    assert_int_equal(s.seq[3], 6);
    assert_int_equal(s.seq[4], 7);
    iiss_activations_stats st;
    iiss_activations_get_stats(acts, &st);
    assert_int_equal(st.out_of_order, 1);
    iiss_activations_free(acts);
}

/* Sealed: nothing decoded, nothing remembered; a fault: the status, no
 * result; no response: the request alone. */
static void sealed_fault_and_unanswered(void **state)
{
    (void)state;
    static sink s;
    memset(&s, 0, sizeof s);
    ipid_sink ipids = {0};
    iiss_activations *acts = iiss_activations_new(NULL, on_record, &s);
    iiss_activations_set_ipid_fn(acts, on_ipid, &ipids);
    iiss_dce_call c = activation_call(0, sample_create_instance_response, sizeof sample_create_instance_response);
    c.request.sealed = c.response.sealed = true;
    c.request.stub = c.response.stub = NULL;
    c.request.has_auth = true;
    c.request.auth_type = 10;
    c.request.auth_level = 6;
    iiss_activations_on_dce_call(acts, &c);
    iiss_activations_release(acts, 1);
    assert_int_equal(s.count, 1);
    assert_true(s.last.sealed);
    assert_false(s.last.request_decoded || s.last.response_decoded);
    assert_false(s.last.has_ipid || s.last.has_clsid || s.last.has_hresult);
    assert_true(s.last.has_auth);
    assert_int_equal(s.last.auth_level, 6);
    assert_int_equal(ipids.count, 0);

    c = activation_call(1, NULL, 0);
    c.response.present = true;
    c.response.meta.frame = 7;
    c.is_fault = true;
    c.fault_status = 5; /* nca_s_fault_access_denied */
    iiss_activations_on_dce_call(acts, &c);
    c = activation_call(2, NULL, 0);
    iiss_activations_on_dce_call(acts, &c);
    iiss_activations_release(acts, 2);
    assert_int_equal(s.count, 2);
    assert_true(s.last.is_fault);
    assert_int_equal(s.last.fault_status, 5);
    assert_true(s.last.request_decoded);
    assert_false(s.last.response_decoded);
    assert_true(s.last.has_clsid);
    assert_false(s.last.has_hresult);
    iiss_activations_release(acts, 3);
    assert_int_equal(s.count, 3);
    assert_false(s.last.has_response);
    assert_false(s.last.has_hresult);
    iiss_activations_free(acts);
}

/* A refused activation (MS-DCOM 3.1.2.5.2.3.3): ORPCTHAT (flags, NULL
 * extensions), a NULL ppActProperties, E_ACCESSDENIED. */
static void refused_activation(void **state)
{
    (void)state;
    static sink s;
    memset(&s, 0, sizeof s);
    static const uint8_t refusal[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x00, 0x07, 0x80};
    iiss_activations *acts = iiss_activations_new(NULL, on_record, &s);
    iiss_dce_call c = activation_call(0, refusal, sizeof refusal);
    iiss_activations_on_dce_call(acts, &c);
    iiss_activations_release(acts, 1);
    assert_int_equal(s.count, 1);
    assert_true(s.last.response_decoded);
    assert_true(s.last.has_hresult);
    assert_int_equal(s.last.hresult, 0x80070005u);
    assert_false(s.last.has_ipid);
    assert_false(s.last.has_port);
    iiss_activations_stats st;
    iiss_activations_get_stats(acts, &st);
    assert_int_equal(st.ipids, 0);
    iiss_activations_free(acts);
}

/* The OXID binding's address is handed on too: a multi-homed server may
 * be activated on one address and called on another. An activation of
 * another class hands its IPIDs on as such. */
static void binding_address_and_class(void **state)
{
    (void)state;
    ipid_sink ipids = {0};
    iiss_activations *acts = iiss_activations_new(NULL, NULL, NULL);
    iiss_activations_set_ipid_fn(acts, on_ipid, &ipids);
    iiss_tcp_stream other = stream;
    other.server.addr[3] = 99; /* activated through 10.0.0.99 */
    iiss_dce_call c = activation_call(0, sample_create_instance_response, sizeof sample_create_instance_response);
    c.stream = &other;
    iiss_activations_on_dce_call(acts, &c);
    assert_int_equal(ipids.count, 2);
    static const uint8_t via_99[4] = {10, 0, 0, 99}, binding[4] = {10, 0, 0, 20};
    assert_memory_equal(ipids.server[0].addr, via_99, 4);
    assert_memory_equal(ipids.server[1].addr, binding, 4); /* 10.0.0.20[49155] */
    assert_int_equal(ipids.server[1].family, 4);

    /* the request's CLSID made another one */
    static uint8_t other_class[sizeof sample_create_instance_request];
    memcpy(other_class, sample_create_instance_request, sizeof other_class);
    uint8_t *at = memmem(other_class, sizeof other_class, iiss_clsid_bytes, 16);
    assert_non_null(at);
    at[0] ^= 0xFF;
    c = activation_call(1, sample_create_instance_response, sizeof sample_create_instance_response);
    c.request.stub = other_class;
    iiss_activations_on_dce_call(acts, &c);
    assert_int_equal(ipids.count, 3);
    assert_false(ipids.iis_class[2]);
    iiss_activations_stats st;
    iiss_activations_get_stats(acts, &st);
    assert_int_equal(st.ipids, 2);
    iiss_activations_free(acts);
}

/* A response cut short: decoded as far as it goes, the library says where;
 * a stub with a hole: not decoded, a note says so. */
static void cut_and_holed_stubs(void **state)
{
    (void)state;
    static sink s;
    memset(&s, 0, sizeof s);
    iiss_activations *acts = iiss_activations_new(NULL, on_record, &s);
    iiss_dce_call c = activation_call(0, sample_create_instance_response, 100);
    c.response.stub_complete = false;
    c.response.stub_is_prefix = true;
    iiss_activations_on_dce_call(acts, &c);
    c = activation_call(1, sample_create_instance_response, sizeof sample_create_instance_response);
    c.request.stub_complete = false;
    iiss_activations_on_dce_call(acts, &c);
    iiss_activations_release(acts, 1);
    assert_int_equal(s.count, 1);
    assert_true(s.last.response_decoded);
    assert_false(s.last.response.complete);
    assert_true(s.last.response.anomalies.count > 0);
    assert_false(s.last.has_ipid);
    iiss_activations_release(acts, 2);
    assert_int_equal(s.count, 2);
    assert_false(s.last.request_decoded);
    assert_int_equal(s.last.note_count, 1);
    assert_int_equal(s.last.notes[0].kind, IISS_NOTE_FRAGMENTS_INCOMPLETE);
    assert_int_equal(s.last.notes[0].frame, 6);
    iiss_activations_free(acts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(record_of_the_sample),
        cmocka_unit_test(other_calls_are_left),
        cmocka_unit_test(release_in_request_order),
        cmocka_unit_test(sealed_fault_and_unanswered),
        cmocka_unit_test(refused_activation),
        cmocka_unit_test(binding_address_and_class),
        cmocka_unit_test(cut_and_holed_stubs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
