/* SERVICE_STATUS values (MS-SCMR 2.2.47, winsvc.h), the names the expected
 * files print for them (the project's shared naming convention), and the
 * realistic IIS service sets the scenarios report. */
#ifndef SAMPLEGEN_SERVICES_H
#define SAMPLEGEN_SERVICES_H

#include <stddef.h>
#include <stdint.h>

#include "status_blob_writer.h"

enum {
    SVC_KERNEL_DRIVER = 0x1,
    SVC_FILE_SYSTEM_DRIVER = 0x2,
    SVC_WIN32_OWN_PROCESS = 0x10,
    SVC_WIN32_SHARE_PROCESS = 0x20,
    SVC_USER_OWN_PROCESS = 0x50,
    SVC_USER_SHARE_PROCESS = 0x60,
    SVC_INTERACTIVE_PROCESS = 0x100,
};

enum {
    SVC_STOPPED = 1,
    SVC_START_PENDING = 2,
    SVC_STOP_PENDING = 3,
    SVC_RUNNING = 4,
    SVC_CONTINUE_PENDING = 5,
    SVC_PAUSE_PENDING = 6,
    SVC_PAUSED = 7,
};

enum {
    SVC_ACCEPT_STOP = 0x1,
    SVC_ACCEPT_PAUSE_CONTINUE = 0x2,
    SVC_ACCEPT_SHUTDOWN = 0x4,
    SVC_ACCEPT_PARAMCHANGE = 0x8,
    SVC_ACCEPT_PRESHUTDOWN = 0x100,
};

#define WIN32_ERROR_SERVICE_SPECIFIC 1066u
#define WIN32_ERROR_SERVICE_NEVER_STARTED 1077u

/* HRESULTs of MS-IISS 3.1.4. */
#define HR_S_OK 0x00000000u
#define HR_E_NOT_ENOUGH_MEMORY 0x80070008u
#define HR_E_INSUFFICIENT_BUFFER 0x8007007Au
#define HR_E_SERVICE_REQUEST_TIMEOUT 0x8007041Du
#define HR_E_RESOURCE_DISABLED 0x800710D5u
#define HR_E_NOTIMPL 0x80004001u
#define HR_E_ACCESSDENIED 0x80070005u /* a refused activation (MS-DCOM 3.2.4.1.1.1) */

/* DCE/RPC fault status a Windows server sends for a stub it cannot unmarshal. */
#define FAULT_NCA_S_FAULT_NDR 0x000006F7u

/* "SERVICE_WIN32_OWN_PROCESS|SERVICE_INTERACTIVE_PROCESS" */
void svc_type_name(uint32_t type, char *out, size_t n);
const char *svc_state_name(uint32_t state);           /* NULL when unknown */
/* Names of the set SERVICE_ACCEPT_* bits, lowest first; returns how many. */
size_t svc_control_names(uint32_t controls, const char **names, size_t max);
const char *hresult_name(uint32_t hresult);           /* NULL when unknown */
const char *fault_status_name(uint32_t status);       /* NULL when unknown */
const char *iiss_method_name(uint16_t opnum);         /* "Stop" ... "Kill", NULL otherwise */

/* The IIS services of a Windows Server with the usual IIS roles, in the
 * order the server lists them. Copied into `out` (at most `max`). */
size_t services_iis_running(blob_service *out, size_t max);  /* mixed states */
size_t services_iis_stopped(blob_service *out, size_t max);  /* after Stop */
size_t services_iis_started(blob_service *out, size_t max);  /* after Start */
/* A large farm of n services (site-specific ones added), for fragmentation. */
size_t services_many(blob_service *out, size_t n);

#endif
