/* Stage 3 of the capture pipeline: TCP segments in, one ordered byte stream
 * per connection direction out, through an iiss_stream_sink.
 *
 * Rules, kept everywhere:
 * - Client and server: the sender of a SYN without ACK is the client; the
 *   sender of a SYN+ACK is the server. Without a handshake: an endpoint that
 *   was a server in an earlier handshake of the run is the server; else a
 *   port below 1024 facing one at or above it is the server (135, 445, 593);
 *   otherwise the sender of the first payload seen is the client (DCE/RPC
 *   clients speak first; both ends of a DCOM connection usually sit on
 *   dynamic ports, so "lower port is the server" would be a coin toss
 *   there). A capture that starts between a request and its response on
 *   such ports gets the roles swapped.
 * - Start: with a SYN, the stream starts at ISN + 1; without one, at the
 *   first payload byte seen in that direction (earlier bytes are dropped).
 * - Overlaps: the first copy of a byte received wins, as a receiving TCP
 *   keeps what it already has. Later copies, even with different contents,
 *   are dropped (and counted when they differ from buffered bytes). Bytes
 *   the snapshot length cut off count as received but unreadable: they are
 *   reported by on_gap where they fall, and a later copy does not replace
 *   them (every copy is cut by the same snapshot length anyway).
 * - In-order data is passed to the sink straight from the packet buffer;
 *   only out-of-order segments are copied, bounded per direction and by the
 *   chain's memory budget (memory_budget.h). Going over a bound gives up the
 *   oldest hole in that direction: on_gap (with stream->limit naming the
 *   bound), then the buffered bytes after it.
 * - A hole is also given up when the peer acknowledges bytes past it (they
 *   were received, just not captured: no retransmission will come), when the
 *   connection is reset or retired, and at flush.
 * - The meta given with bytes: the packet that carried them when they were
 *   in order; the packet that filled the hole before them when they were
 *   held (tshark's "reassembled in"); their own packet again when the hole
 *   before them was given up, since nothing filled it. on_gap carries the
 *   packet that made the hole be given up (the flow's last one at flush).
 * - Sequence numbers compare modulo 2^32; a segment more than 1 GiB ahead of
 *   the next expected byte is out of window and dropped.
 * - A connection ends with FIN both ways once all bytes up to each FIN are
 *   delivered, or with RST; the flow then lingers closed (at most two
 *   minutes of capture time, as TIME_WAIT) so late retransmissions and ACKs
 *   are absorbed, until a new SYN (port reuse) or data past the old end
 *   starts a new stream with a new id.
 * - Idle flows (no packet for `idle_timeout_sec` of capture time) are
 *   retired; past `max_flows` a lingering closed flow is dropped, or else
 *   the least recently active open flow is retired (as below, preferring
 *   one not marked keep_longer; stream->limit says why at on_close).
 * - Memory: every flow is charged to the budget (and owns the charges of
 *   the stages after it, through stream->memory). When a charge does not
 *   fit, this stage makes room, one step at a time, never from the flow
 *   being charged: a lingering closed flow goes first; then the flow
 *   holding buffered data that was active least recently in capture time
 *   gives it up (the sink's on_shed, and its out-of-order bytes as a gap);
 *   then the least recently active open flow is retired (stream->limit
 *   says why at on_close), preferring, among the 64 least recently
 *   active, one whose stream is not marked keep_longer. A new flow the budget cannot hold is not
 *   followed (counted).
 * - on_close is called once per stream that delivered anything (on_data or
 *   on_gap); the iiss_tcp_stream pointer stays valid until then. */
#ifndef IISS_TCP_REASSEMBLY_H
#define IISS_TCP_REASSEMBLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netlayer.h"
#include "tcp_stream.h"

typedef struct iiss_tcp_config {
    uint64_t max_buffered_per_direction; /* out-of-order bytes held per direction; default 4 MiB */
    uint32_t idle_timeout_sec;           /* capture time without packets before a flow is retired; default 600 */
    uint32_t max_flows;                  /* flows tracked at once (open or lingering closed); default 100000 */
    /* The chain's budget, shared with the other stages; NULL: the stage
     * makes one of its own with the default limits. Outlives the stage. */
    iiss_memory_budget *memory;
} iiss_tcp_config;

/* The names stream->limit takes. */
#define IISS_TCP_LIMIT_MEMORY "memory limit"
#define IISS_TCP_LIMIT_FLOWS "limit on connections followed at once"
#define IISS_TCP_LIMIT_PER_DIRECTION "limit on out-of-order bytes per direction"

void iiss_tcp_config_default(iiss_tcp_config *opts);

typedef struct iiss_tcp_stats {
    uint64_t segments;          /* TCP segments seen */
    uint64_t payload_segments;  /* of which carried payload */
    uint64_t streams;           /* streams started */
    uint64_t streams_midstream; /* of which without a handshake */
    uint64_t bytes_delivered;   /* passed to on_data */
    uint64_t gaps;              /* on_gap calls */
    uint64_t gap_bytes;         /* missing bytes reported by on_gap */
    uint64_t out_of_order;      /* segments buffered ahead of a hole */
    uint64_t duplicates;        /* segments with nothing new */
    uint64_t overlaps;          /* segments partly overlapping data already received */
    uint64_t overlap_conflicts; /* overlapping bytes that differed from the first copy */
    uint64_t out_of_window;     /* segments too far ahead to be believed */
    uint64_t caps_per_direction; /* times the per-direction bound (bytes, or 4096 held ranges) forced a hole to be given up */
    uint64_t caps_total;        /* times the memory budget refused a held segment (a hole was given up) */
    uint64_t holes_acked;       /* holes given up because the peer acknowledged past them */
    uint64_t port_reuses;       /* new handshakes on a flow that had a stream */
    uint64_t flows_retired_idle;
    uint64_t flows_evicted;     /* retired by the max_flows bound */
    uint64_t flows_refused;     /* new connections not followed: the memory budget could not hold them */
    uint64_t buffered_bytes;    /* out-of-order bytes held now */
    uint64_t buffered_peak;     /* most ever held at once */
    uint64_t flows_now;
    uint64_t flows_peak;
    uint64_t alloc_failures;    /* allocations that failed: a flow, a held segment or a note lost */
} iiss_tcp_stats;

typedef struct iiss_tcp_reassembler iiss_tcp_reassembler;

/* `opts` may be NULL for the defaults; zero fields take their default too.
 * The sink is copied. Returns NULL only when out of memory. */
iiss_tcp_reassembler *iiss_tcp_reassembler_new(const iiss_tcp_config *opts, const iiss_stream_sink *sink);

/* Feeds one segment. The sink is called from inside, with data pointing into
 * the segment or into the reassembler's buffers: valid only during the call. */
void iiss_tcp_reassembler_add(iiss_tcp_reassembler *ra, const iiss_tcp_segment *seg, const iiss_packet_meta *meta);

/* End of input: delivers what every flow holds (on_gap for holes), closes
 * every stream and forgets every flow. The reassembler stays usable; stream
 * ids keep counting. */
void iiss_tcp_reassembler_flush(iiss_tcp_reassembler *ra);

void iiss_tcp_reassembler_get_stats(const iiss_tcp_reassembler *ra, iiss_tcp_stats *out);
/* The budget the stage charges (its own or the one given). */
iiss_memory_budget *iiss_tcp_reassembler_memory(iiss_tcp_reassembler *ra);

/* Flushes, then frees. NULL is fine. */
void iiss_tcp_reassembler_free(iiss_tcp_reassembler *ra);

#endif
