/* Budgeted byte buffers of the DCE/RPC stages. */
#include "dce_buffer.h"

#include <stdlib.h>
#include <string.h>

void iiss_dce_buf_free(iiss_dce_budget *budget, iiss_dce_buf *b)
{
    budget->buffered -= b->cap;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void iiss_dce_buf_recycle(iiss_dce_budget *budget, iiss_dce_buf *b, size_t keep)
{
    b->len = 0;
    if (b->cap > keep)
        iiss_dce_buf_free(budget, b);
}

static bool budget_allows(const iiss_dce_budget *budget, size_t grow)
{
    return budget->buffered <= budget->limit && grow <= budget->limit - budget->buffered;
}

bool iiss_dce_buf_append(iiss_dce_budget *budget, iiss_dce_buf *b, const uint8_t *data, size_t n, size_t limit)
{
    if (n == 0)
        return true;
    if (b->len > limit || n > limit - b->len)
        return false;
    size_t need = b->len + n;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        if (cap > limit)
            cap = limit;
        size_t grow = cap - b->cap;
        if (!budget_allows(budget, grow)) {
            if (budget->release_idle)
                budget->release_idle(budget->release_user);
            if (!budget_allows(budget, grow)) {
                budget->stats->budget_refusals++;
                return false;
            }
        }
        uint8_t *p = realloc(b->data, cap);
        if (!p) {
            budget->stats->alloc_failures++;
            return false;
        }
        b->data = p;
        b->cap = cap;
        budget->buffered += grow;
        if (budget->buffered > budget->stats->buffered_peak)
            budget->stats->buffered_peak = budget->buffered;
    }
    memcpy(b->data + b->len, data, n);
    b->len = need;
    return true;
}
