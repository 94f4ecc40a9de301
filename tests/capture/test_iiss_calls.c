/* The IIS call stage fed with DCE/RPC calls built by hand: interface
 * selection (bound, inferred, other), stub and blob decoding through the
 * library, sealed calls, and release in request order. Stubs are laid out
 * here from MS-IISS 3.1.4 and MS-DCOM 2.2.13 (NDR20, little-endian). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iiss/infer.h"
#include "iiss/names.h"
#include "iiss_calls.h"

typedef struct bytes {
    uint8_t d[1024];
    size_t n;
} bytes;

static iiss_calls_stats calls_stats(const iiss_calls *calls)
{
    iiss_calls_stats st;
    iiss_calls_get_stats(calls, &st);
    return st;
}

static void put32(bytes *b, uint32_t v)
{
    for (int i = 0; i < 4; i++) b->d[b->n++] = (uint8_t)(v >> (8 * i));
}
static void put16(bytes *b, uint16_t v)
{
    b->d[b->n++] = (uint8_t)v;
    b->d[b->n++] = (uint8_t)(v >> 8);
}
static void put_utf16(bytes *b, const char *s)
{
    for (; *s; s++) put16(b, (uint8_t)*s);
    put16(b, 0);
}

/* ORPCTHIS: COMVERSION 5.7, flags, reserved1, cid, NULL extensions. */
static void put_orpcthis(bytes *b)
{
    put16(b, 5); put16(b, 7); put32(b, 0); put32(b, 0);
    for (int i = 0; i < 16; i++) b->d[b->n++] = (uint8_t)(0xC0 + i);
    put32(b, 0);
}
/* ORPCTHAT: flags, NULL extensions. */
static void put_orpcthat(bytes *b) { put32(b, 0); put32(b, 0); }

static const uint8_t IPID[16] = {0x01, 0xb0, 0x00, 0x00, 0x1c, 0x0a, 0xff, 0xff,
                                 0x6f, 0x3c, 0x4e, 0x21, 0xa9, 0xd7, 0xc5, 0xb3};
static const uint8_t OTHER_IF[16] = {0x43, 0x01, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46};

#define MAX_RECORDS 8
typedef struct sink {
    size_t count;
    iiss_call_record rec[MAX_RECORDS];
    char first_service[32];
} sink;

static void on_record(void *user, const iiss_call_record *rec)
{
    sink *s = user;
    assert_true(s->count < MAX_RECORDS);
    s->rec[s->count] = *rec;
    /* the blob's strings are freed after the callback: copy what we check */
    if (rec->has_blob && rec->blob.service_count > 0 && rec->blob.services[0].name.utf8)
        strncpy(s->first_service, rec->blob.services[0].name.utf8, sizeof s->first_service - 1);
    s->rec[s->count].blob.services = NULL;
    s->count++;
}

static iiss_tcp_stream stream = {
    .id = 3,
    .client = {.family = 4, .addr = {10, 0, 0, 5}, .port = 49712},
    .server = {.family = 4, .addr = {10, 0, 0, 20}, .port = 49155},
};

/* A finished call on a context bound to IIsServiceControl over NDR20. */
static iiss_dce_call bound_call(uint64_t seq, uint16_t opnum, const bytes *req, const bytes *resp)
{
    iiss_dce_call c;
    memset(&c, 0, sizeof c);
    c.seq = seq;
    c.oldest_pending_seq = seq + 1;
    c.stream = &stream;
    c.call_id = (uint32_t)seq + 2;
    c.opnum = opnum;
    c.has_object = true;
    memcpy(c.object, IPID, 16);
    c.context_known = true;
    memcpy(c.abstract_uuid, iiss_iid_bytes, 16);
    c.transfer_syntax = IISS_DCE_SYNTAX_NDR20;
    c.request.present = true;
    c.request.meta = (iiss_packet_meta){.frame = 6, .ts_sec = 1715679000, .ts_nsec = 2530000};
    c.request.stub = req->d;
    c.request.stub_len = req->n;
    c.request.stub_complete = true;
    if (resp) {
        c.response.present = true;
        c.response.meta = (iiss_packet_meta){.frame = 7, .ts_sec = 1715679000, .ts_nsec = 12060000};
        c.response.stub = resp->d;
        c.response.stub_len = resp->n;
        c.response.stub_complete = true;
    }
    return c;
}

