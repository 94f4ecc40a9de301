/* One sample capture being written: the capture file, one TCP connection,
 * both DCE/RPC directions, and the expected decode of every IIS call, which
 * session_finish writes as <name>.expected.json from the values used.
 *
 * Typical use (see scenario_basic.c):
 *   session_open(&s, &cfg, out_dir);
 *   session_handshake(&s); session_bind(&s);
 *   session_simple_call(&s, IISS_OPNUM_STOP, (uint32_t[]){20000, 1}, 2, HR_S_OK, 3200000);
 *   session_status_call(&s, 1024, services, n, 40000);
 *   session_close_tcp(&s); session_finish(&s);
 * Lower-level steps (session_begin_call, session_write_request, session_queue
 * + tcp_emit) let a scenario control segmentation, reordering, anomalies. */
#ifndef SAMPLEGEN_SESSION_H
#define SAMPLEGEN_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capfile.h"
#include "dcerpc_writer.h"
#include "iiss_stubs.h"
#include "netpkt.h"
#include "status_blob_writer.h"
#include "tcp_stream.h"

#define SESSION_MAX_TSHARK_OPTIONS 8
#define SESSION_MAX_ANOMALIES 8
#define SESSION_MAX_SERVICES 64

extern const guid IID_IIS_SERVICE_CONTROL; /* E8FB8620-588F-11D2-9D61-00C04F79C5FE */
extern const guid CLSID_IIS_SERVICE_CONTROL; /* E8FB8621-588F-11D2-9D61-00C04F79C5FE */
extern const guid IPID_REM_UNKNOWN;        /* the object exporter's IRemUnknown2 IPID */
extern const guid IID_IREM_UNKNOWN2;       /* 00000143-0000-0000-C000-000000000046 */

typedef struct session_config {
    const char *name;          /* "iisreset-remote": file stem */
    const char *description;
    bool pcapng;               /* .pcapng with nanosecond timestamps */
    int linktype;
    uint32_t snaplen;
    net_link link;
    net_endpoint client;
    net_endpoint server;
    uint32_t client_isn;
    uint32_t server_isn;
    uint64_t start_ns;
    bool big_endian;           /* client drep (the server answers in kind) */
    bool ndr64;                /* negotiate and use NDR64 */
    uint16_t max_frag;         /* max_xmit_frag / max_recv_frag both sides */
    uint8_t pad_fill;          /* NDR padding byte */
    const char *tshark_options[SESSION_MAX_TSHARK_OPTIONS]; /* NULL-terminated */
} session_config;

typedef struct expected_anomaly {
    const char *kind;
    bool has_offset;
    uint32_t offset;
    uint32_t frame;            /* 0: none (signature_invalid names its frame) */
} expected_anomaly;

/* The expected "auth" object of the calls (type NULL: "auth" is null). */
typedef struct session_auth {
    const char *type;          /* "NTLMSSP", "SPNEGO" */
    const char *level;         /* "PKT_PRIVACY", "PKT_INTEGRITY" */
    const char *domain;
    const char *user;
    const char *workstation;
    /* Kerberos: the ticket's service principal ("host/NAME@REALM"); NULL
     * for NTLMSSP (the key is left out). */
    const char *service_principal;
    /* Kerberos: the enctype (RFC 3961 name) of the ticket and of the
     * authenticator, and the ticket's kvno. */
    const char *ticket_enctype;
    const char *authenticator_enctype;
    int ticket_kvno;
    /* The expected file assumes the fitting credential (its
     * "iissdump_options"): sealed calls carry their plaintext values and
     * "decrypted": true, and "auth" says whether every signature verified. */
    bool with_credential;
} session_auth;

