/* The capture chain's one memory budget; see memory_budget.h. */
#include "memory_budget.h"

#include <stdlib.h>
#include <string.h>

#define MAX_RECLAIMERS 4

struct iiss_memory_budget {
    iiss_memory_stats stats; /* limit, owner_limit and the counters */
    struct {
        iiss_memory_reclaim_fn fn;
        void *user;
    } reclaimers[MAX_RECLAIMERS];
    size_t n_reclaimers;
    bool reclaiming;
    iiss_memory_owner *oldest, *newest; /* owners holding buffered data */
};

void iiss_memory_config_default(iiss_memory_config *cfg)
{
    cfg->limit = IISS_MEMORY_DEFAULT_LIMIT;
    cfg->owner_limit = IISS_MEMORY_DEFAULT_OWNER_LIMIT;
}

const char *iiss_memory_kind_name(iiss_memory_kind kind)
{
    static const char *const names[IISS_MEMORY_KINDS] = {
        [IISS_MEMORY_FLOWS] = "flows",
        [IISS_MEMORY_CALL_SLOTS] = "call_slots",
        [IISS_MEMORY_OUT_OF_ORDER] = "out_of_order",
        [IISS_MEMORY_PARTIAL_PDUS] = "partial_pdus",
        [IISS_MEMORY_STUBS] = "stubs",
    };
    return (unsigned)kind < IISS_MEMORY_KINDS ? names[kind] : NULL;
}

iiss_memory_budget *iiss_memory_budget_new(const iiss_memory_config *cfg)
{
    iiss_memory_budget *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    iiss_memory_config c;
    iiss_memory_config_default(&c);
    if (cfg && cfg->limit)
        c.limit = cfg->limit;
    if (cfg && cfg->owner_limit)
        c.owner_limit = cfg->owner_limit;
    b->stats.limit = c.limit;
    b->stats.owner_limit = c.owner_limit;
    return b;
}

void iiss_memory_budget_free(iiss_memory_budget *b)
{
    free(b);
}

void iiss_memory_add_reclaimer(iiss_memory_budget *b, iiss_memory_reclaim_fn fn, void *user)
{
    if (b->n_reclaimers < MAX_RECLAIMERS) {
        b->reclaimers[b->n_reclaimers].fn = fn;
        b->reclaimers[b->n_reclaimers].user = user;
        b->n_reclaimers++;
    }
}

void iiss_memory_remove_reclaimer(iiss_memory_budget *b, void *user)
{
    size_t k = 0;
    for (size_t i = 0; i < b->n_reclaimers; i++)
        if (b->reclaimers[i].user != user)
            b->reclaimers[k++] = b->reclaimers[i];
    b->n_reclaimers = k;
}

static bool is_buffered(iiss_memory_kind kind)
{
    return kind > IISS_MEMORY_LAST_STATE_KIND;
}

static void unlist(iiss_memory_budget *b, iiss_memory_owner *o)
{
    if (!o->listed)
        return;
    if (o->prev)
        o->prev->next = o->next;
    else
        b->oldest = o->next;
    if (o->next)
        o->next->prev = o->prev;
    else
        b->newest = o->prev;
    o->prev = o->next = NULL;
    o->listed = false;
}

static void list_at_end(iiss_memory_budget *b, iiss_memory_owner *o)
{
    o->prev = b->newest;
    o->next = NULL;
    if (b->newest)
        b->newest->next = o;
    else
        b->oldest = o;
    b->newest = o;
    o->listed = true;
}

static void owner_add(iiss_memory_budget *b, iiss_memory_owner *o, iiss_memory_kind kind, uint64_t bytes)
{
    if (!o)
        return;
    o->held += bytes;
    if (is_buffered(kind)) {
        o->buffered += bytes;
        /* Buffered data is charged while its connection is being read, so
         * it is the most recently active one. */
        if (!o->listed && o->buffered > 0)
            list_at_end(b, o);
    }
}

static void owner_sub(iiss_memory_budget *b, iiss_memory_owner *o, iiss_memory_kind kind, uint64_t bytes)
{
    if (!o)
        return;
    o->held -= bytes < o->held ? bytes : o->held;
    if (is_buffered(kind)) {
        o->buffered -= bytes < o->buffered ? bytes : o->buffered;
        if (o->buffered == 0)
            unlist(b, o);
    }
}

static bool fits(const iiss_memory_budget *b, uint64_t bytes)
{
    return b->stats.used <= b->stats.limit && bytes <= b->stats.limit - b->stats.used;
}

