/* Name tables and formatters: every value of this protocol gets its name
 * here, and only here (see iiss/names.h). */
#include "iiss/names.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* E8FB8620-588F-11D2-9D61-00C04F79C5FE: Data1/2/3 little-endian as on the wire. */
const uint8_t iiss_iid_bytes[16] = {0x20, 0x86, 0xFB, 0xE8, 0x8F, 0x58, 0xD2, 0x11,
                                    0x9D, 0x61, 0x00, 0xC0, 0x4F, 0x79, 0xC5, 0xFE};
/* E8FB8621-588F-11D2-9D61-00C04F79C5FE */
const uint8_t iiss_clsid_bytes[16] = {0x21, 0x86, 0xFB, 0xE8, 0x8F, 0x58, 0xD2, 0x11,
                                      0x9D, 0x61, 0x00, 0xC0, 0x4F, 0x79, 0xC5, 0xFE};

/* GUID a-b-c-d0d1-d2..d7 in the little-endian-fields form. */
#define GUID_LE(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)                                                           \
    {(uint8_t)(a), (uint8_t)((a) >> 8), (uint8_t)((a) >> 16), (uint8_t)((a) >> 24), (uint8_t)(b),                 \
     (uint8_t)((b) >> 8), (uint8_t)(c), (uint8_t)((c) >> 8), d0, d1, d2, d3, d4, d5, d6, d7}
/* The COM well-known form xxxxxxxx-0000-0000-C000-000000000046. */
#define GUID_COM(a) GUID_LE(a, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46)

const iiss_guid_name iiss_guid_names[] = {
    {GUID_LE(0xE8FB8620u, 0x588F, 0x11D2, 0x9D, 0x61, 0x00, 0xC0, 0x4F, 0x79, 0xC5, 0xFE), "IIsServiceControl"},
    /* MS-IISS 1.9 calls it the "COM class UUID for IIS ServiceControl Protocol". */
    {GUID_LE(0xE8FB8621u, 0x588F, 0x11D2, 0x9D, 0x61, 0x00, 0xC0, 0x4F, 0x79, 0xC5, 0xFE), "CLSID_IIsServiceControl"},
    /* MS-DCOM 1.9 */
    {GUID_COM(0x000001A0u), "IRemoteSCMActivator"},
    {GUID_LE(0x4D9F4AB8u, 0x7D1C, 0x11CF, 0x86, 0x1E, 0x00, 0x20, 0xAF, 0x6E, 0x7C, 0x57), "IActivation"},
    {GUID_LE(0x99FCFEC4u, 0x5260, 0x101B, 0xBB, 0xCB, 0x00, 0xAA, 0x00, 0x21, 0x34, 0x7A), "IObjectExporter"},
    {GUID_COM(0x00000000u), "IUnknown"},
    {GUID_COM(0x00000131u), "IRemUnknown"},
    {GUID_COM(0x00000143u), "IRemUnknown2"},
    {GUID_COM(0x000001A2u), "IActivationPropertiesIn"},
    {GUID_COM(0x000001A3u), "IActivationPropertiesOut"},
    {GUID_COM(0x000001C0u), "IContext"},
    {GUID_COM(0x00000338u), "CLSID_ActivationPropertiesIn"},
    /* Also CLSID_PropsOutInfo: MS-DCOM 1.9 gives both the same GUID. */
    {GUID_COM(0x00000339u), "CLSID_ActivationPropertiesOut"},
    {GUID_COM(0x000001A5u), "CLSID_ActivationContextInfo"},
    {GUID_COM(0x000001ABu), "CLSID_InstantiationInfo"},
    {GUID_COM(0x000001ADu), "CLSID_InstanceInfo"},
    {GUID_COM(0x000001B6u), "CLSID_ScmReplyInfo"},
    {GUID_COM(0x000001AAu), "CLSID_ScmRequestInfo"},
    {GUID_COM(0x000001A6u), "CLSID_SecurityInfo"},
    {GUID_COM(0x000001A4u), "CLSID_ServerLocationInfo"},
    {GUID_COM(0x000001B9u), "CLSID_SpecialSystemProperties"},
    {GUID_COM(0x0000033Bu), "CLSID_ContextMarshaler"},
    {GUID_COM(0x0000031Bu), "CLSID_ErrorObject"},
    /* Interfaces a client asks for besides the one it wants. */
    {GUID_COM(0x00000001u), "IClassFactory"},
    {GUID_LE(0x00020400u, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46), "IDispatch"},
    {{0}, NULL},
};

