/* The whole capture chain through pipeline.h: files and the per-packet feed
 * give the same IIS call records, each input's records are all out when it
 * ends, zero configs take the defaults. The calls asserted are those of the
 * iisreset-remote sample as its generator's expected file lists them
 * (samples/iisreset-remote.expected.json: frame, opnum, HRESULT). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline.h"

#define MAX_SEEN 16

typedef struct seen {
    size_t n;
    uint64_t frame[MAX_SEEN];
    uint16_t opnum[MAX_SEEN];
    uint32_t hresult[MAX_SEEN];
    bool inferred[MAX_SEEN];
} seen;

static void on_record(void *user, const iiss_call_record *rec)
{
    seen *s = user;
    assert_true(s->n < MAX_SEEN);
    s->frame[s->n] = rec->request_meta.frame;
    s->opnum[s->n] = rec->opnum;
    s->hresult[s->n] = rec->response_decoded && rec->response.hresult.present ? rec->response.hresult.value : 1;
    s->inferred[s->n] = rec->inferred;
    s->n++;
}

static const uint64_t want_frame[] = {16, 18, 20, 23, 25, 28, 30};
static const uint16_t want_opnum[] = {10, 10, 7, 10, 8, 9, 11};
static const uint32_t want_hresult[] = {0x8007007A, 0, 0, 0, 0, 0x80004001, 0};

static void assert_iisreset_calls(const seen *s)
{
    assert_int_equal(s->n, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(s->frame[i], want_frame[i]);
        assert_int_equal(s->opnum[i], want_opnum[i]);
        assert_int_equal(s->hresult[i], want_hresult[i]);
        assert_false(s->inferred[i]);
    }
}

/* The sample's path, in one of a few buffers so two can be used at once. */
static const char *sample(const char *name)
{
    static char paths[2][512];
    static unsigned next;
    char *path = paths[next++ % 2];
    const char *dir = getenv("IISS_SAMPLES_DIR");
    snprintf(path, sizeof paths[0], "%s/%s", dir ? dir : "samples", name);
    return path;
}

static void files_to_records(void **state)
{
    (void)state;
    static seen s;
    memset(&s, 0, sizeof s);
    iiss_pipeline *pl = iiss_pipeline_new(NULL, on_record, &s);
    assert_non_null(pl);
    const char *paths[] = {sample("iisreset-remote.pcap")};
    assert_int_equal(iiss_pipeline_run_files(pl, paths, 1, NULL), 0);
    /* released at the end of the file, not only at free */
    assert_iisreset_calls(&s);
    iiss_pipeline_stats st;
    iiss_pipeline_get_stats(pl, &st);
    assert_int_equal(st.files_ok, 1);
    assert_int_equal(st.calls.bound, 7);
    assert_int_equal(st.dce.calls, st.calls.dce_calls);
    assert_int_equal(iiss_pipeline_alloc_failures(&st), 0);
    iiss_pipeline_free(pl);
    assert_int_equal(s.n, 7);
}

/* A front end of its own (here: the capture file stage read by hand, as a
 * live capture would deliver packets) feeds the same chain. */
static void packets_to_records(void **state)
{
    (void)state;
    static seen s;
    memset(&s, 0, sizeof s);
    iiss_pipeline_config cfg;
    memset(&cfg, 0, sizeof cfg); /* zero: every default */
    iiss_pipeline *pl = iiss_pipeline_new(&cfg, on_record, &s);
    assert_non_null(pl);
    FILE *f = fopen(sample("iisreset-remote.pcap"), "rb");
    assert_non_null(f);
    iiss_capture_file *cf;
    char err[IISS_CAPTURE_ERROR_MAX];
    assert_int_equal(iiss_capture_file_open_stream(f, 0, NULL, &cf, err, sizeof err), IISS_CAPTURE_OPENED);
    iiss_capture_packet pkt;
    while (iiss_capture_file_next(cf, &pkt) == IISS_CAPTURE_PACKET) {
        iiss_packet_meta meta = {.frame = pkt.frame, .ts_sec = pkt.ts_sec, .ts_nsec = pkt.ts_nsec};
        iiss_pipeline_feed(pl, iiss_capture_file_linktype(cf), &meta, pkt.data, pkt.caplen, pkt.wirelen);
    }
    iiss_capture_file_close(cf);
    iiss_pipeline_end_input(pl);
    assert_iisreset_calls(&s);
    iiss_pipeline_stats st;
    iiss_pipeline_get_stats(pl, &st);
    assert_int_equal(st.net.frames, 37); /* the sample's frame count, as tshark counts them */
    iiss_pipeline_free(pl);
}

/* Zero fields take the defaults: a zero max_call_stub is no cap of 0, and a
 * config without no_infer keeps inference on (the midstream sample's calls
 * have no bind). */
