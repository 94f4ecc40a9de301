/* capture_file and the pipeline: capture files written byte by byte here
 * (pcap in both byte orders with micro- and nanosecond magic, pcapng in
 * both byte orders with both timestamp resolutions), cut files, files that
 * are no capture, the per-packet filter, and the pipeline's per-file
 * reporting. When the sample captures exist, the TCP disorder sample is
 * reassembled and compared with what tshark reports for it. */
#define _DEFAULT_SOURCE /* mkdtemp, freopen on stdin */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <zlib.h>

#include "capture_file.h"
#include "pcapng_reader.h"
#include "pipeline.h"

/* One TCP stream of a sample, as tshark sees it. */
struct sample_expectation {
    const char *file;
    uint64_t file_size; /* the rows are stale when the sample's size differs */
    uint64_t frames;
    uint64_t snaplen_cut_bytes; /* TCP payload the snapshot length removed, whole file */
    uint64_t stream;            /* tcp.stream */
    uint64_t client_to_server, server_to_client;
    uint64_t client_to_server_fnv, server_to_client_fnv; /* FNV-1a 64 of the bytes */
};
#include "data/samples_expected.h"

/* The transport half of the chain over files, into `sink`. */
static size_t run_streams(const char *const *paths, size_t count, const iiss_stream_sink *sink,
                          const iiss_pipeline_callbacks *cb, iiss_pipeline_stats *stats)
{
    iiss_pipeline *pl = iiss_pipeline_new_streams(NULL, sink);
    assert_non_null(pl);
    size_t failed = iiss_pipeline_run_files(pl, paths, count, cb);
    iiss_pipeline_get_stats(pl, stats);
    iiss_pipeline_free(pl);
    return failed;
}


/* ---- byte writer ---- */

typedef struct buf {
    uint8_t b[8192];
    size_t len;
    bool big_endian;
} buf;

static void w8(buf *o, uint8_t v)
{
    assert_true(o->len < sizeof o->b);
    o->b[o->len++] = v;
}

static void w16(buf *o, uint16_t v)
{
    if (o->big_endian) {
        w8(o, (uint8_t)(v >> 8));
        w8(o, (uint8_t)v);
    } else {
        w8(o, (uint8_t)v);
        w8(o, (uint8_t)(v >> 8));
    }
}

static void w32(buf *o, uint32_t v)
{
    if (o->big_endian) {
        w16(o, (uint16_t)(v >> 16));
        w16(o, (uint16_t)v);
    } else {
        w16(o, (uint16_t)v);
        w16(o, (uint16_t)(v >> 16));
    }
}

static void wbytes(buf *o, const void *p, size_t n)
{
    assert_true(o->len + n <= sizeof o->b);
    memcpy(o->b + o->len, p, n);
    o->len += n;
}

/* Network-order helpers for packet contents. */
static void n16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void n32(uint8_t *p, uint32_t v)
{
    n16(p, (uint16_t)(v >> 16));
    n16(p + 2, (uint16_t)v);
}

/* Ethernet + IPv4 + TCP frame from 10.0.0.<src> to 10.0.0.<dst>. Returns its
 * length; frames shorter than 60 bytes are padded as on the wire. */
static size_t make_frame(uint8_t *f, uint8_t src, uint8_t dst, uint16_t sport, uint16_t dport, uint8_t flags,
                         uint32_t seq, uint32_t ack, const char *payload)
{
    size_t plen = payload ? strlen(payload) : 0;
    memset(f, 0, 60);
    static const uint8_t macs[12] = {2, 0, 0, 0, 0, 9, 2, 0, 0, 0, 0, 5};
    memcpy(f, macs, 12);
    n16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    n16(ip + 2, (uint16_t)(40 + plen));
    n16(ip + 6, 0x4000);
    ip[8] = 128;
    ip[9] = 6;
    ip[12] = 10;
    ip[15] = src;
    ip[16] = 10;
    ip[19] = dst;
    uint8_t *tcp = ip + 20;
    n16(tcp, sport);
    n16(tcp + 2, dport);
    n32(tcp + 4, seq);
    n32(tcp + 8, ack);
    tcp[12] = 0x50;
    tcp[13] = flags;
    n16(tcp + 14, 8192);
    if (plen)
        memcpy(tcp + 20, payload, plen);
    size_t len = 54 + plen;
    return len < 60 ? 60 : len;
}

typedef struct pkt {
    uint32_t sec, frac; /* frac in the file's unit */
    uint8_t data[256];
    size_t len;
    size_t caplen; /* 0: whole */
} pkt;

/* A small conversation: handshake, request, response, one UDP-free ARP
 * frame in the middle (not TCP). Frame 5 is the ARP. */
static size_t make_conversation(pkt *p)
{
    size_t n = 0;
    p[n].len = make_frame(p[n].data, 5, 9, 49712, 135, 0x02, 100, 0, NULL);
    n++;
    p[n].len = make_frame(p[n].data, 9, 5, 135, 49712, 0x12, 700, 101, NULL);
    n++;
    p[n].len = make_frame(p[n].data, 5, 9, 49712, 135, 0x10, 101, 701, NULL);
    n++;
    p[n].len = make_frame(p[n].data, 5, 9, 49712, 135, 0x18, 101, 701, "request-bytes");
    n++;
    memset(p[n].data, 0, 60); /* ARP */
    n16(p[n].data + 12, 0x0806);
    p[n].len = 60;
    n++;
    p[n].len = make_frame(p[n].data, 9, 5, 135, 49712, 0x18, 701, 114, "the-response");
    n++;
    for (size_t i = 0; i < n; i++) {
        p[i].sec = 1700000000u + (uint32_t)i;
        p[i].frac = 123456u + (uint32_t)i;
        p[i].caplen = 0;
    }
    return n;
}

static void write_pcap(buf *o, bool big_endian, bool nano, uint32_t linktype, const pkt *p, size_t n)
{
    o->len = 0;
    o->big_endian = big_endian;
    w32(o, nano ? 0xA1B23C4Du : 0xA1B2C3D4u);
    w16(o, 2);
    w16(o, 4);
    w32(o, 0);
    w32(o, 0);
    w32(o, 65535);
    w32(o, linktype);
    for (size_t i = 0; i < n; i++) {
        size_t cap = p[i].caplen ? p[i].caplen : p[i].len;
        w32(o, p[i].sec);
        w32(o, p[i].frac);
        w32(o, (uint32_t)cap);
        w32(o, (uint32_t)p[i].len);
        wbytes(o, p[i].data, cap);
    }
}

/* pcapng: section header, one Ethernet interface (with if_tsresol = 9 when
 * `nano`), one enhanced packet block per packet. */
static void write_pcapng(buf *o, bool big_endian, bool nano, const pkt *p, size_t n)
{
    o->len = 0;
    o->big_endian = big_endian;
    w32(o, 0x0A0D0D0A);
    w32(o, 28);
    w32(o, 0x1A2B3C4D);
    w16(o, 1);
    w16(o, 0);
    w32(o, 0xFFFFFFFFu);
    w32(o, 0xFFFFFFFFu);
    w32(o, 28);
    uint32_t idb_len = nano ? 32 : 20;
    w32(o, 1);
    w32(o, idb_len);
    w16(o, 1); /* Ethernet */
    w16(o, 0);
    w32(o, 65535);
    if (nano) {
        w16(o, 9); /* if_tsresol */
        w16(o, 1);
        w8(o, 9);
        w8(o, 0);
        w8(o, 0);
        w8(o, 0);
        w16(o, 0); /* opt_endofopt */
        w16(o, 0);
    }
    w32(o, idb_len);
    for (size_t i = 0; i < n; i++) {
        uint64_t units = (uint64_t)p[i].sec * (nano ? 1000000000u : 1000000u) + p[i].frac;
        size_t padded = (p[i].len + 3) & ~(size_t)3;
        uint32_t block_len = (uint32_t)(32 + padded);
        w32(o, 6);
        w32(o, block_len);
        w32(o, 0);
        w32(o, (uint32_t)(units >> 32));
        w32(o, (uint32_t)units);
        w32(o, (uint32_t)p[i].len);
        w32(o, (uint32_t)p[i].len);
        wbytes(o, p[i].data, p[i].len);
        for (size_t k = p[i].len; k < padded; k++)
            w8(o, 0);
        w32(o, block_len);
    }
}

/* ---- pcapng blocks, one at a time ---- */

static void patch32(buf *o, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        o->b[at + (size_t)i] = (uint8_t)(o->big_endian ? v >> (24 - 8 * i) : v >> (8 * i));
}

static size_t ng_begin(buf *o, uint32_t type)
{
    size_t at = o->len;
    w32(o, type);
    w32(o, 0); /* total length, patched by ng_end */
    return at;
}

static void ng_end(buf *o, size_t at)
{
    while ((o->len - at) % 4)
        w8(o, 0);
    uint32_t total = (uint32_t)(o->len - at + 4);
    patch32(o, at + 4, total);
    w32(o, total);
}

