/* The DCE/RPC stage fed with hand-built PDU byte streams (C706 chapter 12,
 * MS-RPCE 2.2.2 layouts written out here), no capture file involved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dcerpc.h"
#include "iiss/names.h"

/* ---- a byte builder ---- */

typedef struct bytes {
    uint8_t d[8192];
    size_t n;
    bool be;
} bytes;

static iiss_dce_stats dce_stats(const iiss_dce *dce)
{
    iiss_dce_stats st;
    iiss_dce_get_stats(dce, &st);
    return st;
}

static void put8(bytes *b, uint8_t v) { b->d[b->n++] = v; }
static void put16(bytes *b, uint16_t v)
{
    if (b->be) { put8(b, (uint8_t)(v >> 8)); put8(b, (uint8_t)v); }
    else { put8(b, (uint8_t)v); put8(b, (uint8_t)(v >> 8)); }
}
static void put32(bytes *b, uint32_t v)
{
    if (b->be) { put16(b, (uint16_t)(v >> 16)); put16(b, (uint16_t)v); }
    else { put16(b, (uint16_t)v); put16(b, (uint16_t)(v >> 16)); }
}
static void put_raw(bytes *b, const void *p, size_t n) { memcpy(b->d + b->n, p, n); b->n += n; }
static void put_le16(bytes *b, uint16_t v) { put8(b, (uint8_t)v); put8(b, (uint8_t)(v >> 8)); }
static void put_le32(bytes *b, uint32_t v) { put_le16(b, (uint16_t)v); put_le16(b, (uint16_t)(v >> 16)); }
static void set16_at(bytes *b, size_t at, uint16_t v)
{
    if (b->be) { b->d[at] = (uint8_t)(v >> 8); b->d[at + 1] = (uint8_t)v; }
    else { b->d[at] = (uint8_t)v; b->d[at + 1] = (uint8_t)(v >> 8); }
}
/* A UUID given with little-endian fields, written in the stream's order. */
static void put_uuid(bytes *b, const uint8_t u[16])
{
    if (!b->be) { put_raw(b, u, 16); return; }
    static const uint8_t order[8] = {3, 2, 1, 0, 5, 4, 7, 6};
    for (size_t i = 0; i < 8; i++) put8(b, u[order[i]]);
    put_raw(b, u + 8, 8);
}

static const uint8_t NDR20[16] = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
                                  0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60};
static const uint8_t NDR64[16] = {0x33, 0x05, 0x71, 0x71, 0xba, 0xbe, 0x37, 0x49,
                                  0x83, 0x19, 0xb5, 0xdb, 0xef, 0x9c, 0xcc, 0x36};
/* bind time feature negotiation 6cb71c2c-9812-4540-0300-000000000000 */
static const uint8_t BTFN[16] = {0x2c, 0x1c, 0xb7, 0x6c, 0x12, 0x98, 0x40, 0x45,
                                 0x03, 0x00, 0, 0, 0, 0, 0, 0};
static const uint8_t OTHER_IF[16] = {0x43, 0x01, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46};
static const uint8_t IPID[16] = {0x01, 0xb0, 0x00, 0x00, 0x1c, 0x0a, 0xff, 0xff,
                                 0x6f, 0x3c, 0x4e, 0x21, 0xa9, 0xd7, 0xc5, 0xb3};

/* Common header; frag_length patched by pdu_end. */
static size_t pdu_begin(bytes *b, uint8_t ptype, uint8_t flags, uint32_t call_id, uint16_t auth_length)
{
    size_t start = b->n;
    put8(b, 5); put8(b, 0); put8(b, ptype); put8(b, flags);
    put8(b, b->be ? 0x00 : 0x10); put8(b, 0); put8(b, 0); put8(b, 0);
    put16(b, 0); put16(b, auth_length); put32(b, call_id);
    return start;
}
static void pdu_end(bytes *b, size_t start) { set16_at(b, start + 8, (uint16_t)(b->n - start)); }

typedef struct ctx_item {
    uint16_t ctx_id;
    const uint8_t *abstract;
    uint16_t major, minor;
    const uint8_t *transfer[2];
    uint32_t transfer_version[2];
    size_t n_transfer;
} ctx_item;

static void put_bind(bytes *b, uint8_t ptype, uint32_t call_id, const ctx_item *items, size_t n,
                     const uint8_t *auth, size_t auth_len, uint8_t auth_level)
{
    size_t s = pdu_begin(b, ptype, 0x03, call_id, (uint16_t)auth_len);
    put16(b, 4280); put16(b, 4280); put32(b, 0);
    put8(b, (uint8_t)n); put8(b, 0); put16(b, 0);
    for (size_t i = 0; i < n; i++) {
        put16(b, items[i].ctx_id); put8(b, (uint8_t)items[i].n_transfer); put8(b, 0);
        put_uuid(b, items[i].abstract); put16(b, items[i].major); put16(b, items[i].minor);
        for (size_t t = 0; t < items[i].n_transfer; t++) {
            put_uuid(b, items[i].transfer[t]);
            put32(b, items[i].transfer_version[t]);
        }
    }
    if (auth_len) {
        put8(b, 10); put8(b, auth_level); put8(b, 0); put8(b, 0); put32(b, 0);
        put_raw(b, auth, auth_len);
    }
    pdu_end(b, s);
}

typedef struct ack_result {
    uint16_t result;
    const uint8_t *transfer;
    uint32_t version;
} ack_result;

static void put_ack(bytes *b, uint8_t ptype, uint32_t call_id, const ack_result *r, size_t n, const uint8_t *auth,
                    size_t auth_len)
{
    size_t s = pdu_begin(b, ptype, 0x03, call_id, (uint16_t)auth_len);
    put16(b, 4280); put16(b, 4280); put32(b, 0x1234);
    put16(b, 6); put_raw(b, "49155", 6);
    while ((b->n - s) % 4) put8(b, 0xAA); /* padding is unspecified */
    put8(b, (uint8_t)n); put8(b, 0); put16(b, 0);
    for (size_t i = 0; i < n; i++) {
        put16(b, r[i].result); put16(b, r[i].result ? 2 : 0);
        if (r[i].transfer) put_uuid(b, r[i].transfer); else { for (int k = 0; k < 16; k++) put8(b, 0); }
        put32(b, r[i].version);
    }
    if (auth_len) {
        put8(b, 10); put8(b, 6); put8(b, 0); put8(b, 0); put32(b, 0);
        put_raw(b, auth, auth_len);
    }
    pdu_end(b, s);
}

