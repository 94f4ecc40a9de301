/* The --stats summary: counts per method, result and server, in
 * first-seen order, the actions per name and outcome, and their text tables (the JSON printer renders the
 * same counts, timeline_json.h). */
#ifndef IISSDUMP_CALL_STATS_H
#define IISSDUMP_CALL_STATS_H

#include <stdbool.h>
#include <stdio.h>

#include <glib.h>

#include "iiss_actions.h"
#include "iiss_calls.h"
#include "limit_report.h"

/* Counts for --stats, keyed by label, in first-seen order. */
typedef struct iissdump_count_table {
    GHashTable *index; /* label -> position in labels/counts */
    GPtrArray *labels; /* owned gchar* */
    GArray *counts;    /* guint64 */
} iissdump_count_table;

typedef struct iissdump_timeline_stats {
    guint64 calls;
    iissdump_count_table by_method;
    iissdump_count_table by_result;
    iissdump_count_table by_server;
    const iissdump_limits *limits; /* the limits the run reached; NULL: none */
    guint64 actions;
    iissdump_count_table by_action; /* "/restart success", "/stop failure" ... */
} iissdump_timeline_stats;

void iissdump_stats_init(iissdump_timeline_stats *stats);
void iissdump_stats_add(iissdump_timeline_stats *stats, const iiss_call_record *rec);
void iissdump_stats_add_action(iissdump_timeline_stats *stats, const iiss_action_record *rec);
void iissdump_stats_clear(iissdump_timeline_stats *stats);

/* after_calls: call lines were printed above, so a blank line separates. */
void iissdump_timeline_text_stats(FILE *out, const iissdump_timeline_stats *stats, bool after_calls);

#endif
