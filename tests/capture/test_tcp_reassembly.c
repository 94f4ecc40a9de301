/* tcp_reassembly: segments in, ordered bytes per direction out. A recording
 * sink keeps every callback so each test asserts the exact bytes, gaps,
 * frames and closes the rules in tcp_reassembly.h promise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcp_reassembly.h"

/* ---- recording sink ---- */

#define MAX_STREAMS 8
#define MAX_EVENTS 16384
#define MAX_BYTES 16384

typedef enum { EV_DATA, EV_GAP, EV_CLOSE } event_kind;

typedef struct event {
    event_kind kind;
    uint64_t stream;
    iiss_direction dir;
    uint64_t len; /* bytes delivered or missing */
    uint64_t frame;
} event;

typedef struct stream_record {
    iiss_tcp_stream copy; /* as seen at close */
    uint8_t bytes[2][MAX_BYTES];
    size_t len[2];
    uint64_t gap_bytes[2];
    int gaps[2];
    const char *gap_limit[2]; /* stream->limit at the last gap */
    int closes;
} stream_record;

typedef struct recorder {
    event events[MAX_EVENTS];
    size_t n_events;
    stream_record streams[MAX_STREAMS];
    const uint8_t *last_data_ptr;
    uint64_t keep_stream_plus1; /* the stream (id + 1) the sink marks keep_longer, as DCE/RPC marks a bound one */
} recorder;

static stream_record *record_of(recorder *r, iiss_tcp_stream *s)
{
    assert_true(s->id < MAX_STREAMS);
    return &r->streams[s->id];
}

static void add_event(recorder *r, event_kind kind, iiss_tcp_stream *s, iiss_direction dir, uint64_t len,
                      const iiss_packet_meta *meta)
{
    assert_true(r->n_events < MAX_EVENTS);
    r->events[r->n_events++] = (event){kind, s->id, dir, len, meta ? meta->frame : 0};
}

static void rec_data(void *user, iiss_tcp_stream *s, iiss_direction dir, const uint8_t *data, size_t len,
                     const iiss_packet_meta *meta)
{
    recorder *r = user;
    stream_record *sr = record_of(r, s);
    assert_true(len > 0);
    assert_true(sr->len[dir] + len <= MAX_BYTES);
    memcpy(sr->bytes[dir] + sr->len[dir], data, len);
    sr->len[dir] += len;
    r->last_data_ptr = data;
    if (r->keep_stream_plus1 == s->id + 1)
        s->keep_longer = true;
    add_event(r, EV_DATA, s, dir, len, meta);
}

static void rec_gap(void *user, iiss_tcp_stream *s, iiss_direction dir, uint64_t missing,
                    const iiss_packet_meta *meta)
{
    recorder *r = user;
    stream_record *sr = record_of(r, s);
    assert_true(missing > 0);
    sr->gaps[dir]++;
    sr->gap_bytes[dir] += missing;
    sr->gap_limit[dir] = s->limit;
    add_event(r, EV_GAP, s, dir, missing, meta);
}

static void rec_close(void *user, iiss_tcp_stream *s)
{
    recorder *r = user;
    stream_record *sr = record_of(r, s);
    sr->closes++;
    sr->copy = *s;
    add_event(r, EV_CLOSE, s, 0, 0, NULL);
}

typedef struct fixture {
    recorder rec;
    iiss_tcp_reassembler *ra;
    uint64_t frame;
    int64_t now;
} fixture;

static fixture *fixture_new(const iiss_tcp_config *opts)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    iiss_stream_sink sink = {&fx->rec, rec_data, rec_gap, rec_close, NULL};
    fx->ra = iiss_tcp_reassembler_new(opts, &sink);
    assert_non_null(fx->ra);
    fx->now = 1700000000;
    return fx;
}

static void fixture_free(fixture *fx)
{
    iiss_tcp_reassembler_free(fx->ra);
    free(fx);
}

static iiss_tcp_stats stats_of(fixture *fx)
{
    iiss_tcp_stats st;
    iiss_tcp_reassembler_get_stats(fx->ra, &st);
    return st;
}

/* ---- segments ---- */

#define CLIENT_PORT 49712
#define SERVER_PORT 49155

static iiss_endpoint endpoint(uint8_t last_octet, uint16_t port)
{
    iiss_endpoint ep = {.family = 4, .port = port};
    ep.addr[0] = 10;
    ep.addr[3] = last_octet;
    return ep;
}

static const iiss_endpoint *client_ep(void)
{
    static iiss_endpoint ep;
    ep = endpoint(5, CLIENT_PORT);
    return &ep;
}

static const iiss_endpoint *server_ep(void)
{
    static iiss_endpoint ep;
    ep = endpoint(9, SERVER_PORT);
    return &ep;
}

/* Sends one segment; `from_client` picks the direction. */
static void send_seg(fixture *fx, bool from_client, uint8_t flags, uint32_t seq, uint32_t ack, const char *payload,
                     uint32_t missing)
{
    iiss_tcp_segment seg = {0};
    seg.src = from_client ? *client_ep() : *server_ep();
    seg.dst = from_client ? *server_ep() : *client_ep();
    seg.seq = seq;
    seg.ack = ack;
    seg.flags = flags;
    seg.payload = (const uint8_t *)payload;
    seg.payload_len = payload ? (uint32_t)strlen(payload) : 0;
    seg.payload_missing = missing;
    iiss_packet_meta meta = {.frame = ++fx->frame, .ts_sec = fx->now, .ts_nsec = 0};
    iiss_tcp_reassembler_add(fx->ra, &seg, &meta);
}

#define C true
#define S false
#define ACK IISS_TCP_ACK
#define PA (IISS_TCP_PSH | IISS_TCP_ACK)

static const uint32_t CISN = 1000, SISN = 5000;

static void handshake(fixture *fx, uint32_t cisn, uint32_t sisn)
{
    send_seg(fx, C, IISS_TCP_SYN, cisn, 0, NULL, 0);
    send_seg(fx, S, IISS_TCP_SYN | ACK, sisn, cisn + 1, NULL, 0);
    send_seg(fx, C, ACK, cisn + 1, sisn + 1, NULL, 0);
}

static void assert_stream_bytes(fixture *fx, uint64_t id, iiss_direction dir, const char *expected)
{
    stream_record *sr = &fx->rec.streams[id];
    assert_int_equal(sr->len[dir], strlen(expected));
    assert_memory_equal(sr->bytes[dir], expected, strlen(expected));
}

/* ---- tests ---- */

