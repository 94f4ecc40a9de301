/* DCOM activation (MS-DCOM 3.1.2.5.2): what a client asks the server's
 * object resolver on port 135 before it can call an object, and what it gets
 * back: the OXID bindings (where the object exporter listens) and the
 * OBJREF whose IPID every later call carries as its object UUID.
 *
 * Three methods are decoded:
 *   IRemoteSCMActivator (000001A0-0000-0000-C000-000000000046, Wireshark's
 *   "ISystemActivator") RemoteCreateInstance (opnum 4) and
 *   RemoteGetClassObject (opnum 3): ORPCTHIS plus the activation properties
 *   BLOB (2.2.22) in an MInterfacePointer, answered by ORPCTHAT, the
 *   ActivationPropertiesOut BLOB and the HRESULT;
 *   IActivation (4D9F4AB8-7D1C-11CF-861E-0020AF6E7C57) RemoteActivation
 *   (opnum 0): the same facts as plain NDR parameters.
 *
 * The outer stub follows the call's transfer syntax (NDR20 or NDR64) and
 * drep; OBJREFs are little-endian byte arrays (2.2.18); each activation
 * property carries its own type serialization header (MS-RPCE 2.2.6).
 * Nothing here allocates or does I/O: one stub in, one result struct out.
 * GUIDs are kept in the little-endian-fields form (as iiss_iid_bytes), so
 * an IPID compares directly with a DCE/RPC object UUID. Anomaly offsets are
 * stub offsets. */
#ifndef IISS_ACTIVATION_H
#define IISS_ACTIVATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iiss/anomaly.h"
#include "iiss/stub.h"

typedef enum iiss_act_method {
    IISS_ACT_REMOTE_CREATE_INSTANCE = 0, /* IRemoteSCMActivator opnum 4 */
    IISS_ACT_REMOTE_GET_CLASS_OBJECT,    /* IRemoteSCMActivator opnum 3 */
    IISS_ACT_REMOTE_ACTIVATION,          /* IActivation opnum 0 */
} iiss_act_method;

extern const uint8_t iiss_act_iid_remote_scm_activator[16]; /* 000001A0-0000-0000-C000-000000000046 */
extern const uint8_t iiss_act_iid_activation[16];           /* 4D9F4AB8-7D1C-11CF-861E-0020AF6E7C57 */

/* Which activation method a call on this interface and opnum is; false for
 * anything else (the other opnums are not used on the wire). */
bool iiss_act_method_of(const uint8_t interface_uuid[16], uint16_t opnum, iiss_act_method *out);
/* "RemoteCreateInstance", "RemoteGetClassObject", "RemoteActivation". */
const char *iiss_act_method_name(iiss_act_method method);

/* Kept-in-detail limits; the counts say how many the wire announced. */
#define IISS_ACT_IIDS_KEPT 8
#define IISS_ACT_PROPERTIES_KEPT 10 /* MAX_ACTPROP_LIMIT (2.2.28.1) */
#define IISS_ACT_STRING_BINDINGS_KEPT 8
#define IISS_ACT_SECURITY_BINDINGS_KEPT 4
#define IISS_ACT_PROTSEQS_KEPT 8
#define IISS_ACT_TEXT_MAX 96 /* bytes of UTF-8 kept of one wire string, NUL included */

/* A wire string (UTF-16) as UTF-8, cut at IISS_ACT_TEXT_MAX - 1 bytes. */
typedef struct iiss_act_text {
    bool present;
    bool truncated; /* longer than kept */
    char utf8[IISS_ACT_TEXT_MAX];
} iiss_act_text;

/* STRINGBINDING (2.2.19.3): a protocol tower and a network address,
 * optionally followed by "[endpoint]" (the port for ncacn_ip_tcp). */
typedef struct iiss_act_string_binding {
    uint16_t tower_id;   /* 0x0007 ncacn_ip_tcp ... */
    iiss_act_text network_address; /* as sent, endpoint included */
    bool has_port;       /* a numeric "[port]" endpoint */
    uint16_t port;
} iiss_act_string_binding;

/* SECURITYBINDING (2.2.19.4). */
typedef struct iiss_act_security_binding {
    uint16_t authn_svc;
    uint16_t authz_svc;
    iiss_act_text principal;
} iiss_act_security_binding;

/* DUALSTRINGARRAY (2.2.19.1). */
typedef struct iiss_act_bindings {
    bool present;
    uint16_t num_entries;
    uint16_t security_offset;
    uint32_t string_count;   /* string bindings found */
    uint32_t security_count; /* security bindings found */
    iiss_act_string_binding strings[IISS_ACT_STRING_BINDINGS_KEPT];
    iiss_act_security_binding security[IISS_ACT_SECURITY_BINDINGS_KEPT];
} iiss_act_bindings;

enum {
    IISS_OBJREF_STANDARD = 0x1,
    IISS_OBJREF_HANDLER = 0x2,
    IISS_OBJREF_CUSTOM = 0x4,
    IISS_OBJREF_EXTENDED = 0x8,
};

/* OBJREF (2.2.18): the header, and the STDOBJREF with the resolver
 * bindings of the standard, handler and extended forms. */
