/* Timesketch's JSON Lines import (see timeline_formats.h): the three keys it
 * requires (message, datetime, timestamp_desc) and the microsecond
 * timestamp it sorts by, in front of the call's own keys. */
#include <string.h>

#include "output_json.h"
#include "timeline_actions.h"
#include "timeline_formats.h"
#include "timeline_json.h"
#include "timeline_text.h"

/* What the timestamp is, in Timesketch's words ("Time created" ...). */
#define TIMESTAMP_DESC "Request sent"

void iissdump_timeline_timesketch_call(yajl_gen g, iissdump_buf *scratch, iissdump_endpoint_names *endpoints,
                                       const iiss_call_record *rec)
{
    char time_text[IISSDUMP_TIME_MAX];
    scratch->len = 0;
    iissdump_timeline_text_line(scratch, endpoints, rec);
    yajl_gen_map_open(g);
    iissdump_json_key(g, "message");
    yajl_gen_string(g, (const unsigned char *)scratch->data, scratch->len);
    iissdump_json_add_string(g, "datetime", iissdump_format_time(rec->request_meta.ts_sec, rec->request_meta.ts_nsec,
                                                                 time_text, sizeof time_text));
    iissdump_json_add_int(g, "timestamp",
                          rec->request_meta.ts_sec * 1000000 + (int64_t)(rec->request_meta.ts_nsec / 1000));
    iissdump_json_add_string(g, "timestamp_desc", TIMESTAMP_DESC);
    iissdump_timeline_json_call_fields(g, endpoints, rec);
    yajl_gen_map_close(g);
}

void iissdump_timeline_timesketch_action(yajl_gen g, iissdump_buf *scratch, const iiss_action_record *rec)
{
    char time_text[IISSDUMP_TIME_MAX];
    scratch->len = 0;
    iissdump_action_text_line(scratch, rec);
    yajl_gen_map_open(g);
    iissdump_json_key(g, "message");
    yajl_gen_string(g, (const unsigned char *)scratch->data, scratch->len);
    iissdump_json_add_string(g, "datetime",
                             iissdump_format_time(rec->start.ts_sec, rec->start.ts_nsec, time_text, sizeof time_text));
    iissdump_json_add_int(g, "timestamp", rec->start.ts_sec * 1000000 + (int64_t)(rec->start.ts_nsec / 1000));
    iissdump_json_add_string(g, "timestamp_desc", "Action started");
    iissdump_action_json_fields(g, rec);
    yajl_gen_map_close(g);
}
