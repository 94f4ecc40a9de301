/* Budgeted byte buffers of the DCE/RPC stages. */
#include "dce_buffer.h"

#include <stdlib.h>
#include <string.h>

void iiss_dce_buf_free(const iiss_dce_budget *budget, iiss_memory_owner *owner, iiss_memory_kind kind,
                       iiss_dce_buf *b)
{
    iiss_memory_release(budget->memory, owner, kind, b->cap);
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void iiss_dce_buf_recycle(const iiss_dce_budget *budget, iiss_memory_owner *owner, iiss_memory_kind kind,
                          iiss_dce_buf *b, size_t keep)
{
    b->len = 0;
    if (b->cap > keep)
        iiss_dce_buf_free(budget, owner, kind, b);
}

bool iiss_dce_buf_append(const iiss_dce_budget *budget, iiss_memory_owner *owner, iiss_memory_kind kind,
                         iiss_dce_buf *b, const uint8_t *data, size_t n, size_t limit)
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
        /* Doubling only while it fits as it is: under pressure, room is
         * made (and refused) for what is needed, no more. */
        if (cap > need && !iiss_memory_fits(budget->memory, owner, cap - b->cap))
            cap = need;
        size_t grow = cap - b->cap;
        if (!iiss_memory_charge(budget->memory, owner, kind, grow)) {
            budget->stats->budget_refusals++;
            return false;
        }
        uint8_t *p = realloc(b->data, cap);
        if (!p) {
            iiss_memory_release(budget->memory, owner, kind, grow);
            budget->stats->alloc_failures++;
            return false;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len = need;
    return true;
}