static void ng_shb(buf *o, bool big_endian, uint16_t major)
{
    o->big_endian = big_endian;
    size_t at = ng_begin(o, 0x0A0D0D0A);
    w32(o, 0x1A2B3C4D);
    w16(o, major);
    w16(o, 0);
    w32(o, 0xFFFFFFFFu); /* section length unknown */
    w32(o, 0xFFFFFFFFu);
    ng_end(o, at);
}

#define NO_TSRESOL (-1)

/* An IDB with if_tsresol when tsresol >= 0 and if_tsoffset when offset != 0. */
static void ng_idb(buf *o, uint16_t linktype, uint32_t snaplen, int tsresol, int64_t offset)
{
    size_t at = ng_begin(o, 1);
    w16(o, linktype);
    w16(o, 0);
    w32(o, snaplen);
    if (tsresol >= 0) {
        w16(o, 9);
        w16(o, 1);
        w8(o, (uint8_t)tsresol);
        w8(o, 0);
        w8(o, 0);
        w8(o, 0);
    }
    if (offset != 0) {
        w16(o, 14);
        w16(o, 8);
        uint64_t u = (uint64_t)offset;
        if (o->big_endian) {
            w32(o, (uint32_t)(u >> 32));
            w32(o, (uint32_t)u);
        } else {
            w32(o, (uint32_t)u);
            w32(o, (uint32_t)(u >> 32));
        }
    }
    if (tsresol >= 0 || offset != 0) {
        w16(o, 0); /* opt_endofopt */
        w16(o, 0);
    }
    ng_end(o, at);
}

static void ng_epb(buf *o, uint32_t iface, uint64_t ts, const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
    size_t at = ng_begin(o, 6);
    w32(o, iface);
    w32(o, (uint32_t)(ts >> 32));
    w32(o, (uint32_t)ts);
    w32(o, caplen);
    w32(o, wirelen);
    wbytes(o, data, caplen);
    ng_end(o, at);
}

/* The obsolete Packet Block: a 16-bit interface id and a drops count. */
static void ng_pb(buf *o, uint16_t iface, uint64_t ts, const uint8_t *data, uint32_t len)
{
    size_t at = ng_begin(o, 2);
    w16(o, iface);
    w16(o, 0);
    w32(o, (uint32_t)(ts >> 32));
    w32(o, (uint32_t)ts);
    w32(o, len);
    w32(o, len);
    wbytes(o, data, len);
    ng_end(o, at);
}

static void ng_spb(buf *o, uint32_t wirelen, const uint8_t *data, uint32_t held)
{
    size_t at = ng_begin(o, 3);
    w32(o, wirelen);
    wbytes(o, data, held);
    ng_end(o, at);
}

static void ng_block(buf *o, uint32_t type, const void *body, size_t n)
{
    size_t at = ng_begin(o, type);
    wbytes(o, body, n);
    ng_end(o, at);
}

/* The frame of make_frame() behind a Linux cooked (SLL) header instead of
 * Ethernet, or bare (raw IP). */
static size_t make_sll_frame(uint8_t *f, uint8_t src, uint8_t dst, uint16_t sport, uint16_t dport, uint8_t flags,
                             uint32_t seq, uint32_t ack, const char *payload)
{
    uint8_t eth[256];
    size_t len = make_frame(eth, src, dst, sport, dport, flags, seq, ack, payload);
    memset(f, 0, 16);
    n16(f, 0);      /* sent to us */
    n16(f + 2, 1);  /* ARPHRD_ETHER */
    n16(f + 4, 6);  /* address length */
    memcpy(f + 6, eth + 6, 6);
    n16(f + 14, 0x0800);
    memcpy(f + 16, eth + 14, len - 14);
    return len + 2;
}

static size_t make_raw_frame(uint8_t *f, uint8_t src, uint8_t dst, uint16_t sport, uint16_t dport, uint8_t flags,
                             uint32_t seq, uint32_t ack, const char *payload)
{
    uint8_t eth[256];
    size_t len = make_frame(eth, src, dst, sport, dport, flags, seq, ack, payload);
    size_t ip_len = 40 + (payload ? strlen(payload) : 0);
    (void)len;
    memcpy(f, eth + 14, ip_len);
    return ip_len;
}

/* ---- temp files ---- */

static char tmpdir[64];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/iiss-capture-test-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *save(const char *name, const void *data, size_t len)
{
    static char paths[8][128];
    static int next;
    char *path = paths[next++ % 8];
    snprintf(path, 128, "%s/%s", tmpdir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    fclose(fp);
    return path;
}

/* ---- reading ---- */

static void read_all_and_check(const char *path, bool nano, size_t expected_frames)
{
    char err[IISS_CAPTURE_ERROR_MAX];
    iiss_capture_file *cf;
    assert_int_equal(iiss_capture_file_open(path, NULL, &cf, err, sizeof err), IISS_CAPTURE_OPENED);
    assert_int_equal(iiss_capture_file_linktype(cf), 1);
    iiss_capture_packet pkt;
    size_t n = 0;
    while (iiss_capture_file_next(cf, &pkt) == IISS_CAPTURE_PACKET) {
        n++;
        assert_int_equal(pkt.frame, n);
        assert_int_equal(pkt.ts_sec, 1700000000 + (int64_t)n - 1);
        uint32_t frac = 123456u + (uint32_t)n - 1;
        assert_int_equal(pkt.ts_nsec, nano ? frac : frac * 1000u);
        assert_int_equal(pkt.caplen, pkt.wirelen);
        assert_true(pkt.caplen >= 60);
    }
    assert_int_equal(n, expected_frames);
    assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_END);
    assert_int_equal(iiss_capture_file_frames(cf), expected_frames);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(iiss_capture_file_size(cf), (uint64_t)st.st_size);
    assert_int_equal(iiss_capture_file_bytes_read(cf), (uint64_t)st.st_size);
    iiss_capture_file_close(cf);
}

static void test_pcap_byte_orders_and_resolutions(void **state)
{
    (void)state;
    pkt p[8];
    size_t n = make_conversation(p);
    static buf o;
    for (int be = 0; be <= 1; be++) {
        for (int nano = 0; nano <= 1; nano++) {
            write_pcap(&o, be, nano, 1, p, n);
            read_all_and_check(save("conv.pcap", o.b, o.len), nano, n);
        }
    }
}

/* A classic pcap record whose fraction holds a second or more (hostile):
 * the whole seconds are carried, nanoseconds stay below 10^9. */
static void test_pcap_fraction_overflow(void **state)
{
    (void)state;
    pkt p[8];
    make_conversation(p);
    p[0].frac = 2500000; /* 2.5 s in microseconds */
    static buf o;
    write_pcap(&o, false, false, 1, p, 1);
    char err[IISS_CAPTURE_ERROR_MAX];
    iiss_capture_file *cf;
    assert_int_equal(iiss_capture_file_open(save("frac.pcap", o.b, o.len), NULL, &cf, err, sizeof err),
                     IISS_CAPTURE_OPENED);
    iiss_capture_packet pkt;
    assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_PACKET);
    assert_int_equal(pkt.ts_sec, 1700000002);
    assert_int_equal(pkt.ts_nsec, 500000000);
    iiss_capture_file_close(cf);
}

static void test_pcapng_byte_orders_and_resolutions(void **state)
{
    (void)state;
    pkt p[8];
    size_t n = make_conversation(p);
    static buf o;
    for (int be = 0; be <= 1; be++) {
        for (int nano = 0; nano <= 1; nano++) {
            write_pcapng(&o, be, nano, p, n);
            read_all_and_check(save("conv.pcapng", o.b, o.len), nano, n);
        }
    }
}

static void test_stdin(void **state)
{
    (void)state;
    pkt p[8];
    size_t n = make_conversation(p);
    static buf o;
    write_pcap(&o, false, false, 1, p, n);
    const char *path = save("stdin.pcap", o.b, o.len);
    assert_non_null(freopen(path, "rb", stdin));
    char err[IISS_CAPTURE_ERROR_MAX];
    iiss_capture_file *cf;
    assert_int_equal(iiss_capture_file_open("-", NULL, &cf, err, sizeof err), IISS_CAPTURE_OPENED);
    iiss_capture_packet pkt;
    size_t count = 0;
    while (iiss_capture_file_next(cf, &pkt) == IISS_CAPTURE_PACKET)
        count++;
    assert_int_equal(count, n);
    assert_int_equal(iiss_capture_file_size(cf), o.len); /* stdin is a regular file here */
    iiss_capture_file_close(cf);
}