typedef struct auth_opts {
    uint8_t level;   /* 0: no auth */
    uint8_t pad;     /* auth_pad_length */
} auth_opts;

static void put_request(bytes *b, uint8_t flags, uint32_t call_id, uint16_t ctx, uint16_t opnum, bool object,
                        const uint8_t *stub, size_t stub_len, uint32_t alloc_hint, const auth_opts *auth)
{
    size_t s = pdu_begin(b, 0, (uint8_t)(flags | (object ? 0x80 : 0)), call_id, auth && auth->level ? 16 : 0);
    put32(b, alloc_hint); put16(b, ctx); put16(b, opnum);
    if (object) put_uuid(b, IPID);
    put_raw(b, stub, stub_len);
    if (auth && auth->level) {
        for (int i = 0; i < auth->pad; i++) put8(b, 0xEE);
        put8(b, 10); put8(b, auth->level); put8(b, auth->pad); put8(b, 0); put32(b, 0);
        for (int i = 0; i < 16; i++) put8(b, 0x5A);
    }
    pdu_end(b, s);
}

static void put_response(bytes *b, uint8_t flags, uint32_t call_id, const uint8_t *stub, size_t stub_len,
                         const auth_opts *auth)
{
    size_t s = pdu_begin(b, 2, flags, call_id, auth && auth->level ? 16 : 0);
    put32(b, (uint32_t)stub_len); put16(b, 0); put8(b, 0); put8(b, 0);
    put_raw(b, stub, stub_len);
    if (auth && auth->level) {
        for (int i = 0; i < auth->pad; i++) put8(b, 0xEE);
        put8(b, 10); put8(b, auth->level); put8(b, auth->pad); put8(b, 0); put32(b, 0);
        for (int i = 0; i < 16; i++) put8(b, 0x5A);
    }
    pdu_end(b, s);
}

static void put_fault(bytes *b, uint32_t call_id, uint32_t status)
{
    size_t s = pdu_begin(b, 3, 0x23, call_id, 0);
    put32(b, 0); put16(b, 0); put8(b, 0); put8(b, 0); put32(b, status); put32(b, 0);
    pdu_end(b, s);
}

/* ---- the stage under test, recording what it emits ---- */

#define MAX_SEEN 16
typedef struct seen_call {
    iiss_dce_call call;
    uint8_t req_stub[4096];
    uint8_t resp_stub[4096];
    iiss_ntlm_identity identity;
    bool has_identity;
} seen_call;

typedef struct harness {
    iiss_dce *dce;
    iiss_tcp_stream stream;
    size_t count;
    seen_call seen[MAX_SEEN];
    uint64_t frame;
} harness;

static void on_call(void *user, const iiss_dce_call *call)
{
    harness *h = user;
    assert_true(h->count < MAX_SEEN);
    seen_call *s = &h->seen[h->count++];
    s->call = *call;
    if (call->request.stub) {
        assert_true(call->request.stub_len <= sizeof s->req_stub);
        memcpy(s->req_stub, call->request.stub, call->request.stub_len);
    }
    if (call->response.stub) {
        assert_true(call->response.stub_len <= sizeof s->resp_stub);
        memcpy(s->resp_stub, call->response.stub, call->response.stub_len);
    }
    if (call->identity) {
        s->identity = *call->identity;
        s->has_identity = true;
    }
}

static harness *harness_new(const iiss_dce_config *cfg)
{
    harness *h = calloc(1, sizeof *h);
    h->dce = iiss_dce_new(cfg, on_call, h);
    h->stream.id = 1;
    h->stream.client.family = 4;
    h->stream.client.port = 49712;
    h->stream.server.family = 4;
    h->stream.server.port = 49155;
    return h;
}

static void feed(harness *h, iiss_direction dir, const uint8_t *data, size_t len)
{
    iiss_packet_meta meta = {.frame = ++h->frame, .ts_sec = 1715679000 + (int64_t)h->frame, .ts_nsec = 0};
    iiss_dce_on_data(h->dce, &h->stream, dir, data, len, &meta);
}

static void harness_free(harness *h)
{
    iiss_dce_on_close(h->dce, &h->stream);
    iiss_dce_free(h->dce);
    free(h);
}

static const uint8_t REQ_STUB[] = {5, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8,
                                   9, 10, 11, 12, 13, 14, 15, 16, 0, 0, 0, 0, 0x20, 0x4e, 0, 0, 1, 0, 0, 0};
static const uint8_t RESP_STUB[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

static void bind_iiss(bytes *c, bytes *s)
{
    ctx_item items[2] = {
        {.ctx_id = 0, .abstract = iiss_iid_bytes, .transfer = {NDR20}, .transfer_version = {2}, .n_transfer = 1},
        {.ctx_id = 1, .abstract = OTHER_IF, .transfer = {NDR20}, .transfer_version = {2}, .n_transfer = 1},
    };
    put_bind(c, 11, 1, items, 2, NULL, 0, 0);
    ack_result r[2] = {{0, NDR20, 2}, {0, NDR20, 2}};
    put_ack(s, 12, 1, r, 2, NULL, 0);
}

/* ---- tests ---- */

static void several_pdus_per_chunk(void **state)
{
    (void)state;
    harness *h = harness_new(NULL);
    bytes c = {0}, s = {0};
    bind_iiss(&c, &s);
    put_request(&c, 0x03, 2, 0, 7, true, REQ_STUB, sizeof REQ_STUB, sizeof REQ_STUB, NULL);
    put_request(&c, 0x03, 3, 1, 4, false, REQ_STUB, 8, 8, NULL);
    put_response(&s, 0x03, 2, RESP_STUB, sizeof RESP_STUB, NULL);
    put_response(&s, 0x03, 3, RESP_STUB, 8, NULL);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, c.d, c.n); /* frame 1: bind + two requests */
    feed(h, IISS_DIR_SERVER_TO_CLIENT, s.d, s.n); /* frame 2: ack + two responses */
    assert_int_equal(h->count, 2);
    const iiss_dce_call *a = &h->seen[0].call;
    assert_int_equal(a->call_id, 2);
    assert_int_equal(a->opnum, 7);
    assert_int_equal(a->ctx_id, 0);
    assert_true(a->context_known);
    assert_memory_equal(a->abstract_uuid, iiss_iid_bytes, 16);
    assert_int_equal(a->transfer_syntax, IISS_DCE_SYNTAX_NDR20);
    assert_true(a->has_object);
    assert_memory_equal(a->object, IPID, 16);
    assert_int_equal(a->request.stub_len, sizeof REQ_STUB);
    assert_memory_equal(h->seen[0].req_stub, REQ_STUB, sizeof REQ_STUB);
    assert_true(a->request.stub_complete);
    assert_false(a->request.big_endian);
    assert_true(a->response.present);
    assert_int_equal(a->response.stub_len, sizeof RESP_STUB);
    assert_int_equal(a->request.meta.frame, 1);
    assert_int_equal(a->response.meta.frame, 2);
    assert_int_equal(a->seq, 0);
    const iiss_dce_call *b = &h->seen[1].call;
    assert_int_equal(b->call_id, 3);
    assert_int_equal(b->opnum, 4);
    assert_memory_equal(b->abstract_uuid, OTHER_IF, 16);
    assert_false(b->has_object);
    assert_int_equal(b->oldest_pending_seq, 2); /* nothing left pending */
    harness_free(h);
}