static void test_in_order_zero_copy(void **state)
{
    (void)state;
    fixture *fx = fixture_new(NULL);
    handshake(fx, CISN, SISN);
    static const char request[] = "REQUEST-1";
    send_seg(fx, C, PA, CISN + 1, SISN + 1, request, 0);
    /* In-order bytes reach the sink straight from the packet buffer. */
    assert_ptr_equal(fx->rec.last_data_ptr, (const uint8_t *)request);
    send_seg(fx, C, PA, CISN + 10, SISN + 1, "REQUEST-2", 0);
    send_seg(fx, S, PA, SISN + 1, CISN + 19, "RESPONSE", 0);
    send_seg(fx, C, IISS_TCP_FIN | ACK, CISN + 19, SISN + 9, NULL, 0);
    assert_int_equal(fx->rec.streams[0].closes, 0);
    send_seg(fx, S, IISS_TCP_FIN | ACK, SISN + 9, CISN + 20, NULL, 0);
    /* FIN both ways with every byte delivered: closed at once. */
    assert_int_equal(fx->rec.streams[0].closes, 1);
    send_seg(fx, C, ACK, CISN + 20, SISN + 10, NULL, 0); /* the last ACK changes nothing */

    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "REQUEST-1REQUEST-2");
    assert_stream_bytes(fx, 0, IISS_DIR_SERVER_TO_CLIENT, "RESPONSE");
    iiss_tcp_stream *s = &fx->rec.streams[0].copy;
    assert_true(s->handshake_seen);
    assert_int_equal(s->client.port, CLIENT_PORT);
    assert_int_equal(s->server.port, SERVER_PORT);
    assert_int_equal(s->id, 0);
    /* Events: data frame 4, data frame 5, data frame 6, close. */
    assert_int_equal(fx->rec.n_events, 4);
    assert_int_equal(fx->rec.events[0].frame, 4);
    assert_int_equal(fx->rec.events[2].frame, 6);
    assert_int_equal(fx->rec.events[2].dir, IISS_DIR_SERVER_TO_CLIENT);
    assert_int_equal(fx->rec.events[3].kind, EV_CLOSE);
    iiss_tcp_stats st = stats_of(fx);
    assert_int_equal(st.segments, 9);
    assert_int_equal(st.payload_segments, 3);
    assert_int_equal(st.bytes_delivered, 26);
    assert_int_equal(st.streams, 1);
    assert_int_equal(st.streams_midstream, 0);
    assert_int_equal(st.gaps, 0);
    assert_int_equal(st.buffered_peak, 0);
    fixture_free(fx);
}

/* Segments 1, 3, 2: segment 3 is held and delivered with the frame of
 * segment 2, which made it deliverable. */
static void test_out_of_order(void **state)
{
    (void)state;
    fixture *fx = fixture_new(NULL);
    handshake(fx, CISN, SISN);
    send_seg(fx, C, PA, CISN + 1, SISN + 1, "AAAA", 0);  /* frame 4 */
    send_seg(fx, C, PA, CISN + 9, SISN + 1, "CCCC", 0);  /* frame 5: held */
    send_seg(fx, C, PA, CISN + 13, SISN + 1, "DDDD", 0); /* frame 6: held */
    assert_int_equal(fx->rec.streams[0].len[0], 4);
    assert_int_equal(stats_of(fx).buffered_bytes > 0, 1);
    send_seg(fx, C, PA, CISN + 5, SISN + 1, "BBBB", 0); /* frame 7 fills the hole */
    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "AAAABBBBCCCCDDDD");
    assert_int_equal(fx->rec.n_events, 4);
    assert_int_equal(fx->rec.events[1].frame, 7);
    assert_int_equal(fx->rec.events[1].len, 4);
    assert_int_equal(fx->rec.events[2].frame, 7);
    assert_int_equal(fx->rec.events[3].frame, 7);
    iiss_tcp_stats st = stats_of(fx);
    assert_int_equal(st.out_of_order, 2);
    assert_int_equal(st.buffered_bytes, 0);
    assert_int_equal(st.gaps, 0);
    fixture_free(fx);
}

static void test_duplicates_dropped(void **state)
{
    (void)state;
    fixture *fx = fixture_new(NULL);
    handshake(fx, CISN, SISN);
    send_seg(fx, C, PA, CISN + 1, SISN + 1, "AAAA", 0);
    send_seg(fx, C, PA, CISN + 1, SISN + 1, "AAAA", 0);
    send_seg(fx, C, PA, CISN + 9, SISN + 1, "CCCC", 0);
    send_seg(fx, C, PA, CISN + 9, SISN + 1, "CCCC", 0); /* duplicate of a held segment */
    send_seg(fx, C, PA, CISN + 5, SISN + 1, "BBBB", 0);
    send_seg(fx, C, PA, CISN + 5, SISN + 1, "BBBB", 0);
    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "AAAABBBBCCCC");
    iiss_tcp_stats st = stats_of(fx);
    assert_int_equal(st.duplicates, 2);
    assert_int_equal(st.overlaps, 1); /* the held duplicate overlaps the held copy */
    assert_int_equal(st.overlap_conflicts, 0);
    fixture_free(fx);
}

/* First copy wins, whether the first copy was delivered already or is still
 * held ahead of a hole. */
static void test_overlap_first_copy_wins(void **state)
{
    (void)state;
    fixture *fx = fixture_new(NULL);
    handshake(fx, CISN, SISN);
    send_seg(fx, C, PA, CISN + 1, SISN + 1, "AAAA", 0);
    send_seg(fx, C, PA, CISN + 3, SISN + 1, "xxBB", 0); /* overlaps 2 delivered bytes */
    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "AAAABB");
    /* Held "DDDD" at 11..14, then a retransmission 7..14 with other bytes. */
    send_seg(fx, C, PA, CISN + 11, SISN + 1, "DDDD", 0);
    send_seg(fx, C, PA, CISN + 7, SISN + 1, "ccccyyyy", 0);
    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "AAAABBccccDDDD");
    /* A segment spanning a held range: new bytes fill around it. */
    send_seg(fx, C, PA, CISN + 19, SISN + 1, "FF", 0);          /* held 19..20 */
    send_seg(fx, C, PA, CISN + 15, SISN + 1, "eeeezzGGG", 0); /* 15..23 */
    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "AAAABBccccDDDDeeeeFFGGG");
    iiss_tcp_stats st = stats_of(fx);
    assert_int_equal(st.overlaps, 3);
    /* "yyyy" differed from the held "DDDD", "zz" from "FF"; the delivered
     * "AA" is not kept, so "xx" cannot be compared. */
    assert_int_equal(st.overlap_conflicts, 2);
    fixture_free(fx);

    /* Both copies held, different bytes. */
    fx = fixture_new(NULL);
    handshake(fx, CISN, SISN);
    send_seg(fx, C, PA, CISN + 5, SISN + 1, "HELD", 0);
    send_seg(fx, C, PA, CISN + 5, SISN + 1, "LATE", 0);
    send_seg(fx, C, PA, CISN + 1, SISN + 1, "OK: ", 0);
    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "OK: HELD");
    assert_int_equal(stats_of(fx).overlap_conflicts, 1);
    fixture_free(fx);
}

