/* Link and IP layers down to a TCP segment. Every header byte is read
 * through iiss_reader in network order; lengths from the wire only ever
 * shrink the span being parsed, never grow it. */
#include "netlayer.h"

#include <pcap/dlt.h>
#include <string.h>

#include "iiss/reader.h"

#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86DDu
#define ETHERTYPE_VLAN 0x8100u
#define ETHERTYPE_QINQ 0x88A8u
#define ETHERTYPE_QINQ_OLD 0x9100u
/* Below this an Ethernet "type" is an 802.3 length (LLC follows). */
#define ETHERTYPE_MIN 0x0600u
/* Tags stacked deeper than this are not real traffic. */
#define MAX_VLAN_TAGS 8

#define LINKTYPE_RAW_VALUE 101 /* the file value libpcap maps to DLT_RAW */

#define IPPROTO_TCP_VALUE 6
#define IP6_HOP_BY_HOP 0
#define IP6_ROUTING 43
#define IP6_FRAGMENT 44
#define IP6_ESP 50
#define IP6_AH 51
#define IP6_NO_NEXT 59
#define IP6_DEST_OPTS 60
#define IP6_MOBILITY 135
#define IP6_HIP 139
#define IP6_SHIM6 140
#define MAX_IP6_EXT_HEADERS 16

/* Address families a BSD loopback header may hold. */
#define BSD_AF_INET 2
#define BSD_AF_INET6_NETBSD 24
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN 30

#define TCP_MIN_HEADER 20

bool iiss_net_linktype_supported(int linktype)
{
    switch (linktype) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case DLT_NULL:
    case DLT_LOOP:
#if DLT_RAW != LINKTYPE_RAW_VALUE
    case LINKTYPE_RAW_VALUE:
#endif
        return true;
    default:
        return false;
    }
}

const char *iiss_net_result_name(iiss_net_result r)
{
    static const char *const names[IISS_NET_RESULT_COUNT] = {
        [IISS_NET_TCP] = "tcp",
        [IISS_NET_UNSUPPORTED_LINK] = "unsupported_link",
        [IISS_NET_NOT_IP] = "not_ip",
        [IISS_NET_NOT_TCP] = "not_tcp",
        [IISS_NET_FRAGMENT] = "fragment",
        [IISS_NET_TRUNCATED] = "truncated",
        [IISS_NET_MALFORMED] = "malformed",
    };
    return (unsigned)r < IISS_NET_RESULT_COUNT ? names[r] : NULL;
}

/* The frame as seen by the IP parser: where the IP header starts, and how
 * many bytes of the frame were lost to the snapshot length (so only real
 * cuts, not bogus IP lengths, count as missing payload). */
typedef struct ip_view {
    const uint8_t *data;
    size_t len;
    size_t cut; /* wirelen - caplen */
} ip_view;

/* The TCP header and payload, given the IP payload span [at, at + avail)
 * of which `claimed` bytes belong to the datagram according to IP. */
/* The rest of the reader's span, as the start of an IP datagram. */
static ip_view rest_as_ip(iiss_reader *rd, size_t cut)
{
    size_t len = iiss_rd_remaining(rd);
    const uint8_t *data = iiss_rd_take(rd, len);
    ip_view v = {data, data ? len : 0, cut};
    return v;
}

