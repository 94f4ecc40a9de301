/* Method stubs of IIsServiceControl (MS-IISS 3.1.4, IDL in section 6):
 * request = ORPCTHIS + [in] parameters, response = ORPCTHAT + [out]
 * parameters + HRESULT (MS-DCOM 2.2.13). NDR20 or NDR64, either byte order
 * (the DCE/RPC drep). The stub is the PDU body after reassembly, without
 * auth padding or verifier. All spans are byte positions inside the stub. */
#ifndef IISS_STUB_H
#define IISS_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iiss/anomaly.h"
#include "iiss/status_blob.h"

typedef enum iiss_ndr {
    IISS_NDR20 = 0,
    IISS_NDR64 = 1,
} iiss_ndr;

const char *iiss_ndr_name(iiss_ndr ndr); /* "NDR20" | "NDR64" */

typedef struct iiss_span {
    uint32_t offset;
    uint32_t length;
} iiss_span;

/* ORPC_EXTENT (MS-DCOM 2.2.13.1): only the first few are kept in detail. */
#define IISS_ORPC_EXTENTS_KEPT 4
typedef struct iiss_orpc_extent {
    uint8_t id[16]; /* GUID as on the wire (little-endian fields) */
    uint32_t size;
    iiss_span data;
} iiss_orpc_extent;

typedef struct iiss_orpc_extensions {
    bool present;              /* the unique pointer was non-NULL */
    uint32_t size;             /* ORPC_EXTENT_ARRAY.size */
    uint32_t reserved;
    uint32_t count;            /* non-NULL extents seen */
    iiss_orpc_extent kept[IISS_ORPC_EXTENTS_KEPT];
    iiss_span span;            /* the whole deferred extension data */
} iiss_orpc_extensions;

/* ORPCTHIS (MS-DCOM 2.2.13.3). */
typedef struct iiss_orpcthis {
    bool parsed;
    /* Layout it parsed in. In an NDR64 context both are accepted: NDR20 is
     * what MS-DCOM 2.2.13 prescribes, NDR64 what some peers send. */
    iiss_ndr layout;
    iiss_span span;
    uint16_t version_major;
    uint16_t version_minor;
    uint32_t flags;
    uint32_t reserved1;
    uint8_t cid[16];           /* causality ID, wire order */
    iiss_orpc_extensions extensions;
    struct {                   /* where each fixed field sits, when parsed */
        iiss_span version_major, version_minor, flags, reserved1, cid;
    } at;
} iiss_orpcthis;

/* ORPCTHAT (MS-DCOM 2.2.13.4). */
typedef struct iiss_orpcthat {
    bool parsed;
    iiss_ndr layout;           /* as in iiss_orpcthis */
    iiss_span span;
    uint32_t flags;
    iiss_orpc_extensions extensions;
    struct {                   /* where each fixed field sits, when parsed */
        iiss_span flags;
    } at;
} iiss_orpcthat;

/* A DWORD parameter: value and where it sits. */
typedef struct iiss_dword_param {
    bool present;
    uint32_t value;
    iiss_span span;
} iiss_dword_param;

typedef struct iiss_request {
    uint16_t opnum;
    iiss_ndr ndr;              /* the context's transfer syntax */
    bool complete;             /* every [in] parameter was read */
    iiss_orpcthis orpcthis;
    iiss_dword_param timeout_ms;        /* Stop, Start, Reboot */
    iiss_dword_param force;             /* Stop */
    iiss_dword_param force_apps_closed; /* Reboot */
    iiss_dword_param buffer_size;       /* Status */
    iiss_anomaly_list anomalies;        /* offsets relative to the stub */
} iiss_request;

typedef struct iiss_response {
    uint16_t opnum;
    iiss_ndr ndr;
    bool complete;             /* every [out] parameter and the HRESULT were read */
    iiss_orpcthat orpcthat;
    /* Status only: pbBuffer is a top-level [out, size_is] reference pointer,
     * so the wire holds its conformance (4 bytes NDR20, 8 bytes NDR64) then
     * the bytes; pdwMDRequiredBufferSize and pdwNumServices follow. */
    bool has_buffer;
    uint64_t conformance;
    iiss_span conformance_span;
    iiss_span buffer;          /* the bytes actually present (may be cut short) */
    iiss_dword_param required_size;
    iiss_dword_param num_services;
    iiss_dword_param hresult;
    iiss_anomaly_list anomalies; /* offsets relative to the stub */
} iiss_response;

/* Decode a request stub. Always fills *out; returns out->complete. */
bool iiss_decode_request(const uint8_t *stub, size_t len, uint16_t opnum, iiss_ndr ndr, bool big_endian,
                         iiss_request *out);

/* Decode a response stub. `request_buffer_size` is the matching request's
 * dwBufferSize when known (NULL otherwise): a different conformance is a
 * conformance_mismatch anomaly. Always fills *out; returns out->complete. */
bool iiss_decode_response(const uint8_t *stub, size_t len, uint16_t opnum, iiss_ndr ndr, bool big_endian,
                          const uint32_t *request_buffer_size, iiss_response *out);

/* For a Status response with a buffer: decode the STATUS_BLOB with the
 * response's pdwNumServices (when present). Blob anomaly offsets are relative
 * to the buffer, i.e. add resp->buffer.offset for stub positions. Also
 * reports a non-zero buffer on E_ERROR_INSUFFICIENT_BUFFER. */
bool iiss_response_decode_blob(const uint8_t *stub, size_t len, const iiss_response *resp,
                               iiss_status_blob *out);

/* Midstream inference: does this request stub, of unknown interface, parse
 * as an IIsServiceControl request of this opnum (7-11) with ORPCTHIS
 * version 5.x and exactly consistent length? Tries the given NDR first. */
bool iiss_request_looks_like_iiss(const uint8_t *stub, size_t len, uint16_t opnum, bool big_endian,
                                  iiss_ndr *ndr_out);

/* ORPCTHIS / ORPCTHAT alone at the start of a stub, in one layout, for the
 * other DCOM methods the library decodes (the activation, iiss/activation.h).
 * OK: out->span.length is where the next parameter may start; TRUNCATED:
 * the stub ends inside the header; MALFORMED: these bytes are no ORPC
 * header (*why says what did not fit, when why is non-NULL). */
typedef enum iiss_orpc_status {
    IISS_ORPC_OK = 0,
    IISS_ORPC_TRUNCATED,
    IISS_ORPC_MALFORMED,
} iiss_orpc_status;

iiss_orpc_status iiss_orpcthis_decode(const uint8_t *stub, size_t len, iiss_ndr layout, bool big_endian,
                                      iiss_orpcthis *out, const char **why);
iiss_orpc_status iiss_orpcthat_decode(const uint8_t *stub, size_t len, iiss_ndr layout, bool big_endian,
                                      iiss_orpcthat *out, const char **why);

#endif