static void stop_request(bytes *b, uint32_t timeout, uint32_t force)
{
    put_orpcthis(b); put32(b, timeout); put32(b, force);
}
static void simple_response(bytes *b, uint32_t hresult)
{
    put_orpcthat(b); put32(b, hresult);
}

static void bound_stop_decoded(void **state)
{
    (void)state;
    sink s = {0};
    iiss_calls *calls = iiss_calls_new(NULL, on_record, &s);
    bytes req = {0}, resp = {0};
    stop_request(&req, 20000, 1);
    simple_response(&resp, 0);
    iiss_dce_call c = bound_call(0, IISS_OPNUM_STOP, &req, &resp);
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 1);
    const iiss_call_record *r = &s.rec[0];
    assert_string_equal(r->method, "Stop");
    assert_false(r->inferred);
    assert_int_equal(r->ndr, IISS_NDR20);
    assert_true(r->request_decoded);
    assert_true(r->request.timeout_ms.present);
    assert_int_equal(r->request.timeout_ms.value, 20000);
    assert_int_equal(r->request.force.value, 1);
    assert_true(r->response_decoded);
    assert_int_equal(r->response.hresult.value, 0);
    assert_true(r->has_ipid);
    assert_memory_equal(r->ipid, IPID, 16);
    assert_int_equal(r->client.port, 49712);
    assert_int_equal(r->server.port, 49155);
    assert_int_equal(r->request_meta.frame, 6);
    assert_int_equal(r->response_meta.frame, 7);
    assert_int_equal(r->request.anomalies.count, 0);
    assert_int_equal(r->response.anomalies.count, 0);
    iiss_calls_free(calls);
}

static void status_blob_decoded(void **state)
{
    (void)state;
    sink s = {0};
    iiss_calls *calls = iiss_calls_new(NULL, on_record, &s);
    /* STATUS_BLOB: one record (36 bytes), then "W3SVC" and "WWW" in UTF-16,
     * offsets in WCHARs from the buffer start (MS-IISS 2.2.1). */
    bytes blob = {0};
    put32(&blob, 18); put32(&blob, 24);
    put32(&blob, 0x20); put32(&blob, 4); put32(&blob, 1); put32(&blob, 0); put32(&blob, 0); put32(&blob, 0);
    put32(&blob, 0);
    put_utf16(&blob, "W3SVC");
    put_utf16(&blob, "WWW");
    assert_int_equal(blob.n, 56);
    bytes req = {0}, resp = {0};
    put_orpcthis(&req); put32(&req, (uint32_t)blob.n);
    put_orpcthat(&resp);
    put32(&resp, (uint32_t)blob.n); /* conformance */
    memcpy(resp.d + resp.n, blob.d, blob.n);
    resp.n += blob.n;
    put32(&resp, 56);  /* *pdwMDRequiredBufferSize */
    put32(&resp, 1);   /* *pdwNumServices */
    put32(&resp, 0);   /* HRESULT */
    iiss_dce_call c = bound_call(0, IISS_OPNUM_STATUS, &req, &resp);
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 1);
    const iiss_call_record *r = &s.rec[0];
    assert_string_equal(r->method, "Status");
    assert_int_equal(r->request.buffer_size.value, 56);
    assert_int_equal(r->response.required_size.value, 56);
    assert_int_equal(r->response.num_services.value, 1);
    assert_true(r->has_blob);
    assert_int_equal(r->blob.service_count, 1);
    assert_string_equal(s.first_service, "W3SVC");
    assert_int_equal(r->blob.anomalies.count, 0);
    iiss_calls_free(calls);
}