/* The same conversation cut at every byte position of each direction. */
static void pdu_split_at_every_byte(void **state)
{
    (void)state;
    bytes c = {0}, s = {0};
    bind_iiss(&c, &s);
    put_request(&c, 0x03, 2, 0, 10, true, REQ_STUB, sizeof REQ_STUB, 0, NULL);
    put_response(&s, 0x03, 2, RESP_STUB, sizeof RESP_STUB, NULL);
    for (size_t cut = 1; cut < c.n; cut++) {
        harness *h = harness_new(NULL);
        feed(h, IISS_DIR_CLIENT_TO_SERVER, c.d, cut);
        feed(h, IISS_DIR_CLIENT_TO_SERVER, c.d + cut, c.n - cut);
        size_t scut = cut % s.n ? cut % s.n : 1;
        feed(h, IISS_DIR_SERVER_TO_CLIENT, s.d, scut);
        feed(h, IISS_DIR_SERVER_TO_CLIENT, s.d + scut, s.n - scut);
        assert_int_equal(h->count, 1);
        const iiss_dce_call *a = &h->seen[0].call;
        assert_int_equal(a->opnum, 10);
        assert_true(a->context_known);
        assert_int_equal(a->request.stub_len, sizeof REQ_STUB);
        assert_memory_equal(h->seen[0].req_stub, REQ_STUB, sizeof REQ_STUB);
        assert_int_equal(a->response.stub_len, sizeof RESP_STUB);
        assert_int_equal(a->request.meta.frame, 2); /* the chunk that completed it */
        assert_int_equal(a->response.meta.frame, scut == s.n ? 3 : 4);
        harness_free(h);
    }
    /* and byte by byte */
    harness *h = harness_new(NULL);
    for (size_t i = 0; i < c.n; i++)
        feed(h, IISS_DIR_CLIENT_TO_SERVER, c.d + i, 1);
    for (size_t i = 0; i < s.n; i++)
        feed(h, IISS_DIR_SERVER_TO_CLIENT, s.d + i, 1);
    assert_int_equal(h->count, 1);
    assert_memory_equal(h->seen[0].req_stub, REQ_STUB, sizeof REQ_STUB);
    assert_int_equal(h->seen[0].call.request.meta.frame, c.n);
    assert_int_equal(h->seen[0].call.response.meta.frame, c.n + s.n);
    harness_free(h);
}

static void fragments_reassembled(void **state)
{
    (void)state;
    harness *h = harness_new(NULL);
    bytes c = {0}, s = {0};
    bind_iiss(&c, &s);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, c.d, c.n);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, s.d, s.n);
    uint8_t big[300];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i * 7);
    bytes r1 = {0}, r2 = {0}, r3 = {0};
    put_request(&r1, 0x01, 5, 0, 10, true, REQ_STUB, 16, 40, NULL);
    put_request(&r2, 0x00, 5, 0, 10, true, REQ_STUB + 16, 16, 24, NULL);
    put_request(&r3, 0x02, 5, 0, 10, true, REQ_STUB + 32, 8, 8, NULL);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, r1.d, r1.n);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, r2.d, r2.n);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, r3.d, r3.n); /* frame 5 */
    bytes p = {0};
    put_response(&p, 0x01, 5, big, 100, NULL);
    put_response(&p, 0x00, 5, big + 100, 100, NULL);
    put_response(&p, 0x02, 5, big + 200, 100, NULL);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, p.d, 150);
    assert_int_equal(h->count, 0);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, p.d + 150, p.n - 150); /* frame 7 */
    assert_int_equal(h->count, 1);
    const iiss_dce_call *a = &h->seen[0].call;
    assert_int_equal(a->request.fragments, 3);
    assert_int_equal(a->request.stub_len, sizeof REQ_STUB);
    assert_memory_equal(h->seen[0].req_stub, REQ_STUB, sizeof REQ_STUB);
    assert_int_equal(a->request.meta.frame, 5);
    assert_int_equal(a->response.fragments, 3);
    assert_int_equal(a->response.stub_len, 300);
    assert_memory_equal(h->seen[0].resp_stub, big, 300);
    assert_int_equal(a->response.meta.frame, 7);
    assert_true(a->response.stub_complete);
    harness_free(h);
}

static void big_endian_drep(void **state)
{
    (void)state;
    harness *h = harness_new(NULL);
    bytes c = {.be = true}, s = {.be = true};
    bind_iiss(&c, &s);
    put_request(&c, 0x03, 0x01020304, 0, 8, true, REQ_STUB, sizeof REQ_STUB, 0x11223344, NULL);
    put_response(&s, 0x03, 0x01020304, RESP_STUB, sizeof RESP_STUB, NULL);
    /* the header really is big-endian */
    assert_int_equal(c.d[c.n - 40 - 16 - 24 + 8], 0);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, c.d, c.n);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, s.d, s.n);
    assert_int_equal(h->count, 1);
    const iiss_dce_call *a = &h->seen[0].call;
    assert_int_equal(a->call_id, 0x01020304);
    assert_int_equal(a->opnum, 8);
    assert_true(a->context_known);
    assert_memory_equal(a->abstract_uuid, iiss_iid_bytes, 16); /* UUID normalised */
    assert_memory_equal(a->object, IPID, 16);
    assert_true(a->request.big_endian);
    assert_true(a->response.big_endian);
    assert_memory_equal(h->seen[0].req_stub, REQ_STUB, sizeof REQ_STUB);
    harness_free(h);
}