const char *iiss_guid_lookup(const uint8_t guid[16])
{
    for (const iiss_guid_name *e = iiss_guid_names; e->name; e++) {
        if (memcmp(e->guid, guid, 16) == 0)
            return e->name;
    }
    return NULL;
}

const iiss_value_name iiss_tower_id_names[] = {
    {0x04, "ncacn_dnet_nsp"},
    {0x07, "ncacn_ip_tcp"},
    {0x08, "ncadg_ip_udp"},
    {0x0C, "ncacn_spx"},
    {0x0D, "ncacn_nb_ipx"},
    {0x0F, "ncacn_np"},
    {0x10, "ncalrpc"},
    {0x12, "ncacn_nb_nb"},
    {0x16, "ncacn_at_dsp"},
    {0x1F, "ncacn_http"},
    {0, NULL},
};

/* IUnknown (0-2) and IDispatch (3-6) come first: the interface derives from IDispatch. */
const iiss_value_name iiss_method_names[] = {
    {0, "QueryInterface"},
    {1, "AddRef"},
    {2, "Release"},
    {3, "GetTypeInfoCount"},
    {4, "GetTypeInfo"},
    {5, "GetIDsOfNames"},
    {6, "Invoke"},
    {IISS_OPNUM_STOP, "Stop"},
    {IISS_OPNUM_START, "Start"},
    {IISS_OPNUM_REBOOT, "Reboot"},
    {IISS_OPNUM_STATUS, "Status"},
    {IISS_OPNUM_KILL, "Kill"},
    {0, NULL},
};

/* Whole dwServiceType values, combinations included, so a value_string in
 * the plugin names the common values directly. */
const iiss_value_name iiss_service_type_names[] = {
    {0x00000001, "SERVICE_KERNEL_DRIVER"},
    {0x00000002, "SERVICE_FILE_SYSTEM_DRIVER"},
    {0x00000010, "SERVICE_WIN32_OWN_PROCESS"},
    {0x00000020, "SERVICE_WIN32_SHARE_PROCESS"},
    {0x00000050, "SERVICE_USER_OWN_PROCESS"},
    {0x00000060, "SERVICE_USER_SHARE_PROCESS"},
    {0x000000D0, "SERVICE_USER_OWN_PROCESS|SERVICE_USERSERVICE_INSTANCE"},
    {0x000000E0, "SERVICE_USER_SHARE_PROCESS|SERVICE_USERSERVICE_INSTANCE"},
    {0x00000110, "SERVICE_WIN32_OWN_PROCESS|SERVICE_INTERACTIVE_PROCESS"},
    {0x00000120, "SERVICE_WIN32_SHARE_PROCESS|SERVICE_INTERACTIVE_PROCESS"},
    {0, NULL},
};

const iiss_value_name iiss_service_type_bits[] = {
    {0x00000001, "SERVICE_KERNEL_DRIVER"},
    {0x00000002, "SERVICE_FILE_SYSTEM_DRIVER"},
    {0x00000010, "SERVICE_WIN32_OWN_PROCESS"},
    {0x00000020, "SERVICE_WIN32_SHARE_PROCESS"},
    {0x00000040, "SERVICE_USER_SERVICE"},
    {0x00000080, "SERVICE_USERSERVICE_INSTANCE"},
    {0x00000100, "SERVICE_INTERACTIVE_PROCESS"},
    {0, NULL},
};

const iiss_value_name iiss_service_state_names[] = {
    {1, "SERVICE_STOPPED"},
    {2, "SERVICE_START_PENDING"},
    {3, "SERVICE_STOP_PENDING"},
    {4, "SERVICE_RUNNING"},
    {5, "SERVICE_CONTINUE_PENDING"},
    {6, "SERVICE_PAUSE_PENDING"},
    {7, "SERVICE_PAUSED"},
    {0, NULL},
};