/* A file cut inside its fourth record: three packets, then a warning. */
static void test_truncated_file(void **state)
{
    (void)state;
    pkt p[8];
    size_t n = make_conversation(p);
    static buf o;
    write_pcap(&o, false, false, 1, p, n);
    size_t cut = 24 + 3 * 16 + p[0].len + p[1].len + p[2].len + 16 + 20;
    const char *path = save("cut.pcap", o.b, cut);
    char err[IISS_CAPTURE_ERROR_MAX];
    iiss_capture_file *cf;
    assert_int_equal(iiss_capture_file_open(path, NULL, &cf, err, sizeof err), IISS_CAPTURE_OPENED);
    iiss_capture_packet pkt;
    size_t count = 0;
    iiss_capture_status st;
    while ((st = iiss_capture_file_next(cf, &pkt)) == IISS_CAPTURE_PACKET)
        count++;
    assert_int_equal(st, IISS_CAPTURE_TRUNCATED);
    assert_int_equal(count, 3);
    assert_non_null(strstr(iiss_capture_file_error(cf), "truncated"));
    assert_non_null(strstr(iiss_capture_file_error(cf), "record 3"));
    assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_TRUNCATED); /* sticky */
    iiss_capture_file_close(cf);

    /* Same for pcapng. */
    write_pcapng(&o, true, true, p, n);
    path = save("cut.pcapng", o.b, o.len - 10);
    assert_int_equal(iiss_capture_file_open(path, NULL, &cf, err, sizeof err), IISS_CAPTURE_OPENED);
    count = 0;
    while ((st = iiss_capture_file_next(cf, &pkt)) == IISS_CAPTURE_PACKET)
        count++;
    assert_int_equal(st, IISS_CAPTURE_TRUNCATED);
    assert_int_equal(count, n - 1);
    iiss_capture_file_close(cf);
}

static void expect_open_failure(const char *path, const char *reason_part)
{
    char err[IISS_CAPTURE_ERROR_MAX];
    iiss_capture_file *cf = (iiss_capture_file *)&cf;
    assert_int_equal(iiss_capture_file_open(path, NULL, &cf, err, sizeof err), IISS_CAPTURE_OPEN_FAILED);
    assert_null(cf);
    if (!strstr(err, reason_part))
        fail_msg("\"%s\" does not say \"%s\"", err, reason_part);
}

static void test_not_captures(void **state)
{
    (void)state;
    char missing[160];
    snprintf(missing, sizeof missing, "%s/does-not-exist.pcap", tmpdir);
    expect_open_failure(missing, "No such file or directory");
    expect_open_failure(tmpdir, "is a directory");
    expect_open_failure(save("empty.pcap", "", 0), "empty file");
    uint8_t noise[300];
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < sizeof noise; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        noise[i] = (uint8_t)x;
    }
    expect_open_failure(save("noise.pcap", noise, sizeof noise), "not a pcap or pcapng capture");
    expect_open_failure(save("text.pcap", "hello, world\n", 13), "not a pcap or pcapng capture");
    /* A pcap header cut short. */
    expect_open_failure(save("short.pcap", "\xd4\xc3\xb2\xa1\x02\x00", 6), "cut short");
    if (geteuid() != 0) {
        const char *path = save("secret.pcap", "x", 1);
        chmod(path, 0);
        expect_open_failure(path, "Permission denied");
    }
}

/* The filter hides packets but frame numbers still count every record. */
static void test_filter_keeps_frame_numbers(void **state)
{
    (void)state;
    pkt p[8];
    size_t n = make_conversation(p);
    static buf o;
    write_pcap(&o, false, true, 1, p, n);
    const char *path = save("filter.pcap", o.b, o.len);
    char err[IISS_CAPTURE_ERROR_MAX];
    iiss_capture_file *cf;
    assert_int_equal(iiss_capture_file_open(path, "tcp[13] & 8 != 0", &cf, err, sizeof err), IISS_CAPTURE_OPENED);
    iiss_capture_packet pkt;
    assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_PACKET);
    assert_int_equal(pkt.frame, 4);
    assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_PACKET);
    assert_int_equal(pkt.frame, 6);
    assert_int_equal(pkt.ts_nsec, 123461u);
    assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_END);
    assert_int_equal(iiss_capture_file_frames(cf), 6);
    assert_int_equal(iiss_capture_file_frames_filtered_out(cf), 4);
    iiss_capture_file_close(cf);

    assert_int_equal(iiss_capture_file_open(path, "tcp port", &cf, err, sizeof err), IISS_CAPTURE_FILTER_FAILED);
    assert_null(cf);
    assert_non_null(strstr(err, "invalid filter"));
    assert_false(iiss_capture_filter_check("host and and", err, sizeof err));
    assert_non_null(strstr(err, "invalid filter"));
    assert_true(iiss_capture_filter_check("tcp port 135", err, sizeof err));
}

/* ---- pcapng: several link types, resolutions, sections ---- */

typedef struct expected_packet {
    uint64_t frame;
    int linktype; /* DLT_ value */
    uint32_t interface;
    int64_t sec;
    uint32_t nsec;
    uint32_t caplen;
    bool has_own_time; /* false for the Simple Packet Block */
} expected_packet;

#define JOURNAL_ENTRY "__REALTIME_TIMESTAMP=1700000003000000\nMESSAGE=entry\n"

/* Section 1 (little-endian): Ethernet (microseconds), SLL (nanoseconds,
 * if_tsoffset one hour), raw IP (LINKTYPE_RAW, 2^-20 s) in Enhanced and
 * obsolete Packet blocks, a Simple Packet Block, skipped blocks (NRB, ISB,
 * an unknown type) and frames without a packet (journal entry, custom
 * block). Section 2 (big-endian) starts its interfaces anew: one SLL. */
static size_t write_multi_link(buf *o, expected_packet *want)
{
    uint8_t f[256];
    size_t len, n = 0;
    o->len = 0;
    ng_shb(o, false, 1);
    ng_idb(o, 1, 65535, NO_TSRESOL, 0);
    ng_idb(o, 113, 65535, 9, 3600);
    ng_idb(o, 101, 0, 0x80 | 20, 0);
    len = make_frame(f, 5, 9, 1001, 135, 0x02, 100, 0, NULL);
    ng_epb(o, 0, 1700000000ull * 1000000u + 250000u, f, (uint32_t)len, (uint32_t)len);
    want[n++] = (expected_packet){1, 1, 0, 1700000000, 250000000, (uint32_t)len, true};
    static const uint8_t nrb_end[4] = {0};
    ng_block(o, 4, nrb_end, sizeof nrb_end);
    len = make_sll_frame(f, 5, 9, 1002, 135, 0x02, 200, 0, NULL);
    ng_epb(o, 1, 1700000001ull * 1000000000u + 123456789u, f, (uint32_t)len, (uint32_t)len);
    want[n++] = (expected_packet){2, 113, 1, 1700003601, 123456789, (uint32_t)len, true};
    static const uint8_t isb[12] = {0};
    ng_block(o, 5, isb, sizeof isb);
    len = make_raw_frame(f, 5, 9, 1003, 135, 0x02, 300, 0, NULL);
    ng_pb(o, 2, (1700000002ull << 20) | (1u << 19), f, (uint32_t)len);
    want[n++] = (expected_packet){3, 12 /* DLT_RAW */, 2, 1700000002, 500000000, (uint32_t)len, true};
    ng_block(o, 9, JOURNAL_ENTRY, strlen(JOURNAL_ENTRY));
    len = make_frame(f, 5, 9, 1004, 135, 0x02, 400, 0, NULL);
    ng_spb(o, (uint32_t)len, f, (uint32_t)len);
    want[n++] = (expected_packet){5, 1, 0, 1700000002, 500000000, (uint32_t)len, false};
    static const uint8_t unknown[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    ng_block(o, 0x7F000001u, unknown, sizeof unknown);
    static const uint8_t custom[8] = {0xD9, 0x7E, 0, 0, 'd', 'a', 't', 'a'}; /* PEN 32473, little-endian */
    ng_block(o, 0x40000BADu, custom, sizeof custom);
    ng_shb(o, true, 1);
    ng_idb(o, 113, 65535, NO_TSRESOL, 0);
    len = make_sll_frame(f, 5, 9, 1005, 135, 0x02, 500, 0, NULL);
    ng_epb(o, 0, 1700000005ull * 1000000u, f, (uint32_t)len, (uint32_t)len);
    want[n++] = (expected_packet){7, 113, 0, 1700000005, 0, (uint32_t)len, true};
    return n;
}
#define MULTI_LINK_FRAMES 7

/* tshark's frame numbers, times and captured lengths for the same file.
 * Returns the number of frames it listed, or -1 without tshark. */
static int tshark_frames(const char *path, expected_packet *rows, int max_rows)
{
    if (system("tshark -v >/dev/null 2>&1") != 0)
        return -1;
    char cmd[600];
    snprintf(cmd, sizeof cmd,
             "tshark -r '%s' -T fields -e frame.number -e frame.time_epoch -e frame.cap_len 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char line[256];
    int n = 0;
    while (fgets(line, sizeof line, p) && n < max_rows) {
        unsigned long long frame, sec, nsec;
        unsigned caplen;
        expected_packet e = {0};
        if (sscanf(line, "%llu\t%llu.%llu\t%u", &frame, &sec, &nsec, &caplen) == 4) {
            e = (expected_packet){frame, 0, 0, (int64_t)sec, (uint32_t)nsec, caplen, true};
        } else if (sscanf(line, "%llu\t\t%u", &frame, &caplen) == 2) {
            e = (expected_packet){frame, 0, 0, 0, 0, caplen, false};
        } else {
            continue;
        }
        rows[n++] = e;
    }
    pclose(p);
    return n;
}

static void test_pcapng_multi_link(void **state)
{
    (void)state;
    static buf o;
    expected_packet want[8];
    size_t n = write_multi_link(&o, want);
    const char *path = save("multi.pcapng", o.b, o.len);
    char err[IISS_CAPTURE_ERROR_MAX];
    iiss_capture_file *cf;
    assert_int_equal(iiss_capture_file_open(path, NULL, &cf, err, sizeof err), IISS_CAPTURE_OPENED);
    assert_int_equal(iiss_capture_file_linktype(cf), 1);
    assert_false(iiss_capture_file_compressed(cf));
    iiss_capture_packet pkt;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_PACKET);
        assert_int_equal(pkt.frame, want[i].frame);
        assert_int_equal(pkt.linktype, want[i].linktype);
        assert_int_equal(pkt.interface, want[i].interface);
        assert_int_equal(pkt.ts_sec, want[i].sec);
        assert_int_equal(pkt.ts_nsec, want[i].nsec);
        assert_int_equal(pkt.caplen, want[i].caplen);
    }
    assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_END);
    assert_int_equal(iiss_capture_file_frames(cf), MULTI_LINK_FRAMES);
    assert_int_equal(iiss_capture_file_bytes_read(cf), o.len);
    iiss_capture_file_close(cf);

    /* The same numbering, times and lengths as tshark. */
    expected_packet rows[16];
    int rn = tshark_frames(path, rows, 16);
    if (rn >= 0) {
        assert_int_equal(rn, MULTI_LINK_FRAMES);
        for (size_t i = 0; i < n; i++) {
            const expected_packet *t = &rows[want[i].frame - 1];
            assert_int_equal(t->frame, want[i].frame);
            assert_int_equal(t->caplen, want[i].caplen);
            assert_true(t->has_own_time == want[i].has_own_time);
            if (t->has_own_time) {
                assert_int_equal(t->sec, want[i].sec);
                assert_int_equal(t->nsec, want[i].nsec);
            }
        }
    }

    /* Through the pipeline every packet is decoded by its own link type. */
    const char *paths[] = {path};
    iiss_pipeline_stats stats;
    assert_int_equal(run_streams(paths, 1, NULL, NULL, &stats), 0);
    assert_int_equal(stats.frames, MULTI_LINK_FRAMES);
    assert_int_equal(stats.net.by_result[IISS_NET_TCP], n);
    assert_int_equal(stats.net.by_result[IISS_NET_UNSUPPORTED_LINK], 0);
    assert_int_equal(stats.tcp.streams, n);
}