static void bind_ack_mapping(void **state)
{
    (void)state;
    harness *h = harness_new(NULL);
    bytes c = {0}, s = {0};
    ctx_item items[4] = {
        {.ctx_id = 0, .abstract = iiss_iid_bytes, .transfer = {NDR20, NDR64}, .transfer_version = {2, 1},
         .n_transfer = 2},
        {.ctx_id = 1, .abstract = OTHER_IF, .transfer = {NDR20}, .transfer_version = {2}, .n_transfer = 1},
        {.ctx_id = 2, .abstract = iiss_iid_bytes, .transfer = {BTFN}, .transfer_version = {1}, .n_transfer = 1},
        {.ctx_id = 7, .abstract = iiss_iid_bytes, .transfer = {NDR20}, .transfer_version = {2}, .n_transfer = 1},
    };
    put_bind(&c, 11, 1, items, 4, NULL, 0, 0);
    /* ctx 0: NDR64 accepted; ctx 1: provider rejection; ctx 2: negotiation
     * ack (result 3) not a context; ctx 7: accepted NDR20 */
    ack_result r[4] = {{0, NDR64, 1}, {2, NULL, 0}, {3, NULL, 0}, {0, NDR20, 2}};
    put_ack(&s, 12, 1, r, 4, NULL, 0);
    for (uint16_t ctx = 0; ctx < 3; ctx++)
        put_request(&c, 0x03, 10u + ctx, ctx, 9, false, REQ_STUB, 8, 8, NULL);
    put_request(&c, 0x03, 13, 7, 9, false, REQ_STUB, 8, 8, NULL);
    for (uint32_t id = 10; id < 14; id++)
        put_response(&s, 0x03, id, RESP_STUB, 8, NULL);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, c.d, c.n);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, s.d, s.n);
    assert_int_equal(h->count, 4);
    assert_true(h->seen[0].call.context_known);
    assert_int_equal(h->seen[0].call.transfer_syntax, IISS_DCE_SYNTAX_NDR64);
    assert_false(h->seen[1].call.context_known);
    assert_false(h->seen[2].call.context_known);
    assert_true(h->seen[3].call.context_known);
    assert_int_equal(h->seen[3].call.ctx_id, 7);
    assert_int_equal(h->seen[3].call.transfer_syntax, IISS_DCE_SYNTAX_NDR20);

    /* alter_context adds a context on the same connection */
    bytes c2 = {0}, s2 = {0};
    ctx_item alter = {.ctx_id = 1, .abstract = iiss_iid_bytes, .transfer = {NDR20}, .transfer_version = {2},
                      .n_transfer = 1};
    put_bind(&c2, 14, 20, &alter, 1, NULL, 0, 0);
    ack_result ar = {0, NDR20, 2};
    put_ack(&s2, 15, 20, &ar, 1, NULL, 0);
    put_request(&c2, 0x03, 21, 1, 11, false, REQ_STUB, 8, 8, NULL);
    put_response(&s2, 0x03, 21, RESP_STUB, 8, NULL);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, c2.d, c2.n);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, s2.d, s2.n);
    assert_int_equal(h->count, 5);
    assert_true(h->seen[4].call.context_known);
    assert_memory_equal(h->seen[4].call.abstract_uuid, iiss_iid_bytes, 16);
    harness_free(h);
}

static void fault_matched(void **state)
{
    (void)state;
    harness *h = harness_new(NULL);
    bytes c = {0}, s = {0};
    bind_iiss(&c, &s);
    put_request(&c, 0x03, 2, 0, 7, true, REQ_STUB, 36, 36, NULL);
    put_fault(&s, 2, 0x000006F7);
    put_fault(&s, 99, 0x1C010002); /* answers nothing: ignored */
    feed(h, IISS_DIR_CLIENT_TO_SERVER, c.d, c.n);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, s.d, s.n);
    assert_int_equal(h->count, 1);
    assert_true(h->seen[0].call.is_fault);
    assert_int_equal(h->seen[0].call.fault_status, 0x6F7);
    assert_true(h->seen[0].call.response.present);
    assert_null(h->seen[0].call.response.stub);
    harness_free(h);
}

static void sealed_and_signed(void **state)
{
    (void)state;
    harness *h = harness_new(NULL);
    bytes c = {0}, s = {0};
    bind_iiss(&c, &s);
    auth_opts privacy = {.level = 6, .pad = 8};
    auth_opts integrity = {.level = 5, .pad = 8};
    put_request(&c, 0x03, 2, 0, 7, true, REQ_STUB, 40, 40, &privacy);
    put_response(&s, 0x03, 2, RESP_STUB, 8, &privacy);
    put_request(&c, 0x03, 3, 0, 8, true, REQ_STUB, 40, 40, &integrity);
    put_response(&s, 0x03, 3, RESP_STUB, 8, &integrity);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, c.d, c.n);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, s.d, s.n);
    assert_int_equal(h->count, 2);
    const iiss_dce_call *a = &h->seen[0].call;
    assert_true(a->request.sealed);
    assert_null(a->request.stub);
    assert_true(a->request.has_auth);
    assert_int_equal(a->request.auth_type, 10);
    assert_int_equal(a->request.auth_level, 6);
    assert_true(a->response.sealed);
    const iiss_dce_call *b = &h->seen[1].call;
    assert_false(b->request.sealed);
    /* the stub stops auth_pad_length bytes before the sec_trailer */
    assert_int_equal(b->request.stub_len, 40);
    assert_memory_equal(h->seen[1].req_stub, REQ_STUB, 40);
    assert_int_equal(b->response.stub_len, 8);
    /* a padding length beyond the body is malformed, not a crash */
    harness *h2 = harness_new(NULL);
    bytes c2 = {0}, s2 = {0};
    bind_iiss(&c2, &s2);
    auth_opts bad = {.level = 5, .pad = 0};
    put_request(&c2, 0x03, 2, 0, 7, false, REQ_STUB, 4, 4, &bad);
    c2.d[c2.n - 16 - 8 + 2] = 200; /* auth_pad_length */
    feed(h2, IISS_DIR_CLIENT_TO_SERVER, c2.d, c2.n);
    iiss_dce_on_close(h2->dce, &h2->stream);
    assert_int_equal(h2->count, 1);
    assert_int_equal(h2->seen[0].call.request.stub_len, 0);
    assert_int_equal(h2->seen[0].call.notes[0].kind, IISS_NOTE_PDU_MALFORMED);
    harness_free(h2);
    harness_free(h);
}

