/* netlayer: hand-built frames of every supported link type down to the TCP
 * segment, and the frames it must refuse. Values are those tshark shows for
 * the same bytes (tcp.srcport, tcp.seq_raw, tcp.len, ...). */
#define _DEFAULT_SOURCE /* mkdtemp, popen */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/dlt.h>

#include "netlayer.h"

/* ---- frame builder ---- */

typedef struct frame {
    uint8_t b[2048];
    size_t len;
} frame;

static void put8(frame *f, uint8_t v)
{
    f->b[f->len++] = v;
}

static void put16(frame *f, uint16_t v)
{
    put8(f, (uint8_t)(v >> 8));
    put8(f, (uint8_t)v);
}

static void put32(frame *f, uint32_t v)
{
    put16(f, (uint16_t)(v >> 16));
    put16(f, (uint16_t)v);
}

static void put_bytes(frame *f, const void *p, size_t n)
{
    memcpy(f->b + f->len, p, n);
    f->len += n;
}

static void put_zero(frame *f, size_t n)
{
    memset(f->b + f->len, 0, n);
    f->len += n;
}

static const uint8_t V4_SRC[4] = {10, 0, 0, 5};
static const uint8_t V4_DST[4] = {10, 0, 0, 9};
static const uint8_t V6_SRC[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
static const uint8_t V6_DST[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
static const char PAYLOAD[] = "MEOW-DCE-RPC-BYTES";
#define PAYLOAD_LEN 18

/* TCP header (20 bytes + options) and payload. */
static void put_tcp(frame *f, size_t option_len, const void *payload, size_t payload_len)
{
    put16(f, 49712);      /* source port */
    put16(f, 135);        /* destination port */
    put32(f, 0xFFFFFFF0); /* seq, close to the wrap */
    put32(f, 0x01020304); /* ack */
    put8(f, (uint8_t)(((20 + option_len) / 4) << 4));
    put8(f, 0x18); /* PSH ACK */
    put16(f, 8192);
    put16(f, 0); /* checksum */
    put16(f, 0); /* urgent */
    for (size_t i = 0; i < option_len; i++)
        put8(f, 1); /* NOP */
    put_bytes(f, payload, payload_len);
}

static size_t tcp_len(size_t option_len, size_t payload_len)
{
    return 20 + option_len + payload_len;
}

static void put_ipv4_header(frame *f, uint16_t total_len, uint16_t flags_frag, uint8_t protocol)
{
    put8(f, 0x45);
    put8(f, 0);
    put16(f, total_len);
    put16(f, 0x1234);
    put16(f, flags_frag);
    put8(f, 128);
    put8(f, protocol);
    put16(f, 0);
    put_bytes(f, V4_SRC, 4);
    put_bytes(f, V4_DST, 4);
}

static void put_ipv4_tcp(frame *f)
{
    put_ipv4_header(f, (uint16_t)(20 + tcp_len(0, PAYLOAD_LEN)), 0x4000 /* DF */, 6);
    put_tcp(f, 0, PAYLOAD, PAYLOAD_LEN);
}

static void put_ipv6_header(frame *f, uint16_t payload_len, uint8_t next)
{
    put32(f, 0x60000000);
    put16(f, payload_len);
    put8(f, next);
    put8(f, 64);
    put_bytes(f, V6_SRC, 16);
    put_bytes(f, V6_DST, 16);
}

static void put_ipv6_tcp(frame *f)
{
    put_ipv6_header(f, (uint16_t)tcp_len(0, PAYLOAD_LEN), 6);
    put_tcp(f, 0, PAYLOAD, PAYLOAD_LEN);
}

static void put_ether(frame *f, uint16_t ethertype)
{
    static const uint8_t macs[12] = {0, 0x15, 0x5d, 1, 2, 3, 0, 0x15, 0x5d, 4, 5, 6};
    put_bytes(f, macs, 12);
    put16(f, ethertype);
}

static iiss_net_result decode(int linktype, const frame *f, iiss_tcp_segment *seg)
{
    return iiss_net_decode(linktype, f->b, f->len, f->len, seg, NULL);
}

static void assert_v4_segment(const iiss_tcp_segment *seg)
{
    assert_int_equal(seg->src.family, 4);
    assert_memory_equal(seg->src.addr, V4_SRC, 4);
    assert_memory_equal(seg->dst.addr, V4_DST, 4);
    assert_int_equal(seg->src.port, 49712);
    assert_int_equal(seg->dst.port, 135);
    assert_int_equal(seg->seq, 0xFFFFFFF0u);
    assert_int_equal(seg->ack, 0x01020304u);
    assert_int_equal(seg->flags, IISS_TCP_PSH | IISS_TCP_ACK);
    assert_int_equal(seg->window, 8192);
    assert_int_equal(seg->payload_len, PAYLOAD_LEN);
    assert_int_equal(seg->payload_missing, 0);
    assert_memory_equal(seg->payload, PAYLOAD, PAYLOAD_LEN);
}

static void assert_v6_segment(const iiss_tcp_segment *seg)
{
    assert_int_equal(seg->src.family, 6);
    assert_memory_equal(seg->src.addr, V6_SRC, 16);
    assert_memory_equal(seg->dst.addr, V6_DST, 16);
    assert_int_equal(seg->src.port, 49712);
    assert_int_equal(seg->dst.port, 135);
    assert_int_equal(seg->payload_len, PAYLOAD_LEN);
    assert_memory_equal(seg->payload, PAYLOAD, PAYLOAD_LEN);
}

/* ---- link types ---- */

static void test_ethernet_ipv4(void **state)
{
    (void)state;
    frame f = {0};
    put_ether(&f, 0x0800);
    put_ipv4_tcp(&f);
    iiss_tcp_segment seg;
    iiss_net_stats stats = {0};
    assert_int_equal(iiss_net_decode(DLT_EN10MB, f.b, f.len, f.len, &seg, &stats), IISS_NET_TCP);
    assert_v4_segment(&seg);
    assert_int_equal(stats.frames, 1);
    assert_int_equal(stats.by_result[IISS_NET_TCP], 1);
    assert_int_equal(stats.payload_bytes, PAYLOAD_LEN);
}

/* A 2-byte payload in a minimum-size (60-byte) Ethernet frame: the 4 bytes
 * of padding after the datagram are not TCP payload (tshark: tcp.len == 2). */
static void test_ethernet_padding_not_payload(void **state)
{
    (void)state;
    frame f = {0};
    put_ether(&f, 0x0800);
    put_ipv4_header(&f, (uint16_t)(20 + tcp_len(0, 2)), 0x4000, 6);
    put_tcp(&f, 0, "hi", 2);
    put_bytes(&f, "\xAA\xBB\xCC\xDD", 4);
    assert_int_equal(f.len, 60);
    iiss_tcp_segment seg;
    assert_int_equal(decode(DLT_EN10MB, &f, &seg), IISS_NET_TCP);
    assert_int_equal(seg.payload_len, 2);
    assert_memory_equal(seg.payload, "hi", 2);
    assert_int_equal(seg.payload_missing, 0);
}

static void test_vlan_and_qinq(void **state)
{
    (void)state;
    static const uint16_t outer_types[] = {0x8100, 0x88A8, 0x9100};
    for (size_t i = 0; i < 3; i++) {
        frame f = {0};
        put_ether(&f, outer_types[i]);
        put16(&f, 0x0064); /* VLAN 100 */
        if (outer_types[i] != 0x8100) {
            put16(&f, 0x8100); /* inner C-tag */
            put16(&f, 0x00C8); /* VLAN 200 */
        }
        put16(&f, 0x86DD);
        put_ipv6_tcp(&f);
        iiss_tcp_segment seg;
        assert_int_equal(decode(DLT_EN10MB, &f, &seg), IISS_NET_TCP);
        assert_v6_segment(&seg);
    }
}

static void test_vlan_tags_without_end_are_refused(void **state)
{
    (void)state;
    frame f = {0};
    put_ether(&f, 0x8100);
    for (int i = 0; i < 12; i++) {
        put16(&f, 1);
        put16(&f, 0x8100);
    }
    put_zero(&f, 40);
    iiss_tcp_segment seg;
    assert_int_equal(decode(DLT_EN10MB, &f, &seg), IISS_NET_MALFORMED);
}

static void test_linux_sll(void **state)
{
    (void)state;
    frame f = {0};
    put16(&f, 0);      /* packet type: to us */
    put16(&f, 1);      /* ARPHRD_ETHER */
    put16(&f, 6);      /* address length */
    put_zero(&f, 8);   /* address */
    put16(&f, 0x0800); /* protocol */
    put_ipv4_tcp(&f);
    iiss_tcp_segment seg;
    assert_int_equal(decode(DLT_LINUX_SLL, &f, &seg), IISS_NET_TCP);
    assert_v4_segment(&seg);
}

static void test_linux_sll2(void **state)
{
    (void)state;
    frame f = {0};
    put16(&f, 0x86DD); /* protocol */
    put16(&f, 0);      /* reserved */
    put32(&f, 3);      /* interface index */
    put16(&f, 1);      /* ARPHRD_ETHER */
    put8(&f, 4);       /* outgoing */
    put8(&f, 6);       /* address length */
    put_zero(&f, 8);
    put_ipv6_tcp(&f);
    iiss_tcp_segment seg;
    assert_int_equal(decode(DLT_LINUX_SLL2, &f, &seg), IISS_NET_TCP);
    assert_v6_segment(&seg);
}

static void test_raw_ip(void **state)
{
    (void)state;
    frame v4 = {0}, v6 = {0};
    put_ipv4_tcp(&v4);
    put_ipv6_tcp(&v6);
    iiss_tcp_segment seg;
    assert_int_equal(decode(DLT_RAW, &v4, &seg), IISS_NET_TCP);
    assert_v4_segment(&seg);
    assert_int_equal(decode(DLT_RAW, &v6, &seg), IISS_NET_TCP);
    assert_v6_segment(&seg);
    assert_int_equal(decode(101 /* LINKTYPE_RAW as stored in files */, &v4, &seg), IISS_NET_TCP);
    assert_v4_segment(&seg);
    assert_int_equal(decode(DLT_IPV4, &v4, &seg), IISS_NET_TCP);
    assert_v4_segment(&seg);
    assert_int_equal(decode(DLT_IPV6, &v6, &seg), IISS_NET_TCP);
    assert_v6_segment(&seg);
    /* The link type says IPv4 but the bytes are IPv6. */
    assert_int_equal(decode(DLT_IPV4, &v6, &seg), IISS_NET_MALFORMED);
}

static void put_af(frame *f, uint32_t af, bool big_endian)
{
    if (big_endian) {
        put32(f, af);
    } else {
        put8(f, (uint8_t)af);
        put8(f, (uint8_t)(af >> 8));
        put8(f, (uint8_t)(af >> 16));
        put8(f, (uint8_t)(af >> 24));
    }
}

static void test_bsd_loopback(void **state)
{
    (void)state;
    static const int linktypes[] = {DLT_NULL, DLT_LOOP};
    static const uint32_t v6_families[] = {24, 28, 30};
    for (size_t l = 0; l < 2; l++) {
        for (int be = 0; be <= 1; be++) {
            frame f = {0};
            put_af(&f, 2, be);
            put_ipv4_tcp(&f);
            iiss_tcp_segment seg;
            assert_int_equal(decode(linktypes[l], &f, &seg), IISS_NET_TCP);
            assert_v4_segment(&seg);
            for (size_t k = 0; k < 3; k++) {
                frame g = {0};
                put_af(&g, v6_families[k], be);
                put_ipv6_tcp(&g);
                assert_int_equal(decode(linktypes[l], &g, &seg), IISS_NET_TCP);
                assert_v6_segment(&seg);
            }
        }
        frame other = {0};
        put_af(&other, 7, true); /* AF_IMPLINK: not IP */
        put_ipv4_tcp(&other);
        iiss_tcp_segment seg;
        assert_int_equal(decode(linktypes[l], &other, &seg), IISS_NET_NOT_IP);
    }
}

static void test_unsupported_link_type(void **state)
{
    (void)state;
    frame f = {0};
    put_ipv4_tcp(&f);
    iiss_tcp_segment seg;
    assert_false(iiss_net_linktype_supported(DLT_IEEE802_11));
    assert_true(iiss_net_linktype_supported(DLT_LINUX_SLL2));
    assert_int_equal(decode(DLT_IEEE802_11, &f, &seg), IISS_NET_UNSUPPORTED_LINK);
    assert_string_equal(iiss_net_result_name(IISS_NET_UNSUPPORTED_LINK), "unsupported_link");
}

/* ---- IP ---- */

static void test_ipv6_extension_headers(void **state)
{
    (void)state;
    frame f = {0};
    size_t ext_len = 8 /* hop-by-hop */ + 16 /* destination options */ + 24 /* routing */ + 8 /* fragment */ +
                     12 /* AH */;
    put_ipv6_header(&f, (uint16_t)(ext_len + tcp_len(0, PAYLOAD_LEN)), 0);
    put8(&f, 60); /* hop-by-hop → destination options */
    put8(&f, 0);
    put_zero(&f, 6);
    put8(&f, 43); /* destination options → routing */
    put8(&f, 1);
    put_zero(&f, 14);
    put8(&f, 44); /* routing → fragment */
    put8(&f, 2);
    put_zero(&f, 22);
    put8(&f, 51); /* atomic fragment → AH */
    put8(&f, 0);
    put16(&f, 0); /* offset 0, M = 0 */
    put32(&f, 0xABCD);
    put8(&f, 6); /* AH → TCP, AH length 1 → (1 + 2) * 4 = 12 bytes */
    put8(&f, 1);
    put_zero(&f, 10);
    put_tcp(&f, 0, PAYLOAD, PAYLOAD_LEN);
    iiss_tcp_segment seg;
    assert_int_equal(decode(DLT_IPV6, &f, &seg), IISS_NET_TCP);
    assert_v6_segment(&seg);
}

static void test_ipv6_fragments_skipped(void **state)
{
    (void)state;
    static const uint16_t offset_flags[] = {0x0001 /* first, more follow */, 0x0008 /* offset 1, last */};
    for (size_t i = 0; i < 2; i++) {
        frame f = {0};
        put_ipv6_header(&f, (uint16_t)(8 + tcp_len(0, PAYLOAD_LEN)), 44);
        put8(&f, 6);
        put8(&f, 0);
        put16(&f, offset_flags[i]);
        put32(&f, 7);
        put_tcp(&f, 0, PAYLOAD, PAYLOAD_LEN);
        iiss_tcp_segment seg;
        assert_int_equal(decode(DLT_IPV6, &f, &seg), IISS_NET_FRAGMENT);
    }
}

static void test_ipv6_no_tcp(void **state)
{
    (void)state;
    static const uint8_t next[] = {17 /* UDP */, 50 /* ESP */, 59 /* no next header */};
    for (size_t i = 0; i < 3; i++) {
        frame f = {0};
        put_ipv6_header(&f, 8, next[i]);
        put_zero(&f, 8);
        iiss_tcp_segment seg;
        assert_int_equal(decode(DLT_IPV6, &f, &seg), IISS_NET_NOT_TCP);
    }
}

static void test_ipv4_fragments_skipped(void **state)
{
    (void)state;
    static const uint16_t flags_frag[] = {0x2000 /* MF */, 0x0010 /* offset 128 */, 0x2010};
    for (size_t i = 0; i < 3; i++) {
        frame f = {0};
        put_ipv4_header(&f, (uint16_t)(20 + tcp_len(0, PAYLOAD_LEN)), flags_frag[i], 6);
        put_tcp(&f, 0, PAYLOAD, PAYLOAD_LEN);
        iiss_tcp_segment seg;
        iiss_net_stats stats = {0};
        assert_int_equal(iiss_net_decode(DLT_RAW, f.b, f.len, f.len, &seg, &stats), IISS_NET_FRAGMENT);
        assert_int_equal(stats.by_result[IISS_NET_FRAGMENT], 1);
    }
}

static void test_ipv4_options_and_tcp_options(void **state)
{
    (void)state;
    frame f = {0};
    put8(&f, 0x46); /* IHL 6: one word of options */
    put8(&f, 0);
    put16(&f, (uint16_t)(24 + tcp_len(12, PAYLOAD_LEN)));
    put16(&f, 1);
    put16(&f, 0);
    put8(&f, 64);
    put8(&f, 6);
    put16(&f, 0);
    put_bytes(&f, V4_SRC, 4);
    put_bytes(&f, V4_DST, 4);
    put32(&f, 0x01010100); /* NOP NOP NOP EOL */
    put_tcp(&f, 12, PAYLOAD, PAYLOAD_LEN);
    iiss_tcp_segment seg;
    assert_int_equal(decode(DLT_RAW, &f, &seg), IISS_NET_TCP);
    assert_v4_segment(&seg);
}

static void test_ipv4_not_tcp_and_not_ip(void **state)
{
    (void)state;
    frame udp = {0};
    put_ether(&udp, 0x0800);
    put_ipv4_header(&udp, 28, 0, 17);
    put_zero(&udp, 8);
    iiss_tcp_segment seg;
    assert_int_equal(decode(DLT_EN10MB, &udp, &seg), IISS_NET_NOT_TCP);
    frame arp = {0};
    put_ether(&arp, 0x0806);
    put_zero(&arp, 28);
    assert_int_equal(decode(DLT_EN10MB, &arp, &seg), IISS_NET_NOT_IP);
    frame llc = {0};
    put_ether(&llc, 46); /* 802.3 length */
    put_zero(&llc, 46);
    assert_int_equal(decode(DLT_EN10MB, &llc, &seg), IISS_NET_NOT_IP);
}

/* Segmentation offload on the capturing host leaves total length 0: the
 * datagram is the rest of the frame. */
static void test_ipv4_total_length_zero(void **state)
{
    (void)state;
    frame f = {0};
    put_ipv4_header(&f, 0, 0x4000, 6);
    put_tcp(&f, 0, PAYLOAD, PAYLOAD_LEN);
    iiss_tcp_segment seg;
    assert_int_equal(decode(DLT_RAW, &f, &seg), IISS_NET_TCP);
    assert_v4_segment(&seg);
}

/* ---- hostile and cut frames ---- */

static void test_truncated_headers(void **state)
{
    (void)state;
    frame full = {0};
    put_ether(&full, 0x0800);
    put_ipv4_tcp(&full);
    iiss_tcp_segment seg;
    /* Cut inside the Ethernet, IPv4 and TCP headers: never a segment. */
    static const size_t cuts[] = {0, 5, 13, 14, 20, 33, 34, 40, 53};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
        assert_int_equal(iiss_net_decode(DLT_EN10MB, full.b, cuts[i], full.len, &seg, NULL), IISS_NET_TRUNCATED);
    /* Cut right after the TCP header: a segment whose payload is missing. */
    assert_int_equal(iiss_net_decode(DLT_EN10MB, full.b, 54, full.len, &seg, NULL), IISS_NET_TCP);
    assert_int_equal(seg.payload_len, 0);
    assert_int_equal(seg.payload_missing, PAYLOAD_LEN);

    frame v6 = {0};
    put_ipv6_tcp(&v6);
    assert_int_equal(iiss_net_decode(DLT_IPV6, v6.b, 39, v6.len, &seg, NULL), IISS_NET_TRUNCATED);
    assert_int_equal(iiss_net_decode(DLT_IPV6, v6.b, 45, v6.len, &seg, NULL), IISS_NET_TRUNCATED);
    frame sll2 = {0};
    put16(&sll2, 0x0800);
    put_zero(&sll2, 10);
    assert_int_equal(decode(DLT_LINUX_SLL2, &sll2, &seg), IISS_NET_TRUNCATED);
    frame loop = {0};
    put16(&loop, 0);
    assert_int_equal(decode(DLT_LOOP, &loop, &seg), IISS_NET_TRUNCATED);
}

/* Snapshot length 64 on a frame of 14 + 20 + 20 + 18 = 72 bytes: 10 payload
 * bytes captured, 8 missing (tshark: tcp.len 18, frame.cap_len 64). */
static void test_snaplen_cut_reports_missing(void **state)
{
    (void)state;
    frame f = {0};
    put_ether(&f, 0x0800);
    put_ipv4_tcp(&f);
    iiss_tcp_segment seg;
    iiss_net_stats stats = {0};
    assert_int_equal(iiss_net_decode(DLT_EN10MB, f.b, 64, f.len, &seg, &stats), IISS_NET_TCP);
    assert_int_equal(seg.payload_len, 10);
    assert_int_equal(seg.payload_missing, 8);
    assert_memory_equal(seg.payload, PAYLOAD, 10);
    assert_int_equal(stats.payload_missing_bytes, 8);
}

/* An IP length larger than the frame that was captured whole is a lie, not
 * lost data: nothing is reported missing. */
static void test_bogus_ip_length_is_not_missing_data(void **state)
{
    (void)state;
    frame f = {0};
    put_ipv4_header(&f, 1400, 0x4000, 6);
    put_tcp(&f, 0, PAYLOAD, PAYLOAD_LEN);
    iiss_tcp_segment seg;
    assert_int_equal(decode(DLT_RAW, &f, &seg), IISS_NET_TCP);
    assert_int_equal(seg.payload_len, PAYLOAD_LEN);
    assert_int_equal(seg.payload_missing, 0);
}

static void test_malformed_lengths(void **state)
{
    (void)state;
    iiss_tcp_segment seg;
    frame ihl = {0};
    put_ipv4_tcp(&ihl);
    ihl.b[0] = 0x44; /* IHL 4 < 5 */
    assert_int_equal(decode(DLT_RAW, &ihl, &seg), IISS_NET_MALFORMED);

    frame total = {0};
    put_ipv4_tcp(&total);
    total.b[2] = 0;
    total.b[3] = 19; /* total length shorter than the header */
    assert_int_equal(decode(DLT_RAW, &total, &seg), IISS_NET_MALFORMED);

    frame offset = {0};
    put_ipv4_tcp(&offset);
    offset.b[20 + 12] = 0x40; /* TCP data offset 4 words */
    assert_int_equal(decode(DLT_RAW, &offset, &seg), IISS_NET_MALFORMED);

    frame big_offset = {0};
    put_ipv4_tcp(&big_offset);
    big_offset.b[20 + 12] = 0xF0; /* 60-byte header in a 38-byte segment */
    assert_int_equal(decode(DLT_RAW, &big_offset, &seg), IISS_NET_MALFORMED);

    frame ext = {0};
    put_ipv6_header(&ext, 8, 0);
    put8(&ext, 6);
    put8(&ext, 200); /* hop-by-hop claims 1608 bytes */
    put_zero(&ext, 6);
    assert_int_equal(decode(DLT_IPV6, &ext, &seg), IISS_NET_MALFORMED);

    frame version = {0};
    put_ipv6_tcp(&version);
    version.b[0] = 0x50;
    assert_int_equal(decode(DLT_IPV6, &version, &seg), IISS_NET_MALFORMED);
    assert_int_equal(decode(DLT_RAW, &version, &seg), IISS_NET_NOT_IP);
}

/* ---- the same frames through tshark ---- */

/* Every kind of frame above, each link type on its own interface of one
 * pcapng file (libpcap reads one link type per file, tshark any number):
 * where tshark finds a TCP header, the decoder must find the same ports,
 * raw sequence number and tcp.len (captured payload plus what the snapshot
 * length cut); where tshark finds none, neither may the decoder. Skipped
 * without tshark. */
typedef struct lt_frame {
    int linktype;
    frame f;
    size_t caplen;
} lt_frame;

#define LT_MAX 48
static lt_frame lt_frames[LT_MAX];
static size_t lt_count;

static frame *lt_add(int linktype)
{
    assert_true(lt_count < LT_MAX);
    lt_frame *e = &lt_frames[lt_count++];
    memset(e, 0, sizeof *e);
    e->linktype = linktype;
    return &e->f;
}

static void lt_build(void)
{
    lt_count = 0;
    frame *f;
    f = lt_add(DLT_EN10MB);
    put_ether(f, 0x0800);
    put_ipv4_tcp(f);
    f = lt_add(DLT_EN10MB); /* padded minimum frame */
    put_ether(f, 0x0800);
    put_ipv4_header(f, (uint16_t)(20 + tcp_len(0, 2)), 0x4000, 6);
    put_tcp(f, 0, "hi", 2);
    put_bytes(f, "\xAA\xBB\xCC\xDD", 4);
    static const uint16_t outer[] = {0x8100, 0x88A8, 0x9100};
    for (size_t i = 0; i < 3; i++) {
        f = lt_add(DLT_EN10MB);
        put_ether(f, outer[i]);
        put16(f, 0x0064);
        put16(f, 0x8100);
        put16(f, 0x00C8);
        put16(f, 0x86DD);
        put_ipv6_tcp(f);
    }
    f = lt_add(DLT_EN10MB); /* IPv4 options, TCP options */
    put_ether(f, 0x0800);
    put8(f, 0x46);
    put8(f, 0);
    put16(f, (uint16_t)(24 + tcp_len(12, PAYLOAD_LEN)));
    put16(f, 1);
    put16(f, 0);
    put8(f, 64);
    put8(f, 6);
    put16(f, 0);
    put_bytes(f, V4_SRC, 4);
    put_bytes(f, V4_DST, 4);
    put32(f, 0x01010100);
    put_tcp(f, 12, PAYLOAD, PAYLOAD_LEN);
    static const uint16_t frag[] = {0x2000, 0x0010};
    for (size_t i = 0; i < 2; i++) {
        f = lt_add(DLT_EN10MB);
        put_ether(f, 0x0800);
        put_ipv4_header(f, (uint16_t)(20 + tcp_len(0, PAYLOAD_LEN)), frag[i], 6);
        put_tcp(f, 0, PAYLOAD, PAYLOAD_LEN);
    }
    f = lt_add(DLT_EN10MB); /* ARP */
    put_ether(f, 0x0806);
    put_zero(f, 46);
    f = lt_add(DLT_EN10MB); /* cut by a 64-byte snapshot length */
    put_ether(f, 0x0800);
    put_ipv4_tcp(f);
    lt_frames[lt_count - 1].caplen = 64;
    f = lt_add(DLT_LINUX_SLL);
    put16(f, 0);
    put16(f, 1);
    put16(f, 6);
    put_zero(f, 8);
    put16(f, 0x0800);
    put_ipv4_tcp(f);
    f = lt_add(DLT_LINUX_SLL2);
    put16(f, 0x86DD);
    put16(f, 0);
    put32(f, 3);
    put16(f, 1);
    put8(f, 4);
    put8(f, 6);
    put_zero(f, 8);
    put_ipv6_tcp(f);
    f = lt_add(DLT_RAW);
    put_ipv4_tcp(f);
    f = lt_add(DLT_RAW);
    put_ipv6_tcp(f);
    f = lt_add(DLT_IPV4);
    put_ipv4_tcp(f);
    f = lt_add(DLT_IPV4); /* segmentation offload: total length 0 */
    put_ipv4_header(f, 0, 0x4000, 6);
    put_tcp(f, 0, PAYLOAD, PAYLOAD_LEN);
    f = lt_add(DLT_IPV6); /* extension headers, as in test_ipv6_extension_headers */
    put_ipv6_header(f, (uint16_t)(8 + 16 + 24 + 8 + 12 + tcp_len(0, PAYLOAD_LEN)), 0);
    put8(f, 60);
    put8(f, 0);
    put_zero(f, 6);
    put8(f, 43);
    put8(f, 1);
    put_zero(f, 14);
    put8(f, 44);
    put8(f, 2);
    put8(f, 0); /* routing type 0 */
    put8(f, 0); /* no segments left */
    put_zero(f, 20);
    put8(f, 51);
    put8(f, 0);
    put16(f, 0);
    put32(f, 0xABCD);
    put8(f, 6);
    put8(f, 1);
    put_zero(f, 10);
    put_tcp(f, 0, PAYLOAD, PAYLOAD_LEN);
    f = lt_add(DLT_IPV6); /* first fragment of two */
    put_ipv6_header(f, (uint16_t)(8 + tcp_len(0, PAYLOAD_LEN)), 44);
    put8(f, 6);
    put8(f, 0);
    put16(f, 0x0001);
    put32(f, 7);
    put_tcp(f, 0, PAYLOAD, PAYLOAD_LEN);
    static const uint32_t v6_af[] = {24, 28, 30};
    for (int be = 0; be <= 1; be++) {
        f = lt_add(be ? DLT_LOOP : DLT_NULL);
        put_af(f, 2, be);
        put_ipv4_tcp(f);
        for (size_t k = 0; k < 3; k++) {
            f = lt_add(be ? DLT_LOOP : DLT_NULL);
            put_af(f, v6_af[k], be);
            put_ipv6_tcp(f);
        }
    }
    for (size_t i = 0; i < lt_count; i++)
        if (!lt_frames[i].caplen)
            lt_frames[i].caplen = lt_frames[i].f.len;
}

static void le16(FILE *fp, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    fwrite(b, 1, 2, fp);
}

static void le32(FILE *fp, uint32_t v)
{
    le16(fp, (uint16_t)v);
    le16(fp, (uint16_t)(v >> 16));
}

/* pcapng with one interface per distinct link type, in order of first use. */
static void lt_write_pcapng(const char *path)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    le32(fp, 0x0A0D0D0A);
    le32(fp, 28);
    le32(fp, 0x1A2B3C4D);
    le16(fp, 1);
    le16(fp, 0);
    le32(fp, 0xFFFFFFFFu);
    le32(fp, 0xFFFFFFFFu);
    le32(fp, 28);
    int interfaces[LT_MAX];
    size_t n_if = 0;
    for (size_t i = 0; i < lt_count; i++) {
        size_t k = 0;
        while (k < n_if && interfaces[k] != lt_frames[i].linktype)
            k++;
        if (k == n_if) {
            /* pcapng stores LINKTYPE_ values: the same as DLT_ ones here,
             * except DLT_RAW, stored as LINKTYPE_RAW (101). */
            int stored = lt_frames[i].linktype == DLT_RAW ? 101 : lt_frames[i].linktype;
            interfaces[n_if++] = lt_frames[i].linktype;
            le32(fp, 1);
            le32(fp, 20);
            le16(fp, (uint16_t)stored);
            le16(fp, 0);
            le32(fp, 64); /* snapshot length: the cut frame says so */
            le32(fp, 20);
        }
    }
    for (size_t i = 0; i < lt_count; i++) {
        uint32_t iface = 0;
        while (interfaces[iface] != lt_frames[i].linktype)
            iface++;
        size_t cap = lt_frames[i].caplen;
        size_t padded = (cap + 3) & ~(size_t)3;
        le32(fp, 6);
        le32(fp, (uint32_t)(32 + padded));
        le32(fp, iface);
        le32(fp, 0);
        le32(fp, (uint32_t)i);
        le32(fp, (uint32_t)cap);
        le32(fp, (uint32_t)lt_frames[i].f.len);
        fwrite(lt_frames[i].f.b, 1, cap, fp);
        for (size_t k = cap; k < padded; k++)
            fputc(0, fp);
        le32(fp, (uint32_t)(32 + padded));
    }
    fclose(fp);
}

static void test_link_types_match_tshark(void **state)
{
    (void)state;
    if (system("tshark -v >/dev/null 2>&1") != 0)
        skip();
    lt_build();
    char dir[] = "/tmp/iiss-netlayer-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64], cmd[256];
    snprintf(path, sizeof path, "%s/link-types.pcapng", dir);
    lt_write_pcapng(path);
    snprintf(cmd, sizeof cmd,
             "tshark -r '%s' -T fields -E occurrence=f -e frame.number -e tcp.srcport -e tcp.dstport "
             "-e tcp.seq_raw -e tcp.len 2>/dev/null",
             path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[256];
    size_t rows = 0, tcp_rows = 0;
    while (fgets(line, sizeof line, p)) {
        unsigned long frame_no = 0, sport = 0, dport = 0, seq = 0, len = 0;
        int fields = sscanf(line, "%lu\t%lu\t%lu\t%lu\t%lu", &frame_no, &sport, &dport, &seq, &len);
        assert_true(fields >= 1);
        assert_true(frame_no >= 1 && frame_no <= lt_count);
        const lt_frame *e = &lt_frames[frame_no - 1];
        iiss_tcp_segment seg;
        iiss_net_result r = iiss_net_decode(e->linktype, e->f.b, e->caplen, e->f.len, &seg, NULL);
        if (fields == 5) {
            if (r != IISS_NET_TCP)
                fail_msg("frame %lu (link type %d): tshark sees TCP, the decoder says %s", frame_no, e->linktype,
                         iiss_net_result_name(r));
            assert_int_equal(seg.src.port, sport);
            assert_int_equal(seg.dst.port, dport);
            assert_int_equal(seg.seq, seq);
            assert_int_equal(seg.payload_len + seg.payload_missing, len);
            tcp_rows++;
        } else if (r == IISS_NET_TCP) {
            fail_msg("frame %lu (link type %d): the decoder sees TCP, tshark does not", frame_no, e->linktype);
        }
        rows++;
    }
    assert_int_equal(pclose(p), 0);
    assert_int_equal(rows, lt_count);
    assert_int_equal(tcp_rows, lt_count - 4); /* two IPv4 fragments, ARP, one IPv6 fragment */
    remove(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ethernet_ipv4),
        cmocka_unit_test(test_ethernet_padding_not_payload),
        cmocka_unit_test(test_vlan_and_qinq),
        cmocka_unit_test(test_vlan_tags_without_end_are_refused),
        cmocka_unit_test(test_linux_sll),
        cmocka_unit_test(test_linux_sll2),
        cmocka_unit_test(test_raw_ip),
        cmocka_unit_test(test_bsd_loopback),
        cmocka_unit_test(test_unsupported_link_type),
        cmocka_unit_test(test_ipv6_extension_headers),
        cmocka_unit_test(test_ipv6_fragments_skipped),
        cmocka_unit_test(test_ipv6_no_tcp),
        cmocka_unit_test(test_ipv4_fragments_skipped),
        cmocka_unit_test(test_ipv4_options_and_tcp_options),
        cmocka_unit_test(test_ipv4_not_tcp_and_not_ip),
        cmocka_unit_test(test_ipv4_total_length_zero),
        cmocka_unit_test(test_truncated_headers),
        cmocka_unit_test(test_snaplen_cut_reports_missing),
        cmocka_unit_test(test_bogus_ip_length_is_not_missing_data),
        cmocka_unit_test(test_malformed_lengths),
        cmocka_unit_test(test_link_types_match_tshark),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