const iiss_value_name iiss_controls_accepted_bits[] = {
    {0x00000001, "SERVICE_ACCEPT_STOP"},
    {0x00000002, "SERVICE_ACCEPT_PAUSE_CONTINUE"},
    {0x00000004, "SERVICE_ACCEPT_SHUTDOWN"},
    {0x00000008, "SERVICE_ACCEPT_PARAMCHANGE"},
    {0x00000010, "SERVICE_ACCEPT_NETBINDCHANGE"},
    {0x00000020, "SERVICE_ACCEPT_HARDWAREPROFILECHANGE"},
    {0x00000040, "SERVICE_ACCEPT_POWEREVENT"},
    {0x00000080, "SERVICE_ACCEPT_SESSIONCHANGE"},
    {0x00000100, "SERVICE_ACCEPT_PRESHUTDOWN"},
    {0x00000200, "SERVICE_ACCEPT_TIMECHANGE"},
    {0x00000400, "SERVICE_ACCEPT_TRIGGEREVENT"},
    {0, NULL},
};

/* What a service reports in dwWin32ExitCode (1051-1077, 1115), plus the
 * common codes that also appear inside facility-7 HRESULTs. */
const iiss_value_name iiss_win32_error_names[] = {
    {0, "ERROR_SUCCESS"},
    {1, "ERROR_INVALID_FUNCTION"},
    {2, "ERROR_FILE_NOT_FOUND"},
    {3, "ERROR_PATH_NOT_FOUND"},
    {5, "ERROR_ACCESS_DENIED"},
    {6, "ERROR_INVALID_HANDLE"},
    {8, "ERROR_NOT_ENOUGH_MEMORY"},
    {14, "ERROR_OUTOFMEMORY"},
    {50, "ERROR_NOT_SUPPORTED"},
    {87, "ERROR_INVALID_PARAMETER"},
    {120, "ERROR_CALL_NOT_IMPLEMENTED"},
    {122, "ERROR_INSUFFICIENT_BUFFER"},
    {1051, "ERROR_DEPENDENT_SERVICES_RUNNING"},
    {1052, "ERROR_INVALID_SERVICE_CONTROL"},
    {1053, "ERROR_SERVICE_REQUEST_TIMEOUT"},
    {1054, "ERROR_SERVICE_NO_THREAD"},
    {1055, "ERROR_SERVICE_DATABASE_LOCKED"},
    {1056, "ERROR_SERVICE_ALREADY_RUNNING"},
    {1057, "ERROR_INVALID_SERVICE_ACCOUNT"},
    {1058, "ERROR_SERVICE_DISABLED"},
    {1059, "ERROR_CIRCULAR_DEPENDENCY"},
    {1060, "ERROR_SERVICE_DOES_NOT_EXIST"},
    {1061, "ERROR_SERVICE_CANNOT_ACCEPT_CTRL"},
    {1062, "ERROR_SERVICE_NOT_ACTIVE"},
    {1063, "ERROR_FAILED_SERVICE_CONTROLLER_CONNECT"},
    {1064, "ERROR_EXCEPTION_IN_SERVICE"},
    {1065, "ERROR_DATABASE_DOES_NOT_EXIST"},
    {1066, "ERROR_SERVICE_SPECIFIC_ERROR"},
    {1067, "ERROR_PROCESS_ABORTED"},
    {1068, "ERROR_SERVICE_DEPENDENCY_FAIL"},
    {1069, "ERROR_SERVICE_LOGON_FAILED"},
    {1070, "ERROR_SERVICE_START_HANG"},
    {1071, "ERROR_INVALID_SERVICE_LOCK"},
    {1072, "ERROR_SERVICE_MARKED_FOR_DELETE"},
    {1073, "ERROR_SERVICE_EXISTS"},
    {1074, "ERROR_ALREADY_RUNNING_LKG"},
    {1075, "ERROR_SERVICE_DEPENDENCY_DELETED"},
    {1076, "ERROR_BOOT_ALREADY_ACCEPTED"},
    {1077, "ERROR_SERVICE_NEVER_STARTED"},
    {1115, "ERROR_SHUTDOWN_IN_PROGRESS"},
    {1116, "ERROR_NO_SHUTDOWN_IN_PROGRESS"},
    {1314, "ERROR_PRIVILEGE_NOT_HELD"},
    {1326, "ERROR_LOGON_FAILURE"},
    {1460, "ERROR_TIMEOUT"},
    {1717, "RPC_S_UNKNOWN_IF"},
    {1722, "RPC_S_SERVER_UNAVAILABLE"},
    {1726, "RPC_S_CALL_FAILED"},
    {1727, "RPC_S_CALL_FAILED_DNE"},
    {1745, "RPC_S_PROCNUM_OUT_OF_RANGE"},
    {1753, "EPT_S_NOT_REGISTERED"},
    {1783, "RPC_X_BAD_STUB_DATA"},
    {1818, "RPC_S_CALL_CANCELLED"},
    {4309, "ERROR_RESOURCE_DISABLED"},
    {0, NULL},
};