static iiss_net_result parse_tcp(const uint8_t *data, size_t avail, size_t claimed, size_t cut,
                                 iiss_tcp_segment *seg)
{
    if (claimed < avail)
        avail = claimed; /* link padding after the datagram */
    iiss_reader rd;
    iiss_rd_init(&rd, data, avail, true);
    if (avail < TCP_MIN_HEADER)
        return claimed < TCP_MIN_HEADER ? IISS_NET_MALFORMED : IISS_NET_TRUNCATED;
    /* Whole words: one bounds check each instead of one per field (this is
     * the per-packet hot path). */
    uint32_t ports = iiss_rd_u32(&rd);
    seg->seq = iiss_rd_u32(&rd);
    seg->ack = iiss_rd_u32(&rd);
    uint32_t offset_flags_window = iiss_rd_u32(&rd);
    seg->src.port = (uint16_t)(ports >> 16);
    seg->dst.port = (uint16_t)ports;
    uint8_t offset_byte = (uint8_t)(offset_flags_window >> 24);
    seg->flags = (uint8_t)(offset_flags_window >> 16);
    seg->window = (uint16_t)offset_flags_window;
    size_t header_len = (size_t)(offset_byte >> 4) * 4;
    if (header_len < TCP_MIN_HEADER || header_len > claimed)
        return IISS_NET_MALFORMED;
    /* Options are skipped whole: nothing here needs them. */
    if (!iiss_rd_seek(&rd, header_len))
        return IISS_NET_TRUNCATED;
    size_t payload_len = iiss_rd_remaining(&rd);
    seg->payload = iiss_rd_take(&rd, payload_len);
    seg->payload_len = (uint32_t)payload_len;
    size_t claimed_payload = claimed - header_len;
    size_t missing = claimed_payload - payload_len;
    /* Only bytes the snapshot length removed are missing; an IP length
     * larger than the frame on the wire is a lie, not lost data. */
    if (missing > cut)
        missing = cut;
    seg->payload_missing = (uint32_t)missing;
    return IISS_NET_TCP;
}

static iiss_net_result parse_ipv4(const ip_view *v, iiss_tcp_segment *seg)
{
    iiss_reader rd;
    iiss_rd_init(&rd, v->data, v->len, true);
    if (v->len < 20)
        return IISS_NET_TRUNCATED;
    /* Whole words, as in parse_tcp. */
    uint32_t word0 = iiss_rd_u32(&rd); /* version, IHL, DSCP/ECN, total length */
    uint32_t word1 = iiss_rd_u32(&rd); /* identification, flags, fragment offset */
    uint32_t word2 = iiss_rd_u32(&rd); /* TTL, protocol, checksum (offloading makes it meaningless) */
    if ((word0 >> 28) != 4)
        return IISS_NET_MALFORMED;
    size_t header_len = (size_t)((word0 >> 24) & 0x0F) * 4;
    size_t total_len = word0 & 0xFFFFu;
    uint16_t flags_frag = (uint16_t)word1;
    uint8_t protocol = (uint8_t)(word2 >> 16);
    if (header_len < 20)
        return IISS_NET_MALFORMED;
    if (!iiss_rd_copy(&rd, seg->src.addr, 4) || !iiss_rd_copy(&rd, seg->dst.addr, 4))
        return IISS_NET_TRUNCATED;
    seg->src.family = seg->dst.family = 4;
    /* A total length of 0 is what segmentation offload leaves in captures
     * taken on the sending host: the datagram is the whole captured frame. */
    if (total_len == 0)
        total_len = v->len + v->cut;
    if (total_len < header_len)
        return IISS_NET_MALFORMED;
    if (!iiss_rd_seek(&rd, header_len))
        return IISS_NET_TRUNCATED;
    if ((flags_frag & 0x3FFFu) != 0) /* more-fragments or an offset */
        return IISS_NET_FRAGMENT;
    if (protocol != IPPROTO_TCP_VALUE)
        return IISS_NET_NOT_TCP;
    ip_view rest = rest_as_ip(&rd, v->cut);
    return parse_tcp(rest.data, rest.len, total_len - header_len, v->cut, seg);
}