/* Each if_tsresol form gives exact nanoseconds, rounded down like tshark. */
static void test_pcapng_timestamp_resolutions(void **state)
{
    (void)state;
    static const struct {
        int tsresol;
        uint64_t units;
        int64_t offset;
        int64_t sec;
        uint32_t nsec;
    } cases[] = {
        {0, 1700000000u, 0, 1700000000, 0},                               /* whole seconds */
        {3, 1700000000123ull, 0, 1700000000, 123000000},                  /* milliseconds */
        {NO_TSRESOL, 1700000000654321ull, -3600, 1699996400, 654321000}, /* default µs, negative offset */
        {9, 1700000000999999999ull, 0, 1700000000, 999999999},
        {12, 1700000ull * 1000000000000ull + 1999ull, 0, 1700000, 1},     /* picoseconds round down */
        {19, 15000000000000000999ull, 0, 1, 500000000},
        {0x80 | 0, 1700000000u, 0, 1700000000, 0},
        {0x80 | 10, (1700000000ull << 10) | 512u, 0, 1700000000, 500000000},
        {0x80 | 30, (1ull << 30) - 1, 0, 0, 999999999},
        {0x80 | 63, (1ull << 63) | (1ull << 62), 0, 1, 500000000},
    };
    static buf o;
    uint8_t f[256];
    size_t len = make_frame(f, 5, 9, 1001, 135, 0x02, 100, 0, NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        o.len = 0;
        ng_shb(&o, i % 2 == 1, 1);
        ng_idb(&o, 1, 65535, cases[i].tsresol, cases[i].offset);
        ng_epb(&o, 0, cases[i].units, f, (uint32_t)len, (uint32_t)len);
        const char *path = save("tsresol.pcapng", o.b, o.len);
        char err[IISS_CAPTURE_ERROR_MAX];
        iiss_capture_file *cf;
        assert_int_equal(iiss_capture_file_open(path, NULL, &cf, err, sizeof err), IISS_CAPTURE_OPENED);
        iiss_capture_packet pkt;
        assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_PACKET);
        print_message("tsresol 0x%02x: %lld.%09u\n", (unsigned)cases[i].tsresol & 0xFFu, (long long)pkt.ts_sec,
                      pkt.ts_nsec);
        assert_int_equal(pkt.ts_sec, cases[i].sec);
        assert_int_equal(pkt.ts_nsec, cases[i].nsec);
        iiss_capture_file_close(cf);
    }
    /* Units that do not fit 64 bits are refused, not wrapped. */
    for (int bad = 0; bad < 2; bad++) {
        o.len = 0;
        ng_shb(&o, false, 1);
        ng_idb(&o, 1, 65535, bad ? 0x80 | 64 : 20, 0);
        ng_epb(&o, 0, 1, f, (uint32_t)len, (uint32_t)len);
        const char *path = save("badres.pcapng", o.b, o.len);
        char err[IISS_CAPTURE_ERROR_MAX];
        iiss_capture_file *cf;
        assert_int_equal(iiss_capture_file_open(path, NULL, &cf, err, sizeof err), IISS_CAPTURE_OPEN_FAILED);
        assert_non_null(strstr(err, "if_tsresol"));
    }
    /* The conversion saturates instead of overflowing. */
    int64_t sec;
    uint32_t nsec;
    iiss_pcapng_timestamp(UINT64_MAX, 1, 5, &sec, &nsec);
    assert_true(sec == INT64_MAX && nsec == 0);
    iiss_pcapng_timestamp(0, 1000000, INT64_MIN, &sec, &nsec);
    assert_true(sec == INT64_MIN);
    iiss_pcapng_timestamp(10, 1000000, INT64_MIN + 1, &sec, &nsec);
    assert_true(sec == INT64_MIN + 1 && nsec == 10000);
    iiss_pcapng_timestamp(UINT64_MAX, 10000000000000000000ull, INT64_MAX, &sec, &nsec);
    assert_true(sec == INT64_MAX && nsec == 844674407);
}

/* A pcapng file whose first frames are good and whose next block is
 * `hostile`: the good frames come out, then a clear stop. */
static void expect_hostile_block(const buf *prefix, const buf *tail, iiss_capture_status want_status,
                                 uint64_t want_packets, const char *reason_part)
{
    static buf o;
    o = *prefix;
    assert_true(o.len + tail->len <= sizeof o.b);
    memcpy(o.b + o.len, tail->b, tail->len);
    o.len += tail->len;
    const char *path = save("hostile.pcapng", o.b, o.len);
    char err[IISS_CAPTURE_ERROR_MAX];
    iiss_capture_file *cf;
    assert_int_equal(iiss_capture_file_open(path, NULL, &cf, err, sizeof err), IISS_CAPTURE_OPENED);
    iiss_capture_packet pkt;
    uint64_t count = 0;
    iiss_capture_status st;
    while ((st = iiss_capture_file_next(cf, &pkt)) == IISS_CAPTURE_PACKET)
        count++;
    print_message("%s -> %s\n", reason_part, iiss_capture_file_error(cf));
    assert_int_equal(st, want_status);
    assert_int_equal(count, want_packets);
    if (!strstr(iiss_capture_file_error(cf), reason_part))
        fail_msg("\"%s\" does not say \"%s\"", iiss_capture_file_error(cf), reason_part);
    assert_int_equal(iiss_capture_file_next(cf, &pkt), want_status); /* sticky */
    iiss_capture_file_close(cf);
}