/* Hand-written NTLMSSP messages (MS-NLMP 2.2.1.2 and 2.2.1.3). */
static void put_utf16(bytes *b, const char *ascii)
{
    for (const char *p = ascii; *p; p++) put_le16(b, (uint8_t)*p);
}

static size_t build_challenge(uint8_t *out)
{
    bytes m = {0};
    put_raw(&m, "NTLMSSP", 8);
    put_le32(&m, 2);
    put_le16(&m, 14); put_le16(&m, 14); put_le32(&m, 56);   /* TargetName "CONTOSO" */
    put_le32(&m, 0xE2898215);                               /* flags, UNICODE set */
    put_raw(&m, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);     /* ServerChallenge */
    put_raw(&m, "\0\0\0\0\0\0\0\0", 8);                     /* Reserved */
    size_t info_len = 4 + 10 + 4 + 14 + 4 + 38 + 4;
    put_le16(&m, (uint16_t)info_len); put_le16(&m, (uint16_t)info_len); put_le32(&m, 70);
    put_raw(&m, "\x0a\x00\x63\x45\x00\x00\x00\x0f", 8);     /* Version */
    put_utf16(&m, "CONTOSO");                               /* at 56 */
    /* target info at 70 */
    put_le16(&m, 1); put_le16(&m, 10); put_utf16(&m, "WEB01");
    put_le16(&m, 2); put_le16(&m, 14); put_utf16(&m, "CONTOSO");
    put_le16(&m, 3); put_le16(&m, 38); put_utf16(&m, "web01.contoso.local");
    put_le16(&m, 0); put_le16(&m, 0);
    memcpy(out, m.d, m.n);
    return m.n;
}

static size_t build_authenticate(uint8_t *out, uint16_t user_len_override)
{
    bytes m = {0};
    put_raw(&m, "NTLMSSP", 8);
    put_le32(&m, 3);
    /* payload starts at 88: domain, user, workstation, then dummy LM/NT */
    uint32_t at = 88;
    uint16_t dom = 14, user = 16, ws = 16;
    put_le16(&m, 24); put_le16(&m, 24); put_le32(&m, at + dom + user + ws);       /* LM */
    put_le16(&m, 24); put_le16(&m, 24); put_le32(&m, at + dom + user + ws + 24);  /* NT */
    put_le16(&m, dom); put_le16(&m, dom); put_le32(&m, at);
    put_le16(&m, user_len_override ? user_len_override : user); put_le16(&m, user); put_le32(&m, at + dom);
    put_le16(&m, ws); put_le16(&m, ws); put_le32(&m, at + dom + user);
    put_le16(&m, 0); put_le16(&m, 0); put_le32(&m, 0);                            /* session key */
    put_le32(&m, 0xE2888215);                                                     /* flags, UNICODE */
    while (m.n < 88) put8(&m, 0);                                                 /* version + MIC */
    put_utf16(&m, "CONTOSO");
    put_utf16(&m, "webadmin");
    put_utf16(&m, "ADMIN-PC");
    for (int i = 0; i < 48; i++) put8(&m, 0x11);
    memcpy(out, m.d, m.n);
    return m.n;
}

static void ntlmssp_identity(void **state)
{
    (void)state;
    harness *h = harness_new(NULL);
    bytes c = {0}, s = {0};
    uint8_t negotiate[40] = "NTLMSSP";
    negotiate[8] = 1;
    ctx_item item = {.ctx_id = 0, .abstract = iiss_iid_bytes, .transfer = {NDR20}, .transfer_version = {2},
                     .n_transfer = 1};
    put_bind(&c, 11, 1, &item, 1, negotiate, sizeof negotiate, 6);
    uint8_t challenge[256];
    size_t clen = build_challenge(challenge);
    while (clen % 4) challenge[clen++] = 0;
    ack_result r = {0, NDR20, 2};
    put_ack(&s, 12, 1, &r, 1, challenge, clen);
    uint8_t authenticate[256];
    size_t alen = build_authenticate(authenticate, 0);
    size_t a3 = pdu_begin(&c, 16, 0x03, 1, (uint16_t)alen);
    put32(&c, 0); /* auth3 pad */
    put8(&c, 10); put8(&c, 6); put8(&c, 0); put8(&c, 0); put32(&c, 0);
    put_raw(&c, authenticate, alen);
    pdu_end(&c, a3);
    auth_opts privacy = {.level = 6, .pad = 8};
    put_request(&c, 0x03, 2, 0, 11, true, REQ_STUB, 40, 40, &privacy);
    put_response(&s, 0x03, 2, RESP_STUB, 8, &privacy);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, c.d, c.n);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, s.d, s.n);
    assert_int_equal(h->count, 1);
    assert_true(h->seen[0].has_identity);
    assert_string_equal(h->seen[0].identity.domain, "CONTOSO");
    assert_string_equal(h->seen[0].identity.user, "webadmin");
    assert_string_equal(h->seen[0].identity.workstation, "ADMIN-PC");
    assert_string_equal(h->seen[0].identity.server_netbios, "WEB01");
    assert_string_equal(h->seen[0].identity.server_dns, "web01.contoso.local");
    assert_true(h->seen[0].call.bind_has_auth);
    assert_int_equal(h->seen[0].call.bind_auth_level, 6);
    harness_free(h);

    /* a security buffer pointing past the message yields an empty name */
    iiss_ntlm_identity id;
    memset(&id, 0, sizeof id);
    alen = build_authenticate(authenticate, 0xFFF0);
    assert_int_equal(iiss_ntlmssp_read_identity(authenticate, alen, &id), IISS_NTLM_AUTHENTICATE);
    assert_string_equal(id.user, "");
    assert_string_equal(id.domain, "CONTOSO");
    /* truncated message: nothing, no read past the end */
    assert_int_equal(iiss_ntlmssp_read_identity(authenticate, 20, &id), IISS_NTLM_NONE);
    /* inside a SPNEGO wrapper: found by its signature */
    uint8_t wrapped[300] = {0xa1, 0x81, 0xf0, 0x30, 0x81, 0xed};
    alen = build_authenticate(wrapped + 6, 0);
    memset(&id, 0, sizeof id);
    assert_int_equal(iiss_ntlmssp_read_identity(wrapped, alen + 6, &id), IISS_NTLM_AUTHENTICATE);
    assert_string_equal(id.workstation, "ADMIN-PC");
}

