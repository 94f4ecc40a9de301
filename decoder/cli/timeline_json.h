/* JSON Lines timeline of `iissdump CAPTURE... --json`: one object per call
 * (keys listed in README), services and anomalies written by output_json.h
 * like `iissdump blob --json`; one object per DCOM activation, told apart by
 * "record": "activation" (call lines have no "record" key); with --stats, a
 * last line {"stats": {...}}. */
#ifndef IISSDUMP_TIMELINE_JSON_H
#define IISSDUMP_TIMELINE_JSON_H

#include <yajl/yajl_gen.h>

#include "call_stats.h"
#include "activations.h"
#include "call_view.h"
#include "iiss_calls.h"

/* Each generates one document into g (a one-line generator of
 * iissdump_json_new); iissdump_json_write puts it out. */
void iissdump_timeline_json_call(yajl_gen g, iissdump_endpoint_names *endpoints, const iiss_call_record *rec);
/* The same call's keys and values into a map the caller has opened (the
 * formats that wrap a call's fields: Timesketch, ECS). */
void iissdump_timeline_json_call_fields(yajl_gen g, iissdump_endpoint_names *endpoints, const iiss_call_record *rec);
void iissdump_timeline_json_activation(yajl_gen g, iissdump_endpoint_names *endpoints,
                                       const iiss_activation_record *rec);
void iissdump_timeline_json_stats(yajl_gen g, const iissdump_timeline_stats *stats);

#endif
