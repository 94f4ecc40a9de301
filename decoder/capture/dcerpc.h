/* Connection-oriented DCE/RPC (C706 chapter 12, MS-RPCE 2.2.2) over the
 * ordered byte streams of the TCP stage: the composition of its stages,
 * per connection and in stream order,
 *   dce_framing (bytes → PDUs, resynchronisation after a gap)
 *   → dce_pdu (the PDU's header, sec_trailer, bind lists: pure functions)
 *   → dce_auth (auth tokens; the stub bytes the calls get, sealed or not)
 *   → dce_calls (contexts, fragments, request/response matching, limits),
 * emitting one iiss_dce_call per request (dce_calls.h).
 *
 * Memory: each connection's state, its partial PDUs, call slots and stubs
 * are charged to the connection in the chain's memory budget
 * (memory_budget.h; a PDU that does not fit is handed on cut, and the rest
 * of it passed over), and the number of outstanding calls is capped per
 * connection and in total. */
#ifndef IISS_DCERPC_H
#define IISS_DCERPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dce_auth.h"
#include "dce_calls.h"
#include "dce_pdu.h"
#include "dce_stats.h"
#include "tcp_stream.h"

#define IISS_DCE_DEFAULT_MAX_CALL_STUB (16u * 1024u * 1024u)
#define IISS_DCE_DEFAULT_MAX_PENDING_PER_CONN 256u
#define IISS_DCE_DEFAULT_MAX_PENDING_TOTAL 8192u
#define IISS_DCE_DEFAULT_PENDING_TIMEOUT_SEC 600

/* Zero fields take the defaults above. */
typedef struct iiss_dce_config {
    size_t max_call_stub;         /* reassembled stub cap per call side */
    size_t max_pending_per_conn;  /* outstanding calls per connection */
    size_t max_pending_total;     /* outstanding calls in all */
    int64_t pending_timeout_sec;  /* capture time after which a response is no longer awaited; < 0: never */
    /* The chain's budget, shared with the other stages; NULL: the stage
     * makes one of its own with the default limits. Outlives the stage. */
    iiss_memory_budget *memory;
    iiss_dce_auth_config auth;
} iiss_dce_config;

void iiss_dce_config_default(iiss_dce_config *cfg);

typedef struct iiss_dce iiss_dce;

/* cfg NULL: defaults. Returns NULL on allocation failure. */
iiss_dce *iiss_dce_new(const iiss_dce_config *cfg, iiss_dce_call_fn on_call, void *user);
/* Emits nothing more: close the streams first (the TCP stage does). */
void iiss_dce_free(iiss_dce *dce);
/* The sink the TCP stage delivers into. */
iiss_stream_sink iiss_dce_sink(iiss_dce *dce);
/* The budget the stage charges (its own or the one given). */
iiss_memory_budget *iiss_dce_memory(iiss_dce *dce);
void iiss_dce_get_stats(const iiss_dce *dce, iiss_dce_stats *out);

/* The sink's functions, callable directly (tests feed hand-built streams). */
void iiss_dce_on_data(void *dce, iiss_tcp_stream *stream, iiss_direction dir, const uint8_t *data, size_t len,
                      const iiss_packet_meta *meta);
void iiss_dce_on_gap(void *dce, iiss_tcp_stream *stream, iiss_direction dir, uint64_t missing_bytes,
                     const iiss_packet_meta *meta);
void iiss_dce_on_close(void *dce, iiss_tcp_stream *stream);
void iiss_dce_on_shed(void *dce, iiss_tcp_stream *stream, const iiss_packet_meta *meta);

#endif