static void inference_and_selection(void **state)
{
    (void)state;
    bytes req = {0}, resp = {0};
    stop_request(&req, 20000, 0);
    simple_response(&resp, 0);

    /* unknown context, a request that parses as Stop: inferred */
    sink s = {0};
    iiss_calls_config cfg = {0}; /* zero: the defaults, inference on */
    iiss_calls *calls = iiss_calls_new(&cfg, on_record, &s);
    iiss_dce_call c = bound_call(0, IISS_OPNUM_STOP, &req, &resp);
    c.context_known = false;
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 1);
    assert_true(s.rec[0].inferred);
    assert_int_equal(s.rec[0].request.timeout_ms.value, 20000);
    /* the same stub under opnum 4 (IDispatch) is not inferred */
    c = bound_call(1, 4, &req, &resp);
    c.context_known = false;
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 1);
    /* another bound interface: never ours, whatever the stub */
    c = bound_call(2, IISS_OPNUM_STOP, &req, &resp);
    memcpy(c.abstract_uuid, OTHER_IF, 16);
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 1);
    /* a request cut by the capture inside its parameters: the ORPCTHIS
     * still vouches for it, and the decode says what is missing */
    bytes cut = req;
    cut.n = 34;
    c = bound_call(4, IISS_OPNUM_STOP, &cut, &resp);
    c.context_known = false;
    c.request.stub_complete = false;
    c.request.stub_is_prefix = true;
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 2);
    assert_true(s.rec[1].inferred);
    assert_false(s.rec[1].request.timeout_ms.present);
    assert_int_equal(s.rec[1].request.anomalies.items[0].kind, IISS_AN_STUB_TRUNCATED);
    /* cut inside the ORPCTHIS: nothing vouches for it */
    cut.n = 20;
    c = bound_call(5, IISS_OPNUM_STOP, &cut, &resp);
    c.context_known = false;
    c.request.stub_complete = false;
    c.request.stub_is_prefix = true;
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 2);
    /* a stub that is not an ORPCTHIS (COM version 1.0): not inferred */
    bytes junk = {0};
    put16(&junk, 1); put16(&junk, 0);
    for (int i = 0; i < 9; i++) put32(&junk, 0x41414141);
    c = bound_call(3, IISS_OPNUM_STOP, &junk, &resp);
    c.context_known = false;
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 2);
    assert_int_equal(calls_stats(calls).inferred, 2);
    iiss_calls_free(calls);

    /* --no-infer */
    sink s2 = {0};
    cfg.no_infer = true;
    calls = iiss_calls_new(&cfg, on_record, &s2);
    c = bound_call(0, IISS_OPNUM_STOP, &req, &resp);
    c.context_known = false;
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s2.count, 0);
    iiss_calls_free(calls);
}

static void sealed_fault_and_roles(void **state)
{
    (void)state;
    sink s = {0};
    iiss_calls *calls = iiss_calls_new(NULL, on_record, &s);
    bytes req = {0};
    stop_request(&req, 1, 1);
    iiss_dce_call c = bound_call(0, IISS_OPNUM_KILL, &req, &req);
    c.request.sealed = c.response.sealed = true;
    c.request.stub = c.response.stub = NULL;
    c.request.has_auth = true;
    c.request.auth_type = 10;
    c.request.auth_level = 6;
    iiss_ntlm_identity id = {.domain = "CONTOSO", .user = "webadmin", .workstation = "ADMIN-PC"};
    c.identity = &id;
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 1);
    assert_true(s.rec[0].sealed);
    assert_false(s.rec[0].request_decoded);
    assert_false(s.rec[0].response_decoded);
    assert_string_equal(s.rec[0].method, "Kill");
    assert_true(s.rec[0].has_auth);
    assert_int_equal(s.rec[0].auth_level, 6);
    assert_string_equal(s.rec[0].identity.user, "webadmin");

    /* a fault: no response stub decoded; the request still is */
    c = bound_call(1, IISS_OPNUM_STOP, &req, NULL);
    c.response.present = true;
    c.is_fault = true;
    c.fault_status = 0x1C010002;
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 2);
    assert_true(s.rec[1].is_fault);
    assert_false(s.rec[1].response_decoded);
    assert_true(s.rec[1].request_decoded);
    assert_int_equal(s.rec[1].fault_status, 0x1C010002);

    /* the request went server to client: roles swapped */
    bytes resp = {0};
    simple_response(&resp, 0);
    c = bound_call(2, IISS_OPNUM_STOP, &req, &resp);
    c.request_dir = IISS_DIR_SERVER_TO_CLIENT;
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 3);
    assert_int_equal(s.rec[2].client.port, 49155);
    assert_int_equal(s.rec[2].server.port, 49712);
    iiss_calls_free(calls);
}