static void test_pcapng_hostile_blocks(void **state)
{
    (void)state;
    uint8_t f[256];
    uint32_t len = (uint32_t)make_frame(f, 5, 9, 1001, 135, 0x02, 100, 0, NULL);
    static buf prefix, t;
    prefix.len = 0;
    ng_shb(&prefix, false, 1);
    ng_idb(&prefix, 1, 65535, NO_TSRESOL, 0);
    ng_epb(&prefix, 0, 1, f, len, len);
    t.big_endian = false;

#define TAIL_BEGIN() (t.len = 0, t.big_endian = false)
    TAIL_BEGIN();
    w32(&t, 6);
    w32(&t, 8); /* shorter than a block's own header and trailer */
    w32(&t, 8);
    expect_hostile_block(&prefix, &t, IISS_CAPTURE_READ_ERROR, 1, "impossible length of 8");
    TAIL_BEGIN();
    w32(&t, 6);
    w32(&t, 14); /* not a multiple of 4 */
    for (int i = 0; i < 3; i++)
        w32(&t, 0);
    expect_hostile_block(&prefix, &t, IISS_CAPTURE_READ_ERROR, 1, "impossible length of 14");
    TAIL_BEGIN();
    w32(&t, 6);
    w32(&t, 0xFFFFFFFCu); /* 4 GiB: refused before any allocation */
    w32(&t, 0);
    expect_hostile_block(&prefix, &t, IISS_CAPTURE_READ_ERROR, 1, "more than the 16777216 accepted");
    TAIL_BEGIN();
    w32(&t, 6);
    w32(&t, 16 * 1024 * 1024); /* accepted size, but the file ends long before */
    w32(&t, 0);
    expect_hostile_block(&prefix, &t, IISS_CAPTURE_TRUNCATED, 1, "stops inside block 4");
    TAIL_BEGIN();
    ng_epb(&t, 0, 2, f, len, len);
    patch32(&t, t.len - 4, 12345); /* trailing length differs */
    expect_hostile_block(&prefix, &t, IISS_CAPTURE_READ_ERROR, 1, "trailing length");
    TAIL_BEGIN();
    ng_epb(&t, 0, 2, f, len, len);
    patch32(&t, 20, 0xFFFFFFFFu); /* captured length far beyond the block */
    expect_hostile_block(&prefix, &t, IISS_CAPTURE_READ_ERROR, 1, "claims 4294967295 captured bytes");
    TAIL_BEGIN();
    ng_epb(&t, 7, 2, f, len, len); /* interface never declared */
    expect_hostile_block(&prefix, &t, IISS_CAPTURE_READ_ERROR, 1, "names interface 7");
    TAIL_BEGIN();
    ng_epb(&t, 0, 2, f, 24, 24); /* a block too short for its fixed fields */
    patch32(&t, 4, 24);
    t.len = 20;
    w32(&t, 24);
    expect_hostile_block(&prefix, &t, IISS_CAPTURE_READ_ERROR, 1, "too short");
    TAIL_BEGIN();
    {
        size_t at = ng_begin(&t, 1); /* IDB whose option runs past the block */
        w16(&t, 1);
        w16(&t, 0);
        w32(&t, 65535);
        w16(&t, 2);
        w16(&t, 400);
        ng_end(&t, at);
    }
    expect_hostile_block(&prefix, &t, IISS_CAPTURE_READ_ERROR, 1, "runs past its block");
    TAIL_BEGIN();
    ng_spb(&t, 1000, f, len); /* SPB: 1000 bytes on the wire, no snaplen, fewer held */
    expect_hostile_block(&prefix, &t, IISS_CAPTURE_READ_ERROR, 1, "claims 1000 captured bytes");
    TAIL_BEGIN();
    ng_shb(&t, true, 1);
    ng_epb(&t, 0, 2, f, len, len); /* a new section forgets the old interfaces */
    expect_hostile_block(&prefix, &t, IISS_CAPTURE_READ_ERROR, 1, "declares 0");
    TAIL_BEGIN();
    ng_shb(&t, false, 2);
    expect_hostile_block(&prefix, &t, IISS_CAPTURE_READ_ERROR, 1, "version 2.0");
    TAIL_BEGIN();
    ng_shb(&t, false, 1);
    t.b[8] = 0x11; /* byte-order magic spoiled */
    expect_hostile_block(&prefix, &t, IISS_CAPTURE_READ_ERROR, 1, "byte-order magic");
    TAIL_BEGIN();
    ng_epb(&t, 0, 2, f, len, len);
    t.len -= 9; /* the file stops inside the next block */
    expect_hostile_block(&prefix, &t, IISS_CAPTURE_TRUNCATED, 1, "stops inside block 4");
    TAIL_BEGIN();
    w32(&t, 6);
    w16(&t, 0); /* ... or inside a block header */
    expect_hostile_block(&prefix, &t, IISS_CAPTURE_TRUNCATED, 1, "inside a block header");
    TAIL_BEGIN();
    ng_spb(&t, 1000, f, len); /* with a snapshot length the SPB holds what it should */
    static buf snap;
    snap.len = 0;
    ng_shb(&snap, false, 1);
    ng_idb(&snap, 1, len, NO_TSRESOL, 0);
    ng_epb(&snap, 0, 1, f, len, len);
    expect_hostile_block(&snap, &t, IISS_CAPTURE_END, 2, "");
#undef TAIL_BEGIN

    /* A section without interfaces opens and ends cleanly; a packet before
     * any interface does not open. */
    static buf o;
    o.len = 0;
    ng_shb(&o, false, 1);
    char err[IISS_CAPTURE_ERROR_MAX];
    iiss_capture_file *cf;
    assert_int_equal(iiss_capture_file_open(save("bare.pcapng", o.b, o.len), NULL, &cf, err, sizeof err),
                     IISS_CAPTURE_OPENED);
    assert_int_equal(iiss_capture_file_linktype(cf), -1);
    iiss_capture_packet pkt;
    assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_END);
    assert_int_equal(iiss_capture_file_frames(cf), 0);
    iiss_capture_file_close(cf);
    ng_epb(&o, 0, 1, f, len, len);
    expect_open_failure(save("noidb.pcapng", o.b, o.len), "declares 0");
}

/* One section may declare IISS_PCAPNG_MAX_INTERFACES interfaces, no more. */
static void test_pcapng_interface_limit(void **state)
{
    (void)state;
    static buf o;
    o.len = 0;
    ng_shb(&o, false, 1);
    size_t shb_len = o.len;
    ng_idb(&o, 1, 65535, NO_TSRESOL, 0);
    size_t idb_len = o.len - shb_len;
    char path[160];
    snprintf(path, sizeof path, "%s/many.pcapng", tmpdir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fwrite(o.b, 1, shb_len, fp);
    for (uint32_t i = 0; i <= IISS_PCAPNG_MAX_INTERFACES; i++)
        fwrite(o.b + shb_len, 1, idb_len, fp);
    fclose(fp);
    char err[IISS_CAPTURE_ERROR_MAX];
    iiss_capture_file *cf;
    assert_int_equal(iiss_capture_file_open(path, NULL, &cf, err, sizeof err), IISS_CAPTURE_OPENED);
    iiss_capture_packet pkt;
    assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_READ_ERROR);
    assert_non_null(strstr(iiss_capture_file_error(cf), "more than 65536 interfaces"));
    assert_non_null(strstr(iiss_capture_file_error(cf), "before the first record"));
    iiss_capture_file_close(cf);
}

/* The filter is compiled per link type and applied per packet. */
static void test_pcapng_filter_per_link_type(void **state)
{
    (void)state;
    static buf o;
    uint8_t f[256];
    size_t len;
    o.len = 0;
    ng_shb(&o, false, 1);
    ng_idb(&o, 1, 65535, NO_TSRESOL, 0);
    ng_idb(&o, 113, 65535, NO_TSRESOL, 0);
    len = make_frame(f, 5, 9, 1001, 135, 0x02, 100, 0, NULL);
    ng_epb(&o, 0, 1, f, (uint32_t)len, (uint32_t)len);
    len = make_sll_frame(f, 5, 9, 1002, 135, 0x18, 100, 0, "sll-push");
    ng_epb(&o, 1, 2, f, (uint32_t)len, (uint32_t)len);
    len = make_frame(f, 5, 9, 1001, 135, 0x18, 101, 0, "eth-push");
    ng_epb(&o, 0, 3, f, (uint32_t)len, (uint32_t)len);
    len = make_sll_frame(f, 5, 9, 1002, 135, 0x10, 109, 0, NULL);
    ng_epb(&o, 1, 4, f, (uint32_t)len, (uint32_t)len);
    const char *path = save("filter.pcapng", o.b, o.len);
    char err[IISS_CAPTURE_ERROR_MAX];
    iiss_capture_file *cf;
    assert_int_equal(iiss_capture_file_open(path, "tcp[13] & 8 != 0", &cf, err, sizeof err), IISS_CAPTURE_OPENED);
    iiss_capture_packet pkt;
    assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_PACKET);
    assert_true(pkt.frame == 2 && pkt.linktype == 113);
    assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_PACKET);
    assert_true(pkt.frame == 3 && pkt.linktype == 1);
    assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_END);
    assert_int_equal(iiss_capture_file_frames_filtered_out(cf), 2);
    iiss_capture_file_close(cf);

    /* "ether" means nothing on Linux cooked capture: with the SLL interface
     * declared before the first packet, the file does not open... */
    assert_int_equal(iiss_capture_file_open(path, "ether host 02:00:00:00:00:05", &cf, err, sizeof err),
                     IISS_CAPTURE_FILTER_FAILED);
    assert_non_null(strstr(err, "LINUX_SLL"));
    /* ... declared later, reading stops where it is first needed. */
    o.len = 0;
    ng_shb(&o, false, 1);
    ng_idb(&o, 1, 65535, NO_TSRESOL, 0);
    len = make_frame(f, 5, 9, 1001, 135, 0x02, 100, 0, NULL);
    ng_epb(&o, 0, 1, f, (uint32_t)len, (uint32_t)len);
    ng_idb(&o, 113, 65535, NO_TSRESOL, 0);
    len = make_sll_frame(f, 5, 9, 1002, 135, 0x18, 100, 0, "sll-push");
    ng_epb(&o, 1, 2, f, (uint32_t)len, (uint32_t)len);
    path = save("filter-late.pcapng", o.b, o.len);
    assert_int_equal(iiss_capture_file_open(path, "ether src 02:00:00:00:00:05", &cf, err, sizeof err),
                     IISS_CAPTURE_OPENED);
    assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_PACKET);
    assert_int_equal(pkt.frame, 1);
    assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_READ_ERROR);
    assert_non_null(strstr(iiss_capture_file_error(cf), "after record 1: interface 1: invalid filter"));
    iiss_capture_file_close(cf);
}