static void hostile_lengths(void **state)
{
    (void)state;
    harness *h = harness_new(NULL);
    bytes c = {0}, s = {0};
    bind_iiss(&c, &s);
    /* alloc_hint 0xFFFFFFFF is only a hint */
    put_request(&c, 0x03, 2, 0, 7, true, REQ_STUB, sizeof REQ_STUB, 0xFFFFFFFF, NULL);
    /* frag_length below the header: not a header, skipped */
    size_t bad = pdu_begin(&c, 0, 0x03, 3, 0);
    put32(&c, 0);
    set16_at(&c, bad + 8, 8);
    /* auth_length beyond frag_length: skipped too */
    size_t bad2 = pdu_begin(&c, 0, 0x03, 4, 0xFFF0);
    put32(&c, 0); put32(&c, 0);
    pdu_end(&c, bad2);
    put_request(&c, 0x03, 5, 0, 11, true, REQ_STUB, 32, 32, NULL);
    put_response(&s, 0x03, 2, RESP_STUB, sizeof RESP_STUB, NULL);
    put_response(&s, 0x03, 5, RESP_STUB, sizeof RESP_STUB, NULL);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, c.d, c.n);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, s.d, s.n);
    assert_int_equal(h->count, 2);
    assert_int_equal(h->seen[0].call.call_id, 2);
    assert_int_equal(h->seen[0].call.request.stub_len, sizeof REQ_STUB);
    assert_int_equal(h->seen[1].call.call_id, 5);
    assert_int_equal(h->seen[1].call.opnum, 11);
    /* framing was lost once and exactly the two bad PDUs were passed over */
    assert_int_equal(dce_stats(h->dce).resyncs, 1);
    assert_int_equal(dce_stats(h->dce).bytes_skipped, 20 + 24);
    /* a frag_length of 65535 that never completes: buffered, bounded, no call */
    bytes big = {0};
    size_t st = pdu_begin(&big, 0, 0x03, 6, 0);
    put32(&big, 0); put16(&big, 0); put16(&big, 7);
    set16_at(&big, st + 8, 0xFFFF);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, big.d, big.n);
    assert_int_equal(h->count, 2);
    harness_free(h);

    /* a stub cap: a call whose fragments exceed it is flagged, not grown */
    iiss_dce_config cfg;
    iiss_dce_config_default(&cfg);
    cfg.max_call_stub = 64;
    h = harness_new(&cfg);
    bytes c2 = {0}, s2 = {0};
    bind_iiss(&c2, &s2);
    uint8_t chunk[48] = {0};
    put_request(&c2, 0x03, 2, 0, 10, false, REQ_STUB, 36, 36, NULL);
    put_response(&s2, 0x01, 2, chunk, 48, NULL);
    put_response(&s2, 0x00, 2, chunk, 48, NULL);
    put_response(&s2, 0x02, 2, chunk, 48, NULL);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, c2.d, c2.n);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, s2.d, s2.n);
    assert_int_equal(h->count, 1);
    assert_false(h->seen[0].call.response.stub_complete);
    assert_true(h->seen[0].call.response.stub_len <= 64);
    assert_int_equal(h->seen[0].call.notes[0].kind, IISS_NOTE_STUB_TOO_LARGE);
    harness_free(h);
}

/* Every buffer is charged to the one memory budget: a PDU that cannot be
 * buffered is handed on as far as it came, its call noted limit_reached, and
 * the framing holds; a stub stops growing, kept as a prefix. */
static void memory_budget_setup(harness *h)
{
    bytes c = {0}, s = {0};
    bind_iiss(&c, &s);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, c.d, c.n);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, s.d, s.n);
    bytes r = {0};
    put_request(&r, 0x03, 2, 0, 10, false, REQ_STUB, 36, 36, NULL);
    put_request(&r, 0x03, 3, 0, 11, false, REQ_STUB, 32, 32, NULL);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, r.d, r.n);
}