static void released_in_request_order(void **state)
{
    (void)state;
    sink s = {0};
    iiss_calls *calls = iiss_calls_new(NULL, on_record, &s);
    bytes req = {0}, resp = {0};
    stop_request(&req, 20000, 1);
    simple_response(&resp, 0);
    /* seq 1 finishes first while seq 0 is still pending */
    iiss_dce_call c1 = bound_call(1, IISS_OPNUM_STOP, &req, &resp);
    c1.oldest_pending_seq = 0;
    iiss_calls_on_dce_call(calls, &c1);
    assert_int_equal(s.count, 0);
    /* an unrelated call finishing does not release it while 0 is pending */
    iiss_dce_call other = bound_call(2, IISS_OPNUM_STOP, &req, &resp);
    memcpy(other.abstract_uuid, OTHER_IF, 16);
    other.oldest_pending_seq = 0;
    iiss_calls_on_dce_call(calls, &other);
    assert_int_equal(s.count, 0);
    iiss_dce_call c0 = bound_call(0, IISS_OPNUM_START, &req, &resp);
    c0.oldest_pending_seq = 3;
    iiss_calls_on_dce_call(calls, &c0);
    assert_int_equal(s.count, 2);
    assert_int_equal(s.rec[0].seq, 0);
    assert_string_equal(s.rec[0].method, "Start");
    assert_int_equal(s.rec[1].seq, 1);
    /* flush releases what is held */
    iiss_dce_call c5 = bound_call(5, IISS_OPNUM_STOP, &req, &resp);
    c5.oldest_pending_seq = 4;
    iiss_calls_on_dce_call(calls, &c5);
    assert_int_equal(s.count, 2);
    iiss_calls_flush(calls);
    assert_int_equal(s.count, 3);
    assert_int_equal(s.rec[2].seq, 5);
    iiss_calls_free(calls);
}

/* A request that never gets its answer holds the others back only up to
 * max_reorder; past it the oldest finished call goes out, and it is counted. */
static void reorder_bound(void **state)
{
    (void)state;
    sink s = {0};
    iiss_calls_config cfg = {.max_reorder = 2};
    iiss_calls *calls = iiss_calls_new(&cfg, on_record, &s);
    bytes req = {0}, resp = {0};
    stop_request(&req, 20000, 1);
    simple_response(&resp, 0);
    for (uint64_t seq = 1; seq <= 3; seq++) {
        iiss_dce_call c = bound_call(seq, IISS_OPNUM_STOP, &req, &resp);
        c.oldest_pending_seq = 0; /* seq 0 never answers */
        iiss_calls_on_dce_call(calls, &c);
    }
    assert_int_equal(s.count, 1);
    assert_int_equal(s.rec[0].seq, 1);
    assert_int_equal(calls_stats(calls).out_of_order, 1);
    iiss_calls_free(calls); /* flushes the rest, in order */
    assert_int_equal(s.count, 3);
    assert_int_equal(s.rec[1].seq, 2);
    assert_int_equal(s.rec[2].seq, 3);
}

/* The authentication stage's connection note (no credential fits) comes
 * with every call of the connection; only the first IIS call shows it, even
 * when the connection's first call was of another interface. */