static iiss_net_result parse_ipv6(const ip_view *v, iiss_tcp_segment *seg)
{
    iiss_reader rd;
    iiss_rd_init(&rd, v->data, v->len, true);
    if (v->len < 40)
        return IISS_NET_TRUNCATED;
    uint32_t first_word = iiss_rd_u32(&rd);
    if ((first_word >> 28) != 6)
        return IISS_NET_MALFORMED;
    size_t payload_len = iiss_rd_u16(&rd);
    uint8_t next = iiss_rd_u8(&rd);
    iiss_rd_skip(&rd, 1); /* hop limit */
    iiss_rd_copy(&rd, seg->src.addr, 16);
    iiss_rd_copy(&rd, seg->dst.addr, 16);
    seg->src.family = seg->dst.family = 6;
    /* 0 means a jumbogram or offloaded send: the rest of the frame. */
    if (payload_len == 0)
        payload_len = iiss_rd_remaining(&rd) + v->cut;
    /* `claimed` counts what IP says is left of the datagram after each
     * extension header. */
    size_t claimed = payload_len;
    for (int n = 0;; n++) {
        if (next == IPPROTO_TCP_VALUE)
            break;
        if (n >= MAX_IP6_EXT_HEADERS)
            return IISS_NET_MALFORMED;
        size_t ext_len;
        switch (next) {
        case IP6_HOP_BY_HOP:
        case IP6_ROUTING:
        case IP6_DEST_OPTS:
        case IP6_MOBILITY:
        case IP6_HIP:
        case IP6_SHIM6: {
            size_t start = rd.pos;
            next = iiss_rd_u8(&rd);
            ext_len = ((size_t)iiss_rd_u8(&rd) + 1) * 8;
            if (!rd.ok)
                return IISS_NET_TRUNCATED;
            iiss_rd_seek(&rd, start);
            break;
        }
        case IP6_FRAGMENT: {
            size_t start = rd.pos;
            next = iiss_rd_u8(&rd);
            iiss_rd_skip(&rd, 1);
            uint16_t offset_flags = iiss_rd_u16(&rd);
            if (!rd.ok)
                return IISS_NET_TRUNCATED;
            /* An atomic fragment (offset 0, no more) is a whole datagram. */
            if ((offset_flags & 0xFFF9u) != 0)
                return IISS_NET_FRAGMENT;
            ext_len = 8;
            iiss_rd_seek(&rd, start);
            break;
        }
        case IP6_AH: {
            size_t start = rd.pos;
            next = iiss_rd_u8(&rd);
            ext_len = ((size_t)iiss_rd_u8(&rd) + 2) * 4;
            if (!rd.ok)
                return IISS_NET_TRUNCATED;
            iiss_rd_seek(&rd, start);
            break;
        }
        case IP6_ESP:
        case IP6_NO_NEXT:
        default:
            return IISS_NET_NOT_TCP;
        }
        if (ext_len > claimed)
            return IISS_NET_MALFORMED;
        if (!iiss_rd_skip(&rd, ext_len))
            return IISS_NET_TRUNCATED;
        claimed -= ext_len;
    }
    ip_view rest = rest_as_ip(&rd, v->cut);
    return parse_tcp(rest.data, rest.len, claimed, v->cut, seg);
}

static iiss_net_result parse_ip_by_ethertype(uint16_t ethertype, const ip_view *v, iiss_tcp_segment *seg)
{
    switch (ethertype) {
    case ETHERTYPE_IPV4:
        return parse_ipv4(v, seg);
    case ETHERTYPE_IPV6:
        return parse_ipv6(v, seg);
    default:
        return IISS_NET_NOT_IP;
    }
}

/* Walks 802.1Q / QinQ tags from rd's position, then the payload by the
 * innermost EtherType. */
static iiss_net_result parse_ethertype_chain(iiss_reader *rd, uint16_t ethertype, size_t cut, iiss_tcp_segment *seg)
{
    int tags = 0;
    while (ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ || ethertype == ETHERTYPE_QINQ_OLD) {
        if (++tags > MAX_VLAN_TAGS)
            return IISS_NET_MALFORMED;
        iiss_rd_skip(rd, 2); /* priority, DEI, VLAN id */
        ethertype = iiss_rd_u16(rd);
        if (!rd->ok)
            return IISS_NET_TRUNCATED;
    }
    if (ethertype < ETHERTYPE_MIN)
        return IISS_NET_NOT_IP; /* 802.3 length: LLC, not IP as we know it */
    ip_view v = rest_as_ip(rd, cut);
    return parse_ip_by_ethertype(ethertype, &v, seg);
}

static iiss_net_result parse_ethernet(iiss_reader *rd, size_t cut, iiss_tcp_segment *seg)
{
    iiss_rd_skip(rd, 12); /* destination and source MAC */
    uint16_t ethertype = iiss_rd_u16(rd);
    if (!rd->ok)
        return IISS_NET_TRUNCATED;
    return parse_ethertype_chain(rd, ethertype, cut, seg);
}

static iiss_net_result parse_sll(iiss_reader *rd, size_t cut, iiss_tcp_segment *seg)
{
    /* packet type, ARPHRD type, address length, 8 address bytes, protocol */
    iiss_rd_skip(rd, 14);
    uint16_t protocol = iiss_rd_u16(rd);
    if (!rd->ok)
        return IISS_NET_TRUNCATED;
    return parse_ethertype_chain(rd, protocol, cut, seg);
}

