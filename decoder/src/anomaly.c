/* Anomaly kinds and the bounded, allocation-free anomaly list. */
#include "iiss/anomaly.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct kind_info {
    const char *name;
    const char *summary;
    bool malformed;
} kind_info;

/* Indexed by iiss_anomaly_kind; names are a stable contract (JSON, expert info). */
static const kind_info kind_table[IISS_AN_KIND_COUNT] = {
    [IISS_AN_BUFFER_TOO_SHORT] = {"buffer_too_short", "STATUS_BLOB shorter than its record array", true},
    [IISS_AN_COUNT_MISMATCH] = {"count_mismatch", "Service count disagrees with the string area", false},
    [IISS_AN_COUNT_NOT_INFERRED] = {"count_not_inferred", "Service count could not be inferred", true},
    [IISS_AN_STRING_OUT_OF_BOUNDS] = {"string_out_of_bounds", "String offset beyond the buffer", true},
    [IISS_AN_STRING_IN_RECORDS] = {"string_in_records", "String offset inside the record array", true},
    [IISS_AN_STRING_UNTERMINATED] = {"string_unterminated", "String without NUL terminator", true},
    [IISS_AN_INVALID_UTF16] = {"invalid_utf16", "Invalid UTF-16 in a string", true},
    [IISS_AN_STRING_OVERLAP] = {"string_overlap", "Strings overlap", false},
    [IISS_AN_STRING_SHARED] = {"string_shared", "Two fields point at the same string", false},
    [IISS_AN_UNREFERENCED_GAP] = {"unreferenced_gap", "Bytes between records and strings that nothing points at", false},
    [IISS_AN_ODD_LENGTH] = {"odd_length", "Buffer length is odd", false},
    [IISS_AN_BYTE_OFFSETS] = {"byte_offsets", "String offsets are in bytes, not WCHARs (MS-IISS 2.2.1)", false},
    [IISS_AN_STRING_MISALIGNED] = {"string_misaligned", "String starts at an odd byte position", false},
    [IISS_AN_NONZERO_ERROR_BUFFER] = {"nonzero_error_buffer", "Buffer not zeroed in an E_ERROR_INSUFFICIENT_BUFFER reply", false},
    [IISS_AN_TOO_MANY_ANOMALIES] = {"too_many_anomalies", "Further anomalies were not recorded", false},
    [IISS_AN_STUB_TRUNCATED] = {"stub_truncated", "Stub ends before its last parameter", true},
    [IISS_AN_STUB_TRAILING_BYTES] = {"stub_trailing_bytes", "Bytes after the last parameter", false},
    [IISS_AN_ORPC_MALFORMED] = {"orpc_malformed", "ORPCTHIS/ORPCTHAT parses in no known layout", true},
    [IISS_AN_CONFORMANCE_MISMATCH] = {"conformance_mismatch", "pbBuffer conformance differs from the request's dwBufferSize", false},
    [IISS_AN_REQUIRED_SIZE_SMALLER] = {"required_size_inconsistent", "Required size not larger than the buffer given", false},
    [IISS_AN_BOOL_NOT_0_OR_1] = {"bool_out_of_range", "Boolean parameter neither 0 nor 1", false},
    [IISS_AN_UNKNOWN_OPNUM] = {"unknown_opnum", "Opnum not defined by IIsServiceControl", false},
    [IISS_AN_NULL_REF_POINTER] = {"null_pointer", "A pointer that must not be NULL is NULL", true},
    [IISS_AN_OBJREF_INVALID] = {"objref_invalid", "OBJREF with a bad signature, flags or length", true},
    [IISS_AN_SERIALIZATION_INVALID] = {"serialization_header_invalid", "Type serialization header not as MS-RPCE 2.2.6 defines it", true},
    [IISS_AN_ACTPROPS_INCONSISTENT] = {"activation_properties_inconsistent", "Activation properties BLOB sizes or counts disagree", true},
    [IISS_AN_ACTPROP_MISSING] = {"activation_property_missing", "An activation property the method needs is absent", false},
    [IISS_AN_DUALSTRINGARRAY_INVALID] = {"dualstringarray_invalid", "DUALSTRINGARRAY offsets or terminators inconsistent", true},
    [IISS_AN_UNEXPECTED_GUID] = {"unexpected_guid", "An identifier other than the one the spec prescribes", false},
    [IISS_AN_COUNT_OUT_OF_RANGE] = {"count_out_of_range", "A count outside the range its IDL allows", true},
    [IISS_AN_NDR_INCONSISTENT] = {"ndr_inconsistent", "NDR counts or pointers that contradict each other", true},
};

const char *iiss_anomaly_kind_name(iiss_anomaly_kind kind)
{
    if ((unsigned)kind >= IISS_AN_KIND_COUNT)
        return NULL;
    return kind_table[kind].name;
}

const char *iiss_anomaly_kind_summary(iiss_anomaly_kind kind)
{
    if ((unsigned)kind >= IISS_AN_KIND_COUNT)
        return NULL;
    return kind_table[kind].summary;
}

bool iiss_anomaly_kind_is_malformed(iiss_anomaly_kind kind)
{
    return (unsigned)kind < IISS_AN_KIND_COUNT && kind_table[kind].malformed;
}

void iiss_anomaly_list_init(iiss_anomaly_list *list)
{
    list->count = 0;
    list->dropped = 0;
}

void iiss_anomaly_add(iiss_anomaly_list *list, iiss_anomaly_kind kind, uint32_t offset, uint32_t length,
                      const char *fmt, ...)
{
    if (list->count >= IISS_ANOMALY_LIST_MAX) {
        /* The last slot already says that the list overflowed; count the rest. */
        list->dropped++;
        iiss_anomaly *last = &list->items[IISS_ANOMALY_LIST_MAX - 1];
        snprintf(last->message, sizeof last->message, "%zu further anomalies not recorded", list->dropped);
        return;
    }
    if (list->count == IISS_ANOMALY_LIST_MAX - 1) {
        iiss_anomaly *last = &list->items[list->count++];
        last->kind = IISS_AN_TOO_MANY_ANOMALIES;
        last->offset = offset;
        last->length = 0;
        list->dropped = 1;
        snprintf(last->message, sizeof last->message, "%zu further anomalies not recorded", list->dropped);
        return;
    }
    iiss_anomaly *a = &list->items[list->count++];
    a->kind = kind;
    a->offset = offset;
    a->length = length;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->message, sizeof a->message, fmt, ap);
    va_end(ap);
}
