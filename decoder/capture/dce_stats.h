/* Counters of the DCE/RPC stages (framing, auth, calls and the buffers'
 * budget), one struct they all count into, read through iiss_dce. */
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
    uint64_t calls_abandoned;
    uint64_t stubs_capped;
    uint64_t pdus_dropped;    /* not buffered: the memory budget was spent */
    uint64_t budget_refusals; /* buffer growths refused by the budget */
    uint64_t buffered_peak;   /* most bytes held in buffers at once */
    uint64_t alloc_failures;  /* allocations that failed: a connection's state, a call, a buffer or an identity lost */
} iiss_dce_stats;

#endif
