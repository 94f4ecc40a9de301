#include "tcp_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void direction_init(tcp_direction *d, const net_endpoint *ep, uint32_t isn, uint16_t ip_id)
{
    memset(d, 0, sizeof *d);
    d->ep = *ep;
    d->isn = isn;
    d->ip_id = ip_id;
    d->window = 64240;
    d->ttl = ep->ipv6 ? 64 : 128;
    bb_init(&d->data);
    bb_init(&d->received);
}

void tcp_conn_init(tcp_conn *c, capfile *cap, const net_link *link, const net_endpoint *client,
                   const net_endpoint *server, uint32_t client_isn, uint32_t server_isn)
{
    memset(c, 0, sizeof *c);
    c->cap = cap;
    c->link = *link;
    c->mss = client->ipv6 ? 1440 : 1460;
    c->segment_gap_us = 30;
    direction_init(&c->side[TCP_CLIENT], client, client_isn, 0x1A2B);
    direction_init(&c->side[TCP_SERVER], server, server_isn, 0x5C3D);
}

void tcp_conn_free(tcp_conn *c)
{
    for (int s = 0; s < 2; s++) {
        bb_free(&c->side[s].data);
        bb_free(&c->side[s].received);
        free(c->side[s].progress);
        free(c->side[s].segments);
    }
}

static void note_progress(tcp_direction *d, uint32_t frame)
{
    if (d->n_progress == d->cap_progress) {
        d->cap_progress = d->cap_progress ? d->cap_progress * 2 : 64;
        d->progress = realloc(d->progress, d->cap_progress * sizeof *d->progress);
        if (!d->progress)
            abort();
    }
    d->progress[d->n_progress].frame = frame;
    d->progress[d->n_progress].in_order = d->in_order;
    d->n_progress++;
}

/* The sequence number of data byte `offset` (SYN takes one). */
static uint32_t seq_of(const tcp_direction *d, size_t offset)
{
    return d->isn + 1u + (uint32_t)offset;
}

static void note_segment(tcp_direction *d, uint32_t frame, size_t offset, size_t len, size_t captured)
{
    if (d->n_segments == d->cap_segments) {
        d->cap_segments = d->cap_segments ? d->cap_segments * 2 : 64;
        d->segments = realloc(d->segments, d->cap_segments * sizeof *d->segments);
        if (!d->segments)
            abort();
    }
    tcp_segment_note *n = &d->segments[d->n_segments++];
    n->frame = frame;
    n->offset = offset;
    n->len = len;
    n->captured = captured;
}

/* Writes one frame; *captured_payload gets the payload bytes the snaplen keeps. */
static uint32_t write_segment(tcp_conn *c, int side, uint32_t seq, uint8_t flags, uint16_t mss_option,
                              const uint8_t *payload, size_t len, size_t *captured_payload)
{
    tcp_direction *me = &c->side[side];
    const tcp_direction *peer = &c->side[!side];
    tcp_segment seg;
    memset(&seg, 0, sizeof seg);
    seg.seq = seq;
    /* Acknowledge what this side has in order from the peer (+1 for its SYN,
     * +1 more once its FIN was seen). */
    if (flags & TCP_ACK)
        seg.ack = seq_of(peer, peer->in_order) + (peer->fin_sent ? 1u : 0u);
    seg.flags = flags;
    seg.window = me->window;
    seg.mss_option = mss_option;
    seg.ip_id = me->ip_id++;
    seg.ttl = me->ttl;
    seg.sll_outgoing = side == TCP_CLIENT; /* captured on the client */
    bytebuf frame;
    bb_init(&frame);
    net_build_tcp_frame(&frame, &c->link, &me->ep, &peer->ep, &seg, payload, len);
    uint32_t number = cap_write(c->cap, frame.data, frame.len);
    size_t cut = frame.len > c->cap->snaplen ? frame.len - c->cap->snaplen : 0;
    if (captured_payload)
        *captured_payload = cut < len ? len - cut : 0;
    if (cut && len)
        c->truncated = true;
    bb_free(&frame);
    cap_advance_us(c->cap, c->segment_gap_us);
    return number;
}