/* What a decoder must report for one call. -1 = null for the int64 fields. */
typedef struct call_expect {
    uint16_t opnum;
    uint32_t call_id;
    int64_t timeout_ms;
    int64_t force;
    int64_t force_apps_closed;
    int64_t buffer_size;
    bool has_hresult;
    uint32_t hresult;
    bool has_fault;
    uint32_t fault_status;
    int64_t required_size;
    int64_t num_services;
    bool has_services;
    size_t n_services;
    blob_service services[SESSION_MAX_SERVICES]; /* a NULL name prints null */
    size_t n_anomalies;
    expected_anomaly anomalies[SESSION_MAX_ANOMALIES];
    /* The connection and identity of the call, as they were when it began
     * (a capture may hold several connections, see session_next_connection). */
    size_t conn;
    net_endpoint client;
    guid ipid;
    bool sealed;
    session_auth auth;
    bool signature_invalid;    /* a PDU of the call carries a wrong signature */
    bool interface_inferred;
    bool port_bound_earlier;   /* inferred, and an earlier connection bound IIsServiceControl on this server port */
    bool has_response;
    uint32_t activation_frame; /* the activation response that returned the IPID (0: none) */
    size_t request_start;      /* the request's PDUs in the client stream */
    size_t request_end;
    size_t response_start;     /* the response's PDUs in the server stream */
    size_t response_end;
} call_expect;

/* A PDU of another connection of the capture (the activation on port 135),
 * already placed in its frame. */
typedef struct placed_pdu {
    dce_pdu_record pdu;
    uint32_t frame;
    bool has_clsid;
    guid clsid;            /* RemoteCreateInstance request: the class created */
} placed_pdu;

/* A call of another DCOM interface (the decoys sample): not an IIS call,
 * listed so a test can check that stock tshark, given the bind, decodes it
 * as the interface it is. */
typedef struct decoy_call {
    const char *interface;      /* "ITypeInfo" */
    guid iid;
    const char *method;         /* "GetNames" */
    const char *tshark_protocol; /* the tshark protocol that decodes it ("typeinfo"), NULL when none does */
    uint16_t opnum;
    size_t conn;
    size_t request_end;         /* in the client stream */
    bool has_response;
    size_t response_end;        /* in the server stream */
    const char *why_not_iis;    /* what tells it from an IIS call of this opnum */
} decoy_call;

/* A DCOM activation of the capture (session_activate), as a decoder must
 * report it. */
typedef struct activation_expect {
    uint32_t frame_request;
    uint32_t frame_response;
    net_endpoint client;
    net_endpoint server;
    uint32_t call_id;
    const char *server_name;   /* COSERVERINFO */
    uint32_t hresult;
    bool returned_object;      /* S_OK: the interface, its OBJREF and the OXID bindings */
    guid ipid;
    uint64_t oxid;
    uint64_t oid;
    char oxid_binding[80];     /* "10.0.0.20[49155]" */
    uint16_t port;
} activation_expect;

/* One iisreset run the script performed, as the expected file states it:
 * its name (what the scenario says the run was), its calls (indices into
 * the expected calls); outcome, first failure and W3SVC's states follow
 * from those calls' expected values (session_expected.c). */
typedef struct expected_action {
    const char *name;          /* "/restart", "/stop" ... "unknown" */
    size_t first_call;
    size_t n_calls;
    bool one_connection;       /* only the calls of connection `conn` among them */
    size_t conn;
} expected_action;

#define SESSION_MAX_ACTIONS 12
#define SESSION_MAX_DECOYS 24
#define SESSION_MAX_PLACED_PDUS 16
#define SESSION_MAX_ACTIVATIONS 4
#define SESSION_MAX_CONNECTIONS 12
#define SESSION_MAX_CREDENTIAL_OPTIONS 8
#define SESSION_MAX_TSHARK_DECRYPT_RUNS 4

/* A connection of the capture that is not the current one (over, or
 * waiting for session_switch_connection): its TCP frames and PDUs stay for
 * the expected file. */
typedef struct past_connection {
    bool interface_inferred;   /* it had no bind in the capture */
    net_endpoint server;
    tcp_conn tcp;
    dce_stream to_server;
    dce_stream to_client;
    size_t queued[2];
    uint32_t next_call_id;
    net_endpoint client;
    guid ipid;
} past_connection;