/* Asks each reclaimer in turn until `bytes` fit; a reclaimer that frees
 * nothing while saying it did is not asked again. */
static void reclaim(iiss_memory_budget *b, const iiss_memory_owner *keep, uint64_t bytes)
{
    b->reclaiming = true;
    for (size_t i = 0; i < b->n_reclaimers && !fits(b, bytes); i++) {
        for (;;) {
            uint64_t before = b->stats.used;
            if (!b->reclaimers[i].fn(b->reclaimers[i].user, keep) || b->stats.used >= before)
                break;
            if (fits(b, bytes))
                break;
        }
    }
    b->reclaiming = false;
}

/* The share caps what a connection buffers, not its state: a connection
 * can always be followed while the budget has room. */
static bool owner_fits(const iiss_memory_budget *b, const iiss_memory_owner *owner, iiss_memory_kind kind,
                       uint64_t bytes)
{
    return !owner || !is_buffered(kind) ||
           (owner->buffered <= b->stats.owner_limit && bytes <= b->stats.owner_limit - owner->buffered);
}

bool iiss_memory_fits(const iiss_memory_budget *b, const iiss_memory_owner *owner, uint64_t bytes)
{
    return owner_fits(b, owner, IISS_MEMORY_STUBS, bytes) && fits(b, bytes);
}

static void add_used(iiss_memory_budget *b, iiss_memory_owner *owner, iiss_memory_kind kind, uint64_t bytes)
{
    b->stats.used += bytes;
    b->stats.used_by[kind] += bytes;
    if (b->stats.used > b->stats.peak)
        b->stats.peak = b->stats.used;
    if (b->stats.used_by[kind] > b->stats.peak_by[kind])
        b->stats.peak_by[kind] = b->stats.used_by[kind];
    owner_add(b, owner, kind, bytes);
}

bool iiss_memory_charge(iiss_memory_budget *b, iiss_memory_owner *owner, iiss_memory_kind kind, uint64_t bytes)
{
    if (bytes == 0)
        return true;
    if (!owner_fits(b, owner, kind, bytes)) {
        b->stats.owner_refusals++;
        return false;
    }
    if (!fits(b, bytes) && !b->reclaiming)
        reclaim(b, owner, bytes);
    if (!fits(b, bytes)) {
        b->stats.refusals++;
        return false;
    }
    add_used(b, owner, kind, bytes);
    return true;
}

void iiss_memory_charge_anyway(iiss_memory_budget *b, iiss_memory_owner *owner, iiss_memory_kind kind,
                               uint64_t bytes)
{
    if (!fits(b, bytes) && !b->reclaiming)
        reclaim(b, owner, bytes);
    add_used(b, owner, kind, bytes);
}

void iiss_memory_release(iiss_memory_budget *b, iiss_memory_owner *owner, iiss_memory_kind kind, uint64_t bytes)
{
    if (bytes == 0)
        return;
    b->stats.used -= bytes < b->stats.used ? bytes : b->stats.used;
    b->stats.used_by[kind] -= bytes < b->stats.used_by[kind] ? bytes : b->stats.used_by[kind];
    owner_sub(b, owner, kind, bytes);
}

void iiss_memory_transfer(iiss_memory_budget *b, iiss_memory_owner *from, iiss_memory_owner *to,
                          iiss_memory_kind kind, uint64_t bytes)
{
    if (bytes == 0 || from == to)
        return;
    owner_sub(b, from, kind, bytes);
    owner_add(b, to, kind, bytes);
}

void iiss_memory_touch_listed(iiss_memory_budget *b, iiss_memory_owner *owner)
{
    if (owner->listed && b->newest != owner) {
        unlist(b, owner);
        list_at_end(b, owner);
    }
}

iiss_memory_owner *iiss_memory_oldest_buffered(const iiss_memory_budget *b, const void *holder,
                                               const iiss_memory_owner *keep)
{
    /* Owners of no stage (streams built by hand) are rare: walking past
     * them is cheap. */
    iiss_memory_owner *o = b->oldest;
    while (o && (o == keep || o->holder != holder))
        o = o->next;
    return o;
}

void iiss_memory_count_shed(iiss_memory_budget *b)
{
    b->stats.buffers_shed++;
}

void iiss_memory_count_flow_ended(iiss_memory_budget *b)
{
    b->stats.flows_ended++;
}

void iiss_memory_get_stats(const iiss_memory_budget *b, iiss_memory_stats *out)
{
    *out = b->stats;
}