/* No handshake: the first payload's sender is the client when both ports
 * are unprivileged; a port below 1024 is the server whoever speaks first. */
static void test_midstream(void **state)
{
    (void)state;
    fixture *fx = fixture_new(NULL);
    send_seg(fx, C, ACK, 777777, 888888, NULL, 0); /* a pure ACK starts nothing */
    send_seg(fx, S, PA, 888888, 777777, "from-49155", 0);
    send_seg(fx, C, PA, 777777, 888898, "from-49712", 0);
    iiss_tcp_reassembler_flush(fx->ra);
    iiss_tcp_stream *s = &fx->rec.streams[0].copy;
    assert_false(s->handshake_seen);
    assert_int_equal(s->client.port, SERVER_PORT); /* it spoke first */
    assert_int_equal(s->server.port, CLIENT_PORT);
    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "from-49155");
    assert_stream_bytes(fx, 0, IISS_DIR_SERVER_TO_CLIENT, "from-49712");
    assert_int_equal(stats_of(fx).streams_midstream, 1);
    fixture_free(fx);

    fx = fixture_new(NULL);
    iiss_tcp_segment seg = {0};
    seg.src = endpoint(9, 135);
    seg.dst = endpoint(5, 50000);
    seg.seq = 42;
    seg.flags = PA;
    seg.payload = (const uint8_t *)"epm reply";
    seg.payload_len = 9;
    iiss_packet_meta meta = {.frame = 1, .ts_sec = fx->now};
    iiss_tcp_reassembler_add(fx->ra, &seg, &meta);
    iiss_tcp_reassembler_flush(fx->ra);
    s = &fx->rec.streams[0].copy;
    assert_int_equal(s->server.port, 135);
    assert_int_equal(s->client.port, 50000);
    assert_stream_bytes(fx, 0, IISS_DIR_SERVER_TO_CLIENT, "epm reply");
    fixture_free(fx);
}

/* A connection joined midstream with the server speaking first: the
 * server endpoint is known from an earlier handshake of the same capture. */
static void test_midstream_roles_from_earlier_handshake(void **state)
{
    (void)state;
    fixture *fx = fixture_new(NULL);
    handshake(fx, CISN, SISN); /* 10.0.0.5:49712 -> 10.0.0.9:49155 */
    send_seg(fx, C, PA, CISN + 1, SISN + 1, "req", 0);
    iiss_tcp_segment seg = {0};
    seg.src = *server_ep();
    seg.dst = endpoint(6, 60001); /* another client, higher port, silent so far */
    seg.flags = PA;
    seg.seq = 424242;
    seg.payload = (const uint8_t *)"response first";
    seg.payload_len = 14;
    iiss_packet_meta meta = {.frame = 10, .ts_sec = fx->now};
    iiss_tcp_reassembler_add(fx->ra, &seg, &meta);
    iiss_tcp_reassembler_flush(fx->ra);
    iiss_tcp_stream *s = &fx->rec.streams[1].copy;
    assert_false(s->handshake_seen);
    assert_int_equal(s->server.port, SERVER_PORT);
    assert_int_equal(s->server.addr[3], 9);
    assert_int_equal(s->client.port, 60001);
    assert_stream_bytes(fx, 1, IISS_DIR_SERVER_TO_CLIENT, "response first");
    fixture_free(fx);

    /* Without that knowledge the first sender is taken for the client. */
    fx = fixture_new(NULL);
    iiss_tcp_reassembler_add(fx->ra, &seg, &meta);
    iiss_tcp_reassembler_flush(fx->ra);
    assert_int_equal(fx->rec.streams[0].copy.client.port, SERVER_PORT);
    fixture_free(fx);
}

/* The SYN was not captured: the SYN+ACK still fixes the roles and, through
 * its acknowledgement, where the client's bytes start. */
static void test_syn_ack_without_syn(void **state)
{
    (void)state;
    fixture *fx = fixture_new(NULL);
    send_seg(fx, S, IISS_TCP_SYN | ACK, SISN, CISN + 1, NULL, 0);
    send_seg(fx, C, PA, CISN + 5, SISN + 1, "2222", 0); /* ahead of the first segment */
    send_seg(fx, C, PA, CISN + 1, SISN + 1, "1111", 0);
    iiss_tcp_reassembler_flush(fx->ra);
    iiss_tcp_stream *s = &fx->rec.streams[0].copy;
    assert_true(s->handshake_seen);
    assert_int_equal(s->client.port, CLIENT_PORT);
    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "11112222");
    assert_int_equal(stats_of(fx).gaps, 0);
    fixture_free(fx);
}

static void test_port_reuse(void **state)
{
    (void)state;
    fixture *fx = fixture_new(NULL);
    handshake(fx, CISN, SISN);
    send_seg(fx, C, PA, CISN + 1, SISN + 1, "first", 0);
    send_seg(fx, C, IISS_TCP_FIN | ACK, CISN + 6, SISN + 1, NULL, 0);
    send_seg(fx, S, IISS_TCP_FIN | ACK, SISN + 1, CISN + 7, NULL, 0);
    send_seg(fx, C, ACK, CISN + 7, SISN + 2, NULL, 0);
    send_seg(fx, C, PA, CISN + 1, SISN + 1, "first", 0); /* a late retransmission: ignored */
    assert_int_equal(fx->rec.streams[0].closes, 1);
    /* Same ports, new handshake. */
    handshake(fx, 90000, 70000);
    send_seg(fx, C, IISS_TCP_SYN, 90000, 0, NULL, 0); /* a retransmitted SYN: ignored */
    send_seg(fx, C, PA, 90001, 70001, "second", 0);
    /* And again without any FIN: a SYN with another ISN ends the stream. */
    handshake(fx, 123456, 654321);
    send_seg(fx, C, PA, 123457, 654322, "third", 0);
    iiss_tcp_reassembler_flush(fx->ra);
    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "first");
    assert_stream_bytes(fx, 1, IISS_DIR_CLIENT_TO_SERVER, "second");
    assert_stream_bytes(fx, 2, IISS_DIR_CLIENT_TO_SERVER, "third");
    for (int i = 0; i < 3; i++) {
        assert_int_equal(fx->rec.streams[i].closes, 1);
        assert_int_equal(fx->rec.streams[i].copy.id, (uint64_t)i);
        assert_true(fx->rec.streams[i].copy.handshake_seen);
    }
    iiss_tcp_stats st = stats_of(fx);
    assert_int_equal(st.streams, 3);
    assert_int_equal(st.port_reuses, 2);
    assert_int_equal(st.gaps, 0);
    fixture_free(fx);
}