/* The spec's names come first (MS-IISS 3.1.4); 0x8000041D is how the Start
 * method's text writes the timeout, so it gets the same name. */
const iiss_value_name iiss_hresult_names[] = {
    {0x00000000, "S_OK"},
    {0x00000001, "S_FALSE"},
    {0x80070008, "E_ERROR_NOT_ENOUGH_MEMORY"},
    {IISS_E_ERROR_INSUFFICIENT_BUFFER, "E_ERROR_INSUFFICIENT_BUFFER"},
    {0x8007041D, "E_ERROR_SERVICE_REQUEST_TIMEOUT"},
    {0x8000041D, "E_ERROR_SERVICE_REQUEST_TIMEOUT"},
    {0x800710D5, "E_ERROR_RESOURCE_DISABLED"},
    {0x80004001, "E_NOTIMPL"},
    {0x80004002, "E_NOINTERFACE"},
    {0x80004003, "E_POINTER"},
    {0x80004004, "E_ABORT"},
    {0x80004005, "E_FAIL"},
    {0x8000FFFF, "E_UNEXPECTED"},
    {0x80070005, "E_ACCESSDENIED"},
    {0x80070006, "E_HANDLE"},
    {0x8007000E, "E_OUTOFMEMORY"},
    {0x80070057, "E_INVALIDARG"},
    {0x80040154, "REGDB_E_CLASSNOTREG"},
    {0x800401F0, "CO_E_NOTINITIALIZED"},
    {0x80080005, "CO_E_SERVER_EXEC_FAILURE"},
    {0x80010001, "RPC_E_CALL_REJECTED"},
    {0x80010002, "RPC_E_CALL_CANCELED"},
    {0x80010105, "RPC_E_SERVERFAULT"},
    {0x80010108, "RPC_E_DISCONNECTED"},
    {0x8001010A, "RPC_E_SERVERCALL_RETRYLATER"},
    {0x80010111, "RPC_E_INVALID_HEADER"},
    {0x80010113, "RPC_E_INVALID_IPID"},
    {0x80010114, "RPC_E_INVALID_OBJECT"},
    {0x8001011B, "RPC_E_ACCESS_DENIED"},
    {0x8001011F, "RPC_E_TIMEOUT"},
    {0x800706BA, "RPC_S_SERVER_UNAVAILABLE"},
    {0x800706BE, "RPC_S_CALL_FAILED"},
    {0x800706BF, "RPC_S_CALL_FAILED_DNE"},
    {0x800706D1, "RPC_S_PROCNUM_OUT_OF_RANGE"},
    {0x800706D9, "EPT_S_NOT_REGISTERED"},
    {0x800706F7, "RPC_X_BAD_STUB_DATA"},
    {0, NULL},
};

/* C706 Appendix E (nca_s_*) and the Win32 values Windows' RPC runtime puts
 * in FAULT PDUs instead (MS-RPCE 2.2.2.6 / 3.1.1.5.5), under the nca_s_
 * names DCE/RPC tools show for them (0x6F7 is RPC_X_BAD_STUB_DATA as a
 * Win32 code). */
