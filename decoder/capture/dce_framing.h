/* DCE/RPC framing: one direction's ordered byte stream → whole PDUs.
 * Several PDUs per chunk or one across chunks; a partial PDU is buffered
 * (at most 64 KiB, the largest frag_length) within the memory budget, and
 * a PDU that does not fit is handed on as far as it came, marked cut by the
 * memory limit, and the rest of it passed over so framing holds. After a gap, or
 * when the stream starts mid-PDU (a capture joined midstream), it hunts for
 * the next plausible header. Knows nothing of calls or authentication. */
#ifndef IISS_DCE_FRAMING_H
#define IISS_DCE_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dce_buffer.h"
#include "dce_stats.h"
#include "tcp_stream.h"

/* One PDU: `len` bytes present of the `frag_length` its header announces
 * (fewer only when a gap or, with memory_cut, the memory limit cut it),
 * valid during the call. */
typedef void (*iiss_dce_pdu_fn)(void *user, const uint8_t *data, size_t len, size_t frag_length, bool memory_cut,
                                const iiss_packet_meta *meta);

typedef struct iiss_dce_framer {
    iiss_dce_buf partial;          /* bytes of a PDU not yet complete */
    iiss_packet_meta partial_meta; /* the packet that brought the last of them */
    size_t skip;                   /* rest of a PDU already handled as truncated, still to pass by */
    bool hunting;                  /* looking for a plausible header */
    bool synced_once;
    iiss_memory_owner *owner; /* the connection the partial PDU is charged to (NULL: none) */
} iiss_dce_framer;

/* Shared by every framer of a stage. */
typedef struct iiss_dce_framing {
    const iiss_dce_budget *budget;
    iiss_dce_stats *stats; /* resyncs, bytes_skipped, pdus_dropped */
    iiss_dce_pdu_fn on_pdu;
} iiss_dce_framing;

/* Starts hunting: the stream may begin mid-PDU. */
void iiss_dce_framer_init(iiss_dce_framer *f, iiss_memory_owner *owner);
void iiss_dce_framer_data(const iiss_dce_framing *fr, iiss_dce_framer *f, const uint8_t *data, size_t len,
                          const iiss_packet_meta *meta, void *user);
/* `missing_bytes` were lost. A PDU whose header was buffered is handed on
 * as far as it came (a snaplen cut does this to every long frame); if the
 * gap ends inside that PDU, framing resumes right after it and this
 * returns false. Otherwise the framer hunts again and this returns true,
 * with *missing_after the bytes lost beyond what it could place. */
bool iiss_dce_framer_gap(const iiss_dce_framing *fr, iiss_dce_framer *f, uint64_t missing_bytes,
                         uint64_t *missing_after, void *user);
/* Gives up the partial PDU to the memory budget (the rest of it will be
 * passed over) and frees its buffer; returns the bytes given up. */
size_t iiss_dce_framer_shed(const iiss_dce_framing *fr, iiss_dce_framer *f);
void iiss_dce_framer_free(const iiss_dce_framing *fr, iiss_dce_framer *f);

#endif
