/* Link, IP and TCP headers around a payload: Ethernet II (optionally with an
 * 802.1Q tag) or Linux cooked capture (SLL), IPv4 or IPv6, TCP with real
 * checksums. */
#ifndef SAMPLEGEN_NETPKT_H
#define SAMPLEGEN_NETPKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

typedef struct net_endpoint {
    uint8_t mac[6];
    bool ipv6;
    uint8_t ip[16];  /* IPv4 in the first 4 bytes */
    uint16_t port;
} net_endpoint;

typedef struct net_link {
    int linktype;       /* CAP_LINKTYPE_ETHERNET or CAP_LINKTYPE_LINUX_SLL */
    bool vlan;          /* Ethernet only: add an 802.1Q tag */
    uint16_t vlan_id;
    uint8_t vlan_priority;
} net_link;

enum tcp_flag { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10 };

typedef struct tcp_segment {
    uint32_t seq;
    uint32_t ack;
    uint8_t flags;
    uint16_t window;
    uint16_t mss_option;   /* non-zero: SYN carries an MSS option */
    uint16_t ip_id;        /* IPv4 identification */
    uint8_t ttl;           /* hop limit */
    bool sll_outgoing;     /* SLL packet type: sent by us (4) vs to us (0) */
} tcp_segment;

/* Appends the whole frame to `frame` (which must be empty). */
void net_build_tcp_frame(bytebuf *frame, const net_link *link, const net_endpoint *src, const net_endpoint *dst,
                         const tcp_segment *seg, const uint8_t *payload, size_t payload_len);

/* Endpoint helpers: "10.0.0.5" / "2001:db8::5" style literals (aborts on a bad one). */
net_endpoint net_endpoint_v4(const uint8_t mac[6], const char *ip, uint16_t port);
net_endpoint net_endpoint_v6(const uint8_t mac[6], const char *ip, uint16_t port);
/* "10.0.0.5:49712" or "[2001:db8::5]:49712" as inet_ntop prints it. */
void net_endpoint_format(const net_endpoint *e, char *out, size_t n);

#endif
