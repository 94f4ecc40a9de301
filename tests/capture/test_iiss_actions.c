/* The action stage (iiss_actions.h): call records grouped into iisreset
 * runs, named, judged, with their service states and tags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iiss_actions.h"

#define MAX_SEEN 16

typedef struct seen_actions {
    size_t count;
    iiss_action_record recs[MAX_SEEN];
} seen_actions;

static void on_action(void *user, const iiss_action_record *rec)
{
    seen_actions *seen = user;
    if (seen->count < MAX_SEEN)
        seen->recs[seen->count] = *rec;
    seen->count++;
}

static iiss_endpoint endpoint(uint8_t last_octet, uint16_t port)
{
    iiss_endpoint ep = {.family = 4, .port = port};
    ep.addr[0] = 10;
    ep.addr[3] = last_octet;
    return ep;
}

static const char *method_of(uint16_t opnum)
{
    static const char *const names[] = {"Stop", "Start", "Reboot", "Status", "Kill"};
    return opnum >= 7 && opnum <= 11 ? names[opnum - 7] : NULL;
}

/* A call of client 10.0.0.C to 10.0.0.20 at `sec`, answered 100 ms later
 * with `hresult`, on IPID byte `ipid`. */
static iiss_call_record *make_call(uint64_t seq, uint8_t client, uint16_t opnum, int64_t sec, uint32_t hresult,
                                   uint8_t ipid)
{
    iiss_call_record *rec = calloc(1, sizeof *rec);
    assert_non_null(rec);
    rec->seq = seq;
    rec->client = endpoint(client, 49712);
    rec->server = endpoint(20, 49155);
    rec->opnum = opnum;
    rec->method = method_of(opnum);
    rec->request_meta = (iiss_packet_meta){.frame = seq * 2 + 1, .ts_sec = sec};
    rec->has_response = true;
    rec->response_meta = (iiss_packet_meta){.frame = seq * 2 + 2, .ts_sec = sec, .ts_nsec = 100000000};
    rec->response_decoded = true;
    rec->response.hresult.present = true;
    rec->response.hresult.value = hresult;
    rec->has_ipid = true;
    rec->ipid[0] = ipid;
    return rec;
}

static void feed(iiss_actions *a, iiss_call_record *rec)
{
    iiss_actions_on_call(a, rec);
    free(rec);
}

/* A Status reply showing W3SVC in `state`. */
static void feed_status(iiss_actions *a, uint64_t seq, uint8_t client, int64_t sec, uint32_t state, uint8_t ipid)
{
    iiss_call_record *rec = make_call(seq, client, 10, sec, 0, ipid);
    iiss_service_record svc;
    memset(&svc, 0, sizeof svc);
    char name[] = "W3SVC";
    svc.name.utf8 = name;
    svc.current_state = state;
    rec->has_blob = true;
    rec->blob.service_count = 1;
    rec->blob.services = &svc;
    iiss_actions_on_call(a, rec);
    free(rec);
}

static void test_restart_with_polls(void **state)
{
    (void)state;
    seen_actions seen = {0};
    iiss_actions *a = iiss_actions_new(NULL, on_action, &seen);
    assert_non_null(a);
    /* the size probe answered E_ERROR_INSUFFICIENT_BUFFER is no failure */
    feed(a, make_call(1, 5, 10, 100, 0x8007007Au, 1));
    feed_status(a, 2, 5, 100, 4, 1);
    feed(a, make_call(3, 5, 7, 101, 0, 1));
    feed_status(a, 4, 5, 104, 1, 1);
    feed(a, make_call(5, 5, 8, 105, 0, 1));
    feed_status(a, 6, 5, 107, 4, 1);
    assert_int_equal(seen.count, 0); /* still open */
    iiss_actions_flush(a);
    assert_int_equal(seen.count, 1);
    const iiss_action_record *r = &seen.recs[0];
    assert_int_equal(r->kind, IISS_ACTION_RESTART);
    assert_string_equal(iiss_action_kind_name(r->kind), "/restart");
    assert_int_equal(r->outcome, IISS_OUTCOME_SUCCESS);
    assert_int_equal(r->call_count, 6);
    assert_int_equal(r->calls[2].request_meta.frame, 7);
    assert_int_equal(r->start.ts_sec, 100);
    assert_int_equal(r->end.ts_sec, 107);
    assert_int_equal(r->service_count, 1);
    assert_string_equal(r->services[0].name, "W3SVC");
    assert_int_equal(r->services[0].state_count, 3);
    assert_int_equal(r->services[0].states[0], 4);
    assert_int_equal(r->services[0].states[1], 1);
    assert_int_equal(r->services[0].states[2], 4);
    assert_int_equal(r->tag_count, 2);
    assert_string_equal(r->tags[0]->id, "T1021.003");
    assert_string_equal(r->tags[1]->id, "T1489");
    iiss_actions_free(a);
}