/* A segment never captured: the peer's ACK past the hole proves it was
 * sent and received, so the hole is given up at once (gap, then the held
 * bytes), and delivery goes on. */
static void test_gap_acked_then_resync(void **state)
{
    (void)state;
    fixture *fx = fixture_new(NULL);
    handshake(fx, CISN, SISN);
    send_seg(fx, C, PA, CISN + 1, SISN + 1, "AAAA", 0);
    send_seg(fx, C, PA, CISN + 105, SISN + 1, "CCCC", 0); /* 100 bytes lost before it */
    send_seg(fx, S, ACK, SISN + 1, CISN + 5, NULL, 0);    /* acks up to the hole only */
    assert_int_equal(fx->rec.streams[0].gaps[0], 0);
    send_seg(fx, S, ACK, SISN + 1, CISN + 109, NULL, 0); /* frame 7: acks past it */
    assert_int_equal(fx->rec.streams[0].gaps[0], 1);
    assert_int_equal(fx->rec.streams[0].gap_bytes[0], 100);
    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "AAAACCCC");
    assert_int_equal(fx->rec.events[1].kind, EV_GAP);
    assert_int_equal(fx->rec.events[1].frame, 7); /* the ACK gave it up */
    assert_int_equal(fx->rec.events[2].kind, EV_DATA);
    assert_int_equal(fx->rec.events[2].frame, 5); /* nothing filled the hole: the bytes keep their packet */
    send_seg(fx, C, PA, CISN + 109, SISN + 1, "DDDD", 0);
    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "AAAACCCCDDDD");
    iiss_tcp_stats st = stats_of(fx);
    assert_int_equal(st.holes_acked, 1);
    assert_int_equal(st.gaps, 1);
    assert_int_equal(st.gap_bytes, 100);
    fixture_free(fx);
}

/* Without ACKs (one direction captured) the hole waits, and the end of
 * input gives it up. */
static void test_gap_at_flush(void **state)
{
    (void)state;
    fixture *fx = fixture_new(NULL);
    send_seg(fx, C, PA, 10, 0, "AAAA", 0);
    send_seg(fx, C, PA, 20, 0, "CCCC", 0);
    send_seg(fx, C, PA, 30, 0, "EEEE", 0);
    assert_int_equal(fx->rec.streams[0].len[0], 4);
    iiss_tcp_reassembler_flush(fx->ra);
    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "AAAACCCCEEEE");
    assert_int_equal(fx->rec.streams[0].gaps[0], 2);
    assert_int_equal(fx->rec.streams[0].gap_bytes[0], 12);
    assert_int_equal(fx->rec.streams[0].closes, 1);
    /* Gaps at flush carry the flow's last frame, the bytes after them the
     * frame that carried them. */
    assert_int_equal(fx->rec.n_events, 6); /* data, gap, data, gap, data, close */
    assert_int_equal(fx->rec.events[1].kind, EV_GAP);
    assert_int_equal(fx->rec.events[1].frame, 3);
    assert_int_equal(fx->rec.events[2].kind, EV_DATA);
    assert_int_equal(fx->rec.events[2].frame, 2);
    assert_int_equal(fx->rec.events[4].frame, 3);
    fixture_free(fx);
}

static void test_snaplen_missing_bytes_are_a_gap(void **state)
{
    (void)state;
    fixture *fx = fixture_new(NULL);
    handshake(fx, CISN, SISN);
    send_seg(fx, C, PA, CISN + 1, SISN + 1, "HEAD", 6); /* 10-byte segment, 6 cut */
    send_seg(fx, C, PA, CISN + 11, SISN + 1, "NEXT", 0);
    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "HEADNEXT");
    assert_int_equal(fx->rec.streams[0].gap_bytes[0], 6);
    assert_int_equal(fx->rec.events[1].kind, EV_GAP);
    /* Held out of order with a cut tail, then the hole before it fills. */
    send_seg(fx, C, PA, CISN + 25, SISN + 1, "LATER", 3); /* 25..29 then 30..32 cut */
    send_seg(fx, C, PA, CISN + 33, SISN + 1, "END", 0);
    send_seg(fx, C, PA, CISN + 15, SISN + 1, "0123456789", 0);
    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "HEADNEXT0123456789LATEREND");
    assert_int_equal(fx->rec.streams[0].gaps[0], 2);
    assert_int_equal(fx->rec.streams[0].gap_bytes[0], 9);
    fixture_free(fx);
}

/* Past the per-direction bound the oldest hole is given up: reported, not
 * fatal, and the bytes after it still arrive. */
static void test_cap_per_direction(void **state)
{
    (void)state;
    iiss_tcp_config opts = {.max_buffered_per_direction = 600};
    fixture *fx = fixture_new(&opts);
    handshake(fx, CISN, SISN);
    char chunk[101];
    memset(chunk, 'x', 100);
    chunk[100] = '\0';
    /* A 50-byte hole at CISN + 1, then 100-byte segments held behind it. */
    for (int i = 0; i < 10; i++)
        send_seg(fx, C, PA, CISN + 51 + 100u * (uint32_t)i, SISN + 1, chunk, 0);
    iiss_tcp_stats st = stats_of(fx);
    assert_int_equal(st.caps_per_direction, 1);
    assert_int_equal(fx->rec.streams[0].gaps[0], 1);
    assert_int_equal(fx->rec.streams[0].gap_bytes[0], 50);
    assert_int_equal(fx->rec.streams[0].len[0], 1000); /* all delivered after the gap */
    assert_true(st.buffered_peak <= 600 + 200);
    assert_int_equal(st.buffered_bytes, 0);
    /* The stream goes on. */
    send_seg(fx, C, PA, CISN + 1051, SISN + 1, "tail", 0);
    assert_int_equal(fx->rec.streams[0].len[0], 1004);
    fixture_free(fx);
}

/* Tiny segments held every other byte: the number of held ranges is bounded
 * too (sorted inserts walk the list), and the bytes still all arrive. */
