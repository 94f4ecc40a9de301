/* The limits of the capture chain a run reached: which, how often, and
 * the option that raises each. Told once at the end on standard error and
 * listed by --stats (text here, JSON in timeline_json.c). */
#ifndef IISSDUMP_LIMIT_REPORT_H
#define IISSDUMP_LIMIT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pipeline.h"

#define IISSDUMP_LIMITS_MAX 8
#define IISSDUMP_LIMIT_DETAIL_MAX 200

typedef struct iissdump_limit_hit {
    const char *name;   /* the JSON key: "memory", "flow_memory" ... */
    const char *what;   /* "memory limit" */
    const char *option; /* "--max-memory" */
    uint64_t setting;   /* the limit's value in force */
    bool in_bytes;      /* setting is a size */
    uint64_t times;
    char detail[IISSDUMP_LIMIT_DETAIL_MAX]; /* what it did, for standard error */
} iissdump_limit_hit;

typedef struct iissdump_limits {
    size_t count;
    iissdump_limit_hit hits[IISSDUMP_LIMITS_MAX];
} iissdump_limits;

/* The limits reached, from the chain's counters and the settings it ran with. */
void iissdump_limits_collect(iissdump_limits *out, const iiss_pipeline_stats *stats,
                             const iiss_pipeline_config *cfg);
/* One line per limit reached. */
void iissdump_limits_warn(FILE *err, const iissdump_limits *limits);
/* --stats: a "limits reached:" table, nothing when none was. */
void iissdump_limits_text(FILE *out, const iissdump_limits *limits);

#endif