static void memory_budget(void **state)
{
    (void)state;
    /* What the connection and its two waiting calls cost, measured. */
    harness *probe = harness_new(NULL);
    memory_budget_setup(probe);
    iiss_memory_stats ms;
    iiss_memory_get_stats(iiss_dce_memory(probe->dce), &ms);
    uint64_t setup_cost = ms.used;
    assert_true(setup_cost > 0);
    assert_int_equal(ms.used_by[IISS_MEMORY_FLOWS] + ms.used_by[IISS_MEMORY_CALL_SLOTS] + ms.used_by[IISS_MEMORY_STUBS],
                     setup_cost);
    harness_free(probe);

    iiss_memory_config mc = {.limit = setup_cost + 1024};
    iiss_memory_budget *budget = iiss_memory_budget_new(&mc);
    iiss_dce_config cfg;
    iiss_dce_config_default(&cfg);
    cfg.memory = budget;
    harness *h = harness_new(&cfg);
    memory_budget_setup(h);
    uint8_t big[1500];
    memset(big, 0x33, sizeof big);
    bytes p = {0};
    put_response(&p, 0x03, 2, big, sizeof big, NULL);       /* 1524 bytes: over the 1024 left */
    put_response(&p, 0x03, 3, RESP_STUB, sizeof RESP_STUB, NULL);
    /* the big response arrives in two chunks, so it would need buffering */
    feed(h, IISS_DIR_SERVER_TO_CLIENT, p.d, 700);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, p.d + 700, p.n - 700);
    assert_int_equal(h->count, 2);
    const iiss_dce_call *cut = &h->seen[0].call;
    assert_int_equal(cut->call_id, 2);
    assert_true(cut->response.present);
    assert_false(cut->response.stub_complete);
    assert_int_equal(cut->notes[0].kind, IISS_NOTE_LIMIT_REACHED);
    assert_non_null(strstr(cut->notes[0].message, "700 of 1524 bytes"));
    /* the framing held: the next response is whole */
    assert_int_equal(h->seen[1].call.call_id, 3);
    assert_true(h->seen[1].call.response.stub_complete);
    assert_int_equal(dce_stats(h->dce).pdus_dropped, 1);
    assert_int_equal(dce_stats(h->dce).pdus_truncated, 0);
    iiss_memory_get_stats(budget, &ms);
    assert_true(ms.peak <= mc.limit);
    assert_true(ms.refusals >= 1);
    /* fragments of 600 bytes: the stub stops at the budget, kept as a prefix */
    bytes r2 = {0}, p2 = {0};
    put_request(&r2, 0x03, 4, 0, 10, false, REQ_STUB, 36, 36, NULL);
    put_response(&p2, 0x01, 4, big, 600, NULL);
    put_response(&p2, 0x00, 4, big, 600, NULL);
    put_response(&p2, 0x02, 4, big, 600, NULL);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, r2.d, r2.n);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, p2.d, p2.n);
    assert_int_equal(h->count, 3);
    const iiss_dce_call *a = &h->seen[2].call;
    assert_int_equal(a->call_id, 4);
    assert_false(a->response.stub_complete);
    assert_true(a->response.stub_is_prefix);
    assert_true(a->response.stub_len >= 600 && a->response.stub_len < 1800);
    assert_int_equal(a->notes[0].kind, IISS_NOTE_LIMIT_REACHED);
    assert_int_equal(dce_stats(h->dce).stubs_capped, 0);
    assert_true(dce_stats(h->dce).stubs_cut_by_memory >= 1);
    harness_free(h);
    iiss_memory_get_stats(budget, &ms);
    assert_int_equal(ms.used_by[IISS_MEMORY_FLOWS], 0);
    assert_int_equal(ms.used_by[IISS_MEMORY_PARTIAL_PDUS], 0);
    iiss_memory_budget_free(budget);
}

static void resync_after_gap(void **state)
{
    (void)state;
    harness *h = harness_new(NULL);
    bytes c = {0}, s = {0};
    bind_iiss(&c, &s);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, c.d, c.n);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, s.d, s.n);
    bytes r = {0};
    put_request(&r, 0x03, 2, 0, 7, true, REQ_STUB, sizeof REQ_STUB, 40, NULL);
    /* half a request, then a gap: the rest arrives without its start */
    feed(h, IISS_DIR_CLIENT_TO_SERVER, r.d, 30);
    iiss_packet_meta meta = {.frame = ++h->frame};
    iiss_dce_on_gap(h->dce, &h->stream, IISS_DIR_CLIENT_TO_SERVER, 500, &meta);
    bytes after = {0};
    put_raw(&after, r.d + 50, r.n - 50);        /* tail of the lost PDU */
    put_raw(&after, "\x05\x00\xff\x05\x00", 5); /* junk that starts like a header */
    put_request(&after, 0x03, 3, 0, 8, true, REQ_STUB, sizeof REQ_STUB, 40, NULL);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, after.d, after.n);
    bytes resp = {0};
    put_response(&resp, 0x03, 3, RESP_STUB, sizeof RESP_STUB, NULL);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, resp.d, resp.n);
    assert_int_equal(h->count, 1);
    const iiss_dce_call *a = &h->seen[0].call;
    assert_int_equal(a->call_id, 3);
    assert_int_equal(a->opnum, 8);
    assert_true(a->context_known); /* contexts survive the gap */
    assert_memory_equal(h->seen[0].req_stub, REQ_STUB, sizeof REQ_STUB);
    assert_int_equal(a->note_count, 1);
    assert_int_equal(a->notes[0].kind, IISS_NOTE_TCP_GAP);
    assert_string_equal(iiss_note_kind_name(a->notes[0].kind), "tcp_gap");

    /* a gap in the response direction while a call waits: noted on it */
    bytes r2 = {0};
    put_request(&r2, 0x03, 4, 0, 10, true, REQ_STUB, sizeof REQ_STUB, 40, NULL);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, r2.d, r2.n);
    iiss_dce_on_gap(h->dce, &h->stream, IISS_DIR_SERVER_TO_CLIENT, 100, &meta);
    iiss_dce_on_close(h->dce, &h->stream);
    assert_int_equal(h->count, 2);
    assert_false(h->seen[1].call.response.present);
    assert_int_equal(h->seen[1].call.notes[0].kind, IISS_NOTE_TCP_GAP);
    harness_free(h);
}

/* A capture with a small snaplen: every long frame ends in a gap. The PDU
 * whose end is missing is read in part, and framing resumes right after it
 * without hunting. */
