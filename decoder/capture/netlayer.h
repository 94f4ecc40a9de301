/* Stage 2 of the capture pipeline: from a link-layer frame to a TCP segment.
 *
 * Link types: Ethernet (802.1Q / QinQ tags stacked), Linux cooked SLL and
 * SLL2, raw IP (DLT_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6), BSD loopback
 * (DLT_NULL, DLT_LOOP). Network: IPv4 and IPv6 with extension headers
 * skipped; fragmented datagrams are skipped and counted (DCE/RPC over TCP
 * does not rely on IP fragmentation, and reassembling them would need
 * per-datagram buffers).
 *
 * The payload is clipped to both the captured bytes and the IP length, so
 * Ethernet padding never becomes TCP payload. Bytes of the TCP payload that
 * the snapshot length cut off are reported in `payload_missing`, so the TCP
 * stage can declare a gap instead of silently losing them. */
#ifndef IISS_NETLAYER_H
#define IISS_NETLAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp_stream.h"

/* TCP flag bits as they sit in the header's flags byte. */
#define IISS_TCP_FIN 0x01u
#define IISS_TCP_SYN 0x02u
#define IISS_TCP_RST 0x04u
#define IISS_TCP_PSH 0x08u
#define IISS_TCP_ACK 0x10u

typedef struct iiss_tcp_segment {
    iiss_endpoint src;
    iiss_endpoint dst;
    uint32_t seq;
    uint32_t ack;
    uint8_t flags; /* IISS_TCP_* */
    uint16_t window;
    /* Captured TCP payload, pointing into the frame. */
    const uint8_t *payload;
    uint32_t payload_len;
    /* Payload bytes the IP length promises beyond `payload_len` that the
     * snapshot length cut off (0 when the frame was captured whole). */
    uint32_t payload_missing;
} iiss_tcp_segment;

typedef enum iiss_net_result {
    IISS_NET_TCP = 0,          /* *seg holds a TCP segment */
    IISS_NET_UNSUPPORTED_LINK, /* link type not handled here */
    IISS_NET_NOT_IP,           /* ARP, LLDP, 802.3 LLC, ... */
    IISS_NET_NOT_TCP,          /* UDP, ICMP, ESP, ... */
    IISS_NET_FRAGMENT,         /* part of a fragmented IP datagram: skipped */
    IISS_NET_TRUNCATED,        /* a header is cut short by the snapshot length */
    IISS_NET_MALFORMED,        /* inconsistent header lengths or version */
    IISS_NET_RESULT_COUNT
} iiss_net_result;

typedef struct iiss_net_stats {
    uint64_t frames;
    uint64_t by_result[IISS_NET_RESULT_COUNT];
    uint64_t payload_bytes;         /* TCP payload bytes handed on */
    uint64_t payload_missing_bytes; /* TCP payload bytes cut by the snapshot length */
} iiss_net_stats;

/* True when iiss_net_decode understands frames of this DLT_ value. */
bool iiss_net_linktype_supported(int linktype);

/* Decodes one frame. `caplen` bytes are present at `frame`; `wirelen` is the
 * frame's length on the wire (caplen when unknown). Never reads outside
 * [frame, frame + caplen). `stats` may be NULL. */
iiss_net_result iiss_net_decode(int linktype, const uint8_t *frame, size_t caplen, size_t wirelen,
                                iiss_tcp_segment *seg, iiss_net_stats *stats);

/* "tcp", "unsupported_link", "not_ip", ... */
const char *iiss_net_result_name(iiss_net_result r);

#endif
