/* Name tables: the one place where numbers of this protocol get names.
 * The plugin builds its value_strings from these tables, the CLI prints
 * from them. Each table ends with an entry whose name is NULL. */
#ifndef IISS_NAMES_H
#define IISS_NAMES_H

#include <stddef.h>
#include <stdint.h>

typedef struct iiss_value_name {
    uint32_t value;
    const char *name;
} iiss_value_name;

/* Interface and class identifiers (MS-IISS 1.9). */
#define IISS_IID_STRING "E8FB8620-588F-11D2-9D61-00C04F79C5FE"
#define IISS_CLSID_STRING "E8FB8621-588F-11D2-9D61-00C04F79C5FE"
#define IISS_INTERFACE_NAME "IIsServiceControl"
extern const uint8_t iiss_iid_bytes[16];   /* as on the wire, little-endian fields */
extern const uint8_t iiss_clsid_bytes[16];

/* Opnums 7-11 (MS-IISS 3.1.4): "Stop", "Start", "Reboot", "Status", "Kill". */
enum {
    IISS_OPNUM_STOP = 7,
    IISS_OPNUM_START = 8,
    IISS_OPNUM_REBOOT = 9,
    IISS_OPNUM_STATUS = 10,
    IISS_OPNUM_KILL = 11,
};
extern const iiss_value_name iiss_method_names[];

/* SERVICE_STATUS (MS-SCMR 2.2.47). */
extern const iiss_value_name iiss_service_type_names[];      /* whole values: 0x10, 0x20, 0x110, 0x50 ... */
extern const iiss_value_name iiss_service_type_bits[];       /* single bits: 0x1, 0x2, 0x10, 0x20, 0x40, 0x80, 0x100 */
extern const iiss_value_name iiss_service_state_names[];     /* 1..7 */
extern const iiss_value_name iiss_controls_accepted_bits[];  /* 0x1 .. 0x400 */
extern const iiss_value_name iiss_win32_error_names[];       /* 0, 1051-1077, 1115, and common others */

/* The HRESULT of a Status call whose pbBuffer is too small (MS-IISS
 * 3.1.4.4): the reply then tells the required size. */
#define IISS_E_ERROR_INSUFFICIENT_BUFFER 0x8007007Au

/* HRESULTs: the spec's six (plus 0x8000041D), common COM/RPC ones. */
extern const iiss_value_name iiss_hresult_names[];
/* DCE/RPC fault status codes (nca_s_*, RPC_S_*). */
extern const iiss_value_name iiss_fault_status_names[];

/* DCE/RPC: sec_trailer auth_type (MS-RPCE 2.2.1.1.7) and auth_level
 * (2.2.1.1.8), connection-oriented PDU types (C706 12.6.4.1). */
extern const iiss_value_name iiss_dce_auth_type_names[];  /* "NONE", "SPNEGO", "NTLMSSP", "KERBEROS" ... */
extern const iiss_value_name iiss_dce_auth_level_names[]; /* "DEFAULT" (0) ... "PKT_PRIVACY" (6) */
extern const iiss_value_name iiss_dce_ptype_names[];      /* "request", "bind_ack" ... */
/* The same lookups, NULL for a value without a name. */
const char *iiss_dce_auth_type_name(uint8_t auth_type);
const char *iiss_dce_auth_level_name(uint8_t auth_level);
const char *iiss_dce_ptype_name(uint8_t ptype);

/* Kerberos encryption types (RFC 3961 8, RFC 3962, RFC 4757, RFC 8009),
 * named as MIT krb5 and keytab tools spell them: 18
 * "aes256-cts-hmac-sha1-96", 23 "arcfour-hmac" ... NULL without a name. */
extern const iiss_value_name iiss_krb_enctype_names[];
const char *iiss_krb_enctype_name(int32_t enctype);

/* Named GUIDs, in the little-endian-fields form (as iiss_iid_bytes): this
 * interface and class, the DCOM activation interfaces and activation
 * property CLSIDs (MS-DCOM 1.9), and the interfaces a DCOM client commonly
 * asks for. IIDs carry the interface name ("IIsServiceControl"), CLSIDs the
 * CLSID_ name. Ends with an entry whose name is NULL. */
typedef struct iiss_guid_name {
    uint8_t guid[16];
    const char *name;
} iiss_guid_name;
extern const iiss_guid_name iiss_guid_names[];
/* The name of a GUID, or NULL. */
const char *iiss_guid_lookup(const uint8_t guid[16]);

/* Protocol sequence (tower) identifiers of STRINGBINDINGs (C706 Appendix I,
 * MS-RPCE 2.1): 0x07 "ncacn_ip_tcp" ... A SECURITYBINDING's wAuthnSvc is an
 * auth_type: iiss_dce_auth_type_names names it. */
extern const iiss_value_name iiss_tower_id_names[];

/* Returns the name, or NULL when the table has none. */
const char *iiss_lookup(const iiss_value_name *table, uint32_t value);

/* Formatting helpers write a NUL-terminated string into buf (truncating
 * safely) and return buf. */

/* "SERVICE_WIN32_SHARE_PROCESS" or bit names joined by '|' with any unknown
 * rest in hex, e.g. "SERVICE_WIN32_OWN_PROCESS|SERVICE_INTERACTIVE_PROCESS". */
const char *iiss_service_type_format(uint32_t type, char *buf, size_t n);
/* "SERVICE_ACCEPT_STOP|SERVICE_ACCEPT_SHUTDOWN", "0" for none, unknown bits
 * as "0x..." */
const char *iiss_flags_format(const iiss_value_name *bits, uint32_t value, char *buf, size_t n);
/* A name from the table, else a structured rendering:
 * "FAILURE facility=WIN32(7) code=0x0005 (ERROR_ACCESS_DENIED)". */
const char *iiss_hresult_format(uint32_t hresult, char *buf, size_t n);
/* Name of the state, or "UNKNOWN(0x..)". */
const char *iiss_state_format(uint32_t state, char *buf, size_t n);
/* Name of the Win32 error, or its decimal number. */
const char *iiss_win32_error_format(uint32_t code, char *buf, size_t n);
/* A UUID kept with little-endian fields (the wire form under a
 * little-endian drep, as iiss_iid_bytes), upper-case 8-4-4-4-12. */
#define IISS_UUID_STR_MAX 37
const char *iiss_uuid_format(const uint8_t uuid[16], char *buf, size_t n);

/* MITRE ATT&CK techniques a captured IIsServiceControl call stands for:
 * T1021.003 (Remote Services: Distributed Component Object Model) for every
 * call, as every call on the wire is a remote DCOM call; then T1489 (Service
 * Stop) for Stop and Kill, T1529 (System Shutdown/Reboot) for Reboot. */
typedef struct iiss_attack_technique {
    const char *id;   /* "T1489" */
    const char *name; /* "Service Stop" */
} iiss_attack_technique;
#define IISS_ATTACK_PER_CALL_MAX 2
extern const iiss_attack_technique iiss_attack_remote_dcom;
extern const iiss_attack_technique iiss_attack_service_stop;
extern const iiss_attack_technique iiss_attack_system_reboot;
/* The techniques of a call with this opnum, most general first, into
 * out[0, IISS_ATTACK_PER_CALL_MAX); returns how many. */
size_t iiss_attack_techniques(uint16_t opnum, const iiss_attack_technique *out[IISS_ATTACK_PER_CALL_MAX]);

#endif
