/* The readable timeline of `iissdump CAPTURE...`: one line per call, a
 * Status call's services as an indented table, anomalies below the call;
 * and the --stats summary (counts per method, result and server), which the
 * JSON printer renders too. */
#ifndef IISSDUMP_TIMELINE_TEXT_H
#define IISSDUMP_TIMELINE_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <glib.h>

#include "iiss_calls.h"
#include "output_text.h"
#include "text_buf.h"

/* "2024-05-14T09:30:01.250000Z" */
#define IISSDUMP_TIME_MAX 40
const char *iissdump_format_time(int64_t sec, uint32_t nsec, char *buf, size_t n);

/* The result as the timeline names it: the HRESULT's name, "fault NAME",
 * "sealed", "no response", "result unreadable" (stub cut short). */
#define IISSDUMP_RESULT_MAX 128
const char *iissdump_call_result(const iiss_call_record *rec, char *buf, size_t n);

/* iiss_endpoint_format, remembered: a timeline names the same endpoints
 * over and over, and inet_ntop + snprintf cost more than the rest of a call
 * line. A direct-mapped cache; a collision only means formatting again. */
typedef struct iissdump_endpoint_names {
    struct endpoint_name *slots; /* allocated at the first use */
} iissdump_endpoint_names;

const char *iissdump_endpoint_name(iissdump_endpoint_names *names, const iiss_endpoint *ep);
void iissdump_endpoint_names_free(iissdump_endpoint_names *names);

/* Round trip in nanoseconds; false when there is no response. */
gboolean iissdump_call_rtt_ns(const iiss_call_record *rec, int64_t *out);

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
} iissdump_timeline_stats;

void iissdump_stats_init(iissdump_timeline_stats *stats);
void iissdump_stats_add(iissdump_timeline_stats *stats, const iiss_call_record *rec);
void iissdump_stats_clear(iissdump_timeline_stats *stats);

/* Appends the call's line, its services table and its anomalies to out. */
void iissdump_timeline_text_call(iissdump_buf *out, iissdump_table_scratch *table,
                                 iissdump_endpoint_names *endpoints, const iiss_call_record *rec);
/* after_calls: call lines were printed above, so a blank line separates. */
void iissdump_timeline_text_stats(FILE *out, const iissdump_timeline_stats *stats, bool after_calls);

#endif