/* ---- gzip ---- */

static const char *save_gzip(const char *name, const void *data, size_t len, int members)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fclose(fp);
    size_t at = 0;
    for (int m = 0; m < members; m++) {
        size_t n = m == members - 1 ? len - at : len / (size_t)members;
        gzFile gz = gzopen(path, "ab");
        assert_non_null(gz);
        if (n)
            assert_int_equal(gzwrite(gz, (const uint8_t *)data + at, (unsigned)n), (int)n);
        assert_int_equal(gzclose(gz), Z_OK);
        at += n;
    }
    static char paths[4][160];
    static int next;
    char *keep = paths[next++ % 4];
    memcpy(keep, path, sizeof path);
    return keep;
}

static void test_gzip(void **state)
{
    (void)state;
    pkt p[8];
    size_t n = make_conversation(p);
    static buf o;
    char err[IISS_CAPTURE_ERROR_MAX];
    iiss_capture_file *cf;
    /* By magic, whatever the name; one member or several (cat a.gz b.gz). */
    for (int members = 1; members <= 3; members += 2) {
        write_pcap(&o, true, true, 1, p, n);
        read_all_and_check(save_gzip("conv.pcap", o.b, o.len, members), true, n);
        write_pcapng(&o, false, false, p, n);
        read_all_and_check(save_gzip("conv.bin", o.b, o.len, members), false, n);
    }
    assert_int_equal(iiss_capture_file_open(save_gzip("multi.pcapng.gz", o.b, o.len, 1), NULL, &cf, err,
                                            sizeof err),
                     IISS_CAPTURE_OPENED);
    assert_true(iiss_capture_file_compressed(cf));
    iiss_capture_file_close(cf);
    /* A plain file named .gz is read as what it is. */
    read_all_and_check(save("plain.pcapng.gz", o.b, o.len), false, n);

    /* Standard input. */
    write_pcapng(&o, true, true, p, n);
    const char *gz = save_gzip("stdin.gz", o.b, o.len, 1);
    assert_non_null(freopen(gz, "rb", stdin));
    assert_int_equal(iiss_capture_file_open("-", NULL, &cf, err, sizeof err), IISS_CAPTURE_OPENED);
    iiss_capture_packet pkt;
    size_t count = 0;
    while (iiss_capture_file_next(cf, &pkt) == IISS_CAPTURE_PACKET)
        count++;
    assert_int_equal(count, n);
    assert_true(iiss_capture_file_compressed(cf));
    iiss_capture_file_close(cf);

    /* Cut and corrupt compressed data, for both formats. */
    for (int ng = 0; ng <= 1; ng++) {
        if (ng)
            write_pcapng(&o, false, true, p, n);
        else
            write_pcap(&o, false, true, 1, p, n);
        gz = save_gzip(ng ? "cut.pcapng.gz" : "cut.pcap.gz", o.b, o.len, 1);
        FILE *fp = fopen(gz, "rb");
        assert_non_null(fp);
        static uint8_t z[16384];
        size_t zlen = fread(z, 1, sizeof z, fp);
        fclose(fp);
        assert_true(zlen > 60);
        const char *cut = save("cut.gz", z, zlen - 30);
        assert_int_equal(iiss_capture_file_open(cut, NULL, &cf, err, sizeof err), IISS_CAPTURE_OPENED);
        count = 0;
        iiss_capture_status st;
        while ((st = iiss_capture_file_next(cf, &pkt)) == IISS_CAPTURE_PACKET)
            count++;
        print_message("cut gzip: %zu packets, %s\n", count, iiss_capture_file_error(cf));
        assert_int_equal(st, IISS_CAPTURE_TRUNCATED);
        assert_true(count < n);
        assert_non_null(strstr(iiss_capture_file_error(cf), "gzip data stops early"));
        iiss_capture_file_close(cf);

        /* A spoiled CRC-32 trailer: every packet is read, then the check
         * fails. Spoiled deflate data fails somewhere, in zlib's words or in
         * the reader's, never as a clean end. */
        for (int where = 0; where < 2; where++) {
            static uint8_t bad[16384];
            memcpy(bad, z, zlen);
            size_t at = where == 0 ? zlen - 8 : zlen / 2;
            bad[at] ^= 0x55;
            bad[at + 1] ^= 0xAA;
            iiss_capture_open_status os = iiss_capture_file_open(save("corrupt.gz", bad, zlen), NULL, &cf, err,
                                                                 sizeof err);
            count = 0;
            st = IISS_CAPTURE_READ_ERROR;
            if (os == IISS_CAPTURE_OPENED) {
                while ((st = iiss_capture_file_next(cf, &pkt)) == IISS_CAPTURE_PACKET)
                    count++;
                snprintf(err, sizeof err, "%s", iiss_capture_file_error(cf));
                iiss_capture_file_close(cf);
            }
            print_message("corrupt gzip at %zu: %zu packets, %s\n", at, count, err);
            assert_int_equal(st, IISS_CAPTURE_READ_ERROR);
            if (where == 0) {
                assert_int_equal(count, n);
                assert_non_null(strstr(err, "corrupt gzip data: incorrect data check"));
            }
        }
    }
    /* Gzip of something that is no capture. */
    expect_open_failure(save_gzip("text.gz", "hello, world\n", 13, 1), "not a pcap or pcapng capture");
    expect_open_failure(save_gzip("empty.gz", "", 0, 1), "cut short");
}

/* An open stream (here an in-memory capture) reads like a file, gzip too. */
static void test_open_stream(void **state)
{
    (void)state;
    static buf o;
    expected_packet want[8];
    size_t n = write_multi_link(&o, want);
    const char *gz = save_gzip("stream.gz", o.b, o.len, 1);
    static uint8_t z[16384];
    FILE *zf = fopen(gz, "rb");
    assert_non_null(zf);
    size_t zlen = fread(z, 1, sizeof z, zf);
    fclose(zf);
    for (int compressed = 0; compressed <= 1; compressed++) {
        FILE *mem = compressed ? fmemopen(z, zlen, "rb") : fmemopen(o.b, o.len, "rb");
        assert_non_null(mem);
        char err[IISS_CAPTURE_ERROR_MAX];
        iiss_capture_file *cf;
        assert_int_equal(iiss_capture_file_open_stream(mem, compressed ? zlen : o.len, NULL, &cf, err, sizeof err),
                         IISS_CAPTURE_OPENED);
        iiss_capture_packet pkt;
        size_t count = 0;
        while (iiss_capture_file_next(cf, &pkt) == IISS_CAPTURE_PACKET) {
            assert_true(count < n);
            assert_int_equal(pkt.frame, want[count].frame);
            assert_int_equal(pkt.ts_nsec, want[count].nsec);
            count++;
        }
        assert_int_equal(count, n);
        assert_true(iiss_capture_file_compressed(cf) == (compressed == 1));
        assert_int_equal(iiss_capture_file_bytes_read(cf), compressed ? zlen : o.len);
        iiss_capture_file_close(cf); /* closes `mem` */
    }
    FILE *empty = fmemopen(o.b, 0, "rb");
    if (empty) { /* glibc before 2.22 refuses a zero-sized buffer */
        char err[IISS_CAPTURE_ERROR_MAX];
        iiss_capture_file *cf;
        assert_int_equal(iiss_capture_file_open_stream(empty, 0, NULL, &cf, err, sizeof err),
                         IISS_CAPTURE_OPEN_FAILED);
        assert_non_null(strstr(err, "empty input"));
    }
}

