/* The IIsServiceControl method stubs (MS-IISS 3.1.4, IDL in section 6):
 * request = ORPCTHIS + [in] DWORDs; response = ORPCTHAT + [out] + HRESULT.
 * Written with ndr_writer in the output buffer's byte order. */
#ifndef SAMPLEGEN_IISS_STUBS_H
#define SAMPLEGEN_IISS_STUBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"
#include "ndr_writer.h"

#define IISS_OPNUM_STOP 7
#define IISS_OPNUM_START 8
#define IISS_OPNUM_REBOOT 9
#define IISS_OPNUM_STATUS 10
#define IISS_OPNUM_KILL 11

#define COM_VERSION_MAJOR 5
#define COM_VERSION_MINOR 7

typedef struct iiss_stub_style {
    bool ndr64;
    uint8_t pad_fill;                 /* NDR padding byte value */
    const orpc_extent *extents;       /* ORPCTHIS / ORPCTHAT extensions */
    size_t n_extents;
} iiss_stub_style;

/* ORPCTHIS then the DWORD parameters given (Stop: timeout, force; Start:
 * timeout; Reboot: timeout, force_apps_closed; Status: buffer size; Kill:
 * none). Passing fewer than the method takes makes a truncated stub. */
void iiss_write_request(bytebuf *out, const iiss_stub_style *style, const guid *causality, const uint32_t *dwords,
                        size_t n_dwords);
/* ORPCTHAT and the HRESULT (Stop, Start, Reboot, Kill). */
void iiss_write_simple_response(bytebuf *out, const iiss_stub_style *style, uint32_t hresult);
/* Status: ORPCTHAT, pbBuffer (conformance, bytes, align 4),
 * *pdwMDRequiredBufferSize, *pdwNumServices, HRESULT. */
void iiss_write_status_response(bytebuf *out, const iiss_stub_style *style, uint64_t conformance,
                                const uint8_t *buffer, size_t buffer_len, uint32_t required_size,
                                uint32_t num_services, uint32_t hresult);

#endif
