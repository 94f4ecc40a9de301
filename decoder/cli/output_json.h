/* JSON builders shared by `iissdump blob` and the capture mode, so a Status
 * reply prints the same objects wherever it comes from. Built with
 * json-glib; the caller owns the returned node (json_node_unref). */
#ifndef IISSDUMP_OUTPUT_JSON_H
#define IISSDUMP_OUTPUT_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-glib/json-glib.h>

#include "iiss/anomaly.h"
#include "iiss/status_blob.h"

/* {"num_services", "count_inferred", "count_given", "offset_unit",
 *  "buffer_length", "records_end", "strings_end", "unused_tail_bytes",
 *  "all_zero", "services": [...], "anomalies": [...]} */
JsonNode *iissdump_json_blob(const iiss_status_blob *blob);
/* One service object ("name", "display_name", offsets, the SERVICE_STATUS
 * fields with their names, "record_offset", string spans). */
JsonNode *iissdump_json_service(const iiss_service_record *s);
/* [{"kind", "offset", "length", "message"}]; offset_base is added to every
 * offset (0 for a standalone blob, the blob's position when it sits in a
 * larger span). */
JsonNode *iissdump_json_anomalies(const iiss_anomaly_list *list, uint32_t offset_base);
/* Writes the node followed by a newline. */
void iissdump_json_print(FILE *out, JsonNode *node, bool pretty);

#endif
