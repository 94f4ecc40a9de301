/* Text printers shared by `iissdump blob` and the capture mode. Every name
 * comes from the decoder's tables (iiss/names.h). They format into a
 * reusable buffer (text_buf.h); the caller writes it out. */
#ifndef IISSDUMP_OUTPUT_TEXT_H
#define IISSDUMP_OUTPUT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "iiss/anomaly.h"
#include "iiss/status_blob.h"
#include "text_buf.h"

/* Where a services table's cells wait until the column widths are known;
 * kept from table to table so they are allocated once. */
typedef struct iissdump_table_scratch {
    iissdump_buf text;            /* the cells' text, one after the other */
    struct table_cell *cells;     /* rows x columns */
    size_t cell_capacity;
    struct controls_text *controls; /* iiss_flags_format of recent controls_accepted values */
    size_t controls_next;           /* the entry to replace next */
} iissdump_table_scratch;

void iissdump_table_scratch_free(iissdump_table_scratch *scratch);

/* A table, one row per service: name, display name, type, state, controls,
 * Win32 exit code (name), specific exit code, checkpoint, wait hint. Each
 * line starts with indent. Prints "(no services)" for an empty blob. */
void iissdump_text_services(iissdump_buf *out, iissdump_table_scratch *scratch, const iiss_status_blob *blob,
                            const char *indent);
/* One line per anomaly: "kind at byte offset: message" (offset_base
 * added); nothing when the list is empty. */
void iissdump_text_anomalies(iissdump_buf *out, const iiss_anomaly_list *list, uint32_t offset_base,
                             const char *indent);
/* One line: service count (given or inferred), offset unit, buffer length,
 * unused tail. */
void iissdump_text_blob_summary(iissdump_buf *out, const iiss_status_blob *blob, const char *indent);

#endif