static void test_cap_on_held_ranges(void **state)
{
    (void)state;
    fixture *fx = fixture_new(NULL);
    handshake(fx, CISN, SISN);
    /* Bytes 2, 4, 6, ... of the stream, each alone, behind a hole at 1. */
    for (uint32_t i = 1; i <= 5000; i++)
        send_seg(fx, C, PA, CISN + 1 + 2 * i, SISN + 1, "e", 0);
    iiss_tcp_stats st = stats_of(fx);
    /* From the 4097th range on, each new one gives up the oldest hole:
     * 5000 - 4096 of them, each delivering its one byte (the first hole is
     * 2 bytes, the others 1). */
    assert_int_equal(st.caps_per_direction, 904);
    assert_int_equal(fx->rec.streams[0].len[0], 904);
    assert_int_equal(fx->rec.streams[0].gap_bytes[0], 905);
    iiss_tcp_reassembler_flush(fx->ra);
    assert_int_equal(fx->rec.streams[0].len[0], 5000);
    assert_int_equal(fx->rec.streams[0].gap_bytes[0], 5001);
    fixture_free(fx);
}

/* Two flows each with a hole and 200 held bytes, flow 2's segments sent. */
static void two_waiting_flows(fixture *fx, iiss_tcp_segment *seg, iiss_packet_meta *meta, const char *chunk)
{
    send_seg(fx, C, PA, 100, 0, "a", 0);
    send_seg(fx, C, PA, 200, 0, chunk, 0);
    memset(seg, 0, sizeof *seg);
    seg->src = endpoint(6, 50001);
    seg->dst = endpoint(9, SERVER_PORT);
    seg->flags = PA;
    seg->payload = (const uint8_t *)chunk;
    *meta = (iiss_packet_meta){.frame = 10, .ts_sec = fx->now + 1};
    seg->seq = 1;
    seg->payload_len = 1;
    iiss_tcp_reassembler_add(fx->ra, seg, meta);
    seg->payload_len = 200;
    seg->seq = 100;
    iiss_tcp_reassembler_add(fx->ra, seg, meta);
}

/* The budget is full: the flow that waited longest (flow 1) gives up what
 * it holds, as a gap named by the memory limit; flow 2, being read, keeps
 * its hole open. */
static void test_budget_sheds_the_oldest_waiting_flow(void **state)
{
    (void)state;
    char chunk[201];
    memset(chunk, 'y', 200);
    chunk[200] = '\0';
    /* What two flows with 200 held bytes each cost, measured. */
    fixture *probe = fixture_new(NULL);
    iiss_tcp_segment seg;
    iiss_packet_meta meta;
    two_waiting_flows(probe, &seg, &meta, chunk);
    iiss_memory_stats ms;
    iiss_memory_get_stats(iiss_tcp_reassembler_memory(probe->ra), &ms);
    uint64_t cost = ms.used;
    assert_int_equal(ms.used_by[IISS_MEMORY_OUT_OF_ORDER], stats_of(probe).buffered_bytes);
    fixture_free(probe);

    iiss_memory_config mc = {.limit = cost + 100};
    iiss_memory_budget *budget = iiss_memory_budget_new(&mc);
    iiss_tcp_config opts = {.memory = budget};
    fixture *fx = fixture_new(&opts);
    two_waiting_flows(fx, &seg, &meta, chunk);
    assert_int_equal(stats_of(fx).caps_total, 0);
    seg.seq = 400;
    meta.frame = 11;
    iiss_tcp_reassembler_add(fx->ra, &seg, &meta);
    iiss_tcp_stats st = stats_of(fx);
    assert_int_equal(st.caps_total, 0); /* held, once flow 1 made room */
    iiss_memory_get_stats(budget, &ms);
    assert_int_equal(ms.buffers_shed, 1);
    assert_int_equal(ms.flows_ended, 0);
    assert_true(ms.peak <= mc.limit);
    /* flow 1: its hole and held bytes, 101..399, given up */
    assert_int_equal(fx->rec.streams[0].len[0], 1);
    assert_int_equal(fx->rec.streams[0].gap_bytes[0], 299);
    assert_string_equal(fx->rec.streams[0].gap_limit[0], IISS_TCP_LIMIT_MEMORY);
    /* flow 2 still waits for 2..99 */
    assert_int_equal(fx->rec.streams[1].len[0], 1);
    assert_int_equal(fx->rec.streams[1].gaps[0], 0);
    /* flow 1 goes on after its gap */
    send_seg(fx, C, PA, 400, 0, "b", 0);
    assert_int_equal(fx->rec.streams[0].len[0], 2);
    iiss_tcp_reassembler_flush(fx->ra);
    assert_int_equal(fx->rec.streams[1].len[0], 401);
    assert_int_equal(fx->rec.streams[1].gap_bytes[0], 198);
    assert_null(fx->rec.streams[1].gap_limit[0]); /* lost by the capture */
    fixture_free(fx);
    iiss_memory_get_stats(budget, &ms);
    assert_int_equal(ms.used, 0);
    iiss_memory_budget_free(budget);
}

/* Alone, a flow over the budget gives up its own oldest hole. */
static void test_budget_refuses_the_flow_alone(void **state)
{
    (void)state;
    iiss_memory_config mc = {.limit = 2000};
    iiss_memory_budget *budget = iiss_memory_budget_new(&mc);
    iiss_tcp_config opts = {.memory = budget};
    fixture *fx = fixture_new(&opts);
    char chunk[601];
    memset(chunk, 'z', 600);
    chunk[600] = '\0';
    send_seg(fx, C, PA, 100, 0, "a", 0);
    send_seg(fx, C, PA, 1000, 0, chunk, 0);
    send_seg(fx, C, PA, 2000, 0, chunk, 0);
    send_seg(fx, C, PA, 3000, 0, chunk, 0);
    iiss_tcp_stats st = stats_of(fx);
    assert_true(st.caps_total >= 1);
    assert_true(fx->rec.streams[0].gaps[0] >= 1);
    assert_string_equal(fx->rec.streams[0].gap_limit[0], IISS_TCP_LIMIT_MEMORY);
    iiss_memory_stats ms;
    iiss_memory_get_stats(budget, &ms);
    assert_true(ms.peak <= mc.limit);
    assert_true(ms.refusals >= 1);
    fixture_free(fx);
    iiss_memory_budget_free(budget);
}

/* With no buffered data to give, the least recently active open flow is
 * ended early to make room for a new one, and says so at its close. */
