/* Byte buffers of the DCE/RPC stages, all counted against one memory
 * budget: the framing's partial PDUs and the calls' reassembled stubs draw
 * on the same cfg.max_buffered_total. */
#ifndef IISS_DCE_BUFFER_H
#define IISS_DCE_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dce_stats.h"

typedef struct iiss_dce_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} iiss_dce_buf;

typedef struct iiss_dce_budget {
    size_t limit;    /* bytes of capacity over every buffer */
    size_t buffered; /* capacity held now */
    iiss_dce_stats *stats; /* budget_refusals, buffered_peak */
    /* Gives back memory no one is using (recycled buffers) before a growth
     * is refused; may be NULL. */
    void (*release_idle)(void *user);
    void *release_user;
} iiss_dce_budget;

/* Appends without exceeding `limit` bytes in this buffer nor the budget;
 * false when the data did not fit (or allocation failed), leaving what was
 * there. */
bool iiss_dce_buf_append(iiss_dce_budget *budget, iiss_dce_buf *b, const uint8_t *data, size_t n, size_t limit);
/* Empties the buffer; frees it when its capacity exceeds `keep`. */
void iiss_dce_buf_recycle(iiss_dce_budget *budget, iiss_dce_buf *b, size_t keep);
void iiss_dce_buf_free(iiss_dce_budget *budget, iiss_dce_buf *b);

#endif
