/* Text printers shared by `iissdump blob` and the capture mode. Every name
 * comes from the decoder's tables (iiss/names.h). */
#ifndef IISSDUMP_OUTPUT_TEXT_H
#define IISSDUMP_OUTPUT_TEXT_H

#include <stdint.h>
#include <stdio.h>

#include "iiss/anomaly.h"
#include "iiss/status_blob.h"

/* A table, one row per service: name, display name, type, state, controls,
 * Win32 exit code (name), specific exit code, checkpoint, wait hint. Each
 * line starts with indent. Prints "(no services)" for an empty blob. */
void iissdump_text_services(FILE *out, const iiss_status_blob *blob, const char *indent);
/* One line per anomaly: "kind at offset: message" (offset_base added);
 * nothing when the list is empty. */
void iissdump_text_anomalies(FILE *out, const iiss_anomaly_list *list, uint32_t offset_base, const char *indent);
/* One line: service count (given or inferred), offset unit, buffer length,
 * unused tail. */
void iissdump_text_blob_summary(FILE *out, const iiss_status_blob *blob, const char *indent);

#endif
