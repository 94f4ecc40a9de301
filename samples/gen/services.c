#include "services.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void svc_type_name(uint32_t type, char *out, size_t n)
{
    static const struct { uint32_t bit; const char *name; } bits[] = {
        {SVC_KERNEL_DRIVER, "SERVICE_KERNEL_DRIVER"},
        {SVC_FILE_SYSTEM_DRIVER, "SERVICE_FILE_SYSTEM_DRIVER"},
        {SVC_WIN32_OWN_PROCESS, "SERVICE_WIN32_OWN_PROCESS"},
        {SVC_WIN32_SHARE_PROCESS, "SERVICE_WIN32_SHARE_PROCESS"},
        {SVC_INTERACTIVE_PROCESS, "SERVICE_INTERACTIVE_PROCESS"},
    };
    out[0] = '\0';
    uint32_t rest = type;
    /* The user-service types are whole values, not bit sums to split. */
    if ((type & 0xF0u) == SVC_USER_OWN_PROCESS || (type & 0xF0u) == SVC_USER_SHARE_PROCESS) {
        snprintf(out, n, "%s", (type & 0xF0u) == SVC_USER_OWN_PROCESS ? "SERVICE_USER_OWN_PROCESS"
                                                                      : "SERVICE_USER_SHARE_PROCESS");
        rest &= ~0xF0u;
    }
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
        if (!(rest & bits[i].bit))
            continue;
        size_t used = strlen(out);
        snprintf(out + used, n - used, "%s%s", used ? "|" : "", bits[i].name);
    }
}

const char *svc_state_name(uint32_t state)
{
    static const char *const names[] = {NULL,
                                        "SERVICE_STOPPED",
                                        "SERVICE_START_PENDING",
                                        "SERVICE_STOP_PENDING",
                                        "SERVICE_RUNNING",
                                        "SERVICE_CONTINUE_PENDING",
                                        "SERVICE_PAUSE_PENDING",
                                        "SERVICE_PAUSED"};
    return state < sizeof names / sizeof names[0] ? names[state] : NULL;
}

size_t svc_control_names(uint32_t controls, const char **names, size_t max)
{
    static const char *const bits[] = {
        "SERVICE_ACCEPT_STOP",          "SERVICE_ACCEPT_PAUSE_CONTINUE",         "SERVICE_ACCEPT_SHUTDOWN",
        "SERVICE_ACCEPT_PARAMCHANGE",   "SERVICE_ACCEPT_NETBINDCHANGE",          "SERVICE_ACCEPT_HARDWAREPROFILECHANGE",
        "SERVICE_ACCEPT_POWEREVENT",    "SERVICE_ACCEPT_SESSIONCHANGE",          "SERVICE_ACCEPT_PRESHUTDOWN",
        "SERVICE_ACCEPT_TIMECHANGE",    "SERVICE_ACCEPT_TRIGGEREVENT",
    };
    size_t count = 0;
    for (size_t bit = 0; bit < sizeof bits / sizeof bits[0]; bit++)
        if ((controls & (1u << bit)) && count < max)
            names[count++] = bits[bit];
    return count;
}

const char *hresult_name(uint32_t hresult)
{
    switch (hresult) {
    case HR_S_OK: return "S_OK";
    case HR_E_NOT_ENOUGH_MEMORY: return "E_ERROR_NOT_ENOUGH_MEMORY";
    case HR_E_INSUFFICIENT_BUFFER: return "E_ERROR_INSUFFICIENT_BUFFER";
    case HR_E_SERVICE_REQUEST_TIMEOUT: return "E_ERROR_SERVICE_REQUEST_TIMEOUT";
    case HR_E_RESOURCE_DISABLED: return "E_ERROR_RESOURCE_DISABLED";
    case HR_E_NOTIMPL: return "E_NOTIMPL";
    case HR_E_ACCESSDENIED: return "E_ACCESSDENIED";
    default: return NULL;
    }
}

const char *fault_status_name(uint32_t status)
{
    switch (status) {
    case FAULT_NCA_S_FAULT_NDR: return "nca_s_fault_ndr";
    default: return NULL;
    }
}

const char *iiss_method_name(uint16_t opnum)
{
    static const char *const names[] = {"Stop", "Start", "Reboot", "Status", "Kill"};
    return opnum >= 7 && opnum <= 11 ? names[opnum - 7] : NULL;
}

#define SHARE SVC_WIN32_SHARE_PROCESS
#define OWN SVC_WIN32_OWN_PROCESS
#define STOP_SHUT (SVC_ACCEPT_STOP | SVC_ACCEPT_SHUTDOWN)
#define STOP_PAUSE_SHUT (SVC_ACCEPT_STOP | SVC_ACCEPT_PAUSE_CONTINUE | SVC_ACCEPT_SHUTDOWN)