static iiss_net_result parse_sll2(iiss_reader *rd, size_t cut, iiss_tcp_segment *seg)
{
    uint16_t protocol = iiss_rd_u16(rd);
    /* reserved, interface index, ARPHRD type, packet type, address length, address */
    iiss_rd_skip(rd, 18);
    if (!rd->ok)
        return IISS_NET_TRUNCATED;
    return parse_ethertype_chain(rd, protocol, cut, seg);
}

/* Raw IP: the version nibble says which. */
static iiss_net_result parse_raw(iiss_reader *rd, size_t cut, iiss_tcp_segment *seg)
{
    iiss_reader peek = *rd;
    uint8_t version = (uint8_t)(iiss_rd_u8(&peek) >> 4);
    if (!peek.ok)
        return IISS_NET_TRUNCATED;
    ip_view v = rest_as_ip(rd, cut);
    switch (version) {
    case 4:
        return parse_ipv4(&v, seg);
    case 6:
        return parse_ipv6(&v, seg);
    default:
        return IISS_NET_NOT_IP;
    }
}

static bool bsd_family_is_inet6(uint32_t af)
{
    return af == BSD_AF_INET6_NETBSD || af == BSD_AF_INET6_FREEBSD || af == BSD_AF_INET6_DARWIN;
}

/* DLT_NULL holds the family in the writer's byte order, DLT_LOOP in network
 * order, and writers get it wrong: accept either order for both. */
static iiss_net_result parse_bsd_loopback(iiss_reader *rd, size_t cut, iiss_tcp_segment *seg)
{
    uint32_t af_be = iiss_rd_u32(rd);
    if (!rd->ok)
        return IISS_NET_TRUNCATED;
    uint32_t af_le = ((af_be & 0xFFu) << 24) | ((af_be & 0xFF00u) << 8) | ((af_be >> 8) & 0xFF00u) | (af_be >> 24);
    ip_view v = rest_as_ip(rd, cut);
    if (af_be == BSD_AF_INET || af_le == BSD_AF_INET)
        return parse_ipv4(&v, seg);
    if (bsd_family_is_inet6(af_be) || bsd_family_is_inet6(af_le))
        return parse_ipv6(&v, seg);
    return IISS_NET_NOT_IP;
}

static iiss_net_result decode_link(int linktype, iiss_reader *rd, size_t cut, iiss_tcp_segment *seg)
{
    switch (linktype) {
    case DLT_EN10MB:
        return parse_ethernet(rd, cut, seg);
    case DLT_LINUX_SLL:
        return parse_sll(rd, cut, seg);
    case DLT_LINUX_SLL2:
        return parse_sll2(rd, cut, seg);
    case DLT_RAW:
#if DLT_RAW != LINKTYPE_RAW_VALUE
    case LINKTYPE_RAW_VALUE:
#endif
        return parse_raw(rd, cut, seg);
    case DLT_IPV4: {
        ip_view v = rest_as_ip(rd, cut);
        return parse_ipv4(&v, seg);
    }
    case DLT_IPV6: {
        ip_view v = rest_as_ip(rd, cut);
        return parse_ipv6(&v, seg);
    }
    case DLT_NULL:
    case DLT_LOOP:
        return parse_bsd_loopback(rd, cut, seg);
    default:
        return IISS_NET_UNSUPPORTED_LINK;
    }
}

iiss_net_result iiss_net_decode(int linktype, const uint8_t *frame, size_t caplen, size_t wirelen,
                                iiss_tcp_segment *seg, iiss_net_stats *stats)
{
    memset(seg, 0, sizeof *seg);
    iiss_reader rd;
    iiss_rd_init(&rd, frame, caplen, true);
    size_t cut = wirelen > caplen ? wirelen - caplen : 0;
    iiss_net_result r = decode_link(linktype, &rd, cut, seg);
    if (r != IISS_NET_TCP) {
        /* Leave no half-filled segment behind for a careless caller. */
        memset(seg, 0, sizeof *seg);
    }
    if (stats) {
        stats->frames++;
        stats->by_result[r]++;
        if (r == IISS_NET_TCP) {
            stats->payload_bytes += seg->payload_len;
            stats->payload_missing_bytes += seg->payload_missing;
        }
    }
    return r;
}
