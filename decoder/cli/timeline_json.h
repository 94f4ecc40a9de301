/* JSON Lines timeline of `iissdump CAPTURE... --json`: one object per call
 * (keys listed in README), services and anomalies built by output_json.h
 * like `iissdump blob --json`; with --stats, a last line {"stats": {...}}. */
#ifndef IISSDUMP_TIMELINE_JSON_H
#define IISSDUMP_TIMELINE_JSON_H

#include <stdio.h>

#include <json-glib/json-glib.h>

#include "iiss_calls.h"
#include "timeline_text.h"

/* The caller owns the node (json_node_unref). */
JsonNode *iissdump_timeline_json_call(const iiss_call_record *rec);
JsonNode *iissdump_timeline_json_stats(const iissdump_timeline_stats *stats);
/* Writes the node on one line. */
void iissdump_timeline_json_print(FILE *out, JsonNode *node);

#endif