const iiss_value_name iiss_fault_status_names[] = {
    {0x00000001, "nca_s_fault_other"},
    {0x00000005, "nca_s_fault_access_denied"},
    {0x000006D1, "RPC_S_PROCNUM_OUT_OF_RANGE"},
    {0x000006D8, "nca_s_fault_cant_perform"},
    {0x000006E4, "RPC_S_CANNOT_SUPPORT"},
    {0x000006F7, "nca_s_fault_ndr"},
    {0x0000071A, "RPC_S_CALL_CANCELLED"},
    {0x80010105, "RPC_E_SERVERFAULT"},
    {0x80010108, "RPC_E_DISCONNECTED"},
    {0x80010111, "RPC_E_INVALID_HEADER"},
    {0x80010113, "RPC_E_INVALID_IPID"},
    {0x80010114, "RPC_E_INVALID_OBJECT"},
    {0x8001011B, "RPC_E_ACCESS_DENIED"},
    {0x80004002, "E_NOINTERFACE"},
    {0x80070005, "E_ACCESSDENIED"},
    {0x1C000001, "nca_s_fault_int_div_by_zero"},
    {0x1C000002, "nca_s_fault_addr_error"},
    {0x1C000003, "nca_s_fault_fp_div_zero"},
    {0x1C000004, "nca_s_fault_fp_underflow"},
    {0x1C000005, "nca_s_fault_fp_overflow"},
    {0x1C000006, "nca_s_fault_invalid_tag"},
    {0x1C000007, "nca_s_fault_invalid_bound"},
    {0x1C000008, "nca_s_rpc_version_mismatch"},
    {0x1C000009, "nca_s_unspec_reject"},
    {0x1C00000A, "nca_s_bad_actid"},
    {0x1C00000B, "nca_s_who_are_you_failed"},
    {0x1C00000C, "nca_s_manager_not_entered"},
    {0x1C00000D, "nca_s_fault_cancel"},
    {0x1C00000E, "nca_s_fault_ill_inst"},
    {0x1C00000F, "nca_s_fault_fp_error"},
    {0x1C000010, "nca_s_fault_int_overflow"},
    {0x1C000012, "nca_s_fault_unspec"},
    {0x1C000013, "nca_s_fault_remote_comm_failure"},
    {0x1C000014, "nca_s_fault_pipe_empty"},
    {0x1C000015, "nca_s_fault_pipe_closed"},
    {0x1C000016, "nca_s_fault_pipe_order"},
    {0x1C000017, "nca_s_fault_pipe_discipline"},
    {0x1C000018, "nca_s_fault_pipe_comm_error"},
    {0x1C000019, "nca_s_fault_pipe_memory"},
    {0x1C00001A, "nca_s_fault_context_mismatch"},
    {0x1C00001B, "nca_s_fault_remote_no_memory"},
    {0x1C00001C, "nca_s_invalid_pres_context_id"},
    {0x1C00001D, "nca_s_unsupported_authn_level"},
    {0x1C00001F, "nca_s_invalid_checksum"},
    {0x1C000020, "nca_s_invalid_crc"},
    {0x1C000021, "nca_s_fault_user_defined"},
    {0x1C000022, "nca_s_fault_tx_open_failed"},
    {0x1C000023, "nca_s_fault_codeset_conv_error"},
    {0x1C000024, "nca_s_fault_object_not_found"},
    {0x1C000025, "nca_s_fault_no_client_stub"},
    {0x1C010001, "nca_s_comm_failure"},
    {0x1C010002, "nca_s_op_rng_error"},
    {0x1C010003, "nca_s_unk_if"},
    {0x1C010006, "nca_s_wrong_boot_time"},
    {0x1C010009, "nca_s_you_crashed"},
    {0x1C01000B, "nca_s_proto_error"},
    {0x1C010013, "nca_s_out_args_too_big"},
    {0x1C010014, "nca_s_server_too_busy"},
    {0x1C010017, "nca_s_unsupported_type"},
    {0, NULL},
};

/* HRESULT facilities (MS-ERREF 2.1.2); only the renderer below needs them. */
static const iiss_value_name hresult_facility_names[] = {
    {0, "NULL"},
    {1, "RPC"},
    {2, "DISPATCH"},
    {3, "STORAGE"},
    {4, "ITF"},
    {7, "WIN32"},
    {8, "WINDOWS"},
    {9, "SECURITY"},
    {10, "CONTROL"},
    {11, "CERT"},
    {12, "INTERNET"},
    {13, "MEDIASERVER"},
    {14, "MSMQ"},
    {15, "SETUPAPI"},
    {16, "SCARD"},
    {17, "COMPLUS"},
    {0, NULL},
};

const iiss_value_name iiss_dce_auth_type_names[] = {
    {0, "NONE"}, {9, "SPNEGO"}, {10, "NTLMSSP"}, {14, "SCHANNEL"}, {16, "KERBEROS"}, {68, "NETLOGON"}, {0, NULL},
};

