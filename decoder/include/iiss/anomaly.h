/* Anomalies: every inconsistency the decoder finds, with a stable kind name
 * (printed in JSON, mapped one-to-one to expert infos in the plugin), the
 * byte offset it concerns and a human message. */
#ifndef IISS_ANOMALY_H
#define IISS_ANOMALY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum iiss_anomaly_kind {
    /* STATUS_BLOB (offsets relative to the start of the buffer) */
    IISS_AN_BUFFER_TOO_SHORT = 0,   /* "buffer_too_short": shorter than count*36 */
    IISS_AN_COUNT_MISMATCH,         /* "count_mismatch": given count vs the one the first string implies */
    IISS_AN_COUNT_NOT_INFERRED,     /* "count_not_inferred": no count given and none could be inferred */
    IISS_AN_STRING_OUT_OF_BOUNDS,   /* "string_out_of_bounds" */
    IISS_AN_STRING_IN_RECORDS,      /* "string_in_records": offset points inside the record array */
    IISS_AN_STRING_UNTERMINATED,    /* "string_unterminated": no NUL before the end of the buffer */
    IISS_AN_INVALID_UTF16,          /* "invalid_utf16": decoded with U+FFFD */
    IISS_AN_STRING_OVERLAP,         /* "string_overlap": two strings share bytes */
    IISS_AN_STRING_SHARED,          /* "string_shared": two fields point at the same string */
    IISS_AN_UNREFERENCED_GAP,       /* "unreferenced_gap": bytes between records and strings nobody points at */
    IISS_AN_ODD_LENGTH,             /* "odd_length": buffer length is odd */
    IISS_AN_BYTE_OFFSETS,           /* "byte_offsets": offsets are bytes, not WCHARs as 2.2.1 says */
    IISS_AN_STRING_MISALIGNED,      /* "string_misaligned": byte offset is odd */
    IISS_AN_NONZERO_ERROR_BUFFER,   /* "nonzero_error_buffer": buffer not zeroed on E_ERROR_INSUFFICIENT_BUFFER */
    IISS_AN_TOO_MANY_ANOMALIES,     /* "too_many_anomalies": further anomalies were dropped */
    /* Method stubs (offsets relative to the start of the stub) */
    IISS_AN_STUB_TRUNCATED,         /* "stub_truncated" */
    IISS_AN_STUB_TRAILING_BYTES,    /* "stub_trailing_bytes": bytes after the last parameter */
    IISS_AN_ORPC_MALFORMED,         /* "orpc_malformed": ORPCTHIS/ORPCTHAT parses in no known layout */
    IISS_AN_CONFORMANCE_MISMATCH,   /* "conformance_mismatch": pbBuffer's conformance differs from the request's dwBufferSize */
    IISS_AN_REQUIRED_SIZE_SMALLER,  /* "required_size_inconsistent": E_ERROR_INSUFFICIENT_BUFFER but required <= given */
    IISS_AN_BOOL_NOT_0_OR_1,        /* "bool_out_of_range": dwForce / dwForceAppsClosed not 0 or 1 */
    IISS_AN_UNKNOWN_OPNUM,          /* "unknown_opnum" */
    IISS_AN_NULL_REF_POINTER,       /* "null_pointer": a pointer that must not be NULL was NULL */
    /* DCOM activation (MS-DCOM 2.2.18-2.2.22; offsets relative to the stub) */
    IISS_AN_OBJREF_INVALID,         /* "objref_invalid": bad signature, flags or length (2.2.18) */
    IISS_AN_SERIALIZATION_INVALID,  /* "serialization_header_invalid": type serialization header (MS-RPCE 2.2.6) */
    IISS_AN_ACTPROPS_INCONSISTENT,  /* "activation_properties_inconsistent": BLOB sizes or counts disagree */
    IISS_AN_ACTPROP_MISSING,        /* "activation_property_missing": a property the method needs is absent */
    IISS_AN_DUALSTRINGARRAY_INVALID, /* "dualstringarray_invalid": offsets or terminators inconsistent (2.2.19) */
    IISS_AN_UNEXPECTED_GUID,        /* "unexpected_guid": an identifier other than the one the spec prescribes */
    IISS_AN_COUNT_OUT_OF_RANGE,     /* "count_out_of_range": a count outside its IDL range */
    IISS_AN_NDR_INCONSISTENT,       /* "ndr_inconsistent": NDR counts or pointers that contradict each other */
    IISS_AN_KIND_COUNT
} iiss_anomaly_kind;

#define IISS_ANOMALY_MESSAGE_MAX 160

typedef struct iiss_anomaly {
    iiss_anomaly_kind kind;
    uint32_t offset;  /* byte offset the anomaly concerns */
    uint32_t length;  /* bytes concerned (0 when it is a point) */
    char message[IISS_ANOMALY_MESSAGE_MAX];
} iiss_anomaly;

/* A bounded list: at most IISS_ANOMALY_LIST_MAX entries are kept; when more
 * arrive the last slot becomes a too_many_anomalies entry. Lives inline in
 * result structs, so recording an anomaly never allocates. */
#define IISS_ANOMALY_LIST_MAX 32
typedef struct iiss_anomaly_list {
    size_t count;
    size_t dropped;
    iiss_anomaly items[IISS_ANOMALY_LIST_MAX];
} iiss_anomaly_list;

/* "buffer_too_short", ...; NULL for an out-of-range kind. */
const char *iiss_anomaly_kind_name(iiss_anomaly_kind kind);
/* A one-line description of the kind (for expert info registration). */
const char *iiss_anomaly_kind_summary(iiss_anomaly_kind kind);
/* True for kinds that mean malformed data (Wireshark's PI_MALFORMED), false
 * for protocol oddities (PI_PROTOCOL). */
bool iiss_anomaly_kind_is_malformed(iiss_anomaly_kind kind);

void iiss_anomaly_list_init(iiss_anomaly_list *list);
void iiss_anomaly_add(iiss_anomaly_list *list, iiss_anomaly_kind kind, uint32_t offset, uint32_t length,
                      const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

#endif
