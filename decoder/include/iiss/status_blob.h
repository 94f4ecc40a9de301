/* STATUS_BLOB (MS-IISS 2.2.2): pdwNumServices SERIALIZED_ENUM_SERVICE_STATUS
 * records of 36 bytes, then NUL-terminated UTF-16LE strings. Always
 * little-endian. Offsets to strings are in WCHARs from the buffer start
 * (2.2.1); byte offsets (the 4.1 example, SCMR's habit) are recognised by
 * validation and reported as an anomaly. */
#ifndef IISS_STATUS_BLOB_H
#define IISS_STATUS_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iiss/anomaly.h"

#define IISS_RECORD_SIZE 36u
/* Field positions inside one record (add to record_offset). */
#define IISS_REC_OFF_NAME 0u
#define IISS_REC_OFF_DISPLAY_NAME 4u
#define IISS_REC_OFF_SERVICE_TYPE 8u
#define IISS_REC_OFF_CURRENT_STATE 12u
#define IISS_REC_OFF_CONTROLS_ACCEPTED 16u
#define IISS_REC_OFF_WIN32_EXIT_CODE 20u
#define IISS_REC_OFF_SPECIFIC_EXIT_CODE 24u
#define IISS_REC_OFF_CHECK_POINT 28u
#define IISS_REC_OFF_WAIT_HINT 32u

typedef enum iiss_offset_unit {
    IISS_OFFSET_WCHAR = 0,
    IISS_OFFSET_BYTE = 1,
} iiss_offset_unit;

/* A string of the blob. `offset`/`length` are the byte position and length
 * (terminating NUL included) inside the buffer; valid only when `present`. */
typedef struct iiss_blob_string {
    char *utf8;      /* UTF-8, U+FFFD for invalid UTF-16; NULL when unreadable */
    bool present;    /* the offset landed inside the string area */
    bool terminated; /* a NUL was found before the end of the buffer */
    uint32_t offset;
    uint32_t length;
} iiss_blob_string;

typedef struct iiss_service_record {
    uint32_t record_offset; /* byte position of the 36-byte record */
    uint32_t name_offset;   /* iServiceName as sent */
    uint32_t display_name_offset; /* iDisplayName as sent */
    uint32_t service_type;
    uint32_t current_state;
    uint32_t controls_accepted;
    uint32_t win32_exit_code;
    uint32_t service_specific_exit_code;
    uint32_t check_point;
    uint32_t wait_hint;
    iiss_blob_string name;
    iiss_blob_string display_name;
} iiss_service_record;

typedef struct iiss_status_blob {
    uint32_t num_services;      /* the count used: given, or inferred */
    bool count_given;           /* caller passed pdwNumServices */
    bool count_inferred;        /* no count given; inferred from the first string offset */
    iiss_offset_unit offset_unit;
    size_t buffer_length;
    uint32_t records_end;       /* byte position after the last complete record */
    uint32_t strings_end;       /* byte position after the last string byte referenced */
    uint32_t unused_tail;       /* bytes after strings_end (not an anomaly) */
    bool all_zero;              /* every byte is zero */
    size_t service_count;       /* number of entries in services (<= num_services, bounded by the buffer) */
    iiss_service_record *services;
    iiss_anomaly_list anomalies;
} iiss_status_blob;

/* Decodes `len` bytes at `buf`. `num_services` is pdwNumServices when the
 * caller knows it, NULL for a standalone blob (then the count is inferred).
 * Never reads outside [buf, buf+len); allocation is bounded by len/36
 * records whatever the count says. Always fills *out (free it with
 * iiss_status_blob_free); returns false only on allocation failure. */
bool iiss_status_blob_decode(const uint8_t *buf, size_t len, const uint32_t *num_services,
                             iiss_status_blob *out);
void iiss_status_blob_free(iiss_status_blob *blob);

const char *iiss_offset_unit_name(iiss_offset_unit unit); /* "wchar" | "byte" */

#endif