/* name, display name, type, controls when running */
static const struct iis_service {
    const char *name;
    const char *display_name;
    uint32_t type;
    uint32_t controls;
} IIS_SERVICES[] = {
    {"IISADMIN", "IIS Admin Service", SHARE, STOP_SHUT},
    {"W3SVC", "World Wide Web Publishing Service", SHARE, STOP_PAUSE_SHUT},
    {"WAS", "Windows Process Activation Service", SHARE, STOP_SHUT | SVC_ACCEPT_PRESHUTDOWN},
    {"FTPSVC", "Microsoft FTP Service", SHARE, STOP_PAUSE_SHUT},
    {"SMTPSVC", "Simple Mail Transfer Protocol (SMTP)", SHARE, STOP_PAUSE_SHUT},
    {"W3LOGSVC", "W3C Logging Service", SHARE, SVC_ACCEPT_STOP | SVC_ACCEPT_PRESHUTDOWN},
    {"AppHostSvc", "Application Host Helper Service", SHARE, STOP_PAUSE_SHUT},
    {"WMSVC", "Web Management Service", OWN, STOP_SHUT},
};
#define N_IIS_SERVICES (sizeof IIS_SERVICES / sizeof IIS_SERVICES[0])

static blob_service make(const struct iis_service *s, uint32_t state)
{
    blob_service b;
    memset(&b, 0, sizeof b);
    b.name = s->name;
    b.display_name = s->display_name;
    b.service_type = s->type;
    b.current_state = state;
    b.controls_accepted = state == SVC_RUNNING ? s->controls : 0;
    return b;
}

size_t services_iis_running(blob_service *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < N_IIS_SERVICES && n < max; i++) {
        const struct iis_service *s = &IIS_SERVICES[i];
        blob_service b = make(s, SVC_RUNNING);
        if (strcmp(s->name, "SMTPSVC") == 0) {
            /* Being stopped by an administrator right now. */
            b.current_state = SVC_STOP_PENDING;
            b.controls_accepted = SVC_ACCEPT_SHUTDOWN;
            b.check_point = 2;
            b.wait_hint = 30000;
        } else if (strcmp(s->name, "WMSVC") == 0) {
            /* Manual start, never started since boot. */
            b = make(s, SVC_STOPPED);
            b.win32_exit_code = WIN32_ERROR_SERVICE_NEVER_STARTED;
        }
        out[n++] = b;
    }
    return n;
}

size_t services_iis_stopped(blob_service *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < N_IIS_SERVICES && n < max; i++) {
        out[n] = make(&IIS_SERVICES[i], SVC_STOPPED);
        if (strcmp(IIS_SERVICES[i].name, "WMSVC") == 0)
            out[n].win32_exit_code = WIN32_ERROR_SERVICE_NEVER_STARTED;
        n++;
    }
    return n;
}

size_t services_iis_started(blob_service *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < N_IIS_SERVICES && n < max; i++) {
        bool manual = strcmp(IIS_SERVICES[i].name, "WMSVC") == 0;
        out[n] = make(&IIS_SERVICES[i], manual ? SVC_STOPPED : SVC_RUNNING);
        if (manual)
            out[n].win32_exit_code = WIN32_ERROR_SERVICE_NEVER_STARTED;
        n++;
    }
    return n;
}

size_t services_many(blob_service *out, size_t n)
{
    /* The IIS core, then per-site helper services of a hosting farm; their
     * names live in static storage so the records can point at them. */
    static char names[64][16];
    static char display_names[64][48];
    size_t count = services_iis_started(out, n);
    for (size_t i = count; i < n && i < 64; i++) {
        unsigned site = (unsigned)(i - count + 1) % 1000u;
        unsigned host = (unsigned)(i - count) % 12u + 1u;
        snprintf(names[i], sizeof names[i], "W3SITE%03u", site);
        snprintf(display_names[i], sizeof display_names[i], "IIS Site Worker %03u (contoso-web%02u)", site, host);
        blob_service b;
        memset(&b, 0, sizeof b);
        b.name = names[i];
        b.display_name = display_names[i];
        b.service_type = SHARE;
        b.current_state = (i % 5 == 0) ? SVC_STOPPED : SVC_RUNNING;
        b.controls_accepted = b.current_state == SVC_RUNNING ? STOP_PAUSE_SHUT : 0;
        out[i] = b;
    }
    return n < 64 ? n : 64;
}