static void snaplen_cut_pdus(void **state)
{
    (void)state;
    harness *h = harness_new(NULL);
    bytes c = {0}, s = {0};
    bind_iiss(&c, &s);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, c.d, c.n);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, s.d, s.n);
    bytes r = {0}, p = {0};
    put_request(&r, 0x03, 2, 0, 10, true, REQ_STUB, 36, 36, NULL); /* 76 bytes */
    uint8_t blob[300];
    memset(blob, 0x42, sizeof blob);
    put_response(&p, 0x03, 2, blob, sizeof blob, NULL);           /* 324 bytes */
    iiss_packet_meta meta;
    feed(h, IISS_DIR_CLIENT_TO_SERVER, r.d, 74); /* frame 3: 74 of 76 */
    meta = (iiss_packet_meta){.frame = ++h->frame};
    iiss_dce_on_gap(h->dce, &h->stream, IISS_DIR_CLIENT_TO_SERVER, 2, &meta);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, p.d, 74); /* frame 5 */
    meta = (iiss_packet_meta){.frame = ++h->frame};
    iiss_dce_on_gap(h->dce, &h->stream, IISS_DIR_SERVER_TO_CLIENT, 100, &meta);
    assert_int_equal(h->count, 1);
    const iiss_dce_call *a = &h->seen[0].call;
    assert_int_equal(a->request.meta.frame, 3);
    assert_int_equal(a->response.meta.frame, 5);
    assert_int_equal(a->request.stub_len, 34);
    assert_memory_equal(h->seen[0].req_stub, REQ_STUB, 34);
    assert_false(a->request.stub_complete);
    assert_true(a->request.stub_is_prefix);
    assert_int_equal(a->response.stub_len, 74 - 24);
    assert_true(a->response.stub_is_prefix);
    assert_int_equal(a->notes[0].kind, IISS_NOTE_PDU_TRUNCATED);
    /* the rest of the response (150 bytes after the 100 lost) passes by,
     * then the next call is framed at once: no resync, no gap note */
    bytes next = {0};
    put_raw(&next, p.d + 174, p.n - 174);
    put_response(&next, 0x03, 3, RESP_STUB, sizeof RESP_STUB, NULL);
    bytes r2 = {0};
    put_request(&r2, 0x03, 3, 0, 11, true, REQ_STUB, 32, 32, NULL);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, r2.d, r2.n);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, next.d, next.n);
    assert_int_equal(h->count, 2);
    assert_int_equal(h->seen[1].call.opnum, 11);
    assert_true(h->seen[1].call.response.stub_complete);
    assert_int_equal(h->seen[1].call.note_count, 0);
    assert_int_equal(dce_stats(h->dce).resyncs, 0);
    /* a cut bind maps nothing */
    bytes b2 = {0}, a2 = {0};
    ctx_item item = {.ctx_id = 9, .abstract = iiss_iid_bytes, .transfer = {NDR20}, .transfer_version = {2},
                     .n_transfer = 1};
    put_bind(&b2, 14, 30, &item, 1, NULL, 0, 0);
    ack_result ar = {0, NDR20, 2};
    put_ack(&a2, 15, 30, &ar, 1, NULL, 0);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, b2.d, b2.n - 10);
    iiss_dce_on_gap(h->dce, &h->stream, IISS_DIR_CLIENT_TO_SERVER, 10, &meta);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, a2.d, a2.n);
    bytes r3 = {0}, p3 = {0};
    put_request(&r3, 0x03, 31, 9, 11, false, REQ_STUB, 32, 32, NULL);
    put_response(&p3, 0x03, 31, RESP_STUB, sizeof RESP_STUB, NULL);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, r3.d, r3.n);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, p3.d, p3.n);
    assert_int_equal(h->count, 3);
    assert_false(h->seen[2].call.context_known);
    harness_free(h);
}

/* Midstream: no bind, first bytes are the tail of a PDU. */
static void midstream_unknown_context(void **state)
{
    (void)state;
    harness *h = harness_new(NULL);
    bytes c = {0}, s = {0};
    put_request(&c, 0x03, 7, 0, 7, true, REQ_STUB, sizeof REQ_STUB, 40, NULL);
    put_response(&s, 0x03, 7, RESP_STUB, sizeof RESP_STUB, NULL);
    bytes tail = {0};
    put_raw(&tail, "\x99\x05\x00\x00\x13\x37", 6);
    put_raw(&tail, c.d, c.n);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, tail.d, tail.n);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, s.d, s.n);
    assert_int_equal(h->count, 1);
    assert_false(h->seen[0].call.context_known);
    assert_int_equal(h->seen[0].call.opnum, 7);
    assert_int_equal(h->seen[0].call.note_count, 0);
    harness_free(h);
}

/* Requests finish out of order across connections: seq and
 * oldest_pending_seq let the next stage restore request order. */
static void order_across_connections(void **state)
{
    (void)state;
    harness *h = harness_new(NULL);
    iiss_tcp_stream other = h->stream;
    other.id = 2;
    other.client.port = 50000;
    bytes c = {0}, s = {0};
    bind_iiss(&c, &s);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, c.d, c.n);
    feed(h, IISS_DIR_SERVER_TO_CLIENT, s.d, s.n);
    iiss_packet_meta meta = {.frame = 10};
    iiss_dce_on_data(h->dce, &other, IISS_DIR_CLIENT_TO_SERVER, c.d, c.n, &meta);
    iiss_dce_on_data(h->dce, &other, IISS_DIR_SERVER_TO_CLIENT, s.d, s.n, &meta);
    bytes r1 = {0}, r2 = {0}, p1 = {0}, p2 = {0};
    put_request(&r1, 0x03, 2, 0, 7, false, REQ_STUB, 8, 8, NULL);
    put_request(&r2, 0x03, 2, 0, 8, false, REQ_STUB, 8, 8, NULL);
    put_response(&p1, 0x03, 2, RESP_STUB, 8, NULL);
    put_response(&p2, 0x03, 2, RESP_STUB, 8, NULL);
    feed(h, IISS_DIR_CLIENT_TO_SERVER, r1.d, r1.n);                            /* seq 0 */
    iiss_dce_on_data(h->dce, &other, IISS_DIR_CLIENT_TO_SERVER, r2.d, r2.n, &meta); /* seq 1 */
    iiss_dce_on_data(h->dce, &other, IISS_DIR_SERVER_TO_CLIENT, p2.d, p2.n, &meta);
    assert_int_equal(h->count, 1);
    assert_int_equal(h->seen[0].call.seq, 1);
    assert_int_equal(h->seen[0].call.oldest_pending_seq, 0); /* seq 0 still open */
    feed(h, IISS_DIR_SERVER_TO_CLIENT, p1.d, p1.n);
    assert_int_equal(h->count, 2);
    assert_int_equal(h->seen[1].call.seq, 0);
    assert_int_equal(h->seen[1].call.oldest_pending_seq, 2);
    iiss_dce_on_close(h->dce, &other);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(several_pdus_per_chunk),
        cmocka_unit_test(pdu_split_at_every_byte),
        cmocka_unit_test(fragments_reassembled),
        cmocka_unit_test(big_endian_drep),
        cmocka_unit_test(bind_ack_mapping),
        cmocka_unit_test(fault_matched),
        cmocka_unit_test(sealed_and_signed),
        cmocka_unit_test(ntlmssp_identity),
        cmocka_unit_test(hostile_lengths),
        cmocka_unit_test(memory_budget),
        cmocka_unit_test(resync_after_gap),
        cmocka_unit_test(snaplen_cut_pdus),
        cmocka_unit_test(midstream_unknown_context),
        cmocka_unit_test(order_across_connections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