static void test_budget_ends_the_oldest_flow(void **state)
{
    (void)state;
    fixture *probe = fixture_new(NULL);
    send_seg(probe, C, PA, 100, 0, "a", 0);
    iiss_memory_stats ms;
    iiss_memory_get_stats(iiss_tcp_reassembler_memory(probe->ra), &ms);
    uint64_t one_flow = ms.used;
    fixture_free(probe);

    iiss_memory_config mc = {.limit = 2 * one_flow};
    iiss_memory_budget *budget = iiss_memory_budget_new(&mc);
    iiss_tcp_config opts = {.memory = budget};
    fixture *fx = fixture_new(&opts);
    iiss_packet_meta meta = {.frame = 1, .ts_sec = fx->now};
    for (uint16_t i = 0; i < 3; i++) {
        iiss_tcp_segment seg = {0};
        seg.src = endpoint((uint8_t)(20 + i), 50000);
        seg.dst = endpoint(9, SERVER_PORT);
        seg.flags = PA;
        seg.seq = 1;
        seg.payload = (const uint8_t *)"x";
        seg.payload_len = 1;
        meta.frame++;
        meta.ts_sec++;
        iiss_tcp_reassembler_add(fx->ra, &seg, &meta);
    }
    iiss_memory_get_stats(budget, &ms);
    assert_int_equal(ms.flows_ended, 1);
    assert_int_equal(fx->rec.streams[0].closes, 1);
    assert_string_equal(fx->rec.streams[0].copy.limit, IISS_TCP_LIMIT_MEMORY);
    assert_int_equal(fx->rec.streams[1].closes, 0);
    assert_int_equal(fx->rec.streams[2].len[0], 1);
    iiss_tcp_reassembler_flush(fx->ra);
    assert_null(fx->rec.streams[2].copy.limit);
    fixture_free(fx);
    iiss_memory_budget_free(budget);
}

/* Sequence numbers wrap at 2^32 in the middle of the data. */
static void test_sequence_wraparound(void **state)
{
    (void)state;
    fixture *fx = fixture_new(NULL);
    uint32_t isn = 0xFFFFFFF8u;
    handshake(fx, isn, 0x7FFFFFFFu);
    send_seg(fx, C, PA, isn + 1, 0x80000000u, "0123", 0);         /* ...FFF9 */
    send_seg(fx, C, PA, isn + 13, 0x80000000u, "CCCC", 0);        /* 0x00000005: held */
    send_seg(fx, C, PA, isn + 5, 0x80000000u, "4567abcd", 0);     /* ...FFFD across the wrap */
    send_seg(fx, C, PA, 0x00000001u, 0x80000000u, "zzzzzzzz", 0); /* old by now */
    send_seg(fx, S, PA, 0x80000000u, isn + 17, "server", 0);
    iiss_tcp_reassembler_flush(fx->ra);
    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "01234567abcdCCCC");
    assert_stream_bytes(fx, 0, IISS_DIR_SERVER_TO_CLIENT, "server");
    iiss_tcp_stats st = stats_of(fx);
    assert_int_equal(st.gaps, 0);
    assert_int_equal(st.duplicates, 1);
    fixture_free(fx);
}

static void test_out_of_window_dropped(void **state)
{
    (void)state;
    fixture *fx = fixture_new(NULL);
    handshake(fx, CISN, SISN);
    send_seg(fx, C, PA, CISN + 1, SISN + 1, "AAAA", 0);
    send_seg(fx, C, PA, CISN + 0x50000000u, SISN + 1, "WILD", 0);
    send_seg(fx, C, PA, CISN + 5, SISN + 1, "BBBB", 0);
    iiss_tcp_reassembler_flush(fx->ra);
    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "AAAABBBB");
    assert_int_equal(stats_of(fx).out_of_window, 1);
    assert_int_equal(stats_of(fx).gaps, 0);
    fixture_free(fx);
}

/* RST ends the stream at once; what was held is flushed with its gap. */
static void test_rst_closes(void **state)
{
    (void)state;
    fixture *fx = fixture_new(NULL);
    handshake(fx, CISN, SISN);
    send_seg(fx, C, PA, CISN + 1, SISN + 1, "AAAA", 0);
    send_seg(fx, C, PA, CISN + 9, SISN + 1, "CCCC", 0);
    send_seg(fx, S, IISS_TCP_RST, SISN + 1, 0, NULL, 0);
    assert_int_equal(fx->rec.streams[0].closes, 1);
    assert_stream_bytes(fx, 0, IISS_DIR_CLIENT_TO_SERVER, "AAAACCCC");
    assert_int_equal(fx->rec.streams[0].gap_bytes[0], 4);
    /* A retransmission after the reset is old data: no new stream. */
    send_seg(fx, C, PA, CISN + 1, SISN + 1, "AAAA", 0);
    iiss_tcp_reassembler_flush(fx->ra);
    assert_int_equal(stats_of(fx).streams, 1);
    fixture_free(fx);
}

/* A flow silent for longer than the idle timeout is retired when capture
 * time moves on; max_flows retires the least recently active flow. */
static void test_idle_and_flow_bound(void **state)
{
    (void)state;
    iiss_tcp_config opts = {.idle_timeout_sec = 60, .max_flows = 2};
    fixture *fx = fixture_new(&opts);
    send_seg(fx, C, PA, 1, 0, "one", 0); /* stream 0 */
    fx->now += 61;
    iiss_tcp_segment seg = {0};
    seg.src = endpoint(7, 50007);
    seg.dst = endpoint(9, SERVER_PORT);
    seg.flags = PA;
    seg.seq = 1;
    seg.payload = (const uint8_t *)"two";
    seg.payload_len = 3;
    iiss_packet_meta meta = {.frame = 2, .ts_sec = fx->now};
    iiss_tcp_reassembler_add(fx->ra, &seg, &meta); /* stream 1; stream 0 retired */
    assert_int_equal(fx->rec.streams[0].closes, 1);
    assert_int_equal(stats_of(fx).flows_retired_idle, 1);
    seg.src = endpoint(8, 50008);
    meta.frame = 3;
    iiss_tcp_reassembler_add(fx->ra, &seg, &meta); /* stream 2 */
    seg.src = endpoint(10, 50010);
    meta.frame = 4;
    iiss_tcp_reassembler_add(fx->ra, &seg, &meta); /* stream 3 evicts stream 1 */
    assert_int_equal(fx->rec.streams[1].closes, 1);
    assert_string_equal(fx->rec.streams[1].copy.limit, IISS_TCP_LIMIT_FLOWS);
    assert_int_equal(fx->rec.streams[2].closes, 0);
    iiss_tcp_stats st = stats_of(fx);
    assert_int_equal(st.flows_evicted, 1);
    /* a stream the sink wants kept longer is passed over: stream 4
     * evicts stream 3, not the older stream 2 */
    fx->rec.keep_stream_plus1 = 2 + 1;
    seg.seq = 4; /* new bytes, after "two" */
    seg.src = endpoint(8, 50008);
    meta.frame = 5;
    iiss_tcp_reassembler_add(fx->ra, &seg, &meta); /* stream 2 again: marked */
    seg.src = endpoint(10, 50010);
    meta.frame = 6;
    iiss_tcp_reassembler_add(fx->ra, &seg, &meta); /* stream 3 again, now the most recent */
    seg.src = endpoint(11, 50011);
    seg.seq = 1;
    meta.frame = 7;
    iiss_tcp_reassembler_add(fx->ra, &seg, &meta); /* stream 4 */
    assert_int_equal(fx->rec.streams[2].closes, 0);
    assert_int_equal(fx->rec.streams[3].closes, 1);
    assert_int_equal(stats_of(fx).flows_evicted, 2);
    assert_int_equal(st.flows_now, 2);
    /* Flush closes the rest in stream order. */
    size_t before = fx->rec.n_events;
    iiss_tcp_reassembler_flush(fx->ra);
    assert_int_equal(fx->rec.n_events, before + 2);
    assert_int_equal(fx->rec.events[before].stream, 2);
    assert_int_equal(fx->rec.events[before + 1].stream, 4);
    assert_int_equal(stats_of(fx).flows_now, 0);
    fixture_free(fx);
}

