/* STATUS_BLOB builder (MS-IISS 2.2.1, 2.2.2): one 36-byte record per
 * service (iServiceName, iDisplayName, SERVICE_STATUS from MS-SCMR 2.2.47),
 * then the NUL-terminated UTF-16LE strings, name then display name for each
 * service. Always little-endian, whatever the drep. Offsets are WCHARs from
 * the start of the buffer (2.2.1), or bytes when asked (the 4.1 example's
 * reading, to produce the byte_offsets anomaly). */
#ifndef SAMPLEGEN_STATUS_BLOB_WRITER_H
#define SAMPLEGEN_STATUS_BLOB_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

#define BLOB_RECORD_SIZE 36u

typedef struct blob_service {
    const char *name;          /* ASCII */
    const char *display_name;
    uint32_t service_type;
    uint32_t current_state;
    uint32_t controls_accepted;
    uint32_t win32_exit_code;
    uint32_t service_specific_exit_code;
    uint32_t check_point;
    uint32_t wait_hint;
    /* filled by blob_write: the offsets as written */
    uint32_t name_offset;
    uint32_t display_name_offset;
} blob_service;

/* Appends the blob to `out` (its start is offset 0 of the blob) and fills
 * each service's offsets. Returns the blob length. */
size_t blob_write(bytebuf *out, blob_service *services, size_t n, bool byte_offsets);
/* The length blob_write would produce (pdwMDRequiredBufferSize). */
size_t blob_size(const blob_service *services, size_t n);

/* Position of a record field inside the blob, for patches that make anomalies. */
#define BLOB_REC_NAME 0u
#define BLOB_REC_DISPLAY_NAME 4u
static inline size_t blob_record_field(size_t index, size_t field)
{
    return index * BLOB_RECORD_SIZE + field;
}

#endif