static void connection_note_once(void **state)
{
    (void)state;
    sink s = {0};
    iiss_calls *calls = iiss_calls_new(NULL, on_record, &s);
    bytes req = {0};
    stop_request(&req, 1, 1);
    iiss_note note = {.kind = IISS_NOTE_NOT_DECRYPTED, .frame = 4};
    snprintf(note.message, sizeof note.message, "no credential fits CONTOSO\\webadmin");
    iiss_dce_call other = bound_call(0, 3, &req, NULL);
    memset(other.abstract_uuid, 0x11, 16); /* another interface: not kept */
    other.conn_note = &note;
    iiss_calls_on_dce_call(calls, &other);
    for (uint64_t i = 1; i <= 2; i++) {
        iiss_dce_call c = bound_call(i, IISS_OPNUM_KILL, &req, NULL);
        c.request.sealed = true;
        c.request.stub = NULL;
        c.conn_note = &note;
        iiss_calls_on_dce_call(calls, &c);
    }
    iiss_calls_flush(calls);
    assert_int_equal(s.count, 2);
    assert_int_equal(s.rec[0].note_count, 1);
    assert_int_equal(s.rec[0].notes[0].kind, IISS_NOTE_NOT_DECRYPTED);
    assert_int_equal(s.rec[0].notes[0].frame, 4);
    assert_string_equal(s.rec[0].notes[0].message, "no credential fits CONTOSO\\webadmin");
    assert_int_equal(s.rec[1].note_count, 0);
    iiss_calls_free(calls);
}

/* An unbound call as the DCE/RPC stage hands it over once it is over. */
static iiss_dce_call unbound_call(uint64_t seq, uint16_t opnum, const bytes *req, const bytes *resp)
{
    iiss_dce_call c = bound_call(seq, opnum, req, resp);
    c.context_known = false;
    memset(c.abstract_uuid, 0, 16);
    return c;
}

/* ITypeInfo::GetNames (MS-OAUT 3.7.4.8, opnum 7) has the Stop request's
 * shape; its 52-byte reply (a BSTR array, pcNames, HRESULT) is no Stop
 * reply, so the call is not ours. */
static void inference_needs_the_whole_call(void **state)
{
    (void)state;
    sink s = {0};
    iiss_calls *calls = iiss_calls_new(NULL, on_record, &s);
    bytes req = {0}, names_reply = {0};
    stop_request(&req, 0x60020000u, 1); /* memid, cMaxNames */
    put_orpcthat(&names_reply);
    put32(&names_reply, 1); put32(&names_reply, 0); put32(&names_reply, 1); put32(&names_reply, 0x00020000u);
    put32(&names_reply, 8); put32(&names_reply, 4); put32(&names_reply, 4);
    put16(&names_reply, 'S'); put16(&names_reply, 't'); put16(&names_reply, 'o'); put16(&names_reply, 'p');
    put32(&names_reply, 1); put32(&names_reply, 0);
    assert_int_equal(names_reply.n, 52);
    iiss_dce_call c = unbound_call(0, IISS_OPNUM_STOP, &req, &names_reply);
    iiss_calls_on_dce_call(calls, &c);
    /* a force flag of 2 is no Stop either, whatever the reply */
    bytes force2 = {0}, ok = {0};
    stop_request(&force2, 1, 2);
    simple_response(&ok, 0);
    c = unbound_call(1, IISS_OPNUM_STOP, &force2, &ok);
    iiss_calls_on_dce_call(calls, &c);
    /* S_FALSE is no result of this interface */
    bytes s_false = {0};
    simple_response(&s_false, 1);
    c = unbound_call(2, IISS_OPNUM_STOP, &req, &s_false);
    iiss_calls_on_dce_call(calls, &c);
    /* a request alone, with nothing else to vouch for it */
    c = unbound_call(3, IISS_OPNUM_STOP, &req, NULL);
    iiss_calls_on_dce_call(calls, &c);
    /* a fault answers any interface: no evidence either */
    c = unbound_call(4, IISS_OPNUM_STOP, &req, NULL);
    c.response.present = true;
    c.is_fault = true;
    iiss_calls_on_dce_call(calls, &c);
    iiss_calls_flush(calls);
    assert_int_equal(s.count, 0);
    assert_int_equal(calls_stats(calls).inference_rejected, 5);
    assert_int_equal(calls_stats(calls).inferred, 0);

    /* the Stop reply that fits: accepted, the evidence named */
    c = unbound_call(5, IISS_OPNUM_STOP, &req, &ok);
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 1);
    assert_true(s.rec[0].inferred);
    assert_int_equal(s.rec[0].inference, IISS_INFER_REQUEST_SHAPE | IISS_INFER_RESPONSE_SHAPE);
    assert_false(s.rec[0].has_activation_frame);
    iiss_calls_free(calls);
}