static void test_names(void **state)
{
    (void)state;
    static const struct {
        uint16_t opnums[4];
        size_t n;
        iiss_action_kind kind;
    } cases[] = {
        {{10, 10}, 2, IISS_ACTION_STATUS},   {{10, 7, 10}, 3, IISS_ACTION_STOP},
        {{8, 10}, 2, IISS_ACTION_START},     {{9}, 1, IISS_ACTION_REBOOT},
        {{11}, 1, IISS_ACTION_KILL},         {{7, 11, 8}, 3, IISS_ACTION_RESTART},
        {{7, 11}, 2, IISS_ACTION_STOP},      {{8, 7}, 2, IISS_ACTION_UNKNOWN},
        {{7, 8, 9, 11}, 4, IISS_ACTION_UNKNOWN}, {{3, 10}, 2, IISS_ACTION_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        seen_actions seen = {0};
        iiss_actions *a = iiss_actions_new(NULL, on_action, &seen);
        for (size_t k = 0; k < cases[i].n; k++)
            feed(a, make_call(k + 1, 5, cases[i].opnums[k], 100 + (int64_t)k, 0, 1));
        iiss_actions_free(a);
        assert_int_equal(seen.count, 1);
        assert_int_equal(seen.recs[0].kind, cases[i].kind);
    }
    assert_string_equal(iiss_action_kind_name(IISS_ACTION_UNKNOWN), "unknown");
}

static void test_first_failure(void **state)
{
    (void)state;
    seen_actions seen = {0};
    iiss_actions *a = iiss_actions_new(NULL, on_action, &seen);
    feed(a, make_call(1, 5, 10, 100, 0, 1));
    feed(a, make_call(2, 5, 7, 100, 0x80070005u, 1)); /* E_ACCESSDENIED */
    feed(a, make_call(3, 5, 7, 101, 0x8007041Du, 1));
    iiss_actions_free(a);
    assert_int_equal(seen.count, 1);
    assert_int_equal(seen.recs[0].outcome, IISS_OUTCOME_FAILURE);
    assert_true(seen.recs[0].has_failure);
    assert_int_equal(seen.recs[0].failure_call.opnum, 7);
    assert_int_equal(seen.recs[0].failure_call.result.hresult, 0x80070005u);
    assert_int_equal(seen.recs[0].failure_call.request_meta.frame, 5);
    assert_int_equal(seen.recs[0].kind, IISS_ACTION_UNKNOWN); /* two Stops */
}

static void test_no_response_is_unknown(void **state)
{
    (void)state;
    seen_actions seen = {0};
    iiss_actions *a = iiss_actions_new(NULL, on_action, &seen);
    iiss_call_record *rec = make_call(1, 5, 11, 100, 0, 1);
    rec->has_response = false;
    feed(a, rec);
    iiss_actions_free(a);
    assert_int_equal(seen.count, 1);
    assert_int_equal(seen.recs[0].kind, IISS_ACTION_KILL);
    assert_int_equal(seen.recs[0].outcome, IISS_OUTCOME_UNKNOWN);
    assert_int_equal(seen.recs[0].end.ts_sec, 100);
}

/* Two clients interleaved, a new IPID, and a gap: four actions, in start
 * order, each handed out once no later call can join it. */
static void test_interleaved_ipid_gap(void **state)
{
    (void)state;
    seen_actions seen = {0};
    iiss_actions_config cfg;
    iiss_actions_config_default(&cfg);
    assert_int_equal(cfg.max_gap_ms, 30000);
    iiss_actions *a = iiss_actions_new(&cfg, on_action, &seen);
    feed(a, make_call(1, 5, 7, 100, 0, 1));  /* A: Stop */
    feed(a, make_call(2, 6, 10, 101, 0, 2)); /* B: Status */
    feed(a, make_call(3, 5, 8, 102, 0, 1));  /* A: Start, same IPID */
    feed(a, make_call(4, 6, 10, 103, 0, 2)); /* B: Status */
    feed(a, make_call(5, 5, 10, 104, 0, 3)); /* A again, another IPID: a new run */
    assert_int_equal(seen.count, 1);         /* A's /restart is over */
    assert_int_equal(seen.recs[0].kind, IISS_ACTION_RESTART);
    feed(a, make_call(6, 5, 9, 200, 0, 3)); /* A, same IPID but past the gap */
    assert_int_equal(seen.count, 3);
    iiss_actions_free(a);
    assert_int_equal(seen.count, 4);
    assert_int_equal(seen.recs[1].kind, IISS_ACTION_STATUS);
    assert_int_equal(seen.recs[1].client.addr[3], 6);
    assert_int_equal(seen.recs[1].call_count, 2);
    assert_int_equal(seen.recs[2].kind, IISS_ACTION_STATUS);
    assert_int_equal(seen.recs[3].kind, IISS_ACTION_REBOOT);
    assert_string_equal(seen.recs[3].tags[1]->id, "T1529");
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(seen.recs[i].seq, i + 1);
}

/* An activation starts the run: its time, frame and caller, the IPID it
 * returned; its server name from the Kerberos ticket's host. */
static void test_activation(void **state)
{
    (void)state;
    seen_actions seen = {0};
    iiss_actions *a = iiss_actions_new(NULL, on_action, &seen);
    iiss_ntlm_identity id;
    memset(&id, 0, sizeof id);
    strcpy(id.user, "webadmin");
    strcpy(id.domain, "CONTOSO.LOCAL");
    strcpy(id.service_principal, "host/web01.contoso.local@CONTOSO.LOCAL");
    iiss_action_activation act = {
        .client = endpoint(5, 49711),
        .server = endpoint(20, 135),
        .request_meta = {.frame = 4, .ts_sec = 99},
        .has_response = true,
        .response_meta = {.frame = 6, .ts_sec = 99, .ts_nsec = 50000000},
        .has_ipid = true,
        .identity = &id,
    };
    act.ipid[0] = 1;
    iiss_actions_on_activation(a, &act);
    feed(a, make_call(1, 5, 10, 100, 0, 1));
    feed(a, make_call(2, 5, 10, 100, 0, 9)); /* not the activation's IPID */
    iiss_actions_free(a);
    assert_int_equal(seen.count, 2);
    const iiss_action_record *r = &seen.recs[0];
    assert_true(r->has_activation);
    assert_int_equal(r->activation_frame, 6);
    assert_int_equal(r->start.ts_sec, 99);
    assert_int_equal(r->call_count, 1);
    assert_int_equal(r->server.port, 49155); /* the calls' connection */
    assert_string_equal(r->server_name, "web01.contoso.local");
    assert_string_equal(r->identity.user, "webadmin");
    assert_int_equal(seen.recs[1].call_count, 1);
}

/* More open actions than max_open: the oldest goes out early, in order. */
static void test_max_open(void **state)
{
    (void)state;
    seen_actions seen = {0};
    iiss_actions_config cfg = {.max_open = 2};
    iiss_actions *a = iiss_actions_new(&cfg, on_action, &seen);
    for (uint8_t c = 1; c <= 4; c++)
        feed(a, make_call(c, c, 10, 100, 0, c));
    assert_int_equal(seen.count, 2);
    iiss_actions_stats st;
    iiss_actions_get_stats(a, &st);
    assert_int_equal(st.closed_early, 2);
    iiss_actions_free(a);
    assert_int_equal(seen.count, 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(seen.recs[i].client.addr[3], i + 1);
}

/* States beyond what is kept: the last one stays. */
static void test_states_elided(void **state)
{
    (void)state;
    seen_actions seen = {0};
    iiss_actions *a = iiss_actions_new(NULL, on_action, &seen);
    for (uint64_t i = 0; i < 20; i++)
        feed_status(a, i + 1, 5, 100, (uint32_t)(i % 2 ? 1 : 4), 1);
    feed_status(a, 21, 5, 100, 3, 1);
    iiss_actions_free(a);
    const iiss_action_service *svc = &seen.recs[0].services[0];
    assert_int_equal(svc->state_count, IISS_ACTION_STATES_MAX);
    assert_true(svc->states_elided);
    assert_int_equal(svc->states[IISS_ACTION_STATES_MAX - 1], 3);
    assert_int_equal(seen.recs[0].call_count, 21);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restart_with_polls), cmocka_unit_test(test_names),
        cmocka_unit_test(test_first_failure),      cmocka_unit_test(test_no_response_is_unknown),
        cmocka_unit_test(test_interleaved_ipid_gap), cmocka_unit_test(test_activation),
        cmocka_unit_test(test_max_open),           cmocka_unit_test(test_states_elided),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