const iiss_value_name iiss_krb_enctype_names[] = {
    {1, "des-cbc-crc"},
    {3, "des-cbc-md5"},
    {16, "des3-cbc-sha1"},
    {17, "aes128-cts-hmac-sha1-96"},
    {18, "aes256-cts-hmac-sha1-96"},
    {19, "aes128-cts-hmac-sha256-128"},
    {20, "aes256-cts-hmac-sha384-192"},
    {23, "arcfour-hmac"},
    {24, "arcfour-hmac-exp"},
    {25, "camellia128-cts-cmac"},
    {26, "camellia256-cts-cmac"},
    {0, NULL},
};

const iiss_value_name iiss_dce_auth_level_names[] = {
    {0, "DEFAULT"}, {1, "NONE"}, {2, "CONNECT"}, {3, "CALL"}, {4, "PKT"}, {5, "PKT_INTEGRITY"}, {6, "PKT_PRIVACY"},
    {0, NULL},
};

const iiss_value_name iiss_dce_ptype_names[] = {
    {0, "request"},
    {2, "response"},
    {3, "fault"},
    {11, "bind"},
    {12, "bind_ack"},
    {13, "bind_nak"},
    {14, "alter_context"},
    {15, "alter_context_resp"},
    {16, "auth3"},
    {17, "shutdown"},
    {18, "co_cancel"},
    {19, "orphaned"},
    {0, NULL},
};

#define HRESULT_SEVERITY_BIT 0x80000000u
#define HRESULT_CUSTOMER_BIT 0x20000000u
#define HRESULT_NTSTATUS_BIT 0x10000000u
#define HRESULT_FACILITY_WIN32 7u

const char *iiss_lookup(const iiss_value_name *table, uint32_t value)
{
    if (!table)
        return NULL;
    for (const iiss_value_name *e = table; e->name; e++) {
        if (e->value == value)
            return e->name;
    }
    return NULL;
}

/* Appends to buf at *used with snprintf semantics; once the buffer is full
 * further text is dropped, and buf stays NUL-terminated. */
