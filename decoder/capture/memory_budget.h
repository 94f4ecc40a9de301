/* One memory budget for the whole capture chain: the flow table (each
 * connection's TCP and DCE/RPC state), the TCP stage's out-of-order
 * segments, the DCE/RPC stage's partial PDUs, its outstanding calls and
 * their reassembled stubs all charge it and release what they charged.
 *
 * Memory is charged to an owner, one per connection (embedded in the TCP
 * flow), so that what one connection buffers can be capped at its share
 * (its state is not: a connection can always be followed), and so that
 * room is made fairly: when a charge does not fit, the budget asks its
 * reclaimers, in the order they were added, to free something (recycled
 * buffers nobody uses, then the connections that waited longest, in capture
 * time) before it refuses. The owner being charged is never reclaimed from.
 *
 * The budget also keeps, least recently active first, the owners that hold
 * buffered data (anything but their state): the TCP stage touches an owner
 * at each of its packets and reclaims from the head of that list.
 *
 * Every refusal and reclaim is counted (iiss_memory_stats), so a front end
 * can say which limit was hit and how often. */
#ifndef IISS_MEMORY_BUDGET_H
#define IISS_MEMORY_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IISS_MEMORY_DEFAULT_LIMIT (32u * 1024u * 1024u)
#define IISS_MEMORY_DEFAULT_OWNER_LIMIT (16u * 1024u * 1024u)

typedef enum iiss_memory_kind {
    IISS_MEMORY_FLOWS = 0,     /* per-connection state: the TCP flow, its DCE/RPC state */
    IISS_MEMORY_CALL_SLOTS,    /* outstanding and recycled calls (their state, not their stubs; no connection's) */
    IISS_MEMORY_OUT_OF_ORDER,  /* TCP segments held ahead of a hole */
    IISS_MEMORY_PARTIAL_PDUS,  /* DCE/RPC PDUs not yet complete */
    IISS_MEMORY_STUBS,         /* reassembled request and response stubs */
    IISS_MEMORY_KINDS
} iiss_memory_kind;

/* The kinds up to here are state; the others are buffered data, which a
 * reclaimer may give up without ending the connection. */
#define IISS_MEMORY_LAST_STATE_KIND IISS_MEMORY_CALL_SLOTS

/* "flows", "call_slots", "out_of_order", "partial_pdus", "stubs". */
const char *iiss_memory_kind_name(iiss_memory_kind kind);

/* One connection's share. Zero-initialised; charge and release through the
 * budget only. */
typedef struct iiss_memory_owner {
    const void *holder; /* the stage that may reclaim from it (the TCP stage's flows); NULL: none */
    uint64_t held;     /* everything charged to it */
    uint64_t buffered; /* of which buffered data */
    bool listed;       /* in the budget's list of owners holding buffered data */
    struct iiss_memory_owner *prev, *next;
} iiss_memory_owner;

/* Zero fields take the defaults. */
typedef struct iiss_memory_config {
    uint64_t limit;       /* bytes over everything charged */
    uint64_t owner_limit; /* buffered bytes one connection may hold (its state aside) */
} iiss_memory_config;

void iiss_memory_config_default(iiss_memory_config *cfg);

typedef struct iiss_memory_stats {
    uint64_t limit;
    uint64_t owner_limit;
    uint64_t used;
    uint64_t peak;
    uint64_t used_by[IISS_MEMORY_KINDS];
    uint64_t peak_by[IISS_MEMORY_KINDS];
    uint64_t refusals;       /* charges refused by the limit, after reclaiming what could be */
    uint64_t owner_refusals; /* charges refused by a connection's share */
    uint64_t buffers_shed;   /* times a waiting connection's buffered data was given up to make room */
    uint64_t flows_ended;    /* connections ended early to make room */
} iiss_memory_stats;

/* Frees something to make room, never from `keep` (may be NULL). Returns
 * false when it has nothing (more) to give. */
typedef bool (*iiss_memory_reclaim_fn)(void *user, const iiss_memory_owner *keep);

typedef struct iiss_memory_budget iiss_memory_budget;

/* NULL when out of memory. */
iiss_memory_budget *iiss_memory_budget_new(const iiss_memory_config *cfg);
void iiss_memory_budget_free(iiss_memory_budget *b);

/* Reclaimers are asked in the order they were added (at most 4). */
void iiss_memory_add_reclaimer(iiss_memory_budget *b, iiss_memory_reclaim_fn fn, void *user);
void iiss_memory_remove_reclaimer(iiss_memory_budget *b, void *user);

/* Charges `bytes` of `kind` to `owner` (NULL: no connection's). False, with
 * nothing charged, when the owner's share or the limit would be exceeded
 * even after reclaiming. Reclaimers may run inside: a charge made while
 * they run is not reclaimed for again (it fits or is refused). */
bool iiss_memory_charge(iiss_memory_budget *b, iiss_memory_owner *owner, iiss_memory_kind kind, uint64_t bytes);
/* The same, but charged even when it does not fit (after reclaiming): for
 * state another limit bounds, whose refusal would lose more than it saves. */
void iiss_memory_charge_anyway(iiss_memory_budget *b, iiss_memory_owner *owner, iiss_memory_kind kind,
                               uint64_t bytes);
/* Whether a charge of buffered data would fit now, without reclaiming or
 * counting. */
bool iiss_memory_fits(const iiss_memory_budget *b, const iiss_memory_owner *owner, uint64_t bytes);
void iiss_memory_release(iiss_memory_budget *b, iiss_memory_owner *owner, iiss_memory_kind kind, uint64_t bytes);
/* Hands bytes already charged from one owner to another (either may be
 * NULL), without a limit check: recycled buffers changing hands. */
void iiss_memory_transfer(iiss_memory_budget *b, iiss_memory_owner *from, iiss_memory_owner *to,
                          iiss_memory_kind kind, uint64_t bytes);

/* The owner was active: it moves to the end of the waiting list. Called
 * per packet: an owner holding no buffered data costs a test. */
void iiss_memory_touch_listed(iiss_memory_budget *b, iiss_memory_owner *owner);
static inline void iiss_memory_touch(iiss_memory_budget *b, iiss_memory_owner *owner)
{
    if (owner && owner->listed)
        iiss_memory_touch_listed(b, owner);
}
/* The owner of `holder` holding buffered data that was active least
 * recently, other than `keep`; NULL when none. */
iiss_memory_owner *iiss_memory_oldest_buffered(const iiss_memory_budget *b, const void *holder,
                                               const iiss_memory_owner *keep);

/* Counted by the stage that gave the data up. */
void iiss_memory_count_shed(iiss_memory_budget *b);
void iiss_memory_count_flow_ended(iiss_memory_budget *b);

void iiss_memory_get_stats(const iiss_memory_budget *b, iiss_memory_stats *out);

#endif
