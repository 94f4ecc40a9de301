/* The limits a run reached (see limit_report.h). */
#include "limit_report.h"

#include <inttypes.h>
#include <string.h>


static iissdump_limit_hit *add(iissdump_limits *l, const char *name, const char *what, const char *option,
                               uint64_t setting, bool in_bytes, uint64_t times)
{
    if (times == 0 || l->count >= IISSDUMP_LIMITS_MAX)
        return NULL;
    iissdump_limit_hit *h = &l->hits[l->count++];
    h->name = name;
    h->what = what;
    h->option = option;
    h->setting = setting;
    h->in_bytes = in_bytes;
    h->times = times;
    h->detail[0] = '\0';
    return h;
}

void iissdump_limits_collect(iissdump_limits *out, const iiss_pipeline_stats *st, const iiss_pipeline_config *cfg)
{
    memset(out, 0, sizeof *out);
    const iiss_memory_stats *m = &st->memory;
    /* A connection refused and a DCE/RPC state refused are refusals of the
     * budget too: counted once, as refusals. */
    iissdump_limit_hit *h = add(out, "memory", "memory limit", "--max-memory", m->limit, true,
                                m->buffers_shed + m->flows_ended + m->refusals);
    if (h)
        snprintf(h->detail, sizeof h->detail,
                 "%" PRIu64 " waiting connection(s) gave up their buffered data, %" PRIu64
                 " were ended early, %" PRIu64 " allocation(s) refused (%" PRIu64 " new connection(s) not followed)",
                 m->buffers_shed, m->flows_ended, m->refusals, st->tcp.flows_refused);
    h = add(out, "flow_memory", "memory limit of one connection", "--max-flow-memory", m->owner_limit, true,
            m->owner_refusals);
    if (h)
        snprintf(h->detail, sizeof h->detail, "%" PRIu64 " allocation(s) refused", m->owner_refusals);
    h = add(out, "flows", "limit on connections followed at once", "--max-flows", cfg->tcp.max_flows, false,
            st->tcp.flows_evicted);
    if (h)
        snprintf(h->detail, sizeof h->detail, "the least recently active connection was ended early");
    h = add(out, "flow_out_of_order", "limit on out-of-order bytes per connection direction", "--max-flow-bytes",
            cfg->tcp.max_buffered_per_direction, true, st->tcp.caps_per_direction);
    if (h)
        snprintf(h->detail, sizeof h->detail, "the oldest hole was given up");
    h = add(out, "stub", "limit on a call's reassembled stub", "--max-stub-bytes", cfg->dce.max_call_stub, true,
            st->dce.stubs_capped);
    if (h)
        snprintf(h->detail, sizeof h->detail, "the rest of the stub was dropped");
    h = add(out, "pending_per_flow", "limit on waiting calls per connection", "--max-pending-per-flow",
            cfg->dce.max_pending_per_conn, false, st->dce.abandoned_per_conn_cap);
    if (h)
        snprintf(h->detail, sizeof h->detail, "the oldest call stopped waiting for its response");
    h = add(out, "pending", "limit on waiting calls", "--max-pending-calls", cfg->dce.max_pending_total, false,
            st->dce.abandoned_total_cap);
    if (h)
        snprintf(h->detail, sizeof h->detail, "the oldest call stopped waiting for its response");
}

/* The setting as the option takes it: 32M, 512K, 1000. */
static void format_setting(char *buf, size_t n, const iissdump_limit_hit *h)
{
    static const char units[] = "KMG";
    uint64_t v = h->setting;
    int unit = -1;
    while (h->in_bytes && unit < 2 && v >= 1024 && v % 1024 == 0) {
        v /= 1024;
        unit++;
    }
    if (unit >= 0)
        snprintf(buf, n, "%" PRIu64 "%c", v, units[unit]);
    else
        snprintf(buf, n, "%" PRIu64, v);
}

void iissdump_limits_warn(FILE *err, const iissdump_limits *l)
{
    for (size_t i = 0; i < l->count; i++) {
        const iissdump_limit_hit *h = &l->hits[i];
        char setting[32];
        format_setting(setting, sizeof setting, h);
        fprintf(err,
                "iissdump: %s (%s) reached %" PRIu64 " time(s): %s; a call that lost data to it says "
                "limit_reached; %s raises it\n",
                h->what, setting, h->times, h->detail, h->option);
    }
}

void iissdump_limits_text(FILE *out, const iissdump_limits *l)
{
    if (l->count == 0)
        return;
    char labels[IISSDUMP_LIMITS_MAX][128];
    size_t width = 0;
    for (size_t i = 0; i < l->count; i++) {
        char setting[32];
        format_setting(setting, sizeof setting, &l->hits[i]);
        snprintf(labels[i], sizeof labels[i], "%s (%s %s)", l->hits[i].what, l->hits[i].option, setting);
        size_t len = strlen(labels[i]);
        if (len > width)
            width = len;
    }
    fprintf(out, "limits reached:\n");
    for (size_t i = 0; i < l->count; i++)
        fprintf(out, "  %-*s  %" PRIu64 "\n", (int)width, labels[i], l->hits[i].times);
}
