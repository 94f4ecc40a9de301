/* The boundary between the transport stages (capture file → link/IP → TCP
 * reassembly) and the application stages (DCE/RPC → IIS calls → output).
 * The TCP stage delivers each direction of each connection as an ordered
 * byte stream through iiss_stream_sink; it knows nothing of DCE/RPC. */
#ifndef IISS_TCP_STREAM_H
#define IISS_TCP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memory_budget.h"

/* Where a packet sits in the capture: frame numbers are 1-based and count
 * every record of every input file the way tshark counts them for one file
 * (the pipeline restarts numbering for each input file). */
typedef struct iiss_packet_meta {
    uint64_t frame;
    int64_t ts_sec;   /* UTC seconds */
    uint32_t ts_nsec; /* nanoseconds */
} iiss_packet_meta;

typedef struct iiss_endpoint {
    uint8_t family; /* 4 or 6 */
    uint8_t addr[16];
    uint16_t port;
} iiss_endpoint;

/* "10.0.0.5:49712" or "[2001:db8::5]:49712"; returns buf. */
#define IISS_ENDPOINT_STR_MAX 56
const char *iiss_endpoint_format(const iiss_endpoint *ep, char *buf, size_t n);

typedef enum iiss_direction {
    IISS_DIR_CLIENT_TO_SERVER = 0, /* initiator (SYN sender, or first sender when the handshake was missed) */
    IISS_DIR_SERVER_TO_CLIENT = 1,
} iiss_direction;

/* One TCP connection as the application stages see it. */
typedef struct iiss_tcp_stream {
    uint64_t id;                 /* unique per run, in order of first packet */
    iiss_endpoint client;
    iiss_endpoint server;
    bool handshake_seen;         /* false: joined midstream */
    void *app;                   /* owned by the application stage */
    /* What the connection's memory is charged to (NULL: nothing, for
     * streams built by hand). */
    iiss_memory_owner *memory;
    /* During on_gap and on_close: the limit that gave the bytes up or ended
     * the stream early ("the memory limit" ...); NULL when the capture lost
     * the bytes or the stream ended by itself. */
    const char *limit;
    /* Set by the application stage once the stream carries something a
     * later packet needs (a bound presentation context): among the
     * connections that waited longest, the memory budget ends those without
     * it first. */
    bool keep_longer;
} iiss_tcp_stream;

typedef struct iiss_stream_sink {
    void *user;
    /* Ordered bytes of one direction. `meta` is the packet whose arrival
     * made these bytes deliverable (for out-of-order data: the segment that
     * filled the hole). */
    void (*on_data)(void *user, iiss_tcp_stream *stream, iiss_direction dir, const uint8_t *data, size_t len,
                    const iiss_packet_meta *meta);
    /* Bytes of one direction were lost (not captured, cut by snaplen, or
     * dropped by a memory cap): the next on_data does not follow on. */
    void (*on_gap)(void *user, iiss_tcp_stream *stream, iiss_direction dir, uint64_t missing_bytes,
                   const iiss_packet_meta *meta);
    /* The connection ended (FIN/RST both ways, retired idle, or end of
     * input); the application stage frees stream->app here. */
    void (*on_close)(void *user, iiss_tcp_stream *stream);
    /* The memory budget takes the stream's buffered data (partial PDUs,
     * stubs) to make room: give it up and release it; the stream goes on.
     * May be NULL. */
    void (*on_shed)(void *user, iiss_tcp_stream *stream, const iiss_packet_meta *meta);
} iiss_stream_sink;

#endif