typedef struct session {
    session_config cfg;
    const char *out_dir;
    capfile cap;
    tcp_conn tcp;
    dce_stream to_server;      /* client -> server PDUs */
    dce_stream to_client;
    size_t queued[2];          /* dce bytes already handed to TCP, per side */
    call_expect *calls;
    size_t n_calls;
    size_t cap_calls;
    uint32_t next_call_id;
    uint16_t ctx_id;           /* presentation context of IIsServiceControl */
    bool interface_inferred;   /* no bind in the capture */
    /* The calls that follow are inferred on a server port an earlier
     * connection of the capture bound IIsServiceControl on. */
    bool port_bound_earlier;
    guid ipid;
    guid causality;
    iiss_stub_style style;     /* NDR flavour and padding; extents set per stub */
    /* ORPC extensions the next requests / responses carry (none: NULL). */
    const orpc_extent *orpcthis_extents;
    size_t n_orpcthis_extents;
    const orpc_extent *orpcthat_extents;
    size_t n_orpcthat_extents;
    /* Sealed scenario: auth verifiers for requests / responses, and the
     * expected "auth" object (NULL fields print null). */
    const dce_auth *client_auth;
    const dce_auth *server_auth;
    bool sealed;
    session_auth auth;
    placed_pdu placed[SESSION_MAX_PLACED_PDUS];
    size_t n_placed;
    activation_expect activations[SESSION_MAX_ACTIVATIONS];
    size_t n_activations;
    /* Connections by id: `conn` is the current one (in tcp, to_server ...),
     * past[k] holds every other k < n_conns. */
    past_connection past[SESSION_MAX_CONNECTIONS];
    size_t conn;
    size_t n_conns;
    /* Sealed samples: the iissdump options that give the credential (file
     * names relative to the samples folder), and tshark runs that decrypt
     * the connections of one user ("DOMAIN\\user"; the options a
     * NULL-terminated list). NULL-terminated. */
    const char *iissdump_options[SESSION_MAX_CREDENTIAL_OPTIONS];
    /* Other options that give the same decode (e.g. a keytab instead of
     * an NT-hash file); NULL-terminated lists. */
    const char *iissdump_alternatives[2][SESSION_MAX_CREDENTIAL_OPTIONS];
    struct {
        const char *user;
        const char *options[SESSION_MAX_CREDENTIAL_OPTIONS];
    } tshark_decrypt[SESSION_MAX_TSHARK_DECRYPT_RUNS];
    decoy_call decoys[SESSION_MAX_DECOYS];
    size_t n_decoys;
    expected_action actions[SESSION_MAX_ACTIONS];
    size_t n_actions;
    /* Frames where stock tshark is meant to flag TCP analysis. */
    uint32_t analysis_frames[32];
    size_t n_analysis_frames;
} session;

int session_open(session *s, const session_config *cfg, const char *out_dir);
void session_handshake(session *s);
/* Before the handshake: the DCOM activation on port 135 of the server
 * (ISystemActivator::RemoteCreateInstance of the IIS CLSID, answered with
 * the IPID and the OXID binding "<server>[<port>]" this session then uses),
 * on its own TCP connection from the client's port - 1. */
void session_activate(session *s, const char *server_name);
/* The same activation refused with `hresult` (e.g. E_ACCESSDENIED): the
 * reply carries no activation properties, only the HRESULT. */
void session_activate_refused(session *s, const char *server_name, uint32_t hresult);
/* bind (IIsServiceControl ctx 0, IRemUnknown2 ctx 1; NDR20, plus NDR64 when
 * cfg.ndr64) and bind_ack accepting them, each sent in one segment. */
void session_bind(session *s);
/* alter_context presenting session_bind's contexts again and its
 * alter_context_resp, with client_auth / server_auth tokens: the third and
 * fourth legs of an SPNEGO bind (MS-RPCE 3.3.1.5.2.1), on the bind's call id. */
void session_alter_auth(session *s, uint32_t call_id);
/* bind with IRemUnknown2 alone (ctx 0), then alter_context adding
 * IIsServiceControl as ctx 1, which the calls then use: how a client that
 * already talks to the object exporter adds an interface. */
void session_bind_then_alter(session *s);
/* Hand the PDUs written since the last call on `side` to TCP; returns the
 * stream offset of the first byte and sets *len. */