static void appendf(char *buf, size_t n, size_t *used, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void appendf(char *buf, size_t n, size_t *used, const char *fmt, ...)
{
    if (*used >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *used, n - *used, fmt, ap);
    va_end(ap);
    if (w < 0)
        return;
    size_t room = n - *used;
    *used += (size_t)w < room ? (size_t)w : room - 1;
}

static bool buffer_usable(char *buf, size_t n)
{
    if (!buf || n == 0)
        return false;
    buf[0] = '\0';
    return true;
}

const char *iiss_flags_format(const iiss_value_name *bits, uint32_t value, char *buf, size_t n)
{
    if (!buffer_usable(buf, n))
        return buf;
    size_t used = 0;
    if (value == 0) {
        appendf(buf, n, &used, "0");
        return buf;
    }
    uint32_t rest = value;
    for (const iiss_value_name *e = bits; e && e->name; e++) {
        if (e->value != 0 && (value & e->value) == e->value) {
            appendf(buf, n, &used, "%s%s", used ? "|" : "", e->name);
            rest &= ~e->value;
        }
    }
    if (rest)
        appendf(buf, n, &used, "%s0x%X", used ? "|" : "", rest);
    return buf;
}

const char *iiss_service_type_format(uint32_t type, char *buf, size_t n)
{
    if (!buffer_usable(buf, n))
        return buf;
    const char *whole = iiss_lookup(iiss_service_type_names, type);
    if (whole) {
        snprintf(buf, n, "%s", whole);
        return buf;
    }
    return iiss_flags_format(iiss_service_type_bits, type, buf, n);
}

const char *iiss_hresult_format(uint32_t hresult, char *buf, size_t n)
{
    if (!buffer_usable(buf, n))
        return buf;
    const char *name = iiss_lookup(iiss_hresult_names, hresult);
    if (name) {
        snprintf(buf, n, "%s", name);
        return buf;
    }
    size_t used = 0;
    /* MS-ERREF 2.1: S, R, C, N, X bits, 11-bit facility, 16-bit code. */
    uint32_t facility = (hresult >> 16) & 0x7FFu;
    uint32_t code = hresult & 0xFFFFu;
    appendf(buf, n, &used, "%s", (hresult & HRESULT_SEVERITY_BIT) ? "FAILURE" : "SUCCESS");
    if (hresult & HRESULT_CUSTOMER_BIT)
        appendf(buf, n, &used, " customer");
    if (hresult & HRESULT_NTSTATUS_BIT)
        appendf(buf, n, &used, " ntstatus");
    const char *fac_name = iiss_lookup(hresult_facility_names, facility);
    if (fac_name)
        appendf(buf, n, &used, " facility=%s(%u)", fac_name, facility);
    else
        appendf(buf, n, &used, " facility=%u", facility);
    appendf(buf, n, &used, " code=0x%04X", code);
    /* Facility 7 carries a Win32 error code in the low 16 bits. */
    if (facility == HRESULT_FACILITY_WIN32 && !(hresult & HRESULT_CUSTOMER_BIT)) {
        const char *win32 = iiss_lookup(iiss_win32_error_names, code);
        if (win32)
            appendf(buf, n, &used, " (%s)", win32);
    }
    return buf;
}

const char *iiss_state_format(uint32_t state, char *buf, size_t n)
{
    if (!buffer_usable(buf, n))
        return buf;
    const char *name = iiss_lookup(iiss_service_state_names, state);
    if (name)
        snprintf(buf, n, "%s", name);
    else
        snprintf(buf, n, "UNKNOWN(0x%X)", state);
    return buf;
}

const char *iiss_win32_error_format(uint32_t code, char *buf, size_t n)
{
    if (!buffer_usable(buf, n))
        return buf;
    const char *name = iiss_lookup(iiss_win32_error_names, code);
    if (name)
        snprintf(buf, n, "%s", name);
    else
        snprintf(buf, n, "%u", code);
    return buf;
}

const char *iiss_krb_enctype_name(int32_t enctype)
{
    return enctype > 0 ? iiss_lookup(iiss_krb_enctype_names, (uint32_t)enctype) : NULL;
}

const char *iiss_dce_auth_type_name(uint8_t auth_type)
{
    return iiss_lookup(iiss_dce_auth_type_names, auth_type);
}

const char *iiss_dce_auth_level_name(uint8_t auth_level)
{
    return iiss_lookup(iiss_dce_auth_level_names, auth_level);
}

const char *iiss_dce_ptype_name(uint8_t ptype)
{
    return iiss_lookup(iiss_dce_ptype_names, ptype);
}

const char *iiss_uuid_format(const uint8_t u[16], char *buf, size_t n)
{
    /* Byte order of the text: the three little-endian fields reversed, the
     * rest as stored. Written by hand, not by snprintf: one per JSON line. */
    enum { DASH = 16 };
    static const uint8_t order[] = {3, 2, 1, 0, DASH, 5, 4, DASH, 7, 6, DASH, 8, 9, DASH, 10, 11, 12, 13, 14, 15};
    static const char hex[] = "0123456789ABCDEF";
    char text[IISS_UUID_STR_MAX];
    size_t at = 0;
    for (size_t i = 0; i < sizeof order; i++) {
        if (order[i] == DASH) {
            text[at++] = '-';
            continue;
        }
        text[at++] = hex[u[order[i]] >> 4];
        text[at++] = hex[u[order[i]] & 0xF];
    }
    if (n == 0)
        return buf;
    size_t keep = at < n ? at : n - 1; /* snprintf's truncation */
    memcpy(buf, text, keep);
    buf[keep] = '\0';
    return buf;
}

const iiss_attack_technique iiss_attack_remote_dcom = {"T1021.003",
                                                       "Remote Services: Distributed Component Object Model"};
const iiss_attack_technique iiss_attack_service_stop = {"T1489", "Service Stop"};
const iiss_attack_technique iiss_attack_system_reboot = {"T1529", "System Shutdown/Reboot"};

size_t iiss_attack_techniques(uint16_t opnum, const iiss_attack_technique *out[IISS_ATTACK_PER_CALL_MAX])
{
    size_t n = 0;
    out[n++] = &iiss_attack_remote_dcom;
    if (opnum == IISS_OPNUM_STOP || opnum == IISS_OPNUM_KILL)
        out[n++] = &iiss_attack_service_stop;
    else if (opnum == IISS_OPNUM_REBOOT)
        out[n++] = &iiss_attack_system_reboot;
    return n;
}
