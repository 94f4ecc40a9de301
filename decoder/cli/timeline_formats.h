/* The timeline in the formats forensic tools import (--format): Timesketch
 * JSON Lines, Elastic Common Schema JSON Lines and CSV. Each carries the
 * same calls as --format jsonl; the keys are listed in README. */
#ifndef IISSDUMP_TIMELINE_FORMATS_H
#define IISSDUMP_TIMELINE_FORMATS_H

#include <stdbool.h>
#include <stdio.h>

#include <yajl/yajl_gen.h>

#include "call_view.h"
#include "iiss_actions.h"
#include "iiss_calls.h"
#include "text_buf.h"

typedef enum iissdump_format {
    IISSDUMP_FORMAT_TEXT = 0,
    IISSDUMP_FORMAT_JSONL,
    IISSDUMP_FORMAT_TIMESKETCH,
    IISSDUMP_FORMAT_ECS,
    IISSDUMP_FORMAT_CSV,
} iissdump_format;

/* "text", "jsonl" ("json" too), "timesketch", "ecs", "csv". */
bool iissdump_format_parse(const char *name, iissdump_format *out);

/* Timesketch (its JSONL import): message, datetime, timestamp (µs since
 * the epoch), timestamp_desc, then the call's jsonl keys. scratch holds the
 * message while it is written. */
void iissdump_timeline_timesketch_call(yajl_gen g, iissdump_buf *scratch, iissdump_endpoint_names *endpoints,
                                       const iiss_call_record *rec);

/* ECS: @timestamp, message, event.*, source.*, destination.*, network.*,
 * user.*, host.name, threat.* (ATT&CK), tags, and the call's jsonl keys
 * under "iiss". */
void iissdump_timeline_ecs_call(yajl_gen g, iissdump_buf *scratch, iissdump_endpoint_names *endpoints,
                                const iiss_call_record *rec);

/* CSV (RFC 4180, fields quoted by libcsv, CRLF line ends): the header row,
 * then one row per call appended to out (scratch holds a list cell). */
void iissdump_timeline_csv_header(iissdump_buf *out);
void iissdump_timeline_csv_call(iissdump_buf *out, iissdump_buf *scratch, iissdump_endpoint_names *endpoints,
                                const iiss_call_record *rec);

/* The same formats with --actions: one document (or row) per action. The
 * Timesketch and ECS documents wrap the jsonl keys of timeline_actions.h. */
void iissdump_timeline_timesketch_action(yajl_gen g, iissdump_buf *scratch, const iiss_action_record *rec);
void iissdump_timeline_ecs_action(yajl_gen g, iissdump_buf *scratch, const iiss_action_record *rec);
void iissdump_timeline_csv_action_header(iissdump_buf *out);
void iissdump_timeline_csv_action(iissdump_buf *out, iissdump_buf *scratch, const iiss_action_record *rec);

#endif