size_t session_queue(session *s, int side, size_t *len);
/* session_queue then send with tcp_send_queued (sizes as there). */
void session_send(session *s, int side, const size_t *sizes, size_t n_sizes);

/* Record a new call (its expectation) with the next call id. */
call_expect *session_begin_call(session *s, uint16_t opnum);
/* Write the request PDU(s) with these DWORD parameters; fills the params. */
void session_write_request(session *s, call_expect *c, const uint32_t *dwords, size_t n_dwords);
void session_write_simple_response(session *s, call_expect *c, uint32_t hresult);
/* Status reply carrying `buffer` (conformance as given); the expectation's
 * services are the caller's business (session_expect_services). */
void session_write_status_response(session *s, call_expect *c, uint64_t conformance, const uint8_t *buffer,
                                   size_t buffer_len, uint32_t required_size, uint32_t num_services,
                                   uint32_t hresult);
void session_write_fault(session *s, call_expect *c, uint32_t status);
/* A response carrying a stub the caller built (e.g. a truncated one); the
 * expectation's result fields are left to the caller. */
void session_write_raw_response(session *s, call_expect *c, const uint8_t *stub, size_t stub_len);
void session_expect_services(call_expect *c, const blob_service *services, size_t n);
void session_expect_anomaly(call_expect *c, const char *kind);

/* IRemUnknown2::RemRelease (MS-DCOM 3.1.1.5.6.1.3, opnum 5) on context 1,
 * addressed to the IRemUnknown IPID, releasing the IIsServiceControl
 * references: what a DCOM client sends when it lets the object go. Not an
 * IIS call, so no expectation is recorded; its PDUs are listed. */
void session_rem_release(session *s);
/* Request, server time, response, client think time; each PDU burst sent
 * at the MSS. A server time over 200 ms adds the server's delayed ACK. */
void session_simple_call(session *s, uint16_t opnum, const uint32_t *dwords, size_t n_dwords, uint32_t hresult,
                         uint64_t server_us);
/* Status(buffer_size): E_ERROR_INSUFFICIENT_BUFFER with a zeroed buffer when
 * the blob does not fit, else S_OK with the blob (offsets in WCHARs) and
 * zeros after it up to buffer_size. Returns the blob size. */
size_t session_status_call(session *s, uint32_t buffer_size, blob_service *services, size_t n,
                           uint64_t server_us);

/* The "services" array of an expected file (blob objects). */
struct json_writer;
void session_put_services(struct json_writer *j, const char *key, const blob_service *services, size_t n);

void session_close_tcp(session *s);
/* After session_close_tcp: a new connection to the same server from
 * `client`, with these initial sequence numbers. The finished connection
 * keeps its frames and PDUs for the expected file; the calls that follow
 * carry the new client and the session's auth, ipid and sealed values as
 * they are when each call begins. Call ids start again at 1. */
void session_next_connection(session *s, const net_endpoint *client, uint32_t client_isn, uint32_t server_isn);
/* The same to another server (or port); the finished connection keeps its own. */
void session_next_connection_to(session *s, const net_endpoint *client, const net_endpoint *server,
                                uint32_t client_isn, uint32_t server_isn);
/* The calls recorded from first_call on make one iisreset run named `name`
 * (the expected file's "actions"). */
void session_expect_action(session *s, const char *name, size_t first_call);
/* The same with only connection `conn`'s calls from first_call on: a run
 * whose calls interleave with another client's. */
void session_expect_action_on_connection(session *s, const char *name, size_t first_call, size_t conn);

/* Makes connection `conn` (0 is session_open's, then one per
 * session_next_connection) the current one again, with its client, server,
 * IPID and call ids; the one left keeps its state for a later switch.
 * Connections may so be open at once, their calls interleaved. */
void session_switch_connection(session *s, size_t conn);
/* Writes the expected file, closes the capture; 0 on success. */
int session_finish(session *s);
/* <out_dir>/<name>.expected.json alone (session_expected.c). */
int session_write_expected(session *s);

#endif
