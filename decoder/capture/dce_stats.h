/* Counters of the DCE/RPC stages (framing, auth, calls and their use of
 * the memory budget), one struct they all count into, read through iiss_dce. */
#ifndef IISS_DCE_STATS_H
#define IISS_DCE_STATS_H

#include <stdint.h>

typedef struct iiss_dce_stats {
    uint64_t pdus;           /* PDUs framed */
    uint64_t pdus_malformed; /* framed but inconsistent inside */
    uint64_t pdus_truncated; /* cut short by the capture, read in part */
    uint64_t resyncs;        /* times a direction had to hunt for a header */
    uint64_t bytes_skipped;  /* bytes passed over while hunting */
    uint64_t calls;          /* calls emitted */
    uint64_t calls_abandoned;         /* emitted without waiting longer for the response: */
    uint64_t abandoned_per_conn_cap;  /*   of which for max_pending_per_conn */
    uint64_t abandoned_total_cap;     /*   of which for max_pending_total (the others: the timeout) */
    uint64_t stubs_capped;        /* stubs cut at max_call_stub */
    uint64_t stubs_cut_by_memory; /* stubs cut by the memory budget (the limit or the connection's share) */
    uint64_t pdus_dropped;    /* not (wholly) buffered, or given up: the memory budget */
    uint64_t budget_refusals; /* buffer growths refused by the budget */
    uint64_t conns_unread;    /* connections whose DCE/RPC state the budget refused */
    uint64_t alloc_failures;  /* allocations that failed: a connection's state, a call, a buffer or an identity lost */
} iiss_dce_stats;

#endif