typedef struct iiss_act_objref {
    bool present;        /* signature and flags were valid */
    uint32_t flags;      /* IISS_OBJREF_* */
    uint8_t iid[16];
    bool has_std;        /* STDOBJREF read (standard, handler, extended) */
    uint32_t std_flags;
    uint32_t public_refs;
    uint64_t oxid;
    uint64_t oid;
    uint8_t ipid[16];
    bool has_clsid;      /* handler and custom forms */
    uint8_t clsid[16];
    iiss_act_bindings resolver; /* saResAddr */
} iiss_act_objref;

/* One property of an activation properties BLOB (2.2.22.2). */
typedef struct iiss_act_property {
    uint8_t clsid[16];   /* CustomHeader.pclsid entry */
    uint32_t size;       /* CustomHeader.pSizes entry */
    iiss_span span;      /* where its serialization sits in the stub */
    bool decoded;        /* a structure this library reads, and it parsed */
} iiss_act_property;

typedef struct iiss_act_request {
    iiss_act_method method;
    iiss_ndr ndr;                /* the context's transfer syntax */
    bool complete;               /* every [in] parameter was read */
    iiss_orpcthis orpcthis;
    /* The activation properties BLOB (IRemoteSCMActivator). */
    bool has_properties;
    uint32_t property_count;     /* CustomHeader.cIfs */
    uint32_t properties_kept;    /* entries of properties[] filled */
    iiss_act_property properties[IISS_ACT_PROPERTIES_KEPT];
    /* InstantiationInfoData (2.2.22.2.1), or RemoteActivation's Clsid and pIIDs. */
    bool has_clsid;
    uint8_t clsid[16];
    uint32_t iid_count;          /* cIID / Interfaces */
    uint32_t iids_kept;          /* entries of iids[] read */
    uint8_t iids[IISS_ACT_IIDS_KEPT][16];
    bool has_class_context;
    uint32_t class_context;
    uint32_t activation_flags;
    bool has_client_version;     /* clientCOMVersion */
    uint16_t client_version_major;
    uint16_t client_version_minor;
    /* SpecialPropertiesData (2.2.22.2.2). */
    bool has_session_id;
    uint32_t session_id;         /* 0xFFFFFFFF: any session */
    /* SecurityInfoData's COSERVERINFO (2.2.22.2.7): the server the client named. */
    iiss_act_text server_name;
    /* ScmRequestInfoData (2.2.22.2.4), or RemoteActivation's parameters. */
    bool has_imp_level;
    uint32_t imp_level;
    uint16_t protseq_count;
    uint16_t protseqs_kept;
    uint16_t protseqs[IISS_ACT_PROTSEQS_KEPT];
    /* RemoteActivation only. */
    iiss_act_text object_name;   /* pwszObjectName */
    bool has_mode;
    uint32_t mode;
    iiss_anomaly_list anomalies;
} iiss_act_request;

/* One interface the activation returned. */
typedef struct iiss_act_interface {
    uint8_t iid[16];
    uint32_t hresult;
    iiss_act_objref objref;      /* present when the pointer was non-NULL */
} iiss_act_interface;

typedef struct iiss_act_response {
    iiss_act_method method;
    iiss_ndr ndr;
    bool complete;               /* every [out] parameter and the result were read */
    iiss_orpcthat orpcthat;
    bool has_properties;         /* the ActivationPropertiesOut BLOB (IRemoteSCMActivator) */
    uint32_t property_count;
    uint32_t properties_kept;
    iiss_act_property properties[IISS_ACT_PROPERTIES_KEPT];
    /* PropsOutInfo (2.2.22.2.9), or RemoteActivation's ppInterfaceData and pResults. */
    uint32_t interface_count;    /* cIfs / the conformance of ppInterfaceData */
    uint32_t interfaces_kept;    /* entries of interfaces[] filled */
    iiss_act_interface interfaces[IISS_ACT_IIDS_KEPT];
    /* ScmReplyInfoData's customREMOTE_REPLY_SCM_INFO (2.2.22.2.8.1), or
     * RemoteActivation's pOxid ... pServerVersion. */
    bool has_remote_reply;
    uint64_t oxid;
    iiss_act_bindings oxid_bindings; /* where the object exporter listens */
    uint8_t rem_unknown_ipid[16];
    uint32_t authn_hint;
    uint16_t server_version_major;
    uint16_t server_version_minor;
    /* RemoteActivation's phr (the activation's own result). */
    bool has_activation_hresult;
    uint32_t activation_hresult;
    /* The method's return value (HRESULT, or error_status_t for RemoteActivation). */
    bool has_hresult;
    uint32_t hresult;
    iiss_anomaly_list anomalies;
} iiss_act_response;

/* Decode a request or response stub (PDU body after reassembly, without
 * auth padding or verifier). Always fill *out; return out->complete. */
bool iiss_act_decode_request(const uint8_t *stub, size_t len, iiss_act_method method, iiss_ndr ndr,
                             bool big_endian, iiss_act_request *out);
bool iiss_act_decode_response(const uint8_t *stub, size_t len, iiss_act_method method, iiss_ndr ndr,
                              bool big_endian, iiss_act_response *out);

/* The first returned interface with an OBJREF carrying an IPID: its index,
 * or -1. With `iid` non-NULL, only an interface of that IID counts. */
int iiss_act_response_find_interface(const iiss_act_response *resp, const uint8_t *iid);
/* The port of the first ncacn_ip_tcp OXID binding that names one; false
 * when none does. */
bool iiss_act_bindings_tcp_port(const iiss_act_bindings *bindings, uint16_t *port);

#endif
