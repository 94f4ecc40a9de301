/* IIsServiceControl calls out of DCE/RPC calls.
 *
 * Takes every call of the DCE/RPC stage, keeps those on a context bound to
 * IIsServiceControl (E8FB8620-588F-11D2-9D61-00C04F79C5FE v0.0), or, with
 * inference on, those on an unknown context (a capture joined after the
 * bind) that the library's rule (iiss/infer.h) accepts: request and
 * response both exactly this method's with plausible values, and evidence
 * besides the request's shape (the response's shape, the server port
 * carrying a bound IIS call earlier in the input, or an object UUID an IIS
 * activation returned). The DCE/RPC stage hands a call over once it is
 * over (response, fault, or none coming), so the whole call decides.
 * Decodes request and response stubs and the STATUS_BLOB with the library,
 * and hands out one record per call in the order of the requests. */
#ifndef IISS_CALLS_H
#define IISS_CALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dcerpc.h"
#include "iiss/status_blob.h"
#include "iiss/stub.h"
#include "ntlmssp_identity.h"
#include "tcp_stream.h"

typedef struct iiss_call_record {
    uint64_t seq; /* request order */
    uint64_t stream_id;
    iiss_endpoint client;
    iiss_endpoint server;
    uint32_t call_id;
    uint16_t opnum;
    const char *method;     /* "Stop" ... or NULL outside 7-11 */
    bool inferred;          /* no bind seen: accepted by the inference rule */
    unsigned inference;     /* when inferred: its IISS_INFER_* evidence bits (iiss/infer.h); else 0 */
    iiss_ndr ndr;
    bool sealed;            /* PKT_PRIVACY and not decrypted: parameters and results unreadable */
    bool decrypted;         /* PKT_PRIVACY, and every sealed PDU of the call was decrypted and verified */
    /* The call's NTLMSSP signatures: TRUE when every protected PDU of it
     * verified, FALSE when one did not, UNKNOWN without keys. */
    iiss_dce_verified verified;
    const char *credential; /* label of the credential that fitted, or NULL */
    iiss_packet_meta request_meta;
    bool has_response;      /* a response or a fault */
    iiss_packet_meta response_meta;
    bool has_ipid;
    uint8_t ipid[16];       /* object UUID, little-endian fields */
    /* The object UUID is an IPID an activation of the IIS CLSID returned
     * (iiss_calls_add_activation_ipid): the frame of that activation's
     * response. Bound and inferred calls alike. */
    bool has_activation_frame;
    uint64_t activation_frame;
    /* Authentication: the request's sec_trailer, else the bind's. */
    bool has_auth;
    uint8_t auth_type;
    uint8_t auth_level;
    bool has_identity;
    iiss_ntlm_identity identity;
    bool is_fault;
    uint32_t fault_status;
    size_t note_count;      /* transport notes of the DCE/RPC stage */
    iiss_note notes[IISS_DCE_NOTES_MAX + 2];
    bool request_decoded;
    bool response_decoded;  /* a response stub was decoded (not a fault) */
    bool has_blob;          /* Status with a buffer */
    /* The decoded stubs come last: they are large (inline anomaly lists)
     * and filled whole by the library, so only the fields above need
     * clearing for each call. */
    iiss_request request;
    iiss_response response;
    iiss_status_blob blob;
} iiss_call_record;

typedef void (*iiss_call_fn)(void *user, const iiss_call_record *rec);

/* A call's result, as far as the capture shows it: no response, a fault,
 * sealed, an HRESULT, or unreadable (no HRESULT read). */
typedef struct iiss_call_result {
    bool has_response;
    bool is_fault;
    uint32_t fault_status;
    bool sealed;
    bool has_hresult;
    uint32_t hresult;
} iiss_call_result;

typedef enum iiss_call_outcome {
    IISS_OUTCOME_UNKNOWN = 0, /* no response, sealed, unreadable */
    IISS_OUTCOME_SUCCESS,     /* an HRESULT without the failure bit */
    IISS_OUTCOME_FAILURE,     /* a failure HRESULT or a fault */
} iiss_call_outcome;

void iiss_call_record_result(const iiss_call_record *rec, iiss_call_result *out);
iiss_call_outcome iiss_call_result_outcome(const iiss_call_result *result);
/* "success", "failure", "unknown" (ECS's event.outcome values). */
const char *iiss_call_outcome_name(iiss_call_outcome outcome);

#define IISS_CALLS_DEFAULT_MAX_REORDER 256u

/* Zero fields take the defaults. */
typedef struct iiss_calls_config {
    bool no_infer;      /* keep only calls on a context bound to this interface */
    size_t max_reorder; /* finished calls held back waiting for an older one (default 256) */
} iiss_calls_config;

void iiss_calls_config_default(iiss_calls_config *cfg);

typedef struct iiss_calls_stats {
    uint64_t dce_calls;   /* calls seen from the DCE/RPC stage */
    uint64_t bound;
    uint64_t inferred;
    uint64_t inference_rejected; /* unbound calls of opnums 7-11 the inference rule turned down */
    uint64_t sealed;
    uint64_t out_of_order; /* released before an older call to respect max_reorder */
    uint64_t records_dropped; /* IIS calls lost for lack of memory */
    uint64_t blobs_dropped;   /* STATUS_BLOBs left undecoded for lack of memory */
} iiss_calls_stats;

typedef struct iiss_calls iiss_calls;

/* cfg NULL: defaults (inference on). NULL when out of memory. */
iiss_calls *iiss_calls_new(const iiss_calls_config *cfg, iiss_call_fn on_record, void *user);
/* An iiss_dce_call_fn: pass with the iiss_calls as user. */
void iiss_calls_on_dce_call(void *calls, const iiss_dce_call *call);
/* Evidence from the activation stage: a DCOM activation of CLSID
 * E8FB8621-588F-11D2-9D61-00C04F79C5FE returned `ipid` (16 bytes, as a
 * call's object UUID is stored) for the server at `server`'s address (its
 * port is not compared: the activation went to port 135, the calls go to
 * the object exporter's) in its response at frame `activation_frame`.
 * Every later call to that address whose object UUID is that IPID carries
 * activation_frame, and an unbound one has "activation_ipid" evidence for
 * the inference rule; give each address the IPID is good for (the one the
 * activation was sent to, those of its OXID bindings): captures merged
 * from several networks may hold equal IPIDs. Give it before the calls are
 * handed over (the activation's response precedes the calls in the input).
 * Kept until the end of the input (iiss_calls_flush), as much as memory
 * allows; false when it was not kept (out of memory). */
bool iiss_calls_add_activation_ipid(iiss_calls *calls, const uint8_t ipid[16], const iiss_endpoint *server,
                                    uint64_t activation_frame);
/* Releases every held record (end of input, after the streams closed) and
 * forgets the input's evidence (activation IPIDs, bound server ports): a
 * run over several files gives what one run per file gives. */
void iiss_calls_flush(iiss_calls *calls);
void iiss_calls_get_stats(const iiss_calls *calls, iiss_calls_stats *out);
/* Flushes, then frees. */
void iiss_calls_free(iiss_calls *calls);

#endif