/* A file that fails at its first record says so, not "after record 0". */
static void test_first_record_messages(void **state)
{
    (void)state;
    pkt p[8];
    size_t n = make_conversation(p);
    static buf o;
    write_pcap(&o, false, false, 1, p, n);
    const char *path = save("cut0.pcap", o.b, 24 + 10);
    char err[IISS_CAPTURE_ERROR_MAX];
    iiss_capture_file *cf;
    assert_int_equal(iiss_capture_file_open(path, NULL, &cf, err, sizeof err), IISS_CAPTURE_OPENED);
    iiss_capture_packet pkt;
    assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_TRUNCATED);
    assert_non_null(strstr(iiss_capture_file_error(cf), "before its first record was complete"));
    assert_null(strstr(iiss_capture_file_error(cf), "record 0"));
    iiss_capture_file_close(cf);
    write_pcapng(&o, false, false, p, n);
    path = save("cut0.pcapng", o.b, 28 + 20 + 30);
    assert_int_equal(iiss_capture_file_open(path, NULL, &cf, err, sizeof err), IISS_CAPTURE_OPENED);
    assert_int_equal(iiss_capture_file_next(cf, &pkt), IISS_CAPTURE_TRUNCATED);
    assert_non_null(strstr(iiss_capture_file_error(cf), "before its first record was complete"));
    iiss_capture_file_close(cf);
}

/* ---- pipeline ---- */

typedef struct run_log {
    char lines[64][200];
    size_t n;
    uint64_t bytes[8][2];
    uint64_t first_frame[8][2];
    uint64_t gaps;
    uint64_t last_progress_read, last_progress_total;
} run_log;

static void log_line(run_log *log, const char *fmt, ...)
{
    assert_true(log->n < 64);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(log->lines[log->n++], sizeof log->lines[0], fmt, ap);
    va_end(ap);
}

static void pl_data(void *user, iiss_tcp_stream *s, iiss_direction dir, const uint8_t *data, size_t len,
                    const iiss_packet_meta *meta)
{
    (void)data;
    run_log *log = user;
    if (s->id < 8) {
        if (!log->bytes[s->id][dir])
            log->first_frame[s->id][dir] = meta->frame;
        log->bytes[s->id][dir] += len;
    }
}

static void pl_gap(void *user, iiss_tcp_stream *s, iiss_direction dir, uint64_t missing,
                   const iiss_packet_meta *meta)
{
    (void)s;
    (void)dir;
    (void)missing;
    (void)meta;
    ((run_log *)user)->gaps++;
}

static void pl_close(void *user, iiss_tcp_stream *s)
{
    char c[IISS_ENDPOINT_STR_MAX], sv[IISS_ENDPOINT_STR_MAX];
    log_line(user, "close %llu %s -> %s", (unsigned long long)s->id, iiss_endpoint_format(&s->client, c, sizeof c),
             iiss_endpoint_format(&s->server, sv, sizeof sv));
}

static void pl_start(void *user, const char *path, size_t index, int linktype)
{
    (void)path;
    log_line(user, "start %zu linktype %d", index, linktype);
}

static void pl_end(void *user, const iiss_pipeline_file_result *r)
{
    if (r->unsupported_link_packets)
        log_line(user, "end %zu %s frames %llu: %s skipped %llu of %d", r->index,
                 iiss_pipeline_file_status_name(r->status), (unsigned long long)r->frames, r->message,
                 (unsigned long long)r->unsupported_link_packets, r->unsupported_linktype);
    else
        log_line(user, "end %zu %s frames %llu: %s", r->index, iiss_pipeline_file_status_name(r->status),
                 (unsigned long long)r->frames, r->message);
}

static void pl_progress(void *user, const iiss_pipeline_progress *p)
{
    run_log *log = user;
    log->last_progress_read = p->all_bytes_read;
    log->last_progress_total = p->all_bytes_total;
}

/* A pcapng interface of a link type that is not decoded: its packets are
 * counted and named in the file's result, the others decoded; a file with
 * nothing else is refused like a classic pcap of that link type. */
static void test_pcapng_unsupported_interface(void **state)
{
    (void)state;
    static buf o;
    uint8_t f[256];
    size_t len = make_frame(f, 5, 9, 1001, 135, 0x02, 100, 0, NULL);
    for (int only_wlan = 0; only_wlan <= 1; only_wlan++) {
        o.len = 0;
        ng_shb(&o, false, 1);
        ng_idb(&o, 105, 65535, NO_TSRESOL, 0); /* 802.11, first */
        ng_idb(&o, 1, 65535, NO_TSRESOL, 0);
        for (int i = 0; i < 3; i++)
            ng_epb(&o, only_wlan || i == 1 ? 0 : 1, (uint64_t)i, f, (uint32_t)len, (uint32_t)len);
        const char *paths[] = {save("wlan.pcapng", o.b, o.len)};
        static run_log log;
        memset(&log, 0, sizeof log);
        iiss_pipeline_callbacks cb = {&log, pl_start, pl_end, NULL};
        iiss_pipeline_stats stats;
        assert_int_equal(run_streams(paths, 1, NULL, &cb, &stats), only_wlan ? 1 : 0);
        assert_int_equal(stats.net.by_result[IISS_NET_UNSUPPORTED_LINK], only_wlan ? 3 : 1);
        assert_int_equal(stats.net.by_result[IISS_NET_TCP], only_wlan ? 0 : 2);
        assert_int_equal(log.n, 2);
        assert_string_equal(log.lines[0], "start 0 linktype 105");
        assert_string_equal(log.lines[1], only_wlan ? "end 0 unsupported_link frames 3: unsupported link type 105 "
                                                      "(IEEE802_11) skipped 3 of 105"
                                                    : "end 0 ok frames 3:  skipped 1 of 105");
    }
}

static void test_pipeline_over_several_files(void **state)
{
    (void)state;
    pkt p[8];
    size_t n = make_conversation(p);
    static buf o;
    write_pcap(&o, true, false, 1, p, n);
    const char *a = save("a.pcap", o.b, o.len);
    size_t a_len = o.len;
    write_pcapng(&o, false, true, p, n);
    const char *b = save("b.pcapng", o.b, o.len);
    size_t b_len = o.len;
    write_pcap(&o, false, false, 105 /* 802.11 */, p, 1);
    const char *wlan = save("wlan.pcap", o.b, o.len);
    char missing[160];
    snprintf(missing, sizeof missing, "%s/missing.pcap", tmpdir);
    const char *paths[] = {a, missing, b, wlan};
    static run_log log;
    memset(&log, 0, sizeof log);
    iiss_stream_sink sink = {&log, pl_data, pl_gap, pl_close, NULL};
    iiss_pipeline_callbacks cb = {&log, pl_start, pl_end, pl_progress};
    iiss_pipeline_stats stats;
    assert_int_equal(run_streams(paths, 4, &sink, &cb, &stats), 2);
    const char *expected[] = {
        "start 0 linktype 1",
        "close 0 10.0.0.5:49712 -> 10.0.0.9:135",
        "end 0 ok frames 6: ",
        "end 1 open_failed frames 0: No such file or directory",
        "start 2 linktype 1",
        "close 1 10.0.0.5:49712 -> 10.0.0.9:135", /* same connection, new file: new stream */
        "end 2 ok frames 6: ",
        "end 3 unsupported_link frames 0: unsupported link type 105 (IEEE802_11)",
    };
    assert_int_equal(log.n, sizeof expected / sizeof expected[0]);
    for (size_t i = 0; i < log.n; i++)
        assert_string_equal(log.lines[i], expected[i]);
    for (int s = 0; s < 2; s++) {
        assert_int_equal(log.bytes[s][IISS_DIR_CLIENT_TO_SERVER], 13);
        assert_int_equal(log.bytes[s][IISS_DIR_SERVER_TO_CLIENT], 12);
        assert_int_equal(log.first_frame[s][IISS_DIR_CLIENT_TO_SERVER], 4);
        assert_int_equal(log.first_frame[s][IISS_DIR_SERVER_TO_CLIENT], 6);
    }
    assert_int_equal(log.gaps, 0);
    assert_int_equal(stats.files_ok, 2);
    assert_int_equal(stats.files_failed, 2);
    assert_int_equal(stats.frames, 12);
    assert_int_equal(stats.net.by_result[IISS_NET_TCP], 10);
    assert_int_equal(stats.net.by_result[IISS_NET_NOT_IP], 2);
    assert_int_equal(stats.tcp.streams, 2);
    assert_int_equal(stats.tcp.bytes_delivered, 50);
    assert_int_equal(log.last_progress_read, a_len + b_len);
    assert_int_equal(log.last_progress_total, a_len + b_len + o.len);
}

/* Every sample capture (among them reordered, duplicated and overlapping
 * segments, a midstream start, a 128-byte snapshot length, VLAN/IPv6 pcapng,
 * SLL, two connections): frames, and each stream direction byte for byte as
 * tshark reassembles it; the only gaps are the bytes the snapshot length
 * cut. With tshark installed the expectation is asked of tshark now
 * (data/tshark_stream_bytes.sh), so the test follows the samples as they are
 * regenerated; without it, the rows data/make_samples_expected.sh recorded
 * are used for samples whose size has not changed. */
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull
#define SAMPLE_MAX_STREAMS 16

typedef struct sample_count {
    uint64_t bytes[SAMPLE_MAX_STREAMS][2];
    uint64_t fnv[SAMPLE_MAX_STREAMS][2];
    uint64_t gap_bytes;
    uint64_t streams;
} sample_count;

