/* One TCP connection written into a capture: handshake, data segments with
 * real sequence and acknowledgement numbers, any segmentation, reordering,
 * duplication or overlapping retransmission the scenario asks for, FIN.
 *
 * Application bytes are queued per direction first, then emitted as segments
 * covering any byte range of that queue. The connection tracks, after each
 * frame, how many bytes of each direction a receiver has in order, so it can
 * answer "in which frame does byte N become available", i.e. the frame in
 * which tshark completes a PDU ending there. */
#ifndef SAMPLEGEN_TCP_STREAM_H
#define SAMPLEGEN_TCP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"
#include "capfile.h"
#include "netpkt.h"

enum tcp_side { TCP_CLIENT = 0, TCP_SERVER = 1 };

typedef struct tcp_progress {
    uint32_t frame;
    size_t in_order; /* bytes of the direction received in order after this frame */
} tcp_progress;

/* A data segment as captured: its stream range and how much of it the
 * snaplen kept. */
typedef struct tcp_segment_note {
    uint32_t frame;
    size_t offset;
    size_t len;
    size_t captured;
} tcp_segment_note;

typedef struct tcp_direction {
    net_endpoint ep;
    uint32_t isn;
    bytebuf data;        /* every byte queued in this direction */
    bytebuf received;    /* one flag byte per data byte: seen on the wire */
    size_t in_order;     /* received[0..in_order) all set */
    size_t next_send;    /* first byte not yet sent by tcp_send_queued */
    bool fin_sent;
    uint16_t ip_id;
    uint16_t window;
    uint8_t ttl;
    tcp_progress *progress;
    size_t n_progress;
    size_t cap_progress;
    tcp_segment_note *segments;
    size_t n_segments;
    size_t cap_segments;
} tcp_direction;

typedef struct tcp_conn {
    capfile *cap;
    net_link link;
    tcp_direction side[2];
    uint16_t mss;
    uint64_t segment_gap_us; /* clock step after each frame of a burst */
    bool truncated;          /* some payload was cut by the snaplen */
} tcp_conn;

void tcp_conn_init(tcp_conn *c, capfile *cap, const net_link *link, const net_endpoint *client,
                   const net_endpoint *server, uint32_t client_isn, uint32_t server_isn);
void tcp_conn_free(tcp_conn *c);

/* SYN, SYN/ACK, ACK. */
void tcp_handshake(tcp_conn *c);
/* For a capture that starts midstream: no handshake frames, the first
 * sequence numbers are simply isn+1. */
void tcp_assume_established(tcp_conn *c);

/* Queue bytes to send from `side`; returns the offset of the first one. */
size_t tcp_queue(tcp_conn *c, int side, const uint8_t *data, size_t len);
/* Emit one segment carrying queued bytes [offset, offset+len) of `side`,
 * with ACK (and PSH when `push`). Returns the frame number. Bytes up to
 * the segment's end count as sent for tcp_send_queued. */
uint32_t tcp_emit(tcp_conn *c, int side, size_t offset, size_t len, bool push);
/* Send everything queued but not yet sent, cut at the MSS or, when
 * `sizes` is given, into segments of sizes[0], sizes[1], ... (the last
 * size repeats). PSH on the final segment. */
void tcp_send_queued(tcp_conn *c, int side, const size_t *sizes, size_t n_sizes);
/* A pure ACK from `side` for what it has received in order. */
uint32_t tcp_ack(tcp_conn *c, int side);
/* FIN/ACK from `first`, FIN/ACK back, final ACK. */
void tcp_close(tcp_conn *c, int first);

/* The frame after which the receiver of `side`'s data has bytes
 * [0, end) in order; 0 if never. */
uint32_t tcp_completion_frame(const tcp_conn *c, int side, size_t end);

/* Bytes of `side`'s stream from `offset` that the first segment carrying
 * that byte kept under the snaplen (0 if none); *frame gets that segment's
 * frame (0 when no segment carried it). */
size_t tcp_captured_from(const tcp_conn *c, int side, size_t offset, uint32_t *frame);

#endif
