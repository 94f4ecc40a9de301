/* DCOM activations out of DCE/RPC calls.
 *
 * Takes every call of the DCE/RPC stage and keeps those on a context bound
 * to an activation interface (IRemoteSCMActivator, Wireshark's
 * "ISystemActivator": RemoteCreateInstance and RemoteGetClassObject;
 * IActivation: RemoteActivation), decodes their stubs with the library
 * (iiss/activation.h) and holds one record per activation until it is
 * released, in request order, by iiss_activations_release: the caller
 * interleaves them with the records of other stages by request order
 * (seq). The IPIDs each activation returned are handed on at once (an
 * iiss_activation_ipid_fn), each with the server addresses it is good for,
 * so the calls that carry them can name the activation.
 *
 * Memory: at most max_held records wait for release (the oldest is then
 * released early and counted); nothing else is kept. */
#ifndef IISS_ACTIVATIONS_H
#define IISS_ACTIVATIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dcerpc.h"
#include "iiss/activation.h"
#include "ntlmssp_identity.h"
#include "tcp_stream.h"

typedef struct iiss_activation_record {
    uint64_t seq; /* request order, shared with the other stages' records */
    uint64_t stream_id;
    iiss_endpoint client;
    iiss_endpoint server;
    uint32_t call_id;
    uint16_t opnum;
    iiss_act_method method;
    iiss_ndr ndr;
    bool sealed;    /* PKT_PRIVACY and not decrypted: nothing of the stubs is readable */
    bool decrypted; /* PKT_PRIVACY, and every sealed PDU of the call was decrypted and verified */
    iiss_dce_verified verified;
    const char *credential; /* label of the credential that fitted, or NULL */
    iiss_packet_meta request_meta;
    bool has_response; /* a response or a fault */
    iiss_packet_meta response_meta;
    bool has_auth;
    uint8_t auth_type;
    uint8_t auth_level;
    bool has_identity;
    iiss_ntlm_identity identity;
    bool is_fault;
    uint32_t fault_status;
    size_t note_count; /* notes of the DCE/RPC stages, the connection's own included */
    iiss_note notes[IISS_DCE_NOTES_MAX + 2];
    /* What the timeline shows, taken from the decoded stubs. */
    bool has_clsid;    /* the class asked for */
    uint8_t clsid[16];
    bool has_iid;      /* the first interface asked for */
    uint8_t iid[16];
    bool has_ipid;     /* the first returned interface with an OBJREF */
    uint8_t ipid[16];
    uint8_t ipid_iid[16]; /* that interface's IID */
    bool has_port;     /* the first ncacn_ip_tcp OXID binding with a port */
    uint16_t port;
    bool has_hresult;  /* the activation's result: RemoteActivation's phr when it failed, else the method's */
    uint32_t hresult;
    bool request_decoded;
    bool response_decoded; /* a response stub was decoded (not a fault) */
    /* The decoded stubs come last: large (inline anomaly lists), filled whole
     * by the library. */
    iiss_act_request request;
    iiss_act_response response;
} iiss_activation_record;

typedef void (*iiss_activation_fn)(void *user, const iiss_activation_record *rec);

/* An IPID an activation returned (16 bytes, as a call's object UUID is
 * stored), for one server address it is good for (the one the activation
 * was sent to, then each numeric ncacn_ip_tcp address of its OXID bindings:
 * a multi-homed server may name another; ports mean nothing here), with
 * the frame of the activation's response; iis_class: the activation was
 * of CLSID_IIsServiceControl (its request named that class, or the
 * interface returned is IIsServiceControl). */
typedef void (*iiss_activation_ipid_fn)(void *user, const uint8_t ipid[16], const iiss_endpoint *server,
                                        uint64_t frame, bool iis_class);

#define IISS_ACTIVATIONS_DEFAULT_MAX_HELD 64u

/* Zero fields take the defaults. */
typedef struct iiss_activations_config {
    size_t max_held; /* records waiting for release (default 64) */
} iiss_activations_config;

void iiss_activations_config_default(iiss_activations_config *cfg);

typedef struct iiss_activations_stats {
    uint64_t dce_calls;        /* calls seen from the DCE/RPC stage */
    uint64_t activations;      /* records made */
    uint64_t sealed;           /* of which sealed and not decrypted */
    uint64_t ipids;            /* returned IPIDs handed on (once per activation and IPID) */
    uint64_t out_of_order;     /* released before an older call to respect max_held */
    uint64_t records_dropped;  /* lost for lack of memory */
} iiss_activations_stats;

typedef struct iiss_activations iiss_activations;

/* cfg NULL: defaults. `on_record` may be NULL (only the IPIDs are wanted).
 * NULL when out of memory. */
iiss_activations *iiss_activations_new(const iiss_activations_config *cfg, iiss_activation_fn on_record,
                                       void *user);
/* Where the returned IPIDs go, as each activation is decoded (NULL: nowhere). */
void iiss_activations_set_ipid_fn(iiss_activations *acts, iiss_activation_ipid_fn on_ipid, void *user);
/* An iiss_dce_call_fn: pass with the iiss_activations as user. Holds the
 * record of an activation call; releases nothing unless max_held is
 * exceeded. */
void iiss_activations_on_dce_call(void *acts, const iiss_dce_call *call);
/* Releases every held record with seq < before_seq, in seq order. */
void iiss_activations_release(iiss_activations *acts, uint64_t before_seq);
/* End of one input: releases every held record. */
void iiss_activations_end_input(iiss_activations *acts);
void iiss_activations_get_stats(const iiss_activations *acts, iiss_activations_stats *out);
/* Ends the input, then frees. NULL is fine. */
void iiss_activations_free(iiss_activations *acts);

#endif