static void sc_data(void *user, iiss_tcp_stream *s, iiss_direction dir, const uint8_t *data, size_t len,
                    const iiss_packet_meta *meta)
{
    (void)meta;
    sample_count *c = user;
    if (s->id >= SAMPLE_MAX_STREAMS)
        return;
    c->bytes[s->id][dir] += len;
    for (size_t i = 0; i < len; i++)
        c->fnv[s->id][dir] = (c->fnv[s->id][dir] ^ data[i]) * FNV_PRIME;
}

static void sc_gap(void *user, iiss_tcp_stream *s, iiss_direction dir, uint64_t missing,
                   const iiss_packet_meta *meta)
{
    (void)s;
    (void)dir;
    (void)meta;
    ((sample_count *)user)->gap_bytes += missing;
}

static void sc_close(void *user, iiss_tcp_stream *s)
{
    (void)s;
    ((sample_count *)user)->streams++;
}

/* The script needs python3 beside tshark to hash the followed bytes. */
static bool have_tshark(void)
{
    return system("tshark -v >/dev/null 2>&1 && python3 -c '' >/dev/null 2>&1") == 0;
}

/* Asks tshark (through the script beside this file) about `path`. Returns
 * the number of streams filled in, or -1. */
static int tshark_expectations(const char *path, struct sample_expectation *rows, int max_rows)
{
    char here[512];
    snprintf(here, sizeof here, "%s", __FILE__);
    char *slash = strrchr(here, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "sh '%s/data/tshark_stream_bytes.sh' '%s' 2>/dev/null", here, path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char line[256];
    unsigned long long frames = 0, cut = 0;
    int n = 0;
    while (fgets(line, sizeof line, p)) {
        unsigned long long id, b0, b1, h0, h1;
        if (sscanf(line, "frames %llu", &frames) == 1 || sscanf(line, "cut %llu", &cut) == 1)
            continue;
        if (sscanf(line, "stream %llu %llu %llu %llx %llx", &id, &b0, &b1, &h0, &h1) == 5 && n < max_rows)
            rows[n++] = (struct sample_expectation){NULL, 0, 0, 0, id, b0, b1, h0, h1};
    }
    if (pclose(p) != 0 || frames == 0)
        return -1;
    for (int i = 0; i < n; i++) {
        rows[i].frames = frames;
        rows[i].snaplen_cut_bytes = cut;
    }
    return n;
}

static int recorded_expectations(const char *name, uint64_t size, struct sample_expectation *rows, int max_rows)
{
    int n = 0;
    for (size_t i = 0; i < sizeof SAMPLES_EXPECTED / sizeof SAMPLES_EXPECTED[0]; i++)
        if (strcmp(SAMPLES_EXPECTED[i].file, name) == 0 && SAMPLES_EXPECTED[i].file_size == size && n < max_rows)
            rows[n++] = SAMPLES_EXPECTED[i];
    return n;
}

static void check_sample(const char *path, const struct sample_expectation *rows, int n)
{
    static sample_count c;
    memset(&c, 0, sizeof c);
    for (size_t k = 0; k < SAMPLE_MAX_STREAMS; k++)
        c.fnv[k][0] = c.fnv[k][1] = FNV_OFFSET;
    iiss_stream_sink sink = {&c, sc_data, sc_gap, sc_close, NULL};
    const char *paths[] = {path};
    iiss_pipeline_stats stats;
    assert_int_equal(run_streams(paths, 1, &sink, NULL, &stats), 0);
    print_message("%s: %llu frames, %llu streams, %llu bytes cut\n", path, (unsigned long long)stats.frames,
                  (unsigned long long)c.streams, (unsigned long long)c.gap_bytes);
    assert_int_equal(stats.frames, rows[0].frames);
    assert_int_equal(c.gap_bytes, rows[0].snaplen_cut_bytes);
    assert_int_equal(c.streams, (uint64_t)n);
    for (int i = 0; i < n; i++) {
        uint64_t id = rows[i].stream; /* both number streams in order of first packet */
        assert_true(id < SAMPLE_MAX_STREAMS);
        print_message("  stream %llu: %llu / %llu bytes\n", (unsigned long long)id,
                      (unsigned long long)c.bytes[id][0], (unsigned long long)c.bytes[id][1]);
        assert_int_equal(c.bytes[id][IISS_DIR_CLIENT_TO_SERVER], rows[i].client_to_server);
        assert_int_equal(c.bytes[id][IISS_DIR_SERVER_TO_CLIENT], rows[i].server_to_client);
        assert_int_equal(c.fnv[id][IISS_DIR_CLIENT_TO_SERVER], rows[i].client_to_server_fnv);
        assert_int_equal(c.fnv[id][IISS_DIR_SERVER_TO_CLIENT], rows[i].server_to_client_fnv);
    }
}

/* Three samples of different link types merged into one pcapng by
 * Wireshark's own tools (what capturing on several interfaces gives):
 * Linux cooked, Ethernet, and raw IP (the IPv6 sample with its Ethernet and
 * VLAN headers cut off by editcap). Read plain and gzip-compressed, each
 * stream must be what tshark reassembles from the same file. Returns the
 * number of files checked (0 without mergecap). */
static size_t check_merged_samples(const char *dir)
{
    if (system("mergecap -v >/dev/null 2>&1 && editcap -v >/dev/null 2>&1") != 0)
        return 0;
    char raw[200], merged[200], cmd[1400];
    snprintf(raw, sizeof raw, "%s/raw-ipv6.pcapng", tmpdir);
    snprintf(merged, sizeof merged, "%s/merged.pcapng", tmpdir);
    snprintf(cmd, sizeof cmd,
             "editcap -L -C 18 -T rawip '%s/ipv6-vlan.pcapng' '%s' && "
             "mergecap -F pcapng -w '%s' '%s/sll.pcap' '%s/iisreset-remote.pcap' '%s'",
             dir, raw, merged, dir, dir, raw);
    if (system(cmd) != 0)
        fail_msg("could not merge the samples: %s", cmd);
    FILE *fp = fopen(merged, "rb");
    assert_non_null(fp);
    static uint8_t data[1 << 20];
    size_t len = fread(data, 1, sizeof data, fp);
    fclose(fp);
    assert_true(len > 0 && len < sizeof data);
    const char *gz = save_gzip("merged.pcapng.gz", data, len, 1);
    const char *files[] = {merged, gz};
    for (size_t i = 0; i < 2; i++) {
        struct sample_expectation rows[SAMPLE_MAX_STREAMS];
        int n = tshark_expectations(files[i], rows, SAMPLE_MAX_STREAMS);
        if (n <= 0)
            fail_msg("tshark could not describe %s", files[i]);
        assert_int_equal(n, 4); /* 1 SLL, 2 Ethernet, 1 raw IPv6 */
        check_sample(files[i], rows, n);
    }
    return 2;
}

static void test_samples_match_tshark(void **state)
{
    (void)state;
    const char *dir = getenv("IISS_SAMPLES_DIR");
    if (!dir)
        dir = "samples";
    static const char *const names[] = {
        "iisreset-remote.pcap", "fragmented.pcap", "tcp-disorder.pcap", "ndr64.pcap",
        "big-endian.pcap",      "midstream.pcap",  "malformed.pcap",    "malformed-snaplen.pcap",
        "ipv6-vlan.pcapng",     "sll.pcap",        "sealed.pcap",
    };
    bool live = have_tshark();
    size_t checked = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        struct sample_expectation rows[SAMPLE_MAX_STREAMS];
        int n = live ? tshark_expectations(path, rows, SAMPLE_MAX_STREAMS)
                     : recorded_expectations(names[i], (uint64_t)st.st_size, rows, SAMPLE_MAX_STREAMS);
        if (n <= 0) {
            if (live)
                fail_msg("tshark could not describe %s", path);
            print_message("%s: changed since its tshark figures were recorded, not checked\n", path);
            continue;
        }
        check_sample(path, rows, n);
        checked++;
    }
    if (live)
        checked += check_merged_samples(dir);
    if (checked == 0)
        skip();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcap_byte_orders_and_resolutions),
        cmocka_unit_test(test_pcap_fraction_overflow),
        cmocka_unit_test(test_pcapng_byte_orders_and_resolutions),
        cmocka_unit_test(test_stdin),
        cmocka_unit_test(test_truncated_file),
        cmocka_unit_test(test_not_captures),
        cmocka_unit_test(test_filter_keeps_frame_numbers),
        cmocka_unit_test(test_pcapng_multi_link),
        cmocka_unit_test(test_pcapng_unsupported_interface),
        cmocka_unit_test(test_pcapng_timestamp_resolutions),
        cmocka_unit_test(test_pcapng_hostile_blocks),
        cmocka_unit_test(test_pcapng_interface_limit),
        cmocka_unit_test(test_pcapng_filter_per_link_type),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_open_stream),
        cmocka_unit_test(test_first_record_messages),
        cmocka_unit_test(test_pipeline_over_several_files),
        cmocka_unit_test(test_samples_match_tshark),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
