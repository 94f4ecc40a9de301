/* JSON writers shared by `iissdump blob` and the capture mode, so a Status
 * reply prints the same objects wherever it comes from. They stream into a
 * yajl generator (no tree is built); iissdump_json_write puts the finished
 * document out and readies the generator for the next one. */
#ifndef IISSDUMP_OUTPUT_JSON_H
#define IISSDUMP_OUTPUT_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <yajl/yajl_gen.h>

#include "iiss/anomaly.h"
#include "iiss/status_blob.h"

/* pretty: indented by two spaces (`iissdump blob`), else one line (JSON
 * Lines). NULL when out of memory. Free with yajl_gen_free. */
yajl_gen iissdump_json_new(bool pretty);
/* Writes the document generated since the last call, ending it with a
 * newline; false on a write error. */
bool iissdump_json_write(yajl_gen g, FILE *out);

/* {"num_services", "count_inferred", "count_given", "offset_unit",
 *  "buffer_length", "records_end", "strings_end", "unused_tail_bytes",
 *  "all_zero", "services": [...], "anomalies": [...]} */
void iissdump_json_blob(yajl_gen g, const iiss_status_blob *blob);
/* One service object ("name", "display_name", offsets, the SERVICE_STATUS
 * fields with their names, "record_offset", string spans). */
void iissdump_json_service(yajl_gen g, const iiss_service_record *s);
/* The anomaly objects {"kind", "offset", "length", "message"} of a list,
 * inside an array the caller opened; offset_base is added to every offset
 * (0 for a standalone blob); `in`, when not NULL, is added as "in": the
 * span the offsets count in. */
void iissdump_json_anomaly_items(yajl_gen g, const iiss_anomaly_list *list, uint32_t offset_base, const char *in);

/* Values for the callers' own keys. */
void iissdump_json_key(yajl_gen g, const char *key);
void iissdump_json_string(yajl_gen g, const char *value);
void iissdump_json_string_or_null(yajl_gen g, const char *value);
void iissdump_json_int(yajl_gen g, int64_t value);

/* "key": value pairs, inside a map the caller opened. */
void iissdump_json_add_string(yajl_gen g, const char *key, const char *value);
void iissdump_json_add_string_or_null(yajl_gen g, const char *key, const char *value); /* NULL: null */
void iissdump_json_add_int(yajl_gen g, const char *key, int64_t value);
void iissdump_json_add_bool(yajl_gen g, const char *key, bool value);
void iissdump_json_add_null(yajl_gen g, const char *key);

#endif
