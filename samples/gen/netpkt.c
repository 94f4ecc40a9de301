#define _DEFAULT_SOURCE /* inet_pton, inet_ntop */
#include "netpkt.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capfile.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86DD
#define ETHERTYPE_VLAN 0x8100
#define IPPROTO_TCP_NUMBER 6
#define ARPHRD_ETHER_TYPE 1
#define TCP_HEADER_LEN 20u
#define TCP_MSS_OPTION_LEN 4u

/* Internet checksum (RFC 1071) over several pieces, folded at the end. */
static uint32_t checksum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (n % 2)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t checksum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFFu) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put_link_header(bytebuf *f, const net_link *link, const net_endpoint *src, const net_endpoint *dst,
                            bool outgoing)
{
    uint16_t ethertype = src->ipv6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
    if (link->linktype == CAP_LINKTYPE_LINUX_SLL) {
        /* SLL: packet type, ARPHRD, address length, 8 address bytes, protocol. */
        bb_put_u16be(f, outgoing ? 4 : 0);
        bb_put_u16be(f, ARPHRD_ETHER_TYPE);
        bb_put_u16be(f, 6);
        bb_put_bytes(f, src->mac, 6);
        bb_put_zeros(f, 2);
        bb_put_u16be(f, ethertype);
        return;
    }
    bb_put_bytes(f, dst->mac, 6);
    bb_put_bytes(f, src->mac, 6);
    if (link->vlan) {
        bb_put_u16be(f, ETHERTYPE_VLAN);
        bb_put_u16be(f, (uint16_t)((link->vlan_priority & 7u) << 13 | (link->vlan_id & 0x0FFFu)));
    }
    bb_put_u16be(f, ethertype);
}

void net_build_tcp_frame(bytebuf *f, const net_link *link, const net_endpoint *src, const net_endpoint *dst,
                         const tcp_segment *seg, const uint8_t *payload, size_t payload_len)
{
    put_link_header(f, link, src, dst, seg->sll_outgoing);
    size_t tcp_len = TCP_HEADER_LEN + (seg->mss_option ? TCP_MSS_OPTION_LEN : 0) + payload_len;

    size_t ip_at = f->len;
    if (src->ipv6) {
        bb_put_u32be(f, 0x60000000u); /* version 6, no traffic class or flow label */
        bb_put_u16be(f, (uint16_t)tcp_len);
        bb_put_u8(f, IPPROTO_TCP_NUMBER);
        bb_put_u8(f, seg->ttl);
        bb_put_bytes(f, src->ip, 16);
        bb_put_bytes(f, dst->ip, 16);
    } else {
        bb_put_u8(f, 0x45);
        bb_put_u8(f, 0);
        bb_put_u16be(f, (uint16_t)(20u + tcp_len));
        bb_put_u16be(f, seg->ip_id);
        bb_put_u16be(f, 0x4000); /* don't fragment */
        bb_put_u8(f, seg->ttl);
        bb_put_u8(f, IPPROTO_TCP_NUMBER);
        bb_put_u16be(f, 0); /* checksum, patched below */
        bb_put_bytes(f, src->ip, 4);
        bb_put_bytes(f, dst->ip, 4);
        uint16_t ip_sum = checksum_fold(checksum_add(0, f->data + ip_at, 20));
        uint8_t be[2] = {(uint8_t)(ip_sum >> 8), (uint8_t)ip_sum};
        bb_patch_bytes(f, ip_at + 10, be, 2);
    }

    size_t tcp_at = f->len;
    bb_put_u16be(f, src->port);
    bb_put_u16be(f, dst->port);
    bb_put_u32be(f, seg->seq);
    bb_put_u32be(f, seg->ack);
    size_t header_words = (TCP_HEADER_LEN + (seg->mss_option ? TCP_MSS_OPTION_LEN : 0)) / 4u;
    bb_put_u8(f, (uint8_t)(header_words << 4));
    bb_put_u8(f, seg->flags);
    bb_put_u16be(f, seg->window);
    bb_put_u16be(f, 0); /* checksum, patched below */
    bb_put_u16be(f, 0); /* urgent pointer */
    if (seg->mss_option) {
        bb_put_u8(f, 2);
        bb_put_u8(f, 4);
        bb_put_u16be(f, seg->mss_option);
    }
    bb_put_bytes(f, payload, payload_len);

    /* Pseudo-header: addresses, protocol, TCP length. */
    size_t addr_len = src->ipv6 ? 16u : 4u;
    uint32_t sum = checksum_add(0, src->ip, addr_len);
    sum = checksum_add(sum, dst->ip, addr_len);
    sum += IPPROTO_TCP_NUMBER;
    sum += (uint32_t)(tcp_len >> 16) + (uint32_t)(tcp_len & 0xFFFFu);
    sum = checksum_add(sum, f->data + tcp_at, tcp_len);
    uint16_t tcp_sum = checksum_fold(sum);
    uint8_t be[2] = {(uint8_t)(tcp_sum >> 8), (uint8_t)tcp_sum};
    bb_patch_bytes(f, tcp_at + 16, be, 2);
}

static net_endpoint endpoint_base(const uint8_t mac[6], uint16_t port)
{
    net_endpoint e;
    memset(&e, 0, sizeof e);
    memcpy(e.mac, mac, 6);
    e.port = port;
    return e;
}

net_endpoint net_endpoint_v4(const uint8_t mac[6], const char *ip, uint16_t port)
{
    net_endpoint e = endpoint_base(mac, port);
    if (inet_pton(AF_INET, ip, e.ip) != 1) {
        fprintf(stderr, "iiss-samplegen: bad IPv4 literal %s\n", ip);
        abort();
    }
    return e;
}

net_endpoint net_endpoint_v6(const uint8_t mac[6], const char *ip, uint16_t port)
{
    net_endpoint e = endpoint_base(mac, port);
    e.ipv6 = true;
    if (inet_pton(AF_INET6, ip, e.ip) != 1) {
        fprintf(stderr, "iiss-samplegen: bad IPv6 literal %s\n", ip);
        abort();
    }
    return e;
}

void net_endpoint_format(const net_endpoint *e, char *out, size_t n)
{
    char text[INET6_ADDRSTRLEN];
    inet_ntop(e->ipv6 ? AF_INET6 : AF_INET, e->ip, text, sizeof text);
    if (e->ipv6)
        snprintf(out, n, "[%s]:%u", text, e->port);
    else
        snprintf(out, n, "%s:%u", text, e->port);
}