/* A request without its response is kept when the server port carried a
 * bound IIS call earlier in the input, or its object UUID is an IPID an IIS
 * activation returned; both are forgotten at the end of the input. */
static void inference_from_earlier_evidence(void **state)
{
    (void)state;
    sink s = {0};
    iiss_calls *calls = iiss_calls_new(NULL, on_record, &s);
    bytes req = {0}, ok = {0};
    stop_request(&req, 20000, 0);
    simple_response(&ok, 0);
    iiss_dce_call c = bound_call(0, IISS_OPNUM_STATUS, &req, NULL);
    iiss_calls_on_dce_call(calls, &c); /* bound, on 10.0.0.20:49155 */
    c = unbound_call(1, IISS_OPNUM_STOP, &req, NULL);
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 2);
    assert_true(s.rec[1].inferred);
    assert_int_equal(s.rec[1].inference, IISS_INFER_REQUEST_SHAPE | IISS_INFER_PORT_BOUND_EARLIER);
    /* another port of the same server is not that port */
    iiss_tcp_stream other_port = stream;
    other_port.server.port = 49156;
    c = unbound_call(2, IISS_OPNUM_STOP, &req, NULL);
    c.stream = &other_port;
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 2);

    /* the activation's IPID: a request alone is kept, and every call on
     * that object, bound or not, carries the activation's frame; only for
     * that server's address (any port), and only after the activation */
    assert_true(iiss_calls_add_activation_ipid(calls, IPID, &stream.server, 3));
    bytes kill = {0};
    put_orpcthis(&kill);
    iiss_tcp_stream other_server = stream;
    other_server.server.addr[3] = 30;
    c = unbound_call(3, IISS_OPNUM_KILL, &kill, NULL);
    c.stream = &other_server;
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 2);
    c = unbound_call(3, IISS_OPNUM_KILL, &kill, NULL);
    c.stream = &other_port;
    c.request.meta.frame = 3;
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 2);
    c = unbound_call(3, IISS_OPNUM_KILL, &kill, NULL);
    c.stream = &other_port;
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 3);
    assert_int_equal(s.rec[2].inference, IISS_INFER_REQUEST_SHAPE | IISS_INFER_ACTIVATION_IPID);
    assert_true(s.rec[2].has_activation_frame);
    assert_int_equal(s.rec[2].activation_frame, 3);
    c = bound_call(4, IISS_OPNUM_STOP, &req, &ok);
    iiss_calls_on_dce_call(calls, &c);
    assert_false(s.rec[3].inferred);
    assert_int_equal(s.rec[3].inference, 0);
    assert_int_equal(s.rec[3].activation_frame, 3);
    /* a response that does not fit rejects even a call with evidence */
    bytes s_false = {0};
    simple_response(&s_false, 1);
    c = unbound_call(5, IISS_OPNUM_STOP, &req, &s_false);
    iiss_calls_on_dce_call(calls, &c);
    assert_int_equal(s.count, 4);

    /* the next input starts with no evidence */
    iiss_calls_flush(calls);
    c = unbound_call(6, IISS_OPNUM_STOP, &req, NULL);
    iiss_calls_on_dce_call(calls, &c);
    iiss_calls_flush(calls);
    assert_int_equal(s.count, 4);
    iiss_calls_free(calls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bound_stop_decoded),
        cmocka_unit_test(status_blob_decoded),
        cmocka_unit_test(inference_and_selection),
        cmocka_unit_test(sealed_fault_and_roles),
        cmocka_unit_test(released_in_request_order),
        cmocka_unit_test(reorder_bound),
        cmocka_unit_test(connection_note_once),
        cmocka_unit_test(inference_needs_the_whole_call),
        cmocka_unit_test(inference_from_earlier_evidence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