static void zero_config_is_default(void **state)
{
    (void)state;
    static seen s;
    memset(&s, 0, sizeof s);
    iiss_pipeline_config cfg;
    memset(&cfg, 0, sizeof cfg);
    iiss_pipeline *pl = iiss_pipeline_new(&cfg, on_record, &s);
    assert_non_null(pl);
    const char *paths[] = {sample("midstream.pcap"), sample("iisreset-remote.pcap")};
    assert_int_equal(iiss_pipeline_run_files(pl, paths, 2, NULL), 0);
    size_t midstream = s.n - 7;
    assert_true(midstream > 0);
    for (size_t i = 0; i < midstream; i++)
        assert_true(s.inferred[i]);
    iiss_pipeline_stats st;
    iiss_pipeline_get_stats(pl, &st);
    assert_int_equal(st.dce.stubs_capped, 0);
    assert_int_equal(st.files_ok, 2);
    /* One budget, the default one; after each input nothing of a
     * connection is held (recycled calls are no connection's). */
    assert_int_equal(st.memory.limit, IISS_MEMORY_DEFAULT_LIMIT);
    assert_true(st.memory.peak > 0 && st.memory.peak < 1024 * 1024);
    assert_true(st.memory.peak_by[IISS_MEMORY_FLOWS] > 0);
    assert_int_equal(st.memory.used_by[IISS_MEMORY_FLOWS], 0);
    assert_int_equal(st.memory.used_by[IISS_MEMORY_OUT_OF_ORDER], 0);
    assert_int_equal(st.memory.used_by[IISS_MEMORY_PARTIAL_PDUS], 0);
    assert_int_equal(st.memory.refusals + st.memory.buffers_shed + st.memory.flows_ended, 0);
    iiss_pipeline_free(pl);

    memset(&s, 0, sizeof s);
    cfg.calls.no_infer = true;
    pl = iiss_pipeline_new(&cfg, on_record, &s);
    assert_non_null(pl);
    assert_int_equal(iiss_pipeline_run_files(pl, paths, 1, NULL), 0);
    assert_int_equal(s.n, 0);
    iiss_pipeline_free(pl);
}

/* One stream of records in request order out of two stages: the
 * activation-interleaved sample (samples/activation-interleaved.expected.json)
 * has 10.0.0.7's activation requested while 10.0.0.5's Stop is running and
 * answered before it: it must come after the Stop and 10.0.0.6's Status,
 * before the Start. Each call names its own client's activation. */
typedef struct merged {
    size_t n;
    char kind[16];            /* 'a'ctivation or 'c'all */
    uint64_t frame[16];
    uint64_t activation_frame[16]; /* calls: 0 when none */
} merged;

static void merged_call(void *user, const iiss_call_record *rec)
{
    merged *m = user;
    assert_true(m->n < 16);
    m->kind[m->n] = 'c';
    m->frame[m->n] = rec->request_meta.frame;
    m->activation_frame[m->n] = rec->has_activation_frame ? rec->activation_frame : 0;
    m->n++;
}

static void merged_activation(void *user, const iiss_activation_record *rec)
{
    merged *m = user;
    assert_true(m->n < 16);
    m->kind[m->n] = 'a';
    m->frame[m->n] = rec->request_meta.frame;
    m->activation_frame[m->n] = 0;
    m->n++;
}

static void activations_in_request_order(void **state)
{
    (void)state;
    static merged m;
    memset(&m, 0, sizeof m);
    iiss_pipeline *pl = iiss_pipeline_new(NULL, merged_call, &m);
    assert_non_null(pl);
    iiss_pipeline_set_activation_fn(pl, merged_activation, &m);
    const char *paths[] = {sample("activation-interleaved.pcap")};
    assert_int_equal(iiss_pipeline_run_files(pl, paths, 1, NULL), 0);
    static const char want_kind[] = "aaccc" "a" "cc";
    static const uint64_t want_frame[] = {6, 16, 26, 29, 36, 43, 49, 52};
    static const uint64_t want_activation[] = {0, 0, 7, 7, 17, 0, 7, 17};
    assert_int_equal(m.n, 8);
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(m.kind[i], want_kind[i]);
        assert_int_equal(m.frame[i], want_frame[i]);
        assert_int_equal(m.activation_frame[i], want_activation[i]);
    }
    iiss_pipeline_stats st;
    iiss_pipeline_get_stats(pl, &st);
    assert_int_equal(st.activations.activations, 3);
    assert_int_equal(st.activations.ipids, 2);
    assert_int_equal(st.activations.out_of_order, 0);
    assert_int_equal(st.calls.out_of_order, 0);
    iiss_pipeline_free(pl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(files_to_records),
        cmocka_unit_test(activations_in_request_order),
        cmocka_unit_test(packets_to_records),
        cmocka_unit_test(zero_config_is_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