/* A closed flow lingers to absorb late packets, but only two minutes of
 * capture time, however long the idle timeout; under the max_flows bound a
 * closed flow is dropped before any open one. */
static void test_closed_flows_linger_briefly(void **state)
{
    (void)state;
    iiss_tcp_config opts = {.max_flows = 2};
    fixture *fx = fixture_new(&opts);
    handshake(fx, CISN, SISN);
    send_seg(fx, C, PA, CISN + 1, SISN + 1, "bye", 0);
    send_seg(fx, C, IISS_TCP_FIN | ACK, CISN + 4, SISN + 1, NULL, 0);
    send_seg(fx, S, IISS_TCP_FIN | ACK, SISN + 1, CISN + 5, NULL, 0);
    assert_int_equal(fx->rec.streams[0].closes, 1);
    assert_int_equal(stats_of(fx).flows_now, 1); /* lingering */
    iiss_tcp_segment seg = {0};
    seg.src = endpoint(7, 50007);
    seg.dst = endpoint(9, SERVER_PORT);
    seg.flags = PA;
    seg.seq = 1;
    seg.payload = (const uint8_t *)"x";
    seg.payload_len = 1;
    iiss_packet_meta meta = {.frame = 10, .ts_sec = fx->now + 60};
    iiss_tcp_reassembler_add(fx->ra, &seg, &meta); /* stream 1 */
    assert_int_equal(stats_of(fx).flows_now, 2);
    seg.src = endpoint(8, 50008);
    meta.frame = 11;
    iiss_tcp_reassembler_add(fx->ra, &seg, &meta); /* stream 2: the closed flow makes room */
    iiss_tcp_stats st = stats_of(fx);
    assert_int_equal(st.flows_now, 2);
    assert_int_equal(st.flows_evicted, 0);
    assert_int_equal(fx->rec.streams[1].closes, 0);
    fixture_free(fx);

    fx = fixture_new(NULL);
    handshake(fx, CISN, SISN);
    send_seg(fx, S, IISS_TCP_RST, SISN + 1, 0, NULL, 0);
    assert_int_equal(stats_of(fx).flows_now, 1);
    meta.ts_sec = fx->now + 121;
    seg.src = endpoint(7, 50007);
    iiss_tcp_reassembler_add(fx->ra, &seg, &meta);
    st = stats_of(fx);
    assert_int_equal(st.flows_now, 1); /* the closed flow is gone, the new one stays */
    assert_int_equal(st.flows_retired_idle, 0);
    fixture_free(fx);
}

/* Segments of every size in every order (a fixed pseudo-random shuffle with
 * duplicates) reassemble to the original bytes, with no gap. */
