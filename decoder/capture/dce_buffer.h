/* Byte buffers of the DCE/RPC stages: the framing's partial PDUs and the
 * calls' reassembled stubs, each growth charged to the chain's memory budget
 * (memory_budget.h) on behalf of its connection, each shrink released. */
#ifndef IISS_DCE_BUFFER_H
#define IISS_DCE_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dce_stats.h"
#include "memory_budget.h"

typedef struct iiss_dce_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} iiss_dce_buf;

/* What every buffer of the stage is charged to and counted in. */
typedef struct iiss_dce_budget {
    iiss_memory_budget *memory;
    iiss_dce_stats *stats; /* budget_refusals, alloc_failures */
} iiss_dce_budget;

/* Appends without exceeding `limit` bytes in this buffer, the owner's share
 * nor the budget (charged as `kind` to `owner`, NULL for none); false when
 * the data did not fit (or allocation failed), leaving what was there. */
bool iiss_dce_buf_append(const iiss_dce_budget *budget, iiss_memory_owner *owner, iiss_memory_kind kind,
                         iiss_dce_buf *b, const uint8_t *data, size_t n, size_t limit);
/* Empties the buffer; frees it when its capacity exceeds `keep`. */
void iiss_dce_buf_recycle(const iiss_dce_budget *budget, iiss_memory_owner *owner, iiss_memory_kind kind,
                          iiss_dce_buf *b, size_t keep);
void iiss_dce_buf_free(const iiss_dce_budget *budget, iiss_memory_owner *owner, iiss_memory_kind kind,
                       iiss_dce_buf *b);

#endif