void tcp_handshake(tcp_conn *c)
{
    tcp_direction *cl = &c->side[TCP_CLIENT];
    tcp_direction *sv = &c->side[TCP_SERVER];
    write_segment(c, TCP_CLIENT, cl->isn, TCP_SYN, c->mss, NULL, 0, NULL);
    cap_advance_us(c->cap, 350);
    /* The SYN/ACK acknowledges isn+1: in_order is still 0 so seq_of gives it. */
    write_segment(c, TCP_SERVER, sv->isn, TCP_SYN | TCP_ACK, c->mss, NULL, 0, NULL);
    cap_advance_us(c->cap, 60);
    write_segment(c, TCP_CLIENT, cl->isn + 1u, TCP_ACK, 0, NULL, 0, NULL);
}

void tcp_assume_established(tcp_conn *c)
{
    (void)c; /* sequence numbers already start at isn+1 */
}

size_t tcp_queue(tcp_conn *c, int side, const uint8_t *data, size_t len)
{
    tcp_direction *d = &c->side[side];
    size_t at = d->data.len;
    bb_put_bytes(&d->data, data, len);
    bb_put_zeros(&d->received, len);
    return at;
}

uint32_t tcp_emit(tcp_conn *c, int side, size_t offset, size_t len, bool push)
{
    tcp_direction *d = &c->side[side];
    if (offset > d->data.len || len > d->data.len - offset) {
        fprintf(stderr, "iiss-samplegen: segment outside the queued data\n");
        abort();
    }
    size_t captured = 0;
    uint32_t frame = write_segment(c, side, seq_of(d, offset), (uint8_t)(TCP_ACK | (push ? TCP_PSH : 0)), 0,
                                   d->data.data + offset, len, &captured);
    note_segment(d, frame, offset, len, captured);
    memset(d->received.data + offset, 1, len);
    if (offset + len > d->next_send)
        d->next_send = offset + len;
    while (d->in_order < d->received.len && d->received.data[d->in_order])
        d->in_order++;
    note_progress(d, frame);
    return frame;
}

void tcp_send_queued(tcp_conn *c, int side, const size_t *sizes, size_t n_sizes)
{
    tcp_direction *d = &c->side[side];
    size_t index = 0;
    while (d->next_send < d->data.len) {
        size_t want = c->mss;
        if (sizes && n_sizes) {
            want = sizes[index < n_sizes ? index : n_sizes - 1];
            index++;
        }
        size_t left = d->data.len - d->next_send;
        size_t len = want < left ? want : left;
        if (len > c->mss)
            len = c->mss;
        tcp_emit(c, side, d->next_send, len, len == left);
    }
}

uint32_t tcp_ack(tcp_conn *c, int side)
{
    tcp_direction *d = &c->side[side];
    return write_segment(c, side, seq_of(d, d->data.len), TCP_ACK, 0, NULL, 0, NULL);
}

void tcp_close(tcp_conn *c, int first)
{
    int second = !first;
    tcp_direction *a = &c->side[first];
    tcp_direction *b = &c->side[second];
    write_segment(c, first, seq_of(a, a->data.len), TCP_FIN | TCP_ACK, 0, NULL, 0, NULL);
    a->fin_sent = true;
    cap_advance_us(c->cap, 200);
    write_segment(c, second, seq_of(b, b->data.len), TCP_FIN | TCP_ACK, 0, NULL, 0, NULL);
    b->fin_sent = true;
    cap_advance_us(c->cap, 100);
    write_segment(c, first, seq_of(a, a->data.len) + 1u, TCP_ACK, 0, NULL, 0, NULL);
}

uint32_t tcp_completion_frame(const tcp_conn *c, int side, size_t end)
{
    const tcp_direction *d = &c->side[side];
    for (size_t i = 0; i < d->n_progress; i++)
        if (d->progress[i].in_order >= end)
            return d->progress[i].frame;
    return 0;
}

size_t tcp_captured_from(const tcp_conn *c, int side, size_t offset, uint32_t *frame)
{
    const tcp_direction *d = &c->side[side];
    *frame = 0;
    for (size_t i = 0; i < d->n_segments; i++) {
        const tcp_segment_note *n = &d->segments[i];
        if (offset < n->offset || offset >= n->offset + n->len)
            continue;
        *frame = n->frame;
        size_t kept_end = n->offset + n->captured;
        return offset < kept_end ? kept_end - offset : 0;
    }
    return 0;
}