static void test_shuffled_segments(void **state)
{
    (void)state;
    enum { TOTAL = 4000, SEGS = 64 };
    static char text[TOTAL + 1];
    for (int i = 0; i < TOTAL; i++)
        text[i] = (char)('a' + (i * 7 + i / 13) % 26);
    uint32_t starts[SEGS + 1];
    uint32_t seed = 12345;
    starts[0] = 0;
    for (int i = 1; i < SEGS; i++)
        starts[i] = (uint32_t)(i * (TOTAL / SEGS));
    starts[SEGS] = TOTAL;
    int order[SEGS * 2];
    for (int i = 0; i < SEGS * 2; i++)
        order[i] = i % SEGS;
    for (int i = SEGS * 2 - 1; i > 0; i--) {
        seed = seed * 1103515245u + 12345u;
        int j = (int)((seed >> 16) % (uint32_t)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    fixture *fx = fixture_new(NULL);
    uint32_t isn = 0xFFFFF000u; /* wraps inside the data too */
    handshake(fx, isn, SISN);
    for (int k = 0; k < SEGS * 2; k++) {
        int i = order[k];
        char piece[TOTAL + 1]; /* the last segment takes the remainder */
        uint32_t len = starts[i + 1] - starts[i];
        memcpy(piece, text + starts[i], len);
        piece[len] = '\0';
        send_seg(fx, C, PA, isn + 1 + starts[i], SISN + 1, piece, 0);
    }
    assert_int_equal(fx->rec.streams[0].len[0], TOTAL);
    assert_memory_equal(fx->rec.streams[0].bytes[0], text, TOTAL);
    iiss_tcp_stats st = stats_of(fx);
    assert_int_equal(st.gaps, 0);
    assert_int_equal(st.buffered_bytes, 0);
    fixture_free(fx);
}

/* ---- against a model ---- */

/* Random segments of a random stream (overlapping, repeated, some with
 * other bytes than the original, some with a cut tail), in random order,
 * compared with the rule "each byte is the first copy received; a cut byte
 * is missing": positions of every delivered byte and every gap byte must
 * match the model exactly. */
enum { MODEL_MAX = 3000, MODEL_UNSET = 0x100, MODEL_LOST = 0x200 };

typedef struct model_sink {
    uint16_t got[MODEL_MAX + 400];
    size_t pos;
    uint64_t gaps;
} model_sink;

static void model_data(void *user, iiss_tcp_stream *s, iiss_direction dir, const uint8_t *data, size_t len,
                       const iiss_packet_meta *meta)
{
    (void)s;
    (void)meta;
    model_sink *m = user;
    assert_int_equal(dir, IISS_DIR_CLIENT_TO_SERVER);
    assert_true(m->pos + len <= MODEL_MAX);
    for (size_t i = 0; i < len; i++)
        m->got[m->pos++] = data[i];
}

static void model_gap(void *user, iiss_tcp_stream *s, iiss_direction dir, uint64_t missing,
                      const iiss_packet_meta *meta)
{
    (void)s;
    (void)dir;
    (void)meta;
    model_sink *m = user;
    assert_true(m->pos + missing <= MODEL_MAX);
    for (uint64_t i = 0; i < missing; i++)
        m->got[m->pos++] = MODEL_LOST;
    m->gaps += missing;
}

static uint32_t rnd(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

/* With `pressure`, the reassembler runs with a 700-byte bound per direction
 * and the server acknowledges random positions, so holes are given up
 * early: every delivered byte must still be the first copy received, and
 * the other positions gaps. */
static void run_model(int rounds, bool pressure)
{
    uint32_t seed = pressure ? 0xBADC0DEu : 0x1234567u;
    uint64_t given_up = 0, conflicts = 0;
    static uint8_t original[MODEL_MAX];
    static uint16_t expect[MODEL_MAX];
    for (int round = 0; round < rounds; round++) {
        uint32_t len = 1 + rnd(&seed) % MODEL_MAX;
        for (uint32_t i = 0; i < len; i++)
            original[i] = (uint8_t)rnd(&seed);
        for (uint32_t i = 0; i < len; i++)
            expect[i] = MODEL_UNSET;
        /* Near the wrap one round in four. */
        uint32_t isn = (round % 4 == 0) ? 0xFFFFFFFFu - rnd(&seed) % 4000 : rnd(&seed);
        model_sink *m = calloc(1, sizeof *m);
        assert_non_null(m);
        iiss_stream_sink sink = {m, model_data, model_gap, NULL, NULL};
        iiss_tcp_config opts = {.max_buffered_per_direction = pressure ? 700 : 0};
        iiss_tcp_reassembler *ra = iiss_tcp_reassembler_new(&opts, &sink);
        iiss_tcp_segment seg = {0};
        seg.src = *client_ep();
        seg.dst = *server_ep();
        seg.flags = IISS_TCP_SYN;
        seg.seq = isn;
        iiss_packet_meta meta = {.frame = 1, .ts_sec = 1700000000};
        iiss_tcp_reassembler_add(ra, &seg, &meta);
        int segments = 1 + (int)(rnd(&seed) % 40);
        for (int k = 0; k < segments; k++) {
            uint32_t start = rnd(&seed) % len;
            uint32_t n = 1 + rnd(&seed) % 400;
            if (n > len - start)
                n = len - start;
            uint32_t lost = (rnd(&seed) % 8 == 0) ? rnd(&seed) % (n + 1) : 0;
            uint8_t piece[400];
            bool corrupt = rnd(&seed) % 5 == 0;
            for (uint32_t i = 0; i < n; i++)
                piece[i] = corrupt ? (uint8_t)rnd(&seed) : original[start + i];
            /* The model: first copy of each byte wins; cut bytes count as
             * received but unreadable. */
            for (uint32_t i = 0; i < n; i++)
                if (expect[start + i] == MODEL_UNSET)
                    expect[start + i] = i < n - lost ? piece[i] : MODEL_LOST;
            seg.flags = IISS_TCP_PSH; /* no ACK: holes wait for the flush */
            seg.seq = isn + 1 + start;
            seg.payload = piece;
            seg.payload_len = n - lost;
            seg.payload_missing = lost;
            meta.frame++;
            iiss_tcp_reassembler_add(ra, &seg, &meta);
            if (pressure && rnd(&seed) % 3 == 0) {
                iiss_tcp_segment ack = {0};
                ack.src = *server_ep();
                ack.dst = *client_ep();
                ack.flags = IISS_TCP_ACK;
                ack.seq = 1;
                ack.ack = isn + 1 + rnd(&seed) % (len + 1);
                meta.frame++;
                iiss_tcp_reassembler_add(ra, &ack, &meta);
            }
        }
        iiss_tcp_reassembler_flush(ra);
        /* Holes are missing bytes too; the stream ends at the last byte any
         * segment covered. */
        size_t end = len;
        while (end > 0 && expect[end - 1] == MODEL_UNSET)
            end--;
        for (size_t i = 0; i < end; i++)
            if (expect[i] == MODEL_UNSET)
                expect[i] = MODEL_LOST;
        if (m->pos != end)
            fail_msg("round %d: %zu positions delivered, model says %zu", round, m->pos, end);
        for (size_t i = 0; i < end; i++)
            if (m->got[i] != expect[i] && !(pressure && m->got[i] == MODEL_LOST))
                fail_msg("round %d: position %zu is %#x, model says %#x", round, i, m->got[i], expect[i]);
        iiss_tcp_stats st;
        iiss_tcp_reassembler_get_stats(ra, &st);
        assert_int_equal(st.buffered_bytes, 0);
        given_up += st.caps_per_direction + st.holes_acked;
        conflicts += st.overlap_conflicts;
        iiss_tcp_reassembler_free(ra);
        free(m);
    }
    /* The rounds did go through the paths they are meant to test. */
    assert_true(conflicts > 0);
    if (pressure)
        assert_true(given_up > 100);
    else
        assert_int_equal(given_up, 0);
}

static void test_random_against_model(void **state)
{
    (void)state;
    run_model(3000, false);
}

static void test_random_under_pressure(void **state)
{
    (void)state;
    run_model(3000, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order_zero_copy),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_duplicates_dropped),
        cmocka_unit_test(test_overlap_first_copy_wins),
        cmocka_unit_test(test_midstream),
        cmocka_unit_test(test_midstream_roles_from_earlier_handshake),
        cmocka_unit_test(test_syn_ack_without_syn),
        cmocka_unit_test(test_port_reuse),
        cmocka_unit_test(test_gap_acked_then_resync),
        cmocka_unit_test(test_gap_at_flush),
        cmocka_unit_test(test_snaplen_missing_bytes_are_a_gap),
        cmocka_unit_test(test_cap_per_direction),
        cmocka_unit_test(test_cap_on_held_ranges),
        cmocka_unit_test(test_budget_sheds_the_oldest_waiting_flow),
        cmocka_unit_test(test_budget_refuses_the_flow_alone),
        cmocka_unit_test(test_budget_ends_the_oldest_flow),
        cmocka_unit_test(test_sequence_wraparound),
        cmocka_unit_test(test_out_of_window_dropped),
        cmocka_unit_test(test_rst_closes),
        cmocka_unit_test(test_idle_and_flow_bound),
        cmocka_unit_test(test_closed_flows_linger_briefly),
        cmocka_unit_test(test_shuffled_segments),
        cmocka_unit_test(test_random_against_model),
        cmocka_unit_test(test_random_under_pressure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
